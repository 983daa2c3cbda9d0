/* Running parsed expressions over tables: sg_expr_eval, sg_table_derive,
 * sg_table_filter (with threads on large tables) and
 * sg_table_filter_mask.  The evaluation of one chunk is expr_eval.c. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr_impl.h"
#include "mem.h"

/* ---- running over a table ----
 *
 * Large tables (SG_XE_PAR_MIN rows or more) are cut into one contiguous
 * range of whole chunks per thread (SG_THREADS, default min(2, online
 * CPUs); 1 forces one thread).  Every thread has its own evaluator state
 * (buffers, memos, result dictionaries) and reads the columns, which
 * nobody writes meanwhile; the chunks keep the offsets and lengths of the
 * one-thread run, so every row gets the same value.  The sinks write
 * disjoint parts of their output (see col_sink, mask_sink).  Expressions
 * that produce strings always run on one thread: their dictionary codes
 * follow the order in which values are first met.  An error is reported
 * from the first failing range in row order; a thread stops early only
 * when an earlier range has already failed. */

#define SG_XE_PAR_MIN 65536
#define SG_XE_MAX_THREADS 8

typedef int (*sink_fn)(void *ud, const xvec *v, size_t off, size_t len, sg_error *err);

int (*sg_xe_test_hook)(size_t off, size_t len, sg_error *err);

typedef struct xpart {
    const sg_expr *e;
    sg_column **cols;
    size_t from, to;        /* rows; from is a multiple of SG_XE_CHUNK */
    size_t chunk;
    sink_fn sink;
    void *ud;
    int k;                  /* range number, in row order */
    atomic_int *first_fail; /* lowest failed range so far */
    int rc;                 /* 0, -1 failed (err set), 1 stopped */
    sg_error err;
} xpart;

static void *run_part(void *arg)
{
    xpart *p = arg;
    xctx cx;
    memset(&cx, 0, sizeof cx);
    cx.e = p->e;
    cx.err = &p->err;
    cx.cols = p->cols;
    cx.chunk = p->chunk;
    p->rc = -1;
    cx.st = sg_calloc((size_t)p->e->nnodes, sizeof *cx.st);
    cx.zeros = sg_calloc(cx.chunk, 1);
    if (!cx.st || !cx.zeros) {
        sg_error_nomem(cx.err);
        goto done;
    }
    for (size_t off = p->from; off < p->to; off += SG_XE_CHUNK) {
        size_t len = p->to - off < SG_XE_CHUNK ? p->to - off : SG_XE_CHUNK;
        xvec v;
        if (p->first_fail && atomic_load(p->first_fail) < p->k) {
            p->rc = 1;      /* an earlier range failed: its error is the one reported */
            goto done;
        }
        if (sg_xe_eval_node(&cx, p->e->root, off, len, &v) ||
            (sg_xe_test_hook && sg_xe_test_hook(off, len, cx.err)) || p->sink(p->ud, &v, off, len, cx.err))
            goto done;
    }
    p->rc = 0;
done:
    if (p->rc < 0 && p->first_fail) {
        int f = atomic_load(p->first_fail);
        while (p->k < f && !atomic_compare_exchange_weak(p->first_fail, &f, p->k)) {
        }
    }
    for (int k = 0; cx.st && k < p->e->nnodes; k++) {
        xstate *st = &cx.st[k];
        sg_free(st->buf);
        sg_free(st->na);
        for (int j = 0; j < 3; j++)
            sg_free(st->tmp[j]);
        sg_free(st->memo[0]);
        sg_free(st->memo[1]);
        sg_dict_release(st->odict);
    }
    sg_free(cx.st);
    sg_free(cx.zeros);
    sg_free(cx.sbuf);
    return NULL;
}

/* Threads for work over nrows rows: SG_THREADS, else min(2, online CPUs);
 * one below SG_XE_PAR_MIN rows. */
static int par_threads(size_t nrows)
{
    if (nrows < SG_XE_PAR_MIN)
        return 1;
    const char *s = getenv("SG_THREADS");
    long n;
    if (s && *s) {
        n = strtol(s, NULL, 10);
    } else {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n > 2)
            n = 2;
    }
    return n < 1 ? 1 : n > SG_XE_MAX_THREADS ? SG_XE_MAX_THREADS : (int)n;
}

/* Threads for an evaluation over nrows rows. */
static int thread_count(const sg_expr *e, size_t nrows)
{
    if (e->root->type == SG_STRING)
        return 1;
    int n = par_threads(nrows);
    size_t nchunks = (nrows + SG_XE_CHUNK - 1) / SG_XE_CHUNK;
    if (nchunks == 0)
        return 1;   /* no rows: one empty range (run() needs at least one) */
    return (size_t)n > nchunks ? (int)nchunks : n;
}

/* Evaluates e over t, chunk by chunk in row order on one thread, or over
 * nthreads ranges at once (then the sink must accept concurrent calls on
 * disjoint rows). */
static int run(const sg_expr *e, const sg_table *t, int nthreads, sink_fn sink, void *ud, sg_error *err)
{
    int rc = -1;
    sg_column **cols = sg_calloc(e->ncols ? e->ncols : 1, sizeof *cols);
    if (!cols) {
        sg_error_nomem(err);
        return -1;
    }
    for (size_t k = 0; k < e->ncols; k++) {
        sg_column *c = sg_table_col(t, e->colnames[k]);
        if (!c) {
            sg_error_set(err, SG_EINVAL, "expression \"%.200s\" uses column '%s', which this dataset does not have",
                         e->src, e->colnames[k]);
            goto done;
        }
        if (c->type != e->coltypes[k]) {
            sg_error_set(err, SG_EINVAL, "expression \"%.200s\": column '%s' is %s in this dataset but was %s when the expression was parsed",
                         e->src, e->colnames[k], sg_type_name(c->type), sg_type_name(e->coltypes[k]));
            goto done;
        }
        if (c->n != t->nrows) {
            sg_error_set(err, SG_EINVAL, "column '%s' has %zu values but the dataset has %zu rows",
                         c->name, c->n, t->nrows);
            goto done;
        }
        cols[k] = c;
    }
    xpart part[SG_XE_MAX_THREADS];
    pthread_t th[SG_XE_MAX_THREADS];
    int started[SG_XE_MAX_THREADS] = { 0 };
    atomic_int first_fail;
    size_t nchunks = (t->nrows + SG_XE_CHUNK - 1) / SG_XE_CHUNK;
    atomic_init(&first_fail, nthreads);
    for (int k = 0; k < nthreads; k++) {
        xpart *p = &part[k];
        memset(p, 0, sizeof *p);
        p->e = e;
        p->cols = cols;
        p->chunk = t->nrows < SG_XE_CHUNK ? (t->nrows ? t->nrows : 1) : SG_XE_CHUNK;
        p->sink = sink;
        p->ud = ud;
        p->k = k;
        p->first_fail = nthreads > 1 ? &first_fail : NULL;
        p->from = nchunks * (size_t)k / (size_t)nthreads * SG_XE_CHUNK;
        p->to = nchunks * (size_t)(k + 1) / (size_t)nthreads * SG_XE_CHUNK;
        if (p->to > t->nrows)
            p->to = t->nrows;
        if (k > 0)
            started[k] = pthread_create(&th[k], NULL, run_part, p) == 0;
    }
    run_part(&part[0]);
    for (int k = 1; k < nthreads; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            run_part(&part[k]);     /* no thread: this one does the range */
    }
    for (int k = 0; k < nthreads; k++)
        if (part[k].rc < 0) {
            if (err)
                *err = part[k].err;
            goto done;
        }
    rc = 0;
done:
    sg_free(cols);
    return rc;
}

/* Output column of an evaluation.  On several threads, missing values go
 * to nabits (whole bytes per range: ranges start at multiples of
 * SG_XE_CHUNK) and are moved into the column afterwards. */
typedef struct colsink {
    sg_column *col;
    const char *name;
    sg_type type;
    int date_only;
    size_t nrows;
    uint8_t *nabits;
} colsink;

static int col_sink(void *ud, const xvec *v, size_t off, size_t len, sg_error *err)
{
    colsink *s = ud;
    size_t w = sg_xe_width(s->type);
    if (!s->col) {
        s->col = s->type == SG_STRING ? sg_column_new_with_dict(s->name, v->dict, s->nrows)
                                      : sg_column_new(s->name, s->type, s->nrows);
        if (!s->col)
            return sg_error_nomem(err);
        s->col->date_only = s->date_only;
    }
    char *dst = (char *)s->col->data + off * w;
    memcpy(dst, v->data, len * w);
    for (size_t i = 0; i < len; i++) {
        if (!(i & 7) && i + 8 <= len && !sg_xe_ld8(v->na + i)) {
            i += 7;     /* eight present values */
            continue;
        }
        if (v->na[i]) {
            memset(dst + i * w, 0, w);     /* missing slots hold 0 */
            if (s->nabits)
                s->nabits[(off + i) >> 3] |= (uint8_t)(1u << ((off + i) & 7));
            else if (sg_column_set_na(s->col, off + i))
                return sg_error_nomem(err);
        }
    }
    if (s->type == SG_DOUBLE) {     /* no negative zeros in results */
        double *d = (double *)(void *)dst;
        for (size_t i = 0; i < len; i++)
            if (d[i] == 0)
                d[i] = 0.0;
    }
    if (!s->nabits)
        s->col->n = off + len;
    return 0;
}

sg_column *sg_expr_eval(const sg_expr *e, const sg_table *t, const char *name, sg_error *err)
{
    if (!e || !t) {
        sg_error_set(err, SG_EINVAL, "sg_expr_eval: missing expression or dataset");
        return NULL;
    }
    colsink s = { NULL, name ? name : e->src, e->root->type, e->root->date_only, t->nrows, NULL };
    int nth = thread_count(e, t->nrows);     /* > 1: not a string result */
    if (nth > 1 && (!(s.col = sg_column_new(s.name, s.type, s.nrows)) ||
                    !(s.nabits = sg_calloc((s.nrows + 7) / 8, 1)))) {
        sg_column_release(s.col);
        sg_error_nomem(err);
        return NULL;
    }
    if (run(e, t, nth, col_sink, &s, err)) {
        sg_column_release(s.col);
        sg_free(s.nabits);
        return NULL;
    }
    if (s.nabits) {
        for (size_t b = 0; b < (s.nrows + 7) / 8; b++)
            for (unsigned j = 0; s.nabits[b] && j < 8; j++)
                if (((s.nabits[b] >> j) & 1) && sg_column_set_na(s.col, b * 8 + j)) {
                    sg_column_release(s.col);
                    sg_free(s.nabits);
                    sg_error_nomem(err);
                    return NULL;
                }
        sg_free(s.nabits);
        s.col->n = s.nrows;
    }
    if (!s.col && !(s.col = sg_column_new(s.name, s.type, 0))) {   /* no rows */
        sg_error_nomem(err);
        return NULL;
    }
    s.col->date_only = s.date_only;
    return s.col;
}

/* Filter: one byte per row, 1 = kept (present and true). */
static int mask_sink(void *ud, const xvec *v, size_t off, size_t len, sg_error *err)
{
    uint8_t *m = (uint8_t *)ud + off;
    const uint8_t *x = v->data;
    (void)err;
    for (size_t i = 0; i < len; i++)
        m[i] = x[i] & (uint8_t)!v->na[i];
    return 0;
}

sg_table *sg_table_filter(const sg_table *t, const char *expr, sg_error *err)
{
    if (!t) {
        sg_error_set(err, SG_EINVAL, "sg_table_filter: missing dataset");
        return NULL;
    }
    sg_expr *e = sg_expr_parse(expr, t, err);
    if (!e)
        return NULL;
    if (sg_expr_type(e) != SG_BOOL) {
        sg_error_set(err, SG_EINVAL, "filter \"%.200s\" must be a condition (true/false), but it gives %s values",
                     expr, sg_type_name(sg_expr_type(e)));
        sg_expr_free(e);
        return NULL;
    }
    sg_table *o = NULL;
    uint8_t *mask = sg_malloc(t->nrows ? t->nrows : 1);
    if (!mask)
        sg_error_nomem(err);
    else if (run(e, t, thread_count(e, t->nrows), mask_sink, mask, err) == 0)
        o = sg_table_filter_mask(t, mask, err);
    sg_free(mask);
    sg_expr_free(e);
    return o;
}

/* ---- keeping the rows of a mask ----
 * Gives what sg_table_take would give for the ascending list of kept rows
 * (same columns, names, shared dictionaries, missing values holding 0),
 * reading the mask instead of a list of row numbers; on big tables the
 * columns are shared among threads, each column copied whole by one. */

typedef struct gather_job {
    const sg_table *t;
    const uint8_t *mask;
    size_t last;            /* last kept row (n > 0) */
    size_t n;
    sg_column **out;
    int first, step;        /* columns first, first + step, ... */
    int failed;
} gather_job;

#define GATHER_LOOP(T)                                                         \
    do {                                                                      \
        const T *src = c->data;                                               \
        T *dst = o->data;                                                     \
        const uint8_t *m = j->mask;                                           \
        size_t last = j->last;                                                \
        if (!c->na) {                                                         \
            for (size_t i = 0; i <= last; i++) {                              \
                dst[k] = src[i];        /* overwritten unless kept */         \
                k += m[i] != 0;                                               \
            }                                                                 \
        } else {                                                              \
            for (size_t i = 0; i <= last; i++) {                              \
                int kept = m[i] != 0;                                         \
                if ((c->na[i >> 3] >> (i & 7)) & 1) {                         \
                    dst[k] = 0;                                               \
                    if (kept && sg_column_set_na(o, k))                       \
                        return -1;                                            \
                } else                                                        \
                    dst[k] = src[i];                                          \
                k += kept;                                                    \
            }                                                                 \
        }                                                                     \
    } while (0)

/* Fills o (capacity j->n) with the kept values of column c. */
static int gather_column(const gather_job *j, const sg_column *c, sg_column *o)
{
    size_t k = 0;
    if (j->n) {
        switch (c->type) {
        case SG_BOOL: GATHER_LOOP(uint8_t); break;
        case SG_STRING: GATHER_LOOP(int32_t); break;
        case SG_DOUBLE: GATHER_LOOP(uint64_t); break;   /* bits: copied exactly */
        default: GATHER_LOOP(int64_t); break;
        }
    }
    o->n = j->n;
    return 0;
}

static void *gather_columns(void *arg)
{
    gather_job *j = arg;
    for (size_t i = (size_t)j->first; i < j->t->ncols; i += (size_t)j->step) {
        const sg_column *c = j->t->cols[i];
        sg_column *o = c->type == SG_STRING ? sg_column_new_with_dict(c->name, c->dict, j->n)
                                            : sg_column_new(c->name, c->type, j->n);
        if (o)
            o->date_only = c->date_only;
        if (!o || gather_column(j, c, o)) {
            sg_column_release(o);
            j->failed = 1;
            return NULL;
        }
        j->out[i] = o;
    }
    return NULL;
}

sg_table *sg_table_filter_mask(const sg_table *t, const uint8_t *mask, sg_error *err)
{
    if (!t || (!mask && t->nrows)) {
        sg_error_set(err, SG_EINVAL, "sg_table_filter_mask: missing dataset or mask");
        return NULL;
    }
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i]->n < t->nrows) {
            sg_error_set(err, SG_EINVAL, "column '%s' has %zu values but the dataset has %zu rows",
                         t->cols[i]->name, t->cols[i]->n, t->nrows);
            return NULL;
        }
    size_t n = 0, last = 0, i = 0;
    for (; i + 8 <= t->nrows; i += 8) {
        uint64_t w = sg_xe_ld8(mask + i);
        if (w) {
            n += (size_t)((sg_xe_nz8(w) * SG_XE_ONES) >> 56);   /* bytes set, summed into the top byte */
            last = i;
        }
    }
    for (; i < t->nrows; i++)
        if (mask[i]) {
            n++;
            last = i;
        }
    for (i = last; n && i < t->nrows && i < last + 8; i++)
        if (mask[i])
            last = i;    /* the last kept row within the last nonzero word */
    sg_table *o = sg_table_new();
    sg_column **cols = sg_calloc(t->ncols ? t->ncols : 1, sizeof *cols);
    if (!o || !cols) {
        sg_free(cols);
        sg_table_free(o);
        sg_error_nomem(err);
        return NULL;
    }
    gather_job job[2] = { { t, mask, last, n, cols, 0, 1, 0 }, { t, mask, last, n, cols, 1, 2, 0 } };
    pthread_t th;
    int threaded = t->ncols > 1 && par_threads(n) > 1 && pthread_create(&th, NULL, gather_columns, &job[1]) == 0;
    if (threaded)
        job[0].step = 2;
    gather_columns(&job[0]);
    if (threaded)
        pthread_join(th, NULL);
    int failed = job[0].failed || (threaded && job[1].failed);
    for (i = 0; i < t->ncols; i++) {
        if (!failed && sg_table_add(o, cols[i], err) != 0) {
            failed = 2;     /* sg_table_add released cols[i] and set err */
            continue;
        }
        if (failed)
            sg_column_release(cols[i]);
    }
    sg_free(cols);
    if (failed) {
        if (failed == 1)
            sg_error_nomem(err);
        sg_table_free(o);
        return NULL;
    }
    o->nrows = n;
    return o;
}

sg_table *sg_table_derive(const sg_table *t, const char *name, const char *expr, sg_error *err)
{
    if (!t || !name || !*name) {
        sg_error_set(err, SG_EINVAL, "derive: %s", !t ? "missing dataset" : "the new column needs a name");
        return NULL;
    }
    sg_expr *e = sg_expr_parse(expr, t, err);
    if (!e)
        return NULL;
    sg_column *c = sg_expr_eval(e, t, name, err);
    sg_expr_free(e);
    if (!c)
        return NULL;
    sg_table *o = sg_table_share(t);
    if (!o) {
        sg_column_release(c);
        sg_error_nomem(err);
        return NULL;
    }
    if (sg_table_set(o, c, err) != 0) {
        sg_table_free(o);
        return NULL;
    }
    o->nrows = t->nrows;
    return o;
}
