-- Step "load": reads the transactions (ctx.res.transactions) from a CSV
-- file (`transactions = "sales.csv"`, read with `read = {...}`), from a
-- list of CSV files with the same header (`transactions = { files = {
-- "jan.csv", "feb.csv" } }`: their rows in list order, as one file
-- concatenated without the repeated headers would give) or from a
-- database (`transactions = { db = "sqlite:shop.db" or a PostgreSQL
-- connection string, query = "SELECT ...", params = {...}, types = {...} }`,
-- read with segmint.read_sql).  The columns the analysis computes with
-- must hold numbers (quantity, price) and dates (date): when one came out
-- as text, the source is read again, so the failure names the place and
-- the value (exit code 3), not an arithmetic error later.  For a CSV file
-- the second read uses `expect` when the reader found the column almost
-- all numbers or dates (its message says how many values are bad), else
-- the type forced; a database column is converted to the type.
--
-- The streaming path: when every enabled step after rfm needs only the
-- per-customer table (no step reading ctx.res.clean; see S.stream_plan),
-- load, clean and rfm are one pass over the CSV file (segmint.rfm_csv with
-- the cleaning steps), memory bounded by customers and invoices instead of
-- rows, with the same cleaning report, period, counts and customer table
-- as the table path; steps clean and rfm are then skipped.  `stream =
-- false` forces the table path, `stream = true` makes its absence an error.
local S = {}

S.transactions = true   -- reads them

local mpi = require "segmint.mpi"   -- under mpirun the ranks read the file together

local NUMERIC = { int64 = true, double = true }

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- The source described for the manifest and the history (no password).
function S.describe(sg, src)
  if S.is_files(src) then return table.concat(src.files, ", ") end
  if type(src) == "table" then return sg.mask_secret(src.db) .. ": " .. src.query end
  return src
end

-- Is src a list of CSV files ({ files = { ... } })?
function S.is_files(src) return type(src) == "table" and src.files ~= nil end

-- Is src a database source ({ db =, query = })?
function S.is_sql(src) return type(src) == "table" and src.files == nil end

-- What segmint.read_csv reads for a CSV source: the path, or the list.
local function csv_arg(src)
  if S.is_files(src) then return src.files end
  return src
end

local function read_sql(sg, src, types)
  local spec = copy(src)
  spec.types = copy(src.types)
  for k, v in pairs(types or {}) do spec.types[k] = v end
  local tx, info = sg.read_sql(spec)
  if not tx then error(info, 0) end
  return tx, { warnings = {}, suspects = {} }
end

-- Any other input of the analysis (customer attributes, products, past
-- campaigns): a CSV file read with `csv` (its `types` also apply to a
-- database source), or { db =, query = [, params =, types =] }.  Raises
-- the reader's message (a data error: exit 3).
function S.read(sg, src, csv)
  if S.is_sql(src) then return (read_sql(sg, src, csv and csv.types)) end
  local t, msg = sg.read_csv(csv_arg(src), csv)
  if not t then error(msg, 0) end
  return t
end

-- The roles whose column the streaming pass reads, and the read.types it
-- reads them as (a text column must be declared text: the whole-file
-- reader would infer numbers or dates from the file, which one pass over
-- per-customer state cannot know in advance).
local STREAM_TYPES = {
  customer = { string = true }, invoice = { string = true }, item = { string = true },
  quantity = { int64 = true, double = true, number = true }, price = { int64 = true, double = true, number = true },
  date = { datetime = true },
}
local ROLES = { "customer", "invoice", "item", "quantity", "price", "date" }

-- The cleaning options step clean passes to segmint.clean.
function S.clean_options(cfg, cols)
  local copts = {}
  for k, v in pairs(cfg.clean or {}) do copts[k] = v end
  for _, k in ipairs { "customer", "invoice", "quantity", "price", "date", "item" } do
    if copts[k] == nil then copts[k] = cols[k] end
  end
  copts.amount = "amount"
  return copts
end

-- The options step rfm passes to segmint.rfm.
function S.rfm_options(cfg, cols)
  local ropts = { customer = cols.customer, date = cols.date, invoice = cols.invoice, amount = "amount" }
  for k, v in pairs(cfg.rfm or {}) do ropts[k] = v end
  return ropts
end

-- Can load, clean and rfm be one streaming pass?  Decided from the settings
-- before any data is read (ctx after analysis.prepare): the plan for
-- segmint.rfm_csv, or nil and why not.
function S.stream_plan(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols or {}
  if cfg.stream == false then return nil, "stream = false" end
  if S.is_files(cfg.transactions) then return nil, "the transactions are a list of files" end
  if type(cfg.transactions) ~= "string" then return nil, "the transactions come from a database query" end
  local steps = ctx.steps or {}
  for i, name in ipairs { "load", "clean", "rfm" } do
    local st = steps[i]
    if not st or st.name ~= name or st.custom then
      return nil, string.format("the steps do not start with the default load, clean and rfm (step %d is '%s')", i,
        st and st.name or "none")
    end
  end
  for i = 4, #steps do
    local st = steps[i]
    if st.transactions ~= false and (not st.enabled or st.enabled(ctx)) then
      if st.custom then
        return nil, string.format("step '%s' may read the transactions (declare transactions = false if it does not)",
          st.name)
      end
      return nil, string.format("step '%s' reads the transactions", st.name)
    end
  end
  if cols.satisfaction ~= nil then return nil, "columns.satisfaction is checked against the transactions" end
  local read = cfg.read or {}
  if type(read) ~= "table" then return nil, "read is not a table" end
  for k in pairs(read) do
    if k ~= "types" then return nil, string.format("read.%s is not an option of the streaming pass", tostring(k)) end
  end
  local types = read.types or {}
  if type(types) ~= "table" then return nil, "read.types is not a table" end
  local copts = S.clean_options(cfg, cols)
  local ropts = S.rfm_options(cfg, cols)
  for _, role in ipairs { "customer", "invoice", "quantity", "price", "date" } do
    if copts[role] ~= cols[role] or (ropts[role] ~= nil and ropts[role] ~= cols[role]) then
      return nil, string.format("clean or rfm names another %s column than columns.%s", role, role)
    end
  end
  local plan, why = require("segmint.clean").stream_plan(copts)
  if not plan then return nil, why end
  local needs = { customer = true, date = true, quantity = true, price = true,
    invoice = (ropts.frequency or "invoices") == "invoices" or plan.steps.cancel_prefix ~= nil,
    item = plan.steps.non_product ~= nil }
  local role_of = {}
  for _, role in ipairs(ROLES) do
    local c = (role == "item" or role == "invoice") and copts[role] or cols[role]
    if needs[role] and type(c) == "string" then role_of[c] = role_of[c] or role end
  end
  for c, ty in pairs(types) do
    local role = role_of[c]
    if not role then
      -- a column read as text cannot fail the whole-file read; another type could
      if ty ~= "string" then
        return nil, string.format("read.types.%s = %s: the streaming pass does not read that column", tostring(c),
          tostring(ty))
      end
    elseif not STREAM_TYPES[role][ty] then
      return nil, string.format("read.types.%s = %s (the %s column)", tostring(c), tostring(ty), role)
    end
  end
  for _, role in ipairs { "customer", "invoice", "item" } do
    local c = role == "customer" and cols.customer or copts[role]
    if needs[role] and types[c] ~= "string" then
      return nil, string.format("the %s column's type would be inferred from the whole file (declare read.types.%s = "
        .. "\"string\" to stream)", role, tostring(c))
    end
  end
  -- last, so that a run on several ranks gives the reason one process gives when there is another
  local ranks = sg.mpi_size()
  if ranks > 1 then return nil, string.format("the run has %d MPI ranks, which read the file together", ranks) end
  ropts.amount, ropts.quantity, ropts.price = nil, cols.quantity, cols.price
  ropts.clean_steps = plan.steps
  return { clean = plan, rfm = ropts }
end

-- Load, clean and rfm in one pass.  False and why when the data needs the
-- table path after all (then nothing is kept); raises on bad data.
local function run_stream(ctx)
  local sg, cfg, cols, stream = ctx.sg, ctx.cfg, ctx.cols, ctx.stream
  local src = cfg.transactions
  local rfm, info, kind = sg.rfm_csv(src, stream.rfm)
  if not rfm then
    if kind == "unsupported" then return false, info end
    error(info, 0)
  end
  local cleaning = require("segmint.clean").stream_report(stream.clean, info.cleaning)
  ctx.res.loaded = { rows = info.rows_read, period = info.period or {} }
  ctx.res.cleaning = cleaning
  ctx.res.rfm_info = { as_of = info.as_of, rows_used = info.rows_used, rows_after_as_of = info.rows_after_as_of,
    rows_missing = info.rows_missing, edges = info.edges }
  ctx.res.load_path = { path = "stream", passes = info.passes }
  ctx.customers = rfm
  ctx.rfm_options = S.rfm_options(cfg, cols)
  ctx.as_of = info.as_of:sub(1, 10)
  ctx.streamed = true
  sg.info("loaded %s in one streaming pass of load, clean and rfm, as every later step needs only per-customer "
    .. "data (%d rows, %d customers%s)", S.describe(sg, src), info.rows_read, #rfm,
    info.passes > 1 and "; a second pass recounted the customers whose rows are out of time order" or "")
  sg.info("cleaned: %d of %d lines kept", cleaning.rows_out, cleaning.rows_in)
  return true
end

-- The read options of the transactions: under mpirun with several ranks, an
-- invoice column read as text keeps its strings on the ranks (no step reads
-- them on rank 0: the owners count the orders), so rank 0 does not hold
-- every invoice id of the file (docs/mpi.md, "The distributed read").
local function read_options(sg, read, cols)
  local types = read and read.types
  if sg.mpi_size() < 2 or not cols.invoice or type(types) ~= "table" or types[cols.invoice] ~= "string" then
    return read
  end
  local r = copy(read)
  r.strings_on_ranks = { cols.invoice }
  return r
end

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols
  if ctx.stream then
    local ok, why = run_stream(ctx)
    if ok then return end
    if cfg.stream == true then error("analysis: stream = true, but the streaming pass cannot be used: " .. why, 0) end
    ctx.stream_why = why   -- said with the table path's "loaded" line
  end
  ctx.res.load_path = { path = "table", reason = ctx.stream_why }
  local src = cfg.transactions
  local tx, rep
  if S.is_sql(src) then
    tx, rep = read_sql(sg, src)
  else
    tx, rep = mpi.read_csv(sg, csv_arg(src), read_options(sg, cfg.read, cols))
    if not tx then error(rep, 0) end
  end
  for _, w in ipairs(rep.warnings or {}) do sg.info("%s: %s", S.describe(sg, src), w) end
  local suspect = {}
  for _, sp in ipairs(rep.suspects or {}) do suspect[sp.column] = true end
  local types = tx:types()
  local want = {}
  for _, role in ipairs { "quantity", "price" } do
    local c = cols[role]
    if types[c] and not NUMERIC[types[c]] then want[c] = "double" end
  end
  if types[cols.date] and types[cols.date] ~= "datetime" then want[cols.date] = "datetime" end
  if next(want) then
    if S.is_sql(src) then
      tx = read_sql(sg, src, want)
    else
      local read = copy(cfg.read)
      read.types, read.expect = copy(read.types), copy(read.expect)
      for k, v in pairs(want) do
        if suspect[k] then read.expect[k] = v == "double" and "number" or v else read.types[k] = v end
      end
      tx:close()   -- (its rows, if the ranks hold them, need not come back before the read below)
      local again, msg = mpi.read_csv(sg, csv_arg(src), read_options(sg, read, cols))
      if not again then error(msg, 0) end
      tx = again    -- the type was only inferred too cautiously
    end
  end
  -- a product-name column for cross-selling, named now rather than after the models
  if type(cfg.cross_sell) == "table" then
    require("segmint.step_cross_sell").check_names_column(cfg.cross_sell.names, tx)
  end
  ctx.res.transactions = tx
  -- what the manifest, summary and report say of the loaded data: recorded
  -- here, as cleaning takes the table over (and a recipe may replace it)
  -- (the date range without the rows when they stayed on the MPI ranks that read them)
  ctx.res.loaded = { rows = #tx, period = tx:mpi_read_range(cols.date) or tx:stats(cols.date) }
  sg.info("loaded %s (table path; no streaming pass: %s)", tostring(tx), ctx.stream_why or "not planned")
end

return S
