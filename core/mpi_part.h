/* Distributed CSV reads without MPI calls (core/mpi_part.c): where each
 * process's byte range starts, and a part's staging to bytes and back.
 * core/mpi_comm.c does the same steps across MPI ranks; the tests run them
 * in one process.  See docs/mpi.md. */
#ifndef SG_MPI_PART_H
#define SG_MPI_PART_H

#include <stddef.h>
#include <stdint.h>

#include "csv_internal.h"

/* A growable byte buffer (start from all zeros), the one every packet and
 * message of the MPI code is written into.  sg_mpi_buf_put appends n bytes:
 * 0, or SG_ENOMEM (size overflow or no memory), after which every later put
 * fails too, so a writer may check once, at the end (oom). */
typedef struct sg_mpi_buf {
    unsigned char *b;
    size_t len, cap;
    int oom;
} sg_mpi_buf;
int sg_mpi_buf_put(sg_mpi_buf *b, const void *p, size_t n);
/* Makes room for n more bytes (b->cap - b->len >= n): 0 or SG_ENOMEM, as put. */
int sg_mpi_buf_reserve(sg_mpi_buf *b, size_t n);
void sg_mpi_buf_free(sg_mpi_buf *b);
/* Puts whose failure the writer checks once, at the end (oom): a value's 8
 * bytes, a string with its NUL (NULL as ""). */
void sg_mpi_put_u64(sg_mpi_buf *b, uint64_t v);
void sg_mpi_put_str(sg_mpi_buf *b, const char *s);

/* Reading a message [p, end): a read past the end sets bad and gives 0 or
 * "", so a reader may check once, at the end.  Strings are NUL-terminated
 * and read in place. */
typedef struct sg_mpi_rd {
    const unsigned char *p, *end;
    int bad;
} sg_mpi_rd;
uint64_t sg_mpi_rd_u64(sg_mpi_rd *r);
const char *sg_mpi_rd_str(sg_mpi_rd *r);

#define SG_MPI_NO_END UINT64_MAX

/* Nominal range k of n over size bytes: [size*k/n, size*(k+1)/n). */
uint64_t sg_mpi_nominal(uint64_t size, int k, int n);

/* Quote parity and line ends of bytes [from, to) of fd, the state starting
 * from the byte before `from`.  0, or an errno value. */
int sg_mpi_count(int fd, uint64_t from, uint64_t to, sg_csv_scan_state *st);

/* The first record start after `from` (the byte after a LF preceded by an
 * even number of quotes), st holding the parity and lines of [0, from):
 * *cut and *line0 (its line).  At the end of the file: *cut = size.
 * 0, or an errno value. */
int sg_mpi_find_cut(int fd, uint64_t size, uint64_t from, sg_csv_scan_state st, uint64_t *cut,
                    uint64_t *line0);

/* The whole plan in one process (what the ranks compute together):
 * hdr_end, and per part k of n cuts[k], line0[k] (cuts[0] = 0).  0 or an
 * errno value. */
int sg_mpi_plan(int fd, uint64_t size, int n, uint64_t *hdr_end, uint64_t *cuts, uint64_t *line0);

/* The range of part k: [from, to), to SG_MPI_NO_END for the last part
 * with bytes; empty (from >= size) for parts after the end. */
void sg_mpi_part_range(const uint64_t *cuts, int k, int n, uint64_t size, uint64_t *from, uint64_t *to);

/* A part as bytes (malloc'd, *len): its failure, boundary flag and
 * dictionary staging.  0 or SG_ENOMEM. */
int sg_mpi_part_encode(const sg_csv_part *p, unsigned char **out, size_t *len);

/* A part's column dictionaries and modes, its row counts, line and quote
 * counts and failure, and per dictionary column the suspect tally of its
 * rows (sg_csv_tally_column), without its rows (no codes, no typed
 * values): what rank 0 needs to decide the schema and the report
 * (sg_mpi_meta_add).  0 or SG_ENOMEM. */
int sg_mpi_part_encode_dicts(const sg_csv_part *p, unsigned char **out, size_t *len);

/* The schema and read report of a distributed read decided from the
 * parts' dictionaries, without their rows: m holds the first part's
 * header (shared) and, per column, the merged mode and dictionary (in
 * global first-appearance order, as sg_csv_merge makes it).  fast: the
 * parts read so far can be typed and reported without their rows. */
typedef struct sg_mpi_meta {
    sg_csv_reader m;
    uint8_t *date_only;       /* per column: every value of a typed datetime column at midnight */
    sg_date_format *fmts;     /* per column: the date layout of its plan (filled by the build) */
    sg_csv_tally *tallies;    /* per column: the parts' suspect tallies reduced (m.tallies) */
    size_t nparts;            /* parts with columns merged */
    uint64_t rows;
    int fast;
} sg_mpi_meta;
/* Starts with p0 (the first part, whose header is shared: it must outlive
 * mt); fast 0 when p0 rules the fast path out (a failure, skip mode).
 * 0 or SG_ENOMEM. */
int sg_mpi_meta_init(sg_mpi_meta *mt, const sg_csv_part *p0);
/* Adds the next part in file order (its sg_mpi_part_encode_dicts bytes,
 * the first part's too).  A part the merge would not take as it is (a
 * failure, a cut that is not a record start, dropped or skipped rows,
 * modes that do not merge) sets fast to 0. */
void sg_mpi_meta_add(sg_mpi_meta *mt, const unsigned char *b, size_t len);
/* After the last part: the table without rows that sg_csv_finish would
 * build over the merged parts (its columns, types, date-only flags and
 * string dictionaries; report filled as sg_csv_read fills it, a suspect
 * column's entry and warning from the parts' tallies), or NULL (report
 * cleared, fast 0) when that needs the rows: a value an override cannot
 * convert, an expected column of another kind, or the read fails. */
sg_table *sg_mpi_meta_finish(sg_mpi_meta *mt, const char *path, char delim, uint64_t size, sg_csv_report *report);
void sg_mpi_meta_free(sg_mpi_meta *mt);

/* What a part's bytes say before merging. */
typedef struct sg_mpi_part_info {
    int failed, code, at_boundary;
    char msg[1024];
} sg_mpi_part_info;
int sg_mpi_part_peek(const unsigned char *b, size_t len, sg_mpi_part_info *info);

/* Appends the part in b (the next one in file order) to r, the first
 * part's staging (sg_csv_merge).  0, or an error code with r->failed set. */
int sg_mpi_part_merge(sg_csv_reader *r, const unsigned char *b, size_t len);

/* Reads part k of n of the plan into part (see sg_csv_part_read; parts
 * after the end of the file are left empty). */
int sg_mpi_read_part(const char *path, const sg_csv_options *opt, int k, int n, uint64_t size,
                     uint64_t hdr_end, const uint64_t *cuts, const uint64_t *line0,
                     const sg_csv_part_modes *spec, sg_csv_part *part);

/* The first part's decision (its column modes), for the other parts. */
typedef struct sg_mpi_modes {
    int *modes;
    sg_date_format *fmts;
    size_t ncols;     /* 0: no decision (dictionary mode) */
} sg_mpi_modes;
/* Copies r's modes into m (nothing when r failed or has no columns).  0 or SG_ENOMEM. */
int sg_mpi_modes_take(sg_mpi_modes *m, const sg_csv_reader *r);
void sg_mpi_modes_free(sg_mpi_modes *m);

/* Gives part k's bytes (malloc'd) to the first part's process: 0, or -1
 * with err set. */
typedef int (*sg_mpi_get_fn)(void *ud, int k, unsigned char **bytes, size_t *len, sg_error *err);

/* Sets err for the failure of part k's process (code, why): the message
 * names the rank and what it read (its byte range, its files). */
typedef void (*sg_mpi_name_fn)(void *ud, sg_error *err, int k, int n, int code, const char *why);

/* The merge both assemblies run (sg_mpi_assemble, sg_csv_list_assemble):
 * on the first part's process, gets parts 1..n-1 in order (every one, even
 * after a failure) and merges them into p0's staging until the first
 * error in file order.  A part's process that failed for another reason
 * than its data (or a part that arrived damaged) fails the read: -1, err
 * set by name.  check_cuts (byte ranges of one file): a part whose start
 * was not a record start sets *fellback, as does a typed column that met
 * a value it cannot hold (the caller then reads in one process).  0
 * otherwise. */
int sg_mpi_merge_parts(sg_csv_part *p0, int n, sg_mpi_get_fn get, void *ud, int check_cuts, sg_mpi_name_fn name,
                       void *name_ud, sg_error *err, int *fellback);

/* On the first part's process: gets parts 1..n-1 in file order (every one,
 * even after a failure) and merges them into p0's staging, then builds the
 * table as sg_csv_read does.  A part that could not be read for another
 * reason than its data fails the read naming its rank and byte range.
 * NULL with *fellback set: a cut was not a record start (a quote inside an
 * unquoted field misleads quote parity); the caller reads the file whole. */
sg_table *sg_mpi_assemble(sg_csv_part *p0, int n, const uint64_t *cuts, sg_mpi_get_fn get, void *ud,
                          const char *path, sg_csv_report *report, sg_error *err, int *fellback);

/* The whole distributed read in one process, n parts (for tests): the
 * same table as sg_csv_read.  *fellback: the cuts were not record
 * boundaries and the file was read whole. */
sg_table *sg_mpi_read_local(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                            sg_error *err, int *fellback);

#endif
