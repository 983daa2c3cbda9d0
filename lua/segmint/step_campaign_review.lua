-- Step "campaign_review": what past campaigns did, when the recipe names
-- their records (campaign_history = { performance = file, tests = file };
-- each a CSV file or a database source { db =, query = }):
--   performance  one row per campaign sent (campaign, channel, impressions,
--                clicks, conversions, spend, revenue): CTR, conversion rate,
--                CPA, ROAS and ROI per channel and overall, ratios of sums
--                (sg.campaign_performance);
--   tests        the customers of past campaign tests with their group
--                (treatment or control), start and window: the uplift each
--                test really had, with its 95% interval (sg.campaign_results
--                on the clean transactions).
-- ctx.res.campaign_performance, ctx.res.campaign_tests; the summary shows
-- them and the outputs write campaign_performance.csv and campaign_tests.csv.
local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

function S.enabled(ctx) return ctx.cfg.campaign_history ~= nil end

-- The outcomes of the target rows (each customer's purchases in its
-- window), a function with the arguments and result of the core's
-- _campaign_outcomes, or nil for "compute them here" (segmint.campaign_results'
-- _outcomes option): under mpirun, when the ranks owning the customers
-- hold the cleaned rows, computed there (segmint.mpi_campaign_outcomes,
-- docs/mpi.md), else on rank 0 over its table; the log says which (nothing
-- without ranks).
function S.outcomes(ctx)
  local sg = ctx.sg
  local mpi = require "segmint.mpi"
  local held, why = mpi.owners_hold(ctx)
  if not held and not why then return nil end
  return function(targets, tx, spec)
    if held and tx == ctx.res.clean then
      local ds, ranks = sg.mpi_campaign_outcomes(targets, tx, ctx.res.clean_owned.gen, spec)
      if ds then
        local per, sum = mpi.per_rank(ranks.records)
        local to = mpi.per_rank(ranks.targets)
        sg.info("campaign tests on %d MPI ranks by customer: target rows with purchases in their window %s "
          .. "(%d in all); %d target rows sent to their customers' ranks (%s; %d bytes to the other ranks, a "
          .. "command of %d bytes to each), %d bytes of outcomes gathered; %.2f s (own %.2f, gather %.2f)",
          ranks.ranks, per, sum, ranks.sent, to, ranks.bytes.rows, ranks.bytes.command,
          ranks.bytes.gathered, ranks.seconds.own + ranks.seconds.gather, ranks.seconds.own, ranks.seconds.gather)
        return ds
      end
      why = ranks
    elseif held then
      why = "the transactions are not the cleaned table"
    end
    sg.info("campaign tests on rank 0 alone: %s", why)
    return nil   -- (computed by the caller, over rank 0's table)
  end
end

function S.run(ctx)
  local sg, cfg, cols = ctx.sg, ctx.cfg.campaign_history, ctx.cols
  local margin = (ctx.rules.campaign_set and ctx.rules.campaign_set.file and ctx.rules.campaign_set.file.defaults
    and ctx.rules.campaign_set.file.defaults.margin) or require("segmint.campaigns").DEFAULTS.margin
  if cfg.performance then
    local read = require("segmint.step_load").read
    local h = read(sg, cfg.performance)
    local c = cfg.columns or {}
    local spec = { by = c.channel or "channel", impressions = c.impressions or "impressions",
      clicks = c.clicks or "clicks", conversions = c.conversions or "conversions", spend = c.spend or "spend",
      revenue = c.revenue or "revenue", margin = margin }
    local by_channel, totals = sg.campaign_performance(h, spec)
    spec.by = c.campaign or "campaign"
    local by_campaign = sg.campaign_performance(h, spec)
    ctx.res.campaign_performance = by_campaign
    ctx.res.campaign_channels = { rows = by_channel, totals = totals, campaigns = #by_campaign }
  end
  if cfg.tests then
    local t = require("segmint.step_load").read(sg, cfg.tests,
      { types = { [cols.customer] = ctx.res.clean:types()[cols.customer] } })
    if cols.customer ~= "customer" and t:has(cols.customer) then t = t:rename { [cols.customer] = "customer" } end
    local r = sg.campaign_results { targets = t, transactions = ctx.res.clean,
      columns = { customer = cols.customer, date = cols.date, amount = "amount" }, margin = margin,
      _outcomes = S.outcomes(ctx) }
    ctx.res.campaign_tests = r
    for _, w in ipairs(r.warnings or {}) do sg.info("campaign tests: %s", w) end
  end
end

return S
