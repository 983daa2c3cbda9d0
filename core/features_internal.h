/* Internal to the features module (features.c: the passes over the rows
 * and the output, features_map.c: the hash maps).  Not part of the API.
 *
 * The value keys and the numeric customer map are copies of the static
 * helpers of rfm.c (num_key, invoice_key, num_map), which rfm.c keeps
 * file-local. */
#ifndef SG_FEATURES_INTERNAL_H
#define SG_FEATURES_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "custfeatures.h"
#include "table.h"

#define SG_FEAT_NONE UINT32_MAX

static inline uint64_t sg_feat_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* Order-preserving 64-bit key of a numeric value (int64 or double); -0.0
 * and 0.0 are one value. */
static inline uint64_t sg_feat_num_key(const sg_column *c, size_t i)
{
    if (c->type == SG_DOUBLE) {
        double d = sg_column_f64(c)[i];
        uint64_t b;
        if (d == 0)
            d = 0;
        memcpy(&b, &d, sizeof b);
        return (b >> 63) ? ~b : b | (1ull << 63);
    }
    return (uint64_t)sg_column_i64(c)[i] ^ (1ull << 63);
}

/* The key of value i of a column of any type: 0 with *key set, 1 when
 * the value is missing (or NaN).  Equal keys <=> equal values. */
static inline int sg_feat_value_key(const sg_column *c, size_t i, uint64_t *key)
{
    if (sg_column_is_na(c, i))
        return 1;
    switch (c->type) {
    case SG_STRING: *key = (uint64_t)(uint32_t)sg_column_codes(c)[i]; return 0;
    case SG_BOOL: *key = sg_column_bools(c)[i]; return 0;
    case SG_DOUBLE:
        if (isnan(sg_column_f64(c)[i]))
            return 1;
        *key = sg_feat_num_key(c, i);
        return 0;
    default: *key = (uint64_t)sg_column_i64(c)[i]; return 0;
    }
}

/* ---- numeric customer -> index (open addressing, grows at 1/2) ---- */
typedef struct sg_feat_num_entry {
    uint64_t key;
    uint32_t idx;        /* SG_FEAT_NONE: empty */
    uint32_t pad;
} sg_feat_num_entry;

typedef struct sg_feat_num_map {
    sg_feat_num_entry *e;
    size_t cap, n;
    unsigned bits;
} sg_feat_num_map;

int sg_feat_nm_alloc(sg_feat_num_map *m, unsigned bits);   /* 0 or -1 */
/* The index of key, or SG_FEAT_NONE. */
uint32_t sg_feat_nm_find(const sg_feat_num_map *m, uint64_t key);
/* Adds key -> val unless present; returns the index now stored, or
 * SG_FEAT_NONE when out of memory. */
uint32_t sg_feat_nm_add(sg_feat_num_map *m, uint64_t key, uint32_t val);

/* ---- scratch set of 64-bit values, reused customer after customer ----
 * Reset for each customer to a capacity fitting its row count (at most
 * 2^16 slots, so a reset costs O(rows) and stays in cache), it grows when
 * more than half full. */
typedef struct sg_feat_vset_entry {
    uint64_t key;
    uint32_t val;
    uint32_t used;
} sg_feat_vset_entry;

typedef struct sg_feat_vset {
    sg_feat_vset_entry *e;
    size_t alloc;        /* entries allocated */
    size_t n;            /* entries used */
    unsigned bits;       /* capacity in use: 2^bits <= alloc */
} sg_feat_vset;

/* Empties s for up to `rows` insertions.  0 or -1 (out of memory). */
int sg_feat_vset_reset(sg_feat_vset *s, size_t rows);
/* 1: added with value val, 0: present (*stored receives its value),
 * -1: out of memory. */
int sg_feat_vset_add(sg_feat_vset *s, uint64_t key, uint32_t val, uint32_t *stored);
void sg_feat_vset_free(sg_feat_vset *s);

/* ---- the build state shared by features.c and features_out.c ---- */

#define SG_FEAT_HIST 1u      /* a sale before the cutoff */
#define SG_FEAT_FUTURE 2u    /* a sale in the horizon */

/* Per-customer sums of pass 1. */
typedef struct sg_feat_cust {
    int64_t first, last;     /* first and last sale before the cutoff */
    double monetary, returned, spend_last, spend_prev, future;
    uint32_t nsale;          /* sale rows kept: history and horizon */
    uint32_t end;            /* after the scatter: end of its rows in perm */
    uint32_t flags;
    uint32_t pad;
} sg_feat_cust;

typedef struct sg_feat_state {
    const sg_features_options *o;
    const sg_column *cust, *date, *inv, *amt, *item, *cat;
    int64_t cutoff;
    int64_t end;             /* cutoff + horizon (cutoff without labels) */
    int64_t win;             /* the window in seconds */
    int labels;
    sg_feat_cust *cs;        /* by dictionary code, or by sg_feat_num_map index */
    size_t ncs, cap;
    int by_code;
    sg_feat_num_map nm;
    size_t ncust;            /* customers with a sale in the history */
    uint32_t *perm;          /* sale rows of those customers, grouped by customer */
} sg_feat_state;

/* Builds the output table (features_out.c) from the state after both
 * passes over the rows. */
sg_table *sg_feat_output(const sg_feat_state *f, sg_error *err);

#endif
