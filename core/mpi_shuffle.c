/* Rows partitioned by customer, packed and unpacked (see mpi_shuffle.h).
 * No MPI calls: core/mpi_comm.c would move the bytes, the tests run the
 * steps in one process. */
#include "mpi_shuffle.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "opsutil.h"

#define MAGIC "SGR1"

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

/* Row i with its global row number g: then per column a missing flag
 * (1: missing, nothing follows) or 0 and the value (a 4-byte length and
 * the text for strings, 1 byte for bools, 8 for the others).  Its size is
 * reserved once and the bytes written in place; sp, sl: room for the
 * row's strings. */
static int pack_row(sg_mpi_buf *b, const sg_table *t, size_t i, uint64_t g, const char **sp, size_t *sl)
{
    size_t need = 8;
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        if (sg_column_is_na(c, i)) {
            need += 1;
        } else if (c->type == SG_STRING) {
            sp[j] = sg_column_str(c, i, &sl[j]);
            if (sl[j] > UINT32_MAX)
                return SG_EINVAL;
            need += 5 + sl[j];
        } else {
            need += c->type == SG_BOOL ? 2 : 9;
        }
    }
    if (sg_mpi_buf_reserve(b, need))
        return SG_ENOMEM;
    unsigned char *w = b->b + b->len;
    memcpy(w, &g, 8);
    w += 8;
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        if (sg_column_is_na(c, i)) {
            *w++ = 1;
            continue;
        }
        *w++ = 0;
        if (c->type == SG_STRING) {
            uint32_t len = (uint32_t)sl[j];
            memcpy(w, &len, 4);
            if (len)
                memcpy(w + 4, sp[j], len);
            w += 4 + len;
        } else if (c->type == SG_BOOL) {
            *w++ = sg_column_bools(c)[i];
        } else {
            memcpy(w, (const char *)c->data + i * 8, 8);   /* int64, double, datetime */
            w += 8;
        }
    }
    b->len = (size_t)(w - b->b);
    return 0;
}

int sg_mpi_rows_pack(const sg_table *t, const uint64_t *gid, const size_t *rows, size_t n, sg_mpi_buf *out,
                     sg_error *err)
{
    size_t start = out->len;
    const char **sp = sg_malloc((t->ncols ? t->ncols : 1) * sizeof *sp);
    size_t *sl = sg_malloc((t->ncols ? t->ncols : 1) * sizeof *sl);
    int rc = !sp || !sl ? SG_ENOMEM : t->ncols > UINT32_MAX ? SG_EINVAL : pack_schema(out, t, n);
    for (size_t k = 0; !rc && k < n; k++) {
        size_t i = rows[k];
        if (i >= t->nrows || (k > 0 && gid[i] <= gid[rows[k - 1]])) {
            rc = SG_EINVAL;
            break;
        }
        rc = pack_row(out, t, i, gid[i], sp, sl);
    }
    sg_free(sp);
    sg_free(sl);
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

typedef struct part {
    reader r;
    uint64_t left;     /* rows not yet read */
    uint64_t next;     /* global row number of the next row */
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
    pt->left = get_u64(r);
    if (r->bad)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu is truncated", k);
    if (ncols == 0 && pt->left)
        return sg_error_set(err, SG_EDATA, "unpack: packet %zu has rows but no columns", k);
    *have = 1;
    return 0;
}

/* Pushes the next row of pt onto t's columns. */
static int read_row(part *pt, sg_table *t)
{
    reader *r = &pt->r;
    for (size_t j = 0; j < t->ncols; j++) {
        sg_column *c = t->cols[j];
        unsigned na = get_u8(r);
        if (r->bad || na > 1)
            return SG_EDATA;
        if (na) {
            if (sg_column_push_na(c))
                return SG_ENOMEM;
            continue;
        }
        int rc;
        switch (c->type) {
        case SG_STRING: {
            uint32_t len = get_u32(r);
            const unsigned char *s = take(r, len);
            rc = s ? sg_column_push_str(c, (const char *)s, len) : SG_EDATA;
            break;
        }
        case SG_BOOL: {
            unsigned v = get_u8(r);
            rc = r->bad || v > 1 ? SG_EDATA : sg_column_push_bool(c, (int)v);
            break;
        }
        case SG_DOUBLE: {
            double v = 0;
            const unsigned char *p = take(r, 8);
            if (p)
                memcpy(&v, p, 8);
            rc = p ? sg_column_push_f64(c, v) : SG_EDATA;
            break;
        }
        default: {
            uint64_t v = get_u64(r);
            rc = r->bad ? SG_EDATA : sg_column_push_i64(c, (int64_t)v);
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

/* Reads the row number of pt's next row (when it has one). */
static int peek_gid(part *pt)
{
    if (!pt->left)
        return 0;
    pt->next = get_u64(&pt->r);
    return pt->r.bad ? SG_EDATA : 0;
}

/* Merges the parts' rows into t by row number.  0, or an error code. */
static int merge_rows(part *pt, size_t nparts, sg_table *t, uint64_t *gid, uint64_t total, sg_error *err)
{
    size_t *heap = sg_malloc((nparts ? nparts : 1) * sizeof *heap), nh = 0;
    if (!heap)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t k = 0; k < nparts && !rc; k++) {
        rc = peek_gid(&pt[k]);
        if (pt[k].left)
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
        rc = read_row(p, t);
        if (!rc && --p->left)
            rc = peek_gid(p);
        if (!p->left)
            heap[0] = heap[--nh];
        sift_down(heap, nh, pt, 0);
    }
    sg_free(heap);
    if (rc == SG_ENOMEM)
        return sg_error_set(err, SG_ENOMEM, "out of memory unpacking rows");
    if (rc)
        return sg_error_set(err, SG_EDATA, "unpack: malformed row packet (truncated, or row numbers "
                            "repeated or out of order)");
    for (size_t k = 0; k < nparts; k++)
        if (pt[k].r.p != pt[k].r.end)
            return sg_error_set(err, SG_EDATA, "unpack: packet %zu has bytes after its rows", k);
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
        if (!rc && pt[k].left > (uint64_t)lens[k])   /* every row takes 8 bytes at least */
            rc = sg_error_set(err, SG_EDATA, "unpack: packet %zu is truncated", k);
        total += pt[k].left;
    }
    for (size_t j = 0; !rc && j < t->ncols; j++)
        if (sg_column_reserve(t->cols[j], (size_t)total))
            rc = sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!rc && total) {
        *gid = sg_malloc((size_t)total * sizeof **gid);
        rc = *gid ? merge_rows(pt, nparts, t, *gid, total, err) : sg_error_set(err, SG_ENOMEM, "out of memory");
    }
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
