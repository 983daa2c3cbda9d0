#!/usr/bin/env bash
# SQL inputs end to end: the same transactions from a CSV file, an SQLite
# file and a PostgreSQL server this test starts itself (initdb into a
# temporary folder, a Unix socket there, stopped by a trap) give the same
# dataset, RFM, segments and campaigns, byte for byte; PostgreSQL types,
# parameters and max_rows; errors (bad SQL, writes, wrong password,
# unreachable server) exit 3 with the server's message and no password.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
pg=""
pg_stop=""
cleanup() {
  if [[ -n "$pg_stop" ]]; then eval "$pg_stop" >/dev/null 2>&1; fi
  rm -rf "$work"
  [[ -n "$pg" ]] && rm -rf "$pg"
}
trap cleanup EXIT
skip() {   # skip COUNT REASON: visible TAP skips
  local i
  for ((i = 0; i < $1; i++)); do tap_n=$((tap_n + 1)); echo "ok $tap_n # skip $2"; done
}

"$SEGMINT" generate --customers 150 --seed 7 --out "$work/data" --quiet
csv="$work/data/transactions.csv"

# the recipe: load from the source, then clean, RFM, segments, campaigns
mkdir -p "$work/recipe/rules"
cp "$SG_ROOT/recipes/rules/segments.lua" "$work/recipe/rules/"
cp "$SG_ROOT/recipes/en/segments.lua" "$work/recipe/rules/segment_names.lua"
cat > "$work/recipe/rules/campaigns.lua" <<'EOF'
return {
  { name = "VIP programme", target = { segments = { "Champions", "Loyal Customers" } },
    cost_per_contact = 2, conversion_rate = 0.3, budget = 40, rank_by = "monetary" },
  { name = "Welcome Back", target = { recency_days = "> 90" }, cost_per_contact = 0.5, discount = 0.2,
    conversion_rate = 0.08 },
}
EOF
cat > "$work/recipe/pipeline.lua" <<'EOF'
local sg = require "segmint"
local tx
if params.db then
  tx = assert(sg.read_sql { db = params.db, query = params.query })
else
  tx = assert(sg.read_csv(params.file, { types = { invoice = "string", customer_id = "string", product_id = "string" } }))
end
local types = tx:types()
local names = tx:columns()
for i, n in ipairs(names) do names[i] = n .. ":" .. types[n] end
print(table.concat(names, " "))
tx:write_csv(out .. "/raw.csv")
local clean = sg.clean(tx, { customer = "customer_id", invoice = "invoice", quantity = "quantity", price = "price",
  date = "date", item = "product_id" })
local rfm = sg.rfm(clean, { customer = "customer_id", date = "date", invoice = "invoice", amount = "amount",
  as_of = "2025-01-01" })
local segs = sg.segments(sg.label_rules(require "rules.segments", require "rules.segment_names"))
local customers = segs:assign(rfm)
local plan, targets, with = sg.campaigns(require "rules.campaigns"):plan(customers, { segments = segs })
with:write_csv(out .. "/customers.csv")
plan:write_csv(out .. "/plan.csv")
targets:write_csv(out .. "/targets.csv")
EOF

run "$SEGMINT" run "$work/recipe/pipeline.lua" --out "$work/csv" --set file="$csv" --quiet
is "$code" 0 "pipeline from CSV: exit 0"
csv_types=$out
is "$csv_types" "invoice:string date:datetime customer_id:string product_id:string quantity:int64 price:double" \
  "CSV column types"

compare() {   # compare DIR LABEL: the outputs are the CSV run's, byte for byte
  local f
  for f in raw.csv customers.csv plan.csv targets.csv; do
    cmp -s "$work/csv/$f" "$1/$f"; ok $? "$2: $f identical to the CSV run's"
  done
}

# ---- SQLite ----
if command -v sqlite3 >/dev/null; then
  db="$work/shop.db"
  sqlite3 "$db" "CREATE TABLE tx (invoice TEXT, date TIMESTAMP, customer_id TEXT, product_id TEXT, quantity INTEGER, price REAL);"
  sqlite3 "$db" ".import --csv --skip 1 $csv tx"
  run "$SEGMINT" run "$work/recipe/pipeline.lua" --out "$work/sqlite" --quiet --set db="sqlite:$db" \
    --set query="SELECT invoice, date, customer_id, product_id, quantity, price FROM tx ORDER BY rowid"
  is "$code" 0 "pipeline from SQLite: exit 0"
  is "$out" "$csv_types" "SQLite column types from the declared types"
  compare "$work/sqlite" "SQLite"
  run "$SEGMINT" run "$work/recipe/pipeline.lua" --out "$work/sqlite_bad" --quiet --set db="sqlite:$db" \
    --set query="SELECT * FROM nope"
  is "$code" 3 "SQLite: bad SQL exits 3"
  like "$err" "sqlite:$db: no such table: nope" "SQLite's message"
  # the default analysis reads its transactions from the database as well
  export SOURCE_DATE_EPOCH=1764547200
  run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/demo_csv" --set data="$work/data" --quiet
  is "$code" 0 "default analysis from the CSV file: exit 0"
  run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/demo_sql" --set data="$work/data" --quiet \
    --set db="sqlite:$db" --set query="SELECT * FROM tx ORDER BY rowid"
  is "$code" 0 "default analysis from SQLite: exit 0"
  for f in customers.csv segments.csv campaigns.csv campaign_targets.csv kpis.csv summary.md; do
    cmp -s "$work/demo_csv/$f" "$work/demo_sql/$f"; ok $? "default analysis from SQLite: $f identical to the CSV run's"
  done
  like "$(cat "$work/demo_sql/manifest.json")" "\"query\":[[:space:]]*\"sqlite:$db: SELECT \* FROM tx ORDER BY rowid\"" \
    "the manifest records the database and the query"
  # every input of the analysis from the database: customers, products and past campaigns too
  sqlite3 "$db" "CREATE TABLE customers (customer_id TEXT, signup_date DATE, country TEXT, age_band TEXT, channel TEXT);
    CREATE TABLE products (product_id TEXT, name TEXT, category TEXT, price REAL);
    CREATE TABLE campaign_history (campaign TEXT, channel TEXT, target_segment TEXT, date DATE, impressions INTEGER,
      clicks INTEGER, conversions INTEGER, spend REAL, revenue REAL);
    CREATE TABLE campaign_assignments (campaign TEXT, customer_id TEXT, segment TEXT, \"group\" TEXT, start DATE,
      window_days INTEGER);"
  for t in customers products campaign_history campaign_assignments; do
    sqlite3 "$db" ".import --csv --skip 1 $work/data/$t.csv $t"
  done
  cat > "$work/alldb.lua" <<LUA
local sg = require "segmint"
local db = "sqlite:$db"
local function q(sql) return { db = db, query = sql } end
sg.analysis {
  transactions = q "SELECT * FROM tx ORDER BY rowid",
  columns = { customer = "customer_id", invoice = "invoice", date = "date", quantity = "quantity", price = "price",
              item = "product_id" },
  currency = "GBP", periods = require "rules.periods",
  clean = { cancellations = "net", cancel_prefix = "C", returns = "drop" },
  segments = { rules = require "rules.segments", labels = require "en.segments" },
  campaigns = { rules = require "rules.campaigns", labels = require "en.campaigns" },
  alerts = require "rules.alerts",
  campaign_history = { performance = q "SELECT * FROM campaign_history", tests = q "SELECT * FROM campaign_assignments" },
  models = { customers = q "SELECT * FROM customers", categorical = { "country", "channel", "age_band" },
             products = q "SELECT * FROM products", category = "category", features = require "en.features" },
  template = require "en.summary", report = false, workbook = false, history = false,
  out = out, seed = seed,
}
LUA
  cp -r "$SG_ROOT/recipes/rules" "$SG_ROOT/recipes/en" "$work/"
  run "$SEGMINT" run "$work/alldb.lua" --out "$work/alldb" --quiet
  is "$code" 0 "the default analysis with every input from SQLite: exit 0"
  like "$(cat "$work/alldb/summary.md")" "Past campaigns" "past campaigns read from the database"
  like "$(head -1 "$work/alldb/customers.csv")" "churn_probability" "customer attributes from the database feed the models"
  is "$(grep -c "sqlite:$db: SELECT" "$work/alldb/manifest.json")" 5 "the manifest records the five queries"
  run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/demo_sql_bad" --set data="$work/data" --quiet \
    --set db="sqlite:$db" --set query="SELECT * FROM nope"
  is "$code" 3 "default analysis, bad SQL: exit 3"
  like "$err" "no such table: nope" "default analysis, bad SQL: SQLite's message"
else
  skip 23 "the sqlite3 command is not installed (scripts/deps --tests installs it)"
fi

# ---- PostgreSQL ----
pgbin=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/psql" ]] && { pgbin=$d; break; }
done
as_pg=()
if [[ -n "$pgbin" && $(id -u) -eq 0 ]]; then
  if id postgres >/dev/null 2>&1 && command -v runuser >/dev/null; then
    as_pg=(runuser -u postgres --)
  else
    pgbin=""   # root without a postgres user: the server refuses to run as root
  fi
fi
pg_checks=25
if [[ -z "$pgbin" ]]; then
  skip $pg_checks "PostgreSQL (initdb, pg_ctl, psql) is not installed"
else
  pg=$(mktemp -d)   # its own folder: the server's user must be able to enter it
  pw="s3cret-$RANDOM-pw"
  printf '%s\n' "$pw" > "$pg/pwfile"
  [[ ${#as_pg[@]} -gt 0 ]] && chown -R postgres "$pg"
  "${as_pg[@]}" "$pgbin/initdb" -D "$pg/data" -U segmint --pwfile="$pg/pwfile" -A scram-sha-256 \
    --no-sync --no-instructions >"$work/initdb.log" 2>&1
  ok $? "initdb into a temporary folder" || sed 's/^/# /' "$work/initdb.log"
  pg_stop="${as_pg[*]} '$pgbin/pg_ctl' -D '$pg/data' -m immediate -w stop"
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 30 \
    -o "-k $pg -c listen_addresses='' -c fsync=off -c shared_buffers=16MB" start >/dev/null 2>&1
  ok $? "server started on a Unix socket in that folder" || sed 's/^/# /' "$pg/log"
  conn="host=$pg user=segmint password=$pw dbname=postgres"
  export PGPASSWORD=$pw
  "$pgbin/psql" -q -h "$pg" -U segmint -d postgres -v ON_ERROR_STOP=1 >"$work/psql.log" 2>&1 <<EOF
CREATE TABLE tx (id bigserial PRIMARY KEY, invoice text, date timestamp, customer_id text, product_id text,
                 quantity integer, price double precision);
\copy tx (invoice, date, customer_id, product_id, quantity, price) FROM '$csv' WITH (FORMAT csv, HEADER true)
EOF
  ok $? "transactions loaded with psql" || sed 's/^/# /' "$work/psql.log"
  unset PGPASSWORD
  run "$SEGMINT" run "$work/recipe/pipeline.lua" --out "$work/pg_out" --quiet --set db="$conn" \
    --set query="SELECT invoice, date, customer_id, product_id, quantity, price FROM tx ORDER BY id"
  is "$code" 0 "pipeline from PostgreSQL: exit 0"
  [[ $code -ne 0 ]] && echo "# $err"
  is "$out" "$csv_types" "PostgreSQL column types from the server's types"
  compare "$work/pg_out" "PostgreSQL"

  cat > "$work/types.lua" <<'EOF'
local sg = require "segmint"
local d = assert(sg.read_sql { db = params.db, query = [[
  SELECT 1::int2 AS i2, 2::int8 AS i8, 2.5::float8 AS d, 1.25::numeric AS n, true AS b, date '2021-01-02' AS dd,
         timestamptz '2021-01-02 10:00:00+02' AS tz, 'x'::varchar AS s, NULL::int AS ni, '{"a": 1}'::json AS j]] })
local ty = d:types()
local parts = {}
for _, c in ipairs(d:columns()) do parts[#parts + 1] = c .. ":" .. ty[c] .. "=" .. tostring(d:get(1, c)) end
print(table.concat(parts, " "))
local p = assert(sg.read_sql { db = params.db, query = "SELECT $1::int + 1 AS v, $2::text AS t, $3::int IS NULL AS nul",
  params = { 41, "hi", n = 3 } })
print(p:get(1, "v"), p:get(1, "t"), p:get(1, "nul"))
local big = assert(sg.read_sql { db = params.db, query = "SELECT g FROM generate_series(1, 1000000) g", max_rows = 10 })
print(#big, big:get(10, "g"))
local empty = assert(sg.read_sql { db = params.db, query = "SELECT quantity, date FROM tx WHERE false" })
print(#empty, empty:types().quantity, empty:types().date)
print(sg.mask_secret(params.db))
EOF
  run "$SEGMINT" run "$work/types.lua" --out "$work/types" --quiet --set db="$conn"
  is "$code" 0 "type checks: exit 0"
  [[ $code -ne 0 ]] && echo "# $err"
  is "$(sed -n 1p <<< "$out")" \
    "i2:int64=1 i8:int64=2 d:double=2.5 n:double=1.25 b:bool=true dd:date=2021-01-02 tz:datetime=2021-01-02 08:00:00 s:string=x ni:int64=nil j:string={\"a\": 1}" \
    "PostgreSQL types: integers, floats, numeric, bool, date, timestamptz in UTC, text, NULL, others as text"
  is "$(sed -n 2p <<< "$out")" "$(printf '42\thi\ttrue')" "parameters \$1, \$2 and a NULL"
  is "$(sed -n 3p <<< "$out")" "$(printf '10\t10')" "max_rows stops a long result early"
  is "$(sed -n 4p <<< "$out")" "$(printf '0\tint64\tdatetime')" "an empty result keeps its types"
  is "$(sed -n 5p <<< "$out")" "host=$pg user=segmint password=**** dbname=postgres" "mask_secret"

  printf 'local sg = require "segmint"\nassert(sg.read_sql { db = params.db, query = params.query })\n' > "$work/q.lua"
  run "$SEGMINT" run "$work/q.lua" --out "$work/q1" --quiet --set db="$conn" --set query="SELECT * FROM nope"
  is "$code" 3 "bad SQL: exit 3"
  like "$err" "ERROR: relation \"nope\" does not exist \(at character 15\)" "the server's message"
  run "$SEGMINT" run "$work/q.lua" --out "$work/q2" --quiet --set db="$conn" --set query="DELETE FROM tx"
  is "$code" 3 "a write: exit 3"
  like "$err" "cannot execute DELETE in a read-only transaction" "sessions are read-only"
  run "$SEGMINT" run "$work/q.lua" --out "$work/q3" --quiet --set db="host=$pg user=segmint password=wrong-$pw dbname=postgres" \
    --set query="SELECT 1"
  is "$code" 3 "wrong password: exit 3"
  like "$err" "password authentication failed for user \"segmint\"" "authentication failure named"
  unlike "$err" "$pw" "no password in the message"
  run "$SEGMINT" run "$work/q.lua" --out "$work/q4" --quiet --set db="postgresql://segmint:$pw@localhost:1/postgres?connect_timeout=3" \
    --set query="SELECT 1"
  is "$code" 3 "unreachable server: exit 3"
  like "$err" "postgresql 'postgresql://segmint:\*\*\*\*@localhost:1/postgres\?connect_timeout=3': cannot connect: " \
    "the masked connection and libpq's reason"
  unlike "$err" "$pw" "no password in that message either"
fi

# libpq is opened on the first PostgreSQL query, from the system's library path
if command -v ldd >/dev/null; then
  ldd "$SEGMINT" | grep -q 'libpq\.so'
  is "$?" 1 "segmint does not link libpq: it opens it on the first PostgreSQL query"
else
  skip 1 "no ldd"
fi
if command -v cc >/dev/null; then
  mkdir -p "$work/planted"
  printf '%s\n' '#include <stdio.h>' \
    'static void planted(void) __attribute__((constructor));' \
    'static void planted(void) { FILE *f = fopen("PLANTED", "w"); if (f) fclose(f); }' > "$work/planted.c"
  cc -shared -fPIC -o "$work/planted/libpq.so.5" "$work/planted.c"
  printf 'local sg = require "segmint"\nassert(sg.read_sql { db = params.db, query = "SELECT 1" })\n' > "$work/planted/q.lua"
  code=0
  (cd "$work/planted" && "$SEGMINT" run q.lua --out out --quiet \
    --set db="postgresql://nobody@localhost:1/postgres?connect_timeout=3" > out.txt 2> err.txt) || code=$?
  is "$code" 3 "a PostgreSQL read from a folder holding a planted libpq.so.5: exit 3 (no server)"
  like "$(cat "$work/planted/err.txt")" "cannot connect: " "... the system's libpq tried to connect"
  [[ ! -e "$work/planted/PLANTED" ]]; ok $? "... the planted library was not loaded"
else
  skip 3 "no C compiler to build the planted library"
fi
done_testing
