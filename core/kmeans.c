/* k-means: Lloyd and Hamerly iterations, n_init restarts, canonical
 * numbering and predict (seeding and the thread pool: kmeans_pp.c; the
 * mini-batch variant: kmeans_minibatch.c; files: kmeans_io.c).
 *
 * One iteration (both algorithms): assign every point to its closest
 * centre (ties: lowest index), sum the points of each cluster per chunk,
 * reduce the chunks in chunk order, move each centre to its mean.  A
 * cluster left empty takes the point farthest from its own (pre-update)
 * centre among clusters of two or more points (ties: lowest row), moved
 * out of its old cluster's sums (reseed_empty, shared by both).  Stop when
 * the sum of squared centre shifts is <= tol * mean column variance
 * (scikit-learn's rule) or after max_iter iterations; then one last exact
 * assignment pass gives the labels and the inertia.
 *
 * Hamerly (2010) keeps per point an upper bound u on the distance to its
 * centre and a lower bound l on the distance to every other centre, moved
 * each iteration by the centres' drifts.  A point whose u is strictly
 * below max(l, half the distance from its centre to the nearest other
 * centre) cannot change cluster; with strict inequalities a tie is never
 * skipped, so the labels equal Lloyd's.  Bounds are widened by a relative
 * 1e-10 at every update to absorb rounding.  Sums are recomputed from the
 * labels each iteration exactly as in Lloyd, so centroids, shifts and
 * iteration counts are bit-identical to Lloyd's from the same start. */
#include "kmeans_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "kmeans_share.h"
#include "mem.h"

_Static_assert(SG_KMEANS_CHUNK == KM_CHUNK, "kmeans_share.h and kmeans_internal.h chunk sizes");

#define KM_EPS 1e-10

void sg_kmeans_options_init(sg_kmeans_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 8;
    o->n_init = 4;
    o->max_iter = 300;
    o->tol = 1e-4;
    o->seed = 42;
    o->algo = SG_KMEANS_HAMERLY;
    o->threads = 0;
    o->batch_size = 1024;
    o->init = NULL;
}

void sg_kmeans_free(sg_kmeans *m)
{
    if (!m)
        return;
    sg_free(m->centroids);
    sg_free(m->sizes);
    sg_scaling_free(m->scaling);
    sg_free(m);
}

/* ---------------------------------------------------------------- one iteration */

typedef struct it_ctx {
    const double *x;
    size_t n, d;
    int k, first;
    const double *c;             /* current centres */
    int32_t *lab;
    double *u, *l;               /* Hamerly bounds (n each) */
    const double *drift, *half;  /* k each */
    double dmax1, dmax2;         /* largest drift and the largest of the others */
    int jmax;
    double *csum;                /* nchunks * k * d */
    size_t *ccnt;                /* nchunks * k */
} it_ctx;

/* Runs right after the chunk's assignment, while it is still in cache. */
KM_INLINE void chunk_accumulate(it_ctx *q, size_t ch, size_t lo, size_t hi, size_t d)
{
    size_t kd = (size_t)q->k * d;
    double *sum = q->csum + ch * kd;
    size_t *cnt = q->ccnt + ch * (size_t)q->k;
    memset(sum, 0, kd * sizeof *sum);
    memset(cnt, 0, (size_t)q->k * sizeof *cnt);
    for (size_t i = lo; i < hi; i++) {
        size_t a = (size_t)q->lab[i];
        const double *xi = q->x + i * d;
        double *sa = sum + a * d;
        for (size_t t = 0; t < d; t++)
            sa[t] += xi[t];
        cnt[a]++;
    }
}

KM_INLINE void lloyd_range(it_ctx *q, size_t lo, size_t hi, size_t d)
{
    for (size_t i = lo; i < hi; i++) {
        double b;
        q->lab[i] = km_nearest(q->x + i * d, q->c, q->k, d, &b);
    }
}

static void lloyd_chunk(void *arg, size_t ch)
{
    it_ctx *q = arg;
    size_t lo = ch * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
#define KM_CALL(D) (lloyd_range(q, lo, hi, D), chunk_accumulate(q, ch, lo, hi, D))
    KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
}

KM_INLINE void hamerly_range(it_ctx *q, size_t lo, size_t hi, size_t d)
{
    for (size_t i = lo; i < hi; i++) {
        const double *xi = q->x + i * d;
        int a = q->lab[i];
        if (!q->first) {
            double dl = a == q->jmax ? q->dmax2 : q->dmax1, li = q->l[i];
            q->u[i] = (q->u[i] + q->drift[a]) * (1 + KM_EPS);
            q->l[i] = li - dl - KM_EPS * (fabs(li) + dl);
            double m = q->half[a] > q->l[i] ? q->half[a] : q->l[i];
            if (q->u[i] < m)
                continue;
            q->u[i] = sqrt(sg_dist2(xi, q->c + (size_t)a * d, d)) * (1 + KM_EPS);
            if (q->u[i] < m)
                continue;
        }
        double b1 = INFINITY, b2 = INFINITY;
        a = 0;
        for (int j = 0; j < q->k; j++) {
            double v = sg_dist2(xi, q->c + (size_t)j * d, d);
            if (v < b1) {
                b2 = b1;
                b1 = v;
                a = j;
            } else if (v < b2) {
                b2 = v;
            }
        }
        q->lab[i] = a;
        q->u[i] = sqrt(b1) * (1 + KM_EPS);
        q->l[i] = sqrt(b2) * (1 - KM_EPS);
    }
}

static void hamerly_chunk(void *arg, size_t ch)
{
    it_ctx *q = arg;
    size_t lo = ch * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
#define KM_CALL(D) (hamerly_range(q, lo, hi, D), chunk_accumulate(q, ch, lo, hi, D))
    KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
}

/* The row farthest from its own (pre-update) centre among clusters of two
 * or more points (ties: the lowest row), its squared distance in *bd; n and
 * *bd = -1 when there is none. */
static size_t farthest_movable(const double *x, size_t n, size_t d, const double *c_old, const int32_t *lab,
                               const size_t *counts, double *bd)
{
    size_t best = n;
    *bd = -1;
    for (size_t i = 0; i < n; i++) {
        size_t a = (size_t)lab[i];
        if (counts[a] < 2)
            continue;
        double v = sg_dist2(x + i * d, c_old + a * d, d);
        if (v > *bd) {
            *bd = v;
            best = i;
        }
    }
    return best;
}

/* Point p moves from cluster a to the empty cluster j: out of a's sums and
 * count, alone in j's. */
static void move_point(const double *p, size_t d, size_t a, size_t j, double *sums, size_t *counts)
{
    for (size_t t = 0; t < d; t++) {
        sums[a * d + t] -= p[t];
        sums[j * d + t] = p[t];
    }
    counts[a]--;
    counts[j] = 1;
}

/* Empty clusters take the farthest points (see the top of the file). */
static void reseed_empty(const double *x, size_t n, size_t d, int k, const double *c_old,
                         int32_t *lab, double *sums, size_t *counts, size_t *moved, int *nmoved)
{
    *nmoved = 0;
    for (int j = 0; j < k; j++) {
        if (counts[j] > 0)
            continue;
        double bd;
        size_t best = farthest_movable(x, n, d, c_old, lab, counts, &bd);
        if (best == n)
            continue; /* nothing to take: the centre stays where it was */
        move_point(x + best * d, d, (size_t)lab[best], (size_t)j, sums, counts);
        lab[best] = j;
        moved[(*nmoved)++] = best;
    }
}

/* reseed_empty over the ranks of a shared fit (kmeans_share.h): for each
 * empty cluster, in order, every rank proposes its farthest eligible point
 * (the local scan of reseed_empty) and all take the largest distance, ties
 * to the lowest rank, whose rows come first: the point one process takes.
 * prop holds nranks + 1 proposals of 3 + d doubles (this rank's, then all). */
static void reseed_empty_shared(const sg_kmeans_share *sh, const double *x, size_t n, size_t d,
                                int k, const double *c_old, int32_t *lab, double *sums,
                                size_t *counts, size_t *moved, int *nmoved, double *prop)
{
    size_t rec = 3 + d;
    double *mine = prop, *all = prop + rec;
    *nmoved = 0;
    for (int j = 0; j < k; j++) {
        if (counts[j] > 0)
            continue;
        double bd;
        size_t best = farthest_movable(x, n, d, c_old, lab, counts, &bd);
        memset(mine, 0, rec * sizeof *mine);
        mine[0] = bd;   /* -1: nothing to take here */
        if (best < n) {
            mine[1] = (double)lab[best];
            mine[2] = (double)(sh->first[sh->rank] + best);
            memcpy(mine + 3, x + best * d, d * sizeof *mine);
        }
        sh->allgather(sh->ud, mine, all, rec * sizeof *mine);
        int win = -1;
        double wd = -1;
        for (int r = 0; r < sh->nranks; r++)
            if (all[(size_t)r * rec] > wd) {
                wd = all[(size_t)r * rec];
                win = r;
            }
        if (win < 0)
            continue; /* nothing to take: the centre stays where it was */
        const double *w = all + (size_t)win * rec;
        move_point(w + 3, d, (size_t)w[1], (size_t)j, sums, counts);
        if (win == sh->rank) {
            lab[best] = j;
            moved[(*nmoved)++] = best;
        }
    }
}

typedef struct fit_work {
    size_t nchunks;              /* chunks of the whole matrix */
    size_t c0;                   /* this rank's first chunk (0 on one process) */
    double *csum, *sums, *newc, *drift, *half, *u, *l, *parts, *prop;
    size_t *ccnt, *counts, *moved;
} fit_work;

static void work_free(fit_work *w)
{
    sg_free(w->csum);
    sg_free(w->sums);
    sg_free(w->newc);
    sg_free(w->drift);
    sg_free(w->half);
    sg_free(w->u);
    sg_free(w->l);
    sg_free(w->ccnt);
    sg_free(w->parts);
    sg_free(w->prop);
    sg_free(w->counts);
    sg_free(w->moved);
    memset(w, 0, sizeof *w);   /* work_alloc frees on failure, and sg_kmeans_fit again */
}

/* n: this rank's rows; sh: NULL on one process. */
static int work_alloc(fit_work *w, size_t n, size_t d, int k, int hamerly, const sg_kmeans_share *sh)
{
    size_t kk = (size_t)k;
    memset(w, 0, sizeof *w);
    w->nchunks = km_nchunks(sh ? sh->total : n);
    w->c0 = sh ? sh->first[sh->rank] / KM_CHUNK : 0;
    w->csum = sg_malloc(w->nchunks * kk * d * sizeof *w->csum);
    w->ccnt = sg_malloc(w->nchunks * kk * sizeof *w->ccnt);
    w->sums = sg_malloc(kk * d * sizeof *w->sums);
    w->newc = sg_malloc(kk * d * sizeof *w->newc);
    w->counts = sg_malloc(kk * sizeof *w->counts);
    w->moved = sg_malloc(kk * sizeof *w->moved);
    w->drift = sg_malloc(kk * sizeof *w->drift);
    w->half = sg_malloc(kk * sizeof *w->half);
    int ok = w->csum && w->ccnt && w->sums && w->newc && w->counts && w->moved && w->drift &&
             w->half;
    if (ok && hamerly) {
        w->u = sg_malloc((n ? n : 1) * sizeof *w->u);
        w->l = sg_malloc((n ? n : 1) * sizeof *w->l);
        ok = w->u && w->l;
    }
    if (ok && sh) {
        w->parts = sg_malloc(w->nchunks * sizeof *w->parts);
        w->prop = sg_malloc(((size_t)sh->nranks + 1) * (3 + d) * sizeof *w->prop);
        ok = w->parts && w->prop;
    }
    if (!ok)
        work_free(w);
    return ok ? 0 : -1;
}

/* The final assignment of a shared fit: this rank's chunks' inertia,
 * gathered and added in chunk order. */
static void assign_shared(const sg_kmeans_share *sh, km_pool *pool, fit_work *w, const double *x,
                          size_t n, size_t d, const double *c, int k, int32_t *lab,
                          double *inertia)
{
    km_assign_parts(pool, x, n, d, c, k, lab, NULL, w->parts + w->c0);
    sh->allgather_chunks(sh->ud, w->parts, sizeof *w->parts);
    double s = 0;
    for (size_t ch = 0; ch < w->nchunks; ch++)
        s += w->parts[ch];
    *inertia = s;
}

/* Lloyd or Hamerly from the centres c (updated in place); x: this rank's
 * rows under sh (NULL: one process, x all of them). */
static int run_exact(const double *x, size_t n, size_t d, int k, int hamerly, int max_iter,
                     double tol_abs, km_pool *pool, fit_work *w, const sg_kmeans_share *sh,
                     double *c, int32_t *lab, int *iters, int *conv, double *inertia,
                     sg_error *err)
{
    size_t kk = (size_t)k, kd = kk * d;
    it_ctx q = { .x = x, .n = n, .d = d, .k = k, .first = 1, .c = c, .lab = lab, .u = w->u,
                 .l = w->l, .drift = w->drift, .half = w->half, .csum = w->csum + w->c0 * kd,
                 .ccnt = w->ccnt + w->c0 * kk };
    *iters = 0;
    *conv = 0;
    for (int it = 1; it <= max_iter; it++) {
        if (hamerly) {
            for (int j = 0; j < k; j++) {
                double m = INFINITY;
                for (int j2 = 0; j2 < k; j2++) {
                    if (j2 == j)
                        continue;
                    double v = sg_dist2(c + (size_t)j * d, c + (size_t)j2 * d, d);
                    if (v < m)
                        m = v;
                }
                w->half[j] = 0.5 * sqrt(m) * (1 - KM_EPS);
            }
        }
        km_pool_run(pool, hamerly ? hamerly_chunk : lloyd_chunk, &q, km_nchunks(n));
        if (sh) {
            sh->allgather_chunks(sh->ud, w->csum, kd * sizeof *w->csum);
            sh->allgather_chunks(sh->ud, w->ccnt, kk * sizeof *w->ccnt);
        }
        q.first = 0;
        memset(w->sums, 0, kd * sizeof *w->sums);
        memset(w->counts, 0, kk * sizeof *w->counts);
        for (size_t ch = 0; ch < w->nchunks; ch++) {
            const double *cs = w->csum + ch * kd;
            const size_t *cc = w->ccnt + ch * kk;
            for (size_t v = 0; v < kd; v++)
                w->sums[v] += cs[v];
            for (size_t j = 0; j < kk; j++)
                w->counts[j] += cc[j];
        }
        int nmoved;
        if (sh)
            reseed_empty_shared(sh, x, n, d, k, c, lab, w->sums, w->counts, w->moved, &nmoved,
                                w->prop);
        else
            reseed_empty(x, n, d, k, c, lab, w->sums, w->counts, w->moved, &nmoved);
        if (hamerly) {
            for (int m = 0; m < nmoved; m++) {
                w->u[w->moved[m]] = INFINITY;
                w->l[w->moved[m]] = 0;
            }
        }
        double shift = 0;
        q.dmax1 = q.dmax2 = 0;
        q.jmax = 0;
        for (size_t j = 0; j < kk; j++) {
            double s2 = 0;
            for (size_t t = 0; t < d; t++) {
                double nv = w->counts[j] ? w->sums[j * d + t] / (double)w->counts[j] : c[j * d + t];
                double dv = nv - c[j * d + t];
                s2 += dv * dv;
                w->newc[j * d + t] = nv;
            }
            shift += s2;
            w->drift[j] = sqrt(s2) * (1 + KM_EPS);
            if (w->drift[j] > q.dmax1) {
                q.dmax2 = q.dmax1;
                q.dmax1 = w->drift[j];
                q.jmax = (int)j;
            } else if (w->drift[j] > q.dmax2) {
                q.dmax2 = w->drift[j];
            }
        }
        memcpy(c, w->newc, kd * sizeof *c);
        *iters = it;
        if (shift <= tol_abs) {
            *conv = 1;
            break;
        }
    }
    if (sh) {
        assign_shared(sh, pool, w, x, n, d, c, k, lab, inertia);
        return 0;
    }
    return km_assign(pool, x, n, d, c, k, lab, NULL, inertia, err);
}

/* ---------------------------------------------------------------- canonical numbering */

static int canon_before(const double *c, const size_t *sizes, size_t d, int a, int b)
{
    if (sizes[a] != sizes[b])
        return sizes[a] > sizes[b];
    for (size_t t = 0; t < d; t++) {
        double u = c[(size_t)a * d + t], v = c[(size_t)b * d + t];
        if (u != v)
            return u < v;
    }
    return a < b;
}

/* Renumbers clusters by decreasing size, ties by lexicographic centroid. */
static int canonicalize(double *c, size_t *sizes, size_t d, int k, int32_t *lab, size_t n,
                        sg_error *err)
{
    size_t kk = (size_t)k;
    int *order = sg_malloc(kk * sizeof *order);
    int32_t *inv = sg_malloc(kk * sizeof *inv);
    double *c2 = sg_malloc(kk * d * sizeof *c2);
    size_t *s2 = sg_malloc(kk * sizeof *s2);
    if (!order || !inv || !c2 || !s2) {
        sg_free(order);
        sg_free(inv);
        sg_free(c2);
        sg_free(s2);
        return sg_error_nomem(err);
    }
    for (int j = 0; j < k; j++) { /* insertion sort: stable, k is small */
        int v = j, p = j;
        while (p > 0 && canon_before(c, sizes, d, v, order[p - 1])) {
            order[p] = order[p - 1];
            p--;
        }
        order[p] = v;
    }
    for (int j = 0; j < k; j++) {
        inv[order[j]] = j;
        memcpy(c2 + (size_t)j * d, c + (size_t)order[j] * d, d * sizeof *c2);
        s2[j] = sizes[order[j]];
    }
    memcpy(c, c2, kk * d * sizeof *c);
    memcpy(sizes, s2, kk * sizeof *sizes);
    for (size_t i = 0; i < n; i++)
        lab[i] = inv[lab[i]];
    sg_free(order);
    sg_free(inv);
    sg_free(c2);
    sg_free(s2);
    return 0;
}

/* ---------------------------------------------------------------- fit */

static int check_finite(const double *v, size_t rows, size_t cols, const char *what,
                        sg_error *err)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (!isfinite(v[i * cols + j]))
                return sg_error_set(err, SG_EDATA,
                                    "k-means: %s row %zu, column %zu is not a finite number",
                                    what, i + 1, j + 1);
    return 0;
}

static int check_options(const sg_matrix *x, const sg_kmeans_options *o, sg_error *err)
{
    if (!x || !o || (!x->data && x->rows * x->cols > 0))
        return sg_error_set(err, SG_EINVAL, "k-means: no matrix or no options given");
    if (x->rows == 0 || x->cols == 0)
        return sg_error_set(err, SG_EINVAL, "k-means: the matrix is empty (%zu rows, %zu columns)",
                            x->rows, x->cols);
    if (o->k < 1)
        return sg_error_set(err, SG_EINVAL, "k-means: k must be at least 1 (got %d)", o->k);
    if ((size_t)o->k > x->rows)
        return sg_error_set(err, SG_EINVAL,
                            "k-means: k = %d is more than the number of rows (%zu)", o->k,
                            x->rows);
    if (o->n_init < 1)
        return sg_error_set(err, SG_EINVAL, "k-means: n_init must be at least 1 (got %d)",
                            o->n_init);
    if (o->max_iter < 1)
        return sg_error_set(err, SG_EINVAL, "k-means: max_iter must be at least 1 (got %d)",
                            o->max_iter);
    if (!(o->tol >= 0) || !isfinite(o->tol))
        return sg_error_set(err, SG_EINVAL, "k-means: tol must be a finite number >= 0 (got %g)",
                            o->tol);
    if (o->threads < 0)
        return sg_error_set(err, SG_EINVAL, "k-means: threads must be >= 0 (got %d)", o->threads);
    if (o->algo != SG_KMEANS_HAMERLY && o->algo != SG_KMEANS_LLOYD &&
        o->algo != SG_KMEANS_MINIBATCH)
        return sg_error_set(err, SG_EINVAL, "k-means: unknown algorithm %d", (int)o->algo);
    if (o->algo == SG_KMEANS_MINIBATCH && o->batch_size < 1)
        return sg_error_set(err, SG_EINVAL, "k-means: batch_size must be at least 1");
    if (check_finite(x->data, x->rows, x->cols, "matrix", err))
        return err ? err->code : SG_EDATA;
    if (o->init && check_finite(o->init, (size_t)o->k, x->cols, "init centroid", err))
        return err ? err->code : SG_EDATA;
    return 0;
}

/* Mean of the per-column (population) variances: the tol scale. */
static double mean_variance(const double *x, size_t n, size_t d)
{
    double total = 0;
    for (size_t t = 0; t < d; t++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            m += x[i * d + t];
        m /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double e = x[i * d + t] - m;
            v += e * e;
        }
        total += v / (double)n;
    }
    return total / (double)d;
}

/* Whether every rank of a shared fit went on (rc 0 on all): the first
 * rank that failed, or -1.  Every rank learns it, so all stop together. */
static int failed_rank(const sg_kmeans_share *sh, int rc)
{
    int32_t mine = rc != 0;
    sh->allgather(sh->ud, &mine, sh->status, sizeof mine);
    for (int r = 0; r < sh->nranks; r++)
        if (sh->status[r])
            return r;
    return -1;
}

static int rank_failed(const sg_kmeans_share *sh, int bad, sg_error *err)
{
    return sg_error_set(err, SG_ENOMEM, "k-means: rank %d of %d ran out of memory", bad,
                        sh->nranks);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The starting centres of a run: o->init, or k-means++ (under sh on every
 * rank over its block, the same centres on all; km_plusplus_shared). */
static int seed_run(const sg_matrix *x, const sg_kmeans_options *o, const sg_kmeans_share *sh,
                    km_pool *pool, gsl_rng *rng, double *c, sg_error *err)
{
    size_t kk = (size_t)o->k, d = x->cols;
    if (o->init) {
        memcpy(c, o->init, kk * d * sizeof *c);
        return 0;
    }
    if (!sh && o->algo == SG_KMEANS_MINIBATCH)
        return km_minibatch_init(x->data, x->rows, d, o->k, o->batch_size, rng, pool, c, err);
    return km_plusplus_shared(x->data, x->rows, d, o->k, rng, pool, sh, c, err);
}

/* Cluster sizes of the best labels (over every rank under sh), then the
 * canonical numbering; labels (rank 0 under sh: all rows) get them. */
static int finish_fit(sg_kmeans *m, const sg_kmeans_share *sh, int32_t *best_lab, size_t n,
                      int32_t *labels, sg_error *err)
{
    size_t kk = (size_t)m->k;
    for (size_t i = 0; i < n; i++)
        m->sizes[best_lab[i]]++;
    if (!sh) {
        int rc = canonicalize(m->centroids, m->sizes, m->cols, m->k, best_lab, n, err);
        if (rc == 0 && labels)
            memcpy(labels, best_lab, n * sizeof *labels);
        return rc;
    }
    uint64_t *all = sg_malloc(((size_t)sh->nranks + 1) * kk * sizeof *all);
    int bad = failed_rank(sh, !all);
    if (bad >= 0) {
        sg_free(all);
        return rank_failed(sh, bad, err);
    }
    uint64_t *mine = all + (size_t)sh->nranks * kk;
    for (size_t j = 0; j < kk; j++)
        mine[j] = m->sizes[j];
    sh->allgather(sh->ud, mine, all, kk * sizeof *mine);
    for (size_t j = 0; j < kk; j++) {   /* integers: exact in any order */
        m->sizes[j] = 0;
        for (int r = 0; r < sh->nranks; r++)
            m->sizes[j] += (size_t)all[(size_t)r * kk + j];
    }
    sg_free(all);
    bad = failed_rank(sh, canonicalize(m->centroids, m->sizes, m->cols, m->k, best_lab, n, err));
    if (bad >= 0)
        return rank_failed(sh, bad, err);
    sh->gather_labels(sh->ud, best_lab, sh->rank == 0 ? labels : NULL);
    return 0;
}

/* sg_kmeans_fit, and sg_kmeans_fit_shared with sh (x: this rank's rows). */
static sg_kmeans *fit_rows(const sg_matrix *x, const sg_kmeans_options *o,
                           const sg_kmeans_share *sh, int32_t *labels, sg_error *err)
{
    size_t n = x->rows, d = x->cols, kk = (size_t)o->k;
    int k = o->k;
    int hamerly = o->algo == SG_KMEANS_HAMERLY && k > 1;
    int minibatch = o->algo == SG_KMEANS_MINIBATCH;
    double tol_abs = o->tol * (sh ? sh->mean_var : mean_variance(x->data, n, d));
    fit_work w;
    memset(&w, 0, sizeof w);
    sg_kmeans *m = sg_calloc(1, sizeof *m);
    km_pool *pool = km_pool_new(o->threads, km_nchunks(n), err);
    int32_t *lab = sg_malloc((n ? n : 1) * sizeof *lab);
    int32_t *best_lab = sg_malloc((n ? n : 1) * sizeof *best_lab);
    double *c = sg_malloc(kk * d * sizeof *c);
    if (m) {
        m->centroids = sg_malloc(kk * d * sizeof *m->centroids);
        m->sizes = sg_calloc(kk, sizeof *m->sizes);
    }
    int ok = pool && m && lab && best_lab && c && m->centroids && m->sizes &&
             (minibatch || work_alloc(&w, n, d, k, hamerly, sh) == 0);
    if (sh) {
        int bad = failed_rank(sh, !ok);
        if (bad >= 0) {
            rank_failed(sh, bad, err);
            goto fail;
        }
    } else if (!ok) {
        if (pool)
            sg_error_nomem(err);
        goto fail;
    }
    m->k = k;
    m->cols = d;
    int runs = o->init ? 1 : o->n_init;
    for (int r = 0; r < runs; r++) {
        gsl_rng *rng = km_rng_new(o->seed, (uint64_t)r);
        int rc = rng ? 0 : sg_error_nomem(err), iters = 0, conv = 0;
        int bad = sh ? failed_rank(sh, rc) : -1;
        if (bad >= 0)
            rank_failed(sh, bad, err);
        if (rc || bad >= 0) {
            gsl_rng_free(rng);
            goto fail;
        }
        double inertia = 0, t0 = sh && sh->seed_secs ? seconds() : 0;
        rc = seed_run(x, o, sh, pool, rng, c, err);
        if (sh && sh->seed_secs)
            *sh->seed_secs += seconds() - t0;
        if (rc == 0 && minibatch) {
            rc = km_minibatch_run(x->data, n, d, k, o, tol_abs, rng, c, &iters, &conv, err);
            if (rc == 0)
                rc = km_assign(pool, x->data, n, d, c, k, lab, NULL, &inertia, err);
        } else if (rc == 0) {
            rc = run_exact(x->data, n, d, k, hamerly, o->max_iter, tol_abs, pool, &w, sh, c, lab,
                           &iters, &conv, &inertia, err);
        }
        gsl_rng_free(rng);
        if (rc)
            goto fail;
        if (r == 0 || inertia < m->inertia) { /* ties keep the earliest run */
            int32_t *tmp = best_lab;
            best_lab = lab;
            lab = tmp;
            memcpy(m->centroids, c, kk * d * sizeof *c);
            m->inertia = inertia;
            m->iterations = iters;
            m->converged = conv;
        }
    }
    if (finish_fit(m, sh, best_lab, n, labels, err))
        goto fail;
    work_free(&w);
    km_pool_free(pool);
    sg_free(lab);
    sg_free(best_lab);
    sg_free(c);
    return m;
fail:
    work_free(&w);
    km_pool_free(pool);
    sg_free(lab);
    sg_free(best_lab);
    sg_free(c);
    sg_kmeans_free(m);
    return NULL;
}

sg_kmeans *sg_kmeans_fit(const sg_matrix *x, const sg_kmeans_options *o, int32_t *labels,
                         sg_error *err)
{
    if (check_options(x, o, err))
        return NULL;
    return fit_rows(x, o, NULL, labels, err);
}

int sg_kmeans_seed(const sg_matrix *x, int k, uint64_t seed, int run, int threads,
                   const sg_kmeans_share *sh, double *centers, sg_error *err)
{
    km_pool *pool = km_pool_new(threads, km_nchunks(x->rows), err);
    gsl_rng *rng = km_rng_new(seed, (uint64_t)run);
    int rc = pool && rng ? 0 : -1;
    if (sh) {  /* every rank goes on, or none */
        int bad = failed_rank(sh, rc);
        rc = bad >= 0 ? rank_failed(sh, bad, err) : 0;
    } else if (rc) {
        sg_error_nomem(err);
    }
    if (rc == 0)
        rc = km_plusplus_shared(x->data, x->rows, x->cols, k, rng, pool, sh, centers, err);
    gsl_rng_free(rng);
    km_pool_free(pool);
    return rc;
}

sg_kmeans *sg_kmeans_fit_shared(const sg_matrix *x, const sg_kmeans_options *o,
                                const sg_kmeans_share *sh, int32_t *labels, sg_error *err)
{
    if (o->algo == SG_KMEANS_MINIBATCH) {
        /* every rank refuses alike: the options are the same */
        sg_error_set(err, SG_EINVAL, "k-means: the mini-batch algorithm does not run on ranks");
        return NULL;
    }
    return fit_rows(x, o, sh, labels, err);
}

int sg_kmeans_check(const sg_matrix *x, const sg_kmeans_options *o, sg_error *err)
{
    return check_options(x, o, err);
}

double sg_kmeans_mean_variance(const sg_matrix *x)
{
    return mean_variance(x->data, x->rows, x->cols);
}

void sg_kmeans_share_blocks(size_t total, int n, size_t *first)
{
    size_t c = km_nchunks(total);
    for (int r = 0; r <= n; r++) {
        size_t row = c * (size_t)r / (size_t)n * KM_CHUNK;
        first[r] = row < total ? row : total;
    }
}

/* ---------------------------------------------------------------- predict */

int sg_kmeans_predict(const sg_kmeans *m, const sg_matrix *x, int32_t *labels, double *dist2,
                      sg_error *err)
{
    if (!m || !x)
        return sg_error_set(err, SG_EINVAL, "k-means predict: no model or no matrix given");
    if (x->cols != m->cols)
        return sg_error_set(err, SG_EINVAL,
                            "k-means predict: the matrix has %zu columns but the model has %zu",
                            x->cols, m->cols);
    if (x->rows == 0)
        return 0;
    int rc = check_finite(x->data, x->rows, x->cols, "matrix", err);
    if (rc)
        return rc;
    km_pool *pool = km_pool_new(0, km_nchunks(x->rows), err);
    if (!pool)
        return err ? err->code : SG_ENOMEM;
    rc = km_assign(pool, x->data, x->rows, x->cols, m->centroids, m->k, labels, dist2, NULL, err);
    km_pool_free(pool);
    return rc;
}
