/* BG/NBD and MBG/NBD: hand-computed log-likelihoods, closed-form
 * predictions, parameter recovery on simulated data, extreme customers,
 * collapsing, CLV, and the fit time on 100,000 customers. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_hyperg.h>

#include "btyd.h"
#include "mem.h"
#include "tap.h"

#define NMAX 100000

static double sx[NMAX], stx[NMAX], sT[NMAX];

/* BG/NBD (mod = 0) or MBG/NBD (mod = 1) customers: lambda ~ Gamma(r, alpha),
 * p ~ Beta(a, b), T ~ U[26, 104] weeks, exponential gaps, dropout with
 * probability p after each repeat purchase (and, for MBG, at time 0).
 * days != 0 rounds times to whole days (as real data are). */
static void simulate(size_t n, const double *par, int mod, int days, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (size_t i = 0; i < n; i++) {
        double lam = gsl_ran_gamma(rng, par[0], 1.0 / par[1]);
        double p = gsl_ran_beta(rng, par[2], par[3]);
        double T = gsl_ran_flat(rng, 26.0, 104.0), t = 0, tx = 0;
        int x = 0, alive = !(mod && gsl_rng_uniform(rng) < p);
        while (alive) {
            t += gsl_ran_exponential(rng, 1.0 / lam);
            if (t > T)
                break;
            x++;
            tx = t;
            if (gsl_rng_uniform(rng) < p)
                alive = 0;
        }
        if (days) {
            T = ceil(T * 7) / 7;
            tx = floor(tx * 7) / 7;
        }
        sx[i] = x;
        stx[i] = tx;
        sT[i] = T;
    }
    gsl_rng_free(rng);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_names_and_collapse(void)
{
    sg_btyd_model m;
    sg_error err;
    tap_is_str(sg_btyd_model_name(SG_MBGNBD), "mbgnbd", "model name");
    tap_ok(sg_btyd_model_parse("pareto_nbd", &m) == 0 && m == SG_PARETO_NBD, "parse pareto_nbd");
    tap_ok(sg_btyd_model_parse("bg", &m) == SG_EINVAL, "unknown model name rejected");

    double x[] = {2, 0, 2, 1, 2}, tx[] = {5, 0, 5, 3, 4}, T[] = {10, 8, 10, 9, 10};
    sg_btyd_data *d = sg_btyd_collapse(x, tx, T, 5, &err);
    tap_ok(d != NULL, "collapse ok");
    if (d) {
        tap_is_int((long long)d->n, 4, "collapse: 5 customers -> 4 rows");
        tap_ok(d->x[0] == 0 && d->x[1] == 1 && d->x[2] == 2 && d->tx[2] == 4 && d->tx[3] == 5,
               "collapse: sorted by (x, t_x, T)");
        tap_is_double(d->w[3], 2.0, 0, "collapse: identical rows merged with weight 2");
        tap_is_double(d->w[0] + d->w[1] + d->w[2], 3.0, 0, "collapse: other weights 1");
    }
    sg_btyd_data_free(d);
    sg_btyd_data_free(NULL);

    struct {
        double x, tx, T;
        const char *needle;
    } bad[] = {{1, 6, 5, "must not exceed T"},
               {1.5, 1, 5, "whole number"},
               {0, 2, 5, "x = 0"},
               {-1, 0, 5, "whole number"},
               {1, NAN, 5, "finite"},
               {1, -1, 5, ">= 0"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double bx[2] = {1, bad[i].x}, btx[2] = {1, bad[i].tx}, bT[2] = {2, bad[i].T};
        sg_error_clear(&err);
        d = sg_btyd_collapse(bx, btx, bT, 2, &err);
        tap_ok(d == NULL && err.code == SG_EDATA && strstr(err.msg, "row 2") &&
                   strstr(err.msg, bad[i].needle),
               "collapse rejects bad row %zu: %s", i, err.msg);
        sg_btyd_data_free(d);
    }
    d = sg_btyd_collapse(x, tx, T, 0, &err);
    tap_ok(d == NULL && err.code == SG_EDATA, "collapse: no customers -> SG_EDATA");
}

static void test_loglik_by_hand(void)
{
    const double p[4] = {0.5, 3.0, 0.8, 2.5};
    double r = p[0], al = p[1], a = p[2], b = p[3];
    /* x = 0: only the "alive" term, r log(alpha / (alpha + T)) */
    tap_is_double(sg_btyd_loglik1(SG_BGNBD, p, 0, 0, 10), r * log(3.0 / 13.0), 1e-12,
                  "BG/NBD loglik x=0 by hand");
    /* x = 2, t_x = 4, T = 10, eq. (6) of Fader, Hardie and Lee (2005) with
     * plain gamma functions: B(a, b+x)/B(a,b) Gamma(r+x)/Gamma(r) alpha^r
     * [(alpha+T)^-(r+x) + a/(b+x-1) (alpha+t_x)^-(r+x)] */
    double B = tgamma(a + b) * tgamma(b + 2) / (tgamma(b) * tgamma(a + b + 2));
    double L = B * tgamma(r + 2) / tgamma(r) * pow(al, r) *
               (pow(al + 10, -(r + 2)) + a / (b + 1) * pow(al + 4, -(r + 2)));
    tap_is_double(sg_btyd_loglik1(SG_BGNBD, p, 2, 4, 10), log(L), 1e-12,
                  "BG/NBD loglik x=2 by hand");
    /* MBG/NBD: (1-p)^(x+1) and a p (1-p)^x term for every x */
    double Bm = tgamma(a + b) * tgamma(b + 3) / (tgamma(b) * tgamma(a + b + 3));
    double Lm = Bm * tgamma(r + 2) / tgamma(r) * pow(al, r) *
                (pow(al + 10, -(r + 2)) + a / (b + 2) * pow(al + 4, -(r + 2)));
    tap_is_double(sg_btyd_loglik1(SG_MBGNBD, p, 2, 4, 10), log(Lm), 1e-12,
                  "MBG/NBD loglik x=2 by hand");
    double L0 = b / (a + b) * pow(al / (al + 10), r) + a / (a + b);
    tap_is_double(sg_btyd_loglik1(SG_MBGNBD, p, 0, 0, 10), log(L0), 1e-12,
                  "MBG/NBD loglik x=0 by hand (dropout at time 0)");
    /* weighted sum */
    double x[] = {0, 2, 2}, tx[] = {0, 4, 4}, T[] = {10, 10, 10};
    sg_error err;
    sg_btyd_data *d = sg_btyd_collapse(x, tx, T, 3, &err);
    tap_is_double(sg_btyd_loglik(SG_BGNBD, p, d), r * log(3.0 / 13.0) + 2 * log(L), 1e-10,
                  "weighted total loglik");
    sg_btyd_data_free(d);
    const double badp[4] = {0.5, -1, 0.8, 2.5};
    tap_ok(isnan(sg_btyd_loglik1(SG_BGNBD, badp, 1, 1, 2)), "negative alpha -> NaN");
    /* extreme customer stays finite */
    tap_ok(isfinite(sg_btyd_loglik1(SG_BGNBD, p, 5000, 9999, 10000)), "x = 5000 loglik finite");
}

static void test_predictions(sg_btyd_fit *f, const char *tag)
{
    /* moderate customer: x = 2, t_x = 30, T = 52 */
    double prev = -1, ok = 1;
    for (double t = 0; t <= 200; t += 10) {
        double e = sg_btyd_expected_purchases(f, t, 2, 30, 52);
        if (!(e > prev || (t == 0 && e == 0)))
            ok = 0;
        prev = e;
    }
    tap_ok(ok, "%s: E[purchases in t] increases with t", tag);
    double pa1 = sg_btyd_p_alive(f, 3, 50, 52), pa2 = sg_btyd_p_alive(f, 3, 30, 52),
           pa3 = sg_btyd_p_alive(f, 3, 5, 52);
    tap_ok(pa1 > pa2 && pa2 > pa3 && pa3 > 0 && pa1 < 1,
           "%s: P(alive) decreases with T - t_x (%.4f %.4f %.4f)", tag, pa1, pa2, pa3);
    tap_is_double(sg_btyd_p_alive_at(f, 10, 3, 30, 52), sg_btyd_p_alive(f, 3, 30, 62), 1e-15,
                  "P(alive at T+t) = P(alive | T+t) without purchases");
    tap_ok(sg_btyd_p_alive_at(f, 10, 3, 30, 52) < pa2, "%s: P(alive) falls further after 10 quiet weeks", tag);
    if (f->model == SG_BGNBD)
        tap_is_double(sg_btyd_p_alive(f, 0, 0, 80), 1.0, 0, "BG/NBD: P(alive) = 1 when x = 0");
    /* new customer: unconditional formula equals the conditional one at (0, 0, 0) */
    tap_is_double(sg_btyd_expected_purchases_new(f, 39), sg_btyd_expected_purchases(f, 39, 0, 0, 0),
                  1e-10, "new customer = conditional at x = t_x = T = 0");
    /* the PMF sums to 1 and its mean is the conditional expectation (two
     * different code paths: incomplete beta vs hypergeometric series) */
    double hist[3][3] = {{2, 30, 52}, {0, 0, 40}, {25, 50, 52}};
    for (int h = 0; h < 3; h++) {
        double s = 0, mean = 0;
        for (int n = 0; n <= 200; n++) {
            double pn = sg_btyd_p_purchases(f, n, 26, hist[h][0], hist[h][1], hist[h][2]);
            s += pn;
            mean += n * pn;
        }
        double e = sg_btyd_expected_purchases(f, 26, hist[h][0], hist[h][1], hist[h][2]);
        tap_is_double(s, 1.0, 1e-9, "P(n purchases in 26) sums to 1 over n = 0..200");
        tap_is_double(mean, e, 1e-7 * (1 + e), "sum n P(n) = E[purchases in 26]");
    }
    /* the hypergeometric series against GSL's 2F1 (moderate arguments) */
    {
        const double *p = f->params;
        int m = f->model == SG_MBGNBD;
        double r = p[0], al = p[1], a = p[2], b = p[3], x = 2, tx = 30, T = 52, t = 26;
        double z = t / (al + T + t);
        double F = gsl_sf_hyperg_2F1(r + x, b + x + m, a + b + x - 1 + m, z);
        double num = (a + b + x - 1 + m) / (a - 1) * (1 - pow((al + T) / (al + T + t), r + x) * F);
        double den = 1 + a / (b + x - 1 + m) * pow((al + T) / (al + tx), r + x);
        tap_is_double(sg_btyd_expected_purchases(f, t, x, tx, T), num / den, 1e-9,
                      "conditional expectation = lifetimes formula with GSL's 2F1");
    }
    /* extreme customers */
    double e1 = sg_btyd_expected_purchases(f, 52, 500, 103.9, 104);
    double e2 = sg_btyd_expected_purchases(f, 52, 3000, 103.99, 104);
    double p5 = sg_btyd_p_alive(f, 500, 10, 104);
    double q5 = sg_btyd_p_purchases(f, 250, 52, 500, 103.9, 104);
    tap_ok(isfinite(e1) && e1 > 100 && isfinite(e2) && e2 > e1 && isfinite(q5) && q5 >= 0 &&
               p5 >= 0 && p5 < 1e-6,
           "%s: extreme customers finite (E=%.1f, %.1f, P(alive)=%.3g, P(250)=%.3g)", tag, e1, e2,
           p5, q5);
    tap_ok(isnan(sg_btyd_expected_purchases(f, 1, 2, 60, 52)), "t_x > T -> NaN");
}

static void test_fit_recovery(void)
{
    /* true weekly parameters: r = 0.9, alpha = 40/7 (40 in days), a = 0.8, b = 4 */
    const double truth[4] = {0.9, 40.0 / 7.0, 0.8, 4.0};
    const char *nm[4] = {"r", "alpha", "a", "b"};
    sg_error err;
    sg_btyd_fit f, fm;
    sg_btyd_fit_options o;

    simulate(20000, truth, 0, 0, 42);
    sg_btyd_data *d = sg_btyd_collapse(sx, stx, sT, 20000, &err);
    sg_btyd_fit_options_init(&o);
    int rc = sg_btyd_fit_transactions(SG_BGNBD, d, &o, &f, &err);
    tap_ok(rc == 0, "BG/NBD fit on 20,000 simulated customers: %s", rc ? err.msg : "ok");
    tap_diag("BG/NBD: r=%.4f(%.4f) alpha=%.4f(%.4f) a=%.4f(%.4f) b=%.4f(%.4f) ll=%.2f it=%d %s",
             f.params[0], f.se[0], f.params[1], f.se[1], f.params[2], f.se[2], f.params[3],
             f.se[3], f.loglik, f.iterations, f.method);
    /* Tolerance: the maximum-likelihood estimate is asymptotically normal
     * around the truth with the reported standard error, so |est - true|
     * < 3.5 se fails with probability < 0.05% per parameter when the fit
     * and the SEs are right; a wrong formula shifts the estimate by many SEs.
     * The SEs themselves must be finite and small (< 25% of the value). */
    for (int i = 0; i < 4; i++) {
        tap_ok(isfinite(f.se[i]) && f.se[i] > 0 && f.se[i] < 0.25 * truth[i],
               "BG/NBD se(%s) = %.4f finite and small", nm[i], f.se[i]);
        tap_ok(fabs(f.params[i] - truth[i]) < 3.5 * f.se[i], "BG/NBD %s = %.4f within 3.5 se of %.4f",
               nm[i], f.params[i], truth[i]);
    }
    tap_is_double(f.loglik, sg_btyd_loglik(SG_BGNBD, f.params, d), 1e-9, "fit.loglik");
    tap_is_int((long long)f.customers, 20000, "fit.customers");
    /* the optimum: the loglik is lower a little away in each direction */
    int better = 0;
    for (int i = 0; i < 4; i++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double q[4];
            memcpy(q, f.params, sizeof q);
            q[i] *= 1 + sgn * 0.01;
            if (sg_btyd_loglik(SG_BGNBD, q, d) > f.loglik)
                better++;
        }
    tap_is_int(better, 0, "no better point 1% away in any parameter");
    test_predictions(&f, "BG/NBD");

    /* CLV against a hand sum (Gamma-Gamma spend p(v + x m)/(p x + q - 1)) */
    sg_btyd_fit gg;
    memset(&gg, 0, sizeof gg);
    gg.model = SG_GAMMA_GAMMA;
    gg.nparams = 3;
    gg.params[0] = 6;
    gg.params[1] = 4;
    gg.params[2] = 15;
    double spend = 6 * (15 + 3 * 40.0) / (6 * 3 + 4 - 1), clv = 0, prev = 0;
    for (int k = 1; k <= 12; k++) {
        double e = sg_btyd_expected_purchases(&f, k * 4.345, 3, 40, 60);
        clv += (e - prev) * spend * 0.3 / pow(1.01, k);
        prev = e;
    }
    tap_is_double(sg_btyd_clv(&f, &gg, 3, 40, 60, 40, 12, 4.345, 0.01, 0.3), clv, 1e-9,
                  "CLV = discounted sum of monthly purchases x spend x margin");
    tap_ok(isnan(sg_btyd_clv(&f, &f, 3, 40, 60, 40, 12, 4.345, 0.01, 0.3)),
           "CLV with a non Gamma-Gamma spend model -> NaN");

    /* MBG/NBD on the same data */
    rc = sg_btyd_fit_transactions(SG_MBGNBD, d, &o, &fm, &err);
    tap_ok(rc == 0 && fm.converged, "MBG/NBD fit converges: %s", rc ? err.msg : "ok");
    tap_diag("MBG/NBD: r=%.4f(%.4f) alpha=%.4f(%.4f) a=%.4f(%.4f) b=%.4f(%.4f) ll=%.2f %s",
             fm.params[0], fm.se[0], fm.params[1], fm.se[1], fm.params[2], fm.se[2],
             fm.params[3], fm.se[3], fm.loglik, fm.method);
    int fin = 1;
    for (int i = 0; i < 4; i++)
        fin &= isfinite(fm.params[i]) && isfinite(fm.se[i]);
    tap_ok(fin, "MBG/NBD parameters and standard errors finite");
    test_predictions(&fm, "MBG/NBD");

    /* a penalizer shrinks the parameters (on the rescaled axis) */
    o.penalizer = 0.1;
    sg_btyd_fit fp;
    rc = sg_btyd_fit_transactions(SG_BGNBD, d, &o, &fp, &err);
    tap_ok(rc == 0 && fp.loglik < f.loglik && fp.params[3] < f.params[3],
           "penalizer 0.1: lower loglik, smaller b (%.3f < %.3f)", fp.params[3], f.params[3]);
    sg_btyd_data_free(d);

    /* MBG/NBD recovers its own simulated parameters */
    simulate(20000, truth, 1, 0, 7);
    d = sg_btyd_collapse(sx, stx, sT, 20000, &err);
    o.penalizer = 0;
    rc = sg_btyd_fit_transactions(SG_MBGNBD, d, &o, &fm, &err);
    int within = rc == 0;
    for (int i = 0; i < 4 && within; i++)
        within = fabs(fm.params[i] - truth[i]) < 3.5 * fm.se[i];
    tap_ok(within, "MBG/NBD recovers r=%.3f alpha=%.3f a=%.3f b=%.3f within 3.5 se",
           fm.params[0], fm.params[1], fm.params[2], fm.params[3]);
    sg_btyd_data_free(d);
}

static void test_extreme_fits(void)
{
    sg_error err;
    sg_btyd_fit f;
    /* one-time buyers only */
    double x0[] = {0, 0, 0}, tx0[] = {0, 0, 0}, T0[] = {10, 20, 30};
    sg_btyd_data *d = sg_btyd_collapse(x0, tx0, T0, 3, &err);
    int rc = sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &f, &err);
    tap_ok(rc == SG_EDATA && strstr(err.msg, "no repeat buyers") && strstr(err.msg, "bgnbd"),
           "one-time buyers only -> SG_EDATA: %s", err.msg);
    sg_btyd_data_free(d);

    /* simulated data plus 50 customers with 500 purchases */
    const double truth[4] = {0.9, 40.0 / 7.0, 0.8, 4.0};
    simulate(5000, truth, 0, 0, 3);
    for (int i = 0; i < 50; i++) {
        sx[i] = 500;
        stx[i] = 100 - i * 0.5;
        sT[i] = 104;
    }
    d = sg_btyd_collapse(sx, stx, sT, 5000, &err);
    rc = sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &f, &err);
    tap_ok(rc == 0 && isfinite(f.loglik) && isfinite(f.params[0]) && isfinite(f.se[0]),
           "fit with 500-purchase customers finite: %s (r=%.3f alpha=%.3f a=%.3f b=%.3f)",
           rc ? err.msg : "ok", f.params[0], f.params[1], f.params[2], f.params[3]);
    sg_btyd_data_free(d);

    /* every customer with 500 purchases: finite fit or a clear SG_EDATA */
    for (int i = 0; i < 100; i++) {
        sx[i] = 500 + i;
        stx[i] = 90 + i * 0.1;
        sT[i] = 104;
    }
    d = sg_btyd_collapse(sx, stx, sT, 100, &err);
    sg_error_clear(&err);
    rc = sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &f, &err);
    tap_ok((rc == 0 && isfinite(f.loglik) && isfinite(f.params[0]) && isfinite(f.params[3])) ||
               (rc == SG_EDATA && strstr(err.msg, "bgnbd")),
           "only heavy buyers: finite or clear error (%s; r=%.3g alpha=%.3g a=%.3g b=%.3g)",
           rc ? err.msg : "ok", f.params[0], f.params[1], f.params[2], f.params[3]);
    sg_btyd_data_free(d);

    rc = sg_btyd_fit_transactions(SG_GAMMA_GAMMA, NULL, NULL, &f, &err);
    tap_ok(rc == SG_EINVAL, "gamma_gamma is not a transaction model");

    /* one customer cannot identify four parameters: every transaction
     * model refuses, naming itself and a parameter, and says what to do */
    double x1 = 3, tx1 = 20, T1 = 30;
    d = sg_btyd_collapse(&x1, &tx1, &T1, 1, &err);
    static const sg_btyd_model ms[3] = {SG_BGNBD, SG_MBGNBD, SG_PARETO_NBD};
    for (int k = 0; k < 3; k++) {
        sg_error_clear(&err);
        rc = sg_btyd_fit_transactions(ms[k], d, NULL, &f, &err);
        tap_ok(rc == SG_EDATA && strstr(err.msg, sg_btyd_model_name(ms[k])) &&
                   (strstr(err.msg, "ran off") || strstr(err.msg, "not positive definite")) &&
                   strstr(err.msg, "more data") && strstr(err.msg, "penalizer"),
               "one customer, %s: refused (%s)", sg_btyd_model_name(ms[k]), err.msg);
    }
    sg_btyd_data_free(d);
}

static void test_timing(void)
{
    const double truth[4] = {0.9, 40.0 / 7.0, 0.8, 4.0};
    sg_error err;
    sg_btyd_fit f;
    simulate(NMAX, truth, 0, 1, 99);
    double t0 = now();
    sg_btyd_data *d = sg_btyd_collapse(sx, stx, sT, NMAX, &err);
    double t1 = now();
    int rc = d ? sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &f, &err) : -1;
    double t2 = now();
    tap_ok(rc == 0, "BG/NBD on 100,000 customers (%zu rows): collapse %.3f s, fit %.3f s, %s %d it",
           d ? d->n : 0, t1 - t0, t2 - t1, f.method, f.iterations);
    tap_diag("100k fit: r=%.4f alpha=%.4f a=%.4f b=%.4f", f.params[0], f.params[1], f.params[2],
             f.params[3]);
    sg_btyd_data_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    test_names_and_collapse();
    test_loglik_by_hand();
    test_fit_recovery();
    test_extreme_fits();
    test_timing();
    tap_is_int((long long)sg_mem_used(), 0, "no accounted memory left");
    return tap_done();
}
