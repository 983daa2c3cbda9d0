/* Exactly rounded sums of doubles (core/xsum.h). */
#include "xsum.h"

#include <math.h>
#include <string.h>

#define LOW32 ((int64_t)0xffffffff)
#define NAN_WORD SG_XSUM_CHUNKS
/* every add puts less than 2^33 into a chunk: normalize long before 2^63 */
#define MAX_ADDS ((uint32_t)1 << 28)

void sg_xsum_init(sg_xsum *s)
{
    memset(s, 0, sizeof *s);
}

void sg_xsum_normalize(sg_xsum *s)
{
    int64_t carry = 0;
    for (int i = 0; i < SG_XSUM_CHUNKS - 1; i++) {
        int64_t v = s->c[i] + carry;
        int64_t low = v & LOW32;           /* int64_t is two's complement */
        carry = (v - low) / ((int64_t)1 << 32);
        s->c[i] = low;
    }
    s->c[SG_XSUM_CHUNKS - 1] += carry;
    s->adds = 0;
}

void sg_xsum_add(sg_xsum *s, double v)
{
    uint64_t bits, mant;
    int e;
    if (!isfinite(v)) {
        s->c[NAN_WORD]++;
        return;
    }
    if (v == 0.0)
        return;
    memcpy(&bits, &v, sizeof bits);
    mant = bits & (((uint64_t)1 << 52) - 1);
    e = (int)((bits >> 52) & 0x7ff);
    if (e == 0)
        e = 1;                              /* subnormal: mant * 2^-1074 */
    else
        mant |= (uint64_t)1 << 52;
    /* v = +-mant * 2^(e - 1075); bit 0 of chunk 0 weighs 2^-1074 */
    int pos = e - 1;
    int i = pos >> 5, sh = pos & 31;
    uint64_t a = (mant & 0xffffffffu) << sh, b = (mant >> 32) << sh;
    int64_t c0 = (int64_t)(a & 0xffffffffu), c1 = (int64_t)((a >> 32) + (b & 0xffffffffu)),
            c2 = (int64_t)(b >> 32);
    if (bits >> 63) {
        s->c[i] -= c0;
        s->c[i + 1] -= c1;
        s->c[i + 2] -= c2;
    } else {
        s->c[i] += c0;
        s->c[i + 1] += c1;
        s->c[i + 2] += c2;
    }
    if (++s->adds >= MAX_ADDS)
        sg_xsum_normalize(s);
}

/* Veltkamp's split: a = hi + lo with hi holding the top 26 bits. */
static void split(double a, double *hi, double *lo)
{
    double t = 134217729.0 * a;   /* 2^27 + 1 */
    *hi = t - (t - a);
    *lo = a - *hi;
}

void sg_xsum_add_product(sg_xsum *s, double w, double v)
{
    double p = w * v;
    if (w == 1.0 || !isfinite(p) || p == 0.0) {
        sg_xsum_add(s, p);
        return;
    }
    /* Dekker's product: p + err = w * v exactly (no fma needed) while the
     * factors stay far from overflow and underflow; otherwise the rounded
     * product alone (still the same bits for any split of the terms) */
    if (fabs(w) < 0x1p500 && fabs(v) < 0x1p500 && fabs(p) > 0x1p-900) {
        double wh, wl, vh, vl;
        split(w, &wh, &wl);
        split(v, &vh, &vl);
        double err = ((wh * vh - p) + wh * vl + wl * vh) + wl * vl;
        sg_xsum_add(s, p);
        sg_xsum_add(s, err);
        return;
    }
    sg_xsum_add(s, p);
}

void sg_xsum_merge(sg_xsum *s, const sg_xsum *t)
{
    sg_xsum u = *t;
    sg_xsum_normalize(s);
    sg_xsum_normalize(&u);
    for (int i = 0; i < SG_XSUM_WORDS; i++)
        s->c[i] += u.c[i];
    sg_xsum_normalize(s);
}

/* floor(value / 2^lo) mod 2^64 of normalized nonnegative chunks */
static uint64_t bits_from(const int64_t *c, int lo)
{
    int idx = lo >> 5, sh = lo & 31;
    uint64_t v = (uint64_t)c[idx] >> sh;
    if (idx + 1 < SG_XSUM_CHUNKS)
        v |= (uint64_t)c[idx + 1] << (32 - sh);
    if (sh > 0 && idx + 2 < SG_XSUM_CHUNKS)
        v |= (uint64_t)c[idx + 2] << (64 - sh);
    return v;
}

double sg_xsum_round(const sg_xsum *s)
{
    sg_xsum u = *s;
    int neg = 0, h;
    if (u.c[NAN_WORD] != 0)
        return NAN;
    sg_xsum_normalize(&u);
    if (u.c[SG_XSUM_CHUNKS - 1] < 0) {
        neg = 1;
        for (int i = 0; i < SG_XSUM_CHUNKS; i++)
            u.c[i] = -u.c[i];
        sg_xsum_normalize(&u);
    }
    if (u.c[SG_XSUM_CHUNKS - 1] != 0)
        return neg ? -INFINITY : INFINITY;   /* beyond 2^1070 */
    for (h = SG_XSUM_CHUNKS - 2; h >= 0 && u.c[h] == 0; h--)
        ;
    if (h < 0)
        return 0.0;
    int len = 0;
    for (uint64_t t = (uint64_t)u.c[h]; t; t >>= 1)
        len++;
    int top = 32 * h + len - 1;             /* the highest bit set */
    double r;
    if (top < 53) {
        /* below 2^-1021: a multiple of 2^-1074 with at most 53 bits, exact */
        uint64_t m = (uint64_t)u.c[0] | (h >= 1 ? (uint64_t)u.c[1] << 32 : 0);
        r = ldexp((double)m, -1074);
    } else {
        int lo = top - 52;                  /* the lowest bit kept */
        uint64_t m = bits_from(u.c, lo) & (((uint64_t)1 << 53) - 1);
        int rb = lo - 1;
        int round = (int)((u.c[rb >> 5] >> (rb & 31)) & 1), sticky = 0;
        if ((rb & 31) && (u.c[rb >> 5] & (((int64_t)1 << (rb & 31)) - 1)))
            sticky = 1;
        for (int i = 0; i < (rb >> 5) && !sticky; i++)
            if (u.c[i])
                sticky = 1;
        if (round && (sticky || (m & 1)))
            m++;
        if (m >> 53) {
            m >>= 1;
            lo++;
        }
        r = ldexp((double)m, lo - 1074);
    }
    return neg ? -r : r;
}
