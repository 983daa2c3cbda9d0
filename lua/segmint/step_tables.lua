-- Step "tables": the per-segment table (customers, share, revenue,
-- orders, average basket and recency), in the order of the segment rules.
local S = {}

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
  ctx.totals = { customers = total_customers, revenue = total_revenue,
    orders = customers:stats("frequency").sum or 0 }
end

return S
