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
    int whole_periods;         /* 0: elapsed days / unit_days (the default); 1: whole periods */
} sg_btyd_summary_options;

/* One row per customer whose first purchase is on or before calibration_end,
 * sorted by customer.  Default (elapsed time, the day as the grain): the
 * calibration holds the days up to and including calibration_end's day,
 * the holdout the days after it up to and including observation_end's day;
 *   customer          as in the input
 *   x                 repeat purchase days: distinct days with a purchase
 *                     minus one (purchases on one day merge)
 *   t_x               days from the first to the last purchase day / unit_days
 *   T                 days from the first purchase day to calibration_end's
 *                     day / unit_days (CDNOW: 1997-01-01 to 1997-09-30 is
 *                     272 days, 38.86 weeks)
 *   mean_spend        mean spend of the repeat days (the first day
 *                     excluded), 0 when x = 0
 *   x_holdout         holdout days with a purchase
 *   spend_holdout     holdout spend
 *   holdout_length    holdout days / unit_days
 * With whole_periods: the same on a grid of whole periods of unit_days
 * counted from the first purchase's time (x: distinct periods minus one,
 * t_x and T whole periods, calibration up to the calibration_end time;
 * a holdout purchase in the last calibration period merges with it).
 * Rows with a missing customer or date are skipped. */
sg_table *sg_btyd_summary(const sg_table *tx, const sg_btyd_summary_options *o, sg_error *err);

#endif
