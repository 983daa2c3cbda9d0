/* Co-purchase counts on the ranks that own the customers (core/mpi_cooc.h). */
#include "mpi_cooc.h"

#include <stdlib.h>
#include <string.h>

#include "crosssell_internal.h"
#include "mem.h"
#include "mpi_shuffle.h"
#include "opsutil.h"

int sg_mpi_cooc_encode(const sg_mpi_cooc_cmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_str(b, c->invoice);
    sg_mpi_put_str(b, c->item);
    sg_mpi_put_u64(b, c->max_items);
    return sg_mpi_buf_put(b, "", 0) == 0 ? 0 : -1;
}

int sg_mpi_cooc_decode(const unsigned char *b, size_t len, sg_mpi_cooc_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    c->invoice = sg_mpi_rd_str(&r);
    c->item = sg_mpi_rd_str(&r);
    c->max_items = sg_mpi_rd_u64(&r);
    return r.bad || r.p != r.end ? -1 : 0;
}

void sg_mpi_cooc_owner_free(sg_mpi_cooc_owner *w)
{
    sg_cooc_free(w->c);
    sg_free(w->off);
    sg_free(w->len);
    sg_free(w->items);
    memset(w, 0, sizeof *w);
}

/* Item key k of c (a code of its dictionary, or an int64 value) as it
 * travels: length and text, or the 8 bytes of the value. */
static void put_item(sg_mpi_buf *b, const sg_cooc *c, uint64_t key)
{
    if (c->type == SG_STRING) {
        size_t len;
        const char *s = sg_dict_str(c->dict, (int32_t)key, &len);
        sg_mpi_put_u64(b, len);
        (void)sg_mpi_buf_put(b, s, len);
    } else {
        sg_mpi_put_u64(b, key);
    }
}

/* An item as it travels, as a key of a model of type type with
 * dictionary d: 1 with *key, 0 when its text is not in d, -1 when r ran
 * out (r->bad). */
static int read_item(sg_mpi_rd *r, sg_type type, const sg_dict *d, uint64_t *key)
{
    uint64_t v = sg_mpi_rd_u64(r);
    if (r->bad)
        return -1;
    if (type != SG_STRING) {
        *key = v;
        return 1;
    }
    if ((uint64_t)(r->end - r->p) < v) {
        r->bad = 1;
        return -1;
    }
    int32_t code = sg_dict_find(d, (const char *)r->p, (size_t)v);
    r->p += v;
    if (code < 0)
        return 0;
    *key = (uint32_t)code;
    return 1;
}

int sg_mpi_cooc_owner_items(const sg_table *clean, const sg_mpi_cooc_cmd *c, sg_mpi_cooc_owner *w, sg_mpi_buf *out,
                            sg_error *err)
{
    memset(w, 0, sizeof *w);
    sg_error_clear(err);
    if (!clean) {
        uint64_t head[3] = { 0, 0, 0 };
        return sg_mpi_buf_put(out, head, sizeof head) ? sg_error_nomem(err) : 0;
    }
    const sg_column *inv = sg_table_col(clean, c->invoice), *itm = sg_table_col(clean, c->item);
    if (!inv)
        return sg_error_set(err, SG_EINVAL, "no column '%s' (invoice)", c->invoice);
    if (!itm)
        return sg_error_set(err, SG_EINVAL, "no column '%s' (item)", c->item);
    if (itm->type != SG_STRING && itm->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "item column '%s' is %s, expected string or int64", c->item,
                            sg_type_name(itm->type));
    if (clean->nrows >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "too many rows (%zu)", clean->nrows);
    w->c = sg_calloc(1, sizeof *w->c);
    if (!w->c)
        return sg_error_nomem(err);
    w->c->type = itm->type;
    if (itm->type == SG_STRING)
        w->c->dict = sg_dict_retain(itm->dict);
    if (sg_cooc_gather(w->c, inv, itm, &w->off, &w->len, &w->items, &w->ninv) != 0)
        goto nomem;
    w->c->ninvoices = w->ninv;
    if (sg_cooc_count_items(w->c, w->off, w->len, w->items, w->ninv) != 0)
        goto nomem;
    uint64_t head[3] = { w->ninv, w->c->nitems, (uint64_t)w->c->type };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    for (size_t k = 0; k < w->c->nitems && !out->oom; k++) {
        put_item(out, w->c, w->c->key[k]);
        sg_mpi_put_u64(out, w->c->count[k]);
    }
    if (out->oom)
        goto nomem;
    return 0;
nomem:
    sg_mpi_cooc_owner_free(w);
    return sg_error_nomem(err);
}

/* Not split: reads every owner's counts into the model in one pass (ids
 * in order of arrival), then writes the kept list. */
sg_cooc *sg_mpi_cooc_merge_items(const unsigned char *const *parts, const size_t *lens, int n, const sg_column *itm,
                                 const sg_cooc_options *o, uint64_t *ninv, sg_mpi_buf *kept, sg_error *err)
{
    sg_error_clear(err);
    if (!itm || (itm->type != SG_STRING && itm->type != SG_INT64))
        return sg_error_set(err, SG_EINVAL, "cooc: the item column must be text or int64"), NULL;
    sg_cooc *c = sg_calloc(1, sizeof *c);
    size_t keycap = 64;
    if (!c || !(c->item = sg_strdup(o->item)) || sg_cooc_idmap_init(&c->items, 1024) != 0 ||
        !(c->key = sg_malloc(keycap * sizeof *c->key)) || !(c->count = sg_malloc(keycap * sizeof *c->count)))
        goto nomem;
    c->type = itm->type;
    if (itm->type == SG_STRING)
        c->dict = sg_dict_retain(itm->dict);
    uint64_t total = 0;
    for (int k = 0; k < n; k++) {
        sg_mpi_rd r = { parts[k], parts[k] + lens[k], 0 };
        uint64_t ni = sg_mpi_rd_u64(&r), nit = sg_mpi_rd_u64(&r), type = sg_mpi_rd_u64(&r);
        if (!r.bad && nit && type != (uint64_t)c->type)
            r.bad = 1;
        for (uint64_t q = 0; q < nit && !r.bad; q++) {
            uint64_t key = 0;
            int got = read_item(&r, c->type, c->dict, &key);
            uint64_t cnt = sg_mpi_rd_u64(&r);
            if (got < 0 || r.bad || cnt == 0 || cnt > ni) {
                r.bad = 1;
                break;
            }
            if (got == 0) {
                sg_error_set(err, SG_EDATA, "rank %d sent an item the table does not hold", k);
                goto fail;
            }
            uint32_t id;
            int added;
            if (sg_cooc_idmap_get(&c->items, key, &id, &added) != 0)
                goto nomem;
            if (added) {
                if (c->items.n > keycap) {
                    uint64_t *nk = sg_realloc(c->key, keycap * 2 * sizeof *nk);
                    if (nk)
                        c->key = nk;
                    size_t *nc = nk ? sg_realloc(c->count, keycap * 2 * sizeof *nc) : NULL;
                    if (!nc)
                        goto nomem;
                    c->count = nc;
                    keycap *= 2;
                }
                c->key[id] = key;
                c->count[id] = 0;
            }
            c->count[id] += (size_t)cnt;
        }
        if (r.bad || r.p != r.end) {
            sg_error_set(err, SG_EDATA, "the co-purchase counts of rank %d are malformed", k);
            goto fail;
        }
        if (ninv)
            ninv[k] = ni;
        total += ni;
    }
    if (total >= UINT32_MAX) {
        sg_error_set(err, SG_EINVAL, "cooc fit: too many invoices (%llu)", (unsigned long long)total);
        goto fail;
    }
    c->ninvoices = (size_t)total;
    c->nitems = c->items.n;
    size_t nk = 0;
    for (size_t q = 0; q < c->nitems; q++)
        nk += (size_t)sg_cooc_item_kept(c, o, q);
    uint64_t head[2] = { nk, (uint64_t)c->type };
    (void)sg_mpi_buf_put(kept, head, sizeof head);
    for (size_t q = 0; q < c->nitems && !kept->oom; q++)
        if (sg_cooc_item_kept(c, o, q))
            put_item(kept, c, c->key[q]);
    if (kept->oom)
        goto nomem;
    return c;
nomem:
    sg_error_nomem(err);
fail:
    sg_cooc_free(c);
    return NULL;
}

int sg_mpi_cooc_owner_pairs(const sg_mpi_cooc_owner *w, const unsigned char *kept, size_t klen, uint64_t max_items,
                            sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    sg_mpi_rd r = { kept, kept + klen, 0 };
    uint64_t nk = sg_mpi_rd_u64(&r), type = sg_mpi_rd_u64(&r);
    size_t m = w->c ? w->c->nitems : 0;
    uint32_t *map = sg_malloc((m ? m : 1) * sizeof *map);
    sg_cooc_pairs pm = { 0 };
    int rc = 0;
    if (!map || sg_cooc_pairs_init(&pm, 1024) != 0) {
        rc = sg_error_nomem(err);
        goto out;
    }
    for (size_t k = 0; k < m; k++)
        map[k] = UINT32_MAX;
    if (!r.bad && nk && w->c && type != (uint64_t)w->c->type)
        r.bad = 1;
    for (uint64_t q = 0; q < nk && !r.bad; q++) {
        uint64_t key = 0;
        int got = w->c ? read_item(&r, w->c->type, w->c->dict, &key) : -1;
        if (!w->c) {   /* it owns no invoices: only check the list */
            uint64_t v = sg_mpi_rd_u64(&r);
            if (type == SG_STRING && !r.bad && (uint64_t)(r.end - r.p) >= v)
                r.p += v;
            else if (type == SG_STRING)
                r.bad = 1;
            continue;
        }
        if (got < 0)
            break;
        uint32_t id = got ? sg_cooc_idmap_find(&w->c->items, key) : UINT32_MAX;
        if (id != UINT32_MAX)
            map[id] = (uint32_t)q;
    }
    if (r.bad || r.p != r.end || nk >= UINT32_MAX) {
        rc = sg_error_set(err, SG_EDATA, "a malformed list of items");
        goto out;
    }
    if (w->c && sg_cooc_count_pairs(w->off, w->len, w->items, w->ninv, map, m, (size_t)max_items, &pm) != 0) {
        rc = sg_error_nomem(err);
        goto out;
    }
    sg_mpi_put_u64(out, pm.n);
    for (size_t k = 0; k < pm.cap && !out->oom; k++) {
        if (pm.keys[k] == SG_COOC_PAIR_FREE)
            continue;
        (void)sg_mpi_buf_put(out, &pm.keys[k], 8);
        (void)sg_mpi_buf_put(out, &pm.counts[k], 4);
    }
    if (out->oom)
        rc = sg_error_nomem(err);
out:
    sg_free(map);
    sg_cooc_pairs_free(&pm);
    return rc;
}

uint64_t sg_mpi_cooc_dense_len(uint64_t nkept)
{
    return nkept < 2 ? 0 : nkept * (nkept - 1) / 2;
}

static uint64_t dense_at(uint64_t a, uint64_t b, uint64_t nkept)
{
    return a * (2 * nkept - a - 1) / 2 + b - a - 1;
}

int sg_mpi_cooc_dense_add(const unsigned char *rec, size_t len, uint64_t nkept, uint32_t *dense)
{
    sg_mpi_rd r = { rec, rec + len, 0 };
    uint64_t np = sg_mpi_rd_u64(&r);
    if (r.bad || np != (uint64_t)(r.end - r.p) / 12 || (uint64_t)(r.end - r.p) % 12)
        return -1;
    for (uint64_t q = 0; q < np; q++, r.p += 12) {
        uint64_t key;
        uint32_t cnt;
        memcpy(&key, r.p, 8);
        memcpy(&cnt, r.p + 8, 4);
        uint64_t a = key >> 32, b = key & 0xffffffffu;
        if (a >= b || b >= nkept)
            return -1;
        dense[dense_at(a, b, nkept)] += cnt;
    }
    return 0;
}

void sg_mpi_cooc_dense_record(const uint32_t *dense, uint64_t nkept, sg_mpi_buf *out)
{
    uint64_t np = 0, P = sg_mpi_cooc_dense_len(nkept);
    for (uint64_t q = 0; q < P; q++)
        np += dense[q] != 0;
    sg_mpi_put_u64(out, np);
    for (uint64_t a = 0, q = 0; a + 1 < nkept && !out->oom; a++)
        for (uint64_t b = a + 1; b < nkept; b++, q++) {
            if (!dense[q])
                continue;
            uint64_t key = a << 32 | b;
            (void)sg_mpi_buf_put(out, &key, 8);
            (void)sg_mpi_buf_put(out, &dense[q], 4);
        }
}

int sg_mpi_cooc_finish(sg_cooc *c, const unsigned char *const *parts, const size_t *lens, int n,
                       const sg_cooc_options *o, uint64_t *npairs, sg_error *err)
{
    sg_error_clear(err);
    size_t m = c->nitems, nk = 0;
    uint32_t *kid = sg_malloc((m ? m : 1) * sizeof *kid);   /* position in the kept list -> dense id */
    sg_cooc_pairs pm = { 0 };
    int rc = 0;
    if (!kid || sg_cooc_pairs_init(&pm, 1024) != 0) {
        rc = sg_error_nomem(err);
        goto out;
    }
    for (size_t q = 0; q < m; q++)
        if (sg_cooc_item_kept(c, o, q))
            kid[nk++] = (uint32_t)q;
    for (int k = 0; k < n && !rc; k++) {
        sg_mpi_rd r = { parts[k], parts[k] + lens[k], 0 };
        uint64_t np = sg_mpi_rd_u64(&r);
        if (r.bad || np > (size_t)(r.end - r.p) / 12) {
            r.bad = 1;
            np = 0;
        }
        for (uint64_t q = 0; q < np; q++) {
            uint64_t key;
            uint32_t cnt;
            memcpy(&key, r.p, 8);
            memcpy(&cnt, r.p + 8, 4);
            r.p += 12;
            uint64_t a = key >> 32, b = key & 0xffffffffu;
            if (a >= b || b >= nk || cnt == 0 || cnt > c->ninvoices) {
                r.bad = 1;
                break;
            }
            if (sg_cooc_pairs_add(&pm, (uint64_t)kid[a] << 32 | kid[b], cnt) != 0) {
                rc = sg_error_nomem(err);
                break;
            }
        }
        if (!rc && (r.bad || r.p != r.end))
            rc = sg_error_set(err, SG_EDATA, "the co-purchase pair counts of rank %d are malformed", k);
        if (npairs)
            npairs[k] = np;
    }
    if (!rc && sg_cooc_build_rules(c, o, &pm) != 0)
        rc = sg_error_nomem(err);
out:
    sg_free(kid);
    sg_cooc_pairs_free(&pm);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int sg_mpi_cooc_invoice_keys(const sg_table *clean, const char *invoice, const char *item, int n, sg_mpi_buf *out,
                             sg_error *err)
{
    if (!clean)
        return 0;
    const sg_column *inv = sg_table_col(clean, invoice), *itm = sg_table_col(clean, item);
    if (!inv || !itm)
        return sg_error_set(err, SG_EINVAL, "no column '%s'", inv ? item : invoice);
    size_t m = 0, rows = clean->nrows;
    uint64_t *h = sg_malloc((rows ? rows : 1) * sizeof *h);
    if (!h)
        return sg_error_nomem(err);
    for (size_t i = 0; i < rows; i++)
        if (!sg_ops_missing(inv, i) && !sg_ops_missing(itm, i))
            h[m++] = sg_mpi_id_hash(inv, i);
    qsort(h, m, sizeof *h, cmp_u64);
    for (size_t i = 0; i < m; i++)
        if (i == 0 || h[i] != h[i - 1])
            sg_mpi_buf_put(&out[h[i] % (uint64_t)n], &h[i], 8);
    sg_free(h);
    for (int d = 0; d < n; d++)
        if (out[d].oom)
            return sg_error_nomem(err);
    return 0;
}

int sg_mpi_cooc_split_invoices(const unsigned char *const *parts, const size_t *lens, int n, uint64_t *split,
                               sg_error *err)
{
    size_t total = 0;
    for (int k = 0; k < n; k++) {
        if (lens[k] % 8)
            return sg_error_set(err, SG_EDATA, "rank %d's invoice keys are malformed (%zu bytes)", k, lens[k]);
        total += lens[k] / 8;
    }
    /* (hash, sender) pairs sorted by hash: each sender's hashes are
     * distinct, so a hash met twice came from two ranks */
    uint64_t *v = sg_malloc((total ? total : 1) * 2 * sizeof *v);
    if (!v)
        return sg_error_nomem(err);
    size_t m = 0;
    for (int k = 0; k < n; k++)
        for (size_t q = 0; q < lens[k] / 8; q++, m++) {
            memcpy(&v[2 * m], parts[k] + 8 * q, 8);
            v[2 * m + 1] = (uint64_t)k;
        }
    qsort(v, m, 2 * sizeof *v, cmp_u64);
    *split = 0;
    for (size_t i = 1; i < m; i++)   /* each hash met more than once, counted once */
        if (v[2 * i] == v[2 * (i - 1)] && (i < 2 || v[2 * (i - 1)] != v[2 * (i - 2)]))
            (*split)++;
    sg_free(v);
    return 0;
}
