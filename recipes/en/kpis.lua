-- Names of the key figures, by the ids of rules/kpis.lua.
return {
  active = "Active customers",
  retention = "Retention rate",
  churn = "Monthly churn rate",
  reactivation = "Reactivation rate",
  repeat_rate = "Repeat purchase rate",
  basket = "Average basket",
  frequency = "Purchases per customer and year",
  revenue_per_customer = "Revenue per customer",
  clv = "Average predicted spend",
}
