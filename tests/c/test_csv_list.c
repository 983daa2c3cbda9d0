/* A list of CSV files read as one (core/csv_list.c): the table and report
 * equal those of the concatenated file, in one process and assembled from
 * the runs of files 2 and 3 ranks would read (parts turned into bytes and
 * merged as rank 0 does, without MPI); a later file whose value does not
 * fit the first file's typed speculation falls back to dictionary mode
 * with the same table; another header, a missing file, an empty list and
 * an empty file fail naming the file; a bad value names its file and its
 * own line; a rank without a file of the list sends the header alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "csv_internal.h"
#include "csv_list.h"
#include "csvwrite.h"
#include "mem.h"
#include "mpi_part.h"
#include "mpi_read.h"
#include "tap.h"

static char dir[] = "/tmp/sg_csv_list_XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[16][512];
    static int k;
    char *p = path[k++ & 15];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0)
        tap_diag("cannot write %s", p);
    return p;
}

static char *dump(const sg_table *t, const sg_csv_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t j = 0; j < t->ncols; j++)
        fprintf(f, "%s:%s%s", t->cols[j]->name, sg_type_name(t->cols[j]->type), j + 1 < t->ncols ? "," : "\n");
    fprintf(f, "rows_read=%llu delim=%c bytes=%llu\n", (unsigned long long)rep->rows_read, rep->delim,
            (unsigned long long)rep->bytes);
    for (size_t k = 0; k < rep->nnotes; k++)
        fprintf(f, "note %s\n", rep->notes[k]);
    sg_error err;
    sg_table_write_csv_stream(t, f, ',', &err);
    fclose(f);
    return buf;
}

typedef struct local_parts {
    unsigned char **bytes;
    size_t *len;
} local_parts;

static int local_get(void *ud, int k, unsigned char **bytes, size_t *len, sg_error *err)
{
    local_parts *lp = ud;
    (void)err;
    *bytes = lp->bytes[k];
    *len = lp->len[k];
    lp->bytes[k] = NULL;
    return *bytes ? 0 : -1;
}

static void keep_modes(void *ud, const sg_csv_reader *r)
{
    sg_mpi_modes_take(ud, r);
}

/* The list read as `ranks` ranks would: runs of files, parts as bytes,
 * merged on "rank 0"; the one-process read when the assembly falls back. */
static sg_table *read_ranks(const char *const *paths, size_t n, int ranks, sg_csv_report *rep, sg_error *err)
{
    uint64_t sizes[8], hsum = 0, hb, total = 0;
    size_t first[9];
    sg_csv_options o;
    sg_csv_options_init(&o);
    if (sg_csv_list_stat(paths, n, sizes, err) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        total += sizes[i];
    sg_csv_list_assign(sizes, n, ranks, first);
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part_modes spec0 = { NULL, NULL, 0, keep_modes, &m };
    sg_csv_part p0;
    sg_csv_list_part(paths, first[0], first[1], sizes, &o, &spec0, 0, &p0, &hb, NULL);
    hsum += hb;
    unsigned char *bytes[8] = { NULL };
    size_t len[8] = { 0 };
    for (int k = 1; k < ranks; k++) {
        sg_csv_part pk;
        memset(&pk, 0, sizeof pk);
        pk.r.err = &pk.r.own_err;
        sg_csv_part_modes spec = { m.modes, m.fmts, m.ncols, NULL, NULL };
        sg_csv_list_part(paths, first[k], first[k + 1], sizes, &o, &spec, 0, &pk, &hb, NULL);
        hsum += hb;
        if (sg_mpi_part_encode(&pk, &bytes[k], &len[k]) != 0)
            bytes[k] = NULL;
        sg_csv_part_free(&pk);
    }
    local_parts lp = { bytes, len };
    int fellback = 0;
    sg_table *t = sg_csv_list_assemble(&p0, ranks, first, paths, local_get, &lp, total - hsum, rep, err, &fellback);
    sg_csv_part_free(&p0);
    sg_mpi_modes_free(&m);
    for (int k = 0; k < ranks; k++)
        sg_free(bytes[k]);
    if (fellback)
        t = sg_csv_read_list(paths, n, &o, rep, err);
    return t;
}

static int nfast;

/* The list read as `ranks` ranks would without merging the rows on rank 0:
 * the parts' dictionaries decide the schema and report, every part is
 * typed and they are gathered back (sg_mpi_dicts_local); NULL with *fast 0
 * when that needs the rows. */
static sg_table *read_ranks_dicts(const char *const *paths, size_t n, int ranks, sg_csv_report *rep, sg_error *err,
                                  int *fast)
{
    uint64_t sizes[8], hsum = 0, hb, total = 0;
    size_t first[9];
    sg_csv_options o;
    sg_csv_options_init(&o);
    *fast = 0;
    if (sg_csv_list_stat(paths, n, sizes, err) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        total += sizes[i];
    sg_csv_list_assign(sizes, n, ranks, first);
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part pk[8];
    sg_csv_part_modes spec0 = { NULL, NULL, 0, keep_modes, &m };
    sg_csv_list_part(paths, first[0], first[1], sizes, &o, &spec0, 0, &pk[0], &hb, NULL);
    hsum += hb;
    for (int k = 1; k < ranks; k++) {
        memset(&pk[k], 0, sizeof pk[k]);
        pk[k].r.err = &pk[k].r.own_err;
        sg_csv_part_modes spec = { m.modes, m.fmts, m.ncols, NULL, NULL };
        sg_csv_list_part(paths, first[k], first[k + 1], sizes, &o, &spec, 0, &pk[k], &hb, NULL);
        hsum += hb;
    }
    sg_table *t = sg_mpi_dicts_local(pk, ranks, paths[0], pk[0].delim, total - hsum, rep, err, fast, NULL);
    for (int k = 0; k < ranks; k++)
        sg_csv_part_free(&pk[k]);
    sg_mpi_modes_free(&m);
    return t;
}

/* The list in one process and on 2 and 3 "ranks" against the concatenation
 * (and on 2 and 3 ranks without merging the rows, when that applies). */
static void same(const char *label, const char *const *paths, size_t n, const char *whole)
{
    sg_csv_report r1, r2;
    sg_error e1, e2;
    sg_table *a = sg_csv_read(whole, NULL, &r1, &e1);
    char *da = a ? dump(a, &r1) : NULL;
    for (int ranks = 1; ranks <= 3; ranks++) {
        sg_table *b = ranks == 1 ? sg_csv_read_list(paths, n, NULL, &r2, &e2) : read_ranks(paths, n, ranks, &r2, &e2);
        char *db = b ? dump(b, &r2) : NULL;
        tap_ok(da && db && strcmp(da, db) == 0, "%s, %d rank%s: the table and report of the concatenated file",
               label, ranks, ranks > 1 ? "s" : "");
        if (!b)
            tap_diag("%s", e2.msg);
        else if (da && db && strcmp(da, db))
            tap_diag("whole:\n%.1500s\nlist:\n%.1500s", da, db);
        free(db);
        if (b)
            sg_csv_report_free(&r2);
        sg_table_free(b);
        int fast = 0;
        b = ranks > 1 ? read_ranks_dicts(paths, n, ranks, &r2, &e2, &fast) : NULL;
        nfast += fast;
        db = b ? dump(b, &r2) : NULL;
        if (ranks > 1)
            tap_ok(!fast || (da && db && strcmp(da, db) == 0),
                   "%s, %d ranks, rows not merged on rank 0 (%s): the table and report of the concatenated file", label,
                   ranks, fast ? "parts gathered back" : "that needs the rows: merged");
        if (fast && da && db && strcmp(da, db))
            tap_diag("whole:\n%.1500s\nlist:\n%.1500s", da, db);
        free(db);
        if (b)
            sg_csv_report_free(&r2);
        sg_table_free(b);
    }
    free(da);
    if (a)
        sg_csv_report_free(&r1);
    sg_table_free(a);
}

/* Three files of rows (the second with a price that is not an int64
 * when `fall`), and their concatenation. */
static void test_files(int fall)
{
    char *f[3], *whole;
    size_t cap = 1 << 20;
    whole = malloc(cap);
    size_t wn = 0;
    const char *head = "invoice,customer,qty,price,date\n";
    wn += (size_t)sprintf(whole, "%s", head);
    int row = 0;
    for (int i = 0; i < 3; i++) {
        f[i] = malloc(cap);
        size_t fn = (size_t)sprintf(f[i], "%s", head);
        int rows = i == 1 ? 40 : 25 + 10 * i;
        for (int r = 0; r < rows; r++, row++) {
            char line[200];
            if (fall && i == 1 && r == 30)
                snprintf(line, sizeof line, "%d,C%d,%d,%s,2024-0%d-%02d\n", 1000 + row, row % 7, 1 + row % 4, "12.5",
                         i + 1, 1 + r % 28);
            else
                snprintf(line, sizeof line, "%d,C%d,%d,%d,2024-0%d-%02d\n", 1000 + row, row % 7, 1 + row % 4, row % 9,
                         i + 1, 1 + r % 28);
            fn += (size_t)sprintf(f[i] + fn, "%s", line);
            wn += (size_t)sprintf(whole + wn, "%s", line);
        }
    }
    const char *paths[3] = { write_file("jan.csv", f[0]), write_file("feb.csv", f[1]), write_file("mar.csv", f[2]) };
    const char *w = write_file("all.csv", whole);
    same(fall ? "a later value does not fit the first file's speculation" : "three files", paths, 3, w);
    for (int i = 0; i < 3; i++)
        free(f[i]);
    free(whole);
}

static void fails(const char *label, const char *const *paths, size_t n, int code, const char *want)
{
    sg_error e;
    sg_csv_report rep;
    sg_table *t = sg_csv_read_list(paths, n, NULL, &rep, &e);
    tap_ok(!t && e.code == code, "%s: fails (code %d)", label, t ? 0 : e.code);
    tap_is_str(t ? "(a table)" : e.msg, want, "... naming the file");
    sg_table_free(t);
    /* on 2 ranks: the same message, or the one naming the rank and its files */
    if (n >= 2) {
        sg_table *b = read_ranks(paths, n, 2, &rep, &e);
        tap_ok(!b, "%s, 2 ranks: fails too (%s)", label, b ? "a table" : e.msg);
        sg_table_free(b);
    }
}

static void test_errors(void)
{
    const char *a = write_file("a.csv", "id,name,amount\n1,x,2\n2,y,3\n");
    const char *b = write_file("b.csv", "id,Name,amount\n3,z,4\n");
    const char *c = write_file("c.csv", "id,name\n3,z\n");
    const char *d = write_file("d.csv", "id,name,amount\n3,z,4\n4,w,oops,9\n");
    const char *e = write_file("e.csv", "");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.csv", dir);
    char want[1200];
    const char *l1[] = { a, b };
    snprintf(want, sizeof want, "'%s' has another header than '%s' (every file of the list must have the same): "
             "column 2 is 'Name' where '%s' has 'name'", b, a, a);
    fails("another column name", l1, 2, SG_EDATA, want);
    const char *l2[] = { a, c };
    snprintf(want, sizeof want, "'%s' has another header than '%s' (every file of the list must have the same): "
             "2 columns where '%s' has 3 (column 3 'amount' is only in '%s')", c, a, a, a);
    fails("a column fewer", l2, 2, SG_EDATA, want);
    const char *l3[] = { a, missing };
    snprintf(want, sizeof want, "cannot open '%s' (file 2 of the list): No such file or directory", missing);
    fails("a missing file", l3, 2, SG_EIO, want);
    const char *l4[] = { a, a, d };
    snprintf(want, sizeof want, "%s:3: row has 4 fields, expected 3", d);
    sg_error er;
    sg_table *t = sg_csv_read_list(l4, 3, NULL, NULL, &er);
    tap_ok(!t && strstr(er.msg, d) && strstr(er.msg, ":3:"), "a bad row names its file and its own line (%s)",
           t ? "a table" : er.msg);
    sg_table_free(t);
    /* a value the build rejects (an override, an expectation) in a later
     * file: its file and its own line */
    const char *g = write_file("g.csv", "id,name,amount\n5,v,6\n6,u,seven\n");
    const char *l6[] = { a, g };
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_override ov = { "amount", SG_INT64, SG_DATE_UNKNOWN, 0 };
    o.overrides = &ov;
    o.noverrides = 1;
    t = sg_csv_read_list(l6, 2, &o, NULL, &er);
    snprintf(want, sizeof want, "%s:3:3:", g);
    tap_ok(!t && strncmp(er.msg, want, strlen(want)) == 0, "an override's bad value names its file and line (%s)",
           t ? "a table" : er.msg);
    sg_table_free(t);
    sg_csv_options_init(&o);
    sg_csv_expect ex = { "amount", SG_CSV_NUMBERS };
    o.expect = &ex;
    o.nexpect = 1;
    const char *l7[] = { a, a, a, a, a, g };    /* 9 numbers of 10: a suspect */
    t = sg_csv_read_list(l7, 6, &o, NULL, &er);
    tap_ok(!t && strncmp(er.msg, want, strlen(want)) == 0, "an expectation's bad value names its file and line (%s)",
           t ? "a table" : er.msg);
    sg_table_free(t);
    const char *l5[] = { a, e };
    snprintf(want, sizeof want, "%s: the file is empty (no header row)", e);
    fails("an empty file", l5, 2, SG_EDATA, want);
    /* a rank whose run starts at the second file reads the first file's
     * header alone, not its rows: a bad row there is another rank's */
    const char *l8[] = { d, a };
    uint64_t sz[2], hb;
    sg_csv_part p1;
    memset(&p1, 0, sizeof p1);
    p1.r.err = &p1.r.own_err;
    int st = sg_csv_list_stat(l8, 2, sz, &er);
    if (st == 0)
        sg_csv_list_part(l8, 1, 2, sz, &o, NULL, 0, &p1, &hb, NULL);
    tap_ok(st == 0 && !p1.r.failed && p1.r.nrows == 2, "a rank given the second file alone reads it (2 rows), not "
           "the first file's rows, whose bad row is another rank's (%s)", p1.r.failed ? p1.r.own_err.msg : "read");
    sg_csv_part_free(&p1);
    fails("an empty list", l1, 0, SG_EINVAL, "read_csv: the list of files is empty");
}

/* The warnings of a report, one per line. */
static char *warnings(const sg_csv_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t k = 0; k < rep->nwarnings; k++)
        fprintf(f, "%s\n", rep->warnings[k]);
    fclose(f);
    return buf;
}

/* A suspect column over three files, its bad values in all of them (one
 * repeated from an earlier file): on 2 and 3 ranks the runs of files tally
 * their rows and rank 0 names the same values and lines (each file's own)
 * as the one-process read, without merging the rows. */
static void test_suspect(void)
{
    char text[3][2048];
    const char *bad[3][20] = { { NULL } };
    bad[0][3] = "C1";
    bad[1][5] = "C1";
    bad[1][7] = "C2";
    bad[2][1] = "C3";
    bad[2][2] = "C4";
    const char *paths[3];
    char name[32];
    for (int i = 0; i < 3; i++) {
        size_t n = (size_t)sprintf(text[i], "invoice,qty\n");
        for (int r = 0; r < 20; r++)
            n += bad[i][r] ? (size_t)sprintf(text[i] + n, "%s,%d\n", bad[i][r], r)
                           : (size_t)sprintf(text[i] + n, "%d,%d\n", 1000 + 20 * i + r, r);
        snprintf(name, sizeof name, "sus%d.csv", i);
        paths[i] = write_file(name, text[i]);
    }
    sg_csv_report r1, r2;
    sg_error e1, e2;
    sg_table *a = sg_csv_read_list(paths, 3, NULL, &r1, &e1);
    char *wa = a ? warnings(&r1) : NULL;
    tap_is_str(wa ? wa : e1.msg, "column 'invoice' read as text because line 5 has 'C1', line 9 has 'C2' and line 3 "
               "has 'C3': 5 of 60 values are not numbers\n", "a suspect over three files: its lines are its files' own");
    char *da = a ? dump(a, &r1) : NULL;
    for (int ranks = 2; ranks <= 3; ranks++) {
        int fast = 0;
        sg_table *b = read_ranks_dicts(paths, 3, ranks, &r2, &e2, &fast);
        char *wb = b ? warnings(&r2) : NULL, *db = b ? dump(b, &r2) : NULL;
        tap_ok(fast && wa && wb && strcmp(wa, wb) == 0 && da && db && strcmp(da, db) == 0,
               "... on %d ranks without merging the rows (%s): the same warning and table", ranks,
               fast ? "parts gathered back" : "merged");
        if (wa && wb && strcmp(wa, wb))
            tap_diag("one process: %sranks: %s", wa, wb);
        free(wb);
        free(db);
        if (b)
            sg_csv_report_free(&r2);
        sg_table_free(b);
    }
    free(wa);
    free(da);
    if (a)
        sg_csv_report_free(&r1);
    sg_table_free(a);
}

/* max_rows: the first rows of the list, as of the concatenation. */
static void test_max_rows(void)
{
    const char *a = write_file("ma.csv", "id,name\n1,x\n2,y\n3,z\n");
    const char *b = write_file("mb.csv", "id,name\n4,w\n5,v\n");
    const char *w = write_file("mall.csv", "id,name\n1,x\n2,y\n3,z\n4,w\n5,v\n");
    const char *l[] = { a, b };
    same("two files (on 3 ranks, one reads the header alone)", l, 2, w);
    for (size_t m = 2; m <= 6; m += 2) {
        sg_csv_options o;
        sg_csv_options_init(&o);
        o.max_rows = m;
        sg_error e1, e2;
        sg_csv_report r1, r2;
        sg_table *t1 = sg_csv_read(w, &o, &r1, &e1), *t2 = sg_csv_read_list(l, 2, &o, &r2, &e2);
        char *d1 = t1 ? dump(t1, &r1) : NULL, *d2 = t2 ? dump(t2, &r2) : NULL;
        tap_ok(d1 && d2 && strcmp(d1, d2) == 0 && t2->nrows == (m < 5 ? m : 5),
               "max_rows %zu: the concatenation's first rows (%zu)", m, t2 ? t2->nrows : 0);
        free(d1);
        free(d2);
        if (t1)
            sg_csv_report_free(&r1);
        if (t2)
            sg_csv_report_free(&r2);
        sg_table_free(t1);
        sg_table_free(t2);
    }
}

static void test_assign(void)
{
    uint64_t s1[3] = { 100, 100, 100 }, s2[4] = { 10, 500, 10, 10 };
    size_t f[5];
    sg_csv_list_assign(s1, 3, 3, f);
    tap_ok(f[0] == 0 && f[1] == 1 && f[2] == 2 && f[3] == 3, "three equal files on 3 ranks: one each");
    sg_csv_list_assign(s1, 3, 2, f);
    tap_ok(f[0] == 0 && f[1] == 1 && f[2] == 3, "three equal files on 2 ranks: 1 and 2");
    sg_csv_list_assign(s2, 4, 2, f);
    tap_ok(f[0] == 0 && f[1] == 2 && f[2] == 4, "a big second file's middle in rank 0's half: rank 0 reads it, rank 1 the rest (%zu %zu %zu)",
           f[0], f[1], f[2]);
    sg_csv_list_assign(s1, 2, 4, f);
    tap_ok(f[0] == 0 && f[1] == 1 && f[4] == 2 && f[2] <= f[3], "two files on 4 ranks: some ranks read none");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_assign();
    test_max_rows();
    test_files(0);
    test_errors();
    test_suspect();
    /* typed speculation after 8 rows: the first file decides for all */
    sg_csv_tune((size_t)256 << 10, (uint64_t)4 << 20, 8);
    tap_diag("typed speculation after 8 rows");
    test_files(0);
    test_files(1);
    sg_csv_tune(0, 0, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("cannot remove %s", dir);
    tap_ok(nfast >= 4, "%d of the lists on 2 and 3 ranks were read without merging the rows on rank 0", nfast);
    return tap_done();
}
