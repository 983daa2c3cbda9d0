/* k-means: hand-checked fits, Hamerly == Lloyd, monotone inertia, thread
 * determinism, edge values of k, predict, model files. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cluster_metrics.h"
#include "kmeans.h"
#include "mem.h"
#include "nomem_testutil.h"
#include "matrix.h"
#include "tap.h"

static sg_matrix *mat(size_t rows, size_t cols, const double *v)
{
    sg_matrix *m = sg_matrix_new(rows, cols);
    if (m && v)
        memcpy(m->data, v, rows * cols * sizeof *v);
    return m;
}

/* Gaussian blobs: blob b has sizes[b] points around centres[b] (sd). */
static sg_matrix *blobs(int nb, const size_t *sizes, const double *centres, size_t d, double sd,
                        unsigned long seed, int32_t *truth)
{
    size_t n = 0;
    for (int b = 0; b < nb; b++)
        n += sizes[b];
    sg_matrix *m = sg_matrix_new(n, d);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    size_t i = 0;
    for (int b = 0; b < nb; b++)
        for (size_t p = 0; p < sizes[b]; p++, i++) {
            for (size_t t = 0; t < d; t++)
                m->data[i * d + t] = centres[(size_t)b * d + t] + gsl_ran_gaussian(r, sd);
            if (truth)
                truth[i] = b;
        }
    gsl_rng_free(r);
    return m;
}

static sg_matrix *uniform(size_t n, size_t d, unsigned long seed)
{
    sg_matrix *m = sg_matrix_new(n, d);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n * d; i++)
        m->data[i] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    return m;
}

static int same_labels(const int32_t *a, const int32_t *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* Points {0, 1, 10, 11}: centroids 0.5 and 10.5, inertia 4 * 0.25. */
static void test_hand(void)
{
    double v[] = { 10, 0, 11, 1 };
    sg_matrix *x = mat(4, 1, v);
    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    o.k = 2;
    int32_t lab[4];
    sg_error err;
    sg_kmeans *m = sg_kmeans_fit(x, &o, lab, &err);
    tap_ok(m != NULL, "fit 4 points, k = 2");
    tap_is_double(m->centroids[0], 0.5, 0, "equal sizes: lower centroid first (0.5)");
    tap_is_double(m->centroids[1], 10.5, 0, "then 10.5");
    tap_is_double(m->inertia, 1.0, 0, "inertia 4 * 0.25 = 1");
    tap_ok(lab[0] == 1 && lab[1] == 0 && lab[2] == 1 && lab[3] == 0, "labels 1 0 1 0");
    tap_ok(m->sizes[0] == 2 && m->sizes[1] == 2, "sizes 2 2");
    tap_ok(m->converged, "converged");

    /* predict: a tie goes to the lowest cluster number */
    double pv[] = { 5.5, -1, 12 };
    sg_matrix *p = mat(3, 1, pv);
    int32_t pl[3];
    double pd[3];
    tap_is_int(sg_kmeans_predict(m, p, pl, pd, &err), 0, "predict");
    tap_ok(pl[0] == 0 && pl[1] == 0 && pl[2] == 1, "predict labels 0 (tie) 0 1");
    tap_is_double(pd[0], 25, 0, "dist2 of the tie point 25");
    tap_is_double(pd[1], 2.25, 0, "dist2 1.5^2");
    tap_is_double(pd[2], 2.25, 0, "dist2 1.5^2 again");
    sg_matrix *bad = mat(1, 2, pv);
    tap_is_int(sg_kmeans_predict(m, bad, pl, NULL, &err), SG_EINVAL, "predict: wrong column count");
    tap_is_str(err.msg, "k-means predict: the matrix has 2 columns but the model has 1",
               "column count message");
    sg_matrix_free(bad);
    sg_matrix_free(p);
    sg_kmeans_free(m);
    sg_matrix_free(x);
}

/* Three separated blobs of 30, 20 and 10 points: canonical numbering
 * (decreasing size) makes the labels equal the blob index. */
static void test_blobs(void)
{
    size_t sizes[] = { 30, 20, 10 };
    double centres[] = { 0, 0, 10, 10, -10, 10 };
    int32_t truth[60], lab[60];
    sg_matrix *x = blobs(3, sizes, centres, 2, 0.5, 7, truth);
    sg_kmeans_algo algos[] = { SG_KMEANS_HAMERLY, SG_KMEANS_LLOYD, SG_KMEANS_MINIBATCH };
    const char *names[] = { "hamerly", "lloyd", "minibatch" };
    for (int a = 0; a < 3; a++) {
        sg_kmeans_options o;
        sg_kmeans_options_init(&o);
        o.k = 3;
        o.algo = algos[a];
        o.batch_size = 16;
        sg_error err;
        sg_kmeans *m = sg_kmeans_fit(x, &o, lab, &err);
        tap_ok(m && same_labels(lab, truth, 60), "%s: blobs recovered exactly", names[a]);
        if (!m)
            continue;
        tap_ok(m->sizes[0] == 30 && m->sizes[1] == 20 && m->sizes[2] == 10, "%s: sizes 30 20 10",
               names[a]);
        /* centroids are the blob means */
        double mean[6] = { 0 }, in = 0;
        for (size_t i = 0; i < 60; i++)
            for (int t = 0; t < 2; t++)
                mean[truth[i] * 2 + t] += x->data[i * 2 + t] / (double)sizes[truth[i]];
        for (size_t i = 0; i < 60; i++)
            for (int t = 0; t < 2; t++) {
                double e = x->data[i * 2 + t] - mean[truth[i] * 2 + t];
                in += e * e;
            }
        if (a < 2) {
            int ok = 1;
            for (int v = 0; v < 6; v++)
                ok = ok && fabs(m->centroids[v] - mean[v]) < 1e-12;
            tap_ok(ok, "%s: centroids are the blob means", names[a]);
            tap_is_double(m->inertia, in, 1e-9, "inertia = sum of squares within blobs");
        } else {
            tap_ok(m->inertia >= in - 1e-9 && m->inertia < in * 1.5,
                   "minibatch: inertia %g close to the optimum %g", m->inertia, in);
        }
        sg_kmeans_free(m);
    }
    sg_matrix_free(x);
}

/* Runs one fit and returns the model (labels into lab). */
static sg_kmeans *fit1(const sg_matrix *x, int k, sg_kmeans_algo algo, const double *init,
                       int threads, int max_iter, double tol, int32_t *lab)
{
    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    o.k = k;
    o.algo = algo;
    o.init = init;
    o.threads = threads;
    o.max_iter = max_iter;
    o.tol = tol;
    sg_error err;
    sg_kmeans *m = sg_kmeans_fit(x, &o, lab, &err);
    if (!m)
        tap_diag("fit failed: %s", err.msg);
    return m;
}

static int same_model(const sg_kmeans *a, const sg_kmeans *b)
{
    return a && b && a->k == b->k &&
           memcmp(a->centroids, b->centroids, (size_t)a->k * a->cols * sizeof(double)) == 0 &&
           memcmp(&a->inertia, &b->inertia, sizeof(double)) == 0 &&
           memcmp(a->sizes, b->sizes, (size_t)a->k * sizeof(size_t)) == 0;
}

static void test_hamerly_equals_lloyd(void)
{
    size_t bs[] = { 9000, 7000, 5000, 3000 };
    double bc[] = { 0, 0, 0, 3, 0, 0, 0, 3, 0, 2, 2, 2 };
    sg_matrix *data[3];
    int ks[3] = { 5, 8, 12 };
    data[0] = uniform(3000, 2, 11);            /* ties-free random data */
    data[1] = blobs(4, bs, bc, 3, 1.0, 12, NULL); /* overlapping blobs, 3 chunks */
    data[2] = uniform(20000, 5, 13);
    for (int s = 0; s < 3; s++) {
        sg_matrix *x = data[s];
        int k = ks[s];
        int32_t *l1 = malloc(x->rows * sizeof *l1), *l2 = malloc(x->rows * sizeof *l2);
        /* same start: the first k rows, then k-means++ (same seed) */
        sg_kmeans *a = fit1(x, k, SG_KMEANS_LLOYD, x->data, 1, 300, 1e-4, l1);
        sg_kmeans *b = fit1(x, k, SG_KMEANS_HAMERLY, x->data, 1, 300, 1e-4, l2);
        tap_ok(same_model(a, b) && same_labels(l1, l2, x->rows) &&
                   a->iterations == b->iterations,
               "dataset %d: Hamerly == Lloyd from the same init (%d iterations)", s,
               a ? a->iterations : -1);
        sg_kmeans_free(a);
        sg_kmeans_free(b);
        a = fit1(x, k, SG_KMEANS_LLOYD, NULL, 2, 300, 0, l1);
        b = fit1(x, k, SG_KMEANS_HAMERLY, NULL, 2, 300, 0, l2);
        tap_ok(same_model(a, b) && same_labels(l1, l2, x->rows),
               "dataset %d: Hamerly == Lloyd with k-means++ and tol 0 (%d iterations, converged %d)",
               s, a ? a->iterations : -1, a ? a->converged : -1);
        sg_kmeans_free(a);
        sg_kmeans_free(b);
        free(l1);
        free(l2);
        sg_matrix_free(x);
    }
}

/* Lloyd run max_iter = 1..25 from the same start: inertia never rises. */
static void test_monotone(void)
{
    sg_matrix *x = uniform(2000, 2, 21);
    double prev = INFINITY, first = 0, last = 0;
    int ok = 1;
    for (int it = 1; it <= 25; it++) {
        sg_kmeans *m = fit1(x, 6, SG_KMEANS_LLOYD, x->data, 1, it, 0, NULL);
        if (!m) {
            ok = 0;
            break;
        }
        if (m->inertia > prev)
            ok = 0;
        if (it == 1)
            first = m->inertia;
        last = m->inertia;
        prev = m->inertia;
        sg_kmeans_free(m);
    }
    tap_ok(ok, "inertia never increases over iterations");
    tap_ok(last < first * 0.9, "and it does decrease (%g -> %g)", first, last);
    sg_matrix_free(x);
}

static void test_threads(void)
{
    size_t bs[] = { 12000, 10000, 8000 };
    double bc[] = { 0, 0, 0, 2, 2, 0, 0, 2, 2 };
    sg_matrix *x = blobs(3, bs, bc, 3, 1.0, 31, NULL);
    sg_kmeans_algo algos[] = { SG_KMEANS_HAMERLY, SG_KMEANS_LLOYD, SG_KMEANS_MINIBATCH };
    for (int a = 0; a < 3; a++) {
        int32_t *l1 = malloc(x->rows * sizeof *l1), *l2 = malloc(x->rows * sizeof *l2);
        sg_kmeans *m1 = fit1(x, 6, algos[a], NULL, 1, 300, 1e-4, l1);
        int ok = m1 != NULL;
        for (int t = 2; t <= 3; t++) {
            sg_kmeans *m2 = fit1(x, 6, algos[a], NULL, t, 300, 1e-4, l2);
            ok = ok && same_model(m1, m2) && same_labels(l1, l2, x->rows);
            sg_kmeans_free(m2);
        }
        tap_ok(ok, "algo %d: threads 1, 2, 3 give bit-identical results", a);
        sg_kmeans_free(m1);
        free(l1);
        free(l2);
    }
    sg_matrix_free(x);
}

static void test_edge_k(void)
{
    double v[] = { 1, 2, 3, 6, 5, 4, 9, 0 };
    sg_matrix *x = mat(4, 2, v);
    int32_t lab[4];
    sg_kmeans *m = fit1(x, 1, SG_KMEANS_HAMERLY, NULL, 0, 300, 1e-4, lab);
    tap_ok(m && m->centroids[0] == 4.5 && m->centroids[1] == 3, "k = 1: centroid (4.5, 3)");
    /* (1-4.5)^2+(2-3)^2 + (3-4.5)^2+(6-3)^2 + (5-4.5)^2+(4-3)^2 + (9-4.5)^2+(0-3)^2 */
    tap_is_double(m ? m->inertia : -1, 13.25 + 11.25 + 1.25 + 29.25, 1e-12, "k = 1: inertia 55");
    tap_ok(lab[0] == 0 && lab[3] == 0 && m->sizes[0] == 4, "k = 1: all in cluster 0");
    sg_kmeans_free(m);

    m = fit1(x, 4, SG_KMEANS_HAMERLY, NULL, 0, 300, 1e-4, lab);
    tap_ok(m && m->inertia == 0, "k = rows: inertia 0");
    /* all sizes 1: numbered by lexicographic centroid: (1,2) (3,6) (5,4) (9,0) */
    tap_ok(m && lab[0] == 0 && lab[1] == 1 && lab[2] == 2 && lab[3] == 3,
           "k = rows: clusters numbered by centroid order");
    tap_ok(m && m->sizes[0] == 1 && m->sizes[3] == 1, "k = rows: sizes 1");
    sg_kmeans_free(m);

    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    sg_error err;
    o.k = 0;
    tap_ok(sg_kmeans_fit(x, &o, lab, &err) == NULL && err.code == SG_EINVAL, "k = 0 refused");
    tap_is_str(err.msg, "k-means: k must be at least 1 (got 0)", "k = 0 message");
    o.k = 5;
    tap_ok(sg_kmeans_fit(x, &o, lab, &err) == NULL && err.code == SG_EINVAL, "k > rows refused");
    tap_is_str(err.msg, "k-means: k = 5 is more than the number of rows (4)", "k > rows message");
    o.k = 2;
    o.n_init = 0;
    tap_ok(sg_kmeans_fit(x, &o, lab, &err) == NULL && err.code == SG_EINVAL, "n_init 0 refused");
    o.n_init = 1;
    x->data[5] = NAN;
    tap_ok(sg_kmeans_fit(x, &o, lab, &err) == NULL && err.code == SG_EDATA, "NaN refused");
    tap_is_str(err.msg, "k-means: matrix row 3, column 2 is not a finite number", "NaN message");
    sg_matrix_free(x);
}

/* Empty cluster: init {1, 100} on {0, 1, 2, 10}: every point goes to 1,
 * so cluster 1 takes the farthest point, 10. */
static void test_empty_cluster(void)
{
    double v[] = { 0, 1, 2, 10 }, init[] = { 1, 100 };
    sg_matrix *x = mat(4, 1, v);
    int32_t l1[4], l2[4];
    sg_kmeans *a = fit1(x, 2, SG_KMEANS_LLOYD, init, 1, 300, 1e-4, l1);
    sg_kmeans *b = fit1(x, 2, SG_KMEANS_HAMERLY, init, 1, 300, 1e-4, l2);
    tap_ok(a && a->centroids[0] == 1 && a->centroids[1] == 10, "re-seeded: centroids 1 and 10");
    tap_is_double(a ? a->inertia : -1, 2, 0, "re-seeded: inertia 2");
    tap_ok(same_model(a, b) && same_labels(l1, l2, 4), "Hamerly re-seeds like Lloyd");
    sg_kmeans_free(a);
    sg_kmeans_free(b);
    sg_matrix_free(x);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_io(void)
{
    size_t bs[] = { 300, 200 };
    double bc[] = { 0, 0, 1, 1 };
    sg_matrix *x = blobs(2, bs, bc, 2, 0.7, 41, NULL);
    int32_t *l1 = malloc(500 * sizeof *l1), *l2 = malloc(500 * sizeof *l2);
    sg_kmeans *m = fit1(x, 3, SG_KMEANS_HAMERLY, NULL, 0, 300, 1e-4, NULL);
    cJSON *sj = cJSON_Parse("{\"columns\":[{\"name\":\"a\",\"log1p\":true,\"scale\":\"standard\","
                            "\"center\":1.5,\"scale_by\":2,\"impute\":1},{\"name\":\"b\",\"log1p\":"
                            "false,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0}],"
                            "\"missing\":\"drop\"}");
    sg_error err;
    m->scaling = sg_scaling_from_json(sj, &err);
    cJSON_Delete(sj);
    tap_ok(m->scaling != NULL, "a scaling to save with the model");
    char path[] = "/tmp/sg_kmeans_testXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    tap_is_int(sg_kmeans_save(m, path, &err), 0, "save");
    sg_kmeans *r = sg_kmeans_load(path, &err);
    tap_ok(r != NULL, "load");
    if (r) {
        tap_ok(same_model(m, r), "round trip: centroids, inertia and sizes bit-identical");
        tap_ok(r->scaling && r->scaling->cols == 2 && r->scaling->log1p[0] == 1 &&
                   r->scaling->center[0] == 1.5 && strcmp(r->scaling->names[1], "b") == 0,
               "round trip: the scaling");
        double d1[500], d2[500];
        sg_kmeans_predict(m, x, l1, d1, &err);
        sg_kmeans_predict(r, x, l2, d2, &err);
        tap_ok(same_labels(l1, l2, 500) && memcmp(d1, d2, sizeof d1) == 0,
               "round trip: predicts identically");
    }
    sg_kmeans_free(r);

    char msg[600];
    write_text(path, "{\"format\":\"segmint.kmeans\",\"version\":2,\"k\":1}");
    r = sg_kmeans_load(path, &err);
    snprintf(msg, sizeof msg,
             "model file %s was written by a newer segmint (format version 2); this version "
             "reads version 1", path);
    tap_ok(r == NULL && err.code == SG_EDATA, "newer version refused");
    tap_is_str(err.msg, msg, "newer version message");

    const char *bad[] = {
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2,\"cols\":1,\"centroids\":[[1],[2]],",
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2,\"cols\":1,\"centroids\":[[1]],"
        "\"inertia\":1,\"sizes\":[1,1],\"scaling\":null}",
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2,\"cols\":1,\"centroids\":[[1],[\"x\"]],"
        "\"inertia\":1,\"sizes\":[1,1],\"scaling\":null}",
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2,\"cols\":1,\"centroids\":[[1],[2]],"
        "\"inertia\":1,\"sizes\":[1,-1],\"scaling\":null}",
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2,\"cols\":1,\"centroids\":[[1],[2]],"
        "\"inertia\":1,\"sizes\":[1,1]}",
        "{\"format\":\"other\",\"version\":1}",
        "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":2.5,\"cols\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i]);
        r = sg_kmeans_load(path, &err);
        tap_ok(r == NULL && err.code == SG_EDATA, "corrupt file %zu refused: %s", i, err.msg);
        sg_kmeans_free(r);
    }
    /* a valid file still loads after a truncated save of the same text */
    write_text(path, "{\"format\":\"segmint.kmeans\",\"version\":1,\"k\":1,\"cols\":1,"
                     "\"centroids\":[[2.5]],\"inertia\":0.5,\"sizes\":[3],\"scaling\":null}");
    r = sg_kmeans_load(path, &err);
    tap_ok(r && r->k == 1 && r->centroids[0] == 2.5 && r->sizes[0] == 3 && !r->scaling,
           "a hand-written model loads");
    sg_kmeans_free(r);
    remove(path);
    r = sg_kmeans_load(path, &err);
    tap_ok(r == NULL && err.code == SG_EIO, "missing file: SG_EIO");
    tap_is_int(sg_kmeans_save(m, "/nonexistent-dir/model.json", &err), SG_EIO,
               "save into a missing directory: SG_EIO");
    sg_kmeans_free(m);
    free(l1);
    free(l2);
    sg_matrix_free(x);
}

typedef struct auto_call {
    const sg_matrix *x;
    const sg_kmeans_options *o;
    int32_t *labels;
    sg_kmeans_score *scores;
} auto_call;

static void *call_auto(void *ud, sg_error *err)
{
    auto_call *c = ud;
    size_t chosen;
    return sg_kmeans_auto(c->x, c->o, 2, 4, 10000, c->labels, c->scores, &chosen, err);
}

static void free_kmeans(void *m)
{
    sg_kmeans_free(m);
}

static void *call_label_column(void *ud, sg_error *err)
{
    (void)ud;
    static const int32_t lab[] = { 0, 2, 1 };
    static const size_t kept[] = { 0, 2, 3 };
    return sg_kmeans_label_column("cluster", lab, 3, kept, 5, err);
}

static void release_column(void *c)
{
    sg_column_release(c);
}

/* k = "auto": every k of the range is fitted and scored; three blobs give 3 */
static void test_auto(void)
{
    size_t sizes[] = { 30, 20, 10 };
    double centres[] = { 0, 0, 10, 10, -10, 10 };
    int32_t truth[60], lab[60], one[60];
    sg_matrix *x = blobs(3, sizes, centres, 2, 0.5, 7, truth);
    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    sg_kmeans_score sc[5];
    size_t chosen = 99;
    sg_error err;
    size_t before = sg_mem_used();
    sg_kmeans *m = sg_kmeans_auto(x, &o, 2, 6, 10000, lab, sc, &chosen, &err);
    tap_ok(m && chosen == 1 && m->k == 3 && sc[chosen].k == 3, "auto: k = 3 chosen among 2..6 (%s)",
           m ? "fitted" : err.msg);
    if (m) {
        tap_ok(same_labels(lab, truth, 60), "auto: the labels are the blobs");
        int ok = 1;
        for (int i = 0; i < 5; i++)
            ok &= sc[i].k == 2 + i && sc[i].inertia > 0 && sc[i].iterations >= 1;
        tap_ok(ok && sc[0].inertia > sc[1].inertia && sc[1].inertia > sc[4].inertia,
               "auto: one score per k, inertia decreasing");
        /* each score is that of a plain fit with the same options */
        o.k = 3;
        sg_kmeans *m3 = sg_kmeans_fit(x, &o, one, &err);
        tap_ok(m3 && m3->inertia == sc[1].inertia && m3->inertia == m->inertia,
               "auto: k = 3 scores the same fit as sg_kmeans_fit");
        if (m3) {
            double sil = sg_silhouette(x, one, 3, 10000, o.seed, 1, &err);
            tap_is_double(sc[1].silhouette, sil, 0, "auto: silhouette of the k = 3 labelling");
            tap_is_double(sc[1].calinski_harabasz, sg_calinski_harabasz(x, one, 3), 0,
                          "auto: Calinski-Harabasz of the k = 3 labelling");
            tap_is_double(sc[1].davies_bouldin, sg_davies_bouldin(x, one, 3), 0,
                          "auto: Davies-Bouldin of the k = 3 labelling");
        }
        sg_kmeans_free(m3);
        sg_kmeans_free(m);
        tap_ok(sg_mem_used() == before, "auto: the models not chosen are freed");
    } else {
        tap_skip(7, "no model");
    }
    tap_ok(!sg_kmeans_auto(x, &o, 2, 60, 10000, lab, sc, &chosen, &err) && err.code == SG_EINVAL &&
               strstr(err.msg, "needs more than 60 rows"),
           "auto: k up to the row count refused (%s)", err.msg);
    tap_ok(!sg_kmeans_auto(x, &o, 1, 3, 10000, lab, sc, &chosen, &err) && err.code == SG_EINVAL,
           "auto: k from 1 refused");
    tap_ok(sg_mem_used() == before, "auto: nothing left after a refusal");
    tap_ok(!sg_kmeans_auto(x, &o, 2, 101, 10000, lab, sc, &chosen, &err), "auto: k up to 101 refused");
    tap_is_str(err.msg, "kmeans: k range 2..101 must be within 2..100", "auto: the range's message");
    /* out of memory in each fit, each score and the final labels */
    o.threads = 1;
    auto_call ac = { x, &o, lab, sc };
    nomem_sweep(call_auto, free_kmeans, &ac, 64, 1 << 22, "auto over 2..4");
    sg_matrix_free(x);
}

/* labels into a column: rows the matrix dropped are missing */
static void test_label_column(void)
{
    int32_t lab[] = { 0, 2, 1 };
    size_t kept[] = { 0, 2, 3 };
    sg_error err;
    sg_column *c = sg_kmeans_label_column("cluster", lab, 3, kept, 5, &err);
    int ok = c && c->type == SG_INT64 && c->n == 5 && !sg_column_is_na(c, 0) &&
             sg_column_is_na(c, 1) && sg_column_is_na(c, 4) && sg_column_i64(c)[0] == 1 &&
             sg_column_i64(c)[2] == 3 && sg_column_i64(c)[3] == 2;
    tap_ok(ok, "label column: 1, missing, 3, 2, missing");
    tap_is_str(c ? c->name : NULL, "cluster", "label column: named");
    sg_column_release(c);
    c = sg_kmeans_label_column("k", lab, 3, NULL, 3, &err);
    tap_ok(c && c->n == 3 && !sg_column_is_na(c, 1) && sg_column_i64(c)[1] == 3,
           "label column: every row kept");
    sg_column_release(c);
    size_t bad[] = { 0, 7, 1 };
    tap_ok(!sg_kmeans_label_column("k", lab, 3, bad, 5, &err) && err.code == SG_EINVAL &&
               strstr(err.msg, "row 8 of a 5-row"),
           "label column: a row out of range refused (%s)", err.msg);
    tap_ok(!sg_kmeans_label_column("k", lab, 3, NULL, 4, &err) && err.code == SG_EINVAL,
           "label column: label count must match without rows_kept");
    tap_is_str(err.msg, "assign: the dataset has 4 rows but the matrix came from 3", "label column: its message");
    nomem_sweep(call_label_column, release_column, NULL, 1, 4096, "label column");
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_hand();
    test_blobs();
    test_hamerly_equals_lloyd();
    test_monotone();
    test_threads();
    test_edge_k();
    test_empty_cluster();
    test_io();
    test_auto();
    test_label_column();
    return tap_done();
}
