-- Rule sets: the numbers and conditions of an analysis live once, shared
-- by every language (recipes/rules/*.lua), and each language adds only
-- names and wording (recipes/<lang>/*.lua), keyed by the rules' ids:
--
--   rules/segments.lua   { "champions", r = "4-5", f = "4-5", m = "4-5" }
--   en/segments.lua      champions = { "Champions", why = "...", action = "..." }
--   rules/campaigns.lua  { id = "welcome_back", target = { recency_days = "> {inactive_days}" },
--                          discount = 0.20, ... }
--   en/campaigns.lua     welcome_back = { name = "Welcome Back", offer = "{discount} off the next order" }
--
-- The merge gives the segment and campaign engines the tables they know
-- (names first), remembers where each field came from so messages name
-- the right file and line, and collects every problem instead of
-- stopping at the first.  Periods (rules/periods.lua) are set once and
-- may be used in conditions as {name}.
local rules = require "segmint.rules"
local tr = require "segmint.messages"

local M = {}

-- ---- problems ----

-- A list of errors and warnings, each "file:line: message".
function M.problems()
  return { errors = {}, warnings = {} }
end

-- (every message is written in the analysis' language: segmint.messages)
local function add(list, fmt, ...)
  list[#list + 1] = tr.f(fmt, ...)
end

local function hint_text(name, known)
  return tr.hint(type(name) == "string" and rules.suggest(name, known) or nil)
end

-- How a value of the wrong type is described: its type and how to write it.
function M.describe_value(v)
  if type(v) == "string" then
    local n = tonumber(v)
    if n then return tr.f('a string, "%s"; write %s without quotes', v, v) end
    return tr.f('a string, "%s"', v)
  end
  if type(v) == "table" then return tr.w("a table") end
  local t = type(v)
  local a = t == "nil" and tr.w("nothing") or t == "number" and tr.w("a number") or t == "boolean" and tr.w("a boolean")
    or t == "function" and tr.w("a function") or ("a " .. t)
  return string.format("%s %s", a, v == nil and "" or tostring(v))
end

local function sorted_keys(t)
  local k = {}
  for key in pairs(t) do if type(key) == "string" then k[#k + 1] = key end end
  table.sort(k)
  return k
end

-- ---- periods ----

M.PERIODS = {
  inactive_days = { 90, "a customer with no purchase for longer is inactive", 1, 3650 },
  horizon_days = { 90, "how far ahead the models predict (churn, spend, expected purchases)", 1, 3650 },
  clv_months = { 12, "the customer lifetime value horizon", 1, 240 },
  comparison_days = { 90, "the latest period compared with the one before (average basket, recent spend)", 1, 3650 },
}

-- The named periods with their defaults; bad entries go to problems.
function M.periods(tbl, problems)
  local out = {}
  for k, spec in pairs(M.PERIODS) do out[k] = spec[1] end
  if tbl == nil then return out end
  if type(tbl) ~= "table" then
    add(problems.errors, "periods: expected a table like { inactive_days = 90 }, got %s", M.describe_value(tbl))
    return out
  end
  local known = sorted_keys(M.PERIODS)
  for k, v in pairs(tbl) do
    local spec = M.PERIODS[k]
    local where = rules.where_key(tbl, k)
    if not spec then
      add(problems.errors, "%speriods: unknown period '%s'%s", where, tostring(k), hint_text(k, known))
    elseif math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) then
      add(problems.errors, "%speriods: '%s' must be a whole number of %s, got %s", where, k,
        k:match("months$") and tr.w("months") or tr.w("days"), M.describe_value(v))
    elseif v < spec[3] or v > spec[4] then
      add(problems.errors, "%speriods: '%s' must be from %d to %d, got %s", where, k, spec[3], spec[4], tostring(v))
    else
      out[k] = math.tointeger(v) or v
    end
  end
  return out
end

-- Replaces {name} in a condition text with the period's value.
local function substitute(text, periods, report)
  return (text:gsub("{([%w_]*)}", function(name)
    local v = periods[name]
    if v == nil then
      report(tr.f("'{%s}' is not a period%s", name, hint_text(name, sorted_keys(M.PERIODS))))
      return "{" .. name .. "}"
    end
    return tostring(v)
  end))
end

-- ---- currency ----

M.CURRENCIES = { GBP = "£", EUR = "€", USD = "$", JPY = "¥", CHF = "CHF", CAD = "CA$", AUD = "A$",
  SEK = "kr", NOK = "kr", DKK = "kr", PLN = "zł", INR = "₹", CNY = "¥", BRL = "R$" }

-- The symbol to print for a currency: an ISO 4217 code ("GBP") or a symbol as given.
function M.currency_symbol(cur, problems)
  if cur == nil or cur == "" then return "" end
  if type(cur) ~= "string" then
    add(problems.errors, "currency: expected an ISO code such as \"GBP\" or \"EUR\", got %s", M.describe_value(cur))
    return ""
  end
  if cur:match("^%u%u%u$") then return M.CURRENCIES[cur] or cur end
  return cur
end

-- ---- locating entries of language files (tables keyed by id) ----

-- ---- segments ----

local SEGMENT_WORDING = { [1] = true, why = true, action = true, description = true }

-- The label of one id: { name, why, action, description }, from
-- `{ "Name", why = ... }` or "Name".
local function label_of(labels, id, what, where_rule, problems, file_hint)
  local l = labels[id]
  if l == nil then
    add(problems.errors, "%s%s '%s' has no name in %s", where_rule, what, id, file_hint)
    return { name = id }
  end
  if type(l) == "string" then return { name = l } end
  if type(l) ~= "table" then
    add(problems.errors, "%s%s '%s': expected a name or a table like { \"Name\", why = \"...\" }, got %s",
      rules.where_key(labels, id), what, id, M.describe_value(l))
    return { name = id }
  end
  local name = l[1] or l.name
  if type(name) ~= "string" or name == "" then
    add(problems.errors, "%s%s '%s' has no name (its first entry)", rules.where_key(labels, id), what, id)
    name = id
  end
  return { name = name, why = l.why, action = l.action, description = l.description, offer = l.offer,
    channel = l.channel, kpis = l.kpis, raw = l }
end

local function check_label_fields(labels, id, allowed, what, problems)
  local l = labels[id]
  if type(l) ~= "table" then return end
  local known = {}
  for k in pairs(allowed) do if type(k) == "string" then known[#known + 1] = k end end
  table.sort(known)
  for k, v in pairs(l) do
    if not allowed[k] then
      add(problems.errors, "%s%s '%s': '%s' is not a wording field here%s%s", rules.where_key(labels, id, tostring(k)),
        what, id, tostring(k), hint_text(k, known),
        type(v) == "number" and tr.w("; numbers belong in the shared rules/ file") or "")
    elseif k ~= "kpis" and type(v) ~= "string" then
      add(problems.errors, "%s%s '%s', field '%s': expected text, got %s", rules.where_key(labels, id, tostring(k)),
        what, id, tostring(k), M.describe_value(v))
    end
  end
end

-- Labels naming ids the rules do not have, when they are near misses of
-- one (typos).  Other extra labels are fine: one language file may serve
-- several rule tables (the shipped segments and the R rfm package's).
local function check_unknown_labels(labels, ids, what, rules_file, problems)
  local known = {}
  for id in pairs(ids) do known[#known + 1] = id end
  table.sort(known)
  for _, k in ipairs(sorted_keys(labels)) do
    if not ids[k] and rules.suggest(k, known) then
      add(problems.errors, "%s'%s' is not %s of %s%s", rules.where_key(labels, k), k, what, rules_file,
        hint_text(k, known))
    end
  end
end

local function source_name(tbl, fallback)
  local src = rules.sources[tbl]
  return src and src.path or fallback
end

-- Segment rules with ids plus their labels -> the table segmint.segments
-- takes (names first), the id -> name map and the name -> id map.  With
-- no labels, the rules carry their names themselves (ids = names).
function M.merge_segments(tbl, labels, problems)
  if type(tbl) ~= "table" then
    add(problems.errors, "segments: expected a list of rules, got %s", M.describe_value(tbl))
    return {}, {}, {}
  end
  local names, ids = {}, {}
  if labels == nil then
    for _, r in ipairs(tbl) do
      local n = type(r) == "table" and (r[1] or r.name)
      if type(n) == "string" then names[n], ids[n] = n, n end
    end
    return tbl, names, ids
  end
  if type(labels) ~= "table" then
    add(problems.errors, "segments: the labels must be a table of names by segment id, got %s", M.describe_value(labels))
    labels = {}
  end
  local file = source_name(tbl, tr.w("the segment rules"))
  local lfile = source_name(labels, tr.w("the segment names"))
  local merged, origins, seen = {}, {}, {}
  for i, r in ipairs(tbl) do
    if type(r) ~= "table" then
      merged[i] = r
    else
      local id = r[1] or r.id
      local where = rules.where(tbl, i, type(id) == "string" and id or nil)
      local m = {}
      for k, v in pairs(r) do
        if SEGMENT_WORDING[k] and k ~= 1 then
          add(problems.errors, "%ssegment '%s': wording such as '%s' belongs in %s, not in the shared rules",
            rules.where(tbl, i, id, k), tostring(id), k, lfile)
        elseif k ~= "id" then
          m[k] = v
        end
      end
      if type(id) ~= "string" or id == "" then
        add(problems.errors, "%srule %d has no id (its first entry, such as \"champions\")", where, i)
      else
        seen[id] = true
        local l = label_of(labels, id, tr.w("segment"), where, problems, lfile)
        check_label_fields(labels, id, SEGMENT_WORDING, tr.w("segment"), problems)
        m[1], m.why, m.action, m.description = l.name, l.why, l.action, l.description
        m.id = nil
        names[id], ids[l.name] = l.name, id
      end
      merged[i] = m
      origins[i] = { rules = tbl, index = i, id = id, labels = labels, wording = SEGMENT_WORDING }
    end
  end
  check_unknown_labels(labels, seen, tr.w("a segment"), file, problems)
  rules.set_origins(merged, origins)
  return merged, names, ids
end

-- A list of segment ids (or names, without labels) -> names; unknown ones
-- are reported at `where` with the closest id.
function M.segment_names(list, seg_names, where, what, problems)
  local out = {}
  if type(list) ~= "table" then
    add(problems.errors, "%s%s: expected a list of segment ids, got %s", where, what, M.describe_value(list))
    return out
  end
  local known = sorted_keys(seg_names)
  for _, s in ipairs(list) do
    local name = seg_names[s]
    if not name then
      add(problems.errors, "%s%s: no segment '%s'%s", where, what, tostring(s), hint_text(s, known))
    else
      out[#out + 1] = name   -- (an unknown id, reported, leaves no hole)
    end
  end
  -- every id unknown (each reported): no list, rather than an empty one
  -- reported again as not a list
  if #out == 0 and #list > 0 then return nil end
  return out
end

-- ---- campaigns ----

local CAMPAIGN_WORDING = { name = true, channel = true, offer = true, kpis = true, description = true }

-- "{discount} off": the campaign's numbers in its wording, formatted for the language.
local function render_offer(text, rule, fmt)
  if type(text) ~= "string" then return text end
  return (text:gsub("{([%w_]+)}", function(k)
    local v = rule[k]
    if type(v) ~= "number" then return "{" .. k .. "}" end
    if k == "discount" or k:match("share$") or k:match("rate$") then
      return fmt.percent(v, (v * 100) % 1 == 0 and 0 or 1)
    end
    if k:match("^cost") or k == "budget" then return fmt.money(v) end
    return fmt.number(v)
  end))
end

local function conditions(spec, periods, where, what, problems)
  if type(spec) ~= "table" then return spec end
  local out = {}
  for k, v in pairs(spec) do
    if type(v) == "string" and v:find("{", 1, true) then
      v = substitute(v, periods, function(msg) add(problems.errors, "%s%s.%s: %s", where, what, tostring(k), msg) end)
    end
    out[k] = v
  end
  return out
end

-- Campaign rules with ids plus their labels -> the table segmint.campaigns
-- takes: names and wording from the labels, segment ids turned into the
-- segment names, {period} references resolved, {discount} in the wording
-- formatted.  fmt: { percent = fn, money = fn, number = fn }.
function M.merge_campaigns(tbl, labels, seg_names, periods, fmt, problems)
  if type(tbl) ~= "table" then
    add(problems.errors, "campaigns: expected a list of campaigns, got %s", M.describe_value(tbl))
    return {}
  end
  if labels ~= nil and type(labels) ~= "table" then
    add(problems.errors, "campaigns: the labels must be a table of names by campaign id, got %s", M.describe_value(labels))
    labels = {}
  end
  local file = source_name(tbl, tr.w("the campaign rules"))
  local lfile = labels and source_name(labels, tr.w("the campaign names"))
  local merged, origins, seen = {}, {}, {}
  for i, c in ipairs(tbl) do
    if type(c) ~= "table" then
      merged[i] = c
    else
      local id = labels and c.id or c.name
      local where = rules.where(tbl, i, type(id) == "string" and id or nil)
      local m = {}
      for k, v in pairs(c) do m[k] = v end
      if labels then
        for k in pairs(CAMPAIGN_WORDING) do
          if c[k] ~= nil then
            add(problems.errors, "%scampaign '%s': wording such as '%s' belongs in %s, not in the shared rules",
              rules.where(tbl, i, id, k), tostring(id), k, lfile)
          end
        end
        if type(id) ~= "string" or id == "" then
          add(problems.errors, "%scampaign %d has no id (such as id = \"welcome_back\")", where, i)
        else
          if seen[id] then
            add(problems.errors, "%scampaign id '%s' appears twice (campaigns %d and %d)", rules.where(tbl, i), id,
              seen[id], i)
          end
          seen[id] = seen[id] or i
          local l = label_of(labels, id, tr.w("campaign"), where, problems, lfile)
          check_label_fields(labels, id, CAMPAIGN_WORDING, tr.w("campaign"), problems)
          m.name = l.name
          m.channel, m.kpis, m.description = l.channel, l.kpis, l.description
          m.offer = render_offer(l.offer, c, fmt)
        end
      end
      for _, key in ipairs { "target", "exclude" } do
        local spec = conditions(c[key], periods, rules.where(tbl, i, id, key), key, problems)
        if type(spec) == "table" and spec.segments ~= nil then
          spec.segments = M.segment_names(spec.segments, seg_names, rules.where(tbl, i, id, "segments"),
            tr.f("campaign '%s', %s.segments", tostring(id), key), problems)
        end
        m[key] = spec
      end
      merged[i] = m
      origins[i] = { rules = tbl, index = i, id = id, labels = labels, wording = CAMPAIGN_WORDING }
    end
  end
  if labels then check_unknown_labels(labels, seen, tr.w("a campaign"), file, problems) end
  -- the file's own settings (defaults, total_budget) come along
  for k, v in pairs(tbl) do
    if math.type(k) ~= "integer" then
      if k == "window_days" then
        add(problems.errors, "%scampaigns: the campaign window is horizon_days in rules/periods.lua, set once for "
          .. "every step", rules.where_key(tbl, k))
      else
        merged[k] = v
      end
    end
  end
  rules.set_origins(merged, origins)
  return merged
end

-- ---- clusters ----

-- Cluster naming rules with ids plus their labels (like segments).
function M.merge_clusters(tbl, labels, problems)
  local merged = M.merge_segments(tbl, labels, problems)
  return merged
end

-- ---- KPIs ----

local KPI_WORDING = { [1] = true, name = true, description = true, why = true }

-- KPI rules with ids plus their names -> the table segmint.kpis takes.
-- campaign = an id (response_rate) becomes the campaign's name.
function M.merge_kpis(tbl, labels, campaign_names, problems)
  if type(tbl) ~= "table" then
    add(problems.errors, "kpis: expected a list of KPIs, got %s", M.describe_value(tbl))
    return {}
  end
  if labels == nil then return tbl end
  if type(labels) ~= "table" then
    add(problems.errors, "kpis: the labels must be a table of names by KPI id, got %s", M.describe_value(labels))
    labels = {}
  end
  local file = source_name(tbl, tr.w("the KPI rules"))
  local lfile = source_name(labels, tr.w("the KPI names"))
  local merged, origins, seen = {}, {}, {}
  for i, k in ipairs(tbl) do
    if type(k) ~= "table" then
      merged[i] = k
    else
      local id = k.id
      local where = rules.where(tbl, i, type(id) == "string" and id or nil)
      local m = {}
      for f, v in pairs(k) do if f ~= "id" then m[f] = v end end
      if type(id) ~= "string" or id == "" then
        add(problems.errors, "%sKPI %d has no id (such as id = \"retention\")", where, i)
      else
        if seen[id] then add(problems.errors, "%sKPI id '%s' appears twice", where, id) end
        seen[id] = true
        local l = label_of(labels, id, tr.w("KPI"), where, problems, lfile)
        check_label_fields(labels, id, KPI_WORDING, tr.w("KPI"), problems)
        m.name, m.description = l.name, l.description or (type(l.raw) == "table" and l.raw.why or nil)
        m.id = nil
        if type(k.campaign) == "string" and campaign_names then
          m.campaign = campaign_names[k.campaign] or k.campaign
        end
      end
      merged[i] = m
      origins[i] = { rules = tbl, index = i, id = id, labels = labels, wording = KPI_WORDING }
    end
  end
  check_unknown_labels(labels, seen, tr.w("a KPI"), file, problems)
  rules.set_origins(merged, origins)
  return merged
end

-- ---- alerts ----

M.ALERTS = {
  basket_drop = { 0.20, "alert when the average basket fell by more than this share", 0, 1 },
  monthly_churn = { 0.05, "alert when the monthly churn rate is above this share", 0, 1 },
  monthly_churn_rise = { 0, "alert when the monthly churn rate is this much above its average over the 12 "
    .. "months before (0.03: 3 points; 0: no such alert)", 0, 1 },
  at_risk_probability = { 0.5, "an active customer is at risk from this churn probability", 0, 1 },
  min_satisfaction = { 4, "alert when the average satisfaction falls below this score", 0, 1e9 },
}
local ALERT_LISTS = { action_segments = true, engaged_segments = true }
local MOVED_TO_PERIODS = { inactive_days = "inactive_days", period_days = "comparison_days" }

-- The alert thresholds and segment lists (as names), with defaults.
function M.alerts(tbl, seg_names, problems)
  local out = { action_segments = {}, engaged_segments = {} }
  for k, spec in pairs(M.ALERTS) do out[k] = spec[1] end
  if tbl == nil then return out end
  if type(tbl) ~= "table" then
    add(problems.errors, "alerts: expected a table of thresholds, got %s", M.describe_value(tbl))
    return out
  end
  local known = sorted_keys(M.ALERTS)
  for k in pairs(ALERT_LISTS) do known[#known + 1] = k end
  for k in pairs(MOVED_TO_PERIODS) do known[#known + 1] = k end
  table.sort(known)
  for k, v in pairs(tbl) do
    local where = rules.where_key(tbl, k)
    local spec = M.ALERTS[k]
    if spec then
      if type(v) ~= "number" then
        add(problems.errors, "%salerts: '%s' must be a number from %s to %s, got %s", where, k, spec[3],
          spec[4], M.describe_value(v))
      elseif v < spec[3] or v > spec[4] then
        add(problems.errors, "%salerts: '%s' must be a share from %s to %s (0.05 is 5%%), got %s%s", where, k, spec[3],
          spec[4], tostring(v), v > 1 and v <= 100 and tr.f("; for %s%% write %s", v, v / 100) or "")
      else
        out[k] = v
      end
    elseif ALERT_LISTS[k] then
      out[k] = M.segment_names(v, seg_names, where, "alerts." .. k, problems) or {}
    elseif MOVED_TO_PERIODS[k] then
      add(problems.errors, "%salerts: '%s' is now set once for the whole analysis: '%s' in rules/periods.lua",
        where, k, MOVED_TO_PERIODS[k])
    else
      add(problems.errors, "%salerts: unknown field '%s'%s", where, tostring(k), hint_text(k, known))
    end
  end
  return out
end

return M
