-- Step "segments": the segment rules (names from the language file) give
-- each customer a segment and its id.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.columns() return { { "segment", "string" }, { "segment_id", "string" } } end

local function quote(s) return "'" .. tostring(s):gsub("\\", "\\\\"):gsub("'", "\\'") .. "'" end

function S.run(ctx)
  local sg = ctx.sg
  local segs = ctx.rules.segment_set
  for _, w in ipairs(segs.warnings) do sg.info("segments: %s", w) end
  local customers = segs:assign(ctx.customers)
  -- customers no rule matched (a table without a fallback) get a named group
  customers = customers:derive("segment", string.format("coalesce(segment, %s)", quote(ctx.texts.unassigned)))
  -- the stable id beside the name, so runs in different languages compare
  local expr = "segment"     -- a name without an id (the unassigned group) stays as it is
  local names = {}
  for name in pairs(ctx.rules.segment_ids) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    expr = string.format("if(segment == %s, %s, %s)", quote(name), quote(ctx.rules.segment_ids[name]), expr)
  end
  ctx.customers = customers:derive("segment_id", expr)
  ctx.res.segments = segs
end

return S
