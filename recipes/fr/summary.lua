-- La synthèse (summary.md).  {{nom}} insère une valeur, {{#liste}}...{{/liste}}
-- répète un bloc pour chaque élément, {{^liste}}...{{/liste}} affiche un
-- bloc quand la liste est vide.  Les nombres arrivent déjà formatés.
return {
  language = "fr",
  unassigned = "(sans segment)",
  reasons = {
    ["missing customer"] = "client manquant",
    ["cancellations"] = "annulations",
    ["cancellations (netted)"] = "annulations (compensées)",
    ["returns and quantity <= 0"] = "retours et quantités <= 0",
    ["price <= 0"] = "prix <= 0",
    ["non-product codes"] = "codes hors produits",
    ["exact duplicates"] = "doublons exacts",
  },
  model_names = { logistic = "de régression logistique", linear = "de régression linéaire",
    ridge = "de régression ridge", boosting = "de gradient boosting (XGBoost)", forest = "de forêt aléatoire (XGBoost)" },
  alerts = {
    inactive = "**Clients inactifs** : {{count}} clients ({{share}}) n'ont rien acheté depuis plus de {{days}} jours.",
    basket_drop = "**Panier moyen en baisse** : {{current}} sur les {{days}} derniers jours contre {{previous}} sur les {{days}} jours précédents ({{change}}).",
    churn = "**Attrition mensuelle** : {{rate}} des clients ayant acheté en {{previous_month}} n'ont pas acheté en {{month}} (seuil {{threshold}}).",
  },
  text = [[
# Analyse clients : synthèse

Générée le {{generated}} à partir des données du {{period_start}} au {{period_end}} (scores au {{as_of}}).

## Chiffres clés

| Indicateur | Valeur |
|---|---:|
| Clients analysés | {{customers}} |
| Chiffre d'affaires | {{revenue}} |
| Commandes | {{invoices}} |
| Panier moyen | {{avg_basket}} |
| Commandes par client | {{avg_orders}} |
| Clients engagés | {{engaged_count}} ({{engaged_share}}) |

## Segments

| Segment | Clients | Part | Chiffre d'affaires | Part du CA | Panier moyen | Récence moyenne (jours) |
|---|---:|---:|---:|---:|---:|---:|
{{#segments}}
| {{name}} | {{customers}} | {{share}} | {{revenue}} | {{revenue_share}} | {{avg_basket}} | {{avg_recency}} |
{{/segments}}

{{#clusters}}
## Groupes (clusters)

Un k-means sur {{features}} (log1p, standardisés) donne {{k}} groupes{{#auto}}, k choisi par le coude et la silhouette ({{silhouette}}) ; chaque k essayé figure dans k_selection.csv{{/auto}}.

{{#list}}
- **Groupe {{cluster}} : {{name}}** : {{size}} clients ({{share}}), dépense par client {{monetary_ratio}} fois la moyenne, panier moyen {{avg_basket}} ({{basket_ratio}} fois la moyenne), {{revenue_share}} du chiffre d'affaires.
{{/list}}

{{/clusters}}
## Clients à traiter maintenant

{{action_count}} clients ({{action_share}}) sont dans les segments {{action_segments}} ; ils représentent {{action_revenue}} du chiffre d'affaires passé.

{{#segments}}
{{#action}}
- **{{name}}** : {{why}}. Recommandé : {{action}}.
{{/action}}
{{/segments}}

{{#btyd}}
## Valeur vie client

Un modèle {{model}} des achats ({{params}} ; unité de temps : {{unit}} ; log-vraisemblance {{loglik}}, {{method}}, {{iterations}} itérations) et un modèle Gamma-Gamma des montants ({{gg_params}}), ajustés sur {{customers}} clients. En moyenne, un client est encore actif avec une probabilité de {{alive}} ; ensemble, ils devraient passer {{expected}} commandes dans les {{horizon_days}} prochains jours, pour {{total_clv}} sur les {{horizon}} prochains mois (actualisés).

| Client | Segment | P(actif) | Commandes attendues, {{horizon_days}} jours | Valeur, {{horizon}} mois |
|---|---|---:|---:|---:|
{{#top}}
| {{customer}} | {{segment}} | {{p_alive}} | {{expected}} | {{clv}} |
{{/top}}

{{/btyd}}
{{#models}}
## Risque d'attrition et valeur prédite

{{#churn}}
Un modèle {{kind}} prédit quels clients n'achèteront pas dans les {{horizon}} prochains jours. Il a appris des clients connus au {{cutoff}} et de ce qu'ils ont fait dans les {{horizon}} jours suivants ({{churn_rate}} d'entre eux n'ont pas racheté), puis a été vérifié sur {{test}} clients qu'il n'avait pas vus : **exactitude {{accuracy}}, AUC ROC {{auc}}** (précision {{precision}}, rappel {{recall}}).

Principaux facteurs d'attrition (part de l'importance dans le modèle) :

{{#factors}}
- {{name}} : {{share}}
{{/factors}}

{{at_risk}} clients ({{at_risk_share}}) ont une probabilité d'attrition de {{threshold}} ou plus ; customers.csv donne pour chacun les principales raisons (churn_reasons).
{{/churn}}

{{#clv}}
Un modèle {{kind}} prédit la dépense de chaque client sur les {{horizon}} prochains jours (predicted_clv ; {{total}} au total). Sur {{test}} clients qu'il n'avait pas vus, son erreur est **RMSE {{rmse}}** (MAE {{mae}}, R² {{r2}}), pour une dépense moyenne de {{mean_spend}}.
{{/clv}}

{{/models}}
## Plan de campagnes

| Campagne | Canal | Offre | Éligibles | Ciblés | Budget | Coût | CA attendu | ROI attendu |
|---|---|---|---:|---:|---:|---:|---:|---:|
{{#campaigns}}
| {{name}} | {{channel}} | {{offer}} | {{eligible}} | {{targeted}} | {{budget}} | {{cost}} | {{expected_revenue}} | {{roi}} |
{{/campaigns}}

Coût total {{total_cost}} pour un chiffre d'affaires attendu de {{total_revenue}}.

{{#cross_sell}}
Produits le plus souvent achetés ensemble (par lift) :

{{#rules}}
- {{antecedent}} → {{consequent}} : lift {{lift}}, confiance {{confidence}}
{{/rules}}
{{/cross_sell}}

## Indicateurs à suivre

{{#kpis}}
- {{.}}
{{/kpis}}

## Alertes

{{#alerts}}
- {{text}}
{{/alerts}}
{{^alerts}}
Aucune alerte : tous les indicateurs sont dans leurs seuils.
{{/alerts}}

## Préparation des données

{{rows_in}} lignes de transactions lues, {{rows_out}} conservées.

| Retiré | Lignes | Chiffre d'affaires |
|---|---:|---:|
{{#cleaning}}
| {{reason}} | {{rows}} | {{revenue}} |
{{/cleaning}}
]],
}
