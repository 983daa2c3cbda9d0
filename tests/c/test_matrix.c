/* Matrices from dataset columns: scaling kinds, log1p, missing policies,
 * apply with fitted parameters, errors, JSON round trip. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "matrix.h"
#include "mem.h"
#include "ops_testutil.h"
#include "tap.h"

#define NAMES(...) ((const char *const[]){ __VA_ARGS__ })

/* x: 1 2 3 4 10   y: 2 NA 6 8 4   d: days 1, 10, 0.5, 2, 3   b: t f t t f */
static sg_table *table_a(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("x", SG_INT64, "1", "2", "3", "4", "10"));
    add_col(t, MKCOL("y", SG_DOUBLE, "2", NULL, "6", "8", "4"));
    add_col(t, MKCOL("d", SG_DATETIME, "1970-01-02", "1970-01-11", "1970-01-01 12:00:00",
                     "1970-01-03", "1970-01-04"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", "true", "true", "false"));
    add_col(t, MKCOL("s", SG_STRING, "a", "b", "c", "d", "e"));
    add_col(t, MKCOL("k", SG_DOUBLE, "0.1", "0.1", "0.1", "0.1", "0.1"));
    return t;
}

static double at(const sg_matrix *m, size_t i, size_t j) { return sg_matrix_row(m, i)[j]; }

static void test_basics(void)
{
    sg_matrix *m = sg_matrix_new(2, 3);
    tap_ok(m && m->rows == 2 && m->cols == 3, "new 2x3");
    tap_ok(m->data[0] == 0 && m->data[5] == 0, "new matrix is zeroed");
    sg_matrix_row(m, 1)[2] = 7.5;
    sg_matrix *c = sg_matrix_copy(m);
    tap_ok(c && c->data != m->data && c->data[5] == 7.5 && c->rows == 2, "copy holds the values");
    sg_matrix_free(m);
    sg_matrix_free(c);
    sg_matrix_free(NULL);
    sg_scaling_free(NULL);
    tap_ok(sg_matrix_new(SIZE_MAX / 4, 4) == NULL, "overflowing size refused");

    sg_scale_kind k = SG_SCALE_NONE;
    tap_is_int(sg_scale_kind_parse("robust", &k), 0, "parse robust");
    tap_is_int(k, SG_SCALE_ROBUST, "robust kind");
    tap_is_int(sg_scale_kind_parse("minmax", &k), 0, "parse minmax");
    tap_is_int(k, SG_SCALE_MINMAX, "minmax kind");
    tap_ok(sg_scale_kind_parse("zscore", &k) != 0 && k == SG_SCALE_MINMAX, "unknown kind refused, out untouched");
    tap_is_str(sg_scale_kind_name(SG_SCALE_STANDARD), "standard", "name standard");
    tap_is_str(sg_scale_kind_name(SG_SCALE_NONE), "none", "name none");
}

/* x, fitted alone with each kind (no missing in x). */
static void test_kinds(void)
{
    sg_table *t = table_a();
    sg_error err;
    sg_scaling *s;
    size_t *rows;
    sg_matrix_report rep;

    sg_scale_kind kind = SG_SCALE_STANDARD;
    sg_matrix_spec spec = { NAMES("x"), 1, NULL, &kind, SG_MISSING_DROP };
    sg_matrix *m = sg_matrix_fit(t, &spec, &s, &rows, &rep, &err);
    tap_ok(m != NULL, "fit standard");
    tap_is_double(s->center[0], 4, 0, "standard center = mean 4");
    tap_is_double(s->scale[0], sqrt(10), 1e-15, "standard scale = population sd sqrt(50/5)");
    tap_is_double(at(m, 0, 0), -3 / sqrt(10), 1e-15, "(1-4)/sqrt(10)");
    tap_is_double(at(m, 4, 0), 6 / sqrt(10), 1e-15, "(10-4)/sqrt(10)");
    tap_is_double(s->impute[0], 3, 0, "impute = median 3");
    tap_is_int((long long)rep.rows_in, 5, "rows_in");
    tap_is_int((long long)rep.rows_out, 5, "rows_out");
    tap_ok(rows[0] == 0 && rows[4] == 4, "rows_kept identity");
    sg_matrix_free(m);
    sg_scaling_free(s);
    sg_free(rows);

    kind = SG_SCALE_ROBUST;
    m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m != NULL, "fit robust (rows_kept and report optional)");
    tap_is_double(s->center[0], 3, 0, "robust center = median 3");
    tap_is_double(s->scale[0], 2, 0, "robust scale = q75 4 - q25 2");
    tap_is_double(at(m, 4, 0), 3.5, 0, "(10-3)/2");
    tap_is_double(at(m, 0, 0), -1, 0, "(1-3)/2");
    sg_matrix_free(m);
    sg_scaling_free(s);

    kind = SG_SCALE_MINMAX;
    m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m != NULL, "fit minmax");
    tap_is_double(s->center[0], 1, 0, "minmax center = min 1");
    tap_is_double(s->scale[0], 9, 0, "minmax scale = 10 - 1");
    tap_is_double(at(m, 0, 0), 0, 0, "min -> 0");
    tap_is_double(at(m, 3, 0), 1.0 / 3, 1e-15, "(4-1)/9");
    tap_is_double(at(m, 4, 0), 1, 0, "max -> 1");
    sg_matrix_free(m);
    sg_scaling_free(s);

    /* none (kind NULL), datetime as days, bool as 0/1 */
    sg_matrix_spec sp2 = { NAMES("x", "d", "b"), 3, NULL, NULL, SG_MISSING_DROP };
    m = sg_matrix_fit(t, &sp2, &s, NULL, NULL, &err);
    tap_ok(m && m->rows == 5 && m->cols == 3, "fit none 5x3");
    tap_ok(s->kind[1] == SG_SCALE_NONE && s->center[1] == 0 && s->scale[1] == 1, "none: center 0 scale 1");
    tap_is_double(at(m, 4, 0), 10, 0, "int64 unchanged");
    tap_is_double(at(m, 0, 1), 1, 0, "1970-01-02 -> 1 day");
    tap_is_double(at(m, 1, 1), 10, 0, "1970-01-11 -> 10 days");
    tap_is_double(at(m, 2, 1), 0.5, 0, "noon of 1970-01-01 -> 0.5 day");
    tap_is_double(at(m, 0, 2), 1, 0, "true -> 1");
    tap_is_double(at(m, 1, 2), 0, 0, "false -> 0");
    sg_matrix_free(m);
    sg_scaling_free(s);

    /* zero spread: scale 1 for every kind, constant 0.1 column -> exactly 0 */
    sg_scale_kind kinds[3] = { SG_SCALE_STANDARD, SG_SCALE_ROBUST, SG_SCALE_MINMAX };
    for (int i = 0; i < 3; i++) {
        sg_matrix_spec sk = { NAMES("k"), 1, NULL, &kinds[i], SG_MISSING_DROP };
        m = sg_matrix_fit(t, &sk, &s, NULL, NULL, &err);
        tap_ok(m && s->scale[0] == 1 && s->center[0] == 0.1 && at(m, 3, 0) == 0,
               "%s: constant column gives scale 1, center 0.1, values 0", sg_scale_kind_name(kinds[i]));
        sg_matrix_free(m);
        sg_scaling_free(s);
    }
    sg_table_free(t);
}

static void test_log1p(void)
{
    sg_table *t = sg_table_new();
    char e1[64], e2[64];
    snprintf(e1, sizeof e1, "%.17g", exp(1) - 1);
    snprintf(e2, sizeof e2, "%.17g", exp(2) - 1);
    add_col(t, MKCOL("z", SG_DOUBLE, "0", e1, e2));
    sg_error err;
    sg_scaling *s;
    int lg = 1;
    sg_scale_kind kind = SG_SCALE_STANDARD;
    sg_matrix_spec spec = { NAMES("z"), 1, &lg, &kind, SG_MISSING_DROP };
    sg_matrix *m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m != NULL, "fit log1p + standard");
    tap_ok(s->log1p[0] == 1, "log1p recorded");
    tap_is_double(s->center[0], 1, 1e-14, "mean of log1p values 0,1,2 = 1");
    tap_is_double(s->scale[0], sqrt(2.0 / 3), 1e-14, "population sd sqrt(2/3)");
    tap_is_double(s->impute[0], 1, 1e-14, "impute is the median of the log1p'd values");
    tap_is_double(at(m, 2, 0), 1 / sqrt(2.0 / 3), 1e-13, "(2-1)/sqrt(2/3)");
    sg_matrix_free(m);
    sg_scaling_free(s);
    sg_table_free(t);

    t = sg_table_new();
    add_col(t, MKCOL("spend", SG_DOUBLE, "3", "-0.5", "-1", "4"));
    sg_matrix_spec sp2 = { NAMES("spend"), 1, &lg, NULL, SG_MISSING_DROP };
    m = sg_matrix_fit(t, &sp2, &s, NULL, NULL, &err);
    tap_ok(m == NULL && s == NULL, "log1p of -1 fails, no scaling returned");
    tap_is_int(err.code, SG_EDATA, "log1p error is SG_EDATA");
    tap_ok(strstr(err.msg, "'spend'") && strstr(err.msg, "row 3"), "message names column and row: %s", err.msg);
    sg_table_free(t);
}

static void test_missing(void)
{
    sg_table *t = table_a();
    sg_error err;
    sg_scaling *s;
    size_t *rows;
    sg_matrix_report rep;
    sg_scale_kind kinds[2] = { SG_SCALE_STANDARD, SG_SCALE_MINMAX };
    sg_matrix_spec spec = { NAMES("x", "y"), 2, NULL, kinds, SG_MISSING_DROP };
    sg_matrix *m = sg_matrix_fit(t, &spec, &s, &rows, &rep, &err);
    tap_ok(m && m->rows == 4 && m->cols == 2, "drop: 4x2");
    tap_is_int((long long)rep.rows_dropped, 1, "drop: one row dropped");
    tap_is_int((long long)rep.values_imputed, 0, "drop: nothing imputed");
    tap_is_int((long long)rep.rows_out, 4, "drop: rows_out 4");
    tap_ok(rows[0] == 0 && rows[1] == 2 && rows[2] == 3 && rows[3] == 4, "drop: rows_kept 0,2,3,4");
    tap_is_double(s->center[0], 4.5, 0, "x fitted on kept rows: mean(1,3,4,10) = 4.5");
    tap_is_double(s->scale[0], sqrt(11.25), 1e-15, "x sd sqrt(45/4)");
    tap_is_double(s->center[1], 2, 0, "y min 2");
    tap_is_double(s->scale[1], 6, 0, "y range 6");
    tap_is_double(at(m, 1, 1), 4.0 / 6, 1e-15, "y 6 -> 4/6");
    tap_is_double(at(m, 3, 0), 5.5 / sqrt(11.25), 1e-15, "x 10 -> 5.5/sqrt(11.25)");
    tap_is_double(s->impute[1], 5, 0, "y median of present values (2,4,6,8) = 5");
    tap_ok(s->missing == SG_MISSING_DROP, "policy kept");

    /* applying to the same table reproduces the fit bit for bit */
    size_t *rows2;
    sg_matrix_report rep2;
    sg_matrix *m2 = sg_matrix_apply(t, s, &rows2, &rep2, &err);
    tap_ok(m2 && m2->rows == m->rows && m2->cols == m->cols
           && memcmp(m2->data, m->data, m->rows * m->cols * sizeof(double)) == 0
           && memcmp(rows2, rows, m->rows * sizeof *rows) == 0, "drop: apply to same table is bit-identical");
    tap_is_int((long long)rep2.rows_dropped, 1, "apply reports the dropped row");
    sg_matrix_free(m);
    sg_matrix_free(m2);
    sg_free(rows);
    sg_free(rows2);
    sg_scaling_free(s);

    spec.missing = SG_MISSING_MEDIAN;
    kinds[1] = SG_SCALE_NONE;
    m = sg_matrix_fit(t, &spec, &s, &rows, &rep, &err);
    tap_ok(m && m->rows == 5, "median: every row kept");
    tap_is_int((long long)rep.values_imputed, 1, "median: one value imputed");
    tap_is_int((long long)rep.rows_dropped, 0, "median: nothing dropped");
    tap_is_double(at(m, 1, 1), 5, 0, "y missing -> median 5");
    tap_is_double(at(m, 2, 1), 6, 0, "y present unchanged");
    tap_is_double(s->center[0], 4, 0, "x mean over all 5 rows");
    tap_ok(rows[1] == 1, "rows_kept includes imputed row");
    m2 = sg_matrix_apply(t, s, NULL, NULL, &err);
    tap_ok(m2 && memcmp(m2->data, m->data, m->rows * m->cols * sizeof(double)) == 0,
           "median: apply to same table is bit-identical");
    sg_matrix_free(m2);

    /* a new table uses the old center/scale and medians */
    sg_table *t2 = sg_table_new();
    add_col(t2, MKCOL("y", SG_DOUBLE, NULL, "100"));   /* other column order, extra rows */
    add_col(t2, MKCOL("x", SG_INT64, "4", "7"));
    sg_matrix_report rep3;
    m2 = sg_matrix_apply(t2, s, &rows2, &rep3, &err);
    tap_ok(m2 && m2->rows == 2 && m2->cols == 2, "apply to new table: 2x2");
    tap_is_double(at(m2, 0, 0), 0, 0, "x 4 -> (4-4)/sqrt(10) = 0 (old mean)");
    tap_is_double(at(m2, 1, 0), 3 / sqrt(10), 1e-15, "x 7 -> 3/sqrt(10) (old sd)");
    tap_is_double(at(m2, 0, 1), 5, 0, "missing y -> fitted median 5, not the new one");
    tap_is_double(at(m2, 1, 1), 100, 0, "y 100 unchanged (none)");
    tap_is_int((long long)rep3.values_imputed, 1, "apply counts imputations");
    sg_matrix_free(m2);
    sg_free(rows2);
    sg_table_free(t2);

    t2 = sg_table_new();
    add_col(t2, MKCOL("x", SG_INT64, "4"));
    m2 = sg_matrix_apply(t2, s, NULL, NULL, &err);
    tap_ok(m2 == NULL && err.code == SG_EINVAL && strstr(err.msg, "'y'"), "apply: absent column named: %s", err.msg);
    sg_table_free(t2);
    sg_matrix_free(m);
    sg_free(rows);
    sg_scaling_free(s);

    /* apply with log1p: new bad value reported with its row */
    int lg[1] = { 1 };
    sg_matrix_spec sl = { NAMES("x"), 1, lg, NULL, SG_MISSING_DROP };
    m = sg_matrix_fit(t, &sl, &s, NULL, NULL, &err);
    t2 = sg_table_new();
    add_col(t2, MKCOL("x", SG_INT64, "0", "5", "-2"));
    m2 = sg_matrix_apply(t2, s, NULL, NULL, &err);
    tap_ok(m2 == NULL && err.code == SG_EDATA && strstr(err.msg, "row 3"), "apply: log1p error names row: %s", err.msg);
    sg_table_free(t2);
    /* an empty batch gives an empty matrix */
    t2 = sg_table_new();
    add_col(t2, MKCOL("x", SG_INT64, NULL));
    m2 = sg_matrix_apply(t2, s, &rows2, &rep3, &err);
    tap_ok(m2 && m2->rows == 0 && rep3.rows_dropped == 1, "apply: all rows dropped gives 0 rows, not an error");
    sg_matrix_free(m2);
    sg_free(rows2);
    sg_table_free(t2);
    sg_matrix_free(m);
    sg_scaling_free(s);
    sg_table_free(t);
}

static void test_errors(void)
{
    sg_table *t = table_a();
    sg_error err;
    sg_scaling *s = (sg_scaling *)1;
    size_t *rows = (size_t *)1;
    sg_matrix_spec spec = { NAMES("x", "s"), 2, NULL, NULL, SG_MISSING_DROP };
    sg_matrix *m = sg_matrix_fit(t, &spec, &s, &rows, NULL, &err);
    tap_ok(m == NULL && s == NULL && rows == NULL, "string column: fails, outputs NULL");
    tap_is_int(err.code, SG_EINVAL, "string column: SG_EINVAL");
    tap_ok(strstr(err.msg, "'s'") && strstr(err.msg, "string"), "message names the column: %s", err.msg);

    spec.columns = NAMES("x", "nope");
    m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m == NULL && err.code == SG_EINVAL && strstr(err.msg, "'nope'"), "unknown column: %s", err.msg);

    spec.ncols = 0;
    m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m == NULL && err.code == SG_EINVAL, "no column: %s", err.msg);

    sg_table *t2 = sg_table_new();
    add_col(t2, MKCOL("a", SG_DOUBLE, "1", NULL));
    add_col(t2, MKCOL("b", SG_DOUBLE, NULL, "2"));
    sg_matrix_spec sp2 = { NAMES("a", "b"), 2, NULL, NULL, SG_MISSING_DROP };
    m = sg_matrix_fit(t2, &sp2, &s, NULL, NULL, &err);
    tap_ok(m == NULL && err.code == SG_EDATA && strstr(err.msg, "no row left"), "no row left: %s", err.msg);
    sg_table_free(t2);

    t2 = sg_table_new();
    add_col(t2, MKCOL("a", SG_DOUBLE, "1", "3"));
    add_col(t2, MKCOL("e", SG_DOUBLE, NULL, NULL));
    sp2.columns = NAMES("a", "e");
    sp2.missing = SG_MISSING_MEDIAN;
    m = sg_matrix_fit(t2, &sp2, &s, NULL, NULL, &err);
    tap_ok(m == NULL && err.code == SG_EDATA && strstr(err.msg, "'e'"), "median of an empty column: %s", err.msg);
    sg_table_free(t2);
    sg_table_free(t);
}

/* Deep equality of two scalings, doubles compared bit for bit. */
static int same_scaling(const sg_scaling *a, const sg_scaling *b)
{
    if (!a || !b || a->cols != b->cols || a->missing != b->missing)
        return 0;
    for (size_t j = 0; j < a->cols; j++)
        if (strcmp(a->names[j], b->names[j]) || a->log1p[j] != b->log1p[j] || a->kind[j] != b->kind[j]
            || memcmp(&a->center[j], &b->center[j], sizeof(double))
            || memcmp(&a->scale[j], &b->scale[j], sizeof(double))
            || memcmp(&a->impute[j], &b->impute[j], sizeof(double)))
            return 0;
    return 1;
}

static void json_refused(const char *text, const char *want, const char *name)
{
    cJSON *j = cJSON_Parse(text);
    sg_error err;
    sg_scaling *s = sg_scaling_from_json(j, &err);
    tap_ok(j && !s && err.code == SG_EINVAL && strstr(err.msg, want), "%s: %s", name, s ? "(accepted)" : err.msg);
    sg_scaling_free(s);
    cJSON_Delete(j);
}

static void test_json(void)
{
    sg_table *t = table_a();
    sg_error err;
    sg_scaling *s;
    int lg[3] = { 1, 0, 1 };
    sg_scale_kind kinds[3] = { SG_SCALE_STANDARD, SG_SCALE_ROBUST, SG_SCALE_MINMAX };
    sg_matrix_spec spec = { NAMES("x", "y", "d"), 3, lg, kinds, SG_MISSING_MEDIAN };
    sg_matrix *m = sg_matrix_fit(t, &spec, &s, NULL, NULL, &err);
    tap_ok(m != NULL, "fit for JSON");

    cJSON *j = sg_scaling_to_json(s);
    tap_ok(j != NULL, "to_json");
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "columns"), 0);
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "name")), "x", "columns[1].name");
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "scale")), "standard", "columns[1].scale");
    tap_ok(cJSON_IsTrue(cJSON_GetObjectItem(c0, "log1p")), "columns[1].log1p true");
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "missing")), "median", "missing policy");
    sg_scaling *back = sg_scaling_from_json(j, &err);
    tap_ok(same_scaling(s, back), "object round trip gives identical parameters");
    sg_scaling_free(back);

    char *text = cJSON_PrintUnformatted(j);
    cJSON *j2 = cJSON_Parse(text);
    back = sg_scaling_from_json(j2, &err);
    tap_ok(same_scaling(s, back), "text round trip gives identical parameters");
    sg_matrix *m2 = sg_matrix_apply(t, back, NULL, NULL, &err);
    tap_ok(m2 && memcmp(m2->data, m->data, m->rows * m->cols * sizeof(double)) == 0,
           "reloaded scaling reproduces the matrix bit for bit");
    sg_matrix_free(m2);
    sg_scaling_free(back);
    cJSON_Delete(j2);
    cJSON_free(text);
    cJSON_Delete(j);
    sg_matrix_free(m);
    sg_scaling_free(s);
    sg_table_free(t);

#define COL(body) "{\"columns\":[" body "],\"missing\":\"drop\"}"
    json_refused("[1,2]", "expected an object", "array refused");
    json_refused("{\"missing\":\"drop\"}", "'columns' is missing", "no columns");
    json_refused("{\"columns\":{},\"missing\":\"drop\"}", "non-empty array", "columns not array");
    json_refused("{\"columns\":[],\"missing\":\"drop\"}", "non-empty array", "columns empty");
    json_refused(COL("3"), "columns[1] must be an object", "column not object");
    json_refused("{\"columns\":[{\"name\":\"a\",\"log1p\":false,\"scale\":\"none\",\"center\":0,\"scale_by\":1,"
                 "\"impute\":0}]}", "'missing' is missing", "no missing policy");
    json_refused("{\"columns\":[{\"name\":\"a\",\"log1p\":false,\"scale\":\"none\",\"center\":0,\"scale_by\":1,"
                 "\"impute\":0}],\"missing\":\"mean\"}", "\"drop\" or \"median\"", "bad missing policy");
    json_refused(COL("{\"log1p\":false,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "'name' is missing", "no name");
    json_refused(COL("{\"name\":7,\"log1p\":false,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "'name' must be a string", "name not string");
    json_refused(COL("{\"name\":\"a\",\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "'log1p' is missing", "no log1p");
    json_refused(COL("{\"name\":\"a\",\"log1p\":1,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "'log1p' must be true or false", "log1p not bool");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"zscore\",\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "unknown scale kind 'zscore'", "unknown scale kind");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"center\":0,\"scale_by\":1,\"impute\":0}"),
                 "'scale' is missing", "no scale");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"none\",\"center\":\"0\",\"scale_by\":1,\"impute\":0}"),
                 "'center' must be a finite number", "center not number");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"none\",\"center\":0,\"impute\":0}"),
                 "'scale_by' is missing", "no scale_by");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"none\",\"center\":0,\"scale_by\":0,\"impute\":0}"),
                 "'scale_by' must be > 0", "zero scale_by");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":null}"),
                 "'impute' must be a finite number", "null impute");
    json_refused(COL("{\"name\":\"a\",\"log1p\":true,\"scale\":\"none\",\"center\":0,\"scale_by\":1,\"impute\":0},"
                     "{\"name\":\"b\",\"log1p\":true,\"scale\":\"none\",\"center\":0,\"scale_by\":1}"),
                 "columns[2]: field 'impute' is missing", "second column checked too");
    tap_ok(sg_scaling_from_json(NULL, &err) == NULL && err.code == SG_EINVAL, "NULL JSON refused");
}

int main(void)
{
    size_t before = sg_mem_used();
    test_basics();
    test_kinds();
    test_log1p();
    test_missing();
    test_errors();
    test_json();
    tap_is_int((long long)sg_mem_used(), (long long)before, "no accounted memory left allocated");
    return tap_done();
}
