/* Per-customer cleaning on the rank that owns the customer, without MPI
 * calls (core/mpi_clean.c; core/mpi_comm.c runs it across ranks, the
 * tests in one process).  See docs/mpi.md.
 *
 * After a distributed read every rank keeps its part of the file as a
 * typed table (the schema rank 0's table was built with: names, types,
 * date layouts, date-only flags).  For cleaning, each rank sends its rows
 * to their customer's owner (core/mpi_shuffle.c); the owner nets
 * cancellations, marks exact duplicates and applies the filter steps over
 * its customers' rows, as segmint.clean does over the whole table, keeps
 * the cleaned rows and sends rank 0 the tallies of segmint.clean's report
 * (and, for the tests, per row by global row number the netted quantity
 * and the duplicate mark).  Rank 0 adds the tallies up and builds the
 * cleaned table's columns without rows (sg_mpi_clean_shape). */
#ifndef SG_MPI_CLEAN_H
#define SG_MPI_CLEAN_H

#include <stddef.h>
#include <stdint.h>

#include "csv_internal.h"
#include "mpi_part.h"
#include "table.h"
#include "xsum.h"

/* ---- the schema of the parts ---- */

typedef struct sg_mpi_schema {
    size_t ncols;
    char **names;
    int *types;          /* sg_type */
    int *fmts;           /* sg_date_format of the column's plan (datetime columns) */
    int *date_only;
} sg_mpi_schema;

/* The schema of t, fmts[j] the date layout column j was read with
 * (sg_csv_reader.plan_fmts).  0 or SG_ENOMEM. */
int sg_mpi_schema_of(const sg_table *t, const sg_date_format *fmts, sg_mpi_schema *s);
int sg_mpi_schema_encode(const sg_mpi_schema *s, sg_mpi_buf *b);
/* 0, or -1 (malformed bytes, or no memory). */
int sg_mpi_schema_decode(const unsigned char *b, size_t len, sg_mpi_schema *s);
void sg_mpi_schema_free(sg_mpi_schema *s);
/* 1 when t has exactly these columns (names, types, date-only flags, order). */
int sg_mpi_schema_matches(const sg_mpi_schema *s, const sg_table *t);

/* The staging of a part (read with the first part's modes, no rows
 * skipped) built into a table typed as s says: the rows of the part as
 * the whole table holds them.  NULL with err set when a value does not
 * convert or a column's type cannot be made the schema's (the caller
 * then keeps no part; rank 0 checks the rows anyway, sg_mpi_rows_hash). */
sg_table *sg_mpi_part_table(sg_csv_part *p, const sg_mpi_schema *s, sg_error *err);

/* The distributed read in one process, n parts (for tests), as
 * sg_mpi_read_local, and what the ranks keep after it: parts[k] (k = 1..n-1;
 * parts[0] NULL, rank 0's rows are the table's first) each part's typed
 * table, or NULL when nothing is kept (a fallback, skipped rows); rows[k]
 * each part's row count. */
sg_table *sg_mpi_read_local_parts(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                                  sg_error *err, sg_table **parts, uint64_t *rows);

/* A hash of rows [from, to) of t from their values (bits of numbers,
 * bytes of strings, missing flags) in row order. */
uint64_t sg_mpi_rows_hash(const sg_table *t, size_t from, size_t to);

/* ---- the cleaning on the owners ---- */

typedef struct sg_mpi_clean_opts {
    const char *customer, *item, *quantity, *price, *date;   /* column names ("" for none) */
    const char *cancel;      /* net: the condition of a cancellation row */
    const char *post;        /* net: the condition a netted row is kept by */
    const char *amount;      /* the column segmint.clean adds: left out of duplicate equality */
    const char **pre;        /* net: conditions applied before netting */
    size_t npre;
    int net, dups, match_price, whole_ids;
    /* the rows the owner keeps for the later per-customer steps (RFM):
     * the amount column derived as amount_expr ("" for none) after
     * netting, then the rows every `after` condition keeps (segmint.clean's
     * filter steps) that are not exact duplicates; customer ids made whole
     * under whole_ids */
    const char *amount_expr;
    const char **after;
    size_t nafter;
    /* 1: the owners send rank 0 their tallies alone, not the per-row
     * records (segmint.clean builds its report from the tallies) */
    int tallies_only;
    /* read: 0 when rank 0 holds the table cleaned; else the number of the
     * distributed read whose rows are still on the ranks that read them
     * (rank 0 holds its columns alone, sg_mpi_read_remote), the parts then
     * being the table by construction.  drop_parts: every rank frees its
     * part of the read once its rows are packed for the owners (the
     * caller gives the table up: segmint.clean's consume) */
    uint64_t read;
    int drop_parts;
} sg_mpi_clean_opts;

/* A sum of amounts over an owner's rows: a double column's exactly
 * (core/xsum.h, so that the owners' sums add up to the bits one process
 * gets over all rows), an int64 or bool column's as 128 bits, hi:i (i
 * alone is the sum wrapped as ds:sum wraps it; hi tells whether the
 * exact sum fits int64, sg_mpi_asum_fits). */
typedef struct sg_mpi_asum {
    sg_xsum x;
    uint64_t i;
    int64_t hi;
} sg_mpi_asum;

/* The `after` conditions (at most 64) and the exact duplicates. */
#define SG_MPI_CLEAN_STEPS 65

/* The figures of segmint.clean's report over an owner's rows (added up
 * over the owners on rank 0), amounts as the column segmint.clean derives
 * (amount_expr) before netting (rev_in, the steps before netting,
 * net_before, net_cancel) and after it (net_after, the later steps,
 * rev_out).  Steps: after[k] for k < nafter (with net, the first npre are
 * the conditions before netting, which after begins with), then the
 * duplicates at nafter; a row counts for the first step that removes it,
 * as ds:clean_filter tags it. */
typedef struct sg_mpi_clean_tally {
    uint64_t rows_in;
    sg_mpi_asum rev_in;
    uint64_t nsteps;
    uint64_t rows[SG_MPI_CLEAN_STEPS];
    sg_mpi_asum rev[SG_MPI_CLEAN_STEPS];
    /* netting: rows it saw, the cancellations among them, rows left after
     * it (the `post` condition), and their amounts */
    uint64_t net_in, net_cancel_rows, net_out;
    sg_mpi_asum net_before, net_cancel, net_after;
    uint64_t rows_out;
    sg_mpi_asum rev_out;
    uint64_t customers_out;   /* distinct customers kept (customers are disjoint by owner) */
} sg_mpi_clean_tally;

/* The sum as a double (an int64 sum converted when is_int). */
double sg_mpi_asum_value(const sg_mpi_asum *s, int is_int);

/* 1 when an int64 sum's exact value fits int64 (one process refuses a
 * step's revenue that overflows: core/clean.c). */
int sg_mpi_asum_fits(const sg_mpi_asum *s);

/* The options as bytes, and back (the strings then point into b; free
 * o->pre and o->after with sg_free).  decode: 0 or -1. */
int sg_mpi_clean_opts_encode(const sg_mpi_clean_opts *o, sg_mpi_buf *b);
int sg_mpi_clean_opts_decode(const unsigned char *b, size_t len, sg_mpi_clean_opts *o);

/* On an owner: u holds its customers' rows in global row order, gid[i]
 * the global row number of row i.  Appends to out the header { rows
 * owned, unmatched quantity, sent (the caller's figure), rows kept, hash
 * of the kept rows' numbers }, its tallies (sg_mpi_clean_tally), under
 * whole_ids of a string customer column the distinct customers kept
 * { the global number of the first row kept, the id made whole } and
 * whether an id changed, and, with net or dups and not tallies_only, one
 * record per row that took part { gid, netted quantity, flags: 1 netted,
 * 2 duplicate }.
 * As segmint.clean over the whole table: netting over the rows the `pre`
 * conditions keep, then the `post` condition; duplicates over the rows
 * left (every row without net).  kept (may be NULL) receives the cleaned
 * rows (see sg_mpi_clean_opts; NULL when u has no rows), kept_gid (may be
 * NULL; with kept) their global row numbers (sg_malloc'd; NULL with no
 * rows).  0, or an error
 * code with err set (SG_EDATA: a quantity netting refuses, as on one
 * process). */
int sg_mpi_clean_owner(const sg_table *u, const uint64_t *gid, const sg_mpi_clean_opts *o, uint64_t sent,
                       sg_mpi_buf *out, sg_table **kept, uint64_t **kept_gid, sg_error *err);

/* The order-independent hash of a set of global row numbers that the
 * owners' kept-row hashes add up to (mod 2^64). */
uint64_t sg_mpi_row_set_hash(const uint64_t *g, size_t n);

/* segmint.clean's whole_ids on t's string column col: "17850.0" (an
 * optional '-', digits, '.', one or more '0') becomes "17850".  0, or
 * SG_ENOMEM with err set. */
int sg_mpi_whole_ids(sg_table *t, const char *col, sg_error *err);

/* Rank 0: the owners' records over the table's rows. */
typedef struct sg_mpi_clean_result {
    size_t nrows;
    int64_t *qty;          /* netted quantity per global row */
    uint8_t *flags;        /* 1 netted, 2 duplicate, 4 some owner reported the row */
    int64_t unmatched;
    int nranks;
    uint64_t *owned;       /* rows each rank owned */
    uint64_t *kept;        /* cleaned rows each rank kept */
    uint64_t kept_hash;    /* sg_mpi_row_set_hash of every kept row */
    uint64_t gen;          /* the exchange's number (sg_mpi_rfm checks the owners kept its rows) */
    uint64_t exchanged;    /* bytes that crossed ranks in the exchange */
    uint64_t gathered;     /* bytes of records the other ranks sent rank 0 */
    sg_mpi_clean_tally tally;   /* the owners' tallies added up */
    int tallies;                /* the owners whose tallies were added */
    uint64_t freed;             /* bytes of rank 0's table freed once its rows were packed */
    /* under whole_ids of a string customer column: whether an owner made
     * an id whole, and the distinct customers kept, { gid, length, bytes }
     * one after the other in the order received */
    int ids_changed;
    uint64_t nids;
    sg_mpi_buf ids;
    double secs[5];        /* rank 0's wall time: check, pack, exchange, clean (unpack and the
                            * owner's steps), gather (waiting for the others included) */
} sg_mpi_clean_result;

int sg_mpi_clean_result_init(sg_mpi_clean_result *r, size_t nrows, int nranks);
/* As sg_mpi_clean_result_init, without the per-row arrays (qty and flags
 * NULL): for owners sending their tallies alone. */
int sg_mpi_clean_result_init_tallies(sg_mpi_clean_result *r, size_t nrows, int nranks);
/* Adds rank k's records (from sg_mpi_clean_owner).  0, or SG_EDATA with
 * err set (malformed, a row out of range or reported twice). */
int sg_mpi_clean_absorb(sg_mpi_clean_result *r, int k, const unsigned char *b, size_t len, sg_error *err);
void sg_mpi_clean_result_free(sg_mpi_clean_result *r);

/* Rank 0: the columns without rows of the table segmint.clean gives,
 * from the columns of the table it was given (loaded: its names, types,
 * date-only flags and string dictionaries; rows are not read): the amount
 * column derived as amount_expr, with net the quantity made int64 first
 * (netting's type) and the amount derived over it, and under whole_ids,
 * when an owner made an id whole, the customer column's dictionary the
 * ids made whole in the order of their first kept row (the one
 * segmint.clean's whole_ids builds).  *int0 and *int1 say whether the
 * amount is an integer before and after netting.  NULL with err set. */
sg_table *sg_mpi_clean_shape(const sg_table *loaded, const sg_mpi_clean_result *r, const char *amount,
                             const char *amount_expr, const char *quantity, const char *customer, int net,
                             int whole_ids, int *int0, int *int1, sg_error *err);

#endif
