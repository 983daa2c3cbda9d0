-- Step "btyd": a transaction model and Gamma-Gamma give each customer
-- P(alive), the expected purchases over the prediction horizon and the
-- discounted lifetime value over clv_months (rules/periods.lua): columns
-- p_alive, expected_purchases_<h>d, clv_<m>m.
--
-- With btyd.models = { "bgnbd", "mbgnbd", "pareto_nbd" }, the model is
-- chosen by holdout validation (sg.btyd_select): each is fitted on the data
-- up to as_of minus the horizon and judged on the purchases of the horizon
-- that follows; the chosen one is then refitted on all the data.
local mpi = require "segmint.mpi"

local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

-- The message of a fit the data cannot support, for the log and the
-- summary: without the library's own source position.  Limits and
-- interruptions are not the data's fault: they stop the run.
local function fit_failure(msg)
  msg = tostring(msg)
  if msg:find("memory", 1, true) or msg:find("budget", 1, true) or msg:find("interrupt", 1, true) then
    error(msg, 0)
  end
  return (msg:gsub("^%[[^%]]+%]:%d+: ", ""))
end

function S.enabled(ctx) return ctx.cfg.btyd ~= nil end

-- Whether the ranks owning the customers hold the cleaned rows: true, or
-- false and why (nil when there are no such ranks).
local owners_hold = mpi.owners_hold

-- Under mpirun the ranks owning the customers fit the model on the BTYD
-- summary of the cleaned rows they kept, their log-likelihood and gradient
-- sums added by MPI_Allreduce at every evaluation (segmint.mpi_btyd_fit,
-- docs/mpi.md): the parameters have the bits rank 0 would fit alone.
-- Otherwise, or when they cannot (the reason is logged), rank 0 fits its
-- own summary.  sopts: the summary's options (calibration_end,
-- observation_end, unit).
-- summ: the summary, or a function that gives it (computed only when the
-- fit runs on rank 0).
local function fit(ctx, model, summ, sopts, penalizer)
  local sg = ctx.sg
  local held, why = owners_hold(ctx)
  if held or why then
    if held then
      local cols = ctx.cols
      local ok, f, skipped, ranks = pcall(sg.mpi_btyd_fit, model, ctx.res.clean_owned.gen, { customer = cols.customer,
        date = cols.date, amount = "amount", calibration_end = sopts.calibration_end,
        observation_end = sopts.observation_end, unit = sopts.unit, penalizer = penalizer })
      if not ok then
        -- the error one process gives, raised as it would be
        sg.info("btyd %s fit on %d MPI ranks by customer failed: %s", model, sg.mpi_size(), fit_failure(f))
        error(f, 0)
      end
      if f then
        local per, sum = mpi.per_rank(ranks.customers)
        sg.info("btyd %s fit on %d MPI ranks by customer: customers %s (%d in all); %d reductions, %d bytes "
          .. "(MPI_Allreduce); %.2f s (summary %.2f, fit %.2f)", model, ranks.ranks, per, sum,
          ranks.reductions, ranks.bytes, ranks.seconds.summary + ranks.seconds.fit, ranks.seconds.summary,
          ranks.seconds.fit)
        if model == "gamma_gamma" then return f, skipped end
        return f
      end
      why = skipped
    end
    sg.info("btyd %s fit on rank 0 alone: %s", model, why)
  end
  if type(summ) == "function" then summ = summ() end
  return sg.btyd_fit(model, summ, { penalizer = penalizer })
end

-- Rank 0's BTYD summary of its whole cleaned table (sopts: calibration_end,
-- observation_end, unit).
local function whole_summary(ctx, sopts)
  return ctx.sg.btyd_summary(ctx.res.clean, { customer = ctx.cols.customer, date = ctx.cols.date, amount = "amount",
    calibration_end = sopts.calibration_end, observation_end = sopts.observation_end, unit = sopts.unit })
end

-- Under mpirun, when the ranks owning the customers hold the cleaned rows:
-- the BTYD summary with sopts and the predictions preds (a list of
-- { kind, model, spend, t, horizon, period, discount_rate, margin, column })
-- computed by the owners, each sending rank 0 its customers' rows of the
-- result (segmint.mpi_btyd_summary, docs/mpi.md): the table rank 0 would
-- compute over its whole cleaned table.  nil otherwise (the reason is
-- logged).  what names the summary in the log.  base: that summary, from
-- an earlier call with the same sopts; the owners then send only the
-- predictions, which are added to it.
local function owners_summary(ctx, sopts, preds, what, base)
  local sg = ctx.sg
  local held, why = owners_hold(ctx)
  if not (held or why) then return nil end
  if held then
    local cols = ctx.cols
    local s, ranks = sg.mpi_btyd_summary(ctx.res.clean, ctx.res.clean_owned.gen, { customer = cols.customer,
      date = cols.date, amount = "amount", calibration_end = sopts.calibration_end,
      observation_end = sopts.observation_end, unit = sopts.unit }, preds, base)
    if s then
      local per, sum = mpi.per_rank(ranks.customers)
      local names = {}
      for k, p in ipairs(preds) do names[k] = p.column end
      sg.info("btyd summary (%s) on %d MPI ranks by customer: customers %s (%d in all); predictions %s; %d bytes "
        .. "gathered; %.2f s (summary %.2f, gather %.2f)", what, ranks.ranks, per, sum,
        #names > 0 and table.concat(names, ", ") or "none", ranks.bytes, ranks.seconds.summary + ranks.seconds.gather,
        ranks.seconds.summary, ranks.seconds.gather)
      return s
    end
    why = ranks
  end
  sg.info("btyd summary (%s) on rank 0 alone: %s", what, why)
  return nil
end

function S.names(periods)
  return "expected_purchases_" .. periods.horizon_days .. "d", "clv_" .. periods.clv_months .. "m"
end

function S.columns(ctx)
  local e, c = S.names(ctx.periods)
  return { { "p_alive", "number" }, { e, "number" }, { c, "number" } }
end

local function shift(sg, date, days)
  return sg.format_time(assert(sg.time(date:sub(1, 10))) + days * 86400, true)
end

function S.run(ctx)
  local sg, bt, periods = ctx.sg, ctx.cfg.btyd, ctx.periods
  local unit = bt.unit or "weeks"
  local unit_days = sg.unit_days(unit)
  local as_of = ctx.res.rfm_info.as_of
  local model = bt.model or "bgnbd"
  local selection
  if bt.models then
    local cal_end = shift(sg, as_of, -periods.horizon_days)
    local sopts = { calibration_end = cal_end, observation_end = as_of, unit = unit }
    -- the summary, the calibration fits and their predictions on the owners
    -- too, when they can
    local owned
    local ok, sel = pcall(function()
      owned = owners_summary(ctx, sopts, {}, "holdout")
      return owned or whole_summary(ctx, sopts)
    end)
    if ok then
      ok, sel = pcall(sg.btyd_select, { summary = sel, models = bt.models, penalizer = bt.penalizer,
        tolerance = bt.holdout_tolerance,
        fit = function(name, summ, fo) return fit(ctx, name, summ, sopts, fo.penalizer) end,
        predict = function(name, f, summ, t)
          return owned and owners_summary(ctx, sopts, { { kind = "expected_purchases", model = f, t = t,
            column = "predicted" } }, "holdout, " .. name, summ) or f:expected_purchases(summ, t, "predicted")
        end })
    end
    if ok then
      selection = sel
      model = sel.model
      sg.info("lifetime value: %s chosen on the last %d days (%s)", model, periods.horizon_days,
        sel.warning or "within tolerance")
      for _, m in ipairs(sel.order) do
        local failed = sel.results[m].failed
        if failed then
          sg.info("lifetime value: %s could not be fitted on the data up to %s: %s", m, cal_end, fit_failure(failed))
        end
      end
    else
      -- the data before the holdout do not identify the models (too short a
      -- history to see customers stop buying): say so, and use the default
      -- model fitted on all the data
      local why = fit_failure(sel)
      selection = { failed = why, order = bt.models }
      model = bt.model or bt.models[1]
      sg.info("lifetime value: the models could not be compared on a holdout (%s); %s on all the data is used",
        why, model)
    end
  end
  local sopts = { calibration_end = as_of, unit = unit }
  -- rank 0's own summary only when a fit or the predictions run there
  local summ = not owners_hold(ctx) and whole_summary(ctx, sopts) or nil
  local function own_summ()
    summ = summ or whole_summary(ctx, sopts)
    return summ
  end
  local ok1, tm = pcall(fit, ctx, model, own_summ, sopts, bt.penalizer or 0)
  local ok2, gg, skipped = false, nil, nil
  if ok1 then ok2, gg, skipped = pcall(fit, ctx, "gamma_gamma", own_summ, sopts, bt.penalizer or 0) end
  if not (ok1 and ok2) then
    -- no lifetime value rather than one the data do not support
    local why = fit_failure(ok1 and gg or tm)
    ctx.res.btyd_failed = { model = model, reason = why, selection = selection }
    sg.info("lifetime value: not computed: %s", why)
    return
  end
  local exp_col, clv_col = S.names(periods)
  local clv_opts = { horizon = periods.clv_months, period = 30.4375 / unit_days,
    discount_rate = bt.monthly_discount_rate or 0.01, margin = bt.margin or 1, column = clv_col }
  local owned = owners_summary(ctx, sopts, {
    { kind = "p_alive", model = tm, column = "p_alive" },
    { kind = "expected_purchases", model = tm, t = periods.horizon_days / unit_days, column = exp_col },
    { kind = "clv", model = tm, spend = gg, horizon = clv_opts.horizon, period = clv_opts.period,
      discount_rate = clv_opts.discount_rate, margin = clv_opts.margin, column = clv_col } }, "predictions")
  if owned then
    summ = owned
  else
    summ = tm:p_alive(own_summ(), "p_alive")
    summ = tm:expected_purchases(summ, periods.horizon_days / unit_days, exp_col)
    summ = sg.btyd_clv(tm, gg, summ, clv_opts)
  end
  ctx.customers = ctx.customers:join(summ:select { "customer", "p_alive", exp_col, clv_col },
    { on = "customer", how = "left" })
  ctx.res.btyd = { model = tm, spend = gg, skipped = skipped, unit = unit, unit_days = unit_days, summary = summ,
    horizon = periods.clv_months, clv_column = clv_col, expected_column = exp_col, selection = selection }
  -- the calibration-vs-holdout check of the model used (the report plots it)
  local chosen = selection and selection.results and selection.results[model]
  ctx.res.btyd.calibration = chosen and chosen.table or S.holdout_check(ctx, model, unit, bt.penalizer or 0)
  sg.info("lifetime value: %s, %s", tostring(tm), tostring(gg))
end

-- The model checked on data it has not seen: fitted on the transactions
-- up to horizon_days before as_of, its expected purchases in the
-- horizon_days that follow against what each group of customers (by
-- repeat purchases before) actually bought (sg.btyd_calibration_holdout;
-- the report's BTYD check).  nil, with a note, when the earlier data do
-- not identify the model (the fit refuses parameters that run off).
function S.holdout_check(ctx, model, unit, penalizer)
  local sg = ctx.sg
  local days = ctx.periods.horizon_days
  local as_of = sg.time(ctx.as_of)
  local ok, res = pcall(function()
    local cal_end = sg.format_time(as_of - days * 86400, true)
    local sopts = { calibration_end = cal_end, observation_end = ctx.as_of, unit = unit }
    local owned = owners_summary(ctx, sopts, {}, "holdout")
    local summ = owned or whole_summary(ctx, sopts)
    local f = fit(ctx, model, summ, sopts, penalizer)
    local t = summ:stats("holdout_length").max or 0
    local pred = owned and owners_summary(ctx, sopts, { { kind = "expected_purchases", model = f, t = t,
      column = "predicted" } }, "holdout check", owned)
    if pred then return require("segmint.btyd").holdout_groups(pred, 7) end
    return sg.btyd_calibration_holdout(f, summ, { max_x = 7, t = t })
  end)
  if not ok then
    -- only a fit the earlier data cannot support is skipped
    sg.info("lifetime value: no holdout check on the %d days before %s: %s", days, ctx.as_of, fit_failure(res))
    return nil
  end
  return res
end

return S
