-- Cluster profiles and rule-based cluster names.
--
--   local profiles = sg.cluster_profiles(customers, { features = {...} })
--   local named = sg.name_clusters(profiles, require "rules.clusters")
--
-- A profile has one row per cluster: cluster, size, share, revenue,
-- revenue_share, and for every feature mean_<f>, median_<f> and <f>_ratio
-- (the cluster's mean over the overall mean), plus basket_ratio (the
-- cluster's average basket, revenue / orders, over the overall one).
-- Cluster rules are segment-style rules evaluated on the profile rows.
local M = {}

local segments = require "segmint.segments"

-- The profile fields a cluster rule may use, for the given features.
function M.profile_fields(features)
  local f = { "cluster", "size", "share", "revenue", "revenue_share", "orders", "basket_ratio" }
  for _, x in ipairs(features) do
    f[#f + 1] = "mean_" .. x
    f[#f + 1] = "median_" .. x
    f[#f + 1] = x .. "_ratio"
  end
  return f
end

M.DEFAULT_FEATURES = { "recency_days", "frequency", "monetary", "avg_basket", "tenure_days" }

local function ref(col) return col:match("^[%a_][%w_]*$") and col or ("`" .. col .. "`") end

-- opts: cluster (column, default "cluster"), features (default: the RFM
-- fields present), revenue (default "monetary"), orders (default "frequency")
function M.profiles(sg, customers, opts)
  opts = opts or {}
  local cl = opts.cluster or "cluster"
  local revenue, orders = opts.revenue or "monetary", opts.orders or "frequency"
  local features = opts.features
  if not features then
    features = {}
    for _, f in ipairs(M.DEFAULT_FEATURES) do
      if customers:has(f) then features[#features + 1] = f end
    end
  end
  local aggs = { { "size", "count" }, { "revenue", "sum", revenue }, { "orders", "sum", orders } }
  for _, f in ipairs(features) do
    aggs[#aggs + 1] = { "mean_" .. f, "mean", f }
    aggs[#aggs + 1] = { "median_" .. f, "quantile", f, 0.5 }
  end
  local known = customers:filter(string.format("not is_missing(%s)", ref(cl)))
  local p = known:group_by(cl, aggs)
  if cl ~= "cluster" then p = p:rename { [cl] = "cluster" } end
  local n = #known
  local total_rev, total_orders = known:sum(revenue), known:sum(orders)
  p = p:derive("share", string.format("size / %d", math.max(n, 1)))
       :derive("revenue_share", string.format("revenue / %.17g", total_rev ~= 0 and total_rev or 1))
       :derive("basket_ratio", string.format("(revenue / orders) / %.17g",
         total_orders > 0 and total_rev / total_orders or 1))
  for _, f in ipairs(features) do
    local mean = known:stats(f).mean
    p = p:derive(f .. "_ratio", string.format("mean_%s / %.17g", f, (mean and mean ~= 0) and mean or 1))
  end
  return p:select(M.profile_fields(features))
end

-- Adds cluster_name from the rules; a name several clusters share gets
-- " 2", " 3"... on its later clusters.
function M.name(profiles, rule_table)
  local fields = profiles:columns()
  local segs = segments.new(rule_table, { fields = fields })
  local named = segs:assign(profiles, "cluster_name")
  local names = named:column("cluster_name")
  local seen = {}
  for i = 1, names.n do
    local nm = names[i] or "?"
    seen[nm] = (seen[nm] or 0) + 1
    if seen[nm] > 1 then names[i] = nm .. " " .. seen[nm] end
  end
  return named:with_column("cluster_name", names, "string"), segs
end

-- Lints a cluster rule file (for segmint check).
function M.lint(rule_table)
  return segments.lint(rule_table, { fields = M.profile_fields(M.DEFAULT_FEATURES) })
end

return M
