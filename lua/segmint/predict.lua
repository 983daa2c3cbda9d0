-- Churn risk and predicted customer value for the default analysis
-- (analysis.lua calls it when the recipe has a `models` section):
--
--   models = {
--     horizon_days = 90,        -- churned = no purchase in the 90 days after the cutoff
--     churn = { kind = "boosting", max_depth = 4 },        -- any segmint.model options
--     clv = { kind = "ridge", horizon_days = 90 },         -- predicted_clv: spend in the next 90 days
--     customers = "data/customers.csv",                     -- optional: a customer table to join
--     categorical = { "country", "channel" },               -- its (or the transactions') text columns
--     numeric = { "age" },                                  -- its numeric columns
--     products = "data/products.csv", category = "category",   -- optional: item categories
--     features = require "rules.features",                  -- names of the features for people
--     at_risk = 0.5, test_share = 0.25,
--   }
--
-- Training follows the calibration/holdout idea: features are computed at
-- a cutoff `horizon` days before as_of from the transactions before it,
-- and labelled with what the customer did in the horizon that follows;
-- a stratified share of those customers is held out to measure the
-- model.  The fitted model then scores every customer from the features
-- at as_of: the probability of no purchase in the next horizon days.
local M = {}

-- The model features of segmint.features; the spend_* ones carry their
-- window in their names (spend_last_90d for a 90-day window).
M.FEATURE_BASES = { "recency_days", "frequency", "monetary", "avg_basket", "tenure_days", "ipt_mean_days",
  "ipt_sd_days", "spend_last", "spend_prev", "spend_change", "distinct_items",
  "distinct_categories", "returned_share" }

function M.features(window_days)
  local out = {}
  for i, f in ipairs(M.FEATURE_BASES) do
    out[i] = f:match("^spend_") and string.format("%s_%dd", f, window_days) or f
  end
  return out
end

-- "YYYY-MM-DD..." moved by n days, as "YYYY-MM-DD" (the core's calendar)
local function shift_date(sg, date, n)
  local t = sg.time(date:sub(1, 10))
  if not t then error("predict: bad date '" .. tostring(date) .. "'", 2) end
  return sg.format_time(t + n * 86400, true)
end

-- Default settings per model kind (a recipe's churn / clv table overrides them).
local DEFAULTS = {
  boosting = { n_estimators = 200, max_depth = 4, learning_rate = 0.05, subsample = 0.8 },
  forest = { n_estimators = 200, max_depth = 8 },
  logistic = {}, linear = {}, ridge = {},
}
local CHURN_KINDS = { boosting = true, forest = true, logistic = true }
local VALUE_KINDS = { boosting = true, forest = true, linear = true, ridge = true }

local function model_spec(what, overrides, task, label, features, categorical, seed)
  -- boosting for churn (its SHAP contributions give the reasons); ridge for
  -- spend, which did as well or better than boosting on the data we tried
  local kind = overrides.kind or (what == "churn" and "boosting" or "ridge")
  local s = { kind = kind, task = task, label = label, features = features, categorical = categorical,
              seed = seed }
  for k, v in pairs(DEFAULTS[kind] or {}) do s[k] = v end
  for k, v in pairs(overrides) do
    if k ~= "horizon_days" then s[k] = v end
  end
  if s.task ~= task then
    error(string.format("analysis: models.%s.task must be \"%s\"", what, task), 0)
  end
  return s
end

-- Under mpirun, when the ranks owning the customers hold the cleaned rows
-- (env.owners, from step models), they compute the features of their
-- customers and rank 0 assembles the table segmint.features gives
-- (segmint.mpi_features, docs/mpi.md); nil when they cannot (the reason is
-- logged).
local function on_owners(sg, env, opts)
  local what = string.format("cutoff %s%s", opts.cutoff,
    opts.horizon_days > 0 and string.format(", labels over %d days", opts.horizon_days) or ", no labels")
  local why = env.owners_why
  if env.owners then
    local f, info, ranks = sg.mpi_features(env.clean, opts, env.owners.gen, env.products)
    if f then
      local per, sum = require("segmint.mpi").per_rank(ranks.customers)
      local products = env.products and string.format(", %d of products sent", ranks.products_bytes) or ""
      sg.info("features on %d MPI ranks by customer: %s; customers %s (%d in all); %d bytes of features gathered%s; "
        .. "feature table %d bytes on rank 0; %.2f s (features %.2f, gather %.2f)", ranks.ranks, what, per, sum,
        ranks.gathered, products, ranks.table_bytes, ranks.seconds.features + ranks.seconds.gather,
        ranks.seconds.features, ranks.seconds.gather)
      return f, info
    end
    why = info
  end
  if why then sg.info("features on rank 0 alone: %s: %s", what, why) end
  return nil
end

-- The per-customer feature table at `cutoff` (with labels when horizon > 0),
-- the customer column named "customer", joined with the customer attributes.
-- The same cutoff and horizon give the same table: built once (the value
-- model's training table is the churn model's when their horizons agree).
local function feature_table(sg, env, cutoff, horizon)
  local key = cutoff .. "|" .. horizon
  env.tables = env.tables or {}
  local done = env.tables[key]
  if done then
    if env.owners then   -- (the ranks' log says what each table cost)
      sg.info("features on %d MPI ranks by customer: cutoff %s%s: the table already built, not asked again",
        sg.mpi_size(), cutoff, horizon > 0 and string.format(", labels over %d days", horizon) or ", no labels")
    end
    return done[1], done[2]
  end
  local opts = { customer = env.cols.customer, date = env.cols.date,
    invoice = env.cols.invoice, amount = "amount", item = env.item, category = env.category and "_category" or nil,
    cutoff = cutoff, horizon_days = horizon, window_days = env.window_days }
  local f, info = on_owners(sg, env, opts)
  if not f then
    -- the transactions with the products' categories, joined once
    if not env.tx then
      env.tx = env.products and env.clean:join(env.products, { on = env.item, how = "left" }) or env.clean
    end
    f, info = sg.features(env.tx, opts)
  end
  if env.cols.customer ~= "customer" then f = f:rename { [env.cols.customer] = "customer" } end
  if env.attributes then f = f:join(env.attributes, { on = "customer", how = "left" }) end
  env.tables[key] = { f, info }
  return f, info
end

-- Reads a per-customer or per-product file; its key must be unique (a
-- repeated key would repeat the customer's rows in every join).
local function read_keyed(sg, src, key, key_type)
  local load = require "segmint.step_load"
  local t = load.read(sg, src, { types = key_type and { [key] = key_type } or nil })
  local path = load.describe(sg, src)
  if not t:has(key) then
    error(string.format("%s: no column '%s'", path, key), 0)
  end
  local missing = t:count_rows(string.format("is_missing(`%s`)", key))
  if missing > 0 then
    error(string.format("%s: column '%s' is empty on %d row%s; each row needs its key", path, key, missing,
      missing == 1 and "" or "s"), 0)
  end
  local n = t:count_distinct(key)
  if n ~= #t then
    error(string.format("%s: column '%s' must identify each row once: %d rows but %d distinct values", path, key,
      #t, n), 0)
  end
  return t
end

-- Under mpirun, when the ranks owning the customers hold the cleaned rows
-- (env.owners), the first value per customer of the columns cats, taken
-- by the owners and assembled on rank 0 (segmint.mpi_group_by,
-- docs/mpi.md): the table tx:group_by gives.  nil when they cannot (the
-- reason is logged).
local function attributes_on_owners(sg, env, cats)
  local why = env.owners_why
  if env.owners then
    local cols = { env.cols.customer }
    for _, c in ipairs(cats) do cols[#cols + 1] = c end
    local t, ranks = sg.mpi_group_by(env.clean, env.owners.gen, "first", cols)
    if t then
      local per, sum = require("segmint.mpi").per_rank(ranks.customers)
      sg.info("attributes on %d MPI ranks by customer: the first %s per customer; customers %s (%d in all); "
        .. "%d bytes gathered; %.2f s (group %.2f, gather %.2f)", ranks.ranks, table.concat(cats, ", "), per, sum,
        ranks.gathered, ranks.seconds.group + ranks.seconds.gather, ranks.seconds.group, ranks.seconds.gather)
      return t
    end
    why = ranks
  end
  if why then sg.info("attributes on rank 0 alone: %s", why) end
  return nil
end

-- The columns of the customer attributes (customers file, or the first
-- value per customer of transaction columns).
local function attributes(sg, cfg, env)
  local tx, cols = env.clean, env.cols
  local cats, nums = cfg.categorical or {}, cfg.numeric or {}
  if #cats + #nums == 0 then return nil end
  if cfg.customers then
    local key = cfg.customer_key or cols.customer
    local t = read_keyed(sg, cfg.customers, key, tx:types()[cols.customer])
    local keep = { key }
    for _, c in ipairs(cats) do keep[#keep + 1] = c end
    for _, c in ipairs(nums) do keep[#keep + 1] = c end
    t = t:select(keep)
    if key ~= "customer" then t = t:rename { [key] = "customer" } end
    return t
  end
  local t
  if #cats > 0 then t = attributes_on_owners(sg, env, cats) end
  if not t then
    local aggs = {}
    for _, c in ipairs(cats) do aggs[#aggs + 1] = { c, "first", c } end
    t = tx:group_by(cols.customer, aggs)
  end
  if cols.customer ~= "customer" then t = t:rename { [cols.customer] = "customer" } end
  return t
end

-- The model's importance per column of the feature table: the one-hot
-- features of a categorical column (country=France, country=Germany...)
-- are summed into the column's (country).
local function by_column(model)
  local sources = model.info and model.info.sources or {}
  local sums, order = {}, {}
  for j, imp in ipairs(model.core:importance()) do   -- in feature order, as sources
    local col = sources[j] or imp.feature
    if not sums[col] then sums[col] = 0; order[#order + 1] = col end
    sums[col] = sums[col] + math.abs(imp.importance)
  end
  local list = {}
  for i, col in ipairs(order) do list[i] = { feature = col, importance = sums[col] } end
  table.sort(list, function(a, b)
    if a.importance ~= b.importance then return a.importance > b.importance end
    return a.feature < b.feature
  end)
  return list
end
M.importance_by_column = by_column

local function top_factors(sg, model, labels, n)
  local list, total, out = by_column(model), 0, {}
  for _, imp in ipairs(list) do total = total + imp.importance end
  for _, imp in ipairs(list) do
    if #out >= n or imp.importance <= 0 then break end
    out[#out + 1] = { feature = imp.feature, name = (sg.feature_name(labels, imp.feature)),
      importance = imp.importance, share = total > 0 and imp.importance / total or 0 }
  end
  return out
end

local KNOWN = { "horizon_days", "churn", "clv", "customers", "customer_key", "categorical", "numeric",
  "products", "category", "item", "features", "feature_columns", "at_risk", "test_share", "factors", "reasons" }

local function bad(key, what) error(string.format("analysis: models.%s must be %s", key, what), 0) end

local function check_list(cfg, key)
  local v = cfg[key]
  if v == nil then return end
  if type(v) ~= "table" then bad(key, "a list of column names") end
  for _, c in ipairs(v) do if type(c) ~= "string" then bad(key, "a list of column names") end end
end

local function check_whole(cfg, key, lo, hi)
  local v = cfg[key]
  if v ~= nil and (math.type(v) ~= "integer" and (type(v) ~= "number" or v ~= math.floor(v)) or v < lo or v > hi) then
    bad(key, string.format("a whole number from %d to %d", lo, hi))
  end
end

local function check_share(cfg, key)
  local v = cfg[key]
  if v ~= nil and (type(v) ~= "number" or not (v > 0 and v < 1)) then bad(key, "a number between 0 and 1") end
end

-- Checks the models section (before any work is done): known keys, and
-- values of the right kind.
function M.check(cfg)
  if type(cfg) ~= "table" then error("analysis: models must be a table of options", 0) end
  local unknown = {}
  local known = {}
  for _, k in ipairs(KNOWN) do known[k] = true end
  for k in pairs(cfg) do
    if not known[k] then unknown[#unknown + 1] = tostring(k) end
  end
  if #unknown > 0 then
    table.sort(unknown)
    local sorted = {}
    for _, k in ipairs(KNOWN) do sorted[#sorted + 1] = k end
    table.sort(sorted)
    local hint = require("segmint.rules").suggest(unknown[1], sorted)
    error(string.format("analysis: models.%s is not an option%s", unknown[1],
      hint and (" (did you mean '" .. hint .. "'?)") or ""), 0)
  end
  check_whole(cfg, "horizon_days", 1, 3650)
  check_whole(cfg, "factors", 1, 50)
  check_whole(cfg, "reasons", 1, 20)
  check_share(cfg, "at_risk")
  check_share(cfg, "test_share")
  check_list(cfg, "categorical")
  check_list(cfg, "numeric")
  check_list(cfg, "feature_columns")
  for _, k in ipairs { "customers", "products", "category", "item", "customer_key" } do
    local v = cfg[k]
    if (k == "customers" or k == "products") and type(v) == "table" then
      if type(v.db) ~= "string" or type(v.query) ~= "string" then bad(k, "a CSV file or { db =, query = }") end
    elseif v ~= nil and type(v) ~= "string" then bad(k, "a string") end
  end
  if (cfg.products == nil) ~= (cfg.category == nil) then
    error("analysis: models.products and models.category go together (the product file and its category column)", 0)
  end
  if cfg.numeric and #cfg.numeric > 0 and not cfg.customers then
    error("analysis: models.numeric names columns of the customers file: give models.customers too", 0)
  end
  if cfg.features ~= nil and type(cfg.features) ~= "table" then bad("features", "a table of names (rules.features)") end
  for _, wk in ipairs { { "churn", CHURN_KINDS }, { "clv", VALUE_KINDS } } do
    local what, kinds = wk[1], wk[2]
    local m = cfg[what]
    if m ~= nil then
      if type(m) ~= "table" then bad(what, "a table of model options") end
      if m.kind ~= nil and not kinds[m.kind] then
        local list = {}
        for k in pairs(kinds) do list[#list + 1] = k end
        table.sort(list)
        bad(what .. ".kind", "one of " .. table.concat(list, ", "))
      end
      if what == "churn" and m.horizon_days ~= nil then
        error("analysis: the churn horizon is models.horizon_days, not models.churn.horizon_days", 0)
      end
      check_whole(m, "horizon_days", 1, 3650)
    end
  end
  -- the model options themselves, as segmint.model will see them
  local models = require "segmint.models"
  for _, w in ipairs { { "churn", "classify" }, { "clv", "regress" } } do
    if cfg[w[1]] ~= nil then
      local ok, msg = pcall(models.new, model_spec(w[1], cfg[w[1]], w[2], "label", {}, {}, 42))
      if not ok then
        error(string.format("analysis: models.%s: %s", w[1], tostring(msg):gsub("^.-model: ", "")), 0)
      end
    end
  end
end

-- Runs the models; returns the customers table with churn_probability,
-- churn_reasons and predicted_clv, and a result table for the report.
function M.run(sg, cfg, env)
  M.check(cfg)   -- analysis.lua checked already; callers of run alone need it too
  local as_of = env.as_of:sub(1, 10)
  local horizon = env.horizon_days or cfg.horizon_days or 90
  local window = env.window_days or 90
  local seed = env.seed or 42
  local labels = cfg.features or {}
  local item = cfg.item or env.cols.item
  local products
  if cfg.products and cfg.category then
    local p = read_keyed(sg, cfg.products, item, env.clean:types()[item])
    products = p:select { item, cfg.category }:rename { [cfg.category] = "_category" }
  end
  local e = { clean = env.clean, products = products, cols = env.cols, item = item,
    category = cfg.products and cfg.category, window_days = window, owners = env.owners, owners_why = env.owners_why }
  e.attributes = attributes(sg, cfg, e)
  local categorical = cfg.categorical or {}
  local res = { horizon = horizon }

  -- churn
  local cutoff = shift_date(sg, as_of, -horizon)
  local hist, hinfo = feature_table(sg, e, cutoff, horizon)
  if not hinfo.horizon_complete then
    error(string.format("models: the data ends on %s, before the end of the %d days after the training cutoff %s "
      .. "(as_of %s): customers would count as churned for lack of data; check as_of or shorten "
      .. "models.horizon_days", (hinfo.last_date or "?"):sub(1, 10), horizon, cutoff, as_of), 0)
  end
  -- the default features the data allows (no categories without a product table)
  local features = cfg.feature_columns
  if not features then
    features = {}
    for _, c in ipairs(M.features(window)) do if hist:has(c) then features[#features + 1] = c end end
    for _, c in ipairs(cfg.numeric or {}) do features[#features + 1] = c end
  end
  if #hist < 20 then
    error(string.format("models: only %d customers bought before the training cutoff %s (as_of %s minus %d days); "
      .. "shorten models.horizon_days or disable models", #hist, cutoff, as_of, horizon), 0)
  end
  local train, test = sg.split(hist, { test = cfg.test_share or 0.25, stratify = "churned", seed = seed })
  local churn = sg.model(model_spec("churn", cfg.churn or {}, "classify", "churned", features, categorical, seed))
  churn:fit(train)
  local cm = churn:evaluate(test)
  res.churn = { model = churn, metrics = cm, cutoff = cutoff, train = #train, test = #test,
    churn_rate = hist:stats("churned").mean, factors = top_factors(sg, churn, labels, cfg.factors or 5),
    dropped = churn.info.dropped,
    -- the held-out customers scored by the fitted model (the report's ROC curve)
    test_scored = churn:predict(test, { column = "churn_probability" }):select { "customer", "churned", "churn_probability" } }
  sg.info("churn model (%s): accuracy %.3f, AUC %.3f on %d held-out customers", churn.spec.kind,
    cm.accuracy or 0, cm.auc or 0, #test)

  -- value: spend in the clv horizon after the cutoff
  local clv_h = (cfg.clv or {}).horizon_days or horizon
  local clv_cut = shift_date(sg, as_of, -clv_h)
  local chist, cinfo = feature_table(sg, e, clv_cut, clv_h)
  if #chist >= 20 and cinfo.horizon_complete then
    local ctrain, ctest = sg.split(chist, { test = cfg.test_share or 0.25, seed = seed })
    local clv = sg.model(model_spec("clv", cfg.clv or {}, "regress", "future_spend", features, categorical, seed))
    clv:fit(ctrain)
    local vm = clv:evaluate(ctest)
    res.clv = { model = clv, metrics = vm, cutoff = clv_cut, horizon = clv_h, train = #ctrain, test = #ctest,
      mean_spend = chist:stats("future_spend").mean,
      -- the held-out customers scored by the fitted model (the report's spend check)
      test_scored = clv:predict(ctest, { column = "predicted" }):select { "customer", "future_spend", "predicted" } }
    sg.info("value model (%s): RMSE %.2f, R2 %.3f on %d held-out customers", clv.spec.kind, vm.rmse or 0,
      vm.r2 or 0, #ctest)
  elseif not cinfo.horizon_complete then
    sg.info("value model skipped: the data ends before %d days after %s (as_of minus %d days)", clv_h, clv_cut, clv_h)
  else
    sg.info("value model skipped: only %d customers bought before %s (as_of minus %d days)", #chist, clv_cut, clv_h)
  end

  -- scoring every customer at as_of
  local now = feature_table(sg, e, as_of, 0)
  local scored = churn:predict(now, { column = "churn_probability" })
  local at_risk = env.at_risk or cfg.at_risk or 0.5
  local risky = scored:filter(string.format("churn_probability >= %.17g", at_risk))
  local out = scored:select { "customer", "churn_probability" }
  if #risky > 0 then
    local reasons = churn:reasons(risky, { top = cfg.reasons or 3, labels = labels, format = env.format, item = env.reason_item,
      separator = env.reason_separator, column = "churn_reasons" })
    out = out:join(reasons:select { "customer", "churn_reasons" }, { on = "customer", how = "left" })
  else
    out = out:with_column("churn_reasons", { n = #out }, "string")   -- nobody at risk: all missing
  end
  if res.clv then
    local v = res.clv.model:predict(now, { column = "_clv" })
    -- a regression can go below zero; spend cannot
    v = v:derive("predicted_clv", "if(_clv < 0, 0, _clv)")
    out = out:join(v:select { "customer", "predicted_clv" }, { on = "customer", how = "left" })
  end
  res.at_risk = { threshold = at_risk, count = #risky, share = #now > 0 and #risky / #now or 0 }
  res.scores = out
  return res
end

return M
