-- Step "history": what changed since the previous run of the run history
-- (an SQLite file: <out>/history.sqlite, or --history FILE, or the recipe's
-- `history`; false for none): segment sizes, the segment migration (by
-- segment id, so runs in different languages compare), the main moves and
-- the KPI trends (ctx.res.history).  It only reads; step_record appends
-- this run once every output is written.
--
-- ctx.res.history, when there is a previous run:
--   previous      the last run's figures: run (its id), time, customers, its
--                 key figures by key (customers, revenue, orders, avg_basket,
--                 at_risk, campaign_roi: what report.html's cards show) and
--                 kpis = { { name, value, unit, ... } } under this run's KPI
--                 names
--   kpi_changes   this run's KPIs against the last run: { name, unit, value,
--                 previous, change } (previous nil when the last run lacked it)
--   kpi_history   a dataset: run_date and one column per KPI of this run,
--                 one row per past run and this run last
--   changes, moves, matrix, migration   segment sizes and migration
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.enabled(ctx) return ctx.cfg.history ~= false end

function S.path(ctx)
  if type(ctx.cfg.history) == "string" then return ctx.cfg.history end
  return ctx.sg._history_path or (ctx.out .. "/history.sqlite")
end

-- The migration of customers between the previous run (prev: customer,
-- segment) and now (customer, segment_id), as { from, to, customers, change }.
local function migration(sg, prev, now)
  local a = prev:select { "customer", "segment" }:rename { segment = "from_segment" }
  local b = now:select { "customer", "segment_id" }:rename { segment_id = "to_segment" }
  local both = a:join(b, { on = "customer", how = "left" })
  local rows = {}
  for _, r in both:group_by({ "from_segment", "to_segment" }, { { "customers", "count" } }):rows() do
    rows[#rows + 1] = { from = r.from_segment, to = r.to_segment, customers = r.customers,
      change = r.to_segment == nil and "departed" or (r.from_segment == r.to_segment and "stayed" or "moved") }
  end
  local new = b:join(a, { on = "customer", how = "left" }):filter("is_missing(from_segment)")
  for _, r in new:group_by("to_segment", { { "customers", "count" } }):rows() do
    rows[#rows + 1] = { to = r.to_segment, customers = r.customers, change = "new" }
  end
  return rows
end

-- A stored run's KPI values under this run's KPI names: by name, else by
-- measure when the measure appears once in both (a run in another language).
-- Returns { [current name] = stored row }.
local function match_kpis(ctx, rows)
  local list = type(ctx.res.kpis) == "table" and ctx.res.kpis.kpis or {}
  local by_name, by_measure, measures = {}, {}, {}
  for _, r in ipairs(rows) do
    by_name[r.name] = r
    if r.measure then
      measures[r.measure] = (measures[r.measure] or 0) + 1
      by_measure[r.measure] = r
    end
  end
  local mine = {}
  for _, k in ipairs(list) do if k.measure then mine[k.measure] = (mine[k.measure] or 0) + 1 end end
  local out = {}
  for _, k in ipairs(list) do
    local r = by_name[k.name]
    if not r and k.measure and measures[k.measure] == 1 and mine[k.measure] == 1 then r = by_measure[k.measure] end
    if r then out[k.name] = r end
  end
  return out
end

-- The rows of one stored run's KPIs.
local function stored_kpis(all, id)
  local rows = {}
  for _, r in all:rows() do
    if r.run_id == id then
      rows[#rows + 1] = { name = r.name, measure = r.measure, value = r.value, unit = r.unit, target = r.target,
        direction = r.direction, status = r.status }
    end
  end
  return rows
end

-- The last run's figures (see above).
function S.previous_figures(h, id, ctx)
  local prev = { run = id, kpis = {} }
  for _, r in h:runs():rows() do
    if r.id == id then prev.time, prev.as_of, prev.customers = r.run_time, r.as_of, r.customers end
  end
  for _, r in h:figures(id):rows() do
    if r.value ~= nil then prev[r.name] = r.value end
  end
  local matched = match_kpis(ctx, stored_kpis(h:kpis(), id))
  for _, k in ipairs(type(ctx.res.kpis) == "table" and ctx.res.kpis.kpis or {}) do
    local r = matched[k.name]
    if r and r.value ~= nil then
      prev.kpis[#prev.kpis + 1] = { name = k.name, value = r.value, unit = r.unit, target = r.target,
        status = r.status }
    end
  end
  return prev
end

-- This run's KPIs against the last run's.
function S.kpi_changes(ctx, prev)
  local last = {}
  for _, r in ipairs(prev.kpis) do last[r.name] = r.value end
  local out = {}
  for _, k in ipairs(type(ctx.res.kpis) == "table" and ctx.res.kpis.kpis or {}) do
    local p = last[k.name]
    out[#out + 1] = { name = k.name, unit = k.unit, value = k.value, previous = p,
      change = (p ~= nil and k.value ~= nil) and k.value - p or nil }
  end
  return out
end

-- The KPI series: one row per stored run (by id) and this run last;
-- run_date is the run's scoring date (as_of), else the day it ran.
function S.kpi_history(h, ctx)
  local list = type(ctx.res.kpis) == "table" and ctx.res.kpis.kpis or {}
  if #list == 0 then return nil end
  local all = h:kpis()
  local dates, cols = {}, {}
  for i = 1, #list do cols[i] = {} end
  local n = 0
  for _, run in h:runs():rows() do
    local matched = match_kpis(ctx, stored_kpis(all, run.id))
    if next(matched) then
      n = n + 1
      dates[n] = tostring(run.as_of or run.run_time):sub(1, 10)
      for i, k in ipairs(list) do cols[i][n] = matched[k.name] and matched[k.name].value end
    end
  end
  n = n + 1
  dates[n] = tostring(ctx.res.rfm_info.as_of or ctx.run_time):sub(1, 10)
  for i, k in ipairs(list) do cols[i][n] = k.value end
  dates.n = n
  local spec = { { "run_date", dates, "date" } }
  for i, k in ipairs(list) do
    cols[i].n = n
    spec[#spec + 1] = { k.name, cols[i], "double" }
  end
  return ctx.sg.dataset(spec)
end

function S.run(ctx)
  local sg, res = ctx.sg, ctx.res
  local path = S.path(ctx)
  local f = io.open(path, "rb")
  if not f then
    res.history = { path = path }
    return
  end
  f:close()
  local h = assert(sg.history_open(path))
  local prev = h:previous()
  local hist = { path = path }
  if prev then
    hist.previous = S.previous_figures(h, prev, ctx)
    hist.previous_run, hist.previous_time = prev, hist.previous.time
    hist.kpi_changes = S.kpi_changes(ctx, hist.previous)
    hist.kpi_history = S.kpi_history(h, ctx)
    local rows = migration(sg, h:customers(prev), ctx.customers)
    -- sizes before and now, per segment id
    local before, now = {}, {}
    for _, r in h:segments(prev):rows() do before[r.segment] = r.customers end
    for _, r in ctx.customers:group_by("segment_id", { { "n", "count" } }):rows() do now[r.segment_id] = r.n end
    local order, seen = {}, {}
    for _, n in ipairs(res.segments:names()) do
      local id = ctx.rules.segment_ids[n] or n
      if not seen[id] then seen[id] = true; order[#order + 1] = id end
    end
    for id in pairs(before) do if not seen[id] then seen[id] = true; order[#order + 1] = id end end
    hist.changes = {}
    for _, id in ipairs(order) do
      if before[id] or now[id] then
        hist.changes[#hist.changes + 1] = { segment = id, customers = now[id] or 0, previous = before[id] or 0,
          change = (now[id] or 0) - (before[id] or 0) }
      end
    end
    -- moves between two segments, largest first, and the matrix
    local moves, new, departed = {}, 0, 0
    local counts = {}
    for _, r in ipairs(rows) do
      if r.change == "moved" then
        moves[#moves + 1] = { from = r.from, to = r.to, customers = r.customers,
          share = before[r.from] and before[r.from] > 0 and r.customers / before[r.from] or 0 }
      elseif r.change == "new" then new = new + r.customers
      elseif r.change == "departed" then departed = departed + r.customers end
      if r.from and r.to then
        counts[r.from] = counts[r.from] or {}
        counts[r.from][r.to] = r.customers
      end
    end
    table.sort(moves, function(x, y)
      if x.customers ~= y.customers then return x.customers > y.customers end
      if x.from ~= y.from then return x.from < y.from end
      return x.to < y.to
    end)
    local top = {}
    for i = 1, math.min(5, #moves) do top[i] = moves[i] end
    top.new, top.departed = new, departed
    hist.moves = top
    local present = {}
    for _, id in ipairs(order) do
      if (before[id] or 0) + (now[id] or 0) > 0 then present[#present + 1] = id end
    end
    hist.matrix = { segments = present, counts = counts }
    -- for the report: the migration by names, and the KPI values of each run
    local m = { from = {}, to = {}, customers = {} }
    for _, r in ipairs(rows) do
      if r.from and r.to then
        local i = #m.from + 1
        m.from[i] = ctx.rules.segment_names[r.from] or r.from
        m.to[i] = ctx.rules.segment_names[r.to] or r.to
        m.customers[i] = r.customers
      end
    end
    m.from.n, m.to.n, m.customers.n = #m.from, #m.from, #m.from
    hist.migration = sg.dataset { { "from", m.from, "string" }, { "to", m.to, "string" },
      { "customers", m.customers, "int64" } }
  end
  h:close()
  res.history = hist
end

return S
