-- Step "cross_sell": products bought together and per-customer
-- recommendations (used by campaigns with recommend = "co_purchased").
local rules = require "segmint.rules"
local tr = require "segmint.messages"

local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

local function trim(v) return (tostring(v):match("^%s*(.-)%s*$")) end

-- item code -> product name, from cross_sell.names (spec): a column of the
-- transactions (each item's most frequent value there, spaces trimmed; on a
-- tie the first in sort order) or { file =, key =, name = } (a product
-- file: its first row per key).  nil without the setting.
local function item_names(ctx, item, spec)
  local sg = ctx.sg
  if spec == nil then return nil end
  local names = {}
  if type(spec) == "string" then
    local tx = ctx.res.clean
    if not tx:has(spec) then
      error(tr.f("cross_sell.names: the transactions have no column '%s'%s", spec,
        tr.hint(rules.suggest(spec, tx:columns()))), 0)
    end
    local counts = {}   -- item -> trimmed name -> lines
    for _, r in tx:group_by({ item, spec }, { { "n", "count" } }):rows() do
      local name = r[item] ~= nil and r[spec] ~= nil and trim(r[spec])
      if name and name ~= "" then
        local k = tostring(r[item])
        counts[k] = counts[k] or {}
        counts[k][name] = (counts[k][name] or 0) + r.n
      end
    end
    for k, by_name in pairs(counts) do
      local best
      for name, n in pairs(by_name) do
        if best == nil or n > by_name[best] or (n == by_name[best] and name < best) then best = name end
      end
      names[k] = best
    end
    return names
  end
  local ds = sg.read_csv(spec.file, { types = { [spec.key] = "string" } })
  for _, c in ipairs({ spec.key, spec.name }) do
    if not ds:has(c) then error(tr.f("cross_sell.names: %s has no column '%s'", spec.file, c), 0) end
  end
  for _, r in ds:rows() do
    local k = r[spec.key] ~= nil and tostring(r[spec.key])
    local name = r[spec.name] ~= nil and trim(r[spec.name])
    if k and names[k] == nil and name and name ~= "" then names[k] = name end
  end
  return names
end

function S.run(ctx)
  local sg, cols = ctx.sg, ctx.cols
  local xs = ctx.cfg.cross_sell or {}
  local item = xs.item or cols.item
  local model = sg.cross_sell(ctx.res.clean, { invoice = cols.invoice, item = item,
    min_support = xs.min_support, min_count = xs.min_count, min_lift = xs.min_lift, max_items = xs.max_items })
  local rules = model:rules()
  local names = item_names(ctx, item, xs.names)
  if names then
    for _, side in ipairs({ "antecedent", "consequent" }) do
      rules = rules:derive(side .. "_name", function(r) return names[tostring(r[side])] end, "string")
    end
    local order = { "antecedent", "antecedent_name", "consequent", "consequent_name" }
    for _, c in ipairs(rules:columns()) do
      if not c:find("^antecedent") and not c:find("^consequent") then order[#order + 1] = c end
    end
    rules = rules:select(order)
    ctx.res.item_names = names
  end
  ctx.res.cross_sell_rules = rules
  ctx.res.recommendations = model:recommend(ctx.res.clean, { customer = cols.customer, top_n = xs.top_n or 3 })
end

return S
