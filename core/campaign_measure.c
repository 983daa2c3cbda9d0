/* Measured campaign effects: each target's purchases in the campaign
 * window, and the comparison of treatment and control response rates.
 *
 * Uplift = rate_t - rate_c.  Its confidence interval is Newcombe's hybrid
 * score interval (method 10 of Newcombe 1998, "Interval estimation for the
 * difference between independent proportions", Statistics in Medicine
 * 17:873-890), built from each group's Wilson score interval: unlike the
 * Wald interval it stays inside [-1, 1], is never empty when a group has no
 * responders, and keeps close to its nominal coverage with small groups and
 * rates near 0.  The p-value is the pooled two-proportion z test (the
 * score test of equal rates), two-sided.  The minimum detectable effect is
 * the usual normal-approximation formula for a two-sided test at the same
 * level with the given power. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "campaign.h"
#include "keymap.h"
#include "mem.h"

void sg_wilson_interval(double x, double n, double level, double *lo, double *hi)
{
    if (!(n > 0)) {
        *lo = *hi = NAN;
        return;
    }
    double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2), z2 = z * z;
    double center = (x + z2 / 2) / (n + z2);
    double half = z / (n + z2) * sqrt(x * (n - x) / n + z2 / 4);
    *lo = center - half < 0 ? 0 : center - half;
    *hi = center + half > 1 ? 1 : center + half;
}

double sg_campaign_mde(double p, double n_t, double n_c, double level, double power)
{
    if (!(n_t > 0 && n_c > 0 && p > 0 && p < 1 && level > 0 && level < 1 && power > 0 && power < 1))
        return NAN;
    double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2) + gsl_cdf_ugaussian_Pinv(power);
    return z * sqrt(p * (1 - p) * (1 / n_t + 1 / n_c));
}

int sg_campaign_uplift(double n_t, double x_t, double n_c, double x_c, double level, double power,
                       sg_uplift *out, sg_error *err)
{
    if (!(n_t >= 0 && n_c >= 0 && x_t >= 0 && x_c >= 0 && x_t <= n_t && x_c <= n_c) || isinf(n_t) ||
        isinf(n_c))
        return sg_error_set(err, SG_EINVAL, "uplift test: counts must satisfy 0 <= responders <= customers "
                            "(got %g of %g treated, %g of %g control)", x_t, n_t, x_c, n_c);
    if (!(level > 0 && level < 1) || !(power > 0 && power < 1))
        return sg_error_set(err, SG_EINVAL, "uplift test: the confidence level and the power must be in "
                            "(0, 1) (got %g and %g)", level, power);
    out->rate_t = n_t > 0 ? x_t / n_t : NAN;
    out->rate_c = n_c > 0 ? x_c / n_c : NAN;
    out->uplift = out->lower = out->upper = out->se = out->z = out->p_value = out->mde = NAN;
    if (!(n_t > 0 && n_c > 0))
        return SG_OK;
    double pt = out->rate_t, pc = out->rate_c, d = pt - pc;
    out->uplift = d;
    out->se = sqrt(pt * (1 - pt) / n_t + pc * (1 - pc) / n_c);
    double l1, u1, l2, u2;
    sg_wilson_interval(x_t, n_t, level, &l1, &u1);
    sg_wilson_interval(x_c, n_c, level, &l2, &u2);
    out->lower = d - sqrt((pt - l1) * (pt - l1) + (u2 - pc) * (u2 - pc));
    out->upper = d + sqrt((u1 - pt) * (u1 - pt) + (pc - l2) * (pc - l2));
    double pool = (x_t + x_c) / (n_t + n_c), v = pool * (1 - pool) * (1 / n_t + 1 / n_c);
    if (v > 0) {
        out->z = d / sqrt(v);
        out->p_value = 2 * gsl_cdf_ugaussian_Q(fabs(out->z));
    } else {   /* both groups all responded or none did: no difference */
        out->z = 0;
        out->p_value = 1;
    }
    double base = pc > 0 && pc < 1 ? pc : pool;
    out->mde = sg_campaign_mde(base, n_t, n_c, level, power);
    return SG_OK;
}

/* ---- outcomes in the window ---- */

/* Equality key of a numeric customer id (int64 or double), one value per
 * number whatever the column type. */
static uint64_t id_key(const sg_column *c, size_t i)
{
    double d;
    if (c->type == SG_INT64) {
        int64_t v = sg_column_i64(c)[i];
        if (v > -(INT64_C(1) << 53) && v < (INT64_C(1) << 53))
            d = (double)v;
        else
            return (uint64_t)v ^ UINT64_C(0x8000000000000001);   /* beyond doubles: its own key */
    } else {
        d = sg_column_f64(c)[i];
    }
    if (d == 0)
        d = 0;
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static int is_id_type(sg_type t)
{
    return t == SG_STRING || t == SG_INT64 || t == SG_DOUBLE;
}

static sg_column *need_col(const sg_table *t, const char *name, const char *which, sg_error *err)
{
    sg_column *c = name ? sg_table_col(t, name) : NULL;
    if (!c)
        sg_error_set(err, SG_EINVAL, "campaign outcomes: the %s have no column '%s'", which,
                     name ? name : "(none given)");
    return c;
}

/* The checks of sg_campaign_outcomes (campaign.h). */
int sg_campaign_outcomes_check(const sg_table *targets, const char *tcust, const char *tstart,
                                const char *twindow, double window_days, const sg_table *tx,
                                const char *cust, const char *date, const char *amount, sg_error *err)
{
    const sg_column *tc, *ts, *tw = NULL, *xc, *xd, *xa;
    if (!(tc = need_col(targets, tcust, "targets", err)) || !(ts = need_col(targets, tstart, "targets", err)) ||
        (twindow && !(tw = need_col(targets, twindow, "targets", err))) ||
        !(xc = need_col(tx, cust, "transactions", err)) || !(xd = need_col(tx, date, "transactions", err)) ||
        !(xa = need_col(tx, amount, "transactions", err)))
        return -1;
    if (tw && tw->type != SG_INT64 && tw->type != SG_DOUBLE) {
        sg_error_set(err, SG_EINVAL, "campaign outcomes: the window column '%s' must hold numbers of days "
                     "(it holds %s)", twindow, sg_type_name(tw->type));
        return -1;
    }
    if (!tw && (!(window_days > 0) || isinf(window_days))) {
        sg_error_set(err, SG_EINVAL, "campaign outcomes: the window must be a positive number of days (got %g)",
                     window_days);
        return -1;
    }
    for (size_t r = 0; tw && r < targets->nrows; r++) {
        double w;
        if (sg_num_value(tw, r, &w) == 0 && (!(w > 0) || isinf(w))) {
            sg_error_set(err, SG_EINVAL, "campaign outcomes: row %zu of the targets: the window must be a "
                         "positive number of days (got %g)", r + 1, w);
            return -1;
        }
    }
    if (ts->type != SG_DATETIME || xd->type != SG_DATETIME) {
        sg_error_set(err, SG_EINVAL, "campaign outcomes: column '%s' must hold dates (it holds %s)",
                     ts->type != SG_DATETIME ? tstart : date,
                     sg_type_name(ts->type != SG_DATETIME ? ts->type : xd->type));
        return -1;
    }
    if (xa->type != SG_INT64 && xa->type != SG_DOUBLE) {
        sg_error_set(err, SG_EINVAL, "campaign outcomes: the transactions' amount column '%s' must hold numbers "
                     "(it holds %s)", amount, sg_type_name(xa->type));
        return -1;
    }
    if (!is_id_type(tc->type) || !is_id_type(xc->type) || (tc->type == SG_STRING) != (xc->type == SG_STRING)) {
        sg_error_set(err, SG_EINVAL, "campaign outcomes: the targets' customer column '%s' holds %s but the "
                     "transactions' '%s' holds %s: read both as text (types = { ... = \"string\" })",
                     tcust, sg_type_name(tc->type), cust, sg_type_name(xc->type));
        return -1;
    }
    return 0;
}

sg_table *sg_campaign_with_outcomes(const sg_table *targets, sg_column *cr, sg_column *cv, sg_error *err)
{
    sg_table *out = sg_table_share(targets);
    if (!out) {
        sg_column_release(cr);
        sg_column_release(cv);
        return sg_error_nomem(err), NULL;
    }
    if (sg_table_set(out, cr, err) != 0) {   /* (sg_table_set takes the column) */
        sg_column_release(cv);
        sg_table_free(out);
        return NULL;
    }
    if (sg_table_set(out, cv, err) != 0) {
        sg_table_free(out);
        return NULL;
    }
    return out;
}

/* Not split: one join of targets to transactions: the per-customer chains
 * of target rows and the pass over the transactions share the resolved
 * columns and four arrays under one error exit. */
sg_table *sg_campaign_outcomes(const sg_table *targets, const char *tcust, const char *tstart,
                               const char *twindow, double window_days, const sg_table *tx,
                               const char *cust, const char *date, const char *amount, sg_error *err)
{
    if (sg_campaign_outcomes_check(targets, tcust, tstart, twindow, window_days, tx, cust, date, amount, err) != 0)
        return NULL;
    const sg_column *tc = sg_table_col(targets, tcust), *ts = sg_table_col(targets, tstart);
    const sg_column *tw = twindow ? sg_table_col(targets, twindow) : NULL;
    const sg_column *xc = sg_table_col(tx, cust), *xd = sg_table_col(tx, date), *xa = sg_table_col(tx, amount);
    size_t nt = targets->nrows, nx = tx->nrows, nt1 = nt ? nt : 1;
    uint8_t *resp = sg_calloc(nt1, 1);
    int64_t *window = sg_malloc(nt1 * sizeof *window);
    double *rev = sg_calloc(nt1, sizeof *rev);
    uint32_t *next = sg_malloc(nt1 * sizeof *next), *head = NULL;
    size_t nslots = 0;
    sg_keymap km;
    memset(&km, 0, sizeof km);
    sg_table *out = NULL;
    sg_column *cr = NULL, *cv = NULL;
    if (!resp || !rev || !next || !window)
        goto nomem;
    for (size_t r = 0; r < nt; r++) {   /* seconds; -1: missing window */
        double w = window_days;
        window[r] = tw && sg_num_value(tw, r, &w) != 0 ? -1 : (int64_t)llround(w * 86400.0);
    }
    /* chains of target rows per customer slot: the transactions' dictionary
     * code for text ids, a dense id from a key map for numbers */
    if (tc->type == SG_STRING) {
        nslots = sg_dict_size(xc->dict);
    } else {
        if (sg_keymap_alloc(&km, 10) != 0)
            goto nomem;
        for (size_t r = 0; r < nt; r++)
            if (!sg_column_is_na(tc, r) && !(tc->type == SG_DOUBLE && isnan(sg_column_f64(tc)[r]))) {
                uint32_t id = sg_keymap_add(&km, id_key(tc, r), (uint32_t)nslots);
                if (id == SG_KEYMAP_NONE)
                    goto nomem;
                if (id == nslots)
                    nslots++;
            }
    }
    if (!(head = sg_malloc((nslots ? nslots : 1) * sizeof *head)))
        goto nomem;
    memset(head, 0xff, (nslots ? nslots : 1) * sizeof *head);
    for (size_t r = nt; r-- > 0;) {   /* backwards: chains run in row order */
        next[r] = UINT32_MAX;
        if (sg_column_is_na(tc, r) || sg_column_is_na(ts, r) || window[r] < 0)
            continue;
        uint32_t slot;
        if (tc->type == SG_STRING) {
            size_t len;
            const char *s = sg_column_str(tc, r, &len);
            int32_t code = sg_dict_find(xc->dict, s, len);
            if (code < 0)
                continue;   /* no transaction at all: no response */
            slot = (uint32_t)code;
        } else {
            if (tc->type == SG_DOUBLE && isnan(sg_column_f64(tc)[r]))
                continue;
            slot = sg_keymap_find(&km, id_key(tc, r));
        }
        next[r] = head[slot];
        head[slot] = (uint32_t)r;
    }
    const int64_t *start = sg_column_i64(ts), *when = sg_column_i64(xd);
    for (size_t i = 0; i < nx; i++) {
        double a;
        if (sg_column_is_na(xc, i) || sg_column_is_na(xd, i) || sg_num_value(xa, i, &a) != 0)
            continue;
        uint32_t slot;
        if (xc->type == SG_STRING) {
            slot = (uint32_t)sg_column_codes(xc)[i];
        } else {
            if (xc->type == SG_DOUBLE && isnan(sg_column_f64(xc)[i]))
                continue;
            slot = sg_keymap_find(&km, id_key(xc, i));
            if (slot == SG_KEYMAP_NONE)
                continue;
        }
        if (slot >= nslots)
            continue;
        for (uint32_t r = head[slot]; r != UINT32_MAX; r = next[r])
            if (when[i] >= start[r] && when[i] - start[r] < window[r]) {
                rev[r] += a;
                if (a > 0)
                    resp[r] = 1;
            }
    }
    if (!(cr = sg_column_new("responded", SG_BOOL, nt1)) || !(cv = sg_column_new("window_revenue", SG_DOUBLE, nt1)))
        goto nomem;
    for (size_t r = 0; r < nt; r++) {
        int rc;
        if (sg_column_is_na(tc, r) || sg_column_is_na(ts, r) || window[r] < 0 ||
            (tc->type == SG_DOUBLE && isnan(sg_column_f64(tc)[r])))
            rc = sg_column_push_na(cr) | sg_column_push_na(cv);
        else
            rc = sg_column_push_bool(cr, resp[r]) | sg_column_push_f64(cv, rev[r]);
        if (rc)
            goto nomem;
    }
    out = sg_campaign_with_outcomes(targets, cr, cv, err);
    cr = cv = NULL;
    goto done;
nomem:
    sg_error_nomem(err);
done:
    sg_column_release(cr);
    sg_column_release(cv);
    sg_free(resp);
    sg_free(rev);
    sg_free(next);
    sg_free(window);
    sg_free(head);
    sg_keymap_free(&km);
    return out;
}
