/* Exact quantiles across MPI ranks by a digit-wise search of order
 * statistics (see mpi_quantile.h, docs/mpi.md). */
#include "mpi_quantile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mpi_rfm.h"
#include "opsutil.h"
#include "rfm_internal.h"

/* The order statistics searched, the same on every rank: for each, its
 * column, its 0-based rank in the union of the column's values, and the
 * bits of its key decided so far. */
typedef struct qsel {
    size_t nwant;
    int col[SG_QSEL_WANT];
    uint64_t rank[SG_QSEL_WANT];
    uint64_t key[SG_QSEL_WANT];
} qsel;

/* An unsigned key in the numeric order of v (not NaN), -0.0 just below
 * 0.0 (sg_f64_order makes them one key; here the bits must come back). */
static uint64_t value_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

static double key_value(uint64_t k)
{
    uint64_t b = (k >> 63) ? k ^ (UINT64_C(1) << 63) : ~k;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The keys of the values of v that are not NaN, sorted, into key; their count. */
static size_t sorted_keys(const double *v, size_t n, uint64_t *key)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            key[m++] = value_key(v[i]);
    qsort(key, m, sizeof *key, cmp_u64);
    return m;
}

/* How many of a[0..n) (ascending) are below x. */
static size_t below(const uint64_t *a, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void want(qsel *s, int c, uint64_t r)
{
    for (size_t w = 0; w < s->nwant; w++)
        if (s->col[w] == c && s->rank[w] == r)
            return;
    s->col[s->nwant] = c;
    s->rank[s->nwant] = r;
    s->key[s->nwant] = 0;
    s->nwant++;
}

/* The key of the order statistic s->rank[w] of column s->col[w] is the
 * smallest K with at least rank + 1 values <= K.  It is decided a digit
 * of SG_QSEL_DIGIT bits at a time, from the top, the digits above decided
 * (P): with c_j the number of values below P + j 2^shift (j = 1 .. 2^d - 1),
 * increasing in j, K >= P + j 2^shift exactly when c_j <= rank, so the
 * digit is the number of j with c_j <= rank.  One reduction of every
 * count of every order statistic per digit: 64 / SG_QSEL_DIGIT rounds. */
static void search(qsel *s, sg_mpi_edges_local *const *ls, int nl, sg_qsel_reduce_fn red, void *ud, sg_mpi_edges *q)
{
    enum { STEPS = (1 << SG_QSEL_DIGIT) - 1 };
    uint64_t cnt[SG_QSEL_WANT * STEPS];
    size_t nc = s->nwant * STEPS;
    if (s->nwant == 0)
        return;
    for (int shift = 64 - SG_QSEL_DIGIT; shift >= 0; shift -= SG_QSEL_DIGIT) {
        for (size_t w = 0; w < s->nwant; w++) {
            int c = s->col[w];
            for (int j = 1; j <= STEPS; j++) {
                uint64_t *x = &cnt[w * STEPS + (size_t)j - 1];
                *x = 0;
                for (int r = 0; r < nl; r++)
                    *x += below(ls[r]->key[c], ls[r]->nkey[c], s->key[w] + ((uint64_t)j << shift));
            }
        }
        if (red)
            red(cnt, nc, 0, ud);
        q->reductions++;
        q->bytes += nc * sizeof *cnt;
        for (size_t w = 0; w < s->nwant; w++) {
            uint64_t digit = 0;
            for (int j = 1; j <= STEPS; j++)
                digit += cnt[w * STEPS + (size_t)j - 1] <= s->rank[w];
            s->key[w] += digit << shift;
        }
    }
}

static double found(const qsel *s, int c, uint64_t r)
{
    for (size_t w = 0; w < s->nwant; w++)
        if (s->col[w] == c && s->rank[w] == r)
            return key_value(s->key[w]);
    return NAN;   /* not reached: every rank used was searched */
}

/* ---- the request ---- */

void sg_mpi_edges_encode(const sg_mpi_edges *q, unsigned char out[16])
{
    uint64_t v[2] = { (uint64_t)q->bins, q->mask };
    memcpy(out, v, sizeof v);
}

int sg_mpi_edges_decode(const unsigned char in[16], sg_mpi_edges *q)
{
    uint64_t v[2];
    memcpy(v, in, sizeof v);
    memset(q, 0, sizeof *q);
    if (v[0] < 2 || v[0] > SG_QSEL_EDGES + 1 || v[1] >= (1u << SG_QSEL_COLS))
        return -1;
    q->bins = (int)v[0];
    q->mask = (unsigned)v[1];
    return 0;
}

/* ---- one rank's values ---- */

void sg_mpi_edges_local_free(sg_mpi_edges_local *l)
{
    sg_free(l->last);
    for (int c = 0; c < SG_QSEL_COLS; c++)
        sg_free(l->key[c]);
    memset(l, 0, sizeof *l);
}

int sg_mpi_edges_prepare(sg_mpi_edges_local *l, const unsigned char *b, size_t len, unsigned mask, sg_error *err)
{
    memset(l, 0, sizeof *l);
    sg_error_clear(err);
    size_t n = sg_mpi_rfm_fields(b, len, NULL, NULL, NULL);
    if (n == SIZE_MAX)
        return sg_error_set(err, SG_EDATA, "the RFM records are malformed");
    size_t cap = n ? n : 1;
    int64_t *freq = sg_malloc(cap * sizeof *freq);
    double *mon = sg_malloc(cap * sizeof *mon), *v = sg_malloc(cap * sizeof *v);
    l->n = n;
    l->last = sg_malloc(cap * sizeof *l->last);
    int ok = freq && mon && v && l->last;
    for (int c = 0; c < SG_QSEL_COLS; c++)
        if (mask & (1u << c))
            ok = ok && (l->key[c] = sg_malloc(cap * sizeof *l->key[c])) != NULL;
    if (ok) {
        (void)sg_mpi_rfm_fields(b, len, l->last, freq, mon);
        if (mask & 2u) {
            for (size_t i = 0; i < n; i++)
                v[i] = (double)freq[i];   /* as sg_column_num reads the int64 column */
            l->nkey[1] = sorted_keys(v, n, l->key[1]);
        }
        if (mask & 4u)
            l->nkey[2] = sorted_keys(mon, n, l->key[2]);
        if (mask & 1u)
            qsort(l->last, n, sizeof *l->last, cmp_i64);
    }
    sg_free(freq);
    sg_free(mon);
    sg_free(v);
    if (!ok) {
        sg_mpi_edges_local_free(l);
        return sg_error_nomem(err);
    }
    return 0;
}

/* ---- the computation ---- */

void sg_mpi_edges_run(sg_mpi_edges_local *const *ls, int nl, const sg_rfm_options *o, sg_mpi_edges *q,
                      sg_qsel_reduce_fn red, void *ud)
{
    qsel s;
    q->reductions = q->bytes = 0;
    q->as_of = 0;
    /* 1. as_of and recency (sg_rfm_build's: floor of days since the last
     * purchase; the last purchases ascending give recency descending) */
    if (q->mask & 1u) {
        /* { any customer, the latest purchase as an order key } */
        uint64_t top[2] = { 0, 0 };
        for (int r = 0; r < nl; r++) {
            uint64_t k = (uint64_t)(ls[r]->n ? ls[r]->last[ls[r]->n - 1] : INT64_MIN) ^ (UINT64_C(1) << 63);
            top[0] |= ls[r]->n > 0;
            top[1] = k > top[1] ? k : top[1];
        }
        if (o->has_as_of) {
            q->as_of = o->as_of;
        } else {
            if (red)
                red(top, 2, 1, ud);
            q->reductions++;
            q->bytes += sizeof top;
            /* sg_mpi_rfm_assemble's */
            q->as_of = top[0] ? sg_rfm_default_as_of((int64_t)(top[1] ^ (UINT64_C(1) << 63))) : 0;
        }
        for (int r = 0; r < nl; r++) {
            sg_mpi_edges_local *l = ls[r];
            for (size_t i = 0; i < l->n; i++)
                l->key[0][i] = value_key((double)sg_rfm_floor_day(q->as_of - l->last[l->n - 1 - i]));
            l->nkey[0] = l->n;
        }
    }
    /* 2. the values over all ranks */
    uint64_t tot[SG_QSEL_COLS] = { 0, 0, 0 };
    for (int r = 0; r < nl; r++)
        for (int c = 0; c < SG_QSEL_COLS; c++)
            tot[c] += ls[r]->nkey[c];
    if (red)
        red(tot, SG_QSEL_COLS, 0, ud);
    q->reductions++;
    q->bytes += sizeof tot;
    /* 3. the order statistics the edges need, searched together */
    double probs[SG_QSEL_EDGES];
    sg_score_probs(q->bins, probs);
    memset(&s, 0, sizeof s);
    for (int c = 0; c < SG_QSEL_COLS; c++) {
        q->values[c] = tot[c];
        for (int k = 0; k < q->bins - 1 && (q->mask & (1u << c)) && tot[c]; k++) {
            size_t lo;
            double frac = sg_ops_q7_rank((size_t)tot[c], probs[k], &lo);
            want(&s, c, lo);
            if (frac > 0)
                want(&s, c, lo + 1);
        }
    }
    search(&s, ls, nl, red, ud, q);
    /* 4. the edges, with the arithmetic of one process */
    for (int c = 0; c < SG_QSEL_COLS; c++) {
        if (!(q->mask & (1u << c)))
            continue;
        for (int k = 0; k < q->bins - 1; k++) {
            size_t lo;
            if (!tot[c]) {
                q->edges[c][k] = NAN;
                continue;
            }
            double frac = sg_ops_q7_rank((size_t)tot[c], probs[k], &lo);
            q->edges[c][k] = sg_ops_q7_value(found(&s, c, lo), frac > 0 ? found(&s, c, lo + 1) : 0, frac);
        }
    }
}

/* ---- in one process ---- */

/* Simulated ranks' values as column c of locals (keys sorted). */
static int locals_of(const double *const *vals, const size_t *n, int nr, int c, sg_mpi_edges_local **ls,
                     sg_mpi_edges_local **arr, sg_error *err)
{
    *arr = sg_calloc((size_t)(nr > 0 ? nr : 1), sizeof **arr);
    if (!*arr)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    for (int r = 0; r < nr; r++) {
        sg_mpi_edges_local *l = &(*arr)[r];
        ls[r] = l;
        l->key[c] = sg_malloc((n[r] ? n[r] : 1) * sizeof *l->key[c]);
        if (!l->key[c])
            return sg_error_set(err, SG_ENOMEM, "out of memory");
        l->nkey[c] = sorted_keys(vals[r], n[r], l->key[c]);
    }
    return 0;
}

static void locals_free(sg_mpi_edges_local *arr, int nr)
{
    for (int r = 0; arr && r < nr; r++)
        sg_mpi_edges_local_free(&arr[r]);
    sg_free(arr);
}

int sg_mpi_select_simulated(const double *const *vals, const size_t *n, int nr, const uint64_t *ranks, size_t nranks,
                            double *out, sg_error *err)
{
    sg_error_clear(err);
    if (nranks > SG_QSEL_WANT)
        return sg_error_set(err, SG_EINVAL, "at most %d order statistics", SG_QSEL_WANT);
    sg_mpi_edges_local **ls = sg_malloc((size_t)(nr > 0 ? nr : 1) * sizeof *ls), *arr = NULL;
    int rc = ls ? locals_of(vals, n, nr, 0, ls, &arr, err) : sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!rc) {
        qsel s;
        sg_mpi_edges q;
        uint64_t tot = 0;
        memset(&s, 0, sizeof s);
        memset(&q, 0, sizeof q);
        for (int r = 0; r < nr; r++)
            tot += ls[r]->nkey[0];
        for (size_t j = 0; j < nranks; j++)
            if (ranks[j] < tot) {
                s.col[s.nwant] = 0;
                s.rank[s.nwant++] = ranks[j];
            }
        search(&s, ls, nr, NULL, NULL, &q);
        for (size_t j = 0, w = 0; j < nranks; j++)
            out[j] = ranks[j] < tot ? key_value(s.key[w++]) : NAN;
    }
    locals_free(arr, nr);
    sg_free(ls);
    return rc;
}

int sg_mpi_quantile_simulated(const double *const *vals, const size_t *n, int nr, int bins, double *edges,
                              uint64_t *rounds, sg_error *err)
{
    sg_error_clear(err);
    if (bins < 2 || bins > SG_QSEL_EDGES + 1)
        return sg_error_set(err, SG_EINVAL, "bins must be between 2 and %d", SG_QSEL_EDGES + 1);
    sg_mpi_edges_local **ls = sg_malloc((size_t)(nr > 0 ? nr : 1) * sizeof *ls), *arr = NULL;
    int rc = ls ? locals_of(vals, n, nr, 2, ls, &arr, err) : sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!rc) {
        sg_mpi_edges q;
        memset(&q, 0, sizeof q);
        q.bins = bins;
        q.mask = 4u;
        sg_mpi_edges_run(ls, nr, NULL, &q, NULL, NULL);
        memcpy(edges, q.edges[2], (size_t)(bins - 1) * sizeof *edges);
        if (rounds)
            *rounds = q.reductions;
    }
    locals_free(arr, nr);
    sg_free(ls);
    return rc;
}
