-- Campaign plans that pay: campaign rule files, their linter, the planner
-- (economics per customer, allocation under budgets, control groups) and
-- the learning loop (measured uplift shrunk toward the rule's).
--
--   return {
--     total_budget = 20000,                 -- optional: all campaigns' contact costs together
--     window_days = 90,                     -- optional: the campaign window (default 90)
--     defaults = { margin = 0.35 },         -- optional: fields every campaign takes unless it says
--     { name = "Welcome Back", target = { recency_days = "> 90" },
--       exclude = { segments = { "Lost" } }, priority = 1, channel = "email",
--       offer = "-20% on the next order",
--       uplift = 0.04,             -- + 4 points of probability of buying in the window when contacted
--       margin = 0.35,             -- gross margin on the basket
--       discount = 0.20,           -- given on every purchase a contacted customer makes in the window
--       cost_per_order = 3.5,      -- what the offer costs on each such purchase besides the discount
--                                  -- (free delivery: the delivery the business pays)
--       cost_per_contact = 0.5,
--       budget = 10000,            -- contact cost cap, or budget_share = 0.05 of the eligible revenue
--       control_share = 0.10,      -- kept as a random control group, never contacted
--       force = false,             -- true: contact eligible customers even at an expected loss
--       rank_by = "monetary",      -- breaks ties between customers of equal expected profit
--       allow_multiple = false,    -- a customer gets one campaign unless this is true
--       recommend = "co_purchased" -- attach cross-selling recommendations (customers without one are left out)
--     },
--   }
-- A target (or exclude) holds segments = {...}, clusters = {...}, field
-- conditions like recency_days = "> 90", and/or when = function(c) ... end;
-- it may also be a function(c) itself.
--
-- Economics of contacting customer i with campaign j (docs/analysis.md):
--   p0 = P(buy within the window without contact)        (the baseline, below)
--   p1 = min(1, max(0, p0 + uplift))                      (with contact)
--   B  = expected basket (avg_basket)
--   incremental revenue = (p1 (1 - discount) - p0) B      (what customers pay, discount deducted)
--   incremental profit  = (p1 - p0) B margin - discount p1 B - cost_per_order p1 - cost_per_contact
-- The allocation (core/campaign_alloc.c) maximises the total expected
-- incremental profit under the budgets.
local rules = require "segmint.rules"
local tr = require "segmint.messages"
local report = require "segmint.report"

local M = {}

-- Every default of the plan, in one place.
M.DEFAULTS = {
  margin = 0.30,            -- gross margin: a guess to replace with the business's own figure
  discount = 0,
  cost_per_order = 0,
  cost_per_contact = 0,
  uplift = 0,               -- no evidence, no effect: a campaign without an uplift is not planned
  control_share = 0.10,
  window_days = 90,         -- matches expected_purchases_90d and the churn model's 90-day horizon
  seed = 42,
  allocation = "profit",    -- "profit" (greedy, exact when small), "greedy", "exact" or "priority"
  exact_max_pairs = 20,     -- "profit" solves problems with this many candidate pairs or fewer exactly
  prior_strength = 200,     -- learning loop: weight of the rule's prior, in customers per group
  confidence = 0.95,
  power = 0.80,
  rank_by = "monetary",
  top_n = 3,
  basket = "avg_basket",
  assumptions = "{{campaign}}: baseline from {{baseline_source}} ({{baseline}} on average of buying "
    .. "within {{window_days}} days without contact), uplift {{uplift}} ({{uplift_source}}), margin "
    .. "{{margin}}, discount {{discount}} on every purchase a contacted customer makes"
    .. "{{#per_order}} and {{cost_per_order}} of offer cost on each{{/per_order}}, "
    .. "{{cost_per_contact}} per contact, {{control_share}} kept as a control group."
    .. "{{#no_recs}} {{no_recs}} customers of its target left out: nothing to recommend.{{/no_recs}}"
    .. "{{#left_out}} {{targeted}} of its {{eligible}} eligible customers planned"
    .. "{{#unprofitable}}; {{unprofitable}} left out, at a loss{{/unprofitable}}"
    .. "{{#elsewhere}}; {{elsewhere}} left to other campaigns or beyond the budget{{/elsewhere}}.{{/left_out}}",
  -- {{control_group}} in the assumptions: what the control group of this plan is
  control_words = {
    kept = "control group: {{control}} of its {{targeted}} customers ({{control_share}}), never contacted",
    too_few = "too few customers ({{targeted}}) for a control group of {{control_share}}, so its effect "
      .. "cannot be measured",
    none = "no control group (control_share = 0), so its effect cannot be measured",
    not_planned = "{{control_share}} would be kept as a control group",
  },
}

local KEYS = { name = true, target = true, exclude = true, priority = true, channel = true,
  offer = true, cost_per_contact = true, discount = true, cost_per_order = true, conversion_rate = true, budget = true,
  budget_share = true, rank_by = true, allow_multiple = true, recommend = true, kpis = true,
  description = true, top_n = true, uplift = true, margin = true, control_share = true, force = true,
  id = true }
local FILE_KEYS = { total_budget = true, window_days = true, defaults = true }
local DEFAULTABLE = { margin = true, discount = true, cost_per_order = true, cost_per_contact = true, uplift = true,
  control_share = true }

local function known_list(t)
  local l = {}
  for k in pairs(t) do l[#l + 1] = k end
  table.sort(l)
  return l
end

local function check_number(errors, where, name, key, v, lo, hi, hi_open)
  if v == nil then return true end
  if type(v) ~= "number" or v ~= v or v < lo or (hi and (hi_open and v >= hi or v > hi)) then
    local got = tostring(v)
    if type(v) == "string" then
      got = tonumber(v) and tr.f('a string, "%s"; write %s without quotes', v, v)
        or tr.f('a string, "%s"', v)
    elseif type(v) == "boolean" then
      got = tr.w("a boolean")
    elseif type(v) == "table" then
      got = tr.w("a table")
    elseif type(v) == "function" then
      got = tr.w("a function")
    elseif type(v) ~= "number" then
      got = "a " .. type(v)
    end
    errors[#errors + 1] = tr.f("%scampaign '%s', field '%s': expected a number %s%s, got %s",
      where, name, key, hi and tr.f("from %s to %s", lo, hi) or string.format(">= %s", lo),
      hi_open and tr.w(" (excluded)") or "", got)
    return false
  end
  return true
end

-- the range check of each economic field: lo, hi, hi excluded
local RANGES = {
  discount = { 0, 1, true }, conversion_rate = { 0, 1 }, cost_per_contact = { 0 }, cost_per_order = { 0 }, budget = { 0 },
  budget_share = { 0, 1 }, priority = { -1e9 }, top_n = { 1, 100 }, uplift = { -1, 1 },
  margin = { 0, 1 }, control_share = { 0, 1, true },
}

-- Compiles a target/exclude spec into { segments, clusters, conds, when }.
local function compile_target(spec, tbl, i, name, key, errors)
  if spec == nil then return nil end
  if type(spec) == "function" then return { when = spec, conds = {} } end
  local where = rules.where(tbl, i, name, key)
  if type(spec) ~= "table" then
    errors[#errors + 1] = tr.f("%scampaign '%s', field '%s': expected a table or a function", where, name, key)
    return nil
  end
  local t = { conds = {} }
  for k, v in pairs(spec) do
    if k == "segments" or k == "clusters" then
      if type(v) ~= "table" or #v == 0 then
        errors[#errors + 1] = tr.f("%scampaign '%s', %s.%s: expected a list of names", where, name, key, k)
      else
        local set = {}
        for _, s in ipairs(v) do set[s] = true end
        t[k] = v
        t[k .. "_set"] = set
      end
    elseif k == "when" then
      if type(v) ~= "function" then
        errors[#errors + 1] = tr.f("%scampaign '%s', %s.when: expected a function(customer)", where, name, key)
      end
      t.when = v
    elseif type(k) ~= "string" then
      errors[#errors + 1] = tr.f("%scampaign '%s', field '%s': unexpected entry", where, name, key)
    elseif rules.suggest(k, { "segments", "clusters" }) then
      errors[#errors + 1] = tr.f("%scampaign '%s', %s.%s: unknown key (did you mean '%s'?)", where,
        name, key, k, rules.suggest(k, { "segments", "clusters" }))
    else
      local c, msg = rules.parse_condition(v)
      if not c then
        errors[#errors + 1] = tr.f("%scampaign '%s', %s.%s: %s", where, name, key, k, msg)
      else
        t.conds[#t.conds + 1] = { field = k, cond = c }
      end
    end
  end
  return t
end

-- The file-level settings: total_budget, window_days, defaults.
local function compile_file(tbl, errors)
  local file = { defaults = {} }
  for k, v in pairs(tbl) do
    if math.type(k) ~= "integer" then
      local where = rules.where(tbl, 1, nil, tostring(k))
      if not FILE_KEYS[k] then
        local hint = type(k) == "string" and (rules.suggest(k, known_list(FILE_KEYS))
          or rules.suggest(k, known_list(KEYS))) or nil
        errors[#errors + 1] = tr.f("%scampaigns: unknown setting '%s'%s", where, tostring(k),
          hint and (FILE_KEYS[hint] and tr.hint(hint)
            or tr.w(" (campaign fields go inside a campaign, or in defaults = { ... })")) or "")
      elseif k == "total_budget" then
        if type(v) ~= "number" or v ~= v or v < 0 then
          errors[#errors + 1] = tr.f("%scampaigns: total_budget must be a number >= 0, got %s", where, tostring(v))
        end
        file.total_budget = v
      elseif k == "window_days" then
        if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v > 3660 then
          errors[#errors + 1] = tr.f("%scampaigns: window_days must be a whole number of days from 1 to 3660, got %s",
            where, tostring(v))
        end
        file.window_days = v
      elseif type(v) ~= "table" then
        errors[#errors + 1] = tr.f("%scampaigns: defaults must be a table like { margin = 0.35 }", where)
      else
        for dk, dv in pairs(v) do
          local dwhere = rules.where(tbl, 1, nil, tostring(dk))
          if not DEFAULTABLE[dk] then
            local hint = type(dk) == "string" and rules.suggest(dk, known_list(DEFAULTABLE)) or nil
            errors[#errors + 1] = tr.f("%scampaigns: defaults.%s is not a field with a default%s (known: %s)",
              dwhere, tostring(dk), tr.hint(hint),
              table.concat(known_list(DEFAULTABLE), ", "))
          else
            local r = RANGES[dk]
            check_number(errors, dwhere, "defaults", dk, dv, r[1], r[2], r[3])
            file.defaults[dk] = dv
          end
        end
      end
    end
  end
  return file
end

-- Parses and lints a campaign table: returns campaigns, errors, warnings, file settings.
local function compile(tbl)
  local errors, warnings, out = {}, {}, {}
  if type(tbl) ~= "table" or #tbl == 0 then
    return out, { tr.w("a campaign file must be a non-empty list of campaigns") }, warnings, { defaults = {} }
  end
  local file = compile_file(tbl, errors)
  local seen, seen_id = {}, {}
  for i, c in ipairs(tbl) do
    local name = type(c) == "table" and c.name or nil
    local where = rules.where(tbl, i, type(name) == "string" and name or nil)
    if type(c) ~= "table" then
      errors[#errors + 1] = tr.f("%scampaign %d must be a table", where, i)
    elseif type(name) ~= "string" or name == "" then
      errors[#errors + 1] = tr.f("%scampaign %d has no name", where, i)
    else
      -- (a repeated id is reported where the ids are read; its name repeats with it)
      if seen[name] and not (c.id ~= nil and seen_id[c.id]) then
        errors[#errors + 1] = tr.f("%scampaign '%s' appears twice (campaigns %d and %d)",
          rules.where(tbl, i), name, seen[name], i)
      end
      seen[name] = seen[name] or i
      if c.id ~= nil then seen_id[c.id] = true end
      for k in pairs(c) do
        if not KEYS[k] then
          local hint = type(k) == "string" and rules.suggest(k, known_list(KEYS)) or nil
          errors[#errors + 1] = tr.f("%scampaign '%s': unknown field '%s'%s",
            rules.where(tbl, i, name, tostring(k)), name, tostring(k), tr.hint(hint))
        end
      end
      for _, key in ipairs(known_list(RANGES)) do
        local r = RANGES[key]
        check_number(errors, rules.where(tbl, i, name, key), name, key, c[key], r[1], r[2], r[3])
      end
      if type(c.top_n) == "number" and c.top_n ~= math.floor(c.top_n) then
        errors[#errors + 1] = tr.f("%scampaign '%s', field 'top_n': expected a whole number, got %s",
          rules.where(tbl, i, name, "top_n"), name, tostring(c.top_n))
      end
      if c.budget and c.budget_share then
        errors[#errors + 1] = tr.f("%scampaign '%s': give either 'budget' or 'budget_share', not both",
          rules.where(tbl, i, name, "budget_share"), name)
      end
      if c.uplift ~= nil and c.conversion_rate ~= nil then
        errors[#errors + 1] = tr.f("%scampaign '%s': give either 'uplift' (the increase in the probability "
          .. "of buying in the window when contacted) or the older 'conversion_rate', not both",
          rules.where(tbl, i, name, "conversion_rate"), name)
      elseif c.conversion_rate ~= nil then
        warnings[#warnings + 1] = tr.f("%scampaign '%s': conversion_rate now counts only its part above "
          .. "each customer's baseline probability of buying (uplift = conversion_rate - baseline, at least 0), "
          .. "so customers who would buy anyway are not credited to the campaign; give 'uplift' to state the "
          .. "campaign's incremental effect directly", rules.where(tbl, i, name, "conversion_rate"), name)
      end
      for _, key in ipairs({ "force", "allow_multiple" }) do
        if c[key] ~= nil and type(c[key]) ~= "boolean" then
          errors[#errors + 1] = tr.f("%scampaign '%s', field '%s': expected true or false, got %s",
            rules.where(tbl, i, name, key), name, key, tostring(c[key]))
        end
      end
      if c.target == nil then
        errors[#errors + 1] = tr.f("%scampaign '%s' has no 'target'", where, name)
      end
      if c.recommend ~= nil and c.recommend ~= "co_purchased" then
        errors[#errors + 1] = tr.f("%scampaign '%s', field 'recommend': only \"co_purchased\" is known",
          rules.where(tbl, i, name, "recommend"), name)
      end
      local function pick(key)
        if c[key] ~= nil then return c[key] end
        if file.defaults[key] ~= nil then return file.defaults[key] end
        return M.DEFAULTS[key]
      end
      local camp = {
        name = name, index = i, priority = c.priority or i, channel = c.channel or "",
        offer = c.offer or "", cost = pick("cost_per_contact"), discount = pick("discount"),
        order_cost = pick("cost_per_order"),
        margin = pick("margin"), control_share = pick("control_share"),
        budget = c.budget, budget_share = c.budget_share, force = c.force == true,
        rank_by = c.rank_by or M.DEFAULTS.rank_by, allow_multiple = c.allow_multiple == true,
        recommend = c.recommend, top_n = c.top_n or M.DEFAULTS.top_n, kpis = c.kpis,
        description = c.description,
        -- what seeds the control group: the id of a rule shared by several
        -- languages, so English and French runs hold out the same customers
        key = type(c.id) == "string" and c.id or name,
      }
      if c.conversion_rate ~= nil and c.uplift == nil then
        camp.conversion_rate = c.conversion_rate   -- the older field, read as the response with contact
      else
        camp.uplift = pick("uplift")
      end
      camp.target = compile_target(c.target, tbl, i, name, "target", errors)
      camp.exclude = compile_target(c.exclude, tbl, i, name, "exclude", errors)
      out[#out + 1] = camp
    end
  end
  table.sort(out, function(a, b)
    if a.priority ~= b.priority then return a.priority < b.priority end
    return a.index < b.index
  end)
  return out, errors, warnings, file
end

-- Whether customer i matches a compiled target: `field(i, name)` reads one
-- value, `row(i)` builds the whole row for a `when` predicate.
local function matches(t, i, field, row)
  if t.segments_set and not t.segments_set[field(i, "segment")] then return false end
  if t.clusters_set and not (t.clusters_set[field(i, "cluster_name")] or t.clusters_set[field(i, "cluster")]) then
    return false
  end
  for _, c in ipairs(t.conds) do
    if not rules.test(c.cond, field(i, c.field)) then return false end
  end
  if t.when and not t.when(row(i)) then return false end
  return true
end

local Plan = {}
Plan.__index = Plan

-- segmint.campaigns(rule_table) -> campaign set (linted; raises on errors)
function M.new(tbl, opts)
  opts = opts or {}
  local compiled, errors, warnings, file = compile(tbl)
  if #errors > 0 then error(table.concat(errors, "\n"), 0) end   -- messages name file and line
  return setmetatable({ campaigns = compiled, source = tbl, warnings = warnings, file = file,
    sg = opts.segmint }, Plan)
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
            error(tr.f("%scampaign '%s', %s.%s is not a column of the customer data%s",
              rules.where(self.source, camp.index, camp.name, c.field), camp.name, key, c.field,
              tr.hint(hint)), 0)
          end
        end
        if t.segments and segment_names then
          for _, s in ipairs(t.segments) do
            if not segment_names[s] then
              local list = {}
              for n in pairs(segment_names) do list[#list + 1] = n end
              table.sort(list)
              local hint = rules.suggest(s, list)
              error(tr.f("%scampaign '%s', %s.segments: no segment '%s'%s",
                rules.where(self.source, camp.index, camp.name, "segments"), camp.name, key, s,
                tr.hint(hint)), 0)
            end
          end
        end
        if t.clusters and not have.cluster then
          error(tr.f("%scampaign '%s' targets clusters but the customer data has no 'cluster' column",
            rules.where(self.source, camp.index, camp.name, "clusters"), camp.name), 0)
        end
      end
    end
    if not have[camp.rank_by] then
      error(tr.f("%scampaign '%s', rank_by: no column '%s'",
        rules.where(self.source, camp.index, camp.name, "rank_by"), camp.name, camp.rank_by), 0)
    end
  end
  for _, c in ipairs({ "customer", "monetary" }) do
    if not have[c] then error(tr.f("campaign plan: the customer data has no '%s' column", c), 0) end
  end
end

-- ---- the baseline: P(buy within the window without contact) ----

M.BASELINE_SOURCES = {
  churn = "the churn model (1 - churn probability)",
  btyd_p0 = "the BTYD model (1 - P(no purchase))",
  btyd_expected = "BTYD expected purchases (1 - exp(-E), a Poisson approximation)",
  history = "purchase history (1 - exp(-window x frequency / max(tenure, window)), no dropout)",
  fixed = "a fixed rate",
}

-- The sources to try for each customer, in order: { kind, column(s) }.
local function baseline_plan(opt, have, window, cols)
  local churn = cols.churn or "churn_probability"
  local p0 = cols.p_no_purchase or string.format("p_no_purchase_%dd", window)
  local ex = cols.expected_purchases or string.format("expected_purchases_%dd", window)
  local plan = {}
  local function add(kind, col) plan[#plan + 1] = { kind = kind, col = col } end
  if type(opt) == "number" then
    if opt ~= opt or opt < 0 or opt > 1 then error("campaign plan: baseline must be a probability from 0 to 1", 0) end
    add("fixed")
    plan.value = opt
    return plan
  end
  if opt ~= "auto" and opt ~= "churn" and opt ~= "btyd" and opt ~= "history" then
    error(string.format("campaign plan: baseline must be \"auto\", \"churn\", \"btyd\", \"history\" or a probability, got %s",
      tostring(opt)), 0)
  end
  if (opt == "auto" or opt == "churn") and have[churn] then add("churn", churn) end
  if (opt == "auto" or opt == "btyd") and have[p0] then add("btyd_p0", p0) end
  if (opt == "auto" or opt == "btyd") and have[ex] then add("btyd_expected", ex) end
  if opt ~= "auto" and #plan == 0 then
    error(string.format("campaign plan: baseline = \"%s\" but the customer data has no %s column", opt,
      opt == "churn" and ("'" .. churn .. "'") or ("'" .. p0 .. "' or '" .. ex .. "'")), 0)
  end
  if have.frequency and have.tenure_days then add("history") end
  if #plan == 0 then
    error("campaign plan: no baseline purchase probability: the customer data has no churn_probability, "
      .. "BTYD expected purchases, or frequency and tenure_days; give baseline = <probability>", 0)
  end
  return plan
end

-- p0 and its source for customer i (field(i, name) reads its values)
local function baseline_of(plan, i, field, window)
  for _, s in ipairs(plan) do
    if s.kind == "fixed" then return plan.value, "fixed" end
    if s.kind == "history" then
      local f, ten = field(i, "frequency"), field(i, "tenure_days")
      if type(f) == "number" and type(ten) == "number" and f >= 0 then
        return 1 - math.exp(-window * f / math.max(ten, window)), "history"
      end
    else
      local v = field(i, s.col)
      if type(v) == "number" and v == v then
        if s.kind == "btyd_expected" then
          if v >= 0 then return 1 - math.exp(-v), s.kind end
        elseif v >= 0 and v <= 1 then
          return 1 - v, s.kind
        end
      end
    end
  end
  return 0, "none"
end

local function hash32(s)   -- FNV-1a: a campaign's control group does not move when others change
  local h = 2166136261
  for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
  return h
end

local function new_ds(sg, spec, cols, n)
  local list = {}
  for _, c in ipairs(cols) do
    local vals = spec[c[1]]
    vals.n = n
    list[#list + 1] = { c[1], vals, c[2] }
  end
  return sg.dataset(list)
end

-- Plans every campaign over the customer table (one row per customer with
-- customer, segment, monetary, the basket column, the baseline columns and
-- the fields the rules use).  Options:
--   segments          the segment set (to check names)
--   recommendations   dataset customer, rank, item, ... for campaigns with recommend
--   window_days       the campaign window (default: the rule file's, else 90)
--   baseline          "auto" (default), "churn", "btyd", "history" or a fixed probability
--   columns           { basket =, churn =, expected_purchases =, p_no_purchase = } column names
--   allocation        "profit" (default), "greedy", "exact" or "priority"
--   total_budget      overrides the rule file's
--   learned           uplift per campaign and segment from M.learn (measured results)
--   seed              control groups (default 42)
--   confidence, power for the minimum detectable effect (0.95, 0.80)
--   currency, locale, assumptions   the assumptions sentence (locale "en" or "fr", a template)
-- Returns plan (one row per campaign), targets (one row per selected
-- customer and campaign, group = treatment or control), the customer table
-- with a `campaign` column (treatment campaigns only: control customers
-- are never contacted), and info { alerts, warnings, method, objective,
-- baseline }.
function Plan:plan(customers, opts)
  opts = opts or {}
  local sg, core = self.sg, M.core
  local D = M.DEFAULTS
  local segnames
  if opts.segments then
    segnames = {}
    for _, n in ipairs(opts.segments:names()) do segnames[n] = true end
  end
  check_fields(self, customers, segnames)
  local cols = opts.columns or {}
  local basket_col = cols.basket or D.basket
  local have = {}
  for _, c in ipairs(customers:columns()) do have[c] = true end
  if not have[basket_col] then
    error(string.format("campaign plan: the customer data has no '%s' column (the expected basket; "
      .. "columns = { basket = ... } names another)", basket_col), 0)
  end
  local window = opts.window_days or self.file.window_days or D.window_days
  if type(window) ~= "number" or window ~= math.floor(window) or window < 1 then
    error(string.format("campaign plan: window_days must be a whole number of days >= 1, got %s", tostring(window)), 0)
  end
  local bplan = baseline_plan(opts.baseline or "auto", have, window, cols)
  local total_budget = opts.total_budget or self.file.total_budget
  local conf, power = opts.confidence or D.confidence, opts.power or D.power
  local loc = type(opts.locale) == "table" and opts.locale or report.locales[opts.locale or "en"] or report.locales.en
  local currency = opts.currency or ""
  local learned = opts.learned

  -- the columns the plan reads, unless a predicate may read any field
  local needed, any_when = { customer = true, segment = true, segment_id = true, monetary = true,
    [basket_col] = true }, false
  for _, s in ipairs(bplan) do
    if s.col then needed[s.col] = true end
    if s.kind == "history" then needed.frequency, needed.tenure_days = true, true end
  end
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
    local sel = {}
    for _, c in ipairs(customers:columns()) do if needed[c] then sel[#sel + 1] = c end end
    view = customers:select(sel)
  end
  -- The customers' values are read a column at a time (a Lua array of the
  -- values per column the plan reads, loaded when first used), not as one
  -- table per customer: a row table costs about ten times as much, which on
  -- a million customers is most of a run's peak memory.  A `when` predicate
  -- gets a row table built for its call.
  local ncust = view:nrows()
  local colv = {}
  local function field(i, name)
    local c = colv[name]
    if c == nil then
      c = view:has(name) and view:column(name) or false
      colv[name] = c
    end
    if c then return c[i] end
    return nil
  end
  local function row_of(i) return view:row(i) end
  local recs = {}
  if opts.recommendations then
    for _, r in opts.recommendations:rows() do
      local l = recs[r.customer]
      if not l then l = {}; recs[r.customer] = l end
      l[#l + 1] = r.item
    end
  end

  -- per customer: baseline and basket
  local p0, src, basket = {}, {}, {}
  local src_count = {}
  for i = 1, ncust do
    p0[i], src[i] = baseline_of(bplan, i, field, window)
    src_count[src[i]] = (src_count[src[i]] or 0) + 1
    local b = field(i, basket_col)
    basket[i] = (type(b) == "number" and b == b and b > 0) and b or 0
  end

  -- per (customer, campaign) pair: the uplift and the expected incremental profit
  local pc, pj, pprofit, pu = {}, {}, {}, {}
  local camp_rows = {}
  for j, camp in ipairs(self.campaigns) do
    local cr = { eligible = 0, revenue = 0, profitable = 0, profit_all = 0, learned = 0, pairs = {}, no_recs = 0 }
    camp_rows[j] = cr
    local lrn = learned and learned[camp.name]
    for i = 1, ncust do
      local ok = matches(camp.target, i, field, row_of) and not (camp.exclude and matches(camp.exclude, i, field, row_of))
      -- a recommendation campaign has nothing to say to a customer without one
      if ok and camp.recommend and opts.recommendations and not recs[field(i, "customer")] then
        ok, cr.no_recs = false, cr.no_recs + 1
      end
      if ok then
        cr.eligible = cr.eligible + 1
        cr.revenue = cr.revenue + (field(i, "monetary") or 0)
        local u
        local seg = field(i, "segment")
        local l = lrn and seg ~= nil and lrn[seg]
        if l then
          u = l.uplift
          cr.learned = cr.learned + 1
        elseif camp.conversion_rate then
          u = math.max(0, camp.conversion_rate - p0[i])
        else
          u = camp.uplift
        end
        local q1 = math.min(1, math.max(0, p0[i] + u))
        local b = basket[i]
        local profit = (q1 - p0[i]) * b * camp.margin - camp.discount * q1 * b - camp.order_cost * q1 - camp.cost
        local k = #pc + 1
        pc[k], pj[k], pprofit[k], pu[k] = i, j, profit, q1 - p0[i]
        cr.pairs[#cr.pairs + 1] = k
        cr.profit_all = cr.profit_all + profit
        if profit > 0 then cr.profitable = cr.profitable + 1 end
      end
    end
  end

  -- allocation
  local acamps, ncand = {}, 0
  for j, camp in ipairs(self.campaigns) do
    local budget = camp.budget
    if camp.budget_share then budget = camp.budget_share * camp_rows[j].revenue end
    camp_rows[j].budget = budget
    acamps[j] = { cost = camp.cost, budget = budget, control_share = camp.control_share,
      multiple = camp.allow_multiple, force = camp.force }
    if not camp.force then ncand = ncand + camp_rows[j].profitable end
  end
  local method = opts.allocation or D.allocation
  if method == "profit" then
    method = ncand <= (opts.exact_max_pairs or D.exact_max_pairs) and "exact" or "greedy"
  elseif method ~= "greedy" and method ~= "exact" and method ~= "priority" then
    error(string.format("campaign plan: allocation must be \"profit\", \"greedy\", \"exact\" or \"priority\", got %s",
      tostring(method)), 0)
  end
  local chosen, ainfo = core._campaign_allocate(acamps, { customer = pc, campaign = pj, profit = pprofit },
    { method = method, total_budget = total_budget })
  local is_sel = {}
  for _, k in ipairs(chosen) do is_sel[k] = true end

  -- per campaign: ranks, control group, targets, totals
  local plan = { campaign = {}, channel = {}, offer = {}, eligible = {}, targeted = {}, treatment = {},
    control = {}, budget = {}, cost = {}, discount_cost = {}, expected_conversions = {},
    expected_incremental_buyers = {}, expected_incremental_revenue = {}, expected_incremental_profit = {},
    roi = {}, mde = {}, margin = {}, uplift = {}, discount = {}, cost_per_contact = {}, control_share = {},
    window_days = {}, mean_baseline = {}, baseline_source = {}, uplift_source = {}, alert = {},
    assumptions = {}, expected_revenue = {}, expected_roi = {}, expected_incremental_sales = {},
    expected_incremental_margin = {}, order_cost = {}, cost_per_order = {} }
  local tg = { campaign = {}, customer = {}, rank = {}, segment = {}, group = {}, value = {},
    p_buy_baseline = {}, p_buy_contact = {}, uplift = {}, expected_basket = {},
    expected_incremental_revenue = {}, expected_incremental_profit = {}, margin = {}, discount = {},
    contact_cost = {}, window_days = {}, recommended = {}, cost_per_order = {} }
  local assigned, ntg = {}, 0
  local alerts, warnings = {}, {}
  local measurement = {}   -- the same control-group warnings, as data for the summary
  for _, w in ipairs(self.warnings) do warnings[#warnings + 1] = w end
  if (src_count.none or 0) > 0 then
    warnings[#warnings + 1] = string.format("%d customers have no baseline purchase probability (missing values in "
      .. "every source) and count as never buying without contact", src_count.none)
  end
  local seed = opts.seed or D.seed
  for j, camp in ipairs(self.campaigns) do
    local cr = camp_rows[j]
    local key = camp.rank_by
    -- ranked by expected profit, then rank_by (missing last), then row order; sorted in C
    local sel, sp, sv, si = {}, {}, {}, {}
    for _, k in ipairs(cr.pairs) do
      if is_sel[k] then
        local r = #sel + 1
        local v = field(pc[k], key)
        sel[r], sp[r], sv[r], si[r] = k, pprofit[k], type(v) == "number" and v or nil, pc[k]
      end
    end
    if #sel > 1 then
      local n = #sel
      sel.n, sp.n, sv.n, si.n = n, n, n, n
      sel = sg.dataset { { "k", sel, "int64" }, { "p", sp, "double" }, { "v", sv, "double" }, { "i", si, "int64" } }
        :sort { "-p", "-v", "i" }:column("k")
      sel.n = nil
    end
    -- the control group: stratified by segment, seeded per campaign
    local segids, seglist = {}, {}
    -- (by segment id when the table has one, so the strata do not depend on the language)
    local function stratum(i) return tostring(field(i, "segment_id") or field(i, "segment")) end
    for _, k in ipairs(sel) do
      local s = stratum(pc[k])
      if not segids[s] then segids[s] = true; seglist[#seglist + 1] = s end
    end
    table.sort(seglist)
    for i, s in ipairs(seglist) do segids[s] = i end
    local strata = {}
    for r, k in ipairs(sel) do strata[r] = segids[stratum(pc[k])] end
    local ctl = core._campaign_control(strata, #seglist, camp.control_share,
      (seed * 1000003 + hash32(camp.key)) & 0x7fffffffffffffff)
    local is_ctl = {}
    for _, r in ipairs(ctl) do is_ctl[r] = true end
    local nt, nc = 0, 0
    local disc, rev, profit, conv, incr, base_sum, up_sum, sales, ocost = 0, 0, 0, 0, 0, 0, 0, 0, 0
    for r, k in ipairs(sel) do
      local i = pc[k]
      local customer, value = field(i, "customer"), field(i, key)
      local q0, q1, b = p0[i], p0[i] + pu[k], basket[i]
      local irev = (q1 * (1 - camp.discount) - q0) * b
      base_sum = base_sum + q0
      local group = is_ctl[r] and "control" or "treatment"
      if group == "treatment" then
        nt = nt + 1
        disc = disc + camp.discount * q1 * b
        ocost = ocost + camp.order_cost * q1
        rev = rev + irev
        sales = sales + pu[k] * b
        profit = profit + pprofit[k]
        conv = conv + q1
        incr = incr + pu[k]
        up_sum = up_sum + pu[k]
        assigned[i] = assigned[i] and (assigned[i] .. "; " .. camp.name) or camp.name
      else
        nc = nc + 1
      end
      ntg = ntg + 1
      local t = ntg
      tg.campaign[t] = camp.name
      tg.customer[t] = customer
      tg.rank[t] = r
      tg.segment[t] = field(i, "segment")
      tg.group[t] = group
      tg.value[t] = type(value) == "number" and value or nil
      tg.p_buy_baseline[t] = q0
      tg.p_buy_contact[t] = q1
      tg.uplift[t] = pu[k]
      tg.expected_basket[t] = b
      tg.expected_incremental_revenue[t] = irev
      tg.expected_incremental_profit[t] = pprofit[k]
      tg.margin[t] = camp.margin
      tg.discount[t] = camp.discount
      tg.contact_cost[t] = camp.cost
      tg.cost_per_order[t] = camp.order_cost
      tg.window_days[t] = window
      tg.recommended[t] = camp.recommend and table.concat(recs[customer] or {}, " ", 1,
        math.min(camp.top_n, #(recs[customer] or {}))) or nil
    end
    local cost = nt * camp.cost
    local n = #sel
    local mean_base = n > 0 and base_sum / n or nil
    local mean_up = nt > 0 and up_sum / nt or nil
    local shown_base, shown_up = mean_base, mean_up   -- for the sentence: the eligible when none is selected
    if n == 0 and #cr.pairs > 0 then
      local sb, su = 0, 0
      for _, k in ipairs(cr.pairs) do sb, su = sb + p0[pc[k]], su + pu[k] end
      shown_base, shown_up = sb / #cr.pairs, su / #cr.pairs
    end
    local mde = (mean_base and nt > 0 and nc > 0) and core._campaign_mde(mean_base, nt, nc, conf, power) or nil
    -- the most common baseline source among the selected (else the eligible)
    local counts, best = {}, nil
    for _, k in ipairs(#sel > 0 and sel or cr.pairs) do
      local s = src[pc[k]]
      counts[s] = (counts[s] or 0) + 1
      if not best or counts[s] > counts[best] or (counts[s] == counts[best] and s < best) then best = s end
    end
    local usource = cr.learned > 0 and "learned" or camp.conversion_rate and "conversion_rate" or "rule"
    -- the eligible customers a planned campaign leaves out, and why: their
    -- expected profit is not positive, or (profitable) another campaign or the budget took them
    local unprofitable, elsewhere = 0, 0
    for _, k in ipairs(cr.pairs) do
      if not is_sel[k] then
        if pprofit[k] > 0 then elsewhere = elsewhere + 1 else unprofitable = unprofitable + 1 end
      end
    end
    local p = #plan.campaign + 1
    plan.campaign[p] = camp.name
    plan.channel[p] = camp.channel
    plan.offer[p] = camp.offer
    plan.eligible[p] = cr.eligible
    plan.targeted[p] = n
    plan.treatment[p] = nt
    plan.control[p] = nc
    plan.budget[p] = cr.budget
    plan.cost[p] = cost
    plan.discount_cost[p] = disc
    plan.order_cost[p] = ocost
    plan.expected_conversions[p] = conv
    plan.expected_incremental_buyers[p] = incr
    plan.expected_incremental_revenue[p] = rev
    plan.expected_incremental_profit[p] = profit
    plan.roi[p] = (cost + disc + ocost) > 0 and profit / (cost + disc + ocost) or nil
    plan.mde[p] = mde
    plan.margin[p] = camp.margin
    plan.uplift[p] = mean_up or camp.uplift
    plan.discount[p] = camp.discount
    plan.cost_per_contact[p] = camp.cost
    plan.cost_per_order[p] = camp.order_cost
    plan.control_share[p] = camp.control_share
    plan.window_days[p] = window
    plan.mean_baseline[p] = mean_base
    plan.baseline_source[p] = best
    plan.uplift_source[p] = usource
    plan.expected_revenue[p] = rev          -- older names, kept for the current summary template
    plan.expected_roi[p] = plan.roi[p]
    -- profit = margin x sales - discounts - order costs - contact cost, where sales
    -- (uplift x basket, before discounts) is what the contact adds; revenue = sales - discounts
    plan.expected_incremental_sales[p] = sales
    plan.expected_incremental_margin[p] = sales * camp.margin
    -- alerts: the caller shows them; nothing is planned silently at a loss
    local function alert(kind, msg)
      plan.alert[p] = kind
      alerts[#alerts + 1] = { campaign = camp.name, kind = kind, message = msg,
        profit = profit, eligible_profit = cr.profit_all }
    end
    local money = function(x) return report.money(x, currency, loc) end
    if cr.eligible == 0 then
      alert("no_eligible", string.format("campaign '%s': no customer matches its target", camp.name))
    elseif n > 0 and profit < 0 then
      alert("negative_profit", string.format("campaign '%s' is expected to lose %s on its %d contacts "
        .. "(expected incremental profit %s); it is planned only because the rule says force = true",
        camp.name, money(-profit), nt, money(profit)))
    elseif n == 0 and cr.profitable == 0 then
      alert("no_profitable_customers", string.format("campaign '%s': none of its %d eligible customers is "
        .. "expected to bring a positive incremental profit (contacting them all: %s); not planned",
        camp.name, cr.eligible, money(cr.profit_all)))
    elseif n == 0 then
      alert("not_allocated", string.format("campaign '%s': its %d profitable customers went to more profitable "
        .. "campaigns or the budget allows no contact; not planned", camp.name, cr.profitable))
    end
    if cr.no_recs > 0 then
      warnings[#warnings + 1] = string.format("campaign '%s': %d customers of its target have no co-purchased "
        .. "product to recommend and are left out", camp.name, cr.no_recs)
    end
    if nt > 0 and nc == 0 then
      measurement[#measurement + 1] = { campaign = camp.name, kind = camp.control_share > 0 and "too_few" or "none",
        targeted = n, control_share = camp.control_share }
      warnings[#warnings + 1] = camp.control_share > 0
        and string.format("campaign '%s': %d customers are too few for a control group of %s: its effect "
          .. "cannot be measured", camp.name, n, report.percent(camp.control_share, nil, 0))
        or string.format("campaign '%s': no control group (control_share = 0): its effect cannot be measured",
          camp.name)
    elseif mde and mean_up and mean_up < mde then
      measurement[#measurement + 1] = { campaign = camp.name, kind = "below_mde", treatment = nt, control = nc,
        mde = mde, uplift = mean_up, confidence = conf, power = power }
      warnings[#warnings + 1] = string.format("campaign '%s': with %d treated and %d control customers the smallest "
        .. "uplift a test can detect is %s points (%d%% confidence, %d%% power); the expected uplift, %s points, "
        .. "is below it: raise control_share or the audience to measure it", camp.name, nt, nc,
        report.number(mde * 100, 1), math.floor(conf * 100 + 0.5), math.floor(power * 100 + 0.5),
        report.number(mean_up * 100, 1))
    end
    local up_text
    local up = shown_up or camp.uplift or 0
    if usource == "conversion_rate" then
      up_text = string.format("conversion rate %s less each customer's baseline, %s on average",
        report.percent(camp.conversion_rate, loc), report.points(up * 100, 1, loc))
    else
      up_text = report.points(up * 100, 1, loc, true)
    end
    local W = opts.words or {}
    local CW = W.control or D.control_words
    local ckind = n == 0 and "not_planned" or nc > 0 and "kept" or camp.control_share > 0 and "too_few" or "none"
    local control_group = report.render(CW[ckind] or D.control_words[ckind], { control = report.number(nc, 0, loc),
      targeted = report.number(n, 0, loc), control_share = report.percent(camp.control_share, loc, 0) },
      "control group words")
    plan.assumptions[p] = report.render(opts.assumptions or D.assumptions, {
      control_group = control_group,
      campaign = camp.name,
      baseline_source = (W.baseline_sources or {})[best] or M.BASELINE_SOURCES[best] or "no data",
      baseline = report.percent(shown_base, loc), window_days = window, uplift = up_text,
      uplift_source = usource == "learned" and report.render(W.uplift_learned or "measured results for {{learned}} "
          .. "of {{eligible}} customers, shrunk toward the rule's {{prior_points}}", { learned = cr.learned,
          eligible = cr.eligible, prior = report.number((camp.uplift or 0) * 100, 1, loc),
          prior_points = report.points((camp.uplift or 0) * 100, 1, loc) }, "uplift_learned")
        or usource == "conversion_rate" and (W.uplift_conversion or "from the rule's conversion rate")
        or (W.uplift_rule or "the rule's estimate"),
      margin = report.percent(camp.margin, loc, 0), discount = report.percent(camp.discount, loc, 0),
      cost_per_contact = report.money(camp.cost, currency, loc),
      per_order = camp.order_cost > 0, cost_per_order = report.money(camp.order_cost, currency, loc),
      control_share = report.percent(camp.control_share, loc, 0),
      no_recs = cr.no_recs > 0 and report.number(cr.no_recs, 0, loc),
      eligible = report.number(cr.eligible, 0, loc), targeted = report.number(n, 0, loc),
      left_out = n > 0 and (unprofitable + elsewhere) > 0,
      unprofitable = unprofitable > 0 and report.number(unprofitable, 0, loc),
      unprofitable_plural = report.plural(unprofitable, loc),
      elsewhere = elsewhere > 0 and report.number(elsewhere, 0, loc),
      elsewhere_plural = report.plural(elsewhere, loc),
    }, "assumptions template")
  end
  for _, w in ipairs(warnings) do if sg and sg.info then sg.info("campaigns: %s", w) end end

  local np = #plan.campaign
  local plan_ds = new_ds(sg, plan, { { "campaign", "string" }, { "channel", "string" }, { "offer", "string" },
    { "eligible", "int64" }, { "targeted", "int64" }, { "treatment", "int64" }, { "control", "int64" },
    { "budget", "double" }, { "cost", "double" }, { "discount_cost", "double" },
    { "expected_conversions", "double" }, { "expected_incremental_buyers", "double" },
    { "expected_incremental_revenue", "double" }, { "expected_incremental_profit", "double" },
    { "roi", "double" }, { "mde", "double" }, { "margin", "double" }, { "uplift", "double" },
    { "discount", "double" }, { "cost_per_contact", "double" }, { "control_share", "double" },
    { "window_days", "int64" }, { "mean_baseline", "double" }, { "baseline_source", "string" },
    { "uplift_source", "string" }, { "alert", "string" }, { "assumptions", "string" },
    { "expected_revenue", "double" }, { "expected_roi", "double" }, { "expected_incremental_sales", "double" },
    { "expected_incremental_margin", "double" }, { "order_cost", "double" }, { "cost_per_order", "double" } }, np)
  local nt = #tg.campaign
  local targets_ds = new_ds(sg, tg, { { "campaign", "string" }, { "customer", nil }, { "rank", "int64" },
    { "segment", "string" }, { "group", "string" }, { "value", "double" }, { "p_buy_baseline", "double" },
    { "p_buy_contact", "double" }, { "uplift", "double" }, { "expected_basket", "double" },
    { "expected_incremental_revenue", "double" }, { "expected_incremental_profit", "double" },
    { "margin", "double" }, { "discount", "double" }, { "contact_cost", "double" },
    { "window_days", "int64" }, { "recommended", "string" }, { "cost_per_order", "double" } }, nt)
  local assigned_col = {}
  for i = 1, ncust do assigned_col[i] = assigned[i] end
  assigned_col.n = ncust
  local with = customers:with_column("campaign", assigned_col, "string")
  local info = { alerts = alerts, warnings = warnings, measurement = measurement, method = method, objective = ainfo.objective,
    baseline = src_count, window_days = window }
  return plan_ds, targets_ds, with, info
end

-- ---- the learning loop ----

-- Measured uplift per campaign and segment, shrunk toward the rule's
-- (a Beta-Binomial model per group).  For campaign j, segment s:
--   b  = the campaign's pooled control response rate (all segments; else
--        every campaign's; else 0)
--   u0 = the rule's uplift (for the older conversion_rate: max(0, rate - b))
--   treatment rate ~ Beta(m (b + u0), m (1 - b - u0)), control rate ~ Beta(m b, m (1 - b)),
--   m = prior_strength (default 200 customers per group), means clamped into [0.001, 0.999]
--   posterior means: (x_t + m (b + u0)) / (n_t + m) and (x_c + m b) / (n_c + m)
--   learned uplift = their difference; sd from the two Beta posteriors.
-- With no data the learned uplift is u0; with groups much larger than m it
-- is the measured one.  `results` is what segmint.campaign_results returns
-- (or its `segments` dataset).  Returns { [campaign] = { [segment] = {
-- uplift, sd, prior, observed, treatment, control, weight } } }, ready for
-- plan(customers, { learned = ... }).
function M.learn(results, camps, opts)
  opts = opts or {}
  local m = opts.prior_strength or M.DEFAULTS.prior_strength
  if type(m) ~= "number" or not (m > 0) then error("campaign_learn: prior_strength must be a number > 0", 2) end
  local ds = results
  if type(results) == "table" and results.segments then ds = results.segments end
  if type(ds) ~= "userdata" or not ds.columns then
    error("campaign_learn: expected the results of segmint.campaign_results (or their segments dataset)", 2)
  end
  local by_name = {}
  for _, c in ipairs(camps.campaigns) do by_name[c.name] = c end
  local rows, pool, all = {}, {}, { n = 0, x = 0 }
  for _, r in ds:rows() do
    rows[#rows + 1] = r
    local p = pool[r.campaign] or { n = 0, x = 0 }
    pool[r.campaign] = p
    p.n, p.x = p.n + (r.control or 0), p.x + (r.control_responders or 0)
    all.n, all.x = all.n + (r.control or 0), all.x + (r.control_responders or 0)
  end
  local function clamp(x) return math.min(0.999, math.max(0.001, x)) end
  local out, unknown = {}, {}
  for _, r in ipairs(rows) do
    local camp = by_name[r.campaign]
    if not camp then
      unknown[r.campaign] = true
    elseif r.segment ~= nil then
      local p = pool[r.campaign]
      local b = p.n > 0 and p.x / p.n or all.n > 0 and all.x / all.n or 0
      local u0 = camp.conversion_rate and math.max(0, camp.conversion_rate - b) or camp.uplift or 0
      local mt, mc = clamp(b + u0), clamp(b)
      local nt, xt = r.treatment or 0, r.treatment_responders or 0
      local nc, xc = r.control or 0, r.control_responders or 0
      local at, bt = xt + m * mt, nt - xt + m * (1 - mt)
      local ac, bc = xc + m * mc, nc - xc + m * (1 - mc)
      local post_t, post_c = at / (at + bt), ac / (ac + bc)
      local var = at * bt / ((at + bt) ^ 2 * (at + bt + 1)) + ac * bc / ((ac + bc) ^ 2 * (ac + bc + 1))
      out[r.campaign] = out[r.campaign] or {}
      out[r.campaign][r.segment] = { uplift = post_t - post_c, sd = math.sqrt(var), prior = mt - mc,
        observed = (nt > 0 and nc > 0) and (xt / nt - xc / nc) or nil, treatment = nt, control = nc,
        weight = (nt + nc) / (nt + nc + 2 * m) }
    end
  end
  local missing = {}
  for n in pairs(unknown) do missing[#missing + 1] = n end
  table.sort(missing)
  return out, missing
end

function Plan:learn(results, opts)
  return M.learn(results, self, opts)
end

return M
