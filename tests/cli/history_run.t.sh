#!/usr/bin/env bash
# The default analysis with its run history: the demo recipe run on the
# generated data cut before 1 July 2024, then on all of it, into one
# history.  The second run's report.html (key figure and indicator cards:
# change since the last run; the "Key figures over time" charts) and
# summary.md ("Since the last run": KPIs now, at the last run, change) are
# checked against the numbers the history holds; a third run in French
# compares its KPIs with the English run's; `segmint history` names the
# segments as the runs showed them.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run "$SEGMINT" generate --customers 300 --seed 7 --out "$work/all"
is "$code" 0 "generated 300 customers"
mkdir -p "$work/cut"
cp "$work/all"/*.csv "$work/cut/"
awk -F, 'NR == 1 || $2 < "2024-07-01"' "$work/all/transactions.csv" > "$work/cut/transactions.csv"

run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/out" --set data="$work/cut" --seed 1 --quiet
is "$code" 0 "run 1 on the data before July 2024"
[[ $code -ne 0 ]] && sed 's/^/# /' <<< "$err"
unlike "$(cat "$work/out/report.html")" "since the last run" "run 1: no change since a last run in the cards"
unlike "$(cat "$work/out/summary.md")" "## Since the last run" "run 1: no 'Since the last run' section"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/out" --set data="$work/all" --seed 1 --quiet
is "$code" 0 "run 2 on all the data, same history"
[[ $code -ne 0 ]] && sed 's/^/# /' <<< "$err"

# what the history holds, and the texts the page and the summary must show
cat > "$work/inspect.lua" <<'LUA'
local sg = require "segmint"
local h = assert(sg.history_open(params.file))
local function fig(id)
  local t = {}
  for _, r in h:figures(id):rows() do t[r.name] = r.value end
  return t
end
local a, b = fig(1), fig(2)
local function rel(k) return string.format("%+.1f%%", (b[k] - a[k]) / math.abs(a[k]) * 100) end
-- a change is the difference of the figures as printed (one decimal of a rate, cents)
local function r1d(x) return tonumber(string.format("%.1f", x * 100)) end
local function pt(x, y) return string.format("%+.1f pt", r1d(y) - r1d(x)) end
local function r2d(x) return tonumber(string.format("%.2f", x)) end
local function kpi(id, name)
  for _, r in h:kpis(name):rows() do if r.run_id == id then return r.value end end
end
print("customers", string.format("%d", b.customers), rel("customers"))
print("revenue", rel("revenue"))
print("at_risk", pt(a.at_risk, b.at_risk))
local r1, r2 = kpi(1, "Retention rate"), kpi(2, "Retention rate")
print("retention_card", pt(r1, r2))
print("retention_series", string.format("[%.6g,%.6g]", r1, r2))
print("retention_row", string.format("| Retention rate | %.1f%% | %.1f%% | %s |", r2 * 100, r1 * 100, pt(r1, r2)))
local k1, k2 = kpi(1, "Average basket"), kpi(2, "Average basket")
print("basket_series", string.format("[%.6g,%.6g]", k1, k2))
-- (the change also as a share of the last run's figure, as the card shows it)
print("basket_row", string.format("| Average basket | £%.2f | £%.2f | %s£%.2f (%s%.1f%%) |", k2, k1, r2d(k2) < r2d(k1) and "-" or "+",
  math.abs(r2d(k2) - r2d(k1)), k2 > k1 and "+" or "", (k2 / k1 - 1) * 100))
local m = h:moves(1, 2, 1)[1]
local was, now = h:segment_names(1), h:segment_names(2)
print("move", string.format("%d %s became %s", m.customers, was[m.from], now[m.to]), m.from)
LUA
run "$SEGMINT" run "$work/inspect.lua" --out "$work/inspect" --set file="$work/out/history.sqlite" --quiet
is "$code" 0 "the history reads back"
[[ $code -ne 0 ]] && sed 's/^/# /' <<< "$err"
want() { awk -F'\t' -v k="$1" -v f="${2:-2}" '$1 == k { print $f }' <<< "$out"; }
customers=$(want customers); customers_change=$(want customers 3); revenue_change=$(want revenue)
at_risk=$(want at_risk); retention_card=$(want retention_card); retention_series=$(want retention_series)
retention_row=$(want retention_row); basket_series=$(want basket_series); basket_row=$(want basket_row)
move=$(want move); move_id=$(want move 3)
ok "$([[ -n $customers_change && -n $retention_row && -n $move ]]; echo $?)" "the history has the key figures, KPIs and moves"
page=$(cat "$work/out/report.html")
esc() { sed 's/[][\.*^$()+?{}|]/\\&/g' <<< "$1"; }
like "$page" "<div class=\"kpi-label\">Customers</div><div class=\"kpi-value\">$customers</div><div class=\"kpi-change [a-z]+\">&#9650; $(esc "$customers_change") since the last run</div>" \
  "card Customers: $customers, $customers_change since run 1 (history's key figures)"
like "$page" "<div class=\"kpi-label\">Revenue</div><div class=\"kpi-value\">[^<]*</div><div class=\"kpi-change [a-z]+\">&#96[0-9]{2}; $(esc "$revenue_change") since the last run</div>" \
  "card Revenue: $revenue_change since run 1"
like "$page" "<div class=\"kpi-label\">Customers at risk</div><div class=\"kpi-value\">[^<]*</div><div class=\"kpi-change [a-z]+\">&#96[0-9]{2}; $(esc "$at_risk") since the last run</div>" \
  "card Customers at risk: $at_risk since run 1"
like "$page" "<div class=\"kpi-label\">Retention rate</div><div class=\"kpi-value\">[^<]*</div><div class=\"kpi-target\">[^<]*</div><div class=\"kpi-change [a-z]+\">&#96[0-9]{2}; $(esc "$retention_card") since the last run</div>" \
  "indicator Retention rate: $retention_card since run 1 (history's KPI)"
like "$page" "<h2>Key figures over time: rates</h2>" "the KPI trend charts appear"
like "$page" "\"name\":\"Retention rate\",\"values\":$(esc "$retention_series")" "the retention series: runs 1 and 2 of the history"
like "$page" "\"name\":\"Average basket\",\"values\":$(esc "$basket_series")" "the basket series: runs 1 and 2"
like "$page" '"labels":\["1 Jul 2024","31 Dec 2024"\]' "over the runs' scoring dates"
like "$page" "Over 2 runs\." "the trend's reading counts the runs"
summary=$(cat "$work/out/summary.md")
like "$summary" "## Since the last run" "summary.md: the section"
like "$summary" "$(esc "$retention_row")" "summary.md: retention now, at the last run, change"
like "$summary" "$(esc "$basket_row")" "summary.md: the basket in money"
like "$summary" "Segment migration \(rows: segment at the last run; columns: segment now\):

\| From \\\\ To \| Champions \|" "summary.md: the migration matrix after customers moved"

# segmint history prints the names the runs used, not the segment ids
run "$SEGMINT" history --out "$work/out"
is "$code" 0 "segmint history: exit 0"
like "$out" "Main moves since run 1" "the moves of the latest run"
like "$out" "  $(esc "$move") \\(" "the largest move by the segments' names: $move"
unlike "$out" "$move_id" "no segment id ($move_id) in the listing"

# a third run in French compares with the English run 2 (the same measures)
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/out" --set data="$work/all" --set lang=fr --seed 1 --quiet
is "$code" 0 "run 3 in French on the same data"
[[ $code -ne 0 ]] && sed 's/^/# /' <<< "$err"
fr=$(plain_spaces "$work/out/summary.md")
like "$fr" "## Depuis la dernière analyse" "summary.md (fr): the section"
like "$fr" "\| Indicateur \| Aujourd’hui \| À la dernière analyse \| Évolution \|" "summary.md (fr): the KPI table"
like "$fr" "\| Taux de rétention \| ([0-9,]+ %) \| \1 \| 0,0 pt \|" "summary.md (fr): retention unchanged against the English run"
like "$fr" "- aucun client n’a changé de segment" "summary.md (fr): the same data, no move"
unlike "$fr" "Migration entre segments" "... and no matrix that would be its diagonal"

# a run in French: its segment names in the listing
run "$SEGMINT" history --out "$work/out"
is "$code" 0 "segmint history after run 3: exit 0"
like "$out" "Clients fidèles" "the French names of run 3"
unlike "$out" "$move_id" "still no segment id"
done_testing
