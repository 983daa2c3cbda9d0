-- BTYD from Lua: summary, BG/NBD and Gamma-Gamma fitted on generated data
-- with known parameters (truth.json), predictions, CLV, and failures that
-- say which model failed and why.
local sg = require "segmint"
local t = require("tap")(print)

local data = out .. "/gen"
sg.generate { customers = 20000, seed = 11, out = data, days = 730 }
local truth = assert(io.open(data .. "/truth.json")):read("a")
local function truth_of(name) return tonumber(truth:match('"' .. name .. '"%s*:%s*([%d%.eE+-]+)')) end
local r0, alpha0, a0, b0 = truth_of("r"), truth_of("alpha"), truth_of("a"), truth_of("b")
t.ok(r0 and alpha0 and a0 and b0, "truth.json holds the BG/NBD parameters")

local tx = assert(sg.read_csv(data .. "/transactions.csv", { types = { invoice = "string", customer_id = "string", product_id = "string" } }))
local clean = sg.clean(tx, { customer = "customer_id", invoice = "invoice", quantity = "quantity", price = "price" })
local period_end = "2024-12-31"   -- the day after the generated period
local summ = sg.btyd_summary(clean, { customer = "customer_id", date = "date", amount = "amount",
  calibration_end = period_end, unit = "days" })
t.is(#summ, 20000, "one summary row per customer")
t.same(summ:columns(), { "customer", "x", "t_x", "T", "mean_spend", "x_holdout", "spend_holdout", "holdout_length" },
  "summary columns")

-- months and weeks are elapsed days / 30.4375 and / 7
for _, u in ipairs { { "weeks", 7 }, { "months", 30.4375 } } do
  local su = sg.btyd_summary(clean, { customer = "customer_id", date = "date", amount = "amount",
    calibration_end = period_end, unit = u[1] })
  local worst = 0
  for i = 1, #summ, 97 do
    for _, c in ipairs { "t_x", "T" } do
      worst = math.max(worst, math.abs(su:get(i, c) * u[2] - summ:get(i, c)))
    end
    if su:get(i, "x") ~= summ:get(i, "x") then worst = math.huge end
  end
  t.ok(worst < 1e-9, string.format("unit = %s: t_x and T are days / %s, x unchanged (worst %g)", u[1], u[2], worst))
end

local bg, rows = sg.btyd_fit("bgnbd", summ)
local p = bg:params()
-- Tolerances: with 20,000 customers the maximum-likelihood estimates have
-- standard errors of a few percent (reported by info().se); the simulation
-- differs from the model only by cancelled invoices (dropped by clean) and
-- same-day merging, so 15% on each parameter is a safe but meaningful bound.
t.near(p.r, r0, 0.15 * r0, "BG/NBD recovers r")
t.near(p.alpha, alpha0, 0.15 * alpha0, "BG/NBD recovers alpha (per day)")
t.near(p.a, a0, 0.15 * a0, "BG/NBD recovers a")
t.near(p.b, b0, 0.15 * b0, "BG/NBD recovers b")
local info = bg:info()
t.ok(info.converged and info.loglik < 0 and info.customers == 20000, "fit converged on every customer")
t.ok(rows < 20000, "identical (x, t_x, T) rows were collapsed: " .. rows .. " rows")
t.ok(info.se.r and info.se.r > 0 and info.se.r < 0.1 * p.r, "standard error of r reported")

-- predictions
local pred = bg:p_alive(summ)
pred = bg:expected_purchases(pred, 90)
local pa = pred:stats("p_alive")
t.ok(pa.min >= 0 and pa.max <= 1, "P(alive) in [0, 1]")
t.is(pred:filter("x == 0 and p_alive != 1"):nrows(), 0, "P(alive) = 1 without repeat purchases (BG/NBD)")
t.ok(pred:stats("expected_purchases").min >= 0, "expected purchases are not negative")
local later = bg:expected_purchases(summ, 180, "e180")
local e90, e180 = pred:column("expected_purchases"), later:column("e180")
local grows = true
for i = 1, 200 do if e180[i] < e90[i] then grows = false end end
t.ok(grows, "expected purchases grow with the horizon")
local p0 = bg:p_purchases(summ, 0, 90, "p0")
local p0v = p0:column("p0")
t.ok(p0v[1] >= 0 and p0v[1] <= 1, "P(no purchase in 90 days) is a probability")
local pat = bg:p_alive_at(summ, 90, "later_alive")
local now, afterwards = pred:column("p_alive"), pat:column("later_alive")
local falls = true
for i = 1, 200 do if afterwards[i] > now[i] + 1e-12 then falls = false end end
t.ok(falls, "P(alive) falls when no purchase comes")

-- Gamma-Gamma and CLV
local gg, skipped = sg.btyd_fit("gamma_gamma", summ)
local g = gg:params()
t.ok(g.p > 0 and g.q > 1 and g.v > 0, "Gamma-Gamma parameters, q > 1 (mean spend defined)")
t.ok(skipped > 0, "customers without repeat purchases are skipped for Gamma-Gamma: " .. skipped)
local spend = gg:expected_spend(summ)
t.ok(spend:stats("expected_spend").min > 0, "expected spend is positive")
local clv = sg.btyd_clv(bg, gg, summ, { horizon = 12, period = 30.4375, discount_rate = 0.01, column = "clv" })
t.ok(clv:stats("clv").min >= 0 and clv:stats("clv").max > 0, "CLV over 12 months")
local undiscounted = sg.btyd_clv(bg, gg, summ, { horizon = 12, period = 30.4375, discount_rate = 0, column = "clv" })
t.ok(undiscounted:sum("clv") > clv:sum("clv"), "discounting lowers CLV")

-- MBG/NBD and Pareto/NBD fit the same data
local mbg = sg.btyd_fit("mbgnbd", summ)
t.ok(mbg:info().loglik < 0 and mbg:params().r > 0, "MBG/NBD fits")
-- (Pareto/NBD's likelihood needs a hypergeometric series per row: a subset keeps the test quick)
local pnbd = sg.btyd_fit("pareto_nbd", summ:head(1000))
t.ok(pnbd:info().loglik < 0 and pnbd:params().s > 0, "Pareto/NBD fits")
local pp = pnbd:p_alive(summ:head(50))
t.ok(pp:stats("p_alive").min >= 0 and pp:stats("p_alive").max <= 1, "Pareto/NBD P(alive) in [0, 1]")

-- report data: the frequency/recency matrix and calibration against holdout
local grid = sg.btyd_matrix(bg, { max_x = 5, T = 30, t = 90 })
t.same(grid:columns(), { "x", "t_x", "T", "expected_purchases", "p_alive" }, "matrix columns")
t.is(#grid, 1 + 30 + 29 + 28 + 27 + 26, "matrix: x = 0 at t_x = 0, then t_x = x..T for x = 1..5")
local recent = grid:filter("x == 5 and t_x == 30"):row(1)
local old = grid:filter("x == 5 and t_x == 5"):row(1)
t.ok(recent.p_alive > old.p_alive and recent.expected_purchases > old.expected_purchases,
  "a recent buyer is more alive and buys more than one gone quiet")
local split = sg.btyd_summary(clean, { customer = "customer_id", date = "date", amount = "amount",
  calibration_end = "2024-06-30", observation_end = "2024-12-31", unit = "days" })
local cal = sg.btyd_fit("bgnbd", split)
local ch = sg.btyd_calibration_holdout(cal, split, { max_x = 5 })
t.same(ch:column("x"), { 0, 1, 2, 3, 4, 5, n = 6 }, "calibration/holdout by calibration purchases")
t.is(ch:sum("customers"), #split, "every customer counted once")
local a, p = ch:column("actual"), ch:column("predicted")
local close = true
for i = 1, 6 do if math.abs(a[i] - p[i]) > 0.35 * a[i] + 0.1 then close = false end end
t.ok(close, "predicted holdout purchases follow the actual ones (within 35% + 0.1)")
if not close then for i = 1, 6 do t.diag(string.format("x=%d actual %.3f predicted %.3f", i - 1, a[i], p[i])) end end

-- failures name the model and the cause
local once = summ:filter("x == 0")
t.raises(function() sg.btyd_fit("bgnbd", once) end, "bgnbd", "one-time buyers only: the model is named")
t.raises(function() sg.btyd_fit("gamma_gamma", once) end, "gamma_gamma", "no repeat buyers for Gamma-Gamma: named")
t.raises(function() sg.btyd_fit("bgnbb", summ) end, "unknown model 'bgnbb'", "unknown model")
t.raises(function() bg:expected_purchases(summ, -1) end, "a time >= 0", "negative time refused")
t.done()
