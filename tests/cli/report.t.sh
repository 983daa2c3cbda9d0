#!/usr/bin/env bash
# sg.report from the command line: where Chart.js comes from (Debian's
# file, SEGMINT_CHARTJS), what is refused, reruns, and no page on failure.
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
done_testing
