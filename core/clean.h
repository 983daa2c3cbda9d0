/* Retail cleaning helpers that need more than a filter expression. */
#ifndef SG_CLEAN_H
#define SG_CLEAN_H

#include <stdint.h>

#include "table.h"

/* mask[i] = 1 when row i repeats an earlier row exactly (every column
 * equal, missing equal to missing).  mask has t->nrows entries. */
int sg_clean_duplicated(const sg_table *t, uint8_t *mask, sg_error *err);

/* Nets cancellation rows against the purchases they cancel.
 * A cancellation row (is_cancel[i] != 0, negative quantity) is matched to
 * earlier purchase rows of the same customer and item (and the same unit
 * price when match_price), most recent first, reducing their quantities
 * until the cancelled quantity is used up.  Writes the netted quantities
 * to new_qty (t->nrows entries; cancellation rows get 0) and the unmatched
 * cancelled quantity total to *unmatched.  Purchases netted to 0 can then
 * be dropped by the caller. */
int sg_clean_net_cancellations(const sg_table *t, const char *customer, const char *item,
                         const char *quantity, const char *price, const char *date,
                         const uint8_t *is_cancel, int match_price, int64_t *new_qty,
                         double *unmatched, sg_error *err);

/* The filter steps of segmint.clean in one pass, without an intermediate
 * table: keep[0..nsteps) are conditions (expressions over t's columns); row
 * i is removed by the first step whose condition is not true there (false
 * or missing), and kept when every condition is true.  Per step k:
 * rows[k] = rows it removed, revenue[k] = sum of the column `amount` over
 * them, exactly rounded (core/xsum.h: the same bits in any order, so that
 * the owners' partial sums under mpirun add up to it), missing and NaN
 * values skipped (an int64 or bool amount sums exactly in int64 into
 * irevenue[k], and revenue[k] is that as a double; otherwise irevenue[k]
 * is 0).  amount may be NULL (revenues 0).
 * Returns the kept rows as a new table; columns are copied only when a
 * row is removed, and shared with t when every row is kept.  NULL with
 * err set on a bad expression (SG_EINVAL, naming it), on an int64 overflow
 * (SG_EDATA) or when out of memory. */
sg_table *sg_clean_filter(const sg_table *t, const char *const *keep, size_t nsteps, const char *amount,
                          size_t *rows, double *revenue, int64_t *irevenue, sg_error *err);

/* sg_clean_filter changing t itself (sg_table_compact): columns that only
 * t holds are compacted in their own buffers, so the kept rows never exist
 * twice.  For a caller that gives the loaded table up.  Same tallies; 0,
 * or an error code with err set and t unchanged. */
int sg_clean_filter_in_place(sg_table *t, const char *const *keep, size_t nsteps, const char *amount,
                             size_t *rows, double *revenue, int64_t *irevenue, sg_error *err);

/* The exactly rounded sum (core/xsum.h) of the values of the double
 * column c, missing and NaN values skipped; an infinite value makes it
 * NaN.  0.0 without values. */
double sg_clean_sum_exact(const sg_column *c);

#endif
