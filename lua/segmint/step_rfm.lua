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

-- Under mpirun the ranks owning the customers aggregate the cleaned rows
-- they kept (segmint.mpi_rfm, docs/mpi.md); rank 0 scores.  Otherwise, or
-- when they cannot (the reason is logged), rank 0 over its whole table.
local function on_owners(ctx, ropts)
  local sg, own = ctx.sg, ctx.res.clean_owned
  if not own or sg.mpi_size() < 2 then return nil end
  local why = own.why
  if not why and own.ds ~= ctx.res.clean then why = "the cleaned table changed after cleaning" end
  if not why then
    local rfm, info, ranks = sg.mpi_rfm(own.ds, ropts, own.gen)
    if rfm then
      local per, sum = {}, 0
      for k, c in ipairs(ranks.customers) do per[k] = string.format("rank %d %d", k - 1, c); sum = sum + c end
      sg.info("rfm on %d MPI ranks by customer: customers %s (%d in all); %d bytes of aggregates gathered; "
        .. "%.2f s (aggregate %.2f, gather %.2f)", ranks.ranks, table.concat(per, ", "), sum, ranks.gathered,
        ranks.seconds.aggregate + ranks.seconds.gather, ranks.seconds.aggregate, ranks.seconds.gather)
      return rfm, info
    end
    why = info
  end
  sg.info("rfm on rank 0 alone: %s", why)
  return nil
end

function S.run(ctx)
  local sg = ctx.sg
  local ropts = require("segmint.step_load").rfm_options(ctx.cfg, ctx.cols)
  local rfm, info = on_owners(ctx, ropts)
  if not rfm then rfm, info = sg.rfm(ctx.res.clean, ropts) end
  ctx.customers = rfm
  ctx.rfm_options = ropts
  ctx.res.rfm_info = info
  ctx.as_of = info.as_of:sub(1, 10)
end

return S
