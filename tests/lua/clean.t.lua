-- segmint.clean: each policy on a hand-made fixture, the report by reason
-- in rows and revenue, netting cancellations, and the Online Retail facts.
local sg = require "segmint"
local t = require("tap")(print)

local tx = sg.dataset {
  { "inv",  { "1", "1", "2", "C3", "4", "5", "5", "6", "7", "8" } },
  { "cust", { "a", "a", "b", "a", nil, "b", "b", "c", "c", "a", n = 10 } },
  { "item", { "X", "Y", "X", "X", "X", "POST", "Y", "Y", "X", "X" } },
  { "qty",  { 2, 1, 3, -2, 1, 1, 4, -1, 5, 1 } },
  { "price", { 1.5, 10.0, 1.5, 1.5, 2.0, 5.0, 10.0, 10.0, 0.0, 1.5 } },
  { "day", { "2011-01-01", "2011-01-01", "2011-01-02", "2011-01-03", "2011-01-03", "2011-01-04",
             "2011-01-04", "2011-01-05", "2011-01-06", "2011-01-01" }, "date" },
}
local opts = { customer = "cust", invoice = "inv", quantity = "qty", price = "price", date = "day", item = "item" }
local clean, rep = sg.clean(tx, opts)
t.is(#clean, 6, "standard policy keeps 6 lines")
t.same(clean:columns(), { "inv", "cust", "item", "qty", "price", "day", "amount" }, "amount column added")
t.is(rep.rows_in, 10, "rows in")
t.near(rep.revenue_in, 3 + 10 + 4.5 - 3 + 2 + 5 + 40 - 10 + 0 + 1.5, 1e-9, "revenue in")
local by = {}
for _, s in ipairs(rep.steps) do by[s.reason] = s end
t.same({ by["missing customer"].rows, by["missing customer"].revenue }, { 1, 2.0 }, "missing customer: rows and revenue")
t.same({ by["cancellations"].rows, by["cancellations"].revenue }, { 1, -3.0 }, "cancellations")
t.same({ by["returns and quantity <= 0"].rows, by["returns and quantity <= 0"].revenue }, { 1, -10.0 }, "returns")
t.same({ by["price <= 0"].rows, by["price <= 0"].revenue }, { 1, 0.0 }, "zero price")
t.is(rep.rows_out, 6, "rows out")
t.is(rep.customers_out, 2, "customers out")

local c2, rep2 = sg.clean(tx, { customer = "cust", invoice = "inv", quantity = "qty", price = "price",
  item = "item", non_product = { "POST" }, duplicates = "drop" })
t.is(#c2, 5, "non-product codes dropped")
local by2 = {}
for _, s in ipairs(rep2.steps) do by2[s.reason] = s end
t.same({ by2["non-product codes"].rows, by2["non-product codes"].revenue }, { 1, 5.0 }, "postage removed")
t.same({ by2["exact duplicates"].rows, by2["exact duplicates"].revenue }, { 0, 0.0 }, "no exact duplicate here")
local dup = sg.dataset { { "inv", { "1", "1", "2" } }, { "cust", { "a", "a", "b" } },
  { "qty", { 1, 1, 1 } }, { "price", { 2.0, 2.0, 2.0 } } }
local c3, rep3 = sg.clean(dup, { customer = "cust", quantity = "qty", price = "price", duplicates = "drop" })
t.is(#c3, 2, "an exact duplicate line is dropped")
t.is(rep3.steps[#rep3.steps].revenue, 2.0, "its revenue is reported")

-- netting: C3 cancels 2 X of customer a; the latest earlier purchases go
-- first (same day: the later row, inv 8, then inv 1)
local net = sg.clean(tx, { customer = "cust", invoice = "inv", quantity = "qty", price = "price",
  date = "day", item = "item", cancellations = "net" })
t.is(net:filter("inv == '8'"):nrows(), 0, "a purchase netted to zero disappears")
t.same(net:filter("inv == '1' and item == 'X'"):column("qty"), { 1, n = 1 }, "a partly netted purchase keeps the rest")
t.is(net:filter("starts_with(inv, 'C')"):nrows(), 0, "cancellation lines are gone")
t.raises(function() sg.clean(tx, { quantity = "qty", price = "price", cancellations = "net", invoice = "inv" }) end,
  "needs options 'customer', 'item' and 'date'", "netting needs its columns")
t.raises(function() sg.clean(tx, { quantity = "q", price = "price" }) end, "names column 'q'", "unknown column")
t.raises(function() sg.clean(tx, { quantity = "qty", price = "price", returns = "maybe" }) end,
  "option 'returns' must be \"drop\" or \"net\" or \"keep\"", "bad policy value")

-- returns = "net": a return line (negative quantity, not a cancellation
-- invoice) takes its units from the most recent earlier purchases of the
-- same customer and item, as a cancellation does; a return of a purchase
-- the data does not have matches nothing and is dropped
local function returns_fixture()
  return sg.dataset {
    { "inv",  { "1", "3", "2", "R1", "C4", "R2", "5" } },
    { "cust", { "a", "a", "a", "a", "a", "b", "b" } },
    { "item", { "X", "Y", "X", "X", "Y", "X", "X" } },
    { "qty",  { 3, 1, 2, -3, -1, -1, 2 } },
    { "price", { 2.0, 5.0, 2.0, 2.0, 5.0, 2.0, 2.0 } },
    { "day", { "2011-01-01", "2011-01-02", "2011-01-05", "2011-01-10", "2011-01-11", "2011-01-03", "2011-01-04" }, "date" },
  }
end
local ropts = { customer = "cust", invoice = "inv", quantity = "qty", price = "price", date = "day", item = "item" }
local function with(extra)
  local o = {}
  for k, v in pairs(ropts) do o[k] = v end
  for k, v in pairs(extra) do o[k] = v end
  return o
end
local rn, rrep = sg.clean(returns_fixture(), with { cancellations = "net", returns = "net" })
t.same(rn:column("inv"), { "1", "5", n = 2 }, "returns and cancellations netted: purchases 1 (part) and 5 stay")
t.same(rn:column("qty"), { 2, 2, n = 2 }, "R1 took 2 units from purchase 2 and 1 from purchase 1; R2 matched nothing")
local last
for _, s in ipairs(rrep.steps) do if s.reason:find("netted", 1, true) then last = s end end
t.same({ last.reason, last.rows, last.revenue, last.cancelled_value, last.unmatched_quantity },
  { "cancellations and returns (netted)", 5, 11.0, 13.0, 1 },
  "one netting step: 5 lines, 11.00 of purchases removed, 13.00 cancelled or returned, 1 unit unmatched")
t.is(rrep.revenue_out, 8.0, "revenue out: the purchases less what was returned or cancelled")
local rd, rdrep = sg.clean(returns_fixture(), with { cancellations = "drop", returns = "net" })
t.same(rd:column("inv"), { "1", "3", "5", n = 3 }, "cancellations dropped, returns netted")
local rby = {}
for _, s in ipairs(rdrep.steps) do rby[s.reason] = s end
t.same({ rby["cancellations"].rows, rby["cancellations"].revenue }, { 1, -5.0 }, "the cancellation line dropped")
t.same({ rby["returns (netted)"].rows, rby["returns (netted)"].revenue }, { 3, 6.0 },
  "returns netted: 3 lines (purchase 2, R1, R2), 6.00 of purchases removed")
t.is(rby["returns and quantity <= 0"], nil, "no separate returns step when they are netted")
local rdd, rddrep = sg.clean(returns_fixture(), with { cancellations = "drop" })
t.same({ #rdd, rddrep.revenue_out }, { 4, 19.0 }, "returns dropped (the default): the returned purchases stay")
t.raises(function() sg.clean(returns_fixture(), { customer = "cust", quantity = "qty", price = "price", returns = "net" }) end,
  "returns = \"net\" needs options 'customer', 'item' and 'date'", "netting returns needs its columns")


-- Online Retail: the standard policy
-- consume = true: the same clean data and report for every policy, the
-- given dataset closed afterwards with a message that says why
local function fixture()
  return sg.dataset {
    { "inv",  { "1", "1", "2", "C3", "4", "5", "5", "6", "7", "8", "8" } },
    { "cust", { "a", "a", "b", "a", nil, "b", "b", "c", "c", "a", "a", n = 11 } },
    { "item", { "X", "Y", "X", "X", "X", "POST", "Y", "Y", "X", "X", "X" } },
    { "qty",  { 2, 1, 3, -2, 1, 1, 4, -1, 5, 1, 1 } },
    { "price", { 1.5, 10.0, 1.5, 1.5, 2.0, 5.0, 10.0, 10.0, 0.0, 1.5, 1.5 } },
    { "day", { "2011-01-01", "2011-01-01", "2011-01-02", "2011-01-03", "2011-01-03", "2011-01-04",
               "2011-01-04", "2011-01-05", "2011-01-06", "2011-01-01", "2011-01-01" }, "date" },
  }
end
local function rows_of(ds)
  local out = {}
  for _, col in ipairs(ds:columns()) do
    local v = ds:column(col)
    for i = 1, v.n do v[i] = tostring(v[i]) end
    out[#out + 1] = col .. "=" .. table.concat(v, ",")
  end
  return table.concat(out, " ")
end
for _, extra in ipairs {
  {}, { duplicates = "drop" }, { cancellations = "net" }, { non_product = { "POST" }, returns = "keep" },
  { returns = "net" }, { cancellations = "net", returns = "net" },
} do
  local o = { customer = "cust", invoice = "inv", quantity = "qty", price = "price", date = "day", item = "item" }
  for k, v in pairs(extra) do o[k] = v end
  local label = next(extra) and next(extra) or "standard"
  local a, ra = sg.clean(fixture(), o)
  local given = fixture()
  o.consume = true
  local b, rb = sg.clean(given, o)
  t.is(rows_of(b), rows_of(a), "consume, " .. label .. ": the same rows")
  t.same(rb, ra, "consume, " .. label .. ": the same report")
  local ok, msg = pcall(function() return #given end)
  t.ok(not ok and tostring(msg):find("given up to segmint.clean with consume = true", 1, true),
    "consume, " .. label .. ": the given dataset is closed (" .. tostring(msg) .. ")")
end
local kept = fixture()
local _, krep = sg.clean(kept, { quantity = "qty", price = "price", consume = false })
t.ok(#kept == 11 and krep.rows_in == 11, "consume = false: the dataset stays usable")
local ok_c, msg_c = pcall(sg.clean, fixture(), { quantity = "qty", price = "price", consume = "yes" })
t.ok(not ok_c and tostring(msg_c):find("option 'consume' must be true or false", 1, true), "consume must be a boolean")

local path = params.shared .. "/online_retail/online_retail.csv"
local f = io.open(path, "r")
if not f then
  t.diag("shared data absent: Online Retail checks skipped")
else
  f:close()
  local or_tx = assert(sg.read_csv(path, { types = { CustomerID = "string", InvoiceNo = "string", StockCode = "string" } }))
  local or_clean, or_rep = sg.clean(or_tx, { customer = "CustomerID", invoice = "InvoiceNo", quantity = "Quantity",
    price = "UnitPrice", date = "InvoiceDate", item = "StockCode" })
  t.is(#or_clean, 397884, "Online Retail: 397,884 rows")
  t.is(or_rep.customers_out, 4338, "Online Retail: 4,338 customers")
  t.is(string.format("%.2f", or_rep.revenue_out), "8911407.90", "Online Retail: revenue 8,911,407.90")
  t.is(or_rep.steps[1].rows, 135080, "Online Retail: 135,080 lines without a customer")
  local given = assert(sg.read_csv(path, { types = { CustomerID = "string", InvoiceNo = "string", StockCode = "string" } }))
  local in_place, in_rep = sg.clean(given, { customer = "CustomerID", invoice = "InvoiceNo", quantity = "Quantity",
    price = "UnitPrice", date = "InvoiceDate", item = "StockCode", consume = true })
  t.ok(#in_place == 397884 and in_rep.customers_out == 4338 and in_rep.revenue_out == or_rep.revenue_out,
    "Online Retail, consume: the same 397,884 rows, customers and revenue")
  t.is(in_place:sum("amount"), or_clean:sum("amount"), "Online Retail, consume: the same amounts")
end
t.done()
