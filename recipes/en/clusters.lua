-- The words that name the k-means clusters (see rules/clusters.lua):
-- `low` and `high` for each dimension, how the words make a name, the name
-- of a cluster close to the average, and the ranks by spend that tell
-- apart clusters which would otherwise share a name.
return {
  recency = { low = "recent", high = "long-lapsed" },
  frequency = { low = "occasional", high = "frequent" },
  spend = { low = "low-spending", high = "high-spending" },
  name = "{{words}} customers",
  separator = ", ",
  average = "Average customers",
  ranks = { "first by spend", "second by spend", "third by spend", "fourth by spend", "fifth by spend",
    "sixth by spend", "seventh by spend", "eighth by spend" },
}
