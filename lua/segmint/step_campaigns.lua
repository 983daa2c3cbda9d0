-- Step "campaigns": the campaign plan, target lists and each customer's
-- campaign and recommended products.  When the campaign_review step
-- measured past campaign tests, the uplift of a campaign of the rules in a
-- segment it was tested on is learnt from them (segmint.campaign_learn:
-- the measured uplift shrunk toward the rule's), the rule's elsewhere.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.columns() return { { "campaign", "string" }, { "recommended_products", "string" } } end

function S.run(ctx)
  local sg = ctx.sg
  local recs = ctx.res.recommendations
  local learned
  if ctx.res.campaign_tests then
    local unmatched
    learned, unmatched = ctx.rules.campaign_set:learn(ctx.res.campaign_tests)
    if #unmatched > 0 then
      sg.info("campaigns: past tests of %s are not campaigns of the rules: they teach the plan nothing",
        "'" .. table.concat(unmatched, "', '") .. "'")
    end
    ctx.res.learned = learned
  end
  local plan, targets, customers, info = ctx.rules.campaign_set:plan(ctx.customers, {
    segments = ctx.res.segments, recommendations = recs, window_days = ctx.periods.horizon_days, learned = learned,
    -- (the assumptions go to campaigns.csv too: a hyphen-minus there)
    seed = ctx.cfg.seed, currency = ctx.currency, locale = require("segmint.report").csv_locale(ctx.loc),
    assumptions = ctx.texts.assumptions, words = ctx.texts.campaign_words })
  -- the recommended products' names beside their codes (cross_sell.names), for
  -- whoever writes the messages from the target list
  local names = ctx.res.item_names
  if names and targets:has("recommended") then
    targets = targets:derive("recommended_names", function(r)
      if r.recommended == nil then return nil end
      local out = {}
      for code in tostring(r.recommended):gmatch("%S+") do out[#out + 1] = names[code] or code end
      return table.concat(out, "; ")
    end, "string")
  end
  ctx.res.plan, ctx.res.targets, ctx.res.campaign_info = plan, targets, info
  for _, a in ipairs(info.alerts or {}) do sg.info("campaigns: %s", a.message) end
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
