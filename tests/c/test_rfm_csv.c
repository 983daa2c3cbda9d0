/* sg_rfm_csv: the streaming form must equal sg_rfm_aggregate on the dataset
 * read with sg_csv_read and cleaned with the same filters. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "csv_internal.h"
#include "datetime.h"
#include "mem.h"
#include "expr.h"
#include "nomem_testutil.h"
#include "rfm.h"
#include "tap.h"

static char *fixture(const char *name)
{
    static char path[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/rfm/%s", tap_fixtures(), name);
    return path[k];
}

static int64_t ts(const char *iso)
{
    int64_t t = 0;
    sg_datetime_parse(iso, strlen(iso), SG_DATE_ISO, &t, NULL);
    return t;
}

/* Every column, type and cell equal (doubles bit for bit). */
static int same_tables(const sg_table *a, const sg_table *b, const char *what)
{
    char x[128], y[128];
    if (!a || !b) {
        tap_diag("%s: a table is missing", what);
        return 0;
    }
    if (a->ncols != b->ncols || a->nrows != b->nrows) {
        tap_diag("%s: %zux%zu vs %zux%zu", what, a->nrows, a->ncols, b->nrows, b->ncols);
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *ca = a->cols[j], *cb = b->cols[j];
        if (strcmp(ca->name, cb->name) != 0 || ca->type != cb->type) {
            tap_diag("%s: column %zu: %s/%s vs %s/%s", what, j, ca->name,
                     sg_type_name(ca->type), cb->name, sg_type_name(cb->type));
            return 0;
        }
        for (size_t i = 0; i < a->nrows; i++) {
            sg_column_format(ca, i, x, sizeof x);
            sg_column_format(cb, i, y, sizeof y);
            int eq = strcmp(x, y) == 0;
            if (ca->type == SG_DOUBLE)
                eq = sg_column_f64(ca)[i] == sg_column_f64(cb)[i];
            if (!eq) {
                tap_diag("%s: row %zu column %s: %s vs %s", what, i, ca->name, x, y);
                return 0;
            }
        }
    }
    return 1;
}

/* The in-memory reference: read, clean with the same rules, aggregate. */
static sg_table *reference(const char *path, const sg_rfm_options *o, const char *filter,
                           const char *amount_expr)
{
    sg_csv_options opt;
    /* ids as text, as the streaming pass reads them (and the analysis declares them) */
    sg_csv_override ov[2] = { { "CustomerID", SG_STRING, SG_DATE_UNKNOWN, 0 },
                              { "InvoiceNo", SG_STRING, SG_DATE_UNKNOWN, 0 } };
    sg_error err;
    sg_csv_options_init(&opt);
    opt.overrides = ov;
    opt.noverrides = 2;
    if (strcmp(o->customer, "CustomerID") != 0)
        opt.noverrides = 0;
    sg_table *t = sg_csv_read(path, &opt, NULL, &err);
    if (!t) {
        tap_diag("reference read: %s", err.msg);
        return NULL;
    }
    sg_table *f = filter ? sg_table_filter(t, filter, &err) : sg_table_share(t);
    sg_table_free(t);
    if (!f) {
        tap_diag("reference filter: %s", err.msg);
        return NULL;
    }
    sg_table *d = amount_expr ? sg_table_derive(f, "Amount", amount_expr, &err) : f;
    if (d != f)
        sg_table_free(f);
    if (!d) {
        tap_diag("reference derive: %s", err.msg);
        return NULL;
    }
    sg_rfm_options ro = *o;
    if (amount_expr)
        ro.amount = "Amount";
    sg_table *r = sg_rfm_aggregate(d, &ro, NULL, &err);
    if (!r)
        tap_diag("reference aggregate: %s", err.msg);
    sg_table_free(d);
    return r;
}

static void retail_options(sg_rfm_options *o, sg_rfm_csv_options *co)
{
    sg_rfm_options_init(o);
    o->customer = "CustomerID";
    o->date = "InvoiceDate";
    o->invoice = "InvoiceNo";
    sg_rfm_csv_options_init(co);
    co->quantity = "Quantity";
    co->price = "UnitPrice";
    co->cancel_prefix = "C";
    co->drop_nonpositive = 1;
    co->drop_missing_customer = 1;
}

static const char *clean_filter =
    "not is_missing(CustomerID) and not starts_with(InvoiceNo, 'C') and Quantity > 0 and "
    "UnitPrice > 0";

static void test_fixture(const char *name)
{
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_rfm_csv_info info;
    sg_error err;
    retail_options(&o, &co);
    o.as_of = ts("2024-03-10");
    o.has_as_of = 1;
    sg_table *s = sg_rfm_csv(fixture(name), &o, &co, &info, &err);
    tap_ok(s != NULL, "%s: streamed: %s", name, s ? "ok" : err.msg);
    sg_table *m = reference(fixture(name), &o, clean_filter, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, name), "%s: streaming equals read + filter + aggregate", name);
    tap_is_int((long long)info.rows_read, 16, "16 records (one spans two lines)");
    tap_is_int((long long)info.rows_dropped, 4, "dropped: cancellation, qty 0, price < 0, no customer");
    tap_is_int((long long)info.rfm.rows_missing, 1, "missing quantity");
    tap_is_int((long long)info.rfm.rows_after_as_of, 1, "one row after as_of");
    tap_is_int((long long)info.rfm.rows_used, 10, "10 rows used");
    if (s && s->nrows == 5) {
        /* 17850: 6*2.55 + 2*3.39 + 20 + 4.5 = 46.58; invoices 100, 101, 109;
         * the dates are day-first (20/01/2024 settles it) */
        size_t len;
        tap_is_str(sg_column_str(s->cols[0], 4, &len), "17850", "customers sorted as text");
        tap_is_double(sg_column_f64(sg_table_col(s, "monetary"))[4], 46.58, 1e-9,
                      "17850 monetary");
        tap_is_int(sg_column_i64(sg_table_col(s, "frequency"))[4], 3, "17850 invoices");
        tap_is_int(sg_column_i64(sg_table_col(s, "last_purchase"))[4], ts("2024-01-20 12:00"),
                   "dates read day first");
        tap_is_int(sg_column_i64(sg_table_col(s, "btyd_frequency"))[4], 1,
                   "17850: btyd periods 0 and 15");
        tap_is_int(sg_column_i64(sg_table_col(s, "frequency"))[0], 2, "12346 invoices 103, 104");
    } else {
        tap_skip(6, "no streamed table of 5 customers");
    }
    sg_table_free(s);
    sg_table_free(m);

    /* default as_of: the day after 11/03/2024 08:00 */
    o.has_as_of = 0;
    s = sg_rfm_csv(fixture(name), &o, &co, &info, &err);
    m = reference(fixture(name), &o, clean_filter, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, name), "%s: equal with the default as_of", name);
    tap_is_int(info.rfm.as_of, ts("2024-03-12"), "default as_of 2024-03-12");
    sg_table_free(s);
    sg_table_free(m);

    /* frequency in days, btyd in weeks */
    o.freq = SG_RFM_DAYS;
    o.unit_days = 7;
    s = sg_rfm_csv(fixture(name), &o, &co, &info, &err);
    m = reference(fixture(name), &o, clean_filter, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, name), "%s: equal counting days, weeks as btyd unit", name);
    sg_table_free(s);
    sg_table_free(m);
}

static void test_amount_column(void)
{
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_rfm_csv_info info;
    sg_error err;
    sg_rfm_options_init(&o);
    o.customer = "customer";
    o.date = "date";
    o.amount = "amount";
    o.freq = SG_RFM_DAYS;
    o.unit_days = 30.4375;
    sg_rfm_csv_options_init(&co);
    co.drop_missing_customer = 1;
    const char *path = fixture("amount.csv");
    sg_table *s = sg_rfm_csv(path, &o, &co, &info, &err);
    tap_ok(s != NULL, "amount column, ';' detected: %s", s ? "ok" : err.msg);
    sg_table *m = reference(path, &o, "not is_missing(customer)", NULL);
    tap_ok(same_tables(s, m, "amount.csv"), "amount.csv: streaming equals in-memory");
    tap_is_int((long long)info.rfm.rows_missing, 2, "missing amount and missing date");
    if (s && s->nrows == 2) {
        tap_is_double(sg_column_f64(sg_table_col(s, "monetary"))[0], 3.75, 0,
                      "a: 2 + 3 - 1.25 (returns kept)");
        tap_is_int(sg_column_i64(sg_table_col(s, "frequency"))[0], 2, "a: 2 distinct days");
        tap_is_double(sg_column_f64(sg_table_col(s, "monetary"))[1], 20.5, 0, "b: 10.5 + 1e1");
        tap_ok(sg_table_col(s, "first_purchase")->date_only, "date-only output");
    } else {
        tap_skip(4, "no table");
    }
    sg_table_free(s);
    sg_table_free(m);
    co.drop_nonpositive = 1;
    s = sg_rfm_csv(path, &o, &co, &info, &err);
    tap_ok(s && sg_column_f64(sg_table_col(s, "monetary"))[0] == 5,
           "drop_nonpositive drops the return");
    tap_is_int((long long)info.rows_dropped, 2, "dropped: no customer, return");
    sg_table_free(s);
}

/* Slash dates: both readings are kept until a part > 12 decides. */
static void test_date_orders(void)
{
    static const struct { const char *file, *last_a, *why; } cases[] = {
        { "mdy.csv", "2024-01-20", "01/20/2024 settles month first" },
        { "ambiguous.csv", "2024-05-03", "never settled: day first" },
    };
    for (int k = 0; k < 2; k++) {
        sg_rfm_options o;
        sg_rfm_csv_options co;
        sg_error err;
        sg_rfm_options_init(&o);
        o.customer = "customer";
        o.date = "date";
        o.amount = "amount";
        o.freq = SG_RFM_DAYS;
        sg_rfm_csv_options_init(&co);
        const char *path = fixture(cases[k].file);
        sg_table *s = sg_rfm_csv(path, &o, &co, NULL, &err);
        sg_table *m = reference(path, &o, NULL, NULL);
        tap_ok(same_tables(s, m, cases[k].file), "%s: equals the reader's choice", cases[k].file);
        tap_ok(s && sg_column_i64(sg_table_col(s, "last_purchase"))[0] == ts(cases[k].last_a),
               "%s: %s", cases[k].file, cases[k].why);
        sg_table_free(s);
        sg_table_free(m);
    }
}

static void test_errors(void)
{
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_error err;
    char want[1200];
    retail_options(&o, &co);
    const char *names[2] = { "bad_number.csv", "bad_number_crlf.csv" };
    for (int k = 0; k < 2; k++) {
        const char *p = fixture(names[k]);
        sg_table *s = sg_rfm_csv(p, &o, &co, NULL, &err);
        snprintf(want, sizeof want, "%s:5:4: column 'Quantity': 'abc' is not a number", p);
        tap_ok(!s && err.code == SG_EDATA, "%s: bad number refused", names[k]);
        tap_is_str(err.msg, want, "message names the physical line (a quoted newline before)");
    }
    o.invoice = "Invoice";
    sg_table *s = sg_rfm_csv(fixture("tx.csv"), &o, &co, NULL, &err);
    tap_ok(!s && err.code == SG_EINVAL && strstr(err.msg, "'Invoice'") &&
               strstr(err.msg, "InvoiceNo, StockCode, Description"),
           "unknown column: the message lists the header: %s", err.msg);
    o.invoice = "InvoiceNo";
    co.drop_missing_customer = 0;
    s = sg_rfm_csv(fixture("tx.csv"), &o, &co, NULL, &err);
    snprintf(want, sizeof want, "%s:11:7: column 'CustomerID' is missing", fixture("tx.csv"));
    tap_ok(!s && err.code == SG_EDATA && strncmp(err.msg, want, strlen(want)) == 0,
           "a missing customer is an error unless dropped: %s", err.msg);
    co.drop_missing_customer = 1;
    o.date = "UnitPrice";
    s = sg_rfm_csv(fixture("tx.csv"), &o, &co, NULL, &err);
    tap_ok(!s && err.code == SG_EDATA && strstr(err.msg, "'2.55' is not a date"),
           "a non-date is refused: %s", err.msg);
    o.date = "InvoiceDate";
    co.quantity = NULL;
    s = sg_rfm_csv(fixture("tx.csv"), &o, &co, NULL, &err);
    tap_ok(!s && err.code == SG_EINVAL, "no amount and no quantity: %s", err.msg);
    co.quantity = "Quantity";
    s = sg_rfm_csv(fixture("nope.csv"), &o, &co, NULL, &err);
    tap_ok(!s && err.code == SG_EIO, "missing file: %s", err.msg);
}

static void test_online_retail(void)
{
    const char *dir = tap_shared_data();
    char path[4096];
    FILE *f = NULL;
    if (dir) {
        snprintf(path, sizeof path, "%s/online_retail/online_retail.csv", dir);
        f = fopen(path, "rb");
    }
    if (!f) {
        tap_skip(6, "online_retail.csv not present");
        return;
    }
    fclose(f);
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_rfm_csv_info info;
    sg_error err;
    retail_options(&o, &co);
    size_t before = sg_mem_peak();
    sg_table *s = sg_rfm_csv(path, &o, &co, &info, &err);
    tap_ok(s != NULL, "online retail streamed: %s", s ? "ok" : err.msg);
    if (!s) {
        tap_skip(5, "no table");
        return;
    }
    double msum = 0;
    long long fsum = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        msum += sg_column_f64(sg_table_col(s, "monetary"))[i];
        fsum += sg_column_i64(sg_table_col(s, "frequency"))[i];
    }
    tap_is_int((long long)s->nrows, 4338, "4338 customers");
    tap_is_double(msum, 8911407.90, 0.005, "total monetary 8911407.90");
    tap_is_int(fsum, 18532, "18532 invoices");
    tap_diag("streaming peak accounted memory: %.1f MB (rows read %llu)",
             (double)(sg_mem_peak() > before ? sg_mem_peak() : before) / 1e6,
             (unsigned long long)info.rows_read);
    sg_table *m = reference(path, &o, clean_filter, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, "online retail"), "online retail: streaming equals in-memory");
    tap_is_int(info.rfm.as_of, ts("2011-12-10"), "default as_of 2011-12-10");
    sg_table_free(s);
    sg_table_free(m);
}

/* Lines of an invoice apart, a customer's rows out of time order, an invoice
 * shared by two customers: the counts stay exact (a second pass recounts
 * periods and days), equal to the in-memory aggregation. */
static void test_unordered(void)
{
    static const char *filter =
        "not is_missing(CustomerID) and not coalesce(starts_with(InvoiceNo, 'C'), false) and "
        "Quantity > 0 and UnitPrice > 0";
    static const struct { sg_rfm_freq freq; double unit; const char *what; } runs[] = {
        { SG_RFM_INVOICES, 7, "invoices, weeks" },
        { SG_RFM_DAYS, 1, "days, days" },
        { SG_RFM_DAYS, 30.4375, "days, months" },
    };
    const char *path = fixture("shuffled.csv");
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        sg_rfm_options o;
        sg_rfm_csv_options co;
        sg_rfm_csv_info info;
        sg_error err;
        retail_options(&o, &co);
        o.freq = runs[k].freq;
        o.unit_days = runs[k].unit;
        sg_table *s = sg_rfm_csv(path, &o, &co, &info, &err);
        sg_table *m = reference(path, &o, filter, "Quantity * UnitPrice");
        tap_ok(same_tables(s, m, runs[k].what), "shuffled.csv, %s: streaming equals in-memory",
               runs[k].what);
        tap_is_int(info.passes, 2, "a second pass for the customer out of time order");
        if (k == 0 && s && s->nrows == 4) {
            const int64_t *f = sg_column_i64(sg_table_col(s, "frequency"));
            tap_is_int(f[1], 3, "a: 3 invoices, one of them in three separate lines");
            tap_is_int(f[3], 2, "c: 2 invoices, one of them b's too");
        } else if (k == 0) {
            tap_skip(2, "no table");
        }
        sg_table_free(s);
        sg_table_free(m);
    }
}

/* Numeric invoices keyed by value (dense, then sparse enough for the hash
 * map), other texts by dictionary: "01001", " 1001" and "1001.0" are not
 * invoice 1001, as the reader keeps them apart as text. */
static void test_invoice_keys(void)
{
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_error err;
    const char *path = fixture("sparse.csv");
    retail_options(&o, &co);
    sg_table *s = sg_rfm_csv(path, &o, &co, NULL, &err);
    sg_table *m = reference(path, &o, NULL, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, "sparse.csv"), "sparse and text-like invoice numbers: streaming equals in-memory");
    if (s && s->nrows == 3) {
        const int64_t *f = sg_column_i64(sg_table_col(s, "frequency"));
        tap_is_int(f[0], 4, "a: 1001, 01001, 999999999999, 5");
        tap_is_int(f[1], 3, "b: 5, 1001, 999999999999");
        tap_is_int(f[2], 3, "c: 7000000000000, ' 1001', '1001.0'");
    } else {
        tap_skip(3, "no table");
    }
    sg_table_free(s);
    sg_table_free(m);
}

/* Numeric invoices far above the first one grow the owner array in place
 * (upwards) or into a new one (below its base): the owners of the invoices
 * seen before the growth are kept.  a: 5000, 60000, 20000 (b's); b: 20000,
 * 60001, 5000 (a's); c: 100 (below the base), 20000. */
static void test_invoice_growth(void)
{
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_error err;
    const char *path = fixture("growth.csv");
    retail_options(&o, &co);
    sg_table *s = sg_rfm_csv(path, &o, &co, NULL, &err);
    sg_table *m = reference(path, &o, NULL, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, "growth.csv"), "invoice numbers growing the owner array: streaming equals in-memory");
    if (s && s->nrows == 3) {
        const int64_t *f = sg_column_i64(sg_table_col(s, "frequency"));
        tap_is_int(f[0], 3, "a: 5000, 60000 (twice), 20000 (b's)");
        tap_is_int(f[1], 3, "b: 20000, 60001, 5000 (a's)");
        tap_is_int(f[2], 2, "c: 100 (below the array), 20000 (b's)");
    } else {
        tap_skip(3, "no table");
    }
    sg_table_free(s);
    sg_table_free(m);
}

/* Out of memory anywhere in the pass (both passes, the owner arrays, the
 * hash map of sparse invoice numbers): the error, nothing left allocated. */
static void *call_stream(void *ud, sg_error *err)
{
    static const char *const codes[] = { "POST" };
    sg_rfm_options o;
    sg_rfm_csv_options co;
    retail_options(&o, &co);
    co.drop_nonpositive = 0;
    co.clean_steps = 1;
    co.drop_returns = 1;
    co.drop_nonpositive_price = 1;
    co.item = "StockCode";
    co.non_product = codes;
    co.n_non_product = 1;
    co.whole_ids = 1;
    return sg_rfm_csv(fixture(ud), &o, &co, NULL, err);
}

static void free_table(void *t)
{
    sg_table_free(t);
}

static void test_nomem(void)
{
    nomem_sweep(call_stream, free_table, "shuffled.csv", 512, (size_t)6 << 20, "shuffled.csv, clean steps");
    nomem_sweep(call_stream, free_table, "sparse.csv", 512, (size_t)6 << 20, "sparse.csv, clean steps");
    nomem_sweep(call_stream, free_table, "growth.csv", 512, (size_t)6 << 20, "growth.csv, clean steps");
}

/* clean_steps: segmint.clean's steps in its order with their tallies. */
static void test_clean_steps(void)
{
    static const char *const codes[] = { "POST" };
    sg_rfm_options o;
    sg_rfm_csv_options co;
    sg_rfm_csv_info info;
    sg_error err;
    const char *path = fixture("shuffled.csv");
    retail_options(&o, &co);
    co.drop_nonpositive = 0;
    co.clean_steps = 1;
    co.drop_returns = 1;
    co.drop_nonpositive_price = 1;
    co.item = "StockCode";
    co.non_product = codes;
    co.n_non_product = 1;
    sg_table *s = sg_rfm_csv(path, &o, &co, &info, &err);
    tap_ok(s != NULL, "clean steps: %s", s ? "ok" : err.msg);
    static const long long rows[] = { 1, 1, 2, 1, 1 };
    static const double revenue[] = { 2, -3, 0, 0, 5 };
    for (int k = 0; k < SG_RFM_CLEAN_NSTEPS; k++) {
        tap_is_int((long long)info.step_rows[k], rows[k], "step rows");
        tap_is_double(info.step_revenue[k], revenue[k], 0, "step revenue (a missing amount skipped)");
    }
    tap_is_int((long long)info.rows_read, 19, "rows in");
    tap_is_int((long long)info.rows_out, 13, "rows out");
    tap_is_double(info.revenue_in, 50.5, 1e-9, "revenue in");
    tap_is_double(info.revenue_out, 46.5, 1e-9, "revenue out");
    tap_is_int((long long)info.customers_out, 4, "customers out (b's row without a date counts)");
    tap_is_int((long long)info.rfm.rows_missing, 1, "a kept row without a date");
    tap_is_int(info.date_min, ts("2024-01-01T08:00:00"), "first date of every row");
    tap_is_int(info.date_max, ts("2024-03-01T12:00:00"), "last date of every row");
    static const char *filter =
        "not is_missing(CustomerID) and not coalesce(starts_with(InvoiceNo, 'C'), false) and "
        "Quantity > 0 and UnitPrice > 0 and not coalesce(StockCode in ('POST'), false)";
    sg_table *m = reference(path, &o, filter, "Quantity * UnitPrice");
    tap_ok(same_tables(s, m, "clean steps"), "clean steps: the table equals in-memory");
    sg_table_free(s);
    sg_table_free(m);
    co.whole_ids = 1;
    s = sg_rfm_csv(path, &o, &co, &info, &err);
    char b[16] = "";
    if (s)
        sg_column_format(sg_table_col(s, "CustomerID"), 0, b, sizeof b);
    tap_is_str(b, "17", "whole_ids: 17.0 -> 17");
    sg_table_free(s);
    co.drop_missing_customer = 0;
    s = sg_rfm_csv(path, &o, &co, &info, &err);
    tap_ok(!s && err.code == SG_EINVAL, "clean steps without dropping missing customers: %s", err.msg);
    co.drop_missing_customer = 1;
    const char *latin = fixture("latin1.csv");
    s = sg_rfm_csv(latin, &o, &co, &info, &err);
    tap_ok(!s && info.unsupported && strstr(err.msg, "UTF-8"), "a Latin-1 customer: unsupported: %s",
           err.msg);
}

/* Every fixture (quoted fields, a record over two lines, CRLF, bad values,
 * Latin-1, both date orders) and Online Retail: streamed with the
 * quote-free records outside libcsv (the default) and through libcsv
 * alone, the same table, counts and messages. */
static void test_libcsv_alone(void)
{
    static const char *const names[] = { "tx.csv", "tx_crlf.csv", "ambiguous.csv", "amount.csv",
                                         "bad_number.csv", "bad_number_crlf.csv", "latin1.csv",
                                         "mdy.csv", "shuffled.csv", "sparse.csv" };
    size_t nnames = sizeof names / sizeof *names;
    char retail[4096];
    const char *dir = tap_shared_data();
    snprintf(retail, sizeof retail, "%s/online_retail/online_retail.csv", dir ? dir : ".");
    FILE *rf = dir ? fopen(retail, "rb") : NULL;
    if (rf)
        fclose(rf);
    size_t files = 0, same = 0, failed = 0;
    for (size_t k = 0; k < nnames + (rf != NULL); k++) {
        const char *path = k < nnames ? fixture(names[k]) : retail;
        char pathc[4096];
        snprintf(pathc, sizeof pathc, "%s", path);
        sg_rfm_options o;
        sg_rfm_csv_options co;
        sg_rfm_csv_info ia, ib;
        sg_error ea, eb;
        retail_options(&o, &co);
        memset(&ia, 0, sizeof ia);
        memset(&ib, 0, sizeof ib);
        sg_table *a = sg_rfm_csv(pathc, &o, &co, &ia, &ea);
        sg_csv_plain_records = 0;
        sg_table *b = sg_rfm_csv(pathc, &o, &co, &ib, &eb);
        sg_csv_plain_records = 1;
        files++;
        failed += !a;
        int ok = !a == !b;
        if (ok && a)
            ok = same_tables(a, b, pathc) && ia.rows_read == ib.rows_read &&
                 ia.rows_dropped == ib.rows_dropped && ia.rfm.rows_used == ib.rfm.rows_used;
        else if (ok)
            ok = !strcmp(ea.msg, eb.msg);
        if (!ok)
            tap_diag("%s: differs (%s | %s)", pathc, a ? "read" : ea.msg, b ? "read" : eb.msg);
        same += ok;
        sg_table_free(a);
        sg_table_free(b);
    }
    tap_ok(same == files && files >= nnames && failed >= 2,
           "streamed with and without libcsv for quote-free records: %zu of %zu the same (%zu refused)",
           same, files, failed);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_fixture("tx.csv");
    test_fixture("tx_crlf.csv");
    test_amount_column();
    test_date_orders();
    test_errors();
    test_unordered();
    test_clean_steps();
    test_invoice_keys();
    test_invoice_growth();
    test_nomem();
    test_online_retail();
    test_libcsv_alone();
    tap_ok(sg_mem_used() == 0, "no accounted memory left (%zu bytes)", sg_mem_used());
    return tap_done();
}
