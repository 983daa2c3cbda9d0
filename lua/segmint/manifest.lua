-- manifest.json of the default analysis: what was run, on what, with
-- which rules, when, and what it produced, each file with its SHA-256.
local M = {}

local SECRET_KEY = { "pass", "secret", "token", "key", "pwd", "credential" }

-- A command-line argument or parameter with any secret masked: the value
-- of KEY=VALUE when the key looks like a password or token, and the
-- password of a connection string (user:password@host, password=...).
function M.mask(text)
  if type(text) ~= "string" then return text end
  local s = text:gsub("(%w+://[^:/@%s]*:)[^@%s]*@", "%1***@")
  s = s:gsub("([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]%s*=%s*)[^%s;&]+", "%1***")
  local key, value = s:match("^([%w_%.%-]+)=(.*)$")
  if key and value ~= "" then
    local lk = key:lower()
    for _, w in ipairs(SECRET_KEY) do
      if lk:find(w, 1, true) then return key .. "=***" end
    end
  end
  return s
end

local function sha(sg, path)
  local h, err = sg.sha256_file(path)
  if not h then error(err, 0) end
  return h
end

-- The manifest table for a finished analysis that wrote `files` (names under out).
function M.build(ctx, files)
  local sg, cfg, res = ctx.sg, ctx.cfg, ctx.res
  local outputs = {}
  for i, name in ipairs(files) do
    outputs[i] = { path = name, sha256 = sha(sg, ctx.out .. "/" .. name) }
  end
  local inputs = {}
  for _, p in ipairs(ctx.input_files or { cfg.transactions }) do
    inputs[#inputs + 1] = { path = p, sha256 = sha(sg, p) }
  end
  for _, q in ipairs(ctx.input_sources or {}) do
    inputs[#inputs + 1] = { query = q, rows = res.loaded.rows }
  end
  local run = sg._run_info and sg._run_info() or {}
  local rules_used = {}
  if run.recipe then rules_used[1] = { path = run.recipe, sha256 = sha(sg, run.recipe), role = "recipe" } end
  for _, p in ipairs(run.files or {}) do
    rules_used[#rules_used + 1] = { path = p, sha256 = sha(sg, p), role = "rules" }
  end
  local argv = {}
  for i, a in ipairs(run.argv or {}) do argv[i] = M.mask(a) end
  local xs = cfg.cross_sell or {}
  local ropts = ctx.rfm_options or {}
  return {
    segmint = sg.version, libraries = sg.libraries(), generated = ctx.generated, seed = cfg.seed,
    command = argv,
    started = run.started and os.date("!%Y-%m-%dT%H:%M:%SZ", run.started) or nil,
    duration_seconds = math.floor((sg.elapsed() - ctx.started) * 1000 + 0.5) / 1000,
    recipe = rules_used,
    inputs = inputs, outputs = outputs,
    parameters = { columns = ctx.cols, clean = res.cleaning.policy, as_of = res.rfm_info.as_of,
      bins = ropts.bins or 5, frequency = ropts.frequency or "invoices", language = ctx.language,
      currency = ctx.currency_code, periods = ctx.periods, rfm_edges = res.rfm_info.edges,
      cross_sell = { item = xs.item or ctx.cols.item, min_support = xs.min_support },
      columns_named_after_periods = res.btyd and { res.btyd.expected_column, res.btyd.clv_column } or nil },
    load = res.load_path,
    counts = { transactions = res.loaded.rows, clean = res.clean and #res.clean or res.cleaning.rows_out,
      customers = #ctx.customers,
      rules = res.cross_sell_rules and #res.cross_sell_rules or nil, clusters = res.kmeans and res.kmeans:info().k or nil },
  }
end

return M
