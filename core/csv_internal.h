/* Internal to the CSV reader (csv.c: the libcsv callbacks and staging,
 * csv_read.c: reading the file, byte ranges, threads and sg_csv_read,
 * csv_build.c: typed columns, csv_infer.c: value parsing and type
 * inference).  Not part of the public API. */
#ifndef SG_CSV_INTERNAL_H
#define SG_CSV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"

/* How one column is converted: its type and, per dictionary code, the
 * typed value (vals) and whether the text fails to convert (bad). */
typedef struct sg_csv_plan {
    sg_type type;
    sg_date_format fmt;   /* SG_DATETIME only */
    int date_only;        /* SG_DATETIME: every value is at midnight */
    void *vals;           /* per code: int64_t (INT64, DATETIME), double, uint8_t (BOOL);
                           * NULL for STRING */
    uint8_t *bad;         /* NULL, or 1 per code whose text does not convert (overrides only) */
    size_t nbad;
    char note[192];       /* "inferred int64", "override datetime (DD/MM/YYYY)", ... */
} sg_csv_plan;

/* Builds the plan of a column from its distinct values (d may be NULL when
 * every value is missing).  used (NULL: all) marks the codes some kept row
 * refers to; the others are ignored.  ov is the override for this column
 * or NULL; mdy is opt->date_order_mdy.  Returns 0 or SG_ENOMEM. */
int sg_csv_plan_column(const sg_dict *d, const uint8_t *used, const sg_csv_override *ov, int mdy,
                       sg_csv_plan *p);
void sg_csv_plan_free(sg_csv_plan *p);
/* "an int64", "a double", "a bool", "a datetime (DD/MM/YYYY)": what a bad value is not. */
void sg_csv_plan_expected(const sg_csv_plan *p, char *buf, size_t size);

/* Value parsers; surrounding spaces and tabs are ignored.  0 on success. */
int sg_csv_parse_i64(const char *s, size_t len, int64_t *out);
int sg_csv_parse_f64(const char *s, size_t len, double *out);
/* inf, infinity, nan (any case, signed) or a decimal beyond the double
 * range: text that looks like a number but is not read as one. */
int sg_csv_not_finite(const char *s, size_t len);

int sg_csv_utf8_valid(const unsigned char *s, size_t len);
/* Writes the UTF-8 form of Latin-1 text s into out (room for 2*len bytes);
 * returns the length written. */
size_t sg_csv_latin1_to_utf8(const unsigned char *s, size_t len, char *out);

/* For tests and fuzzers only (not thread-safe): read in blocks of `block`
 * bytes, cut files of `split` bytes or more into ranges, and decide the
 * typed speculation after `sample` rows; block 0 restores the shipped
 * sizes (256 KB blocks, 4 MB, 4096 rows). */
void sg_csv_tune(size_t block, uint64_t split, size_t sample);

/* Appends a sentence to the report's warnings.  Returns 0 or SG_ENOMEM. */
int sg_csv_warn(sg_csv_report *rep, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* n with thousands separators ("1,203") in buf (at least 32 bytes). */
const char *sg_csv_count(uint64_t n, char *buf);

/* Copies text for a message into buf: at most 60 bytes, control bytes
 * shown as '?', "..." when cut (never inside a UTF-8 sequence). */
const char *sg_csv_show(const char *s, size_t len, char *buf, size_t size);
/* Picks the delimiter from the start of the file (see csv_infer.c); also
 * returns the lines and bytes of the sample to estimate the row count.
 * whole: buf is the whole file. */
char sg_csv_detect_delim(const char *buf, size_t len, int whole, size_t *lines, size_t *bytes);

/* ---- typed speculation (csv.c, csv_infer.c) ----
 * After SG_CSV_SAMPLE_ROWS data rows, a column whose distinct values all
 * parse as int64, double or a datetime of one unambiguous layout stops
 * using its dictionary and parses its fields straight into 8-byte values.
 * A value that does not fit turns the column SG_CSV_OFF: the pass is then
 * run again with that column in dictionary mode (see csv.c). */
#define SG_CSV_SAMPLE_ROWS 4096
extern size_t sg_csv_sample_rows;     /* SG_CSV_SAMPLE_ROWS, but for sg_csv_tune */
#define SG_CSV_MEMO 32        /* typed columns remember the previous text up to this length */
#define SG_CSV_TYPED_MAX 64   /* a longer field in a typed column falls back */

enum {
    SG_CSV_DICT = 0,   /* int32 codes into a per-column dictionary (-1: missing) */
    SG_CSV_I64,        /* int64 values */
    SG_CSV_F64,        /* double values */
    SG_CSV_DT,         /* int64 seconds, layout fmt */
    SG_CSV_OFF         /* fell back: ignored until the pass is run again */
};

struct sg_csv_cache_entry;

/* Dictionary lookups are pipelined: a field that misses the cache is
 * queued (its text copied, its slot prefetched) and interned once
 * SG_CSV_PIPE_DEPTH more have been queued, in queue order, so codes still
 * follow the file order.  csv.c flushes the queue before anything that
 * needs every earlier value interned. */
#define SG_CSV_PIPE_CAP 32
#define SG_CSV_PIPE_DEPTH 16
#define SG_CSV_PIPE_TEXT 65536
#define SG_CSV_PIPE_MAXLEN 256
#define SG_CSV_PIPE_MIN_DICT 32768   /* smaller dictionaries stay in the caches: no queue */

typedef struct sg_csv_pending {
    size_t j;            /* column */
    uint64_t seq;        /* queue order */
    int repeat;          /* the same text as the column's previous value: no text kept */
    size_t row;          /* where the code goes */
    uint64_t line;       /* record line, for a UTF-8 error */
    uint64_t records;    /* records counted when it was queued */
    uint32_t len, hash, off;
    unsigned hi;
} sg_csv_pending;

typedef struct sg_csv_col {
    int mode;
    sg_date_format fmt;                 /* SG_CSV_DT */
    sg_dict *dict;                      /* SG_CSV_DICT; NULL until a value is seen */
    void *data;                         /* cap rows: int32 codes or 8-byte values */
    uint8_t *na;                        /* typed: bitmap of cap bits, NULL while none missing */
    struct sg_csv_cache_entry *cache;   /* SG_CSV_DICT: in front of the dictionary */
    uint32_t cache_looks, cache_hits;   /* of the current window */
    uint32_t cache_skip;                /* fields left that bypass the cache */
    int pend_double;                    /* SG_CSV_I64: the current record needs doubles */
    int memo_ok;                        /* the previous field's text and value (typed) */
    size_t memo_len;                    /* ... or code (dictionary: memo_code, -2 while */
    uint64_t memo_val;                  /* queued as item memo_seq) */
    uint32_t memo_hash;
    int32_t memo_code, last_code;       /* last_code: of the last value interned */
    uint32_t npend;                     /* values of the column in the queue */
    int big;                            /* the dictionary is big enough to queue lookups */
    uint64_t memo_seq;
    char memo[SG_CSV_MEMO];
} sg_csv_col;

/* Chooses the typed mode of a column from the distinct values of its
 * sample (used: NULL, or the codes kept rows refer to); SG_CSV_DICT when
 * no speculation is safe.  On a typed mode, *vals (allocated) holds each
 * used code's value. Returns 0 or SG_ENOMEM. */
int sg_csv_speculate(const sg_dict *d, const uint8_t *used, int *mode, sg_date_format *fmt,
                     uint64_t **vals);
/* The plan of a typed column (its values are already staged). */
void sg_csv_plan_typed(int mode, sg_date_format fmt, sg_csv_plan *p);
int sg_csv_parse_dt(const char *s, size_t len, sg_date_format fmt, int64_t *out);

typedef struct sg_csv_line_adj {
    size_t row;       /* from this staged row on ... */
    uint64_t line;    /* ... row r starts on line + (r - row) */
} sg_csv_line_adj;

/* The staging of one byte range of the file (the whole file when reading
 * on one thread).  Chunks after the first share the first one's header
 * (names, raw, ov) and do not own it. */
typedef struct sg_csv_reader {
    const char *path;
    const sg_csv_options *opt;
    sg_error *err;
    sg_error own_err;   /* err of the chunks after the first */
    int failed;         /* err is set: ignore further callbacks */
    int structural;     /* the failure is a row-shape error (a type error before it wins) */
    int stop;           /* max_rows reached */
    int shared;         /* names, raw and ov belong to another reader */
    /* missing markers */
    const char *const *na;
    size_t nna, na_maxlen;
    size_t na_len[64];
    uint8_t na_first[256];
    int na_empty;
    /* position */
    uint64_t line;      /* physical line the parser is on */
    uint64_t rec_line;  /* line where the current record starts */
    int last_cr;        /* the last row end was a CR (a following LF is the same line end) */
    size_t nf;          /* fields seen in the current record */
    int first_blank;    /* the record's first field holds only blanks */
    /* header */
    int in_header;
    char **names;       /* final (unique) column names */
    char **raw;         /* NULL, or the header text of a renamed column */
    size_t nnames, names_cap;
    const sg_csv_override **ov;
    uint8_t *expect;    /* NULL, or per column the sg_csv_kind it must hold (0: any) */
    /* staging */
    size_t ncols;
    sg_csv_col *cols;
    unsigned cache_bits;
    size_t nrows, cap, cap_hint;
    uint64_t size;      /* bytes of the range, 0 when unknown */
    uint64_t records, dropped;
    sg_csv_line_adj *adj;
    size_t nadj, adj_cap;
    /* speculation */
    const uint8_t *force_dict;   /* NULL, or 1 per column that must keep its dictionary */
    int spec_done;               /* the sample decision is made (or not to be made) */
    int fellback;                /* some column is SG_CSV_OFF */
    int any_pend;                /* some column has pend_double set */
    /* pipelined dictionary lookups */
    sg_csv_pending pipe[SG_CSV_PIPE_CAP];
    size_t pipe_head, pipe_count, pipe_pos;
    uint64_t pipe_seq;
    char *pipe_text;
    /* quotes not closed properly (lenient_quotes) */
    int quote_bad;              /* the field being parsed has one: count it when it ends
                                 * (2: it runs to the end of the file) */
    uint64_t bad_quotes, lines_merged, bq_line;
    size_t bq_field;
    /* skip mode */
    uint64_t skipped;
    sg_csv_issue issues[5];
    size_t nissues;
    char *scratch;
    size_t scratch_cap;
    /* NULL, or ncols entries (the caller's) that sg_csv_build fills with
     * the date layout of each column's plan (SG_DATE_UNKNOWN but for
     * datetime columns): what a distributed read's other parts need to
     * type their rows as the table was typed (core/mpi_comm.c) */
    sg_date_format *plan_fmts;
    /* NULL, or (a list of files read as one, core/csv_list.c) the file of
     * each row: file i's rows end before row file_rows[i] (the caller's) */
    const size_t *file_rows;
    const char *const *file_paths;
    size_t nfiles;
    /* dict_only: the staging holds the columns' merged dictionaries and
     * modes but no rows (nrows 0; dict_rows the rows they stand for): a
     * distributed read deciding the schema without the rows (sg_mpi_meta_*, core/mpi_part.c).
     * sg_csv_build then sets needs_rows instead of anything that would
     * look at the rows (a value an override cannot convert, an expected
     * column of another kind, a suspect when tallies is NULL), and builds
     * the columns without rows. */
    int dict_only, needs_rows;
    size_t dict_rows;
    /* dict_only: NULL, or per column the parts' suspect tallies reduced
     * (sg_csv_tally, codes of the merged dictionaries; the caller's), from
     * which a suspect's report entry is made without its rows */
    const struct sg_csv_tally *tallies;
} sg_csv_reader;

/* What the suspect check (csv_check.c) needs of a text column's rows, per
 * criterion k: 0 numbers, 1..5 the date layout of that sg_date_format
 * (SG_DATE_COMPACT is never a suspect's layout: left at zero).  The count
 * of rows with a value, the count of those whose value fails the
 * criterion, and the first distinct failing values (codes of the column's
 * dictionary) with their lines, in file order.  A distributed read's parts
 * each tally their rows; summing the counts and taking the first values in
 * part order (the merged dictionary's codes) gives the whole file's. */
#define SG_CSV_TALLY_KINDS 6
#define SG_CSV_TALLY_FIRST 3   /* as many as a suspect's message names */
typedef struct sg_csv_tally {
    uint64_t rows;
    uint64_t bad[SG_CSV_TALLY_KINDS];
    uint64_t nfirst[SG_CSV_TALLY_KINDS];
    uint64_t line[SG_CSV_TALLY_KINDS][SG_CSV_TALLY_FIRST];
    int32_t code[SG_CSV_TALLY_KINDS][SG_CSV_TALLY_FIRST];
} sg_csv_tally;

/* The tally of column j of r's staged rows (all zero but for a dictionary
 * column with values).  0 or SG_ENOMEM. */
int sg_csv_tally_column(const sg_csv_reader *r, size_t j, sg_csv_tally *t);

int sg_csv_fail_nomem(sg_csv_reader *r);

/* The states of libcsv's parser (struct csv_parser's pstate) that the
 * readers look at: libcsv's header declares the field but not its values. */
#define LIBCSV_ROW_NOT_BEGUN 0            /* between records */
#define LIBCSV_FIELD_BEGUN 2              /* inside a field */
#define LIBCSV_FIELD_MIGHT_HAVE_ENDED 3   /* after a quote inside a quoted field */

/* ---- records without quotes (csv_plain.c) ----
 * sg_csv_feed gives len bytes to the callbacks: the quote-free records
 * itself, with pointers into data, and the rest through libcsv's parser p
 * (by the feeder's libcsv function, which calls csv_parse and returns
 * the bytes it consumed).  halted: the callbacks want nothing more (the
 * rest of the block is then taken as consumed).  Returns the bytes
 * consumed: len, unless libcsv's function returned less. */
struct csv_parser;
typedef struct sg_csv_feeder {
    struct csv_parser *p;
    void (*on_field)(void *data, size_t len, void *ud);
    void (*on_row)(int ch, void *ud);
    size_t (*libcsv)(void *ud, struct csv_parser *p, const char *data, size_t len);
    int (*halted)(void *ud);
    void *ud;
} sg_csv_feeder;

size_t sg_csv_feed(const sg_csv_feeder *f, const char *data, size_t len);
/* 1 (the default): quote-free records skip libcsv; the tests and fuzzers
 * set 0 to read a file through libcsv alone and compare */
extern int sg_csv_plain_records;

/* ---- the staging of one pass (csv.c), driven by csv_read.c ---- */

/* libcsv's field and row callbacks; ud is the range's sg_csv_reader. */
void sg_csv_on_field(void *data, size_t len, void *ud);
void sg_csv_on_row(int ch, void *ud);
/* Interns every queued dictionary lookup.  Returns r->failed. */
int sg_csv_pipe_flush(sg_csv_reader *r);
/* Allocates the staging of every column for r->cap rows; modes/fmts NULL:
 * all dictionary mode.  Returns 0 or an error code (r->failed set). */
int sg_csv_alloc_cols(sg_csv_reader *r, const int *modes, const sg_date_format *fmts);

/* Physical line (1-based) where staged row `row` starts. */
uint64_t sg_csv_line_of_row(const sg_csv_reader *r, size_t row);
/* The file of staged row `row` (r->path but for a list of files). */
const char *sg_csv_path_of_row(const sg_csv_reader *r, size_t row);
/* Appends the staging of b (the next byte range) to a and frees b's
 * staging: dictionaries of b are merged into a's in b's code order, so
 * the codes are those of one sequential pass.  Returns 0 or SG_ENOMEM. */
int sg_csv_merge(sg_csv_reader *a, sg_csv_reader *b);
/* Gives freed heap memory back to the system (glibc keeps it otherwise). */
void sg_csv_trim_heap(void);
/* Frees the staging of column j. */
void sg_csv_col_free(sg_csv_col *c);
/* After inference (csv_check.c): records the suspects in rep (may be
 * NULL) and fails (r->failed, SG_EDATA) on an expected column that is not
 * of its kind.  bad_rows: NULL, or the rows skip mode drops.  Returns 0 or
 * an error code. */
int sg_csv_check_columns(sg_csv_reader *r, const sg_csv_plan *plans, const uint8_t *bad_rows,
                         sg_csv_report *rep);
/* Turns the staging into the table (NULL with r->err set on failure). */
sg_table *sg_csv_build(sg_csv_reader *r, sg_csv_report *rep);

/* ---- distributed reads (core/mpi_part.c, core/mpi_comm.c) ---- */

/* Quote parity and line ends of bytes scanned so far (the threaded
 * reader's cut finder: a record starts after a LF preceded by an even
 * number of quotes). */
typedef struct sg_csv_scan_state {
    int odd;                 /* an odd number of quotes so far */
    uint64_t lines;          /* line ends so far: LF, and CR not followed by LF */
    unsigned char prev;      /* the byte before the next one (a CR is counted at the next byte) */
} sg_csv_scan_state;

void sg_csv_scan(sg_csv_scan_state *st, const unsigned char *b, size_t len);
void sg_csv_scan_byte(sg_csv_scan_state *st, unsigned char ch);

/* One part of a file read by one process of a distributed read. */
typedef struct sg_csv_part {
    sg_csv_reader r;      /* its staging, with its own copy of the header; r.err is &r.own_err */
    char delim;           /* the delimiter used */
    uint64_t size;        /* the file's size */
    int at_boundary;      /* the parse ended between records on next_line0 (or at the end of the file) */
} sg_csv_part;

/* The typed speculation of a distributed read: the first part decides
 * the column modes after its sample (decided is called once, with the
 * reader, when it has: its cols[j].mode and fmt are the decision unless
 * it failed or is still in the header), the other parts stage their
 * columns in those modes (modes NULL, or ncols not theirs: dictionary). */
typedef struct sg_csv_part_modes {
    const int *modes;
    const sg_date_format *fmts;
    size_t ncols;
    void (*decided)(void *ud, const sg_csv_reader *r);
    void *ud;
} sg_csv_part_modes;

/* Parses the header [0, hdr_end) and then [from, to) of path (to:
 * UINT64_MAX for the end of the file, where the parse is finished;
 * from 0: the header and what follows up to to, with the speculation of
 * a first range), row lines counted from line0.  Returns 0 (a parse
 * failure is out->r.failed with out->r.own_err), or -1 when the file
 * cannot be opened (out->r.failed, own_err set; decided not called).
 * Free with sg_csv_part_free. */
int sg_csv_part_read(const char *path, const sg_csv_options *opt, uint64_t hdr_end, uint64_t from,
                     uint64_t to, uint64_t line0, uint64_t next_line0, const sg_csv_part_modes *spec,
                     sg_csv_part *out);
void sg_csv_part_free(sg_csv_part *p);
void sg_csv_reader_free(sg_csv_reader *r);
/* The end of sg_csv_read: report, warnings and build from r's staging. */
sg_table *sg_csv_finish(sg_csv_reader *r, const char *path, char delim, uint64_t bytes,
                        sg_csv_report *report, sg_error *err);

/* Line counting for libcsv's end-of-record callback (parsers run with
 * CSV_REPALL_NL, so every unquoted CR and LF is reported): advances *line
 * for a line end and returns 1 when the callback ends a record of nf
 * fields, 0 for a blank line or the LF of a CRLF (a CRLF is one line end).
 * Used by the reader and by the streaming RFM pass. */
static inline int sg_csv_row_end(uint64_t *line, int *last_cr, size_t nf, int ch)
{
    if (nf == 0) {
        if (ch == '\n' && *last_cr) {
            *last_cr = 0;
        } else if (ch >= 0) {
            (*line)++;
            *last_cr = ch == '\r';
        }
        return 0;
    }
    if (ch >= 0)
        (*line)++;
    *last_cr = ch == '\r';
    return 1;
}

#endif
