-- Step "models": churn risk and predicted spend over the prediction
-- horizon (see predict.lua): columns churn_probability, churn_reasons,
-- predicted_clv.
local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

function S.enabled(ctx) return ctx.cfg.models ~= nil end

function S.columns()
  return { { "churn_probability", "number" }, { "churn_reasons", "string" }, { "predicted_clv", "number" } }
end

-- A reason's value in the reader's terms: money for the spend features,
-- a percentage for shares, whole days, else a number (whole when it is).
-- The reasons are a column of customers.csv: a negative value keeps the
-- hyphen-minus (report.csv_locale), in every language.
function S.value_format(ctx)
  local report = require "segmint.report"
  local loc, symbol = report.csv_locale(ctx.loc), ctx.currency
  return function(x, feature)
    feature = tostring(feature or "")
    if feature == "monetary" or feature == "avg_basket" or feature:match("^spend_") then return report.money(x, symbol, loc) end
    if feature:match("_share$") then return report.percent(x, loc) end
    if feature:match("_days$") or math.abs(x - math.floor(x + 0.5)) < 0.005 then return report.number(x, 0, loc) end
    return report.number(x, 2, loc)
  end
end

-- "label: value" in the language's typography (a narrow no-break space
-- before the colon in French).
function S.reason_item(ctx)
  local colon = (ctx.loc and ctx.loc.colon) or ": "
  return function(name, value) return name .. colon .. value end
end

function S.run(ctx)
  -- under mpirun the owners of the customers compute the features where the rows are
  local hold, why = require("segmint.mpi").owners_hold(ctx)
  local pr = require("segmint.predict").run(ctx.sg, ctx.cfg.models,
    { clean = ctx.res.clean, owners = hold and { gen = ctx.res.clean_owned.gen } or nil, owners_why = why,
      cols = ctx.cols, as_of = ctx.res.rfm_info.as_of, seed = ctx.cfg.seed,
      horizon_days = ctx.periods.horizon_days, window_days = ctx.periods.comparison_days,
      at_risk = ctx.rules.alerts.at_risk_probability,
      format = S.value_format(ctx), reason_item = S.reason_item(ctx),
      reason_separator = ctx.loc and ctx.loc.semicolon or "; " })
  ctx.customers = ctx.customers:join(pr.scores, { on = "customer", how = "left" })
  ctx.res.models = pr
end

return S
