/* Distributed CSV reads in one process (core/mpi_part.c): the file cut
 * into n parts at record starts found by quote parity, each part parsed
 * on its own, its staging turned into bytes and merged in file order,
 * must give the table sg_csv_read gives (types, values, order, report),
 * and the same message on bad data; a quoted field holding newlines
 * across a nominal cut moves the cut past its record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "csv_internal.h"
#include "csvwrite.h"
#include "mem.h"
#include "mpi_part.h"
#include "mpi_read.h"
#include "tap.h"

static char dir[] = "/tmp/sg_mpi_part_XXXXXX";

static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[8][512];
    static int k;
    char *p = path[k++ & 7];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        tap_diag("cannot write %s", p);
    return p;
}

/* The table as text: types line, then the CSV. */
static char *dump(const sg_table *t, const sg_csv_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t j = 0; j < t->ncols; j++)
        fprintf(f, "%s:%s%s", t->cols[j]->name, sg_type_name(t->cols[j]->type), j + 1 < t->ncols ? "," : "\n");
    fprintf(f, "rows_read=%llu skipped=%llu delim=%c bytes=%llu bad_quotes=%llu\n",
            (unsigned long long)rep->rows_read, (unsigned long long)rep->rows_skipped, rep->delim,
            (unsigned long long)rep->bytes, (unsigned long long)rep->bad_quotes);
    for (size_t k = 0; k < rep->nnotes; k++)
        fprintf(f, "note %s\n", rep->notes[k]);
    for (size_t k = 0; k < rep->nwarnings; k++)
        fprintf(f, "warning %s\n", rep->warnings[k]);
    for (size_t k = 0; k < rep->nfirst; k++)
        fprintf(f, "skip %llu %d %s\n", (unsigned long long)rep->first[k].line, rep->first[k].column,
                rep->first[k].text);
    sg_error err;
    sg_table_write_csv_stream(t, f, ',', &err);
    fclose(f);
    return buf;
}

static int na_at(const sg_column *c, size_t i)
{
    return c->na && ((c->na[i >> 3] >> (i & 7)) & 1);
}

/* 0 when a and b are the same table to the bytes: names, types, date-only
 * flags, missing bits, values (codes of strings), and each string
 * column's dictionary in code order; else what differs in why. */
static int differs(const sg_table *a, const sg_table *b, size_t rows, char *why, size_t wl)
{
    if (a->ncols != b->ncols || b->nrows != rows)
        return snprintf(why, wl, "shape %zux%zu vs %zux%zu", a->nrows, a->ncols, b->nrows, b->ncols), 1;
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        size_t w = x->type == SG_BOOL ? 1 : x->type == SG_STRING ? 4 : 8;
        if (strcmp(x->name, y->name) || x->type != y->type || x->date_only != y->date_only || y->n != rows)
            return snprintf(why, wl, "column %zu: name, type or date-only flag", j), 1;
        for (size_t i = 0; i < rows; i++) {
            if (na_at(x, i) != na_at(y, i) ||
                (!na_at(x, i) && memcmp((char *)x->data + i * w, (char *)y->data + i * w, w) != 0))
                return snprintf(why, wl, "column %s, row %zu", x->name, i), 1;
        }
        if (x->type != SG_STRING)
            continue;
        size_t nd = sg_dict_size(x->dict);
        if (nd != sg_dict_size(y->dict))
            return snprintf(why, wl, "column %s: %zu vs %zu strings", x->name, nd, sg_dict_size(y->dict)), 1;
        for (size_t c = 0; c < nd; c++) {
            size_t l1, l2;
            const char *s1 = sg_dict_str(x->dict, (int32_t)c, &l1), *s2 = sg_dict_str(y->dict, (int32_t)c, &l2);
            if (l1 != l2 || memcmp(s1, s2, l1) != 0)
                return snprintf(why, wl, "column %s: string %zu", x->name, c), 1;
        }
    }
    return 0;
}

static int nfast, nread;

/* The path without merging the rows (sg_mpi_read_local_dicts): the schema
 * and report from the parts' dictionaries, the parts typed and gathered
 * back; the same table to the bytes and report as sg_csv_read (a, r1),
 * and a columns-only table with the same columns and dictionaries.
 * want_fast: 1 or 0 when the case must (not) take it, -1 either. */
static void same_dicts(const char *label, const char *path, const sg_csv_options *opt, int n, const sg_table *a,
                       sg_csv_report *r1, const sg_error *e1, int want_fast)
{
    sg_csv_report r3;
    sg_error e3;
    int fast = -1;
    sg_table *shape = NULL;
    sg_table *c = sg_mpi_read_local_dicts(path, opt, n, &r3, &e3, &fast, &shape);
    nread++;
    nfast += fast == 1;
    char why[200] = "";
    if (!a || !c) {
        tap_ok(!a && !c, "%s, %d parts, without the rows on rank 0: both fail", label, n);
        tap_is_str(c ? "(a table)" : e3.msg, a ? "(a table)" : e1->msg, "... with the same message");
        tap_ok(fast == 0 && !shape, "... by the full merge");
    } else {
        char *da = dump(a, r1), *dc = dump(c, &r3);
        tap_ok(da && dc && strcmp(da, dc) == 0, "%s, %d parts, without the rows on rank 0 (%s): same table and report",
               label, n, fast ? "parts gathered back" : "full merge");
        if (da && dc && strcmp(da, dc))
            tap_diag("single:\n%.2000s\nparts:\n%.2000s", da, dc);
        free(da);
        free(dc);
        int d = differs(a, c, a->nrows, why, sizeof why);
        tap_ok(!d, "... the same bytes: types, date-only flags, missing bits, values, dictionaries%s%s", d ? ": " : "",
               why);
        d = shape ? differs(a, shape, 0, why, sizeof why) : 0;
        tap_ok(fast ? shape && !d : !shape, "... %s%s%s", fast ? "rank 0's columns-only table has its columns and dictionaries"
               : "no columns-only table", d ? ": " : "", why);
        sg_csv_report_free(&r3);
    }
    if (want_fast >= 0)
        tap_is_int(fast, want_fast, want_fast ? "... rank 0 did not merge the rows" : "... rank 0 merged the rows");
    sg_table_free(c);
    sg_table_free(shape);
}

/* Reads path with sg_csv_read and with n parts; the two must agree. */
static void same_fast(const char *label, const char *path, const sg_csv_options *opt, int n, int want_fallback,
                      int want_fast)
{
    sg_csv_report r1, r2;
    sg_error e1, e2;
    sg_table *a = sg_csv_read(path, opt, &r1, &e1);
    int fellback = -1;
    sg_table *b = sg_mpi_read_local(path, opt, n, &r2, &e2, &fellback);
    if (!a || !b) {
        tap_ok(!a && !b, "%s, %d parts: both fail", label, n);
        tap_is_str(b ? "(a table)" : e2.msg, a ? "(a table)" : e1.msg, "... with the same message");
    } else {
        char *da = dump(a, &r1), *db = dump(b, &r2);
        tap_ok(da && db && strcmp(da, db) == 0, "%s, %d parts: same table and report", label, n);
        if (da && db && strcmp(da, db))
            tap_diag("single:\n%.2000s\nparts:\n%.2000s", da, db);
        free(da);
        free(db);
        tap_is_int(fellback, want_fallback, "... cuts used as planned");
    }
    same_dicts(label, path, opt, n, a, &r1, &e1, want_fast);
    if (a)
        sg_csv_report_free(&r1);
    if (b)
        sg_csv_report_free(&r2);
    sg_table_free(a);
    sg_table_free(b);
}

static void same(const char *label, const char *path, const sg_csv_options *opt, int n, int want_fallback)
{
    same_fast(label, path, opt, n, want_fallback, -1);
}

static void defaults(sg_csv_options *o)
{
    sg_csv_options_init(o);
}

/* A file whose middle is one quoted field of many lines: the cut of 2
 * parts would fall inside it. */
static char *straddling(size_t *len, size_t *field_start, size_t *field_end)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    n += (size_t)sprintf(s + n, "invoice,customer,note,amount,date\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(s + n, "%d,C%d,plain,%d.5,2024-01-%02d\n", 1000 + i, i % 7, i, 1 + i % 28);
    *field_start = n;
    n += (size_t)sprintf(s + n, "2000,C3,\"first line\n");
    for (int i = 0; i < 80; i++)
        n += (size_t)sprintf(s + n, "inside %d, with \"\"quotes\"\" and a comma\n", i);
    n += (size_t)sprintf(s + n, "last\",7,2024-02-01\n");
    *field_end = n;
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(s + n, "%d,C%d,plain,%d,2024-03-%02d\n", 3000 + i, i % 5, i, 1 + i % 28);
    *len = n;
    return s;
}

static void test_straddle(void)
{
    size_t len = 0, fs = 0, fe = 0;
    char *text = straddling(&len, &fs, &fe);
    if (!text) {
        tap_ok(0, "out of memory");
        return;
    }
    const char *path = write_file("straddle.csv", text, len);
    sg_csv_options o;
    defaults(&o);
    /* the nominal cut of 2 parts is inside the field; the real one after its record */
    FILE *f = fopen(path, "rb");
    uint64_t hdr, cuts[4], line0[4];
    int e = f ? sg_mpi_plan(fileno(f), len, 2, &hdr, cuts, line0) : -1;
    if (f)
        fclose(f);
    tap_ok(e == 0 && len / 2 > fs && len / 2 < fe, "the middle of the file (%zu) is inside the quoted field (%zu-%zu)",
           len / 2, fs, fe);
    tap_is_int((long long)cuts[1], (long long)fe, "the cut of part 2 is the end of that record");
    tap_is_int((long long)line0[1], 1 + 60 + 82 + 1, "part 2 starts on line 144");
    tap_is_int((long long)hdr, (long long)strlen("invoice,customer,note,amount,date\n"), "the header ends on the first LF");
    for (int n = 1; n <= 7; n++)
        same_fast("quoted newlines across the cut", path, &o, n, 0, 1);
    /* CRLF line ends, and a CRLF inside the field */
    size_t m = 0;
    char *crlf = malloc(len * 2 + 1);
    for (size_t i = 0; crlf && i < len; i++) {
        if (text[i] == '\n')
            crlf[m++] = '\r';
        crlf[m++] = text[i];
    }
    path = write_file("crlf.csv", crlf, m);
    for (int n = 2; n <= 4; n++)
        same("CRLF", path, &o, n, 0);
    /* no line end after the last record */
    path = write_file("noeol.csv", text, len - 1);
    for (int n = 2; n <= 5; n++)
        same("no final line end", path, &o, n, 0);
    free(crlf);
    free(text);
}

static void test_small(void)
{
    sg_csv_options o;
    defaults(&o);
    const char *hdr = write_file("header.csv", "a,b\n", 4);
    same("header only", hdr, &o, 3, 0);
    const char *empty = write_file("empty.csv", "", 0);
    same("empty file", empty, &o, 3, 0);
    const char *one = "id;v\n1;2\n";
    same("semicolons, 9 bytes, 5 parts", write_file("one.csv", one, strlen(one)), &o, 5, 0);
    /* int64 in the first half, a double in the second: one double column */
    char buf[4096];
    size_t n = (size_t)sprintf(buf, "k,x\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(buf + n, "%d,%d\n", i, i);
    n += (size_t)sprintf(buf + n, "99,1.25\n");
    same("int64 and a double in another part", write_file("mixed.csv", buf, n), &o, 3, 0);
    /* a bad value late: the error names the same line */
    n = (size_t)sprintf(buf, "k,q\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(buf + n, "%d,\"%d\"\n", i, i);
    n += (size_t)sprintf(buf + n, "50,\"unterminated\n");
    same("unterminated quote in the last part", write_file("bad.csv", buf, n), &o, 3, 0);
    n = (size_t)sprintf(buf, "k,q\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(buf + n, i == 5 ? "%d,\"x\"y\n" : "%d,%d\n", i, i);
    same("bad quote in the first part, more parts after", write_file("bad2.csv", buf, n), &o, 3, 0);
    /* a quote inside an unquoted field fools quote parity: alone, it only
     * moves the cuts to the end (one part reads all) */
    n = (size_t)sprintf(buf, "k,what\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(buf + n, i == 3 ? "%d,12\" screen\n" : "%d,item %d\n", i, i);
    same("a stray quote (12\" screen)", write_file("stray.csv", buf, n), &o, 3, 0);
    /* ... and with a quoted line end after it, a cut falls inside that
     * field: the part before does not end on a record boundary, the file
     * is read whole */
    n = (size_t)sprintf(buf, "k,what\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(buf + n, i == 3 ? "%d,12\" screen\n" : i == 16 ? "%d,\"two\nlines\"\n" : "%d,item %d\n",
                             i, i);
    same_fast("a stray quote, then a quoted line end", write_file("stray2.csv", buf, n), &o, 3, 1, 0);
    /* skip mode: a short row in each part */
    sg_csv_options sk;
    defaults(&sk);
    sk.skip_bad_rows = 1;
    n = (size_t)sprintf(buf, "k,v,w\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(buf + n, i % 20 == 7 ? "%d,%d\n" : "%d,%d,x\n", i, i);
    same_fast("skip mode, bad rows in every part", write_file("skip.csv", buf, n), &sk, 3, 0, 0);
    /* a suspect column comes from the parts' tallies; what needs the rows
     * merged: a value an override cannot convert and an expected column of
     * another kind (messages naming a row); the bad value is in the first
     * 8 rows, so that the typed sample sees it */
    n = (size_t)sprintf(buf, "k,d\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(buf + n, i == 3 ? "%d,2024-02-30\n" : "%d,2024-01-%02d\n", i, 1 + i % 28);
    const char *sus = write_file("suspect.csv", buf, n);
    same_fast("a suspect date column", sus, &o, 3, 0, 1);
    sg_csv_override ov = { "d", SG_DATETIME, SG_DATE_ISO, 0 };
    sg_csv_options oo;
    defaults(&oo);
    oo.overrides = &ov;
    oo.noverrides = 1;
    same_fast("an override meeting a bad value in the last part", sus, &oo, 3, 0, 0);
    sg_csv_expect ex = { "d", SG_CSV_DATES };
    sg_csv_options oe;
    defaults(&oe);
    oe.expect = &ex;
    oe.nexpect = 1;
    same_fast("an expected date column with a bad value", sus, &oe, 3, 0, 0);
    n = (size_t)sprintf(buf, "k,d\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(buf + n, "%d,2024-01-%02d\n", i, 1 + i % 28);
    same_fast("an override over good values", write_file("good.csv", buf, n), &oo, 3, 0, 1);
    /* an unreadable file */
    sg_error err;
    int fb;
    sg_table *t = sg_mpi_read_local("/nonexistent/x.csv", &o, 2, NULL, &err, &fb);
    tap_ok(!t && strstr(err.msg, "cannot open '/nonexistent/x.csv'") != NULL, "a missing file: %s", err.msg);
}

/* A file of 120 rows "k,inv,d": inv numbers but for bad[i] at row i
 * (NULL: 500000 + i), d DD/MM/YYYY dates but for dbad[i]. */
static const char *suspect_file(const char *name, const char *const *bad, const char *const *dbad)
{
    static char buf[16384];
    size_t n = (size_t)sprintf(buf, "k,inv,d\n");
    for (int i = 0; i < 120; i++) {
        n += (size_t)sprintf(buf + n, "%d,", i);
        n += bad && bad[i] ? (size_t)sprintf(buf + n, "%s,", bad[i]) : (size_t)sprintf(buf + n, "%d,", 500000 + i);
        n += dbad && dbad[i] ? (size_t)sprintf(buf + n, "%s\n", dbad[i])
                             : (size_t)sprintf(buf + n, "%02d/%02d/2024\n", 13 + i % 15, 1 + i % 12);
    }
    return write_file(name, buf, n);
}

/* The warning of column 'inv' (or 'd') sg_csv_read gives on path. */
static void warns(const char *label, const char *path, const char *want)
{
    sg_csv_report r;
    sg_error e;
    sg_table *t = sg_csv_read(path, NULL, &r, &e);
    const char *got = "(no warning)";
    for (size_t k = 0; t && k < r.nwarnings; k++)
        if (strncmp(r.warnings[k], want, 12) == 0)
            got = r.warnings[k];
    char name[200];
    snprintf(name, sizeof name, "%s: the suspect's warning", label);
    tap_is_str(got, want, name);
    if (t)
        sg_csv_report_free(&r);
    sg_table_free(t);
}

/* Suspect columns on 2 to 5 parts: each part tallies its rows (rows with a
 * value, bad ones, its first distinct bad values with their lines) and
 * rank 0 reduces them, so the report is sg_csv_read's without the rows. */
static void test_suspects(void)
{
    sg_csv_options o;
    defaults(&o);
    const char *bad[120] = { NULL }, *dbad[120] = { NULL };
    /* a cancellation in every part of 3 (and some parts of 5 without one) */
    bad[10] = "C500010";
    bad[50] = "C500050";
    bad[90] = "C500090";
    const char *p = suspect_file("sus_every.csv", bad, NULL);
    warns("bad values in several parts", p,
          "column 'inv' read as text because line 12 has 'C500010', line 52 has 'C500050' and line 92 has "
          "'C500090': 3 of 120 values are not numbers");
    for (int n = 2; n <= 5; n++)
        same_fast("a suspect number column, bad values in several parts", p, &o, n, 0, 1);
    /* in the last part only */
    memset(bad, 0, sizeof bad);
    bad[112] = "C1";
    bad[117] = "C2";
    p = suspect_file("sus_last.csv", bad, NULL);
    for (int n = 2; n <= 5; n++)
        same_fast("a suspect number column, bad values in the last part only", p, &o, n, 0, 1);
    /* in the first part only, none after */
    memset(bad, 0, sizeof bad);
    bad[3] = "inf";
    p = suspect_file("sus_first.csv", bad, NULL);
    warns("an infinite value", p,
          "column 'inv' read as text because line 5 has 'inf': 1 of 120 values is not a number (inf, nan and values "
          "beyond the double range do not count as numbers)");
    for (int n = 2; n <= 5; n++)
        same_fast("a suspect number column, one bad value in the first part", p, &o, n, 0, 1);
    /* more bad values than the message lists, repeated across parts: the
     * first distinct ones in file order, the count of every bad row */
    memset(bad, 0, sizeof bad);
    bad[5] = bad[30] = bad[70] = "C1";
    bad[45] = bad[110] = "C2";
    bad[75] = "C3";
    bad[80] = "C4";
    bad[100] = "C5";
    p = suspect_file("sus_many.csv", bad, NULL);
    warns("more bad values than listed", p,
          "column 'inv' read as text because line 7 has 'C1', line 47 has 'C2' and line 77 has 'C3': 8 of 120 values "
          "are not numbers");
    for (int n = 2; n <= 5; n++)
        same_fast("a suspect number column, more bad values than listed across parts", p, &o, n, 0, 1);
    /* dates (DD/MM/YYYY) with bad values in the first and last parts, none
     * in the middle, two of them long values cut alike in the message */
    memset(bad, 0, sizeof bad);
    static char long1[100], long2[100];
    memset(long1, 'x', 80);
    memcpy(long2, long1, 80);
    strcpy(long1 + 80, "-one");
    strcpy(long2 + 80, "-two");
    dbad[2] = "30/02/2024";
    dbad[4] = long1;
    dbad[115] = long2;
    dbad[116] = "2024-01-05";
    dbad[118] = "30/02/2024";
    p = suspect_file("sus_dates.csv", NULL, dbad);
    warns("a suspect date column", p,
          "column 'd' read as text because line 4 has '30/02/2024', line 6 has "
          "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' and line 117 has "
          "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': 5 of 120 values are not dates (DD/MM/YYYY)");
    for (int n = 2; n <= 5; n++)
        same_fast("a suspect date column, bad values in the first and last parts", p, &o, n, 0, 1);
}

/* With a sample of 8 rows, the first part decides typed modes that the
 * other parts stage in: a text value after the sample in a later part
 * turns its column off and the file is read whole. */
static void test_typed_fallback(void)
{
    sg_csv_options o;
    defaults(&o);
    char buf[4096];
    size_t n = (size_t)sprintf(buf, "k,x,d\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(buf + n, "%d,%d,2024-01-%02d\n", i, i * 3, 1 + i % 28);
    n += (size_t)sprintf(buf + n, "99,abc,2024-02-01\n");
    same_fast("typed x meets text in the last part", write_file("typedoff.csv", buf, n), &o, 3, 1, 0);
    n = (size_t)sprintf(buf, "k,x,d\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(buf + n, "%d,%d,2024-01-%02d %02d:00:00\n", i, i * 3, 1 + i % 28, i % 24);
    n += (size_t)sprintf(buf + n, "99,2.5,\n");
    same_fast("typed int64 meets a double and a missing date in the last part", write_file("typedok.csv", buf, n), &o,
              3, 0, 1);
}

static void take_modes(void *ud, const sg_csv_reader *r)
{
    sg_mpi_modes_take(ud, r);
}

/* What the last of n parts of path sends rank 0: its whole staging
 * (*staging bytes, the full merge) and its dictionaries and counts
 * (*dicts bytes), staged as the ranks stage it (the first part's modes);
 * *rows its rows.  0, or -1 when the file cannot be planned or read. */
static int last_part_bytes(const char *path, const sg_csv_options *o, int n, size_t *rows, size_t *staging,
                           size_t *dicts)
{
    FILE *f = fopen(path, "rb");
    uint64_t size = 0, hdr, cuts[4], line0[4];
    if (f && fseek(f, 0, SEEK_END) == 0)
        size = (uint64_t)ftell(f);
    int e = f && n <= 4 ? sg_mpi_plan(fileno(f), size, n, &hdr, cuts, line0) : -1;
    if (f)
        fclose(f);
    sg_csv_part p0, pk;
    unsigned char *b1 = NULL, *b2 = NULL;
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part_modes first = { NULL, NULL, 0, take_modes, &m };
    if (e == 0 && sg_mpi_read_part(path, o, 0, n, size, hdr, cuts, line0, &first, &p0) == 0)
        sg_csv_part_free(&p0);
    sg_csv_part_modes rest = { m.modes, m.fmts, m.ncols, NULL, NULL };
    int ok = 0;
    if (e == 0 && sg_mpi_read_part(path, o, n - 1, n, size, hdr, cuts, line0, &rest, &pk) == 0) {
        ok = sg_mpi_part_encode(&pk, &b1, staging) == 0 && sg_mpi_part_encode_dicts(&pk, &b2, dicts) == 0;
        *rows = pk.r.nrows;
        sg_csv_part_free(&pk);
    }
    sg_free(b1);
    sg_free(b2);
    sg_mpi_modes_free(&m);
    return ok ? 0 : -1;
}

/* A string column whose strings stay on the ranks (its override's
 * ranks_only): the parts send rank 0 none of them, rank 0's columns-only
 * table has that column with an empty dictionary and every other column
 * as sg_csv_read gives it, and the table gathered back from the parts is
 * still sg_csv_read's to the byte; without the flag the column's strings
 * are there. */
static void test_ranks_only(void)
{
    char buf[8192];
    size_t n = (size_t)sprintf(buf, "k,inv,cust\n");
    for (int i = 0; i < 90; i++)
        n += (size_t)sprintf(buf + n, "%d,%s%d,c%d\n", i, i % 7 == 3 ? "C" : "", 500000 + i / 2, i % 11);
    const char *path = write_file("ranks_only.csv", buf, n);
    sg_csv_override ov[] = { { "inv", SG_STRING, SG_DATE_UNKNOWN, 1 }, { "cust", SG_STRING, SG_DATE_UNKNOWN, 0 } };
    sg_csv_options o;
    defaults(&o);
    o.overrides = ov;
    o.noverrides = 2;
    sg_csv_report r1;
    sg_error e1;
    sg_table *a = sg_csv_read(path, &o, &r1, &e1);
    tap_ok(a != NULL, "ranks_only: one process reads the file as without the flag");
    for (int parts = 2; parts <= 3; parts++) {
        sg_csv_report r3;
        sg_error e3;
        int fast = -1;
        sg_table *shape = NULL;
        sg_table *c = sg_mpi_read_local_dicts(path, &o, parts, &r3, &e3, &fast, &shape);
        char why[200] = "";
        int d = a && c ? differs(a, c, a->nrows, why, sizeof why) : 1;
        char *da = a ? dump(a, &r1) : NULL, *dc = c ? dump(c, &r3) : NULL;
        tap_ok(fast == 1 && !d && da && dc && strcmp(da, dc) == 0,
               "ranks_only, %d parts: the rows stay on the ranks and come back as sg_csv_read's table and report%s%s",
               parts, d ? ": " : "", why);
        free(da);
        free(dc);
        const sg_column *si = shape ? sg_table_col(shape, "inv") : NULL, *sc = shape ? sg_table_col(shape, "cust") : NULL;
        const sg_column *ac = a ? sg_table_col(a, "cust") : NULL;
        tap_ok(si && si->type == SG_STRING && si->dict && sg_dict_size(si->dict) == 0,
               "... rank 0's columns-only table: 'inv' without its strings (%zu)",
               si && si->dict ? sg_dict_size(si->dict) : (size_t)-1);
        tap_ok(sc && ac && sc->dict && sg_dict_size(sc->dict) == sg_dict_size(ac->dict) && sg_dict_size(ac->dict) == 11,
               "... and 'cust' with its 11 strings");
        if (c)
            sg_csv_report_free(&r3);
        sg_table_free(c);
        sg_table_free(shape);
    }
    /* what the last of 3 parts sends rank 0, with the flag (no 'inv'
     * strings) and without */
    size_t kept = 0, sent = 0;
    for (int flag = 1; flag >= 0; flag--) {
        ov[0].ranks_only = flag;
        size_t rows, staging, len = 0;
        if (last_part_bytes(path, &o, 3, &rows, &staging, &len) == 0)
            *(flag ? &kept : &sent) = len;
    }
    tap_ok(kept > 0 && sent > kept + 15 * 5, "... the last part's message without its 'inv' strings: %zu bytes, "
           "%zu with them", kept, sent);
    if (a)
        sg_csv_report_free(&r1);
    sg_table_free(a);
}

static void test_retail(void)
{
    const char *d = tap_shared_data();
    char path[4096];
    if (!d) {
        tap_skip(14, "no shared data folder");
        return;
    }
    snprintf(path, sizeof path, "%s/online_retail/online_retail.csv", d);
    if (access(path, R_OK) != 0) {
        tap_skip(14, "Online Retail not present");
        return;
    }
    sg_csv_options o;
    defaults(&o);
    same_fast("Online Retail", path, &o, 2, 0, 1);
    same_fast("Online Retail", path, &o, 3, 0, 1);
    /* what the last part sends rank 0: its dictionaries, against its whole staging */
    for (int n = 2; n <= 3; n++) {
        size_t rows = 0, l1 = 0, l2 = 0;
        int e = last_part_bytes(path, &o, n, &rows, &l1, &l2);
        if (e == 0)
            tap_diag("Online Retail, part %d of %d: %zu rows, %zu bytes of staging, %zu bytes of dictionaries", n, n,
                     rows, l1, l2);
        tap_ok(e == 0 && l2 * 10 < l1, "Online Retail, %d parts: the last part's dictionaries (%zu bytes) are under a "
               "tenth of its staging (%zu bytes)", n, l2, l1);
    }
}

int main(void)
{
    if (!mkdtemp(dir)) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_straddle();
    test_small();
    test_suspects();
    test_ranks_only();
    test_retail();
    /* again with typed speculation after 8 rows (the shipped 4,096 keep
     * these small files in dictionary mode) */
    sg_csv_tune((size_t)256 << 10, (uint64_t)4 << 20, 8);
    tap_diag("typed speculation after 8 rows");
    test_straddle();
    test_small();
    test_typed_fallback();
    sg_csv_tune(0, 0, 0);
    tap_diag("%d of %d reads took the path without the rows on rank 0", nfast, nread);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("cannot remove %s", dir);
    return tap_done();
}
