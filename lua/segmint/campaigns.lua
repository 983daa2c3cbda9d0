-- Campaign plans from campaign rule files.
--
--   { name = "VIP programme", target = { segments = { "Champions" } },
--     exclude = { segments = { "Lost" } }, priority = 1, channel = "email",
--     offer = "dedicated service, early access, free delivery",
--     cost_per_contact = 12, discount = 0, conversion_rate = 0.30,
--     budget = 10000,            -- a cap, or budget_share = 0.05 of the target group's revenue
--     rank_by = "monetary",      -- best customers first when the budget runs out
--     allow_multiple = false,    -- a customer gets one campaign unless this is true
--     recommend = "co_purchased" -- attach cross-selling recommendations
--   }
-- A target (or exclude) holds segments = {...}, clusters = {...}, field
-- conditions like recency_days = "> 90", and/or when = function(c) ... end;
-- it may also be a function(c) itself.
local rules = require "segmint.rules"

local M = {}

local KEYS = { name = true, target = true, exclude = true, priority = true, channel = true,
  offer = true, cost_per_contact = true, discount = true, conversion_rate = true, budget = true,
  budget_share = true, rank_by = true, allow_multiple = true, recommend = true, kpis = true,
  description = true, top_n = true }

local function known_list(t)
  local l = {}
  for k in pairs(t) do l[#l + 1] = k end
  table.sort(l)
  return l
end

local function check_number(errors, where, name, key, v, lo, hi, hi_open)
  if v == nil then return end
  if type(v) ~= "number" or v ~= v or v < lo or (hi and (hi_open and v >= hi or v > hi)) then
    local got = tostring(v)
    if type(v) == "string" then
      got = tonumber(v) and string.format('a string, "%s"; write %s without quotes', v, v)
        or string.format('a string, "%s"', v)
    elseif type(v) ~= "number" then
      got = "a " .. type(v)
    end
    errors[#errors + 1] = string.format("%scampaign '%s', field '%s': expected a number %s%s, got %s",
      where, name, key, hi and string.format("from %s to %s", lo, hi) or string.format(">= %s", lo),
      hi_open and " (excluded)" or "", got)
  end
end

-- Compiles a target/exclude spec into { segments, clusters, conds, when }.
local function compile_target(spec, tbl, i, name, key, errors)
  if spec == nil then return nil end
  if type(spec) == "function" then return { when = spec, conds = {} } end
  local where = rules.where(tbl, i, name, key)
  if type(spec) ~= "table" then
    errors[#errors + 1] = string.format("%scampaign '%s', field '%s': expected a table or a function", where, name, key)
    return nil
  end
  local t = { conds = {} }
  for k, v in pairs(spec) do
    if k == "segments" or k == "clusters" then
      if type(v) ~= "table" or #v == 0 then
        errors[#errors + 1] = string.format("%scampaign '%s', %s.%s: expected a list of names", where, name, key, k)
      else
        local set = {}
        for _, s in ipairs(v) do set[s] = true end
        t[k] = v
        t[k .. "_set"] = set
      end
    elseif k == "when" then
      if type(v) ~= "function" then
        errors[#errors + 1] = string.format("%scampaign '%s', %s.when: expected a function(customer)", where, name, key)
      end
      t.when = v
    elseif type(k) ~= "string" then
      errors[#errors + 1] = string.format("%scampaign '%s', field '%s': unexpected entry", where, name, key)
    elseif rules.suggest(k, { "segments", "clusters" }) then
      errors[#errors + 1] = string.format("%scampaign '%s', %s.%s: unknown key (did you mean '%s'?)", where,
        name, key, k, rules.suggest(k, { "segments", "clusters" }))
    else
      local c, msg = rules.parse_condition(v)
      if not c then
        errors[#errors + 1] = string.format("%scampaign '%s', %s.%s: %s", where, name, key, k, msg)
      else
        t.conds[#t.conds + 1] = { field = k, cond = c }
      end
    end
  end
  return t
end

-- Parses and lints a campaign table: returns campaigns, errors, warnings.
local function compile(tbl)
  local errors, warnings, out = {}, {}, {}
  if type(tbl) ~= "table" or #tbl == 0 then
    return out, { "a campaign file must be a non-empty list of campaigns" }, warnings
  end
  local seen = {}
  for i, c in ipairs(tbl) do
    local name = type(c) == "table" and c.name or nil
    local where = rules.where(tbl, i, type(name) == "string" and name or nil)
    if type(c) ~= "table" then
      errors[#errors + 1] = string.format("%scampaign %d must be a table", where, i)
    elseif type(name) ~= "string" or name == "" then
      errors[#errors + 1] = string.format("%scampaign %d has no name", where, i)
    else
      if seen[name] then errors[#errors + 1] = string.format("%scampaign '%s' appears twice", where, name) end
      seen[name] = true
      for k in pairs(c) do
        if not KEYS[k] then
          local hint = type(k) == "string" and rules.suggest(k, known_list(KEYS)) or nil
          errors[#errors + 1] = string.format("%scampaign '%s': unknown field '%s'%s",
            rules.where(tbl, i, name, tostring(k)), name, tostring(k), hint and (" (did you mean '" .. hint .. "'?)") or "")
        end
      end
      check_number(errors, rules.where(tbl, i, name, "discount"), name, "discount", c.discount, 0, 1, true)
      check_number(errors, rules.where(tbl, i, name, "conversion_rate"), name, "conversion_rate", c.conversion_rate, 0, 1)
      check_number(errors, rules.where(tbl, i, name, "cost_per_contact"), name, "cost_per_contact", c.cost_per_contact, 0)
      check_number(errors, rules.where(tbl, i, name, "budget"), name, "budget", c.budget, 0)
      check_number(errors, rules.where(tbl, i, name, "budget_share"), name, "budget_share", c.budget_share, 0, 1)
      check_number(errors, rules.where(tbl, i, name, "priority"), name, "priority", c.priority, -1e9)
      check_number(errors, rules.where(tbl, i, name, "top_n"), name, "top_n", c.top_n, 1, 100)
      if type(c.top_n) == "number" and c.top_n ~= math.floor(c.top_n) then
        errors[#errors + 1] = string.format("%scampaign '%s', field 'top_n': expected a whole number, got %s",
          rules.where(tbl, i, name, "top_n"), name, tostring(c.top_n))
      end
      if c.budget and c.budget_share then
        errors[#errors + 1] = string.format("%scampaign '%s': give either 'budget' or 'budget_share', not both",
          rules.where(tbl, i, name, "budget_share"), name)
      end
      if c.target == nil then
        errors[#errors + 1] = string.format("%scampaign '%s' has no 'target'", where, name)
      end
      if c.recommend ~= nil and c.recommend ~= "co_purchased" then
        errors[#errors + 1] = string.format("%scampaign '%s', field 'recommend': only \"co_purchased\" is known",
          rules.where(tbl, i, name, "recommend"), name)
      end
      local camp = {
        name = name, index = i, priority = c.priority or i, channel = c.channel or "",
        offer = c.offer or "", cost = c.cost_per_contact or 0, discount = c.discount or 0,
        conversion_rate = c.conversion_rate or 0, budget = c.budget, budget_share = c.budget_share,
        rank_by = c.rank_by or "monetary", allow_multiple = c.allow_multiple and true or false,
        recommend = c.recommend, top_n = c.top_n or 3, kpis = c.kpis, description = c.description,
      }
      camp.target = compile_target(c.target, tbl, i, name, "target", errors)
      camp.exclude = compile_target(c.exclude, tbl, i, name, "exclude", errors)
      out[#out + 1] = camp
    end
  end
  table.sort(out, function(a, b)
    if a.priority ~= b.priority then return a.priority < b.priority end
    return a.index < b.index
  end)
  return out, errors, warnings
end

local function matches(t, row)
  if t.segments_set and not t.segments_set[row.segment] then return false end
  if t.clusters_set and not (t.clusters_set[row.cluster_name] or t.clusters_set[row.cluster]) then return false end
  for _, c in ipairs(t.conds) do
    if not rules.test(c.cond, row[c.field]) then return false end
  end
  if t.when and not t.when(row) then return false end
  return true
end

local Plan = {}
Plan.__index = Plan

-- segmint.campaigns(rule_table) -> campaign set (linted; raises on errors)
function M.new(tbl, opts)
  opts = opts or {}
  local compiled, errors, warnings = compile(tbl)
  if #errors > 0 then error(table.concat(errors, "\n"), 0) end   -- messages name file and line
  return setmetatable({ campaigns = compiled, source = tbl, warnings = warnings, sg = opts.segmint }, Plan)
end

function M.lint(tbl)
  local _, errors, warnings = compile(tbl)
  return errors, warnings
end

local function check_fields(self, ds, segment_names)
  local have = {}
  local cols = ds:columns()
  for _, c in ipairs(cols) do have[c] = true end
  for _, camp in ipairs(self.campaigns) do
    for _, key in ipairs({ "target", "exclude" }) do
      local t = camp[key]
      if t then
        for _, c in ipairs(t.conds) do
          if not have[c.field] then
            local hint = rules.suggest(c.field, cols)
            error(string.format("%scampaign '%s', %s.%s is not a column of the customer data%s",
              rules.where(self.source, camp.index, camp.name, c.field), camp.name, key, c.field,
              hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
          end
        end
        if t.segments and segment_names then
          for _, s in ipairs(t.segments) do
            if not segment_names[s] then
              local list = {}
              for n in pairs(segment_names) do list[#list + 1] = n end
              table.sort(list)
              local hint = rules.suggest(s, list)
              error(string.format("%scampaign '%s', %s.segments: no segment '%s'%s",
                rules.where(self.source, camp.index, camp.name, "segments"), camp.name, key, s,
                hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
            end
          end
        end
        if t.clusters and not have.cluster then
          error(string.format("%scampaign '%s' targets clusters but the customer data has no 'cluster' column",
            rules.where(self.source, camp.index, camp.name, "clusters"), camp.name), 0)
        end
      end
    end
    if not have[camp.rank_by] then
      error(string.format("%scampaign '%s', rank_by: no column '%s'",
        rules.where(self.source, camp.index, camp.name, "rank_by"), camp.name, camp.rank_by), 0)
    end
  end
end

-- Plans every campaign over the customer table (one row per customer with
-- customer, segment, monetary, avg_basket and the fields the rules use).
-- opts.segments: the segment set (to check names); opts.recommendations:
-- a dataset customer, rank, item, ... for campaigns with recommend.
-- Returns plan (one row per campaign), targets (one row per contacted
-- customer and campaign) and the customer table with a `campaign` column.
function Plan:plan(customers, opts)
  opts = opts or {}
  local segnames
  if opts.segments then
    segnames = {}
    for _, n in ipairs(opts.segments:names()) do segnames[n] = true end
  end
  check_fields(self, customers, segnames)
  -- iterate over the columns the rules use only, unless a predicate may read any field
  local needed, any_when = { customer = true, segment = true, monetary = true, avg_basket = true }, false
  for _, camp in ipairs(self.campaigns) do
    needed[camp.rank_by] = true
    for _, t in ipairs({ camp.target, camp.exclude }) do
      if t then
        if t.when then any_when = true end
        if t.clusters then needed.cluster, needed.cluster_name = true, true end
        for _, c in ipairs(t.conds) do needed[c.field] = true end
      end
    end
  end
  local view = customers
  if not any_when then
    local cols = {}
    for _, c in ipairs(customers:columns()) do if needed[c] then cols[#cols + 1] = c end end
    view = customers:select(cols)
  end
  local rows = {}
  for i, row in view:rows() do rows[i] = row end
  local recs = {}
  if opts.recommendations then
    for _, r in opts.recommendations:rows() do
      local l = recs[r.customer]
      if not l then l = {}; recs[r.customer] = l end
      l[#l + 1] = r.item
    end
  end
  local assigned = {}
  local plan = { campaign = {}, channel = {}, offer = {}, eligible = {}, targeted = {}, budget = {},
    cost = {}, expected_conversions = {}, expected_revenue = {}, expected_roi = {} }
  local tg = { campaign = {}, customer = {}, rank = {}, segment = {}, value = {}, expected_revenue = {}, recommended = {} }
  for _, camp in ipairs(self.campaigns) do
    local elig = {}
    local group_revenue = 0
    for i, row in ipairs(rows) do
      if (camp.allow_multiple or not assigned[i]) and matches(camp.target, row)
         and not (camp.exclude and matches(camp.exclude, row)) then
        elig[#elig + 1] = i
        group_revenue = group_revenue + (row.monetary or 0)
      end
    end
    local key = camp.rank_by
    table.sort(elig, function(a, b)
      local va, vb = rows[a][key] or -math.huge, rows[b][key] or -math.huge
      if va ~= vb then return va > vb end
      return a < b
    end)
    local budget = camp.budget
    if camp.budget_share then budget = camp.budget_share * group_revenue end
    local n = #elig
    if budget and camp.cost > 0 then n = math.min(n, math.floor(budget / camp.cost + 1e-9)) end
    local cost, revenue = 0, 0
    for k = 1, n do
      local i = elig[k]
      local row = rows[i]
      local value = (row.avg_basket or 0) * (1 - camp.discount) * camp.conversion_rate
      cost = cost + camp.cost
      revenue = revenue + value
      assigned[i] = assigned[i] and (assigned[i] .. "; " .. camp.name) or camp.name
      local t = #tg.campaign + 1
      tg.campaign[t] = camp.name
      tg.customer[t] = row.customer
      tg.rank[t] = k
      tg.segment[t] = row.segment
      tg.value[t] = row[key]
      tg.expected_revenue[t] = value
      tg.recommended[t] = camp.recommend and table.concat(recs[row.customer] or {}, " ", 1,
        math.min(camp.top_n, #(recs[row.customer] or {}))) or nil
    end
    local p = #plan.campaign + 1
    plan.campaign[p] = camp.name
    plan.channel[p] = camp.channel
    plan.offer[p] = camp.offer
    plan.eligible[p] = #elig
    plan.targeted[p] = n
    plan.budget[p] = budget
    plan.cost[p] = cost
    plan.expected_conversions[p] = n * camp.conversion_rate
    plan.expected_revenue[p] = revenue
    plan.expected_roi[p] = cost > 0 and (revenue - cost) / cost or nil
  end
  local sg = self.sg
  local function ds(spec, cols, n)
    local list = {}
    for _, c in ipairs(cols) do
      local vals = spec[c[1]]
      vals.n = n
      list[#list + 1] = { c[1], vals, c[2] }
    end
    return sg.dataset(list)
  end
  local np = #plan.campaign
  local plan_ds = ds(plan, { { "campaign", "string" }, { "channel", "string" }, { "offer", "string" },
    { "eligible", "int64" }, { "targeted", "int64" }, { "budget", "double" }, { "cost", "double" },
    { "expected_conversions", "double" }, { "expected_revenue", "double" }, { "expected_roi", "double" } }, np)
  local nt = #tg.campaign
  local targets_ds = ds(tg, { { "campaign", "string" }, { "customer", nil }, { "rank", "int64" },
    { "segment", "string" }, { "value", "double" }, { "expected_revenue", "double" },
    { "recommended", "string" } }, nt)
  local assigned_col = {}
  for i = 1, #rows do assigned_col[i] = assigned[i] end
  assigned_col.n = #rows
  local with = customers:with_column("campaign", assigned_col, "string")
  return plan_ds, targets_ds, with
end

return M
