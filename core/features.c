/* Per-customer model features at a cutoff (sg_features_build): option
 * checks and the two passes over the rows.
 *
 * Pass 1 (sequential): customer state by dictionary code (string
 * customers) or through a hash on the value (numeric ones), as rfm.c does;
 * it sums everything that needs no distinct count (first and last sale,
 * monetary, windows, returns, horizon spend) and counts each customer's
 * sale rows.  Pass 2 scatters the indices of the sale rows of customers
 * with history into one array grouped by customer (a counting sort: 4
 * bytes per such row).  features_out.c then walks each customer's rows for
 * the distinct invoices (and their times), items and categories with a
 * small scratch hash that fits the customer.  Memory: 64 bytes per
 * customer (per dictionary code for string customers), 4 bytes per sale
 * row, scratch proportional to the largest customer. */
#include "custfeatures.h"

#include <math.h>
#include <string.h>

#include "features_internal.h"
#include "mem.h"
#include "rfm_internal.h"

#define AHEAD 64              /* rows of prefetch distance */
/* Bounds that keep cutoff +- 2 windows or + horizon far from overflow. */
#define MAX_DAYS 1e7
#define MAX_CUTOFF 1000000000000000ll   /* 1e15 s, about 31.7 million years */

void sg_features_options_init(sg_features_options *o)
{
    memset(o, 0, sizeof *o);
    o->window_days = 90;
}

/* ---- checks ---- */

static int check_options(const sg_features_options *o, sg_error *err)
{
    if (!o)
        return sg_error_set(err, SG_EINVAL, "features: no options given");
    if (!o->customer || !o->date || !o->invoice || !o->amount)
        return sg_error_set(err, SG_EINVAL, "features: the %s column must be named",
                            !o->customer ? "customer" : !o->date ? "date"
                            : !o->invoice ? "invoice" : "amount");
    if (!isfinite(o->window_days) || !(o->window_days > 0) || o->window_days > MAX_DAYS)
        return sg_error_set(err, SG_EINVAL,
                            "features: window_days must be a positive number of days up to "
                            "%g (got %g)", MAX_DAYS, o->window_days);
    if (llround(o->window_days * SG_RFM_DAY) < 1)
        return sg_error_set(err, SG_EINVAL,
                            "features: window_days must be at least one second (got %g)",
                            o->window_days);
    if (!isfinite(o->horizon_days) || o->horizon_days < 0 || o->horizon_days > MAX_DAYS)
        return sg_error_set(err, SG_EINVAL,
                            "features: horizon_days must be 0 (no labels) or a positive number "
                            "of days up to %g (got %g)", MAX_DAYS, o->horizon_days);
    if (o->horizon_days > 0 && llround(o->horizon_days * SG_RFM_DAY) < 1)
        return sg_error_set(err, SG_EINVAL,
                            "features: horizon_days must be 0 or at least one second (got %g)",
                            o->horizon_days);
    if (o->cutoff > MAX_CUTOFF || o->cutoff < -MAX_CUTOFF)
        return sg_error_set(err, SG_EINVAL, "features: the cutoff %lld is out of range",
                            (long long)o->cutoff);
    return 0;
}

static const sg_column *find(const sg_table *tx, const char *name, const char *what,
                             sg_error *err)
{
    const sg_column *c = sg_table_col(tx, name);
    if (!c)
        sg_error_set(err, SG_EINVAL, "features: the dataset has no %s column '%s'", what, name);
    return c;
}

static int check_columns(sg_feat_state *f, const sg_table *tx, sg_error *err)
{
    const sg_features_options *o = f->o;
    if (!(f->cust = find(tx, o->customer, "customer", err)) ||
        !(f->date = find(tx, o->date, "date", err)) ||
        !(f->inv = find(tx, o->invoice, "invoice", err)) ||
        !(f->amt = find(tx, o->amount, "amount", err)) ||
        (o->item && !(f->item = find(tx, o->item, "item", err))) ||
        (o->category && !(f->cat = find(tx, o->category, "category", err))))
        return SG_EINVAL;
    if (f->cust->type != SG_STRING && f->cust->type != SG_INT64 && f->cust->type != SG_DOUBLE)
        return sg_error_set(err, SG_EINVAL,
                            "features: the customer column '%s' must be a string or a number "
                            "(it is %s)", o->customer, sg_type_name(f->cust->type));
    if (f->date->type != SG_DATETIME)
        return sg_error_set(err, SG_EINVAL,
                            "features: the date column '%s' must be a datetime (it is %s)",
                            o->date, sg_type_name(f->date->type));
    if (f->amt->type == SG_STRING || f->amt->type == SG_DATETIME)
        return sg_error_set(err, SG_EINVAL,
                            "features: the amount column '%s' must be numeric (it is %s)",
                            o->amount, sg_type_name(f->amt->type));
    if (tx->nrows >= SG_FEAT_NONE)
        return sg_error_set(err, SG_EINVAL, "features: too many rows (%zu)", tx->nrows);
    return 0;
}

/* ---- rows ---- */

/* 0: the row is used (amount set), 1: a value is missing. */
static inline int row_missing(const sg_feat_state *f, size_t i, double *amount)
{
    return sg_custs_row_missing(f->cust, f->date, f->amt, i, amount);
}

/* Pass 1: the sums, and the count of each customer's sale rows. */
static int pass1(sg_feat_state *f, sg_features_info *info)
{
    const int64_t *dates = sg_column_i64(f->date);
    const int64_t w1 = f->cutoff - f->win, w2 = f->cutoff - 2 * f->win;
    int any = 0;
    for (size_t i = 0; i < f->cust->n; i++) {
        double a;
        sg_custs_prefetch(&f->c, i + AHEAD);
        if (row_missing(f, i, &a)) {
            info->rows_missing++;
            continue;
        }
        int64_t t = dates[i];
        if (!any || t > info->last_date)
            info->last_date = t;
        any = 1;
        if (t >= f->end) {
            info->rows_after++;
            continue;
        }
        uint32_t k = sg_custs_index(&f->c, i);
        if (k == SG_FEAT_NONE)
            return SG_ENOMEM;
        sg_feat_cust *s = sg_feat_cust_at(f, (uint32_t)k);
        if (t >= f->cutoff) {
            info->rows_future++;
            s->future += a;
            if (a > 0) {
                s->flags |= SG_FEAT_FUTURE;
                s->nsale++;
            }
            continue;
        }
        info->rows_history++;
        if (a < 0) {
            s->returned -= a;
        } else if (a > 0) {
            if (!(s->flags & SG_FEAT_HIST)) {
                s->flags |= SG_FEAT_HIST;
                s->first = s->last = t;
            } else if (t < s->first) {
                s->first = t;
            } else if (t > s->last) {
                s->last = t;
            }
            s->nsale++;
            s->monetary += a;
            if (t >= w1)
                s->spend_last += a;
            else if (t >= w2)
                s->spend_prev += a;
        }
    }
    return 0;
}

/* Pass 2: the sale rows of customers with history, grouped by customer in
 * row order (cs[k].end is their end in perm afterwards). */
static int pass2(sg_feat_state *f)
{
    size_t total = 0;
    for (size_t k = 0; k < f->c.n; k++) {
        sg_feat_cust *s = sg_feat_cust_at(f, (uint32_t)k);
        if (s->flags & SG_FEAT_HIST) {
            s->end = (uint32_t)total;      /* its start, until the scatter */
            total += s->nsale;
            f->ncust++;
        }
    }
    if (!(f->perm = sg_malloc((total ? total : 1) * sizeof *f->perm)))
        return SG_ENOMEM;
    const int64_t *dates = sg_column_i64(f->date);
    for (size_t i = 0; i < f->cust->n; i++) {
        double a;
        sg_custs_prefetch(&f->c, i + AHEAD);
        if (row_missing(f, i, &a) || !(a > 0) || dates[i] >= f->end)
            continue;
        uint32_t k = sg_custs_find(&f->c, i);
        sg_feat_cust *s = sg_feat_cust_at(f, (uint32_t)k);
        if (s->flags & SG_FEAT_HIST)
            f->perm[s->end++] = (uint32_t)i;
    }
    return 0;
}

sg_table *sg_features_build(const sg_table *tx, const sg_features_options *o,
                            sg_features_info *info, sg_error *err)
{
    sg_features_info local_info;
    sg_feat_state f;
    sg_table *t = NULL;
    if (!info)
        info = &local_info;
    memset(info, 0, sizeof *info);
    memset(&f, 0, sizeof f);
    sg_error_clear(err);
    if (!tx)
        return sg_error_set(err, SG_EINVAL, "features: no dataset given"), NULL;
    if (check_options(o, err))
        return NULL;
    f.o = o;
    if (check_columns(&f, tx, err))
        return NULL;
    f.cutoff = o->cutoff;
    f.win = (int64_t)llround(o->window_days * SG_RFM_DAY);
    f.labels = o->horizon_days > 0;
    f.end = f.cutoff + (int64_t)llround(o->horizon_days * SG_RFM_DAY);
    /* string customers by dictionary code (codes without a used row stay empty) */
    if (sg_custs_init(&f.c, f.cust, sizeof(sg_feat_cust)))
        goto nomem;
    if (pass1(&f, info) || pass2(&f))
        goto nomem;
    info->horizon_complete =
        f.labels && (info->rows_history || info->rows_future || info->rows_after) &&
        sg_rfm_default_as_of(info->last_date) >= f.end;
    if ((t = sg_feat_output(&f, err)))
        info->customers = t->nrows;
    goto out;
nomem:
    sg_error_nomem(err);
out:
    sg_custs_free(&f.c);
    sg_free(f.perm);
    return t;
}
