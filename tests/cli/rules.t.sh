#!/usr/bin/env bash
# Rule files in a marketer's hands: typos caught by check and refused by
# run before any output, one set of numbers for both languages, named
# periods used everywhere, and the analysis as steps a recipe can change.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

"$SEGMINT" generate --customers 400 --seed 3 --out "$work/data" --quiet
fresh() { rm -rf "$work/r"; cp -r "$SG_ROOT/recipes" "$work/r"; }
check() { run "$SEGMINT" check "$work/r/demo.lua" "$@"; }
runr() { rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/data" --quiet "$@"; }

# typo_case NAME PATTERN: check fails naming it, run refuses before writing anything
typo_case() {
  local name=$1 pattern=$2
  check
  is "$code" 1 "$name: check exits 1"
  like "$out$err" "$pattern" "$name: check names file, line and a suggestion"
  runr
  is "$code" 1 "$name: run exits 1"
  like "$err" "$pattern" "$name: run gives the same message"
  [[ ! -e "$work/out/customers.csv" && ! -e "$work/out/summary.md" ]]; ok $? "$name: run wrote nothing"
}

fresh
sed -i 's/{ "champions",          r = "4-5", f = "4-5", m = "4-5" },/{ "champions",          r = "4-5", f = "4-5", m = high },/' "$work/r/rules/segments.lua"
typo_case "a bare word (m = high)" "rules/segments\.lua:[0-9]+: 'high' is not defined in this rule file; if you meant the text, write \"high\""

fresh
sed -i 's/action_segments = { "at_risk",/action_segments = { "at_risks",/' "$work/r/rules/alerts.lua"
typo_case "a misspelt segment in alerts" "rules/alerts\.lua:[0-9]+: alerts\.action_segments: no segment 'at_risks' \(did you mean 'at_risk'\?\)"

fresh
sed -i 's/target = { status = "lapsed", recency_days = "<= 180" },/target = { status = "lapsed", recency = "<= 180" },/' "$work/r/rules/campaigns.lua"
typo_case "a misspelt target field" "rules/campaigns\.lua:[0-9]+: campaign 'Welcome Back', target\.recency: no such customer field \(did you mean 'recency_days'\?\)"

fresh
sed -i 's/  upselling = { name = "Upselling",/  upselling = { name = "Welcome Back",/' "$work/r/en/campaigns.lua"
typo_case "two campaigns with one name" "campaign 'Welcome Back' appears twice"

fresh
sed -i 's/target = { status = "lapsed", recency_days = "<= 180" },/target = { status = "lapsed", recency_days = "less than 180" },/' "$work/r/rules/campaigns.lua"
typo_case "a text that is not a condition" "campaign 'Welcome Back', target\.recency_days: 'less than 180' is not a condition on a number"

fresh
sed -i 's/{{total_profit}}/{{totl_profit}}/' "$work/r/en/summary.lua"
typo_case "a misspelt placeholder" "en/summary\.lua:[0-9]+: \{\{totl_profit\}\} is not a value the template can use \(did you mean 'total_profit'\?\)"

fresh
sed -i 's/{ "champions",          r = "4-5",/{ "champions",          r = "4-6",/' "$work/r/rules/segments.lua"
typo_case "a score range beyond the bins" "rules/segments\.lua:[0-9]+: rule 'Champions', field 'r': '4-6' goes beyond the score levels"

fresh
sed -i 's/  monthly_churn = 0.05, /  monthly_churn = 5,/' "$work/r/rules/alerts.lua"
typo_case "an alert threshold out of range" "rules/alerts\.lua:[0-9]+: alerts: 'monthly_churn' must be a share from 0 to 1"

fresh
sed -i 's/cost_per_contact = 0.3, discount = 0.15/cost_per_contact = 0.3, discount = "0.15"/' "$work/r/rules/campaigns.lua"
typo_case "a number written as text" "field 'discount': expected a number from 0 to 1 \(excluded\), got a string, \"0\.15\"; write 0\.15 without quotes"

fresh
sed -i 's/  recency_days = "days since the last purchase",/  recency_dayz = "days since the last purchase",/' "$work/r/en/features.lua"
typo_case "a misspelt feature label" "en/features\.lua:[0-9]+: features: no feature 'recency_dayz' \(did you mean 'recency_days'\?\)"

fresh
sed -i 's/  inactive_days = 90, /  inactive_dyas = 90,/' "$work/r/rules/periods.lua"
typo_case "a misspelt period" "rules/periods\.lua:[0-9]+: periods: unknown period 'inactive_dyas' \(did you mean 'inactive_days'\?\)"

fresh
sed -i 's/  { id = "upselling", priority = 5,/  { id = "win_back", priority = 5,/' "$work/r/rules/campaigns.lua"
line=$(grep -n 'id = "win_back", priority = 5' "$work/r/rules/campaigns.lua" | cut -d: -f1)
typo_case "a repeated campaign id" "rules/campaigns\.lua:$line: campaign id 'win_back' appears twice \(campaigns 4 and 5\)"
is "$(echo "$err" | grep -c "appears twice")" 1 "a repeated campaign id: reported once, at the repeat"

fresh
sed -i 's/{ "champions",          r = "4-5"/{ "champs",          r = "4-5"/' "$work/r/rules/segments.lua"
check
is "$code" 1 "a renamed segment: check exits 1"
like "$out" "rules/campaigns\.lua:[0-9]+: campaign 'win_back', exclude\.segments: no segment 'champions' \(did you mean 'champs'\?\)" \
  "a renamed segment: each use of the old id is named, with the new one"
unlike "$out" "expected a list of names" "a renamed segment: no error about a list the old id emptied"

fresh
sed -i 's/  champions = { "Champions",/  champion = { "Champions",/' "$work/r/fr/segments.lua"
check --set lang=fr
is "$code" 1 "a French label for an unknown id: check --set lang=fr exits 1"
like "$out" "fr/segments\.lua:[0-9]+: « champion » n'est pas un segment de .*rules/segments\.lua \(vouliez-vous dire « champions » \?\)" "the French file is checked too (in French)"
like "$out" "segment « champions » n'a pas de nom dans .*fr/segments\.lua" "and the rule left without a name is named"

# several problems are listed at once
fresh
sed -i 's/{{total_profit}}/{{totl_profit}}/' "$work/r/en/summary.lua"
sed -i 's/action_segments = { "at_risk",/action_segments = { "at_risks",/' "$work/r/rules/alerts.lua"
check
is "$(grep -c '^error: ' <<< "$out")" 2 "check lists every problem at once"

# warnings: equal priorities, a campaign that can target nobody
fresh
sed -i 's/{ id = "upselling", priority = 5,/{ id = "upselling", priority = 3,/' "$work/r/rules/campaigns.lua"
check
is "$code" 0 "equal priorities: check passes"
like "$out" "warning: .*rules/campaigns\.lua:[0-9]+: campaigns 'Welcome Back' and 'Upselling' have the same priority 3" "equal priorities: a warning"

# ---- one set of numbers for both languages ----
fresh
runr; cp "$work/out/campaigns.csv" "$work/en_before.csv"
sed -i 's/cost_per_contact = 0.3, discount = 0.15/cost_per_contact = 0.3, discount = 0.25/' "$work/r/rules/campaigns.lua"
runr
is "$code" 0 "after editing the shared discount: English run exit 0"
like "$(grep '^Welcome Back' "$work/out/campaigns.csv")" "25% off the next order" "the English offer shows the new discount"
cp "$work/out/segments.csv" "$work/en_segments.csv"; cp "$work/out/campaigns.csv" "$work/en_campaigns.csv"
runr --set lang=fr
is "$code" 0 "French run exit 0"
like "$(plain_spaces "$work/out/campaigns.csv" | grep '^Bon retour')" "-25 % sur la prochaine commande" "the French offer shows the same new discount"
is "$(cut -d, -f2- "$work/out/segments.csv" | md5sum)" "$(cut -d, -f2- "$work/en_segments.csv" | md5sum)" "English and French runs give the same segment counts"
figures() { python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
words = {"campaign", "channel", "offer", "assumptions"}
keep = [i for i, h in enumerate(rows[0]) if h not in words]
for r in rows: print(",".join(r[i] for i in keep))' "$1"; }
is "$(figures "$work/out/campaigns.csv" | md5sum)" "$(figures "$work/en_campaigns.csv" | md5sum)" "and the same campaign figures"

# ---- named periods: changing the horizon changes every place that uses it ----
fresh
sed -i 's/  horizon_days = 90, /  horizon_days = 60,/' "$work/r/rules/periods.lua"
runr
is "$code" 0 "horizon 60 days: exit 0"
like "$(head -1 "$work/out/customers.csv")" "expected_purchases_60d" "the expected purchases column follows the horizon"
unlike "$(head -1 "$work/out/customers.csv")" "_90d" "no column keeps the old horizon"
like "$(cat "$work/out/summary.md")" "in the next 60 days" "the summary states the new horizon"
like "$(cat "$work/out/summary.md")" "will not buy in the next 60 days" "the churn model uses it"
like "$(cat "$work/out/manifest.json")" '"horizon_days":[[:space:]]*60' "the manifest records it"

# ---- the analysis as steps ----
fresh
cat > "$work/r/steps.lua" <<'LUA'
local sg = require "segmint"
local data = params.data
sg.analysis {
  transactions = data .. "/transactions.csv",
  read = { types = { invoice = "string", customer_id = "string", product_id = "string" } },
  columns = { customer = "customer_id", invoice = "invoice", date = "date",
              quantity = "quantity", price = "price", item = "product_id" },
  currency = "GBP", periods = require "rules.periods",
  segments = { rules = require "rules.segments", labels = require "en.segments" },
  campaigns = { rules = {
      { id = "big", priority = 1, target = { big_spender = true }, cost_per_contact = 0.1, uplift = 0.2,
        margin = 0.5, control_share = 0 },
    }, labels = { big = { name = "Big spenders", channel = "email", offer = "thanks" } } },
  template = require "en.summary",
  steps = {
    { name = "big_spender", after = "segments", columns = { big_spender = "boolean" },
      run = function(ctx) ctx.customers = ctx.customers:derive("big_spender", "monetary >= 300") end },
    { drop = params.drop or "btyd" },
  },
  out = out, seed = seed,
}
LUA
rm -rf "$work/out"; run "$SEGMINT" run "$work/r/steps.lua" --out "$work/out" --set data="$work/data" --quiet
is "$code" 0 "a recipe step and a campaign on its column: exit 0"
big=$(awk -F, 'NR > 1 && $4 >= 300' "$work/out/customers.csv" | wc -l)
eligible=$(python3 -c 'import csv, sys
print(next(r["eligible"] for r in csv.DictReader(open(sys.argv[1])) if r["campaign"] == "Big spenders"))' "$work/out/campaigns.csv")
outside=$(python3 -c 'import csv, sys
big = {r["customer"] for r in csv.DictReader(open(sys.argv[1])) if float(r["monetary"]) >= 300}
t = [r["customer"] for r in csv.DictReader(open(sys.argv[2])) if r["campaign"] == "Big spenders"]
print(len(t), sum(1 for c in t if c not in big))' "$work/out/customers.csv" "$work/out/campaign_targets.csv")
[[ $big -gt 0 && $eligible -eq $big ]]; ok $? "the campaign's eligible customers are exactly those the step flagged ($eligible of $big)"
[[ ${outside%% *} -gt 0 && ${outside##* } -eq 0 ]]; ok $? "it targets some of them and nobody else ($outside)"
like "$(head -1 "$work/out/customers.csv")" "big_spender" "the step's column is in customers.csv"
run "$SEGMINT" run "$work/r/steps.lua" --out "$work/out2" --set data="$work/data" --set drop=clusterz --quiet
is "$code" 1 "dropping an unknown step: exit 1"
like "$err" "steps: no step 'clusterz' to put 'clusterz' drop \(did you mean 'clusters'\?\)" "an unknown step name is named, with a suggestion"
sed -i 's/target = { big_spender = true }/target = { big_spendr = true }/' "$work/r/steps.lua"
run "$SEGMINT" check "$work/r/steps.lua" --set data="$work/data"
is "$code" 1 "a campaign on a misspelt step column: check exits 1"
like "$out" "target\.big_spendr: no such customer field \(did you mean 'big_spender'\?\)" "the step's declared columns are known to check"

# ---- a recipe replaces a step ----
sed -e 's/{ drop = params.drop or "btyd" },/{ replace = "clusters", columns = { tier = "string" },\
      run = function(ctx) ctx.customers = ctx.customers:derive("tier", "if(monetary >= 300, \x27gold\x27, \x27standard\x27)") end },/' \
  "$work/r/steps.lua" > "$work/r/replace.lua"
sed -i 's/big_spendr = true/big_spender = true/' "$work/r/replace.lua"
rm -rf "$work/out3"; run "$SEGMINT" run "$work/r/replace.lua" --out "$work/out3" --set data="$work/data" --quiet
is "$code" 0 "a recipe replacing the clusters step: exit 0"
[[ ! -e "$work/out3/clusters.csv" && ! -e "$work/out3/kmeans_model.json" ]]; ok $? "the k-means step did not run: no clusters.csv, no model"
is "$(python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(sum(r["tier"] == "gold" for r in rows) == sum(float(r["monetary"]) >= 300 for r in rows) > 0, "cluster" in rows[0])' "$work/out3/customers.csv")" \
  "True False" "its replacement ran in its place: tier in customers.csv, gold exactly for spend >= 300, no cluster column"

# a recipe replacing the clean step: the loaded table stays open, and the
# manifest still counts the loaded lines
sed -e 's/{ drop = params.drop or "btyd" },/{ replace = "clean", run = function(ctx)\
      local c = ctx.cols\
      ctx.res.clean, ctx.res.cleaning = ctx.sg.clean(ctx.res.transactions, { customer = c.customer, invoice = c.invoice,\
        quantity = c.quantity, price = c.price, date = c.date, item = c.item, amount = "amount" }) end },/' \
  "$work/r/steps.lua" > "$work/r/replace_clean.lua"
sed -i 's/big_spendr = true/big_spender = true/' "$work/r/replace_clean.lua"
rm -rf "$work/out4"; run "$SEGMINT" run "$work/r/replace_clean.lua" --out "$work/out4" --set data="$work/data" --quiet
is "$code" 0 "a recipe replacing the clean step: exit 0"
[[ $code -ne 0 ]] && echo "$err" | sed 's/^/# /'
is "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"]["transactions"])' "$work/out4/manifest.json" 2>&1)" \
  "$(( $(wc -l < "$work/data/transactions.csv") - 1 ))" "the manifest counts every loaded line"

# ---- check lists every problem at once, a bare word in a rule file included ----
fresh
sed -i 's/{ "champions",          r = "4-5", f = "4-5", m = "4-5" },/{ "champions",          r = "4-5", f = "4-5", m = high },/' "$work/r/rules/segments.lua"
sed -i 's/"at_risk", "cant_lose_them"/"at_risks", "cant_lose_them"/; s/monthly_churn = 0.05/monthly_churn = 5/' "$work/r/rules/alerts.lua"
check
is "$code" 1 "three typos in two files: check exits 1"
like "$out" "rules/segments\.lua:[0-9]+: 'high' is not defined" "check names the bare word"
like "$out" "rules/alerts\.lua:[0-9]+: alerts\.action_segments: no segment 'at_risks'" "and the misspelt segment"
like "$out" "rules/alerts\.lua:[0-9]+: alerts: 'monthly_churn' must be a share" "and the out-of-range threshold"
like "$err" "3 errors in the analysis settings and rule files" "and counts all three"
runr
is "$code" 1 "the same recipe: run exits 1"
[[ ! -e "$work/out/customers.csv" && ! -e "$work/out/summary.md" ]]; ok $? "run wrote nothing"
# a recipe of its own that loads a rule file with a bare word
printf 'local sg = require "segmint"\nlocal segs = sg.segments(require "rules.segments")\nprint(#segs.rules)\n' > "$work/r/own.lua"
run "$SEGMINT" check "$work/r/own.lua"
is "$code" 1 "a recipe of its own: check exits 1"
like "$out" "rules/segments\.lua:[0-9]+: 'high' is not defined" "and names the bare word in the rule file it loads"

# ---- a bad value in the data is a data error at its place, before any output ----
cp -r "$work/data" "$work/bad"
awk -F, 'BEGIN { OFS = "," } NR == 7 { $2 = "2024-02-30 10:00:00" } { print }' "$work/data/transactions.csv" > "$work/bad/transactions.csv"
fresh
rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/bad" --quiet
is "$code" 3 "an impossible date in the transactions: exit 3"
like "$err" "transactions\.csv:7:2: column 'date' read as text because line 7 has '2024-02-30 10:00:00': 1 of [0-9,]+ values is not a date" \
  "the message names the file, line, column and value, and how many values are bad"
[[ ! -e "$work/out/summary.md" ]]; ok $? "no summary is written"
awk -F, 'BEGIN { OFS = "," } NR == 9 { $6 = "\"12,5\"" } { print }' "$work/data/transactions.csv" > "$work/bad/transactions.csv"
rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/bad" --quiet
is "$code" 3 "a price with a decimal comma: exit 3"
like "$err" "transactions\.csv:9:6: column 'price' read as text because line 9 has '12,5': 1 of [0-9,]+ values is not a number" \
  "the message names the file, line, column and value"

# ---- past tests of a campaign of the rules teach the plan its uplift ----
fresh
rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/data" --quiet
is "$(awk -F, '$1 == "Welcome Back" { print $25 }' "$work/out/campaigns.csv")" "rule" "without tests of it, Welcome Back's uplift is the rule's"
cp -r "$work/data" "$work/learn"
# the past tests become tests of Welcome Back, each customer in the segment they have now
awk -F, 'NR == FNR { if (FNR > 1) seg[$1] = $16; next }
         FNR == 1 { print; next }
         { $1 = "Welcome Back"; if ($2 in seg) $3 = seg[$2]; print }' OFS=, \
  "$work/out/customers.csv" "$work/data/campaign_assignments.csv" > "$work/learn/campaign_assignments.csv"
rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/learn"
is "$code" 0 "with tests of Welcome Back: exit 0"
is "$(awk -F, '$1 == "Welcome Back" { print $25 }' "$work/out/campaigns.csv")" "learned" "its uplift is learnt from them"
like "$(cat "$work/out/summary.md")" "Welcome Back: .*measured results for [0-9,]+ of [0-9,]+ customers" \
  "the summary's assumptions say so"
unlike "$err" "not campaigns of the rules" "no test is left unused"

done_testing
