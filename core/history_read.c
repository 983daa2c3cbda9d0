/* Reading the run history back: runs, inputs, KPI trends, segment sizes,
 * customers, and segment migrations between two runs.  Each query goes
 * through the SQLite reader (sql_sqlite.c), so results are typed tables. */
#include "history_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
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
    static const sg_sql_type types[] = { { "segment", SG_STRING }, { "customers", SG_INT64 }, { "name", SG_STRING } };
    return query(h,
                 h->version >= 2
                     ? "SELECT segment, customers, name FROM run_segments WHERE run_id = ?1 ORDER BY position"
                     : "SELECT segment, customers, NULL AS name FROM run_segments WHERE run_id = ?1 ORDER BY position",
                 &run, 1, NULL, types, 3, err);
}

sg_table *sg_history_figures(sg_history *h, int64_t run, sg_error *err)
{
    static const sg_sql_type types[] = { { "name", SG_STRING }, { "value", SG_DOUBLE } };
    return query(h,
                 h->version >= 2 ? "SELECT name, value FROM run_figures WHERE run_id = ?1 ORDER BY name"
                                 : "SELECT NULL AS name, NULL AS value WHERE ?1 IS NULL",
                 &run, 1, NULL, types, 2, err);
}

sg_table *sg_history_customers(sg_history *h, int64_t run, sg_error *err)
{
    return query(h,
                 "SELECT customer, segment, cluster, clv, churn_probability, campaign FROM run_customers "
                 "WHERE run_id = ?1 ORDER BY customer",
                 &run, 1, NULL, NULL, 0, err);
}

/* ---- migration: a merge of the two runs' customers (both in key order) ---- */

/* code of the current row's segment (column 1), or -1 when NULL; -2 out of memory */
static int32_t segment_code(sg_dict *d, sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, 1) == SQLITE_NULL)
        return -1;
    const char *s = (const char *)sqlite3_column_text(st, 1);
    if (!s)
        return -2;
    int32_t c = sg_dict_intern(d, s, (size_t)sqlite3_column_bytes(st, 1));
    return c < 0 ? -2 : c;
}

typedef struct cell {
    int32_t from, to;    /* codes; -1: NULL segment */
    int kind;            /* 0 stayed, 1 moved, 2 new, 3 departed */
    int64_t n;
} cell;

typedef struct cells {
    cell *v;
    size_t n, cap;
    sg_keymap index;     /* (from, to, kind) -> cell */
} cells;

static int count_cell(cells *cs, int32_t from, int32_t to, int kind)
{
    uint64_t key = ((uint64_t)(uint32_t)(from + 1) << 32 | (uint64_t)(uint32_t)(to + 1)) << 2 | (uint64_t)kind;
    uint32_t k = sg_keymap_find(&cs->index, key);
    if (k != SG_KEYMAP_NONE) {
        cs->v[k].n++;
        return 0;
    }
    if (sg_keymap_add(&cs->index, key, (uint32_t)cs->n) == SG_KEYMAP_NONE)
        return -1;
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? 2 * cs->cap : 64;
        cell *v = sg_realloc(cs->v, nc * sizeof *v);
        if (!v)
            return -1;
        cs->v = v;
        cs->cap = nc;
    }
    cs->v[cs->n++] = (cell){ from, to, kind, 1 };
    return 0;
}

typedef struct named {
    const char *s;
    size_t len;
    int32_t code;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_cell(const void *a, const void *b)
{
    /* from and to hold ranks here: -1 (NULL) first, then by name */
    const cell *x = a, *y = b;
    if (x->from != y->from)
        return (x->from > y->from) - (x->from < y->from);
    if (x->to != y->to)
        return (x->to > y->to) - (x->to < y->to);
    return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Sorts the cells as SQL's ORDER BY from, to (NULL first, names by their
 * bytes) and turns their ranks back into codes. */
static int sort_cells(cells *cs, const sg_dict *d)
{
    size_t nd = sg_dict_size(d);
    named *v = sg_malloc((nd ? nd : 1) * sizeof *v);
    int32_t *rank = sg_malloc((nd ? nd : 1) * sizeof *rank);
    if (!v || !rank) {
        sg_free(v);
        sg_free(rank);
        return -1;
    }
    for (size_t k = 0; k < nd; k++) {
        v[k].s = sg_dict_str(d, (int32_t)k, &v[k].len);
        v[k].code = (int32_t)k;
    }
    if (nd > 1)
        qsort(v, nd, sizeof *v, cmp_named);
    for (size_t k = 0; k < nd; k++)
        rank[v[k].code] = (int32_t)k;
    for (size_t k = 0; k < cs->n; k++) {
        if (cs->v[k].from >= 0)
            cs->v[k].from = rank[cs->v[k].from];
        if (cs->v[k].to >= 0)
            cs->v[k].to = rank[cs->v[k].to];
    }
    if (cs->n > 1)   /* no moves at all: cs->v may be NULL */
        qsort(cs->v, cs->n, sizeof *cs->v, cmp_cell);
    for (size_t k = 0; k < cs->n; k++) {
        if (cs->v[k].from >= 0)
            cs->v[k].from = v[cs->v[k].from].code;
        if (cs->v[k].to >= 0)
            cs->v[k].to = v[cs->v[k].to].code;
    }
    sg_free(v);
    sg_free(rank);
    return 0;
}

static int step_row(sg_history *h, sqlite3_stmt *st, int *have, sg_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *have = 1;
        return 0;
    }
    *have = 0;
    if (rc == SQLITE_DONE)
        return 0;
    return sg_history_db_error(h, err, "");
}

/* customer text of the current row of st */
static const char *key_of(sqlite3_stmt *st, int *len)
{
    const char *s = (const char *)sqlite3_column_text(st, 0);
    *len = sqlite3_column_bytes(st, 0);
    return s;
}

static int cmp_keys(sqlite3_stmt *a, sqlite3_stmt *b)
{
    int la, lb;
    const char *sa = key_of(a, &la), *sb = key_of(b, &lb);
    int c = memcmp(sa, sb, (size_t)(la < lb ? la : lb));
    return c ? c : (la > lb) - (la < lb);
}

static sg_table *migration_table(const cells *cs, const sg_dict *d, sg_error *err)
{
    static const char *kinds[4] = { "stayed", "moved", "new", "departed" };
    sg_table *t = sg_table_new();
    sg_column *from = sg_column_new("from_segment", SG_STRING, cs->n);
    sg_column *to = sg_column_new("to_segment", SG_STRING, cs->n);
    sg_column *n = sg_column_new("customers", SG_INT64, cs->n);
    sg_column *kind = sg_column_new("change", SG_STRING, cs->n);
    int bad = !t || !from || !to || !n || !kind;
    for (size_t k = 0; k < cs->n && !bad; k++) {
        const cell *c = &cs->v[k];
        size_t len;
        const char *s;
        if (c->from < 0) {
            bad |= sg_column_push_na(from);
        } else {
            s = sg_dict_str(d, c->from, &len);
            bad |= sg_column_push_str(from, s, len);
        }
        if (c->to < 0) {
            bad |= sg_column_push_na(to);
        } else {
            s = sg_dict_str(d, c->to, &len);
            bad |= sg_column_push_str(to, s, len);
        }
        bad |= sg_column_push_i64(n, c->n);
        bad |= sg_column_push_str(kind, kinds[c->kind], strlen(kinds[c->kind]));
    }
    if (bad) {
        sg_table_free(t);
        sg_column_release(from);
        sg_column_release(to);
        sg_column_release(n);
        sg_column_release(kind);
        sg_error_nomem(err);
        return NULL;
    }
    if (sg_table_add(t, from, err) || sg_table_add(t, to, err) || sg_table_add(t, n, err) ||
        sg_table_add(t, kind, err)) {
        sg_table_free(t);
        return NULL;
    }
    return t;
}

sg_table *sg_history_migration(sg_history *h, int64_t from, int64_t to, sg_error *err)
{
    /* both runs' customers come in primary-key order: one merge, no join */
    const char *sql = "SELECT customer, segment FROM run_customers WHERE run_id = ?1 ORDER BY customer";
    sqlite3_stmt *a = NULL, *b = NULL;
    sg_dict *d = sg_dict_new(64);
    cells cs;
    memset(&cs, 0, sizeof cs);
    sg_table *t = NULL;
    if (!d || sg_keymap_alloc(&cs.index, 8)) {
        sg_error_nomem(err);
        goto done;
    }
    if (sqlite3_prepare_v2(h->db, sql, -1, &a, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, sql, -1, &b, NULL) != SQLITE_OK) {
        sg_history_db_error(h, err, "");
        goto done;
    }
    sqlite3_bind_int64(a, 1, from);
    sqlite3_bind_int64(b, 1, to);
    int ha, hb;
    if (step_row(h, a, &ha, err) || step_row(h, b, &hb, err))
        goto done;
    while (ha || hb) {
        int c = !ha ? 1 : !hb ? -1 : cmp_keys(a, b);
        int32_t sa = c <= 0 ? segment_code(d, a) : -1, sb = c >= 0 ? segment_code(d, b) : -1;
        if (sa == -2 || sb == -2) {
            sg_error_nomem(err);
            goto done;
        }
        int kind = c < 0 ? 3 : c > 0 ? 2 : sa == sb ? 0 : 1;
        if (count_cell(&cs, sa, sb, kind)) {
            sg_error_nomem(err);
            goto done;
        }
        if (c <= 0 && step_row(h, a, &ha, err))
            goto done;
        if (c >= 0 && step_row(h, b, &hb, err))
            goto done;
    }
    if (sort_cells(&cs, d)) {
        sg_error_nomem(err);
        goto done;
    }
    t = migration_table(&cs, d, err);
done:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    sg_free(cs.v);
    sg_keymap_free(&cs.index);
    sg_dict_release(d);
    return t;
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
    int null = 0;
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
    int null = 0;
    int64_t n = 0;
    if (one_int(h, "SELECT count(*) FROM runs WHERE id = ?1", &id, &n, &null, err))
        return -1;
    return n > 0;
}
