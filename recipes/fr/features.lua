-- Les noms lus par les personnes pour les variables des modèles
-- d'attrition et de valeur : dans les principaux facteurs d'attrition de
-- summary.md et dans churn_reasons de customers.csv (« jours depuis le
-- dernier achat (184) ; pays : France »).  Renommez librement ; une
-- variable absente d'ici est montrée sous le nom de sa colonne.  {days}
-- est la période de comparaison de rules/periods.lua.
return {
  recency_days = "jours depuis le dernier achat",
  frequency = "nombre de commandes",
  monetary = "dépense totale",
  avg_basket = "panier moyen",
  tenure_days = "ancienneté (jours)",
  ipt_mean_days = "délai moyen entre deux commandes (jours)",
  ipt_sd_days = "irrégularité des commandes (jours)",
  spend_last = "dépense des {days} derniers jours",
  spend_prev = "dépense des {days} jours précédents",
  spend_change = "évolution de la dépense sur {days} jours",
  distinct_items = "produits différents achetés",
  distinct_categories = "catégories de produits achetées",
  returned_share = "part de la valeur retournée",
  country = "pays",
  Country = "pays",
  channel = "canal d'acquisition",
  age_band = "tranche d'âge",
}
