-- Campaign plans: targets, exclusions, priorities, one campaign per
-- customer unless allowed, budgets (cap and share), expected figures.
local sg = require "segmint"
local t = require("tap")(print)

local customers = sg.dataset {
  { "customer", { "a", "b", "c", "d", "e" } },
  { "segment", { "Champions", "Champions", "At Risk", "Lost", "At Risk" } },
  { "recency_days", { 5, 10, 120, 400, 95 } },
  { "monetary", { 900.0, 1500.0, 300.0, 80.0, 200.0 } },
  { "avg_basket", { 90.0, 150.0, 60.0, 40.0, 50.0 } },
}
local segs = sg.segments({ { "Champions", r = 5 }, { "At Risk", r = 1 }, { "Lost", r = 2 }, { "Others" } })

local camps = sg.campaigns {
  { name = "VIP", target = { segments = { "Champions" } }, priority = 1, cost_per_contact = 10,
    conversion_rate = 0.5, budget = 10 },   -- room for one contact: the best customer
  { name = "Welcome Back", target = { recency_days = "> 90" }, exclude = { segments = { "Lost" } },
    priority = 2, cost_per_contact = 1, discount = 0.2, conversion_rate = 0.1 },
  { name = "Everyone", target = function(c) return true end, priority = 3, cost_per_contact = 2,
    conversion_rate = 0.2, budget_share = 0.01, allow_multiple = true },
}
local plan, targets, with = camps:plan(customers, { segments = segs })

t.same(plan:column("campaign"), { "VIP", "Welcome Back", "Everyone", n = 3 }, "campaigns in priority order")
t.same(plan:column("eligible"), { 2, 2, 5, n = 3 }, "eligible customers")
t.same(plan:column("targeted"), { 1, 2, 5, n = 3 }, "targeted after the budget")
-- VIP: one contact (budget 10 / cost 10), the best by monetary: b (1500), value 150 * 0.5
t.same(plan:column("cost"), { 10.0, 2.0, 10.0, n = 3 }, "costs")
t.near(plan:get(1, "expected_revenue"), 75.0, 1e-9, "VIP expected revenue")
-- Welcome Back: c and e, avg baskets 60 and 50, -20%, 10% conversion: (48 + 40) * 0.1
t.near(plan:get(2, "expected_revenue"), 8.8, 1e-9, "Welcome Back expected revenue")
t.near(plan:get(2, "expected_roi"), (8.8 - 2) / 2, 1e-9, "Welcome Back ROI")
-- Everyone: budget 1% of 2980 = 29.8 -> 14 contacts at 2 -> all 5
t.near(plan:get(3, "budget"), 29.8, 1e-9, "budget share of the target group's revenue")
t.same(targets:filter("campaign == 'VIP'"):column("customer"), { "b", n = 1 }, "the best customer first")
t.same(targets:filter("campaign == 'Welcome Back'"):column("customer"), { "c", "e", n = 2 }, "ranked by monetary")
t.same(with:column("campaign"), { "Everyone", "VIP; Everyone", "Welcome Back; Everyone", "Everyone",
  "Welcome Back; Everyone", n = 5 }, "one campaign each, plus allow_multiple")

-- the linter and checks against the data
t.raises(function() sg.campaigns { { name = "X", target = { segments = { "A" } }, discount = 1.5 } } end,
  "field 'discount': expected a number from 0 to 1", "discount out of range")
t.raises(function() sg.campaigns { { name = "X", target = {}, cost_per_contakt = 1 } } end,
  "unknown field 'cost_per_contakt' %(did you mean 'cost_per_contact'%?%)", "unknown field")
t.raises(function() sg.campaigns { { name = "X" } } end, "has no 'target'", "missing target")
t.raises(function() sg.campaigns { { name = "X", target = {}, budget = 1, budget_share = 0.1 } } end,
  "either 'budget' or 'budget_share'", "two budgets")
t.raises(function() sg.campaigns({ { name = "X", target = { segments = { "Champion" } } } }):plan(customers, { segments = segs }) end,
  "no segment 'Champion' %(did you mean 'Champions'%?%)", "unknown segment named")
t.raises(function() sg.campaigns({ { name = "X", target = { recency = "> 3" } } }):plan(customers) end,
  "target.recency is not a column", "unknown field in a target")
t.done()
