-- Step "btyd": a transaction model (BG/NBD by default) and Gamma-Gamma
-- give each customer P(alive), the expected purchases over the
-- prediction horizon and the discounted lifetime value over clv_months
-- (rules/periods.lua): columns p_alive, expected_purchases_<h>d, clv_<m>m.
local S = {}

S.UNIT_DAYS = { days = 1, weeks = 7, months = 30.4375 }

function S.enabled(ctx) return ctx.cfg.btyd ~= nil end

function S.names(periods)
  return "expected_purchases_" .. periods.horizon_days .. "d", "clv_" .. periods.clv_months .. "m"
end

function S.columns(ctx)
  local e, c = S.names(ctx.periods)
  return { { "p_alive", "number" }, { e, "number" }, { c, "number" } }
end

function S.run(ctx)
  local sg, bt, cols, periods = ctx.sg, ctx.cfg.btyd, ctx.cols, ctx.periods
  local unit = bt.unit or "weeks"
  local unit_days = S.UNIT_DAYS[unit]
  local summ = sg.btyd_summary(ctx.res.clean, { customer = cols.customer, date = cols.date, amount = "amount",
    calibration_end = ctx.res.rfm_info.as_of, unit = unit })
  local tm = sg.btyd_fit(bt.model or "bgnbd", summ, { penalizer = bt.penalizer or 0 })
  local gg, skipped = sg.btyd_fit("gamma_gamma", summ, { penalizer = bt.penalizer or 0 })
  local exp_col, clv_col = S.names(periods)
  summ = tm:p_alive(summ, "p_alive")
  summ = tm:expected_purchases(summ, periods.horizon_days / unit_days, exp_col)
  summ = sg.btyd_clv(tm, gg, summ, { horizon = periods.clv_months, period = 30.4375 / unit_days,
    discount_rate = bt.monthly_discount_rate or 0.01, margin = bt.margin or 1, column = clv_col })
  ctx.customers = ctx.customers:join(summ:select { "customer", "p_alive", exp_col, clv_col },
    { on = "customer", how = "left" })
  ctx.res.btyd = { model = tm, spend = gg, skipped = skipped, unit = unit, unit_days = unit_days, summary = summ,
    horizon = periods.clv_months, clv_column = clv_col, expected_column = exp_col }
  ctx.res.btyd.calibration = S.holdout_check(ctx, bt.model or "bgnbd", unit, bt.penalizer or 0)
  sg.info("lifetime value: %s, %s", tostring(tm), tostring(gg))
end

-- The model checked on data it has not seen: fitted on the transactions
-- up to horizon_days before as_of, its expected purchases in the
-- horizon_days that follow against what each group of customers (by
-- repeat purchases before) actually bought (sg.btyd_calibration_holdout;
-- the report's BTYD check).  nil, with a note, when the earlier data do
-- not identify the model (the fit refuses parameters that run off).
function S.holdout_check(ctx, model, unit, penalizer)
  local sg, cols = ctx.sg, ctx.cols
  local days = ctx.periods.horizon_days
  local as_of = sg.time(ctx.as_of)
  local ok, res = pcall(function()
    local summ = sg.btyd_summary(ctx.res.clean, { customer = cols.customer, date = cols.date, amount = "amount",
      calibration_end = sg.format_time(as_of - days * 86400, true), observation_end = ctx.as_of, unit = unit })
    local fit = sg.btyd_fit(model, summ, { penalizer = penalizer })
    return sg.btyd_calibration_holdout(fit, summ, { max_x = 7 })
  end)
  if not ok then
    -- limits and interruptions stop the run; only a fit the earlier data cannot support is skipped
    local msg = tostring(res)
    if msg:find("memory", 1, true) or msg:find("budget", 1, true) or msg:find("interrupt", 1, true) then
      error(res, 0)
    end
    sg.info("lifetime value: no holdout check on the %d days before %s: %s", days, ctx.as_of, tostring(res))
    return nil
  end
  return res
end

return S
