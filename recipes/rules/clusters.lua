-- How the k-means clusters are named: by how each differs from the average
-- customer.  For each dimension below, a cluster whose mean is at most
-- `low` times the overall mean, or at least `high` times, is described by
-- the language file's word for it (en/clusters.lua, fr/clusters.lua); the
-- most distinctive dimensions come first, up to `words` of them.  Names are
-- unique: clusters that would share one get the next distinctive dimension,
-- then their rank by spend.  The summary also says which segment most of
-- each cluster's customers are in.
return {
  words = 2,
  { "recency",   field = "recency_days_ratio", low = 0.6, high = 1.5 },
  { "frequency", field = "frequency_ratio",    low = 0.6, high = 1.6 },
  { "spend",     field = "monetary_ratio",     low = 0.6, high = 1.6 },
}
