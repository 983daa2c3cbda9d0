#!/usr/bin/env bash
# The rule checker in French: with --set lang=fr, check and run name the
# same file:line, names and values as in English, in French (with « »
# quotes and a space before : and ?); without it, the messages stay English.
set -uo pipefail
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

"$SEGMINT" generate --customers 400 --seed 3 --out "$work/data" --quiet
fresh() { rm -rf "$work/r"; cp -r "$SG_ROOT/recipes" "$work/r"; }
check() { run "$SEGMINT" check "$work/r/demo.lua" --set lang=fr "$@"; }
runr() { rm -rf "$work/out"; run "$SEGMINT" run "$work/r/demo.lua" --out "$work/out" --set data="$work/data" --quiet --set lang=fr "$@"; }

# typo_case NAME PATTERN: check fails with the French message, run refuses with it before writing anything
typo_case() {
  local name=$1 pattern=$2
  check
  is "$code" 1 "$name: check exits 1"
  like "$out$err" "$pattern" "$name: check names file, line and value in French"
  runr
  is "$code" 1 "$name: run exits 1"
  like "$err" "$pattern" "$name: run gives the same French message"
  [[ ! -e "$work/out/customers.csv" && ! -e "$work/out/summary.md" ]]; ok $? "$name: run wrote nothing"
}

fresh
sed -i 's/{ "champions",          r = "4-5", f = "4-5", m = "4-5" },/{ "champions",          r = "4-5", f = "4-5", m = high },/' "$work/r/rules/segments.lua"
line=$(grep -n 'm = high }' "$work/r/rules/segments.lua" | cut -d: -f1)
typo_case "a bare word (m = high)" "rules/segments\.lua:$line: « high » n'est pas défini dans ce fichier de règles ; si vous pensiez au texte, écrivez \"high\" \(avec guillemets\)"

fresh
sed -i 's/action_segments = { "at_risk",/action_segments = { "at_risks",/' "$work/r/rules/alerts.lua"
line=$(grep -n '"at_risks"' "$work/r/rules/alerts.lua" | cut -d: -f1)
typo_case "a misspelt segment" "rules/alerts\.lua:$line: alerts\.action_segments : pas de segment « at_risks » \(vouliez-vous dire « at_risk » \?\)"
check
like "$err" "1 erreur dans les réglages de l'analyse et les fichiers de règles \(voir ci-dessus\)" \
  "a misspelt segment: check's summary line is French"
runr
like "$err" "1 problème dans les réglages de l'analyse et les fichiers de règles ; rien n'a été fait :" \
  "a misspelt segment: run's summary line is French"

fresh
sed -i 's/{{total_profit}}/{{totl_profit}}/' "$work/r/fr/summary.lua"
line=$(grep -n '{{totl_profit}}' "$work/r/fr/summary.lua" | cut -d: -f1)
typo_case "a misspelt placeholder" "fr/summary\.lua:$line: \{\{totl_profit\}\} n'est pas une valeur que le modèle de texte peut utiliser \(vouliez-vous dire « total_profit » \?\)"

fresh
sed -i 's/target = { status = "lapsed", recency_days = "<= 180" },/target = { status = "lapsed", recency_days = "less than 180" },/' "$work/r/rules/campaigns.lua"
typo_case "a text that is not a condition" "rules/campaigns\.lua:[0-9]+: campagne « Bon retour », target\.recency_days : « less than 180 » n'est pas une condition sur un nombre ; écrivez une comparaison comme \"> 90\" ou un intervalle comme \"1-3\""

fresh
sed -i 's/cost_per_contact = 0.3, discount = 0.15/cost_per_contact = 0.3, discount = "0.15"/' "$work/r/rules/campaigns.lua"
typo_case "a number written as text" "campagne « Bon retour », champ « discount » : un nombre de 0 à 1 \(exclu\) est attendu, reçu un texte, \"0\.15\" ; écrivez 0\.15 sans guillemets"

fresh
sed -i 's/  inactive_days = 90, /  inactive_dyas = 90,/' "$work/r/rules/periods.lua"
typo_case "a misspelt period" "rules/periods\.lua:[0-9]+: périodes : période inconnue « inactive_dyas » \(vouliez-vous dire « inactive_days » \?\)"

# a renamed segment: every use of the old id, and the count of errors
fresh
sed -i 's/{ "champions",          r = "4-5"/{ "champs",          r = "4-5"/' "$work/r/rules/segments.lua"
check
is "$code" 1 "a renamed segment: check exits 1"
like "$out" "rules/campaigns\.lua:[0-9]+: campagne « win_back », exclude\.segments : pas de segment « champions » \(vouliez-vous dire « champs » \?\)" \
  "a renamed segment: each use of the old id is named in French, with the new one"
n=$(grep -c '^error: ' <<<"$out")
like "$err" "$n erreurs dans les réglages de l'analyse et les fichiers de règles \(voir ci-dessus\)" \
  "a renamed segment: the error count in French ($n errors)"
unlike "$out$err" "did you mean|is not a|no segment|error in the|errors in the" "a renamed segment: no English left"

# the same typo without lang=fr stays English
run "$SEGMINT" check "$work/r/demo.lua"
like "$out" "campaign 'win_back', exclude\.segments: no segment 'champions' \(did you mean 'champs'\?\)" \
  "without lang=fr the message is English"
unlike "$out$err" "«|vouliez" "without lang=fr no French"

done_testing
