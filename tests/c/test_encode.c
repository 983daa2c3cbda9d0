/* The model encoder (core/encode.c): median imputation and population-sd
 * standardisation of numeric columns, one-hot levels chosen by count
 * (min_count, max_levels with ties by name) with an "other" bucket,
 * constant columns dropped and reported, apply on new data (unseen
 * levels, training medians), errors, and the JSON round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "mem.h"
#include "ops_testutil.h"
#include "tap.h"

#define NA NULL

/* 10 rows.  spend: present values 1..9 -> median 5; imputed column
 * {1,3,5,5,7,9,2,4,6,8}: mean 5, squared deviations sum 60, population
 * sd sqrt(6).  visits (int64): five 2s and five 4s: mean 3, sd 1.
 * country: France x5, Germany x3, Italy x1, missing x1.  member (bool):
 * true x6, false x4.  flat: constant 3 (and one missing).  single: "x"
 * everywhere. */
static sg_table *train_table(void)
{
    sg_table *t = sg_table_new();
    if (!t)
        abort();
    add_col(t, MKCOL("spend", SG_DOUBLE, "1", "3", NA, "5", "7", "9", "2", "4", "6", "8"));
    add_col(t, MKCOL("visits", SG_INT64, "2", "2", "2", "2", "2", "4", "4", "4", "4", "4"));
    add_col(t, MKCOL("country", SG_STRING, "France", "France", "Germany", "France", "Germany",
                     "Italy", "France", NA, "Germany", "France"));
    add_col(t, MKCOL("member", SG_BOOL, "true", "true", "true", "false", "true", "false", "true",
                     "false", "false", "true"));
    add_col(t, MKCOL("flat", SG_DOUBLE, "3", "3", "3", NA, "3", "3", "3", "3", "3", "3"));
    add_col(t, MKCOL("single", SG_STRING, "x", "x", "x", "x", "x", "x", "x", "x", "x", "x"));
    return t;
}

static const char *const NUM[] = { "spend", "visits", "flat" };
static const char *const CAT[] = { "country", "member", "single" };

static sg_encoder_spec main_spec(int scale)
{
    sg_encoder_spec s = { NUM, 3, CAT, 3, scale, 2, 0 };
    return s;
}

static double at(const sg_matrix *m, size_t i, size_t j) { return sg_matrix_row(m, i)[j]; }

/* Row i of m equals want[0..cols). */
static int row_is(const sg_matrix *m, size_t i, const double *want)
{
    for (size_t j = 0; j < m->cols; j++)
        if (fabs(at(m, i, j) - want[j]) > 1e-12) {
            tap_diag("row %zu col %zu: got %.17g want %.17g", i, j, at(m, i, j), want[j]);
            return 0;
        }
    return 1;
}

static void test_fit_main(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(1);
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    tap_ok(X != NULL && e != NULL, "fit: ok (%s)", err.msg);
    if (!X) {
        sg_table_free(t);
        return;
    }
    tap_is_int((long long)X->rows, 10, "fit: one row per table row");
    tap_is_int((long long)X->cols, 7, "fit: 2 numeric + 3 country + 2 member columns");
    tap_is_int((long long)e->nfeat, 7, "fit: nfeat 7");
    static const char *const names[] = { "spend", "visits", "country=France", "country=Germany",
                                         "country=other", "member=true", "member=false" };
    static const char *const src[] = { "spend", "visits", "country", "country", "country", "member",
                                       "member" };
    for (size_t j = 0; j < 7 && j < e->nfeat; j++) {
        tap_is_str(e->feature_names[j], names[j], "fit: feature name");
        tap_is_str(e->source[j], src[j], "fit: feature source column");
    }
    tap_is_int((long long)rep.ndropped, 2, "fit: two constant columns dropped");
    if (rep.ndropped == 2) {
        tap_is_str(rep.dropped[0], "flat", "fit: constant numeric 'flat' dropped");
        tap_is_str(rep.dropped[1], "single", "fit: single-level 'single' dropped");
    }
    tap_is_int((long long)rep.values_imputed, 1, "fit: one value imputed (flat's is not counted)");
    tap_is_int((long long)rep.values_other, 2, "fit: Italy and the missing country go to other");
    tap_is_int((long long)rep.unseen, 0, "fit: nothing unseen");

    /* the encoder itself */
    tap_is_int((long long)e->ncat, 2, "fit: two categorical columns kept");
    tap_ok(e->numeric && e->numeric->cols == 2, "fit: two numeric columns kept");
    if (e->numeric && e->numeric->cols == 2) {
        tap_is_double(e->numeric->impute[0], 5, 0, "fit: spend median 5");
        tap_is_double(e->numeric->center[0], 5, 1e-12, "fit: spend mean 5");
        tap_is_double(e->numeric->scale[0], sqrt(6.0), 1e-12, "fit: spend population sd sqrt(6)");
        tap_is_double(e->numeric->center[1], 3, 1e-12, "fit: visits mean 3");
        tap_is_double(e->numeric->scale[1], 1, 1e-12, "fit: visits sd 1");
    }
    if (e->ncat == 2) {
        tap_is_int((long long)e->nlevels[0], 2, "fit: country keeps 2 levels");
        tap_is_str(e->levels[0][0], "France", "fit: most frequent level first");
        tap_is_str(e->levels[0][1], "Germany", "fit: then Germany (3 >= min_count 2)");
        tap_ok(e->has_other[0], "fit: country has an other column");
        tap_ok(!e->has_other[1], "fit: member has no other column (no missing, no rare)");
    }

    /* values: spend (x-5)/sqrt6, visits -1/+1 */
    double s6 = sqrt(6.0);
    double r0[] = { -4 / s6, -1, 1, 0, 0, 1, 0 };    /* 1, 2, France, true */
    double r2[] = { 0, -1, 0, 1, 0, 1, 0 };          /* NA -> median 5 -> 0, Germany, true */
    double r5[] = { 4 / s6, 1, 0, 0, 1, 0, 1 };      /* 9, 4, Italy (rare) -> other, false */
    double r7[] = { -1 / s6, 1, 0, 0, 1, 0, 1 };     /* 4, 4, missing -> other, false */
    double r8[] = { 1 / s6, 1, 0, 1, 0, 0, 1 };      /* 6, 4, Germany, false */
    tap_ok(row_is(X, 0, r0), "fit: row 1 standardised and one-hot");
    tap_ok(row_is(X, 2, r2), "fit: row 3, missing spend imputed with the median");
    tap_ok(row_is(X, 5, r5), "fit: row 6, rare Italy in country=other");
    tap_ok(row_is(X, 7, r7), "fit: row 8, missing country in country=other");
    tap_ok(row_is(X, 8, r8), "fit: row 9");
    /* each standardised column: mean 0, population variance 1 */
    for (size_t j = 0; j < 2; j++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < 10; i++) {
            s += at(X, i, j);
            ss += at(X, i, j) * at(X, i, j);
        }
        tap_is_double(s / 10, 0, 1e-12, "fit: standardised column mean 0");
        tap_is_double(ss / 10, 1, 1e-12, "fit: standardised column variance 1");
    }
    /* one-hot groups: exactly one 1 per row per categorical column */
    int onehot = 1;
    for (size_t i = 0; i < 10; i++)
        onehot &= at(X, i, 2) + at(X, i, 3) + at(X, i, 4) == 1 && at(X, i, 5) + at(X, i, 6) == 1;
    tap_ok(onehot, "fit: one 1 per categorical column per row");

    /* applying to the training table reproduces the fitted matrix exactly */
    sg_encoder_report ar;
    sg_matrix *X2 = sg_encoder_apply(t, e, &ar, &err);
    tap_ok(X2 && memcmp(X2->data, X->data, 70 * sizeof(double)) == 0,
           "apply on the training table: bit-identical to fit");
    sg_matrix_free(X2);

    sg_encoder_report_free(&rep);
    tap_ok(rep.dropped == NULL && rep.ndropped == 0, "report_free resets the report");
    sg_encoder_report_free(&rep);    /* twice is harmless */
    sg_encoder_report_free(NULL);
    sg_matrix_free(X);
    sg_encoder_free(e);
    sg_table_free(t);
}

static void test_no_scale(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(0);
    sg_encoder *e = NULL;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, NULL, &err);   /* report may be NULL */
    tap_ok(X != NULL, "no scale: fit ok (%s)", err.msg);
    if (X) {
        tap_is_double(at(X, 0, 0), 1, 0, "no scale: spend row 1 raw");
        tap_is_double(at(X, 2, 0), 5, 0, "no scale: missing spend -> median 5");
        tap_is_double(at(X, 5, 1), 4, 0, "no scale: visits raw int64 value");
    }
    sg_matrix_free(X);
    sg_encoder_free(e);
    sg_table_free(t);
}

/* seg: a x3, b x3, c x3, d x1; tier (int64 categorical): 10 x4, 2 x4,
 * 30 x2.  max_levels 2, min_count 1: seg keeps a, b (the tie a/b/c broken
 * by name); tier keeps "10" and "2" ("10" < "2" as text). */
static void test_max_levels(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("seg", SG_STRING, "b", "a", "c", "b", "a", "c", "b", "a", "c", "d"));
    add_col(t, MKCOL("tier", SG_INT64, "10", "2", "30", "10", "2", "30", "10", "2", "10", "2"));
    static const char *const cat[] = { "tier", "seg" };
    sg_encoder_spec spec = { NULL, 0, cat, 2, 1, 1, 2 };
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    tap_ok(X != NULL, "max_levels: fit ok (%s)", err.msg);
    if (!X) {
        sg_table_free(t);
        return;
    }
    tap_ok(e->numeric == NULL, "max_levels: no numeric part");
    static const char *const names[] = { "tier=10", "tier=2", "tier=other", "seg=a", "seg=b",
                                         "seg=other" };
    tap_is_int((long long)e->nfeat, 6, "max_levels: 6 features");
    for (size_t j = 0; j < 6 && j < e->nfeat; j++)
        tap_is_str(e->feature_names[j], names[j], "max_levels: feature name");
    tap_is_int((long long)rep.values_other, 6, "max_levels: 3 c + 1 d + 2 tier 30 in other");
    tap_is_int((long long)rep.ndropped, 0, "max_levels: nothing dropped");
    double r2[] = { 0, 0, 1, 0, 0, 1 };   /* tier 30, seg c */
    double r9[] = { 0, 1, 0, 0, 0, 1 };   /* tier 2, seg d */
    double r0[] = { 1, 0, 0, 0, 1, 0 };   /* tier 10, seg b */
    tap_ok(row_is(X, 2, r2), "max_levels: row 3");
    tap_ok(row_is(X, 9, r9), "max_levels: row 10");
    tap_ok(row_is(X, 0, r0), "max_levels: row 1");
    sg_encoder_report_free(&rep);
    sg_matrix_free(X);
    sg_encoder_free(e);

    /* default min_count (10) and max_levels (20): every level is rare, so
     * only "other" would remain: a constant column, both dropped -> error */
    sg_encoder_spec dflt = { NULL, 0, cat, 2, 1, 0, 0 };
    X = sg_encoder_fit(t, &dflt, &e, &rep, &err);
    tap_ok(X == NULL && e == NULL, "defaults: every level below min_count 10 -> nothing left");
    tap_is_int(err.code, SG_EDATA, "defaults: SG_EDATA");
    sg_matrix_free(X);
    sg_table_free(t);
}

/* New data: an unseen country and a missing spend; the dropped columns
 * need not be present. */
static void test_apply_new(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(1);
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    sg_encoder_report_free(&rep);
    sg_matrix_free(X);
    sg_table_free(t);
    if (!e) {
        tap_ok(0, "apply: fit failed (%s)", err.msg);
        return;
    }
    sg_table *n = sg_table_new();
    add_col(n, MKCOL("member", SG_BOOL, "false", NA, "true"));
    add_col(n, MKCOL("country", SG_STRING, "Spain", "Germany", "Italy"));
    add_col(n, MKCOL("visits", SG_INT64, "3", "4", "2"));
    add_col(n, MKCOL("spend", SG_DOUBLE, NA, "4", "11"));
    sg_encoder_report ar;
    memset(&ar, 0xA5, sizeof ar);     /* apply must not read what the caller left there */
    X = sg_encoder_apply(n, e, &ar, &err);
    tap_ok(X != NULL, "apply: ok (%s)", err.msg);
    if (X) {
        double s6 = sqrt(6.0);
        double r0[] = { 0, 0, 0, 0, 1, 0, 1 };          /* median spend, Spain unseen -> other */
        double r1[] = { -1 / s6, 1, 0, 1, 0, 0, 0 };    /* missing bool, no other -> zeros */
        double r2[] = { 6 / s6, -1, 0, 0, 1, 1, 0 };    /* Italy seen (rare) -> other */
        tap_ok(row_is(X, 0, r0), "apply: unseen level to other, missing spend to training median");
        tap_ok(row_is(X, 1, r1), "apply: missing member without other column -> all zeros");
        tap_ok(row_is(X, 2, r2), "apply: rare training level -> other, training mean/sd used");
        /* encode.h says "never seen in training", but the encoder stores only
         * the kept levels, so the rare training level Italy counts as unseen
         * too (reported to the lead: header or encoder to be aligned). */
        tap_is_int((long long)ar.unseen, 2, "apply: unseen = not a kept level (Spain, Italy)");
        tap_is_int((long long)ar.values_other, 3, "apply: Spain, Italy and the missing member");
        tap_is_int((long long)ar.values_imputed, 1, "apply: one value imputed");
        tap_is_int((long long)ar.ndropped, 0, "apply: the report lists no dropped column");
        tap_ok(ar.dropped == NULL, "apply: dropped is NULL");
    }
    sg_matrix_free(X);

    /* a categorical column missing from the new table */
    sg_table *bad = sg_table_new();
    add_col(bad, MKCOL("spend", SG_DOUBLE, "1"));
    add_col(bad, MKCOL("visits", SG_INT64, "1"));
    add_col(bad, MKCOL("member", SG_BOOL, "true"));
    X = sg_encoder_apply(bad, e, NULL, &err);
    tap_ok(X == NULL && strstr(err.msg, "'country'") != NULL, "apply: missing column named: %s",
           err.msg);
    sg_matrix_free(X);
    sg_table_free(bad);
    sg_table_free(n);
    sg_encoder_free(e);
}

/* plan: basic x3, pro x2, min_count 2: both kept, no other column; an
 * unseen "enterprise" encodes as all zeros. */
static void test_apply_no_other(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("plan", SG_STRING, "basic", "pro", "basic", "pro", "basic"));
    static const char *const cat[] = { "plan" };
    sg_encoder_spec spec = { NULL, 0, cat, 1, 0, 2, 0 };
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    tap_ok(X && e && e->nfeat == 2 && !e->has_other[0], "no other: 2 features, no other column");
    if (e && e->nfeat == 2) {
        tap_is_str(e->feature_names[0], "plan=basic", "no other: plan=basic");
        tap_is_str(e->feature_names[1], "plan=pro", "no other: plan=pro");
    }
    sg_encoder_report_free(&rep);
    sg_matrix_free(X);
    sg_table_free(t);
    if (!e)
        return;
    sg_table *n = sg_table_new();
    add_col(n, MKCOL("plan", SG_STRING, "enterprise", "pro"));
    X = sg_encoder_apply(n, e, &rep, &err);
    double r0[] = { 0, 0 }, r1[] = { 0, 1 };
    tap_ok(X && row_is(X, 0, r0), "no other: unseen level -> all zeros");
    tap_ok(X && row_is(X, 1, r1), "no other: known level");
    tap_is_int((long long)rep.unseen, 1, "no other: unseen counted");
    sg_matrix_free(X);
    sg_table_free(n);
    sg_encoder_free(e);
}

static void expect_fit_error(const sg_table *t, const sg_encoder_spec *spec, int code,
                             const char *needle, const char *what)
{
    sg_encoder *e = (sg_encoder *)&e;   /* must be reset to NULL */
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, spec, &e, &rep, &err);
    tap_ok(X == NULL && e == NULL, "%s: refused", what);
    tap_is_int(err.code, code, what);
    tap_ok(strstr(err.msg, needle) != NULL, "%s: message '%s' mentions '%s'", what, err.msg, needle);
    tap_ok(rep.ndropped == 0 && rep.dropped == NULL, "%s: empty report", what);
    sg_matrix_free(X);
    sg_encoder_free(e);
}

static void test_errors(void)
{
    sg_table *t = train_table();
    static const char *const unknown[] = { "spend", "nope" };
    static const char *const textnum[] = { "country" };
    static const char *const twice_num[] = { "spend" };
    static const char *const twice_cat[] = { "member", "spend" };
    static const char *const dbl_cat[] = { "spend" };
    static const char *const flat_num[] = { "flat" };
    static const char *const single_cat[] = { "single" };
    sg_encoder_spec s1 = { unknown, 2, NULL, 0, 1, 2, 0 };
    expect_fit_error(t, &s1, SG_EINVAL, "'nope'", "unknown numeric column");
    sg_encoder_spec s2 = { NULL, 0, unknown + 1, 1, 1, 2, 0 };
    expect_fit_error(t, &s2, SG_EINVAL, "'nope'", "unknown categorical column");
    sg_encoder_spec s3 = { textnum, 1, NULL, 0, 1, 2, 0 };
    expect_fit_error(t, &s3, SG_EINVAL, "not numeric", "text column listed as numeric");
    sg_encoder_spec s4 = { twice_num, 1, twice_cat, 2, 1, 2, 0 };
    expect_fit_error(t, &s4, SG_EINVAL, "'spend' is listed twice", "column listed twice");
    sg_encoder_spec s5 = { NULL, 0, dbl_cat, 1, 1, 2, 0 };
    expect_fit_error(t, &s5, SG_EINVAL, "must be text, bool or integer", "double as categorical");
    sg_encoder_spec s6 = { flat_num, 1, single_cat, 1, 1, 2, 0 };
    expect_fit_error(t, &s6, SG_EDATA, "constant", "every column constant");
    sg_table *empty = sg_table_new();
    add_col(empty, sg_column_new("spend", SG_DOUBLE, 0));
    sg_encoder_spec s7 = { twice_num, 1, NULL, 0, 1, 2, 0 };
    expect_fit_error(empty, &s7, SG_EDATA, "no rows", "empty table");
    sg_table_free(empty);
    sg_table_free(t);
}

/* to_json -> print -> parse -> from_json: same features, same matrix bits. */
static void test_json(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(1);
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    sg_encoder_report_free(&rep);
    if (!X) {
        tap_ok(0, "json: fit failed (%s)", err.msg);
        sg_table_free(t);
        return;
    }
    /* spend gets a value with a long expansion so that printing matters */
    sg_table *n = sg_table_new();
    add_col(n, MKCOL("spend", SG_DOUBLE, "0.1", NA, "1e300", "-3.333333333333333"));
    add_col(n, MKCOL("visits", SG_INT64, "7", "2", "3", "-5"));
    add_col(n, MKCOL("country", SG_STRING, "France", "Peru", NA, "Germany"));
    add_col(n, MKCOL("member", SG_BOOL, "true", "false", "true", NA));

    cJSON *j = sg_encoder_to_json(e);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON *p = text ? cJSON_Parse(text) : NULL;
    sg_encoder *e2 = p ? sg_encoder_from_json(p, &err) : NULL;
    tap_ok(e2 != NULL, "json: printed, parsed and read back (%s)", err.msg);
    sg_encoder *e3 = j ? sg_encoder_from_json(j, &err) : NULL;
    tap_ok(e3 != NULL, "json: read back from the unprinted object (%s)", err.msg);
    if (e2) {
        tap_is_int((long long)e2->nfeat, 7, "json: 7 features");
        int same = e2->nfeat == e->nfeat;
        for (size_t k = 0; same && k < e->nfeat; k++)
            same = strcmp(e2->feature_names[k], e->feature_names[k]) == 0
                   && strcmp(e2->source[k], e->source[k]) == 0;
        tap_ok(same, "json: same feature names and sources");
        sg_matrix *A = sg_encoder_apply(t, e2, NULL, &err);
        tap_ok(A && memcmp(A->data, X->data, 70 * sizeof(double)) == 0,
               "json: training matrix bit-identical after the round trip");
        sg_matrix_free(A);
        sg_encoder_report r1, r2;
        sg_matrix *B1 = sg_encoder_apply(n, e, &r1, &err);
        sg_matrix *B2 = sg_encoder_apply(n, e2, &r2, &err);
        sg_matrix *B3 = e3 ? sg_encoder_apply(n, e3, NULL, &err) : NULL;
        tap_ok(B1 && B2 && memcmp(B1->data, B2->data, 28 * sizeof(double)) == 0,
               "json: new data bit-identical after the round trip");
        tap_ok(B1 && B3 && memcmp(B1->data, B3->data, 28 * sizeof(double)) == 0,
               "json: new data bit-identical (unprinted object)");
        tap_ok(B1 && B2 && r1.unseen == 1 && r2.unseen == 1 && r2.values_other == 3
                   && r2.values_imputed == 1,
               "json: same report (1 unseen, 3 other, 1 imputed)");
        sg_matrix_free(B1);
        sg_matrix_free(B2);
        sg_matrix_free(B3);
    }
    sg_encoder_free(e2);
    sg_encoder_free(e3);

    /* bad JSON */
    cJSON_DeleteItemFromObjectCaseSensitive(p, "categorical");
    e2 = sg_encoder_from_json(p, &err);
    tap_ok(e2 == NULL && err.code == SG_EDATA && strstr(err.msg, "categorical"),
           "json: missing \"categorical\" refused: %s", err.msg);
    sg_encoder_free(e2);
    cJSON *bad = cJSON_Parse("{\"numeric\": null, \"categorical\": [{\"name\": \"c\", "
                             "\"levels\": [\"a\", 3], \"other\": true}]}");
    e2 = sg_encoder_from_json(bad, &err);
    tap_ok(e2 == NULL && err.code == SG_EDATA && strstr(err.msg, "strings"),
           "json: non-string level refused: %s", err.msg);
    sg_encoder_free(e2);
    cJSON_Delete(bad);
    bad = cJSON_Parse("{\"numeric\": null, \"categorical\": [{\"name\": \"c\", "
                      "\"levels\": [\"a\", \"a\"], \"other\": true}]}");
    e2 = sg_encoder_from_json(bad, &err);
    tap_ok(e2 == NULL && err.code == SG_EDATA && strstr(err.msg, "'a'"),
           "json: duplicate level refused: %s", err.msg);
    sg_encoder_free(e2);
    cJSON_Delete(bad);
    bad = cJSON_Parse("{\"numeric\": null, \"categorical\": []}");
    e2 = sg_encoder_from_json(bad, &err);
    tap_ok(e2 == NULL && err.code == SG_EDATA, "json: no feature refused: %s", err.msg);
    sg_encoder_free(e2);
    cJSON_Delete(bad);

    cJSON_Delete(p);
    cJSON_free(text);
    cJSON_Delete(j);
    sg_table_free(n);
    sg_matrix_free(X);
    sg_encoder_free(e);
    sg_table_free(t);
}

/* Every failed allocation during fit is reported as SG_ENOMEM and leaks
 * nothing. */
static void test_oom(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(1);
    size_t base = sg_mem_used();
    int fails = 0, bad = 0;
    for (size_t extra = 0; extra < (1u << 20); extra += 16) {
        sg_encoder *e = NULL;
        sg_encoder_report rep;
        sg_error err = { 0, "" };
        sg_mem_set_limit(base + extra);
        sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
        sg_mem_set_limit(0);
        if (X) {
            sg_encoder_report_free(&rep);
            sg_matrix_free(X);
            sg_encoder_free(e);
            break;
        }
        if (err.code != SG_ENOMEM || sg_mem_used() != base) {
            tap_diag("OOM at +%zu: code %d (%s), %zu bytes left", extra, err.code, err.msg,
                     sg_mem_used() - base);
            bad++;
            break;
        }
        fails++;
    }
    tap_ok(fails > 0 && bad == 0, "oom: %d failing limits, each SG_ENOMEM without a leak", fails);
    tap_is_int((long long)sg_mem_used(), (long long)base, "oom: nothing left allocated");
    sg_table_free(t);
}

/* One-hot features grouped by their column: a contribution per column. */
static void test_groups(void)
{
    sg_table *t = train_table();
    sg_encoder_spec spec = main_spec(1);
    sg_encoder *e = NULL;
    sg_encoder_report rep;
    sg_error err = { 0, "" };
    sg_matrix *X = sg_encoder_fit(t, &spec, &e, &rep, &err);
    if (!X) {
        tap_ok(0, "groups: fit (%s)", err.msg);
        sg_table_free(t);
        return;
    }
    size_t group_of[7];
    const char *names[7];
    size_t ng = sg_encoder_groups(e, group_of, names);
    tap_is_int((long long)ng, 4, "groups: spend, visits, country, member");
    tap_ok(ng == 4 && !strcmp(names[2], "country") && !strcmp(names[3], "member"), "groups: names in order");
    tap_ok(group_of[2] == 2 && group_of[3] == 2 && group_of[4] == 2 && group_of[5] == 3 && group_of[6] == 3,
           "groups: the one-hot features point at their column");
    /* contributions of two rows: 7 features and the bias */
    sg_matrix *C = sg_matrix_new(2, 8);
    double v[16] = { 1, 2, 0.5, -0.25, 0.125, 3, -1, 9,   -1, 0, 0, 0, 0.75, 0, 0.5, 9 };
    memcpy(C->data, v, sizeof v);
    sg_matrix *G = NULL;
    tap_is_int(sg_encoder_group_sums(e, C, &G, &err), 0, "group sums: ok");
    if (G) {
        tap_is_int((long long)G->cols, 4, "group sums: one column per group, no bias");
        tap_is_double(sg_matrix_row(G, 0)[2], 0.375, 1e-12, "group sums: country = 0.5 - 0.25 + 0.125");
        tap_is_double(sg_matrix_row(G, 0)[3], 2.0, 1e-12, "group sums: member = 3 - 1");
        tap_is_double(sg_matrix_row(G, 1)[2], 0.75, 1e-12, "group sums: second row's country");
        tap_is_double(sg_matrix_row(G, 1)[0], -1.0, 1e-12, "group sums: a numeric feature is its own group");
    }
    sg_matrix_free(G);
    sg_matrix_free(C);
    sg_matrix_free(X);
    sg_encoder_report_free(&rep);
    sg_encoder_free(e);
    sg_table_free(t);
}

int main(void)
{
    test_fit_main();
    test_groups();
    test_no_scale();
    test_max_levels();
    test_apply_new();
    test_apply_no_other();
    test_errors();
    test_json();
    test_oom();
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
