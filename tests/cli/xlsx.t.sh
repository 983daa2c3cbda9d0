#!/usr/bin/env bash
# report.xlsx, as the default analysis writes it (the shipped demo recipe),
# read back from its zip with python3 (zipfile, xml.etree): sheet names,
# row counts and first rows equal to the CSV files', numbers typed as
# numbers, dates as dates, money with two decimals, a frozen header and an
# autofilter; money in the CSV files rounded to cents; report.html and
# report.xlsx byte-identical on a rerun (SOURCE_DATE_EPOCH); workbook =
# false; sg.write_xlsx's sheet names, default date and bad input.
set -uo pipefail   # no -e: a failing check must print "not ok", not stop the script
source "$SG_ROOT/tests/tap/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP python3 is not installed (scripts/deps --tests installs it)"
  exit 0
fi
export SOURCE_DATE_EPOCH=1764547200   # 2025-12-01

run "$SEGMINT" demo --out "$work/demo" --customers 1200 --quiet
is "$code" 0 "demo outputs"
[[ $code -eq 0 ]] || echo "# $err"
[[ -s "$work/demo/report.xlsx" && -s "$work/demo/report.html" ]]; ok $? "the demo writes report.xlsx and report.html"
manifest=$(cat "$work/demo/manifest.json")
like "$manifest" '"path":[[:space:]]*"report\.html",[[:space:]]*"sha256":[[:space:]]*"'"$(sha256sum "$work/demo/report.html" | cut -d' ' -f1)"'"' \
  "the manifest lists report.html with its SHA-256"
like "$manifest" '"path":[[:space:]]*"report\.xlsx",[[:space:]]*"sha256":[[:space:]]*"'"$(sha256sum "$work/demo/report.xlsx" | cut -d' ' -f1)"'"' \
  "the manifest lists report.xlsx with its SHA-256"

cat > "$work/read.py" <<'PY'
import csv, os, sys, zipfile, xml.etree.ElementTree as ET
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
    if os.path.exists("%s/%s.csv" % (csvdir, name)):
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
            fmt = fmts.get(xfs[int(c.get("s", "0"))], "General") if c is not None else "General"
            if c is not None and c.get("t", "n") == "n" and "yy" in fmt:
                # a date cell: Excel serial days since 1899-12-30, against the CSV's text
                import datetime
                d = datetime.datetime(1899, 12, 30) + datetime.timedelta(seconds=round(float(text) * 86400))
                same = same and d.strftime("%Y-%m-%d %H:%M:%S").startswith(want) if len(want) == 10 else \
                    same and d.strftime("%Y-%m-%d %H:%M:%S") == want
            elif c is not None and c.get("t", "n") == "n":
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
if "last_purchase" in header:
    j = header.index("last_purchase")
    cell = [c for c in rows[1] if col_index(c.get("r")) == j][0]
    import datetime
    d = datetime.datetime(1899, 12, 30) + datetime.timedelta(seconds=round(float(cell.find("m:v", NS).text) * 86400))
    print("last_purchase", d.strftime("%Y-%m-%d %H:%M:%S"))
PY
python3 "$work/read.py" "$work/demo/report.xlsx" "$work/demo" > "$work/read.txt" 2>&1
is "$?" 0 "python3 reads the workbook"
r=$(cat "$work/read.txt")
field() { grep -E "^$1" <<< "$r"; }
like "$(field 'sheets')" "^sheets customers\|segments\|campaigns\|campaign_targets\|clusters\|k_selection\|cross_sell_rules(\|kpis)?(\|campaign_performance)?$" \
  "one sheet per output table, named after its CSV file"
for t in $(field 'sheets' | sed 's/^sheets //; s/|/ /g'); do
  [[ -f "$work/demo/$t.csv" ]] || continue
  csv_rows=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$work/demo/$t.csv") - 1))
  like "$(field "sheet $t ")" "^sheet $t rows $csv_rows frozen True autofilter A1:[A-Z]+$((csv_rows + 1))$" \
    "$t: $csv_rows rows as in $t.csv, frozen header, autofilter over the table"
  is "$(field "csvrows $t ")" "csvrows $t $csv_rows header_same True" "$t: the CSV's header"
  is "$(field "firstrow $t ")" "firstrow $t True" "$t: the first row's values equal the CSV's"
done
is "$(field 'col customers monetary ')" "col customers monetary n #,##0.00" "money: numbers with two decimals"
is "$(field 'col customers clv_12m ')" "col customers clv_12m n #,##0.00" "the CLV column named after its horizon: money"
is "$(field 'col customers recency_days ')" "col customers recency_days n General" "integers: numbers"
is "$(field 'col customers p_alive ')" "col customers p_alive n General" "doubles: numbers"
is "$(field 'col customers last_purchase ')" "col customers last_purchase n yyyy-mm-dd hh:mm:ss" "datetimes: dates"
is "$(field 'col customers segment ')" "col customers segment s " "text: text"
is "$(field 'col k_selection chosen ')" "col k_selection chosen b " "booleans: booleans"
is "$(field 'col campaigns cost ')" "col campaigns cost n #,##0.00" "campaign cost: money"
is "$(field 'col campaigns expected_incremental_profit ')" "col campaigns expected_incremental_profit n #,##0.00" \
  "expected profit: money"
is "$(field 'col campaigns roi ')" "col campaigns roi n General" "a ratio: a number, not money"
want_last=$(awk -F, 'NR == 2 { print $7 }' "$work/demo/customers.csv")
is "$(field 'last_purchase')" "last_purchase $want_last" "a datetime reads back as the same day and time"
is "$(field 'entries_dated_1980')" "entries_dated_1980 True" "zip entries carry a fixed date"
is "$(field 'created')" "created 2025-12-01T00:00:00Z" "created on the run's date (SOURCE_DATE_EPOCH)"

# money in the CSV files: cents; shares and probabilities keep their precision
cat > "$work/money.py" <<'PY'
import csv, sys
money = {"customers": ["monetary", "avg_basket", "clv_12m", "predicted_clv"], "segments": ["revenue", "avg_basket"],
         "campaigns": ["budget", "cost", "discount_cost", "expected_incremental_revenue", "expected_incremental_profit"],
         "campaign_targets": ["value", "expected_basket", "expected_incremental_revenue", "expected_incremental_profit"],
         "clusters": ["revenue", "mean_monetary", "median_monetary"]}
precise = {"customers": "p_alive", "segments": "revenue_share", "clusters": "revenue_share"}
for name, cols in money.items():
    rows = list(csv.DictReader(open("%s/%s.csv" % (sys.argv[1], name), newline="")))
    worst = max((len(r[c].split(".")[1]) if "." in r[c] else 0) for r in rows for c in cols if r[c] != "")
    long = sum(1 for r in rows if name in precise and len(r[precise[name]].split(".")[-1]) > 2)
    print(name, worst, long > 0)
PY
is "$(python3 "$work/money.py" "$work/demo")" "customers 2 True
segments 2 True
campaigns 2 False
campaign_targets 2 False
clusters 2 True" "money columns have at most two decimals; shares and probabilities are not rounded"
like "$(head -3 "$work/demo/segments.csv")" $'\n[^,]+,[a-z_]+,[0-9]+,0\.[0-9]+,[0-9]+\.?[0-9]?[0-9]?,' "segments.csv: revenue in cents"

# reruns: the same bytes
run "$SEGMINT" run "$SG_ROOT/recipes/demo.lua" --out "$work/again" --set data="$work/demo/data" --quiet
is "$code" 0 "a rerun on the same data"
cmp -s "$work/demo/report.xlsx" "$work/again/report.xlsx"; ok $? "report.xlsx: a rerun gives the same bytes"
cmp -s "$work/demo/report.html" "$work/again/report.html"; ok $? "report.html: a rerun gives the same bytes"

# workbook = false: no report.xlsx, and the manifest does not list one
mkdir -p "$work/nowb"
cp -r "$SG_ROOT/recipes/." "$work/nowb/"
sed -i 's/^  report = { layout = words "report" },$/&\n  workbook = false,/' "$work/nowb/demo.lua"
run "$SEGMINT" run "$work/nowb/demo.lua" --out "$work/nowb_out" --set data="$work/demo/data" --quiet
is "$code" 0 "workbook = false: the run succeeds"
[[ ! -e "$work/nowb_out/report.xlsx" && -s "$work/nowb_out/report.html" ]]; ok $? "workbook = false: no report.xlsx, report.html still"
unlike "$(cat "$work/nowb_out/manifest.json")" 'report\.xlsx' "workbook = false: the manifest lists no workbook"
sed -i 's/^  workbook = false,$/  workbook = "no",/' "$work/nowb/demo.lua"
run "$SEGMINT" check "$work/nowb/demo.lua"
is "$code" 1 "workbook = \"no\": check fails"
like "$out" "'workbook' must be true or false \(false: no report\.xlsx\), got a string, \"no\"" "and says what it takes"

# sg.write_xlsx itself: sheet names made valid, the default creation date
unset SOURCE_DATE_EPOCH
printf 'local sg = require "segmint"\nlocal d = sg.dataset { { "n", { 1, 2 } } }\nsg.write_xlsx(out .. "/w.xlsx", { { name = "a/b:c [segments]?", data = d }, { name = "A/B:C [SEGMENTS]?", data = d } })\n' > "$work/names.lua"
run "$SEGMINT" run "$work/names.lua" --out "$work/names" --quiet
is "$code" 0 "a workbook with awkward sheet names"
is "$(ls "$work/names")" "w.xlsx" "no temporary file left beside it"
python3 "$work/read.py" "$work/names/w.xlsx" "$work/names" > "$work/read_names.txt" 2>&1
is "$?" 0 "python3 reads it"
is "$(grep '^sheets' "$work/read_names.txt")" "sheets a_b_c _segments__|A_B_C _SEGMENTS__ (2)" "sheet names made valid and unique"
is "$(grep '^created' "$work/read_names.txt")" "created 2000-01-01T00:00:00Z" "without SOURCE_DATE_EPOCH: the fixed creation date"
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
