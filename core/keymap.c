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
