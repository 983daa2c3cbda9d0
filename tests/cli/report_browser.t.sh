#!/usr/bin/env bash
# report.html in a real browser (Debian's headless Chromium): a page with
# every block type (French; the English one with a planted error) and the
# page the shipped demo recipe writes, in English and French.
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
  # (French figures carry no-break spaces: read as plain ones here, checked in tests/cli/story.t.sh)
  status=$(grep -o '<pre id="sg-status">[^<]*' "$work/$name.dom" | sed 's/^<pre id="sg-status">//' | plain_spaces /dev/stdin)
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

# ---- every block type, in French ----
cp "$SG_ROOT/tests/fixtures/report/all_blocks.lua" "$work/"
for lang in en fr; do
  run "$SEGMINT" run "$work/all_blocks.lua" --out "$work/blocks_$lang" --set lang=$lang --quiet
  is "$code" 0 "all blocks ($lang): the page is written"
  [[ $code -eq 0 ]] || echo "# $err"
done
check "$work/blocks_fr/report.html" "all blocks (fr)"
like "$status" '"ticks":\[[^]]*"[0-9]+ 000 €"' "French page: money ticks in French (1 000 €)"
like "$status" '"ticks":\[[^]]*"[0-9]+ %"' "French page: percentages in French (10 %)"
like "$status" '"ticks":\[[^]]*"janv\. 2024"' "French page: French month names on an axis"
dom=$(plain_spaces "$work/all blocks (fr).dom")
like "$dom" 'Clients par segment' "French page: French titles"
like "$dom" '1 234 567,89 €' "French page: a KPI in French money"
like "$dom" 'Généré le 1er décembre 2025' "French page: the generation date in French"

# ---- the checks see a broken page (the English one, whose charts still draw) ----
sed 's#</body>#<script>undefinedFunction();</script><img src="https://example.invalid/x.png"></body>#' \
  "$work/blocks_en/report.html" > "$work/broken.html"
browse "$work/broken.html" broken
like "$status" '"errors":\[[^]]*undefinedFunction' "a planted script error is reported by the page"
like "$status" 'blocked: https://example.invalid' "a planted request is blocked and reported"
like "$console" 'Uncaught ReferenceError: undefinedFunction' "and the console log shows the error"
canvases=$(grep -o '<canvas ' "$work/broken.html" | wc -l)
is "$(grep -o '"pixels":[0-9]*' <<< "$status" | awk -F: '$2 > 0' | wc -l)" "$canvases" "English page: every chart drawn"
like "$status" '"ticks":\[[^]]*"£[0-9]+,000"' "English page: money ticks in English (£1,000)"
like "$status" '"ticks":\[[^]]*"Jan 2024"' "English page: English month names on an axis"

# ---- the default analysis writes report.html: the shipped demo recipe ----
run "$SEGMINT" generate --customers 1500 --seed 42 --out "$work/data"
is "$code" 0 "sample data generated"
for lang in en fr; do
  run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/demo_$lang" --set data="$work/data" --set lang=$lang --quiet
  is "$code" 0 "demo ($lang): the analysis writes its page"
  [[ $code -eq 0 ]] || echo "# $err"
  check "$work/demo_$lang/report.html" "demo ($lang)"
  blocks=$(grep -o '<section class="block' "$work/demo_$lang/report.html" | wc -l)
  [[ $blocks -ge 15 ]]; ok $? "demo ($lang): the sections of a run without history ($blocks blocks)"
done
en_dom=$(cat "$work/demo (en).dom")
fr_dom=$(plain_spaces "$work/demo (fr).dom")
like "$en_dom" '<h2>Customers per segment</h2>' "demo (en): English section titles"
like "$en_dom" '<h2>Expected value of each customer over the next 12 months</h2>' "demo (en): the CLV horizon from the periods"
like "$en_dom" 'Data from [0-9]+ [A-Z][a-z]+ 2023 to [0-9]+ [A-Z][a-z]+ 2024, scores as of' "demo (en): the period in the subtitle"
like "$fr_dom" '<h2>Clients par segment</h2>' "demo (fr): French section titles"
like "$fr_dom" '<h2>Courbe ROC du modèle d’attrition</h2>' "demo (fr): the churn model's checks in French"
like "$fr_dom" 'Données du (1er|[0-9]+) [a-zéû]+ 2023 au' "demo (fr): French dates (the first of the month '1er')"
like "$fr_dom" '<div class="kpi-label">Panier moyen</div><div class="kpi-value">[0-9]+,[0-9]{2} £</div>' \
  "demo (fr): a key figure in French money"
like "$fr_dom" '"Clients fidèles"' "demo (fr): French segment names on the charts"
fr_status=$(grep -o '<pre id="sg-status">[^<]*' "$work/demo (fr).dom" | plain_spaces /dev/stdin)
like "$fr_status" '"ticks":\[[^]]*"[0-9]+ 000 £"' "demo (fr): money ticks in French"
unlike "$fr_dom" '<h2>(Customers per segment|Key figures|Data preparation)</h2>' "demo (fr): no English title left"
done_testing
