-- La recette par défaut sur le fichier UCI Online Retail : scores RFM, segments,
-- ventes croisées, plan de campagnes et synthèse.
-- Lancer : segmint run recipes/fr/retail.lua [--set input=CHEMIN] --out resultats
local sg = require "segmint"
local input = params.input or "../shared/data/online_retail/online_retail.csv"

sg.analysis {
  transactions = input,
  read = { types = { InvoiceNo = "string", StockCode = "string", CustomerID = "string" } },
  columns = { customer = "CustomerID", invoice = "InvoiceNo", date = "InvoiceDate",
              quantity = "Quantity", price = "UnitPrice", item = "StockCode" },
  clean = { cancellations = "drop", cancel_prefix = "C", returns = "drop",
            non_product = { "POST", "D", "M", "C2", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S" } },
  rfm = { bins = 5, frequency = "invoices", as_of = params.as_of or "2011-12-10" },
  cross_sell = { min_support = 0.01, top_n = 3 },
  segments = require "rules.segments",
  campaigns = require "rules.campaigns",
  alerts = require "rules.alerts",
  clusters = { rules = require "rules.clusters", k = "auto", k_range = { 2, 8 } },
  btyd = { model = "bgnbd", unit = "days", horizon_months = 12, monthly_discount_rate = 0.01 },
  models = { horizon_days = 90, categorical = { "Country" }, features = require "rules.features" },
  template = require "templates.summary",
  currency = "£",
  out = out,
  seed = seed,
}
