-- Step "kpis": the key figures of rules/kpis.lua for the latest period
-- and the one before, with targets and status (ctx.res.kpis; kpis.csv).
local mpi = require "segmint.mpi"

local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

function S.enabled(ctx) return ctx.rules.kpis ~= nil end

-- The KPI rules, where a monthly churn rate without a target of its own
-- takes the alert's threshold (alerts.monthly_churn) as its target: the
-- table then says "missed" exactly when the churn alert's level is passed.
local function with_churn_target(list, alerts)
  local threshold = alerts and alerts.monthly_churn
  if not threshold then return list end
  local out = {}
  for i, k in ipairs(list) do
    if k.measure == "churn_rate" and k.period == "month" and k.target == nil and k.expression == nil then
      local c = {}
      for key, v in pairs(k) do c[key] = v end
      c.target = threshold
      k = c
    end
    out[i] = k
  end
  return out
end

function S.run(ctx)
  local sg, cols = ctx.sg, ctx.cols
  local clv
  if ctx.customers:has("predicted_clv") then clv = "predicted_clv"
  elseif ctx.res.btyd then clv = ctx.res.btyd.clv_column end
  -- the activity series on the MPI ranks owning the customers when they
  -- hold the cleaned rows (segmint.mpi.activity), else on rank 0; the
  -- earliest date of the transactions comes with them
  local series_list, report = mpi.activity(ctx, "kpis", true)
  ctx.res.kpis = sg.kpis(with_churn_target(ctx.rules.kpis, ctx.rules.alerts), {
    transactions = ctx.res.clean, customers = ctx.customers,
    columns = { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = "amount",
      satisfaction = cols.satisfaction },
    as_of = ctx.res.rfm_info.as_of, inactive_days = ctx.periods.inactive_days, clv = clv, series_list = series_list,
  })
  report()
  -- a figure from the spend model when that model does worse than the
  -- average (negative R²): the summary and the report say it is not reliable
  local m = ctx.res.models
  local r2 = m and m.clv and m.clv.metrics.r2
  if r2 and r2 < 0 then
    for _, k in ipairs(ctx.res.kpis.kpis) do
      if k.column == "predicted_clv" then k.model_r2 = r2 end
    end
  end
  for _, sk in ipairs(ctx.res.kpis.skipped or {}) do
    sg.info("kpis: '%s' skipped: %s", sk.name, sk.reason)
  end
end

return S
