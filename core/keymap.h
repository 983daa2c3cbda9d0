/* 64-bit keys and numeric values of column cells, and an open-addressing
 * map from such keys to 32-bit indexes: what per-customer aggregation
 * (rfm.c, features*.c) uses to find a customer or an invoice and read an
 * amount. */
#ifndef SG_KEYMAP_H
#define SG_KEYMAP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "table.h"

#define SG_KEYMAP_NONE UINT32_MAX

static inline uint64_t sg_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* Order-preserving 64-bit key of a numeric value (int64 or double); -0.0
 * and 0.0 are one value. */
static inline uint64_t sg_num_key(const sg_column *c, size_t i)
{
    if (c->type == SG_DOUBLE) {
        double d = sg_column_f64(c)[i];
        uint64_t b;
        if (d == 0)
            d = 0;
        memcpy(&b, &d, sizeof b);
        return (b >> 63) ? ~b : b | (1ull << 63);
    }
    return (uint64_t)sg_column_i64(c)[i] ^ (1ull << 63);
}

/* The key of value i of a column of any type: 0 with *key set, 1 when
 * the value is missing (or NaN).  Equal keys <=> equal values (strings by
 * dictionary code). */
static inline int sg_any_key(const sg_column *c, size_t i, uint64_t *key)
{
    if (sg_column_is_na(c, i))
        return 1;
    switch (c->type) {
    case SG_STRING: *key = (uint64_t)(uint32_t)sg_column_codes(c)[i]; return 0;
    case SG_BOOL: *key = sg_column_bools(c)[i]; return 0;
    case SG_DOUBLE:
        if (isnan(sg_column_f64(c)[i]))
            return 1;
        *key = sg_num_key(c, i);
        return 0;
    default: *key = (uint64_t)sg_column_i64(c)[i]; return 0;
    }
}

/* The value of a numeric column (int64, double, bool) as a double: 0 with
 * *out set, -1 when missing (or NaN).  Inline for per-row loops. */
static inline int sg_num_value(const sg_column *c, size_t i, double *out)
{
    if (sg_column_is_na(c, i))
        return -1;
    switch (c->type) {
    case SG_DOUBLE: *out = sg_column_f64(c)[i]; return isnan(*out) ? -1 : 0;
    case SG_BOOL: *out = sg_column_bools(c)[i]; return 0;
    default: *out = (double)sg_column_i64(c)[i]; return 0;
    }
}

/* ---- key -> index (open addressing, linear probing, grows at 1/2) ---- */
typedef struct sg_keymap_entry {
    uint64_t key;
    uint32_t idx;        /* SG_KEYMAP_NONE: empty */
    uint32_t pad;
} sg_keymap_entry;

typedef struct sg_keymap {
    sg_keymap_entry *e;
    size_t cap, n;
    unsigned bits;
} sg_keymap;

int sg_keymap_alloc(sg_keymap *m, unsigned bits);   /* 2^bits slots; 0 or -1 */
void sg_keymap_free(sg_keymap *m);                  /* accepts an unallocated (zeroed) map */
int sg_keymap_grow(sg_keymap *m);                   /* 0 or -1 */

/* The index of key, or SG_KEYMAP_NONE. */
static inline uint32_t sg_keymap_find(const sg_keymap *m, uint64_t key)
{
    size_t j = (size_t)(sg_mix64(key) >> (64 - m->bits));
    for (;;) {
        const sg_keymap_entry *e = &m->e[j];
        if (e->idx == SG_KEYMAP_NONE || e->key == key)
            return e->idx;
        j = (j + 1) & (m->cap - 1);
    }
}

/* Adds key -> val unless present; returns the index now stored (val when
 * added), or SG_KEYMAP_NONE when out of memory. */
static inline uint32_t sg_keymap_add(sg_keymap *m, uint64_t key, uint32_t val)
{
    size_t j = (size_t)(sg_mix64(key) >> (64 - m->bits));
    for (;;) {
        sg_keymap_entry *e = &m->e[j];
        if (e->idx == SG_KEYMAP_NONE)
            break;
        if (e->key == key)
            return e->idx;
        j = (j + 1) & (m->cap - 1);
    }
    m->e[j].key = key;
    m->e[j].idx = val;
    if (++m->n * 2 > m->cap && sg_keymap_grow(m))
        return SG_KEYMAP_NONE;
    return val;
}

/* ---- per-customer records: one slot of `size` bytes per customer ----
 * What rfm.c and features.c share to find a row's customer: string
 * customers are indexed by their dictionary code (all slots allocated up
 * front, no lookup at all), numeric ones through a keymap on the value
 * (slots added in order of first appearance, the array doubling).  New
 * slots are zeroed; a slot's index never changes, its address may (use
 * sg_custs_at after every sg_custs_index). */
typedef struct sg_custs {
    const sg_column *cust;
    unsigned char *recs;     /* n records of `size` bytes */
    size_t size, n, cap;
    int by_code;             /* string customers: index = dictionary code */
    sg_keymap nm;            /* numeric customers: value key -> index */
} sg_custs;

/* Sets c up for the customer column cust.  0 or -1 (out of memory). */
int sg_custs_init(sg_custs *c, const sg_column *cust, size_t size);
void sg_custs_free(sg_custs *c);                     /* accepts a zeroed c */
/* A new zeroed slot (numeric customers), or SG_KEYMAP_NONE. */
uint32_t sg_custs_new(sg_custs *c);

static inline void *sg_custs_at(const sg_custs *c, uint32_t k)
{
    return c->recs + (size_t)k * c->size;
}

/* The index of row i's customer, added when new; SG_KEYMAP_NONE when out
 * of memory.  Row i's customer must not be missing. */
static inline uint32_t sg_custs_index(sg_custs *c, size_t i)
{
    if (c->by_code)
        return (uint32_t)sg_column_codes(c->cust)[i];
    uint64_t key = sg_num_key(c->cust, i);
    uint32_t k = sg_keymap_find(&c->nm, key);
    if (k != SG_KEYMAP_NONE || (k = sg_custs_new(c)) == SG_KEYMAP_NONE)
        return k;
    return sg_keymap_add(&c->nm, key, k);
}

/* The index of row i's customer, which an earlier pass added. */
static inline uint32_t sg_custs_find(const sg_custs *c, size_t i)
{
    return c->by_code ? (uint32_t)sg_column_codes(c->cust)[i]
                      : sg_keymap_find(&c->nm, sg_num_key(c->cust, i));
}

/* Fetches row i's slot (or its hash slot) into the cache ahead of use:
 * customers come in no particular order.  Nothing past the last row.  A
 * slot need not start a cache line (sg_malloc's header moves a block's
 * start by 16 bytes, so a 64-byte slot spans two): its first and last
 * bytes are fetched.  Always inlined: GCC finds a function that only reads
 * memory and prefetches free of side effects, and deletes the calls it has
 * not inlined early (GCC 12 at -O2 did so in rfm.c and features.c, where
 * no prefetch was left in the binary). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void sg_custs_prefetch(const sg_custs *c, size_t i)
{
#if defined(__GNUC__)
    if (i >= c->cust->n)
        return;
    if (c->by_code) {
        const unsigned char *rec = sg_custs_at(c, (uint32_t)sg_column_codes(c->cust)[i]);
        __builtin_prefetch(rec);
        __builtin_prefetch(rec + c->size - 1);
    } else if (c->nm.e)
        __builtin_prefetch(&c->nm.e[sg_mix64(sg_num_key(c->cust, i)) >> (64 - c->nm.bits)]);
#else
    (void)c;
    (void)i;
#endif
}

/* 0: row i has a customer, a date and an amount (*amount set); 1: one of
 * them is missing (a NaN customer or amount counts as missing). */
static inline int sg_custs_row_missing(const sg_column *cust, const sg_column *date,
                                       const sg_column *amt, size_t i, double *amount)
{
    return sg_column_is_na(cust, i) || sg_column_is_na(date, i) ||
           (cust->type == SG_DOUBLE && isnan(sg_column_f64(cust)[i])) ||
           sg_num_value(amt, i, amount);
}

#endif
