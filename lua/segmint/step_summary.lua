-- Step "summary": the executive summary (summary.md's text) from the
-- recipe's template and the context of summary.lua.
local report = require "segmint.report"
local summary = require "segmint.summary"

local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.run(ctx)
  ctx.summary_context = summary.context(ctx)
  ctx.res.summary = report.typeset(report.render(ctx.texts.text, ctx.summary_context, "summary template"), ctx.loc)
end

return S
