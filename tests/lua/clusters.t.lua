-- Clustering from Lua: feature matrices, k-means (fixed and automatic k),
-- save/load, PCA, profiles and rule-based names.
local sg = require "segmint"
local t = require("tap")(print)

-- three separable blobs, with deterministic jitter
local x, y, truth = {}, {}, {}
local centers = { { 0, 0 }, { 10, 10 }, { 20, 0 } }
local state = 12345
local function jitter()
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648 - 0.5
end
for b = 1, 3 do
  for _ = 1, 50 do
    x[#x + 1] = centers[b][1] + jitter()
    y[#y + 1] = centers[b][2] + jitter()
    truth[#truth + 1] = b
  end
end
local blobs = sg.dataset { { "x", x }, { "y", y }, { "blob", truth } }
local m = sg.matrix(blobs, { "x", "y" })
t.is(tostring(m), "matrix(150 x 2)", "matrix shape")
local km, labels = sg.kmeans(m, { k = 3, seed = 7 })
local info = km:info()
t.is(info.k, 3, "k = 3")
t.same(info.sizes, { 50, 50, 50 }, "three clusters of 50")
-- the blobs are recovered exactly: one label per blob, all different
local label_of = {}
local pure = true
for i = 1, #labels do
  local b = truth[i]
  label_of[b] = label_of[b] or labels[i]
  if label_of[b] ~= labels[i] then pure = false end
end
t.ok(pure and label_of[1] ~= label_of[2] and label_of[2] ~= label_of[3] and label_of[1] ~= label_of[3],
  "every blob is exactly one cluster")

-- the thread count never changes the result
local one = sg.kmeans(m, { k = 4, seed = 3, threads = 1 })
local two = sg.kmeans(m, { k = 4, seed = 3, threads = 2 })
t.same(one:centroids(), two:centroids(), "same centroids with 1 and 2 threads")
t.is(one:info().inertia, two:info().inertia, "same inertia with 1 and 2 threads")
local lloyd = sg.kmeans(m, { k = 4, seed = 3, algorithm = "lloyd" })
t.same(lloyd:centroids(), one:centroids(), "Lloyd and Hamerly agree")

-- automatic k picks 3 and reports every figure
local auto, _, selection = sg.kmeans(m, { k = "auto", k_range = { 2, 6 }, seed = 7 })
t.is(auto:info().k, 3, "k = \"auto\" finds the 3 blobs")
local sel = sg.dataset(selection)
t.same(sel:column("k"), { 2, 3, 4, 5, 6, n = 5 }, "every k tried is reported")
t.same(sel:columns(), { "k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "chosen" }, "figures per k")
t.same(sel:filter("chosen"):column("k"), { 3, n = 1 }, "the chosen k is marked")
local inertia = sel:column("inertia")
t.ok(inertia[1] > inertia[2] and inertia[2] > inertia[3], "inertia falls with k")

-- assign, predict, save and load
local assigned = km:assign(blobs, m)
t.same(assigned:column("cluster"), (function() local c = {} for i = 1, #labels do c[i] = labels[i] end c.n = #labels return c end)(),
  "assign gives the fitted clusters")
local path = out .. "/km.json"
km:save(path)
local back = assert(sg.load_kmeans(path))
t.same(back:predict(m), km:predict(m), "a saved and loaded model predicts identically")
t.same(back:centroids(), km:centroids(), "centroids survive the round trip")
local bad = assert(io.open(out .. "/bad.json", "w"))
bad:write('{"format":"segmint.kmeans","version":1,"k":1,"cols":1000000000,"centroids":[[1]],"inertia":0,"sizes":[1],"scaling":null}')
bad:close()
local nobad, badmsg = sg.load_kmeans(out .. "/bad.json")
t.ok(nobad == nil and badmsg:find("centroid 1 must be an array of 1000000000 numbers", 1, true),
  "a corrupted model file is bad data, not a huge allocation")
local none, msg = sg.load_kmeans(out .. "/nope.json")
t.ok(none == nil and msg:find("nope.json", 1, true), "loading a missing model: nil, message")

-- transforms, missing values and the fitted scaling
local d = sg.dataset { { "a", { 1.0, 2.0, 3.0, nil, 5.0, n = 5 } }, { "b", { 0, 9, 99, 999, 9999 } } }
local dm = sg.matrix(d, { "a", "b" }, { transform = { b = "log1p" }, scale = "standard" })
t.same(dm:report(), { rows_in = 5, rows_out = 4, rows_dropped = 1, values_imputed = 0 }, "rows with a missing value dropped")
local sc = dm:scaling()
t.near(sc[1].center, 2.75, 1e-12, "standard center of a")
t.is(sc[2].log1p, true, "log1p recorded for b")
local col_mean = (dm:get(1, 1) + dm:get(2, 1) + dm:get(3, 1) + dm:get(4, 1)) / 4
t.near(col_mean, 0, 1e-12, "standardised column has mean 0")
local im = sg.matrix(d, { "a" }, { missing = "median" })
t.same(im:report(), { rows_in = 5, rows_out = 5, rows_dropped = 0, values_imputed = 1 }, "missing value imputed")
t.is(im:get(4, 1), 2.5, "imputed with the median")
local again = dm:apply(d)
t.is(again:get(2, 2), dm:get(2, 2), "apply reuses the fitted scaling")
t.raises(function() sg.matrix(d, { "a", "zz" }) end, "zz", "unknown column named")
t.raises(function() sg.matrix(d, { "a" }, { scale = "zscore" }) end, "unknown scale 'zscore'", "unknown scale named")
t.raises(function() sg.kmeans(m, { k = 0 }) end, "'k' must be a whole number from 1", "bad k refused")

-- PCA: points on the line y = 2x have one component
local line = sg.dataset { { "u", { 1.0, 2.0, 3.0, 4.0, 5.0 } }, { "v", { 2.0, 4.0, 6.0, 8.0, 10.0 } } }
local p = sg.pca(sg.matrix(line, { "u", "v" }), 2)
t.near(p.explained_variance_ratio[1], 1, 1e-12, "one component explains everything")
t.near(p.components[1][1], 1 / math.sqrt(5), 1e-12, "first component along (1, 2)/sqrt(5)")
t.near(p.components[1][2], 2 / math.sqrt(5), 1e-12, "first component along (1, 2)/sqrt(5), second coordinate")
t.near(p.projection[1][3], 0, 1e-12, "the middle point projects to 0")

-- profiles and names
local cust = sg.dataset {
  { "cluster", { 1, 1, 2, 2, 2 } },
  { "recency_days", { 10, 20, 300, 200, 100 } },
  { "frequency", { 10, 6, 1, 2, 1 } },
  { "monetary", { 1000.0, 600.0, 30.0, 50.0, 20.0 } },
}
local prof = sg.cluster_profiles(cust)
t.same(prof:column("size"), { 2, 3, n = 2 }, "profile sizes")
t.near(prof:get(1, "share"), 0.4, 1e-12, "profile share")
t.near(prof:get(1, "revenue_share"), 1600 / 1700, 1e-12, "revenue share")
t.near(prof:get(1, "monetary_ratio"), 800 / 340, 1e-12, "monetary ratio = cluster mean / overall mean")
t.near(prof:get(1, "basket_ratio"), (1600 / 16) / (1700 / 20), 1e-12, "basket ratio")
t.near(prof:get(2, "median_recency_days"), 200, 1e-12, "median per cluster")
local named = sg.name_clusters(prof, { { "High Value", monetary_ratio = ">= 2" }, { "Big", monetary_ratio = ">= 0" }, { "Rest" } })
t.same(named:column("cluster_name"), { "High Value", "Big", n = 2 }, "names from rules")
local dup = sg.name_clusters(prof, { { "Same" } })
t.same(dup:column("cluster_name"), { "Same", "Same 2", n = 2 }, "repeated names get a number")
t.raises(function() sg.name_clusters(prof, { { "X", monetary_ratoi = ">= 2" }, { "Rest" } }) end,
  "unknown field 'monetary_ratoi' %(did you mean 'monetary_ratio'%?%)", "typo in a cluster rule")
t.done()
