/* Key -> index maps: see keymap.h. */
#include "keymap.h"

#include "mem.h"

int sg_keymap_alloc(sg_keymap *m, unsigned bits)
{
    m->cap = (size_t)1 << bits;
    m->bits = bits;
    m->n = 0;
    if (!(m->e = sg_malloc(m->cap * sizeof *m->e)))
        return -1;
    for (size_t k = 0; k < m->cap; k++)
        m->e[k].idx = SG_KEYMAP_NONE;
    return 0;
}

void sg_keymap_free(sg_keymap *m)
{
    sg_free(m->e);
    m->e = NULL;
    m->cap = m->n = 0;
}

int sg_keymap_grow(sg_keymap *m)
{
    sg_keymap big;
    if (sg_keymap_alloc(&big, m->bits + 1))
        return -1;
    for (size_t k = 0; k < m->cap; k++) {
        if (m->e[k].idx == SG_KEYMAP_NONE)
            continue;
        size_t j = (size_t)(sg_mix64(m->e[k].key) >> (64 - big.bits));
        while (big.e[j].idx != SG_KEYMAP_NONE)
            j = (j + 1) & (big.cap - 1);
        big.e[j] = m->e[k];
    }
    big.n = m->n;
    sg_free(m->e);
    *m = big;
    return 0;
}

/* ---- per-customer records ---- */

int sg_custs_init(sg_custs *c, const sg_column *cust, size_t size)
{
    memset(c, 0, sizeof *c);
    c->cust = cust;
    c->size = size;
    if (cust->type == SG_STRING) {
        /* by dictionary code: codes no used row refers to stay zeroed */
        size_t nd = sg_dict_size(cust->dict);
        if (!(c->recs = sg_calloc(nd ? nd : 1, size)))
            return -1;
        c->n = c->cap = nd;
        c->by_code = 1;
        return 0;
    }
    return sg_keymap_alloc(&c->nm, 12);
}

void sg_custs_free(sg_custs *c)
{
    sg_free(c->recs);
    sg_keymap_free(&c->nm);
    c->recs = NULL;
    c->n = c->cap = 0;
}

uint32_t sg_custs_new(sg_custs *c)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 1024;
        if (nc >= SG_KEYMAP_NONE)
            nc = SG_KEYMAP_NONE - 1;
        unsigned char *r = nc > c->cap ? sg_realloc(c->recs, nc * c->size) : NULL;
        if (!r)
            return SG_KEYMAP_NONE;
        c->recs = r;
        c->cap = nc;
    }
    memset(c->recs + c->n * c->size, 0, c->size);
    return (uint32_t)c->n++;
}
