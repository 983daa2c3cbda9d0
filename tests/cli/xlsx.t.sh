#!/usr/bin/env bash
# report.xlsx: the workbook read back from its zip with python3 (zipfile,
# xml.etree): sheet names, row counts equal to the CSV files', numbers
# typed as numbers, dates as dates, money with two decimals, a frozen
# header and an autofilter; byte-identical reruns; bad input refused
# without leaving a file.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP python3 is not installed (scripts/deps --tests installs it)"
  exit 0
fi

run "$SEGMINT" demo --out "$work/demo" --customers 1200 --quiet
is "$code" 0 "demo outputs"
cp "$SG_ROOT/tests/fixtures/report/workbook.lua" "$work/"
run "$SEGMINT" run "$work/workbook.lua" --out "$work/a" --set dir="$work/demo" --quiet
is "$code" 0 "the workbook is written"
[[ $code -eq 0 ]] || echo "# $err"
is "$(ls "$work/a")" "report.xlsx" "no temporary file left beside it"

cat > "$work/read.py" <<'PY'
import csv, sys, zipfile, xml.etree.ElementTree as ET
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
path, csvdir = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(path)
print("entries_dated_1980", all(i.date_time[0] == 1980 for i in z.infolist()))
wb = ET.fromstring(z.read("xl/workbook.xml"))
rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
target = {r.get("Id"): r.get("Target") for r in rels}
styles = ET.fromstring(z.read("xl/styles.xml"))
fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter("{%s}numFmt" % NS["m"])}
xfs = [int(x.get("numFmtId")) for x in styles.find("m:cellXfs", NS)]
names = [s.get("name") for s in wb.find("m:sheets", NS)]
print("sheets", "|".join(names))
core = z.read("docProps/core.xml").decode()
print("created", core.split("<dcterms:created")[1].split(">")[1].split("<")[0])
def col_index(ref):
    n = 0
    for ch in ref:
        if ch.isalpha(): n = n * 26 + ord(ch) - 64
    return n - 1
for s in wb.find("m:sheets", NS):
    name = s.get("name")
    ws = ET.fromstring(z.read("xl/" + target[s.get("{%s}id" % NS["r"])]))
    rows = ws.find("m:sheetData", NS).findall("m:row", NS)
    header = ["".join(c.itertext()) for c in rows[0]]
    pane = ws.find(".//m:pane", NS)
    frozen = pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1"
    autof = ws.find("m:autoFilter", NS)
    print("sheet", name, "rows", len(rows) - 1, "frozen", frozen, "autofilter", autof.get("ref") if autof is not None else None)
    # typed cells per column: n (number), s (text), b (bool); and the number format of numbers
    kinds, formats = {}, {}
    for r in rows[1:]:
        for c in r:
            j = col_index(c.get("r"))
            t = c.get("t", "n")
            kinds.setdefault(header[j], set()).add("n" if t == "n" else "b" if t == "b" else "s")
            if t == "n":
                formats.setdefault(header[j], set()).add(fmts.get(xfs[int(c.get("s", "0"))], "General"))
    for h in header:
        print("col", name, h, ",".join(sorted(kinds.get(h, []))), "|".join(sorted(formats.get(h, []))))
    if name in ("customers", "segments", "campaigns", "campaign_targets", "clusters", "k_selection", "cross_sell_rules"):
        with open("%s/%s.csv" % (csvdir, name), newline="") as f:
            data = list(csv.reader(f))
        print("csvrows", name, len(data) - 1, "header_same", data[0] == header)
        # the first data row: numbers equal the CSV's, texts equal
        same = True
        cells = {col_index(c.get("r")): c for c in rows[1]}
        for j, h in enumerate(header):
            c = cells.get(j)
            text = "" if c is None else "".join(c.itertext())
            want = data[1][j]
            if c is not None and c.get("t", "n") == "n" and h not in ("first_purchase", "last_purchase"):
                same = same and abs(float(text) - float(want)) <= 1e-9 * max(1.0, abs(float(want)))
            elif c is not None and c.get("t") in ("inlineStr", "s", "str"):
                same = same and text == want
            elif c is None:
                same = same and want == ""
        print("firstrow", name, same)
# a datetime read back: Excel serial days since 1899-12-30
ws = ET.fromstring(z.read("xl/" + target[wb.find("m:sheets", NS)[0].get("{%s}id" % NS["r"])]))
rows = ws.find("m:sheetData", NS).findall("m:row", NS)
header = ["".join(c.itertext()) for c in rows[0]]
j = header.index("last_purchase")
cell = [c for c in rows[1] if col_index(c.get("r")) == j][0]
import datetime
d = datetime.datetime(1899, 12, 30) + datetime.timedelta(seconds=round(float(cell.find("m:v", NS).text) * 86400))
print("last_purchase", d.strftime("%Y-%m-%d %H:%M:%S"))
PY
python3 "$work/read.py" "$work/a/report.xlsx" "$work/demo" > "$work/read.txt" 2>&1
is "$?" 0 "python3 reads the workbook"
r=$(cat "$work/read.txt")
field() { grep -E "^$1" <<< "$r"; }
is "$(field 'sheets')" "sheets customers|segments|campaigns|campaign_targets|clusters|k_selection|cross_sell_rules|a_b_c _segments__" \
  "sheet names, one made valid"
for t in customers segments campaigns campaign_targets clusters k_selection cross_sell_rules; do
  csv_rows=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$work/demo/$t.csv") - 1))
  like "$(field "sheet $t ")" "^sheet $t rows $csv_rows frozen True autofilter A1:[A-Z]+$((csv_rows + 1))$" \
    "$t: $csv_rows rows as in $t.csv, frozen header, autofilter over the table"
  is "$(field "csvrows $t ")" "csvrows $t $csv_rows header_same True" "$t: the CSV's header"
  is "$(field "firstrow $t ")" "firstrow $t True" "$t: the first row's values equal the CSV's"
done
is "$(field 'col customers monetary ')" "col customers monetary n #,##0.00" "money: numbers with two decimals"
is "$(field 'col customers recency_days ')" "col customers recency_days n General" "integers: numbers"
is "$(field 'col customers p_alive ')" "col customers p_alive n General" "doubles: numbers"
is "$(field 'col customers last_purchase ')" "col customers last_purchase n yyyy-mm-dd hh:mm:ss" "datetimes: dates"
is "$(field 'col customers segment ')" "col customers segment s " "text: text"
is "$(field 'col k_selection chosen ')" "col k_selection chosen b " "booleans: booleans"
is "$(field 'col campaigns cost ')" "col campaigns cost n #,##0.00" "campaign cost: money"
want_last=$(awk -F, 'NR == 2 { print $7 }' "$work/demo/customers.csv")
is "$(field 'last_purchase')" "last_purchase $want_last" "a datetime reads back as the same day and time"
is "$(field 'entries_dated_1980')" "entries_dated_1980 True" "zip entries carry a fixed date"
is "$(field 'created')" "created 2000-01-01T00:00:00Z" "without SOURCE_DATE_EPOCH: the fixed creation date"

sleep 1
run "$SEGMINT" run "$work/workbook.lua" --out "$work/b" --set dir="$work/demo" --quiet
cmp -s "$work/a/report.xlsx" "$work/b/report.xlsx"; ok $? "a rerun gives the same bytes"
SOURCE_DATE_EPOCH=1764547200 run "$SEGMINT" run "$work/workbook.lua" --out "$work/c" --set dir="$work/demo" --quiet
python3 "$work/read.py" "$work/c/report.xlsx" "$work/demo" > "$work/read_c.txt" 2>&1
is "$(grep '^created' "$work/read_c.txt")" "created 2025-12-01T00:00:00Z" "SOURCE_DATE_EPOCH sets the creation date"
SOURCE_DATE_EPOCH=1764547200 run "$SEGMINT" run "$work/workbook.lua" --out "$work/d" --set dir="$work/demo" --quiet
cmp -s "$work/c/report.xlsx" "$work/d/report.xlsx"; ok $? "and reruns with it give the same bytes"

# bad input: a clear message, exit code, no file
printf 'local sg = require "segmint"\nlocal d = sg.dataset { { "day", { "2024-01-01", "soon" } } }\nsg.write_xlsx(out .. "/bad.xlsx", { { name = "x", data = d, dates = { "day" } } })\n' > "$work/bad.lua"
run "$SEGMINT" run "$work/bad.lua" --out "$work/bad" --quiet
is "$code" 3 "a text that is not a date in a dates column: exit 3 (bad data)"
like "$err" "sheet 'x', column 'day', row 2: 'soon' is not a date" "the message names sheet, column, row and value"
is "$(ls "$work/bad" 2>/dev/null | grep -v "^FAILED$")" "" "no file left (only the FAILED note)"
printf 'local sg = require "segmint"\nlocal d = sg.dataset { { "n", { 1 } } }\nsg.write_xlsx(out .. "/bad.xlsx", { { name = "x", data = d, money = { "m" } } })\n' > "$work/bad2.lua"
run "$SEGMINT" run "$work/bad2.lua" --out "$work/bad2" --quiet
is "$code" 1 "an unknown money column: exit 1"
like "$err" "bad2.lua:3: .*write_xlsx: sheet 'x': no column 'm' \(in money\)" "the message names the recipe line, sheet and column"
printf 'local sg = require "segmint"\nlocal d = sg.dataset { { "n", { 1 } } }\nsg.write_xlsx("/tmp/outside.xlsx", { { name = "x", data = d } })\n' > "$work/bad3.lua"
run "$SEGMINT" run "$work/bad3.lua" --out "$work/bad3" --quiet
like "$err" "not allowed" "the output write policy applies"
done_testing
