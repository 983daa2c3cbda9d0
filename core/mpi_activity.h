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
 * Rank 0 sends the options and bounds (sg_mpi_activity_cmd).  Without
 * bounds, the owners' dates (sg_activity_dates) are combined by their
 * minimum and every rank derives the default as_of and the month bounds
 * from them (sg_mpi_activity_bounds), as one process does over its table.
 * Each owner then walks its customers (sg_mpi_activity_owner) and sends
 * rank 0 its partial series, which rank 0 adds up (sg_mpi_activity_merge).
 *
 * A partial series: { magic, periods, customers, rows used, rows missing,
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

typedef struct sg_mpi_activity_cmd {
    uint64_t gen;              /* the exchange whose cleaned rows the owners hold */
    sg_activity_options o;     /* column names (NULL: not asked for), inactive_days */
    int have_as_of;            /* as_of given */
    int64_t as_of;
    size_t nbounds;            /* 0: the month bounds up to as_of; else >= 2, ascending */
    int64_t *bounds;           /* decoded: allocated (sg_mpi_activity_cmd_free) */
} sg_mpi_activity_cmd;

/* The command as bytes, and back (the names then point into b, the bounds
 * are copied): 0, or -1 (out of memory; malformed: truncated, trailing
 * bytes, no customer or date, inactive_days out of 0..36500, one bound or
 * bounds not ascending). */
int sg_mpi_activity_encode(const sg_mpi_activity_cmd *c, sg_mpi_buf *b);
int sg_mpi_activity_decode(const unsigned char *b, size_t len, sg_mpi_activity_cmd *c);
void sg_mpi_activity_cmd_free(sg_mpi_activity_cmd *c);

/* On an owner: the dates of its rows t (NULL: it owns none) that the
 * default as_of and the month bounds need (sg_activity_dates; combine
 * several ranks' by their minimum, element by element).  0, or SG_EINVAL
 * (err set). */
int sg_mpi_activity_dates(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t d[3], sg_error *err);

/* Every rank, from the combined dates: as_of (*have_as_of 0 when not given
 * and there are no dates) and the bounds, those of c or the calendar
 * months up to as_of (allocated, *nbounds 0 or 1 when there is not one
 * whole period: then nothing is computed).  0 or SG_ENOMEM (err set). */
int sg_mpi_activity_bounds(const sg_mpi_activity_cmd *c, const int64_t d[3], int64_t *as_of, int *have_as_of,
                           int64_t **bounds, size_t *nbounds, sg_error *err);

/* On an owner: appends to out its partial series over bounds[0..nbounds)
 * (nbounds >= 2) of its cleaned rows t (NULL: it owns none).  0, or an
 * error code with err set (the messages of sg_activity_compute). */
int sg_mpi_activity_owner(const sg_table *t, const sg_mpi_activity_cmd *c, const int64_t *bounds, size_t nbounds,
                          sg_mpi_buf *out, sg_error *err);

/* Rank 0: the series of the whole table from the n owners' partial series
 * (parts[k], lens[k]) over the same bounds; ncust[k] receives the
 * customers of rank k (may be NULL).  0, or SG_EDATA (malformed: another
 * number of periods or sums, truncated, trailing bytes, a word index out
 * of order) or SG_ENOMEM, with err set and out empty. */
int sg_mpi_activity_merge(const unsigned char *const *parts, const size_t *lens, int n, const int64_t *bounds,
                          size_t nbounds, sg_activity *out, uint64_t *ncust, sg_error *err);

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
    int64_t first;   /* the earliest date of the rows when the dates were reduced, else INT64_MAX */
} sg_mpi_activity_stats;

/* Rank 0: the series c describes over the cleaned rows of exchange c->gen,
 * computed by the ranks that own the customers (OP_ACTIVITY,
 * core/mpi_comm.c): 1 with *out (sg_activity_free; nperiods 0 and no
 * arrays when there is not one whole period), *as_of and *have_as_of as
 * one process takes them; 0 when the ranks cannot (one rank, the owners
 * do not hold that cleaning, a column error the caller's own path
 * reports), why says which; -1 with err set when a rank ran out of memory
 * or sent a malformed partial series. */
int sg_mpi_activity(const sg_mpi_activity_cmd *c, sg_activity *out, int64_t *as_of, int *have_as_of,
                    sg_mpi_activity_stats *st, char *why, size_t whylen, sg_error *err);

#endif
