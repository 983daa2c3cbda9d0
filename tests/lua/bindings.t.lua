-- The helpers every binding shares: one seed check (fractions refused
-- everywhere), one time-unit conversion, locked metatables, unknown options
-- refused; and paths no other test reached (cluster_scores, ds:slice).
local sg = require "segmint"
local t = require("tap")(print)

-- time units: one table in the core (sg_time_unit_days)
t.is(sg.unit_days("days"), 1, "unit_days: days")
t.is(sg.unit_days("weeks"), 7, "unit_days: weeks")
t.is(sg.unit_days("months"), 365.25 / 12, "unit_days: months = 365.25 / 12")
t.is(sg.unit_days("years"), nil, "unit_days: other names are nil")
t.is(sg.unit_days(7), nil, "unit_days: non-strings are nil")

-- seeds: whole numbers from 0 to 2^53, the same rule for every function
local pts = sg.dataset { { "x", { 0, 0, 10, 10 } }, { "y", { 0, 1, 0, 1 } } }
local m = sg.matrix(pts, { "x", "y" })
t.raises(function() sg.generate { customers = 10, seed = 1.5, out = out .. "/gen" } end,
  "generate: option 'seed' must be a whole number from 0 to 2%^53, got 1.5", "generate refuses a fractional seed")
t.raises(function() sg.kmeans(m, { k = 2, seed = 0.5 }) end,
  "kmeans: option 'seed' must be a whole number", "kmeans refuses a fractional seed")
t.raises(function() sg.kmeans(m, { k = 2, seed = -1 }) end,
  "kmeans: option 'seed' must be a whole number", "kmeans refuses a negative seed")
t.raises(function() sg.cluster_scores(m, { 1, 1, 2, 2 }, 2, { seed = 2 ^ 60 }) end,
  "cluster_scores: option 'seed' must be a whole number", "cluster_scores refuses a seed above 2^53")
t.raises(function() sg.split(pts, { seed = 4.25 }) end,
  "split: option 'seed' must be a whole number", "split refuses a fractional seed")
t.raises(function() sg.kfold(pts, { k = 2, seed = 1e300 }) end,
  "kfold: option 'seed' must be a whole number", "kfold refuses a huge seed")
t.ok(not pcall(sg.generate, { customers = 10, seed = 1.5, out = out .. "/gen" })
  and not io.open(out .. "/gen/transactions.csv"), "nothing generated for a refused seed")

-- cluster_scores by hand: (0,0), (0,1) | (10,0), (10,1).  Each point: a = 1,
-- b = (10 + sqrt(101)) / 2, so s = 1 - a / b; CH = (100 / 1) / (1 / 2) = 200;
-- DB = (0.5 + 0.5) / 10 = 0.1.
local s = sg.cluster_scores(m, { 1, 1, 2, 2 }, 2)
t.near(s.silhouette, 1 - 1 / ((10 + math.sqrt(101)) / 2), 1e-12, "cluster_scores: silhouette by hand")
t.near(s.calinski_harabasz, 200, 1e-9, "cluster_scores: Calinski-Harabasz by hand")
t.near(s.davies_bouldin, 0.1, 1e-12, "cluster_scores: Davies-Bouldin by hand")
local one = sg.cluster_scores(m, { 1, 1, 1, 1 }, 1)
t.ok(one.silhouette == nil and one.calinski_harabasz == nil and one.davies_bouldin == nil,
  "cluster_scores: one cluster has no scores (nil)")
t.raises(function() sg.cluster_scores(m, { 1, 2, 3, 1 }, 2) end, "label 3 of row 3 is not in 1%.%.2",
  "cluster_scores: a label outside 1..k names the row")
t.raises(function() sg.cluster_scores(m, { 1, 2 }, 2) end, "2 labels for 4 rows", "cluster_scores: label count")

-- locked metatables: recipes see the type name, not the methods
local km = sg.kmeans(m, { k = 2, seed = 1 })
t.is(getmetatable(km), "segmint.kmeans", "kmeans metatable locked")
t.is(getmetatable(m), "segmint.matrix", "matrix metatable locked")
local basket = sg.dataset { { "inv", { "a", "a", "b", "b" } }, { "item", { "x", "y", "x", "y" } } }
t.is(getmetatable(sg.cross_sell(basket, { invoice = "inv", item = "item" })), "segmint.cross_sell",
  "cross_sell metatable locked")

-- unknown options are refused with the known ones listed
t.raises(function() sg.read_sql { db = "sqlite::memory:", query = "select 1", maxrows = 3 } end,
  "read_sql: unknown option 'maxrows' %(known: db, query, params, types, max_rows%)", "read_sql: unknown option")

t.raises(function() sg.cross_sell(basket, { invoice = "inv", item = "item", min_suport = 0.1 }) end,
  "cross_sell: unknown option 'min_suport' %(known: invoice, item, min_support,", "cross_sell: unknown option")
t.raises(function() sg.split(pts, { tests = 0.5 }) end, "split: unknown option 'tests'", "split: unknown option")
t.raises(function() sg.kfold(pts, { folds = 3 }) end, "kfold: unknown option 'folds'", "kfold: unknown option")
t.raises(function() sg.cluster_scores(m, { 1, 1, 2, 2 }, 2, { sample = 3 }) end,
  "cluster_scores: unknown option 'sample' %(known: silhouette_sample, seed%)", "cluster_scores: unknown option")

-- ds:slice: 1-based, inclusive, negative from the end, clipped
local ds = sg.dataset { { "v", { 10, 20, 30, 40, 50 } } }
local function vals(d) return table.concat(d:column("v"), ",") end
t.is(vals(ds:slice(2, 4)), "20,30,40", "slice(2, 4)")
t.is(vals(ds:slice(-2)), "40,50", "slice(-2): the last two rows")
t.is(vals(ds:slice(4, 99)), "40,50", "slice past the end is clipped")
t.is(ds:slice(4, 2):nrows(), 0, "slice(4, 2) is empty")
t.is(vals(ds:slice(-99, 1)), "10", "slice from before the start is clipped")

t.done()
