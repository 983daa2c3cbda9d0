#!/usr/bin/env bash
# The analysis' streaming path: a recipe whose steps need only per-customer
# data runs load, clean and rfm as one pass over the CSV file, with outputs
# equal byte for byte to the table path's (demo data, shuffled rows, Online
# Retail), falls back with the reason when it cannot, fails with the reason
# under stream = true, and peaks lower in memory on a million rows.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

# the shipped rule files, with a campaign ranked by a column this lean analysis has
cp -r "$SG_ROOT/recipes/." "$work/rec/"
sed -i 's/rank_by = "predicted_clv"/rank_by = "monetary"/' "$work/rec/rules/campaigns.lua"
cat > "$work/rec/lean.lua" <<'LUA'
-- The default analysis without the steps that read the transactions
-- (btyd, models, cross_sell, kpis, alerts), so that it can stream.
local sg = require "segmint"
local function words(name) return require("en." .. name) end
local retail = params.retail == true
local steps = { { drop = "cross_sell" } }
if params.keep_alerts ~= true then steps[#steps + 1] = { drop = "alerts" } end
if params.custom then
  local vip = { name = "vip", after = "segments", columns = { vip = "boolean" },
    run = function(ctx) ctx.customers = ctx.customers:derive("vip", "monetary >= 1000") end }
  if params.custom == "declared" then vip.transactions = false end
  steps[#steps + 1] = vip
end
local clean = { cancellations = params.net == true and "net" or "drop", cancel_prefix = "C",
  returns = params.net_returns == true and "net" or "drop" }
if retail then
  clean.whole_ids = true
  clean.non_product = { "POST", "D", "M", "C2", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S" }
end
sg.analysis {
  transactions = params.input,
  read = retail and { types = { InvoiceNo = "string", StockCode = "string", CustomerID = "string" } }
    or { types = { invoice = "string", customer_id = "string", product_id = "string" } },
  columns = retail and { customer = "CustomerID", invoice = "InvoiceNo", date = "InvoiceDate",
                         quantity = "Quantity", price = "UnitPrice", item = "StockCode" }
    or { customer = "customer_id", invoice = "invoice", date = "date", quantity = "quantity", price = "price",
         item = "product_id" },
  currency = "GBP",
  periods = require "rules.periods",
  clean = clean,
  rfm = { bins = 5, as_of = retail and "2011-12-10" or nil },
  segments = { rules = require "rules.segments", labels = words "segments" },
  campaigns = { rules = require "rules.campaigns", labels = words "campaigns" },
  alerts = require "rules.alerts",
  clusters = params.small ~= true and { rules = require "rules.clusters", labels = words "clusters", k = "auto",
    k_range = { 2, 6 } } or nil,
  template = words "summary",
  report = params.small ~= true and { layout = words "report" } or false,
  workbook = params.small ~= true,
  history = false,
  stream = params.stream,
  steps = steps,
  out = out, seed = seed,
}
if params.peak then print("peak " .. sg.memory().peak) end
LUA

# The manifest without what differs between two runs of any kind (the
# command line, the start time, the duration) and the path taken.
manifest_core() {
  awk '/^\t"load":/ { skip = 1; next } skip && /^\t}/ { skip = 0; next } skip { next }
       /^\t"(command|duration_seconds|started)":/ { next } { print }' "$1"
}
# same_outputs A B NAME: every file of A equal to B's, the manifest but for the above
same_outputs() {
  local a=$1 b=$2 name=$3 diff=""
  for f in "$a"/*; do
    local base; base=$(basename "$f")
    [[ $base == manifest.json ]] && continue
    cmp -s "$f" "$b/$base" || diff="$diff $base"
  done
  [[ $(ls "$a" | wc -l) == $(ls "$b" | wc -l) ]] || diff="$diff (file lists)"
  [[ "$(manifest_core "$a/manifest.json")" == "$(manifest_core "$b/manifest.json")" ]] || diff="$diff manifest.json"
  is "$diff" "" "$name"
}

run "$SEGMINT" generate --customers 1500 --seed 5 --out "$work/data"
is "$code" 0 "generate: exit 0"
tx="$work/data/transactions.csv"

run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/s" --set input="$tx"
is "$code" 0 "lean recipe, streaming: exit 0"
like "$err" "loaded $tx in one streaming pass of load, clean and rfm, as every later step needs only per-customer data \([0-9]+ rows, [0-9]+ customers\)" "the log says the streaming path was chosen, and what it read"
like "$(cat "$work/s/manifest.json")" $'"load":\t\\{\n\t\t"passes":\t1,\n\t\t"path":\t"stream"' "the manifest says: stream, one pass"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/t" --set input="$tx" --set stream=false
is "$code" 0 "lean recipe, stream = false: exit 0"
like "$err" "loaded dataset\([0-9]+ rows x 6 columns\) \(table path; no streaming pass: stream = false\)" "the log says why the table path"
like "$(cat "$work/t/manifest.json")" $'"path":\t"table",\n\t\t"reason":\t"stream = false"' "the manifest says: table, stream = false"
same_outputs "$work/s" "$work/t" "demo data: every output equal byte for byte to the table path's"

# rows in another order: invoices' lines apart, customers' rows out of time order
{ head -1 "$tx"; tail -n +2 "$tx" | sort -t, -k4,4 -k5,5n -s; } > "$work/shuffled.csv"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/ss" --set input="$work/shuffled.csv"
is "$code" 0 "shuffled rows, streaming: exit 0"
like "$err" "a second pass recounted the customers whose rows are out of time order" "the log tells of the second pass"
like "$(cat "$work/ss/manifest.json")" $'"passes":\t2' "the manifest counts two passes"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/st" --set input="$work/shuffled.csv" --set stream=false
same_outputs "$work/ss" "$work/st" "shuffled rows: every output equal to the table path's"
cmp -s "$work/ss/customers.csv" "$work/s/customers.csv"; ok $? "shuffled rows: the same customers.csv as in file order"

# what the stream cannot do falls back, with the reason
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/n" --set input="$tx" --set net=true
is "$code" 0 "cancellations netted: exit 0"
like "$err" "table path; no streaming pass: clean.cancellations = \"net\" matches each cancellation" "netting cancellations: the table path, and why"
like "$(cat "$work/n/manifest.json")" $'"reason":\t"clean.cancellations = \\\\"net\\\\"' "the manifest gives the reason"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/al" --set input="$tx" --set keep_alerts=true
like "$err" "no streaming pass: step 'alerts' reads the transactions" "a step reading the transactions: the table path, and which step"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/cu" --set input="$tx" --set custom=undeclared
like "$err" "no streaming pass: step 'vip' may read the transactions \(declare transactions = false" "a custom step counts as reading the transactions"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/cd" --set input="$tx" --set custom=declared
like "$err" "in one streaming pass" "a custom step declaring transactions = false streams"
like "$(head -1 "$work/cd/customers.csv")" ",vip," "the custom step's column is there"

# stream = true where it cannot: an error naming why, before any data is read
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/e" --set input="$tx" --set net=true --set stream=true
is "$code" 1 "stream = true with netted cancellations: exit 1"
like "$err" "stream = true, but the streaming pass cannot be used: clean.cancellations = \"net\"" "the error names the reason"
[[ ! -e "$work/e/customers.csv" ]]; ok $? "nothing written"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/e2" --set input="$tx" --set net_returns=true --set stream=true
is "$code" 1 "stream = true with netted returns: exit 1"
like "$err" "stream = true, but the streaming pass cannot be used: clean.returns = \"net\" matches each return" "the error names the reason"
run "$SEGMINT" check "$work/rec/lean.lua" --set input="$tx" --set keep_alerts=true --set stream=true
like "$out" "stream = true, but the streaming pass cannot be used: step 'alerts' reads the transactions" "segmint check reports it"
# a customer that is not UTF-8: the table path after all, whose reader says what is wrong
{ head -1 "$tx"; printf '900001,2024-01-02 10:00:00,Jos\xe9,P0001,1,2.50\n'; tail -n +2 "$tx"; } > "$work/latin1.csv"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/l" --set input="$work/latin1.csv" --set small=true
is "$code" 3 "a Latin-1 customer: exit 3, as on the table path"
like "$err" "latin1.csv:2:3: column 'customer_id': 'Jos.' is not valid UTF-8" "... with the whole-file reader's message"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/l2" --set input="$work/latin1.csv" --set small=true --set stream=true
is "$code" 1 "... and under stream = true: exit 1"
like "$err" "stream = true, but the streaming pass cannot be used: .*latin1.csv:2: customer 'Jos.' is not UTF-8 text" "... naming why"

# Online Retail
file="${SG_SHARED_DATA:-$SG_ROOT/../shared/data}/online_retail/online_retail.csv"
if [[ -f "$file" ]]; then
  run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/rs" --set input="$file" --set retail=true
  is "$code" 0 "Online Retail, streaming: exit 0"
  like "$err" "in one streaming pass" "Online Retail: the streaming path"
  run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/rt" --set input="$file" --set retail=true --set stream=false
  same_outputs "$work/rs" "$work/rt" "Online Retail: every output equal byte for byte to the table path's"
  like "$(cat "$work/rs/summary.md")" "from data covering 1 December 2010 to 9 December 2011 \(scores as of 10 December 2011\)" "Online Retail period"
else
  echo "# shared data absent: Online Retail checks skipped"
fi

# a million rows: the streaming pass peaks lower (accounted memory)
run "$SEGMINT" generate --customers 91000 --seed 9 --out "$work/big"
rows=$(($(wc -l < "$work/big/transactions.csv") - 1))
ok $([[ $rows -ge 1000000 ]]; echo $?) "generated $rows rows"
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/bs" --set input="$work/big/transactions.csv" --set small=true --set peak=true --quiet
ps=${out##*peak }
run "$SEGMINT" run "$work/rec/lean.lua" --out "$work/bt" --set input="$work/big/transactions.csv" --set small=true --set peak=true --set stream=false --quiet
pt=${out##*peak }
echo "# peak accounted memory on $rows rows: stream $ps bytes, table $pt bytes"
ok $([[ $ps -gt 0 && $ps -lt $pt ]]; echo $?) "1M rows: the streaming path peaks lower ($ps < $pt bytes)"
same_outputs "$work/bs" "$work/bt" "1M rows: every output equal to the table path's"

done_testing
