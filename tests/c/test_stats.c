/* Column statistics: stats, quantiles, count_distinct, describe. */
#include <math.h>
#include <string.h>

#include "stats.h"
#include "ops_testutil.h"
#include "tap.h"

static void test_stats_basic(void)
{
    sg_column *c = MKCOL("x", SG_INT64, "1", "2", "3", "4", "10");
    sg_stats st;
    sg_error err;
    tap_is_int(sg_column_stats(c, &st, &err), 0, "stats of int64");
    tap_is_int((long long)st.count, 5, "count");
    tap_is_int((long long)st.missing, 0, "missing");
    tap_is_double(st.sum, 20, 0, "sum");
    tap_is_double(st.mean, 4, 0, "mean");
    tap_is_double(st.sd, sqrt(12.5), 1e-12, "sample sd = sqrt(50/4)");
    tap_is_double(st.min, 1, 0, "min");
    tap_is_double(st.max, 10, 0, "max");
    tap_is_double(st.q25, 2, 0, "q25");
    tap_is_double(st.median, 3, 0, "median");
    tap_is_double(st.q75, 4, 0, "q75");

    double probs[] = { 0.25, 0.5, 0.9 }, q[3];
    tap_is_int(sg_column_quantiles(c, probs, 3, q, &err), 0, "quantiles");
    tap_is_double(q[0], 2, 0, "q(0.25) = 2");
    tap_is_double(q[1], 3, 0, "q(0.5) = 3");
    tap_is_double(q[2], 7.6, 1e-12, "q(0.9) = 7.6");

    /* unordered and repeated probabilities, ends */
    double p2[] = { 0.9, 1, 0, 0.5, 0.9, 0.125 }, q2[6];
    tap_is_int(sg_column_quantiles(c, p2, 6, q2, &err), 0, "unordered quantiles");
    tap_is_double(q2[0], 7.6, 1e-12, "q(0.9) again");
    tap_is_double(q2[1], 10, 0, "q(1) = max");
    tap_is_double(q2[2], 1, 0, "q(0) = min");
    tap_is_double(q2[3], 3, 0, "q(0.5)");
    tap_is_double(q2[4], 7.6, 1e-12, "repeated probability");
    tap_is_double(q2[5], 1.5, 1e-12, "q(0.125): h = 0.5 between 1 and 2");

    double bad = 1.5;
    tap_is_int(sg_column_quantiles(c, &bad, 1, q, &err), SG_EINVAL, "probability > 1 rejected");
    tap_ok(strstr(err.msg, "1.5") != NULL, "message names the probability: %s", err.msg);
    sg_column_release(c);
}

static void test_stats_missing(void)
{
    sg_column *c = MKCOL("d", SG_DOUBLE, NULL, "2.5", "nan", "0.5");
    sg_stats st;
    sg_error err;
    tap_is_int(sg_column_stats(c, &st, &err), 0, "stats of double with missing and NaN");
    tap_is_int((long long)st.count, 2, "NaN and missing are not counted");
    tap_is_int((long long)st.missing, 2, "missing includes NaN");
    tap_is_double(st.mean, 1.5, 0, "mean");
    tap_is_double(st.sd, sqrt(2), 1e-12, "sd");
    tap_is_double(st.median, 1.5, 0, "median interpolates");
    sg_column_release(c);

    c = MKCOL("e", SG_DOUBLE, NULL, NULL);
    tap_is_int(sg_column_stats(c, &st, &err), 0, "stats of all-missing column");
    tap_is_int((long long)st.count, 0, "count 0");
    tap_ok(isnan(st.mean) && isnan(st.sd) && isnan(st.min) && isnan(st.median) && isnan(st.sum),
           "figures are NaN without values");
    double p = 0.5, q;
    tap_is_int(sg_column_quantiles(c, &p, 1, &q, &err), 0, "quantile of empty");
    tap_ok(isnan(q), "quantile of empty is NaN");
    sg_column_release(c);

    c = MKCOL("one", SG_INT64, "7");
    sg_column_stats(c, &st, &err);
    tap_ok(isnan(st.sd) && st.mean == 7 && st.q75 == 7, "one value: sd NaN, mean and quantiles the value");
    sg_column_release(c);

    c = MKCOL("b", SG_BOOL, "true", "false", "true", "true");
    sg_column_stats(c, &st, &err);
    tap_is_double(st.mean, 0.75, 0, "bool mean is the share of true");
    sg_column_release(c);

    c = MKCOL("s", SG_STRING, "a");
    tap_is_int(sg_column_stats(c, &st, &err), SG_EINVAL, "stats of a string column fails");
    tap_ok(strstr(err.msg, "'s'") != NULL, "message names the column: %s", err.msg);
    tap_is_int(sg_column_quantiles(c, &p, 1, &q, &err), SG_EINVAL, "quantiles of a string column fail");
    sg_column_release(c);

    c = MKCOL("t", SG_DATETIME, "1970-01-01 00:00:10", "1970-01-01 00:00:20");
    sg_column_quantiles(c, &p, 1, &q, &err);
    tap_is_double(q, 15, 0, "datetime quantiles are seconds since the epoch");
    sg_column_release(c);
}

static void test_count_distinct(void)
{
    sg_column *s = MKCOL("s", SG_STRING, "a", "b", "c", "a", NULL, "c");
    tap_is_int((long long)sg_column_count_distinct(s), 3, "distinct strings");
    /* a gathered column shares the dictionary, which still holds "b" */
    size_t rows[] = { 0, 2, 3, 4 };
    sg_column *f = sg_column_take(s, rows, 4);
    tap_is_int((long long)sg_dict_size(f->dict), 3, "dictionary keeps the unused code");
    tap_is_int((long long)sg_column_count_distinct(f), 2, "only codes in use count");
    sg_column_release(f);
    sg_column_release(s);

    sg_column *d = MKCOL("d", SG_DOUBLE, "0", "-0", "nan", "1.5", NULL, "1.5");
    tap_is_int((long long)sg_column_count_distinct(d), 2, "-0 equals 0, NaN and missing ignored");
    sg_column_release(d);

    sg_column *i = sg_column_new("i", SG_INT64, 0);
    for (int k = 0; k < 20000; k++)
        sg_column_push_i64(i, (k * 7919) % 1237 - 600);
    tap_is_int((long long)sg_column_count_distinct(i), 1237, "20000 ints, 1237 distinct (set grows)");
    sg_column_release(i);

    sg_column *b = MKCOL("b", SG_BOOL, "true", NULL, "true");
    tap_is_int((long long)sg_column_count_distinct(b), 1, "distinct bools");
    sg_column_release(b);
}

static void test_describe(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("x", SG_INT64, "1", "2", "3", "4", "10"));
    add_col(t, MKCOL("s", SG_STRING, "pear", "apple", NULL, "fig", "apple"));
    add_col(t, MKCOL("d", SG_DATETIME, "2011-12-09", "2010-12-01", "2011-01-01", NULL, "2011-06-30"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", "true", "true", NULL));
    add_col(t, MKCOL("amt", SG_DOUBLE, "3", "1", "nan", "0", "4"));
    sg_error err;
    sg_table *o = sg_table_describe(t, &err);
    tap_ok(o != NULL, "describe");
    if (!o) {
        tap_diag("%s", err.msg);
        sg_table_free(t);
        return;
    }
    tap_is_int((long long)o->nrows, 5, "one row per column");
    tap_is_str(join_col(o, "column"), "x|s|d|b|amt", "column names");
    tap_is_str(join_col(o, "type"), "int64|string|datetime|bool|double", "types");
    tap_is_str(join_col(o, "count"), "5|4|4|4|4", "counts (NaN counts as missing)");
    tap_is_str(join_col(o, "missing"), "0|1|1|1|1", "missing");
    tap_is_str(join_col(o, "distinct"), "5|3|4|2|4", "distinct");
    tap_is_str(join_col(o, "mean"), "4.0|NA|1304445600.0|0.75|2.0", "means (datetime in seconds)");
    tap_is_str(join_col(o, "sd"), "3.5355339059327378|NA|14969470.114870466|0.5|1.8257418583505538", "sd (datetime in seconds)");
    tap_is_str(join_col(o, "min"), "1.0|NA|1291161600.0|0.0|0.0", "min");
    tap_is_str(join_col(o, "q25"), "2.0|NA|1293170400.0|0.75|0.75", "q25: 2010-12-01 + 0.75 * 31 days");
    tap_is_str(join_col(o, "min_text"), "1|apple|2010-12-01|false|0.0", "min as text (strings bytewise)");
    tap_is_str(join_col(o, "max_text"), "10|pear|2011-12-09|true|4.0", "max as text");
    tap_is_str(join_col(o, "median_text"), "3|NA|2011-04-01|1|2.0", "median as text: datetimes stay dates");
    tap_is_str(join_col(o, "q25_text"), "2|NA|2010-12-24 06:00:00|0.75|0.75", "q25 between two dates has a time");
    tap_is_str(join_col(o, "q75_text"), "4|NA|2011-08-09 12:00:00|1|3.25", "q75 text: 2011-06-30 + 0.25 * 162 days");
    sg_table_free(o);
    sg_table_free(t);
}

static sg_table *describe_op(void *ud, sg_error *err)
{
    return sg_table_describe(ud, err);
}

static void test_out_of_memory(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("x", SG_INT64, "1", "2", NULL));
    add_col(t, MKCOL("s", SG_STRING, "b", "a", "b"));
    add_col(t, MKCOL("d", SG_DATETIME, "2011-01-01", NULL, "2011-02-01"));
    int fails = oom_sweep(describe_op, t, 32);
    tap_ok(fails > 10, "describe under a memory limit: %d clean ENOMEM failures, then success", fails);
    sg_table_free(t);
}

/* Compensated sum: 1e16 + 1 - 1e16 is 1 (a plain left-to-right sum gives 0),
 * missing and NaN values are skipped, and stats agrees to the last bit. */
static void test_sum(void)
{
    sg_column *c = sg_column_new("v", SG_DOUBLE, 6);
    double vals[] = { 1e16, 1, -1e16, 0.5, NAN };
    for (size_t i = 0; i < 5; i++)
        sg_column_push_f64(c, vals[i]);
    sg_column_push_na(c);
    tap_is_double(sg_column_sum_f64(c), 1.5, 0, "sum: 1e16 + 1 - 1e16 + 0.5 = 1.5 (NaN and missing skipped)");
    sg_stats st;
    sg_error err;
    tap_ok(sg_column_stats(c, &st, &err) == 0 && st.sum == sg_column_sum_f64(c), "sum: equals stats' sum");
    sg_column_release(c);
    sg_column *e = sg_column_new("e", SG_DOUBLE, 0);
    tap_is_double(sg_column_sum_f64(e), 0, 0, "sum: 0 for an empty column");
    sg_column_release(e);
}

int main(void)
{
    test_sum();
    test_stats_basic();
    test_stats_missing();
    test_count_distinct();
    test_describe();
    test_out_of_memory();
    tap_is_int((long long)sg_mem_used(), 0, "all accounted memory released");
    return tap_done();
}
