-- sg.report: the page's blocks, data and language, section entries and data
-- functions, safe JSON in the page, errors; dates per language; ds:round.
-- (tests/cli/report_browser.t.sh checks the page in a real browser.)
local sg = require "segmint"
local report = sg.report
local t = require("tap")(print)

local en, fr = report.locales.en, report.locales.fr
t.is(report.date("2024-03-05", en), "5 Mar 2024", "English date")
t.is(report.date("2024-03-05 10:30:00", fr), "5 mars 2024", "French date (a datetime)")
t.is(report.date("2024-02-01", fr, "long_date"), "1er février 2024", "French long date: the first of the month is 1er")
t.is(report.date("2024-12-31", en, "month"), "Dec 2024", "English month")
t.is(report.date("not a date", en), "not a date", "text that is not a date is left as it is")

-- ds:round: half away from zero as the decimal text reads, integers unchanged
local money = sg.dataset { { "seg", { "a", "b", "c" } }, { "revenue", { 5597821.749999998, 2.675, -1.005 } },
  { "n", { 1, 2, 3 } }, { "unit price", { 1.23456, 2.0, 0.125 } } }
local r = money:round({ "revenue", "n", "unit price" }, 2)
t.same(r:column("revenue"), { 5597821.75, 2.68, -1.01, n = 3 }, "round: money to cents")
t.is(tostring(r:get(1, "revenue")), "5597821.75", "round: prints as cents")
t.same(r:column("unit price"), { 1.23, 2.0, 0.13, n = 3 }, "round: a column name that needs quoting")
t.is(math.type(r:get(1, "n")), "integer", "round: an integer column stays integer")
t.raises(function() money:round({ "seg" }, 2) end, "column 'seg' is string, not a number", "round: text refused")
t.raises(function() money:round({ "revenu" }, 2) end, "no column 'revenu'", "round: unknown column")
t.raises(function() money:round("revenue", 1.5) end, "whole number from 0 to 15", "round: digits checked")

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

local segs = sg.dataset { { "segment", { "Champions", "Loyal", "At Risk" } }, { "customers", { 1200, 3400, 800 } },
  { "revenue", { 1234567.891, 34000.25, 9000.0 } } }

-- a page in French with static blocks
local page, info = report {
  title = "Rapport <test>", language = "fr", currency = "€", generated = "2024-03-12",
  sections = {
    { type = "text", title = "Intro", text = "Bonjour **monde**.\n\n- un\n- deux </script><script>alert(1)</script>" },
    { type = "kpis", title = "Chiffres clés", items = {
      { label = "Chiffre d'affaires", value = 1234567.891, format = "money", target = 1000000, previous = 1100000 },
      { label = "Clients", value = 2000, format = "integer", target = 2500 },
      { label = "Attrition", value = 0.052, format = "percent", target = 0.05, better = "lower" } } },
    { type = "table", title = "Segments", data = segs, columns = { "segment", { "customers", label = "Clients" },
      { "revenue", format = "money" } }, max_rows = 2 },
  },
}
t.is(info.blocks, 3, "three blocks")
t.is(info.charts, 0, "no chart")
t.like(page, '<html lang="fr">', "the page states its language")
t.like(page, "<title>Rapport &lt;test&gt;</title>", "the title is escaped")
t.like(page, "Généré le 12 mars 2024", "the generation date in French")
t.like(page, '<div class="kpi%-value">1\u{202F}234\u{202F}567,89\u{A0}€</div>', "a KPI in French money")
t.like(page, "Objectif\u{202F}: 1\u{202F}000\u{202F}000,00\u{A0}€", "its target")
t.like(page, "&#9650; %+12,2\u{202F}%% depuis l’analyse précédente", "its change since the previous value")
t.like(page, '<div class="kpi good">', "revenue above target is good")
do -- a rate's change in points is between the rates as shown (18.2% and 18.7%: 0.5 pt, not 0.4)
  local p2 = report { title = "R", sections = { { type = "kpis", title = "K", items = {
    { label = "Churn", value = 0.18249, previous = 0.18651, format = "percent", better = "lower" } } } } }
  t.like(p2, '<div class="kpi%-value">18%.2%%</div><div class="kpi%-change up">&#9660; %-0%.5 pt since the last run</div>',
    "a fall of churn from 18.7% to 18.2% reads -0.5 pt")
end
do -- a figure below zero changes by a share of its size: from -100 to -50 is up 50%, not down
  local p3 = report { title = "R", sections = { { type = "kpis", title = "K", items = {
    { label = "Profit", value = -50, previous = -100, format = "number" } } } } }
  t.like(p3, '<div class="kpi%-change up">&#9650; %+50%.0%% since the last run</div>', "a loss from -100 to -50 reads +50.0%")
end
t.like(page, '<div class="kpi bad"><div class="kpi%-label">Clients</div>', "customers 20% below target are bad")
t.like(page, '<div class="kpi warn"><div class="kpi%-label">Attrition</div>', "churn 4% above a lower-is-better target is close")
-- the cards say met or missed, as the summary's KPI table does (met / missed), with the near miss told apart
t.like(page, '<div class="kpi%-status">objectif manqué de moins de 10\u{202F}%%</div>', "the near miss is a miss, by less than 10%")
t.like(page, '<div class="kpi%-status">objectif manqué</div>', "the far miss")
t.like(page, '<div class="kpi%-status">objectif atteint</div>', "the target met")
t.like(page, '<td class="num">1\u{202F}234\u{202F}567,89\u{A0}€</td>', "a money cell in French")
t.like(page, '<td class="num">1\u{202F}200</td>', "an integer cell in French")
t.like(page, "<th class=\"num\">Clients</th>", "a column label")
t.ok(not page:find("At Risk", 1, true), "max_rows: the third row is not shown")
t.like(page, "2 premières lignes sur 3%.", "max_rows: the note says so")
t.like(page, "<li>deux &lt;/script&gt;&lt;script&gt;alert%(1%)&lt;/script&gt;</li>", "text is escaped")
t.like(page, "<p>Bonjour <strong>monde</strong>%.</p>", "a little Markdown")
t.is(count(page:lower(), "</script"), 4, "only the page's own four scripts close")
t.ok(not page:find("https?://"), "no http(s) reference anywhere, Chart.js included")
t.like(page, "Content%-Security%-Policy\" content=\"default%-src 'none'", "a policy forbids any request")
t.like(page, "Chart%.js v3%.9%.1", "Chart.js is inlined with its licence banner")

-- charts: data as JSON, escaped for the script element
local n = 1000
local xs, ys, gs, ms = {}, {}, {}, {}
for i = 1, n do
  xs[i], ys[i], gs[i], ms[i] = i * 0.5, (i % 17) * 1.0, "g" .. (i % 3), i % 100 + 1
end
local big = sg.dataset { { "x", xs }, { "y", ys }, { "g", gs }, { "m", ms } }
local weird = sg.dataset { { "name", { "a</script><b>", "x\226\128\168y & z" } }, { "v", { 1, 2 } } }
local function charts(lang, seed)
  return report {
    title = "Charts", language = lang, generated = "2024-03-12", seed = seed, currency = lang == "fr" and "€" or "£",
    sections = {
      { type = "bar", title = "Bars", data = weird, x = "name", y = "v" },
      { type = "stacked_bar", title = "Stacked", data = { { s = "A", k = "x", v = 1 }, { s = "A", k = "y", v = 2 },
        { s = "B", k = "x", v = 3 } }, x = "s", series = "k", y = "v" },
      { type = "line", title = "Elbow", data = { k = { 2, 3, 4 }, inertia = { 30.5, 20, 15 }, sil = { 0.4, 0.3, 0.35 } },
        x = "k", y = "inertia", y2 = "sil", mark = { x = 4, label = "chosen" } },
      { type = "scatter", title = "Points", data = big, x = "x", y = "y", group = "g", max_points = 100 },
      { type = "histogram", title = "Spread", data = big, column = "m", bins = 10 },
      { type = "heatmap", title = "Grid", data = { { r = 1, f = 1, v = 10 }, { r = 2, f = 1, v = 30 }, { r = 1, f = 2, v = 20 } },
        x = "r", y = "f", value = "v", format = "money" },
    },
  }
end
local cp, cinfo = charts("en", 7)
t.is(cinfo.charts, 5, "five charts (the heatmap is a table)")
t.is(count(cp, "<canvas "), 5, "one canvas per chart")
t.is(count(cp:lower(), "</script"), 4, "a '</script>' in the data does not close the script")
t.like(cp, '"a\\u003c/script\\u003e\\u003cb\\u003e"', "< and > in data are escaped in the JSON")
t.like(cp, '"x\\u2028y \\u0026 z"', "U+2028 and & are escaped in the JSON")
t.like(cp, '"labels":%["A","B"%],.-"series":%[{"name":"x","values":%[1,3%]},{"name":"y","values":%[2,false%]}%]',
  "stacked bars: the long table pivoted, a missing cell as false")
t.like(cp, '"mark":{"label":"chosen","x":4}', "the marked x")
t.like(cp, '{"axis":"y2","name":"sil","values":%[0%.4,0%.3,0%.35%]}', "a right-axis series")
-- histogram of 1..100 (ten times each): width 10 from 0; 1-9, 10-19, ..., 90-100
t.like(cp, '"labels":%["0 – 10","10 – 20",.-"90 – 100"%].-"values":%[90,100,100,100,100,100,100,100,100,110%]',
  "histogram bins counted in C")
local pts = cp:match('"type":"scatter"') and cp:match('"sampled":{"shown":(%d+),"total":(%d+)}')
t.is(pts, "100", "the scatter shows a sample of 100 points")
t.like(cp, "A random sample of 100 of 1,000 points%.", "and says so")
local groups = {}
for name, p in cp:gmatch('{"name":"(g%d)","points":%[([^%]]*)%]}') do groups[#groups + 1] = name; groups[name] = count(p, ",") + 1 end
t.same({ groups[1], groups[2], groups[3] }, { "g0", "g1", "g2" }, "one series per group, in order")
t.is(groups.g0 + groups.g1 + groups.g2, 200, "100 points of two coordinates")
t.is(charts("en", 7), cp, "the same seed gives the same page")
t.ok(charts("en", 8) ~= cp, "another seed another sample")
t.like(cp, 'background:#08306b;color:#fff">£30%.00</td>', "heatmap: the highest value darkest")
t.like(cp, 'background:#f1f7fd;color:#1b1b1b">£10%.00</td>', "heatmap: the lowest lightest")
t.like(cp, '<td class="empty"></td>', "heatmap: a missing cell is empty")
local fp = charts("fr", 7)
t.like(fp, '"locale":{"colon":"\u{202F}: ","currency":"€","decimal":",","minus":"\u{2212}","money":"{sign}{number}\u{A0}{symbol}",'
  .. '"percent":"{number}\u{202F}%%","semicolon":"\u{202F}; ","thousands":"\u{202F}"}',
  "the French number format travels to the page's script, with its minus sign and the spaces of its tooltips")
t.like(fp, "Échantillon aléatoire de 100\u{A0}points sur 1\u{202F}000%.", "the sample note in French")

-- section entries and data functions
local calls = {}
local fns = {
  segments = function(ctx, entry, api)
    calls[#calls + 1] = entry[1]
    local top = ctx.segs:get(1, "segment")
    return { type = "bar", title = "default title", reading = "default reading", data = ctx.segs, x = "segment",
      y = "customers", values = { top = top, revenue = api.money(ctx.segs:get(1, "revenue"), 0) } }
  end,
  history = function() return nil end,
  two = function(ctx) return { { type = "text", title = "one", text = "1" }, { type = "text", title = "two", text = "2" } } end,
}
local pg, pinfo = report {
  title = "Layout", currency = "£", generated = "2024-03-12", data = fns, context = { segs = segs },
  sections = {
    { "history", title = "Trends" },
    { "segments", title = "Customers per segment", reading = "{{top}} bring {{revenue}}." },
    { "two" },
  },
}
t.is(pinfo.blocks, 3, "a section without data is left out; a data function may give two blocks")
t.same(calls, { "segments" }, "the data function is called with its entry")
t.like(pg, "<h2>Customers per segment</h2>", "the template's title wins")
t.like(pg, '<p class="reading">Champions bring £1,234,568%.</p>', "the template's reading, from the block's values")
t.ok(not pg:find("Trends", 1, true), "no heading for the section left out")
t.like(pg, '<nav aria%-label="Contents"><a href="#s1">Customers per segment</a><a href="#s2">one</a><a href="#s3">two</a></nav>',
  "the table of contents")
t.raises(function() report { title = "x", data = fns, sections = { { "segmnets" } } } end,
  "section 1 'segmnets': no data function 'segmnets' %(did you mean 'segments'%?%)", "an unknown data function")
t.raises(function() report { title = "x", sections = { { type = "barr", title = "t", data = segs } } } end,
  "unknown block type 'barr' %(did you mean 'bar'%?%)", "an unknown block type")
t.raises(function() report { title = "x", sections = { { type = "bar", data = segs, x = "segment", y = "customers" } } } end,
  "section 1 %(bar%) needs a title", "a block without a title")
t.raises(function() report { title = "x", sections = { { type = "bar", title = "B", data = segs, x = "segmnt", y = "customers" } } } end,
  "section 1 'B' %(bar%): no column 'segmnt' %(x%) in the data %(did you mean 'segment'%?%)", "an unknown column")
t.raises(function() report { title = "x", sections = { { type = "bar", title = "B", data = segs, x = "segment", y = "segment" } } } end,
  "the value column 'segment' must be numeric", "a text column as values")
t.raises(function() report { title = "x", sections = { { type = "bar", title = "B", data = big, x = "x", y = "y" } } } end,
  "1,000 categories: at most 60 in a bar chart", "too many bars")
t.raises(function() report { title = "x", language = "de", sections = {} } end, "language 'de' is not known", "a language")
t.raises(function() report { title = "x", chartjs = "/nonexistent/chart.min.js", sections = {} } end,
  "cannot read Chart.js at /nonexistent/chart.min.js", "a missing Chart.js copy names its path")
t.raises(function() report { title = "x", sections = { { type = "kpis", title = "K", items = { { label = "a", value = 1, format = "euros" } } } } } end,
  "'items%[1%]%.format' must be one of number", "an unknown format")

-- the default analysis's sections that read optional parts of the context
local S = report.sections
local scored = sg.dataset { { "churned", { true, true, false, true, false } },
  { "churn_probability", { 0.9, 0.8, 0.7, 0.6, 0.2 } } }
-- sorted by score: 1 1 0 1 0 (3 positives, 2 negatives)
t.same(S.roc(scored, "churned", "churn_probability"), { { fpr = 0, tpr = 0 }, { fpr = 0, tpr = 1 / 3 },
  { fpr = 0, tpr = 2 / 3 }, { fpr = 0.5, tpr = 2 / 3 }, { fpr = 0.5, tpr = 1 }, { fpr = 1, tpr = 1 } },
  "ROC points of a hand-made example")
local ctx = {
  models = { churn = { test_scored = scored, metrics = { auc = 5 / 6 } },
             clv = { test_scored = sg.dataset { { "future_spend", { 10.0, 20.0, 0.0 } }, { "predicted", { 12.0, 18.0, 1.0 } } },
                     metrics = { rmse = 1.5, r2 = 0.9 }, horizon = 90 } },
  btyd = { calibration = sg.dataset { { "x", { 0, 1, 2 } }, { "customers", { 50, 30, 20 } },
                                      { "actual", { 0.2, 0.8, 1.5 } }, { "predicted", { 0.25, 0.75, 1.6 } } } },
  campaign_performance = sg.dataset { { "campaign", { "VIP", "Welcome Back" } }, { "spend", { 100.0, 400.0 } },
    { "ctr", { 0.12, 0.05 } }, { "conversion_rate", { 0.04, 0.02 } }, { "cpa", { 30.0, 12.5 } }, { "roi", { 1.8, 0.4 } } },
  -- the cards' change since the last run and the KPI trends, from a real
  -- run history, are checked in tests/cli/history_run.t.sh
  history = {
    migration = sg.dataset { { "from", { "Champions", "Champions", "At Risk" } }, { "to", { "Champions", "At Risk", "Lost" } },
      { "customers", { 80, 15, 5 } } },
  },
  kpis = { kpis = {
    { name = "Retention rate", unit = "%", value = 0.62, previous = 0.58, target = 0.85, direction = "higher", status = "missed" },
    { name = "Average basket", unit = "currency", value = 3600, previous = 3500, target = 3500, direction = "higher",
      status = "met" },
    { name = "Customers", unit = "count", value = 412, previous = 400, direction = "higher", status = "no target" } } },
  alert_texts = { "**Inactive customers**: 120 customers", "Basket down" },
}
local names = { "indicators", "btyd_calibration", "churn_roc", "spend_check", "campaign_performance", "migration",
  "kpi_trends", "alerts" }
local layout = {}
for _, e in ipairs(S.layouts.en.sections) do
  for _, n in ipairs(names) do if e[1] == n then layout[#layout + 1] = e end end
end
t.is(#layout, #names, "the default layout names these sections")
local page_values = { period_start = "1 Jan 2024", period_end = "31 Mar 2024", as_of = "1 Apr 2024",
  customers_analysed = "100", inactive_days = "90", horizon_days = "90", clv_months = "12", comparison_days = "90",
  campaign_window_days = "30" }
local sp, sinfo = report { title = "Sections", currency = "£", generated = "2024-03-12", sections = layout, data = S.data,
  context = ctx, values = page_values }
t.is(sinfo.blocks, 8, "each gives its blocks (campaign performance two; no KPI trends without a run history)")
t.like(sp, "Indicators with a target: 1 of 2 met%.", "indicators: how many of those with a target meet it")
t.like(sp, '<div class="kpi%-value">62%.0%%</div><div class="kpi%-target">Target: 85%.0%%</div>'
  .. '<div class="kpi%-change up">&#9650; %+4%.0 pt against the previous period</div>',
  "indicators: a rate, its target, and its change in points since the previous period")
t.like(sp, '<div class="kpi%-value">£3,600%.00</div><div class="kpi%-target">Target: £3,500%.00</div>'
  .. '<div class="kpi%-change up">&#9650; %+2%.9%% against the previous period</div>',
  "indicators: without history, the change since the previous period")
t.like(sp, "AUC 0%.833 on 5 customers the model had not seen: 0%.5 is chance", "the ROC reading with the AUC")
t.like(sp, '"type":"line","value":{"format":"percent"},"x":%[0,0,0,0%.5,0%.5,1%]', "the ROC curve's false positive rates")
t.like(sp, "Typical error £1%.50 %(R² 0%.90%) on 3 customers", "the spend check's reading")
t.like(sp, "<h2>Predicted against actual spend over 90 days</h2>", "the spend check's horizon in its title")
t.like(sp, "the model expected 67 purchases from these customers in all; they made 64 %(5%% apart%)%. Group by group "
  .. "%(one point per number of earlier purchases%), the gaps add up to 9%% of the purchases",
  "the BTYD holdout totals over customers: 67 predicted, 64 actual; by group |2.5| + |-1.5| + |2| = 6 of 64")
t.like(sp, '"x_min":0', "the spend check: the actual-spend axis starts at 0 (no negative value)")
t.like(sp, '"y_min":0', "and the predicted-spend axis too")
t.like(sp, "<h2>Past campaigns in detail</h2>", "campaign performance: the table under the layout's words")
t.is(select(2, sp:gsub("<h2>Campaign performance</h2>", "")), 1, "campaign performance: one heading of that name")
t.like(sp, "<h2>Purchases in the 90 days before 1 Apr 2024: actual and predicted</h2>", "a page value in a title")
t.like(sp, "VIP gave the best return: 180%%, as the platforms attribute it %(every conversion after a contact counts", "campaign performance: the best return, said to be attributed")
t.like(sp, '<td class="num">180%.0%%</td>', "campaign ROI as a percentage")
t.like(sp, '"labels":%["Welcome Back","VIP"%]', "campaign performance: the largest spend first")
t.like(sp, "20 customers %(20%%%) changed segment%.", "migration: customers who moved")
t.ok(not sp:find("Key figures over time", 1, true), "no KPI trends without a run history")
t.like(sp, "<li><strong>Inactive customers</strong>: 120 customers</li>", "the alerts as a list")
t.is(select(2, report { title = "Empty", sections = S.layouts.fr.sections, data = S.data, context = {} }).blocks, 0,
  "with an empty context every section is left out")
-- the churn calibration's reading: how far the points are from the diagonal, weighted by customers
local cal_entry
for _, e in ipairs(S.layouts.en.sections) do if e[1] == "churn_calibration" then cal_entry = e end end
local cp = report { title = "Cal", currency = "£", generated = "2024-03-12", data = S.data, values = page_values,
  context = { models = { churn = { metrics = { auc = 0.8, calibration = {
    { count = 10, mean_predicted = 0.2, observed = 0.35 }, { count = 0, mean_predicted = 0.5, observed = 0 },
    { count = 30, mean_predicted = 0.8, observed = 0.75 } } } } } }, sections = { cal_entry } }
t.like(cp, "Here the average gap to it is 7%.5 points %(at most 15%.0 points%); AUC 0%.800%.",
  "churn calibration: (10 x 15 + 30 x 5) / 40 = 7.5 points on average, at most 15, empty bins left out")
-- a model that predicts too few purchases: the gap in the reading is a distance, without a sign
local btyd_entry
for _, e in ipairs(S.layouts.en.sections) do if e[1] == "btyd_calibration" then btyd_entry = e end end
local under = report { title = "Under", currency = "£", generated = "2024-03-12", data = S.data, values = page_values,
  context = { btyd = { calibration = sg.dataset { { "x", { 0, 1 } }, { "customers", { 50, 50 } },
    { "actual", { 0.4, 1.2 } }, { "predicted", { 0.3, 0.9 } } } } }, sections = { btyd_entry } }
t.like(under, "the model expected 60 purchases from these customers in all; they made 80 %(25%% apart%)%.",
  "the BTYD holdout: 60 predicted against 80 actual are 25% apart, not -25%")
-- negative predictions are shown as predicted_clv gives them, at 0
local neg = report { title = "Neg", currency = "£", generated = "2024-03-12", data = S.data, values = page_values,
  context = { models = { clv = { test_scored = sg.dataset { { "future_spend", { 10.0, 20.0 } }, { "predicted", { -5.0, 18.0 } } },
    metrics = { rmse = 1, r2 = 0.5 }, horizon = 90 } } }, sections = { layout[4] } }
t.like(neg, '"points":%[10,0,20,18%]', "the spend check clips a negative prediction at 0, as predicted_clv does")
t.like(neg, '"y_min":0', "so its axis starts at 0")
t.raises(function() report { title = "x", data = S.data, context = ctx, sections = { layout[2] } } end,
  "no value for {{horizon_days}}", "a page value the page was not given")

-- the campaign plan: costs and expected profit of the planned campaigns
local plan = sg.dataset { { "campaign", { "VIP", "Welcome Back", "Win back" } }, { "targeted", { 90, 200, 0 } },
  { "cost", { 1080.0, 100.0, 0.0 } }, { "discount_cost", { 0.0, 400.0, 0.0 } },
  { "expected_incremental_revenue", { 4000.0, 900.0, 0.0 } }, { "expected_incremental_profit", { 620.0, -50.0, 0.0 } },
  { "roi", { 620 / 1080, -0.1, 0 / 0 } } }
local pp, pinfo2 = report { title = "Plan", currency = "£", generated = "2024-03-12", data = S.data, values = page_values,
  context = { plan = plan, customers = sg.dataset { { "monetary", { 10.0, 20.0 } }, { "frequency", { 1, 2 } } } },
  sections = { S.layouts.en.sections[1], { "campaign_plan", title = "Plan", reading = "{{campaigns}} campaigns cost "
    .. "{{cost}} for {{profit}} of profit (return {{roi}})." } } }
t.is(pinfo2.blocks, 3, "key figures, the plan's chart and its table")
t.like(pp, "2 campaigns cost £1,580 for £570 of profit %(return 36%%%)%.", "the plan's totals over planned campaigns")
t.like(pp, '"labels":%["VIP","Welcome Back"%]', "the chart shows the planned campaigns")
t.like(pp, "<td>Win back</td>", "the table every campaign")
t.like(pp, '<div class="kpi%-label">Expected campaign ROI</div><div class="kpi%-value">36%%</div>',
  "the key figure: expected profit over contact and discount costs")

local plan_entry
for _, e in ipairs(S.layouts.en.sections) do if e[1] == "campaign_plan" then plan_entry = e end end
local nothing = plan:filter("targeted == 0")
local np, ninfo = report { title = "Plan", generated = "2024-03-12", data = S.data, values = page_values,
  context = { plan = nothing }, sections = { plan_entry } }
t.is(ninfo.blocks, 1, "nothing planned: the table alone")
t.like(np, '<h2>Campaign plan: costs and expected profit</h2><p class="reading">No campaign is expected to pay',
  "under the plan's title, the words for a plan with no campaign")

-- layouts checked before any data is read
t.same(S.check(S.layouts.en, "en"), {}, "the default English layout checks clean")
t.same(S.check(S.layouts.fr, "fr"), {}, "the default French layout checks clean")
local text = [[
return {
  title = "Customers", language = "en",
  sections = {
    { "kpis", title = "Key figures" },
    { "segmnets", title = "Segments" },
    { "clv_distribution", title = "Value over {{monts}} months",
      reading = "Median {{median}}." },
    { "cross_sell", top = "ten", labels = { a = "{{a}}" } },
    { "alerts", titel = "Alerts" },
    { type = "bar", title = "Bars" },
  },
}
]]
local bad = assert(load(text, "=layout", "t", {}))()
sg._register_rule_source(bad, "layouts/report.lua", text)
local msgs = S.check(bad, "fr")
t.is(#msgs, 7, "seven problems")
t.like(msgs[1], "^layouts/report%.lua:2: report: the layout is written in 'en' but the analysis is in 'fr'", "the language")
t.like(msgs[2], "^layouts/report%.lua:5: report: section 2 'segmnets': no data function 'segmnets' %(did you mean 'segments'%?%)",
  "an unknown section: its line and the closest name")
t.like(msgs[3], "^layouts/report%.lua:6: report: section 3 'clv_distribution': {{monts}} is not a value of this section "
  .. "%(did you mean 'months'%?%)", "an unknown placeholder: its line and the closest value")
t.like(msgs[4], "^layouts/report%.lua:8: report: section 4 'cross_sell': 'labels%.a' is not filled in", "a placeholder where none is filled")
t.like(msgs[5], "^layouts/report%.lua:8: report: section 4 'cross_sell': 'top' must be a whole number", "an option of the wrong kind")
t.like(msgs[6], "^layouts/report%.lua:9: report: section 5 'alerts': unknown field 'titel' %(did you mean 'title'%?%)",
  "an unknown field")
t.like(msgs[7], "^layouts/report%.lua:10: report: section 6 %(bar%): a layout can hold blocks of type text only",
  "a chart block written in the layout (it has no data)")
t.same(S.check({ title = "x", sections = { { type = "bar", title = "Bars" } } }, "en"),
  { "report: section 1 (bar): a layout can hold blocks of type text only; other blocks need data (name a section)" },
  "a literal chart block in a layout (no file: no line)")

-- written through the write policy, atomically
local written = report { path = out .. "/r.html", title = "Written", generated = "2024-03-12", sections = {} }
local f = assert(io.open(out .. "/r.html", "rb"))
t.is(f:read("a"), written, "the page is written where asked")
f:close()
t.raises(function() report { path = "/tmp/elsewhere.html", title = "x", sections = {} } end, "not allowed",
  "the write policy applies")

-- the library's default layouts (used when a recipe names none) are the
-- shipped recipes/<lang>/report.lua, entry for entry: one set of sections
local function first_difference(a, b, path)
  if type(a) ~= type(b) then return path end
  if type(a) ~= "table" then return a ~= b and path or nil end
  for k, v in pairs(a) do
    local d = first_difference(v, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k in pairs(b) do if a[k] == nil then return path .. "." .. tostring(k) end end
  return nil
end
for _, lang in ipairs { "en", "fr" } do
  local f = assert(io.open(params.root .. "/recipes/" .. lang .. "/report.lua"))
  local shipped = load(f:read("a"), "=" .. lang .. "/report.lua", "t", {})()
  f:close()
  t.is(first_difference(S.layouts[lang], shipped, lang), nil,
    "recipes/" .. lang .. "/report.lua is the library's default layout")
end

t.done()
