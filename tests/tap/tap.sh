# A tiny TAP producer for the command-line tests (sourced by tests/cli/*.t.sh).
# Provides: ok, is, like, run (captures $out, $err, $code), plain_spaces, done_testing.
tap_n=0
tap_failed=0
ok() {   # ok CONDITION-EXIT-STATUS NAME
  local status=$1; shift
  tap_n=$((tap_n + 1))
  if [[ $status -eq 0 ]]; then echo "ok $tap_n - $*"; else echo "not ok $tap_n - $*"; tap_failed=$((tap_failed + 1)); fi
}
is() {   # is GOT WANT NAME
  local got=$1 want=$2; shift 2
  if [[ "$got" == "$want" ]]; then ok 0 "$*"; else ok 1 "$*"; echo "# got '$got', expected '$want'"; fi
}
like() { # like TEXT REGEX NAME
  local text=$1 re=$2; shift 2
  if [[ "$text" =~ $re ]]; then ok 0 "$*"; else ok 1 "$*"; echo "# got: $(printf '%s' "$text" | head -c 600 | sed 's/^/# /')"; echo "# expected to match: $re"; fi
}
unlike() { # unlike TEXT REGEX NAME
  local text=$1 re=$2; shift 2
  if [[ "$text" =~ $re ]]; then ok 1 "$*"; echo "# unexpectedly matched: $re"; else ok 0 "$*"; fi
}
run() {  # run CMD... : sets out, err, code
  local o e
  o=$(mktemp); e=$(mktemp)
  "$@" >"$o" 2>"$e"
  code=$?
  out=$(cat "$o"); err=$(cat "$e")
  rm -f "$o" "$e"
}
plain_spaces() { # plain_spaces FILE: its text with the French no-break spaces (U+202F, U+00A0, and
  # &nbsp; as a browser writes it back) as plain ones, for the checks of wording (tests/cli/story.t.sh
  # checks the spacing itself)
  sed 's/\xe2\x80\xaf/ /g; s/\xc2\xa0/ /g; s/&nbsp;/ /g' "$1"
}
done_testing() {
  echo "1..$tap_n"
  [[ $tap_failed -eq 0 ]]
}
