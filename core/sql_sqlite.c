/* SQLite queries into tables: one prepared statement stepped row by row,
 * each value pushed into its typed column (sql.c's builder). */
#include "sql_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"

/* The type of a declared column type, by SQLite's affinity words (BOOL,
 * DATE and TIMESTAMP first, since SQLite itself would call them NUMERIC);
 * 0 when the declaration says nothing segmint can use. */
static int declared_type(const char *decl, sg_type *t)
{
    char up[64];
    size_t n = 0;
    if (!decl)
        return 0;
    for (; decl[n] && n < sizeof up - 1; n++)
        up[n] = (char)(decl[n] >= 'a' && decl[n] <= 'z' ? decl[n] - 'a' + 'A' : decl[n]);
    up[n] = '\0';
    if (strstr(up, "BOOL"))
        *t = SG_BOOL;
    else if (strstr(up, "DATE") || strstr(up, "TIMESTAMP"))
        *t = SG_DATETIME;
    else if (strstr(up, "INT"))
        *t = SG_INT64;
    else if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
        *t = SG_STRING;
    else if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB") || strstr(up, "NUMERIC") ||
             strstr(up, "DECIMAL"))
        *t = SG_DOUBLE;
    else
        return 0;
    return 1;
}

static int bind_params(sqlite3_stmt *st, const char *source, const sg_sql_options *o, sg_error *err)
{
    int want = sqlite3_bind_parameter_count(st);
    if ((size_t)want != o->nparams)
        return sg_error_set(err, SG_EINVAL, "%s: the query has %d parameter%s, 'params' gives %zu", source,
                            want, want == 1 ? "" : "s", o->nparams);
    for (size_t k = 0; k < o->nparams; k++) {
        const sg_sql_value *v = &o->params[k];
        int i = (int)k + 1, rc = SQLITE_OK;
        switch (v->kind) {
        case SG_SQL_NULL: rc = sqlite3_bind_null(st, i); break;
        case SG_SQL_INT:
        case SG_SQL_BOOL: rc = sqlite3_bind_int64(st, i, v->i); break;
        case SG_SQL_DOUBLE: rc = sqlite3_bind_double(st, i, v->d); break;
        case SG_SQL_TEXT: rc = sqlite3_bind_text(st, i, v->s, (int)v->len, SQLITE_TRANSIENT); break;
        }
        if (rc != SQLITE_OK)
            return sg_error_set(err, rc == SQLITE_NOMEM ? SG_ENOMEM : SG_EINVAL, "%s: parameter %zu: %s",
                                source, k + 1, sqlite3_errstr(rc));
    }
    return 0;
}

static int push_value(sg_sql_builder *b, sqlite3_stmt *st, int j, sg_error *err)
{
    switch (sqlite3_column_type(st, j)) {
    case SQLITE_NULL:
        return sg_sql_push_null(b, (size_t)j, err);
    case SQLITE_INTEGER:
        return sg_sql_push_int(b, (size_t)j, sqlite3_column_int64(st, j), err);
    case SQLITE_FLOAT:
        return sg_sql_push_double(b, (size_t)j, sqlite3_column_double(st, j), 1, err);
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_column_text(st, j);
        if (!s)
            return sg_error_nomem(err);
        return sg_sql_push_text(b, (size_t)j, s, (size_t)sqlite3_column_bytes(st, j), err);
    }
    default:
        return sg_error_set(err, SG_EDATA, "%s: row %zu, column '%s': binary data (BLOB) cannot be read",
                            b->source, b->row + 1, b->cols[j].name);
    }
}

sg_table *sg_sqlite_query(sqlite3 *db, const char *source, const char *sql, const sg_sql_options *o,
                          sg_error *err)
{
    sg_error local;
    if (!err)
        err = &local;
    sg_error_clear(err);
    sg_sql_options none;
    if (!o) {
        sg_sql_options_init(&none);
        o = &none;
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
    if (rc != SQLITE_OK || !st) {
        if (rc == SQLITE_OK)
            sg_error_set(err, SG_EDATA, "%s: the query is empty", source);
        else
            sg_error_set(err, rc == SQLITE_NOMEM ? SG_ENOMEM : SG_EDATA, "%s: %s", source, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';'))
        tail++;
    if (tail && *tail) {
        sg_error_set(err, SG_EDATA, "%s: the query holds more than one statement", source);
        sqlite3_finalize(st);
        return NULL;
    }
    if (!sqlite3_stmt_readonly(st)) {
        sg_error_set(err, SG_EDATA, "%s: the query would change the database; only reading is allowed", source);
        sqlite3_finalize(st);
        return NULL;
    }
    if (bind_params(st, source, o, err)) {
        sqlite3_finalize(st);
        return NULL;
    }
    int ncols = sqlite3_column_count(st);
    sg_sql_builder b;
    if (sg_sql_builder_init(&b, source, (size_t)ncols, err)) {
        sqlite3_finalize(st);
        return NULL;
    }
    for (int j = 0; j < ncols; j++) {
        const char *name = sqlite3_column_name(st, j);
        const char *decl = sqlite3_column_decltype(st, j);
        sg_type t = SG_STRING;
        int has = declared_type(decl, &t);
        if (!name || sg_sql_builder_column(&b, (size_t)j, name, decl, has, t, o, err))
            goto fail;
    }
    while (!o->max_rows || b.row < o->max_rows) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            sg_error_set(err, rc == SQLITE_NOMEM ? SG_ENOMEM : SG_EDATA, "%s: %s", source, sqlite3_errmsg(db));
            goto fail;
        }
        for (int j = 0; j < ncols; j++)
            if (push_value(&b, st, j, err))
                goto fail;
        sg_sql_row_done(&b);
    }
    sqlite3_finalize(st);
    sg_table *t = sg_sql_builder_finish(&b, err);
    sg_sql_builder_free(&b);
    return t;
fail:
    if (!err->msg[0])
        sg_error_nomem(err);
    sqlite3_finalize(st);
    sg_sql_builder_free(&b);
    return NULL;
}

sg_table *sg_sql_sqlite_read(const char *path, const char *query, const sg_sql_options *o, sg_error *err)
{
    char source[1100];
    snprintf(source, sizeof source, "sqlite:%s", path);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        sg_error_set(err, SG_EIO, "%s: cannot open: %s", source, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        sg_error_set(err, SG_EIO, "%s: cannot open: not a regular file", source);
        return NULL;
    }
    sqlite3 *db = NULL;
    /* read-only, never created; a "file:" name is a plain path (no URI
     * parameters) */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        sg_error_set(err, rc == SQLITE_NOMEM ? SG_ENOMEM : SG_EIO, "%s: cannot open: %s", source,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    /* a writer holding the file waits here rather than failing at once */
    sqlite3_busy_timeout(db, 10000);
    sg_table *t = sg_sqlite_query(db, source, query, o, err);
    sqlite3_close(db);
    return t;
}
