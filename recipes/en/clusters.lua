-- Names of the k-means clusters, by the ids of rules/clusters.lua.
return {
  high_value = { "High Value", why = "spend far above the average customer" },
  loyal = { "Loyal", why = "buy more often than average and recently" },
  at_risk = { "At Risk", why = "used to buy regularly but have not for a long time" },
  lost = { "Lost", why = "inactive for much longer than average" },
  new = { "New", why = "recent first purchase" },
  regular = { "Regular", why = "close to the average customer" },
}
