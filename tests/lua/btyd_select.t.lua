-- Model choice by calibration / holdout validation: on customers simulated
-- from each model, sg.btyd_select picks the model that generated them; the
-- tables, errors and correlations are consistent; bad options are refused.
local sg = require "segmint"
local t = require("tap")(print)

math.randomseed(20261206)
local rand = math.random

-- Gamma(shape, rate) by Marsaglia and Tsang (shape < 1 boosted by U^(1/shape)).
local function normal()
  local u1, u2 = rand(), rand()
  return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
end
local function gamma(shape, rate)
  local boost = 1
  if shape < 1 then boost = rand() ^ (1 / shape); shape = shape + 1 end
  local d = shape - 1 / 3
  local c = 1 / math.sqrt(9 * d)
  while true do
    local z = normal()
    local v = (1 + c * z) ^ 3
    if v > 0 then
      local u = 1 - rand()
      if math.log(u) < 0.5 * z * z + d - d * v + d * math.log(v) then return d * v * boost / rate end
    end
  end
end
local function beta(a, b) local x = gamma(a, 1); return x / (x + gamma(b, 1)) end
local function expo(rate) return -math.log(1 - rand()) / rate end

-- n customers whose first purchase falls in weeks [0, 26); calibration ends
-- at week 52, the holdout at week 104.  kind: "pareto_nbd" (death at an
-- exponential time), "bgnbd" (death after a repeat purchase with
-- probability p), "mbgnbd" (also right after the first purchase).
local function simulate(kind, n, p)
  local xs, txs, Ts, xh, hl = {}, {}, {}, {}, {}
  for i = 1, n do
    local start = 26 * rand()
    local T = 52 - start
    local lambda = gamma(p[1], p[2])
    local death, pd = math.huge, nil
    if kind == "pareto_nbd" then death = expo(gamma(p[3], p[4])) else pd = beta(p[3], p[4]) end
    local alive = not (kind == "mbgnbd" and rand() < pd)
    local time, x, tx, hold = 0, 0, 0, 0
    while alive do
      time = time + expo(lambda)
      if time > death or time > 104 - start then break end
      if time <= T then x, tx = x + 1, time else hold = hold + 1 end
      if pd and rand() < pd then alive = false end
    end
    xs[i], txs[i], Ts[i], xh[i], hl[i] = x, tx, T, hold, 52
  end
  return sg.dataset { { "x", xs, "int64" }, { "t_x", txs, "double" }, { "T", Ts, "double" },
    { "x_holdout", xh, "int64" }, { "holdout_length", hl, "double" } }
end

local cases = {
  -- high early churn of one-time buyers: MBG/NBD's dropout at time 0
  { "mbgnbd", { 0.8, 4, 1.2, 2.5 } },
  -- dropout after purchases only: BG/NBD (one-time buyers never die)
  { "bgnbd", { 0.8, 4, 0.6, 3.0 } },
  -- dropout in calendar time, whether or not the customer buys: Pareto/NBD
  { "pareto_nbd", { 0.8, 4, 1.5, 20 } },
}
for _, c in ipairs(cases) do
  local kind = c[1]
  local summ = simulate(kind, 8000, c[2])
  local sel = sg.btyd_select { summary = summ, max_x = 6 }
  t.is(sel.model, kind, "simulated " .. kind .. ": chosen " .. sel.model)
  local lines = {}
  for _, name in ipairs(sel.order) do
    local r = sel.results[name]
    lines[#lines + 1] = string.format("%s error %.1f (%.1f%%) corr %.3f ll %.1f", name, r.error or -1,
      100 * (r.relative_error or -1), r.correlation or -1, r.loglik or 0)
  end
  t.diag(table.concat(lines, "; "))
  local best = sel.results[sel.model]
  local others_worse = true
  for _, name in ipairs(sel.order) do
    if sel.results[name].error < best.error then others_worse = false end
  end
  t.ok(others_worse, kind .. ": the chosen model has the lowest holdout error")
  t.ok(best.correlation > 0.3, kind .. ": customer-level correlation " .. string.format("%.3f", best.correlation))
  t.ok(sel.within_tolerance and sel.warning == nil, kind .. ": the generating model predicts within 20%")
end

-- the numbers behind the choice
local summ = simulate("bgnbd", 3000, { 0.8, 4, 0.6, 3.0 })
local sel = sg.btyd_select { summary = summ, models = { "bgnbd", "pareto_nbd" }, max_x = 4 }
local r = sel.results.bgnbd
t.same(r.table:columns(), { "x", "customers", "actual", "predicted" }, "per-model calibration/holdout table")
t.same(r.table:column("x"), { 0, 1, 2, 3, 4, n = 5 }, "grouped by calibration frequency, capped at max_x")
t.is(r.table:sum("customers"), 3000, "every customer in one group")
local n, a, p = r.table:column("customers"), r.table:column("actual"), r.table:column("predicted")
local err, act = 0, 0
for i = 1, #n do err = err + math.abs(n[i] * (p[i] - a[i])); act = act + n[i] * a[i] end
t.near(r.error, err, 1e-9 * err, "error = sum over groups of |predicted - actual| holdout purchases")
t.is(sel.actual_total, summ:sum("x_holdout"), "actual holdout purchases")
t.near(r.relative_error, err / act, 1e-12, "relative error = error / actual purchases")
local pred = r.fit:expected_purchases(summ, 52, "p")
t.near(r.predicted_total, pred:sum("p"), 1e-6, "predicted total over the 52-week holdout")
t.ok(r.correlation > 0 and r.correlation < 1, "customer-level correlation in (0, 1)")

-- a tolerance no model can meet is flagged
local strict = sg.btyd_select { summary = summ, models = { "bgnbd" }, tolerance = 1e-9 }
t.ok(not strict.within_tolerance and strict.warning:find("no model predicts the holdout within"),
  "warning when no model is within the tolerance: " .. tostring(strict.warning))

-- from transactions: the summary is built at the dates given
local data = out .. "/gen"
sg.generate { customers = 3000, seed = 5, out = data, days = 730 }
local tx = assert(sg.read_csv(data .. "/transactions.csv", { types = { invoice = "string", customer_id = "string", product_id = "string" } }))
local fromtx = sg.btyd_select { transactions = tx, customer = "customer_id", date = "date",
  calibration_end = "2024-06-30", observation_end = "2024-12-31", unit = "weeks" }
t.ok(fromtx.results.bgnbd and fromtx.results.pareto_nbd and fromtx.results.mbgnbd,
  "from transactions: every default model tried (chosen " .. fromtx.model .. ")")
t.near(fromtx.holdout_length, 184 / 7, 1e-9, "holdout length in weeks (184 days)")

-- a fit function of the caller's (step btyd's: the fits on the MPI ranks)
local calls = {}
local own = sg.btyd_select { summary = summ, models = { "bgnbd", "pareto_nbd" }, max_x = 4,
  fit = function(name, s, fo)
    calls[#calls + 1] = name .. (s == summ and "" or " (another summary)") .. " penalizer " .. fo.penalizer
    return sg.btyd_fit(name, s, fo)
  end }
t.is(table.concat(calls, ", "), "bgnbd penalizer 0, pareto_nbd penalizer 0", "the fit function is called per model")
t.ok(own.model == sel.model and own.results.bgnbd.error == sel.results.bgnbd.error
  and own.results.pareto_nbd.error == sel.results.pareto_nbd.error, "and gives the same choice and errors")
-- a predict function of the caller's (step btyd's: the predictions on the
-- MPI ranks): its column is what the choice is made on
local pcalls = {}
local scaled = sg.btyd_select { summary = summ, models = { "bgnbd", "pareto_nbd" }, max_x = 4,
  predict = function(name, f, s, tt)
    pcalls[#pcalls + 1] = name .. (s == summ and "" or " (another summary)") .. string.format(" t %.4f", tt)
    local p = f:expected_purchases(s, tt, "predicted")
    return name == "bgnbd" and p:derive("predicted", "predicted * 2") or p
  end }
t.is(table.concat(pcalls, ", "), string.format("bgnbd t %.4f, pareto_nbd t %.4f", sel.holdout_length,
  sel.holdout_length), "the predict function is called per model with the holdout length")
t.ok(scaled.results.pareto_nbd.error == sel.results.pareto_nbd.error
  and scaled.results.bgnbd.error > sel.results.bgnbd.error
  and scaled.results.bgnbd.predicted_total > 1.99 * sel.results.bgnbd.predicted_total,
  "and its predictions are the ones judged (bgnbd's doubled: its error grows, pareto_nbd's is the same)")
t.raises(function() sg.btyd_select { summary = summ, predict = 3 } end, "'predict' must be a function",
  "predict not a function")
local failing = sg.btyd_select { summary = summ, models = { "bgnbd", "pareto_nbd" },
  fit = function(name, s, fo) if name == "bgnbd" then error("no fit here", 0) end return sg.btyd_fit(name, s, fo) end }
t.ok(failing.model == "pareto_nbd" and failing.results.bgnbd.failed == "no fit here",
  "its errors are a model's failure")

-- refused
t.raises(function() sg.btyd_select { summary = summ, fit = 3 } end, "'fit' must be a function", "fit not a function")
t.raises(function() sg.btyd_select { summary = summ, modles = { "bgnbd" } } end,
  "unknown option 'modles' %(known: summary", "unknown option named, with the known ones")
t.raises(function() sg.btyd_select { summary = summ, models = { "gamma_gamma" } } end,
  "not a continuous%-time transaction model", "gamma_gamma refused")
t.raises(function() sg.btyd_select { summary = summ:derive("holdout_length", "0") } end,
  "no holdout", "a summary without holdout refused")
t.raises(function() sg.btyd_select { models = { "bgnbd" } } end, "give 'summary'", "no data refused")
t.done()
