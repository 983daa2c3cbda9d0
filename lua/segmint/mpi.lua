-- Runs under mpirun (docs/mpi.md): rank 0 runs the recipe, the other ranks
-- serve it.  The load step reads the transactions CSV through here: with
-- several ranks every rank reads a part of the file and rank 0 gets the
-- same dataset and report as segmint.read_csv gives; otherwise it is
-- segmint.read_csv.
local M = {}

-- The number of ranks of the run (1 without mpirun).
function M.ranks(sg)
  return sg.mpi_size and sg.mpi_size() or 1
end

-- segmint.read_csv(path, opts), distributed when the run has ranks.
function M.read_csv(sg, path, opts)
  if not sg.mpi_read_csv then return sg.read_csv(path, opts) end
  local t, rep = sg.mpi_read_csv(path, opts)   -- one rank: read_csv itself
  if t and M.ranks(sg) > 1 then sg.info("read %s on %d MPI ranks", path, M.ranks(sg)) end
  return t, rep
end

return M
