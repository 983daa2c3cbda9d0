-- The key figures of the executive summary, by id (en/kpis.lua and
-- fr/kpis.lua name them).  Each is computed for the latest period before
-- the scoring date and for the one before it; `target` and `direction`
-- give its status.  Targets are the business's own: the ones here are
-- examples to replace (percentages are shares: 0.85 for 85%).
-- measure: active_customers, new_customers, retention_rate, churn_rate,
-- reactivation_rate, repeat_purchase_rate, average_basket,
-- purchase_frequency, revenue, revenue_per_customer, average_clv,
-- cost_per_acquisition (with cost =), response_rate, satisfaction; or an
-- expression over the customer table (expression =, aggregate =).
-- A customer is active while they bought within inactive_days (periods.lua).
return {
  { id = "active", measure = "active_customers", period = "quarter" },
  { id = "retention", measure = "retention_rate", period = "quarter", target = 0.85 },
  { id = "churn", measure = "churn_rate", period = "month" },   -- no target: monthly_churn of alerts.lua is its target
  { id = "reactivation", measure = "reactivation_rate", period = "quarter" },
  { id = "repeat_rate", measure = "repeat_purchase_rate", period = "quarter", target = 0.5 },
  { id = "basket", measure = "average_basket", period = "quarter" },
  { id = "frequency", measure = "purchase_frequency", period = "year", target = 6 },
  { id = "revenue_per_customer", measure = "revenue_per_customer", period = "quarter" },
  { id = "clv", measure = "average_clv" },
}
