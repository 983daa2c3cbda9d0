#!/usr/bin/env bash
# The fuzz targets of tests/fuzz replayed over their committed corpus
# (seeds and every reproducer found), without libFuzzer: a finding aborts
# the replay program.  Under ASan + UBSan in scripts/test's second pass.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
corpus="$SG_ROOT/tests/fuzz/corpus"

for t in csv csv_threads expr dates rules models; do
  n=$(find "$corpus/$t" -type f | wc -l)
  run "$SG_BUILD/fuzz/replay_$t" "$corpus/$t"
  is "$code" 0 "fuzz target $t: the $n inputs of its corpus replay cleanly"
  [[ $code -eq 0 ]] || printf '%s\n' "$err" | tail -5 | sed 's/^/# /'
  is "$out" "$n inputs" "fuzz target $t: every input ran"
done

done_testing
