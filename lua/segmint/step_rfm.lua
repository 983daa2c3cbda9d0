-- Step "rfm": per-customer recency, frequency, monetary value and their
-- scores (ctx.customers starts here).
local segments = require "segmint.segments"

local S = {}

local TYPES = { customer = "string", first_purchase = "datetime", last_purchase = "datetime" }

function S.columns()
  local out = {}
  for _, f in ipairs(segments.RFM_FIELDS) do out[#out + 1] = { f, TYPES[f] or "number" } end
  return out
end

function S.run(ctx)
  local sg, cols = ctx.sg, ctx.cols
  local ropts = { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = "amount" }
  for k, v in pairs(ctx.cfg.rfm or {}) do ropts[k] = v end
  local rfm, info = sg.rfm(ctx.res.clean, ropts)
  ctx.customers = rfm
  ctx.rfm_options = ropts
  ctx.res.rfm_info = info
  ctx.as_of = info.as_of:sub(1, 10)
end

return S
