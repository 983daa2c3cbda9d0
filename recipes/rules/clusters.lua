-- Names for the k-means clusters, decided on each cluster's profile
-- (first match wins); en/clusters.lua and fr/clusters.lua name the ids.
-- Fields: size, share, revenue_share, basket_ratio (the cluster's average
-- basket over the overall one), and for each feature mean_<f>, median_<f>
-- and <f>_ratio (the cluster's mean over the overall mean), e.g.
-- monetary_ratio, frequency_ratio, recency_days_ratio.
return {
  { "high_value", monetary_ratio = ">= 2.5" },
  { "loyal",      frequency_ratio = ">= 1.5", recency_days_ratio = "< 1" },
  { "at_risk",    recency_days_ratio = ">= 1.5", frequency_ratio = ">= 0.8" },
  { "lost",       recency_days_ratio = ">= 1.5" },
  { "new",        tenure_days_ratio = "<= 0.6" },
  { "regular" },
}
