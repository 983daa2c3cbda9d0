/* The outcomes of past campaign tests (sg_campaign_outcomes) on the ranks
 * that own the customers, without MPI calls (core/mpi_campaign.c;
 * core/mpi_comm.c runs it across ranks as OP_CAMPAIGN_RESULTS, the tests
 * in one process).  See docs/mpi.md.
 *
 * A target row's outcome (whether its customer bought in [start, start +
 * window), and the sum of the amounts there) depends on that customer's
 * rows alone, in row order.  After the exchange by customer (OP_CLEAN) the
 * owner of a customer holds all its cleaned rows in global row order.
 *
 * Rank 0 broadcasts the target rows that get an outcome (customer, start
 * and window present): per row the customer id (u32 length and text, or
 * the 8 bytes of an int64), the start (int64 seconds) and the window in
 * days (a double).  Every rank runs sg_campaign_outcomes, the code one
 * process runs, over these rows and its own cleaned rows, and sends rank
 * 0 the rows with a purchase or an amount in their window: the row's
 * number in the list (u32), responded (1 byte) and the window's revenue
 * (8 bytes).  A customer's rows are on one rank only, so every other rank
 * finds no purchase for it, which is what rank 0 fills in: false and 0. */
#ifndef SG_MPI_CAMPAIGN_H
#define SG_MPI_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mpi_part.h"
#include "table.h"

typedef struct sg_mpi_camp_cmd {
    uint64_t gen;                           /* the exchange whose cleaned rows are used */
    const char *customer, *date, *amount;   /* the transactions' columns */
    uint64_t type;                          /* the ids' type: SG_STRING or SG_INT64 */
    uint64_t nrows;                         /* the target rows sent */
    const unsigned char *rows;              /* their bytes, pointing into the command */
    size_t rows_len;
} sg_mpi_camp_cmd;

/* Rank 0: the command for sg_campaign_outcomes(targets, tcust, tstart,
 * twindow, window_days, <the cleaned rows>, cust, date, amount), and in
 * *sent (allocated) the numbers of the target rows it sends, *nsent of
 * them.  0, or an error code with err set: SG_EINVAL when the ids are
 * neither text nor int64, there are 2^32 rows or more, or a check of
 * sg_campaign_outcomes fails over tx (rank 0's table: the columns alone
 * are looked at); SG_ENOMEM. */
int sg_mpi_camp_encode(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                       double window_days, const sg_table *tx, uint64_t gen, const char *cust, const char *date,
                       const char *amount, sg_mpi_buf *b, uint32_t **sent, size_t *nsent, sg_error *err);
/* The command back (pointers into b): 0, or -1 when malformed (truncated,
 * trailing bytes, another id type, a window that is not a positive finite
 * number of days, an empty column name). */
int sg_mpi_camp_decode(const unsigned char *b, size_t len, sg_mpi_camp_cmd *c);

/* On an owner: appends to out the records of its customers' target rows
 * (t its cleaned rows; NULL: it owns none): the number of records (8
 * bytes), then per record the row's number in the command's list (u32),
 * responded (1 byte) and the window's revenue (8 bytes).  0, or an error
 * code with err set (the messages of sg_campaign_outcomes; SG_ENOMEM). */
int sg_mpi_camp_owner(const sg_table *t, const sg_mpi_camp_cmd *c, sg_mpi_buf *out, sg_error *err);

/* Rank 0: the table sg_campaign_outcomes gives (targets with responded and
 * window_revenue), from the n ranks' records (parts[k], lens[k]) and the
 * list sent (from sg_mpi_camp_encode).  nrec[k] receives the records of
 * rank k (may be NULL).  NULL with err set: SG_EDATA for malformed
 * records (truncated, a row beyond the list, responded not 0 or 1, a row
 * sent twice or by two ranks); SG_ENOMEM. */
sg_table *sg_mpi_camp_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                               const sg_table *targets, const uint32_t *sent, size_t nsent, uint64_t *nrec,
                               sg_error *err);

/* What the outcomes on the owners cost (rank 0): the records of each rank
 * (world size entries), the target rows sent, the bytes broadcast (the
 * command) and received, rank 0's time on its own customers, then
 * gathering and assembling. */
typedef struct sg_mpi_camp_stats {
    uint64_t *records;
    uint64_t sent, cmd_bytes, gathered;
    double secs[2];
} sg_mpi_camp_stats;

/* Rank 0 (core/mpi_comm.c, OP_CAMPAIGN_RESULTS): sg_campaign_outcomes over
 * tx, the table the exchange number gen cleaned, computed by the ranks
 * that own the customers over the cleaned rows they kept.  1 with *out
 * (the table one process builds) and st; 0 when the ranks cannot (one
 * rank, the owners do not hold that cleaning, ids of another type, a check
 * that fails: the caller's own path gives its message), why says which;
 * -1 with err set when a rank ran out of memory (the message names it).
 * Built without MPI: 0, "one rank". */
int sg_mpi_campaign_outcomes(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                             double window_days, const sg_table *tx, uint64_t gen, const char *cust,
                             const char *date, const char *amount, sg_table **out, sg_mpi_camp_stats *st,
                             char *why, size_t whylen, sg_error *err);

#endif
