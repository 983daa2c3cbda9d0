-- Shared machinery for rule files: condition parsing, compilation to C
-- expressions, evaluation on one row (for explain), and locating a rule or
-- field in its source file so messages name the file and line.
local tr = require "segmint.messages"

local M = {}

-- rule tables loaded by the sandbox's require are registered here with
-- their file path and source text (weak keys: they go with the table)
M.sources = setmetatable({}, { __mode = "k" })

function M.register_source(tbl, path, text)
  if type(tbl) == "table" then M.sources[tbl] = { path = path, text = text } end
end

-- Tables merged from a shared rule file and a language file
-- (ruleset.lua) remember, per rule, where it came from: { rules = source
-- table, index, id, labels = language table, wording = set of its fields }.
M.origins = setmetatable({}, { __mode = "k" })

function M.set_origins(tbl, origins) M.origins[tbl] = origins end

local function line_of(text, pos)
  local _, newlines = text:sub(1, pos):gsub("\n", "")
  return newlines + 1
end

-- "file:line: " of the entry `key = ...` of a table keyed by names (a
-- language file, the periods, the alerts), and of a field inside it.
function M.where_key(tbl, key, field)
  local src = M.sources[tbl]
  if not src or type(key) ~= "string" then return "" end
  local text = src.text
  local body = text:find("return%s*{") or 1
  local pos = text:find("%f[%w_]" .. key:gsub("%p", "%%%0") .. "%s*=", body) or body
  if field then
    local fpos = text:find("[%s{,]" .. field:gsub("%p", "%%%0") .. "%s*=", pos)
    if fpos then pos = fpos + 1 end
  end
  return string.format("%s:%d: ", src.path, line_of(text, pos))
end

-- "file:line: " of a rule (found by its name, or by position) and of a field in it
function M.where(rules, rule_index, rule_name, field)
  local o = M.origins[rules] and M.origins[rules][rule_index]
  if o then
    if field and o.labels and o.wording[field] then return M.where_key(o.labels, o.id, field) end
    return M.where(o.rules, o.index, type(o.id) == "string" and o.id or nil, field)
  end
  local src = M.sources[rules]
  if not src then return string.format("rule %d: ", rule_index) end
  local text = src.text
  -- rules come after the file's header comments, in the returned table
  local body = text:find("return%s*{") or 1
  local start_pos
  if rule_name then
    local pat = '["\']' .. rule_name:gsub("%p", "%%%0") .. '["\']'
    start_pos = text:find(pat, body)
  end
  if not start_pos then
    -- the n-th table constructor at nesting depth 2 (a keyed one, such as
    -- `defaults = { ... }`, is not a rule of the list)
    local depth, count = 0, 0
    for i = body, #text do
      local ch = text:sub(i, i)
      if ch == "{" then
        depth = depth + 1
        if depth == 2 and not text:sub(math.max(1, i - 80), i - 1):find("[%w_%]]%s*=%s*$") then
          count = count + 1
          if count == rule_index then start_pos = i; break end
        end
      elseif ch == "}" then depth = depth - 1 end
    end
  end
  start_pos = start_pos or 1
  local pos = start_pos
  if field then
    local fpos = text:find("[%s{,]" .. field:gsub("%p", "%%%0") .. "%s*=", start_pos)
    if fpos then pos = fpos + 1 end
  end
  local _, newlines = text:sub(1, pos):gsub("\n", "")
  return string.format("%s:%d: ", src.path, newlines + 1)
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function edit_distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- the closest known name, when it is close enough to be a likely typo
-- (or the only known name that starts with it: recency -> recency_days)
function M.suggest(name, known)
  local prefixed
  for _, k in ipairs(known) do
    if #name >= 4 and k:lower():sub(1, #name) == name:lower() and k ~= name then
      if prefixed then prefixed = false; break end
      prefixed = k
    end
  end
  if prefixed then return prefixed end
  local best, bestd
  for _, k in ipairs(known) do
    local d = edit_distance(name:lower(), k:lower())
    if not bestd or d < bestd then best, bestd = k, d end
  end
  if best and bestd <= math.max(2, #name // 3) then return best end
end

local function num(s)
  s = trim(s)
  return tonumber(s)
end

-- Parses a condition value into { op = "range"|"cmp"|"eq"|"in", ... }.
-- Returns nil, message when malformed.
function M.parse_condition(v)
  local tv = type(v)
  if tv == "number" then return { op = "range", lo = v, hi = v } end
  if tv == "boolean" then return { op = "eq", value = v } end
  if tv == "table" then
    if #v == 2 and type(v[1]) == "number" and type(v[2]) == "number" then
      if v[1] > v[2] then return nil, tr.f("range {%s, %s} is inverted", v[1], v[2]) end
      return { op = "range", lo = v[1], hi = v[2] }
    end
    if #v == 0 then return nil, tr.w("the list of values is empty") end
    for _, x in ipairs(v) do
      if type(x) ~= "string" and type(x) ~= "number" then
        return nil, tr.w("a list of values must hold strings or numbers")
      end
    end
    return { op = "in", values = v }
  end
  if tv ~= "string" then return nil, tr.w("expected a number, a range like \"4-5\", a comparison like \">= 90\" or a list") end
  local c, msg = M.parse_text_condition(v)
  if c then c.raw = v end   -- the text as written: compared as text on text columns
  return c, msg
end

function M.parse_text_condition(v)
  local s = trim(v)
  local swapped = s:match("^=([<>])")
  if swapped then
    return nil, tr.f("'%s': write %s= (the comparison sign before the equals sign)", v, swapped)
  end
  local op, rest = s:match("^([<>=!~]=?)%s*(.+)$")
  if op then
    local n = num(rest)
    if op == "=" then op = "==" end
    if op == "~=" or op == "!" then op = "!=" end
    if not n then return nil, tr.f("'%s': expected a number after %s", v, op) end
    if op ~= "<" and op ~= "<=" and op ~= ">" and op ~= ">=" and op ~= "==" and op ~= "!=" then
      return nil, tr.f("'%s': unknown comparison", v)
    end
    return { op = "cmp", cmp = op, value = n }
  end
  local a, b = s:match("^(%-?[%d%.]+)%s*%-%s*(%-?[%d%.]+)$")
  if a then
    local lo, hi = num(a), num(b)
    if not lo or not hi then return nil, tr.f("'%s' is not a range like \"4-5\"", v) end
    if lo > hi then return nil, tr.f("range '%s' is inverted (%s > %s)", v, a, b) end
    return { op = "range", lo = lo, hi = hi }
  end
  local n = num(s)
  if n then return { op = "range", lo = n, hi = n } end
  return { op = "eq", value = v }
end

local function literal(x)
  if type(x) == "string" then return "'" .. x:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'" end
  if type(x) == "boolean" then return tostring(x) end
  if math.type(x) == "integer" then return tostring(x) end
  return string.format("%.17g", x)
end

-- The C expression text for a parsed condition on a column of the given
-- type ("string" columns compare with the condition's text as written).
function M.expression(col, c, coltype)
  local ref = col:match("^[%a_][%w_]*$") and col or ("`" .. col .. "`")
  if coltype == "string" then
    if c.op == "in" then
      local parts = {}
      for _, x in ipairs(c.values) do parts[#parts + 1] = literal(tostring(x)) end
      return string.format("%s in (%s)", ref, table.concat(parts, ", "))
    end
    if c.raw and (c.op == "eq" or (c.op == "range" and c.lo == c.hi)) then
      return string.format("%s == %s", ref, literal(c.raw))
    end
    if c.op == "eq" then return string.format("%s == %s", ref, literal(tostring(c.value))) end
    return nil, string.format("'%s' compares numbers, but the column holds text", c.raw or M.describe(c))
  end
  if c.op == "range" then
    if c.lo == c.hi then return string.format("%s == %s", ref, literal(c.lo)) end
    return string.format("(%s >= %s and %s <= %s)", ref, literal(c.lo), ref, literal(c.hi))
  elseif c.op == "cmp" then
    return string.format("%s %s %s", ref, c.cmp, literal(c.value))
  elseif c.op == "eq" then
    return string.format("%s == %s", ref, literal(c.value))
  else
    local parts = {}
    for _, x in ipairs(c.values) do parts[#parts + 1] = literal(x) end
    return string.format("%s in (%s)", ref, table.concat(parts, ", "))
  end
end

-- Whether a value satisfies a parsed condition (nil never does).
function M.test(c, x)
  if x == nil then return false end
  if type(x) == "string" then
    if c.op == "in" then
      for _, v in ipairs(c.values) do if tostring(v) == x then return true end end
      return false
    end
    if c.raw then return x == c.raw end
    return c.op == "eq" and x == c.value
  end
  if c.op == "range" then
    return type(x) == "number" and x >= c.lo and x <= c.hi
  elseif c.op == "cmp" then
    if type(x) ~= "number" then return false end
    local v = c.value
    if c.cmp == "<" then return x < v elseif c.cmp == "<=" then return x <= v
    elseif c.cmp == ">" then return x > v elseif c.cmp == ">=" then return x >= v
    elseif c.cmp == "==" then return x == v else return x ~= v end
  elseif c.op == "eq" then
    return x == c.value
  else
    for _, v in ipairs(c.values) do if v == x then return true end end
    return false
  end
end

-- Human text of a condition: "4-5", ">= 90", "in {France, Germany}"
function M.describe(c)
  if c.op == "range" then
    if c.lo == c.hi then return tostring(c.lo) end
    return string.format("%s-%s", c.lo, c.hi)
  elseif c.op == "cmp" then return c.cmp .. " " .. tostring(c.value)
  elseif c.op == "eq" then return "= " .. tostring(c.value)
  else
    local parts = {}
    for _, v in ipairs(c.values) do parts[#parts + 1] = tostring(v) end
    return "in {" .. table.concat(parts, ", ") .. "}"
  end
end

return M
