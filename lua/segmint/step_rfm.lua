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

-- What the log says of the score edges under mpirun: which columns' the
-- ranks computed by collectives, and how, and which the recipe gave.
function S.edges_note(ranks)
  local e, out = ranks.edges, {}
  if #e.computed > 0 then
    out[#out + 1] = string.format("score edges of %s computed on the %d ranks by %d reductions (MPI_Allreduce), %d "
      .. "bytes per rank", table.concat(e.computed, ", "), ranks.ranks, e.reductions, e.bytes)
  end
  if #e.given > 0 then out[#out + 1] = "score edges given: " .. table.concat(e.given, ", ") end
  if e.note then out[#out + 1] = "score edges of " .. e.note end
  return table.concat(out, "; ")
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
      local per, sum = require("segmint.mpi").per_rank(ranks.customers)
      sg.info("rfm on %d MPI ranks by customer: customers %s (%d in all); %d bytes of aggregates gathered; %s; "
        .. "%.2f s (aggregate %.2f, edges %.2f, gather %.2f)", ranks.ranks, per, sum, ranks.gathered,
        S.edges_note(ranks), ranks.seconds.aggregate + ranks.edges.seconds + ranks.seconds.gather,
        ranks.seconds.aggregate, ranks.edges.seconds, ranks.seconds.gather)
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
