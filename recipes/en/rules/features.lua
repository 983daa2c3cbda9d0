-- The names people read for the churn and value models' features: in the
-- key churn factors of summary.md and in churn_reasons of customers.csv
-- ("days since the last purchase (184); country: France").  Rename freely;
-- a feature left out is shown by its column name.
return {
  recency_days = "days since the last purchase",
  frequency = "number of orders",
  monetary = "total spend",
  avg_basket = "average basket",
  tenure_days = "days as a customer",
  ipt_mean_days = "average days between orders",
  ipt_sd_days = "irregularity of orders (days)",
  spend_last_90d = "spend in the last 90 days",
  spend_prev_90d = "spend 90 to 180 days ago",
  spend_change_90d = "change in 90-day spend",
  distinct_items = "different products bought",
  distinct_categories = "product categories bought",
  returned_share = "share of value returned",
  country = "country",
  Country = "country",
  channel = "acquisition channel",
  age_band = "age band",
}
