-- Campaign plans: who is targeted and what it costs, shared by every
-- language (en/campaigns.lua and fr/campaigns.lua name each campaign by its
-- id and word its offer).  Each customer gets at most one campaign (the
-- first by priority that targets them) unless allow_multiple = true.
-- target / exclude: segments = { ids }, clusters = {...}, any customer field
-- with a condition (recency_days = "> {inactive_days}", churn_probability
-- = ">= 0.7"), or when = function(c) ... end.
-- budget caps the spend (best customers by rank_by first); budget_share
-- sets it as a share of the target group's revenue.
return {
  { id = "vip", priority = 1,
    target = { segments = { "champions", "loyal_customers" }, monetary = ">= 1000" },
    cost_per_contact = 12, discount = 0, conversion_rate = 0.35, budget = 15000,
    rank_by = "monetary" },
  { id = "churn_prevention", priority = 2,
    target = { churn_probability = ">= 0.7", recency_days = "<= 180" },
    cost_per_contact = 2, discount = 0.15, conversion_rate = 0.12, budget_share = 0.04,
    rank_by = "predicted_clv" },
  { id = "win_back", priority = 3,
    target = { recency_days = "> 180" },
    exclude = { segments = { "champions" } },
    cost_per_contact = 1.5, discount = 0.30, conversion_rate = 0.03, budget_share = 0.03,
    rank_by = "monetary" },
  { id = "welcome_back", priority = 4,
    target = { recency_days = "> {inactive_days}" },
    cost_per_contact = 0.5, discount = 0.20, conversion_rate = 0.08, budget_share = 0.05,
    rank_by = "monetary" },
  { id = "upselling", priority = 5,
    target = { segments = { "potential_loyalist", "promising", "need_attention" } },
    cost_per_contact = 0.3, discount = 0.05, conversion_rate = 0.10,
    rank_by = "monetary" },
  { id = "cross_selling", priority = 6,
    target = { segments = { "loyal_customers", "new_customers", "potential_loyalist" } },
    allow_multiple = true,
    cost_per_contact = 0.2, discount = 0.10, conversion_rate = 0.06,
    recommend = "co_purchased", top_n = 3,
    rank_by = "monetary" },
}
