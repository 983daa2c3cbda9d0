-- The sections of the default analysis's report.html: one data function
-- per section, and the default page layouts (English, French) that name
-- them.  A data function is called as fn(ctx, entry, api):
--   ctx    what the analysis produced (the table sg.analysis returns; see
--          docs/report.md for the fields each section reads),
--   entry  the section's entry in the layout (title, reading, labels and
--          any option of its own, like `top`),
--   api    { sg, money(x, decimals), number(x, decimals), percent(x, decimals),
--            date(text, style), language, currency }
-- and returns a block (see html_blocks.lua), a list of blocks, or nil when
-- the run has nothing to show there (no clusters, no history...).  The
-- block's `values` fill the {{placeholders}} of the entry's reading.
local M = {}

local function share(part, whole) return whole ~= 0 and part / whole or 0 end

local function has(ds, col) return ds ~= nil and ds:has(col) end

M.data = {}
local D = M.data

-- Key figures: customers, revenue, orders, average basket, customers at
-- risk, expected campaign return.  entry.targets = { name = value } sets
-- targets; ctx.previous = { name = value } (the last run's figures) gives
-- the change.
function D.kpis(ctx, entry, api)
  local c = ctx.customers
  if not c then return nil end
  local n = #c
  local revenue = c:sum("monetary") or 0
  local orders = c:sum("frequency") or 0
  local labels = entry.labels or {}
  local targets, prev = entry.targets or {}, ctx.previous or {}
  local items = {}
  local function add(key, value, format, extra)
    if value == nil then return end
    local it = { label = labels[key] or key:gsub("_", " "), value = value, format = format,
      target = targets[key], previous = prev[key] }
    for k, v in pairs(extra or {}) do it[k] = v end
    items[#items + 1] = it
  end
  add("customers", n, "integer")
  add("revenue", revenue, "money", { decimals = 0 })
  add("orders", orders, "integer")
  add("avg_basket", orders > 0 and revenue / orders or nil, "money")
  if has(c, "churn_probability") and ctx.models and ctx.models.at_risk then
    add("at_risk", ctx.models.at_risk.share, "percent", { better = "lower" })
  end
  if ctx.plan and #ctx.plan > 0 and ctx.plan:has("cost") and ctx.plan:has("expected_revenue") then
    local cost, rev = ctx.plan:sum("cost") or 0, ctx.plan:sum("expected_revenue") or 0
    if cost > 0 then add("campaign_roi", rev / cost - 1, "percent", { decimals = 0 }) end
  end
  return { type = "kpis", title = "Key figures", items = items,
    values = { customers = api.number(n, 0), revenue = api.money(revenue, 0) } }
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
  return { type = "scatter", title = "P(alive) against recency", data = c, x = "recency_days", y = "p_alive",
    group = has(c, "segment") and entry.by_segment and "segment" or nil, format = "percent",
    max_points = entry.max_points or 5000, labels = entry.labels,
    values = { alive_share = api.percent(share(alive, #c), 0), alive = api.number(alive, 0) } }
end

-- BTYD calibration against holdout (ctx.btyd.calibration: x, customers,
-- actual, predicted, from sg.btyd_calibration_holdout).
function D.btyd_calibration(ctx, entry, api)
  local cal = ctx.btyd and ctx.btyd.calibration
  if not cal or #cal == 0 then return nil end
  -- totals over customers: each row holds the means of its group
  local w = cal:derive("_actual", "customers * actual"):derive("_predicted", "customers * predicted")
  local a, p = w:sum("_actual") or 0, w:sum("_predicted") or 0
  return { type = "line", title = "Purchases in the holdout period: actual and predicted", data = cal, x = "x",
    y = { "actual", "predicted" }, decimals = 2, labels = entry.labels,
    values = { gap = api.percent(a ~= 0 and (p - a) / a or 0, 0) } }
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
  for _, b in ipairs(cal) do
    if (b.count or 0) > 0 then rows[#rows + 1] = { predicted = b.mean_predicted, observed = b.observed } end
  end
  if #rows == 0 then return nil end
  return { type = "line", title = "Churn model calibration", data = rows, x = "predicted", y = "observed",
    diagonal = true, format = "percent", x_value_format = "percent", labels = entry.labels, width = "half",
    values = { auc = api.number(ch.metrics.auc or 0, 3), accuracy = api.percent(ch.metrics.accuracy or 0, 0) } }
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

-- Churn model: ROC curve on the held-out customers (ctx.models.churn.test:
-- a dataset with `churned` and `churn_probability`).
function D.churn_roc(ctx, entry, api)
  local ch = ctx.models and ctx.models.churn
  local t = ch and ch.test_scored
  if not t or not t:has("churned") or not t:has("churn_probability") then return nil end
  local rows = M.roc(t, "churned", "churn_probability", 200)
  if not rows then return nil end
  return { type = "line", title = "Churn model ROC curve", data = rows, x = "fpr", y = "tpr", diagonal = true,
    format = "percent", x_value_format = "percent", labels = entry.labels, width = "half",
    values = { auc = api.number(ch.metrics and ch.metrics.auc or 0, 3) } }
end

-- Value model: predicted against actual spend on held-out customers
-- (ctx.models.clv.test_scored: `future_spend` and `predicted`).
function D.spend_check(ctx, entry, api)
  local v = ctx.models and ctx.models.clv
  local t = v and v.test_scored
  if not t or not t:has("future_spend") or not t:has("predicted") then return nil end
  return { type = "scatter", title = "Predicted against actual spend", data = t, x = "future_spend", y = "predicted",
    diagonal = true, format = "money", x_value_format = "money", max_points = entry.max_points or 5000,
    labels = entry.labels, width = "half",
    values = { rmse = api.money(v.metrics and v.metrics.rmse or 0), r2 = api.number(v.metrics and v.metrics.r2 or 0, 2) } }
end

-- The campaign plan: cost and expected revenue per campaign, and the table.
function D.campaign_plan(ctx, entry, api)
  local plan = ctx.plan
  if not plan or #plan == 0 then return nil end
  local cost, rev = plan:sum("cost") or 0, plan:sum("expected_revenue") or 0
  local labels = entry.labels or {}
  local values = { campaigns = api.number(#plan, 0), cost = api.money(cost, 0), revenue = api.money(rev, 0),
    profit = api.money(rev - cost, 0) }
  local cols = {}
  for _, col in ipairs { "campaign", "channel", "targeted", "budget", "cost", "expected_revenue", "expected_roi" } do
    if plan:has(col) then
      cols[#cols + 1] = { col, format = (col == "budget" or col == "cost" or col == "expected_revenue") and "money"
        or col == "expected_roi" and "percent" or nil, decimals = col == "expected_roi" and 0 or nil }
    end
  end
  return {
    { type = "bar", title = "Campaign plan", data = plan, x = "campaign", y = { "cost", "expected_revenue" },
      format = "money", labels = labels, values = values },
    { type = "table", title = labels.table_title or "Campaign plan in detail", data = plan, columns = cols,
      labels = labels, reading = entry.table_reading, values = values },
  }
end

-- Campaign performance from campaign history (ctx.campaign_performance:
-- campaign, ctr, conversion, cpa, roi).
function D.campaign_performance(ctx, entry, api)
  local p = ctx.campaign_performance
  if not p or #p == 0 then return nil end
  local cols = {}
  for _, col in ipairs(p:columns()) do
    local f = (col == "ctr" or col == "conversion" or col == "roi") and "percent" or (col == "cpa" or col:match("cost")
      or col:match("revenue")) and "money" or nil
    cols[#cols + 1] = { col, format = f }
  end
  local blocks = { { type = "table", title = "Campaign performance", data = p, columns = cols, labels = entry.labels } }
  if p:has("roi") then
    table.insert(blocks, 1, { type = "bar", title = "Return on investment per campaign", data = p, x = "campaign",
      y = "roi", format = "percent", labels = entry.labels })
  end
  return blocks
end

-- Segment migration since the last run (ctx.migration: from, to, customers).
function D.migration(ctx, entry, api)
  local m = ctx.migration
  if not m or #m == 0 then return nil end
  local moved = m:filter("from != to"):sum("customers") or 0
  return { type = "heatmap", title = "Segment migration", data = m, x = "to", y = "from", value = "customers",
    format = "integer", x_order = "appearance", y_order = "appearance", labels = entry.labels,
    values = { moved = api.number(moved, 0), share = api.percent(share(moved, m:sum("customers") or 0), 0) } }
end

-- KPI trends over the runs (ctx.kpi_history: run date and one column per figure).
function D.kpi_trends(ctx, entry, api)
  local h = ctx.kpi_history
  if not h or #h < 2 then return nil end
  local x = entry.x or "run_date"
  local ys = entry.y or { "customers" }
  return { type = "line", title = "Key figures over time", data = h, x = x, y = ys, y2 = entry.y2,
    format = entry.format, format2 = entry.format2, labels = entry.labels, values = { runs = api.number(#h, 0) } }
end

-- The strongest cross-selling rules.
function D.cross_sell(ctx, entry, api)
  local r = ctx.cross_sell_rules
  if not r or #r == 0 then return nil end
  local top = r:sort("-lift"):head(entry.top or 10)
  local best = top:row(1)
  return { type = "table", title = "Products bought together", data = top,
    columns = { "antecedent", "consequent", { "support", format = "percent", decimals = 2 },
      { "confidence", format = "percent" }, { "lift", format = "number", decimals = 1 } },
    labels = entry.labels,
    values = { a = tostring(best.antecedent), b = tostring(best.consequent), lift = api.number(best.lift, 1) } }
end

-- Alerts (ctx.alert_texts: the texts the summary shows).
function D.alerts(ctx, entry, api)
  local list = ctx.alert_texts
  if not list or #list == 0 then return nil end
  local items = {}
  for i, s in ipairs(list) do items[i] = "- " .. tostring(s) end
  return { type = "text", title = "Alerts", text = table.concat(items, "\n"), values = { count = tostring(#list) } }
end

-- Data preparation: rows and revenue removed per cleaning step.
function D.data_preparation(ctx, entry, api)
  local rep = ctx.cleaning
  if not rep or not rep.steps then return nil end
  local reasons = entry.reasons or {}
  local rows = {}
  for i, s in ipairs(rep.steps) do
    rows[i] = { step = reasons[s.reason] or s.reason, rows = s.rows, revenue = s.revenue }
  end
  return { type = "table", title = "Data preparation", data = rows,
    columns = { "step", { "rows", format = "integer" }, { "revenue", format = "money" } }, labels = entry.labels,
    values = { rows_in = api.number(rep.rows_in or 0, 0), rows_out = api.number(rep.rows_out or 0, 0),
      kept = api.percent(share(rep.rows_out or 0, rep.rows_in or 0), 1) } }
end

-- The default layouts: the order of summary.md.  Copy one into the
-- recipe's templates/report.lua to reorder, drop or retitle sections.
M.layouts = {
  en = {
    title = "Customer analysis", language = "en",
    sections = {
      { "kpis", title = "Key figures", labels = { customers = "Customers", revenue = "Revenue", orders = "Orders",
        avg_basket = "Average basket", at_risk = "Customers at risk", campaign_roi = "Expected campaign return" },
        reading = "{{customers}} customers bought for {{revenue}} in the period." },
      { "segments", title = "Customers per segment", reading = "{{top}} are {{share}} of customers and {{revenue_share}} of revenue.",
        labels = { customers = "customers", revenue = "revenue", revenue_title = "Revenue per segment" },
        revenue_reading = "Revenue by segment: where the money comes from." },
      { "rf_grid", title = "Average spend by recency (R) and frequency (F) score",
        reading = "Customers scored R {{best_r}}, F {{best_f}} spend the most: {{best}} on average." },
      { "k_selection", title = "Choosing the number of clusters",
        reading = "k = {{k}} clusters were chosen (silhouette {{silhouette}}): inertia falls little beyond it.",
        labels = { inertia = "inertia (within-cluster spread)", silhouette = "silhouette", chosen = "chosen k" } },
      { "pca", title = "Clusters on the first two principal components",
        reading = "The two axes keep {{explained}} of the variation of the clustering features." },
      { "cluster_profiles", title = "Cluster profiles",
        reading = "{{top}} brings {{revenue_share}} of revenue with {{share}} of customers.",
        labels = { cluster = "cluster", cluster_name = "name", size = "customers", share = "share",
          revenue_share = "revenue share", mean_recency_days = "days since last purchase",
          mean_frequency = "orders", mean_monetary = "spend" } },
      { "clv_distribution", title = "Expected value of each customer over the next {{months}} months",
        reading = "Median {{median}}, mean {{mean}}; {{total}} in all.", labels = { count = "customers" } },
      { "p_alive", title = "Probability that a customer is still active, by days since the last purchase",
        reading = "{{alive_share}} of customers ({{alive}}) are more likely active than not.",
        labels = { recency_days = "days since the last purchase", p_alive = "P(alive)" } },
      { "btyd_calibration", title = "Purchases in the holdout period: actual and predicted",
        reading = "The model's total is {{gap}} away from what customers actually bought.",
        labels = { x = "purchases in the calibration period", actual = "actual", predicted = "predicted" } },
      { "churn_importance", title = "What drives churn", reading = "{{top}} weighs most ({{share}} of the model's importance).",
        labels = { share = "importance" } },
      { "churn_calibration", title = "Churn model calibration",
        reading = "Points near the diagonal: predicted risks match observed churn (AUC {{auc}}).",
        labels = { predicted = "predicted probability", observed = "observed churn" } },
      { "churn_roc", title = "Churn model ROC curve", reading = "AUC {{auc}}: 0.5 is chance, 1 is perfect.",
        labels = { fpr = "false positive rate", tpr = "true positive rate" } },
      { "spend_check", title = "Predicted against actual spend", reading = "Typical error {{rmse}} (R² {{r2}}).",
        labels = { future_spend = "actual spend", predicted = "predicted spend" } },
      { "campaign_plan", title = "Campaign plan: cost and expected revenue",
        reading = "{{campaigns}} campaigns cost {{cost}} and are expected to bring {{revenue}}.",
        labels = { cost = "cost", expected_revenue = "expected revenue", campaign = "campaign", channel = "channel",
          targeted = "customers targeted", budget = "budget", expected_roi = "expected return",
          table_title = "Campaign plan in detail" } },
      { "campaign_performance", title = "Campaign performance" },
      { "migration", title = "Segment migration since the last run",
        reading = "{{moved}} customers ({{share}}) changed segment.", labels = { from = "before", to = "now" } },
      { "kpi_trends", title = "Key figures over time", reading = "Over {{runs}} runs." },
      { "cross_sell", title = "Products bought together",
        reading = "Buyers of {{a}} are {{lift}} times as likely as others to buy {{b}}." },
      { "alerts", title = "Alerts" },
      { "data_preparation", title = "Data preparation",
        reading = "{{rows_out}} of {{rows_in}} lines kept ({{kept}}).",
        labels = { step = "removed", rows = "lines", revenue = "revenue" } },
    },
  },
  fr = {
    title = "Analyse clients", language = "fr",
    sections = {
      { "kpis", title = "Chiffres clés", labels = { customers = "Clients", revenue = "Chiffre d’affaires", orders = "Commandes",
        avg_basket = "Panier moyen", at_risk = "Clients à risque", campaign_roi = "Rendement attendu des campagnes" },
        reading = "{{customers}} clients ont acheté pour {{revenue}} sur la période." },
      { "segments", title = "Clients par segment",
        reading = "Les {{top}} sont {{share}} des clients et font {{revenue_share}} du chiffre d’affaires.",
        labels = { customers = "clients", revenue = "chiffre d’affaires", revenue_title = "Chiffre d’affaires par segment" },
        revenue_reading = "Chiffre d’affaires par segment : d’où vient l’argent." },
      { "rf_grid", title = "Dépense moyenne selon les scores de récence (R) et de fréquence (F)",
        reading = "Les clients notés R {{best_r}}, F {{best_f}} dépensent le plus : {{best}} en moyenne." },
      { "k_selection", title = "Choix du nombre de groupes",
        reading = "k = {{k}} groupes retenus (silhouette {{silhouette}}) : l’inertie baisse peu au-delà.",
        labels = { inertia = "inertie (dispersion intra-groupe)", silhouette = "silhouette", chosen = "k retenu" } },
      { "pca", title = "Groupes sur les deux premières composantes principales",
        reading = "Les deux axes gardent {{explained}} de la variation des critères de regroupement." },
      { "cluster_profiles", title = "Profils des groupes",
        reading = "Le groupe {{top}} apporte {{revenue_share}} du chiffre d’affaires avec {{share}} des clients.",
        labels = { cluster = "groupe", cluster_name = "nom", size = "clients", share = "part",
          revenue_share = "part du CA", mean_recency_days = "jours depuis le dernier achat",
          mean_frequency = "commandes", mean_monetary = "dépense" } },
      { "clv_distribution", title = "Valeur attendue de chaque client sur les {{months}} prochains mois",
        reading = "Médiane {{median}}, moyenne {{mean}} ; {{total}} au total.", labels = { count = "clients" } },
      { "p_alive", title = "Probabilité qu’un client soit encore actif, selon les jours depuis son dernier achat",
        reading = "{{alive_share}} des clients ({{alive}}) sont plus probablement actifs qu’inactifs.",
        labels = { recency_days = "jours depuis le dernier achat", p_alive = "P(actif)" } },
      { "btyd_calibration", title = "Achats de la période de contrôle : réels et prévus",
        reading = "Le total prévu s’écarte de {{gap}} des achats réels.",
        labels = { x = "achats de la période d’apprentissage", actual = "réels", predicted = "prévus" } },
      { "churn_importance", title = "Ce qui fait partir les clients",
        reading = "{{top}} pèse le plus ({{share}} de l’importance du modèle).", labels = { share = "importance" } },
      { "churn_calibration", title = "Calibration du modèle d’attrition",
        reading = "Des points proches de la diagonale : les risques prévus correspondent à l’attrition observée (AUC {{auc}}).",
        labels = { predicted = "probabilité prévue", observed = "attrition observée" } },
      { "churn_roc", title = "Courbe ROC du modèle d’attrition", reading = "AUC {{auc}} : 0,5 est le hasard, 1 la perfection.",
        labels = { fpr = "taux de faux positifs", tpr = "taux de vrais positifs" } },
      { "spend_check", title = "Dépense prévue et dépense réelle", reading = "Erreur type {{rmse}} (R² {{r2}}).",
        labels = { future_spend = "dépense réelle", predicted = "dépense prévue" } },
      { "campaign_plan", title = "Plan de campagnes : coût et chiffre d’affaires attendu",
        reading = "{{campaigns}} campagnes coûtent {{cost}} et devraient rapporter {{revenue}}.",
        labels = { cost = "coût", expected_revenue = "CA attendu", campaign = "campagne", channel = "canal",
          targeted = "clients ciblés", budget = "budget", expected_roi = "rendement attendu",
          table_title = "Plan de campagnes en détail" } },
      { "campaign_performance", title = "Performance des campagnes" },
      { "migration", title = "Changements de segment depuis l’analyse précédente",
        reading = "{{moved}} clients ({{share}}) ont changé de segment.", labels = { from = "avant", to = "maintenant" } },
      { "kpi_trends", title = "Chiffres clés dans le temps", reading = "Sur {{runs}} analyses." },
      { "cross_sell", title = "Produits achetés ensemble",
        reading = "Les acheteurs de {{a}} achètent {{b}} {{lift}} fois plus souvent que les autres.",
        labels = { antecedent = "produit acheté", consequent = "produit associé", support = "support",
          confidence = "confiance", lift = "lift" } },
      { "alerts", title = "Alertes" },
      { "data_preparation", title = "Préparation des données",
        reading = "{{rows_out}} lignes gardées sur {{rows_in}} ({{kept}}).",
        labels = { step = "retiré", rows = "lignes", revenue = "chiffre d’affaires" } },
    },
  },
}

return M
