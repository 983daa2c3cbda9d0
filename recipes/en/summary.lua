-- The executive summary (summary.md).  Edit the wording freely: {{name}}
-- inserts a value, {{#list}}...{{/list}} repeats a block for each item,
-- {{^list}}...{{/list}} shows a block when the list is empty.  Numbers
-- arrive already formatted for the language of the recipe.
return {
  language = "en",
  unassigned = "(no segment)",
  model_names = { logistic = "logistic regression", linear = "linear regression", ridge = "ridge regression",
    boosting = "gradient boosting (XGBoost)", forest = "random forest (XGBoost)" },
  alerts = {
    inactive = "**Inactive customers**: {{count}} customers ({{share}}) have not bought for more than {{days}} days.",
    basket_drop = "**Average basket down**: {{current}} over the last {{days}} days against {{previous}} the {{days}} days before ({{change}}).",
    churn = "**Monthly churn**: {{rate}} of the customers who bought in {{previous_month}} did not buy in {{month}} (threshold {{threshold}}).",
  },
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
| Engaged customers | {{engaged_count}} ({{engaged_share}}) |

## Segments

| Segment | Customers | Share | Revenue | Share of revenue | Average basket | Average recency (days) |
|---|---:|---:|---:|---:|---:|---:|
{{#segments}}
| {{name}} | {{customers}} | {{share}} | {{revenue}} | {{revenue_share}} | {{avg_basket}} | {{avg_recency}} |
{{/segments}}

{{#clusters}}
## Clusters

k-means on {{features}} (log1p, standardised) gives {{k}} clusters{{#auto}}, k chosen from the elbow and the silhouette ({{silhouette}}); every k tried is in k_selection.csv{{/auto}}.

{{#list}}
- **Cluster {{cluster}}: {{name}}**: {{size}} customers ({{share}}), spend per customer {{monetary_ratio}}x the mean, average basket {{avg_basket}} ({{basket_ratio}}x the mean), {{revenue_share}} of revenue.
{{/list}}

{{/clusters}}
## Customers needing action now

{{action_count}} customers ({{action_share}}) are in {{action_segments}}; they account for {{action_revenue}} of past revenue.

{{#segments}}
{{#action}}
- **{{name}}**: {{why}}. Recommended: {{action}}.
{{/action}}
{{/segments}}

{{#btyd}}
## Customer lifetime value

A {{model}} model of purchases ({{params}}; time unit: {{unit}}; log-likelihood {{loglik}}, {{method}}, {{iterations}} iterations) and a Gamma-Gamma model of spend ({{gg_params}}), fitted on {{customers}} customers. On average a customer is still active with probability {{alive}}; together they are expected to make {{expected}} purchases in the next {{horizon_days}} days, worth {{total_clv}} over the next {{horizon}} months (discounted).

| Customer | Segment | P(alive) | Expected purchases, {{horizon_days}} days | CLV, {{horizon}} months |
|---|---|---:|---:|---:|
{{#top}}
| {{customer}} | {{segment}} | {{p_alive}} | {{expected}} | {{clv}} |
{{/top}}

{{/btyd}}
{{#models}}
## Churn risk and predicted value

{{#churn}}
A {{kind}} model predicts which customers will not buy in the next {{horizon}} days. It learnt from the customers known on {{cutoff}} and what they did in the {{horizon}} days that followed ({{churn_rate}} of them did not buy again), and was checked on {{test}} customers it had not seen: **accuracy {{accuracy}}, ROC AUC {{auc}}** (precision {{precision}}, recall {{recall}}).

Key churn factors (share of the model's importance):

{{#factors}}
- {{name}}: {{share}}
{{/factors}}

{{at_risk}} customers ({{at_risk_share}}) have a churn probability of {{threshold}} or more; customers.csv lists the main reasons for each of them (churn_reasons).
{{/churn}}

{{#clv}}
A {{kind}} model predicts each customer's spend over the next {{horizon}} days (predicted_clv; {{total}} in all). On {{test}} customers it had not seen, its error is **RMSE {{rmse}}** (MAE {{mae}}, R² {{r2}}), against an average spend of {{mean_spend}}.
{{/clv}}

{{/models}}
## Campaign plan

| Campaign | Channel | Offer | Eligible | Targeted | Budget | Cost | Expected revenue | Expected ROI |
|---|---|---|---:|---:|---:|---:|---:|---:|
{{#campaigns}}
| {{name}} | {{channel}} | {{offer}} | {{eligible}} | {{targeted}} | {{budget}} | {{cost}} | {{expected_revenue}} | {{roi}} |
{{/campaigns}}

Total cost {{total_cost}} for an expected revenue of {{total_revenue}}.

{{#cross_sell}}
Products most often bought together (by lift):

{{#rules}}
- {{antecedent}} → {{consequent}}: lift {{lift}}, confidence {{confidence}}
{{/rules}}
{{/cross_sell}}

## KPIs to watch

{{#kpis}}
- {{.}}
{{/kpis}}

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
