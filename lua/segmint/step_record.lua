-- Step "record": appends this run to the run history, last, once every
-- other output is written (see step_history.lua).  Under the output
-- directory the history is updated as a copy in the run's staging folder
-- and published with the other outputs; with --history FILE elsewhere,
-- SQLite's transaction makes the append whole.  Either way a run that
-- fails before this step leaves the history as it was.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

S.enabled = require("segmint.step_history").enabled

function S.run(ctx)
  local sg, res = ctx.sg, ctx.res
  local path = require("segmint.step_history").path(ctx)
  local h = assert(sg.history_open(path, { write = true }))
  local inputs = {}
  for _, p in ipairs(ctx.input_files or {}) do inputs[#inputs + 1] = { path = p, sha256 = sg.sha256_file(p) } end
  for _, q in ipairs(ctx.input_sources or {}) do inputs[#inputs + 1] = { path = q } end
  local cu = ctx.customers
  -- segment sizes by id, with the name this run showed for each
  local segs = {}
  for i, r in cu:group_by("segment_id", { { "customers", "count" } }):sort({ "-customers", "segment_id" }):rows() do
    local id = r.segment_id == nil and "(none)" or tostring(r.segment_id)
    segs[i] = { segment = id, customers = r.customers, name = ctx.rules.segment_names[id] }
  end
  local sections = require "segmint.report_sections"
  res.history = res.history or {}
  res.history.run_id = h:append {
    time = ctx.run_time, as_of = res.rfm_info.as_of, label = ctx.cfg.label, inputs = inputs,
    parameters = { periods = ctx.periods, language = ctx.language, currency = ctx.currency_code },
    kpis = res.kpis, customers = cu, segments = segs,
    figures = sections.key_figures(sections.context(ctx)),
    columns = { customer = "customer", segment = "segment_id",
      cluster = cu:has("cluster_name") and "cluster_name" or false,
      clv = res.btyd and res.btyd.clv_column or (cu:has("predicted_clv") and "predicted_clv" or false),
      churn_probability = cu:has("churn_probability") and "churn_probability" or false,
      campaign = "campaign" },
  }
  h:close()
end

return S
