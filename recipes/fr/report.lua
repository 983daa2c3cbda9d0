-- La mise en page de report.html, en français : les sections dans l’ordre,
-- leurs titres et la ligne sous chaque titre qui dit quoi regarder.
-- Réordonnez, retirez ou renommez les sections librement ; {{nom}} insère
-- une valeur de la section (la liste des valeurs de chaque section est dans
-- docs/report.md), déjà mise en forme pour la langue.  `segmint check`
-- signale toute section, option ou {{valeur}} erronée, avec sa ligne.
return {
  title = "Analyse clients",
  subtitle = "Données du {{period_start}} au {{period_end}}, scores au {{as_of}}",
  language = "fr",
  sections = {
    { "kpis", title = "Chiffres clés",
      reading = "{{customers}} clients ont acheté pour {{revenue}} du {{period_start}} au {{period_end}}.",
      labels = { customers = "Clients", revenue = "Chiffre d’affaires", orders = "Commandes",
        avg_basket = "Panier moyen", at_risk = "Clients à risque", campaign_roi = "ROI attendu des campagnes" } },
    { "indicators", title = "Indicateurs et objectifs", reading = "Indicateurs assortis d’un objectif : {{met}} sur {{targets}} {{#met_plural}}atteints{{/met_plural}}{{^met_plural}}atteint{{/met_plural}}.",
      unreliable = "Peu fiable : le modèle de dépense fait moins bien que la moyenne (R² {{spend_r2}}).",
      since_previous = "par rapport à la période précédente" },
    { "segments", title = "Clients par segment",
      reading = "Les {{top}} sont {{share}} des clients et font {{revenue_share}} du chiffre d’affaires.",
      labels = { customers = "clients", revenue = "chiffre d’affaires", revenue_title = "Chiffre d’affaires par segment" },
      revenue_reading = "Chiffre d’affaires par segment : d’où vient l’argent." },
    { "rf_grid", title = "Dépense moyenne selon les scores de récence (R) et de fréquence (F)",
      reading = "Les clients notés R {{best_r}}, F {{best_f}} dépensent le plus : {{best}} en moyenne." },
    { "k_selection", title = "Choix du nombre de groupes",
      reading = "k = {{k}} groupes retenus (silhouette {{silhouette}}) ; un bon k est celui au-delà duquel "
          .. "l’inertie baisse peu, avec une silhouette élevée.",
      labels = { inertia = "inertie (dispersion intra-groupe)", silhouette = "silhouette", chosen = "k retenu" } },
    { "pca", title = "Groupes sur les deux premières composantes principales",
      reading = "Les deux axes gardent {{explained}} de la variation des critères de regroupement." },
    { "cluster_profiles", title = "Profils des groupes",
      reading = "Le groupe {{top}} apporte {{revenue_share}} du chiffre d’affaires avec {{share}} des clients.",
      labels = { cluster = "groupe", cluster_name = "nom", size = "clients", share = "part",
        revenue_share = "part du CA", mean_recency_days = "jours depuis le dernier achat",
        mean_frequency = "commandes", mean_monetary = "dépense" } },
    { "clv_distribution", title = "Valeur attendue de chaque client sur les {{months}} prochains mois",
      reading = "Médiane {{median}}, moyenne {{mean}} ; {{total}} au total.", labels = { count = "clients" },
      x_title = "valeur attendue par client" },
    { "p_alive", title = "Probabilité qu’un client soit encore actif, selon les jours depuis son dernier achat",
      reading = "{{alive_share}} des clients ({{alive}}) sont plus probablement actifs qu’inactifs.{{#flat}} Le modèle ne voit presque personne cesser d’acheter, alors que {{lapsed}} clients n’ont rien acheté depuis plus de {{inactive_days}} jours : ne vous servez pas de P(actif) pour choisir qui reconquérir.{{/flat}}",
      labels = { recency_days = "jours depuis le dernier achat", p_alive = "P(actif)" } },
    { "btyd_calibration", title = "Achats des {{horizon_days}} jours avant le {{as_of}} : réels et prévus",
      reading = "Ajusté sur les données antérieures, le modèle attendait au total {{predicted}} achats de ces "
        .. "clients ; ils en ont fait {{actual}} ({{gap}} d’écart). Groupe par groupe (un point par nombre d’achats "
        .. "antérieurs), les écarts cumulés font {{group_error}} des achats, car ils ne se compensent pas comme "
        .. "dans le total.",
      labels = { x = "achats avant la période de contrôle", actual = "réels", predicted = "prévus" } },
    { "churn_importance", title = "Ce qui fait partir les clients",
      reading = "Le facteur le plus important : {{top}} ({{share}} de l’importance du modèle).", labels = { share = "importance" } },
    { "churn_calibration", title = "Calibration du modèle d’attrition",
      reading = "Chaque point est un groupe de clients au risque prévu voisin ; sur la diagonale en pointillés, "
        .. "le risque prévu égale la part des clients sans achat en {{horizon_days}} jours. Ici, l’écart moyen "
        .. "à la diagonale est de {{mean_gap}} (au plus {{max_gap}}) ; AUC {{auc}}.",
      labels = { predicted = "probabilité prévue", observed = "attrition observée" } },
    { "churn_roc", title = "Courbe ROC du modèle d’attrition",
      reading = "AUC {{auc}} sur {{customers}} clients que le modèle n’avait pas vus : 0,5 est le hasard, 1 la perfection.",
      labels = { fpr = "taux de faux positifs", tpr = "taux de vrais positifs" } },
    { "spend_check", title = "Dépense prévue et dépense réelle sur {{days}} jours",
      reading = "RMSE (erreur quadratique moyenne) {{rmse}} (R² {{r2}}) sur {{customers}} clients que le modèle n’avait pas vus.",
      labels = { future_spend = "dépense réelle", predicted = "dépense prévue" } },
    { "campaign_plan", title = "Plan de campagnes : coûts et bénéfice attendu",
      reading = "{{campaigns}} campagnes coûtent {{cost}} (contacts, remises{{#order_costs}}, coûts de l’offre{{/order_costs}}) "
          .. "et devraient rapporter {{profit}} "
        .. "de bénéfice supplémentaire (ROI {{roi}}).",
      labels = { cost = "coût des contacts", discount_cost = "remises", order_cost = "coûts de l’offre", expected_incremental_profit = "bénéfice supplémentaire attendu",
          expected_incremental_sales = "ventes supplémentaires attendues (avant remise)",
          expected_incremental_margin = "marge sur ces ventes",
        expected_incremental_revenue = "CA supplémentaire attendu", campaign = "campagne", channel = "canal",
        eligible = "éligibles", targeted = "clients ciblés", treatment = "contactés", control = "groupe témoin",
        budget = "budget",
        roi = "ROI", table_title = "Toutes les campagnes en détail" },
      table_reading = "Bénéfice supplémentaire = marge sur les ventes supplémentaires − remises{{#order_costs}} − coûts "
          .. "de l’offre{{/order_costs}} − coût des contacts ; ROI = bénéfice supplémentaire / (remises"
          .. "{{#order_costs}} + coûts de l’offre{{/order_costs}} + coût des contacts). Une campagne sans client ciblé a une "
          .. "alerte qui dit pourquoi.",
      none_reading = "Aucune campagne ne devrait être rentable avec son offre et ses coûts actuels : l’alerte de "
        .. "chacune dit pourquoi." },
    { "campaign_performance", title = "Performance des campagnes",
      reading = "{{best}} a le meilleur rendement : {{best_roi}}, tel que les plateformes l’attribuent (chaque "
          .. "conversion après un contact compte, même si elle aurait eu lieu sans lui) ; ce n’est pas l’effet propre "
          .. "de la campagne, que seul un test avec groupe témoin mesure.",
      labels = { roi = "ROI (sur la marge)", ctr = "taux de clic", conversion_rate = "taux de conversion",
        cpa = "coût par conversion", spend = "dépense", revenue = "chiffre d’affaires", impressions = "impressions",
        clicks = "clics", conversions = "conversions", cpc = "coût par clic", cpm = "coût pour 1\u{202F}000 impressions",
        roas = "ROAS (CA / dépense)", campaign = "campagne", channel = "canal", target_segment = "segment visé",
          table_title = "Les campagnes passées en détail" } },
    { "migration", title = "Changements de segment depuis l’analyse précédente",
      reading = "{{moved}} clients ({{share}}) ont changé de segment.", labels = { from = "avant", to = "maintenant" } },
    { "kpi_trends", title = "Chiffres clés dans le temps : {{unit}}", reading = "Sur {{runs}} analyses.",
      units = { percent = "taux", money = "montants", number = "effectifs et autres indicateurs" } },
    { "cross_sell", title = "Produits achetés ensemble",
      reading = "Une commande qui contient {{a}} contient {{b}} {{lift}} fois plus souvent qu’une commande moyenne.",
      labels = { antecedent = "produit acheté", antecedent_name = "nom", consequent = "produit associé",
        consequent_name = "nom", support = "support", confidence = "confiance", lift = "lift" } },
    { "alerts", title = "Alertes" },
    { "data_preparation", title = "Préparation des données",
      reading = "{{rows_out}} lignes conservées sur {{rows_in}} ({{kept}}).",
      labels = { step = "retiré", rows = "lignes", revenue = "chiffre d’affaires" } },
  },
}
