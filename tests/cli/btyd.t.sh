#!/usr/bin/env bash
# BTYD failures as a scheduler sees them: fits that cannot be trusted and bad
# data exit 3 with a message naming the model, the parameter or the row and
# what to do; a misspelt option is a recipe error (exit 1) listing the known
# options; no output file is left behind.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

recipe() {  # recipe NAME BODY: a recipe that builds `d` from the Lua table literal in BODY
  printf 'local sg = require "segmint"\n%s\n' "$2" > "$work/$1.lua"
}

# MBG/NBD on a single customer: r runs off
recipe one 'local d = sg.dataset { { "x", { 3 }, "int64" }, { "t_x", { 20 }, "double" }, { "T", { 30 }, "double" } }
local f = sg.btyd_fit("mbgnbd", d)
d:write_csv(out .. "/never.csv")'
run "$SEGMINT" run "$work/one.lua" --out "$work/o1"
is "$code" 3 "MBG/NBD on one customer: exit 3"
like "$err" "mbgnbd fit: parameter r ran off to .* \(allowed 1e-06 to 1e\+06\)" "names the model, the parameter and the bound"
like "$err" "use more data, a penalizer" "says what to do"
ok "$([[ ! -e "$work/o1/never.csv" ]]; echo $?)" "no output written"

# Gamma-Gamma with the same spend for every repeat buyer
recipe equal 'local d = sg.dataset { { "x", { 1, 2, 3, 4, 5, 2 }, "int64" }, { "mean_spend", { 20, 20, 20, 20, 20, 20 }, "double" } }
sg.btyd_fit("gamma_gamma", d)'
run "$SEGMINT" run "$work/equal.lua" --out "$work/o2"
is "$code" 3 "Gamma-Gamma with equal spend: exit 3"
like "$err" "gamma_gamma: all 6 repeat buyers have the same mean spend" "says why"

# every customer buys every period with (almost) the same spend: the spend
# density collapses onto the data
recipe every 'local xs, ms = {}, {}
for i = 1, 40 do xs[i], ms[i] = 26, 30 + (i % 2) * 1e-7 end
local d = sg.dataset { { "x", xs, "int64" }, { "mean_spend", ms, "double" } }
sg.btyd_fit("gamma_gamma", d)'
run "$SEGMINT" run "$work/every.lua" --out "$work/o3"
is "$code" 3 "Gamma-Gamma on 'every customer buys every period': exit 3"
like "$err" "gamma_gamma: (parameter [pq] ran off|the Hessian .* is not positive definite)" "names the parameter"

# a missing value is bad data (3), not a recipe error (1)
recipe missing 'local d = sg.dataset { { "x", { 1, 2 }, "int64" }, { "t_x", { 1, nil, n = 2 }, "double" }, { "T", { 3, 4 }, "double" } }
sg.btyd_fit("bgnbd", d)'
run "$SEGMINT" run "$work/missing.lua" --out "$work/o4"
is "$code" 3 "missing t_x: exit 3"
like "$err" "column 't_x' \(first to last purchase\) has a missing value on row 2" "names the column and the row (from 1)"

# an impossible history is bad data too
recipe negT 'local d = sg.dataset { { "x", { 1 }, "int64" }, { "t_x", { 0 }, "double" }, { "T", { -2 }, "double" } }
sg.btyd_fit("bgnbd", d)'
run "$SEGMINT" run "$work/negT.lua" --out "$work/o5"
is "$code" 3 "negative T: exit 3"
like "$err" "row 1 .*T \(first purchase to the end of calibration\) must be >= 0" "negative T has its own message"

# a misspelt option: the recipe is wrong (exit 1), the known options are listed
recipe typo 'local d = sg.dataset { { "x", { 1, 0 }, "int64" }, { "t_x", { 1, 0 }, "double" }, { "T", { 3, 4 }, "double" } }
sg.btyd_fit("bgnbd", d, { max_iters = 10 })'
run "$SEGMINT" run "$work/typo.lua" --out "$work/o6"
is "$code" 1 "unknown option: exit 1"
like "$err" "unknown option 'max_iters' \(known: penalizer, x, t_x, T, m, weights, start, max_iter, tolerance, threads\)" "lists the known options"
done_testing
