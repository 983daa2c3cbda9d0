-- Supervised models from Lua: fit, predict, evaluate, importance, reasons,
-- save/load, splits, cross-validation, metrics on hand-computed fixtures
-- and the behaviour on bad input.
local sg = require "segmint"
local t = require("tap")(print)

-- deterministic uniform and normal draws
local state = 2024
local function unif()
  state = (state * 1103515245 + 12345) % 2147483648
  return (state + 0.5) / 2147483648
end
local function normal()
  return math.sqrt(-2 * math.log(unif())) * math.cos(2 * math.pi * unif())
end

-- 4,000 customers: churn depends on x1 (+), x2 (-) and the region; noise carries nothing
local n = 4000
local x1, x2, noise, region, churn, value, flag = {}, {}, {}, {}, {}, {}, {}
local regions = { "north", "south", "east", "west" }
local region_effect = { north = 1.0, south = -1.0, east = 0, west = 0 }
for i = 1, n do
  x1[i], x2[i], noise[i] = normal(), normal(), normal()
  region[i] = regions[(i % 4) + 1]
  local z = -0.2 + 1.8 * x1[i] - 1.2 * x2[i] + region_effect[region[i]]
  churn[i] = unif() < 1 / (1 + math.exp(-z)) and 1 or 0
  value[i] = 50 + 20 * x1[i] - 10 * x2[i] + 5 * normal()
  flag[i] = churn[i] == 1 and "Yes" or "No"
end
local ds = sg.dataset { { "id", (function() local v = {} for i = 1, n do v[i] = i end return v end)() },
  { "x1", x1 }, { "x2", x2 }, { "noise", noise }, { "region", region }, { "churned", churn },
  { "value", value }, { "flag", flag } }

local train, test = sg.split(ds, { test = 0.25, stratify = "churned", seed = 7 })
t.is(#train + #test, n, "split keeps every row")
t.is(#test, 1000, "a quarter held out")
local tr_rate, te_rate = train:stats("churned").mean, test:stats("churned").mean
t.ok(math.abs(tr_rate - te_rate) < 0.002, "stratified: same churn rate on both sides")
local train2 = sg.split(ds, { test = 0.25, stratify = "churned", seed = 7 })
t.same(train2:column("id"), train:column("id"), "same seed, same split")
local train3 = sg.split(ds, { test = 0.25, stratify = "churned", seed = 8 })
t.ok(train3:column("id")[1] ~= train:column("id")[1] or train3:column("id")[2] ~= train:column("id")[2],
  "another seed, another split")

local features = { "x1", "x2", "noise" }
for _, kind in ipairs { "logistic", "boosting", "forest" } do
  local m = sg.model { kind = kind, label = "churned", features = features, categorical = { "region" },
    min_count = 5, seed = 3 }
  m:fit(train)
  local met = m:evaluate(test)
  -- the Bayes AUC of this design is about 0.87; every learner must get close
  t.ok(met.auc > 0.83, string.format("%s: held-out AUC %.3f > 0.83", kind, met.auc))
  t.ok(met.accuracy > 0.75, string.format("%s: accuracy %.3f > 0.75", kind, met.accuracy))
  local imp = m:importance()
  local rank = {}
  for i, r in ipairs(imp) do rank[r.feature] = i end
  t.is(imp[1].feature, "x1", kind .. ": the strongest feature ranks first")
  t.ok(rank.noise > rank.x1 and rank.noise > rank.x2, kind .. ": the feature without signal ranks below the numeric ones with signal")
  if kind == "logistic" then
    t.is(imp[#imp].feature, "noise", "logistic: the feature without signal ranks last of all")
  end
  -- reload gives identical predictions
  local path = out .. "/" .. kind .. ".json"
  m:save(path, { note = "test" })
  local again = assert(sg.load_model(path))
  local a, b = m:predict(test):column("prediction"), again:predict(test):column("prediction")
  local same = a.n == b.n
  for i = 1, a.n do if a[i] ~= b[i] then same = false end end
  t.ok(same, kind .. ": predictions identical after save and load")
  t.is(again.meta.note, "test", kind .. ": metadata kept")
  t.is(again.info.data_sha256, m.info.data_sha256, kind .. ": training data hash kept")
  t.near(again.metrics.auc, met.auc, 1e-12, kind .. ": metrics kept in the file")
  -- the same seed gives the same model
  local m2 = sg.model { kind = kind, label = "churned", features = features, categorical = { "region" },
    min_count = 5, seed = 3 }:fit(train)
  local c = m2:predict(test):column("prediction")
  local same2 = true
  for i = 1, a.n do if a[i] ~= c[i] then same2 = false end end
  t.ok(same2, kind .. ": same seed, same predictions")
end

-- reasons: the top contributions, named, with the customer's value
local lr = sg.model { kind = "logistic", label = "churned", features = features }:fit(train)
local one = sg.dataset { { "x1", { 3.0 } }, { "x2", { -2.0 } }, { "noise", { 0.0 } } }
local r = lr:reasons(one, { top = 2, labels = { x1 = "first signal" } })
t.is(r:column("reasons")[1], "first signal (3); x2 (-2)", "reasons: the two features raising the risk, with values")
local low = sg.dataset { { "x1", { -3.0 } }, { "x2", { 0.0 } }, { "noise", { 0.0 } } }
local down = lr:reasons(low, { top = 1, direction = "down" })
t.is(down:column("reasons")[1], "x1 (-3)", "reasons: the feature pulling the risk down the most")
local worded = lr:reasons(one, { top = 2, labels = { x1 = "first signal" }, separator = " | ",
  format = function(x, feature) return string.format("%s=%g", feature, x) end,
  item = function(name, value, numeric) return string.format("%s : %s%s", name, value, numeric and "" or "?") end })
t.is(worded:column("reasons")[1], "first signal : x1=3 | x2 : x2=-2",
  "reasons: format gets the feature, item writes each reason, separator joins them")
local info = lr.info
t.ok(info.coefficients.x1 > 0 and info.coefficients.x2 < 0, "logistic: coefficient signs follow the simulation")

-- text labels with a positive value
local yes = sg.model { kind = "logistic", label = "flag", positive = "Yes", features = features }:fit(train)
t.near(yes:evaluate(test).auc, lr:evaluate(test).auc, 1e-12, "positive = 'Yes' gives the same model as the 0/1 label")
t.raises(function() sg.model { kind = "logistic", label = "flag", features = features }:fit(train) end,
  "positive", "a text label needs positive = ...")

-- early stopping on a validation set keeps the best round only
do
  local fit_part, valid = sg.split(train, { test = 0.3, stratify = "churned", seed = 11 })
  local es = sg.model { kind = "boosting", label = "churned", features = features, n_estimators = 1000,
    learning_rate = 0.3, early_stopping_rounds = 10 }:fit(fit_part, { validation = valid })
  t.ok(es.info.best_round ~= nil and es.info.best_round < 1000, "early stopping: stopped at round " .. tostring(es.info.best_round))
  t.is(es.info.rounds, es.info.best_round, "early stopping: the rounds after the best one are dropped")
  t.ok(es:evaluate(test).auc > 0.83, "early stopping: the kept model still ranks well")
end

-- class weights: native in liblinear, row weights for XGBoost; weighting class 1 up raises its predictions
for _, kind in ipairs { "logistic", "boosting" } do
  local plain = sg.model { kind = kind, label = "churned", features = features }:fit(train)
  local heavy = sg.model { kind = kind, label = "churned", features = features, class_weight = { [0] = 1, [1] = 3 } }:fit(train)
  local a = plain:predict(test):stats("prediction").mean
  local b = heavy:predict(test):stats("prediction").mean
  t.ok(b > a + 0.05, string.format("%s: class weight 3 on churners raises the mean prediction (%.3f -> %.3f)", kind, a, b))
end
t.raises(function() sg.model { kind = "boosting", task = "regress", label = "value", features = features, class_weight = "balanced" }:fit(train) end,
  "classifiers only", "class weights on a regression are refused")
t.raises(function() sg.model { kind = "ridge", task = "regress", label = "value", features = features, max_depth = 6 } end,
  "option 'max_depth' does not apply to kind 'ridge' %(it is for boosting, forest%)", "an option of another kind is refused, not ignored")

-- cross-validation
local cv = sg.cross_validate({ kind = "logistic", label = "churned", features = features }, ds, { k = 4, seed = 1 })
t.is(#cv.folds, 4, "4 folds")
t.ok(cv.mean.auc > 0.83 and cv.sd.auc < 0.05, string.format("cv AUC %.3f +- %.3f", cv.mean.auc, cv.sd.auc))

-- regression
for _, kind in ipairs { "linear", "ridge", "boosting" } do
  local m = sg.model { kind = kind, task = "regress", label = "value", features = features,
    lambda = kind == "ridge" and 1 or nil }:fit(train)
  local met = m:evaluate(test)
  t.ok(met.rmse < 8 and met.r2 > 0.85, string.format("%s regression: RMSE %.2f, R2 %.3f", kind, met.rmse, met.r2))
end
-- an exact line is recovered exactly by least squares
local line = sg.dataset { { "x", { 1, 2, 3, 4, 5 } }, { "y", { 5, 7, 9, 11, 13 } } }
local ols = sg.model { kind = "linear", label = "y", features = { "x" }, scale = false }:fit(line)
t.near(ols.info.coefficients.x, 2, 1e-10, "OLS slope 2")
t.near(ols.info.intercept, 3, 1e-10, "OLS intercept 3")

-- metrics on the hand-computed fixture (scikit-learn's documented example)
local fx = sg.dataset { { "y", { 0, 0, 1, 1 } }, { "p", { 0.1, 0.4, 0.35, 0.8 } } }
local mt = sg.metrics(fx, { label = "y", prediction = "p" })
t.near(mt.auc, 0.75, 1e-12, "AUC 0.75")
t.near(mt.pr_auc, 5 / 6, 1e-12, "average precision 0.8333")
t.near(mt.accuracy, 0.75, 1e-12, "accuracy at 0.5")
t.near(mt.precision, 1, 1e-12, "precision 1")
t.near(mt.recall, 0.5, 1e-12, "recall 0.5")
t.near(mt.logloss, -(math.log(0.9) + math.log(0.6) + math.log(0.35) + math.log(0.8)) / 4, 1e-12, "log-loss")
t.same(mt.confusion, { tp = 1, fp = 0, tn = 2, fn = 1 }, "confusion matrix")
t.is(mt.calibration[2].count, 1, "calibration: 0.1 falls in [0.1, 0.2)")
t.is(mt.calibration[4].observed, 1, "calibration: the customer scored 0.35 churned")
t.is(mt.calibration[1].observed, nil, "calibration: an empty bin has no observed rate")
local rg = sg.metrics(sg.dataset { { "y", { 1, 2, 3 } }, { "p", { 1, 2, 4 } } },
  { label = "y", prediction = "p", task = "regress" })
t.near(rg.rmse, math.sqrt(1 / 3), 1e-12, "RMSE")
t.near(rg.mae, 1 / 3, 1e-12, "MAE")
t.near(rg.r2, 0.5, 1e-12, "R2")

-- perfectly separable data
local sx, sy = {}, {}
for i = 1, 200 do sx[i] = i; sy[i] = i > 100 and 1 or 0 end
local sep = sg.dataset { { "x", sx }, { "y", sy } }
for _, kind in ipairs { "logistic", "boosting" } do
  local m = sg.model { kind = kind, label = "y", features = { "x" } }:fit(sep)
  local met = m:evaluate(sep)
  t.is(met.accuracy, 1.0, kind .. ": separable data classified perfectly")
  t.is(met.auc, 1.0, kind .. ": AUC 1 on separable data")
end

-- bad input
local const = ds:derive("same", "1")
local cm = sg.model { kind = "logistic", label = "churned", features = { "x1", "same" } }:fit(const)
t.same(cm.info.dropped, { "same" }, "a constant column is dropped and reported")
t.same(cm.info.features, { "x1" }, "the model keeps the informative column")
local allone = ds:filter("churned == 1")
t.raises(function() sg.model { kind = "logistic", label = "churned", features = features }:fit(allone) end,
  "only one class", "a label with one class is refused")
local holes = sg.dataset { { "a", { 1, 2, nil, 4, 5, 6, n = 6 } }, { "y", { 0, 0, 0, 1, 1, 1 } } }
local hm = sg.model { kind = "logistic", label = "y", features = { "a" } }
hm:fit(holes)
t.is(hm.encoding.values_imputed, 1, "a missing feature value is imputed with the training median")
local nolabel = sg.dataset { { "a", { 1, 2, 3, 4 } }, { "y", { 0, 1, nil, 1, n = 4 } } }
t.raises(function() sg.model { kind = "logistic", label = "y", features = { "a" } }:fit(nolabel) end,
  "no value in the label column 'y' %(the first is row 3%)", "a missing label names the column and row")
local unseen = sg.dataset { { "x1", { 0.5 } }, { "x2", { 0.5 } }, { "noise", { 0 } }, { "region", { "atlantis" } } }
local rm = sg.model { kind = "boosting", label = "churned", features = features, categorical = { "region" },
  min_count = 5 }:fit(train)
local scored, rep = rm:predict(unseen)
t.ok(scored:column("prediction")[1] > 0 and scored:column("prediction")[1] < 1, "an unseen category still gets a prediction")
t.is(rep.unseen, 1, "the unseen category is counted")
t.raises(function() sg.model { kind = "linear", label = "churned", features = features, task = "classify" }:fit(train) end,
  "predicts a number", "linear regression is not a classifier")
t.raises(function() sg.model { kind = "logistic", label = "churned", featurs = features } end,
  "did you mean 'features'", "a misspelt option gets a suggestion")

-- model files: a newer format version is refused, garbage too
local f = assert(io.open(out .. "/logistic.json"))
local text = f:read("a")
f:close()
local newer = text:gsub('"version":%s*1', '"version": 2', 1)
local g = assert(io.open(out .. "/newer.json", "w"))
g:write(newer)
g:close()
local nm, msg = sg.load_model(out .. "/newer.json")
t.ok(nm == nil and msg:find("format version 2 is newer", 1, true), "a newer model file is refused: " .. tostring(msg))
g = assert(io.open(out .. "/garbage.json", "w"))
g:write("{ not json")
g:close()
local gm, gmsg = sg.load_model(out .. "/garbage.json")
t.ok(gm == nil and gmsg:find("not valid JSON", 1, true), "a broken model file is refused")

-- features at a cutoff, from transactions
local tx = sg.dataset {
  { "c", { "a", "a", "a", "b", "b" } },
  { "d", { "2024-01-01", "2024-02-01", "2024-03-15", "2024-02-20", "2024-03-20" }, "datetime" },
  { "inv", { "1", "2", "3", "4", "5" } },
  { "amt", { 10, 30, -5, 20, 40 } },
}
local feat = sg.features(tx, { customer = "c", date = "d", invoice = "inv", amount = "amt",
  cutoff = "2024-03-01", horizon_days = 30 })
t.same(feat:column("c"), { "a", "b", n = 2 }, "one row per customer with history")
t.same(feat:column("frequency"), { 2, 1, n = 2 }, "frequency before the cutoff")
t.same(feat:column("recency_days"), { 29, 10, n = 2 }, "recency at the cutoff")
t.same(feat:column("churned"), { 1, 0, n = 2 }, "churned: no sale in the 30 days after the cutoff")
t.same(feat:column("future_spend"), { -5, 40, n = 2 }, "future spend in the horizon")
t.same(feat:column("ipt_mean_days"), { 31, nil, n = 2 }, "days between orders (missing with one order)")

-- reasons and importance count the one-hot columns of a categorical field
-- together: a reason is the customer's own value of the field, never the
-- effect of not having another value
do
  math.randomseed(7)
  local n = 600
  local contract, internet, tenure, churned = {}, {}, {}, {}
  local contracts = { "Month-to-month", "One year", "Two year" }
  local nets = { "DSL", "Fiber optic", "None" }
  for i = 1, n do
    local c, w = contracts[math.random(3)], nets[math.random(3)]
    local ten = math.random(1, 72)
    local p = (c == "Month-to-month" and 0.6 or c == "One year" and 0.25 or 0.05) + (w == "Fiber optic" and 0.2 or 0)
      - ten / 400
    contract[i], internet[i], tenure[i], churned[i] = c, w, ten, math.random() < p and 1 or 0
  end
  for _, v in ipairs { contract, internet, tenure, churned } do v.n = n end
  local ds = sg.dataset { { "contract", contract }, { "internet", internet }, { "tenure", tenure },
    { "churned", churned } }
  local m = sg.model { kind = "boosting", label = "churned", features = { "tenure" },
    categorical = { "contract", "internet" }, n_estimators = 30, max_depth = 3, seed = 1 }:fit(ds)
  local r = m:reasons(ds, { top = 3, direction = "any", column = "why" })
  local wrong, seen_cat = 0, 0
  for i, row in r:rows() do
    for part in (row.why or ""):gmatch("[^;]+") do
      local col, value = part:match("^%s*(%a+): (.+)$")
      if col then
        seen_cat = seen_cat + 1
        if tostring(row[col]) ~= value then wrong = wrong + 1 end
      end
    end
    if i > 600 then break end
  end
  t.ok(seen_cat > 100, "categorical fields appear among the reasons (" .. seen_cat .. ")")
  t.is(wrong, 0, "no reason names a value the customer does not have")
  t.ok(not (r:get(1, "why") or ""):find("=", 1, true), "reasons name fields, not one-hot columns")
  local info = m.info
  t.ok(#info.sources == #info.features and info.sources[#info.sources] == "internet", "the model knows each feature's column")
end

t.done()
