/* Rows partitioned by customer across MPI ranks, without MPI calls
 * (core/mpi_shuffle.c): which rank owns a customer, and rows packed into
 * bytes (each carrying its global row number) and unpacked back into a
 * table in global row order.  core/mpi_comm.c exchanges them with
 * MPI_Alltoallv for cleaning (OP_CLEAN); see docs/mpi.md. */
#ifndef SG_MPI_SHUFFLE_H
#define SG_MPI_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

#include "mpi_part.h"
#include "table.h"

/* FNV-1a, 64 bits, of len bytes. */
uint64_t sg_mpi_fnv1a(const void *s, size_t len);

/* The hash of value `row` of c, from the value alone: a string's bytes,
 * an int64 or datetime's value, a double's value (-0.0 as 0.0), a bool.
 * Not from dictionary codes, so it is the same on every rank whatever
 * order the rows arrived in.  Missing values (NaN doubles included) hash
 * to 0. */
uint64_t sg_mpi_id_hash(const sg_column *c, size_t row);

/* The same, but a string written as a whole number with a decimal part of
 * zeros ("17850.0", "-3.00": Lua pattern ^(-?%d+)%.0+$) hashes as its whole
 * part ("17850"), the id segmint.clean's `whole_ids` makes of it: the two
 * spellings of one customer then have one owner. */
uint64_t sg_mpi_id_hash_whole(const sg_column *c, size_t row);

/* The rank of n (n >= 1) that owns the customer of value `row` of c:
 * every missing value belongs to rank 0 (so rows without a customer stay
 * together, as exact-duplicate detection needs), others to a mix of
 * sg_mpi_id_hash modulo n. */
int sg_mpi_owner(const sg_column *c, size_t row, int n);
/* The owner under `whole_ids` (sg_mpi_id_hash_whole). */
int sg_mpi_owner_whole(const sg_column *c, size_t row, int n);

/* owner[i] = sg_mpi_owner (sg_mpi_owner_whole when whole_ids) of row i
 * of the column `customer` of t, and counts[0..n) the rows of each rank.
 * 0, or SG_EINVAL (no such column, n < 1) with err set. */
int sg_mpi_partition(const sg_table *t, const char *customer, int n, int whole_ids, int *owner, size_t *counts,
                     sg_error *err);

/* Appends to out a packet of rows rows[0..n) of t (in that order): the
 * schema (names, types, date-only flags), the row count, then per row its
 * global row number gid[rows[k]] (gid has t->nrows entries) and its
 * values (missing flag, then 8 bytes for int64, double and datetime, 1
 * for bool, a 4-byte length and the text for strings).  Native byte
 * order: every rank of a run has the same architecture.  Rows must come
 * in increasing global row number.  0, or SG_EINVAL / SG_ENOMEM with err
 * set (out keeps what it held). */
int sg_mpi_rows_pack(const sg_table *t, const uint64_t *gid, const size_t *rows, size_t n, sg_mpi_buf *out,
                     sg_error *err);

/* The packets parts[0..nparts) (one per sending rank, each from
 * sg_mpi_rows_pack; lens[k] bytes, 0 for none) as one table in global row
 * order (merged by row number), strings interned in that order; *gid
 * (malloc'd with sg_malloc, nrows entries, NULL for no rows) gets each
 * row's global row number.  Exactly one packet per part.  NULL with err set (SG_EDATA: truncated or
 * malformed bytes, schemas that differ, a row number repeated or out of
 * order; SG_ENOMEM). */
sg_table *sg_mpi_rows_unpack(const unsigned char *const *parts, const size_t *lens, size_t nparts,
                             uint64_t **gid, sg_error *err);

#endif
