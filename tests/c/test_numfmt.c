/* sg_format_double: the fast exact path must print exactly what the
 * printf path prints (shortest of %.15g/%.16g/%.17g that reads back),
 * checked on random bit patterns, money-like values, integers, powers of
 * two and ten and their neighbours, and the range edges. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "tap.h"

/* The reference: the printf path, written out here independently. */
static void reference(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eE"))
        strcat(buf, ".0");
}

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)   /* splitmix64 */
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static long mismatches;
static char first_bad[200];

static void check(double v)
{
    char got[64], want[64];
    size_t n = sg_format_double(v, got, sizeof got);
    reference(v, want, sizeof want);
    if (strcmp(got, want) != 0 || n != strlen(want)) {
        if (mismatches++ == 0)
            snprintf(first_bad, sizeof first_bad, "%.17g: got '%s', want '%s'", v, got, want);
    }
}

int main(void)
{
    char buf[64];
    sg_format_double(0.1, buf, sizeof buf);
    tap_is_str(buf, "0.1", "0.1");
    sg_format_double(228.57999999999998, buf, sizeof buf);
    tap_is_str(buf, "228.57999999999998", "a sum that is not exactly 228.58 keeps 17 digits");
    sg_format_double(15000, buf, sizeof buf);
    tap_is_str(buf, "15000.0", "integral values keep .0");
    sg_format_double(-2.5e-7, buf, sizeof buf);
    tap_is_str(buf, "-2.5e-07", "small values in exponent form");
    sg_format_double(1e21, buf, sizeof buf);
    tap_is_str(buf, "1e+21", "large values in exponent form");
    sg_format_double(NAN, buf, sizeof buf);
    tap_is_str(buf, "NaN", "NaN");
    sg_format_double(-INFINITY, buf, sizeof buf);
    tap_is_str(buf, "-Inf", "-Inf");

    /* random bit patterns in and around the fast range */
    mismatches = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t b = next();
        double v;
        memcpy(&v, &b, 8);
        if (isfinite(v) && fabs(v) > 1e-7 && fabs(v) < 1e21)
            check(v);
        double w = ldexp((double)(next() >> 11), (int)(next() % 90) - 70);   /* ~2^-70 .. 2^72 */
        check(w);
        check(-w);
    }
    tap_ok(mismatches == 0, "random doubles: identical to the printf path (%ld mismatches) %s", mismatches,
           first_bad);
    /* money-like values, sums of them, integers */
    mismatches = 0;
    for (int i = 0; i < 200000; i++) {
        double cents = (double)(next() % 100000000) / 100.0;
        check(cents);
        check(cents * 3 + 0.1);
        check((double)(int64_t)(next() % 10000000000000ull));
        check(cents / 7.0);
    }
    tap_ok(mismatches == 0, "money, sums, integers, ratios: identical (%ld mismatches) %s", mismatches, first_bad);
    /* powers of two and ten, their neighbours, the edges of the fast range */
    mismatches = 0;
    for (int e = -40; e <= 70; e++) {
        double p2 = ldexp(1.0, e);
        check(p2);
        check(nextafter(p2, 0));
        check(nextafter(p2, INFINITY));
    }
    for (int e = -8; e <= 22; e++) {
        double p10 = pow(10, e);
        check(p10);
        check(nextafter(p10, 0));
        check(nextafter(p10, INFINITY));
        check(5 * p10);
        check(nextafter(5 * p10, 0));
    }
    check(DBL_MAX);
    check(DBL_MIN);
    check(DBL_TRUE_MIN);
    check(0.0);
    check(-0.0);
    tap_ok(mismatches == 0, "powers, neighbours and range edges: identical (%ld mismatches) %s", mismatches,
           first_bad);
    return tap_done();
}
