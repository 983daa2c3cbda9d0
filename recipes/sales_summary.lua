-- Sales per country and per month on the generated sample data, written
-- to sales_by_country.csv and sales_by_month.csv: a small example of the
-- dataset operations.  Run: segmint run recipes/sales_summary.lua --out DIR
-- on the data that `segmint demo --out DIR` left in DIR/data (or --set data=DIR).
local sg = require "segmint"

local data = params.data or (out .. "/data")

local tx = assert(sg.read_csv(data .. "/transactions.csv", {
  types = { customer_id = "string", product_id = "string", invoice = "string" },
}))
local customers = assert(sg.read_csv(data .. "/customers.csv", {
  types = { customer_id = "string" },
}))
sg.info("loaded %s and %s", tostring(tx), tostring(customers))

-- sales lines only: cancellations (C...) and returns (R...) are set aside
local sales = tx:filter("not starts_with(invoice, 'C') and not starts_with(invoice, 'R') and quantity > 0")
  :derive("amount", "quantity * price")
  :derive("month", "month_start(date)")
  :join(customers:select { "customer_id", "country" }, { on = "customer_id", how = "left" })

local by_country = sales:group_by("country", {
  { "customers", "count_distinct", "customer_id" },
  { "invoices", "count_distinct", "invoice" },
  { "revenue", "sum", "amount" },
}):derive("revenue_per_customer", "round(revenue / customers, 2)")
  :derive("revenue", "round(revenue, 2)")
  :sort("-revenue")

local by_month = sales:group_by("month", {
  { "customers", "count_distinct", "customer_id" },
  { "invoices", "count_distinct", "invoice" },
  { "revenue", "sum", "amount" },
}):derive("avg_basket", "round(revenue / invoices, 2)")
  :derive("revenue", "round(revenue, 2)")

local period = sales:stats("date")
print(string.format("Sales %s to %s: %s lines, %s invoices, %s customers, revenue %s",
  period.min, period.max, sg.format_number(#sales),
  sg.format_number(sales:count_distinct("invoice")),
  sg.format_number(sales:count_distinct("customer_id")),
  sg.format_number(sales:stats("amount").sum, 2)))
print("\nRevenue by country")
by_country:show(20)
print("\nRevenue by month")
by_month:show(36)

by_country:write_csv(out .. "/sales_by_country.csv")
by_month:write_csv(out .. "/sales_by_month.csv")
sg.info("wrote %s/sales_by_country.csv and %s/sales_by_month.csv", out, out)
