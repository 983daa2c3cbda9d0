/* Writing tables as CSV, atomically (core/csvwrite.c). */
#ifndef SG_CSVWRITE_H
#define SG_CSVWRITE_H

#include <stdio.h>

#include "table.h"

/* ---- CSV writing ---- */
/* Writes a header and every row, RFC 4180 quoting, LF line endings.
 * Written to a temporary file in the same directory, then renamed over
 * path, so readers never see a partial file; on failure nothing is left. */
int sg_table_write_csv(const sg_table *t, const char *path, char delim, sg_error *err);
/* The same with the dialect: delimiter, decimal mark ('.' or ',', never the
 * delimiter) and a UTF-8 byte order mark first (Excel in a French locale:
 * ';', ',' and a BOM). */
typedef struct sg_csv_write_options {
    char delim;
    char decimal;
    int bom;
} sg_csv_write_options;
int sg_table_write_csv_opts(const sg_table *t, const char *path, const sg_csv_write_options *o, sg_error *err);
/* The same format to an open stream (no atomicity). */
int sg_table_write_csv_stream(const sg_table *t, FILE *f, char delim, sg_error *err);

#endif
