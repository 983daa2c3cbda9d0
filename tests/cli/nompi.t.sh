#!/usr/bin/env bash
# segmint built without MPI (cmake -DSG_MPI=OFF, `scripts/build nompi`:
# the program alone, into build-nompi/) keeps working: it is linked
# without libmpi, the demo runs and gives the outputs of the MPI build
# (every file but the manifest's time fields and the run history, which
# records the run), it runs as one process when a launcher's environment
# says one rank, and started by mpirun on several ranks it says on rank 0
# that it was built without MPI and every rank exits 2, with nothing
# published (docs/mpi.md, "Build").  The build is the same under ASan, so
# the ASan pass skips this test.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
if [[ ${SG_ASAN:-0} == 1 ]]; then echo "1..0 # SKIP the build without MPI is checked in the normal pass"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

run "$SG_ROOT/scripts/build" nompi
is "$code" 0 "cmake -DSG_MPI=OFF builds segmint with warnings as errors"
[[ $code -eq 0 ]] || echo "# $err"
NOMPI="$SG_ROOT/build-nompi/segmint"
[[ -x "$NOMPI" && $(ldd "$NOMPI" 2>/dev/null) != *libmpi* ]]
ok $? "... and links no MPI library"

cd "$work" || exit 1
run "$NOMPI" demo --out a --customers 300 --seed 7 --quiet
is "$code" 0 "the build without MPI runs the demo"
run "$SEGMINT" demo --out b --customers 300 --seed 7 --quiet
diffs=$(diff -r -q -x manifest.json -x history.sqlite -x .segmint.lock a b 2>&1)
[[ -s a/customers.csv && -z "$diffs" ]]
ok $? "... with the outputs of the MPI build${diffs:+ ($diffs)}"

# a launcher's environment with one rank: a plain one-process run
rm -rf a
run env OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_RANK=0 "$NOMPI" demo --out a --customers 300 --seed 7 --quiet
[[ $code -eq 0 && -s a/customers.csv ]]
ok $? "under a launcher with one rank it runs as one process (exit $code)"

# several ranks: refused on every rank, rank 0 says why, nothing published
msg="segmint: this segmint was built without MPI, so it cannot run on the 2 ranks mpirun started"
rm -rf a
run env OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$NOMPI" demo --out a --customers 300 --quiet
[[ $code -eq 2 && "$err" == *"$msg"* && ! -e a ]]
ok $? "rank 0 of 2 (a launcher's environment): exit 2, the message, nothing written"
run env OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 "$NOMPI" demo --out a --customers 300 --quiet
[[ $code -eq 2 && -z "$err" && ! -e a ]]
ok $? "rank 1 of 2: exit 2 without a second copy of the message"
if command -v mpirun >/dev/null; then
  run timeout -k 10 120 mpirun --oversubscribe --allow-run-as-root --mca btl self,vader -np 2 \
    "$NOMPI" demo --out a --customers 300 --quiet
  [[ $code -ne 0 && "$err" == *"$msg"* && "$err" == *"rebuild it with MPI"* && ! -e a ]]
  ok $? "under mpirun -np 2: the job fails ($code) with the message, nothing written"
else
  echo "ok $((tap_n += 1)) # skip mpirun is not installed"
fi
done_testing
