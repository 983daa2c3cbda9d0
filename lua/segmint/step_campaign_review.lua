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
      columns = { customer = cols.customer, date = cols.date, amount = "amount" }, margin = margin }
    ctx.res.campaign_tests = r
    for _, w in ipairs(r.warnings or {}) do sg.info("campaign tests: %s", w) end
  end
end

return S
