/* Group-bys whose results are reduced, on the ranks that own the
 * customers, without MPI calls (core/mpi_attrs.c; core/mpi_comm.c runs
 * them across ranks as OP_ATTRIBUTES and OP_ITEM_NAMES, the tests in one
 * process).  See docs/mpi.md.
 *
 * After the exchange by customer (OP_CLEAN) every rank keeps its
 * customers' cleaned rows in global row order.  Two group-bys of the
 * steps after rfm then run there:
 *
 * - SG_MPI_GB_FIRST, the customer attributes of step models: per customer
 *   the first non-missing value of some columns (group_by(customer,
 *   { {c, "first", c} ... })).  A customer's rows are all on its owner, in
 *   global row order, so the owner's first value is the table's.
 * - SG_MPI_GB_COUNT, the cross-sell item names: the rows per (item, name)
 *   (group_by({item, name}, { {n, "count"} })).  A pair's rows may be on
 *   several owners: their counts are summed (integers: exact).
 *
 * Each owner runs the group-by over its rows and sends rank 0 the result's
 * rows, packed as the exchange packs rows (the schema, then per row a
 * number, owner row k of rank r of n being k * n + r, and its values).
 * Rank 0 unpacks them and runs the reducing group-by over them (first of
 * the one row per customer; the sum of the counts), which sorts the rows
 * as the group-by over the whole table sorts them: the same table. */
#ifndef SG_MPI_ATTRS_H
#define SG_MPI_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "mpi_part.h"
#include "table.h"

enum { SG_MPI_GB_FIRST = 1, SG_MPI_GB_COUNT = 2 };
#define SG_MPI_GB_MAXCOLS 64

typedef struct sg_mpi_gb_cmd {
    uint64_t gen;                          /* the exchange whose cleaned rows are used */
    int kind;                              /* SG_MPI_GB_FIRST or SG_MPI_GB_COUNT */
    size_t ncols;                          /* FIRST: 2..MAXCOLS (the key, then the columns); COUNT: 2 (the keys) */
    const char *cols[SG_MPI_GB_MAXCOLS];
    const char *count;                     /* COUNT: the count column's name */
} sg_mpi_gb_cmd;

/* The command as bytes, and back (the names then point into b).  0, or -1
 * (out of memory; malformed: truncated, trailing bytes, another kind, a
 * number of columns the kind does not take, an empty name). */
int sg_mpi_gb_encode(const sg_mpi_gb_cmd *c, sg_mpi_buf *b);
int sg_mpi_gb_decode(const unsigned char *b, size_t len, sg_mpi_gb_cmd *c);

/* The group-by of c over a whole table t, as one process runs it.  NULL
 * with err set (sg_table_group_by's errors). */
sg_table *sg_mpi_gb_local(const sg_table *t, const sg_mpi_gb_cmd *c, sg_error *err);

/* On owner `rank` of n: appends to out its group-by's rows over t (its
 * cleaned rows; NULL: it owns none, nothing appended); *ngroups their
 * number.  0, or an error code with err set. */
int sg_mpi_gb_owner(const sg_table *t, const sg_mpi_gb_cmd *c, int rank, int n, sg_mpi_buf *out,
                    uint64_t *ngroups, sg_error *err);

/* Rank 0: the table sg_mpi_gb_local gives over the whole table, from the
 * n owners' rows (parts[k], lens[k]); ngroups[k] (may be NULL) the rows
 * rank k sent.  NULL with err set: SG_EDATA (malformed rows, a customer
 * sent by two ranks), SG_EINVAL (no rank sent rows), SG_ENOMEM. */
sg_table *sg_mpi_gb_reduce(const unsigned char *const *parts, const size_t *lens, int n, const sg_mpi_gb_cmd *c,
                           uint64_t *ngroups, sg_error *err);

/* What a group-by on the ranks cost (rank 0): the rows each rank sent
 * (world size entries), the bytes received from the other ranks, rank 0's
 * time grouping its rows, then gathering and reducing. */
typedef struct sg_mpi_gb_stats {
    uint64_t *groups;
    uint64_t gathered;
    double secs[2];
} sg_mpi_gb_stats;

/* Rank 0 (core/mpi_comm.c, OP_ATTRIBUTES for SG_MPI_GB_FIRST, OP_ITEM_NAMES
 * for SG_MPI_GB_COUNT): the group-by c over the table the exchange c->gen
 * cleaned, run by the ranks owning the customers.  1 with *out; 0 when
 * the ranks cannot (one rank, the owners do not hold that cleaning, a
 * column error the caller's own path reports), why says which; -1 with
 * err set when a rank ran out of memory or sent malformed rows.  Built
 * without MPI: 0, "one rank". */
int sg_mpi_group_by(const sg_mpi_gb_cmd *c, sg_table **out, sg_mpi_gb_stats *st, char *why, size_t whylen,
                    sg_error *err);

#endif
