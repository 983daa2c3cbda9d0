-- Noms, canaux et offres des campagnes, par les identifiants de
-- rules/campaigns.lua (qui porte leurs cibles, coûts et budgets pour toutes
-- les langues).  {discount} dans une offre est la remise de la campagne,
-- écrite pour la langue (« 20 % »).
return {
  vip = { name = "Programme VIP", channel = "e-mail",
    offer = "accès anticipé aux nouveautés et livraison offerte",
    kpis = { "taux de réachat", "chiffre d'affaires par VIP" } },
  churn_prevention = { name = "Prévention de l'attrition", channel = "e-mail + appel",
    offer = "offre personnelle : -{discount} et livraison offerte sur la prochaine commande",
    kpis = { "rétention des clients à risque", "probabilité d'attrition après la période suivante" } },
  win_back = { name = "Reconquête des clients perdus", channel = "e-mail + courrier",
    offer = "-{discount} sur la prochaine commande",
    kpis = { "taux de réactivation", "coût par client réactivé" } },
  welcome_back = { name = "Bon retour", channel = "e-mail",
    offer = "-{discount} sur la prochaine commande",
    kpis = { "taux de réactivation", "panier moyen des clients revenus" } },
  upselling = { name = "Montée en gamme", channel = "e-mail + site",
    offer = "gamme premium et lots, livraison offerte au-delà du panier moyen",
    kpis = { "panier moyen", "part des produits premium" } },
  cross_selling = { name = "Ventes croisées", channel = "e-mail + recommandations sur le site",
    offer = "produits souvent achetés avec ceux qu'ils achètent déjà",
    kpis = { "articles par commande", "adoption des produits recommandés" } },
}
