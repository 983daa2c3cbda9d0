#!/usr/bin/env bash
# Runs under mpirun (docs/mpi.md): the demo and the Online Retail recipe
# on 1, 2 and 3 ranks publish the same bytes as one
# process (every output but the manifest's time fields); a CSV whose
# quoted field holds line ends across the middle of the file reads the
# same on 2 ranks; a customer's exact duplicate and cancellations in
# another byte range than its purchases give the same cleaning on 2 and 3
# ranks; the transactions split in a list of three files give the one
# file's outputs on 1, 2 and 3 ranks; on several ranks cleaning runs on the ranks owning the customers
# (the log says how many rows each owned, and they add up to the rows
# read), and so do RFM, the BTYD fits and the BTYD summaries and
# predictions (the customers of each rank add up to those of
# customers.csv) and the co-purchase counts (their invoices add up to the
# report's orders; an invoice of several customers sends them to rank 0,
# which says why), k-means fits on every rank (their rows add up to
# the customers), the RFM score edges computed on the ranks by
# MPI_Allreduce, but for those the recipe gives, and the cross-sell
# recommendations (every rank holding customers with some, none on rank 0
# alone) and the activity series of the KPIs and alerts (the customers of
# each rank add up to those of customers.csv); a rank that cannot read its
# part, a file of its list, or sees another file,
# ends the run naming the rank, exit 3, nothing published; a rank out of
# memory in the exchange ends it naming the rank; a killed rank
# ends the job with nothing published; commands other
# than run and demo refuse several ranks.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
if ! command -v mpirun >/dev/null; then echo "1..0 # SKIP mpirun is not installed (scripts/deps installs openmpi-bin)"; exit 0; fi
# (not `ldd | grep -q` under pipefail: grep leaving at the first match can
# kill ldd with SIGPIPE, and the whole test was once skipped that way)
if [[ $(ldd "$SEGMINT" 2>/dev/null) != *libmpi* ]]; then echo "1..0 # SKIP this segmint was built without MPI (SG_MPI off)"; exit 0; fi
# Under ASan: OpenMPI's own allocations (its components, unloaded at
# MPI_Finalize, so their stacks cannot be named in a suppression file) are
# reported as leaks by every rank.  The ranks run with leak detection off
# (memory errors are still caught) on the demo with 2 ranks, the quoted
# field and the failures; tests/c/test_mpi_part.c checks the distributed
# read's code for leaks in one process.
asan=${SG_ASAN:-0}
ranks="1 2 3"
if [[ $asan == 1 ]]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
  ranks=2
  echo "# ASan pass: leak detection off in the ranks (OpenMPI's own allocations); 2 ranks only"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200
mpirun=(mpirun --oversubscribe --allow-run-as-root --mca btl self,vader)
# every job under a time limit: a launcher that hangs fails its test instead
# of holding the suite
mpi=(timeout -k 10 300 "${mpirun[@]}")
# The outputs of a run, moved aside so the next run writes the same paths.
keep() { mv "$work/out" "$work/$1"; rm -f "$work/$1/.segmint.lock"; }
# Byte-for-byte, but for the manifest's run time and duration.
same_outputs() {   # same_outputs DIR_A DIR_B NAME
  local a=$work/$1 b=$work/$2 diffs
  if [[ ! -s "$a/customers.csv" || ! -s "$b/customers.csv" ]]; then
    ok 1 "$3: both runs published their outputs"; ok 1 "$3: (nothing to compare)"; return
  fi
  diffs=$(diff -r -q -x manifest.json "$a" "$b" 2>&1)
  is "$diffs" "" "$3: every output file the same bytes as one process"
  diffs=$(diff <(grep -v -e '"duration_seconds"' -e '"started"' "$a/manifest.json") \
               <(grep -v -e '"duration_seconds"' -e '"started"' "$b/manifest.json") 2>&1)
  is "$diffs" "" "$3: the manifest too, but for the run time and duration"
}

# The rows of a CSV file (records, not lines), header excluded.
csv_rows() {
  python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"
}
# The log line of cleaning on the owning ranks: it must be there (not a
# fallback to rank 0), every rank must own rows and they add up to the
# rows read.
exchanged() {   # exchanged STDERR N ROWS NAME
  local line sum=0 some=0 r
  line=$(grep -oE "cleaned on $2 MPI ranks by customer: rows owned [^;]*" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  [[ -n "$line" && $sum -eq $3 && $some -eq $2 ]]
  ok $? "$4: cleaned by customer on the $2 ranks, rows owned add up to the $3 read (${line#*: })"
}

# Rank 0 frees its cleaned table once the owners hold its rows (the log
# line "cleaned table released on rank 0 ... hold its K rows", K the rows
# cleaning kept) and, with GATHERED (a step read the rows on rank 0), gets
# them back once ("gathered back ... K rows"); without it, never: a step
# that reads the cleaned rows on rank 0 unseen fails the test.
released() {   # released STDERR N NAME [GATHERED]
  local kept line back
  kept=$(grep -oE "cleaned: [0-9]+ of" <<< "$1" | tr -dc 0-9)
  line=$(grep -oE "cleaned table released on rank 0: the $2 MPI ranks owning the customers hold its [0-9]+ rows; [0-9]+ bytes freed" <<< "$1")
  back=$(grep -cE "cleaned table gathered back on rank 0 from $2 MPI ranks, as a step reads its rows: ${kept:-x} rows" <<< "$1")
  [[ -n "$kept" && "$line" == *" hold its $kept rows;"* && $back -eq $([[ -n "${4:-}" ]] && echo 1 || echo 0) ]]
  ok $? "$3: rank 0 released its cleaned table of $kept rows to the $2 ranks$([[ -n "${4:-}" ]] && echo ", then gathered it back once for a step on rank 0" || echo " and never gathered it back") (${line##*rows; })"
}

# Cleaning's report came from the owners' tallies, rank 0 doing no row
# work: the log line with the rows read (ROWS), the rows kept (the
# "cleaned: K of" line) and the customers kept.
tallied() {   # tallied STDERR ROWS NAME
  local kept line
  kept=$(grep -oE "cleaned: [0-9]+ of" <<< "$1" | tr -dc 0-9)
  line=$(grep -oE "cleaning report from the owners' tallies: rank 0 did no row work in cleaning \([0-9]+ rows in, [0-9]+ kept, [0-9]+ customers\)" <<< "$1")
  [[ -n "$kept" && "$line" == *"($2 rows in, $kept kept, "* ]]
  ok $? "$3: cleaning's report from the owners' tallies, no row work on rank 0 (${line#*cleaning })"
}

# The read left its rows on the ranks that read them: rank 0 merged only
# the parts' dictionaries and report (the log line says how many rows
# stay there), and never gathered them back: cleaning sends rank 0's own
# part to the owners and the other steps read the owners' cleaned rows.
read_kept() {   # read_kept STDERR N ROWS NAME
  local back
  like "$1" "rank 0 merged the parts' dictionaries and report, not their rows: $3 rows stay on the $2 ranks that read them" \
    "$4: rank 0 did not merge the rows of the read"
  # (the recipes read the invoice column as text: its strings stay on the ranks too)
  like "$1" "rows stay on the $2 ranks that read them until a step reads them \(and the strings of (invoice|InvoiceNo): rank 0 has none of them\)" \
    "$4: nor the invoice ids"
  back=$(grep -cE "read table gathered back on rank 0 from $2 MPI ranks" <<< "$1")
  is "$back" 0 "$4: the read's $3 rows never gathered back on rank 0"
}

# The log line of RFM on the owning ranks: it must be there (not a
# fallback to rank 0), every rank must have customers and they add up to
# the customers in customers.csv; the score edges of the columns COMPUTED
# (default all three) were computed on the ranks by collectives, and
# those GIVEN by the recipe are said to be.
rfm_owned() {   # rfm_owned STDERR N CUSTOMERS_CSV NAME [COMPUTED [GIVEN]]
  local line sum=0 some=0 r want edges="${5:-recency, frequency, monetary}"
  if [[ -n "${6:-}" ]]; then
    like "$1" "rfm on $2 MPI ranks by customer: customers [^;]*; [0-9]+ bytes of aggregates gathered; score edges of $edges computed on the $2 ranks by [1-9][0-9]* reductions \(MPI_Allreduce\), [1-9][0-9]* bytes per rank; score edges given: $6; " \
      "$4: the score edges of $edges computed on the $2 ranks by collectives, those of $6 given by the recipe"
  else
    like "$1" "rfm on $2 MPI ranks by customer: customers [^;]*; [0-9]+ bytes of aggregates gathered; score edges of $edges computed on the $2 ranks by [1-9][0-9]* reductions \(MPI_Allreduce\), [1-9][0-9]* bytes per rank; " \
      "$4: the score edges of $edges computed on the $2 ranks by collectives"
  fi
  want=$(csv_rows "$3")
  line=$(grep -oE "rfm on $2 MPI ranks by customer: customers [^(]*" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  line=${line% }
  [[ -n "$line" && $sum -eq $want && $some -eq $2 ]]
  ok $? "$4: RFM computed by customer on the $2 ranks, their customers add up to the $want of customers.csv (${line#*: })"
}

# The log lines of the BTYD fits on the owning ranks (the models compared
# on the holdout that could be fitted, the chosen one, then Gamma-Gamma,
# then the chosen model's holdout check when no models were compared):
# at least the final two must be there (not a fallback to rank 0), with
# MPI_Allreduce reductions, every rank holding customers; the last two's
# customers add up to the customers in customers.csv (the calibration
# fits' to those who bought before the holdout).
btyd_owned() {   # btyd_owned STDERR N CUSTOMERS_CSV NAME
  local line lines sum some r want good=0 nlines all final
  want=$(csv_rows "$3")
  lines=$(grep -oE "btyd [a-z_]+ fit on $2 MPI ranks by customer: customers [^(]*\([0-9]+ in all\); [0-9]+ reductions" <<< "$1")
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    sum=0; some=0
    for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
      sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
    done
    [[ $sum -le $want && $some -eq $2 && ! "$line" =~ " 0 reductions" ]] && good=$((good + 1))
  done <<< "$lines"
  nlines=$(grep -c . <<< "$lines")
  final=$(grep -B1 "^btyd gamma_gamma fit" <<< "$lines" | tail -2)
  all=$(grep -c "(${want} in all)" <<< "$final")
  [[ $nlines -ge 2 && $good -eq $nlines && $all -eq 2 && "$(tail -1 <<< "$final")" == "btyd gamma_gamma fit"* ]]
  ok $? "$4: the $nlines BTYD fits ran on the $2 ranks by customer, MPI_Allreduce at every evaluation, the final fits' customers add up to the $want of customers.csv ($(head -1 <<< "$final" | sed 's/ by customer//'))"
}

# The log lines of the BTYD summaries and predictions on the owning ranks:
# the final one (P(alive), expected purchases, CLV) must be there with
# every rank holding customers that add up to those of customers.csv; with
# HOLDOUT holdout predictions (of the models compared on the holdout, or
# of the chosen model's holdout check), the holdout summary and those; and no summary on rank 0 alone (a silent
# fallback fails).
btyd_predicted() {   # btyd_predicted STDERR N CUSTOMERS_CSV HOLDOUT NAME
  local line sum=0 some=0 r want nh alone
  want=$(csv_rows "$3")
  line=$(grep -oE "btyd summary \(predictions\) on $2 MPI ranks by customer: customers [^;]*; predictions p_alive, expected_purchases_[0-9]+d, clv_[0-9]+m" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  nh=$(grep -cE "btyd summary \(holdout[^)]*\) on $2 MPI ranks by customer" <<< "$1")
  alone=$(grep -c "btyd summary ([^)]*) on rank 0 alone" <<< "$1")
  [[ -n "$line" && $sum -eq $want && $some -eq $2 && $nh -eq $(($4 + 1)) && $alone -eq 0 ]]
  ok $? "$5: the BTYD summaries and predictions made on the $2 ranks by customer (holdout: $nh, none on rank 0 alone), the predictions' customers add up to the $want of customers.csv (${line#*: })"
}

# The log line of the co-purchase counts on the owning ranks: it must be
# there (not a fallback to rank 0, which says "on rank 0 alone"), every
# rank must hold invoices and they add up to the report's orders (the
# invoices of the cleaned transactions).
cooc_owned() {   # cooc_owned STDERR N OUTDIR NAME
  local line sum=0 some=0 r want alone
  want=$(grep -oE 'Orders</div><div class="kpi-value">[0-9,]+' "$3/report.html" 2>/dev/null | grep -oE '[0-9,]+$' | tr -d ,)
  line=$(grep -oE "cross_sell counts on $2 MPI ranks by customer: invoices [^(]*\([0-9]+ in all\); items [0-9]+, [0-9]+ kept; pairs [^;]*" <<< "$1")
  for r in $(grep -oE "invoices [^(]*" <<< "$line" | grep -oE "rank [0-9]+ [0-9]+" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  alone=$(grep -c "cross_sell counts on rank 0 alone" <<< "$1")
  [[ -n "$line" && -n "$want" && $sum -eq $want && $some -eq $2 && $alone -eq 0 ]]
  ok $? "$4: co-purchase counts made on the $2 ranks by customer, their invoices add up to the report's $want orders (${line#*: })"
}

# The log lines of the model features on the owning ranks: one per
# feature table (the churn model's training table, the value model's
# unless it is skipped, the scoring table at as_of), each with every rank
# holding customers; the scoring table's customers add up to those of
# customers.csv; none on rank 0 alone (a silent fallback fails).
features_owned() {   # features_owned STDERR N CUSTOMERS_CSV NAME
  local line lines sum some r want good=0 nlines nwant=2 alone scored
  want=$(csv_rows "$3")
  lines=$(grep -oE "features on $2 MPI ranks by customer: [^;]*; customers [^(]*\([0-9]+ in all\)" <<< "$1")
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    sum=0; some=0
    for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
      sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
    done
    [[ $some -eq $2 ]] && good=$((good + 1))
  done <<< "$lines"
  nlines=$(grep -c . <<< "$lines")
  # the value model's training table is built again only when its cutoff
  # or horizon differs from the churn model's
  grep -q "value model (" <<< "$1" && ! grep -q "the table already built, not asked again" <<< "$1" && nwant=3
  scored=$(grep "no labels" <<< "$lines")
  alone=$(grep -c "features on rank 0 alone" <<< "$1")
  [[ $nlines -eq $nwant && $good -eq $nlines && "$scored" == *"($want in all)" && $alone -eq 0 ]]
  ok $? "$4: the $nlines feature tables made on the $2 ranks by customer, none on rank 0 alone, the scoring table's customers add up to the $want of customers.csv (${scored#*: })"
}

# The log line of k-means on every rank: it must be there (not "on rank
# 0 alone"), the rows of the ranks add up to the customers in
# customers.csv (every customer has a row of features), a rank other than 0
# holds rows (they were scattered: with fewer chunks of 8,192 rows than
# ranks the chunks go to the last ranks), the fits reduced their chunk
# sums across the ranks, and the k-means++ seeding ran on the ranks.
clustered() {   # clustered STDERR N CUSTOMERS_CSV NAME
  local line sum=0 others=0 r want alone seeded k=0
  want=$(csv_rows "$3")
  line=$(grep -oE "clusters on $2 MPI ranks: rows [^(]*\([0-9]+ in all\); [0-9]+ bytes of rows scattered; [0-9]+ fits, [0-9]+ reductions" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $k -gt 0 ]] && others=$((others + r)); k=$((k + 1))
  done
  alone=$(grep -c "clusters on rank 0 alone" <<< "$1")
  seeded=$(grep -cE "clusters on $2 MPI ranks: .*, of which k-means\+\+ seeding on the ranks [0-9.]+\)" <<< "$1")
  [[ -n "$line" && $k -eq $2 && $sum -eq $want && $others -gt 0 && $alone -eq 0 && $seeded -eq 1 && ! "$line" =~ " 0 fits" && ! "$line" =~ " 0 reductions" ]]
  ok $? "$4: k-means on the $2 ranks, their rows add up to the $want of customers.csv (${line#*: })"
}

# The log line of the cross-sell recommendations on the owning ranks: it
# must be there with every rank holding customers with recommendations,
# adding up to the customers it counts in all, and no recommendations on
# rank 0 alone (a silent fallback fails).
recs_owned() {   # recs_owned STDERR N NAME
  local line sum=0 some=0 r all alone
  line=$(grep -oE "recommendations on $2 MPI ranks by customer: customers [^(]*\([0-9]+ in all\); [0-9]+ rows" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  all=$(grep -oE "\([0-9]+ in all\)" <<< "$line" | tr -dc 0-9)
  alone=$(grep -c "recommendations on rank 0 alone" <<< "$1")
  [[ -n "$line" && $sum -eq ${all:--1} && $some -eq $2 && ! "$line" =~ " 0 rows" && $alone -eq 0 ]]
  ok $? "$3: the recommendations made on the $2 ranks by customer, none on rank 0 alone (${line#*: })"
}

# The log lines of the activity series of steps kpis and alerts on the
# owning ranks: both must be there (not a fallback to rank 0, which says
# "activity on rank 0 alone"), each with at least one window and all of
# its windows in one OP_ACTIVITY command, every rank holding customers, and
# those of the widest window (up to as_of) adding up to the customers in
# customers.csv.
activity_owned() {   # activity_owned STDERR N CUSTOMERS_CSV NAME
  local line sum some r want good=0 alone step
  want=$(csv_rows "$3")
  for step in kpis alerts; do
    line=$(grep -oE "activity on $2 MPI ranks by customer: [1-9][0-9]* windows? in 1 command \(step $step\); customers [^(]*\([0-9]+ in all\)" <<< "$1")
    sum=0; some=0
    for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
      sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
    done
    [[ -n "$line" && $sum -eq $want && $some -eq $2 ]] && good=$((good + 1))
  done
  alone=$(grep -c "activity on rank 0 alone" <<< "$1")
  [[ $good -eq 2 && $alone -eq 0 ]]
  ok $? "$4: the activity series of the KPIs and alerts made on the $2 ranks by customer, one command per step, their customers add up to the $want of customers.csv ($(grep -oE "activity on $2 MPI ranks by customer: [^;]*\(step alerts\)" <<< "$1" | sed 's/ by customer//'))"
}

# The log line of the campaign tests' outcomes on the owning ranks: it must
# be there (not "campaign tests on rank 0 alone"), every rank holding
# target rows with purchases, adding up to the total it gives, the target
# rows sent adding up to the treatment and control customers of
# campaign_tests.csv (every counted row had its outcome from the owners),
# and the rows sent to each rank adding up to them (each row sent once).
campaign_owned() {   # campaign_owned STDERR N CAMPAIGN_TESTS_CSV NAME
  local line sum=0 some=0 r all sent want alone to tsum=0
  line=$(grep -oE "campaign tests on $2 MPI ranks by customer: target rows with purchases in their window [^(]*\([0-9]+ in all\); [0-9]+ target rows sent to their customers' ranks \([^;]*;" <<< "$1")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "${line%%in all*}" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  to=$(grep -oE "ranks \([^;]*;" <<< "$line")
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$to" | cut -d' ' -f3); do tsum=$((tsum + r)); done
  all=$(grep -oE "\([0-9]+ in all\)" <<< "$line" | tr -dc 0-9)
  sent=$(grep -oE "[0-9]+ target rows sent" <<< "$line" | tr -dc 0-9)
  want=$(python3 -c 'import csv, sys; print(sum(int(r["treatment"]) + int(r["control"]) for r in csv.DictReader(open(sys.argv[1]))))' "$3" 2>/dev/null)
  alone=$(grep -c "campaign tests on rank 0 alone" <<< "$1")
  [[ -n "$line" && $sum -eq ${all:--1} && $some -eq $2 && -n "$want" && ${sent:--1} -eq $want && $tsum -eq $want && $alone -eq 0 ]]
  ok $? "$4: the campaign tests' outcomes made on the $2 ranks by customer, none on rank 0 alone, the $want target rows counted and each sent to one rank (${line#*: })"
}

# The log lines of the group-bys reduced on rank 0 and the KPIs' first date
# (docs/mpi.md): the earliest date of step kpis from the owners' dates
# (MPI_Allreduce MIN) on every run; with ALL (Online Retail: the recipe
# takes the attributes of step models and the cross-sell item names from
# the transactions) also the attributes, every rank holding customers that
# add up to those of customers.csv, and the item names' counts, every rank
# sending pairs.  No "on rank 0 alone" for any of them: a silent fallback
# fails.
reduced_owned() {   # reduced_owned STDERR N CUSTOMERS_CSV NAME [ALL]
  local line sum some r want alone
  alone=$(grep -cE "(attributes|item names) on rank 0 alone" <<< "$1")
  line=$(grep -oE "first date on $2 MPI ranks by customer: [0-9]{4}-[0-9]{2}-[0-9]{2}[ 0-9:]*, the minimum of the owners' dates \(MPI_Allreduce MIN, [0-9]+ bytes per rank, with the series\) \(step kpis\)" <<< "$1")
  [[ -n "$line" && $alone -eq 0 ]]
  ok $? "$4: the KPIs' first date from the $2 ranks' dates, with the series (${line#*: })"
  [[ -z "${5:-}" ]] && return
  want=$(csv_rows "$3")
  line=$(grep -oE "attributes on $2 MPI ranks by customer: the first Country per customer; customers [^(]*\([0-9]+ in all\)" <<< "$1")
  sum=0; some=0
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do
    sum=$((sum + r)); [[ $r -gt 0 ]] && some=$((some + 1))
  done
  [[ -n "$line" && $sum -eq $want && $some -eq $2 ]]
  ok $? "$4: the attributes of step models taken on the $2 ranks by customer, their customers add up to the $want of customers.csv"
  line=$(grep -oE "item names on $2 MPI ranks by customer: rows per \(StockCode, Description\) counted by the owners; \(item, name\) pairs [^(]*\([0-9]+ in all, [0-9]+ after the sum\)" <<< "$1")
  some=0
  for r in $(grep -oE "rank [0-9]+ [0-9]+" <<< "$line" | cut -d' ' -f3); do [[ $r -gt 0 ]] && some=$((some + 1)); done
  [[ -n "$line" && $some -eq $2 ]]
  ok $? "$4: the cross-sell item names counted on the $2 ranks and summed on rank 0 (${line##*pairs })"
}

# ---- the demo ----
cd "$work" || exit 1
run "$SEGMINT" demo --out out --customers 1500 --seed 5
is "$code" 0 "demo on one process: exit 0"
keep single
for n in $ranks; do
  run "${mpi[@]}" -np $n "$SEGMINT" demo --out out --customers 1500 --seed 5
  is "$code" 0 "demo on $n ranks: exit 0"
  if [[ $n -gt 1 ]]; then
    like "$err" "read $work/out/data/transactions.csv on $n MPI ranks" "... the transactions were read on $n ranks"
    read_kept "$err" $n "$(csv_rows "$work/out/data/transactions.csv")" "demo, $n ranks"
    exchanged "$err" $n "$(csv_rows "$work/out/data/transactions.csv")" "demo, $n ranks"
    released "$err" $n "demo, $n ranks"
    tallied "$err" "$(csv_rows "$work/out/data/transactions.csv")" "demo, $n ranks"
  fi
  keep "m$n"
  if [[ $n -gt 1 ]]; then rfm_owned "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then btyd_owned "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then btyd_predicted "$err" $n "$work/m$n/customers.csv" 3 "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then cooc_owned "$err" $n "$work/m$n" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then features_owned "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then clustered "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then recs_owned "$err" $n "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then activity_owned "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then campaign_owned "$err" $n "$work/m$n/campaign_tests.csv" "demo, $n ranks"; fi
  if [[ $n -gt 1 ]]; then reduced_owned "$err" $n "$work/m$n/customers.csv" "demo, $n ranks"; fi
  same_outputs single "m$n" "demo, $n ranks"
done
for f in customers.csv segments.csv campaigns.csv; do
  [[ -s "$work/m2/$f" ]]; ok $? "2 ranks wrote $f ($(wc -l < "$work/m2/$f") lines)"
done

# ---- a quoted field with line ends across the middle of the file ----
gen="$work/gen"
"$SEGMINT" generate --customers 200 --seed 3 --out "$gen" --quiet
python3 - "$gen/transactions.csv" "$work/quoted.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
mid = len(body) // 2
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(head + ["note"])
    for i, r in enumerate(body):
        note = "plain"
        if i == mid:   # long enough to hold the middle of the file
            note = "\n".join('line %d, "quoted" and, commas' % k for k in range(4000))
        w.writerow(r + [note])
PY
size=$(stat -c %s "$work/quoted.csv")
read -r qstart qend <<< "$(python3 - "$work/quoted.csv" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
s = b.index(b'"line 0, ')
print(s, b.index(b'commas"', s) + 7)
PY
)"
(( qstart < size / 2 && size / 2 < qend )); ok $? "the middle of quoted.csv ($((size / 2))) is inside the quoted field ($qstart-$qend)"
mkdir -p "$work/qdata"
cp "$gen"/*.csv "$work/qdata/"
cp "$work/quoted.csv" "$work/qdata/transactions.csv"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data="$work/qdata"
is "$code" 0 "quoted.csv on one process: exit 0"
keep q1
run "${mpi[@]}" -np 2 "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data="$work/qdata"
is "$code" 0 "quoted.csv on 2 ranks: exit 0"
like "$err" "read $work/qdata/transactions.csv on 2 MPI ranks" "... read on 2 ranks"
keep q2
same_outputs q1 q2 "quoted line ends across the cut, 2 ranks"

# ---- two reads whose rows stay on the ranks: the first's come back before the second ----
cat > "$work/tworeads.lua" <<'LUA'
local sg = require "segmint"
local function digest(t)
  local q, c = t:column("quantity"), t:column("customer_id")
  local s = 0
  for i = 1, q.n do s = (s * 31 + (q[i] or 0) + #(c[i] or "")) % 1000000007 end
  return s
end
local a, _, ra = sg.mpi_read_csv(params.a)
local b, _, rb = sg.mpi_read_csv(params.b)
sg.info("two reads: remote %s %s; the first %d rows, digest %d; the second %d rows, digest %d",
  tostring(ra), tostring(rb), #a, digest(a), #b, digest(b))
LUA
run "$SEGMINT" run "$work/tworeads.lua" --out out --set a="$gen/transactions.csv" --set b="$work/quoted.csv"
one=$(grep -o 'the first .*' <<< "$err")
run "${mpi[@]}" -np 2 "$SEGMINT" run "$work/tworeads.lua" --out out --set a="$gen/transactions.csv" --set b="$work/quoted.csv"
is "$code" 0 "two reads left on 2 ranks, the first's rows used after the second read: exit 0"
like "$err" "two reads: remote true" "... the first read's rows stayed on the ranks"
like "$err" "read table gathered back on rank 0 from 2 MPI ranks, before the next read replaces the ranks' parts: $(csv_rows "$gen/transactions.csv") rows" \
  "... and came back to rank 0 before the second read"
two=$(grep -o 'the first .*' <<< "$err")
[[ -n "$one" && "$one" == "$two" ]]; ok $? "... both tables' rows as one process reads them ($two)"
# the first table's rows cannot come back (rank 0 out of memory: 33 MB hold
# the read, not the 338,583 rows gathered): the second read still goes on,
# the log says why, and reading the first table later says it is gone
"$SEGMINT" generate --customers 30000 --seed 5 --out "$work/g30k" --quiet
cat > "$work/lostread.lua" <<'LUA'
local sg = require "segmint"
local opts = { types = { invoice = "string", customer_id = "string", product_id = "string" } }
local a = sg.mpi_read_csv(params.a, opts)
local ok = pcall(function() return a:column("quantity") end)
sg.info("the first read's rows came back: %s", tostring(ok))
local b = assert(sg.mpi_read_csv(params.b, opts))
sg.info("the second read: %d rows, %d quantities", #b, b:column("quantity").n)
local ok2, msg2 = pcall(function() return a:column("quantity") end)
sg.info("the first table afterwards: %s (%s)", tostring(ok2), tostring(msg2))
LUA
run "${mpi[@]}" -np 2 "$SEGMINT" run "$work/lostread.lua" --out out --max-memory 33 \
  --set a="$work/g30k/transactions.csv" --set b="$gen/transactions.csv"
is "$code" 0 "a first read whose rows cannot come back, then a second read, 2 ranks: exit 0"
like "$err" "the first read's rows came back: false" "... the first read's rows did not fit on rank 0"
like "$err" "the previous read's rows could not come back to rank 0 before this read replaces the ranks' parts, and that table can no longer be read" \
  "... the second read says so"
like "$err" "the second read: $(csv_rows "$gen/transactions.csv") rows, $(csv_rows "$gen/transactions.csv") quantities" "... and reads its file whole"
like "$err" "the first table afterwards: false \(.*rank 0 of 2: it does not hold its part of that read" "... the first table then says it is gone, naming the rank"

# ---- one customer's duplicate and cancellations in another part than its purchases ----
# The demo recipe with exact duplicates dropped; a customer's first line
# is repeated at the end of the file, after cancellations of two of its
# early purchases: with 2 and 3 ranks the purchases are in the first byte
# range and the duplicate and cancellations in the last, so each rank
# cleaning only the rows it read would miss them.
mkdir -p "$work/drec" "$work/ddata"
# (and one BTYD model rather than a choice on the holdout: the model's
# holdout check then runs as its own step, on the owners too)
sed -e 's/returns = "net" }/returns = "net", duplicates = "drop" }/' \
    -e 's/rfm = { bins = 5,/rfm = { bins = 5, thresholds = { recency = { 30, 90, 180, 365 } },/' \
    -e 's/btyd = { models = { "bgnbd", "mbgnbd", "pareto_nbd" }/btyd = { model = "mbgnbd"/' \
    "$SG_ROOT/recipes/demo.lua" > "$work/drec/dup.lua"
ln -s "$SG_ROOT/recipes/rules" "$work/drec/rules"
ln -s "$SG_ROOT/recipes/en" "$work/drec/en"
cp "$gen"/*.csv "$work/ddata/"
read -r dfirst dlast dsize <<< "$(python3 - "$gen/transactions.csv" "$work/ddata/transactions.csv" <<'PY'
import csv, io, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
first = body[0]
mine = [r for r in body[: len(body) // 4] if r[2] == first[2]]
extra = [list(first)]
for r in mine[1:3]:
    c = list(r); c[0] = "C" + r[0]; c[4] = str(-int(r[4])); extra.append(c)
# the customer's first invoice also bought by four other customers: an
# invoice the owners of several customers hold, so the co-purchase counts
# fall back to rank 0
others = []
for r in body:
    if r[2] != first[2] and r[2] not in others: others.append(r[2])
    if len(others) == 4: break
for c in others:
    x = list(first); x[2] = c; extra.append(x)
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n"); w.writerow(head); w.writerows(body)
tail_at = len(buf.getvalue().encode())
w.writerows(extra)
data = buf.getvalue().encode()
open(sys.argv[2], "wb").write(data)
print(data.index((",".join(mine[2]) + "\n").encode()), tail_at, len(data))
PY
)"
(( dlast < dsize && dfirst < dsize / 3 && dlast > dsize * 2 / 3 )); ok $? "the customer's purchases end at byte $dfirst, its duplicate and cancellations start at $dlast of $dsize"
grep -q 'duplicates = "drop"' "$work/drec/dup.lua" && grep -q 'btyd = { model = "mbgnbd"' "$work/drec/dup.lua" &&
  grep -q 'rfm = { bins = 5, thresholds = { recency = { 30, 90, 180, 365 } },' "$work/drec/dup.lua"
ok $? "... the recipe drops exact duplicates, fits one BTYD model and gives recency's score edges"
run "$SEGMINT" run "$work/drec/dup.lua" --out out --set data="$work/ddata"
is "$code" 0 "duplicates and cancellations across parts on one process: exit 0"
like "$(cat "$work/out/report.html" 2>/dev/null)" "exact duplicates</td><td class=\"num\">1<" "... one exact duplicate removed"
keep d1
for n in $ranks; do
  [[ $n == 1 ]] && continue
  run "${mpi[@]}" -np $n "$SEGMINT" run "$work/drec/dup.lua" --out out --set data="$work/ddata"
  is "$code" 0 "duplicates and cancellations across parts on $n ranks: exit 0"
  exchanged "$err" $n "$(csv_rows "$work/ddata/transactions.csv")" "duplicates and cancellations across parts, $n ranks"
  keep "d$n"
  rfm_owned "$err" $n "$work/d$n/customers.csv" "duplicates and cancellations across parts, $n ranks" \
    "frequency, monetary" recency
  btyd_owned "$err" $n "$work/d$n/customers.csv" "duplicates and cancellations across parts, $n ranks"
  btyd_predicted "$err" $n "$work/d$n/customers.csv" 1 "duplicates and cancellations across parts, $n ranks"
  like "$err" "cross_sell counts on rank 0 alone: an invoice has rows of customers of different ranks \(1 of the [0-9]+ invoices the ranks counted are on more than one rank\)" \
    "... an invoice with rows of five customers: the co-purchase counts run on rank 0, which says why"
  released "$err" $n "duplicates and cancellations across parts, $n ranks" gathered
  tallied "$err" "$(csv_rows "$work/ddata/transactions.csv")" "duplicates and cancellations across parts, $n ranks"
  recs_owned "$err" $n "duplicates and cancellations across parts, $n ranks (the counts on rank 0)"
  campaign_owned "$err" $n "$work/d$n/campaign_tests.csv" "duplicates and cancellations across parts, $n ranks"
  same_outputs d1 "d$n" "duplicates and cancellations across parts, $n ranks"
done

# A quantity that is not a whole number (in the second half, so on rank
# 1's part): netting refuses it on its owner, and cleaning falls back to
# rank 0's own path, which still has the table (a double quantity keeps
# it until the owners are done) and gives one process's message and exit.
mkdir -p "$work/qfdata"
cp "$work/ddata"/*.csv "$work/qfdata/"
python3 - "$work/qfdata/transactions.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
q = rows[0].index("quantity")
rows[len(rows) * 3 // 4][q] = "1.5"
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(rows)
PY
run "$SEGMINT" run "$work/drec/dup.lua" --out out --set data="$work/qfdata"
qf1=$(grep -o "error: .*" <<< "$err")
qfc=$code
rm -rf "$work/out"
run "${mpi[@]}" -np 2 "$SEGMINT" run "$work/drec/dup.lua" --out out --set data="$work/qfdata"
qf2=$(grep -o "error: .*" <<< "$err" | head -1)
[[ $qfc -eq 3 && $code -ne 0 && "$qf1" == *"is not a whole number"* && "$qf2" == "$qf1" && ! -e "$work/out/customers.csv" ]]
ok $? "a quantity netting refuses, 2 ranks: one process's message and nothing published ($qf2)"
rm -rf "$work/out"

# Whole-number prices make an int64 amount: two returns whose removed
# revenue overflows int64 (on different owners' customers) stop the run
# on 2 ranks as on one process (the owners' 128-bit sums), exit 3.
cat > "$work/ovf.csv" <<'CSV'
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
1001,A,thing,2,2011-01-03 10:00:00,3,17850,United Kingdom
1002,B,other,1,2011-01-04 10:00:00,5,13047,United Kingdom
1003,A,thing,-3037000499,2011-01-05 10:00:00,3037000499,17850,United Kingdom
1004,B,other,-3037000499,2011-01-06 10:00:00,3037000499,13047,United Kingdom
1005,A,thing,4,2011-02-03 10:00:00,3,12583,France
CSV
run "$SEGMINT" run "$SG_ROOT/recipes/retail.lua" --out out --set input="$work/ovf.csv"
of1=$(grep -o "error: .*" <<< "$err")
ofc=$code
rm -rf "$work/out"
run "${mpi[@]}" -np 2 "$SEGMINT" run "$SG_ROOT/recipes/retail.lua" --out out --set input="$work/ovf.csv"
of2=$(grep -o "error: .*" <<< "$err" | head -1)
[[ $ofc -eq 3 && $code -ne 0 && "$of1" == *"overflows int64"* && "$of2" == "$of1" && ! -e "$work/out/customers.csv" ]]
ok $? "an int64 revenue sum that overflows, 2 ranks: one process's message and nothing published ($of2)"
rm -rf "$work/out"

# ---- the transactions as a list of files ----
# The generated transactions split in three files, each with the header:
# read as a list (--set files=) on 1, 2 and 3 ranks (whole files per
# rank), every output is that of the one file on one process but the
# history and the manifest, which record the input files (those too
# against the list on one process); a rank that
# cannot read a file of its run ends the run naming the rank and the
# file, exit 3, nothing published.
mkdir -p "$work/ldata"
cp "$gen"/*.csv "$work/ldata/"
python3 - "$gen/transactions.csv" "$work/ldata" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
n = len(body)
for i, part in enumerate((body[: n // 3], body[n // 3 : 2 * n // 3], body[2 * n // 3 :])):
    with open("%s/t%d.csv" % (sys.argv[2], i), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(head); w.writerows(part)
PY
lfiles="$work/ldata/t0.csv,$work/ldata/t1.csv,$work/ldata/t2.csv"
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data="$work/ldata"
is "$code" 0 "the one file on one process: exit 0"
keep l0
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data="$work/ldata" --set files="$lfiles"
is "$code" 0 "the list on one process: exit 0"
like "$err" "no streaming pass: the transactions are a list of files" "... read on the table path, which says why"
keep lp
for n in $ranks; do
  run "${mpi[@]}" -np $n "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data="$work/ldata" --set files="$lfiles"
  is "$code" 0 "a list of three files on $n ranks: exit 0"
  if [[ $n -gt 1 ]]; then
    like "$err" "read 3 files \($work/ldata/t0.csv, [^)]*\) on $n MPI ranks, whole files per rank" "... read on $n ranks"
    read_kept "$err" $n "$(csv_rows "$gen/transactions.csv")" "a list of three files, $n ranks"
    exchanged "$err" $n "$(csv_rows "$gen/transactions.csv")" "a list of three files, $n ranks"
  fi
  keep "l$n"
  diffs=$(diff -r -q -x manifest.json -x history.sqlite "$work/l0" "$work/l$n" 2>&1)
  [[ -s "$work/l$n/customers.csv" && -z "$diffs" ]]
  ok $? "a list of three files on $n ranks: every output but the manifest and history (the input files) the same bytes as the one file on one process${diffs:+ ($diffs)}"
  same_outputs lp "l$n" "a list of three files on $n ranks, against the list on one process"
done
mkdir -p "$work/LA/data" "$work/LB/data"
cp "$work/ldata"/*.csv "$work/LA/data/"
cp "$work/ldata"/*.csv "$work/LB/data/"
rm "$work/LB/data/t2.csv"
mkdir "$work/LB/data/t2.csv"
run "${mpi[@]}" -np 1 --wdir "$work/LA" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --set files=data/t0.csv,data/t1.csv,data/t2.csv --quiet : \
                -np 1 --wdir "$work/LB" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --set files=data/t0.csv,data/t1.csv,data/t2.csv --quiet
is "$code" 3 "rank 1 cannot read data/t2.csv of the list: exit 3"
like "$err" "segmint: error: .*rank 1 of 2 could not read its files of the list \('data/t2.csv'\): cannot read 'data/t2.csv': Is a directory" \
  "... the message names the rank, its files and the file it cannot read"
[[ ! -e "$work/LA/out/customers.csv" && ! -e "$work/LB/out" ]]; ok $? "... nothing published"

# ---- a rank that cannot read its part ----
mkdir -p "$work/A" "$work/B/data"
cp -r "$gen" "$work/A/data"
cp "$gen"/*.csv "$work/B/data/"
rm "$work/B/data/transactions.csv"
mkdir "$work/B/data/transactions.csv"
run "${mpi[@]}" -np 1 --wdir "$work/A" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --quiet : \
                -np 1 --wdir "$work/B" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --quiet
is "$code" 3 "rank 1 cannot read data/transactions.csv: exit 3"
like "$err" "segmint: error: .*rank 1 of 2 could not read its part of 'data/transactions.csv' \(bytes [0-9]+-[0-9]+\): cannot read 'data/transactions.csv': Is a directory" \
  "... the message names the rank, its bytes and the reason"
[[ ! -e "$work/A/out/customers.csv" && ! -e "$work/B/out" ]]; ok $? "... nothing published"
like "$(cat "$work/A/out/FAILED" 2>/dev/null)" "rank 1 of 2" "... out/FAILED says why"
# another file of the same name on the second rank (a node without the shared copy)
rm -rf "$work/B/data/transactions.csv" "$work/A/out"
head -c 5000 "$gen/transactions.csv" > "$work/B/data/transactions.csv"
run "${mpi[@]}" -np 2 --wdir "$work/A" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --quiet : \
                -np 1 --wdir "$work/B" "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out out --set data=data --quiet
is "$code" 3 "rank 2 sees a shorter file: exit 3"
like "$err" "rank 2 of 3 could not read its part of 'data/transactions.csv' \(bytes [0-9]+-[0-9]+\): 'data/transactions.csv' has 5000 bytes on this rank but [0-9]+ on rank 0 \(every rank must see the same file\)" \
  "... the message names the rank and the sizes"
[[ ! -e "$work/A/out/customers.csv" ]]; ok $? "... nothing published"

# ---- a rank out of memory during the exchange by customer ----
# Rank 1's own --max-memory: 13 MB holds its part of a 20,000-customer
# demo (read and typed) but not its rows packed for the owners beside it
# (with 10 to 16 MB it fails there; with 18 MB the run passes, as the
# part is freed once packed).
mkdir -p "$work/oom"
run "${mpi[@]}" -np 1 --wdir "$work/oom" "$SEGMINT" demo --out out --customers 20000 --quiet : \
                -np 1 --wdir "$work/oom" "$SEGMINT" demo --out out --customers 20000 --quiet --max-memory 13
[[ $code -ne 0 ]]; ok $? "rank 1 out of memory in the exchange: non-zero exit ($code)"
like "$err" "segmint: error: .*rank 1 of 2, (exchanging rows by customer|cleaning its customers' rows): out of memory" \
  "... the message names the rank and the step"
[[ ! -e "$work/oom/out/customers.csv" && ! -e "$work/oom/out/manifest.json" ]]; ok $? "... nothing published"
like "$(cat "$work/oom/out/FAILED" 2>/dev/null)" "rank 1 of 2" "... out/FAILED says why"

# ---- a rank dies: mpirun ends the job, nothing is published ----
mkdir -p "$work/dead"
( cd "$work/dead" && exec "${mpirun[@]}" -np 2 "$SEGMINT" demo --out out --customers 20000 --quiet ) \
  > "$work/dead.out" 2> "$work/dead.err" &
mpid=$!
victim=""
for _ in $(seq 1 600); do          # the ranks start within seconds; a 20,000-customer demo runs longer
  for c in $(ps -o pid= --ppid "$mpid" 2>/dev/null); do
    if tr '\0' '\n' < "/proc/$c/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$c; fi
  done
  [[ -n "$victim" ]] && break
  sleep 0.05
done
[[ -n "$victim" ]] && kill -9 "$victim"
# OpenMPI's launcher has been seen, once, on a loaded machine, to stay
# asleep after both ranks were gone (the killed one left unreaped): after
# 60 s it is killed and the two launcher checks are skipped, visibly
hung=1
for _ in $(seq 1 600); do kill -0 "$mpid" 2>/dev/null || { hung=0; break; }; sleep 0.1; done
[[ $hung == 1 ]] && kill -9 "$mpid" 2>/dev/null
wait "$mpid"
dead_code=$?
if [[ $hung == 1 ]]; then
  echo "ok $((tap_n += 1)) # skip mpirun did not end within 60 s of its rank's death (OpenMPI's launcher hung; killed)"
  echo "ok $((tap_n += 1)) # skip (the same)"
else
  [[ -n "$victim" && $dead_code -ne 0 ]]; ok $? "rank 1 killed: the job ends with a non-zero status ($dead_code)"
  like "$(cat "$work/dead.err")" "process rank 1 .*exited on signal 9" "... mpirun says rank 1 was killed"
fi
[[ ! -e "$work/dead/out/customers.csv" && ! -e "$work/dead/out/manifest.json" ]]; ok $? "... nothing published"

# ---- commands that do not use ranks ----
run "${mpi[@]}" -np 2 "$SEGMINT" generate --customers 10 --out "$work/g2"
is "$code" 2 "generate on 2 ranks: exit 2"
like "$err" "only 'run' and 'demo' use several MPI ranks; run 'generate' without mpirun" "... and says to run it without mpirun"
[[ ! -e "$work/g2" ]]; ok $? "... nothing written"

# ---- Online Retail ----
file="${SG_SHARED_DATA:-$SG_ROOT/../shared/data}/online_retail/online_retail.csv"
if [[ $asan == 1 ]]; then
  for k in $(seq 44); do echo "ok $((tap_n += 1)) # skip Online Retail: normal pass only (ASan is too slow for it)"; done
elif [[ -r "$file" ]]; then
  run "$SEGMINT" run "$SG_ROOT/recipes/retail.lua" --out out --set input="$file"
  is "$code" 0 "Online Retail on one process: exit 0"
  keep rs
  rrows=$(csv_rows "$file")
  for n in 1 2 3; do
    run "${mpi[@]}" -np $n "$SEGMINT" run "$SG_ROOT/recipes/retail.lua" --out out --set input="$file"
    is "$code" 0 "Online Retail on $n ranks: exit 0"
    if [[ $n -gt 1 ]]; then read_kept "$err" $n "$rrows" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then exchanged "$err" $n "$rrows" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then released "$err" $n "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then tallied "$err" "$rrows" "Online Retail, $n ranks"; fi
    keep "r$n"
    if [[ $n -gt 1 ]]; then rfm_owned "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then btyd_owned "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks"; fi
    # (one model's holdout predictions: BG/NBD and Pareto/NBD cannot be fitted before its holdout)
    if [[ $n -gt 1 ]]; then btyd_predicted "$err" $n "$work/r$n/customers.csv" 1 "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then cooc_owned "$err" $n "$work/r$n" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then features_owned "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then clustered "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then recs_owned "$err" $n "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then activity_owned "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks"; fi
    if [[ $n -gt 1 ]]; then reduced_owned "$err" $n "$work/r$n/customers.csv" "Online Retail, $n ranks" all; fi
    same_outputs rs "r$n" "Online Retail, $n ranks"
  done
  # rank 0's peak memory when a recipe only reads the file: below the size
  # of the table (it held the whole table, and more, when it merged the rows)
  cat > "$work/readonly.lua" <<'LUA'
local sg = require "segmint"
local t = sg.mpi_read_csv(params.input)
local peak, n = sg.memory().peak, #t
local bytes = t:memory()   -- reads the rows: they come back to rank 0
sg.info("read only: %d rows, rank 0's peak %d bytes at the read; the table %d bytes, the peak %d bytes once gathered",
  n, peak, bytes, sg.memory().peak)
LUA
  run "${mpi[@]}" -np 2 "$SEGMINT" run "$work/readonly.lua" --out out --set input="$file"
  is "$code" 0 "Online Retail read alone on 2 ranks: exit 0"
  read -r rn _ rpeak rbytes <<< "$(grep -oE 'read only: [0-9]+ rows, rank 0.s peak [0-9]+ bytes at the read; the table [0-9]+' <<< "$err" | tr -cs '0-9' ' ')"
  [[ "${rn:-0}" -eq "$rrows" && "${rpeak:-0}" -gt 0 && "${rpeak:-0}" -lt "${rbytes:-0}" ]]
  ok $? "... rank 0's peak at the read (${rpeak:-?} bytes) is below the table's ${rbytes:-?} bytes: it did not merge the rows"
  rm -rf "$work/out"
else
  for k in $(seq 48); do echo "ok $((tap_n += 1)) # skip no Online Retail file in ../shared/data"; done
fi
done_testing
