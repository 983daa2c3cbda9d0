-- Les noms lus par les personnes pour les variables des modèles
-- d'attrition et de valeur : dans les principaux facteurs d'attrition de
-- summary.md et dans churn_reasons de customers.csv (« jours depuis le
-- dernier achat (184) ; pays : France »).  Renommez librement ; une
-- variable absente d'ici est montrée sous le nom de sa colonne.
return {
  recency_days = "jours depuis le dernier achat",
  frequency = "nombre de commandes",
  monetary = "dépense totale",
  avg_basket = "panier moyen",
  tenure_days = "ancienneté (jours)",
  ipt_mean_days = "jours moyens entre deux commandes",
  ipt_sd_days = "irrégularité des commandes (jours)",
  spend_last_90d = "dépense des 90 derniers jours",
  spend_prev_90d = "dépense d'il y a 90 à 180 jours",
  spend_change_90d = "évolution de la dépense sur 90 jours",
  distinct_items = "produits différents achetés",
  distinct_categories = "catégories de produits achetées",
  returned_share = "part de la valeur retournée",
  country = "pays",
  Country = "pays",
  channel = "canal d'acquisition",
  age_band = "tranche d'âge",
}
