#!/usr/bin/env bash
# sg.report from the command line: where Chart.js comes from (Debian's
# file, SEGMINT_CHARTJS), what is refused, reruns, and no page on failure;
# the default analysis's report settings: the page layout checked by
# `segmint check` with file and line, report = false, Chart.js missing
# found before any data is read.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

cat > "$work/page.lua" <<'LUA'
local sg = require "segmint"
local d = sg.dataset { { "k", { "a", "b" } }, { "v", { 1.5, 2 } } }
local _, info = sg.report { path = out .. "/report.html", title = "T", sections = {
  { type = "bar", title = "Bars", data = d, x = "k", y = params.y or "v" } } }
print(info.chartjs, info.charts)
LUA
run "$SEGMINT" run "$work/page.lua" --out "$work/a" --quiet
is "$code" 0 "a page with Debian's Chart.js"
is "$out" "3.9.1	1" "Chart.js 3.9.1, one chart"
run "$SEGMINT" run "$work/page.lua" --out "$work/b" --quiet
cmp -s "$work/a/report.html" "$work/b/report.html"; ok $? "a rerun gives the same bytes"
like "$(cat "$work/a/report.html")" 'Generated on 1 December 2025' "the date from SOURCE_DATE_EPOCH"

cp /usr/share/javascript/chart.js/chart.min.js "$work/copy.js"
SEGMINT_CHARTJS="$work/copy.js" run "$SEGMINT" run "$work/page.lua" --out "$work/c" --quiet
is "$code" 0 "SEGMINT_CHARTJS: another copy"
cmp -s "$work/a/report.html" "$work/c/report.html"; ok $? "the same file gives the same page"
SEGMINT_CHARTJS="$work/missing.js" run "$SEGMINT" run "$work/page.lua" --out "$work/d" --quiet
is "$code" 1 "SEGMINT_CHARTJS naming no file: exit 1"
like "$err" "cannot read Chart.js at $work/missing.js \(from SEGMINT_CHARTJS" "the message names the path"
is "$(ls "$work/d" | grep -v "^FAILED$")" "" "no page written (only the FAILED note)"
printf '/*!\n * Chart.js v2.9.4\n */\nvar Chart;\n' > "$work/old.js"
SEGMINT_CHARTJS="$work/old.js" run "$SEGMINT" run "$work/page.lua" --out "$work/e" --quiet
like "$err" "is Chart.js 2.9.4; the page needs version 3 or 4" "an old Chart.js is refused"
printf 'var x = 1;\n' > "$work/other.js"
SEGMINT_CHARTJS="$work/other.js" run "$SEGMINT" run "$work/page.lua" --out "$work/f" --quiet
like "$err" "does not look like a Chart.js build" "a file that is not Chart.js is refused"
printf '/*!\n * Chart.js v3.9.1\n */\nvar s = "</script>";\n' > "$work/breaks.js"
SEGMINT_CHARTJS="$work/breaks.js" run "$SEGMINT" run "$work/page.lua" --out "$work/g" --quiet
like "$err" "holds '</script' or '<!--' and cannot be inlined safely" "a copy that would break the page is refused"

run "$SEGMINT" run "$work/page.lua" --out "$work/h" --set y=w --quiet
is "$code" 1 "an unknown column: exit 1"
like "$err" "page.lua:3: .*section 1 'Bars' \(bar\): no column 'w' \(y\[1\]\) in the data" "the message names the recipe line, section and column"
is "$(ls "$work/h" | grep -v "^FAILED$")" "" "no page written (only the FAILED note)"

# ---- the default analysis's report settings ----
mkdir -p "$work/rc"
cp -r "$SG_ROOT/recipes/." "$work/rc/"
run "$SEGMINT" check "$work/rc/demo.lua" --set lang=fr
is "$code" 0 "check: the shipped French layout is clean"
sed -i 's/{ "segments", title = "Customers per segment",/{ "segmnets", title = "Customers per segment",/; s/over the next {{months}} months/over the next {{monts}} months/; s/since_previous = "against/since_previus = "against/' \
  "$work/rc/en/report.lua"
line_of() { grep -n "$1" "$work/rc/en/report.lua" | head -1 | cut -d: -f1; }
run "$SEGMINT" check "$work/rc/demo.lua"
is "$code" 1 "check: a broken layout fails"
like "$out" "error: $work/rc/en/report\.lua:$(line_of segmnets): report: section 3 'segmnets': no data function 'segmnets' \(did you mean 'segments'\?\)" \
  "an unknown section: file, line and the closest name"
like "$out" "error: $work/rc/en/report\.lua:$(line_of monts): report: section 8 'clv_distribution': \{\{monts\}\} is not a value of this section \(did you mean 'months'\?\)" \
  "an unknown placeholder: file, line and the closest value"
like "$out" "error: $work/rc/en/report\.lua:$(line_of since_previus): report: section 2 'indicators': unknown field 'since_previus' \(did you mean 'since_previous'\?\)" \
  "an unknown option: file, line and the closest one"
run "$SEGMINT" generate --customers 300 --seed 3 --out "$work/data"
run "$SEGMINT" run "$work/rc/demo.lua" --out "$work/broken" --set data="$work/data" --quiet
is "$code" 1 "a run with a broken layout stops before any work"
like "$err" "3 problems in the analysis settings and rule files; nothing was done" "and says why"
is "$(ls "$work/broken" | grep -v "^FAILED$")" "" "no output written"
cp "$SG_ROOT/recipes/en/report.lua" "$work/rc/en/report.lua"
SEGMINT_CHARTJS="$work/missing.js" run "$SEGMINT" check "$work/rc/demo.lua"
is "$code" 1 "check: Chart.js missing is a problem of the run"
like "$out" "error: report: cannot read Chart.js at $work/missing\.js .* \(or set report = false in the recipe\)" \
  "and the message says how to do without"
sed -i 's/^  report = { layout = words "report" },$/&\n  steps = { { drop = "report" } },/' "$work/rc/demo.lua"
SEGMINT_CHARTJS="$work/missing.js" run "$SEGMINT" check "$work/rc/demo.lua"
is "$code" 0 "check: a recipe that drops the report step needs no Chart.js"
sed -i '/^  steps = { { drop = "report" } },$/d; s/^  report = { layout = words "report" },$/  report = false,/' "$work/rc/demo.lua"
SEGMINT_CHARTJS="$work/missing.js" run "$SEGMINT" run "$work/rc/demo.lua" --out "$work/nopage" --set data="$work/data" --quiet
is "$code" 0 "report = false: the run needs no Chart.js"
[[ ! -e "$work/nopage/report.html" && -s "$work/nopage/report.xlsx" && -s "$work/nopage/summary.md" ]]
ok $? "report = false: no report.html, the other outputs"
sed -i 's/^  report = false,$/  report = { layuot = words "report" },/' "$work/rc/demo.lua"
run "$SEGMINT" check "$work/rc/demo.lua"
like "$out" "error: analysis: report\.layuot is not a setting \(did you mean 'layout'\?\)" "a misspelt report setting"
done_testing
