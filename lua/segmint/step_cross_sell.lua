-- Step "cross_sell": products bought together and per-customer
-- recommendations (used by campaigns with recommend = "co_purchased").
local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

function S.run(ctx)
  local sg, cols = ctx.sg, ctx.cols
  local xs = ctx.cfg.cross_sell or {}
  local model = sg.cross_sell(ctx.res.clean, { invoice = cols.invoice, item = xs.item or cols.item,
    min_support = xs.min_support, min_count = xs.min_count, min_lift = xs.min_lift, max_items = xs.max_items })
  ctx.res.cross_sell_rules = model:rules()
  ctx.res.recommendations = model:recommend(ctx.res.clean, { customer = cols.customer, top_n = xs.top_n or 3 })
end

return S
