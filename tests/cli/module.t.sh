#!/usr/bin/env bash
# Stock lua5.4 loads the module with require "segmint".
set -euo pipefail
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

done_testing
