-- The periods of the analysis, set once for every step and both languages.
-- Condition texts in the other rule files may use them as {name}, for
-- example recency_days = "> {inactive_days}".
return {
  inactive_days = 90,          -- no purchase for longer: the customer is inactive
  horizon_days = 90,           -- how far ahead the models predict (churn, spend, expected purchases),
                               -- and the window in which a campaign's effect is counted
  clv_months = 12,             -- the customer lifetime value horizon
  comparison_days = 90,        -- the latest period compared with the one before (average basket, recent spend)
}
