/* Cluster quality figures (silhouette, Calinski-Harabasz, Davies-Bouldin),
 * the adjusted Rand index, and the choice of k from an elbow curve.
 *
 * Conventions follow scikit-learn: CH and DB count the clusters that
 * actually have points (sklearn's unique labels); the silhouette of a point
 * in a singleton cluster is 0; ARI uses the pair confusion matrix.  CH, DB
 * and ARI take no error argument and return NaN on bad input (NULL, a label
 * outside 0..k-1, fewer than 2 or at least n non-empty clusters) or when
 * memory runs out. */
#include "cluster_metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "mem.h"

#define SIL_DEFAULT_MAX_EXACT 10000
/* Above this many times the sample, the sampled points are scored against
 * a seeded reference sample of that many rows instead of every row, so the
 * cost stops growing with the rows (10,000 x 100,000 distances by default). */
#define SIL_REFERENCE_FACTOR 10
/* Points per chunk: the unit of work of a thread and of the final
 * reduction.  Fixed, so the sum's rounding never depends on the thread
 * count. */
#define SIL_CHUNK 64
#define SIL_MAX_THREADS 64

/* ------------------------------------------------------------------ */
/* silhouette                                                          */

typedef struct sil_job {
    const sg_matrix *x;
    const int32_t *labels;
    const size_t *counts;   /* points per cluster */
    const size_t *idx;      /* points to score (NULL: all rows) */
    size_t m;               /* number of points to score */
    int k;
    size_t nchunks;
    double *chunk_sum;      /* per chunk: sum of the silhouettes of its points */
    int nthreads;
} sil_job;

typedef struct sil_worker {
    sil_job *job;
    int id;
    double *sums;           /* k: distance sums from the current point per cluster */
    pthread_t tid;
    int started;
} sil_worker;

static double sil_point(const sil_job *job, size_t i, double *sums)
{
    const sg_matrix *x = job->x;
    size_t p = x->cols, n = x->rows;
    const double *xi = sg_matrix_row(x, i);
    int li = job->labels[i];
    memset(sums, 0, (size_t)job->k * sizeof *sums);
    for (size_t j = 0; j < n; j++) {
        const double *xj = sg_matrix_row(x, j);
        double d2 = 0;
        for (size_t c = 0; c < p; c++) {
            double t = xi[c] - xj[c];
            d2 += t * t;
        }
        sums[job->labels[j]] += sqrt(d2);   /* d(i, i) = 0 adds nothing */
    }
    if (job->counts[li] <= 1)
        return 0.0;                          /* singleton: sklearn scores 0 */
    double a = sums[li] / (double)(job->counts[li] - 1);
    double b = INFINITY;
    for (int c = 0; c < job->k; c++) {
        if (c == li || job->counts[c] == 0)
            continue;
        double mc = sums[c] / (double)job->counts[c];
        if (mc < b)
            b = mc;
    }
    double mx = a > b ? a : b;
    return mx > 0 ? (b - a) / mx : 0.0;      /* all points coincide: 0 (sklearn's nan_to_num) */
}

static void *sil_run(void *arg)
{
    sil_worker *w = arg;
    sil_job *job = w->job;
    /* static assignment: chunk c goes to worker c % nthreads */
    for (size_t ch = (size_t)w->id; ch < job->nchunks; ch += (size_t)job->nthreads) {
        size_t lo = ch * SIL_CHUNK, hi = lo + SIL_CHUNK;
        if (hi > job->m)
            hi = job->m;
        double s = 0;
        for (size_t t = lo; t < hi; t++)
            s += sil_point(job, job->idx ? job->idx[t] : t, w->sums);
        job->chunk_sum[ch] = s;
    }
    return NULL;
}

static int sil_threads(int threads)
{
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus >= 2 ? 2 : 1;
    }
    return threads > SIL_MAX_THREADS ? SIL_MAX_THREADS : threads;
}

/* Selection sampling (Knuth's algorithm S), the algorithm and the draws of
 * gsl_ran_choose on the source 0..n-1, without its n-element source array:
 * the m chosen rows come out in increasing order. */
static void sil_choose(gsl_rng *r, size_t *dest, size_t m, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j < m; i++)
        if ((double)(n - i) * gsl_rng_uniform(r) < (double)(m - j))
            dest[j++] = i;
}

/* Scores the job's points on up to `threads` threads (0: both cores) and
 * sets *mean to their mean silhouette.  0, or -1 when memory runs out. */
static int sil_score(sil_job *job, int threads, double *mean)
{
    int nt = sil_threads(threads);
    if ((size_t)nt > job->nchunks)
        nt = (int)job->nchunks;
    job->nthreads = nt;
    /* each worker's k sums on cache lines of their own (8 doubles = 64
     * bytes), or the threads' writes to them would fight over a line */
    size_t stride = ((size_t)job->k + 7) / 8 * 8 + 8;
    double *chunk_sum = sg_calloc(job->nchunks, sizeof *chunk_sum);
    double *sums = sg_calloc((size_t)nt * stride, sizeof *sums);
    sil_worker *workers = sg_calloc((size_t)nt, sizeof *workers);
    int rc = -1;
    if (!chunk_sum || !sums || !workers)
        goto done;
    job->chunk_sum = chunk_sum;
    for (int t = 0; t < nt; t++) {
        workers[t].job = job;
        workers[t].id = t;
        workers[t].sums = sums + (size_t)t * stride;
    }
    for (int t = 1; t < nt; t++)
        workers[t].started = pthread_create(&workers[t].tid, NULL, sil_run, &workers[t]) == 0;
    sil_run(&workers[0]);
    /* a thread that could not be created: its chunks run here */
    for (int t = 1; t < nt; t++)
        if (!workers[t].started)
            sil_run(&workers[t]);
    for (int t = 1; t < nt; t++)
        if (workers[t].started)
            pthread_join(workers[t].tid, NULL);

    double total = 0;
    for (size_t c = 0; c < job->nchunks; c++)   /* chunk order: thread-count independent */
        total += chunk_sum[c];
    *mean = total / (double)job->m;
    rc = 0;
done:
    sg_free(chunk_sum);
    sg_free(sums);
    sg_free(workers);
    return rc;
}

/* The reference sample: nref rows of x drawn with rng, copied together
 * (*refm, their labels *reflab), and counts[] recounted over them.
 * 0, or -1 when memory runs out (the caller frees what was set). */
static int sil_reference(gsl_rng *rng, const sg_matrix *x, const int32_t *labels, int k, size_t nref,
                         size_t *counts, sg_matrix **refm, int32_t **reflab)
{
    size_t *ridx = sg_malloc(nref * sizeof *ridx);
    *refm = sg_matrix_new(nref, x->cols);
    *reflab = sg_malloc(nref * sizeof **reflab);
    if (!ridx || !*refm || !*reflab) {
        sg_free(ridx);
        return -1;
    }
    sil_choose(rng, ridx, nref, x->rows);
    memset(counts, 0, (size_t)k * sizeof *counts);
    for (size_t r = 0; r < nref; r++) {
        memcpy(sg_matrix_row(*refm, r), sg_matrix_row(x, ridx[r]), x->cols * sizeof(double));
        (*reflab)[r] = labels[ridx[r]];
        counts[(*reflab)[r]]++;
    }
    sg_free(ridx);
    return 0;
}

double sg_silhouette(const sg_matrix *x, const int32_t *labels, int k, size_t max_exact,
                     uint64_t seed, int threads, sg_error *err)
{
    sg_error_clear(err);
    if (!x || !labels || (x->rows > 0 && !x->data)) {
        sg_error_set(err, SG_EINVAL, "silhouette: NULL matrix or labels");
        return NAN;
    }
    size_t n = x->rows;
    if (k < 2 || (size_t)k >= n)
        return NAN;                          /* undefined, not an error */
    if (max_exact == 0)
        max_exact = SIL_DEFAULT_MAX_EXACT;

    double result = NAN;
    size_t *counts = NULL, *idx = NULL;
    sg_matrix *refm = NULL;
    int32_t *reflab = NULL;
    gsl_rng *rng = NULL;

    counts = sg_calloc((size_t)k, sizeof *counts);
    if (!counts)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= k) {
            sg_error_set(err, SG_EINVAL, "silhouette: label %ld of row %zu is outside 0..%d",
                         (long)labels[i], i + 1, k - 1);
            goto done;
        }
        counts[labels[i]]++;
    }

    size_t m = n;
    const sg_matrix *against = x;            /* the rows each point is scored against */
    const int32_t *alabels = labels;
    if (n > max_exact) {
        m = max_exact;
        idx = sg_malloc(m * sizeof *idx);
        if (!idx)
            goto nomem;
        rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng)
            goto nomem;
        gsl_rng_set(rng, (unsigned long)seed);
        size_t nref = max_exact <= SIZE_MAX / SIL_REFERENCE_FACTOR ? max_exact * SIL_REFERENCE_FACTOR : n;
        if (n <= nref) {
            sil_choose(rng, idx, m, n);
        } else {
            /* a reference sample of nref rows, copied together; the scored
             * points are drawn among them (so each is in its own cluster's
             * reference, as a point is among all rows) */
            if (sil_reference(rng, x, labels, k, nref, counts, &refm, &reflab) != 0)
                goto nomem;
            sil_choose(rng, idx, m, nref);
            against = refm;
            alabels = reflab;
        }
    }

    sil_job job = { against, alabels, counts, idx, m, k, (m + SIL_CHUNK - 1) / SIL_CHUNK, NULL, 1 };
    if (sil_score(&job, threads, &result) != 0)
        goto nomem;
    goto done;

nomem:
    sg_error_nomem(err);
done:
    sg_free(counts);
    sg_free(idx);
    sg_free(reflab);
    sg_matrix_free(refm);
    if (rng)
        gsl_rng_free(rng);
    return result;
}

/* ------------------------------------------------------------------ */
/* Calinski-Harabasz and Davies-Bouldin                                */

/* Counts and centroids (k * cols) of the clusters; the number of non-empty
 * clusters in *kept.  Returns 0, or -1 on a bad label, NULL or OOM. */
static int centroids_of(const sg_matrix *x, const int32_t *labels, int k, size_t **counts_out,
                        double **cent_out, int *kept)
{
    *counts_out = NULL;
    *cent_out = NULL;
    if (!x || !labels || k < 1 || (x->rows > 0 && !x->data))
        return -1;
    size_t p = x->cols;
    size_t *counts = sg_calloc((size_t)k, sizeof *counts);
    double *cent = sg_calloc((size_t)k * (p ? p : 1), sizeof *cent);
    if (!counts || !cent)
        goto fail;
    for (size_t i = 0; i < x->rows; i++) {
        int32_t l = labels[i];
        if (l < 0 || l >= k)
            goto fail;
        counts[l]++;
        const double *xi = sg_matrix_row(x, i);
        for (size_t c = 0; c < p; c++)
            cent[(size_t)l * p + c] += xi[c];
    }
    *kept = 0;
    for (int l = 0; l < k; l++) {
        if (!counts[l])
            continue;
        ++*kept;
        for (size_t c = 0; c < p; c++)
            cent[(size_t)l * p + c] /= (double)counts[l];
    }
    *counts_out = counts;
    *cent_out = cent;
    return 0;
fail:
    sg_free(counts);
    sg_free(cent);
    return -1;
}

/* (between-cluster dispersion / (k-1)) / (within-cluster dispersion / (n-k));
 * 1 when the within dispersion is 0 (sklearn). */
double sg_calinski_harabasz(const sg_matrix *x, const int32_t *labels, int k)
{
    size_t *counts;
    double *cent;
    int kk = 0;
    if (centroids_of(x, labels, k, &counts, &cent, &kk) != 0)
        return NAN;
    size_t n = x->rows, p = x->cols;
    double result = NAN;
    if (kk < 2 || (size_t)kk >= n)
        goto done;
    double *mean = sg_calloc(p ? p : 1, sizeof *mean);
    if (!mean)
        goto done;
    for (int l = 0; l < k; l++)
        for (size_t c = 0; c < p; c++)
            mean[c] += cent[(size_t)l * p + c] * (double)counts[l];
    for (size_t c = 0; c < p; c++)
        mean[c] /= (double)n;
    double between = 0, within = 0;
    for (int l = 0; l < k; l++)
        if (counts[l])
            between += (double)counts[l] * sg_dist2(cent + (size_t)l * p, mean, p);
    for (size_t i = 0; i < n; i++)
        within += sg_dist2(sg_matrix_row(x, i), cent + (size_t)labels[i] * p, p);
    sg_free(mean);
    result = within == 0 ? 1.0 : between * (double)(n - (size_t)kk) / (within * (double)(kk - 1));
done:
    sg_free(counts);
    sg_free(cent);
    return result;
}

/* Mean over clusters i of max_{j != i} (s_i + s_j) / d(c_i, c_j), s = mean
 * distance of a cluster's points to its centroid.  Coinciding centroids
 * contribute 0 (sklearn sets their distance to infinity); 0 when every s is
 * 0 or every centroid distance is 0. */
double sg_davies_bouldin(const sg_matrix *x, const int32_t *labels, int k)
{
    size_t *counts;
    double *cent;
    int kk = 0;
    if (centroids_of(x, labels, k, &counts, &cent, &kk) != 0)
        return NAN;
    size_t n = x->rows, p = x->cols;
    double result = NAN;
    double *s = NULL;
    if (kk < 2 || (size_t)kk >= n)
        goto done;
    s = sg_calloc((size_t)k, sizeof *s);
    if (!s)
        goto done;
    for (size_t i = 0; i < n; i++)
        s[labels[i]] += sqrt(sg_dist2(sg_matrix_row(x, i), cent + (size_t)labels[i] * p, p));
    int any_s = 0, any_d = 0;
    for (int l = 0; l < k; l++) {
        if (counts[l])
            s[l] /= (double)counts[l];
        if (s[l] != 0)
            any_s = 1;
    }
    double total = 0;
    for (int i = 0; i < k; i++) {
        if (!counts[i])
            continue;
        double worst = 0;
        for (int j = 0; j < k; j++) {
            if (j == i || !counts[j])
                continue;
            double d = sqrt(sg_dist2(cent + (size_t)i * p, cent + (size_t)j * p, p));
            if (d == 0)
                continue;
            any_d = 1;
            double r = (s[i] + s[j]) / d;
            if (r > worst)
                worst = r;
        }
        total += worst;
    }
    result = (!any_s || !any_d) ? 0.0 : total / kk;
done:
    sg_free(s);
    sg_free(counts);
    sg_free(cent);
    return result;
}

/* ------------------------------------------------------------------ */
/* adjusted Rand index                                                 */

typedef struct lab_pair {
    int32_t a, b;
} lab_pair;

static int cmp_pair(const void *pa, const void *pb)
{
    const lab_pair *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return 0;
}

static int cmp_i32(const void *pa, const void *pb)
{
    int32_t x = *(const int32_t *)pa, y = *(const int32_t *)pb;
    return (x > y) - (x < y);
}

/* Sum of squared run lengths of a sorted array. */
static double sum_sq_runs_i32(const int32_t *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i])
            j++;
        s += (double)(j - i) * (double)(j - i);
        i = j;
    }
    return s;
}

/* The contingency table is kept sparse (sorted label pairs, one run per
 * non-empty cell), so any label values and any number of labels work in
 * O(n) memory.  Then sklearn's pair confusion formula (ordered pairs):
 *   tp = sum n_ij^2 - n, fp = sum_j b_j^2 - sum n_ij^2,
 *   fn = sum_i a_i^2 - sum n_ij^2, tn = n^2 - tp - fp - fn - n,
 *   ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),
 * and 1 when fn = fp = 0 (identical partitions, n < 2 included). */
double sg_adjusted_rand(const int32_t *a, const int32_t *b, size_t n)
{
    if ((!a || !b) && n > 0)
        return NAN;
    if (n < 2)
        return 1.0;
    lab_pair *pairs = sg_malloc(n * sizeof *pairs);
    int32_t *v = sg_malloc(n * sizeof *v);
    if (!pairs || !v) {
        sg_free(pairs);
        sg_free(v);
        return NAN;
    }
    for (size_t i = 0; i < n; i++) {
        pairs[i].a = a[i];
        pairs[i].b = b[i];
    }
    qsort(pairs, n, sizeof *pairs, cmp_pair);
    double sum_cells = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && cmp_pair(&pairs[j], &pairs[i]) == 0)
            j++;
        sum_cells += (double)(j - i) * (double)(j - i);
        i = j;
    }
    memcpy(v, a, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_i32);
    double sum_a = sum_sq_runs_i32(v, n);
    memcpy(v, b, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_i32);
    double sum_b = sum_sq_runs_i32(v, n);
    sg_free(pairs);
    sg_free(v);

    double dn = (double)n;
    double tp = sum_cells - dn;
    double fp = sum_b - sum_cells;
    double fn = sum_a - sum_cells;
    double tn = dn * dn - tp - fp - fn - dn;
    if (fn == 0 && fp == 0)
        return 1.0;
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/* ------------------------------------------------------------------ */
/* the choice of k                                                     */

/* Both axes are scaled to [0, 1] by their min and max; the knee is the
 * point farthest below the chord joining the first and last points (the
 * perpendicular distance is the vertical gap times a constant, so the
 * vertical gap is compared).  Points above the chord are not knees (a
 * k whose inertia is worse than the straight line, e.g. a poor local
 * optimum).  Edge cases: n < 3, NULL, a flat curve, equal first and last
 * k, non-finite values, or no point below the chord by more than 1e-9 of
 * the normalised range (a straight line) -> index 0.  Ties go
 * to the smaller index. */
size_t sg_elbow_knee(const int *ks, const double *inertia, size_t n)
{
    if (!ks || !inertia || n < 3)
        return 0;
    double xmin = ks[0], xmax = ks[0], ymin = inertia[0], ymax = inertia[0];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(inertia[i]))
            return 0;
        if (ks[i] < xmin) xmin = ks[i];
        if (ks[i] > xmax) xmax = ks[i];
        if (inertia[i] < ymin) ymin = inertia[i];
        if (inertia[i] > ymax) ymax = inertia[i];
    }
    if (xmax == xmin || ymax == ymin)
        return 0;
    double x0 = (ks[0] - xmin) / (xmax - xmin), y0 = (inertia[0] - ymin) / (ymax - ymin);
    double x1 = (ks[n - 1] - xmin) / (xmax - xmin), y1 = (inertia[n - 1] - ymin) / (ymax - ymin);
    if (x1 == x0)
        return 0;
    size_t best = 0;
    double best_gap = 1e-9;   /* below the chord by more than rounding (normalised units) */
    for (size_t i = 1; i + 1 < n; i++) {
        double xi = (ks[i] - xmin) / (xmax - xmin), yi = (inertia[i] - ymin) / (ymax - ymin);
        double chord = y0 + (y1 - y0) * (xi - x0) / (x1 - x0);
        double gap = chord - yi;
        if (gap > best_gap) {
            best_gap = gap;
            best = i;
        }
    }
    return best;
}

/* Candidates knee-1, knee, knee+1 (those inside 0..n-1); the highest
 * silhouette wins, ties and NaNs going to the smaller index; with no usable
 * silhouette (NULL or all NaN), the knee.  So n = 1 -> 0, n = 2 -> the
 * better silhouette of the two (the knee is 0 below 3 points). */
size_t sg_choose_k(const int *ks, const double *inertia, const double *silhouette, size_t n)
{
    if (n == 0)
        return 0;
    size_t knee = sg_elbow_knee(ks, inertia, n);
    if (!silhouette)
        return knee;
    size_t lo = knee > 0 ? knee - 1 : 0, hi = knee + 1 < n ? knee + 1 : n - 1;
    size_t best = knee;
    double best_s = -INFINITY;
    for (size_t i = lo; i <= hi; i++) {
        if (isnan(silhouette[i]))
            continue;
        if (silhouette[i] > best_s) {
            best_s = silhouette[i];
            best = i;
        }
    }
    return best;
}
