/* Gamma-Gamma spend model: expected spend, fitting, recovery, failures. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "btyd.h"
#include "mem.h"
#include "tap.h"

/* x ~ uniform 1..20 repeat purchases; nu ~ Gamma(q, rate v); each value
 * ~ Gamma(p, rate nu); m = mean of the x values. */
static void simulate(gsl_rng *rng, double p, double q, double v, size_t n, double *x, double *m)
{
    for (size_t i = 0; i < n; i++) {
        int k = 1 + (int)gsl_rng_uniform_int(rng, 20);
        double nu = gsl_ran_gamma(rng, q, 1.0 / v), s = 0.0;
        for (int j = 0; j < k; j++)
            s += gsl_ran_gamma(rng, p, 1.0 / nu);
        x[i] = k;
        m[i] = s / k;
    }
}

/* The Fader-Hardie-Lee likelihood written out, for the reported loglik. */
static double direct_loglik(const double *par, const double *x, const double *m, size_t n)
{
    double p = par[0], q = par[1], v = par[2], s = 0.0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0 && m[i] > 0)
            s += lgamma(p * x[i] + q) - lgamma(p * x[i]) - lgamma(q)
                 + q * log(v) + (p * x[i] - 1) * log(m[i]) + p * x[i] * log(x[i])
                 - (p * x[i] + q) * log(x[i] * m[i] + v);
    return s;
}

static void test_expected_spend(void)
{
    sg_btyd_fit f;
    memset(&f, 0, sizeof f);
    f.model = SG_GAMMA_GAMMA;
    f.nparams = 3;
    f.params[0] = 6.0;
    f.params[1] = 3.5;
    f.params[2] = 15.0;
    /* 6 (15 + 4*30) / (6*4 + 3.5 - 1) = 810 / 26.5 */
    tap_is_double(sg_gamma_gamma_expected_spend(&f, 4, 30), 810.0 / 26.5, 1e-12,
                  "expected spend (x=4, m=30) = 810/26.5");
    tap_is_double(sg_gamma_gamma_expected_spend(&f, 0, 0), 36.0, 1e-12,
                  "x = 0: population mean p v / (q - 1) = 36");
    tap_is_double(sg_gamma_gamma_expected_spend(&f, 1000, 50), 6.0 * (15 + 50000) / 6002.5,
                  1e-9, "many purchases: close to the customer's own mean");
    f.params[1] = 1.0;
    tap_ok(isnan(sg_gamma_gamma_expected_spend(&f, 4, 30)), "q = 1: NaN (mean undefined)");
    f.params[1] = 3.5;
    f.model = SG_BGNBD;
    tap_ok(isnan(sg_gamma_gamma_expected_spend(&f, 4, 30)), "not a Gamma-Gamma fit: NaN");
    tap_ok(isnan(sg_gamma_gamma_expected_spend(NULL, 4, 30)), "NULL fit: NaN");
}

static void test_recovery(gsl_rng *rng)
{
    const double truth[3] = {6.0, 3.5, 15.0};
    const size_t n = 20000, extra = 7;
    double *x = sg_malloc((n + extra) * sizeof *x), *m = sg_malloc((n + extra) * sizeof *m);
    if (!x || !m) {
        tap_ok(0, "allocation");
        sg_free(x);
        sg_free(m);
        return;
    }
    simulate(rng, truth[0], truth[1], truth[2], n, x, m);
    /* Rows that must be skipped: non-repeaters and non-positive spend. */
    static const double ex[7] = {0, 0, 0, 3, 5, 2, 0}, em[7] = {0, 12, -3, 0, -8, 0, 40};
    for (size_t i = 0; i < extra; i++) {
        x[n + i] = ex[i];
        m[n + i] = em[i];
    }
    sg_btyd_fit f, g;
    size_t skipped = 99;
    sg_error err;
    sg_error_clear(&err);
    int rc = sg_gamma_gamma_fit(x, m, n + extra, NULL, &f, &skipped, &err);
    tap_is_int(rc, 0, "Gamma-Gamma fit succeeds");
    if (rc != 0) {
        tap_diag("%s", err.msg);
        sg_free(x);
        sg_free(m);
        return;
    }
    tap_is_int((long long)skipped, 7, "7 rows skipped (x = 0 or m <= 0)");
    tap_is_int((long long)f.customers, (long long)n, "fit on the 20000 repeat buyers");
    tap_is_int(f.nparams, 3, "3 parameters");
    tap_ok(f.model == SG_GAMMA_GAMMA && f.converged, "model gamma_gamma, converged (%s)",
           f.method);
    static const char *names[3] = {"p", "q", "v"};
    for (int i = 0; i < 3; i++) {
        tap_diag("%s: true %g, fitted %.4f, se %.4f", names[i], truth[i], f.params[i], f.se[i]);
        /* 4 standard errors; the SE must be small enough for this to bite. */
        tap_ok(isfinite(f.se[i]) && f.se[i] < 0.15 * truth[i],
               "%s: standard error %.4g finite and < 15%% of the value", names[i], f.se[i]);
        tap_is_double(f.params[i], truth[i], 4.0 * f.se[i], names[i]);
    }
    tap_is_double(f.loglik, direct_loglik(f.params, x, m, n), 1e-6 * fabs(f.loglik),
                  "reported loglik = the written-out likelihood at the optimum");

    /* Skipped rows do not change the fit. */
    rc = sg_gamma_gamma_fit(x, m, n, NULL, &g, &skipped, &err);
    tap_ok(rc == 0 && skipped == 0, "without the extra rows: nothing skipped");
    tap_ok(rc == 0 && fabs(g.params[0] - f.params[0]) < 1e-9 * f.params[0]
               && fabs(g.params[2] - f.params[2]) < 1e-9 * f.params[2],
           "extra skipped rows leave the estimates unchanged");

    /* A penalizer shrinks the parameters. */
    sg_btyd_fit_options o;
    sg_btyd_fit_options_init(&o);
    o.penalizer = 0.001;
    rc = sg_gamma_gamma_fit(x, m, n, &o, &g, NULL, &err);
    if (rc != 0)
        tap_diag("%s", err.msg);
    else
        tap_diag("penalized: p %.4f q %.4f v %.4f", g.params[0], g.params[1], g.params[2]);
    tap_ok(rc == 0 && g.params[0] * g.params[0] + g.params[1] * g.params[1]
                          + g.params[2] * g.params[2]
                      < f.params[0] * f.params[0] + f.params[1] * f.params[1]
                            + f.params[2] * f.params[2],
           "penalizer 0.001 shrinks the sum of squared parameters");
    sg_free(x);
    sg_free(m);
}

static void test_failures(gsl_rng *rng)
{
    sg_btyd_fit f;
    sg_error err;
    size_t skipped = 0;
    double x1[3] = {0, 4, 0}, m1[3] = {0, 20, 0};
    sg_error_clear(&err);
    tap_is_int(sg_gamma_gamma_fit(x1, m1, 3, NULL, &f, &skipped, &err), SG_EDATA,
               "one repeat buyer: SG_EDATA");
    tap_ok(strstr(err.msg, "at least 2") != NULL, "message says at least 2 are needed: %s",
           err.msg);
    tap_is_int((long long)skipped, 2, "the two non-repeaters are counted as skipped");

    double x2[2] = {1, NAN}, m2[2] = {5, 6};
    tap_is_int(sg_gamma_gamma_fit(x2, m2, 2, NULL, &f, NULL, &err), SG_EDATA,
               "NaN x: SG_EDATA");
    tap_ok(strstr(err.msg, "row 2") != NULL, "message names row 2 (rows counted from 1): %s", err.msg);
    tap_is_int(sg_gamma_gamma_fit(NULL, m2, 2, NULL, &f, NULL, &err), SG_EINVAL,
               "NULL x: SG_EINVAL");
    sg_btyd_fit_options o;
    sg_btyd_fit_options_init(&o);
    o.penalizer = -1;
    tap_is_int(sg_gamma_gamma_fit(x1, m1, 3, &o, &f, NULL, &err), SG_EINVAL,
               "negative penalizer: SG_EINVAL");

    /* Heavy-tailed spend (true q = 0.7): the fitted q <= 1, the mean is undefined. */
    const size_t n = 5000;
    double *x = sg_malloc(n * sizeof *x), *m = sg_malloc(n * sizeof *m);
    if (!x || !m) {
        tap_ok(0, "allocation");
        sg_free(x);
        sg_free(m);
        return;
    }
    simulate(rng, 6.0, 0.7, 15.0, n, x, m);
    int rc = sg_gamma_gamma_fit(x, m, n, NULL, &f, NULL, &err);
    tap_is_int(rc, SG_EDATA, "q <= 1 at the optimum: SG_EDATA");
    tap_ok(rc == SG_EDATA && strstr(err.msg, "undefined") != NULL,
           "message says the mean spend is undefined: %s", err.msg);
    sg_free(x);
    sg_free(m);
}

/* Samples that cannot identify the spend model are refused with SG_EDATA. */
static void test_degenerate(void)
{
    sg_btyd_fit f;
    sg_error err;
    /* the same mean spend for everyone */
    double x[50], m[50];
    for (int i = 0; i < 50; i++) {
        x[i] = 1 + i % 7;
        m[i] = 25.0;
    }
    int rc = sg_gamma_gamma_fit(x, m, 50, NULL, &f, NULL, &err);
    tap_ok(rc == SG_EDATA && strstr(err.msg, "same mean spend"), "equal spend refused: %s",
           err.msg);
    /* every customer buys the same number of times with nearly the same
     * spend: the density collapses onto the data (p, q run off) */
    for (int i = 0; i < 50; i++) {
        x[i] = 20;
        m[i] = 25.0 + 1e-6 * (i % 3);
    }
    rc = sg_gamma_gamma_fit(x, m, 50, NULL, &f, NULL, &err);
    tap_ok(rc == SG_EDATA && strstr(err.msg, "gamma_gamma") &&
               (strstr(err.msg, "ran off") || strstr(err.msg, "not positive definite")),
           "near-equal spend refused: %s", err.msg);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return 1;
    gsl_rng_set(rng, 424242);
    test_expected_spend();
    test_recovery(rng);
    test_failures(rng);
    test_degenerate();
    gsl_rng_free(rng);
    return tap_done();
}
