-- KPIs with values, targets and trends, on the sound churn definition
-- (core/activity.c).  The basket comparison and the alerts are in
-- kpi_alerts.lua.
--
--   local set = sg.kpi_rules(require "rules.kpis")      -- linted; raises on errors
--   local res = sg.kpis(require "rules.kpis", { transactions = clean, customers = customers,
--     columns = { customer = "CustomerID", date = "InvoiceDate", invoice = "InvoiceNo", amount = "amount" },
--     as_of = "2011-12-10", inactive_days = 90, period_months = 1 })
--   (option series_list: a function with the arguments and results of
--   sg.activity_series_list to compute the series with, every period's
--   in one call; step kpis passes one that runs them on the MPI ranks
--   owning the customers, segmint.mpi)
--   for _, k in ipairs(res.kpis) do print(k.name, k.value, k.previous, k.target, k.status) end
--
-- Every measure of a period is computed for the latest period (the `period`
-- before as_of) and the one before it; the series of every period the
-- KPIs use come from one walk of the C core over the transactions;
-- docs/analysis.md ("KPIs and alerts") defines each one.
local rules = require "segmint.rules"
local report = require "segmint.report"
local tr = require "segmint.messages"

local M = {}

-- measure -> default unit and direction, and what it is computed from:
-- "period" (transactions of the two periods), "customers" (the customer
-- table, now only), "campaigns" (campaign results of the two periods)
M.MEASURES = {
  active_customers = { unit = "count", direction = "higher", from = "period" },
  new_customers = { unit = "count", direction = "higher", from = "period" },
  retention_rate = { unit = "%", direction = "higher", from = "period" },
  churn_rate = { unit = "%", direction = "lower", from = "period" },
  reactivation_rate = { unit = "%", direction = "higher", from = "period" },
  repeat_purchase_rate = { unit = "%", direction = "higher", from = "period", needs = { "invoice" } },
  average_basket = { unit = "currency", direction = "higher", from = "period", needs = { "invoice", "amount" } },
  purchase_frequency = { unit = "per year", direction = "higher", from = "period", needs = { "invoice" },
                         period = "year" },
  revenue = { unit = "currency", direction = "higher", from = "period", needs = { "amount" } },
  revenue_per_customer = { unit = "currency", direction = "higher", from = "period", needs = { "amount" } },
  satisfaction = { unit = "score", direction = "higher", from = "period", needs = { "satisfaction" } },
  cost_per_acquisition = { unit = "currency", direction = "lower", from = "period" },
  response_rate = { unit = "%", direction = "higher", from = "campaigns" },
  average_clv = { unit = "currency", direction = "higher", from = "customers" },
}
M.UNITS = { "count", "%", "currency", "per year", "days", "score", "ratio", "number" }
M.AGGREGATES = { "mean", "sum", "share", "count", "median", "min", "max" }
local FIELDS = { "name", "measure", "expression", "aggregate", "where", "unit", "target", "direction", "period",
                 "cost", "campaign", "column", "description", "why", "decimals" }

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end
local FIELD_SET, UNIT_SET, AGG_SET = set_of(FIELDS), set_of(M.UNITS), set_of(M.AGGREGATES)

local function sorted_keys(t)
  local k = {}
  for n in pairs(t) do k[#k + 1] = n end
  table.sort(k)
  return k
end

-- ---- periods ----

local PERIOD_WORDS = { day = { days = 1 }, week = { days = 7 }, month = { months = 1 }, quarter = { months = 3 },
                       year = { months = 12 } }

-- "month", "quarter", "year", "week", "N days|weeks|months|quarters|years"
-- or a number of days -> { days = n } or { months = n } with a label; nil, message
function M.parse_period(v)
  if type(v) == "number" then
    if v ~= math.floor(v) or v < 1 or v > 36500 then
      return nil, tr.w("a number of days must be a whole number from 1 to 36500")
    end
    return { days = v, label = string.format("%d days", v) }
  end
  if type(v) ~= "string" then return nil, tr.w("expected \"month\", \"quarter\", \"year\", \"N days\" or a number of days") end
  local s = v:lower():gsub("^%s+", ""):gsub("%s+$", "")
  local n, word = s:match("^(%d+)%s*(%a+)$")
  n = tonumber(n) or 1
  word = word or s
  word = word:gsub("s$", "")
  local p = PERIOD_WORDS[word]
  if not p or n < 1 or n > 1200 then
    return nil, tr.f("'%s' is not a period (\"month\", \"quarter\", \"year\", \"week\", \"3 months\", \"90 days\")", v)
  end
  local out = { label = n == 1 and word or string.format("%d %ss", n, word) }
  if p.days then out.days = p.days * n else out.months = p.months * n end
  return out
end

-- ---- the rule table and its linter ----

local function kpi_name(k)
  if type(k) ~= "table" then return nil end
  local n = k.name
  if n == nil then n = k[1] end
  if type(n) == "string" and n ~= "" then return n end
  return nil
end

local function compile(tbl)
  local errors, warnings, out = {}, {}, {}
  if type(tbl) ~= "table" or #tbl == 0 then
    return out, { "a KPI file must be a non-empty list of KPIs" }, warnings
  end
  for k in pairs(tbl) do
    if math.type(k) ~= "integer" or k < 1 or k > #tbl then
      errors[#errors + 1] = tr.f("%sKPI file: unexpected entry '%s' (the file is a list of KPIs)",
        rules.where(tbl, 1, nil, tostring(k)), tostring(k))
    end
  end
  local seen = {}
  for i, k in ipairs(tbl) do
    local name = kpi_name(k)
    local where = rules.where(tbl, i, name)
    local function err(field, fmt, ...)
      errors[#errors + 1] = rules.where(tbl, i, name, field) .. tr.f("KPI '%s', ", name) .. tr.f(fmt, ...)
    end
    if type(k) ~= "table" then
      errors[#errors + 1] = tr.f("%sKPI %d must be a table", where, i)
    elseif not name then
      errors[#errors + 1] = tr.f("%sKPI %d has no name", where, i)
    else
      if seen[name] then errors[#errors + 1] = tr.f("%sKPI '%s' appears twice", where, name) end
      seen[name] = true
      for f in pairs(k) do
        if not (FIELD_SET[f] or f == 1) then
          local hint = type(f) == "string" and rules.suggest(f, FIELDS) or nil
          err(tostring(f), "unknown field '%s'%s", tostring(f), tr.hint(hint))
        end
      end
      local c = { name = name, index = i, description = k.description or k.why, decimals = k.decimals }
      local m
      if k.measure ~= nil and k.expression ~= nil then
        err("expression", "give either 'measure' or 'expression', not both")
      elseif k.measure ~= nil then
        m = M.MEASURES[k.measure]
        if not m then
          local hint = type(k.measure) == "string" and rules.suggest(k.measure, sorted_keys(M.MEASURES)) or nil
          err("measure", "unknown measure '%s'%s", tostring(k.measure),
            hint and tr.hint(hint) or
            " (known: " .. table.concat(sorted_keys(M.MEASURES), ", ") .. ")")
        end
        c.measure = k.measure
      elseif k.expression ~= nil then
        if type(k.expression) ~= "string" or k.expression == "" then
          err("expression", "'expression' must be an expression over the customer table, like \"monetary > 1000\"")
        end
        c.measure = "expression"
        c.expression = k.expression
        m = { unit = "number", direction = "higher", from = "customers" }
        local agg = k.aggregate or "mean"
        if not AGG_SET[agg] then
          local hint = type(agg) == "string" and rules.suggest(agg, M.AGGREGATES) or nil
          err("aggregate", "unknown aggregate '%s'%s", tostring(agg),
            hint and tr.hint(hint) or " (" .. table.concat(M.AGGREGATES, ", ") .. ")")
        end
        c.aggregate = agg
        if agg == "share" and k.unit == nil then m = { unit = "%", direction = "higher", from = "customers" } end
        if agg == "count" and k.unit == nil then m = { unit = "count", direction = "higher", from = "customers" } end
        if k.where ~= nil and type(k.where) ~= "string" then err("where", "'where' must be an expression") end
        c.where = k.where
      else
        err(nil, "needs a 'measure' (%s) or an 'expression'", table.concat(sorted_keys(M.MEASURES), ", "))
      end
      if k.expression == nil then
        if k.aggregate ~= nil then err("aggregate", "'aggregate' goes with 'expression'") end
        if k.where ~= nil then err("where", "'where' goes with 'expression'") end
      end
      m = m or {}
      c.from = m.from
      c.needs = m.needs
      -- unit
      local unit = k.unit
      if unit == nil then unit = m.unit end
      if unit ~= nil and not UNIT_SET[unit] then
        local hint = (unit == "percent" or unit == "pct") and "%" or
          (type(unit) == "string" and rules.suggest(unit, M.UNITS)) or nil
        err("unit", "unknown unit '%s'%s", tostring(unit),
          hint and tr.hint(hint) or " (" .. table.concat(M.UNITS, ", ") .. ")")
      end
      c.unit = unit
      -- direction
      local dir = k.direction
      if dir == nil then dir = m.direction end
      if dir ~= nil and dir ~= "higher" and dir ~= "lower" then
        err("direction", "direction must be \"higher\" or \"lower\" (which is better), got '%s'", tostring(dir))
      end
      c.direction = dir
      -- target
      if k.target ~= nil then
        if type(k.target) ~= "number" or k.target ~= k.target then
          err("target", "target must be a number, got %s", tostring(k.target))
        elseif unit == "%" and (k.target < 0 or k.target > 1) then
          err("target", "a percentage target is a share from 0 to 1 (0.85 for 85%%), got %s", tostring(k.target))
        elseif k.target < 0 and unit ~= "number" then
          err("target", "target must not be negative, got %s", tostring(k.target))
        end
      end
      c.target = k.target
      -- period
      if k.period ~= nil then
        local p, msg = M.parse_period(k.period)
        if not p then err("period", "%s", msg) end
        c.period = p
        if c.from == "customers" then
          warnings[#warnings + 1] = rules.where(tbl, i, name, "period") ..
            tr.f("KPI '%s': 'period' has no effect, the value is taken from the customer table now", name)
        end
      elseif m.period then
        c.default_period = M.parse_period(m.period)
      end
      -- measure-specific fields
      if k.cost ~= nil then
        if c.measure ~= "cost_per_acquisition" then
          err("cost", "'cost' goes with measure \"cost_per_acquisition\"")
        elseif type(k.cost) == "number" then
          if k.cost < 0 then err("cost", "cost must not be negative") end
          c.cost = { latest = k.cost, previous = k.cost }
        elseif type(k.cost) == "table" and type(k.cost.latest) == "number" and
               (k.cost.previous == nil or type(k.cost.previous) == "number") then
          c.cost = { latest = k.cost.latest, previous = k.cost.previous }
        else
          err("cost", "cost must be a number (the acquisition spend of each period) or { latest =, previous = }")
        end
      end
      if k.campaign ~= nil then
        if c.measure ~= "response_rate" then
          err("campaign", "'campaign' goes with measure \"response_rate\"")
        elseif type(k.campaign) == "string" then
          c.campaigns = { [k.campaign] = true }
        elseif type(k.campaign) == "table" and #k.campaign > 0 then
          c.campaigns = set_of(k.campaign)
        else
          err("campaign", "campaign must be a campaign name or a list of names")
        end
      end
      if k.column ~= nil then
        if c.measure ~= "average_clv" then
          err("column", "'column' goes with measure \"average_clv\"")
        elseif type(k.column) ~= "string" then
          err("column", "column must be a column name")
        end
        c.column = k.column
      end
      if k.decimals ~= nil and (math.type(k.decimals) ~= "integer" or k.decimals < 0 or k.decimals > 6) then
        err("decimals", "decimals must be a whole number from 0 to 6")
      end
      out[#out + 1] = c
    end
  end
  return out, errors, warnings
end

-- Lints a KPI rule table: errors, warnings (lists of messages naming the
-- file, line, KPI and field).
function M.lint(tbl)
  local _, errors, warnings = compile(tbl)
  return errors, warnings
end

local Set = {}
Set.__index = Set

-- A linted KPI set; raises with every error when the table has any.
function M.new(tbl)
  if getmetatable(tbl) == Set then return tbl end
  local list, errors, warnings = compile(tbl)
  if #errors > 0 then error(table.concat(errors, "\n"), 0) end
  return setmetatable({ kpis = list, warnings = warnings, source = tbl }, Set)
end

function Set:names()
  local n = {}
  for i, k in ipairs(self.kpis) do n[i] = k.name end
  return n
end

-- ---- dates ----

local function split_time(sg, text)
  local t, msg = sg.time(text)
  if not t then error("kpis: as_of: " .. msg, 3) end
  return t
end

local function days_in_month(y, m)
  local d = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then return 29 end
  return d[m]
end

-- seconds t moved by n calendar months (the day clamped to the month's end)
local function add_months(sg, t, n)
  local text = sg.format_time(t)
  local y, m, d, rest = text:match("^(%-?%d+)%-(%d+)%-(%d+)(.*)$")
  y, m, d = tonumber(y), tonumber(m) + n, tonumber(d)
  y = y + (m - 1) // 12
  m = (m - 1) % 12 + 1
  d = math.min(d, days_in_month(y, m))
  return sg.time(string.format("%04d-%02d-%02d%s", y, m, d, rest))
end

local function step_back(sg, t, p)
  if p.days then return t - p.days * 86400 end
  return add_months(sg, t, -p.months)
end

local function fmt_time(sg, t) return sg.format_time(t, t % 86400 == 0) end

-- ---- computing ----

local function ratio(a, b)
  if a == nil or b == nil or b == 0 then return nil end
  return a / b
end

-- The window of a period p before as_of (the latest period and the one
-- before): its key, bounds (seconds) and the series options; the series
-- of every window come in one batch (ctx.figures).
local function period_window(sg, ctx, p)
  local e = ctx.as_of_t
  local s = step_back(sg, e, p)
  local s0 = step_back(sg, s, p)
  local cols = ctx.columns
  return string.format("%d:%d:%d", s0, s, e), { s0, s, e }, {
    customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = cols.amount,
    satisfaction = ctx.satisfaction, inactive_days = ctx.inactive_days,
    bounds = { fmt_time(sg, s0), fmt_time(sg, s), fmt_time(sg, e) } }
end

-- The two periods' figures (rows 1 = previous, 2 = latest) of the batch.
local function period_figures(sg, ctx, p)
  return ctx.figures[(period_window(sg, ctx, p))]
end

local function campaign_figures(sg, ctx, k, from, to)
  local c = ctx.campaigns
  local cc = ctx.campaign_columns
  local contacts, responses, spend = 0, 0, 0
  for _, r in c:rows() do
    local d = r[cc.date]
    local t = d and sg.time(d)
    if t and t >= from and t < to and (not k.campaigns or k.campaigns[r[cc.campaign]]) then
      contacts = contacts + (r[cc.contacts] or 0)
      responses = responses + (r[cc.responses] or 0)
      spend = spend + (cc.spend and r[cc.spend] or 0)
    end
  end
  return { contacts = contacts, responses = responses, spend = spend }
end

-- value of a period measure from one row of the core's figures
local function period_value(k, r, days, cost)
  local m = k.measure
  if m == "active_customers" then return r.active_end
  elseif m == "new_customers" then return r.new_customers
  elseif m == "retention_rate" then return r.retention_rate
  elseif m == "churn_rate" then return r.churn_rate
  elseif m == "reactivation_rate" then return r.reactivation_rate
  elseif m == "repeat_purchase_rate" then return ratio(r.repeat_buyers, r.buyers)
  elseif m == "average_basket" then return ratio(r.revenue, r.invoices)
  elseif m == "purchase_frequency" then
    local f = ratio(r.invoices, r.buyers)
    return f and f * 365.25 / days
  elseif m == "revenue" then return r.revenue
  elseif m == "revenue_per_customer" then return ratio(r.revenue, r.buyers)
  elseif m == "satisfaction" then return r.satisfaction
  elseif m == "cost_per_acquisition" then return ratio(cost, r.new_customers)
  end
end

local function customers_value(k, ctx)
  local cu = ctx.customers
  if k.measure == "average_clv" then
    local col = k.column or ctx.clv
    if not col or not cu:has(col) then return nil, "no CLV column in the customer table" end
    return cu:stats(col).mean
  end
  local ds = cu
  if k.where then ds = ds:filter(k.where) end
  if k.aggregate == "share" or k.aggregate == "count" then
    local n = #ds:filter(k.expression)
    if k.aggregate == "count" then return n end
    return ratio(n, #ds)
  end
  local d = ds:derive("_kpi_value", k.expression)
  if #d == 0 then return nil end
  local st = d:stats("_kpi_value")
  if k.aggregate == "sum" then return st.sum
  elseif k.aggregate == "median" then return st.median
  elseif k.aggregate == "min" then return st.min
  elseif k.aggregate == "max" then return st.max
  end
  return st.mean
end

local function judge(out)
  local v, t = out.value, out.target
  if v == nil then out.status = "no data"
  elseif t == nil then out.status = "no target"
  elseif out.direction == "lower" then out.status = v <= t and "met" or "missed"
  else out.status = v >= t and "met" or "missed" end
  if v ~= nil and out.previous ~= nil then
    out.change = v - out.previous
    out.change_share = report.change_share(v, out.previous)
    if out.change == 0 then out.trend = "same"
    elseif (out.change > 0) == (out.direction ~= "lower") then out.trend = "better"
    else out.trend = "worse" end
  end
end

-- measures that are averages over what happened in a period: a period the
-- data cover only in part still gives them
local AVERAGES = { average_basket = true, repeat_purchase_rate = true, satisfaction = true, response_rate = true }

local function default_clv(ds)
  if not ds then return nil end
  if ds:has("predicted_clv") then return "predicted_clv" end
  for _, n in ipairs(ds:columns()) do
    if n:match("^clv_%d+m$") then return n end
  end
  return nil
end

-- set:compute(sg, opts) -> { as_of, inactive_days, kpis = { ... }, skipped = { {name, reason} } }
function Set:compute(sg, opts)
  opts = opts or {}
  local cols = opts.columns or {}
  local tx = opts.transactions
  local ctx = { figures = {}, transactions = tx, customers = opts.customers, campaigns = opts.campaigns,
    inactive_days = opts.inactive_days or 90, series_list = opts.series_list or sg.activity_series_list }
  ctx.columns = { customer = cols.customer, date = cols.date, invoice = cols.invoice,
    amount = cols.amount or (tx and tx:has("amount") and "amount") or nil }
  if tx then
    for _, role in ipairs({ "customer", "date" }) do
      if not ctx.columns[role] then error(string.format("kpis: columns.%s is required", role), 2) end
    end
    for role, c in pairs(ctx.columns) do
      if not tx:has(c) then error(string.format("kpis: columns.%s: no column '%s' in the transactions", role, c), 2) end
    end
  end
  if cols.satisfaction then
    if tx and tx:has(cols.satisfaction) then ctx.satisfaction = cols.satisfaction
    elseif opts.customers and opts.customers:has(cols.satisfaction) then ctx.customer_satisfaction = cols.satisfaction
    else error(string.format("kpis: columns.satisfaction: no column '%s'", cols.satisfaction), 2) end
  end
  local cc = { campaign = "campaign", date = "date", contacts = "impressions", responses = "conversions",
               spend = "spend" }
  for key, v in pairs(opts.campaign_columns or {}) do cc[key] = v end
  if ctx.campaigns then
    for role, c in pairs(cc) do
      if not ctx.campaigns:has(c) then
        if role == "spend" then cc.spend = nil
        else error(string.format("kpis: campaign_columns.%s: no column '%s' in the campaign results", role, c), 2) end
      end
    end
  end
  ctx.campaign_columns = cc
  ctx.clv = opts.clv or default_clv(opts.customers)
  -- as_of: given, or the day after the last purchase (a one-day series in
  -- 1970 takes it from the dates, under mpirun a reduction of the owners'
  -- dates); the earliest date (batch.first) comes with the series
  local first
  if opts.as_of then
    ctx.as_of_t = split_time(sg, opts.as_of)
  elseif tx then
    local res, batch = ctx.series_list(tx, { { customer = ctx.columns.customer, date = ctx.columns.date,
      bounds = { "1970-01-01", "1970-01-02" } } })
    local info = res[1][2]
    if not info.as_of then error("kpis: the transactions have no dates; give as_of", 2) end
    ctx.as_of_t = sg.time(info.as_of)
    first = batch.first
  else
    error("kpis: as_of is required without transactions", 2)
  end
  local default_period
  if opts.period_months then default_period = { months = opts.period_months, label = opts.period_months .. " months" }
  elseif opts.period_days then default_period = { days = opts.period_days, label = opts.period_days .. " days" } end
  if default_period and default_period.months == 1 then default_period.label = "month" end

  local result = { as_of = fmt_time(sg, ctx.as_of_t), inactive_days = ctx.inactive_days, kpis = {}, skipped = {} }
  local function skip(k, why) result.skipped[#result.skipped + 1] = { name = k.name, measure = k.measure, reason = why } end
  -- 1. what each KPI needs: the periods' windows are collected, so that
  -- their series come in one batch (one walk of the transactions, under
  -- mpirun one command to the owners)
  local plans, windows, list = {}, {}, {}
  for _, k in ipairs(self.kpis) do
    local out = { name = k.name, measure = k.measure, unit = k.unit, target = k.target, direction = k.direction,
                  description = k.description, decimals = k.decimals }
    local ok = true
    if k.from == "customers" then
      if not ctx.customers then
        skip(k, "no customer table"); ok = false
      else
        local v, why = customers_value(k, ctx)
        if why then skip(k, why); ok = false end
        out.value = v
        out.period = "now"
        if k.measure == "average_clv" then out.column = k.column or ctx.clv end
      end
    elseif not tx then
      skip(k, "no transactions"); ok = false
    else
      for _, need in ipairs(k.needs or {}) do
        if need == "satisfaction" then
          if not ctx.satisfaction and not ctx.customer_satisfaction then
            skip(k, "no satisfaction column mapped"); ok = false
          end
        elseif not ctx.columns[need] then
          skip(k, string.format("no %s column mapped", need)); ok = false
        end
      end
      if ok and k.measure == "satisfaction" and ctx.customer_satisfaction then
        out.value = ctx.customers:stats(ctx.customer_satisfaction).mean
        out.period = "now"
        ok = "done"
      end
      if ok == true and k.from == "campaigns" and not ctx.campaigns then
        skip(k, "no campaign results"); ok = false
      end
      if ok == true and k.measure == "cost_per_acquisition" and not k.cost and not (ctx.campaigns and cc.spend) then
        skip(k, "no acquisition cost (give 'cost' or campaign results with spend)"); ok = false
      end
    end
    local plan = { k = k, out = out, ok = ok }
    if ok == true and k.from ~= "customers" then
      plan.p = k.period or default_period or k.default_period or { months = 1, label = "month" }
      local key, bounds, o = period_window(sg, ctx, plan.p)
      if not windows[key] then
        windows[key] = { bounds = bounds, at = #list + 1 }
        list[#list + 1] = o
      end
    end
    plans[#plans + 1] = plan
  end
  if #list > 0 then
    local res, batch = ctx.series_list(tx, list)
    for key, w in pairs(windows) do
      local ds = res[w.at][1]
      ctx.figures[key] = { rows = { ds:row(1), ds:row(2) }, bounds = w.bounds }
    end
    first = first or batch.first
  end
  -- a period mostly before the data is not measured: its value would count
  -- customers who did not exist yet in the data
  ctx.first_t = first and split_time(sg, first:sub(1, 10)) or nil
  -- 2. the values
  for _, plan in ipairs(plans) do
    local k, out, ok = plan.k, plan.out, plan.ok
    if plan.p then
      local p = plan.p
      local f = period_figures(sg, ctx, p)
      local b = f.bounds
      out.period = p.label
      out.period_start, out.period_end = fmt_time(sg, b[2]), fmt_time(sg, b[3])
      out.previous_start, out.previous_end = fmt_time(sg, b[1]), fmt_time(sg, b[2])
      if k.from == "campaigns" then
        local cur = campaign_figures(sg, ctx, k, b[2], b[3])
        local prev = campaign_figures(sg, ctx, k, b[1], b[2])
        out.value, out.previous = ratio(cur.responses, cur.contacts), ratio(prev.responses, prev.contacts)
      else
        local cost_cur, cost_prev
        if k.measure == "cost_per_acquisition" then
          if k.cost then
            cost_cur, cost_prev = k.cost.latest, k.cost.previous
          else
            cost_cur = campaign_figures(sg, ctx, k, b[2], b[3]).spend
            cost_prev = campaign_figures(sg, ctx, k, b[1], b[2]).spend
          end
        end
        out.value = period_value(k, f.rows[2], (b[3] - b[2]) / 86400, cost_cur)
        out.previous = period_value(k, f.rows[1], (b[2] - b[1]) / 86400, cost_prev)
        if k.measure == "active_customers" then out.previous = f.rows[2].active_start end
      end
      -- a count or a rate over a period less than 90% covered by the data
      -- is not measured: every customer of the first months would count as
      -- new, and nobody as active at its start (averages are unaffected)
      local function covered(from, to)
        if AVERAGES[k.measure] or not ctx.first_t or from >= ctx.first_t then return true end
        return (to - ctx.first_t) >= 0.9 * (to - from)
      end
      if not covered(b[1], b[2]) then out.previous, out.previous_incomplete = nil, true end
      if not covered(b[2], b[3]) then out.value, out.incomplete = nil, true end
    end
    if ok then
      judge(out)
      result.kpis[#result.kpis + 1] = out
    end
  end
  return result
end

-- The KPI results as a dataset (kpis.csv): one row per KPI.
function M.to_dataset(sg, result)
  local cols = { "kpi", "measure", "unit", "period", "period_start", "period_end", "value", "previous_start",
                 "previous_end", "previous", "change", "change_share", "target", "direction", "status", "trend" }
  local key = { kpi = "name" }
  local types = { value = "double", previous = "double", change = "double", change_share = "double",
                  target = "double" }
  local spec = {}
  for j, c in ipairs(cols) do
    local vals = { n = #result.kpis }
    for i, k in ipairs(result.kpis) do
      local v = k[key[c] or c]
      if types[c] and v ~= nil then v = v + 0.0 end
      vals[i] = v
    end
    spec[j] = { c, vals, types[c] or "string" }
  end
  return sg.dataset(spec)
end

-- shared with kpi_alerts.lua: date text <-> seconds, with the message of kpis
M.time_of = function(sg, text) return split_time(sg, text) end
M.step_back = step_back
M.text_of = fmt_time

return M
