/* Parts shared by the in-memory and the streaming RFM (rfm.c, rfm_csv.c):
 * option checks, sorting customers by text, and building the output
 * table from the per-customer accumulators. */
#include "rfm.h"

#include <math.h>
#include <string.h>

#include "keymap.h"
#include "mem.h"
#include "rfm_internal.h"

/* ---- sorting ---- */

void sg_rfm_text_key_set(sg_rfm_text_key *k, const char *s, size_t len, uint32_t idx)
{
    uint64_t p = 0;
    for (size_t i = 0; i < 8; i++)
        p = (p << 8) | (i < len ? (unsigned char)s[i] : 0u);
    k->prefix = p;
    k->s = s;
    k->len = len;
    k->idx = idx;
}

static inline int text_less(const sg_rfm_text_key *a, const sg_rfm_text_key *b)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix;
    size_t m = a->len < b->len ? a->len : b->len;
    if (m > 8) {
        int c = memcmp(a->s + 8, b->s + 8, m - 8);
        if (c)
            return c < 0;
    }
    return a->len < b->len;
}

/* Merge sort of keys[0..n) with tmp as scratch. */
static void merge_sort(sg_rfm_text_key *keys, sg_rfm_text_key *tmp, size_t n)
{
    sg_rfm_text_key *a = keys, *b = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = text_less(&a[j], &a[i]) ? a[j++] : a[i++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        sg_rfm_text_key *t = a;
        a = b;
        b = t;
    }
    if (a != keys)
        memcpy(keys, a, n * sizeof *keys);
}

/* LSD radix sort on the 8-byte prefix (16-bit digits, digits that are the
 * same in every key skipped), then a merge sort of each run of keys
 * sharing a prefix (texts longer than 8 bytes). */
int sg_rfm_sort_text(sg_rfm_text_key *keys, size_t n)
{
    if (n < 2)
        return 0;
    sg_rfm_text_key *tmp = sg_malloc(n * sizeof *tmp), *a = keys, *b = tmp;
    size_t *count = sg_malloc(65536 * sizeof *count);
    if (!tmp || !count) {
        sg_free(tmp);
        sg_free(count);
        return SG_ENOMEM;
    }
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].prefix >> shift) & 0xffff]++;
        if (count[(a[0].prefix >> shift) & 0xffff] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].prefix >> shift) & 0xffff]++] = a[i];
        sg_rfm_text_key *t = a;
        a = b;
        b = t;
    }
    if (a != keys)
        memcpy(keys, a, n * sizeof *keys);
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        while (hi < n && keys[hi].prefix == keys[lo].prefix)
            hi++;
        if (hi - lo > 1)
            merge_sort(keys + lo, tmp, hi - lo);
        lo = hi;
    }
    sg_free(tmp);
    sg_free(count);
    return 0;
}

/* ---- options and output ---- */

int sg_rfm_check_options(const sg_rfm_options *o, const char *who, sg_error *err)
{
    if (!o)
        return sg_error_set(err, SG_EINVAL, "%s: no options given", who);
    if (!o->customer || !o->date)
        return sg_error_set(err, SG_EINVAL, "%s: the customer and date columns must be named",
                            who);
    if (o->freq != SG_RFM_INVOICES && o->freq != SG_RFM_DAYS)
        return sg_error_set(err, SG_EINVAL, "%s: frequency must count invoices or days", who);
    if (o->freq == SG_RFM_INVOICES && !o->invoice)
        return sg_error_set(err, SG_EINVAL,
                            "%s: frequency counts invoices but no invoice column is named "
                            "(name one, or count purchase days)", who);
    if (!(o->unit_days > 0) || !isfinite(o->unit_days))
        return sg_error_set(err, SG_EINVAL,
                            "%s: the btyd time unit must be a positive number of days (got %g)",
                            who, o->unit_days);
    return 0;
}

static const char *const out_names[10] = { "recency_days", "frequency", "monetary", "avg_basket",
                                           "first_purchase", "last_purchase", "tenure_days",
                                           "btyd_frequency", "btyd_recency", "btyd_T" };
static const sg_type out_types[10] = { SG_INT64, SG_INT64, SG_DOUBLE, SG_DOUBLE, SG_DATETIME,
                                       SG_DATETIME, SG_INT64, SG_INT64, SG_DOUBLE, SG_DOUBLE };
/* The output columns copied from the figures; the others are derived. */
enum { O_REC, O_FREQ, O_MON, O_BASKET, O_FIRST, O_LAST, O_TENURE, O_BFREQ, O_BREC, O_BT };
static const int copied[5] = { O_FREQ, O_MON, O_FIRST, O_LAST, O_BFREQ };
static const int derived[5] = { O_REC, O_BASKET, O_TENURE, O_BREC, O_BT };

/* Output columns c[which[0..nw)] with room for n rows.  0 or -1. */
static int new_columns(sg_column *c[10], const int *which, int nw, size_t n, int date_only)
{
    for (int w = 0; w < nw; w++) {
        int k = which[w];
        if (!(c[k] = sg_column_new(out_names[k], out_types[k], n ? n : 1)))
            return -1;
        if (out_types[k] == SG_DATETIME)
            c[k]->date_only = date_only;
    }
    return 0;
}

/* The derived columns from the copied ones (reserved: filled directly,
 * no value is missing). */
static void derive(sg_column *c[10], size_t n, int64_t as_of, double unit_days)
{
    const double unit = unit_days * SG_RFM_DAY;
    const int64_t *freq = sg_column_i64(c[O_FREQ]), *first = sg_column_i64(c[O_FIRST]);
    const int64_t *last = sg_column_i64(c[O_LAST]);
    const double *monetary = sg_column_f64(c[O_MON]);
    int64_t *recency = sg_column_i64(c[O_REC]), *tenure = sg_column_i64(c[O_TENURE]);
    double *basket = sg_column_f64(c[O_BASKET]), *brec = sg_column_f64(c[O_BREC]);
    double *bT = sg_column_f64(c[O_BT]);
    for (size_t r = 0; r < n; r++) {
        recency[r] = sg_rfm_floor_day(as_of - last[r]);
        basket[r] = monetary[r] / (double)freq[r];
        tenure[r] = sg_rfm_floor_day(as_of - first[r]);
        brec[r] = (double)(last[r] - first[r]) / unit;
        bT[r] = (double)(as_of - first[r]) / unit;
    }
}

/* The table of cust and the ten columns (all taken over, released on
 * failure). */
static sg_table *assemble(sg_column *cust, sg_column *c[10], size_t n, sg_error *err)
{
    sg_table *t = sg_table_new();
    if (!t) {
        sg_error_nomem(err);
        goto fail;
    }
    for (int k = 0; k < 10; k++)
        c[k]->n = n;
    if (sg_table_add(t, cust, err)) {
        cust = NULL;
        goto fail;
    }
    cust = NULL;
    for (int k = 0; k < 10; k++) {
        sg_column *col = c[k];
        c[k] = NULL;
        if (sg_table_add(t, col, err))
            goto fail;
    }
    return t;
fail:
    sg_column_release(cust);
    for (int k = 0; k < 10; k++) {
        sg_column_release(c[k]);
        c[k] = NULL;
    }
    sg_table_free(t);
    return NULL;
}

sg_table *sg_rfm_build(sg_column *cust, const sg_rfm_cust *cs, const uint32_t *order, size_t n,
                       int64_t as_of, double unit_days, int date_only, sg_error *err)
{
    sg_column *c[10] = { NULL };
    if (new_columns(c, copied, 5, n, date_only) || new_columns(c, derived, 5, n, date_only)) {
        sg_error_nomem(err);
        sg_column_release(cust);
        for (int k = 0; k < 10; k++)
            sg_column_release(c[k]);
        return NULL;
    }
    int64_t *freq = sg_column_i64(c[O_FREQ]), *first = sg_column_i64(c[O_FIRST]);
    int64_t *last = sg_column_i64(c[O_LAST]), *bfreq = sg_column_i64(c[O_BFREQ]);
    double *monetary = sg_column_f64(c[O_MON]);
    for (size_t r = 0; r < n; r++) {
        const sg_rfm_cust *s = &cs[order[r]];
        freq[r] = s->freq;
        monetary[r] = s->monetary;
        first[r] = s->first;
        last[r] = s->last;
        bfreq[r] = s->periods - 1;
    }
    derive(c, n, as_of, unit_days);
    return assemble(cust, c, n, err);
}

sg_table *sg_rfm_build_figs(sg_column *cust, sg_rfm_fig *fig, const uint32_t *order, size_t n,
                            int64_t as_of, double unit_days, int date_only, sg_error *err)
{
    sg_column *c[10] = { NULL };
    if (new_columns(c, copied, 5, n, date_only))
        goto nomem;
    int64_t *freq = sg_column_i64(c[O_FREQ]), *first = sg_column_i64(c[O_FIRST]);
    int64_t *last = sg_column_i64(c[O_LAST]), *bfreq = sg_column_i64(c[O_BFREQ]);
    double *monetary = sg_column_f64(c[O_MON]);
    for (size_t r = 0; r < n; r++) {
        const sg_rfm_fig *s = &fig[order[r]];
        freq[r] = s->freq;
        monetary[r] = s->monetary;
        first[r] = s->first;
        last[r] = s->last;
        bfreq[r] = s->periods - 1;
    }
    /* the figures are in the columns now: they go before the rest is built */
    sg_free(fig);
    fig = NULL;
    if (new_columns(c, derived, 5, n, date_only))
        goto nomem;
    derive(c, n, as_of, unit_days);
    return assemble(cust, c, n, err);
nomem:
    sg_error_nomem(err);
    sg_free(fig);
    sg_column_release(cust);
    for (int k = 0; k < 10; k++)
        sg_column_release(c[k]);
    return NULL;
}

sg_column *sg_rfm_text_column(const char *name, size_t n)
{
    sg_dict *d = sg_dict_new(n);
    sg_column *c = d ? sg_column_new_with_dict(name, d, n ? n : 1) : NULL;
    sg_dict_release(d);
    return c;
}

sg_column *sg_rfm_sorted_customers(const sg_column *cust, const char *name, size_t n, size_t ncodes,
                                   const sg_keymap *nm, int (*keep)(const void *ud, uint32_t idx),
                                   const void *ud, uint32_t **order_out)
{
    size_t m = 0;
    uint32_t *order = sg_malloc((n ? n : 1) * sizeof *order);
    sg_rfm_text_key *keys = sg_malloc((n ? n : 1) * sizeof *keys);
    sg_column *out = cust->type == SG_STRING ? sg_rfm_text_column(name, n)
                     : sg_column_new(name, cust->type, n ? n : 1);
    if (!order || !keys || !out)
        goto fail;
    if (cust->type == SG_STRING) {
        for (size_t code = 0; code < ncodes; code++) {
            if (keep(ud, (uint32_t)code)) {
                size_t len;
                const char *s = sg_dict_str(cust->dict, (int32_t)code, &len);
                sg_rfm_text_key_set(&keys[m++], s, len, (uint32_t)code);
            }
        }
    } else {
        /* numeric: the order-preserving key is the whole prefix */
        for (size_t j = 0; j < nm->cap; j++) {
            const sg_keymap_entry *e = &nm->e[j];
            if (e->idx != SG_KEYMAP_NONE && keep(ud, e->idx)) {
                keys[m].prefix = e->key;
                keys[m].s = NULL;
                keys[m].len = 0;
                keys[m++].idx = e->idx;
            }
        }
    }
    if (sg_rfm_sort_text(keys, n))
        goto fail;
    for (size_t r = 0; r < n; r++) {
        int rc;
        order[r] = keys[r].idx;
        if (cust->type == SG_STRING) {
            rc = sg_column_push_str(out, keys[r].s, keys[r].len);
        } else if (cust->type == SG_DOUBLE) {
            uint64_t key = keys[r].prefix, b = (key >> 63) ? key & ~(1ull << 63) : ~key;
            double d;
            memcpy(&d, &b, sizeof d);
            rc = sg_column_push_f64(out, d);
        } else {
            rc = sg_column_push_i64(out, (int64_t)(keys[r].prefix ^ (1ull << 63)));
        }
        if (rc)
            goto fail;
    }
    sg_free(keys);
    *order_out = order;
    return out;
fail:
    sg_free(keys);
    sg_free(order);
    sg_column_release(out);
    return NULL;
}
