#!/usr/bin/env bash
# The default recipe end to end: outputs, determinism, French, rule edits,
# rule typos, the transactions as a list of files, and the Online Retail
# recipes when the shared data is present.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200   # 2025-12-01: the summary's generation date

run "$SEGMINT" demo --out "$work/a" --customers 1500 --quiet
is "$code" 0 "demo: exit 0"
for f in customers.csv segments.csv campaigns.csv campaign_targets.csv cross_sell_rules.csv clusters.csv k_selection.csv kmeans_model.json btyd_matrix.csv churn_model.json clv_model.json summary.md manifest.json; do
  [[ -s "$work/a/$f" ]]; ok $? "demo writes $f"
done
# a later run assigns customers to the saved clusters
printf 'local sg = require "segmint"\nlocal km = assert(sg.load_kmeans(params.model))\nlocal c = assert(sg.read_csv(params.customers, { types = { customer = "string" } }))\nlocal again = km:assign(c:drop { "cluster" }, km:matrix(c))\nlocal same = 0\nfor i, r in again:rows() do if r.cluster == c:get(i, "cluster") then same = same + 1 end end\nprint(same, #c)\n' > "$work/reassign.lua"
run "$SEGMINT" run "$work/reassign.lua" --out "$work/re" --set model="$work/a/kmeans_model.json" --set customers="$work/a/customers.csv" --quiet
is "$code" 0 "reassigning with the saved model: exit 0"
is "$(echo "$out" | awk '{ print ($1 == $2) }')" 1 "the saved model gives every customer the same cluster"
is "$(head -1 "$work/a/customers.csv")" \
  "customer,recency_days,frequency,monetary,avg_basket,first_purchase,last_purchase,tenure_days,btyd_frequency,btyd_recency,btyd_T,r_score,f_score,m_score,rfm_score,segment,segment_id,p_alive,expected_purchases_90d,clv_12m,cluster,cluster_name,churn_probability,churn_reasons,predicted_clv,status,campaign,recommended_products" \
  "customers.csv columns"
customers=$(($(wc -l < "$work/a/customers.csv") - 1))
seg_total=$(awk -F, 'NR > 1 { s += $3 } END { print s }' "$work/a/segments.csv")
is "$seg_total" "$customers" "segments.csv counts every customer once"
cl_total=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$work/a/clusters.csv")
is "$cl_total" "$customers" "clusters.csv counts every customer once"
is "$(awk -F, 'NR > 1 && $6 == "true"' "$work/a/k_selection.csv" | wc -l)" 1 "k_selection.csv marks one chosen k"
like "$(cat "$work/a/summary.md")" "## Clusters" "summary has a clusters section"
like "$(cat "$work/a/summary.md")" "## Customer lifetime value" "summary has a lifetime value section"
like "$(cat "$work/a/summary.md")" "A BG/NBD model of purchases \(a = [0-9.]+, alpha = [0-9.]+, b = [0-9.]+, r = [0-9.]+" "summary states the BG/NBD parameters"
is "$(awk -F, 'NR > 1 && ($18 < 0 || $18 > 1)' "$work/a/customers.csv" | wc -l)" 0 "p_alive is a probability for every customer"
like "$(cat "$work/a/summary.md")" "\*\*Cluster 1: [A-Za-z ,-]+\*\*: [0-9,]+ customers" "summary names each cluster"
like "$(cat "$work/a/summary.md")" "Generated on 1 December 2025 from data covering 1 January 2023 to 30 December 2024 \(scores as of 31 December 2024\)" "summary states the generation date and period, as dates people read"
with_commas=$(echo "$customers" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
like "$(cat "$work/a/summary.md")" "\| Customers analysed \| $with_commas \|" "summary counts the customers"
like "$(cat "$work/a/summary.md")" "## Campaign plan" "summary has the campaign plan"
# cross-selling names each product from products.csv (cross_sell.names)
is "$(head -1 "$work/a/cross_sell_rules.csv")" "antecedent,antecedent_name,consequent,consequent_name,count,support,confidence,lift" \
  "cross_sell_rules.csv: each code with its product name"
is "$(awk -F, 'NR == FNR { if (FNR > 1) name[$1] = $2; next } FNR > 1 && (name[$1] != $2 || name[$3] != $4)' \
  "$work/a/data/products.csv" "$work/a/cross_sell_rules.csv" | wc -l)" 0 "every rule's names are products.csv's"
# the cross-selling targets all have something to recommend, by code and by name
read -r xs_n xs_empty xs_badname <<< "$(python3 - "$work/a/campaign_targets.csv" "$work/a/data/products.csv" <<'PY'
import csv, sys
names = {r["product_id"]: r["name"] for r in csv.DictReader(open(sys.argv[2]))}
n = empty = bad = 0
for r in csv.DictReader(open(sys.argv[1])):
    if r["campaign"] != "Cross-selling": continue
    n += 1
    if not r["recommended"]: empty += 1
    elif r["recommended_names"] != "; ".join(names[c] for c in r["recommended"].split()): bad += 1
print(n, empty, bad)
PY
)"
ok $(( xs_n > 0 && xs_empty == 0 && xs_badname == 0 ? 0 : 1 )) \
  "campaign_targets.csv: every cross-selling target has recommendations, named after products.csv ($xs_n targets, $xs_empty without, $xs_badname misnamed)"
like "$(cat "$work/a/report.html")" "An order holding [A-Za-z -]+ \(P[0-9]{4}\) holds [A-Za-z -]+ \(P[0-9]{4}\) [0-9.]+ times as often as the average order\." \
  "report: the strongest pair read by name, as the summary defines the lift"
first=$(awk -F, 'NR == 2 { print $2 " \\(" $1 "\\) → " $4 " \\(" $3 "\\): lift" }' "$work/a/cross_sell_rules.csv")
like "$(cat "$work/a/summary.md")" "## Products bought together

The pairs with the highest lift \(every pair is in cross_sell_rules.csv\)\. The lift says [^
]+

- $first" "summary: the pairs under their own heading, the strongest by name, code in brackets ($first)"
like "$(cat "$work/a/summary.md")" "checked on [0-9,]+ customers it had not seen: \*\*accuracy [0-9.]+%, ROC AUC 0\.[0-9]{3}\*\*" "summary reports the churn model's accuracy and AUC"
like "$(cat "$work/a/summary.md")" "Key churn factors" "summary lists the key churn factors"
like "$(cat "$work/a/summary.md")" "its error is \*\*RMSE £[0-9,.]+\*\*" "summary reports the value model's RMSE"
printf 'local sg = require "segmint"\nlocal c = assert(sg.read_csv(params.customers, { types = { customer = "string", churn_reasons = "string" } }))\nprint(#c:filter("churn_probability >= 0 and churn_probability <= 1"), #c, #c:filter("churn_probability >= 0.5"), #c:filter("churn_probability >= 0.5 and length(churn_reasons) > 0"), #c:filter("churn_probability < 0.5 and not is_missing(churn_reasons)"))\n' > "$work/churn.lua"
run "$SEGMINT" run "$work/churn.lua" --out "$work/ch" --set customers="$work/a/customers.csv" --quiet
read -r probs total at_risk with_reasons others <<< "$out"
is "$probs" "$total" "churn_probability is a probability for every customer"
[[ ${at_risk:-0} -gt 0 ]]; ok $? "some customers are at risk (${at_risk:-0})"
is "$with_reasons" "$at_risk" "every at-risk customer has churn reasons"
is "$others" 0 "customers below the threshold have none"
# the BTYD model choice: btyd_holdout.csv's groups give the summary's errors, and the least is chosen
read -r chosen rows_ok < <(python3 - "$work/a/btyd_holdout.csv" "$work/a/summary.md" <<'PY'
import csv, re, sys
names = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}
err, pred, act = {}, {}, {}
for r in csv.DictReader(open(sys.argv[1])):
    m, n = r["model"], float(r["customers"])
    err[m] = err.get(m, 0) + n * abs(float(r["predicted"]) - float(r["actual"]))
    pred[m] = pred.get(m, 0) + n * float(r["predicted"])
    act[m] = act.get(m, 0) + n * float(r["actual"])
summary = open(sys.argv[2]).read()
ok = 0
for m in err:
    row = "| %s | %d%% | %s | %s |" % (names[m], round(100 * err[m] / act[m]), format(round(pred[m]), ","), format(round(act[m]), ","))
    ok += row in summary
best = min(err, key=err.get)
print(names[best], "%d/%d" % (ok, len(err)))
PY
)
is "$rows_ok" "3/3" "btyd_holdout.csv: each model's summed group error, predicted and actual purchases are the summary's"
like "$(cat "$work/a/summary.md")" "${chosen//\//\\/} came closest" "the summary chooses the model with the least summed error ($chosen)"
like "$(cat "$work/a/manifest.json")" "\"btyd_holdout.csv\"" "btyd_holdout.csv is an output of the run"
# the plan's economics: incremental profit, control groups never contacted, no planned loss
printf 'local sg = require "segmint"\nlocal p = assert(sg.read_csv(params.dir .. "/campaigns.csv"))\nlocal t = assert(sg.read_csv(params.dir .. "/campaign_targets.csv", { types = { customer = "string" } }))\nlocal c = assert(sg.read_csv(params.dir .. "/customers.csv", { types = { customer = "string" } }))\nlocal ctl = {}\nfor _, r in t:filter("group == \x27control\x27"):rows() do ctl[r.customer .. "/" .. r.campaign] = true end\nlocal contacted = 0\nfor _, r in c:rows() do for name in (r.campaign or ""):gmatch("[^;]+") do if ctl[r.customer .. "/" .. name:gsub("^ ", "")] then contacted = contacted + 1 end end end\nprint(#p:filter("targeted > 0 and expected_incremental_profit < 0"), #t:filter("group == \x27control\x27"), #t:filter("group == \x27treatment\x27"), contacted, #p:filter("is_missing(assumptions)"), #p:filter("campaign == \x27Churn prevention\x27 and eligible > 0"))\n' > "$work/plan.lua"
run "$SEGMINT" run "$work/plan.lua" --out "$work/pl" --set dir="$work/a" --quiet
read -r losses controls treated contacted no_text churn_eligible <<< "$out"
is "$churn_eligible" 1 "the churn prevention campaign finds customers by churn probability"
is "$losses" 0 "no campaign is planned at an expected loss"
[[ ${controls:-0} -gt 0 && ${treated:-0} -gt 0 ]]; ok $? "campaign_targets.csv marks treatment (${treated:-0}) and control (${controls:-0}) customers"
is "$contacted" 0 "control customers are not given the campaign in customers.csv"
is "$no_text" 0 "every campaign states its assumptions"
like "$(head -1 "$work/a/campaigns.csv")" "treatment,control,.*expected_incremental_revenue,expected_incremental_profit,roi" "campaigns.csv has the incremental economics"
like "$(cat "$work/a/manifest.json")" "\"sha256\":[[:space:]]*\"[0-9a-f]{64}\"" "manifest has the input's sha256"
sha=$(sha256sum "$work/a/data/transactions.csv" | cut -d' ' -f1)
like "$(cat "$work/a/manifest.json")" "$sha" "manifest sha256 matches the input"

# same inputs, same bytes
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/b" --set data="$work/a/data" --quiet
is "$code" 0 "rerun on the same data: exit 0"
for f in customers.csv segments.csv campaigns.csv campaign_targets.csv cross_sell_rules.csv clusters.csv k_selection.csv churn_model.json clv_model.json summary.md; do
  cmp -s "$work/a/$f" "$work/b/$f"; ok $? "$f is byte-identical on a rerun"
done

# French
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/fr" --set data="$work/a/data" --set lang=fr --quiet
is "$code" 0 "French demo: exit 0"
like "$(plain_spaces "$work/fr/summary.md")" "# Analyse clients : synthèse" "French summary"
like "$(plain_spaces "$work/fr/summary.md")" "Générée le 1er décembre 2025 à partir des données du 1er janvier 2023 au 30 décembre 2024 \(scores au 31 décembre 2024\)" \
  "French dates: day, month name and 1er"
like "$(plain_spaces "$work/fr/summary.md")" "\| Taux d’attrition mensuel \| 30 nov\. 2024 → 30 déc\. 2024 \| [0-9]+,[0-9] % \| [0-9]+,[0-9] % \| [−+][0-9],[0-9] pt \| 5,0 % \| manqué \|" \
  "French KPI periods with abbreviated months; the churn rate's target is the alert threshold"
like "$(plain_spaces "$work/fr/summary.md")" "Chiffre d’affaires \| [0-9 ]+,[0-9]{2} £" "French number format"
like "$(cat "$work/fr/segments.csv")" "Champions" "French segment names"
like "$(plain_spaces "$work/fr/summary.md")" "## Groupes \(clusters\)" "French clusters section"
like "$(plain_spaces "$work/fr/summary.md")" "\*\*exactitude [0-9]+,[0-9] %, AUC ROC 0,[0-9]{3}\*\*" "French churn model figures"

# editing a threshold in a rule file changes the segment counts on the next run
mkdir -p "$work/edit"
cp -r "$SG_ROOT/recipes/." "$work/edit/"
sed -i 's/{ "champions",          r = "4-5", f = "4-5", m = "4-5" },/{ "champions",          r = "5", f = "5", m = "5" },/' "$work/edit/rules/segments.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/e" --set data="$work/a/data" --quiet
is "$code" 0 "edited rules: exit 0"
a=$(awk -F, '$1 == "Champions" { print $3 }' "$work/a/segments.csv")
e=$(awk -F, '$1 == "Champions" { print $3 }' "$work/e/segments.csv")
[[ -n "$a" && -n "$e" && "$e" -lt "$a" ]]; ok $? "narrower Champions rule: fewer Champions ($a -> $e)"

# a typo in a rule file: file, line and field, no traceback into library code
sed -i 's/  { "loyal_customers",    r = "2-5", f = "3-5", m = "3-5" },/  { "loyal_customers",    r = "2-5", frequncy = "3-5", m = "3-5" },/' "$work/edit/rules/segments.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/t" --set data="$work/a/data" --quiet
is "$code" 1 "typo in a rule file: exit 1"
like "$err" "rules/segments\.lua:[0-9]+: rule 'Loyal Customers': unknown field 'frequncy' \(did you mean 'frequency'\?\)" "typo: file, line, rule and field"
unlike "$err" "stack traceback" "typo: no traceback"
[[ ! -e "$work/t/customers.csv" ]]; ok $? "typo: no output written"
run "$SEGMINT" check "$work/edit/demo.lua"
is "$code" 1 "check finds the typo"
like "$out" "rules/segments\.lua:[0-9]+: rule 'Loyal Customers': unknown field 'frequncy'" "check names the typo"
run "$SEGMINT" check "$SG_ROOT/recipes/demo.lua"
is "$code" 0 "check: the shipped English rules pass"
is "$(grep -c warning <<< "$out")" 0 "check: no warning (the unused R rfm package table makes no noise)"
run "$SEGMINT" check "$SG_ROOT/recipes/retail.lua" --set lang=fr
is "$code" 0 "check: the shipped French rules are clean"

# a table without a fallback: unmatched customers form a named group
sed -i 's/{ "frequent_small_buyers", r = "3-5", f = "4-5", m = "1-2" },/{ "frequent_small_buyers", r = "3-5", f = "5", m = "1-2" },/' "$work/edit/rules/segments.lua"
sed -i 's/frequncy = "3-5"/f = "3-5"/' "$work/edit/rules/segments.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/nf" --set data="$work/a/data" --quiet
is "$code" 0 "no fallback rule: exit 0"
like "$(cat "$work/nf/segments.csv")" "\(no segment\)" "no fallback rule: unmatched customers are counted"

# a bad alert threshold names the file and field
printf 'return { monthly_churn = 5 }\n' > "$work/edit/rules/alerts.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/al" --set data="$work/a/data" --quiet
is "$code" 1 "bad alert threshold: exit 1"
like "$err" "rules/alerts\.lua:1: alerts: 'monthly_churn' must be a share from 0 to 1 \(0\.05 is 5%\), got 5; for 5% write 0\.05" "bad alert threshold: file, line, field and the likely meaning"

# monthly churn well below the rules' level but above its own average of the months before
printf 'return { monthly_churn = 0.9, monthly_churn_rise = 0.0001 }\n' > "$work/edit/rules/alerts.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/rise" --set data="$work/a/data" --quiet
is "$code" 0 "monthly_churn_rise: exit 0"
rise_check=$(python3 - "$work/rise/activity.csv" "$work/rise/summary.md" <<'PY'
import re, sys
summary = open(sys.argv[2]).read()
m = re.search(r"\*\*Monthly churn up\*\*: ([0-9.]+)% of the [0-9,]+ customers active on (\d+ \w+ \d{4}) lapsed by (\d+ \w+ \d{4}) \([0-9,]+ customers passed 90 days without buying\), ([0-9.]+) points? above its average of ([0-9.]+)% over the ([0-9]+) months before \(alert from 0\.0 points above\)\.", summary)
if not m: print("no sentence"); sys.exit()
rate, avg, rise = float(m.group(1)), float(m.group(5)), float(m.group(4))
print("ok" if abs(rate - avg - rise) < 0.001 and int(m.group(6)) == 12 and "**Monthly churn**:" not in summary else "bad " + m.group(0))
PY
)
is "$rise_check" "ok" "monthly_churn_rise: the alert gives the rate, its average over the 12 months before and the rise between them"
# a misspelt models option is named before any work is done
printf 'return {}\n' > "$work/edit/rules/alerts.lua"
sed -i 's/categorical = {/categorcal = {/' "$work/edit/demo.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/mo" --set data="$work/a/data"
is "$code" 1 "misspelt models option: exit 1"
like "$err" "models\.categorcal is not an option \(did you mean 'categorical'\?\)" "misspelt models option: named, with a suggestion"
unlike "$err" "loaded dataset" "misspelt models option: reported before loading the data"
sed -i 's/categorcal = {/categorical = {/; s/models = { customers/models = { clv = { max_depth = 6 }, customers/' "$work/edit/demo.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/mk" --set data="$work/a/data"
is "$code" 1 "a boosting option for the ridge spend model: exit 1"
like "$err" "models\.clv: option 'max_depth' does not apply to kind 'ridge' \(it is for boosting, forest\)" "a boosting option for the ridge spend model: named, not ignored"
sed -i 's/models = { clv = { max_depth = 6 }, customers/models = { customers/' "$work/edit/demo.lua"

# a misspelt cleaning option or policy is named by segmint check, with a suggestion
sed -i 's/returns = "net" }/returns = "nett", cancelations = "drop" }/' "$work/edit/demo.lua"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data"
is "$code" 1 "misspelt cleaning settings: segmint check exits 1"
like "$out" "clean\.cancelations is not an option \(did you mean 'cancellations'\?\)" "a misspelt cleaning option: named, with a suggestion"
like "$out" "clean\.returns must be one of \"drop\", \"net\", \"keep\", got a string, \"nett\" \(did you mean 'net'\?\)" "a misspelt returns policy: the values allowed, and a suggestion"
like "$err" "2 errors in the analysis settings" "both reported at once"
sed -i 's/returns = "nett", cancelations = "drop" }/returns = "net" }/' "$work/edit/demo.lua"
# ... and so are the rfm and cross_sell settings (a misspelt name used to be ignored: bins stayed 5)
sed -i 's/rfm = { bins = 5, frequency = "invoices"/rfm = { bnis = 4, frequency = "invoice"/; s/cross_sell = { min_support = 0.0003, min_count = 3/cross_sell = { min_suport = 0.0003, min_count = 2.5/; s/k_range = {/krange = {/; s/monthly_discount_rate = /monthly_discount = /' "$work/edit/demo.lua"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data"
is "$code" 1 "misspelt rfm and cross_sell settings: segmint check exits 1"
like "$out" "rfm\.bnis is not an option \(did you mean 'bins'\?\)" "rfm: a misspelt option named"
like "$out" "rfm\.frequency must be one of \"invoices\", \"days\", got a string, \"invoice\" \(did you mean 'invoices'\?\)" "rfm: a value not allowed"
like "$out" "cross_sell\.min_suport is not an option \(did you mean 'min_support'\?\)" "cross_sell: a misspelt option named"
like "$out" "cross_sell\.min_count must be a whole number >= 1, got a number 2\.5" "cross_sell: a value out of its range"
like "$out" "clusters\.krange is not an option \(did you mean 'k_range'\?\)" "clusters: a misspelt option named"
like "$out" "btyd\.monthly_discount is not an option \(did you mean 'monthly_discount_rate'\?\)" "btyd: a misspelt option named"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data" --set lang=fr
like "$out" "analyse : cross_sell\.min_count doit être un nombre entier >= 1, et non un nombre 2\.5" "... in French for a French recipe"
sed -i 's/rfm = { bnis = 4, frequency = "invoice"/rfm = { bins = 5, frequency = "invoices"/; s/cross_sell = { min_suport = 0.0003, min_count = 2.5/cross_sell = { min_support = 0.0003, min_count = 3/; s/krange = {/k_range = {/; s/monthly_discount = /monthly_discount_rate = /' "$work/edit/demo.lua"
# rfm.thresholds (the score edges): bins - 1 ascending numbers, checked before any data is read
sed -i 's/rfm = { bins = 5, frequency = "invoices"/rfm = { bins = 5, thresholds = { recency = { 30, 90, 180 } }, frequency = "invoices"/' "$work/edit/demo.lua"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data"
like "$out" "rfm\.thresholds must be \{ recency =, frequency =, monetary = \} with 4 ascending numbers each \(bins - 1\), got a table" \
  "rfm.thresholds: three edges for 5 bins refused at check"
sed -i 's/thresholds = { recency = { 30, 90, 180 } }/thresholds = { recency = { 30, 90, 180, 365 } }/' "$work/edit/demo.lua"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data"
unlike "$out" "rfm\.thresholds" "... four ascending edges accepted"
sed -i 's/rfm = { bins = 5, thresholds = { recency = { 30, 90, 180, 365 } }, frequency/rfm = { bins = 5, frequency/' "$work/edit/demo.lua"
# product names: a bad setting at check, a missing column at run time, before any output
sed -i 's/names = { file = data .. "\/products.csv", key = "product_id", name = "name" }/names = 42/' "$work/edit/demo.lua"
run "$SEGMINT" check "$work/edit/demo.lua" --set data="$work/a/data"
like "$out" "cross_sell\.names must be a column of the transactions or \{ file =, key =, name = \}, got a number 42" \
  "cross_sell.names: a value that is neither a column nor a file"
sed -i 's/names = 42/names = { file = data .. "\/products.csv", key = "product_id", name = "title" }/' "$work/edit/demo.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/nm" --set data="$work/a/data" --quiet
is "$code" 1 "cross_sell.names: a column the product file lacks: exit 1"
like "$err" "cross_sell\.names: [^ ]*products\.csv has no column 'title'" "... naming the file and the column"
[[ ! -e "$work/nm/customers.csv" ]]; ok $? "... and no outputs"
sed -i 's/name = "title" }/name = "name" }/' "$work/edit/demo.lua"
sed -i 's/names = { file = data .. "\/products.csv", key = "product_id", name = "name" }/names = "quantty"/' "$work/edit/demo.lua"
run "$SEGMINT" run "$work/edit/demo.lua" --out "$work/nm" --set data="$work/a/data" --quiet
like "$code $err" "^1 .*cross_sell\.names: the transactions have no column 'quantty' \(did you mean 'quantity'\?\)" \
  "cross_sell.names: a column the transactions lack stops the run when they are loaded, with the nearest name"
sed -i 's/names = "quantty"/names = { file = data .. "\/products.csv", key = "product_id", name = "name" }/' "$work/edit/demo.lua"

# a customers file that repeats a customer is refused (it would repeat the customer in every join)
mkdir -p "$work/dup" && cp "$work/a/data/"*.csv "$work/dup/"
sed -n 2p "$work/a/data/customers.csv" >> "$work/dup/customers.csv"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/du" --set data="$work/dup" --quiet
is "$code" 1 "a repeated customer in customers.csv: exit 1"
like "$err" "customers\.csv: column 'customer_id' must identify each row once: [0-9]+ rows but [0-9]+ distinct values" "a repeated customer: file and column named"
[[ ! -e "$work/du/customers.csv" ]]; ok $? "a repeated customer: no output written"
# labels need data up to the end of the horizon
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/late" --set data="$work/a/data" --set as_of=2025-02-15 --quiet
is "$code" 1 "as_of past the data: exit 1"
like "$err" "the data ends on 2024-12-30, before the end of the 90 days after the training cutoff 2024-11-17" "as_of past the data: the gap is explained"

# Online Retail
file="${SG_SHARED_DATA:-$SG_ROOT/../shared/data}/online_retail/online_retail.csv"
if [[ -f "$file" ]]; then
  for lang in en fr; do
    run "$SEGMINT" run "$SG_ROOT/recipes/retail.lua" --out "$work/r$lang" --set input="$file" --set lang=$lang --quiet
    is "$code" 0 "Online Retail ($lang): exit 0"
    is "$(($(wc -l < "$work/r$lang/customers.csv") - 1))" 4324 "Online Retail ($lang): customers after netting cancellations and removing postage and fees"
  done
  like "$(cat "$work/ren/summary.md")" "from data covering 1 December 2010 to 9 December 2011 \(scores as of 10 December 2011\)" "Online Retail period"
  sum_en=$(cat "$work/ren/summary.md"); sum_fr=$(plain_spaces "$work/rfr/summary.md")
  like "$sum_en" "An MBG/NBD model of purchases \(a = " "Online Retail: 'An' before MBG/NBD"
  like "$sum_en" "Correlation per customer \|
(\|[^
]*
)+
BG/NBD and Pareto/NBD could not be fitted on the data up to 11 September 2011 \(the log gives the reason\), hence the dashes\." \
    "Online Retail: the models without figures are named after the table, a blank line between"
  like "$sum_fr" "BG/NBD et Pareto/NBD n’ont pas pu être ajustés sur les données jusqu’au 11 septembre 2011" \
    "Online Retail (fr): the models without figures, plural agreement"
  lapsed=$(grep -o '^\*\*[0-9,]* customers ([0-9.]*%) have lapsed' <<<"$sum_en" | grep -o '^\*\*[0-9,]*' | tr -d '*')
  like "$sum_en" "averages 100\.0% among the 2,763 customers who bought more than once\..*With P\(alive\) this close to 100%, the model sees almost no one stop buying, yet $lapsed customers have not bought for more than 90 days" \
    "Online Retail: P(alive) near 100% is flagged, with the lapsed count of the attention section ($lapsed)"
  like "$(cat "$work/ren/report.html")" "are more likely active than not\. The model sees almost no one stop buying, yet $lapsed customers have not bought for more than 90 days: do not use P\(alive\) to choose whom to win back\." \
    "Online Retail: the report's P(alive) chart carries the same warning"
  like "$(plain_spaces "$work/rfr/report.html")" "sont plus probablement actifs qu’inactifs\. Le modèle ne voit presque personne cesser d’acheter, alors que ${lapsed/,/ } clients n’ont rien acheté depuis plus de 90 jours : ne vous servez pas de P\(actif\) pour choisir qui reconquérir\." \
    "Online Retail (fr): the warning under the P(actif) chart"
  like "$sum_en" "
- REGENCY TEA PLATE GREEN \(23171\) → REGENCY TEA PLATE PINK \(23172\): lift 61\.2" \
    "Online Retail: products by their most frequent description, spaces trimmed"
  like "$sum_fr" "Les segments RFM ne racontent qu’une partie de l’histoire : .* Les [0-9  ]+ autres clients inactifs sont dans des segments aux noms plus rassurants \(colonne Inactifs du tableau des segments\), car les scores RFM classent les clients les uns par rapport aux autres, et non selon la règle des 90 jours ; le plus grand nombre est dans le segment « [^»]+ » : [0-9  ]+ de ses [0-9  ]+ clients\." \
    "Online Retail (fr): the lapsed customers outside the action segments"
  like "$sum_fr" "alors que ${lapsed/,/ } clients n’ont rien acheté depuis plus de 90 jours" "Online Retail (fr): the same flag"
  unlike "$(cat "$work/a/summary.md")" "this close to 100%" "demo: P(alive) tells customers apart, no flag"
  unlike "$(cat "$work/a/report.html")" "whom to win back" "demo: no warning under the report's P(alive) chart"
  r2=$(grep -o 'its error is \*\*RMSE £[0-9,.]*\*\* (MAE £[0-9,.]*, R² -[0-9.]*)' <<<"$sum_en" | grep -o 'R² -[0-9.]*' | cut -c5-)
  like "$sum_en" "\| Average predicted spend \| now \| £[0-9,.]+ \| - \| - \| - \| not reliable: the spend model does worse than the average \(R² $r2\) \|" \
    "Online Retail: the predicted-spend KPI says the model behind it is worse than the average (R² $r2)"
  like "$(cat "$work/ren/report.html")" "kpi-note\">Not reliable: the spend model does worse than the average \(R² $r2\)\.<" \
    "... and so does its card in the report"
  r2fr=${r2/./,}; r2fr=${r2fr/#-/−}   # a negative R² with the French minus sign
  like "$sum_fr" "\| Dépense prédite moyenne \| [^|]+ \| [0-9  ,]+ £ \| - \| - \| - \| peu fiable : le modèle de dépense fait moins bien que la moyenne \(R² ${r2fr}\) \|" \
    "Online Retail (fr): the same"
  unlike "$(cat "$work/a/summary.md")" "not reliable" "demo: its spend model beats the average, no such status"
  like "$sum_en" "## Alerts

- \*\*Welcome Back would not pay\*\*" "Online Retail: churn above 5% but below its usual level raises no alert; the next alert comes first"
else
  echo "# shared data absent: Online Retail checks skipped"
fi

# ---- the transactions as a list of files (--set files=) ----
# The demo's transactions in two files, each with the header: the outputs
# of the one file (but the manifest and history, which record the input
# files); the log says why the table path reads them; another header, or
# a missing file, stops the run naming the file, exit 3, nothing published.
mkdir -p "$work/lists"
awk -v d="$work/lists" 'NR == 1 { print > (d "/t1.csv"); print > (d "/t2.csv"); next }
  { print > (d "/t" (NR % 3 == 0 ? 2 : 1) ".csv") }' "$work/a/data/transactions.csv"
awk 'NR == 1' "$work/lists/t1.csv" > "$work/lists/whole.csv"
tail -n +2 "$work/lists/t1.csv" >> "$work/lists/whole.csv"
tail -n +2 "$work/lists/t2.csv" >> "$work/lists/whole.csv"
cp "$work/a/data"/*.csv "$work/lists/"
cp "$work/lists/whole.csv" "$work/lists/transactions.csv"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/l1" --set data="$work/lists" --quiet
is "$code" 0 "the two files concatenated: exit 0"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/l2" --set data="$work/lists" --set files="$work/lists/t1.csv,$work/lists/t2.csv"
is "$code" 0 "the two files as a list: exit 0"
like "$err" "loaded dataset\([0-9]+ rows x [0-9]+ columns\) \(table path; no streaming pass: the transactions are a list of files\)" \
  "... read on the table path, which says why"
rm -f "$work/l1/.segmint.lock" "$work/l2/.segmint.lock"
diffs=$(diff -r -q -x manifest.json -x history.sqlite "$work/l1" "$work/l2" 2>&1)
[[ -s "$work/l2/customers.csv" && -z "$diffs" ]]; ok $? "every output the same bytes as the concatenation's${diffs:+ ($diffs)}"
like "$(cat "$work/l2/manifest.json")" "\"path\":	\"$work/lists/t1.csv\",.*\"path\":	\"$work/lists/t2.csv\"" \
  "... the manifest records both files"
sed '1s/quantity/qty/' "$work/lists/t2.csv" > "$work/lists/t3.csv"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/l3" --set data="$work/lists" --set files="$work/lists/t1.csv,$work/lists/t3.csv" --quiet
is "$code" 3 "a file of the list with another header: exit 3"
like "$err" "'$work/lists/t3.csv' has another header than '$work/lists/t1.csv' \(every file of the list must have the same\): column 5 is 'qty' where '$work/lists/t1.csv' has 'quantity'" \
  "... the message names the file and its column"
[[ ! -e "$work/l3/customers.csv" ]]; ok $? "... nothing published"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/l4" --set data="$work/lists" --set files="$work/lists/t1.csv,$work/lists/t9.csv" --quiet
is "$code" 3 "a missing file of the list: exit 3"
like "$err" "cannot open '$work/lists/t9.csv' \(file 2 of the list\): No such file or directory" "... the message names the file"
[[ ! -e "$work/l4/customers.csv" ]]; ok $? "... nothing published"

done_testing
