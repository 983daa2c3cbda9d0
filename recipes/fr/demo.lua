-- La recette par défaut sur les données d'exemple générées (`segmint demo --lang fr`) :
-- scores RFM, segments, ventes croisées, plan de campagnes et synthèse.
-- recipes/fr/retail.lua est la même analyse avec les colonnes du fichier
-- Online Retail.  Lancer : segmint run recipes/fr/demo.lua --set data=DOSSIER
local sg = require "segmint"
local data = params.data or "out/data"

sg.analysis {
  transactions = data .. "/transactions.csv",
  read = { types = { invoice = "string", customer_id = "string", product_id = "string" } },
  columns = { customer = "customer_id", invoice = "invoice", date = "date",
              quantity = "quantity", price = "price", item = "product_id" },
  clean = { cancellations = "drop", cancel_prefix = "C", returns = "drop" },
  rfm = { bins = 5, frequency = "invoices", as_of = params.as_of },
  cross_sell = { min_support = 0.0003, min_count = 3, top_n = 3 },
  segments = require "rules.segments",
  campaigns = require "rules.campaigns",
  alerts = require "rules.alerts",
  clusters = { rules = require "rules.clusters", k = "auto", k_range = { 2, 8 } },
  btyd = { model = "bgnbd", unit = "weeks", horizon_months = 12, monthly_discount_rate = 0.01 },
  models = { horizon_days = 90, customers = data .. "/customers.csv",
             categorical = { "country", "channel", "age_band" },
             products = data .. "/products.csv", category = "category",
             features = require "rules.features" },
  template = require "templates.summary",
  currency = "€",
  out = out,
  seed = seed,
}
