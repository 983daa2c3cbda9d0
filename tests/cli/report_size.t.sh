#!/usr/bin/env bash
# report.html for 100,000 customers: the page aggregates and samples (a PCA
# sample of at most 5,000 points, no per-customer table), so it stays under
# 3 MB and has no network reference.  About 40 s of analysis on two cores:
# run in the normal pass only (the sanitizer pass would take minutes).
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
if [[ "${SG_ASAN:-0}" == 1 ]]; then echo "1..0 # SKIP 100,000 customers: normal pass only"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

"$SEGMINT" generate --customers 100000 --seed 5 --out "$work/data" --quiet
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/out" --set data="$work/data" --quiet
is "$code" 0 "the default analysis on 100,000 customers: exit 0"
rows=$(($(wc -l < "$work/out/customers.csv") - 1))
[[ $rows -gt 99000 ]]; ok $? "customers.csv has the customers who bought ($rows)"
size=$(stat -c %s "$work/out/report.html")
[[ $size -lt 3000000 ]]; ok $? "report.html is under 3 MB ($size bytes)"
unlike "$(cat "$work/out/report.html")" "(src|href)=\"?https?://" "no network resource in the page"
[[ $size -gt 100000 ]]; ok $? "the page holds its charts' data ($size bytes)"
done_testing
