/* RFM aggregation and scoring on small hand-computed tables. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "mem.h"
#include "rfm.h"
#include "tap.h"

static int64_t ts(const char *iso)
{
    int64_t t;
    if (sg_datetime_parse(iso, strlen(iso), SG_DATE_ISO, &t, NULL) != 0)
        abort();
    return t;
}

typedef struct row {
    const char *cust;   /* NULL: missing */
    const char *date;   /* NULL: missing */
    const char *inv;    /* NULL: missing */
    double amount;      /* NAN: missing */
} row;

/* The transactions of the hand-computed example (as_of 2024-03-10):
 *   alice  5 rows, 4 invoices (INV1 has 2 lines), 3 calendar days but
 *          2 btyd day-periods (Jan 6 09:00 is 23 h after the first purchase)
 *   bob    INV3, INV13, INV3 again (non-contiguous), one row after as_of
 *   carol  one purchase 1 s before as_of
 *   dave   a return (negative amount), rows out of time order, a missing date
 *   eve    a missing amount, a purchase exactly at as_of
 *   plus a row without customer. */
static const row rows[] = {
    { "alice", "2024-01-05 10:00:00", "INV1", 10.0 },
    { "alice", "2024-01-05 10:00:00", "INV1", 5.5 },
    { "alice", "2024-01-05 15:00:00", "INV2", 20.0 },
    { "bob", "2024-02-01 09:00:00", "INV3", 100.0 },
    { "alice", "2024-01-06 09:00:00", "INV12", 2.0 },
    { "bob", "2024-02-01 09:30:00", "INV13", 2.0 },
    { "alice", "2024-01-20 12:00:00", "INV4", 4.5 },
    { "carol", "2024-03-09 23:59:59", "INV5", 7.25 },
    { "bob", "2024-03-11 08:00:00", "INV6", 50.0 },
    { NULL, "2024-02-02 00:00:00", "INV7", 3.0 },
    { "dave", "2024-02-10 08:00:00", "INV8", -5.0 },
    { "dave", NULL, "INV9", 1.0 },
    { "eve", "2024-01-01 00:00:00", "INV14", NAN },
    { "dave", "2024-02-03 18:00:00", "INV10", 30.0 },
    { "bob", "2024-02-01 09:00:00", "INV3", 1.0 },
    { "eve", "2024-03-10 00:00:00", "INV11", 8.0 },
};
#define NROWS (sizeof rows / sizeof rows[0])

static sg_table *make_tx(void)
{
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("customer", SG_STRING, 4);
    sg_column *d = sg_column_new("date", SG_DATETIME, 4);
    sg_column *iv = sg_column_new("invoice", SG_STRING, 4);
    sg_column *a = sg_column_new("amount", SG_DOUBLE, 4);
    if (!t || !c || !d || !iv || !a)
        abort();
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        int rc = r->cust ? sg_column_push_str(c, r->cust, strlen(r->cust)) : sg_column_push_na(c);
        rc |= r->date ? sg_column_push_i64(d, ts(r->date)) : sg_column_push_na(d);
        rc |= r->inv ? sg_column_push_str(iv, r->inv, strlen(r->inv)) : sg_column_push_na(iv);
        rc |= isnan(r->amount) ? sg_column_push_na(a) : sg_column_push_f64(a, r->amount);
        if (rc)
            abort();
    }
    if (sg_table_add(t, c, NULL) || sg_table_add(t, d, NULL) || sg_table_add(t, iv, NULL) ||
        sg_table_add(t, a, NULL))
        abort();
    return t;
}

static sg_column *col(const sg_table *t, const char *name)
{
    sg_column *c = sg_table_col(t, name);
    if (!c) {
        tap_diag("no column %s", name);
        abort();
    }
    return c;
}

static long long I(const sg_table *t, const char *name, size_t i)
{
    return (long long)sg_column_i64(col(t, name))[i];
}

static double D(const sg_table *t, const char *name, size_t i)
{
    return sg_column_f64(col(t, name))[i];
}

typedef struct want {
    const char *cust;
    long long recency, freq_inv, freq_days;
    double monetary;
    const char *first, *last;
    long long tenure;
    long long bf_days, bf_weeks;      /* btyd_frequency */
    double br_days, bt_days;          /* btyd_recency, btyd_T in days */
} want;

static void check_customer(const sg_table *t, size_t i, const want *w, int days, double unit)
{
    size_t len;
    const char *s = sg_column_str(col(t, "customer"), i, &len);
    char name[64];
    tap_is_str(s, w->cust, "row order: customer");
#define N(what) (snprintf(name, sizeof name, "%s %s%s", w->cust, what, \
                          days ? " (days)" : unit == 7 ? " (weeks)" : ""), name)
    tap_is_int(I(t, "recency_days", i), w->recency, N("recency_days"));
    long long f = days ? w->freq_days : w->freq_inv;
    tap_is_int(I(t, "frequency", i), f, N("frequency"));
    tap_is_double(D(t, "monetary", i), w->monetary, 1e-12, N("monetary"));
    tap_is_double(D(t, "avg_basket", i), w->monetary / (double)f, 1e-12, N("avg_basket"));
    tap_is_int(I(t, "first_purchase", i), ts(w->first), N("first_purchase"));
    tap_is_int(I(t, "last_purchase", i), ts(w->last), N("last_purchase"));
    tap_is_int(I(t, "tenure_days", i), w->tenure, N("tenure_days"));
    tap_is_int(I(t, "btyd_frequency", i), unit == 7 ? w->bf_weeks : w->bf_days,
               N("btyd_frequency"));
    tap_is_double(D(t, "btyd_recency", i), w->br_days / unit, 1e-9, N("btyd_recency"));
    tap_is_double(D(t, "btyd_T", i), w->bt_days / unit, 1e-9, N("btyd_T"));
#undef N
}

/* Hand-computed with as_of = 2024-03-10 00:00:00 (2024 is a leap year). */
static const want expected[] = {
    /* alice: last Jan 20 12:00 -> 49.5 d; first Jan 5 10:00 -> 64 d 14 h;
     * invoices INV1 INV2 INV12 INV4; days Jan 5, 6, 20; periods (days)
     * 0,0,0,0 (23 h),15 -> 2; (weeks) 0 and 2 -> 2. */
    { "alice", 49, 4, 3, 42.0, "2024-01-05 10:00:00", "2024-01-20 12:00:00", 64, 1, 1,
      15 + 2.0 / 24, 64 + 14.0 / 24 },
    /* bob: INV3, INV13 (the second INV3 is not new); one day; 30 min span */
    { "bob", 37, 2, 1, 103.0, "2024-02-01 09:00:00", "2024-02-01 09:30:00", 37, 0, 0,
      1.0 / 48, 37 + 15.0 / 24 },
    { "carol", 0, 1, 1, 7.25, "2024-03-09 23:59:59", "2024-03-09 23:59:59", 0, 0, 0, 0,
      1.0 / 86400 },
    /* dave: first Feb 3 18:00, last Feb 10 08:00 (6 d 14 h later: period 6
     * in days, 0 in weeks) */
    { "dave", 28, 2, 2, 25.0, "2024-02-03 18:00:00", "2024-02-10 08:00:00", 35, 1, 0,
      6 + 14.0 / 24, 35.25 },
    { "eve", 0, 1, 1, 8.0, "2024-03-10 00:00:00", "2024-03-10 00:00:00", 0, 0, 0, 0, 0 },
};

static void test_aggregate(sg_rfm_freq freq, double unit)
{
    sg_table *tx = make_tx();
    sg_rfm_options o;
    sg_rfm_info info;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "customer";
    o.date = "date";
    o.invoice = freq == SG_RFM_INVOICES ? "invoice" : NULL;
    o.amount = "amount";
    o.freq = freq;
    o.unit_days = unit;
    o.as_of = ts("2024-03-10 00:00:00");
    o.has_as_of = 1;
    sg_table *r = sg_rfm_aggregate(tx, &o, &info, &err);
    tap_ok(r != NULL, "aggregate (%s, unit %g): %s", freq ? "days" : "invoices", unit,
           r ? "ok" : err.msg);
    if (!r) {
        sg_table_free(tx);
        return;
    }
    tap_is_int((long long)r->nrows, 5, "5 customers");
    tap_is_int((long long)r->ncols, 11, "11 columns");
    tap_is_int(info.as_of, o.as_of, "as_of reported");
    tap_is_int((long long)info.rows_used, 12, "rows used");
    tap_is_int((long long)info.rows_after_as_of, 1, "rows after as_of");
    tap_is_int((long long)info.rows_missing, 3, "rows missing customer, date or amount");
    tap_is_int(col(r, "customer")->type, SG_STRING, "customer stays a string");
    tap_is_int(col(r, "first_purchase")->type, SG_DATETIME, "first_purchase is a datetime");
    tap_is_int(col(r, "btyd_frequency")->type, SG_INT64, "btyd_frequency is int64");
    for (size_t i = 0; i < 5 && i < r->nrows; i++)
        check_customer(r, i, &expected[i], freq == SG_RFM_DAYS, unit);
    sg_table_free(r);
    sg_table_free(tx);
}

static void test_default_as_of(void)
{
    sg_table *tx = make_tx();
    sg_rfm_options o;
    sg_rfm_info info;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "customer";
    o.date = "date";
    o.invoice = "invoice";
    o.amount = "amount";
    sg_table *r = sg_rfm_aggregate(tx, &o, &info, &err);
    tap_ok(r != NULL, "aggregate with the default as_of");
    if (r) {
        tap_is_int(info.as_of, ts("2024-03-12 00:00:00"),
                   "default as_of: midnight after the last purchase (2024-03-11 08:00)");
        tap_is_int((long long)info.rows_after_as_of, 0, "nothing after the default as_of");
        tap_is_int((long long)info.rows_used, 13, "13 rows used");
        tap_is_int(I(r, "frequency", 1), 3, "bob: INV3, INV13, INV6");
        tap_is_double(D(r, "monetary", 1), 153, 0, "bob: 103 + 50");
        tap_is_int(I(r, "recency_days", 1), 0, "bob: 16 h before as_of is 0 days");
        tap_is_int(I(r, "last_purchase", 1), ts("2024-03-11 08:00:00"), "bob: last purchase");
        tap_is_int(I(r, "recency_days", 0), 51, "alice: Jan 20 12:00 to Mar 12 = 51.5 days");
        tap_is_int(I(r, "btyd_frequency", 1), 1, "bob: periods 0 and 38 (days)");
        sg_table_free(r);
    }
    sg_table_free(tx);
}

/* Numeric customers are sorted by value; the invoice may be numeric. */
static void test_int_customers(void)
{
    static const long long ids[] = { 30, -2, 100, 7, 30, -2 };
    static const long long inv[] = { 5, 6, 7, 8, 5, 9 };
    static const char *dates[] = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
                                   "2024-01-01", "2024-01-09" };
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("id", SG_INT64, 6), *d = sg_column_new("day", SG_DATETIME, 6);
    sg_column *iv = sg_column_new("inv", SG_INT64, 6), *a = sg_column_new("amt", SG_INT64, 6);
    for (size_t i = 0; i < 6; i++)
        if (sg_column_push_i64(c, ids[i]) || sg_column_push_i64(d, ts(dates[i])) ||
            sg_column_push_i64(iv, inv[i]) || sg_column_push_i64(a, (long long)i + 1))
            abort();
    d->date_only = 1;
    if (sg_table_add(t, c, NULL) || sg_table_add(t, d, NULL) || sg_table_add(t, iv, NULL) ||
        sg_table_add(t, a, NULL))
        abort();
    sg_rfm_options o;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "id";
    o.date = "day";
    o.invoice = "inv";
    o.amount = "amt";
    sg_table *r = sg_rfm_aggregate(t, &o, NULL, &err);
    tap_ok(r != NULL, "int64 customers: %s", r ? "ok" : err.msg);
    if (r) {
        const int64_t *id = sg_column_i64(col(r, "id"));
        tap_ok(col(r, "id")->type == SG_INT64 && r->nrows == 4 && id[0] == -2 && id[1] == 7 &&
                   id[2] == 30 && id[3] == 100,
               "sorted numerically: -2 7 30 100");
        tap_is_int(I(r, "frequency", 0), 2, "-2: invoices 6 and 9");
        tap_is_int(I(r, "frequency", 2), 1, "30: invoice 5 twice");
        tap_is_double(D(r, "monetary", 2), 1 + 5, 0, "30: amounts 1 + 5 (int64 amounts)");
        tap_is_int(I(r, "recency_days", 0), 1, "-2: last Jan 9, as_of Jan 10");
        tap_ok(col(r, "last_purchase")->date_only, "date-only input gives date-only output");
        sg_table_free(r);
    }
    sg_table_free(t);
}

/* More numeric customers than the first key map holds (4,096 slots, grown
 * past 2,048 entries): 5,000 customers in a scrambled order, customer j
 * (id 10 j + 3) with j % 3 + 1 invoices of amount j each. */
static void test_many_int_customers(void)
{
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("id", SG_INT64, 0), *d = sg_column_new("day", SG_DATETIME, 0);
    sg_column *iv = sg_column_new("inv", SG_INT64, 0), *a = sg_column_new("amt", SG_INT64, 0);
    long long inv = 0;
    for (long long k = 0; k < 5000; k++) {
        long long j = (k * 7919) % 5000;
        for (long long r = 0; r <= j % 3; r++)
            if (sg_column_push_i64(c, 10 * j + 3) || sg_column_push_i64(d, ts("2024-01-01") + r * 86400) ||
                sg_column_push_i64(iv, ++inv) || sg_column_push_i64(a, j))
                abort();
    }
    if (sg_table_add(t, c, NULL) || sg_table_add(t, d, NULL) || sg_table_add(t, iv, NULL) ||
        sg_table_add(t, a, NULL))
        abort();
    sg_rfm_options o;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "id";
    o.date = "day";
    o.invoice = "inv";
    o.amount = "amt";
    sg_table *r = sg_rfm_aggregate(t, &o, NULL, &err);
    tap_ok(r && r->nrows == 5000, "5000 numeric customers: %s", r ? "one row each" : err.msg);
    if (r && r->nrows == 5000) {
        const int64_t *id = sg_column_i64(col(r, "id"));
        int ok = 1;
        for (size_t j = 0; j < 5000 && ok; j++) {
            long long f = (long long)(j % 3) + 1;
            ok = id[j] == 10 * (long long)j + 3 && I(r, "frequency", j) == f &&
                 D(r, "monetary", j) == (double)(f * (long long)j);
            if (!ok)
                tap_diag("row %zu: id %lld frequency %lld monetary %g", j, (long long)id[j],
                         (long long)I(r, "frequency", j), D(r, "monetary", j));
        }
        tap_ok(ok, "every customer's id, frequency and monetary after the map grew");
    } else {
        tap_skip(1, "no result");
    }
    sg_table_free(r);
    sg_table_free(t);
}

static void test_errors(void)
{
    sg_table *tx = make_tx();
    sg_rfm_options o;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "customer";
    o.date = "date";
    o.amount = "amount";
    tap_ok(sg_rfm_aggregate(tx, &o, NULL, &err) == NULL && err.code == SG_EINVAL &&
               strstr(err.msg, "invoice"),
           "counting invoices without an invoice column is refused: %s", err.msg);
    o.invoice = "Invoice";
    tap_ok(sg_rfm_aggregate(tx, &o, NULL, &err) == NULL && strstr(err.msg, "'Invoice'"),
           "unknown column named: %s", err.msg);
    o.invoice = "invoice";
    o.date = "amount";
    tap_ok(sg_rfm_aggregate(tx, &o, NULL, &err) == NULL && strstr(err.msg, "datetime"),
           "a non-datetime date column is refused: %s", err.msg);
    o.date = "date";
    o.unit_days = 0;
    tap_ok(sg_rfm_aggregate(tx, &o, NULL, &err) == NULL && strstr(err.msg, "unit"),
           "unit_days 0 is refused: %s", err.msg);
    sg_table_free(tx);
}

static sg_column *dcol(const double *v, size_t n)
{
    sg_column *c = sg_column_new("x", SG_DOUBLE, n);
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i]) ? sg_column_push_na(c) : sg_column_push_f64(c, v[i]))
            abort();
    return c;
}

static void expect_scores(const sg_column *s, const long long *expv, size_t n, const char *what)
{
    int ok = s && s->type == SG_INT64 && s->n == n;
    for (size_t i = 0; ok && i < n; i++) {
        if (expv[i] < 0 ? !sg_column_is_na(s, i)
                       : sg_column_is_na(s, i) || sg_column_i64(s)[i] != expv[i]) {
            tap_diag("%s: value %zu: got %lld, want %lld", what, i,
                     sg_column_is_na(s, i) ? -1LL : (long long)sg_column_i64(s)[i], expv[i]);
            ok = 0;
        }
    }
    tap_ok(ok, "%s", what);
}

static void test_scores(void)
{
    double v[10] = { 3, 1, 2, 4, 5, 6, 7, 8, 9, 10 }, e[4];
    sg_error err;
    sg_column *c = dcol(v, 10);
    sg_column *s = sg_score_column(c, "x_score", 5, 0, e, 0, &err);
    tap_is_double(e[0], 2.8, 1e-12, "edge 1 = 2.8 (type 7 at 0.2)");
    tap_is_double(e[1], 4.6, 1e-12, "edge 2 = 4.6");
    tap_is_double(e[2], 6.4, 1e-12, "edge 3 = 6.4");
    tap_is_double(e[3], 8.2, 1e-12, "edge 4 = 8.2");
    expect_scores(s, (const long long[]){ 2, 1, 1, 2, 3, 3, 4, 4, 5, 5 }, 10, "1..10 in 5 bins");
    tap_is_str(s ? s->name : NULL, "x_score", "score column named");
    sg_column_release(s);
    s = sg_score_column(c, "r", 5, 1, NULL, 0, &err);
    expect_scores(s, (const long long[]){ 4, 5, 5, 4, 3, 3, 2, 2, 1, 1 }, 10,
                  "reverse: low values score high");
    sg_column_release(s);
    sg_column_release(c);

    /* ties: six 1s -> edges 1, 1, 1.4, 3.2; all the 1s score 1, 2 and 3 unused */
    double t[11] = { 1, 1, 1, 2, 1, 1, 3, 1, 4, 5, NAN };
    c = dcol(t, 11);
    s = sg_score_column(c, "t", 5, 0, e, 0, &err);
    tap_ok(e[0] == 1 && e[1] == 1 && fabs(e[2] - 1.4) < 1e-12 && fabs(e[3] - 3.2) < 1e-12,
           "tie edges: %g %g %g %g", e[0], e[1], e[2], e[3]);
    expect_scores(s, (const long long[]){ 1, 1, 1, 4, 1, 1, 4, 1, 5, 5, -1 }, 11,
                  "equal values share a score; missing stays missing");
    sg_column_release(s);

    /* explicit thresholds */
    double g[4] = { 2, 5, 5, 8 };
    s = sg_score_column(c, "g", 5, 0, g, 1, &err);
    expect_scores(s, (const long long[]){ 1, 1, 1, 1, 1, 1, 2, 1, 2, 2, -1 }, 11,
                  "given thresholds 2 5 5 8: 1,2 -> 1; 3,4,5 -> 2");
    sg_column_release(s);
    double g2[4] = { 0.5, 1.5, 3.5, 4.5 };
    s = sg_score_column(c, "g", 5, 1, g2, 1, &err);
    expect_scores(s, (const long long[]){ 4, 4, 4, 3, 4, 4, 3, 4, 2, 1, -1 }, 11,
                  "given thresholds, reversed");
    sg_column_release(s);
    double bad[4] = { 1, 3, 2, 4 };
    s = sg_score_column(c, "g", 5, 0, bad, 1, &err);
    tap_ok(!s && err.code == SG_EINVAL && strstr(err.msg, "ascending") &&
               strstr(err.msg, "threshold 3 (2)"),
           "descending thresholds refused: %s", err.msg);
    double nan4[4] = { 1, NAN, 2, 3 };
    s = sg_score_column(c, "g", 5, 0, nan4, 1, &err);
    tap_ok(!s && err.code == SG_EINVAL, "NaN threshold refused: %s", err.msg);
    s = sg_score_column(c, "g", 11, 0, NULL, 0, &err);
    tap_ok(!s && err.code == SG_EINVAL && strstr(err.msg, "between 2 and 10"),
           "11 bins refused: %s", err.msg);
    s = sg_score_column(c, "g", 1, 0, NULL, 0, &err);
    tap_ok(!s && err.code == SG_EINVAL, "1 bin refused");
    sg_column_release(c);

    /* int64 input (frequency), bins 2; all missing gives missing scores */
    sg_column *f = sg_column_new("f", SG_INT64, 4);
    sg_column_push_i64(f, 1);
    sg_column_push_i64(f, 1);
    sg_column_push_i64(f, 1);
    sg_column_push_i64(f, 9);
    s = sg_score_column(f, NULL, 2, 0, e, 0, &err);
    tap_is_double(e[0], 1, 0, "median edge of 1 1 1 9 is 1");
    expect_scores(s, (const long long[]){ 1, 1, 1, 2 }, 4, "int64 column, name defaults");
    tap_is_str(s ? s->name : NULL, "f", "name NULL keeps the column name");
    sg_column_release(s);
    sg_column_release(f);
    double allna[2] = { NAN, NAN };
    c = dcol(allna, 2);
    s = sg_score_column(c, "n", 3, 0, NULL, 0, &err);
    expect_scores(s, (const long long[]){ -1, -1 }, 2, "no values: every score missing");
    sg_column_release(s);
    sg_column_release(c);
    sg_column *str = sg_column_new("s", SG_STRING, 1);
    sg_column_push_str(str, "a", 1);
    s = sg_score_column(str, "s", 3, 0, NULL, 0, &err);
    tap_ok(!s && err.code == SG_EINVAL, "string column refused: %s", err.msg);
    sg_column_release(str);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_aggregate(SG_RFM_INVOICES, 1);
    test_aggregate(SG_RFM_DAYS, 1);
    test_aggregate(SG_RFM_INVOICES, 7);
    test_default_as_of();
    test_int_customers();
    test_many_int_customers();
    test_errors();
    test_scores();
    tap_ok(sg_mem_used() == 0, "no accounted memory left (%zu bytes)", sg_mem_used());
    return tap_done();
}
