/* Customer activity over periods: who is active, who churned, who came
 * back, who is new.  The definitions (docs/analysis.md, "KPIs and alerts"):
 *
 *   K = (inactive_days + 1) days.  A customer is active at an instant T
 *   when they bought at some time t < T with T - t < K; at midnight, that
 *   is "bought within the inactive_days days before that day" (a recency
 *   of at most inactive_days on that day).  A purchase at T itself counts
 *   for the period that starts at T, not for the status at T.
 *
 * For periods j = [b_j, b_{j+1}) given by ascending bounds b_0..b_P:
 *   active_start[j]   active at b_j
 *   active_end[j]     active at b_{j+1}
 *   churned[j]        active at b_j and became inactive during the period:
 *                     the first lapse (a time L = t + K with no purchase in
 *                     [t, L)) after b_j falls in (b_j, b_{j+1}]; counted once
 *   inactive_start[j] bought before b_j but not active at b_j
 *   reactivated[j]    inactive at b_j (bought before, lapsed) and bought in
 *                     the period
 *   new_customers[j]  first purchase ever in the period
 *   buyers[j]         bought in the period
 * and, when the columns are given:
 *   revenue[j]        sum of the amounts of the period's rows
 *   invoices[j]       distinct invoices of the period (per customer; a
 *                     missing invoice is one value of its own)
 *   repeat_buyers[j]  buyers with two or more invoices in the period
 *   satisfaction_sum[j], satisfaction_n[j]   sum and count of the
 *                     non-missing satisfaction values of the period's rows
 * The two sums are exactly rounded (core/xsum.c): the same bits whatever
 * the order of the rows and customers, so owners that each walk their own
 * customers add up to them exactly (core/mpi_activity.c, docs/mpi.md).
 * so the churn rate is churned / active_start and the reactivation rate is
 * reactivated / inactive_start.  Only purchases up to b_P count.
 *
 * Each customer's purchase times are gathered and walked once, so the work
 * is proportional to the rows (plus a binary search over the bounds). */
#ifndef SG_ACTIVITY_H
#define SG_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"
#include "xsum.h"

typedef struct sg_activity_options {
    const char *customer;     /* column of any type */
    const char *date;         /* SG_DATETIME column */
    const char *invoice;      /* optional: any type */
    const char *amount;       /* optional: numeric */
    const char *satisfaction; /* optional: numeric */
    int inactive_days;        /* >= 0 */
} sg_activity_options;

void sg_activity_options_init(sg_activity_options *o);

typedef struct sg_activity {
    size_t nperiods;
    int64_t *bounds;          /* nperiods + 1 */
    int64_t *active_start, *active_end, *churned, *inactive_start, *reactivated, *new_customers,
        *buyers, *invoices, *repeat_buyers, *satisfaction_n;   /* nperiods each */
    double *revenue, *satisfaction_sum;                          /* nperiods each */
    sg_xsum *sums;            /* the exact sums behind them: revenue[0..P), then satisfaction
                               * (normalized); revenue = sg_xsum_round(sums[j]) */
    size_t customers;         /* customers with a purchase up to b_P */
    size_t rows_used;
    size_t rows_missing;      /* missing customer or date: ignored */
    size_t rows_after;        /* after b_P: ignored */
} sg_activity;

/* Counts over the periods given by bounds[0..nbounds) (ascending, at least
 * two).  out is filled (free with sg_activity_free).  0, or an error code
 * with err set (SG_EINVAL: bad columns or bounds; SG_ENOMEM). */
int sg_activity_compute(const sg_table *tx, const sg_activity_options *o, const int64_t *bounds,
                        size_t nbounds, sg_activity *out, sg_error *err);

/* One window of sg_activity_compute_many: its options and its bounds. */
typedef struct sg_activity_window {
    sg_activity_options o;
    const int64_t *bounds;
    size_t nbounds;           /* 0 or 1: no series (its out is left empty, nperiods 0) */
} sg_activity_window;

/* The series of nw windows in one walk of tx: out[w] is what
 * sg_activity_compute gives for w[w] (the same counts and sums, bit for
 * bit).  The rows are grouped and sorted by customer once, and each
 * customer's rows are walked for every window.  The windows must share
 * the customer and date columns; the optional columns, inactive_days and
 * bounds are each window's own.  0 (free each out[w] with
 * sg_activity_free), or an error code with err set and every out[w]
 * empty. */
int sg_activity_compute_many(const sg_table *tx, const sg_activity_window *w, size_t nw, sg_activity *out,
                             sg_error *err);
void sg_activity_free(sg_activity *a);
/* out with zero counts and sums over bounds[0..nbounds) (nbounds >= 2),
 * for adding partial results into: 0 or SG_ENOMEM (err set). */
int sg_activity_alloc(sg_activity *out, const int64_t *bounds, size_t nbounds, sg_error *err);
/* revenue and satisfaction_sum from the exact sums. */
void sg_activity_round(sg_activity *a);

/* What the default as_of and the month bounds need from the dates of a
 * table (a pass over the date column, missing values skipped): d[0] the
 * latest date, d[1] the earliest, d[2] the earliest not after as_of
 * (have_as_of), or d[1] when not given; INT64_MAX stands for none and the
 * latest is stored negated (-INT64_MAX for none), so the d[] of several
 * tables combine by their minimum.  SG_EINVAL when date is not a datetime
 * column (err set). */
int sg_activity_dates(const sg_table *tx, const char *date, int have_as_of, int64_t as_of, int64_t d[3],
                      sg_error *err);
/* The same for nw as_of values in one pass: d[0], d[1] as above, d[2 + w]
 * the earliest date not after as_of[w] when have_as_of[w], else d[1]
 * (d has 2 + nw entries). */
int sg_activity_dates_many(const sg_table *tx, const char *date, const int *have_as_of, const int64_t *as_of,
                           size_t nw, int64_t *d, sg_error *err);
/* The default as_of from combined d[]: midnight after the latest date; -1
 * when there are no dates. */
int sg_activity_default_as_of(const int64_t d[3], int64_t *as_of);
/* The calendar months of sg_activity_month_bounds from the earliest date
 * not after as_of (have: whether there is one). */
int sg_activity_months(int have, int64_t first, int64_t as_of, int64_t **bounds, size_t *nbounds, sg_error *err);

/* Calendar months over the data's span: from the first day of the month of
 * the earliest purchase to the last first-of-month not after as_of, so
 * every period is a whole month (none when the data starts less than a
 * month before as_of).  *bounds is allocated with sg_malloc. */
int sg_activity_month_bounds(const sg_table *tx, const char *date, int64_t as_of, int64_t **bounds,
                             size_t *nbounds, sg_error *err);

#endif
