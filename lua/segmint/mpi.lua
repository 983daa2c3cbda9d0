-- Runs under mpirun (docs/mpi.md): rank 0 runs the recipe, the other ranks
-- serve it.  The load step reads the transactions CSV through here: with
-- several ranks every rank reads a part of the file and rank 0 gets the
-- same dataset and report as segmint.read_csv gives; otherwise it is
-- segmint.read_csv.
local M = {}

-- segmint.read_csv(path or list of paths, opts), distributed when the run
-- has ranks (a list: each rank reads a run of whole files).
function M.read_csv(sg, path, opts)
  local t, rep, remote = sg.mpi_read_csv(path, opts)   -- one rank: read_csv itself
  local ranks = sg.mpi_size()
  if t and ranks > 1 then
    if type(path) == "table" then
      sg.info("read %d files (%s) on %d MPI ranks, whole files per rank", #path, table.concat(path, ", "), ranks)
    else
      sg.info("read %s on %d MPI ranks", path, ranks)
    end
    if remote then
      local keep = opts and opts.strings_on_ranks
      sg.info("rank 0 merged the parts' dictionaries and report, not their rows: %d rows stay on the %d ranks "
        .. "that read them until a step reads them%s", #t, ranks,
        keep and #keep > 0 and string.format(" (and the strings of %s: rank 0 has none of them)",
          table.concat(keep, ", ")) or "")
    end
  end
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

-- The activity series of a step (kpis, alerts): a function with the
-- arguments and results of segmint.activity_series_list (a list of
-- segmint.activity_series options, every window the step needs, and
-- their { dataset, info } back, with the batch's earliest date) that, when
-- the ranks owning the customers hold the cleaned rows and it is asked for
-- the cleaned table, computes the series there in one command
-- (segmint.mpi_activity_series_list: each owner walks its own customers
-- once for every window and rank 0 adds up their partial series,
-- docs/mpi.md), else on rank 0 over its table; and a function that logs
-- once what the calls did, "activity on N MPI ranks by customer: W
-- windows in C commands ..." or "... on rank 0 alone: why" (nothing
-- without ranks).  first_date: the step uses the earliest date the batch
-- gives (batch.first, step kpis): the report then says it came from the
-- owners' dates, "first date on N MPI ranks by customer: ...".
function M.activity(ctx, step, first_date)
  local sg = ctx.sg
  local held, why = M.owners_hold(ctx)
  local st = { calls = 0, windows = 0, alone = 0, gathered = 0, reduced = 0, walk = 0, gather = 0 }
  local function series_list(tx, list)
    if held and tx == ctx.res.clean then
      local res, batch, ranks = sg.mpi_activity_series_list(tx, ctx.res.clean_owned.gen, list)
      if res then
        st.calls, st.windows, st.ranks = st.calls + 1, st.windows + #list, ranks.ranks
        st.gathered, st.reduced = st.gathered + ranks.gathered, st.reduced + ranks.reduced
        st.walk, st.gather = st.walk + ranks.seconds[1], st.gather + ranks.seconds[2]
        if batch.first and not st.first then st.first, st.first_bytes = batch.first, ranks.reduced end
        -- the customers of the widest window (the most customers in all)
        local _, sum = M.per_rank(ranks.customers)
        if not st.customers or sum > st.sum then st.customers, st.sum = ranks.customers, sum end
        return res, batch
      end
      held, why = false, batch   -- (and the later calls on rank 0 too)
    elseif held then
      why = why or "a table other than the cleaned one"
    end
    st.alone = st.alone + #list
    return sg.activity_series_list(tx, list)
  end
  local function report()
    if st.calls > 0 then
      local per, sum = M.per_rank(st.customers)
      sg.info("activity on %d MPI ranks by customer: %d windows in %d command%s (step %s); customers %s (%d in all) "
        .. "in the widest; %d bytes of partial series gathered, %d of dates reduced; %.3f s (walk %.3f, gather %.3f)",
        st.ranks, st.windows, st.calls, st.calls == 1 and "" or "s", step, per, sum, st.gathered, st.reduced,
        st.walk + st.gather, st.walk, st.gather)
    end
    if first_date and st.first then
      sg.info("first date on %d MPI ranks by customer: %s, the minimum of the owners' dates (MPI_Allreduce MIN, "
        .. "%d bytes per rank, with the series) (step %s)", st.ranks, st.first, st.first_bytes, step)
    end
    if st.alone > 0 and why then
      sg.info("activity on rank 0 alone: %s (step %s, %d series)", why, step, st.alone)
    end
  end
  return series_list, report
end

return M
