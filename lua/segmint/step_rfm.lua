-- Step "rfm": per-customer recency, frequency, monetary value and their
-- scores (ctx.customers starts here).
local segments = require "segmint.segments"

local S = {}

S.transactions = true

-- the streaming pass of step load computed the table already
function S.enabled(ctx) return not ctx.streamed end

local TYPES = { customer = "string", first_purchase = "datetime", last_purchase = "datetime" }

function S.columns()
  local out = {}
  for _, f in ipairs(segments.RFM_FIELDS) do out[#out + 1] = { f, TYPES[f] or "number" } end
  return out
end

function S.run(ctx)
  local sg = ctx.sg
  local ropts = require("segmint.step_load").rfm_options(ctx.cfg, ctx.cols)
  local rfm, info = sg.rfm(ctx.res.clean, ropts)
  ctx.customers = rfm
  ctx.rfm_options = ropts
  ctx.res.rfm_info = info
  ctx.as_of = info.as_of:sub(1, 10)
end

return S
