-- Runs under mpirun (docs/mpi.md): rank 0 runs the recipe, the other ranks
-- serve it.  The load step reads the transactions CSV through here: with
-- several ranks every rank reads a part of the file and rank 0 gets the
-- same dataset and report as segmint.read_csv gives; otherwise it is
-- segmint.read_csv.
local M = {}

-- segmint.read_csv(path, opts), distributed when the run has ranks.
function M.read_csv(sg, path, opts)
  local t, rep = sg.mpi_read_csv(path, opts)   -- one rank: read_csv itself
  local ranks = sg.mpi_size()
  if t and ranks > 1 then sg.info("read %s on %d MPI ranks", path, ranks) end
  return t, rep
end

-- Whether the ranks owning the customers hold the cleaned rows (under
-- mpirun with several ranks; ctx.res.clean_owned, from step clean): true,
-- or false and why (nil when there are no such ranks).  The per-customer
-- steps (btyd, cross_sell) then work where the rows are.
function M.owners_hold(ctx)
  local own = ctx.res.clean_owned
  if not (own and ctx.sg.mpi_size() >= 2) then return false end
  if own.why then return false, own.why end
  if own.ds ~= ctx.res.clean then return false, "the cleaned table changed after cleaning" end
  return true
end

-- "rank 0 n0, rank 1 n1, ..." and their sum, from a list of counts per rank
-- (the log lines of the steps on the owners)
function M.per_rank(counts)
  local per, sum = {}, 0
  for k, c in ipairs(counts) do per[k] = string.format("rank %d %d", k - 1, c); sum = sum + c end
  return table.concat(per, ", "), sum
end

return M
