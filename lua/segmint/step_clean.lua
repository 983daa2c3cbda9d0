-- Step "clean": the retail cleaning policies of the recipe's `clean`
-- table (segmint.clean), with the column mapping; adds `amount`.  Only
-- the columns cleaning works on are passed on; the others of the mapping
-- (satisfaction...) are read by later steps, and cleaning keeps every
-- column of the data.
local S = {}

S.transactions = true   -- reads them (see step_load's streaming path, which skips this step)

-- after the streaming pass of step load there is nothing to clean
function S.enabled(ctx) return not ctx.streamed end

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg, ctx.cols
  -- a mapped satisfaction column must exist and hold scores
  local sat = cols.satisfaction
  if sat ~= nil then
    local tx = ctx.res.transactions
    if type(sat) ~= "string" then error("analysis: columns.satisfaction must be a column name", 0) end
    if not tx:has(sat) then
      error(string.format("analysis: columns.satisfaction names column '%s', which the data does not have "
        .. "(columns: %s)", sat, table.concat(tx:columns(), ", ")), 0)
    end
    local ty = tx:types()[sat]
    if ty ~= "int64" and ty ~= "double" then
      error(string.format("analysis: columns.satisfaction: column '%s' holds %s, not scores (numbers such as 1 to 5)",
        sat, ty), 0)
    end
  end
  local copts = require("segmint.step_load").clean_options(cfg, cols)
  -- cleaning takes the loaded table over (compacted in place, no second copy of the kept rows;
  -- ctx.res.transactions is closed): what later steps read of it is in ctx.res.loaded (step load)
  local tx = ctx.res.transactions
  if copts.consume == nil then copts.consume = true end
  local clean, report, exchange = sg.clean(tx, copts)
  ctx.res.clean, ctx.res.cleaning = clean, report
  -- under mpirun: do the ranks owning the customers hold exactly these
  -- cleaned rows (step rfm then runs there)?
  if exchange and exchange.owners_hold then
    ctx.res.clean_owned = { ds = clean, gen = exchange.owners_hold }
  elseif exchange then
    ctx.res.clean_owned = { why = "cleaning ran on rank 0 alone: " .. tostring(exchange.why) }
  end
  if exchange and exchange.owned then
    local owned = {}
    for k, rows in ipairs(exchange.owned) do owned[k] = string.format("rank %d %d", k - 1, rows) end
    local s = exchange.seconds
    sg.info("cleaned on %d MPI ranks by customer: rows owned %s; %d bytes of rows exchanged between ranks, "
      .. "%d bytes of results gathered; %.2f s (check %.2f, pack %.2f, exchange %.2f, clean %.2f, gather %.2f)",
      exchange.ranks, table.concat(owned, ", "), exchange.exchanged, exchange.gathered,
      s.check + s.pack + s.exchange + s.clean + s.gather, s.check, s.pack, s.exchange, s.clean, s.gather)
  elseif exchange and exchange.why ~= "one rank" then
    sg.info("cleaned on rank 0 alone: %s", exchange.why)
  end
  -- the owners hold the cleaned rows and tallied the report: rank 0 built
  -- neither, and its cleaned dataset is released from the start (the rows
  -- come back if a step reads them here)
  if exchange and exchange.tallied then
    sg.info("cleaning report from the owners' tallies: rank 0 did no row work in cleaning (%d rows in, %d kept, "
      .. "%d customers)", report.rows_in, report.rows_out, report.customers_out)
    if #clean > 0 then
      sg.info("cleaned table released on rank 0: the %d MPI ranks owning the customers hold its %d rows; %d bytes "
        .. "freed (rank 0's loaded table, or its part of the read, once its rows were packed; its cleaned rows were "
        .. "never built: gathered "
        .. "back only if a step reads them on rank 0)", sg.mpi_size(), #clean, exchange.freed)
    end
  end
  sg.info("cleaned: %d of %d lines kept", report.rows_out, report.rows_in)
end

return S
