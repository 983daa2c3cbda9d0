/* XGBoost back end (model_xgb.c), driven directly through model_internal.h
 * on simulated data with a known signal: accuracy (held-out AUC, RMSE),
 * importances, TreeSHAP contributions against XGBoost's own margin,
 * early stopping and slicing, forest, determinism (repeat fits, nthread
 * 1 vs 2), UBJSON round trip, weights, XGBoost's parameter errors, and
 * silence on stdout/stderr. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <xgboost/c_api.h>

#include "mem.h"
#include "model_internal.h"
#include "tap.h"

#define P 5

/* Classification: logit = 2 x0 - 1.5 x1 + (x2^2 - 1) + 0.7 x3, x4 pure
 * noise; all x ~ N(0, 1).  `scale` multiplies the logit (a small scale
 * gives a noisy problem).  truth (may be NULL) receives the true logit. */
static sg_matrix *sim_class(size_t n, unsigned long seed, double scale, double *y, double *truth)
{
    sg_matrix *X = sg_matrix_new(n, P);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n; i++) {
        double *x = sg_matrix_row(X, i);
        for (int j = 0; j < P; j++)
            x[j] = gsl_ran_gaussian(r, 1);
        double logit = scale * (2 * x[0] - 1.5 * x[1] + (x[2] * x[2] - 1) + 0.7 * x[3]);
        if (truth)
            truth[i] = logit;
        y[i] = gsl_rng_uniform(r) < 1 / (1 + exp(-logit)) ? 1 : 0;
    }
    gsl_rng_free(r);
    return X;
}

/* Regression: y = 3 x0 + 2 sin(2 x1) + |x2| + N(0, 1), x3 and x4 noise. */
static sg_matrix *sim_reg(size_t n, unsigned long seed, double *y)
{
    sg_matrix *X = sg_matrix_new(n, P);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n; i++) {
        double *x = sg_matrix_row(X, i);
        for (int j = 0; j < P; j++)
            x[j] = gsl_ran_gaussian(r, 1);
        y[i] = 3 * x[0] + 2 * sin(2 * x[1]) + fabs(x[2]) + gsl_ran_gaussian(r, 1);
    }
    gsl_rng_free(r);
    return X;
}

typedef struct { double p; double y; } pair;

static int cmp_pair(const void *a, const void *b)
{
    double x = ((const pair *)a)->p, z = ((const pair *)b)->p;
    return (x > z) - (x < z);
}

/* AUC by the rank formula (Mann-Whitney), ties given their average rank. */
static double auc(const double *p, const double *y, size_t n)
{
    pair *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (pair){p[i], y[i]};
    qsort(v, n, sizeof *v, cmp_pair);
    double rank_sum = 0, n1 = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].p == v[i].p)
            j++;
        double avg = (double)(i + 1 + j) / 2;        /* ranks i+1..j */
        for (size_t k = i; k < j; k++)
            if (v[k].y == 1) {
                rank_sum += avg;
                n1++;
            }
        i = j;
    }
    free(v);
    double n0 = (double)n - n1;
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0);
}

static sg_model *new_model(sg_model_kind kind, sg_model_task task)
{
    sg_model *m = sg_calloc(1, sizeof *m);
    sg_model_params *p = &m->params;
    p->kind = kind;
    p->task = task;
    p->seed = 42;
    p->threads = 1;
    int forest = kind == SG_MODEL_FOREST;
    p->n_estimators = forest ? 100 : 200;
    p->max_depth = forest ? 8 : 6;
    p->eta = forest ? 1 : 0.1;
    p->subsample = forest ? 0.632 : 1;
    p->colsample = forest ? 0 : 1;
    p->min_child_weight = 1;
    p->reg_lambda = forest ? 0 : 1;
    m->nfeat = P;
    m->best_round = -1;
    return m;
}

static void free_model(sg_model *m)
{
    if (m)
        sg_xgb_release(m);
    sg_free(m);
}

static int fit(sg_model *m, const sg_matrix *X, const double *y, const double *w,
               const sg_matrix *Xv, const double *yv)
{
    sg_error err = {0};
    int rc = sg_xgb_fit(m, X, y, w, Xv, yv, &err);
    if (rc)
        tap_diag("fit failed: %s", err.msg);
    return rc;
}

static double *predict(const sg_model *m, const sg_matrix *X)
{
    double *out = sg_malloc(X->rows * sizeof *out);
    sg_error err = {0};
    if (sg_xgb_predict(m, X, out, &err)) {
        tap_diag("predict failed: %s", err.msg);
        sg_free(out);
        return NULL;
    }
    return out;
}

/* XGBoost's own margin (pred type 1), straight from the C API. */
static double *xgb_margin(const sg_model *m, const sg_matrix *X)
{
    float *f = malloc(X->rows * X->cols * sizeof *f);
    for (size_t i = 0; i < X->rows * X->cols; i++)
        f[i] = (float)X->data[i];
    DMatrixHandle d;
    double *out = NULL;
    const bst_ulong *shape;
    bst_ulong dim;
    const float *r;
    if (XGDMatrixCreateFromMat(f, X->rows, X->cols, NAN, &d) == 0) {
        if (XGBoosterPredictFromDMatrix(m->booster, d, "{\"type\": 1, \"training\": false, "
                                        "\"iteration_begin\": 0, \"iteration_end\": 0, "
                                        "\"strict_shape\": false}", &shape, &dim, &r) == 0) {
            out = malloc(X->rows * sizeof *out);
            for (size_t i = 0; i < X->rows; i++)
                out[i] = r[i];
        }
        XGDMatrixFree(d);
    }
    free(f);
    return out;
}

static int same(const double *a, const double *b, size_t n)
{
    return a && b && memcmp(a, b, n * sizeof *a) == 0;
}

#define NTR 4000
#define NTE 2000

static double ytr[NTR], yte[NTE], truth[NTE];

static void test_boosting_classify(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    sg_model *m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    m->params.max_depth = 3;
    if (fit(m, Xtr, ytr, NULL, NULL, NULL)) {
        tap_ok(0, "boosting classifier fits");
        free_model(m);
        return;
    }
    tap_is_int(m->rounds, 200, "without validation: all n_estimators rounds kept");
    tap_is_int(m->best_round, -1, "without validation: best_round -1");
    double *p = predict(m, Xte);
    double a = auc(p, yte, NTE), oracle = auc(truth, yte, NTE);
    tap_diag("boosting held-out AUC %.4f (true logit's AUC %.4f)", a, oracle);
    tap_ok(a > 0.85 && a > oracle - 0.02, "held-out AUC %.4f > 0.85 and within 0.02 of the "
           "true model's %.4f", a, oracle);
    int in01 = 1;
    for (size_t i = 0; i < NTE; i++)
        in01 &= p[i] > 0 && p[i] < 1;
    tap_ok(in01, "predictions are probabilities in (0, 1)");

    /* contributions: rows x (P + 1), each row sums to XGBoost's margin */
    sg_error err = {0};
    sg_matrix *c = sg_xgb_contributions(m, Xte, &err);
    double *mg = xgb_margin(m, Xte);
    tap_ok(c && c->rows == NTE && c->cols == P + 1, "contributions are %d x %d", NTE, P + 1);
    double worst = 0, worst_p = 0;
    for (size_t i = 0; c && mg && i < NTE; i++) {
        double s = 0;
        for (size_t j = 0; j <= P; j++)
            s += c->data[i * (P + 1) + j];
        worst = fmax(worst, fabs(s - mg[i]));
        worst_p = fmax(worst_p, fabs(1 / (1 + exp(-mg[i])) - p[i]));
    }
    tap_ok(c && mg && worst < 1e-4, "contributions sum to the margin (max error %.2g)", worst);
    tap_ok(mg && worst_p < 1e-6, "prediction = sigmoid(margin) (max error %.2g)", worst_p);
    /* the bias column is the same for every row (the expected margin) */
    int bias_const = c != NULL;
    for (size_t i = 1; c && i < NTE; i++)
        bias_const &= c->data[i * (P + 1) + P] == c->data[P];
    tap_ok(bias_const, "the last column (bias) is the same for every row");
    sg_matrix_free(c);
    free(mg);

    /* importances: total gain, the noise feature lowest, x0 highest */
    double g[P];
    tap_is_int(sg_xgb_importance(m, g, &err), 0, "importance");
    tap_diag("total gain: %.1f %.1f %.1f %.1f %.1f", g[0], g[1], g[2], g[3], g[4]);
    int noise_lowest = 1, x0_top = 1;
    for (int j = 0; j < 4; j++) {
        noise_lowest &= g[4] < g[j];
        x0_top &= j == 0 || g[0] > g[j];
    }
    tap_ok(noise_lowest && g[4] >= 0, "the noise feature x4 has the lowest gain");
    tap_ok(x0_top, "x0 (coefficient 2) has the highest gain");

    /* save / load: bit-identical predictions and importances */
    char *buf = NULL;
    size_t len = 0;
    tap_is_int(sg_xgb_save(m, &buf, &len, &err), 0, "save");
    tap_ok(buf && len > 4 && buf[0] == '{', "UBJSON bytes (%zu, starting with '{')", len);
    sg_model *m2 = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    tap_is_int(sg_xgb_load(m2, buf, len, &err), 0, "load");
    tap_is_int(m2->rounds, 200, "loaded booster has 200 rounds");
    double *p2 = predict(m2, Xte), g2[P];
    tap_ok(same(p, p2, NTE), "predictions after load are bit-identical");
    tap_ok(sg_xgb_importance(m2, g2, &err) == 0 && same(g, g2, P),
           "importances after load are identical");
    /* a corrupt buffer and a wrong feature count are errors, not crashes */
    sg_model *m3 = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    tap_ok(sg_xgb_load(m3, "{garbage", 8, &err) == SG_EDATA && m3->booster == NULL,
           "corrupt bytes: SG_EDATA (%s)", err.msg);
    m3->nfeat = 4;
    tap_ok(sg_xgb_load(m3, buf, len, &err) == SG_EDATA && strstr(err.msg, "5 features"),
           "feature count mismatch on load: %s", err.msg);
    m3->nfeat = P;
    sg_matrix *X4 = sg_matrix_new(3, 4);
    tap_ok(sg_xgb_predict(m2, X4, p2, &err) == SG_EINVAL, "predict with 4 columns: %s", err.msg);
    sg_matrix_free(X4);
    free_model(m3);
    sg_free(buf);
    sg_free(p2);
    free_model(m2);
    sg_free(p);
    free_model(m);
}

/* Same data, same seed: identical; nthread 1 vs 2 (and 0: all cores):
 * identical; another seed: different (the sampling is really used). */
static void test_determinism(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    sg_model_kind kinds[2] = {SG_MODEL_BOOSTING, SG_MODEL_FOREST};
    for (int k = 0; k < 2; k++) {
        double *p[5] = {0};
        int threads[4] = {1, 1, 2, 0};
        for (int t = 0; t < 5; t++) {
            sg_model *m = new_model(kinds[k], SG_TASK_CLASSIFY);
            m->params.n_estimators = 60;
            m->params.subsample = 0.7;
            m->params.colsample = k == 0 ? 0.8 : 0;
            m->params.threads = t < 4 ? threads[t] : 1;
            m->params.seed = t < 4 ? 7 : 8;
            if (fit(m, Xtr, ytr, NULL, NULL, NULL) == 0)
                p[t] = predict(m, Xte);
            free_model(m);
        }
        const char *name = k == 0 ? "boosting" : "forest";
        tap_ok(same(p[0], p[1], NTE), "%s: two fits with the same seed are bit-identical", name);
        tap_ok(same(p[0], p[2], NTE), "%s: nthread 1 and 2 give bit-identical predictions", name);
        tap_ok(same(p[0], p[3], NTE), "%s: nthread 1 and all cores give bit-identical "
               "predictions", name);
        tap_ok(p[4] && !same(p[0], p[4], NTE), "%s: another seed gives other predictions", name);
        for (int t = 0; t < 5; t++)
            sg_free(p[t]);
    }
}

static void test_early_stopping(void)
{
    /* noisy: a weak signal, deep trees and a large eta overfit quickly */
    double *y = malloc(NTR * sizeof *y), *yv = malloc(NTE * sizeof *yv);
    sg_matrix *X = sim_class(NTR, 11, 0.3, y, NULL), *Xv = sim_class(NTE, 12, 0.3, yv, NULL);
    sg_model *m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    m->params.n_estimators = 500;
    m->params.max_depth = 6;
    m->params.early_stopping_rounds = 10;
    if (fit(m, X, y, NULL, Xv, yv) == 0) {
        tap_diag("early stopping: best_round %d, rounds %d, best logloss %.6f", m->best_round,
                 m->rounds, m->best_score);
        tap_ok(m->best_round >= 5 && m->rounds < 150, "stops well before 500 rounds (kept %d)",
               m->rounds);
        tap_is_int(m->rounds, m->best_round + 1, "rounds == best_round + 1");
        /* the sliced booster predicts exactly what scored best_score */
        double *pv = predict(m, Xv), ll = 0;
        for (size_t i = 0; pv && i < NTE; i++)
            ll -= yv[i] == 1 ? log(pv[i]) : log(1 - pv[i]);
        tap_is_double(ll / NTE, m->best_score, 1e-12, "best_score is the kept model's validation "
                      "logloss");
        tap_ok(m->best_score < log(2), "best logloss %.4f beats the coin (log 2)", m->best_score);
        char *buf = NULL;
        size_t len = 0;
        sg_error err = {0};
        sg_model *m2 = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
        if (sg_xgb_save(m, &buf, &len, &err) == 0 && sg_xgb_load(m2, buf, len, &err) == 0)
            tap_is_int(m2->rounds, m->rounds, "the saved booster has exactly the kept rounds");
        else
            tap_ok(0, "save/load of the sliced booster: %s", err.msg);
        sg_free(buf);
        free_model(m2);
        sg_free(pv);
    } else {
        tap_ok(0, "early stopping fit");
    }
    free_model(m);

    /* regression, early stopping scored by rmse */
    sg_matrix *R = sim_reg(NTR, 13, y), *Rv = sim_reg(NTE, 14, yv);
    m = new_model(SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    m->params.n_estimators = 1000;
    m->params.eta = 0.3;
    m->params.early_stopping_rounds = 5;
    if (fit(m, R, y, NULL, Rv, yv) == 0) {
        double *pv = predict(m, Rv), ss = 0;
        for (size_t i = 0; pv && i < NTE; i++)
            ss += (pv[i] - yv[i]) * (pv[i] - yv[i]);
        tap_ok(m->rounds < 1000 && m->rounds == m->best_round + 1,
               "regression stops early (rounds %d, best_round %d)", m->rounds, m->best_round);
        tap_is_double(sqrt(ss / NTE), m->best_score, 1e-12, "best_score is the kept model's rmse");
        sg_free(pv);
    } else {
        tap_ok(0, "regression early stopping fit");
    }
    free_model(m);
    sg_matrix_free(R);
    sg_matrix_free(Rv);
    sg_matrix_free(X);
    sg_matrix_free(Xv);
    free(y);
    free(yv);
}

static void test_regression(void)
{
    double *y = malloc(NTR * sizeof *y), *yv = malloc(NTE * sizeof *yv);
    sg_matrix *X = sim_reg(NTR, 21, y), *Xv = sim_reg(NTE, 22, yv);
    double mean = 0, var = 0;
    for (size_t i = 0; i < NTE; i++)
        mean += yv[i] / NTE;
    for (size_t i = 0; i < NTE; i++)
        var += (yv[i] - mean) * (yv[i] - mean) / NTE;
    sg_model_kind kinds[2] = {SG_MODEL_BOOSTING, SG_MODEL_FOREST};
    for (int k = 0; k < 2; k++) {
        sg_model *m = new_model(kinds[k], SG_TASK_REGRESS);
        if (k == 0)
            m->params.max_depth = 3;
        double *pv = fit(m, X, y, NULL, NULL, NULL) == 0 ? predict(m, Xv) : NULL, ss = 0;
        for (size_t i = 0; pv && i < NTE; i++)
            ss += (pv[i] - yv[i]) * (pv[i] - yv[i]);
        double rmse = sqrt(ss / NTE);
        const char *name = k ? "forest" : "boosting";
        tap_diag("%s regression: rmse %.3f, label sd %.3f, noise sd 1", name, rmse, sqrt(var));
        /* the label sd is about 3.6; the noise floor is 1 */
        tap_ok(pv && rmse < 0.4 * sqrt(var) && rmse < (k ? 1.5 : 1.2), "%s regression rmse %.3f "
               "well below the label sd %.3f", name, rmse, sqrt(var));
        sg_matrix *c = pv ? sg_xgb_contributions(m, Xv, NULL) : NULL;
        double worst = 0;
        for (size_t i = 0; c && i < NTE; i++) {
            double s = 0;
            for (size_t j = 0; j <= P; j++)
                s += c->data[i * (P + 1) + j];
            worst = fmax(worst, fabs(s - pv[i]));    /* regression: margin = value */
        }
        tap_ok(c && worst < 1e-4, "%s regression contributions sum to the value (%.2g)", name,
               worst);
        sg_matrix_free(c);
        sg_free(pv);
        free_model(m);
    }
    sg_matrix_free(X);
    sg_matrix_free(Xv);
    free(y);
    free(yv);
}

static void test_forest(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    sg_model *m = new_model(SG_MODEL_FOREST, SG_TASK_CLASSIFY);
    double *p = fit(m, Xtr, ytr, NULL, NULL, NULL) == 0 ? predict(m, Xte) : NULL;
    tap_is_int(m->rounds, 1, "forest: one round");
    double a = p ? auc(p, yte, NTE) : 0;
    tap_diag("forest held-out AUC %.4f", a);
    tap_ok(a > 0.83, "forest held-out AUC %.4f > 0.83", a);
    /* 100 parallel trees: the model's JSON lists num_parallel_tree 100 */
    char *buf = NULL;
    size_t len = 0;
    if (sg_xgb_save(m, &buf, &len, NULL) == 0) {
        int trees = 0;
        for (size_t i = 0; i + 13 <= len; i++)
            trees += memcmp(buf + i, "split_indices", 13) == 0;
        tap_is_int(trees, 100, "forest: 100 trees in the saved booster");
    } else {
        tap_ok(0, "forest save");
    }
    sg_free(buf);
    double g[P];
    tap_ok(sg_xgb_importance(m, g, NULL) == 0 && g[4] < g[0] && g[4] < g[1] && g[4] < g[2],
           "forest: the noise feature has less gain than x0, x1, x2");
    sg_free(p);
    free_model(m);
}

/* Class-1 rows weighted 5: the mean predicted probability rises. */
static void test_weights(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    double *w = malloc(NTR * sizeof *w), mean[2] = {0, 0};
    for (size_t i = 0; i < NTR; i++)
        w[i] = ytr[i] == 1 ? 5 : 1;
    for (int k = 0; k < 2; k++) {
        sg_model *m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
        m->params.n_estimators = 50;
        double *p = fit(m, Xtr, ytr, k ? w : NULL, NULL, NULL) == 0 ? predict(m, Xte) : NULL;
        for (size_t i = 0; p && i < NTE; i++)
            mean[k] += p[i] / NTE;
        sg_free(p);
        free_model(m);
    }
    tap_diag("mean probability: unweighted %.3f, class 1 weighted 5: %.3f", mean[0], mean[1]);
    tap_ok(mean[1] > mean[0] + 0.15, "weights are used (mean probability %.3f -> %.3f)", mean[0],
           mean[1]);
    free(w);
}

/* Parameter errors come back with XGBoost's own text; nothing printed. */
static void test_errors(const sg_matrix *Xtr)
{
    struct { const char *what, *want; } cases[3] = {
        {"max_depth -1", "max_depth should be greater equal to 0"},
        {"subsample 2", "subsample exceed bound"},
        {"min_child_weight -1", "min_child_weight should be greater equal to 0"},
    };
    for (int c = 0; c < 3; c++) {
        sg_model *m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
        m->params.n_estimators = 5;
        if (c == 0)
            m->params.max_depth = -1;
        else if (c == 1)
            m->params.subsample = 2;
        else
            m->params.min_child_weight = -1;
        sg_error err = {0};
        int rc = sg_xgb_fit(m, Xtr, ytr, NULL, NULL, NULL, &err);
        tap_ok(rc == SG_EINVAL && err.code == SG_EINVAL && strstr(err.msg, cases[c].want)
               && m->booster == NULL, "%s: SG_EINVAL with XGBoost's text (%s)", cases[c].what,
               err.msg);
        free_model(m);
    }
    sg_model *m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    sg_error err = {0};
    double out[NTR];
    tap_ok(sg_xgb_predict(m, Xtr, out, &err) == SG_EINVAL, "predict without a booster: %s",
           err.msg);
    free_model(m);
}

/* Runs fits with stdout and stderr sent to a file: XGBoost must print nothing. */
static void test_silence(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    char path[] = "/tmp/sg_xgb_silenceXXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), errfd = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    sg_model *m = new_model(SG_MODEL_FOREST, SG_TASK_CLASSIFY);
    m->params.n_estimators = 10;
    m->params.threads = 0;
    fit(m, Xtr, ytr, NULL, NULL, NULL);
    double *p = predict(m, Xte);
    free_model(m);
    m = new_model(SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    m->params.max_depth = -1;
    sg_xgb_fit(m, Xtr, ytr, NULL, NULL, NULL, NULL);
    free_model(m);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(errfd, 2);
    close(out);
    close(errfd);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    tap_ok(p && size == 0, "XGBoost printed nothing on stdout/stderr (%lld bytes)",
           (long long)size);
    sg_free(p);
}

/* Through model.c's public interface. */
static void test_public(const sg_matrix *Xtr, const sg_matrix *Xte)
{
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    p.n_estimators = 30;
    sg_error err = {0};
    sg_model *m = sg_model_fit(&p, Xtr, ytr, NULL, NULL, NULL, &err);
    double *a = sg_malloc(NTE * sizeof *a);
    tap_ok(m && sg_model_predict(m, Xte, a, &err) == 0 && auc(a, yte, NTE) > 0.8,
           "sg_model_fit / sg_model_predict (boosting) %s", err.msg);
    /* JSON (base64 of the UBJSON booster) round trip: identical predictions */
    cJSON *j0 = m ? sg_model_to_json(m, &err) : NULL;
    char *text = j0 ? cJSON_PrintUnformatted(j0) : NULL;   /* as written to a model file */
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    sg_model *m2 = j ? sg_model_from_json(j, &err) : NULL;
    cJSON_free(text);
    cJSON_Delete(j0);
    double *b = sg_malloc(NTE * sizeof *b);
    tap_ok(m2 && sg_model_predict(m2, Xte, b, &err) == 0 && same(a, b, NTE),
           "sg_model_to_json / from_json: bit-identical predictions %s", err.msg);
    cJSON_Delete(j);
    sg_model_free(m2);
    sg_free(b);
    sg_free(a);
    sg_model_free(m);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    sg_matrix *Xtr = sim_class(NTR, 1, 1, ytr, NULL), *Xte = sim_class(NTE, 2, 1, yte, truth);
    test_boosting_classify(Xtr, Xte);
    test_determinism(Xtr, Xte);
    test_early_stopping();
    test_regression();
    test_forest(Xtr, Xte);
    test_weights(Xtr, Xte);
    test_errors(Xtr);
    test_silence(Xtr, Xte);
    test_public(Xtr, Xte);
    sg_matrix_free(Xtr);
    sg_matrix_free(Xte);
    return tap_done();
}
