-- segmint.clean: the retail cleaning policies, each optional and named,
-- with a report of what was removed by reason, in rows and in revenue.
--
--   local clean, report = sg.clean(tx, {
--     customer = "CustomerID", invoice = "InvoiceNo", quantity = "Quantity",
--     price = "UnitPrice", date = "InvoiceDate", item = "StockCode",
--     missing_customer = "drop",      -- or "keep"
--     cancellations = "drop",         -- "drop", "net" (against the purchases they cancel) or "keep"
--     cancel_prefix = "C",            -- invoices starting with this are cancellations
--     returns = "drop",               -- other rows with quantity <= 0: "drop", "net" (against the
--                                     -- purchases they return, as cancellations) or "keep"
--     nonpositive_price = "drop",     -- price <= 0: "drop" or "keep"
--     non_product = { "POST", "M" },  -- item codes that are not products (postage, fees)
--     duplicates = "keep",            -- exact duplicate lines: "drop" or "keep"
--     amount = "Amount",              -- the column added: quantity * price
--     whole_ids = true,               -- customer ids "17850.0" -> "17850"
--     consume = true,                 -- give tx up: the rows are removed in place, without a
--                                     -- second copy of the kept rows; tx is closed afterwards
--   })
--
-- A third result says, under mpirun with several ranks, whether cleaning
-- ran on the ranks owning the customers:
-- { ranks =, owned = { rows per rank }, kept = { cleaned rows per rank }, exchanged =, gathered =,
--   seconds = {...}, owners_hold = the exchange's number (the owners hold the cleaned rows;
--   segmint.mpi_rfm takes it), tallied = true (the report is the owners' tallies added up, and
--   the cleaned dataset returned is released: its columns on this rank, its rows on the owners) }
-- or { why = }.
local M = {}

local function quote(s) return "'" .. tostring(s):gsub("\\", "\\\\"):gsub("'", "\\'") .. "'" end
local function ref(col) return col:match("^[%a_][%w_]*$") and col or ("`" .. col .. "`") end

local function choice(opts, key, allowed, default)
  local v = opts[key]
  if v == nil then return default end
  for _, a in ipairs(allowed) do if v == a then return v end end
  error(string.format("clean: option '%s' must be %s, got '%s'", key,
    '"' .. table.concat(allowed, '" or "') .. '"', tostring(v)), 4)
end

local KNOWN = { "customer", "invoice", "quantity", "price", "date", "item", "missing_customer", "cancellations",
  "cancel_prefix", "returns", "nonpositive_price", "non_product", "duplicates", "amount", "match_price",
  "whole_ids", "consume" }

-- Customer ids written as whole numbers with a decimal part ("17850.0",
-- as spreadsheets export them) become "17850", so they print and join as ids.
local function whole_ids(ds, col)
  if ds:types()[col] ~= "string" then return ds end
  local vals = ds:column(col)
  local cache = {}
  local changed = false
  for i = 1, vals.n do
    local v = vals[i]
    if v ~= nil then
      local w = cache[v]
      if w == nil then
        w = v:match("^(%-?%d+)%.0+$") or v
        cache[v] = w
      end
      if w ~= v then vals[i] = w; changed = true end
    end
  end
  if not changed then return ds end
  return ds:with_column(col, vals, "string")
end

-- The policies and the values each may take.
local CHOICES = {
  missing_customer = { "drop", "keep" }, cancellations = { "drop", "net", "keep" },
  returns = { "drop", "net", "keep" }, nonpositive_price = { "drop", "keep" }, duplicates = { "drop", "keep" },
}
M.KNOWN, M.CHOICES = KNOWN, CHOICES

-- The policy of opts, with segmint.clean's defaults (raises on a bad choice).
local function policy_of(opts)
  return {
    missing_customer = choice(opts, "missing_customer", CHOICES.missing_customer, opts.customer and "drop" or "keep"),
    cancellations = choice(opts, "cancellations", CHOICES.cancellations, opts.invoice and "drop" or "keep"),
    returns = choice(opts, "returns", CHOICES.returns, "drop"),
    nonpositive_price = choice(opts, "nonpositive_price", CHOICES.nonpositive_price, "drop"),
    duplicates = choice(opts, "duplicates", CHOICES.duplicates, "keep"),
  }
end

-- The cleaning that segmint.rfm_csv can do in its pass over the file with
-- the same result as M.clean (its clean_steps option): returns a plan
-- { policy, steps = the rfm_csv option, order = the report's steps }, or
-- nil and why not.  Options M.clean would reject also give nil (the table
-- path then reports them).
function M.stream_plan(opts)
  for k in pairs(opts) do
    local ok = false
    for _, n in ipairs(KNOWN) do if n == k then ok = true end end
    if not ok then return nil, string.format("clean: unknown option '%s'", tostring(k)) end
  end
  local ok, policy = pcall(policy_of, opts)
  if not ok then return nil, "the clean options have a problem (reported by the table path)" end
  if policy.missing_customer ~= "drop" or not opts.customer then
    return nil, "clean.missing_customer = \"keep\""
  end
  if policy.cancellations == "net" then
    return nil, "clean.cancellations = \"net\" matches each cancellation to the purchases before it"
  end
  if policy.returns == "net" then
    return nil, "clean.returns = \"net\" matches each return to the purchases before it"
  end
  if policy.duplicates == "drop" then
    return nil, "clean.duplicates = \"drop\" compares whole lines"
  end
  if opts.non_product and #opts.non_product > 0 and not opts.item then
    return nil, "clean.non_product without an item column"
  end
  local steps, order = {}, { { reason = "missing customer", key = "missing_customer" } }
  if policy.cancellations == "drop" then
    steps.cancel_prefix = opts.cancel_prefix or "C"
    if type(steps.cancel_prefix) ~= "string" or steps.cancel_prefix == "" then
      return nil, "clean.cancel_prefix is not a text of at least one character"
    end
    order[#order + 1] = { reason = "cancellations", key = "cancellations" }
  end
  if policy.returns == "drop" then
    steps.returns = true
    order[#order + 1] = { reason = "returns and quantity <= 0", key = "returns" }
  end
  if policy.nonpositive_price == "drop" then
    steps.nonpositive_price = true
    order[#order + 1] = { reason = "price <= 0", key = "price" }
  end
  if opts.non_product and #opts.non_product > 0 then
    local codes = {}
    for i, c in ipairs(opts.non_product) do codes[i] = tostring(c) end
    steps.non_product, steps.item = codes, opts.item
    order[#order + 1] = { reason = "non-product codes", key = "non_product" }
  end
  steps.whole_ids = opts.whole_ids and true or false
  return { policy = policy, steps = steps, order = order }
end

-- The report M.clean gives, from the tallies of segmint.rfm_csv's clean_steps.
function M.stream_report(plan, tallies)
  local report = { steps = {}, rows_in = tallies.rows_in, revenue_in = tallies.revenue_in, policy = plan.policy,
    rows_out = tallies.rows_out, revenue_out = tallies.revenue_out, customers_out = tallies.customers_out }
  for i, st in ipairs(plan.order) do
    local r = tallies.removed[st.key]
    report.steps[i] = { reason = st.reason, rows = r.rows, revenue = r.rows > 0 and r.revenue or 0 }
  end
  return report
end

function M.clean(ds, opts)
  if type(opts) ~= "table" then error("clean: options table expected", 2) end
  for k in pairs(opts) do
    local ok = false
    for _, n in ipairs(KNOWN) do if n == k then ok = true end end
    if not ok then
      local hint = require("segmint.rules").suggest(tostring(k), KNOWN)
      error(string.format("clean: unknown option '%s'%s", tostring(k), hint and (" (did you mean '" .. hint .. "'?)") or ""), 2)
    end
  end
  for _, k in ipairs({ "quantity", "price" }) do
    if type(opts[k]) ~= "string" then error(string.format("clean: option '%s' (a column name) is required", k), 2) end
  end
  for _, k in ipairs({ "customer", "invoice", "quantity", "price", "date", "item" }) do
    if opts[k] and not ds:has(opts[k]) then
      error(string.format("clean: option '%s' names column '%s', which the data does not have (columns: %s)",
        k, opts[k], table.concat(ds:columns(), ", ")), 2)
    end
  end
  local q, p = ref(opts.quantity), ref(opts.price)
  local amount = opts.amount or "amount"
  local policy = policy_of(opts)
  if policy.missing_customer == "drop" and not opts.customer then error("clean: missing_customer = \"drop\" needs option 'customer'", 2) end
  if policy.cancellations ~= "keep" and not opts.invoice then error("clean: cancellations need option 'invoice'", 2) end
  for _, k in ipairs { "cancellations", "returns" } do
    if policy[k] == "net" and not (opts.customer and opts.item and opts.date) then
      error(string.format("clean: %s = \"net\" needs options 'customer', 'item' and 'date'", k), 2)
    end
  end
  if opts.non_product and not opts.item then error("clean: non_product needs option 'item'", 2) end

  local consume = opts.consume == true
  if opts.consume ~= nil and type(opts.consume) ~= "boolean" then error("clean: option 'consume' must be true or false", 2) end
  local cancel_expr = opts.invoice and string.format("starts_with(%s, %s)", ref(opts.invoice), quote(opts.cancel_prefix or "C"))
  local missing_expr = opts.customer and string.format("not is_missing(%s)", ref(opts.customer))
  -- The rows netted against the purchases before them: cancellations,
  -- returns (the other rows with a negative quantity), or both in one pass
  -- (each negative line takes its units from the most recent earlier
  -- purchases of the same customer and item, whichever kind it is).
  local net_parts = {}
  if policy.cancellations == "net" then net_parts[#net_parts + 1] = string.format("coalesce(%s, false)", cancel_expr) end
  if policy.returns == "net" then
    net_parts[#net_parts + 1] = cancel_expr
      and string.format("(%s < 0 and not coalesce(%s, false))", q, cancel_expr) or string.format("%s < 0", q)
  end
  local net_expr = #net_parts > 0 and string.format("coalesce(%s, false)", table.concat(net_parts, " or ")) or nil
  local net_reason = policy.cancellations == "net" and
    (policy.returns == "net" and "cancellations and returns (netted)" or "cancellations (netted)") or "returns (netted)"
  -- Under mpirun with several ranks, cleaning runs on the ranks that own
  -- the customers, over the rows the distributed read left on every rank
  -- (docs/mpi.md): each owner nets, drops duplicates, applies the filter
  -- steps (their keep conditions `keeps`, in order) and keeps its
  -- customers' cleaned rows for the later per-customer steps; it tallies
  -- the report's rows and revenues (exact sums) by step, which this rank
  -- adds up.  This rank then builds neither the cleaned rows nor the sums:
  -- its cleaned dataset is released from the start (its columns, no rows).
  -- One rank, or a table that is not the one read: nil, `exchange.why`
  -- says why, and the steps below run here on the whole table.
  local keeps = {}
  if policy.missing_customer == "drop" then keeps.missing = missing_expr end
  if policy.cancellations == "drop" then keeps.cancellations = string.format("not coalesce(%s, false)", cancel_expr) end
  if policy.returns == "drop" then keeps.returns = string.format("%s > 0", q) end
  if policy.nonpositive_price == "drop" then keeps.price = string.format("%s > 0", p) end
  if opts.non_product and #opts.non_product > 0 then
    local codes = {}
    for i, c in ipairs(opts.non_product) do codes[i] = quote(c) end
    keeps.non_product = string.format("not coalesce(%s in (%s), false)", ref(opts.item), table.concat(codes, ", "))
  end
  local REASONS = { missing = "missing customer", cancellations = "cancellations",
    returns = "returns and quantity <= 0", price = "price <= 0", non_product = "non-product codes" }
  local after, reasons = {}, {}
  for _, k in ipairs { "missing", "cancellations", "returns", "price", "non_product" } do
    if keeps[k] then after[#after + 1], reasons[#after + 1] = keeps[k], REASONS[k] end
  end
  -- the filter steps that run before the netting (on the owners too)
  local pre_net = { keeps.missing }
  if net_expr and policy.cancellations == "drop" then pre_net[#pre_net + 1] = keeps.cancellations end
  local marks, exchange
  if opts.customer then
    local why
    marks, why = ds:mpi_clean_marks {
      customer = opts.customer, item = opts.item, quantity = opts.quantity, price = opts.price, date = opts.date,
      cancel = net_expr, post = net_expr and string.format("not %s and %s != 0", net_expr, q),
      amount = amount, pre = pre_net,
      net = net_expr ~= nil, dups = policy.duplicates == "drop",
      match_price = opts.match_price ~= false, whole_ids = opts.whole_ids == true,
      amount_expr = string.format("%s * %s", q, p), after = after, tallies_only = true, consume = consume,
    }
    exchange = marks and marks:info() or { why = why }
  end
  if marks then
    -- the report from the owners' tallies (the order of the steps below)
    local cleaned, t = ds:mpi_cleaned(marks, { amount = amount, amount_expr = string.format("%s * %s", q, p),
      quantity = opts.quantity, customer = opts.customer, net = net_expr ~= nil, npre = #pre_net,
      whole_ids = opts.whole_ids == true })
    if consume then ds:close() end
    local report = { steps = {}, rows_in = t.rows_in, revenue_in = t.revenue_in, policy = policy }
    local function take(i)
      report.steps[#report.steps + 1] = { reason = reasons[i] or "exact duplicates", rows = t.steps[i].rows,
        revenue = t.steps[i].revenue }
    end
    local first = 1
    if net_expr then
      for i = 1, #pre_net do take(i) end
      first = #pre_net + 1
      local n = t.net
      local function sum(v, rows) return rows > 0 and v or 0 end
      local cancelled_value = -sum(n.cancel, n.cancel_rows)
      local purchases_before = sum(n.before, n.rows_in) - sum(n.cancel, n.cancel_rows)
      local removed = purchases_before - sum(n.after, n.rows_out)
      report.steps[#report.steps + 1] = { reason = net_reason, rows = n.rows_in - n.rows_out,
        revenue = removed, cancellation_rows = n.cancel_rows, cancelled_value = cancelled_value,
        unmatched_value = cancelled_value - removed, unmatched_quantity = t.unmatched }
    end
    for i = first, #after do take(i) end
    if policy.duplicates == "drop" then take(#after + 1) end
    report.rows_out, report.revenue_out, report.customers_out = t.rows_out, t.revenue_out, t.customers_out
    exchange.owners_hold, exchange.tallied = exchange.gen, true
    return cleaned, report, exchange
  end
  local cur = ds:derive(amount, string.format("%s * %s", q, p))
  -- consume: the caller's dataset gives its columns up to `cur`, and every
  -- intermediate table is closed as soon as it is replaced, so that the
  -- columns have one holder and the filter steps compact them in place
  if consume then ds:close() end
  local function advance(new)
    if consume and new ~= cur then cur:close() end
    cur = new
  end
  -- revenues are exactly rounded sums: the same bits as the owners' tallies added up under mpirun
  local report = { steps = {}, rows_in = #cur, revenue_in = cur:sum_exact(amount), policy = policy }
  local function sum(d) return #d > 0 and d:sum_exact(amount) or 0 end

  -- Consecutive filter steps run as one pass in C (ds:clean_filter): each
  -- row is tagged with the first step that removes it, the tags are counted
  -- and their revenue summed, and the kept rows are gathered once, with no
  -- intermediate table.
  local pending = {}
  local function step(reason, keep_expr) pending[#pending + 1] = { reason = reason, keep = keep_expr } end
  local function flush()
    if #pending == 0 then return end
    local conds = {}
    for k, st in ipairs(pending) do conds[k] = st.keep end
    local kept, removed = cur:clean_filter(conds, amount, consume)
    for k, st in ipairs(pending) do
      report.steps[#report.steps + 1] = { reason = st.reason, rows = removed[k].rows, revenue = removed[k].revenue }
    end
    cur = kept
    pending = {}
  end

  if policy.missing_customer == "drop" then
    step("missing customer", keeps.missing)
  end
  if policy.cancellations == "drop" then
    step("cancellations", keeps.cancellations)
  end
  if net_expr then
    flush()
    local before_rows = #cur
    local cancel_only = cur:filter(net_expr)
    local purchases_before = sum(cur) - sum(cancel_only)
    local cancelled_value = -sum(cancel_only)
    local netted, unmatched = cur:net_cancellations {
      customer = opts.customer, item = opts.item, quantity = opts.quantity, price = opts.price,
      date = opts.date, cancel = net_expr, match_price = opts.match_price ~= false,
    }
    advance(netted:derive(amount, string.format("%s * %s", q, p))
      :filter(string.format("not %s and %s != 0", net_expr, q)))
    -- the revenue removed is the value of the purchases the cancellations
    -- (returns) matched; those of purchases outside the data match nothing
    local removed = purchases_before - sum(cur)
    report.steps[#report.steps + 1] = { reason = net_reason, rows = before_rows - #cur,
      revenue = removed, cancellation_rows = #cancel_only, cancelled_value = cancelled_value,
      unmatched_value = cancelled_value - removed, unmatched_quantity = unmatched }
  end
  if policy.returns == "drop" then step("returns and quantity <= 0", keeps.returns) end
  if policy.nonpositive_price == "drop" then step("price <= 0", keeps.price) end
  if keeps.non_product then step("non-product codes", keeps.non_product) end
  if policy.duplicates == "drop" then
    advance(cur:mark_duplicates("_segmint_dup"))
    step("exact duplicates", "not _segmint_dup")
    flush()
    advance(cur:drop("_segmint_dup"))
  end
  flush()
  if opts.whole_ids and opts.customer then advance(whole_ids(cur, opts.customer)) end
  report.rows_out = #cur
  report.revenue_out = sum(cur)
  if opts.customer then report.customers_out = cur:count_distinct(opts.customer) end
  return cur, report, exchange
end

return M
