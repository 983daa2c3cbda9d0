/* The output of sg_features_build: customers in sorted order, the distinct
 * counts and inter-purchase times from each customer's grouped sale rows,
 * and the feature table itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_internal.h"
#include "mem.h"
#include "rfm_internal.h"

#define AHEAD 16              /* rows of prefetch distance within a customer */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* ---- customers in output order ---- */

/* Customers with a sale before the cutoff are output. */
static int has_history(const void *ud, uint32_t idx)
{
    return (sg_feat_cust_at(ud, idx)->flags & SG_FEAT_HIST) != 0;
}

/* ---- one customer's grouped rows ---- */

typedef struct scratch {
    sg_feat_vset inv, fut, item, cat;
    int64_t *times;          /* invoice times, first-seen order */
    size_t tcap;
} scratch;

typedef struct group {
    int64_t freq, items, cats, fut_inv;
    double ipt_mean, ipt_sd;     /* NaN: fewer than 2 invoices */
} group;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Mean and population sd of the gaps between the sorted times, in days. */
static void ipt(int64_t *times, size_t n, group *g)
{
    g->ipt_mean = g->ipt_sd = NAN;
    if (n < 2)
        return;
    for (size_t k = 1; k < n; k++) {
        if (times[k] < times[k - 1]) {
            qsort(times, n, sizeof *times, cmp_i64);
            break;
        }
    }
    double mean = (double)(times[n - 1] - times[0]) / SG_RFM_DAY / (double)(n - 1), ss = 0;
    for (size_t k = 1; k < n; k++) {
        double d = (double)(times[k] - times[k - 1]) / SG_RFM_DAY - mean;
        ss += d * d;
    }
    g->ipt_mean = mean;
    g->ipt_sd = sqrt(ss / (double)(n - 1));
}

static inline void prefetch_value(const sg_column *c, size_t j)
{
    size_t w = c->type == SG_BOOL ? 1 : c->type == SG_STRING ? 4 : 8;
    PREFETCH((const char *)c->data + w * j);
}

static int group_of(const sg_feat_state *f, scratch *w, const sg_feat_cust *s, group *g)
{
    const size_t n = s->nsale;
    const uint32_t *rows = f->perm + (s->end - s->nsale);
    const int64_t *dates = sg_column_i64(f->date);
    const sg_column *inv = f->inv;
    const sg_column *item = f->item, *cat = f->cat;
    if (n + 1 > w->tcap) {
        size_t cap = w->tcap ? w->tcap : 64;
        while (cap < n + 1)
            cap *= 2;
        int64_t *nt = sg_realloc(w->times, cap * sizeof *nt);
        if (!nt)
            return -1;
        w->times = nt;
        w->tcap = cap;
    }
    if (sg_feat_vset_reset(&w->inv, n) || (f->labels && sg_feat_vset_reset(&w->fut, n)) ||
        (f->item && sg_feat_vset_reset(&w->item, n)) ||
        (f->cat && sg_feat_vset_reset(&w->cat, n)))
        return -1;
    size_t nt = 0;
    int64_t miss_t = 0;
    int miss = 0, fut_miss = 0;
    for (size_t p = 0; p < n; p++) {
        if (p + AHEAD < n) {
            /* the rows are scattered: fetch their values ahead */
            size_t j = rows[p + AHEAD];
            PREFETCH(&dates[j]);
            prefetch_value(inv, j);
            if (item)
                prefetch_value(item, j);
            if (cat)
                prefetch_value(cat, j);
        }
        size_t i = rows[p];
        int64_t t = dates[i];
        uint64_t key;
        uint32_t at;
        if (t >= f->cutoff) {
            /* a sale in the horizon */
            if (sg_any_key(inv, i, &key))
                fut_miss = 1;
            else if (sg_feat_vset_add(&w->fut, key, 0, NULL) < 0)
                return -1;
            continue;
        }
        if (sg_any_key(inv, i, &key)) {
            if (!miss || t < miss_t)
                miss_t = t;
            miss = 1;
        } else {
            int r = sg_feat_vset_add(&w->inv, key, (uint32_t)nt, &at);
            if (r < 0)
                return -1;
            if (r)
                w->times[nt++] = t;
            else if (t < w->times[at])
                w->times[at] = t;    /* an invoice's time is its earliest row */
        }
        if (item && !sg_any_key(item, i, &key) &&
            sg_feat_vset_add(&w->item, key, 0, NULL) < 0)
            return -1;
        if (cat && !sg_any_key(cat, i, &key) &&
            sg_feat_vset_add(&w->cat, key, 0, NULL) < 0)
            return -1;
    }
    if (miss)
        w->times[nt++] = miss_t;
    g->freq = (int64_t)nt;
    g->items = f->item ? (int64_t)w->item.n : 0;
    g->cats = f->cat ? (int64_t)w->cat.n : 0;
    g->fut_inv = f->labels ? (int64_t)w->fut.n + fut_miss : 0;
    ipt(w->times, nt, g);
    return 0;
}

/* ---- the table ---- */

enum { RECENCY, FREQ, MONETARY, BASKET, TENURE, IPT_MEAN, IPT_SD, LAST, PREV, CHANGE, ITEMS,
       CATS, RETURNED, RSHARE, CHURNED, FSPEND, FINV, NCOLS };

/* Adds a column of n values (filled in afterwards); NULL when out of
 * memory or the name is taken (err set). */
static void *add_column(sg_table *t, const char *name, sg_type type, size_t n, sg_column **out,
                        sg_error *err)
{
    sg_column *c = sg_column_new(name, type, n ? n : 1);
    if (!c)
        return sg_error_nomem(err), NULL;
    memset(c->data, 0, (n ? n : 1) * (type == SG_DOUBLE ? sizeof(double) : sizeof(int64_t)));
    c->n = n;
    *out = c;
    if (sg_table_add(t, c, err))
        return NULL;
    return c->data;
}

sg_table *sg_feat_output(const sg_feat_state *f, sg_error *err)
{
    const size_t n = f->ncust;
    uint32_t *order = NULL;
    scratch w;
    char names[3][64];
    memset(&w, 0, sizeof w);
    sg_table *t = sg_table_new();
    sg_column *cust = t ? sg_rfm_sorted_customers(f->cust, f->o->customer, f->ncust, f->c.n, &f->c.nm, has_history, f,
                                                  &order) : NULL;
    if (!cust) {
        sg_table_free(t);
        return sg_error_nomem(err), NULL;
    }
    if (sg_table_add(t, cust, err))
        goto fail;
    snprintf(names[0], sizeof names[0], "spend_last_%gd", f->o->window_days);
    snprintf(names[1], sizeof names[1], "spend_prev_%gd", f->o->window_days);
    snprintf(names[2], sizeof names[2], "spend_change_%gd", f->o->window_days);
    const char *cname[NCOLS] = { "recency_days", "frequency", "monetary", "avg_basket",
                                 "tenure_days", "ipt_mean_days", "ipt_sd_days", names[0],
                                 names[1], names[2], "distinct_items", "distinct_categories",
                                 "returned_value", "returned_share", "churned", "future_spend",
                                 "future_invoices" };
    void *data[NCOLS] = { NULL };
    sg_column *col[NCOLS] = { NULL };
    for (int k = 0; k < NCOLS; k++) {
        if ((k == ITEMS && !f->item) || (k == CATS && !f->cat) || (k >= CHURNED && !f->labels))
            continue;
        sg_type ty = k == RECENCY || k == FREQ || k == TENURE || k == ITEMS || k == CATS ||
                     k == CHURNED || k == FINV ? SG_INT64 : SG_DOUBLE;
        if (!(data[k] = add_column(t, cname[k], ty, n, &col[k], err)))
            goto fail;
    }
#define I64(k) ((int64_t *)data[k])
#define F64(k) ((double *)data[k])
    for (size_t r = 0; r < n; r++) {
        const sg_feat_cust *s = sg_feat_cust_at(f, order[r]);
        group g;
        if (group_of(f, &w, s, &g)) {
            sg_error_nomem(err);
            goto fail;
        }
        I64(RECENCY)[r] = sg_rfm_floor_day(f->cutoff - s->last);
        I64(FREQ)[r] = g.freq;
        F64(MONETARY)[r] = s->monetary;
        F64(BASKET)[r] = s->monetary / (double)g.freq;
        I64(TENURE)[r] = sg_rfm_floor_day(f->cutoff - s->first);
        if (isnan(g.ipt_mean)) {
            if (sg_column_set_na(col[IPT_MEAN], r) || sg_column_set_na(col[IPT_SD], r)) {
                sg_error_nomem(err);
                goto fail;
            }
        } else {
            F64(IPT_MEAN)[r] = g.ipt_mean;
            F64(IPT_SD)[r] = g.ipt_sd;
        }
        F64(LAST)[r] = s->spend_last;
        F64(PREV)[r] = s->spend_prev;
        F64(CHANGE)[r] = s->spend_last - s->spend_prev;
        if (f->item)
            I64(ITEMS)[r] = g.items;
        if (f->cat)
            I64(CATS)[r] = g.cats;
        F64(RETURNED)[r] = s->returned;
        F64(RSHARE)[r] = s->returned / s->monetary;
        if (f->labels) {
            I64(CHURNED)[r] = !(s->flags & SG_FEAT_FUTURE);
            F64(FSPEND)[r] = s->future;
            I64(FINV)[r] = g.fut_inv;
        }
    }
#undef I64
#undef F64
    goto out;
fail:
    sg_table_free(t);
    t = NULL;
out:
    sg_free(order);
    sg_feat_vset_free(&w.inv);
    sg_feat_vset_free(&w.fut);
    sg_feat_vset_free(&w.item);
    sg_feat_vset_free(&w.cat);
    sg_free(w.times);
    return t;
}
