/* Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV: using
 * iso-value curves for customer base analysis"): a customer's repeat
 * transaction values are Gamma(p, nu) with nu ~ Gamma(q, v) across
 * customers.  For a customer with x repeat transactions of mean value m the
 * likelihood (as in lifetimes' GammaGammaFitter) is
 *   log L = lgamma(px+q) - lgamma(px) - lgamma(q) + q log v
 *           + (px-1) log m + px log x - (px+q) log(xm + v).
 * Fitted in log space with sg_optim_minimize on the mean negative
 * log-likelihood plus penalizer * (p^2 + q^2 + v^2) (lifetimes' L2
 * penalty); standard errors from the finite-difference Hessian of the
 * total (n times the mean) objective in log space, by the delta method. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "btyd_internal.h"
#include "mem.h"
#include "optim.h"

typedef struct gg_data {
    const double *x, *m;   /* repeat buyers only (this process's) */
    size_t n;
    double N;              /* repeat buyers of every process */
    double penalizer;
    double scale;          /* 1/N */
    const sg_btyd_reduce *reduce;   /* the other processes of a shared fit, or NULL */
} gg_data;

/* The sums are exact (core/xsum.h) and reduced over the processes of a
 * shared fit: the same bits for any spread of the customers. */
static double gg_loglik_sum(const double *params, const gg_data *d)
{
    double p = params[0], q = params[1], v = params[2];
    double lgq = lgamma(q), lv = log(v);
    sg_xsum s;
    sg_xsum_init(&s);
    for (size_t i = 0; i < d->n; i++) {
        double x = d->x[i], m = d->m[i], px = p * x;
        sg_xsum_add(&s, lgamma(px + q) - lgamma(px) - lgq + q * lv + (px - 1.0) * log(m) + px * log(x)
                            - (px + q) * log(x * m + v));
    }
    sg_btyd_xsum_reduce(d->reduce, &s, 1);
    return sg_xsum_round(&s);
}

/* Digamma for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 6,
 * then the asymptotic series (absolute error below 1e-13 there).  Much
 * faster than gsl_sf_psi, which this loop calls twice per customer. */
static double digamma(double x)
{
    double acc = 0.0;
    while (x < 6.0) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    double f = 1.0 / (x * x);
    double series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
    return acc + log(x) - 0.5 / x + series;
}

/* The log-likelihood and its gradient in (p, q, v):
 *   d/dp = x (psi(px+q) - psi(px) + log m + log x - log(xm+v))
 *   d/dq = psi(px+q) - psi(q) + log v - log(xm+v)
 *   d/dv = q/v - (px+q)/(xm+v)
 * One pass instead of the 7 a central-difference gradient needs. */
static double gg_loglik_grad(const double *params, const gg_data *d, double *g)
{
    double p = params[0], q = params[1], v = params[2];
    double lgq = lgamma(q), lv = log(v), psiq = digamma(q);
    sg_xsum acc[4];
    for (int k = 0; k < 4; k++)
        sg_xsum_init(&acc[k]);
    for (size_t i = 0; i < d->n; i++) {
        double x = d->x[i], m = d->m[i], px = p * x;
        double lm = log(m), lx = log(x), lxmv = log(x * m + v);
        double psi_pxq = digamma(px + q), psi_px = digamma(px);
        sg_xsum_add(&acc[0], lgamma(px + q) - lgamma(px) - lgq + q * lv + (px - 1.0) * lm + px * lx
                                 - (px + q) * lxmv);
        sg_xsum_add(&acc[1], x * (psi_pxq - psi_px + lm + lx - lxmv));
        sg_xsum_add(&acc[2], psi_pxq - psiq + lv - lxmv);
        sg_xsum_add(&acc[3], q / v - (px + q) / (x * m + v));
    }
    sg_btyd_xsum_reduce(d->reduce, acc, 4);
    for (int k = 0; k < 3; k++)
        g[k] = sg_xsum_round(&acc[k + 1]);
    return sg_xsum_round(&acc[0]);
}

/* Objective in log parameters (gradient in log parameters too). */
static double gg_objective(const double *lp, size_t n, void *ud, double *grad, int *has_grad)
{
    const gg_data *d = ud;
    double params[3];
    (void)n;
    if (has_grad)
        *has_grad = 0;
    for (int i = 0; i < 3; i++) {
        if (!(lp[i] < 700.0 && lp[i] > -700.0))
            return NAN;
        params[i] = exp(lp[i]);
    }
    double g[3];
    double ll = grad ? gg_loglik_grad(params, d, g) : gg_loglik_sum(params, d);
    if (!isfinite(ll))
        return NAN;
    double pen = d->penalizer * (params[0] * params[0] + params[1] * params[1]
                                 + params[2] * params[2]);
    if (grad && has_grad) {
        int ok = 1;
        for (int i = 0; i < 3; i++) {
            /* chain rule to log space: d/dlog(theta) = theta * d/dtheta */
            grad[i] = d->scale * (-g[i] + d->N * 2.0 * d->penalizer * params[i]) * params[i];
            ok &= isfinite(grad[i]);
        }
        *has_grad = ok;
    }
    return d->scale * (-ll + d->N * pen);
}

/* Not split: option checks, the filter of repeat buyers with a positive
 * mean spend, the optimiser call and the standard errors are one sequence
 * over the kept arrays (kx, km) and the fit record, freed at one exit. */
int sg_gamma_gamma_fit(const double *x, const double *m, size_t n, const sg_btyd_fit_options *o,
                       sg_btyd_fit *fit, size_t *skipped, sg_error *err)
{
    sg_btyd_fit_options defaults;
    if (!o) {
        sg_btyd_fit_options_init(&defaults);
        o = &defaults;
    }
    if (!fit || (n > 0 && (!x || !m)))
        return sg_error_set(err, SG_EINVAL, "gamma_gamma: x, m and fit must not be NULL");
    if (!(o->penalizer >= 0.0) || !isfinite(o->penalizer))
        return sg_error_set(err, SG_EINVAL, "gamma_gamma: penalizer must be >= 0 (got %g)",
                            o->penalizer);
    if (o->start)
        for (int i = 0; i < 3; i++)
            if (!(o->start[i] > 0.0) || !isfinite(o->start[i]))
                return sg_error_set(err, SG_EINVAL,
                                    "gamma_gamma: start[%d] must be a positive number (got %g)",
                                    i, o->start[i]);

    /* Keep repeat buyers with a positive mean spend (counted over every
     * process of a shared fit: bad rows, kept, skipped). */
    const sg_btyd_reduce *r = o->reduce;
    size_t keep = 0, skip = 0, bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if (isnan(x[i]) || isnan(m[i]) || x[i] < 0.0 || !isfinite(x[i]) || !isfinite(m[i]))
            bad = i + 1;
        else if (x[i] > 0.0 && m[i] > 0.0)
            keep++;
        else
            skip++;
    }
    int64_t counts[3] = { bad != 0, (int64_t)keep, (int64_t)skip };
    if (r)
        r->sum(counts, 3, r->ud);
    if (counts[0] && bad)
        return sg_error_set(err, SG_EDATA,
                            "gamma_gamma: row %zu has an invalid x = %g or m = %g "
                            "(x must be a finite count >= 0, m finite)", bad, x[bad - 1], m[bad - 1]);
    if (counts[0])
        return sg_error_set(err, SG_EDATA, "gamma_gamma: another process holds a row with an invalid x or m");
    size_t local_keep = keep;
    keep = (size_t)counts[1];
    skip = (size_t)counts[2];
    if (skipped)
        *skipped = skip;
    if (keep < 2)
        return sg_error_set(err, SG_EDATA,
                            "gamma_gamma: %zu repeat buyer(s) with a positive mean spend "
                            "(%zu row(s) skipped for x = 0 or m <= 0); at least 2 are needed "
                            "to fit the spend model", keep, skip);

    /* The same mean spend for every repeat buyer leaves no spread to
     * estimate: p and q run off together towards a point mass. */
    double mlo = INFINITY, mhi = -INFINITY, msum;
    sg_xsum ms;
    sg_xsum_init(&ms);
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0.0 && m[i] > 0.0) {
            mlo = fmin(mlo, m[i]);
            mhi = fmax(mhi, m[i]);
            sg_xsum_add(&ms, m[i]);
        }
    mlo = -sg_btyd_max(r, -mlo);
    mhi = sg_btyd_max(r, mhi);
    sg_btyd_xsum_reduce(r, &ms, 1);
    msum = sg_xsum_round(&ms);
    if (mhi - mlo <= 1e-12 * mhi)
        return sg_error_set(err, SG_EDATA,
                            "gamma_gamma: all %zu repeat buyers have the same mean spend (%g): "
                            "the spread of spend between customers cannot be estimated; use the "
                            "observed mean spend, or more data with varied spend", keep, mhi);
    double mmean = msum / (double)keep;

    size_t nk = local_keep ? local_keep : 1;
    double *kx = sg_malloc(nk * sizeof *kx), *km = sg_malloc(nk * sizeof *km);
    if (sg_btyd_any_failed(r, !kx || !km)) {
        sg_free(kx);
        sg_free(km);
        return kx && km ? sg_error_set(err, SG_ENOMEM, "gamma_gamma: another process ran out of memory")
                        : sg_error_nomem(err);
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0.0 && m[i] > 0.0) {
            kx[j] = x[i];
            km[j] = m[i];
            j++;
        }

    gg_data d = { kx, km, local_keep, (double)keep, o->penalizer, 1.0 / (double)keep, r };
    double start[3];
    for (int i = 0; i < 3; i++)
        start[i] = o->start ? log(o->start[i]) : 0.0;   /* lifetimes starts at p = q = v = 1 */

    sg_optim_options oo;
    sg_optim_options_init(&oo);
    if (o->max_iter > 0)
        oo.max_iter = o->max_iter;
    if (o->tolerance > 0 && isfinite(o->tolerance))
        oo.tol = o->tolerance;
    sg_optim_result res;
    int rc = sg_optim_minimize(gg_objective, &d, start, 3, &oo, &res, err);
    if (rc != 0) {
        if (rc == SG_EDATA) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err ? err->msg : "");
            sg_error_set(err, SG_EDATA,
                         "gamma_gamma: the fit failed (%s); try a penalizer (e.g. 0.001) or "
                         "check the spend values", why);
        }
        sg_free(kx);
        sg_free(km);
        return rc;
    }
    {
        /* run-off: p and q as they are, v in units of the mean spend */
        double pv[3] = {exp(res.p[0]), exp(res.p[1]), exp(res.p[2]) / mmean};
        static const char *const nm[3] = {"p", "q", "v (in units of the mean spend)"};
        for (int i = 0; i < 3; i++)
            if (!(pv[i] >= SG_BTYD_PARAM_MIN && pv[i] <= SG_BTYD_PARAM_MAX)) {
                double ll = gg_loglik_sum((double[3]){exp(res.p[0]), exp(res.p[1]),
                                                      exp(res.p[2])}, &d);
                sg_error_set(err, SG_EDATA,
                             "gamma_gamma: parameter %s ran off to %g (allowed %g to %g)%s: "
                             "%zu repeat buyers do not identify the spend model; use more data "
                             "or a penalizer (e.g. 0.001)",
                             nm[i], pv[i], SG_BTYD_PARAM_MIN, SG_BTYD_PARAM_MAX,
                             ll > 0 ? ", with a positive log-likelihood: the spend density "
                                      "collapsed onto the data"
                                    : "",
                             keep);
                sg_free(kx);
                sg_free(km);
                return SG_EDATA;
            }
    }
    if (!res.converged) {
        sg_error_set(err, SG_EDATA,
                     "gamma_gamma: the optimiser did not converge on %zu repeat buyers (%s); "
                     "try a penalizer (e.g. 0.001) or more iterations", keep, res.why);
        sg_free(kx);
        sg_free(km);
        return SG_EDATA;
    }

    memset(fit, 0, sizeof *fit);
    fit->model = SG_GAMMA_GAMMA;
    fit->nparams = 3;
    for (int i = 0; i < 3; i++)
        fit->params[i] = exp(res.p[i]);
    fit->params[3] = NAN;
    fit->iterations = res.iterations;
    fit->converged = res.converged;
    snprintf(fit->method, sizeof fit->method, "%s", res.method ? res.method : "");
    fit->customers = keep;
    fit->loglik = gg_loglik_sum(fit->params, &d);

    if (!(fit->params[1] > 1.0)) {
        sg_error_set(err, SG_EDATA,
                     "gamma_gamma: the fitted q = %g is <= 1, so the mean spend p*v/(q-1) is "
                     "undefined (the spend distribution has an infinite mean); check for "
                     "extreme spend values or use a penalizer", fit->params[1]);
        sg_free(kx);
        sg_free(km);
        return SG_EDATA;
    }

    /* The Hessian of the mean objective in log space must be positive
     * definite; then se(theta) = theta * se(log theta). */
    double h[9], sel[3];
    for (int i = 0; i < 4; i++)
        fit->se[i] = NAN;
    int rc2 = sg_optim_hessian(gg_objective, &d, res.p, 3, h, err);
    if (rc2 == 0)
        rc2 = sg_btyd_hessian_check(SG_GAMMA_GAMMA, h, 3, (double)keep, sel, err);
    sg_free(kx);
    sg_free(km);
    if (rc2 != 0)
        return rc2;
    for (int i = 0; i < 3; i++)
        fit->se[i] = fit->params[i] * sel[i];
    return 0;
}

/* E[Z | x, m] = p (v + x m) / (p x + q - 1); NaN unless gg is a Gamma-Gamma
 * fit with q > 1 and x >= 0 (x = 0 gives the population mean p v / (q-1)). */
double sg_gamma_gamma_expected_spend(const sg_btyd_fit *gg, double x, double m)
{
    if (!gg || gg->model != SG_GAMMA_GAMMA || !(x >= 0.0) || !isfinite(m))
        return NAN;
    double p = gg->params[0], q = gg->params[1], v = gg->params[2];
    if (!(q > 1.0) || !(p > 0.0) || !(v > 0.0))
        return NAN;
    return p * (v + x * m) / (p * x + q - 1.0);
}
