-- Step "clusters": k-means on the transformed and scaled features, the
-- chosen k, profiles and rule-based names: columns cluster, cluster_name.
local S = {}

S.transactions = false   -- needs only per-customer data, not the transactions

function S.enabled(ctx) return ctx.cfg.clusters ~= nil end

function S.columns() return { { "cluster", "number" }, { "cluster_name", "string" } } end

function S.run(ctx)
  local sg, cl = ctx.sg, ctx.cfg.clusters
  local features = cl.features or { "recency_days", "frequency", "monetary" }
  local m = sg.matrix(ctx.customers, features, { transform = cl.transform or "log1p",
    scale = cl.scale or "standard", missing = "median" })
  local kopts = { k = cl.k or "auto", k_range = cl.k_range or { 2, 8 },
    n_init = cl.n_init or 4, seed = ctx.cfg.seed or 42, silhouette_sample = cl.silhouette_sample }
  local km, selection
  if sg.mpi_size() >= 2 then
    -- under mpirun every rank fits its rows' share (docs/mpi.md): the same bits
    local ranks
    km, _, selection, ranks = sg.mpi_kmeans(m, kopts)
    if type(ranks) == "table" then
      local per, sum = require("segmint.mpi").per_rank(ranks.rows)
      sg.info("clusters on %d MPI ranks: rows %s (%d in all); %d bytes of rows scattered; %d fits, "
        .. "%d reductions, %d bytes received by rank 0 (MPI_Allgatherv, MPI_Allgather); %d bytes of labels gathered; "
        .. "%.2f s (scatter %.2f, fits %.2f, of which k-means++ seeding on the ranks %.2f)", #ranks.rows,
        per, sum, ranks.scattered, ranks.fits, ranks.reductions, ranks.reduced, ranks.labels, ranks.secs,
        ranks.secs_scatter, ranks.secs_fits, ranks.secs_seed)
    else
      sg.info("clusters on rank 0 alone: %s", ranks)
    end
  else
    km, _, selection = sg.kmeans(m, kopts)
  end
  local customers = km:assign(ctx.customers, m, "cluster")
  local profiles = sg.cluster_profiles(customers, { features = cl.profile_features })
  local clusters = require "segmint.clusters"
  local named
  if ctx.rules.cluster_words then
    named = clusters.describe(profiles, ctx.rules.cluster_rules, ctx.rules.cluster_words)
  else
    named = sg.name_clusters(profiles, ctx.rules.cluster_rules)
  end
  ctx.customers = customers:join(named:select { "cluster", "cluster_name" }, { on = "cluster", how = "left" })
  ctx.res.kmeans, ctx.res.cluster_profiles = km, named
  ctx.res.k_selection = selection and sg.dataset(selection) or nil
  ctx.res.cluster_features = features
  -- the features by the names people read (the models' labels)
  local labels = type(ctx.cfg.models) == "table" and ctx.cfg.models.features or nil
  local names = {}
  for i, f in ipairs(features) do names[i] = (sg.feature_name(labels, f)) end
  ctx.res.cluster_feature_names = names
  sg.info("clusters: k = %d", km:info().k)
end

return S
