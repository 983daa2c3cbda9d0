#!/usr/bin/env bash
# The command line: usage, exit codes, params, seed, out, messages.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run "$SEGMINT"
is "$code" 2 "no command: exit 2"
like "$err" "no command given" "no command: message"

run "$SEGMINT" frobnicate
is "$code" 2 "unknown command: exit 2"
like "$err" "unknown command 'frobnicate'" "unknown command: message"

run "$SEGMINT" help
is "$code" 0 "help: exit 0"
like "$out" "segmint run RECIPE.lua" "help lists run"
like "$out" "exit codes: 0 success, 1 the recipe failed, 2 bad usage, 3 bad input data" "help lists exit codes"

run "$SEGMINT" run --help
is "$code" 0 "run --help: exit 0"

run "$SEGMINT" version
is "$code" 0 "version: exit 0"
like "$out" "^segmint [0-9]+\.[0-9]+\.[0-9]+ \(Lua 5\.4" "version names segmint and Lua"

run "$SEGMINT" run
is "$code" 2 "run without recipe: exit 2"

run "$SEGMINT" run "$work/missing.lua"
is "$code" 2 "missing recipe file: exit 2"
like "$err" "cannot read recipe" "missing recipe file: message"

printf 'print("x")\n' > "$work/ok.lua"
run "$SEGMINT" run "$work/ok.lua" --bogus
is "$code" 2 "unknown option: exit 2"
run "$SEGMINT" run "$work/ok.lua" --set novalue
is "$code" 2 "--set without =: exit 2"
run "$SEGMINT" run "$work/ok.lua" --seed -3
is "$code" 2 "bad seed: exit 2"
run "$SEGMINT" run "$work/ok.lua" --out
is "$code" 2 "option without value: exit 2"

# params, out, seed and recipe_dir reach the recipe
cat > "$work/params.lua" <<'LUA'
print(params.name, params.n + 1, params.flag, math.type(params.n), out:match("[^/]+$"), seed, recipe_dir ~= nil)
LUA
run "$SEGMINT" run "$work/params.lua" --out "$work/o1" --set name=shop --set n=41 --set flag=true --seed 7
is "$code" 0 "params recipe: exit 0"
is "$out" "shop	42	true	integer	o1	7	true" "params, out, seed and recipe_dir are visible"
[[ -d "$work/o1" ]]; ok $? "--out directory is created"

# a recipe error names the recipe file and line, exit 1
printf 'local x = 1\nlocal y = nil\nprint(y.field)\n' > "$work/bad.lua"
run "$SEGMINT" run "$work/bad.lua" --out "$work/o2"
is "$code" 1 "runtime error: exit 1"
like "$err" "bad\.lua:3: attempt to index a nil value \(local 'y'\)" "runtime error: recipe file:line"

printf 'local x = = 1\n' > "$work/syntax.lua"
run "$SEGMINT" run "$work/syntax.lua" --out "$work/o2"
is "$code" 1 "syntax error: exit 1"
like "$err" "syntax\.lua:1: unexpected symbol" "syntax error: recipe file:line"

# library errors point at the recipe line that called the library
printf 'local sg = require "segmint"\n\nlocal d = sg.dataset{ {"x", {1, 2}} }\nlocal e = d:filter("nosuch > 1")\n' > "$work/liberr.lua"
run "$SEGMINT" run "$work/liberr.lua" --out "$work/o2"
is "$code" 1 "library error: exit 1"
like "$err" "liberr\.lua:4: .*unknown column 'nosuch'" "library error: recipe file:line and the cause"

run "$SEGMINT" run "$work/liberr.lua" --out "$work/o2" --traceback
like "$err" "stack traceback" "--traceback prints the traceback"

# bad input data: exit 3 with file:line:column
printf 'a,b\n1,2\n3,x\n' > "$work/bad.csv"
cat > "$work/data.lua" <<LUA
local sg = require "segmint"
local d = assert(sg.read_csv("$work/bad.csv", { types = { b = "int64" } }))
LUA
run "$SEGMINT" run "$work/data.lua" --out "$work/o2"
is "$code" 3 "bad data: exit 3"
like "$err" "bad\.csv:3:2: .*'x'" "bad data: file:line:column and the text"

cat > "$work/nofile.lua" <<LUA
local sg = require "segmint"
local d = assert(sg.read_csv("$work/nope.csv"))
LUA
run "$SEGMINT" run "$work/nofile.lua" --out "$work/o2"
is "$code" 3 "missing input file: exit 3"
like "$err" "nope\.csv" "missing input file: names the file"

# a failed write is a recipe failure (1), not bad input data (3)
mkdir -p "$work/o3/taken.csv"
printf 'segmint.dataset{ {"x", {1}} }:write_csv(out .. "/taken.csv")\n' > "$work/wfail.lua"
run "$SEGMINT" run "$work/wfail.lua" --out "$work/o3"
is "$code" 1 "failed write: exit 1"
like "$err" "taken\.csv" "failed write: names the file"

run "$SEGMINT" run "$work/ok.lua" --out ""
is "$code" 2 "empty --out: exit 2"

# a data error the recipe handles itself is not fatal
cat > "$work/handled.lua" <<LUA
local sg = require "segmint"
local d, msg = sg.read_csv("$work/bad.csv", { types = { b = "int64" } })
print(d == nil, msg ~= nil)
LUA
run "$SEGMINT" run "$work/handled.lua" --out "$work/o2"
is "$code" 0 "handled data error: exit 0"
is "$out" "true	true" "handled data error: nil, message"

# check: runs the recipe up to its first data access, lints the rule files
mkdir -p "$work/proj/rules"
printf 'local s = require "rules.segments"\nlocal d = segmint.read_csv("%s/none.csv")\nprint("RAN")\n' "$work" > "$work/proj/recipe.lua"
printf 'return { { "Champions", r = "4-5" } }\n' > "$work/proj/rules/segments.lua"
run "$SEGMINT" check "$work/proj/recipe.lua"
is "$code" 0 "check: exit 0"
like "$out" "and its 1 rule file check without errors" "check: counts the rule files the recipe loaded"
unlike "$out" "RAN" "check: stops before the first data access"
printf 'return { { "Champions", r = "4-5" }\n' > "$work/proj/rules/broken.lua"
run "$SEGMINT" check "$work/proj/recipe.lua"
is "$code" 1 "check: broken rule file: exit 1"
like "$out" "rules/broken\.lua:2:" "check: broken rule file: file and line"
printf 'return { io.open("x") }\n' > "$work/proj/rules/broken.lua"
run "$SEGMINT" check "$work/proj/recipe.lua"
is "$code" 1 "check: rule file using io: exit 1"
like "$out" "rules/broken\\.lua:1: 'io' is not available in a rule file" "check: rule file using io: message"

# generate: same seed, same bytes; other seed, other bytes
run "$SEGMINT" generate --customers 300 --seed 5 --out "$work/g1" --quiet
is "$code" 0 "generate: exit 0"
"$SEGMINT" generate --customers 300 --seed 5 --out "$work/g2" --quiet
"$SEGMINT" generate --customers 300 --seed 6 --out "$work/g3" --quiet
for f in customers products transactions campaign_history campaign_assignments customers_truth; do
  cmp -s "$work/g1/$f.csv" "$work/g2/$f.csv"; ok $? "generate: $f.csv identical for the same seed"
done
cmp -s "$work/g1/truth.json" "$work/g2/truth.json"; ok $? "generate: truth.json identical for the same seed"
! cmp -s "$work/g1/transactions.csv" "$work/g3/transactions.csv"; ok $? "generate: another seed gives other data"
run "$SEGMINT" generate --out "$work/g4"
is "$code" 2 "generate without --customers: exit 2"
run "$SEGMINT" generate --customers 10
is "$code" 2 "generate without --out: exit 2"

# demo: sample data plus the default recipe
run "$SEGMINT" demo --out "$work/demo" --customers 400 --quiet
is "$code" 0 "demo: exit 0"
[[ -s "$work/demo/data/transactions.csv" && -s "$work/demo/summary.md" ]]; ok $? "demo generates data and runs the default recipe"
run "$SEGMINT" demo --out "$work/demo2" --lang de
is "$code" 2 "demo --lang de: exit 2"

# the per-country / per-month sales summary recipe
run "$SEGMINT" check "$SG_ROOT/recipes/sales_summary.lua"
is "$code" 0 "segmint check: the sales summary recipe is clean, with the shared rule files beside it ($out)"
run "$SEGMINT" run "$SG_ROOT/recipes/sales_summary.lua" --out "$work/demo" --quiet
is "$code" 0 "sales summary: exit 0"
like "$out" "Revenue by country" "sales summary prints the per-country table"
like "$out" "Revenue by month" "sales summary prints the per-month table"
head -1 "$work/demo/sales_by_country.csv" > "$work/h"
is "$(cat "$work/h")" "country,customers,invoices,revenue,revenue_per_customer" "country table header"

# each option's refusal names the option and the value (exit 2, nothing run)
usage_case() {   # expected message, then the command line
  local want=$1; shift
  run "$SEGMINT" "$@"
  is "$code" 2 "$* : exit 2"
  like "$err" "$want" "$* : message"
}
usage_case "--max-memory expects megabytes, got 'lots'" run x.lua --max-memory lots
usage_case "--max-instructions expects a count, got '1.5'" run x.lua --max-instructions 1.5
usage_case "--customers expects a positive integer, got '0'" generate --customers 0 --out "$work/g0"
usage_case "--days expects a number of days, got '40000'" generate --customers 5 --days 40000 --out "$work/g0"
usage_case "--history needs a file name" run x.lua --history ""
usage_case "unknown option '-x'" run x.lua -x
usage_case "unexpected argument 'y.lua'" run x.lua y.lua
usage_case "unknown option '--lang'" run x.lua --lang fr
[[ ! -e "$work/g0" ]]; ok $? "nothing generated after a refused option"
run "$SEGMINT" generate --customers 50 --days 30 --start 2024-02-01 --seed 3 --out "$work/g30" --quiet
is "$code" 0 "generate --days 30 --start 2024-02-01: exit 0"
span=$(awk -F, 'NR > 1 { d = substr($2, 1, 10); if (!lo || d < lo) lo = d; if (d > hi) hi = d } END { print lo, hi }' \
  "$work/g30/transactions.csv")
like "$span" "^2024-02-0[1-9] 2024-0(2-[12][0-9]|3-01)$" "every transaction within the 30 days from 2024-02-01 ($span)"

# Libraries planted in the working directory are not loaded: neither one
# the binary needs (libcsv) nor XGBoost, which `version` opens by name.
# (The run path CMake derived from MPI's link directory once ended in an
# empty entry, which means the current directory.)
if command -v cc >/dev/null; then
  mkdir -p "$work/planted"
  printf '%s\n' '#include <stdio.h>' \
    'static void planted(void) __attribute__((constructor));' \
    'static void planted(void) { FILE *f = fopen("PLANTED", "w"); if (f) fclose(f); }' > "$work/planted.c"
  for lib in libcsv.so.3 libxgboost.so.0 libxgboost.so; do
    cc -shared -fPIC -o "$work/planted/$lib" "$work/planted.c"
  done
  code=0
  (cd "$work/planted" && "$SEGMINT" version > "$work/planted.out" 2>&1) || code=$?
  is "$code" 0 "version run in a folder holding planted libraries: exit 0"
  [[ ! -e "$work/planted/PLANTED" ]]; ok $? "... none of them was loaded"
  like "$(cat "$work/planted.out")" "XGBoost [0-9]" "... XGBoost is the system's ($(cat "$work/planted.out"))"
  runpath=$(readelf -d "$SEGMINT" 2>/dev/null | grep -cE 'RUNPATH|RPATH')
  is "$runpath" 0 "segmint carries no run path"
else
  for k in 1 2 3 4; do echo "ok $((tap_n += 1)) # skip no C compiler to build the planted libraries"; done
fi

done_testing
