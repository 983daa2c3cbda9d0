#!/usr/bin/env bash
# Stock lua5.4 loads the module with require "segmint".
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
command -v lua5.4 >/dev/null || { echo "1..0 # SKIP lua5.4 not installed"; exit 0; }
if [[ "${SG_ASAN:-0}" == 1 ]]; then echo "1..0 # SKIP the sanitizer runtime cannot be preloaded into stock lua5.4"; exit 0; fi

run env LUA_CPATH="$SG_BUILD/?.so" lua5.4 -e '
local sg = require "segmint"
local d = sg.dataset{ {"k", {"a", "b", "a"}}, {"v", {1, 2, 3}} }
local g = d:group_by("k", { s = {"sum", "v"} })
print(sg.version, tostring(d), g:get(1, "s"), g:get(2, "s"))'
is "$code" 0 "lua5.4 require segmint: exit 0"
like "$out" "^[0-9]+\.[0-9]+\.[0-9]+	dataset\(3 rows x 2 columns\)	4	2$" "the module works in stock Lua"

run env LUA_CPATH="$SG_BUILD/?.so" lua5.4 -e 'local sg = require "segmint"; print(sg.read_csv("/nonexistent.csv"))'
like "$out" "^nil	.*nonexistent\.csv" "read_csv returns nil, message in stock Lua"

# cmake --install puts the binary, the module and the Lua files in place
inst=$(mktemp -d)
trap 'rm -rf "$inst"' EXIT
cmake --install "$SG_BUILD" --prefix "$inst" >/dev/null
for f in bin/segmint lib/lua/5.4/segmint.so share/lua/5.4/segmint/init.lua share/lua/5.4/segmint/sandbox.lua share/segmint/recipes/demo.lua share/segmint/recipes/rules/segments.lua share/segmint/recipes/fr/segments.lua; do
  [[ -f "$inst/$f" ]]; ok $? "installed $f"
done
run env LUA_CPATH="$inst/lib/lua/5.4/?.so" lua5.4 -e 'print(#require("segmint").dataset{ {"a", {1, 2, 3}} })'
is "$out" "3" "the installed module loads in stock lua5.4"

done_testing
