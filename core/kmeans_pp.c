/* k-means support shared by the k-means files: the chunked thread pool,
 * the per-run random generators, greedy k-means++ seeding and the exact
 * assignment pass (see kmeans_internal.h for the determinism rule). */
#include "kmeans_internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>


#include "mem.h"

/* ---------------------------------------------------------------- pool */

struct km_pool {
    int nworkers;                 /* threads besides the caller */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    unsigned long gen;
    km_chunk_fn fn;
    void *arg;
    size_t nchunks, next;
    int busy, stop;
};

/* Takes chunks until none is left (called with p->mu unlocked). */
static void pool_drain(km_pool *p, km_chunk_fn fn, void *arg, size_t nchunks)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t c = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (c >= nchunks)
            return;
        fn(arg, c);
    }
}

static void *pool_worker(void *vp)
{
    km_pool *p = vp;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->gen == seen)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop)
            break;
        seen = p->gen;
        km_chunk_fn fn = p->fn;
        void *arg = p->arg;
        size_t nchunks = p->nchunks;
        pthread_mutex_unlock(&p->mu);
        pool_drain(p, fn, arg, nchunks);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

km_pool *km_pool_new(int threads, size_t nchunks, sg_error *err)
{
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus >= 2 ? 2 : 1;
    }
    if ((size_t)threads > nchunks)
        threads = nchunks > 0 ? (int)nchunks : 1;
    km_pool *p = sg_calloc(1, sizeof *p);
    if (!p) {
        sg_error_nomem(err);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    if (threads > 1) {
        p->tid = sg_calloc((size_t)threads - 1, sizeof *p->tid);
        if (!p->tid) {
            km_pool_free(p);
            sg_error_nomem(err);
            return NULL;
        }
        /* a thread that cannot start only costs speed, never results */
        for (int i = 0; i < threads - 1; i++) {
            if (pthread_create(&p->tid[i], NULL, pool_worker, p) != 0)
                break;
            p->nworkers++;
        }
    }
    return p;
}

void km_pool_run(km_pool *p, km_chunk_fn fn, void *arg, size_t nchunks)
{
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->nchunks = nchunks;
    p->next = 0;
    p->busy = p->nworkers;
    p->gen++;
    if (p->nworkers > 0)
        pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    pool_drain(p, fn, arg, nchunks);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void km_pool_free(km_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    sg_free(p->tid);
    sg_free(p);
}

/* ---------------------------------------------------------------- rng */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

gsl_rng *km_rng_new(uint64_t seed, uint64_t stream)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    /* stream 0 is the seed itself, so a single run is seeded plainly */
    uint64_t s = stream == 0 ? seed : splitmix64(seed ^ splitmix64(stream));
    gsl_rng_set(r, (unsigned long)(s & 0xffffffffUL));
    return r;
}

/* ---------------------------------------------------------------- k-means++ */

typedef struct pp_ctx {
    const double *x;
    size_t n, d;
    double *closest;             /* n: squared distance to the closest centre so far */
    const double *cand;          /* ntrials * d candidate points */
    int ntrials;
    double *part;                /* nchunks * ntrials partial potentials */
    double *tot;                 /* nchunks: sum of closest per chunk */
    const double *newc;          /* the centre being added */
} pp_ctx;

KM_INLINE double pp_trial_range(const pp_ctx *q, const double *ct, size_t lo, size_t hi,
                                size_t d)
{
    double s = 0;
    for (size_t i = lo; i < hi; i++) {
        double v = sg_dist2(q->x + i * d, ct, d);
        s += v < q->closest[i] ? v : q->closest[i];
    }
    return s;
}

static void pp_trials_chunk(void *arg, size_t c)
{
    pp_ctx *q = arg;
    size_t lo = c * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
    for (int t = 0; t < q->ntrials; t++) {
        const double *ct = q->cand + (size_t)t * q->d;
        double s = 0;
#define KM_CALL(D) s = pp_trial_range(q, ct, lo, hi, D)
        KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
        q->part[c * (size_t)q->ntrials + (size_t)t] = s;
    }
}

KM_INLINE double pp_update_range(pp_ctx *q, size_t lo, size_t hi, size_t d)
{
    double s = 0;
    for (size_t i = lo; i < hi; i++) {
        double v = sg_dist2(q->x + i * d, q->newc, d);
        if (v < q->closest[i])
            q->closest[i] = v;
        s += q->closest[i];
    }
    return s;
}

static void pp_update_chunk(void *arg, size_t c)
{
    pp_ctx *q = arg;
    size_t lo = c * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
    double s = 0;
#define KM_CALL(D) s = pp_update_range(q, lo, hi, D)
    KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
    q->tot[c] = s;
}

/* Draws a row with probability proportional to closest[] (the chunk
 * totals locate the chunk, then a scan inside it). */
static size_t pp_sample(const pp_ctx *q, size_t nchunks, double pot, gsl_rng *rng)
{
    if (!(pot > 0))
        return (size_t)gsl_rng_uniform_int(rng, q->n);
    double target = gsl_rng_uniform(rng) * pot, acc = 0;
    size_t c = 0;
    for (; c < nchunks; c++) {
        if (acc + q->tot[c] > target)
            break;
        acc += q->tot[c];
    }
    if (c == nchunks) { /* rounding: the last row with weight */
        for (size_t i = q->n; i-- > 0;)
            if (q->closest[i] > 0)
                return i;
        return q->n - 1;
    }
    size_t lo = c * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n, last = lo;
    for (size_t i = lo; i < hi; i++) {
        if (q->closest[i] > 0) {
            last = i;
            acc += q->closest[i];
            if (acc > target)
                return i;
        }
    }
    return last;
}

int km_plusplus(const double *x, size_t n, size_t d, int k, gsl_rng *rng, km_pool *pool,
                double *centers, sg_error *err)
{
    size_t nchunks = km_nchunks(n);
    int ntrials = 2 + (int)floor(log((double)k));
    pp_ctx q = { .x = x, .n = n, .d = d, .ntrials = ntrials };
    q.closest = sg_malloc(n * sizeof *q.closest);
    q.part = sg_malloc(nchunks * (size_t)ntrials * sizeof *q.part);
    q.tot = sg_malloc(nchunks * sizeof *q.tot);
    double *cand = sg_malloc((size_t)ntrials * d * sizeof *cand);
    if (!q.closest || !q.part || !q.tot || !cand) {
        sg_free(q.closest);
        sg_free(q.part);
        sg_free(q.tot);
        sg_free(cand);
        return sg_error_nomem(err);
    }
    q.cand = cand;
    size_t first = (size_t)gsl_rng_uniform_int(rng, n);
    memcpy(centers, x + first * d, d * sizeof *centers);
    for (size_t i = 0; i < n; i++)
        q.closest[i] = INFINITY;
    q.newc = centers;
    km_pool_run(pool, pp_update_chunk, &q, nchunks);
    for (int j = 1; j < k; j++) {
        double pot = 0;
        for (size_t c = 0; c < nchunks; c++)
            pot += q.tot[c];
        for (int t = 0; t < ntrials; t++) {
            size_t id = pp_sample(&q, nchunks, pot, rng);
            memcpy(cand + (size_t)t * d, x + id * d, d * sizeof *cand);
        }
        km_pool_run(pool, pp_trials_chunk, &q, nchunks);
        int best = 0;
        double bestpot = INFINITY;
        for (int t = 0; t < ntrials; t++) {
            double s = 0;
            for (size_t c = 0; c < nchunks; c++)
                s += q.part[c * (size_t)ntrials + (size_t)t];
            if (s < bestpot) {
                bestpot = s;
                best = t;
            }
        }
        double *cj = centers + (size_t)j * d;
        memcpy(cj, cand + (size_t)best * d, d * sizeof *cj);
        q.newc = cj;
        km_pool_run(pool, pp_update_chunk, &q, nchunks);
    }
    sg_free(q.closest);
    sg_free(q.part);
    sg_free(q.tot);
    sg_free(cand);
    return 0;
}

/* ---------------------------------------------------------------- exact assignment */

typedef struct asg_ctx {
    const double *x, *c;
    size_t n, d;
    int k;
    int32_t *labels;
    double *dist2, *part;
} asg_ctx;

KM_INLINE double asg_range(asg_ctx *q, size_t lo, size_t hi, size_t d)
{
    double s = 0;
    for (size_t i = lo; i < hi; i++) {
        double b;
        int a = km_nearest(q->x + i * d, q->c, q->k, d, &b);
        if (q->labels)
            q->labels[i] = a;
        if (q->dist2)
            q->dist2[i] = b;
        s += b;
    }
    return s;
}

static void asg_chunk(void *arg, size_t ch)
{
    asg_ctx *q = arg;
    size_t lo = ch * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
    double s = 0;
#define KM_CALL(D) s = asg_range(q, lo, hi, D)
    KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
    q->part[ch] = s;
}

void km_assign_parts(km_pool *pool, const double *x, size_t n, size_t d, const double *c, int k,
                     int32_t *labels, double *dist2, double *parts)
{
    asg_ctx q = { .x = x, .c = c, .n = n, .d = d, .k = k, .labels = labels, .dist2 = dist2,
                  .part = parts };
    km_pool_run(pool, asg_chunk, &q, km_nchunks(n));
}

int km_assign(km_pool *pool, const double *x, size_t n, size_t d, const double *c, int k,
              int32_t *labels, double *dist2, double *inertia, sg_error *err)
{
    size_t nchunks = km_nchunks(n);
    double *part = sg_malloc((nchunks ? nchunks : 1) * sizeof *part);
    if (!part)
        return sg_error_nomem(err);
    km_assign_parts(pool, x, n, d, c, k, labels, dist2, part);
    double s = 0;
    for (size_t ch = 0; ch < nchunks; ch++)
        s += part[ch];
    if (inertia)
        *inertia = s;
    sg_free(part);
    return 0;
}
