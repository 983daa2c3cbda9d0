#!/usr/bin/env bash
# The sandbox's xpcall and collectgarbage guards: xpcall works as in Lua but
# cannot swallow a spent instruction budget, even with a handler that loops;
# collectgarbage allows collect, count and step only.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

recipe() { printf '%s\n' "$2" > "$work/$1.lua"; }
run_recipe() { run "$SEGMINT" run "$work/$1.lua" --out "$work/out" --quiet "${@:2}"; }

recipe xp_ok 'local ok, v = xpcall(function(a) error("boom " .. a, 0) end, function(e) return "handled: " .. e end, 7)
print(ok, v)
print(xpcall(function(a, b) return a + b end, print, 2, 3))'
run_recipe xp_ok
is "$code" 0 "xpcall in a recipe: exit 0"
is "$out" "$(printf 'false\thandled: boom 7\ntrue\t5')" "xpcall passes arguments, calls the handler, returns results"

recipe xp_swallow 'while true do xpcall(function() while true do end end, function(e) return e end) end'
run_recipe xp_swallow --max-instructions 1e6
is "$code" 1 "xpcall does not swallow the budget: exit 1"
like "$err" "instruction budget of 1000000 exceeded" "xpcall does not swallow the budget: message"

recipe xp_handler 'xpcall(function() while true do end end, function() while true do end end)'
run_recipe xp_handler --max-instructions 1e6
is "$code" 1 "a looping message handler does not run once the budget is spent: exit 1"
like "$err" "instruction budget of 1000000 exceeded" "a looping message handler: the budget message"

recipe gc_ok 'collectgarbage() collectgarbage("collect") collectgarbage("step")
print(math.type(collectgarbage("count")))'
run_recipe gc_ok
is "$code" 0 "collectgarbage collect, step and count: exit 0"
is "$out" "float" "collectgarbage('count') gives a number"

recipe gc_stop 'local x = 1
collectgarbage("stop")'
run_recipe gc_stop
is "$code" 1 "collectgarbage('stop') refused: exit 1"
like "$err" "gc_stop\.lua:2:.*collectgarbage\('stop'\) is not allowed in recipes" "collectgarbage('stop'): message names the line"

recipe gc_gen 'collectgarbage("generational")'
run_recipe gc_gen
like "$err" "collectgarbage\('generational'\) is not allowed" "collectgarbage('generational') refused"

done_testing
