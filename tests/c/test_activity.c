/* Customer activity: active, churned, reactivated, new customers, buyers,
 * revenue and invoices per month on a hand-counted fixture (lapses at a
 * bound, a purchase at a bound, a time of day, rows out of order, numeric
 * customer ids), and the calendar-month bounds. */
#include <stdio.h>
#include <string.h>

#include "activity.h"
#include "ops_testutil.h"
#include "tap.h"

static int64_t day(const char *s)
{
    int64_t t;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &t, NULL) != 0)
        abort();
    return t;
}

static const char *series(const int64_t *v, size_t n)
{
    static char buf[256];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? " " : "", (long long)v[i]);
    return buf;
}

/* inactive_days = 30, so a customer lapses 31 days after a purchase.
 *   A  2020-12-20, 2021-01-10, 2021-03-15  (runs (12-20, 02-10), (03-15, 04-15))
 *   B  2021-02-05, 2021-02-20 (two lines), 2021-04-10  (runs (02-05, 03-23), (04-10, 05-11))
 *   C  2021-01-31 23:00                    (run (01-31 23:00, 03-03 23:00))
 *   D  2021-01-29, 2021-03-01 00:00        (lapses exactly at 03-01, buys at that instant)
 *   a row without customer, one after the last bound */
static sg_table *fixture(sg_type cust_type)
{
    sg_table *t = sg_table_new();
    const char *ids_s[] = { "A", "A", "A", "B", "B", "B", "B", "C", "D", "D", NULL, "A" };
    const char *ids_n[] = { "1", "1", "1", "2", "2", "2", "2", "3", "4", "4", NULL, "1" };
    const char *const *ids = cust_type == SG_STRING ? ids_s : ids_n;
    add_col(t, mkcol("cust", cust_type, ids, 12));
    /* out of order on purpose: A's 03-15 before its 01-10 */
    add_col(t, MKCOL("date", SG_DATETIME, "2020-12-20 00:00:00", "2021-03-15 00:00:00", "2021-01-10 00:00:00",
                     "2021-02-05 00:00:00", "2021-02-20 00:00:00", "2021-02-20 00:00:00", "2021-04-10 00:00:00",
                     "2021-01-31 23:00:00", "2021-01-29 00:00:00", "2021-03-01 00:00:00", "2021-02-01 00:00:00",
                     "2021-05-02 00:00:00"));
    add_col(t, MKCOL("inv", SG_STRING, "a1", "a3", "a2", "b1", "b2", "b2", "b3", "c1", "d1", "d2", "x", "a4"));
    add_col(t, MKCOL("amount", SG_DOUBLE, "10", "30", "20", "5", "7", "3", "9", "100", "50", "60", "1", "1"));
    add_col(t, MKCOL("sat", SG_DOUBLE, NULL, NULL, "4", NULL, "5", "3", NULL, "2", NULL, NULL, NULL, NULL));
    return t;
}

static void check_fixture(sg_type cust_type)
{
    const char *what = cust_type == SG_STRING ? "string ids" : "int ids";
    sg_table *t = fixture(cust_type);
    int64_t b[5] = { day("2021-01-01"), day("2021-02-01"), day("2021-03-01"), day("2021-04-01"),
                     day("2021-05-01") };
    sg_activity_options o;
    sg_activity_options_init(&o);
    o.customer = "cust";
    o.date = "date";
    o.invoice = "inv";
    o.amount = "amount";
    o.satisfaction = "sat";
    o.inactive_days = 30;
    sg_activity a;
    sg_error err;
    sg_error_clear(&err);
    int rc = sg_activity_compute(t, &o, b, 5, &a, &err);
    tap_is_int(rc, 0, "activity computed");
    if (rc) {
        tap_diag("%s", err.msg);
        sg_table_free(t);
        return;
    }
    tap_is_str(series(a.active_start, 4), "1 3 2 1", what);
    tap_is_str(series(a.active_end, 4), "3 2 1 1", "active at the end of each month");
    tap_is_str(series(a.churned, 4), "0 2 2 1", "churned: a lapse exactly at a bound counts in the month it ends");
    tap_is_str(series(a.inactive_start, 4), "0 0 2 3", "inactive at the start: bought before, not active");
    tap_is_str(series(a.reactivated, 4), "0 0 2 1", "reactivated, including a purchase at the bound");
    tap_is_str(series(a.new_customers, 4), "2 1 0 0", "new customers");
    tap_is_str(series(a.buyers, 4), "3 1 2 1", "buyers");
    tap_is_str(series(a.invoices, 4), "3 2 2 1", "distinct invoices per month");
    tap_is_str(series(a.repeat_buyers, 4), "0 1 0 0", "buyers with two invoices in a month");
    tap_is_double(a.revenue[0], 170, 1e-9, "January revenue");
    tap_is_double(a.revenue[1], 15, 1e-9, "February revenue (two lines of one invoice)");
    tap_is_double(a.revenue[2], 90, 1e-9, "March revenue");
    tap_is_double(a.revenue[3], 9, 1e-9, "April revenue");
    tap_is_str(series(a.satisfaction_n, 4), "2 2 0 0", "satisfaction values per month");
    tap_is_double(a.satisfaction_sum[0], 6, 1e-9, "January satisfaction sum");
    tap_is_int((long long)a.customers, 4, "customers");
    tap_is_int((long long)a.rows_missing, 1, "row without customer ignored");
    tap_is_int((long long)a.rows_after, 1, "row after the last bound ignored");
    sg_activity_free(&a);

    /* inactive_days = 1: a purchase on 02-20 (midnight) keeps the customer
     * active at the start of 02-21 (recency 1) but not of 02-22 (recency 2) */
    o.inactive_days = 1;
    int64_t b2[3] = { day("2021-02-20"), day("2021-02-21"), day("2021-02-22") };
    rc = sg_activity_compute(t, &o, b2, 3, &a, &err);
    tap_is_int(rc, 0, "inactive_days = 1");
    tap_is_str(series(a.active_start, 2), "0 1", "bought on 02-20: active at the start of 02-21 only");
    tap_is_str(series(a.churned, 2), "0 1", "and lapsed at the end of 02-21");
    tap_is_str(series(a.buyers, 2), "1 0", "one buyer on 02-20");
    sg_activity_free(&a);
    /* inactive_days = 0: a midnight purchase never makes anyone active at
     * a later midnight (recency 1 > 0) */
    o.inactive_days = 0;
    rc = sg_activity_compute(t, &o, b2, 3, &a, &err);
    tap_is_str(series(a.active_start, 2), "0 0", "inactive_days = 0: nobody active at a midnight");
    sg_activity_free(&a);
    sg_table_free(t);
}

int main(void)
{
    check_fixture(SG_STRING);
    check_fixture(SG_INT64);

    /* month bounds: from the first purchase's month to the last month start <= as_of */
    sg_table *t = fixture(SG_STRING);
    int64_t *b;
    size_t nb;
    sg_error err;
    sg_error_clear(&err);
    tap_is_int(sg_activity_month_bounds(t, "date", day("2021-05-02"), &b, &nb, &err), 0, "month bounds");
    tap_is_int((long long)nb, 6, "six bounds: 2020-12-01 to 2021-05-01");
    tap_ok(nb == 6 && b[0] == day("2020-12-01") && b[5] == day("2021-05-01"), "first and last bound");
    sg_free(b);
    tap_is_int(sg_activity_month_bounds(t, "date", day("2020-12-31"), &b, &nb, &err), 0, "as_of in the first month");
    tap_is_int((long long)nb, 1, "no whole month yet: one bound, no period");
    sg_free(b);

    /* errors */
    sg_activity a;
    sg_activity_options o;
    sg_activity_options_init(&o);
    o.customer = "cust";
    o.date = "inv";
    int64_t bb[2] = { 0, 86400 };
    tap_is_int(sg_activity_compute(t, &o, bb, 2, &a, &err), SG_EINVAL, "a date column that is not a datetime");
    o.date = "date";
    o.amount = "inv";
    tap_is_int(sg_activity_compute(t, &o, bb, 2, &a, &err), SG_EINVAL, "a text amount column");
    tap_ok(strstr(err.msg, "'inv' is string, not a number") != NULL, "the message says why: %s", err.msg);
    o.amount = NULL;
    int64_t desc[2] = { 86400, 0 };
    tap_is_int(sg_activity_compute(t, &o, desc, 2, &a, &err), SG_EINVAL, "descending bounds");
    sg_table_free(t);
    return tap_done();
}
