/* PCA through GSL's SVD of the centred matrix (see cluster_metrics.h).
 *
 * Tall data (rows >= cols): gsl_linalg_SV_decomp(A) with A = X - mean,
 * A = U S V^T, the components are the columns of V.  Wide data (rows <
 * cols, where GSL's routine needs M >= N): the SVD of A^T = U' S V'^T, so
 * A = V' S U'^T and the components are the columns of U' (left in place of
 * A^T by GSL).  Same components and variances as the covariance's eigen
 * decomposition, without squaring the condition number.
 *
 * As sklearn: explained_variance = S^2 / (n - 1); the ratio divides by the
 * total variance (sum of the columns' n-1 variances; 0 ratios for constant
 * data, where sklearn gives NaN); each component's largest-|coefficient|
 * entry is made positive (the first such entry on exact ties), like
 * sklearn >= 1.5's svd_flip(u_based_decision=False).
 *
 * ncomp 0 means min(rows, cols); more than that is an error; at least 2
 * rows are needed (n - 1 denominators) and every value must be finite. */
#include "pca.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "mem.h"

void sg_pca_free(sg_pca *p)
{
    if (!p)
        return;
    sg_free(p->mean);
    sg_free(p->components);
    sg_free(p->explained_variance);
    sg_free(p->explained_variance_ratio);
    sg_free(p);
}

/* Not split: centring, the SVD through GSL (its workspace and matrices in
 * the accounted allocator) and the components read from it are one
 * sequence over the same GSL objects, freed at one exit. */
sg_pca *sg_pca_fit(const sg_matrix *x, size_t ncomp, sg_error *err)
{
    if (!x || (x->rows * x->cols > 0 && !x->data)) {
        sg_error_set(err, SG_EINVAL, "pca: NULL matrix");
        return NULL;
    }
    size_t n = x->rows, p = x->cols;
    if (p == 0) {
        sg_error_set(err, SG_EINVAL, "pca: the matrix has no columns");
        return NULL;
    }
    if (n < 2) {
        sg_error_set(err, SG_EINVAL, "pca: needs at least 2 rows, got %zu", n);
        return NULL;
    }
    size_t maxc = n < p ? n : p;
    if (ncomp == 0)
        ncomp = maxc;
    if (ncomp > maxc) {
        sg_error_set(err, SG_EINVAL,
                     "pca: %zu components requested, at most min(rows, cols) = %zu possible",
                     ncomp, maxc);
        return NULL;
    }
    for (size_t i = 0; i < n * p; i++)
        if (!isfinite(x->data[i])) {
            sg_error_set(err, SG_EDATA, "pca: non-finite value at row %zu, column %zu",
                         i / p + 1, i % p + 1);
            return NULL;
        }

    int tall = n >= p;
    size_t M = tall ? n : p, N = tall ? p : n;   /* the decomposed matrix is M x N, M >= N */
    gsl_matrix *A = NULL, *V = NULL;
    gsl_vector *S = NULL, *work = NULL;
    gsl_matrix_view Av, Vv;
    gsl_vector_view Sv, Wv;
    double *buf = NULL;      /* A, V, S and work in one accounted block */
    sg_pca *res = sg_calloc(1, sizeof *res);
    if (!res)
        goto nomem;
    res->cols = p;
    res->ncomp = ncomp;
    res->mean = sg_calloc(p, sizeof *res->mean);
    res->components = sg_calloc(ncomp * p, sizeof *res->components);
    res->explained_variance = sg_calloc(ncomp, sizeof *res->explained_variance);
    res->explained_variance_ratio = sg_calloc(ncomp, sizeof *res->explained_variance_ratio);
    if (!res->mean || !res->components || !res->explained_variance ||
        !res->explained_variance_ratio)
        goto nomem;
    /* the SVD's matrices live in memory of the accounted allocator, seen
     * by GSL through views */
    if (M > SIZE_MAX / sizeof *buf / N || (buf = sg_malloc((M * N + N * N + 2 * N) * sizeof *buf)) == NULL)
        goto nomem;
    Av = gsl_matrix_view_array(buf, M, N);
    Vv = gsl_matrix_view_array(buf + M * N, N, N);
    Sv = gsl_vector_view_array(buf + M * N + N * N, N);
    Wv = gsl_vector_view_array(buf + M * N + N * N + N, N);
    A = &Av.matrix;
    V = &Vv.matrix;
    S = &Sv.vector;
    work = &Wv.vector;

    for (size_t i = 0; i < n; i++) {
        const double *xi = sg_matrix_row(x, i);
        for (size_t c = 0; c < p; c++)
            res->mean[c] += xi[c];
    }
    for (size_t c = 0; c < p; c++)
        res->mean[c] /= (double)n;
    double total = 0;   /* sum of squares of the centred data = (n-1) * total variance */
    for (size_t i = 0; i < n; i++) {
        const double *xi = sg_matrix_row(x, i);
        for (size_t c = 0; c < p; c++) {
            double v = xi[c] - res->mean[c];
            total += v * v;
            if (tall)
                gsl_matrix_set(A, i, c, v);
            else
                gsl_matrix_set(A, c, i, v);
        }
    }

    int rc = gsl_linalg_SV_decomp(A, V, S, work);
    if (rc != GSL_SUCCESS) {
        sg_error_set(err, SG_EDATA, "pca: SVD failed: %s", gsl_strerror(rc));
        goto fail;
    }
    /* singular values come sorted in decreasing order */
    const gsl_matrix *dirs = tall ? V : A;      /* components are its columns */
    for (size_t k = 0; k < ncomp; k++) {
        double *row = res->components + k * p;
        size_t big = 0;
        for (size_t c = 0; c < p; c++) {
            row[c] = gsl_matrix_get(dirs, c, k);
            if (fabs(row[c]) > fabs(row[big]))
                big = c;
        }
        if (row[big] < 0)
            for (size_t c = 0; c < p; c++)
                row[c] = -row[c];
        double s = gsl_vector_get(S, k);
        res->explained_variance[k] = s * s / (double)(n - 1);
        res->explained_variance_ratio[k] = total > 0 ? s * s / total : 0.0;
    }
    sg_free(buf);
    return res;

nomem:
    sg_error_nomem(err);
fail:
    sg_free(buf);
    sg_pca_free(res);
    return NULL;
}

/* (x - mean) . components^T: rows x ncomp. */
sg_matrix *sg_pca_transform(const sg_pca *p, const sg_matrix *x, sg_error *err)
{
    if (!p || !x || (x->rows * x->cols > 0 && !x->data)) {
        sg_error_set(err, SG_EINVAL, "pca transform: NULL model or matrix");
        return NULL;
    }
    if (x->cols != p->cols) {
        sg_error_set(err, SG_EINVAL, "pca transform: the matrix has %zu columns, the model %zu",
                     x->cols, p->cols);
        return NULL;
    }
    sg_matrix *out = sg_matrix_new(x->rows, p->ncomp);
    if (!out) {
        sg_error_nomem(err);
        return NULL;
    }
    size_t cols = p->cols;
    for (size_t i = 0; i < x->rows; i++) {
        const double *xi = sg_matrix_row(x, i);
        double *oi = sg_matrix_row(out, i);
        for (size_t k = 0; k < p->ncomp; k++) {
            const double *comp = p->components + k * cols;
            double s = 0;
            for (size_t c = 0; c < cols; c++)
                s += (xi[c] - p->mean[c]) * comp[c];
            oi[k] = s;
        }
    }
    return out;
}
