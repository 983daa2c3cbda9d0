/* The distributed read without merging the rows on rank 0 (core/mpi_read.c
 * in one process, for tests; core/mpi_comm.c across ranks).  See
 * docs/mpi.md, "The distributed read". */
#ifndef SG_MPI_READ_H
#define SG_MPI_READ_H

#include <stdint.h>

#include "mpi_part.h"
#include "table.h"

/* A table as bytes, column by column: names, types, date-only flags,
 * missing bits, 8-byte values (1 for bools), strings as the column's
 * dictionary in code order then the codes.  0 or SG_ENOMEM. */
int sg_mpi_table_encode(const sg_table *t, sg_mpi_buf *b);
/* Appends the rows of an encoded table with t's columns (names, types,
 * date-only flags) to t (made growable first, sg_mpi_table_growable): values copied, each string interned into t's
 * column dictionary in the part's code order (so that parts appended in
 * file order give the dictionary in first-appearance order, as one
 * process reads it).  0, or SG_EDATA (other columns, damaged bytes) or
 * SG_ENOMEM with err set; t is then half appended (free it). */
int sg_mpi_table_append(sg_table *t, const unsigned char *b, size_t len, sg_error *err);
/* Gives every string column of t a dictionary of its own with the same
 * strings and codes, which sg_mpi_table_append may grow (a column's
 * dictionary may be shared, or trimmed by the reader's build, after which
 * it takes no new strings).  0 or SG_ENOMEM with err set. */
int sg_mpi_table_growable(sg_table *t, sg_error *err);
/* After the last append: each string column's dictionary trimmed to its
 * strings (sg_dict_trim), as the reader leaves them; no more appends. */
void sg_mpi_table_trim(sg_table *t);
/* A table with the columns of shape (names, types, date-only flags) and
 * no rows, its string columns with dictionaries of their own. */
sg_table *sg_mpi_table_empty(const sg_table *shape, sg_error *err);

/* The table whose rows are parts[0..n) one after the other (parts[k] NULL
 * for a part without rows), as rank 0 gathers a read's parts back: parts[0]
 * becomes the table (taken: parts[0] is set NULL; shape's columns when it
 * is NULL) and every other part is appended, encoded and decoded
 * (sg_mpi_table_encode, sg_mpi_table_append).  NULL with err set. */
sg_table *sg_mpi_gather_parts_local(sg_table **parts, const sg_table *shape, int n, sg_error *err);

/* What rank 0 and the ranks do with the parts pk[0..n) once read (n <= 64;
 * a file's byte ranges, or a list's runs of files), in one process: each
 * part's dictionaries encoded and added (sg_mpi_meta_*), the schema and
 * report decided (path: the file, or the list's first; bytes: the
 * report's), every part typed and the parts gathered back.  The table,
 * *fast 1 (*shape_out, when not NULL, the columns-only table rank 0
 * keeps); or NULL, *fast 0, report cleared and err untouched when that
 * needs the rows (the caller merges them).  The parts' staging is used
 * up either way when the schema was decided (sg_mpi_part_table). */
sg_table *sg_mpi_dicts_local(sg_csv_part *pk, int n, const char *path, char delim, uint64_t bytes,
                             sg_csv_report *report, sg_error *err, int *fast, sg_table **shape_out);

/* The distributed read in one process, n parts, the way the ranks read
 * without merging the rows: the parts' dictionaries alone decide the
 * schema and the report (sg_mpi_meta_*), every part is built into a table
 * of that schema, and the table returned is the parts gathered back.
 * *fast 1 then (*shape_out, when not NULL, gets the columns-only table
 * rank 0 keeps meanwhile); *fast 0 when that path does not apply (the
 * result is then sg_mpi_read_local's, the full merge). */
sg_table *sg_mpi_read_local_dicts(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                                  sg_error *err, int *fast, sg_table **shape_out);

#endif
