-- The executive summary (summary.md).  Edit the wording freely: {{name}}
-- inserts a value, {{#list}}...{{/list}} repeats a block for each item (or
-- shows it when a value is there), {{^list}}...{{/list}} shows a block when
-- the list is empty or the value absent.  Numbers arrive already formatted
-- for the language of the recipe; `segmint check` reports a placeholder
-- the summary does not have.
return {
  language = "en",
  unassigned = "(no segment)",
  model_names = { logistic = "logistic regression", linear = "linear regression", ridge = "ridge regression",
    boosting = "gradient boosting (XGBoost)", forest = "random forest (XGBoost)" },
  btyd_names = { bgnbd = "BG/NBD", mbgnbd = "MBG/NBD", pareto_nbd = "Pareto/NBD" },
  -- the article before each name, as it is read aloud ("an em-bee-gee")
  btyd_articles = { bgnbd = "A", mbgnbd = "An", pareto_nbd = "A" },
  units = { days = "days", weeks = "weeks", months = "months" },
  status_names = {
    basis = {
      churn = "the churn model gives them a probability of {{threshold}} or more of not buying in the next {{horizon_days}} days",
      btyd = "the BTYD model gives them a probability below {{threshold}} of still being customers",
      segments = "their RFM segment is one of those needing action",
    },
  },
  kpi_status = { met = "met", missed = "missed", ["no target"] = "no target", ["no data"] = "no data",
    unreliable = "not reliable: the spend model does worse than the average (R² {{r2}})" },
  kpi_trend = { better = "better", worse = "worse", same = "unchanged" },
  all_channels = "all channels",
  -- the past campaigns' channels (the campaign history's names) as the summary writes them
  channel_names = { sms = "SMS" },
  and_word = "and",
  kpi_now = "now",
  reasons = {
    ["cancellations (netted)"] = "cancellation lines and the purchases they cancel (netted)",
    ["returns (netted)"] = "return lines and the purchases they return (netted)",
    ["cancellations and returns (netted)"] = "cancellation and return lines and the purchases they cancel or return (netted)",
    ["returns and quantity <= 0"] = "returns and other lines with a zero or negative quantity",
    ["price <= 0"] = "zero or negative price",
  },
  alerts = {
    churn = "**Monthly churn**: {{rate}} of the {{active}} customers active on {{from}} lapsed by {{to}} ({{churned}} customers passed {{days}} days without buying); threshold {{threshold}}.{{#usual}} Over the {{months}} months before, the same month-long window averaged {{average}}.{{/usual}}",
    churn_rise = "**Monthly churn up**: {{rate}} of the {{active}} customers active on {{from}} lapsed by {{to}} ({{churned}} customers passed {{days}} days without buying), {{rise}} above its average of {{average}} over the {{months}} months before (alert from {{threshold}} above).",
    basket_drop = "**Average basket down**: {{current}} over the last {{days}} days against {{previous}} the {{days}} days before ({{change}}).",
    satisfaction = "**Satisfaction down**: {{current}} on average over the last {{days}} days, below the threshold of {{threshold}}.",
    catch_all = "**Customers no segment describes**: {{customers}} customers ({{share}}) are in '{{segment}}', with {{revenue_share}} of revenue and an average basket of {{basket}}: give them a segment of their own in rules/segments.lua.",
  },
  campaign_alerts = {
    negative_profit = "**{{campaign}} loses money**: it is planned only because its rule says force = true; expected loss {{loss}}.",
    no_profitable_customers = "**{{campaign}} would not pay**: none of its {{eligible}} eligible customers is expected to bring more margin than the campaign spends on them (contacting them all would lose {{loss}}); it is not planned. Lower the discount, the offer's cost or the cost per contact, or measure a higher uplift.",
    not_allocated = "**{{campaign}} is not planned**: its profitable customers went to campaigns expected to earn more, or its budget allows no contact.",
    no_eligible = "**{{campaign}} targets nobody**: no customer matches its target in this data.",
  },
  campaign_words = {
    baseline_sources = { churn = "the churn model", btyd_p0 = "the BTYD model", btyd_expected = "the BTYD expected purchases",
      history = "purchase history", fixed = "a fixed rate" },
    uplift_rule = "the rule's estimate, to be measured on the control group",
    control = {
      kept = "control group: {{control}} of its {{targeted}} customers ({{control_share}}), never contacted",
      too_few = "too few customers ({{targeted}}) for a control group of {{control_share}}, so its effect cannot be measured",
      none = "no control group (control_share = 0), so its effect cannot be measured",
      not_planned = "{{control_share}} would be kept as a control group",
    },
  },
  campaign_warnings = {
    too_few = "**{{campaign}}**: too few customers ({{customers}}) for a control group of {{control_share}}; its effect cannot be measured.",
    none = "**{{campaign}}**: no control group (control_share = 0); its effect cannot be measured.",
    undetectable = "**{{campaign}}**: with {{treatment}} customers contacted and {{control}} in the control group, no test could detect even the largest possible effect; its effect cannot be measured. Enlarge the control group or the audience to measure it.",
    below_mde = "**{{campaign}}**: with {{treatment}} customers contacted and {{control}} in the control group, a test can only detect an effect of {{mde}} or more ({{confidence}} confidence, {{power}} power); the expected effect, {{uplift}}, is below that, so the result will probably read as no effect. Enlarge the control group or the audience to measure it.",
  },
  assumptions = "{{campaign}}: {{baseline}} of its customers would buy within {{window_days}} days without contact (from {{baseline_source}}); a contact adds {{uplift}} ({{uplift_source}}); margin {{margin}}, discount {{discount}} on every purchase a contacted customer makes{{#per_order}} and {{cost_per_order}} of offer cost on each{{/per_order}}, {{cost_per_contact}} per contact; {{control_group}}.{{#no_recs}} {{no_recs}} customers of its target are left out: no product is often bought with what they bought.{{/no_recs}}{{#left_out}} The plan keeps {{targeted}} of its {{eligible}} eligible customers (contacted or in the control group){{#unprofitable}}; it leaves out {{unprofitable}} on whom it would spend more than it would earn{{/unprofitable}}{{#elsewhere}}{{#unprofitable}} and{{/unprofitable}}{{^unprofitable}}; it leaves out{{/unprofitable}} {{elsewhere}} who would pay, as a campaign expected to earn more from them took them or its budget ran out{{/elsewhere}}.{{/left_out}}",
  text = [[
# Customer analysis: executive summary

Generated on {{generated}} from data covering {{period_start}} to {{period_end}} (scores as of {{as_of}}).

## Key figures

| Indicator | Value |
|---|---:|
| Customers analysed | {{customers}} |
| Revenue | {{revenue}} |
| Orders | {{invoices}} |
| Average basket | {{avg_basket}} |
| Average orders per customer | {{avg_orders}} |
{{#status}}
| Active customers (bought in the last {{inactive_days}} days) | {{active}} ({{active_share}}) |
{{/status}}

{{#kpis}}
## Key indicators

Each indicator over its latest period (dates below), against the period of the same length before it. A customer is active while they have bought within {{inactive_days}} days.

| Indicator | Latest period | Value | Period before | Change | Target | Status |
|---|---|---:|---:|---:|---:|---|
{{#list}}
| {{name}} | {{period}} | {{value}} | {{previous}} | {{change}} | {{target}} | {{status}} |
{{/list}}

{{/kpis}}
{{#status}}
## Customers needing attention

**{{at_risk}} customers ({{at_risk_share}}) are at risk**: they bought in the last {{inactive_days}} days, but {{basis}}. They made {{at_risk_revenue_share}} of past revenue.

**{{lapsed}} customers ({{lapsed_share}}) have lapsed**: no purchase for more than {{inactive_days}} days ({{lapsed_revenue_share}} of past revenue).

{{^elsewhere}}The RFM segments tell the same story from another angle{{/elsewhere}}{{#elsewhere}}The RFM segments tell only part of the story{{/elsewhere}}: of the {{action_count}} customers ({{action_share}}) in the segments {{action_segments}}, {{#action_all_lapsed}}all have lapsed{{/action_all_lapsed}}{{^action_all_lapsed}}{{action_lapsed}} {{#action_lapsed_plural}}have{{/action_lapsed_plural}}{{^action_lapsed_plural}}has{{/action_lapsed_plural}} lapsed, {{action_at_risk}} {{#action_at_risk_plural}}still buy but are{{/action_at_risk_plural}}{{^action_at_risk_plural}}still buys but is{{/action_at_risk_plural}} likely to stop (at risk as defined above) and {{action_active}} {{#action_active_plural}}still buy and are{{/action_active_plural}}{{^action_active_plural}}still buys and is{{/action_active_plural}} not at risk{{/action_all_lapsed}}.{{#elsewhere}} The other {{count}} lapsed customers are in segments with more reassuring names (column Lapsed of the segment table), because RFM scores rank customers against one another, not against the {{inactive_days}}-day rule; the largest group is in the segment {{top}}: {{top_lapsed}} of its {{top_customers}} customers.{{/elsewhere}}

{{#segments}}
{{#action}}
- **{{name}}**: {{why}}. Recommended: {{action}}.
{{/action}}
{{/segments}}

{{/status}}
## Segments

| Segment | Customers | Share | Revenue | Share of revenue | Average basket | Average recency (days) | Lapsed |
|---|---:|---:|---:|---:|---:|---:|---:|
{{#segments}}
| {{name}} | {{customers}} | {{share}} | {{revenue}} | {{revenue_share}} | {{avg_basket}} | {{avg_recency}} | {{lapsed}} ({{lapsed_share}}) |
{{/segments}}

{{#history}}
## Since the last run ({{previous_date}})

{{#kpis}}
| Indicator | Now | At the last run | Change |
|---|---:|---:|---:|
{{#list}}
| {{name}} | {{value}} | {{previous}} | {{change}} |
{{/list}}

{{/kpis}}
| Segment | Customers | Before | Change |
|---|---:|---:|---:|
{{#changes}}
| {{segment}} | {{customers}} | {{previous}} | {{change}} |
{{/changes}}

Main moves between segments:

{{#moves}}
- {{customers}} customers ({{share}}) moved from {{from}} to {{to}}
{{/moves}}
{{^moves}}
- no customer changed segment
{{/moves}}

{{new}} {{#new_plural}}customers are{{/new_plural}}{{^new_plural}}customer is{{/new_plural}} new since then; {{departed}} of the previous run's {{#departed_plural}}are{{/departed_plural}}{{^departed_plural}}is{{/departed_plural}} no longer in the data.

{{#matrix}}
Segment migration (rows: segment at the last run; columns: segment now):

| From \ To | {{header}} |
|---|{{separator}}
{{#rows}}
| {{segment}} | {{cells}} |
{{/rows}}

{{/matrix}}
{{/history}}
{{#clusters}}
## Clusters

k-means on {{features_list}} (log-transformed and standardised) gives {{k}} clusters{{#auto}}, k chosen from the elbow and the silhouette ({{silhouette}}); every k tried is in k_selection.csv{{/auto}}. Each cluster is named by how it differs from the average customer (ratios to the mean: recency, frequency, spend).

{{#list}}
- **Cluster {{cluster}}: {{name}}**: {{size}} customers ({{share}}), recency {{recency_ratio}}x, frequency {{frequency_ratio}}x and spend {{monetary_ratio}}x the mean; average basket {{avg_basket}}; {{revenue_share}} of revenue. Main segment: {{main_segment}} ({{main_segment_share}}).
{{/list}}

{{/clusters}}
{{#btyd}}
## Customer lifetime value

{{article}} {{model}} model of purchases ({{params}}; time in {{unit}}; log-likelihood {{loglik}}, {{method}}, {{iterations}} iterations) and a Gamma-Gamma model of spend ({{gg_params}}), fitted on {{customers}} customers. Together they expect {{expected}} purchases in the next {{horizon_days}} days, worth {{total_clv}} over the next {{horizon}} months (discounted).

{{#selection}}
The model was chosen among {{candidates}}: each was fitted on the data up to {{calibration_end}} and judged on the {{actual}} purchases of the {{horizon_days}} days that followed, group by group (customers with 0, 1, 2… up to {{max_x}} or more earlier purchases), so that over-predicting one group cannot make up for under-predicting another. {{chosen}} came closest: its errors in the groups add up to {{error}} of the actual purchases{{#warning}}; no model came within {{tolerance}}, so read the lifetime values as rough orders of magnitude{{/warning}}. A model's total can be nearer the actual than another's while its errors by group are larger, as they cancel out in the total.

| Model | Error summed over the groups | Predicted purchases (total) | Actual | Correlation per customer |
|---|---:|---:|---:|---:|
{{#list}}
| {{model}} | {{error}} | {{predicted}} | {{actual}} | {{correlation}} |
{{/list}}

{{#failed}}
{{names}} could not be fitted on the data up to {{calibration_end}} (the log gives the reason), hence the dashes.

{{/failed}}
{{/selection}}
{{#not_compared}}
{{candidates}} could not be compared on a holdout: fitted on the data up to {{calibration_end}}, none of them could tell when customers stop buying, the history being too short for that. {{chosen}} fitted on all the data is used; read P(alive) and the lifetime values as optimistic.

{{/not_compared}}
P(alive), the model's probability that a customer is still buying, averages {{alive_repeat}} among the {{repeat_buyers}} customers who bought more than once. The {{one_time}} customers who bought only once average {{one_time_alive}}: with a single purchase the model has little to judge them on.{{#alive_flat}} With P(alive) this close to 100%, the model sees almost no one stop buying, yet {{lapsed}} customers have not bought for more than {{inactive_days}} days: do not use P(alive) to choose whom to win back.{{/alive_flat}}

| Customer | Segment | P(alive) | Expected purchases, {{horizon_days}} days | CLV, {{horizon}} months |
|---|---|---:|---:|---:|
{{#top}}
| {{customer}} | {{segment}} | {{p_alive}} | {{expected}} | {{clv}} |
{{/top}}

{{/btyd}}
{{#btyd_failed}}
## Customer lifetime value

Not computed: the {{model}} model could not be fitted on this data (the log names the reason), so customers.csv has no P(alive), expected purchases or lifetime value.

{{/btyd_failed}}
{{#models}}
## Churn risk and predicted value

{{#churn}}
A {{kind}} model predicts which customers will not buy in the next {{horizon}} days. It learnt from the customers known on {{cutoff}} and what they did in the {{horizon}} days that followed ({{churn_rate}} of them did not buy again), and was checked on {{test}} customers it had not seen: **accuracy {{accuracy}}, ROC AUC {{auc}}** (precision {{precision}}, recall {{recall}}).

Key churn factors (share of the model's importance):

{{#factors}}
- {{name}}: {{share}}
{{/factors}}

The column churn_probability of customers.csv gives every customer's churn probability, and the column churn_reasons the main reasons for the {{with_reasons}} customers at {{threshold}} or more: {{reasons_lapsed}} of them have already lapsed and {{reasons_recent}} still buy{{#reasons_are_at_risk}} (the customers at risk above){{/reasons_are_at_risk}}.
{{/churn}}

{{#clv}}
A {{kind}} model predicts each customer's spend over the next {{horizon}} days (column predicted_clv of customers.csv; {{total}} in all). On {{test}} customers it had not seen, its error is **RMSE {{rmse}}** (MAE {{mae}}, R² {{r2}}), against an average spend of {{mean_spend}}.{{#weak}} That is hardly better than giving every customer the average (R² {{r2}}): use the predicted spend to rank customers, not to budget.{{/weak}}{{#worse}} That is worse than giving every customer the average (a negative R², {{r2}}): do not use the predicted spend to budget, and use it to rank customers only with care.{{/worse}}
{{/clv}}

{{/models}}
## Campaign plan

A customer is contacted only when the campaign is expected to earn more margin from them than it spends on them: the contact, the discount{{#order_costs}} and the offer's cost on each purchase (such as free delivery){{/order_costs}}. Each campaign keeps part of its customers as a control group that is never contacted, so its real effect can be measured; the assumptions below give, campaign by campaign, the size of that group, or say when a campaign is too small for one. Eligible customers match the campaign's target; the assumptions say why some of them are left out. The customers to contact are listed in campaign_targets.csv (group treatment; the control group, group control, must not be contacted) and in the column campaign of customers.csv.

| Campaign | Channel | Offer | Eligible | Contacted | Control group | Extra sales | Margin on them | Discounts |{{#order_costs}} Offer costs |{{/order_costs}} Contact cost | Extra profit | ROI |
|---|---|---|---:|---:|---:|---:|---:|---:|{{#order_costs}}---:|{{/order_costs}}---:|---:|---:|
{{#campaigns}}
| {{name}} | {{channel}} | {{offer}} | {{eligible}} | {{targeted}} | {{control}} | {{sales}} | {{margin_amount}} ({{margin}}) | {{discount_cost}} |{{#order_costs}} {{order_cost}} |{{/order_costs}} {{cost}} | {{incremental_profit}} | {{roi}} |
{{/campaigns}}

Extra profit = margin on the extra sales − discounts{{#order_costs}} − offer costs{{/order_costs}} − contact cost, and ROI = extra profit / (discounts{{#order_costs}} + offer costs{{/order_costs}} + contact cost). Extra sales are the purchases the contacts are expected to add, before discounts; the discount is given on every purchase a contacted customer makes, including those they would have made anyway, so the extra revenue actually received is the extra sales less the discounts ({{total_incremental_revenue}} in all).{{#order_costs}} Offer costs are what an offer costs besides its discount on each of those purchases (a free delivery is paid on every order, not only the extra ones).{{/order_costs}} Amounts are rounded to whole units, so a row may be off by 1.

In all: {{total_sales}} of extra sales, {{total_margin}} of margin on them, {{total_discounts}} of discounts{{#order_costs}}, {{total_order_cost}} of offer costs{{/order_costs}} and {{total_contact_cost}} of contacts, for {{total_profit}} of extra profit. The assumptions, campaign by campaign:

{{#campaigns}}
- {{assumptions}}
{{/campaigns}}

{{#campaign_warnings}}
What the control groups will not be able to measure:

{{#list}}
- {{text}}
{{/list}}

{{/campaign_warnings}}
{{#past}}
## Past campaigns

{{campaigns}} campaigns in the history, by channel (ratios of the sums: CTR = clicks / impressions, conversion = conversions / clicks, CPA = spend / conversions, ROAS = revenue / spend, ROI on margin):

| Channel | Impressions | Clicks | CTR | Conversions | Conversion | Spend | Revenue | CPA | ROAS | ROI |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{{#channels}}
| {{channel}} | {{impressions}} | {{clicks}} | {{ctr}} | {{conversions}} | {{conversion_rate}} | {{spend}} | {{revenue}} | {{cpa}} | {{roas}} | {{roi}} |
{{/channels}}
{{#total}}
| **{{channel}}** | {{impressions}} | {{clicks}} | {{ctr}} | {{conversions}} | {{conversion_rate}} | {{spend}} | {{revenue}} | {{cpa}} | {{roas}} | {{roi}} |
{{/total}}

{{#best}}Highest ROI: {{campaign}} ({{roi}}). {{/best}}{{#worst}}Lowest: {{campaign}} ({{roi}}).{{/worst}}
{{#total}}

These ROIs are attributed: they count every conversion the platforms credited to a campaign, including sales that would have happened without it, so they are not the campaigns' incremental effect.{{#measured}} The tests below compare contacted customers with a control group held out: they are what measures the real effect.{{/measured}}{{^measured}} Only a test with a control group held out measures a campaign's real effect.{{/measured}}
{{/total}}

{{#tests}}
- Test **{{campaign}}**: {{treatment}} contacted, {{control}} held out; the contact changed the share who bought by {{uplift_points}} (95% interval {{lower}} to {{upper}}; p = {{p_value}}){{#significant}}, a real effect{{/significant}}{{^significant}}, not distinguishable from no effect{{/significant}}.
{{/tests}}

{{/past}}
{{#cross_sell}}
## Products bought together

The pairs with the highest lift (every pair is in cross_sell_rules.csv). The lift says how many times as often an order holding the first product holds the second as the average order does; the confidence is the share of the orders holding the first that also hold the second.

{{#rules}}
- {{#antecedent_name}}{{antecedent_name}} ({{antecedent}}){{/antecedent_name}}{{^antecedent_name}}{{antecedent}}{{/antecedent_name}} → {{#consequent_name}}{{consequent_name}} ({{consequent}}){{/consequent_name}}{{^consequent_name}}{{consequent}}{{/consequent_name}}: lift {{lift}}, confidence {{confidence}}
{{/rules}}
{{/cross_sell}}

## Alerts

{{#alerts}}
- {{text}}
{{/alerts}}
{{^alerts}}
No alert: every indicator is within its threshold.
{{/alerts}}

## Data preparation

{{rows_in}} transaction lines read, {{rows_out}} kept.

| Removed | Lines | Revenue |
|---|---:|---:|
{{#cleaning}}
| {{reason}} | {{rows}} | {{revenue}} |
{{/cleaning}}
]],
}
