/* BTYD summary: sort the transactions by (customer, date), then one pass
 * per customer over its calibration and holdout purchases.  The grain is
 * the calendar day: purchases on one day merge, and times are elapsed days
 * divided by the unit (weeks = days / 7), as in the published CDNOW
 * summaries and lifetimes' continuous option.  With whole_periods, times
 * are instead whole periods counted from the first purchase and purchases
 * in one period merge (lifetimes' default, and the discrete opportunities
 * of the BG/BB). */
#include "btyd_summary.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "sort.h"

typedef struct builder {
    sg_column *cust, *x, *tx, *T, *mean, *xh, *sh, *hl;
} builder;

static void builder_free(builder *b)
{
    sg_column_release(b->cust);
    sg_column_release(b->x);
    sg_column_release(b->tx);
    sg_column_release(b->T);
    sg_column_release(b->mean);
    sg_column_release(b->xh);
    sg_column_release(b->sh);
    sg_column_release(b->hl);
}

/* Period index of t for a customer whose first purchase is at first. */
static int64_t period_of(int64_t t, int64_t first, double unit_s)
{
    return (int64_t)floor((double)(t - first) / unit_s);
}

/* The calendar day of a timestamp (seconds), also before 1970. */
static int64_t day_of(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* The options and the columns they name: 0 with *cc_out and *dc_out
 * set, or an error code. */
static int check_summary(const sg_table *tx, const sg_btyd_summary_options *o, const sg_column **cc_out,
                         const sg_column **dc_out, sg_error *err)
{
    if (!o->customer || !o->date)
        return sg_error_set(err, SG_EINVAL, "btyd summary: the customer and date columns are required");
    if (!(o->unit_days > 0))
        return sg_error_set(err, SG_EINVAL, "btyd summary: the time unit must be positive");
    if (o->observation_end < o->calibration_end)
        return sg_error_set(err, SG_EINVAL, "btyd summary: the observation end is before the calibration end");
    const sg_column *cc = *cc_out = sg_table_col(tx, o->customer), *dc = *dc_out = sg_table_col(tx, o->date);
    const sg_column *ac = o->amount ? sg_table_col(tx, o->amount) : NULL;
    if (!cc || !dc || (o->amount && !ac))
        return sg_error_set(err, SG_EINVAL, "btyd summary: no column '%s'",
                            !cc ? o->customer : !dc ? o->date : o->amount);
    if (dc->type != SG_DATETIME)
        return sg_error_set(err, SG_EINVAL, "btyd summary: column '%s' is %s, not a datetime", o->date,
                            sg_type_name(dc->type));
    if (ac && (ac->type == SG_STRING || ac->type == SG_DATETIME))
        return sg_error_set(err, SG_EINVAL, "btyd summary: column '%s' is %s, not a number", o->amount,
                            sg_type_name(ac->type));
    if (cc->type == SG_DATETIME || cc->type == SG_BOOL)
        return sg_error_set(err, SG_EINVAL, "btyd summary: the customer column '%s' must be text or a number",
                            o->customer);
    return 0;
}

/* Not split: one pass over the rows in (customer, date) order; each
 * customer's calibration and holdout counters are locals of the loop
 * body, appended to eight output columns built together (the option
 * checks are in check_summary). */
sg_table *sg_btyd_summary(const sg_table *tx, const sg_btyd_summary_options *o, sg_error *err)
{
    const sg_column *cc = NULL, *dc = NULL;
    if (check_summary(tx, o, &cc, &dc, err))
        return NULL;
    const sg_column *ac = o->amount ? sg_table_col(tx, o->amount) : NULL;
    const char *keys[2] = { o->customer, o->date };
    const int desc[2] = { 0, 0 };
    size_t *order = sg_table_order(tx, keys, desc, 2, err);
    if (!order)
        return NULL;
    builder b;
    memset(&b, 0, sizeof b);
    b.cust = cc->type == SG_STRING ? sg_column_new_with_dict("customer", cc->dict, 0)
                                   : sg_column_new("customer", cc->type, 0);
    b.x = sg_column_new("x", SG_INT64, 0);
    b.tx = sg_column_new("t_x", SG_DOUBLE, 0);
    b.T = sg_column_new("T", SG_DOUBLE, 0);
    b.mean = sg_column_new("mean_spend", SG_DOUBLE, 0);
    b.xh = sg_column_new("x_holdout", SG_INT64, 0);
    b.sh = sg_column_new("spend_holdout", SG_DOUBLE, 0);
    b.hl = sg_column_new("holdout_length", SG_DOUBLE, 0);
    sg_table *out = NULL;
    if (!b.cust || !b.x || !b.tx || !b.T || !b.mean || !b.xh || !b.sh || !b.hl) {
        sg_error_nomem(err);
        goto done;
    }
    const double unit_s = o->unit_days * 86400.0;
    const int64_t *dates = sg_column_i64(dc);
    const int whole = o->whole_periods;
    const int64_t cal_day = day_of(o->calibration_end), obs_day = day_of(o->observation_end);
    const double holdout_len = whole ? (double)(o->observation_end - o->calibration_end) / unit_s
                                     : (double)(obs_day - cal_day) / o->unit_days;
    size_t n = tx->nrows, i = 0;
    while (i < n) {
        size_t r = order[i];
        if (sg_column_is_na(cc, r) || sg_column_is_na(dc, r)) {
            i++;
            continue;
        }
        /* the rows of this customer: [i, j) */
        size_t j = i + 1;
        while (j < n && !sg_column_is_na(cc, order[j]) &&
               (cc->type == SG_STRING ? sg_column_codes(cc)[order[j]] == sg_column_codes(cc)[r]
                                      : sg_column_num(cc, order[j]) == sg_column_num(cc, r)))
            j++;
        int64_t first = 0, last_period = 0;
        int have_first = 0;
        int64_t periods = 0, cur = -1, hperiods = 0, hcur = INT64_MIN;
        double repeat_spend = 0, hspend = 0;
        for (size_t k = i; k < j; k++) {
            size_t row = order[k];
            if (sg_column_is_na(dc, row))
                continue;
            int64_t t = dates[row];
            double amt = ac && !sg_column_is_na(ac, row) ? sg_column_num(ac, row) : 0;
            if (!isfinite(amt))
                amt = 0;
            if (whole ? t <= o->calibration_end : day_of(t) <= cal_day) {
                if (!have_first) {
                    first = whole ? t : day_of(t);
                    have_first = 1;
                }
                int64_t p = whole ? period_of(t, first, unit_s) : day_of(t) - first;
                if (p != cur) {
                    periods++;
                    cur = p;
                    last_period = p;
                }
                if (p > 0)
                    repeat_spend += amt;   /* the first period is not a repeat purchase */
            } else if (have_first && (whole ? t <= o->observation_end : day_of(t) <= obs_day)) {
                /* a holdout purchase in the period of the last calibration
                 * purchase merges with it, as purchases in one period do */
                int64_t p = whole ? period_of(t, first, unit_s) : day_of(t) - first;
                if (p != hcur && p != cur) {
                    hperiods++;
                    hcur = p;
                }
                hspend += amt;
            }
        }
        if (have_first) {
            int64_t x = periods - 1;
            int ok = (cc->type == SG_STRING ? sg_column_push_code(b.cust, sg_column_codes(cc)[r])
                      : cc->type == SG_DOUBLE ? sg_column_push_f64(b.cust, sg_column_f64(cc)[r])
                                              : sg_column_push_i64(b.cust, sg_column_i64(cc)[r])) == 0 &&
                     sg_column_push_i64(b.x, x) == 0 &&
                     sg_column_push_f64(b.tx, whole ? (double)last_period
                                                    : (double)last_period / o->unit_days) == 0 &&
                     sg_column_push_f64(b.T, whole ? (double)period_of(o->calibration_end, first, unit_s)
                                                   : (double)(cal_day - first) / o->unit_days) == 0 &&
                     sg_column_push_f64(b.mean, x > 0 ? repeat_spend / (double)x : 0.0) == 0 &&
                     sg_column_push_i64(b.xh, hperiods) == 0 &&
                     sg_column_push_f64(b.sh, hspend) == 0 &&
                     sg_column_push_f64(b.hl, holdout_len) == 0;
            if (!ok) {
                sg_error_nomem(err);
                goto done;
            }
        }
        i = j;
    }
    out = sg_table_new();
    if (!out) {
        sg_error_nomem(err);
        goto done;
    }
    sg_column **cols[] = { &b.cust, &b.x, &b.tx, &b.T, &b.mean, &b.xh, &b.sh, &b.hl };
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        sg_column *c = *cols[k];
        *cols[k] = NULL;
        if (sg_table_add(out, c, err) != 0) {
            sg_table_free(out);
            out = NULL;
            goto done;
        }
    }
done:
    builder_free(&b);
    sg_free(order);
    return out;
}
