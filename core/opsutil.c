/* Private helpers shared by the whole-column operations: dictionary
 * ranks, type 7 quantiles by selection, a set of 64-bit values. */
#include "opsutil.h"

#include <stdlib.h>

#include "mem.h"

/* ---- dictionary ranks ---- */

typedef struct str_ref {
    const char *s;
    size_t len;
    uint32_t code;
} str_ref;

static int cmp_str_ref(const void *pa, const void *pb)
{
    const str_ref *a = pa, *b = pb;
    size_t m = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->s, b->s, m);
    if (r != 0)
        return r;
    return (a->len > b->len) - (a->len < b->len);
}

uint32_t *sg_ops_dict_ranks(const sg_dict *d)
{
    size_t n = sg_dict_size(d);
    uint32_t *rank = sg_malloc((n ? n : 1) * sizeof *rank);
    str_ref *refs = sg_malloc((n ? n : 1) * sizeof *refs);
    if (!rank || !refs) {
        sg_free(rank);
        sg_free(refs);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        refs[k].s = sg_dict_str(d, (int32_t)k, &refs[k].len);
        refs[k].code = (uint32_t)k;
    }
    qsort(refs, n, sizeof *refs, cmp_str_ref);
    /* the dictionary holds each text once, so ranks are distinct */
    for (size_t k = 0; k < n; k++)
        rank[refs[k].code] = (uint32_t)k;
    sg_free(refs);
    return rank;
}

/* ---- selection ---- */

/* Places the k-th smallest of a[lo..hi] at a[k], smaller ones before and
 * larger ones after (Hoare partition around a median of three). */
static void select_k(double *a, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
    while (hi > lo) {
        if (hi - lo < 16) {
            for (ptrdiff_t i = lo + 1; i <= hi; i++) {
                double v = a[i];
                ptrdiff_t j = i - 1;
                while (j >= lo && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        ptrdiff_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi], p;
        if (x < y)
            p = y < z ? y : (x < z ? z : x);
        else
            p = x < z ? x : (y < z ? z : y);
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;   /* a[j+1..i-1] all equal the pivot */
    }
}

double sg_ops_q7_rank(size_t n, double p, size_t *lo)
{
    double h = (double)(n - 1) * p;
    ptrdiff_t l = (ptrdiff_t)floor(h);
    if (l < 0)
        l = 0;
    if (l > (ptrdiff_t)n - 1)
        l = (ptrdiff_t)n - 1;
    double frac = h - (double)l;
    *lo = (size_t)l;
    return frac > 0 && l + 1 < (ptrdiff_t)n ? frac : 0;
}

double sg_ops_q7_value(double xlo, double xhi, double frac)
{
    return frac > 0 ? xlo + frac * (xhi - xlo) : xlo;
}

void sg_ops_quantiles(double *a, size_t n, const double *probs, size_t np, double *out)
{
    if (n == 0) {
        for (size_t k = 0; k < np; k++)
            out[k] = NAN;
        return;
    }
    /* visit the probabilities in increasing order so each selection only
     * has to look right of the previous one */
    size_t done = 0;            /* probabilities handled */
    double last_p = -1;
    ptrdiff_t from = 0;         /* a[from..] not yet partitioned for larger k */
    while (done < np) {
        /* smallest probability greater than last_p (np is small) */
        double p = 2;
        for (size_t k = 0; k < np; k++)
            if (probs[k] > last_p && probs[k] < p)
                p = probs[k];
        size_t at;
        double frac = sg_ops_q7_rank(n, p, &at);
        ptrdiff_t lo = (ptrdiff_t)at;
        select_k(a, from, (ptrdiff_t)n - 1, lo);
        double v = a[lo];
        if (frac > 0) {
            double up = a[lo + 1];
            for (size_t i = (size_t)lo + 2; i < n; i++)
                if (a[i] < up)
                    up = a[i];
            v = sg_ops_q7_value(v, up, frac);
        }
        from = lo;
        for (size_t k = 0; k < np; k++)
            if (probs[k] == p) {
                out[k] = v;
                done++;
            }
        last_p = p;
        if (p > 1)   /* probabilities outside [0,1] or NaN: callers check */
            break;
    }
    for (size_t k = 0; k < np; k++)
        if (!(probs[k] >= 0 && probs[k] <= 1))
            out[k] = NAN;
}

/* ---- set of 64-bit values ---- */

#define SET_EMPTY UINT64_C(0x9e3779b97f4a7c15)   /* an unlikely value marks free slots */

static void set_fill(uint64_t *keys, size_t cap)
{
    for (size_t k = 0; k < cap; k++)
        keys[k] = SET_EMPTY;
}

int sg_u64set_reset(sg_u64set *s, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    if (cap > s->alloc) {
        uint64_t *k = sg_realloc(s->keys, cap * sizeof *k);
        if (!k)
            return -1;
        s->keys = k;
        s->alloc = cap;
    }
    s->cap = cap;
    s->n = 0;
    s->has_empty = 0;
    set_fill(s->keys, cap);
    return 0;
}

static int set_grow(sg_u64set *s)
{
    size_t cap = s->cap * 2;
    uint64_t *keys = sg_malloc(cap * sizeof *keys);
    if (!keys)
        return -1;
    set_fill(keys, cap);
    for (size_t k = 0; k < s->cap; k++) {
        uint64_t v = s->keys[k];
        if (v == SET_EMPTY)
            continue;
        size_t at = (size_t)sg_mix64(v) & (cap - 1);
        while (keys[at] != SET_EMPTY)
            at = (at + 1) & (cap - 1);
        keys[at] = v;
    }
    sg_free(s->keys);
    s->keys = keys;
    s->cap = s->alloc = cap;
    return 0;
}

int sg_u64set_add(sg_u64set *s, uint64_t v)
{
    if (!s->keys && sg_u64set_reset(s, 8) != 0)
        return -1;
    if (v == SET_EMPTY) {
        s->n += !s->has_empty;
        s->has_empty = 1;
        return 0;
    }
    size_t mask = s->cap - 1, at = (size_t)sg_mix64(v) & mask;
    for (;;) {
        uint64_t k = s->keys[at];
        if (k == v)
            return 0;
        if (k == SET_EMPTY)
            break;
        at = (at + 1) & mask;
    }
    s->keys[at] = v;
    s->n++;
    if (s->n * 2 > s->cap)
        return set_grow(s);
    return 0;
}

void sg_u64set_free(sg_u64set *s)
{
    sg_free(s->keys);
    memset(s, 0, sizeof *s);
}
