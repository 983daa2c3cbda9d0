-- Campaign measurement and performance (docs/analysis.md, "Measuring campaigns"):
--   results(sg, opts)          treatment against control per campaign and segment
--   performance(sg, ds, opts)  impressions, clicks, CTR, CPC, CPM, conversion rate, CPA, ROAS, ROI
--   ab(sg, ds, opts)           two variants compared with a two-proportion test
-- The per-row work (outcomes in the window, sums by group, ratios) is in C
-- (core/campaign_measure.c, core/campaign_perf.c); this file arranges it.
local campaigns = require "segmint.campaigns"
local report = require "segmint.report"

local M = {}

local function fail(fmt, ...) error(string.format(fmt, ...), 0) end

local function column_type(ds, col)
  return ds:types()[col]
end

local function percent_points(x) return report.number(x * 100, 1) end

-- The targets as a dataset: a dataset as given, or read from a path (an
-- earlier campaign_targets.csv or a generated campaign_assignments.csv)
-- with the customer column read as the transactions' type.
local function load_targets(sg, targets, cust_type)
  if type(targets) ~= "string" then return targets end
  local head, msg = sg.read_csv(targets, { max_rows = 1 })   -- which columns the file has
  if not head then return nil, msg end
  local want = { campaign = "string", segment = "string", group = "string", start = "date" }
  if cust_type == "string" then want.customer, want.customer_id = "string", "string" end
  local types = {}
  for _, c in ipairs(head:columns()) do types[c] = want[c] end
  return sg.read_csv(targets, { types = types })
end

-- segmint.campaign_results{
--   targets = dataset or path,       -- campaign, customer, segment, group (treatment / control)
--   transactions = dataset,          -- purchases covering the campaign windows
--   columns = { customer =, date =, amount = (or quantity = and price =) },   -- of the transactions
--   target_customer = "customer",    -- the targets' customer column (default: customer, else the transactions')
--   window_days = N,                 -- default: the targets' window_days column
--   start = "2024-03-01" or { [campaign] = date },   -- default: the targets' start column
--   amounts = "paid",                -- transaction amounts are what customers paid ("list": before the discount)
--   margin =, discount =, cost_per_contact =, cost_per_order =,  -- when the targets do not carry them
--   confidence = 0.95, power = 0.8,
-- } -> { campaigns = dataset, segments = dataset, outcomes = dataset, warnings = { ... } }
function M.results(sg, opts)
  local core = M.core
  if type(opts) ~= "table" then error("campaign_results: expected a table of options", 2) end
  local tx = opts.transactions
  if type(tx) ~= "userdata" or not tx.columns then
    error("campaign_results: 'transactions' must be a dataset (segmint.read_csv)", 2)
  end
  local cols = opts.columns or {}
  local ccust, cdate = cols.customer, cols.date
  if not ccust or not cdate then
    error("campaign_results: columns.customer and columns.date (of the transactions) are required", 2)
  end
  for _, k in ipairs({ "customer", "date", "amount", "quantity", "price" }) do
    if cols[k] ~= nil and not tx:has(cols[k]) then
      error(string.format("campaign_results: columns.%s: the transactions have no column '%s'", k,
        tostring(cols[k])), 2)
    end
  end
  local amount = cols.amount
  if not amount then
    if not (cols.quantity and cols.price) then
      error("campaign_results: give columns.amount, or columns.quantity and columns.price", 2)
    end
    amount = "_amount"
    tx = tx:derive(amount, string.format("`%s` * `%s`", cols.quantity, cols.price))
  end
  if opts.amounts ~= nil and opts.amounts ~= "paid" and opts.amounts ~= "list" then
    error("campaign_results: amounts must be \"paid\" or \"list\"", 2)
  end
  local paid = (opts.amounts or "paid") == "paid"
  local conf = opts.confidence or campaigns.DEFAULTS.confidence
  local power = opts.power or campaigns.DEFAULTS.power

  local targets, msg = load_targets(sg, opts.targets, column_type(tx, ccust))
  if not targets then return nil, msg end
  if type(targets) ~= "userdata" or not targets.columns then
    error("campaign_results: 'targets' must be a dataset or the path of a campaign_targets.csv", 2)
  end
  local tcust = opts.target_customer or (targets:has("customer") and "customer") or ccust
  for _, c in ipairs({ "campaign", "group", tcust }) do
    if not targets:has(c) then
      fail("campaign_results: the targets have no '%s' column", c)
    end
  end
  for _, r in targets:group_by("group", { { "n", "count" } }):rows() do
    if r.group ~= "treatment" and r.group ~= "control" then
      fail("campaign_results: the targets' group column holds '%s'; expected treatment or control", tostring(r.group))
    end
  end
  if not targets:has("segment") then targets = targets:derive("segment", "'(all)'") end
  -- the window start: the option, else the targets' column
  local start = opts.start
  if type(start) == "string" then
    local t = sg.time(start)
    if not t then fail("campaign_results: start '%s' is not a date YYYY-MM-DD", start) end
    targets = targets:derive("_start", string.format("date('%s')", start:sub(1, 10)))
  elseif type(start) == "table" then
    local names, dates = {}, {}
    for k, v in pairs(start) do
      if type(v) ~= "string" or not sg.time(v) then fail("campaign_results: start['%s'] is not a date", tostring(k)) end
      names[#names + 1] = k
    end
    table.sort(names)
    for i, k in ipairs(names) do dates[i] = start[k]:sub(1, 10) end
    local map = sg.dataset { { "campaign", names, "string" }, { "_start", dates, "date" } }
    targets = targets:join(map, { on = "campaign", how = "left" })
  elseif start == nil then
    if not targets:has("start") then
      fail("campaign_results: give start = 'YYYY-MM-DD' (the first day of the window), a start per campaign, "
        .. "or a 'start' column in the targets")
    end
    local st = column_type(targets, "start")
    if st ~= "datetime" and st ~= "date" then
      fail("campaign_results: the targets' start column must hold dates")
    end
    targets = targets:derive("_start", "start")
  else
    error("campaign_results: start must be a date or a table of dates by campaign", 2)
  end
  local window = opts.window_days
  if window ~= nil and (type(window) ~= "number" or not (window > 0)) then
    error("campaign_results: window_days must be a positive number of days", 2)
  end
  if window == nil and not targets:has("window_days") then
    fail("campaign_results: give window_days (the campaign window in days) or a window_days column in the targets")
  end
  -- (opts._outcomes: the same function computed elsewhere, or nil to compute
  -- it here: step campaign_review's, on the MPI owners)
  local spec = { target_customer = tcust, start = "_start",
    window_days = window, window_column = window == nil and "window_days" or nil,
    customer = ccust, date = cdate, amount = amount }
  local outcomes = opts._outcomes and opts._outcomes(targets, tx, spec) or core._campaign_outcomes(targets, tx, spec)
  local missing_start = outcomes:count_rows("is_missing(responded)")
  local warnings = {}
  if missing_start > 0 then
    warnings[#warnings + 1] = string.format("%d target rows have no start date or window and are left out", missing_start)
  end

  -- the economics of each campaign: the targets' columns, else the options, else the defaults
  local econ = {}
  local have = {}
  for _, c in ipairs(targets:columns()) do have[c] = true end
  local aggs = { { "n", "count" } }
  for _, c in ipairs({ "margin", "discount", "contact_cost", "cost_per_order" }) do
    if have[c] then aggs[#aggs + 1] = { c, "first", c } end
  end
  if have.uplift then aggs[#aggs + 1] = { "planned_uplift", "mean", "uplift" } end
  local tr = targets:filter("group == 'treatment'")
  for _, r in tr:group_by("campaign", aggs):rows() do econ[r.campaign] = r end
  local D = campaigns.DEFAULTS
  local function econ_of(name)
    local e = econ[name] or {}
    return opts.margin or e.margin or D.margin, opts.discount or e.discount or D.discount,
      opts.cost_per_contact or e.contact_cost or D.cost_per_contact, e.planned_uplift,
      opts.cost_per_order or e.cost_per_order or D.cost_per_order
  end
  if not have.margin and not opts.margin then
    warnings[#warnings + 1] = string.format("no margin in the targets or the options: profit uses the default %s",
      report.percent(D.margin, nil, 0))
  end
  -- planned uplift per campaign and segment, for the detectable-effect warning
  local planned_seg = {}
  if have.uplift then
    for _, r in tr:group_by({ "campaign", "segment" }, { { "u", "mean", "uplift" } }):rows() do
      planned_seg[r.campaign .. "\0" .. tostring(r.segment)] = r.u
    end
  end

  local counted = outcomes:filter("not is_missing(responded)")
  local function table_of(keys)
    local by_segment = #keys == 3
    local g = counted:group_by(keys, { { "n", "count" }, { "responders", "sum", "responded" },
      { "revenue", "sum", "window_revenue" } })
    local acc, order = {}, {}
    for _, r in g:rows() do
      local id = r.campaign .. (by_segment and ("\0" .. tostring(r.segment)) or "")
      local a = acc[id]
      if not a then
        a = { campaign = r.campaign, segment = r.segment, n_t = 0, x_t = 0, rev_t = 0, n_c = 0, x_c = 0, rev_c = 0 }
        acc[id] = a
        order[#order + 1] = id
      end
      if r.group == "treatment" then
        a.n_t, a.x_t, a.rev_t = r.n, r.responders, r.revenue
      else
        a.n_c, a.x_c, a.rev_c = r.n, r.responders, r.revenue
      end
    end
    local spec = {}
    local names = { "campaign", "segment", "treatment", "control", "treatment_responders", "control_responders",
      "response_rate_treatment", "response_rate_control", "uplift", "uplift_lower", "uplift_upper", "p_value",
      "significant", "mde", "planned_uplift", "treatment_revenue", "control_revenue", "incremental_revenue",
      "incremental_profit", "contact_cost", "discount_cost", "order_cost", "roi" }
    for _, n in ipairs(names) do spec[n] = {} end
    for k, id in ipairs(order) do
      local a = acc[id]
      local m, d, c, planned, cpo = econ_of(a.campaign)
      if by_segment then planned = planned_seg[a.campaign .. "\0" .. tostring(a.segment)] end
      local t = core._uplift_test(a.n_t, a.x_t, a.n_c, a.x_c, conf, power)
      local list_t = paid and a.rev_t / (1 - d) or a.rev_t
      local paid_t = paid and a.rev_t or (1 - d) * a.rev_t
      local contact = c * a.n_t
      local disc = d * list_t
      -- the offer's cost per purchase (free delivery), once per treated buyer in
      -- the window, as the plan counts it (cost_per_order x the buying probability)
      local order = cpo * a.x_t
      local incr_rev, incr_profit, roi
      if a.n_c > 0 then
        local scale = a.n_t / a.n_c
        incr_rev = paid_t - scale * a.rev_c
        incr_profit = (paid_t - (1 - m) * list_t) - scale * m * a.rev_c - contact - order
        roi = (contact + disc + order) > 0 and incr_profit / (contact + disc + order) or nil
      end
      local v = {
        campaign = a.campaign, segment = a.segment, treatment = a.n_t, control = a.n_c,
        treatment_responders = a.x_t, control_responders = a.x_c, response_rate_treatment = t.rate_t,
        response_rate_control = t.rate_c, uplift = t.uplift, uplift_lower = t.lower, uplift_upper = t.upper,
        p_value = t.p_value, significant = t.p_value and t.p_value < 1 - conf, mde = t.mde,
        planned_uplift = planned, treatment_revenue = a.rev_t, control_revenue = a.rev_c,
        incremental_revenue = incr_rev, incremental_profit = incr_profit, contact_cost = contact,
        discount_cost = disc, order_cost = order, roi = roi,
      }
      for _, n in ipairs(names) do spec[n][k] = v[n] end
      local where = by_segment and string.format("campaign '%s', segment '%s'", a.campaign, tostring(a.segment))
        or string.format("campaign '%s'", a.campaign)
      if a.n_c == 0 or a.n_t == 0 then
        warnings[#warnings + 1] = string.format("%s: no %s group: no uplift can be measured", where,
          a.n_c == 0 and "control" or "treatment")
      elseif planned and t.mde and planned < t.mde then
        warnings[#warnings + 1] = string.format("%s: with %d treated and %d control customers the smallest "
          .. "uplift detectable (%d%% confidence, %d%% power) is %s points; the planned uplift, %s points, is "
          .. "below it, so this result cannot confirm the campaign worked", where, a.n_t, a.n_c,
          math.floor(conf * 100 + 0.5), math.floor(power * 100 + 0.5), percent_points(t.mde), percent_points(planned))
      end
    end
    local types = { campaign = "string", segment = "string", treatment = "int64", control = "int64",
      treatment_responders = "int64", control_responders = "int64", significant = "bool" }
    local list = {}
    for _, n in ipairs(names) do
      if n ~= "segment" or by_segment then
        local vals = spec[n]
        vals.n = #order
        list[#list + 1] = { n, vals, types[n] or "double" }
      end
    end
    return sg.dataset(list)
  end
  return { campaigns = table_of({ "campaign", "group" }), segments = table_of({ "campaign", "segment", "group" }),
    outcomes = outcomes, warnings = warnings }
end

-- segmint.campaign_performance(ds, { by = {...}, impressions =, clicks =, conversions =, spend =,
--   revenue =, margin = 1 }) -> per group, totals (one row: the sums over every row and their ratios)
function M.performance(_, ds, opts)
  if type(opts) ~= "table" then error("campaign_performance: expected a table of options", 2) end
  local map = { impressions = opts.impressions, clicks = opts.clicks, conversions = opts.conversions,
    spend = opts.spend, revenue = opts.revenue, margin = opts.margin }
  for k, v in pairs(opts) do
    if map[k] == nil and k ~= "by" then
      local rules = require "segmint.rules"
      local hint = type(k) == "string" and rules.suggest(k, { "by", "impressions", "clicks", "conversions",
        "spend", "revenue", "margin" })
      error(string.format("campaign_performance: unknown option '%s'%s", tostring(k),
        hint and (" (did you mean '" .. hint .. "'?)") or ""), 2)
    end
    if k ~= "by" and k ~= "margin" and type(v) ~= "string" then
      error(string.format("campaign_performance: option '%s' must be a column name", k), 2)
    end
  end
  local core = M.core
  local by = opts.by
  if by ~= nil and type(by) ~= "string" and (type(by) ~= "table" or #by == 0) then
    error("campaign_performance: 'by' must be a column name or a list of column names", 2)
  end
  local per = by and core._campaign_performance(ds, by, map) or nil
  local totals = core._campaign_performance(ds, nil, map)
  return per or totals, totals
end

-- segmint.campaign_ab(ds, { variant = "variant", a = "A", b = "B",
--   successes = "clicks", trials = "impressions", confidence = 0.95 })
-- -> { a = { trials, successes, rate }, b = {...}, difference (b - a), lower, upper,
--      relative_lift, z, p_value, significant, winner }
function M.ab(_, ds, opts)
  local core = M.core
  if type(opts) ~= "table" then error("campaign_ab: expected a table of options", 2) end
  local v, s, n = opts.variant, opts.successes, opts.trials
  if type(v) ~= "string" or type(s) ~= "string" or type(n) ~= "string" then
    error("campaign_ab: variant, successes and trials (column names) are required", 2)
  end
  if opts.a == nil or opts.b == nil or opts.a == opts.b then
    error("campaign_ab: give the two variants to compare: a = ..., b = ...", 2)
  end
  for _, c in ipairs({ v, s, n }) do
    if not ds:has(c) then error(string.format("campaign_ab: no column '%s'", c), 2) end
  end
  local conf = opts.confidence or campaigns.DEFAULTS.confidence
  local g = ds:group_by(v, { { "successes", "sum", s }, { "trials", "sum", n }, { "ns", "count", s },
    { "nn", "count", n }, { "rows", "count" } })
  local got = {}
  for _, r in g:rows() do
    if r[v] == opts.a then got.a = r elseif r[v] == opts.b then got.b = r end
  end
  local out = {}
  for _, k in ipairs({ "a", "b" }) do
    local r = got[k]
    if not r then fail("campaign_ab: no row has %s = %s", v, tostring(opts[k])) end
    if r.ns < r.rows or r.nn < r.rows then
      fail("campaign_ab: variant %s has missing %s or %s", tostring(opts[k]), s, n)
    end
    if r.successes ~= math.floor(r.successes) or r.trials ~= math.floor(r.trials) or r.successes < 0
       or r.successes > r.trials then
      fail("campaign_ab: variant %s: %s (%s) must be whole counts no greater than %s (%s)", tostring(opts[k]),
        s, tostring(r.successes), n, tostring(r.trials))
    end
    out[k] = { variant = opts[k], trials = r.trials, successes = r.successes,
      rate = r.trials > 0 and r.successes / r.trials or nil }
  end
  local t = core._uplift_test(out.b.trials, out.b.successes, out.a.trials, out.a.successes, conf, opts.power or 0.8)
  out.difference, out.lower, out.upper, out.z, out.p_value = t.uplift, t.lower, t.upper, t.z, t.p_value
  out.relative_lift = (out.a.rate and out.a.rate > 0 and out.b.rate) and out.b.rate / out.a.rate - 1 or nil
  out.significant = t.p_value ~= nil and t.p_value < 1 - conf
  out.winner = out.significant and (t.uplift > 0 and out.b.variant or out.a.variant) or nil
  return out
end

return M
