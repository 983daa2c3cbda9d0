-- The 10-segment table of the R `rfm` package's vignette (rfm_segment),
-- with its fallback "Others".  rfm_segment assigns the segments in the
-- vignette's order and a later match overwrites an earlier one, so here the
-- list is reversed to give the same result with segmint's first match wins.
-- The linter shows what that order implies: Loyal Customers (r 2-5, f 3-5,
-- m 3-5) overwrites every Champions cell, so no customer is ever a Champion
-- with these ranges, in R as here.  Use segments.lua for a table where
-- every segment is reachable.  Select it with require "rules.segments_rfm_package".
return {
  { "Lost",               r = "1-2", f = "1-2", m = "1-2" },
  { "Can't Lose Them",    r = "1-1", f = "4-5", m = "4-5" },
  { "At Risk",            r = "1-2", f = "2-5", m = "2-5" },
  { "About To Sleep",     r = "2-3", f = "1-2", m = "1-2" },
  { "Need Attention",     r = "2-3", f = "2-3", m = "2-3" },
  { "Promising",          r = "3-4", f = "1-1", m = "1-1" },
  { "New Customers",      r = "4-5", f = "1-1", m = "1-1" },
  { "Potential Loyalist", r = "3-5", f = "1-3", m = "1-3" },
  { "Loyal Customers",    r = "2-5", f = "3-5", m = "3-5" },
  { "Champions",          r = "4-5", f = "4-5", m = "4-5" },
  { "Others" },
}
