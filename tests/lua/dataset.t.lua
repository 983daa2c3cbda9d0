-- The dataset surface from Lua: construction, access, and the C-backed
-- operations (filter, derive, group-by, join, sort, stats, write/read CSV).
local sg = require "segmint"
local t = require("tap")(print)

local d = sg.dataset {
  { "customer", { "a", "b", "a", "c", "b", "a" } },
  { "invoice",  { "i1", "i2", "i3", "i4", "i5", "i3" } },
  { "qty",      { 2, 1, 5, -1, 3, 1 } },
  { "price",    { 1.5, 10.0, 2.0, 4.0, 1.0, 8.0 } },
  { "day",      { "2011-01-05", "2011-01-07", "2011-02-01", "2011-02-03", "2011-03-10", "2011-02-01" }, "date" },
}
t.is(tostring(d), "dataset(6 rows x 5 columns)", "tostring")
t.is(#d, 6, "# gives rows")
t.same(d:columns(), { "customer", "invoice", "qty", "price", "day" }, "column names in order")
t.same(d:types(), { customer = "string", invoice = "string", qty = "int64", price = "double", day = "date" }, "types")
t.is(d:get(3, "qty"), 5, "get")
t.same(d:row(2), { customer = "b", invoice = "i2", qty = 1, price = 10.0, day = "2011-01-07" }, "row")
t.raises(function() d:get(7, "qty") end, "row 7 out of range", "row out of range")
t.raises(function() d:column("nope") end, "no column 'nope'", "unknown column")

-- derive and filter in C
local a = d:derive("amount", "qty * price")
t.same(a:column("amount"), { 3.0, 10.0, 10.0, -4.0, 3.0, 8.0, n = 6 }, "derived amount")
local sales = a:filter("qty > 0")
t.is(#sales, 5, "filter keeps qty > 0")
t.is(#d, 6, "the source dataset is unchanged")
t.is(d:filter("customer == 'a' and price >= 2"):nrows(), 2, "filter with and")
t.is(d:filter("customer in ('b', 'c')"):nrows(), 3, "filter with in")
t.is(d:filter("day >= date('2011-02-01')"):nrows(), 4, "filter on dates")
t.is(d:filter(function(row) return row.customer == "a" end):nrows(), 3, "filter with a Lua function")
local banded = d:derive("band", function(row) return row.qty > 2 and "big" or "small" end)
t.same(banded:column("band"), { "small", "small", "big", "small", "big", "small", n = 6 }, "derive with a Lua function")

-- group-by
local g = sales:group_by("customer", {
  { "spend", "sum", "amount" },
  { "orders", "count_distinct", "invoice" },
  { "last", "max", "day" },
  { "lines", "count" },
  { "median_qty", "quantile", "qty", 0.5 },
})
t.same(g:columns(), { "customer", "spend", "orders", "last", "lines", "median_qty" }, "group_by columns")
t.same(g:column("customer"), { "a", "b", n = 2 }, "group keys sorted")
t.same(g:column("spend"), { 21.0, 13.0, n = 2 }, "sum per group")
t.same(g:column("orders"), { 2, 2, n = 2 }, "count_distinct per group")
t.same(g:column("last"), { "2011-02-01", "2011-03-10", n = 2 }, "max date per group")
t.same(g:column("lines"), { 3, 2, n = 2 }, "count per group")
t.same(g:column("median_qty"), { 2.0, 2.0, n = 2 }, "median per group")
local byname = sales:group_by("customer", { n = "count", total = { "sum", "qty" } })
t.same(byname:columns(), { "customer", "n", "total" }, "map-style aggregates come in name order")
t.raises(function() sales:group_by("customer", { x = { "median", "qty" } }) end,
  "unknown function 'median'", "unknown aggregate named")

-- join
local people = sg.dataset { { "customer", { "a", "b", "z" } }, { "country", { "UK", "FR", "DE" } } }
local j = d:join(people, { on = "customer", how = "left" })
t.same(j:column("country"), { "UK", "FR", "UK", nil, "FR", "UK", n = 6 }, "left join fills missing")
t.is(#d:join(people, { on = "customer" }), 5, "inner join drops unmatched")

-- sort
local s = d:sort { "customer", "-qty" }
t.same(s:column("qty"), { 5, 2, 1, 3, 1, -1, n = 6 }, "sort by customer then qty descending")

-- stats and quantiles
local st = d:stats("qty")
t.is(st.count, 6, "stats count")
t.near(st.mean, 11 / 6, 1e-12, "stats mean")
t.is(st.min, -1, "stats min")
t.is(st.max, 5, "stats max")
t.near(d:quantile("price", 0.5), 3.0, 1e-12, "median price")
t.same(d:quantile("qty", { 0, 1 }), { -1, 5 }, "quantile list")
t.is(d:stats("day").max, "2011-03-10", "date stats come back as dates")
t.is(d:count_distinct("customer"), 3, "count_distinct")

-- describe
local desc = d:describe()
t.is(#desc, 5, "describe has one row per column")

-- write and read back
local path = out .. "/roundtrip.csv"
a:write_csv(path)
local back, rep = sg.read_csv(path)
t.ok(back ~= nil, "read back the written file")
t.is(rep.rows_read, 6, "report counts rows")
t.same(back:types(), { customer = "string", invoice = "string", qty = "int64", price = "double", day = "date", amount = "double" },
  "types survive the round trip")
t.same(back:column("amount"), a:column("amount"), "values survive the round trip")

-- a list of files with the same header: their rows in list order, as the
-- concatenation without the repeated header
local part1, part2 = out .. "/part1.csv", out .. "/part2.csv"
a:filter("customer == 'a'"):write_csv(part1)
a:filter("customer != 'a'"):write_csv(part2)
local both, brep = sg.read_csv({ part1, part2 })
t.ok(both ~= nil, "read a list of two files")
t.is(brep.rows_read, 6, "... its report counts the rows of both")
t.same(both:column("customer"), { "a", "a", "a", "b", "c", "b", n = 6 }, "... the rows in list order")
t.same(both:types(), back:types(), "... typed as the one file")
local none, why = sg.read_csv({ part1, out .. "/nope.csv" })
t.ok(none == nil and why:find("cannot open '" .. out .. "/nope.csv' (file 2 of the list)", 1, true),
  "a missing file of the list is named: " .. tostring(why))
t.raises(function() sg.read_csv({ part1, 3 }) end, "the list of files must hold paths", "a list item that is not a path")

-- value_counts (Lua on top of group_by and sort)
local vc = d:value_counts("customer")
t.same(vc:column("customer"), { "a", "b", "c", n = 3 }, "value_counts order")
t.same(vc:column("count"), { 3, 2, 1, n = 3 }, "value_counts counts")

-- missing values from Lua
local m = sg.dataset { { "x", { 1, nil, 3, n = 3 } } }
t.is(m:stats("x").missing, 1, "nil becomes missing")
t.is(m:filter("is_missing(x)"):nrows(), 1, "is_missing in expressions")

-- big gathers run on two threads; columns sharing one dictionary stay intact
local names, nums = {}, {}
for i = 1, 200000 do names[i] = "n" .. (i % 97); nums[i] = (i * 7919) % 200000 end
local big = sg.dataset { { "a", names }, { "x", nums } }:derive("b", "a"):derive("c", "a"):derive("d", "lower(a)")
for _ = 1, 3 do big = big:sort("-x") end
t.is(big:get(1, "x"), 199999, "sorted three times")
t.is(big:filter("a != b or a != c or a != d"):nrows(), 0, "shared-dictionary columns agree after threaded gathers")

t.is(sg.format_number(1234567.891, 2), "1,234,567.89", "format_number")
t.is(sg.format_number(-1234.5, 1, " ", ","), "-1 234,5", "format_number French style")
t.done()
