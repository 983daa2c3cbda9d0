-- Rule-driven customer segments.
--
-- A segment table is a list of rules, first match wins:
--   { "Champions", r = "4-5", f = "4-5", m = "4-5", why = "...", action = "..." }
--   { "Big spenders", monetary = ">= 5000" }              -- any field of the customer row
--   { "Local", country = { "France", "Belgium" } }         -- a list of values
--   { "Custom", when = function(c) return c.frequency > 10 end }   -- a Lua predicate
--   { "Others" }                                           -- the fallback, last
-- r, f and m are the R/F/M scores (columns r_score, f_score, m_score).
-- Conditions: a number, a range "4-5" or {4, 5}, a comparison ">= 90",
-- a value or a list of values.  A linter checks the table when it is
-- loaded (unknown fields, empty or inverted ranges, rules that can never
-- match, score cells no rule covers) and names the file, line and field.
local rules = require "segmint.rules"
local tr = require "segmint.messages"

local Segments = {}
Segments.__index = Segments

local SCORE = { r = "r_score", f = "f_score", m = "m_score" }
local META = { why = true, action = true, description = true, color = true, when = true, name = true }
-- fields of segmint.rfm output, known before any dataset is seen
local RFM_FIELDS = { "customer", "recency_days", "frequency", "monetary", "avg_basket",
  "first_purchase", "last_purchase", "tenure_days", "btyd_frequency", "btyd_recency", "btyd_T",
  "r_score", "f_score", "m_score", "rfm_score" }

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

-- Parses and lints; returns the compiled rules plus errors and warnings.
local function compile(tbl, bins, fields)
  local errors, warnings, out = {}, {}, {}
  local known = {}
  for _, f in ipairs(fields) do known[f] = true end
  local known_list = {}
  for k in pairs(SCORE) do known_list[#known_list + 1] = k end
  for _, f in ipairs(fields) do known_list[#known_list + 1] = f end
  local seen = {}
  if type(tbl) ~= "table" or #tbl == 0 then
    errors[1] = tr.w("a segment table must be a non-empty list of rules")
    return out, errors, warnings
  end
  for i, rule in ipairs(tbl) do
    local name = type(rule) == "table" and (rule[1] or rule.name) or nil
    local where = rules.where(tbl, i, type(name) == "string" and name or nil)
    if type(rule) ~= "table" then
      errors[#errors + 1] = tr.f("%srule %d must be a table like { \"Name\", r = \"4-5\" }", where, i)
    elseif type(name) ~= "string" or name == "" then
      errors[#errors + 1] = tr.f("%srule %d has no name (its first entry must be the segment name)", where, i)
    else
      if seen[name] then
        errors[#errors + 1] = tr.f("%srule '%s' appears twice (rules %d and %d)", where, name, seen[name], i)
      end
      seen[name] = i
      local r = { name = name, index = i, conds = {}, why = rule.why, action = rule.action,
                  description = rule.description, when = rule.when, score_only = true }
      if rule.when ~= nil and type(rule.when) ~= "function" then
        errors[#errors + 1] = tr.f("%srule '%s': field 'when' must be a function(customer)",
          rules.where(tbl, i, name, "when"), name)
      end
      if rule.when then r.score_only = false end
      for _, key in ipairs(sorted_keys(rule)) do
        local v = rule[key]
        if key ~= 1 and not META[key] then
          local fwhere = rules.where(tbl, i, name, tostring(key))
          local col = SCORE[key] or key
          if type(key) ~= "string" then
            errors[#errors + 1] = tr.f("%srule '%s': unexpected entry %s (only the name comes without a field)",
              fwhere, name, tostring(key))
          elseif not SCORE[key] and not known[key] and rules.suggest(key, known_list) then
            -- close to a known field: almost surely a typo.  Other names may be
            -- columns of the customer data, checked when segments are assigned.
            errors[#errors + 1] = tr.f("%srule '%s': unknown field '%s' (did you mean '%s'?)", fwhere,
              name, key, rules.suggest(key, known_list))
          else
            local c, msg = rules.parse_condition(v)
            if not c then
              errors[#errors + 1] = tr.f("%srule '%s', field '%s': %s", fwhere, name, key, msg)
            else
              if SCORE[key] then
                local lo, hi = 1, bins
                if c.op == "range" then lo, hi = math.max(lo, c.lo), math.min(hi, c.hi)
                elseif c.op == "cmp" then
                  if c.cmp == "<" then hi = math.min(hi, math.ceil(c.value) - 1)
                  elseif c.cmp == "<=" then hi = math.min(hi, math.floor(c.value))
                  elseif c.cmp == ">" then lo = math.max(lo, math.floor(c.value) + 1)
                  elseif c.cmp == ">=" then lo = math.max(lo, math.ceil(c.value))
                  elseif c.cmp == "==" then lo, hi = math.max(lo, c.value), math.min(hi, c.value) end
                end
                if c.op == "range" and (c.lo < 1 or c.hi > bins or c.lo ~= math.floor(c.lo) or c.hi ~= math.floor(c.hi)) then
                  errors[#errors + 1] = tr.f("%srule '%s', field '%s': '%s' goes beyond the score levels, "
                    .. "which are the whole numbers 1 to %d", fwhere, name, key, tostring(v), bins)
                elseif c.op == "eq" or c.op == "in" then
                  errors[#errors + 1] = tr.f("%srule '%s', field '%s': scores take a number, a range or a comparison",
                    fwhere, name, key)
                elseif lo > hi or (c.op == "cmp" and c.cmp == "!=") then
                  if lo > hi then
                    errors[#errors + 1] = tr.f("%srule '%s', field '%s': '%s' selects no score between 1 and %d",
                      fwhere, name, key, tostring(v), bins)
                  end
                end
                c.lo_score, c.hi_score = lo, hi
              else
                r.score_only = false
              end
              r.conds[#r.conds + 1] = { field = key, column = col, cond = c, text = tostring(v) }
            end
          end
        end
      end
      out[#out + 1] = r
    end
  end
  return out, errors, warnings
end

-- cells: every (r, f, m) score combination
local function cell_matches(r, cell)
  for _, c in ipairs(r.conds) do
    local s = cell[c.field]
    local cond = c.cond
    if cond.op == "cmp" and cond.cmp == "!=" then
      if s == cond.value then return false end
    elseif s < cond.lo_score or s > cond.hi_score then
      return false
    end
  end
  return true
end

local function coverage(compiled, bins, tbl, warnings)
  local first = {}
  local uncovered = {}
  local total = 0
  for r = 1, bins do
    for f = 1, bins do
      for m = 1, bins do
        total = total + 1
        local cell = { r = r, f = f, m = m }
        local hit
        for _, rule in ipairs(compiled) do
          -- rules on other fields or predicates may or may not match: skipped here
          if rule.score_only and cell_matches(rule, cell) then hit = rule; break end
        end
        if hit then first[hit.name] = (first[hit.name] or 0) + 1
        else uncovered[#uncovered + 1] = string.format("(%d,%d,%d)", r, f, m) end
      end
    end
  end
  -- a score-only rule that is first for no cell can never match, unless an
  -- earlier rule is opaque (a predicate or another field), which may leave cells
  local opaque_before = false
  for _, rule in ipairs(compiled) do
    if rule.score_only and not first[rule.name] and not opaque_before then
      warnings[#warnings + 1] = tr.f("%srule '%s' can never match: earlier rules cover all its score cells",
        rules.where(tbl, rule.index, rule.name), rule.name)
    end
    if not rule.score_only then opaque_before = true end
  end
  local has_fallback = false
  for _, rule in ipairs(compiled) do
    if #rule.conds == 0 and not rule.when then has_fallback = true end
  end
  if #uncovered > 0 and not has_fallback then
    local shown = {}
    for k = 1, math.min(8, #uncovered) do shown[k] = uncovered[k] end
    warnings[#warnings + 1] = tr.f("%d of %d score cells (r,f,m) are covered by no rule and have no fallback: %s%s",
      #uncovered, total, table.concat(shown, " "), #uncovered > 8 and " ..." or "")
  end
  return first, uncovered
end

-- Compiles and lints with the options of segmint.segments: the rules, the
-- errors, the warnings (coverage included when there is no error), the bins.
local function check(tbl, opts)
  opts = opts or {}
  local bins = opts.bins or 5
  local fields = {}
  for _, f in ipairs(RFM_FIELDS) do fields[#fields + 1] = f end
  for _, f in ipairs(opts.fields or {}) do fields[#fields + 1] = f end
  local compiled, errors, warnings = compile(tbl, bins, fields)
  local first, uncovered
  if #errors == 0 then first, uncovered = coverage(compiled, bins, tbl, warnings) end
  return compiled, errors, warnings, bins, first, uncovered
end

-- segmint.segments(rule_table [, { bins = 5, fields = {...} }])
local function new(tbl, opts)
  local compiled, errors, warnings, bins, first, uncovered = check(tbl, opts)
  if #errors > 0 then
    error(table.concat(errors, "\n"), 0)   -- each message names its file and line
  end
  local self = setmetatable({ rules = compiled, source = tbl, bins = bins, warnings = warnings }, Segments)
  self.cells_first, self.uncovered = first, uncovered
  return self
end

function Segments:names()
  local n = {}
  for i, r in ipairs(self.rules) do n[i] = r.name end
  return n
end

-- The rule with this name (its why/action/description texts).
function Segments:rule(name)
  for _, r in ipairs(self.rules) do if r.name == name then return r end end
end

local function check_columns(self, ds)
  local have = {}
  for _, c in ipairs(ds:columns()) do have[c] = true end
  local cols = ds:columns()
  for _, r in ipairs(self.rules) do
    for _, c in ipairs(r.conds) do
      if not have[c.column] then
        local hint = rules.suggest(c.column, cols)
        error(tr.f("%srule '%s': field '%s' is not a column of the customer data%s",
          rules.where(self.source, r.index, r.name, c.field), r.name, c.field,
          tr.hint(hint)), 0)
      end
    end
  end
end

-- Adds a `segment` column (and keeps the result for explain).
function Segments:assign(ds, column)
  column = column or "segment"
  check_columns(self, ds)
  local any_predicate = false
  for _, r in ipairs(self.rules) do if r.when then any_predicate = true end end
  local out
  if not any_predicate then
    local types = ds:types()
    -- one nested if() evaluated in C; rules after a fallback are unreachable
    local expr = "''"
    local fallback_name
    for i = #self.rules, 1, -1 do
      local r = self.rules[i]
      local lit = "'" .. r.name:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'"
      if #r.conds == 0 then
        expr = lit
        fallback_name = r.name
      else
        local parts = {}
        for _, c in ipairs(r.conds) do
          local e, msg = rules.expression(c.column, c.cond, types[c.column])
          if not e then
            error(tr.f("%srule '%s', field '%s': %s",
              rules.where(self.source, r.index, r.name, c.field), r.name, c.field, msg), 0)
          end
          parts[#parts + 1] = e
        end
        -- a missing value makes a condition false, so the next rule is tried
        expr = string.format("if(coalesce(%s, false), %s, %s)", table.concat(parts, " and "), lit, expr)
      end
    end
    out = ds:derive(column, expr)
    if not fallback_name then
      -- customers no rule matched get a missing segment rather than ''
      local vals = out:column(column)
      for i = 1, vals.n do if vals[i] == "" then vals[i] = nil end end
      out = out:with_column(column, vals, "string")
    end
  else
    local names = {}
    local nrows = #ds
    for i, row in ds:rows() do
      for _, r in ipairs(self.rules) do
        local ok = true
        for _, c in ipairs(r.conds) do
          if not rules.test(c.cond, row[c.column]) then ok = false; break end
        end
        if ok and r.when then ok = r.when(row) and true or false end
        if ok then names[i] = r.name; break end
      end
    end
    names.n = nrows
    out = ds:with_column(column, names, "string")
  end
  self.last, self.last_column = out, column
  return out
end

-- Why a customer got their segment: which rule matched, and why each
-- earlier rule did not.  id_column defaults to "customer".
function Segments:explain(id, ds, id_column)
  ds = ds or self.last
  if not ds then error("explain: assign segments first (or pass the dataset)", 2) end
  id_column = id_column or "customer"
  local found = ds:filter(string.format("%s == %s", id_column,
    type(id) == "string" and ("'" .. id:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'") or tostring(id)))
  if #found == 0 then return nil, string.format("no customer '%s' in the data", tostring(id)) end
  local row = found:row(1)
  local lines = { string.format("customer %s: r=%s f=%s m=%s", tostring(id), tostring(row.r_score),
    tostring(row.f_score), tostring(row.m_score)) }
  for _, r in ipairs(self.rules) do
    local failed = {}
    for _, c in ipairs(r.conds) do
      local v = row[c.column]
      if not rules.test(c.cond, v) then
        failed[#failed + 1] = string.format("%s %s is not %s", c.field, tostring(v), rules.describe(c.cond))
      end
    end
    if #failed == 0 and r.when and not r.when(row) then failed[1] = "its 'when' predicate is false" end
    if #failed == 0 then
      lines[#lines + 1] = string.format("-> %s%s", r.name, r.why and (": " .. r.why) or "")
      return table.concat(lines, "\n"), r.name
    end
    lines[#lines + 1] = string.format("   not %s: %s", r.name, table.concat(failed, "; "))
  end
  lines[#lines + 1] = "-> no rule matched"
  return table.concat(lines, "\n"), nil
end

-- Lints a rule table without raising: returns errors, warnings.
local function lint(tbl, opts)
  local _, errors, warnings = check(tbl, opts)
  return errors, warnings
end

return { new = new, lint = lint, RFM_FIELDS = RFM_FIELDS }
