/* The run history: opening (schema creation and checks) and appending a
 * run in one transaction.  Reading back is in history_read.c. */
#include "history_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "datetime.h"
#include "mem.h"

#define APP_ID 0x53474d54   /* 'SGMT' */

/* The key figures of each run (schema 2). */
#define FIGURES_SQL \
    "CREATE TABLE run_figures (" \
    " run_id INTEGER NOT NULL REFERENCES runs(id)," \
    " name TEXT NOT NULL," \
    " value DOUBLE," \
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"

/* From schema 1 to 2: the segments' names and the key figures. */
static const char *upgrade_1_sql = "ALTER TABLE run_segments ADD COLUMN name TEXT;" FIGURES_SQL;

static const char *schema_sql =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " run_time DATETIME NOT NULL,"
    " as_of DATETIME,"
    " label TEXT,"
    " segmint TEXT,"
    " parameters TEXT,"
    " customers INTEGER NOT NULL);"
    "CREATE TABLE run_inputs ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " position INTEGER NOT NULL,"
    " path TEXT NOT NULL,"
    " sha256 TEXT,"
    " PRIMARY KEY (run_id, position)) WITHOUT ROWID;"
    "CREATE TABLE run_kpis ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " position INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " measure TEXT,"
    " value DOUBLE,"
    " previous DOUBLE,"
    " target DOUBLE,"
    " unit TEXT,"
    " direction TEXT,"
    " period_start DATETIME,"
    " period_end DATETIME,"
    " status TEXT,"
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE INDEX run_kpis_name ON run_kpis (name, run_id);"
    "CREATE TABLE run_segments ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " position INTEGER NOT NULL,"
    " segment TEXT NOT NULL,"
    " customers INTEGER NOT NULL,"
    " name TEXT,"
    " PRIMARY KEY (run_id, segment)) WITHOUT ROWID;"
    FIGURES_SQL
    "CREATE TABLE run_customers ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " customer TEXT NOT NULL,"
    " segment TEXT,"
    " cluster TEXT,"
    " clv DOUBLE,"
    " churn_probability DOUBLE,"
    " campaign TEXT,"
    " PRIMARY KEY (run_id, customer)) WITHOUT ROWID;";

const char *sg_history_path(const sg_history *h)
{
    return h ? h->path : NULL;
}

void sg_history_close(sg_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    sg_free(h->path);
    sg_free(h);
}

int sg_history_db_error(sg_history *h, sg_error *err, const char *what)
{
    int rc = sqlite3_errcode(h->db);
    int code = rc == SQLITE_NOMEM ? SG_ENOMEM : rc == SQLITE_NOTADB ? SG_EDATA : SG_EIO;
    if (rc == SQLITE_NOTADB)
        return sg_error_set(err, code, "history %s: not an SQLite database (%s)", h->path, sqlite3_errmsg(h->db));
    return sg_error_set(err, code, "history %s: %s%s%s", h->path, what, *what ? ": " : "", sqlite3_errmsg(h->db));
}

static int exec(sg_history *h, const char *sql, sg_error *err, const char *what)
{
    if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sg_history_db_error(h, err, what);
    return 0;
}

/* One integer from a statement such as "PRAGMA user_version". */
static int query_int(sg_history *h, const char *sql, int64_t *out, sg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sg_history_db_error(h, err, "");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
        *out = 0;
        return 0;
    }
    return sg_history_db_error(h, err, "");
}

/* Checks (and for a new writable file creates) the schema. */
static int check_schema(sg_history *h, int writable, sg_error *err)
{
    int64_t app = 0, version = 0, tables = 0;
    if (writable && exec(h, "BEGIN IMMEDIATE", err, "cannot lock"))
        return err->code;
    if (query_int(h, "PRAGMA application_id", &app, err) || query_int(h, "PRAGMA user_version", &version, err) ||
        query_int(h, "SELECT count(*) FROM sqlite_master", &tables, err))
        goto fail;
    if (app == 0 && version == 0 && tables == 0) {
        if (!writable) {
            sg_error_set(err, SG_EDATA, "history %s: an empty database, not a segmint run history", h->path);
            goto fail;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d", APP_ID,
                 SG_HISTORY_SCHEMA);
        if (exec(h, schema_sql, err, "cannot create the schema") || exec(h, sql, err, "cannot create the schema"))
            goto fail;
    } else if (app != APP_ID) {
        sg_error_set(err, SG_EDATA, "history %s: an SQLite database of another program, not a segmint run history",
                     h->path);
        goto fail;
    } else if (version > SG_HISTORY_SCHEMA) {
        sg_error_set(err, SG_EDATA,
                     "history %s: written by a newer segmint (history schema %lld; this version reads up to %d)",
                     h->path, (long long)version, SG_HISTORY_SCHEMA);
        goto fail;
    } else if (version < 1) {
        sg_error_set(err, SG_EDATA, "history %s: unknown history schema %lld", h->path, (long long)version);
        goto fail;
    } else if (version < SG_HISTORY_SCHEMA && writable) {
        /* an older file is upgraded in the same transaction; read-only, it
         * is read as it is */
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SG_HISTORY_SCHEMA);
        if (exec(h, upgrade_1_sql, err, "cannot upgrade the schema") || exec(h, sql, err, "cannot upgrade the schema"))
            goto fail;
        version = SG_HISTORY_SCHEMA;
    }
    h->version = version ? version : SG_HISTORY_SCHEMA;
    if (writable && exec(h, "COMMIT", err, "cannot create the schema"))
        goto fail;
    return 0;
fail:
    if (writable)
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return err->code ? err->code : SG_EIO;
}

sg_history *sg_history_open(const char *path, int writable, sg_error *err)
{
    sg_error local;
    if (!err)
        err = &local;
    sg_error_clear(err);
    if (!path || !*path) {
        sg_error_set(err, SG_EINVAL, "history: a file name is required");
        return NULL;
    }
    struct stat st;
    if (!writable && stat(path, &st) != 0) {
        sg_error_set(err, SG_EIO, "history %s: %s", path, strerror(errno));
        return NULL;
    }
    sg_history *h = sg_calloc(1, sizeof *h);
    if (!h || !(h->path = sg_strdup(path))) {
        sg_free(h);
        sg_error_nomem(err);
        return NULL;
    }
    int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &h->db, flags, NULL);
    if (rc != SQLITE_OK) {
        if (h->db)
            sg_history_db_error(h, err, "cannot open");
        else
            sg_error_set(err, SG_ENOMEM, "history %s: %s", path, sqlite3_errstr(rc));
        sg_history_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h->db, SG_HISTORY_BUSY_MS);
    if (check_schema(h, writable, err)) {
        sg_history_close(h);
        return NULL;
    }
    return h;
}

/* ---- appending ---- */

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int bind_double(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static int bind_time(sqlite3_stmt *st, int i, int64_t t, int have)
{
    char buf[32];
    if (!have)
        return sqlite3_bind_null(st, i);
    sg_datetime_format(t, t % 86400 == 0, buf, sizeof buf);
    return sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

/* Binds value i of column c (NULL column or missing value: NULL) as text
 * or as a double. */
static int bind_cell(sqlite3_stmt *st, int k, const sg_column *c, size_t i, int as_double)
{
    if (!c || sg_column_is_na(c, i))
        return sqlite3_bind_null(st, k);
    if (as_double) {
        double v = sg_column_num(c, i);
        return isnan(v) ? sqlite3_bind_null(st, k) : sqlite3_bind_double(st, k, v);
    }
    char buf[64];
    size_t len;
    const char *s;
    if (c->type == SG_STRING) {
        s = sg_column_str(c, i, &len);
    } else {
        len = sg_column_format(c, i, buf, sizeof buf);
        s = buf;
    }
    return sqlite3_bind_text(st, k, s, (int)len, SQLITE_TRANSIENT);
}

/* Steps a fully bound insert and resets it for the next row; 0, or
 * SQLite's result code with err set. */
static int step_insert(sg_history *h, sqlite3_stmt *st, sg_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        sg_history_db_error(h, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : (rc & 0xff);
}

static int prepare(sg_history *h, const char *sql, sqlite3_stmt **st, sg_error *err)
{
    if (sqlite3_prepare_v2(h->db, sql, -1, st, NULL) != SQLITE_OK)
        return sg_history_db_error(h, err, "");
    return 0;
}

static int check_columns(const sg_history_run *r, const sg_column **cols, sg_error *err)
{
    const char *names[6] = { r->customer, r->segment, r->cluster, r->clv, r->churn_probability, r->campaign };
    static const char *roles[6] = { "customer", "segment", "cluster", "clv", "churn_probability", "campaign" };
    for (int k = 0; k < 6; k++) {
        cols[k] = NULL;
        if (!r->customers || !names[k])
            continue;
        cols[k] = sg_table_col(r->customers, names[k]);
        if (!cols[k])
            return sg_error_set(err, SG_EINVAL, "history: the customer table has no column '%s' (%s)", names[k],
                                roles[k]);
        if ((k == 3 || k == 4) && !(cols[k]->type == SG_DOUBLE || cols[k]->type == SG_INT64))
            return sg_error_set(err, SG_EINVAL, "history: column '%s' (%s) must be numeric, not %s", names[k],
                                roles[k], sg_type_name(cols[k]->type));
    }
    if (r->customers && !cols[0])
        return sg_error_set(err, SG_EINVAL, "history: the customer table needs a customer column");
    return 0;
}

static int insert_customers(sg_history *h, int64_t id, const sg_history_run *r, const sg_column **cols,
                            sg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (prepare(h, "INSERT INTO run_customers (run_id, customer, segment, cluster, clv, churn_probability, "
                   "campaign) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &st, err))
        return err->code;
    int rc = 0;
    for (size_t i = 0; i < r->customers->nrows && !rc; i++) {
        if (sg_column_is_na(cols[0], i)) {
            rc = sg_error_set(err, SG_EINVAL, "history: customer row %zu has no customer id", i + 1);
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        bind_cell(st, 2, cols[0], i, 0);
        bind_cell(st, 3, cols[1], i, 0);
        bind_cell(st, 4, cols[2], i, 0);
        bind_cell(st, 5, cols[3], i, 1);
        bind_cell(st, 6, cols[4], i, 1);
        bind_cell(st, 7, cols[5], i, 0);
        if (step_insert(h, st, err, "cannot store the customers") == SQLITE_CONSTRAINT) {
            char shown[64];
            sg_column_format(cols[0], i, shown, sizeof shown);
            sg_error_set(err, SG_EINVAL, "history %s: customer '%s' appears twice in the customer table",
                         h->path, shown);
        }
        if (err->code)
            rc = err->code;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Every KPI, segment and key figure has a name, every input a path. */
static int check_names(const sg_history_run *r, sg_error *err)
{
    for (size_t k = 0; k < r->nkpis; k++)
        if (!r->kpis[k].name)
            return sg_error_set(err, SG_EINVAL, "history: KPI %zu has no name", k + 1);
    for (size_t k = 0; k < r->nsegments; k++)
        if (!r->segments[k].name)
            return sg_error_set(err, SG_EINVAL, "history: segment %zu has no name", k + 1);
    for (size_t k = 0; k < r->nfigures; k++)
        if (!r->figures[k].name)
            return sg_error_set(err, SG_EINVAL, "history: key figure %zu has no name", k + 1);
    for (size_t k = 0; k < r->ninputs; k++)
        if (!r->inputs[k].path)
            return sg_error_set(err, SG_EINVAL, "history: input %zu has no path", k + 1);
    return 0;
}

/* The run's KPIs under run id; 0 or an error code (err set). */
static int insert_kpis(sg_history *h, int64_t id, const sg_history_run *r, sg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (prepare(h, "INSERT INTO run_kpis (run_id, position, name, measure, value, previous, target, unit, "
                   "direction, period_start, period_end, status) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                &st, err))
        goto fail;
    for (size_t k = 0; k < r->nkpis; k++) {
        const sg_history_kpi *q = &r->kpis[k];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k + 1);
        bind_text(st, 3, q->name);
        bind_text(st, 4, q->measure);
        bind_double(st, 5, q->value);
        bind_double(st, 6, q->previous);
        bind_double(st, 7, q->target);
        bind_text(st, 8, q->unit);
        bind_text(st, 9, q->direction);
        bind_time(st, 10, q->period_start, q->has_period);
        bind_time(st, 11, q->period_end, q->has_period);
        bind_text(st, 12, q->status);
        int rc = step_insert(h, st, err, "cannot store the KPIs");
        if (rc) {
            if (rc == SQLITE_CONSTRAINT)
                sg_error_set(err, SG_EINVAL, "history %s: KPI '%s' appears twice", h->path, q->name);
            goto fail;
        }
    }
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    return err->code ? err->code : SG_EIO;
}

int sg_history_append(sg_history *h, const sg_history_run *r, int64_t *id_out, sg_error *err)
{
    sg_error local;
    if (!err)
        err = &local;
    sg_error_clear(err);
    const sg_column *cols[6];
    if (check_columns(r, cols, err) || check_names(r, err))
        return err->code;
    if (exec(h, "BEGIN IMMEDIATE", err, "cannot lock for writing"))
        return err->code;
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    if (prepare(h, "INSERT INTO runs (run_time, as_of, label, segmint, parameters, customers) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &st, err))
        goto fail;
    bind_time(st, 1, r->time, 1);
    bind_time(st, 2, r->as_of, r->has_as_of);
    bind_text(st, 3, r->label);
    bind_text(st, 4, SG_VERSION);
    bind_text(st, 5, r->parameters);
    sqlite3_bind_int64(st, 6, r->customers ? (sqlite3_int64)r->customers->nrows : 0);
    if (step_insert(h, st, err, "cannot store the run"))
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    id = sqlite3_last_insert_rowid(h->db);

    if (r->ninputs) {
        if (prepare(h, "INSERT INTO run_inputs (run_id, position, path, sha256) VALUES (?1, ?2, ?3, ?4)", &st, err))
            goto fail;
        for (size_t k = 0; k < r->ninputs; k++) {
            char masked[2048];
            sg_sql_mask(r->inputs[k].path, masked, sizeof masked);
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)k + 1);
            bind_text(st, 3, masked);
            bind_text(st, 4, r->inputs[k].sha256);
            if (step_insert(h, st, err, "cannot store the inputs"))
                goto fail;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (r->nkpis && insert_kpis(h, id, r, err))
        goto fail;
    if (r->nsegments) {
        if (prepare(h, "INSERT INTO run_segments (run_id, position, segment, customers, name) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
                    &st, err))
            goto fail;
        for (size_t k = 0; k < r->nsegments; k++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)k + 1);
            bind_text(st, 3, r->segments[k].name);
            sqlite3_bind_int64(st, 4, r->segments[k].count);
            bind_text(st, 5, r->segments[k].label);
            int rc = step_insert(h, st, err, "cannot store the segment sizes");
            if (rc) {
                if (rc == SQLITE_CONSTRAINT)
                    sg_error_set(err, SG_EINVAL, "history %s: segment '%s' appears twice", h->path,
                                 r->segments[k].name);
                goto fail;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (r->nfigures) {
        if (prepare(h, "INSERT INTO run_figures (run_id, name, value) VALUES (?1, ?2, ?3)", &st, err))
            goto fail;
        for (size_t k = 0; k < r->nfigures; k++) {
            sqlite3_bind_int64(st, 1, id);
            bind_text(st, 2, r->figures[k].name);
            bind_double(st, 3, r->figures[k].value);
            int rc = step_insert(h, st, err, "cannot store the key figures");
            if (rc) {
                if (rc == SQLITE_CONSTRAINT)
                    sg_error_set(err, SG_EINVAL, "history %s: key figure '%s' appears twice", h->path,
                                 r->figures[k].name);
                goto fail;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (r->customers && insert_customers(h, id, r, cols, err))
        goto fail;
    if (exec(h, "COMMIT", err, "cannot commit"))
        goto fail;
    if (id_out)
        *id_out = id;
    return 0;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return err->code ? err->code : SG_EIO;
}
