-- Names for the k-means clusters, decided on each cluster's profile
-- (first match wins).  Fields: size, share, revenue_share, basket_ratio
-- (the cluster's average basket over the overall one), and for each
-- feature mean_<f>, median_<f> and <f>_ratio (the cluster's mean over the
-- overall mean), e.g. monetary_ratio, frequency_ratio, recency_days_ratio.
return {
  { "High Value",  monetary_ratio = ">= 2.5",
    why = "spend far above the average customer" },
  { "Loyal",       frequency_ratio = ">= 1.5", recency_days_ratio = "< 1",
    why = "buy more often than average and recently" },
  { "At Risk",     recency_days_ratio = ">= 1.5", frequency_ratio = ">= 0.8",
    why = "used to buy regularly but have not for a long time" },
  { "Lost",        recency_days_ratio = ">= 1.5",
    why = "inactive for much longer than average" },
  { "New",         tenure_days_ratio = "<= 0.6",
    why = "recent first purchase" },
  { "Regular",
    why = "close to the average customer" },
}
