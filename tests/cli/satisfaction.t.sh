#!/usr/bin/env bash
# Satisfaction alerts in the default analysis: the demo recipe with a
# satisfaction column mapped (columns.satisfaction = "rating", added to the
# generated data with awk).  The alert's average is checked against the
# mean rating over the last 90 days (comparison_days) before the scoring
# date, counted with awk; without the mapping, nothing is said; a mapping
# to a missing or text column fails with a message naming it.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run "$SEGMINT" generate --customers 300 --seed 11 --out "$work/gen"
is "$code" 0 "generated 300 customers"
mkdir -p "$work/data"
cp "$work/gen"/*.csv "$work/data/"
# only lines cleaning keeps (no cancellation, return or free line), so the
# mean is the cleaned data's; a rating of 2 to 5 by customer number
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "rating"; next }
  $1 !~ /^C/ && $5 > 0 && $6 > 0 { split($3, id, "C"); print $0, (id[2] % 4) + 2 }' \
  "$work/gen/transactions.csv" > "$work/data/transactions.csv"
# the scoring date is the day after the last purchase; the window the 90 days before it
last=$(cut -d, -f2 "$work/data/transactions.csv" | sed 1d | sort | tail -1)
as_of=$(date -u -d "${last:0:10} + 1 day" +%F)
from=$(date -u -d "$as_of - 90 days" +%F)
want=$(awk -F, -v a="$from" -v b="$as_of" 'NR > 1 && $2 >= a && $2 < b { s += $7; n++ } END { printf "%.2f", s / n }' \
  "$work/data/transactions.csv")
ok "$(awk -v w="$want" 'BEGIN { exit !(w < 4) }'; echo $?)" "the data's mean rating from $from to $as_of is $want, below 4"

cp -r "$SG_ROOT/recipes" "$work/recipes"
sed -i 's/item = "product_id" }/item = "product_id", satisfaction = params.sat or "rating" }/' "$work/recipes/demo.lua"
grep -q 'satisfaction = params.sat' "$work/recipes/demo.lua"; ok $? "the recipe maps a satisfaction column"
run "$SEGMINT" run "$work/recipes/demo.lua" --out "$work/out" --set data="$work/data" --seed 1 --quiet
is "$code" 0 "the analysis with a satisfaction column: exit 0"
[[ $code -ne 0 ]] && sed 's/^/# /' <<< "$err"
like "$(cat "$work/out/summary.md" 2>/dev/null)" \
  "\*\*Satisfaction down\*\*: $want on average over the last 90 days, below the threshold of 4\.0\." \
  "summary.md: the alert with the mean rating ($want) and the threshold"
like "$(cat "$work/out/report.html" 2>/dev/null)" "<li><strong>Satisfaction down</strong>: $want on average" \
  "report.html: the same alert"
run "$SEGMINT" run "$work/recipes/demo.lua" --out "$work/out_fr" --set data="$work/data" --set lang=fr --seed 1 --quiet
is "$code" 0 "in French: exit 0"
like "$(plain_spaces "$work/out_fr/summary.md" 2>/dev/null)" "\*\*Satisfaction en baisse\*\* : ${want/./,} en moyenne" \
  "summary.md (fr): the alert with a decimal comma"

run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/plain" --set data="$work/data" --seed 1 --quiet
is "$code" 0 "the same data without the mapping: exit 0"
unlike "$(cat "$work/plain/summary.md" 2>/dev/null)" "Satisfaction" "no satisfaction alert without a mapped column"

run "$SEGMINT" run "$work/recipes/demo.lua" --out "$work/bad" --set data="$work/data" --set sat=ratng --seed 1 --quiet
is "$code" 1 "a mapping to a missing column: exit 1"
like "$err" "columns\.satisfaction names column 'ratng', which the data does not have \(columns: .*rating" "names it and the columns"
run "$SEGMINT" run "$work/recipes/demo.lua" --out "$work/bad" --set data="$work/data" --set sat=product_id --seed 1 --quiet
is "$code" 1 "a mapping to a text column: exit 1"
like "$err" "columns\.satisfaction: column 'product_id' holds string, not scores" "says it is not scores"
ok "$([[ ! -e $work/bad/summary.md ]]; echo $?)" "and writes no output"
done_testing
