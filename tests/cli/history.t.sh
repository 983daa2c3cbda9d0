#!/usr/bin/env bash
# The run history from the command line: two processes appending at once
# (every run complete, the file intact), `segmint history` listing runs,
# KPI trends, segment changes and main moves, one KPI with --kpi, its exit
# codes, and `segmint check` linting rules/kpis.lua.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- two writers at once ----
mkdir -p "$work/shared"
# each process appends 4 runs of 5,000 customers (run ids interleave)
cat > "$work/writer.lua" <<'EOF'
local sg = require "segmint"
local n = 5000
local ids, segs, clv = {}, {}, {}
for i = 1, n do
  ids[i] = string.format("%s%05d", params.tag, i)
  segs[i] = (i % 3 == 0) and "Champions" or "At Risk"
  clv[i] = i * 0.5
end
local customers = sg.dataset { { "customer", ids }, { "segment", segs }, { "clv_12m", clv } }
for r = 1, 4 do
  local h = assert(sg.history_open(history, { write = true }))
  h:append { label = params.tag .. r, customers = customers,
             kpis = { { name = "Customers", unit = "count", value = n + 0.0 } } }
  h:close()
end
EOF
# two runs with their own --out share one history file (--history): SQLite's
# transactions and busy timeout keep every run whole
"$SEGMINT" run "$work/writer.lua" --out "$work/out_a" --history "$work/shared/history.sqlite" --set tag=a --quiet 2>"$work/a.err" &
pa=$!
"$SEGMINT" run "$work/writer.lua" --out "$work/out_b" --history "$work/shared/history.sqlite" --set tag=b --quiet 2>"$work/b.err" &
pb=$!
wait $pa; ca=$?
wait $pb; cb=$?
is "$ca" 0 "first writer: exit 0"
[[ $ca -ne 0 ]] && sed 's/^/# /' "$work/a.err"
is "$cb" 0 "second writer: exit 0"
[[ $cb -ne 0 ]] && sed 's/^/# /' "$work/b.err"
cat > "$work/inspect.lua" <<'EOF'
local sg = require "segmint"
local db = "sqlite:" .. params.file
local ic = assert(sg.read_sql { db = db, query = "PRAGMA integrity_check" })
print(ic:get(1, "integrity_check"))
local per = assert(sg.read_sql { db = db, query = [[
  SELECT r.label, count(c.customer) AS n, min(c.customer) AS lo, max(c.customer) AS hi
  FROM runs r LEFT JOIN run_customers c ON c.run_id = r.id GROUP BY r.id ORDER BY r.label]] })
for _, r in per:rows() do print(r.label, r.n, r.lo, r.hi) end
local ids = assert(sg.read_sql { db = db, query = "SELECT count(DISTINCT id) AS n, max(id) AS m FROM runs" })
print(ids:get(1, "n"), ids:get(1, "m"))
EOF
run "$SEGMINT" run "$work/inspect.lua" --out "$work/inspect" --set file="$work/shared/history.sqlite" --quiet
is "$(sed -n 1p <<< "$out")" "ok" "the file passes SQLite's integrity check"
expected=""
for tag in a b; do
  for r in 1 2 3 4; do expected+=$(printf '%s%d\t5000\t%s00001\t%s05000' "$tag" "$r" "$tag" "$tag")$'\n'; done
done
is "$(sed -n 2,9p <<< "$out")" "${expected%$'\n'}" "all eight runs complete, each with its own 5,000 customers"
is "$(sed -n 10p <<< "$out")" "$(printf '8\t8')" "run ids 1 to 8, none lost or reused"

# a writer started while another holds the write lock waits for it (busy
# timeout) instead of failing: the sqlite3 shell takes the lock, records a
# run of its own, and commits half a second after segmint was started
if command -v sqlite3 >/dev/null; then
  mkfifo "$work/lock.fifo"
  sqlite3 "$work/shared/history.sqlite" < "$work/lock.fifo" > "$work/lock.out" 2>&1 &
  plock=$!
  exec 7>"$work/lock.fifo"
  printf '%s\n' "BEGIN IMMEDIATE;" \
    "INSERT INTO runs (run_time, label, customers) VALUES ('2025-01-01 00:00:00', 'holder', 0);" \
    ".print locked" >&7
  for _ in $(seq 1 300); do grep -q locked "$work/lock.out" && break; sleep 0.1; done
  grep -q locked "$work/lock.out"; ok $? "the sqlite3 shell holds the write lock"
  printf 'local sg = require "segmint"\nlocal h = assert(sg.history_open(history, { write = true }))\nh:append { label = "waiter" }\n' > "$work/waiter.lua"
  "$SEGMINT" run "$work/waiter.lua" --out "$work/out_w" --history "$work/shared/history.sqlite" --quiet 2>"$work/w.err" &
  pw=$!
  sleep 0.5
  printf '%s\n' "COMMIT;" >&7
  exec 7>&-
  wait $plock
  wait $pw; cw=$?
  is "$cw" 0 "a writer blocked by the lock succeeds once it is released"
  [[ $cw -ne 0 ]] && sed 's/^/# /' "$work/w.err"
  is "$(sqlite3 "$work/shared/history.sqlite" "SELECT group_concat(label, ' ') FROM (SELECT label FROM runs WHERE id > 8 ORDER BY id)")" \
    "holder waiter" "and writes after the transaction that held it"
else
  for i in 1 2 3; do tap_n=$((tap_n + 1)); echo "ok $tap_n # skip the sqlite3 command is not installed"; done
fi

# ---- segmint history ----
cat > "$work/months.lua" <<'EOF'
local sg = require "segmint"
local h = assert(sg.history_open(out .. "/history.sqlite", { write = true }))
local function customers(segs)
  local ids, s = {}, {}
  for id, seg in pairs(segs) do ids[#ids + 1] = id end
  table.sort(ids)
  for i, id in ipairs(ids) do s[i] = segs[id] end
  return sg.dataset { { "customer", ids }, { "segment", s } }
end
local kpis = function(ret, basket)
  return { { name = "Retention rate", measure = "retention_rate", unit = "%", value = ret, target = 0.85,
             direction = "higher", status = ret >= 0.85 and "met" or "missed" },
           { name = "Average basket", measure = "average_basket", unit = "currency", value = basket,
             target = 3500.0, direction = "higher", status = basket >= 3500 and "met" or "missed" } }
end
h:append { time = "2025-10-01 06:00:00", as_of = "2025-10-01", label = "October",
  kpis = kpis(0.62, 2900.0),
  customers = customers { c1 = "Champions", c2 = "Champions", c3 = "Champions", c4 = "At Risk", c5 = "Lost" } }
h:append { time = "2025-11-01 06:00:00", as_of = "2025-11-01", label = "November",
  kpis = kpis(0.60, 2852.0),
  customers = customers { c1 = "Champions", c2 = "At Risk", c3 = "At Risk", c4 = "Lost", c6 = "New Customers" } }
EOF
run "$SEGMINT" run "$work/months.lua" --out "$work/h" --quiet
is "$code" 0 "two monthly runs recorded"
run "$SEGMINT" history --out "$work/h"
is "$code" 0 "segmint history: exit 0"
like "$out" "Run history $work/h/history.sqlite: 2 runs" "names the file and counts the runs"
like "$out" "1  2025-10-01 06:00:00  2025-10-01          5       0  October" "lists run 1"
like "$out" "Retention rate  >= 85.0%  62.0%  60.0%  -2.0 pt  missed" "a KPI trend with target, change and status"
like "$out" "Average basket +>= 3,500 +2,900 +2,852 +-48 +missed" "a currency KPI"
like "$out" "At Risk                2       1      \+1" "segment sizes against the previous run"
like "$out" "2 Champions became At Risk \(66.7% of Champions\)" "the main move in words"
like "$out" "1 new customer, 1 departed" "new and departed customers"
run "$SEGMINT" history --history "$work/h/history.sqlite" --kpi "Average basket"
is "$code" 0 "--kpi: exit 0"
like "$out" "2  2025-11-01 06:00:00  2,852  >= 3,500  missed +-48" "one KPI run by run"
run "$SEGMINT" history --out "$work/h" --kpi "Satisfaction"
is "$code" 2 "an unknown KPI: exit 2"
like "$err" "no KPI named 'Satisfaction' in .* \(known: Retention rate, Average basket\)" "names the known KPIs"
# a run in French names the same measures in French: one trend row per
# measure, under the latest run's name
cat > "$work/french.lua" <<'EOF'
local sg = require "segmint"
local h = assert(sg.history_open(history, { write = true }))
h:append { time = "2025-12-01 06:00:00", as_of = "2025-12-01", label = "Décembre",
  kpis = { { name = "Taux de rétention", measure = "retention_rate", unit = "%", value = 0.66, target = 0.85,
             direction = "higher", status = "missed" },
           { name = "Panier moyen", measure = "average_basket", unit = "currency", value = 3000.0,
             target = 3500.0, direction = "higher", status = "missed" } } }
h:close()
EOF
run "$SEGMINT" run "$work/french.lua" --out "$work/fr" --history "$work/h/history.sqlite" --quiet
is "$code" 0 "a third run, in French, recorded"
run "$SEGMINT" history --out "$work/h"
like "$out" "Taux de rétention  >= 85.0%  62.0%  60.0%  66.0%  \+6.0 pt  missed" "one trend row per measure, named as the latest run named it"
unlike "$out" "Retention rate" "no second row under the English name"
like "$out" "Panier moyen +>= 3,500 +2,900 +2,852 +3,000 +\+148 +missed" "the same for the currency KPI"
# a measure given twice in a run (two baskets with their own filters) is
# two KPIs: each keeps its own row, none is merged with the other's
cat > "$work/twice.lua" <<'EOF'
local sg = require "segmint"
local h = assert(sg.history_open(history, { write = true }))
local basket = function(name, v) return { name = name, measure = "average_basket", unit = "currency", value = v } end
h:append { time = "2025-10-01 06:00:00", kpis = { basket("Average basket", 2900.0) } }
h:append { time = "2025-11-01 06:00:00", kpis = { basket("Basket (France)", 3100.0), basket("Basket (export)", 2700.0) } }
h:close()
EOF
run "$SEGMINT" run "$work/twice.lua" --out "$work/tw" --history "$work/twice.sqlite" --quiet
is "$code" 0 "two runs, the second with one measure twice"
run "$SEGMINT" history --history "$work/twice.sqlite"
like "$out" "Average basket        -  2,900      -" "the first run's KPI keeps its row"
like "$out" "Basket \\(France\\)       -      -  3,100" "each KPI of a measure given twice has a row of its own"
like "$out" "Basket \\(export\\)       -      -  2,700" "the other one too"
run "$SEGMINT" history --out "$work/none"
is "$code" 3 "a missing history: exit 3"
like "$err" "history $work/none/history.sqlite: No such file or directory" "says so"
echo "not a database, only some text that is long enough to fill a header" > "$work/text.sqlite"
run "$SEGMINT" history --history "$work/text.sqlite"
is "$code" 3 "a file that is not a history: exit 3"
like "$err" "not an SQLite database" "says so"
run "$SEGMINT" history --frobnicate
is "$code" 2 "an unknown option: exit 2"
run "$SEGMINT" history --kpi
is "$code" 2 "an option without its value: exit 2"

# ---- segmint check lints rules/kpis.lua ----
mkdir -p "$work/recipe/rules"
echo 'return 1' > "$work/recipe/r.lua"
cat > "$work/recipe/rules/kpis.lua" <<'EOF'
return {
  { name = "Retention", measure = "retention_rate", target = 0.85 },
  { name = "Basket", measure = "average_basket", trget = 3500 },
}
EOF
run "$SEGMINT" check "$work/recipe/r.lua"
is "$code" 1 "segmint check: a KPI typo fails"
like "$out" "rules/kpis.lua:3: KPI 'Basket', unknown field 'trget' \(did you mean 'target'\?\)" "with the file, line and a hint"
done_testing
