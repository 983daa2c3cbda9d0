-- The run history: an SQLite file each finished run appends to (one
-- transaction), read back for KPI trends, segment sizes and segment
-- migrations.  The database work is in C (core/history*.c, lua/lhistory.c);
-- this module adds the defaults, the migration views and the report that
-- `segmint history` prints.
--
--   local h = assert(sg.history_open(out .. "/history.sqlite", { write = true }))
--   local id = h:append { as_of = "2011-12-10", inputs = {...}, parameters = {...},
--                         kpis = kpi_result, customers = customers }
--   local prev = h:previous(id)
--   local moves = prev and h:moves(prev, id, 5)     -- largest segment changes
local report = require "segmint.report"

local M = {}

-- Columns of the customer table stored per customer, and where they are
-- looked for when `columns` does not name them.
local COLUMN_DEFAULTS = {
  customer = { "customer" },
  segment = { "segment" },
  cluster = { "cluster_name", "cluster" },
  clv = { "predicted_clv", "^clv_%d+m$" },
  churn_probability = { "churn_probability" },
  campaign = { "campaign" },
}
local COLUMN_ROLES = { "customer", "segment", "cluster", "clv", "churn_probability", "campaign" }

local function find_column(ds, candidates)
  local names = ds:columns()
  for _, c in ipairs(candidates) do
    if c:sub(1, 1) == "^" then
      for _, n in ipairs(names) do if n:match(c) then return n end end
    elseif ds:has(c) then
      return c
    end
  end
  return nil
end

-- Strings that hold a connection string with a password are masked,
-- wherever they sit in the parameters.
local function mask_all(sg, v, seen)
  if type(v) == "string" then
    if v:find("=", 1, true) or v:find("://", 1, true) then return sg.mask_secret(v) end
    return v
  end
  if type(v) ~= "table" then return v end
  seen = seen or {}
  if seen[v] then return seen[v] end
  local out = {}
  seen[v] = out
  for k, x in pairs(v) do out[k] = mask_all(sg, x, seen) end
  return out
end

local function install(sg, methods)
  -- h:append(run) -> run id.  run: time ("YYYY-MM-DD HH:MM:SS" UTC, default
  -- now), as_of, label, parameters (a table, stored as JSON with passwords
  -- masked, or JSON text), inputs ({ {path =, sha256 =}, ... }), kpis (the
  -- result of segmint.kpis or a list of KPI rows), segments ({ {segment =,
  -- customers =}, ... }; default: counted from customers), customers (a
  -- dataset) and columns (which of its columns are customer, segment,
  -- cluster, clv, churn_probability, campaign; found by name otherwise),
  -- segment_names ({ [segment] = name shown }: stored with the sizes, so a
  -- run that stores segment ids can be read back with its names) and
  -- figures ({ name = value } or a list of { name =, value = }: the run's
  -- key figures).
  function methods.append(h, run)
    if type(run) ~= "table" then error("history append: expected a table describing the run", 2) end
    local r = {}
    for k, v in pairs(run) do r[k] = v end
    r.time = r.time or os.date("!%Y-%m-%d %H:%M:%S")
    if type(r.parameters) == "table" then r.parameters = sg.json_encode(mask_all(sg, r.parameters)) end
    if type(r.kpis) == "table" and r.kpis.kpis then r.kpis = r.kpis.kpis end
    if r.kpis then
      local rows = {}
      for i, k in ipairs(r.kpis) do
        rows[i] = { name = k.name, measure = k.measure, value = k.value, previous = k.previous,
          target = k.target, unit = k.unit, direction = k.direction, status = k.status,
          period_start = k.period_start, period_end = k.period_end }
      end
      r.kpis = rows
    end
    if r.customers then
      local given = r.columns or {}
      local cols = {}
      for _, role in ipairs(COLUMN_ROLES) do
        if given[role] ~= nil then
          cols[role] = given[role] or nil
        else
          cols[role] = find_column(r.customers, COLUMN_DEFAULTS[role])
        end
      end
      if not cols.customer then
        error("history append: the customer table has no 'customer' column (give columns.customer)", 2)
      end
      r.columns = cols
      if r.segments == nil and cols.segment then
        local counts = r.customers:group_by(cols.segment, { { "customers", "count" } })
          :sort({ "-customers", cols.segment })
        local segs = {}
        for i, row in counts:rows() do
          segs[i] = { segment = row[cols.segment] == nil and "(none)" or tostring(row[cols.segment]),
                      customers = row.customers }
        end
        r.segments = segs
      end
    end
    if r.segments and r.segments.rows then   -- a dataset with segment and customers columns
      local segs = {}
      for i, row in r.segments:rows() do segs[i] = { segment = row.segment, customers = row.customers, name = row.name } end
      r.segments = segs
    end
    if type(r.segment_names) == "table" and r.segments then
      local segs = {}
      for i, sgm in ipairs(r.segments) do
        segs[i] = { segment = sgm.segment, customers = sgm.customers, name = sgm.name or r.segment_names[sgm.segment] }
      end
      r.segments = segs
    end
    r.segment_names = nil
    if type(r.figures) == "table" and r.figures[1] == nil then   -- name -> value
      local list = {}
      for k, v in pairs(r.figures) do list[#list + 1] = { name = k, value = v } end
      table.sort(list, function(a, b) return tostring(a.name) < tostring(b.name) end)
      r.figures = list
    end
    return h:_append(r)
  end

  -- h:trend(name) -> dataset run_id, run_time, value, target, ... of one KPI
  function methods.trend(h, name) return h:kpis(name) end

  -- The sizes of each segment in run `from`, from a migration table.
  local function from_sizes(mig)
    local size = {}
    for _, r in mig:rows() do
      if r.from_segment ~= nil then size[r.from_segment] = (size[r.from_segment] or 0) + r.customers end
    end
    return size
  end

  -- h:moves(from, to [, n]) -> the n (default 5) largest moves between two
  -- different segments: { from =, to =, customers =, share = (of the from
  -- segment) }, largest first; plus .new and .departed totals.
  function methods.moves(h, from, to, n)
    n = n or 5
    local mig = h:migration(from, to)
    local size = from_sizes(mig)
    local list, new, departed = {}, 0, 0
    for _, r in mig:rows() do
      if r.change == "moved" then
        list[#list + 1] = { from = r.from_segment, to = r.to_segment, customers = r.customers,
                            share = r.customers / size[r.from_segment] }
      elseif r.change == "new" then
        new = new + r.customers
      elseif r.change == "departed" then
        departed = departed + r.customers
      end
    end
    table.sort(list, function(a, b)
      if a.customers ~= b.customers then return a.customers > b.customers end
      if a.from ~= b.from then return a.from < b.from end
      return a.to < b.to
    end)
    local out = {}
    for i = 1, math.min(n, #list) do out[i] = list[i] end
    out.new, out.departed = new, departed
    return out
  end

  -- h:migration_matrix(from, to [, order]) -> { segments = {...}, counts =
  -- { [from] = { [to] = n } }, new = { [to] = n }, departed = { [from] = n } }
  -- with segments in `order` (a list of names) first, then the others by name.
  function methods.migration_matrix(h, from, to, order)
    local mig = h:migration(from, to)
    local m = { counts = {}, new = {}, departed = {}, segments = {} }
    local seen = {}
    local function see(s)
      if s ~= nil and not seen[s] then seen[s] = true end
    end
    for _, r in mig:rows() do
      see(r.from_segment)
      see(r.to_segment)
      if r.change == "new" then
        m.new[r.to_segment] = r.customers
      elseif r.change == "departed" then
        m.departed[r.from_segment] = r.customers
      else
        m.counts[r.from_segment] = m.counts[r.from_segment] or {}
        m.counts[r.from_segment][r.to_segment] = r.customers
      end
    end
    local placed = {}
    for _, s in ipairs(order or {}) do
      if seen[s] and not placed[s] then m.segments[#m.segments + 1] = s; placed[s] = true end
    end
    local rest = {}
    for s in pairs(seen) do if not placed[s] then rest[#rest + 1] = s end end
    table.sort(rest)
    for _, s in ipairs(rest) do m.segments[#m.segments + 1] = s end
    return m
  end

  -- h:segment_changes(id) -> { { segment, customers, previous, change }, ... }
  -- for run id against the run before it (previous = nil without one).
  -- name: the name the run showed (the run before's for a segment gone
  -- since; the segment itself when none was stored).
  function methods.segment_changes(h, id)
    local prev = h:previous(id)
    local before, before_name = {}, {}
    if prev then
      for _, r in h:segments(prev):rows() do before[r.segment] = r.customers; before_name[r.segment] = r.name end
    end
    local out = {}
    for i, r in h:segments(id):rows() do
      local p = prev and (before[r.segment] or 0) or nil
      out[i] = { segment = r.segment, name = r.name or before_name[r.segment] or r.segment, customers = r.customers,
        previous = p, change = p and r.customers - p }
      before[r.segment] = nil
    end
    local gone = {}
    for s in pairs(before) do gone[#gone + 1] = s end
    table.sort(gone)
    for _, s in ipairs(gone) do
      out[#out + 1] = { segment = s, name = before_name[s] or s, customers = 0, previous = before[s], change = -before[s] }
    end
    return out, prev
  end

  -- h:segment_names(id) -> { [segment] = name } as run id showed them
  -- (empty for runs stored without names)
  function methods.segment_names(h, id)
    local names = {}
    for _, r in h:segments(id):rows() do
      if r.name ~= nil then names[r.segment] = r.name end
    end
    return names
  end
end

function M.setup(sg, core)
  install(sg, core._history_methods)
  -- sg.history_open(path [, { write = true }]) -> history | nil, message
  return function(path, opts)
    if type(path) ~= "string" then error("history_open: expected a file name", 2) end
    if opts ~= nil and type(opts) ~= "table" then error("history_open: options must be a table", 2) end
    return core._history_open(path, opts and opts.write)
  end
end

-- ---- the `segmint history` report ----

local loc = report.locales.en

-- whole numbers from 100 up, two decimals below
local function fmt_value(v, unit)
  if v == nil then return "-" end
  if unit == "%" then return report.percent(v, loc) end
  if unit == "count" then return report.number(v, 0, loc) end
  local decimals = math.abs(v) >= 100 and 0 or 2
  return report.number(v, decimals, loc)
end

-- the change between the two figures as printed (report.shown_change)
local function fmt_change(v, prev, unit)
  if v == nil or prev == nil then return "" end
  local function digits(x) return unit == "%" and 1 or unit == "count" and 0 or math.abs(x) >= 100 and 0 or 2 end
  local d = report.shown_change(v, prev, digits(v), digits(prev), unit == "%" and 100 or 1)
  local sign = d > 0 and "+" or ""
  if unit == "%" then return sign .. report.number(d * 100, 1, loc) .. " pt" end
  return sign .. report.number(d, math.max(digits(v), digits(prev)), loc)
end

-- Lays out rows of cells as aligned columns (numbers right-aligned).
local function layout(rows, right)
  local width = {}
  for _, r in ipairs(rows) do
    for j, c in ipairs(r) do width[j] = math.max(width[j] or 0, utf8.len(c) or #c) end
  end
  local lines = {}
  for _, r in ipairs(rows) do
    local cells = {}
    for j, c in ipairs(r) do
      local pad = string.rep(" ", width[j] - (utf8.len(c) or #c))
      cells[j] = right[j] and (pad .. c) or (c .. pad)
    end
    lines[#lines + 1] = "  " .. table.concat(cells, "  "):gsub("%s+$", "")
  end
  return table.concat(lines, "\n")
end

local function target_text(k)
  if k.target == nil then return "-" end
  local op = k.direction == "lower" and "<= " or ">= "
  return op .. fmt_value(k.target, k.unit)
end

-- The text `segmint history` prints: runs, KPI trends (the last `width`
-- runs), and the latest run's segment changes and main moves; with
-- opts.kpi, one KPI run by run.  Returns text, or nil, message, exit code.
function M.command(sg, opts)
  local path = opts.history
  local h, err = sg.history_open(path)
  if not h then return nil, err, 3 end
  local runs = h:runs()
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(string.format("Run history %s: %d run%s", path, #runs, #runs == 1 and "" or "s"))
  if #runs == 0 then h:close(); return table.concat(out, "\n") .. "\n" end

  if opts.kpi then
    local t = h:kpis(opts.kpi)
    if #t == 0 then
      local names, seen = {}, {}
      for _, r in h:kpis():rows() do
        if not seen[r.name] then seen[r.name] = true; names[#names + 1] = r.name end
      end
      h:close()
      return nil, string.format("no KPI named '%s' in %s (known: %s)", opts.kpi, path,
        #names > 0 and table.concat(names, ", ") or "none"), 2
    end
    add("")
    add("KPI " .. opts.kpi)
    local rows = { { "run", "time", "value", "target", "status", "change" } }
    local prev
    for _, r in t:rows() do
      rows[#rows + 1] = { tostring(r.run_id), r.run_time, fmt_value(r.value, r.unit), target_text(r),
        r.status or "", fmt_change(r.value, prev, r.unit) }
      prev = r.value
    end
    add(layout(rows, { true, false, true, true, false, true }))
    h:close()
    return table.concat(out, "\n") .. "\n"
  end

  add("")
  local rows = { { "run", "time", "as of", "customers", "inputs", "label" } }
  for _, r in runs:rows() do
    rows[#rows + 1] = { tostring(r.id), r.run_time, r.as_of or "-", report.number(r.customers, 0, loc),
      tostring(r.inputs), r.label or "" }
  end
  add(layout(rows, { true, false, false, true, true, false }))

  -- KPI trends over the last runs
  local width = opts.width or 6
  local ids = {}
  for _, r in runs:rows() do ids[#ids + 1] = r.id end
  local first = math.max(1, #ids - width + 1)
  local shown, col = {}, {}
  for i = first, #ids do shown[#shown + 1] = ids[i]; col[ids[i]] = #shown end
  local kpis, order = {}, {}
  -- one row per measure (a run in French and one in English name the same
  -- measure differently; the latest run's name is shown) where the run has
  -- that measure once, per name otherwise and for KPIs computed from an
  -- expression
  local all = h:kpis()
  local per_run = {}
  for _, r in all:rows() do
    if r.measure then
      local m = per_run[r.run_id] or {}
      per_run[r.run_id] = m
      m[r.measure] = (m[r.measure] or 0) + 1
    end
  end
  for _, r in all:rows() do
    local key = (r.measure and per_run[r.run_id][r.measure] == 1) and ("measure:" .. r.measure) or ("name:" .. r.name)
    local k = kpis[key]
    if not k then
      k = { values = {} }
      kpis[key] = k
      order[#order + 1] = key
    end
    k.name, k.unit, k.target, k.direction, k.status = r.name, r.unit, r.target, r.direction, r.status
    k.values[r.run_id] = r.value
  end
  if #order > 0 then
    add("")
    add(string.format("KPI trends (run %d to %d)", shown[1], shown[#shown]))
    local head = { "KPI", "target" }
    local right = { false, true }
    for _, id in ipairs(shown) do head[#head + 1] = "run " .. id; right[#right + 1] = true end
    head[#head + 1] = "change"; right[#right + 1] = true
    head[#head + 1] = "status"; right[#right + 1] = false
    local rows2 = { head }
    for _, key in ipairs(order) do
      local k = kpis[key]
      local r = { k.name, target_text(k) }
      for _, id in ipairs(shown) do r[#r + 1] = fmt_value(k.values[id], k.unit) end
      local last, before = k.values[shown[#shown]], #shown > 1 and k.values[shown[#shown - 1]] or nil
      r[#r + 1] = fmt_change(last, before, k.unit)
      r[#r + 1] = k.values[shown[#shown]] ~= nil and (k.status or "") or ""
      rows2[#rows2 + 1] = r
    end
    add(layout(rows2, right))
  end

  -- the latest run against the one before
  local latest = ids[#ids]
  local changes, prev = h:segment_changes(latest)
  if #changes > 0 then
    add("")
    add(prev and string.format("Segments: run %d against run %d", latest, prev)
        or string.format("Segments: run %d", latest))
    local rows3 = { { "segment", "customers", "before", "change" } }
    for _, c in ipairs(changes) do
      rows3[#rows3 + 1] = { c.name, report.number(c.customers, 0, loc),
        c.previous and report.number(c.previous, 0, loc) or "-",
        c.change and ((c.change > 0 and "+" or "") .. report.number(c.change, 0, loc)) or "" }
    end
    add(layout(rows3, { false, true, true, true }))
  end
  if prev then
    local moves = h:moves(prev, latest, 5)
    -- by the names each run showed (the segment ids of older histories otherwise)
    local was, now = h:segment_names(prev), h:segment_names(latest)
    add("")
    add(string.format("Main moves since run %d", prev))
    if #moves == 0 then add("  no customer changed segment") end
    for _, m in ipairs(moves) do
      local from, to = was[m.from] or now[m.from] or m.from, now[m.to] or was[m.to] or m.to
      add(string.format("  %s %s became %s (%s of %s)", report.number(m.customers, 0, loc), from, to,
        report.percent(m.share, loc), from))
    end
    add(string.format("  %s new customer%s, %s departed", report.number(moves.new, 0, loc),
      moves.new == 1 and "" or "s", report.number(moves.departed, 0, loc)))
  end
  h:close()
  return table.concat(out, "\n") .. "\n"
end

return M
