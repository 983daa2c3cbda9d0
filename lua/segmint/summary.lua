-- The executive summary's context: every value the summary template
-- (recipes/<lang>/summary.lua) can show, formatted for the recipe's
-- language, built from the results of the analysis steps.  SCHEMA lists
-- the same names, so `segmint check` can find a misspelt {{placeholder}}
-- before any data is read (tests/lua/summary.t.lua keeps the two equal).
local report = require "segmint.report"

local M = {}

-- Every name the template can use: true for a value, a table for a section
-- or list whose items have those names (a list of plain values: { ["."] = true }).
M.SCHEMA = {
  generated = true, period_start = true, period_end = true, as_of = true, currency = true,
  customers = true, revenue = true, invoices = true, rows_in = true, rows_out = true,
  avg_basket = true, avg_orders = true, engaged_count = true, engaged_share = true,
  action_count = true, action_share = true, action_segments = true, action_revenue = true,
  total_cost = true, total_revenue = true,
  inactive_days = true, horizon_days = true, clv_months = true, comparison_days = true,
  campaign_window_days = true,
  segments = { name = true, customers = true, share = true, revenue = true, revenue_share = true,
    avg_basket = true, avg_recency = true, why = true, action = true },
  campaigns = { name = true, channel = true, offer = true, eligible = true, targeted = true, budget = true,
    cost = true, expected_revenue = true, roi = true },
  kpis = { ["."] = true },
  alerts = { text = true },
  cleaning = { reason = true, rows = true, revenue = true },
  cross_sell = { rules = { antecedent = true, consequent = true, lift = true, confidence = true } },
  clusters = { k = true, features = true, silhouette = true, auto = true,
    list = { cluster = true, name = true, size = true, share = true, revenue_share = true, avg_basket = true,
      basket_ratio = true, monetary_ratio = true } },
  btyd = { model = true, unit = true, customers = true, params = true, loglik = true, method = true,
    iterations = true, gg_params = true, total_clv = true, horizon = true, expected = true, alive = true,
    top = { customer = true, p_alive = true, expected = true, clv = true, segment = true } },
  models = { horizon = true, cutoff = true,
    churn = { kind = true, train = true, test = true, churn_rate = true, accuracy = true, auc = true,
      precision = true, recall = true, at_risk = true, at_risk_share = true, threshold = true,
      factors = { name = true, share = true } },
    clv = { kind = true, horizon = true, cutoff = true, test = true, rmse = true, mae = true, r2 = true,
      mean_spend = true, total = true } },
}

-- The placeholders of the alert texts (template.alerts.<kind>).
M.ALERT_SCHEMA = {
  inactive = { count = true, share = true, days = true },
  basket_drop = { current = true, previous = true, change = true, days = true },
  churn = { rate = true, month = true, previous_month = true, threshold = true },
}

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

local function segments_part(ctx, c)
  local f, al, tot = ctx.fmt, ctx.rules.alerts, ctx.totals
  local action_set, engaged_set = set_of(al.action_segments), set_of(al.engaged_segments)
  local engaged, action_n, action_rev, action_names = 0, 0, 0, {}
  c.segments = {}
  for _, r in ipairs(ctx.res.segment_rows) do
    local rule = ctx.res.segments:rule(r.segment) or {}
    if engaged_set[r.segment] then engaged = engaged + r.customers end
    if action_set[r.segment] then
      action_n = action_n + r.customers
      action_rev = action_rev + r.revenue
      action_names[#action_names + 1] = r.segment
    end
    c.segments[#c.segments + 1] = {
      name = r.segment, customers = f.number(r.customers), share = f.percent(r.share),
      revenue = f.money(r.revenue), revenue_share = f.percent(r.revenue_share),
      avg_basket = f.money(r.avg_basket), avg_recency = f.number(r.avg_recency_days),
      why = rule.why or "", action = action_set[r.segment] and (rule.action or "") or false,
    }
  end
  local n = tot.customers
  c.engaged_count = f.number(engaged)
  c.engaged_share = f.percent(n > 0 and engaged / n or 0)
  c.action_count = f.number(action_n)
  c.action_share = f.percent(n > 0 and action_n / n or 0)
  c.action_segments = #action_names > 0 and table.concat(action_names, ", ") or "-"
  c.action_revenue = f.percent(tot.revenue ~= 0 and action_rev / tot.revenue or 0)
end

local function campaigns_part(ctx, c)
  local f = ctx.fmt
  local total_cost, total_rev, kpi_seen = 0, 0, {}
  c.campaigns, c.kpis = {}, {}
  for i, r in ctx.res.plan:rows() do
    local camp
    for _, cp in ipairs(ctx.rules.campaign_set.campaigns) do if cp.name == r.campaign then camp = cp end end
    total_cost, total_rev = total_cost + r.cost, total_rev + r.expected_revenue
    c.campaigns[i] = {
      name = r.campaign, channel = r.channel, offer = r.offer,
      eligible = f.number(r.eligible), targeted = f.number(r.targeted),
      budget = r.budget and f.money(r.budget, 0) or "-",
      cost = f.money(r.cost, 0), expected_revenue = f.money(r.expected_revenue, 0),
      roi = r.expected_roi and f.percent(r.expected_roi, 0) or "-",
    }
    for _, k in ipairs(camp and camp.kpis or {}) do
      if not kpi_seen[k] then kpi_seen[k] = true; c.kpis[#c.kpis + 1] = k end
    end
  end
  c.total_cost = f.money(total_cost, 0)
  c.total_revenue = f.money(total_rev, 0)
end

local function cross_sell_part(ctx, c)
  local f, top = ctx.fmt, {}
  for i, r in ctx.res.cross_sell_rules:head(10):rows() do
    top[i] = { antecedent = tostring(r.antecedent), consequent = tostring(r.consequent),
               lift = f.number(r.lift, 1), confidence = f.percent(r.confidence) }
  end
  c.cross_sell = #top > 0 and { rules = top } or false
end

local function clusters_part(ctx, c)
  local f, res = ctx.fmt, ctx.res
  if not res.cluster_profiles then c.clusters = false; return end
  local info = res.kmeans:info()
  c.clusters = { k = info.k, features = table.concat(res.cluster_features, ", "), list = {}, auto = false,
    silhouette = "-" }
  if res.k_selection then
    for _, r in res.k_selection:rows() do
      if r.chosen then c.clusters.silhouette = f.number(r.silhouette or 0, 2) end
    end
    c.clusters.auto = true
  end
  for _, r in res.cluster_profiles:rows() do
    c.clusters.list[#c.clusters.list + 1] = {
      cluster = r.cluster, name = r.cluster_name, size = f.number(r.size), share = f.percent(r.share),
      revenue_share = f.percent(r.revenue_share),
      avg_basket = f.money(r.orders > 0 and r.revenue / r.orders or 0),
      basket_ratio = f.number(r.basket_ratio, 1), monetary_ratio = f.number(r.monetary_ratio or 0, 1),
    }
  end
end

local function btyd_part(ctx, c)
  local f, b, customers = ctx.fmt, ctx.res.btyd, ctx.customers
  if not b then c.btyd = false; return end
  local function params_text(fit)
    local p, parts, names = fit:params(), {}, {}
    for k in pairs(p) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do parts[#parts + 1] = k .. " = " .. f.number(p[k], 3) end
    return table.concat(parts, ", ")
  end
  local info = b.model:info()
  local clv, exp = b.clv_column, b.expected_column
  local top = customers:filter(string.format("not is_missing(%s)", clv)):sort("-" .. clv):head(10)
  local rows = {}
  for i, r in top:rows() do
    rows[i] = { customer = tostring(r.customer), p_alive = f.percent(r.p_alive or 0),
      expected = f.number(r[exp] or 0, 2), clv = f.money(r[clv]), segment = r.segment or "" }
  end
  c.btyd = {
    model = info.model, unit = b.unit, customers = f.number(info.customers),
    params = params_text(b.model), loglik = f.number(info.loglik, 1), method = info.method,
    iterations = info.iterations, gg_params = params_text(b.spend),
    total_clv = f.money(customers:sum(clv)), horizon = b.horizon,
    expected = f.number(customers:sum(exp)), alive = f.percent(customers:stats("p_alive").mean or 0),
    top = rows,
  }
end

local function models_part(ctx, c)
  local f, m, customers = ctx.fmt, ctx.res.models, ctx.customers
  if not m then c.models = false; return end
  local ch, cm = m.churn, m.churn.metrics
  local factors = {}
  for i, x in ipairs(ch.factors) do factors[i] = { name = x.name, share = f.percent(x.share) } end
  local kind_names = ctx.texts.model_names or {}
  c.models = {
    horizon = m.horizon, cutoff = ch.cutoff,
    churn = { kind = kind_names[ch.model.spec.kind] or ch.model.spec.kind, train = f.number(ch.train),
      test = f.number(ch.test), churn_rate = f.percent(ch.churn_rate or 0), accuracy = f.percent(cm.accuracy or 0),
      auc = f.number(cm.auc or 0, 3), precision = f.percent(cm.precision or 0),
      recall = f.percent(cm.recall or 0), factors = factors,
      at_risk = f.number(m.at_risk.count), at_risk_share = f.percent(m.at_risk.share),
      threshold = f.percent(m.at_risk.threshold, 0) },
    clv = m.clv and { kind = kind_names[m.clv.model.spec.kind] or m.clv.model.spec.kind, horizon = m.clv.horizon,
      cutoff = m.clv.cutoff, test = f.number(m.clv.test), rmse = f.money(m.clv.metrics.rmse or 0),
      mae = f.money(m.clv.metrics.mae or 0), r2 = f.number(m.clv.metrics.r2 or 0, 2),
      mean_spend = f.money(m.clv.mean_spend or 0),
      total = f.money(customers:sum("predicted_clv") or 0) } or false,
  }
end

local function alerts_part(ctx, c)
  local f, a, ta = ctx.fmt, ctx.res.alerts, ctx.texts.alerts or {}
  c.alerts = {}
  if a.inactive.alert and ta.inactive then
    c.alerts[#c.alerts + 1] = { text = report.render(ta.inactive, {
      count = f.number(a.inactive.count), share = f.percent(a.inactive.share), days = a.inactive.days }) }
  end
  if a.basket.alert and ta.basket_drop then
    c.alerts[#c.alerts + 1] = { text = report.render(ta.basket_drop, {
      current = f.money(a.basket.current), previous = f.money(a.basket.previous),
      change = f.percent(a.basket.change), days = a.basket.days }) }
  end
  if a.churn.alert and ta.churn then
    c.alerts[#c.alerts + 1] = { text = report.render(ta.churn, {
      rate = f.percent(a.churn.rate), month = a.churn.month, previous_month = a.churn.previous_month,
      threshold = f.percent(a.churn.threshold) }) }
  end
end

-- The template context of a finished analysis.
function M.context(ctx)
  local f, res, tot, periods = ctx.fmt, ctx.res, ctx.totals, ctx.periods
  local period = res.transactions:stats(ctx.cols.date)
  local crep = res.cleaning
  local c = {
    generated = ctx.cfg.generated or M.run_date(),
    period_start = period.min:sub(1, 10), period_end = period.max:sub(1, 10), as_of = ctx.as_of,
    currency = ctx.currency,
    customers = f.number(tot.customers), revenue = f.money(tot.revenue), invoices = f.number(tot.orders),
    rows_in = f.number(crep.rows_in), rows_out = f.number(crep.rows_out),
    avg_basket = f.money(tot.orders > 0 and tot.revenue / tot.orders or 0),
    avg_orders = f.number(tot.customers > 0 and tot.orders / tot.customers or 0, 2),
    inactive_days = periods.inactive_days, horizon_days = periods.horizon_days, clv_months = periods.clv_months,
    comparison_days = periods.comparison_days, campaign_window_days = periods.campaign_window_days,
    cleaning = {},
  }
  segments_part(ctx, c)
  campaigns_part(ctx, c)
  cross_sell_part(ctx, c)
  clusters_part(ctx, c)
  btyd_part(ctx, c)
  models_part(ctx, c)
  alerts_part(ctx, c)
  for i, s in ipairs(crep.steps) do
    c.cleaning[i] = { reason = (ctx.texts.reasons or {})[s.reason] or s.reason,
      rows = f.number(s.rows), revenue = f.money(s.revenue) }
  end
  return c
end

return M
