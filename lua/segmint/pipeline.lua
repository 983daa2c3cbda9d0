-- The default analysis as an ordered list of named steps.  Each step is a
-- module lua/segmint/step_<name>.lua:
--
--   { name = "btyd",
--     enabled = function(ctx) ... end,        -- optional: skipped when false
--     columns = function(ctx) ... end,        -- optional: { {name, type}, ... } it adds to ctx.customers
--     transactions = true,                    -- it reads the transactions table (ctx.res.clean); a step
--                                             -- with false needs only per-customer data (ctx.customers)
--     run = function(ctx) ... end }           -- does the work, keeps its results in ctx
--
-- A recipe changes the list with `steps` in its sg.analysis table:
--
--   steps = {
--     { name = "big_spender", after = "segments", columns = { big_spender = "boolean" },
--       run = function(ctx) ctx.customers = ctx.customers:derive("big_spender", "monetary >= 1000") end },
--     { replace = "cross_sell", run = function(ctx) ... end },
--     { drop = "clusters" },
--   }
--
-- and a campaign rule may then target { big_spender = true }.  A custom
-- step counts as reading the transactions unless it says
-- `transactions = false`: when no enabled step after rfm reads them, load,
-- clean and rfm run as one streaming pass (step_load.lua).  See
-- docs/analysis.md for the context a step sees.
local M = {}

M.DEFAULT = { "load", "clean", "rfm", "segments", "btyd", "clusters", "models", "status", "cross_sell",
  "campaign_review", "campaigns", "kpis", "alerts", "tables", "history", "summary", "report", "workbook",
  "outputs", "record" }

local TYPES = { number = true, string = true, boolean = true, datetime = true }

-- (in the analysis' language: segmint.messages)
local function fail(problems, fmt, ...)
  problems.errors[#problems.errors + 1] = require("segmint.messages").f(fmt, ...)
end

-- A custom step's declared columns, as { {name, type} }.
local function declared_columns(spec, label, problems)
  local out = {}
  local c = spec.columns
  if c == nil then return out end
  if type(c) ~= "table" then
    fail(problems, "steps: step '%s': columns must be a table such as { vip = \"boolean\" }", label)
    return out
  end
  for k, v in pairs(c) do
    local name, ty = k, v
    if math.type(k) == "integer" then name, ty = v, "number" end
    if type(name) ~= "string" or not TYPES[ty] then
      fail(problems, "steps: step '%s': column %s must name a type: number, string, boolean or datetime", label,
        tostring(name))
    else
      out[#out + 1] = { name, ty }
    end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- The ordered steps for a recipe's `steps` changes; problems collects
-- unknown step names and malformed entries.
function M.build(custom, problems)
  local list = {}
  for _, name in ipairs(M.DEFAULT) do
    local mod = require("segmint.step_" .. name)
    list[#list + 1] = { name = name, run = mod.run, enabled = mod.enabled, columns = mod.columns,
      transactions = mod.transactions }
  end
  if custom == nil then return list end
  if type(custom) ~= "table" then
    fail(problems, "steps: expected a list of step changes, got a %s", type(custom))
    return list
  end
  local function index_of(name)
    for i, s in ipairs(list) do if s.name == name then return i end end
  end
  local function known_names()
    local n = {}
    for _, s in ipairs(list) do n[#n + 1] = s.name end
    return n
  end
  for i, spec in ipairs(custom) do
    if type(spec) ~= "table" then
      fail(problems, "steps: entry %d must be a table", i)
    else
      local anchor = spec.after or spec.before or spec.replace or spec.drop
      local how = spec.after and "after" or spec.before and "before" or spec.replace and "replace" or spec.drop and "drop"
      local label = spec.name or anchor or tostring(i)
      local at = anchor and index_of(anchor)
      if not how then
        fail(problems, "steps: step '%s' needs one of after =, before =, replace = or drop = (a step name)", label)
      elseif not at then
        local hint = require("segmint.rules").suggest(tostring(anchor), known_names())
        fail(problems, "steps: no step '%s' to put '%s' %s%s; the steps are %s", tostring(anchor), label, how,
          require("segmint.messages").hint(hint), table.concat(known_names(), ", "))
      elseif how == "drop" then
        table.remove(list, at)
      elseif type(spec.run) ~= "function" then
        fail(problems, "steps: step '%s' needs run = function(ctx) ... end", label)
      elseif how ~= "replace" and (type(spec.name) ~= "string" or index_of(spec.name)) then
        fail(problems, "steps: a new step needs a name of its own (got %s)", tostring(spec.name))
      elseif spec.transactions ~= nil and type(spec.transactions) ~= "boolean" then
        fail(problems, "steps: step '%s': transactions must be true or false (does it read the transactions table?)",
          label)
      else
        local cols = declared_columns(spec, label, problems)
        local step = { name = spec.name or anchor, run = spec.run, custom = true,
          columns = function() return cols end, transactions = spec.transactions ~= false }
        if how == "replace" then
          list[at] = step
        else
          table.insert(list, how == "after" and at + 1 or at, step)
        end
      end
    end
  end
  return list
end

-- The customer columns known before step `upto` (all steps when nil),
-- as name -> type.
function M.columns_before(list, ctx, upto)
  local cols = {}
  for _, s in ipairs(list) do
    if s.name == upto then break end
    if s.columns and (not s.enabled or s.enabled(ctx)) then
      for _, c in ipairs(s.columns(ctx)) do cols[c[1]] = c[2] end
    end
  end
  return cols
end

-- Runs the steps in order.  A step returns nothing (it changed ctx) or the
-- context to continue with.
function M.run(list, ctx)
  for _, s in ipairs(list) do
    if not s.enabled or s.enabled(ctx) then
      ctx.step = s.name
      local r = s.run(ctx)
      if r ~= nil then
        if type(r) ~= "table" then
          error(string.format("step '%s' returned a %s; return nothing or the context", s.name, type(r)), 0)
        end
        ctx = r
      end
    end
  end
  ctx.step = nil
  return ctx
end

return M
