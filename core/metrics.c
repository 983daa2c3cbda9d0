/* Evaluation metrics (see metrics.h).
 *
 * The threshold-free classifier figures share one sort of the rows by
 * score; rows with equal scores form a group that is always handled as a
 * whole, which is what makes ties count one half in the AUC and makes the
 * average precision step only at distinct thresholds. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "mem.h"

typedef struct scored {
    double p, y, w;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, z = ((const scored *)b)->p;
    return (x > z) - (x < z);
}

static int check_weights(const char *who, const double *w, size_t n, double *total, sg_error *err)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = w ? w[i] : 1.0;
        if (!isfinite(v) || v < 0)
            return sg_error_set(err, SG_EDATA, "%s: weight of row %zu is %g (must be finite and >= 0)",
                                who, i + 1, v);
        s += v;
    }
    if (!(s > 0))
        return sg_error_set(err, SG_EDATA, "%s: the weights sum to zero", who);
    *total = s;
    return SG_OK;
}

/* Labels exactly 0/1, probabilities in [0, 1], weights valid. */
static int check_binary(const char *who, const double *y, const double *p, const double *w,
                        size_t n, double *total, sg_error *err)
{
    if (!y || !p)
        return sg_error_set(err, SG_EINVAL, "%s: NULL labels or probabilities", who);
    if (n == 0)
        return sg_error_set(err, SG_EINVAL, "%s: no rows", who);
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0.0 && y[i] != 1.0)
            return sg_error_set(err, SG_EDATA, "%s: label of row %zu is %g (must be 0 or 1)", who, i + 1,
                                y[i]);
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return sg_error_set(err, SG_EDATA,
                                "%s: probability of row %zu is %g (must be within [0, 1])", who, i + 1,
                                p[i]);
    }
    return check_weights(who, w, n, total, err);
}

/* Rows sorted by increasing score; NULL (and err set) when out of memory. */
static scored *sort_scored(const double *y, const double *p, const double *w, size_t n,
                           sg_error *err)
{
    scored *s = sg_malloc(n * sizeof *s);
    if (!s) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].y = y[i];
        s[i].w = w ? w[i] : 1.0;
    }
    qsort(s, n, sizeof *s, cmp_scored);
    return s;
}

/* End (exclusive) of the tie group starting at i; adds its positive and
 * negative weights to *gp and *gn (both reset first). */
static size_t tie_group(const scored *s, size_t n, size_t i, double *gp, double *gn)
{
    size_t j = i;
    *gp = *gn = 0;
    while (j < n && s[j].p == s[i].p) {
        if (s[j].y == 1.0)
            *gp += s[j].w;
        else
            *gn += s[j].w;
        j++;
    }
    return j;
}

/* Weighted Mann-Whitney: sum over (positive, negative) pairs of
 * w_pos * w_neg * ([s_pos > s_neg] + 0.5 [s_pos == s_neg]), over W_pos * W_neg.
 * Going up the scores, a tie group beats all negatives below it and ties
 * with the negatives inside it. */
static double auc_sorted(const scored *s, size_t n, double wpos, double wneg)
{
    if (!(wpos > 0) || !(wneg > 0))
        return NAN;
    double below = 0, sum = 0, gp, gn;
    for (size_t i = 0; i < n;) {
        size_t j = tie_group(s, n, i, &gp, &gn);
        sum += gp * (below + 0.5 * gn);
        below += gn;
        i = j;
    }
    return sum / wpos / wneg;
}

/* Average precision: sum over distinct thresholds, going down the scores,
 * of (R_k - R_{k-1}) P_k with P_k, R_k the precision and recall when every
 * row scoring >= threshold k is predicted positive. */
static double ap_sorted(const scored *s, size_t n, double wpos)
{
    if (!(wpos > 0))
        return NAN;
    double tp = 0, fp = 0, ap = 0, gp, gn;
    size_t end = n;
    while (end > 0) {
        /* the group ending at `end`: walk down to its start */
        size_t i = end - 1;
        while (i > 0 && s[i - 1].p == s[end - 1].p)
            i--;
        tie_group(s, end, i, &gp, &gn);
        tp += gp;
        fp += gn;
        if (gp > 0) /* recall moves only when positives enter */
            ap += (gp / wpos) * (tp / (tp + fp));
        end = i;
    }
    return ap;
}

int sg_metrics_classify(const double *y, const double *p, const double *w, size_t n,
                        double threshold, sg_class_metrics *out, sg_error *err)
{
    static const char who[] = "classification metrics";
    double total;
    if (!out)
        return sg_error_set(err, SG_EINVAL, "%s: NULL output", who);
    if (isnan(threshold))
        return sg_error_set(err, SG_EINVAL, "%s: the threshold is NaN", who);
    int rc = check_binary(who, y, p, w, n, &total, err);
    if (rc)
        return rc;

    sg_class_metrics m = { .n = n, .threshold = threshold, .weight = total };
    const double lo = 1e-15, hi = 1.0 - 1e-15;
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        int pos = y[i] == 1.0, pred = p[i] >= threshold;
        if (pos)
            *(pred ? &m.tp : &m.fn) += wi;
        else
            *(pred ? &m.fp : &m.tn) += wi;
        double q = p[i] < lo ? lo : p[i] > hi ? hi : p[i];
        ll -= wi * (pos ? log(q) : log1p(-q));
    }
    double wpos = m.tp + m.fn, wneg = m.fp + m.tn;
    m.accuracy = (m.tp + m.tn) / total;
    m.precision = m.tp + m.fp > 0 ? m.tp / (m.tp + m.fp) : NAN;
    m.recall = wpos > 0 ? m.tp / wpos : NAN;
    if (isnan(m.precision) || isnan(m.recall) || m.precision + m.recall == 0)
        m.f1 = NAN;
    else
        m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall);
    m.logloss = ll / total;
    m.positive_rate = wpos / total;

    scored *s = sort_scored(y, p, w, n, err);
    if (!s)
        return SG_ENOMEM;
    m.auc = auc_sorted(s, n, wpos, wneg);
    m.pr_auc = ap_sorted(s, n, wpos);
    sg_free(s);
    *out = m;
    return SG_OK;
}

int sg_metrics_calibration(const double *y, const double *p, size_t n, size_t bins,
                           sg_calib_bin *out, sg_error *err)
{
    static const char who[] = "calibration";
    double total;
    if (!out)
        return sg_error_set(err, SG_EINVAL, "%s: NULL output", who);
    if (bins == 0)
        return sg_error_set(err, SG_EINVAL, "%s: needs at least one bin", who);
    int rc = check_binary(who, y, p, NULL, n, &total, err);
    if (rc)
        return rc;

    double nb = (double)bins;
    for (size_t b = 0; b < bins; b++) {
        out[b].lo = (double)b / nb;
        out[b].hi = (double)(b + 1) / nb;
        out[b].count = 0;
        out[b].mean_pred = 0; /* running sums until the end */
        out[b].observed = 0;
    }
    for (size_t i = 0; i < n; i++) {
        double f = floor(p[i] * nb);
        size_t b = f >= nb ? bins - 1 : (size_t)f;
        /* p * bins can round across an edge: keep the reported lo <= p < hi */
        if (b > 0 && p[i] < out[b].lo)
            b--;
        else if (b + 1 < bins && p[i] >= out[b].hi)
            b++;
        out[b].count++;
        out[b].mean_pred += p[i];
        out[b].observed += y[i];
    }
    for (size_t b = 0; b < bins; b++) {
        if (out[b].count == 0) {
            out[b].mean_pred = out[b].observed = NAN;
        } else {
            out[b].mean_pred /= (double)out[b].count;
            out[b].observed /= (double)out[b].count;
        }
    }
    return SG_OK;
}

int sg_metrics_regress(const double *y, const double *yhat, const double *w, size_t n,
                       sg_reg_metrics *out, sg_error *err)
{
    static const char who[] = "regression metrics";
    double total = 0;
    if (!y || !yhat || !out)
        return sg_error_set(err, SG_EINVAL, "%s: NULL argument", who);
    if (n == 0)
        return sg_error_set(err, SG_EINVAL, "%s: no rows", who);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]) || !isfinite(yhat[i]))
            return sg_error_set(err, SG_EDATA, "%s: row %zu: %s is %g (must be finite)", who, i + 1,
                                isfinite(y[i]) ? "prediction" : "target",
                                isfinite(y[i]) ? yhat[i] : y[i]);
    int rc = check_weights(who, w, n, &total, err);
    if (rc)
        return rc;

    double sy = 0, sse = 0, sae = 0, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0, e = y[i] - yhat[i];
        sy += wi * y[i];
        sse += wi * e * e;
        sae += wi * fabs(e);
        if (wi > 0) {
            ymin = fmin(ymin, y[i]);
            ymax = fmax(ymax, y[i]);
        }
    }
    double mean = sy / total, sst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = y[i] - mean;
        sst += (w ? w[i] : 1.0) * d * d;
    }
    out->n = n;
    out->mean_y = mean;
    out->rmse = sqrt(sse / total);
    out->mae = sae / total;
    /* a constant y has SST == 0 exactly, whatever rounding the mean picked up */
    out->r2 = ymin == ymax || !(sst > 0) ? NAN : 1.0 - sse / sst;
    return SG_OK;
}

void sg_metrics_roc_free(sg_roc *r)
{
    if (!r)
        return;
    sg_free(r->fpr);
    sg_free(r->tpr);
    sg_free(r->threshold);
    sg_free(r);
}

sg_roc *sg_metrics_roc(const double *y, const double *p, const double *w, size_t n,
                       sg_error *err)
{
    static const char who[] = "roc curve";
    double total, wpos = 0;
    if (check_binary(who, y, p, w, n, &total, err))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (y[i] == 1.0)
            wpos += w ? w[i] : 1.0;
    double wneg = total - wpos;
    if (!(wpos > 0) || !(wneg > 0)) {
        sg_error_set(err, SG_EDATA, "%s: needs both classes with a positive weight (%s missing)",
                     who, wpos > 0 ? "negatives" : "positives");
        return NULL;
    }
    scored *s = sort_scored(y, p, w, n, err);
    if (!s)
        return NULL;
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || s[i].p != s[i - 1].p;

    sg_roc *r = sg_calloc(1, sizeof *r);
    if (r) {
        r->fpr = sg_malloc((groups + 1) * sizeof(double));
        r->tpr = sg_malloc((groups + 1) * sizeof(double));
        r->threshold = sg_malloc((groups + 1) * sizeof(double));
    }
    if (!r || !r->fpr || !r->tpr || !r->threshold) {
        sg_metrics_roc_free(r);
        sg_free(s);
        sg_error_nomem(err);
        return NULL;
    }
    r->fpr[0] = r->tpr[0] = 0;
    r->threshold[0] = INFINITY;
    r->n = 1;
    double tp = 0, fp = 0, gp, gn;
    size_t end = n;
    while (end > 0) {
        size_t i = end - 1;
        while (i > 0 && s[i - 1].p == s[end - 1].p)
            i--;
        tie_group(s, end, i, &gp, &gn);
        tp += gp;
        fp += gn;
        r->threshold[r->n] = s[i].p;
        r->tpr[r->n] = tp / wpos;
        r->fpr[r->n] = fp / wneg;
        r->n++;
        end = i;
    }
    /* sums of weights can stop a hair short of 1: the last point is (1, 1) */
    r->tpr[r->n - 1] = r->fpr[r->n - 1] = 1.0;
    sg_free(s);
    return r;
}
