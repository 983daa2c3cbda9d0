-- Measured campaigns: treatment against control on a hand-computed
-- fixture, a plan's targets measured back, campaign performance ratios and
-- an A/B test, and uplift recovery on generated data with a known truth.
local sg = require "segmint"
local t = require("tap")(print)

-- ---- a hand-computed fixture ----
-- Spring, 10 days from 2024-03-01, margin 0.5, discount 0.1, 1 per contact.
-- treatment: t1 (A) buys 90; t2 (A) buys after the window; t3 (B) buys 45 and returns 9; t4 (B) nothing
-- control:   c1 (A) buys 40; c2 (B) and c3 (B) nothing
local targets = sg.dataset {
  { "campaign", { "Spring", "Spring", "Spring", "Spring", "Spring", "Spring", "Spring" } },
  { "customer", { "t1", "t2", "t3", "t4", "c1", "c2", "c3" } },
  { "segment", { "A", "A", "B", "B", "A", "B", "B" } },
  { "group", { "treatment", "treatment", "treatment", "treatment", "control", "control", "control" } },
  { "uplift", { 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05 } },
  { "margin", { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 } },
  { "discount", { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 } },
  { "contact_cost", { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 } },
}
local tx = sg.dataset {
  { "cust", { "t1", "t2", "t3", "t3", "c1", "zz" } },
  { "day", { "2024-03-02", "2024-03-15", "2024-03-05", "2024-03-06", "2024-03-03", "2024-03-04" }, "date" },
  { "qty", { 3, 1, 1, -1, 2, 1 } },
  { "price", { 30.0, 50.0, 45.0, 9.0, 20.0, 5.0 } },
}
local res = sg.campaign_results { targets = targets, transactions = tx, window_days = 10, start = "2024-03-01",
  columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } }
local c = res.campaigns:row(1)
t.same({ c.treatment, c.control, c.treatment_responders, c.control_responders }, { 4, 3, 2, 1 }, "group sizes and responders")
t.near(c.uplift, 0.5 - 1 / 3, 1e-12, "uplift 2/4 - 1/3")
-- Newcombe's hybrid score interval for 2/4 - 1/3 and the pooled z test (3/7), by hand
t.near(c.uplift_lower, -0.4105336413957043, 1e-9, "95% interval, lower")
t.near(c.uplift_upper, 0.6098037218501157, 1e-9, "95% interval, upper")
t.near(c.p_value, 0.6592430036926307, 1e-9, "p-value")
t.is(c.significant, false, "not significant")
t.near(c.mde, 1.0086859635045873, 1e-9, "detectable effect from 4 and 3 customers at a base rate of 1/3")
-- paid amounts: treated 90 + 45 - 9 = 126, at list price 140; control 40
t.near(c.treatment_revenue, 126, 1e-12, "treatment revenue in the window, returns deducted")
t.near(c.incremental_revenue, 126 - 4 / 3 * 40, 1e-9, "incremental revenue: 126 - (4/3) 40")
t.near(c.discount_cost, 14, 1e-9, "discount cost: 10% of the list price 140")
t.near(c.incremental_profit, (126 - 0.5 * 140) - 4 / 3 * 0.5 * 40 - 4, 1e-9,
  "incremental profit: (paid - cost of goods) - scaled control margin - contacts")
t.near(c.roi, ((126 - 70) - 80 / 3 - 4) / (4 + 14), 1e-9, "ROI = profit / (contacts + discounts)")
t.near(c.planned_uplift, 0.05, 1e-12, "the planned uplift from the targets")
t.like(table.concat(res.warnings, "\n"), "campaign 'Spring': with 4 treated and 3 control customers the smallest uplift "
  .. "detectable %(95%% confidence, 80%% power%) is 100%.9 points; the planned uplift, 5%.0 points, is below it",
  "warned that such groups cannot show the planned uplift")
local seg = {}
for _, r in res.segments:rows() do seg[r.segment] = r end
t.near(seg.A.uplift, 0.5 - 1, 1e-12, "segment A: 1/2 - 1/1")
t.near(seg.B.uplift, 0.5 - 0, 1e-12, "segment B: 1/2 - 0/2")
t.same(res.outcomes:column("responded"), { true, false, true, false, true, false, false, n = 7 }, "who responded")
local per_campaign = sg.campaign_results { targets = targets, transactions = tx, window_days = 10,
  start = { Spring = "2024-03-02" }, columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } }
t.is(per_campaign.campaigns:get(1, "treatment_responders"), 2, "a start per campaign: from March 2 (t1 and t3 still count)")
t.is(per_campaign.campaigns:get(1, "control_responders"), 1, "c1 bought on March 3")
local list = sg.campaign_results { targets = targets, transactions = tx, window_days = 10, start = "2024-03-01",
  amounts = "list", columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } }
t.near(list.campaigns:get(1, "discount_cost"), 12.6, 1e-9, "amounts at list price: 10% of 126")
t.is(c.order_cost, 0, "no offer cost per purchase in the targets or the options: none")
-- free delivery at 3.50: paid once per treated buyer (t1, t3), as the plan counts it
local delivered = sg.campaign_results { targets = targets:derive("cost_per_order", "3.5"), transactions = tx,
  window_days = 10, start = "2024-03-01", columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } }
local dc = delivered.campaigns:row(1)
t.near(dc.order_cost, 7, 1e-12, "offer costs: 3.50 for each of the 2 treated buyers")
t.near(dc.incremental_profit, c.incremental_profit - 7, 1e-9, "deducted from the incremental profit")
t.near(dc.roi, (c.incremental_profit - 7) / (4 + 14 + 7), 1e-9, "ROI = profit / (contacts + discounts + offer costs)")
t.near(sg.campaign_results { targets = targets, transactions = tx, window_days = 10, start = "2024-03-01",
  cost_per_order = 2, columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } }
  .campaigns:get(1, "order_cost"), 4, 1e-12, "cost_per_order as an option when the targets lack it")

-- errors
t.raises(function() sg.campaign_results { targets = targets, transactions = tx, window_days = 10,
  columns = { customer = "cust", date = "day", amount = "qty" } } end, "give start = 'YYYY%-MM%-DD'", "no start")
t.raises(function() sg.campaign_results { targets = targets, transactions = tx, start = "2024-03-01",
  columns = { customer = "cust", date = "day", amount = "qty" } } end, "give window_days", "no window")
t.raises(function() sg.campaign_results { targets = targets, transactions = tx, start = "2024-03-01", window_days = 5,
  columns = { customer = "cust", date = "dte", amount = "qty" } } end, "columns%.date: the transactions have no column 'dte'",
  "a missing column named")
t.raises(function() sg.campaign_results { targets = targets:derive("group", "'treated'"), transactions = tx,
  start = "2024-03-01", window_days = 5, columns = { customer = "cust", date = "day", amount = "qty" } } end,
  "group column holds 'treated'; expected treatment or control", "group values checked")

local none, why = sg.campaign_results { targets = out .. "/no_such_targets.csv", transactions = tx, start = "2024-03-01",
  window_days = 5, columns = { customer = "cust", date = "day", amount = "qty" } }
t.ok(none == nil and why:find("no_such_targets%.csv"), "a targets file that cannot be read: nil and a message")
t.raises(function() sg.campaign_results { targets = targets:derive("customer", "length(customer)"), transactions = tx,
  start = "2024-03-01", window_days = 5, columns = { customer = "cust", date = "day", amount = "qty" } } end,
  "holds int64 but the transactions' 'cust' holds string: read both as text", "customer ids of two types")

-- ---- a plan measured back: the targets file round trip ----
local customers = sg.dataset {
  { "customer", { "t1", "t2", "t3", "t4", "c1", "c2", "c3" } },
  { "segment", { "A", "A", "B", "B", "A", "B", "B" } },
  { "monetary", { 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0 } },
  { "avg_basket", { 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0 } },
  { "churn_probability", { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 } },
}
local camps = sg.campaigns { { name = "Spring", target = function() return true end, uplift = 0.1, margin = 0.4,
  cost_per_contact = 1, control_share = 0.3 } }
local _, planned = camps:plan(customers)
planned:write_csv(out .. "/campaign_targets.csv")
local back = assert(sg.campaign_results { targets = out .. "/campaign_targets.csv", transactions = tx,
  start = "2024-03-01", columns = { customer = "cust", date = "day", quantity = "qty", price = "price" } })
local b = back.campaigns:row(1)
t.same({ b.treatment, b.control }, { 5, 2 }, "an earlier campaign_targets.csv: round(0.3 x 7) = 2 control")
t.near(b.planned_uplift, 0.1, 1e-12, "its planned uplift and its window (90 days) come from the file")
t.is(b.treatment_responders + b.control_responders, 4, "four customers bought in the 90-day window (t2 too)")
local learned = camps:learn(back, { prior_strength = 50 })
t.ok(learned.Spring and learned.Spring.A and learned.Spring.B, "the results feed the learning loop")

-- ---- campaign performance ----
local perf_data = sg.dataset {
  { "campaign", { "Spring", "Spring", "Summer", "Summer", "Autumn" } },
  { "channel", { "email", "sms", "email", "sms", "email" } },
  { "impressions", { 1000, 2000, 4000, 0, nil, n = 5 }, "int64" },
  { "clicks", { 40, 60, 100, 0, 10 } },
  { "conversions", { 4, 2, 10, 0, 1 } },
  { "spend", { 20.0, 30.0, 50.0, 5.0, 8.0 } },
  { "revenue", { 200.0, 90.0, 600.0, 0.0, 30.0 } },
}
local per, totals = sg.campaign_performance(perf_data, { by = "campaign", impressions = "impressions", clicks = "clicks",
  conversions = "conversions", spend = "spend", revenue = "revenue" })
t.same(per:column("campaign"), { "Autumn", "Spring", "Summer", n = 3 }, "one row per campaign")
local sp = per:row(2)
-- Spring: impressions 3000, clicks 100, conversions 6, spend 50, revenue 290
t.near(sp.ctr, 100 / 3000, 1e-12, "CTR = 100 / 3000")
t.near(sp.cpc, 0.5, 1e-12, "CPC = 50 / 100")
t.near(sp.cpm, 1000 * 50 / 3000, 1e-9, "CPM = 1000 x 50 / 3000")
t.near(sp.conversion_rate, 0.06, 1e-12, "conversion rate = 6 / 100")
t.near(sp.cpa, 50 / 6, 1e-12, "CPA = 50 / 6")
t.near(sp.roas, 5.8, 1e-12, "ROAS = 290 / 50")
t.near(sp.roi, 4.8, 1e-12, "ROI = (290 - 50) / 50")
t.is(per:get(1, "impressions"), nil, "Autumn: impressions missing, not 0")
t.is(per:get(1, "ctr"), nil, "so its CTR is missing, not infinite")
t.near(per:get(1, "cpa"), 8, 1e-12, "other ratios still computed")
local tot = totals:row(1)
t.is(tot.rows, 5, "totals over every row")
-- all: clicks 210, conversions 17, spend 113, revenue 920 (a mean of the rows' ratios would differ)
t.near(tot.cpa, 113 / 17, 1e-12, "total CPA from the sums: 113 / 17")
t.near(tot.roas, 920 / 113, 1e-12, "total ROAS from the sums")
t.is(tot.ctr, nil, "total CTR missing: one row's impressions are missing")
local by2 = sg.campaign_performance(perf_data, { by = { "campaign", "channel" }, clicks = "clicks", spend = "spend" })
t.is(#by2, 5, "any grouping: campaign x channel")
t.is(by2:filter("campaign == 'Summer' and channel == 'sms'"):get(1, "cpc"), nil, "zero clicks: CPC missing")
local only = sg.campaign_performance(perf_data, { spend = "spend", revenue = "revenue", margin = 0.5 })
t.near(only:get(1, "roi"), (0.5 * 920 - 113) / 113, 1e-12, "ROI on the margin when one is given")
t.raises(function() sg.campaign_performance(perf_data, { clicks = "clicks", spnd = "spend" }) end,
  "unknown option 'spnd' %(did you mean 'spend'%?%)", "a misspelt option")

-- A/B: Newcombe's example (a): 56/70 against 48/80
local ab_data = sg.dataset { { "variant", { "A", "B", "A", "B" } }, { "sent", { 40, 35, 40, 35 } },
  { "opened", { 24, 28, 24, 28 } } }
local ab = sg.campaign_ab(ab_data, { variant = "variant", a = "A", b = "B", successes = "opened", trials = "sent" })
t.same({ ab.a.trials, ab.a.successes, ab.b.trials, ab.b.successes }, { 80, 48, 70, 56 }, "sums per variant")
t.near(ab.difference, 0.2, 1e-12, "difference B - A")
t.near(ab.lower, 0.0524, 5e-5, "Newcombe 1998, example (a): lower 0.0524")
t.near(ab.upper, 0.3339, 5e-5, "upper 0.3339")
t.near(ab.p_value, 0.008045081368196568, 1e-9, "p-value of the pooled z test")
t.near(ab.relative_lift, 0.8 / 0.6 - 1, 1e-12, "relative lift")
t.ok(ab.significant and ab.winner == "B", "B wins")
t.raises(function() sg.campaign_ab(ab_data, { variant = "variant", a = "A", b = "C", successes = "opened", trials = "sent" }) end,
  "no row has variant = C", "an unknown variant")

-- ---- uplift recovery on generated data ----
-- 12 seeds x 2,000 customers, 4 campaign tests each (60% of the customers so
-- far, 20% of them in control): truth.json records, per test and segment,
-- the true uplift (the mean individual effect of the campaign over the
-- test's customers) and how many of each group buy in the window.
--  * The responders counted from transactions.csv must equal the truth exactly.
--  * Coverage: a correct 95% interval misses the truth in about 5% of cases
--    independently across tests, so over n intervals the misses are
--    Binomial(n, 0.05); we require at least 90% covered.  With n ~ 170 a
--    correct interval fails that with probability ~0.1%, while an interval
--    that ignored the control group's sampling error (covering ~70%) or a 90%
--    interval sold as 95% (expected ~153 of 170) would fail it.  On these seeds
--    the intervals cover the truth in about 96% of cases (checked over 80 seeds:
--    96.5% of 800 segment intervals, 94.7% of 320 campaign intervals).
--  * Unbiased: the mean of (estimate - truth) is within 3 standard errors of 0.
local exact, rows, inside, total = 0, 0, 0, 0
local diffs = {}
for seed = 1, 12 do
  local dir = out .. "/gen" .. seed
  sg.generate { customers = 2000, seed = seed, out = dir, campaign_reach = 0.6 }
  local truth = assert(io.open(dir .. "/truth.json")):read("a")
  local tr = {}
  for obj in truth:match('"tests":%s*(%b[])'):gmatch("%b{}") do
    local name = obj:match('"campaign":%s*"([^"]+)"')
    for so in obj:match('"segments":%s*(%b[])'):gmatch("%b{}") do
      local f = {}
      for k, v in so:gmatch('"([%w_]+)":%s*([%d%.eE+-]+)') do f[k] = tonumber(v) end
      tr[name .. "/" .. so:match('"segment":%s*"([^"]+)"')] = f
    end
    tr[name] = { true_uplift = tonumber(obj:gsub('"segments":%s*%b[]', ""):match('"true_uplift":%s*([%d%.eE+-]+)')) }
  end
  local gtx = assert(sg.read_csv(dir .. "/transactions.csv", { types = { invoice = "string", customer_id = "string",
    product_id = "string" } }))
  local r = assert(sg.campaign_results { targets = dir .. "/campaign_assignments.csv", transactions = gtx,
    columns = { customer = "customer_id", date = "date", quantity = "quantity", price = "price" } })
  local function check(row, f)
    if row.uplift then
      total = total + 1
      if f.true_uplift >= row.uplift_lower and f.true_uplift <= row.uplift_upper then inside = inside + 1 end
      diffs[#diffs + 1] = row.uplift - f.true_uplift
    end
  end
  for _, row in r.segments:rows() do
    local f = tr[row.campaign .. "/" .. row.segment]
    rows = rows + 1
    if f and row.treatment == f.treatment and row.control == f.control
       and row.treatment_responders == f.natural_treatment + f.effect_treatment
       and row.control_responders == f.natural_control then
      exact = exact + 1
    end
    if f then check(row, f) end
  end
  for _, row in r.campaigns:rows() do check(row, tr[row.campaign]) end
end
t.ok(rows >= 100 and exact == rows, string.format("responders counted from the transactions equal the truth in all %d "
  .. "test x segment groups (%d)", rows, exact))
t.ok(total >= 150 and inside >= math.floor(0.9 * total), string.format("the true uplift is inside the 95%% interval "
  .. "in %d of %d cases (at least 90%% required)", inside, total))
local m, ss = 0, 0
for _, d in ipairs(diffs) do m = m + d end
m = m / #diffs
for _, d in ipairs(diffs) do ss = ss + (d - m) ^ 2 end
local se = math.sqrt(ss / (#diffs - 1) / #diffs)
t.ok(math.abs(m) <= 3 * se, string.format("unbiased: mean error %.4f, standard error %.4f", m, se))
t.done()
