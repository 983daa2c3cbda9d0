/* PCA (core/pca.c).  Expected values from scikit-learn 1.2.1's
 * PCA().fit(...) (components_, explained_variance_, explained_variance_ratio_,
 * transform), with the components' signs set by our rule (largest
 * |coefficient| positive; sklearn 1.2 flips by U instead). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "pca.h"
#include "mem.h"
#include "tap.h"

static sg_matrix *mk(size_t rows, size_t cols, const double *v)
{
    sg_matrix *m = sg_matrix_new(rows, cols);
    if (m && v)
        memcpy(m->data, v, rows * cols * sizeof *v);
    return m;
}

static void is_vec(const double *got, const double *want, size_t n, double tol, const char *name)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > worst || isnan(got[i]))
            worst = isnan(got[i]) ? INFINITY : fabs(got[i] - want[i]);
    if (!tap_ok(worst <= tol, "%s", name))
        tap_diag("largest difference %g (tolerance %g)", worst, tol);
}

/* column variances (n-1) of a matrix */
static void col_var(const sg_matrix *m, double *var)
{
    for (size_t c = 0; c < m->cols; c++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < m->rows; i++)
            mean += sg_matrix_row(m, i)[c];
        mean /= (double)m->rows;
        for (size_t i = 0; i < m->rows; i++) {
            double d = sg_matrix_row(m, i)[c] - mean;
            ss += d * d;
        }
        var[c] = ss / (double)(m->rows - 1);
    }
}

/* Points t * (0.6, 0.8) + e * (-0.8, 0.6), t = -10..10, e = +-0.01 (+ on
 * even i): e is uncorrelated with t, so the first component is exactly
 * (0.6, 0.8); its variance is var(t) = 2 * 385 / 20 = 38.5. */
static void test_line(void)
{
    sg_error err;
    double v[21 * 2];
    for (int i = 0; i <= 20; i++) {
        double t = i - 10, e = i % 2 == 0 ? 0.01 : -0.01;
        v[2 * i] = 0.6 * t - 0.8 * e;
        v[2 * i + 1] = 0.8 * t + 0.6 * e;
    }
    sg_matrix *x = mk(21, 2, v);
    sg_pca *p = sg_pca_fit(x, 0, &err);
    if (!tap_ok(p != NULL, "fit a line with noise")) {
        tap_diag("%s", err.msg);
        sg_matrix_free(x);
        return;
    }
    tap_is_int((long long)p->ncomp, 2, "ncomp 0 -> min(rows, cols)");
    tap_is_double(p->components[0], 0.6, 1e-6, "first component x = 0.6");
    tap_is_double(p->components[1], 0.8, 1e-6, "first component y = 0.8");
    tap_is_double(p->components[2], 0.8, 1e-6, "second component (0.8, -0.6) (sign rule): x");
    tap_is_double(p->components[3], -0.6, 1e-6, "second component y");
    tap_is_double(p->explained_variance[0], 38.5, 1e-9, "variance along the line 38.5");
    tap_is_double(p->explained_variance[1], 1.047619047619051e-04, 1e-12, "noise variance (sklearn)");
    tap_is_double(p->explained_variance_ratio[0], 0.99999727891896883, 1e-12, "ratio near 1 (sklearn)");
    tap_is_double(p->explained_variance_ratio[0] + p->explained_variance_ratio[1], 1, 1e-12,
                  "ratios sum to 1 with all components");
    sg_pca_free(p);
    sg_matrix_free(x);
}

/* Rank 2 in 3-D: column 3 = column 1 + 2 * column 2, so the third
 * component is (1, 2, -1)/sqrt(6) (sign rule: +0.816 entry positive) with
 * variance ~0. */
static void test_rank2(void)
{
    sg_error err;
    double v[] = { 1, 2, 0, 2, -1, 0, 0, 1, 0, 3, 3, 0, -1, 0, 0, 4, 1, 0 };
    for (int i = 0; i < 6; i++)
        v[3 * i + 2] = v[3 * i] + 2 * v[3 * i + 1];
    sg_matrix *x = mk(6, 3, v);
    sg_pca *p = sg_pca_fit(x, 3, &err);
    if (!tap_ok(p != NULL, "fit rank-2 data")) {
        sg_matrix_free(x);
        return;
    }
    double comp[] = { 0.33017307330841783, 0.2848679098222091, 0.8999088929528367,
                      0.8510693714353771, -0.5021788598565844, -0.15328834827779186,
                      1 / sqrt(6), 2 / sqrt(6), -1 / sqrt(6) };
    is_vec(p->components, comp, 9, 1e-10, "components (sklearn, our signs)");
    double ev[] = { 18.090619500389202, 2.1093804996108099, 0 };
    is_vec(p->explained_variance, ev, 3, 1e-10, "explained variance (sklearn), third ~0");
    tap_ok(fabs(p->explained_variance[2]) < 1e-20, "third variance %g ~ 0", p->explained_variance[2]);
    double evr[] = { 0.89557522279154411, 0.10442477720845586, 0 };
    is_vec(p->explained_variance_ratio, evr, 3, 1e-12, "explained variance ratio (sklearn)");

    /* transform: sklearn's projections of the first two rows */
    sg_matrix *t = sg_pca_transform(p, x, &err);
    double t0[] = { 1.4696447125972552, -1.1576460679909606, 0, -3.5543304083251375,
                    1.9664016244031288, 0 };
    is_vec(t->data, t0, 6, 1e-10, "transformed rows 1-2 (sklearn)");
    sg_matrix_free(t);
    sg_pca_free(p);
    sg_matrix_free(x);
}

static void test_general(void)
{
    sg_error err;
    double v[] = { 2.5, 2.4, 1.0, 0.5, 0.7, -1.2, 2.2, 2.9, 0.3, 1.9, 2.2, 0.8, 3.1, 3.0, -0.4,
                   2.3, 2.7, 1.5, 2.0, 1.6, -0.9, 1.0, 1.1, 0.2, 1.5, 1.6, 2.0, 1.1, 0.9, -0.1 };
    sg_matrix *x = mk(10, 3, v);
    sg_pca *p = sg_pca_fit(x, 2, &err);
    if (!tap_ok(p != NULL, "fit 2 of 3 components")) {
        sg_matrix_free(x);
        return;
    }
    tap_is_int((long long)p->ncomp, 2, "ncomp 2");
    double mean[] = { 1.81, 1.91, 0.32 };
    is_vec(p->mean, mean, 3, 1e-12, "mean");
    double comp[] = { 0.5285890022015387, 0.6115779909191315, 0.5886985882222762,
                      -0.45239240387599944, -0.38386060985456016, 0.8049795929819465 };
    is_vec(p->components, comp, 6, 1e-10, "components (sklearn, our signs)");
    for (size_t k = 0; k < 2; k++) {
        double norm = 0;
        for (size_t c = 0; c < 3; c++)
            norm += p->components[k * 3 + c] * p->components[k * 3 + c];
        tap_is_double(norm, 1, 1e-12, "unit length");
    }
    double ev[] = { 1.5498838332806102, 0.7852636652623497 };
    is_vec(p->explained_variance, ev, 2, 1e-10, "explained variance (sklearn)");
    double evr[] = { 0.6513941580052993, 0.330035163321245 };
    is_vec(p->explained_variance_ratio, evr, 2, 1e-12, "ratio over the total variance (sklearn)");

    sg_matrix *t = sg_pca_transform(p, x, &err);
    double t0[] = { 1.064714667060584, 0.04714366572454964, -2.327282815994024, -0.1664635943309818 };
    is_vec(t->data, t0, 4, 1e-10, "transform rows 1-2 (sklearn)");
    double var[2];
    col_var(t, var);
    is_vec(var, p->explained_variance, 2, 1e-12, "variances of the scores = explained variance");
    sg_matrix *mrow = mk(1, 3, mean), *tm = sg_pca_transform(p, mrow, &err);
    double zero[] = { 0, 0 };
    is_vec(tm->data, zero, 2, 1e-15, "the mean projects to 0");
    sg_matrix_free(t);
    sg_matrix_free(tm);
    sg_matrix_free(mrow);

    /* errors */
    sg_matrix *w = sg_matrix_new(2, 2);
    tap_ok(sg_pca_transform(p, w, &err) == NULL && err.code == SG_EINVAL, "transform: wrong column count");
    tap_ok(strstr(err.msg, "2 columns") != NULL, "message: %s", err.msg);
    tap_ok(sg_pca_fit(x, 4, &err) == NULL && err.code == SG_EINVAL, "4 components of 3 columns: EINVAL");
    sg_matrix *one = mk(1, 3, mean);
    tap_ok(sg_pca_fit(one, 0, &err) == NULL && err.code == SG_EINVAL, "one row: EINVAL");
    x->data[4] = NAN;
    tap_ok(sg_pca_fit(x, 2, &err) == NULL && err.code == SG_EDATA, "NaN: EDATA");
    tap_ok(strstr(err.msg, "row 2, column 2") != NULL, "message: %s", err.msg);
    sg_pca_free(NULL);
    sg_matrix_free(w);
    sg_matrix_free(one);
    sg_pca_free(p);
    sg_matrix_free(x);
}

/* wide data (3 rows, 5 columns): the SVD of the transposed matrix */
static void test_wide(void)
{
    sg_error err;
    double v[] = { 1, 0, 2, 5, -1, 3, 1, 0, 2, 2, 0, 4, 1, 1, 0 };
    sg_matrix *x = mk(3, 5, v);
    sg_pca *p = sg_pca_fit(x, 2, &err);
    if (!tap_ok(p != NULL, "fit wide data")) {
        sg_matrix_free(x);
        return;
    }
    double comp[] = { 0.10225127132347715, -0.6420051239402859, 0.20580684405520044,
                      0.6937829103061477, -0.23169573723813128, 0.636899181914761,
                      -0.3566692900689004, -0.3368463459030802, -0.13020347384001965,
                      0.5802827278575403 };
    is_vec(p->components, comp, 10, 1e-10, "wide components (sklearn)");
    double ev[] = { 8.8081429669660221, 5.5251903663673145 };
    is_vec(p->explained_variance, ev, 2, 1e-10, "wide explained variance (sklearn)");
    double evr[] = { 0.61452160234646658, 0.38547839765353353 };
    is_vec(p->explained_variance_ratio, evr, 2, 1e-12, "wide ratio (sklearn)");
    sg_matrix *t = sg_pca_transform(p, x, &err);
    double tw[] = { 3.1694860672130374, -1.032215665863266, -0.4560661448235317,
                    2.690064704796196, -2.713419922389505, -1.6578490389329295 };
    is_vec(t->data, tw, 6, 1e-10, "wide transform (sklearn)");
    sg_matrix_free(t);
    sg_pca_free(p);
    sg_matrix_free(x);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_line();
    test_rank2();
    test_general();
    test_wide();
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
