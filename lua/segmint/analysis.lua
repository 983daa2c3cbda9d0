-- The default analysis: from raw transactions to RFM scores, segments,
-- cross-selling, a campaign plan, an executive summary and a manifest.
-- Recipes call it with their column mapping, rule files and template:
--
--   sg.analysis {
--     transactions = "data/transactions.csv",
--     read = { types = { ... } },                -- segmint.read_csv options
--     columns = { customer = "CustomerID", invoice = "InvoiceNo", date = "InvoiceDate",
--                 quantity = "Quantity", price = "UnitPrice", item = "StockCode" },
--     clean = { cancellations = "drop", non_product = { "POST" } },   -- segmint.clean policies
--     rfm = { bins = 5, frequency = "invoices", as_of = "2011-12-10" },
--     cross_sell = { item = "StockCode", min_support = 0.01 },
--     segments = require "rules.segments", campaigns = require "rules.campaigns",
--     alerts = require "rules.alerts", template = require "templates.summary",
--     clusters = { rules = require "rules.clusters", k = "auto", k_range = { 2, 8 } },
--     btyd = { model = "bgnbd", unit = "weeks", horizon_months = 12, monthly_discount_rate = 0.01 },
--     currency = "£", out = out, seed = seed,
--   }
--
-- Writes customers.csv, segments.csv, campaigns.csv, campaign_targets.csv,
-- cross_sell_rules.csv, clusters.csv, k_selection.csv and kmeans_model.json (with clusters),
-- summary.md and manifest.json into `out`, and
-- returns a table of every intermediate dataset for further work.
local report = require "segmint.report"

local M = {}

local function need(cfg, key, what)
  if cfg[key] == nil then error(string.format("analysis: '%s' is required (%s)", key, what), 3) end
  return cfg[key]
end

local function month_key(s) return s:sub(1, 7) end

local function prev_month(ym)
  local y, m = ym:match("^(%d+)-(%d+)$")
  y, m = tonumber(y), tonumber(m) - 1
  if m == 0 then y, m = y - 1, 12 end
  return string.format("%04d-%02d", y, m)
end

-- Alert figures from the clean transactions and the customer table.
local function alerts(sg, clean, cols, customers, rules_alerts, as_of)
  local a = {}
  local inactive = customers:filter(string.format("recency_days > %d", math.floor(rules_alerts.inactive_days)))
  a.inactive = { count = #inactive, share = #customers > 0 and #inactive / #customers or 0,
                 days = rules_alerts.inactive_days }
  a.inactive.alert = #inactive > 0
  -- average basket: last period_days before as_of against the period before
  local days = rules_alerts.period_days
  local dref = cols.date:match("^[%a_][%w_]*$") and cols.date or ("`" .. cols.date .. "`")
  local function basket(from_days, to_days)
    local part = clean:filter(string.format("days_between(%s, date('%s')) > %g and days_between(%s, date('%s')) <= %g",
      dref, as_of, from_days, dref, as_of, to_days))
    local inv = #part > 0 and part:count_distinct(cols.invoice) or 0
    if inv == 0 then return nil end
    return part:stats("amount").sum / inv
  end
  local cur, prev = basket(0, days), basket(days, 2 * days)
  a.basket = { current = cur, previous = prev, days = days }
  if cur and prev and prev > 0 then
    a.basket.change = cur / prev - 1
    a.basket.alert = a.basket.change < -rules_alerts.basket_drop
  end
  -- monthly churn: buyers of the month before the last full month who did not buy in it
  local months = clean:derive("_month", string.format("month_start(%s)", dref))
  local last_full = prev_month(month_key(as_of))
  local before = prev_month(last_full)
  local function buyers(ym)
    local set = {}
    local g = months:filter(string.format("_month == date('%s-01')", ym)):group_by(cols.customer, { { "n", "count" } })
    local ids = g:column(cols.customer)
    for i = 1, ids.n do set[ids[i]] = true end
    return set
  end
  local b1, b2 = buyers(before), buyers(last_full)
  local n1, lost = 0, 0
  for id in pairs(b1) do
    n1 = n1 + 1
    if not b2[id] then lost = lost + 1 end
  end
  a.churn = { month = last_full, previous_month = before, rate = n1 > 0 and lost / n1 or nil,
              threshold = rules_alerts.monthly_churn }
  a.churn.alert = a.churn.rate ~= nil and a.churn.rate > rules_alerts.monthly_churn
  return a
end

local ALERT_DEFAULTS = { inactive_days = 90, period_days = 90, basket_drop = 0.20, monthly_churn = 0.05,
  action_segments = {}, engaged_segments = {} }

-- The alert thresholds with defaults for what the rule file leaves out;
-- a bad value names the file, line and field.
function M.alert_rules(tbl)
  local rules = require "segmint.rules"
  tbl = tbl or {}
  local out = {}
  for k, v in pairs(ALERT_DEFAULTS) do out[k] = v end
  local checks = {
    inactive_days = { 0, 36500, true }, period_days = { 1, 36500, true },
    basket_drop = { 0, 1 }, monthly_churn = { 0, 1 },
  }
  for k, v in pairs(tbl) do
    local c = checks[k]
    local where = rules.where(tbl, 1, nil, tostring(k))
    if c then
      if type(v) ~= "number" or v < c[1] or v > c[2] or (c[3] and v ~= math.floor(v)) then
        error(string.format("%salerts: field '%s' must be a %snumber from %s to %s, got %s", where, k,
          c[3] and "whole " or "", c[1], c[2], tostring(v)), 0)
      end
    elseif k == "action_segments" or k == "engaged_segments" then
      if type(v) ~= "table" then
        error(string.format("%salerts: field '%s' must be a list of segment names", where, k), 0)
      end
    else
      local known = { "inactive_days", "period_days", "basket_drop", "monthly_churn", "action_segments", "engaged_segments" }
      local hint = type(k) == "string" and rules.suggest(k, known)
      error(string.format("%salerts: unknown field '%s'%s", where, tostring(k),
        hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
    end
    out[k] = v
  end
  return out
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- The date a report is generated: SOURCE_DATE_EPOCH when set (for
-- reproducible outputs), else today (UTC).
function M.run_date()
  local epoch = tonumber(os.getenv("SOURCE_DATE_EPOCH") or "")
  return os.date("!%Y-%m-%d", epoch and math.floor(epoch) or nil)
end

function M.run(sg, cfg)
  local cols = need(cfg, "columns", "the column mapping")
  for _, k in ipairs({ "customer", "invoice", "date", "quantity", "price" }) do
    if not cols[k] then error(string.format("analysis: columns.%s is required", k), 2) end
  end
  local out = need(cfg, "out", "the output directory")
  local tpl = need(cfg, "template", "the summary template")
  local loc = report.locales[tpl.language or "en"] or report.locales.en
  local cur = cfg.currency or ""
  local al = M.alert_rules(cfg.alerts)
  if cfg.models then require("segmint.predict").check(cfg.models) end
  local res = {}

  -- 1. load
  local tx = assert(sg.read_csv(need(cfg, "transactions", "the transactions CSV file"), cfg.read))
  sg.info("loaded %s", tostring(tx))

  -- 2. clean
  local copts = {}
  for k, v in pairs(cfg.clean or {}) do copts[k] = v end
  for k, v in pairs(cols) do if copts[k] == nil then copts[k] = v end end
  copts.amount = "amount"
  local clean, crep = sg.clean(tx, copts)
  res.transactions, res.clean, res.cleaning = tx, clean, crep
  sg.info("cleaned: %d of %d lines kept", crep.rows_out, crep.rows_in)

  -- 3. RFM and segments
  local ropts = { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = "amount" }
  for k, v in pairs(cfg.rfm or {}) do ropts[k] = v end
  local rfm, rinfo = sg.rfm(clean, ropts)
  local segs = cfg.segments_set or sg.segments(need(cfg, "segments", "the segment rules"), { bins = ropts.bins })
  for _, w in ipairs(segs.warnings) do sg.info("segments: %s", w) end
  local customers = segs:assign(rfm)
  -- customers no rule matched (a table without a fallback) get a named group
  customers = customers:derive("segment", string.format("coalesce(segment, '%s')",
    (tpl.unassigned or "(no segment)"):gsub("'", "\\'")))
  res.rfm_info, res.segments = rinfo, segs

  -- 3a. lifetime value: BG/NBD (or another transaction model) and Gamma-Gamma
  local bt = cfg.btyd
  if bt then
    local unit = bt.unit or "weeks"
    local unit_days = ({ days = 1, weeks = 7, months = 30.4375 })[unit]
    if not unit_days then error("analysis: btyd.unit must be \"days\", \"weeks\" or \"months\"", 2) end
    local summ = sg.btyd_summary(clean, { customer = cols.customer, date = cols.date, amount = "amount",
      calibration_end = rinfo.as_of, unit = unit })
    local model = bt.model or "bgnbd"
    local tm = sg.btyd_fit(model, summ, { penalizer = bt.penalizer or 0 })
    local gg, skipped = sg.btyd_fit("gamma_gamma", summ, { penalizer = bt.penalizer or 0 })
    local horizon = bt.horizon_months or 12
    local clv_col = string.format("clv_%dm", horizon)
    summ = tm:p_alive(summ, "p_alive")
    summ = tm:expected_purchases(summ, 90 / unit_days, "expected_purchases_90d")
    summ = sg.btyd_clv(tm, gg, summ, { horizon = horizon, period = 30.4375 / unit_days,
      discount_rate = bt.monthly_discount_rate or 0.01, margin = bt.margin or 1, column = clv_col })
    customers = customers:join(summ:select { "customer", "p_alive", "expected_purchases_90d", clv_col },
      { on = "customer", how = "left" })
    res.btyd = { model = tm, spend = gg, skipped = skipped, unit = unit, summary = summ, horizon = horizon,
                 clv_column = clv_col }
    sg.info("lifetime value: %s, %s", tostring(tm), tostring(gg))
  end

  -- 3b. clusters: k-means on the (transformed) RFM features, named by rules
  local cl = cfg.clusters
  if cl then
    local features = cl.features or { "recency_days", "frequency", "monetary" }
    local m = sg.matrix(customers, features, { transform = cl.transform or "log1p",
      scale = cl.scale or "standard", missing = "median" })
    local km, _, selection = sg.kmeans(m, { k = cl.k or "auto", k_range = cl.k_range or { 2, 8 },
      n_init = cl.n_init or 4, seed = cfg.seed or 42, silhouette_sample = cl.silhouette_sample })
    customers = km:assign(customers, m, "cluster")
    local profiles = sg.cluster_profiles(customers, { features = cl.profile_features })
    local named = sg.name_clusters(profiles, need(cl, "rules", "the cluster naming rules"))
    customers = customers:join(named:select { "cluster", "cluster_name" }, { on = "cluster", how = "left" })
    res.kmeans, res.cluster_profiles = km, named
    res.k_selection = selection and sg.dataset(selection) or nil
    res.cluster_features = features
    sg.info("clusters: k = %d", km:info().k)
  end

  -- 3c. churn risk and predicted value: supervised models (see predict.lua)
  if cfg.models then
    local pr = require("segmint.predict").run(sg, cfg.models,
      { clean = clean, cols = cols, as_of = rinfo.as_of, seed = cfg.seed,
        format = function(x) return report.number(x, x == math.floor(x) and 0 or 2, loc) end })
    customers = customers:join(pr.scores, { on = "customer", how = "left" })
    res.models = pr
  end

  -- 4. cross-selling
  local xs = cfg.cross_sell or {}
  local model = sg.cross_sell(clean, { invoice = cols.invoice, item = xs.item or cols.item,
    min_support = xs.min_support, min_count = xs.min_count })
  local xrules = model:rules()
  local recs = model:recommend(clean, { customer = cols.customer, top_n = xs.top_n or 3 })
  res.cross_sell_rules, res.recommendations = xrules, recs

  -- 5. campaigns
  local camps = sg.campaigns(need(cfg, "campaigns", "the campaign rules"))
  local plan, targets, with_campaign = camps:plan(customers, { segments = segs, recommendations = recs })
  customers = with_campaign
  res.plan, res.targets = plan, targets

  -- recommended products as one text column
  local rec_text = recs:group_by("customer", { { "recommended_products", "count" } })
  do
    local by = {}
    for _, r in recs:rows() do
      by[r.customer] = by[r.customer] and (by[r.customer] .. " " .. tostring(r.item)) or tostring(r.item)
    end
    local ids = rec_text:column("customer")
    local vals = { n = ids.n }
    for i = 1, ids.n do vals[i] = by[ids[i]] end
    rec_text = rec_text:with_column("recommended_products", vals, "string")
  end
  customers = customers:join(rec_text, { on = "customer", how = "left" })
  res.customers = customers

  -- 6. tables
  local seg_table = customers:group_by("segment", {
    { "customers", "count" }, { "revenue", "sum", "monetary" }, { "orders", "sum", "frequency" },
    { "avg_recency_days", "mean", "recency_days" } })
  local total_customers, total_revenue = #customers, customers:stats("monetary").sum or 0
  seg_table = seg_table
    :derive("share", string.format("customers / %d", math.max(total_customers, 1)))
    :derive("revenue_share", string.format("revenue / %.17g", total_revenue ~= 0 and total_revenue or 1))
    :derive("avg_basket", "revenue / orders")
  -- in the order of the rule table
  local order = {}
  for i, n in ipairs(segs:names()) do order[n] = i end
  local seg_rows = {}
  for _, r in seg_table:rows() do seg_rows[#seg_rows + 1] = r end
  table.sort(seg_rows, function(a, b) return (order[a.segment] or 1e9) < (order[b.segment] or 1e9) end)
  local seg_cols = { "segment", "customers", "share", "revenue", "revenue_share", "orders", "avg_basket", "avg_recency_days" }
  local spec = {}
  for j, c in ipairs(seg_cols) do
    local vals = { n = #seg_rows }
    for i, r in ipairs(seg_rows) do vals[i] = r[c] end
    spec[j] = { c, vals }
  end
  seg_table = sg.dataset(spec)
  res.segment_table = seg_table

  -- 7. summary
  local period = tx:stats(cols.date)
  local al_fig = alerts(sg, clean, cols, customers, al, rinfo.as_of:sub(1, 10))
  local action_set, engaged_set = set_of(al.action_segments), set_of(al.engaged_segments)
  local ctx = {
    generated = cfg.generated or M.run_date(),
    period_start = period.min:sub(1, 10), period_end = period.max:sub(1, 10),
    as_of = rinfo.as_of:sub(1, 10),
    customers = report.number(total_customers, 0, loc),
    revenue = report.money(total_revenue, cur, loc),
    invoices = report.number(customers:stats("frequency").sum or 0, 0, loc),
    rows_in = report.number(crep.rows_in, 0, loc), rows_out = report.number(crep.rows_out, 0, loc),
    segments = {}, campaigns = {}, kpis = {}, alerts = {}, cleaning = {},
  }
  local orders = customers:stats("frequency").sum or 0
  ctx.avg_basket = report.money(orders > 0 and total_revenue / orders or 0, cur, loc)
  ctx.avg_orders = report.number(total_customers > 0 and orders / total_customers or 0, 2, loc)
  local engaged, action_n, action_rev = 0, 0, 0
  local action_names = {}
  for _, r in ipairs(seg_rows) do
    local rule = segs:rule(r.segment) or {}
    if engaged_set[r.segment] then engaged = engaged + r.customers end
    if action_set[r.segment] then
      action_n = action_n + r.customers
      action_rev = action_rev + r.revenue
      action_names[#action_names + 1] = r.segment
    end
    ctx.segments[#ctx.segments + 1] = {
      name = r.segment, customers = report.number(r.customers, 0, loc), share = report.percent(r.share, loc),
      revenue = report.money(r.revenue, cur, loc), revenue_share = report.percent(r.revenue_share, loc),
      avg_basket = report.money(r.avg_basket, cur, loc), avg_recency = report.number(r.avg_recency_days, 0, loc),
      why = rule.why or "", action = action_set[r.segment] and (rule.action or "") or false,
    }
  end
  ctx.engaged_count = report.number(engaged, 0, loc)
  ctx.engaged_share = report.percent(total_customers > 0 and engaged / total_customers or 0, loc)
  ctx.action_count = report.number(action_n, 0, loc)
  ctx.action_share = report.percent(total_customers > 0 and action_n / total_customers or 0, loc)
  ctx.action_segments = #action_names > 0 and table.concat(action_names, ", ") or "-"
  ctx.action_revenue = report.percent(total_revenue ~= 0 and action_rev / total_revenue or 0, loc)
  local total_cost, total_rev = 0, 0
  local kpi_seen = {}
  for i, r in plan:rows() do
    local camp
    for _, c in ipairs(camps.campaigns) do if c.name == r.campaign then camp = c end end
    total_cost, total_rev = total_cost + r.cost, total_rev + r.expected_revenue
    ctx.campaigns[i] = {
      name = r.campaign, channel = r.channel, offer = r.offer,
      eligible = report.number(r.eligible, 0, loc), targeted = report.number(r.targeted, 0, loc),
      budget = r.budget and report.money(r.budget, cur, loc, 0) or "-",
      cost = report.money(r.cost, cur, loc, 0), expected_revenue = report.money(r.expected_revenue, cur, loc, 0),
      roi = r.expected_roi and report.percent(r.expected_roi, loc, 0) or "-",
    }
    for _, k in ipairs(camp and camp.kpis or {}) do
      if not kpi_seen[k] then kpi_seen[k] = true; ctx.kpis[#ctx.kpis + 1] = k end
    end
  end
  ctx.total_cost = report.money(total_cost, cur, loc, 0)
  ctx.total_revenue = report.money(total_rev, cur, loc, 0)
  local top = {}
  for i, r in xrules:head(10):rows() do
    top[i] = { antecedent = tostring(r.antecedent), consequent = tostring(r.consequent),
               lift = report.number(r.lift, 1, loc), confidence = report.percent(r.confidence, loc) }
  end
  ctx.cross_sell = #top > 0 and { rules = top } or false
  if res.cluster_profiles then
    local info = res.kmeans:info()
    ctx.clusters = { k = info.k, features = table.concat(res.cluster_features, ", "), list = {} }
    if res.k_selection then
      for _, r in res.k_selection:rows() do
        if r.chosen then ctx.clusters.silhouette = report.number(r.silhouette or 0, 2, loc) end
      end
      ctx.clusters.auto = true
    end
    for _, r in res.cluster_profiles:rows() do
      ctx.clusters.list[#ctx.clusters.list + 1] = {
        cluster = r.cluster, name = r.cluster_name, size = report.number(r.size, 0, loc),
        share = report.percent(r.share, loc), revenue_share = report.percent(r.revenue_share, loc),
        avg_basket = report.money(r.orders > 0 and r.revenue / r.orders or 0, cur, loc),
        basket_ratio = report.number(r.basket_ratio, 1, loc),
        monetary_ratio = report.number(r.monetary_ratio or 0, 1, loc),
      }
    end
  else
    ctx.clusters = false
  end
  if res.btyd then
    local b = res.btyd
    local function params_text(fit)
      local p, parts = fit:params(), {}
      local names = {}
      for k in pairs(p) do names[#names + 1] = k end
      table.sort(names)
      for _, k in ipairs(names) do parts[#parts + 1] = k .. " = " .. report.number(p[k], 3, loc) end
      return table.concat(parts, ", ")
    end
    local info = b.model:info()
    local clv = b.clv_column
    local top = customers:filter(string.format("not is_missing(%s)", clv)):sort("-" .. clv):head(10)
    local rows = {}
    for i, r in top:rows() do
      rows[i] = { customer = tostring(r.customer), p_alive = report.percent(r.p_alive or 0, loc),
        expected = report.number(r.expected_purchases_90d or 0, 2, loc), clv = report.money(r[clv], cur, loc),
        segment = r.segment or "" }
    end
    ctx.btyd = {
      model = info.model, unit = b.unit, customers = report.number(info.customers, 0, loc),
      params = params_text(b.model), loglik = report.number(info.loglik, 1, loc), method = info.method,
      iterations = info.iterations, gg_params = params_text(b.spend),
      total_clv = report.money(customers:sum(clv), cur, loc), horizon = b.horizon,
      expected_90d = report.number(customers:sum("expected_purchases_90d"), 0, loc),
      alive = report.percent(customers:stats("p_alive").mean or 0, loc), top = rows,
    }
  else
    ctx.btyd = false
  end
  if res.models then
    local m = res.models
    local c, cm = m.churn, m.churn.metrics
    local factors = {}
    for i, f in ipairs(c.factors) do factors[i] = { name = f.name, share = report.percent(f.share, loc) } end
    local kind_names = tpl.model_names or {}
    ctx.models = {
      horizon = m.horizon, cutoff = c.cutoff,
      churn = { kind = kind_names[c.model.spec.kind] or c.model.spec.kind, train = report.number(c.train, 0, loc), test = report.number(c.test, 0, loc),
        churn_rate = report.percent(c.churn_rate or 0, loc), accuracy = report.percent(cm.accuracy or 0, loc),
        auc = report.number(cm.auc or 0, 3, loc), precision = report.percent(cm.precision or 0, loc),
        recall = report.percent(cm.recall or 0, loc), factors = factors,
        at_risk = report.number(m.at_risk.count, 0, loc), at_risk_share = report.percent(m.at_risk.share, loc),
        threshold = report.percent(m.at_risk.threshold, loc, 0) },
      clv = m.clv and { kind = kind_names[m.clv.model.spec.kind] or m.clv.model.spec.kind, horizon = m.clv.horizon, cutoff = m.clv.cutoff,
        test = report.number(m.clv.test, 0, loc), rmse = report.money(m.clv.metrics.rmse or 0, cur, loc),
        mae = report.money(m.clv.metrics.mae or 0, cur, loc), r2 = report.number(m.clv.metrics.r2 or 0, 2, loc),
        mean_spend = report.money(m.clv.mean_spend or 0, cur, loc),
        total = report.money(customers:sum("predicted_clv") or 0, cur, loc) } or false,
    }
  else
    ctx.models = false
  end
  local ta = tpl.alerts or {}
  if al_fig.inactive.alert and ta.inactive then
    ctx.alerts[#ctx.alerts + 1] = { text = report.render(ta.inactive, {
      count = report.number(al_fig.inactive.count, 0, loc), share = report.percent(al_fig.inactive.share, loc),
      days = al_fig.inactive.days }) }
  end
  if al_fig.basket.alert and ta.basket_drop then
    ctx.alerts[#ctx.alerts + 1] = { text = report.render(ta.basket_drop, {
      current = report.money(al_fig.basket.current, cur, loc), previous = report.money(al_fig.basket.previous, cur, loc),
      change = report.percent(al_fig.basket.change, loc), days = al_fig.basket.days }) }
  end
  if al_fig.churn.alert and ta.churn then
    ctx.alerts[#ctx.alerts + 1] = { text = report.render(ta.churn, {
      rate = report.percent(al_fig.churn.rate, loc), month = al_fig.churn.month,
      previous_month = al_fig.churn.previous_month, threshold = report.percent(al_fig.churn.threshold, loc) }) }
  end
  for i, s in ipairs(crep.steps) do
    ctx.cleaning[i] = { reason = (tpl.reasons or {})[s.reason] or s.reason,
      rows = report.number(s.rows, 0, loc), revenue = report.money(s.revenue, cur, loc) }
  end
  res.alerts = al_fig
  local summary = report.render(tpl.text, ctx, "summary template")

  -- 8. outputs
  local files = {}
  local function write_csv(name, ds)
    ds:write_csv(out .. "/" .. name)
    files[#files + 1] = name
  end
  write_csv("customers.csv", customers)
  write_csv("segments.csv", seg_table)
  write_csv("campaigns.csv", plan)
  write_csv("campaign_targets.csv", targets)
  write_csv("cross_sell_rules.csv", xrules)
  if res.btyd then
    -- expected purchases in the next 90 days and P(alive) over the frequency/recency grid
    write_csv("btyd_matrix.csv", sg.btyd_matrix(res.btyd.model, { summary = res.btyd.summary,
      max_x = 20, t = 90 / ({ days = 1, weeks = 7, months = 30.4375 })[res.btyd.unit] }))
  end
  if res.cluster_profiles then
    write_csv("clusters.csv", res.cluster_profiles)
    if res.k_selection then write_csv("k_selection.csv", res.k_selection) end
    -- the model with its scaling, so a later run can assign new customers
    -- to these clusters (segmint.load_kmeans)
    res.kmeans:save(out .. "/kmeans_model.json")
    files[#files + 1] = "kmeans_model.json"
  end
  if res.models then
    -- the fitted models with their preprocessing, for scoring later runs (segmint.load_model)
    local meta = { as_of = rinfo.as_of, horizon_days = res.models.horizon }
    res.models.churn.model:save(out .. "/churn_model.json", meta)
    files[#files + 1] = "churn_model.json"
    if res.models.clv then
      res.models.clv.model:save(out .. "/clv_model.json", { as_of = rinfo.as_of, horizon_days = res.models.clv.horizon })
      files[#files + 1] = "clv_model.json"
    end
  end
  sg.write_text(out .. "/summary.md", summary)
  files[#files + 1] = "summary.md"
  table.sort(files)
  local inputs = {}
  local input_files = { cfg.transactions }
  if cfg.models then
    input_files[#input_files + 1] = cfg.models.customers
    input_files[#input_files + 1] = cfg.models.products
  end
  for _, p in ipairs(input_files) do
    inputs[#inputs + 1] = { path = p, sha256 = assert(sg.sha256_file(p)) }
  end
  -- every output with its sha256: the manifest is published last, so a
  -- reader can check that the files beside it belong to the same run
  local outputs = {}
  for i, name in ipairs(files) do
    outputs[i] = { path = name, sha256 = assert(sg.sha256_file(out .. "/" .. name)) }
  end
  local manifest = {
    segmint = sg.version, generated = ctx.generated, seed = cfg.seed, inputs = inputs, outputs = outputs,
    parameters = { columns = cols, clean = crep.policy, as_of = rinfo.as_of, bins = ropts.bins or 5,
      frequency = ropts.frequency or "invoices", language = tpl.language or "en", currency = cur,
      rfm_edges = rinfo.edges, cross_sell = { item = xs.item or cols.item, min_support = xs.min_support } },
    counts = { transactions = #tx, clean = #clean, customers = #customers, rules = #xrules,
               clusters = res.kmeans and res.kmeans:info().k or nil },
  }
  sg.write_text(out .. "/manifest.json", sg.json_encode(manifest) .. "\n")
  res.summary = summary
  sg.info("wrote %s to %s", table.concat(files, ", ") .. ", manifest.json", out)
  return res
end

return M
