/* CSV reading on libcsv: delimiter detection, quoted fields, BOM, CRLF,
 * whole-column type inference with per-column overrides, missing markers,
 * date detection, Latin-1 conversion, and errors that name the file, line,
 * column and offending text. */
#ifndef SG_CSV_H
#define SG_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "datetime.h"
#include "table.h"

typedef struct sg_csv_override {
    const char *column;      /* header name */
    sg_type type;
    sg_date_format format;   /* SG_DATETIME only; SG_DATE_UNKNOWN = detect */
    /* SG_STRING only, a distributed read (core/mpi_part.c): rank 0 does not
     * need the column's strings (no step reads them there), so the ranks
     * keep them and send rank 0 none; one process ignores it */
    int ranks_only;
} sg_csv_override;

/* What a column must hold (expect): numbers are int64 or double columns,
 * dates datetime columns. */
typedef enum sg_csv_kind {
    SG_CSV_NUMBERS = 1,
    SG_CSV_DATES
} sg_csv_kind;

typedef struct sg_csv_expect {
    const char *column;      /* header name */
    sg_csv_kind kind;
} sg_csv_expect;

typedef void (*sg_csv_progress_fn)(void *ud, uint64_t bytes_done, uint64_t bytes_total);

typedef struct sg_csv_options {
    char delim;                     /* 0: detect among , ; TAB | */
    int latin1;                     /* convert Latin-1 input to UTF-8 */
    int skip_bad_rows;              /* on_error = "skip" */
    const sg_csv_override *overrides;
    size_t noverrides;
    const char *const *na;          /* missing markers; NULL: "", "NA", "null", "NULL", "N/A", "NaN" */
    size_t nna;
    int date_order_mdy;             /* ambiguous slash dates: 0 day first (default), 1 month first */
    size_t max_rows;                /* 0: all */
    /* Quotes: by default a quoted field must close before the end of the
     * file and its closing quote be followed by a delimiter or a line end,
     * else the read fails naming the opening quote.  lenient_quotes reads
     * such fields as libcsv's lenient mode does (the quote and what follows
     * are text, the field goes on to the next closing quote, even over
     * line ends) and counts them in the report.  A quote inside an
     * unquoted field (12" screen) is text either way. */
    int lenient_quotes;
    /* Columns that must come out as numbers or dates: the read fails
     * (SG_EDATA) with file:line:column of the first value that is not one
     * (its column read as text otherwise), or when the header lacks the
     * column.  The columns' types are still inferred (or overridden). */
    const sg_csv_expect *expect;
    size_t nexpect;
    sg_csv_progress_fn progress;    /* may be NULL */
    void *progress_ud;
} sg_csv_options;

void sg_csv_options_init(sg_csv_options *o);

/* A column read as text although at least 90% of its distinct values are
 * numbers, or dates (of one layout, or of several mixed): the values that
 * made it text, so a bad value is named instead of silently turning the
 * column's type. */
typedef struct sg_csv_suspect {
    size_t column;            /* 0-based */
    sg_csv_kind kind;         /* what the other values are */
    sg_date_format format;    /* SG_CSV_DATES: the layout most values fit */
    uint64_t bad_rows;        /* rows whose value is not of that kind */
    uint64_t rows;            /* rows with a value (not missing) */
    size_t nfirst;
    struct {
        uint64_t line;        /* physical line */
        char text[64];        /* the value, cut to fit */
    } first[3];               /* the first distinct offending values, in file order */
    char *message;            /* "column 'InvoiceDate' read as text because line 1,203 has
                               * '2024-02-30': 1 of 5,000 values is not a date (YYYY-MM-DD)" */
} sg_csv_suspect;

/* One rejected row (on_error = "skip"). */
typedef struct sg_csv_issue {
    uint64_t line;        /* physical line in the file, 1-based (header is line 1) */
    int column;           /* 1-based field number, 0 for the whole row */
    char text[160];       /* "column 'Quantity': 'abc' is not an int64" */
} sg_csv_issue;

typedef struct sg_csv_report {
    uint64_t rows_read;       /* data records read */
    uint64_t rows_skipped;    /* rejected with skip_bad_rows */
    sg_csv_issue first[5];    /* the first few rejections */
    size_t nfirst;
    char delim;               /* delimiter used */
    uint64_t bytes;           /* file size */
    /* Per column: how its type was chosen, e.g. "inferred", "override",
     * "inferred: DD/MM/YYYY (day > 12 seen)", one entry per column. */
    char **notes;
    size_t nnotes;
    /* lenient_quotes: fields whose quote did not close properly, the line
     * ends they ran over (lines merged into them), and where the first
     * one opened (line, 1-based field) */
    uint64_t bad_quotes, lines_merged;
    uint64_t bad_quote_line;
    size_t bad_quote_field;
    /* Things worth a look that did not stop the read, one sentence each:
     * merged lines, columns read as text that were almost all numbers or
     * dates (see suspects). */
    char **warnings;
    size_t nwarnings;
    sg_csv_suspect *suspects;   /* their messages are also in warnings */
    size_t nsuspects;
} sg_csv_report;

void sg_csv_report_free(sg_csv_report *r);

/* The table of a list of n CSV files (core/csv_list.c): the rows of the
 * files in list order, as if they were concatenated without their
 * repeated header (one file: sg_csv_read itself).
 * Every file must have the first one's header (else SG_EDATA naming the
 * file and its first differing column); an empty list is SG_EINVAL, a
 * file that cannot be read SG_EIO naming it.  report->bytes is the size
 * of the concatenation (the files' bytes less the repeated headers). */
sg_table *sg_csv_read_list(const char *const *paths, size_t n, const sg_csv_options *opt, sg_csv_report *report,
                           sg_error *err);

/* Reads path into a new table.  On failure returns NULL with err set:
 * SG_EIO (cannot open/read), SG_EDATA ("file:line:column: message 'text'"),
 * SG_ENOMEM.  report may be NULL. */
sg_table *sg_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                      sg_error *err);

#endif
