/* Reading query results from SQL databases into tables: SQLite files
 * ("sqlite:PATH", through Debian's libsqlite3) and PostgreSQL servers (a
 * libpq connection string or URI).  Rows stream in (sqlite3_step; libpq's
 * single-row mode) and are pushed straight into typed columns, so memory
 * holds the result once, as for a CSV file.
 *
 * Column types come from the database:
 *   PostgreSQL  int2/int4/int8/oid -> int64; float4/float8/numeric -> double;
 *               bool -> bool; date, timestamp, timestamptz -> datetime
 *               (timestamptz in UTC); everything else -> string (its text).
 *   SQLite      the declared type of a table column, by SQLite's own
 *               affinity words: BOOL -> bool; DATE or TIME -> datetime;
 *               INT -> int64; CHAR, CLOB, TEXT -> string; REAL, FLOA,
 *               DOUB, NUMERIC, DECIMAL -> double.  Expressions and other
 *               declared types take the type of their values (integer,
 *               real, text; integers widen to double when a real follows;
 *               numbers turn to text when a text value follows).
 *   Overrides   sg_sql_options.types fixes the type of named columns.
 * A value that does not convert to its column's type is an error naming
 * the source, row and column.  Datetime columns print as dates when every
 * value is at midnight (as for CSV).  Datetimes are read from ISO text
 * ("2011-12-09 08:26:00", "T" separator, fractions of seconds dropped, a
 * "Z" or "+HH[:MM]" offset converted to UTC), from integers (seconds since
 * 1970-01-01) and, in SQLite, from reals (Julian day numbers).
 *
 * Connections are read-only: SQLite files are opened with
 * SQLITE_OPEN_READONLY (never created), PostgreSQL sessions run with
 * default_transaction_read_only.  Messages never contain a password: the
 * connection string is shown through sg_sql_mask, and any password text
 * the server or libpq echoes is replaced by "****". */
#ifndef SG_SQL_H
#define SG_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

typedef enum sg_sql_kind {
    SG_SQL_NULL = 0,
    SG_SQL_INT,
    SG_SQL_DOUBLE,
    SG_SQL_TEXT,
    SG_SQL_BOOL
} sg_sql_kind;

/* A query parameter ($1, $2... in PostgreSQL; ?, ?NNN in SQLite). */
typedef struct sg_sql_value {
    sg_sql_kind kind;
    int64_t i;          /* SG_SQL_INT; SG_SQL_BOOL (0 or 1) */
    double d;           /* SG_SQL_DOUBLE */
    const char *s;      /* SG_SQL_TEXT */
    size_t len;
} sg_sql_value;

/* A type override for one result column. */
typedef struct sg_sql_type {
    const char *column;
    sg_type type;
} sg_sql_type;

typedef struct sg_sql_options {
    const sg_sql_value *params;
    size_t nparams;
    const sg_sql_type *types;
    size_t ntypes;
    size_t max_rows;          /* 0: all */
} sg_sql_options;

void sg_sql_options_init(sg_sql_options *o);

/* Runs one read-only query and returns its result as a new table.  db is
 * "sqlite:PATH" or a PostgreSQL connection string ("host=... dbname=...")
 * or URI ("postgresql://user@host/db").  On failure returns NULL with err:
 * SG_EIO (cannot open the file, cannot connect, authentication),
 * SG_EDATA (the database refused the query, or a value does not convert:
 * the message names the source, row and column), SG_EINVAL (bad db
 * text, wrong number of parameters), SG_ENOMEM. */
sg_table *sg_sql_read(const char *db, const char *query, const sg_sql_options *o, sg_error *err);

/* The connection text with its passwords replaced by "****":
 *   "host=db user=bob password='s3 cret'" -> "host=db user=bob password=****"
 *   "postgresql://bob:s3cret@db/shop?sslpassword=x" -> "postgresql://bob:****@db/shop?sslpassword=****"
 * Text that cannot be parsed as a connection string is cut where parsing
 * stopped ("host=db ****"), so no secret can leak.  "sqlite:PATH", file
 * names and other text without '=' or "://" come back unchanged.  Writes a NUL-terminated
 * string into buf (truncated to size-1) and returns the full length. */
size_t sg_sql_mask(const char *conninfo, char *buf, size_t size);

/* Replaces every occurrence in msg (in place) of a password that conninfo
 * holds by "****" (msg may shrink, never grow beyond size). */
void sg_sql_scrub(char *msg, size_t size, const char *conninfo);

#endif
