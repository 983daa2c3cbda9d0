/* Linear back ends of model.h: logistic regression (liblinear), ordinary
 * least squares and ridge regression (GSL).  sg_linear_fit fills m->coef,
 * m->intercept, m->xmean and m->xsd; model.c checks the inputs first and
 * computes predictions, contributions and importances from these fields.
 *
 * xmean / xsd are the training column means and population sds, weighted
 * by the row weights when w is given (the weighted rows are the training
 * distribution; without weights they are the plain means and sds).
 *
 * Logistic (liblinear 2.3, solver L2R_LR or L1R_LR):
 *   minimise  R(w, b) + C * sum_i cw_{y_i} * log(1 + exp(-s_i (w.x_i + b)))
 *   with s_i = +1 for class 1, -1 for class 0, R = 0.5 (|w|^2 + b^2) (L2)
 *   or |w|_1 + |b| (L1), cw = params.class_weight.  liblinear fits the
 *   intercept as the weight of an extra constant feature (bias = 1), so the
 *   intercept IS regularised like the coefficients (liblinear 2.3 has no
 *   option to exempt it).  With a large C the effect is negligible; with a
 *   small C the intercept is shrunk towards 0 (log-odds 0 at x = 0).
 *   liblinear 2.3 has no instance weights: row weights are refused.
 *   liblinear orders the classes as they first appear in the data; the
 *   coefficients are read for class 1 explicitly (get_labels and
 *   get_decfun_coef/bias), so coef > 0 always raises P(class 1).
 *   Determinism: the L1 solver (and liblinear's dual solvers) draw from the
 *   C library's rand(); the fit seeds it with srand(params.seed) first, so
 *   the same input gives identical coefficients.  This resets the process's
 *   rand() state (nothing in the core uses rand() otherwise).  The L2R_LR
 *   solver (trust-region Newton) draws nothing.
 *
 * Linear (GSL): minimise sum_i w_i (y_i - b - x_i.c)^2 through
 *   gsl_multifit_[w]linear_tsvd on the design [1 X].  Rank deficiency (two
 *   identical columns, a constant column, fewer rows than parameters): GSL's
 *   SVD drops singular values below tol * s_max (tol = max(n, p+1) * DBL_EPSILON
 *   as in LAPACK's least-squares drivers; GSL first balances the columns by
 *   powers of two), giving the minimum-norm solution in the balanced
 *   coordinates: identical columns share their effect equally.  The
 *   effective rank is not reported.  GSL's SVD needs rows >= columns, so a wide
 *   problem is padded with zero rows (which change no least-squares term).
 *
 * Ridge (GSL): minimise sum_i w_i (y_i - b - x_i.c)^2 + lambda * |c|^2 (the
 *   intercept is not penalised; lambda = params.lambda multiplies the squared
 *   norm, as sklearn's Ridge alpha).  X and y are centred with the (weighted)
 *   means, rows scaled by sqrt(w_i), then gsl_multifit_linear_solve, which
 *   minimises |y - X c|^2 + L^2 |c|^2 (its lambda is squared), is given
 *   L = sqrt(lambda); intercept = ymean - xmean.c.
 *
 * GSL's and liblinear's own working memory is not allocated through
 * sg_malloc (the large arrays we build ourselves are). */
#include "model_internal.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>
#include <linear.h>

#include "mem.h"

static void liblinear_quiet(const char *s)
{
    (void)s;
}

/* Means and population sds of the columns, weighted when w != NULL (two
 * passes for accuracy).  sw: the weights' sum (n without weights). */
static void column_moments(const sg_matrix *X, const double *w, double sw, double *mean,
                           double *sd)
{
    size_t n = X->rows, p = X->cols;
    for (size_t j = 0; j < p; j++)
        mean[j] = sd[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *x = sg_matrix_row(X, i);
        double wi = w ? w[i] : 1.0;
        for (size_t j = 0; j < p; j++)
            mean[j] += wi * x[j];
    }
    for (size_t j = 0; j < p; j++)
        mean[j] /= sw;
    for (size_t i = 0; i < n; i++) {
        const double *x = sg_matrix_row(X, i);
        double wi = w ? w[i] : 1.0;
        for (size_t j = 0; j < p; j++) {
            double d = x[j] - mean[j];
            sd[j] += wi * d * d;
        }
    }
    for (size_t j = 0; j < p; j++)
        sd[j] = sqrt(sd[j] / sw);
}

/* ---- logistic regression (liblinear) ---- */

/* The parameters and labels liblinear is given: 0 or an error code. */
static int check_logistic(const sg_model_params *pa, const sg_matrix *X, const double *y, sg_error *err)
{
    size_t n = X->rows, p = X->cols;
    if (n > (size_t)INT_MAX || p >= (size_t)INT_MAX)
        return sg_error_set(err, SG_EINVAL,
                            "logistic: %zu rows x %zu columns is too large for liblinear", n, p);
    if (!(pa->C > 0) || !isfinite(pa->C))
        return sg_error_set(err, SG_EINVAL, "logistic: C must be a positive number, got %g",
                            pa->C);
    if (!(pa->tol > 0) || !isfinite(pa->tol))
        return sg_error_set(err, SG_EINVAL, "logistic: tol must be a positive number, got %g",
                            pa->tol);
    for (int k = 0; k < 2; k++)
        if (!(pa->class_weight[k] > 0) || !isfinite(pa->class_weight[k]))
            return sg_error_set(err, SG_EINVAL,
                                "logistic: class_weight of class %d must be a positive number, got %g",
                                k, pa->class_weight[k]);
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0.0 && y[i] != 1.0)
            return sg_error_set(err, SG_EDATA, "logistic: label %g at row %zu is not 0 or 1",
                                y[i], i + 1);
        npos += y[i] == 1.0;
    }
    if (npos == 0 || npos == n)
        return sg_error_set(err, SG_EDATA, "logistic: the labels hold a single class (%d)",
                            npos ? 1 : 0);
    return 0;
}

static int fit_logistic(sg_model *m, const sg_matrix *X, const double *y, sg_error *err)
{
    const sg_model_params *pa = &m->params;
    size_t n = X->rows, p = X->cols;
    int rc = check_logistic(pa, X, y, err);
    if (rc)
        return rc;

    /* Sparse rows: the nonzero values (index 1..p), the bias node (index
     * p+1, value 1), the terminator (index -1). */
    size_t nnz = 0;
    for (size_t i = 0; i < n * p; i++)
        nnz += X->data[i] != 0.0;
    struct feature_node *nodes = sg_malloc((nnz + 2 * n) * sizeof *nodes);
    struct feature_node **rows = sg_malloc(n * sizeof *rows);
    double *ly = sg_malloc(n * sizeof *ly);
    if (!nodes || !rows || !ly) {
        sg_free(nodes);
        sg_free(rows);
        sg_free(ly);
        return sg_error_nomem(err);
    }
    struct feature_node *nd = nodes;
    for (size_t i = 0; i < n; i++) {
        const double *x = sg_matrix_row(X, i);
        rows[i] = nd;
        for (size_t j = 0; j < p; j++)
            if (x[j] != 0.0) {
                nd->index = (int)j + 1;
                nd->value = x[j];
                nd++;
            }
        nd->index = (int)p + 1;
        nd->value = 1.0;
        nd++;
        nd->index = -1;
        nd->value = 0.0;
        nd++;
        ly[i] = y[i] == 1.0 ? 1.0 : -1.0;
    }
    struct problem prob = { .l = (int)n, .n = (int)p + 1, .y = ly, .x = rows, .bias = 1.0 };
    int wlabel[2] = { -1, 1 };
    double wval[2] = { pa->class_weight[0], pa->class_weight[1] };
    struct parameter par = { .solver_type = pa->l1 ? L1R_LR : L2R_LR,
                             .eps = pa->tol,
                             .C = pa->C,
                             .nr_weight = 2,
                             .weight_label = wlabel,
                             .weight = wval,
                             .p = 0.1,
                             .init_sol = NULL };
    rc = SG_OK;
    const char *msg = check_parameter(&prob, &par);
    if (msg) {
        rc = sg_error_set(err, SG_EINVAL, "logistic: liblinear rejected the parameters: %s", msg);
        goto done;
    }
    set_print_string_function(liblinear_quiet);   /* idempotent: silence its progress output */
    srand((unsigned)(pa->seed ^ (pa->seed >> 32)));
    struct model *lm = train(&prob, &par);
    if (!lm) {
        rc = sg_error_set(err, SG_EINVAL, "logistic: liblinear's training failed");
        goto done;
    }
    int labels[2] = { 0, 0 }, pos = -1;
    if (get_nr_class(lm) == 2) {
        get_labels(lm, labels);
        pos = labels[0] == 1 ? 0 : labels[1] == 1 ? 1 : -1;
    }
    if (pos < 0 || get_nr_feature(lm) != (int)p) {
        free_and_destroy_model(&lm);
        rc = sg_error_set(err, SG_EINVAL, "logistic: liblinear returned an unexpected model");
        goto done;
    }
    m->coef = sg_malloc((p ? p : 1) * sizeof *m->coef);
    if (!m->coef) {
        free_and_destroy_model(&lm);
        rc = sg_error_nomem(err);
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        m->coef[j] = get_decfun_coef(lm, (int)j + 1, pos);
    m->intercept = get_decfun_bias(lm, pos);
    free_and_destroy_model(&lm);
done:
    sg_free(nodes);
    sg_free(rows);
    sg_free(ly);
    return rc;
}

/* ---- least squares and ridge (GSL) ---- */

/* GSL allocates its least-squares workspace itself: A (n x p), Q and QSI
 * (p x p), t (n), S, xt and D (p).  Its size is reserved against the
 * memory cap while it lives. */
static gsl_multifit_linear_workspace *multifit_alloc(size_t n, size_t p, size_t *held)
{
    *held = 8 * (n * p + 2 * p * p + n + 3 * p);
    if (!sg_mem_account((ptrdiff_t)*held)) {
        *held = 0;
        return NULL;
    }
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, p);
    if (!ws) {
        sg_mem_account(-(ptrdiff_t)*held);
        *held = 0;
    }
    return ws;
}

static void multifit_free(gsl_multifit_linear_workspace *ws, size_t held)
{
    if (ws)
        gsl_multifit_linear_free(ws);
    sg_mem_account(-(ptrdiff_t)held);
}

static int gsl_fail(sg_error *err, const char *what, int status)
{
    return sg_error_set(err, SG_EINVAL, "%s: GSL failed: %s", what, gsl_strerror(status));
}

/* OLS on the design [1 X] (padded with zero rows to at least p+1 rows). */
static int fit_ols(sg_model *m, const sg_matrix *X, const double *y, const double *w,
                   sg_error *err)
{
    size_t n = X->rows, p = X->cols, q = p + 1, nr = n > q ? n : q;
    double *a = sg_calloc(nr * q, sizeof *a);
    double *yb = sg_calloc(nr, sizeof *yb);
    double *wb = w ? sg_calloc(nr, sizeof *wb) : NULL;
    double *cb = sg_malloc(q * sizeof *cb);
    double *covb = sg_malloc(q * q * sizeof *covb);
    gsl_multifit_linear_workspace *ws = NULL;
    size_t held = 0;
    int rc = SG_OK;
    if (!a || !yb || (w && !wb) || !cb || !covb) {
        rc = sg_error_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const double *x = sg_matrix_row(X, i);
        a[i * q] = 1.0;
        memcpy(a + i * q + 1, x, p * sizeof *x);
        yb[i] = y[i];
        if (w)
            wb[i] = w[i];
    }
    ws = multifit_alloc(nr, q, &held);
    if (!ws) {
        rc = sg_error_nomem(err);
        goto done;
    }
    gsl_matrix_view A = gsl_matrix_view_array(a, nr, q);
    gsl_vector_view Y = gsl_vector_view_array(yb, nr);
    gsl_vector_view c = gsl_vector_view_array(cb, q);
    gsl_matrix_view cov = gsl_matrix_view_array(covb, q, q);
    double chisq = 0.0, tol = (double)nr * DBL_EPSILON;
    size_t rank = 0;
    int st;
    if (w) {
        gsl_vector_view W = gsl_vector_view_array(wb, nr);
        st = gsl_multifit_wlinear_tsvd(&A.matrix, &W.vector, &Y.vector, tol, &c.vector,
                                       &cov.matrix, &chisq, &rank, ws);
    } else {
        st = gsl_multifit_linear_tsvd(&A.matrix, &Y.vector, tol, &c.vector, &cov.matrix, &chisq,
                                      &rank, ws);
    }
    if (st) {
        rc = gsl_fail(err, "linear", st);
        goto done;
    }
    for (size_t k = 0; k < q; k++)
        if (!isfinite(cb[k])) {
            rc = sg_error_set(err, SG_EDATA, "linear: the least-squares solution is not finite");
            goto done;
        }
    m->coef = sg_malloc((p ? p : 1) * sizeof *m->coef);
    if (!m->coef) {
        rc = sg_error_nomem(err);
        goto done;
    }
    m->intercept = cb[0];
    memcpy(m->coef, cb + 1, p * sizeof *cb);
done:
    multifit_free(ws, held);
    sg_free(a);
    sg_free(yb);
    sg_free(wb);
    sg_free(cb);
    sg_free(covb);
    return rc;
}

/* Ridge on sqrt(w)-scaled, centred data; m->xmean already filled. */
static int fit_ridge(sg_model *m, const sg_matrix *X, const double *y, const double *w,
                     double sw, sg_error *err)
{
    double lambda = m->params.lambda;
    if (!(lambda >= 0) || !isfinite(lambda))
        return sg_error_set(err, SG_EINVAL, "ridge: lambda must be >= 0, got %g", lambda);
    size_t n = X->rows, p = X->cols;
    double ymean = 0.0;
    for (size_t i = 0; i < n; i++)
        ymean += (w ? w[i] : 1.0) * y[i];
    ymean /= sw;
    m->coef = sg_calloc(p ? p : 1, sizeof *m->coef);
    if (!m->coef)
        return sg_error_nomem(err);
    if (p == 0) {
        m->intercept = ymean;
        return SG_OK;
    }
    size_t nr = n > p ? n : p;
    double *a = sg_calloc(nr * p, sizeof *a);
    double *yb = sg_calloc(nr, sizeof *yb);
    gsl_multifit_linear_workspace *ws = NULL;
    size_t held = 0;
    int rc = SG_OK;
    if (!a || !yb) {
        rc = sg_error_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const double *x = sg_matrix_row(X, i);
        double s = w ? sqrt(w[i]) : 1.0;
        for (size_t j = 0; j < p; j++)
            a[i * p + j] = s * (x[j] - m->xmean[j]);
        yb[i] = s * (y[i] - ymean);
    }
    ws = multifit_alloc(nr, p, &held);
    if (!ws) {
        rc = sg_error_nomem(err);
        goto done;
    }
    gsl_matrix_view A = gsl_matrix_view_array(a, nr, p);
    gsl_vector_view Y = gsl_vector_view_array(yb, nr);
    gsl_vector_view c = gsl_vector_view_array(m->coef, p);
    double rnorm = 0.0, snorm = 0.0;
    int st = gsl_multifit_linear_svd(&A.matrix, ws);
    if (!st)
        st = gsl_multifit_linear_solve(sqrt(lambda), &A.matrix, &Y.vector, &c.vector, &rnorm,
                                       &snorm, ws);
    if (st) {
        rc = gsl_fail(err, "ridge", st);
        goto done;
    }
    double icpt = ymean;
    for (size_t j = 0; j < p; j++) {
        if (!isfinite(m->coef[j])) {
            rc = sg_error_set(err, SG_EDATA, "ridge: the solution is not finite");
            goto done;
        }
        icpt -= m->xmean[j] * m->coef[j];
    }
    m->intercept = icpt;
done:
    multifit_free(ws, held);
    sg_free(a);
    sg_free(yb);
    if (rc) {
        sg_free(m->coef);
        m->coef = NULL;
    }
    return rc;
}

int sg_linear_fit(sg_model *m, const sg_matrix *X, const double *y, const double *w, sg_error *err)
{
    if (!m || !X || !y || (X->rows * X->cols > 0 && !X->data))
        return sg_error_set(err, SG_EINVAL, "linear model: NULL argument");
    sg_model_kind kind = m->params.kind;
    if (kind != SG_MODEL_LOGISTIC && kind != SG_MODEL_LINEAR && kind != SG_MODEL_RIDGE)
        return sg_error_set(err, SG_EINVAL, "linear model: kind %d is not a linear kind",
                            (int)kind);
    if (m->nfeat != X->cols)
        return sg_error_set(err, SG_EINVAL, "linear model: the model has %zu features, X %zu columns",
                            m->nfeat, X->cols);
    if (X->rows == 0)
        return sg_error_set(err, SG_EDATA, "linear model: no rows");
    if (kind == SG_MODEL_LOGISTIC && w)
        return sg_error_set(err, SG_EINVAL,
                            "logistic: liblinear takes class weights (class_weight), not row weights");
    size_t n = X->rows, p = X->cols;
    double sw = (double)n;
    if (w) {
        sw = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!(w[i] >= 0) || !isfinite(w[i]))
                return sg_error_set(err, SG_EDATA,
                                    "linear model: weight %g at row %zu is not a finite number >= 0",
                                    w[i], i + 1);
            sw += w[i];
        }
        if (!(sw > 0))
            return sg_error_set(err, SG_EDATA, "linear model: the weights sum to 0");
    }
    m->xmean = sg_malloc((p ? p : 1) * sizeof *m->xmean);
    m->xsd = sg_malloc((p ? p : 1) * sizeof *m->xsd);
    if (!m->xmean || !m->xsd) {
        sg_free(m->xmean);
        sg_free(m->xsd);
        m->xmean = m->xsd = NULL;
        return sg_error_nomem(err);
    }
    column_moments(X, w, sw, m->xmean, m->xsd);
    int rc;
    if (kind == SG_MODEL_LOGISTIC)
        rc = fit_logistic(m, X, y, err);
    else if (kind == SG_MODEL_LINEAR)
        rc = fit_ols(m, X, y, w, err);
    else
        rc = fit_ridge(m, X, y, w, sw, err);
    if (rc) {
        /* the fits leave coef NULL on error */
        sg_free(m->xmean);
        sg_free(m->xsd);
        m->xmean = m->xsd = NULL;
        m->intercept = 0.0;
    }
    return rc;
}
