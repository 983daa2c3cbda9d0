/* The outcomes of past campaign tests on the owning ranks, the steps
 * without MPI calls (see mpi_campaign.h, docs/mpi.md). */
#include "mpi_campaign.h"

#include <math.h>
#include <string.h>

#include "campaign.h"
#include "keymap.h"
#include "mem.h"

enum { REC_BYTES = 13 };   /* u32 row, 1 byte responded, 8 bytes revenue */

/* ---- the command ---- */

/* Whether target row r gets an outcome (sg_campaign_outcomes leaves the
 * others missing): customer, start and window present. */
static int has_outcome(const sg_column *tc, const sg_column *ts, const sg_column *tw, size_t r, double *w)
{
    return !sg_column_is_na(tc, r) && !sg_column_is_na(ts, r) && (!tw || sg_num_value(tw, r, w) == 0);
}

int sg_mpi_camp_encode(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                       double window_days, const sg_table *tx, uint64_t gen, const char *cust, const char *date,
                       const char *amount, sg_mpi_buf *b, uint32_t **sent, size_t *nsent, sg_error *err)
{
    *sent = NULL;
    *nsent = 0;
    if (sg_campaign_outcomes_check(targets, tcust, tstart, twindow, window_days, tx, cust, date, amount, err) != 0)
        return err->code;
    const sg_column *tc = sg_table_col(targets, tcust), *ts = sg_table_col(targets, tstart);
    const sg_column *tw = twindow ? sg_table_col(targets, twindow) : NULL;
    if (tc->type != SG_STRING && tc->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "the targets' customer ids are %s, not text or whole numbers",
                            sg_type_name(tc->type));
    if (targets->nrows >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "%zu target rows: more than the records can number", targets->nrows);
    uint32_t *list = sg_malloc((targets->nrows ? targets->nrows : 1) * sizeof *list);
    if (!list)
        return sg_error_nomem(err);
    size_t n = 0;
    for (size_t r = 0; r < targets->nrows; r++) {
        double w = window_days;
        if (has_outcome(tc, ts, tw, r, &w))
            list[n++] = (uint32_t)r;
    }
    sg_mpi_put_u64(b, gen);
    sg_mpi_put_str(b, cust);
    sg_mpi_put_str(b, date);
    sg_mpi_put_str(b, amount);
    sg_mpi_put_u64(b, (uint64_t)tc->type);
    sg_mpi_put_u64(b, (uint64_t)n);
    for (size_t i = 0; i < n; i++) {
        size_t r = list[i];
        double w = window_days;
        if (tw)
            sg_num_value(tw, r, &w);
        if (tc->type == SG_STRING) {
            size_t len;
            const char *s = sg_column_str(tc, r, &len);
            uint32_t l32 = (uint32_t)len;
            sg_mpi_buf_put(b, &l32, 4);
            sg_mpi_buf_put(b, s, len);
        } else {
            sg_mpi_buf_put(b, &sg_column_i64(tc)[r], 8);
        }
        sg_mpi_buf_put(b, &sg_column_i64(ts)[r], 8);
        sg_mpi_buf_put(b, &w, 8);
    }
    if (b->oom) {
        sg_free(list);
        return sg_error_nomem(err);
    }
    *sent = list;
    *nsent = n;
    return 0;
}

/* One row of the command at r->p: its id (text: *s, *len), start and
 * window; 0, or -1 when truncated or the window is not a positive finite
 * number. */
static int read_row(sg_mpi_rd *r, uint64_t type, const char **s, size_t *len, int64_t *id, int64_t *start,
                    double *w)
{
    if (type == SG_STRING) {
        uint32_t l32;
        if (r->end - r->p < 4)
            return -1;
        memcpy(&l32, r->p, 4);
        r->p += 4;
        if ((size_t)(r->end - r->p) < l32)
            return -1;
        *s = (const char *)r->p;
        *len = l32;
        r->p += l32;
    } else {
        if (r->end - r->p < 8)
            return -1;
        memcpy(id, r->p, 8);
        r->p += 8;
    }
    if (r->end - r->p < 16)
        return -1;
    memcpy(start, r->p, 8);
    memcpy(w, r->p + 8, 8);
    r->p += 16;
    return *w > 0 && !isinf(*w) ? 0 : -1;
}

int sg_mpi_camp_decode(const unsigned char *b, size_t len, sg_mpi_camp_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    c->customer = sg_mpi_rd_str(&r);
    c->date = sg_mpi_rd_str(&r);
    c->amount = sg_mpi_rd_str(&r);
    c->type = sg_mpi_rd_u64(&r);
    c->nrows = sg_mpi_rd_u64(&r);
    if (r.bad || !c->customer[0] || !c->date[0] || !c->amount[0] || (c->type != SG_STRING && c->type != SG_INT64) ||
        c->nrows >= UINT32_MAX)
        return -1;
    c->rows = r.p;
    c->rows_len = (size_t)(r.end - r.p);
    for (uint64_t i = 0; i < c->nrows; i++) {
        const char *s;
        size_t l;
        int64_t id, start;
        double w;
        if (read_row(&r, c->type, &s, &l, &id, &start, &w) != 0)
            return -1;
    }
    return r.p == r.end ? 0 : -1;
}

/* ---- on an owner ---- */

/* The command's rows as a table: customer, start, window. */
static sg_table *rows_table(const sg_mpi_camp_cmd *c, sg_error *err)
{
    size_t n = (size_t)c->nrows;
    sg_table *t = sg_table_new();
    sg_column *cc = sg_column_new("customer", (sg_type)c->type, n);
    sg_column *cs = sg_column_new("start", SG_DATETIME, n);
    sg_column *cw = sg_column_new("window", SG_DOUBLE, n);
    int bad = !t || !cc || !cs || !cw;
    sg_mpi_rd r = { c->rows, c->rows + c->rows_len, 0 };
    for (size_t i = 0; i < n && !bad; i++) {
        const char *s = NULL;
        size_t len = 0;
        int64_t id = 0, start = 0;
        double w = 0;
        read_row(&r, c->type, &s, &len, &id, &start, &w);   /* checked by the decoder */
        bad = (c->type == SG_STRING ? sg_column_push_str(cc, s, len) : sg_column_push_i64(cc, id)) ||
              sg_column_push_i64(cs, start) || sg_column_push_f64(cw, w);
    }
    if (bad) {
        sg_column_release(cc);
        sg_column_release(cs);
        sg_column_release(cw);
        sg_table_free(t);
        sg_error_nomem(err);
        return NULL;
    }
    sg_column *cols[3] = { cc, cs, cw };
    int rc = 0;
    for (int q = 0; q < 3; q++) {   /* (sg_table_add takes the column, added or not) */
        if (rc)
            sg_column_release(cols[q]);
        else
            rc = sg_table_add(t, cols[q], err);
    }
    if (rc) {
        sg_table_free(t);
        return NULL;
    }
    return t;
}

int sg_mpi_camp_owner(const sg_table *t, const sg_mpi_camp_cmd *c, sg_mpi_buf *out, sg_error *err)
{
    size_t head = out->len;
    sg_mpi_put_u64(out, 0);
    if (out->oom)
        return sg_error_nomem(err);
    if (!t)
        return 0;
    sg_table *rows = rows_table(c, err);
    if (!rows)
        return err->code;
    sg_table *o = sg_campaign_outcomes(rows, "customer", "start", "window", NAN, t, c->customer, c->date,
                                       c->amount, err);
    sg_table_free(rows);
    if (!o)
        return err->code;
    const sg_column *cr = sg_table_col(o, "responded"), *cv = sg_table_col(o, "window_revenue");
    uint64_t nrec = 0;
    for (size_t i = 0; i < o->nrows; i++) {
        uint8_t resp = sg_column_bools(cr)[i];
        double v = sg_column_f64(cv)[i];
        if (!resp && v == 0)
            continue;   /* no purchase here: what rank 0 fills in */
        uint32_t i32 = (uint32_t)i;
        sg_mpi_buf_put(out, &i32, 4);
        sg_mpi_buf_put(out, &resp, 1);
        sg_mpi_buf_put(out, &v, 8);
        nrec++;
    }
    sg_table_free(o);
    if (out->oom)
        return sg_error_nomem(err);
    memcpy(out->b + head, &nrec, 8);
    return 0;
}

/* ---- on rank 0 ---- */

sg_table *sg_mpi_camp_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                               const sg_table *targets, const uint32_t *sent, size_t nsent, uint64_t *nrec,
                               sg_error *err)
{
    size_t n1 = nsent ? nsent : 1, nt = targets->nrows;
    uint8_t *resp = sg_calloc(n1, 1), *seen = sg_calloc(n1, 1);
    double *rev = sg_calloc(n1, sizeof *rev);
    sg_column *cr = NULL, *cv = NULL;
    sg_table *out = NULL;
    if (!resp || !seen || !rev)
        goto nomem;
    for (int k = 0; k < n; k++) {
        uint64_t cnt;
        if (lens[k] < 8 || (memcpy(&cnt, parts[k], 8), cnt > (lens[k] - 8) / REC_BYTES) ||
            lens[k] - 8 != cnt * REC_BYTES) {
            sg_error_set(err, SG_EDATA, "rank %d's campaign outcomes are malformed (%zu bytes)", k, lens[k]);
            goto fail;
        }
        if (nrec)
            nrec[k] = cnt;
        const unsigned char *p = parts[k] + 8;
        for (uint64_t q = 0; q < cnt; q++, p += REC_BYTES) {
            uint32_t i;
            memcpy(&i, p, 4);
            if (i >= nsent || p[4] > 1 || seen[i]) {
                sg_error_set(err, SG_EDATA, "rank %d's campaign outcomes: record %llu %s", k,
                             (unsigned long long)q + 1, i >= nsent ? "names a row beyond the targets sent"
                             : p[4] > 1 ? "has a responded flag other than 0 or 1"
                                        : "names a row already received (sent twice or by two ranks)");
                goto fail;
            }
            seen[i] = 1;
            resp[i] = p[4];
            memcpy(&rev[i], p + 5, 8);
        }
    }
    if (!(cr = sg_column_new("responded", SG_BOOL, nt ? nt : 1)) ||
        !(cv = sg_column_new("window_revenue", SG_DOUBLE, nt ? nt : 1)))
        goto nomem;
    for (size_t r = 0, i = 0; r < nt; r++) {
        int rc;
        if (i < nsent && sent[i] == r) {
            rc = sg_column_push_bool(cr, resp[i]) | sg_column_push_f64(cv, rev[i]);
            i++;
        } else {
            rc = sg_column_push_na(cr) | sg_column_push_na(cv);
        }
        if (rc)
            goto nomem;
    }
    out = sg_campaign_with_outcomes(targets, cr, cv, err);
    cr = cv = NULL;
    goto done;
nomem:
    sg_error_nomem(err);
fail:
    sg_table_free(out);
    out = NULL;
done:
    sg_column_release(cr);
    sg_column_release(cv);
    sg_free(resp);
    sg_free(seen);
    sg_free(rev);
    return out;
}
