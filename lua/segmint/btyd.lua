-- Report data for the BTYD models, as datasets a report can plot, and the
-- choice of a model by calibration / holdout validation.
local M = {}

-- Refuses keys of opts that are not in known (a list), naming them all.
local function check_options(fname, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(fname .. ": options must be a table", 3) end
  local set = {}
  for _, k in ipairs(known) do set[k] = true end
  for k in pairs(opts) do
    if not set[k] then
      error(string.format("%s: unknown option '%s' (known: %s)", fname, tostring(k),
        table.concat(known, ", ")), 3)
    end
  end
  return opts
end

-- The number of lapsed customers (recency_days > inactive_days) when
-- P(alive) averages 99% or more even among the repeat buyers: the fit then
-- sees (almost) no one stop buying, however long they have been away, and
-- the summary and the report say not to choose whom to win back by it;
-- nil otherwise.  Also returns that average (nil without repeat buyers).
function M.alive_flat(customers, inactive_days)
  if not (customers:has("p_alive") and customers:has("btyd_frequency")) then return nil end
  local repeat_ = customers:filter("btyd_frequency > 0 and not is_missing(p_alive)")
  if #repeat_ == 0 then return nil end
  local mean = repeat_:stats("p_alive").mean
  if mean < 0.99 or not customers:has("recency_days") then return nil, mean end
  return #customers:filter(string.format("recency_days > %d", inactive_days)), mean
end

-- The frequency/recency matrix: for x = 0..max_x and t_x = 0..T (whole
-- periods), a customer of age T's expected purchases in the next t and
-- P(alive).  opts: max_x (default 20), T (default: the largest T of the
-- summary, or 52), t (default 1 period).
function M.matrix(sg, fit, opts)
  opts = check_options("btyd_matrix", opts, { "max_x", "T", "t", "summary" })
  local max_x = opts.max_x or 20
  local T = opts.T
  if not T and opts.summary then
    if #opts.summary == 0 then error("btyd_matrix: the summary has no customers", 3) end
    T = opts.summary:stats("T").max
  end
  T = T or 52
  local xs, txs, Ts = {}, {}, {}
  for x = 0, max_x do
    for tx = 0, T do
      if x == 0 and tx > 0 then break end   -- no repeat purchase: t_x = 0
      if x <= tx or x == 0 then
        xs[#xs + 1], txs[#txs + 1], Ts[#Ts + 1] = x, tx, T
      end
    end
  end
  local grid = sg.dataset { { "x", xs, "int64" }, { "t_x", txs, "double" }, { "T", Ts, "double" } }
  grid = fit:expected_purchases(grid, opts.t or 1)
  return fit:p_alive(grid)
end

-- Calibration against holdout: customers grouped by calibration repeat
-- purchases (x, capped at max_x), the mean actual holdout purchases against
-- the mean the model predicted for the holdout length.
-- The groups of `pred`, a summary with the column "predicted" (the
-- expected purchases over the holdout).
local function holdout_groups(pred, max_x)
  pred = pred:derive("x_group", string.format("if(x > %d, %d, x)", max_x, max_x))
  return pred:group_by("x_group", {
    { "customers", "count" },
    { "actual", "mean", "x_holdout" },
    { "predicted", "mean", "predicted" },
  }):rename { x_group = "x" }
end
M.holdout_groups = holdout_groups

function M.calibration_holdout(sg, fit, summary, opts)
  opts = check_options("btyd_calibration_holdout", opts, { "max_x", "t" })
  local t = opts.t or summary:stats("holdout_length").max or 0
  return holdout_groups(fit:expected_purchases(summary, t, "predicted"), opts.max_x or 7)
end

-- Pearson correlation of two equally long arrays (nil when a side is constant).
local function correlation(a, b)
  local n = #a
  if n < 2 then return nil end
  local sa, sb = 0, 0
  for i = 1, n do sa, sb = sa + a[i], sb + b[i] end
  local ma, mb = sa / n, sb / n
  local saa, sbb, sab = 0, 0, 0
  for i = 1, n do
    local da, db = a[i] - ma, b[i] - mb
    saa, sbb, sab = saa + da * da, sbb + db * db, sab + da * db
  end
  if saa <= 0 or sbb <= 0 then return nil end
  return sab / math.sqrt(saa * sbb)
end

local select_keys = { "summary", "transactions", "customer", "date", "amount", "calibration_end",
  "observation_end", "unit", "models", "penalizer", "max_x", "tolerance", "x", "t_x", "T", "fit", "predict" }

-- Model choice by calibration / holdout validation (see docs/btyd.md).
-- Each model is fitted on the calibration part of the summary and predicts
-- every customer's purchases over the holdout; the predictions are compared
-- with the purchases that happened, by calibration frequency group (x, capped
-- at max_x).  error = sum over the groups of |predicted - actual| holdout
-- purchases (group totals); relative_error = error / actual purchases; the
-- model with the lowest error wins (ties: the higher customer-level
-- correlation).  within_tolerance is false, with a warning, when even the
-- chosen model's relative error exceeds the tolerance (default 0.2).
-- opts.fit (a function(model, summary, fit_options) -> fit) replaces
-- sg.btyd_fit, e.g. to fit on the MPI ranks owning the customers;
-- opts.predict (a function(model, fit, summary, t) -> the summary with the
-- column "predicted", fit:expected_purchases(summary, t, "predicted"), the
-- default) replaces the predictions, e.g. to make them on those ranks.
function M.select(sg, opts)
  opts = check_options("btyd_select", opts, select_keys)
  local summary = opts.summary
  if summary == nil then
    if opts.transactions == nil then
      error("btyd_select: give 'summary' (from btyd_summary with an observation_end) or 'transactions'", 2)
    end
    for _, k in ipairs { "customer", "date", "calibration_end", "observation_end" } do
      if opts[k] == nil then error("btyd_select: option '" .. k .. "' is required with 'transactions'", 2) end
    end
    summary = sg.btyd_summary(opts.transactions, { customer = opts.customer, date = opts.date,
      amount = opts.amount, calibration_end = opts.calibration_end,
      observation_end = opts.observation_end, unit = opts.unit or "weeks" })
  elseif opts.transactions ~= nil then
    error("btyd_select: give either 'summary' or 'transactions', not both", 2)
  end
  local models = opts.models or { "bgnbd", "mbgnbd", "pareto_nbd" }
  if type(models) ~= "table" or #models == 0 then
    error("btyd_select: 'models' must be a non-empty list of model names", 2)
  end
  local fit_fn = opts.fit or sg.btyd_fit
  if type(fit_fn) ~= "function" then error("btyd_select: 'fit' must be a function", 2) end
  local predict = opts.predict or function(_, fit, summ, t) return fit:expected_purchases(summ, t, "predicted") end
  if type(predict) ~= "function" then error("btyd_select: 'predict' must be a function", 2) end
  local max_x = opts.max_x or 7
  local tolerance = opts.tolerance or 0.2
  if type(max_x) ~= "number" or max_x < 1 or max_x ~= math.floor(max_x) then
    error("btyd_select: 'max_x' must be a whole number >= 1", 2)
  end
  if type(tolerance) ~= "number" or not (tolerance > 0) then
    error("btyd_select: 'tolerance' must be a number > 0", 2)
  end
  if #summary == 0 then error("btyd_select: the summary has no customers", 2) end
  local t = summary:stats("holdout_length").max or 0
  if not (t > 0) then
    error("btyd_select: the summary has no holdout (observation_end must be after calibration_end)", 2)
  end
  local cols = { x = opts.x or "x", t_x = opts.t_x or "t_x", T = opts.T or "T" }
  local actual = summary:column("x_holdout")
  local total_actual = 0
  for i = 1, #actual do total_actual = total_actual + actual[i] end

  local results, order = {}, {}
  local best
  for _, name in ipairs(models) do
    if type(name) ~= "string" or name == "gamma_gamma" or name == "bgbb" then
      error("btyd_select: '" .. tostring(name) .. "' is not a continuous-time transaction model " ..
        "(bgnbd, mbgnbd, pareto_nbd)", 2)
    end
    local r = { model = name }
    local ok, fit = pcall(fit_fn, name, summary,
      { penalizer = opts.penalizer or 0, x = cols.x, t_x = cols.t_x, T = cols.T })
    if not ok then
      r.failed = tostring(fit)
    else
      r.fit = fit
      r.params = fit:params()
      r.loglik = fit:info().loglik
      local pred = predict(name, fit, summary, t)
      local pv = pred:column("predicted")
      for i = 1, #actual do
        if pv[i] == nil then error(string.format("btyd_select: %s gives no prediction for summary row %d", name, i), 2) end
      end
      r.correlation = correlation(pv, actual)
      r.table = holdout_groups(pred, max_x)
      local n, a, p = r.table:column("customers"), r.table:column("actual"), r.table:column("predicted")
      local err = 0
      for i = 1, #n do err = err + math.abs(n[i] * p[i] - n[i] * a[i]) end
      r.error = err
      r.relative_error = total_actual > 0 and err / total_actual or math.huge
      local total_pred = 0
      for i = 1, #pv do total_pred = total_pred + pv[i] end
      r.predicted_total = total_pred
      if best == nil or r.error < best.error or
         (r.error == best.error and (r.correlation or -2) > (best.correlation or -2)) then
        best = r
      end
    end
    results[name] = r
    order[#order + 1] = name
  end
  if best == nil then
    local msgs = {}
    for _, name in ipairs(order) do msgs[#msgs + 1] = results[name].failed end
    error("btyd_select: no model could be fitted: " .. table.concat(msgs, "; "), 2)
  end
  local out = {
    model = best.model, fit = best.fit, results = results, order = order,
    actual_total = total_actual, holdout_length = t, tolerance = tolerance,
    within_tolerance = best.relative_error <= tolerance, customers = #summary, max_x = max_x,
  }
  if not out.within_tolerance then
    out.warning = string.format("no model predicts the holdout within %.0f%%: the best, %s, " ..
      "is off by %.0f%% of the %d actual holdout purchases", tolerance * 100, best.model,
      best.relative_error * 100, total_actual)
  end
  return out
end

return M
