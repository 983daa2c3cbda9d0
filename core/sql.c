/* SQL reading, the shared parts: the column builder that turns pushed
 * values into typed columns, datetime text, and the dispatch between
 * SQLite and PostgreSQL.  Password masking is in sql_mask.c. */
#include "sql_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv_internal.h"
#include "datetime.h"
#include "mem.h"
#include "numfmt.h"

void sg_sql_options_init(sg_sql_options *o)
{
    memset(o, 0, sizeof *o);
}

/* ---- the builder ---- */

int sg_sql_builder_init(sg_sql_builder *b, const char *source, size_t ncols, sg_error *err)
{
    memset(b, 0, sizeof *b);
    b->source = source;
    b->cols = sg_calloc(ncols ? ncols : 1, sizeof *b->cols);
    if (!b->cols)
        return sg_error_nomem(err);
    b->ncols = ncols;
    return 0;
}

void sg_sql_builder_free(sg_sql_builder *b)
{
    for (size_t j = 0; b->cols && j < b->ncols; j++) {
        sg_free(b->cols[j].name);
        sg_column_release(b->cols[j].col);
    }
    sg_free(b->cols);
    memset(b, 0, sizeof *b);
}

int sg_sql_builder_column(sg_sql_builder *b, size_t j, const char *name, const char *decl,
                          int has_type, sg_type type, const sg_sql_options *o, sg_error *err)
{
    sg_sql_col *c = &b->cols[j];
    for (size_t k = 0; k < j; k++)
        if (strcmp(b->cols[k].name, name) == 0)
            return sg_error_set(err, SG_EDATA,
                                "%s: the query's result has two columns named '%s' (rename one with AS)",
                                b->source, name);
    if (!(c->name = sg_strdup(name)))
        return sg_error_nomem(err);
    snprintf(c->decl, sizeof c->decl, "%s", decl && *decl ? decl : "no declared type");
    for (size_t k = 0; o && k < o->ntypes; k++)
        if (strcmp(o->types[k].column, name) == 0) {
            has_type = 1;
            type = o->types[k].type;
            snprintf(c->decl, sizeof c->decl, "%s", "type given");
        }
    c->fixed = c->has_type = has_type;
    c->type = type;
    c->date_decl = 0;
    if (decl && type == SG_DATETIME) {
        /* "date" (PostgreSQL), "DATE" (SQLite): a date without a time of day */
        char up[48];
        size_t n = 0;
        for (; decl[n] && n < sizeof up - 1; n++)
            up[n] = (char)(decl[n] >= 'a' && decl[n] <= 'z' ? decl[n] - 'a' + 'A' : decl[n]);
        up[n] = '\0';
        c->date_decl = strstr(up, "DATE") && !strstr(up, "TIME");
    }
    return 0;
}

/* Creates column j's sg_column with its type, with the missing values
 * seen before the type was known. */
static int make_column(sg_sql_col *c, sg_error *err)
{
    if (c->col)
        return 0;
    c->col = sg_column_new(c->name, c->type, 0);
    if (!c->col)
        return sg_error_nomem(err);
    for (size_t i = 0; i < c->pending; i++)
        if (sg_column_push_na(c->col))
            return sg_error_nomem(err);
    c->pending = 0;
    return 0;
}

/* The first value of a column without a fixed type decides its type. */
static int first_value(sg_sql_col *c, sg_type t, sg_error *err)
{
    if (c->has_type)
        return 0;
    c->has_type = 1;
    c->type = t;
    return make_column(c, err);
}

static const char *expected(sg_type t)
{
    switch (t) {
    case SG_INT64: return "an int64";
    case SG_DOUBLE: return "a double";
    case SG_BOOL: return "a bool";
    case SG_DATETIME: return "a datetime";
    default: return "a string";
    }
}

static int bad_value(sg_sql_builder *b, sg_sql_col *c, const char *text, size_t len, sg_error *err)
{
    char shown[80];
    sg_csv_show(text, len, shown, sizeof shown);
    return sg_error_set(err, SG_EDATA, "%s: row %zu, column '%s' (%s): '%s' is not %s", b->source,
                        b->row + 1, c->name, c->decl, shown, expected(c->type));
}

/* An int64 column of a query without declared types becomes double. */
static int widen_to_double(sg_sql_col *c)
{
    sg_column *col = c->col;
    int64_t *iv = sg_column_i64(col);
    double *dv = sg_column_f64(col);   /* the same 8-byte slots */
    for (size_t i = 0; i < col->n; i++)
        dv[i] = (double)iv[i];
    col->type = SG_DOUBLE;
    c->type = SG_DOUBLE;
    return 0;
}

/* A numeric column of a query without declared types becomes text. */
static int widen_to_string(sg_sql_col *c, sg_error *err)
{
    sg_column *old = c->col;
    sg_column *s = sg_column_new(c->name, SG_STRING, old->n);
    if (!s)
        return sg_error_nomem(err);
    char buf[64];
    for (size_t i = 0; i < old->n; i++) {
        int rc;
        if (sg_column_is_na(old, i)) {
            rc = sg_column_push_na(s);
        } else {
            size_t n = sg_column_format(old, i, buf, sizeof buf);
            rc = sg_column_push_str(s, buf, n);
        }
        if (rc) {
            sg_column_release(s);
            return sg_error_nomem(err);
        }
    }
    sg_column_release(old);
    c->col = s;
    c->type = SG_STRING;
    return 0;
}

static int pushed(int rc, sg_error *err)
{
    return rc ? sg_error_nomem(err) : 0;
}

int sg_sql_push_null(sg_sql_builder *b, size_t j, sg_error *err)
{
    sg_sql_col *c = &b->cols[j];
    if (!c->col && !c->fixed) {
        c->pending++;
        return 0;
    }
    if (make_column(c, err))
        return err->code;
    return pushed(sg_column_push_na(c->col), err);
}

int sg_sql_push_int(sg_sql_builder *b, size_t j, int64_t v, sg_error *err)
{
    sg_sql_col *c = &b->cols[j];
    if (first_value(c, SG_INT64, err) || make_column(c, err))
        return err->code;
    char buf[32];
    switch (c->type) {
    case SG_INT64:
    case SG_DATETIME:
        return pushed(sg_column_push_i64(c->col, v), err);
    case SG_DOUBLE:
        return pushed(sg_column_push_f64(c->col, (double)v), err);
    case SG_BOOL:
        if (v != 0 && v != 1) {
            int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
            return bad_value(b, c, buf, (size_t)n, err);
        }
        return pushed(sg_column_push_bool(c->col, (int)v), err);
    case SG_STRING: {
        int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
        return pushed(sg_column_push_str(c->col, buf, (size_t)n), err);
    }
    }
    return 0;
}

int sg_sql_push_double(sg_sql_builder *b, size_t j, double v, int julian, sg_error *err)
{
    sg_sql_col *c = &b->cols[j];
    if (first_value(c, SG_DOUBLE, err) || make_column(c, err))
        return err->code;
    char buf[40];
    size_t n;
    if (isnan(v))
        return pushed(sg_column_push_na(c->col), err);
    switch (c->type) {
    case SG_INT64:
        if (!c->fixed) {
            widen_to_double(c);
            return pushed(sg_column_push_f64(c->col, v), err);
        }
        if (v != floor(v) || fabs(v) >= 9.2e18) {
            n = sg_format_double(v, buf, sizeof buf);
            return bad_value(b, c, buf, n, err);
        }
        return pushed(sg_column_push_i64(c->col, (int64_t)v), err);
    case SG_DOUBLE:
        if (!isfinite(v)) {
            n = sg_format_double(v, buf, sizeof buf);
            return bad_value(b, c, buf, n, err);
        }
        return pushed(sg_column_push_f64(c->col, v), err);
    case SG_DATETIME: {
        /* SQLite keeps dates as Julian day numbers in REAL columns */
        double secs = julian ? (v - 2440587.5) * 86400.0 : v;
        if (!isfinite(secs) || fabs(secs) > 1e14) {
            n = sg_format_double(v, buf, sizeof buf);
            return bad_value(b, c, buf, n, err);
        }
        return pushed(sg_column_push_i64(c->col, (int64_t)llround(secs)), err);
    }
    case SG_BOOL:
        if (v != 0 && v != 1) {
            n = sg_format_double(v, buf, sizeof buf);
            return bad_value(b, c, buf, n, err);
        }
        return pushed(sg_column_push_bool(c->col, v != 0), err);
    case SG_STRING:
        n = sg_format_double(v, buf, sizeof buf);
        return pushed(sg_column_push_str(c->col, buf, n), err);
    }
    return 0;
}

static int word_is(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != w[i])
            return 0;
    }
    return 1;
}

static int parse_bool_text(const char *s, size_t len, int *out)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (word_is(s, len, "t") || word_is(s, len, "true") || word_is(s, len, "yes") || word_is(s, len, "1")) {
        *out = 1;
        return 0;
    }
    if (word_is(s, len, "f") || word_is(s, len, "false") || word_is(s, len, "no") || word_is(s, len, "0")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int sg_sql_parse_datetime(const char *s, size_t len, int64_t *out)
{
    char buf[40];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len < 10 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    long offset = 0;   /* seconds east of UTC */
    size_t n = len;
    if (n > 10) {
        /* a time zone: Z, or +HH, +HHMM, +HH:MM (after the time of day) */
        if (buf[n - 1] == 'Z') {
            n--;
        } else {
            size_t k = n;
            while (k > 10 && buf[k - 1] != '+' && buf[k - 1] != '-')
                k--;
            if (k > 13) {   /* a sign after the time of day, not a date's dash */
                const char *z = buf + k;
                size_t zl = n - k;
                int hh, mm = 0;
                if (zl == 2 && sscanf(z, "%2d", &hh) == 1)
                    ;
                else if (zl == 4 && sscanf(z, "%2d%2d", &hh, &mm) == 2)
                    ;
                else if (zl == 5 && z[2] == ':' && sscanf(z, "%2d:%2d", &hh, &mm) == 2)
                    ;
                else
                    return -1;
                offset = (hh * 3600L + mm * 60L) * (buf[k - 1] == '-' ? -1 : 1);
                n = k - 1;
            }
        }
        while (n > 10 && buf[n - 1] == ' ')
            n--;
        /* fractions of seconds: "08:26:00.123456" */
        char *dot = memchr(buf + 10, '.', n - 10);
        if (dot) {
            for (char *p = dot + 1; p < buf + n; p++)
                if (*p < '0' || *p > '9')
                    return -1;
            n = (size_t)(dot - buf);
        }
    }
    int64_t t;
    if (sg_datetime_parse(buf, n, SG_DATE_ISO, &t, NULL) != 0)
        return -1;
    *out = t - offset;
    return 0;
}

int sg_sql_push_text(sg_sql_builder *b, size_t j, const char *s, size_t len, sg_error *err)
{
    sg_sql_col *c = &b->cols[j];
    if (first_value(c, SG_STRING, err) || make_column(c, err))
        return err->code;
    switch (c->type) {
    case SG_STRING:
        return pushed(sg_column_push_str(c->col, s, len), err);
    case SG_INT64: {
        int64_t v;
        if (sg_csv_parse_i64(s, len, &v) == 0)
            return pushed(sg_column_push_i64(c->col, v), err);
        break;
    }
    case SG_DOUBLE: {
        double v;
        if (sg_csv_parse_f64(s, len, &v) == 0)
            return pushed(sg_column_push_f64(c->col, v), err);
        if (word_is(s, len, "nan"))
            return pushed(sg_column_push_na(c->col), err);
        break;
    }
    case SG_BOOL: {
        int v;
        if (parse_bool_text(s, len, &v) == 0)
            return pushed(sg_column_push_bool(c->col, v), err);
        break;
    }
    case SG_DATETIME: {
        int64_t v;
        if (sg_sql_parse_datetime(s, len, &v) == 0)
            return pushed(sg_column_push_i64(c->col, v), err);
        break;
    }
    }
    if (c->fixed)
        return bad_value(b, c, s, len, err);
    /* no declared type: the column holds text after all */
    if (widen_to_string(c, err))
        return err->code;
    return pushed(sg_column_push_str(c->col, s, len), err);
}

/* Gives back the growth slack of a finished column (as the CSV reader
 * does), so a result holds its values once. */
static void shrink_column(sg_column *c)
{
    size_t w = c->type == SG_BOOL ? 1 : c->type == SG_STRING ? 4 : 8;
    size_t n = c->n ? c->n : 1;
    if (c->cap <= n)
        return;
    void *d = sg_realloc(c->data, n * w);
    if (!d)
        return;   /* keeping the larger block is harmless */
    c->data = d;
    if (c->na) {
        uint8_t *na = sg_realloc(c->na, (n + 7) / 8);
        if (!na) {
            c->cap = n;   /* the bitmap is still larger than needed */
            return;
        }
        c->na = na;
    }
    c->cap = n;
}

sg_table *sg_sql_builder_finish(sg_sql_builder *b, sg_error *err)
{
    sg_table *t = sg_table_new();
    if (!t) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t j = 0; j < b->ncols; j++) {
        sg_sql_col *c = &b->cols[j];
        if (!c->has_type) {
            /* no value to go by: text */
            c->has_type = 1;
            c->type = SG_STRING;
        }
        if (make_column(c, err)) {
            sg_table_free(t);
            return NULL;
        }
        sg_column *col = c->col;
        shrink_column(col);
        if (col->type == SG_DATETIME) {
            /* as for CSV: dates when every value is at midnight; an empty
             * column is a date column only when declared so */
            int date_only = col->n > sg_column_na_count(col) || c->date_decl;
            const int64_t *v = sg_column_i64(col);
            for (size_t i = 0; i < col->n && date_only; i++)
                if (!sg_column_is_na(col, i) && v[i] % 86400 != 0)
                    date_only = 0;
            col->date_only = date_only;
        } else if (col->type == SG_STRING) {
            sg_dict_trim(col->dict);
        }
        c->col = NULL;
        if (sg_table_add(t, col, err) != 0) {
            sg_table_free(t);
            return NULL;
        }
    }
    return t;
}

/* ---- dispatch ---- */

sg_table *sg_sql_read(const char *db, const char *query, const sg_sql_options *o, sg_error *err)
{
    sg_error local;
    if (!err)
        err = &local;
    sg_sql_options none;
    if (!o) {
        sg_sql_options_init(&none);
        o = &none;
    }
    if (!db || !*db) {
        sg_error_set(err, SG_EINVAL, "read_sql: 'db' is required (\"sqlite:PATH\" or a PostgreSQL connection string)");
        return NULL;
    }
    if (!query || !*query) {
        sg_error_set(err, SG_EINVAL, "read_sql: 'query' is required");
        return NULL;
    }
    for (size_t k = 0; k < o->nparams; k++)
        if (o->params[k].kind == SG_SQL_TEXT && !o->params[k].s) {
            sg_error_set(err, SG_EINVAL, "read_sql: parameter %zu has no text", k + 1);
            return NULL;
        }
    if (strncmp(db, "sqlite:", 7) == 0) {
        if (!db[7]) {
            sg_error_set(err, SG_EINVAL, "read_sql: 'sqlite:' needs a file name (\"sqlite:shop.db\")");
            return NULL;
        }
        return sg_sql_sqlite_read(db + 7, query, o, err);
    }
    if (sg_sql_is_uri(db) || strchr(db, '='))
        return sg_sql_pg_read(db, query, o, err);
    char shown[256];
    snprintf(shown, sizeof shown, "%s", db);   /* no '=': no keyword/value password */
    if (strstr(db, "://"))
        sg_sql_mask(db, shown, sizeof shown);
    sg_error_set(err, SG_EINVAL,
                 "read_sql: db '%s' is neither \"sqlite:PATH\" nor a PostgreSQL connection string "
                 "(\"postgresql://user@host/dbname\" or \"host=... dbname=...\")",
                 shown);
    return NULL;
}
