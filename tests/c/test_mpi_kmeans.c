/* k-means shared by 1 to 3 simulated ranks in one process (threads meeting
 * at a barrier for each collective of kmeans_share.h), each holding a block
 * of whole chunks of rows: the centres, labels, inertia, iterations and
 * sizes are the bits sg_kmeans_fit gives over the whole matrix (Hamerly and
 * Lloyd, several chunks, fewer chunks than ranks, given centres with an
 * empty cluster to reseed), and k = "auto" chooses the same k with the same
 * scores and labels as sg_kmeans_auto; the k-means++ seeding alone gives
 * every rank the centres of one process. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "kmeans.h"
#include "kmeans_share.h"
#include "matrix.h"
#include "mem.h"
#include "tap.h"

#define MAXR 3

/* ---- the simulated collectives: one scratch buffer, a barrier ---- */

typedef struct sim {
    pthread_barrier_t bar;
    unsigned char *scratch;
    const size_t *first;
    int n;
} sim;

typedef struct rank_ud {
    sim *s;
    int rank;
} rank_ud;

static void s_allgather_chunks(void *ud, void *buf, size_t unit)
{
    rank_ud *u = ud;
    sim *s = u->s;
    size_t c0 = s->first[u->rank] / SG_KMEANS_CHUNK;
    size_t c1 = (s->first[u->rank + 1] + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
    size_t call = (s->first[s->n] + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
    memcpy(s->scratch + c0 * unit, (unsigned char *)buf + c0 * unit, (c1 - c0) * unit);
    pthread_barrier_wait(&s->bar);
    memcpy(buf, s->scratch, call * unit);
    pthread_barrier_wait(&s->bar);
}

static void s_allgather(void *ud, const void *mine, void *all, size_t unit)
{
    rank_ud *u = ud;
    memcpy(u->s->scratch + (size_t)u->rank * unit, mine, unit);
    pthread_barrier_wait(&u->s->bar);
    memcpy(all, u->s->scratch, (size_t)u->s->n * unit);
    pthread_barrier_wait(&u->s->bar);
}

static void s_bcast(void *ud, void *buf, size_t len)
{
    rank_ud *u = ud;
    if (u->rank == 0)
        memcpy(u->s->scratch, buf, len);
    pthread_barrier_wait(&u->s->bar);
    if (u->rank != 0)
        memcpy(buf, u->s->scratch, len);
    pthread_barrier_wait(&u->s->bar);
}

static void s_gather_labels(void *ud, const int32_t *mine, int32_t *all)
{
    rank_ud *u = ud;
    size_t a = u->s->first[u->rank], b = u->s->first[u->rank + 1];
    memcpy(u->s->scratch + a * sizeof *mine, mine, (b - a) * sizeof *mine);
    pthread_barrier_wait(&u->s->bar);
    if (u->rank == 0)
        memcpy(all, u->s->scratch, u->s->first[u->s->n] * sizeof *all);
    pthread_barrier_wait(&u->s->bar);
}

/* ---- one rank ---- */

typedef struct job {
    sim *s;
    rank_ud u;
    sg_kmeans_share sh;
    int32_t status[MAXR];
    sg_matrix mine;
    const sg_matrix *whole;
    sg_kmeans_options o;
    int lo, hi;                /* auto: k = lo..hi; lo 0: o.k */
    /* rank 0's results */
    sg_kmeans *km;
    int32_t *labels;
    sg_kmeans_score scores[16];
    size_t chosen;
    int failed;
    /* seeding alone (lo < 0): run hi's k-means++ centres on every rank */
    double centers[8 * 4];
} job;

/* The "go" of core/mpi_kmeans.c: rank 0 says which k comes next (0: no more). */
static int64_t go(job *j, int64_t k)
{
    j->sh.bcast(j->sh.ud, &k, sizeof k);
    return k;
}

static sg_kmeans *fit_on_ranks(void *ud, const sg_matrix *x, const sg_kmeans_options *o,
                               int32_t *labels, sg_error *err)
{
    job *j = ud;
    (void)x;
    go(j, o->k);
    return sg_kmeans_fit_shared(&j->mine, o, &j->sh, labels, err);
}

static void *run_rank(void *arg)
{
    job *j = arg;
    sg_error err;
    if (j->lo < 0) {
        j->failed = sg_kmeans_seed(&j->mine, j->o.k, j->o.seed, j->hi, j->o.threads, &j->sh,
                                   j->centers, &err) != 0;
        return NULL;
    }
    if (j->u.rank == 0) {
        if (j->lo == 0)
            j->km = fit_on_ranks(j, j->whole, &j->o, j->labels, &err);
        else
            j->km = sg_kmeans_auto_with(j->whole, &j->o, j->lo, j->hi, 500, fit_on_ranks, j,
                                        j->labels, j->scores, &j->chosen, &err);
        j->failed = !j->km;
        if (!j->km)
            tap_diag("rank 0: %s", err.msg);
        go(j, 0);
        return NULL;
    }
    sg_kmeans_options o = j->o;
    for (int64_t k; (k = go(j, 0)) > 0;) {
        o.k = (int)k;
        sg_kmeans *m = sg_kmeans_fit_shared(&j->mine, &o, &j->sh, NULL, &err);
        if (!m)
            j->failed = 1;
        sg_kmeans_free(m);
    }
    return NULL;
}

/* Runs the fit (lo 0), the choice of k (lo..hi) or the seeding of run hi
 * (lo < 0) on n simulated ranks; rank 0's job holds the results (the
 * caller frees km and labels), every rank's its seeded centres. */
static int run_ranks(int n, const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                     job *jobs, size_t *first)
{
    sim s;
    s.n = n;
    s.first = first;
    size_t chunks = (x->rows + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
    size_t cap = chunks * 16 * x->cols * 8 + x->rows * 4 + (size_t)MAXR * (3 + x->cols) * 8 + 4096;
    s.scratch = malloc(cap);
    sg_kmeans_share_blocks(x->rows, n, first);
    pthread_barrier_init(&s.bar, NULL, (unsigned)n);
    double mv = sg_kmeans_mean_variance(x);
    pthread_t tid[MAXR];
    for (int r = 0; r < n; r++) {
        job *j = &jobs[r];
        memset(j, 0, sizeof *j);
        j->s = &s;
        j->u = (rank_ud){ &s, r };
        j->o = *o;
        j->lo = lo;
        j->hi = hi;
        j->whole = x;
        j->mine.rows = first[r + 1] - first[r];
        j->mine.cols = x->cols;
        j->mine.data = x->data + first[r] * x->cols;   /* a rank's own copy in a run */
        j->sh = (sg_kmeans_share){ .nranks = n, .rank = r, .total = x->rows, .first = first,
                                   .mean_var = mv,
                                   .status = j->status, .ud = &j->u,
                                   .allgather_chunks = s_allgather_chunks,
                                   .allgather = s_allgather, .bcast = s_bcast,
                                   .gather_labels = s_gather_labels };
        if (r == 0)
            j->labels = calloc(x->rows, sizeof *j->labels);
    }
    for (int r = 0; r < n; r++)
        pthread_create(&tid[r], NULL, run_rank, &jobs[r]);
    int failed = 0;
    for (int r = 0; r < n; r++) {
        pthread_join(tid[r], NULL);
        failed |= jobs[r].failed;
    }
    pthread_barrier_destroy(&s.bar);
    free(s.scratch);
    return failed;
}

static int same_bits(const void *a, const void *b, size_t n)
{
    return memcmp(a, b, n) == 0;
}

/* One fit on 1..3 ranks against sg_kmeans_fit. */
static void check_fit(const char *name, const sg_matrix *x, const sg_kmeans_options *o)
{
    int32_t *want = calloc(x->rows, sizeof *want);
    sg_error err;
    sg_kmeans *one = sg_kmeans_fit(x, o, want, &err);
    if (!one) {
        tap_ok(0, "%s: the one-process fit (%s)", name, err.msg);
        free(want);
        return;
    }
    for (int n = 1; n <= MAXR; n++) {
        job jobs[MAXR];
        size_t first[MAXR + 1];
        int failed = run_ranks(n, x, o, 0, 0, jobs, first);
        sg_kmeans *km = jobs[0].km;
        int ok = !failed && km && km->k == one->k &&
                 same_bits(km->centroids, one->centroids,
                           (size_t)one->k * x->cols * sizeof *km->centroids) &&
                 same_bits(&km->inertia, &one->inertia, sizeof km->inertia) &&
                 km->iterations == one->iterations && km->converged == one->converged &&
                 same_bits(km->sizes, one->sizes, (size_t)one->k * sizeof *km->sizes) &&
                 same_bits(jobs[0].labels, want, x->rows * sizeof *want);
        char blocks[64] = "";
        for (int r = 0; r < n; r++)
            snprintf(blocks + strlen(blocks), sizeof blocks - strlen(blocks), "%s%zu",
                     r ? "/" : "", first[r + 1] - first[r]);
        tap_ok(ok, "%s, %d rank%s (rows %s): centres, inertia %.17g, %d iterations, sizes and labels the bits of one process",
               name, n, n > 1 ? "s" : "", blocks, one->inertia, one->iterations);
        sg_kmeans_free(km);
        free(jobs[0].labels);
    }
    sg_kmeans_free(one);
    free(want);
}

/* The k-means++ seeding of run `run` on 1..3 ranks: every rank's centres
 * are the bits sg_kmeans_seed gives over the whole matrix on one process. */
static void check_seed(const char *name, const sg_matrix *x, int k, int run)
{
    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    o.k = k;
    size_t kd = (size_t)k * x->cols;
    double want[8 * 4];
    sg_error err;
    if (kd > sizeof want / sizeof *want || sg_kmeans_seed(x, k, o.seed, run, 0, NULL, want, &err)) {
        tap_ok(0, "%s: the one-process seeding", name);
        return;
    }
    for (int n = 1; n <= MAXR; n++) {
        job jobs[MAXR];
        size_t first[MAXR + 1];
        int ok = !run_ranks(n, x, &o, -1, run, jobs, first);
        for (int r = 0; ok && r < n; r++)
            ok = same_bits(jobs[r].centers, want, kd * sizeof *want);
        free(jobs[0].labels);
        tap_ok(ok, "%s, run %d, %d rank%s: every rank's k-means++ centres the bits of one process "
                   "(first %.17g)", name, run, n, n > 1 ? "s" : "", want[0]);
    }
}

static sg_matrix *mixture(size_t n, size_t d, int nb, double sd, unsigned long seed)
{
    sg_matrix *m = sg_matrix_new(n, d);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n; i++) {
        int b = (int)gsl_rng_uniform_int(r, (unsigned long)nb);
        for (size_t t = 0; t < d; t++)
            m->data[i * d + t] = (double)((b + (int)t) % nb) * 2.0 + gsl_ran_gaussian(r, sd);
    }
    gsl_rng_free(r);
    return m;
}

int main(void)
{
    sg_matrix *big = mixture(20000, 3, 5, 0.8, 7);      /* 3 chunks */
    sg_matrix *small = mixture(3000, 2, 3, 0.5, 11);    /* 1 chunk */
    sg_kmeans_options o;
    sg_kmeans_options_init(&o);
    o.k = 5;
    o.n_init = 2;
    check_fit("Hamerly, 20,000 rows, k 5", big, &o);
    o.algo = SG_KMEANS_LLOYD;
    o.k = 7;
    check_fit("Lloyd, 20,000 rows, k 7", big, &o);
    o.algo = SG_KMEANS_HAMERLY;
    o.k = 3;
    o.threads = 1;
    check_fit("Hamerly, 3,000 rows (one chunk: fewer chunks than ranks), k 3", small, &o);
    o.threads = 0;

    /* given centres, one far from every point: its cluster is empty after
     * the first assignment and takes the farthest point (the reseed) */
    double init[4 * 3] = { 0, 0, 0, 2, 2, 2, 4, 4, 4, 1000, 1000, 1000 };
    o.k = 4;
    o.init = init;
    check_fit("given centres with an empty cluster, 20,000 rows, k 4", big, &o);
    o.init = NULL;

    /* k = "auto": the choice and its scores */
    o.k = 0;
    o.n_init = 2;
    sg_error err;
    int32_t *want = calloc(big->rows, sizeof *want);
    sg_kmeans_score sc[16];
    size_t chosen = 0;
    sg_kmeans *one = sg_kmeans_auto(big, &o, 2, 6, 500, want, sc, &chosen, &err);
    tap_ok(one != NULL, "k auto on one process: k = %d", one ? one->k : 0);
    for (int n = 2; n <= MAXR; n++) {
        job jobs[MAXR];
        size_t first[MAXR + 1];
        int failed = run_ranks(n, big, &o, 2, 6, jobs, first);
        sg_kmeans *km = jobs[0].km;
        int ok = !failed && km && one && jobs[0].chosen == chosen && km->k == one->k &&
                 same_bits(km->centroids, one->centroids,
                           (size_t)one->k * big->cols * sizeof *km->centroids) &&
                 same_bits(jobs[0].labels, want, big->rows * sizeof *want);
        for (int i = 0; ok && i < 5; i++)
            ok = jobs[0].scores[i].k == sc[i].k &&
                 same_bits(&jobs[0].scores[i].inertia, &sc[i].inertia, sizeof sc[i].inertia) &&
                 same_bits(&jobs[0].scores[i].silhouette, &sc[i].silhouette, sizeof(double)) &&
                 jobs[0].scores[i].iterations == sc[i].iterations;
        tap_ok(ok, "k auto (2..6) on %d ranks: the same k, inertias, silhouettes, centres and labels", n);
        sg_kmeans_free(km);
        free(jobs[0].labels);
    }
    sg_kmeans_free(one);
    free(want);

    /* the seeding alone: k 8 (4 candidates a step) on 3 chunks, two runs;
     * 3 distinct points for 5 centres (the potential falls to 0 and the
     * last draws are uniform over all rows); one chunk on the last rank */
    check_seed("seeding, 20,000 rows, k 8", big, 8, 0);
    check_seed("seeding, 20,000 rows, k 8", big, 8, 1);
    sg_matrix *three = sg_matrix_new(20000, 2);
    for (size_t i = 0; i < three->rows; i++) {
        three->data[2 * i] = (double)(i % 3);
        three->data[2 * i + 1] = (double)(i % 3) * 0.5;
    }
    check_seed("seeding, 20,000 rows of 3 distinct points, k 5", three, 5, 0);
    sg_matrix_free(three);
    check_seed("seeding, 3,000 rows (one chunk), k 3", small, 3, 0);

    /* the blocks: whole chunks, the last ranks first when chunks are few */
    size_t first[4];
    sg_kmeans_share_blocks(20000, 3, first);
    tap_ok(first[0] == 0 && first[1] == 8192 && first[2] == 16384 && first[3] == 20000,
           "blocks of 20,000 rows on 3 ranks: 0, 8192, 16384, 20000");
    sg_kmeans_share_blocks(3000, 3, first);
    tap_ok(first[0] == 0 && first[1] == 0 && first[2] == 0 && first[3] == 3000,
           "blocks of 3,000 rows (one chunk) on 3 ranks: the last rank holds it");
    sg_kmeans_share_blocks(20000, 2, first);
    tap_ok(first[1] == 8192 && first[2] == 20000, "blocks of 20,000 rows on 2 ranks: 8192 and 11808");

    sg_matrix_free(big);
    sg_matrix_free(small);
    return tap_done();
}
