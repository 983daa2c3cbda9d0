-- Seuils des alertes automatiques de la synthèse.
return {
  inactive_days = 90,        -- sans achat depuis plus longtemps : client inactif
  period_days = 90,          -- panier moyen de la dernière période comparé à la précédente
  basket_drop = 0.20,        -- alerte si le panier moyen a baissé de plus de cette part
  monthly_churn = 0.05,      -- alerte si le taux d'attrition mensuel dépasse cette part
  action_segments = { "À risque", "À ne pas perdre", "En hibernation", "Perdus" },
  engaged_segments = { "Champions", "Clients fidèles", "Fidèles potentiels", "Nouveaux clients" },
}
