-- Thresholds of the automatic alerts of the executive summary, and the
-- segments (by id, see segments.lua) the summary groups.  The inactivity
-- threshold and the comparison period are in periods.lua.
return {
  basket_drop = 0.20,        -- alert when the average basket fell by more than this share
  monthly_churn = 0.05,      -- alert when the monthly churn rate is above this share
  action_segments = { "at_risk", "cant_lose_them", "hibernating", "lost" },   -- "needing action now"
  engaged_segments = { "champions", "loyal_customers", "potential_loyalist", "new_customers" },
}
