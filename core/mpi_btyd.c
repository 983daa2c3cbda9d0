/* BTYD fits on the ranks that own the customers (core/mpi_btyd.h). */
#include "mpi_btyd.h"

#include <math.h>
#include <string.h>

#include "btyd_internal.h"
#include "mem.h"

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

int sg_mpi_btyd_encode(const sg_mpi_btyd_cmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_u64(b, (uint64_t)c->model);
    sg_mpi_put_str(b, c->so.customer);
    sg_mpi_put_str(b, c->so.date);
    sg_mpi_put_u64(b, c->so.amount != NULL);
    sg_mpi_put_str(b, c->so.amount);
    sg_mpi_put_u64(b, (uint64_t)c->so.calibration_end);
    sg_mpi_put_u64(b, (uint64_t)c->so.observation_end);
    sg_mpi_put_u64(b, dbits(c->so.unit_days));
    sg_mpi_put_u64(b, (uint64_t)c->so.whole_periods);
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
    c->so.customer = sg_mpi_rd_str(&r);
    c->so.date = sg_mpi_rd_str(&r);
    uint64_t has_amount = sg_mpi_rd_u64(&r);
    const char *amount = sg_mpi_rd_str(&r);
    c->so.amount = has_amount ? amount : NULL;
    c->so.calibration_end = (int64_t)sg_mpi_rd_u64(&r);
    c->so.observation_end = (int64_t)sg_mpi_rd_u64(&r);
    c->so.unit_days = bitsd(sg_mpi_rd_u64(&r));
    c->so.whole_periods = (int)sg_mpi_rd_u64(&r);
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
    size_t n = s ? s->nrows : 0, n1 = n ? n : 1;
    static const char *const names[4] = { "x", "t_x", "T", "mean_spend" };
    double **dst[4] = { &out->x, &out->tx, &out->T, &out->m };
    for (int q = 0; q < 4; q++) {
        *dst[q] = sg_malloc(n1 * sizeof(double));
        if (!*dst[q]) {
            sg_table_free(s);
            sg_mpi_btyd_rows_free(out);
            return sg_error_nomem(err);
        }
        const sg_column *c = s ? sg_table_col(s, names[q]) : NULL;
        for (size_t i = 0; c && i < n; i++)
            (*dst[q])[i] = sg_column_num(c, i);
    }
    out->n = n;
    sg_table_free(s);
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
