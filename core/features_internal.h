/* Internal to the features module (features.c: the passes over the rows
 * and the output, features_map.c: the hash maps).  Not part of the API.
 * Value keys and the customer map come from keymap.h, shared with rfm.c. */
#ifndef SG_FEATURES_INTERNAL_H
#define SG_FEATURES_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "custfeatures.h"
#include "keymap.h"
#include "table.h"

#define SG_FEAT_NONE SG_KEYMAP_NONE

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
    sg_custs c;              /* sg_feat_cust per customer (keymap.h) */
    size_t ncust;            /* customers with a sale in the history */
    uint32_t *perm;          /* sale rows of those customers, grouped by customer */
} sg_feat_state;

static inline sg_feat_cust *sg_feat_cust_at(const sg_feat_state *f, uint32_t k)
{
    return (sg_feat_cust *)sg_custs_at(&f->c, k);
}

/* Builds the output table (features_out.c) from the state after both
 * passes over the rows. */
sg_table *sg_feat_output(const sg_feat_state *f, sg_error *err);

#endif
