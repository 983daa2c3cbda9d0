/* Per-customer model features at a cutoff date, plus holdout labels, from a
 * transactions table (one row per line: customer, date, invoice, amount).
 *
 * History is every row dated before the cutoff; a sale is a row with
 * amount > 0, a return one with amount < 0.  One output row per customer
 * with at least one sale in the history, sorted by customer like
 * sg_rfm_aggregate (strings bytewise, numbers by value).  Columns, in order:
 *   <customer>        same name and type as the input column
 *   recency_days      int64   floor((cutoff - last sale) / 1 day)
 *   frequency         int64   distinct invoices with a sale
 *   monetary          double  sum of sale amounts
 *   avg_basket        double  monetary / frequency
 *   tenure_days       int64   floor((cutoff - first sale) / 1 day)
 *   ipt_mean_days     double  inter-purchase time: mean of the gaps, in
 *   ipt_sd_days       double  fractional days, between the sorted times of
 *                             the distinct invoices (an invoice's time is its
 *                             earliest sale row); population sd; both missing
 *                             with fewer than 2 invoices (sd 0 with 2)
 *   spend_last_<W>d   double  sales in [cutoff - W days, cutoff)
 *   spend_prev_<W>d   double  sales in [cutoff - 2W days, cutoff - W days)
 *   spend_change_<W>d double  last - prev       (<W>: window_days, "%g")
 *   distinct_items    int64   distinct item values on sale rows (item given)
 *   distinct_categories int64 the same for the category column
 *   returned_value    double  minus the sum of the negative amounts
 *   returned_share    double  returned_value / monetary
 * and with horizon_days > 0 the labels, from the rows with
 * cutoff <= date < cutoff + horizon:
 *   churned           int64   1 when the customer has no sale there, else 0
 *   future_spend      double  sum of all amounts there (sales and returns)
 *   future_invoices   int64   distinct invoices with a sale there
 *
 * Rows with a missing customer, date or amount (NaN counts as missing) are
 * ignored.  A missing invoice is a value of its own (all a customer's
 * sale rows without invoice make one invoice), as in sg_rfm_aggregate; a
 * missing item or category is not counted.  Amounts of 0 are neither sales
 * nor returns (they add 0 to future_spend). */
#ifndef SG_CUSTFEATURES_H
#define SG_CUSTFEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

typedef struct sg_features_options {
    const char *customer;   /* string, int64 or double */
    const char *date;       /* SG_DATETIME */
    const char *invoice;    /* any type */
    const char *amount;     /* numeric (int64, double, bool) */
    const char *item;       /* optional (NULL): distinct_items */
    const char *category;   /* optional (NULL): distinct_categories */
    int64_t cutoff;         /* seconds since the epoch: history is date < cutoff */
    double window_days;     /* recent-spend window (> 0), default 90 */
    double horizon_days;    /* > 0: label columns; 0 (default): none */
} sg_features_options;

void sg_features_options_init(sg_features_options *o);

typedef struct sg_features_info {
    size_t rows_history;    /* used rows dated before the cutoff */
    size_t rows_future;     /* used rows in [cutoff, cutoff + horizon) */
    size_t rows_after;      /* rows dated at or after cutoff + horizon (ignored) */
    size_t rows_missing;    /* rows with a missing customer, date or amount */
    size_t customers;       /* output rows */
    int64_t last_date;      /* latest date of a row with no missing value (0: none) */
    int horizon_complete;   /* 1 when the data covers the horizon: the day of
                             * last_date ends at or after cutoff + horizon
                             * (always 0 without horizon) */
} sg_features_info;

/* The feature table described above (caller frees it), or NULL with err
 * set: SG_EINVAL for an unknown column, a column of the wrong type or a bad
 * option (the message names it), SG_ENOMEM.  info may be NULL. */
sg_table *sg_features_build(const sg_table *tx, const sg_features_options *o,
                            sg_features_info *info, sg_error *err);

#endif
