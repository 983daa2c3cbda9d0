-- Campaign plans.  Each customer gets at most one campaign (the first by
-- priority that targets them) unless a campaign says allow_multiple = true.
-- target / exclude: segments = {...}, clusters = {...}, any customer field
-- with a condition (recency_days = "> 90"), or when = function(c) ... end.
-- budget caps the spend (best customers by rank_by first); budget_share
-- sets it as a share of the target group's revenue.
return {
  { name = "VIP programme", priority = 1,
    target = { segments = { "Champions", "Loyal Customers" }, monetary = ">= 1000" },
    channel = "account manager + email",
    offer = "dedicated service, early access to new products, free delivery",
    cost_per_contact = 12, discount = 0, conversion_rate = 0.35, budget = 15000,
    rank_by = "monetary", kpis = { "repeat purchase rate", "revenue per VIP" } },
  { name = "Win back lost customers", priority = 2,
    target = { recency_days = "> 180" },
    exclude = { segments = { "Champions" } },
    channel = "email + direct mail",
    offer = "-30% on the next order, valid 30 days",
    cost_per_contact = 1.5, discount = 0.30, conversion_rate = 0.03, budget_share = 0.03,
    rank_by = "monetary", kpis = { "reactivation rate", "cost per reactivated customer" } },
  { name = "Welcome Back", priority = 3,
    target = { recency_days = "> 90" },
    channel = "email",
    offer = "-20% on the next order",
    cost_per_contact = 0.5, discount = 0.20, conversion_rate = 0.08, budget_share = 0.05,
    rank_by = "monetary", kpis = { "reactivation rate", "average basket of returning customers" } },
  { name = "Upselling", priority = 4,
    target = { segments = { "Potential Loyalist", "Promising", "Need Attention" } },
    channel = "email + website",
    offer = "premium range and bundles, free delivery above the average basket",
    cost_per_contact = 0.3, discount = 0.05, conversion_rate = 0.10,
    rank_by = "monetary", kpis = { "average basket", "share of premium products" } },
  { name = "Cross-selling", priority = 5,
    target = { segments = { "Loyal Customers", "New Customers", "Potential Loyalist" } },
    allow_multiple = true,
    channel = "email + website recommendations",
    offer = "products often bought with what they already buy",
    cost_per_contact = 0.2, discount = 0.10, conversion_rate = 0.06,
    recommend = "co_purchased", top_n = 3,
    rank_by = "monetary", kpis = { "items per order", "uptake of recommended products" } },
}
