-- Noms des groupes (clusters) k-means, par les identifiants de rules/clusters.lua.
return {
  high_value = { "Forte valeur", why = "dépensent bien plus que le client moyen" },
  loyal = { "Fidèles", why = "achètent plus souvent que la moyenne, et récemment" },
  at_risk = { "À risque", why = "achetaient régulièrement mais plus depuis longtemps" },
  lost = { "Perdus", why = "inactifs depuis bien plus longtemps que la moyenne" },
  new = { "Nouveaux", why = "premier achat récent" },
  regular = { "Réguliers", why = "proches du client moyen" },
}
