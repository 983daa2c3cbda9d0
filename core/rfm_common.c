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

sg_table *sg_rfm_build(sg_column *cust, const sg_rfm_cust *cs, const uint32_t *order, size_t n,
                       int64_t as_of, double unit_days, int date_only, sg_error *err)
{
    static const char *const names[10] = { "recency_days", "frequency", "monetary",
                                            "avg_basket", "first_purchase", "last_purchase",
                                            "tenure_days", "btyd_frequency", "btyd_recency",
                                            "btyd_T" };
    static const sg_type types[10] = { SG_INT64, SG_INT64, SG_DOUBLE, SG_DOUBLE, SG_DATETIME,
                                       SG_DATETIME, SG_INT64, SG_INT64, SG_DOUBLE, SG_DOUBLE };
    sg_column *c[10] = { NULL };
    sg_table *t = sg_table_new();
    double unit = unit_days * SG_RFM_DAY;
    if (!t)
        goto nomem;
    for (int k = 0; k < 10; k++) {
        if (!(c[k] = sg_column_new(names[k], types[k], n ? n : 1)))
            goto nomem;
        if (types[k] == SG_DATETIME)
            c[k]->date_only = date_only;
    }
    /* reserved above: fill the arrays directly (no value is missing) */
    int64_t *recency = sg_column_i64(c[0]), *freq = sg_column_i64(c[1]);
    double *monetary = sg_column_f64(c[2]), *basket = sg_column_f64(c[3]);
    int64_t *first = sg_column_i64(c[4]), *last = sg_column_i64(c[5]);
    int64_t *tenure = sg_column_i64(c[6]), *bfreq = sg_column_i64(c[7]);
    double *brec = sg_column_f64(c[8]), *bT = sg_column_f64(c[9]);
    for (size_t r = 0; r < n; r++) {
        const sg_rfm_cust *s = &cs[order[r]];
        recency[r] = sg_rfm_floor_day(as_of - s->last);
        freq[r] = s->freq;
        monetary[r] = s->monetary;
        basket[r] = s->monetary / (double)s->freq;
        first[r] = s->first;
        last[r] = s->last;
        tenure[r] = sg_rfm_floor_day(as_of - s->first);
        bfreq[r] = s->periods - 1;
        brec[r] = (double)(s->last - s->first) / unit;
        bT[r] = (double)(as_of - s->first) / unit;
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
nomem:
    sg_error_nomem(err);
fail:
    sg_column_release(cust);
    for (int k = 0; k < 10; k++)
        sg_column_release(c[k]);
    sg_table_free(t);
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
