-- The rule checker's messages in French, keyed by the English format
-- (segmint.messages).  Each French format takes the same values (%s, %d)
-- in the same order; names and values are quoted « ainsi ».
-- tests/lua/messages.t.lua checks that every English format is here.
return {
  -- summary lines and hints
  ["%d error in the analysis settings and rule files (listed above)"] =
    "%d erreur dans les réglages de l'analyse et les fichiers de règles (voir ci-dessus)",
  ["%d errors in the analysis settings and rule files (listed above)"] =
    "%d erreurs dans les réglages de l'analyse et les fichiers de règles (voir ci-dessus)",
  ["%d problem in the analysis settings and rule files; nothing was done:\n%s"] =
    "%d problème dans les réglages de l'analyse et les fichiers de règles ; rien n'a été fait :\n%s",
  ["%d problems in the analysis settings and rule files; nothing was done:\n%s"] =
    "%d problèmes dans les réglages de l'analyse et les fichiers de règles ; rien n'a été fait :\n%s",
  [" (did you mean '%s'?)"] = " (vouliez-vous dire « %s » ?)",
  [" (in a rule file this recipe does not use)"] = " (dans un fichier de règles que cette recette n'utilise pas)",

  -- words and phrases put into messages
  ["text"] = "du texte",
  ["true or false"] = "vrai ou faux (true ou false)",
  ["a string, \"%s\"; write %s without quotes"] = "un texte, \"%s\" ; écrivez %s sans guillemets",
  ["a string, \"%s\""] = "un texte, \"%s\"",
  ["a table"] = "une table",
  ["a boolean"] = "un booléen",
  ["a function"] = "une fonction",
  ["a number"] = "un nombre",
  ["nothing"] = "rien",
  ["months"] = "mois",
  ["days"] = "jours",
  ["from %s to %s"] = "de %s à %s",
  [" (excluded)"] = " (exclu)",
  ["segment"] = "segment",
  ["campaign"] = "campagne",
  ["KPI"] = "KPI",
  ["a segment"] = "un segment",
  ["a campaign"] = "une campagne",
  ["a KPI"] = "un KPI",
  ["the segment rules"] = "les règles des segments",
  ["the segment names"] = "les noms des segments",
  ["the campaign rules"] = "les règles des campagnes",
  ["the campaign names"] = "les noms des campagnes",
  ["the KPI rules"] = "les règles des KPI",
  ["the KPI names"] = "les noms des KPI",
  ["rule file"] = "fichier de règles",
  ["recipe"] = "fichier de recette",
  ["a list of values here"] = "une liste de valeurs à cet endroit",
  ["a value the template can use"] = "une valeur que le modèle de texte peut utiliser",
  ["alert '%s'"] = "alerte « %s »",
  [" in %s"] = " dans %s",
  ["; numbers belong in the shared rules/ file"] = " ; les nombres vont dans le fichier partagé de rules/",
  [" (campaign fields go inside a campaign, or in defaults = { ... })"] =
    " (les champs d'une campagne vont dans la campagne, ou dans defaults = { ... })",
  ["; for %s%% write %s"] = " ; pour %s %% écrivez %s",

  -- analysis settings (analysis.lua, step_report.lua)
  ["analysis: expected a table of settings, got %s"] = "analyse : une table de réglages est attendue, reçu %s",
  ["analysis: unknown setting '%s'%s"] = "analyse : réglage inconnu « %s »%s",
  ["analysis: 'columns' (the column mapping) is required"] =
    "analyse : « columns » (la correspondance des colonnes) est obligatoire",
  ["analysis: columns.%s (a column name) is required"] = "analyse : columns.%s (un nom de colonne) est obligatoire",
  ["analysis: transactions.%s (a string) is required to read from a database"] =
    "analyse : transactions.%s (un texte) est obligatoire pour lire une base de données",
  ["analysis: transactions: unknown setting '%s'%s"] = "analyse : transactions : réglage inconnu « %s »%s",
  ["analysis: 'transactions' (the transactions CSV file, { files = { ... } } for a list of them, or { db =, query = } "
    .. "for a database) is required"] =
    "analyse : « transactions » (le fichier CSV des transactions, { files = { ... } } pour une liste de fichiers, ou "
    .. "{ db =, query = } pour une base de données) est obligatoire",
  ["analysis: transactions.files (a list of CSV files) must list at least one file"] =
    "analyse : transactions.files (une liste de fichiers CSV) doit nommer au moins un fichier",
  ["analysis: transactions.files[%d] is not a path"] = "analyse : transactions.files[%d] n'est pas un chemin",
  ["analysis: transactions: unknown setting '%s' beside files"] =
    "analyse : transactions : réglage inconnu « %s » à côté de files",
  ["analysis: 'out' (the output directory) is required"] = "analyse : « out » (le dossier de sortie) est obligatoire",
  ["analysis: no language '%s' (known: en, fr)"] = "analyse : pas de langue « %s » (connues : en, fr)",
  ["analysis: the template is written in '%s' but the analysis is in '%s'"] =
    "analyse : le modèle de texte est écrit en « %s » mais l'analyse est en « %s »",
  ["analysis: 'segments' (the segment rules) is required"] =
    "analyse : « segments » (les règles des segments) est obligatoire",
  ["analysis: 'campaigns' (the campaign rules) is required"] =
    "analyse : « campaigns » (les règles des campagnes) est obligatoire",
  ["analysis: 'campaign_history' must be a table such as { performance = \"campaigns.csv\" }"] =
    "analyse : « campaign_history » doit être une table comme { performance = \"campaigns.csv\" }",
  ["analysis: campaign_history.%s is not an option%s"] = "analyse : campaign_history.%s n'est pas une option%s",
  ["analysis: campaign_history.%s must be a CSV file or { db =, query = }"] = "analyse : campaign_history.%s doit être un fichier CSV ou { db =, query = }",
  ["analysis: 'stream' must be true (load, clean and rfm in one pass, or an error) or false (always the whole table)"] =
    "analyse : « stream » doit être true (chargement, nettoyage et RFM en une passe, ou une erreur) ou false (toujours la table entière)",
  ["analysis: stream = true, but the streaming pass cannot be used: %s"] =
    "analyse : stream = true, mais la passe unique ne peut pas servir : %s",
  ["analysis: 'history' must be the path of the history file, or false for none"] =
    "analyse : « history » doit être le chemin du fichier d'historique, ou false pour aucun",
  ["analysis: 'clusters' must be a table of settings"] = "analyse : « clusters » doit être une table de réglages",
  ["analysis: clusters.rules (the cluster naming rules) is required"] =
    "analyse : clusters.rules (les règles qui nomment les groupes) est obligatoire",
  ["analysis: 'btyd' must be a table of settings"] = "analyse : « btyd » doit être une table de réglages",
  ["analysis: btyd.unit must be \"days\", \"weeks\" or \"months\", got %s"] =
    "analyse : btyd.unit doit valoir \"days\", \"weeks\" ou \"months\", reçu %s",
  ["analysis: btyd.horizon_months is now clv_months in rules/periods.lua"] =
    "analyse : btyd.horizon_months est devenu clv_months dans rules/periods.lua",
  ["analysis: models.at_risk is now at_risk_probability in rules/alerts.lua: one definition of at risk for the "
    .. "summary, the report and the campaigns"] =
    "analyse : models.at_risk est devenu at_risk_probability dans rules/alerts.lua : une seule définition du "
    .. "client à risque pour la synthèse, le rapport et les campagnes",
  ["analysis: models.horizon_days is now horizon_days in rules/periods.lua, set once for every step"] =
    "analyse : models.horizon_days est devenu horizon_days dans rules/periods.lua, réglé une fois pour toutes "
    .. "les étapes",
  ["analysis: 'csv' must be a table such as { excel = true }"] =
    "analyse : « csv » doit être une table comme { excel = true }",
  ["analysis: csv.%s is not an option%s"] = "analyse : csv.%s n'est pas une option%s",
  ["analysis: '%s' must be a table such as %s"] = "analyse : « %s » doit être une table, par exemple %s",
  ["analysis: %s.%s is not an option%s"] = "analyse : %s.%s n'est pas une option%s",
  ["analysis: %s.%s must be one of %s, got %s%s"] = "analyse : %s.%s doit valoir l'une des valeurs %s, et non %s%s",
  ["analysis: %s.%s must be %s, got %s"] = "analyse : %s.%s doit être %s, et non %s",
  ["a number from %s to %s"] = "un nombre de %s à %s",
  ["a number >= %s"] = "un nombre >= %s",
  ["a whole number from %s to %s"] = "un nombre entier de %s à %s",
  ["a whole number >= %s"] = "un nombre entier >= %s",
  ["a date 'YYYY-MM-DD'"] = "une date 'AAAA-MM-JJ'",
  ["{ recency =, frequency =, monetary = } with %s ascending numbers each (bins - 1)"] =
    "{ recency =, frequency =, monetary = } avec %s nombres croissants chacun (bins - 1)",
  ["0 (no limit) or a whole number >= 2"] = "0 (sans limite) ou un nombre entier >= 2",
  ["analysis: 'workbook' must be true or false (false: no report.xlsx), got %s"] =
    "analyse : « workbook » doit valoir true ou false (false : pas de report.xlsx), reçu %s",
  ["analysis: 'report' must be a table such as { layout = require \"en.report\" }, or false for no report.html; "
    .. "got %s"] =
    "analyse : « report » doit être une table comme { layout = require \"fr.report\" }, ou false pour ne pas "
    .. "produire report.html ; reçu %s",
  ["analysis: report.%s is not a setting%s (settings: layout)"] =
    "analyse : report.%s n'est pas un réglage%s (réglages : layout)",
  ["%s (or set report = false in the recipe)"] = "%s (ou mettez report = false dans la recette)",

  -- the summary template
  ["analysis: 'template' must be a summary template (a table with a 'text' field, such as require \"en.summary\")"] =
    "analyse : « template » doit être un modèle de synthèse (une table avec un champ « text », comme "
    .. "require \"fr.summary\")",
  ["%stemplate: unknown field '%s'%s"] = "%smodèle : champ inconnu « %s »%s",
  ["%stemplate: 'alerts' must be a table of texts"] = "%smodèle : « alerts » doit être une table de textes",
  ["%stemplate: no alert '%s'%s"] = "%smodèle : pas d'alerte « %s »%s",
  ["%stemplate: alert '%s' must be a text"] = "%smodèle : l'alerte « %s » doit être un texte",
  ["%s:%d: {{%s}} is not %s%s"] = "%s:%d: {{%s}} n'est pas %s%s",

  -- feature labels
  ["%sfeatures: no feature '%s'%s"] = "%svariables : pas de variable « %s »%s",
  ["%sfeatures: the name of '%s' must be a text, got %s"] =
    "%svariables : le nom de « %s » doit être un texte, reçu %s",

  -- campaigns against the customer table (analysis.lua)
  ["%scampaign '%s', rank_by: no customer field '%s'%s (the steps of this analysis do not produce it)"] =
    "%scampagne « %s », rank_by : pas de champ client « %s »%s (les étapes de cette analyse ne le produisent pas)",
  ["%scampaign '%s', %s.%s: no such customer field%s"] = "%scampagne « %s », %s.%s : ce champ client n'existe pas%s",
  ["%scampaign '%s', %s.%s: '%s' is not a condition on a number; write a comparison such as \"> 90\" or a range "
    .. "such as \"1-3\""] =
    "%scampagne « %s », %s.%s : « %s » n'est pas une condition sur un nombre ; écrivez une comparaison comme "
    .. "\"> 90\" ou un intervalle comme \"1-3\"",
  ["%scampaign '%s', %s.%s holds %s: compare it with a value, not '%s'"] =
    "%scampagne « %s », %s.%s contient %s : comparez-le à une valeur, pas à « %s »",
  ["%scampaigns '%s' and '%s' have the same priority %s: '%s' comes first because it is listed first"] =
    "%sles campagnes « %s » et « %s » ont la même priorité %s : « %s » passe en premier car elle est écrite "
    .. "la première",
  ["%scampaign '%s' can target nobody: its segments (%s) can never be assigned"] =
    "%sla campagne « %s » ne peut cibler personne : ses segments (%s) ne peuvent jamais être attribués",

  -- campaign rules (campaigns.lua)
  ["%scampaign '%s', field '%s': expected a number %s%s, got %s"] =
    "%scampagne « %s », champ « %s » : un nombre %s%s est attendu, reçu %s",
  ["%scampaign '%s', field '%s': expected a table or a function"] =
    "%scampagne « %s », champ « %s » : une table ou une fonction est attendue",
  ["%scampaign '%s', %s.%s: expected a list of names"] = "%scampagne « %s », %s.%s : une liste de noms est attendue",
  ["%scampaign '%s', %s.when: expected a function(customer)"] =
    "%scampagne « %s », %s.when : une fonction(client) est attendue",
  ["%scampaign '%s', field '%s': unexpected entry"] = "%scampagne « %s », champ « %s » : entrée inattendue",
  ["%scampaign '%s', %s.%s: unknown key (did you mean '%s'?)"] =
    "%scampagne « %s », %s.%s : clé inconnue (vouliez-vous dire « %s » ?)",
  ["%scampaign '%s', %s.%s: %s"] = "%scampagne « %s », %s.%s : %s",
  ["%scampaigns: unknown setting '%s'%s"] = "%scampagnes : réglage inconnu « %s »%s",
  ["%scampaigns: total_budget must be a number >= 0, got %s"] =
    "%scampagnes : total_budget doit être un nombre >= 0, reçu %s",
  ["%scampaigns: window_days must be a whole number of days from 1 to 3660, got %s"] =
    "%scampagnes : window_days doit être un nombre entier de jours de 1 à 3660, reçu %s",
  ["%scampaigns: defaults must be a table like { margin = 0.35 }"] =
    "%scampagnes : defaults doit être une table comme { margin = 0.35 }",
  ["%scampaigns: defaults.%s is not a field with a default%s (known: %s)"] =
    "%scampagnes : defaults.%s n'est pas un champ qui a une valeur par défaut%s (connus : %s)",
  ["a campaign file must be a non-empty list of campaigns"] =
    "un fichier de campagnes doit être une liste non vide de campagnes",
  ["%scampaign %d must be a table"] = "%sla campagne %d doit être une table",
  ["%scampaign %d has no name"] = "%sla campagne %d n'a pas de nom",
  ["%scampaign '%s' appears twice (campaigns %d and %d)"] =
    "%sla campagne « %s » apparaît deux fois (campagnes %d et %d)",
  ["%scampaign '%s': unknown field '%s'%s"] = "%scampagne « %s » : champ inconnu « %s »%s",
  ["%scampaign '%s', field 'top_n': expected a whole number, got %s"] =
    "%scampagne « %s », champ « top_n » : un nombre entier est attendu, reçu %s",
  ["%scampaign '%s': give either 'budget' or 'budget_share', not both"] =
    "%scampagne « %s » : donnez « budget » ou « budget_share », pas les deux",
  ["%scampaign '%s': give either 'uplift' (the increase in the probability of buying in the window when contacted) "
    .. "or the older 'conversion_rate', not both"] =
    "%scampagne « %s » : donnez « uplift » (la hausse de la probabilité d'achat dans la fenêtre quand le client "
    .. "est contacté) ou l'ancien « conversion_rate », pas les deux",
  ["%scampaign '%s': conversion_rate now counts only its part above each customer's baseline probability of "
    .. "buying (uplift = conversion_rate - baseline, at least 0), so customers who would buy anyway are not "
    .. "credited to the campaign; give 'uplift' to state the campaign's incremental effect directly"] =
    "%scampagne « %s » : conversion_rate ne compte plus que sa part au-dessus de la probabilité d'achat de base "
    .. "de chaque client (uplift = conversion_rate - base, au moins 0) : les clients qui auraient acheté de toute "
    .. "façon ne sont pas attribués à la campagne ; donnez « uplift » pour indiquer directement l'effet "
    .. "incrémental de la campagne",
  ["%scampaign '%s', field '%s': expected true or false, got %s"] =
    "%scampagne « %s », champ « %s » : true ou false est attendu, reçu %s",
  ["%scampaign '%s' has no 'target'"] = "%sla campagne « %s » n'a pas de « target »",
  ["%scampaign '%s', field 'recommend': only \"co_purchased\" is known"] =
    "%scampagne « %s », champ « recommend » : seul \"co_purchased\" est connu",
  ["%scampaign '%s', %s.%s is not a column of the customer data%s"] =
    "%scampagne « %s », %s.%s n'est pas une colonne des données clients%s",
  ["%scampaign '%s', %s.segments: no segment '%s'%s"] = "%scampagne « %s », %s.segments : pas de segment « %s »%s",
  ["%scampaign '%s' targets clusters but the customer data has no 'cluster' column"] =
    "%sla campagne « %s » cible des groupes mais les données clients n'ont pas de colonne « cluster »",
  ["%scampaign '%s', rank_by: no column '%s'"] = "%scampagne « %s », rank_by : pas de colonne « %s »",
  ["campaign plan: the customer data has no '%s' column"] =
    "plan de campagnes : les données clients n'ont pas de colonne « %s »",

  -- segment rules (segments.lua)
  ["a segment table must be a non-empty list of rules"] = "une table de segments doit être une liste non vide de règles",
  ["%srule %d must be a table like { \"Name\", r = \"4-5\" }"] =
    "%sla règle %d doit être une table comme { \"Nom\", r = \"4-5\" }",
  ["%srule %d has no name (its first entry must be the segment name)"] =
    "%sla règle %d n'a pas de nom (sa première entrée doit être le nom du segment)",
  ["%srule '%s' appears twice (rules %d and %d)"] = "%sla règle « %s » apparaît deux fois (règles %d et %d)",
  ["%srule '%s': field 'when' must be a function(customer)"] =
    "%srègle « %s » : le champ « when » doit être une fonction(client)",
  ["%srule '%s': unexpected entry %s (only the name comes without a field)"] =
    "%srègle « %s » : entrée inattendue %s (seul le nom s'écrit sans champ)",
  ["%srule '%s': unknown field '%s' (did you mean '%s'?)"] =
    "%srègle « %s » : champ inconnu « %s » (vouliez-vous dire « %s » ?)",
  ["%srule '%s', field '%s': %s"] = "%srègle « %s », champ « %s » : %s",
  ["%srule '%s', field '%s': '%s' goes beyond the score levels, which are the whole numbers 1 to %d"] =
    "%srègle « %s », champ « %s » : « %s » dépasse les niveaux de score, qui sont les nombres entiers de 1 à %d",
  ["%srule '%s', field '%s': scores take a number, a range or a comparison"] =
    "%srègle « %s », champ « %s » : un score prend un nombre, un intervalle ou une comparaison",
  ["%srule '%s', field '%s': '%s' selects no score between 1 and %d"] =
    "%srègle « %s », champ « %s » : « %s » ne retient aucun score entre 1 et %d",
  ["%srule '%s' can never match: earlier rules cover all its score cells"] =
    "%sla règle « %s » ne peut jamais s'appliquer : les règles précédentes couvrent toutes ses cellules de scores",
  ["%d of %d score cells (r,f,m) are covered by no rule and have no fallback: %s%s"] =
    "%d cellules de scores (r,f,m) sur %d ne sont couvertes par aucune règle et n'ont pas de règle par défaut : %s%s",
  ["%srule '%s': field '%s' is not a column of the customer data%s"] =
    "%srègle « %s » : le champ « %s » n'est pas une colonne des données clients%s",

  -- product names for cross-selling (step_cross_sell.lua, analysis.lua)
  ["a column of the transactions or { file =, key =, name = }"] =
    "une colonne des transactions ou { file =, key =, name = }",
  ["cross_sell.names: the transactions have no column '%s'%s"] =
    "cross_sell.names : les transactions n'ont pas de colonne « %s »%s",
  ["cross_sell.names: %s has no column '%s'"] = "cross_sell.names : %s n'a pas de colonne « %s »",

  -- conditions (rules.lua)
  ["range {%s, %s} is inverted"] = "l'intervalle {%s, %s} est inversé",
  ["the list of values is empty"] = "la liste de valeurs est vide",
  ["a list of values must hold strings or numbers"] = "une liste de valeurs doit contenir des textes ou des nombres",
  ["expected a number, a range like \"4-5\", a comparison like \">= 90\" or a list"] =
    "un nombre, un intervalle comme \"4-5\", une comparaison comme \">= 90\" ou une liste est attendu",
  ["'%s': write %s= (the comparison sign before the equals sign)"] =
    "« %s » : écrivez %s= (le signe de comparaison avant le signe égal)",
  ["'%s': expected a number after %s"] = "« %s » : un nombre est attendu après %s",
  ["'%s': unknown comparison"] = "« %s » : comparaison inconnue",
  ["'%s' is not a range like \"4-5\""] = "« %s » n'est pas un intervalle comme \"4-5\"",
  ["range '%s' is inverted (%s > %s)"] = "l'intervalle « %s » est inversé (%s > %s)",

  -- clusters (clusters.lua)
  ["%sclusters: unknown setting '%s'%s"] = "%sgroupes : réglage inconnu « %s »%s",
  ["%sclusters: 'words' must be 1, 2 or 3"] = "%sgroupes : « words » doit valoir 1, 2 ou 3",
  ["%sclusters: entry %d must be like { \"spend\", field = \"monetary_ratio\", low = 0.6, high = 1.6 }"] =
    "%sgroupes : l'entrée %d doit être comme { \"spend\", field = \"monetary_ratio\", low = 0.6, high = 1.6 }",
  ["%sclusters: '%s': no profile field '%s'%s"] = "%sgroupes : « %s » : pas de champ de profil « %s »%s",
  ["%sclusters: '%s': low must be a ratio below 1 and high above 1"] =
    "%sgroupes : « %s » : low doit être un rapport inférieur à 1 et high un rapport supérieur à 1",
  ["%sclusters: no words for '%s' (low = \"...\", high = \"...\")%s"] =
    "%sgroupes : pas de mots pour « %s » (low = \"...\", high = \"...\")%s",
  ["clusters: the words that name the clusters are missing (labels = require \"en.clusters\")"] =
    "groupes : les mots qui nomment les groupes manquent (labels = require \"fr.clusters\")",
  ["%sclusters: '%s' must be a text"] = "%sgroupes : « %s » doit être un texte",
  ["%sclusters: 'ranks' must be a list of texts"] = "%sgroupes : « ranks » doit être une liste de textes",

  -- KPIs (kpis.lua)
  ["a number of days must be a whole number from 1 to 36500"] =
    "un nombre de jours doit être un nombre entier de 1 à 36500",
  ["expected \"month\", \"quarter\", \"year\", \"N days\" or a number of days"] =
    "\"month\", \"quarter\", \"year\", \"N days\" ou un nombre de jours est attendu",
  ["'%s' is not a period (\"month\", \"quarter\", \"year\", \"week\", \"3 months\", \"90 days\")"] =
    "« %s » n'est pas une période (\"month\", \"quarter\", \"year\", \"week\", \"3 months\", \"90 days\")",
  ["%sKPI file: unexpected entry '%s' (the file is a list of KPIs)"] =
    "%sfichier de KPI : entrée inattendue « %s » (le fichier est une liste de KPI)",
  ["KPI '%s', "] = "KPI « %s », ",
  ["%sKPI %d must be a table"] = "%sle KPI %d doit être une table",
  ["%sKPI %d has no name"] = "%sle KPI %d n'a pas de nom",
  ["%sKPI '%s' appears twice"] = "%sle KPI « %s » apparaît deux fois",
  ["unknown field '%s'%s"] = "champ inconnu « %s »%s",
  ["give either 'measure' or 'expression', not both"] = "donnez « measure » ou « expression », pas les deux",
  ["unknown measure '%s'%s"] = "mesure inconnue « %s »%s",
  ["'expression' must be an expression over the customer table, like \"monetary > 1000\""] =
    "« expression » doit être une expression sur la table des clients, comme \"monetary > 1000\"",
  ["unknown aggregate '%s'%s"] = "agrégat inconnu « %s »%s",
  ["'where' must be an expression"] = "« where » doit être une expression",
  ["needs a 'measure' (%s) or an 'expression'"] = "il faut une « measure » (%s) ou une « expression »",
  ["'aggregate' goes with 'expression'"] = "« aggregate » va avec « expression »",
  ["'where' goes with 'expression'"] = "« where » va avec « expression »",
  ["unknown unit '%s'%s"] = "unité inconnue « %s »%s",
  ["direction must be \"higher\" or \"lower\" (which is better), got '%s'"] =
    "direction doit valoir \"higher\" ou \"lower\" (le sens qui est meilleur), reçu « %s »",
  ["target must be a number, got %s"] = "target doit être un nombre, reçu %s",
  ["a percentage target is a share from 0 to 1 (0.85 for 85%%), got %s"] =
    "un objectif en pourcentage est une part de 0 à 1 (0.85 pour 85 %%), reçu %s",
  ["target must not be negative, got %s"] = "target ne doit pas être négatif, reçu %s",
  ["%s"] = "%s",
  ["KPI '%s': 'period' has no effect, the value is taken from the customer table now"] =
    "KPI « %s » : « period » n'a pas d'effet, la valeur est prise dans la table des clients à la date du jour",
  ["'cost' goes with measure \"cost_per_acquisition\""] = "« cost » va avec la mesure \"cost_per_acquisition\"",
  ["cost must not be negative"] = "cost ne doit pas être négatif",
  ["cost must be a number (the acquisition spend of each period) or { latest =, previous = }"] =
    "cost doit être un nombre (la dépense d'acquisition de chaque période) ou { latest =, previous = }",
  ["'campaign' goes with measure \"response_rate\""] = "« campaign » va avec la mesure \"response_rate\"",
  ["campaign must be a campaign name or a list of names"] =
    "campaign doit être un nom de campagne ou une liste de noms",
  ["'column' goes with measure \"average_clv\""] = "« column » va avec la mesure \"average_clv\"",
  ["column must be a column name"] = "column doit être un nom de colonne",
  ["decimals must be a whole number from 0 to 6"] = "decimals doit être un nombre entier de 0 à 6",

  -- steps (pipeline.lua)
  ["steps: step '%s': transactions must be true or false (does it read the transactions table?)"] =
    "étapes : étape « %s » : transactions doit être true ou false (lit-elle la table des transactions ?)",
  ["steps: step '%s': columns must be a table such as { vip = \"boolean\" }"] =
    "étapes : étape « %s » : columns doit être une table comme { vip = \"boolean\" }",
  ["steps: step '%s': column %s must name a type: number, string, boolean or datetime"] =
    "étapes : étape « %s » : la colonne %s doit nommer un type : number, string, boolean ou datetime",
  ["steps: expected a list of step changes, got a %s"] =
    "étapes : une liste de modifications des étapes est attendue, reçu une valeur de type %s",
  ["steps: entry %d must be a table"] = "étapes : l'entrée %d doit être une table",
  ["steps: step '%s' needs one of after =, before =, replace = or drop = (a step name)"] =
    "étapes : l'étape « %s » demande after =, before =, replace = ou drop = (un nom d'étape)",
  ["steps: no step '%s' to put '%s' %s%s; the steps are %s"] =
    "étapes : pas d'étape « %s » pour y placer « %s » (%s)%s ; les étapes sont %s",
  ["steps: step '%s' needs run = function(ctx) ... end"] = "étapes : l'étape « %s » demande run = function(ctx) ... end",
  ["steps: a new step needs a name of its own (got %s)"] =
    "étapes : une nouvelle étape demande un nom qui lui est propre (reçu %s)",

  -- shared rules and language files (ruleset.lua)
  ["periods: expected a table like { inactive_days = 90 }, got %s"] =
    "périodes : une table comme { inactive_days = 90 } est attendue, reçu %s",
  ["%speriods: unknown period '%s'%s"] = "%spériodes : période inconnue « %s »%s",
  ["%speriods: '%s' must be a whole number of %s, got %s"] = "%spériodes : « %s » doit être un nombre entier de %s, reçu %s",
  ["%speriods: '%s' must be from %d to %d, got %s"] = "%spériodes : « %s » doit être compris entre %d et %d, reçu %s",
  ["'{%s}' is not a period%s"] = "« {%s} » n'est pas une période%s",
  ["currency: expected an ISO code such as \"GBP\" or \"EUR\", got %s"] =
    "devise : un code ISO comme \"GBP\" ou \"EUR\" est attendu, reçu %s",
  ["%s%s '%s' has no name in %s"] = "%s%s « %s » n'a pas de nom dans %s",
  ["%s%s '%s': expected a name or a table like { \"Name\", why = \"...\" }, got %s"] =
    "%s%s « %s » : un nom ou une table comme { \"Nom\", why = \"...\" } est attendu, reçu %s",
  ["%s%s '%s' has no name (its first entry)"] = "%s%s « %s » n'a pas de nom (sa première entrée)",
  ["%s%s '%s': '%s' is not a wording field here%s%s"] = "%s%s « %s » : « %s » n'est pas un champ de libellé ici%s%s",
  ["%s%s '%s', field '%s': expected text, got %s"] = "%s%s « %s », champ « %s » : un texte est attendu, reçu %s",
  ["%s'%s' is not %s of %s%s"] = "%s« %s » n'est pas %s de %s%s",
  ["segments: expected a list of rules, got %s"] = "segments : une liste de règles est attendue, reçu %s",
  ["segments: the labels must be a table of names by segment id, got %s"] =
    "segments : les libellés doivent être une table de noms par identifiant de segment, reçu %s",
  ["%ssegment '%s': wording such as '%s' belongs in %s, not in the shared rules"] =
    "%ssegment « %s » : un texte comme « %s » va dans %s, pas dans les règles partagées",
  ["%srule %d has no id (its first entry, such as \"champions\")"] =
    "%sla règle %d n'a pas d'identifiant (sa première entrée, comme \"champions\")",
  ["%s%s: expected a list of segment ids, got %s"] = "%s%s : une liste d'identifiants de segments est attendue, reçu %s",
  ["%s%s: no segment '%s'%s"] = "%s%s : pas de segment « %s »%s",
  ["%s%s.%s: %s"] = "%s%s.%s : %s",
  ["campaigns: expected a list of campaigns, got %s"] = "campagnes : une liste de campagnes est attendue, reçu %s",
  ["campaigns: the labels must be a table of names by campaign id, got %s"] =
    "campagnes : les libellés doivent être une table de noms par identifiant de campagne, reçu %s",
  ["%scampaign '%s': wording such as '%s' belongs in %s, not in the shared rules"] =
    "%scampagne « %s » : un texte comme « %s » va dans %s, pas dans les règles partagées",
  ["%scampaign %d has no id (such as id = \"welcome_back\")"] =
    "%sla campagne %d n'a pas d'identifiant (comme id = \"welcome_back\")",
  ["%scampaign id '%s' appears twice (campaigns %d and %d)"] =
    "%sl'identifiant de campagne « %s » apparaît deux fois (campagnes %d et %d)",
  ["campaign '%s', %s.segments"] = "campagne « %s », %s.segments",
  ["%scampaigns: the campaign window is horizon_days in rules/periods.lua, set once for every step"] =
    "%scampagnes : la fenêtre des campagnes est horizon_days dans rules/periods.lua, réglé une fois pour toutes "
    .. "les étapes",
  ["kpis: expected a list of KPIs, got %s"] = "KPI : une liste de KPI est attendue, reçu %s",
  ["kpis: the labels must be a table of names by KPI id, got %s"] =
    "KPI : les libellés doivent être une table de noms par identifiant de KPI, reçu %s",
  ["%sKPI %d has no id (such as id = \"retention\")"] = "%sle KPI %d n'a pas d'identifiant (comme id = \"retention\")",
  ["%sKPI id '%s' appears twice"] = "%sl'identifiant de KPI « %s » apparaît deux fois",
  ["alerts: expected a table of thresholds, got %s"] = "alertes : une table de seuils est attendue, reçu %s",
  ["%salerts: '%s' must be a number from %s to %s, got %s"] =
    "%salertes : « %s » doit être un nombre de %s à %s, reçu %s",
  ["%salerts: '%s' must be a share from %s to %s (0.05 is 5%%), got %s%s"] =
    "%salertes : « %s » doit être une part de %s à %s (0.05 vaut 5 %%), reçu %s%s",
  ["%salerts: '%s' is now set once for the whole analysis: '%s' in rules/periods.lua"] =
    "%salertes : « %s » se règle désormais une fois pour toute l'analyse : « %s » dans rules/periods.lua",
  ["%salerts: unknown field '%s'%s"] = "%salertes : champ inconnu « %s »%s",

  -- rule files and recipes as they load (sandbox.lua)
  ["'%s' is not available in a %s%s"] = "« %s » n'est pas disponible dans un %s%s",
  [" (rule files hold data: no io, os, load, require or print)"] =
    " (les fichiers de règles contiennent des données : ni io, ni os, ni load, ni require, ni print)",
  ["'%s' is not defined in this %s"] = "« %s » n'est pas défini dans ce %s",
  ["; if you meant the text, write \"%s\" (with quotes)"] = " ; si vous pensiez au texte, écrivez \"%s\" (avec guillemets)",
  [", or did you mean '%s'?"] = ", ou vouliez-vous dire « %s » ?",
  ["cannot define the global '%s' in a %s: write 'local %s = ...'"] =
    "impossible de définir la variable globale « %s » dans un %s : écrivez « local %s = ... »",
}
