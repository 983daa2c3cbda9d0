/* The outcomes of past campaign tests on the owning ranks, the steps
 * without MPI calls (see mpi_campaign.h, docs/mpi.md). */
#include "mpi_campaign.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "campaign.h"
#include "keymap.h"
#include "mem.h"
#include "mpi_shuffle.h"

enum { REC_BYTES = 13 };   /* u32 row, 1 byte responded, 8 bytes revenue */

/* ---- the command ---- */

/* Whether target row r gets an outcome (sg_campaign_outcomes leaves the
 * others missing): customer, start and window present. */
static int has_outcome(const sg_column *tc, const sg_column *ts, const sg_column *tw, size_t r, double *w)
{
    return !sg_column_is_na(tc, r) && !sg_column_is_na(ts, r) && (!tw || sg_num_value(tw, r, w) == 0);
}

void sg_mpi_camp_plan_free(sg_mpi_camp_plan *p)
{
    sg_mpi_buf_free(&p->cmd);
    sg_mpi_buf_free(&p->rows);
    sg_free(p->sent);
    sg_free(p->dest);
    memset(p, 0, sizeof *p);
}

/* Appends target row r (list number i, window w) to b. */
static void put_row(sg_mpi_buf *b, const sg_column *tc, const sg_column *ts, size_t r, uint32_t i, double w)
{
    sg_mpi_buf_put(b, &i, 4);
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

int sg_mpi_camp_encode(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                       double window_days, const sg_table *tx, uint64_t gen, const char *cust, const char *date,
                       const char *amount, int n, int whole, sg_mpi_camp_plan *p, sg_error *err)
{
    memset(p, 0, sizeof *p);
    if (sg_campaign_outcomes_check(targets, tcust, tstart, twindow, window_days, tx, cust, date, amount, err) != 0)
        return err->code;
    const sg_column *tc = sg_table_col(targets, tcust), *ts = sg_table_col(targets, tstart);
    const sg_column *tw = twindow ? sg_table_col(targets, twindow) : NULL;
    if (tc->type != SG_STRING && tc->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "the targets' customer ids are %s, not text or whole numbers",
                            sg_type_name(tc->type));
    if (targets->nrows >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "%zu target rows: more than the records can number", targets->nrows);
    size_t n1 = targets->nrows ? targets->nrows : 1;
    p->sent = sg_malloc(n1 * sizeof *p->sent);
    p->dest = sg_malloc(n1 * sizeof *p->dest);
    sg_mpi_buf *blk = sg_calloc((size_t)n, sizeof *blk);
    if (!p->sent || !p->dest || !blk)
        goto nomem;
    for (size_t r = 0; r < targets->nrows; r++) {
        double w = window_days;
        if (!has_outcome(tc, ts, tw, r, &w))
            continue;
        int k = whole ? sg_mpi_owner_whole(tc, r, n) : sg_mpi_owner(tc, r, n);
        p->sent[p->nsent] = (uint32_t)r;
        p->dest[p->nsent] = k;
        put_row(&blk[k], tc, ts, r, (uint32_t)p->nsent, w);
        p->nsent++;
    }
    int oom = 0;
    size_t all = 0;
    for (int k = 0; k < n; k++) {
        oom |= blk[k].oom;
        all += blk[k].len;
    }
    int big = all > INT_MAX;
    if (!oom && big) {
        for (int k = 0; k < n; k++)
            sg_mpi_buf_free(&blk[k]);
        sg_free(blk);
        sg_mpi_camp_plan_free(p);
        return sg_error_set(err, SG_EINVAL, "the target rows would take more than 2 GiB");
    }
    sg_mpi_put_u64(&p->cmd, gen);
    sg_mpi_put_str(&p->cmd, cust);
    sg_mpi_put_str(&p->cmd, date);
    sg_mpi_put_str(&p->cmd, amount);
    sg_mpi_put_u64(&p->cmd, (uint64_t)tc->type);
    sg_mpi_put_u64(&p->cmd, (uint64_t)p->nsent);
    sg_mpi_put_u64(&p->cmd, (uint64_t)n);
    for (int k = 0; k < n; k++) {
        sg_mpi_put_u64(&p->cmd, (uint64_t)blk[k].len);
        sg_mpi_buf_put(&p->rows, blk[k].b, blk[k].len);
    }
    if (oom || p->cmd.oom || p->rows.oom)
        goto nomem;
    for (int k = 0; k < n; k++)
        sg_mpi_buf_free(&blk[k]);
    sg_free(blk);
    return 0;
nomem:
    if (blk)
        for (int k = 0; k < n; k++)
            sg_mpi_buf_free(&blk[k]);
    sg_free(blk);
    sg_mpi_camp_plan_free(p);
    return sg_error_nomem(err);
}

/* One row of a block at r->p: its number in the list, its id (text: *s,
 * *len), start and window; 0, or -1 when truncated or the window is not a
 * positive finite number. */
static int read_row(sg_mpi_rd *r, uint64_t type, uint32_t *i, const char **s, size_t *len, int64_t *id,
                    int64_t *start, double *w)
{
    if (r->end - r->p < 4)
        return -1;
    memcpy(i, r->p, 4);
    r->p += 4;
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
    c->nranks = sg_mpi_rd_u64(&r);
    if (r.bad || !c->customer[0] || !c->date[0] || !c->amount[0] || (c->type != SG_STRING && c->type != SG_INT64) ||
        c->nrows >= UINT32_MAX || c->nranks == 0 || c->nranks > INT_MAX ||
        (size_t)(r.end - r.p) != c->nranks * 8)
        return -1;
    c->sizes = r.p;
    size_t all = 0;   /* (the blocks' displacements in MPI_Scatterv are ints too) */
    for (uint64_t k = 0; k < c->nranks; k++) {
        size_t sz = sg_mpi_camp_block_size(c, (int)k);
        if (sz > INT_MAX || (all += sz) > INT_MAX)
            return -1;
    }
    return 0;
}

size_t sg_mpi_camp_block_size(const sg_mpi_camp_cmd *c, int k)
{
    uint64_t v;
    memcpy(&v, c->sizes + (size_t)k * 8, 8);
    return (size_t)v;
}

int sg_mpi_camp_block(sg_mpi_camp_cmd *c, const unsigned char *b, size_t len)
{
    sg_mpi_rd r = { b, b + len, 0 };
    uint64_t n = 0;
    int64_t last = -1;
    while (r.p < r.end) {
        uint32_t i;
        const char *s;
        size_t l;
        int64_t id, start;
        double w;
        if (read_row(&r, c->type, &i, &s, &l, &id, &start, &w) != 0 || i >= c->nrows || (int64_t)i <= last)
            return -1;
        last = i;
        n++;
    }
    c->rows = b;
    c->rows_len = len;
    c->nmine = n;
    return 0;
}

/* ---- on an owner ---- */

/* The rows of this rank's block as a table (customer, start, window), and
 * in *idx (allocated) their numbers in the list. */
static sg_table *rows_table(const sg_mpi_camp_cmd *c, uint32_t **idx, sg_error *err)
{
    size_t n = (size_t)c->nmine;
    sg_table *t = sg_table_new();
    sg_column *cc = sg_column_new("customer", (sg_type)c->type, n);
    sg_column *cs = sg_column_new("start", SG_DATETIME, n);
    sg_column *cw = sg_column_new("window", SG_DOUBLE, n);
    *idx = sg_malloc((n ? n : 1) * sizeof **idx);
    int bad = !t || !cc || !cs || !cw || !*idx;
    sg_mpi_rd r = { c->rows, c->rows + c->rows_len, 0 };
    for (size_t i = 0; i < n && !bad; i++) {
        const char *s = NULL;
        size_t len = 0;
        int64_t id = 0, start = 0;
        double w = 0;
        read_row(&r, c->type, &(*idx)[i], &s, &len, &id, &start, &w);   /* checked by sg_mpi_camp_block */
        bad = (c->type == SG_STRING ? sg_column_push_str(cc, s, len) : sg_column_push_i64(cc, id)) ||
              sg_column_push_i64(cs, start) || sg_column_push_f64(cw, w);
    }
    if (bad) {
        sg_column_release(cc);
        sg_column_release(cs);
        sg_column_release(cw);
        sg_table_free(t);
        sg_free(*idx);
        *idx = NULL;
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
        sg_free(*idx);
        *idx = NULL;
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
    if (!t || c->nmine == 0)
        return 0;
    uint32_t *idx;
    sg_table *rows = rows_table(c, &idx, err);
    if (!rows)
        return err->code;
    sg_table *o = sg_campaign_outcomes(rows, "customer", "start", "window", NAN, t, c->customer, c->date,
                                       c->amount, err);
    sg_table_free(rows);
    if (!o) {
        sg_free(idx);
        return err->code;
    }
    const sg_column *cr = sg_table_col(o, "responded"), *cv = sg_table_col(o, "window_revenue");
    uint64_t nrec = 0;
    for (size_t i = 0; i < o->nrows; i++) {
        uint8_t resp = sg_column_bools(cr)[i];
        double v = sg_column_f64(cv)[i];
        if (!resp && v == 0)
            continue;   /* no purchase here: what rank 0 fills in */
        sg_mpi_buf_put(out, &idx[i], 4);
        sg_mpi_buf_put(out, &resp, 1);
        sg_mpi_buf_put(out, &v, 8);
        nrec++;
    }
    sg_table_free(o);
    sg_free(idx);
    if (out->oom)
        return sg_error_nomem(err);
    memcpy(out->b + head, &nrec, 8);
    return 0;
}

/* ---- on rank 0 ---- */

sg_table *sg_mpi_camp_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                               const sg_table *targets, const sg_mpi_camp_plan *p, uint64_t *nrec, sg_error *err)
{
    const uint32_t *sent = p->sent;
    size_t nsent = p->nsent, n1 = nsent ? nsent : 1, nt = targets->nrows;
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
        const unsigned char *r = parts[k] + 8;
        for (uint64_t q = 0; q < cnt; q++, r += REC_BYTES) {
            uint32_t i;
            memcpy(&i, r, 4);
            if (i >= nsent || r[4] > 1 || seen[i] || p->dest[i] != k) {
                sg_error_set(err, SG_EDATA, "rank %d's campaign outcomes: record %llu %s", k,
                             (unsigned long long)q + 1, i >= nsent ? "names a row beyond the targets sent"
                             : r[4] > 1   ? "has a responded flag other than 0 or 1"
                             : seen[i]    ? "names a row already received (sent twice)"
                                          : "names a row sent to another rank");
                goto fail;
            }
            seen[i] = 1;
            resp[i] = r[4];
            memcpy(&rev[i], r + 5, 8);
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
