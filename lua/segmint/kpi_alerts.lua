-- The basket comparison and the alerts of the executive summary, on the
-- activity walk of the core (core/activity.c):
--
--   local b = sg.basket_change(clean, { columns = cols, as_of = "2011-12-10", period_days = 90 })
--   local a = sg.alerts(require "rules.alerts", { transactions = clean, customers = customers,
--                                               columns = cols, as_of = "2011-12-10" })
-- Definitions: docs/analysis.md, "KPIs and alerts".  Both take the option
-- series_list: a function with the arguments and results of
-- sg.activity_series_list to compute the series with; every window is
-- known before the series are asked for, so they come in one call (step
-- alerts passes one that runs them on the MPI ranks owning the customers,
-- segmint.mpi).
local kpis = require "segmint.kpis"
local report = require "segmint.report"

local M = {}

local split_time, fmt_time = kpis.time_of, kpis.text_of

local function columns_of(opts)
  local c = opts.columns or {}
  return { customer = opts.customer or c.customer, date = opts.date or c.date, invoice = opts.invoice or c.invoice,
           amount = opts.amount or c.amount or "amount" }
end

-- as_of in seconds: given, or the day after the last purchase (a one-day
-- series in 1970 takes it from the dates); nil when there are no dates
local function as_of_of(sg, tx, cols, as_of, series_list)
  if as_of then return split_time(sg, as_of) end
  local res = series_list(tx, { { customer = cols.customer, date = cols.date,
    bounds = { "1970-01-01", "1970-01-02" } } })
  local a = res[1][2].as_of
  return a and sg.time(a)
end

-- The basket comparison's window (its bounds in seconds, the series
-- options) over period_days before e, checked; and its result from the
-- series of that window.
local function basket_window(sg, cols, opts, e)
  for _, role in ipairs({ "customer", "date", "invoice" }) do
    if not cols[role] then error(string.format("basket_change: columns.%s is required", role), 3) end
  end
  local days = opts.period_days or 90
  if type(days) ~= "number" or days < 1 or days ~= math.floor(days) then
    error("basket_change: period_days must be a whole number of days", 3)
  end
  if not e then error("basket_change: the transactions have no dates", 3) end
  local b = { e - 2 * days * 86400, e - days * 86400, e }
  return b, { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = cols.amount,
    bounds = { fmt_time(sg, b[1]), fmt_time(sg, b[2]), fmt_time(sg, b[3]) } }
end

local function basket_result(sg, ds, b, opts)
  local days, drop = opts.period_days or 90, opts.drop or 0.20
  local prev, cur = ds:row(1), ds:row(2)
  local r = { current = cur.average_basket, previous = prev.average_basket, days = days, drop = drop,
    period_start = fmt_time(sg, b[2]), period_end = fmt_time(sg, b[3]),
    previous_start = fmt_time(sg, b[1]), previous_end = fmt_time(sg, b[2]),
    invoices = cur.invoices, previous_invoices = prev.invoices }
  if r.current and r.previous and r.previous > 0 then
    r.change = r.current / r.previous - 1
    r.alert = r.change < -drop
  else
    r.alert = false
  end
  return r
end

-- sg.basket_change(tx, { columns = {customer, date, invoice, amount}, as_of, period_days = 90, drop = 0.20 })
--   -> { current, previous, change, alert, period_start, period_end, previous_start, previous_end, days }
-- The average basket (revenue / invoices) of the last period_days before
-- as_of against the period_days before those; the alert fires when it fell
-- by more than `drop`.
function M.basket_change(sg, tx, opts)
  opts = opts or {}
  local cols = columns_of(opts)
  for _, role in ipairs({ "customer", "date", "invoice" }) do
    if not cols[role] then error(string.format("basket_change: columns.%s is required", role), 2) end
  end
  local series_list = opts.series_list or sg.activity_series_list
  local e = as_of_of(sg, tx, cols, opts.as_of, series_list)
  local b, o = basket_window(sg, cols, opts, e)
  return basket_result(sg, series_list(tx, { o })[1][1], b, opts)
end

local ALERT_DEFAULTS = { inactive_days = 90, period_days = 90, basket_drop = 0.20, monthly_churn = 0.05,
                         monthly_churn_rise = 0, min_satisfaction = 4 }
-- the months before the latest one whose churn rates make its usual level
local CHURN_HISTORY_MONTHS = 12
-- fewer months with active customers than this: no usual level to compare with
local CHURN_HISTORY_MIN = 3

-- sg.alerts(alert_rules, { transactions, customers, columns, as_of }) ->
--   { inactive, basket, churn, satisfaction (nil without a satisfaction column), series }
function M.alerts(sg, rules_tbl, opts)
  opts = opts or {}
  local a = {}
  for k, v in pairs(ALERT_DEFAULTS) do a[k] = v end
  for k, v in pairs(rules_tbl or {}) do a[k] = v end
  if type(a.min_satisfaction) ~= "number" then error("alerts: min_satisfaction must be a number", 2) end
  local tx = opts.transactions
  if not tx then error("alerts: 'transactions' (the clean transactions) is required", 2) end
  local cols = columns_of(opts)
  for _, role in ipairs({ "customer", "date" }) do
    if not cols[role] then error(string.format("alerts: columns.%s is required", role), 2) end
  end
  local out = {}
  local series_list = opts.series_list or sg.activity_series_list
  -- inactive customers
  local cu = opts.customers
  if cu and cu:has("recency_days") then
    local n = #cu:filter(string.format("recency_days > %d", math.floor(a.inactive_days)))
    out.inactive = { count = n, share = #cu > 0 and n / #cu or 0, days = a.inactive_days, alert = n > 0 }
  end
  local sat = opts.columns and opts.columns.satisfaction
  if sat and not (tx and tx:has(sat)) then sat = nil end
  -- every window first, then their series in one call: the monthly series
  -- (activity.csv), the churn month before as_of and the 12 months before
  -- it, the basket's and the satisfaction's two periods.  Without as_of,
  -- the monthly series comes first and gives it.
  local list = { { customer = cols.customer, date = cols.date,
    invoice = cols.invoice, amount = tx:has(cols.amount) and cols.amount or nil, satisfaction = sat,
    inactive_days = a.inactive_days, as_of = opts.as_of } }
  local res, e
  if opts.as_of then
    e = split_time(sg, opts.as_of)
  else
    res = series_list(tx, list)
    e = res[1][2].as_of and split_time(sg, res[1][2].as_of)
  end
  local at = {}
  local function add(name, o)
    list[#list + 1] = o
    at[name] = #list
  end
  -- churn over the month before as_of: the window of the "month" KPIs, so
  -- the alert and the KPI table give one monthly churn rate; its usual
  -- level: the same month-long window over each of the 12 months before
  -- (stepped back as the KPI table's previous period is)
  local s
  if e then
    s = kpis.step_back(sg, e, { months = 1 })
    add("churn", { customer = cols.customer, date = cols.date,
      inactive_days = a.inactive_days, bounds = { fmt_time(sg, s), fmt_time(sg, e) } })
    local b = { s }
    for k = 2, CHURN_HISTORY_MONTHS + 1 do b[k] = kpis.step_back(sg, b[k - 1], { months = 1 }) end
    local bounds = {}
    for k = #b, 1, -1 do bounds[#bounds + 1] = fmt_time(sg, b[k]) end
    add("history", { customer = cols.customer, date = cols.date, inactive_days = a.inactive_days, bounds = bounds })
  end
  local basket_b
  if cols.invoice then
    local o
    basket_b, o = basket_window(sg, cols, { period_days = a.period_days }, e)
    add("basket", o)
  end
  local sat_b
  if sat and e then
    local d = a.period_days * 86400
    sat_b = { e - 2 * d, e - d, e }
    add("satisfaction", { customer = cols.customer, date = cols.date, satisfaction = sat,
      bounds = { fmt_time(sg, sat_b[1]), fmt_time(sg, sat_b[2]), fmt_time(sg, sat_b[3]) } })
  end
  if res then
    if #list > 1 then
      local rest = table.move(list, 2, #list, 1, {})
      local more = series_list(tx, rest)
      for i = 1, #more do res[i + 1] = more[i] end
    end
  else
    res = series_list(tx, list)
  end
  local series = res[1][1]
  out.series = series
  out.churn = { threshold = a.monthly_churn, alert = false, inactive_days = a.inactive_days }
  if #series > 0 then
    local w = res[at.churn][1]:row(1)
    out.churn.from, out.churn.to = fmt_time(sg, s), fmt_time(sg, e)
    out.churn.rate = w.churn_rate
    out.churn.active_start = w.active_start
    out.churn.churned = w.churned
    out.churn.reactivation_rate = w.reactivation_rate
    out.churn.alert = w.churn_rate ~= nil and w.churn_rate > a.monthly_churn
    -- its usual level: averaged over the months that had active customers
    if w.churn_rate ~= nil then
      local hist = res[at.history][1]
      local sum, n = 0, 0
      for i = 1, #hist do
        local r = hist:row(i)
        if r.churn_rate ~= nil and (r.active_start or 0) > 0 then sum, n = sum + r.churn_rate, n + 1 end
      end
      out.churn.rise_threshold = a.monthly_churn_rise
      if n >= CHURN_HISTORY_MIN then
        out.churn.average, out.churn.average_months = sum / n, n
        out.churn.rise = w.churn_rate - sum / n
        out.churn.rise_alert = a.monthly_churn_rise > 0 and out.churn.rise > a.monthly_churn_rise
        -- above the rules' level but below its own usual level, as printed
        -- (18.1% against 18.2%): falling, so no alert; the KPI table has it
        if out.churn.alert and report.shown_change(w.churn_rate, out.churn.average, 1, 1, 100) < 0 then
          out.churn.alert, out.churn.improving = false, true
        end
      end
    end
  end
  -- the basket
  if cols.invoice then
    out.basket = basket_result(sg, res[at.basket][1], basket_b,
      { period_days = a.period_days, drop = a.basket_drop })
  end
  -- satisfaction: only when a column is mapped
  if sat then
    if not e then error("alerts: the transactions have no dates", 2) end
    local ds = res[at.satisfaction][1]
    local cur, prev = ds:row(2), ds:row(1)
    out.satisfaction = { current = cur.satisfaction, previous = prev.satisfaction, ratings = cur.satisfaction_n,
      threshold = a.min_satisfaction, days = a.period_days,
      alert = cur.satisfaction ~= nil and cur.satisfaction < a.min_satisfaction }
  elseif opts.columns and opts.columns.satisfaction and cu and cu:has(opts.columns.satisfaction) then
    local mean = cu:stats(opts.columns.satisfaction).mean
    out.satisfaction = { current = mean, threshold = a.min_satisfaction,
      alert = mean ~= nil and mean < a.min_satisfaction }
  end
  return out
end

return M
