-- Supervised models behind one interface (the learners are liblinear,
-- GSL and XGBoost, in C; see lua/lmodel.c):
--
--   local m = sg.model { kind = "logistic", label = "churned",
--                        features = { "recency_days", "frequency" }, categorical = { "country" } }
--   m:fit(train [, { validation = valid }])     -- returns m
--   local scored = m:predict(test [, { column = "churn_probability" }])
--   local metrics = m:evaluate(test)            -- accuracy, auc, ... or rmse, mae, r2
--   m:importance()                              -- { { feature, importance }, ... } largest first
--   m:reasons(ds, { top = 3, labels = {...} })  -- ds with a "reasons" text column
--   m:save(path [, meta]);  sg.load_model(path)  -- same predictions after reload
--   sg.cross_validate(spec, ds, { k = 5 })       -- k-fold metrics and their mean
local M = {}

local KIND_TASK = { logistic = "classify", linear = "regress", ridge = "regress" }
local LINEAR = { logistic = true, linear = true, ridge = true }

-- spec keys the C side reads directly (the rest are translated below)
local PASS = { "C", "tol", "lambda", "n_estimators", "max_depth", "subsample", "colsample",
  "min_child_weight", "reg_lambda", "early_stopping_rounds", "threads", "seed", "min_count",
  "max_levels" }
local KNOWN = { kind = true, task = true, label = true, positive = true, features = true,
  categorical = true, scale = true, penalty = true, class_weight = true, learning_rate = true,
  eta = true, weights = true }
for _, k in ipairs(PASS) do KNOWN[k] = true end

local Model = {}
Model.__index = Model

local function fail(fmt, ...) error(string.format(fmt, ...), 3) end

local function suggest(word, known)
  local best, bd
  for k in pairs(known) do
    local d = 0
    for i = 1, math.max(#k, #word) do if k:sub(i, i) ~= word:sub(i, i) then d = d + 1 end end
    if not bd or d < bd then best, bd = k, d end
  end
  return bd and bd <= 2 and best or nil
end

-- Checks a model spec and fills in the defaults; returns a new table.
local function normalise(spec)
  if type(spec) ~= "table" then fail("model: the argument must be a table { kind = ..., label = ..., features = ... }") end
  for k in pairs(spec) do
    if type(k) ~= "string" or not KNOWN[k] then
      local hint = type(k) == "string" and suggest(k, KNOWN)
      fail("model: unknown option '%s'%s", tostring(k), hint and (" (did you mean '" .. hint .. "'?)") or "")
    end
  end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.kind = s.kind or "logistic"
  if s.kind ~= "logistic" and s.kind ~= "linear" and s.kind ~= "ridge" and s.kind ~= "boosting" and s.kind ~= "forest" then
    fail("model: unknown kind '%s' (logistic, linear, ridge, boosting or forest)", tostring(s.kind))
  end
  s.task = s.task or KIND_TASK[s.kind] or "classify"
  if type(s.label) ~= "string" then fail("model: 'label' (the column to predict) is required") end
  if s.scale == nil then s.scale = LINEAR[s.kind] or false end
  if s.learning_rate ~= nil then s.eta = s.learning_rate end
  if s.penalty ~= nil and s.penalty ~= "l1" and s.penalty ~= "l2" then
    fail("model: penalty must be \"l1\" or \"l2\", got '%s'", tostring(s.penalty))
  end
  if s.class_weight ~= nil and s.class_weight ~= "balanced" and type(s.class_weight) ~= "table" then
    fail("model: class_weight must be \"balanced\" or a table { [0] = w0, [1] = w1 }")
  end
  return s
end

-- The label as a 0/1 (classifier) or numeric column named "_label".
local function with_label(spec, ds)
  if not ds:has(spec.label) then
    fail("model: the data has no label column '%s'", spec.label)
  end
  local ty = ds:types()[spec.label]
  if spec.positive == nil then
    if ty == "string" then
      fail("model: the label '%s' is text; name the value of the positive class with positive = '...'", spec.label)
    end
    return ds:derive("_label", "`" .. spec.label .. "`")
  end
  local vals, out = ds:column(spec.label), { n = #ds }
  local pos = spec.positive
  for i = 1, out.n do
    local v = vals[i]
    if v ~= nil then out[i] = (v == pos or tostring(v) == tostring(pos)) and 1 or 0 end
  end
  return ds:with_column("_label", out, "int64")
end

local function c_spec(s, ds_labelled)
  local c = { kind = s.kind, task = s.task, label = "_label", features = s.features,
              categorical = s.categorical, scale = s.scale, l1 = s.penalty == "l1", eta = s.eta,
              weights = s.weights }
  for _, k in ipairs(PASS) do c[k] = s[k] end
  local cw = s.class_weight
  if cw == "balanced" then
    local n, pos = #ds_labelled, ds_labelled:sum("_label") or 0
    if pos > 0 and pos < n then
      c.class_weight_0, c.class_weight_1 = n / (2 * (n - pos)), n / (2 * pos)
    end
  elseif type(cw) == "table" then
    c.class_weight_0, c.class_weight_1 = cw[0] or 1, cw[1] or 1
  end
  return c
end

-- sg.model(spec) -> an unfitted model
function M.new(spec)
  return setmetatable({ spec = normalise(spec) }, Model)
end

local function need_fit(self)
  if not self.core then error("model: fit (or load) the model first", 3) end
end

function Model:fit(ds, opts)
  opts = opts or {}
  local train = with_label(self.spec, ds)
  local valid = opts.validation and with_label(self.spec, opts.validation) or nil
  self.core, self.encoding = M.core._model_fit(train, c_spec(self.spec, train), valid)
  self.info = self.core:info()
  return self
end

-- m:predict(ds [, { column = "prediction" }]) -> ds with the prediction column
-- (probability of the positive class, or the predicted value)
function Model:predict(ds, opts)
  need_fit(self)
  opts = opts or {}
  local out, rep = self.core:predict(ds, opts.column or "prediction")
  return out, rep
end

-- m:evaluate(ds [, { threshold = 0.5, bins = 10 }]) -> metrics of the predictions on ds
function Model:evaluate(ds, opts)
  need_fit(self)
  opts = opts or {}
  local scored = self.core:predict(with_label(self.spec, ds), "_prediction")
  local m = M.core.metrics(scored, { label = "_label", prediction = "_prediction", task = self.spec.task,
                                     threshold = opts.threshold, bins = opts.bins })
  self.metrics = m
  return m
end

-- m:importance() -> { { feature = name, importance = x }, ... } largest first
function Model:importance()
  need_fit(self)
  local list = self.core:importance()
  table.sort(list, function(a, b)
    if a.importance ~= b.importance then return a.importance > b.importance end
    return a.feature < b.feature
  end)
  return list
end

-- The name of a feature for people: labels[feature] (a string, or a
-- table with a name); a one-hot feature "country=France" reads
-- "<labels.country or country>: France".
local function feature_name(labels, feature)
  local function name_of(key)
    local l = labels and labels[key]
    if type(l) == "table" then l = l.name end
    return type(l) == "string" and l or nil
  end
  local col, level = feature:match("^(.-)=(.*)$")
  if col and not name_of(feature) then return (name_of(col) or col) .. ": " .. level, true end
  return name_of(feature) or feature, false
end
M.feature_name = feature_name

local function plain_number(v)
  if math.type(v) == "integer" or v == math.floor(v) and math.abs(v) < 1e15 then
    return string.format("%d", v)
  end
  return (string.format("%.2f", v):gsub("0+$", ""):gsub("%.$", ""))
end

-- m:reasons(ds [, { top = 3, direction = "up", labels = {...}, format = fn,
--                   column = "reasons", separator = "; " }]) -> ds with a text column:
-- the features that push each row's prediction up the most ("up"; "down",
-- or "any" by size), by SHAP contribution for XGBoost and coefficient x
-- (value - training mean) for linear models, each with the row's value:
-- "days since the last purchase (184); country: France".  format(x)
-- formats the numbers (default: up to 2 decimals).
function Model:reasons(ds, opts)
  need_fit(self)
  opts = opts or {}
  local top = opts.top or 3
  local fmt = opts.format or plain_number
  local r = self.core:reasons(ds, top, opts.direction or "up")
  local feats = {}
  for k = 1, top do feats[k] = r:column("reason_" .. k) end
  local values = {}   -- the raw values of the numeric features named
  local out, sep = { n = #ds }, opts.separator or "; "
  for i = 1, out.n do
    local parts = {}
    for k = 1, top do
      local f = feats[k][i]
      if f ~= nil then
        local name, onehot = feature_name(opts.labels, f)
        if not onehot and ds:has(f) then
          values[f] = values[f] or ds:column(f)
          local v = values[f][i]
          name = v ~= nil and string.format("%s (%s)", name, fmt(v)) or name
        end
        parts[#parts + 1] = name
      end
    end
    out[i] = table.concat(parts, sep)
  end
  return ds:with_column(opts.column or "reasons", out, "string")
end

-- m:save(path [, meta]): the model, its preprocessing and metadata (the
-- spec, the last evaluation's metrics, the training date, anything in meta)
function Model:save(path, meta)
  need_fit(self)
  local m = {}
  for k, v in pairs(meta or {}) do m[k] = v end
  local spec = {}
  for k, v in pairs(self.spec) do if type(v) ~= "function" then spec[k] = v end end
  if type(spec.class_weight) == "table" then
    spec.class_weight = { ["0"] = spec.class_weight[0] or 1, ["1"] = spec.class_weight[1] or 1 }
  end
  m.spec = spec
  m.metrics = m.metrics or self.metrics
  m.trained = m.trained or require("segmint.analysis").run_date()
  self.core:save(path, m)
  return true
end

-- sg.load_model(path) -> model | nil, message
function M.load(path)
  local core, meta = M.core._model_load(path)
  if not core then return nil, meta end
  local spec = meta.spec or {}
  if type(spec.class_weight) == "table" then
    spec.class_weight = { [0] = spec.class_weight["0"], [1] = spec.class_weight["1"] }
  end
  local self = setmetatable({ spec = spec, core = core, meta = meta, metrics = meta.metrics }, Model)
  self.info = core:info()
  return self
end

Model.__tostring = function(self)
  return self.core and tostring(self.core) or string.format("model(%s, not fitted)", self.spec.kind)
end

local function mean_sd(xs)
  local n, s = #xs, 0
  for _, x in ipairs(xs) do s = s + x end
  local mean = n > 0 and s / n or nil
  local v = 0
  for _, x in ipairs(xs) do v = v + (x - mean) ^ 2 end
  return mean, n > 1 and math.sqrt(v / (n - 1)) or nil
end

-- sg.cross_validate(spec, ds [, { k = 5, seed = 42 }]) -> { folds = { metrics... },
--   mean = { auc = ..., ... }, sd = { ... } }; classifiers get stratified folds
function M.cross_validate(spec, ds, opts)
  opts = opts or {}
  local s = normalise(spec)
  local k = opts.k or 5
  local labelled = with_label(s, ds)
  local folded = M.core.kfold(labelled, { k = k, seed = opts.seed or s.seed or 42,
    stratify = s.task == "classify" and "_label" or nil, column = "_fold" })
  local res = { folds = {}, mean = {}, sd = {}, k = k }
  local keys = s.task == "classify" and { "accuracy", "precision", "recall", "f1", "auc", "pr_auc", "logloss" }
    or { "rmse", "mae", "r2" }
  local per = {}
  for f = 1, k do
    local train = folded:filter("_fold != " .. f):drop("_label")
    local test = folded:filter("_fold == " .. f):drop("_label")
    local m = M.new(spec):fit(train)
    local met = m:evaluate(test)
    res.folds[f] = met
    for _, key in ipairs(keys) do
      if met[key] then per[key] = per[key] or {}; table.insert(per[key], met[key]) end
    end
  end
  for _, key in ipairs(keys) do
    if per[key] then res.mean[key], res.sd[key] = mean_sd(per[key]) end
  end
  return res
end

return M
