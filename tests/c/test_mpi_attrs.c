/* Group-bys reduced on rank 0 (core/mpi_attrs.c), in one process: n
 * simulated ranks each read a contiguous share of the table and send every
 * row to its customer's owner (packed and unpacked as the exchange does,
 * so each owner has its own dictionaries); each owner runs the group-by
 * of the decoded command over its rows (sg_mpi_gb_owner) and "rank 0"
 * reduces what they sent (sg_mpi_gb_reduce).  The table must be the one
 * the group-by gives over the whole table (sg_mpi_gb_local): the customer
 * attributes (the first non-missing value per customer; int64 and string
 * customers, a customer whose first rows have no value, one with none,
 * rows without a customer) and the cross-sell item names' counts (pairs on
 * several owners, missing items and names), on 1 to 3 owners and with an
 * owner without rows, and Online Retail on 2 and 3 owners.  Malformed
 * commands and rows (truncated, trailing bytes, another kind or number of
 * columns, a customer sent by two ranks, counts that are not integers, no
 * rows at all) are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mpi_attrs.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

#define MAXN 4

/* The owners' rows of command c over t shared by n owners (plus one
 * without rows when extra), into b[0..n+extra) and ng; the number of
 * owners, or -1. */
static int owners(const sg_table *t, const char *cust, const sg_mpi_gb_cmd *c, int n, int extra, sg_mpi_buf *b,
                  uint64_t *ng)
{
    sg_table *tabs[MAXN] = { 0 };
    int N = n + extra, ok = mpi_test_spread(t, cust, n, tabs) == 0;
    /* the owners decode the command as the service loop does */
    sg_mpi_buf cb = { 0 };
    sg_mpi_gb_cmd dc;
    if (ok && (sg_mpi_gb_encode(c, &cb) != 0 || sg_mpi_gb_decode(cb.b, cb.len, &dc) != 0)) {
        tap_diag("the command does not go through");
        ok = 0;
    }
    for (int d = 0; ok && d < N; d++) {
        sg_error err;
        if (sg_mpi_gb_owner(d < n ? tabs[d] : NULL, &dc, d, N, &b[d], &ng[d], &err) != 0) {
            tap_diag("owner %d: %s", d, err.msg);
            ok = 0;
        }
    }
    sg_mpi_buf_free(&cb);
    for (int d = 0; d < n; d++)
        sg_table_free(tabs[d]);
    return ok ? N : -1;
}

/* 2 tests: the group-by c over t (customer column cust) on n owners (plus one without rows when
 * extra) reduced on rank 0 is the one over the whole table; the owners
 * sent rows (each some when several have customers), as many as the
 * whole table's groups for the attributes. */
static void check(const char *label, const sg_table *t, const char *cust, const sg_mpi_gb_cmd *c, int n, int extra)
{
    sg_error err;
    sg_mpi_buf b[MAXN];
    memset(b, 0, sizeof b);
    uint64_t ng[MAXN] = { 0 }, got[MAXN] = { 0 };
    sg_table *want = sg_mpi_gb_local(t, c, &err);
    int N = want ? owners(t, cust, c, n, extra, b, ng) : -1;
    sg_table *out = NULL;
    if (N > 0) {
        const unsigned char *parts[MAXN];
        size_t lens[MAXN];
        for (int d = 0; d < N; d++) {
            parts[d] = b[d].b;
            lens[d] = b[d].len;
        }
        out = sg_mpi_gb_reduce(parts, lens, N, c, got, &err);
        if (!out)
            tap_diag("reduce: %s", err.msg);
    }
    char *dw = want ? dump(want) : NULL, *dg = out ? dump(out) : NULL;
    int same = dw && dg && strcmp(dw, dg) == 0;
    if (dw && dg && !same)
        tap_diag("want:\n%.400s\ngot:\n%.400s", dw, dg);
    tap_ok(same, "%s, %d owners%s: %zu rows x %zu columns, every value as over the whole table", label, n,
           extra ? " and one without rows" : "", want ? want->nrows : 0, want ? want->ncols : 0);
    uint64_t sum = 0;
    int agree = N > 0;
    for (int d = 0; d < N; d++) {
        sum += ng[d];
        agree = agree && ng[d] == got[d] && (d < n || ng[d] == 0);
    }
    tap_ok(agree && want && (c->kind != SG_MPI_GB_FIRST || sum == want->nrows) && sum >= (want ? want->nrows : 1),
           "%s, %d owners: the rows sent (%llu) counted per rank on both sides%s", label, n, (unsigned long long)sum,
           c->kind == SG_MPI_GB_FIRST ? ", one per customer" : ", at least one per pair");
    free(dw);
    free(dg);
    sg_table_free(want);
    sg_table_free(out);
    for (int d = 0; d < MAXN; d++)
        sg_mpi_buf_free(&b[d]);
}

/* Customers 1..6 (int64; as text below), a row without a customer, items
 * named differently on different rows (and by different customers). */
static const char SMALL[] = "cust,country,channel,item,name,date\n"
                            "3,,web,A,Red mug,2024-01-03\n"
                            "1,France,shop,A,Red mug ,2024-01-01\n"
                            "2,Spain,,B,Blue cup,2024-01-02\n"
                            "3,Italy,shop,A, Red  mug,2024-01-04\n"
                            ",Peru,web,C,Jar,2024-01-05\n"
                            "4,,,B,Blue cup,2024-01-05\n"
                            "1,Chile,web,B,Blue cups,2024-01-06\n"
                            "5,Spain,shop,,Lid,2024-01-07\n"
                            "6,Norway,web,C,,2024-01-08\n"
                            "2,France,shop,A,Red mug,2024-01-09\n"
                            "5,Spain,web,A,Red mug,2024-01-09\n"
                            "6,Norway,shop,B,Blue cup,2024-01-10\n"
                            ",Peru,shop,C,Jar,2024-01-11\n"
                            "4,Japan,web,A,Red mug,2024-01-12\n";

static const char SMALL_TEXT[] = "cust,country,channel,item,name,date\n"
                                 "c3,,web,A,Red mug,2024-01-03\n"
                                 "c1,France,shop,A,Red mug ,2024-01-01\n"
                                 "c2,Spain,,B,Blue cup,2024-01-02\n"
                                 "c3,Italy,shop,A, Red  mug,2024-01-04\n"
                                 ",Peru,web,C,Jar,2024-01-05\n"
                                 "c4,,,B,Blue cup,2024-01-05\n"
                                 "c1,Chile,web,B,Blue cups,2024-01-06\n"
                                 "c10,Spain,shop,,Lid,2024-01-07\n";

static sg_mpi_gb_cmd attrs_cmd(const char *cust, const char *a, const char *b)
{
    sg_mpi_gb_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = 7;
    c.kind = SG_MPI_GB_FIRST;
    c.cols[0] = cust;
    c.cols[1] = a;
    c.cols[2] = b;
    c.ncols = b ? 3 : 2;
    return c;
}

static sg_mpi_gb_cmd names_cmd(const char *item, const char *name)
{
    sg_mpi_gb_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = 7;
    c.kind = SG_MPI_GB_COUNT;
    c.cols[0] = item;
    c.cols[1] = name;
    c.ncols = 2;
    c.count = "n";
    return c;
}

static void test_small(void)
{
    sg_table *t = read_text("small.csv", SMALL), *u = read_text("text.csv", SMALL_TEXT);
    if (!t || !u) {
        tap_skip(20, "the small tables cannot be read");
        sg_table_free(t);
        sg_table_free(u);
        return;
    }
    sg_mpi_gb_cmd a = attrs_cmd("cust", "country", "channel"), a1 = attrs_cmd("cust", "country", NULL);
    sg_mpi_gb_cmd m = names_cmd("item", "name");
    for (int n = 1; n <= 3; n++) {
        check("attributes, int64 customers", t, "cust", &a, n, 0);
        check("item names", t, "cust", &m, n, 0);
    }
    check("attributes, int64 customers", t, "cust", &a, 2, 1);
    check("item names", t, "cust", &m, 2, 1);
    check("attributes, text customers, one column", u, "cust", &a1, 3, 0);
    check("item names of text customers", u, "cust", &m, 2, 0);
    sg_table_free(t);
    sg_table_free(u);
}

/* The command's bytes, and 1 when they decode. */
static int decodes(const sg_mpi_gb_cmd *c, size_t cut, int extra)
{
    sg_mpi_buf b = { 0 };
    sg_mpi_gb_cmd d;
    int r = sg_mpi_gb_encode(c, &b) == 0;
    if (r && extra)
        r = sg_mpi_buf_put(&b, "x", 1) == 0;
    r = r && sg_mpi_gb_decode(b.b, b.len - cut, &d) == 0;
    sg_mpi_buf_free(&b);
    return r;
}

static sg_table *reduce2(const sg_mpi_buf *x, const sg_mpi_buf *y, size_t cut, const sg_mpi_gb_cmd *c, sg_error *err)
{
    const unsigned char *parts[2] = { x->b, y->b };
    size_t lens[2] = { x->len, y->len - cut };
    return sg_mpi_gb_reduce(parts, lens, 2, c, NULL, err);
}

static void test_refused(void)
{
    sg_mpi_gb_cmd a = attrs_cmd("cust", "country", "channel"), m = names_cmd("item", "name");
    tap_ok(decodes(&a, 0, 0) && decodes(&m, 0, 0), "the commands decode");
    sg_mpi_buf b = { 0 };
    sg_mpi_gb_cmd d;
    int same = sg_mpi_gb_encode(&a, &b) == 0 && sg_mpi_gb_decode(b.b, b.len, &d) == 0 && d.gen == 7 &&
               d.kind == SG_MPI_GB_FIRST && d.ncols == 3 && !strcmp(d.cols[2], "channel") && !d.count;
    sg_mpi_buf_free(&b);
    tap_ok(same, "... with their gen, kind and columns");
    tap_ok(!decodes(&a, 1, 0) && !decodes(&m, 1, 0) && !decodes(&a, 20, 0), "truncated commands are refused");
    tap_ok(!decodes(&a, 0, 1) && !decodes(&m, 0, 1), "a command a byte longer is refused");
    sg_mpi_gb_cmd bad = a;
    bad.kind = 3;
    int k3 = !decodes(&bad, 0, 0);
    bad = a;
    bad.ncols = 1;
    int one = !decodes(&bad, 0, 0);
    bad = m;
    bad.ncols = 3;
    bad.cols[2] = "date";
    int three = !decodes(&bad, 0, 0);
    tap_ok(k3 && one && three, "another kind, attributes of one column and counts of three keys are refused");
    bad = a;
    bad.cols[1] = "";
    int empty = !decodes(&bad, 0, 0);
    bad = m;
    bad.count = "";
    tap_ok(empty && !decodes(&bad, 0, 0), "an empty column name and counts without a name are refused");

    sg_table *t = read_text("refused.csv", SMALL);
    if (!t) {
        tap_skip(5, "the small table cannot be read");
        return;
    }
    sg_error err;
    sg_mpi_buf x = { 0 }, y = { 0 }, z = { 0 };
    uint64_t ng;
    int ok = sg_mpi_gb_owner(t, &a, 0, 2, &x, &ng, &err) == 0 && sg_mpi_gb_owner(t, &a, 1, 2, &y, &ng, &err) == 0;
    /* the same customers from two ranks */
    sg_table *r = ok ? reduce2(&x, &y, 0, &a, &err) : NULL;
    tap_ok(ok && !r && err.code == SG_EDATA, "customers sent by two ranks are refused (%s)", err.msg);
    sg_table_free(r);
    sg_mpi_buf_free(&y);
    r = ok ? reduce2(&x, &y, 0, &a, &err) : NULL;   /* y empty: rank 1 owns none */
    tap_ok(r && r->nrows == 7, "... while one rank's alone gives its customers (%zu rows)", r ? r->nrows : 0);
    sg_table_free(r);
    ok = ok && sg_mpi_gb_owner(t, &a, 1, 2, &y, &ng, &err) == 0;
    r = ok ? reduce2(&z, &y, 3, &a, &err) : NULL;
    tap_ok(ok && !r && err.code == SG_EDATA, "truncated rows are refused (%s)", err.msg);
    sg_table_free(r);
    /* counts of another type: the rows of a table whose n is a double */
    sg_table *dbl = sg_table_derive(t, "n", "1.5", &err);
    sg_table *sel = dbl ? sg_table_select(dbl, (const char *const[]){ "item", "name", "n" }, 3, &err) : NULL;
    sg_mpi_buf w = { 0 };
    uint64_t gid[64];
    size_t rows[64];
    for (size_t i = 0; i < 64; i++) {
        gid[i] = i * 2;
        rows[i] = i;
    }
    ok = sel && sg_mpi_rows_pack(sel, gid, rows, sel->nrows, &w, &err) == 0;
    sg_mpi_gb_cmd m2 = names_cmd("item", "name");
    r = ok ? reduce2(&w, &z, 0, &m2, &err) : NULL;
    tap_ok(ok && !r && err.code == SG_EDATA, "counts that are not integers are refused (%s)", err.msg);
    sg_table_free(r);
    r = reduce2(&z, &z, 0, &a, &err);
    tap_ok(!r && err.code == SG_EINVAL, "no rows from any rank: declined (%s)", err.msg);
    sg_table_free(r);
    sg_table_free(dbl);
    sg_table_free(sel);
    sg_mpi_buf_free(&w);
    sg_mpi_buf_free(&x);
    sg_mpi_buf_free(&y);
    sg_table_free(t);
}

static void test_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 8))
        return;
    sg_table *t = read_retail(path, 8);
    if (!t)
        return;
    sg_mpi_gb_cmd a = attrs_cmd("CustomerID", "Country", NULL);
    sg_mpi_gb_cmd m = names_cmd("StockCode", "Description");
    check("Online Retail, the first Country", t, "CustomerID", &a, 2, 0);
    check("Online Retail, the first Country", t, "CustomerID", &a, 3, 0);
    /* the items' names: the rows go to their customers' owners */
    check("Online Retail, item names", t, "CustomerID", &m, 2, 0);
    check("Online Retail, item names", t, "CustomerID", &m, 3, 0);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_attrs")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_small();
    test_refused();
    test_retail();
    mpi_test_end();
    return tap_done();
}
