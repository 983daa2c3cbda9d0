/* Vectorised expressions over the columns of a table, and the filters and
 * derived columns built on them (core/expr*.c). */
#ifndef SG_EXPR_H
#define SG_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

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

#endif
