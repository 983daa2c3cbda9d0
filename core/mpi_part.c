/* Distributed CSV reads, the part without MPI calls: the cuts (record
 * starts found by quote parity, as the threaded reader's scan_splits
 * finds them, here from counts of each nominal range summed over the
 * ranges before it), a part's staging as bytes and back, and the merge of
 * the parts in file order into the first one's staging (sg_csv_merge, as
 * the threaded reader merges its ranges).  See docs/mpi.md. */
#include "mpi_part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

#define SCAN_BLOCK ((size_t)256 << 10)
#define PART_MAGIC 0x31504753u   /* "SGP1" */
#define DICTS_MAGIC 0x32444753u  /* "SGD2": a part's dictionaries and suspect tallies without its rows */

uint64_t sg_mpi_nominal(uint64_t size, int k, int n)
{
    /* size * k / n without overflow for any file size */
    return size / (uint64_t)n * (uint64_t)k + size % (uint64_t)n * (uint64_t)k / (uint64_t)n;
}

static int read_at(int fd, unsigned char *buf, size_t want, uint64_t pos, size_t *got)
{
    *got = 0;
    while (*got < want) {
        ssize_t r = pread(fd, buf + *got, want - *got, (off_t)(pos + *got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno ? errno : EIO;
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

static int prev_byte(int fd, uint64_t from, unsigned char *prev)
{
    size_t got;
    *prev = 0;
    if (from == 0)
        return 0;
    int e = read_at(fd, prev, 1, from - 1, &got);
    return e ? e : got == 1 ? 0 : EIO;
}

int sg_mpi_count(int fd, uint64_t from, uint64_t to, sg_csv_scan_state *st)
{
    memset(st, 0, sizeof *st);
    int e = prev_byte(fd, from, &st->prev);
    if (e || from >= to)
        return e;
    unsigned char *buf = sg_malloc(SCAN_BLOCK);
    if (!buf)
        return ENOMEM;
    for (uint64_t pos = from; pos < to && !e;) {
        size_t want = to - pos < SCAN_BLOCK ? (size_t)(to - pos) : SCAN_BLOCK, got;
        if ((e = read_at(fd, buf, want, pos, &got)) != 0)
            break;
        if (got < want)
            e = EIO;        /* the file became shorter */
        sg_csv_scan(st, buf, got);
        pos += got;
    }
    sg_free(buf);
    return e;
}

int sg_mpi_find_cut(int fd, uint64_t size, uint64_t from, sg_csv_scan_state st, uint64_t *cut,
                    uint64_t *line0)
{
    int e = prev_byte(fd, from, &st.prev);
    if (e)
        return e;
    unsigned char *buf = sg_malloc(SCAN_BLOCK);
    if (!buf)
        return ENOMEM;
    uint64_t pos = from;
    *cut = size;
    while (pos < size) {
        size_t want = size - pos < SCAN_BLOCK ? (size_t)(size - pos) : SCAN_BLOCK, got;
        if ((e = read_at(fd, buf, want, pos, &got)) != 0 || got == 0) {
            e = e ? e : EIO;
            break;
        }
        for (size_t i = 0; i < got; i++) {
            sg_csv_scan_byte(&st, buf[i]);
            if (buf[i] == '\n' && !st.odd) {
                *cut = pos + i + 1;
                *line0 = st.lines + 1;
                sg_free(buf);
                return 0;
            }
        }
        pos += got;
    }
    *line0 = st.lines + 1;
    sg_free(buf);
    return e;
}

int sg_mpi_plan(int fd, uint64_t size, int n, uint64_t *hdr_end, uint64_t *cuts, uint64_t *line0)
{
    sg_csv_scan_state zero, before, st;
    uint64_t l;
    memset(&zero, 0, sizeof zero);
    memset(&before, 0, sizeof before);
    int e = sg_mpi_find_cut(fd, size, 0, zero, hdr_end, &l);
    cuts[0] = 0;
    line0[0] = 1;
    for (int k = 0; k < n && !e; k++) {
        if (k > 0)
            e = sg_mpi_find_cut(fd, size, sg_mpi_nominal(size, k, n), before, &cuts[k], &line0[k]);
        if (!e)
            e = sg_mpi_count(fd, sg_mpi_nominal(size, k, n), sg_mpi_nominal(size, k + 1, n), &st);
        before.odd ^= st.odd;
        before.lines += st.lines;
    }
    return e;
}

void sg_mpi_part_range(const uint64_t *cuts, int k, int n, uint64_t size, uint64_t *from, uint64_t *to)
{
    *from = cuts[k];
    *to = k + 1 < n ? cuts[k + 1] : SG_MPI_NO_END;
    if (*to >= size)
        *to = SG_MPI_NO_END;
}

/* ---- a part as bytes ---- */

void sg_mpi_buf_free(sg_mpi_buf *b)
{
    sg_free(b->b);
    memset(b, 0, sizeof *b);
}

void sg_mpi_put_u64(sg_mpi_buf *b, uint64_t v)
{
    (void)sg_mpi_buf_put(b, &v, sizeof v);
}

void sg_mpi_put_str(sg_mpi_buf *b, const char *s)
{
    (void)sg_mpi_buf_put(b, s ? s : "", strlen(s ? s : "") + 1);
}

uint64_t sg_mpi_rd_u64(sg_mpi_rd *r)
{
    uint64_t v = 0;
    if (r->bad || (size_t)(r->end - r->p) < sizeof v) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p, sizeof v);
    r->p += sizeof v;
    return v;
}

const char *sg_mpi_rd_str(sg_mpi_rd *r)
{
    const unsigned char *z = r->bad ? NULL : memchr(r->p, 0, (size_t)(r->end - r->p));
    if (!z) {
        r->bad = 1;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p = z + 1;
    return s;
}

int sg_mpi_buf_put(sg_mpi_buf *b, const void *p, size_t n)
{
    if (sg_mpi_buf_reserve(b, n))
        return SG_ENOMEM;
    if (n)
        memcpy(b->b + b->len, p, n);
    b->len += n;
    return 0;
}

int sg_mpi_buf_reserve(sg_mpi_buf *b, size_t n)
{
    if (b->oom)
        return SG_ENOMEM;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return SG_ENOMEM;
            }
            cap *= 2;
        }
        unsigned char *nb = sg_realloc(b->b, cap);
        if (!nb) {
            b->oom = 1;
            return SG_ENOMEM;
        }
        b->b = nb;
        b->cap = cap;
    }
    return 0;
}

/* Puts whose failure the writer checks once, at the end (w->oom). */
static void put(sg_mpi_buf *w, const void *src, size_t len)
{
    (void)sg_mpi_buf_put(w, src, len);
}

static void put_u64(sg_mpi_buf *w, uint64_t v)
{
    put(w, &v, sizeof v);
}

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rbuf;

static const void *take(rbuf *b, size_t len)
{
    if (b->bad || len > b->n - b->at) {
        b->bad = 1;
        return NULL;
    }
    const void *q = b->p + b->at;
    b->at += len;
    return q;
}

static uint64_t take_u64(rbuf *b)
{
    uint64_t v = 0;
    const void *q = take(b, sizeof v);
    if (q)
        memcpy(&v, q, sizeof v);
    return v;
}

/* The fields of the reader a merge reads, in this order. */
#define PART_FIELDS(X) X(nrows) X(nf) X(records) X(dropped) X(skipped) X(line) X(rec_line) \
    X(last_cr) X(first_blank) X(bad_quotes) X(lines_merged) X(bq_line) X(bq_field) X(quote_bad) \
    X(fellback) X(any_pend)

/* Whether every value of a typed datetime column's rows is at midnight
 * (the date-only flag sg_csv_build gives it over its staged rows). */
static int typed_date_only(const sg_csv_reader *r, const sg_csv_col *c)
{
    const uint64_t *v = c->data;
    for (size_t i = 0; i < r->nrows; i++)
        if (!(c->na && ((c->na[i >> 3] >> (i & 7)) & 1)) && (int64_t)v[i] % 86400 != 0)
            return 0;
    return 1;
}

/* Whether column j of r is a string column whose strings rank 0 does not
 * need (its override's ranks_only). */
static int ranks_only(const sg_csv_reader *r, size_t j)
{
    const sg_csv_override *ov = r->ov && j < r->ncols ? r->ov[j] : NULL;
    return ov && ov->type == SG_STRING && ov->ranks_only;
}

/* Column j of r; dicts: without its rows (no codes, no values), a typed
 * datetime column's date-only flag after its empty values instead, a
 * dictionary column's suspect tally (sg_csv_tally_column) after its empty
 * codes. */
static void put_column(sg_mpi_buf *w, const sg_csv_reader *r, size_t j, int dicts)
{
    const sg_csv_col *c = &r->cols[j];
    size_t ncodes = dicts ? 0 : r->nrows + (j < r->nf);
    uint64_t head[3] = { (uint64_t)c->mode, (uint64_t)c->fmt, (uint64_t)c->pend_double };
    put(w, head, sizeof head);
    if (c->mode == SG_CSV_OFF)
        return;
    if (c->mode != SG_CSV_DICT) {
        put_u64(w, ncodes);
        put(w, c->data, ncodes * 8);
        put_u64(w, c->na && !dicts ? 1 : 0);
        if (c->na && !dicts)
            put(w, c->na, (ncodes + 7) / 8);
        if (dicts)
            put_u64(w, c->mode == SG_CSV_DT && typed_date_only(r, c));
        return;
    }
    /* (a column whose strings stay on the ranks: an empty dictionary) */
    int mine = dicts && ranks_only(r, j);
    size_t nd = c->dict && !mine ? sg_dict_size(c->dict) : 0;
    put_u64(w, c->dict ? nd + 1 : 0);
    for (size_t i = 0; i < nd; i++) {
        size_t len;
        const char *s = sg_dict_str(c->dict, (int32_t)i, &len);
        put_u64(w, len);
        put(w, s, len);
    }
    put_u64(w, ncodes);
    put(w, c->data, ncodes * sizeof(int32_t));
    if (dicts) {
        /* no tally for a column with an override (never a suspect) or an
         * expected kind (read as text, it needs the rows anyway) */
        sg_csv_tally t;
        memset(&t, 0, sizeof t);
        int checked = (r->ov && r->ov[j]) || (r->expect && r->expect[j]);
        if (!checked && sg_csv_tally_column(r, j, &t) != 0)
            w->oom = 1;
        put(w, &t, sizeof t);
    }
}

static int encode(const sg_csv_part *p, int dicts, unsigned char **out, size_t *len)
{
    const sg_csv_reader *r = &p->r;
    sg_mpi_buf w = { 0 };
    uint64_t head[6] = { dicts ? DICTS_MAGIC : PART_MAGIC, (uint64_t)r->failed, (uint64_t)r->structural, (uint64_t)r->stop,
                         (uint64_t)(int64_t)r->own_err.code, (uint64_t)p->at_boundary };
    put(&w, head, sizeof head);
    size_t ml = r->failed ? strlen(r->own_err.msg) : 0;
    put_u64(&w, ml);
    put(&w, r->own_err.msg, ml);
#define PUT_FIELD(f) put_u64(&w, (uint64_t)r->f);
    PART_FIELDS(PUT_FIELD)
#undef PUT_FIELD
    put_u64(&w, r->nissues);
    put(&w, r->issues, r->nissues * sizeof r->issues[0]);
    put_u64(&w, r->nadj);
    put(&w, r->adj, r->nadj * sizeof r->adj[0]);
    int staged = r->cols && !r->in_header;
    put_u64(&w, staged ? r->ncols : 0);
    for (size_t j = 0; staged && j < r->ncols; j++)
        put_column(&w, r, j, dicts);
    if (w.oom) {
        sg_mpi_buf_free(&w);
        return SG_ENOMEM;
    }
    *out = w.b;
    *len = w.len;
    return 0;
}

int sg_mpi_part_encode(const sg_csv_part *p, unsigned char **out, size_t *len)
{
    return encode(p, 0, out, len);
}

int sg_mpi_part_encode_dicts(const sg_csv_part *p, unsigned char **out, size_t *len)
{
    return encode(p, 1, out, len);
}

int sg_mpi_part_peek(const unsigned char *b, size_t len, sg_mpi_part_info *info)
{
    rbuf rb = { b, len, 0, 0 };
    const uint64_t *head = take(&rb, 6 * sizeof(uint64_t));
    memset(info, 0, sizeof *info);
    if (!head) 
        return SG_EINVAL;
    uint64_t h[6];
    memcpy(h, head, sizeof h);
    if (h[0] != PART_MAGIC && h[0] != DICTS_MAGIC)
        return SG_EINVAL;
    info->failed = (int)h[1];
    info->code = (int)(int64_t)h[4];
    info->at_boundary = (int)h[5];
    uint64_t ml = take_u64(&rb);
    const char *m = take(&rb, ml < sizeof info->msg ? ml : sizeof info->msg);
    if (!m || ml >= sizeof info->msg)
        return SG_EINVAL;
    memcpy(info->msg, m, ml);
    info->msg[ml] = 0;
    return 0;
}

static int take_typed(rbuf *rb, sg_csv_col *c, size_t cap)
{
    uint64_t ncodes = take_u64(rb);
    if (ncodes > cap)
        rb->bad = 1;
    const void *vals = take(rb, ncodes * 8);
    if (!vals)
        return SG_EINVAL;
    if (!(c->data = sg_malloc((cap ? cap : 1) * 8)))
        return SG_ENOMEM;
    memcpy(c->data, vals, ncodes * 8);
    if (take_u64(rb)) {
        const void *na = take(rb, (ncodes + 7) / 8);
        if (!na)
            return SG_EINVAL;
        if (!(c->na = sg_calloc((cap + 7) / 8 + 1, 1)))
            return SG_ENOMEM;
        memcpy(c->na, na, (ncodes + 7) / 8);
    }
    return 0;
}

/* A dictionary column's tally (dicts mode): its first values' codes
 * within the nd strings of the dictionary. */
static int take_tally(rbuf *rb, sg_csv_tally *t, uint64_t nd)
{
    const void *q = take(rb, sizeof *t);
    if (!q)
        return SG_EINVAL;
    memcpy(t, q, sizeof *t);
    for (size_t k = 0; k < SG_CSV_TALLY_KINDS; k++) {
        if (t->nfirst[k] > SG_CSV_TALLY_FIRST || t->bad[k] > t->rows)
            return SG_EINVAL;
        for (size_t i = 0; i < t->nfirst[k]; i++)
            if (t->code[k][i] < 0 || (uint64_t)t->code[k][i] + 1 >= nd)
                return SG_EINVAL;
    }
    return 0;
}

/* Column j of a part (tally: NULL for a whole part, else where a
 * dictionary column's tally goes). */
static int take_column(rbuf *rb, sg_csv_col *c, size_t cap, uint8_t *date_only, sg_csv_tally *tally)
{
    c->mode = (int)take_u64(rb);
    c->fmt = (sg_date_format)take_u64(rb);
    c->pend_double = (int)take_u64(rb);
    if (rb->bad || c->mode < SG_CSV_DICT || c->mode > SG_CSV_OFF)
        return SG_EINVAL;
    if (c->mode == SG_CSV_OFF)
        return 0;
    if (c->mode != SG_CSV_DICT) {
        int e = take_typed(rb, c, cap);
        if (!e && date_only)
            *date_only = (uint8_t)(take_u64(rb) != 0);
        return e;
    }
    uint64_t nd = take_u64(rb);
    if (nd && !(c->dict = sg_dict_new(nd - 1)))
        return SG_ENOMEM;
    for (uint64_t i = 0; i + 1 < nd && !rb->bad; i++) {
        uint64_t len = take_u64(rb);
        const char *s = take(rb, len);
        if (s && sg_dict_intern(c->dict, s, len) != (int32_t)i)
            return SG_ENOMEM;     /* a string is distinct, so new: only memory can fail */
    }
    uint64_t ncodes = take_u64(rb);
    if (ncodes > cap)
        rb->bad = 1;
    const void *codes = take(rb, ncodes * sizeof(int32_t));
    if (!codes)
        return SG_EINVAL;
    if (!(c->data = sg_malloc((cap ? cap : 1) * sizeof(int32_t))))
        return SG_ENOMEM;
    memcpy(c->data, codes, ncodes * sizeof(int32_t));
    return tally ? take_tally(rb, tally, nd) : 0;
}

/* Not split: one decoder of the layout sg_mpi_part_encode writes, field
 * by field in the same order; the columns are take_column. */
static int decode(sg_csv_reader *r, sg_csv_reader *b, const unsigned char *bytes, size_t len, uint8_t *date_only,
                  sg_csv_tally *tallies)
{
    rbuf rb = { bytes, len, 0, 0 };
    uint64_t h[6];
    const void *head = take(&rb, sizeof h);
    if (!head)
        return SG_EINVAL;
    memcpy(h, head, sizeof h);
    if (h[0] != (date_only ? DICTS_MAGIC : PART_MAGIC))
        return SG_EINVAL;
    b->err = &b->own_err;
    sg_error_clear(b->err);
    b->failed = (int)h[1];
    b->structural = (int)h[2];
    b->stop = (int)h[3];
    b->own_err.code = (int)(int64_t)h[4];
    uint64_t ml = take_u64(&rb);
    const char *m = take(&rb, ml);
    if (!m || ml >= sizeof b->own_err.msg)
        return SG_EINVAL;
    memcpy(b->own_err.msg, m, ml);
    b->own_err.msg[ml] = 0;
#define TAKE_FIELD(f) b->f = (__typeof__(b->f))take_u64(&rb);
    PART_FIELDS(TAKE_FIELD)
#undef TAKE_FIELD
    uint64_t ni = take_u64(&rb);
    const void *iss = take(&rb, (ni <= 5 ? ni : 0) * sizeof b->issues[0]);
    if (!iss || ni > 5)
        return SG_EINVAL;
    b->nissues = (size_t)ni;
    memcpy(b->issues, iss, ni * sizeof b->issues[0]);
    uint64_t na = take_u64(&rb);
    const void *adj = take(&rb, na * sizeof *b->adj);
    if (!adj)
        return SG_EINVAL;
    if (na) {
        if (!(b->adj = sg_malloc(na * sizeof *b->adj)))
            return SG_ENOMEM;
        memcpy(b->adj, adj, na * sizeof *b->adj);
        b->nadj = b->adj_cap = (size_t)na;
    }
    uint64_t ncols = take_u64(&rb);
    b->shared = 1;
    b->names = r->names;
    b->nnames = r->nnames;
    b->ov = r->ov;
    b->ncols = r->ncols;
    if (ncols == 0)
        return rb.bad ? SG_EINVAL : 0;
    if (ncols != r->ncols)
        return SG_EINVAL;
    b->cap = date_only ? 1 : b->nrows + 1;     /* dictionaries alone: no rows */
    if (!(b->cols = sg_calloc(ncols, sizeof *b->cols)))
        return SG_ENOMEM;
    for (size_t j = 0; j < ncols; j++) {
        int e = take_column(&rb, &b->cols[j], b->cap, date_only ? &date_only[j] : NULL,
                            date_only ? &tallies[j] : NULL);
        if (e)
            return e;
    }
    return rb.bad || rb.at != rb.n ? SG_EINVAL : 0;
}

int sg_mpi_part_merge(sg_csv_reader *r, const unsigned char *bytes, size_t len)
{
    sg_csv_reader b;
    memset(&b, 0, sizeof b);
    int e = decode(r, &b, bytes, len, NULL, NULL);
    if (e) {
        sg_csv_reader_free(&b);
        r->failed = 1;
        return e == SG_ENOMEM ? sg_error_nomem(r->err)
                              : sg_error_set(r->err, SG_EINVAL, "read_csv: a part of the distributed read is damaged");
    }
    if (!b.cols || !r->cols) {
        /* a part without staging: only its failure counts */
        if (b.failed) {
            r->failed = 1;
            r->structural = b.structural;
            *r->err = b.own_err;
        }
        sg_csv_reader_free(&b);
        return 0;
    }
    e = sg_csv_merge(r, &b);
    sg_csv_reader_free(&b);
    return e;
}

/* ---- the schema and report from the parts' dictionaries ---- */

void sg_mpi_meta_free(sg_mpi_meta *mt)
{
    sg_csv_reader_free(&mt->m);
    sg_free(mt->tallies);
    sg_free(mt->date_only);
    sg_free(mt->fmts);
    memset(mt, 0, sizeof *mt);
}

int sg_mpi_meta_init(sg_mpi_meta *mt, const sg_csv_part *p0)
{
    const sg_csv_reader *r = &p0->r;
    memset(mt, 0, sizeof *mt);
    sg_csv_reader *m = &mt->m;
    m->err = &m->own_err;
    sg_error_clear(m->err);
    if (r->failed || r->stop || r->in_header || !r->cols || !r->ncols || r->opt->skip_bad_rows)
        return 0;                       /* the merge's own path says what happens */
    m->shared = 1;                      /* the header stays p0's */
    m->path = r->path;
    m->opt = r->opt;
    m->names = r->names;
    m->raw = r->raw;
    m->nnames = r->nnames;
    m->ov = r->ov;
    m->expect = r->expect;
    m->ncols = r->ncols;
    m->cols = sg_calloc(r->ncols, sizeof *m->cols);
    mt->date_only = sg_malloc(r->ncols);
    mt->fmts = sg_calloc(r->ncols, sizeof *mt->fmts);
    mt->tallies = sg_calloc(r->ncols, sizeof *mt->tallies);
    if (!m->cols || !mt->date_only || !mt->fmts || !mt->tallies) {
        sg_mpi_meta_free(mt);
        return SG_ENOMEM;
    }
    memset(mt->date_only, 1, r->ncols);
    m->plan_fmts = mt->fmts;
    m->tallies = mt->tallies;
    mt->fast = 1;
    return 0;
}

/* Adds part b's tally t of column j (codes of b's dictionary d, already
 * merged into the merged column's) to the merged tally: counts summed, the
 * first values after those of the parts before that are not among them. */
static void tally_add(sg_mpi_meta *mt, size_t j, const sg_csv_tally *t, const sg_dict *d)
{
    sg_csv_tally *a = &mt->tallies[j];
    const sg_dict *md = mt->m.cols[j].dict;
    a->rows += t->rows;
    for (size_t k = 0; k < SG_CSV_TALLY_KINDS; k++) {
        a->bad[k] += t->bad[k];
        for (size_t i = 0; i < t->nfirst[k] && a->nfirst[k] < SG_CSV_TALLY_FIRST; i++) {
            size_t len;
            const char *s = sg_dict_str(d, t->code[k][i], &len);
            int32_t c = sg_dict_find(md, s, len);
            size_t q = 0;
            while (q < a->nfirst[k] && a->code[k][q] != c)
                q++;
            if (q < a->nfirst[k])
                continue;       /* an earlier part had it first */
            a->code[k][q] = c;
            a->line[k][q] = t->line[k][i];
            a->nfirst[k]++;
        }
    }
}

/* Column j of part b (its dictionary, its mode) into the merged column:
 * what sg_csv_merge's merge_col does to the modes and dictionaries, the
 * codes left out.  0 when the modes cannot merge (the merge would fall
 * back) or no memory. */
static int meta_column(sg_mpi_meta *mt, sg_csv_col *cb, size_t j, uint8_t date_only, uint64_t rows)
{
    sg_csv_col *ca = &mt->m.cols[j];
    if (cb->mode == SG_CSV_OFF || cb->pend_double)
        return 0;
    if (mt->nparts == 0) {
        ca->mode = cb->mode;
        ca->fmt = cb->fmt;
    } else if ((ca->mode == SG_CSV_DICT) != (cb->mode == SG_CSV_DICT) ||
               (ca->mode == SG_CSV_DT) != (cb->mode == SG_CSV_DT) || ca->fmt != cb->fmt) {
        return 0;
    } else if (ca->mode == SG_CSV_I64 && cb->mode == SG_CSV_F64) {
        ca->mode = SG_CSV_F64;          /* merge_col widens the column to doubles */
    }
    if (cb->mode == SG_CSV_DT && rows && !date_only)
        mt->date_only[j] = 0;
    if (cb->mode != SG_CSV_DICT || !cb->dict)
        return 1;
    if (!ca->dict && !(ca->dict = sg_dict_new(sg_dict_size(cb->dict))))
        return 0;
    /* b's values in b's code order after those before: sg_dict_absorb's order */
    size_t nd = sg_dict_size(cb->dict);
    for (size_t i = 0; i < nd; i++) {
        size_t len;
        const char *str = sg_dict_str(cb->dict, (int32_t)i, &len);
        if (sg_dict_intern(ca->dict, str, len) < 0)
            return 0;
    }
    return 1;
}

void sg_mpi_meta_add(sg_mpi_meta *mt, const unsigned char *bytes, size_t len)
{
    sg_mpi_part_info info;
    if (!mt->fast)
        return;
    sg_csv_reader b;
    memset(&b, 0, sizeof b);
    uint8_t *date_only = sg_calloc(mt->m.ncols, 1);
    sg_csv_tally *tallies = sg_calloc(mt->m.ncols, sizeof *tallies);
    if (!date_only || !tallies || sg_mpi_part_peek(bytes, len, &info) != 0 ||
        decode(&mt->m, &b, bytes, len, date_only, tallies) != 0) {
        mt->fast = 0;
        goto out;
    }
    /* only a part the merge would take as it is: no failure, its cut a
     * record start, no row dropped or skipped, no column that fell back
     * or waits for doubles, no record or quoted field left open */
    if (b.failed || b.stop || !info.at_boundary || b.dropped || b.skipped || b.fellback || b.any_pend || b.nf ||
        b.quote_bad || b.nissues) {
        mt->fast = 0;
        goto out;
    }
    if (!b.cols) {                      /* a part after the end of the file */
        if (b.nrows || b.records)
            mt->fast = 0;
        goto out;
    }
    for (size_t j = 0; j < mt->m.ncols && mt->fast; j++) {
        if (!meta_column(mt, &b.cols[j], j, date_only[j], b.nrows))
            mt->fast = 0;
        else if (b.cols[j].mode == SG_CSV_DICT && b.cols[j].dict)
            tally_add(mt, j, &tallies[j], b.cols[j].dict);
    }
    mt->nparts++;
    mt->rows += b.nrows;
    sg_csv_reader *m = &mt->m;
    m->records += b.records;
    if (b.bad_quotes && !m->bad_quotes) {
        m->bq_line = b.bq_line;
        m->bq_field = b.bq_field;
    }
    m->bad_quotes += b.bad_quotes;
    m->lines_merged += b.lines_merged;
out:
    sg_csv_reader_free(&b);
    sg_free(date_only);
    sg_free(tallies);
}

sg_table *sg_mpi_meta_finish(sg_mpi_meta *mt, const char *path, char delim, uint64_t size, sg_csv_report *report)
{
    sg_csv_reader *m = &mt->m;
    if (!mt->fast || mt->nparts == 0)
        return NULL;
    m->nrows = 0;
    m->dict_only = 1;
    m->dict_rows = (size_t)mt->rows;
    sg_table *t = sg_csv_finish(m, path, delim, size, report, m->err);
    if (!t || m->needs_rows || m->failed) {
        sg_table_free(t);
        if (report) {
            sg_csv_report_free(report);
            memset(report, 0, sizeof *report);
        }
        mt->fast = 0;
        return NULL;
    }
    for (size_t j = 0; j < t->ncols; j++)
        if (m->cols[j].mode == SG_CSV_DT)
            t->cols[j]->date_only = mt->date_only[j];
    return t;
}

/* ---- the first part's process: the merge in file order ---- */

/* "rank 2 of 3 could not read its part of 'x.csv' (bytes 10-20): why" */
/* The name of a part of one file: its rank and byte range. */
typedef struct range_name {
    const uint64_t *cuts;
    uint64_t size;
    const char *path;
} range_name;

static void name_range(void *ud, sg_error *err, int k, int n, int code, const char *why)
{
    const range_name *rn = ud;
    uint64_t from, to;
    sg_mpi_part_range(rn->cuts, k, n, rn->size, &from, &to);
    if (to == SG_MPI_NO_END)
        to = rn->size;
    sg_error_set(err, code == SG_EDATA ? SG_EIO : code,
                 "rank %d of %d could not read its part of '%s' (bytes %llu-%llu): %s", k, n, rn->path,
                 (unsigned long long)from, (unsigned long long)to, why);
}

int sg_mpi_merge_parts(sg_csv_part *p0, int n, sg_mpi_get_fn get, void *ud, int check_cuts, sg_mpi_name_fn name,
                       void *name_ud, sg_error *err, int *fellback)
{
    sg_csv_reader *r = &p0->r;
    int merging = 1, failed_rank = -1, boundary = !check_cuts || p0->at_boundary;
    *fellback = 0;
    if (r->failed && r->own_err.code != SG_EDATA) {
        failed_rank = 0;
        name(name_ud, err, 0, n, r->own_err.code, r->own_err.msg);
    }
    for (int k = 1; k < n; k++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        sg_error got;
        sg_error_clear(&got);
        sg_mpi_part_info info;
        if (get(ud, k, &bytes, &len, &got) != 0 || sg_mpi_part_peek(bytes, len, &info) != 0) {
            if (failed_rank < 0) {
                failed_rank = k;
                name(name_ud, err, k, n, got.code ? got.code : SG_EIO, got.code ? got.msg : "its part arrived damaged");
            }
            sg_free(bytes);
            continue;
        }
        if (info.failed && info.code != SG_EDATA && failed_rank < 0) {
            failed_rank = k;
            name(name_ud, err, k, n, info.code, info.msg);
        }
        if (merging && failed_rank < 0) {
            if (r->failed || r->stop) {
                merging = 0;            /* the first error in file order wins */
            } else if (!boundary) {
                merging = 0;            /* a cut was not a record start: read the file whole */
                *fellback = 1;
            } else if (sg_mpi_part_merge(r, bytes, len) != 0) {
                merging = 0;
            } else {
                boundary = !check_cuts || info.at_boundary;
            }
        }
        sg_free(bytes);
    }
    if (failed_rank >= 0)
        return -1;
    if (r->fellback)
        *fellback = 1;          /* a typed column met a value it cannot hold: read whole */
    return 0;
}

sg_table *sg_mpi_assemble(sg_csv_part *p0, int n, const uint64_t *cuts, sg_mpi_get_fn get, void *ud,
                          const char *path, sg_csv_report *report, sg_error *err, int *fellback)
{
    if (report)
        memset(report, 0, sizeof *report);
    range_name rn = { cuts, p0->size, path };
    if (sg_mpi_merge_parts(p0, n, get, ud, 1, name_range, &rn, err, fellback) != 0 || *fellback)
        return NULL;
    sg_csv_reader *r = &p0->r;
    sg_table *t = sg_csv_finish(r, path, p0->delim, p0->size, report, r->err);
    if (!t)
        *err = r->own_err;
    return t;
}

void sg_mpi_modes_free(sg_mpi_modes *m)
{
    sg_free(m->modes);
    sg_free(m->fmts);
    memset(m, 0, sizeof *m);
}

int sg_mpi_modes_take(sg_mpi_modes *m, const sg_csv_reader *r)
{
    memset(m, 0, sizeof *m);
    if (r->failed || r->stop || r->in_header || !r->ncols || !r->cols)
        return 0;
    m->modes = sg_malloc(r->ncols * sizeof *m->modes);
    m->fmts = sg_malloc(r->ncols * sizeof *m->fmts);
    if (!m->modes || !m->fmts) {
        sg_mpi_modes_free(m);
        return SG_ENOMEM;      /* the other parts then use dictionary mode */
    }
    for (size_t j = 0; j < r->ncols; j++) {
        m->modes[j] = r->cols[j].mode;
        m->fmts[j] = r->cols[j].fmt;
    }
    m->ncols = r->ncols;
    return 0;
}

static void local_decided(void *ud, const sg_csv_reader *r)
{
    sg_mpi_modes_take(ud, r);
}

typedef struct local_parts {
    unsigned char **bytes;
    size_t *len;
} local_parts;

static int local_get(void *ud, int k, unsigned char **bytes, size_t *len, sg_error *err)
{
    local_parts *lp = ud;
    (void)err;
    *bytes = lp->bytes[k];
    *len = lp->len[k];
    lp->bytes[k] = NULL;
    return *bytes ? 0 : -1;
}

/* Reads part k of the plan (empty parts after the end of the file are
 * not parsed: their staging is empty). */
int sg_mpi_read_part(const char *path, const sg_csv_options *opt, int k, int n, uint64_t size,
                     uint64_t hdr_end, const uint64_t *cuts, const uint64_t *line0,
                     const sg_csv_part_modes *spec, sg_csv_part *part)
{
    uint64_t from, to;
    sg_mpi_part_range(cuts, k, n, size, &from, &to);
    if (k > 0 && from >= size) {
        memset(part, 0, sizeof *part);
        part->at_boundary = 1;
        part->size = size;
        part->r.err = &part->r.own_err;
        sg_error_clear(part->r.err);
        return 0;
    }
    uint64_t next = to == SG_MPI_NO_END ? 0 : line0[k + 1];
    return sg_csv_part_read(path, opt, hdr_end, from, to, line0[k], next, spec, part);
}

sg_table *sg_mpi_read_local(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                            sg_error *err, int *fellback)
{
    struct stat st;
    *fellback = 0;
    int fd = path ? open(path, O_RDONLY) : -1;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || opt->max_rows || n < 1 || n > 64) {
        if (fd >= 0)
            close(fd);
        return sg_csv_read(path, opt, report, err);
    }
    uint64_t size = (uint64_t)st.st_size, hdr_end, cuts[64], line0[64];
    int e = sg_mpi_plan(fd, size, n, &hdr_end, cuts, line0);
    close(fd);
    if (e) {
        sg_error_set(err, SG_EIO, "cannot read '%s': %s", path, strerror(e));
        return NULL;
    }
    unsigned char *bytes[64] = { NULL };
    size_t len[64] = { 0 };
    sg_csv_part p0;
    sg_table *t = NULL;
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part_modes first = { NULL, NULL, 0, local_decided, &m };
    sg_mpi_read_part(path, opt, 0, n, size, hdr_end, cuts, line0, &first, &p0);
    sg_csv_part_modes rest = { m.modes, m.fmts, m.ncols, NULL, NULL };
    for (int k = 1; k < n; k++) {
        sg_csv_part pk;
        sg_mpi_read_part(path, opt, k, n, size, hdr_end, cuts, line0, &rest, &pk);
        if (sg_mpi_part_encode(&pk, &bytes[k], &len[k]) != 0)
            bytes[k] = NULL;
        sg_csv_part_free(&pk);
    }
    local_parts lp = { bytes, len };
    t = sg_mpi_assemble(&p0, n, cuts, local_get, &lp, path, report, err, fellback);
    sg_csv_part_free(&p0);
    sg_mpi_modes_free(&m);
    for (int k = 0; k < n; k++)
        sg_free(bytes[k]);
    if (*fellback)
        return sg_csv_read(path, opt, report, err);
    return t;
}
