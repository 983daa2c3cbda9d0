/* Hash maps of the features module: numeric customers -> index (a copy of
 * rfm.c's num_map, which is static there) and the per-customer scratch
 * set of distinct values. */
#include "features_internal.h"

#include "mem.h"

/* ---- numeric customer map ---- */

int sg_feat_nm_alloc(sg_feat_num_map *m, unsigned bits)
{
    m->cap = (size_t)1 << bits;
    m->bits = bits;
    m->n = 0;
    if (!(m->e = sg_malloc(m->cap * sizeof *m->e)))
        return -1;
    for (size_t k = 0; k < m->cap; k++)
        m->e[k].idx = SG_FEAT_NONE;
    return 0;
}

static int nm_grow(sg_feat_num_map *m)
{
    sg_feat_num_map big;
    if (sg_feat_nm_alloc(&big, m->bits + 1))
        return -1;
    for (size_t k = 0; k < m->cap; k++) {
        if (m->e[k].idx == SG_FEAT_NONE)
            continue;
        size_t j = (size_t)(sg_feat_mix64(m->e[k].key) >> (64 - big.bits));
        while (big.e[j].idx != SG_FEAT_NONE)
            j = (j + 1) & (big.cap - 1);
        big.e[j] = m->e[k];
    }
    big.n = m->n;
    sg_free(m->e);
    *m = big;
    return 0;
}

uint32_t sg_feat_nm_find(const sg_feat_num_map *m, uint64_t key)
{
    size_t j = (size_t)(sg_feat_mix64(key) >> (64 - m->bits));
    for (;;) {
        const sg_feat_num_entry *e = &m->e[j];
        if (e->idx == SG_FEAT_NONE || e->key == key)
            return e->idx;
        j = (j + 1) & (m->cap - 1);
    }
}

uint32_t sg_feat_nm_add(sg_feat_num_map *m, uint64_t key, uint32_t val)
{
    size_t j = (size_t)(sg_feat_mix64(key) >> (64 - m->bits));
    for (;;) {
        sg_feat_num_entry *e = &m->e[j];
        if (e->idx == SG_FEAT_NONE)
            break;
        if (e->key == key)
            return e->idx;
        j = (j + 1) & (m->cap - 1);
    }
    m->e[j].key = key;
    m->e[j].idx = val;
    if (++m->n * 2 > m->cap && nm_grow(m))
        return SG_FEAT_NONE;
    return val;
}

/* ---- scratch value set ---- */

#define VSET_MIN_BITS 4
#define VSET_RESET_BITS 16     /* a reset never clears more than 2^16 slots */

/* Makes room for 2^bits slots (contents lost). */
static int vset_room(sg_feat_vset *s, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    if (cap > s->alloc) {
        sg_feat_vset_entry *e = sg_malloc(cap * sizeof *e);
        if (!e)
            return -1;
        sg_free(s->e);
        s->e = e;
        s->alloc = cap;
    }
    s->bits = bits;
    return 0;
}

int sg_feat_vset_reset(sg_feat_vset *s, size_t rows)
{
    unsigned bits = VSET_MIN_BITS;
    while (bits < VSET_RESET_BITS && ((size_t)1 << bits) < 2 * rows)
        bits++;
    if (vset_room(s, bits))
        return -1;
    memset(s->e, 0, ((size_t)1 << bits) * sizeof *s->e);
    s->n = 0;
    return 0;
}

static inline size_t vset_slot(const sg_feat_vset *s, uint64_t key)
{
    return (size_t)(sg_feat_mix64(key) >> (64 - s->bits));
}

/* Doubles the capacity in use, rehashing into a new array. */
static int vset_grow(sg_feat_vset *s)
{
    unsigned bits = s->bits + 1;
    size_t cap = (size_t)1 << bits, old = (size_t)1 << s->bits;
    sg_feat_vset_entry *e = sg_calloc(cap, sizeof *e);
    if (!e)
        return -1;
    for (size_t k = 0; k < old; k++) {
        if (!s->e[k].used)
            continue;
        size_t j = (size_t)(sg_feat_mix64(s->e[k].key) >> (64 - bits));
        while (e[j].used)
            j = (j + 1) & (cap - 1);
        e[j] = s->e[k];
    }
    sg_free(s->e);
    s->e = e;
    s->alloc = cap;
    s->bits = bits;
    return 0;
}

int sg_feat_vset_add(sg_feat_vset *s, uint64_t key, uint32_t val, uint32_t *stored)
{
    size_t mask = ((size_t)1 << s->bits) - 1, j = vset_slot(s, key);
    for (;;) {
        sg_feat_vset_entry *e = &s->e[j];
        if (!e->used)
            break;
        if (e->key == key) {
            if (stored)
                *stored = e->val;
            return 0;
        }
        j = (j + 1) & mask;
    }
    s->e[j].key = key;
    s->e[j].val = val;
    s->e[j].used = 1;
    if (++s->n * 2 > mask + 1 && vset_grow(s))
        return -1;
    return 1;
}

void sg_feat_vset_free(sg_feat_vset *s)
{
    sg_free(s->e);
    s->e = NULL;
    s->alloc = s->n = 0;
}
