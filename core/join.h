/* Inner and left joins on equal keys (core/join.c). */
#ifndef SG_JOIN_H
#define SG_JOIN_H

#include <stddef.h>

#include "table.h"

/* ---- joins ---- */
typedef enum sg_join_kind { SG_JOIN_INNER, SG_JOIN_LEFT } sg_join_kind;

/* Joins on equal keys (strings by text, numbers by value; missing keys
 * never match).  Output: every left column, then the right columns that
 * are not join keys; a right column whose name is taken gets `suffix`
 * appended.  Rows come in left order; several right matches give several
 * rows, in right order.  A left join keeps unmatched left rows with
 * missing right values. */
sg_table *sg_table_join(const sg_table *left, const sg_table *right,
                        const char *const *left_keys, const char *const *right_keys,
                        size_t nkeys, sg_join_kind how, const char *suffix, sg_error *err);

#endif
