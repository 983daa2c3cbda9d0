/* Seeded train/test split and k-fold assignment (see split.h for the
 * reproducibility contract: the rng, the seeding and the shuffle loop). */
#include "split.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "mem.h"

/* The rows grouped by class: idx[start[g] .. start[g+1]) are the rows of
 * class g (classes by increasing value), each group shuffled. */
typedef struct groups {
    uint32_t *idx;
    size_t *start;   /* ngroups + 1 */
    size_t ngroups;
} groups;

typedef struct keyed {
    double v;
    uint32_t i;
} keyed;

/* Class value, then row: a total order, so qsort's instability is moot. */
static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *z = b;
    if (x->v != z->v)
        return x->v < z->v ? -1 : 1;
    return (x->i > z->i) - (x->i < z->i);
}

static void groups_free(groups *g)
{
    sg_free(g->idx);
    sg_free(g->start);
}

/* Fisher-Yates, exactly gsl_ran_shuffle's loop, on 32-bit indices. */
static void shuffle(uint32_t *a, size_t m, gsl_rng *r)
{
    for (size_t i = m; i-- > 1;) {
        size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)(i + 1));
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static int groups_build(const char *who, const double *strata, size_t n, uint64_t seed,
                        groups *g, sg_error *err)
{
    g->idx = NULL;
    g->start = NULL;
    g->ngroups = 0;
    if ((uint64_t)n > UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "%s: too many rows (%zu, at most %lu)", who, n,
                            (unsigned long)UINT32_MAX);
    if (strata)
        for (size_t i = 0; i < n; i++)
            if (isnan(strata[i]))
                return sg_error_set(err, SG_EDATA, "%s: stratum of row %zu is NaN", who, i);

    g->idx = sg_malloc(n * sizeof *g->idx);
    keyed *kv = strata ? sg_malloc(n * sizeof *kv) : NULL;
    if (!g->idx || (strata && !kv)) {
        sg_free(kv);
        groups_free(g);
        return sg_error_nomem(err);
    }
    if (strata) {
        for (size_t i = 0; i < n; i++)
            kv[i] = (keyed){ strata[i], (uint32_t)i };
        qsort(kv, n, sizeof *kv, cmp_keyed);
        for (size_t i = 0; i < n; i++) {
            g->idx[i] = kv[i].i;
            g->ngroups += i == 0 || kv[i].v != kv[i - 1].v;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            g->idx[i] = (uint32_t)i;
        g->ngroups = 1;
    }
    g->start = sg_malloc((g->ngroups + 1) * sizeof *g->start);
    if (!g->start) {
        sg_free(kv);
        groups_free(g);
        return sg_error_nomem(err);
    }
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || (strata && kv[i].v != kv[i - 1].v))
            g->start[ng++] = i;
    g->start[ng] = n;
    sg_free(kv);

    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) {
        groups_free(g);
        return sg_error_nomem(err);
    }
    /* MT19937 seeds from 32 bits: fold the high word in (see split.h) */
    gsl_rng_set(r, (unsigned long)(uint32_t)(seed ^ (seed >> 32)));
    for (size_t c = 0; c < g->ngroups; c++)
        shuffle(g->idx + g->start[c], g->start[c + 1] - g->start[c], r);
    gsl_rng_free(r);
    return SG_OK;
}

int sg_split_train_test(const double *strata, size_t n, double test_share, uint64_t seed,
                        uint8_t *is_test, sg_error *err)
{
    static const char who[] = "train/test split";
    if (!is_test)
        return sg_error_set(err, SG_EINVAL, "%s: NULL output", who);
    if (n == 0)
        return sg_error_set(err, SG_EINVAL, "%s: no rows", who);
    if (!(test_share > 0 && test_share < 1))
        return sg_error_set(err, SG_EINVAL, "%s: test share must be within (0, 1), got %g", who,
                            test_share);
    groups g;
    int rc = groups_build(who, strata, n, seed, &g, err);
    if (rc)
        return rc;

    size_t ntest = 0;
    for (size_t c = 0; c < g.ngroups; c++) {
        size_t a = g.start[c], m = g.start[c + 1] - a;
        double want = round(test_share * (double)m);
        size_t t = (size_t)want;
        if (strata) { /* every class of 2+ rows on both sides; singletons train */
            if (m < 2)
                t = 0;
            else if (t < 1)
                t = 1;
            else if (t > m - 1)
                t = m - 1;
        }
        for (size_t i = 0; i < m; i++)
            is_test[g.idx[a + i]] = i < t;
        ntest += t;
    }
    size_t ngroups = g.ngroups;
    groups_free(&g);
    if (ntest == 0 || ntest == n)
        return sg_error_set(err, SG_EINVAL,
                            "%s: the %s side would be empty (%zu rows, test share %g%s)", who,
                            ntest == 0 ? "test" : "training", n, test_share,
                            strata ? (ngroups == n ? ", every class has a single row"
                                                   : ", stratified")
                                   : "");
    return SG_OK;
}

int sg_split_kfold(const double *strata, size_t n, int k, uint64_t seed, int *fold,
                   sg_error *err)
{
    static const char who[] = "k-fold";
    if (!fold)
        return sg_error_set(err, SG_EINVAL, "%s: NULL output", who);
    if (k < 2)
        return sg_error_set(err, SG_EINVAL, "%s: k must be at least 2, got %d", who, k);
    if ((size_t)k > n)
        return sg_error_set(err, SG_EINVAL, "%s: k = %d folds for %zu rows (k must be <= rows)",
                            who, k, n);
    groups g;
    int rc = groups_build(who, strata, n, seed, &g, err);
    if (rc)
        return rc;
    for (size_t c = 0; c < g.ngroups; c++) {
        size_t m = g.start[c + 1] - g.start[c];
        if (m < (size_t)k) {
            double v = strata[g.idx[g.start[c]]];
            groups_free(&g);
            return sg_error_set(err, SG_EDATA,
                                "%s: class %.15g has %zu row%s, fewer than k = %d folds "
                                "(use fewer folds or no stratification)",
                                who, v, m, m == 1 ? "" : "s", k);
        }
    }
    /* deal round-robin, the position carrying over from class to class */
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        fold[g.idx[i]] = (int)pos;
        pos = pos + 1 == (size_t)k ? 0 : pos + 1;
    }
    groups_free(&g);
    return SG_OK;
}
