/* Excel workbooks (.xlsx) on libxlsxwriter: one sheet per table, numbers
 * as numbers, datetimes as Excel dates, money columns with two decimals,
 * a bold frozen header row and an autofilter.  The file is written to a
 * temporary name beside the target and renamed over it only when complete,
 * and the same tables and creation time give the same bytes. */
#ifndef SG_XLSX_H
#define SG_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "table.h"

/* Excel's limits: a sheet name holds 31 characters; a sheet 1,048,576
 * rows (one of them the header) and 16,384 columns; a cell 32,767
 * characters. */
#define SG_XLSX_NAME_CHARS 31
#define SG_XLSX_NAME_SIZE (SG_XLSX_NAME_CHARS * 4 + 1)
#define SG_XLSX_MAX_ROWS 1048575u
#define SG_XLSX_MAX_COLS 16384u
#define SG_XLSX_MAX_TEXT 32767u

typedef struct sg_xlsx_sheet {
    const char *name;              /* wished name; sanitised (see below) */
    const sg_table *table;
    const unsigned char *money;    /* NULL, or per column 1: number format #,##0.00 */
    const unsigned char *dates;    /* NULL, or per column 1: a text column of dates
                                      (YYYY-MM-DD[ HH:MM:SS]) written as dates */
} sg_xlsx_sheet;

typedef struct sg_xlsx_options {
    int64_t created;               /* docProps/core.xml creation time, seconds since 1970 (UTC) */
    const char *title;             /* NULL or the document title */
} sg_xlsx_options;

/* A valid sheet name from a wished one: the characters [ ] : * ? / \
 * become '_', control characters are dropped, a leading or trailing
 * apostrophe is dropped, the result is cut to 31 characters (UTF-8 aware;
 * invalid bytes become '_'), and an empty name becomes "Sheet".  Then it
 * is made unique among used[0..nused) (Excel compares names without case)
 * by a suffix " (2)", " (3)", ...; "History" is reserved by Excel and
 * gets one too.  out has SG_XLSX_NAME_SIZE bytes. */
void sg_xlsx_sheet_name(const char *wish, const char *const *used, size_t nused, char *out);

/* Writes the workbook.  Returns 0, or an error code with err set:
 * SG_EINVAL for a table Excel cannot hold (rows, columns, a text too
 * long), SG_EDATA for a value of a `dates` column that is not a date
 * (naming the sheet, column and row), SG_EIO for a file error, SG_ENOMEM. */
int sg_xlsx_write(const char *path, const sg_xlsx_sheet *sheets, size_t nsheets,
                  const sg_xlsx_options *opts, sg_error *err);

#endif
