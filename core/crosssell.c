/* Co-purchase analysis for cross-selling: fitting the model and its rules.
 * Per-customer recommendations from a fitted model are in
 * crosssell_recommend.c; the model struct, the key -> id map and the
 * output-table helpers both files use are declared in crosssell_internal.h.
 *
 * Fit:
 * 1. Invoices and items get dense ids (64-bit keys: string codes or int64
 *    values) in order of first appearance; rows with a missing invoice or
 *    item are ignored.
 * 2. A counting sort on the invoice id gathers each invoice's items; a
 *    stamp array drops repeats, so everything below counts distinct
 *    (invoice, item) pairs.  N = invoices with at least one item.
 * 3. Items whose own count < min_count or support < min_support are pruned
 *    before pairs are formed (a pair is never more frequent than its items).
 * 4. Each invoice with at most max_items_per_invoice distinct items (0: no
 *    limit) adds its pairs of kept items (a < b by dense id) to an
 *    open-addressing hash; larger invoices still counted in step 2.
 * 5. Pairs passing min_count and min_support become two rules, a->b and
 *    b->a: support = n_ab / N, confidence = n_ab / n_a,
 *    lift = confidence / support(b) = n_ab * N / (n_a * n_b).
 *
 * Item order (ties) is bytewise text for strings, numeric for int64. */
#include "crosssell.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crosssell_internal.h"
#include "mem.h"
#include "opsutil.h"

void sg_cooc_options_init(sg_cooc_options *o)
{
    o->invoice = NULL;
    o->item = NULL;
    o->min_support = 0.01;
    o->min_count = 2;
    o->max_items_per_invoice = 1000;
    o->min_lift = 1.0;
}

/* ---- 64-bit key -> dense id ---- */

int sg_cooc_idmap_init(sg_cooc_idmap *m, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    m->keys = sg_malloc(cap * sizeof *m->keys);
    m->ids = sg_calloc(cap, sizeof *m->ids);
    m->cap = cap;
    m->n = 0;
    if (!m->keys || !m->ids) {
        sg_free(m->keys);
        sg_free(m->ids);
        m->keys = NULL;
        m->ids = NULL;
        return -1;
    }
    return 0;
}

void sg_cooc_idmap_free(sg_cooc_idmap *m)
{
    sg_free(m->keys);
    sg_free(m->ids);
    m->keys = NULL;
    m->ids = NULL;
}

/* The id of key, or UINT32_MAX when absent. */
uint32_t sg_cooc_idmap_find(const sg_cooc_idmap *m, uint64_t key)
{
    size_t at = (size_t)sg_mix64(key) & (m->cap - 1);
    while (m->ids[at]) {
        if (m->keys[at] == key)
            return m->ids[at] - 1;
        at = (at + 1) & (m->cap - 1);
    }
    return UINT32_MAX;
}

static int idmap_grow(sg_cooc_idmap *m)
{
    size_t cap = m->cap * 2;
    uint64_t *keys = sg_malloc(cap * sizeof *keys);
    uint32_t *ids = sg_calloc(cap, sizeof *ids);
    if (!keys || !ids) {
        sg_free(keys);
        sg_free(ids);
        return -1;
    }
    for (size_t k = 0; k < m->cap; k++) {
        if (!m->ids[k])
            continue;
        size_t at = (size_t)sg_mix64(m->keys[k]) & (cap - 1);
        while (ids[at])
            at = (at + 1) & (cap - 1);
        keys[at] = m->keys[k];
        ids[at] = m->ids[k];
    }
    sg_cooc_idmap_free(m);
    m->keys = keys;
    m->ids = ids;
    m->cap = cap;
    return 0;
}

/* Finds or adds key (new ids are m->n in order); -1 when out of memory. */
int sg_cooc_idmap_get(sg_cooc_idmap *m, uint64_t key, uint32_t *id, int *added)
{
    size_t at = (size_t)sg_mix64(key) & (m->cap - 1);
    *added = 0;
    while (m->ids[at]) {
        if (m->keys[at] == key) {
            *id = m->ids[at] - 1;
            return 0;
        }
        at = (at + 1) & (m->cap - 1);
    }
    if ((m->n + 1) * 2 > m->cap) {
        if (idmap_grow(m) != 0)
            return -1;
        at = (size_t)sg_mix64(key) & (m->cap - 1);
        while (m->ids[at])
            at = (at + 1) & (m->cap - 1);
    }
    m->keys[at] = key;
    m->ids[at] = (uint32_t)(m->n + 1);
    *id = (uint32_t)m->n++;
    *added = 1;
    return 0;
}

/* rank[k] = position of keys[k] in text order (STRING, codes of d) or
 * numeric order (INT64).  NULL when out of memory. */
typedef struct ord_ref {
    const char *s;
    size_t len;
    int64_t v;
    uint32_t id;
} ord_ref;

static int cmp_ord_text(const void *pa, const void *pb)
{
    const ord_ref *a = pa, *b = pb;
    size_t m = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->s, b->s, m);
    if (r != 0)
        return r;
    return (a->len > b->len) - (a->len < b->len);
}

static int cmp_ord_num(const void *pa, const void *pb)
{
    const ord_ref *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

uint32_t *sg_cooc_rank_keys(const uint64_t *keys, size_t n, sg_type type, const sg_dict *d)
{
    uint32_t *rank = sg_malloc((n ? n : 1) * sizeof *rank);
    ord_ref *refs = sg_malloc((n ? n : 1) * sizeof *refs);
    if (!rank || !refs) {
        sg_free(rank);
        sg_free(refs);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        refs[k].id = (uint32_t)k;
        refs[k].v = (int64_t)keys[k];
        refs[k].s = NULL;
        refs[k].len = 0;
        if (type == SG_STRING)
            refs[k].s = sg_dict_str(d, (int32_t)keys[k], &refs[k].len);
    }
    qsort(refs, n, sizeof *refs, type == SG_STRING ? cmp_ord_text : cmp_ord_num);
    for (size_t k = 0; k < n; k++)
        rank[refs[k].id] = (uint32_t)k;
    sg_free(refs);
    return rank;
}

/* ---- the model ---- */

void sg_cooc_free(sg_cooc *c)
{
    if (!c)
        return;
    sg_free(c->item);
    if (c->dict)
        sg_dict_release(c->dict);
    sg_cooc_idmap_free(&c->items);
    sg_free(c->key);
    sg_free(c->rank);
    sg_free(c->count);
    sg_free(c->rules);
    sg_free(c->adj_off);
    sg_free(c->adj);
    sg_free(c);
}

/* Pair counts keyed by a << 32 | b (a < b, so the key is never SG_COOC_PAIR_FREE). */
int sg_cooc_pairs_init(sg_cooc_pairs *p, size_t cap)
{
    p->keys = sg_malloc(cap * sizeof *p->keys);
    p->counts = sg_calloc(cap, sizeof *p->counts);
    p->cap = cap;
    p->n = 0;
    if (!p->keys || !p->counts)
        return -1;
    for (size_t k = 0; k < cap; k++)
        p->keys[k] = SG_COOC_PAIR_FREE;
    return 0;
}

void sg_cooc_pairs_free(sg_cooc_pairs *p)
{
    sg_free(p->keys);
    sg_free(p->counts);
    p->keys = NULL;
    p->counts = NULL;
}

/* Whether slot k holds a pair that becomes rules: enough invoices, enough
 * support, and a lift of at least min_lift (by default no negative
 * associations: items bought together less often than chance). */
static int pair_kept(const sg_cooc_pairs *pm, size_t k, const size_t *count, size_t N,
                     const sg_cooc_options *o)
{
    if (pm->keys[k] == SG_COOC_PAIR_FREE)
        return 0;
    size_t nab = pm->counts[k];
    if (nab < o->min_count || (double)nab / (double)N < o->min_support)
        return 0;
    uint32_t a = (uint32_t)(pm->keys[k] >> 32), b = (uint32_t)(pm->keys[k] & 0xffffffffu);
    double lift = (double)nab * (double)N / ((double)count[a] * (double)count[b]);
    return lift >= o->min_lift;
}

int sg_cooc_pairs_add(sg_cooc_pairs *p, uint64_t key, uint32_t n)
{
    size_t at = (size_t)sg_mix64(key) & (p->cap - 1);
    while (p->keys[at] != SG_COOC_PAIR_FREE) {
        if (p->keys[at] == key) {
            p->counts[at] += n;
            return 0;
        }
        at = (at + 1) & (p->cap - 1);
    }
    if ((p->n + 1) * 2 > p->cap) {
        sg_cooc_pairs bigger;
        if (sg_cooc_pairs_init(&bigger, p->cap * 2) != 0) {
            sg_cooc_pairs_free(&bigger);
            return -1;
        }
        for (size_t k = 0; k < p->cap; k++) {
            if (p->keys[k] == SG_COOC_PAIR_FREE)
                continue;
            size_t to = (size_t)sg_mix64(p->keys[k]) & (bigger.cap - 1);
            while (bigger.keys[to] != SG_COOC_PAIR_FREE)
                to = (to + 1) & (bigger.cap - 1);
            bigger.keys[to] = p->keys[k];
            bigger.counts[to] = p->counts[k];
        }
        bigger.n = p->n;
        sg_cooc_pairs_free(p);
        *p = bigger;
        at = (size_t)sg_mix64(key) & (p->cap - 1);
        while (p->keys[at] != SG_COOC_PAIR_FREE)
            at = (at + 1) & (p->cap - 1);
    }
    p->keys[at] = key;
    p->counts[at] = n;
    p->n++;
    return 0;
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* Rule order: lift desc, count desc, antecedent, consequent (rank asc). */
static int cmp_rule(const void *pa, const void *pb)
{
    const sg_cooc_rule *a = pa, *b = pb;
    if (a->lift != b->lift)
        return a->lift > b->lift ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->a != b->a)
        return a->ra < b->ra ? -1 : 1;
    if (a->b != b->b)
        return a->rb < b->rb ? -1 : 1;
    return 0;
}

/* Steps 1-2: dense ids and each invoice's distinct items in inv_items
 * [inv_off[v], inv_off[v] + inv_len[v]).  Returns 0 or SG_ENOMEM. */
int sg_cooc_gather(sg_cooc *c, const sg_column *inv, const sg_column *itm,
                           size_t **inv_off_out, size_t **inv_len_out, uint32_t **inv_items_out,
                           size_t *ninv_out)
{
    size_t n = itm->n;
    sg_cooc_idmap invs = { 0 };
    uint32_t *row_inv = sg_malloc((n ? n : 1) * sizeof *row_inv);
    uint32_t *row_item = sg_malloc((n ? n : 1) * sizeof *row_item);
    size_t *off = NULL, *len = NULL;
    uint32_t *items = NULL, *stamp = NULL;
    size_t keycap = 64;
    int rc = SG_ENOMEM;
    if (!row_inv || !row_item || sg_cooc_idmap_init(&invs, 1024) != 0 ||
        sg_cooc_idmap_init(&c->items, 1024) != 0)
        goto done;
    c->key = sg_malloc(keycap * sizeof *c->key);
    if (!c->key)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int added;
        uint32_t id;
        row_inv[i] = UINT32_MAX;
        if (sg_ops_missing(inv, i) || sg_ops_missing(itm, i))
            continue;
        if (sg_cooc_idmap_get(&invs, sg_ops_value_key(inv, i), &row_inv[i], &added) != 0)
            goto done;
        uint64_t k = sg_ops_value_key(itm, i);
        if (sg_cooc_idmap_get(&c->items, k, &id, &added) != 0)
            goto done;
        if (added) {
            if (c->items.n > keycap) {
                uint64_t *nk = sg_realloc(c->key, keycap * 2 * sizeof *nk);
                if (!nk)
                    goto done;
                c->key = nk;
                keycap *= 2;
            }
            c->key[id] = k;
        }
        row_item[i] = id;
    }
    size_t ninv = invs.n;
    c->nitems = c->items.n;
    off = sg_calloc(ninv + 1, sizeof *off);
    len = sg_calloc(ninv ? ninv : 1, sizeof *len);
    items = sg_malloc((n ? n : 1) * sizeof *items);
    stamp = sg_malloc((c->nitems ? c->nitems : 1) * sizeof *stamp);
    if (!off || !len || !items || !stamp)
        goto done;
    /* counting sort by invoice */
    for (size_t i = 0; i < n; i++)
        if (row_inv[i] != UINT32_MAX)
            off[row_inv[i] + 1]++;
    for (size_t v = 0; v < ninv; v++)
        off[v + 1] += off[v];
    for (size_t i = 0; i < n; i++)
        if (row_inv[i] != UINT32_MAX)
            items[off[row_inv[i]] + len[row_inv[i]]++] = row_item[i];
    /* distinct items per invoice, compacted in place */
    for (size_t k = 0; k < c->nitems; k++)
        stamp[k] = UINT32_MAX;
    for (size_t v = 0; v < ninv; v++) {
        size_t w = 0;
        for (size_t j = 0; j < len[v]; j++) {
            uint32_t it = items[off[v] + j];
            if (stamp[it] == (uint32_t)v)
                continue;
            stamp[it] = (uint32_t)v;
            items[off[v] + w++] = it;
        }
        len[v] = w;
    }
    *inv_off_out = off;
    *inv_len_out = len;
    *inv_items_out = items;
    *ninv_out = ninv;
    off = NULL;
    len = NULL;
    items = NULL;
    rc = 0;
done:
    sg_cooc_idmap_free(&invs);
    sg_free(row_inv);
    sg_free(row_item);
    sg_free(off);
    sg_free(len);
    sg_free(items);
    sg_free(stamp);
    return rc;
}

int sg_cooc_count_items(sg_cooc *c, const size_t *off, const size_t *len, const uint32_t *items, size_t ninv)
{
    c->count = sg_calloc(c->nitems ? c->nitems : 1, sizeof *c->count);
    if (!c->count)
        return SG_ENOMEM;
    for (size_t v = 0; v < ninv; v++)
        for (size_t j = 0; j < len[v]; j++)
            c->count[items[off[v] + j]]++;
    return 0;
}

int sg_cooc_item_kept(const sg_cooc *c, const sg_cooc_options *o, size_t k)
{
    return c->count[k] >= o->min_count && (double)c->count[k] / (double)c->ninvoices >= o->min_support;
}

int sg_cooc_count_pairs(const size_t *off, const size_t *len, const uint32_t *items, size_t ninv,
                        const uint32_t *map, size_t nitems, size_t max_items, sg_cooc_pairs *pm)
{
    uint32_t *buf = sg_malloc((nitems ? nitems : 1) * sizeof *buf);
    if (!buf)
        return SG_ENOMEM;
    for (size_t v = 0; v < ninv; v++) {
        if (max_items && len[v] > max_items)
            continue;
        size_t nb = 0;
        for (size_t j = 0; j < len[v]; j++)
            if (map[items[off[v] + j]] != UINT32_MAX)
                buf[nb++] = map[items[off[v] + j]];
        if (nb < 2)
            continue;
        qsort(buf, nb, sizeof *buf, cmp_u32);
        for (size_t x = 0; x + 1 < nb; x++)
            for (size_t y = x + 1; y < nb; y++)
                if (sg_cooc_pairs_add(pm, (uint64_t)buf[x] << 32 | buf[y], 1) != 0) {
                    sg_free(buf);
                    return SG_ENOMEM;
                }
    }
    sg_free(buf);
    return 0;
}

int sg_cooc_build_rules(sg_cooc *c, const sg_cooc_options *o, const sg_cooc_pairs *pm)
{
    size_t N = c->ninvoices, m = c->nitems;
    size_t nkeep = 0;
    for (size_t k = 0; k < pm->cap; k++)
        if (pair_kept(pm, k, c->count, N, o))
            nkeep++;
    c->rules = sg_malloc((nkeep ? nkeep : 1) * 2 * sizeof *c->rules);
    c->rank = sg_cooc_rank_keys(c->key, m, c->type, c->dict);
    c->adj_off = sg_calloc(m + 1, sizeof *c->adj_off);
    c->adj = sg_malloc((nkeep ? nkeep : 1) * 2 * sizeof *c->adj);
    if (!c->rules || !c->rank || !c->adj_off || !c->adj)
        return SG_ENOMEM;
    size_t r = 0;
    for (size_t k = 0; k < pm->cap; k++) {
        size_t nab = pm->counts[k];
        if (!pair_kept(pm, k, c->count, N, o))
            continue;
        uint32_t a = (uint32_t)(pm->keys[k] >> 32), b = (uint32_t)(pm->keys[k] & 0xffffffffu);
        for (int dir = 0; dir < 2; dir++) {
            sg_cooc_rule *ru = &c->rules[r++];
            ru->a = dir ? b : a;
            ru->b = dir ? a : b;
            ru->ra = c->rank[ru->a];
            ru->rb = c->rank[ru->b];
            ru->count = nab;
            ru->support = (double)nab / (double)N;
            ru->confidence = (double)nab / (double)c->count[ru->a];
            /* one expression for both directions so a->b and b->a tie exactly */
            ru->lift = (double)nab * (double)N / ((double)c->count[a] * (double)c->count[b]);
        }
    }
    c->nrules = r;
    qsort(c->rules, r, sizeof *c->rules, cmp_rule);
    /* rules grouped by antecedent */
    for (size_t k = 0; k < r; k++)
        c->adj_off[c->rules[k].a + 1]++;
    for (size_t k = 0; k < m; k++)
        c->adj_off[k + 1] += c->adj_off[k];
    for (size_t k = 0; k < r; k++)
        c->adj[c->adj_off[c->rules[k].a]++] = (uint32_t)k;
    for (size_t k = m; k > 0; k--)
        c->adj_off[k] = c->adj_off[k - 1];
    c->adj_off[0] = 0;
    return 0;
}

/* Steps 3-5 and the rule order; returns 0 or SG_ENOMEM. */
static int count_pairs(sg_cooc *c, const sg_cooc_options *o, const size_t *off, const size_t *len,
                       const uint32_t *items, size_t ninv)
{
    size_t m = c->nitems;
    uint32_t *map = sg_malloc((m ? m : 1) * sizeof *map);
    sg_cooc_pairs pm = { 0 };
    int rc = SG_ENOMEM;
    if (!map || sg_cooc_count_items(c, off, len, items, ninv) != 0 || sg_cooc_pairs_init(&pm, 1024) != 0)
        goto done;
    for (size_t k = 0; k < m; k++)
        map[k] = sg_cooc_item_kept(c, o, k) ? (uint32_t)k : UINT32_MAX;
    if (sg_cooc_count_pairs(off, len, items, ninv, map, m, o->max_items_per_invoice, &pm) != 0)
        goto done;
    rc = sg_cooc_build_rules(c, o, &pm);
done:
    sg_free(map);
    sg_cooc_pairs_free(&pm);
    return rc;
}

sg_cooc *sg_cooc_fit(const sg_table *tx, const sg_cooc_options *o, sg_error *err)
{
    if (!tx || !o)
        return sg_error_set(err, SG_EINVAL, "cooc fit: table and options are required"), NULL;
    if (!o->invoice || !o->item)
        return sg_error_set(err, SG_EINVAL, "cooc fit: options 'invoice' and 'item' are required"),
               NULL;
    const sg_column *inv = sg_table_col(tx, o->invoice);
    const sg_column *itm = sg_table_col(tx, o->item);
    if (!inv)
        return sg_error_set(err, SG_EINVAL, "cooc fit: no column '%s' (invoice)", o->invoice), NULL;
    if (!itm)
        return sg_error_set(err, SG_EINVAL, "cooc fit: no column '%s' (item)", o->item), NULL;
    if (itm->type != SG_STRING && itm->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "cooc fit: item column '%s' is %s, expected string or int64",
                            o->item, sg_type_name(itm->type)), NULL;
    if (!(o->min_support >= 0 && o->min_support <= 1))
        return sg_error_set(err, SG_EINVAL, "cooc fit: min_support must be in [0, 1], got %g",
                            o->min_support), NULL;
    if (tx->nrows >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "cooc fit: too many rows (%zu)", tx->nrows), NULL;
    sg_cooc *c = sg_calloc(1, sizeof *c);
    size_t *off = NULL, *len = NULL, ninv = 0;
    uint32_t *items = NULL;
    if (!c)
        goto nomem;
    c->type = itm->type;
    c->item = sg_strdup(o->item);
    if (!c->item)
        goto nomem;
    if (itm->type == SG_STRING)
        c->dict = sg_dict_retain(itm->dict);
    if (sg_cooc_gather(c, inv, itm, &off, &len, &items, &ninv) != 0)
        goto nomem;
    c->ninvoices = ninv;
    if (count_pairs(c, o, off, len, items, ninv) != 0)
        goto nomem;
    sg_free(off);
    sg_free(len);
    sg_free(items);
    return c;
nomem:
    sg_free(off);
    sg_free(len);
    sg_free(items);
    sg_cooc_free(c);
    sg_error_nomem(err);
    return NULL;
}

/* ---- outputs ---- */

/* A new item column (type of the model) called name. */
sg_column *sg_cooc_item_column(const sg_cooc *c, const char *name, size_t cap)
{
    if (c->type == SG_STRING)
        return sg_column_new_with_dict(name, c->dict, cap);
    return sg_column_new(name, SG_INT64, cap);
}

int sg_cooc_push_item(sg_column *col, const sg_cooc *c, uint32_t id)
{
    if (c->type == SG_STRING)
        return sg_column_push_code(col, (int32_t)c->key[id]);
    return sg_column_push_i64(col, (int64_t)c->key[id]);
}

/* A new table of the n columns (all non-NULL, equal lengths); on failure
 * every column is released. */
sg_table *sg_cooc_make_table(sg_column **cols, size_t n, sg_error *err)
{
    sg_table *t = sg_table_new();
    size_t k = 0;
    if (!t) {
        for (; k < n; k++)
            sg_column_release(cols[k]);
        sg_error_nomem(err);
        return NULL;
    }
    for (; k < n; k++)
        if (sg_table_add(t, cols[k], err) != 0) {   /* releases cols[k], sets err */
            for (k++; k < n; k++)
                sg_column_release(cols[k]);
            sg_table_free(t);
            return NULL;
        }
    return t;
}

/* Releases the n columns (NULL allowed) and reports out of memory. */
sg_table *sg_cooc_fail_columns(sg_column **cols, size_t n, sg_error *err)
{
    for (size_t k = 0; k < n; k++)
        sg_column_release(cols[k]);
    sg_error_nomem(err);
    return NULL;
}

sg_table *sg_cooc_rules(const sg_cooc *c, sg_error *err)
{
    if (!c)
        return sg_error_set(err, SG_EINVAL, "cooc rules: no model"), NULL;
    size_t n = c->nrules;
    sg_column *cols[6] = {
        sg_cooc_item_column(c, "antecedent", n), sg_cooc_item_column(c, "consequent", n),
        sg_column_new("count", SG_INT64, n), sg_column_new("support", SG_DOUBLE, n),
        sg_column_new("confidence", SG_DOUBLE, n), sg_column_new("lift", SG_DOUBLE, n),
    };
    int ok = 1;
    for (int j = 0; j < 6; j++)
        ok = ok && cols[j];
    for (size_t k = 0; ok && k < n; k++) {
        const sg_cooc_rule *r = &c->rules[k];
        ok = sg_cooc_push_item(cols[0], c, r->a) == 0 && sg_cooc_push_item(cols[1], c, r->b) == 0 &&
             sg_column_push_i64(cols[2], (int64_t)r->count) == 0 &&
             sg_column_push_f64(cols[3], r->support) == 0 &&
             sg_column_push_f64(cols[4], r->confidence) == 0 &&
             sg_column_push_f64(cols[5], r->lift) == 0;
    }
    if (!ok)
        return sg_cooc_fail_columns(cols, 6, err);
    return sg_cooc_make_table(cols, 6, err);
}
