-- The sections of the default analysis's report.html: one data function
-- per section, what each gives to the layout (M.spec), the default page
-- layouts (English, French) that name them, and the context the analysis
-- passes (M.context).  A data function is called as fn(ctx, entry, api):
--   ctx    what the analysis produced: the results table (ctx.res of the
--          steps, the table sg.analysis returns) with `customers` (the
--          customer table), `periods` and `reasons` (the summary
--          template's words for the cleaning steps); see docs/report.md
--          for the fields each section reads,
--   entry  the section's entry in the layout (title, reading, labels and
--          any option of its own, like `top`),
--   api    { sg, money(x, decimals), number(x, decimals), percent(x, decimals),
--            date(text, style), language, currency }
-- and returns a block (see html_blocks.lua), a list of blocks, or nil when
-- the run has nothing to show there (no clusters, no history...).  The
-- block's `values` fill the {{placeholders}} of the entry's title and
-- reading; a new section is one data function, one M.spec entry and one
-- entry in the layouts.
local M = {}

local function share(part, whole) return whole ~= 0 and part / whole or 0 end

local function has(ds, col) return ds ~= nil and type(col) == "string" and ds:has(col) end

-- The first of the columns the dataset has.
local function first_of(ds, ...)
  for _, c in ipairs { ... } do if has(ds, c) then return c end end
  return nil
end

-- A figure of the last run (ctx.history.previous): a table name -> value,
-- or one with a list kpis = { { name =, value = } }.
local function previous_value(prev, key)
  if type(prev) ~= "table" then return nil end
  if type(prev[key]) == "number" then return prev[key] end
  local k = prev.kpis
  if type(k) == "table" then
    if type(k[key]) == "number" then return k[key] end
    for _, r in ipairs(k) do
      if type(r) == "table" and r.name == key and type(r.value) == "number" then return r.value end
    end
  end
  return nil
end
M.previous_value = previous_value

M.data = {}
local D = M.data

-- The key figures of a run (ctx as the sections get it): a list of
-- { key, value, format, extra } in the cards' order.  The run history
-- stores the same values (step "record"), so the next run shows the change.
local function key_figures(ctx)
  local c = ctx.customers
  if not c then return nil end
  local n = #c
  local revenue = c:sum("monetary") or 0
  local orders = c:sum("frequency") or 0
  local list = {}
  local function add(key, value, format, extra)
    if value ~= nil then list[#list + 1] = { key = key, value = value, format = format, extra = extra } end
  end
  local basket = orders > 0 and revenue / orders or nil
  add("customers", n, "integer")
  add("revenue", revenue, "money", { decimals = 0 })
  add("orders", orders, "integer")
  add("avg_basket", basket, "money")
  -- the same at-risk count as summary.md (step "status")
  local st = ctx.status
  if st and st.customers and st.customers > 0 then
    add("at_risk", st.counts.at_risk / st.customers, "percent", { better = "lower" })
  end
  local plan = ctx.plan
  if plan and #plan > 0 then
    local p = has(plan, "targeted") and plan:filter("targeted > 0") or plan
    local profit = first_of(p, "expected_incremental_profit")
    if profit and #p > 0 then
      local spent = (p:sum("cost") or 0) + (has(p, "discount_cost") and p:sum("discount_cost") or 0)
        + (has(p, "order_cost") and p:sum("order_cost") or 0)
      if spent > 0 then add("campaign_roi", (p:sum(profit) or 0) / spent, "percent", { decimals = 0 }) end
    elseif has(p, "cost") and has(p, "expected_revenue") and #p > 0 then
      local cost = p:sum("cost") or 0
      if cost > 0 then add("campaign_roi", (p:sum("expected_revenue") or 0) / cost - 1, "percent", { decimals = 0 }) end
    end
  end
  return list, { customers = n, revenue = revenue, orders = orders, basket = basket }
end

-- The key figures as { key = value } (what the run history stores).
function M.key_figures(ctx)
  local out = {}
  for _, f in ipairs(key_figures(ctx) or {}) do out[f.key] = f.value end
  return out
end

-- Key figures: customers, revenue, orders, average basket, customers at
-- risk, expected campaign return.  entry.targets = { name = value } sets
-- targets; ctx.history.previous (the last run's figures, from the run
-- history) gives the change.
function D.kpis(ctx, entry, api)
  local list, t = key_figures(ctx)
  if not list then return nil end
  local labels = entry.labels or {}
  local targets, prev = entry.targets or {}, ctx.history and ctx.history.previous
  local items = {}
  for _, f in ipairs(list) do
    local it = { label = labels[f.key] or f.key:gsub("_", " "), value = f.value, format = f.format,
      target = targets[f.key], previous = previous_value(prev, f.key) }
    for k, v in pairs(f.extra or {}) do it[k] = v end
    items[#items + 1] = it
  end
  return { type = "kpis", title = "Key figures", items = items,
    values = { customers = api.number(t.customers, 0), revenue = api.money(t.revenue, 0),
      orders = api.number(t.orders, 0), avg_basket = api.money(t.basket or 0) } }
end

-- How the units of segmint.kpis show.
M.UNIT_FORMAT = { count = "integer", ["%"] = "percent", currency = "money", ["per year"] = "number",
  days = "number", score = "number", ratio = "number", number = "number" }

-- The indicators of rules/kpis.lua (ctx.kpis, the result of segmint.kpis):
-- value, target, status, and the change since the last run
-- (ctx.history.previous) or, without history, since the previous period.
function D.indicators(ctx, entry, api)
  local list = type(ctx.kpis) == "table" and ctx.kpis.kpis
  if type(list) ~= "table" or #list == 0 then return nil end
  local prev = ctx.history and ctx.history.previous
  local labels = entry.labels or {}
  local items, met, missed, r2 = {}, 0, 0, nil
  for _, k in ipairs(list) do
    r2 = r2 or k.model_r2
    local it = { label = labels[k.name] or tostring(k.name), value = k.value, format = M.UNIT_FORMAT[k.unit] or "number",
      -- the digits of the summary's KPI table, so that both show the same figure
      decimals = k.decimals or (type(k.value) == "number" and require("segmint.summary").kpi_digits(k.value, k.unit)) or nil,
      target = k.target,
      better = k.direction == "lower" and "lower" or "higher" }
    local last = previous_value(prev, k.name)
    if last ~= nil then
      it.previous = last
    elseif type(k.previous) == "number" then
      it.previous, it.since = k.previous, entry.since_previous
    end
    if k.status == "met" then met = met + 1 elseif k.status == "missed" then missed = missed + 1 end
    -- a figure of a spend model that does worse than the average
    if k.model_r2 and entry.unreliable then
      it.note = api.report.render(entry.unreliable, { spend_r2 = api.number(k.model_r2, 2) }, "unreliable")
    end
    items[#items + 1] = it
  end
  return { type = "kpis", title = "Indicators", items = items,
    values = { count = api.number(#items, 0), targets = api.number(met + missed, 0), met = api.number(met, 0),
      missed = api.number(missed, 0), spend_r2 = r2 and api.number(r2, 2) or "-",
      -- agreement with the number met ("1 sur 4 atteint", "2 sur 4 atteints")
      met_plural = api.report.plural(met, api.locale) } }
end

-- segment table rows in the table's order, with the largest by revenue
local function top_segment(st)
  local best
  for _, r in st:rows() do
    if not best or (r.revenue or 0) > (best.revenue or 0) then best = r end
  end
  return best
end

-- Customers and revenue per segment (two charts side by side).
function D.segments(ctx, entry, api)
  local st = ctx.segment_table
  if not st or #st == 0 then return nil end
  local top = top_segment(st)
  local values = { top = tostring(top.segment), share = api.percent(top.share or 0, 0),
    revenue_share = api.percent(top.revenue_share or 0, 0), segments = api.number(#st, 0) }
  local labels = entry.labels or {}
  return {
    { type = "bar", title = "Customers per segment", data = st, x = "segment", y = "customers",
      colors = "category", width = "half", values = values, labels = labels, format = "integer" },
    { type = "bar", title = labels.revenue_title or "Revenue per segment", data = st, x = "segment", y = "revenue",
      colors = "category", width = "half", format = "money", labels = labels,
      reading = entry.revenue_reading, values = values },
  }
end

-- The R x F grid coloured by average monetary value (grouped in C).
function D.rf_grid(ctx, entry, api)
  local c = ctx.customers
  if not (has(c, "r_score") and has(c, "f_score")) or #c == 0 then return nil end
  local g = c:group_by({ "r_score", "f_score" }, { { "avg_monetary", "mean", "monetary" }, { "customers", "count" } })
  local best = g:sort("-avg_monetary"):row(1)
  return { type = "heatmap", title = "Recency x frequency", data = g, x = "r_score", y = "f_score",
    value = "avg_monetary", format = "money", decimals = 0, x_title = "R", y_title = "F",
    values = { best_r = tostring(best.r_score), best_f = tostring(best.f_score), best = api.money(best.avg_monetary, 0) } }
end

-- Inertia (elbow) and silhouette against k, the chosen k marked.
function D.k_selection(ctx, entry, api)
  local ks = ctx.k_selection
  if not ks or #ks == 0 then return nil end
  local chosen
  for _, r in ks:rows() do if r.chosen then chosen = r end end
  local labels = entry.labels or {}
  return { type = "line", title = "Choosing the number of clusters", data = ks, x = "k", y = "inertia",
    y2 = ks:has("silhouette") and "silhouette" or nil, decimals2 = 2, x_title = "k", labels = labels,
    mark = chosen and { x = chosen.k, label = (labels.chosen or "chosen k") .. " = " .. chosen.k } or nil,
    values = { k = chosen and tostring(chosen.k) or "?",
      silhouette = chosen and chosen.silhouette and api.number(chosen.silhouette, 2) or "n/a" } }
end

-- PCA of the clustering features: a seeded sample of at most 5,000
-- customers (entry.max_points) coloured by cluster.
function D.pca(ctx, entry, api)
  local c, km = ctx.customers, ctx.kmeans
  if not km or not has(c, "cluster") or #c < 3 then return nil end
  local sg = api.sg
  local m = km:matrix(c)
  local p = sg.pca(m, 2)
  local group = has(c, "cluster_name") and "cluster_name" or "cluster"
  local ds = c:select { "cluster", group ~= "cluster" and group or nil }
    :with_column("pc1", p.projection[1], "double"):with_column("pc2", p.projection[2], "double")
  local ratio = p.explained_variance_ratio or {}
  return { type = "scatter", title = "Clusters on the first two principal components", data = ds, x = "pc1", y = "pc2",
    group = group, max_points = entry.max_points or 5000, x_title = "PC1", y_title = "PC2",
    values = { explained = api.percent((ratio[1] or 0) + (ratio[2] or 0), 0), k = tostring(km:info().k) } }
end

-- Cluster profiles: size, shares and means.
function D.cluster_profiles(ctx, entry, api)
  local p = ctx.cluster_profiles
  if not p or #p == 0 then return nil end
  local cols = {}
  for _, col in ipairs { "cluster", "cluster_name", "size", "share", "revenue_share", "mean_recency_days",
    "mean_frequency", "mean_monetary" } do
    if p:has(col) then
      local fmt = (col == "share" or col == "revenue_share") and "percent" or col == "mean_monetary" and "money"
        or (col:match("^mean_") and "number") or nil
      cols[#cols + 1] = { col, format = fmt, decimals = col == "mean_recency_days" and 0 or nil }
    end
  end
  local big = p:sort("-revenue_share"):row(1)
  return { type = "table", title = "Cluster profiles", data = p, columns = cols, labels = entry.labels,
    values = { top = tostring(big.cluster_name or big.cluster), revenue_share = api.percent(big.revenue_share or 0, 0),
      share = api.percent(big.share or 0, 0) } }
end

-- The distribution of the BTYD lifetime value (top 1% in the last bin).
function D.clv_distribution(ctx, entry, api)
  local b, c = ctx.btyd, ctx.customers
  if not b or not has(c, b.clv_column) then return nil end
  local col = b.clv_column
  local st = c:stats(col)
  if (st.count or 0) == 0 then return nil end
  return { type = "histogram", title = "Customer lifetime value", data = c, column = col, bins = entry.bins or 20,
    clip = entry.clip or 0.99, min = 0, format = "money", labels = entry.labels,
    values = { median = api.money(st.median or 0), mean = api.money(st.mean or 0), total = api.money(st.sum or 0, 0),
      months = tostring(b.horizon or 12) } }
end

-- P(alive) against recency for a sample of customers.
function D.p_alive(ctx, entry, api)
  local c = ctx.customers
  if not (has(c, "p_alive") and has(c, "recency_days")) then return nil end
  local alive = #c:filter("p_alive >= 0.5")
  -- the summary's warning when P(alive) is flat (btyd.alive_flat)
  local days = ctx.periods and ctx.periods.inactive_days
  local lapsed = days and require("segmint.btyd").alive_flat(c, days)
  return { type = "scatter", title = "P(alive) against recency", data = c, x = "recency_days", y = "p_alive",
    group = has(c, "segment") and entry.by_segment and "segment" or nil, format = "percent",
    max_points = entry.max_points or 5000, labels = entry.labels,
    values = { alive_share = api.percent(share(alive, #c), 0), alive = api.number(alive, 0),
      flat = lapsed ~= nil, lapsed = api.number(lapsed or 0, 0) } }
end

-- BTYD calibration against holdout (ctx.btyd.calibration: x, customers,
-- actual, predicted, from sg.btyd_calibration_holdout).
function D.btyd_calibration(ctx, entry, api)
  local cal = ctx.btyd and ctx.btyd.calibration
  if not cal or #cal == 0 then return nil end
  -- totals over customers: each row holds the means of its group
  local w = cal:derive("_actual", "customers * actual"):derive("_predicted", "customers * predicted")
    :derive("_gap", "abs(customers * (predicted - actual))")
  local a, p = w:sum("_actual") or 0, w:sum("_predicted") or 0
  -- the gaps group by group, summed: the error the model choice uses (sg.btyd_select)
  local group_error = a ~= 0 and (w:sum("_gap") or 0) / a or 0
  return { type = "line", title = "Purchases in the holdout period: actual and predicted", data = cal, x = "x",
    y = { "actual", "predicted" }, decimals = 2, labels = entry.labels,
    values = { gap = api.percent(a ~= 0 and math.abs(p - a) / a or 0, 0), customers = api.number(cal:sum("customers") or 0, 0),
      actual = api.number(a, 0), predicted = api.number(p, 0), group_error = api.percent(group_error, 0) } }
end

-- Churn model: the importance of its factors.
function D.churn_importance(ctx, entry, api)
  local ch = ctx.models and ctx.models.churn
  if not ch or not ch.factors or #ch.factors == 0 then return nil end
  local rows = {}
  for i, f in ipairs(ch.factors) do rows[i] = { factor = f.name or f.feature, share = f.share } end
  return { type = "bar", title = "What drives churn", data = rows, x = "factor", y = "share", horizontal = true,
    format = "percent", labels = entry.labels, width = "half",
    values = { top = tostring(rows[1].factor), share = api.percent(rows[1].share or 0, 0),
      auc = api.number(ch.metrics and ch.metrics.auc or 0, 3) } }
end

-- Churn model: calibration (observed churn rate against the predicted probability).
function D.churn_calibration(ctx, entry, api)
  local ch = ctx.models and ctx.models.churn
  local cal = ch and ch.metrics and ch.metrics.calibration
  if not cal or #cal == 0 then return nil end
  local rows = {}
  local n, gap_sum, max_gap = 0, 0, 0   -- how far the points are from the diagonal
  for _, b in ipairs(cal) do
    if (b.count or 0) > 0 then
      rows[#rows + 1] = { predicted = b.mean_predicted, observed = b.observed }
      local gap = math.abs((b.observed or 0) - (b.mean_predicted or 0))
      n, gap_sum, max_gap = n + b.count, gap_sum + b.count * gap, math.max(max_gap, gap)
    end
  end
  if #rows == 0 then return nil end
  local report = require "segmint.report"
  local loc = report.locales[api.language] or report.locales.en
  return { type = "line", title = "Churn model calibration", data = rows, x = "predicted", y = "observed",
    diagonal = true, format = "percent", x_value_format = "percent", labels = entry.labels, width = "half",
    values = { auc = api.number(ch.metrics.auc or 0, 3), accuracy = api.percent(ch.metrics.accuracy or 0, 0),
      mean_gap = report.points(n > 0 and gap_sum / n * 100 or 0, 1, loc), max_gap = report.points(max_gap * 100, 1, loc) } }
end

-- ROC points of a scored dataset: false and true positive rates at each
-- distinct score, thinned to at most max points.
function M.roc(ds, label, score, max)
  local sorted = ds:filter(string.format("not is_missing(%s) and not is_missing(%s)", label, score)):sort("-" .. score)
  local ys, ss = sorted:column(label), sorted:column(score)
  local pos, neg = 0, 0
  for i = 1, ys.n do if ys[i] == true or ys[i] == 1 then pos = pos + 1 else neg = neg + 1 end end
  if pos == 0 or neg == 0 then return nil end
  local fpr, tpr = { 0 }, { 0 }
  local tp, fp = 0, 0
  for i = 1, ys.n do
    if ys[i] == true or ys[i] == 1 then tp = tp + 1 else fp = fp + 1 end
    if i == ys.n or ss[i + 1] ~= ss[i] then fpr[#fpr + 1], tpr[#tpr + 1] = fp / neg, tp / pos end
  end
  local rows, step = {}, math.max(1, #fpr / (max or 200))
  local k = 1
  while k <= #fpr do
    local i = math.floor(k + 0.5)
    rows[#rows + 1] = { fpr = fpr[i], tpr = tpr[i] }
    k = k + step
  end
  if rows[#rows].fpr ~= 1 or rows[#rows].tpr ~= 1 then rows[#rows + 1] = { fpr = 1, tpr = 1 } end
  return rows
end

-- Churn model: ROC curve on the held-out customers (ctx.models.churn.test_scored:
-- a dataset with `churned` and `churn_probability`).
function D.churn_roc(ctx, entry, api)
  local ch = ctx.models and ctx.models.churn
  local t = ch and ch.test_scored
  if not t or not t:has("churned") or not t:has("churn_probability") then return nil end
  local rows = M.roc(t, "churned", "churn_probability", 200)
  if not rows then return nil end
  return { type = "line", title = "Churn model ROC curve", data = rows, x = "fpr", y = "tpr", diagonal = true,
    format = "percent", x_value_format = "percent", labels = entry.labels, width = "half",
    values = { auc = api.number(ch.metrics and ch.metrics.auc or 0, 3), customers = api.number(#t, 0) } }
end

-- Value model: predicted against actual spend on held-out customers
-- (ctx.models.clv.test_scored: `future_spend` and `predicted`).
function D.spend_check(ctx, entry, api)
  local v = ctx.models and ctx.models.clv
  local t = v and v.test_scored
  if not t or not t:has("future_spend") or not t:has("predicted") then return nil end
  -- the predictions as customers.csv gives them (predicted_clv is clipped at 0),
  -- and an axis starts at 0 when none of its values is negative (spend cannot be)
  local keep = {}
  for _, c in ipairs(t:columns()) do if c ~= "predicted" then keep[#keep + 1] = c end end
  keep[#keep + 1] = "_shown"
  t = t:derive("_shown", "if(predicted < 0, 0, predicted)"):select(keep):rename { _shown = "predicted" }
  local function floor0(col) return (t:stats(col).min or 0) >= 0 and 0 or nil end
  return { type = "scatter", title = "Predicted against actual spend", data = t, x = "future_spend", y = "predicted",
    x_min = floor0("future_spend"), y_min = floor0("predicted"),
    diagonal = true, format = "money", x_value_format = "money", max_points = entry.max_points or 5000,
    labels = entry.labels, width = "half",
    values = { rmse = api.money(v.metrics and v.metrics.rmse or 0), r2 = api.number(v.metrics and v.metrics.r2 or 0, 2),
      customers = api.number(#t, 0), days = tostring(v.horizon or "") } }
end

-- The campaign plan: per planned campaign its costs and expected
-- incremental profit, and the plan table (every campaign).
function D.campaign_plan(ctx, entry, api)
  local plan = ctx.plan
  if not plan or #plan == 0 then return nil end
  local labels = entry.labels or {}
  local planned = has(plan, "targeted") and plan:filter("targeted > 0") or plan
  local profit = first_of(plan, "expected_incremental_profit")
  local revenue = first_of(plan, "expected_incremental_revenue", "expected_revenue")
  local roi = first_of(plan, "roi", "expected_roi")
  local function total(col) return col and has(planned, col) and #planned > 0 and (planned:sum(col) or 0) or 0 end
  local cost = total("cost") + total("discount_cost") + total("order_cost")
  -- offers with a cost per purchase (free delivery): their column and words only then
  local order_costs = has(plan, "cost_per_order") and (plan:stats("cost_per_order").max or 0) > 0
  local values = { campaigns = api.number(#planned, 0), cost = api.money(cost, 0), order_costs = order_costs,
    revenue = api.money(total(revenue), 0),
    profit = api.money(profit and total(profit) or total(revenue) - cost, 0),
    roi = cost > 0 and api.percent((profit and total(profit) or total(revenue) - cost) / cost, 0) or "n/a" }
  local cols = {}
  -- the columns in the order they add up: profit = margin on the extra sales - discounts - offer costs
  -- - contact cost
  -- (a plan without the sales columns shows its revenue instead)
  local sales = has(plan, "expected_incremental_sales") and "expected_incremental_sales" or revenue
  local margin = has(plan, "expected_incremental_margin") and "expected_incremental_margin" or ""
  -- contacted and control group, as the summary's plan table (a plan without the split: targeted)
  local contacted = has(plan, "treatment") and "treatment" or "targeted"
  for _, col in ipairs { "campaign", "channel", "eligible", contacted, "control", "budget", sales or "", margin,
    "discount_cost", order_costs and "order_cost" or "", "cost", profit or "", roi or "" } do
    if has(plan, col) then
      local f = (col == "roi" or col == "expected_roi") and "percent"
        or (col == "budget" or col == "cost" or col == "discount_cost" or col == "order_cost" or col == sales
          or col == margin or col == profit) and "money"
        or nil
      cols[#cols + 1] = { col, format = f, decimals = f == "percent" and 0 or nil }
    end
  end
  local blocks = {}
  if #planned > 0 then
    local ys = {}
    for _, col in ipairs { "cost", "discount_cost", "order_cost", profit or revenue } do
      if has(planned, col) and ((col ~= "discount_cost" and col ~= "order_cost") or (planned:sum(col) or 0) > 0) then
        ys[#ys + 1] = col
      end
    end
    blocks[#blocks + 1] = { type = "bar", title = "Campaign plan", data = planned, x = "campaign", y = ys,
      format = "money", labels = labels, values = values }
  end
  blocks[#blocks + 1] = { type = "table", title = labels.table_title or "Campaign plan in detail", data = plan,
    columns = cols, labels = labels, reading = entry.table_reading, values = values }
  if #planned == 0 then
    -- nothing planned: the table alone, under the entry's title and its words for that case
    blocks[1].reading, blocks[1].keep = entry.none_reading, { "reading" }
  end
  return blocks
end

-- Campaign performance from campaign history (ctx.campaign_performance,
-- from segmint.campaign_performance: the `by` columns, the sums and the
-- ratios ctr, conversion_rate, cpa, roi...): ROI per group (the `top`
-- groups by spend) and the table.
local PERF_FORMAT = { ctr = "percent", conversion_rate = "percent", roi = "percent", spend = "money",
  revenue = "money", cpc = "money", cpm = "money", cpa = "money", roas = "number", rows = "integer",
  impressions = "integer", clicks = "integer", conversions = "integer" }
function D.campaign_performance(ctx, entry, api)
  local p = ctx.campaign_performance
  if not p or #p == 0 then return nil end
  local key
  for _, col in ipairs(p:columns()) do
    if not PERF_FORMAT[col] and p:types()[col] == "string" then key = col; break end
  end
  local shown = has(p, "spend") and p:sort("-spend") or p
  shown = shown:head(entry.top or 15)
  local cols = {}
  for _, col in ipairs(p:columns()) do
    if col ~= "rows" then
      cols[#cols + 1] = { col, format = PERF_FORMAT[col], decimals = PERF_FORMAT[col] == "percent" and 1 or nil }
    end
  end
  local values = { campaigns = api.number(#p, 0), best = "n/a", best_roi = "n/a" }
  if key and has(p, "roi") then
    local best = p:filter("not is_missing(roi)"):sort("-roi")
    if #best > 0 then
      values.best, values.best_roi = tostring(best:get(1, key)), api.percent(best:get(1, "roi"), 0)
    end
  end
  local blocks = { { type = "table", title = (entry.labels or {}).table_title or "Campaign performance", data = shown, columns = cols,
    labels = entry.labels, values = values } }
  if key and has(p, "roi") then
    table.insert(blocks, 1, { type = "bar", title = "Return on investment", data = shown, x = key,
      y = "roi", format = "percent", decimals = 0, colors = "category", labels = entry.labels, values = values })
    blocks[2].reading = nil
  end
  return blocks
end

-- Segment migration since the last run (ctx.history.migration: from, to, customers).
function D.migration(ctx, entry, api)
  local m = ctx.history and ctx.history.migration
  if not m or #m == 0 then return nil end
  local moved = m:filter("from != to"):sum("customers") or 0
  return { type = "heatmap", title = "Segment migration", data = m, x = "to", y = "from", value = "customers",
    format = "integer", x_order = "appearance", y_order = "appearance", labels = entry.labels,
    values = { moved = api.number(moved, 0), share = api.percent(share(moved, m:sum("customers") or 0), 0) } }
end

-- Key figures over the runs (ctx.history.kpi_history: a run_date column
-- and one per figure), one chart per unit (rates, amounts, counts...)
-- when ctx.kpis gives the units; entry.units names them for the title's
-- {{unit}}, entry.y chooses the columns.
function D.kpi_trends(ctx, entry, api)
  local h = ctx.history and ctx.history.kpi_history
  if not h or #h < 2 then return nil end
  local x = entry.x or "run_date"
  if not h:has(x) then return nil end
  local cols = entry.y
  if not cols then
    cols = {}
    for _, c in ipairs(h:columns()) do
      if c ~= x and (h:types()[c] == "double" or h:types()[c] == "int64") then cols[#cols + 1] = c end
    end
  end
  local unit_of = {}
  for _, k in ipairs(type(ctx.kpis) == "table" and ctx.kpis.kpis or {}) do unit_of[k.name] = k.unit end
  local groups, order = {}, {}
  for _, c in ipairs(cols) do
    local f = M.UNIT_FORMAT[unit_of[c]] or "number"
    local g = f == "integer" and "number" or f
    if not groups[g] then groups[g] = {}; order[#order + 1] = g end
    table.insert(groups[g], c)
  end
  local units = entry.units or {}
  local blocks = {}
  for _, g in ipairs(order) do
    blocks[#blocks + 1] = { type = "line", title = entry.title or "Key figures over time", data = h, x = x,
      y = groups[g], format = g, decimals = g == "percent" and 0 or nil, labels = entry.labels,
      values = { runs = api.number(#h, 0), unit = units[g] or "" } }
  end
  return blocks
end

-- The strongest cross-selling rules.
function D.cross_sell(ctx, entry, api)
  local r = ctx.cross_sell_rules
  if not r or #r == 0 then return nil end
  local top = r:sort("-lift"):head(entry.top or 10)
  local best = top:row(1)
  -- with cross_sell.names, each code's product name beside it
  local named = top:has("antecedent_name")
  local function label(side)
    local code = tostring(best[side])
    local name = best[side .. "_name"]
    return name and (name .. " (" .. code .. ")") or code
  end
  local columns = named and { "antecedent", "antecedent_name", "consequent", "consequent_name" }
    or { "antecedent", "consequent" }
  for _, c in ipairs({ { "support", format = "percent", decimals = 2 }, { "confidence", format = "percent" },
      { "lift", format = "number", decimals = 1 } }) do
    columns[#columns + 1] = c
  end
  return { type = "table", title = "Products bought together", data = top, columns = columns,
    labels = entry.labels,
    values = { a = label("antecedent"), b = label("consequent"), lift = api.number(best.lift, 1) } }
end

-- Alerts (ctx.alert_texts: the texts the summary shows).
function D.alerts(ctx, entry, api)
  local list = ctx.alert_texts
  if type(list) ~= "table" or #list == 0 then return nil end
  local items = {}
  for i, s in ipairs(list) do items[i] = "- " .. tostring(s) end
  return { type = "text", title = "Alerts", text = table.concat(items, "\n"), values = { count = api.number(#list, 0) } }
end

-- Data preparation: rows and revenue removed per cleaning step (the step
-- names from entry.reasons, else the summary template's words).
function D.data_preparation(ctx, entry, api)
  local rep = ctx.cleaning
  if not rep or not rep.steps then return nil end
  local reasons = entry.reasons or ctx.reasons or {}
  local rows = {}
  for i, s in ipairs(rep.steps) do
    rows[i] = { step = reasons[s.reason] or s.reason, rows = s.rows, revenue = s.revenue }
  end
  return { type = "table", title = "Data preparation", data = rows,
    columns = { "step", { "rows", format = "integer" }, { "revenue", format = "money" } }, labels = entry.labels,
    values = { rows_in = api.number(rep.rows_in or 0, 0), rows_out = api.number(rep.rows_out or 0, 0),
      kept = api.percent(share(rep.rows_out or 0, rep.rows_in or 0), 1) } }
end

-- What each section gives a layout: the values its {{placeholders}} may
-- name, its own options (name -> kind, see report_layout.lua) and the
-- options that are texts with placeholders.  Every section may also use
-- the page's values (M.PAGE_VALUES).
M.spec = {
  kpis = { values = { "customers", "revenue", "orders", "avg_basket" }, options = { targets = "numbers" } },
  indicators = { values = { "count", "targets", "met", "missed", "spend_r2", "met_plural" },
    options = { since_previous = "text", unreliable = "text" }, texts = { "unreliable" } },
  segments = { values = { "top", "share", "revenue_share", "segments" }, options = { revenue_reading = "text" },
    texts = { "revenue_reading", "labels.revenue_title" } },
  rf_grid = { values = { "best_r", "best_f", "best" } },
  k_selection = { values = { "k", "silhouette" } },
  pca = { values = { "explained", "k" }, options = { max_points = "points" } },
  cluster_profiles = { values = { "top", "revenue_share", "share" } },
  clv_distribution = { values = { "median", "mean", "total", "months" }, options = { bins = "bins", clip = "share" } },
  p_alive = { values = { "alive_share", "alive", "flat", "lapsed" }, options = { max_points = "points", by_segment = "boolean" } },
  btyd_calibration = { values = { "gap", "customers", "actual", "predicted", "group_error" } },
  churn_importance = { values = { "top", "share", "auc" } },
  churn_calibration = { values = { "auc", "accuracy", "mean_gap", "max_gap" } },
  churn_roc = { values = { "auc", "customers" } },
  spend_check = { values = { "rmse", "r2", "customers", "days" }, options = { max_points = "points" } },
  campaign_plan = { values = { "campaigns", "cost", "revenue", "profit", "roi", "order_costs" },
    options = { table_reading = "text", none_reading = "text" },
    texts = { "table_reading", "none_reading", "labels.table_title" } },
  campaign_performance = { values = { "campaigns", "best", "best_roi" }, options = { top = "count" } },
  migration = { values = { "moved", "share" } },
  kpi_trends = { values = { "runs", "unit" }, options = { x = "name", y = "names", units = "texts" } },
  cross_sell = { values = { "a", "b", "lift" }, options = { top = "count" } },
  alerts = { values = { "count" } },
  data_preparation = { values = { "rows_in", "rows_out", "kept" }, options = { reasons = "texts" } },
}

-- Values every section and the page's title and subtitle may use; the
-- report step fills them (dates and numbers in the page's language).
M.PAGE_VALUES = { "period_start", "period_end", "as_of", "customers_analysed", "inactive_days", "horizon_days",
  "clv_months", "comparison_days", "campaign_window_days" }

-- Checks a page layout for the default analysis (before any data is
-- read): the problems as "file:line: report: ..." messages.
function M.check(layout, language)
  local page = {}
  for _, v in ipairs(M.PAGE_VALUES) do page[v] = true end
  return require("segmint.report_layout").check(layout, { data = M.data, spec = M.spec, language = language,
    page_values = page, block_types = { "text" } })
end

-- The page's values for a finished analysis's context (the step's ctx).
function M.page_values(ctx)
  local f, loc = ctx.fmt, ctx.loc
  local report = require "segmint.report"
  local period = ctx.res.loaded and ctx.res.loaded.period or {}
  local function day(s) return s and report.date(tostring(s):sub(1, 10), loc, "long_date") or "n/a" end
  local v = { period_start = day(period.min), period_end = day(period.max), as_of = day(ctx.as_of),
    customers_analysed = f.number(ctx.customers and #ctx.customers or 0) }
  for _, k in ipairs { "inactive_days", "horizon_days", "clv_months", "comparison_days", "campaign_window_days" } do
    v[k] = ctx.periods and ctx.periods[k] and f.number(ctx.periods[k]) or "n/a"
  end
  return v
end

-- The context the data functions read: the results of the steps, the
-- customer table as it is now, the periods and the cleaning steps' words.
function M.context(ctx)
  local c = {}
  for k, v in pairs(ctx.res) do c[k] = v end
  c.customers = ctx.customers
  c.periods = ctx.periods
  c.reasons = ctx.texts and ctx.texts.reasons
  return c
end

-- The default layouts, in the order of summary.md; recipes/en/report.lua
-- and recipes/fr/report.lua ship the same tables for people to edit.
M.layouts = {
  en = {
    title = "Customer analysis",
    subtitle = "Data from {{period_start}} to {{period_end}}, scores as of {{as_of}}",
    language = "en",
    sections = {
      { "kpis", title = "Key figures",
        reading = "{{customers}} customers bought for {{revenue}} between {{period_start}} and {{period_end}}.",
        labels = { customers = "Customers", revenue = "Revenue", orders = "Orders", avg_basket = "Average basket",
          at_risk = "Customers at risk", campaign_roi = "Expected campaign ROI" } },
      { "indicators", title = "Indicators and targets", reading = "Indicators with a target: {{met}} of {{targets}} met.",
        unreliable = "Not reliable: the spend model does worse than the average (R² {{spend_r2}}).",
        since_previous = "against the previous period" },
      { "segments", title = "Customers per segment",
        reading = "{{top}} are {{share}} of customers and {{revenue_share}} of revenue.",
        labels = { customers = "customers", revenue = "revenue", revenue_title = "Revenue per segment" },
        revenue_reading = "Revenue by segment: where the money comes from." },
      { "rf_grid", title = "Average spend by recency (R) and frequency (F) score",
        reading = "Customers scored R {{best_r}}, F {{best_f}} spend the most: {{best}} on average." },
      { "k_selection", title = "Choosing the number of clusters",
        reading = "k = {{k}} clusters were chosen (silhouette {{silhouette}}); a good k is where more clusters "
          .. "lower the inertia little and the silhouette is high.",
        labels = { inertia = "inertia (within-cluster spread)", silhouette = "silhouette", chosen = "chosen k" } },
      { "pca", title = "Clusters on the first two principal components",
        reading = "The two axes keep {{explained}} of the variation of the clustering features." },
      { "cluster_profiles", title = "Cluster profiles",
        reading = "The cluster {{top}} brings {{revenue_share}} of revenue with {{share}} of customers.",
        labels = { cluster = "cluster", cluster_name = "name", size = "customers", share = "share",
          revenue_share = "revenue share", mean_recency_days = "days since last purchase",
          mean_frequency = "orders", mean_monetary = "spend" } },
      { "clv_distribution", title = "Expected value of each customer over the next {{months}} months",
        reading = "Median {{median}}, mean {{mean}}; {{total}} in all.", labels = { count = "customers" },
      x_title = "expected value per customer" },
      { "p_alive", title = "Probability that a customer is still active, by days since the last purchase",
        reading = "{{alive_share}} of customers ({{alive}}) are more likely active than not.{{#flat}} The model sees almost no one stop buying, yet {{lapsed}} customers have not bought for more than {{inactive_days}} days: do not use P(alive) to choose whom to win back.{{/flat}}",
        labels = { recency_days = "days since the last purchase", p_alive = "P(alive)" } },
      { "btyd_calibration", title = "Purchases in the {{horizon_days}} days before {{as_of}}: actual and predicted",
        reading = "Fitted on the earlier data, the model expected {{predicted}} purchases from these customers in all; "
          .. "they made {{actual}} ({{gap}} apart). Group by group (one point per number of earlier purchases), the "
          .. "gaps add up to {{group_error}} of the purchases, as they do not cancel out as in the total.",
        labels = { x = "purchases before the check period", actual = "actual", predicted = "predicted" } },
      { "churn_importance", title = "What drives churn",
        reading = "The largest factor: {{top}} ({{share}} of the model's importance).",
        labels = { share = "importance" } },
      { "churn_calibration", title = "Churn model calibration",
        reading = "Each point is a group of customers with a similar predicted risk; on the dashed diagonal, the "
          .. "predicted risk equals the share who did not buy within {{horizon_days}} days. Here the average gap "
          .. "to it is {{mean_gap}} (at most {{max_gap}}); AUC {{auc}}.",
        labels = { predicted = "predicted probability", observed = "observed churn" } },
      { "churn_roc", title = "Churn model ROC curve",
        reading = "AUC {{auc}} on {{customers}} customers the model had not seen: 0.5 is chance, 1 is perfect.",
        labels = { fpr = "false positive rate", tpr = "true positive rate" } },
      { "spend_check", title = "Predicted against actual spend over {{days}} days",
        reading = "Typical error {{rmse}} (R² {{r2}}) on {{customers}} customers the model had not seen.",
        labels = { future_spend = "actual spend", predicted = "predicted spend" } },
      { "campaign_plan", title = "Campaign plan: costs and expected profit",
        reading = "{{campaigns}} campaigns cost {{cost}} (contacts, discounts{{#order_costs}}, offer costs{{/order_costs}}) and "
          .. "are expected to bring {{profit}} "
          .. "of extra profit (ROI {{roi}}).",
        labels = { cost = "contact cost", discount_cost = "discounts", order_cost = "offer costs", expected_incremental_profit = "expected extra profit",
          expected_incremental_sales = "expected extra sales (before discounts)",
          expected_incremental_margin = "margin on them",
          expected_incremental_revenue = "expected extra revenue", campaign = "campaign", channel = "channel",
          eligible = "eligible", targeted = "customers targeted", treatment = "contacted", control = "control group", budget = "budget",
          roi = "ROI", table_title = "Every campaign in detail" },
        table_reading = "Extra profit = margin on the extra sales − discounts{{#order_costs}} − offer costs{{/order_costs}} − "
          .. "contact cost; ROI = extra profit / (discounts{{#order_costs}} + offer costs{{/order_costs}} + "
          .. "contact cost). A campaign with no customer targeted has an alert that says why.",
        none_reading = "No campaign is expected to pay with its current offer and costs: each one's alert "
          .. "says why." },
      { "campaign_performance", title = "Campaign performance",
        reading = "{{best}} gave the best return: {{best_roi}}, as the platforms attribute it (every conversion "
          .. "after a contact counts, even one that would have happened anyway): not the incremental effect, which "
          .. "only a test with a control group measures.",
        labels = { roi = "ROI (on margin)", ctr = "click rate", conversion_rate = "conversion rate",
          cpa = "cost per conversion", spend = "spend", revenue = "revenue", impressions = "impressions",
          clicks = "clicks", conversions = "conversions", cpc = "cost per click", cpm = "cost per 1,000 impressions",
          roas = "ROAS (revenue / spend)", table_title = "Past campaigns in detail" } },
      { "migration", title = "Segment migration since the last run",
        reading = "{{moved}} customers ({{share}}) changed segment.", labels = { from = "before", to = "now" } },
      { "kpi_trends", title = "Key figures over time: {{unit}}", reading = "Over {{runs}} runs.",
        units = { percent = "rates", money = "amounts", number = "counts and other figures" } },
      { "cross_sell", title = "Products bought together",
        reading = "An order holding {{a}} holds {{b}} {{lift}} times as often as the average order.",
        labels = { antecedent = "product bought", antecedent_name = "name", consequent = "product suggested",
          consequent_name = "name" } },
      { "alerts", title = "Alerts" },
      { "data_preparation", title = "Data preparation",
        reading = "{{rows_out}} of {{rows_in}} lines kept ({{kept}}).",
        labels = { step = "removed", rows = "lines", revenue = "revenue" } },
    },
  },
  fr = {
    title = "Analyse clients",
    subtitle = "Données du {{period_start}} au {{period_end}}, scores au {{as_of}}",
    language = "fr",
    sections = {
      { "kpis", title = "Chiffres clés",
        reading = "{{customers}} clients ont acheté pour {{revenue}} du {{period_start}} au {{period_end}}.",
        labels = { customers = "Clients", revenue = "Chiffre d’affaires", orders = "Commandes",
          avg_basket = "Panier moyen", at_risk = "Clients à risque", campaign_roi = "ROI attendu des campagnes" } },
      { "indicators", title = "Indicateurs et objectifs", reading = "Indicateurs assortis d’un objectif : {{met}} sur {{targets}} {{#met_plural}}atteints{{/met_plural}}{{^met_plural}}atteint{{/met_plural}}.",
        unreliable = "Peu fiable : le modèle de dépense fait moins bien que la moyenne (R² {{spend_r2}}).",
        since_previous = "par rapport à la période précédente" },
      { "segments", title = "Clients par segment",
        reading = "Les {{top}} sont {{share}} des clients et font {{revenue_share}} du chiffre d’affaires.",
        labels = { customers = "clients", revenue = "chiffre d’affaires", revenue_title = "Chiffre d’affaires par segment" },
        revenue_reading = "Chiffre d’affaires par segment : d’où vient l’argent." },
      { "rf_grid", title = "Dépense moyenne selon les scores de récence (R) et de fréquence (F)",
        reading = "Les clients notés R {{best_r}}, F {{best_f}} dépensent le plus : {{best}} en moyenne." },
      { "k_selection", title = "Choix du nombre de groupes",
        reading = "k = {{k}} groupes retenus (silhouette {{silhouette}}) ; un bon k est celui au-delà duquel "
          .. "l’inertie baisse peu, avec une silhouette élevée.",
        labels = { inertia = "inertie (dispersion intra-groupe)", silhouette = "silhouette", chosen = "k retenu" } },
      { "pca", title = "Groupes sur les deux premières composantes principales",
        reading = "Les deux axes gardent {{explained}} de la variation des critères de regroupement." },
      { "cluster_profiles", title = "Profils des groupes",
        reading = "Le groupe {{top}} apporte {{revenue_share}} du chiffre d’affaires avec {{share}} des clients.",
        labels = { cluster = "groupe", cluster_name = "nom", size = "clients", share = "part",
          revenue_share = "part du CA", mean_recency_days = "jours depuis le dernier achat",
          mean_frequency = "commandes", mean_monetary = "dépense" } },
      { "clv_distribution", title = "Valeur attendue de chaque client sur les {{months}} prochains mois",
        reading = "Médiane {{median}}, moyenne {{mean}} ; {{total}} au total.", labels = { count = "clients" },
      x_title = "valeur attendue par client" },
      { "p_alive", title = "Probabilité qu’un client soit encore actif, selon les jours depuis son dernier achat",
        reading = "{{alive_share}} des clients ({{alive}}) sont plus probablement actifs qu’inactifs.{{#flat}} Le modèle ne voit presque personne cesser d’acheter, alors que {{lapsed}} clients n’ont rien acheté depuis plus de {{inactive_days}} jours : ne vous servez pas de P(actif) pour choisir qui reconquérir.{{/flat}}",
        labels = { recency_days = "jours depuis le dernier achat", p_alive = "P(actif)" } },
      { "btyd_calibration", title = "Achats des {{horizon_days}} jours avant le {{as_of}} : réels et prévus",
        reading = "Ajusté sur les données antérieures, le modèle attendait au total {{predicted}} achats de ces "
          .. "clients ; ils en ont fait {{actual}} ({{gap}} d’écart). Groupe par groupe (un point par nombre d’achats "
          .. "antérieurs), les écarts cumulés font {{group_error}} des achats, car ils ne se compensent pas comme "
          .. "dans le total.",
        labels = { x = "achats avant la période de contrôle", actual = "réels", predicted = "prévus" } },
      { "churn_importance", title = "Ce qui fait partir les clients",
        reading = "Le facteur le plus important : {{top}} ({{share}} de l’importance du modèle).", labels = { share = "importance" } },
      { "churn_calibration", title = "Calibration du modèle d’attrition",
        reading = "Chaque point est un groupe de clients au risque prévu voisin ; sur la diagonale en pointillés, "
          .. "le risque prévu égale la part des clients sans achat en {{horizon_days}} jours. Ici, l’écart moyen "
          .. "à la diagonale est de {{mean_gap}} (au plus {{max_gap}}) ; AUC {{auc}}.",
        labels = { predicted = "probabilité prévue", observed = "attrition observée" } },
      { "churn_roc", title = "Courbe ROC du modèle d’attrition",
        reading = "AUC {{auc}} sur {{customers}} clients que le modèle n’avait pas vus : 0,5 est le hasard, 1 la perfection.",
        labels = { fpr = "taux de faux positifs", tpr = "taux de vrais positifs" } },
      { "spend_check", title = "Dépense prévue et dépense réelle sur {{days}} jours",
        reading = "RMSE (erreur quadratique moyenne) {{rmse}} (R² {{r2}}) sur {{customers}} clients que le modèle n’avait pas vus.",
        labels = { future_spend = "dépense réelle", predicted = "dépense prévue" } },
      { "campaign_plan", title = "Plan de campagnes : coûts et bénéfice attendu",
        reading = "{{campaigns}} campagnes coûtent {{cost}} (contacts, remises{{#order_costs}}, coûts de l’offre{{/order_costs}}) "
          .. "et devraient rapporter {{profit}} "
          .. "de bénéfice supplémentaire (ROI {{roi}}).",
        labels = { cost = "coût des contacts", discount_cost = "remises", order_cost = "coûts de l’offre", expected_incremental_profit = "bénéfice supplémentaire attendu",
          expected_incremental_sales = "ventes supplémentaires attendues (avant remise)",
          expected_incremental_margin = "marge sur ces ventes",
          expected_incremental_revenue = "CA supplémentaire attendu", campaign = "campagne", channel = "canal",
          eligible = "éligibles", targeted = "clients ciblés", treatment = "contactés", control = "groupe témoin", budget = "budget",
          roi = "ROI", table_title = "Toutes les campagnes en détail" },
        table_reading = "Bénéfice supplémentaire = marge sur les ventes supplémentaires − remises{{#order_costs}} − coûts "
          .. "de l’offre{{/order_costs}} − coût des contacts ; ROI = bénéfice supplémentaire / (remises"
          .. "{{#order_costs}} + coûts de l’offre{{/order_costs}} + coût des contacts). Une campagne sans client ciblé a une "
          .. "alerte qui dit pourquoi.",
        none_reading = "Aucune campagne ne devrait être rentable avec son offre et ses coûts actuels : l’alerte de "
          .. "chacune dit pourquoi." },
      { "campaign_performance", title = "Performance des campagnes",
        reading = "{{best}} a le meilleur rendement : {{best_roi}}, tel que les plateformes l’attribuent (chaque "
          .. "conversion après un contact compte, même si elle aurait eu lieu sans lui) ; ce n’est pas l’effet propre "
          .. "de la campagne, que seul un test avec groupe témoin mesure.",
        labels = { roi = "ROI (sur la marge)", ctr = "taux de clic", conversion_rate = "taux de conversion",
          cpa = "coût par conversion", spend = "dépense", revenue = "chiffre d’affaires", impressions = "impressions",
          clicks = "clics", conversions = "conversions", cpc = "coût par clic", cpm = "coût pour 1\u{202F}000 impressions",
          roas = "ROAS (CA / dépense)", campaign = "campagne", channel = "canal", target_segment = "segment visé",
          table_title = "Les campagnes passées en détail" } },
      { "migration", title = "Changements de segment depuis l’analyse précédente",
        reading = "{{moved}} clients ({{share}}) ont changé de segment.", labels = { from = "avant", to = "maintenant" } },
      { "kpi_trends", title = "Chiffres clés dans le temps : {{unit}}", reading = "Sur {{runs}} analyses.",
        units = { percent = "taux", money = "montants", number = "effectifs et autres indicateurs" } },
      { "cross_sell", title = "Produits achetés ensemble",
        reading = "Une commande qui contient {{a}} contient {{b}} {{lift}} fois plus souvent qu’une commande moyenne.",
        labels = { antecedent = "produit acheté", antecedent_name = "nom", consequent = "produit associé",
          consequent_name = "nom", support = "support", confidence = "confiance", lift = "lift" } },
      { "alerts", title = "Alertes" },
      { "data_preparation", title = "Préparation des données",
        reading = "{{rows_out}} lignes conservées sur {{rows_in}} ({{kept}}).",
        labels = { step = "retiré", rows = "lignes", revenue = "chiffre d’affaires" } },
    },
  },
}

return M
