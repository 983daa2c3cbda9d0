-- The blocks of report.html (see html.lua): each builder turns a block
-- description into static HTML (text, KPI cards, tables, heatmaps) or into
-- a chart spec that the page's script hands to Chart.js (bar, line,
-- scatter, histogram).  Data come from a dataset or a plain Lua table;
-- only aggregates and samples reach the page, never every row of a large
-- dataset.
local report = require "segmint.report"
local rules = require "segmint.rules"

local M = {}

-- ---- small helpers ----

local function esc(s)
  return (tostring(s):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&#39;" }))
end
M.esc = esc

-- a value rounded to `digits` significant digits (keeps the page small)
local function sig(x, digits)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x end
  return tonumber(string.format("%." .. (digits - 1) .. "e", x))
end

local function fail(env, fmt, ...)
  error(env.where .. string.format(fmt, ...), 0)
end

local function is_dataset(v)
  if type(v) ~= "userdata" then return false end
  local ok, f = pcall(function() return v.column end)
  return ok and type(f) == "function"
end
M.is_dataset = is_dataset

local function lua_type(values, n)
  local t
  for i = 1, n do
    local v = values[i]
    if v ~= nil then
      local vt = math.type(v) == "integer" and "int64" or type(v) == "number" and "double"
        or type(v) == "boolean" and "bool" or "string"
      if t == nil or t == vt then t = vt
      elseif (t == "int64" and vt == "double") or (t == "double" and vt == "int64") then t = "double"
      else t = "string" end
    end
  end
  return t or "string"
end

-- A uniform view of the data of a block: a dataset, a list of row tables,
-- or a table of columns ({ name = { values } }).
-- frame.n, frame.names, frame:col(name) -> values (1..n, nil for missing),
-- frame:type(name) -> "int64" | "double" | "string" | "date" | "datetime" | "bool"
local Frame = {}
Frame.__index = Frame

function Frame:check(name, role)
  if type(name) ~= "string" then fail(self.env, "'%s' must be a column name", role) end
  if not self.has[name] then
    local hint = rules.suggest(name, self.names)
    fail(self.env, "no column '%s' (%s) in the data%s; columns: %s", name, role,
      hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(self.names, ", "))
  end
  return name
end

function Frame:col(name)
  if not self.cache[name] then
    if self.ds then
      self.cache[name] = self.ds:column(name)
    elseif self.rows then
      local v = {}
      for i = 1, self.n do v[i] = self.rows[i][name] end
      self.cache[name] = v
    else
      self.cache[name] = self.cols[name]
    end
  end
  return self.cache[name]
end

function Frame:get(i, name)
  if self.ds then return self.ds:get(i, name) end
  return self:col(name)[i]
end

function Frame:type(name)
  if self.types[name] == nil then self.types[name] = lua_type(self:col(name), self.n) end
  return self.types[name]
end

function Frame:numeric(name)
  local t = self:type(name)
  return t == "int64" or t == "double"
end

local function frame(data, env)
  local f = setmetatable({ cache = {}, env = env, has = {} }, Frame)
  if is_dataset(data) then
    f.ds, f.n, f.names, f.types = data, #data, data:columns(), data:types()
  elseif type(data) == "table" then
    if data[1] ~= nil or next(data) == nil then          -- rows
      f.rows, f.n, f.names, f.types = data, #data, {}, {}
      local seen = {}
      for i, r in ipairs(data) do
        if type(r) ~= "table" then fail(env, "data row %d is a %s, not a table", i, type(r)) end
        for k in pairs(r) do
          if type(k) == "string" and not seen[k] then seen[k] = true; f.names[#f.names + 1] = k end
        end
      end
      table.sort(f.names)
    else                                                  -- columns
      f.cols, f.names, f.types, f.n = data, {}, {}, nil
      for k, v in pairs(data) do
        if type(k) ~= "string" or type(v) ~= "table" then
          fail(env, "data must be a dataset, a list of rows or a table of columns")
        end
        f.names[#f.names + 1] = k
        local n = v.n or #v
        if f.n and f.n ~= n then fail(env, "data column '%s' has %d values, others %d", k, n, f.n) end
        f.n = n
      end
      table.sort(f.names)
    end
  else
    fail(env, "data must be a dataset, a list of rows or a table of columns, got %s", type(data))
  end
  for _, n in ipairs(f.names) do f.has[n] = true end
  return f
end
M.frame = frame

local function names_of(v, what, env)
  if v == nil then return nil end
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" or #v == 0 then fail(env, "'%s' must be a column name or a list of them", what) end
  return v
end

local function label_of(b, col)
  if b.labels and b.labels[col] then return b.labels[col] end
  return (col:gsub("_", " "))
end

-- Text of one value in the page's language.  fmt: "number", "integer",
-- "money", "percent", "date", "month", "text" (nil: from the value).
local function format_value(v, f, decimals, env)
  if v == nil or v ~= v then return "" end
  if type(v) == "boolean" then return v and env.strings.yes or env.strings.no end
  if type(v) ~= "number" and f ~= "date" and f ~= "month" and f ~= "long_date" then return tostring(v) end
  if f == "money" then return report.money(v, env.currency, env.loc, decimals) end
  if f == "percent" then return report.percent(v, env.loc, decimals) end
  if f == "date" or f == "month" or f == "long_date" then return report.date(v, env.loc, f) end
  if f == "integer" then return report.number(v, 0, env.loc) end
  if f == "number" or (f == nil and type(v) == "number") then
    if decimals == nil then decimals = (math.type(v) == "integer" or v == math.floor(v)) and 0 or 2 end
    return report.number(v, decimals, env.loc)
  end
  return tostring(v)
end
M.format_value = format_value

local FORMATS = { number = true, integer = true, money = true, percent = true, date = true, month = true,
  long_date = true, text = true }

local function check_format(f, what, env)
  if f ~= nil and not FORMATS[f] then
    fail(env, "'%s' must be one of number, integer, money, percent, date, month, long_date, text; got '%s'",
      what, tostring(f))
  end
  return f
end

-- format of a column when the block does not say
local function auto_format(fr, col)
  local t = fr:type(col)
  if t == "date" or t == "datetime" then return "date" end
  if t == "int64" then return "integer" end
  if t == "double" then return "number" end
  return nil
end

-- ---- static blocks ----

-- A paragraph text with a little Markdown: blank lines separate
-- paragraphs, "- " starts a list item, "### " a heading, **bold**,
-- *emphasis* and `code`.  Everything is escaped first.
local function inline(s)
  s = esc(s)
  s = s:gsub("%*%*(.-)%*%*", "<strong>%1</strong>")
  s = s:gsub("%*([^%*]+)%*", "<em>%1</em>")
  s = s:gsub("`([^`]+)`", "<code>%1</code>")
  return s
end

function M.text(b, env)
  if type(b.text) ~= "string" then fail(env, "'text' must be a string") end
  local out = {}
  for para in (b.text:gsub("\r\n", "\n") .. "\n\n"):gmatch("(.-)\n%s*\n") do
    para = para:gsub("^%s+", ""):gsub("%s+$", "")
    if para ~= "" then
      if para:match("^%- ") then
        local items = {}
        for item in ("\n" .. para):gmatch("\n%- ([^\n]*)") do items[#items + 1] = "<li>" .. inline(item) .. "</li>" end
        out[#out + 1] = "<ul>" .. table.concat(items) .. "</ul>"
      elseif para:match("^#+ ") then
        out[#out + 1] = "<h3>" .. inline(para:gsub("^#+ ", "")) .. "</h3>"
      else
        out[#out + 1] = "<p>" .. inline(para) .. "</p>"
      end
    end
  end
  return { html = table.concat(out, "\n") }
end

-- KPI cards: items = { { label, value, format, decimals, target, previous,
-- change, better = "higher" | "lower", status = "good" | "warn" | "bad", note,
-- since (the words after the change; default "since the last run") } }
function M.kpis(b, env)
  if type(b.items) ~= "table" then fail(env, "'items' must be a list of indicators") end
  local s = env.strings
  local cards = {}
  for i, it in ipairs(b.items) do
    if type(it) ~= "table" or type(it.label) ~= "string" then
      fail(env, "item %d needs a 'label' (text)", i)
    end
    local f = check_format(it.format, "items[" .. i .. "].format", env)
    local value = it.value
    local text = type(value) == "number" and format_value(value, f, it.decimals, env) or tostring(value or "n/a")
    local change, points = it.change, nil
    if change == nil and type(it.previous) == "number" and type(value) == "number" then
      -- a rate changes by points (60% -> 62%: +2.0 pt), anything else by a share of its
      -- previous size (-100 -> -50: +50%; in points, between the figures as shown, so 18.2% ->
      -- 18.7% is +0.5 pt)
      if f == "percent" then
        local d = it.decimals or 1
        points = report.shown_change(value, it.previous, d, d, 100)
      else change = report.change_share(value, it.previous) end
    end
    local status = it.status
    if status ~= nil and status ~= "good" and status ~= "warn" and status ~= "bad" then
      fail(env, "item %d ('%s'): status must be \"good\", \"warn\" or \"bad\"", i, it.label)
    end
    local better = it.better or "higher"
    if better ~= "higher" and better ~= "lower" then
      fail(env, "item %d ('%s'): better must be \"higher\" or \"lower\"", i, it.label)
    end
    if status == nil and type(it.target) == "number" and type(value) == "number" then
      local ratio = it.target ~= 0 and value / it.target or (value >= 0 and 1 or 0)
      local met = better == "higher" and value >= it.target or better == "lower" and value <= it.target
      local near = better == "higher" and ratio >= 0.9 or better == "lower" and ratio <= 1.1
      status = met and "good" or near and "warn" or "bad"
    end
    local parts = { string.format('<div class="kpi%s"><div class="kpi-label">%s</div><div class="kpi-value">%s</div>',
      status and (" " .. status) or "", esc(it.label), esc(text)) }
    if it.target ~= nil then
      local tt = type(it.target) == "number" and format_value(it.target, f, it.decimals, env) or tostring(it.target)
      parts[#parts + 1] = string.format('<div class="kpi-target">%s %s</div>', esc(s.target), esc(tt))
    end
    if it.since ~= nil and type(it.since) ~= "string" then fail(env, "item %d ('%s'): since must be a text", i, it.label) end
    local delta = points or change
    if type(delta) == "number" then
      local up = delta > 0
      local good = (up and better == "higher") or (not up and better == "lower")
      local sign = delta > 0 and "+" or ""
      local amount = points and report.unit(report.number(points * 100, it.decimals or 1, env.loc), s.points, env.loc)
        or report.percent(change, env.loc)
      parts[#parts + 1] = string.format('<div class="kpi-change %s">%s %s%s %s</div>',
        delta == 0 and "flat" or good and "up" or "down", delta > 0 and "&#9650;" or delta < 0 and "&#9660;" or "&#9654;",
        sign, esc(amount), esc(it.since or s.since_last))
    end
    if status then
      parts[#parts + 1] = string.format('<div class="kpi-status">%s</div>', esc(s.status[status]))
    end
    if it.note then parts[#parts + 1] = string.format('<div class="kpi-note">%s</div>', esc(it.note)) end
    cards[#cards + 1] = table.concat(parts) .. "</div>"
  end
  return { html = '<div class="kpis">' .. table.concat(cards) .. "</div>" }
end

-- column specs of a table block: "name" or { "name", label =, format =, decimals = }
local function table_columns(b, fr, env)
  local specs = {}
  for i, c in ipairs(b.columns or fr.names) do
    local name, spec = c, {}
    if type(c) == "table" then name, spec = c[1] or c.name, c end
    fr:check(name, "columns[" .. i .. "]")
    local f = check_format(spec.format or (b.formats or {})[name], "format of " .. name, env) or auto_format(fr, name)
    specs[i] = { name = name, label = spec.label or label_of(b, name), format = f, decimals = spec.decimals,
      numeric = f == "number" or f == "integer" or f == "money" or f == "percent" }
  end
  return specs
end

-- A table: the first max_rows (default 50) rows, formatted for the language.
function M.table(b, env)
  local fr = frame(b.data, env)
  local cols = table_columns(b, fr, env)
  local max = b.max_rows or 50
  local shown = math.min(fr.n, max)
  local out = { '<div class="table-wrap"><table><thead><tr>' }
  for _, c in ipairs(cols) do
    out[#out + 1] = string.format('<th%s>%s</th>', c.numeric and ' class="num"' or "", esc(c.label))
  end
  out[#out + 1] = "</tr></thead><tbody>"
  for i = 1, shown do
    out[#out + 1] = "<tr>"
    for _, c in ipairs(cols) do
      out[#out + 1] = string.format('<td%s>%s</td>', c.numeric and ' class="num"' or "",
        esc(format_value(fr:get(i, c.name), c.format, c.decimals, env)))
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
  if fr.n == 0 then out[#out + 1] = '<p class="note">' .. esc(env.strings.no_data) .. "</p>" end
  if shown < fr.n then
    out[#out + 1] = '<p class="note">' .. esc(report.render(env.strings.rows_shown, {
      shown = report.number(shown, 0, env.loc), total = report.number(fr.n, 0, env.loc) })) .. "</p>"
  end
  return { html = table.concat(out) }
end

-- distinct values of a column in order of appearance (or sorted)
local function distinct(values, n, order)
  local seen, list = {}, {}
  for i = 1, n do
    local v = values[i]
    if v ~= nil and not seen[v] then seen[v] = true; list[#list + 1] = v end
  end
  if order == "asc" or order == "desc" then
    table.sort(list, function(a, b)
      if type(a) ~= type(b) then return tostring(a) < tostring(b) end
      return a < b
    end)
    if order == "desc" then
      for i = 1, #list // 2 do list[i], list[#list + 1 - i] = list[#list + 1 - i], list[i] end
    end
  end
  return list
end

-- A heatmap as a coloured table: one cell per (x, y), coloured by value
-- (light to dark); `agg` ("mean", "sum", "count", ...) groups raw rows
-- first (in C), otherwise the data hold one row per cell.
function M.heatmap(b, env)
  local data = b.data
  local x, y, v = b.x, b.y, b.value
  local fr = frame(data, env)
  fr:check(x, "x"); fr:check(y, "y")
  if b.agg then
    if not fr.ds then fail(env, "'agg' needs a dataset") end
    if b.agg ~= "count" then fr:check(v, "value") end
    local spec = b.agg == "count" and { "value", "count" } or { "value", b.agg, v }
    data = fr.ds:group_by({ x, y }, { spec })
    v = "value"
    fr = frame(data, env)
  else
    fr:check(v, "value")
  end
  if not fr:numeric(v) then fail(env, "the value column '%s' must be numeric", v) end
  local xs, ys, vs = fr:col(x), fr:col(y), fr:col(v)
  local xl = distinct(xs, fr.n, b.x_order or "asc")
  local yl = distinct(ys, fr.n, b.y_order or "desc")
  if #xl * #yl > 2500 then fail(env, "%d x %d cells: a heatmap holds at most 2,500", #xl, #yl) end
  local cell, lo, hi = {}, math.huge, -math.huge
  for i = 1, fr.n do
    if xs[i] ~= nil and ys[i] ~= nil then
      local key = tostring(xs[i]) .. "\0" .. tostring(ys[i])
      if cell[key] ~= nil then
        fail(env, "two rows for the cell (%s, %s): aggregate first or give agg", tostring(xs[i]), tostring(ys[i]))
      end
      local val = vs[i]
      cell[key] = val == nil and false or val
      if val ~= nil and val == val then lo, hi = math.min(lo, val), math.max(hi, val) end
    end
  end
  local f = check_format(b.format, "format", env)
  local xf, yf = check_format(b.x_format, "x_format", env), check_format(b.y_format, "y_format", env)
  local out = { '<div class="table-wrap"><table class="heatmap"><thead><tr><th class="corner">',
    esc(b.y_title or label_of(b, y)), " \\ ", esc(b.x_title or label_of(b, x)), "</th>" }
  for _, xv in ipairs(xl) do out[#out + 1] = "<th>" .. esc(format_value(xv, xf, nil, env)) .. "</th>" end
  out[#out + 1] = "</tr></thead><tbody>"
  -- light (#f1f7fd) to dark blue (#08306b)
  local c0, c1 = { 241, 247, 253 }, { 8, 48, 107 }
  for _, yv in ipairs(yl) do
    out[#out + 1] = "<tr><th>" .. esc(format_value(yv, yf, nil, env)) .. "</th>"
    for _, xv in ipairs(xl) do
      local val = cell[tostring(xv) .. "\0" .. tostring(yv)]
      if val == nil or val == false or val ~= val then
        out[#out + 1] = '<td class="empty"></td>'
      else
        local t = hi > lo and (val - lo) / (hi - lo) or 0.5
        local rgb = {}
        for k = 1, 3 do rgb[k] = math.floor(c0[k] + (c1[k] - c0[k]) * t + 0.5) end
        out[#out + 1] = string.format('<td style="background:#%02x%02x%02x;color:%s">%s</td>', rgb[1], rgb[2], rgb[3],
          t > 0.5 and "#fff" or "#1b1b1b", esc(format_value(val, f, b.decimals, env)))
      end
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
  if hi >= lo then
    out[#out + 1] = string.format('<p class="legend-scale"><span>%s</span><span class="scale"></span><span>%s</span></p>',
      esc(format_value(lo, f, b.decimals, env)), esc(format_value(hi, f, b.decimals, env)))
  end
  return { html = table.concat(out) }
end

-- ---- charts: specs for the page's script ----

-- value-axis format of a chart: { format =, decimals = } as the script reads it
local function axis_format(f, decimals)
  return { format = f or "number", decimals = decimals }
end

-- Axis titles: the block's, else, on line and scatter charts, the labels
-- the block gives its x column and its one y column (the layouts' words).
local function chart_common(b, env)
  local named = (b.type == "line" or b.type == "scatter") and type(b.labels) == "table" and b.labels or {}
  local x_title = b.x_title or (type(b.x) == "string" and named[b.x] or nil)
  local y_title = b.y_title or (type(b.y) == "string" and named[b.y] or nil)
  return { title = b.title, x_title = x_title, y_title = y_title, y2_title = b.y2_title,
    legend = b.legend, height = b.height }
end

local function number_or_false(v, digits)
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then return false end
  return digits and sig(v, digits) or v
end

-- Bar charts: x = category column; y = one column or a list (one series
-- each); or series = a column of a long table (x, series, y) pivoted into
-- one series per value.  stacked, horizontal, colors = "category" (one
-- colour per bar), format / decimals of the values.
function M.bar(b, env)
  local fr = frame(b.data, env)
  local x = fr:check(b.x, "x")
  local ys = names_of(b.y, "y", env) or fail(env, "'y' (the value column or columns) is required")
  for i, y in ipairs(ys) do
    fr:check(y, "y[" .. i .. "]")
    if not fr:numeric(y) then fail(env, "the value column '%s' must be numeric", y) end
  end
  local xf = check_format(b.x_format, "x_format", env) or (auto_format(fr, x) == "date" and "date" or nil)
  local max = b.max_categories or 60
  local xs = fr:col(x)
  local spec = chart_common(b, env)
  spec.type, spec.stacked, spec.horizontal = "bar", b.stacked and true or false, b.horizontal and true or false
  spec.value = axis_format(check_format(b.format, "format", env), b.decimals)
  spec.color_by_category = b.colors == "category"
  spec.series = {}
  local cats
  if b.series then
    if #ys ~= 1 then fail(env, "with 'series', 'y' is one column") end
    local sc = fr:check(b.series, "series")
    local ss = fr:col(sc)
    cats = distinct(xs, fr.n, b.order)
    local names = distinct(ss, fr.n, b.series_order)
    if #names > 24 then fail(env, "%d series: at most 24", #names) end
    local idx, sidx = {}, {}
    for i, c in ipairs(cats) do idx[c] = i end
    for i, s in ipairs(names) do
      sidx[s] = i
      local vals = {}
      for k = 1, #cats do vals[k] = false end
      spec.series[i] = { name = format_value(s, nil, nil, env), values = vals }
    end
    local yv = fr:col(ys[1])
    for i = 1, fr.n do
      if xs[i] ~= nil and ss[i] ~= nil then
        local vals = spec.series[sidx[ss[i]]].values
        local cur = vals[idx[xs[i]]]
        vals[idx[xs[i]]] = number_or_false((cur or 0) + (yv[i] or 0))
      end
    end
  else
    if b.order then
      cats = distinct(xs, fr.n, b.order)
    else
      cats = {}
      for i = 1, fr.n do cats[i] = xs[i] end
    end
    local pos = {}
    for i = 1, fr.n do pos[xs[i] == nil and "" or xs[i]] = pos[xs[i] == nil and "" or xs[i]] or i end
    for j, y in ipairs(ys) do
      local yv, vals = fr:col(y), {}
      for k, c in ipairs(cats) do vals[k] = number_or_false(yv[b.order and pos[c] or k]) end
      spec.series[j] = { name = label_of(b, y), values = vals }
    end
  end
  if #cats > max then
    fail(env, "%s categories: at most %d in a bar chart (aggregate first, or raise max_categories)",
      report.number(#cats, 0, env.loc), max)
  end
  spec.labels = {}
  for i, c in ipairs(cats) do spec.labels[i] = c == nil and "" or format_value(c, xf, nil, env) end
  return { chart = spec }
end

-- Evenly spaced indices 1..n keeping at most max (first and last kept).
local function thin(n, max)
  local idx = {}
  if n <= max then
    for i = 1, n do idx[i] = i end
    return idx
  end
  for k = 0, max - 1 do idx[k + 1] = 1 + math.floor(k * (n - 1) / (max - 1) + 0.5) end
  return idx
end

-- Line charts: x numeric (a linear axis) or categories (text, dates);
-- y = one or more series on the left axis, y2 = series on the right axis
-- (format2 / decimals2); mark = { x =, label = } marks one x (a chosen k);
-- diagonal = true draws y = x (calibration, ROC); max_points (2,000)
-- thins long series evenly.
function M.line(b, env)
  local fr = frame(b.data, env)
  local x = fr:check(b.x, "x")
  local ys = names_of(b.y, "y", env) or fail(env, "'y' (the value column or columns) is required")
  local y2 = names_of(b.y2, "y2", env) or {}
  local spec = chart_common(b, env)
  spec.type = "line"
  spec.value = axis_format(check_format(b.format, "format", env), b.decimals)
  spec.value2 = #y2 > 0 and axis_format(check_format(b.format2, "format2", env), b.decimals2) or nil
  local numeric_x = fr:numeric(x) and b.x_format == nil
  spec.x_linear = numeric_x
  spec.x_value = numeric_x and axis_format(check_format(b.x_value_format, "x_value_format", env), b.x_decimals) or nil
  local idx = thin(fr.n, b.max_points or 2000)
  local xs = fr:col(x)
  if not numeric_x then
    local xf = check_format(b.x_format, "x_format", env) or (auto_format(fr, x) == "date" and "date" or nil)
    spec.labels = {}
    for k, i in ipairs(idx) do spec.labels[k] = format_value(xs[i], xf, nil, env) end
  else
    spec.x = {}
    local integral = true
    for k, i in ipairs(idx) do
      spec.x[k] = number_or_false(xs[i], 6)
      if spec.x[k] and spec.x[k] ~= math.floor(spec.x[k]) then integral = false end
    end
    spec.x_integer = integral or nil
  end
  spec.series = {}
  local function add(cols, axis)
    for _, y in ipairs(cols) do
      fr:check(y, axis)
      if not fr:numeric(y) then fail(env, "the value column '%s' must be numeric", y) end
      local yv, vals = fr:col(y), {}
      for k, i in ipairs(idx) do vals[k] = number_or_false(yv[i], 6) end
      spec.series[#spec.series + 1] = { name = label_of(b, y), values = vals, axis = axis }
    end
  end
  add(ys, "y")
  add(y2, "y2")
  if b.mark ~= nil then
    if type(b.mark) ~= "table" or b.mark.x == nil then fail(env, "'mark' must be { x = value, label = text }") end
    local mx = b.mark.x
    if not numeric_x then mx = format_value(mx, b.x_format, nil, env) end
    spec.mark = { x = mx, label = b.mark.label or tostring(b.mark.x) }
  end
  spec.diagonal = b.diagonal and true or nil
  spec.area = b.area and true or nil
  if fr.n > #idx then spec.thinned = { shown = #idx, total = fr.n } end
  return { chart = spec }
end

-- splitmix64: a small seeded generator, the same on every platform
local function rng(seed)
  local s = math.tointeger(seed) or 42
  return function(m)   -- uniform integer in 1..m
    s = s + 0x9E3779B97F4A7C15
    local z = s
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    z = z ~ (z >> 31)
    return (z >> 1) % m + 1
  end
end

-- k distinct row numbers of 1..n, in increasing order (Floyd's algorithm)
local function sample_rows(n, k, seed)
  local idx = {}
  if k >= n then
    for i = 1, n do idx[i] = i end
    return idx
  end
  local rand, chosen = rng(seed), {}
  for j = n - k + 1, n do
    local t = rand(j)
    if chosen[t] then chosen[j] = true else chosen[t] = true end
  end
  for i in pairs(chosen) do idx[#idx + 1] = i end
  table.sort(idx)
  return idx
end
M.sample_rows = sample_rows

-- Scatter plots: x, y numeric; group = a column colouring the points (at
-- most 12 groups, the rest as "other"); a seeded random sample of at most
-- max_points (5,000) rows; diagonal = true draws y = x; x_min, y_min fix
-- where an axis starts (else Chart.js chooses).
function M.scatter(b, env)
  local fr = frame(b.data, env)
  local x, y = fr:check(b.x, "x"), fr:check(b.y, "y")
  for _, c in ipairs { x, y } do
    if not fr:numeric(c) then fail(env, "the column '%s' must be numeric", c) end
  end
  local g = b.group and fr:check(b.group, "group")
  local max = b.max_points or 5000
  local idx = sample_rows(fr.n, max, b.seed or env.seed)
  local spec = chart_common(b, env)
  spec.type = "scatter"
  spec.value = axis_format(check_format(b.format, "format", env), b.decimals)
  spec.x_value = axis_format(check_format(b.x_value_format, "x_value_format", env), b.x_decimals)
  spec.diagonal = b.diagonal and true or nil
  spec.x_min = type(b.x_min) == "number" and b.x_min or nil
  spec.y_min = type(b.y_min) == "number" and b.y_min or nil
  spec.series = {}
  local groups, order = {}, {}
  local function group_of(gv)
    local key = gv == nil and "" or gv
    if groups[key] then return groups[key] end
    if #order >= 12 then key = "\0other" end
    if not groups[key] then
      local name = key == "\0other" and env.strings.other or format_value(gv, nil, nil, env)
      groups[key] = { name = name, points = {}, key = gv }
      order[#order + 1] = groups[key]
    end
    return groups[key]
  end
  local digits = b.digits or 4
  local shown = 0
  for _, i in ipairs(idx) do
    local xv, yv = fr:get(i, x), fr:get(i, y)
    if type(xv) == "number" and type(yv) == "number" and xv == xv and yv == yv then
      local grp = group_of(g and fr:get(i, g) or "")
      local p = grp.points
      p[#p + 1] = sig(xv, digits)
      p[#p + 1] = sig(yv, digits)
      shown = shown + 1
    end
  end
  if g and (b.group_order or "asc") ~= "appearance" then
    table.sort(order, function(p, q)
      if p.key == nil or type(p.key) ~= type(q.key) then return tostring(p.name) < tostring(q.name) end
      return p.key < q.key
    end)
  end
  for i, grp in ipairs(order) do spec.series[i] = { name = g and grp.name or label_of(b, y), points = grp.points } end
  spec.legend = b.legend ~= nil and b.legend or g ~= nil
  if fr.n > #idx then spec.sampled = { shown = shown, total = fr.n } end
  return { chart = spec }
end

-- a "nice" bin width near w: 1, 2, 2.5 or 5 times a power of ten
local function nice(w)
  if w <= 0 then return 1 end
  local p = 10 ^ math.floor(math.log(w, 10))
  for _, m in ipairs { 1, 2, 2.5, 5, 10 } do
    if w <= m * p * (1 + 1e-9) then return m * p end
  end
  return 10 * p
end

local function quote_col(c)
  if c:match("^[%a_][%w_]*$") then return c end
  return "`" .. c .. "`"
end

-- Histograms of a numeric column, binned in C (filter, derive and group_by
-- over the whole column): bins (20), min (the lowest edge: the data's
-- minimum), clip = an upper quantile (0.99: values above go to the last
-- bin, labelled "x and above"), format of the bin edges.
function M.histogram(b, env)
  local data = b.data
  local col = b.column or b.x
  local q = nil
  if is_dataset(data) then
    local fr = frame(data, env)
    fr:check(col, "column")
    if not fr:numeric(col) then fail(env, "the column '%s' must be numeric", col) end
  else
    -- a plain table: make a dataset of the one column (for the C path)
    local fr = frame(data, env)
    fr:check(col, "column")
    local vals = fr:col(col)
    local copy = { n = fr.n }
    for i = 1, fr.n do copy[i] = vals[i] end
    data = env.sg.dataset { { col, copy, "double" } }
  end
  q = quote_col(col)
  local valid = data:filter(string.format("not is_missing(%s)", q))
  local spec = chart_common(b, env)
  spec.type = "histogram"
  spec.value = axis_format("integer")
  spec.labels, spec.series = {}, { { name = b.y_label or env.strings.count, values = {} } }
  if #valid == 0 then
    spec.empty = true
    return { chart = spec }
  end
  local st = valid:stats(col)
  local lo = b.min or st.min
  local hi = st.max
  local clipped = false
  if b.clip then
    if type(b.clip) ~= "number" or b.clip <= 0 or b.clip > 1 then fail(env, "'clip' must be a quantile in (0, 1]") end
    local qv = valid:quantile(col, b.clip)
    if qv < hi then hi, clipped = qv, true end
  end
  if b.max then
    if b.max < hi then clipped = true end
    hi = b.max
  end
  local bins = math.tointeger(b.bins or 20)
  if not bins or bins < 1 or bins > 200 then fail(env, "'bins' must be a whole number from 1 to 200") end
  local w = nice((hi - lo) / bins)
  if hi <= lo then w = 1 end
  lo = math.floor(lo / w) * w
  -- bins [lo, lo + w), ...; the last one also holds its upper edge (the
  -- maximum) and, when clipped, everything above
  local nb = math.max(1, math.ceil((hi - lo) / w - 1e-9))
  local binned = valid:derive("_bin", string.format("max(0, min(%d, floor((%s - %.17g) / %.17g)))", nb - 1, q, lo, w))
  local counts = binned:group_by("_bin", { { "n", "count" } })
  local vals = spec.series[1].values
  for k = 1, nb do vals[k] = 0 end
  for _, r in counts:rows() do vals[math.tointeger(r._bin) + 1] = r.n end
  local f = check_format(b.format, "format", env)
  local dec = b.decimals
  if dec == nil then dec = (w >= 1 or f == "percent") and 0 or math.min(6, math.ceil(-math.log(w, 10))) end
  if f == "percent" and w * 100 < 1 then dec = math.min(6, math.ceil(-math.log(w * 100, 10))) end
  for k = 1, nb do
    local a, z = lo + (k - 1) * w, lo + k * w
    if k == nb and clipped then
      spec.labels[k] = report.render(env.strings.and_above, { value = format_value(a, f, dec, env) })
    else
      spec.labels[k] = format_value(a, f, dec, env) .. " – " .. format_value(z, f, dec, env)
    end
  end
  spec.x_title = spec.x_title or label_of(b, col)
  spec.y_title = spec.y_title or (b.labels and b.labels.count) or env.strings.count
  spec.total = #valid
  return { chart = spec }
end

M.stacked_bar = function(b, env)
  local copy = {}
  for k, v in pairs(b) do copy[k] = v end
  copy.stacked = true
  return M.bar(copy, env)
end

return M
