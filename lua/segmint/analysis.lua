-- The default analysis: from raw transactions to RFM scores, segments,
-- lifetime value, clusters, churn risk, cross-selling, a campaign plan,
-- an executive summary and a manifest.  Recipes call it with their column
-- mapping, rule files and wording:
--
--   sg.analysis {
--     transactions = "data/transactions.csv", read = { types = { ... } },
--     columns = { customer = "CustomerID", invoice = "InvoiceNo", date = "InvoiceDate",
--                 quantity = "Quantity", price = "UnitPrice", item = "StockCode" },
--     currency = "GBP", language = "en",
--     periods = require "rules.periods",
--     clean = { cancellations = "net" }, rfm = { bins = 5 }, cross_sell = { min_support = 0.01 },
--     segments = { rules = require "rules.segments", labels = require "en.segments" },
--     campaigns = { rules = require "rules.campaigns", labels = require "en.campaigns" },
--     alerts = require "rules.alerts",
--     clusters = { rules = require "rules.clusters", labels = require "en.clusters", k = "auto" },
--     btyd = { model = "bgnbd", unit = "weeks" }, models = { features = require "en.features" },
--     template = require "en.summary", steps = { ... }, out = out, seed = seed,
--   }
--
-- Everything is checked first (analysis.validate: every rule file, the
-- names they share, the template's placeholders), and all problems are
-- reported at once before any data is read; `segmint check` stops there.
-- Then the steps of pipeline.lua run in order.  Returns the results table
-- (ctx.res) of every intermediate dataset.
local report = require "segmint.report"
local rules = require "segmint.rules"
local ruleset = require "segmint.ruleset"
local pipeline = require "segmint.pipeline"
local summary = require "segmint.summary"
local tr = require "segmint.messages"

local M = {}

local KNOWN = { "transactions", "read", "columns", "currency", "language", "periods", "clean", "rfm",
  "cross_sell", "segments", "campaigns", "alerts", "kpis", "clusters", "btyd", "models", "template", "steps",
  "history", "label", "out", "seed", "generated", "csv", "campaign_history", "report", "workbook", "stream" }
local TEMPLATE_KEYS = { "language", "unassigned", "model_names", "alerts", "reasons", "text", "assumptions",
  "campaign_words", "campaign_alerts", "status_names", "units", "btyd_names", "btyd_articles", "kpi_status",
  "kpi_trend", "cluster_words", "moves", "kpi_now", "all_channels", "channel_names", "and_word", "campaign_warnings" }
local REQUIRED_COLUMNS = { "customer", "invoice", "date", "quantity", "price" }
local SQL_KEY_LIST = { "db", "query", "params", "types", "max_rows" }
local SQL_KEYS = {}
for _, k in ipairs(SQL_KEY_LIST) do SQL_KEYS[k] = true end

M.run_date = summary.run_date

-- (every message is written in the analysis' language: segmint.messages)
local function add(list, fmt, ...) list[#list + 1] = tr.f(fmt, ...) end

local function hint(name, known)
  return tr.hint(type(name) == "string" and rules.suggest(name, known) or nil)
end

-- Value checks for check_section: each returns what the value must be, or nil when it is.
local function number_in(lo, hi)
  return function(v)
    if type(v) == "number" and v >= lo and (hi == nil or v <= hi) then return nil end
    return hi and tr.f("a number from %s to %s", lo, hi) or tr.f("a number >= %s", lo)
  end
end
local function whole(lo, hi)
  return function(v)
    if math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v)) then
      if v >= lo and (hi == nil or v <= hi) then return nil end
    end
    return hi and tr.f("a whole number from %s to %s", lo, hi) or tr.f("a whole number >= %s", lo)
  end
end
local function date_text(sg)
  return function(v)
    if type(v) == "string" and sg.time(v) then return nil end
    return tr.w("a date 'YYYY-MM-DD'")
  end
end

-- rfm.thresholds: { recency =, frequency =, monetary = } (any of them), each
-- bins - 1 ascending numbers, the score edges segmint.rfm then uses rather
-- than the quantiles
local function thresholds_spec(bins)
  return function(v)
    local ok = type(v) == "table"
    for k, e in pairs(ok and v or {}) do
      ok = ok and (k == "recency" or k == "frequency" or k == "monetary") and type(e) == "table" and #e == bins - 1
      for i = 1, ok and #e or 0 do
        ok = ok and type(e[i]) == "number" and e[i] == e[i] and (i == 1 or e[i] >= e[i - 1])
      end
    end
    if ok then return nil end
    return tr.f("{ recency =, frequency =, monetary = } with %s ascending numbers each (bins - 1)", bins - 1)
  end
end

-- cross_sell.names: a column of the transactions or { file =, key =, name = }
local function item_names_spec(v)
  if type(v) == "string" and v ~= "" then return nil end
  if type(v) == "table" and type(v.file) == "string" and type(v.key) == "string" and type(v.name) == "string" then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n == 3 then return nil end
  end
  return tr.w("a column of the transactions or { file =, key =, name = }")
end

-- An option table of the analysis (clean, rfm, cross_sell): spec maps each
-- known name to true (any value), a list of the values allowed, or a check
-- (above).  Problems are listed by name, in order.
local function check_section(problems, name, tbl, spec, example)
  if tbl == nil then return end
  if type(tbl) ~= "table" then
    add(problems.errors, "analysis: '%s' must be a table such as %s", name, example)
    return
  end
  local known, keys = {}, {}
  for k in pairs(spec) do known[#known + 1] = k end
  table.sort(known)
  for k in pairs(tbl) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, rule = tbl[k], spec[k]
    if rule == nil then
      add(problems.errors, "analysis: %s.%s is not an option%s", name, k, hint(k, known))
    elseif type(rule) == "table" then
      local ok = false
      for _, a in ipairs(rule) do if v == a then ok = true end end
      if not ok then
        add(problems.errors, "analysis: %s.%s must be one of %s, got %s%s", name, k,
          '"' .. table.concat(rule, '", "') .. '"', ruleset.describe_value(v), hint(v, rule))
      end
    elseif type(rule) == "function" then
      local want = rule(v)
      if want then add(problems.errors, "analysis: %s.%s must be %s, got %s", name, k, want, ruleset.describe_value(v)) end
    end
  end
end

-- The {rules, labels} pair of a section, or a plain rule table.
local function split_section(v)
  if type(v) == "table" and (v.rules ~= nil or v.labels ~= nil) then return v.rules, v.labels end
  return v, nil
end

-- The line where the template's text starts in its file, for messages.
local function template_line(tpl)
  local src = rules.sources[tpl]
  if not src then return 1 end
  local p, e = src.text:find("text%s*=%s*%[=*%[")
  if not p then return 1 end
  local _, n = src.text:sub(1, e):gsub("\n", "")
  local newline = src.text:sub(e + 1, e + 1) == "\n"
  return n + 1 + (newline and 1 or 0)
end

local function check_template(tpl, problems)
  if type(tpl) ~= "table" or type(tpl.text) ~= "string" then
    add(problems.errors, "analysis: 'template' must be a summary template (a table with a 'text' field, such as "
      .. "require \"en.summary\")")
    return
  end
  local src = rules.sources[tpl]
  local name = src and src.path or "summary template"
  for k in pairs(tpl) do
    local ok = false
    for _, t in ipairs(TEMPLATE_KEYS) do if k == t then ok = true end end
    if not ok then
      add(problems.errors, "%stemplate: unknown field '%s'%s", rules.where_key(tpl, tostring(k)), tostring(k),
        hint(k, TEMPLATE_KEYS))
    end
  end
  for _, msg in ipairs(report.check(tpl.text, summary.SCHEMA, name, template_line(tpl))) do
    problems.errors[#problems.errors + 1] = msg
  end
  if tpl.alerts ~= nil and type(tpl.alerts) ~= "table" then
    add(problems.errors, "%stemplate: 'alerts' must be a table of texts", rules.where_key(tpl, "alerts"))
  elseif tpl.alerts then
    local kinds = {}
    for k in pairs(summary.ALERT_SCHEMA) do kinds[#kinds + 1] = k end
    table.sort(kinds)
    for k, text in pairs(tpl.alerts) do
      local where = rules.where_key(tpl, "alerts", tostring(k))
      if not summary.ALERT_SCHEMA[k] then
        add(problems.errors, "%stemplate: no alert '%s'%s", where, tostring(k), hint(k, kinds))
      elseif type(text) ~= "string" then
        add(problems.errors, "%stemplate: alert '%s' must be a text", where, k)
      else
        for _, msg in ipairs(report.check(text, summary.ALERT_SCHEMA[k], tr.f("alert '%s'", k))) do
          problems.errors[#problems.errors + 1] = where .. msg
        end
      end
    end
  end
end

-- Feature label keys must name features the models can have.
-- The labels file may serve several data sets (country here, Country
-- there): a name that is neither a feature nor a column of this recipe is
-- fine, unless it is a near miss of one.
local function check_feature_labels(labels, models_cfg, problems)
  if type(labels) ~= "table" then return end
  local known = {}
  for _, f in ipairs(require("segmint.predict").FEATURE_BASES) do known[#known + 1] = f end
  for _, key in ipairs { "categorical", "numeric" } do
    for _, c in ipairs(type(models_cfg[key]) == "table" and models_cfg[key] or {}) do known[#known + 1] = c end
  end
  local set = {}
  for _, k in ipairs(known) do set[k] = true end
  table.sort(known)
  for k, v in pairs(labels) do
    local base = type(k) == "string" and (k:match("^(.-)_%d+d$") or k)
    if type(k) ~= "string" or not (set[k] or set[base]) then
      local near = type(k) == "string" and rules.suggest(k, known)
      if near and near:lower() ~= k:lower() then
        add(problems.errors, "%sfeatures: no feature '%s'%s", rules.where_key(labels, k), k, hint(k, known))
      end
    elseif type(v) ~= "string" then
      add(problems.errors, "%sfeatures: the name of '%s' must be a text, got %s", rules.where_key(labels, k), k,
        ruleset.describe_value(v))
    end
  end
end

-- Conditions of campaign rules on the columns the customer table will
-- have when the campaigns step runs: unknown fields (with the closest
-- column), and texts that are not conditions on numeric columns.
local function check_campaign_fields(set, columns, problems)
  local names = {}
  for c in pairs(columns) do names[#names + 1] = c end
  table.sort(names)
  for _, camp in ipairs(set.campaigns) do
    if camp.rank_by and not columns[camp.rank_by] then
      add(problems.errors, "%scampaign '%s', rank_by: no customer field '%s'%s (the steps of this analysis "
        .. "do not produce it)", rules.where(set.source, camp.index, camp.name, "rank_by"), camp.name, camp.rank_by,
        hint(camp.rank_by, names))
    end
    for _, key in ipairs { "target", "exclude" } do
      local t = camp[key]
      for _, c in ipairs(t and t.conds or {}) do
        local where = rules.where(set.source, camp.index, camp.name, c.field)
        local ty = columns[c.field]
        if not ty then
          add(problems.errors, "%scampaign '%s', %s.%s: no such customer field%s", where, camp.name, key, c.field,
            hint(c.field, names))
        elseif ty == "number" and c.cond.op == "eq" and type(c.cond.value) == "string" then
          add(problems.errors, "%scampaign '%s', %s.%s: '%s' is not a condition on a number; write a comparison "
            .. "such as \"> 90\" or a range such as \"1-3\"", where, camp.name, key, c.field, c.cond.value)
        elseif (ty == "string" or ty == "boolean") and (c.cond.op == "cmp" or (c.cond.op == "range" and c.cond.lo ~= c.cond.hi)) then
          add(problems.errors, "%scampaign '%s', %s.%s holds %s: compare it with a value, not '%s'", where, camp.name,
            key, c.field, ty == "string" and tr.w("text") or tr.w("true or false"), tostring(c.cond.raw or rules.describe(c.cond)))
        end
      end
    end
  end
end

-- Warnings about the plan: equal priorities, and campaigns aimed only at
-- segments no customer can reach.
local function campaign_warnings(set, segs, problems)
  local by_priority = {}
  for _, camp in ipairs(set.campaigns) do
    local other = by_priority[camp.priority]
    if other then
      add(problems.warnings, "%scampaigns '%s' and '%s' have the same priority %s: '%s' comes first because it is "
        .. "listed first", rules.where(set.source, camp.index, camp.name, "priority"), other, camp.name,
        tostring(camp.priority), other)
    else
      by_priority[camp.priority] = camp.name
    end
    local t = camp.target
    if segs and t and t.segments and segs.cells_first then
      local reachable = false
      for _, s in ipairs(t.segments) do
        local r = segs:rule(s)
        if not r or not r.score_only or segs.cells_first[s] then reachable = true end
      end
      if not reachable then
        add(problems.warnings, "%scampaign '%s' can target nobody: its segments (%s) can never be assigned",
          rules.where(set.source, camp.index, camp.name, "segments"), camp.name, table.concat(t.segments, ", "))
      end
    end
  end
end

-- Formatting functions for the recipe's language and currency.
local function formatter(loc, symbol)
  return {
    number = function(x, d) return report.number(x, d or 0, loc) end,
    money = function(x, d) return report.money(x, symbol, loc, d) end,
    percent = function(x, d) return report.percent(x, loc, d) end,
    -- a day as people read it: "30 December 2024" (long_date, in running
    -- text) or "30 Dec 2024" (date, in tables); the time of day is dropped
    date = function(s, style) return report.date(s and tostring(s):sub(1, 10), loc, style or "long_date") end,
  }
end

-- Checks the whole configuration and builds the context the steps run
-- in; every problem goes to the returned problems (nothing raised).
function M.prepare(sg, cfg)
  local problems = ruleset.problems()
  local ctx = { sg = sg, cfg = cfg, res = {}, rules = {}, problems = problems, started = sg.elapsed() }
  if type(cfg) ~= "table" then
    add(problems.errors, "analysis: expected a table of settings, got %s", ruleset.describe_value(cfg))
    return ctx
  end
  for k in pairs(cfg) do
    local ok = false
    for _, n in ipairs(KNOWN) do if n == k then ok = true end end
    if not ok then add(problems.errors, "analysis: unknown setting '%s'%s", tostring(k), hint(k, KNOWN)) end
  end
  local cols = cfg.columns
  if type(cols) ~= "table" then
    add(problems.errors, "analysis: 'columns' (the column mapping) is required")
    cols = {}
  end
  for _, k in ipairs(REQUIRED_COLUMNS) do
    if type(cols[k]) ~= "string" then add(problems.errors, "analysis: columns.%s (a column name) is required", k) end
  end
  ctx.cols = cols
  local src = cfg.transactions
  if type(src) == "table" and src.files ~= nil then
    local files = src.files
    if type(files) ~= "table" or #files == 0 then
      add(problems.errors, "analysis: transactions.files (a list of CSV files) must list at least one file")
    else
      for i, f in ipairs(files) do
        if type(f) ~= "string" then add(problems.errors, "analysis: transactions.files[%d] is not a path", i) end
      end
    end
    for k in pairs(src) do
      if k ~= "files" then
        add(problems.errors, "analysis: transactions: unknown setting '%s' beside files", tostring(k))
      end
    end
  elseif type(src) == "table" then
    for _, k in ipairs { "db", "query" } do
      if type(src[k]) ~= "string" then
        add(problems.errors, "analysis: transactions.%s (a string) is required to read from a database", k)
      end
    end
    for k in pairs(src) do
      if not SQL_KEYS[k] then
        add(problems.errors, "analysis: transactions: unknown setting '%s'%s", tostring(k), hint(k, SQL_KEY_LIST))
      end
    end
  elseif type(src) ~= "string" then
    add(problems.errors, "analysis: 'transactions' (the transactions CSV file, { files = { ... } } for a list of "
      .. "them, or { db =, query = } for a database) is required")
  end
  if cfg.out == nil then add(problems.errors, "analysis: 'out' (the output directory) is required") end
  ctx.out = cfg.out
  ctx.generated = cfg.generated or summary.run_date()
  -- the run's time (SOURCE_DATE_EPOCH when set, for reproducible outputs)
  local epoch = tonumber(os.getenv("SOURCE_DATE_EPOCH") or "")
  ctx.run_time = os.date("!%Y-%m-%d %H:%M:%S", epoch and math.floor(epoch) or nil)
  -- the files whose SHA-256 the manifest and the history record; a database
  -- source is recorded by its masked connection string and query
  ctx.input_files, ctx.input_sources = {}, {}
  local function input(s)
    if type(s) == "string" then ctx.input_files[#ctx.input_files + 1] = s
    elseif type(s) == "table" and type(s.files) == "table" then
      for _, f in ipairs(s.files) do
        if type(f) == "string" then ctx.input_files[#ctx.input_files + 1] = f end
      end
    elseif type(s) == "table" and type(s.db) == "string" and type(s.query) == "string" then
      ctx.input_sources[#ctx.input_sources + 1] = require("segmint.step_load").describe(ctx.sg, s)
    end
  end
  input(src)
  if type(cfg.models) == "table" then
    input(cfg.models.customers)
    input(cfg.models.products)
  end
  if type(cfg.cross_sell) == "table" and type(cfg.cross_sell.names) == "table" then input(cfg.cross_sell.names.file) end

  -- language, wording, currency, periods
  local tpl = cfg.template
  check_template(tpl, problems)
  ctx.texts = type(tpl) == "table" and tpl or {}
  ctx.texts.unassigned = ctx.texts.unassigned or "(no segment)"
  ctx.language = cfg.language or ctx.texts.language or "en"
  if not report.locales[ctx.language] then
    add(problems.errors, "analysis: no language '%s' (known: en, fr)", tostring(ctx.language))
    ctx.language = "en"
  end
  if ctx.texts.language and ctx.texts.language ~= ctx.language then
    add(problems.errors, "analysis: the template is written in '%s' but the analysis is in '%s'",
      tostring(ctx.texts.language), ctx.language)
  end
  ctx.loc = report.locales[ctx.language]
  ctx.currency_code = cfg.currency
  ctx.currency = ruleset.currency_symbol(cfg.currency, problems)
  ctx.fmt = formatter(ctx.loc, ctx.currency)
  ctx.periods = ruleset.periods(cfg.periods, problems)

  -- the steps, and the customer columns each step can see
  local steps = pipeline.build(cfg.steps, problems)
  ctx.steps = steps

  -- segments
  local seg_rules, seg_labels = split_section(cfg.segments)
  if seg_rules == nil then add(problems.errors, "analysis: 'segments' (the segment rules) is required") end
  local merged, seg_names, seg_ids = ruleset.merge_segments(seg_rules or {}, seg_labels, problems)
  ctx.rules.segment_names, ctx.rules.segment_ids = seg_names, seg_ids
  local seg_fields = {}
  for c in pairs(pipeline.columns_before(steps, ctx, "segments")) do seg_fields[#seg_fields + 1] = c end
  local bins = type(cfg.rfm) == "table" and cfg.rfm.bins or 5
  local segments = require "segmint.segments"
  local serr, swarn = segments.lint(merged, { bins = bins, fields = seg_fields })
  for _, e in ipairs(serr) do problems.errors[#problems.errors + 1] = e end
  for _, w in ipairs(swarn) do problems.warnings[#problems.warnings + 1] = w end
  if #serr == 0 and seg_rules then
    local ok, set = pcall(sg.segments, merged, { bins = bins, fields = seg_fields })
    if ok then ctx.rules.segment_set = set else problems.errors[#problems.errors + 1] = tostring(set) end
  end

  -- campaigns
  local camp_rules, camp_labels = split_section(cfg.campaigns)
  if camp_rules == nil then add(problems.errors, "analysis: 'campaigns' (the campaign rules) is required") end
  local camps = ruleset.merge_campaigns(camp_rules or {}, camp_labels, seg_names, ctx.periods, ctx.fmt, problems)
  local campaigns = require "segmint.campaigns"
  local cerr, cwarn = campaigns.lint(camps)
  for _, e in ipairs(cerr) do problems.errors[#problems.errors + 1] = e end
  for _, w in ipairs(cwarn) do problems.warnings[#problems.warnings + 1] = w end
  if #cerr == 0 and camp_rules then
    local set = sg.campaigns(camps)
    ctx.rules.campaign_set = set
    check_campaign_fields(set, pipeline.columns_before(steps, ctx, "campaigns"), problems)
    campaign_warnings(set, ctx.rules.segment_set, problems)
  end

  -- alerts, KPIs, clusters, models
  ctx.rules.alerts = ruleset.alerts(cfg.alerts, seg_names, problems)
  if cfg.kpis ~= nil then
    local k_rules, k_labels = split_section(cfg.kpis)
    local names = {}
    for _, c in ipairs(camp_rules and type(camp_rules) == "table" and camps or {}) do
      if type(c) == "table" and c.id and c.name then names[c.id] = c.name end
    end
    local merged_kpis = ruleset.merge_kpis(k_rules, k_labels, names, problems)
    local kerr, kwarn = require("segmint.kpis").lint(merged_kpis)
    for _, e in ipairs(kerr) do problems.errors[#problems.errors + 1] = e end
    for _, w in ipairs(kwarn or {}) do problems.warnings[#problems.warnings + 1] = w end
    if #kerr == 0 then ctx.rules.kpis = merged_kpis end
  end
  if cfg.campaign_history ~= nil then
    local ch = cfg.campaign_history
    local keys = { "performance", "tests", "columns" }
    if type(ch) ~= "table" then
      add(problems.errors, "analysis: 'campaign_history' must be a table such as { performance = \"campaigns.csv\" }")
    else
      for k in pairs(ch) do
        local known = false
        for _, n in ipairs(keys) do if n == k then known = true end end
        if not known then
          add(problems.errors, "analysis: campaign_history.%s is not an option%s", tostring(k), hint(k, keys))
        end
      end
      for _, k in ipairs { "performance", "tests" } do
        local v = ch[k]
        if v ~= nil and type(v) ~= "string" and not (type(v) == "table" and type(v.db) == "string"
            and type(v.query) == "string") then
          add(problems.errors, "analysis: campaign_history.%s must be a CSV file or { db =, query = }", k)
        end
        input(v)
      end
    end
  end
  -- the option tables of clean, rfm and cross_sell: unknown names and bad values before any data is read
  local clean = require "segmint.clean"
  local clean_spec = {}
  for _, k in ipairs(clean.KNOWN) do clean_spec[k] = clean.CHOICES[k] or true end
  check_section(problems, "clean", cfg.clean, clean_spec, "{ cancellations = \"net\" }")
  check_section(problems, "rfm", cfg.rfm, {
    bins = whole(2, 10), frequency = { "invoices", "days" }, as_of = date_text(sg), unit = { "days", "weeks", "months" },
    customer = true, date = true, invoice = true, amount = true,
    thresholds = thresholds_spec(type(cfg.rfm) == "table" and type(cfg.rfm.bins) == "number" and math.floor(cfg.rfm.bins)
      or 5) },
    "{ bins = 5 }")
  -- the names of the btyd and clusters settings (their values are checked below or by their steps)
  if type(cfg.btyd) == "table" then
    check_section(problems, "btyd", cfg.btyd, { model = { "bgnbd", "mbgnbd", "pareto_nbd" }, models = true,
      unit = true, horizon_months = true, penalizer = number_in(0), holdout_tolerance = number_in(0),
      monthly_discount_rate = number_in(0, 1), margin = number_in(0, 1) })
  end
  if type(cfg.clusters) == "table" then
    check_section(problems, "clusters", cfg.clusters, { rules = true, labels = true, k = true, k_range = true,
      n_init = whole(1), features = true, profile_features = true, transform = true, scale = true,
      silhouette_sample = whole(2) })
  end
  check_section(problems, "cross_sell", cfg.cross_sell, {
    item = true, names = item_names_spec, min_support = number_in(0, 1), min_count = whole(1), top_n = whole(1, 100), min_lift = number_in(0),
    max_items = function(v)
      return not (type(v) == "number" and v == math.floor(v) and (v == 0 or v >= 2)) and tr.w("0 (no limit) or a whole number >= 2") or nil
    end }, "{ min_support = 0.01 }")
  if cfg.history ~= nil and cfg.history ~= false and type(cfg.history) ~= "string" then
    add(problems.errors, "analysis: 'history' must be the path of the history file, or false for none")
  end
  if cfg.clusters ~= nil then
    if type(cfg.clusters) ~= "table" then
      add(problems.errors, "analysis: 'clusters' must be a table of settings")
    else
      local cl_rules, cl_labels = cfg.clusters.rules, cfg.clusters.labels
      local clusters = require "segmint.clusters"
      if cl_rules == nil then add(problems.errors, "analysis: clusters.rules (the cluster naming rules) is required") end
      if clusters.is_descriptive(cl_rules) then
        -- names that describe each cluster against the average customer
        for _, e in ipairs(clusters.check_descriptive(cl_rules, cl_labels,
            clusters.profile_fields(cfg.clusters.profile_features or clusters.DEFAULT_FEATURES))) do
          problems.errors[#problems.errors + 1] = e
        end
        ctx.rules.cluster_rules, ctx.rules.cluster_words = cl_rules, cl_labels
      else
        local cm = ruleset.merge_clusters(cl_rules or {}, cl_labels, problems)
        local clerr, clwarn = clusters.lint(cm)
        for _, e in ipairs(clerr) do problems.errors[#problems.errors + 1] = e end
        for _, w in ipairs(clwarn) do problems.warnings[#problems.warnings + 1] = w end
        ctx.rules.cluster_rules = cm
      end
    end
  end
  if cfg.btyd ~= nil then
    if type(cfg.btyd) ~= "table" then
      add(problems.errors, "analysis: 'btyd' must be a table of settings")
    else
      if cfg.btyd.unit ~= nil and not sg.unit_days(cfg.btyd.unit) then
        add(problems.errors, "analysis: btyd.unit must be \"days\", \"weeks\" or \"months\", got %s",
          ruleset.describe_value(cfg.btyd.unit))
      end
      if cfg.btyd.horizon_months ~= nil then
        add(problems.errors, "analysis: btyd.horizon_months is now clv_months in rules/periods.lua")
      end
    end
  end
  if cfg.models ~= nil then
    if type(cfg.models) == "table" and cfg.models.at_risk ~= nil then
      add(problems.errors, "analysis: models.at_risk is now at_risk_probability in rules/alerts.lua: one "
        .. "definition of at risk for the summary, the report and the campaigns")
    elseif type(cfg.models) == "table" and cfg.models.horizon_days ~= nil then
      add(problems.errors, "analysis: models.horizon_days is now horizon_days in rules/periods.lua, set once for "
        .. "every step")
    else
      local ok, msg = pcall(require("segmint.predict").check, cfg.models)
      if not ok then problems.errors[#problems.errors + 1] = tostring(msg) end
      if type(cfg.models) == "table" then check_feature_labels(cfg.models.features, cfg.models, problems) end
    end
  end
  -- report.html and report.xlsx: settings, the page layout, Chart.js
  require("segmint.step_report").prepare(ctx, cfg, problems)
  -- load, clean and rfm as one streaming pass when nothing later reads the transactions
  if cfg.stream ~= nil and type(cfg.stream) ~= "boolean" then
    add(problems.errors, "analysis: 'stream' must be true (load, clean and rfm in one pass, or an error) or false "
      .. "(always the whole table)")
  else
    local plan, why = require("segmint.step_load").stream_plan(ctx)
    ctx.stream, ctx.stream_why = plan, why
    if cfg.stream == true and not plan then
      add(problems.errors, "analysis: stream = true, but the streaming pass cannot be used: %s", why)
    end
  end
  if cfg.csv ~= nil then
    local keys = { "excel", "delim", "decimal", "bom" }
    if type(cfg.csv) ~= "table" then
      add(problems.errors, "analysis: 'csv' must be a table such as { excel = true }")
    else
      for k in pairs(cfg.csv) do
        local ok = false
        for _, n in ipairs(keys) do if n == k then ok = true end end
        if not ok then add(problems.errors, "analysis: csv.%s is not an option%s", tostring(k), hint(k, keys)) end
      end
      ctx.csv_options = cfg.csv
    end
  end
  return ctx
end

-- Raises one error listing every problem, or reports warnings.
local function settle(sg, ctx, checking)
  local p = ctx.problems
  -- segmint check: undefined names met while the rule files loaded come first
  if checking and sg._deferred_errors then
    local d = sg._deferred_errors()
    for i = #d, 1, -1 do table.insert(p.errors, 1, d[i]) end
  end
  if checking then
    for _, e in ipairs(p.errors) do io.write("error: ", e, "\n") end
    for _, w in ipairs(p.warnings) do io.write("warning: ", w, "\n") end
  else
    for _, w in ipairs(p.warnings) do sg.info("warning: %s", w) end
  end
  if #p.errors > 0 then
    local n = #p.errors
    if checking then
      error(n == 1 and tr.f("%d error in the analysis settings and rule files (listed above)", n)
        or tr.f("%d errors in the analysis settings and rule files (listed above)", n), 0)
    end
    error((n == 1 and tr.f("%d problem in the analysis settings and rule files; nothing was done:\n%s", n,
      table.concat(p.errors, "\n")) or tr.f("%d problems in the analysis settings and rule files; nothing was done:\n%s",
      n, table.concat(p.errors, "\n"))), 0)
  end
end

-- The language the messages of an analysis are written in: the recipe's
-- language, else the template's.
local function language_of(cfg)
  if type(cfg) ~= "table" then return nil end
  if type(cfg.language) == "string" then return cfg.language end
  return type(cfg.template) == "table" and cfg.template.language or nil
end

function M.run(sg, cfg)
  -- messages in the analysis' language until it returns or fails
  local prev = tr.use(language_of(cfg))
  local restore <close> = setmetatable({}, { __close = function() tr.use(prev) end })
  local ctx = M.prepare(sg, cfg)
  local checking = sg._check_stop ~= nil
  settle(sg, ctx, checking)
  if checking then sg._check_stop() end   -- `segmint check`: everything is checked, nothing runs
  ctx = pipeline.run(ctx.steps, ctx)
  return ctx.res
end

return M
