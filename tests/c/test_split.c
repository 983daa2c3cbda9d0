/* Seeded train/test split and k-fold (core/split.c).  Sizes are worked by
 * hand; the exact assignments for fixed seeds ("golden") were produced by an
 * independent pure-Python re-implementation (MT19937 with GSL's seeding,
 * gsl_rng_uniform_int's rejection rule, the Fisher-Yates loop and the
 * dealing described in split.h), so they pin the split across machines. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "mem.h"
#include "split.h"
#include "tap.h"

static int has(const sg_error *e, const char *s)
{
    return strstr(e->msg, s) != NULL;
}

static int same_u8(const uint8_t *a, const uint8_t *b, size_t n)
{
    return memcmp(a, b, n) == 0;
}

static void test_unstratified(void)
{
    uint8_t t[100], t2[100];
    sg_error e = { 0 };
    tap_is_int(sg_split_train_test(NULL, 100, 0.2, 42, t, &e), SG_OK, "split ok");
    size_t nt = 0;
    for (size_t i = 0; i < 100; i++)
        nt += t[i];
    tap_is_int((long long)nt, 20, "round(0.2 * 100) = 20 test rows");
    sg_split_train_test(NULL, 100, 0.2, 42, t2, &e);
    tap_ok(same_u8(t, t2, 100), "same seed, same split");
    sg_split_train_test(NULL, 100, 0.2, 43, t2, &e);
    tap_ok(!same_u8(t, t2, 100), "another seed, another split");
    /* 0.25 * 10 = 2.5 rounds half away from zero -> 3 */
    sg_split_train_test(NULL, 10, 0.25, 1, t, &e);
    nt = 0;
    for (size_t i = 0; i < 10; i++)
        nt += t[i];
    tap_is_int((long long)nt, 3, "2.5 rounds to 3");

    const uint8_t gold[10] = { 1, 0, 0, 0, 0, 1, 1, 0, 0, 0 };
    sg_split_train_test(NULL, 10, 0.3, 42, t, &e);
    tap_ok(same_u8(t, gold, 10), "golden split, seed 42");
    /* the high word of the seed matters: 2^40 + 5 folds to 5 ^ 256 */
    const uint8_t gold_big[10] = { 1, 1, 0, 0, 0, 0, 0, 1, 0, 0 };
    sg_split_train_test(NULL, 10, 0.3, (UINT64_C(1) << 40) + 5, t, &e);
    tap_ok(same_u8(t, gold_big, 10), "golden split, 64-bit seed");
    sg_split_train_test(NULL, 10, 0.3, 5, t2, &e);
    tap_ok(!same_u8(t, t2, 10), "seed 2^40 + 5 differs from seed 5");
}

static void test_stratified(void)
{
    /* 70 rows of class 0 and 30 of class 1, interleaved: 14 + 6 test rows */
    double s[100];
    uint8_t t[100], t2[100];
    sg_error e = { 0 };
    for (size_t i = 0; i < 100; i++)
        s[i] = i % 10 < 3 ? 1.0 : 0.0;
    tap_is_int(sg_split_train_test(s, 100, 0.2, 9, t, &e), SG_OK, "stratified ok");
    size_t c0 = 0, c1 = 0;
    for (size_t i = 0; i < 100; i++) {
        c0 += t[i] && s[i] == 0;
        c1 += t[i] && s[i] == 1;
    }
    tap_ok(c0 == 14 && c1 == 6, "per class: 14 of 70 and 6 of 30 (got %zu, %zu)", c0, c1);
    sg_split_train_test(s, 100, 0.2, 9, t2, &e);
    tap_ok(same_u8(t, t2, 100), "stratified: same seed, same split");
    sg_split_train_test(s, 100, 0.2, 10, t2, &e);
    tap_ok(!same_u8(t, t2, 100), "stratified: another seed, another split");

    /* clamping to [1, m - 1]: classes 7 (2 rows), -1.5 (3 rows), 9 (4 rows)
     * at shares 0.1 and 0.9; class 4 (1 row) always trains */
    const double c[] = { 7, -1.5, 7, -1.5, -1.5, 4, 9, 9, 9, 9 };
    sg_split_train_test(c, 10, 0.1, 3, t, &e);
    tap_ok(t[0] + t[2] == 1 && t[5] == 0, "2-row class keeps one test row at share 0.1");
    tap_is_int(t[1] + t[3] + t[4], 1, "3-row class: round(0.3) = 0 -> 1");
    tap_is_int(t[6] + t[7] + t[8] + t[9], 1, "4-row class: round(0.4) = 0 -> 1");
    sg_split_train_test(c, 10, 0.9, 3, t, &e);
    tap_ok(t[0] + t[2] == 1 && t[5] == 0, "2-row class keeps one training row at share 0.9");
    tap_is_int(t[1] + t[3] + t[4], 2, "3-row class: round(2.7) = 3 -> 2");
    tap_is_int(t[6] + t[7] + t[8] + t[9], 3, "4-row class: round(3.6) = 4 -> 3");

    /* -0.0 and 0.0 are one class: 4 rows, share 0.5 -> 2 test rows */
    const double z[] = { 0.0, -0.0, 0.0, -0.0, 1, 1 };
    sg_split_train_test(z, 6, 0.5, 11, t, &e);
    tap_is_int(t[0] + t[1] + t[2] + t[3], 2, "-0.0 and 0.0 form one class");

    const double g[12] = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2 };
    const uint8_t gold[12] = { 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1 };
    sg_split_train_test(g, 12, 0.5, 7, t, &e);
    tap_ok(same_u8(t, gold, 12), "golden stratified split, seed 7");
}

static void test_split_errors(void)
{
    uint8_t t[4];
    sg_error e = { 0 };
    tap_is_int(sg_split_train_test(NULL, 0, 0.5, 1, t, &e), SG_EINVAL, "no rows");
    tap_is_int(sg_split_train_test(NULL, 4, 0.0, 1, t, &e), SG_EINVAL, "share 0");
    tap_is_int(sg_split_train_test(NULL, 4, 1.0, 1, t, &e), SG_EINVAL, "share 1");
    tap_is_int(sg_split_train_test(NULL, 4, NAN, 1, t, &e), SG_EINVAL, "share NaN");
    tap_is_int(sg_split_train_test(NULL, 4, 0.1, 1, t, &e), SG_EINVAL, "round(0.4) = 0 test rows");
    tap_ok(has(&e, "test side would be empty"), "message: %s", e.msg);
    tap_is_int(sg_split_train_test(NULL, 4, 0.9, 1, t, &e), SG_EINVAL, "4 test rows of 4");
    tap_ok(has(&e, "training side would be empty"), "message: %s", e.msg);
    const double single[] = { 1, 2, 3, 4 };
    tap_is_int(sg_split_train_test(single, 4, 0.5, 1, t, &e), SG_EINVAL, "all singletons");
    tap_ok(has(&e, "single row"), "message: %s", e.msg);
    const double nan[] = { 1, NAN, 1, 2 };
    tap_is_int(sg_split_train_test(nan, 4, 0.5, 1, t, &e), SG_EDATA, "NaN stratum");
    tap_ok(has(&e, "row 1"), "message: %s", e.msg);
}

static void test_kfold(void)
{
    int f[103], f2[103], size[5] = { 0 };
    double s[103];
    sg_error e = { 0 };
    tap_is_int(sg_split_kfold(NULL, 103, 5, 42, f, &e), SG_OK, "kfold ok");
    int inrange = 1;
    for (size_t i = 0; i < 103; i++) {
        inrange &= f[i] >= 0 && f[i] < 5;
        if (f[i] >= 0 && f[i] < 5)
            size[f[i]]++;
    }
    tap_ok(inrange, "every row in exactly one fold 0..4");
    tap_ok(size[0] == 21 && size[1] == 21 && size[2] == 21 && size[3] == 20 && size[4] == 20,
           "fold sizes 21 21 21 20 20");
    sg_split_kfold(NULL, 103, 5, 42, f2, &e);
    tap_ok(memcmp(f, f2, sizeof f) == 0, "same seed, same folds");
    sg_split_kfold(NULL, 103, 5, 41, f2, &e);
    tap_ok(memcmp(f, f2, sizeof f) != 0, "another seed, other folds");

    /* class A (value 2) 52 rows, class B (value 5) 51 rows, mixed order.
     * A is dealt from fold 0: 11 11 10 10 10, ending at fold 2; B from fold
     * 2: 10 10 11 10 10.  Totals 21 21 21 20 20. */
    for (size_t i = 0; i < 103; i++)
        s[i] = i % 2 == 0 ? 2.0 : 5.0; /* rows 0, 2, ..., 102 -> class 2 */
    size_t na = 0;
    for (size_t i = 0; i < 103; i++)
        na += s[i] == 2.0;
    tap_is_int((long long)na, 52, "fixture: 52 rows of class 2");
    tap_is_int(sg_split_kfold(s, 103, 5, 7, f, &e), SG_OK, "stratified kfold ok");
    int a[5] = { 0 }, b[5] = { 0 };
    for (size_t i = 0; i < 103; i++)
        (s[i] == 2.0 ? a : b)[f[i]]++;
    tap_ok(a[0] == 11 && a[1] == 11 && a[2] == 10 && a[3] == 10 && a[4] == 10,
           "class 2 per fold 11 11 10 10 10");
    tap_ok(b[0] == 10 && b[1] == 10 && b[2] == 11 && b[3] == 10 && b[4] == 10,
           "class 5 per fold 10 10 11 10 10 (dealing carried over)");

    const int gold[10] = { 1, 0, 0, 0, 2, 0, 2, 2, 1, 1 };
    sg_split_kfold(NULL, 10, 3, 42, f, &e);
    tap_ok(memcmp(f, gold, sizeof gold) == 0, "golden folds, seed 42");
    const double g[12] = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2 };
    const int golds[12] = { 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1 };
    sg_split_kfold(g, 12, 2, 2024, f, &e);
    tap_ok(memcmp(f, golds, sizeof golds) == 0, "golden stratified folds, seed 2024");
}

static void test_kfold_errors(void)
{
    int f[6];
    sg_error e = { 0 };
    tap_is_int(sg_split_kfold(NULL, 6, 1, 1, f, &e), SG_EINVAL, "k = 1 refused");
    tap_is_int(sg_split_kfold(NULL, 6, 7, 1, f, &e), SG_EINVAL, "k > n refused");
    tap_is_int(sg_split_kfold(NULL, 6, 6, 1, f, &e), SG_OK, "k = n allowed (leave-one-out)");
    const double s[] = { 1, 1, 1, 7.5, 7.5, 1 };
    tap_is_int(sg_split_kfold(s, 6, 3, 1, f, &e), SG_EDATA, "class smaller than k refused");
    tap_ok(has(&e, "class 7.5 has 2 rows") && has(&e, "k = 3"), "message: %s", e.msg);
    tap_is_int(sg_split_kfold(s, 6, 2, 1, f, &e), SG_OK, "k = 2 fits both classes");
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    size_t before = sg_mem_used();
    test_unstratified();
    test_stratified();
    test_split_errors();
    test_kfold();
    test_kfold_errors();
    tap_is_int((long long)sg_mem_used(), (long long)before, "no accounted memory left");
    return tap_done();
}
