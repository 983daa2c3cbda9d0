/* Evaluation metrics for binary classifiers (confusion counts, ROC AUC,
 * average precision, log-loss, calibration, the ROC curve) and for
 * regressions (RMSE, MAE, R^2).
 *
 * Conventions shared by every function here:
 *  - y holds the labels 0/1 as doubles (exactly 0.0 or 1.0) for classifiers,
 *    p the predicted probability of class 1, in [0, 1] (NaN refused);
 *  - w is an optional weight per row, NULL meaning 1 for every row; weights
 *    must be finite and >= 0 with a positive total, and every figure
 *    (counts included) is then the weighted one;
 *  - rows are numbered from 1 in error messages;
 *  - figures that are undefined come back as NaN, never as an error.
 * Sorting is O(n log n); memory O(n) for the sorted copy. */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stddef.h>

#include "error.h"

typedef struct sg_class_metrics {
    size_t n;            /* rows */
    double threshold;    /* predicted positive when p >= threshold */
    double weight;       /* total weight (n when w is NULL) */
    double tp, fp, tn, fn;  /* (weighted) confusion counts */
    double accuracy;     /* (tp + tn) / weight */
    double precision;    /* tp / (tp + fp); NaN when nothing is predicted positive */
    double recall;       /* tp / (tp + fn); NaN when there is no positive */
    double f1;           /* 2PR / (P + R); NaN when P or R is NaN or both are 0 */
    double auc;          /* ROC AUC (Mann-Whitney, ties count one half); NaN with one class only */
    double pr_auc;       /* average precision (scikit-learn's definition); NaN without positives */
    double logloss;      /* mean cross-entropy, p clipped to [1e-15, 1 - 1e-15] */
    double positive_rate;  /* (weighted) share of y == 1 */
} sg_class_metrics;

/* Binary classification figures at one threshold plus the threshold-free
 * ones (AUC, average precision, log-loss).  out is written on success
 * only.  Errors: n == 0, NULL y/p/out, NaN threshold, a label
 * other than 0/1 (SG_EDATA), p outside [0, 1] or NaN (SG_EDATA), a
 * negative or non-finite weight or a zero total weight (SG_EDATA). */
int sg_metrics_classify(const double *y, const double *p, const double *w, size_t n,
                        double threshold, sg_class_metrics *out, sg_error *err);

typedef struct sg_calib_bin {
    double lo, hi;       /* [lo, hi), the last bin is [lo, 1] */
    size_t count;        /* rows in the bin */
    double mean_pred;    /* mean p in the bin; NaN when empty */
    double observed;     /* share of y == 1 in the bin; NaN when empty */
} sg_calib_bin;

/* Reliability diagram: `bins` equal-width bins over [0, 1] (bin b is
 * [b/bins, (b+1)/bins), p == 1 falls in the last one); out has `bins`
 * entries, filled by the caller-provided array.  Errors: n == 0, bins == 0,
 * NULL arguments, labels/probabilities as in sg_metrics_classify. */
int sg_metrics_calibration(const double *y, const double *p, size_t n, size_t bins,
                           sg_calib_bin *out, sg_error *err);

typedef struct sg_reg_metrics {
    size_t n;
    double rmse;         /* sqrt(sum w e^2 / sum w) */
    double mae;          /* sum w |e| / sum w */
    double r2;           /* 1 - SSE / SST; NaN when SST == 0 (y constant) */
    double mean_y;       /* (weighted) mean of y */
} sg_reg_metrics;

/* Regression figures for predictions yhat of y.  Errors: n == 0, NULL
 * arguments, a non-finite y or yhat (SG_EDATA), weights as above. */
int sg_metrics_regress(const double *y, const double *yhat, const double *w, size_t n,
                       sg_reg_metrics *out, sg_error *err);

/* The ROC curve: one point per distinct score, thresholds decreasing,
 * preceded by the point (0, 0) at threshold +infinity, so the last point is
 * (1, 1) and the curve has (distinct scores + 1) points.  No point is
 * dropped (unlike scikit-learn's drop_intermediate).  Caller frees with
 * sg_metrics_roc_free. */
typedef struct sg_roc {
    size_t n;            /* points */
    double *fpr, *tpr;   /* n each */
    double *threshold;   /* n: predicted positive when p >= threshold */
} sg_roc;

/* NULL on error: the same checks as sg_metrics_classify, plus SG_EDATA
 * when one class is absent (or has zero weight): the curve is undefined. */
sg_roc *sg_metrics_roc(const double *y, const double *p, const double *w, size_t n,
                       sg_error *err);
void sg_metrics_roc_free(sg_roc *r);

#endif
