-- Step "campaigns": the campaign plan, target lists and each customer's
-- campaign and recommended products.
local S = {}

function S.columns() return { { "campaign", "string" }, { "recommended_products", "string" } } end

function S.run(ctx)
  local sg = ctx.sg
  local recs = ctx.res.recommendations
  local plan, targets, customers = ctx.rules.campaign_set:plan(ctx.customers,
    { segments = ctx.res.segments, recommendations = recs })
  ctx.res.plan, ctx.res.targets = plan, targets
  for _, r in plan:rows() do
    if r.eligible == 0 then sg.info("campaigns: '%s' targets nobody in this data", r.campaign) end
  end
  -- recommended products as one text column
  local per = {}
  if recs then
    for _, r in recs:rows() do
      per[r.customer] = per[r.customer] and (per[r.customer] .. " " .. tostring(r.item)) or tostring(r.item)
    end
  end
  local ids = customers:column("customer")
  local vals = { n = ids.n }
  for i = 1, ids.n do vals[i] = per[ids[i]] end
  ctx.customers = customers:with_column("recommended_products", vals, "string")
end

return S
