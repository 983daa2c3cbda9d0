-- La table à 10 segments de la vignette du paquet R `rfm` (rfm_segment),
-- avec le repli « Autres ».  rfm_segment attribue les segments dans l'ordre
-- de la vignette et une correspondance ultérieure écrase la précédente : la
-- liste est donc inversée pour donner le même résultat avec la règle de
-- segmint (la première qui correspond l'emporte).  Le linter montre ce que
-- cet ordre implique : « Clients fidèles » (r 2-5, f 3-5, m 3-5) recouvre
-- toutes les cases de « Champions », qui n'est donc jamais attribué avec ces
-- plages, dans R comme ici.  segments.lua donne une table où chaque segment
-- est atteignable.
return {
  { "Perdus",             r = "1-2", f = "1-2", m = "1-2" },
  { "À ne pas perdre",    r = "1-1", f = "4-5", m = "4-5" },
  { "À risque",           r = "1-2", f = "2-5", m = "2-5" },
  { "En sommeil proche",  r = "2-3", f = "1-2", m = "1-2" },
  { "À surveiller",       r = "2-3", f = "2-3", m = "2-3" },
  { "Prometteurs",        r = "3-4", f = "1-1", m = "1-1" },
  { "Nouveaux clients",   r = "4-5", f = "1-1", m = "1-1" },
  { "Fidèles potentiels", r = "3-5", f = "1-3", m = "1-3" },
  { "Clients fidèles",    r = "2-5", f = "3-5", m = "3-5" },
  { "Champions",          r = "4-5", f = "4-5", m = "4-5" },
  { "Autres" },
}
