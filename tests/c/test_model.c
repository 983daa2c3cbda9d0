/* The model front end (core/model.c): kind names, parameter defaults,
 * input and parameter checks, linear-kind predictions, contributions and
 * importance computed by hand, XGBoost contributions against the
 * prediction, and the JSON round trip (in memory and through printed
 * text; base64 booster) with bit-identical predictions, plus corrupted
 * and incomplete JSON. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "encode.h"
#include "mem.h"
#include "model.h"
#include "ops_testutil.h"
#include "tap.h"

#define P 3

static sg_matrix *mat(size_t r, size_t c, const double *v)
{
    sg_matrix *x = sg_matrix_new(r, c);
    if (!x)
        abort();
    if (v)
        memcpy(x->data, v, r * c * sizeof *v);
    return x;
}

/* n x P standard normal features; y: classify -> Bernoulli(sigmoid(1.5 x0
 * - x1 + 0.5 x2)), regress -> 2 + x0 - 3 x1 + x2^2 + N(0, 0.5). */
static sg_matrix *sim(size_t n, unsigned long seed, int classify, double *y)
{
    sg_matrix *X = mat(n, P, NULL);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        abort();
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n; i++) {
        double *x = sg_matrix_row(X, i);
        for (int j = 0; j < P; j++)
            x[j] = gsl_ran_gaussian(r, 1);
        if (classify)
            y[i] = gsl_rng_uniform(r) < 1 / (1 + exp(-(1.5 * x[0] - x[1] + 0.5 * x[2]))) ? 1 : 0;
        else
            y[i] = 2 + x[0] - 3 * x[1] + x[2] * x[2] + gsl_ran_gaussian(r, 0.5);
    }
    gsl_rng_free(r);
    return X;
}

static int has(const sg_error *err, const char *needle)
{
    if (strstr(err->msg, needle))
        return 1;
    tap_diag("message '%s' lacks '%s'", err->msg, needle);
    return 0;
}

/* ---------------------------------------------------------------- kinds, params */

static void test_kinds(void)
{
    static const char *const names[] = { "logistic", "linear", "ridge", "boosting", "forest" };
    for (int k = 0; k < 5; k++) {
        sg_model_kind got = (sg_model_kind)99;
        tap_ok(sg_model_kind_parse(names[k], &got) == 0 && (int)got == k, "kind_parse %s", names[k]);
        tap_is_str(sg_model_kind_name((sg_model_kind)k), names[k], "kind_name");
    }
    sg_model_kind got = SG_MODEL_RIDGE;
    tap_ok(sg_model_kind_parse("Logistic", &got) != 0, "kind_parse is case-sensitive");
    tap_ok(sg_model_kind_parse("xgboost", &got) != 0, "kind_parse refuses an unknown name");
    tap_ok(sg_model_kind_parse(NULL, &got) != 0, "kind_parse refuses NULL");
    tap_ok(got == SG_MODEL_RIDGE, "kind_parse leaves *out alone on failure");
    tap_is_str(sg_model_kind_name((sg_model_kind)7), "?", "kind_name of an unknown kind");
}

static void test_params(void)
{
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    tap_ok(p.kind == SG_MODEL_BOOSTING && p.task == SG_TASK_REGRESS, "params: kind and task set");
    tap_ok(p.seed == 42 && p.threads == 0 && p.l1 == 0, "params: seed 42, threads 0, L2");
    tap_ok(p.C == 1 && p.class_weight[0] == 1 && p.class_weight[1] == 1 && p.tol == 1e-4
               && p.lambda == 1,
           "params: C 1, class weights 1/1, tol 1e-4, lambda 1");
    tap_ok(p.n_estimators == 200 && p.max_depth == 6 && p.eta == 0.1 && p.subsample == 1
               && p.colsample == 1 && p.min_child_weight == 1 && p.reg_lambda == 1
               && p.early_stopping_rounds == 0,
           "params: boosting 200 rounds, depth 6, eta 0.1, subsample 1, colsample 1, "
           "min_child_weight 1, reg_lambda 1, no early stopping");
    sg_model_params_init(&p, SG_MODEL_FOREST, SG_TASK_CLASSIFY);
    tap_ok(p.n_estimators == 100 && p.max_depth == 8 && p.eta == 1 && p.subsample == 0.632
               && p.colsample == 0 && p.reg_lambda == 0 && p.min_child_weight == 1,
           "params: forest 100 trees, depth 8, eta 1, subsample 0.632, colsample auto, "
           "reg_lambda 0");
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    tap_ok(p.kind == SG_MODEL_LOGISTIC && p.task == SG_TASK_CLASSIFY && p.seed == 42 && p.C == 1,
           "params: logistic defaults");
}

/* ---------------------------------------------------------------- errors */

static void expect_fit_error(const sg_model_params *p, const sg_matrix *X, const double *y,
                             const double *w, const sg_matrix *Xv, const double *yv, int code,
                             const char *needle, const char *what)
{
    sg_error err = { 0, "" };
    sg_model *m = sg_model_fit(p, X, y, w, Xv, yv, &err);
    tap_ok(m == NULL, "%s: refused", what);
    tap_is_int(err.code, code, what);
    tap_ok(has(&err, needle), "%s: message names '%s'", what, needle);
    sg_model_free(m);
}

static void test_fit_errors(void)
{
    double y[40], yr[40];
    sg_matrix *X = sim(40, 1, 1, y);
    sg_matrix *Xr = sim(40, 2, 0, yr);
    sg_model_params p;

    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_REGRESS);
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "classifier", "logistic regress");
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_CLASSIFY);
    expect_fit_error(&p, X, y, NULL, NULL, NULL, SG_EINVAL, "linear regression predicts a number",
                     "linear classify");
    sg_model_params_init(&p, SG_MODEL_RIDGE, SG_TASK_CLASSIFY);
    expect_fit_error(&p, X, y, NULL, NULL, NULL, SG_EINVAL, "ridge regression", "ridge classify");

    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    double y2[40];
    memcpy(y2, y, sizeof y);
    y2[2] = 2;
    expect_fit_error(&p, X, y2, NULL, NULL, NULL, SG_EDATA, "row 3: a class label must be 0 or 1, got 2",
                     "label 2");
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    expect_fit_error(&p, X, y2, NULL, NULL, NULL, SG_EDATA, "row 3", "label 2 (boosting)");
    double ones[40];
    for (int i = 0; i < 40; i++)
        ones[i] = 1;
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    expect_fit_error(&p, X, ones, NULL, NULL, NULL, SG_EDATA, "only one class (1) in the 40",
                     "one class only");
    memcpy(y2, yr, sizeof yr);
    y2[39] = NAN;
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    expect_fit_error(&p, Xr, y2, NULL, NULL, NULL, SG_EDATA, "row 40: the label is missing",
                     "NaN label");
    double keep = sg_matrix_row(Xr, 1)[2];
    sg_matrix_row(Xr, 1)[2] = NAN;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EDATA, "row 2, feature 3 is not a finite",
                     "NaN feature");
    sg_matrix_row(Xr, 1)[2] = INFINITY;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EDATA, "row 2, feature 3", "infinite feature");
    sg_matrix_row(Xr, 1)[2] = keep;
    double w[40];
    for (int i = 0; i < 40; i++)
        w[i] = 1;
    w[4] = -1;
    expect_fit_error(&p, Xr, yr, w, NULL, NULL, SG_EDATA, "row 5: the weight", "negative weight");
    sg_matrix *X0 = mat(0, P, NULL);
    expect_fit_error(&p, X0, yr, NULL, NULL, NULL, SG_EDATA, "no rows", "no rows");
    sg_matrix_free(X0);

    /* validation set with a different number of features (boosting) */
    sg_matrix *Xv = mat(5, P - 1, NULL);
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    expect_fit_error(&p, Xr, yr, NULL, Xv, yr, SG_EINVAL, "validation set has 2 features, the training set 3",
                     "validation width");
    sg_matrix_free(Xv);

    /* bad parameters */
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    p.eta = 0;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "eta", "eta 0");
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    p.n_estimators = 0;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "n_estimators", "n_estimators 0");
    sg_model_params_init(&p, SG_MODEL_FOREST, SG_TASK_REGRESS);
    p.subsample = 1.5;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "subsample", "subsample 1.5");
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    p.max_depth = 0;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "max_depth", "max_depth 0");
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    p.C = 0;
    expect_fit_error(&p, X, y, NULL, NULL, NULL, SG_EINVAL, "C must be", "C 0");
    sg_model_params_init(&p, SG_MODEL_RIDGE, SG_TASK_REGRESS);
    p.lambda = -1;
    expect_fit_error(&p, Xr, yr, NULL, NULL, NULL, SG_EINVAL, "lambda", "lambda -1");
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    p.class_weight[1] = 0;
    expect_fit_error(&p, X, y, NULL, NULL, NULL, SG_EINVAL, "class weights", "class weight 0");
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    p.kind = (sg_model_kind)9;
    expect_fit_error(&p, X, y, NULL, NULL, NULL, SG_EINVAL, "unknown kind", "unknown kind");

    sg_matrix_free(X);
    sg_matrix_free(Xr);
}

/* ---------------------------------------------------------------- linear kinds */

/* y = 3 + 2 x0 - x1 exactly.  x0 = {0,1,0,2,-1,4}: mean 1, population
 * variance 16/6; x1 = {0,0,1,3,5,-2}: mean 7/6, squared deviations
 * (49+49+1+121+529+361)/36 = 1110/36, variance 1110/216. */
static void test_linear_exact(void)
{
    double xv[] = { 0, 0, 1, 0, 0, 1, 2, 3, -1, 5, 4, -2 };
    double y[6];
    for (int i = 0; i < 6; i++)
        y[i] = 3 + 2 * xv[2 * i] - xv[2 * i + 1];
    sg_matrix *X = mat(6, 2, xv);
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    sg_error err = { 0, "" };
    sg_model *m = sg_model_fit(&p, X, y, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "linear: fit (%s)", err.msg);
    if (!m) {
        sg_matrix_free(X);
        return;
    }
    tap_is_int((long long)m->nfeat, 2, "linear: nfeat");
    tap_is_double(m->intercept, 3, 1e-10, "linear: intercept 3");
    tap_is_double(m->coef[0], 2, 1e-10, "linear: coef 2");
    tap_is_double(m->coef[1], -1, 1e-10, "linear: coef -1");
    double nv[] = { 2, 3, -1, 0.5 };
    sg_matrix *N = mat(2, 2, nv);
    double pr[2];
    tap_is_int(sg_model_predict(m, N, pr, &err), 0, "linear: predict");
    tap_is_double(pr[0], 4, 1e-10, "linear: 3 + 2*2 - 3 = 4");
    tap_is_double(pr[1], 0.5, 1e-10, "linear: 3 - 2 - 0.5 = 0.5");
    tap_is_double(pr[0], m->intercept + m->coef[0] * 2 + m->coef[1] * 3, 1e-14,
                  "linear: prediction = intercept + coef.x");
    /* contributions of (2, 3): 2*(2-1) = 2, -1*(3-7/6) = -11/6, bias
     * 3 + 2*1 - 7/6 = 23/6; they sum to 4 */
    sg_matrix *c = sg_model_contributions(m, N, &err);
    tap_ok(c && c->rows == 2 && c->cols == 3, "linear: contributions 2 x 3");
    if (c && c->cols == 3) {
        tap_is_double(sg_matrix_row(c, 0)[0], 2, 1e-10, "linear: contribution x0 = 2");
        tap_is_double(sg_matrix_row(c, 0)[1], -11.0 / 6, 1e-10, "linear: contribution x1 = -11/6");
        tap_is_double(sg_matrix_row(c, 0)[2], 23.0 / 6, 1e-10, "linear: bias 23/6");
        tap_is_double(sg_matrix_row(c, 1)[2], 23.0 / 6, 1e-10, "linear: same bias on every row");
        for (size_t i = 0; i < 2; i++) {
            const double *r = sg_matrix_row(c, i);
            tap_is_double(r[0] + r[1] + r[2], pr[i], 1e-12, "linear: contributions sum to the value");
        }
    }
    sg_matrix_free(c);
    double imp[2];
    tap_is_int(sg_model_importance(m, imp, &err), 0, "linear: importance");
    tap_is_double(imp[0], 2 * sqrt(16.0 / 6), 1e-10, "linear: importance |2| * sd(x0)");
    tap_is_double(imp[1], 1 * sqrt(1110.0 / 216), 1e-10, "linear: importance |-1| * sd(x1)");

    /* input checks at use */
    sg_matrix *W = mat(1, 3, NULL);
    tap_ok(sg_model_predict(m, W, pr, &err) == SG_EINVAL && has(&err, "the data has 3 features, the model 2"),
           "predict: wrong width refused");
    tap_ok(sg_model_contributions(m, W, &err) == NULL && err.code == SG_EINVAL,
           "contributions: wrong width refused");
    sg_matrix_row(N, 1)[1] = NAN;
    tap_ok(sg_model_predict(m, N, pr, &err) == SG_EDATA && has(&err, "row 2, feature 2"),
           "predict: NaN input refused, naming row and feature");
    tap_ok(sg_model_predict(NULL, N, pr, &err) == SG_EINVAL, "predict: no model refused");
    sg_matrix_free(W);
    sg_matrix_free(N);
    sg_model_free(m);
    sg_model_free(NULL);
    sg_matrix_free(X);
}

static double logit(double p) { return log(p / (1 - p)); }

/* Population mean and sd of column j of X. */
static void col_stats(const sg_matrix *X, size_t j, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < X->rows; i++)
        s += sg_matrix_row(X, i)[j];
    *mean = s / (double)X->rows;
    for (size_t i = 0; i < X->rows; i++) {
        double d = sg_matrix_row(X, i)[j] - *mean;
        ss += d * d;
    }
    *sd = sqrt(ss / (double)X->rows);
}

static void test_logistic(void)
{
    double y[300];
    sg_matrix *X = sim(300, 7, 1, y);
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    sg_error err = { 0, "" };
    sg_model *m = sg_model_fit(&p, X, y, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "logistic: fit (%s)", err.msg);
    if (!m) {
        sg_matrix_free(X);
        return;
    }
    tap_ok(m->coef[0] > 0.8 && m->coef[1] < -0.5, "logistic: signs of the true coefficients "
           "(%.3f, %.3f, %.3f)", m->coef[0], m->coef[1], m->coef[2]);
    double pr[300];
    tap_is_int(sg_model_predict(m, X, pr, &err), 0, "logistic: predict");
    double worst = 0, worst_c = 0, worst_b = 0;
    sg_matrix *c = sg_model_contributions(m, X, &err);
    for (size_t i = 0; i < 300; i++) {
        const double *x = sg_matrix_row(X, i);
        double z = m->intercept + m->coef[0] * x[0] + m->coef[1] * x[1] + m->coef[2] * x[2];
        worst = fmax(worst, fabs(pr[i] - 1 / (1 + exp(-z))));
        if (c) {
            const double *r = sg_matrix_row(c, i);
            worst_c = fmax(worst_c, fabs(r[0] + r[1] + r[2] + r[3] - z));
            worst_b = fmax(worst_b, fabs(logit(pr[i]) - z));
        }
    }
    tap_ok(worst < 1e-15, "logistic: prediction = sigmoid(intercept + coef.x) (%.2g)", worst);
    tap_ok(c && worst_c < 1e-12, "logistic: contributions sum to the log-odds (%.2g)", worst_c);
    tap_ok(c && worst_b < 1e-9, "logistic: logit(prediction) = log-odds (%.2g)", worst_b);
    sg_matrix_free(c);
    double imp[P];
    tap_is_int(sg_model_importance(m, imp, &err), 0, "logistic: importance");
    for (size_t j = 0; j < P; j++) {
        double mean, sd;
        col_stats(X, j, &mean, &sd);
        tap_is_double(m->xmean[j], mean, 1e-12, "logistic: xmean is the column mean");
        tap_is_double(m->xsd[j], sd, 1e-12, "logistic: xsd is the population sd");
        tap_is_double(imp[j], fabs(m->coef[j]) * sd, 1e-12, "logistic: importance |coef| * sd");
    }
    sg_model_free(m);
    sg_matrix_free(X);
}

/* ---------------------------------------------------------------- JSON */

static int params_equal(const sg_model_params *a, const sg_model_params *b)
{
    return a->kind == b->kind && a->task == b->task && a->seed == b->seed && a->threads == b->threads
           && a->l1 == b->l1 && a->C == b->C && a->class_weight[0] == b->class_weight[0]
           && a->class_weight[1] == b->class_weight[1] && a->tol == b->tol && a->lambda == b->lambda
           && a->n_estimators == b->n_estimators && a->max_depth == b->max_depth && a->eta == b->eta
           && a->subsample == b->subsample && a->colsample == b->colsample
           && a->min_child_weight == b->min_child_weight && a->reg_lambda == b->reg_lambda
           && a->early_stopping_rounds == b->early_stopping_rounds;
}

/* to_json -> from_json (unprinted), and to_json -> print -> parse ->
 * from_json: predictions and contributions bit-identical. */
static void roundtrip(const sg_model *m, const sg_matrix *X, const char *name)
{
    sg_error err = { 0, "" };
    size_t n = X->rows;
    double *p0 = sg_malloc(n * sizeof *p0), *p1 = sg_malloc(n * sizeof *p1),
           *p2 = sg_malloc(n * sizeof *p2);
    cJSON *j = sg_model_to_json(m, &err);
    tap_ok(j != NULL, "%s json: to_json (%s)", name, err.msg);
    sg_model *a = j ? sg_model_from_json(j, &err) : NULL;
    tap_ok(a != NULL, "%s json: from_json on the unprinted object (%s)", name, err.msg);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON *parsed = text ? cJSON_Parse(text) : NULL;
    sg_model *b = parsed ? sg_model_from_json(parsed, &err) : NULL;
    tap_ok(b != NULL, "%s json: from_json after print and parse (%s)", name, err.msg);
    int ok = p0 && p1 && p2 && a && b && sg_model_predict(m, X, p0, &err) == 0
             && sg_model_predict(a, X, p1, &err) == 0 && sg_model_predict(b, X, p2, &err) == 0;
    tap_ok(ok && memcmp(p0, p1, n * sizeof *p0) == 0, "%s json: predictions bit-identical (memory)",
           name);
    tap_ok(ok && memcmp(p0, p2, n * sizeof *p0) == 0, "%s json: predictions bit-identical (text)",
           name);
    sg_matrix *c0 = sg_model_contributions(m, X, &err);
    sg_matrix *c2 = b ? sg_model_contributions(b, X, &err) : NULL;
    tap_ok(c0 && c2 && memcmp(c0->data, c2->data, n * (m->nfeat + 1) * sizeof(double)) == 0,
           "%s json: contributions bit-identical", name);
    sg_matrix_free(c0);
    sg_matrix_free(c2);
    if (b) {
        tap_ok(params_equal(&b->params, &m->params),
               "%s json: parameters identical", name);
        tap_ok(b->nfeat == m->nfeat && b->rounds == m->rounds && b->best_round == m->best_round
                   && (m->best_round < 0 || b->best_score == m->best_score),
               "%s json: nfeat, rounds, best round and score identical", name);
        if (m->coef)
            tap_ok(b->intercept == m->intercept
                       && memcmp(b->coef, m->coef, m->nfeat * sizeof(double)) == 0
                       && memcmp(b->xmean, m->xmean, m->nfeat * sizeof(double)) == 0
                       && memcmp(b->xsd, m->xsd, m->nfeat * sizeof(double)) == 0,
                   "%s json: coefficients, means and sds bit-identical", name);
    }
    sg_model_free(a);
    sg_model_free(b);
    cJSON_Delete(parsed);
    cJSON_free(text);
    cJSON_Delete(j);
    sg_free(p0);
    sg_free(p1);
    sg_free(p2);
}

/* Sum of each contributions row against the raw prediction. */
static double contrib_gap(const sg_model *m, const sg_matrix *X)
{
    size_t n = X->rows;
    double *pr = sg_malloc(n * sizeof *pr);
    sg_matrix *c = sg_model_contributions(m, X, NULL);
    double worst = INFINITY;
    if (pr && c && c->cols == m->nfeat + 1 && sg_model_predict(m, X, pr, NULL) == 0) {
        worst = 0;
        for (size_t i = 0; i < n; i++) {
            const double *r = sg_matrix_row(c, i);
            double s = 0;
            for (size_t j = 0; j <= m->nfeat; j++)
                s += r[j];
            double raw = m->params.task == SG_TASK_CLASSIFY ? logit(pr[i]) : pr[i];
            worst = fmax(worst, fabs(s - raw));
        }
    }
    sg_matrix_free(c);
    sg_free(pr);
    return worst;
}

static void test_json_kinds(void)
{
    double yc[400], yr[400], yv[100];
    sg_matrix *Xc = sim(400, 11, 1, yc);
    sg_matrix *Xr = sim(400, 12, 0, yr);
    sg_matrix *Xv = sim(100, 13, 1, yv);
    sg_error err = { 0, "" };
    sg_model_params p;

    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    p.seed = UINT64_MAX - 1;          /* 64 bits survive (a JSON string) */
    p.C = 0.3;
    p.class_weight[1] = 2.5;
    p.tol = 1e-6;
    sg_model *m = sg_model_fit(&p, Xc, yc, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "logistic: weighted fit (%s)", err.msg);
    if (m)
        roundtrip(m, Xc, "logistic");
    sg_model_free(m);

    sg_model_params_init(&p, SG_MODEL_RIDGE, SG_TASK_REGRESS);
    p.lambda = 3.7;
    m = sg_model_fit(&p, Xr, yr, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "ridge: fit (%s)", err.msg);
    if (m) {
        tap_ok(contrib_gap(m, Xr) < 1e-12, "ridge: contributions sum to the prediction");
        roundtrip(m, Xr, "ridge");
    }
    sg_model_free(m);

    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    p.n_estimators = 60;
    p.max_depth = 3;
    p.eta = 0.3;
    p.threads = 1;
    p.early_stopping_rounds = 5;
    m = sg_model_fit(&p, Xc, yc, NULL, Xv, yv, &err);
    tap_ok(m != NULL, "boosting: fit with a validation set (%s)", err.msg);
    if (m) {
        tap_ok(m->best_round >= 0 && m->best_round < 60 && isfinite(m->best_score),
               "boosting: early stopping recorded best round %d (logloss %.4f)", m->best_round,
               m->best_score);
        double gap = contrib_gap(m, Xc);
        tap_ok(gap < 1e-4, "boosting: contributions sum to the log-odds (%.2g)", gap);
        roundtrip(m, Xc, "boosting");
    }
    sg_model_free(m);

    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    p.n_estimators = 30;
    p.threads = 1;
    m = sg_model_fit(&p, Xr, yr, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "boosting regress: fit (%s)", err.msg);
    if (m) {
        tap_ok(m->best_round == -1, "boosting regress: no validation, best_round -1");
        double gap = contrib_gap(m, Xr);
        tap_ok(gap < 1e-4, "boosting regress: contributions sum to the value (%.2g)", gap);
        roundtrip(m, Xr, "boosting regress");
    }
    sg_model_free(m);

    sg_model_params_init(&p, SG_MODEL_FOREST, SG_TASK_REGRESS);
    p.n_estimators = 25;
    p.threads = 1;
    m = sg_model_fit(&p, Xr, yr, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "forest: fit (%s)", err.msg);
    if (m) {
        tap_is_int(m->rounds, 1, "forest: one round of parallel trees");
        double gap = contrib_gap(m, Xr);
        tap_ok(gap < 1e-4, "forest: contributions sum to the value (%.2g)", gap);
        roundtrip(m, Xr, "forest");
    }
    sg_model_free(m);

    sg_matrix_free(Xc);
    sg_matrix_free(Xr);
    sg_matrix_free(Xv);
}

/* A printed and parsed copy of m's JSON. */
static cJSON *json_copy(const sg_model *m)
{
    cJSON *j = sg_model_to_json(m, NULL);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON *p = text ? cJSON_Parse(text) : NULL;
    cJSON_free(text);
    cJSON_Delete(j);
    return p;
}

static void expect_load_error(cJSON *j, const char *needle, const char *what)
{
    sg_error err = { 0, "" };
    sg_model *m = sg_model_from_json(j, &err);
    tap_ok(m == NULL && err.code == SG_EDATA, "%s: refused with SG_EDATA (%d)", what, err.code);
    tap_ok(has(&err, needle), "%s: message names '%s'", what, needle);
    sg_model_free(m);
}

static void test_json_errors(void)
{
    double yr[200];
    sg_matrix *X = sim(200, 21, 0, yr);
    sg_model_params p;
    sg_error err = { 0, "" };
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_REGRESS);
    p.n_estimators = 10;
    p.threads = 1;
    sg_model *bst = sg_model_fit(&p, X, yr, NULL, NULL, NULL, &err);
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    sg_model *lin = sg_model_fit(&p, X, yr, NULL, NULL, NULL, &err);
    tap_ok(bst && lin, "json errors: models fitted (%s)", err.msg);
    if (!bst || !lin) {
        sg_model_free(bst);
        sg_model_free(lin);
        sg_matrix_free(X);
        return;
    }
    cJSON *j = json_copy(bst);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "booster_ubj_base64", cJSON_CreateString("QUJD*?!@"));
    expect_load_error(j, "not valid base64", "corrupted base64");
    cJSON_Delete(j);

    /* valid base64 of bytes that are not a booster */
    j = json_copy(bst);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "booster_ubj_base64", cJSON_CreateString("aGVsbG8gd29ybGQh"));
    expect_load_error(j, "booster", "base64 of garbage");
    cJSON_Delete(j);

    /* the base64 text cut short (at a 4-character boundary) */
    j = json_copy(bst);
    cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "booster_ubj_base64");
    if (s && cJSON_IsString(s))
        s->valuestring[(strlen(s->valuestring) / 8) * 4] = '\0';
    expect_load_error(j, "booster", "truncated booster");
    cJSON_Delete(j);

    j = json_copy(bst);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "booster_ubj_base64");
    expect_load_error(j, "booster_ubj_base64", "missing booster");
    cJSON_Delete(j);

    j = json_copy(bst);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "features", cJSON_CreateNumber(4));
    expect_load_error(j, "the booster has 3 features, the model 4", "features mismatch");
    cJSON_Delete(j);

    j = json_copy(bst);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "eta", cJSON_CreateNumber(0));
    expect_load_error(j, "eta", "eta 0 in the file");
    cJSON_Delete(j);

    j = json_copy(bst);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "kind", cJSON_CreateString("svm"));
    expect_load_error(j, "kind", "unknown kind");
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "coef");
    expect_load_error(j, "\"coef\"", "missing coef");
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "intercept");
    expect_load_error(j, "intercept", "missing intercept");
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(j, "xsd"), 0);
    expect_load_error(j, "\"xsd\" must be an array of 3", "short xsd");
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "seed");
    expect_load_error(j, "seed", "missing seed");
    cJSON_Delete(j);

    static const char *const bad_seeds[] = { "-1", " 7", "12x", "18446744073709551616" };
    for (int k = 0; k < 4; k++) {
        j = json_copy(lin);
        cJSON_ReplaceItemInObjectCaseSensitive(j, "seed", cJSON_CreateString(bad_seeds[k]));
        expect_load_error(j, "\"seed\" is not a whole number", bad_seeds[k]);
        cJSON_Delete(j);
    }
    j = json_copy(lin);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "seed", cJSON_CreateString("18446744073709551615"));
    sg_model *ms = sg_model_from_json(j, &err);
    tap_ok(ms && ms->params.seed == UINT64_MAX, "seed 2^64 - 1 read exactly");
    sg_model_free(ms);
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "n_estimators");
    expect_load_error(j, "n_estimators", "missing n_estimators");
    cJSON_Delete(j);

    j = json_copy(lin);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "task", cJSON_CreateString("classify"));
    expect_load_error(j, "linear regression predicts a number", "linear with classify in the file");
    cJSON_Delete(j);

    j = cJSON_CreateArray();
    expect_load_error(j, "not a JSON object", "an array");
    cJSON_Delete(j);

    sg_model_free(bst);
    sg_model_free(lin);
    sg_matrix_free(X);
}

/* The learning libraries' own allocations are reserved against the cap
 * from the data's shape, so a fit that would pass it stops first. */
static void test_memory_cap(void)
{
    size_t n = 20000;
    double *y = malloc(n * sizeof *y);
    if (!y)
        abort();
    sg_matrix *X = sim(n, 5, 1, y);
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_BOOSTING, SG_TASK_CLASSIFY);
    p.n_estimators = 2;
    sg_error err;
    size_t used = sg_mem_used();
    sg_mem_set_limit(used + (size_t)300 * 1024);   /* the data fit, XGBoost's copy of it does not */
    sg_model *m = sg_model_fit(&p, X, y, NULL, NULL, NULL, &err);
    tap_ok(!m && err.code == SG_ENOMEM && has(&err, "XGBoost on 20000 rows x 3 features needs about"),
           "memory cap: XGBoost's own memory is reserved before training");
    tap_ok(sg_mem_limit_hit(), "memory cap: the refusal is recorded as the cap");
    sg_mem_set_limit(0);
    tap_is_int((long long)sg_mem_used(), (long long)used, "memory cap: the reservation was released");
    m = sg_model_fit(&p, X, y, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "memory cap: the same fit works without the cap");
    tap_is_int((long long)sg_mem_used() - (long long)used > 0, 1, "memory cap: the model itself is accounted");
    sg_model_free(m);
    sg_matrix_free(X);
    free(y);
}

/* ---------------------------------------------------------------- reasons */

/* y = 3 + 2 x0 - x1 (the data of test_linear_exact, through the encoder
 * without scaling): contributions coef_j (x_j - mean_j), means 1 and 7/6.
 * Row (2, 3): x0 +2, x1 -11/6.  Row (-1, 0.5): x0 -4, x1 +2/3. */
static void test_reasons(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("x0", SG_DOUBLE, "0", "1", "0", "2", "-1", "4"));
    add_col(t, MKCOL("x1", SG_DOUBLE, "0", "0", "1", "3", "5", "-2"));
    sg_table *n = sg_table_new();
    add_col(n, MKCOL("x0", SG_DOUBLE, "2", "-1"));
    add_col(n, MKCOL("x1", SG_DOUBLE, "3", "0.5"));
    static const char *const num[] = { "x0", "x1" };
    sg_encoder_spec spec = { num, 2, NULL, 0, 0, 1, 0 };
    sg_encoder *e = NULL;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, NULL, &err);
    double y[6];
    for (size_t i = 0; X && i < 6; i++)
        y[i] = 3 + 2 * sg_matrix_row(X, i)[0] - sg_matrix_row(X, i)[1];
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    sg_model *m = X ? sg_model_fit(&p, X, y, NULL, NULL, NULL, &err) : NULL;
    sg_matrix *N = m ? sg_encoder_apply(n, e, NULL, &err) : NULL;
    tap_ok(N != NULL, "reasons: fitted and encoded (%s)", err.msg);
    if (N) {
        sg_table *up = sg_model_reasons(m, e, N, 2, SG_REASON_UP, &err);
        sg_table *down = sg_model_reasons(m, e, N, 1, SG_REASON_DOWN, &err);
        sg_table *any = sg_model_reasons(m, e, N, 2, SG_REASON_ANY, &err);
        tap_ok(up && down && any, "reasons: up, down and any");
        if (up && down && any) {
            tap_is_str(join_col(up, "reason_1"), "x0|x1", "up: x0 raises row 1, x1 raises row 2");
            tap_is_str(join_col(up, "reason_2"), "NA|NA", "up: nothing else raises either row");
            tap_is_double(sg_column_f64(sg_table_col(up, "effect_1"))[0], 2, 1e-9, "up: effect 2 (x0, row 1)");
            tap_is_double(sg_column_f64(sg_table_col(up, "effect_1"))[1], 2.0 / 3, 1e-9,
                          "up: effect 2/3 (x1, row 2)");
            tap_ok(up->ncols == 4 && down->ncols == 2, "reasons: reason_k and effect_k for k = 1..top");
            tap_is_str(join_col(down, "reason_1"), "x1|x0", "down: x1 lowers row 1, x0 row 2");
            tap_is_double(sg_column_f64(sg_table_col(down, "effect_1"))[0], -11.0 / 6, 1e-9,
                          "down: effect -11/6 (x1, row 1)");
            tap_is_str(join_col(any, "reason_1"), "x0|x0", "any: by size, x0 first in both rows");
            tap_is_str(join_col(any, "reason_2"), "x1|x1", "any: then x1");
            tap_is_double(sg_column_f64(sg_table_col(any, "effect_1"))[1], -4, 1e-9, "any: effect -4 (x0, row 2)");
        } else {
            tap_skip(9, "no reasons");
        }
        sg_table_free(up);
        sg_table_free(down);
        sg_table_free(any);
        tap_ok(!sg_model_reasons(m, e, N, 21, SG_REASON_UP, &err) && err.code == SG_EINVAL,
               "reasons: top above 20 refused");
        tap_ok(!sg_model_reasons(m, e, N, 1, (sg_reason_sign)2, &err) && err.code == SG_EINVAL,
               "reasons: unknown sign refused");
    } else {
        tap_skip(12, "no model");
    }
    sg_matrix_free(N);
    sg_model_free(m);
    sg_matrix_free(X);
    sg_encoder_free(e);
    sg_table_free(n);
    sg_table_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_kinds();
    test_params();
    test_fit_errors();
    test_linear_exact();
    test_logistic();
    test_json_kinds();
    test_json_errors();
    test_memory_cap();
    test_reasons();
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
