-- The default analysis on the generated sample data: RFM scores, segments,
-- clusters, lifetime value, churn risk, cross-selling, a campaign plan and
-- the executive summary.  `segmint demo` generates the data into OUT/data
-- and runs this recipe; to analyse that data again:
--   segmint run recipes/demo.lua --out OUT [--set lang=fr] [--set data=DIR]
-- and to read the transactions from a database instead of DIR/transactions.csv:
--   --set db=sqlite:shop.db (or a PostgreSQL connection string) [--set query="SELECT ..."]
-- The numbers (periods, segment conditions, campaign costs, alert
-- thresholds) are in rules/, shared by every language; names and wording
-- are in en/ and fr/.
local sg = require "segmint"
local lang = params.lang or "en"
if lang ~= "en" and lang ~= "fr" then error("lang must be en or fr, got '" .. tostring(lang) .. "'", 0) end
local data = params.data or (out .. "/data")
local function words(name) return require(lang .. "." .. name) end

-- "a.csv,b.csv" -> { "a.csv", "b.csv" }
local function list(s)
  local t = {}
  for p in tostring(s):gmatch("[^,]+") do t[#t + 1] = p end
  return t
end

sg.analysis {
  transactions = params.db and { db = params.db, query = params.query or "SELECT * FROM transactions" }
    -- --set files=a.csv,b.csv: a list of CSV files with the same header, read as one
    or params.files and { files = list(params.files) }
    or data .. "/transactions.csv",
  read = { types = { invoice = "string", customer_id = "string", product_id = "string" } },
  columns = { customer = "customer_id", invoice = "invoice", date = "date",
              quantity = "quantity", price = "price", item = "product_id" },
  currency = "GBP",
  language = lang,
  periods = require "rules.periods",
  clean = { cancellations = "net", cancel_prefix = "C", returns = "net" },
  rfm = { bins = 5, frequency = "invoices", as_of = params.as_of },
  cross_sell = { min_support = 0.0003, min_count = 3, top_n = 3,
                 names = { file = data .. "/products.csv", key = "product_id", name = "name" } },
  segments = { rules = require "rules.segments", labels = words "segments" },
  campaigns = { rules = require "rules.campaigns", labels = words "campaigns" },
  alerts = require "rules.alerts",
  kpis = { rules = require "rules.kpis", labels = words "kpis" },
  campaign_history = { performance = data .. "/campaign_history.csv", tests = data .. "/campaign_assignments.csv" },
  clusters = { rules = require "rules.clusters", labels = words "clusters", k = "auto", k_range = { 2, 8 } },
  btyd = { models = { "bgnbd", "mbgnbd", "pareto_nbd" }, unit = "weeks", monthly_discount_rate = 0.01 },
  models = { customers = data .. "/customers.csv", categorical = { "country", "channel", "age_band" },
             products = data .. "/products.csv", category = "category", features = words "features" },
  template = words "summary",
  csv = { excel = params.excel == true },   -- --set excel=true: ';', decimal commas and a BOM for Excel in French
  report = { layout = words "report" },
  out = out,
  seed = seed,
}
