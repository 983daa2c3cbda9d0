/* Hash joins (inner and left) on one or more key columns.
 *
 * Every key value becomes 64 bits that are equal exactly when the values
 * are: integers as themselves, int64-against-double keys as the bits of
 * the double value (an int64 no double can equal never matches), strings
 * as codes of the right table's dictionary (left codes are translated
 * once per dictionary entry, so texts compare across dictionaries).
 * Missing values, NaN and left strings absent from the right never match.
 * The right rows go into a hash table of distinct key tuples, each with
 * the chain of its rows in right order; the left rows then probe it. */
#include <string.h>

#include "mem.h"
#include "join.h"
#include "opsutil.h"

enum { K_SAME, K_NUM, K_STR };

typedef struct jkey {
    const sg_column *l, *r;
    int mode;
    uint32_t *lmap;       /* K_STR: left code -> right code, UINT32_MAX if absent */
    uint64_t *rbits;      /* bits of every right row */
} jkey;

/* Bits of value i of c in the key's mode; 0 when the value cannot match. */
static int key_bits(const jkey *k, const sg_column *c, int left, size_t i, uint64_t *bits)
{
    if (sg_ops_missing(c, i))
        return 0;
    switch (k->mode) {
    case K_STR: {
        uint32_t code = (uint32_t)sg_column_codes(c)[i];
        if (left && k->lmap) {
            code = k->lmap[code];
            if (code == UINT32_MAX)
                return 0;
        }
        *bits = code;
        return 1;
    }
    case K_NUM:
        if (c->type == SG_INT64) {
            int64_t v = sg_column_i64(c)[i];
            double d = (double)v;
            /* 2^63 is out of range: (int64_t)d would be undefined */
            if (d >= 9223372036854775808.0 || (int64_t)d != v)
                return 0;
            *bits = sg_f64_bits(d);
        } else {
            *bits = sg_f64_bits(sg_column_f64(c)[i]);
        }
        return 1;
    default:
        *bits = c->type == SG_BOOL ? sg_column_bools(c)[i] : (uint64_t)sg_column_i64(c)[i];
        return 1;
    }
}

static const char *kind_name(sg_type t)
{
    switch (t) {
    case SG_INT64: case SG_DOUBLE: return "number";
    case SG_STRING: return "string";
    case SG_DATETIME: return "datetime";
    case SG_BOOL: return "bool";
    }
    return "?";
}

static int prepare_key(jkey *k, sg_error *err)
{
    const sg_column *l = k->l, *r = k->r;
    if (strcmp(kind_name(l->type), kind_name(r->type)) != 0)
        return sg_error_set(err, SG_EINVAL, "join: left key '%s' (%s) cannot match right key '%s' (%s): "
                            "convert one side first",
                            l->name, sg_type_name(l->type), r->name, sg_type_name(r->type));
    if (l->type == SG_STRING) {
        k->mode = K_STR;
        if (l->dict != r->dict) {
            size_t nd = sg_dict_size(l->dict);
            if (!(k->lmap = sg_malloc((nd ? nd : 1) * sizeof *k->lmap)))
                return sg_error_nomem(err);
            for (size_t c = 0; c < nd; c++) {
                size_t len;
                const char *s = sg_dict_str(l->dict, (int32_t)c, &len);
                int32_t rc = sg_dict_find(r->dict, s, len);
                k->lmap[c] = rc < 0 ? UINT32_MAX : (uint32_t)rc;
            }
        }
    } else if (l->type == SG_DOUBLE || r->type == SG_DOUBLE) {
        k->mode = K_NUM;
    } else {
        k->mode = K_SAME;
    }
    return 0;
}

static uint64_t tuple_hash(const uint64_t *bits, size_t nkeys)
{
    uint64_t h = UINT64_C(0x243f6a8885a308d3);
    for (size_t j = 0; j < nkeys; j++)
        h = sg_mix64(h ^ bits[j]) + j;
    return h;
}

/* The matched row pairs. */
typedef struct pairs {
    size_t *l, *r;
    size_t n, cap;
} pairs;

static int pairs_push(pairs *p, size_t l, size_t r)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        size_t *nl = sg_realloc(p->l, cap * sizeof *nl);
        if (!nl)
            return -1;
        p->l = nl;
        size_t *nr = sg_realloc(p->r, cap * sizeof *nr);
        if (!nr)
            return -1;
        p->r = nr;
        p->cap = cap;
    }
    p->l[p->n] = l;
    p->r[p->n] = r;
    p->n++;
    return 0;
}

/* Builds the right-side table and probes it with every left row. */
static int match_rows(const sg_table *left, const sg_table *right, jkey *keys, size_t nkeys,
                      sg_join_kind how, pairs *out)
{
    size_t nr = right->nrows, cap = 16;
    while (cap < nr * 2)
        cap <<= 1;
    uint32_t *slot = sg_calloc(cap, sizeof *slot);          /* head row + 1, 0 = free */
    uint32_t *next = sg_malloc((nr ? nr : 1) * sizeof *next);
    uint64_t bits[64], *bv = nkeys <= 64 ? bits : sg_malloc(nkeys * sizeof *bv);
    int rc = -1;
    if (!slot || !next || !bv)
        goto done;
    for (size_t j = 0; j < nkeys; j++)
        if (!(keys[j].rbits = sg_malloc((nr ? nr : 1) * sizeof(uint64_t))))
            goto done;
    /* insert from the last row so each chain ends up in right order */
    for (size_t r = nr; r-- > 0;) {
        int ok = 1;
        for (size_t j = 0; j < nkeys; j++) {
            keys[j].rbits[r] = 0;
            ok &= key_bits(&keys[j], keys[j].r, 0, r, &keys[j].rbits[r]);
            bv[j] = keys[j].rbits[r];
        }
        if (!ok)
            continue;
        size_t at = (size_t)tuple_hash(bv, nkeys) & (cap - 1);
        for (;;) {
            if (!slot[at]) {
                slot[at] = (uint32_t)r + 1;
                next[r] = UINT32_MAX;
                break;
            }
            size_t h = slot[at] - 1, j = 0;
            while (j < nkeys && keys[j].rbits[h] == bv[j])
                j++;
            if (j == nkeys) {
                next[r] = (uint32_t)h;
                slot[at] = (uint32_t)r + 1;
                break;
            }
            at = (at + 1) & (cap - 1);
        }
    }
    for (size_t i = 0; i < left->nrows; i++) {
        int ok = 1, found = 0;
        for (size_t j = 0; j < nkeys && ok; j++)
            ok = key_bits(&keys[j], keys[j].l, 1, i, &bv[j]);
        if (ok) {
            size_t at = (size_t)tuple_hash(bv, nkeys) & (cap - 1);
            while (slot[at]) {
                size_t h = slot[at] - 1, j = 0;
                while (j < nkeys && keys[j].rbits[h] == bv[j])
                    j++;
                if (j == nkeys) {
                    for (uint32_t r = (uint32_t)h; r != UINT32_MAX; r = next[r])
                        if (pairs_push(out, i, r) != 0)
                            goto done;
                    found = 1;
                    break;
                }
                at = (at + 1) & (cap - 1);
            }
        }
        if (!found && how == SG_JOIN_LEFT && pairs_push(out, i, SIZE_MAX) != 0)
            goto done;
    }
    rc = 0;
done:
    sg_free(slot);
    sg_free(next);
    if (bv != bits)
        sg_free(bv);
    return rc;
}

static int is_right_key(const char *name, const char *const *rk, size_t nkeys)
{
    for (size_t j = 0; j < nkeys; j++)
        if (strcmp(name, rk[j]) == 0)
            return 1;
    return 0;
}

/* Gathers the output columns. */
static sg_table *assemble(const sg_table *left, const sg_table *right, const char *const *rk,
                          size_t nkeys, const pairs *p, const char *suffix, sg_error *err)
{
    sg_table *o = sg_table_new();
    char *name = NULL;
    if (!o)
        goto nomem;
    /* every left row once, in order: share the left columns */
    int same = p->n == left->nrows;
    for (size_t i = 0; i < p->n && same; i++)
        same = p->l[i] == i;
    for (size_t j = 0; j < left->ncols; j++) {
        sg_column *c = same ? sg_column_retain(left->cols[j])
                            : sg_column_take(left->cols[j], p->l, p->n);
        if (!c)
            goto nomem;
        if (sg_table_add(o, c, err) != 0)
            goto fail;
    }
    size_t slen = strlen(suffix);
    for (size_t j = 0; j < right->ncols; j++) {
        const sg_column *rc = right->cols[j];
        if (is_right_key(rc->name, rk, nkeys))
            continue;
        if (sg_table_index(o, rc->name) >= 0) {
            size_t len = strlen(rc->name);
            if (!(name = sg_malloc(len + slen + 1)))
                goto nomem;
            memcpy(name, rc->name, len);
            memcpy(name + len, suffix, slen + 1);
            if (sg_table_index(o, name) >= 0) {
                sg_error_set(err, SG_EINVAL, "join: column '%s' is on both sides and '%s' is taken "
                             "too; choose another suffix", rc->name, name);
                goto fail;
            }
        }
        sg_column *c = sg_column_take(rc, p->r, p->n);
        if (!c)
            goto nomem;
        if (name) {
            sg_free(c->name);
            c->name = name;
            name = NULL;
        }
        if (sg_table_add(o, c, err) != 0)
            goto fail;
    }
    o->nrows = p->n;
    return o;
nomem:
    sg_error_nomem(err);
fail:
    sg_free(name);
    sg_table_free(o);
    return NULL;
}

sg_table *sg_table_join(const sg_table *left, const sg_table *right,
                        const char *const *left_keys, const char *const *right_keys,
                        size_t nkeys, sg_join_kind how, const char *suffix, sg_error *err)
{
    if (nkeys == 0) {
        sg_error_set(err, SG_EINVAL, "join: no key columns given");
        return NULL;
    }
    if (how != SG_JOIN_INNER && how != SG_JOIN_LEFT) {
        sg_error_set(err, SG_EINVAL, "join: unknown join kind %d", (int)how);
        return NULL;
    }
    if (right->nrows >= UINT32_MAX) {
        sg_error_set(err, SG_EINVAL, "join: the right dataset has more than %u rows", UINT32_MAX - 1);
        return NULL;
    }
    if (!suffix)
        suffix = "_right";
    jkey *keys = sg_calloc(nkeys, sizeof *keys);
    pairs p = { 0 };
    sg_table *o = NULL;
    if (!keys) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t j = 0; j < nkeys; j++) {
        keys[j].l = sg_table_col(left, left_keys[j]);
        keys[j].r = sg_table_col(right, right_keys[j]);
        if (!keys[j].l || !keys[j].r) {
            sg_error_set(err, SG_EINVAL, "join: no key column '%s' in the %s dataset",
                         keys[j].l ? right_keys[j] : left_keys[j], keys[j].l ? "right" : "left");
            goto done;
        }
        if (prepare_key(&keys[j], err) != 0)
            goto done;
    }
    if (match_rows(left, right, keys, nkeys, how, &p) != 0) {
        sg_error_nomem(err);
        goto done;
    }
    o = assemble(left, right, right_keys, nkeys, &p, suffix, err);
done:
    for (size_t j = 0; j < nkeys; j++) {
        sg_free(keys[j].lmap);
        sg_free(keys[j].rbits);
    }
    sg_free(keys);
    sg_free(p.l);
    sg_free(p.r);
    return o;
}
