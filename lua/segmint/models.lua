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
local rules = require "segmint.rules"

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

-- the kinds each kind-specific option applies to
local TREES = { boosting = true, forest = true }
local APPLIES = {
  C = { logistic = true }, penalty = { logistic = true }, tol = { logistic = true },
  lambda = { ridge = true },
  n_estimators = TREES, max_depth = TREES, subsample = TREES, colsample = TREES,
  min_child_weight = TREES, reg_lambda = TREES, learning_rate = TREES, eta = TREES, threads = TREES,
  early_stopping_rounds = { boosting = true },
  weights = { linear = true, ridge = true, boosting = true, forest = true },
  class_weight = { logistic = true, boosting = true, forest = true },
}

local Model = {}
Model.__index = Model

local function fail(fmt, ...) error(string.format(fmt, ...), 3) end

-- Checks a model spec and fills in the defaults; returns a new table.
local function normalise(spec)
  if type(spec) ~= "table" then fail("model: the argument must be a table { kind = ..., label = ..., features = ... }") end
  local unknown = {}
  for k in pairs(spec) do
    if type(k) ~= "string" or not KNOWN[k] then unknown[#unknown + 1] = tostring(k) end
  end
  if #unknown > 0 then
    table.sort(unknown)   -- the same message on every run
    local known = {}
    for k in pairs(KNOWN) do known[#known + 1] = k end
    table.sort(known)
    local hint = rules.suggest(unknown[1], known)
    fail("model: unknown option '%s'%s", unknown[1], hint and (" (did you mean '" .. hint .. "'?)") or "")
  end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.kind = s.kind or "logistic"
  if s.kind ~= "logistic" and s.kind ~= "linear" and s.kind ~= "ridge" and s.kind ~= "boosting" and s.kind ~= "forest" then
    fail("model: unknown kind '%s' (logistic, linear, ridge, boosting or forest)", tostring(s.kind))
  end
  -- an option of another kind would be silently ignored: say so instead
  local given = {}
  for k in pairs(spec) do given[#given + 1] = k end
  table.sort(given)
  for _, k in ipairs(given) do
    local kinds = APPLIES[k]
    if kinds and not kinds[s.kind] then
      local list = {}
      for kind in pairs(kinds) do list[#list + 1] = kind end
      table.sort(list)
      fail("model: option '%s' does not apply to kind '%s' (it is for %s)", k, s.kind, table.concat(list, ", "))
    end
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
  local out
  if spec.positive == nil then
    if ty == "string" or ty == "datetime" then
      fail("model: the label '%s' is %s; name the value of the positive class with positive = '...'", spec.label,
        ty == "string" and "text" or "a date")
    end
    out = ds:derive("_label", "`" .. spec.label .. "`")
  else
    local vals, lab = ds:column(spec.label), { n = #ds }
    local pos = spec.positive
    for i = 1, lab.n do
      local v = vals[i]
      if v ~= nil then lab[i] = (v == pos or tostring(v) == tostring(pos)) and 1 or 0 end
    end
    out = ds:with_column("_label", lab, "int64")
  end
  local missing = out:count_rows("is_missing(_label)")
  if missing > 0 then
    local lab, first = out:column("_label"), nil
    for i = 1, lab.n do if lab[i] == nil then first = i break end end
    fail("model: %d row%s %s no value in the label column '%s' (the first is row %d)", missing,
      missing == 1 and "" or "s", missing == 1 and "has" or "have", spec.label, first)
  end
  return out
end

local function nonempty(list)
  return type(list) == "table" and #list > 0 and list or nil
end

-- The C side's spec, and the training data (with a "_weight" column when
-- class weights turn into row weights: XGBoost has no class weights).
local function c_spec(s, ds_labelled)
  local c = { kind = s.kind, task = s.task, label = "_label", label_name = s.label,
              features = nonempty(s.features), categorical = nonempty(s.categorical), scale = s.scale,
              l1 = s.penalty == "l1", eta = s.eta, weights = s.weights }
  for _, k in ipairs(PASS) do c[k] = s[k] end
  local cw, w0, w1 = s.class_weight, nil, nil
  if cw ~= nil and s.task ~= "classify" then
    fail("model: class_weight applies to classifiers only")
  end
  if cw == "balanced" then
    local n, pos = #ds_labelled, ds_labelled:sum("_label") or 0
    if pos > 0 and pos < n then w0, w1 = n / (2 * (n - pos)), n / (2 * pos) end
  elseif type(cw) == "table" then
    w0, w1 = cw[0] or 1, cw[1] or 1
  end
  if w0 and s.kind == "logistic" then
    c.class_weight_0, c.class_weight_1 = w0, w1
  elseif w0 then
    if s.weights then fail("model: give class_weight or weights, not both") end
    ds_labelled = ds_labelled:derive("_weight", string.format("if(_label == 1, %.17g, %.17g)", w1, w0))
    c.weights = "_weight"
  end
  return c, ds_labelled
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
  local spec, train = c_spec(self.spec, with_label(self.spec, ds))
  local valid = opts.validation and with_label(self.spec, opts.validation) or nil
  self.core, self.encoding = M.core._model_fit(train, spec, valid)
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
    if l == nil and labels then
      -- spend_last_90d: the label of spend_last with {days} = 90
      local base, days = key:match("^(.-)_(%d+)d$")
      l = base and labels[base]
      if type(l) == "string" then l = l:gsub("{days}", days) end
    end
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

-- m:reasons(ds [, { top = 3, direction = "up", labels = {...}, format = fn, item = fn,
--                   column = "reasons", separator = "; " }]) -> ds with a text column:
-- the features that push each row's prediction up the most ("up"; "down",
-- or "any" by size), by SHAP contribution for XGBoost and coefficient x
-- (value - training mean) for linear models, each with the row's value:
-- "days since the last purchase (184); country: France".  The one-hot
-- features of a categorical column are summed into the column's effect.  format(x, feature)
-- formats the numbers (default: up to 2 decimals); item(name, value, numeric)
-- writes one reason (default "name (value)" for a number, "name: value" else).
function Model:reasons(ds, opts)
  need_fit(self)
  opts = opts or {}
  local top = opts.top or 3
  local fmt = opts.format or plain_number
  local item = opts.item or function(name, value, numeric)
    return string.format(numeric and "%s (%s)" or "%s: %s", name, value)
  end
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
        -- a reason is a column of ds (the one-hot features of a categorical
        -- column count together), shown with this customer's own value
        local name = (feature_name(opts.labels, f))
        if ds:has(f) then
          values[f] = values[f] or ds:column(f)
          local v = values[f][i]
          if type(v) == "number" then
            name = item(name, fmt(v, f), true)
          elseif v ~= nil then
            name = item(name, tostring(v), false)
          end
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
