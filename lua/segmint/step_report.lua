-- Step "report": report.html, the run's dashboard (sg.report with the
-- default analysis's sections, lua/segmint/report_sections.lua), in the
-- recipe's language, from the page layout of the recipe's settings:
--
--   report = { layout = require(lang .. ".report") },   -- recipes/<lang>/report.lua
--   report = false,                                      -- no report.html
--
-- Without a layout the default one of the language is used.  The page is
-- named in ctx.files, so the outputs step lists it in the manifest.
local sections = require "segmint.report_sections"
local ruleset = require "segmint.ruleset"

local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

local KNOWN = { "layout" }

function S.enabled(ctx) return ctx.cfg.report ~= false end

-- Checks the report and workbook settings and the layout (analysis.prepare
-- calls it, before any data is read), and that Chart.js can be inlined.
function S.prepare(ctx, cfg, problems)
  local rules = require "segmint.rules"
  local tr = require "segmint.messages"
  local function add(fmt, ...) problems.errors[#problems.errors + 1] = tr.f(fmt, ...) end
  if cfg.workbook ~= nil and type(cfg.workbook) ~= "boolean" then
    add("analysis: 'workbook' must be true or false (false: no report.xlsx), got %s", ruleset.describe_value(cfg.workbook))
  end
  local r = cfg.report
  if r == false then return end
  if r ~= nil and type(r) ~= "table" then
    add("analysis: 'report' must be a table such as { layout = require \"en.report\" }, or false for no report.html; "
      .. "got %s", ruleset.describe_value(r))
    return
  end
  r = r or {}
  for k in pairs(r) do
    if k ~= "layout" then
      local h = type(k) == "string" and rules.suggest(k, KNOWN)
      add("analysis: report.%s is not a setting%s (settings: layout)", tostring(k),
        tr.hint(h or nil))
    end
  end
  local layout = r.layout or sections.layouts[ctx.language]
  for _, msg in ipairs(sections.check(layout, ctx.language)) do problems.errors[#problems.errors + 1] = msg end
  ctx.report_layout = layout
  -- Chart.js, unless the recipe's steps drop the page (or replace the step with their own)
  for _, s in ipairs(ctx.steps or {}) do
    if s.name == "report" and not s.custom then
      local ok, msg = pcall(require("segmint.html").chartjs)
      if not ok then add("%s (or set report = false in the recipe)", tostring(msg)) end
    end
  end
end

function S.run(ctx)
  local sg = ctx.sg
  local layout = ctx.report_layout or sections.layouts[ctx.language]
  local _, info = sg.report { template = layout, data = sections.data, context = sections.context(ctx),
    values = sections.page_values(ctx), language = ctx.language, currency = ctx.currency,
    generated = ctx.generated, seed = ctx.cfg.seed, path = ctx.out .. "/report.html" }
  ctx.files = ctx.files or {}
  ctx.files[#ctx.files + 1] = "report.html"
  sg.info("report.html: %d blocks, %d charts, %d bytes", info.blocks, info.charts, info.bytes)
end

return S
