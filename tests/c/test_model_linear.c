/* sg_linear_fit (core/model_linear.c): OLS, weighted OLS, ridge and
 * logistic regression, on hand-built sg_model structs (no model.c needed). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "mem.h"
#include "model_internal.h"
#include "tap.h"

/* A zeroed model with the documented defaults of the linear fields. */
static sg_model *mk(sg_model_kind kind, size_t nfeat)
{
    sg_model *m = sg_calloc(1, sizeof *m);
    if (!m)
        abort();
    m->params.kind = kind;
    m->params.task = kind == SG_MODEL_LOGISTIC ? SG_TASK_CLASSIFY : SG_TASK_REGRESS;
    m->params.seed = 42;
    m->params.C = 1.0;
    m->params.class_weight[0] = m->params.class_weight[1] = 1.0;
    m->params.tol = 1e-4;
    m->params.lambda = 1.0;
    m->nfeat = nfeat;
    return m;
}

static void drop(sg_model *m)
{
    if (!m)
        return;
    sg_free(m->coef);
    sg_free(m->xmean);
    sg_free(m->xsd);
    sg_free(m);
}

static sg_matrix *mat(size_t r, size_t c, const double *v)
{
    sg_matrix *x = sg_matrix_new(r, c);
    if (!x)
        abort();
    if (v)
        memcpy(x->data, v, r * c * sizeof *v);
    return x;
}

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* ---- OLS ---- */

static void test_ols_exact(void)
{
    /* y = 3 + 2 x0 - x1 exactly */
    double xv[] = { 0, 0, 1, 0, 0, 1, 2, 3, -1, 5, 4, -2 };
    double y[6];
    for (int i = 0; i < 6; i++)
        y[i] = 3 + 2 * xv[2 * i] - xv[2 * i + 1];
    sg_matrix *X = mat(6, 2, xv);
    sg_model *m = mk(SG_MODEL_LINEAR, 2);
    sg_error err = { 0 };
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_OK, "ols: fit");
    tap_is_double(m->intercept, 3.0, 1e-10, "ols: intercept 3");
    tap_is_double(m->coef[0], 2.0, 1e-10, "ols: coef x0 = 2");
    tap_is_double(m->coef[1], -1.0, 1e-10, "ols: coef x1 = -1");
    /* x0 = {0,1,0,2,-1,4}: mean 1, pop var (1+0+1+1+4+9)/6 = 16/6 */
    tap_is_double(m->xmean[0], 1.0, 1e-12, "ols: xmean x0");
    tap_is_double(m->xsd[0], sqrt(16.0 / 6.0), 1e-12, "ols: xsd x0 (population)");
    /* x1 = {0,0,1,3,5,-2}: mean 7/6 */
    tap_is_double(m->xmean[1], 7.0 / 6.0, 1e-12, "ols: xmean x1");
    drop(m);
    sg_matrix_free(X);
}

static void test_ols_weighted(void)
{
    /* x = {0,1,2}, y = {0,1,5}, w = {1,1,2}: weighted means 1.25, 2.75,
     * Sxy = 7.25, Sxx = 2.75 -> slope 29/11, intercept 2.75 - 1.25*29/11 = -6/11 */
    double xv[] = { 0, 1, 2 }, y[] = { 0, 1, 5 }, w[] = { 1, 1, 2 };
    sg_matrix *X = mat(3, 1, xv);
    sg_model *m = mk(SG_MODEL_LINEAR, 1);
    sg_error err = { 0 };
    tap_is_int(sg_linear_fit(m, X, y, w, &err), SG_OK, "wols: fit");
    tap_is_double(m->coef[0], 29.0 / 11.0, 1e-10, "wols: slope 29/11");
    tap_is_double(m->intercept, -6.0 / 11.0, 1e-10, "wols: intercept -6/11");
    tap_is_double(m->xmean[0], 1.25, 1e-12, "wols: weighted xmean");
    /* weighted pop var: (1.5625 + 0.0625 + 2*0.5625)/4 = 2.75/4 */
    tap_is_double(m->xsd[0], sqrt(2.75 / 4.0), 1e-12, "wols: weighted xsd");
    drop(m);

    /* unweighted differs: slope 2.5, intercept -1/2 */
    m = mk(SG_MODEL_LINEAR, 1);
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_OK, "ols 1d: fit");
    tap_is_double(m->coef[0], 2.5, 1e-10, "ols 1d: slope 2.5");
    tap_is_double(m->intercept, -0.5, 1e-10, "ols 1d: intercept -0.5");
    drop(m);
    sg_matrix_free(X);

    /* weight 2 on a row == the row duplicated */
    double x4[] = { 0, 1, 2, 2 }, y4[] = { 0, 1, 5, 5 };
    X = mat(4, 1, x4);
    m = mk(SG_MODEL_LINEAR, 1);
    tap_is_int(sg_linear_fit(m, X, y4, NULL, &err), SG_OK, "ols dup: fit");
    tap_is_double(m->coef[0], 29.0 / 11.0, 1e-10, "ols dup: same slope as weight 2");
    tap_is_double(m->intercept, -6.0 / 11.0, 1e-10, "ols dup: same intercept as weight 2");
    drop(m);
    sg_matrix_free(X);
}

static void test_ols_rank_deficient(void)
{
    /* x1 == x0, y = 3 + 4 x0: the minimum-norm split is 2 and 2 */
    double xv[] = { 0, 0, 1, 1, 2, 2, 5, 5, -1, -1 };
    double y[5];
    for (int i = 0; i < 5; i++)
        y[i] = 3 + 4 * xv[2 * i];
    sg_matrix *X = mat(5, 2, xv);
    sg_model *m = mk(SG_MODEL_LINEAR, 2);
    sg_error err = { 0 };
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_OK, "rank-deficient: fit");
    tap_is_double(m->intercept, 3.0, 1e-9, "rank-deficient: intercept 3");
    tap_is_double(m->coef[0], 2.0, 1e-9, "rank-deficient: coef split equally (x0)");
    tap_is_double(m->coef[1], 2.0, 1e-9, "rank-deficient: coef split equally (x1)");
    drop(m);
    sg_matrix_free(X);

    /* wide: 2 rows, 3 features (padded internally): interpolates exactly */
    double xw[] = { 1, 2, 3, -1, 0, 4 }, yw[] = { 10, -3 };
    X = mat(2, 3, xw);
    m = mk(SG_MODEL_LINEAR, 3);
    tap_is_int(sg_linear_fit(m, X, yw, NULL, &err), SG_OK, "wide: fit");
    int ok = 1;
    for (int i = 0; i < 2; i++) {
        double f = m->intercept;
        for (int j = 0; j < 3; j++)
            f += m->coef[j] * xw[3 * i + j];
        ok &= fabs(f - yw[i]) < 1e-9;
    }
    tap_ok(ok, "wide: fitted values equal y");
    drop(m);
    sg_matrix_free(X);

    /* a constant column gets coefficient 0 (absorbed by the intercept) */
    double xc[] = { 1, 7, 2, 7, 3, 7, 4, 7 }, yc[] = { 1, 3, 5, 7 };
    X = mat(4, 2, xc);
    m = mk(SG_MODEL_LINEAR, 2);
    tap_is_int(sg_linear_fit(m, X, yc, NULL, &err), SG_OK, "constant column: fit");
    tap_is_double(m->coef[0], 2.0, 1e-9, "constant column: slope 2");
    tap_is_double(m->intercept + 7 * m->coef[1], -1.0, 1e-9,
                  "constant column: intercept + 7*coef = -1");
    tap_is_double(m->xsd[1], 0.0, 0.0, "constant column: sd 0");
    drop(m);
    sg_matrix_free(X);
}

/* ---- ridge ---- */

/* Closed form: (Xc' W Xc + lambda I)^-1 Xc' W yc on weighted-centred data, 2 features. */
static void ridge_ref(const double *xv, const double *y, const double *w, int n, double lambda,
                      double *c, double *b)
{
    double sw = 0, mx[2] = { 0, 0 }, my = 0;
    for (int i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sw += wi;
        mx[0] += wi * xv[2 * i];
        mx[1] += wi * xv[2 * i + 1];
        my += wi * y[i];
    }
    mx[0] /= sw;
    mx[1] /= sw;
    my /= sw;
    double a00 = lambda, a01 = 0, a11 = lambda, r0 = 0, r1 = 0;
    for (int i = 0; i < n; i++) {
        double wi = w ? w[i] : 1, u = xv[2 * i] - mx[0], v = xv[2 * i + 1] - mx[1],
               t = y[i] - my;
        a00 += wi * u * u;
        a01 += wi * u * v;
        a11 += wi * v * v;
        r0 += wi * u * t;
        r1 += wi * v * t;
    }
    double det = a00 * a11 - a01 * a01;
    c[0] = (a11 * r0 - a01 * r1) / det;
    c[1] = (a00 * r1 - a01 * r0) / det;
    *b = my - mx[0] * c[0] - mx[1] * c[1];
}

static void test_ridge(void)
{
    double xv[] = { 1, 2, 2, 1, 3, 5, 4, 3, 6, 4 }, y[] = { 3, 4, 9, 8, 13 };
    double w[] = { 1, 2, 0.5, 3, 1 };
    sg_matrix *X = mat(5, 2, xv);
    sg_error err = { 0 };
    double c[2], b;
    char name[128];

    double lambdas[] = { 0.0, 0.5, 4.0, 100.0 };
    for (int k = 0; k < 4; k++) {
        sg_model *m = mk(SG_MODEL_RIDGE, 2);
        m->params.lambda = lambdas[k];
        tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_OK, "ridge: fit");
        ridge_ref(xv, y, NULL, 5, lambdas[k], c, &b);
        snprintf(name, sizeof name, "ridge lambda %g: coef x0 = closed form %.6f", lambdas[k], c[0]);
        tap_is_double(m->coef[0], c[0], 1e-10, name);
        snprintf(name, sizeof name, "ridge lambda %g: coef x1 = closed form %.6f", lambdas[k], c[1]);
        tap_is_double(m->coef[1], c[1], 1e-10, name);
        snprintf(name, sizeof name, "ridge lambda %g: intercept = closed form %.6f", lambdas[k], b);
        tap_is_double(m->intercept, b, 1e-10, name);
        drop(m);
    }
    /* hand numbers for lambda 4 (unweighted): means 3.2, 3, 7.4; centred
     * X'X = [[14.8, 7],[7, 10]], X'y = [29.6, 20]; with +4 on the diagonal
     * det = 18.8*14 - 49 = 214.2: c = [274.4, 168.8] / 214.2 */
    ridge_ref(xv, y, NULL, 5, 4.0, c, &b);
    tap_is_double(c[0], 274.4 / 214.2, 1e-12, "ridge ref: hand value x0");
    tap_is_double(c[1], 168.8 / 214.2, 1e-12, "ridge ref: hand value x1");
    tap_is_double(b, 7.4 - 3.2 * 274.4 / 214.2 - 3.0 * 168.8 / 214.2, 1e-12,
                  "ridge ref: hand intercept");

    /* lambda 0 equals OLS */
    sg_model *m0 = mk(SG_MODEL_RIDGE, 2), *m1 = mk(SG_MODEL_LINEAR, 2);
    m0->params.lambda = 0;
    sg_linear_fit(m0, X, y, NULL, &err);
    sg_linear_fit(m1, X, y, NULL, &err);
    tap_is_double(m0->coef[0], m1->coef[0], 1e-10, "ridge lambda 0 == ols (x0)");
    tap_is_double(m0->intercept, m1->intercept, 1e-10, "ridge lambda 0 == ols (intercept)");
    drop(m0);
    drop(m1);

    /* weighted */
    sg_model *m = mk(SG_MODEL_RIDGE, 2);
    m->params.lambda = 2.0;
    tap_is_int(sg_linear_fit(m, X, y, w, &err), SG_OK, "weighted ridge: fit");
    ridge_ref(xv, y, w, 5, 2.0, c, &b);
    tap_is_double(m->coef[0], c[0], 1e-10, "weighted ridge: coef x0");
    tap_is_double(m->coef[1], c[1], 1e-10, "weighted ridge: coef x1");
    tap_is_double(m->intercept, b, 1e-10, "weighted ridge: intercept");
    drop(m);

    /* huge lambda: coefficients ~0, intercept -> mean of y (7.4) */
    m = mk(SG_MODEL_RIDGE, 2);
    m->params.lambda = 1e12;
    sg_linear_fit(m, X, y, NULL, &err);
    tap_ok(fabs(m->coef[0]) < 1e-9 && fabs(m->coef[1]) < 1e-9, "ridge: huge lambda shrinks to 0");
    tap_is_double(m->intercept, 7.4, 1e-8, "ridge: huge lambda intercept = mean(y)");
    drop(m);

    m = mk(SG_MODEL_RIDGE, 2);
    m->params.lambda = -1;
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_EINVAL, "ridge: negative lambda refused");
    tap_ok(!m->coef && !m->xmean && !m->xsd, "ridge: error leaves the arrays NULL");
    drop(m);
    sg_matrix_free(X);
}

/* ---- logistic ---- */

/* n rows of 3 N(0,1) features, y ~ Bernoulli(sigmoid(0.5 + 1.5 x0 - x1)). */
static sg_matrix *simulate(size_t n, double **yout)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    sg_matrix *X = sg_matrix_new(n, 3);
    double *y = malloc(n * sizeof *y);
    if (!r || !X || !y)
        abort();
    for (size_t i = 0; i < n; i++) {
        double *x = sg_matrix_row(X, i);
        for (int j = 0; j < 3; j++)
            x[j] = gsl_ran_gaussian(r, 1.0);
        y[i] = gsl_rng_uniform(r) < sigmoid(0.5 + 1.5 * x[0] - x[1]) ? 1.0 : 0.0;
    }
    gsl_rng_free(r);
    *yout = y;
    return X;
}

static sg_model *fit_lr(const sg_matrix *X, const double *y, int l1, double C, double tol,
                        double cw0, double cw1)
{
    sg_model *m = mk(SG_MODEL_LOGISTIC, X->cols);
    m->params.l1 = l1;
    m->params.C = C;
    m->params.tol = tol;
    m->params.class_weight[0] = cw0;
    m->params.class_weight[1] = cw1;
    sg_error err = { 0 };
    if (sg_linear_fit(m, X, y, NULL, &err) != SG_OK)
        tap_diag("fit_lr: %s", err.msg);
    return m;
}

static void test_logistic_simulated(void)
{
    double *y;
    sg_matrix *X = simulate(20000, &y);
    /* With n = 20000 the standard errors are about 0.02-0.03: tolerance 0.08. */
    sg_model *m = fit_lr(X, y, 0, 1e4, 1e-6, 1, 1);
    tap_ok(m->coef != NULL, "logistic L2: fitted");
    tap_is_double(m->intercept, 0.5, 0.08, "logistic L2: intercept ~ 0.5");
    tap_is_double(m->coef[0], 1.5, 0.08, "logistic L2: coef x0 ~ 1.5");
    tap_is_double(m->coef[1], -1.0, 0.08, "logistic L2: coef x1 ~ -1");
    tap_is_double(m->coef[2], 0.0, 0.05, "logistic L2: noise coef ~ 0");
    tap_ok(m->xmean && fabs(m->xmean[0]) < 0.03 && fabs(m->xsd[0] - 1) < 0.03,
           "logistic: xmean/xsd of N(0,1) column");

    /* determinism: identical coefficients on a second fit */
    sg_model *m2 = fit_lr(X, y, 0, 1e4, 1e-6, 1, 1);
    tap_ok(memcmp(m->coef, m2->coef, 3 * sizeof(double)) == 0 && m->intercept == m2->intercept,
           "logistic L2: two fits identical");
    drop(m2);

    /* the row order of the classes does not flip the sign: move the first
     * row of the other class to the front */
    size_t k = 1;
    while (y[k] == y[0])
        k++;
    sg_matrix *Xs = sg_matrix_copy(X);
    double *ys = malloc(20000 * sizeof *ys);
    if (!Xs || !ys)
        abort();
    memcpy(ys, y, 20000 * sizeof *ys);
    memcpy(sg_matrix_row(Xs, 0), sg_matrix_row(X, k), 3 * sizeof(double));
    memcpy(sg_matrix_row(Xs, k), sg_matrix_row(X, 0), 3 * sizeof(double));
    ys[0] = y[k];
    ys[k] = y[0];
    tap_ok(ys[0] != y[0], "the swapped data starts with the other class (%g)", ys[0]);
    m2 = fit_lr(Xs, ys, 0, 1e4, 1e-6, 1, 1);
    tap_is_double(m2->coef[0], m->coef[0], 1e-4, "logistic: other class first, same coef x0");
    tap_is_double(m2->intercept, m->intercept, 1e-4, "logistic: other class first, same intercept");
    drop(m2);
    sg_matrix_free(Xs);
    free(ys);

    /* class weights: more weight on class 1 raises the intercept, on class 0 lowers it */
    sg_model *w1 = fit_lr(X, y, 0, 1e4, 1e-6, 1, 5), *w0 = fit_lr(X, y, 0, 1e4, 1e-6, 5, 1);
    tap_ok(w1->intercept > m->intercept + 0.5, "class_weight[1]=5 raises the intercept (%g > %g)",
           w1->intercept, m->intercept);
    tap_ok(w0->intercept < m->intercept - 0.5, "class_weight[0]=5 lowers the intercept (%g < %g)",
           w0->intercept, m->intercept);
    /* with a correctly specified model, weighting a class shifts the intercept by
     * about log(5) and leaves the slopes nearly unchanged */
    tap_is_double(w1->intercept - m->intercept, log(5.0), 0.25, "class_weight[1]=5: shift ~ log 5");
    drop(w1);
    drop(w0);
    drop(m);

    /* L1 with a small C: the noise coefficient is exactly 0 */
    m = fit_lr(X, y, 1, 0.005, 1e-4, 1, 1);
    tap_ok(m->coef != NULL, "logistic L1: fitted");
    tap_is_double(m->coef[2], 0.0, 0.0, "logistic L1 small C: noise coef exactly 0");
    tap_ok(m->coef[0] > 1.0 && m->coef[1] < -0.5, "logistic L1: signal kept with signs (%g, %g)",
           m->coef[0], m->coef[1]);
    /* determinism of the L1 solver (which draws from rand()), even after
     * someone else used rand() */
    for (int i = 0; i < 17; i++)
        (void)rand();
    m2 = fit_lr(X, y, 1, 0.005, 1e-4, 1, 1);
    tap_ok(memcmp(m->coef, m2->coef, 3 * sizeof(double)) == 0 && m->intercept == m2->intercept,
           "logistic L1: two fits identical");
    drop(m2);
    drop(m);

    /* L1 with a large C is close to the unpenalised fit */
    m = fit_lr(X, y, 1, 1e4, 1e-6, 1, 1);
    tap_is_double(m->coef[0], 1.5, 0.08, "logistic L1 large C: coef x0 ~ 1.5");
    tap_is_double(m->coef[1], -1.0, 0.08, "logistic L1 large C: coef x1 ~ -1");
    drop(m);

    sg_matrix_free(X);
    free(y);
}

/* Newton's method on 0.5 (|w|^2 + b^2) + C sum_i cw_i log(1 + exp(-s_i (w.x_i + b))),
 * the objective liblinear's L2R_LR minimises with bias 1; 2 features. */
static void newton_ref(const double *xv, const double *y, int n, double C, double cw0, double cw1,
                       double beta[3])
{
    beta[0] = beta[1] = beta[2] = 0;
    for (int it = 0; it < 100; it++) {
        double g[3] = { beta[0], beta[1], beta[2] };
        double H[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        for (int i = 0; i < n; i++) {
            double xt[3] = { xv[2 * i], xv[2 * i + 1], 1.0 };
            double s = y[i] == 1 ? 1 : -1, cw = C * (y[i] == 1 ? cw1 : cw0);
            double z = beta[0] * xt[0] + beta[1] * xt[1] + beta[2];
            double sg = sigmoid(s * z);
            for (int a = 0; a < 3; a++) {
                g[a] += cw * (sg - 1) * s * xt[a];
                for (int b = 0; b < 3; b++)
                    H[a][b] += cw * sg * (1 - sg) * xt[a] * xt[b];
            }
        }
        /* solve H d = g (Gaussian elimination, H is SPD) */
        for (int a = 0; a < 3; a++)
            for (int r = a + 1; r < 3; r++) {
                double f = H[r][a] / H[a][a];
                for (int b = a; b < 3; b++)
                    H[r][b] -= f * H[a][b];
                g[r] -= f * g[a];
            }
        double d[3];
        for (int a = 2; a >= 0; a--) {
            double s = g[a];
            for (int b = a + 1; b < 3; b++)
                s -= H[a][b] * d[b];
            d[a] = s / H[a][a];
        }
        for (int a = 0; a < 3; a++)
            beta[a] -= d[a];
    }
}

static void test_logistic_reference(void)
{
    /* 40 rows from a fixed generator, 2 features */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double xv[80], y[40];
    for (int i = 0; i < 40; i++) {
        xv[2 * i] = gsl_ran_gaussian(r, 1.0);
        xv[2 * i + 1] = gsl_ran_gaussian(r, 2.0) + 1.0;
        y[i] = gsl_rng_uniform(r) < sigmoid(-0.3 + xv[2 * i] + 0.5 * xv[2 * i + 1]) ? 1 : 0;
    }
    gsl_rng_free(r);
    sg_matrix *X = mat(40, 2, xv);
    struct {
        double C, cw0, cw1;
    } cases[] = { { 1, 1, 1 }, { 0.1, 1, 1 }, { 10, 1, 1 }, { 1, 2, 0.5 } };
    char name[128];
    for (int k = 0; k < 4; k++) {
        double beta[3];
        newton_ref(xv, y, 40, cases[k].C, cases[k].cw0, cases[k].cw1, beta);
        sg_model *m = fit_lr(X, y, 0, cases[k].C, 1e-10, cases[k].cw0, cases[k].cw1);
        snprintf(name, sizeof name, "liblinear == Newton (C %g, cw %g/%g): coef x0 %.6f",
                 cases[k].C, cases[k].cw0, cases[k].cw1, beta[0]);
        tap_is_double(m->coef[0], beta[0], 1e-6, name);
        snprintf(name, sizeof name, "liblinear == Newton (C %g, cw %g/%g): coef x1 %.6f",
                 cases[k].C, cases[k].cw0, cases[k].cw1, beta[1]);
        tap_is_double(m->coef[1], beta[1], 1e-6, name);
        snprintf(name, sizeof name, "liblinear == Newton (C %g, cw %g/%g): intercept %.6f",
                 cases[k].C, cases[k].cw0, cases[k].cw1, beta[2]);
        tap_is_double(m->intercept, beta[2], 1e-6, name);
        drop(m);
    }
    sg_matrix_free(X);
}

static void test_logistic_separable(void)
{
    double xv[] = { -3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3 };
    double y[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 };
    sg_matrix *X = mat(10, 1, xv);
    double Cs[] = { 1, 1e6 };
    for (int k = 0; k < 2; k++) {
        sg_model *m = fit_lr(X, y, 0, Cs[k], 1e-6, 1, 1);
        tap_ok(m->coef && isfinite(m->coef[0]) && isfinite(m->intercept) && m->coef[0] > 0,
               "separable C=%g: finite positive slope (%g)", Cs[k], m->coef ? m->coef[0] : NAN);
        int ok = 1;
        for (int i = 0; i < 10; i++)
            ok &= (m->intercept + m->coef[0] * xv[i] > 0) == (y[i] == 1);
        tap_ok(ok, "separable C=%g: every row predicted correctly", Cs[k]);
        if (k == 1)
            tap_ok(m->coef[0] > 10, "separable C=1e6: large slope (%g)", m->coef[0]);
        drop(m);
    }
    sg_matrix_free(X);
}

static void test_errors(void)
{
    double xv[] = { 0, 1, 2, 3 }, y[] = { 0, 1, 0, 1 }, w[] = { 1, 1, 1, 1 };
    sg_matrix *X = mat(4, 1, xv);
    sg_error err = { 0 };
    sg_model *m = mk(SG_MODEL_LOGISTIC, 1);
    tap_is_int(sg_linear_fit(m, X, y, w, &err), SG_EINVAL, "logistic refuses row weights");
    tap_ok(strstr(err.msg, "class weights") != NULL, "message names class weights: %s", err.msg);
    tap_ok(!m->coef && !m->xmean && !m->xsd, "logistic error: arrays left NULL");
    drop(m);

    double yb[] = { 0, 1, 2, 1 };
    m = mk(SG_MODEL_LOGISTIC, 1);
    tap_is_int(sg_linear_fit(m, X, yb, NULL, &err), SG_EDATA, "logistic: label 2 refused");
    drop(m);

    double y1[] = { 1, 1, 1, 1 };
    m = mk(SG_MODEL_LOGISTIC, 1);
    tap_is_int(sg_linear_fit(m, X, y1, NULL, &err), SG_EDATA, "logistic: single class refused");
    drop(m);

    m = mk(SG_MODEL_LOGISTIC, 1);
    m->params.C = 0;
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_EINVAL, "logistic: C 0 refused");
    drop(m);

    double wn[] = { 1, -1, 1, 1 };
    m = mk(SG_MODEL_LINEAR, 1);
    tap_is_int(sg_linear_fit(m, X, y, wn, &err), SG_EDATA, "linear: negative weight refused");
    drop(m);

    m = mk(SG_MODEL_LINEAR, 2);
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_EINVAL, "nfeat/cols mismatch refused");
    drop(m);

    m = mk(SG_MODEL_BOOSTING, 1);
    tap_is_int(sg_linear_fit(m, X, y, NULL, &err), SG_EINVAL, "non-linear kind refused");
    drop(m);
    sg_matrix_free(X);
}

/* Through model.c's public interface: fit, predict, contributions. */
static void test_public_interface(void)
{
    double xv[] = { 0, 0, 1, 0, 0, 1, 2, 3, -1, 5, 4, -2 };
    double y[6];
    for (int i = 0; i < 6; i++)
        y[i] = 3 + 2 * xv[2 * i] - xv[2 * i + 1];
    sg_matrix *X = mat(6, 2, xv);
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    sg_error err = { 0 };
    sg_model *m = sg_model_fit(&p, X, y, NULL, NULL, NULL, &err);
    tap_ok(m != NULL, "sg_model_fit linear: %s", m ? "ok" : err.msg);
    if (m) {
        double pred[6];
        int ok = sg_model_predict(m, X, pred, &err) == SG_OK;
        for (int i = 0; i < 6; i++)
            ok &= fabs(pred[i] - y[i]) < 1e-9;
        tap_ok(ok, "sg_model_predict linear: predictions equal y");
        sg_matrix *c = sg_model_contributions(m, X, &err);
        ok = c != NULL;
        for (int i = 0; ok && i < 6; i++) {
            const double *r = sg_matrix_row(c, i);
            ok &= fabs(r[0] + r[1] + r[2] - y[i]) < 1e-9;
        }
        tap_ok(ok, "contributions + bias sum to the prediction");
        sg_matrix_free(c);
    }
    sg_model_free(m);

    double w[] = { 1, 1, 1, 1, 1, 1 };
    sg_model_params_init(&p, SG_MODEL_LOGISTIC, SG_TASK_CLASSIFY);
    double yc[] = { 0, 1, 0, 1, 0, 1 };
    m = sg_model_fit(&p, X, yc, w, NULL, NULL, &err);
    tap_ok(m == NULL && err.code == SG_EINVAL, "sg_model_fit logistic with row weights refused");
    sg_matrix_free(X);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_ols_exact();
    test_ols_weighted();
    test_ols_rank_deficient();
    test_ridge();
    test_logistic_simulated();
    test_logistic_reference();
    test_logistic_separable();
    test_errors();
    test_public_interface();
    tap_ok(sg_mem_used() == 0, "no sg_* memory left allocated (%zu bytes)", sg_mem_used());
    return tap_done();
}
