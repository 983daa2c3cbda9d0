/* Reading the run history back: runs, inputs, KPI trends, segment sizes,
 * customers, and segment migrations between two runs.  Each query goes
 * through the SQLite reader (sql_sqlite.c), so results are typed tables. */
#include "history_internal.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

#define MAX_TYPES 8

/* Runs sql with up to two integer parameters (and an optional text one)
 * and the given column types. */
static sg_table *query(sg_history *h, const char *sql, const int64_t *ints, size_t nints, const char *text,
                       const sg_sql_type *types, size_t ntypes, sg_error *err)
{
    char source[1100];
    snprintf(source, sizeof source, "history %s", h->path);
    sg_sql_value params[3];
    size_t n = 0;
    for (size_t k = 0; k < nints; k++) {
        memset(&params[n], 0, sizeof params[n]);
        params[n].kind = SG_SQL_INT;
        params[n++].i = ints[k];
    }
    if (text) {
        memset(&params[n], 0, sizeof params[n]);
        params[n].kind = SG_SQL_TEXT;
        params[n].s = text;
        params[n++].len = strlen(text);
    }
    sg_sql_options o;
    sg_sql_options_init(&o);
    o.params = params;
    o.nparams = n;
    o.types = types;
    o.ntypes = ntypes;
    return sg_sqlite_query(h->db, source, sql, &o, err);
}

sg_table *sg_history_runs(sg_history *h, sg_error *err)
{
    static const sg_sql_type types[] = { { "inputs", SG_INT64 }, { "run_time", SG_DATETIME },
                                         { "as_of", SG_DATETIME } };
    return query(h,
                 "SELECT r.id, r.run_time, r.as_of, r.label, r.segmint, r.customers, "
                 "(SELECT count(*) FROM run_inputs i WHERE i.run_id = r.id) AS inputs, r.parameters "
                 "FROM runs r ORDER BY r.id",
                 NULL, 0, NULL, types, 3, err);
}

sg_table *sg_history_inputs(sg_history *h, int64_t run, sg_error *err)
{
    return query(h, "SELECT position, path, sha256 FROM run_inputs WHERE run_id = ?1 ORDER BY position", &run, 1,
                 NULL, NULL, 0, err);
}

sg_table *sg_history_kpis(sg_history *h, const char *name, sg_error *err)
{
    static const sg_sql_type types[] = { { "run_time", SG_DATETIME } };
    const char *all = "SELECT k.run_id, r.run_time, k.name, k.measure, k.value, k.previous, k.target, k.unit, "
                      "k.direction, k.period_start, k.period_end, k.status "
                      "FROM run_kpis k JOIN runs r ON r.id = k.run_id ORDER BY k.run_id, k.position";
    const char *one = "SELECT k.run_id, r.run_time, k.name, k.measure, k.value, k.previous, k.target, k.unit, "
                      "k.direction, k.period_start, k.period_end, k.status "
                      "FROM run_kpis k JOIN runs r ON r.id = k.run_id WHERE k.name = ?1 ORDER BY k.run_id";
    return query(h, name ? one : all, NULL, 0, name, types, 1, err);
}

sg_table *sg_history_segments(sg_history *h, int64_t run, sg_error *err)
{
    return query(h, "SELECT segment, customers FROM run_segments WHERE run_id = ?1 ORDER BY position", &run, 1,
                 NULL, NULL, 0, err);
}

sg_table *sg_history_customers(sg_history *h, int64_t run, sg_error *err)
{
    return query(h,
                 "SELECT customer, segment, cluster, clv, churn_probability, campaign FROM run_customers "
                 "WHERE run_id = ?1 ORDER BY customer",
                 &run, 1, NULL, NULL, 0, err);
}

sg_table *sg_history_migration(sg_history *h, int64_t from, int64_t to, sg_error *err)
{
    static const sg_sql_type types[] = { { "from_segment", SG_STRING }, { "to_segment", SG_STRING },
                                         { "customers", SG_INT64 }, { "change", SG_STRING } };
    int64_t ids[2] = { from, to };
    return query(h,
                 "SELECT a.segment AS from_segment, b.segment AS to_segment, count(*) AS customers, "
                 "CASE WHEN b.customer IS NULL THEN 'departed' WHEN a.segment IS b.segment THEN 'stayed' "
                 "ELSE 'moved' END AS change "
                 "FROM run_customers a LEFT JOIN run_customers b ON b.run_id = ?2 AND b.customer = a.customer "
                 "WHERE a.run_id = ?1 GROUP BY 1, 2, 4 "
                 "UNION ALL "
                 "SELECT NULL, b.segment, count(*), 'new' FROM run_customers b "
                 "WHERE b.run_id = ?2 AND NOT EXISTS "
                 "(SELECT 1 FROM run_customers a WHERE a.run_id = ?1 AND a.customer = b.customer) "
                 "GROUP BY 2 "
                 "ORDER BY 1, 2",
                 ids, 2, NULL, types, 4, err);
}

static int one_int(sg_history *h, const char *sql, const int64_t *arg, int64_t *out, int *null, sg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sg_history_db_error(h, err, "");
    if (arg)
        sqlite3_bind_int64(st, 1, *arg);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *null = sqlite3_column_type(st, 0) == SQLITE_NULL;
        *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        *null = 1;
        *out = 0;
    } else {
        sg_history_db_error(h, err, "");
        sqlite3_finalize(st);
        return err->code;
    }
    sqlite3_finalize(st);
    return 0;
}

int sg_history_previous(sg_history *h, int64_t before, int64_t *run, sg_error *err)
{
    int null;
    int rc = before > 0 ? one_int(h, "SELECT max(id) FROM runs WHERE id < ?1", &before, run, &null, err)
                        : one_int(h, "SELECT max(id) FROM runs", NULL, run, &null, err);
    if (rc)
        return rc;
    if (null)
        *run = 0;
    return 0;
}

int sg_history_has_run(sg_history *h, int64_t id, sg_error *err)
{
    int null;
    int64_t n;
    if (one_int(h, "SELECT count(*) FROM runs WHERE id = ?1", &id, &n, &null, err))
        return -1;
    return n > 0;
}
