-- The page layout of report.html, in English: the sections in order, their
-- titles and the line under each title that says what to see.  Reorder,
-- drop or retitle sections freely; {{name}} inserts a value of the section
-- (the values each section has are in docs/report.md), already formatted
-- for the language.  `segmint check` names any section, option or
-- {{value}} this file gets wrong, with its line.
return {
  title = "Customer analysis",
  subtitle = "Data from {{period_start}} to {{period_end}}, scores as of {{as_of}}",
  language = "en",
  sections = {
    { "kpis", title = "Key figures",
      reading = "{{customers}} customers bought for {{revenue}} between {{period_start}} and {{period_end}}.",
      labels = { customers = "Customers", revenue = "Revenue", orders = "Orders", avg_basket = "Average basket",
        at_risk = "Customers at risk", campaign_roi = "Expected campaign ROI" } },
    { "indicators", title = "Indicators and targets", reading = "Indicators with a target: {{met}} of {{targets}} met.",
      unreliable = "Not reliable: the spend model does worse than the average (R² {{spend_r2}}).",
      since_previous = "against the previous period" },
    { "segments", title = "Customers per segment",
      reading = "{{top}} are {{share}} of customers and {{revenue_share}} of revenue.",
      labels = { customers = "customers", revenue = "revenue", revenue_title = "Revenue per segment" },
      revenue_reading = "Revenue by segment: where the money comes from." },
    { "rf_grid", title = "Average spend by recency (R) and frequency (F) score",
      reading = "Customers scored R {{best_r}}, F {{best_f}} spend the most: {{best}} on average." },
    { "k_selection", title = "Choosing the number of clusters",
      reading = "k = {{k}} clusters were chosen (silhouette {{silhouette}}); a good k is where more clusters "
          .. "lower the inertia little and the silhouette is high.",
      labels = { inertia = "inertia (within-cluster spread)", silhouette = "silhouette", chosen = "chosen k" } },
    { "pca", title = "Clusters on the first two principal components",
      reading = "The two axes keep {{explained}} of the variation of the clustering features." },
    { "cluster_profiles", title = "Cluster profiles",
      reading = "The cluster {{top}} brings {{revenue_share}} of revenue with {{share}} of customers.",
      labels = { cluster = "cluster", cluster_name = "name", size = "customers", share = "share",
        revenue_share = "revenue share", mean_recency_days = "days since last purchase",
        mean_frequency = "orders", mean_monetary = "spend" } },
    { "clv_distribution", title = "Expected value of each customer over the next {{months}} months",
      reading = "Median {{median}}, mean {{mean}}; {{total}} in all.", labels = { count = "customers" },
      x_title = "expected value per customer" },
    { "p_alive", title = "Probability that a customer is still active, by days since the last purchase",
      reading = "{{alive_share}} of customers ({{alive}}) are more likely active than not.{{#flat}} The model sees almost no one stop buying, yet {{lapsed}} customers have not bought for more than {{inactive_days}} days: do not use P(alive) to choose whom to win back.{{/flat}}",
      labels = { recency_days = "days since the last purchase", p_alive = "P(alive)" } },
    { "btyd_calibration", title = "Purchases in the {{horizon_days}} days before {{as_of}}: actual and predicted",
      reading = "Fitted on the earlier data, the model expected {{predicted}} purchases from these customers in all; "
        .. "they made {{actual}} ({{gap}} apart). Group by group (one point per number of earlier purchases), the "
        .. "gaps add up to {{group_error}} of the purchases, as they do not cancel out as in the total.",
      labels = { x = "purchases before the check period", actual = "actual", predicted = "predicted" } },
    { "churn_importance", title = "What drives churn",
      reading = "The largest factor: {{top}} ({{share}} of the model's importance).",
      labels = { share = "importance" } },
    { "churn_calibration", title = "Churn model calibration",
      reading = "Each point is a group of customers with a similar predicted risk; on the dashed diagonal, the "
        .. "predicted risk equals the share who did not buy within {{horizon_days}} days. Here the average gap "
        .. "to it is {{mean_gap}} (at most {{max_gap}}); AUC {{auc}}.",
      labels = { predicted = "predicted probability", observed = "observed churn" } },
    { "churn_roc", title = "Churn model ROC curve",
      reading = "AUC {{auc}} on {{customers}} customers the model had not seen: 0.5 is chance, 1 is perfect.",
      labels = { fpr = "false positive rate", tpr = "true positive rate" } },
    { "spend_check", title = "Predicted against actual spend over {{days}} days",
      reading = "Typical error {{rmse}} (R² {{r2}}) on {{customers}} customers the model had not seen.",
      labels = { future_spend = "actual spend", predicted = "predicted spend" } },
    { "campaign_plan", title = "Campaign plan: costs and expected profit",
      reading = "{{campaigns}} campaigns cost {{cost}} (contacts, discounts{{#order_costs}}, offer costs{{/order_costs}}) and "
          .. "are expected to bring {{profit}} "
        .. "of extra profit (ROI {{roi}}).",
      labels = { cost = "contact cost", discount_cost = "discounts", order_cost = "offer costs", expected_incremental_profit = "expected extra profit",
          expected_incremental_sales = "expected extra sales (before discounts)",
          expected_incremental_margin = "margin on them",
        expected_incremental_revenue = "expected extra revenue", campaign = "campaign", channel = "channel",
        eligible = "eligible", targeted = "customers targeted", treatment = "contacted", control = "control group",
        budget = "budget",
        roi = "ROI", table_title = "Every campaign in detail" },
      table_reading = "Extra profit = margin on the extra sales − discounts{{#order_costs}} − offer costs{{/order_costs}} − "
          .. "contact cost; ROI = extra profit / (discounts{{#order_costs}} + offer costs{{/order_costs}} + "
          .. "contact cost). A campaign with no customer targeted has an alert that says why.",
      none_reading = "No campaign is expected to pay with its current offer and costs: each one's alert "
        .. "says why." },
    { "campaign_performance", title = "Campaign performance",
      reading = "{{best}} gave the best return: {{best_roi}}, as the platforms attribute it (every conversion "
          .. "after a contact counts, even one that would have happened anyway): not the incremental effect, which "
          .. "only a test with a control group measures.",
      labels = { roi = "ROI (on margin)", ctr = "click rate", conversion_rate = "conversion rate",
        cpa = "cost per conversion", spend = "spend", revenue = "revenue", impressions = "impressions",
        clicks = "clicks", conversions = "conversions", cpc = "cost per click", cpm = "cost per 1,000 impressions",
        roas = "ROAS (revenue / spend)", table_title = "Past campaigns in detail" } },
    { "migration", title = "Segment migration since the last run",
      reading = "{{moved}} customers ({{share}}) changed segment.", labels = { from = "before", to = "now" } },
    { "kpi_trends", title = "Key figures over time: {{unit}}", reading = "Over {{runs}} runs.",
      units = { percent = "rates", money = "amounts", number = "counts and other figures" } },
    { "cross_sell", title = "Products bought together",
      reading = "An order holding {{a}} holds {{b}} {{lift}} times as often as the average order.",
      labels = { antecedent = "product bought", antecedent_name = "name", consequent = "product suggested",
        consequent_name = "name" } },
    { "alerts", title = "Alerts" },
    { "data_preparation", title = "Data preparation",
      reading = "{{rows_out}} of {{rows_in}} lines kept ({{kept}}).",
      labels = { step = "removed", rows = "lines", revenue = "revenue" } },
  },
}
