/* Column statistics: counts, mean, standard deviation, quantiles, describe (core/stats.c). */
#ifndef SG_STATS_H
#define SG_STATS_H

#include <stddef.h>

#include "table.h"

/* ---- statistics ---- */
typedef struct sg_stats {
    size_t count;      /* non-missing values */
    size_t missing;
    double sum, mean, sd;   /* sd: sample standard deviation (n-1); NaN if count < 2 */
    double min, max;
    double q25, median, q75;
} sg_stats;

/* Numeric columns (INT64, DOUBLE, DATETIME, BOOL); SG_EINVAL otherwise.
 * Quantiles interpolate linearly between order statistics (the default
 * of R type 7 and numpy).  With count == 0 the figures are NaN. */
int sg_column_stats(const sg_column *c, sg_stats *out, sg_error *err);
/* probs in [0,1]; out receives np values (NaN when no value present). */
int sg_column_quantiles(const sg_column *c, const double *probs, size_t np,
                        double *out, sg_error *err);
/* The sum of the non-missing, non-NaN values of a DOUBLE column, by
 * Neumaier's compensated summation as in sg_column_stats (the two agree to
 * the last bit); 0 when there is none. */
double sg_column_sum_f64(const sg_column *c);
/* Distinct non-missing values. */
size_t sg_column_count_distinct(const sg_column *c);
/* One row per column: column, type, count, missing, distinct, mean, sd,
 * min, q25, median, q75, max (numeric figures missing for strings; for
 * datetimes min/max/quantiles stay datetimes in the text columns). */
sg_table *sg_table_describe(const sg_table *t, sg_error *err);

#endif
