#!/usr/bin/env bash
# Every function of core/ and lua/ over 100 lines is split or says why not
# (a "Not split:" comment above it), as scripts/long-functions checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
echo "1..3"
out=$(scripts/long-functions 2>&1)
echo "$out" | sed 's/^/# /'
unexplained=$(printf '%s\n' "$out" | awk -F'\t' 'NF == 4 && $4 == "-" { print $3 }' | sort | tr '\n' ' ')
if [[ -z "$unexplained" ]]; then
  echo "ok 1 - every function over 100 lines says why it is not split"
else
  echo "not ok 1 - functions over 100 lines without a \"Not split:\" comment: $unexplained"
fi
# the lister itself: a 101-line function is listed, a 100-line one is not
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts" "$tmp/core" "$tmp/lua"
cp scripts/long-functions "$tmp/scripts/"
{ echo "int longer(void)"; echo "{"; for i in $(seq 98); do echo "    f($i);"; done; echo "}"
  echo; echo "int shorter(void)"; echo "{"; for i in $(seq 97); do echo "    f($i);"; done; echo "}"; } > "$tmp/core/x.c"
: > "$tmp/lua/y.c"
listed=$("$tmp/scripts/long-functions" | awk -F'\t' 'NF == 4 { print $1 " " $3 " " $4 }')
if [[ "$listed" == "101 longer -" ]]; then echo "ok 2 - a 101-line function is listed, a 100-line one is not"
else echo "not ok 2 - listed: '$listed'"; fi
{ echo "/* Not split: a test. */"; cat "$tmp/core/x.c"; } > "$tmp/core/z.c" && rm "$tmp/core/x.c"
if "$tmp/scripts/long-functions" >/dev/null; then echo "ok 3 - a \"Not split:\" comment explains it"
else echo "not ok 3 - the comment is not recognised"; fi
