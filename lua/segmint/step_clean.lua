-- Step "clean": the retail cleaning policies of the recipe's `clean`
-- table (segmint.clean), with the column mapping; adds `amount`.
local S = {}

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols
  local copts = {}
  for k, v in pairs(cfg.clean or {}) do copts[k] = v end
  for k, v in pairs(cols) do if copts[k] == nil then copts[k] = v end end
  copts.amount = "amount"
  local clean, report = sg.clean(ctx.res.transactions, copts)
  ctx.res.clean, ctx.res.cleaning = clean, report
  sg.info("cleaned: %d of %d lines kept", report.rows_out, report.rows_in)
end

return S
