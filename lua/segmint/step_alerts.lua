-- Step "alerts": the automatic alerts on sound definitions (kpi_alerts.lua,
-- docs/analysis.md): the monthly churn rate over the month before the
-- scoring date (customers active at its start who lapsed by it, with inactive_days
-- of rules/periods.lua), the average basket of the last comparison period
-- against the one before, and satisfaction when a column is mapped
-- (ctx.res.alerts, with the monthly activity series).
local mpi = require "segmint.mpi"

local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

function S.run(ctx)
  local sg, cols, a = ctx.sg, ctx.cols, ctx.rules.alerts
  -- the activity series on the MPI ranks owning the customers when they
  -- hold the cleaned rows (segmint.mpi.activity), else on rank 0
  local series_list, report = mpi.activity(ctx, "alerts")
  ctx.res.alerts = sg.alerts({ inactive_days = ctx.periods.inactive_days, period_days = ctx.periods.comparison_days,
      basket_drop = a.basket_drop, monthly_churn = a.monthly_churn, monthly_churn_rise = a.monthly_churn_rise,
      min_satisfaction = a.min_satisfaction }, {
    transactions = ctx.res.clean, customers = ctx.customers,
    columns = { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = "amount",
      satisfaction = cols.satisfaction },
    as_of = ctx.res.rfm_info.as_of, series_list = series_list,
  })
  report()
  local ch = ctx.res.alerts.churn
  if ch and ch.improving then
    sg.info("alerts: monthly churn %.1f%% is above the rules' %.1f%% but below its average of %.1f%% over the %d "
      .. "months before: no alert (the KPI table has it)", ch.rate * 100, ch.threshold * 100, ch.average * 100,
      ch.average_months)
  end
end

return S
