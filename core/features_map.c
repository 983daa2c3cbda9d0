/* The features module's per-customer scratch set of distinct values. */
#include "features_internal.h"

#include "mem.h"

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
    return (size_t)(sg_mix64(key) >> (64 - s->bits));
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
        size_t j = (size_t)(sg_mix64(s->e[k].key) >> (64 - bits));
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
