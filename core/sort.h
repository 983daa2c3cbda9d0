/* Stable multi-column sorting (core/sort.c). */
#ifndef SG_SORT_H
#define SG_SORT_H

#include <stddef.h>

#include "table.h"

/* ---- sorting ---- */
/* Stable sort by the columns, each ascending or descending (desc[i] != 0);
 * missing values last in either direction. */
sg_table *sg_table_sort(const sg_table *t, const char *const *cols, const int *desc,
                        size_t n, sg_error *err);
/* The row order that sg_table_sort would use (caller frees with sg_free). */
size_t *sg_table_order(const sg_table *t, const char *const *cols, const int *desc,
                       size_t n, sg_error *err);

#endif
