/* Per-customer RFM aggregation and scoring, and the BTYD summary fields.
 *
 * Definitions (time unit for the RFM fields: days; for the btyd_* fields:
 * the declared unit):
 *   recency_days   days from the last purchase to as_of (fractional days
 *                  are floored: a purchase earlier on the as_of day is 0)
 *   frequency      distinct invoices (or distinct purchase days)
 *   monetary       total amount
 *   avg_basket     monetary / frequency
 *   first_purchase, last_purchase   datetimes
 *   tenure_days    days from the first purchase to as_of (floored)
 *   btyd_frequency repeat purchase periods: distinct purchase periods - 1
 *                  (periods of the declared unit counted from the customer's
 *                  first purchase, so same-period purchases merge)
 *   btyd_recency   first to last purchase, in units (t_x)
 *   btyd_T         first purchase to as_of, in units (T)
 * Rows dated after as_of are ignored (and counted).
 *
 * Precisely: day counts are floor((as_of - t) / 86400 s), so a purchase 1 s
 * before as_of is 0 days old; a btyd period is floor((t - first) / unit),
 * unit = unit_days * 86400 s.  A missing invoice is one value of its own
 * (all of a customer's rows without invoice make one invoice).  Amounts
 * are summed as given (returns included; cleaning is the caller's job). */
#ifndef SG_RFM_H
#define SG_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

typedef enum sg_rfm_freq { SG_RFM_INVOICES = 0, SG_RFM_DAYS } sg_rfm_freq;

typedef struct sg_rfm_options {
    const char *customer;     /* column names */
    const char *date;         /* SG_DATETIME */
    const char *invoice;      /* any type; NULL with SG_RFM_DAYS */
    const char *amount;       /* numeric */
    int64_t as_of;            /* seconds since epoch */
    int has_as_of;            /* 0: the day after the last date in the data (midnight) */
    sg_rfm_freq freq;
    double unit_days;         /* btyd unit: 1 (days), 7 (weeks), 30.4375 (months) */
} sg_rfm_options;

void sg_rfm_options_init(sg_rfm_options *o);

typedef struct sg_rfm_info {
    int64_t as_of;            /* the as_of used */
    size_t rows_used;
    size_t rows_after_as_of;  /* ignored */
    size_t rows_missing;      /* ignored: missing customer, date or amount */
} sg_rfm_info;

/* One row per customer, sorted by customer: customer (same type as the
 * input: string, sorted bytewise, in a new dictionary; int64 or double,
 * sorted by value), recency_days (int64), frequency (int64), monetary (double),
 * avg_basket (double), first_purchase, last_purchase (datetime),
 * tenure_days (int64), btyd_frequency (int64), btyd_recency (double),
 * btyd_T (double). */
sg_table *sg_rfm_aggregate(const sg_table *tx, const sg_rfm_options *o, sg_rfm_info *info,
                           sg_error *err);

/* ---- scores ---- */

/* Quantile scoring of one column into 1..bins: the bin edges are the
 * quantiles at k/bins (type 7), a value gets the number of edges it is
 * strictly above plus one (equal values always get equal scores; when ties
 * collapse edges some scores are not used), reversed (bins+1-score) when
 * `reverse` (recency: recent = high score).  edges receives bins-1 values.
 * Explicit thresholds: pass them in `edges` with `given = 1` (ascending,
 * bins-1 of them); a value v gets 1 + #(edges e with v > e)... the same rule.
 * `given = 2`: edges computed elsewhere as this function computes them
 * (the quantiles of the same values, by MPI collectives: core/mpi_quantile.c),
 * taken as they are, NaN when no value is present.
 * bins: 2..10.  Missing (or NaN) values get a missing score; so do all
 * values when none is present.  edges may be NULL when not given; name
 * NULL keeps the column's name.  The result is an int64 column. */
sg_column *sg_score_column(const sg_column *c, const char *name, int bins, int reverse,
                           double *edges, int given, sg_error *err);
/* The probabilities of the bins-1 edges: k/bins for k = 1..bins-1. */
void sg_score_probs(int bins, double *probs);

/* ---- streaming ---- */

/* Computes the same table as sg_rfm_aggregate straight from a CSV file,
 * without building a dataset: one pass with libcsv over the needed columns.
 * Memory: the per-customer accumulators, plus (counting invoices) the
 * distinct invoices of the used rows with their first customer, and the
 * (customer, invoice) pairs of invoices shared by several customers.
 * Every count is exact whatever the order of the rows, as in
 * sg_rfm_aggregate: an invoice counts once per customer even when its lines
 * are not contiguous; btyd periods and purchase days are counted by change
 * while a customer's rows come in time order, and a second pass over the
 * file recounts them for the customers whose rows did not (only then; a
 * file that cannot be read twice then fails as unsupported, see below).
 * Per record, after parsing (a bad number or date is an SG_EDATA error
 * naming file:line:column): no customer -> dropped (or an error), invoice
 * starting with cancel_prefix -> dropped, missing date or amount ->
 * rows_missing, non-positive -> dropped, after as_of -> rows_after_as_of.
 * Slash dates that fit DD/MM and MM/DD keep both readings until a part > 12
 * decides (day first if nothing does).  The customer column is always a
 * string.
 *
 * clean_steps = 1: the cleaning of segmint.clean instead, in its order and
 * with its report (the analysis' streaming path).  Needs quantity and price
 * (amount = quantity * price, missing when either is) and
 * drop_missing_customer.  A row is removed by the first step that applies:
 *   SG_RFM_CLEAN_MISSING_CUSTOMER  no customer;
 *   SG_RFM_CLEAN_CANCELLATIONS     cancel_prefix set and the invoice starts with it;
 *   SG_RFM_CLEAN_RETURNS           drop_returns and not quantity > 0 (missing too);
 *   SG_RFM_CLEAN_PRICE             drop_nonpositive_price and not price > 0;
 *   SG_RFM_CLEAN_NON_PRODUCT       the item is one of non_product;
 * each step's rows and revenue (amounts summed in row order, missing ones
 * skipped) go to info->step_rows / step_revenue; the kept rows to
 * rows_out / revenue_out / customers_out, and then to the RFM figures
 * (a kept row without date or amount is rows_missing).  whole_ids turns a
 * customer such as "17850.0" into "17850" (like segmint.clean).  The date
 * range of every row read (info->date_min..date_max) is what the loaded
 * column's statistics would say.  When the data needs the whole-table path
 * (a customer that is not valid UTF-8, which the reader rejects or converts),
 * the result is NULL with info->unsupported set and err saying why. */
typedef enum sg_rfm_clean_step {
    SG_RFM_CLEAN_MISSING_CUSTOMER,
    SG_RFM_CLEAN_CANCELLATIONS,
    SG_RFM_CLEAN_RETURNS,
    SG_RFM_CLEAN_PRICE,
    SG_RFM_CLEAN_NON_PRODUCT,
    SG_RFM_CLEAN_NSTEPS
} sg_rfm_clean_step;

typedef struct sg_rfm_csv_options {
    const char *quantity;        /* amount = quantity * price when o->amount is NULL */
    const char *price;
    const char *cancel_prefix;   /* drop rows whose invoice starts with it (NULL: keep) */
    int drop_nonpositive;        /* drop rows with quantity <= 0 or price <= 0 (or amount <= 0) */
    int drop_missing_customer;   /* drop rows without a customer (else: an error) */
    char delim;                  /* 0: detect */
    /* clean_steps = 1: segmint.clean's steps and report (see above) */
    int clean_steps;
    int drop_returns;
    int drop_nonpositive_price;
    const char *item;            /* the item column, with non_product */
    const char *const *non_product;
    size_t n_non_product;
    int whole_ids;
    void (*progress)(void *ud, uint64_t done, uint64_t total);
    void *progress_ud;
} sg_rfm_csv_options;

void sg_rfm_csv_options_init(sg_rfm_csv_options *co);

typedef struct sg_rfm_csv_info {
    sg_rfm_info rfm;
    uint64_t rows_read;
    uint64_t rows_dropped;       /* by the cleaning options */
    /* clean_steps only */
    uint64_t step_rows[SG_RFM_CLEAN_NSTEPS];
    double step_revenue[SG_RFM_CLEAN_NSTEPS];
    uint64_t rows_out;
    double revenue_in, revenue_out;
    size_t customers_out;
    /* every row read */
    int has_dates;               /* date_min, date_max are set */
    int64_t date_min, date_max;
    int date_only;               /* every date is at midnight */
    int passes;                  /* 1, or 2 when some customer's rows were out of time order */
    int unsupported;             /* NULL result: the data needs the whole-table path */
} sg_rfm_csv_info;

sg_table *sg_rfm_csv(const char *path, const sg_rfm_options *o, const sg_rfm_csv_options *co,
                     sg_rfm_csv_info *info, sg_error *err);

#endif
