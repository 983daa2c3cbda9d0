/* Co-purchase analysis for cross-selling: item pairs bought in the same
 * invoice (support, confidence, lift), and per customer the items they
 * have not bought that go best with what they did buy. */
#ifndef SG_CROSSSELL_H
#define SG_CROSSSELL_H

#include <stddef.h>

#include "table.h"

typedef struct sg_cooc_options {
    const char *invoice;      /* basket id column */
    const char *item;         /* product or category column (string or int64) */
    double min_support;       /* share of invoices containing the pair, default 0.01 */
    size_t min_count;         /* at least this many invoices with the pair, default 2 */
    size_t max_items_per_invoice;   /* larger baskets are skipped for pairs, default 1000 (0: no limit) */
    double min_lift;          /* keep rules with at least this lift, default 1 (no negative association) */
} sg_cooc_options;

void sg_cooc_options_init(sg_cooc_options *o);

typedef struct sg_cooc sg_cooc;

/* Counts items and pairs over distinct (invoice, item) pairs. */
sg_cooc *sg_cooc_fit(const sg_table *tx, const sg_cooc_options *o, sg_error *err);
void sg_cooc_free(sg_cooc *c);

/* The rules kept (pairs passing min_support, min_count and min_lift), both
 * directions: antecedent, consequent, count, support, confidence
 * (P(consequent | antecedent)), lift; sorted by lift descending, then
 * count descending, then antecedent, consequent. */
sg_table *sg_cooc_rules(const sg_cooc *c, sg_error *err);

/* For each customer (column `customer` of tx, items in column o->item):
 * up to top_n items not bought by the customer, scored by the highest lift
 * of a rule from an item they bought (ties: higher confidence, then item
 * text).  Output: customer, rank (1..), item, score (lift), because (the
 * antecedent item).  Only customers listed in `customers` (a column of
 * ids, same type as tx's customer column) when it is not NULL. */
sg_table *sg_cooc_recommend(const sg_cooc *c, const sg_table *tx, const char *customer,
                            const sg_column *customers, size_t top_n, sg_error *err);

#endif
