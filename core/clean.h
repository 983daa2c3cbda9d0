/* Retail cleaning helpers that need more than a filter expression. */
#ifndef SG_CLEAN_H
#define SG_CLEAN_H

#include <stdint.h>

#include "table.h"

/* mask[i] = 1 when row i repeats an earlier row exactly (every column
 * equal, missing equal to missing).  mask has t->nrows entries. */
int sg_table_duplicated(const sg_table *t, uint8_t *mask, sg_error *err);

/* Nets cancellation rows against the purchases they cancel.
 * A cancellation row (is_cancel[i] != 0, negative quantity) is matched to
 * earlier purchase rows of the same customer and item (and the same unit
 * price when match_price), most recent first, reducing their quantities
 * until the cancelled quantity is used up.  Writes the netted quantities
 * to new_qty (t->nrows entries; cancellation rows get 0) and the unmatched
 * cancelled quantity total to *unmatched.  Purchases netted to 0 can then
 * be dropped by the caller. */
int sg_net_cancellations(const sg_table *t, const char *customer, const char *item,
                         const char *quantity, const char *price, const char *date,
                         const uint8_t *is_cancel, int match_price, int64_t *new_qty,
                         double *unmatched, sg_error *err);

#endif
