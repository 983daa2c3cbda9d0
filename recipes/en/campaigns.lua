-- Names, channels and offers of the campaigns, by the ids of
-- rules/campaigns.lua (which holds their targets, costs and budgets for
-- every language).  {discount} in an offer is the campaign's discount,
-- written for the language ("20%").
return {
  vip = { name = "VIP programme", channel = "email",
    offer = "early access to new products and free delivery",
    kpis = { "repeat purchase rate", "revenue per VIP" } },
  churn_prevention = { name = "Churn prevention", channel = "email + phone call",
    offer = "personal offer: {discount} off and free delivery on the next order",
    kpis = { "retention of at-risk customers", "churn probability after the next period" } },
  win_back = { name = "Win back lost customers", channel = "email + direct mail",
    offer = "{discount} off the next order",
    kpis = { "reactivation rate", "cost per reactivated customer" } },
  welcome_back = { name = "Welcome Back", channel = "email",
    offer = "{discount} off the next order",
    kpis = { "reactivation rate", "average basket of returning customers" } },
  upselling = { name = "Upselling", channel = "email + website",
    offer = "premium range and bundles, free delivery above the average basket",
    kpis = { "average basket", "share of premium products" } },
  cross_selling = { name = "Cross-selling", channel = "email + website recommendations",
    offer = "products often bought with what they already buy",
    kpis = { "items per order", "uptake of recommended products" } },
}
