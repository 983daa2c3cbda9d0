/* Runs under mpirun (core/mpi_comm.c, docs/mpi.md): rank 0 runs the recipe,
 * the other ranks serve it, doing their share of the work rank 0
 * broadcasts.  Built without MPI (SG_MPI off) the same functions exist and
 * everything runs in the one process. */
#ifndef SG_MPI_H
#define SG_MPI_H

#include "csv.h"
#include "rfm.h"

/* 1 when segmint was built with MPI. */
int sg_mpi_built(void);
/* MPI_Init.  0, or -1 with err set. */
int sg_mpi_start(int *argc, char ***argv, sg_error *err);
/* This process's rank and the number of ranks: 0 and 1 when MPI was not started. */
int sg_mpi_rank(void);
int sg_mpi_size(void);
/* Ranks 1..n-1: the service loop.  Returns the exit status rank 0 sends
 * at its end (after MPI_Finalize). */
int sg_mpi_serve(void);
/* Rank 0: sends its exit status to the other ranks and ends MPI. */
void sg_mpi_stop(int status);
/* Rank 0: sg_csv_read with every rank reading a part of the file (the
 * same table); without MPI, sg_csv_read. */
sg_table *sg_mpi_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                          sg_error *err);
/* Rank 0, after sg_mpi_csv_read returned a table: 1 when that table is
 * only its columns (no rows; string columns with their dictionaries) and
 * the rows stay on the ranks that read them (the distributed read without
 * merging the rows, docs/mpi.md): *gen the read's number and *nrows its
 * rows, for sg_mpi_gather_read.  0 otherwise (a whole table).  Answers
 * once per read. */
int sg_mpi_read_remote(uint64_t *gen, size_t *nrows);
/* Rank 0: the bytes of its own part of the last distributed read (0 when
 * it holds none). */
size_t sg_mpi_read_part_bytes(void);
/* Rank 0: of read gen (sg_mpi_read_remote), the range of its column col
 * when it is a datetime column, reduced from the ranks' parts: the
 * smallest and largest value, the values and the missing ones (min and
 * max meaningless when count is 0).  1, or 0 when not known (another
 * read, not a datetime column, built without MPI). */
int sg_mpi_read_range(uint64_t gen, size_t col, int64_t *min, int64_t *max, uint64_t *count, uint64_t *missing);
/* Rank 0: the table of read gen (sg_mpi_read_remote) gathered back from
 * the ranks' parts in rank order: the table one process reads, which must
 * have nrows rows.  1 with *out and *bytes (received from ranks 1..n-1);
 * 0 when the ranks no longer hold that read (a later read): why says so;
 * -1 with err set.  Built without MPI: 0, "one rank". */
int sg_mpi_gather_read(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                       sg_error *err);
/* Rank 0: sg_csv_read_list (core/csv_list.h) with every rank reading a
 * run of whole files of the list (the same table); without MPI, or on one
 * rank, sg_csv_read_list. */
sg_table *sg_mpi_csv_read_list(const char *const *paths, size_t nfiles, const sg_csv_options *opt,
                               sg_csv_report *report, sg_error *err);

struct sg_mpi_clean_opts;
struct sg_mpi_clean_result;
/* Rank 0: the per-customer cleaning of t (the table the distributed read
 * gave, unchanged) on the ranks that own the customers (OP_CLEAN,
 * core/mpi_clean.h): 1 with res filled; 0 when it cannot be used (one
 * rank, no parts kept, t not the table read, an exchange too large, a
 * data error the caller's own path reports): why says which; -1 with err
 * set when a rank failed (the message names it).  packed (may be NULL) is
 * called with ud once rank 0's own rows are packed and the exchange goes
 * ahead (no fallback to t after it but for a quantity netting refuses,
 * which then fails the run): the caller may free t's values there; t is
 * not read after it. */
int sg_mpi_clean_marks(const sg_table *t, const struct sg_mpi_clean_opts *o, struct sg_mpi_clean_result *res,
                       char *why, size_t whylen, void (*packed)(void *ud), void *ud, sg_error *err);

/* Rank 0: the cleaned table of exchange gen gathered back from the ranks
 * that own the customers (the rows each kept, merged by global row
 * number: the rows, order and values of the table rank 0 cleaned), which
 * must have nrows rows.  1 with *out and *bytes (received from ranks
 * 1..n-1); 0 when the ranks cannot (one rank, a rank that does not hold
 * that cleaning): why says which; -1 with err set (a rank out of memory,
 * malformed or missing rows).  Built without MPI: 0, "one rank". */
int sg_mpi_gather_clean(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                        sg_error *err);

struct sg_mpi_edges;
/* Rank 0: segmint.rfm's aggregation (sg_rfm_aggregate) of the table the
 * exchange number gen cleaned, computed by the ranks that own the
 * customers over the cleaned rows they kept (core/mpi_rfm.h), with the
 * score edges of the columns q->mask names computed from every rank's
 * customers by collectives into q (core/mpi_quantile.h; q->mask 0: none,
 * q->seconds rank 0's time on them); cust_type
 * and date_only are the table's customer type and date flag.  1 with *out
 * and info set, ncust[k] the customers of rank k (world size entries),
 * *gathered the bytes the other ranks sent, secs[0..1] rank 0's time
 * aggregating and gathering; 0 when it cannot be used (one rank, the
 * owners do not hold that cleaning, an aggregation error the caller's own
 * path reports), why says which; -1 with err set when a rank ran out of
 * memory (the message names it).  The ranks keep their cleaned rows for
 * the BTYD fits (sg_mpi_btyd_fit) until the next exchange, read or the
 * end. */
int sg_mpi_rfm(const sg_rfm_options *o, uint64_t gen, struct sg_mpi_edges *q, sg_type cust_type, int date_only,
               sg_table **out, sg_rfm_info *info, uint64_t *ncust, uint64_t *gathered, double *secs, char *why,
               size_t whylen, sg_error *err);

struct sg_mpi_btyd_cmd;
struct sg_btyd_fit;
/* What a shared BTYD fit cost (rank 0): customers of each rank (world size
 * entries), the reductions (MPI_Allreduce calls) and their bytes per rank,
 * rank 0's time summarising and fitting. */
typedef struct sg_mpi_btyd_stats {
    uint64_t *customers;
    uint64_t reductions, bytes;
    double secs[2];
} sg_mpi_btyd_stats;
/* Rank 0: the BTYD fit c describes, of the customers of the cleaning
 * c->gen, by the ranks that own them (OP_BTYD, core/mpi_btyd.h): 1 with
 * *fit (and *skipped for Gamma-Gamma), the bits one process fits; 0 when
 * the ranks cannot (one rank, the owners do not hold that cleaning, a
 * summary error the caller's own path reports), why says which; -1 with
 * err set when the fit failed (the message of one process) or a rank ran
 * out of memory. */
int sg_mpi_btyd_fit(const struct sg_mpi_btyd_cmd *c, struct sg_btyd_fit *fit, size_t *skipped,
                    sg_mpi_btyd_stats *st, char *why, size_t whylen, sg_error *err);

struct sg_mpi_btyd_scmd;
/* Rank 0: segmint.btyd_summary of the table the exchange number c->gen
 * cleaned, with the predictions c lists as columns, computed by the ranks
 * that own the customers over the cleaned rows they kept
 * (OP_BTYD_SUMMARY, core/mpi_btyd.h); cust_type the table's customer
 * type; base (with c->bare) the summary rank 0 already has from them, to
 * which only the predictions are added.  1 with *out (the table one
 * process computes, sorted by customer), ncust[k] the customers of rank k (world size entries),
 * *gathered the bytes the other ranks sent, secs[0..1] rank 0's time
 * summarising and predicting, then gathering and assembling; 0 when the
 * ranks cannot (one rank, the owners do not hold that cleaning, a summary
 * error the caller's own path reports), why says which; -1 with err set
 * when a rank ran out of memory (the message names it). */
int sg_mpi_btyd_summary(const struct sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base, sg_table **out,
                        uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen, sg_error *err);

struct sg_cooc;
struct sg_cooc_options;
/* What co-purchase counting on the owners cost (rank 0): invoices and
 * pairs of each rank (world size entries), the items of the model and
 * those kept, whether the pair counts were added as aligned arrays
 * (MPI_Reduce) rather than gathered as lists, the bytes rank 0 received
 * (item counts; the pair lists, or the array each rank reduced) and
 * broadcast (the kept items), rank 0's time counting items, counting
 * pairs, and the rest (gathering, reducing, merging). */
typedef struct sg_mpi_cooc_stats {
    uint64_t *invoices, *pairs;
    uint64_t nitems, nkept;
    int dense;
    uint64_t item_bytes, pair_bytes, kept_bytes;
    uint64_t split_bytes;   /* invoice hashes rank 0 sent to other ranks for the split check */
    double secs[3];
} sg_mpi_cooc_stats;
/* Rank 0: segmint.cross_sell's model (sg_cooc_fit with o) of t, the table
 * the exchange number gen cleaned, its counts made by the ranks that own
 * the customers over the cleaned rows they kept (OP_CROSS_SELL,
 * core/mpi_cooc.h).  1 with *out, the model sg_cooc_fit gives over t; 0
 * when the ranks cannot (one rank, the owners do not hold that cleaning, an
 * invoice with rows of customers of different ranks, a column the fit
 * refuses: the caller's own path gives its message), why says which; -1
 * with err set when a rank ran out of memory (the message names it). */
int sg_mpi_cross_sell(const sg_table *t, uint64_t gen, const struct sg_cooc_options *o, struct sg_cooc **out,
                      sg_mpi_cooc_stats *st, char *why, size_t whylen, sg_error *err);

#endif
