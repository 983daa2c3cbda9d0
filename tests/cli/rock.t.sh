#!/usr/bin/env bash
# LuaRocks: `luarocks make` with the project's rockspec builds segmint.so for the
# stock Lua 5.4 and installs it, the host and the Lua files into a tree; a small
# recipe then runs with lua5.4 from that tree alone.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
command -v lua5.4 >/dev/null || { echo "1..0 # SKIP lua5.4 not installed"; exit 0; }
command -v luarocks >/dev/null || { echo "1..0 # SKIP luarocks not installed"; exit 0; }
if [[ "${SG_ASAN:-0}" == 1 ]]; then echo "1..0 # SKIP the sanitizer runtime cannot be preloaded into stock lua5.4"; exit 0; fi

spec=$(cd "$SG_ROOT" && ls segmint-*.rockspec)
# every library file is listed in the rockspec
missing=""
for f in "$SG_ROOT"/lua/segmint/*.lua; do
  n=$(basename "$f" .lua)
  grep -q "\[\"segmint\.$n\"\] = \"lua/segmint/$n\.lua\"" "$SG_ROOT/$spec" || missing="$missing $n"
done
is "$missing" "" "the rockspec lists every lua/segmint/*.lua"

# a copy of the sources (the rock builds in its own folder, never in the work tree)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
(cd "$SG_ROOT" && tar -cf - CMakeLists.txt cmake core lua recipes tests/tap tests/fuzz "$spec") | tar -xf - -C "$work/src"
run bash -c "cd '$work/src' && luarocks --lua-version 5.4 --tree '$work/tree' make '$spec'"
is "$code" 0 "luarocks make: exit 0"
[[ "$code" == 0 ]] || sed "s/^/# /" <<<"$out$err" | tail -20
for f in lib/lua/5.4/segmint.so bin/segmint share/lua/5.4/segmint/init.lua share/lua/5.4/segmint/sandbox.lua; do
  [[ -e "$work/tree/$f" ]]; ok $? "installed $f"
done
run luarocks --lua-version 5.4 --tree "$work/tree" list --porcelain
like "$out" "^segmint	0\.1\.0-1	installed" "luarocks lists the rock"

# a small recipe with stock lua5.4 and the tree's paths only (the Lua files are on
# LUA_PATH too: require "segmint" must still give the module)
cat > "$work/recipe.lua" <<'LUA'
local sg = require "segmint"
local tx = sg.dataset { { "customer", { "a", "a", "b", "c", "c", "c" } },
                        { "amount", { 10, 20, 5, 1, 2, 3 } } }
local per = tx:group_by("customer", { { "spend", "sum", "amount" }, { "n", "count" } }):sort("customer")
for _, row in per:rows() do io.write(row.customer, "=", row.spend, "/", row.n, " ") end
print(sg.unit_days("weeks"))
LUA
run env LUA_PATH="$work/tree/share/lua/5.4/?.lua;$work/tree/share/lua/5.4/?/init.lua" \
  LUA_CPATH="$work/tree/lib/lua/5.4/?.so" lua5.4 "$work/recipe.lua"
is "$code" 0 "the recipe runs with lua5.4 from the tree: exit 0"
is "$out" "a=30/2 b=5/1 c=6/3 7.0" "per-customer sums and counts from the installed module"
[[ "$code" == 0 ]] || sed "s/^/# /" <<<"$err"

done_testing
