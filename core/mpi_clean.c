/* Per-customer cleaning on the owning rank, without MPI calls: the parts'
 * schema, a part's staging built into a typed table, a hash of rows to
 * check it against rank 0's table, and the cleaning an owner runs over its
 * customers' rows (see mpi_clean.h, docs/mpi.md). */
#include "mpi_clean.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean.h"
#include "expr.h"
#include "mem.h"
#include "mpi_shuffle.h"
#include "opsutil.h"
#include "stats.h"
#include "stats.h"

/* ---- schema ---- */

void sg_mpi_schema_free(sg_mpi_schema *s)
{
    for (size_t j = 0; s->names && j < s->ncols; j++)
        sg_free(s->names[j]);
    sg_free(s->names);
    sg_free(s->types);
    sg_free(s->fmts);
    sg_free(s->date_only);
    memset(s, 0, sizeof *s);
}

static int schema_alloc(sg_mpi_schema *s, size_t n)
{
    memset(s, 0, sizeof *s);
    s->names = sg_calloc(n ? n : 1, sizeof *s->names);
    s->types = sg_calloc(n ? n : 1, sizeof *s->types);
    s->fmts = sg_calloc(n ? n : 1, sizeof *s->fmts);
    s->date_only = sg_calloc(n ? n : 1, sizeof *s->date_only);
    if (!s->names || !s->types || !s->fmts || !s->date_only) {
        sg_mpi_schema_free(s);
        return SG_ENOMEM;
    }
    s->ncols = n;
    return 0;
}

int sg_mpi_schema_of(const sg_table *t, const sg_date_format *fmts, sg_mpi_schema *s)
{
    if (schema_alloc(s, t->ncols))
        return SG_ENOMEM;
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        s->types[j] = (int)c->type;
        s->fmts[j] = fmts ? (int)fmts[j] : 0;
        s->date_only[j] = c->date_only != 0;
        if (!(s->names[j] = sg_strdup(c->name))) {
            sg_mpi_schema_free(s);
            return SG_ENOMEM;
        }
    }
    return 0;
}

int sg_mpi_schema_encode(const sg_mpi_schema *s, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, s->ncols);
    for (size_t j = 0; j < s->ncols; j++) {
        sg_mpi_put_str(b, s->names[j]);
        sg_mpi_put_u64(b, (uint64_t)s->types[j]);
        sg_mpi_put_u64(b, (uint64_t)s->fmts[j]);
        sg_mpi_put_u64(b, (uint64_t)s->date_only[j]);
    }
    return b->oom ? SG_ENOMEM : 0;
}

int sg_mpi_schema_decode(const unsigned char *b, size_t len, sg_mpi_schema *s)
{
    sg_mpi_rd r = { b, b + len, 0 };
    uint64_t n = sg_mpi_rd_u64(&r);
    if (r.bad || n > len || schema_alloc(s, (size_t)n))
        return -1;
    for (size_t j = 0; j < s->ncols; j++) {
        const char *name = sg_mpi_rd_str(&r);
        s->types[j] = (int)sg_mpi_rd_u64(&r);
        s->fmts[j] = (int)sg_mpi_rd_u64(&r);
        s->date_only[j] = (int)sg_mpi_rd_u64(&r);
        if (r.bad || !(s->names[j] = sg_strdup(name))) {
            sg_mpi_schema_free(s);
            return -1;
        }
    }
    return 0;
}

int sg_mpi_schema_matches(const sg_mpi_schema *s, const sg_table *t)
{
    if (s->ncols != t->ncols)
        return 0;
    for (size_t j = 0; j < s->ncols; j++) {
        const sg_column *c = t->cols[j];
        if (strcmp(c->name, s->names[j]) != 0 || (int)c->type != s->types[j] ||
            (c->date_only != 0) != (s->date_only[j] != 0))
            return 0;
    }
    return 1;
}

/* ---- a part's typed table ---- */

/* An int64 column as doubles (a part whose values were all whole numbers
 * in a column that holds doubles elsewhere). */
static sg_column *as_double(const sg_column *c)
{
    sg_column *d = sg_column_new(c->name, SG_DOUBLE, c->n);
    for (size_t i = 0; d && i < c->n; i++) {
        int rc = sg_column_is_na(c, i) ? sg_column_push_na(d) : sg_column_push_f64(d, (double)sg_column_i64(c)[i]);
        if (rc) {
            sg_column_release(d);
            return NULL;
        }
    }
    return d;
}

sg_table *sg_mpi_part_table(sg_csv_part *p, const sg_mpi_schema *s, sg_error *err)
{
    sg_csv_reader *r = &p->r;
    if (r->failed || r->in_header || r->ncols != s->ncols || r->dropped || r->skipped) {
        sg_error_set(err, SG_EINVAL, "the part does not have the table's columns");
        return NULL;
    }
    sg_csv_override *ov = sg_calloc(r->ncols ? r->ncols : 1, sizeof *ov);
    const sg_csv_override **ovp = sg_calloc(r->ncols ? r->ncols : 1, sizeof *ovp);
    if (!ov || !ovp) {
        sg_free(ov);
        sg_free(ovp);
        sg_error_set(err, SG_ENOMEM, "out of memory");
        return NULL;
    }
    /* every dictionary column converted as rank 0's plan converted it:
     * the type and date layout given as an override */
    for (size_t j = 0; j < r->ncols; j++) {
        ov[j].column = s->names[j];
        ov[j].type = (sg_type)s->types[j];
        ov[j].format = (sg_date_format)s->fmts[j];
        ovp[j] = &ov[j];
    }
    const sg_csv_override **saved = r->ov;
    sg_date_format *saved_fmts = r->plan_fmts;
    r->ov = ovp;
    r->plan_fmts = NULL;
    sg_table *t = sg_csv_build(r, NULL);
    r->ov = saved;
    r->plan_fmts = saved_fmts;
    sg_free(ov);
    sg_free(ovp);
    if (!t) {
        *err = r->own_err;
        if (!err->code)
            sg_error_set(err, SG_EINVAL, "the part could not be typed as the table");
        return NULL;
    }
    for (size_t j = 0; j < t->ncols; j++) {
        sg_column *c = t->cols[j];
        if (strcmp(c->name, s->names[j]) != 0)
            goto bad;
        if ((int)c->type != s->types[j]) {
            if (c->type != SG_INT64 || s->types[j] != SG_DOUBLE)
                goto bad;
            sg_column *d = as_double(c);
            if (!d) {
                sg_table_free(t);
                sg_error_set(err, SG_ENOMEM, "out of memory");
                return NULL;
            }
            sg_column_release(c);
            t->cols[j] = d;
            c = d;
        }
        if (c->type == SG_DATETIME)
            c->date_only = s->date_only[j] != 0;
    }
    return t;
bad:
    sg_table_free(t);
    sg_error_set(err, SG_EINVAL, "the part's columns are not typed as the table's");
    return NULL;
}

typedef struct local_bytes {
    unsigned char **b;
    size_t *len;
} local_bytes;

static int local_get(void *ud, int k, unsigned char **bytes, size_t *len, sg_error *err)
{
    local_bytes *lb = ud;
    (void)err;
    *bytes = lb->b[k];
    *len = lb->len[k];
    lb->b[k] = NULL;
    return *bytes ? 0 : -1;
}

static void local_decided(void *ud, const sg_csv_reader *r)
{
    sg_mpi_modes_take(ud, r);
}

/* Not split: the steps of core/mpi_comm.c's read_collective and
 * keep_parts in one process, in their order. */
sg_table *sg_mpi_read_local_parts(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                                  sg_error *err, sg_table **parts, uint64_t *rows)
{
    struct stat st;
    for (int k = 0; k < n; k++) {
        parts[k] = NULL;
        rows[k] = 0;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0 || n < 1 || n > 64) {
        if (fd >= 0)
            close(fd);
        sg_error_set(err, SG_EIO, "cannot read '%s'", path);
        return NULL;
    }
    uint64_t size = (uint64_t)st.st_size, hdr_end, cuts[64], line0[64];
    int e = sg_mpi_plan(fd, size, n, &hdr_end, cuts, line0);
    close(fd);
    if (e) {
        sg_error_set(err, SG_EIO, "cannot read '%s'", path);
        return NULL;
    }
    unsigned char *bytes[64] = { NULL };
    size_t len[64] = { 0 };
    sg_csv_part pk[64];
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part_modes first = { NULL, NULL, 0, local_decided, &m };
    sg_mpi_read_part(path, opt, 0, n, size, hdr_end, cuts, line0, &first, &pk[0]);
    sg_csv_part_modes rest = { m.modes, m.fmts, m.ncols, NULL, NULL };
    rows[0] = pk[0].r.failed ? 0 : pk[0].r.nrows;
    for (int k = 1; k < n; k++) {
        sg_mpi_read_part(path, opt, k, n, size, hdr_end, cuts, line0, &rest, &pk[k]);
        rows[k] = pk[k].r.failed ? 0 : pk[k].r.nrows;
        if (sg_mpi_part_encode(&pk[k], &bytes[k], &len[k]) != 0)
            bytes[k] = NULL;
    }
    sg_date_format *fmts = pk[0].r.ncols ? sg_calloc(pk[0].r.ncols, sizeof *fmts) : NULL;
    pk[0].r.plan_fmts = fmts;
    local_bytes lb = { bytes, len };
    int fellback = 0;
    sg_table *t = sg_mpi_assemble(&pk[0], n, cuts, local_get, &lb, path, report, err, &fellback);
    pk[0].r.plan_fmts = NULL;
    uint64_t sum = 0;
    for (int k = 0; k < n; k++)
        sum += rows[k];
    sg_mpi_schema s;
    if (t && !fellback && fmts && !opt->skip_bad_rows && sum == t->nrows && sg_mpi_schema_of(t, fmts, &s) == 0) {
        for (int k = 1; k < n; k++) {
            sg_error pe;
            parts[k] = sg_mpi_part_table(&pk[k], &s, &pe);
        }
        sg_mpi_schema_free(&s);
    }
    for (int k = 0; k < n; k++) {
        sg_csv_part_free(&pk[k]);
        sg_free(bytes[k]);
    }
    sg_free(fmts);
    sg_mpi_modes_free(&m);
    if (fellback) {
        sg_table_free(t);
        for (int k = 1; k < n; k++) {
            sg_table_free(parts[k]);
            parts[k] = NULL;
        }
        return sg_csv_read(path, opt, report, err);
    }
    return t;
}

uint64_t sg_mpi_rows_hash(const sg_table *t, size_t from, size_t to)
{
    uint64_t h = UINT64_C(0x84caa73b2a6b6a6d) ^ (uint64_t)(to - from);
    for (size_t i = from; i < to && i < t->nrows; i++) {
        uint64_t rh = UINT64_C(0x243f6a8885a308d3);
        for (size_t j = 0; j < t->ncols; j++) {
            const sg_column *c = t->cols[j];
            uint64_t v;
            if (sg_column_is_na(c, i)) {
                v = UINT64_C(0x6a09e667f3bcc909);
            } else if (c->type == SG_STRING) {
                size_t len;
                const char *s = sg_column_str(c, i, &len);
                v = sg_mpi_fnv1a(s, len);
            } else if (c->type == SG_BOOL) {
                v = sg_column_bools(c)[i];
            } else {
                memcpy(&v, (const char *)c->data + i * 8, 8);   /* the bits of int64, double, datetime */
            }
            rh = sg_mix64(rh ^ v) + j;
        }
        h = sg_mix64(h ^ rh) + 1;
    }
    return h;
}

/* ---- options ---- */

int sg_mpi_clean_opts_encode(const sg_mpi_clean_opts *o, sg_mpi_buf *b)
{
    const char *s[8] = { o->customer, o->item, o->quantity, o->price, o->date, o->cancel, o->post, o->amount };
    for (int k = 0; k < 8; k++)
        sg_mpi_put_str(b, s[k]);
    uint64_t f[5] = { (uint64_t)o->net, (uint64_t)o->dups, (uint64_t)o->match_price, (uint64_t)o->whole_ids,
                      o->npre };
    for (int k = 0; k < 5; k++)
        sg_mpi_put_u64(b, f[k]);
    for (size_t k = 0; k < o->npre; k++)
        sg_mpi_put_str(b, o->pre[k]);
    sg_mpi_put_str(b, o->amount_expr);
    sg_mpi_put_u64(b, o->nafter);
    for (size_t k = 0; k < o->nafter; k++)
        sg_mpi_put_str(b, o->after[k]);
    sg_mpi_put_u64(b, (uint64_t)o->tallies_only);
    sg_mpi_put_u64(b, o->read);
    sg_mpi_put_u64(b, (uint64_t)o->drop_parts);
    return b->oom ? SG_ENOMEM : 0;
}

int sg_mpi_clean_opts_decode(const unsigned char *b, size_t len, sg_mpi_clean_opts *o)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(o, 0, sizeof *o);
    const char **s[8] = { &o->customer, &o->item, &o->quantity, &o->price, &o->date, &o->cancel, &o->post,
                          &o->amount };
    for (int k = 0; k < 8; k++)
        *s[k] = sg_mpi_rd_str(&r);
    o->net = (int)sg_mpi_rd_u64(&r);
    o->dups = (int)sg_mpi_rd_u64(&r);
    o->match_price = (int)sg_mpi_rd_u64(&r);
    o->whole_ids = (int)sg_mpi_rd_u64(&r);
    uint64_t npre = sg_mpi_rd_u64(&r);
    if (r.bad || npre > 256)
        return -1;
    if (!(o->pre = sg_calloc(npre ? (size_t)npre : 1, sizeof *o->pre)))
        return -1;
    o->npre = (size_t)npre;
    for (size_t k = 0; k < o->npre; k++)
        o->pre[k] = sg_mpi_rd_str(&r);
    o->amount_expr = sg_mpi_rd_str(&r);
    uint64_t nafter = sg_mpi_rd_u64(&r);
    if (!r.bad && nafter <= 256 && (o->after = sg_calloc(nafter ? (size_t)nafter : 1, sizeof *o->after)) != NULL) {
        o->nafter = (size_t)nafter;
        for (size_t k = 0; k < o->nafter; k++)
            o->after[k] = sg_mpi_rd_str(&r);
        o->tallies_only = (int)sg_mpi_rd_u64(&r);
        o->read = sg_mpi_rd_u64(&r);
        o->drop_parts = (int)sg_mpi_rd_u64(&r);
    } else {
        r.bad = 1;
    }
    if (r.bad) {
        sg_free(o->pre);
        sg_free(o->after);
        o->pre = NULL;
        o->after = NULL;
        return -1;
    }
    return 0;
}

/* ---- on the owner ---- */

/* Condition expr evaluated over t (a bool column), or NULL with err set. */
static sg_column *condition(const sg_table *t, const char *expr, sg_error *err)
{
    sg_expr *e = sg_expr_parse(expr, t, err);
    if (!e)
        return NULL;
    sg_column *c = sg_expr_type(e) == SG_BOOL ? sg_expr_eval(e, t, "condition", err) : NULL;
    sg_expr_free(e);
    if (!c && !err->code)
        sg_error_set(err, SG_EINVAL, "'%s' is not a condition", expr);
    return c;
}

/* keep[i] &= condition expr is true (not false, not missing) on row i of t. */
static int apply_condition(const sg_table *t, const char *expr, uint8_t *keep, sg_error *err)
{
    sg_column *c = condition(t, expr, err);
    if (!c)
        return err->code;
    for (size_t i = 0; i < t->nrows; i++)
        keep[i] = keep[i] && !sg_column_is_na(c, i) && sg_column_bools(c)[i];
    sg_column_release(c);
    return 0;
}

/* The rows of t where keep[i]: their indices (into *rows) and the table
 * (t's columns shared when every row is kept). */
static sg_table *keep_rows(const sg_table *t, const uint8_t *keep, size_t **rows, size_t *n, sg_error *err)
{
    size_t m = 0;
    *rows = sg_malloc((t->nrows ? t->nrows : 1) * sizeof **rows);
    if (!*rows) {
        sg_error_set(err, SG_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->nrows; i++)
        if (keep[i])
            (*rows)[m++] = i;
    *n = m;
    sg_table *k = m == t->nrows ? sg_table_share(t) : sg_table_take(t, *rows, m, err);
    if (!k && m == t->nrows)
        sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!k) {
        sg_free(*rows);
        *rows = NULL;
    }
    return k;
}

uint64_t sg_mpi_row_set_hash(const uint64_t *g, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h += sg_mix64(g[i] ^ UINT64_C(0x9e3779b97f4a7c15));
    return h;
}

/* "-?[0-9]+\.0+": the length of the whole part, else 0. */
static size_t whole_len(const char *s, size_t len)
{
    size_t i = s[0] == '-' ? 1 : 0, d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d || i + 1 >= len || s[i] != '.')
        return 0;
    for (size_t j = i + 1; j < len; j++)
        if (s[j] != '0')
            return 0;
    return i;
}

int sg_mpi_whole_ids(sg_table *t, const char *col, sg_error *err)
{
    const sg_column *c = sg_table_col(t, col);
    if (!c || c->type != SG_STRING)
        return 0;
    int changed = 0;
    for (size_t i = 0; i < c->n && !changed; i++) {
        size_t len;
        const char *s = sg_column_is_na(c, i) ? NULL : sg_column_str(c, i, &len);
        changed = s && len && whole_len(s, len);
    }
    if (!changed)
        return 0;
    sg_dict *d = sg_dict_new(sg_dict_size(c->dict));
    sg_column *w = d ? sg_column_new_with_dict(c->name, d, c->n ? c->n : 1) : NULL;
    sg_dict_release(d);
    for (size_t i = 0; w && i < c->n; i++) {
        size_t len, wl;
        const char *s = sg_column_is_na(c, i) ? NULL : sg_column_str(c, i, &len);
        int rc = !s ? sg_column_push_na(w)
                    : sg_column_push_str(w, s, len && (wl = whole_len(s, len)) != 0 ? wl : len);
        if (rc) {
            sg_column_release(w);
            w = NULL;
        }
    }
    if (!w)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    return sg_table_set(t, w, err);
}

/* tag[i] = step for the rows still untagged where condition expr is not
 * true (false or missing), as ds:clean_filter tags them. */
static int tag_condition(const sg_table *t, const char *expr, uint8_t *tag, uint8_t step, sg_error *err)
{
    sg_column *c = condition(t, expr, err);
    if (!c)
        return err->code;
    for (size_t i = 0; i < t->nrows; i++)
        if (!tag[i] && (sg_column_is_na(c, i) || !sg_column_bools(c)[i]))
            tag[i] = step;
    sg_column_release(c);
    return 0;
}

/* s += the amount of row i (a: NULL for none; missing and NaN skipped). */
static void asum_add(sg_mpi_asum *s, const sg_column *a, size_t i)
{
    if (!a || sg_ops_missing(a, i))
        return;
    if (a->type == SG_DOUBLE) {
        sg_xsum_add(&s->x, sg_column_f64(a)[i]);
        return;
    }
    int64_t v = a->type == SG_BOOL ? sg_column_bools(a)[i] : sg_column_i64(a)[i];
    uint64_t lo = s->i + (uint64_t)v;
    s->hi += (v < 0 ? -1 : 0) + (lo < s->i);   /* 128-bit two's complement add */
    s->i = lo;
}

int sg_mpi_asum_fits(const sg_mpi_asum *s)
{
    return s->hi == ((int64_t)s->i < 0 ? -1 : 0);
}

double sg_mpi_asum_value(const sg_mpi_asum *s, int is_int)
{
    return is_int ? (double)(int64_t)s->i : sg_xsum_round(&s->x);
}

static void put_asum(sg_mpi_buf *b, const sg_mpi_asum *s)
{
    sg_xsum u = s->x;
    sg_xsum_normalize(&u);
    for (int w = 0; w < SG_XSUM_WORDS; w++)
        sg_mpi_put_u64(b, (uint64_t)u.c[w]);
    sg_mpi_put_u64(b, s->i);
    sg_mpi_put_u64(b, (uint64_t)s->hi);
}

static void get_asum(sg_mpi_rd *r, sg_mpi_asum *s)
{
    sg_xsum_init(&s->x);
    for (int w = 0; w < SG_XSUM_WORDS; w++)
        s->x.c[w] = (int64_t)sg_mpi_rd_u64(r);
    s->i = sg_mpi_rd_u64(r);
    s->hi = (int64_t)sg_mpi_rd_u64(r);
}

static void merge_asum(sg_mpi_asum *s, const sg_mpi_asum *t)
{
    sg_xsum_merge(&s->x, &t->x);
    uint64_t lo = s->i + t->i;
    s->hi += t->hi + (lo < s->i);
    s->i = lo;
}

static void put_tally(sg_mpi_buf *b, const sg_mpi_clean_tally *t)
{
    sg_mpi_put_u64(b, t->rows_in);
    put_asum(b, &t->rev_in);
    sg_mpi_put_u64(b, t->nsteps);
    for (uint64_t k = 0; k < t->nsteps; k++) {
        sg_mpi_put_u64(b, t->rows[k]);
        put_asum(b, &t->rev[k]);
    }
    uint64_t c[3] = { t->net_in, t->net_cancel_rows, t->net_out };
    for (int k = 0; k < 3; k++)
        sg_mpi_put_u64(b, c[k]);
    put_asum(b, &t->net_before);
    put_asum(b, &t->net_cancel);
    put_asum(b, &t->net_after);
    sg_mpi_put_u64(b, t->rows_out);
    put_asum(b, &t->rev_out);
    sg_mpi_put_u64(b, t->customers_out);
}

/* Adds the tally at r to t (t->nsteps 0: the first one).  0, or -1 when
 * malformed. */
static int absorb_tally(sg_mpi_rd *r, sg_mpi_clean_tally *t, int first)
{
    sg_mpi_asum a;
    t->rows_in += sg_mpi_rd_u64(r);
    get_asum(r, &a);
    merge_asum(&t->rev_in, &a);
    uint64_t ns = sg_mpi_rd_u64(r);
    if (r->bad || ns > SG_MPI_CLEAN_STEPS || (!first && ns != t->nsteps))
        return -1;
    t->nsteps = ns;
    for (uint64_t k = 0; k < ns; k++) {
        t->rows[k] += sg_mpi_rd_u64(r);
        get_asum(r, &a);
        merge_asum(&t->rev[k], &a);
    }
    t->net_in += sg_mpi_rd_u64(r);
    t->net_cancel_rows += sg_mpi_rd_u64(r);
    t->net_out += sg_mpi_rd_u64(r);
    sg_mpi_asum *s[3] = { &t->net_before, &t->net_cancel, &t->net_after };
    for (int k = 0; k < 3; k++) {
        get_asum(r, &a);
        merge_asum(s[k], &a);
    }
    t->rows_out += sg_mpi_rd_u64(r);
    get_asum(r, &a);
    merge_asum(&t->rev_out, &a);
    t->customers_out += sg_mpi_rd_u64(r);
    return r->bad ? -1 : 0;
}

/* The rows the owner keeps (see sg_mpi_clean_opts): d is the table after
 * netting (u without net) with the amount, keep the rows every step keeps,
 * bg d's rows' global numbers.  *kept, their global numbers in *kept_gid
 * (allocated), the count and hash of the rows kept, and *changed whether
 * whole_ids changed an id.  0 or an error code with err set. */
static int keep_cleaned(const sg_table *d, const uint8_t *keep, const uint64_t *bg, const sg_mpi_clean_opts *o,
                        sg_table **kept, uint64_t **kept_gid, uint64_t *nkept, uint64_t *hash, int *changed,
                        sg_error *err)
{
    size_t n = d->nrows, m = 0, *rows = NULL;
    int rc = 0;
    uint64_t *kg = sg_malloc((n ? n : 1) * sizeof *kg);
    if (!kg)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    if (!(*kept = keep_rows(d, keep, &rows, &m, err))) {
        sg_free(kg);
        return err->code ? err->code : SG_ENOMEM;
    }
    for (size_t k = 0; k < m; k++)
        kg[k] = bg[rows[k]];
    sg_free(rows);
    *nkept = m;
    *hash = sg_mpi_row_set_hash(kg, m);
    const sg_column *before = sg_table_col(*kept, o->customer);
    if (o->whole_ids && (rc = sg_mpi_whole_ids(*kept, o->customer, err)) != 0) {
        sg_table_free(*kept);
        *kept = NULL;
        sg_free(kg);
        return rc;
    }
    *changed = sg_table_col(*kept, o->customer) != before;
    *kept_gid = kg;
    return 0;
}

/* The distinct customers of the kept rows k (global numbers kg) into
 * *count; under whole_ids of a string column, appended to ids as { the
 * first row's global number, length, bytes } (*nids of them).  0 or
 * SG_ENOMEM. */
static int customers_kept(const sg_table *k, const uint64_t *kg, const sg_mpi_clean_opts *o, uint64_t *count,
                          sg_mpi_buf *ids, uint64_t *nids)
{
    const sg_column *c = sg_table_col(k, o->customer);
    *count = 0;
    if (!c)
        return 0;
    if (c->type != SG_STRING) {
        size_t d = sg_column_count_distinct(c);
        *count = d;
        return d == SIZE_MAX ? SG_ENOMEM : 0;
    }
    size_t nd = sg_dict_size(c->dict);
    uint8_t *seen = sg_calloc(nd ? nd : 1, 1);
    if (!seen)
        return SG_ENOMEM;
    const int32_t *codes = sg_column_codes(c);
    for (size_t i = 0; i < c->n; i++) {
        if (sg_column_is_na(c, i) || seen[codes[i]])
            continue;
        seen[codes[i]] = 1;
        (*count)++;
        if (o->whole_ids) {
            size_t len;
            const char *s = sg_column_str(c, i, &len);
            sg_mpi_put_u64(ids, kg[i]);
            sg_mpi_put_u64(ids, len);
            (void)sg_mpi_buf_put(ids, s, len);
            (*nids)++;
        }
    }
    sg_free(seen);
    return ids->oom ? SG_ENOMEM : 0;
}

/* Tallies the rows of t (amount column a, NULL for none) by their tags
 * (0: kept, k + 1: step k). */
static void tally_tags(const sg_table *t, const sg_column *a, const uint8_t *tag, sg_mpi_clean_tally *ty)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (tag[i]) {
            ty->rows[tag[i] - 1]++;
            asum_add(&ty->rev[tag[i] - 1], a, i);
        } else {
            ty->rows_out++;
            asum_add(&ty->rev_out, a, i);
        }
    }
}

/* The amount column of t under o (NULL when o derives none). */
static const sg_column *amount_of(const sg_table *t, const sg_mpi_clean_opts *o)
{
    return o->amount_expr && o->amount_expr[0] ? sg_table_col(t, o->amount) : NULL;
}

/* t with the amount derived (shared when o derives none). */
static sg_table *with_amount(const sg_table *t, const sg_mpi_clean_opts *o, sg_error *err)
{
    sg_table *d = o->amount_expr && o->amount_expr[0] ? sg_table_derive(t, o->amount, o->amount_expr, err)
                                                       : sg_table_share(t);
    if (!d && !err->code)
        sg_error_set(err, SG_ENOMEM, "out of memory");
    return d;
}

/* dup[i] = row i of t equals an earlier row on every column but the amount
 * segmint.clean adds (a product of two columns compared already), as
 * segmint.clean compares them.  0 or an error code with err set. */
static int mark_duplicates(const sg_table *t, const sg_mpi_clean_opts *o, uint8_t *dup, sg_error *err)
{
    const char **names = sg_malloc((t->ncols ? t->ncols : 1) * sizeof *names);
    size_t nn = 0;
    if (!names)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j]->name, o->amount) != 0)
            names[nn++] = t->cols[j]->name;
    sg_table *d = sg_table_select(t, names, nn, err);
    sg_free(names);
    if (!d)
        return err->code ? err->code : SG_ENOMEM;
    int rc = nn ? sg_clean_duplicated(d, dup, err) : 0;
    sg_table_free(d);
    return rc;
}

/* Not split: one pass of segmint.clean's per-customer steps in their order
 * (conditions before netting, netting, the condition after it, exact
 * duplicates, the filter steps, the rows kept) with the report's tallies
 * of each, each needing the tables and row maps of the one before. */
int sg_mpi_clean_owner(const sg_table *u, const uint64_t *gid, const sg_mpi_clean_opts *o, uint64_t sent,
                       sg_mpi_buf *out, sg_table **kept, uint64_t **kept_gid, sg_error *err)
{
    uint64_t nkept = 0, khash = 0, nids = 0;
    uint64_t *bg = NULL, *mine_gid = NULL;
    if (kept)
        *kept = NULL;
    if (kept_gid)
        *kept_gid = NULL;
    size_t n = u->nrows, n1 = n, n2 = 0, first = 0;
    int rc = 0, changed = 0;
    uint8_t *keep = NULL, *cancel = NULL, *dup = NULL, *tag = NULL;
    size_t *rows1 = NULL, *rows2 = NULL;
    int64_t *qty = NULL;
    sg_table *ua = NULL, *u1 = NULL, *u1q = NULL, *u2p = NULL, *u2 = NULL, *mine = NULL;
    sg_mpi_buf ids = { 0 };
    double unmatched = 0;
    sg_error_clear(err);
    sg_mpi_clean_tally *ty = sg_calloc(1, sizeof *ty);
    if (!ty)
        goto nomem;
    if (o->nafter >= SG_MPI_CLEAN_STEPS || o->npre >= SG_MPI_CLEAN_STEPS) {
        rc = sg_error_set(err, SG_EINVAL, "at most %d conditions", SG_MPI_CLEAN_STEPS - 1);
        goto fail;
    }
    /* with net, the filter steps before netting: those of `after` that
     * begin it as the `pre` conditions (segmint.clean's are all of them) */
    while (o->net && first < o->npre && first < o->nafter && strcmp(o->pre[first], o->after[first]) == 0)
        first++;
    ty->nsteps = o->nafter + (o->dups ? 1 : 0);
    if (n == 0)
        goto done;
    if (!(ua = with_amount(u, o, err)))
        goto fail;
    const sg_column *a0 = amount_of(ua, o);
    ty->rows_in = n;
    for (size_t i = 0; i < n; i++)
        asum_add(&ty->rev_in, a0, i);
    if (!(keep = sg_malloc(n)))
        goto nomem;
    if (o->net) {
        /* the steps before netting, tallied over the amount before it */
        if (!(tag = sg_calloc(n, 1)))
            goto nomem;
        for (size_t k = 0; !rc && k < o->npre; k++)
            rc = tag_condition(ua, o->pre[k], tag, (uint8_t)(k + 1), err);
        if (rc)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            keep[i] = !tag[i];
            if (tag[i] && tag[i] <= first) {
                ty->rows[tag[i] - 1]++;
                asum_add(&ty->rev[tag[i] - 1], a0, i);
            }
        }
        sg_free(tag);
        tag = NULL;
        if (!(u1 = keep_rows(ua, keep, &rows1, &n1, err)))
            goto fail;
        sg_table_free(ua);   /* (each table goes once the next is built: less memory at once) */
        ua = NULL;
        if (!(cancel = sg_malloc(n1 ? n1 : 1)) || !(qty = sg_malloc((n1 ? n1 : 1) * sizeof *qty)))
            goto nomem;
        memset(cancel, 1, n1 ? n1 : 1);
        if ((rc = apply_condition(u1, o->cancel, cancel, err)) != 0)
            goto fail;
        if ((rc = sg_clean_net_cancellations(u1, o->customer, o->item, o->quantity,
                                             o->price[0] ? o->price : NULL, o->date[0] ? o->date : NULL,
                                             cancel, o->match_price, qty, &unmatched, err)) != 0)
            goto fail;
        const sg_column *a1 = amount_of(u1, o);
        ty->net_in = n1;
        for (size_t i = 0; i < n1; i++) {
            asum_add(&ty->net_before, a1, i);
            if (cancel[i]) {
                ty->net_cancel_rows++;
                asum_add(&ty->net_cancel, a1, i);
            }
        }
        sg_column *nq = sg_column_new(o->quantity, SG_INT64, n1);
        for (size_t i = 0; nq && i < n1; i++)
            if (sg_column_push_i64(nq, qty[i])) {
                sg_column_release(nq);
                nq = NULL;
            }
        if (!nq || !(u1q = sg_table_share(u1))) {
            sg_column_release(nq);
            goto nomem;
        }
        if ((rc = sg_table_set(u1q, nq, err)) != 0)
            goto fail;
        memset(keep, 1, n);
        if ((rc = apply_condition(u1q, o->post, keep, err)) != 0 || !(u2p = keep_rows(u1q, keep, &rows2, &n2, err)))
            goto fail;
        sg_table_free(u1q);
        sg_table_free(u1);
        u1q = u1 = NULL;
        /* the amount of the netted quantities */
        if (!(u2 = with_amount(u2p, o, err)))
            goto fail;
        sg_table_free(u2p);
        u2p = NULL;
        const sg_column *a2 = amount_of(u2, o);
        ty->net_out = n2;
        for (size_t i = 0; i < n2; i++)
            asum_add(&ty->net_after, a2, i);
    } else {
        if (!(u2 = sg_table_share(ua)))
            goto nomem;
        n2 = n;
    }
    if (!(dup = sg_calloc(n2 ? n2 : 1, 1)) || !(tag = sg_calloc(n2 ? n2 : 1, 1)))
        goto nomem;
    if (o->dups && (rc = mark_duplicates(u2, o, dup, err)) != 0)
        goto fail;
    /* the filter steps after netting (all of them without it), then the
     * duplicates: each row tagged with the first that removes it */
    for (size_t k = first; !rc && k < o->nafter; k++)
        rc = tag_condition(u2, o->after[k], tag, (uint8_t)(k + 1), err);
    if (rc)
        goto fail;
    for (size_t i = 0; o->dups && i < n2; i++)
        if (!tag[i] && dup[i])
            tag[i] = (uint8_t)(o->nafter + 1);
    tally_tags(u2, amount_of(u2, o), tag, ty);
    for (size_t i = 0; i < n2; i++)
        keep[i] = !tag[i];
    /* the global numbers of u2's rows, and the rows kept */
    if (!(bg = sg_malloc((n2 ? n2 : 1) * sizeof *bg)))
        goto nomem;
    for (size_t j = 0; j < n2; j++)
        bg[j] = o->net ? gid[rows1[rows2[j]]] : gid[j];
    if ((rc = keep_cleaned(u2, keep, bg, o, &mine, &mine_gid, &nkept, &khash, &changed, err)) != 0)
        goto fail;
    if (customers_kept(mine, mine_gid, o, &ty->customers_out, &ids, &nids) != 0)
        goto nomem;
done: {
    int64_t um = (int64_t)unmatched;
    uint64_t nrec = (o->net || o->dups) && !o->tallies_only ? n1 : 0;
    sg_mpi_put_u64(out, n);
    (void)sg_mpi_buf_put(out, &um, sizeof um);
    sg_mpi_put_u64(out, sent);
    sg_mpi_put_u64(out, nkept);
    sg_mpi_put_u64(out, khash);
    put_tally(out, ty);
    sg_mpi_put_u64(out, (uint64_t)changed);
    sg_mpi_put_u64(out, nids);
    (void)sg_mpi_buf_put(out, ids.b, ids.len);
    sg_mpi_put_u64(out, nrec);
    /* one record per row that netting saw (every row without net), in
     * order; k2 walks the rows kept after netting */
    size_t k2 = 0;
    for (size_t k = 0; k < nrec; k++) {
        size_t i = rows1 ? rows1[k] : k;
        unsigned char f = o->net ? 1 : 0;
        int64_t q = o->net ? qty[k] : 0;
        int in2 = o->net ? (k2 < n2 && rows2[k2] == k) : 1;
        if (o->dups && in2 && dup[o->net ? k2 : k])
            f |= 2;
        if (o->net && in2)
            k2++;
        sg_mpi_put_u64(out, gid[i]);
        (void)sg_mpi_buf_put(out, &q, sizeof q);
        (void)sg_mpi_buf_put(out, &f, 1);
    }
    if (out->oom)
        goto nomem;
    if (kept) {
        *kept = mine;
        mine = NULL;
    }
    if (kept_gid) {
        *kept_gid = mine_gid;
        mine_gid = NULL;
    }
    goto out;
}
nomem:
    rc = sg_error_set(err, SG_ENOMEM, "out of memory");
fail:
    if (!rc)
        rc = err->code ? err->code : SG_ENOMEM;
out:
    sg_free(ty);
    sg_mpi_buf_free(&ids);
    sg_free(bg);
    sg_free(keep);
    sg_free(tag);
    sg_free(cancel);
    sg_free(dup);
    sg_free(rows1);
    sg_free(rows2);
    sg_free(qty);
    sg_free(mine_gid);
    sg_table_free(mine);
    sg_table_free(ua);
    sg_table_free(u1);
    sg_table_free(u1q);
    sg_table_free(u2p);
    sg_table_free(u2);
    return rc;
}

/* ---- rank 0 ---- */

void sg_mpi_clean_result_free(sg_mpi_clean_result *r)
{
    sg_free(r->qty);
    sg_free(r->flags);
    sg_free(r->owned);
    sg_free(r->kept);
    sg_mpi_buf_free(&r->ids);
    memset(r, 0, sizeof *r);
}

int sg_mpi_clean_result_init_tallies(sg_mpi_clean_result *r, size_t nrows, int nranks)
{
    memset(r, 0, sizeof *r);
    r->owned = sg_calloc((size_t)nranks, sizeof *r->owned);
    r->kept = sg_calloc((size_t)nranks, sizeof *r->kept);
    if (!r->owned || !r->kept) {
        sg_mpi_clean_result_free(r);
        return SG_ENOMEM;
    }
    r->nrows = nrows;
    r->nranks = nranks;
    return 0;
}

int sg_mpi_clean_result_init(sg_mpi_clean_result *r, size_t nrows, int nranks)
{
    if (sg_mpi_clean_result_init_tallies(r, nrows, nranks) != 0)
        return SG_ENOMEM;
    r->qty = sg_malloc((nrows ? nrows : 1) * sizeof *r->qty);
    r->flags = sg_calloc(nrows ? nrows : 1, 1);
    if (!r->qty || !r->flags) {
        sg_mpi_clean_result_free(r);
        return SG_ENOMEM;
    }
    return 0;
}

enum { REC = 17 };

/* The parts of an owner's message in their order (header, tallies,
 * customers, records), each checked as it is read. */
int sg_mpi_clean_absorb(sg_mpi_clean_result *r, int k, const unsigned char *b, size_t len, sg_error *err)
{
    sg_mpi_rd d = { b, b + len, 0 };
    uint64_t owned = sg_mpi_rd_u64(&d), um = sg_mpi_rd_u64(&d), sent = sg_mpi_rd_u64(&d), nkept = sg_mpi_rd_u64(&d), khash = sg_mpi_rd_u64(&d);
    if (d.bad || k < 0 || k >= r->nranks || absorb_tally(&d, &r->tally, r->tallies == 0) != 0)
        return sg_error_set(err, SG_EDATA, "the cleaning records of rank %d are malformed", k);
    r->tallies++;
    uint64_t changed = sg_mpi_rd_u64(&d), nids = sg_mpi_rd_u64(&d);
    for (uint64_t x = 0; x < nids && !d.bad; x++) {
        uint64_t g = sg_mpi_rd_u64(&d), l = sg_mpi_rd_u64(&d);
        if (d.bad || l > (size_t)(d.end - d.p)) {
            d.bad = 1;
            break;
        }
        sg_mpi_put_u64(&r->ids, g);
        sg_mpi_put_u64(&r->ids, l);
        (void)sg_mpi_buf_put(&r->ids, d.p, (size_t)l);
        d.p += l;
    }
    uint64_t nrec = sg_mpi_rd_u64(&d);
    size_t rest = (size_t)(d.end - d.p);
    if (d.bad || nrec > rest / REC || rest != nrec * REC || (nrec && !r->qty))
        return sg_error_set(err, SG_EDATA, "the cleaning records of rank %d are malformed", k);
    if (r->ids.oom)
        return sg_error_set(err, SG_ENOMEM, "out of memory");
    r->ids_changed |= changed != 0;
    r->nids += nids;
    r->owned[k] = owned;
    r->kept[k] = nkept;
    r->kept_hash += khash;
    r->unmatched += (int64_t)um;
    r->exchanged += sent;
    if (k > 0)
        r->gathered += len;
    for (uint64_t x = 0; x < nrec; x++) {
        uint64_t g;
        int64_t q;
        memcpy(&g, d.p, 8);
        memcpy(&q, d.p + 8, 8);
        unsigned char f = d.p[16];
        d.p += REC;
        if (g >= r->nrows || (r->flags[g] & 4))
            return sg_error_set(err, SG_EDATA, "rank %d sent the cleaning of row %llu %s", k,
                                (unsigned long long)g, g >= r->nrows ? "beyond the table" : "twice");
        r->qty[g] = q;
        r->flags[g] = (uint8_t)(f | 4);
    }
    return 0;
}

/* ---- rank 0: the cleaned table's columns ---- */

typedef struct id_rec {
    uint64_t gid;
    const unsigned char *s;
    size_t len;
} id_rec;

static int cmp_id(const void *pa, const void *pb)
{
    const id_rec *a = pa, *b = pb;
    return (a->gid > b->gid) - (a->gid < b->gid);
}

/* The customer column without rows whose dictionary holds the owners' ids
 * in the order of their first kept row (as segmint.clean's whole_ids
 * interns them, row by row).  NULL when out of memory. */
static sg_column *whole_ids_column(const sg_mpi_clean_result *r, const char *name)
{
    id_rec *v = sg_malloc((r->nids ? (size_t)r->nids : 1) * sizeof *v);
    sg_column *c = sg_column_new(name, SG_STRING, (size_t)r->nids);
    sg_column *e = NULL;
    sg_mpi_rd d = { r->ids.b, r->ids.b + r->ids.len, 0 };
    for (uint64_t x = 0; v && c && x < r->nids; x++) {
        v[x].gid = sg_mpi_rd_u64(&d);
        v[x].len = (size_t)sg_mpi_rd_u64(&d);
        v[x].s = d.p;
        d.p += v[x].len;
    }
    if (v && c) {
        qsort(v, (size_t)r->nids, sizeof *v, cmp_id);
        int rc = 0;
        for (uint64_t x = 0; !rc && x < r->nids; x++)
            rc = sg_column_push_str(c, (const char *)v[x].s, v[x].len);
        if (!rc)
            e = sg_column_new_with_dict(name, c->dict, 0);
    }
    sg_free(v);
    sg_column_release(c);
    return e;
}

sg_table *sg_mpi_clean_shape(const sg_table *loaded, const sg_mpi_clean_result *r, const char *amount,
                             const char *amount_expr, const char *quantity, const char *customer, int net,
                             int whole_ids, int *int0, int *int1, sg_error *err)
{
    sg_error_clear(err);
    sg_table *s = sg_table_take(loaded, NULL, 0, err), *d = NULL;
    if (!s)
        return NULL;
    if (!(d = sg_table_derive(s, amount, amount_expr, err)))
        goto fail;
    sg_table_free(s);
    s = d;
    *int0 = *int1 = sg_table_col(s, amount)->type != SG_DOUBLE;
    if (net) {
        /* netting gives int64 quantities, and the amount is derived again */
        sg_column *q = sg_column_new(quantity, SG_INT64, 0);
        if (!q) {
            sg_error_set(err, SG_ENOMEM, "out of memory");
            goto fail;
        }
        if (sg_table_set(s, q, err) != 0 || !(d = sg_table_derive(s, amount, amount_expr, err)))
            goto fail;
        sg_table_free(s);
        s = d;
        *int1 = sg_table_col(s, amount)->type != SG_DOUBLE;
    }
    const sg_column *cc = sg_table_col(s, customer);
    if (whole_ids && r->ids_changed && cc && cc->type == SG_STRING) {
        sg_column *w = whole_ids_column(r, customer);
        if (!w) {
            sg_error_set(err, SG_ENOMEM, "out of memory");
            goto fail;
        }
        w->date_only = cc->date_only;
        if (sg_table_set(s, w, err) != 0)
            goto fail;
    }
    return s;
fail:
    sg_table_free(s);
    return NULL;
}
