/* PostgreSQL queries into tables through libpq: one parameterised query
 * in single-row mode (each row arrives and is pushed into its typed
 * column before the next is read), in a read-only session with UTC times
 * and ISO dates.
 *
 * libpq is opened on the first query (dlopen of its soname, from the
 * system's library path only: the binaries carry no run path), not linked:
 * with the Kerberos, LDAP, TLS and SASL libraries it needs, it was about
 * twenty of the libraries every segmint process mapped and relocated at
 * start, for the few runs that read PostgreSQL. */
#include "sql_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "mem.h"
#include "numfmt.h"

#define LIBPQ_SONAME "libpq.so.5"

/* The libpq functions used here, each a pointer of its declared type. */
#define PQ_FUNCTIONS(X)                                                                          \
    X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQclear)          \
    X(PQresultStatus) X(PQresultErrorField) X(PQresultErrorMessage) X(PQsendQueryParams)         \
    X(PQsetSingleRowMode) X(PQgetResult) X(PQnfields) X(PQftype) X(PQfname) X(PQgetisnull)       \
    X(PQgetvalue) X(PQgetlength)
#define PQ_FIELD(f) __typeof__(&f) f;
static struct {
    PQ_FUNCTIONS(PQ_FIELD)
} pq;
static char pq_why[300];          /* why libpq could not be opened ("" when it was) */
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;

static void pq_open(void)
{
    void *h = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(pq_why, sizeof pq_why, "%s", e ? e : "not found");
        return;
    }
#define PQ_SYM(f)                                                                                \
    if (!pq_why[0]) {                                                                            \
        void *sym = dlsym(h, #f);                                                                \
        if (sym)                                                                                 \
            memcpy(&pq.f, &sym, sizeof sym);                                                     \
        else                                                                                     \
            snprintf(pq_why, sizeof pq_why, "%s has no %s", LIBPQ_SONAME, #f);                   \
    }
    PQ_FUNCTIONS(PQ_SYM)
#undef PQ_SYM
    if (pq_why[0])
        dlclose(h);
}


/* Type OIDs (stable since PostgreSQL 7; src/include/catalog/pg_type.dat). */
enum {
    OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25, OID_OID = 26,
    OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082,
    OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700
};

static sg_type oid_type(Oid t, const char **name)
{
    switch (t) {
    case OID_BOOL: *name = "boolean"; return SG_BOOL;
    case OID_INT8: *name = "bigint"; return SG_INT64;
    case OID_INT2: *name = "smallint"; return SG_INT64;
    case OID_INT4: *name = "integer"; return SG_INT64;
    case OID_OID: *name = "oid"; return SG_INT64;
    case OID_FLOAT4: *name = "real"; return SG_DOUBLE;
    case OID_FLOAT8: *name = "double precision"; return SG_DOUBLE;
    case OID_NUMERIC: *name = "numeric"; return SG_DOUBLE;
    case OID_DATE: *name = "date"; return SG_DATETIME;
    case OID_TIMESTAMP: *name = "timestamp"; return SG_DATETIME;
    case OID_TIMESTAMPTZ: *name = "timestamptz"; return SG_DATETIME;
    case OID_TEXT: *name = "text"; return SG_STRING;
    case OID_VARCHAR: *name = "varchar"; return SG_STRING;
    case OID_BPCHAR: *name = "char"; return SG_STRING;
    default: *name = NULL; return SG_STRING;
    }
}

/* libpq's multi-line messages on one line, without the trailing newline. */
static void one_line(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\n' || *r == '\t' || *r == '\r') {
            if (w > s && w[-1] != ' ')
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    while (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* err: "<source>: <what>: <text>", with the connection's passwords removed. */
static int pg_error(sg_error *err, int code, const char *source, const char *conninfo, const char *what,
                    const char *text)
{
    sg_error_set(err, code, "%s: %s%s%s", source, what, *what ? ": " : "", text ? text : "(no message)");
    one_line(err->msg);
    sg_sql_scrub(err->msg, sizeof err->msg, conninfo);
    return code;
}

static int result_error(sg_error *err, const char *source, const char *conninfo, const PGresult *r)
{
    const char *sev = pq.PQresultErrorField(r, PG_DIAG_SEVERITY);
    const char *msg = pq.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *pos = pq.PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    char text[900];
    if (msg)
        snprintf(text, sizeof text, "%s: %s%s%s%s", sev ? sev : "ERROR", msg, pos ? " (at character " : "",
                 pos ? pos : "", pos ? ")" : "");
    else
        snprintf(text, sizeof text, "%s", pq.PQresultErrorMessage(r));
    return pg_error(err, SG_EDATA, source, conninfo, "", text);
}

static int setup_columns(sg_sql_builder *b, const PGresult *r, const sg_sql_options *o, sg_error *err)
{
    int n = pq.PQnfields(r);
    if (sg_sql_builder_init(b, b->source, (size_t)n, err))
        return err->code;
    for (int j = 0; j < n; j++) {
        const char *tname;
        char decl[32];
        Oid oid = pq.PQftype(r, j);
        sg_type t = oid_type(oid, &tname);
        if (!tname) {
            snprintf(decl, sizeof decl, "type oid %u", (unsigned)oid);
            tname = decl;
        }
        if (sg_sql_builder_column(b, (size_t)j, pq.PQfname(r, j), tname, 1, t, o, err))
            return err->code;
    }
    return 0;
}

static int push_row(sg_sql_builder *b, const PGresult *r, sg_error *err)
{
    for (size_t j = 0; j < b->ncols; j++) {
        int rc;
        if (pq.PQgetisnull(r, 0, (int)j))
            rc = sg_sql_push_null(b, j, err);
        else
            rc = sg_sql_push_text(b, j, pq.PQgetvalue(r, 0, (int)j), (size_t)pq.PQgetlength(r, 0, (int)j), err);
        if (rc)
            return rc;
    }
    sg_sql_row_done(b);
    return 0;
}

/* The session settings every read runs under.  0 or an error code. */
static int pg_session(PGconn *c, const char *source, const char *conninfo, sg_error *err)
{
    PGresult *r = pq.PQexec(c, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
                            "SET extra_float_digits = 3; SET default_transaction_read_only = on");
    if (pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (r)
            result_error(err, source, conninfo, r);
        else
            pg_error(err, SG_EIO, source, conninfo, "", pq.PQerrorMessage(c));
        pq.PQclear(r);
        return err ? err->code : SG_EIO;
    }
    pq.PQclear(r);
    return 0;
}

/* The parameters as text (the server infers their types): *pv points
 * into *pbuf or at the caller's strings.  0 or SG_ENOMEM. */
static int params_as_text(const sg_sql_options *o, char ***pv_out, char **pbuf_out, sg_error *err)
{
    if (!o->nparams)
        return 0;
    char **pv = *pv_out = sg_calloc(o->nparams, sizeof *pv);
    char *pbuf = *pbuf_out = sg_malloc(o->nparams * 40);
    if (!pv || !pbuf)
        return sg_error_nomem(err);
    for (size_t k = 0; k < o->nparams; k++) {
        const sg_sql_value *v = &o->params[k];
        char *slot = pbuf + k * 40;
        switch (v->kind) {
        case SG_SQL_NULL: pv[k] = NULL; break;
        case SG_SQL_INT: snprintf(slot, 40, "%lld", (long long)v->i); pv[k] = slot; break;
        case SG_SQL_DOUBLE: sg_format_double(v->d, slot, 40); pv[k] = slot; break;
        case SG_SQL_BOOL: snprintf(slot, 40, "%s", v->i ? "true" : "false"); pv[k] = slot; break;
        case SG_SQL_TEXT: pv[k] = (char *)v->s; break;
        }
    }
    return 0;
}

/* Reads the rows of the query sent in single-row mode into b (up to
 * o->max_rows), then builds the table; NULL with err set on failure. */
static sg_table *stream_rows(PGconn *c, sg_sql_builder *b, const sg_sql_options *o, const char *source,
                             const char *conninfo, sg_error *err)
{
    PGresult *r;
    int started = 0, failed = 0, complete = 0;
    while (!failed && (r = pq.PQgetResult(c)) != NULL) {
        ExecStatusType s = pq.PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK) {
            if (!started) {
                failed = setup_columns(b, r, o, err) != 0;
                started = 1;
            }
            if (!failed && s == PGRES_SINGLE_TUPLE) {
                failed = push_row(b, r, err) != 0;
                /* enough rows: closing the connection ends the query */
                if (!failed && o->max_rows && b->row >= o->max_rows)
                    complete = 1;
            }
            if (s == PGRES_TUPLES_OK)
                complete = 1;
        } else if (s == PGRES_COMMAND_OK) {
            pg_error(err, SG_EDATA, source, conninfo, "", "the statement returned no rows (read_sql needs a query)");
            failed = 1;
        } else {
            result_error(err, source, conninfo, r);
            failed = 1;
        }
        pq.PQclear(r);
        if (complete)
            break;
    }
    if (failed)
        return NULL;
    if (!started) {
        pg_error(err, SG_EDATA, source, conninfo, "", "the query returned no result");
        return NULL;
    }
    return sg_sql_builder_finish(b, err);
}

sg_table *sg_sql_pg_read(const char *conninfo, const char *query, const sg_sql_options *o, sg_error *err)
{
    char masked[700], source[720];
    sg_sql_mask(conninfo, masked, sizeof masked);
    snprintf(source, sizeof source, "postgresql '%s'", masked);
    if (pthread_once(&pq_once, pq_open) != 0 || pq_why[0]) {
        sg_error_set(err, SG_EIO, "%s: cannot load PostgreSQL's client library %s (%s); "
                     "install it (Debian: libpq5)", source, LIBPQ_SONAME,
                     pq_why[0] ? pq_why : "pthread_once failed");
        return NULL;
    }

    /* parameters before dbname are defaults the connection string overrides */
    const char *keys[] = { "connect_timeout", "fallback_application_name", "dbname", NULL };
    const char *vals[] = { "10", "segmint", conninfo, NULL };
    PGconn *c = pq.PQconnectdbParams(keys, vals, 1);
    if (!c) {
        sg_error_nomem(err);
        return NULL;
    }
    sg_table *t = NULL;
    sg_sql_builder b;
    memset(&b, 0, sizeof b);
    b.source = source;
    char **pv = NULL;
    char *pbuf = NULL;
    if (pq.PQstatus(c) != CONNECTION_OK) {
        pg_error(err, SG_EIO, source, conninfo, "cannot connect", pq.PQerrorMessage(c));
        goto done;
    }
    if (pg_session(c, source, conninfo, err) || params_as_text(o, &pv, &pbuf, err))
        goto done;
    if (!pq.PQsendQueryParams(c, query, (int)o->nparams, NULL, (const char *const *)pv, NULL, NULL, 0)) {
        pg_error(err, SG_EDATA, source, conninfo, "", pq.PQerrorMessage(c));
        goto done;
    }
    if (!pq.PQsetSingleRowMode(c)) {
        pg_error(err, SG_EIO, source, conninfo, "cannot stream the result", pq.PQerrorMessage(c));
        goto done;
    }
    t = stream_rows(c, &b, o, source, conninfo, err);
done:
    sg_free(pv);
    sg_free(pbuf);
    sg_sql_builder_free(&b);
    pq.PQfinish(c);
    return t;
}
