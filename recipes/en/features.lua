-- The names people read for the churn and value models' features: in the
-- key churn factors of summary.md and in churn_reasons of customers.csv
-- ("days since the last purchase (184); country: France").  Rename freely;
-- a feature left out is shown by its column name.  {days} is the
-- comparison period of rules/periods.lua.
return {
  recency_days = "days since the last purchase",
  frequency = "number of orders",
  monetary = "total spend",
  avg_basket = "average basket",
  tenure_days = "days as a customer",
  ipt_mean_days = "average days between orders",
  ipt_sd_days = "irregularity of orders (days)",
  spend_last = "spend in the last {days} days",
  spend_prev = "spend in the {days} days before",
  spend_change = "change in spend over {days} days",
  distinct_items = "different products bought",
  distinct_categories = "product categories bought",
  returned_share = "share of value returned",
  country = "country",
  Country = "country",
  channel = "acquisition channel",
  age_band = "age band",
}
