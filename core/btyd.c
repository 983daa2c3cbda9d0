/* Shared "buy till you die" code: model names, data collapsing, the
 * weighted log-likelihood, maximum-likelihood fitting of the transaction
 * models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB) and the prediction
 * dispatchers.  Per-model formulas live in btyd_bgnbd.c, btyd_pareto.c and
 * btyd_bgbb.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btyd_internal.h"
#include "mem.h"
#include "optim.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_psi.h>

#include "kmeans_internal.h"

static const char *const model_names[SG_BTYD_NMODELS] = {"bgnbd", "mbgnbd", "pareto_nbd",
                                                         "gamma_gamma", "bgbb"};
static const char *const param_names[SG_BTYD_NMODELS][4] = {
    {"r", "alpha", "a", "b"}, {"r", "alpha", "a", "b"}, {"r", "alpha", "s", "beta"},
    {"p", "q", "v", NULL}, {"alpha", "beta", "gamma", "delta"}};

const char *sg_btyd_model_name(sg_btyd_model m)
{
    return ((unsigned)m < SG_BTYD_NMODELS) ? model_names[m] : "unknown";
}

int sg_btyd_nparams(sg_btyd_model m)
{
    return (unsigned)m >= SG_BTYD_NMODELS ? 0 : m == SG_GAMMA_GAMMA ? 3 : 4;
}

const char *sg_btyd_param_name(sg_btyd_model m, int i)
{
    return i >= 0 && i < sg_btyd_nparams(m) ? param_names[m][i] : NULL;
}

/* The models of purchases over time (everything but Gamma-Gamma). */
static int is_tm(sg_btyd_model m)
{
    return m == SG_BGNBD || m == SG_MBGNBD || m == SG_PARETO_NBD || m == SG_BGBB;
}

int sg_btyd_model_parse(const char *name, sg_btyd_model *out)
{
    if (!name || !out)
        return SG_EINVAL;
    for (int i = 0; i < SG_BTYD_NMODELS; i++) {
        if (strcmp(name, model_names[i]) == 0) {
            *out = (sg_btyd_model)i;
            return SG_OK;
        }
    }
    return SG_EINVAL;
}

/* ---- collapsing ---- */

typedef struct row3 {
    double x, tx, T;
} row3;

static int row_cmp(const void *pa, const void *pb)
{
    const row3 *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->tx != b->tx)
        return a->tx < b->tx ? -1 : 1;
    if (a->T != b->T)
        return a->T < b->T ? -1 : 1;
    return 0;
}

void sg_btyd_data_free(sg_btyd_data *d)
{
    if (!d)
        return;
    sg_free(d->x);
    sg_free(d->tx);
    sg_free(d->T);
    sg_free(d->w);
    sg_free(d);
}

sg_btyd_data *sg_btyd_collapse(const double *x, const double *tx, const double *T, size_t n,
                               sg_error *err)
{
    return sg_btyd_collapse_model(SG_BGNBD, x, tx, T, NULL, n, err);
}

typedef struct row4 {
    double x, tx, T, w;
} row4;

static int row4_cmp(const void *pa, const void *pb)
{
    return row_cmp(pa, pb);   /* (x, t_x, T) lead both structs */
}

sg_btyd_data *sg_btyd_collapse_model(sg_btyd_model m, const double *x, const double *tx,
                                     const double *T, const double *w, size_t n, sg_error *err)
{
    row4 *rows;
    sg_btyd_data *d;
    size_t i, k;
    int discrete = m == SG_BGBB;

    if ((!x || !tx || !T) && n > 0) {
        sg_error_set(err, SG_EINVAL, "btyd collapse: NULL x, t_x or T array");
        return NULL;
    }
    if (n == 0) {
        sg_error_set(err, SG_EDATA, "btyd collapse: no customers");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *why = NULL;
        if (!isfinite(x[i]) || !isfinite(tx[i]) || !isfinite(T[i]))
            why = "x, t_x and T must be finite numbers";
        else if (w && (!isfinite(w[i]) || w[i] < 0))
            why = "the weight must be a finite number >= 0";
        else if (x[i] < 0 || x[i] != floor(x[i]))
            why = "x (repeat purchases) must be a whole number >= 0";
        else if (T[i] < 0)
            why = "T (first purchase to the end of calibration) must be >= 0";
        else if (tx[i] < 0)
            why = "t_x (first to last purchase) must be >= 0";
        else if (tx[i] > T[i])
            why = "t_x (first to last purchase) must not exceed T (first purchase to end of period)";
        else if (x[i] == 0 && tx[i] != 0)
            why = "a customer with no repeat purchase (x = 0) must have t_x = 0";
        else if (discrete && (tx[i] != floor(tx[i]) || T[i] != floor(T[i])))
            why = "bgbb counts opportunities: t_x and T (n) must be whole numbers";
        else if (discrete && tx[i] < x[i])
            why = "bgbb: x transactions need at least x opportunities (t_x >= x)";
        if (why) {
            if (w)
                sg_error_set(err, SG_EDATA,
                             "btyd: row %zu (x = %g, t_x = %g, T = %g, weight = %g): %s", i + 1,
                             x[i], tx[i], T[i], w[i], why);
            else
                sg_error_set(err, SG_EDATA, "btyd: row %zu (x = %g, t_x = %g, T = %g): %s",
                             i + 1, x[i], tx[i], T[i], why);
            return NULL;
        }
    }
    rows = sg_malloc(n * sizeof *rows);
    d = sg_calloc(1, sizeof *d);
    if (!rows || !d) {
        sg_free(rows);
        sg_free(d);
        sg_error_nomem(err);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        rows[i].x = x[i];
        rows[i].tx = tx[i];
        rows[i].T = T[i];
        rows[i].w = w ? w[i] : 1.0;
    }
    qsort(rows, n, sizeof *rows, row4_cmp);
    for (i = 0, k = 0; i < n; i++)
        if (i == 0 || row4_cmp(&rows[i], &rows[i - 1]) != 0)
            k++;
    d->x = sg_malloc(k * sizeof(double));
    d->tx = sg_malloc(k * sizeof(double));
    d->T = sg_malloc(k * sizeof(double));
    d->w = sg_malloc(k * sizeof(double));
    if (!d->x || !d->tx || !d->T || !d->w) {
        sg_free(rows);
        sg_btyd_data_free(d);
        sg_error_nomem(err);
        return NULL;
    }
    for (i = 0, k = 0; i < n; i++) {
        if (i > 0 && row4_cmp(&rows[i], &rows[i - 1]) == 0) {
            d->w[k - 1] += rows[i].w;
            continue;
        }
        d->x[k] = rows[i].x;
        d->tx[k] = rows[i].tx;
        d->T[k] = rows[i].T;
        d->w[k] = rows[i].w;
        k++;
    }
    d->n = k;
    sg_free(rows);
    return d;
}

void sg_btyd_fit_options_init(sg_btyd_fit_options *o)
{
    if (!o)
        return;
    o->penalizer = 0.0;
    o->start = NULL;
    o->max_iter = 1000;
    o->tolerance = 1e-8;
    o->threads = 0;
    o->reduce = NULL;
}

sg_btyd_data *sg_btyd_data_empty(void)
{
    sg_btyd_data *d = sg_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->x = sg_malloc(sizeof(double));
    d->tx = sg_malloc(sizeof(double));
    d->T = sg_malloc(sizeof(double));
    d->w = sg_malloc(sizeof(double));
    if (!d->x || !d->tx || !d->T || !d->w) {
        sg_btyd_data_free(d);
        return NULL;
    }
    return d;
}

void sg_btyd_xsum_reduce(const sg_btyd_reduce *r, sg_xsum *acc, int k)
{
    int64_t w[SG_BTYD_MAX_SUMS * SG_XSUM_WORDS];
    if (!r || k <= 0 || k > SG_BTYD_MAX_SUMS)
        return;
    for (int q = 0; q < k; q++) {
        sg_xsum_normalize(&acc[q]);
        memcpy(w + q * SG_XSUM_WORDS, acc[q].c, sizeof acc[q].c);
    }
    r->sum(w, (size_t)k * SG_XSUM_WORDS, r->ud);
    for (int q = 0; q < k; q++)
        memcpy(acc[q].c, w + q * SG_XSUM_WORDS, sizeof acc[q].c);
}

int sg_btyd_any_failed(const sg_btyd_reduce *r, int failed)
{
    int64_t f = failed != 0;
    if (r)
        r->sum(&f, 1, r->ud);
    return f != 0;
}

double sg_btyd_max(const sg_btyd_reduce *r, double v)
{
    if (r)
        r->max(&v, 1, r->ud);
    return v;
}

int sg_btyd_fit_from_params(sg_btyd_model m, const double *params, sg_btyd_fit *fit,
                            sg_error *err)
{
    int np = sg_btyd_nparams(m);
    if (np == 0 || !params || !fit)
        return sg_error_set(err, SG_EINVAL, "btyd: unknown model or NULL parameters");
    for (int i = 0; i < np; i++)
        if (!(params[i] > 0) || !isfinite(params[i]))
            return sg_error_set(err, SG_EINVAL, "%s: parameter %s must be a number > 0 (got %g)",
                                model_names[m], param_names[m][i], params[i]);
    memset(fit, 0, sizeof *fit);
    fit->model = m;
    fit->nparams = np;
    for (int i = 0; i < 4; i++) {
        fit->params[i] = i < np ? params[i] : NAN;
        fit->se[i] = NAN;
    }
    fit->loglik = NAN;
    fit->converged = 1;
    snprintf(fit->method, sizeof fit->method, "given");
    return SG_OK;
}

/* ---- likelihood ---- */

/* The operations of each transaction model, one row per sg_btyd_model
 * (Gamma-Gamma has none of them; BG/BB no P(n purchases)).  BG/BB reads
 * T as its number of opportunities n. */
typedef struct btyd_ops {
    double (*loglik1)(const double *params, double x, double tx, double T);
    double (*expected)(const double *params, double t, double x, double tx, double T);
    double (*p_alive)(const double *params, double x, double tx, double T);
    double (*p_alive_at)(const double *params, double t, double x, double tx, double T);
    double (*p_purchases)(const double *params, int n, double t, double x, double tx, double T);
    double (*expected_new)(const double *params, double t);
} btyd_ops;

static const btyd_ops model_ops[SG_BTYD_NMODELS] = {
    [SG_BGNBD] = { sg_bgnbd_loglik1, sg_bgnbd_expected_purchases, sg_bgnbd_p_alive,
                   sg_bgnbd_p_alive_at, sg_bgnbd_p_purchases, sg_bgnbd_expected_purchases_new },
    [SG_MBGNBD] = { sg_mbgnbd_loglik1, sg_mbgnbd_expected_purchases, sg_mbgnbd_p_alive,
                    sg_mbgnbd_p_alive_at, sg_mbgnbd_p_purchases, sg_mbgnbd_expected_purchases_new },
    [SG_PARETO_NBD] = { sg_pareto_loglik1, sg_pareto_expected_purchases, sg_pareto_p_alive,
                        sg_pareto_p_alive_at, sg_pareto_p_purchases, sg_pareto_expected_purchases_new },
    [SG_GAMMA_GAMMA] = { NULL, NULL, NULL, NULL, NULL, NULL },
    [SG_BGBB] = { sg_bgbb_loglik1, sg_bgbb_expected_purchases, sg_bgbb_p_alive, sg_bgbb_p_alive_at,
                  NULL, sg_bgbb_expected_purchases_new },
};

/* The operations of model m, or NULL for a value outside the enumeration. */
static const btyd_ops *ops_of(sg_btyd_model m)
{
    return (unsigned)m < SG_BTYD_NMODELS ? &model_ops[m] : NULL;
}

double sg_btyd_loglik1(sg_btyd_model m, const double *params, double x, double tx, double T)
{
    const btyd_ops *o = ops_of(m);
    return params && o && o->loglik1 ? o->loglik1(params, x, tx, T) : NAN;
}

/* The exact sum of weight x log-likelihood over the rows of d and, with r,
 * over those of the other processes: NaN when a row's is not finite. */
static double loglik_shared(sg_btyd_model m, const double *params, const sg_btyd_data *d,
                            const sg_btyd_reduce *r)
{
    sg_xsum s;
    sg_xsum_init(&s);
    for (size_t i = 0; i < d->n; i++)
        sg_xsum_add_product(&s, d->w[i], sg_btyd_loglik1(m, params, d->x[i], d->tx[i], d->T[i]));
    sg_btyd_xsum_reduce(r, &s, 1);
    double v = sg_xsum_round(&s);
    return isfinite(v) ? v : NAN;
}

double sg_btyd_loglik(sg_btyd_model m, const double *params, const sg_btyd_data *d)
{
    if (!params || !d)
        return NAN;
    return loglik_shared(m, params, d, NULL);
}

/* ---- predictions ---- */

static int history_ok(const sg_btyd_fit *f, double x, double tx, double T)
{
    return f && is_tm(f->model) && isfinite(x) && isfinite(tx) && isfinite(T) && x >= 0 &&
           tx >= 0 && tx <= T && (x > 0 || tx == 0);
}

double sg_btyd_expected_purchases(const sg_btyd_fit *f, double t, double x, double tx, double T)
{
    if (!history_ok(f, x, tx, T) || !(t >= 0) || !isfinite(t))
        return NAN;
    return model_ops[f->model].expected(f->params, t, x, tx, T);
}

double sg_btyd_p_alive(const sg_btyd_fit *f, double x, double tx, double T)
{
    if (!history_ok(f, x, tx, T))
        return NAN;
    return model_ops[f->model].p_alive(f->params, x, tx, T);
}

double sg_btyd_p_alive_at(const sg_btyd_fit *f, double t, double x, double tx, double T)
{
    if (!history_ok(f, x, tx, T) || !(t >= 0) || !isfinite(t))
        return NAN;
    return model_ops[f->model].p_alive_at(f->params, t, x, tx, T);
}

double sg_btyd_p_purchases(const sg_btyd_fit *f, int n, double t, double x, double tx, double T)
{
    if (!history_ok(f, x, tx, T) || n < 0 || !(t >= 0) || !isfinite(t))
        return NAN;
    const btyd_ops *o = &model_ops[f->model];
    return o->p_purchases ? o->p_purchases(f->params, n, t, x, tx, T) : NAN;
}

double sg_btyd_expected_purchases_new(const sg_btyd_fit *f, double t)
{
    if (!f || !is_tm(f->model) || !(t >= 0) || !isfinite(t))
        return NAN;
    return model_ops[f->model].expected_new(f->params, t);
}

/* lifetimes' customer_lifetime_value: the purchases expected in period k
 * (the difference of the cumulative expectation at k and k-1 periods) times
 * the expected spend, discounted by (1 + rate)^k. */
double sg_btyd_clv(const sg_btyd_fit *tm, const sg_btyd_fit *gg, double x, double tx, double T,
                   double m, int horizon, double period, double discount_rate, double margin)
{
    double spend, prev = 0.0, clv = 0.0;

    if (!tm || !gg || gg->model != SG_GAMMA_GAMMA || horizon < 0 || !(period > 0) ||
        !isfinite(period) || !(discount_rate > -1) || !isfinite(discount_rate) || !isfinite(margin))
        return NAN;
    spend = sg_gamma_gamma_expected_spend(gg, x, m);
    if (!isfinite(spend))
        return NAN;
    for (int k = 1; k <= horizon; k++) {
        double cur = sg_btyd_expected_purchases(tm, k * period, x, tx, T);
        if (!isfinite(cur))
            return NAN;
        clv += (cur - prev) * spend * margin / pow(1.0 + discount_rate, k);
        prev = cur;
    }
    return clv;
}

/* ---- the Hessian at the optimum ---- */

/* h: Hessian of the mean objective in log parameters (n x n, row-major),
 * N customers.  Refuses (SG_EDATA) a Hessian that is not positive definite,
 * naming the parameter that dominates the flattest direction (the
 * eigenvector of the smallest eigenvalue); else fills se_log with the
 * standard errors of log(params): sqrt of the diagonal of (N h)^-1. */
int sg_btyd_hessian_check(sg_btyd_model m, const double *h, int n, double N, double *se_log,
                          sg_error *err)
{
    gsl_matrix *a = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_matrix *vec = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *val = gsl_vector_alloc((size_t)n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)n);
    int rc = SG_OK;

    if (!a || !vec || !val || !ws) {
        rc = sg_error_nomem(err);
        goto done;
    }
    for (int i = 0; i < n * n; i++) {
        if (!isfinite(h[i])) {
            rc = sg_error_set(err, SG_EDATA,
                              "%s fit: the Hessian of the log-likelihood at the optimum is not "
                              "finite; the fit cannot be trusted: use more data or a penalizer "
                              "(e.g. 0.001)",
                              model_names[m]);
            goto done;
        }
        gsl_matrix_set(a, (size_t)(i / n), (size_t)(i % n), h[i]);
    }
    if (gsl_eigen_symmv(a, val, vec, ws) != GSL_SUCCESS) {
        rc = sg_error_set(err, SG_EDATA, "%s fit: the Hessian at the optimum could not be analysed",
                          model_names[m]);
        goto done;
    }
    gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_ASC);
    double lo = gsl_vector_get(val, 0), hi = gsl_vector_get(val, (size_t)n - 1);
    /* positive definite, and not numerically singular: the flattest
     * direction must still be curved at 1e-12 of the steepest */
    if (!(lo > 1e-12 * fabs(hi)) || !(hi > 0)) {
        int worst = 0;
        for (int i = 1; i < n; i++)
            if (fabs(gsl_matrix_get(vec, (size_t)i, 0)) > fabs(gsl_matrix_get(vec, (size_t)worst, 0)))
                worst = i;
        rc = sg_error_set(err, SG_EDATA,
                          "%s fit: the Hessian of the log-likelihood at the optimum is not "
                          "positive definite (smallest eigenvalue %.3g, mostly along %s): %.0f "
                          "customers do not identify the parameters; use more data or a "
                          "penalizer (e.g. 0.001)",
                          model_names[m], lo, param_names[m][worst], N);
        goto done;
    }
    /* (N h)^-1 = V diag(1 / (N lambda)) V' */
    for (int i = 0; i < n; i++) {
        double v = 0.0;
        for (int k = 0; k < n; k++) {
            double e = gsl_matrix_get(vec, (size_t)i, (size_t)k);
            v += e * e / (N * gsl_vector_get(val, (size_t)k));
        }
        se_log[i] = sqrt(v);
    }
done:
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(val);
    gsl_matrix_free(vec);
    gsl_matrix_free(a);
    return rc;
}

/* ---- fitting ----
 * As lifetimes: the parameters are optimised in log space on data whose
 * time is rescaled so that the longest T is 1 (BG/NBD, MBG/NBD,
 * Pareto/NBD; BG/BB keeps its whole opportunities), and the penalty
 * applies to the rescaled parameters.  The optimiser always sees the mean
 * negative log-likelihood per customer; the Pareto/NBD penalty, which
 * lifetimes adds to the total, is divided by N to match.  Time parameters
 * (alpha; beta for the Pareto/NBD) are mapped back to the declared unit at
 * the end. */

#define PN_CHUNK ((size_t)1024)

typedef struct fit_ctx {
    sg_btyd_model model;
    int m;                 /* 0 BG/NBD, 1 MBG/NBD */
    size_t n;
    const double *x, *w;
    double *tx, *T;        /* rescaled */
    size_t ng;             /* distinct x values */
    double *gx, *gw;       /* value and total weight per distinct x */
    size_t *grp;           /* group of each row */
    double *lden;          /* per group: log(a) - log(b + x - 1 + m), scratch */
    double *glg, *gdg;     /* Pareto/NBD per group: lgamma(r+x)-lgamma(r), psi(r+x)-psi(r) */
    double N, penalizer;
    /* Pareto/NBD: the quadrature rule and the chunked pool */
    double gl_x[16], gl_w[16];
    int gl_n;
    km_pool *pool;
    size_t nchunks;
    sg_xsum *part;         /* per chunk: f, then 4 gradient entries */
    const sg_btyd_reduce *reduce;   /* the other processes of a shared fit, or NULL */
} fit_ctx;

/* The objective's sums, exact (core/xsum.h): every term a row or a group
 * contributes is its weight times a value that depends on (x, t_x, T) and
 * the parameters alone, so the rounded sums have the same bits however the
 * customers are collapsed and spread over processes. */
static double round_sums(fit_ctx *c, sg_xsum *acc, int want, double *g)
{
    sg_btyd_xsum_reduce(c->reduce, acc, want ? 5 : 1);
    for (int q = 0; q < 4; q++)
        g[q] = want ? sg_xsum_round(&acc[q + 1]) : 0.0;
    return sg_xsum_round(&acc[0]);
}

/* BG/NBD and MBG/NBD objective with its analytic gradient in log space.
 * The lgamma/digamma terms depend on x only, so they are computed once per
 * distinct x; each row costs two logs and one log-sum-exp. */
static double bg_objective(const double *th, size_t np, void *ud, double *grad, int *has_grad)
{
    fit_ctx *c = ud;
    double p[4], g[4], s;
    sg_xsum acc[5];
    int m = c->m, want = grad != NULL && has_grad != NULL;
    (void)np;
    for (int q = 0; q < 5; q++)
        sg_xsum_init(&acc[q]);
    for (int i = 0; i < 4; i++) {
        p[i] = exp(th[i]);
        if (!(p[i] > 0) || !isfinite(p[i]))
            return NAN;
    }
    double r = p[0], al = p[1], a = p[2], b = p[3], lal = log(al);
    for (size_t k = 0; k < c->ng; k++) {
        double x = c->gx[k], W = c->gw[k];
        sg_xsum_add_product(&acc[0], W, lgamma(r + x) - lgamma(r) + r * lal + lgamma(a + b) +
                                            lgamma(b + x + m) - lgamma(b) - lgamma(a + b + x + m));
        c->lden[k] = log(a) - log(b + x - 1 + m);
        if (want) {
            double pab = gsl_sf_psi(a + b), pabx = gsl_sf_psi(a + b + x + m);
            sg_xsum_add_product(&acc[1], W, gsl_sf_psi(r + x) - gsl_sf_psi(r) + lal);
            sg_xsum_add_product(&acc[2], W, r / al);
            sg_xsum_add_product(&acc[3], W, pab - pabx);
            sg_xsum_add_product(&acc[4], W, pab + gsl_sf_psi(b + x + m) - gsl_sf_psi(b) - pabx);
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        double x = c->x[i], w = c->w[i], LT = log(al + c->T[i]), a3 = -(r + x) * LT;
        if (x > 0 || m) {
            size_t k = c->grp[i];
            double Ltx = log(al + c->tx[i]), a4 = c->lden[k] - (r + x) * Ltx;
            double d = a4 - a3, e = exp(-fabs(d)), pi;
            sg_xsum_add_product(&acc[0], w, fmax(a3, a4) + log1p(e));
            if (want) {
                pi = d > 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);  /* weight of the dropout term */
                sg_xsum_add_product(&acc[1], w, -((1 - pi) * LT + pi * Ltx));
                sg_xsum_add_product(&acc[2], w,
                                    -((r + x) * ((1 - pi) / (al + c->T[i]) + pi / (al + c->tx[i]))));
                sg_xsum_add_product(&acc[3], w, pi / a);
                sg_xsum_add_product(&acc[4], w, -(pi / (b + x - 1 + m)));
            }
        } else {
            sg_xsum_add_product(&acc[0], w, a3);
            if (want) {
                sg_xsum_add_product(&acc[1], w, -LT);
                sg_xsum_add_product(&acc[2], w, -((r + x) / (al + c->T[i])));
            }
        }
    }
    s = round_sums(c, acc, want, g);
    if (!isfinite(s))
        return NAN;
    double f = -s / c->N;
    for (int i = 0; i < 4; i++)
        f += c->penalizer * p[i] * p[i];
    if (want) {
        for (int i = 0; i < 4; i++)
            grad[i] = -g[i] / c->N * p[i] + 2.0 * c->penalizer * p[i] * p[i];
        *has_grad = 1;
    }
    return isfinite(f) ? f : NAN;
}

/* Pareto/NBD: one chunk of rows into its own accumulators in c->part (exact
 * sums, merged in any order: the result never depends on the threads). */
typedef struct pn_job {
    fit_ctx *c;
    sg_pareto_eval e;
    int want;
} pn_job;

static void pn_chunk(void *arg, size_t chunk)
{
    pn_job *j = arg;
    fit_ctx *c = j->c;
    size_t lo = chunk * PN_CHUNK, hi = lo + PN_CHUNK < c->n ? lo + PN_CHUNK : c->n;
    double gr[4];
    sg_xsum *slot = c->part + chunk * 5;
    for (int q = 0; q < 5; q++)
        sg_xsum_init(&slot[q]);
    for (size_t i = lo; i < hi; i++) {
        size_t k = c->grp[i];
        double l = sg_pareto_row(&j->e, c->x[i], c->tx[i], c->T[i], c->glg[k], c->gdg[k],
                                 j->want ? gr : NULL);
        sg_xsum_add_product(&slot[0], c->w[i], l);
        if (isnan(l))
            break;
        if (j->want)
            for (int q = 0; q < 4; q++)
                sg_xsum_add_product(&slot[q + 1], c->w[i], gr[q]);
    }
}

static double pn_objective(const double *th, size_t np, void *ud, double *grad, int *has_grad)
{
    fit_ctx *c = ud;
    double p[4], s, g[4];
    sg_xsum acc[5];
    int want = grad != NULL && has_grad != NULL;
    (void)np;
    for (int q = 0; q < 5; q++)
        sg_xsum_init(&acc[q]);
    for (int i = 0; i < 4; i++) {
        p[i] = exp(th[i]);
        if (!(p[i] > 0) || !isfinite(p[i]))
            return NAN;
    }
    double r = p[0], psr = gsl_sf_psi(r), lgr = lgamma(r);
    for (size_t k = 0; k < c->ng; k++) {
        c->glg[k] = lgamma(r + c->gx[k]) - lgr;
        c->gdg[k] = want ? gsl_sf_psi(r + c->gx[k]) - psr : 0.0;
    }
    pn_job job = {c, {p[0], p[1], p[2], p[3], c->gl_x, c->gl_w, c->gl_n}, want};
    if (c->nchunks > 0)
        km_pool_run(c->pool, pn_chunk, &job, c->nchunks);
    for (size_t k = 0; k < c->nchunks; k++)
        for (int q = 0; q < (want ? 5 : 1); q++)
            sg_xsum_merge(&acc[q], &c->part[k * 5 + q]);
    s = round_sums(c, acc, want, g);
    if (!isfinite(s))
        return NAN;
    double f = -s / c->N;
    for (int i = 0; i < 4; i++)
        f += c->penalizer * p[i] * p[i];
    if (want) {
        for (int i = 0; i < 4; i++)
            grad[i] = -g[i] / c->N * p[i] + 2.0 * c->penalizer * p[i] * p[i];
        *has_grad = 1;
    }
    return isfinite(f) ? f : NAN;
}

/* Generic objective (BG/BB): numeric gradient from the optimiser. */
static double gen_objective(const double *th, size_t np, void *ud, double *grad, int *has_grad)
{
    fit_ctx *c = ud;
    double p[4], s, f, g[4];
    sg_xsum acc;
    (void)np;
    (void)grad;
    if (has_grad)
        *has_grad = 0;
    for (int i = 0; i < 4; i++)
        p[i] = exp(th[i]);
    sg_xsum_init(&acc);
    for (size_t i = 0; i < c->n; i++)
        sg_xsum_add_product(&acc, c->w[i], sg_btyd_loglik1(c->model, p, c->x[i], c->tx[i], c->T[i]));
    s = round_sums(c, &acc, 0, g);
    if (!isfinite(s))
        return NAN;
    f = -s / c->N;
    for (int i = 0; i < 4; i++)
        f += c->penalizer * p[i] * p[i];
    return isfinite(f) ? f : NAN;
}

/* Hessian by central differences of an analytic gradient. */
static int grad_hessian(sg_optim_fn fn, fit_ctx *c, const double *th, double *h)
{
    double q[4], gp[4], gm[4];
    int hg;
    for (int j = 0; j < 4; j++) {
        double step = 1e-5 * fmax(1.0, fabs(th[j]));
        memcpy(q, th, sizeof q);
        q[j] = th[j] + step;
        hg = 0;
        if (!isfinite(fn(q, 4, c, gp, &hg)) || !hg)
            return -1;
        q[j] = th[j] - step;
        hg = 0;
        if (!isfinite(fn(q, 4, c, gm, &hg)) || !hg)
            return -1;
        for (int i = 0; i < 4; i++)
            h[i * 4 + j] = (gp[i] - gm[i]) / (2.0 * step);
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            h[i * 4 + j] = h[j * 4 + i] = 0.5 * (h[i * 4 + j] + h[j * 4 + i]);
    return 0;
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

static void ctx_free(fit_ctx *c)
{
    sg_free(c->tx);
    sg_free(c->T);
    sg_free(c->gx);
    sg_free(c->gw);
    sg_free(c->grp);
    sg_free(c->lden);
    sg_free(c->glg);
    sg_free(c->gdg);
    sg_free(c->part);
    km_pool_free(c->pool);
}

/* Rescaled copies of the data, the distinct-x groups and, for the
 * Pareto/NBD, the quadrature rule and the thread pool. */
static int ctx_init(fit_ctx *c, const sg_btyd_data *d, double scale, int threads, sg_error *err)
{
    size_t n = d->n, i, k, n1 = n ? n : 1;   /* a process of a shared fit may hold no rows */
    c->tx = sg_malloc(n1 * sizeof(double));
    c->T = sg_malloc(n1 * sizeof(double));
    c->gx = sg_malloc(n1 * sizeof(double));
    c->gw = sg_calloc(n1, sizeof(double));
    c->grp = sg_malloc(n1 * sizeof(size_t));
    c->lden = sg_malloc(n1 * sizeof(double));
    c->glg = sg_malloc(n1 * sizeof(double));
    c->gdg = sg_malloc(n1 * sizeof(double));
    if (!c->tx || !c->T || !c->gx || !c->gw || !c->grp || !c->lden || !c->glg || !c->gdg)
        return sg_error_nomem(err);
    for (i = 0; i < n; i++) {
        c->tx[i] = d->tx[i] * scale;
        c->T[i] = d->T[i] * scale;
        c->gx[i] = d->x[i];
    }
    qsort(c->gx, n, sizeof(double), dbl_cmp);
    for (i = 0, k = 0; i < n; i++)
        if (k == 0 || c->gx[i] != c->gx[k - 1])
            c->gx[k++] = c->gx[i];
    c->ng = k;
    for (i = 0; i < n; i++) {
        size_t lo = 0, hi = c->ng - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (c->gx[mid] < d->x[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        c->grp[i] = lo;
        c->gw[lo] += d->w[i];
    }
    if (c->model == SG_PARETO_NBD) {
        gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(SG_PARETO_NODES);
        if (!t)
            return sg_error_nomem(err);
        c->gl_n = SG_PARETO_NODES;
        for (int j = 0; j < SG_PARETO_NODES; j++)
            gsl_integration_glfixed_point(-1.0, 1.0, (size_t)j, &c->gl_x[j], &c->gl_w[j], t);
        gsl_integration_glfixed_table_free(t);
        c->nchunks = (n + PN_CHUNK - 1) / PN_CHUNK;
        c->part = sg_malloc((c->nchunks ? c->nchunks : 1) * 5 * sizeof(sg_xsum));
        if (!c->part)
            return sg_error_nomem(err);
        c->pool = km_pool_new(threads, c->nchunks ? c->nchunks : 1, err);
        if (!c->pool)
            return err ? err->code : SG_ENOMEM;
    }
    return SG_OK;
}

/* The data's total weight *N_out and longest observation *maxT_out,
 * after checking the weights and that the data can identify a model:
 * some customers, some repeat buyers, some time observed.  0 or an error
 * code. */
static int scan_data(const sg_btyd_data *d, const char *name, const sg_btyd_reduce *r, double *N_out,
                     double *maxT_out, sg_error *err)
{
    double N, repeat, maxT = 0;
    sg_xsum sums[2];
    size_t bad = 0;
    sg_xsum_init(&sums[0]);
    sg_xsum_init(&sums[1]);
    for (size_t i = 0; i < d->n && !bad; i++) {
        if (!(d->w[i] >= 0) || !isfinite(d->w[i]))
            bad = i + 1;
        sg_xsum_add(&sums[0], d->w[i]);
        if (d->x[i] > 0)
            sg_xsum_add(&sums[1], d->w[i]);
        if (d->T[i] > maxT)
            maxT = d->T[i];
    }
    if (sg_btyd_any_failed(r, bad != 0))
        return bad ? sg_error_set(err, SG_EINVAL, "%s fit: weight of row %zu is %g (must be >= 0)",
                                  name, bad, d->w[bad - 1])
                   : sg_error_set(err, SG_EINVAL, "%s fit: a weight of another process is not >= 0",
                                  name);
    /* the counts and the longest T of every process's customers */
    sg_btyd_xsum_reduce(r, sums, 2);
    N = sg_xsum_round(&sums[0]);
    repeat = sg_xsum_round(&sums[1]);
    maxT = sg_btyd_max(r, maxT);
    if (N <= 0)
        return sg_error_set(err, SG_EDATA, "%s fit: no customers", name);
    if (repeat <= 0)
        return sg_error_set(err, SG_EDATA,
                            "%s fit: no repeat buyers among %.0f customers (every x = 0): the "
                            "purchase rate and the dropout cannot be estimated; use a longer "
                            "calibration period or check the frequency column",
                            name, N);
    if (!(maxT > 0))
        return sg_error_set(err, SG_EDATA,
                            "%s fit: every customer has T = 0 (no time observed since the first "
                            "purchase); use a later end of calibration or a finer time unit",
                            name);
    *N_out = N;
    *maxT_out = maxT;
    return 0;
}

/* Not split: after the option checks and the data scan (scan_data) what
 * remains is one optimiser run whose context, start values, result and
 * Hessian-based standard errors are built and freed together (ctx_free on
 * every exit). */
int sg_btyd_fit_transactions(sg_btyd_model m, const sg_btyd_data *d, const sg_btyd_fit_options *o,
                             sg_btyd_fit *fit, sg_error *err)
{
    sg_btyd_fit_options defaults;
    const char *name = sg_btyd_model_name(m);
    fit_ctx c;
    sg_optim_options oo;
    sg_optim_result res;
    sg_optim_fn fn;
    double N = 0, maxT = 0, scale, th[4], h[16], sel[4];
    int timep[4] = {0, 1, 0, 0}, rc;

    if (!is_tm(m))
        return sg_error_set(err, SG_EINVAL,
                            "btyd fit: model '%s' is not a transaction model (bgnbd, mbgnbd, "
                            "pareto_nbd, bgbb)", name);
    if (!d || !fit)
        return sg_error_set(err, SG_EINVAL, "btyd fit: NULL data or fit");
    if (!o) {
        sg_btyd_fit_options_init(&defaults);
        o = &defaults;
    }
    if (!(o->penalizer >= 0) || !isfinite(o->penalizer))
        return sg_error_set(err, SG_EINVAL, "%s fit: penalizer must be >= 0 (got %g)", name,
                            o->penalizer);
    if (o->max_iter <= 0)
        return sg_error_set(err, SG_EINVAL, "%s fit: max_iter must be positive (got %d)", name,
                            o->max_iter);
    if (!(o->tolerance > 0) || !isfinite(o->tolerance))
        return sg_error_set(err, SG_EINVAL, "%s fit: tolerance must be > 0 (got %g)", name,
                            o->tolerance);
    memset(fit, 0, sizeof *fit);
    fit->model = m;
    fit->nparams = 4;
    fit->loglik = NAN;
    for (int i = 0; i < 4; i++)
        fit->params[i] = fit->se[i] = NAN;
    if (m == SG_PARETO_NBD)
        timep[3] = 1;
    if (m == SG_BGBB)
        timep[1] = 0;
    if ((rc = scan_data(d, name, o->reduce, &N, &maxT, err)) != 0)
        return rc;
    scale = m == SG_BGBB ? 1.0 : 1.0 / maxT;

    if (o->start) {
        for (int i = 0; i < 4; i++) {
            if (!(o->start[i] > 0) || !isfinite(o->start[i]))
                return sg_error_set(err, SG_EINVAL,
                                    "%s fit: start value for %s must be > 0 (got %g)", name,
                                    param_names[m][i], o->start[i]);
            th[i] = log(o->start[i] * (timep[i] ? scale : 1.0));
        }
    } else {
        for (int i = 0; i < 4; i++)
            th[i] = 0.0;  /* all parameters 1 on the rescaled time axis, as lifetimes */
    }

    memset(&c, 0, sizeof c);
    c.model = m;
    c.m = m == SG_MBGNBD;
    c.n = d->n;
    c.x = d->x;
    c.w = d->w;
    c.N = N;
    c.penalizer = m == SG_PARETO_NBD ? o->penalizer / N : o->penalizer;
    c.reduce = o->reduce;
    rc = ctx_init(&c, d, scale, o->threads, err);
    if (sg_btyd_any_failed(o->reduce, rc != SG_OK)) {
        ctx_free(&c);
        return rc != SG_OK ? rc : sg_error_set(err, SG_ENOMEM, "%s fit: another process ran out of memory", name);
    }
    fn = m == SG_PARETO_NBD ? pn_objective : m == SG_BGBB ? gen_objective : bg_objective;
    if (!isfinite(fn(th, 4, &c, NULL, NULL))) {
        ctx_free(&c);
        return sg_error_set(err, SG_EDATA,
                            "%s fit: the log-likelihood is not finite at the starting "
                            "parameters; give other start values or check the data (x, t_x, T)",
                            name);
    }
    sg_optim_options_init(&oo);
    oo.max_iter = o->max_iter;
    oo.tol = o->tolerance;
    rc = sg_optim_minimize(fn, &c, th, 4, &oo, &res, err);
    if (rc != 0) {
        ctx_free(&c);
        if (rc == SG_EDATA) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err ? err->msg : "optimiser error");
            return sg_error_set(err, SG_EDATA,
                                "%s fit failed: %s; try a penalizer (e.g. 0.001), another time "
                                "unit or a longer calibration period",
                                name, why);
        }
        return rc;
    }
    fit->iterations = res.iterations;
    fit->converged = res.converged;
    snprintf(fit->method, sizeof fit->method, "%s", res.method ? res.method : "?");
    fit->customers = (size_t)N;
    for (int i = 0; i < 4; i++)
        fit->params[i] = exp(res.p[i]) / (timep[i] ? scale : 1.0);

    for (int i = 0; i < 4; i++) {
        double ps = exp(res.p[i]);
        if (!isfinite(ps) || ps > SG_BTYD_PARAM_MAX || ps < SG_BTYD_PARAM_MIN) {
            ctx_free(&c);
            /* an L2 penalty pulls parameters towards 0, so it cannot rescue one
             * that runs off to 0; say what can help in each case */
            const char *hint = ps < SG_BTYD_PARAM_MIN && o->penalizer > 0
                                   ? "fit without the penalizer, or try another model (mbgnbd, "
                                     "pareto_nbd), another time unit or a longer calibration period"
                                   : "use more data, a penalizer (e.g. 0.001) or another model";
            return sg_error_set(err, SG_EDATA,
                                "%s fit: parameter %s ran off to %g%s (allowed %g to %g): %.0f "
                                "customers do not identify the model; %s",
                                name, param_names[m][i], ps,
                                timep[i] && m != SG_BGBB ? " on the time axis rescaled to T <= 1"
                                                         : "",
                                SG_BTYD_PARAM_MIN, SG_BTYD_PARAM_MAX, N, hint);
        }
    }
    if (!res.converged) {
        ctx_free(&c);
        return sg_error_set(err, SG_EDATA,
                            "%s fit: the optimiser did not converge (%s); try a penalizer (e.g. "
                            "0.001), more iterations (max_iter), another time unit or a longer "
                            "calibration period",
                            name, res.why);
    }
    fit->loglik = loglik_shared(m, fit->params, d, o->reduce);
    if (!isfinite(fit->loglik)) {
        ctx_free(&c);
        return sg_error_set(err, SG_EDATA,
                            "%s fit: the log-likelihood is not finite at the fitted parameters; "
                            "try a penalizer (e.g. 0.001) or another time unit",
                            name);
    }
    /* The Hessian of the mean objective in log space must be positive
     * definite; standard errors by the delta method back to the natural
     * scale: se = param * se(log param) (the time rescaling only shifts
     * log alpha, so se(log alpha) is unchanged). */
    rc = fn == gen_objective ? sg_optim_hessian(fn, &c, res.p, 4, h, err)
                             : (grad_hessian(fn, &c, res.p, h) == 0
                                    ? SG_OK
                                    : sg_error_set(err, SG_EDATA,
                                                   "%s fit: the log-likelihood is not finite "
                                                   "next to the optimum",
                                                   name));
    if (rc == SG_OK)
        rc = sg_btyd_hessian_check(m, h, 4, N, sel, err);
    ctx_free(&c);
    if (rc != SG_OK)
        return rc;
    for (int i = 0; i < 4; i++)
        fit->se[i] = fit->params[i] * sel[i];
    return SG_OK;
}
