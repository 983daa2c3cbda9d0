-- The default analysis on the UCI Online Retail file (541,909 lines of a UK
-- online gift shop, 2010-12-01 to 2011-12-09).  It differs from demo.lua
-- in the column mapping, the non-product stock codes it removes, the
-- customer ids (written as floats in the file: "17850.0"), the date the
-- scores are computed at, the cross-selling support and product names (the
-- Description column), BTYD in days and the customer attributes the models
-- can use (the country only).
--   segmint run recipes/retail.lua --out results [--set lang=fr] [--set input=PATH | --set files=A.csv,B.csv]
-- The default input is ../shared/data/online_retail/online_retail.csv beside
-- the project, found from this recipe's folder whatever the working directory.
local sg = require "segmint"
local lang = params.lang or "en"
if lang ~= "en" and lang ~= "fr" then error("lang must be en or fr, got '" .. tostring(lang) .. "'", 0) end
local input = params.input or (recipe_dir .. "/../../shared/data/online_retail/online_retail.csv")
local function words(name) return require(lang .. "." .. name) end

-- "a.csv,b.csv" -> { "a.csv", "b.csv" }
local function list(s)
  local t = {}
  for p in tostring(s):gmatch("[^,]+") do t[#t + 1] = p end
  return t
end

sg.analysis {
  -- --set files=a.csv,b.csv: a list of CSV files with the same header, read as one
  transactions = params.files and { files = list(params.files) } or input,
  read = { types = { InvoiceNo = "string", StockCode = "string", CustomerID = "string" } },
  columns = { customer = "CustomerID", invoice = "InvoiceNo", date = "InvoiceDate",
              quantity = "Quantity", price = "UnitPrice", item = "StockCode" },
  currency = "GBP",
  language = lang,
  periods = require "rules.periods",
  clean = { cancellations = "net", cancel_prefix = "C", returns = "drop", whole_ids = true,
            non_product = { "POST", "D", "M", "C2", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S" } },
  rfm = { bins = 5, frequency = "invoices", as_of = params.as_of or "2011-12-10" },
  cross_sell = { min_support = 0.01, top_n = 3, names = "Description" },
  segments = { rules = require "rules.segments", labels = words "segments" },
  campaigns = { rules = require "rules.campaigns", labels = words "campaigns" },
  alerts = require "rules.alerts",
  kpis = { rules = require "rules.kpis", labels = words "kpis" },
  clusters = { rules = require "rules.clusters", labels = words "clusters", k = "auto", k_range = { 2, 8 } },
  btyd = { models = { "bgnbd", "mbgnbd", "pareto_nbd" }, unit = "days", monthly_discount_rate = 0.01 },
  models = { categorical = { "Country" }, features = words "features" },
  template = words "summary",
  csv = { excel = params.excel == true },   -- --set excel=true: ';', decimal commas and a BOM for Excel in French
  report = { layout = words "report" },
  out = out,
  seed = seed,
}
