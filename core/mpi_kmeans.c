/* k-means on every rank (OP_KMEANS; docs/mpi.md, "k-means on every rank").
 *
 * Rank 0 holds the feature matrix.  It broadcasts the options and the
 * matrix's shape, scatters contiguous blocks of whole chunks of rows
 * (MPI_Scatterv; sg_kmeans_share_blocks), then, for every k it fits, a
 * "go" with k (0 ends the command).  Every rank runs sg_kmeans_fit_shared
 * over its block in lockstep: the chunk partials of each iteration are
 * gathered on every rank (MPI_Allgatherv in place) and added in chunk
 * order, so centres, iterations, labels and inertia are the bits one
 * process computes (kmeans_share.h); so is the k-means++ seeding, made by
 * every rank over its block.  The choice of k (silhouette,
 * Calinski-Harabasz, Davies-Bouldin on the gathered labels) runs on rank 0
 * over the whole matrix. */
#include "mpi_kmeans.h"

#include <stdio.h>
#include <string.h>

#include "mpi.h"

#ifdef SG_MPI

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <time.h>

#include "kmeans_share.h"
#include "mem.h"

enum { CMD_WORDS = 13 };

typedef struct kcmd {
    int64_t lo, hi, k, n_init, max_iter, seed, algo, threads, total, d, has_init;
    double tol, mean_var;
    const unsigned char *init;   /* k * d doubles when has_init */
} kcmd;

static void put_word(unsigned char *b, int i, const void *v)
{
    memcpy(b + (size_t)i * 8, v, 8);
}

static void get_word(const unsigned char *b, int i, void *v)
{
    memcpy(v, b + (size_t)i * 8, 8);
}

static int decode(const unsigned char *b, size_t len, kcmd *c)
{
    if (len < CMD_WORDS * 8)
        return -1;
    int64_t *w[] = { &c->lo, &c->hi, &c->k, &c->n_init, &c->max_iter, &c->seed, &c->algo,
                     &c->threads, &c->total, &c->d, &c->has_init };
    for (int i = 0; i < 11; i++)
        get_word(b, i, w[i]);
    get_word(b, 11, &c->tol);
    get_word(b, 12, &c->mean_var);
    if (c->k < 1 || c->k > 100000 || c->d < 1 || c->total < 0 || c->hi < c->lo)
        return -1;
    /* the limits rank 0 checked (refused): MPI's int counts */
    size_t chunks = ((size_t)c->total + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
    if ((size_t)c->d > (size_t)INT_MAX || (size_t)c->total > (size_t)INT_MAX / (size_t)c->d ||
        (chunks && (size_t)c->d > (size_t)INT_MAX / 8 / (size_t)c->k / chunks))
        return -1;
    size_t need = CMD_WORDS * 8 + (c->has_init ? (size_t)c->k * (size_t)c->d * 8 : 0);
    if (len != need)
        return -1;
    c->init = c->has_init ? b + CMD_WORDS * 8 : NULL;
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The collectives of a shared fit (kmeans_share.h) over MPI_COMM_WORLD. */
typedef struct kctx {
    int n, rank;
    int *ccount, *cdisp;      /* chunks of each rank, its first chunk */
    int *rcount, *rdisp;      /* rows of each rank, its first row */
    int *bytes, *bdisp;       /* scratch for byte counts */
    uint64_t reductions, reduced;
} kctx;

static void k_allgather_chunks(void *ud, void *buf, size_t unit)
{
    kctx *q = ud;
    size_t all = 0;
    for (int r = 0; r < q->n; r++) {
        q->bytes[r] = q->ccount[r] * (int)unit;
        q->bdisp[r] = q->cdisp[r] * (int)unit;
        all += (size_t)q->bytes[r];
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, q->bytes, q->bdisp, MPI_BYTE,
                   MPI_COMM_WORLD);
    q->reductions++;
    q->reduced += all - (size_t)q->bytes[q->rank];
}

static void k_allgather(void *ud, const void *mine, void *all, size_t unit)
{
    kctx *q = ud;
    MPI_Allgather(mine, (int)unit, MPI_BYTE, all, (int)unit, MPI_BYTE, MPI_COMM_WORLD);
    q->reductions++;
    q->reduced += unit * (size_t)(q->n - 1);
}

/* From rank 0; the others poll and sleep, as the service loop does,
 * while rank 0 seeds or scores alone. */
static void k_bcast(void *ud, void *buf, size_t len)
{
    kctx *q = ud;
    MPI_Request req;
    MPI_Ibcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    if (q->rank == 0) {
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        return;
    }
    struct timespec nap = { 0, 200000 };
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nanosleep(&nap, NULL);
    }
}

static void k_gather_labels(void *ud, const int32_t *mine, int32_t *all)
{
    kctx *q = ud;
    MPI_Gatherv(mine, q->rcount[q->rank], MPI_INT32_T, all, q->rcount, q->rdisp, MPI_INT32_T, 0,
                MPI_COMM_WORLD);
}

/* Every rank: 1 when ok on all, else the first rank that is not, as
 * -1 - rank. */
static int agree(int ok, int rank)
{
    int v = ok ? INT_MAX : rank, m = INT_MAX;
    MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return m == INT_MAX ? 1 : -1 - m;
}

/* The share of this rank: blocks, counts and hooks (all allocated in one
 * go).  0, or -1 out of memory. */
typedef struct kshare {
    sg_kmeans_share sh;
    kctx q;
    size_t *first;
    int *ints;
    int32_t *status;
    sg_matrix mine;
    double *rows;             /* ranks 1..n-1: their block */
    double seed_secs;         /* time in k-means++ seeding (on every rank) */
} kshare;

static int share_init(kshare *s, int n, int rank, size_t total, size_t d, double mean_var)
{
    memset(s, 0, sizeof *s);
    s->first = sg_malloc(((size_t)n + 1) * sizeof *s->first);
    s->ints = sg_malloc((size_t)n * 6 * sizeof *s->ints);
    s->status = sg_malloc((size_t)n * sizeof *s->status);
    if (!s->first || !s->ints || !s->status)
        return -1;
    sg_kmeans_share_blocks(total, n, s->first);
    kctx *q = &s->q;
    q->n = n;
    q->rank = rank;
    q->ccount = s->ints;
    q->cdisp = s->ints + n;
    q->rcount = s->ints + 2 * n;
    q->rdisp = s->ints + 3 * n;
    q->bytes = s->ints + 4 * n;
    q->bdisp = s->ints + 5 * n;
    for (int r = 0; r < n; r++) {
        size_t c0 = s->first[r] / SG_KMEANS_CHUNK;
        size_t c1 = (s->first[r + 1] + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
        q->cdisp[r] = (int)c0;
        q->ccount[r] = (int)(c1 - c0);
        q->rdisp[r] = (int)s->first[r];
        q->rcount[r] = (int)(s->first[r + 1] - s->first[r]);
    }
    s->sh = (sg_kmeans_share){ .nranks = n, .rank = rank, .total = total, .first = s->first,
                               .mean_var = mean_var, .status = s->status, .ud = q,
                               .allgather_chunks = k_allgather_chunks, .allgather = k_allgather,
                               .bcast = k_bcast, .gather_labels = k_gather_labels,
                               .seed_secs = &s->seed_secs };
    size_t mine = s->first[rank + 1] - s->first[rank];
    s->mine.rows = mine;
    s->mine.cols = d;
    if (rank > 0) {
        s->rows = sg_malloc((mine ? mine : 1) * d * sizeof *s->rows);
        if (!s->rows)
            return -1;
        s->mine.data = s->rows;
    }
    return 0;
}

static void share_free(kshare *s)
{
    sg_free(s->first);
    sg_free(s->ints);
    sg_free(s->status);
    sg_free(s->rows);
}

/* Rank 0's block is the first rows of x; the others receive theirs. */
static void scatter_rows(kshare *s, const sg_matrix *x, size_t d)
{
    kctx *q = &s->q;
    for (int r = 0; r < q->n; r++) {
        q->bytes[r] = q->rcount[r] * (int)d;
        q->bdisp[r] = q->rdisp[r] * (int)d;
    }
    if (q->rank == 0) {
        s->mine.data = x->data;
        MPI_Scatterv(x->data, q->bytes, q->bdisp, MPI_DOUBLE, MPI_IN_PLACE, 0, MPI_DOUBLE, 0,
                     MPI_COMM_WORLD);
    } else {
        MPI_Scatterv(NULL, NULL, NULL, MPI_DOUBLE, s->rows, q->bytes[q->rank], MPI_DOUBLE, 0,
                     MPI_COMM_WORLD);
    }
}

/* Rank 0 sends k (0: the command ends), the others receive it. */
static int64_t go(kshare *s, int64_t k)
{
    s->sh.bcast(s->sh.ud, &k, sizeof k);
    return k;
}

static void options_of(const kcmd *c, sg_kmeans_options *o)
{
    sg_kmeans_options_init(o);
    o->k = (int)c->k;
    o->n_init = (int)c->n_init;
    o->max_iter = (int)c->max_iter;
    o->tol = c->tol;
    memcpy(&o->seed, &c->seed, sizeof o->seed);
    o->algo = (sg_kmeans_algo)c->algo;
    o->threads = (int)c->threads;
}

void sg_mpi_kmeans_serve(const unsigned char *b, size_t len)
{
    kcmd c;
    memset(&c, 0, sizeof c);
    int n = sg_mpi_size(), rank = sg_mpi_rank();
    if (decode(b, len, &c) != 0) {
        fprintf(stderr, "segmint: rank %d of %d: a malformed k-means command: the job ends\n",
                rank, n);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return;
    }
    sg_kmeans_options o;
    options_of(&c, &o);
    double *init = NULL;
    size_t kd = (size_t)c.k * (size_t)c.d;
    kshare s;
    int ok = share_init(&s, n, rank, (size_t)c.total, (size_t)c.d, c.mean_var) == 0;
    if (ok && c.has_init) {   /* an aligned copy of the given centres */
        init = sg_malloc(kd * sizeof *init);
        ok = init != NULL;
        if (ok)
            memcpy(init, c.init, kd * sizeof *init);
        o.init = init;
    }
    if (agree(ok, rank) == 1) {
        scatter_rows(&s, NULL, (size_t)c.d);
        for (int64_t k; (k = go(&s, 0)) > 0;) {
            o.k = (int)k;
            sg_error err;
            sg_kmeans_free(sg_kmeans_fit_shared(&s.mine, &o, &s.sh, NULL, &err));
        }
    }
    sg_free(init);
    share_free(&s);
}

/* The fits of rank 0 (sg_kmeans_auto_with's fit): the go with k, then the
 * shared fit of its block; x is the whole matrix. */
typedef struct kfit {
    kshare *s;
    uint64_t fits;
    double secs;
} kfit;

static sg_kmeans *fit_on_ranks(void *ud, const sg_matrix *x, const sg_kmeans_options *o,
                               int32_t *labels, sg_error *err)
{
    kfit *f = ud;
    (void)x;
    double t0 = now();
    go(f->s, o->k);
    sg_kmeans *m = sg_kmeans_fit_shared(&f->s->mine, o, &f->s->sh, labels, err);
    f->fits++;
    f->secs += now() - t0;
    return m;
}

/* Why the ranks cannot be used for these options and this matrix (the
 * caller's own fit then gives any message); NULL when they can. */
static const char *refused(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                           char *why, size_t whylen)
{
    if (o->algo == SG_KMEANS_MINIBATCH)
        return "the mini-batch algorithm samples rows of the whole matrix at random";
    if (lo > 0 && o->init)
        return "given starting centres with a range of k (they fit one k only)";
    sg_kmeans_options oc = *o;
    if (lo > 0) {
        if (lo < 2 || hi < lo || hi > 100 || (size_t)hi >= x->rows)
            return "the k range is refused (the fit on rank 0 says why)";
        oc.k = hi;
    }
    sg_error e;
    if (sg_kmeans_check(x, &oc, &e) != 0) {
        snprintf(why, whylen, "%s", e.msg);
        return why;
    }
    /* MPI counts are ints: the matrix's values, and the chunk partials
     * (k * cols doubles per chunk) of all chunks */
    size_t chunks = (x->rows + SG_KMEANS_CHUNK - 1) / SG_KMEANS_CHUNK;
    if (x->rows > (size_t)INT_MAX / x->cols ||
        x->cols > (size_t)INT_MAX / 8 / (size_t)oc.k / chunks)
        return "the matrix is too large for MPI's int counts";
    return NULL;
}

int sg_mpi_kmeans(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi, size_t sample,
                  sg_kmeans **out, int32_t *labels, sg_kmeans_score *scores, size_t *chosen,
                  sg_mpi_kmeans_stats *st, char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    memset(st, 0, sizeof *st);
    int n = sg_mpi_size();
    if (n < 2 || sg_mpi_rank() != 0) {
        snprintf(why, whylen, "one rank");
        return 0;
    }
    const char *no = refused(x, o, lo, hi, why, whylen);
    if (no) {
        if (no != why)
            snprintf(why, whylen, "%s", no);
        return 0;
    }
    double t0 = now();
    size_t d = x->cols, kd = (size_t)o->k * d;
    int has_init = lo == 0 && o->init != NULL;
    size_t len = CMD_WORDS * 8 + (has_init ? kd * 8 : 0);
    unsigned char *b = sg_malloc(len);
    st->rows = sg_malloc((size_t)n * sizeof *st->rows);
    if (!b || !st->rows) {
        sg_free(b);
        sg_free(st->rows);
        st->rows = NULL;
        return sg_error_nomem(err), -1;
    }
    int64_t w[11] = { lo, hi, lo > 0 ? lo : o->k, o->n_init, o->max_iter, 0, o->algo, o->threads,
                      (int64_t)x->rows, (int64_t)d, has_init };
    memcpy(&w[5], &o->seed, 8);
    for (int i = 0; i < 11; i++)
        put_word(b, i, &w[i]);
    double mean_var = sg_kmeans_mean_variance(x);
    put_word(b, 11, &o->tol);
    put_word(b, 12, &mean_var);
    if (has_init)
        memcpy(b + CMD_WORDS * 8, o->init, kd * 8);
    sg_mpi_kmeans_command(b, len);
    sg_free(b);
    kshare s;
    int bad = agree(share_init(&s, n, 0, x->rows, d, mean_var) == 0, 0);
    if (bad != 1) {
        share_free(&s);
        sg_free(st->rows);
        st->rows = NULL;
        return sg_error_set(err, SG_ENOMEM, "rank %d of %d, k-means: out of memory for its rows",
                            -1 - bad, n), -1;
    }
    scatter_rows(&s, x, d);
    st->secs[1] = now() - t0;
    st->ranks = n;
    for (int r = 0; r < n; r++) {
        st->rows[r] = s.first[r + 1] - s.first[r];
        if (r > 0)
            st->scattered += st->rows[r] * d * sizeof(double);
    }
    kfit f = { &s, 0, 0 };
    int rc = 0;
    if (lo == 0) {
        *out = fit_on_ranks(&f, x, o, labels, err);
    } else {
        *out = sg_kmeans_auto_with(x, o, lo, hi, sample, fit_on_ranks, &f, labels, scores, chosen,
                                   err);
    }
    go(&s, 0);
    if (!*out)
        rc = -1;
    st->fits = f.fits;
    st->reductions = s.q.reductions;
    st->reduced = s.q.reduced;
    for (int r = 1; r < n; r++)
        st->labels += f.fits * st->rows[r] * sizeof(int32_t);
    st->secs[2] = f.secs;
    st->secs[3] = s.seed_secs;
    st->secs[0] = now() - t0;
    share_free(&s);
    if (rc) {
        sg_free(st->rows);
        st->rows = NULL;
        return -1;
    }
    return 1;
}

#else /* built without MPI */

int sg_mpi_kmeans(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi, size_t sample,
                  sg_kmeans **out, int32_t *labels, sg_kmeans_score *scores, size_t *chosen,
                  sg_mpi_kmeans_stats *st, char *why, size_t whylen, sg_error *err)
{
    (void)x, (void)o, (void)lo, (void)hi, (void)sample, (void)labels, (void)scores, (void)chosen;
    (void)st, (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

void sg_mpi_kmeans_serve(const unsigned char *b, size_t len)
{
    (void)b, (void)len;
}

#endif
