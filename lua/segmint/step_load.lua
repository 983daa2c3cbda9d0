-- Step "load": reads the transactions (ctx.res.transactions) from a CSV
-- file (`transactions = "sales.csv"`, read with `read = {...}`) or from a
-- database (`transactions = { db = "sqlite:shop.db" or a PostgreSQL
-- connection string, query = "SELECT ...", params = {...}, types = {...} }`,
-- read with segmint.read_sql).  The columns the analysis computes with
-- must hold numbers (quantity, price) and dates (date): when one came out
-- as text, the source is read again, so the failure names the place and
-- the value (exit code 3), not an arithmetic error later.  For a CSV file
-- the second read uses `expect` when the reader found the column almost
-- all numbers or dates (its message says how many values are bad), else
-- the type forced; a database column is converted to the type.
local S = {}

local mpi = require "segmint.mpi"   -- under mpirun the ranks read the file together

local NUMERIC = { int64 = true, double = true }

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- The source described for the manifest and the history (no password).
function S.describe(sg, src)
  if type(src) == "table" then return sg.mask_secret(src.db) .. ": " .. src.query end
  return src
end

-- Is src a database source ({ db =, query = })?
function S.is_sql(src) return type(src) == "table" end

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
  local t, msg = sg.read_csv(src, csv)
  if not t then error(msg, 0) end
  return t
end

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols
  local src = cfg.transactions
  local tx, rep
  if type(src) == "table" then
    tx, rep = read_sql(sg, src)
  else
    tx, rep = mpi.read_csv(sg, src, cfg.read)
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
    if type(src) == "table" then
      tx = read_sql(sg, src, want)
    else
      local read = copy(cfg.read)
      read.types, read.expect = copy(read.types), copy(read.expect)
      for k, v in pairs(want) do
        if suspect[k] then read.expect[k] = v == "double" and "number" or v else read.types[k] = v end
      end
      local again, msg = mpi.read_csv(sg, src, read)
      if not again then error(msg, 0) end
      tx = again    -- the type was only inferred too cautiously
    end
  end
  ctx.res.transactions = tx
  -- what the manifest, summary and report say of the loaded data: recorded
  -- here, as cleaning takes the table over (and a recipe may replace it)
  ctx.res.loaded = { rows = #tx, period = tx:stats(cols.date) }
  sg.info("loaded %s", tostring(tx))
end

return S
