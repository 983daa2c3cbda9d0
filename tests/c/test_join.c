/* Joins: inner and left, duplicates on the right, keys across dictionaries
 * and numeric types, several keys, name collisions, errors. */
#include <string.h>

#include "join.h"
#include "ops_testutil.h"
#include "tap.h"

static sg_table *left_table(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("id", SG_STRING, "a", "b", "c", NULL, "b"));
    add_col(t, MKCOL("lv", SG_INT64, "1", "2", "3", "4", "5"));
    return t;
}

static sg_table *right_table(void)
{
    sg_table *t = sg_table_new();
    /* its own dictionary, with codes in another order; "a" missing on the
     * left side of row 4 must not match the missing right key */
    add_col(t, MKCOL("key", SG_STRING, "d", "b", "a", "b", NULL));
    add_col(t, MKCOL("rv", SG_DOUBLE, "40", "10", "20", "30", "50"));
    add_col(t, MKCOL("lv", SG_INT64, "6", "7", "8", "9", "0"));
    return t;
}

static void test_string_keys(void)
{
    sg_table *l = left_table(), *r = right_table();
    const char *lk[] = { "id" }, *rk[] = { "key" };
    sg_error err;
    sg_table *o = sg_table_join(l, r, lk, rk, 1, SG_JOIN_INNER, NULL, &err);
    tap_ok(o != NULL, "inner join on strings from two dictionaries");
    if (o) {
        tap_is_int((long long)o->ncols, 4, "left columns, then right non-key columns");
        tap_is_str(o->cols[3]->name, "lv_right", "collision gets the default suffix");
        tap_is_str(join_col(o, "id"), "a|b|b|b|b", "left order, right duplicates repeat the row");
        tap_is_str(join_col(o, "lv"), "1|2|2|5|5", "left values");
        tap_is_str(join_col(o, "rv"), "20.0|10.0|30.0|10.0|30.0", "right matches in right order");
        tap_is_str(join_col(o, "lv_right"), "8|7|9|7|9", "renamed right column");
        tap_ok(sg_table_col(o, "key") == NULL, "right key column dropped");
    }
    sg_table_free(o);

    o = sg_table_join(l, r, lk, rk, 1, SG_JOIN_LEFT, "_r", &err);
    tap_ok(o != NULL, "left join");
    if (o) {
        tap_is_str(join_col(o, "id"), "a|b|b|c|NA|b|b", "unmatched left rows kept in place");
        tap_is_str(join_col(o, "lv"), "1|2|2|3|4|5|5", "left values");
        tap_is_str(join_col(o, "rv"), "20.0|10.0|30.0|NA|NA|10.0|30.0", "missing right values");
        tap_is_str(join_col(o, "lv_r"), "8|7|9|NA|NA|7|9", "custom suffix");
    }
    sg_table_free(o);

    /* right to left: each right row finds its left rows */
    o = sg_table_join(r, l, rk, lk, 1, SG_JOIN_LEFT, NULL, &err);
    tap_ok(o != NULL, "left join the other way");
    if (o) {
        tap_is_str(join_col(o, "key"), "d|b|b|a|b|b|NA", "rows");
        tap_is_str(join_col(o, "lv_right"), "NA|2|5|1|2|5|NA", "left values as right columns");
    }
    sg_table_free(o);
    sg_table_free(l);
    sg_table_free(r);
}

static void test_numeric_keys(void)
{
    sg_table *l = sg_table_new(), *r = sg_table_new();
    add_col(l, MKCOL("n", SG_INT64, "1", "2", "3", "9007199254740993", "0", "-4"));
    add_col(r, MKCOL("x", SG_DOUBLE, "2.0", "1.0", "2.5", "9007199254740992", "-0", "nan"));
    add_col(r, MKCOL("tag", SG_STRING, "two", "one", "half", "big", "zero", "nan"));
    const char *lk[] = { "n" }, *rk[] = { "x" };
    sg_error err;
    sg_table *o = sg_table_join(l, r, lk, rk, 1, SG_JOIN_LEFT, NULL, &err);
    tap_ok(o != NULL, "int64 against double keys");
    if (o)
        tap_is_str(join_col(o, "tag"), "one|two|NA|NA|zero|NA",
                   "equal by value; 2^53+1 does not equal 2^53; 0 equals -0; NaN never matches");
    sg_table_free(o);

    /* identical left rows in order: the left columns are shared, not copied */
    sg_table *r2 = sg_table_new();
    add_col(r2, MKCOL("n", SG_INT64, "3", "1"));
    add_col(r2, MKCOL("w", SG_BOOL, "true", "false"));
    o = sg_table_join(l, r2, lk, lk, 1, SG_JOIN_LEFT, NULL, &err);
    tap_ok(o && o->cols[0] == l->cols[0], "left join with at most one match shares the left columns");
    if (o)
        tap_is_str(join_col(o, "w"), "false|NA|true|NA|NA|NA", "looked-up values");
    sg_table_free(o);
    sg_table_free(r2);

    sg_table *s = sg_table_new();
    add_col(s, MKCOL("n", SG_STRING, "1"));
    o = sg_table_join(l, s, lk, lk, 1, SG_JOIN_INNER, NULL, &err);
    tap_ok(!o && err.code == SG_EINVAL && strstr(err.msg, "'n'") && strstr(err.msg, "string"),
           "string against number is refused: %s", err.msg);
    const char *nope[] = { "nope" };
    o = sg_table_join(l, s, lk, nope, 1, SG_JOIN_INNER, NULL, &err);
    tap_ok(!o && strstr(err.msg, "'nope'") && strstr(err.msg, "right"), "unknown key: %s", err.msg);
    o = sg_table_join(l, s, lk, lk, 0, SG_JOIN_INNER, NULL, &err);
    tap_ok(!o && err.code == SG_EINVAL, "no keys: %s", err.msg);
    sg_table_free(s);
    sg_table_free(l);
    sg_table_free(r);
}

static void test_multi_keys(void)
{
    sg_table *l = sg_table_new(), *r = sg_table_new();
    add_col(l, MKCOL("c", SG_STRING, "fr", "fr", "uk", "uk", "fr"));
    add_col(l, MKCOL("d", SG_DATETIME, "2011-01-01", "2011-01-02", "2011-01-01", NULL, "2011-01-01"));
    add_col(l, MKCOL("v", SG_INT64, "1", "2", "3", "4", "5"));
    add_col(r, MKCOL("d", SG_DATETIME, "2011-01-01", "2011-01-01", "2011-01-02", "2011-01-01"));
    add_col(r, MKCOL("c", SG_STRING, "uk", "fr", "uk", "fr"));
    add_col(r, MKCOL("v", SG_DOUBLE, "0.5", "1.5", "2.5", "3.5"));
    const char *k[] = { "c", "d" };
    sg_error err;
    sg_table *o = sg_table_join(l, r, k, k, 2, SG_JOIN_INNER, "_y", &err);
    tap_ok(o != NULL, "join on two keys");
    if (o) {
        tap_is_int((long long)o->ncols, 4, "both right keys dropped");
        tap_is_str(join_col(o, "v"), "1|1|3|5|5", "left rows");
        tap_is_str(join_col(o, "v_y"), "1.5|3.5|0.5|1.5|3.5", "matches on both keys");
    }
    sg_table_free(o);
    sg_table_free(l);
    sg_table_free(r);
}

static sg_table *join_both(void *ud, sg_error *err)
{
    sg_table **lr = ud;
    static const char *lk[] = { "id" }, *rk[] = { "key" };
    return sg_table_join(lr[0], lr[1], lk, rk, 1, SG_JOIN_LEFT, NULL, err);
}

static void test_out_of_memory(void)
{
    sg_table *lr[2] = { left_table(), right_table() };
    int fails = oom_sweep(join_both, lr, 16);
    tap_ok(fails > 10, "join under a memory limit: %d clean ENOMEM failures, then success", fails);
    sg_table_free(lr[0]);
    sg_table_free(lr[1]);
}

int main(void)
{
    test_string_keys();
    test_numeric_keys();
    test_multi_keys();
    test_out_of_memory();
    tap_is_int((long long)sg_mem_used(), 0, "all accounted memory released");
    return tap_done();
}
