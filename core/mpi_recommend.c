/* Cross-sell recommendations on the ranks that own the customers
 * (core/mpi_recommend.h). */
#include "mpi_recommend.h"

#include <string.h>

#include "crosssell_internal.h"
#include "mem.h"
#include "opsutil.h"

enum { RULE_BYTES = 24 };   /* u32 antecedent, u32 consequent, lift, confidence */

/* n bytes of r into dst (NULL: skipped): 0, or -1 when r runs out (r->bad). */
static int take(sg_mpi_rd *r, void *dst, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return -1;
    }
    if (dst)
        memcpy(dst, r->p, n);
    r->p += n;
    return 0;
}

/* An item (key of c) or an id as it travels: u32 length and text, or the
 * 8 bytes of the value. */
static void put_text(sg_mpi_buf *b, const char *s, size_t len)
{
    uint32_t l = (uint32_t)len;
    (void)sg_mpi_buf_put(b, &l, 4);
    (void)sg_mpi_buf_put(b, s, len);
}

int sg_mpi_rec_encode(const sg_cooc *c, uint64_t gen, const char *customer, size_t top_n, sg_mpi_buf *b,
                      sg_error *err)
{
    sg_error_clear(err);
    if (top_n < 1 || top_n > 255)
        return sg_error_set(err, SG_EINVAL, "recommendations on the ranks: top_n must be between 1 and 255");
    size_t m = c->nitems;
    uint32_t *pos = sg_malloc((m ? m : 1) * sizeof *pos);      /* dense id -> position in the list */
    uint32_t *byrank = sg_malloc((m ? m : 1) * sizeof *byrank); /* item order -> dense id */
    if (!pos || !byrank) {
        sg_free(pos);
        sg_free(byrank);
        return sg_error_nomem(err);
    }
    for (size_t k = 0; k < m; k++)
        pos[k] = UINT32_MAX;
    for (size_t r = 0; r < c->nrules; r++)
        pos[c->rules[r].a] = pos[c->rules[r].b] = 0;
    for (size_t k = 0; k < m && c->nrules; k++)
        byrank[c->rank[k]] = (uint32_t)k;
    uint64_t ni = 0;
    for (size_t q = 0; q < m && c->nrules; q++)
        if (pos[byrank[q]] != UINT32_MAX)
            pos[byrank[q]] = (uint32_t)ni++;
    sg_mpi_put_u64(b, gen);
    sg_mpi_put_str(b, customer);
    sg_mpi_put_str(b, c->item);
    sg_mpi_put_u64(b, top_n);
    sg_mpi_put_u64(b, (uint64_t)c->type);
    sg_mpi_put_u64(b, ni);
    for (size_t q = 0; q < m && c->nrules && !b->oom; q++) {
        uint32_t id = byrank[q];
        if (pos[id] == UINT32_MAX)
            continue;
        if (c->type == SG_STRING) {
            size_t len;
            const char *s = sg_dict_str(c->dict, (int32_t)c->key[id], &len);
            put_text(b, s, len);
        } else {
            (void)sg_mpi_buf_put(b, &c->key[id], 8);
        }
    }
    sg_mpi_put_u64(b, c->nrules);
    for (size_t r = 0; r < c->nrules && !b->oom; r++) {
        const sg_cooc_rule *ru = &c->rules[r];
        unsigned char rec[RULE_BYTES];
        memcpy(rec, &pos[ru->a], 4);
        memcpy(rec + 4, &pos[ru->b], 4);
        memcpy(rec + 8, &ru->lift, 8);
        memcpy(rec + 16, &ru->confidence, 8);
        (void)sg_mpi_buf_put(b, rec, sizeof rec);
    }
    sg_free(pos);
    sg_free(byrank);
    return b->oom ? sg_error_nomem(err) : 0;
}

int sg_mpi_rec_decode(const unsigned char *b, size_t len, sg_mpi_rec_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    c->customer = sg_mpi_rd_str(&r);
    c->item = sg_mpi_rd_str(&r);
    c->top_n = sg_mpi_rd_u64(&r);
    c->type = sg_mpi_rd_u64(&r);
    c->nitems = sg_mpi_rd_u64(&r);
    if (r.bad || c->top_n < 1 || c->top_n > 255 || (c->type != SG_STRING && c->type != SG_INT64) ||
        c->nitems >= UINT32_MAX)
        return -1;
    c->items = r.p;
    for (uint64_t q = 0; q < c->nitems && !r.bad; q++) {
        uint32_t l = 8;
        if (c->type == SG_STRING)
            (void)take(&r, &l, 4);
        (void)take(&r, NULL, l);
    }
    c->items_len = (size_t)(r.p - c->items);
    c->nrules = sg_mpi_rd_u64(&r);
    if (r.bad || c->nrules != (uint64_t)(r.end - r.p) / RULE_BYTES || (size_t)(r.end - r.p) % RULE_BYTES)
        return -1;
    c->rules = r.p;
    for (uint64_t k = 0; k < c->nrules; k++) {
        uint32_t ab[2];
        memcpy(ab, c->rules + k * RULE_BYTES, 8);
        if (ab[0] >= c->nitems || ab[1] >= c->nitems || ab[0] == ab[1])
            return -1;
    }
    return 0;
}

/* The owner's model: the command's items (dense id = position = rank in
 * item order) and rules, grouped by antecedent as sg_cooc_build_rules
 * groups them.  NULL with err set (SG_EDATA: an item listed twice). */
static sg_cooc *rec_model(const sg_mpi_rec_cmd *c, sg_error *err)
{
    size_t ni = (size_t)c->nitems, nr = (size_t)c->nrules;
    sg_cooc *m = sg_calloc(1, sizeof *m);
    if (!m || !(m->item = sg_strdup(c->item)) || sg_cooc_idmap_init(&m->items, ni ? ni : 1) != 0 ||
        !(m->key = sg_malloc((ni ? ni : 1) * sizeof *m->key)) ||
        !(m->rules = sg_malloc((nr ? nr : 1) * sizeof *m->rules)) ||
        !(m->adj_off = sg_calloc(ni + 1, sizeof *m->adj_off)) || !(m->adj = sg_malloc((nr ? nr : 1) * sizeof *m->adj)))
        goto nomem;
    m->type = (sg_type)c->type;
    if (m->type == SG_STRING && !(m->dict = sg_dict_new(ni)))
        goto nomem;
    sg_mpi_rd r = { c->items, c->items + c->items_len, 0 };
    for (size_t q = 0; q < ni; q++) {
        uint64_t key = 0;
        if (m->type == SG_STRING) {
            uint32_t l;
            (void)take(&r, &l, 4);
            const char *s = (const char *)r.p;
            (void)take(&r, NULL, l);
            int32_t code = r.bad ? -1 : sg_dict_intern(m->dict, s, l);
            if (r.bad || code < 0)
                goto nomem;   /* decoded: r cannot run out */
            key = (uint32_t)code;
        } else {
            (void)take(&r, &key, 8);
        }
        uint32_t id;
        int added;
        if (sg_cooc_idmap_get(&m->items, key, &id, &added) != 0)
            goto nomem;
        if (!added || id != q) {
            sg_error_set(err, SG_EDATA, "the recommendation command lists an item twice");
            sg_cooc_free(m);
            return NULL;
        }
        m->key[q] = key;
    }
    m->nitems = ni;
    for (size_t k = 0; k < nr; k++) {
        const unsigned char *p = c->rules + k * RULE_BYTES;
        sg_cooc_rule *ru = &m->rules[k];
        memset(ru, 0, sizeof *ru);
        memcpy(&ru->a, p, 4);
        memcpy(&ru->b, p + 4, 4);
        memcpy(&ru->lift, p + 8, 8);
        memcpy(&ru->confidence, p + 16, 8);
        ru->ra = ru->a;
        ru->rb = ru->b;
    }
    m->nrules = nr;
    for (size_t k = 0; k < nr; k++)
        m->adj_off[m->rules[k].a + 1]++;
    for (size_t k = 0; k < ni; k++)
        m->adj_off[k + 1] += m->adj_off[k];
    for (size_t k = 0; k < nr; k++)
        m->adj[m->adj_off[m->rules[k].a]++] = (uint32_t)k;
    for (size_t k = ni; k > 0; k--)
        m->adj_off[k] = m->adj_off[k - 1];
    m->adj_off[0] = 0;
    return m;
nomem:
    sg_cooc_free(m);
    sg_error_nomem(err);
    return NULL;
}

/* The number of m's rule from the item of key a to the item of key b, or
 * UINT32_MAX. */
static uint32_t rule_of(const sg_cooc *m, uint64_t a, uint64_t b)
{
    uint32_t ia = sg_cooc_idmap_find(&m->items, a), ib = sg_cooc_idmap_find(&m->items, b);
    if (ia == UINT32_MAX || ib == UINT32_MAX)
        return UINT32_MAX;
    for (size_t k = m->adj_off[ia]; k < m->adj_off[ia + 1]; k++)
        if (m->rules[m->adj[k]].b == ib)
            return m->adj[k];
    return UINT32_MAX;
}

/* The records of table r (sg_cooc_recommend's, of model m) appended to
 * out: 0, or an error code with err set. */
static int rec_records(const sg_table *r, const sg_cooc *m, sg_mpi_buf *out, sg_error *err)
{
    const sg_column *cu = sg_table_col(r, "customer"), *it = sg_table_col(r, "item");
    const sg_column *bc = sg_table_col(r, "because"), *sc = sg_table_col(r, "score");
    size_t at = out->len, cnt_at = 0;
    uint64_t head[3] = { (uint64_t)cu->type, 0, r->nrows };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    uint8_t cnt = 0;
    for (size_t i = 0; i < r->nrows && !out->oom; i++) {
        uint64_t key = sg_ops_value_key(cu, i);
        if (i == 0 || key != sg_ops_value_key(cu, i - 1)) {
            if (i > 0)
                out->b[cnt_at] = cnt;
            if (cu->type == SG_STRING) {
                size_t len;
                const char *s = sg_column_str(cu, i, &len);
                put_text(out, s, len);
            } else {
                (void)sg_mpi_buf_put(out, &key, 8);
            }
            cnt_at = out->len;
            cnt = 0;
            head[1]++;
            (void)sg_mpi_buf_put(out, &cnt, 1);
        }
        uint32_t k = rule_of(m, sg_ops_value_key(bc, i), sg_ops_value_key(it, i));
        if (k == UINT32_MAX || m->rules[k].lift != sg_column_f64(sc)[i])
            return sg_error_set(err, SG_EDATA, "a recommendation without its rule");   /* not expected */
        (void)sg_mpi_buf_put(out, &k, 4);
        cnt++;
    }
    if (out->oom)
        return sg_error_nomem(err);
    if (r->nrows)
        out->b[cnt_at] = cnt;
    memcpy(out->b + at + 8, &head[1], 8);
    return 0;
}

int sg_mpi_rec_owner(const sg_table *t, const sg_mpi_rec_cmd *c, sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    if (!t) {
        uint64_t head[3] = { 0, 0, 0 };
        return sg_mpi_buf_put(out, head, sizeof head) ? sg_error_nomem(err) : 0;
    }
    sg_cooc *m = rec_model(c, err);
    if (!m)
        return err->code;
    sg_table *r = sg_cooc_recommend(m, t, c->customer, NULL, (size_t)c->top_n, err);
    int rc = r ? rec_records(r, m, out, err) : err->code;
    sg_table_free(r);
    sg_cooc_free(m);
    return rc;
}

/* A customer received: its key in the customer column, where its rules
 * are, and how many. */
typedef struct rec_ent {
    uint64_t key;
    const unsigned char *rules;
    uint32_t n;
} rec_ent;

/* Reads owner k's records into *ents (growing it); *rows the rows they
 * add.  0, or an error code with err set. */
static int rec_read(const unsigned char *part, size_t len, int k, const sg_cooc *c, const sg_column *cc, size_t top_n,
                    sg_cooc_idmap *seen, rec_ent **ents, size_t *nent, size_t *cap, uint64_t *ncust, uint64_t *rows,
                    sg_error *err)
{
    sg_mpi_rd r = { part, part + len, 0 };
    uint64_t type = sg_mpi_rd_u64(&r), nc = sg_mpi_rd_u64(&r), nr = sg_mpi_rd_u64(&r), got = 0;
    if (nc && type != (uint64_t)cc->type)
        r.bad = 1;
    for (uint64_t q = 0; q < nc && !r.bad; q++) {
        uint64_t key = 0;
        if (cc->type == SG_STRING) {
            uint32_t l = 0;
            (void)take(&r, &l, 4);
            const char *s = (const char *)r.p;
            if (take(&r, NULL, l) != 0)
                break;
            int32_t code = sg_dict_find(cc->dict, s, l);
            if (code < 0)
                return sg_error_set(err, SG_EDATA, "rank %d sent recommendations for a customer the table does not hold",
                                    k);
            key = (uint32_t)code;
        } else {
            (void)take(&r, &key, 8);
        }
        uint8_t cnt = 0;
        (void)take(&r, &cnt, 1);
        const unsigned char *rl = r.p;
        if (take(&r, NULL, (size_t)cnt * 4) != 0 || cnt < 1 || cnt > top_n) {
            r.bad = 1;
            break;
        }
        for (uint32_t j = 0; j < cnt; j++) {
            uint32_t x;
            memcpy(&x, rl + 4 * j, 4);
            if (x >= c->nrules)
                r.bad = 1;
        }
        uint32_t id;
        int added;
        if (sg_cooc_idmap_get(seen, key, &id, &added) != 0)
            return sg_error_nomem(err);
        if (!added)
            return sg_error_set(err, SG_EDATA, "a customer's recommendations were sent twice (rank %d)", k);
        if (*nent == *cap) {
            rec_ent *ne = sg_realloc(*ents, *cap * 2 * sizeof *ne);
            if (!ne)
                return sg_error_nomem(err);
            *ents = ne;
            *cap *= 2;
        }
        (*ents)[(*nent)++] = (rec_ent){ key, rl, cnt };
        got += cnt;
    }
    if (r.bad || r.p != r.end || got != nr)
        return sg_error_set(err, SG_EDATA, "the recommendations of rank %d are malformed", k);
    if (ncust)
        ncust[k] = nc;
    *rows += got;
    return 0;
}

sg_table *sg_mpi_rec_assemble(const unsigned char *const *parts, const size_t *lens, int n, const sg_cooc *c,
                              const sg_column *cc, size_t top_n, uint64_t *ncust, sg_error *err)
{
    sg_error_clear(err);
    if (!c || !cc || (cc->type != SG_STRING && cc->type != SG_INT64))
        return sg_error_set(err, SG_EINVAL, "recommendations: the customer column must be text or int64"), NULL;
    size_t nent = 0, cap = 64;
    uint64_t rows = 0;
    rec_ent *ents = sg_malloc(cap * sizeof *ents);
    uint64_t *keys = NULL;
    uint32_t *rank = NULL, *order = NULL;
    sg_cooc_idmap seen = { 0 };
    sg_column *cols[5] = { NULL };
    sg_table *t = NULL;
    if (!ents || sg_cooc_idmap_init(&seen, 1024) != 0) {
        sg_error_nomem(err);
        goto out;
    }
    for (int k = 0; k < n; k++)
        if (rec_read(parts[k], lens[k], k, c, cc, top_n, &seen, &ents, &nent, &cap, ncust, &rows, err) != 0)
            goto out;
    keys = sg_malloc((nent ? nent : 1) * sizeof *keys);
    order = sg_malloc((nent ? nent : 1) * sizeof *order);
    if (!keys || !order) {
        sg_error_nomem(err);
        goto out;
    }
    for (size_t q = 0; q < nent; q++)
        keys[q] = ents[q].key;
    if (!(rank = sg_cooc_rank_keys(keys, nent, cc->type, cc->dict))) {
        sg_error_nomem(err);
        goto out;
    }
    for (size_t q = 0; q < nent; q++)
        order[rank[q]] = (uint32_t)q;
    size_t nr = rows ? (size_t)rows : 1;
    cols[0] = cc->type == SG_STRING ? sg_column_new_with_dict("customer", cc->dict, nr)
                                    : sg_column_new("customer", SG_INT64, nr);
    cols[1] = sg_column_new("rank", SG_INT64, nr);
    cols[2] = sg_cooc_item_column(c, "item", nr);
    cols[3] = sg_column_new("score", SG_DOUBLE, nr);
    cols[4] = sg_cooc_item_column(c, "because", nr);
    int ok = cols[0] && cols[1] && cols[2] && cols[3] && cols[4];
    for (size_t q = 0; q < nent && ok; q++) {
        const rec_ent *e = &ents[order[q]];
        for (uint32_t j = 0; j < e->n && ok; j++) {
            uint32_t x;
            memcpy(&x, e->rules + 4 * j, 4);
            const sg_cooc_rule *ru = &c->rules[x];
            int rc = cc->type == SG_STRING ? sg_column_push_code(cols[0], (int32_t)e->key)
                                           : sg_column_push_i64(cols[0], (int64_t)e->key);
            ok = !rc && !sg_column_push_i64(cols[1], (int64_t)j + 1) && !sg_cooc_push_item(cols[2], c, ru->b) &&
                 !sg_column_push_f64(cols[3], ru->lift) && !sg_cooc_push_item(cols[4], c, ru->a);
        }
    }
    if (!ok)
        (void)sg_cooc_fail_columns(cols, 5, err);
    else
        t = sg_cooc_make_table(cols, 5, err);
out:
    sg_free(ents);
    sg_free(keys);
    sg_free(rank);
    sg_free(order);
    sg_cooc_idmap_free(&seen);
    return t;
}
