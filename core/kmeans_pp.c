/* k-means support shared by the k-means files: the chunked thread pool,
 * the per-run random generators, greedy k-means++ seeding and the exact
 * assignment pass (see kmeans_internal.h for the determinism rule). */
#include "kmeans_internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>


#include "kmeans_share.h"
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

/* One process sees the whole matrix as the block of rank 0 of 1; under a
 * share (kmeans_share.h) each rank holds rows [first, first + n) of total,
 * whole chunks, and the per-chunk arrays (tot, part) cover every chunk of
 * the whole matrix, this rank's filled before each gather.  Every rank
 * holds the run's generator (the same stream), so every rank makes the
 * same draws; the chunk sums are the same on every rank after the gather,
 * so every rank finds the same chunk, and the rank that holds it finds the
 * row in its own D^2, exactly as one process scans that chunk.
 *
 * A step of the greedy variant takes two gathers: the candidates' rows
 * (each rank proposes those of the draws that fall in its chunks) and the
 * candidates' potentials per chunk (added in chunk order to pick the best);
 * the best one's potentials per chunk are the next step's chunk sums (one
 * process uses them too, so the sums need no gather of their own). */
typedef struct pp_ctx {
    const double *x;             /* this rank's rows */
    size_t n, d;                 /* this rank's rows, columns */
    size_t first, total;         /* this rank's first row, rows of the whole matrix */
    size_t c0, gchunks;          /* this rank's first chunk, chunks of the whole matrix */
    double *closest;             /* n: squared distance to the closest centre so far */
    const double *cand;          /* ntrials * d candidate points */
    int ntrials;
    double *part;                /* gchunks * ntrials partial potentials */
    double *tot;                 /* gchunks: sum of closest per chunk */
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
        q->part[(q->c0 + c) * (size_t)q->ntrials + (size_t)t] = s;
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
    q->tot[q->c0 + c] = s;
}

/* After a step: the chosen centre lowers closest[] (its chunk sums are
 * already known: the candidate's potentials, the same values added in the
 * same order). */
KM_INLINE void pp_lower_range(pp_ctx *q, size_t lo, size_t hi, size_t d)
{
    for (size_t i = lo; i < hi; i++) {
        double v = sg_dist2(q->x + i * d, q->newc, d);
        if (v < q->closest[i])
            q->closest[i] = v;
    }
}

static void pp_lower_chunk(void *arg, size_t c)
{
    pp_ctx *q = arg;
    size_t lo = c * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
#define KM_CALL(D) pp_lower_range(q, lo, hi, D)
    KM_DISPATCH_D(q->d, KM_CALL)
#undef KM_CALL
}

/* A proposal is 1 + d doubles: the key, then the row's coordinates.  Key
 * -1: none; a global row (exact in a double); -0.5: the last row of the
 * whole matrix, proposed by its holder when no row has weight. */
static void pp_propose(const pp_ctx *q, size_t i, double key, double *e)
{
    e[0] = key;
    memcpy(e + 1, q->x + i * q->d, q->d * sizeof *e);
}

/* This rank's proposal for one draw of a row with probability proportional
 * to closest[] (pot: their sum; not > 0: uniform).  The chunk totals
 * locate the chunk, then a scan inside it; rounding past the last chunk
 * takes the last row with weight.  One generator draw per call, on every
 * rank alike. */
static void pp_draw(const pp_ctx *q, double pot, gsl_rng *rng, double *e)
{
    e[0] = -1;
    if (!(pot > 0)) {
        size_t id = (size_t)gsl_rng_uniform_int(rng, q->total);
        if (id >= q->first && id - q->first < q->n)
            pp_propose(q, id - q->first, (double)id, e);
        return;
    }
    double target = gsl_rng_uniform(rng) * pot, acc = 0;
    size_t c = 0;
    for (; c < q->gchunks; c++) {
        if (acc + q->tot[c] > target)
            break;
        acc += q->tot[c];
    }
    if (c == q->gchunks) { /* rounding: the last row with weight */
        for (size_t i = q->n; i-- > 0;)
            if (q->closest[i] > 0) {
                pp_propose(q, i, (double)(q->first + i), e);
                return;
            }
        if (q->n > 0 && q->first + q->n == q->total)
            pp_propose(q, q->n - 1, -0.5, e);
        return;
    }
    if (c < q->c0 || c - q->c0 >= km_nchunks(q->n))
        return;                  /* another rank's chunk */
    size_t lo = (c - q->c0) * KM_CHUNK, hi = lo + KM_CHUNK < q->n ? lo + KM_CHUNK : q->n;
    size_t last = lo;
    for (size_t i = lo; i < hi; i++) {
        if (q->closest[i] > 0) {
            last = i;
            acc += q->closest[i];
            if (acc > target)
                break;
        }
    }
    pp_propose(q, last, (double)(q->first + last), e);
}

/* Every rank's proposals for m draws (mine: m entries; all: nranks * m
 * entries of scratch) into m points of out: the largest key of each. */
static void pp_take(const sg_kmeans_share *sh, const pp_ctx *q, int m, const double *mine,
                    double *all, double *out)
{
    size_t unit = (1 + q->d) * (size_t)m, nr = sh ? (size_t)sh->nranks : 1;
    if (sh)
        sh->allgather(sh->ud, mine, all, unit * sizeof *all);
    else
        memcpy(all, mine, unit * sizeof *all);
    for (int t = 0; t < m; t++) {
        const double *best = NULL;
        for (size_t r = 0; r < nr; r++) {
            const double *e = all + r * unit + (size_t)t * (1 + q->d);
            if (e[0] > -1 && (!best || e[0] > best[0]))
                best = e;
        }
        /* every draw has a proposal: a row of some rank, or the last row */
        if (best)
            memcpy(out + (size_t)t * q->d, best + 1, q->d * sizeof *out);
    }
}

/* Every rank: 0, or the first rank whose allocations failed (as 1 + rank). */
static int pp_failed(const sg_kmeans_share *sh, int ok)
{
    if (!sh)
        return ok ? 0 : 1;
    int32_t mine = !ok;
    sh->allgather(sh->ud, &mine, sh->status, sizeof mine);
    for (int r = 0; r < sh->nranks; r++)
        if (sh->status[r])
            return 1 + r;
    return 0;
}

int km_plusplus_shared(const double *x, size_t n, size_t d, int k, gsl_rng *rng, km_pool *pool,
                       const sg_kmeans_share *sh, double *centers, sg_error *err)
{
    int ntrials = 2 + (int)floor(log((double)k));
    size_t nr = sh ? (size_t)sh->nranks : 1, unit = (size_t)ntrials * (1 + d);
    pp_ctx q = { .x = x, .n = n, .d = d, .ntrials = ntrials };
    q.total = sh ? sh->total : n;
    q.first = sh ? sh->first[sh->rank] : 0;
    q.c0 = q.first / KM_CHUNK;
    q.gchunks = km_nchunks(q.total);
    size_t mychunks = km_nchunks(n);
    q.closest = sg_malloc((n ? n : 1) * sizeof *q.closest);
    q.part = sg_malloc((q.gchunks ? q.gchunks : 1) * (size_t)ntrials * sizeof *q.part);
    q.tot = sg_malloc((q.gchunks ? q.gchunks : 1) * sizeof *q.tot);
    double *cand = sg_malloc((size_t)ntrials * d * sizeof *cand);
    double *prop = sg_malloc((nr + 1) * unit * sizeof *prop);  /* all ranks', then mine */
    int bad = pp_failed(sh, q.closest && q.part && q.tot && cand && prop);
    if (bad) {
        sg_free(q.closest);
        sg_free(q.part);
        sg_free(q.tot);
        sg_free(cand);
        sg_free(prop);
        if (!sh)
            return sg_error_nomem(err);
        return sg_error_set(err, SG_ENOMEM, "k-means: rank %d of %d ran out of memory", bad - 1,
                            sh->nranks);
    }
    double *mine = prop + nr * unit;
    q.cand = cand;
    pp_draw(&q, 0, rng, mine);   /* the first centre: uniform */
    pp_take(sh, &q, 1, mine, prop, centers);
    for (size_t i = 0; i < n; i++)
        q.closest[i] = INFINITY;
    q.newc = centers;
    km_pool_run(pool, pp_update_chunk, &q, mychunks);
    if (sh)
        sh->allgather_chunks(sh->ud, q.tot, sizeof *q.tot);
    for (int j = 1; j < k; j++) {
        double pot = 0;
        for (size_t c = 0; c < q.gchunks; c++)
            pot += q.tot[c];
        for (int t = 0; t < ntrials; t++)
            pp_draw(&q, pot, rng, mine + (size_t)t * (1 + d));
        pp_take(sh, &q, ntrials, mine, prop, cand);
        km_pool_run(pool, pp_trials_chunk, &q, mychunks);
        if (sh)
            sh->allgather_chunks(sh->ud, q.part, (size_t)ntrials * sizeof *q.part);
        int best = 0;
        double bestpot = INFINITY;
        for (int t = 0; t < ntrials; t++) {
            double s = 0;
            for (size_t c = 0; c < q.gchunks; c++)
                s += q.part[c * (size_t)ntrials + (size_t)t];
            if (s < bestpot) {
                bestpot = s;
                best = t;
            }
        }
        double *cj = centers + (size_t)j * d;
        memcpy(cj, cand + (size_t)best * d, d * sizeof *cj);
        if (j + 1 == k)
            break;
        /* the next step's chunk sums are the best candidate's potentials
         * (on every rank: no further gather) */
        for (size_t c = 0; c < q.gchunks; c++)
            q.tot[c] = q.part[c * (size_t)ntrials + (size_t)best];
        q.newc = cj;
        km_pool_run(pool, pp_lower_chunk, &q, mychunks);
    }
    sg_free(q.closest);
    sg_free(q.part);
    sg_free(q.tot);
    sg_free(cand);
    sg_free(prop);
    return 0;
}

int km_plusplus(const double *x, size_t n, size_t d, int k, gsl_rng *rng, km_pool *pool,
                double *centers, sg_error *err)
{
    return km_plusplus_shared(x, n, d, k, rng, pool, NULL, centers, err);
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
