-- The 10-segment table of the R `rfm` package's vignette (rfm_segment),
-- with its fallback "others".  rfm_segment assigns the segments in the
-- vignette's order and a later match overwrites an earlier one, so here the
-- list is reversed to give the same result with segmint's first match wins.
-- The linter shows what that order implies: loyal_customers (r 2-5, f 3-5,
-- m 3-5) overwrites every champions cell, so no customer is ever a Champion
-- with these ranges, in R as here.  segments.lua is a table where every
-- segment is reachable.  To use this one, give a recipe
-- segments = { rules = require "rules.segments_rfm_package", labels = require "en.segments" }.
return {
  { "lost",               r = "1-2", f = "1-2", m = "1-2" },
  { "cant_lose_them",     r = "1-1", f = "4-5", m = "4-5" },
  { "at_risk",            r = "1-2", f = "2-5", m = "2-5" },
  { "about_to_sleep",     r = "2-3", f = "1-2", m = "1-2" },
  { "need_attention",     r = "2-3", f = "2-3", m = "2-3" },
  { "promising",          r = "3-4", f = "1-1", m = "1-1" },
  { "new_customers",      r = "4-5", f = "1-1", m = "1-1" },
  { "potential_loyalist", r = "3-5", f = "1-3", m = "1-3" },
  { "loyal_customers",    r = "2-5", f = "3-5", m = "3-5" },
  { "champions",          r = "4-5", f = "4-5", m = "4-5" },
  { "others" },
}
