/* Sorting: stability, missing last both ways, several keys, strings by text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "sort.h"
#include "ops_testutil.h"
#include "tap.h"

static const char *order_text(const sg_table *t, const char *const *cols, const int *desc, size_t n)
{
    static char buf[2048];
    sg_error err;
    size_t *o = sg_table_order(t, cols, desc, n, &err);
    if (!o) {
        snprintf(buf, sizeof buf, "error: %s", err.msg);
        return buf;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->nrows && len + 24 < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, i ? ",%zu" : "%zu", o[i]);
    sg_free(o);
    return buf;
}

static void test_single_keys(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("k", SG_INT64, "3", "1", NULL, "2", "1", "3", "-5"));
    add_col(t, MKCOL("d", SG_DOUBLE, "0.5", "-0", "nan", "-inf", "0", NULL, "1e300"));
    add_col(t, MKCOL("s", SG_STRING, "pear", "apple", "fig", "apple", NULL, "Zebra", "fig"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", NULL, "true", "false", "true", "false"));
    add_col(t, MKCOL("t", SG_DATETIME, "2011-01-02", "2010-01-01 10:00", "2011-01-02", NULL,
                     "2010-01-01 09:59:59", "1969-12-31 23:00", "2011-01-01"));
    const char *k[] = { "k" }, *d[] = { "d" }, *s[] = { "s" }, *b[] = { "b" }, *tt[] = { "t" };
    int up[] = { 0 }, down[] = { 1 };
    tap_is_str(order_text(t, k, up, 1), "6,1,4,3,0,5,2", "int64 ascending, ties stable, missing last");
    tap_is_str(order_text(t, k, down, 1), "0,5,3,1,4,6,2", "int64 descending, ties stable, missing last");
    tap_is_str(order_text(t, k, NULL, 1), "6,1,4,3,0,5,2", "desc NULL means ascending");
    tap_is_str(order_text(t, d, up, 1), "3,1,4,0,6,2,5",
               "double ascending: -inf, -0 and 0 tie in row order, NaN with the missing");
    tap_is_str(order_text(t, d, down, 1), "6,0,1,4,3,2,5", "double descending");
    /* codes: pear 0, apple 1, fig 2, Zebra 3; bytewise: Zebra < apple < fig < pear */
    tap_is_str(order_text(t, s, up, 1), "5,1,3,2,6,0,4", "strings by text, not by code");
    tap_is_str(order_text(t, s, down, 1), "0,2,6,1,3,5,4", "strings descending, missing last");
    tap_is_str(order_text(t, b, up, 1), "1,4,6,0,3,5,2", "bools: false first");
    tap_is_str(order_text(t, tt, up, 1), "5,4,1,6,0,2,3", "datetimes, before 1970 first");
    sg_table_free(t);
}

static void test_multi_keys(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("g", SG_STRING, "b", "a", "b", NULL, "a", "b", "a"));
    add_col(t, MKCOL("v", SG_DOUBLE, "1", "2", "3", "4", NULL, "3", "2"));
    add_col(t, MKCOL("id", SG_INT64, "0", "1", "2", "3", "4", "5", "6"));
    const char *gv[] = { "g", "v" };
    int asc_desc[] = { 0, 1 }, asc_asc[] = { 0, 0 }, desc_asc[] = { 1, 0 };
    tap_is_str(order_text(t, gv, asc_asc, 2), "1,6,4,0,2,5,3", "g asc, v asc");
    tap_is_str(order_text(t, gv, asc_desc, 2), "1,6,4,2,5,0,3", "g asc, v desc (missing v last in group)");
    tap_is_str(order_text(t, gv, desc_asc, 2), "0,2,5,1,6,4,3", "g desc, v asc");

    sg_error err;
    sg_table *o = sg_table_sort(t, gv, asc_desc, 2, &err);
    tap_ok(o != NULL, "sg_table_sort");
    tap_is_str(join_col(o, "id"), "1|6|4|2|5|0|3", "sorted ids");
    tap_is_str(join_col(o, "g"), "a|a|a|b|b|b|NA", "sorted keys");
    tap_is_str(join_col(o, "v"), "2.0|2.0|NA|3.0|3.0|1.0|4.0", "second key");
    sg_table_free(o);

    const char *bad[] = { "g", "nope" };
    o = sg_table_sort(t, bad, NULL, 2, &err);
    tap_ok(o == NULL && err.code == SG_EINVAL && strstr(err.msg, "'nope'"), "unknown column: %s", err.msg);
    sg_table_free(t);

    /* no rows, one row */
    t = sg_table_new();
    add_col(t, sg_column_new("x", SG_INT64, 0));
    const char *x[] = { "x" };
    o = sg_table_sort(t, x, NULL, 1, &err);
    tap_ok(o && o->nrows == 0 && o->ncols == 1, "sorting an empty table");
    sg_table_free(o);
    sg_table_free(t);
}

/* Larger data against a straightforward check of order and stability. */
static void test_random(void)
{
    size_t n = 200000;
    sg_table *t = sg_table_new();
    sg_column *a = sg_column_new("a", SG_INT64, n), *b = sg_column_new("b", SG_DOUBLE, n);
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x % 97 == 0)
            sg_column_push_na(a);
        else
            sg_column_push_i64(a, (int64_t)(x % 2001) - 1000);
        sg_column_push_f64(b, (double)((x >> 20) % 5) * 0.25 - 0.5);
    }
    add_col(t, a);
    add_col(t, b);
    const char *cols[] = { "a", "b" };
    int desc[] = { 1, 0 };
    sg_error err;
    size_t *o = sg_table_order(t, cols, desc, 2, &err);
    int ok = o != NULL, perm_ok = 1;
    uint8_t *seen = sg_calloc(n, 1);
    for (size_t i = 0; ok && i < n; i++) {
        if (seen[o[i]]++)
            perm_ok = 0;
        if (i == 0)
            continue;
        size_t p = o[i - 1], q = o[i];
        int pn = sg_column_is_na(a, p), qn = sg_column_is_na(a, q);
        int c;
        if (pn != qn)
            c = pn ? 1 : -1;
        else if (!pn && sg_column_i64(a)[p] != sg_column_i64(a)[q])
            c = sg_column_i64(a)[p] > sg_column_i64(a)[q] ? -1 : 1;   /* descending */
        else if (sg_column_f64(b)[p] != sg_column_f64(b)[q])
            c = sg_column_f64(b)[p] < sg_column_f64(b)[q] ? -1 : 1;
        else
            c = p < q ? -1 : 1;   /* stable: row order breaks ties */
        if (c > 0) {
            tap_diag("rows %zu and %zu out of order at %zu", p, q, i);
            ok = 0;
        }
    }
    tap_ok(ok && perm_ok, "200000 rows: a desc, b asc, stable, missing last");
    sg_free(seen);
    sg_free(o);
    sg_table_free(t);
}

static sg_table *sort_two(void *ud, sg_error *err)
{
    static const char *cols[] = { "g", "v" };
    static const int desc[] = { 1, 0 };
    return sg_table_sort(ud, cols, desc, 2, err);
}

static void test_out_of_memory(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("g", SG_STRING, "b", "a", "b", NULL, "a"));
    add_col(t, MKCOL("v", SG_DOUBLE, "1", "2", "3", "4", NULL));
    int fails = oom_sweep(sort_two, t, 8);
    tap_ok(fails > 5, "sort under a memory limit: %d clean ENOMEM failures, then success", fails);
    sg_table_free(t);
}

int main(void)
{
    test_single_keys();
    test_multi_keys();
    test_random();
    test_out_of_memory();
    tap_is_int((long long)sg_mem_used(), 0, "all accounted memory released");
    return tap_done();
}
