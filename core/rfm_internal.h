/* Internal to the RFM module (rfm.c: in-memory aggregation, rfm_csv.c: the
 * streaming CSV form, rfm_common.c: what they share, rfm_score.c: scoring).
 * Not part of the public API. */
#ifndef SG_RFM_INTERNAL_H
#define SG_RFM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include "rfm.h"

#define SG_RFM_DAY 86400

/* Per-customer accumulators (one cache line). */
typedef struct sg_rfm_cust {
    int64_t first, last;     /* purchase times (seconds) */
    double monetary;
    int64_t freq;            /* distinct invoices or days so far */
    int64_t periods;         /* distinct btyd periods so far */
    uint64_t prev;           /* key of the previous invoice / day (change detection) */
    int64_t prev_period;     /* -1: none yet */
    uint32_t flags;          /* SG_RFM_HAS_PREV, SG_RFM_MISSING_INVOICE */
    uint32_t rows;           /* rows used (saturating) */
} sg_rfm_cust;

/* What the output needs of a customer once the counting is done (the
 * streaming RFM narrows its accumulators to these before it builds). */
typedef struct sg_rfm_fig {
    int64_t first, last;
    double monetary;
    int64_t freq, periods;
} sg_rfm_fig;

#define SG_RFM_HAS_PREV 1u
#define SG_RFM_MISSING_INVOICE 2u   /* the customer's "missing invoice" was counted */

/* Floor division of seconds by 86400 (also right for negative times). */
static inline int64_t sg_rfm_floor_day(int64_t t)
{
    int64_t d = t / SG_RFM_DAY;
    return (t % SG_RFM_DAY < 0) ? d - 1 : d;
}

/* Default as_of: midnight after the day of the last used purchase. */
static inline int64_t sg_rfm_default_as_of(int64_t max_t)
{
    return (sg_rfm_floor_day(max_t) + 1) * SG_RFM_DAY;
}

/* The btyd period of a purchase dt >= 0 seconds after the first one:
 * integer division when the unit is a whole number of seconds (1, 7 and
 * 30.4375 days all are), which equals floor(dt / unit) exactly. */
typedef struct sg_rfm_unit {
    double secs;
    int64_t whole;           /* secs when integral, else 0 */
} sg_rfm_unit;

static inline sg_rfm_unit sg_rfm_unit_of(double unit_days)
{
    sg_rfm_unit u;
    u.secs = unit_days * SG_RFM_DAY;
    u.whole = u.secs >= 1 && u.secs < 9e15 && u.secs == (double)(int64_t)u.secs
                  ? (int64_t)u.secs : 0;
    return u;
}

static inline int64_t sg_rfm_period(int64_t dt, const sg_rfm_unit *u)
{
    return u->whole ? dt / u->whole : (int64_t)floor((double)dt / u->secs);
}

/* A customer's text for sorting: the first 8 bytes big-endian in `prefix`
 * (zero-padded) so most comparisons are one integer compare. */
typedef struct sg_rfm_text_key {
    uint64_t prefix;
    const char *s;
    size_t len;
    uint32_t idx;            /* customer index */
} sg_rfm_text_key;

void sg_rfm_text_key_set(sg_rfm_text_key *k, const char *s, size_t len, uint32_t idx);
/* Sorts bytewise (shorter first on a common prefix).  0 or SG_ENOMEM. */
int sg_rfm_sort_text(sg_rfm_text_key *keys, size_t n);

/* Checks o (names present, unit_days > 0, invoice given with
 * SG_RFM_INVOICES).  `who` prefixes messages. */
int sg_rfm_check_options(const sg_rfm_options *o, const char *who, sg_error *err);

/* A new string column whose dictionary is sized for n strings. */
sg_column *sg_rfm_text_column(const char *name, size_t n);

/* The output customer column of a per-customer aggregation, sorted as
 * sg_rfm_aggregate sorts (text bytewise, numbers by value), and
 * order[r] (caller frees with sg_free): the aggregation's index of row r.
 * String customers are indexed by dictionary code (0..ncodes), numeric
 * ones through nm; keep(ud, idx) says which customers are output (n of
 * them).  NULL when out of memory. */
struct sg_keymap;
sg_column *sg_rfm_sorted_customers(const sg_column *cust, const char *name, size_t n, size_t ncodes,
                                   const struct sg_keymap *nm, int (*keep)(const void *ud, uint32_t idx),
                                   const void *ud, uint32_t **order_out);

/* Builds the output table: `cust` is the customer column already in output
 * order (taken over, released on failure); order[k] is the customer index
 * of output row k into cs. */
sg_table *sg_rfm_build(sg_column *cust, const sg_rfm_cust *cs, const uint32_t *order, size_t n,
                       int64_t as_of, double unit_days, int date_only, sg_error *err);
/* The same from the narrowed figures, which it takes over: they are freed
 * as soon as the columns copied from them are filled, before the derived
 * ones are allocated (the lower peak of memory). */
sg_table *sg_rfm_build_figs(sg_column *cust, sg_rfm_fig *fig, const uint32_t *order, size_t n,
                            int64_t as_of, double unit_days, int date_only, sg_error *err);

#endif
