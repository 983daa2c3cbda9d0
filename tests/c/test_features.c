/* Customer features at a cutoff and holdout labels (sg_features_build) on a
 * hand-computed fixture, string and int64 customers, errors, larger
 * random data against sg_rfm_aggregate, and allocation failures. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "custfeatures.h"
#include "mem.h"
#include "ops_testutil.h"
#include "rfm.h"
#include "tap.h"

#define DAY 86400.0

static int64_t ts(const char *iso)
{
    int64_t t;
    if (sg_datetime_parse(iso, strlen(iso), SG_DATE_ISO, &t, NULL) != 0)
        abort();
    return t;
}

typedef struct row {
    const char *cust;    /* NULL: missing */
    long long id;        /* the int64 customer */
    const char *date;    /* NULL: missing */
    const char *inv;     /* NULL: missing */
    double amount;       /* NAN: missing */
    const char *item, *cat;
} row;

/* Cutoff 2024-04-01 00:00; window 90 days: last = [2024-01-02, cutoff),
 * prev = [2023-10-04, 2024-01-02); horizon 30 days: [cutoff, 2024-05-01). */
static const row rows[] = {
    /* alice: sales A0 A1 A2 (2 rows, the later first) A3 A5; a return A4 */
    { "alice", 30, "2023-10-04 00:00:00", "A1", 10, "X", "c1" },      /* prev window start */
    { "alice", 30, "2023-10-03 23:59:59", "A0", 5, "Y", "c1" },       /* before both windows */
    { "alice", 30, "2024-01-02 12:00:00", "A2", 3, "Y", "c2" },
    { "alice", 30, "2024-01-02 00:00:00", "A2", 20, "X", "c2" },      /* last window start */
    { "alice", 30, "2024-01-01 23:59:59", "A3", 7, "Z", NULL },       /* prev window end */
    { "alice", 30, "2024-02-15 10:00:00", "A4", -4, "W", "c9" },      /* return */
    { "alice", 30, "2024-03-31 23:59:59", "A5", 6, NULL, "c3" },      /* 1 s before cutoff */
    { "alice", 30, "2024-04-01 00:00:00", "A6", 8, "X", "c1" },       /* horizon */
    { "alice", 30, "2024-04-10 00:00:00", "A6", -2, "X", "c1" },
    { "alice", 30, "2024-04-15 00:00:00", "A7", 5, "X", "c1" },
    { "alice", 30, "2024-05-01 00:00:00", "A8", 100, "X", "c1" },     /* after the horizon */
    /* bob: B1 twice at the same time; two rows without invoice (one
     * invoice, time Feb 10); missing date and amount; a horizon return */
    { "bob", 7, "2024-03-01 10:00:00", "B1", 50, "X", "c1" },
    { "bob", 7, "2024-03-01 10:00:00", "B1", 25, "X", "c1" },
    { "bob", 7, NULL, "B2", 10, "X", "c1" },
    { "bob", 7, "2024-03-20 00:00:00", "B2", NAN, "X", "c1" },
    { "bob", 7, "2024-04-05 00:00:00", "B3", -10, "X", "c1" },
    { "bob", 7, "2024-02-11 00:00:00", NULL, 5, NULL, "c2" },
    { "bob", 7, "2024-02-10 00:00:00", NULL, 5, NULL, "c2" },
    /* carol: one old sale, a return of it, a zero row, a horizon sale */
    { "carol", 12, "2023-06-01 00:00:00", "C1", 30, "Q", "c5" },
    { "carol", 12, "2023-07-01 00:00:00", "C1", -30, "Q", "c5" },
    { "carol", 12, "2024-03-15 00:00:00", "C3", 0, "R", "c6" },
    { "carol", 12, "2024-04-20 00:00:00", "C2", 15, "Q", "c5" },
    /* dave buys first in the horizon, erin only returns: not in the output */
    { "dave", 5, "2024-04-02 00:00:00", "D1", 40, "X", "c1" },
    { "erin", 100, "2024-01-10 00:00:00", "E1", -5, "X", "c1" },
    { NULL, 0, "2024-01-05 00:00:00", "X1", 10, "X", "c1" },
};
#define NROWS (sizeof rows / sizeof rows[0])

static sg_table *make_tx(int int_ids)
{
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("cust", int_ids ? SG_INT64 : SG_STRING, 4);
    sg_column *d = sg_column_new("date", SG_DATETIME, 4);
    sg_column *iv = sg_column_new("invoice", SG_STRING, 4);
    sg_column *a = sg_column_new("amount", SG_DOUBLE, 4);
    sg_column *it = sg_column_new("item", SG_STRING, 4);
    sg_column *ca = sg_column_new("category", SG_STRING, 4);
    if (!t || !c || !d || !iv || !a || !it || !ca)
        abort();
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        int rc = !r->cust ? sg_column_push_na(c)
                 : int_ids ? sg_column_push_i64(c, r->id)
                           : sg_column_push_str(c, r->cust, strlen(r->cust));
        rc |= r->date ? sg_column_push_i64(d, ts(r->date)) : sg_column_push_na(d);
        rc |= r->inv ? sg_column_push_str(iv, r->inv, strlen(r->inv)) : sg_column_push_na(iv);
        rc |= isnan(r->amount) ? sg_column_push_na(a) : sg_column_push_f64(a, r->amount);
        rc |= r->item ? sg_column_push_str(it, r->item, 1) : sg_column_push_na(it);
        rc |= r->cat ? sg_column_push_str(ca, r->cat, 2) : sg_column_push_na(ca);
        if (rc)
            abort();
    }
    add_col(t, c);
    add_col(t, d);
    add_col(t, iv);
    add_col(t, a);
    add_col(t, it);
    add_col(t, ca);
    return t;
}

static void opts(sg_features_options *o, double horizon)
{
    sg_features_options_init(o);
    o->customer = "cust";
    o->date = "date";
    o->invoice = "invoice";
    o->amount = "amount";
    o->item = "item";
    o->category = "category";
    o->cutoff = ts("2024-04-01 00:00:00");
    o->horizon_days = horizon;
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
    long long recency, freq;
    double monetary;
    long long tenure;
    double ipt_mean, ipt_sd;        /* NAN: missing */
    double last, prev;
    long long items, cats;
    double returned;
    long long churned;
    double fspend;
    long long finv;
} want;

/* Hand-computed (2024 is a leap year).  alice: invoice times A0 Oct 3
 * 23:59:59, A1 Oct 4, A3 Jan 1 23:59:59, A2 Jan 2 00:00 (its earliest row),
 * A5 Mar 31 23:59:59: gaps 1 s, 90 d - 1 s, 1 s, 90 d - 1 s: mean 180 d / 4
 * = 45, every deviation 45 - 1 s, so sd = 45 - 1/86400.  Sales 10+5+3+20+7+6;
 * last window 3+20+6, prev 10+7; items X Y Z (the returned W and a missing
 * one not counted); categories c1 c2 c3.  Horizon: 8 - 2 + 5, A6 A7.
 * bob: invoices B1 (Mar 1 10:00, 50+25) and the missing one (Feb 10, 5+5):
 * gap 20 d 10 h; first Feb 10 -> 51 days; last Mar 1 10:00 -> 30.58 days.
 * carol: one sale Jun 1 2023 (305 days), fully returned, zero row ignored. */
static const want expected[] = {
    { "alice", 0, 5, 51, 180, 45, 45 - 1 / DAY, 29, 17, 3, 3, 4, 0, 11, 2 },
    { "bob", 30, 2, 85, 51, 20 + 10 / 24.0, 0, 85, 0, 1, 2, 0, 1, -10, 0 },
    { "carol", 305, 1, 30, 305, NAN, NAN, 0, 0, 1, 1, 30, 0, 15, 1 },
};

static void check_row(const sg_table *t, size_t r, const want *w, const char *tag)
{
    char n[128];
#define N(what) (snprintf(n, sizeof n, "%s %s %s", tag, w->cust, what), n)
    tap_is_int(I(t, "recency_days", r), w->recency, N("recency_days"));
    tap_is_int(I(t, "frequency", r), w->freq, N("frequency"));
    tap_is_double(D(t, "monetary", r), w->monetary, 1e-12, N("monetary"));
    tap_is_double(D(t, "avg_basket", r), w->monetary / (double)w->freq, 1e-12, N("avg_basket"));
    tap_is_int(I(t, "tenure_days", r), w->tenure, N("tenure_days"));
    sg_column *m = col(t, "ipt_mean_days"), *s = col(t, "ipt_sd_days");
    if (isnan(w->ipt_mean)) {
        tap_ok(sg_column_is_na(m, r) && sg_column_is_na(s, r), "%s", N("ipt missing"));
    } else {
        tap_ok(!sg_column_is_na(m, r) && !sg_column_is_na(s, r), "%s", N("ipt present"));
        tap_is_double(sg_column_f64(m)[r], w->ipt_mean, 1e-9, N("ipt_mean_days"));
        tap_is_double(sg_column_f64(s)[r], w->ipt_sd, 1e-9, N("ipt_sd_days"));
    }
    tap_is_double(D(t, "spend_last_90d", r), w->last, 1e-12, N("spend_last_90d"));
    tap_is_double(D(t, "spend_prev_90d", r), w->prev, 1e-12, N("spend_prev_90d"));
    tap_is_double(D(t, "spend_change_90d", r), w->last - w->prev, 1e-12, N("spend_change"));
    tap_is_int(I(t, "distinct_items", r), w->items, N("distinct_items"));
    tap_is_int(I(t, "distinct_categories", r), w->cats, N("distinct_categories"));
    tap_is_double(D(t, "returned_value", r), w->returned, 1e-12, N("returned_value"));
    tap_is_double(D(t, "returned_share", r), w->returned / w->monetary, 1e-12,
                  N("returned_share"));
    tap_is_int(I(t, "churned", r), w->churned, N("churned"));
    tap_is_double(D(t, "future_spend", r), w->fspend, 1e-12, N("future_spend"));
    tap_is_int(I(t, "future_invoices", r), w->finv, N("future_invoices"));
#undef N
}

static void test_fixture(int int_ids)
{
    const char *tag = int_ids ? "int64" : "string";
    sg_table *tx = make_tx(int_ids);
    sg_features_options o;
    sg_features_info info;
    sg_error err;
    opts(&o, 30);
    sg_table *t = sg_features_build(tx, &o, &info, &err);
    tap_ok(t != NULL, "%s: built (%s)", tag, t ? "" : err.msg);
    if (!t) {
        sg_table_free(tx);
        return;
    }
    static const char *const names[] = {
        "cust", "recency_days", "frequency", "monetary", "avg_basket", "tenure_days",
        "ipt_mean_days", "ipt_sd_days", "spend_last_90d", "spend_prev_90d", "spend_change_90d",
        "distinct_items", "distinct_categories", "returned_value", "returned_share", "churned",
        "future_spend", "future_invoices" };
    int names_ok = t->ncols == sizeof names / sizeof names[0];
    for (size_t k = 0; names_ok && k < t->ncols; k++)
        names_ok = strcmp(t->cols[k]->name, names[k]) == 0;
    tap_ok(names_ok, "%s: column names and order", tag);
    tap_is_int((long long)t->nrows, 3, "three customers (dave and erin have no history sale)");
    tap_is_int(col(t, "cust")->type, int_ids ? SG_INT64 : SG_STRING, "customer type kept");
    /* string: alice bob carol; int64: bob (7) carol (12) alice (30) */
    tap_is_str(join_col(t, "cust"), int_ids ? "7|12|30" : "alice|bob|carol", "sorted");
    static const int at_str[] = { 0, 1, 2 }, at_int[] = { 2, 0, 1 };
    for (int k = 0; k < 3 && t->nrows == 3; k++)
        check_row(t, (size_t)(int_ids ? at_int : at_str)[k], &expected[k], tag);
    tap_is_int((long long)info.rows_missing, 3, "rows_missing: no date, no amount, no customer");
    tap_is_int((long long)info.rows_future, 6, "rows_future");
    tap_is_int((long long)info.rows_after, 1, "rows_after");
    tap_is_int((long long)info.rows_history, (long long)NROWS - 10, "rows_history");
    tap_is_int((long long)info.customers, 3, "info.customers");
    tap_is_int(info.last_date, ts("2024-05-01 00:00:00"), "last_date");
    tap_is_int(info.horizon_complete, 1, "horizon complete (data through May 1)");
    sg_table_free(t);

    /* the data's last day ends May 2 00:00: a 31-day horizon is covered, 32 not */
    o.horizon_days = 31;
    t = sg_features_build(tx, &o, &info, &err);
    tap_ok(t && info.horizon_complete == 1 && info.rows_after == 0 && info.rows_future == 7,
           "%s: 31-day horizon complete, May 1 row in it", tag);
    if (t)
        tap_is_double(D(t, "future_spend", int_ids ? 2 : 0), 111, 1e-12, "alice future_spend");
    sg_table_free(t);
    o.horizon_days = 32;
    t = sg_features_build(tx, &o, &info, &err);
    tap_ok(t && info.horizon_complete == 0, "%s: 32-day horizon incomplete", tag);
    sg_table_free(t);
    sg_table_free(tx);
}

/* No labels, a 30-day window, no item/category: last = [Mar 2, Apr 1),
 * prev = [Feb 1, Mar 2). */
static void test_no_labels(void)
{
    sg_table *tx = make_tx(0);
    sg_features_options o;
    sg_features_info info;
    sg_error err;
    opts(&o, 0);
    o.window_days = 30;
    o.item = o.category = NULL;
    sg_table *t = sg_features_build(tx, &o, &info, &err);
    tap_ok(t != NULL, "no labels: built");
    if (t) {
        tap_is_int((long long)t->ncols, 13, "no labels, items or categories: 13 columns");
        tap_ok(!sg_table_col(t, "churned") && !sg_table_col(t, "distinct_items") &&
               !sg_table_col(t, "spend_last_90d"), "optional columns absent");
        tap_is_str(join_col(t, "spend_last_30d"), "6.0|0.0|0.0", "spend_last_30d");
        tap_is_str(join_col(t, "spend_prev_30d"), "0.0|85.0|0.0", "spend_prev_30d");
        tap_is_str(join_col(t, "spend_change_30d"), "6.0|-85.0|0.0", "spend_change_30d");
        tap_is_str(join_col(t, "frequency"), "5|2|1", "frequency unchanged");
        tap_is_int((long long)info.rows_future, 0, "no horizon rows");
        tap_is_int((long long)info.rows_after, 7, "all 7 rows from the cutoff on are after");
        tap_is_int(info.horizon_complete, 0, "horizon_complete 0 without labels");
    }
    sg_table_free(t);
    /* a cutoff before every sale: an empty table with all the columns */
    o.cutoff = ts("2020-01-01 00:00:00");
    t = sg_features_build(tx, &o, &info, &err);
    tap_ok(t && t->nrows == 0 && t->ncols == 13, "cutoff before the data: empty table");
    sg_table_free(t);
    sg_table_free(tx);
}

static void expect_error(const sg_table *tx, const sg_features_options *o, const char *needle,
                         const char *what)
{
    sg_error err;
    sg_table *t = sg_features_build(tx, o, NULL, &err);
    tap_ok(!t && err.code == SG_EINVAL && strstr(err.msg, needle), "error: %s (%s)", what,
           t ? "no error" : err.msg);
    sg_table_free(t);
}

static void test_errors(void)
{
    sg_table *tx = make_tx(0);
    sg_features_options o;
    opts(&o, 30);
    o.amount = "amt";
    expect_error(tx, &o, "'amt'", "unknown amount column");
    opts(&o, 30);
    o.category = "kategorie";
    expect_error(tx, &o, "'kategorie'", "unknown category column");
    opts(&o, 30);
    o.invoice = NULL;
    expect_error(tx, &o, "invoice", "invoice not named");
    opts(&o, 30);
    o.date = "invoice";
    expect_error(tx, &o, "must be a datetime", "date of the wrong type");
    opts(&o, 30);
    o.amount = "item";
    expect_error(tx, &o, "must be numeric", "string amount");
    opts(&o, 30);
    o.customer = "date";
    expect_error(tx, &o, "string or a number", "datetime customer");
    opts(&o, 30);
    o.window_days = 0;
    expect_error(tx, &o, "window_days", "window 0");
    o.window_days = NAN;
    expect_error(tx, &o, "window_days", "window NaN");
    opts(&o, -1);
    expect_error(tx, &o, "horizon_days", "negative horizon");
    opts(&o, INFINITY);
    expect_error(tx, &o, "horizon_days", "infinite horizon");
    opts(&o, 1e-9);
    expect_error(tx, &o, "horizon_days", "horizon under a second");
    sg_error err;
    tap_ok(!sg_features_build(NULL, &o, NULL, &err) && err.code == SG_EINVAL, "no dataset");
    sg_table_free(tx);
}

/* Random data: frequency, monetary, recency and tenure agree with
 * sg_rfm_aggregate (all sales, no date at the cutoff); one big customer
 * makes the scratch sets grow; distinct items checked by brute force. */
static void test_random(void)
{
    const size_t n = 200000, big = 50000;
    const int64_t t0 = ts("2023-01-01 00:00:00"), cutoff = t0 + 365 * 86400;
    sg_column *c = sg_column_new("cust", SG_DOUBLE, n), *d = sg_column_new("date", SG_DATETIME, n);
    sg_column *iv = sg_column_new("inv", SG_INT64, n), *a = sg_column_new("amt", SG_INT64, n);
    sg_column *it = sg_column_new("item", SG_INT64, n);
    static unsigned char seen[300][64];
    srand(7);
    for (size_t i = 0; i < n; i++) {
        /* the big customer (id -1.5) has `big` invoices one hour apart */
        int is_big = i < big;
        int cu = is_big ? 299 : rand() % 299;
        int item = rand() % 64;
        sg_column_push_f64(c, is_big ? -1.5 : cu * 0.5);
        sg_column_push_i64(d, is_big ? t0 + (int64_t)i * 450 : t0 + rand() % (365 * 86400 - 1));
        sg_column_push_i64(iv, is_big ? (int64_t)i : rand() % 5000);
        sg_column_push_i64(a, 1 + rand() % 100);
        sg_column_push_i64(it, item);
        seen[cu][item] = 1;
    }
    sg_table *tx = sg_table_new();
    add_col(tx, c);
    add_col(tx, d);
    add_col(tx, iv);
    add_col(tx, a);
    add_col(tx, it);
    sg_features_options o;
    sg_features_options_init(&o);
    o.customer = "cust";
    o.date = "date";
    o.invoice = "inv";
    o.amount = "amt";
    o.item = "item";
    o.cutoff = cutoff;
    sg_rfm_options ro;
    sg_rfm_options_init(&ro);
    ro.customer = "cust";
    ro.date = "date";
    ro.invoice = "inv";
    ro.amount = "amt";
    ro.as_of = cutoff;
    ro.has_as_of = 1;
    sg_error err;
    sg_table *f = sg_features_build(tx, &o, NULL, &err), *r = sg_rfm_aggregate(tx, &ro, NULL, &err);
    tap_ok(f && r && f->nrows == 300 && r->nrows == 300, "random: 300 customers");
    if (f && r && f->nrows == 300 && r->nrows == 300) {
        const char *same[] = { "cust", "recency_days", "frequency", "monetary", "tenure_days" };
        for (size_t k = 0; k < 5; k++) {
            char ref[4096];
            snprintf(ref, sizeof ref, "%s", join_col(r, same[k]));
            tap_is_str(join_col(f, same[k]), ref, same[k]);
        }
        int items_ok = 1;
        for (size_t row_i = 1; row_i < 300; row_i++) {
            int cu = (int)(sg_column_f64(col(f, "cust"))[row_i] * 2), cnt = 0;
            for (int k = 0; k < 64; k++)
                cnt += seen[cu][k];
            items_ok &= I(f, "distinct_items", row_i) == cnt;
        }
        tap_ok(items_ok, "random: distinct_items by brute force");
        tap_is_int(I(f, "frequency", 0), (long long)big, "big customer: every invoice counted");
        tap_is_double(D(f, "ipt_mean_days", 0), 3600 / 8 / DAY, 1e-12, "big customer: ipt mean");
        tap_is_double(D(f, "ipt_sd_days", 0), 0, 1e-9, "big customer: ipt sd");
    }
    sg_table_free(f);
    sg_table_free(r);
    sg_table_free(tx);
}

static sg_table *oom_op_features(void *ud, sg_error *err)
{
    sg_features_options o;
    opts(&o, 30);
    return sg_features_build(ud, &o, NULL, err);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    size_t base = sg_mem_used();
    test_fixture(0);
    test_fixture(1);
    test_no_labels();
    test_errors();
    test_random();
    sg_table *tx = make_tx(1);
    int fails = oom_sweep(oom_op_features, tx, 64);
    tap_ok(fails > 3, "allocation failures clean up and report SG_ENOMEM (%d tried)", fails);
    sg_table_free(tx);
    tap_is_int((long long)sg_mem_used(), (long long)base, "no memory held");
    return tap_done();
}
