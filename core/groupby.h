/* Group-by with aggregates (core/groupby.c). */
#ifndef SG_GROUPBY_H
#define SG_GROUPBY_H

#include <stddef.h>

#include "table.h"

/* ---- group-by ---- */
typedef enum sg_agg_kind {
    SG_AGG_COUNT,           /* rows in the group (col NULL) or non-missing values of col */
    SG_AGG_COUNT_DISTINCT,  /* distinct non-missing values of col */
    SG_AGG_SUM,
    SG_AGG_MEAN,
    SG_AGG_SD,
    SG_AGG_MIN,             /* keeps the column type (datetime stays datetime, strings compare bytewise) */
    SG_AGG_MAX,
    SG_AGG_QUANTILE,        /* q in [0,1], type 7 */
    SG_AGG_FIRST,           /* first / last non-missing value in row order */
    SG_AGG_LAST
} sg_agg_kind;

typedef struct sg_agg {
    const char *out;        /* output column name */
    sg_agg_kind kind;
    const char *col;        /* input column (NULL allowed for COUNT) */
    double q;               /* SG_AGG_QUANTILE only */
} sg_agg;

int sg_agg_parse(const char *name, sg_agg_kind *out);   /* "count", "sum", ... */
const char *sg_agg_name(sg_agg_kind k);

/* One row per distinct key combination (missing keys form their own
 * group), sorted by the keys ascending with missing last; key columns
 * first, then one column per aggregate.  SUM of int64 stays int64, MEAN,
 * SD and QUANTILE give double, COUNT and COUNT_DISTINCT give int64. */
sg_table *sg_table_group_by(const sg_table *t, const char *const *keys, size_t nkeys,
                            const sg_agg *aggs, size_t naggs, sg_error *err);

#endif
