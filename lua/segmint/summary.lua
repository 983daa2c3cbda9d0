-- The executive summary's context: every value the summary template
-- (recipes/<lang>/summary.lua) can show, formatted for the recipe's
-- language, built from the results of the analysis steps.  SCHEMA lists
-- the same names, so `segmint check` can find a misspelt {{placeholder}}
-- before any data is read (tests/lua/summary.t.lua keeps the two equal).
--
-- The story it tells has one definition of "at risk" (the status step:
-- active, at risk, lapsed), and every other figure about risk is given as
-- a supporting fact that says how it differs.
local report = require "segmint.report"

local M = {}

-- Every name the template can use: true for a value, a table for a section
-- or list whose items have those names (a list of plain values: { ["."] = true }).
M.SCHEMA = {
  generated = true, period_start = true, period_end = true, as_of = true, currency = true,
  customers = true, revenue = true, invoices = true, rows_in = true, rows_out = true,
  avg_basket = true, avg_orders = true, engaged_count = true, engaged_share = true,
  inactive_days = true, horizon_days = true, clv_months = true, comparison_days = true,
  segments = { name = true, customers = true, share = true, revenue = true, revenue_share = true,
    avg_basket = true, avg_recency = true, lapsed = true, lapsed_share = true, why = true, action = true },
  status = { active = true, active_share = true, at_risk = true, at_risk_share = true, lapsed = true,
    lapsed_share = true, at_risk_revenue_share = true, lapsed_revenue_share = true, basis = true,
    action_count = true, action_share = true, action_segments = true, action_revenue = true,
    action_at_risk = true, action_lapsed = true, action_active = true, action_at_risk_plural = true,
    action_lapsed_plural = true, action_active_plural = true, action_all_lapsed = true,
    elsewhere = { count = true, top = true, top_lapsed = true, top_customers = true } },
  kpis = { period_note = true,
    list = { name = true, value = true, previous = true, change = true, target = true, status = true,
      period = true, trend = true, description = true } },
  history = { previous_date = true, previous_customers = true,
    changes = { segment = true, customers = true, previous = true, change = true },
    moves = { from = true, to = true, customers = true, share = true },
    new = true, departed = true, new_plural = true, departed_plural = true,
    matrix = { header = true, separator = true, rows = { segment = true, cells = true } },
    kpis = { list = { name = true, value = true, previous = true, change = true } } },
  campaigns = { name = true, channel = true, offer = true, eligible = true, targeted = true, control = true,
    budget = true, cost = true, discount_cost = true, incremental_revenue = true, incremental_profit = true,
    roi = true, assumptions = true, sales = true, margin = true, margin_amount = true, order_cost = true,
    order_costs = true },
  campaign_alerts = { text = true },
  campaign_warnings = { list = { text = true } },
  past = { campaigns = true,
    channels = { channel = true, impressions = true, clicks = true, conversions = true, spend = true, revenue = true,
      ctr = true, conversion_rate = true, cpa = true, roas = true, roi = true },
    total = { channel = true, impressions = true, clicks = true, conversions = true, spend = true, revenue = true,
      ctr = true, conversion_rate = true, cpa = true, roas = true, roi = true },
    best = { campaign = true, roi = true }, worst = { campaign = true, roi = true }, measured = true,
    tests = { campaign = true, treatment = true, control = true, uplift = true, lower = true, upper = true,
      p_value = true, significant = true, uplift_points = true } },
  total_cost = true, total_profit = true, total_incremental_revenue = true, total_sales = true, total_margin = true,
  total_discounts = true, total_contact_cost = true, total_order_cost = true, order_costs = true,
  alerts = { text = true },
  cleaning = { reason = true, rows = true, revenue = true },
  cross_sell = { rules = { antecedent = true, consequent = true, antecedent_name = true, consequent_name = true,
    lift = true, confidence = true } },
  clusters = { k = true, features = true, features_list = true, feature_count = true, silhouette = true, auto = true,
    list = { cluster = true, name = true, size = true, share = true, revenue_share = true, avg_basket = true,
      basket_ratio = true, monetary_ratio = true, recency_ratio = true, frequency_ratio = true,
      main_segment = true, main_segment_share = true } },
  btyd = { article = true, model = true, unit = true, customers = true, params = true, loglik = true, method = true,
    iterations = true, alive_flat = { lapsed = true }, gg_params = true, total_clv = true, horizon = true,
    expected = true, alive = true,
    alive_repeat = true, repeat_buyers = true, one_time = true, one_time_alive = true,
    not_compared = { candidates = true, chosen = true, calibration_end = true },
    selection = { candidates = true, chosen = true, calibration_end = true, error = true, actual = true,
      tolerance = true, warning = true, max_x = true, failed = { names = true, several = true },
      list = { model = true, error = true, predicted = true, actual = true, correlation = true, failed = true } },
    top = { customer = true, p_alive = true, expected = true, clv = true, segment = true } },
  btyd_failed = { model = true },
  models = { horizon = true, cutoff = true,
    churn = { kind = true, train = true, test = true, churn_rate = true, accuracy = true, auc = true,
      precision = true, recall = true, threshold = true, with_reasons = true, reasons_lapsed = true,
      reasons_recent = true, reasons_are_at_risk = true,
      factors = { name = true, share = true } },
    clv = { kind = true, horizon = true, cutoff = true, test = true, rmse = true, mae = true, r2 = true,
      mean_spend = true, total = true, weak = true, worse = true } },
}

-- The placeholders of the alert texts (template.alerts.<kind>).
M.ALERT_SCHEMA = {
  churn = { rate = true, from = true, to = true, threshold = true, active = true, churned = true, days = true,
    usual = true, average = true, months = true },
  churn_rise = { rate = true, from = true, to = true, threshold = true, active = true, churned = true, days = true,
    average = true, months = true, rise = true },
  basket_drop = { current = true, previous = true, change = true, days = true },
  satisfaction = { current = true, threshold = true, days = true },
  campaign = { campaign = true, loss = true, contacts = true, eligible = true, profitable = true },
  catch_all = { segment = true, customers = true, share = true, revenue_share = true, basket = true },
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

local function render(text, values, what)
  if type(text) ~= "string" then return nil end
  return report.render(text, values, what)
end

-- "a, b and c" in the language of the summary
local function word_list(ctx, items)
  if #items < 2 then return table.concat(items) end
  return table.concat(items, ", ", 1, #items - 1) .. " " .. (ctx.texts.and_word or "and") .. " " .. items[#items]
end

-- segment -> its customers lapsed (no purchase for more than inactive_days)
local function lapsed_by_segment(ctx)
  local out = {}
  if not (ctx.customers:has("segment") and ctx.customers:has("recency_days")) then return out end
  local g = ctx.customers:derive("is_lapsed_", string.format("if(recency_days > %d, 1, 0)", ctx.periods.inactive_days))
    :group_by({ "segment" }, { { "lapsed", "sum", "is_lapsed_" } })
  for _, r in g:rows() do if r.segment ~= nil then out[r.segment] = r.lapsed end end
  return out
end

local function segments_part(ctx, c, lapsed)
  local f, al, tot = ctx.fmt, ctx.rules.alerts, ctx.totals
  local engaged_set = set_of(al.engaged_segments)
  local action_set = set_of(al.action_segments)
  local engaged = 0
  c.segments = {}
  for _, r in ipairs(ctx.res.segment_rows) do
    local rule = ctx.res.segments:rule(r.segment) or {}
    if engaged_set[r.segment] then engaged = engaged + r.customers end
    c.segments[#c.segments + 1] = {
      name = r.segment, customers = f.number(r.customers), share = f.percent(r.share),
      revenue = f.money(r.revenue), revenue_share = f.percent(r.revenue_share),
      avg_basket = f.money(r.avg_basket), avg_recency = f.number(r.avg_recency_days),
      lapsed = f.number(lapsed[r.segment] or 0), lapsed_share = f.percent(r.customers > 0
        and (lapsed[r.segment] or 0) / r.customers or 0),
      why = rule.why or "", action = action_set[r.segment] and (rule.action or "") or false,
    }
  end
  c.engaged_count = f.number(engaged)
  c.engaged_share = f.percent(tot.customers > 0 and engaged / tot.customers or 0)
end

-- Who needs attention: the status counts, how the action segments relate
-- to them (the reconciliation sentence), and the lapsed customers outside
-- them (lapsed: segment -> lapsed customers).
local function status_part(ctx, c, lapsed)
  local f, st, tot = ctx.fmt, ctx.res.status, ctx.totals
  if not st then c.status = false; return end
  local n = math.max(tot.customers, 1)
  local action_set = set_of(ctx.rules.alerts.action_segments)
  local names = {}
  for _, s in ipairs(ctx.rules.alerts.action_segments) do names[#names + 1] = s end
  local by = { active = 0, at_risk = 0, lapsed = 0 }
  local action_n, action_rev = 0, 0
  if #names > 0 then
    local g = ctx.customers:group_by({ "segment", "status" }, { { "n", "count" }, { "revenue", "sum", "monetary" } })
    for _, r in g:rows() do
      if action_set[r.segment] then
        by[r.status] = (by[r.status] or 0) + r.n
        action_n, action_rev = action_n + r.n, action_rev + (r.revenue or 0)
      end
    end
  end
  -- the lapsed customers outside the action segments, and the segment holding most of them
  local elsewhere = false
  if st.counts.lapsed > by.lapsed then
    local top, top_n = nil, 0
    for seg, k in pairs(lapsed) do
      if not action_set[seg] and (k > top_n or (k == top_n and top and seg < top)) then top, top_n = seg, k end
    end
    local seg_n = 0
    for _, r in ipairs(ctx.res.segment_rows) do if r.segment == top then seg_n = r.customers end end
    elsewhere = top and { count = f.number(st.counts.lapsed - by.lapsed), top = top, top_lapsed = f.number(top_n),
      top_customers = f.number(seg_n) } or false
  end
  local words = (ctx.texts.status_names or {}).basis or {}
  local horizon = ctx.periods.horizon_days
  local recent = st.counts.active + st.counts.at_risk   -- bought within inactive_days
  c.status = {
    active = f.number(recent), active_share = f.percent(recent / n),
    at_risk = f.number(st.counts.at_risk), at_risk_share = f.percent(st.counts.at_risk / n),
    lapsed = f.number(st.counts.lapsed), lapsed_share = f.percent(st.counts.lapsed / n),
    at_risk_revenue_share = f.percent(tot.revenue ~= 0 and st.revenue.at_risk / tot.revenue or 0),
    lapsed_revenue_share = f.percent(tot.revenue ~= 0 and st.revenue.lapsed / tot.revenue or 0),
    basis = render(words[st.basis], { threshold = f.percent(st.threshold, 0), horizon_days = horizon },
      "status basis") or st.basis,
    action_count = f.number(action_n), action_share = f.percent(action_n / n),
    action_segments = #names > 0 and word_list(ctx, names) or "-",
    action_revenue = f.percent(tot.revenue ~= 0 and action_rev / tot.revenue or 0),
    action_at_risk = f.number(by.at_risk), action_lapsed = f.number(by.lapsed), action_active = f.number(by.active),
    -- the verbs after these counts agree with them ("0 achète", "2 achètent")
    action_at_risk_plural = report.plural(by.at_risk, ctx.loc), action_lapsed_plural = report.plural(by.lapsed, ctx.loc),
    action_active_plural = report.plural(by.active, ctx.loc),
    -- every one of them has lapsed: the sentence says so instead of "0 ... and 0 ..."
    action_all_lapsed = action_n > 0 and by.lapsed == action_n,
    elsewhere = elsewhere,
  }
end

-- A KPI's figure as the summary prints it, and the change between two
-- figures as the difference of the printed ones: 18.2% against 18.7%
-- reads -0.5 pt, not the -0.4 pt of the unrounded values, so a reader who
-- subtracts the two columns finds the third.
local function kpi_digits(x, unit)
  if unit == "%" then return 1 end        -- of the percentage
  if unit == "currency" then return 2 end
  if unit == "count" then return 0 end
  return math.abs(x) < 100 and 2 or 0
end
M.kpi_digits = kpi_digits   -- report.html's indicator cards show the same digits

local function kpi_value(f, x, unit)
  if x == nil then return "-" end
  if unit == "%" then return f.percent(x) end
  if unit == "currency" then return f.money(x) end
  return f.number(x, kpi_digits(x, unit))
end

local function kpi_change(f, value, previous, unit, loc)
  if value == nil or previous == nil then return "-" end
  local dv, dp = kpi_digits(value, unit), kpi_digits(previous, unit)
  local d = report.shown_change(value, previous, dv, dp, unit == "%" and 100 or 1)
  local sign = d > 0 and "+" or ""
  if unit == "%" then return report.unit(sign .. f.number(d * 100, 1), "pt", loc) end
  local text = unit == "currency" and sign .. f.money(d) or sign .. f.number(d, math.max(dv, dp))
  -- and as a share of the previous figure, as report.html's indicator cards show it
  local share = report.change_share(value, previous)
  if not share then return text end
  return text .. " (" .. (share > 0 and "+" or "") .. f.percent(share) .. ")"
end

local function kpis_part(ctx, c)
  local f, k = ctx.fmt, ctx.res.kpis
  if not k or #k.kpis == 0 then c.kpis = false; return end
  local words = ctx.texts.kpi_status or {}
  local trends = ctx.texts.kpi_trend or {}
  local sg = ctx.sg
  -- a period as its first and last day ([start, end) in the results)
  local function span(a, b)
    if not a or not b then return ctx.texts.kpi_now or "-" end
    local last = sg.format_time(assert(sg.time(b:sub(1, 10))) - 86400, true)
    return ctx.fmt.date(a, "date") .. " → " .. ctx.fmt.date(last, "date")
  end
  local list = {}
  for i, r in ipairs(k.kpis) do
    list[i] = { name = r.name, value = kpi_value(f, r.value, r.unit), previous = kpi_value(f, r.previous, r.unit),
      change = kpi_change(f, r.value, r.previous, r.unit, ctx.loc), target = r.target and kpi_value(f, r.target, r.unit) or "-",
      status = r.model_r2 and render(words.unreliable or "not reliable (R² {{r2}})", { r2 = f.number(r.model_r2, 2) },
        "kpi_status.unreliable") or words[r.status] or r.status, trend = trends[r.trend] or r.trend or "",
      period = span(r.period_start, r.period_end), description = r.description or "" }
  end
  c.kpis = { list = list, period_note = k.as_of and f.date(k.as_of) or "" }
end

local function history_part(ctx, c)
  local f, h = ctx.fmt, ctx.res.history
  if not (h and h.previous) then c.history = false; return end
  local names = ctx.rules.segment_names
  local changes = {}
  for i, r in ipairs(h.changes or {}) do
    changes[i] = { segment = names[r.segment] or r.segment, customers = f.number(r.customers),
      previous = r.previous and f.number(r.previous) or "-",
      change = r.change and ((r.change > 0 and "+" or "") .. f.number(r.change)) or "-" }
  end
  local moves = {}
  for i, m in ipairs(h.moves or {}) do
    moves[i] = { from = names[m.from] or m.from, to = names[m.to] or m.to, customers = f.number(m.customers),
      share = f.percent(m.share) }
  end
  -- the matrix, on the segments that appear in either run
  local mx = h.matrix
  local header, rows = {}, {}
  if mx then
    for _, s in ipairs(mx.segments) do header[#header + 1] = names[s] or s end
    for _, from in ipairs(mx.segments) do
      local cells = {}
      for _, to in ipairs(mx.segments) do cells[#cells + 1] = f.number((mx.counts[from] or {})[to] or 0) end
      rows[#rows + 1] = { segment = names[from] or from, cells = table.concat(cells, " | ") }
    end
  end
  -- the KPIs now, at the last run (from the run history) and the change
  local kpis = {}
  for _, k in ipairs(h.kpi_changes or {}) do
    kpis[#kpis + 1] = { name = k.name, value = kpi_value(f, k.value, k.unit), previous = kpi_value(f, k.previous, k.unit),
      change = kpi_change(f, k.value, k.previous, k.unit, ctx.loc) }
  end
  local prev_date = h.previous_time and f.date(h.previous_time) or "?"
  c.history = { previous_date = prev_date, changes = changes, moves = moves,
    new = f.number(h.moves and h.moves.new or 0), departed = f.number(h.moves and h.moves.departed or 0),
    new_plural = report.plural(h.moves and h.moves.new or 0, ctx.loc),
    departed_plural = report.plural(h.moves and h.moves.departed or 0, ctx.loc),
    -- the migration matrix only when someone moved (else it is its diagonal)
    matrix = #moves > 0 and { header = table.concat(header, " | "), rows = rows,
      separator = string.rep("---:|", #header) } or false, kpis = #kpis > 0 and { list = kpis } or false }
end

local function campaigns_part(ctx, c)
  local f = ctx.fmt
  local total_cost, total_profit, total_rev, total_sales, total_margin, total_disc, total_contact = 0, 0, 0, 0, 0, 0, 0
  local total_order = 0
  -- offer costs per purchase (free delivery...): a column only when a campaign has them
  local order_costs = false
  for _, r in ctx.res.plan:rows() do
    if (r.cost_per_order or 0) > 0 then order_costs = true end
  end
  c.order_costs = order_costs
  c.campaigns = {}
  for i, r in ctx.res.plan:rows() do
    total_cost = total_cost + (r.cost or 0) + (r.discount_cost or 0) + (r.order_cost or 0)
    total_order = total_order + (r.order_cost or 0)
    total_profit = total_profit + (r.expected_incremental_profit or 0)
    total_rev = total_rev + (r.expected_incremental_revenue or 0)
    -- sales the contacts add, before discounts (revenue + discounts when the plan is older)
    local sales = r.expected_incremental_sales or ((r.expected_incremental_revenue or 0) + (r.discount_cost or 0))
    local margin_amount = r.expected_incremental_margin or sales * (r.margin or 0)
    total_sales, total_margin = total_sales + sales, total_margin + margin_amount
    total_disc, total_contact = total_disc + (r.discount_cost or 0), total_contact + (r.cost or 0)
    c.campaigns[i] = {
      name = r.campaign, channel = r.channel, offer = r.offer,
      eligible = f.number(r.eligible), targeted = f.number(r.treatment or r.targeted),
      control = f.number(r.control or 0),
      budget = r.budget and f.money(r.budget, 0) or "-",
      cost = f.money(r.cost, 0), discount_cost = f.money(r.discount_cost or 0, 0),
      incremental_revenue = f.money(r.expected_incremental_revenue or 0, 0),
      incremental_profit = f.money(r.expected_incremental_profit or 0, 0),
      roi = r.roi and f.percent(r.roi, 0) or "-",
      assumptions = r.assumptions or "",
      sales = f.money(sales, 0), margin_amount = f.money(margin_amount, 0),
      margin = r.margin and f.percent(r.margin, 0) or "-",
      order_cost = f.money(r.order_cost or 0, 0), order_costs = order_costs,
    }
  end
  c.total_sales, c.total_margin = f.money(total_sales, 0), f.money(total_margin, 0)
  c.total_discounts, c.total_contact_cost = f.money(total_disc, 0), f.money(total_contact, 0)
  c.total_order_cost = f.money(total_order, 0)
  c.total_cost = f.money(total_cost, 0)
  c.total_profit = f.money(total_profit, 0)
  c.total_incremental_revenue = f.money(total_rev, 0)
  -- what the control groups cannot measure, in the language of the summary
  local warned = {}
  local wt = ctx.texts.campaign_warnings or {}
  for _, w in ipairs((ctx.res.campaign_info or {}).measurement or {}) do
    -- a detectable effect above 100 points: no test of these groups can detect anything
    local t = w.kind == "below_mde" and (w.mde or 0) >= 1 and wt.undetectable or wt[w.kind]
    if t then
      warned[#warned + 1] = { text = report.render(t, { campaign = w.campaign,
        customers = f.number(w.targeted or 0), control_share = f.percent(w.control_share or 0, 0),
        treatment = f.number(w.treatment or 0), control = f.number(w.control or 0),
        mde = report.points((w.mde or 0) * 100, 1, ctx.loc), uplift = report.points((w.uplift or 0) * 100, 1, ctx.loc),
        confidence = f.percent(w.confidence or 0, 0), power = f.percent(w.power or 0, 0) }, "campaign warning " .. w.kind) }
    end
  end
  c.campaign_warnings = #warned > 0 and { list = warned } or false
  -- campaigns that cannot pay, in the language of the summary
  c.campaign_alerts = {}
  local texts = ctx.texts.campaign_alerts or {}
  local info = ctx.res.campaign_info or {}
  for _, a in ipairs(info.alerts or {}) do
    local t = texts[a.kind]
    local values = { campaign = a.campaign, loss = f.money(-(a.eligible_profit or a.profit or 0), 0),
      contacts = "", eligible = "", profitable = "" }
    for _, r in ctx.res.plan:rows() do
      if r.campaign == a.campaign then
        values.contacts, values.eligible = f.number(r.treatment or 0), f.number(r.eligible or 0)
      end
    end
    c.campaign_alerts[#c.campaign_alerts + 1] = { text = t and report.render(t, values, "campaign alert") or a.message }
  end
end

-- Past campaigns: performance per channel, and the uplift past tests measured.
local function past_part(ctx, c)
  local f, res = ctx.fmt, ctx.res
  c.past = false
  local ch, tests = res.campaign_channels, res.campaign_tests
  if not ch and not tests then return end
  local function ratio(x, pct) if x == nil then return "-" end return pct and f.percent(x) or f.number(x, 2) end
  local past = { channels = {}, tests = {}, total = false, best = false, worst = false }
  if ch then
    local function row(r, name)
      return { channel = name or r.channel, impressions = f.number(r.impressions or 0), clicks = f.number(r.clicks or 0),
        conversions = f.number(r.conversions or 0), spend = f.money(r.spend or 0, 0), revenue = f.money(r.revenue or 0, 0),
        ctr = ratio(r.ctr, true), conversion_rate = ratio(r.conversion_rate, true),
        cpa = r.cpa and f.money(r.cpa) or "-", roas = ratio(r.roas), roi = r.roi and f.percent(r.roi, 0) or "-" }
    end
    -- the channels as the campaign history names them, in the summary's words when it has some
    local names = ctx.texts.channel_names or {}
    for i, r in ch.rows:rows() do past.channels[i] = row(r, names[r.channel]) end
    local tot = ch.totals
    if type(tot) == "userdata" then tot = tot:row(1) end
    past.total = row(tot, ctx.texts.all_channels or "all")
    past.campaigns = f.number(ch.campaigns)
    local best, worst
    for _, r in res.campaign_performance:rows() do
      if r.roi then
        if not best or r.roi > best.roi then best = r end
        if not worst or r.roi < worst.roi then worst = r end
      end
    end
    if best then past.best = { campaign = best.campaign, roi = f.percent(best.roi, 0) } end
    if worst then past.worst = { campaign = worst.campaign, roi = f.percent(worst.roi, 0) } end
  end
  if tests then
    for i, r in tests.campaigns:rows() do
      past.tests[i] = { campaign = r.campaign, treatment = f.number(r.treatment), control = f.number(r.control),
        uplift = f.number((r.uplift or 0) * 100, 1), lower = f.number((r.uplift_lower or 0) * 100, 1),
        upper = f.number((r.uplift_upper or 0) * 100, 1), p_value = f.number(r.p_value or 1, 3),
        uplift_points = report.points((r.uplift or 0) * 100, 1, ctx.loc),
        significant = r.significant == true }
    end
  end
  past.measured = #past.tests > 0
  c.past = past
end

local function cross_sell_part(ctx, c)
  local f, top = ctx.fmt, {}
  local rules = ctx.res.cross_sell_rules
  if not rules then c.cross_sell = false; return end   -- the step was dropped
  for i, r in rules:head(10):rows() do
    -- the names given by cross_sell.names, false without them
    top[i] = { antecedent = tostring(r.antecedent), consequent = tostring(r.consequent),
               antecedent_name = r.antecedent_name or false, consequent_name = r.consequent_name or false,
               lift = f.number(r.lift, 1), confidence = f.percent(r.confidence) }
  end
  c.cross_sell = #top > 0 and { rules = top } or false
end

local function clusters_part(ctx, c)
  local f, res = ctx.fmt, ctx.res
  if not res.cluster_profiles then c.clusters = false; return end
  local info = res.kmeans:info()
  local feats = res.cluster_feature_names or res.cluster_features
  local list = word_list(ctx, feats)
  c.clusters = { k = info.k, features = table.concat(feats, ", "), features_list = list,
    feature_count = f.number(#feats), list = {}, auto = false, silhouette = "-" }
  if res.k_selection then
    for _, r in res.k_selection:rows() do
      if r.chosen then c.clusters.silhouette = f.number(r.silhouette or 0, 2) end
    end
    c.clusters.auto = true
  end
  -- the segment most of each cluster's customers are in, so a name is never read against them
  local main = {}
  local g = ctx.customers:group_by({ "cluster", "segment" }, { { "n", "count" } })
  for _, r in g:rows() do
    local m = main[r.cluster]
    if not m or r.n > m.n then main[r.cluster] = { segment = r.segment, n = r.n } end
  end
  for _, r in res.cluster_profiles:rows() do
    local m = main[r.cluster] or { segment = "-", n = 0 }
    c.clusters.list[#c.clusters.list + 1] = {
      cluster = r.cluster, name = r.cluster_name, size = f.number(r.size), share = f.percent(r.share),
      revenue_share = f.percent(r.revenue_share),
      avg_basket = f.money(r.orders > 0 and r.revenue / r.orders or 0),
      basket_ratio = f.number(r.basket_ratio, 1), monetary_ratio = f.number(r.monetary_ratio or 0, 1),
      recency_ratio = f.number(r.recency_days_ratio or 0, 1), frequency_ratio = f.number(r.frequency_ratio or 0, 1),
      main_segment = m.segment, main_segment_share = f.percent(r.size > 0 and m.n / r.size or 0),
    }
  end
end

-- The last day of the BTYD holdout's calibration: horizon_days before as_of.
local function calibration_end(ctx)
  local sg = ctx.sg
  return ctx.fmt.date(sg.format_time(assert(sg.time(ctx.res.rfm_info.as_of:sub(1, 10)))
    - ctx.periods.horizon_days * 86400, true))
end

local function btyd_part(ctx, c)
  local f, b, customers = ctx.fmt, ctx.res.btyd, ctx.customers
  c.btyd_failed = false
  if ctx.res.btyd_failed then
    local names = ctx.texts.btyd_names or {}
    c.btyd_failed = { model = names[ctx.res.btyd_failed.model] or ctx.res.btyd_failed.model }
  end
  if not b then c.btyd = false; return end
  local names = ctx.texts.btyd_names or {}
  local articles = ctx.texts.btyd_articles or {}
  local units = ctx.texts.units or {}
  local function params_text(fit)
    local p, parts, keys = fit:params(), {}, {}
    for k in pairs(p) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. " = " .. f.number(p[k], 3) end
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
  local repeat_ = customers:filter("btyd_frequency > 0 and not is_missing(p_alive)")
  local once = customers:filter("btyd_frequency == 0 and not is_missing(p_alive)")
  local flat_lapsed, alive_repeat = require("segmint.btyd").alive_flat(customers, ctx.periods.inactive_days)
  local alive_flat = flat_lapsed and { lapsed = f.number(flat_lapsed) } or false
  c.btyd = {
    article = articles[info.model] or "", model = names[info.model] or info.model, unit = units[b.unit] or b.unit,
    customers = f.number(info.customers),
    params = params_text(b.model), loglik = f.number(info.loglik, 1), method = info.method,
    iterations = info.iterations, gg_params = params_text(b.spend),
    total_clv = f.money(customers:sum(clv)), horizon = b.horizon,
    expected = f.number(customers:sum(exp)), alive = f.percent(customers:stats("p_alive").mean or 0),
    alive_repeat = f.percent(alive_repeat or 0), alive_flat = alive_flat,
    repeat_buyers = f.number(#repeat_), one_time = f.number(#once),
    one_time_alive = f.percent(#once > 0 and once:stats("p_alive").mean or 0),
    top = rows, selection = false, not_compared = false,
  }
  local sel = b.selection
  if sel and sel.failed then
    local cands = {}
    for _, m in ipairs(sel.order or {}) do cands[#cands + 1] = names[m] or m end
    c.btyd.selection = false
    c.btyd.not_compared = { candidates = table.concat(cands, ", "), chosen = names[info.model] or info.model,
      calibration_end = calibration_end(ctx) }
  elseif sel then
    local list, cands, failed = {}, {}, {}
    for _, m in ipairs(sel.order) do
      local r = sel.results[m]
      cands[#cands + 1] = names[m] or m
      if r.failed ~= nil then failed[#failed + 1] = names[m] or m end
      list[#list + 1] = { model = names[m] or m,
        error = r.relative_error and f.percent(r.relative_error, 0) or "-",
        predicted = r.predicted_total and f.number(r.predicted_total) or "-", actual = f.number(sel.actual_total),
        correlation = r.correlation and f.number(r.correlation, 2) or "-", failed = r.failed ~= nil }
    end
    local best = sel.results[sel.model]
    c.btyd.selection = { candidates = table.concat(cands, ", "), chosen = names[sel.model] or sel.model,
      calibration_end = calibration_end(ctx),
      error = f.percent(best.relative_error, 0), actual = f.number(sel.actual_total),
      tolerance = f.percent(sel.tolerance, 0), warning = not sel.within_tolerance, list = list,
      max_x = f.number(sel.max_x or 7),
      failed = #failed > 0 and { names = word_list(ctx, failed), several = #failed > 1 } }
  end
end

local function models_part(ctx, c)
  local f, m = ctx.fmt, ctx.res.models
  if not m then c.models = false; return end
  local ch, cm = m.churn, m.churn.metrics
  local factors = {}
  for i, x in ipairs(ch.factors) do factors[i] = { name = x.name, share = f.percent(x.share) } end
  local kind_names = ctx.texts.model_names or {}
  -- the customers given reasons (churn probability >= the threshold), by
  -- whether they have lapsed already or still buy
  local lapsed_n, recent_n = 0, 0
  local customers, days = ctx.customers, ctx.periods.inactive_days
  if customers:has("churn_probability") and customers:has("recency_days") then
    local risky = customers:filter(string.format("coalesce(churn_probability >= %.17g, false)", m.at_risk.threshold))
    lapsed_n = #risky:filter(string.format("recency_days > %d", days))
    recent_n = #risky - lapsed_n
  end
  local st = ctx.res.status
  local r2 = m.clv and m.clv.metrics.r2 or 0
  c.models = {
    horizon = m.horizon, cutoff = f.date(ch.cutoff),
    churn = { kind = kind_names[ch.model.spec.kind] or ch.model.spec.kind, train = f.number(ch.train),
      test = f.number(ch.test), churn_rate = f.percent(ch.churn_rate or 0), accuracy = f.percent(cm.accuracy or 0),
      auc = f.number(cm.auc or 0, 3), precision = f.percent(cm.precision or 0),
      recall = f.percent(cm.recall or 0), factors = factors,
      with_reasons = f.number(m.at_risk.count), threshold = f.percent(m.at_risk.threshold, 0),
      reasons_lapsed = f.number(lapsed_n), reasons_recent = f.number(recent_n),
      -- the ones still buying are exactly the status step's "at risk" when both use the churn threshold
      reasons_are_at_risk = st ~= nil and st.basis == "churn" and st.threshold == m.at_risk.threshold
        and st.counts.at_risk == recent_n },
    clv = m.clv and { kind = kind_names[m.clv.model.spec.kind] or m.clv.model.spec.kind, horizon = m.clv.horizon,
      cutoff = f.date(m.clv.cutoff), test = f.number(m.clv.test), rmse = f.money(m.clv.metrics.rmse or 0),
      mae = f.money(m.clv.metrics.mae or 0), r2 = f.number(m.clv.metrics.r2 or 0, 2),
      mean_spend = f.money(m.clv.mean_spend or 0),
      weak = r2 >= 0 and r2 < 0.1, worse = r2 < 0,
      total = f.money(ctx.customers:sum("predicted_clv") or 0) } or false,
  }
end

-- The alert sentences, also kept in ctx.res.alert_texts for the report.
local function alerts_part(ctx, c)
  local f, a, ta = ctx.fmt, ctx.res.alerts, ctx.texts.alerts or {}
  c.alerts = {}
  local function add(kind, values)
    if ta[kind] then c.alerts[#c.alerts + 1] = { text = report.render(ta[kind], values, "alert " .. kind) } end
  end
  if a then
    local ch = a.churn
    if ch and (ch.alert or ch.rise_alert) then
      -- the window is [from, to): its last day, as the KPI table shows it
      local last = ctx.sg.format_time(assert(ctx.sg.time(ch.to:sub(1, 10))) - 86400, true)
      local v = { rate = f.percent(ch.rate), from = f.date(ch.from), to = f.date(last),
        active = f.number(ch.active_start or 0), churned = f.number(ch.churned or 0),
        days = ctx.periods.inactive_days, usual = ch.average ~= nil,
        average = ch.average and f.percent(ch.average) or "", months = ch.average_months or 0 }
      if ch.alert then
        -- above the level the rules set (with its usual level when the data has one)
        v.threshold = f.percent(ch.threshold)
        add("churn", v)
      else
        -- below that level, but well above its own average of the months before
        v.threshold = report.points(ch.rise_threshold * 100, 1, ctx.loc)
        -- the rise between the two percentages as printed (18.2% and 18.1%: 0.1 point)
        v.rise = report.points(report.shown_change(ch.rate, ch.average, 1, 1, 100) * 100, 1, ctx.loc)
        add("churn_rise", v)
      end
    end
    if a.basket and a.basket.alert then
      add("basket_drop", { current = f.money(a.basket.current), previous = f.money(a.basket.previous),
        change = f.percent(a.basket.change), days = ctx.periods.comparison_days })
    end
    if a.satisfaction and a.satisfaction.alert then
      add("satisfaction", { current = f.number(a.satisfaction.current, 2), threshold = f.number(a.satisfaction.threshold, 1),
        days = ctx.periods.comparison_days })
    end
  end
  local ca = ctx.res.catch_all
  if ca then
    add("catch_all", { segment = ca.segment, customers = f.number(ca.customers), share = f.percent(ca.share),
      revenue_share = f.percent(ca.revenue_share), basket = f.money(ca.avg_basket) })
  end
  for _, x in ipairs(c.campaign_alerts or {}) do c.alerts[#c.alerts + 1] = x end
  local texts = {}
  for i, x in ipairs(c.alerts) do texts[i] = x.text end
  ctx.res.alert_texts = texts
end

-- The template context of a finished analysis.
function M.context(ctx)
  local f, res, tot, periods = ctx.fmt, ctx.res, ctx.totals, ctx.periods
  local period = res.loaded.period
  local crep = res.cleaning
  local c = {
    generated = f.date(ctx.cfg.generated or M.run_date()),
    period_start = f.date(period.min), period_end = f.date(period.max), as_of = f.date(ctx.as_of),
    currency = ctx.currency,
    customers = f.number(tot.customers), revenue = f.money(tot.revenue), invoices = f.number(tot.orders),
    rows_in = f.number(crep.rows_in), rows_out = f.number(crep.rows_out),
    avg_basket = f.money(tot.orders > 0 and tot.revenue / tot.orders or 0),
    avg_orders = f.number(tot.customers > 0 and tot.orders / tot.customers or 0, 2),
    inactive_days = periods.inactive_days, horizon_days = periods.horizon_days, clv_months = periods.clv_months,
    comparison_days = periods.comparison_days,
    cleaning = {},
  }
  local lapsed = lapsed_by_segment(ctx)
  segments_part(ctx, c, lapsed)
  status_part(ctx, c, lapsed)
  kpis_part(ctx, c)
  history_part(ctx, c)
  campaigns_part(ctx, c)
  past_part(ctx, c)
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
