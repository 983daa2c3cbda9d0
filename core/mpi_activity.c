/* The activity series on the owning ranks, the steps without MPI calls
 * (see mpi_activity.h, docs/mpi.md). */
#include "mpi_activity.h"

#include <string.h>

#include "mem.h"

#define PARTIAL_MAGIC UINT64_C(0x5347414354495631)   /* "SGACTIV1" */
enum { NCOUNTS = 10, HEAD_WORDS = 7, TOP_CHUNK = SG_XSUM_CHUNKS - 1, NAN_WORD = SG_XSUM_CHUNKS };
enum { HAS_REVENUE = 1, HAS_SATISFACTION = 2 };

/* ---- the command ---- */

int sg_mpi_activity_encode(const sg_mpi_activity_cmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_u64(b, (uint64_t)c->nwin);
    sg_mpi_put_str(b, c->nwin ? c->win[0].o.customer : NULL);
    sg_mpi_put_str(b, c->nwin ? c->win[0].o.date : NULL);
    for (size_t q = 0; q < c->nwin; q++) {
        const sg_mpi_activity_win *w = &c->win[q];
        sg_mpi_put_u64(b, (uint64_t)w->o.inactive_days);
        sg_mpi_put_u64(b, (uint64_t)w->have_as_of);
        sg_mpi_put_u64(b, (uint64_t)w->as_of);
        sg_mpi_put_u64(b, (uint64_t)w->nbounds);
        for (size_t k = 0; k < w->nbounds; k++)
            sg_mpi_put_u64(b, (uint64_t)w->bounds[k]);
        sg_mpi_put_str(b, w->o.invoice);
        sg_mpi_put_str(b, w->o.amount);
        sg_mpi_put_str(b, w->o.satisfaction);
    }
    return b->oom ? -1 : 0;
}

void sg_mpi_activity_cmd_free(sg_mpi_activity_cmd *c)
{
    for (size_t q = 0; c->win && q < c->nwin; q++)
        sg_free(c->win[q].bounds);
    sg_free(c->win);
    c->win = NULL;
    c->nwin = 0;
}

/* One window of the command from r: 0, or -1 (malformed, or out of
 * memory). */
static int decode_win(sg_mpi_rd *r, sg_mpi_activity_win *w)
{
    uint64_t days = sg_mpi_rd_u64(r), have = sg_mpi_rd_u64(r);
    w->as_of = (int64_t)sg_mpi_rd_u64(r);
    uint64_t nb = sg_mpi_rd_u64(r);
    /* every bound takes 8 bytes of what is left */
    if (r->bad || days > 36500 || have > 1 || nb == 1 || nb > (size_t)(r->end - r->p) / 8)
        return -1;
    w->o.inactive_days = (int)days;
    w->have_as_of = (int)have;
    if (nb) {
        w->bounds = sg_malloc((size_t)nb * sizeof *w->bounds);
        if (!w->bounds)
            return -1;
        w->nbounds = (size_t)nb;
        for (size_t k = 0; k < w->nbounds; k++) {
            w->bounds[k] = (int64_t)sg_mpi_rd_u64(r);
            if (k > 0 && w->bounds[k] <= w->bounds[k - 1])
                r->bad = 1;
        }
    }
    const char *names[3];
    for (int q = 0; q < 3; q++)
        names[q] = sg_mpi_rd_str(r);
    w->o.invoice = names[0][0] ? names[0] : NULL;
    w->o.amount = names[1][0] ? names[1] : NULL;
    w->o.satisfaction = names[2][0] ? names[2] : NULL;
    return r->bad ? -1 : 0;
}

int sg_mpi_activity_decode(const unsigned char *b, size_t len, sg_mpi_activity_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    uint64_t nw = sg_mpi_rd_u64(&r);
    const char *cust = sg_mpi_rd_str(&r), *date = sg_mpi_rd_str(&r);
    /* a window takes at least 35 bytes of what is left */
    if (r.bad || nw == 0 || nw > (size_t)(r.end - r.p) / 35 || !cust[0] || !date[0])
        return -1;
    c->win = sg_calloc((size_t)nw, sizeof *c->win);
    if (!c->win)
        return -1;
    c->nwin = (size_t)nw;
    int bad = 0;
    for (size_t q = 0; q < c->nwin && !bad; q++) {
        sg_activity_options_init(&c->win[q].o);
        c->win[q].o.customer = cust;
        c->win[q].o.date = date;
        bad = decode_win(&r, &c->win[q]) != 0;
    }
    if (bad || r.p != r.end) {
        sg_mpi_activity_cmd_free(c);
        return -1;
    }
    return 0;
}

/* ---- dates and bounds ---- */

int sg_mpi_activity_dates(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t *d, sg_error *err)
{
    sg_error_clear(err);
    for (size_t q = 0; q < 2 + c->nwin; q++)
        d[q] = INT64_MAX;
    if (!t)
        return 0;
    int *have = sg_malloc(c->nwin * sizeof *have);
    int64_t *as_of = sg_malloc(c->nwin * sizeof *as_of);
    int rc = have && as_of ? 0 : sg_error_nomem(err);
    for (size_t q = 0; !rc && q < c->nwin; q++) {
        have[q] = c->win[q].have_as_of;
        as_of[q] = c->win[q].as_of;
    }
    if (!rc)
        rc = sg_activity_dates_many(t, c->win[0].o.date, have, as_of, c->nwin, d, err);
    sg_free(have);
    sg_free(as_of);
    return rc;
}

int sg_mpi_activity_bounds(const sg_mpi_activity_win *c, const int64_t d[3], int64_t *as_of, int *have_as_of,
                           int64_t **bounds, size_t *nbounds, sg_error *err)
{
    *bounds = NULL;
    *nbounds = 0;
    *as_of = c->as_of;
    *have_as_of = c->have_as_of;
    if (!c->have_as_of)
        *have_as_of = sg_activity_default_as_of(d, as_of) == 0;
    if (c->nbounds) {
        *bounds = sg_malloc(c->nbounds * sizeof **bounds);
        if (!*bounds)
            return sg_error_nomem(err);
        memcpy(*bounds, c->bounds, c->nbounds * sizeof **bounds);
        *nbounds = c->nbounds;
        return 0;
    }
    if (!*have_as_of)
        return 0;   /* no dates: no periods (as one process) */
    /* given as_of: the earliest date not after it; else every date is */
    int64_t first = c->have_as_of ? d[2] : d[1];
    return sg_activity_months(first != INT64_MAX, first == INT64_MAX ? 0 : first, *as_of, bounds, nbounds, err);
}

/* ---- the partial series ---- */

static void put_sum(sg_mpi_buf *out, const sg_xsum *s)
{
    unsigned char n = 0;
    for (int w = 0; w < SG_XSUM_WORDS; w++)
        n += s->c[w] != 0;
    (void)sg_mpi_buf_put(out, &n, 1);
    for (int w = 0; w < SG_XSUM_WORDS; w++)
        if (s->c[w] != 0) {
            unsigned char at = (unsigned char)w;
            (void)sg_mpi_buf_put(out, &at, 1);
            (void)sg_mpi_buf_put(out, &s->c[w], sizeof s->c[w]);
        }
}

/* Appends the partial series of a (over the columns of o) to out. */
static void put_partial(sg_activity *a, const sg_activity_options *o, sg_mpi_buf *out)
{
    size_t P = a->nperiods;
    uint64_t flags = (o->amount ? HAS_REVENUE : 0) | (o->satisfaction ? HAS_SATISFACTION : 0);
    uint64_t head[HEAD_WORDS] = { PARTIAL_MAGIC, P, a->customers, a->rows_used, a->rows_missing, a->rows_after,
                                  flags };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    /* the ten count arrays are one block, in sg_activity's order */
    (void)sg_mpi_buf_put(out, a->active_start, NCOUNTS * P * sizeof *a->active_start);
    for (size_t j = 0; j < 2 * P; j++) {
        if (!((j < P ? HAS_REVENUE : HAS_SATISFACTION) & flags))
            continue;
        sg_xsum_normalize(&a->sums[j]);   /* (sg_activity_compute did; an owner without rows has zeros) */
        put_sum(out, &a->sums[j]);
    }
}

int sg_mpi_activity_owner(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t *const *bounds,
                          const size_t *nbounds, sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    size_t nw = c->nwin;
    sg_activity *a = sg_calloc(nw, sizeof *a);
    sg_activity_window *w = sg_calloc(nw, sizeof *w);
    int rc = a && w ? 0 : sg_error_nomem(err);
    for (size_t q = 0; !rc && q < nw; q++) {
        w[q].o = c->win[q].o;
        w[q].bounds = bounds[q];
        w[q].nbounds = nbounds[q] >= 2 ? nbounds[q] : 0;
        if (!t && w[q].nbounds)
            rc = sg_activity_alloc(&a[q], bounds[q], nbounds[q], err);
    }
    if (!rc && t)
        rc = sg_activity_compute_many(t, w, nw, a, err);
    for (size_t q = 0; !rc && q < nw; q++) {
        if (!w[q].nbounds)
            continue;
        size_t at = out->len;
        sg_mpi_put_u64(out, 0);   /* its length, filled below */
        put_partial(&a[q], &w[q].o, out);
        if (!out->oom) {
            uint64_t len = out->len - at - 8;
            memcpy(out->b + at, &len, sizeof len);
        }
    }
    for (size_t q = 0; a && q < nw; q++)
        sg_activity_free(&a[q]);
    sg_free(a);
    sg_free(w);
    if (rc)
        return rc;
    return out->oom ? sg_error_nomem(err) : 0;
}

/* One accumulator's words of part rd into s: 0, or -1 when malformed (an
 * index out of order or range, a chunk outside what normalization
 * leaves: [0, 2^32) but for the top one, within +-2^32; a negative count
 * of non-finite terms). */
static int add_sum(sg_mpi_rd *r, sg_xsum *s)
{
    if (r->p >= r->end)
        return -1;
    unsigned n = *r->p++;
    int last = -1;
    for (unsigned q = 0; q < n; q++) {
        if ((size_t)(r->end - r->p) < 9)
            return -1;
        int at = *r->p++;
        int64_t v;
        memcpy(&v, r->p, sizeof v);
        r->p += sizeof v;
        int64_t lim = (int64_t)1 << 32;
        if (at <= last || at >= SG_XSUM_WORDS || (at < TOP_CHUNK && (v < 0 || v >= lim)) ||
            (at == TOP_CHUNK && (v < -lim || v > lim)) || (at == NAN_WORD && v < 0))
            return -1;
        last = at;
        s->c[at] += v;
    }
    return 0;
}

int sg_mpi_activity_merge(const unsigned char *const *parts, const size_t *lens, int n, const int64_t *bounds,
                          size_t nbounds, sg_activity *out, uint64_t *ncust, sg_error *err)
{
    sg_error_clear(err);
    if (sg_activity_alloc(out, bounds, nbounds, err))
        return err->code;
    size_t P = out->nperiods;
    uint64_t flags0 = 0;
    for (int k = 0; k < n; k++) {
        sg_mpi_rd r = { parts[k], parts[k] + lens[k], 0 };
        uint64_t head[HEAD_WORDS];
        for (int q = 0; q < HEAD_WORDS; q++)
            head[q] = sg_mpi_rd_u64(&r);
        if (k == 0)
            flags0 = head[6];
        int bad = r.bad || head[0] != PARTIAL_MAGIC || head[1] != P || head[6] != flags0 || head[6] > 3 ||
                  (size_t)(r.end - r.p) / (NCOUNTS * sizeof(int64_t)) < P;
        if (!bad) {
            int64_t *cnt = out->active_start;
            for (size_t i = 0; i < NCOUNTS * P; i++) {
                int64_t v;
                memcpy(&v, r.p + i * sizeof v, sizeof v);
                cnt[i] += v;
            }
            r.p += NCOUNTS * P * sizeof(int64_t);
            for (size_t j = 0; j < 2 * P && !bad; j++)
                if ((j < P ? HAS_REVENUE : HAS_SATISFACTION) & head[6])
                    bad = add_sum(&r, &out->sums[j]) != 0;
            bad = bad || r.p != r.end;
        }
        if (bad) {
            sg_activity_free(out);
            return sg_error_set(err, SG_EDATA, "activity: the partial series of rank %d is malformed", k);
        }
        out->customers += (size_t)head[2];
        out->rows_used += (size_t)head[3];
        out->rows_missing += (size_t)head[4];
        out->rows_after += (size_t)head[5];
        if (ncust)
            ncust[k] = head[2];
    }
    sg_activity_round(out);
    return 0;
}

int sg_mpi_activity_merge_many(const unsigned char *const *parts, const size_t *lens, int n, size_t nwin,
                               int64_t *const *bounds, const size_t *nbounds, sg_activity *out, uint64_t *ncust,
                               sg_error *err)
{
    sg_error_clear(err);
    for (size_t q = 0; q < nwin; q++)
        memset(&out[q], 0, sizeof out[q]);
    const unsigned char **pp = sg_malloc(((size_t)n + 1) * sizeof *pp);
    const unsigned char **slice = sg_malloc(((size_t)n + 1) * sizeof *slice);
    size_t *slen = sg_malloc(((size_t)n + 1) * sizeof *slen);
    uint64_t *nq = sg_malloc(((size_t)n + 1) * sizeof *nq);
    int rc = pp && slice && slen && nq ? 0 : sg_error_nomem(err);
    for (int k = 0; !rc && k < n; k++)
        pp[k] = parts[k];
    size_t best = 0;
    int have_best = 0;
    for (size_t q = 0; !rc && q < nwin; q++) {
        if (nbounds[q] < 2)
            continue;
        for (int k = 0; !rc && k < n; k++) {
            size_t left = (size_t)(parts[k] + lens[k] - pp[k]);
            uint64_t len = 0;
            if (left >= 8)
                memcpy(&len, pp[k], 8);
            if (left < 8 || len > left - 8)
                rc = sg_error_set(err, SG_EDATA, "activity: the partial series of rank %d is malformed", k);
            slice[k] = pp[k] + 8;
            slen[k] = (size_t)len;
            pp[k] += 8 + (rc ? 0 : (size_t)len);
        }
        if (!rc)
            rc = sg_mpi_activity_merge(slice, slen, n, bounds[q], nbounds[q], &out[q], nq, err);
        if (!rc && ncust && (!have_best || out[q].customers > best)) {
            best = out[q].customers;
            have_best = 1;
            memcpy(ncust, nq, (size_t)n * sizeof *ncust);
        }
    }
    for (int k = 0; !rc && k < n; k++)
        if (pp[k] != parts[k] + lens[k])
            rc = sg_error_set(err, SG_EDATA, "activity: the partial series of rank %d is malformed", k);
    if (rc)
        for (size_t q = 0; q < nwin; q++)
            sg_activity_free(&out[q]);
    sg_free(pp);
    sg_free(slice);
    sg_free(slen);
    sg_free(nq);
    return rc;
}
