/* Co-purchase analysis for cross-selling: recommendations from a fitted
 * model (sg_cooc_recommend).  Fitting, the model and its rules are in
 * crosssell.c (see crosssell_internal.h).
 *
 * Per customer the set of model items bought; candidates are
 * consequents of rules from a bought item that were not bought, scored by
 * the best (lift, confidence, antecedent order) rule reaching them; ranked
 * by lift desc, confidence desc, item order; customers in text (bytewise)
 * or numeric order.  tx may be another table than the fit one: string
 * items are matched by text when its dictionary differs, items unknown to
 * the model are ignored, and so are rows with a missing customer or item.
 * The `customers` filter is matched by text or value; ids it lists that
 * are not in tx (and duplicates) give nothing extra.  top_n must be >= 1.
 *
 * Item order (ties) is bytewise text for strings, numeric for int64. */
#include "crosssell.h"

#include <stdlib.h>
#include <string.h>

#include "crosssell_internal.h"
#include "mem.h"
#include "opsutil.h"

/* ---- recommendations ---- */

typedef struct cand {
    uint32_t item, because;     /* dense ids */
    uint32_t irank, brank;      /* their ranks in item order */
    double lift, confidence;
} cand;

/* Score order: lift desc, confidence desc, item order. */
static int cmp_cand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->lift != b->lift)
        return a->lift > b->lift ? -1 : 1;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return (a->irank > b->irank) - (a->irank < b->irank);
}

/* Rule r reaches a candidate better than its current reason: higher lift,
 * then higher confidence, then the antecedent first in item order. */
static int better_reason(const sg_cooc_rule *r, const cand *cur)
{
    if (r->lift != cur->lift)
        return r->lift > cur->lift;
    if (r->confidence != cur->confidence)
        return r->confidence > cur->confidence;
    return r->ra < cur->brank;
}

/* The key of value i of a customer column cc as a key of column `like`
 * (same type): string codes are translated through the text when the
 * dictionaries differ.  0 when found, -1 when the text is absent. */
static int cust_key(const sg_column *from, size_t i, const sg_column *like, uint64_t *key)
{
    if (from->type == SG_STRING && from->dict != like->dict) {
        size_t len;
        const char *s = sg_column_str(from, i, &len);
        int32_t code = sg_dict_find(like->dict, s, len);
        if (code < 0)
            return -1;
        *key = (uint32_t)code;
        return 0;
    }
    *key = sg_ops_value_key(from, i);
    return 0;
}

typedef struct rec_work {
    sg_cooc_idmap allow, custs;
    uint32_t *xlat;              /* STRING: tx item code -> model id */
    uint32_t *row_cust, *row_item;
    uint64_t *ckey;              /* customer id -> key */
    size_t ckeycap;
    size_t *off, *len;
    uint32_t *items;             /* each customer's model items */
    uint32_t *rank, *order;      /* customer order */
    uint32_t *bought, *seen;     /* stamps per model item: customer id + 1 */
    uint32_t *uniq;
    cand *cands;
    uint32_t *cand_at;           /* model item -> index in cands */
} rec_work;

static void rec_work_free(rec_work *w)
{
    sg_cooc_idmap_free(&w->allow);
    sg_cooc_idmap_free(&w->custs);
    sg_free(w->xlat);
    sg_free(w->row_cust);
    sg_free(w->row_item);
    sg_free(w->ckey);
    sg_free(w->off);
    sg_free(w->len);
    sg_free(w->items);
    sg_free(w->rank);
    sg_free(w->order);
    sg_free(w->bought);
    sg_free(w->seen);
    sg_free(w->uniq);
    sg_free(w->cands);
    sg_free(w->cand_at);
}

/* Customer ids (filtered), each row's customer and model item, and each
 * customer's items grouped.  0 or SG_ENOMEM. */
static int rec_gather(rec_work *w, const sg_cooc *c, const sg_column *cc, const sg_column *ic,
                      const sg_column *customers)
{
    size_t n = cc->n;
    if (c->type == SG_STRING) {
        size_t d = sg_dict_size(ic->dict);
        w->xlat = sg_malloc((d ? d : 1) * sizeof *w->xlat);
        if (!w->xlat)
            return SG_ENOMEM;
        for (size_t k = 0; k < d; k++) {
            int32_t code = (int32_t)k;
            if (ic->dict != c->dict) {
                size_t len;
                const char *s = sg_dict_str(ic->dict, (int32_t)k, &len);
                code = sg_dict_find(c->dict, s, len);
            }
            w->xlat[k] = code < 0 ? UINT32_MAX : sg_cooc_idmap_find(&c->items, (uint32_t)code);
        }
    }
    if (customers) {
        if (sg_cooc_idmap_init(&w->allow, customers->n) != 0)
            return SG_ENOMEM;
        for (size_t i = 0; i < customers->n; i++) {
            uint64_t key;
            uint32_t id;
            int added;
            if (sg_ops_missing(customers, i) || cust_key(customers, i, cc, &key) != 0)
                continue;
            if (sg_cooc_idmap_get(&w->allow, key, &id, &added) != 0)
                return SG_ENOMEM;
        }
    }
    w->ckeycap = 64;
    w->ckey = sg_malloc(w->ckeycap * sizeof *w->ckey);
    w->row_cust = sg_malloc((n ? n : 1) * sizeof *w->row_cust);
    w->row_item = sg_malloc((n ? n : 1) * sizeof *w->row_item);
    if (!w->ckey || !w->row_cust || !w->row_item || sg_cooc_idmap_init(&w->custs, 1024) != 0)
        return SG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        w->row_cust[i] = UINT32_MAX;
        if (sg_ops_missing(cc, i) || sg_ops_missing(ic, i))
            continue;
        uint32_t it = c->type == SG_STRING ? w->xlat[sg_column_codes(ic)[i]]
                                           : sg_cooc_idmap_find(&c->items, sg_ops_value_key(ic, i));
        uint64_t key = sg_ops_value_key(cc, i);
        if (it == UINT32_MAX || (customers && sg_cooc_idmap_find(&w->allow, key) == UINT32_MAX))
            continue;
        uint32_t id;
        int added;
        if (sg_cooc_idmap_get(&w->custs, key, &id, &added) != 0)
            return SG_ENOMEM;
        if (added) {
            if (w->custs.n > w->ckeycap) {
                uint64_t *nk = sg_realloc(w->ckey, w->ckeycap * 2 * sizeof *nk);
                if (!nk)
                    return SG_ENOMEM;
                w->ckey = nk;
                w->ckeycap *= 2;
            }
            w->ckey[id] = key;
        }
        w->row_cust[i] = id;
        w->row_item[i] = it;
    }
    size_t nc = w->custs.n;
    w->off = sg_calloc(nc + 1, sizeof *w->off);
    w->len = sg_calloc(nc ? nc : 1, sizeof *w->len);
    w->items = sg_malloc((n ? n : 1) * sizeof *w->items);
    w->rank = sg_cooc_rank_keys(w->ckey, nc, cc->type, cc->dict);
    w->order = sg_malloc((nc ? nc : 1) * sizeof *w->order);
    if (!w->off || !w->len || !w->items || !w->rank || !w->order)
        return SG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (w->row_cust[i] != UINT32_MAX)
            w->off[w->row_cust[i] + 1]++;
    for (size_t k = 0; k < nc; k++)
        w->off[k + 1] += w->off[k];
    for (size_t i = 0; i < n; i++)
        if (w->row_cust[i] != UINT32_MAX)
            w->items[w->off[w->row_cust[i]] + w->len[w->row_cust[i]]++] = w->row_item[i];
    for (size_t k = 0; k < nc; k++)
        w->order[w->rank[k]] = (uint32_t)k;
    return 0;
}

/* Scores one customer's candidates into w->cands; returns their number. */
static size_t rec_score(rec_work *w, const sg_cooc *c, uint32_t cu)
{
    uint32_t stamp = cu + 1;
    size_t nu = 0, ncand = 0;
    for (size_t j = 0; j < w->len[cu]; j++) {
        uint32_t it = w->items[w->off[cu] + j];
        if (w->bought[it] != stamp) {
            w->bought[it] = stamp;
            w->uniq[nu++] = it;
        }
    }
    for (size_t j = 0; j < nu; j++) {
        uint32_t a = w->uniq[j];
        for (size_t k = c->adj_off[a]; k < c->adj_off[a + 1]; k++) {
            const sg_cooc_rule *r = &c->rules[c->adj[k]];
            if (w->bought[r->b] == stamp)
                continue;
            cand *cd;
            if (w->seen[r->b] != stamp) {
                w->seen[r->b] = stamp;
                w->cand_at[r->b] = (uint32_t)ncand;
                cd = &w->cands[ncand++];
                cd->item = r->b;
                cd->irank = r->rb;
            } else {
                cd = &w->cands[w->cand_at[r->b]];
                if (!better_reason(r, cd))
                    continue;
            }
            cd->because = r->a;
            cd->brank = r->ra;
            cd->lift = r->lift;
            cd->confidence = r->confidence;
        }
    }
    qsort(w->cands, ncand, sizeof *w->cands, cmp_cand);
    return ncand;
}

sg_table *sg_cooc_recommend(const sg_cooc *c, const sg_table *tx, const char *customer,
                            const sg_column *customers, size_t top_n, sg_error *err)
{
    if (!c || !tx || !customer)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: model, table and customer column are required"),
               NULL;
    const sg_column *cc = sg_table_col(tx, customer);
    const sg_column *ic = sg_table_col(tx, c->item);
    if (!cc)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: no column '%s' (customer)", customer), NULL;
    if (cc->type != SG_STRING && cc->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: customer column '%s' is %s, expected string or int64",
                            customer, sg_type_name(cc->type)), NULL;
    if (!ic)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: no column '%s' (the model's item column)",
                            c->item), NULL;
    if (ic->type != c->type)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: item column '%s' is %s, the model was fitted on %s",
                            c->item, sg_type_name(ic->type), sg_type_name(c->type)), NULL;
    if (customers && customers->type != cc->type)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: customers list is %s, customer column '%s' is %s",
                            sg_type_name(customers->type), customer, sg_type_name(cc->type)), NULL;
    if (top_n == 0)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: top_n must be at least 1"), NULL;
    if (tx->nrows >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "cooc recommend: too many rows (%zu)", tx->nrows), NULL;

    rec_work w;
    memset(&w, 0, sizeof w);
    size_t m = c->nitems ? c->nitems : 1;
    sg_column *cols[5] = { NULL };
    if (rec_gather(&w, c, cc, ic, customers) != 0)
        goto nomem;
    w.bought = sg_calloc(m, sizeof *w.bought);
    w.seen = sg_calloc(m, sizeof *w.seen);
    w.uniq = sg_malloc(m * sizeof *w.uniq);
    w.cands = sg_malloc(m * sizeof *w.cands);
    w.cand_at = sg_malloc(m * sizeof *w.cand_at);
    cols[0] = cc->type == SG_STRING ? sg_column_new_with_dict("customer", cc->dict, 64)
                                    : sg_column_new("customer", SG_INT64, 64);
    cols[1] = sg_column_new("rank", SG_INT64, 64);
    cols[2] = sg_cooc_item_column(c, "item", 64);
    cols[3] = sg_column_new("score", SG_DOUBLE, 64);
    cols[4] = sg_cooc_item_column(c, "because", 64);
    if (!w.bought || !w.seen || !w.uniq || !w.cands || !w.cand_at || !cols[0] || !cols[1] ||
        !cols[2] || !cols[3] || !cols[4])
        goto nomem;
    for (size_t k = 0; k < w.custs.n; k++) {
        uint32_t cu = w.order[k];
        size_t ncand = rec_score(&w, c, cu);
        for (size_t j = 0; j < ncand && j < top_n; j++) {
            const cand *cd = &w.cands[j];
            int rc = cc->type == SG_STRING ? sg_column_push_code(cols[0], (int32_t)w.ckey[cu])
                                           : sg_column_push_i64(cols[0], (int64_t)w.ckey[cu]);
            if (rc || sg_column_push_i64(cols[1], (int64_t)j + 1) ||
                sg_cooc_push_item(cols[2], c, cd->item) || sg_column_push_f64(cols[3], cd->lift) ||
                sg_cooc_push_item(cols[4], c, cd->because))
                goto nomem;
        }
    }
    rec_work_free(&w);
    return sg_cooc_make_table(cols, 5, err);
nomem:
    rec_work_free(&w);
    return sg_cooc_fail_columns(cols, 5, err);
}
