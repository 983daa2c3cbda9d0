/* Internal to the CSV reader (csv.c: the libcsv pass, csv_build.c: typed
 * columns, csv_infer.c: value parsing and type inference).  Not part of
 * the public API. */
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

int sg_csv_utf8_valid(const unsigned char *s, size_t len);
/* Writes the UTF-8 form of Latin-1 text s into out (room for 2*len bytes);
 * returns the length written. */
size_t sg_csv_latin1_to_utf8(const unsigned char *s, size_t len, char *out);

/* Copies text for a message into buf: at most 60 bytes, control bytes
 * shown as '?', "..." when cut (never inside a UTF-8 sequence). */
const char *sg_csv_show(const char *s, size_t len, char *buf, size_t size);
/* Picks the delimiter from the start of the file (see csv_infer.c); also
 * returns the lines and bytes of the sample to estimate the row count.
 * whole: buf is the whole file. */
char sg_csv_detect_delim(const char *buf, size_t len, int whole, size_t *lines, size_t *bytes);

typedef struct sg_csv_line_adj {
    size_t row;       /* from this staged row on ... */
    uint64_t line;    /* ... row r starts on line + (r - row) */
} sg_csv_line_adj;

typedef struct sg_csv_reader {
    const char *path;
    const sg_csv_options *opt;
    sg_error *err;
    int failed;         /* err is set: ignore further callbacks */
    int structural;     /* the failure is a row-shape error (a type error before it wins) */
    int stop;           /* max_rows reached */
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
    /* staging */
    size_t ncols;
    sg_dict **dicts;
    int32_t **codes;
    struct sg_csv_cache_entry **cache;   /* per column, in front of the dictionary */
    unsigned cache_bits;
    size_t nrows, cap, cap_hint;
    uint64_t size;      /* file size, 0 when unknown */
    uint64_t records, dropped;
    sg_csv_line_adj *adj;
    size_t nadj, adj_cap;
    /* skip mode */
    uint64_t skipped;
    sg_csv_issue issues[5];
    size_t nissues;
    char *scratch;
    size_t scratch_cap;
} sg_csv_reader;

int sg_csv_fail_nomem(sg_csv_reader *r);
/* Physical line (1-based) where staged row `row` starts. */
uint64_t sg_csv_line_of_row(const sg_csv_reader *r, size_t row);
/* Turns the staging into the table (NULL with r->err set on failure). */
sg_table *sg_csv_build(sg_csv_reader *r, sg_csv_report *rep);

#endif
