/* Rows partitioned by customer, packed and unpacked (see mpi_shuffle.h).
 * No MPI calls: core/mpi_comm.c would move the bytes, the tests run the
 * steps in one process. */
#include "mpi_shuffle.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "opsutil.h"

#define MAGIC "SGR2"

uint64_t sg_mpi_fnv1a(const void *s, size_t len)
{
    const unsigned char *p = s;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t sg_mpi_id_hash(const sg_column *c, size_t row)
{
    if (sg_ops_missing(c, row))
        return 0;
    uint64_t v;
    switch (c->type) {
    case SG_STRING: {
        size_t len;
        const char *s = sg_column_str(c, row, &len);
        return sg_mpi_fnv1a(s, len);
    }
    case SG_DOUBLE: v = sg_f64_bits(sg_column_f64(c)[row]); break;
    case SG_BOOL: v = sg_column_bools(c)[row]; break;
    default: v = (uint64_t)sg_column_i64(c)[row]; break;
    }
    unsigned char b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)(v >> (8 * k));   /* the same bytes on any byte order */
    return sg_mpi_fnv1a(b, 8);
}

/* The length of the whole part of s when it reads ^-?[0-9]+\.0+$, else len. */
static size_t whole_len(const char *s, size_t len)
{
    size_t i = len > 0 && s[0] == '-', d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d || i + 1 >= len || s[i] != '.')
        return len;
    for (size_t k = i + 1; k < len; k++)
        if (s[k] != '0')
            return len;
    return i;
}

uint64_t sg_mpi_id_hash_whole(const sg_column *c, size_t row)
{
    if (c->type != SG_STRING || sg_ops_missing(c, row))
        return sg_mpi_id_hash(c, row);
    size_t len;
    const char *s = sg_column_str(c, row, &len);
    return sg_mpi_fnv1a(s, whole_len(s, len));
}

static int owner_of(uint64_t h, int n) { return (int)(sg_mix64(h) % (uint64_t)n); }

int sg_mpi_owner(const sg_column *c, size_t row, int n)
{
    if (n <= 1 || sg_ops_missing(c, row))
        return 0;
    return owner_of(sg_mpi_id_hash(c, row), n);
}

int sg_mpi_owner_whole(const sg_column *c, size_t row, int n)
{
    if (n <= 1 || sg_ops_missing(c, row))
        return 0;
    return owner_of(sg_mpi_id_hash_whole(c, row), n);
}

int sg_mpi_partition(const sg_table *t, const char *customer, int n, int whole_ids, int *owner, size_t *counts,
                     sg_error *err)
{
    const sg_column *c = sg_table_col(t, customer);
    if (!c)
        return sg_error_set(err, SG_EINVAL, "partition: no column '%s'", customer);
    if (n < 1)
        return sg_error_set(err, SG_EINVAL, "partition: %d ranks", n);
    memset(counts, 0, (size_t)n * sizeof *counts);
    for (size_t i = 0; i < t->nrows; i++) {
        owner[i] = whole_ids ? sg_mpi_owner_whole(c, i, n) : sg_mpi_owner(c, i, n);
        counts[owner[i]]++;
    }
    return 0;
}

static int put_u8(sg_mpi_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    return sg_mpi_buf_put(b, &c, 1);
}
static int put_u32(sg_mpi_buf *b, uint32_t v) { return sg_mpi_buf_put(b, &v, sizeof v); }
static int put_u64(sg_mpi_buf *b, uint64_t v) { return sg_mpi_buf_put(b, &v, sizeof v); }

static int pack_schema(sg_mpi_buf *b, const sg_table *t, size_t n)
{
    int rc = sg_mpi_buf_put(b, MAGIC, 4) || put_u32(b, (uint32_t)t->ncols);
    for (size_t j = 0; !rc && j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        size_t len = strlen(c->name);
        rc = put_u8(b, c->type) || put_u8(b, c->date_only != 0) || put_u32(b, (uint32_t)len) ||
             sg_mpi_buf_put(b, c->name, len);
    }
    return rc || put_u64(b, n) ? SG_ENOMEM : 0;
}

/* A string column of the packet: its own dictionary (the distinct texts
 * of the rows packed, in order of first appearance), then a 4-byte code
 * per row.  The table's codes map to the packet's through an open-
 * addressed table of 2^k slots (k: at least twice the rows). */
static int pack_strings(sg_mpi_buf *b, const sg_column *c, const size_t *rows, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    int32_t *key = sg_malloc(cap * sizeof *key);
    uint32_t *val = sg_malloc(cap * sizeof *val), *pc = sg_malloc((n ? n : 1) * sizeof *pc);
    int32_t *uniq = sg_malloc((n ? n : 1) * sizeof *uniq);
    int rc = !key || !val || !pc || !uniq ? SG_ENOMEM : 0;
    const int32_t *codes = sg_column_codes(c);
    uint32_t nd = 0;
    for (size_t q = 0; !rc && q < cap; q++)
        key[q] = -1;
    for (size_t k = 0; !rc && k < n; k++) {
        size_t i = rows[k];
        pc[k] = 0;
        if (sg_column_is_na(c, i))
            continue;
        int32_t code = codes[i];
        size_t h = (size_t)sg_mix64((uint64_t)(uint32_t)code) & (cap - 1);
        while (key[h] != -1 && key[h] != code)
            h = (h + 1) & (cap - 1);
        if (key[h] == -1) {
            key[h] = code;
            val[h] = nd;
            uniq[nd++] = code;
        }
        pc[k] = val[h];
    }
    rc = rc ? rc : put_u32(b, nd) ? SG_ENOMEM : 0;
    for (uint32_t u = 0; !rc && u < nd; u++) {
        size_t len;
        const char *str = sg_dict_str(c->dict, uniq[u], &len);
        rc = len > UINT32_MAX ? SG_EINVAL : put_u32(b, (uint32_t)len) || sg_mpi_buf_put(b, str, len) ? SG_ENOMEM : 0;
    }
    if (!rc && sg_mpi_buf_put(b, pc, n * sizeof *pc))
        rc = SG_ENOMEM;
    sg_free(key);
    sg_free(val);
    sg_free(pc);
    sg_free(uniq);
    return rc;
}

/* Column c of the rows packed: a byte saying whether any is missing, then
 * (if so) a bitmap of the missing rows (bit k of byte k / 8), then the
 * values of every row (missing ones as 0): strings as pack_strings, 1 byte
 * for bools, 8 for the others. */
static int pack_column(sg_mpi_buf *b, const sg_column *c, const size_t *rows, size_t n)
{
    int any = 0;
    for (size_t k = 0; k < n && !any; k++)
        any = sg_column_is_na(c, rows[k]);
    if (put_u8(b, (unsigned)any))
        return SG_ENOMEM;
    if (any) {
        size_t nb = (n + 7) / 8;
        if (sg_mpi_buf_reserve(b, nb))
            return SG_ENOMEM;
        unsigned char *w = b->b + b->len;
        memset(w, 0, nb);
        for (size_t k = 0; k < n; k++)
            if (sg_column_is_na(c, rows[k]))
                w[k >> 3] |= (unsigned char)(1u << (k & 7));
        b->len += nb;
    }
    if (c->type == SG_STRING)
        return pack_strings(b, c, rows, n);
    size_t w8 = c->type == SG_BOOL ? 1 : 8;
    if (sg_mpi_buf_reserve(b, n * w8))
        return SG_ENOMEM;
    unsigned char *w = b->b + b->len;
    if (c->type == SG_BOOL) {
        const uint8_t *v = sg_column_bools(c);
        for (size_t k = 0; k < n; k++)
            w[k] = sg_column_is_na(c, rows[k]) ? 0 : v[rows[k]];
    } else {
        const char *v = c->data;   /* int64, double, datetime */
        for (size_t k = 0; k < n; k++) {
            if (sg_column_is_na(c, rows[k]))
                memset(w + k * 8, 0, 8);
            else
                memcpy(w + k * 8, v + rows[k] * 8, 8);
        }
    }
    b->len += n * w8;
    return 0;
}

int sg_mpi_rows_pack(const sg_table *t, const uint64_t *gid, const size_t *rows, size_t n, sg_mpi_buf *out,
                     sg_error *err)
{
    size_t start = out->len;
    int rc = t->ncols > UINT32_MAX ? SG_EINVAL : 0;
    for (size_t k = 0; !rc && k < n; k++)
        if (rows[k] >= t->nrows || (k > 0 && gid[rows[k]] <= gid[rows[k - 1]]))
            rc = SG_EINVAL;
    rc = rc ? rc : pack_schema(out, t, n);
    if (!rc && sg_mpi_buf_reserve(out, n * 8))
        rc = SG_ENOMEM;
    if (!rc) {
        unsigned char *w = out->b + out->len;
        for (size_t k = 0; k < n; k++)
            memcpy(w + k * 8, &gid[rows[k]], 8);
        out->len += n * 8;
    }
    for (size_t j = 0; !rc && j < t->ncols; j++)
        rc = pack_column(out, t->cols[j], rows, n);
    if (!rc)
        return 0;
    out->len = start;
    if (rc == SG_ENOMEM)
        return sg_error_set(err, SG_ENOMEM, "out of memory packing %zu rows", n);
    return sg_error_set(err, SG_EINVAL, "pack: rows out of range or not in increasing row number, "
                        "or a text over 4 GB");
}

/* ---- unpacking ---- */

typedef struct reader {
    const unsigned char *p, *end;
    int bad;
} reader;

static const unsigned char *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}
static unsigned get_u8(reader *r)
{
    const unsigned char *p = take(r, 1);
    return p ? *p : 0;
}
static uint32_t get_u32(reader *r)
{
    uint32_t v = 0;
    const unsigned char *p = take(r, 4);
    if (p)
        memcpy(&v, p, 4);
    return v;
}
static uint64_t get_u64(reader *r)
{
    uint64_t v = 0;
    const unsigned char *p = take(r, 8);
    if (p)
        memcpy(&v, p, 8);
    return v;
}

/* A column of a packet: its missing bitmap (NULL: none) and values; for
 * strings the packet's dictionary (texts and lengths) and, filled while
 * merging, each packet code's code in the output column (-1: not yet). */
typedef struct pcol {
    const unsigned char *na, *vals;
    uint32_t ndict;
    const unsigned char **text;
    uint32_t *len;
    int32_t *map;
} pcol;

typedef struct part {
    reader r;
    uint64_t n, at;               /* rows, and the next one to merge */
    const unsigned char *gids;
    uint64_t next;                /* global row number of row `at` */
    pcol *cols;
} part;

/* Reads a packet's schema; the first packet with a schema sets t's
 * columns, the others must match it.  0, or SG_EDATA / SG_ENOMEM. */
static int read_schema(part *pt, sg_table *t, int *have, size_t k, sg_error *err)
{
    reader *r = &pt->r;
    const unsigned char *m = take(r, 4);
    if (!m || memcmp(m, MAGIC, 4) != 0)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu is not a row packet", k);
    uint32_t ncols = get_u32(r);
    if (*have && ncols != t->ncols)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu has %u columns, not %zu", k, ncols, t->ncols);
    for (uint32_t j = 0; j < ncols && !r->bad; j++) {
        unsigned type = get_u8(r), date_only = get_u8(r);
        uint32_t len = get_u32(r);
        const unsigned char *name = take(r, len);
        if (r->bad)
            break;
        if (type > SG_BOOL)
            return sg_error_set(err, SG_EDATA, "unpack: packet %zu: bad column type", k);
        if (*have) {
            const sg_column *c = t->cols[j];
            if (c->type != (sg_type)type || c->date_only != (int)date_only || strlen(c->name) != len ||
                memcmp(c->name, name, len) != 0)
                return sg_error_set(err, SG_EDATA, "unpack: packet %zu: column %u differs from packet 0's", k,
                                    j + 1);
            continue;
        }
        char *nm = sg_malloc((size_t)len + 1);
        if (!nm)
            return sg_error_set(err, SG_ENOMEM, "out of memory");
        memcpy(nm, name, len);
        nm[len] = 0;
        sg_column *c = sg_column_new(nm, (sg_type)type, 0);
        sg_free(nm);
        if (!c)
            return sg_error_set(err, SG_ENOMEM, "out of memory");
        c->date_only = (int)date_only;
        if (sg_table_add(t, c, err) != 0)
            return err->code;
    }
    pt->n = get_u64(r);
    if (r->bad)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu is truncated", k);
    if (ncols == 0 && pt->n)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu has rows but no columns", k);
    *have = 1;
    return 0;
}

/* Reads the rest of a packet (after its schema): the row numbers, which
 * must increase, and every column's bitmap, values and dictionary, whose
 * sizes must be those of the rows and add up to the packet's bytes.  0,
 * or SG_EDATA / SG_ENOMEM with err set. */
static int read_body(part *pt, const sg_table *t, size_t k, sg_error *err)
{
    reader *r = &pt->r;
    size_t n = (size_t)pt->n;
    if (pt->n > (uint64_t)(r->end - r->p) / 8)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu is truncated", k);
    pt->gids = take(r, n * 8);
    for (size_t i = 1; i < n; i++) {
        uint64_t a, b;
        memcpy(&a, pt->gids + (i - 1) * 8, 8);
        memcpy(&b, pt->gids + i * 8, 8);
        if (b <= a)
            return sg_error_set(err, SG_EDATA, "unpack: packet %zu: row numbers repeated or out of order", k);
    }
    pt->cols = sg_calloc(t->ncols ? t->ncols : 1, sizeof *pt->cols);
    if (!pt->cols)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    for (size_t j = 0; j < t->ncols && !r->bad; j++) {
        pcol *pc = &pt->cols[j];
        unsigned any = get_u8(r);
        if (any > 1)
            return sg_error_set(err, SG_EDATA, "unpack: packet %zu: column %zu is malformed", k, j + 1);
        if (any)
            pc->na = take(r, (n + 7) / 8);
        if (t->cols[j]->type == SG_STRING) {
            pc->ndict = get_u32(r);
            if (r->bad || pc->ndict > (uint64_t)(r->end - r->p) / 4) {
                r->bad = 1;
                break;
            }
            size_t nd = pc->ndict ? pc->ndict : 1;
            pc->text = sg_malloc(nd * sizeof *pc->text);
            pc->len = sg_malloc(nd * sizeof *pc->len);
            pc->map = sg_malloc(nd * sizeof *pc->map);
            if (!pc->text || !pc->len || !pc->map)
                return sg_error_set(err, SG_ENOMEM, "out of memory");
            for (uint32_t u = 0; u < pc->ndict && !r->bad; u++) {
                pc->len[u] = get_u32(r);
                pc->text[u] = take(r, pc->len[u]);
                pc->map[u] = -1;
            }
            if (n > (size_t)(r->end - r->p) / 4)
                r->bad = 1;
            else
                pc->vals = take(r, n * 4);
        } else {
            size_t w = t->cols[j]->type == SG_BOOL ? 1 : 8;
            if (n > (size_t)(r->end - r->p) / w)
                r->bad = 1;
            else
                pc->vals = take(r, n * w);
        }
    }
    if (r->bad)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu is truncated", k);
    if (r->p != r->end)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu has bytes after its rows", k);
    return 0;
}

static void part_free(part *pt, size_t ncols)
{
    for (size_t j = 0; pt->cols && j < ncols; j++) {
        sg_free(pt->cols[j].text);
        sg_free(pt->cols[j].len);
        sg_free(pt->cols[j].map);
    }
    sg_free(pt->cols);
}

/* Pushes row `at` of pt onto t's columns: 0, SG_EDATA (a code beyond the
 * packet's dictionary, a bool other than 0 or 1) or SG_ENOMEM. */
static int push_row(part *pt, sg_table *t)
{
    size_t i = (size_t)pt->at;
    for (size_t j = 0; j < t->ncols; j++) {
        sg_column *c = t->cols[j];
        pcol *pc = &pt->cols[j];
        if (pc->na && (pc->na[i >> 3] >> (i & 7) & 1)) {
            if (sg_column_push_na(c))
                return SG_ENOMEM;
            continue;
        }
        int rc;
        switch (c->type) {
        case SG_STRING: {
            uint32_t code;
            memcpy(&code, pc->vals + i * 4, 4);
            if (code >= pc->ndict)
                return SG_EDATA;
            if (pc->map[code] < 0 &&
                (pc->map[code] = sg_dict_intern(c->dict, (const char *)pc->text[code], pc->len[code])) < 0)
                return SG_ENOMEM;
            rc = sg_column_push_code(c, pc->map[code]);
            break;
        }
        case SG_BOOL:
            rc = pc->vals[i] > 1 ? SG_EDATA : sg_column_push_bool(c, (int)pc->vals[i]);
            break;
        case SG_DOUBLE: {
            double v;
            memcpy(&v, pc->vals + i * 8, 8);
            rc = sg_column_push_f64(c, v);
            break;
        }
        default: {
            int64_t v;
            memcpy(&v, pc->vals + i * 8, 8);
            rc = sg_column_push_i64(c, v);
            break;
        }
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* A min-heap of part indices by their next row number. */
static void sift_down(size_t *h, size_t n, const part *pt, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && pt[h[l]].next < pt[h[m]].next)
            m = l;
        if (l + 1 < n && pt[h[l + 1]].next < pt[h[m]].next)
            m = l + 1;
        if (m == i)
            return;
        size_t tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

static void peek_gid(part *pt)
{
    if (pt->at < pt->n)
        memcpy(&pt->next, pt->gids + pt->at * 8, 8);
}

/* Merges the parts' rows into t by row number.  0, or an error code. */
static int merge_rows(part *pt, size_t nparts, sg_table *t, uint64_t *gid, uint64_t total, sg_error *err)
{
    size_t *heap = sg_malloc((nparts ? nparts : 1) * sizeof *heap), nh = 0;
    if (!heap)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t k = 0; k < nparts; k++) {
        peek_gid(&pt[k]);
        if (pt[k].at < pt[k].n)
            heap[nh++] = k;
    }
    for (size_t i = nh; i-- > 0;)
        sift_down(heap, nh, pt, i);
    for (uint64_t row = 0; !rc && nh; row++) {
        part *p = &pt[heap[0]];
        if (row >= total || (row > 0 && p->next <= gid[row - 1])) {
            rc = SG_EDATA;
            break;
        }
        gid[row] = p->next;
        rc = push_row(p, t);
        p->at++;
        peek_gid(p);
        if (p->at == p->n)
            heap[0] = heap[--nh];
        sift_down(heap, nh, pt, 0);
    }
    sg_free(heap);
    if (rc == SG_ENOMEM)
        return sg_error_set(err, SG_ENOMEM, "out of memory unpacking rows");
    if (rc)
        return sg_error_set(err, SG_EDATA, "unpack: malformed row packet (a value beyond its packet's "
                            "dictionary, or row numbers repeated across packets)");
    return 0;
}

sg_table *sg_mpi_rows_unpack(const unsigned char *const *parts, const size_t *lens, size_t nparts,
                             uint64_t **gid, sg_error *err)
{
    *gid = NULL;
    sg_table *t = sg_table_new();
    part *pt = sg_calloc(nparts ? nparts : 1, sizeof *pt);
    if (!t || !pt) {
        sg_table_free(t);
        sg_free(pt);
        sg_error_set(err, SG_ENOMEM, "out of memory");
        return NULL;
    }
    int have = 0, rc = 0;
    uint64_t total = 0;
    for (size_t k = 0; k < nparts && !rc; k++) {
        pt[k].r.p = parts[k];
        pt[k].r.end = parts[k] + lens[k];
        if (lens[k] == 0)
            continue;
        rc = read_schema(&pt[k], t, &have, k, err);
        if (!rc)
            rc = read_body(&pt[k], t, k, err);
        total += pt[k].n;
    }
    for (size_t j = 0; !rc && j < t->ncols; j++)
        if (sg_column_reserve(t->cols[j], (size_t)total))
            rc = sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!rc && total) {
        *gid = sg_malloc((size_t)total * sizeof **gid);
        rc = *gid ? merge_rows(pt, nparts, t, *gid, total, err) : sg_error_set(err, SG_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nparts; k++)
        part_free(&pt[k], t->ncols);
    sg_free(pt);
    if (!rc) {
        t->nrows = (size_t)total;
        return t;
    }
    sg_free(*gid);
    *gid = NULL;
    sg_table_free(t);
    return NULL;
}
