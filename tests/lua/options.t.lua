-- Options of read_csv, read_sql, cross_sell and the cleaning methods: each
-- refusal with its message, and what the accepted options do.
local sg = require "segmint"
local t = require("tap")(print)
local csv = params.fixtures .. "/csv/"

-- an exact message: the text, not a pattern
local function plain(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end
local function refuses(fn, msg, name) return t.raises(fn, plain(msg), name) end
local function read(opts) return function() return sg.read_csv(csv .. "skip.csv", opts) end end

-- read_csv: each option's refusal
refuses(read { delim = ";;" }, "read_csv option 'delim' must be one character", "delim: two characters")
refuses(read { encoding = "utf-16" }, "read_csv option 'encoding' must be \"utf-8\" or \"latin1\", got 'utf-16'", "encoding")
refuses(read { on_error = "ignore" }, "read_csv option 'on_error' must be \"fail\" or \"skip\", got 'ignore'", "on_error")
refuses(read { quotes = "loose" }, "read_csv option 'quotes' must be \"strict\" or \"lenient\", got 'loose'", "quotes")
refuses(read { date_order = "ymd" }, "read_csv option 'date_order' must be \"dmy\" or \"mdy\", got 'ymd'", "date_order")
refuses(read { types = "int64" }, "read_csv option 'types' must be a table", "types: not a table")
refuses(read { types = { "int64" } }, "read_csv option 'types' must map column names to type names", "types: a list")
refuses(read { types = { qty = "int128" } },
  "read_csv: column 'qty': unknown type 'int128' (int64, double, string, datetime, date, bool)", "types: unknown type")
refuses(read { formats = true }, "read_csv option 'formats' must be a table", "formats: not a table")
refuses(read { formats = { "YYYY-MM-DD" } }, "read_csv option 'formats' must map column names to date layouts",
  "formats: a list")
refuses(read { formats = { when = "YYYY/MM" } }, "read_csv: column 'when': unknown date layout 'YYYY/MM' (YYYY-MM-DD, "
  .. "DD/MM/YYYY, MM/DD/YYYY, YYYYMMDD, DD-MM-YYYY, optionally + ' HH:MM:SS')", "formats: unknown layout")
refuses(read { types = { when = "int64" }, formats = { when = "YYYY-MM-DD" } },
  "read_csv: column 'when' has a date layout but type 'int64'", "formats: a layout for a non-date type")
refuses(read { strings_on_ranks = "qty" }, "read_csv option 'strings_on_ranks' must be a list of column names",
  "strings_on_ranks: not a list")
refuses(read { strings_on_ranks = { "qty" } },
  "read_csv option 'strings_on_ranks': column 'qty' must be read as string (option 'types')",
  "strings_on_ranks: a column not read as string")
refuses(read { types = { qty = "int64" }, strings_on_ranks = { "qty" } },
  "read_csv option 'strings_on_ranks': column 'qty' must be read as string (option 'types')",
  "strings_on_ranks: a column read as int64")
do  -- one process: the option changes nothing
  local a = sg.read_csv(csv .. "skip.csv", { types = { qty = "string" }, on_error = "skip" })
  local b = sg.read_csv(csv .. "skip.csv", { types = { qty = "string" }, strings_on_ranks = { "qty" }, on_error = "skip" })
  local ca, cb = a:column("qty"), b:column("qty")
  t.ok(ca.n == cb.n and ca.n > 0 and table.concat(ca, ",") == table.concat(cb, ","),
    "strings_on_ranks: one process reads the same values (" .. ca.n .. ")")
end
refuses(read { expect = "number" }, "read_csv option 'expect' must be a table", "expect: not a table")
refuses(read { expect = { "number" } }, "read_csv option 'expect' must map column names to \"number\" or \"datetime\"",
  "expect: a list")
refuses(read { expect = { qty = "money" } }, "read_csv: expect: column 'qty': unknown kind 'money' (number, datetime)",
  "expect: unknown kind")
refuses(read { na = "NA" }, "read_csv option 'na' must be a list of strings", "na: not a table")
refuses(read { na = { "NA", 0 } }, "read_csv option 'na' must be a list of strings", "na: a number in the list")
local many = {}
for i = 1, 65 do many[i] = "NA" .. i end
refuses(read { na = many }, "read_csv: at most 64 missing markers", "na: 65 markers")
refuses(read { max_rows = -1 }, "read_csv option 'max_rows' must not be negative", "max_rows: negative")
local types, expect = {}, {}
for i = 1, 1025 do types["c" .. i] = "string"; expect["c" .. i] = "number" end
refuses(read { types = types }, "read_csv: at most 1024 type overrides", "types: 1025 overrides")
refuses(read { expect = expect }, "read_csv: at most 1024 expected columns", "expect: 1025 columns")
types["c1025"] = nil
refuses(read { types = types, formats = { when = "YYYY-MM-DD" } }, "read_csv: at most 1024 type overrides",
  "formats: a 1025th override")

-- read_csv: what the options do.  skip.csv has four bad rows among seven.
local ds, rep = sg.read_csv(csv .. "skip.csv", { on_error = "skip", types = { qty = "int64" },
  formats = { when = "YYYY-MM-DD" }, progress = false })
t.is(ds:nrows(), 3, "on_error = skip: 3 good rows of 7")
t.is(rep.rows_skipped, 4, "report: 4 rows skipped")
t.same(rep.skipped[1], { line = 3, column = 2, message = "column 'qty': 'abc' is not an int64" },
  "report: the first skipped row with its line, column and message")
t.same(rep.skipped[2], { line = 4, column = 0, message = "expected 3 fields, found 2" }, "report: a short row")
t.is(rep.skipped[3].message, "column 'when': 'notadate' is not a datetime (YYYY-MM-DD)", "report: a bad date")
t.is(rep.notes.when, "override datetime (YYYY-MM-DD)", "report: the date layout noted")
t.is(ds:types().when, "date", "formats: a datetime column without times is a date")
local l1, r1 = sg.read_csv(csv .. "latin1.csv", { encoding = "latin1", max_rows = 1, na = { "NA", "-" },
  quotes = "lenient", date_order = "mdy", delim = "," })
t.same(l1:column("name"), { "René", n = 1 }, "latin1, max_rows = 1: one row, converted to UTF-8")
t.is(r1.rows_read, 1, "max_rows: one row read")
local tab, rt = sg.read_csv(csv .. "tab.tsv", { delim = "tab" })
t.is(rt.delimiter, "\t", "delim = 'tab' is a tab")
t.is(tab:ncols(), 3, "tab-separated: 3 columns")

-- read_sql: refusals before any connection
refuses(function() sg.read_sql { query = "select 1" } end,
  "read_sql: option 'db' is required (\"sqlite:PATH\" or a PostgreSQL connection string)", "read_sql: no db")
refuses(function() sg.read_sql { db = "sqlite:x.db" } end, "read_sql: option 'query' is required", "read_sql: no query")
local function sql(opts)
  opts.db, opts.query = "sqlite:x.db", "select 1"
  return function() return sg.read_sql(opts) end
end
refuses(sql { params = 5 }, "read_sql option 'params' must be a list of values", "read_sql: params not a table")
refuses(sql { params = { n = -1 } }, "read_sql option 'params': 'n' must be a count", "read_sql: params.n negative")
refuses(sql { params = { n = 257 } }, "read_sql: at most 256 parameters", "read_sql: 257 parameters")
refuses(sql { params = { 1, true, {} } },
  "read_sql option 'params': value 3 is a table (strings, numbers, booleans or nil)", "read_sql: a table as a parameter")
refuses(sql { types = 1 }, "read_sql option 'types' must be a table", "read_sql: types not a table")
refuses(sql { types = { "int64" } }, "read_sql option 'types' must map column names to type names", "read_sql: types a list")
refuses(sql { types = { a = "money" } },
  "read_sql: column 'a': unknown type 'money' (int64, double, string, datetime, bool)", "read_sql: unknown type")
local sqltypes = {}
for i = 1, 1025 do sqltypes["c" .. i] = "string" end
refuses(sql { types = sqltypes }, "read_sql: at most 1024 type overrides", "read_sql: 1025 overrides")
refuses(sql { max_rows = 1.5 }, "read_sql option 'max_rows' must be a whole number, not negative", "read_sql: max_rows 1.5")

-- cross_sell and recommend
local basket = sg.dataset { { "inv", { "a", "a", "b", "b" } }, { "item", { "x", "y", "x", "y" } },
  { "cust", { "c1", "c1", "c2", "c2" } } }
local function cs(opts) return function() return sg.cross_sell(basket, opts) end end
refuses(cs { item = "item" }, "cross_sell: options 'invoice' and 'item' (column names) are required", "cross_sell: no invoice")
refuses(cs { invoice = "inv", item = "item", min_support = 2 }, "cross_sell: 'min_support' must be between 0 and 1",
  "cross_sell: min_support 2")
refuses(cs { invoice = "inv", item = "item", min_count = 0 },
  "cross_sell: 'min_count' must be >= 1 and 'max_items' >= 2 (or 0: no limit)", "cross_sell: min_count 0")
refuses(cs { invoice = "inv", item = "item", max_items = 1 },
  "cross_sell: 'min_count' must be >= 1 and 'max_items' >= 2 (or 0: no limit)", "cross_sell: max_items 1")
refuses(cs { invoice = "inv", item = "item", min_lift = -1 }, "cross_sell: 'min_lift' must be >= 0", "cross_sell: min_lift -1")
refuses(cs { invoice = "nope", item = "item" }, "cooc fit: no column 'nope' (invoice)", "cross_sell: a missing column")
local m = sg.cross_sell(basket, { invoice = "inv", item = "item", max_items = 0 })
t.is(tostring(m), "cross_sell model", "cross_sell: tostring")
refuses(function() m:recommend(basket, { top_n = 3 }) end, "recommend: option 'customer' (a column name) is required",
  "recommend: no customer")
refuses(function() m:recommend(basket, { customer = "cust", top_n = 0 }) end, "recommend: 'top_n' must be between 1 and 100",
  "recommend: top_n 0")
refuses(function() m:recommend(basket, { customer = "cust", only = sg.dataset { { "id", { "c1" } } } }) end,
  "recommend: the 'only' dataset has no column 'cust'", "recommend: 'only' without the customer column")
local only = m:recommend(basket, { customer = "cust", only = sg.dataset { { "cust", { "c2" } } } })
t.is(only:nrows(), 0, "recommend: c2 bought both items, nothing to recommend")
m:close()
t.is(tostring(m), "cross_sell model (closed)", "cross_sell: tostring once closed")
refuses(function() m:rules() end, "cross-sell model has been closed", "a closed model refuses rules")

-- cleaning methods
local tx = sg.dataset { { "c", { "x", "y", "x" } }, { "q", { 2, -1, 2 } }, { "p", { 2.0, 2.0, 2.0 } }, { "d", { 1, 2, 1 } } }
local function net(opts) return function() return tx:net_cancellations(opts) end end
refuses(net { customer = "c", item = "c", quantity = "q", date = "d" },
  "net_cancellations: options customer, item, quantity, date and cancel are required", "net_cancellations: no cancel")
refuses(net { customer = "c", item = "c", quantity = "q", date = "d", cancel = "q < 0" },
  "net_cancellations: option 'price' is required with match_price", "net_cancellations: no price")
refuses(net { customer = "c", item = "c", quantity = "q", price = "p", date = "d", cancel = "q + 1" },
  "net_cancellations: 'cancel' must be a condition, got 'q + 1'", "net_cancellations: cancel not a condition")
refuses(net { customer = "c", item = "c", quantity = "q", price = "p", date = "d", cancel = "q <" },
  "in expression \"q <\" at position 4: expected a value", "net_cancellations: a bad expression")
refuses(net { customer = "c", item = "c", quantity = "zz", price = "p", date = "d", cancel = "q < 0" },
  "net cancellations: no column 'zz' (quantity)", "net_cancellations: a missing column")
local netted, unmatched = tx:net_cancellations { customer = "c", item = "c", quantity = "q", date = "d",
  cancel = "q < 0", match_price = false }
t.same(netted:column("q"), { 2, 0, 2, n = 3 }, "net_cancellations: y's cancellation has no purchase, set to 0")
t.is(unmatched, 1, "net_cancellations: one unit unmatched")
local steps = {}
for i = 1, 251 do steps[i] = "q > 0" end
refuses(function() tx:clean_filter(steps) end, "clean_filter: between 0 and 250 steps expected (got 251)",
  "clean_filter: 251 steps")
refuses(function() tx:clean_filter({ "q > 0", 5 }) end, "clean_filter: step 2 must be a condition (a string)",
  "clean_filter: a number as a step")
refuses(function() tx:clean_filter({ "q >" }) end, "in expression \"q >\" at position 4", "clean_filter: a bad condition")
local dup = tx:mark_duplicates("dup")
t.same(dup:column("dup"), { false, false, true, n = 3 }, "mark_duplicates: row 3 repeats row 1")

t.done()
