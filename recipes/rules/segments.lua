-- Customer segments from R/F/M scores (1 = worst, 5 = best; recency
-- reversed, so 5 = bought most recently).  First matching rule wins, so the
-- order matters: narrow segments come before the broad ones that would
-- swallow them, and every rule is first for some score cells.
-- This file holds the conditions, shared by every language; each rule's
-- first entry is its id, and en/segments.lua, fr/segments.lua give the
-- name, the reason and the recommended action for each id.
-- Every one of the 125 score cells has a segment: the last three rules
-- name the customers the classic table leaves out (few but large orders,
-- frequent small ones), who would otherwise hide in a catch-all group.
-- `segmint check` lints it (unknown fields, ranges beyond the score
-- levels, rules that can never match, score cells no rule covers).
return {
  { "champions",          r = "4-5", f = "4-5", m = "4-5" },
  { "loyal_customers",    r = "2-5", f = "3-5", m = "3-5" },
  { "new_customers",      r = "4-5", f = "<= 1", m = "<= 1" },
  { "promising",          r = "3-4", f = "<= 1", m = "<= 1" },
  { "need_attention",     r = "2-3", f = "2-3", m = "2-3" },
  { "about_to_sleep",     r = "2-3", f = "<= 2", m = "<= 2" },
  { "potential_loyalist", r = "3-5", f = "1-3", m = "1-3" },
  { "cant_lose_them",     r = "<= 1", f = "4-5", m = "4-5" },
  { "at_risk",            r = "<= 2", f = "2-5", m = "2-5" },
  { "lost",               r = "1", f = "1", m = "1" },
  { "hibernating",        r = "1-2", m = "1-2" },
  { "big_spenders",       r = "3-5", f = "1-2", m = "4-5" },
  { "lapsed_big_spenders", r = "1-2", f = "1-2", m = "3-5" },
  { "frequent_small_buyers", r = "3-5", f = "4-5", m = "1-2" },
}
