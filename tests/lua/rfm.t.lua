-- segmint.rfm and segmint.rfm_csv from Lua: hand-computed fields and
-- scores, explicit thresholds, options checked, streaming equal to the
-- in-memory path, and the Online Retail figures.
local sg = require "segmint"
local t = require("tap")(print)

local tx = sg.dataset {
  { "cust", { "a", "a", "a", "b", "b", "c" } },
  { "inv",  { "1", "1", "2", "3", "4", "5" } },
  { "day",  { "2011-01-01 10:00:00", "2011-01-01 10:00:00", "2011-01-20 09:00:00",
              "2011-01-10 12:00:00", "2011-01-30 18:00:00", "2011-01-31 08:00:00" }, "datetime" },
  { "amt",  { 10.0, 5.0, 20.0, 7.5, 2.5, 100.0 } },
}
local rfm, info = sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amt",
  as_of = "2011-02-01", bins = 2, unit = "weeks" })
t.is(info.as_of, "2011-02-01", "as_of reported")
t.same(rfm:column("customer"), { "a", "b", "c", n = 3 }, "one row per customer, sorted, named customer")
t.same(rfm:column("recency_days"), { 11, 1, 0, n = 3 }, "recency in whole days")
t.same(rfm:column("frequency"), { 2, 2, 1, n = 3 }, "frequency = distinct invoices")
t.same(rfm:column("monetary"), { 35.0, 10.0, 100.0, n = 3 }, "monetary")
t.same(rfm:column("avg_basket"), { 17.5, 5.0, 100.0, n = 3 }, "average basket")
t.same(rfm:column("tenure_days"), { 30, 21, 0, n = 3 }, "tenure in days")
t.same(rfm:column("btyd_frequency"), { 1, 1, 0, n = 3 }, "repeat purchase weeks")
t.near(rfm:get(1, "btyd_recency"), (19 * 86400 - 3600) / (7 * 86400), 1e-12, "t_x in weeks")
t.near(rfm:get(3, "btyd_T"), (16 * 3600) / (7 * 86400), 1e-12, "T in weeks")
-- bins = 2: edges are the medians; ties share a score; recency reversed
t.same(info.edges.recency, { 1.0 }, "recency edge")
t.same(rfm:column("r_score"), { 1, 2, 2, n = 3 }, "recency scores (recent = high)")
t.same(rfm:column("f_score"), { 1, 1, 1, n = 3 }, "equal frequencies share a score")
t.same(info.edges.monetary, { 35.0 }, "monetary edge")
t.same(rfm:column("m_score"), { 1, 1, 2, n = 3 }, "a value equal to an edge is not above it")
t.same(rfm:column("rfm_score"), { 111, 211, 212, n = 3 }, "rfm_score")

local given = sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amt", as_of = "2011-02-01",
  bins = 3, thresholds = { recency = { 0.5, 5 }, frequency = { 1, 1.5 }, monetary = { 20, 50 } } })
t.same(given:column("r_score"), { 1, 2, 3, n = 3 }, "explicit recency thresholds")
t.same(given:column("m_score"), { 2, 1, 3, n = 3 }, "explicit monetary thresholds")
t.raises(function() sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amt", bins = 3,
  thresholds = { recency = { 1 } } }) end, "thresholds.recency must hold 2 ascending values", "threshold count checked")
t.raises(function() sg.rfm(tx, { customer = "cust", date = "day", amount = "amt" }) end,
  "option 'invoice' is required", "invoice needed for invoice frequency")
t.raises(function() sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amt", as_of = "Feb 1" }) end,
  "option 'as_of' must be a date", "bad as_of")
t.raises(function() sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amt", bins = 11 }) end,
  "'bins' must be between 2 and 10", "bins range")
local days = sg.rfm(tx, { customer = "cust", date = "day", amount = "amt", frequency = "days", as_of = "2011-02-01" })
t.same(days:column("frequency"), { 2, 2, 1, n = 3 }, "frequency in distinct days")

-- streaming equals in-memory on a written file
local path = out .. "/tx.csv"
tx:derive("qty", "1"):write_csv(path)
local streamed = assert(sg.rfm_csv(path, { customer = "cust", date = "day", invoice = "inv", amount = "amt",
  as_of = "2011-02-01", bins = 2, unit = "weeks" }))
for _, col in ipairs(rfm:columns()) do
  t.same(streamed:column(col), rfm:column(col), "streaming " .. col .. " equals in-memory")
end
local none, msg = sg.rfm_csv(out .. "/nope.csv", { customer = "cust", date = "day", invoice = "inv", amount = "amt" })
t.ok(none == nil and msg:find("nope.csv", 1, true) ~= nil, "rfm_csv on a missing file: nil, message")

-- Online Retail
local file = params.shared .. "/online_retail/online_retail.csv"
local f = io.open(file, "r")
if not f then
  t.diag("shared data absent: Online Retail checks skipped")
else
  f:close()
  local or_tx = assert(sg.read_csv(file, { types = { CustomerID = "string", InvoiceNo = "string", StockCode = "string" } }))
  local clean = sg.clean(or_tx, { customer = "CustomerID", invoice = "InvoiceNo", quantity = "Quantity", price = "UnitPrice" })
  local r = sg.rfm(clean, { customer = "CustomerID", date = "InvoiceDate", invoice = "InvoiceNo", amount = "amount",
    as_of = "2011-12-10" })
  t.is(#r, 4338, "Online Retail: 4,338 customers")
  t.is(r:stats("frequency").sum, 18532, "Online Retail: 18,532 invoices")
  t.is(string.format("%.2f", r:stats("monetary").sum), "8911407.90", "Online Retail: monetary sums to the revenue")
  local c12347 = r:filter("customer == '12347.0'"):row(1)
  t.same({ c12347.recency_days, c12347.frequency, string.format("%.2f", c12347.monetary) }, { 2, 7, "4310.00" },
    "Online Retail: customer 12347 (last purchase 2011-12-07 15:52, 7 invoices, 4,310.00)")
  local s = assert(sg.rfm_csv(file, { customer = "CustomerID", date = "InvoiceDate", invoice = "InvoiceNo",
    quantity = "Quantity", price = "UnitPrice", cancel_prefix = "C", positive_only = true, as_of = "2011-12-10" }))
  t.same(s:column("frequency"), r:column("frequency"), "Online Retail: streaming frequencies equal in-memory")
  t.same(s:column("r_score"), r:column("r_score"), "Online Retail: streaming scores equal in-memory")
end
t.done()
