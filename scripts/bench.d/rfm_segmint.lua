-- segmint side of `scripts/bench peers`: load + clean + RFM quintile scores.
-- segmint run rfm_segmint.lua --out DIR --set file=F --set customer=.. --set invoice=.. --set quantity=..
--   --set price=.. --set date=.. --set as_of=YYYY-MM-DD   (writes DIR/rfm.csv)
local sg = require "segmint"
local p = params
local tx = assert(sg.read_csv(p.file, { types = { [p.customer] = "string", [p.invoice] = "string",
  [p.item] = "string" } }))
local clean = sg.clean(tx, { customer = p.customer, invoice = p.invoice, quantity = p.quantity, price = p.price,
  consume = true })   -- tx is given up: the removed rows are taken out in place
local rfm = sg.rfm(clean, { customer = p.customer, date = p.date, invoice = p.invoice, amount = "amount",
  as_of = p.as_of, bins = 5 })
rfm:select { "customer", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score" }
  :write_csv(out .. "/rfm.csv")
print(#rfm)
