/* BTYD fits on the ranks that own the customers (core/mpi_btyd.h). */
#include "mpi_btyd.h"

#include <math.h>
#include <string.h>

#include "btyd_internal.h"
#include "mem.h"
#include "mpi_rfm.h"
#include "rfm_internal.h"

static uint64_t dbits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bitsd(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The BTYD summary's options, as both commands send them (amount may be
 * NULL; the strings read back point into the message). */
static void put_summary_options(sg_mpi_buf *b, const sg_btyd_summary_options *so)
{
    sg_mpi_put_str(b, so->customer);
    sg_mpi_put_str(b, so->date);
    sg_mpi_put_u64(b, so->amount != NULL);
    sg_mpi_put_str(b, so->amount);
    sg_mpi_put_u64(b, (uint64_t)so->calibration_end);
    sg_mpi_put_u64(b, (uint64_t)so->observation_end);
    sg_mpi_put_u64(b, dbits(so->unit_days));
    sg_mpi_put_u64(b, (uint64_t)so->whole_periods);
}

static void read_summary_options(sg_mpi_rd *r, sg_btyd_summary_options *so)
{
    so->customer = sg_mpi_rd_str(r);
    so->date = sg_mpi_rd_str(r);
    uint64_t has_amount = sg_mpi_rd_u64(r);
    const char *amount = sg_mpi_rd_str(r);
    so->amount = has_amount ? amount : NULL;
    so->calibration_end = (int64_t)sg_mpi_rd_u64(r);
    so->observation_end = (int64_t)sg_mpi_rd_u64(r);
    so->unit_days = bitsd(sg_mpi_rd_u64(r));
    so->whole_periods = (int)sg_mpi_rd_u64(r);
}

int sg_mpi_btyd_encode(const sg_mpi_btyd_cmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_u64(b, (uint64_t)c->model);
    put_summary_options(b, &c->so);
    sg_mpi_put_u64(b, dbits(c->penalizer));
    sg_mpi_put_u64(b, dbits(c->tolerance));
    sg_mpi_put_u64(b, (uint64_t)c->max_iter);
    return sg_mpi_buf_put(b, "", 0) == 0 ? 0 : -1;
}

int sg_mpi_btyd_decode(const unsigned char *b, size_t len, sg_mpi_btyd_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    uint64_t model = sg_mpi_rd_u64(&r);
    read_summary_options(&r, &c->so);
    c->penalizer = bitsd(sg_mpi_rd_u64(&r));
    c->tolerance = bitsd(sg_mpi_rd_u64(&r));
    uint64_t mi = sg_mpi_rd_u64(&r);
    if (r.bad || r.p != r.end || model >= SG_BTYD_NMODELS || mi < 1 || mi > 10000000)
        return -1;
    c->model = (sg_btyd_model)model;
    c->max_iter = (int)mi;
    return 0;
}

void sg_mpi_btyd_rows_free(sg_mpi_btyd_rows *r)
{
    sg_free(r->x);
    sg_free(r->tx);
    sg_free(r->T);
    sg_free(r->m);
    memset(r, 0, sizeof *r);
}

int sg_mpi_btyd_owner_rows(const sg_table *clean, const sg_btyd_summary_options *so, sg_mpi_btyd_rows *out,
                           sg_error *err)
{
    memset(out, 0, sizeof *out);
    sg_table *s = clean ? sg_btyd_summary(clean, so, err) : NULL;
    if (clean && !s)
        return err ? err->code : SG_ENOMEM;
    int rc = sg_mpi_btyd_rows_of(s, out, err);
    sg_table_free(s);
    return rc;
}

int sg_mpi_btyd_rows_of(const sg_table *s, sg_mpi_btyd_rows *out, sg_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = s ? s->nrows : 0, n1 = n ? n : 1;
    static const char *const names[4] = { "x", "t_x", "T", "mean_spend" };
    double **dst[4] = { &out->x, &out->tx, &out->T, &out->m };
    for (int q = 0; q < 4; q++) {
        *dst[q] = sg_malloc(n1 * sizeof(double));
        if (!*dst[q]) {
            sg_mpi_btyd_rows_free(out);
            return sg_error_nomem(err);
        }
        const sg_column *c = s ? sg_table_col(s, names[q]) : NULL;
        for (size_t i = 0; c && i < n; i++)
            (*dst[q])[i] = sg_column_num(c, i);
    }
    out->n = n;
    return SG_OK;
}

int sg_mpi_btyd_owner_fit(const sg_mpi_btyd_cmd *c, const sg_mpi_btyd_rows *r, const sg_btyd_reduce *red,
                          sg_btyd_fit *fit, size_t *skipped, sg_error *err)
{
    sg_btyd_fit_options fo;
    sg_btyd_fit_options_init(&fo);
    fo.penalizer = c->penalizer;
    fo.tolerance = c->tolerance;
    fo.max_iter = c->max_iter;
    fo.reduce = red;
    if (skipped)
        *skipped = 0;
    if (c->model == SG_GAMMA_GAMMA)
        return sg_gamma_gamma_fit(r->x, r->m, r->n, &fo, fit, skipped, err);
    sg_error lerr;
    sg_error_clear(&lerr);
    sg_btyd_data *d = r->n ? sg_btyd_collapse_model(c->model, r->x, r->tx, r->T, NULL, r->n, &lerr)
                           : sg_btyd_data_empty();
    if (!d && r->n == 0)
        sg_error_nomem(&lerr);
    if (sg_btyd_any_failed(red, d == NULL)) {
        sg_btyd_data_free(d);
        if (err)
            *err = lerr;
        return d ? sg_error_set(err, SG_EDATA, "%s fit: another process's customers were refused",
                                sg_btyd_model_name(c->model))
                 : lerr.code;
    }
    int rc = sg_btyd_fit_transactions(c->model, d, &fo, fit, err);
    sg_btyd_data_free(d);
    return rc;
}

/* ---- the summary and predictions on the owners ---- */

#define SUMMARY_WORDS 7   /* x, t_x, T, mean_spend, x_holdout, spend_holdout, holdout_length */

int sg_mpi_btyd_scmd_encode(const sg_mpi_btyd_scmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    put_summary_options(b, &c->so);
    sg_mpi_put_u64(b, (uint64_t)c->bare);
    sg_mpi_put_u64(b, (uint64_t)c->npred);
    for (int k = 0; k < c->npred; k++) {
        const sg_mpi_btyd_pred *p = &c->pred[k];
        sg_mpi_put_u64(b, (uint64_t)p->kind);
        sg_mpi_put_u64(b, (uint64_t)p->model);
        for (int q = 0; q < 4; q++)
            sg_mpi_put_u64(b, dbits(p->params[q]));
        for (int q = 0; q < 4; q++)
            sg_mpi_put_u64(b, dbits(p->gg[q]));
        sg_mpi_put_u64(b, dbits(p->t));
        sg_mpi_put_u64(b, (uint64_t)p->horizon);
        sg_mpi_put_u64(b, dbits(p->period));
        sg_mpi_put_u64(b, dbits(p->discount));
        sg_mpi_put_u64(b, dbits(p->margin));
        sg_mpi_put_str(b, p->column);
    }
    return sg_mpi_buf_put(b, "", 0) == 0 ? 0 : -1;
}

int sg_mpi_btyd_scmd_decode(const unsigned char *b, size_t len, sg_mpi_btyd_scmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    read_summary_options(&r, &c->so);
    uint64_t bare = sg_mpi_rd_u64(&r), np = sg_mpi_rd_u64(&r);
    if (r.bad || np > SG_MPI_BTYD_MAXPRED || bare > 1)
        return -1;
    c->bare = (int)bare;
    c->npred = (int)np;
    for (int k = 0; k < c->npred; k++) {
        sg_mpi_btyd_pred *p = &c->pred[k];
        uint64_t kind = sg_mpi_rd_u64(&r), model = sg_mpi_rd_u64(&r);
        for (int q = 0; q < 4; q++)
            p->params[q] = bitsd(sg_mpi_rd_u64(&r));
        for (int q = 0; q < 4; q++)
            p->gg[q] = bitsd(sg_mpi_rd_u64(&r));
        p->t = bitsd(sg_mpi_rd_u64(&r));
        uint64_t h = sg_mpi_rd_u64(&r);
        p->period = bitsd(sg_mpi_rd_u64(&r));
        p->discount = bitsd(sg_mpi_rd_u64(&r));
        p->margin = bitsd(sg_mpi_rd_u64(&r));
        p->column = sg_mpi_rd_str(&r);
        if (r.bad || (kind != SG_BTYD_SCORE_EXPECTED && kind != SG_BTYD_SCORE_P_ALIVE && kind != SG_BTYD_SCORE_CLV) ||
            model >= SG_BTYD_NMODELS || model == SG_GAMMA_GAMMA || h > 10000)
            return -1;
        p->kind = (sg_btyd_score_kind)kind;
        p->model = (sg_btyd_model)model;
        p->horizon = (int)h;
    }
    return r.bad || r.p != r.end ? -1 : 0;
}

/* The prediction p over the summary's n rows: a column (NULL, err set). */
static sg_column *owner_predict(const sg_mpi_btyd_pred *p, const sg_mpi_btyd_rows *r, sg_error *err)
{
    sg_btyd_fit tm, gg;
    if (sg_btyd_fit_from_params(p->model, p->params, &tm, err) != 0 ||
        (p->kind == SG_BTYD_SCORE_CLV && sg_btyd_fit_from_params(SG_GAMMA_GAMMA, p->gg, &gg, err) != 0))
        return NULL;
    sg_btyd_score s = { p->kind, &tm, p->kind == SG_BTYD_SCORE_CLV ? &gg : NULL, p->t, 0,
                        p->horizon, p->period, p->discount, p->margin };
    return sg_btyd_score_column(&s, r->x, r->tx, r->T, r->m, r->n, p->column, err);
}

/* Not split: the summary, its predictions, then one record per customer
 * written in one pass over the columns. */
int sg_mpi_btyd_summary_owner(const sg_table *s, const sg_mpi_btyd_scmd *c, sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    size_t n = s ? s->nrows : 0;
    sg_column *pc[SG_MPI_BTYD_MAXPRED] = { NULL };
    sg_mpi_btyd_rows rows;
    memset(&rows, 0, sizeof rows);
    int rc = 0;
    if (n > 0) {
        rc = sg_mpi_btyd_rows_of(s, &rows, err);
        for (int k = 0; k < c->npred && !rc; k++)
            if (!(pc[k] = owner_predict(&c->pred[k], &rows, err)))
                rc = err->code ? err->code : SG_ENOMEM;
    }
    const sg_column *cust = s ? sg_table_col(s, "customer") : NULL;
    uint64_t head[2] = { n, cust ? (uint64_t)cust->type : 0 };
    if (!rc)
        (void)sg_mpi_buf_put(out, head, sizeof head);
    static const char *const cols[SUMMARY_WORDS] = { "x", "t_x", "T", "mean_spend", "x_holdout", "spend_holdout",
                                                     "holdout_length" };
    const sg_column *sc[SUMMARY_WORDS];
    for (int q = 0; q < SUMMARY_WORDS; q++)
        sc[q] = s ? sg_table_col(s, cols[q]) : NULL;
    for (size_t i = 0; !rc && i < n && !out->oom; i++) {
        sg_mpi_put_id(out, cust, i);
        uint64_t w[SUMMARY_WORDS + SG_MPI_BTYD_MAXPRED + 1];
        const int at = c->bare ? 0 : SUMMARY_WORDS;
        for (int q = 0; q < at; q++)
            memcpy(&w[q], (const char *)sc[q]->data + i * 8, 8);   /* int64 and double columns alike */
        uint64_t missing = 0;
        for (int k = 0; k < c->npred; k++) {
            int na = sg_column_is_na(pc[k], i);
            w[at + k] = na ? 0 : dbits(sg_column_f64(pc[k])[i]);
            missing |= (uint64_t)na << k;
        }
        w[at + c->npred] = missing;
        (void)sg_mpi_buf_put(out, w, (size_t)(at + c->npred + 1) * 8);
    }
    for (int k = 0; k < SG_MPI_BTYD_MAXPRED; k++)
        sg_column_release(pc[k]);
    sg_mpi_btyd_rows_free(&rows);
    if (!rc && out->oom)
        rc = sg_error_set(err, SG_ENOMEM, "out of memory");
    return rc;
}

/* Not split: check every owner's records, sort the customers, then build
 * the columns in that order; one pass each, as sg_mpi_rfm_assemble. */
sg_table *sg_mpi_btyd_summary_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                                       const sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base,
                                       uint64_t *ncust, sg_error *err)
{
    sg_error_clear(err);
    int numeric = cust_type != SG_STRING;
    if (cust_type != SG_STRING && cust_type != SG_INT64 && cust_type != SG_DOUBLE)
        return sg_error_set(err, SG_EINVAL, "btyd summary: the customer column must be text or a number"), NULL;
    const sg_column *bcust = base ? sg_table_col(base, "customer") : NULL;
    if (c->bare && (!bcust || bcust->type != cust_type))
        return sg_error_set(err, SG_EINVAL, "btyd summary: no summary with a %s customer column to add predictions to",
                            sg_type_name(cust_type)), NULL;
    const int pa = c->bare ? 0 : SUMMARY_WORDS;   /* where the predictions start in a record */
    const size_t words = (size_t)(pa + c->npred + 1);
    size_t total = 0;
    /* 1. check the records and count the customers */
    for (int k = 0; k < n; k++) {
        sg_mpi_rd r = { parts[k], parts[k] + lens[k], 0 };
        uint64_t nc = sg_mpi_rd_u64(&r), type = sg_mpi_rd_u64(&r);
        if (!r.bad && nc && type != (uint64_t)cust_type)
            r.bad = 1;
        for (uint64_t q = 0; q < nc && !r.bad; q++) {
            size_t skip = numeric ? 8 : (size_t)sg_mpi_rd_u64(&r);
            if (r.bad || (size_t)(r.end - r.p) < skip || (size_t)(r.end - r.p) - skip < words * 8)
                r.bad = 1;
            else
                r.p += skip + words * 8;
        }
        if (r.bad || r.p != r.end)
            return sg_error_set(err, SG_EDATA, "the BTYD summary records of rank %d are malformed", k), NULL;
        if (ncust)
            ncust[k] = nc;
        total += (size_t)nc;
    }
    if (total >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "btyd summary: more than 4 billion customers"), NULL;
    if (c->bare && total != base->nrows)
        return sg_error_set(err, SG_EDATA, "btyd summary: the ranks sent %zu customers for a summary of %zu", total,
                            base->nrows), NULL;
    size_t t1 = total ? total : 1;
    sg_rfm_text_key *keys = sg_malloc(t1 * sizeof *keys);
    const unsigned char **rec = sg_malloc(t1 * sizeof *rec);   /* each customer's words */
    uint64_t *bits = sg_malloc(t1 * sizeof *bits);
    sg_table *t = NULL;
    enum { NCOLS = SUMMARY_WORDS + 1 + SG_MPI_BTYD_MAXPRED };
    sg_column *col[NCOLS] = { NULL };
    if (!keys || !rec || !bits)
        goto nomem;
    /* 2. the sort keys */
    size_t at = 0;
    for (int k = 0; k < n; k++) {
        const unsigned char *p = parts[k] + 16;
        uint64_t nc;
        memcpy(&nc, parts[k], 8);
        for (uint64_t q = 0; q < nc; q++, at++) {
            p = sg_mpi_read_id(p, numeric, cust_type, (uint32_t)at, &keys[at], &bits[at]);
            rec[at] = p;
            p += words * 8;
        }
    }
    if (sg_rfm_sort_text(keys, total))
        goto nomem;
    /* 3. the columns in that order; a customer of two ranks is refused */
    static const char *const names[SUMMARY_WORDS] = { "x", "t_x", "T", "mean_spend", "x_holdout", "spend_holdout",
                                                      "holdout_length" };
    /* with bare records only the predictions' columns, col[1 + SUMMARY_WORDS + k] */
    if (!c->bare) {
        col[0] = numeric ? sg_column_new("customer", cust_type, t1) : sg_rfm_text_column("customer", total);
        for (int q = 0; q < SUMMARY_WORDS; q++)
            col[1 + q] = sg_column_new(names[q], q == 0 || q == 4 ? SG_INT64 : SG_DOUBLE, t1);
    }
    for (int k = 0; k < c->npred; k++)
        col[1 + SUMMARY_WORDS + k] = sg_column_new(c->pred[k].column, SG_DOUBLE, t1);
    for (int q = c->bare ? 1 + SUMMARY_WORDS : 0; q < 1 + SUMMARY_WORDS + c->npred; q++)
        if (!col[q])
            goto nomem;
    for (size_t r = 0; r < total; r++) {
        const sg_rfm_text_key *kr = &keys[r];
        if (r > 0 && kr->prefix == keys[r - 1].prefix && kr->len == keys[r - 1].len &&
            (numeric || memcmp(kr->s, keys[r - 1].s, kr->len) == 0)) {
            sg_error_set(err, SG_EDATA, "btyd summary: a customer was sent by two ranks");
            goto out;
        }
        int rc = 0;
        if (c->bare) {
            /* base's customer r */
            size_t len = 8;
            const char *s = numeric ? (const char *)bcust->data + r * 8 : sg_column_str(bcust, r, &len);
            if (sg_column_is_na(bcust, r) || len != (numeric ? 8 : kr->len) ||
                memcmp(s, numeric ? (const char *)&bits[kr->idx] : kr->s, len) != 0) {
                sg_error_set(err, SG_EDATA, "btyd summary: the ranks' customers are not those of the summary "
                             "(row %zu)", r + 1);
                goto out;
            }
        } else if (!numeric) {
            rc = sg_column_push_str(col[0], kr->s, kr->len);
        } else if (cust_type == SG_DOUBLE) {
            rc = sg_column_push_f64(col[0], bitsd(bits[kr->idx]));
        } else {
            rc = sg_column_push_i64(col[0], (int64_t)bits[kr->idx]);
        }
        uint64_t w[SUMMARY_WORDS + SG_MPI_BTYD_MAXPRED + 1];
        memcpy(w, rec[kr->idx], words * 8);
        for (int q = 0; q < pa && !rc; q++)
            rc = q == 0 || q == 4 ? sg_column_push_i64(col[1 + q], (int64_t)w[q])
                                  : sg_column_push_f64(col[1 + q], bitsd(w[q]));
        uint64_t missing = w[pa + c->npred];
        for (int k = 0; k < c->npred && !rc; k++)
            rc = (missing >> k) & 1 ? sg_column_push_na(col[1 + SUMMARY_WORDS + k])
                                    : sg_column_push_f64(col[1 + SUMMARY_WORDS + k], bitsd(w[pa + k]));
        if (rc)
            goto nomem;
    }
    t = c->bare ? sg_table_share(base) : sg_table_new();
    if (!t)
        goto nomem;
    for (int q = c->bare ? 1 + SUMMARY_WORDS : 0; q < 1 + SUMMARY_WORDS + c->npred; q++) {
        sg_column *cq = col[q];
        col[q] = NULL;
        if (sg_table_set(t, cq, err) != 0) {
            sg_table_free(t);
            t = NULL;
            goto out;
        }
    }
    goto out;
nomem:
    sg_error_set(err, SG_ENOMEM, "out of memory");
out:
    for (int q = 0; q < NCOLS; q++)
        sg_column_release(col[q]);
    sg_free(keys);
    sg_free(rec);
    sg_free(bits);
    return t;
}
