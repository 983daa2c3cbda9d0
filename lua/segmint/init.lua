-- The public segmint module: the C core's functions plus library code
-- written in Lua.  Receives the table of C functions, returns the module.
local core = ...
-- Found on package.path (installed beside segmint.so, as LuaRocks does), this
-- file receives the module name instead of the C functions: the C module then
-- builds the real module from its embedded copy of this file.
if type(core) ~= "table" then
  local so = assert(package.searchpath("segmint", package.cpath))
  return assert(package.loadlib(so, "luaopen_segmint"))()
end

local M = {}
for k, v in pairs(core) do
  if k:sub(1, 1) ~= "_" then M[k] = v end
end

local dataset_methods = core._dataset_methods

-- ds:show([n]): print the first n rows as an aligned table
function dataset_methods.show(ds, n)
  io.write(tostring(ds), "\n", ds:format(n))
end

-- ds:value_counts(col): distinct values of col with their counts, most frequent first
function dataset_methods.value_counts(ds, col)
  return ds:group_by(col, { { "count", "count" } }):sort({ "-count", col })
end

-- ds:count_rows(expr): number of rows where the expression holds
function dataset_methods.count_rows(ds, expr)
  return #ds:filter(expr)
end

-- ds:map_rows(fn): calls fn(row, i) for every row and collects the results in a Lua array
function dataset_methods.map_rows(ds, fn)
  local out = {}
  for i, row in ds:rows() do out[i] = fn(row, i) end
  return out
end

-- ds:round(cols, digits): the columns rounded to `digits` decimals (half away
-- from zero, in C by the expression round(); integer columns unchanged), so
-- money prints as 5597821.75 rather than 5597821.749999998 in CSV files
function dataset_methods.round(ds, cols, digits)
  if type(cols) == "string" then cols = { cols } end
  if type(cols) ~= "table" then error("round: 'cols' must be a column name or a list of them", 2) end
  if math.type(digits) ~= "integer" or digits < 0 or digits > 15 then
    error("round: 'digits' must be a whole number from 0 to 15", 2)
  end
  local types = ds:types()
  for _, c in ipairs(cols) do
    local t = types[c]
    if t == nil then error(string.format("round: no column '%s'", tostring(c)), 2) end
    if t ~= "int64" and t ~= "double" then error(string.format("round: column '%s' is %s, not a number", c, t), 2) end
    if t == "double" then
      ds = ds:derive(c, string.format("round(%s, %d)", c:match("^[%a_][%w_]*$") and c or ("`" .. c .. "`"), digits))
    end
  end
  return ds
end

local rules = require "segmint.rules"
local segments = require "segmint.segments"

-- sg.segments(rule_table [, { bins = 5, fields = {...} }]) -> segment set (linted; raises on errors)
M.segments = segments.new

-- sg.label_rules(rules, labels) -> the segment (or cluster) rule table with
-- the names and wording of a language file keyed by the rules' ids
-- (recipes/rules/segments.lua + recipes/en/segments.lua); raises with
-- every problem found.
function M.label_rules(tbl, labels)
  local ruleset = require "segmint.ruleset"
  local problems = ruleset.problems()
  local merged = ruleset.merge_segments(tbl, labels, problems)
  if #problems.errors > 0 then error(table.concat(problems.errors, "\n"), 2) end
  return merged
end

local campaigns = require "segmint.campaigns"

-- sg.campaigns(rule_table) -> campaign set (linted; raises on errors); :plan(customers, opts)
function M.campaigns(tbl)
  return campaigns.new(tbl, { level = 3, segmint = M })
end
campaigns.core = core

local campaign_results = require "segmint.campaign_results"
campaign_results.core = core
-- sg.campaign_results{ targets =, transactions =, columns =, window_days =, start = } -> results
function M.campaign_results(opts) return campaign_results.results(M, opts) end
-- sg.campaign_performance(ds, { by =, impressions =, clicks =, conversions =, spend =, revenue = }) -> per group, totals
function M.campaign_performance(ds, opts) return campaign_results.performance(M, ds, opts) end
-- sg.campaign_ab(ds, { variant =, a =, b =, successes =, trials = }) -> comparison
function M.campaign_ab(ds, opts) return campaign_results.ab(M, ds, opts) end
-- sg.campaign_learn(results, campaign_set [, { prior_strength = 200 }]) -> learned uplift for :plan
M.campaign_learn = campaigns.learn

local cleaning = require "segmint.clean"
local clusters = require "segmint.clusters"

-- sg.cluster_profiles(customers [, { cluster =, features =, revenue =, orders = }]) -> profiles
function M.cluster_profiles(customers, opts) return clusters.profiles(M, customers, opts) end
-- sg.name_clusters(profiles, rule_table) -> profiles with cluster_name, the rule set
M.name_clusters = clusters.name

-- sg.report: number(x, decimals, locale), money, percent, render(template, context), locales
M.report = require "segmint.report"
-- sg.report{ title, language, currency, sections, data, context, path } -> page text, info:
-- the self-contained HTML dashboard (see html.lua and docs/report.md)
setmetatable(M.report, { __call = function(_, opts) return require("segmint.html").report(M, opts) end })
-- sg.report.sections: the default analysis's data functions (.data) and page layouts (.layouts.en/fr)
M.report.sections = require "segmint.report_sections"

-- sg.clean(dataset, options) -> clean dataset, report (see clean.lua)
M.clean = cleaning.clean

local btyd = require "segmint.btyd"

-- sg.btyd_matrix(fit [, { max_x, T, t, summary }]) -> x, t_x, T, expected_purchases, p_alive
function M.btyd_matrix(fit, opts) return btyd.matrix(M, fit, opts) end
-- sg.btyd_calibration_holdout(fit, summary [, { max_x = 7, t }]) -> x, customers, actual, predicted
function M.btyd_calibration_holdout(fit, summary, opts) return btyd.calibration_holdout(M, fit, summary, opts) end
-- sg.btyd_select{ summary | transactions..., models, max_x, tolerance } -> chosen model and per-model validation
function M.btyd_select(opts) return btyd.select(M, opts) end

local models = require "segmint.models"
models.core = core

-- sg.model(spec) -> model with fit, predict, evaluate, importance, reasons, save (see models.lua)
M.model = models.new
-- sg.load_model(path) -> model | nil, message
M.load_model = models.load
-- sg.feature_name(labels, feature) -> the feature's name for people ("country: France")
M.feature_name = models.feature_name
-- sg.cross_validate(spec, ds [, { k = 5, seed = 42 }]) -> per-fold and mean metrics
M.cross_validate = models.cross_validate

local kpis = require "segmint.kpis"
local kpi_alerts = require "segmint.kpi_alerts"

-- sg.kpi_rules(rule_table) -> a linted KPI set (raises on errors)
M.kpi_rules = kpis.new
-- sg.kpis(rule_table, { transactions, customers, columns, as_of, inactive_days, period_months | period_days,
--   campaigns, campaign_columns, clv }) -> { as_of, kpis = {...}, skipped = {...} } (see kpis.lua)
function M.kpis(tbl, opts) return kpis.new(tbl):compute(M, opts) end
-- sg.kpi_dataset(result) -> the KPI results as a dataset (for kpis.csv)
function M.kpi_dataset(result) return kpis.to_dataset(M, result) end
-- sg.basket_change(tx, { columns, as_of, period_days, drop }) -> the basket comparison
function M.basket_change(tx, opts) return kpi_alerts.basket_change(M, tx, opts) end
-- sg.alerts(alert_rules, { transactions, customers, columns, as_of }) -> inactive, basket, churn, satisfaction
function M.alerts(tbl, opts) return kpi_alerts.alerts(M, tbl, opts) end
-- sg.history_open(path [, { write = true }]) -> run history | nil, message (see history.lua)
M.history_open = require("segmint.history").setup(M, core)

-- sg.analysis(config): the default pipeline (see analysis.lua)
function M.analysis(cfg)
  return require("segmint.analysis").run(M, cfg)
end

-- Rule files loaded through the sandbox remember their path and text so
-- messages can name the file and line.
M._register_rule_source = rules.register_source
M._suggest = rules.suggest

-- A shared rule file (campaigns, KPIs) names its entries by id, their
-- names being in a language file: linted on its own, each entry takes its
-- id as its name (messages still point at the file's lines).
local function named_by_id(value)
  if type(value) ~= "table" then return value end
  local copy = {}
  for i, c in ipairs(value) do
    if type(c) == "table" and c.name == nil and c.id ~= nil then
      local cc = {}
      for k, v in pairs(c) do if k ~= "id" then cc[k] = v end end
      cc.name = c.id
      copy[i] = cc
    else
      copy[i] = c
    end
  end
  local o = {}
  for i in ipairs(value) do
    o[i] = { rules = value, index = i, id = type(value[i]) == "table" and value[i].id, wording = {} }
  end
  rules.set_origins(copy, o)
  return copy
end

-- Lints a rule file by its kind (from its name: segments*, campaigns*);
-- returns errors, warnings (lists of messages), or nil for other files.
function M.lint_rule_file(name, value)
  local base = name:match("([^.]+)$")
  if base:match("^segments") then return segments.lint(value) end
  if base:match("^campaigns") then return campaigns.lint(named_by_id(value)) end
  if base:match("^clusters") then return clusters.lint(value) end
  if base:match("^kpis") then return kpis.lint(named_by_id(value)) end
  return nil
end

-- Informational messages go to stderr and are silenced by --quiet.
local quiet = false
function M.set_quiet(q) quiet = q and true or false end
-- Log lines start with the UTC time when stderr goes to a file or a
-- scheduler's log rather than a terminal (the host decides), or on request.
local stamps = false
function M.set_log_timestamps(on) stamps = on and true or false end
function M.info(fmt, ...)
  if not quiet then
    io.stderr:write(stamps and os.date("!%Y-%m-%dT%H:%M:%SZ ") or "", string.format(fmt, ...), "\n")
  end
end

-- Formats a number with thousands separators: fmt_number(1234.5, 2) -> "1,234.50"
function M.format_number(x, decimals, thousands, point)
  decimals = decimals or 0
  thousands = thousands or ","
  point = point or "."
  local s = string.format("%." .. decimals .. "f", x)
  local sign, int, frac = s:match("^(-?)(%d+)%.?(%d*)$")
  if not int then return s end
  int = int:reverse():gsub("(%d%d%d)", "%1" .. thousands:reverse()):reverse()
  if int:sub(1, #thousands) == thousands then int = int:sub(#thousands + 1) end
  if frac ~= "" then return sign .. int .. point .. frac end
  return sign .. int
end

return M
