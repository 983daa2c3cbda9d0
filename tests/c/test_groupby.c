/* Group-by: keys of every kind, missing keys, every aggregate, errors. */
#include <math.h>
#include <string.h>

#include "groupby.h"
#include "ops_testutil.h"
#include "tap.h"

static sg_table *sample(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("cust", SG_STRING, "b", "a", "b", NULL, "a", "c", "b", NULL));
    add_col(t, MKCOL("amount", SG_DOUBLE, "10", "5", NULL, "7", "1.5", "2", "4", "3"));
    add_col(t, MKCOL("qty", SG_INT64, "1", "2", "3", "4", "5", NULL, "7", "8"));
    add_col(t, MKCOL("product", SG_STRING, "x", "y", "z", "x", "x", "z", "x", NULL));
    add_col(t, MKCOL("day", SG_DATETIME, "2011-03-01", "2011-01-05", "2010-12-01", "2011-02-02",
                     "2011-06-30", NULL, "2011-04-01", "2011-01-01"));
    add_col(t, MKCOL("promo", SG_BOOL, "true", "false", "true", "true", NULL, "false", "true", "false"));
    return t;
}

static void test_string_key(void)
{
    sg_table *t = sample();
    const char *keys[] = { "cust" };
    sg_agg aggs[] = {
        { "n", SG_AGG_COUNT, NULL, 0 },
        { "nq", SG_AGG_COUNT, "qty", 0 },
        { "qty", SG_AGG_SUM, "qty", 0 },
        { "total", SG_AGG_SUM, "amount", 0 },
        { "avg", SG_AGG_MEAN, "amount", 0 },
        { "sd", SG_AGG_SD, "amount", 0 },
        { "products", SG_AGG_COUNT_DISTINCT, "product", 0 },
        { "first_day", SG_AGG_MIN, "day", 0 },
        { "last_day", SG_AGG_MAX, "day", 0 },
        { "med", SG_AGG_QUANTILE, "amount", 0.5 },
        { "q90", SG_AGG_QUANTILE, "qty", 0.9 },
        { "first", SG_AGG_FIRST, "amount", 0 },
        { "last", SG_AGG_LAST, "amount", 0 },
        { "promos", SG_AGG_SUM, "promo", 0 },
        { "pmax", SG_AGG_MAX, "product", 0 },
        { "pmin", SG_AGG_MIN, "product", 0 },
    };
    sg_error err;
    sg_table *o = sg_table_group_by(t, keys, 1, aggs, sizeof aggs / sizeof aggs[0], &err);
    tap_ok(o != NULL, "group by a string key");
    if (!o) {
        tap_diag("%s", err.msg);
        sg_table_free(t);
        return;
    }
    tap_is_int((long long)o->nrows, 4, "four groups (missing key is one)");
    tap_is_int((long long)o->ncols, 17, "key then one column per aggregate");
    tap_is_str(o->cols[0]->name, "cust", "key column first");
    tap_is_str(join_col(o, "cust"), "a|b|c|NA", "sorted by key, missing last");
    tap_is_str(join_col(o, "n"), "2|3|1|2", "count rows");
    tap_is_str(join_col(o, "nq"), "2|3|0|2", "count non-missing");
    tap_is_int(sg_table_col(o, "qty")->type, SG_INT64, "sum of int64 stays int64");
    tap_is_str(join_col(o, "qty"), "7|11|0|12", "sum of int64 (no values: 0)");
    tap_is_int(sg_table_col(o, "total")->type, SG_DOUBLE, "sum of double is double");
    tap_is_str(join_col(o, "total"), "6.5|14.0|2.0|10.0", "sum of double skips missing");
    tap_is_str(join_col(o, "avg"), "3.25|7.0|2.0|5.0", "mean");
    sg_column *sd = sg_table_col(o, "sd");
    tap_is_double(sg_column_num(sd, 0), sqrt(6.125), 1e-12, "sd of {5, 1.5}");
    tap_is_double(sg_column_num(sd, 1), sqrt(18), 1e-12, "sd of {10, 4}");
    tap_ok(sg_column_is_na(sd, 2), "sd of one value is missing");
    tap_is_double(sg_column_num(sd, 3), sqrt(8), 1e-12, "sd of {7, 3}");
    tap_is_str(join_col(o, "products"), "2|2|1|1", "count_distinct ignores missing");
    sg_column *fd = sg_table_col(o, "first_day");
    tap_ok(fd->type == SG_DATETIME && fd->date_only, "min of datetime stays a date");
    tap_is_str(join_col(o, "first_day"), "2011-01-05|2010-12-01|NA|2011-01-01", "min datetime");
    tap_is_str(join_col(o, "last_day"), "2011-06-30|2011-04-01|NA|2011-02-02", "max datetime");
    tap_is_str(join_col(o, "med"), "3.25|7.0|2.0|5.0", "median");
    tap_is_str(join_col(o, "q90"), "4.7|6.2|NA|7.6",
               "quantile 0.9 of qty (type 7)");
    tap_is_str(join_col(o, "first"), "5.0|10.0|2.0|7.0", "first non-missing");
    tap_is_str(join_col(o, "last"), "1.5|4.0|2.0|3.0", "last non-missing");
    tap_is_int(sg_table_col(o, "promos")->type, SG_INT64, "sum of bool is int64");
    tap_is_str(join_col(o, "promos"), "0|3|0|1", "sum of bool");
    tap_is_int(sg_table_col(o, "pmax")->type, SG_STRING, "max of string stays a string");
    tap_is_str(join_col(o, "pmax"), "y|z|z|x", "max string by text");
    tap_is_str(join_col(o, "pmin"), "x|x|z|x", "min string by text");
    sg_table_free(o);
    sg_table_free(t);
}

static void test_multi_key(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("k1", SG_STRING, "b", "a", "b", "a", NULL, "b", NULL, "a"));
    add_col(t, MKCOL("k2", SG_INT64, "2", "1", "2", NULL, "1", "1", "1", "1"));
    add_col(t, MKCOL("v", SG_DOUBLE, "1", "2", "3", "4", "5", "6", "7", "8"));
    const char *keys[] = { "k1", "k2" };
    sg_agg aggs[] = { { "n", SG_AGG_COUNT, NULL, 0 }, { "s", SG_AGG_SUM, "v", 0 } };
    sg_error err;
    sg_table *o = sg_table_group_by(t, keys, 2, aggs, 2, &err);
    tap_ok(o != NULL, "group by two keys");
    if (o) {
        tap_is_str(join_col(o, "k1"), "a|a|b|b|NA", "first key sorted");
        tap_is_str(join_col(o, "k2"), "1|NA|1|2|1", "second key sorted within the first");
        tap_is_str(join_col(o, "n"), "2|1|1|2|2", "counts");
        tap_is_str(join_col(o, "s"), "10.0|4.0|6.0|4.0|12.0", "sums");
    }
    sg_table_free(o);

    /* double and bool keys; -0 groups with 0 */
    sg_table_free(t);
    t = sg_table_new();
    add_col(t, MKCOL("d", SG_DOUBLE, "0", "-1.5", "-0", NULL, "-1.5"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", "true", "true", NULL));
    const char *k2[] = { "d", "b" };
    o = sg_table_group_by(t, k2, 2, aggs, 1, &err);
    tap_ok(o != NULL, "group by double and bool");
    if (o) {
        tap_is_str(join_col(o, "d"), "-1.5|-1.5|0.0|NA", "double key, -0 with 0");
        tap_is_str(join_col(o, "b"), "false|NA|true|true", "bool key");
        tap_is_str(join_col(o, "n"), "1|1|2|1", "counts");
    }
    sg_table_free(o);

    /* no keys: one group */
    o = sg_table_group_by(t, NULL, 0, aggs, 1, &err);
    tap_ok(o && o->nrows == 1 && sg_column_i64(o->cols[0])[0] == 5, "no keys: one row over everything");
    sg_table_free(o);
    sg_table_free(t);
}

static void test_large_groups(void)
{
    sg_table *t = sg_table_new();
    sg_column *k = sg_column_new("k", SG_INT64, 0), *v = sg_column_new("v", SG_INT64, 0);
    for (int i = 0; i < 1000; i++) {
        sg_column_push_i64(k, (i * 7) % 3);
        sg_column_push_i64(v, i % 50);
    }
    add_col(t, k);
    add_col(t, v);
    const char *keys[] = { "k" };
    sg_agg aggs[] = { { "nd", SG_AGG_COUNT_DISTINCT, "v", 0 }, { "med", SG_AGG_QUANTILE, "v", 0.5 },
                      { "n", SG_AGG_COUNT, NULL, 0 } };
    sg_error err;
    sg_table *o = sg_table_group_by(t, keys, 1, aggs, 3, &err);
    tap_ok(o != NULL, "groups larger than the small-sort path");
    if (o) {
        tap_is_str(join_col(o, "k"), "0|1|2", "keys");
        tap_is_str(join_col(o, "n"), "334|333|333", "sizes");
        tap_is_str(join_col(o, "nd"), "50|50|50", "count_distinct through the hash set");
        tap_is_str(join_col(o, "med"), "24.5|25.0|24.0", "medians (checked against a sort in Python)");
    }
    sg_table_free(o);
    sg_table_free(t);
}

static void test_errors(void)
{
    sg_table *t = sample();
    const char *keys[] = { "cust" };
    sg_error err;
    sg_agg a1[] = { { "total", SG_AGG_SUM, "cust", 0 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a1, 1, &err) && err.code == SG_EINVAL &&
           strstr(err.msg, "'total'") && strstr(err.msg, "'cust'") && strstr(err.msg, "sum"),
           "sum of a string: %s", err.msg);
    sg_agg a2[] = { { "avg_day", SG_AGG_MEAN, "day", 0 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a2, 1, &err) && strstr(err.msg, "'avg_day'") &&
           strstr(err.msg, "datetime"), "mean of a datetime: %s", err.msg);
    sg_agg a3[] = { { "x", SG_AGG_MAX, "nope", 0 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a3, 1, &err) && strstr(err.msg, "'x'") &&
           strstr(err.msg, "'nope'"), "unknown aggregate column: %s", err.msg);
    const char *bad[] = { "missing_key" };
    tap_ok(!sg_table_group_by(t, bad, 1, a3, 1, &err) && strstr(err.msg, "'missing_key'"),
           "unknown key: %s", err.msg);
    sg_agg a4[] = { { "s", SG_AGG_SUM, NULL, 0 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a4, 1, &err) && strstr(err.msg, "needs a column"),
           "sum without a column: %s", err.msg);
    sg_agg a5[] = { { "q", SG_AGG_QUANTILE, "qty", 1.5 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a5, 1, &err) && strstr(err.msg, "1.5"),
           "quantile out of range: %s", err.msg);
    sg_agg a6[] = { { "cust", SG_AGG_COUNT, NULL, 0 } };
    tap_ok(!sg_table_group_by(t, keys, 1, a6, 1, &err), "aggregate named like the key: %s", err.msg);
    sg_table_free(t);

    t = sg_table_new();
    add_col(t, MKCOL("k", SG_INT64, "1", "1"));
    add_col(t, MKCOL("v", SG_INT64, "9223372036854775807", "1"));
    const char *k[] = { "k" };
    sg_agg a7[] = { { "s", SG_AGG_SUM, "v", 0 } };
    tap_ok(!sg_table_group_by(t, k, 1, a7, 1, &err) && err.code == SG_EDATA &&
           strstr(err.msg, "overflow"), "int64 overflow is reported: %s", err.msg);
    sg_table_free(t);

    sg_agg_kind kind;
    tap_ok(sg_agg_parse("count_distinct", &kind) == 0 && kind == SG_AGG_COUNT_DISTINCT, "parse count_distinct");
    tap_ok(sg_agg_parse("quantile", &kind) == 0 && kind == SG_AGG_QUANTILE, "parse quantile");
    tap_ok(sg_agg_parse("median?", &kind) != 0, "parse rejects unknown names");
    tap_is_str(sg_agg_name(SG_AGG_LAST), "last", "name of last");
    tap_is_str(sg_agg_name(SG_AGG_SD), "sd", "name of sd");
}

static void test_empty(void)
{
    sg_table *t = sg_table_new();
    add_col(t, sg_column_new("k", SG_STRING, 0));
    add_col(t, sg_column_new("v", SG_DOUBLE, 0));
    const char *keys[] = { "k" };
    sg_agg aggs[] = { { "s", SG_AGG_SUM, "v", 0 }, { "m", SG_AGG_MAX, "v", 0 },
                      { "d", SG_AGG_COUNT_DISTINCT, "v", 0 } };
    sg_error err;
    sg_table *o = sg_table_group_by(t, keys, 1, aggs, 3, &err);
    tap_ok(o && o->nrows == 0 && o->ncols == 4, "empty input: no groups, all columns");
    sg_table_free(o);
    sg_table_free(t);
}

static sg_table *gb_all(void *ud, sg_error *err)
{
    static const char *keys[] = { "cust", "qty" };
    static const sg_agg aggs[] = {
        { "n", SG_AGG_COUNT, NULL, 0 }, { "d", SG_AGG_COUNT_DISTINCT, "product", 0 },
        { "s", SG_AGG_SUM, "amount", 0 }, { "m", SG_AGG_MEAN, "amount", 0 },
        { "sd", SG_AGG_SD, "amount", 0 }, { "lo", SG_AGG_MIN, "product", 0 },
        { "hi", SG_AGG_MAX, "day", 0 }, { "q", SG_AGG_QUANTILE, "amount", 0.5 },
        { "f", SG_AGG_FIRST, "cust", 0 }, { "l", SG_AGG_LAST, "promo", 0 },
    };
    return sg_table_group_by(ud, keys, 2, aggs, sizeof aggs / sizeof aggs[0], err);
}

static void test_out_of_memory(void)
{
    sg_table *t = sample();
    int fails = oom_sweep(gb_all, t, 16);
    tap_ok(fails > 10, "group_by under a memory limit: %d clean ENOMEM failures, then success", fails);
    sg_table_free(t);
}

int main(void)
{
    test_string_key();
    test_multi_key();
    test_large_groups();
    test_errors();
    test_empty();
    test_out_of_memory();
    tap_is_int((long long)sg_mem_used(), 0, "all accounted memory released");
    return tap_done();
}
