-- Step "status": one definition of who is at risk, used by the summary,
-- the report and the campaign rules (column status):
--   lapsed   no purchase for more than inactive_days (rules/periods.lua);
--   at_risk  bought within inactive_days, but likely to stop: churn
--            probability >= at_risk_probability (rules/alerts.lua) when the
--            churn model ran, else P(alive) < at_risk_probability from the
--            BTYD model, else in one of the alerts' action segments;
--   active   the others.
-- ctx.res.status keeps the counts and the basis used.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.columns() return { { "status", "string" } } end

local function quote(s) return "'" .. tostring(s):gsub("\\", "\\\\"):gsub("'", "\\'") .. "'" end

-- The at-risk condition (an expression) and its basis, from the columns the table has.
function S.basis(customers, rules_alerts)
  local p = rules_alerts.at_risk_probability
  if customers:has("churn_probability") then
    return string.format("coalesce(churn_probability >= %.17g, false)", p), "churn"
  end
  if customers:has("p_alive") then
    return string.format("coalesce(p_alive < %.17g, false)", p), "btyd"
  end
  local names = {}
  for i, n in ipairs(rules_alerts.action_segments) do names[i] = quote(n) end
  if #names == 0 then return "false", "segments" end
  return string.format("coalesce(segment in (%s), false)", table.concat(names, ", ")), "segments"
end

function S.run(ctx)
  local customers = ctx.customers
  local days = ctx.periods.inactive_days
  local cond, basis = S.basis(customers, ctx.rules.alerts)
  customers = customers:derive("status", string.format(
    "if(recency_days > %d, 'lapsed', if(%s, 'at_risk', 'active'))", days, cond))
  local n = #customers
  local counts = { active = 0, at_risk = 0, lapsed = 0 }
  local revenue = { active = 0, at_risk = 0, lapsed = 0 }
  for _, r in customers:group_by("status", { { "n", "count" }, { "revenue", "sum", "monetary" } }):rows() do
    counts[r.status], revenue[r.status] = r.n, r.revenue or 0
  end
  ctx.customers = customers
  ctx.res.status = { basis = basis, counts = counts, revenue = revenue, customers = n,
    threshold = ctx.rules.alerts.at_risk_probability, inactive_days = days }
end

return S
