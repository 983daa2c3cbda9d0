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

return M
