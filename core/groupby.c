/* Group-by with aggregates.
 *
 * 1. Group ids: each key column maps its values to dense ids in order of
 *    first appearance (strings and bools through a direct table, numbers
 *    through a hash map; missing is one more id).  Several keys combine
 *    pairwise: id(prev, next) = dense id of prev * D_next + next, so every
 *    step is a map of 64-bit values and no row tuple is ever compared.
 * 2. The groups (not the rows) are sorted: the key values of each group's
 *    first row go through sg_table_order, and the row group ids are
 *    renumbered so that group g is output row g.
 * 3. Each aggregate is one or two passes over the rows into per-group
 *    accumulators.  count_distinct and quantile first scatter the values
 *    group by group (a counting sort on the group id), then work on each
 *    group's segment: no hash of (group, value) pairs.
 * NaN values of double columns count as missing in the aggregates. */
#include <math.h>
#include <string.h>

#include "mem.h"
#include "groupby.h"
#include "sort.h"
#include "opsutil.h"

static const char *const agg_names[] = {
    "count", "count_distinct", "sum", "mean", "sd", "min", "max", "quantile", "first", "last"
};

int sg_agg_parse(const char *name, sg_agg_kind *out)
{
    static const struct { const char *name; sg_agg_kind k; } aliases[] = {
        { "n", SG_AGG_COUNT }, { "n_distinct", SG_AGG_COUNT_DISTINCT },
        { "nunique", SG_AGG_COUNT_DISTINCT }, { "avg", SG_AGG_MEAN }, { "std", SG_AGG_SD },
    };
    if (!name)
        return SG_EINVAL;
    for (size_t k = 0; k < sizeof agg_names / sizeof agg_names[0]; k++)
        if (strcmp(name, agg_names[k]) == 0) {
            *out = (sg_agg_kind)k;
            return 0;
        }
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strcmp(name, aliases[k].name) == 0) {
            *out = aliases[k].k;
            return 0;
        }
    return SG_EINVAL;
}

const char *sg_agg_name(sg_agg_kind k)
{
    if ((unsigned)k < sizeof agg_names / sizeof agg_names[0])
        return agg_names[k];
    return "unknown";
}

/* ---- dense ids ---- */

/* 64-bit value -> dense id, open addressing with linear probing; key and
 * id share a slot so a probe touches one cache line.  id holds id + 1,
 * 0 = free. */
typedef struct idslot {
    uint64_t key;
    uint32_t id;
} idslot;

typedef struct idmap {
    idslot *slots;
    size_t cap, n;
} idmap;

static int idmap_alloc(idmap *m, size_t cap)
{
    m->slots = sg_calloc(cap, sizeof *m->slots);
    m->cap = cap;
    m->n = 0;
    return m->slots ? 0 : -1;
}

static void idmap_free(idmap *m)
{
    sg_free(m->slots);
    m->slots = NULL;
}

static int idmap_grow(idmap *m)
{
    idmap g;
    if (idmap_alloc(&g, m->cap * 2) != 0)
        return -1;
    for (size_t k = 0; k < m->cap; k++) {
        if (!m->slots[k].id)
            continue;
        size_t at = (size_t)sg_mix64(m->slots[k].key) & (g.cap - 1);
        while (g.slots[at].id)
            at = (at + 1) & (g.cap - 1);
        g.slots[at] = m->slots[k];
    }
    g.n = m->n;
    idmap_free(m);
    *m = g;
    return 0;
}

/* The id of key, adding it with id *next (then incremented) when new;
 * UINT32_MAX when out of memory. */
static uint32_t idmap_get(idmap *m, uint64_t key, uint32_t *next)
{
    size_t mask = m->cap - 1, at = (size_t)sg_mix64(key) & mask;
    while (m->slots[at].id) {
        if (m->slots[at].key == key)
            return m->slots[at].id - 1;
        at = (at + 1) & mask;
    }
    uint32_t id = (*next)++;
    m->slots[at].key = key;
    m->slots[at].id = id + 1;
    m->n++;
    if (m->n * 2 > m->cap && idmap_grow(m) != 0)
        return UINT32_MAX;
    return id;
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif
#define PREFETCH_AHEAD 16

/* The 64 bits a numeric key value is hashed by. */
static inline uint64_t hash_key(const sg_column *c, size_t i)
{
    return c->type == SG_DOUBLE ? sg_f64_bits(sg_column_f64(c)[i]) : (uint64_t)sg_column_i64(c)[i];
}

/* column_ids for integers within [lo, lo + span): a direct table. */
static int direct_ids(const sg_column *c, int64_t lo, size_t span, uint32_t *ids, size_t *count)
{
    uint32_t *direct = sg_malloc(span * sizeof *direct), next = 0, na_id = UINT32_MAX;
    if (!direct)
        return -1;
    memset(direct, 0xff, span * sizeof *direct);
    const int64_t *iv = sg_column_i64(c);
    for (size_t i = 0; i < c->n; i++) {
        if (sg_column_is_na(c, i)) {
            ids[i] = na_id == UINT32_MAX ? (na_id = next++) : na_id;
            continue;
        }
        uint32_t *d = &direct[(uint64_t)iv[i] - (uint64_t)lo];
        if (*d == UINT32_MAX)
            *d = next++;
        ids[i] = *d;
    }
    sg_free(direct);
    *count = next;
    return 0;
}

/* ids[i] = dense id of row i's value of c (missing: one more id);
 * *count = number of ids.  0 or -1 when out of memory. */
static int column_ids(const sg_column *c, uint32_t *ids, size_t *count)
{
    size_t n = c->n;
    uint32_t next = 0, na_id = UINT32_MAX;
    if (c->type == SG_STRING || c->type == SG_BOOL) {
        size_t nd = c->type == SG_STRING ? sg_dict_size(c->dict) : 2;
        uint32_t *direct = sg_malloc((nd ? nd : 1) * sizeof *direct);
        if (!direct)
            return -1;
        memset(direct, 0xff, (nd ? nd : 1) * sizeof *direct);
        for (size_t i = 0; i < n; i++) {
            if (sg_column_is_na(c, i)) {
                ids[i] = na_id == UINT32_MAX ? (na_id = next++) : na_id;
                continue;
            }
            size_t v = c->type == SG_STRING ? (size_t)sg_column_codes(c)[i]
                                                : (size_t)(sg_column_bools(c)[i] & 1);
            if (direct[v] == UINT32_MAX)
                direct[v] = next++;
            ids[i] = direct[v];
        }
        sg_free(direct);
        *count = next;
        return 0;
    }
    const int64_t *iv = sg_column_i64(c);
    if (c->type != SG_DOUBLE) {
        /* integers in a narrow range (customer numbers, dates): direct table */
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < n; i++)
            if (!sg_column_is_na(c, i)) {
                lo = iv[i] < lo ? iv[i] : lo;
                hi = iv[i] > hi ? iv[i] : hi;
            }
        uint64_t range = lo <= hi ? (uint64_t)hi - (uint64_t)lo : 0;
        if (range < (UINT64_C(1) << 28) && range <= 8 * (uint64_t)n + 4096)
            return direct_ids(c, lo, (size_t)range + 1, ids, count);
    }
    idmap m;
    if (idmap_alloc(&m, 1024) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)   /* hide the cache miss of a later probe */
            PREFETCH(&m.slots[sg_mix64(hash_key(c, i + PREFETCH_AHEAD)) & (m.cap - 1)]);
        if (sg_column_is_na(c, i)) {
            ids[i] = na_id == UINT32_MAX ? (na_id = next++) : na_id;
            continue;
        }
        uint32_t id = idmap_get(&m, hash_key(c, i), &next);
        if (id == UINT32_MAX) {
            idmap_free(&m);
            return -1;
        }
        ids[i] = id;
    }
    *count = next;
    idmap_free(&m);
    return 0;
}

/* gid[i] = id of the key tuple of row i, ids in order of first appearance;
 * *ngroups set.  0 or -1 when out of memory. */
static int group_ids(const sg_column *const *kc, size_t nkeys, size_t n, uint32_t *gid,
                     size_t *ngroups)
{
    if (nkeys == 0) {
        memset(gid, 0, n * sizeof *gid);
        *ngroups = 1;
        return 0;
    }
    if (column_ids(kc[0], gid, ngroups) != 0)
        return -1;
    if (nkeys == 1)
        return 0;
    uint32_t *ids = sg_malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return -1;
    for (size_t j = 1; j < nkeys; j++) {
        size_t d;
        idmap m = { 0 };
        uint32_t next = 0;
        if (column_ids(kc[j], ids, &d) != 0 || idmap_alloc(&m, 1024) != 0) {
            idmap_free(&m);
            sg_free(ids);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (i + PREFETCH_AHEAD < n) {
                uint64_t ahead = (uint64_t)gid[i + PREFETCH_AHEAD] * d + ids[i + PREFETCH_AHEAD];
                PREFETCH(&m.slots[sg_mix64(ahead) & (m.cap - 1)]);
            }
            uint32_t g = idmap_get(&m, (uint64_t)gid[i] * d + ids[i], &next);
            if (g == UINT32_MAX) {
                idmap_free(&m);
                sg_free(ids);
                return -1;
            }
            gid[i] = g;
        }
        idmap_free(&m);
        *ngroups = next;
    }
    sg_free(ids);
    return 0;
}

/* ---- aggregates: each returns a new column of ngroups values ---- */

typedef struct gb {
    const uint32_t *gid;
    size_t n, ng;
} gb;

static sg_column *out_column(const char *name, sg_type type, size_t ng)
{
    sg_column *o = sg_column_new(name, type, ng);
    if (o)
        o->n = ng;
    return o;
}

static sg_column *agg_count(const gb *g, const sg_agg *a, const sg_column *c)
{
    sg_column *o = out_column(a->out, SG_INT64, g->ng);
    if (!o)
        return NULL;
    int64_t *v = sg_column_i64(o);
    for (size_t k = 0; k < g->ng; k++)
        v[k] = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!c || !sg_ops_missing(c, i))
            v[g->gid[i]]++;
    return o;
}

static sg_column *agg_sum(const gb *g, const sg_agg *a, const sg_column *c, sg_error *err)
{
    if (c->type == SG_DOUBLE) {
        sg_column *o = out_column(a->out, SG_DOUBLE, g->ng);
        if (!o)
            return NULL;
        double *s = sg_column_f64(o);
        const double *x = sg_column_f64(c);
        for (size_t k = 0; k < g->ng; k++)
            s[k] = 0;
        for (size_t i = 0; i < g->n; i++)
            if (!sg_ops_missing(c, i))
                s[g->gid[i]] += x[i];
        return o;
    }
    sg_column *o = out_column(a->out, SG_INT64, g->ng);
    if (!o)
        return NULL;
    int64_t *s = sg_column_i64(o);
    for (size_t k = 0; k < g->ng; k++)
        s[k] = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (sg_column_is_na(c, i))
            continue;
        int64_t x = c->type == SG_BOOL ? sg_column_bools(c)[i] : sg_column_i64(c)[i];
        int64_t *t = &s[g->gid[i]];
        if ((x > 0 && *t > INT64_MAX - x) || (x < 0 && *t < INT64_MIN - x)) {
            sg_error_set(err, SG_EDATA, "group_by: aggregate '%s' (sum of '%s') overflows int64",
                         a->out, c->name);
            sg_column_release(o);
            return NULL;
        }
        *t += x;
    }
    return o;
}

/* mean (sd == 0) or sample sd (sd == 1) by two passes. */
static sg_column *agg_moment(const gb *g, const sg_agg *a, const sg_column *c, int sd)
{
    sg_column *o = out_column(a->out, SG_DOUBLE, g->ng);
    size_t *cnt = sg_calloc(g->ng ? g->ng : 1, sizeof *cnt);
    double *mean = sd ? sg_calloc(g->ng ? g->ng : 1, sizeof *mean) : NULL;
    if (!o || !cnt || (sd && !mean))
        goto fail;
    double *s = sd ? mean : sg_column_f64(o);
    for (size_t k = 0; k < g->ng; k++)
        s[k] = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!sg_ops_missing(c, i)) {
            s[g->gid[i]] += sg_column_num(c, i);
            cnt[g->gid[i]]++;
        }
    for (size_t k = 0; k < g->ng; k++)
        s[k] = cnt[k] ? s[k] / (double)cnt[k] : 0;
    if (sd) {
        double *ss = sg_column_f64(o);
        for (size_t k = 0; k < g->ng; k++)
            ss[k] = 0;
        for (size_t i = 0; i < g->n; i++)
            if (!sg_ops_missing(c, i)) {
                double d = sg_column_num(c, i) - mean[g->gid[i]];
                ss[g->gid[i]] += d * d;
            }
        for (size_t k = 0; k < g->ng; k++)
            ss[k] = cnt[k] > 1 ? sqrt(ss[k] / (double)(cnt[k] - 1)) : 0;
    }
    for (size_t k = 0; k < g->ng; k++)
        if (cnt[k] < (size_t)(sd ? 2 : 1)) {
            sg_column_f64(o)[k] = 0;
            if (sg_column_set_na(o, k) != 0)
                goto fail;
        }
    sg_free(cnt);
    sg_free(mean);
    return o;
fail:
    sg_column_release(o);
    sg_free(cnt);
    sg_free(mean);
    return NULL;
}

/* min, max, first, last: pick one row per group, then gather them, which
 * keeps the type, the dictionary and the date_only flag. */
typedef struct pick {
    uint64_t key;     /* order key of the value at row (min/max) */
    size_t row;       /* SIZE_MAX: none yet */
} pick;

static sg_column *agg_pick(const gb *g, const sg_agg *a, const sg_column *c)
{
    size_t ng1 = g->ng ? g->ng : 1;
    pick *best = sg_malloc(ng1 * sizeof *best);
    size_t *row = sg_malloc(ng1 * sizeof *row);
    uint32_t *rank = NULL;
    sg_column *o = NULL;
    if (!best || !row || (c->type == SG_STRING && !(rank = sg_ops_dict_ranks(c->dict))))
        goto done;
    for (size_t k = 0; k < g->ng; k++)
        best[k].row = SIZE_MAX;
    int last = a->kind == SG_AGG_LAST, max = a->kind == SG_AGG_MAX;
    if (a->kind == SG_AGG_FIRST || last) {
        for (size_t i = 0; i < g->n; i++)
            if (!sg_ops_missing(c, i) && (last || best[g->gid[i]].row == SIZE_MAX))
                best[g->gid[i]].row = i;
    } else {
        for (size_t i = 0; i < g->n; i++) {
            if (sg_ops_missing(c, i))
                continue;
            pick *b = &best[g->gid[i]];
            uint64_t key = sg_ops_order_key(c, i, rank);
            if (b->row == SIZE_MAX || (max ? key > b->key : key < b->key)) {
                b->key = key;
                b->row = i;
            }
        }
    }
    for (size_t k = 0; k < g->ng; k++)
        row[k] = best[k].row;
    o = sg_column_take(c, row, g->ng);
    if (o) {
        char *name = sg_strdup(a->out);
        if (!name) {
            sg_column_release(o);
            o = NULL;
        } else {
            sg_free(o->name);
            o->name = name;
        }
    }
done:
    sg_free(row);
    sg_free(best);
    sg_free(rank);
    return o;
}

/* Segment of group k in a scatter: [k ? end[k-1] : 0, end[k]). */
static size_t *group_ends(const gb *g, const sg_column *c)
{
    size_t *end = sg_calloc(g->ng ? g->ng : 1, sizeof *end);
    if (!end)
        return NULL;
    for (size_t i = 0; i < g->n; i++)
        if (!sg_ops_missing(c, i))
            end[g->gid[i]]++;
    size_t sum = 0;
    for (size_t k = 0; k < g->ng; k++) {   /* start of each group, the cursor */
        size_t cnt = end[k];
        end[k] = sum;
        sum += cnt;
    }
    return end;   /* scattering with end[gid]++ leaves the ends */
}

static size_t distinct_sorted_small(uint64_t *v, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        uint64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    size_t d = len ? 1 : 0;
    for (size_t i = 1; i < len; i++)
        d += v[i] != v[i - 1];
    return d;
}

static sg_column *agg_count_distinct(const gb *g, const sg_agg *a, const sg_column *c)
{
    sg_column *o = out_column(a->out, SG_INT64, g->ng);
    size_t *end = group_ends(g, c);
    size_t total = 0;
    uint64_t *val = NULL;
    sg_u64set set = { 0 };
    if (!o || !end)
        goto fail;
    for (size_t i = 0; i < g->n; i++)
        total += !sg_ops_missing(c, i);
    if (!(val = sg_malloc((total ? total : 1) * sizeof *val)))
        goto fail;
    for (size_t i = 0; i < g->n; i++) {
        if (sg_ops_missing(c, i))
            continue;
        uint64_t x;
        switch (c->type) {
        case SG_STRING: x = (uint32_t)sg_column_codes(c)[i]; break;
        case SG_BOOL: x = sg_column_bools(c)[i]; break;
        case SG_DOUBLE: x = sg_f64_bits(sg_column_f64(c)[i]); break;
        default: x = (uint64_t)sg_column_i64(c)[i]; break;
        }
        val[end[g->gid[i]]++] = x;
    }
    int64_t *out = sg_column_i64(o);
    for (size_t k = 0; k < g->ng; k++) {
        size_t from = k ? end[k - 1] : 0, len = end[k] - from;
        if (len <= 32) {
            out[k] = (int64_t)distinct_sorted_small(val + from, len);
            continue;
        }
        if (sg_u64set_reset(&set, len) != 0)
            goto fail;
        for (size_t i = 0; i < len; i++)
            if (sg_u64set_add(&set, val[from + i]) != 0)
                goto fail;
        out[k] = (int64_t)set.n;
    }
    sg_free(end);
    sg_free(val);
    sg_u64set_free(&set);
    return o;
fail:
    sg_column_release(o);
    sg_free(end);
    sg_free(val);
    sg_u64set_free(&set);
    return NULL;
}

static sg_column *agg_quantile(const gb *g, const sg_agg *a, const sg_column *c)
{
    sg_column *o = out_column(a->out, SG_DOUBLE, g->ng);
    size_t *end = group_ends(g, c);
    double *val = NULL;
    if (!o || !end)
        goto fail;
    size_t total = 0;
    for (size_t i = 0; i < g->n; i++)
        total += !sg_ops_missing(c, i);
    if (!(val = sg_malloc((total ? total : 1) * sizeof *val)))
        goto fail;
    for (size_t i = 0; i < g->n; i++)
        if (!sg_ops_missing(c, i))
            val[end[g->gid[i]]++] = sg_column_num(c, i);
    for (size_t k = 0; k < g->ng; k++) {
        size_t from = k ? end[k - 1] : 0, len = end[k] - from;
        double q = 0;
        if (len)
            sg_ops_quantiles(val + from, len, &a->q, 1, &q);
        sg_column_f64(o)[k] = q;
        if (!len && sg_column_set_na(o, k) != 0)
            goto fail;
    }
    sg_free(end);
    sg_free(val);
    return o;
fail:
    sg_column_release(o);
    sg_free(end);
    sg_free(val);
    return NULL;
}

/* ---- the group-by ---- */

/* Checks an aggregate against the table; 0 or SG_EINVAL with a message. */
static int check_agg(const sg_table *t, const sg_agg *a, size_t k, sg_error *err)
{
    if (!a->out || !a->out[0])
        return sg_error_set(err, SG_EINVAL, "group_by: aggregate %zu has no output name", k + 1);
    const char *fn = sg_agg_name(a->kind);
    if ((unsigned)a->kind > SG_AGG_LAST)
        return sg_error_set(err, SG_EINVAL, "group_by: aggregate '%s' has an unknown function", a->out);
    if (!a->col) {
        if (a->kind == SG_AGG_COUNT)
            return 0;
        return sg_error_set(err, SG_EINVAL, "group_by: aggregate '%s' (%s) needs a column", a->out, fn);
    }
    const sg_column *c = sg_table_col(t, a->col);
    if (!c)
        return sg_error_set(err, SG_EINVAL, "group_by: aggregate '%s' (%s): no column '%s' in the dataset",
                            a->out, fn, a->col);
    switch (a->kind) {
    case SG_AGG_SUM: case SG_AGG_MEAN: case SG_AGG_SD: case SG_AGG_QUANTILE:
        if (c->type == SG_STRING || c->type == SG_DATETIME)
            return sg_error_set(err, SG_EINVAL,
                                "group_by: aggregate '%s' (%s): column '%s' is a %s; %s needs numbers or "
                                "bools (count, count_distinct, min, max, first and last take any column)",
                                a->out, fn, a->col, sg_type_name(c->type), fn);
        if (a->kind == SG_AGG_QUANTILE && !(a->q >= 0 && a->q <= 1))
            return sg_error_set(err, SG_EINVAL, "group_by: aggregate '%s' (quantile of '%s'): the probability "
                                "%g is not between 0 and 1", a->out, a->col, a->q);
        break;
    default:
        break;
    }
    return 0;
}

static int check_names(const sg_table *t, const char *const *keys, size_t nkeys,
                       const sg_agg *aggs, size_t naggs, sg_error *err)
{
    for (size_t j = 0; j < nkeys; j++) {
        if (!sg_table_col(t, keys[j]))
            return sg_error_set(err, SG_EINVAL, "group_by: no key column '%s' in the dataset", keys[j]);
        for (size_t i = 0; i < j; i++)
            if (strcmp(keys[i], keys[j]) == 0)
                return sg_error_set(err, SG_EINVAL, "group_by: key '%s' is given twice", keys[j]);
    }
    for (size_t k = 0; k < naggs; k++) {
        int rc = check_agg(t, &aggs[k], k, err);
        if (rc)
            return rc;
        for (size_t j = 0; j < nkeys; j++)
            if (strcmp(aggs[k].out, keys[j]) == 0)
                return sg_error_set(err, SG_EINVAL, "group_by: aggregate '%s' has the name of a key column",
                                    aggs[k].out);
        for (size_t i = 0; i < k; i++)
            if (strcmp(aggs[i].out, aggs[k].out) == 0)
                return sg_error_set(err, SG_EINVAL, "group_by: two aggregates are called '%s'", aggs[k].out);
    }
    return 0;
}

/* Sorts the groups by their keys: renumbers gid so that group g becomes
 * output row g, and adds the key columns (one row per group) to out. */
static int order_groups(const sg_table *t, const sg_column *const *kc, const char *const *keys,
                        size_t nkeys, uint32_t *gid, size_t ng, sg_table *out, sg_error *err)
{
    size_t n = t->nrows, *rep = sg_malloc((ng ? ng : 1) * sizeof *rep), *ord = NULL;
    uint32_t *newid = NULL;
    sg_table *kt = sg_table_new();
    int rc = SG_ENOMEM;
    if (!rep || !kt)
        goto done;
    /* ids come in order of first appearance, so the first rows are found in one pass */
    for (size_t i = 0, seen = 0; i < n && seen < ng; i++)
        if (gid[i] == seen)
            rep[seen++] = i;
    for (size_t j = 0; j < nkeys; j++) {
        sg_column *c = sg_column_take(kc[j], rep, ng);
        if (!c)
            goto done;
        if ((rc = sg_table_add(kt, c, err)) != 0)
            goto done;
        rc = SG_ENOMEM;
    }
    if (!(ord = sg_table_order(kt, keys, NULL, nkeys, err))) {
        rc = err ? err->code : SG_ENOMEM;
        goto done;
    }
    if (!(newid = sg_malloc((ng ? ng : 1) * sizeof *newid)))
        goto done;
    for (size_t k = 0; k < ng; k++)
        newid[ord[k]] = (uint32_t)k;
    for (size_t i = 0; i < n; i++)
        gid[i] = newid[gid[i]];
    for (size_t j = 0; j < nkeys; j++) {
        sg_column *c = sg_column_take(kt->cols[j], ord, ng);
        if (!c)
            goto done;
        if ((rc = sg_table_add(out, c, err)) != 0)
            goto done;
        rc = SG_ENOMEM;
    }
    rc = 0;
done:
    if (rc == SG_ENOMEM)
        sg_error_nomem(err);
    sg_free(rep);
    sg_free(ord);
    sg_free(newid);
    sg_table_free(kt);
    return rc;
}

sg_table *sg_table_group_by(const sg_table *t, const char *const *keys, size_t nkeys,
                            const sg_agg *aggs, size_t naggs, sg_error *err)
{
    if (check_names(t, keys, nkeys, aggs, naggs, err) != 0)
        return NULL;
    size_t n = t->nrows;
    if (n >= UINT32_MAX) {
        sg_error_set(err, SG_EINVAL, "group_by: at most %u rows", UINT32_MAX - 1);
        return NULL;
    }
    const sg_column *kfixed[16];
    const sg_column **kc = nkeys <= 16 ? kfixed : sg_malloc(nkeys * sizeof *kc);
    uint32_t *gid = sg_malloc((n ? n : 1) * sizeof *gid);
    sg_table *out = sg_table_new();
    size_t ng = 0;
    if (!kc || !gid || !out)
        goto nomem;
    for (size_t j = 0; j < nkeys; j++)
        kc[j] = sg_table_col(t, keys[j]);
    if (group_ids(kc, nkeys, n, gid, &ng) != 0)
        goto nomem;
    if (nkeys > 0 && order_groups(t, kc, keys, nkeys, gid, ng, out, err) != 0)
        goto fail;
    gb g = { gid, n, ng };
    for (size_t k = 0; k < naggs; k++) {
        const sg_agg *a = &aggs[k];
        const sg_column *c = a->col ? sg_table_col(t, a->col) : NULL;
        sg_column *o = NULL;
        sg_error e;
        e.code = 0;
        switch (a->kind) {
        case SG_AGG_COUNT: o = agg_count(&g, a, c); break;
        case SG_AGG_COUNT_DISTINCT: o = agg_count_distinct(&g, a, c); break;
        case SG_AGG_SUM: o = agg_sum(&g, a, c, &e); break;
        case SG_AGG_MEAN: o = agg_moment(&g, a, c, 0); break;
        case SG_AGG_SD: o = agg_moment(&g, a, c, 1); break;
        case SG_AGG_QUANTILE: o = agg_quantile(&g, a, c); break;
        case SG_AGG_MIN: case SG_AGG_MAX: case SG_AGG_FIRST: case SG_AGG_LAST:
            o = agg_pick(&g, a, c);
            break;
        }
        if (!o) {
            if (e.code) {
                if (err)
                    *err = e;
                goto fail;
            }
            goto nomem;
        }
        if (sg_table_add(out, o, err) != 0)
            goto fail;
    }
    out->nrows = ng;
    if (kc != kfixed)
        sg_free(kc);
    sg_free(gid);
    return out;
nomem:
    sg_error_nomem(err);
fail:
    if (kc != kfixed)
        sg_free(kc);
    sg_free(gid);
    sg_table_free(out);
    return NULL;
}
