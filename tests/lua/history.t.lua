-- The run history across three runs with changed data: RFM and segments on
-- each month's transactions, appended with KPIs; the segment sizes, the
-- migration matrices and the main moves checked against a hand count; a
-- failing append that leaves the history unchanged; the write policy.
local sg = require "segmint"
local t = require("tap")(print)

-- purchases; c8 is deleted from the source before the third run
local all = {
  { "c1", "2021-01-20", 10.0 }, { "c1", "2021-02-20", 20.0 }, { "c1", "2021-03-20", 30.0 },
  { "c2", "2021-01-25", 15.0 },
  { "c3", "2020-12-01", 40.0 },
  { "c4", "2020-10-01", 25.0 },
  { "c5", "2020-10-15", 5.0 }, { "c5", "2021-02-15", 50.0 },
  { "c6", "2021-02-10", 12.0 },
  { "c7", "2021-03-25", 8.0 },
  { "c8", "2021-01-05", 60.0 },
}
local function transactions(as_of, without)
  local c, d, inv, amt = {}, {}, {}, {}
  for i, r in ipairs(all) do
    if r[2] < as_of and r[1] ~= without then
      c[#c + 1], d[#d + 1], inv[#inv + 1], amt[#amt + 1] = r[1], r[2], "i" .. i, r[3]
    end
  end
  return sg.dataset { { "cust", c }, { "day", d, "date" }, { "inv", inv }, { "amount", amt } }
end
-- segments by recency only, so the hand count is easy to follow
local segs = sg.segments({ { "Active", recency_days = "<= 30" }, { "Lapsing", recency_days = "<= 90" }, { "Lost" } },
  { fields = { "recency_days" } })
local kpi_rules = { { name = "Revenue", measure = "revenue" }, { name = "Active customers", measure = "active_customers" } }

local path = out .. "/history.sqlite"
local h = assert(sg.history_open(path, { write = true }))
local runs = {
  { as_of = "2021-02-01" }, { as_of = "2021-03-01" }, { as_of = "2021-04-01", without = "c8" },
}
local kpi_values = {}
for i, r in ipairs(runs) do
  local tx = transactions(r.as_of, r.without)
  local rfm = sg.rfm(tx, { customer = "cust", date = "day", invoice = "inv", amount = "amount", as_of = r.as_of })
  local customers = segs:assign(rfm)
  local res = sg.kpis(kpi_rules, { transactions = tx, customers = customers,
    columns = { customer = "cust", date = "day", invoice = "inv", amount = "amount" }, as_of = r.as_of })
  kpi_values[i] = res.kpis[1].value
  r.id = h:append { time = string.format("2025-0%d-01 06:00:00", i), as_of = r.as_of, label = "month " .. i,
    inputs = { { path = "tx.csv", sha256 = string.rep(tostring(i), 64) } },
    parameters = { as_of = r.as_of, source = "postgresql://analyst:hunter2@db/shop" },
    kpis = res, customers = customers, segments = nil }
end
t.same({ runs[1].id, runs[2].id, runs[3].id }, { 1, 2, 3 }, "three runs, ids 1 to 3")
t.is(#h:runs(), 3, "three runs listed")
t.same(h:runs():column("label"), { "month 1", "month 2", "month 3", n = 3 }, "labels")
t.same(h:runs():column("customers"), { 6, 7, 7, n = 3 }, "customers per run")
t.like(h:runs():get(1, "parameters"), "postgresql://analyst:%*%*%*%*@db/shop", "a password in the parameters is masked")
t.ok(not h:runs():get(1, "parameters"):find("hunter2", 1, true), "and absent")

-- segment sizes by hand:
--   run 1 (as_of 02-01): Active c1 c2 c8, Lapsing c3, Lost c4 c5
--   run 2 (03-01): Active c1 c5 c6, Lapsing c2 c3 c8, Lost c4
--   run 3 (04-01): Active c1 c7, Lapsing c2 c5 c6, Lost c3 c4
local function sizes(id)
  local s = {}
  for _, r in h:segments(id):rows() do s[r.segment] = r.customers end
  return s
end
t.same(sizes(1), { Active = 3, Lapsing = 1, Lost = 2 }, "run 1 segment sizes")
t.same(sizes(2), { Active = 3, Lapsing = 3, Lost = 1 }, "run 2 segment sizes")
t.same(sizes(3), { Active = 2, Lapsing = 3, Lost = 2 }, "run 3 segment sizes")

local function cells(from, to)
  local m = {}
  for _, r in h:migration(from, to):rows() do
    m[(r.from_segment or "(new)") .. " > " .. (r.to_segment or "(departed)")] = r.customers
  end
  return m
end
t.same(cells(1, 2), { ["Active > Active"] = 1, ["Active > Lapsing"] = 2, ["Lapsing > Lapsing"] = 1,
  ["Lost > Lost"] = 1, ["Lost > Active"] = 1, ["(new) > Active"] = 1 },
  "migration 1 -> 2: c1 stays, c2 and c8 lapse, c3 stays, c4 stays lost, c5 comes back, c6 is new")
t.same(cells(2, 3), { ["Active > Active"] = 1, ["Active > Lapsing"] = 2, ["Lapsing > Lapsing"] = 1,
  ["Lapsing > Lost"] = 1, ["Lapsing > (departed)"] = 1, ["Lost > Lost"] = 1, ["(new) > Active"] = 1 },
  "migration 2 -> 3: c5 and c6 lapse, c3 is lost, c8 departed, c7 is new")
t.same(cells(1, 3), { ["Active > Active"] = 1, ["Active > Lapsing"] = 1, ["Active > (departed)"] = 1,
  ["Lapsing > Lost"] = 1, ["Lost > Lost"] = 1, ["Lost > Lapsing"] = 1, ["(new) > Lapsing"] = 1,
  ["(new) > Active"] = 1 }, "migration 1 -> 3 across a run")

local moves = h:moves(2, 3)
t.is(#moves, 2, "two moves between different segments")
t.same({ moves[1].from, moves[1].to, moves[1].customers }, { "Active", "Lapsing", 2 }, "the largest move first")
t.is(moves[1].share, 2 / 3, "2 of run 2's 3 Active customers")
t.same({ moves[2].from, moves[2].to, moves[2].customers }, { "Lapsing", "Lost", 1 }, "then Lapsing to Lost")
t.same({ moves.new, moves.departed }, { 1, 1 }, "one new customer, one departed")
local mm = h:migration_matrix(2, 3, { "Active", "Lapsing", "Lost" })
t.same(mm.segments, { "Active", "Lapsing", "Lost" }, "matrix rows in the rule order")
t.is(mm.counts.Active.Lapsing, 2, "matrix cell")
t.is(mm.new.Active, 1, "new customers by segment")
t.is(mm.departed.Lapsing, 1, "departed customers by segment")
local changes, prev = h:segment_changes(3)
t.is(prev, 2, "changes against the run before")
local ch = {}
for _, c in ipairs(changes) do ch[c.segment] = c.change end
t.same(ch, { Active = -1, Lapsing = 0, Lost = 1 }, "segment size changes")

-- KPI trend: what was computed is what is read back
local trend = h:trend("Revenue")
t.same(trend:column("value"), { kpi_values[1], kpi_values[2], kpi_values[3], n = 3 }, "revenue trend by run")
t.same(trend:column("period_start"), { "2021-01-01", "2021-02-01", "2021-03-01", n = 3 }, "its periods")
t.same({ kpi_values[1], kpi_values[2], kpi_values[3] }, { 10.0 + 15 + 60, 20.0 + 50 + 12, 30.0 + 8 },
  "monthly revenue by hand")
t.is(h:customers(2):get(5, "customer"), "c5", "customers stored per run")

-- a failing append leaves the history unchanged
local dup = sg.dataset { { "customer", { "x", "y", "x" } }, { "segment", { "Lost", "Lost", "Lost" } } }
t.raises(function() h:append { as_of = "2021-05-01", customers = dup, kpis = { { name = "Revenue", value = 1.0 } } } end,
  "customer 'x' appears twice", "a bad customer table is refused")
t.is(#h:runs(), 3, "no run was added")
t.is(#h:kpis(), 6, "no KPI was added")
t.is(h:previous(), 3, "the latest run is still 3")
local id4 = h:append { as_of = "2021-05-01", customers = sg.dataset { { "customer", { "c1" } }, { "segment", { "Lost" } } } }
t.is(id4, 4, "the next run gets the next id")
t.same(sizes(4), { Lost = 1 }, "sizes counted from the customer table")
h:close()

-- the write policy: a history is written only under the output directory
t.raises(function() sg.history_open("/tmp/elsewhere.sqlite", { write = true }) end,
  "recipes write only under the output directory", "writing outside --out is refused")
local ro = assert(sg.history_open(path))
t.is(#ro:runs(), 4, "read-only open reads")
t.raises(function() ro:append { customers = dup } end, "readonly database", "a read-only history refuses appends")
ro:close()
t.raises(function() ro:runs() end, "history has been closed", "a closed history")
local none, msg = sg.history_open(out .. "/none.sqlite")
t.ok(none == nil and msg:find("No such file"), "opening a missing history for reading: nil, message")
t.done()
