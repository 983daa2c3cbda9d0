-- Step "tables": the per-segment table (customers, share, revenue,
-- orders, average basket and recency), in the order of the segment rules.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.run(ctx)
  local sg, customers = ctx.sg, ctx.customers
  ctx.res.customers = customers
  local seg_table = customers:group_by("segment", {
    { "customers", "count" }, { "revenue", "sum", "monetary" }, { "orders", "sum", "frequency" },
    { "avg_recency_days", "mean", "recency_days" } })
  local total_customers, total_revenue = #customers, customers:stats("monetary").sum or 0
  seg_table = seg_table
    :derive("share", string.format("customers / %d", math.max(total_customers, 1)))
    :derive("revenue_share", string.format("revenue / %.17g", total_revenue ~= 0 and total_revenue or 1))
    :derive("avg_basket", "revenue / orders")
  local order = {}
  for i, n in ipairs(ctx.res.segments:names()) do order[n] = i end
  local rows = {}
  for _, r in seg_table:rows() do rows[#rows + 1] = r end
  table.sort(rows, function(a, b) return (order[a.segment] or 1e9) < (order[b.segment] or 1e9) end)
  local seg_cols = { "segment", "segment_id", "customers", "share", "revenue", "revenue_share", "orders", "avg_basket",
    "avg_recency_days" }
  local spec = {}
  for j, c in ipairs(seg_cols) do
    local vals = { n = #rows }
    for i, r in ipairs(rows) do vals[i] = c == "segment_id" and (ctx.rules.segment_ids[r.segment] or r.segment) or r[c] end
    spec[j] = { c, vals }
  end
  ctx.res.segment_table = sg.dataset(spec)
  ctx.res.segment_rows = rows
  -- the customers no named segment describes (the fallback rule, or none):
  -- worth an alert when they are many, or the best spenders
  local catch = {}
  for _, r in ipairs(ctx.res.segments.rules) do
    if #r.conds == 0 and not r.when then catch[r.name] = true end
  end
  catch[ctx.texts.unassigned] = true
  local best_basket = 0
  for _, r in ipairs(rows) do if not catch[r.segment] then best_basket = math.max(best_basket, r.avg_basket or 0) end end
  for _, r in ipairs(rows) do
    if catch[r.segment] and (r.revenue_share > 0.10 or (r.avg_basket or 0) > best_basket) then
      ctx.res.catch_all = { segment = r.segment, customers = r.customers, share = r.share,
        revenue_share = r.revenue_share, avg_basket = r.avg_basket }
      sg.info("segments: '%s' holds %d customers and %.1f%% of revenue: the rules leave them unnamed", r.segment,
        r.customers, r.revenue_share * 100)
    end
  end
  ctx.totals = { customers = total_customers, revenue = total_revenue,
    orders = customers:stats("frequency").sum or 0 }
end

return S
