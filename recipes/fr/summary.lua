-- La synthèse (summary.md).  Reformulez librement : {{nom}} insère une
-- valeur, {{#liste}}...{{/liste}} répète un bloc pour chaque élément (ou
-- l’affiche quand la valeur existe), {{^liste}}...{{/liste}} affiche un bloc
-- quand la liste est vide ou la valeur absente.  Les nombres arrivent déjà
-- formatés en français ; `segmint check` signale un repère inconnu.
return {
  language = "fr",
  unassigned = "(sans segment)",
  reasons = {
    ["missing customer"] = "client manquant",
    ["cancellations"] = "annulations",
    ["cancellations (netted)"] = "lignes d’annulation et achats qu’elles annulent (compensés)",
    ["returns (netted)"] = "lignes de retour et achats retournés (compensés)",
    ["cancellations and returns (netted)"] = "lignes d’annulation et de retour et achats annulés ou retournés (compensés)",
    ["returns and quantity <= 0"] = "retours et autres lignes de quantité nulle ou négative",
    ["price <= 0"] = "prix nul ou négatif",
    ["non-product codes"] = "codes hors produits",
    ["exact duplicates"] = "doublons exacts",
  },
  model_names = { logistic = "de régression logistique", linear = "de régression linéaire",
    ridge = "de régression ridge", boosting = "de gradient boosting (XGBoost)", forest = "de forêt aléatoire (XGBoost)" },
  btyd_names = { bgnbd = "BG/NBD", mbgnbd = "MBG/NBD", pareto_nbd = "Pareto/NBD" },
  units = { days = "jours", weeks = "semaines", months = "mois" },
  status_names = {
    basis = {
      churn = "le modèle d’attrition leur donne une probabilité de {{threshold}} ou plus de ne pas acheter dans les {{horizon_days}} prochains jours",
      btyd = "le modèle BTYD leur donne une probabilité inférieure à {{threshold}} d’être encore clients",
      segments = "leur segment RFM fait partie de ceux à traiter",
    },
  },
  kpi_status = { met = "atteint", missed = "manqué", ["no target"] = "sans objectif", ["no data"] = "sans données",
    unreliable = "peu fiable : le modèle de dépense fait moins bien que la moyenne (R² {{r2}})" },
  kpi_trend = { better = "en mieux", worse = "en moins bien", same = "stable" },
  all_channels = "tous canaux",
  -- les canaux des campagnes passées (noms de l’historique des campagnes) tels que la synthèse les écrit
  channel_names = { email = "e-mail", sms = "SMS", social = "réseaux sociaux", search = "référencement payant",
    display = "display" },
  and_word = "et",
  kpi_now = "aujourd’hui",
  alerts = {
    churn = "**Attrition mensuelle** : {{rate}} des {{active}} clients actifs le {{from}} sont devenus inactifs au plus tard le {{to}} ({{churned}} clients ont passé {{days}} jours sans acheter) ; seuil {{threshold}}.{{#usual}} Sur les {{months}} mois précédents, la même fenêtre d’un mois donnait en moyenne {{average}}.{{/usual}}",
    churn_rise = "**Attrition mensuelle en hausse** : {{rate}} des {{active}} clients actifs le {{from}} sont devenus inactifs au plus tard le {{to}} ({{churned}} clients ont passé {{days}} jours sans acheter), {{rise}} au-dessus de sa moyenne de {{average}} sur les {{months}} mois précédents (alerte à partir de {{threshold}} au-dessus).",
    basket_drop = "**Panier moyen en baisse** : {{current}} sur les {{days}} derniers jours contre {{previous}} sur les {{days}} jours précédents ({{change}}).",
    satisfaction = "**Satisfaction en baisse** : {{current}} en moyenne sur les {{days}} derniers jours, sous le seuil de {{threshold}}.",
    catch_all = "**Clients qu’aucun segment ne décrit** : {{customers}} clients ({{share}}) sont dans « {{segment}} », avec {{revenue_share}} du chiffre d’affaires et un panier moyen de {{basket}} : donnez-leur un segment à eux dans rules/segments.lua.",
  },
  campaign_alerts = {
    negative_profit = "**La campagne « {{campaign}} » perd de l’argent** : elle n’est prévue que parce que sa règle dit force = true ; perte attendue {{loss}}.",
    no_profitable_customers = "**La campagne « {{campaign}} » ne serait pas rentable** : aucun de ses {{eligible}} clients éligibles ne devrait rapporter plus de marge que la campagne ne dépense pour lui (les contacter tous ferait perdre {{loss}}) ; elle n’est pas prévue. Baissez la remise, le coût de l’offre ou celui du contact, ou mesurez un effet plus fort.",
    not_allocated = "**La campagne « {{campaign}} » n’est pas prévue** : ses clients rentables sont allés à des campagnes qui devraient rapporter plus, ou son budget ne permet aucun contact.",
    no_eligible = "**La campagne « {{campaign}} » ne cible personne** : aucun client de ces données ne correspond à sa cible.",
  },
  campaign_words = {
    baseline_sources = { churn = "le modèle d’attrition", btyd_p0 = "le modèle BTYD", btyd_expected = "les achats attendus du modèle BTYD",
      history = "l’historique d’achats", fixed = "un taux fixe" },
    uplift_learned = "résultats mesurés sur {{learned}} de {{eligible}} clients, rapprochés de l’estimation de la règle ({{prior_points}})",
    uplift_rule = "estimation de la règle, à mesurer sur le groupe témoin",
    uplift_conversion = "d’après le taux de conversion de la règle",
    control = {
      kept = "groupe témoin : {{control}} de ses {{targeted}} clients ({{control_share}}), jamais contacté",
      too_few = "trop peu de clients ({{targeted}}) pour un groupe témoin de {{control_share}} : son effet ne pourra pas être mesuré",
      none = "pas de groupe témoin (control_share = 0) : son effet ne pourra pas être mesuré",
      not_planned = "{{control_share}} seraient gardés comme groupe témoin",
    },
  },
  campaign_warnings = {
    too_few = "**« {{campaign}} »** : trop peu de clients ({{customers}}) pour un groupe témoin de {{control_share}} ; son effet ne pourra pas être mesuré.",
    none = "**« {{campaign}} »** : pas de groupe témoin (control_share = 0) ; son effet ne pourra pas être mesuré.",
    undetectable = "**« {{campaign}} »** : avec {{treatment}} clients contactés et {{control}} dans le groupe témoin, aucun test ne pourrait déceler même le plus grand effet possible ; son effet ne pourra pas être mesuré. Agrandissez le groupe témoin ou l’audience pour le mesurer.",
    below_mde = "**« {{campaign}} »** : avec {{treatment}} clients contactés et {{control}} dans le groupe témoin, un test ne peut déceler qu’un effet d’au moins {{mde}} (confiance {{confidence}}, puissance {{power}}) ; l’effet attendu, {{uplift}}, est en dessous, et le résultat ressemblera probablement à une absence d’effet. Agrandissez le groupe témoin ou l’audience pour le mesurer.",
  },
  assumptions = "{{campaign}} : {{baseline}} de ses clients achèteraient dans les {{window_days}} jours sans contact (d’après {{baseline_source}}) ; un contact ajoute {{uplift}} ({{uplift_source}}) ; marge {{margin}}, remise de {{discount}} sur chaque achat d’un client contacté{{#per_order}} et {{cost_per_order}} de coût de l’offre sur chacun{{/per_order}}, {{cost_per_contact}} par contact ; {{control_group}}.{{#no_recs}} {{no_recs}} clients de sa cible en sont exclus : aucun produit n’est souvent acheté avec ce qu’ils ont acheté.{{/no_recs}}{{#left_out}} Le plan retient {{targeted}} de ses {{eligible}} clients éligibles (contactés ou témoins){{#unprofitable}} ; il écarte {{unprofitable}} client{{#unprofitable_plural}}s{{/unprofitable_plural}} pour qui la campagne dépenserait plus qu’elle ne rapporterait{{/unprofitable}}{{#elsewhere}} ; {{elsewhere}} client{{#elsewhere_plural}}s{{/elsewhere_plural}} rentable{{#elsewhere_plural}}s{{/elsewhere_plural}} {{#elsewhere_plural}}sont pris{{/elsewhere_plural}}{{^elsewhere_plural}}est pris{{/elsewhere_plural}} par une campagne qui devrait rapporter davantage, ou hors budget{{/elsewhere}}.{{/left_out}}",
  text = [[
# Analyse clients : synthèse

Générée le {{generated}} à partir des données du {{period_start}} au {{period_end}} (scores au {{as_of}}).

## Chiffres clés

| Indicateur | Valeur |
|---|---:|
| Clients analysés | {{customers}} |
| Chiffre d’affaires | {{revenue}} |
| Commandes | {{invoices}} |
| Panier moyen | {{avg_basket}} |
| Commandes par client | {{avg_orders}} |
{{#status}}
| Clients actifs (achat dans les {{inactive_days}} derniers jours) | {{active}} ({{active_share}}) |
{{/status}}

{{#kpis}}
## Indicateurs clés

Chaque indicateur sur sa dernière période (dates ci-dessous), comparé à la période de même durée qui la précède. Un client est actif tant qu’il a acheté dans les {{inactive_days}} derniers jours.

| Indicateur | Dernière période | Valeur | Période précédente | Évolution | Objectif | Statut |
|---|---|---:|---:|---:|---:|---|
{{#list}}
| {{name}} | {{period}} | {{value}} | {{previous}} | {{change}} | {{target}} | {{status}} |
{{/list}}

{{/kpis}}
{{#status}}
## Clients à traiter

**{{at_risk}} clients ({{at_risk_share}}) sont à risque** : ils ont acheté dans les {{inactive_days}} derniers jours, mais {{basis}}. Ils ont fait {{at_risk_revenue_share}} du chiffre d’affaires passé.

**{{lapsed}} clients ({{lapsed_share}}) sont inactifs** : aucun achat depuis plus de {{inactive_days}} jours ({{lapsed_revenue_share}} du chiffre d’affaires passé).

{{^elsewhere}}Les segments RFM racontent la même histoire sous un autre angle{{/elsewhere}}{{#elsewhere}}Les segments RFM ne racontent qu’une partie de l’histoire{{/elsewhere}} : sur les {{action_count}} clients ({{action_share}}) des segments {{action_segments}}, {{#action_all_lapsed}}tous sont inactifs{{/action_all_lapsed}}{{^action_all_lapsed}}{{action_lapsed}} {{#action_lapsed_plural}}sont inactifs{{/action_lapsed_plural}}{{^action_lapsed_plural}}est inactif{{/action_lapsed_plural}}, {{action_at_risk}} {{#action_at_risk_plural}}achètent encore mais risquent{{/action_at_risk_plural}}{{^action_at_risk_plural}}achète encore mais risque{{/action_at_risk_plural}} d’arrêter (à risque au sens ci-dessus) et {{action_active}} {{#action_active_plural}}achètent{{/action_active_plural}}{{^action_active_plural}}achète{{/action_active_plural}} encore sans être à risque{{/action_all_lapsed}}.{{#elsewhere}} Les {{count}} autres clients inactifs sont dans des segments aux noms plus rassurants (colonne Inactifs du tableau des segments), car les scores RFM classent les clients les uns par rapport aux autres, et non selon la règle des {{inactive_days}} jours ; le plus grand nombre est dans le segment « {{top}} » : {{top_lapsed}} de ses {{top_customers}} clients.{{/elsewhere}}

{{#segments}}
{{#action}}
- **{{name}}** : {{why}}. Recommandé : {{action}}.
{{/action}}
{{/segments}}

{{/status}}
## Segments

| Segment | Clients | Part | Chiffre d’affaires | Part du CA | Panier moyen | Récence moyenne (jours) | Inactifs |
|---|---:|---:|---:|---:|---:|---:|---:|
{{#segments}}
| {{name}} | {{customers}} | {{share}} | {{revenue}} | {{revenue_share}} | {{avg_basket}} | {{avg_recency}} | {{lapsed}} ({{lapsed_share}}) |
{{/segments}}

{{#history}}
## Depuis la dernière analyse ({{previous_date}})

{{#kpis}}
| Indicateur | Aujourd’hui | À la dernière analyse | Évolution |
|---|---:|---:|---:|
{{#list}}
| {{name}} | {{value}} | {{previous}} | {{change}} |
{{/list}}

{{/kpis}}
| Segment | Clients | Avant | Évolution |
|---|---:|---:|---:|
{{#changes}}
| {{segment}} | {{customers}} | {{previous}} | {{change}} |
{{/changes}}

Principaux passages d’un segment à l’autre :

{{#moves}}
- {{customers}} clients ({{share}}) sont passés de « {{from}} » à « {{to}} »
{{/moves}}
{{^moves}}
- aucun client n’a changé de segment
{{/moves}}

{{new}} {{#new_plural}}clients sont nouveaux{{/new_plural}}{{^new_plural}}client est nouveau{{/new_plural}} depuis ; {{departed}} {{#departed_plural}}clients{{/departed_plural}}{{^departed_plural}}client{{/departed_plural}} de l’analyse précédente {{#departed_plural}}ne sont plus{{/departed_plural}}{{^departed_plural}}n’est plus{{/departed_plural}} dans les données.

{{#matrix}}
Migration entre segments (lignes : segment à la dernière analyse ; colonnes : segment aujourd’hui) :

| De \ Vers | {{header}} |
|---|{{separator}}
{{#rows}}
| {{segment}} | {{cells}} |
{{/rows}}

{{/matrix}}
{{/history}}
{{#clusters}}
## Groupes (clusters)

Un k-means sur {{feature_count}} critères passés au logarithme et standardisés ({{features_list}}) donne {{k}} groupes{{#auto}}, k choisi par le coude et la silhouette ({{silhouette}}) ; chaque k essayé figure dans k_selection.csv{{/auto}}. Chaque groupe est nommé d’après ce qui le distingue du client moyen (rapports à la moyenne : récence, fréquence, dépense).

{{#list}}
- **Groupe {{cluster}} ({{name}})** : {{size}} clients ({{share}}), récence {{recency_ratio}} fois, fréquence {{frequency_ratio}} fois et dépense {{monetary_ratio}} fois la moyenne ; panier moyen {{avg_basket}} ; {{revenue_share}} du chiffre d’affaires. Segment principal : {{main_segment}} ({{main_segment_share}}).
{{/list}}

{{/clusters}}
{{#btyd}}
## Valeur vie client

Un modèle {{model}} des achats ({{params}} ; temps en {{unit}} ; log-vraisemblance {{loglik}}, {{method}}, {{iterations}} itérations) et un modèle Gamma-Gamma des montants ({{gg_params}}), ajustés sur {{customers}} clients. Ensemble, ils prévoient {{expected}} achats dans les {{horizon_days}} prochains jours, pour {{total_clv}} sur les {{horizon}} prochains mois (actualisés).

{{#selection}}
Le modèle a été choisi parmi {{candidates}} : chacun a été ajusté sur les données jusqu’au {{calibration_end}} puis jugé sur les {{actual}} achats des {{horizon_days}} jours suivants, groupe par groupe (clients ayant fait 0, 1, 2… jusqu’à {{max_x}} achats ou plus auparavant), pour qu’une surestimation dans un groupe ne compense pas une sous-estimation dans un autre. {{chosen}} s’en est le plus approché : ses écarts dans les groupes font au total {{error}} des achats réels{{#warning}} ; aucun modèle n’est resté sous {{tolerance}} d’écart, lisez donc les valeurs vie client comme des ordres de grandeur{{/warning}}. Le total d’un modèle peut être plus proche du réel que celui d’un autre alors que ses écarts par groupe sont plus grands : dans le total, ils se compensent.

| Modèle | Écarts cumulés sur les groupes | Achats prévus (total) | Réels | Corrélation par client |
|---|---:|---:|---:|---:|
{{#list}}
| {{model}} | {{error}} | {{predicted}} | {{actual}} | {{correlation}} |
{{/list}}

{{#failed}}
{{names}} {{#several}}n’ont pas pu être ajustés{{/several}}{{^several}}n’a pas pu être ajusté{{/several}} sur les données jusqu’au {{calibration_end}} (le journal en donne la raison), d’où les tirets.

{{/failed}}
{{/selection}}
{{#not_compared}}
{{candidates}} n’ont pas pu être comparés sur une période de contrôle : ajustés sur les données jusqu’au {{calibration_end}}, aucun n’a su dire quand les clients cessent d’acheter, l’historique étant trop court pour cela. {{chosen}} ajusté sur toutes les données est utilisé ; lisez P(actif) et les valeurs vie client comme optimistes.

{{/not_compared}}
P(actif), la probabilité selon le modèle qu’un client achète encore, vaut en moyenne {{alive_repeat}} chez les {{repeat_buyers}} clients qui ont acheté plus d’une fois. Les {{one_time}} clients qui n’ont acheté qu’une fois sont en moyenne à {{one_time_alive}} : avec un seul achat, le modèle a peu d’éléments pour en juger.{{#alive_flat}} Avec un P(actif) aussi proche de 100 %, le modèle ne voit presque personne cesser d’acheter, alors que {{lapsed}} clients n’ont rien acheté depuis plus de {{inactive_days}} jours : ne vous servez pas de P(actif) pour choisir qui reconquérir.{{/alive_flat}}

| Client | Segment | P(actif) | Achats attendus, {{horizon_days}} jours | Valeur, {{horizon}} mois |
|---|---|---:|---:|---:|
{{#top}}
| {{customer}} | {{segment}} | {{p_alive}} | {{expected}} | {{clv}} |
{{/top}}

{{/btyd}}
{{#btyd_failed}}
## Valeur vie client

Non calculée : le modèle {{model}} n’a pas pu être ajusté sur ces données (le journal en donne la raison) ; customers.csv n’a donc ni P(actif), ni achats attendus, ni valeur vie client.

{{/btyd_failed}}
{{#models}}
## Risque d’attrition et valeur prédite

{{#churn}}
Un modèle {{kind}} prédit quels clients n’achèteront pas dans les {{horizon}} prochains jours. Il a appris des clients connus au {{cutoff}} et de ce qu’ils ont fait dans les {{horizon}} jours suivants ({{churn_rate}} d’entre eux n’ont pas racheté), puis a été vérifié sur {{test}} clients qu’il n’avait pas vus : **exactitude {{accuracy}}, AUC ROC {{auc}}** (précision {{precision}}, rappel {{recall}}).

Principaux facteurs d’attrition (part de l’importance dans le modèle) :

{{#factors}}
- {{name}} : {{share}}
{{/factors}}

La colonne churn_probability de customers.csv donne la probabilité d’attrition de chaque client, et la colonne churn_reasons les principales raisons pour les {{with_reasons}} clients à {{threshold}} ou plus : {{reasons_lapsed}} d’entre eux sont déjà inactifs et {{reasons_recent}} achètent encore{{#reasons_are_at_risk}} (les clients à risque ci-dessus){{/reasons_are_at_risk}}.
{{/churn}}

{{#clv}}
Un modèle {{kind}} prédit la dépense de chaque client sur les {{horizon}} prochains jours (colonne predicted_clv de customers.csv ; {{total}} au total). Sur {{test}} clients qu’il n’avait pas vus, son erreur est **RMSE {{rmse}}** (MAE {{mae}}, R² {{r2}}), pour une dépense moyenne de {{mean_spend}}.{{#weak}} C’est à peine mieux que de donner à chaque client la moyenne (R² {{r2}}) : servez-vous de la dépense prévue pour classer les clients, pas pour bâtir un budget.{{/weak}}{{#worse}} C’est moins bien que de donner à chaque client la moyenne (R² négatif, {{r2}}) : ne bâtissez pas de budget sur la dépense prévue, et ne vous en servez qu’avec prudence pour classer les clients.{{/worse}}
{{/clv}}

{{/models}}
## Plan de campagnes

Un client n’est contacté que si la campagne devrait rapporter plus de marge qu’elle ne dépense pour lui : le contact, la remise{{#order_costs}} et ce que l’offre coûte sur chaque achat (la livraison offerte, par exemple){{/order_costs}}. Chaque campagne garde une partie de ses clients comme groupe témoin, jamais contacté, pour en mesurer l’effet réel ; les hypothèses ci-dessous donnent, campagne par campagne, la taille de ce groupe, ou disent quand une campagne est trop petite pour en avoir un. Les clients éligibles sont ceux qui correspondent à la cible de la campagne ; les hypothèses disent pourquoi certains sont écartés. Les clients à contacter sont listés dans campaign_targets.csv (colonne group : treatment ; les clients marqués control forment le groupe témoin et ne doivent pas être contactés) et dans la colonne campaign de customers.csv.

| Campagne | Canal | Offre | Éligibles | Contactés | Témoins | Ventes supplémentaires | Marge sur ces ventes | Remises |{{#order_costs}} Coûts de l’offre |{{/order_costs}} Coût des contacts | Bénéfice supplémentaire | ROI |
|---|---|---|---:|---:|---:|---:|---:|---:|{{#order_costs}}---:|{{/order_costs}}---:|---:|---:|
{{#campaigns}}
| {{name}} | {{channel}} | {{offer}} | {{eligible}} | {{targeted}} | {{control}} | {{sales}} | {{margin_amount}} ({{margin}}) | {{discount_cost}} |{{#order_costs}} {{order_cost}} |{{/order_costs}} {{cost}} | {{incremental_profit}} | {{roi}} |
{{/campaigns}}

Bénéfice supplémentaire = marge sur les ventes supplémentaires − remises{{#order_costs}} − coûts de l’offre{{/order_costs}} − coût des contacts, et ROI = bénéfice supplémentaire / (remises{{#order_costs}} + coûts de l’offre{{/order_costs}} + coût des contacts). Les ventes supplémentaires sont les achats que les contacts devraient ajouter, avant remise ; la remise s’applique à chaque achat d’un client contacté, y compris ceux qu’il aurait faits de toute façon : le chiffre d’affaires supplémentaire réellement encaissé est donc les ventes supplémentaires moins les remises ({{total_incremental_revenue}} au total).{{#order_costs}} Les coûts de l’offre sont ce qu’elle coûte, en plus de la remise, sur chacun de ces achats (une livraison offerte se paie à chaque commande, pas seulement sur les commandes supplémentaires).{{/order_costs}} Montants arrondis à l’unité : une ligne peut différer de 1.

Au total : {{total_sales}} de ventes supplémentaires, {{total_margin}} de marge sur ces ventes, {{total_discounts}} de remises{{#order_costs}}, {{total_order_cost}} de coûts de l’offre{{/order_costs}} et {{total_contact_cost}} de contacts, pour un bénéfice supplémentaire de {{total_profit}}. Les hypothèses, campagne par campagne :

{{#campaigns}}
- {{assumptions}}
{{/campaigns}}

{{#campaign_warnings}}
Ce que les groupes témoins ne pourront pas mesurer :

{{#list}}
- {{text}}
{{/list}}

{{/campaign_warnings}}
{{#past}}
## Campagnes passées

{{campaigns}} campagnes dans l’historique, par canal (rapports des sommes : CTR = clics / impressions, conversion = conversions / clics, CPA = dépense / conversions, ROAS = chiffre d’affaires / dépense, ROI sur la marge) :

| Canal | Impressions | Clics | CTR | Conversions | Conversion | Dépense | Chiffre d’affaires | CPA | ROAS | ROI |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{{#channels}}
| {{channel}} | {{impressions}} | {{clicks}} | {{ctr}} | {{conversions}} | {{conversion_rate}} | {{spend}} | {{revenue}} | {{cpa}} | {{roas}} | {{roi}} |
{{/channels}}
{{#total}}
| **{{channel}}** | {{impressions}} | {{clicks}} | {{ctr}} | {{conversions}} | {{conversion_rate}} | {{spend}} | {{revenue}} | {{cpa}} | {{roas}} | {{roi}} |
{{/total}}

{{#best}}ROI le plus élevé : {{campaign}} ({{roi}}). {{/best}}{{#worst}}Le plus bas : {{campaign}} ({{roi}}).{{/worst}}
{{#total}}

Ces ROI sont attribués : ils comptent chaque conversion que les plateformes ont créditée à une campagne, y compris des ventes qui auraient eu lieu sans elle ; ils ne mesurent donc pas l’effet propre des campagnes.{{#measured}} Les tests ci-dessous comparent les clients contactés à un groupe témoin non contacté : ce sont eux qui mesurent l’effet réel.{{/measured}}{{^measured}} Seul un test avec un groupe témoin non contacté mesure l’effet réel d’une campagne.{{/measured}}
{{/total}}

{{#tests}}
- Test **{{campaign}}** : {{treatment}} clients contactés, {{control}} témoins ; le contact a changé la part des acheteurs de {{uplift_points}} (intervalle à 95 % de {{lower}} à {{upper}} ; p = {{p_value}}){{#significant}}, un effet réel{{/significant}}{{^significant}}, sans différence démontrée avec l’absence d’effet{{/significant}}.
{{/tests}}

{{/past}}
{{#cross_sell}}
## Produits achetés ensemble

Les paires au lift le plus élevé (toutes les paires sont dans cross_sell_rules.csv). Le lift dit combien de fois plus souvent qu’une commande moyenne une commande qui contient le premier produit contient aussi le second ; la confiance est la part des commandes contenant le premier qui contiennent aussi le second.

{{#rules}}
- {{#antecedent_name}}{{antecedent_name}} ({{antecedent}}){{/antecedent_name}}{{^antecedent_name}}{{antecedent}}{{/antecedent_name}} → {{#consequent_name}}{{consequent_name}} ({{consequent}}){{/consequent_name}}{{^consequent_name}}{{consequent}}{{/consequent_name}} : lift {{lift}}, confiance {{confidence}}
{{/rules}}
{{/cross_sell}}

## Alertes

{{#alerts}}
- {{text}}
{{/alerts}}
{{^alerts}}
Aucune alerte : tous les indicateurs sont dans leurs seuils.
{{/alerts}}

## Préparation des données

{{rows_in}} lignes de transactions lues, {{rows_out}} conservées.

| Retiré | Lignes | Chiffre d’affaires |
|---|---:|---:|
{{#cleaning}}
| {{reason}} | {{rows}} | {{revenue}} |
{{/cleaning}}
]],
}
