#!/usr/bin/env bash
# report.html in a real browser (Debian's headless Chromium): a page with
# every block type and the default analysis's page, in English and French.
# The page, opened with #selftest, writes a JSON status into #sg-status:
# script errors and blocked requests, and per chart its non-blank pixels,
# drawn points and first tick labels; Chromium's console log is read too.
# A page with a planted error checks that both methods see it.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200   # 2025-12-01

chromium=$(command -v chromium || true)
if [[ -z "$chromium" ]]; then
  "$SG_ROOT/scripts/deps" --tests >&2 || true
  chromium=$(command -v chromium || true)
fi
if [[ -z "$chromium" ]]; then
  echo "1..0 # SKIP chromium is not installed and could not be installed (scripts/deps --tests)"
  exit 0
fi

# browse FILE NAME: loads FILE#selftest; sets status (the JSON) and console
# (error lines of the console log: script errors, failed or blocked requests)
browse() {
  local file=$1 name=$2 profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  local args=(--headless --disable-gpu --no-first-run --disable-background-networking
              --disable-component-update --disable-sync --user-data-dir="$profile"
              --enable-logging=stderr --v=0 --window-size=1280,900)
  [[ $(id -u) -eq 0 ]] && args+=(--no-sandbox)
  timeout 120 "$chromium" "${args[@]}" --dump-dom "file://$file#selftest" >"$work/$name.dom" 2>"$work/$name.log"
  status=$(grep -o '<pre id="sg-status">[^<]*' "$work/$name.dom" | sed 's/^<pre id="sg-status">//')
  console=$(grep -E 'CONSOLE|Failed to load resource|net::ERR_' "$work/$name.log" | grep -v 'CONSOLE.*"Download the' || true)
}

# check FILE NAME: the page and what the browser made of it
check() {
  local file=$1 name=$2
  browse "$file" "$name"
  [[ -n "$status" ]]; ok $? "$name: the page's script ran and reported"
  like "$status" '^\{"errors":\[\],' "$name: no script error or blocked request"
  is "$console" "" "$name: nothing in the console (errors, failed requests)"
  local canvases drawn points
  canvases=$(grep -o '<canvas ' "$file" | wc -l)
  drawn=$(grep -o '"pixels":[0-9]*' <<< "$status" | awk -F: '$2 > 0' | wc -l)
  points=$(grep -o '"points":[0-9]*' <<< "$status" | awk -F: '$2 > 0' | wc -l)
  [[ $canvases -gt 0 ]]; ok $? "$name: the page has charts ($canvases)"
  is "$drawn" "$canvases" "$name: every chart canvas has non-blank pixels"
  is "$points" "$canvases" "$name: every chart drew its data points"
  is "$(grep -cE 'https?://' "$file")" 0 "$name: no http(s) reference in the page"
  local size
  size=$(stat -c %s "$file")
  [[ $size -lt 3000000 ]]; ok $? "$name: under 3 MB ($size bytes)"
}

# ---- every block type ----
cp "$SG_ROOT/tests/fixtures/report/all_blocks.lua" "$work/"
for lang in en fr; do
  run "$SEGMINT" run "$work/all_blocks.lua" --out "$work/blocks_$lang" --set lang=$lang --quiet
  is "$code" 0 "all blocks ($lang): the page is written"
  [[ $code -eq 0 ]] || echo "# $err"
  check "$work/blocks_$lang/report.html" "all blocks ($lang)"
done
like "$status" '"ticks":\[[^]]*"[0-9]+ 000 €"' "French page: money ticks in French (1 000 €)"
like "$status" '"ticks":\[[^]]*"[0-9]+ %"' "French page: percentages in French (10 %)"
like "$status" '"ticks":\[[^]]*"janv\. 2024"' "French page: French month names on an axis"
dom=$(cat "$work/all blocks (fr).dom")
like "$dom" 'Clients par segment' "French page: French titles"
like "$dom" '1 234 567,89 €' "French page: a KPI in French money"
like "$dom" 'Généré le 1 décembre 2025' "French page: the generation date in French"
en_status=$(grep -o '<pre id="sg-status">[^<]*' "$work/all blocks (en).dom")
like "$en_status" '"ticks":\[[^]]*"£[0-9]+,000"' "English page: money ticks in English (£1,000)"
like "$en_status" '"ticks":\[[^]]*"Jan 2024"' "English page: English month names on an axis"

# ---- the checks see a broken page ----
sed 's#</body>#<script>undefinedFunction();</script><img src="https://example.invalid/x.png"></body>#' \
  "$work/blocks_en/report.html" > "$work/broken.html"
browse "$work/broken.html" broken
like "$status" '"errors":\[[^]]*undefinedFunction' "a planted script error is reported by the page"
like "$status" 'blocked: https://example.invalid' "a planted request is blocked and reported"
like "$console" 'Uncaught ReferenceError: undefinedFunction' "and the console log shows the error"

# ---- the default analysis's page ----
run "$SEGMINT" generate --customers 1500 --seed 42 --out "$work/data"
is "$code" 0 "sample data generated"
for lang in en fr; do
  cp -r "$SG_ROOT/recipes/$lang" "$work/recipes_$lang"
  cp "$SG_ROOT/tests/fixtures/report/demo_report.lua" "$work/recipes_$lang/"
  run "$SEGMINT" run "$work/recipes_$lang/demo_report.lua" --out "$work/demo_$lang" --set data="$work/data" \
    --set lang=$lang --quiet
  is "$code" 0 "demo ($lang): the analysis and its page"
  [[ $code -eq 0 ]] || echo "# $err"
  check "$work/demo_$lang/report.html" "demo ($lang)"
done
like "$(cat "$work/demo (fr).dom")" 'Clients par segment' "demo (fr): French section titles"
like "$(cat "$work/demo (en).dom")" 'Customers per segment' "demo (en): English section titles"
cp "$work/demo_fr/report.html" "$work/first.html"
run "$SEGMINT" run "$work/recipes_fr/demo_report.lua" --out "$work/demo_fr" --set data="$work/data" --set lang=fr --quiet
cmp -s "$work/first.html" "$work/demo_fr/report.html"; ok $? "demo (fr): a rerun gives the same bytes"
done_testing
