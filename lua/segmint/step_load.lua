-- Step "load": reads the transactions (ctx.res.transactions).  The columns
-- the analysis computes with must hold numbers (quantity, price) and dates
-- (date): when one was read as text because of a bad value, the file is
-- read again, so the failure names the file, line, column and value (exit
-- code 3), not an arithmetic error later: with `expect` when the reader
-- found the column almost all numbers or dates (its message says how many
-- values are bad), else with the type forced.
local S = {}

local NUMERIC = { int64 = true, double = true }

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols
  local tx, rep = assert(sg.read_csv(cfg.transactions, cfg.read))
  for _, w in ipairs(rep.warnings or {}) do sg.info("%s: %s", cfg.transactions, w) end
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
    local read = {}
    for k, v in pairs(cfg.read or {}) do read[k] = v end
    read.types, read.expect = {}, {}
    for k, v in pairs((cfg.read or {}).types or {}) do read.types[k] = v end
    for k, v in pairs((cfg.read or {}).expect or {}) do read.expect[k] = v end
    for k, v in pairs(want) do
      if suspect[k] then read.expect[k] = v == "double" and "number" or v else read.types[k] = v end
    end
    local again, msg = sg.read_csv(cfg.transactions, read)
    if not again then error(msg, 0) end
    tx = again    -- the type was only inferred too cautiously
  end
  ctx.res.transactions = tx
  sg.info("loaded %s", tostring(tx))
end

return S
