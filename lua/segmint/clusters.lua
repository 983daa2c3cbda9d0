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
local tr = require "segmint.messages"

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

-- ---- names that describe each cluster against the average customer ----

-- Whether a rule table is the descriptive kind (rules/clusters.lua):
-- a list of { dimension, field =, low =, high = }.
function M.is_descriptive(tbl)
  return type(tbl) == "table" and type(tbl[1]) == "table" and tbl[1].field ~= nil
end

-- Problems of a descriptive rule table and its words, as messages.
function M.check_descriptive(tbl, words, fields)
  local rules = require "segmint.rules"
  local errors = {}
  local known = {}
  for _, f in ipairs(fields) do known[f] = true end
  local function add(fmt, ...) errors[#errors + 1] = tr.f(fmt, ...) end
  for k in pairs(tbl) do
    if math.type(k) ~= "integer" and k ~= "words" then
      add("%sclusters: unknown setting '%s'%s", rules.where_key(tbl, tostring(k)), tostring(k),
        tr.hint(rules.suggest(tostring(k), { "words" }) and "words" or nil))
    end
  end
  if tbl.words ~= nil and (math.type(tbl.words) ~= "integer" or tbl.words < 1 or tbl.words > 3) then
    add("%sclusters: 'words' must be 1, 2 or 3", rules.where_key(tbl, "words"))
  end
  for i, d in ipairs(tbl) do
    local where = rules.where(tbl, i, type(d) == "table" and d[1] or nil)
    if type(d) ~= "table" or type(d[1]) ~= "string" then
      add("%sclusters: entry %d must be like { \"spend\", field = \"monetary_ratio\", low = 0.6, high = 1.6 }", where, i)
    else
      if not known[d.field] then
        add("%sclusters: '%s': no profile field '%s'%s", rules.where(tbl, i, d[1], "field"), d[1], tostring(d.field),
          tr.hint(type(d.field) == "string" and rules.suggest(d.field, fields) or nil))
      end
      if type(d.low) ~= "number" or type(d.high) ~= "number" or not (d.low > 0 and d.low < 1 and d.high > 1) then
        add("%sclusters: '%s': low must be a ratio below 1 and high above 1", rules.where(tbl, i, d[1], "low"), d[1])
      end
      if words and type(words) == "table" then
        local w = words[d[1]]
        if type(w) ~= "table" or type(w.low) ~= "string" or type(w.high) ~= "string" then
          add("%sclusters: no words for '%s' (low = \"...\", high = \"...\")%s", rules.where_key(words, d[1]), d[1],
            rules.sources[words] and tr.f(" in %s", rules.sources[words].path) or "")
        end
      end
    end
  end
  if words == false then
    return errors   -- linting the rules alone
  elseif type(words) ~= "table" then
    add("clusters: the words that name the clusters are missing (labels = require \"en.clusters\")")
  else
    for _, k in ipairs { "name", "average" } do
      if type(words[k]) ~= "string" then add("%sclusters: '%s' must be a text", rules.where_key(words, k), k) end
    end
    if type(words.ranks) ~= "table" or #words.ranks == 0 then
      add("%sclusters: 'ranks' must be a list of texts", rules.where_key(words, "ranks"))
    end
  end
  return errors
end

local function capitalize(s)
  return (s:gsub("^%l", string.upper))
end

-- Adds cluster_name to the profiles: each cluster described by the
-- dimensions on which it stands out (see rules/clusters.lua).
function M.describe(profiles, tbl, words)
  local report = require "segmint.report"
  local max_words = tbl.words or 2
  local rows = {}
  for i, r in profiles:rows() do
    local described = {}
    for _, d in ipairs(tbl) do
      local v = r[d.field]
      if type(v) == "number" and v > 0 then
        local level = v <= d.low and "low" or v >= d.high and "high" or nil
        described[#described + 1] = { dim = d[1], level = level, dist = math.abs(math.log(v)), ratio = v }
      end
    end
    table.sort(described, function(a, b)
      if a.dist ~= b.dist then return a.dist > b.dist end
      return a.dim < b.dim
    end)
    rows[i] = { row = r, described = described }
  end
  local function name_of(item, n)
    local parts = {}
    for _, d in ipairs(item.described) do
      if #parts >= n then break end
      if d.level then parts[#parts + 1] = words[d.dim][d.level] end
    end
    if #parts == 0 then return words.average end
    return capitalize(report.render(words.name, { words = table.concat(parts, words.separator or ", ") }))
  end
  local names = {}
  for i, item in ipairs(rows) do names[i] = name_of(item, max_words) end
  -- clusters that share a name: more words, then their rank by spend
  for n = max_words + 1, #tbl + 1 do
    local groups = {}
    for i, nm in ipairs(names) do groups[nm] = groups[nm] or {}; table.insert(groups[nm], i) end
    local clash = false
    for _, g in pairs(groups) do
      if #g > 1 then
        clash = true
        for _, i in ipairs(g) do names[i] = n <= #tbl and name_of(rows[i], n) or names[i] end
      end
    end
    if not clash then break end
    if n > #tbl then
      for nm, g in pairs(groups) do
        if #g > 1 then
          table.sort(g, function(a, b) return (rows[a].row.monetary_ratio or 0) > (rows[b].row.monetary_ratio or 0) end)
          for rank, i in ipairs(g) do
            names[i] = string.format("%s (%s)", nm, words.ranks[math.min(rank, #words.ranks)])
          end
        end
      end
    end
  end
  local vals = { n = #rows }
  for i, nm in ipairs(names) do vals[i] = nm end
  return profiles:with_column("cluster_name", vals, "string")
end

-- Lints a cluster rule file (for segmint check).
function M.lint(rule_table)
  if M.is_descriptive(rule_table) then return M.check_descriptive(rule_table, false, M.profile_fields(M.DEFAULT_FEATURES)), {} end
  return segments.lint(rule_table, { fields = M.profile_fields(M.DEFAULT_FEATURES) })
end

return M
