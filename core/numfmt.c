/* Double to text: see numfmt.h. */
#include "numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SIZEOF_INT128__
/* Exact formatting of doubles without printf (printf's %.17g of a value
 * with 16-17 significant digits costs thousands of instructions in
 * multi-precision arithmetic).  The text is exactly what sg_format_double's
 * general path below prints: the first of %.15g / %.16g / %.17g (glibc:
 * correctly rounded, ties to even) whose value reads back as v (strtod:
 * correctly rounded, ties to even).  Both are decided exactly in 128-bit
 * integers for 1e-5 <= |v| < 1e19; other values take the general path. */
__extension__ typedef unsigned __int128 u128;

static u128 pow10_u128(int k)
{
    u128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* |v| = num / den, the value scaled by 10^s with s chosen so that the
 * integer part has 17 digits; ulp: one unit in the last place of v on
 * the same scale (times den).  Returns 0 outside the fast range. */
typedef struct exact_dec {
    uint64_t q;          /* floor(|v| * 10^s), 10^16 <= q < 10^17 */
    u128 rem, den;       /* the fraction left: rem / den */
    u128 num;
    u128 ulp;            /* 2^e * 10^s * den */
    int x;               /* decimal exponent of the first digit: 16 - s */
    int m_even, narrow;  /* mantissa even; the gap below v is half the gap above */
} exact_dec;

static int exact_split(double a, exact_dec *d)
{
    uint64_t bits;
    memcpy(&bits, &a, 8);
    int be = (int)(bits >> 52 & 0x7ff);
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    if (be == 0 || be == 0x7ff)
        return 0;                      /* subnormal, zero, inf, nan (and out of range) */
    m |= (uint64_t)1 << 52;
    int e = be - 1075;                 /* a = m * 2^e */
    d->m_even = !(m & 1);
    d->narrow = m == (uint64_t)1 << 52 && be > 1;
    int x = (int)floor(log10(a));      /* may be off by one: fixed below */
    for (int tries = 0; tries < 3; tries++) {
        int s = 16 - x;
        if (e < 0) {
            int k = -e;
            if (s < 0 || s > 22 || k > 120)
                return 0;
            d->num = (u128)m * pow10_u128(s);
            d->den = (u128)1 << k;
            d->ulp = pow10_u128(s);
            u128 q = d->num >> k;
            d->rem = d->num & (d->den - 1);
            if (q < (u128)10000000000000000ull) {
                x--;
                continue;
            }
            if (q >= (u128)100000000000000000ull) {
                x++;
                continue;
            }
            d->q = (uint64_t)q;
        } else {
            if (e > 11 || s < -3 || s > 3)
                return 0;
            u128 n = (u128)m << e;
            if (s >= 0) {
                d->num = n * pow10_u128(s);
                d->den = 1;
                d->ulp = ((u128)1 << e) * pow10_u128(s);
            } else {
                d->num = n;
                d->den = pow10_u128(-s);
                d->ulp = (u128)1 << e;
            }
            u128 q = d->num / d->den;
            d->rem = d->num - q * d->den;
            if (q < (u128)10000000000000000ull) {
                x--;
                continue;
            }
            if (q >= (u128)100000000000000000ull) {
                x++;
                continue;
            }
            d->q = (uint64_t)q;
        }
        d->x = x;
        return 1;
    }
    return 0;
}

/* Rounds to p (15..17) significant digits, ties to even: the digits
 * (*digits, p of them) and the exponent of the first; 1 when the rounded
 * value reads back as the double. */
static int exact_round(const exact_dec *d, int p, uint64_t *digits, int *x)
{
    uint64_t unit = p == 17 ? 1 : p == 16 ? 10 : 100;
    uint64_t q = d->q / unit, r = d->q % unit, half = unit / 2;
    int up;
    if (unit == 1) {
        /* compare rem / den with 1/2 */
        u128 twice = d->rem * 2;     /* rem < den <= 2^120: no overflow */
        up = twice > d->den || (twice == d->den && (q & 1));
    } else {
        up = r > half || (r == half && (d->rem > 0 || (q & 1)));
    }
    q += (uint64_t)up;
    /* the candidate on the 17-digit scale: c = q * unit; compare c * den
     * with num (c * den stays within a few units of num: no overflow) */
    u128 c = (u128)(q * unit) * d->den;
    int ok;
    if (c >= d->num) {
        u128 diff = c - d->num;
        ok = diff * 2 < d->ulp || (diff * 2 == d->ulp && d->m_even);
    } else {
        u128 diff = d->num - c;
        u128 lim = d->narrow ? diff * 4 : diff * 2;
        ok = lim < d->ulp || (lim == d->ulp && d->m_even);
    }
    *x = d->x;
    uint64_t top = p == 17 ? 100000000000000000ull : p == 16 ? 10000000000000000ull
                                                         : 1000000000000000ull;
    if (q == top) {                  /* 9.99.. rounded up to 10.0.. */
        q /= 10;
        (*x)++;
    }
    *digits = q;
    return ok;
}

/* printf's %.<p>g of the digits (p of them) times 10^(x - p + 1). */
static size_t g_text(int neg, uint64_t digits, int p, int x, char *buf)
{
    char dg[17];
    for (int i = p - 1; i >= 0; i--) {
        dg[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int nd = p;
    while (nd > 1 && dg[nd - 1] == '0')
        nd--;                          /* %g drops trailing zeros */
    size_t k = 0;
    if (neg)
        buf[k++] = '-';
    if (x < -4 || x >= p) {
        buf[k++] = dg[0];
        if (nd > 1) {
            buf[k++] = '.';
            for (int i = 1; i < nd; i++)
                buf[k++] = dg[i];
        }
        buf[k++] = 'e';
        buf[k++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            buf[k++] = (char)('0' + ax / 100);
        buf[k++] = (char)('0' + ax / 10 % 10);
        buf[k++] = (char)('0' + ax % 10);
    } else if (x >= 0) {
        for (int i = 0; i <= x; i++)
            buf[k++] = i < nd ? dg[i] : '0';
        if (nd > x + 1) {
            buf[k++] = '.';
            for (int i = x + 1; i < nd; i++)
                buf[k++] = dg[i];
        }
    } else {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = 0; i < -x - 1; i++)
            buf[k++] = '0';
        for (int i = 0; i < nd; i++)
            buf[k++] = dg[i];
    }
    buf[k] = '\0';
    return k;
}

/* sg_format_double for 1e-5 <= |v| < 1e19 into buf (room for 32 bytes);
 * 0 for the general path. */
static size_t format_double_exact(double v, char *buf)
{
    double a = v < 0 ? -v : v;
    exact_dec d;
    if (!(a >= 1e-5 && a < 1e19) || !exact_split(a, &d))
        return 0;
    uint64_t digits = 0;
    int p, x = 0;
    for (p = 15; p <= 17; p++)
        if (exact_round(&d, p, &digits, &x))
            break;
    if (p > 17)
        return 0;                      /* cannot happen: 17 digits always read back */
    size_t k = g_text(v < 0, digits, p, x, buf);
    if (!memchr(buf, '.', k) && !memchr(buf, 'e', k)) {
        memcpy(buf + k, ".0", 3);
        k += 2;
    }
    return k;
}
#endif

size_t sg_format_double(double v, char *buf, size_t size)
{
    if (isnan(v))
        return (size_t)snprintf(buf, size, "NaN");
    if (isinf(v))
        return (size_t)snprintf(buf, size, v > 0 ? "Inf" : "-Inf");
#ifdef __SIZEOF_INT128__
    if (size >= 32) {
        size_t n = format_double_exact(v, buf);
        if (n)
            return n;
    }
#endif
    /* shortest of %.15g / %.16g / %.17g that reads back exactly; integral
     * values keep a ".0" so the column reads back as double */
    int k = 0;
    for (int prec = 15; prec <= 17; prec++) {
        k = snprintf(buf, size, "%.*g", prec, v);
        if (k > 0 && (size_t)k < size && strtod(buf, NULL) == v)
            break;
    }
    if (k < 0)
        return 0;
    if ((size_t)k + 2 < size && !strpbrk(buf, ".eE")) {
        memcpy(buf + k, ".0", 3);
        k += 2;
    }
    return (size_t)k;
}

