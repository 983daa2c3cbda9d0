#!/usr/bin/env bash
# Bad CSV input through the host: each failure is exit 3 with the file,
# line and column; lenient quotes and the report's warnings reach Lua.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fx="$SG_FIXTURES/csv"

cat > "$work/read.lua" <<'LUA'
local sg = require "segmint"
local opts = load("return " .. (params.opts or "{}"), "opts", "t", {})()
local t, rep = assert(sg.read_csv(params.file, opts))
print(tostring(t))
for _, w in ipairs(rep.warnings) do print("warning: " .. w) end
LUA
read() { run "$SEGMINT" run "$work/read.lua" --out "$work/o" --quiet --set file="$1" ${2:+--set "opts=$2"}; }

# the issue's example: a quote opened on line 2 runs into line 4
read "$fx/badquote.csv"
is "$code" 3 "a quote not closed properly: exit 3"
like "$err" "badquote\.csv:2:2: column 'desc': quote not closed properly: .* a quote on line 4 is followed by 'y'" \
  "the message names the opening quote and the bad one"

read "$fx/badquote.csv" '{ quotes = "lenient" }'
is "$code" 0 "quotes = lenient: exit 0"
like "$out" "dataset\(2 rows x 3 columns\)" "lenient: 2 rows, as libcsv reads them"
like "$out" "warning: quotes: 2 lines merged into 1 quoted field not closed properly \(the first opened on line 2, field 2\)" \
  "lenient: the merged lines are reported"

read "$fx/unterminated.csv"
is "$code" 3 "an unterminated quote: exit 3"
like "$err" "unterminated\.csv:3:2: column 'b': unterminated quoted field" "unterminated: line and field"

# bad values: reported when inferred, exit 3 when a type or a kind is required
read "$fx/baddate.csv"
is "$code" 0 "a bad date under inference: the read succeeds"
like "$out" "warning: column 'InvoiceDate' read as text because line 13 has '2024-02-30': 1 of 20 values is not a date \(YYYY-MM-DD\)" \
  "and the report names the value and its line"

read "$fx/baddate.csv" '{ expect = { InvoiceDate = "datetime" } }'
is "$code" 3 "expect datetime: exit 3"
like "$err" "baddate\.csv:13:2: column 'InvoiceDate' read as text because line 13 has '2024-02-30'" \
  "expect datetime: file:line:column and the value"

read "$fx/baddate.csv" '{ types = { InvoiceDate = "datetime" } }'
is "$code" 3 "types datetime: exit 3"
like "$err" "baddate\.csv:13:2: column 'InvoiceDate': '2024-02-30' is not a datetime \(YYYY-MM-DD\)" \
  "types datetime: file:line:column and the value"

read "$fx/baddate.csv" '{ types = { price = "double" } }'
is "$code" 3 "types double on 'inf': exit 3"
like "$err" "baddate\.csv:16:3: column 'price': 'inf' is not a double \(inf, nan and values beyond the double range do not count as numbers\)" \
  "types double: the non-finite rule is named"

read "$fx/baddate.csv" '{ types = { qty = "int64" }, expect = { price = "number" } }'
is "$code" 3 "expect number on inf / 1e999: exit 3"
like "$err" "baddate\.csv:16:3: column 'price' read as text because line 16 has 'inf' and line 18 has '1e999'" \
  "expect number: both values named"

read "$fx/nul.csv"
is "$code" 3 "a NUL byte: exit 3"
like "$err" "nul\.csv:4:2: column 'name': a NUL byte \(byte 4 of the field\)" "a NUL byte: its position"

read "$fx/baddate.csv" '{ quotes = "loose" }'
is "$code" 1 "an unknown quotes mode is a recipe error (exit 1)"
like "$err" "read_csv option 'quotes' must be \"strict\" or \"lenient\", got 'loose'" "and says so"

done_testing
