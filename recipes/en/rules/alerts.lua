-- Thresholds for the automatic alerts of the executive summary.
return {
  inactive_days = 90,        -- a customer with no purchase for longer is inactive
  period_days = 90,          -- the average basket of the last period is compared with the one before
  basket_drop = 0.20,        -- alert when the average basket fell by more than this share
  monthly_churn = 0.05,      -- alert when the monthly churn rate is above this share
  action_segments = { "At Risk", "Can't Lose Them", "Hibernating", "Lost" },   -- "needing action now"
  engaged_segments = { "Champions", "Loyal Customers", "Potential Loyalist", "New Customers" },
}
