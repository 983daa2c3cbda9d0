/* The per-customer summary the BTYD models fit on, from transactions, with
 * an optional calibration / holdout split. */
#ifndef SG_BTYD_SUMMARY_H
#define SG_BTYD_SUMMARY_H

#include <stdint.h>

#include "error.h"
#include "table.h"

typedef struct sg_btyd_summary_options {
    const char *customer, *date, *amount;   /* column names; amount may be NULL */
    int64_t calibration_end;   /* seconds: purchases up to it calibrate the models */
    int64_t observation_end;   /* seconds: end of the holdout (== calibration_end: none) */
    double unit_days;          /* 1 (days), 7 (weeks) or 30.4375 (months) */
} sg_btyd_summary_options;

/* One row per customer whose first purchase is on or before calibration_end,
 * sorted by customer:
 *   customer          as in the input
 *   x                 repeat purchase periods: distinct periods (of unit_days,
 *                     counted from the customer's first purchase) minus one,
 *                     so purchases in the same period merge
 *   t_x               the last period with a purchase (whole periods from the
 *                     first purchase; x = 0 gives t_x = 0)
 *   T                 whole periods from the first purchase to calibration_end
 *   mean_spend        mean spend of the repeat periods (the first period
 *                     excluded), 0 when x = 0
 *   x_holdout         holdout periods with a purchase (same period grid)
 *   spend_holdout     holdout spend
 *   holdout_length    observation_end - calibration_end, in units (not rounded)
 * Rows with a missing customer or date are skipped. */
sg_table *sg_btyd_summary(const sg_table *tx, const sg_btyd_summary_options *o, sg_error *err);

#endif
