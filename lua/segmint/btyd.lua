-- Report data for the BTYD models, as datasets a report can plot.
local M = {}

-- The frequency/recency matrix: for x = 0..max_x and t_x = 0..T (whole
-- periods), a customer of age T's expected purchases in the next t and
-- P(alive).  opts: max_x (default 20), T (default: the largest T of the
-- summary, or 52), t (default 1 period).
function M.matrix(sg, fit, opts)
  opts = opts or {}
  local max_x = opts.max_x or 20
  local T = opts.T
  if not T and opts.summary then
    if #opts.summary == 0 then error("btyd_matrix: the summary has no customers", 3) end
    T = opts.summary:stats("T").max
  end
  T = T or 52
  local xs, txs, Ts = {}, {}, {}
  for x = 0, max_x do
    for tx = 0, T do
      if x == 0 and tx > 0 then break end   -- no repeat purchase: t_x = 0
      if x <= tx or x == 0 then
        xs[#xs + 1], txs[#txs + 1], Ts[#Ts + 1] = x, tx, T
      end
    end
  end
  local grid = sg.dataset { { "x", xs, "int64" }, { "t_x", txs, "double" }, { "T", Ts, "double" } }
  grid = fit:expected_purchases(grid, opts.t or 1)
  return fit:p_alive(grid)
end

-- Calibration against holdout: customers grouped by calibration repeat
-- purchases (x, capped at max_x), the mean actual holdout purchases against
-- the mean the model predicted for the holdout length.
function M.calibration_holdout(sg, fit, summary, opts)
  opts = opts or {}
  local max_x = opts.max_x or 7
  local t = opts.t or summary:stats("holdout_length").max or 0
  local pred = fit:expected_purchases(summary, t, "predicted")
    :derive("x_group", string.format("if(x > %d, %d, x)", max_x, max_x))
  return pred:group_by("x_group", {
    { "customers", "count" },
    { "actual", "mean", "x_holdout" },
    { "predicted", "mean", "predicted" },
  }):rename { x_group = "x" }
end

return M
