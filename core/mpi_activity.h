/* The activity series (core/activity.h) on the ranks that own the
 * customers: the steps without MPI calls (core/mpi_activity.c; the tests
 * run them in one process), and sg_mpi_activity, which core/mpi_comm.c
 * runs across ranks with them.
 * See docs/mpi.md.
 *
 * Every count of the series is a sum over customers (a customer's walk
 * adds into the per-period counts, or into the difference arrays that give
 * the active and known customers at each bound), and after cleaning the
 * owner of a customer holds all of its rows: the owners' counts add up to
 * the counts over the whole table.  The two double sums (revenue,
 * satisfaction) are exact accumulators (core/xsum.c), whose words add up
 * as integers: the rounded sums are the bits one process computes, for any
 * number of ranks.
 *
 * Rank 0 sends one command for every window a step needs (the shared
 * customer and date columns, then each window's options, as_of and
 * bounds: sg_mpi_activity_cmd).  The owners' dates (sg_activity_dates_many:
 * the latest, the earliest, and per window the earliest not after its
 * as_of) are combined by their minimum, which gives every rank the
 * earliest date of the table (the KPIs' first date) and, for a window
 * without bounds or as_of, the default as_of and the month bounds
 * (sg_mpi_activity_bounds), as one process takes them over its table.
 * Each owner then walks its customers once for every window
 * (sg_mpi_activity_owner, sg_activity_compute_many) and sends rank 0 its
 * partial series, which rank 0 adds up window by window
 * (sg_mpi_activity_merge_many).
 *
 * An owner's message: for each window with at least one period, the length
 * of its partial series (8 bytes) and the partial series.  A partial
 * series: { magic, periods, customers, rows used, rows missing,
 * rows after, flags }, then the ten count arrays (periods int64 each, in
 * the order of sg_activity), then for each sum asked for (revenue, then
 * satisfaction) and each period its accumulator's words that are not zero:
 * a count byte, then (index byte, int64 word) pairs in ascending index. */
#ifndef SG_MPI_ACTIVITY_H
#define SG_MPI_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "mpi_part.h"
#include "table.h"

/* One window of the command. */
typedef struct sg_mpi_activity_win {
    sg_activity_options o;     /* column names (NULL: not asked for; customer and date: the command's), inactive_days */
    int have_as_of;            /* as_of given */
    int64_t as_of;
    size_t nbounds;            /* 0: the month bounds up to as_of; else >= 2, ascending */
    int64_t *bounds;           /* decoded: allocated (sg_mpi_activity_cmd_free) */
} sg_mpi_activity_win;

typedef struct sg_mpi_activity_cmd {
    uint64_t gen;              /* the exchange whose cleaned rows the owners hold */
    size_t nwin;               /* >= 1 */
    sg_mpi_activity_win *win;  /* decoded: allocated */
} sg_mpi_activity_cmd;

/* The command as bytes (the customer and date columns of the first window
 * stand for all), and back (the names then point into b, the windows and
 * their bounds are allocated): 0, or -1 (out of memory; malformed:
 * truncated, trailing bytes, no window, no customer or date,
 * inactive_days out of 0..36500, one bound or bounds not ascending). */
int sg_mpi_activity_encode(const sg_mpi_activity_cmd *c, sg_mpi_buf *b);
int sg_mpi_activity_decode(const unsigned char *b, size_t len, sg_mpi_activity_cmd *c);
void sg_mpi_activity_cmd_free(sg_mpi_activity_cmd *c);

/* On an owner: the dates of its rows t (NULL: it owns none) that the
 * first date, the default as_of and the month bounds need
 * (sg_activity_dates_many over the windows' as_of: 2 + c->nwin values;
 * combine several ranks' by their minimum, element by element).  0, or
 * SG_EINVAL or SG_ENOMEM (err set). */
int sg_mpi_activity_dates(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t *d, sg_error *err);

/* Every rank, from the combined dates of window w (d[0], d[1] and the
 * window's d[2 + w] of sg_mpi_activity_dates): as_of (*have_as_of 0 when not given
 * and there are no dates) and the bounds, those of c or the calendar
 * months up to as_of (allocated, *nbounds 0 or 1 when there is not one
 * whole period: then nothing is computed).  0 or SG_ENOMEM (err set). */
int sg_mpi_activity_bounds(const sg_mpi_activity_win *c, const int64_t d[3], int64_t *as_of, int *have_as_of,
                           int64_t **bounds, size_t *nbounds, sg_error *err);

/* On an owner: appends to out its partial series of every window w with
 * nbounds[w] >= 2 over bounds[w] (each with its length before it), from
 * one walk of its cleaned rows t (NULL: it owns none).  0, or an error
 * code with err set (the messages of sg_activity_compute). */
int sg_mpi_activity_owner(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t *const *bounds,
                          const size_t *nbounds, sg_mpi_buf *out, sg_error *err);

/* Rank 0: the series of the whole table from the n owners' partial series
 * (parts[k], lens[k]) over the same bounds; ncust[k] receives the
 * customers of rank k (may be NULL).  0, or SG_EDATA (malformed: another
 * number of periods or sums, truncated, trailing bytes, a word index out
 * of order) or SG_ENOMEM, with err set and out empty. */
int sg_mpi_activity_merge(const unsigned char *const *parts, const size_t *lens, int n, const int64_t *bounds,
                          size_t nbounds, sg_activity *out, uint64_t *ncust, sg_error *err);

/* Rank 0: the series of every window w of c (out[w]: empty when
 * nbounds[w] < 2) from the n owners' messages; ncust[k] receives the
 * customers of rank k in the window with the most customers (may be
 * NULL).  0, or SG_EDATA (a message or a window's partial series
 * malformed, as sg_mpi_activity_merge says) or SG_ENOMEM, with err set and
 * every out[w] empty. */
int sg_mpi_activity_merge_many(const unsigned char *const *parts, const size_t *lens, int n, size_t nwin,
                               int64_t *const *bounds, const size_t *nbounds, sg_activity *out, uint64_t *ncust,
                               sg_error *err);

/* What a series on the ranks cost (rank 0): customers of each rank (world
 * size entries), bytes of partial series received from the other ranks,
 * bytes each rank sent in the dates' reduction, rank 0's time walking its
 * customers and gathering; the earliest date of every rank's rows (the
 * minimum the dates' reduction gives, as tx:stats(date).min: the KPIs'
 * first date). */
typedef struct sg_mpi_activity_stats {
    uint64_t *customers;
    uint64_t gathered, reduced;
    double secs[2];
    int64_t first;   /* the earliest date of the rows (INT64_MAX: none) */
} sg_mpi_activity_stats;

/* A window's series on rank 0, with as_of as one process takes it. */
typedef struct sg_mpi_activity_res {
    sg_activity a;             /* sg_activity_free; nperiods 0 and no arrays when not one whole period */
    int64_t as_of;
    int have_as_of;            /* 0: not given and no dates */
} sg_mpi_activity_res;

/* Rank 0: the series of every window of c over the cleaned rows of
 * exchange c->gen, computed by the ranks that own the customers in one
 * command (OP_ACTIVITY, core/mpi_comm.c): 1 with res[0..c->nwin); 0 when
 * the ranks cannot (one rank, the owners do not hold that cleaning, a
 * column error the caller's own path reports), why says which; -1 with
 * err set when a rank ran out of memory or sent a malformed message. */
int sg_mpi_activity(const sg_mpi_activity_cmd *c, sg_mpi_activity_res *res, sg_mpi_activity_stats *st, char *why,
                    size_t whylen, sg_error *err);

#endif
