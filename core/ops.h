/* Whole-column operations on datasets, all in C (no per-row callbacks):
 * statistics, expressions (filter and derived columns), group-by,
 * joins, sorting and CSV writing. */
#ifndef SG_OPS_H
#define SG_OPS_H

#include <stddef.h>
#include <stdio.h>

#include "table.h"

/* ---- statistics ---- */
typedef struct sg_stats {
    size_t count;      /* non-missing values */
    size_t missing;
    double sum, mean, sd;   /* sd: sample standard deviation (n-1); NaN if count < 2 */
    double min, max;
    double q25, median, q75;
} sg_stats;

/* Numeric columns (INT64, DOUBLE, DATETIME, BOOL); SG_EINVAL otherwise.
 * Quantiles interpolate linearly between order statistics (the default
 * of R type 7 and numpy).  With count == 0 the figures are NaN. */
int sg_column_stats(const sg_column *c, sg_stats *out, sg_error *err);
/* probs in [0,1]; out receives np values (NaN when no value present). */
int sg_column_quantiles(const sg_column *c, const double *probs, size_t np,
                        double *out, sg_error *err);
/* Distinct non-missing values. */
size_t sg_column_count_distinct(const sg_column *c);
/* One row per column: column, type, count, missing, distinct, mean, sd,
 * min, q25, median, q75, max (numeric figures missing for strings; for
 * datetimes min/max/quantiles stay datetimes in the text columns). */
sg_table *sg_table_describe(const sg_table *t, sg_error *err);

/* ---- expressions ----
 * A small vectorised language over the columns of a table:
 *   literals   12  3.5  'text'  "text"  true  false  date('2011-12-09')
 *   columns    Quantity   `Unit Price`   (backquotes for other names)
 *   arithmetic + - * / %  unary -     (int64 op int64 stays int64 except /)
 *   comparison == != ~= < <= > >=    (strings compare bytewise)
 *   logic      and or not   (also && || !)
 *   membership x in ('a', 'b', 3)
 *   functions  abs log log1p exp sqrt floor ceil round(x[,digits]) pow(x,y)
 *              min(a,b) max(a,b) is_missing(x) coalesce(a,b)
 *              starts_with(s,'C') ends_with(s,'x') contains(s,'x') lower(s) upper(s) length(s)
 *              year(d) month(d) day(d) weekday(d) (1=Monday) hour(d)
 *              date(d) (midnight of d)  days(d) (days since 1970-01-01)
 *              days_between(a,b) (b-a in days)  month_start(d)
 *              if(cond, a, b)
 *   datetime - datetime gives days (double); datetime +/- number adds days.
 * Missing values propagate through arithmetic and functions; comparisons
 * with a missing value are missing, and a filter keeps only rows whose
 * condition is true (so missing drops the row).  */
typedef struct sg_expr sg_expr;

sg_expr *sg_expr_parse(const char *src, const sg_table *schema, sg_error *err);
void sg_expr_free(sg_expr *e);
/* The type the expression yields on the schema it was parsed against. */
sg_type sg_expr_type(const sg_expr *e);
/* Evaluates over every row of t (which must have the parse schema's
 * columns); returns a new column called name. */
sg_column *sg_expr_eval(const sg_expr *e, const sg_table *t, const char *name, sg_error *err);

/* Rows where expr is true. */
sg_table *sg_table_filter(const sg_table *t, const char *expr, sg_error *err);
/* Rows where mask[i] != 0 (mask has t->nrows entries). */
sg_table *sg_table_filter_mask(const sg_table *t, const uint8_t *mask, sg_error *err);
/* A new table with column name = expr added (or replaced). */
sg_table *sg_table_derive(const sg_table *t, const char *name, const char *expr, sg_error *err);

/* ---- group-by ---- */
typedef enum sg_agg_kind {
    SG_AGG_COUNT,           /* rows in the group (col NULL) or non-missing values of col */
    SG_AGG_COUNT_DISTINCT,  /* distinct non-missing values of col */
    SG_AGG_SUM,
    SG_AGG_MEAN,
    SG_AGG_SD,
    SG_AGG_MIN,             /* keeps the column type (datetime stays datetime, strings compare bytewise) */
    SG_AGG_MAX,
    SG_AGG_QUANTILE,        /* q in [0,1], type 7 */
    SG_AGG_FIRST,           /* first / last non-missing value in row order */
    SG_AGG_LAST
} sg_agg_kind;

typedef struct sg_agg {
    const char *out;        /* output column name */
    sg_agg_kind kind;
    const char *col;        /* input column (NULL allowed for COUNT) */
    double q;               /* SG_AGG_QUANTILE only */
} sg_agg;

int sg_agg_parse(const char *name, sg_agg_kind *out);   /* "count", "sum", ... */
const char *sg_agg_name(sg_agg_kind k);

/* One row per distinct key combination (missing keys form their own
 * group), sorted by the keys ascending with missing last; key columns
 * first, then one column per aggregate.  SUM of int64 stays int64, MEAN,
 * SD and QUANTILE give double, COUNT and COUNT_DISTINCT give int64. */
sg_table *sg_table_group_by(const sg_table *t, const char *const *keys, size_t nkeys,
                            const sg_agg *aggs, size_t naggs, sg_error *err);

/* ---- joins ---- */
typedef enum sg_join_kind { SG_JOIN_INNER, SG_JOIN_LEFT } sg_join_kind;

/* Joins on equal keys (strings by text, numbers by value; missing keys
 * never match).  Output: every left column, then the right columns that
 * are not join keys; a right column whose name is taken gets `suffix`
 * appended.  Rows come in left order; several right matches give several
 * rows, in right order.  A left join keeps unmatched left rows with
 * missing right values. */
sg_table *sg_table_join(const sg_table *left, const sg_table *right,
                        const char *const *left_keys, const char *const *right_keys,
                        size_t nkeys, sg_join_kind how, const char *suffix, sg_error *err);

/* ---- sorting ---- */
/* Stable sort by the columns, each ascending or descending (desc[i] != 0);
 * missing values last in either direction. */
sg_table *sg_table_sort(const sg_table *t, const char *const *cols, const int *desc,
                        size_t n, sg_error *err);
/* The row order that sg_table_sort would use (caller frees with sg_free). */
size_t *sg_table_order(const sg_table *t, const char *const *cols, const int *desc,
                       size_t n, sg_error *err);

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
