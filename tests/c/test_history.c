/* The run history: schema creation and checks, appending runs in one
 * transaction (a failing append leaves nothing), reading back runs, KPI
 * trends, segment sizes, customers and the migration between two runs
 * (counts checked by hand), and masked connection strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "history.h"
#include "ops_testutil.h"
#include "tap.h"

static char dir[] = "/tmp/sg_test_history_XXXXXX";

static sg_table *customers(const char *const *ids, const char *const *segs, size_t n)
{
    sg_table *t = sg_table_new();
    add_col(t, mkcol("customer", SG_STRING, ids, n));
    add_col(t, mkcol("segment", SG_STRING, segs, n));
    const char *clv[] = { "120.5", "80", NULL, "10", "5" };
    add_col(t, mkcol("clv_12m", SG_DOUBLE, clv, n));
    const char *cl[] = { "1", "2", "2", "1", "3" };
    add_col(t, mkcol("cluster", SG_INT64, cl, n));
    return t;
}

static void base_run(sg_history_run *r, sg_table *c, const char *time)
{
    memset(r, 0, sizeof *r);
    int64_t t;
    sg_datetime_parse(time, strlen(time), SG_DATE_ISO, &t, NULL);
    r->time = t;
    r->customers = c;
    r->customer = "customer";
    r->segment = "segment";
    r->clv = "clv_12m";
    r->cluster = "cluster";
}

static long long count_rows(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

int main(void)
{
    if (!mkdtemp(dir))
        abort();
    char path[256];
    snprintf(path, sizeof path, "%s/history.sqlite", dir);
    sg_error err;
    sg_error_clear(&err);

    tap_ok(!sg_history_open(path, 0, &err) && err.code == SG_EIO, "reading a history that does not exist fails");
    sg_history *h = sg_history_open(path, 1, &err);
    tap_ok(h != NULL, "a new history is created: %s", h ? "" : err.msg);
    if (!h)
        return tap_done();

    /* run 1 */
    const char *ids1[] = { "A", "B", "C" }, *seg1[] = { "Champions", "At Risk", "Lost" };
    sg_table *c1 = customers(ids1, seg1, 3);
    sg_history_input in[2] = { { "data/tx.csv", "ab12" }, { "host=db user=bob password=s3cret dbname=shop", NULL } };
    sg_history_kpi k1[2];
    memset(k1, 0, sizeof k1);
    k1[0] = (sg_history_kpi){ .name = "Retention rate", .measure = "retention_rate", .unit = "%", .value = 0.6,
                              .previous = 0.62, .target = 0.85, .direction = "higher", .status = "missed" };
    k1[1] = (sg_history_kpi){ .name = "Average basket", .value = 2852, .previous = NAN, .target = NAN };
    sg_history_count s1[3] = { { "Champions", 1, "Champions (en)" }, { "At Risk", 1, NULL }, { "Lost", 1, "Perdus" } };
    sg_history_figure f1[2] = { { "revenue", 1234.5 }, { "at_risk", NAN } };
    sg_history_run r;
    base_run(&r, c1, "2025-11-01 06:00:00");
    r.inputs = in;
    r.ninputs = 2;
    r.kpis = k1;
    r.nkpis = 2;
    r.segments = s1;
    r.nsegments = 3;
    r.figures = f1;
    r.nfigures = 2;
    r.parameters = "{\"bins\":5}";
    int64_t id1 = 0, id2 = 0, id3 = 0;
    tap_is_int(sg_history_append(h, &r, &id1, &err), 0, "run 1 appended");
    tap_is_int(id1, 1, "its id is 1");

    /* run 2: A fell to At Risk, B stayed, C departed, D is new */
    const char *ids2[] = { "A", "B", "D" }, *seg2[] = { "At Risk", "At Risk", "New Customers" };
    sg_table *c2 = customers(ids2, seg2, 3);
    sg_history_kpi k2[1];
    memset(k2, 0, sizeof k2);
    k2[0] = (sg_history_kpi){ .name = "Retention rate", .value = 0.58, .previous = 0.6, .target = 0.85 };
    base_run(&r, c2, "2025-12-01 06:00:00");
    r.kpis = k2;
    r.nkpis = 1;
    tap_is_int(sg_history_append(h, &r, &id2, &err), 0, "run 2 appended");
    tap_is_int(id2, 2, "its id is 2");

    /* a failing append: a customer twice */
    const char *ids3[] = { "A", "E", "A" }, *seg3[] = { "Lost", "Lost", "Lost" };
    sg_table *c3 = customers(ids3, seg3, 3);
    base_run(&r, c3, "2025-12-02 06:00:00");
    r.kpis = k2;
    r.nkpis = 1;
    int rc = sg_history_append(h, &r, &id3, &err);
    tap_ok(rc != 0 && strstr(err.msg, "customer 'A' appears twice"), "a bad run is refused: %s", err.msg);
    tap_is_int(count_rows(path, "SELECT count(*) FROM runs"), 2, "the failed run left no run row");
    tap_is_int(count_rows(path, "SELECT count(*) FROM run_customers WHERE customer = 'E'"), 0,
               "nor any of its customers");
    tap_is_int(count_rows(path, "SELECT count(*) FROM run_kpis"), 3, "nor its KPIs");
    sg_table_free(c3);
    /* a missing column is refused before anything is written */
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.campaign = "campaign";
    tap_is_int(sg_history_append(h, &r, NULL, &err), SG_EINVAL, "a column that does not exist");
    /* the other refusals before anything is written, each with its message */
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.clv = "segment";
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: column 'segment' (clv) must be numeric, not string", "a text CLV column");
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.customer = NULL;
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: the customer table needs a customer column", "customers without their id column");
    sg_history_kpi unnamed_kpi[1] = { { NULL, NULL, NULL, NULL, NULL, 1, NAN, NAN, 0, 0, 0 } };
    sg_history_count unnamed_seg[1] = { { NULL, 3, NULL } }, twice_seg[2] = { { "Lost", 1, NULL }, { "Lost", 2, NULL } };
    sg_history_figure unnamed_fig[1] = { { NULL, 1 } }, twice_fig[2] = { { "clv", 1 }, { "clv", 2 } };
    sg_history_input no_path[1] = { { NULL, NULL } };
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.kpis = unnamed_kpi;
    r.nkpis = 1;
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: KPI 1 has no name", "a KPI without a name");
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.segments = unnamed_seg;
    r.nsegments = 1;
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: segment 1 has no name", "a segment without a name");
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.figures = unnamed_fig;
    r.nfigures = 1;
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: key figure 1 has no name", "a key figure without a name");
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.inputs = no_path;
    r.ninputs = 1;
    sg_history_append(h, &r, NULL, &err);
    tap_is_str(err.msg, "history: input 1 has no path", "an input without a path");
    char want[400];
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.segments = twice_seg;
    r.nsegments = 2;
    sg_history_append(h, &r, NULL, &err);
    snprintf(want, sizeof want, "history %s: segment 'Lost' appears twice", path);
    tap_is_str(err.msg, want, "a segment twice");
    base_run(&r, c2, "2025-12-02 06:00:00");
    r.figures = twice_fig;
    r.nfigures = 2;
    sg_history_append(h, &r, NULL, &err);
    snprintf(want, sizeof want, "history %s: key figure 'clv' appears twice", path);
    tap_is_str(err.msg, want, "a key figure twice");
    tap_is_int(count_rows(path, "SELECT count(*) FROM runs"), 2, "none of the refused runs was written");
    tap_is_str(sg_history_path(h), path, "the history's path");
    tap_ok(!sg_history_path(NULL), "no history, no path");
    tap_ok(!sg_history_open("", 1, &err), "an empty file name refused");
    tap_is_str(err.msg, "history: a file name is required", "an empty file name: message");

    /* reading back */
    sg_table *t = sg_history_runs(h, &err);
    tap_ok(t && t->nrows == 2, "two runs");
    if (t) {
        tap_is_str(join_col(t, "id"), "1|2", "run ids");
        tap_is_str(join_col(t, "run_time"), "2025-11-01 06:00:00|2025-12-01 06:00:00", "run times");
        tap_is_str(join_col(t, "customers"), "3|3", "customers per run");
        tap_is_str(join_col(t, "inputs"), "2|0", "inputs per run");
        tap_is_str(join_col(t, "segmint"), SG_VERSION "|" SG_VERSION, "the segmint version");
        tap_is_str(cell(sg_table_col(t, "parameters"), 0), "{\"bins\":5}", "parameters as JSON");
    }
    sg_table_free(t);
    t = sg_history_inputs(h, 1, &err);
    tap_ok(t && t->nrows == 2, "inputs of run 1");
    if (t)
        tap_is_str(join_col(t, "path"), "data/tx.csv|host=db user=bob password=**** dbname=shop",
                   "a connection string is stored masked");
    sg_table_free(t);
    tap_is_int(count_rows(path, "SELECT count(*) FROM run_inputs WHERE path LIKE '%s3cret%'"), 0,
               "the password is nowhere in the file's inputs");
    t = sg_history_kpis(h, "Retention rate", &err);
    tap_ok(t && t->nrows == 2, "a KPI's trend");
    if (t) {
        tap_is_str(join_col(t, "value"), "0.6|0.58", "values by run");
        tap_is_str(join_col(t, "target"), "0.85|0.85", "targets");
        tap_is_str(join_col(t, "status"), "missed|NA", "status as stored");
    }
    sg_table_free(t);
    t = sg_history_kpis(h, NULL, &err);
    tap_ok(t && t->nrows == 3, "every KPI of every run");
    if (t)
        tap_is_str(join_col(t, "name"), "Retention rate|Average basket|Retention rate", "in run and file order");
    sg_table_free(t);
    t = sg_history_segments(h, 1, &err);
    tap_ok(t && t->nrows == 3, "segment sizes of run 1");
    if (t)
        tap_is_str(join_col(t, "segment"), "Champions|At Risk|Lost", "in the order given");
    if (t)
        tap_is_str(join_col(t, "name"), "Champions (en)|NA|Perdus", "with the names shown, when given");
    sg_table_free(t);
    t = sg_history_figures(h, 1, &err);
    tap_ok(t && t->nrows == 2, "key figures of run 1");
    if (t) {
        tap_is_str(join_col(t, "name"), "at_risk|revenue", "by name");
        tap_is_str(join_col(t, "value"), "NA|1234.5", "a missing value kept missing");
    }
    sg_table_free(t);
    t = sg_history_figures(h, 2, &err);
    tap_ok(t && t->nrows == 0, "run 2 stored none");
    sg_table_free(t);
    t = sg_history_customers(h, 2, &err);
    tap_ok(t && t->nrows == 3, "customers of run 2");
    if (t) {
        tap_is_str(join_col(t, "cluster"), "1|2|2", "clusters stored as text");
        tap_is_str(join_col(t, "clv"), "120.5|80.0|NA", "CLV (missing kept missing)");
        tap_is_str(join_col(t, "campaign"), "NA|NA|NA", "no campaign column given");
    }
    sg_table_free(t);

    /* the migration from run 1 to run 2, by hand:
     *   At Risk -> At Risk 1 (B, stayed), Champions -> At Risk 1 (A, moved),
     *   Lost -> departed 1 (C), new -> New Customers 1 (D) */
    t = sg_history_migration(h, 1, 2, &err);
    tap_ok(t && t->nrows == 4, "four migration cells");
    if (t) {
        tap_is_str(join_col(t, "from_segment"), "NA|At Risk|Champions|Lost", "from");
        tap_is_str(join_col(t, "to_segment"), "New Customers|At Risk|At Risk|NA", "to");
        tap_is_str(join_col(t, "customers"), "1|1|1|1", "counts");
        tap_is_str(join_col(t, "change"), "new|stayed|moved|departed", "kinds of change");
    }
    sg_table_free(t);
    int64_t prev;
    tap_ok(sg_history_previous(h, 2, &prev, &err) == 0 && prev == 1, "the run before 2 is 1");
    tap_ok(sg_history_previous(h, 0, &prev, &err) == 0 && prev == 2, "the latest run is 2");
    tap_ok(sg_history_previous(h, 1, &prev, &err) == 0 && prev == 0, "none before 1");
    sg_history_close(h);

    /* reopening: read-only works; the schema is checked */
    h = sg_history_open(path, 0, &err);
    tap_ok(h != NULL, "reopened read-only");
    sg_history_close(h);

    /* a schema 1 file (before segment names and key figures): read as it
     * is, upgraded when opened for writing */
    char old[256];
    snprintf(old, sizeof old, "%s/v1.sqlite", dir);
    h = sg_history_open(old, 1, &err);
    base_run(&r, c1, "2025-11-01 06:00:00");
    r.segments = s1;
    r.nsegments = 3;
    tap_is_int(h ? sg_history_append(h, &r, NULL, &err) : -1, 0, "a run for the schema 1 file");
    sg_history_close(h);
    sqlite3 *x;
    sqlite3_open(old, &x);
    tap_is_int(sqlite3_exec(x, "ALTER TABLE run_segments DROP COLUMN name; DROP TABLE run_figures; "
                               "PRAGMA user_version = 1;", NULL, NULL, NULL),
               SQLITE_OK, "made a schema 1 file");
    sqlite3_close(x);
    h = sg_history_open(old, 0, &err);
    tap_ok(h != NULL, "a schema 1 file opens read-only");
    t = h ? sg_history_segments(h, 1, &err) : NULL;
    tap_ok(t && t->nrows == 3, "its segment sizes");
    if (t)
        tap_is_str(join_col(t, "name"), "NA|NA|NA", "without names");
    sg_table_free(t);
    t = h ? sg_history_figures(h, 1, &err) : NULL;
    tap_ok(t && t->nrows == 0, "and without key figures");
    sg_table_free(t);
    sg_history_close(h);
    tap_is_int(count_rows(old, "PRAGMA user_version"), 1, "reading left it at schema 1");
    h = sg_history_open(old, 1, &err);
    tap_ok(h != NULL, "opened for writing");
    base_run(&r, c2, "2025-12-01 06:00:00");
    r.segments = s1;
    r.nsegments = 3;
    r.figures = f1;
    r.nfigures = 2;
    tap_is_int(h ? sg_history_append(h, &r, NULL, &err) : -1, 0, "a run appended after the upgrade");
    t = h ? sg_history_segments(h, 2, &err) : NULL;
    if (t)
        tap_is_str(join_col(t, "name"), "Champions (en)|NA|Perdus", "the new run's names");
    else
        tap_ok(0, "the new run's names");
    sg_table_free(t);
    sg_history_close(h);
    tap_is_int(count_rows(old, "PRAGMA user_version"), 2, "upgraded to schema 2");
    tap_is_int(count_rows(old, "SELECT count(*) FROM run_figures WHERE run_id = 2"), 2, "with the key figures");
    char other[256];
    snprintf(other, sizeof other, "%s/other.sqlite", dir);
    sqlite3_open(other, &x);
    sqlite3_exec(x, "CREATE TABLE t (a); PRAGMA user_version = 3;", NULL, NULL, NULL);
    sqlite3_close(x);
    tap_ok(!sg_history_open(other, 1, &err) && strstr(err.msg, "an SQLite database of another program"),
           "another program's database is refused: %s", err.msg);
    sqlite3_open(path, &x);
    sqlite3_exec(x, "PRAGMA user_version = 99;", NULL, NULL, NULL);
    sqlite3_close(x);
    tap_ok(!sg_history_open(path, 0, &err) && strstr(err.msg, "written by a newer segmint (history schema 99"),
           "a newer schema is refused: %s", err.msg);
    char text[256];
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    FILE *f = fopen(text, "w");
    fputs("not a database at all, only some text that is long enough to hold a header\n", f);
    fclose(f);
    tap_ok(!sg_history_open(text, 1, &err) && err.code == SG_EDATA && strstr(err.msg, "not an SQLite database"),
           "a text file is refused: %s", err.msg);

    sg_table_free(c1);
    sg_table_free(c2);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
