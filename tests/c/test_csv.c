/* CSV reader: delimiters, quoting, line numbers, inference, overrides,
 * missing markers, Latin-1, errors and skip mode, on small fixtures with
 * hand-computed answers; then the Online Retail file when it is present. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "csv_internal.h"
#include "mem.h"
#include "tap.h"

static char path_buf[4096];

static const char *fx(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/csv/%s", tap_fixtures(), name);
    return path_buf;
}

/* Value i of column `name` as text ("<NA>" when missing, "<nocol>" when absent). */
static const char *cell(const sg_table *t, const char *name, size_t i)
{
    static char buf[8][256];
    static int k;
    char *b = buf[k++ & 7];
    const sg_column *c = t ? sg_table_col(t, name) : NULL;
    if (!c || i >= c->n)
        return "<nocol>";
    if (sg_column_is_na(c, i))
        return "<NA>";
    sg_column_format(c, i, b, 256);
    return b;
}

static int type_of(const sg_table *t, const char *name)
{
    const sg_column *c = t ? sg_table_col(t, name) : NULL;
    return c ? (int)c->type : -1;
}

static sg_table *read_fx(const char *name, const sg_csv_options *o, sg_csv_report *rep,
                         sg_error *err)
{
    sg_table *t = sg_csv_read(fx(name), o, rep, err);
    if (!t)
        tap_diag("%s: %s", name, err->msg);
    return t;
}

/* The expected message with the fixture path in front. */
static const char *msg(const char *name, const char *rest)
{
    static char m[4096 + 512];
    snprintf(m, sizeof m, "%s/csv/%s%s", tap_fixtures(), name, rest);
    return m;
}

static void test_delimiters(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_table *t = read_fx("semicolon.csv", NULL, &rep, &err);
    tap_ok(t && rep.delim == ';', "semicolon detected");
    tap_is_int(t ? (long long)t->nrows : -1, 3, "semicolon: 3 rows");
    tap_is_int(type_of(t, "id"), SG_INT64, "semicolon: id int64");
    tap_is_int(type_of(t, "amount"), SG_STRING, "'1,5' is not a double: amount stays string");
    tap_is_str(cell(t, "amount", 0), "1,5", "amount text kept");
    tap_is_str(cell(t, "name", 2), "Chlo\xc3\xa9", "UTF-8 text kept");
    tap_is_str(rep.nnotes == 3 ? rep.notes[2] : NULL, "inferred string", "note for amount");
    tap_is_int((long long)rep.rows_read, 3, "rows_read");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = read_fx("tab.tsv", NULL, &rep, &err);
    tap_ok(t && rep.delim == '\t', "tab detected");
    tap_is_int(type_of(t, "c"), SG_DOUBLE, "tab: c double");
    tap_is_double(t ? sg_column_num(sg_table_col(t, "c"), 1) : 0, -300.0, 0, "-3e2 parsed");
    tap_is_str(cell(t, "b", 0), "x y", "inner space kept");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = read_fx("pipe.csv", NULL, &rep, &err);
    tap_ok(t && rep.delim == '|', "pipe detected");
    tap_is_int(type_of(t, "v"), SG_BOOL, "true/FALSE/True: bool");
    tap_is_str(cell(t, "v", 0), "true", "bool 0");
    tap_is_str(cell(t, "v", 1), "false", "bool 1");
    tap_is_str(cell(t, "v", 2), "true", "bool 2");
    tap_is_str(rep.nnotes == 2 ? rep.notes[1] : NULL, "inferred bool", "bool note");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* an explicit delimiter wins over detection */
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.delim = ';';
    t = read_fx("pipe.csv", &o, &rep, &err);
    tap_ok(t && t->ncols == 1 && rep.delim == ';', "explicit ';' on the pipe file");
    tap_is_str(t && t->ncols ? t->cols[0]->name : NULL, "k|v", "one-field header");
    sg_table_free(t);
    sg_csv_report_free(&rep);
}

static void test_bom_quotes(void)
{
    sg_error err;
    sg_table *t = read_fx("bom_crlf.csv", NULL, NULL, &err);
    tap_ok(t && t->ncols == 2 && strcmp(t->cols[0]->name, "Name") == 0, "BOM skipped");
    tap_is_int(t ? (long long)t->nrows : -1, 2, "CRLF: 2 rows");
    tap_is_str(cell(t, "Qty", 1), "2", "CRLF: no CR left in values");
    tap_is_int(type_of(t, "Qty"), SG_INT64, "CRLF: Qty int64");
    sg_table_free(t);

    t = read_fx("quoted.csv", NULL, NULL, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 4, "quoted: 4 rows");
    tap_is_str(cell(t, "text", 0), "hello, world", "delimiter inside quotes");
    tap_is_str(cell(t, "text", 1), "she said \"hi\"", "doubled quotes");
    tap_is_str(cell(t, "text", 2), "line one\nline two", "newline inside quotes");
    tap_is_str(cell(t, "n", 3), "40", "row after the multi-line field");
    tap_is_int(type_of(t, "n"), SG_INT64, "quoted: n int64");
    sg_table_free(t);
}

static void test_lines(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_csv_override ov = { "qty", SG_INT64, SG_DATE_UNKNOWN, 0 };
    sg_table *t = read_fx("lines.csv", NULL, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 6, "lines: 6 rows, blank lines ignored");
    tap_is_str(cell(t, "note", 1), "multi\r\nline", "CRLF inside quotes kept");
    tap_is_str(cell(t, "note", 3), "x\ny\nz", "two newlines inside quotes");
    tap_is_str(cell(t, "qty", 5), "9", "last line without newline");
    tap_is_int(type_of(t, "qty"), SG_STRING, "qty with 'oops' inferred string");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    sg_csv_options_init(&o);
    o.overrides = &ov;
    o.noverrides = 1;
    t = sg_csv_read(fx("lines.csv"), &o, NULL, &err);
    tap_ok(!t && err.code == SG_EDATA, "override int64 on 'oops' fails");
    tap_is_str(err.msg, msg("lines.csv", ":11:3: column 'qty': 'oops' is not an int64"),
               "error names line 11 (CRLF, quoted newlines, blank lines counted)");
    sg_table_free(t);

    o.skip_bad_rows = 1;
    t = sg_csv_read(fx("lines.csv"), &o, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 5, "skip: 5 rows kept");
    tap_is_int((long long)rep.rows_read, 6, "skip: rows_read 6");
    tap_is_int((long long)rep.rows_skipped, 1, "skip: 1 skipped");
    tap_is_int((long long)rep.nfirst, 1, "skip: one issue");
    tap_is_int((long long)rep.first[0].line, 11, "issue line 11");
    tap_is_int(rep.first[0].column, 3, "issue column 3");
    tap_is_str(rep.first[0].text, "column 'qty': 'oops' is not an int64", "issue text");
    tap_is_str(cell(t, "qty", 4), "9", "row after the dropped one");
    tap_is_str(cell(t, "id", 4), "6", "ids shift after the dropped row");
    tap_is_str(rep.nnotes == 3 ? rep.notes[2] : NULL, "override int64", "override note");
    sg_table_free(t);
    sg_csv_report_free(&rep);
}

static void test_field_counts(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_table *t = sg_csv_read(fx("fields.csv"), NULL, NULL, &err);
    tap_ok(!t && err.code == SG_EDATA, "wrong field count is an error");
    tap_is_str(err.msg, msg("fields.csv", ":3: expected 3 fields, found 2"), "field count message");

    sg_csv_options_init(&o);
    o.skip_bad_rows = 1;
    t = read_fx("fields.csv", &o, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 3, "skip: 3 rows kept");
    tap_is_int((long long)rep.rows_read, 5, "skip: 5 records read");
    tap_is_int((long long)rep.rows_skipped, 2, "skip: 2 skipped");
    tap_is_int((long long)rep.nfirst, 2, "skip: 2 issues");
    tap_is_int((long long)rep.first[0].line, 3, "first issue on line 3");
    tap_is_int(rep.first[0].column, 0, "whole-row issue");
    tap_is_str(rep.first[1].text, "expected 3 fields, found 4", "second issue text");
    tap_is_int((long long)rep.first[1].line, 5, "second issue on line 5");
    tap_is_str(cell(t, "a", 2), "13", "last kept row");
    tap_is_int(type_of(t, "c"), SG_INT64, "values of skipped rows do not affect inference");
    sg_table_free(t);
    sg_csv_report_free(&rep);
}

static void test_skip_mixed(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_csv_override ov[2] = { { "qty", SG_INT64, SG_DATE_UNKNOWN, 0 },
                              { "when", SG_DATETIME, SG_DATE_ISO, 0 } };
    sg_csv_options_init(&o);
    o.overrides = ov;
    o.noverrides = 2;
    sg_table *t = sg_csv_read(fx("skip.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg, msg("skip.csv", ":3:2: column 'qty': 'abc' is not an int64"),
               "a type error before a field-count error is reported first");

    o.skip_bad_rows = 1;
    t = read_fx("skip.csv", &o, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 3, "mixed skip: 3 rows kept");
    tap_is_int((long long)rep.rows_read, 7, "mixed skip: 7 read");
    tap_is_int((long long)rep.rows_skipped, 4, "mixed skip: 4 skipped");
    tap_is_int((long long)rep.nfirst, 4, "mixed skip: 4 issues");
    tap_ok(rep.first[0].line == 3 && rep.first[1].line == 4 && rep.first[2].line == 5 &&
               rep.first[3].line == 7, "issues in line order 3, 4, 5, 7");
    tap_is_str(rep.first[1].text, "expected 3 fields, found 2", "issue 2");
    tap_is_str(rep.first[2].text, "column 'when': 'notadate' is not a datetime (YYYY-MM-DD)",
               "issue 3");
    tap_is_int(rep.first[2].column, 3, "issue 3 column");
    tap_is_str(rep.first[3].text, "column 'qty': 'x' is not an int64",
               "row bad in two columns: the first column is named");
    tap_ok(t && strcmp(cell(t, "id", 0), "1") == 0 && strcmp(cell(t, "id", 1), "5") == 0 &&
               strcmp(cell(t, "id", 2), "7") == 0, "kept ids 1, 5, 7");
    tap_is_str(cell(t, "when", 2), "2020-01-08", "date_only datetime formats as a date");
    tap_is_str(rep.nnotes == 3 ? rep.notes[2] : NULL, "override datetime (YYYY-MM-DD)",
               "datetime override note");
    sg_table_free(t);
    sg_csv_report_free(&rep);
}

static void test_dates(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_table *t = read_fx("dates.csv", NULL, &rep, &err);
    const char *types[] = { "iso", "isot", "dmy", "mdy", "compact", "dash", "amb" };
    for (size_t k = 0; k < 7; k++)
        tap_is_int(type_of(t, types[k]), SG_DATETIME, types[k]);
    tap_is_str(cell(t, "iso", 0), "2011-12-09", "ISO date");
    tap_ok(t && sg_table_col(t, "iso")->date_only, "ISO dates: date_only");
    tap_is_str(cell(t, "isot", 0), "2011-12-09 08:30:00", "ISO with T");
    tap_is_str(cell(t, "isot", 1), "2011-01-31 23:59:00", "ISO with HH:MM");
    tap_ok(t && !sg_table_col(t, "isot")->date_only, "times: not date_only");
    tap_is_str(cell(t, "dmy", 1), "2011-02-01", "DD/MM/YYYY");
    tap_is_str(cell(t, "mdy", 1), "2011-02-01", "MM/DD/YYYY");
    tap_is_str(cell(t, "compact", 1), "1999-12-31", "YYYYMMDD");
    tap_is_str(cell(t, "dash", 0), "2010-12-25", "DD-MM-YYYY");
    tap_is_str(cell(t, "amb", 0), "2010-02-01", "ambiguous: day first by default");
    tap_is_int(type_of(t, "notdate"), SG_STRING, "day > 12 and month > 12 both seen: string");
    tap_is_int(type_of(t, "nocompact"), SG_INT64, "12345678 keeps a column int64");
    if (rep.nnotes == 9) {
        tap_is_str(rep.notes[2], "inferred datetime DD/MM/YYYY (a first part > 12 seen)",
                   "dmy note");
        tap_is_str(rep.notes[3], "inferred datetime MM/DD/YYYY (a second part > 12 seen)",
                   "mdy note");
        tap_is_str(rep.notes[4],
                   "inferred datetime YYYYMMDD (every value an 8-digit date, years 1900-2100)",
                   "compact note");
        tap_is_str(rep.notes[6], "inferred datetime DD/MM/YYYY: ambiguous, day first assumed",
                   "ambiguous note");
        tap_is_str(rep.notes[7],
                   "inferred string (slash dates with a first part > 12 and others with a "
                   "second part > 12)", "both-ways note");
    } else {
        tap_skip(5, "no notes");
    }
    sg_table_free(t);
    sg_csv_report_free(&rep);

    sg_csv_options_init(&o);
    o.date_order_mdy = 1;
    t = read_fx("dates.csv", &o, &rep, &err);
    tap_is_str(cell(t, "amb", 0), "2010-01-02", "ambiguous: month first when asked");
    tap_is_str(cell(t, "dmy", 0), "2010-12-25", "unambiguous column ignores the option");
    tap_is_str(rep.nnotes == 9 ? rep.notes[6] : NULL,
               "inferred datetime MM/DD/YYYY: ambiguous, month first assumed", "mdy note");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* a format forced by override */
    sg_csv_override ov = { "amb", SG_DATETIME, SG_DATE_MDY, 0 };
    sg_csv_options_init(&o);
    o.overrides = &ov;
    o.noverrides = 1;
    t = read_fx("dates.csv", &o, NULL, &err);
    tap_is_str(cell(t, "amb", 1), "2011-03-04", "override MM/DD/YYYY");
    sg_table_free(t);
    ov.column = "dmy";
    t = sg_csv_read(fx("dates.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("dates.csv", ":2:3: column 'dmy': '25/12/2010' is not a datetime (MM/DD/YYYY)"),
               "wrong forced format: message");
    sg_table_free(t);
}

static void test_values(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_table *t = read_fx("numbers.csv", NULL, &rep, &err);
    tap_is_int(type_of(t, "i"), SG_INT64, "i int64");
    tap_is_int(type_of(t, "p"), SG_DOUBLE, "int and double mixed: double");
    tap_is_double(t ? sg_column_num(sg_table_col(t, "p"), 0) : 0, 1.0, 0, "p[0] = 1");
    tap_is_double(t ? sg_column_num(sg_table_col(t, "p"), 2) : 0, 1000.0, 0, "p[2] = 1e3");
    tap_is_int(type_of(t, "big"), SG_DOUBLE, "beyond int64: double");
    tap_is_double(t ? sg_column_f64(sg_table_col(t, "big"))[1] : 0, 9223372036854775808.0, 0,
                  "big[1]");
    tap_is_int(type_of(t, "neg"), SG_INT64, "INT64_MIN and +7: int64");
    tap_ok(t && sg_column_i64(sg_table_col(t, "neg"))[0] == INT64_MIN, "INT64_MIN exact");
    tap_is_str(cell(t, "neg", 2), "7", "+7");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = read_fx("missing.csv", NULL, &rep, &err);
    tap_is_int(type_of(t, "a"), SG_INT64, "missing: a int64");
    tap_is_str(cell(t, "a", 1), "<NA>", "empty field missing");
    tap_is_str(cell(t, "a", 2), "3", "a[2]");
    tap_is_int(type_of(t, "b"), SG_DOUBLE, "NA / NaN are missing: b double");
    tap_ok(t && sg_column_na_count(sg_table_col(t, "b")) == 2, "b: 2 missing");
    tap_is_int(type_of(t, "c"), SG_STRING, "all missing: string");
    tap_ok(t && sg_column_na_count(sg_table_col(t, "c")) == 3, "c: 3 missing");
    tap_is_str(rep.nnotes == 4 ? rep.notes[2] : NULL, "inferred string (all values missing)",
               "all-missing note");
    tap_is_str(cell(t, "d", 1), "<NA>", "N/A missing in a string column");
    tap_is_str(cell(t, "d", 2), "y", "d[2]");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* custom markers replace the defaults */
    const char *na[] = { "x" };
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.na = na;
    o.nna = 1;
    t = read_fx("missing.csv", &o, NULL, &err);
    tap_is_str(cell(t, "d", 0), "<NA>", "custom marker 'x'");
    tap_is_str(cell(t, "b", 0), "NA", "'NA' is text with custom markers");
    tap_is_str(cell(t, "c", 0), "", "empty string is a value with custom markers");
    sg_table_free(t);

    /* bool overrides accept yes/no, y/n, 1/0, t/f */
    sg_csv_override ov = { "flag", SG_BOOL, SG_DATE_UNKNOWN, 0 };
    o.na = NULL;
    o.nna = 0;
    o.overrides = &ov;
    o.noverrides = 1;
    t = read_fx("bools.csv", &o, NULL, &err);
    tap_is_int(type_of(t, "flag"), SG_BOOL, "override bool");
    const char *flags[] = { "true", "false", "true", "false", "true" };
    for (size_t i = 0; i < 5; i++)
        tap_is_str(cell(t, "flag", i), flags[i], "yes N 1 f T");
    sg_table_free(t);
    t = sg_csv_read(fx("badbool.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("badbool.csv", ":3:1: column 'flag': 'maybe' is not a bool "
                                  "(true/false, yes/no, y/n, 1/0, t/f)"),
               "bad bool message");
    sg_table_free(t);
    t = read_fx("bools.csv", NULL, NULL, &err);
    tap_is_int(type_of(t, "flag"), SG_STRING, "yes/N/1 is not inferred bool");
    sg_table_free(t);

    /* int64 override accepts integral decimals such as "17850.0" */
    sg_csv_override ovp = { "p", SG_INT64, SG_DATE_UNKNOWN, 0 };
    o.overrides = &ovp;
    t = sg_csv_read(fx("numbers.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg, msg("numbers.csv", ":3:2: column 'p': '2.5' is not an int64"),
               "2.5 is not an int64");
    sg_table_free(t);
}

static void test_names_encoding(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_table *t = read_fx("dupnames.csv", NULL, &rep, &err);
    const char *want[] = { "Name", "col_2_2", "Name_2", "col_2", "x" };
    for (size_t j = 0; j < 5; j++)
        tap_is_str(t && t->ncols == 5 ? t->cols[j]->name : NULL, want[j], want[j]);
    tap_is_str(rep.nnotes == 5 ? rep.notes[2] : NULL,
               "inferred int64; duplicate header 'Name' renamed 'Name_2'", "rename note");
    tap_is_str(rep.nnotes == 5 ? rep.notes[1] : NULL,
               "inferred int64; empty header named 'col_2_2'", "empty header note");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = sg_csv_read(fx("latin1.csv"), NULL, NULL, &err);
    tap_ok(!t && err.code == SG_EDATA, "Latin-1 bytes without the option: error");
    tap_ok(strstr(err.msg, ":2:1: column 'name': 'Ren?' is not valid UTF-8") &&
               strstr(err.msg, "encoding = \"latin1\""), "message suggests latin1: %s", err.msg);
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.latin1 = 1;
    t = read_fx("latin1.csv", &o, NULL, &err);
    tap_is_str(cell(t, "name", 0), "Ren\xc3\xa9", "Latin-1 converted");
    tap_is_str(cell(t, "city", 1), "K\xc3\xb6ln", "Latin-1 converted (2)");
    sg_table_free(t);
}

/* The naming rule written the obvious (quadratic) way, as the reference
 * for the linear one: keep a new non-empty name, else try base, base_2,
 * base_3, ... against every header name and every final name so far. */
static int ref_taken(char **hdr, size_t n, char **fin, size_t nf, const char *s)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(hdr[k], s))
            return 1;
    for (size_t k = 0; k < nf; k++)
        if (!strcmp(fin[k], s))
            return 1;
    return 0;
}

static void test_wide_header(void)
{
    enum { N = 3000 };
    char path[] = "/tmp/sg_csv_wide_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    static char *hdr[N], *fin[N];
    if (!f) {
        tap_skip(4, "cannot write a temporary file");
        return;
    }
    /* x repeated, empty names, names that collide with generated ones */
    for (size_t j = 0; j < N; j++) {
        char b[32];
        if (j % 3 == 0)
            snprintf(b, sizeof b, "x");
        else if (j % 3 == 1)
            snprintf(b, sizeof b, "%s", j % 7 == 1 ? "" : "y");
        else
            snprintf(b, sizeof b, "x_%zu", j / 2);
        hdr[j] = strdup(b);
        fprintf(f, "%s%s", j ? "," : "", b);
    }
    fputc('\n', f);
    for (size_t j = 0; j < N; j++)
        fprintf(f, "%s%zu", j ? "," : "", j);
    fputc('\n', f);
    fclose(f);
    for (size_t j = 0; j < N; j++) {
        char base[64], cand[96];
        if (hdr[j][0] && !ref_taken(hdr, 0, fin, j, hdr[j])) {
            fin[j] = strdup(hdr[j]);
            continue;
        }
        if (hdr[j][0])
            snprintf(base, sizeof base, "%s", hdr[j]);
        else
            snprintf(base, sizeof base, "col_%zu", j + 1);
        snprintf(cand, sizeof cand, "%s", base);
        for (size_t k = 2; ref_taken(hdr, N, fin, j, cand); k++)
            snprintf(cand, sizeof cand, "%s_%zu", base, k);
        fin[j] = strdup(cand);
    }
    sg_error err;
    sg_csv_report rep;
    sg_table *t = sg_csv_read(path, NULL, &rep, &err);
    size_t same = 0;
    for (size_t j = 0; t && t->ncols == N && j < N; j++)
        same += !strcmp(t->cols[j]->name, fin[j]);
    tap_is_int(t ? (long long)t->ncols : -1, N, "3000 columns read");
    tap_is_int((long long)same, N, "every name as the reference rule gives");
    /* hand-checked: the header holds x_1, x_2, x_4, x_5, x_7, ...; the
     * second x (column 4) gets x_3, the third (column 7) x_6 */
    tap_is_str(t && t->ncols == N ? t->cols[3]->name : NULL, "x_3", "second x is x_3");
    tap_is_str(t && t->ncols == N ? t->cols[6]->name : NULL, "x_6",
               "third x skips x_3, x_4, x_5");
    sg_table_free(t);
    sg_csv_report_free(&rep);
    for (size_t j = 0; j < N; j++) {
        free(hdr[j]);
        free(fin[j]);
    }
    remove(path);
}

static void progress(void *ud, uint64_t done, uint64_t total)
{
    uint64_t *last = ud;
    last[0]++;
    last[1] = done;
    last[2] = total;
}

static void test_edges(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_table *t = read_fx("header_only.csv", NULL, &rep, &err);
    tap_ok(t && t->nrows == 0 && t->ncols == 2, "header only: 0 rows, 2 columns");
    tap_is_int(type_of(t, "b"), SG_STRING, "header only: string columns");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = sg_csv_read(fx("empty.csv"), NULL, &rep, &err);
    tap_ok(!t && err.code == SG_EDATA, "empty file: error");
    tap_is_str(err.msg, msg("empty.csv", ": the file is empty (no header row)"), "empty message");
    tap_ok(rep.notes == NULL && rep.nnotes == 0, "report empty after failure");

    t = sg_csv_read(fx("unterminated.csv"), NULL, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("unterminated.csv",
                   ":3:2: column 'b': unterminated quoted field: the quote opened here is never "
                   "closed (quotes = \"lenient\" reads the rest of the file into the field)"),
               "unterminated quote names the line and field where it opened");

    t = sg_csv_read("/nonexistent/x.csv", NULL, NULL, &err);
    tap_ok(!t && err.code == SG_EIO, "missing file: SG_EIO");
    tap_is_str(err.msg, "cannot open '/nonexistent/x.csv': No such file or directory",
               "EIO message");

    sg_csv_override ov = { "nope", SG_INT64, SG_DATE_UNKNOWN, 0 };
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.overrides = &ov;
    o.noverrides = 1;
    t = sg_csv_read(fx("pipe.csv"), &o, NULL, &err);
    tap_ok(!t && err.code == SG_EINVAL && strstr(err.msg, "'nope'"),
           "override of an unknown column");

    uint64_t seen[3] = { 0, 0, 0 };
    sg_csv_options_init(&o);
    o.max_rows = 2;
    o.progress = progress;
    o.progress_ud = seen;
    t = read_fx("quoted.csv", &o, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 2, "max_rows 2");
    tap_ok(seen[0] >= 1 && seen[1] == rep.bytes && seen[2] == rep.bytes && rep.bytes == 89,
           "progress called with the file size (%llu %llu %llu)", (unsigned long long)seen[0],
           (unsigned long long)seen[1], (unsigned long long)rep.bytes);
    sg_table_free(t);
    sg_csv_report_free(&rep);
}

/* A quote that does not close properly: an error at the opening quote,
 * or libcsv's lenient reading with the merged lines counted. */
static void test_quotes(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_table *t = sg_csv_read(fx("badquote.csv"), NULL, &rep, &err);
    tap_ok(!t && err.code == SG_EDATA, "a quote not closed properly is an error");
    tap_is_str(err.msg,
               msg("badquote.csv",
                   ":2:2: column 'desc': quote not closed properly: in the field quoted here, a "
                   "quote on line 4 is followed by 'y' where a closing quote must be followed by "
                   "a delimiter or a line end (a quote inside quotes is written twice; quotes = "
                   "\"lenient\" reads such fields as text)"),
               "the message names the opening quote (line 2, field 2) and the bad quote's line");

    sg_csv_options_init(&o);
    o.lenient_quotes = 1;
    t = read_fx("badquote.csv", &o, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 2, "lenient: 2 rows, as libcsv reads it");
    tap_is_str(cell(t, "desc", 0), "abc,5\n2,x,6\n3,\"y", "lenient: lines 2-4 in one field");
    tap_is_str(cell(t, "qty", 0), "7", "lenient: the field goes on to the next closing quote");
    tap_is_str(cell(t, "id", 1), "4", "lenient: line 5 is the second row");
    tap_ok(rep.bad_quotes == 1 && rep.lines_merged == 2 && rep.bad_quote_line == 2 &&
               rep.bad_quote_field == 2, "lenient: 1 field, 2 lines merged, opened at 2:2");
    tap_is_str(rep.nwarnings ? rep.warnings[0] : NULL,
               "quotes: 2 lines merged into 1 quoted field not closed properly (the first "
               "opened on line 2, field 2)", "lenient: the warning says so");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = read_fx("unterminated.csv", &o, &rep, &err);
    tap_ok(t && t->nrows == 2 && rep.bad_quotes == 1 && rep.lines_merged == 1,
           "lenient: an unterminated quote takes the rest of the file, 1 line merged");
    tap_is_str(cell(t, "b", 1), "oops\n4,5\n", "lenient: the rest of the file in the field");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* a quote inside an unquoted field is text in both modes */
    t = read_fx("strayquote.csv", NULL, &rep, &err);
    tap_is_int(t ? (long long)t->nrows : -1, 3, "stray quote: 3 rows");
    tap_is_str(cell(t, "desc", 0), "12\" screen", "a quote inside an unquoted field is text");
    tap_is_str(cell(t, "desc", 1), "say \"hi\"", "doubled quotes in a quoted field");
    tap_is_str(cell(t, "desc", 2), "a,b", "quoted delimiter");
    tap_ok(rep.bad_quotes == 0 && rep.nwarnings == 0, "nothing to report");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* a space after the closing quote is not a delimiter */
    t = sg_csv_read(fx("quotespace.csv"), NULL, NULL, &err);
    tap_ok(!t && strstr(err.msg, "quotespace.csv:3:2: column 'desc': quote not closed properly: "
                                 "in the field quoted here, a quote on line 3 is followed by ' '"),
           "a space after a closing quote: %s", err.msg);
    t = sg_csv_read(fx("quotespace.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg, msg("quotespace.csv", ":3: expected 3 fields, found 2"),
               "lenient: the field runs to the end of the file, as libcsv reads it");
}

/* Columns read as text that were almost all numbers or dates, expected
 * kinds, non-finite numbers and NUL bytes. */
static void test_suspects(void)
{
    sg_error err;
    sg_csv_report rep;
    sg_csv_options o;
    sg_table *t = read_fx("baddate.csv", NULL, &rep, &err);
    tap_is_int(type_of(t, "InvoiceDate"), SG_STRING, "one bad date: the column is text");
    tap_is_int(type_of(t, "qty"), SG_INT64, "qty int64");
    tap_is_int((long long)rep.nsuspects, 3, "3 suspects: InvoiceDate, price, code");
    tap_is_int((long long)rep.nwarnings, 3, "3 warnings");
    if (rep.nsuspects == 3) {
        const sg_csv_suspect *a = &rep.suspects[0], *b = &rep.suspects[1], *c = &rep.suspects[2];
        tap_ok(a->column == 1 && a->kind == SG_CSV_DATES && a->format == SG_DATE_ISO &&
                   a->bad_rows == 1 && a->rows == 20 && a->nfirst == 1 && a->first[0].line == 13 &&
                   !strcmp(a->first[0].text, "2024-02-30"),
               "InvoiceDate: dates, line 13 '2024-02-30', 1 of 20");
        tap_is_str(a->message,
                   "column 'InvoiceDate' read as text because line 13 has '2024-02-30': 1 of 20 "
                   "values is not a date (YYYY-MM-DD)", "InvoiceDate message");
        tap_ok(b->column == 2 && b->kind == SG_CSV_NUMBERS && b->bad_rows == 2 && b->nfirst == 2 &&
                   b->first[0].line == 16 && !strcmp(b->first[1].text, "1e999"),
               "price: numbers, 'inf' on line 16 and '1e999'");
        tap_is_str(b->message,
                   "column 'price' read as text because line 16 has 'inf' and line 18 has "
                   "'1e999': 2 of 20 values are not numbers (inf, nan and values beyond the "
                   "double range do not count as numbers)", "price message");
        tap_is_str(c->message,
                   "column 'code' read as text because line 6 has 'A7' and line 10 has 'B9': 2 "
                   "of 20 values are not numbers", "code message");
        tap_is_str(rep.warnings[0], a->message, "the warnings carry the messages");
    } else {
        tap_skip(6, "suspects missing");
    }
    sg_table_free(t);
    sg_csv_report_free(&rep);

    t = read_fx("mixdates.csv", NULL, &rep, &err);
    tap_is_str(rep.nsuspects == 1 ? rep.suspects[0].message : NULL,
               "column 'when' read as text because line 5 has '04/03/2024', line 9 has "
               "'08/03/2024' and line 13 has '12/03/2024': 5 of 20 values are not dates "
               "(YYYY-MM-DD)", "mixed layouts: the minority layout is named");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* a text column, and one that is text for a quarter of its values: no suspect */
    t = read_fx("semicolon.csv", NULL, &rep, &err);
    tap_ok(t && rep.nsuspects == 0 && rep.nwarnings == 0, "text columns: nothing to report");
    sg_table_free(t);
    sg_csv_report_free(&rep);
    t = read_fx("lines.csv", NULL, &rep, &err);
    tap_ok(t && rep.nsuspects == 0, "qty with 1 'oops' in 6 values (83%%): no suspect");
    sg_table_free(t);
    sg_csv_report_free(&rep);

    /* expected kinds: the read fails at the first offending value */
    sg_csv_expect ex[2] = { { "InvoiceDate", SG_CSV_DATES }, { "qty", SG_CSV_NUMBERS } };
    sg_csv_options_init(&o);
    o.expect = ex;
    o.nexpect = 2;
    t = sg_csv_read(fx("baddate.csv"), &o, NULL, &err);
    tap_ok(!t && err.code == SG_EDATA, "expected dates that are not: SG_EDATA");
    tap_is_str(err.msg,
               msg("baddate.csv", ":13:2: column 'InvoiceDate' read as text because line 13 has "
                                  "'2024-02-30': 1 of 20 values is not a date (YYYY-MM-DD)"),
               "expect: file:line:column and the value");
    ex[0].column = "id";
    t = sg_csv_read(fx("baddate.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("baddate.csv", ": column 'id' must hold dates but was read as int64 "
                                  "(inferred int64)"), "expect dates on an int64 column");
    ex[0].column = "nope";
    t = sg_csv_read(fx("baddate.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("baddate.csv", ": the header has no column 'nope' (it must hold dates)"),
               "expect an absent column");
    ex[0].column = "id";
    ex[0].kind = SG_CSV_NUMBERS;
    t = read_fx("baddate.csv", &o, NULL, &err);
    tap_ok(t != NULL, "expectations met: the table");
    sg_table_free(t);
    sg_csv_expect ex2 = { "c", SG_CSV_NUMBERS };
    o.expect = &ex2;
    o.nexpect = 1;
    t = sg_csv_read(fx("missing.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("missing.csv", ": column 'c' must hold numbers but every value is missing"),
               "expect numbers on an all-missing column");

    /* an explicit type: file:line:column, the value, and why */
    sg_csv_override ov = { "price", SG_DOUBLE, SG_DATE_UNKNOWN, 0 };
    sg_csv_options_init(&o);
    o.overrides = &ov;
    o.noverrides = 1;
    t = sg_csv_read(fx("baddate.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("baddate.csv", ":16:3: column 'price': 'inf' is not a double (inf, nan and "
                                  "values beyond the double range do not count as numbers)"),
               "double override: 'inf' named with the rule");
    sg_csv_override ovd = { "InvoiceDate", SG_DATETIME, SG_DATE_UNKNOWN, 0 };
    o.overrides = &ovd;
    t = sg_csv_read(fx("baddate.csv"), &o, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("baddate.csv", ":13:2: column 'InvoiceDate': '2024-02-30' is not a datetime "
                                  "(YYYY-MM-DD)"), "datetime override: the bad date named");

    /* non-finite spellings */
    tap_ok(sg_csv_not_finite("inf", 3) && sg_csv_not_finite("-Infinity", 9) &&
               sg_csv_not_finite(" NaN ", 5) && sg_csv_not_finite("1e999", 5) &&
               sg_csv_not_finite("-1.5E+400", 9),
           "inf, -Infinity, NaN, 1e999, -1.5E+400 are not finite");
    tap_ok(!sg_csv_not_finite("1e300", 5) && !sg_csv_not_finite("info", 4) &&
               !sg_csv_not_finite("nano", 4) && !sg_csv_not_finite("", 0),
           "1e300, info, nano, '' are not non-finite numbers");
    double d = -1;
    tap_ok(sg_csv_parse_f64("1e-999", 6, &d) == 0 && d == 0.0,
           "1e-999 reads as 0 (below the smallest double)");

    /* NUL bytes */
    t = sg_csv_read(fx("nul.csv"), NULL, NULL, &err);
    tap_is_str(t ? "" : err.msg,
               msg("nul.csv", ":4:2: column 'name': a NUL byte (byte 4 of the field): a text CSV "
                              "file has none; is the file UTF-16 or binary?"),
               "a NUL byte: its line, field and byte");
    char path[] = "/tmp/sg_csv_nul_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0 && write(fd, "i\0d,x\n1,2\n", 10) == 10) {
        t = sg_csv_read(path, NULL, NULL, &err);
        char want[200];
        snprintf(want, sizeof want, "%s:1:1: a NUL byte (byte 2 of the field, in the header): a "
                 "text CSV file has none; is the file UTF-16 or binary?", path);
        tap_is_str(t ? "" : err.msg, want, "a NUL byte in the header");
    } else {
        tap_skip(1, "cannot write a temporary file");
    }
    if (fd >= 0)
        close(fd);
    remove(path);
}

static void test_online_retail(void)
{
    const char *dir = tap_shared_data();
    char path[4096];
    if (!dir) {
        tap_skip(10, "no shared data folder");
        return;
    }
    snprintf(path, sizeof path, "%s/online_retail/online_retail.csv", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        tap_skip(10, "online_retail.csv absent");
        return;
    }
    fclose(f);
    sg_error err;
    sg_csv_report rep;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    sg_table *t = sg_csv_read(path, NULL, &rep, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    if (!t)
        tap_diag("%s", err.msg);
    tap_is_int(t ? (long long)t->nrows : -1, 541909, "online retail: 541909 rows");
    tap_is_int(t ? (long long)t->ncols : -1, 8, "online retail: 8 columns");
    tap_is_int(type_of(t, "InvoiceDate"), SG_DATETIME, "InvoiceDate datetime");
    tap_is_int(type_of(t, "Quantity"), SG_INT64, "Quantity int64");
    tap_is_int(type_of(t, "UnitPrice"), SG_DOUBLE, "UnitPrice double");
    tap_is_int(type_of(t, "CustomerID"), SG_DOUBLE, "CustomerID double");
    tap_is_int(t ? (long long)sg_column_na_count(sg_table_col(t, "CustomerID")) : -1, 135080,
               "CustomerID: 135080 missing");
    tap_is_str(cell(t, "InvoiceDate", 0), "2010-12-01 08:26:00", "first InvoiceDate");
    tap_is_double(t ? sg_column_num(sg_table_col(t, "CustomerID"), 0) : 0, 17850.0, 0,
                  "first CustomerID");
    tap_is_double(t ? sg_column_num(sg_table_col(t, "UnitPrice"), 0) : 0, 2.55, 0,
                  "first UnitPrice");
    tap_diag("online retail: %.3f s, %.1f MB/s, peak accounted memory %.1f MB for a %.1f MB file",
             secs, (double)rep.bytes / secs / 1e6, (double)sg_mem_peak() / 1e6,
             (double)rep.bytes / 1e6);
    sg_table_free(t);
    sg_csv_report_free(&rep);
}


/* ---- parallel reading: a generated file big enough to be cut ---- */

typedef struct gen_spec {
    size_t rows;
    int crlf;
    size_t bad_fields_at;    /* a 2-field record before data row k (SIZE_MAX: none) */
    size_t bad_utf8_at;      /* name of data row k holds an invalid byte */
    size_t bad2_at;          /* a second 2-field record */
    size_t bad_quote_at;     /* name of data row k is "Nm"x (a quote not closed properly) */
    size_t nul_at;           /* name of data row k holds a NUL byte */
    uint64_t bad_line, utf8_line, bad2_line, quote_line, nul_line;   /* out: their lines */
    size_t qty_na;           /* out: missing qty values */
} gen_spec;

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* id,when,name,qty,code,price,note: quoted commas, quotes and newlines all
 * along (densely around the middle, where the cut falls), missing
 * values, a late int64 -> double promotion (qty, row 290000 of 300000)
 * and a late speculation fallback (code turns string at row 250000). */
static int gen_file(const char *path, gen_spec *g)
{
    FILE *f = fopen(path, "wb");
    const char *nl = g->crlf ? "\r\n" : "\n";
    uint32_t seed = 12345;
    uint64_t line = 1;
    if (!f)
        return -1;
    fprintf(f, "id,when,name,qty,code,price,note%s", nl);
    line++;
    g->qty_na = 0;
    for (size_t i = 0; i < g->rows; i++) {
        if (i == g->bad_fields_at || i == g->bad2_at) {
            if (i == g->bad_fields_at)
                g->bad_line = line;
            else
                g->bad2_line = line;
            fprintf(f, "1,2%s", nl);
            line++;
        }
        char name[64], qty[32], code[32], note[96];
        int dense = i >= g->rows * 45 / 100 && i < g->rows * 55 / 100;
        uint32_t r = lcg(&seed);
        if (i == g->bad_utf8_at) {
            snprintf(name, sizeof name, "Bad\xff");
            g->utf8_line = line;
        } else if (i == g->bad_quote_at) {
            snprintf(name, sizeof name, "\"Nm\"x");
            g->quote_line = line;
        } else if (i == g->nul_at) {
            snprintf(name, sizeof name, "N\x01l");    /* the \x01 becomes a NUL below */
            g->nul_line = line;
        } else if (r % 11 == 0) {
            snprintf(name, sizeof name, "\"Name, %u \"\"q\"\"\"", r % 5000);
        } else {
            snprintf(name, sizeof name, "N%u", r % 5000);
        }
        if (i % 97 == 0) {
            snprintf(qty, sizeof qty, "%s", i % 2 ? "NA" : "");
            g->qty_na++;
        } else if (i == g->rows * 29 / 30) {
            snprintf(qty, sizeof qty, "2.5");
        } else {
            snprintf(qty, sizeof qty, "%d", (int)(r % 60) - 5);
        }
        if (i == g->rows * 5 / 6)
            snprintf(code, sizeof code, "A17");
        else
            snprintf(code, sizeof code, "%u", r % 900 + 100);
        int multi = dense || i % 7 == 3;
        if (multi)
            snprintf(note, sizeof note, "\"line one, %zu%sline \"\"two\"\"\"", i % 10, nl);
        else
            snprintf(note, sizeof note, "%s", i % 5 ? "plain" : "");
        char row[512];
        int n = snprintf(row, sizeof row, "%zu,2023-%02zu-%02zu %02zu:%02zu:%02zu,%s,%s,%s,%u.%02u,%s%s",
                         500000 + i / 2, 1 + i % 12, 1 + (i / 12) % 28, (i / 7) % 24, i % 60,
                         (i * 7) % 60, name, qty, code, r % 500, r % 100, note, nl);
        for (int k = 0; k < n; k++)
            if (row[k] == '\x01')
                row[k] = '\0';
        fwrite(row, 1, (size_t)n, f);
        line += 1 + (multi ? 1 : 0);
    }
    return fclose(f);
}

/* Every column, value, missing bit and dictionary entry (in code order) equal. */
static int same_tables(const sg_table *a, const sg_table *b)
{
    if (!a || !b || a->ncols != b->ncols || a->nrows != b->nrows) {
        tap_diag("shape differs");
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(x->name, y->name) || x->type != y->type || x->date_only != y->date_only ||
            x->n != y->n) {
            tap_diag("column %zu differs", j);
            return 0;
        }
        size_t w = x->type == SG_BOOL ? 1 : x->type == SG_STRING ? 4 : 8;
        for (size_t i = 0; i < x->n; i++)
            if (sg_column_is_na(x, i) != sg_column_is_na(y, i) ||
                memcmp((const char *)x->data + i * w, (const char *)y->data + i * w, w)) {
                tap_diag("column %s row %zu differs", x->name, i);
                return 0;
            }
        if (x->type != SG_STRING)
            continue;
        if (sg_dict_size(x->dict) != sg_dict_size(y->dict)) {
            tap_diag("dictionary of %s: %zu vs %zu strings", x->name, sg_dict_size(x->dict),
                     sg_dict_size(y->dict));
            return 0;
        }
        for (size_t c = 0; c < sg_dict_size(x->dict); c++) {
            size_t l1, l2;
            const char *s1 = sg_dict_str(x->dict, (int32_t)c, &l1);
            const char *s2 = sg_dict_str(y->dict, (int32_t)c, &l2);
            if (l1 != l2 || memcmp(s1, s2, l1)) {
                tap_diag("dictionary of %s differs at code %zu", x->name, c);
                return 0;
            }
        }
    }
    return 1;
}

static sg_table *read_threads(const char *path, const char *threads, const sg_csv_options *o,
                              sg_csv_report *rep, sg_error *err)
{
    setenv("SG_THREADS", threads, 1);
    sg_table *t = sg_csv_read(path, o, rep, err);
    unsetenv("SG_THREADS");
    return t;
}

static void test_parallel(void)
{
    char path[] = "/tmp/sg_csv_par_XXXXXX";
    int fd = mkstemp(path);
    gen_spec g = { 300000, 0, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, 0, 0, 0, 0, 0, 0 };
    if (fd < 0 || (close(fd), gen_file(path, &g)) != 0) {
        tap_skip(24, "cannot write a temporary file");
        return;
    }
    sg_error err;
    sg_csv_report r1, r2, r3;
    sg_table *t1 = read_threads(path, "1", NULL, &r1, &err);
    sg_table *t2 = read_threads(path, "2", NULL, &r2, &err);
    sg_table *t3 = read_threads(path, "3", NULL, &r3, &err);
    tap_ok(t1 && r1.bytes > (8u << 20), "generated file read (%llu bytes: cut in ranges)",
           (unsigned long long)r1.bytes);
    tap_ok(same_tables(t1, t2), "2 threads: identical table and dictionaries");
    tap_ok(same_tables(t1, t3), "3 threads: identical table and dictionaries");
    int notes_same = r1.nnotes == r2.nnotes && r1.nnotes == r3.nnotes &&
                     r1.rows_read == r2.rows_read && r1.rows_read == r3.rows_read;
    for (size_t j = 0; notes_same && j < r1.nnotes; j++)
        notes_same = !strcmp(r1.notes[j], r2.notes[j]) && !strcmp(r1.notes[j], r3.notes[j]);
    tap_ok(notes_same, "identical reports");
    tap_is_int(t2 ? (long long)t2->nrows : -1, 300000, "300000 rows");
    tap_is_int(type_of(t2, "id"), SG_INT64, "id int64");
    tap_is_int(type_of(t2, "when"), SG_DATETIME, "when datetime");
    tap_is_int(type_of(t2, "qty"), SG_DOUBLE, "qty: int64 promoted to double by a late 2.5");
    tap_is_int(type_of(t2, "code"), SG_STRING, "code: late 'A17' makes it string (fallback)");
    tap_is_int(type_of(t2, "price"), SG_DOUBLE, "price double");
    tap_is_str(r2.nnotes == 7 ? r2.notes[3] : NULL, "inferred double", "qty note");
    tap_is_str(r2.nnotes == 7 ? r2.notes[4] : NULL, "inferred string", "code note");
    tap_is_str(cell(t2, "qty", 290000), "2.5", "qty[290000] = 2.5");
    tap_is_str(cell(t2, "qty", 290001), t1 ? cell(t1, "qty", 290001) : "?", "qty[290001]");
    tap_is_str(cell(t2, "qty", 97), "<NA>", "qty[97]: NA is missing");
    tap_ok(t2 && sg_column_na_count(sg_table_col(t2, "qty")) == g.qty_na, "qty: %zu missing",
           g.qty_na);
    tap_is_str(cell(t2, "code", 250000), "A17", "code[250000]");
    tap_is_str(cell(t2, "id", 299999), "649999", "last id");
    tap_is_str(cell(t2, "note", 150000), "line one, 0\nline \"two\"", "multi-line note mid-file");
    tap_is_str(cell(t2, "when", 1), "2023-02-01 00:01:07", "when[1]");
    sg_table_free(t1);
    sg_table_free(t2);
    sg_table_free(t3);
    sg_csv_report_free(&r1);
    sg_csv_report_free(&r2);
    sg_csv_report_free(&r3);

    /* CRLF line ends: the cut and the line counts see a CR LF as one */
    g.crlf = 1;
    gen_file(path, &g);
    t1 = read_threads(path, "1", NULL, NULL, &err);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    tap_ok(t1 && same_tables(t1, t2), "CRLF: identical tables");
    sg_table_free(t1);
    sg_table_free(t2);

    /* errors in the second range name the right line */
    char want[600], got1[1024];
    g.crlf = 0;
    g.bad_fields_at = 200000;
    gen_file(path, &g);
    t1 = read_threads(path, "1", NULL, NULL, &err);
    snprintf(got1, sizeof got1, "%s", err.msg);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    snprintf(want, sizeof want, "%s:%llu: expected 7 fields, found 2", path,
             (unsigned long long)g.bad_line);
    tap_ok(!t1 && !t2, "field count error: no table");
    tap_is_str(got1, want, "one thread: field count error line");
    tap_is_str(err.msg, want, "two threads: field count error line in the second range");

    g.bad_fields_at = SIZE_MAX;
    g.bad_utf8_at = 220000;
    gen_file(path, &g);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    snprintf(want, sizeof want,
             "%s:%llu:3: column 'name': 'Bad?' is not valid UTF-8; if the file is Latin-1, read "
             "it with encoding = \"latin1\"", path, (unsigned long long)g.utf8_line);
    tap_is_str(t2 ? "" : err.msg, want, "UTF-8 error line in the second range");

    /* a quote not closed properly in the second range: the same error on
     * one thread and two; read leniently, the same table or error */
    g.bad_utf8_at = SIZE_MAX;
    g.bad_quote_at = 230000;
    gen_file(path, &g);
    t1 = read_threads(path, "1", NULL, NULL, &err);
    snprintf(got1, sizeof got1, "%s", err.msg);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    snprintf(want, sizeof want,
             "%s:%llu:3: column 'name': quote not closed properly: in the field quoted here, a "
             "quote on line %llu is followed by 'x'", path, (unsigned long long)g.quote_line,
             (unsigned long long)g.quote_line);
    tap_ok(!t1 && !strncmp(got1, want, strlen(want)), "bad quote, one thread: %s", got1);
    tap_is_str(t2 ? "" : err.msg, got1, "bad quote, two threads: the same message");
    sg_csv_options lo;
    sg_csv_options_init(&lo);
    lo.lenient_quotes = 1;
    t1 = read_threads(path, "1", &lo, &r1, &err);
    snprintf(got1, sizeof got1, "%s", t1 ? "" : err.msg);
    t2 = read_threads(path, "2", &lo, &r2, &err);
    tap_ok(t1 ? same_tables(t1, t2) && r1.lines_merged == r2.lines_merged &&
                    r1.bad_quotes == r2.bad_quotes
              : !t2 && !strcmp(got1, err.msg),
           "lenient: one thread and two agree (%s)", t1 ? "a table" : got1);
    sg_table_free(t1);
    sg_table_free(t2);
    sg_csv_report_free(&r1);
    sg_csv_report_free(&r2);
    g.bad_quote_at = SIZE_MAX;

    /* a NUL byte in the second range: the same error on one thread and two */
    g.nul_at = 240000;
    gen_file(path, &g);
    t1 = read_threads(path, "1", NULL, NULL, &err);
    snprintf(got1, sizeof got1, "%s", err.msg);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    snprintf(want, sizeof want, "%s:%llu:3: column 'name': a NUL byte (byte 2 of the field)", path,
             (unsigned long long)g.nul_line);
    tap_ok(!t1 && !strncmp(got1, want, strlen(want)), "NUL byte, one thread: %s", got1);
    tap_is_str(t2 ? "" : err.msg, got1, "NUL byte, two threads: the same message");
    g.nul_at = SIZE_MAX;

    /* two errors: the first in file order wins */
    g.bad_fields_at = 1000;
    gen_file(path, &g);
    t2 = read_threads(path, "2", NULL, NULL, &err);
    snprintf(want, sizeof want, "%s:%llu: expected 7 fields, found 2", path,
             (unsigned long long)g.bad_line);
    tap_is_str(t2 ? "" : err.msg, want, "error in the first range wins over the second's");

    /* skip mode: issues of both ranges, in file order */
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.skip_bad_rows = 1;
    g.bad_utf8_at = SIZE_MAX;
    g.bad_fields_at = 100;
    g.bad2_at = 260000;
    gen_file(path, &g);
    t2 = read_threads(path, "2", &o, &r2, &err);
    tap_ok(t2 && t2->nrows == 300000 && r2.rows_skipped == 2 && r2.nfirst == 2,
           "skip mode: 2 records skipped, 300000 kept");
    tap_ok(r2.nfirst == 2 && r2.first[0].line == g.bad_line && r2.first[1].line == g.bad2_line,
           "skip mode: issue lines %llu and %llu",
           (unsigned long long)(r2.nfirst ? r2.first[0].line : 0),
           (unsigned long long)(r2.nfirst > 1 ? r2.first[1].line : 0));
    sg_table_free(t2);
    sg_csv_report_free(&r2);
    remove(path);
}

/* Numbered ids in a dictionary big enough to queue its lookups, as the
 * generated transactions have them: customer ids in random order (most
 * found in the dictionary's direct index when they come back, skipping the
 * queue), invoices numbered in file order among cancellations of another
 * prefix, non-keys ("C0123", "X7"), missing values and repeats.  Every
 * row's text reads back, the codes are in first-seen order, and one
 * thread and two build the same table. */
static void test_numbered_ids(void)
{
    enum { ROWS = 160000 };
    char path[] = "/tmp/sg_csv_ids_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    char (*cust)[16] = malloc((size_t)ROWS * sizeof *cust);
    char (*inv)[16] = malloc((size_t)ROWS * sizeof *inv);
    if (!f || !cust || !inv) {
        tap_skip(5, "cannot write a temporary file");
        free(cust);
        free(inv);
        return;
    }
    uint32_t seed = 777;
    fprintf(f, "invoice,customer,qty\n");
    for (size_t i = 0; i < ROWS; i++) {
        uint32_t r = lcg(&seed);
        if (i % 101 == 7)
            snprintf(cust[i], sizeof cust[i], "%s", i % 2 ? "NA" : "");
        else if (i % 53 == 5)
            snprintf(cust[i], sizeof cust[i], "%s", r % 2 ? "C0123" : "X7");
        else if (i % 3 == 1)
            memcpy(cust[i], cust[i - 1], sizeof cust[i]);             /* a repeat */
        else
            snprintf(cust[i], sizeof cust[i], "C%u", 100000 + r % 60000);
        snprintf(inv[i], sizeof inv[i], r % 29 == 0 ? "C%zu" : "%zu", 500000 + i / 3);
        fprintf(f, "%s,%s,%u\n", inv[i], cust[i], r % 5);
    }
    if (fclose(f) != 0) {
        tap_skip(5, "cannot write a temporary file");
        free(cust);
        free(inv);
        remove(path);
        return;
    }
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_override ov[2] = { { "invoice", SG_STRING, SG_DATE_UNKNOWN, 0 },
                              { "customer", SG_STRING, SG_DATE_UNKNOWN, 0 } };
    o.overrides = ov;
    o.noverrides = 2;
    sg_error err;
    /* 64 KiB blocks, and files cut from 1 MiB (this one is about 3 MB) */
    sg_csv_tune((size_t)64 << 10, (uint64_t)1 << 20, 0);
    sg_table *t1 = read_threads(path, "1", &o, NULL, &err);
    sg_table *t2 = read_threads(path, "2", &o, NULL, &err);
    sg_csv_tune(0, 0, 0);
    int ok = t1 && t1->nrows == ROWS;
    int first_seen = 1, na_ok = 1;
    size_t ndistinct = 0;
    for (size_t j = 0; ok && j < 2; j++) {
        const sg_column *c = sg_table_col(t1, j ? "customer" : "invoice");
        const char (*want)[16] = j ? (const char (*)[16])cust : (const char (*)[16])inv;
        int32_t next = 0;
        ok = c && c->type == SG_STRING;
        for (size_t i = 0; ok && i < ROWS; i++) {
            int na = j && (!want[i][0] || !strcmp(want[i], "NA"));
            if (na) {
                na_ok &= sg_column_is_na(c, i);
                continue;
            }
            int32_t code = ((const int32_t *)c->data)[i];
            size_t l;
            const char *s = sg_dict_str(c->dict, code, &l);
            ok &= !sg_column_is_na(c, i) && s && l == strlen(want[i]) && !memcmp(s, want[i], l);
            if (code == next)
                next++;
            else
                first_seen &= code < next;
        }
        if (j)
            ndistinct = (size_t)next;
        first_seen &= c && (size_t)next == sg_dict_size(c->dict);
    }
    tap_ok(ok, "numbered ids in big dictionaries: every row reads back its text");
    tap_ok(first_seen, "codes in first-seen order");
    tap_ok(na_ok, "missing markers stay missing");
    tap_ok(ndistinct > 32768, "the customer dictionary is big enough to queue (%zu strings)", ndistinct);
    tap_ok(same_tables(t1, t2), "one thread and two: the same table");
    sg_table_free(t1);
    sg_table_free(t2);
    free(cust);
    free(inv);
    remove(path);
}

/* ---- records without quotes (csv_plain.c) ----
 * Random files built from pieces that stress the border between the plain
 * records and libcsv: quoted fields with delimiters, doubled quotes and line
 * ends, a quote inside an unquoted field (12" screen), a closing quote
 * followed by text, CR, LF and CRLF, blank lines (also over more than the
 * 64 bytes the plain path looks at at once), a NUL byte, Latin-1 and
 * UTF-8 bytes, records of more fields than the plain path keeps, and a last
 * record without its line end.  Each file is read with the plain path and
 * with libcsv alone, on small blocks (a record cut anywhere) or the shipped
 * ones, on one thread or two, with max_rows or not: the tables, the reports
 * and the messages must be the same. */
static uint64_t plain_rng = 88172645463325252ull;

static unsigned plain_rand(unsigned n)
{
    plain_rng ^= plain_rng << 13;
    plain_rng ^= plain_rng >> 7;
    plain_rng ^= plain_rng << 17;
    return (unsigned)(plain_rng % n);
}

/* One field: quoted pieces one time in `quotes` (0: never); messy files
 * also get the pieces that fail a read. */
static void plain_piece(FILE *f, int messy, unsigned quotes)
{
    static const char *const plain[] = {
        "abc", "12", "3.5", "-7", "2011-12-09", "", "", "x y", " pad ", "NA", "\xC3\xA9t\xC3\xA9",
        "C536379", "536365", "a longer text of more than thirty bytes", "\xE9t\xE9",
    };
    static const char *const quoted[] = {
        "\"q\"", "\"a,b\"", "\"a;b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "\"cr\rlf\r\n\"",
        "12\" screen", "\"\"", "a\"b\"c", "\"bad\"x",
    };
    /* the last of each fails a read but with latin1, lenient quotes */
    size_t nplain = sizeof plain / sizeof *plain - !messy;
    size_t nquoted = sizeof quoted / sizeof *quoted - !messy;
    unsigned k = messy ? plain_rand(200) : 2;
    if (k == 0) {
        fputc('\0', f);
        fputs("nul", f);
    } else if (k == 1) {
        fputs("\"open", f);         /* a quote that may never close */
    } else if (quotes && plain_rand(quotes) == 0) {
        fputs(quoted[plain_rand((unsigned)nquoted)], f);
    } else {
        fputs(plain[plain_rand((unsigned)nplain)], f);
    }
}

static void plain_end(FILE *f)
{
    static const char *const ends[] = { "\n", "\n", "\n", "\r\n", "\r", "\n\n", "\r\n\r\n" };
    if (plain_rand(50) == 0) {       /* blank lines over more than 64 bytes */
        for (unsigned k = 65 + plain_rand(100); k > 0; k--)
            fputc(plain_rand(2) ? '\n' : '\r', f);
        return;
    }
    fputs(ends[plain_rand(sizeof ends / sizeof *ends)], f);
}

static int plain_same(const sg_table *a, const sg_csv_report *ra, const char *ma, const sg_table *b,
                      const sg_csv_report *rb, const char *mb)
{
    if (!a != !b || (!a && strcmp(ma, mb))) {
        tap_diag("plain: %s | libcsv: %s", a ? "(read)" : ma, b ? "(read)" : mb);
        return 0;
    }
    if (!a)
        return 1;
    if (!same_tables(a, b))
        return 0;
    if (ra->rows_read != rb->rows_read || ra->rows_skipped != rb->rows_skipped ||
        ra->nfirst != rb->nfirst || ra->bad_quotes != rb->bad_quotes ||
        ra->lines_merged != rb->lines_merged || ra->bad_quote_line != rb->bad_quote_line ||
        ra->bad_quote_field != rb->bad_quote_field || ra->nwarnings != rb->nwarnings ||
        ra->delim != rb->delim) {
        tap_diag("reports differ");
        return 0;
    }
    for (size_t k = 0; k < ra->nfirst; k++)
        if (ra->first[k].line != rb->first[k].line || strcmp(ra->first[k].text, rb->first[k].text)) {
            tap_diag("skipped row %zu differs", k);
            return 0;
        }
    for (size_t k = 0; k < ra->nwarnings; k++)
        if (strcmp(ra->warnings[k], rb->warnings[k])) {
            tap_diag("warning %zu differs", k);
            return 0;
        }
    return 1;
}

static void test_plain_records(void)
{
    char path[] = "/tmp/sg_csv_plain_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        tap_skip(3, "cannot create a temporary file");
        return;
    }
    close(fd);
    size_t files = 0, differ = 0, failed_reads = 0, wide = 0, quoted = 0;
    for (int n = 0; n < 1500; n++) {
        FILE *f = fopen(path, "wb");
        if (!f)
            break;
        char delim = plain_rand(4) ? ',' : ';';
        unsigned ncols = plain_rand(8) ? 1 + plain_rand(6) : 65 + plain_rand(10);
        unsigned nrows = plain_rand(80);
        int messy = plain_rand(2);
        unsigned quotes = plain_rand(3) ? 0 : plain_rand(2) ? 2 : 40;
        wide += ncols > 64;
        for (unsigned j = 0; j < ncols; j++)
            fprintf(f, "%sc%u", j ? (delim == ',' ? "," : ";") : "", j);
        plain_end(f);
        for (unsigned i = 0; i < nrows; i++) {
            unsigned nf = !messy || plain_rand(12) ? ncols : 1 + plain_rand(ncols + 2);
            for (unsigned j = 0; j < nf; j++) {
                if (j)
                    fputc(delim, f);
                plain_piece(f, messy, quotes);
            }
            if (i + 1 < nrows || plain_rand(4))
                plain_end(f);
        }
        fclose(f);
        files++;
        sg_csv_options o;
        sg_csv_options_init(&o);
        o.skip_bad_rows = plain_rand(2);
        o.lenient_quotes = plain_rand(2);
        o.latin1 = plain_rand(4) == 0;
        o.delim = plain_rand(2) ? delim : 0;
        o.max_rows = plain_rand(5) ? 0 : (size_t)1 + plain_rand(30);
        size_t block = plain_rand(2) ? 4 + plain_rand(64) : (size_t)256 << 10;
        const char *threads = plain_rand(2) ? "1" : "2";
        sg_csv_report ra, rb;
        sg_error ea, eb;
        memset(&ra, 0, sizeof ra);
        memset(&rb, 0, sizeof rb);
        sg_csv_tune(block, 1, 1 + plain_rand(8));
        sg_table *a = read_threads(path, threads, &o, &ra, &ea);
        sg_csv_plain_records = 0;
        sg_table *b = read_threads(path, threads, &o, &rb, &eb);
        sg_csv_plain_records = 1;
        sg_csv_tune(0, 0, 0);
        failed_reads += !a;
        quoted += ra.bad_quotes > 0;
        if (!plain_same(a, &ra, a ? "" : ea.msg, b, &rb, b ? "" : eb.msg)) {
            if (!differ++)
                tap_diag("first difference: file %d (block %zu, %s thread(s))", n, block, threads);
        }
        sg_table_free(a);
        sg_table_free(b);
        sg_csv_report_free(&ra);
        sg_csv_report_free(&rb);
    }
    remove(path);
    tap_ok(files == 1500 && differ == 0,
           "plain records and libcsv alone: the same tables, reports and errors (%zu files, %zu differ)",
           files, differ);
    tap_ok(failed_reads > 100 && failed_reads < files - 100,
           "the random files both read and fail (%zu of %zu fail)", failed_reads, files);
    tap_ok(wide > 50 && quoted > 50,
           "they include records of more than 64 fields (%zu files) and lenient quotes (%zu)", wide,
           quoted);
}

int main(void)
{
    test_delimiters();
    test_bom_quotes();
    test_lines();
    test_field_counts();
    test_skip_mixed();
    test_dates();
    test_values();
    test_names_encoding();
    test_wide_header();
    test_edges();
    test_quotes();
    test_suspects();
    test_online_retail();
    test_parallel();
    test_numbered_ids();
    test_plain_records();
    tap_ok(sg_mem_used() == 0, "no accounted memory left (%zu bytes)", sg_mem_used());
    return tap_done();
}
