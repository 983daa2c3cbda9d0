/* Private helpers shared by the whole-column operations (stats.c, sort.c,
 * groupby.c, join.c): value encodings, hashing, string ranks, selection
 * and a set of 64-bit values.  Not part of the public API. */
#ifndef SG_OPSUTIL_H
#define SG_OPSUTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "table.h"

/* splitmix64 finaliser: a good 64-bit mix for open addressing. */
static inline uint64_t sg_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* Bits of a double for equality tests: -0.0 equals 0.0, every NaN is one value. */
static inline uint64_t sg_f64_bits(double v)
{
    uint64_t b;
    if (v == 0)
        v = 0.0;
    if (isnan(v))
        return UINT64_C(0x7ff8000000000000);
    memcpy(&b, &v, sizeof b);
    return b;
}

/* An unsigned key whose order is the numeric order of v (v not NaN). */
static inline uint64_t sg_f64_order(double v)
{
    uint64_t b = sg_f64_bits(v);
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

/* Missing for the operations: the missing bit, or a NaN double. */
static inline int sg_ops_missing(const sg_column *c, size_t i)
{
    if (sg_column_is_na(c, i))
        return 1;
    return c->type == SG_DOUBLE && isnan(sg_column_f64(c)[i]);
}

/* code -> rank of the code's text in bytewise order over the whole
 * dictionary (caller frees with sg_free); NULL when out of memory. */
uint32_t *sg_ops_dict_ranks(const sg_dict *d);

/* Equality key of value i (not missing) of c: equal values, equal keys
 * (strings by code, so only within one column or one dictionary). */
static inline uint64_t sg_ops_value_key(const sg_column *c, size_t i)
{
    switch (c->type) {
    case SG_STRING: return (uint64_t)(uint32_t)sg_column_codes(c)[i];
    case SG_DOUBLE: return sg_f64_bits(sg_column_f64(c)[i]);
    case SG_BOOL: return sg_column_bools(c)[i];
    case SG_INT64: case SG_DATETIME: return (uint64_t)sg_column_i64(c)[i];
    }
    return 0;
}

/* Order-preserving unsigned key of value i (not missing) of c; rank is
 * the dictionary rank array for strings (NULL otherwise). */
static inline uint64_t sg_ops_order_key(const sg_column *c, size_t i, const uint32_t *rank)
{
    switch (c->type) {
    case SG_INT64: case SG_DATETIME:
        return (uint64_t)sg_column_i64(c)[i] ^ (UINT64_C(1) << 63);
    case SG_DOUBLE: return sg_f64_order(sg_column_f64(c)[i]);
    case SG_STRING: return rank[sg_column_codes(c)[i]];
    case SG_BOOL: return sg_column_bools(c)[i];
    }
    return 0;
}

/* The type 7 quantile at p (in [0,1]) of n > 0 values, as the two
 * functions every quantile here is computed with: sg_ops_q7_rank gives
 * the 0-based rank *lo of the order statistic x_(lo) it starts from and
 * the fraction toward x_(lo+1) (0 when that one takes no part);
 * sg_ops_q7_value the quantile from x_(lo), x_(lo+1) (not read when frac
 * is 0) and the fraction.  sg_ops_quantiles finds the order statistics by
 * selection, core/mpi_quantile.c by counting across MPI ranks. */
double sg_ops_q7_rank(size_t n, double p, size_t *lo);
double sg_ops_q7_value(double xlo, double xhi, double frac);

/* Type 7 quantiles of a[0..n) (no NaN) for probs[0..np) in any order;
 * a is reordered.  out[k] is NaN when n == 0. */
void sg_ops_quantiles(double *a, size_t n, const double *probs, size_t np, double *out);

/* A set of uint64 values (open addressing, linear probing). */
typedef struct sg_u64set {
    uint64_t *keys;
    size_t cap;        /* slots in use, power of two */
    size_t alloc;      /* slots allocated */
    size_t n;          /* distinct values held */
    int has_empty;     /* the sentinel value itself was added */
} sg_u64set;

/* Empties the set and makes room for `expect` values without growing;
 * 0 or -1 when out of memory. */
int sg_u64set_reset(sg_u64set *s, size_t expect);
/* 0 or -1 when out of memory (the set grows as needed). */
int sg_u64set_add(sg_u64set *s, uint64_t v);
void sg_u64set_free(sg_u64set *s);

#endif
