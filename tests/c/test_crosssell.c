/* Cross-selling: item and pair counts, pruning, huge baskets, rule order,
 * recommendations (exclusions, ranking, ties, customer filter), string and
 * int64 items, errors, out of memory, and the UCI Online Retail data. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crosssell.h"
#include "csv.h"
#include "mem.h"
#include "expr.h"
#include "stats.h"
#include "ops_testutil.h"
#include "tap.h"

/* Fixture (8 invoices; N = 8):
 *   I1: A B          I5: C D E
 *   I2: A B C        I6: A B C D E F G H   (8 items: skipped when max < 8)
 *   I3: A B          I7: E F
 *   I4: C D          I8: A A D             (A twice counts once)
 * Item counts: A 5, B 4, C 4, D 4, E 3, F 2, G 1, H 1.
 * Pairs without I6: AB 3, AC 1, BC 1, CD 2, CE 1, DE 1, EF 1, AD 1.
 * I6 adds one to every pair of A..H. */
static const char *const INV[] = { "I1", "I1", "I2", "I2", "I2", "I3", "I3", "I4", "I4", "I5",
                                   "I5", "I5", "I6", "I6", "I6", "I6", "I6", "I6", "I6", "I6",
                                   "I7", "I7", "I8", "I8", "I8" };
static const char *const ITEM[] = { "A", "B", "A", "B", "C", "A", "B", "C", "D", "C",
                                    "D", "E", "A", "B", "C", "D", "E", "F", "G", "H",
                                    "E", "F", "A", "A", "D" };
/* the same items as int64 codes in reverse order: A=10, B=9, ..., H=3 */
static const char *const ITEMNUM[] = { "10", "9", "10", "9", "8", "10", "9", "8", "7", "8",
                                       "7", "6", "10", "9", "8", "7", "6", "5", "4", "3",
                                       "6", "5", "10", "10", "7" };
#define NROWS (sizeof INV / sizeof INV[0])

static sg_table *fixture(int numeric_items)
{
    sg_table *t = sg_table_new();
    add_col(t, mkcol("inv", SG_STRING, INV, NROWS));
    add_col(t, numeric_items ? mkcol("item", SG_INT64, ITEMNUM, NROWS)
                             : mkcol("item", SG_STRING, ITEM, NROWS));
    return t;
}

static sg_cooc *fit_lift(const sg_table *t, double min_support, size_t min_count, size_t max_items,
                        double min_lift)
{
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.min_lift = min_lift;
    o.invoice = "inv";
    o.item = "item";
    o.min_support = min_support;
    o.min_count = min_count;
    o.max_items_per_invoice = max_items;
    sg_error err;
    sg_cooc *c = sg_cooc_fit(t, &o, &err);
    if (!c)
        tap_diag("fit: %s", err.msg);
    return c;
}

/* every pair, negative associations included */
static sg_cooc *fit(const sg_table *t, double min_support, size_t min_count, size_t max_items)
{
    return fit_lift(t, min_support, min_count, max_items, 0);
}

static sg_table *rules_of(const sg_cooc *c)
{
    sg_error err;
    sg_table *r = sg_cooc_rules(c, &err);
    if (!r)
        tap_diag("rules: %s", err.msg);
    return r;
}

static void test_options(void)
{
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    tap_is_double(o.min_support, 0.01, 0, "default min_support 0.01");
    tap_is_int((long long)o.min_count, 2, "default min_count 2");
    tap_is_int((long long)o.max_items_per_invoice, 1000, "default max_items_per_invoice 1000");
    tap_is_double(o.min_lift, 1.0, 0, "default min_lift 1");
}

/* The default min_lift drops the pairs bought together less often than
 * chance: of the 8 pairs of the small invoices, E-F, A-B and C-D remain. */
static void test_min_lift(void)
{
    sg_table *t = fixture(0);
    sg_cooc *c = fit_lift(t, 0, 1, 5, 1.0);
    sg_table *r = c ? rules_of(c) : NULL;
    tap_is_int(r ? (long long)r->nrows : -1, 6, "min_lift 1 keeps 3 pairs, both directions");
    int all_positive = r != NULL;
    for (size_t i = 0; r && i < r->nrows; i++)
        all_positive &= sg_column_f64(sg_table_col(r, "lift"))[i] >= 1.0;
    tap_ok(all_positive, "every kept rule has lift >= 1");
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(t);
}

static void test_all_pairs(void)
{
    sg_table *t = fixture(0);
    sg_cooc *c = fit(t, 0, 1, 5);
    sg_table *r = c ? rules_of(c) : NULL;
    tap_ok(r != NULL, "fit and rules with every pair kept");
    if (r) {
        tap_is_int((long long)r->nrows, 16, "8 pairs from the small invoices, both directions");
        tap_is_str(join_col(r, "antecedent"), "E|F|A|B|C|D|C|D|E|E|B|C|A|A|C|D",
                   "antecedents by lift desc, count desc, antecedent, consequent");
        tap_is_str(join_col(r, "consequent"), "F|E|B|A|D|C|E|E|C|D|C|B|C|D|A|A", "consequents");
        tap_is_str(join_col(r, "count"), "1|1|3|3|2|2|1|1|1|1|1|1|1|1|1|1",
                   "pair counts exclude the 8-item invoice");
        sg_column *sup = sg_table_col(r, "support"), *conf = sg_table_col(r, "confidence"),
                  *lift = sg_table_col(r, "lift");
        /* E->F: n_EF 1, N 8, n_E 3, n_F 2 */
        tap_is_double(sg_column_f64(sup)[0], 1.0 / 8, 1e-12, "E->F support 1/8");
        tap_is_double(sg_column_f64(conf)[0], 1.0 / 3, 1e-12, "E->F confidence 1/3");
        tap_is_double(sg_column_f64(lift)[0], 8.0 / 6, 1e-12, "E->F lift 1*8/(3*2)");
        tap_is_double(sg_column_f64(conf)[1], 0.5, 1e-12, "F->E confidence 1/2");
        /* A->B: n_AB 3, n_A 5, n_B 4 */
        tap_is_double(sg_column_f64(sup)[2], 3.0 / 8, 1e-12, "A->B support 3/8");
        tap_is_double(sg_column_f64(conf)[2], 0.6, 1e-12, "A->B confidence 3/5");
        tap_is_double(sg_column_f64(lift)[2], 1.2, 1e-12, "A->B lift 3*8/(5*4)");
        tap_is_double(sg_column_f64(conf)[3], 0.75, 1e-12, "B->A confidence 3/4");
        tap_is_double(sg_column_f64(lift)[3], 1.2, 1e-12, "B->A lift 1.2 (symmetric)");
        tap_is_double(sg_column_f64(lift)[4], 1.0, 1e-12, "C->D lift 2*8/(4*4)");
        tap_is_double(sg_column_f64(lift)[15], 0.4, 1e-12, "D->A lift 1*8/(4*5)");
        tap_is_int(sg_table_col(r, "antecedent")->type, SG_STRING, "string items stay strings");
        tap_is_int(sg_table_col(r, "count")->type, SG_INT64, "count is int64");
        tap_is_str(r->cols[0]->name, "antecedent", "column order: antecedent first");
        tap_is_str(r->cols[5]->name, "lift", "column order: lift last");
    }
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(t);
}

static void test_pruning_and_baskets(void)
{
    sg_table *t = fixture(0);
    /* no basket limit: I6 counts, pairs with count >= 2 are AB 4, CD 3,
     * AC 2, BC 2, CE 2, DE 2, EF 2, AD 2 */
    sg_cooc *c = fit(t, 0, 2, 0);
    sg_table *r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_int((long long)r->nrows, 16, "no basket limit: 8 pairs with count >= 2");
        tap_is_str(join_col(r, "antecedent"), "E|F|A|B|C|D|C|D|E|E|B|C|A|A|C|D",
                   "no basket limit: order (lifts 8/3, 1.6, 1.5, 4/3, 1, 0.8)");
        tap_is_str(join_col(r, "count"), "2|2|4|4|3|3|2|2|2|2|2|2|2|2|2|2",
                   "no basket limit: I6 adds to every pair");
        tap_is_double(sg_column_f64(sg_table_col(r, "lift"))[0], 16.0 / 6, 1e-12,
                      "E->F lift 2*8/(3*2) with I6");
    } else {
        tap_ok(0, "rules without basket limit");
    }
    sg_table_free(r);
    sg_cooc_free(c);

    /* with the 5-item limit, min_count 2 keeps AB (3) and CD (2) only */
    c = fit(t, 0, 2, 5);
    r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_str(join_col(r, "antecedent"), "A|B|C|D", "basket limit 5: AB and CD");
        tap_is_str(join_col(r, "consequent"), "B|A|D|C", "basket limit 5: consequents");
    } else {
        tap_ok(0, "rules with basket limit");
    }
    sg_table_free(r);
    sg_cooc_free(c);

    /* a limit of exactly 8 keeps I6 */
    c = fit(t, 0, 2, 8);
    r = c ? rules_of(c) : NULL;
    tap_is_int(r ? (long long)r->nrows : -1, 16, "basket limit 8: the 8-item invoice still counts");
    sg_table_free(r);
    sg_cooc_free(c);

    /* min_count 3: F (2 invoices) is pruned; pairs AB 4, CD 3 */
    c = fit(t, 0, 3, 0);
    r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_str(join_col(r, "antecedent"), "A|B|C|D", "min_count 3: AB (lift 1.6) before CD (1.5)");
    } else {
        tap_ok(0, "rules with min_count 3");
    }
    sg_table_free(r);
    sg_cooc_free(c);

    /* min_support 0.3 (>= 2.4 invoices of 8): same as min_count 3 */
    c = fit(t, 0.3, 1, 0);
    r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_str(join_col(r, "count"), "4|4|3|3", "min_support 0.3: AB 4, CD 3");
        tap_is_double(sg_column_f64(sg_table_col(r, "lift"))[0], 1.6, 1e-12, "A->B lift 4*8/(5*4)");
        tap_is_double(sg_column_f64(sg_table_col(r, "lift"))[2], 1.5, 1e-12, "C->D lift 3*8/(4*4)");
    } else {
        tap_ok(0, "rules with min_support 0.3");
    }
    sg_table_free(r);
    sg_cooc_free(c);

    /* min_support exactly 0.25 keeps count 2 (2/8 == 0.25) */
    c = fit(t, 0.25, 1, 5);
    r = c ? rules_of(c) : NULL;
    tap_is_str(r ? join_col(r, "count") : "", "3|3|2|2", "min_support 0.25 is inclusive");
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(t);
}

static void test_numeric_items(void)
{
    sg_table *t = fixture(1);
    sg_cooc *c = fit(t, 0, 1, 5);
    sg_table *r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_int(sg_table_col(r, "antecedent")->type, SG_INT64, "int64 items stay int64");
        /* same rules as the string fixture; ties now by numeric order (A=10 ... H=3):
         * lift 2/3 group: E->D (6->7), E->C (6->8), D->E (7->6), C->E (8->6) */
        tap_is_str(join_col(r, "antecedent"), "5|6|9|10|7|8|6|6|7|8|8|9|7|8|10|10",
                   "int64 antecedents, ties in numeric order");
        tap_is_str(join_col(r, "consequent"), "6|5|10|9|8|7|7|8|6|6|9|8|10|10|7|8",
                   "int64 consequents");
        tap_is_str(join_col(r, "count"), "1|1|3|3|2|2|1|1|1|1|1|1|1|1|1|1", "same counts as strings");
    } else {
        tap_ok(0, "rules on int64 items");
    }
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(t);
}

/* Customers on their own table (own dictionaries: item texts are matched
 * through the model's dictionary).  Rules are those of test_all_pairs. */
static void test_recommend(void)
{
    sg_table *t = fixture(0);
    sg_cooc *c = fit(t, 0, 1, 5);
    sg_table *tx = sg_table_new();
    add_col(tx, MKCOL("cust", SG_STRING, "u1", "u2", "u2", "u3", "u3", "u4", "u10", "u10", "u1",
                      NULL, "u0", "u1"));
    add_col(tx, MKCOL("item", SG_STRING, "A", "C", "D", "A", "B", "G", "E", "F", "A", "B", "Z", NULL));
    sg_error err;
    sg_table *r = c ? sg_cooc_recommend(c, tx, "cust", NULL, 2, &err) : NULL;
    tap_ok(r != NULL, "recommend top 2");
    if (r) {
        /* u1 {A}: B 1.2 (A), C 0.4 and D 0.4 tie on lift and confidence -> C
         * u10 {E,F}: C and D both 2/3 from E, confidence 1/3 -> C, D
         * u2 {C,D}: E 2/3 (C->E and D->E tie -> because C), B 0.5, A 0.4
         * u3 {A,B}: C 0.5 (B->C beats A->C 0.4), D 0.4 (A)
         * u4 {G}: no rule; u0 {Z}: unknown item; missing customer ignored */
        tap_is_str(join_col(r, "cust") , "(no column)", "output customer column is named 'customer'");
        tap_is_str(join_col(r, "customer"), "u1|u1|u10|u10|u2|u2|u3|u3", "customers in bytewise order");
        tap_is_str(join_col(r, "rank"), "1|2|1|2|1|2|1|2", "ranks");
        tap_is_str(join_col(r, "item"), "B|C|C|D|E|B|C|D", "items not bought, best first");
        tap_is_str(join_col(r, "because"), "A|A|E|E|C|C|B|A", "because: the best rule's antecedent");
        tap_is_str(join_col(r, "score"), "1.2|0.4|0.6666666666666666|0.6666666666666666|"
                   "0.6666666666666666|0.5|0.5|0.4", "scores are lifts");
    }
    sg_table_free(r);

    r = c ? sg_cooc_recommend(c, tx, "cust", NULL, 3, &err) : NULL;
    if (r) {
        tap_is_str(join_col(r, "item"), "B|C|D|C|D|E|B|A|C|D", "top 3 (fewer when fewer candidates)");
        tap_is_str(join_col(r, "because"), "A|A|A|E|E|C|C|C|B|A", "top 3 reasons");
    } else {
        tap_ok(0, "recommend top 3");
    }
    sg_table_free(r);

    sg_column *only = MKCOL("ids", SG_STRING, "u3", "u4", "zz", NULL, "u3");
    r = c ? sg_cooc_recommend(c, tx, "cust", only, 5, &err) : NULL;
    if (r) {
        tap_is_str(join_col(r, "customer"), "u3|u3", "customer filter (other dictionary, duplicates)");
        tap_is_str(join_col(r, "item"), "C|D", "filtered customer's items");
    } else {
        tap_ok(0, "recommend with a customer list");
    }
    sg_table_free(r);
    sg_column_release(only);

    /* the fit table itself (same dictionary): customers = invoices */
    r = c ? sg_cooc_recommend(c, t, "inv", NULL, 1, &err) : NULL;
    if (r) {
        /* I1 {A,B}: C 0.5 (B); I2 {A,B,C}: D 1.0 (C); I3 = I1; I4 {C,D}: E 2/3 (C);
         * I5 {C,D,E}: F 4/3 (E); I6 everything but no rule reaches outside;
         * I7 {E,F}: C 2/3 (E); I8 {A,D}: B 1.2 (A) */
        tap_is_str(join_col(r, "customer"), "I1|I2|I3|I4|I5|I7|I8", "one row per customer with candidates");
        tap_is_str(join_col(r, "item"), "C|D|C|E|F|C|B", "top 1 on the fit table");
    } else {
        tap_ok(0, "recommend on the fit table");
    }
    sg_table_free(r);

    /* errors */
    r = c ? sg_cooc_recommend(c, tx, "nope", NULL, 2, &err) : NULL;
    tap_ok(!r && err.code == SG_EINVAL && strstr(err.msg, "nope"), "unknown customer column");
    r = c ? sg_cooc_recommend(c, tx, "cust", NULL, 0, &err) : NULL;
    tap_ok(!r && err.code == SG_EINVAL && strstr(err.msg, "top_n"), "top_n 0 is refused");
    sg_column *wrong = MKCOL("ids", SG_INT64, "1");
    r = c ? sg_cooc_recommend(c, tx, "cust", wrong, 2, &err) : NULL;
    tap_ok(!r && err.code == SG_EINVAL && strstr(err.msg, "customers"), "customer list of another type");
    sg_column_release(wrong);
    sg_table *tn = fixture(1);
    r = c ? sg_cooc_recommend(c, tn, "inv", NULL, 2, &err) : NULL;
    tap_ok(!r && err.code == SG_EINVAL && strstr(err.msg, "int64"), "item type differs from the model");
    sg_table_free(tn);
    sg_cooc_free(c);
    sg_table_free(tx);
    sg_table_free(t);
}

/* Lift ties between different candidates are broken by confidence (the
 * more popular consequent), then by the item order; int64 ids.
 *   J1: 30 10   J2: 30 20   J3: 30 20   J4: 10   J5: 20   J6: 20
 * n_30 3, n_10 2, n_20 4, N 6: lift 30->10 = 1*6/(3*2) = 1 = 2*6/(3*4) = lift 30->20,
 * confidence 1/3 and 2/3. */
static void test_confidence_ties(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("inv", SG_INT64, "1", "1", "2", "2", "3", "3", "4", "5", "6"));
    add_col(t, MKCOL("item", SG_INT64, "30", "10", "30", "20", "30", "20", "10", "20", "20"));
    add_col(t, MKCOL("cust", SG_INT64, "7", "7", "100", "100", "8", "8", "9", "9", "9"));
    sg_cooc *c = fit(t, 0, 1, 0);
    sg_table *tx = sg_table_new();
    add_col(tx, MKCOL("cust", SG_INT64, "12", "5", "12"));
    add_col(tx, MKCOL("item", SG_INT64, "30", "20", "30"));
    sg_error err;
    sg_table *r = c ? sg_cooc_recommend(c, tx, "cust", NULL, 5, &err) : NULL;
    if (r) {
        tap_is_str(join_col(r, "customer"), "5|12|12", "int64 customers in numeric order");
        tap_is_str(join_col(r, "item"), "30|20|10", "equal lift: higher confidence first (20 before 10)");
        tap_is_str(join_col(r, "score"), "1.0|1.0|1.0", "both scores are lift 1");
        tap_is_int(sg_table_col(r, "customer")->type, SG_INT64, "int64 customer column");
    } else {
        tap_ok(0, "recommend on int64 ids: %s", err.msg);
    }
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(tx);
    sg_table_free(t);
}

static void test_fit_errors(void)
{
    sg_table *t = fixture(0);
    sg_cooc_options o;
    sg_error err;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "missing";
    tap_ok(!sg_cooc_fit(t, &o, &err) && err.code == SG_EINVAL && strstr(err.msg, "missing"),
           "unknown item column");
    o.item = "item";
    o.min_support = 1.5;
    tap_ok(!sg_cooc_fit(t, &o, &err) && err.code == SG_EINVAL && strstr(err.msg, "min_support"),
           "min_support above 1");
    o.min_support = NAN;
    tap_ok(!sg_cooc_fit(t, &o, &err) && err.code == SG_EINVAL, "min_support NaN");
    sg_table *d = sg_table_new();
    add_col(d, MKCOL("inv", SG_STRING, "a"));
    add_col(d, MKCOL("item", SG_DOUBLE, "1.5"));
    o.min_support = 0.01;
    tap_ok(!sg_cooc_fit(d, &o, &err) && err.code == SG_EINVAL && strstr(err.msg, "double"),
           "double items refused");
    sg_table_free(d);
    /* freeing gives back every byte the fit and the rules took; NULL is a no-op */
    sg_table *fx = fixture(0);
    size_t before = sg_mem_used();
    sg_cooc *fc = fit(fx, 0.01, 1, 1000);
    sg_table *fr = fc ? rules_of(fc) : NULL;
    size_t during = sg_mem_used();
    sg_table_free(fr);
    sg_cooc_free(fc);
    sg_cooc_free(NULL);
    tap_ok(fc && fr && during > before && sg_mem_used() == before,
           "sg_cooc_free releases the model (%zu bytes in use after fit + rules, %zu after free)",
           during - before, sg_mem_used() - before);
    sg_table_free(fx);

    /* missing invoice or item: the row is ignored */
    sg_table *m = sg_table_new();
    add_col(m, MKCOL("inv", SG_STRING, "a", "a", NULL, "b", "b", "c"));
    add_col(m, MKCOL("item", SG_STRING, "x", "y", "x", "x", "y", NULL));
    sg_cooc *c = fit(m, 0, 1, 0);
    sg_table *r = c ? rules_of(c) : NULL;
    if (r) {
        tap_is_str(join_col(r, "count"), "2|2", "missing rows ignored: pair x,y in 2 invoices");
        /* N = 2 (invoice c has no item): lift = 2*2/(2*2) */
        tap_is_double(sg_column_f64(sg_table_col(r, "lift"))[0], 1.0, 1e-12,
                      "invoices without items are not counted in N");
    } else {
        tap_ok(0, "fit with missing values");
    }
    sg_table_free(r);
    sg_cooc_free(c);
    sg_table_free(m);
    sg_table_free(t);
}

/* ---- out of memory: every failure reports SG_ENOMEM and frees all ---- */
static sg_table *oom_fit_rules(void *ud, sg_error *err)
{
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "item";
    o.min_support = 0;
    o.min_count = 1;
    o.max_items_per_invoice = 5;
    sg_cooc *c = sg_cooc_fit(ud, &o, err);
    if (!c)
        return NULL;
    sg_table *r = sg_cooc_rules(c, err);
    sg_table *rec = r ? sg_cooc_recommend(c, ud, "inv", NULL, 2, err) : NULL;
    sg_table_free(r);
    sg_cooc_free(c);
    return rec;
}

static void test_oom(void)
{
    sg_table *t = fixture(0);
    int fails = oom_sweep(oom_fit_rules, t, 64);
    tap_ok(fails > 10, "fit + rules + recommend under growing limits: %d clean failures", fails);
    sg_table_free(t);
}

/* ---- UCI Online Retail ----
 * Facts checked independently with Python's csv module (no pandas) on rows
 * with a CustomerID, an InvoiceNo not starting with 'C' and Quantity > 0:
 * 397924 rows, 18536 invoices, 3665 products, 4339 customers.
 * min_support 0.01: 333 pairs (666 rules); top rule 23171 -> 23172:
 * count 202, n_23171 270, n_23172 224, support 202/18536, confidence 202/270,
 * lift 202*18536/(270*224) = 61.90925925925926.  Top 5 recommendations:
 * 18068 rows for 3920 customers; 12347.0 first gets 20723 (because 20719).
 * min_support 0.005: 1858 pairs; top rule 23289 -> 23291, count 117; top 5
 * recommendations: 20612 rows, 12346.0 first gets 23167 (because 23166). */
static void test_online_retail(void)
{
    const char *dir = tap_shared_data();
    char path[4200];
    if (!dir) {
        tap_skip(15, "shared data folder not found");
        return;
    }
    snprintf(path, sizeof path, "%s/online_retail/online_retail.csv", dir);
    sg_csv_override ov[] = {
        { "InvoiceNo", SG_STRING, SG_DATE_UNKNOWN, 0 },
        { "StockCode", SG_STRING, SG_DATE_UNKNOWN, 0 },
        { "CustomerID", SG_STRING, SG_DATE_UNKNOWN, 0 },
    };
    sg_csv_options opt;
    sg_csv_options_init(&opt);
    opt.overrides = ov;
    opt.noverrides = 3;
    sg_error err;
    sg_table *raw = sg_csv_read(path, &opt, NULL, &err);
    if (!raw) {
        tap_ok(0, "read %s: %s", path, err.msg);
        tap_skip(14, "no data");
        return;
    }
    sg_table *tx = sg_table_filter(
        raw, "not is_missing(CustomerID) and not starts_with(InvoiceNo, 'C') and Quantity > 0", &err);
    sg_table_free(raw);
    if (!tx) {
        tap_ok(0, "filter: %s", err.msg);
        tap_skip(14, "no data");
        return;
    }
    tap_is_int((long long)tx->nrows, 397924, "Online Retail: 397924 cleaned rows");
    tap_is_int((long long)sg_column_count_distinct(sg_table_col(tx, "InvoiceNo")), 18536,
               "Online Retail: 18536 invoices");

    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.min_lift = 0;   /* the figures checked independently count every pair */
    o.invoice = "InvoiceNo";
    o.item = "StockCode";
    sg_cooc *c = sg_cooc_fit(tx, &o, &err);
    sg_table *rules = c ? sg_cooc_rules(c, &err) : NULL;
    sg_table *rec = c ? sg_cooc_recommend(c, tx, "CustomerID", NULL, 5, &err) : NULL;
    tap_ok(rules && rec, "fit, rules and recommend (min_support 0.01)");
    if (rules && rec) {
        tap_is_int((long long)rules->nrows, 666, "333 pairs, 666 rules");
        tap_is_str(cell(sg_table_col(rules, "antecedent"), 0), "23171", "top rule antecedent");
        tap_is_str(cell(sg_table_col(rules, "consequent"), 0), "23172", "top rule consequent");
        tap_is_int(sg_column_i64(sg_table_col(rules, "count"))[0], 202, "top rule count 202");
        tap_is_double(sg_column_f64(sg_table_col(rules, "support"))[0], 202.0 / 18536, 1e-12,
                      "top rule support 202/18536");
        tap_is_double(sg_column_f64(sg_table_col(rules, "confidence"))[0], 202.0 / 270, 1e-12,
                      "top rule confidence 202/270");
        tap_is_double(sg_column_f64(sg_table_col(rules, "lift"))[0], 61.90925925925926, 1e-9,
                      "top rule lift 202*18536/(270*224)");
        tap_is_int((long long)rec->nrows, 18068, "18068 recommendations (top 5)");
        tap_is_str(cell(sg_table_col(rec, "customer"), 0), "12347.0", "first customer 12347.0");
        tap_is_str(cell(sg_table_col(rec, "item"), 0), "20723", "its first item 20723");
        tap_is_str(cell(sg_table_col(rec, "because"), 0), "20719", "because 20719");
    } else {
        tap_diag("%s", err.msg);
        tap_skip(11, "no model");
    }
    sg_table_free(rules);
    sg_table_free(rec);
    sg_cooc_free(c);

    o.min_support = 0.005;
    c = sg_cooc_fit(tx, &o, &err);
    rules = c ? sg_cooc_rules(c, &err) : NULL;
    rec = c ? sg_cooc_recommend(c, tx, "CustomerID", NULL, 5, &err) : NULL;
    if (rules && rec) {
        tap_ok(rules->nrows == 3716 && sg_column_i64(sg_table_col(rules, "count"))[0] == 117 &&
                   strcmp(cell(sg_table_col(rules, "antecedent"), 0), "23289") == 0 &&
                   rec->nrows == 20612 && strcmp(cell(sg_table_col(rec, "customer"), 0), "12346.0") == 0 &&
                   strcmp(cell(sg_table_col(rec, "item"), 0), "23167") == 0,
               "min_support 0.005: 1858 pairs, top rule 23289 -> 23291 count 117, 20612 "
               "recommendations, 12346.0 first gets 23167");
    } else {
        tap_ok(0, "min_support 0.005: %s", err.msg);
    }
    sg_table_free(rules);
    sg_table_free(rec);
    sg_cooc_free(c);
    sg_table_free(tx);
}

int main(void)
{
    test_options();
    test_min_lift();
    test_all_pairs();
    test_pruning_and_baskets();
    test_numeric_items();
    test_recommend();
    test_confidence_ties();
    test_fit_errors();
    test_oom();
    test_online_retail();
    return tap_done();
}
