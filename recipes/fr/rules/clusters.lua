-- Noms des groupes (clusters) k-means, décidés sur le profil de chaque
-- groupe (la première règle qui correspond l'emporte).  Champs : size,
-- share, revenue_share, basket_ratio (panier moyen du groupe / panier moyen
-- global) et pour chaque variable mean_<v>, median_<v> et <v>_ratio
-- (moyenne du groupe / moyenne globale).
return {
  { "Forte valeur", monetary_ratio = ">= 2.5",
    why = "dépensent bien plus que le client moyen" },
  { "Fidèles",      frequency_ratio = ">= 1.5", recency_days_ratio = "< 1",
    why = "achètent plus souvent que la moyenne, et récemment" },
  { "À risque",     recency_days_ratio = ">= 1.5", frequency_ratio = ">= 0.8",
    why = "achetaient régulièrement mais plus depuis longtemps" },
  { "Perdus",       recency_days_ratio = ">= 1.5",
    why = "inactifs depuis bien plus longtemps que la moyenne" },
  { "Nouveaux",     tenure_days_ratio = "<= 0.6",
    why = "premier achat récent" },
  { "Réguliers",
    why = "proches du client moyen" },
}
