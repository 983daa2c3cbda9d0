-- KPIs, the activity series and the alerts on hand-counted fixtures: the
-- churn and reactivation rates of the sound definition, every built-in
-- measure over a month and a quarter, targets, change and status, the
-- basket comparison firing on a 25% drop and not on a 10% one, and the
-- rule linter's messages.
local sg = require "segmint"
local t = require("tap")(print)

-- inactive_days = 30 (a customer lapses 31 days after a purchase):
--   A  2020-12-20, 2021-01-10, 2021-03-15
--   B  2021-02-05, 2021-02-20 (one invoice, two lines), 2021-04-10
--   C  2021-01-31 23:00
--   D  2021-01-29, 2021-03-01 00:00 (lapses exactly then, and buys again)
local tx = sg.dataset {
  { "cust", { "A", "A", "A", "B", "B", "B", "B", "C", "D", "D" } },
  { "day", { "2020-12-20 00:00:00", "2021-01-10 00:00:00", "2021-03-15 00:00:00", "2021-02-05 00:00:00",
             "2021-02-20 00:00:00", "2021-02-20 00:00:00", "2021-04-10 00:00:00", "2021-01-31 23:00:00",
             "2021-01-29 00:00:00", "2021-03-01 00:00:00" }, "datetime" },
  { "inv", { "a1", "a2", "a3", "b1", "b2", "b2", "b3", "c1", "d1", "d2" } },
  { "amount", { 10.0, 20.0, 30.0, 5.0, 7.0, 3.0, 9.0, 100.0, 50.0, 60.0 } },
  { "rating", { nil, 4, nil, nil, 5, 3, nil, 2, nil, nil, n = 10 }, "int64" },
}
local cols = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }

-- ---- the monthly series ----
local s, info = sg.activity_series(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amount",
  inactive_days = 30, as_of = "2021-05-01" })
t.is(#s, 5, "five whole months from 2020-12 to 2021-04")
t.is(info.as_of, "2021-05-01", "as_of reported")
t.same(s:column("period_start"), { "2020-12-01", "2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01", n = 5 },
  "months")
t.same(s:column("active_start"), { 0, 1, 3, 2, 1, n = 5 }, "active at the start of each month")
t.same(s:column("churned"), { 0, 0, 2, 2, 1, n = 5 }, "churned in each month")
t.same(s:column("inactive_start"), { 0, 0, 0, 2, 3, n = 5 }, "inactive at the start")
t.same(s:column("reactivated"), { 0, 0, 0, 2, 1, n = 5 }, "reactivated")
t.same(s:column("new_customers"), { 1, 2, 1, 0, 0, n = 5 }, "new customers")
t.is(s:get(1, "churn_rate"), nil, "no churn rate without anyone active at the start")
t.is(s:get(3, "churn_rate"), 2 / 3, "February: 2 of 3 active customers lapsed")
t.is(s:get(4, "reactivation_rate"), 1.0, "March: both inactive customers came back")
t.is(s:get(5, "reactivation_rate"), 1 / 3, "April: 1 of 3")
t.is(s:get(5, "retention_rate"), 0.0, "April retention: the complement of churn")
t.is(s:get(4, "average_basket"), 45.0, "March average basket: 90 over 2 invoices")
local s2 = sg.activity_series(tx, { customer = "cust", date = "day", inactive_days = 30 })
t.is(#s2, 4, "default as_of: the day after the last purchase (2021-04-11): April is not whole")
t.raises(function() sg.activity_series(tx, { customer = "cust", date = "inv" }) end,
  "option 'date' must name a datetime column", "a date column that is not a datetime")
t.raises(function() sg.activity_series(tx, { customer = "cust", date = "day", inactive_days = -1 }) end,
  "inactive_days", "negative inactive_days")

-- ---- KPIs ----
local customers = sg.dataset {
  { "customer", { "A", "B", "C" } }, { "segment", { "X", "X", "Y" } },
  { "monetary", { 10.0, 60.0, 100.0 } }, { "clv_12m", { 10.0, 20.0, 30.0 } },
}
local campaigns = sg.dataset {
  { "campaign", { "Spring", "Winter", "Other", "Spring" } },
  { "date", { "2021-04-10", "2021-03-05", "2021-04-20", "2021-02-10" }, "date" },
  { "impressions", { 1000, 500, 100, 100 } }, { "conversions", { 30, 5, 50, 9 } },
  { "spend", { 200.0, 100.0, 50.0, 20.0 } },
}
local rules = {
  { name = "Active customers", measure = "active_customers" },
  { name = "Churn", measure = "churn_rate", target = 0.05 },
  { name = "Retention", measure = "retention_rate", target = 0.85 },
  { name = "Reactivation", measure = "reactivation_rate" },
  { name = "Basket", measure = "average_basket", target = 40 },
  { name = "Revenue per customer", measure = "revenue_per_customer" },
  { name = "Frequency", measure = "purchase_frequency", period = "month" },
  { name = "Repeat (quarter)", measure = "repeat_purchase_rate", period = "quarter" },
  { name = "Basket (quarter)", measure = "average_basket", period = "quarter" },
  { name = "Churn (quarter)", measure = "churn_rate", period = "quarter" },
  { name = "New (quarter)", measure = "new_customers", period = "quarter" },
  { name = "CPA", measure = "cost_per_acquisition", cost = 300, period = "quarter", target = 200 },
  { name = "CPA from spend", measure = "cost_per_acquisition", period = "quarter" },
  { name = "Cost per new customer", measure = "cost_per_acquisition", period = "month",
    cost = { latest = 500, previous = 100 }, target = 200 },
  { name = "Response", measure = "response_rate", campaign = { "Spring", "Winter" } },
  { name = "Satisfaction", measure = "satisfaction", period = "quarter", target = 4 },
  { name = "Average CLV", measure = "average_clv", target = 25 },
  { name = "Big spenders", expression = "monetary > 50", aggregate = "share", unit = "%" },
  { name = "Big in X", expression = "monetary > 50", aggregate = "count", where = "segment == 'X'" },
  { name = "Mean monetary", expression = "monetary", unit = "currency" },
  { name = "Revenue (30 days)", measure = "revenue", period = 30 },
}
local res = sg.kpis(rules, { transactions = tx, customers = customers, campaigns = campaigns,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount", satisfaction = "rating" },
  as_of = "2021-05-01", inactive_days = 30, period_months = 1 })
local by = {}
for _, k in ipairs(res.kpis) do by[k.name] = k end
t.is(#res.kpis, #rules, "every KPI computed")
local function kv(name, value, previous, what)
  local k = by[name] or {}
  t.ok(k.value == value and k.previous == previous, name .. ": " .. what)
  if not (k.value == value and k.previous == previous) then
    t.diag(string.format("got %s and %s", tostring(k.value), tostring(k.previous)))
  end
end
kv("Active customers", 1, 1, "B active at 05-01, A at 04-01")
kv("Churn", 1.0, 1.0, "April 1/1, March 2/2")
kv("Retention", 0.0, 0.0, "nobody stayed active through April or March")
kv("Reactivation", 1 / 3, 1.0, "April 1 of 3 inactive, March 2 of 2")
kv("Basket", 9.0, 45.0, "April 9/1, March 90/2")
kv("Revenue per customer", 9.0, 45.0, "revenue over buyers")
kv("Frequency", 1 * 365.25 / 30, 1 * 365.25 / 31, "invoices per buyer, per year")
kv("Repeat (quarter)", 1 / 3, 1 / 3, "B of A, B, D; A of A, C, D")
kv("Basket (quarter)", 114 / 5, 180 / 4, "Feb-Apr 114 over 5 invoices, Nov-Jan 180 over 4")
kv("Churn (quarter)", 1.0, nil, "A, C, D all lapsed in Feb-Apr; nobody active on 2020-11-01")
kv("New (quarter)", 1, nil, "B; Nov-Jan is mostly before the data (from 12-20): not measured")
kv("CPA", 300.0, nil, "300 over 1 new customer; the quarter before is mostly before the data")
kv("CPA from spend", 370.0, nil, "Feb-Apr spend 200 + 100 + 50 + 20 over 1 new customer")
kv("Response", 0.03, 0.01, "Spring 30 of 1000 in April, Winter 5 of 500 in March")
kv("Satisfaction", 4.0, 3.0, "Feb-Apr ratings 5 and 3, Nov-Jan 4 and 2")
kv("Average CLV", 20.0, nil, "mean of clv_12m, now only")
kv("Big spenders", 2 / 3, nil, "share of the customer table")
kv("Big in X", 1, nil, "count with a filter")
kv("Mean monetary", 170 / 3, nil, "mean of an expression")
kv("Revenue (30 days)", 9.0, 30.0, "2021-04-01 to 05-01, and 03-02 to 04-01 (D's 03-01 is before)")
t.is(by["Churn"].status, "missed", "churn above its target: missed")
t.is(by["Churn"].trend, "same", "churn unchanged")
t.is(by["Basket"].status, "missed", "basket below its target")
t.is(by["Basket"].trend, "worse", "basket fell: worse")
t.is(by["Basket"].change, -36.0, "change is latest minus previous")
t.is(by["Basket"].change_share, -0.8, "relative change")
t.is(by["CPA"].status, "missed", "a cost above its target (lower is better)")
t.is(by["CPA"].trend, nil, "no trend without a measured previous period")
t.is(by["Cost per new customer"].value, nil, "no new customer in the last month: no cost per new customer")
t.is(by["Satisfaction"].status, "met", "satisfaction 4 meets 4")
t.is(by["Satisfaction"].trend, "better", "satisfaction rose")
t.is(by["Average CLV"].status, "missed", "average CLV below 25")
t.is(by["Reactivation"].status, "no target", "no target given")
t.is(by["Basket"].period_start, "2021-04-01", "latest period start")
t.is(by["Basket"].previous_start, "2021-03-01", "previous period start")
t.is(by["Basket (quarter)"].period_start, "2021-02-01", "a quarter back")
t.is(by["Frequency"].unit, "per year", "default unit of the measure")
t.is(by["Churn"].direction, "lower", "default direction of churn")
local ds = sg.kpi_dataset(res)
t.is(#ds, #rules, "one row per KPI in the dataset")
t.same(ds:columns(), { "kpi", "measure", "unit", "period", "period_start", "period_end", "value", "previous_start",
  "previous_end", "previous", "change", "change_share", "target", "direction", "status", "trend" }, "kpis.csv columns")

-- absent inputs: KPIs are skipped with a reason, not invented
local res2 = sg.kpis(rules, { transactions = tx, columns = cols, as_of = "2021-05-01", inactive_days = 30 })
local skipped = {}
for _, k in ipairs(res2.skipped) do skipped[k.name] = k.reason end
t.is(skipped["Satisfaction"], "no satisfaction column mapped", "satisfaction absent without a mapped column")
t.is(skipped["Response"], "no campaign results", "response rate needs campaign results")
t.is(skipped["CPA from spend"], "no acquisition cost (give 'cost' or campaign results with spend)", "CPA needs a cost")
t.is(skipped["Average CLV"], "no customer table", "CLV needs the customer table")
t.ok(by["CPA"] ~= nil and skipped["CPA"] == nil, "CPA with a cost in the rule is computed")

-- a month clamped to the end of the month: as_of 2021-03-31, one month back is 2021-02-28
local r3 = sg.kpis({ { name = "Rev", measure = "revenue" } }, { transactions = tx, columns = cols,
  as_of = "2021-03-31", inactive_days = 30 })
t.is(r3.kpis[1].period_start, "2021-02-28", "month arithmetic clamps the day")
t.is(r3.kpis[1].value, 90.0, "D's 03-01 and A's 03-15 purchases")

-- ---- the basket comparison ----
-- 10 invoices of 100 in the previous 90 days, then 10 of 75 (-25%) or 90 (-10%)
local function basket_data(latest_value)
  local c, d, inv, amt = {}, {}, {}, {}
  for i = 1, 10 do
    c[#c + 1], d[#d + 1], inv[#inv + 1], amt[#amt + 1] = "c" .. i, string.format("2021-02-%02d 10:00:00", i), "p" .. i, 60.0
    c[#c + 1], d[#d + 1], inv[#inv + 1], amt[#amt + 1] = "c" .. i, string.format("2021-02-%02d 10:00:00", i), "p" .. i, 40.0
    c[#c + 1], d[#d + 1], inv[#inv + 1], amt[#amt + 1] = "c" .. i, string.format("2021-05-%02d 10:00:00", i), "l" .. i, latest_value
  end
  return sg.dataset { { "cust", c }, { "day", d, "datetime" }, { "inv", inv }, { "amount", amt } }
end
local drop25 = sg.basket_change(basket_data(75.0), { columns = cols, as_of = "2021-07-01", period_days = 90, drop = 0.20 })
t.is(drop25.previous, 100.0, "previous basket: 100 (two lines per invoice)")
t.is(drop25.current, 75.0, "latest basket: 75")
t.near(drop25.change, -0.25, 1e-12, "a 25% drop")
t.is(drop25.alert, true, "fires on a 25% drop")
local drop10 = sg.basket_change(basket_data(90.0), { columns = cols, as_of = "2021-07-01", period_days = 90, drop = 0.20 })
t.near(drop10.change, -0.10, 1e-12, "a 10% drop")
t.is(drop10.alert, false, "does not fire on a 10% drop")
local drop20 = sg.basket_change(basket_data(80.0), { columns = cols, as_of = "2021-07-01", period_days = 90 })
t.is(drop20.alert, false, "exactly 20% is not more than 20%")
t.is(drop25.period_start, "2021-04-02", "latest period: the 90 days before as_of")

-- ---- alerts ----
local al = sg.alerts({ inactive_days = 30, monthly_churn = 0.5, period_days = 90, basket_drop = 0.2 },
  { transactions = tx, customers = sg.dataset { { "customer", { "A", "B" } }, { "recency_days", { 47, 21 } } },
    columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }, as_of = "2021-05-01" })
t.is(al.churn.from .. " " .. al.churn.to, "2021-04-01 2021-05-01", "churn alert over the month before as_of")
t.is(al.churn.rate, 1.0, "its rate")
t.is(al.churn.alert, true, "above the threshold")
local kc = sg.kpis({ { name = "Churn", measure = "churn_rate", period = "month" } }, { transactions = tx,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }, as_of = "2021-05-01",
  inactive_days = 30 })
t.is(kc.kpis[1].value, al.churn.rate, "the monthly churn KPI and the alert give one rate")
local al3 = sg.alerts({ inactive_days = 30, monthly_churn = 0.5 }, { transactions = tx,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }, as_of = "2021-05-16" })
local kc3 = sg.kpis({ { name = "Churn", measure = "churn_rate", period = "month" } }, { transactions = tx,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }, as_of = "2021-05-16",
  inactive_days = 30 })
t.is(al3.churn.from .. " " .. al3.churn.to, kc3.kpis[1].period_start .. " " .. kc3.kpis[1].period_end,
  "mid-month: the alert's window is the KPI's")
t.is(al3.churn.rate, kc3.kpis[1].value, "mid-month: one rate")
-- n customers buying 10.0 every 10 days from 2021-01-01 until last(c) (a date)
local function every_ten_days(n, last)
  local cu, dy, iv, am = {}, {}, {}, {}
  for c = 1, n do
    local stop, d, k = sg.time(last(c)), sg.time("2021-01-01"), 0
    while d <= stop do
      k = k + 1
      cu[#cu + 1], dy[#dy + 1] = string.format("c%02d", c), sg.format_time(d, true) .. " 00:00:00"
      iv[#iv + 1], am[#am + 1] = string.format("c%02d-%d", c, k), 10.0
      d = d + 10 * 86400
    end
  end
  return sg.dataset { { "cust", cu }, { "day", dy, "datetime" }, { "inv", iv }, { "amount", am } }
end
-- the usual level: 20 customers buy every 10 days from 2021-01-01; ten stop after 2021-06-15,
-- so the month before 2021-08-01 loses half of its active customers where the months
-- from February to June (those with active customers) lost none
do
  local rtx = every_ten_days(20, function(c) return c <= 10 and "2021-06-15" or "2021-07-31" end)
  local function churn(rules) return sg.alerts(rules, { transactions = rtx, columns = cols, as_of = "2021-08-01" }).churn end
  local r = churn({ inactive_days = 30, monthly_churn = 0.9, monthly_churn_rise = 0.2 })
  t.same({ r.rate, r.average, r.average_months, r.rise }, { 0.5, 0.0, 5, 0.5 },
    "churn 50% against an average of 0% over the 5 months before that had active customers")
  t.same({ r.alert, r.rise_alert }, { false, true }, "below the level of the rules, but 50 points above its usual level")
  t.is(churn({ inactive_days = 30, monthly_churn = 0.9, monthly_churn_rise = 0.6 }).rise_alert, false,
    "a rise of 50 points is below a threshold of 60")
  t.is(churn({ inactive_days = 30, monthly_churn = 0.9 }).rise_alert, false, "monthly_churn_rise 0 (the default): no such alert")
  local early = sg.alerts({ inactive_days = 30, monthly_churn_rise = 0.2 },
    { transactions = rtx, columns = cols, as_of = "2021-04-01" }).churn
  t.same({ early.average, early.rise_alert }, { nil, nil }, "two earlier months with active customers: no usual level to compare with")
end
-- falling churn: 10 of 51 active customers stop after 2021-06-15 and one after 2021-07-20, the
-- other 40 buy every 10 days all year; with 30 days of inactivity the month before 2021-09-01
-- loses 1 of its 41 active customers (2.4%), under its usual level (3.3%: July lost 10 of 51)
do
  local ftx = every_ten_days(51, function(c)
    return c <= 10 and "2021-06-15" or c == 11 and "2021-07-20" or "2021-12-31"
  end)
  local r = sg.alerts({ inactive_days = 30, monthly_churn = 0.01 },
    { transactions = ftx, columns = cols, as_of = "2021-09-01" }).churn
  t.is(r.rate, 1 / 41, "falling churn: 1 of the 41 active customers lapsed")
  t.ok(math.abs(r.average - (10 / 51) / 6) < 1e-12 and r.average_months == 6,
    string.format("its usual level: July's 10 of 51 over the 6 months with active customers (%.4f)", r.average))
  t.same({ r.alert, r.improving }, { false, true }, "above the rules' 1%, but falling: no alert, marked improving")
  local flat = sg.alerts({ inactive_days = 30, monthly_churn = 0.01 },
    { transactions = ftx, columns = cols, as_of = "2021-08-01" }).churn
  t.same({ flat.rate > flat.average, flat.alert, flat.improving }, { true, true, nil },
    "the month of the 10 stops, above its usual level: the alert fires")
end
t.is(al.inactive.count, 1, "inactive: recency above inactive_days")
t.is(al.satisfaction, nil, "no satisfaction alert without a satisfaction column")
local al2 = sg.alerts({ inactive_days = 30, min_satisfaction = 4 }, { transactions = tx,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount", satisfaction = "rating" },
  as_of = "2021-03-01" })
t.is(al2.satisfaction.current, 3.5, "satisfaction over the 90 days before as_of: 4, 5, 3, 2")
t.is(al2.satisfaction.alert, true, "below 4 out of 5: alert")

-- ---- the linter ----
local text = [[
-- KPIs of a typical shop
return {
  { name = "Retention", measure = "retention_rate", unit = "percent" },
  { name = "Retention 2", measure = "retention_rate", target = 85 },
  { name = "Churn", measure = "churn_rat", period = "fortnight" },
  { name = "Basket", measure = "average_basket", trget = 3500, direction = "up" },
  { name = "Basket", measure = "average_basket" },
  { name = "CPA", measure = "average_basket", cost = 10 },
  { name = "Nothing" },
  { name = "Both", measure = "revenue", expression = "monetary" },
  { name = "Agg", expression = "monetary", aggregate = "avg" },
}
]]
local tbl = load(text, "=kpis", "t", {})()
sg._register_rule_source(tbl, "rules/kpis.lua", text)
local errors = sg.lint_rule_file("rules.kpis", tbl)
local all = table.concat(errors, "\n")
t.like(all, "rules/kpis%.lua:3: KPI 'Retention', unknown unit 'percent' %(did you mean '%%'%?%)", "unit with a hint and its line")
t.like(all, "rules/kpis%.lua:4: KPI 'Retention 2', a percentage target is a share from 0 to 1 %(0%.85 for 85%%%), got 85",
  "percent targets as shares")
t.like(all, "rules/kpis%.lua:5: KPI 'Churn', unknown measure 'churn_rat' %(did you mean 'churn_rate'%?%)", "measure typo")
t.like(all, "rules/kpis%.lua:5: KPI 'Churn', 'fortnight' is not a period", "bad period")
t.like(all, "rules/kpis%.lua:6: KPI 'Basket', unknown field 'trget' %(did you mean 'target'%?%)", "field typo")
t.like(all, "rules/kpis%.lua:6: KPI 'Basket', direction must be \"higher\" or \"lower\"", "bad direction")
t.like(all, "KPI 'Basket' appears twice", "duplicate names")
t.like(all, "rules/kpis%.lua:8: KPI 'CPA', 'cost' goes with measure \"cost_per_acquisition\"", "a field of another measure")
t.like(all, "KPI 'Nothing', needs a 'measure'", "neither measure nor expression")
-- the shipped rules/kpis.lua names its KPIs by id (en/kpis.lua and fr/kpis.lua word them): linted
-- on its own, beside a recipe that does not use it, it is clean
local shipped_text = assert(io.open(params.root .. "/recipes/rules/kpis.lua")):read("a")
local shipped = load(shipped_text, "=kpis", "t", {})()
sg._register_rule_source(shipped, "rules/kpis.lua", shipped_text)
local serr = sg.lint_rule_file("rules.kpis", shipped)
t.is(#serr, 0, "the shipped KPI rules, named by id, lint without errors (" .. table.concat(serr, "; ") .. ")")
local by_id_text = "return {\n  { id = \"churn\", measure = \"churn_rat\" },\n}\n"
local by_id = load(by_id_text, "=kpis", "t", {})()
sg._register_rule_source(by_id, "rules/kpis.lua", by_id_text)
t.like(table.concat(sg.lint_rule_file("rules.kpis", by_id), "\n"),
  "rules/kpis%.lua:2: KPI 'churn', unknown measure 'churn_rat'", "a KPI named by id: its id and line in the message")
t.like(all, "KPI 'Both', give either 'measure' or 'expression', not both", "both")
t.like(all, "KPI 'Agg', unknown aggregate 'avg'", "bad aggregate")
t.is(#errors, 11, "eleven errors, no more")
if #errors ~= 11 then t.diag(all) end
t.raises(function() sg.kpi_rules(tbl) end, "unknown unit 'percent'", "kpi_rules raises with the messages")
local ok_set = sg.kpi_rules({ { "Active", measure = "active_customers" }, { name = "CLV", measure = "average_clv", period = "year" } })
t.same(ok_set:names(), { "Active", "CLV" }, "a name in first position works too")
t.like(ok_set.warnings[1] or "", "KPI 'CLV': 'period' has no effect", "a period on a snapshot measure is warned about")
t.raises(function() sg.kpi_rules({}) end, "a KPI file must be a non%-empty list of KPIs", "an empty file")

-- ---- the series_list option: every series of the KPIs and alerts comes from it, in one call ----
-- (steps kpis and alerts pass one that computes them on the MPI ranks
-- owning the customers in one command; outside mpirun
-- segmint.mpi_activity_series_list declines)
local calls, windows = 0, 0
local function counted(x, list) calls, windows = calls + 1, windows + #list; return sg.activity_series_list(x, list) end
local kopts = { transactions = tx, customers = customers, campaigns = campaigns,
  columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount", satisfaction = "rating" },
  inactive_days = 30, period_months = 1 }
local plain = sg.kpis(rules, kopts)
kopts.series_list = counted
local via = sg.kpis(rules, kopts)
t.is(calls, 2, string.format("sg.kpis asks the series_list option twice without as_of: the default as_of's "
  .. "one-day series, then every period's in one call (%d windows in all)", windows))
local same = #via.kpis == #plain.kpis
for i, k in ipairs(plain.kpis) do same = same and via.kpis[i].value == k.value and via.kpis[i].previous == k.previous end
t.ok(same, "... and gives the same figures")
calls, windows = 0, 0
kopts.as_of = "2021-05-01"
sg.kpis(rules, kopts)
t.ok(calls == 1 and windows >= 2, string.format("... with as_of, once (%d call, %d windows: the KPIs' periods, "
  .. "the first date with them)", calls, windows))
calls, windows = 0, 0
local aopts = { transactions = tx, columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" },
  as_of = "2021-05-01", series_list = counted }
local al2 = sg.alerts({ inactive_days = 30, monthly_churn = 0.5, period_days = 90, basket_drop = 0.2 }, aopts)
t.ok(calls == 1 and windows == 4, string.format("sg.alerts asks it once for its four windows (months, churn month, "
  .. "the months before, basket): %d call, %d windows", calls, windows))
t.is(al2.churn.rate, 1.0, "... with the same churn rate")
aopts.as_of, calls, windows = nil, 0, 0
local al3 = sg.alerts({ inactive_days = 30, monthly_churn = 0.5, period_days = 90, basket_drop = 0.2 }, aopts)
local al4 = sg.alerts({ inactive_days = 30, monthly_churn = 0.5, period_days = 90, basket_drop = 0.2 },
  { transactions = tx, columns = aopts.columns })
t.ok(calls == 2 and windows == 4 and al3.churn.rate == al4.churn.rate and al3.basket.current == al4.basket.current
  and al3.churn.to == "2021-04-11", string.format("... without as_of, the monthly series first (it gives as_of), "
  .. "then the other three: %d calls, %d windows, churn month to %s", calls, windows, tostring(al3.churn.to)))

-- segmint.activity_series_list: each window's series and info are those of
-- segmint.activity_series, from one walk
local list = {
  { customer = "cust", date = "day", invoice = "inv", amount = "amount", satisfaction = "rating", inactive_days = 30,
    as_of = "2021-05-01" },
  { customer = "cust", date = "day", inactive_days = 0, bounds = { "2021-01-15", "2021-02-01", "2021-03-01 12:00:00" } },
  { customer = "cust", date = "day", amount = "amount", inactive_days = 30 },
  { customer = "cust", date = "day", invoice = "inv", inactive_days = 10, as_of = "2021-02-11",
    bounds = { "2020-12-01", "2021-01-01", "2021-02-11" } },
  { customer = "cust", date = "day", as_of = "2020-12-25" },   -- less than one whole month: empty
}
local res, batch = sg.activity_series_list(tx, list)
local all_same = #res == #list
for i, o in ipairs(list) do
  local ds, inf = sg.activity_series(tx, o)
  local got, ginf = res[i][1], res[i][2]
  local ok = #got == #ds and table.concat(got:columns(), ",") == table.concat(ds:columns(), ",")
  for r = 1, #ds do
    for _, c in ipairs(ds:columns()) do ok = ok and got:get(r, c) == ds:get(r, c) end
  end
  for k, v in pairs(inf) do ok = ok and ginf[k] == v end
  for k in pairs(ginf) do ok = ok and inf[k] ~= nil end
  if not ok then t.diag("window " .. i .. " differs") end
  all_same = all_same and ok
end
t.ok(all_same, "segmint.activity_series_list: every window's series and info are segmint.activity_series' "
  .. "(months up to as_of, given bounds, the default as_of, both, an empty series)")
t.ok(batch.windows == 5 and batch.first == "2020-12-20", "... and the batch's earliest date (" .. tostring(batch.first) .. ")")
t.raises(function() sg.activity_series_list(tx, { list[1], { customer = "inv", date = "day" } }) end,
  "share the customer and date columns", "... windows over other customer columns are refused")
t.raises(function() sg.activity_series_list(tx, {}) end, "empty", "... an empty list is refused")
local none, why = sg.mpi_activity_series_list(tx, 1, { { customer = "cust", date = "day" } })
t.ok(none == nil and why == "one rank",
  "segmint.mpi_activity_series_list outside mpirun: nil, 'one rank' (" .. tostring(why) .. ")")
t.raises(function() sg.mpi_activity_series_list(tx, 1, { { customer = "cust", date = "inv" } }) end,
  "option 'date' must name a datetime column", "... a bad option raises the message of segmint.activity_series")

t.done()
