/* Cleaning helpers: duplicate rows over every type with missing values
 * (checked against a brute force on a larger table), and netting
 * cancellations against earlier purchases. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clean.h"
#include "csv.h"
#include "expr.h"
#include "ops_testutil.h"
#include "tap.h"

static const char *mask_str(const uint8_t *m, size_t n)
{
    static char buf[256];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof buf; i++)
        buf[k++] = (char)('0' + m[i]);
    buf[k] = '\0';
    return buf;
}

static void test_duplicated(void)
{
    sg_table *t = sg_table_new();
    /* rows: 0 base; 1 = 0; 2 double missing; 3 = 2; 4 other string;
     * 5 all missing; 6 = 5; 7 other date; 8 other bool; 9 double 0;
     * 10 double -0 (= 9); 11 double NaN (= 2, NaN counts as missing) */
    add_col(t, MKCOL("i", SG_INT64, "1", "1", "1", "1", "1", NULL, NULL, "1", "1", "1", "1", "1"));
    add_col(t, MKCOL("d", SG_DOUBLE, "1.5", "1.5", NULL, NULL, "1.5", NULL, NULL, "1.5", "1.5", "0",
                     "-0", "nan"));
    add_col(t, MKCOL("s", SG_STRING, "a", "a", "a", "a", "b", NULL, NULL, "a", "a", "a", "a", "a"));
    add_col(t, MKCOL("t", SG_DATETIME, "2011-01-01", "2011-01-01", "2011-01-01", "2011-01-01",
                     "2011-01-01", NULL, NULL, "2011-01-02", "2011-01-01", "2011-01-01", "2011-01-01",
                     "2011-01-01"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "true", "true", "true", "true", NULL, NULL, "true",
                     "false", "true", "true", "true"));
    uint8_t mask[12];
    sg_error err;
    tap_is_int(sg_clean_duplicated(t, mask, &err), 0, "duplicated on every type");
    tap_is_str(mask_str(mask, 12), "010100100011", "repeats of earlier rows marked, first kept");

    /* a missing value differs from any value, 0 from missing */
    sg_table *u = sg_table_new();
    add_col(u, MKCOL("i", SG_INT64, "0", NULL, "0", NULL));
    add_col(u, MKCOL("s", SG_STRING, "", "", NULL, NULL));
    tap_is_int(sg_clean_duplicated(u, mask, &err), 0, "duplicated, missing vs zero and empty");
    tap_is_str(mask_str(mask, 4), "0000", "missing is not 0 and not the empty text");
    sg_table_free(u);

    tap_ok(sg_clean_duplicated(t, NULL, &err) == SG_EINVAL, "NULL mask refused");
    sg_table *e = sg_table_new();
    tap_is_int(sg_clean_duplicated(e, mask, &err), 0, "empty table");
    sg_table_free(e);
    sg_table_free(t);
}

/* 3000 rows from small domains (many repeats, many hash probes): the mask
 * must equal an O(n^2) comparison of formatted cells. */
static void test_duplicated_brute(void)
{
    enum { N = 3000 };
    static char ibuf[N][8], sbuf[N][8], dbuf[N][8];
    const char *iv[N], *sv[N], *dv[N];
    unsigned seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        snprintf(ibuf[i], 8, "%u", r % 5);
        snprintf(sbuf[i], 8, "k%u", (r / 5) % 7);
        snprintf(dbuf[i], 8, "%u.5", (r / 35) % 6);
        iv[i] = (r / 210) % 9 == 0 ? NULL : ibuf[i];
        sv[i] = (r / 1890) % 11 == 0 ? NULL : sbuf[i];
        dv[i] = dbuf[i];
    }
    sg_table *t = sg_table_new();
    add_col(t, mkcol("i", SG_INT64, iv, N));
    add_col(t, mkcol("s", SG_STRING, sv, N));
    add_col(t, mkcol("d", SG_DOUBLE, dv, N));
    uint8_t *mask = malloc(N);
    sg_error err;
    int rc = sg_clean_duplicated(t, mask, &err);
    size_t bad = 0, dups = 0;
    for (size_t i = 0; i < N && rc == 0; i++) {
        int want = 0;
        for (size_t j = 0; j < i && !want; j++) {
            int eq = 1;
            for (size_t k = 0; k < t->ncols && eq; k++)
                eq = strcmp(cell(t->cols[k], i), cell(t->cols[k], j)) == 0;
            want = eq;
        }
        dups += want;
        bad += mask[i] != want;
    }
    tap_ok(rc == 0 && bad == 0, "3000 rows: mask equals brute force (%zu duplicates, %zu wrong)", dups, bad);
    tap_ok(dups > 2000 && dups < N, "the sample has many duplicates and some distinct rows");
    free(mask);
    sg_table_free(t);
}

/* Cancellation fixture (cancel rows marked in CANCEL):
 *  r0  c1 X  10 1.0 01-01   purchase                      -> 8
 *  r1  c1 X   5 1.0 01-02   purchase                      -> 0
 *  r2  c1 X  -7 1.0 01-03   cancel: r1 5, then r0 2
 *  r3  c1 Y   4 2.0 01-01   purchase                      -> 0
 *  r4  c1 Y  -4 2.0 01-05   cancel: full
 *  r5  c2 X   6 1.0 01-02   purchase                      -> 4
 *  r6  c2 X  -2 1.0 01-04   cancel: partial
 *  r7  c2 Z  -3 1.0 01-01   cancel, nothing earlier: unmatched 3
 *  r8  c2 Z   5 1.0 01-02   purchase after the cancel     -> 5
 *  r9  c3 X  -2 1.0 01-02   cancel: r10 1 (earlier date, later row), unmatched 1
 *  r10 c3 X   1 1.0 01-01   purchase                      -> 0
 *  r11 c4 W   3 1.0 01-01   purchase      -> 2 (price off), 0 (price on)
 *  r12 c4 W   2 2.0 01-02   purchase      -> 0 (price off), 2 (price on)
 *  r13 c4 W  -3 1.0 01-03   cancel
 *  r14 NA X  -1 1.0 01-05   cancel, missing customer: unmatched 1
 *  r15 NA X   2 1.0 01-01   purchase, missing customer    -> 2
 *  r16 c1 X  -1 1.0 01-06   not flagged: kept as is       -> -1
 *  r17 c5 V  -1 1.0 01-01   cancel, same date as r18 but earlier row: unmatched 1
 *  r18 c5 V   2 1.0 01-01   purchase                      -> 2
 *  r19 c6 V   2 1.0 01-01   purchase                      -> 0
 *  r20 c6 V  -2 1.0 01-01   cancel, same date, later row
 * unmatched = 3 + 1 + 1 + 1 = 6. */
#define NC 21
static const char *const CUST[NC] = { "c1", "c1", "c1", "c1", "c1", "c2", "c2", "c2", "c2", "c3", "c3",
                                      "c4", "c4", "c4", NULL, NULL, "c1", "c5", "c5", "c6", "c6" };
static const char *const CUSTNUM[NC] = { "1", "1", "1", "1", "1", "2", "2", "2", "2", "3", "3",
                                         "4", "4", "4", NULL, NULL, "1", "5", "5", "6", "6" };
static const char *const ITEMS[NC] = { "X", "X", "X", "Y", "Y", "X", "X", "Z", "Z", "X", "X",
                                       "W", "W", "W", "X", "X", "X", "V", "V", "V", "V" };
static const char *const QTY[NC] = { "10", "5", "-7", "4", "-4", "6", "-2", "-3", "5", "-2", "1",
                                     "3", "2", "-3", "-1", "2", "-1", "-1", "2", "2", "-2" };
static const char *const PRICE[NC] = { "1", "1", "1", "2", "2", "1", "1", "1", "1", "1", "1",
                                       "1", "2", "1", "1", "1", "1", "1", "1", "1", "1" };
static const char *const DATE[NC] = { "2011-01-01", "2011-01-02", "2011-01-03", "2011-01-01",
                                      "2011-01-05", "2011-01-02", "2011-01-04", "2011-01-01",
                                      "2011-01-02", "2011-01-02", "2011-01-01", "2011-01-01",
                                      "2011-01-02", "2011-01-03", "2011-01-05", "2011-01-01",
                                      "2011-01-06", "2011-01-01", "2011-01-01", "2011-01-01",
                                      "2011-01-01" };
static const uint8_t CANCEL[NC] = { 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1 };

static sg_table *cancel_fixture(int numeric_ids, sg_type qty_type)
{
    sg_table *t = sg_table_new();
    add_col(t, numeric_ids ? mkcol("cust", SG_INT64, CUSTNUM, NC) : mkcol("cust", SG_STRING, CUST, NC));
    add_col(t, mkcol("item", SG_STRING, ITEMS, NC));
    add_col(t, mkcol("qty", qty_type, QTY, NC));
    add_col(t, mkcol("price", SG_DOUBLE, PRICE, NC));
    add_col(t, mkcol("date", SG_DATETIME, DATE, NC));
    return t;
}

static const char *qty_str(const int64_t *q, size_t n)
{
    static char buf[512];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k + 24 < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? "|" : "", (long long)q[i]);
    return buf;
}

static void run_case(int numeric_ids, sg_type qty_type, int match_price, const char *date,
                     const char *want, double want_unmatched, const char *name)
{
    sg_table *t = cancel_fixture(numeric_ids, qty_type);
    int64_t q[NC];
    double un = -1;
    sg_error err;
    int rc = sg_clean_net_cancellations(t, "cust", "item", "qty", "price", date, CANCEL, match_price, q, &un,
                                  &err);
    if (rc != 0) {
        tap_ok(0, "%s: %s", name, err.msg);
        tap_ok(0, "%s: unmatched", name);
    } else {
        tap_is_str(qty_str(q, NC), want, name);
        tap_is_double(un, want_unmatched, 0, "unmatched cancelled quantity");
    }
    sg_table_free(t);
}

static void test_cancellations(void)
{
    const char *off = "8|0|0|0|0|4|0|0|5|0|0|2|0|0|0|2|-1|0|2|0|0";
    const char *on = "8|0|0|0|0|4|0|0|5|0|0|0|2|0|0|2|-1|0|2|0|0";
    run_case(0, SG_INT64, 0, "date", off,
             6, "netted: full, partial, spanning two purchases, no earlier purchase, date order");
    run_case(0, SG_INT64, 1, "date", on, 6, "match_price: only purchases at the cancelled price");
    run_case(1, SG_INT64, 0, "date", off, 6, "int64 customer ids");
    run_case(0, SG_DOUBLE, 0, "date", off, 6, "double quantities with whole values");
    /* without a date, row order: r9 cancels before r10 is bought */
    run_case(0, SG_INT64, 0, NULL, "8|0|0|0|0|4|0|0|5|0|1|2|0|0|0|2|-1|0|2|0|0", 7,
             "no date column: row order");
}

static void test_cancel_errors(void)
{
    sg_table *t = cancel_fixture(0, SG_DOUBLE);
    int64_t q[NC];
    double un;
    sg_error err;
    /* a fractional quantity */
    sg_table *f = sg_table_new();
    add_col(f, MKCOL("cust", SG_STRING, "a", "a"));
    add_col(f, MKCOL("item", SG_STRING, "x", "x"));
    add_col(f, MKCOL("qty", SG_DOUBLE, "2", "-1.5"));
    add_col(f, MKCOL("date", SG_DATETIME, "2011-01-01", "2011-01-02"));
    static const uint8_t fc[2] = { 0, 1 };
    int rc = sg_clean_net_cancellations(f, "cust", "item", "qty", NULL, "date", fc, 0, q, &un, &err);
    tap_ok(rc == SG_EDATA && strstr(err.msg, "row 2") && strstr(err.msg, "-1.5"),
           "fractional quantity: SG_EDATA naming the row (%s)", rc ? err.msg : "");
    sg_table_free(f);

    rc = sg_clean_net_cancellations(t, "cust", "item", "qty", NULL, "date", CANCEL, 1, q, &un, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "price"), "match_price without a price column");
    rc = sg_clean_net_cancellations(t, "cust", "nope", "qty", NULL, "date", CANCEL, 0, q, &un, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "nope"), "unknown item column");
    rc = sg_clean_net_cancellations(t, "cust", "item", "item", NULL, "date", CANCEL, 0, q, &un, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "string"), "string quantity refused");
    rc = sg_clean_net_cancellations(t, "cust", "item", "qty", NULL, "item", CANCEL, 0, q, &un, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "datetime"), "string date refused");
    rc = sg_clean_net_cancellations(t, "cust", "item", "qty", NULL, "date", NULL, 0, q, &un, &err);
    tap_ok(rc == SG_EINVAL, "NULL is_cancel refused");
    sg_table_free(t);
}

/* out of memory: every failure is SG_ENOMEM and gives everything back */
static void test_oom(void)
{
    sg_table *t = cancel_fixture(0, SG_INT64);
    size_t base = sg_mem_used();
    int fails = 0, bad = 0;
    for (size_t extra = 0;; extra += 16) {
        int64_t q[NC];
        uint8_t m[NC];
        double un;
        sg_error err;
        err.code = 0;
        sg_mem_set_limit(base + extra);
        int rc1 = sg_clean_net_cancellations(t, "cust", "item", "qty", "price", "date", CANCEL, 1, q, &un, &err);
        int e1 = err.code;
        int rc2 = sg_clean_duplicated(t, m, &err);
        sg_mem_set_limit(0);
        if ((rc1 && e1 != SG_ENOMEM) || (rc2 && err.code != SG_ENOMEM) || sg_mem_used() != base)
            bad++;
        if (rc1 == 0 && rc2 == 0)
            break;
        fails++;
    }
    tap_ok(fails > 3 && bad == 0, "growing memory limits: %d clean failures, %d bad", fails, bad);
    sg_table_free(t);
}

/* UCI Online Retail (541909 raw rows).  Checked with Python's csv module:
 * 5268 rows repeat an earlier row exactly; 9288 cancellation rows
 * (InvoiceNo starting with 'C') cancel 277574 units; other rows with a
 * positive quantity buy 5660981 units.  Netting conserves quantity:
 * sum of netted purchases = 5660981 - (277574 - unmatched). */
static void test_online_retail(void)
{
    const char *dir = tap_shared_data();
    char path[4200];
    if (!dir) {
        tap_skip(4, "shared data folder not found");
        return;
    }
    snprintf(path, sizeof path, "%s/online_retail/online_retail.csv", dir);
    sg_csv_override ov[] = {
        { "InvoiceNo", SG_STRING, SG_DATE_UNKNOWN, 0 },
        { "StockCode", SG_STRING, SG_DATE_UNKNOWN, 0 },
        { "CustomerID", SG_STRING, SG_DATE_UNKNOWN, 0 },
    };
    sg_csv_options opt;
    sg_csv_options_init(&opt);
    opt.overrides = ov;
    opt.noverrides = 3;
    sg_error err;
    sg_table *t = sg_csv_read(path, &opt, NULL, &err);
    if (!t) {
        tap_ok(0, "read: %s", err.msg);
        tap_skip(3, "no data");
        return;
    }
    size_t n = t->nrows;
    uint8_t *mask = malloc(n), *cancel = malloc(n);
    int64_t *q = malloc(n * sizeof *q);
    if (!mask || !cancel || !q)
        abort();
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = sg_clean_duplicated(t, mask, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t dups = 0;
    for (size_t i = 0; i < n; i++)
        dups += mask[i];
    tap_ok(rc == 0 && dups == 5268, "Online Retail: %zu duplicate rows (5268)", dups);

    const sg_column *inv = sg_table_col(t, "InvoiceNo"), *qc = sg_table_col(t, "Quantity");
    int64_t bought = 0, cancelled = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = sg_column_str(inv, i, NULL);
        int64_t v = sg_column_i64(qc)[i];
        cancel[i] = s && s[0] == 'C';
        if (cancel[i])
            cancelled += v < 0 ? -v : v;
        else if (v > 0)
            bought += v;
    }
    tap_ok(qc->type == SG_INT64 && bought == 5660981 && cancelled == 277574,
           "quantities bought 5660981 and cancelled 277574");
    double un = -1;
    rc = sg_clean_net_cancellations(t, "CustomerID", "StockCode", "Quantity", "UnitPrice", "InvoiceDate",
                              cancel, 0, q, &un, &err);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    int64_t net = 0, neg = 0, zeroed = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t v = sg_column_i64(qc)[i];
        if (cancel[i])
            neg += q[i] != 0;
        else if (v > 0) {
            net += q[i];
            neg += q[i] < 0 || q[i] > v;
            zeroed += q[i] == 0;
        }
    }
    tap_ok(rc == 0 && neg == 0 && (double)net == 5660981.0 - (277574.0 - un),
           "netting conserves quantity: %lld = 5660981 - (277574 - %.0f unmatched)", (long long)net, un);
    tap_ok(rc == 0 && zeroed > 0 && un > 0 && un < 277574, "some purchases netted to 0 (%lld)",
           (long long)zeroed);
    tap_diag("duplicated %.3f s, net_cancellations %.3f s, unmatched %.0f units",
             (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
             (double)(t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9, un);
    free(mask);
    free(cancel);
    free(q);
    sg_table_free(t);
}

/* sg_clean_filter: rows tagged by the first failing step, tallies by hand.
 *   row  q   p     amt     step that removes it
 *   0    2   1.5   3       kept
 *   1   -1   2    -2       1 (q > 0)
 *   2    3   0     0       2 (p > 0)
 *   3    NA  4     NA      1 (missing: not true), no revenue
 *   4    1   2.25  2.25    kept
 *   5   -2   NA    NA      1
 *   6    4  -1    -4       2 */
static void test_filter(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("q", SG_INT64, "2", "-1", "3", NULL, "1", "-2", "4"));
    add_col(t, MKCOL("p", SG_DOUBLE, "1.5", "2", "0", "4", "2.25", NULL, "-1"));
    add_col(t, MKCOL("amt", SG_DOUBLE, "3", "-2", "0", NULL, "2.25", NULL, "-4"));
    add_col(t, MKCOL("iamt", SG_INT64, "3", "-2", "0", NULL, "2", NULL, "-4"));
    add_col(t, MKCOL("s", SG_STRING, "a", "b", "c", "d", "e", "f", "g"));
    const char *steps[] = { "q > 0", "p > 0" };
    size_t rows[2];
    double rev[2];
    int64_t irev[2];
    sg_error err;
    sg_table *o = sg_clean_filter(t, steps, 2, "amt", rows, rev, irev, &err);
    tap_ok(o != NULL, "filter runs");
    if (o) {
        tap_is_int((long long)o->nrows, 2, "2 rows kept");
        tap_is_str(cell(sg_table_col(o, "s"), 0), "a", "first kept row");
        tap_is_str(cell(sg_table_col(o, "s"), 1), "e", "second kept row");
        tap_is_str(cell(sg_table_col(o, "amt"), 1), "2.25", "kept amount");
        tap_is_int((long long)rows[0], 3, "step 1 removes 3 rows");
        tap_is_int((long long)rows[1], 2, "step 2 removes 2 rows");
        tap_is_double(rev[0], -2, 0, "step 1 revenue (missing skipped)");
        tap_is_double(rev[1], -4, 0, "step 2 revenue");
        tap_is_int(irev[0], 0, "no int64 sum for a double amount");
    }
    sg_table_free(o);
    o = sg_clean_filter(t, steps, 2, "iamt", rows, rev, irev, &err);
    tap_ok(o && irev[0] == -2 && irev[1] == -4 && rev[1] == -4.0, "int64 amount sums in int64");
    sg_table_free(o);
    /* a step's int64 revenue is checked whole, not as it runs: the rows
     * removed by one step pass INT64_MAX on the way (9223372036854775807
     * + 5 - 7) and end within int64, as the owners' exact sums under
     * mpirun see it whatever the order; a total beyond int64 is refused */
    sg_table *big = sg_table_new();
    add_col(big, MKCOL("v", SG_INT64, "9223372036854775807", "5", "-7", "1"));
    const char *neg[] = { "v == 1" };
    o = sg_clean_filter(big, neg, 1, "v", rows, rev, irev, &err);
    tap_ok(o && o->nrows == 1 && rows[0] == 3 && irev[0] == INT64_MAX - 2,
           "a step's revenue passing INT64_MAX on the way is kept: %lld", o ? (long long)irev[0] : 0LL);
    sg_table_free(o);
    const char *pos[] = { "v < 0" };
    o = sg_clean_filter(big, pos, 1, "v", rows, rev, irev, &err);
    tap_ok(!o && err.code == SG_EDATA && strstr(err.msg, "overflows int64"), "a step's revenue beyond int64: %s",
           o ? "(kept)" : err.msg);
    sg_table_free(o);
    sg_table_free(big);
    const char *all[] = { "s != 'zz'" };
    o = sg_clean_filter(t, all, 1, NULL, rows, rev, irev, &err);
    tap_ok(o && o->nrows == 7 && o->cols[0] == t->cols[0] && rows[0] == 0, "every row kept: columns shared");
    sg_table_free(o);
    const char *bad[] = { "q > 0", "q + 1" };
    o = sg_clean_filter(t, bad, 2, "amt", rows, rev, irev, &err);
    tap_ok(!o && err.code == SG_EINVAL && strstr(err.msg, "q + 1"), "a step that is not a condition: %s",
           o ? "(kept)" : err.msg);
    const char *nocol[] = { "nope > 0" };
    o = sg_clean_filter(t, nocol, 1, "amt", rows, rev, irev, &err);
    tap_ok(!o && err.code != 0, "unknown column refused");
    o = sg_clean_filter(t, steps, 2, "s", rows, rev, irev, &err);
    tap_ok(!o && err.code == SG_EINVAL, "a string amount refused");
    size_t base = sg_mem_used();
    int fails = 0, wrong = 0;
    for (size_t extra = 0;; extra += 8) {
        sg_mem_set_limit(base + extra);
        o = sg_clean_filter(t, steps, 2, "amt", rows, rev, irev, &err);
        sg_mem_set_limit(0);
        if (o)
            break;
        fails++;
        wrong += err.code != SG_ENOMEM || sg_mem_used() != base;
    }
    tap_ok(o && o->nrows == 2 && fails > 2 && wrong == 0, "growing memory limits: %d failures, %d wrong",
           fails, wrong);
    sg_table_free(o);
    sg_table_free(t);
}


/* sg_clean_filter_in_place on the table of test_filter: the same rows and
 * tallies; a column only t holds is compacted in its own buffer, a shared
 * one replaced (the other table keeps its 7 rows); missing values follow
 * their rows, and a bitmap with none left is freed. */
static void test_filter_in_place(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("q", SG_INT64, "2", "-1", "3", NULL, "1", "-2", "4"));
    add_col(t, MKCOL("p", SG_DOUBLE, "1.5", "2", "0", "4", "2.25", NULL, "-1"));
    add_col(t, MKCOL("amt", SG_DOUBLE, "3", "-2", "0", NULL, "2.25", NULL, "-4"));
    add_col(t, MKCOL("s", SG_STRING, "a", "b", "c", "d", "e", "f", "g"));
    add_col(t, MKCOL("t", SG_DATETIME, "2011-01-01", NULL, "2011-01-03", "2011-01-04", NULL, "2011-01-06",
                     "2011-01-07"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", "true", "true", "false", "true", NULL));
    const char *names[] = { "s" };
    sg_error err;
    sg_table *other = sg_table_select(t, names, 1, &err);    /* "s" now has two holders */
    const char *steps[] = { "q > 0", "p > 0" };
    size_t rows[2], rows2[2];
    double rev[2], rev2[2];
    int64_t irev[2], irev2[2];
    sg_table *copy = sg_clean_filter(t, steps, 2, "amt", rows2, rev2, irev2, &err);
    sg_column *q0 = sg_table_col(t, "q"), *s0 = sg_table_col(t, "s");
    int rc = sg_clean_filter_in_place(t, steps, 2, "amt", rows, rev, irev, &err);
    tap_ok(rc == 0 && other && copy, "in place: runs");
    tap_is_int((long long)t->nrows, 2, "in place: 2 rows kept");
    tap_ok(rows[0] == rows2[0] && rows[1] == rows2[1] && rev[0] == rev2[0] && rev[1] == rev2[1],
           "in place: the tallies of sg_clean_filter (%zu %zu, %g %g)", rows[0], rows[1], rev[0], rev[1]);
    const char *cols[] = { "q", "p", "amt", "s", "t", "b" };
    int same = 1;
    for (size_t k = 0; k < 6; k++)
        for (size_t i = 0; i < 2; i++)
            same = same && strcmp(cell(sg_table_col(t, cols[k]), i), cell(sg_table_col(copy, cols[k]), i)) == 0;
    tap_ok(same, "in place: every value as in the copy (q %s, t %s)", join_col(t, "q"), join_col(t, "t"));
    tap_is_str(join_col(t, "t"), "2011-01-01|NA", "in place: a kept missing value stays missing");
    tap_ok(sg_table_col(t, "q") == q0 && q0->n == 2 && q0->cap == 2, "in place: q compacted in its buffer, shrunk");
    tap_ok(sg_table_col(t, "b")->na == NULL, "in place: b's only missing value was removed: no bitmap");
    tap_ok(sg_table_col(t, "s") != s0 && sg_table_col(other, "s") == s0, "in place: the shared column was copied");
    tap_is_str(join_col(other, "s"), "a|b|c|d|e|f|g", "in place: the other holder's rows unchanged");
    tap_is_str(join_col(t, "s"), "a|e", "in place: the copy compacted");
    sg_table_free(copy);
    /* a bad step leaves t as it was */
    const char *bad[] = { "q > 0", "q + 1" };
    rc = sg_clean_filter_in_place(t, bad, 2, "amt", rows, rev, irev, &err);
    tap_ok(rc == SG_EINVAL && t->nrows == 2 && strcmp(join_col(t, "q"), "2|1") == 0,
           "in place: a step that is not a condition leaves the table whole");
    sg_table_free(other);
    sg_table_free(t);
}

/* sg_table_compact against sg_table_filter_mask on 300,000 random rows of
 * every type, with missing values (the two-thread path), in place and with
 * one shared column. */
static void test_compact_random(void)
{
    size_t n = 300000;
    sg_table *t = sg_table_new();
    sg_column *c[5] = { sg_column_new("i", SG_INT64, n), sg_column_new("d", SG_DOUBLE, n),
                        sg_column_new("s", SG_STRING, n), sg_column_new("t", SG_DATETIME, n),
                        sg_column_new("b", SG_BOOL, n) };
    uint8_t *keep = malloc(n);
    if (!keep)
        abort();
    srand(7);
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        keep[i] = rand() % 4 != 0;
        for (int k = 0; k < 5; k++) {
            if (rand() % 11 == 0) {
                sg_column_push_na(c[k]);
                continue;
            }
            int v = rand() % 1000;
            switch (k) {
            case 0: sg_column_push_i64(c[k], v - 500); break;
            case 1: sg_column_push_f64(c[k], v / 7.0); break;
            case 2: snprintf(buf, sizeof buf, "id%d", v); sg_column_push_str(c[k], buf, strlen(buf)); break;
            case 3: sg_column_push_i64(c[k], 1300000000 + v * 86400LL); break;
            default: sg_column_push_bool(c[k], v & 1); break;
            }
        }
    }
    for (int k = 0; k < 5; k++)
        add_col(t, c[k]);
    sg_error err;
    sg_table *want = sg_table_filter_mask(t, keep, &err);
    const char *names[] = { "d" };
    sg_table *other = sg_table_select(t, names, 1, &err);
    int rc = sg_table_compact(t, keep, &err);
    size_t bad = 0;
    for (int k = 0; rc == 0 && want && k < 5; k++) {
        const sg_column *a = t->cols[k], *b = want->cols[k];
        if (a->n != b->n) {
            bad++;
            continue;
        }
        for (size_t i = 0; i < a->n; i++)
            bad += strcmp(cell(a, i), cell(b, i)) != 0;
    }
    tap_ok(rc == 0 && want && t->nrows == want->nrows && bad == 0,
           "compact = filter_mask on 300,000 random rows (%zu kept, %zu differences)", t->nrows, bad);
    tap_ok(other && other->nrows == n && sg_table_col(other, "d")->n == n, "the shared column's other holder keeps its rows");
    sg_table_free(other);
    sg_table_free(want);
    sg_table_free(t);
    free(keep);
}

int main(void)
{
    test_filter();
    test_filter_in_place();
    test_compact_random();
    test_duplicated();
    test_duplicated_brute();
    test_cancellations();
    test_cancel_errors();
    test_oom();
    test_online_retail();
    return tap_done();
}
