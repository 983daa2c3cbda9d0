/* Stable multi-key sorting by LSD radix sort on a row permutation.
 *
 * Every value maps to an unsigned 64-bit key whose order is the wanted
 * order (integers with the sign bit flipped, doubles by their IEEE bits,
 * strings by the rank of their text in the dictionary, descending keys
 * complemented).  Keys are processed from the last to the first: for each,
 * the rows are first split stably into [present | missing] (missing last
 * in either direction; NaN doubles count as missing), then the present
 * part is radix sorted byte by byte, skipping bytes where every key
 * agrees.  Each pass is stable, so earlier keys win and ties keep their
 * previous (finally: original) order. */
#include <string.h>

#include "mem.h"
#include "sort.h"
#include "opsutil.h"

typedef struct sort_buf {
    size_t *p, *q;        /* permutation and scratch */
    uint64_t *k, *kq;     /* keys and scratch, aligned with p and q */
} sort_buf;

/* Radix sorts keys b->k[0..m) carrying b->p along; the result ends up in
 * b->p / b->k (rows m.. of b->p are untouched). */
static void radix_sort(sort_buf *b, size_t m)
{
    size_t h[8][256];   /* one histogram per byte, from a single pass */
    memset(h, 0, sizeof h);
    uint64_t all_or = 0, all_and = ~UINT64_C(0);
    for (size_t i = 0; i < m; i++) {
        uint64_t k = b->k[i];
        all_or |= k;
        all_and &= k;
        for (int d = 0; d < 8; d++)
            h[d][(k >> (8 * d)) & 0xff]++;
    }
    uint64_t varies = all_or ^ all_and;   /* bits that differ between keys */
    size_t *p = b->p, *q = b->q;
    uint64_t *k = b->k, *kq = b->kq;
    for (int d = 0; d < 8; d++) {
        if (((varies >> (8 * d)) & 0xff) == 0)
            continue;
        size_t off[256], sum = 0;
        for (int v = 0; v < 256; v++) {
            off[v] = sum;
            sum += h[d][v];
        }
        int sh = 8 * d;
        for (size_t i = 0; i < m; i++) {
            size_t at = off[(k[i] >> sh) & 0xff]++;
            kq[at] = k[i];
            q[at] = p[i];
        }
        size_t *tp = p; p = q; q = tp;
        uint64_t *tk = k; k = kq; kq = tk;
    }
    if (p != b->p)
        memcpy(b->p, p, m * sizeof *p);
}

/* Sorts b->p[0..n) by column c; returns 0 or -1 when out of memory. */
static int sort_by(sort_buf *b, size_t n, const sg_column *c, int desc)
{
    /* split stably into present and missing rows */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!sg_ops_missing(c, b->p[i]))
            m++;
    if (m < n) {
        size_t a = 0, z = m;
        for (size_t i = 0; i < n; i++) {
            size_t r = b->p[i];
            if (sg_ops_missing(c, r))
                b->q[z++] = r;
            else
                b->q[a++] = r;
        }
        memcpy(b->p, b->q, n * sizeof *b->p);
    }
    if (m < 2)
        return 0;
    uint32_t *rank = NULL;
    if (c->type == SG_STRING && !(rank = sg_ops_dict_ranks(c->dict)))
        return -1;
    uint64_t flip = desc ? ~UINT64_C(0) : 0;
    for (size_t i = 0; i < m; i++)
        b->k[i] = sg_ops_order_key(c, b->p[i], rank) ^ flip;
    sg_free(rank);
    radix_sort(b, m);
    return 0;
}

size_t *sg_table_order(const sg_table *t, const char *const *cols, const int *desc,
                       size_t n, sg_error *err)
{
    const sg_column *keys[64];
    const sg_column **kc = n <= 64 ? keys : sg_malloc(n * sizeof *kc);
    if (!kc) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t j = 0; j < n; j++) {
        kc[j] = sg_table_col(t, cols[j]);
        if (!kc[j]) {
            sg_error_set(err, SG_EINVAL, "sort: no column '%s' in the dataset", cols[j]);
            if (kc != keys)
                sg_free(kc);
            return NULL;
        }
    }
    size_t rows = t->nrows, sz = rows ? rows : 1;
    sort_buf b = { sg_malloc(sz * sizeof(size_t)), NULL, NULL, NULL };
    if (b.p && rows > 1 && n > 0) {
        b.q = sg_malloc(sz * sizeof(size_t));
        b.k = sg_malloc(sz * sizeof(uint64_t));
        b.kq = sg_malloc(sz * sizeof(uint64_t));
    }
    int ok = b.p && (rows < 2 || n == 0 || (b.q && b.k && b.kq));
    if (ok) {
        for (size_t i = 0; i < rows; i++)
            b.p[i] = i;
        for (size_t j = n; j-- > 0 && ok;)
            if (rows > 1 && sort_by(&b, rows, kc[j], desc && desc[j]) != 0)
                ok = 0;
    }
    sg_free(b.q);
    sg_free(b.k);
    sg_free(b.kq);
    if (kc != keys)
        sg_free(kc);
    if (!ok) {
        sg_free(b.p);
        sg_error_nomem(err);
        return NULL;
    }
    return b.p;
}

sg_table *sg_table_sort(const sg_table *t, const char *const *cols, const int *desc,
                        size_t n, sg_error *err)
{
    size_t *order = sg_table_order(t, cols, desc, n, err);
    if (!order)
        return NULL;
    sg_table *o = sg_table_take(t, order, t->nrows, err);
    sg_free(order);
    return o;
}
