#!/usr/bin/env bash
# A run's outputs are published as a whole (core/outdir.h): links planted
# under --out are never followed, a run killed at any moment or stopped by
# a full disk leaves the previous outputs whole, two runs on one --out do
# not mix, and an unwritable --out is reported before any work.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/out" "$work/outside"
export SOURCE_DATE_EPOCH=1764547200

recipe() { printf '%s\n' "$2" > "$work/$1.lua"; }
run_recipe() { run "$SEGMINT" run "$work/$1.lua" --out "$work/out" --quiet "${@:2}"; }

# ---- links planted in --out ----
echo keep > "$work/outside/victim.txt"
ln -s "$work/outside/absent.txt" "$work/out/dangling.txt"
recipe dangling 'local f = assert(io.open(out .. "/dangling.txt", "a")) f:write("x") f:close()'
run_recipe dangling
is "$code" 1 "appending through a dangling link: exit 1"
like "$err" "symbolic link" "appending through a dangling link: the message says why"
[[ ! -e "$work/outside/absent.txt" ]]; ok $? "no file was created through the dangling link"

ln "$work/outside/victim.txt" "$work/out/hard.txt"
recipe hard 'local f = assert(io.open(out .. "/hard.txt", "a")) f:write("x") f:close()'
run_recipe hard
is "$code" 1 "appending to a hard-linked file: exit 1"
like "$err" "hard links" "appending to a hard-linked file: the message says why"
is "$(cat "$work/outside/victim.txt")" "keep" "the outside file is unchanged"

# the temporary names of earlier versions were predictable: a link planted there is ignored
for n in 1 2 3; do ln -sf "$work/outside/victim.txt" "$work/out/report.txt.segmint-$n.tmp"; done
recipe planted 'local f = assert(io.open(out .. "/report.txt", "w")) f:write("report") f:close()'
run_recipe planted
is "$code" 0 "writing beside planted temporary links: exit 0"
is "$(cat "$work/outside/victim.txt")" "keep" "the planted link's target is unchanged"
is "$(cat "$work/out/report.txt")" "report" "the output is where it belongs"

ln -sf "$work/outside/victim.txt" "$work/out/replace.txt"
recipe replace 'local f = assert(io.open(out .. "/replace.txt", "w")) f:write("new") f:close()'
run_recipe replace
is "$code" 0 "writing over a symbolic link: exit 0"
[[ -f "$work/out/replace.txt" && ! -L "$work/out/replace.txt" ]]; ok $? "the link itself was replaced by the output"
is "$(cat "$work/outside/victim.txt")" "keep" "the link's target is unchanged"
rm -f "$work/out/"*.txt*

# ---- within a run ----
recipe readback 'local f = assert(io.open(out .. "/a.csv", "w")) f:write("x\n1\n2\n") f:close()
local d = assert(segmint.read_csv(out .. "/a.csv")) print(#d)
local g = assert(io.open(out .. "/a.csv", "a")) g:write("3\n") g:close()
for l in io.lines(out .. "/a.csv") do io.write(l, " ") end print()'
run_recipe readback
is "$code" 0 "reading back an output of the same run: exit 0"
is "$out" "2
x 1 2 3 " "the run reads what it wrote, before it is published"
recipe twice 'local f = assert(io.open(out .. "/t.txt", "w")) local g = io.open(out .. "/t.txt", "w")'
run_recipe twice
is "$code" 1 "two writers of one file: exit 1"
like "$err" "already open for writing" "two writers of one file: the message says why"

# ---- a run killed at random moments: never a mix of old and new files ----
# The manifest, published last, lists every output with its sha256; unless
# a publish was cut short (.segmint-publish present, finished by the next
# run), every output it lists must match.
consistent() {   # dir: 0 when every output listed by the manifest matches
  local dir=$1
  [[ -f "$dir/manifest.json" ]] || return 1
  python3 - "$dir" <<'PY'
import hashlib, json, sys, os
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
for o in m["outputs"]:
    h = hashlib.sha256(open(os.path.join(d, o["path"]), "rb").read()).hexdigest()
    if h != o["sha256"]:
        print("# mismatch:", o["path"]); sys.exit(1)
PY
}
run "$SEGMINT" demo --out "$work/kill" --customers 300 --seed 1 --quiet
is "$code" 0 "first demo run: exit 0"
consistent "$work/kill"; ok $? "the manifest matches its outputs"
start=$(date +%s%N)
"$SEGMINT" demo --out "$work/kill" --customers 300 --seed 2 --quiet
full_ms=$((($(date +%s%N) - start) / 1000000 + 1))
bad=0 recovered=0 killed=0
for i in $(seq 1 12); do
  "$SEGMINT" demo --out "$work/kill" --customers 300 --seed $((i % 3 + 1)) --quiet 2>/dev/null &
  pid=$!
  sleep "$(awk -v r="$RANDOM" -v t="$full_ms" 'BEGIN { printf "%.3f", r / 32768 * t / 1000 }')"
  kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
  wait "$pid" 2>/dev/null
  if [[ -e "$work/kill/.segmint-publish" ]]; then
    recovered=$((recovered + 1))
    run "$SEGMINT" run "$work/planted.lua" --out "$work/kill" --quiet   # finishes the publish
    rm -f "$work/kill/report.txt"
  fi
  consistent "$work/kill" || bad=$((bad + 1))
done
is "$bad" 0 "after 12 runs killed at random moments ($killed killed, $recovered mid-publish), outputs are never mixed"
run "$SEGMINT" demo --out "$work/kill" --customers 300 --seed 1 --quiet
is "$code" 0 "a run after the killed ones: exit 0"
is "$(ls -A "$work/kill" | grep -c -- '-staging-\|\.tmp$')" 0 "no staging folder or temporary file of the killed runs remains"

# ---- two runs on one --out ----
recipe slow 'local t = os.clock() while os.clock() - t < 2 do end
local f = assert(io.open(out .. "/slow.txt", "w")) f:write("slow") f:close()'
"$SEGMINT" run "$work/slow.lua" --out "$work/two" --quiet & slow_pid=$!
for _ in $(seq 1 50); do [[ -e "$work/two/.segmint.lock" ]] && break; sleep 0.05; done
sleep 0.2
recipe fast 'local f = assert(io.open(out .. "/fast.txt", "w")) f:write("fast") f:close()'
run "$SEGMINT" run "$work/fast.lua" --out "$work/two" --quiet
is "$code" 1 "a second run on a busy --out: exit 1"
like "$err" "in use by another segmint run \(pid $slow_pid\)" "the message names the running one"
wait "$slow_pid"; is "$?" 0 "the first run finishes normally"
is "$(ls "$work/two" | tr '\n' ' ')" "slow.txt " "only the first run's output is there"

# ---- a full disk and a read-only --out (need a tmpfs mount) ----
mkdir -p "$work/small" "$work/ro"
if mount -t tmpfs -o size=400k tmpfs "$work/small" 2>/dev/null; then
  mounts+=("$work/small")
  recipe little 'local f = assert(io.open(out .. "/little.txt", "w")) f:write("first") f:close()'
  run "$SEGMINT" run "$work/little.lua" --out "$work/small" --quiet
  is "$code" 0 "a small run on a small disk: exit 0"
  recipe big 'local f = assert(io.open(out .. "/little.txt", "w")) f:write("second") f:close()
local g = assert(io.open(out .. "/big.txt", "w"))
for i = 1, 1000 do assert(g:write(string.rep("x", 1000), "\n")) end
assert(g:close())'
  run "$SEGMINT" run "$work/big.lua" --out "$work/small" --quiet
  is "$code" 1 "a run that fills the disk: exit 1"
  like "$err" "No space left on device" "the message names the full disk"
  is "$(cat "$work/small/little.txt")" "first" "the previous output is intact"
  is "$(ls -A "$work/small" | tr '\n' ' ')" ".segmint.lock FAILED little.txt " "no partial file or staging folder remains; a FAILED note does"
  if mount -t tmpfs -o ro,size=100k tmpfs "$work/ro" 2>/dev/null; then
    mounts+=("$work/ro")
    recipe busy 'print("started")'
    run "$SEGMINT" run "$work/busy.lua" --out "$work/ro" --quiet
    is "$code" 1 "a read-only --out: exit 1"
    like "$err" "cannot write in the output directory" "a read-only --out: clear message"
    is "$out" "" "a read-only --out is reported before the recipe runs"
  else
    echo "ok $((tap_n += 1)) # skip cannot mount a read-only tmpfs here"
  fi
else
  echo "ok $((tap_n += 1)) # skip cannot mount a tmpfs here (needs root): full disk and read-only --out untested"
fi

done_testing
