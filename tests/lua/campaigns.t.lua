-- Campaign plans: economics per customer computed by hand, allocation by
-- expected incremental profit under budgets, negative campaigns alerted,
-- forced campaigns, control groups, the older conversion_rate, the
-- learning loop, and the linter.
local sg = require "segmint"
local t = require("tap")(print)

-- baseline P(buy in 90 days) = 1 - churn_probability: a 0.8, b 0.4, c 0.1, d 0.05, e 0.3
local customers = sg.dataset {
  { "customer", { "a", "b", "c", "d", "e" } },
  { "segment", { "Champions", "Champions", "At Risk", "Lost", "At Risk" } },
  { "recency_days", { 5, 10, 120, 400, 95 } },
  { "monetary", { 900.0, 1500.0, 300.0, 80.0, 200.0 } },
  { "avg_basket", { 100.0, 150.0, 60.0, 40.0, 50.0 } },
  { "churn_probability", { 0.2, 0.6, 0.9, 0.95, 0.7 } },
}
local segs = sg.segments({ { "Champions", r = 5 }, { "At Risk", r = 1 }, { "Lost", r = 2 }, { "Others" } })

local camps = sg.campaigns {
  -- profit = uplift x basket x margin - discount x p1 x basket - cost
  -- a: 0.1 x 100 x 0.4 - 2 = 2;  b: 0.1 x 150 x 0.4 - 2 = 4; budget 2 -> one contact: b
  { name = "VIP", target = { segments = { "Champions" } }, priority = 1, cost_per_contact = 2,
    uplift = 0.10, margin = 0.4, budget = 2, control_share = 0 },
  -- c: p0 0.1, p1 0.3: 0.2 x 60 x 0.5 - 0.2 x 0.3 x 60 - 1 = 6 - 3.6 - 1 = 1.4
  -- e: p0 0.3, p1 0.5: 0.2 x 50 x 0.5 - 0.2 x 0.5 x 50 - 1 = 5 - 5 - 1 = -1 (not contacted)
  { name = "Welcome Back", target = { recency_days = "> 90" }, exclude = { segments = { "Lost" } },
    priority = 2, cost_per_contact = 1, discount = 0.2, uplift = 0.2, margin = 0.5, control_share = 0 },
  -- d: 0.01 x 40 x 0.3 - 0.3 x 0.06 x 40 - 1.5 = 0.12 - 0.72 - 1.5 = -2.1
  { name = "Win back", target = { segments = { "Lost" } }, priority = 3, cost_per_contact = 1.5,
    discount = 0.3, uplift = 0.01, margin = 0.3, control_share = 0 },
  -- 0.05 x basket x 0.3 - 0.5: a 1.0, b 1.75, c 0.4, d 0.1, e 0.25; budget 0.1% of 2980 = 2.98: 5 contacts
  { name = "Everyone", target = function(c) return true end, priority = 4, cost_per_contact = 0.5,
    uplift = 0.05, margin = 0.3, budget_share = 0.001, allow_multiple = true, control_share = 0 },
}
local plan, targets, with, info = camps:plan(customers, { segments = segs })

t.same(plan:column("campaign"), { "VIP", "Welcome Back", "Win back", "Everyone", n = 4 }, "campaigns in priority order")
t.same(plan:column("eligible"), { 2, 2, 1, 5, n = 4 }, "eligible customers")
t.same(plan:column("targeted"), { 1, 1, 0, 5, n = 4 }, "targeted: within budget, positive profit only")
t.same(targets:filter("campaign == 'VIP'"):column("customer"), { "b", n = 1 }, "VIP: the more profitable customer")
t.near(plan:get(1, "expected_incremental_profit"), 4, 1e-12, "VIP profit: 0.1 x 150 x 0.4 - 2")
t.near(plan:get(1, "expected_incremental_revenue"), 15, 1e-12, "VIP incremental revenue: (0.5 - 0.4) x 150")
t.near(plan:get(1, "roi"), 4 / 2, 1e-12, "VIP ROI on profit: 4 / 2")
t.same(targets:filter("campaign == 'Welcome Back'"):column("customer"), { "c", n = 1 },
  "Welcome Back: e would lose money, so only c")
t.near(plan:get(2, "expected_incremental_profit"), 1.4, 1e-12, "Welcome Back profit 1.4")
t.near(plan:get(2, "discount_cost"), 3.6, 1e-12, "discount given to every buyer: 0.2 x 0.3 x 60")
t.near(plan:get(2, "expected_incremental_revenue"), 8.4, 1e-12, "revenue net of the discount: (0.3 x 0.8 - 0.1) x 60")
t.near(plan:get(2, "roi"), 1.4 / (1 + 3.6), 1e-12, "ROI = profit / (contact cost + discount cost)")
t.near(plan:get(2, "expected_incremental_sales"), 12, 1e-12, "sales the contact adds, before discounts: 0.2 x 60")
t.near(plan:get(2, "expected_incremental_margin"), 6, 1e-12, "margin on them: 0.5 x 12")
t.near(plan:get(2, "expected_incremental_margin") - plan:get(2, "discount_cost") - plan:get(2, "cost"),
  plan:get(2, "expected_incremental_profit"), 1e-12, "profit = margin on the extra sales - discounts - contact cost (6 - 3.6 - 1)")
t.near(plan:get(2, "expected_incremental_sales") - plan:get(2, "discount_cost"), plan:get(2, "expected_incremental_revenue"),
  1e-12, "revenue = extra sales - discounts (12 - 3.6)")
t.same({ info.measurement[1].campaign, info.measurement[1].kind, info.measurement[1].targeted },
  { "VIP", "none", 1 }, "measurement: VIP has no control group (control_share = 0), as data for the summary")
t.near(plan:get(2, "expected_conversions"), 0.3, 1e-12, "expected buyers among the contacted")
t.near(plan:get(2, "expected_incremental_buyers"), 0.2, 1e-12, "of whom incremental")
t.is(plan:get(3, "alert"), "no_profitable_customers", "Win back: alerted, not planned")
-- a recommendation campaign leaves out the customers with nothing to recommend
do
  local recs = sg.dataset { { "customer", { "a", "a", "c" } }, { "rank", { 1, 2, 1 } }, { "item", { "x", "y", "z" } } }
  local xs = sg.campaigns { { name = "Cross", target = function() return true end, cost_per_contact = 0.1,
    uplift = 0.05, margin = 0.3, control_share = 0, recommend = "co_purchased", top_n = 3 } }
  local xp, xt, _, xinfo = xs:plan(customers, { segments = segs, recommendations = recs })
  t.is(xp:get(1, "eligible"), 2, "recommendations for a and c only: 2 of the 5 customers eligible")
  t.same(xt:sort("customer"):column("recommended"), { "x y", "z", n = 2 }, "each with its recommendations")
  t.like(table.concat(xinfo.warnings, "\n"), "campaign 'Cross': 3 customers of its target have no co%-purchased "
    .. "product to recommend and are left out", "the others counted in a warning")
  t.like(xp:get(1, "assumptions"), " 3 customers of its target left out: nothing to recommend%.$",
    "and in the assumptions sentence")
end
t.like(info.alerts[1].message, "campaign 'Win back': none of its 1 eligible customers .* %(contacting them all: %-2%.10%)",
  "the alert says what contacting them would lose")
t.near(info.alerts[1].eligible_profit, -2.1, 1e-12, "eligible profit -2.1")
t.near(plan:get(4, "budget"), 2.98, 1e-12, "budget share of the eligible revenue")
t.near(plan:get(4, "expected_incremental_profit"), 1 + 1.75 + 0.4 + 0.1 + 0.25, 1e-12, "Everyone: the five profits")
t.same(targets:filter("campaign == 'Everyone'"):column("customer"), { "b", "a", "c", "e", "d", n = 5 },
  "ranked by expected profit")
t.same(with:column("campaign"), { "Everyone", "VIP; Everyone", "Welcome Back; Everyone", "Everyone",
  "Everyone", n = 5 }, "one exclusive campaign each, plus allow_multiple")
t.same(targets:filter("campaign == 'VIP'"):column("p_buy_baseline"), { 0.4, n = 1 }, "baseline in the targets")
t.near(targets:filter("campaign == 'VIP'"):get(1, "p_buy_contact"), 0.5, 1e-12, "with contact in the targets")
t.is(plan:get(1, "baseline_source"), "churn", "baseline from the churn model")
t.like(plan:get(2, "assumptions"), "^Welcome Back: baseline from the churn model .*10%.0%% on average of buying within "
  .. "90 days without contact%), uplift %+20%.0 points %(the rule's estimate%), margin 50%%, discount 20%% on every "
  .. "purchase a contacted customer makes, 1%.00 per contact, 0%% kept as a control group%. 1 of its 2 eligible customers "
  .. "planned; 1 left out, at a loss%.$", "one-sentence assumptions, with the eligible customer left out at a loss")

-- forced: planned at a loss, and said so
local forced = sg.campaigns { { name = "Win back", target = { segments = { "Lost" } }, cost_per_contact = 1.5,
  discount = 0.3, uplift = 0.01, margin = 0.3, force = true, control_share = 0 } }
local fp, ft, _, finfo = forced:plan(customers)
t.same(ft:column("customer"), { "d", n = 1 }, "force = true: contacted despite a negative profit")
t.near(fp:get(1, "expected_incremental_profit"), -2.1, 1e-12, "negative expected profit")
t.is(fp:get(1, "alert"), "negative_profit", "flagged")
t.like(finfo.alerts[1].message, "expected to lose 2%.10 on its 1 contacts.*force = true", "the alert names the loss")

-- profit decides between exclusive campaigns; priority when asked
local two = sg.campaigns {
  { name = "Cheap", target = { segments = { "Champions" } }, cost_per_contact = 1, uplift = 0.05, margin = 0.4, control_share = 0 },
  { name = "Rich", target = { segments = { "Champions" } }, cost_per_contact = 5, uplift = 0.20, margin = 0.4, control_share = 0 },
}
-- Cheap: a 0.05x100x0.4-1 = 1, b 2; Rich: a 0.2x100x0.4-5 = 3, b 0.2x150x0.4-5 = 7
local p2, t2 = two:plan(customers)
t.same(p2:column("targeted"), { 0, 2, n = 2 }, "profit: both customers in the campaign where they bring more")
t.near(p2:get(2, "expected_incremental_profit"), 10, 1e-12, "3 + 7")
local p3 = two:plan(customers, { allocation = "priority" })
t.same(p3:column("targeted"), { 2, 0, n = 2 }, "priority: the first campaign takes them")
local p4 = two:plan(customers, { total_budget = 5 })
t.same(p4:column("targeted"), { 0, 1, n = 2 }, "total budget 5: one Rich contact (b, 7) beats two Cheap (3)")
t.same(t2:column("group"), { "treatment", "treatment", n = 2 }, "no control group when control_share = 0")

-- control groups: 10% by default, stratified by segment, seeded, never contacted
local ids, segcol, rec, mon, basket, churn = {}, {}, {}, {}, {}, {}
for i = 1, 300 do
  ids[i] = string.format("k%03d", i)
  segcol[i] = i <= 100 and "Champions" or "At Risk"
  rec[i], mon[i], basket[i], churn[i] = 10 + i, 100.0 + i, 50.0, 0.5
end
local many = sg.dataset { { "customer", ids }, { "segment", segcol }, { "recency_days", rec }, { "monetary", mon },
  { "avg_basket", basket }, { "churn_probability", churn } }
local ctl = sg.campaigns { { name = "Test", target = function() return true end, cost_per_contact = 0.1,
  uplift = 0.05, margin = 0.4 } }
local cp, ct, cw, cinfo = ctl:plan(many)
t.same({ cp:get(1, "treatment"), cp:get(1, "control") }, { 270, 30 }, "10% control by default")
t.is(#ct:filter("group == 'control' and segment == 'Champions'"), 10, "stratified: 10 of the 100 Champions")
t.is(#ct:filter("group == 'control' and segment == 'At Risk'"), 20, "and 20 of the 200 At Risk")
local control_ids = {}
for _, r in ct:filter("group == 'control'"):rows() do control_ids[r.customer] = true end
local contacted = 0
for _, r in cw:rows() do if control_ids[r.customer] and r.campaign then contacted = contacted + 1 end end
t.is(contacted, 0, "control customers are never given the campaign")
t.near(cp:get(1, "cost"), 270 * 0.1, 1e-9, "cost counts the treated only")
local _, ct_again = ctl:plan(many)
t.same(ct_again:column("group"), ct:column("group"), "same seed, same control group")
local _, ct_other = ctl:plan(many, { seed = 7 })
local same = true
local g1, g2 = ct:column("group"), ct_other:column("group")
for i = 1, g1.n do if g1[i] ~= g2[i] then same = false end end
t.ok(not same, "another seed, another control group")
-- minimum detectable effect: base 0.5, 270 and 30: (1.95996 + 0.84162) sqrt(0.25 (1/270 + 1/30))
t.near(cp:get(1, "mde"), (1.959963984540054 + 0.8416212335729143) * math.sqrt(0.25 * (1 / 270 + 1 / 30)), 1e-9,
  "detectable effect from the group sizes")
t.like(table.concat(cinfo.warnings, "\n"), "campaign 'Test': with 270 treated and 30 control customers the smallest "
  .. "uplift a test can detect is 27%.0 points", "warned: the planned 5 points cannot be measured")

-- the older conversion_rate: only its part above each customer's baseline counts
local legacy = sg.campaigns { { name = "Old", target = { segments = { "Champions" } }, conversion_rate = 0.5,
  cost_per_contact = 1, margin = 0.4, control_share = 0 } }
t.like(legacy.warnings[1], "conversion_rate now counts only its part above each customer's baseline", "lint warns")
-- a: p0 0.8 > 0.5: no uplift, loses the contact; b: 0.5 - 0.4 = 0.1: 0.1 x 150 x 0.4 - 1 = 5
local lp, lt = legacy:plan(customers)
t.same(lt:column("customer"), { "b", n = 1 }, "customers who would buy anyway are not credited")
t.near(lp:get(1, "expected_incremental_profit"), 5, 1e-12, "uplift = conversion_rate - baseline")
t.is(lp:get(1, "uplift_source"), "conversion_rate", "says where the uplift came from")

-- baselines without a churn model
local bt = customers:drop { "churn_probability" }:with_column("expected_purchases_90d", { 1.0, 0.5, 0.1, 0, 0.2 })
local bp, btg = sg.campaigns({ { name = "VIP", target = { segments = { "Champions" } }, uplift = 0.1, margin = 0.4,
  control_share = 0 } }):plan(bt)
t.near(btg:get(1, "p_buy_baseline"), 1 - math.exp(-0.5), 1e-12, "BTYD expected purchases: 1 - exp(-E)")
t.is(bp:get(1, "baseline_source"), "btyd_expected", "named")
local _, fixed = sg.campaigns({ { name = "VIP", target = { segments = { "Champions" } }, uplift = 0.1, margin = 0.4,
  control_share = 0 } }):plan(bt, { baseline = 0.25 })
t.same(fixed:column("p_buy_baseline"), { 0.25, 0.25, n = 2 }, "a fixed baseline")
t.raises(function() camps:plan(customers:drop { "churn_probability" }) end,
  "no baseline purchase probability", "no baseline source: a clear error")
local holes = customers:drop { "churn_probability" }:with_column("churn_probability", { 0.2, 0.6, nil, 0.95, 0.7, n = 5 })
local _, _, _, hinfo = camps:plan(holes)
t.like(table.concat(hinfo.warnings, "\n"), "1 customers have no baseline purchase probability", "a missing baseline is reported")
t.raises(function() camps:plan(customers, { window_days = 30.5 }) end, "window_days must be a whole number",
  "the window is checked")
local both = sg.campaigns { defaults = { uplift = 0.02 }, { name = "Old", target = {}, conversion_rate = 0.3 } }
t.ok(both.campaigns[1].conversion_rate == 0.3 and #both.warnings == 1,
  "a campaign's own conversion_rate is read before the file's default uplift, with the warning")

-- the learning loop: measured uplift shrunk toward the rule's (Beta-Binomial, prior weight m = 100)
-- pooled control rate b = 20/100; Welcome Back's rule uplift 0.2: prior means 0.4 and 0.2
-- treatment (90 + 100 x 0.4) / (300 + 100) = 0.325; control (20 + 100 x 0.2) / (100 + 100) = 0.2
local results = sg.dataset { { "campaign", { "Welcome Back", "Nobody" } }, { "segment", { "At Risk", "At Risk" } },
  { "treatment", { 300, 10 } }, { "control", { 100, 10 } }, { "treatment_responders", { 90, 1 } },
  { "control_responders", { 20, 1 } } }
local learned, unknown = camps:learn(results, { prior_strength = 100 })
t.near(learned["Welcome Back"]["At Risk"].uplift, 0.125, 1e-12, "learned uplift 0.325 - 0.2")
t.near(learned["Welcome Back"]["At Risk"].observed, 0.1, 1e-12, "between the measured 0.1 and the rule's 0.2")
t.same(unknown, { "Nobody" }, "results of campaigns not in the rules are listed")
local big = camps:learn(results, { prior_strength = 1e-6 })
t.near(big["Welcome Back"]["At Risk"].uplift, 0.1, 1e-6, "a negligible prior gives the measured uplift")
-- c now: p1 = 0.1 + 0.125: 0.125 x 60 x 0.5 - 0.2 x 0.225 x 60 - 1 = 3.75 - 2.7 - 1 = 0.05
local lp2 = camps:plan(customers, { learned = learned })
t.near(lp2:get(2, "expected_incremental_profit"), 0.05, 1e-12, "the plan uses the learned uplift")
t.is(lp2:get(2, "uplift_source"), "learned", "and says so")
t.like(lp2:get(2, "assumptions"), "measured results for 2 of 2 customers, shrunk toward the rule.s %+?20%.0 points", "in the assumptions sentence, with the rule's prior in points")

-- the linter
t.raises(function() sg.campaigns { { name = "X", target = { segments = { "A" } }, discount = 1.5 } } end,
  "field 'discount': expected a number from 0 to 1", "discount out of range")
t.raises(function() sg.campaigns { { name = "X", target = {}, cost_per_contakt = 1 } } end,
  "unknown field 'cost_per_contakt' %(did you mean 'cost_per_contact'%?%)", "unknown field")
t.raises(function() sg.campaigns { { name = "X", target = {}, upflit = 0.1 } } end,
  "unknown field 'upflit' %(did you mean 'uplift'%?%)", "a typo in a new field")
t.raises(function() sg.campaigns { { name = "X", target = {}, margin = 40 } } end,
  "field 'margin': expected a number from 0 to 1, got 40", "margin as a share")
t.raises(function() sg.campaigns { { name = "X", target = {}, control_share = 1 } } end,
  "field 'control_share': expected a number from 0 to 1 %(excluded%)", "control share below 1")
t.raises(function() sg.campaigns { { name = "X", target = {}, cost_per_order = -2 } } end,
  "field 'cost_per_order': expected a number >= 0, got %-2", "a cost per purchase cannot be negative")

-- cost_per_order: what the offer costs on every purchase of a contacted
-- customer besides the discount (free delivery), p1 x cost_per_order
-- a: p0 0.8, p1 0.9: 0.1 x 100 x 0.4 - 0.9 x 1.5 - 0.5 = 4 - 1.35 - 0.5 = 2.15
-- b: p0 0.4, p1 0.5: 0.1 x 150 x 0.4 - 0.5 x 1.5 - 0.5 = 6 - 0.75 - 0.5 = 4.75
-- with 5 per purchase: a 4 - 4.5 - 0.5 = -1 (not contacted), b 6 - 2.5 - 0.5 = 3
local function delivery(cost)
  local c = sg.campaigns { { name = "VIP", target = { segments = { "Champions" } }, cost_per_contact = 0.5,
    cost_per_order = cost, uplift = 0.10, margin = 0.4, control_share = 0 } }
  return c:plan(customers, { segments = segs })
end
local dp, dtg = delivery(1.5)
t.same({ dp:get(1, "targeted"), dp:get(1, "cost_per_order") }, { 2, 1.5 }, "free delivery at 1.50: both customers still pay")
t.near(dp:get(1, "order_cost"), (0.9 + 0.5) * 1.5, 1e-12, "offer costs: 1.50 on each expected purchase of the contacted (0.9 + 0.5)")
t.near(dp:get(1, "expected_incremental_profit"), 2.15 + 4.75, 1e-12, "profit net of the offer costs: 2.15 + 4.75")
t.near(dp:get(1, "expected_incremental_margin") - dp:get(1, "discount_cost") - dp:get(1, "order_cost") - dp:get(1, "cost"),
  dp:get(1, "expected_incremental_profit"), 1e-12, "profit = margin - discounts - offer costs - contact cost")
t.near(dp:get(1, "roi"), 6.9 / (1 + 2.1), 1e-12, "ROI = profit / (contact cost + discounts + offer costs)")
t.same(dtg:column("cost_per_order"), { 1.5, 1.5, n = 2 }, "each target row carries the offer's cost per purchase")
t.like(dp:get(1, "assumptions"), "and 1%.50 of offer cost on each, 0%.50 per contact", "the assumptions sentence names it")
local dp5, dtg5 = delivery(5)
t.same(dtg5:column("customer"), { "b", n = 1 }, "at 5 per purchase the customer who would buy anyway costs more than they bring")
t.near(dp5:get(1, "expected_incremental_profit"), 3, 1e-12, "b alone: 6 - 2.5 - 0.5")
local dp0 = delivery(nil)
t.same({ dp0:get(1, "order_cost"), dp0:get(1, "cost_per_order") }, { 0.0, 0.0 }, "no cost per purchase by default")
t.ok(not dp0:get(1, "assumptions"):find("offer cost", 1, true), "and none in the sentence")
t.raises(function() sg.campaigns { { name = "X", target = {}, force = "yes" } } end,
  "field 'force': expected true or false", "force is a boolean")
t.raises(function() sg.campaigns { { name = "X", target = {}, uplift = 0.1, conversion_rate = 0.2 } } end,
  "give either 'uplift' .* or the older 'conversion_rate'", "uplift and conversion_rate together")
t.raises(function() sg.campaigns { total_budgt = 10, { name = "X", target = {} } } end,
  "unknown setting 'total_budgt' %(did you mean 'total_budget'%?%)", "file settings are linted")
t.raises(function() sg.campaigns { defaults = { margn = 0.3 }, { name = "X", target = {} } } end,
  "defaults%.margn is not a field with a default %(did you mean 'margin'%?%)", "defaults are linted")
t.raises(function() sg.campaigns { margin = 0.3, { name = "X", target = {} } } end,
  "unknown setting 'margin' %(campaign fields go inside a campaign, or in defaults", "a campaign field at file level")
local dflt = sg.campaigns { defaults = { margin = 0.5, control_share = 0 }, total_budget = 3,
  { name = "X", target = function() return true end, uplift = 0.1, cost_per_contact = 1 } }
t.is(dflt.campaigns[1].margin, 0.5, "defaults apply to every campaign")
t.same(dflt:plan(customers):column("targeted"), { 3, n = 1 }, "the file's total budget applies")
t.raises(function() sg.campaigns { { name = "X" } } end, "has no 'target'", "missing target")
t.raises(function() sg.campaigns { { name = "X", target = {}, budget = 1, budget_share = 0.1 } } end,
  "either 'budget' or 'budget_share'", "two budgets")
t.raises(function() sg.campaigns({ { name = "X", target = { segments = { "Champion" } } } }):plan(customers, { segments = segs }) end,
  "no segment 'Champion' %(did you mean 'Champions'%?%)", "unknown segment named")
t.raises(function() sg.campaigns({ { name = "X", target = { recency = "> 3" } } }):plan(customers) end,
  "target.recency is not a column", "unknown field in a target")
local errs, warns = sg.lint_rule_file("rules.campaigns", { { name = "X", target = {}, conversion_rate = 0.1 } })
t.ok(#errs == 0 and #warns == 1, "lint_rule_file: the older field is a warning, not an error")
-- Predicates see the whole customer row (columns the plan does not otherwise
-- read included), field conditions read single values: both over the same rows.
local regional = customers:with_column("region", { "north", "south", "north", "south", "north", n = 5 }, "string")
local rp, rt = sg.campaigns {
  { name = "North", target = function(c) return c.region == "north" and c.customer ~= nil end, uplift = 0.1,
    margin = 0.5, control_share = 0 },
  { name = "Recent south", target = { recency_days = "< 50", when = function(c) return c.region == "south" end },
    uplift = 0.1, margin = 0.5, control_share = 0 },
}:plan(regional)
t.same(rp:column("eligible"), { 3, 1, n = 2 }, "a target function reads a column the plan does not use; a when beside a condition")
t.same(rt:filter("campaign == 'North'"):sort { "customer" }:column("customer"), { "a", "c", "e", n = 3 },
  "the function's customers")
t.same(rt:filter("campaign == 'Recent south'"):column("customer"), { "b", n = 1 }, "recency < 50 and south: b")
t.done()
