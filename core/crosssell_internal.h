/* Internal to the co-purchase analysis (crosssell.c: fitting, the model
 * and its rules; crosssell_recommend.c: per-customer recommendations).
 * Not part of the public API. */
#ifndef SG_CROSSSELL_INTERNAL_H
#define SG_CROSSSELL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crosssell.h"

/* ---- 64-bit key -> dense id (open addressing) ---- */

typedef struct sg_cooc_idmap {
    uint64_t *keys;
    uint32_t *ids;      /* id + 1; 0 = free slot */
    size_t cap;         /* power of two */
    size_t n;
} sg_cooc_idmap;

/* Room for about expect keys; -1 when out of memory (m then holds nothing). */
int sg_cooc_idmap_init(sg_cooc_idmap *m, size_t expect);
void sg_cooc_idmap_free(sg_cooc_idmap *m);
/* The id of key, or UINT32_MAX when absent. */
uint32_t sg_cooc_idmap_find(const sg_cooc_idmap *m, uint64_t key);
/* Finds or adds key (new ids are m->n in order); -1 when out of memory. */
int sg_cooc_idmap_get(sg_cooc_idmap *m, uint64_t key, uint32_t *id, int *added);

/* rank[k] = position of keys[k] in text order (STRING, codes of d) or
 * numeric order (INT64).  NULL when out of memory. */
uint32_t *sg_cooc_rank_keys(const uint64_t *keys, size_t n, sg_type type, const sg_dict *d);

/* ---- the model ---- */

typedef struct sg_cooc_rule {
    uint32_t a, b;       /* antecedent, consequent (dense item ids) */
    uint32_t ra, rb;     /* their ranks in item order */
    size_t count;
    double support, confidence, lift;
} sg_cooc_rule;

struct sg_cooc {
    char *item;            /* item column name */
    sg_type type;          /* SG_STRING or SG_INT64 */
    sg_dict *dict;         /* SG_STRING: the fit column's dictionary (retained) */
    size_t ninvoices;
    size_t nitems;
    sg_cooc_idmap items;   /* key -> dense id */
    uint64_t *key;         /* dense id -> code or value */
    uint32_t *rank;        /* dense id -> position in text / numeric order */
    size_t *count;         /* dense id -> invoices containing the item */
    size_t nrules;
    sg_cooc_rule *rules;   /* sorted as sg_cooc_rules outputs them */
    size_t *adj_off;       /* rules with antecedent a: adj[adj_off[a] .. adj_off[a+1]) */
    uint32_t *adj;
};

/* ---- fitting, in steps (crosssell.c; the ranks owning the customers
 * run them on their invoices, core/mpi_cooc.c) ---- */

/* Item pair counts keyed by a << 32 | b, a < b (open addressing). */
#define SG_COOC_PAIR_FREE UINT64_MAX
typedef struct sg_cooc_pairs {
    uint64_t *keys;
    uint32_t *counts;
    size_t cap, n;     /* cap a power of two */
} sg_cooc_pairs;
/* -1 when out of memory (free it all the same). */
int sg_cooc_pairs_init(sg_cooc_pairs *p, size_t cap);
void sg_cooc_pairs_free(sg_cooc_pairs *p);
/* Adds n to the count of key; -1 when out of memory. */
int sg_cooc_pairs_add(sg_cooc_pairs *p, uint64_t key, uint32_t n);

/* Steps 1-2 on c (type and dict set): c->items, c->key, c->nitems, and
 * each invoice's distinct item ids in items[off[v] .. off[v] + len[v]),
 * v < *ninv (the caller frees the three).  0 or SG_ENOMEM. */
int sg_cooc_gather(sg_cooc *c, const sg_column *inv, const sg_column *itm, size_t **off, size_t **len,
                   uint32_t **items, size_t *ninv);
/* c->count from the invoices: 0 or SG_ENOMEM. */
int sg_cooc_count_items(sg_cooc *c, const size_t *off, const size_t *len, const uint32_t *items, size_t ninv);
/* Whether item k passes min_count and min_support (c->count, c->ninvoices). */
int sg_cooc_item_kept(const sg_cooc *c, const sg_cooc_options *o, size_t k);
/* Step 4: the pairs of every invoice with at most max_items distinct items
 * (0: no limit), its items mapped by map (UINT32_MAX: left out), added to
 * pm keyed by the mapped ids.  0 or SG_ENOMEM. */
int sg_cooc_count_pairs(const size_t *off, const size_t *len, const uint32_t *items, size_t ninv,
                        const uint32_t *map, size_t nitems, size_t max_items, sg_cooc_pairs *pm);
/* Step 5 on c (items, key, count, ninvoices set) from the pair counts of
 * its dense ids: the rules, their order and adjacency.  0 or SG_ENOMEM. */
int sg_cooc_build_rules(sg_cooc *c, const sg_cooc_options *o, const sg_cooc_pairs *pm);

/* ---- output tables ---- */

/* A new item column (type of the model) called name. */
sg_column *sg_cooc_item_column(const sg_cooc *c, const char *name, size_t cap);
int sg_cooc_push_item(sg_column *col, const sg_cooc *c, uint32_t id);
/* A new table of the n columns (all non-NULL, equal lengths); on failure
 * every column is released. */
sg_table *sg_cooc_make_table(sg_column **cols, size_t n, sg_error *err);
/* Releases the n columns (NULL allowed) and reports out of memory. */
sg_table *sg_cooc_fail_columns(sg_column **cols, size_t n, sg_error *err);

#endif
