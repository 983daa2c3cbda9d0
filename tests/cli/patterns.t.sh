#!/usr/bin/env bash
# Pattern matching under the instruction budget: the host's string.find,
# match, gmatch and gsub give the same results and errors as stock Lua 5.4
# over a fixed corpus and seeded random patterns, and a pattern that
# backtracks exponentially stops at the budget instead of running on.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
script="$SG_FIXTURES/lua/patterns.lua"

if command -v lua5.4 >/dev/null; then
  lua5.4 "$script" > "$work/stock.txt"; ok $? "stock lua5.4 ran the corpus"
  run "$SEGMINT" run "$script" --out "$work/out" --quiet
  is "$code" 0 "the host ran the corpus"
  printf '%s\n' "$out" > "$work/host.txt"
  lines=$(wc -l < "$work/stock.txt")
  ok $((lines > 10000 ? 0 : 1)) "the corpus has $lines lines of results"
  diff "$work/stock.txt" "$work/host.txt" > "$work/diff.txt"
  ok $? "same results and errors as stock Lua"
  [[ -s "$work/diff.txt" ]] && head -20 "$work/diff.txt" | sed 's/^/# /'
else
  echo "ok 1 # skip lua5.4 is not installed"; tap_n=1
fi

recipe() { printf '%s\n' "$2" > "$work/$1.lua"; }
stopped() {   # name description
  run "$SEGMINT" run "$work/$1.lua" --out "$work/out" --max-instructions 1e6
  is "$code" 1 "$2: exit code 1"
  like "$err" "instruction budget of 1000000 exceeded" "$2: the budget stops it"
}
recipe find 'print(("a"):rep(40):find(("a?"):rep(40) .. ("a"):rep(40)))'
stopped find "exponential backtracking in find"
recipe gsub 'print((("a"):rep(30) .. "b"):gsub(("a*"):rep(30) .. "c", "x"))'
stopped gsub "exponential backtracking in gsub"
recipe gmatch 'for m in (("a"):rep(30)):gmatch(("a?"):rep(30) .. ("a"):rep(30) .. "b") do print(m) end'
stopped gmatch "exponential backtracking in gmatch"
recipe caught 'for i = 1, 1e9 do pcall(string.find, ("a"):rep(40), ("a?"):rep(40) .. ("a"):rep(40)) end'
stopped caught "pcall does not swallow a budget spent in a pattern"
recipe handler 'xpcall(error, function() while true do end end)'
stopped handler "an xpcall message handler that loops"
recipe handler2 'xpcall(function() while true do end end, function() while true do end end)'
stopped handler2 "a loop with a looping message handler"
recipe handler3 'xpcall(error, function() return ("a"):rep(40):find(("a?"):rep(40) .. ("a"):rep(40)) end)'
stopped handler3 "a message handler that backtracks"

# rule files: the same limits when segmint check loads them
mkdir -p "$work/r/rules"
printf 'return {}\n' > "$work/r/recipe.lua"
printf 'xpcall(error, function() while true do end end)\nreturn {}\n' > "$work/r/rules/loop.lua"
run "$SEGMINT" check "$work/r/recipe.lua" --max-instructions 1e6
is "$code" 1 "check: a rule file with a looping handler stops"
like "$err" "instruction budget" "check: the budget names itself"
printf 'local x = ("a"):rep(40):find(("a?"):rep(40) .. ("a"):rep(40))\nreturn {}\n' > "$work/r/rules/loop.lua"
run "$SEGMINT" check "$work/r/recipe.lua" --max-instructions 1e6
is "$code" 1 "check: a backtracking pattern in a rule file stops"
like "$err" "instruction budget" "check: the budget names itself for patterns"

done_testing
