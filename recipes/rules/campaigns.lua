-- Campaign plans: who is targeted, what a contact costs and what it is
-- expected to change, shared by every language (en/campaigns.lua and
-- fr/campaigns.lua name each campaign by its id and word its offer).
--
-- The planner keeps a customer in a campaign only when the expected
-- incremental profit is positive:
--   uplift x basket x margin - discount x P(buy when contacted) x basket - cost_per_contact
--   - cost_per_order x P(buy when contacted)
-- (cost_per_order: what the offer costs on each purchase besides the discount;
-- the offers with free delivery carry the delivery the business pays, 3.50 here;
-- like the discount it is paid on the purchases customers would make anyway)
-- where the baseline P(buy without contact) over horizon_days comes from the
-- churn model (or BTYD) and uplift is the extra probability of buying that
-- a contact brings.  The uplifts below are assumptions until measured:
-- replace them with what segmint.campaign_results measures on the control
-- groups (control_share of each campaign's targets is held out, never
-- contacted).  A campaign that cannot pay is reported as an alert.
-- target / exclude: segments = { ids }, clusters = {...}, any customer field
-- with a condition (status = "at_risk", recency_days = "> {inactive_days}").
-- budget caps the contact cost; budget_share sets it as a share of the
-- eligible customers' revenue.
return {
  defaults = { margin = 0.35, control_share = 0.10 },
  { id = "vip", priority = 1,
    target = { segments = { "champions", "loyal_customers" }, status = "active" },
    cost_per_contact = 1, discount = 0, cost_per_order = 3.5, uplift = 0.05, budget = 15000,
    rank_by = "monetary" },
  { id = "churn_prevention", priority = 2,
    target = { status = "at_risk" },
    cost_per_contact = 0.5, discount = 0.10, cost_per_order = 3.5, uplift = 0.08, budget_share = 0.04,
    rank_by = "predicted_clv" },
  { id = "welcome_back", priority = 3,
    target = { status = "lapsed", recency_days = "<= 180" },
    cost_per_contact = 0.3, discount = 0.15, uplift = 0.06, budget_share = 0.05,
    rank_by = "monetary" },
  { id = "win_back", priority = 4,
    target = { status = "lapsed", recency_days = "> 180" },
    exclude = { segments = { "champions" } },
    cost_per_contact = 0.5, discount = 0.20, uplift = 0.03, budget_share = 0.03,
    rank_by = "monetary" },
  { id = "upselling", priority = 5,
    target = { segments = { "potential_loyalist", "promising", "need_attention" }, status = "active" },
    -- free delivery above the average basket: assume 4 purchases in 10 are above it, 0.40 x 3.50
    cost_per_contact = 0.2, discount = 0, cost_per_order = 1.4, uplift = 0.01,
    rank_by = "monetary" },
  { id = "cross_selling", priority = 6,
    target = { segments = { "loyal_customers", "new_customers", "potential_loyalist" } },
    allow_multiple = true,
    cost_per_contact = 0.1, discount = 0, uplift = 0.01,
    recommend = "co_purchased", top_n = 3,
    rank_by = "monetary" },
}
