/* The BTYD summary: repeat periods, recency and age in the declared unit,
 * same-period purchases merged, mean repeat spend, holdout counts. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "btyd_summary.h"
#include "datetime.h"
#include "mem.h"
#include "tap.h"

static int64_t at(int y, unsigned m, unsigned d, int h)
{
    return sg_days_from_civil(y, m, d) * 86400 + (int64_t)h * 3600;
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("cust", SG_STRING, 0);
    sg_column *d = sg_column_new("day", SG_DATETIME, 0);
    sg_column *a = sg_column_new("amt", SG_DOUBLE, 0);
    /* customer a: 1 Jan (10 + 5, same day), 3 Jan (20), 15 Jan (30); holdout 2 Feb (7)
     * customer b: 10 Jan only; holdout: 5 Feb and 6 Feb (same week) (4 + 6)
     * customer c: first purchase after the calibration end: not in the summary */
    struct { const char *c; int64_t t; double amt; } rows[] = {
        { "b", at(2011, 1, 10, 9), 8 }, { "a", at(2011, 1, 1, 10), 10 }, { "a", at(2011, 1, 1, 15), 5 },
        { "a", at(2011, 1, 15, 12), 30 }, { "a", at(2011, 1, 3, 8), 20 }, { "c", at(2011, 2, 3, 8), 99 },
        { "a", at(2011, 2, 2, 8), 7 }, { "b", at(2011, 2, 5, 8), 4 }, { "b", at(2011, 2, 6, 8), 6 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sg_column_push_str(c, rows[i].c, strlen(rows[i].c));
        sg_column_push_i64(d, rows[i].t);
        sg_column_push_f64(a, rows[i].amt);
    }
    sg_table_add(t, c, NULL);
    sg_table_add(t, d, NULL);
    sg_table_add(t, a, NULL);

    sg_btyd_summary_options o = { "cust", "day", "amt", at(2011, 1, 31, 0), at(2011, 2, 28, 0), 1.0, 0 };
    sg_error err;
    sg_table *s = sg_btyd_summary(t, &o, &err);
    tap_ok(s != NULL, "summary in days");
    if (s) {
        tap_is_int((long long)s->nrows, 2, "customers first seen in calibration only");
        size_t len;
        tap_is_str(sg_column_str(sg_table_col(s, "customer"), 0, &len), "a", "sorted by customer");
        /* a: days 0 (two purchases merge), 2, 14 -> x = 2 */
        tap_is_int(sg_column_i64(sg_table_col(s, "x"))[0], 2, "a: repeat days, same day merged");
        tap_is_double(sg_column_f64(sg_table_col(s, "t_x"))[0], 14, 0, "a: t_x, whole days (14.08 days after the first)");
        tap_is_double(sg_column_f64(sg_table_col(s, "t_x"))[1], 0, 0, "b: t_x = 0 without repeat purchase");
        tap_is_double(sg_column_f64(sg_table_col(s, "T"))[0], 30, 0, "a: T, calendar days from 1 Jan to 31 Jan");
        tap_is_double(sg_column_f64(sg_table_col(s, "mean_spend"))[0], 25.0, 1e-12, "a: mean repeat spend (20 + 30) / 2");
        tap_is_int(sg_column_i64(sg_table_col(s, "x_holdout"))[0], 1, "a: one holdout purchase");
        tap_is_double(sg_column_f64(sg_table_col(s, "spend_holdout"))[0], 7, 1e-12, "a: holdout spend");
        tap_is_int(sg_column_i64(sg_table_col(s, "x"))[1], 0, "b: no repeat purchase");
        tap_is_double(sg_column_f64(sg_table_col(s, "mean_spend"))[1], 0, 0, "b: mean repeat spend 0");
        tap_is_int(sg_column_i64(sg_table_col(s, "x_holdout"))[1], 2, "b: two holdout days");
        tap_is_double(sg_column_f64(sg_table_col(s, "holdout_length"))[1], 28, 1e-12, "holdout length in days");
    }
    sg_table_free(s);

    o.unit_days = 7;
    s = sg_btyd_summary(t, &o, &err);
    tap_ok(s != NULL, "summary in weeks (elapsed days / 7)");
    if (s) {
        /* a: days 0, 2, 14 -> x = 2, t_x = 14 / 7, T = 30 / 7 */
        tap_is_int(sg_column_i64(sg_table_col(s, "x"))[0], 2, "a: repeat days in weeks");
        tap_is_double(sg_column_f64(sg_table_col(s, "t_x"))[0], 2, 1e-15, "a: t_x = 14 days / 7");
        tap_is_double(sg_column_f64(sg_table_col(s, "T"))[0], 30.0 / 7.0, 1e-15, "a: T = 30 days / 7");
        tap_is_double(sg_column_f64(sg_table_col(s, "mean_spend"))[0], 25.0, 1e-12, "a: mean repeat spend");
        tap_is_int(sg_column_i64(sg_table_col(s, "x_holdout"))[1], 2, "b: two holdout days in one week count twice");
        tap_is_double(sg_column_f64(sg_table_col(s, "holdout_length"))[1], 4, 1e-15, "holdout length 28 days / 7");
    }
    sg_table_free(s);

    o.whole_periods = 1;
    s = sg_btyd_summary(t, &o, &err);
    tap_ok(s != NULL, "summary in whole weeks");
    if (s) {
        /* a: weeks 0 (days 0, 2), 2 (day 14) -> x = 1; mean repeat spend 30 */
        tap_is_int(sg_column_i64(sg_table_col(s, "x"))[0], 1, "a: repeat weeks, same week merged");
        tap_is_double(sg_column_f64(sg_table_col(s, "t_x"))[0], 2, 0, "a: t_x, whole weeks");
        tap_is_double(sg_column_f64(sg_table_col(s, "T"))[0], 4, 0, "a: T, whole weeks (4.2)");
        tap_is_double(sg_column_f64(sg_table_col(s, "mean_spend"))[0], 30.0, 1e-12, "a: mean repeat spend in weeks");
        tap_is_int(sg_column_i64(sg_table_col(s, "x_holdout"))[1], 1, "b: holdout days 5 and 6 Feb share a week");
    }
    sg_table_free(s);
    o.unit_days = 1;
    s = sg_btyd_summary(t, &o, &err);
    if (s)
        tap_is_double(sg_column_f64(sg_table_col(s, "T"))[0], 29, 0, "whole days: T counts 24-hour periods from 10:00 (29.58)");
    sg_table_free(s);
    o.whole_periods = 0;

    o.date = "amt";
    tap_ok(sg_btyd_summary(t, &o, &err) == NULL && strstr(err.msg, "not a datetime"), "a non-date column refused");
    o.date = "day";
    o.observation_end = at(2011, 1, 1, 0);
    tap_ok(sg_btyd_summary(t, &o, &err) == NULL && strstr(err.msg, "before the calibration end"),
           "observation end before calibration end refused");
    sg_table_free(t);
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
