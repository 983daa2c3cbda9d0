-- Step "outputs": writes every output file and the manifest (last; it
-- lists each output with its SHA-256, the inputs, the recipe and rule
-- files, the parameters and the run's timing).
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.run(ctx)
  local sg, res, out, cfg = ctx.sg, ctx.res, ctx.out, ctx.cfg
  local files = ctx.files or {}   -- what earlier steps wrote (report.html, report.xlsx)
  local function write_csv(name, ds)
    ds = require("segmint.report_tables").round(name, ds)   -- money to cents
    ds:write_csv(out .. "/" .. name, ctx.csv_options)
    files[#files + 1] = name
  end
  write_csv("customers.csv", ctx.customers)
  write_csv("segments.csv", res.segment_table)
  write_csv("campaigns.csv", res.plan)
  write_csv("campaign_targets.csv", res.targets)
  if res.cross_sell_rules then write_csv("cross_sell_rules.csv", res.cross_sell_rules) end
  if res.kpis then write_csv("kpis.csv", sg.kpi_dataset(res.kpis)) end
  if res.campaign_performance then write_csv("campaign_performance.csv", res.campaign_performance) end
  if res.campaign_tests then write_csv("campaign_tests.csv", res.campaign_tests.campaigns) end
  if res.alerts and res.alerts.series then write_csv("activity.csv", res.alerts.series) end
  if res.history and res.history.migration then write_csv("segment_migration.csv", res.history.migration) end
  if res.btyd and res.btyd.selection and res.btyd.selection.results then
    -- each candidate model's predicted and actual holdout purchases by calibration frequency
    local sel = res.btyd.selection
    local cols = { model = {}, x = {}, customers = {}, actual = {}, predicted = {} }
    local n = 0
    for _, m in ipairs(sel.order) do
      local t = sel.results[m].table
      if t then
        for _, r in t:rows() do
          n = n + 1
          cols.model[n], cols.x[n], cols.customers[n] = m, r.x, r.customers
          cols.actual[n], cols.predicted[n] = r.actual, r.predicted
        end
      end
    end
    for _, v in pairs(cols) do v.n = n end
    write_csv("btyd_holdout.csv", sg.dataset { { "model", cols.model, "string" }, { "x", cols.x },
      { "customers", cols.customers }, { "actual", cols.actual, "double" }, { "predicted", cols.predicted, "double" } })
  end
  if res.btyd then
    -- expected purchases over the horizon and P(alive) over the frequency/recency grid
    write_csv("btyd_matrix.csv", sg.btyd_matrix(res.btyd.model, { summary = res.btyd.summary,
      max_x = 20, t = ctx.periods.horizon_days / res.btyd.unit_days }))
  end
  if res.cluster_profiles then
    write_csv("clusters.csv", res.cluster_profiles)
    if res.k_selection then write_csv("k_selection.csv", res.k_selection) end
    -- the model with its scaling, so a later run can assign new customers
    -- to these clusters (segmint.load_kmeans)
    res.kmeans:save(out .. "/kmeans_model.json")
    files[#files + 1] = "kmeans_model.json"
  end
  if res.models then
    -- the fitted models with their preprocessing, for scoring later runs (segmint.load_model)
    local as_of = res.rfm_info.as_of
    res.models.churn.model:save(out .. "/churn_model.json", { as_of = as_of, horizon_days = res.models.horizon })
    files[#files + 1] = "churn_model.json"
    if res.models.clv then
      res.models.clv.model:save(out .. "/clv_model.json", { as_of = as_of, horizon_days = res.models.clv.horizon })
      files[#files + 1] = "clv_model.json"
    end
  end
  sg.write_text(out .. "/summary.md", res.summary)
  files[#files + 1] = "summary.md"
  table.sort(files)
  local manifest = require("segmint.manifest").build(ctx, files)
  sg.write_text(out .. "/manifest.json", sg.json_encode(manifest) .. "\n")
  ctx.files = files
  sg.info("wrote %s to %s", table.concat(files, ", ") .. ", manifest.json", out)
end

return S
