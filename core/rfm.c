/* Per-customer RFM aggregation in memory (sg_rfm_aggregate).
 *
 * Pass 1 over the rows does everything for the usual data:
 *   - customer state: string customers are indexed by their dictionary
 *     code (no lookup at all), numeric ones through an open-addressing
 *     hash on the value; the state (64 bytes) is prefetched AHEAD rows in
 *     advance because customers come in no particular order;
 *   - distinct invoices: each invoice value has an "owner", the first
 *     customer seen with it (a direct array by dictionary code, or by value
 *     when the values are dense invoice numbers, else a hash map); a pair
 *     (customer, invoice) is only hashed into a set when the invoice is
 *     shared by several customers, and the owner is only consulted when
 *     the invoice differs from the customer's previous one;
 *   - btyd periods and purchase days are counted by change, which is exact
 *     while a customer's rows come in time order.
 * Pass 2 runs only if some customer's rows were out of time order: it
 * recounts that customer's periods (and days) with (customer, value) sets.
 * Memory: 64 bytes per customer (per dictionary code for string customers)
 * plus the invoice owners; nothing per row.
 *
 * Choices: a missing invoice is a value of its own (all the missing
 * invoices of a customer count as one invoice); a NaN amount, customer or
 * invoice counts as missing, like everywhere in the engine. */
#include "rfm.h"

#include <math.h>
#include <string.h>

#include "keymap.h"
#include "mem.h"
#include "rfm_internal.h"

#define NONE UINT32_MAX
#define AHEAD 64              /* rows of prefetch distance */
#define UNORDERED 4u          /* flag: a row older than the customer's last one was seen */

void sg_rfm_options_init(sg_rfm_options *o)
{
    memset(o, 0, sizeof *o);
    o->freq = SG_RFM_INVOICES;
    o->unit_days = 1;
}

/* ---- hashing ---- */


/* A set of (customer, 64-bit value) pairs. */
typedef struct pair_entry {
    uint64_t v;
    uint32_t c;          /* NONE: empty slot */
    uint32_t pad;
} pair_entry;

typedef struct pair_set {
    pair_entry *e;
    size_t cap, n;       /* cap: power of two */
    unsigned bits;
} pair_set;

static int ps_alloc(pair_set *s, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    pair_entry *e = sg_malloc(cap * sizeof *e);
    if (!e)
        return -1;
    for (size_t k = 0; k < cap; k++)
        e[k].c = NONE;
    s->e = e;
    s->cap = cap;
    s->bits = bits;
    s->n = 0;
    return 0;
}

static inline size_t ps_slot(const pair_set *s, uint32_t c, uint64_t v)
{
    return (size_t)(sg_mix64(v ^ ((uint64_t)c * 0x9e3779b97f4a7c15ull)) >> (64 - s->bits));
}

static int ps_grow(pair_set *s)
{
    pair_set big;
    if (ps_alloc(&big, s->bits + 1))
        return -1;
    for (size_t k = 0; k < s->cap; k++) {
        if (s->e[k].c == NONE)
            continue;
        size_t j = ps_slot(&big, s->e[k].c, s->e[k].v);
        while (big.e[j].c != NONE)
            j = (j + 1) & (big.cap - 1);
        big.e[j] = s->e[k];
    }
    big.n = s->n;
    sg_free(s->e);
    *s = big;
    return 0;
}

/* 1: added, 0: present, -1: out of memory. */
static int ps_insert(pair_set *s, uint32_t c, uint64_t v)
{
    if (!s->e && ps_alloc(s, 16))
        return -1;
    size_t j = ps_slot(s, c, v);
    for (;;) {
        pair_entry *e = &s->e[j];
        if (e->c == NONE)
            break;
        if (e->c == c && e->v == v)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->e[j].c = c;
    s->e[j].v = v;
    if (++s->n * 2 > s->cap && ps_grow(s))
        return -1;
    return 1;
}

/* ---- value -> index maps ---- */

/* ---- sg_rfm_aggregate ---- */

typedef struct agg {
    const sg_column *cust, *date, *inv, *amt;
    const sg_rfm_options *o;
    sg_rfm_unit unit;      /* btyd unit */
    sg_custs c;            /* sg_rfm_cust per customer */
    size_t ncust;          /* customers with a used row */
    size_t nunordered;
    /* invoice -> first customer seen with it ("owner"): by dictionary code
     * or by value - inv_min when the values are dense, else hashed */
    uint32_t *owner;
    int64_t inv_min;
    sg_keymap owner_map;
    pair_set shared;       /* (customer, invoice) pairs of non-owners */
    pair_set per_set, day_set;
} agg;

/* 0: the row is used; 1: a value is missing; 2: after as_of. */
static inline int row_state(const agg *a, size_t i, double *amount)
{
    if (sg_custs_row_missing(a->cust, a->date, a->amt, i, amount))
        return 1;
    return a->o->has_as_of && sg_column_i64(a->date)[i] > a->o->as_of ? 2 : 0;
}


/* Chooses how invoices map to their owner.  0 or -1 (out of memory). */
static int owner_setup(agg *a)
{
    const sg_column *c = a->inv;
    size_t n = 0;
    if (c->type == SG_STRING) {
        n = sg_dict_size(c->dict);
        a->inv_min = 0;
    } else if (c->type != SG_DOUBLE) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < c->n; i++) {
            uint64_t k;
            if (sg_any_key(c, i, &k))
                continue;
            int64_t v = (int64_t)k;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        /* dense values (invoice numbers): a direct array */
        if (lo <= hi && (uint64_t)hi - (uint64_t)lo < 4 * (uint64_t)c->n + 1024) {
            n = (size_t)((uint64_t)hi - (uint64_t)lo) + 1;
            a->inv_min = lo;
        }
    }
    if (n || c->type == SG_STRING) {
        if (!(a->owner = sg_malloc((n ? n : 1) * sizeof *a->owner)))
            return -1;
        memset(a->owner, 0xff, (n ? n : 1) * sizeof *a->owner);
        return 0;
    }
    return sg_keymap_alloc(&a->owner_map, 12);
}

/* 1: the pair (k, key) is new, 0: seen, -1: out of memory. */
static inline int invoice_seen(agg *a, uint32_t k, uint64_t key)
{
    uint32_t o;
    if (a->owner) {
        uint32_t *slot = &a->owner[(size_t)(key - (uint64_t)a->inv_min)];
        o = *slot;
        if (o == NONE) {
            *slot = k;
            return 1;
        }
        return o == k ? 0 : ps_insert(&a->shared, k, key);
    }
    size_t before = a->owner_map.n;
    if ((o = sg_keymap_add(&a->owner_map, key, k)) == NONE)
        return -1;
    if (a->owner_map.n != before)
        return 1;
    return o == k ? 0 : ps_insert(&a->shared, k, key);
}

static inline sg_rfm_cust *cust_at(const agg *a, uint32_t k)
{
    return (sg_rfm_cust *)sg_custs_at(&a->c, k);
}

static int check_columns(agg *a, const sg_table *tx, const sg_rfm_options *o, sg_error *err)
{
    if (!o->amount)
        return sg_error_set(err, SG_EINVAL, "rfm: no amount column named");
    a->cust = sg_table_col(tx, o->customer);
    a->date = sg_table_col(tx, o->date);
    a->amt = sg_table_col(tx, o->amount);
    a->inv = o->freq == SG_RFM_INVOICES ? sg_table_col(tx, o->invoice) : NULL;
    const char *missing = !a->cust ? o->customer : !a->date ? o->date : !a->amt ? o->amount
                        : (o->freq == SG_RFM_INVOICES && !a->inv) ? o->invoice : NULL;
    if (missing)
        return sg_error_set(err, SG_EINVAL, "rfm: the dataset has no column '%s'", missing);
    if (a->cust->type != SG_STRING && a->cust->type != SG_INT64 && a->cust->type != SG_DOUBLE)
        return sg_error_set(err, SG_EINVAL,
                            "rfm: the customer column '%s' must be a string or a number (it is %s)",
                            o->customer, sg_type_name(a->cust->type));
    if (a->date->type != SG_DATETIME)
        return sg_error_set(err, SG_EINVAL,
                            "rfm: the date column '%s' must be a datetime (it is %s); read it "
                            "with a datetime type", o->date, sg_type_name(a->date->type));
    if (a->amt->type == SG_STRING || a->amt->type == SG_DATETIME)
        return sg_error_set(err, SG_EINVAL, "rfm: the amount column '%s' must be numeric (it is %s)",
                            o->amount, sg_type_name(a->amt->type));
    return 0;
}

static inline int64_t period_of(const agg *a, int64_t t, int64_t first)
{
    return sg_rfm_period(t - first, &a->unit);
}

/* Pass 1: everything, counting periods and days by change while each
 * customer's rows come in time order. */
static int pass1(agg *a, sg_rfm_info *info, int64_t *max_t)
{
    const int64_t *dates = sg_column_i64(a->date);
    const int days = a->o->freq == SG_RFM_DAYS;
    const size_t n = a->cust->n;
    for (size_t i = 0; i < n; i++) {
        double amount;
        /* the customers come in no particular order: fetch their state
         * (or their hash slot) AHEAD rows ahead */
        sg_custs_prefetch(&a->c, i + AHEAD);
        int st = row_state(a, i, &amount);
        if (st) {
            if (st == 1)
                info->rows_missing++;
            else
                info->rows_after_as_of++;
            continue;
        }
        int64_t t = dates[i];
        uint32_t k = sg_custs_index(&a->c, i);
        if (k == NONE)
            return SG_ENOMEM;
        info->rows_used++;
        sg_rfm_cust *s = cust_at(a, (uint32_t)k);
        if (s->rows == 0) {
            a->ncust++;
            s->first = s->last = t;
            s->periods = 1;
            s->prev_period = 0;
            if (days) {
                s->freq = 1;
                s->prev = (uint64_t)sg_rfm_floor_day(t);
                s->flags |= SG_RFM_HAS_PREV;
            }
        } else {
            if (t < s->last && !(s->flags & UNORDERED)) {
                s->flags |= UNORDERED;
                a->nunordered++;
            }
            if (!(s->flags & UNORDERED)) {
                int64_t p = period_of(a, t, s->first);
                if (p != s->prev_period) {
                    s->prev_period = p;
                    s->periods++;
                }
                if (days && (uint64_t)sg_rfm_floor_day(t) != s->prev) {
                    s->prev = (uint64_t)sg_rfm_floor_day(t);
                    s->freq++;
                }
            }
            if (t < s->first)
                s->first = t;
            if (t > s->last)
                s->last = t;
        }
        if (s->rows < UINT32_MAX)
            s->rows++;
        s->monetary += amount;
        if (t > *max_t)
            *max_t = t;
        if (days)
            continue;
        uint64_t key;
        if (sg_any_key(a->inv, i, &key)) {
            if (!(s->flags & SG_RFM_MISSING_INVOICE)) {
                s->flags |= SG_RFM_MISSING_INVOICE;
                s->freq++;
            }
        } else if (!(s->flags & SG_RFM_HAS_PREV) || s->prev != key) {
            s->prev = key;
            s->flags |= SG_RFM_HAS_PREV;
            int r = invoice_seen(a, k, key);
            if (r < 0)
                return SG_ENOMEM;
            s->freq += r;
        }
    }
    return 0;
}

/* Pass 2, only for customers seen out of time order: periods (and days)
 * counted exactly with (customer, value) sets. */
static int pass2(agg *a)
{
    const int64_t *dates = sg_column_i64(a->date);
    const int days = a->o->freq == SG_RFM_DAYS;
    for (size_t k = 0; k < a->c.n; k++) {
        sg_rfm_cust *s = cust_at(a, (uint32_t)k);
        if (s->flags & UNORDERED) {
            s->periods = 0;
            s->prev_period = -1;
            if (days) {
                s->freq = 0;
                s->flags &= ~SG_RFM_HAS_PREV;
            }
        }
    }
    for (size_t i = 0; i < a->cust->n; i++) {
        double amount;
        if (row_state(a, i, &amount))
            continue;
        uint32_t k = sg_custs_find(&a->c, i);
        sg_rfm_cust *s = cust_at(a, (uint32_t)k);
        if (!(s->flags & UNORDERED))
            continue;
        int64_t t = dates[i];
        int64_t p = period_of(a, t, s->first);
        if (p != s->prev_period) {
            s->prev_period = p;
            int r = ps_insert(&a->per_set, k, (uint64_t)p);
            if (r < 0)
                return SG_ENOMEM;
            s->periods += r;
        }
        uint64_t d = (uint64_t)sg_rfm_floor_day(t);
        if (days && (!(s->flags & SG_RFM_HAS_PREV) || s->prev != d)) {
            s->prev = d;
            s->flags |= SG_RFM_HAS_PREV;
            int r = ps_insert(&a->day_set, k, d);
            if (r < 0)
                return SG_ENOMEM;
            s->freq += r;
        }
    }
    return 0;
}

/* Customers with at least one row used are output. */
static int has_rows(const void *ud, uint32_t idx)
{
    return cust_at(ud, idx)->rows > 0;
}

sg_table *sg_rfm_aggregate(const sg_table *tx, const sg_rfm_options *o, sg_rfm_info *info,
                           sg_error *err)
{
    sg_rfm_info local_info;
    agg a;
    sg_table *t = NULL;
    uint32_t *order = NULL;
    int64_t max_t = INT64_MIN;
    if (!info)
        info = &local_info;
    memset(info, 0, sizeof *info);
    memset(&a, 0, sizeof a);
    sg_error_clear(err);
    if (!tx)
        return sg_error_set(err, SG_EINVAL, "rfm: no dataset given"), NULL;
    if (sg_rfm_check_options(o, "rfm", err) || check_columns(&a, tx, o, err))
        return NULL;
    a.o = o;
    a.unit = sg_rfm_unit_of(o->unit_days);
    /* string customers by dictionary code: codes no used row refers to
     * keep rows == 0 and are left out */
    if (sg_custs_init(&a.c, a.cust, sizeof(sg_rfm_cust)))
        goto nomem;
    if (a.inv && owner_setup(&a))
        goto nomem;
    if (pass1(&a, info, &max_t))
        goto nomem;
    info->as_of = o->has_as_of ? o->as_of : a.ncust ? sg_rfm_default_as_of(max_t) : 0;
    sg_free(a.owner);
    sg_free(a.owner_map.e);
    sg_free(a.shared.e);
    a.owner = NULL;
    a.owner_map.e = NULL;
    a.shared.e = NULL;
    if (a.nunordered && pass2(&a))
        goto nomem;
    sg_column *cust = sg_rfm_sorted_customers(a.cust, a.o->customer, a.ncust, a.c.n, &a.c.nm, has_rows, &a, &order);
    if (!cust)
        goto nomem;
    t = sg_rfm_build(cust, cust_at(&a, 0), order, a.ncust, info->as_of, o->unit_days, a.date->date_only,
                     err);
    goto out;
nomem:
    sg_error_nomem(err);
out:
    sg_free(order);
    sg_custs_free(&a.c);
    sg_free(a.owner);
    sg_free(a.owner_map.e);
    sg_free(a.shared.e);
    sg_free(a.day_set.e);
    sg_free(a.per_set.e);
    return t;
}
