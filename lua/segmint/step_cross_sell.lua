-- Step "cross_sell": products bought together and per-customer
-- recommendations (used by campaigns with recommend = "co_purchased").
local mpi = require "segmint.mpi"
local rules = require "segmint.rules"
local tr = require "segmint.messages"

local S = {}

S.transactions = true   -- reads the transactions (ctx.res.clean)

-- Raises when cross_sell.names (spec) names a column the transactions tx
-- lack, with the nearest name.  Step load calls it as soon as they are
-- read; the step itself again, for a recipe that replaced the table.
function S.check_names_column(spec, tx)
  if type(spec) == "string" and not tx:has(spec) then
    error(tr.f("cross_sell.names: the transactions have no column '%s'%s", spec,
      tr.hint(rules.suggest(spec, tx:columns()))), 0)
  end
end

local function trim(v) return (tostring(v):match("^%s*(.-)%s*$")) end

-- The rows per (item, name): tx:group_by({ item, name }, { { "n", "count" } }).
-- Under mpirun, when the ranks owning the customers hold the cleaned rows,
-- each owner counts its rows and rank 0 sums the counts
-- (segmint.mpi_group_by, docs/mpi.md): the same table.
local function name_counts(ctx, tx, item, name)
  local sg = ctx.sg
  local held, why = mpi.owners_hold(ctx)
  if held and tx == ctx.res.clean then
    local t, ranks = sg.mpi_group_by(tx, ctx.res.clean_owned.gen, "count", { item, name }, "n")
    if t then
      local per, sum = mpi.per_rank(ranks.customers)
      sg.info("item names on %d MPI ranks by customer: rows per (%s, %s) counted by the owners; (item, name) pairs "
        .. "%s (%d in all, %d after the sum); %d bytes gathered; %.2f s (count %.2f, gather %.2f)", ranks.ranks, item,
        name, per, sum, #t, ranks.gathered, ranks.seconds.group + ranks.seconds.gather, ranks.seconds.group,
        ranks.seconds.gather)
      return t
    end
    why = ranks
  elseif held then
    why = "a table other than the cleaned one"
  end
  if why then sg.info("item names on rank 0 alone: %s", why) end
  return tx:group_by({ item, name }, { { "n", "count" } })
end

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
    S.check_names_column(spec, tx)
    local counts = {}   -- item -> trimmed name -> lines
    for _, r in name_counts(ctx, tx, item, spec):rows() do
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

-- The co-purchase model.  Under mpirun, when the ranks owning the
-- customers hold the cleaned rows, each counts the invoices, items and item
-- pairs of its own customers' invoices (an invoice has one customer) and
-- rank 0 sums them and builds the rules (segmint.mpi_cross_sell,
-- docs/mpi.md): the model rank 0 would fit alone.  Otherwise, or when they
-- cannot (the reason is logged), rank 0 over its whole cleaned table.
local function fit(ctx, opts)
  local sg = ctx.sg
  local held, why = mpi.owners_hold(ctx)
  if held then
    local model, ranks = sg.mpi_cross_sell(ctx.res.clean, ctx.res.clean_owned.gen, opts)
    if model then
      local inv, ninv = mpi.per_rank(ranks.invoices)
      local pair_counts = mpi.per_rank(ranks.pairs)
      local how = ranks.dense
        and string.format("pair counts added by MPI_Reduce, %d bytes per rank", ranks.bytes.pairs)
        or string.format("%d bytes of pair counts gathered", ranks.bytes.pairs)
      sg.info("cross_sell counts on %d MPI ranks by customer: invoices %s (%d in all); items %d, %d kept; pairs %s; "
        .. "no invoice on two ranks (%d bytes of invoice hashes from rank 0 to the others); %d bytes of item counts "
        .. "gathered, %d of kept items sent, %s; %.2f s (items %.2f, pairs %.2f, merge %.2f)", ranks.ranks, inv, ninv,
        ranks.items, ranks.kept, pair_counts, ranks.bytes.split_check, ranks.bytes.items, ranks.bytes.kept, how, ranks.seconds.items + ranks.seconds.pairs + ranks.seconds.merge,
        ranks.seconds.items, ranks.seconds.pairs, ranks.seconds.merge)
      return model
    end
    why = ranks
  end
  if why then sg.info("cross_sell counts on rank 0 alone: %s", why) end
  return sg.cross_sell(ctx.res.clean, opts)
end

-- The recommendations per customer.  Under mpirun, when the ranks owning
-- the customers hold the cleaned rows, rank 0 sends them the model's rules
-- and each recommends for its own customers (a customer's recommendations
-- depend on its items and the rules alone); rank 0 puts the customers in
-- order (segmint.mpi_recommend, docs/mpi.md): the table rank 0 would
-- build.  Otherwise, or when they cannot (the reason is logged), rank 0
-- over its whole cleaned table.
local function recommend(ctx, model, opts)
  local sg = ctx.sg
  local held, why = mpi.owners_hold(ctx)
  if held then
    local recs, ranks = sg.mpi_recommend(model, ctx.res.clean, ctx.res.clean_owned.gen, opts)
    if recs then
      local per, ncust = mpi.per_rank(ranks.customers)
      sg.info("recommendations on %d MPI ranks by customer: customers %s (%d in all); %d rows; "
        .. "%d bytes of rules sent to each rank, %d bytes of recommendations gathered; %.2f s (recommend %.2f, "
        .. "gather %.2f)", ranks.ranks, per, ncust, ranks.rows, ranks.rules_bytes,
        ranks.gathered, ranks.seconds.recommend + ranks.seconds.gather, ranks.seconds.recommend,
        ranks.seconds.gather)
      return recs
    end
    why = ranks
  end
  if why then sg.info("recommendations on rank 0 alone: %s", why) end
  return model:recommend(ctx.res.clean, opts)
end

function S.run(ctx)
  local sg, cols = ctx.sg, ctx.cols
  local xs = ctx.cfg.cross_sell or {}
  local item = xs.item or cols.item
  local model = fit(ctx, { invoice = cols.invoice, item = item,
    min_support = xs.min_support, min_count = xs.min_count, min_lift = xs.min_lift, max_items = xs.max_items })
  local pair_rules = model:rules()
  local names = item_names(ctx, item, xs.names)
  if names then
    for _, side in ipairs({ "antecedent", "consequent" }) do
      pair_rules = pair_rules:derive(side .. "_name", function(r) return names[tostring(r[side])] end, "string")
    end
    local order = { "antecedent", "antecedent_name", "consequent", "consequent_name" }
    for _, c in ipairs(pair_rules:columns()) do
      if not c:find("^antecedent") and not c:find("^consequent") then order[#order + 1] = c end
    end
    pair_rules = pair_rules:select(order)
    ctx.res.item_names = names
  end
  ctx.res.cross_sell_rules = pair_rules
  ctx.res.recommendations = recommend(ctx, model, { customer = cols.customer, top_n = xs.top_n or 3 })
end

return S
