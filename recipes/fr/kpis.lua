-- Noms des indicateurs clés, par les identifiants de rules/kpis.lua.
return {
  active = "Clients actifs",
  retention = "Taux de rétention",
  churn = "Taux d'attrition mensuel",
  reactivation = "Taux de réactivation",
  repeat_rate = "Taux de réachat",
  basket = "Panier moyen",
  frequency = "Achats par client et par an",
  revenue_per_customer = "Chiffre d'affaires par client",
  clv = "Dépense prédite moyenne",
}
