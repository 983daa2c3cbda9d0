/* Campaign measurement and performance: Newcombe's interval against the
 * published examples, the z test and the detectable effect computed by
 * hand, outcomes in the window on a small table, and performance ratios
 * from sums with missing and zero denominators. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "campaign.h"
#include "nomem_testutil.h"
#include "ops_testutil.h"
#include "tap.h"

/* Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
 * (hybrid score, no continuity correction), 95% intervals. */
static void test_newcombe(void)
{
    static const struct { double xt, nt, xc, nc, lo, hi; } ex[] = {
        { 56, 70, 48, 80, 0.0524, 0.3339 }, { 9, 10, 3, 10, 0.1705, 0.8090 },
        { 6, 7, 2, 7, 0.0582, 0.8062 },     { 5, 56, 0, 29, -0.0381, 0.1926 },
        { 0, 10, 0, 20, -0.1611, 0.2775 },  { 10, 10, 0, 20, 0.6791, 1.0000 },
    };
    for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++) {
        sg_uplift u;
        sg_error err;
        sg_campaign_uplift(ex[k].nt, ex[k].xt, ex[k].nc, ex[k].xc, 0.95, 0.8, &u, &err);
        tap_ok(fabs(u.lower - ex[k].lo) < 5e-5 && fabs(u.upper - ex[k].hi) < 5e-5,
               "Newcombe example %zu: %g/%g - %g/%g in [%.4f, %.4f] (published %.4f, %.4f)", k + 1, ex[k].xt,
               ex[k].nt, ex[k].xc, ex[k].nc, u.lower, u.upper, ex[k].lo, ex[k].hi);
    }
}

static void test_z_and_mde(void)
{
    sg_uplift u;
    sg_error err;
    sg_campaign_uplift(70, 56, 80, 48, 0.95, 0.8, &u, &err);
    tap_is_double(u.uplift, 0.2, 1e-12, "uplift 56/70 - 48/80 = 0.2");
    /* pooled 104/150; v = p(1-p)(1/70 + 1/80); z = 0.2 / sqrt(v) */
    tap_is_double(u.z, 2.6501719512585336, 1e-9, "z by hand");
    tap_is_double(u.p_value, 0.008045081368196568, 1e-9, "two-sided p-value by hand");
    tap_is_double(u.se, sqrt(0.8 * 0.2 / 70 + 0.6 * 0.4 / 80), 1e-12, "unpooled standard error");
    /* control rate 0.6: (1.959964 + 0.841621) sqrt(0.6 0.4 (1/70 + 1/80)) */
    tap_is_double(u.mde, 0.22462654341490865, 1e-9, "detectable effect from the control rate");
    tap_is_double(sg_campaign_mde(0.2, 800, 200, 0.95, 0.8), 0.08859390348296596, 1e-9,
                  "detectable effect: 800 treated, 200 control, base 20%");
    tap_ok(isnan(sg_campaign_mde(0, 800, 200, 0.95, 0.8)), "no detectable effect for a base rate of 0");
    sg_campaign_uplift(10, 0, 20, 0, 0.95, 0.8, &u, &err);
    tap_is_double(u.p_value, 1, 0, "nobody responded: p = 1");
    sg_campaign_uplift(0, 0, 20, 3, 0.95, 0.8, &u, &err);
    tap_ok(isnan(u.uplift) && isnan(u.lower) && isnan(u.p_value) && u.rate_c == 0.15,
           "an empty treatment group: no uplift, the control rate still given");
    tap_is_int(sg_campaign_uplift(10, 11, 20, 3, 0.95, 0.8, &u, &err), SG_EINVAL, "more responders than customers");
    tap_is_int(sg_campaign_uplift(10, 1, 20, 3, 1.5, 0.8, &u, &err), SG_EINVAL, "a confidence level above 1");
}

static void test_outcomes(void)
{
    sg_table *tx = sg_table_new();
    add_col(tx, MKCOL("cust", SG_STRING, "a", "a", "b", "b", "c", "a", NULL, "e"));
    add_col(tx, MKCOL("when", SG_DATETIME, "2024-03-01 09:00:00", "2024-03-31 23:59:59", "2024-02-28 10:00:00",
                      "2024-03-05 10:00:00", "2024-04-01 00:00:00", "2024-03-10 10:00:00", "2024-03-02 10:00:00",
                      "2024-03-03 10:00:00"));
    add_col(tx, MKCOL("amount", SG_DOUBLE, "10", "5", "99", "-4", "7", "2.5", "8", "1"));
    sg_table *tg = sg_table_new();
    /* d has no purchase, e's id lives in another dictionary order, c buys
     * the day after the window, a appears in two campaigns */
    add_col(tg, MKCOL("customer", SG_STRING, "a", "b", "c", "d", "e", "a"));
    add_col(tg, MKCOL("start", SG_DATETIME, "2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01", NULL,
                      "2024-03-06"));
    add_col(tg, MKCOL("window", SG_INT64, "31", "31", "31", "31", "31", "5"));
    sg_error err;
    sg_table *o = sg_campaign_outcomes(tg, "customer", "start", NULL, 31, tx, "cust", "when", "amount", &err);
    tap_ok(o != NULL, "outcomes");
    if (o) {
        tap_is_str(join_col(o, "responded"), "true|false|false|false|NA|true",
                   "responded: a buys on the first and last second; b only returned; c after the window");
        tap_is_str(join_col(o, "window_revenue"), "17.5|-4.0|0.0|0.0|NA|7.5",
                   "window revenue, returns included; a's second window starts on March 6");
    }
    sg_table_free(o);
    o = sg_campaign_outcomes(tg, "customer", "start", "window", 0, tx, "cust", "when", "amount", &err);
    tap_ok(o != NULL, "outcomes with a window per row");
    if (o)
        tap_is_str(join_col(o, "window_revenue"), "17.5|-4.0|0.0|0.0|NA|2.5",
                   "a's second campaign: a 5-day window from March 6 holds the March 10 purchase only");
    sg_table_free(o);
    /* numeric ids on both sides, int64 against double */
    sg_table *tx2 = sg_table_new();
    add_col(tx2, MKCOL("cust", SG_DOUBLE, "12346", "12347"));
    add_col(tx2, MKCOL("when", SG_DATETIME, "2024-03-02", "2024-03-02"));
    add_col(tx2, MKCOL("amount", SG_INT64, "3", "4"));
    sg_table *tg2 = sg_table_new();
    add_col(tg2, MKCOL("customer", SG_INT64, "12347", "12348"));
    add_col(tg2, MKCOL("start", SG_DATETIME, "2024-03-01", "2024-03-01"));
    o = sg_campaign_outcomes(tg2, "customer", "start", NULL, 7, tx2, "cust", "when", "amount", &err);
    tap_ok(o && !strcmp(join_col(o, "window_revenue"), "4.0|0.0"), "numeric ids match by value across types");
    sg_table_free(o);
    o = sg_campaign_outcomes(tg2, "customer", "start", NULL, 7, tx, "cust", "when", "amount", &err);
    tap_ok(o == NULL && strstr(err.msg, "read both as text"), "text against numbers: %s", o ? "" : err.msg);
    o = sg_campaign_outcomes(tg, "customer", "start", NULL, 0, tx, "cust", "when", "amount", &err);
    tap_ok(o == NULL && strstr(err.msg, "positive number of days"), "a window of 0 days refused");
    o = sg_campaign_outcomes(tg, "customer", "start", NULL, 5, tx, "cust", "when", "nope", &err);
    tap_ok(o == NULL && strstr(err.msg, "no column 'nope'"), "a missing column named");
    sg_table_free(tx);
    sg_table_free(tg);
    sg_table_free(tx2);
    sg_table_free(tg2);
}

/* Two campaigns by channel; every ratio computed by hand from the sums.
 *   email: impressions 1000 + 3000, clicks 50 + 70, conversions 5 + 7,
 *          spend 20 + 40, revenue 300 + 540
 *   sms:   impressions 0, clicks 0, conversions 0, spend 10, revenue 0
 *   web:   impressions 500 and missing, clicks 10 + 5 */
typedef struct perf_call {
    const sg_table *t;
    const char *const *by;
    size_t nby;
    const sg_perf_columns *cols;
} perf_call;

static void *call_performance(void *ud, sg_error *err)
{
    const perf_call *c = ud;
    return sg_campaign_performance(c->t, c->by, c->nby, c->cols, 0.5, err);
}

static void free_table(void *t)
{
    sg_table_free(t);
}

static void test_performance(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("channel", SG_STRING, "email", "email", "sms", "web", "web"));
    add_col(t, MKCOL("imp", SG_INT64, "1000", "3000", "0", "500", NULL));
    add_col(t, MKCOL("clk", SG_INT64, "50", "70", "0", "10", "5"));
    add_col(t, MKCOL("conv", SG_INT64, "5", "7", "0", "1", "0"));
    add_col(t, MKCOL("spend", SG_DOUBLE, "20", "40", "10", "6", "4"));
    add_col(t, MKCOL("rev", SG_DOUBLE, "300", "540", "0", "30", "0"));
    sg_perf_columns cols = { "imp", "clk", "conv", "spend", "rev" };
    const char *by[] = { "channel" };
    sg_error err;
    sg_table *p = sg_campaign_performance(t, by, 1, &cols, 0.5, &err);
    tap_ok(p != NULL, "performance by channel");
    if (p) {
        tap_is_str(join_col(p, "channel"), "email|sms|web", "one row per channel");
        tap_is_str(join_col(p, "rows"), "2|1|2", "rows");
        tap_is_str(join_col(p, "impressions"), "4000|0|NA", "impressions: a missing value makes the sum missing");
        tap_is_str(join_col(p, "clicks"), "120|0|15", "clicks");
        /* email: 120/4000 = 0.03; 60/120 = 0.5; 1000 * 60/4000 = 15; 12/120 = 0.1;
         * 60/12 = 5; 840/60 = 14; (0.5 * 840 - 60)/60 = 6 */
        tap_is_str(join_col(p, "ctr"), "0.03|NA|NA", "CTR = clicks / impressions; none without impressions");
        tap_is_str(join_col(p, "cpc"), "0.5|NA|0.6666666666666666", "CPC = spend / clicks");
        tap_is_str(join_col(p, "cpm"), "15.0|NA|NA", "CPM = 1000 spend / impressions");
        tap_is_str(join_col(p, "conversion_rate"), "0.1|NA|0.06666666666666667", "conversion rate = conversions / clicks");
        tap_is_str(join_col(p, "cpa"), "5.0|NA|10.0", "CPA = spend / conversions");
        tap_is_str(join_col(p, "roas"), "14.0|0.0|3.0", "ROAS = revenue / spend");
        tap_is_str(join_col(p, "roi"), "6.0|-1.0|0.5", "ROI = (margin revenue - spend) / spend, margin 0.5");
    }
    sg_table_free(p);
    /* totals from the sums, not the mean of the rows' ratios */
    sg_perf_columns some = { NULL, "clk", "conv", "spend", NULL };
    p = sg_campaign_performance(t, NULL, 0, &some, 1, &err);
    tap_ok(p != NULL && p->nrows == 1, "totals: one row");
    if (p) {
        tap_is_str(join_col(p, "cpa"), "6.153846153846154", "total CPA = 80 / 13, not the mean of the CPAs");
        tap_is_str(join_col(p, "conversion_rate"), "0.0962962962962963", "total conversion rate = 13 / 135");
        tap_ok(!sg_table_col(p, "ctr") && !sg_table_col(p, "roas"), "no ratio whose measures were not given");
    }
    sg_table_free(p);
    sg_perf_columns none = { NULL, NULL, NULL, NULL, NULL };
    p = sg_campaign_performance(t, by, 1, &none, 1, &err);
    tap_ok(!p && strstr(err.msg, "at least one"), "no measure given: %s", p ? "" : err.msg);
    sg_perf_columns bad = { "channel", NULL, NULL, NULL, NULL };
    p = sg_campaign_performance(t, NULL, 0, &bad, 1, &err);
    tap_ok(!p && strstr(err.msg, "holds string"), "text measure refused: %s", p ? "" : err.msg);
    sg_perf_columns missing = { NULL, "clicks_total", NULL, NULL, NULL };
    p = sg_campaign_performance(t, NULL, 0, &missing, 1, &err);
    tap_is_str(p ? "" : err.msg, "campaign performance: clicks: no column 'clicks_total' in the dataset",
               "a measure column that does not exist");
    const char *by_measure[] = { "channel", "clicks" };
    p = sg_campaign_performance(t, by_measure, 2, &cols, 1, &err);
    tap_is_str(p ? "" : err.msg, "campaign performance: cannot group by 'clicks', the name of a measure "
               "(rename the column)", "grouping by a measure's name");
    const char *by_rows[] = { "rows" };
    p = sg_campaign_performance(t, by_rows, 1, &cols, 1, &err);
    tap_is_str(p ? "" : err.msg, "campaign performance: cannot group by 'rows' (rename the column)",
               "grouping by 'rows'");
    p = sg_campaign_performance(t, by, 1, &cols, NAN, &err);
    tap_is_str(p ? "" : err.msg, "campaign performance: the margin must be a number", "a NaN margin");
    perf_call pc = { t, by, 1, &cols };
    nomem_sweep(call_performance, free_table, &pc, 16, 1 << 20, "performance by channel");
    sg_table_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_newcombe();
    test_z_and_mde();
    test_outcomes();
    test_performance();
    return tap_done();
}
