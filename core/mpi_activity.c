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
    sg_mpi_put_u64(b, (uint64_t)c->o.inactive_days);
    sg_mpi_put_u64(b, (uint64_t)c->have_as_of);
    sg_mpi_put_u64(b, (uint64_t)c->as_of);
    sg_mpi_put_u64(b, (uint64_t)c->nbounds);
    for (size_t k = 0; k < c->nbounds; k++)
        sg_mpi_put_u64(b, (uint64_t)c->bounds[k]);
    sg_mpi_put_str(b, c->o.customer);
    sg_mpi_put_str(b, c->o.date);
    sg_mpi_put_str(b, c->o.invoice);
    sg_mpi_put_str(b, c->o.amount);
    sg_mpi_put_str(b, c->o.satisfaction);
    return b->oom ? -1 : 0;
}

void sg_mpi_activity_cmd_free(sg_mpi_activity_cmd *c)
{
    sg_free(c->bounds);
    c->bounds = NULL;
    c->nbounds = 0;
}

int sg_mpi_activity_decode(const unsigned char *b, size_t len, sg_mpi_activity_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    sg_activity_options_init(&c->o);
    c->gen = sg_mpi_rd_u64(&r);
    uint64_t days = sg_mpi_rd_u64(&r), have = sg_mpi_rd_u64(&r);
    c->as_of = (int64_t)sg_mpi_rd_u64(&r);
    uint64_t nb = sg_mpi_rd_u64(&r);
    /* every bound takes 8 bytes of what is left */
    if (r.bad || days > 36500 || have > 1 || nb == 1 || nb > (size_t)(r.end - r.p) / 8)
        return -1;
    c->o.inactive_days = (int)days;
    c->have_as_of = (int)have;
    if (nb) {
        c->bounds = sg_malloc((size_t)nb * sizeof *c->bounds);
        if (!c->bounds)
            return -1;
        c->nbounds = (size_t)nb;
        for (size_t k = 0; k < c->nbounds; k++) {
            c->bounds[k] = (int64_t)sg_mpi_rd_u64(&r);
            if (k > 0 && c->bounds[k] <= c->bounds[k - 1])
                r.bad = 1;
        }
    }
    const char *names[5];
    for (int q = 0; q < 5; q++)
        names[q] = sg_mpi_rd_str(&r);
    if (r.bad || r.p != r.end || !names[0][0] || !names[1][0]) {
        sg_mpi_activity_cmd_free(c);
        return -1;
    }
    c->o.customer = names[0];
    c->o.date = names[1];
    c->o.invoice = names[2][0] ? names[2] : NULL;
    c->o.amount = names[3][0] ? names[3] : NULL;
    c->o.satisfaction = names[4][0] ? names[4] : NULL;
    return 0;
}

/* ---- dates and bounds ---- */

int sg_mpi_activity_dates(const sg_table *t, const sg_mpi_activity_cmd *c, int64_t d[3], sg_error *err)
{
    sg_error_clear(err);
    if (!t) {
        d[0] = d[1] = d[2] = INT64_MAX;
        return 0;
    }
    return sg_activity_dates(t, c->o.date, c->have_as_of, c->as_of, d, err);
}

int sg_mpi_activity_bounds(const sg_mpi_activity_cmd *c, const int64_t d[3], int64_t *as_of, int *have_as_of,
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

int sg_mpi_activity_owner(const sg_table *t, const sg_mpi_activity_cmd *c, const int64_t *bounds, size_t nbounds,
                          sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    sg_activity a;
    int rc = t ? sg_activity_compute(t, &c->o, bounds, nbounds, &a, err)
               : sg_activity_alloc(&a, bounds, nbounds, err);
    if (rc)
        return rc;
    size_t P = a.nperiods;
    uint64_t flags = (c->o.amount ? HAS_REVENUE : 0) | (c->o.satisfaction ? HAS_SATISFACTION : 0);
    uint64_t head[HEAD_WORDS] = { PARTIAL_MAGIC, P, a.customers, a.rows_used, a.rows_missing, a.rows_after, flags };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    /* the ten count arrays are one block, in sg_activity's order */
    (void)sg_mpi_buf_put(out, a.active_start, NCOUNTS * P * sizeof *a.active_start);
    for (size_t j = 0; j < 2 * P; j++) {
        if (!((j < P ? HAS_REVENUE : HAS_SATISFACTION) & flags))
            continue;
        sg_xsum_normalize(&a.sums[j]);   /* (sg_activity_compute did; an owner without rows has zeros) */
        put_sum(out, &a.sums[j]);
    }
    sg_activity_free(&a);
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
