/* Classifier and regression metrics (core/metrics.c).  Every expected value
 * is worked by hand in the comment beside it; the average precision of the
 * first fixture is scikit-learn's documented example of
 * average_precision_score (0.83...), its regression fixture is the r2_score /
 * mean_squared_error documentation example. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "mem.h"
#include "metrics.h"
#include "tap.h"

#define TOL 1e-12

static int has(const sg_error *e, const char *s)
{
    return strstr(e->msg, s) != NULL;
}

static void test_sklearn_example(void)
{
    /* y = {0,0,1,1}, p = {0.1,0.4,0.35,0.8}.  At 0.5 only 0.8 is called
     * positive: tp 1, fp 0, tn 2, fn 1.  AUC: pairs (pos, neg) won:
     * 0.35>0.1, 0.8>0.1, 0.8>0.4, lost 0.35<0.4 -> 3/4.  AP: going down,
     * 0.8 (pos) P=1 R=.5; 0.4 (neg) R unchanged; 0.35 (pos) P=2/3 R=1 ->
     * .5*1 + .5*2/3 = 5/6.  Log-loss: -(ln .9 + ln .6 + ln .35 + ln .8)/4. */
    const double y[] = { 0, 0, 1, 1 }, p[] = { 0.1, 0.4, 0.35, 0.8 };
    sg_class_metrics m;
    sg_error e = { 0 };
    tap_is_int(sg_metrics_classify(y, p, NULL, 4, 0.5, &m, &e), SG_OK, "classify ok");
    tap_is_int((long long)m.n, 4, "n");
    tap_is_double(m.tp, 1, 0, "tp at 0.5");
    tap_is_double(m.fp, 0, 0, "fp at 0.5");
    tap_is_double(m.tn, 2, 0, "tn at 0.5");
    tap_is_double(m.fn, 1, 0, "fn at 0.5");
    tap_is_double(m.weight, 4, 0, "weight = n without weights");
    tap_is_double(m.accuracy, 0.75, TOL, "accuracy 3/4");
    tap_is_double(m.precision, 1.0, TOL, "precision 1/1");
    tap_is_double(m.recall, 0.5, TOL, "recall 1/2");
    tap_is_double(m.f1, 2.0 / 3.0, TOL, "f1 = 2*1*.5/1.5");
    tap_is_double(m.auc, 0.75, TOL, "AUC 0.75");
    tap_is_double(m.pr_auc, 5.0 / 6.0, TOL, "average precision 0.8333 (sklearn doc example)");
    tap_is_double(m.logloss, 0.47228795380917615, 1e-12, "log-loss by hand");
    tap_is_double(m.positive_rate, 0.5, TOL, "positive rate");

    /* at 0.35: 0.35, 0.4, 0.8 positive -> tp 2, fp 1, tn 1, fn 0 */
    sg_metrics_classify(y, p, NULL, 4, 0.35, &m, &e);
    tap_ok(m.tp == 2 && m.fp == 1 && m.tn == 1 && m.fn == 0, "confusion at 0.35 (p >= t)");
    tap_is_double(m.precision, 2.0 / 3.0, TOL, "precision 2/3");
    tap_is_double(m.f1, 0.8, TOL, "f1 = 2*(2/3)*1/(5/3)");
    tap_is_double(m.auc, 0.75, TOL, "AUC does not depend on the threshold");
}

static void test_ties_and_extremes(void)
{
    sg_class_metrics m;
    sg_error e = { 0 };
    /* all scores equal: every pair ties -> 1/2; AP: one threshold,
     * P = 3/5, R = 1 -> 0.6 */
    const double y[] = { 0, 1, 1, 0, 1 }, flat[] = { 0.5, 0.5, 0.5, 0.5, 0.5 };
    sg_metrics_classify(y, flat, NULL, 5, 0.5, &m, &e);
    tap_is_double(m.auc, 0.5, TOL, "all ties: AUC 0.5");
    tap_is_double(m.pr_auc, 0.6, TOL, "all ties: AP = positive share");

    const double good[] = { 0.1, 0.7, 0.8, 0.2, 0.9 };
    sg_metrics_classify(y, good, NULL, 5, 0.5, &m, &e);
    tap_is_double(m.auc, 1.0, TOL, "perfect ranking: AUC 1");
    tap_is_double(m.pr_auc, 1.0, TOL, "perfect ranking: AP 1");
    tap_is_double(m.accuracy, 1.0, TOL, "perfect ranking: accuracy 1");

    const double bad[] = { 0.9, 0.2, 0.1, 0.8, 0.3 };
    sg_metrics_classify(y, bad, NULL, 5, 0.5, &m, &e);
    tap_is_double(m.auc, 0.0, TOL, "reversed ranking: AUC 0");
    /* going down: .9 n, .8 n, .3 p (P 1/3, R 1/3), .2 p (2/4, 2/3), .1 p (3/5, 1)
     * AP = (1/3)(1/3) + (1/3)(1/2) + (1/3)(3/5) */
    tap_is_double(m.pr_auc, (1.0 / 3 + 1.0 / 2 + 3.0 / 5) / 3, TOL, "reversed ranking: AP");

    /* partial ties: y {0,1,0,1}, p {.2,.5,.5,.9}: pairs (pos, neg):
     * .5 vs .2 win, .5 vs .5 tie, .9 vs both win -> 3.5/4 */
    const double y2[] = { 0, 1, 0, 1 }, p2[] = { 0.2, 0.5, 0.5, 0.9 };
    sg_metrics_classify(y2, p2, NULL, 4, 0.5, &m, &e);
    tap_is_double(m.auc, 0.875, TOL, "partial ties count one half");
    /* down: .9 p (P 1, R .5); {.5,.5} grouped: P 2/3, R 1 -> .5 + .5*2/3 */
    tap_is_double(m.pr_auc, 0.5 + 1.0 / 3, TOL, "AP groups the tied threshold");

    /* clipping: p = 0 for a positive costs -ln(1e-15) = 34.538776394910684;
     * p = 1 for a negative is clipped to the double 1 - 1e-15, whose
     * complement is exactly 9.992007221626409e-16: -ln = 34.53957599234088 */
    const double y3[] = { 1, 0 }, p3[] = { 0.0, 1.0 };
    sg_metrics_classify(y3, p3, NULL, 2, 0.5, &m, &e);
    tap_is_double(m.logloss, (34.538776394910684 + 34.53957599234088) / 2, 1e-9,
                  "log-loss clipped to [1e-15, 1 - 1e-15]");
    /* tp 0, fp 1, fn 1: precision 0, recall 0 -> f1 NaN */
    tap_ok(m.precision == 0 && m.recall == 0 && isnan(m.f1), "P = R = 0 -> f1 NaN");
}

static void test_nan_cases(void)
{
    sg_class_metrics m;
    sg_error e = { 0 };
    const double y[] = { 0, 0, 0 }, p[] = { 0.1, 0.2, 0.3 };
    tap_is_int(sg_metrics_classify(y, p, NULL, 3, 0.5, &m, &e), SG_OK, "one class only is no error");
    tap_ok(isnan(m.auc), "one class: AUC NaN");
    tap_ok(isnan(m.pr_auc), "no positive: AP NaN");
    tap_ok(isnan(m.recall), "no positive: recall NaN");
    tap_ok(isnan(m.precision), "nothing predicted positive: precision NaN");
    tap_ok(isnan(m.f1), "f1 NaN");
    tap_is_double(m.accuracy, 1.0, TOL, "accuracy still defined");
    tap_is_double(m.positive_rate, 0.0, 0, "positive rate 0");
    const double y1[] = { 1, 1 }, p1[] = { 0.2, 0.9 };
    sg_metrics_classify(y1, p1, NULL, 2, 0.5, &m, &e);
    tap_ok(isnan(m.auc) && m.pr_auc == 1.0, "positives only: AUC NaN, AP 1");
}

static void test_weighted(void)
{
    /* y {0,1,0,1}, p {.2,.3,.6,.6}, w {1,2,3,1}: Wpos 3, Wneg 4.
     * AUC pairs: pos .3 (w2) beats neg .2 (w1): 2; pos .6 (w1) beats neg .2: 1,
     * ties neg .6 (w3): 1*3/2 -> 4.5 / 12 = 0.375.
     * AP down: {.6}: tp 1 fp 3, P 1/4, dR 1/3; .3: tp 3 fp 3, P 1/2, dR 2/3
     * -> 1/12 + 1/3 = 5/12.  At 0.5: tp 1, fp 3, tn 1, fn 2. */
    const double y[] = { 0, 1, 0, 1 }, p[] = { 0.2, 0.3, 0.6, 0.6 }, w[] = { 1, 2, 3, 1 };
    sg_class_metrics m, r;
    sg_error e = { 0 };
    tap_is_int(sg_metrics_classify(y, p, w, 4, 0.5, &m, &e), SG_OK, "weighted ok");
    tap_is_double(m.auc, 0.375, TOL, "weighted AUC 0.375");
    tap_is_double(m.pr_auc, 5.0 / 12, TOL, "weighted AP 5/12");
    tap_ok(m.tp == 1 && m.fp == 3 && m.tn == 1 && m.fn == 2, "weighted confusion");
    tap_is_double(m.accuracy, 2.0 / 7, TOL, "weighted accuracy 2/7");
    tap_is_double(m.f1, 2.0 / 7, TOL, "weighted f1 = 2(1/4)(1/3)/(7/12)");
    tap_is_double(m.positive_rate, 3.0 / 7, TOL, "weighted positive rate");
    /* -(ln .8 + 2 ln .3 + 3 ln .4 + ln .6) / 7 */
    tap_is_double(m.logloss, 0.8415409970506482, 1e-12, "weighted log-loss");
    /* integer weights = repeated rows */
    const double yr[] = { 0, 1, 1, 0, 0, 0, 1 }, pr[] = { 0.2, 0.3, 0.3, 0.6, 0.6, 0.6, 0.6 };
    sg_metrics_classify(yr, pr, NULL, 7, 0.5, &r, &e);
    tap_is_double(r.auc, m.auc, TOL, "weights match repeated rows (AUC)");
    tap_is_double(r.pr_auc, m.pr_auc, TOL, "weights match repeated rows (AP)");
    tap_is_double(r.logloss, m.logloss, TOL, "weights match repeated rows (log-loss)");
    /* a zero weight removes the row */
    const double w0[] = { 1, 1, 0, 1 };
    sg_metrics_classify(y, p, w0, 4, 0.5, &m, &e);
    tap_is_double(m.auc, 1.0, TOL, "zero weight drops the tied negative: AUC 1");
}

static void test_errors(void)
{
    sg_class_metrics m;
    sg_error e = { 0 };
    const double y[] = { 0, 1 }, p[] = { 0.2, 0.7 };
    tap_is_int(sg_metrics_classify(y, p, NULL, 0, 0.5, &m, &e), SG_EINVAL, "n = 0 refused");
    const double yb[] = { 0, 2 };
    tap_is_int(sg_metrics_classify(yb, p, NULL, 2, 0.5, &m, &e), SG_EDATA, "label 2 refused");
    tap_ok(has(&e, "row 2") && has(&e, "0 or 1"), "message names the row: %s", e.msg);
    const double pb[] = { 0.2, 1.5 }, pn[] = { NAN, 0.5 };
    tap_is_int(sg_metrics_classify(y, pb, NULL, 2, 0.5, &m, &e), SG_EDATA, "p > 1 refused");
    tap_is_int(sg_metrics_classify(y, pn, NULL, 2, 0.5, &m, &e), SG_EDATA, "p NaN refused");
    tap_ok(has(&e, "row 1"), "NaN message names row 1: %s", e.msg);
    const double wn[] = { 1, -1 }, wz[] = { 0, 0 };
    tap_is_int(sg_metrics_classify(y, p, wn, 2, 0.5, &m, &e), SG_EDATA, "negative weight refused");
    tap_is_int(sg_metrics_classify(y, p, wz, 2, 0.5, &m, &e), SG_EDATA, "zero total weight refused");
    tap_is_int(sg_metrics_classify(y, p, NULL, 2, NAN, &m, &e), SG_EINVAL, "NaN threshold refused");
}

static void test_calibration(void)
{
    /* 4 bins: [0,.25) {0, .1}: mean .05, obs 0; [.25,.5) {.25, .3}: .275, 1/2;
     * [.5,.75) {.5, .74}: .62, 1; [.75,1] {.75, 1, .99}: 2.74/3, 2/3 */
    const double p[] = { 0.0, 0.1, 0.25, 0.3, 0.5, 0.74, 0.75, 1.0, 0.99 };
    const double y[] = { 0, 0, 1, 0, 1, 1, 0, 1, 1 };
    sg_calib_bin b[10];
    sg_error e = { 0 };
    tap_is_int(sg_metrics_calibration(y, p, 9, 4, b, &e), SG_OK, "calibration ok");
    tap_ok(b[0].lo == 0 && b[0].hi == 0.25 && b[3].lo == 0.75 && b[3].hi == 1, "bin edges");
    tap_ok(b[0].count == 2 && b[1].count == 2 && b[2].count == 2 && b[3].count == 3, "bin counts");
    tap_is_double(b[0].mean_pred, 0.05, TOL, "bin 0 mean p");
    tap_is_double(b[0].observed, 0.0, TOL, "bin 0 observed");
    tap_is_double(b[1].mean_pred, 0.275, TOL, "bin 1 mean p");
    tap_is_double(b[1].observed, 0.5, TOL, "bin 1 observed");
    tap_is_double(b[2].mean_pred, 0.62, TOL, "bin 2 mean p");
    tap_is_double(b[2].observed, 1.0, TOL, "bin 2 observed");
    tap_is_double(b[3].mean_pred, 2.74 / 3, TOL, "last bin mean p (p = 1 included)");
    tap_is_double(b[3].observed, 2.0 / 3, TOL, "last bin observed");

    /* empty bins are NaN; p just below 0.9 lands in [0.8, 0.9) although
     * floor(p * 10) is 9 in floating point */
    const double p2[] = { 0.05, 0.8999999999999999, 0.95 }, y2[] = { 1, 0, 1 };
    sg_metrics_calibration(y2, p2, 3, 10, b, &e);
    tap_ok(b[0].count == 1 && b[8].count == 1 && b[9].count == 1, "edge rounding respected");
    tap_ok(b[1].count == 0 && isnan(b[1].mean_pred) && isnan(b[1].observed), "empty bin NaN");
    /* and p = 1/49 exactly is in bin 1 although floor(p * 49) is 0 */
    const double p3[] = { 1.0 / 49 }, y3[] = { 1 };
    sg_calib_bin b49[49];
    sg_metrics_calibration(y3, p3, 1, 49, b49, &e);
    tap_ok(b49[1].count == 1 && b49[0].count == 0, "p on an edge goes up");
    tap_is_int(sg_metrics_calibration(y, p, 9, 0, b, &e), SG_EINVAL, "0 bins refused");
    tap_is_int(sg_metrics_calibration(y, p, 0, 4, b, &e), SG_EINVAL, "no rows refused");
}

static void test_regress(void)
{
    /* sklearn doc: y {3,-.5,2,7}, yhat {2.5,0,2,8}: errors .5,.5,0,1 ->
     * MSE .375, MAE .5, mean 2.875, SST 29.1875, R2 1 - 1.5/29.1875 */
    const double y[] = { 3, -0.5, 2, 7 }, yh[] = { 2.5, 0.0, 2, 8 };
    sg_reg_metrics r;
    sg_error e = { 0 };
    tap_is_int(sg_metrics_regress(y, yh, NULL, 4, &r, &e), SG_OK, "regress ok");
    tap_is_double(r.rmse, sqrt(0.375), TOL, "rmse");
    tap_is_double(r.mae, 0.5, TOL, "mae");
    tap_is_double(r.r2, 0.9486081370449679, 1e-12, "r2 (sklearn doc: 0.948...)");
    tap_is_double(r.mean_y, 2.875, TOL, "mean y");
    /* weights {1,2,1,0}: W 4, mean (3 - 1 + 2)/4 = 1; SSE .25 + .5 = .75;
     * SAE .5 + 1 = 1.5; SST 4 + 2*2.25 + 1 = 9.5 */
    const double w[] = { 1, 2, 1, 0 };
    sg_metrics_regress(y, yh, w, 4, &r, &e);
    tap_is_double(r.mean_y, 1.0, TOL, "weighted mean");
    tap_is_double(r.rmse, sqrt(0.75 / 4), TOL, "weighted rmse");
    tap_is_double(r.mae, 0.375, TOL, "weighted mae");
    tap_is_double(r.r2, 1 - 0.75 / 9.5, TOL, "weighted r2");
    /* constant y (0.1 does not average back exactly): SST = 0 -> NaN */
    const double yc[] = { 0.1, 0.1, 0.1 }, yhc[] = { 0.1, 0.2, 0.4 }, wc[] = { 1, 1, 1 };
    sg_metrics_regress(yc, yhc, wc, 3, &r, &e);
    tap_ok(isnan(r.r2), "constant y: r2 NaN");
    tap_is_double(r.mae, 0.4 / 3, 1e-12, "constant y: mae still defined");
    const double yinf[] = { 1, INFINITY };
    tap_is_int(sg_metrics_regress(yinf, yh, NULL, 2, &r, &e), SG_EDATA, "infinite y refused");
    tap_is_int(sg_metrics_regress(y, yh, NULL, 0, &r, &e), SG_EINVAL, "no rows refused");
}

static void test_roc(void)
{
    /* sklearn roc_curve(drop_intermediate=False) on the doc example:
     * thresholds inf .8 .4 .35 .1, fpr 0 0 .5 .5 1, tpr 0 .5 .5 1 1 */
    const double y[] = { 0, 0, 1, 1 }, p[] = { 0.1, 0.4, 0.35, 0.8 };
    const double th[] = { INFINITY, 0.8, 0.4, 0.35, 0.1 }, fpr[] = { 0, 0, 0.5, 0.5, 1 },
                 tpr[] = { 0, 0.5, 0.5, 1, 1 };
    sg_error e = { 0 };
    sg_roc *r = sg_metrics_roc(y, p, NULL, 4, &e);
    tap_ok(r && r->n == 5, "roc: 5 points");
    int ok = r != NULL;
    for (size_t i = 0; r && i < 5 && i < r->n; i++)
        ok &= r->threshold[i] == th[i] && r->fpr[i] == fpr[i] && r->tpr[i] == tpr[i];
    tap_ok(ok, "roc points match");
    sg_metrics_roc_free(r);
    const double y0[] = { 0, 0 };
    r = sg_metrics_roc(y0, p, NULL, 2, &e);
    tap_ok(r == NULL && e.code == SG_EDATA && has(&e, "positives"), "roc one class: %s", e.msg);
    sg_metrics_roc_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    size_t before = sg_mem_used();
    test_sklearn_example();
    test_ties_and_extremes();
    test_nan_cases();
    test_weighted();
    test_errors();
    test_calibration();
    test_regress();
    test_roc();
    tap_is_int((long long)sg_mem_used(), (long long)before, "no accounted memory left");
    return tap_done();
}
