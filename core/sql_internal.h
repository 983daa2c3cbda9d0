/* Internal to the SQL readers (sql.c: the column builder, masking and
 * dispatch; sql_sqlite.c; sql_pg.c) and the run history (history*.c),
 * which reads its own tables through the SQLite reader. */
#ifndef SG_SQL_INTERNAL_H
#define SG_SQL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "sql.h"

/* ---- the column builder: values pushed row by row into typed columns ---- */

typedef struct sg_sql_col {
    char *name;
    char decl[48];        /* the database's type name, for messages */
    int fixed;            /* the type is fixed (declared or overridden) */
    int date_decl;        /* declared a date (no time of day): printed as dates even when empty */
    int has_type;         /* the type is known (fixed, or from a first value) */
    sg_type type;
    sg_column *col;       /* created once the type is known */
    size_t pending;       /* missing values seen before the type was known */
} sg_sql_col;

typedef struct sg_sql_builder {
    const char *source;   /* "sqlite:shop.db", "postgresql 'host=db ...'" (masked) */
    sg_sql_col *cols;
    size_t ncols;
    size_t row;           /* rows completed */
} sg_sql_builder;

/* Sets up ncols columns (names copied; each starts without a type). */
int sg_sql_builder_init(sg_sql_builder *b, const char *source, size_t ncols, sg_error *err);
void sg_sql_builder_free(sg_sql_builder *b);
/* Names column j and fixes its type when has_type (decl: the database's
 * type name for messages).  Overrides in o->types take precedence. */
int sg_sql_builder_column(sg_sql_builder *b, size_t j, const char *name, const char *decl,
                          int has_type, sg_type type, const sg_sql_options *o, sg_error *err);
/* Value of column j of the current row; each returns 0 or an error code
 * (SG_EDATA naming the row and column, SG_ENOMEM). */
int sg_sql_push_null(sg_sql_builder *b, size_t j, sg_error *err);
int sg_sql_push_int(sg_sql_builder *b, size_t j, int64_t v, sg_error *err);
int sg_sql_push_double(sg_sql_builder *b, size_t j, double v, int julian, sg_error *err);
int sg_sql_push_text(sg_sql_builder *b, size_t j, const char *s, size_t len, sg_error *err);
/* Ends a row. */
static inline void sg_sql_row_done(sg_sql_builder *b) { b->row++; }
/* The finished table (the builder is emptied and can only be freed). */
sg_table *sg_sql_builder_finish(sg_sql_builder *b, sg_error *err);

/* Datetime text (ISO with optional T, fractions, Z or +HH[:MM]) to
 * seconds since the epoch; 0 on success. */
int sg_sql_parse_datetime(const char *s, size_t len, int64_t *out);

/* Whether s is a PostgreSQL URI (postgresql:// or postgres://). */
int sg_sql_is_uri(const char *s);

/* ---- SQLite ---- */

/* Runs one read-only statement on an open connection; `source` names it
 * in messages.  Used by sg_sql_read and the run history. */
sg_table *sg_sqlite_query(sqlite3 *db, const char *source, const char *sql, const sg_sql_options *o,
                          sg_error *err);
sg_table *sg_sql_sqlite_read(const char *path, const char *query, const sg_sql_options *o,
                             sg_error *err);

/* ---- PostgreSQL ---- */
sg_table *sg_sql_pg_read(const char *conninfo, const char *query, const sg_sql_options *o,
                         sg_error *err);

#endif
