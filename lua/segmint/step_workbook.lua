-- Step "workbook": report.xlsx, one sheet per output table for Excel and
-- Power BI (sg.write_xlsx): the same rows and columns as the CSV files,
-- money columns with two decimals, dates as dates.  `workbook = false`
-- in the recipe's settings skips it.  The file is named in ctx.files, so
-- the outputs step lists it in the manifest.
local money = require "segmint.report_tables"

local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.enabled(ctx) return ctx.cfg.workbook ~= false end

-- The sheets, in the order of the outputs; a table the run did not
-- produce is left out.
function S.sheets(ctx)
  local sg, res = ctx.sg, ctx.res
  local list = {
    { "customers", ctx.customers },
    { "segments", res.segment_table },
    { "campaigns", res.plan },
    { "campaign_targets", res.targets },
    { "clusters", res.cluster_profiles },
    { "k_selection", res.k_selection },
    { "cross_sell_rules", res.cross_sell_rules },
    { "kpis", res.kpis and sg.kpi_dataset(res.kpis) or nil },
    { "campaign_performance", res.campaign_performance },
  }
  local sheets = {}
  for _, s in ipairs(list) do
    local name, ds = s[1], s[2]
    if ds then
      local sheet = { name = name, data = money.round(name, ds), money = money.columns(name, ds) }
      if name == "kpis" then
        -- ISO dates as text in the KPI table: dates in the sheet
        local dates = {}
        for _, c in ipairs { "period_start", "period_end", "previous_start", "previous_end" } do
          if ds:has(c) and ds:types()[c] == "string" then dates[#dates + 1] = c end
        end
        sheet.dates = dates
      end
      sheets[#sheets + 1] = sheet
    end
  end
  return sheets
end

function S.run(ctx)
  local sections = require "segmint.report_sections"
  -- the workbook's title: the page layout's, with its {{values}}
  local layout = ctx.report_layout or sections.layouts[ctx.language]
  local title = type(layout) == "table" and type(layout.title) == "string" and layout.title or nil
  if title and title:find("{{", 1, true) then
    title = require("segmint.report").render(title, sections.page_values(ctx), "title")
  end
  ctx.sg.write_xlsx(ctx.out .. "/report.xlsx", S.sheets(ctx), { title = title, created = ctx.generated })
  ctx.files = ctx.files or {}
  ctx.files[#ctx.files + 1] = "report.xlsx"
end

return S
