#!/usr/bin/env bash
# The sandbox stops each escape or runaway with a clear message and a
# non-zero exit, and the host exits normally (no crash, no signal).
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out" "$work/outside"

recipe() { printf '%s\n' "$2" > "$work/$1.lua"; }
run_recipe() { run "$SEGMINT" run "$work/$1.lua" --out "$work/out" "${@:2}"; }

check_stopped() {   # name pattern description
  run_recipe "$1" "${@:4}"
  is "$code" 1 "$3: exit code 1"
  like "$err" "$2" "$3: clear message"
  like "$err" "$1\\.lua:[0-9]+" "$3: message names the recipe line"
}

recipe os_execute 'os.execute("touch '"$work"'/outside/pwned")'
check_stopped os_execute "attempt to call a nil value \\(field 'execute'\\)" "os.execute"
[[ ! -e "$work/outside/pwned" ]]; ok $? "os.execute ran nothing"

recipe io_popen 'local p = io.popen("id")'
check_stopped io_popen "attempt to call a nil value \\(field 'popen'\\)" "io.popen"

recipe write_outside 'local f = assert(io.open("'"$work"'/outside/x.txt", "w")) f:write("x") f:close()'
check_stopped write_outside "not allowed: recipes write only under the output directory" "writing outside --out"
[[ ! -e "$work/outside/x.txt" ]]; ok $? "no file written outside"

recipe write_dotdot 'local f = assert(io.open(out .. "/../outside/y.txt", "w")) f:close()'
check_stopped write_dotdot "not allowed" "escaping --out with .."

recipe csv_outside 'segmint.dataset{ {"x", {1,2}} }:write_csv("'"$work"'/outside/d.csv")'
check_stopped csv_outside "not allowed" "write_csv outside --out"

recipe bytecode 'local f, err = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "x", "b") assert(f, err)'
check_stopped bytecode "binary chunks are not allowed" "load of bytecode"

recipe dump 'local s = string.dump(function() end)'
check_stopped dump "attempt to call a nil value \\(field 'dump'\\)" "string.dump is gone"

recipe cmodule 'local m = require "socket.core"'
check_stopped cmodule "C modules are not allowed" "require of a C module"

recipe loadlib 'local f = package.loadlib("libc.so.6", "system")'
check_stopped loadlib "'package' is not available in a recipe" "package.loadlib"

recipe debuglib 'debug.sethook()'
check_stopped debuglib "'debug' is not available in a recipe" "debug library"

recipe bomb 'local s = string.rep("x", 1024 * 1024 * 1024)'
run_recipe bomb --max-memory 512
is "$code" 1 "string.rep memory bomb: exit code 1"
like "$err" "memory limit of 512 MB reached" "string.rep memory bomb: clear message"

recipe grow 'local t = {} for i = 1, 1e9 do t[i] = {i} end'
run_recipe grow --max-memory 256
is "$code" 1 "table growth beyond the cap: exit code 1"
like "$err" "memory limit of 256 MB reached" "table growth beyond the cap: clear message"

# JSON trees count against the cap (they were built outside it)
recipe jsonbomb 'local t = {} for i = 1, 24 do t = { t, t } end local s = segmint.json_encode(t)'
if [[ -x /usr/bin/time && "${SG_ASAN:-0}" != 1 ]]; then
  run /usr/bin/time -f "peak %M" "$SEGMINT" run "$work/jsonbomb.lua" --out "$work/out" --max-memory 64
  peak_kb=$(echo "$err" | sed -n 's/^peak \([0-9]*\)$/\1/p')
  ok $(( ${peak_kb:-999999} < 200000 ? 0 : 1 )) "json_encode of a 16-million-node tree stops near the cap (peak ${peak_kb:-?} KB under --max-memory 64)"
else
  run "$SEGMINT" run "$work/jsonbomb.lua" --out "$work/out" --max-memory 64
  echo "ok $((tap_n += 1)) # skip peak memory unchecked (no /usr/bin/time, or under ASan)"
fi
is "$code" 1 "json_encode beyond the cap: exit code 1"
like "$err" "memory limit of 64 MB reached \(raise it with --max-memory\)" "json_encode beyond the cap: the message names the limit and the option"

recipe loop 'while true do end'
check_stopped loop "instruction budget of 1000000 exceeded" "infinite loop" --max-instructions 1e6

recipe swallow 'while true do pcall(function() while true do end end) end'
check_stopped swallow "instruction budget of 1000000 exceeded" "pcall does not swallow the budget" --max-instructions 1e6

recipe recursion 'local function f(n) return 1 + f(n + 1) end f(1)'
check_stopped recursion "stack overflow" "deep recursion"

recipe metarec 'local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end local x = t.a'
check_stopped metarec "stack overflow" "deep recursion through metamethods"

recipe strmeta 'getmetatable("").__index = {}'
check_stopped strmeta "attempt to index a string value" "the string metatable is protected"

# an output handle's state cannot be changed by the recipe
recipe handle 'local w = assert(io.open(out .. "/h.txt", "w")) w:write("x") w.path = "'"$work"'/outside/h.txt" w.tmp = "/etc/passwd" w:close()
print(getmetatable(w))'
run_recipe handle
is "$code" 0 "tampering with a handle's fields: exit 0"
is "$out" "segmint.output_file" "the handle's metatable is locked"
[[ -f "$work/out/h.txt" && ! -e "$work/outside/h.txt" ]]; ok $? "the file still lands under --out"
rm -f "$work/out/h.txt"

# symbolic links under --out do not lead outside
ln -s "$work/outside/victim.txt" "$work/out/link.txt"
echo keep > "$work/outside/victim.txt"
recipe symlink 'local f = assert(io.open(out .. "/link.txt", "a")) f:write("pwned") f:close()'
check_stopped symlink "not allowed" "appending through a symbolic link"
is "$(cat "$work/outside/victim.txt")" "keep" "the link's target is untouched"
ln -s "$work/outside" "$work/out/dir"
recipe gendir 'segmint.generate { customers = 5, out = out .. "/dir" }'
check_stopped gendir "not allowed" "generate into a linked directory"
[[ -z "$(ls "$work/outside" | grep -v victim.txt)" ]]; ok $? "nothing generated outside"
rm -f "$work/out/link.txt" "$work/out/dir"

# the library's methods and helpers cannot be swapped for the recipe's own
recipe metalock 'print(getmetatable(segmint.dataset{ {"x", {1}} }))'
run_recipe metalock
is "$out" "segmint.dataset" "dataset metatables are locked"

# finalizers and coroutines cannot escape the instruction budget
recipe finalizer 'setmetatable({}, { __gc = function() while true do end end })'
check_stopped finalizer "__gc finalizers are not allowed" "a __gc finalizer"
recipe coro 'while true do coroutine.resume(coroutine.create(function() while true do end end)) end'
check_stopped coro "instruction budget" "coroutines do not swallow the budget" --max-instructions 1e6
recipe corowrap 'local f = coroutine.wrap(function() while true do end end) pcall(f) while true do end'
check_stopped corowrap "instruction budget" "coroutine.wrap does not swallow the budget" --max-instructions 1e6

# closing a dataset inside a per-row callback is safe
recipe closecb 'local d = segmint.dataset{ {"x", {1, 2, 3}} }
local f = d:filter(function(r) d:close() return r.x > 1 end)
print(#f)'
run_recipe closecb
is "$code" 0 "closing a dataset in its own callback: exit 0"
is "$out" "2" "closing a dataset in its own callback: the operation completes"

# a failed run leaves no half-written output
recipe half 'local f = assert(io.open(out .. "/partial.txt", "w")) f:write("half") error("boom")'
run_recipe half
is "$code" 1 "failing recipe: exit code 1"
is "$(ls -A "$work/out" | tr '\n' ' ')" ".segmint.lock FAILED " "no partial or temporary file left in --out, a FAILED note"
like "$(cat "$work/out/FAILED")" "half.lua:1: boom" "the FAILED note names the error"

# a successful run renames its outputs into place, even unclosed ones
recipe whole 'local f = assert(io.open(out .. "/a.txt", "w")) f:write("A") f:close()
local g = assert(io.open(out .. "/b.txt", "w")) g:write("B")'
run_recipe whole
is "$code" 0 "writing under --out works"
is "$(cat "$work/out/a.txt")$(cat "$work/out/b.txt")" "AB" "closed and unclosed outputs are both complete"
is "$(ls "$work/out" | tr '\n' ' ')" "a.txt b.txt " "no temporary files remain"

# rule files get no io, os, load or require
mkdir -p "$work/rules"
printf 'local g = _G\nreturn { io = rawget(g, "io"), os = rawget(g, "os"), load = rawget(g, "load"), require = rawget(g, "require"), print = rawget(g, "print"), dofile = rawget(g, "dofile") }\n' > "$work/rules/probe.lua"
recipe rules 'local r = require "rules.probe"
assert(r.io == nil and r.os == nil and r.load == nil and r.require == nil and r.print == nil and r.dofile == nil, "rule sandbox leaks")'
run_recipe rules
is "$code" 0 "rule files see no io, os, load, require, print or dofile"

done_testing
