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
 * Rank 0 sends each rank the target rows that get an outcome (customer,
 * start and window present) whose customer it owns (the owner hash of the
 * cleaning: sg_mpi_owner, or sg_mpi_owner_whole under whole_ids): per row
 * its number in the list of rows sent (u32), the customer id (u32 length
 * and text, or the 8 bytes of an int64), the start (int64 seconds) and
 * the window in days (a double).  The command, broadcast, carries the
 * columns and the size of each rank's block; the blocks follow by
 * MPI_Scatterv, so the targets travel once in all.  Every rank runs
 * sg_campaign_outcomes, the code one process runs, over its rows and its
 * own cleaned rows, and sends rank 0 the rows with a purchase or an amount
 * in their window: the row's number in the list (u32), responded (1 byte)
 * and the window's revenue (8 bytes).  A customer's rows are on its owner
 * only, so the rows not sent back had no purchase, which is what rank 0
 * fills in: false and 0. */
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
    uint64_t nrows;                         /* the target rows sent, to all ranks */
    uint64_t nranks;                        /* the ranks they are split over */
    const unsigned char *sizes;             /* each rank's block size (nranks u64), in the command */
    const unsigned char *rows;              /* this rank's block (sg_mpi_camp_block) */
    size_t rows_len;
    uint64_t nmine;                         /* its rows */
} sg_mpi_camp_cmd;

/* What rank 0 sends: the command, the blocks one after the other in rank
 * order, the numbers of the target rows sent (the list) and the rank each
 * went to. */
typedef struct sg_mpi_camp_plan {
    sg_mpi_buf cmd, rows;
    uint32_t *sent;
    int *dest;
    size_t nsent;
} sg_mpi_camp_plan;

/* Rank 0: the plan for sg_campaign_outcomes(targets, tcust, tstart,
 * twindow, window_days, <the cleaned rows>, cust, date, amount) on n
 * ranks, the rows split by owner (whole: sg_mpi_owner_whole).  0, or an
 * error code with err set (p then empty): SG_EINVAL when the ids are
 * neither text nor int64, there are 2^32 rows or more, the blocks
 * together would exceed 2 GiB (MPI's int counts), or a check of
 * sg_campaign_outcomes fails over tx (rank 0's table: the columns alone
 * are looked at); SG_ENOMEM. */
int sg_mpi_camp_encode(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                       double window_days, const sg_table *tx, uint64_t gen, const char *cust, const char *date,
                       const char *amount, int n, int whole, sg_mpi_camp_plan *p, sg_error *err);
void sg_mpi_camp_plan_free(sg_mpi_camp_plan *p);
/* The command back (pointers into b): 0, or -1 when malformed (truncated,
 * trailing bytes, another id type, no ranks, blocks over 2 GiB together,
 * an empty column name). */
int sg_mpi_camp_decode(const unsigned char *b, size_t len, sg_mpi_camp_cmd *c);
/* The size of rank k's block (k < c->nranks). */
size_t sg_mpi_camp_block_size(const sg_mpi_camp_cmd *c, int k);
/* Takes this rank's block (b, len: pointers kept): 0, or -1 when
 * malformed (truncated, a window that is not a positive finite number of
 * days, a list number beyond c->nrows or not increasing). */
int sg_mpi_camp_block(sg_mpi_camp_cmd *c, const unsigned char *b, size_t len);

/* On an owner, after sg_mpi_camp_block: appends to out the records of its
 * block's target rows (t its cleaned rows; NULL: it owns none): the
 * number of records (8 bytes), then per record the row's number in the list (u32),
 * responded (1 byte) and the window's revenue (8 bytes).  0, or an error
 * code with err set (the messages of sg_campaign_outcomes; SG_ENOMEM). */
int sg_mpi_camp_owner(const sg_table *t, const sg_mpi_camp_cmd *c, sg_mpi_buf *out, sg_error *err);

/* Rank 0: the table sg_campaign_outcomes gives (targets with responded and
 * window_revenue), from the n ranks' records (parts[k], lens[k]) and the
 * plan p.  nrec[k] receives the records of rank k (may be NULL).  NULL
 * with err set: SG_EDATA for malformed records (truncated, a row beyond
 * the list or sent to another rank, responded not 0 or 1, a row sent
 * twice); SG_ENOMEM. */
sg_table *sg_mpi_camp_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                               const sg_table *targets, const sg_mpi_camp_plan *p, uint64_t *nrec, sg_error *err);

/* What the outcomes on the owners cost (rank 0): the records of each rank
 * and the target rows sent to it (world size entries each), the target
 * rows sent in all, the bytes broadcast (the command), sent to ranks
 * 1..n-1 (their blocks) and received, rank 0's time on its own customers,
 * then gathering and assembling. */
typedef struct sg_mpi_camp_stats {
    uint64_t *records, *targets;
    uint64_t sent, cmd_bytes, rows_bytes, gathered;
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
