/* Cluster quality figures, ARI and the choice of k (core/cluster_metrics.c).
 * Hand-worked fixtures; the figures marked "sklearn" were checked with
 * scikit-learn 1.2.1 (silhouette_score, calinski_harabasz_score,
 * davies_bouldin_score, adjusted_rand_score). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cluster_metrics.h"
#include "mem.h"
#include "tap.h"

static sg_matrix *mk(size_t rows, size_t cols, const double *v)
{
    sg_matrix *m = sg_matrix_new(rows, cols);
    if (m && v)
        memcpy(m->data, v, rows * cols * sizeof *v);
    return m;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Points {0, 1, 10, 11}, clusters {0, 1} and {10, 11}: every a = 1;
 * b(0) = (10 + 11) / 2 = 10.5, b(1) = (9 + 10) / 2 = 9.5, b(10) = 9.5,
 * b(11) = 10.5; s = (b - a) / b -> mean (9.5/10.5 + 8.5/9.5) / 2
 * = 0.899749373433584 (sklearn agrees).  Adding a singleton {20}: it scores
 * 0, b(11) becomes min(10.5, 9) = 9 -> s(11) = 8/9; mean over 5 points
 * 0.716624895572264 (sklearn agrees). */
static void test_silhouette_hand(void)
{
    sg_error err;
    double v[] = { 0, 1, 10, 11, 20 };
    int32_t l[] = { 0, 0, 1, 1, 2 };
    sg_matrix *x4 = mk(4, 1, v), *x5 = mk(5, 1, v);
    double want4 = (9.5 / 10.5 + 8.5 / 9.5) / 2;
    tap_is_double(sg_silhouette(x4, l, 2, 0, 1, 1, &err), want4, 1e-15, "silhouette {0,1 | 10,11}");
    tap_is_int(err.code, SG_OK, "no error");
    tap_is_double(want4, 0.899749373433584, 1e-15, "hand value = sklearn");
    double want5 = (9.5 / 10.5 + 8.5 / 9.5 + 8.5 / 9.5 + 8.0 / 9.0 + 0) / 5;
    tap_is_double(sg_silhouette(x5, l, 3, 0, 1, 2, &err), want5, 1e-15,
                  "silhouette with a singleton cluster (scores 0)");
    tap_is_double(want5, 0.716624895572264, 1e-15, "hand value = sklearn");

    /* 2-D, 3 clusters; sklearn 0.7598248479176443 */
    double y[] = { 0, 0, 2, 0, 10, 0, 10, 4, 0, 10, 1, 10, 2, 10 };
    int32_t ly[] = { 0, 0, 1, 1, 2, 2, 2 };
    sg_matrix *x7 = mk(7, 2, y);
    tap_is_double(sg_silhouette(x7, ly, 3, 0, 1, 0, &err), 0.7598248479176443, 1e-14,
                  "2-D silhouette (sklearn)");

    /* undefined cases: NaN without an error; a bad label: NaN and EINVAL */
    tap_ok(isnan(sg_silhouette(x4, l, 1, 0, 1, 1, &err)) && err.code == SG_OK, "k = 1 -> NaN");
    tap_ok(isnan(sg_silhouette(x4, l, 4, 0, 1, 1, &err)) && err.code == SG_OK, "k = rows -> NaN");
    int32_t bad[] = { 0, 1, 2, 0 };
    tap_ok(isnan(sg_silhouette(x4, bad, 2, 0, 1, 1, &err)), "label out of range -> NaN");
    tap_is_int(err.code, SG_EINVAL, "... with EINVAL");
    tap_ok(strstr(err.msg, "row 3") != NULL, "message names the row: %s", err.msg);
    /* all points of a cluster coincide with all others: a = b = 0 -> 0 */
    double z[] = { 5, 5, 5, 5 };
    sg_matrix *xz = mk(4, 1, z);
    tap_is_double(sg_silhouette(xz, l, 2, 0, 1, 1, &err), 0, 0, "coinciding points score 0");
    sg_matrix_free(x4);
    sg_matrix_free(x5);
    sg_matrix_free(x7);
    sg_matrix_free(xz);
}

/* Independent reference: per point, per-cluster mean distances. */
static double ref_point(const sg_matrix *x, const int32_t *l, int k, size_t i)
{
    double sum[8] = { 0 };
    size_t cnt[8] = { 0 };
    for (size_t j = 0; j < x->rows; j++) {
        cnt[l[j]]++;
        if (j == i)
            continue;
        double d = 0;
        for (size_t c = 0; c < x->cols; c++) {
            double t = sg_matrix_row(x, i)[c] - sg_matrix_row(x, j)[c];
            d += t * t;
        }
        sum[l[j]] += sqrt(d);
    }
    if (cnt[l[i]] == 1)
        return 0;
    double a = sum[l[i]] / (double)(cnt[l[i]] - 1), b = INFINITY;
    for (int c = 0; c < k; c++)
        if (c != l[i] && cnt[c] && sum[c] / (double)cnt[c] < b)
            b = sum[c] / (double)cnt[c];
    return (b - a) / (a > b ? a : b);
}

static void test_silhouette_sampling_threads(void)
{
    enum { N = 300, K = 3 };
    sg_error err;
    sg_matrix *x = sg_matrix_new(N, 2);
    int32_t l[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 123);
    for (size_t i = 0; i < N; i++) {
        l[i] = (int32_t)(i % K);
        sg_matrix_row(x, i)[0] = 3.0 * l[i] + gsl_ran_gaussian(r, 1.0);
        sg_matrix_row(x, i)[1] = (l[i] == 1 ? 2.0 : 0.0) + gsl_ran_gaussian(r, 1.0);
    }
    double exact = sg_silhouette(x, l, K, 0, 1, 1, &err);
    double ref = 0;
    for (size_t i = 0; i < N; i++)
        ref += ref_point(x, l, K, i);
    ref /= N;
    tap_is_double(exact, ref, 1e-12, "exact silhouette = brute-force reference");
    tap_ok(same_bits(sg_silhouette(x, l, K, N, 9, 1, &err), exact),
           "max_exact = rows: the exact value, bit for bit");
    tap_ok(same_bits(sg_silhouette(x, l, K, 5000, 9, 1, &err), exact), "max_exact > rows: exact");
    tap_ok(same_bits(sg_silhouette(x, l, K, 0, 1, 2, &err), exact), "threads 1 vs 2: bit-identical");
    tap_ok(same_bits(sg_silhouette(x, l, K, 0, 1, 3, &err), exact), "threads 1 vs 3: bit-identical");
    tap_ok(same_bits(sg_silhouette(x, l, K, 0, 1, 0, &err), exact), "threads 0 (auto): bit-identical");

    /* sampled: 100 of 300 rows, the rows gsl_ran_choose draws with mt19937(seed) */
    double s7 = sg_silhouette(x, l, K, 100, 7, 1, &err);
    size_t src[N], pick[100];
    for (size_t i = 0; i < N; i++)
        src[i] = i;
    gsl_rng_set(r, 7);
    gsl_ran_choose(r, pick, 100, src, N, sizeof(size_t));
    double want = 0;
    for (size_t i = 0; i < 100; i++)
        want += ref_point(x, l, K, pick[i]);
    want /= 100;
    tap_is_double(s7, want, 1e-12, "sampled = mean over gsl_ran_choose's rows, scored against all");
    tap_ok(same_bits(sg_silhouette(x, l, K, 100, 7, 2, &err), s7), "sampled, threads 1 vs 2: bit-identical");
    tap_ok(same_bits(sg_silhouette(x, l, K, 100, 7, 1, &err), s7), "sampled: same seed, same value");
    tap_ok(!same_bits(sg_silhouette(x, l, K, 100, 8, 1, &err), s7), "sampled: another seed, another sample");
    tap_ok(fabs(s7 - exact) < 0.05, "sampled %.4f near exact %.4f", s7, exact);

    /* rows > 10 x max_exact: 20 points drawn among a reference sample of 200
     * rows (gsl_ran_choose's draws, in that order, from mt19937(seed)), each
     * scored against the reference rows only */
    double s20 = sg_silhouette(x, l, K, 20, 11, 1, &err);
    size_t rrows[200], rpick[20];
    gsl_rng_set(r, 11);
    gsl_ran_choose(r, rrows, 200, src, N, sizeof(size_t));
    gsl_ran_choose(r, rpick, 20, src, 200, sizeof(size_t));
    sg_matrix *xr = sg_matrix_new(200, 2);
    int32_t lr[200];
    for (size_t i = 0; i < 200; i++) {
        memcpy(sg_matrix_row(xr, i), sg_matrix_row(x, rrows[i]), 2 * sizeof(double));
        lr[i] = l[rrows[i]];
    }
    double wantr = 0, against_all = 0;
    for (size_t i = 0; i < 20; i++) {
        wantr += ref_point(xr, lr, K, rpick[i]);
        against_all += ref_point(x, l, K, rrows[rpick[i]]);
    }
    wantr /= 20;
    against_all /= 20;
    tap_is_double(s20, wantr, 1e-12, "rows > 10 x sample: scored against the reference sample");
    tap_ok(!same_bits(s20, against_all), "... not against all rows (%.6f vs %.6f)", s20, against_all);
    tap_ok(same_bits(sg_silhouette(x, l, K, 20, 11, 2, &err), s20), "reference sample, threads 1 vs 2: bit-identical");
    tap_ok(fabs(s20 - exact) < 0.1, "reference-sampled %.4f near exact %.4f", s20, exact);
    sg_matrix_free(xr);
    gsl_rng_free(r);
    sg_matrix_free(x);
}

/* {0, 1 | 10, 11}: centroids 0.5, 10.5, mean 5.5.  CH: between = 2*25 + 2*25
 * = 100, within = 4 * 0.25 = 1 -> 100 * (4-2) / (1 * (2-1)) = 200.  DB: s =
 * 0.5 in both, centroid distance 10 -> (0.5 + 0.5) / 10 = 0.1.  (sklearn
 * agrees.) */
static void test_ch_db(void)
{
    double v[] = { 0, 1, 10, 11 };
    int32_t l[] = { 0, 0, 1, 1 };
    sg_matrix *x = mk(4, 1, v);
    tap_is_double(sg_calinski_harabasz(x, l, 2), 200, 1e-12, "CH 1-D = 200");
    tap_is_double(sg_davies_bouldin(x, l, 2), 0.1, 1e-15, "DB 1-D = 0.1");

    /* 2-D: c0 = (1,0) s0 = 1; c1 = (10,2) s1 = 2; c2 = (1,10) s2 = 2/3;
     * mean (25/7, 34/7).  within = 2 + 8 + 2 = 12; between = 1810/7, so
     * CH = (1810/7) * (7-3) / (12 * 2) = 43.0952...  DB: R0 = R1 = 3/sqrt(85)
     * (pair 0-1), R2 = (8/3)/sqrt(145) (pair 1-2).  (sklearn: 43.095238095238095,
     * 0.2907486621330917.) */
    double y[] = { 0, 0, 2, 0, 10, 0, 10, 4, 0, 10, 1, 10, 2, 10 };
    int32_t ly[] = { 0, 0, 1, 1, 2, 2, 2 };
    sg_matrix *x7 = mk(7, 2, y);
    tap_is_double(sg_calinski_harabasz(x7, ly, 3), 1810.0 / 7 * 4 / 24, 1e-12, "CH 2-D, by hand");
    tap_is_double(sg_calinski_harabasz(x7, ly, 3), 43.095238095238095, 1e-12, "CH 2-D (sklearn)");
    double db = (2 * 3 / sqrt(85) + (8.0 / 3) / sqrt(145)) / 3;
    tap_is_double(sg_davies_bouldin(x7, ly, 3), db, 1e-15, "DB 2-D, by hand");
    tap_is_double(sg_davies_bouldin(x7, ly, 3), 0.2907486621330917, 1e-15, "DB 2-D (sklearn)");
    /* an empty cluster number is ignored (sklearn counts present labels) */
    int32_t ly5[] = { 0, 0, 1, 1, 4, 4, 4 };
    tap_is_double(sg_calinski_harabasz(x7, ly5, 5), 43.095238095238095, 1e-12, "CH: empty clusters ignored");
    tap_is_double(sg_davies_bouldin(x7, ly5, 5), db, 1e-15, "DB: empty clusters ignored");

    /* degenerate cases */
    double w[] = { 0, 0, 1, 1 };
    sg_matrix *xw = mk(4, 1, w);
    tap_is_double(sg_calinski_harabasz(xw, l, 2), 1.0, 0, "CH with zero within dispersion = 1 (sklearn)");
    tap_is_double(sg_davies_bouldin(xw, l, 2), 0.0, 0, "DB with zero spread = 0 (sklearn)");
    int32_t one[] = { 0, 0, 0, 0 }, bad[] = { 0, 0, 1, 2 };
    tap_ok(isnan(sg_calinski_harabasz(x, one, 1)), "CH of one cluster: NaN");
    tap_ok(isnan(sg_davies_bouldin(x, one, 2)), "DB of one non-empty cluster: NaN");
    tap_ok(isnan(sg_calinski_harabasz(x, bad, 2)), "CH with a label out of range: NaN");
    tap_ok(isnan(sg_davies_bouldin(NULL, l, 2)), "DB of NULL: NaN");
    sg_matrix_free(x);
    sg_matrix_free(x7);
    sg_matrix_free(xw);
}

/* a = {0,0,0,1,1,1}, b = {0,0,1,1,2,2}: cells 2,1,1,2 -> sum C(n_ij,2) = 2;
 * rows 3,3 -> 6; columns 2,2,2 -> 3; C(6,2) = 15; expected 6*3/15 = 1.2;
 * max (6+3)/2 = 4.5 -> ARI = (2 - 1.2) / (4.5 - 1.2) = 8/33 (sklearn agrees). */
static void test_ari(void)
{
    int32_t a[] = { 0, 0, 0, 1, 1, 1 }, b[] = { 0, 0, 1, 1, 2, 2 };
    tap_is_double(sg_adjusted_rand(a, b, 6), 8.0 / 33, 1e-15, "ARI hand case = 8/33");
    tap_is_double(sg_adjusted_rand(b, a, 6), 8.0 / 33, 1e-15, "ARI is symmetric");
    tap_is_double(sg_adjusted_rand(a, a, 6), 1, 0, "identical labelings: 1");
    int32_t p[] = { 0, 0, 1, 1, 2 }, q[] = { 7, 7, -3, -3, 0 };
    tap_is_double(sg_adjusted_rand(p, q, 5), 1, 0, "relabelled (any values): 1");
    /* sklearn: adjusted_rand_score([5,5,-1,-1,7,7,7],[0,1,0,1,0,1,1]) = -4/17 */
    int32_t c[] = { 5, 5, -1, -1, 7, 7, 7 }, d[] = { 0, 1, 0, 1, 0, 1, 1 };
    tap_is_double(sg_adjusted_rand(c, d, 7), -4.0 / 17, 1e-15, "negative ARI (sklearn -0.23529...)");
    int32_t same[] = { 1, 1, 1, 1 }, dist[] = { 0, 1, 2, 3 };
    tap_is_double(sg_adjusted_rand(same, dist, 4), 0, 0, "one cluster vs all singletons: 0");
    tap_is_double(sg_adjusted_rand(a, b, 1), 1, 0, "n = 1: 1");
    tap_ok(isnan(sg_adjusted_rand(NULL, b, 3)), "NULL: NaN");
}

static void test_elbow_choose(void)
{
    /* normalised (x = (k-1)/7, y = (I-80)/920) gaps below the chord y = 1-x:
     * k=2: 0.857-0.239 = 0.618, k=3: 0.714-0.043 = 0.671, k=4: 0.571-0.022
     * = 0.550 -> the knee is k = 3 (index 2) */
    int ks[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    double in[] = { 1000, 300, 120, 100, 90, 85, 82, 80 };
    tap_is_int((long long)sg_elbow_knee(ks, in, 8), 2, "knee at k = 3");
    int ks2[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    double in2[] = { 500, 480, 460, 150, 140, 135, 130, 128, 126 };
    tap_is_int((long long)sg_elbow_knee(ks2, in2, 9), 3, "knee at k = 5 (after the drop)");
    double line[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
    tap_is_int((long long)sg_elbow_knee(ks, line, 8), 0, "straight line: no knee -> 0");
    double flat[] = { 3, 3, 3, 3, 3, 3, 3, 3 };
    tap_is_int((long long)sg_elbow_knee(ks, flat, 8), 0, "flat: 0");
    tap_is_int((long long)sg_elbow_knee(ks, in, 2), 0, "n = 2: 0");
    /* a point above the chord is never the knee */
    double bump[] = { 100, 99, 10, 5 };
    tap_is_int((long long)sg_elbow_knee(ks, bump, 4), 2, "point above the chord skipped");

    /* choose_k: knee index 2 -> candidates 1, 2, 3 */
    double sil[] = { NAN, 0.5, 0.6, 0.7, 0.4, 0.3, 0.9, 0.2 };
    tap_is_int((long long)sg_choose_k(ks, in, sil, 8), 3, "best silhouette next to the knee (k = 4)");
    double sil2[] = { NAN, 0.8, 0.6, 0.7, 0.4, 0.3, 0.9, 0.2 };
    tap_is_int((long long)sg_choose_k(ks, in, sil2, 8), 1, "k = 2 beats the knee; k = 7 (0.9) is too far");
    double sil3[] = { NAN, 0.6, 0.6, 0.6, 0, 0, 0, 0 };
    tap_is_int((long long)sg_choose_k(ks, in, sil3, 8), 1, "ties: the smaller k");
    double sil4[] = { NAN, NAN, NAN, NAN, 0, 0, 0, 0 };
    tap_is_int((long long)sg_choose_k(ks, in, sil4, 8), 2, "no silhouette: the knee");
    tap_is_int((long long)sg_choose_k(ks, in, NULL, 8), 2, "NULL silhouettes: the knee");
    double sil5[] = { 0.3, 0.5 };
    tap_is_int((long long)sg_choose_k(ks, in, sil5, 2), 1, "n = 2: the better silhouette");
    tap_is_int((long long)sg_choose_k(ks, in, sil5, 1), 0, "n = 1: 0");
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_silhouette_hand();
    test_silhouette_sampling_threads();
    test_ch_db();
    test_ari();
    test_elbow_choose();
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
