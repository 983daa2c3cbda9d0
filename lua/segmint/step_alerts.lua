-- Step "alerts": the figures behind the summary's automatic alerts:
-- inactive customers (no purchase for more than inactive_days), the
-- average basket of the last comparison period against the one before,
-- and the monthly churn rate (ctx.res.alerts).
local S = {}

local function prev_month(ym)
  local y, m = ym:match("^(%d+)-(%d+)$")
  y, m = tonumber(y), tonumber(m) - 1
  if m == 0 then y, m = y - 1, 12 end
  return string.format("%04d-%02d", y, m)
end

function S.run(ctx)
  local sg, cols, periods, rules_alerts = ctx.sg, ctx.cols, ctx.periods, ctx.rules.alerts
  local clean, customers, as_of = ctx.res.clean, ctx.customers, ctx.as_of
  local a = {}
  local inactive = customers:filter(string.format("recency_days > %d", periods.inactive_days))
  a.inactive = { count = #inactive, share = #customers > 0 and #inactive / #customers or 0,
                 days = periods.inactive_days }
  a.inactive.alert = #inactive > 0
  -- average basket: the last comparison period before as_of against the one before it
  local days = periods.comparison_days
  local dref = cols.date:match("^[%a_][%w_]*$") and cols.date or ("`" .. cols.date .. "`")
  local function basket(from_days, to_days)
    local part = clean:filter(string.format("days_between(%s, date('%s')) > %g and days_between(%s, date('%s')) <= %g",
      dref, as_of, from_days, dref, as_of, to_days))
    local inv = #part > 0 and part:count_distinct(cols.invoice) or 0
    if inv == 0 then return nil end
    return part:stats("amount").sum / inv
  end
  local cur, prev = basket(0, days), basket(days, 2 * days)
  a.basket = { current = cur, previous = prev, days = days }
  if cur and prev and prev > 0 then
    a.basket.change = cur / prev - 1
    a.basket.alert = a.basket.change < -rules_alerts.basket_drop
  end
  -- monthly churn: buyers of the month before the last full month who did not buy in it
  local months = clean:derive("_month", string.format("month_start(%s)", dref))
  local last_full = prev_month(as_of:sub(1, 7))
  local before = prev_month(last_full)
  local function buyers(ym)
    local set = {}
    local g = months:filter(string.format("_month == date('%s-01')", ym)):group_by(cols.customer, { { "n", "count" } })
    local ids = g:column(cols.customer)
    for i = 1, ids.n do set[ids[i]] = true end
    return set
  end
  local b1, b2 = buyers(before), buyers(last_full)
  local n1, lost = 0, 0
  for id in pairs(b1) do
    n1 = n1 + 1
    if not b2[id] then lost = lost + 1 end
  end
  a.churn = { month = last_full, previous_month = before, rate = n1 > 0 and lost / n1 or nil,
              threshold = rules_alerts.monthly_churn }
  a.churn.alert = a.churn.rate ~= nil and a.churn.rate > rules_alerts.monthly_churn
  ctx.res.alerts = a
end

return S
