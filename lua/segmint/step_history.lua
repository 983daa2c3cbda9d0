-- Step "history": what changed since the previous run of the run history
-- (an SQLite file: <out>/history.sqlite, or --history FILE, or the recipe's
-- `history`; false for none): segment sizes, the segment migration (by
-- segment id, so runs in different languages compare), the main moves and
-- the KPI trends (ctx.res.history).  It only reads; step_record appends
-- this run once every output is written.
local S = {}

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
    hist.previous = prev
    for _, r in h:runs():rows() do if r.id == prev then hist.previous_time = r.run_time end end
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
    hist.kpis = h:kpis()
  end
  h:close()
  res.history = hist
end

return S
