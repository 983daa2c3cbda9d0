-- Thresholds of the automatic alerts of the executive summary, and the
-- segments (by id, see segments.lua) the summary groups.  The inactivity
-- threshold and the comparison period are in periods.lua.
return {
  basket_drop = 0.20,        -- alert when the average basket fell by more than this share
  monthly_churn = 0.05,      -- alert when the monthly churn rate is above this share (and not below its usual level)
  monthly_churn_rise = 0.03, -- ... or when it is this much (3 points) above its average of the 12 months before
  at_risk_probability = 0.5, -- an active customer is at risk from this churn probability (or below this P(alive))
  action_segments = { "at_risk", "cant_lose_them", "lapsed_big_spenders", "hibernating", "lost" },
  engaged_segments = { "champions", "loyal_customers", "potential_loyalist", "new_customers", "big_spenders",
    "frequent_small_buyers" },
}
