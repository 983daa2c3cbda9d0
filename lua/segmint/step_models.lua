-- Step "models": churn risk and predicted spend over the prediction
-- horizon (see predict.lua): columns churn_probability, churn_reasons,
-- predicted_clv.
local S = {}

function S.enabled(ctx) return ctx.cfg.models ~= nil end

function S.columns()
  return { { "churn_probability", "number" }, { "churn_reasons", "string" }, { "predicted_clv", "number" } }
end

function S.run(ctx)
  local pr = require("segmint.predict").run(ctx.sg, ctx.cfg.models,
    { clean = ctx.res.clean, cols = ctx.cols, as_of = ctx.res.rfm_info.as_of, seed = ctx.cfg.seed,
      horizon_days = ctx.periods.horizon_days, window_days = ctx.periods.comparison_days,
      at_risk = ctx.rules.alerts.at_risk_probability,
      format = function(x) return ctx.fmt.number(x, x == math.floor(x) and 0 or 2) end })
  ctx.customers = ctx.customers:join(pr.scores, { on = "customer", how = "left" })
  ctx.res.models = pr
end

return S
