-- Real data: the UCI Online Retail file, checked against the facts in
-- ../shared/data/README.md.  Skipped when the shared data is absent.
local sg = require "segmint"
local t = require("tap")(print)

local path = params.shared .. "/online_retail/online_retail.csv"
local probe = io.open(path, "r")
if not probe then
  t.skip_all("shared data not present: " .. path)
  return
end
probe:close()

local tx, rep = sg.read_csv(path, { types = { CustomerID = "string", InvoiceNo = "string", StockCode = "string" } })
t.ok(tx ~= nil, "Online Retail loads")
t.is(#tx, 541909, "541,909 records")
t.is(rep.rows_skipped, 0, "no row rejected")
t.same(tx:types(), {
  InvoiceNo = "string", StockCode = "string", Description = "string", Quantity = "int64",
  InvoiceDate = "datetime", UnitPrice = "double", CustomerID = "string", Country = "string",
}, "column types")
t.is(tx:count_distinct("CustomerID"), 4372, "4,372 distinct customers")
t.is(tx:count_distinct("InvoiceNo"), 25900, "25,900 invoices")
t.is(tx:count_distinct("Country"), 38, "38 countries")
t.is(tx:filter("is_missing(CustomerID)"):nrows(), 135080, "135,080 rows without a customer")
t.is(tx:filter("starts_with(InvoiceNo, 'C')"):nrows(), 9288, "9,288 cancellation rows")
local kept = tx:filter("not is_missing(CustomerID) and not starts_with(InvoiceNo, 'C') and Quantity > 0 and UnitPrice > 0")
  :derive("Amount", "Quantity * UnitPrice")
t.is(#kept, 397884, "397,884 rows kept by the standard policy")
t.is(kept:count_distinct("CustomerID"), 4338, "4,338 customers kept")
t.is(string.format("%.2f", kept:stats("Amount").sum), "8911407.90", "revenue 8,911,407.90")
local per = kept:group_by("CustomerID", {
  { "spend", "sum", "Amount" }, { "orders", "count_distinct", "InvoiceNo" }, { "last", "max", "InvoiceDate" },
})
t.is(#per, 4338, "one row per customer")
t.is(per:stats("orders").sum, 18532, "18,532 invoices among kept rows")
t.is(tx:stats("InvoiceDate").min, "2010-12-01 08:26:00", "first invoice date")
t.is(tx:stats("InvoiceDate").max, "2011-12-09 12:50:00", "last invoice date")
t.done()
