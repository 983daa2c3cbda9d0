-- Customer segments from R/F/M scores (1 = worst, 5 = best; recency
-- reversed, so 5 = bought most recently).  First matching rule wins, so the
-- order matters: narrow segments come before the broad ones that would
-- swallow them, and every rule is first for some score cells.
-- Edit the ranges, names, reasons and actions freely; `segmint check`
-- lints this file (unknown fields, empty ranges, rules that can never
-- match, score cells no rule covers).
return {
  { "Champions",          r = "4-5", f = "4-5", m = "4-5",
    why = "bought recently, buy often and spend the most",
    action = "reward them: early access, loyalty perks; ask for reviews" },
  { "Loyal Customers",    r = "2-5", f = "3-5", m = "3-5",
    why = "spend good money and buy often",
    action = "upsell higher-value products; loyalty programme" },
  { "New Customers",      r = "4-5", f = "<= 1", m = "<= 1",
    why = "bought most recently, but not often",
    action = "onboarding, early success, build the relationship" },
  { "Promising",          r = "3-4", f = "<= 1", m = "<= 1",
    why = "recent shoppers who have not spent much",
    action = "create brand awareness, free trials" },
  { "Need Attention",     r = "2-3", f = "2-3", m = "2-3",
    why = "above-average recency, frequency and spend; may not have bought very recently",
    action = "limited-time offers based on past purchases" },
  { "About To Sleep",     r = "2-3", f = "<= 2", m = "<= 2",
    why = "below-average recency, frequency and spend",
    action = "share valuable resources, recommend popular products" },
  { "Potential Loyalist", r = "3-5", f = "1-3", m = "1-3",
    why = "recent customers with average frequency",
    action = "membership offers, personalised recommendations" },
  { "Can't Lose Them",    r = "<= 1", f = "4-5", m = "4-5",
    why = "made the biggest purchases and often, but have not returned for a long time",
    action = "win them back with renewals or newer products; talk to them" },
  { "At Risk",            r = "<= 2", f = "2-5", m = "2-5",
    why = "spent big money and bought often, but long ago",
    action = "personalised reactivation emails, helpful resources" },
  { "Lost",               r = "1", f = "1", m = "1",
    why = "lowest recency, frequency and monetary scores",
    action = "revive interest with a reach-out campaign, or ignore" },
  { "Hibernating",        r = "1-2", f = "1-2", m = "1-2",
    why = "last purchase long ago, low spend and few orders",
    action = "offer other relevant products and special discounts" },
  { "Others",
    why = "no rule above matched",
    action = "monitor" },
}
