/* Exact quantile edges across MPI ranks (core/mpi_quantile.c), in one
 * process: 1 to 5 simulated ranks each hold a share of the values; the
 * order statistics the bitwise search finds must be those of the sorted
 * union, and the score edges the bits sg_score_column computes over the
 * union (ties, NaN, infinities, subnormals, 0 to 3 values, 300,000
 * values, bins 2 to 10).  Then RFM as the owners run it: each simulated
 * owner aggregates its customers (sg_mpi_rfm_owner) and the edges of
 * recency, frequency and monetary computed from the owners' records
 * equal sg_score_column's over sg_rfm_aggregate of the whole table (as_of
 * given or from the data; NaN monetary; Online Retail's rows on 1 to 5
 * owners).  Also the reductions counted, the request's encoding and
 * allocation failures. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mpi_quantile.h"
#include "mpi_rfm.h"
#include "mpi_shuffle.h"
#include "expr.h"
#include "nomem_testutil.h"
#include "rfm.h"
#include "mpi_testutil.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double unif(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

/* The edges sg_score_column computes over v[0..n) (NaN as missing). */
static int ref_edges(const double *v, size_t n, int bins, double *e)
{
    sg_error err;
    sg_column *c = sg_column_new("x", SG_DOUBLE, n ? n : 1);
    for (size_t i = 0; c && i < n; i++)
        if (sg_column_push_f64(c, v[i]))
            return -1;
    sg_column *s = c ? sg_score_column(c, "s", bins, 0, e, 0, &err) : NULL;
    sg_column_release(c);
    sg_column_release(s);
    return s ? 0 : -1;
}

/* v split over nr simulated ranks: mode 0 contiguous uneven shares (the
 * last rank empty when nr > 2), mode 1 each value to a random rank. */
static void split(const double *v, size_t n, int nr, int mode, double **parts, size_t *np)
{
    for (int r = 0; r < nr; r++) {
        parts[r] = malloc((n ? n : 1) * sizeof **parts);
        np[r] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        int r;
        if (mode == 0) {
            int used = nr > 2 ? nr - 1 : nr;
            r = (int)((i * i / (n ? n : 1)) * (size_t)used / (n ? n : 1));   /* shares grow with r */
            if (r >= used)
                r = used - 1;
        } else {
            r = (int)(next() % (uint64_t)nr);
        }
        parts[r][np[r]++] = v[i];
    }
}

/* Every bins in 2..10 and 1..5 ranks in both splits: the edges found by
 * the ranks are sg_score_column's, bit for bit.  One test line. */
static void check_edges(const char *name, const double *v, size_t n)
{
    int bad = 0, cases = 0;
    char first[300] = "";
    for (int nr = 1; nr <= 5; nr++)
        for (int mode = 0; mode < 2; mode++) {
            double *parts[5];
            size_t np[5];
            split(v, n, nr, mode, parts, np);
            for (int bins = 2; bins <= 10; bins++) {
                double want[9], got[9];
                uint64_t rounds = 0;
                sg_error err;
                cases++;
                if (ref_edges(v, n, bins, want) != 0 ||
                    sg_mpi_quantile_simulated((const double *const *)parts, np, nr, bins, got, &rounds, &err) != 0) {
                    if (!bad++)
                        snprintf(first, sizeof first, "%d ranks, bins %d: failed", nr, bins);
                    continue;
                }
                if (memcmp(want, got, (size_t)(bins - 1) * sizeof *got) != 0 && !bad++) {
                    int k = 0;
                    while (memcmp(&want[k], &got[k], sizeof *got) == 0)
                        k++;
                    snprintf(first, sizeof first, "%d ranks (split %d), bins %d, edge %d: %.17g, want %.17g", nr,
                             mode, bins, k + 1, got[k], want[k]);
                }
            }
            for (int r = 0; r < nr; r++)
                free(parts[r]);
        }
    tap_ok(bad == 0, "%s: %zu values, 1 to 5 ranks, bins 2 to 10 (%d cases): edges equal sg_score_column's bit for bit",
           name, n, cases);
    if (bad)
        tap_diag("%d wrong, first: %s", bad, first);
}

/* The numeric order, -0.0 before 0.0. */
static uint64_t order_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = order_key(*(const double *)a), y = order_key(*(const double *)b);
    return (x > y) - (x < y);
}

static void test_select(void)
{
    enum { N = 5000 };
    double *v = malloc(N * sizeof *v), *u = malloc(N * sizeof *u);
    size_t m = 0;
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next() % 10;
        v[i] = r == 0 ? NAN : r == 1 ? -0.0 : r == 2 ? 0.0 : r == 3 ? (double)(next() % 5) : (unif() - 0.5) * 1e6;
        if (!isnan(v[i]))
            u[m++] = v[i];
    }
    qsort(u, m, sizeof *u, cmp_key);   /* -0.0 before 0.0, as the keys order them */
    int bad = 0;
    for (int nr = 1; nr <= 5; nr++) {
        double *parts[5], got[40];
        size_t np[5];
        uint64_t ranks[40];
        split(v, N, nr, 1, parts, np);
        for (int j = 0; j < 40; j++)
            ranks[j] = j < 3 ? (uint64_t)j * (m - 1) / 2 : j == 3 ? m : next() % m;
        sg_error err;
        if (sg_mpi_select_simulated((const double *const *)parts, np, nr, ranks, 40, got, &err) != 0)
            bad++;
        for (int j = 0; j < 40; j++) {
            double want = ranks[j] < m ? u[ranks[j]] : NAN;
            if (memcmp(&want, &got[j], sizeof want) != 0 && !(isnan(want) && isnan(got[j])) && !bad++)
                tap_diag("%d ranks, rank %llu: %.17g, want %.17g", nr, (unsigned long long)ranks[j], got[j], want);
        }
        for (int r = 0; r < nr; r++)
            free(parts[r]);
    }
    tap_ok(bad == 0, "order statistics found by the search over 1 to 5 ranks are the sorted union's (%zu values, "
           "-0.0 and 0.0 among them, a rank beyond them is NaN)", m);
    free(v);
    free(u);
}

static void test_sets(void)
{
    static double tiny[3] = { 2.5, -1, 7 };
    check_edges("no value", tiny, 0);
    check_edges("one value", tiny, 1);
    check_edges("two values", tiny, 2);
    check_edges("three values", tiny, 3);
    enum { N = 2000 };
    double *v = malloc(300000 * sizeof *v);
    for (size_t i = 0; i < N; i++)
        v[i] = 7.25;
    check_edges("one value repeated", v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = (double)(next() % 100 < 85 ? 1 : next() % 3 + 2);
    check_edges("ties (85% ones)", v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = next() % 10 < 3 ? NAN : (unif() - 0.3) * 1000;
    check_edges("30% NaN", v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = next() % 3 ? -0.0 : (double)(next() % 4);
    check_edges("zeros all -0.0 (their sign kept)", v, N);
    for (size_t i = 0; i < 10; i++)
        v[i] = NAN;
    check_edges("only NaN", v, 10);
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next() % 8;
        v[i] = r == 0 ? INFINITY : r == 1 ? -INFINITY : r == 2 ? 4.9e-324 * (double)(next() % 9) : r == 3 ? 1e308 :
               r == 4 ? -1e308 : (double)(next() % 1000) * 1e-310;
    }
    check_edges("infinities, subnormals, +-1e308", v, N);
    for (size_t i = 0; i < 300000; i++)
        v[i] = (next() & 1 ? 1 : -1) * exp((unif() - 0.5) * 1400);
    check_edges("300,000 values from 1e-304 to 1e304", v, 300000);
    for (size_t i = 0; i < 100000; i++)
        v[i] = (double)(next() % 400);
    check_edges("100,000 whole days 0 to 399", v, 100000);
    free(v);
}

/* ---- RFM on simulated owners ---- */

/* The rows of t each owner holds (customer hash), aggregated into records. */
static int owners_records(const sg_table *t, const sg_rfm_options *o, int nr, sg_mpi_buf *rec)
{
    const sg_column *cust = sg_table_col(t, o->customer);
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows);
    int ok = cust && rows;
    for (int d = 0; ok && d < nr; d++) {
        size_t m = 0;
        sg_error err;
        for (size_t i = 0; i < t->nrows; i++)
            if (sg_mpi_owner(cust, i, nr) == d)
                rows[m++] = i;
        sg_table *p = sg_table_take(t, rows, m, &err);
        memset(&rec[d], 0, sizeof rec[d]);
        ok = p && sg_mpi_rfm_owner(p, o, &rec[d], &err) == 0;
        if (!ok)
            tap_diag("owner %d: %s", d, err.msg);
        sg_table_free(p);
    }
    free(rows);
    return ok;
}

/* The edges from the owners' records equal sg_score_column's over
 * sg_rfm_aggregate of the whole table, for 1 to 5 owners; one line. */
static void check_rfm(const char *name, const sg_table *t, const sg_rfm_options *o, int bins)
{
    static const char *cols[3] = { "recency_days", "frequency", "monetary" };
    sg_rfm_info info;
    sg_error err;
    sg_table *a = sg_rfm_aggregate(t, o, &info, &err);
    double want[3][9];
    int bad = a ? 0 : 1;
    char first[300] = "";
    for (int c = 0; a && c < 3; c++) {
        sg_column *s = sg_score_column(sg_table_col(a, cols[c]), "s", bins, c == 0, want[c], 0, &err);
        bad += !s;
        sg_column_release(s);
    }
    uint64_t red = 0, bytes = 0;
    for (int nr = 1; nr <= 5 && !bad; nr++) {
        sg_mpi_buf rec[5];
        sg_mpi_edges_local loc[5], *ls[5];
        if (!owners_records(t, o, nr, rec)) {
            bad++;
            break;
        }
        for (int d = 0; d < nr; d++) {
            ls[d] = &loc[d];
            if (sg_mpi_edges_prepare(&loc[d], rec[d].b, rec[d].len, 7u, &err) != 0)
                bad++;
        }
        sg_mpi_edges q;
        memset(&q, 0, sizeof q);
        q.bins = bins;
        q.mask = 7u;
        if (!bad)
            sg_mpi_edges_run(ls, nr, o, &q, NULL, NULL);
        for (int c = 0; c < 3 && !bad; c++)
            if (memcmp(want[c], q.edges[c], (size_t)(bins - 1) * sizeof want[c][0]) != 0 && !bad++)
                snprintf(first, sizeof first, "%d owners, %s: %.17g ... want %.17g ...", nr, cols[c], q.edges[c][0],
                         want[c][0]);
        if (!bad && (q.as_of != info.as_of || q.values[1] != a->nrows) && !bad++)
            snprintf(first, sizeof first, "%d owners: as_of %lld (want %lld), %llu values (want %zu)", nr,
                     (long long)q.as_of, (long long)info.as_of, (unsigned long long)q.values[1], a->nrows);
        red = q.reductions;
        bytes = q.bytes;
        for (int d = 0; d < nr; d++) {
            sg_mpi_edges_local_free(&loc[d]);
            sg_mpi_buf_free(&rec[d]);
        }
    }
    tap_ok(!bad, "%s: %zu customers, bins %d, 1 to 5 owners: recency, frequency and monetary edges equal "
           "sg_score_column's over the whole table's RFM bit for bit (%llu reductions, %llu bytes per rank)", name,
           a ? a->nrows : 0, bins, (unsigned long long)red, (unsigned long long)bytes);
    if (bad)
        tap_diag("%s", first);
    sg_table_free(a);
}

/* n customers' purchases: id, date, invoice, amount. */
static sg_table *purchases(size_t rows, int ncust)
{
    sg_table *t = sg_table_new();
    sg_column *c[4] = { sg_column_new("cust", SG_INT64, rows), sg_column_new("date", SG_DATETIME, rows),
                        sg_column_new("inv", SG_INT64, rows), sg_column_new("amount", SG_DOUBLE, rows) };
    sg_error err;
    for (size_t i = 0; i < rows; i++) {
        sg_column_push_i64(c[0], (int64_t)(next() % (uint64_t)ncust) * 7 + 1000);
        sg_column_push_i64(c[1], 1262304000 + (int64_t)(next() % (700 * 86400)));
        sg_column_push_i64(c[2], (int64_t)(next() % (rows / 2 + 1)));
        sg_column_push_f64(c[3], (double)(next() % 20000) / 100.0 - 20);
    }
    for (int k = 0; k < 4; k++)
        sg_table_add(t, c[k], &err);
    return t;
}

static void test_rfm(void)
{
    sg_rfm_options o;
    sg_rfm_options_init(&o);
    o.customer = "cust";
    o.date = "date";
    o.invoice = "inv";
    o.amount = "amount";
    sg_table *t = purchases(6000, 900);
    check_rfm("900 generated customers, as_of from the data", t, &o, 5);
    check_rfm("the same, 10 bins", t, &o, 10);
    o.has_as_of = 1;
    o.as_of = 1262304000 + 400 * 86400;   /* rows after it are left out */
    check_rfm("the same, as_of given", t, &o, 4);
    sg_table_free(t);
    o.has_as_of = 0;
    t = purchases(3, 2);
    check_rfm("two customers or fewer", t, &o, 5);
    sg_table_free(t);
}

/* Records with a NaN monetary (not from sg_rfm_aggregate): the edges
 * still equal sg_score_column's over the assembled table. */
static void test_nan_monetary(void)
{
    sg_rfm_options o;
    sg_rfm_options_init(&o);
    o.customer = "c";
    o.date = "d";
    o.amount = "a";
    sg_mpi_buf rec[3];
    memset(rec, 0, sizeof rec);
    int id = 0;
    for (int d = 0; d < 3; d++) {
        uint64_t head[5] = { (uint64_t)(d + 2) * 3, 0, 0, 0, SG_INT64 };
        sg_mpi_buf_put(&rec[d], head, sizeof head);
        for (uint64_t k = 0; k < head[0]; k++, id++) {
            int64_t v = id, r[5] = { 1300000000, 1300000000 + 86400 * (int64_t)(next() % 50), 0,
                                    (int64_t)(next() % 4 + 1), 1 };
            double m = id % 4 == 0 ? NAN : (double)(next() % 1000) / 8;
            memcpy(&r[2], &m, 8);
            sg_mpi_buf_put(&rec[d], &v, 8);
            sg_mpi_buf_put(&rec[d], r, sizeof r);
        }
    }
    const unsigned char *parts[3] = { rec[0].b, rec[1].b, rec[2].b };
    size_t lens[3] = { rec[0].len, rec[1].len, rec[2].len };
    sg_rfm_info info;
    sg_error err;
    sg_table *a = sg_mpi_rfm_assemble(parts, lens, 3, &o, SG_INT64, 0, &info, NULL, &err);
    sg_mpi_edges_local loc[3], *ls[3] = { &loc[0], &loc[1], &loc[2] };
    int ok = a != NULL;
    for (int d = 0; d < 3; d++)
        ok = sg_mpi_edges_prepare(&loc[d], rec[d].b, rec[d].len, 7u, &err) == 0 && ok;
    sg_mpi_edges q;
    memset(&q, 0, sizeof q);
    q.bins = 5;
    q.mask = 7u;
    if (ok)
        sg_mpi_edges_run(ls, 3, &o, &q, NULL, NULL);
    static const char *cols[3] = { "recency_days", "frequency", "monetary" };
    for (int c = 0; ok && c < 3; c++) {
        double want[4];
        sg_column *s = sg_score_column(sg_table_col(a, cols[c]), "s", 5, 0, want, 0, &err);
        ok = s && memcmp(want, q.edges[c], sizeof want) == 0;
        sg_column_release(s);
    }
    tap_ok(ok && q.values[2] == 20 && q.values[1] == 27 && q.as_of == info.as_of,
           "a NaN monetary in every fourth record (3 owners, 27 customers): left out as sg_score_column leaves it "
           "(%llu monetary values), edges equal bit for bit", (unsigned long long)q.values[2]);
    /* a malformed record is refused */
    sg_mpi_edges_local l;
    tap_ok(sg_mpi_edges_prepare(&l, rec[0].b, rec[0].len - 3, 7u, &err) == SG_EDATA,
           "truncated records refused: %s", err.msg);
    for (int d = 0; d < 3; d++) {
        sg_mpi_edges_local_free(&loc[d]);
        sg_mpi_buf_free(&rec[d]);
    }
    sg_table_free(a);
}

/* The reductions and bytes: one per bit for every order statistic, one
 * for the counts, one for the latest purchase; none when no value. */
static void test_rounds(void)
{
    double v[6] = { 1, 2, 3, 4, 5, 6 }, e[9];
    const double *p[1] = { v };
    size_t n[1] = { 6 };
    uint64_t rounds;
    sg_error err;
    sg_mpi_quantile_simulated(p, n, 1, 5, e, &rounds, &err);
    tap_is_int((long long)rounds, 17, "6 values, 5 bins: 17 reductions (the counts, then 16 digits of 4 bits)");
    n[0] = 0;
    sg_mpi_quantile_simulated(p, n, 1, 5, e, &rounds, &err);
    tap_ok(rounds == 1 && isnan(e[0]) && isnan(e[3]), "no value: 1 reduction (the counts), edges NaN");
    sg_mpi_edges q, r;
    memset(&q, 0, sizeof q);
    q.bins = 7;
    q.mask = 5u;
    unsigned char b[16];
    sg_mpi_edges_encode(&q, b);
    tap_ok(sg_mpi_edges_decode(b, &r) == 0 && r.bins == 7 && r.mask == 5u, "the request encodes and decodes");
    q.bins = 11;
    sg_mpi_edges_encode(&q, b);
    int bad11 = sg_mpi_edges_decode(b, &r);
    q.bins = 5;
    q.mask = 8u;
    sg_mpi_edges_encode(&q, b);
    tap_ok(bad11 != 0 && sg_mpi_edges_decode(b, &r) != 0, "11 bins or a fourth column refused");
}

static sg_mpi_buf nomem_rec;

static void *prep(void *ud, sg_error *err)
{
    sg_mpi_edges_local *l = ud;
    return sg_mpi_edges_prepare(l, nomem_rec.b, nomem_rec.len, 7u, err) == 0 ? l : NULL;
}

static void prep_free(void *p)
{
    sg_mpi_edges_local_free(p);
}

static void test_nomem(void)
{
    sg_rfm_options o;
    sg_rfm_options_init(&o);
    o.customer = "cust";
    o.date = "date";
    o.invoice = "inv";
    o.amount = "amount";
    sg_table *t = purchases(500, 100);
    sg_mpi_buf rec[1];
    sg_mpi_edges_local l;
    if (owners_records(t, &o, 1, rec)) {
        nomem_rec = rec[0];
        nomem_sweep(prep, prep_free, &l, 64, 64 * 1024, "an owner's values for the edges");
        sg_mpi_buf_free(&rec[0]);
    } else {
        tap_skip(1, "no records");
    }
    sg_table_free(t);
}

static void test_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 2))
        return;
    sg_table *raw = read_retail(path, 2);
    if (!raw)
        return;
    sg_error err;
    sg_table *t = sg_table_derive(raw, "amount", "Quantity * UnitPrice", &err);
    sg_table_free(raw);
    if (!t) {
        tap_skip(2, "no amount");
        return;
    }
    sg_rfm_options o;
    sg_rfm_options_init(&o);
    o.customer = "CustomerID";
    o.date = "InvoiceDate";
    o.invoice = "InvoiceNo";
    o.amount = "amount";
    check_rfm("Online Retail, every row (cancellations too: negative monetary)", t, &o, 5);
    o.has_as_of = 1;
    o.as_of = 1323475200;   /* 2011-12-10 */
    o.freq = SG_RFM_DAYS;
    check_rfm("Online Retail, purchase days, as_of given", t, &o, 10);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_quantile")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_select();
    test_sets();
    test_rfm();
    test_nan_monetary();
    test_rounds();
    test_nomem();
    test_retail();
    mpi_test_end();
    return tap_done();
}
