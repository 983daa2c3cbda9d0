/* A list of CSV files read as one table (core/csv_list.c): the rows of
 * the files in list order, as if the files were concatenated without
 * their repeated header.  See docs/analysis.md ("load") and docs/mpi.md
 * ("The distributed read"). */
#ifndef SG_CSV_LIST_H
#define SG_CSV_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "csv_internal.h"
#include "mpi_part.h"

/* The size of every file: 0, or SG_EIO naming the first file that cannot
 * be read (SG_EINVAL for an empty list). */
int sg_csv_list_stat(const char *const *paths, size_t n, uint64_t *sizes, sg_error *err);

/* Which files each of `ranks` processes reads: rank k reads the files
 * [first[k], first[k+1]) (first has ranks + 1 entries), a file going to
 * the rank whose nominal byte range of the files' total holds its middle
 * byte; file 0 always goes to rank 0, a rank may get none. */
void sg_csv_list_assign(const uint64_t *sizes, size_t n, int ranks, size_t *first);

/* Reads files [from, to) of the list into one part, merged in list
 * order (from == to: the first file's header alone, no rows).  sizes: NULL, or the sizes every file must have (rank
 * 0's).  spec: as for sg_csv_part_read, the first file of the list
 * deciding the column modes when from is 0 (the later files take that
 * decision, or spec's modes); dict: every column in dictionary mode, no
 * speculation.  *hdr_bytes: the header bytes of the files read after the
 * list's first (what the concatenation drops).  *rows, when not NULL
 * (to - from entries): the rows each file staged.  A failure is
 * out->r.failed with out->r.own_err: SG_EIO for a file that cannot be
 * read, SG_EDATA for its data or another header.  Free with
 * sg_csv_part_free. */
void sg_csv_list_part(const char *const *paths, size_t from, size_t to, const uint64_t *sizes,
                      const sg_csv_options *opt, const sg_csv_part_modes *spec, int dict, sg_csv_part *out,
                      uint64_t *hdr_bytes, size_t *rows);

/* On rank 0 of a distributed read of a list: gets the parts of ranks
 * 1..n-1 (every one, even after a failure) and merges them in list
 * order into p0, then builds the table (report->bytes = bytes).  A rank
 * that could not read its files for another reason than their data fails
 * the read naming the rank and its files.  NULL with *fellback set: a
 * typed column met a value it cannot hold, or the table could not be
 * built (the caller reads the list in one process, for the table or for
 * the message naming the file). */
sg_table *sg_csv_list_assemble(sg_csv_part *p0, int n, const size_t *first, const char *const *paths,
                               sg_mpi_get_fn get, void *ud, uint64_t bytes, sg_csv_report *report, sg_error *err,
                               int *fellback);

#endif
