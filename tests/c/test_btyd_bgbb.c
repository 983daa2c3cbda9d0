/* BG/BB: closed forms at given parameters, the published fit on lifetimes'
 * donations data, recovery and predictions on simulated opportunities. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "btyd.h"
#include "btyd_internal.h"
#include "mem.h"
#include "tap.h"

static double lbeta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static void test_closed_forms(void)
{
    const double p[4] = {1.2, 0.75, 0.66, 2.8};
    sg_btyd_fit f;
    sg_error err;
    tap_is_int(sg_btyd_fit_from_params(SG_BGBB, p, &f, &err), 0, "bgbb at given parameters");
    double a = p[0], b = p[1], g = p[2], d = p[3];
    /* no opportunity observed: alive at the next one with probability
     * E[1 - theta] = delta / (gamma + delta) */
    tap_is_double(sg_btyd_p_alive(&f, 0, 0, 0), d / (g + d), 1e-14, "P(alive | n = 0) = d/(g+d)");
    /* one opportunity: E[X(1)] = P(alive at 1) E[p] */
    tap_is_double(sg_btyd_expected_purchases_new(&f, 1), a / (a + b) * d / (g + d), 1e-14,
                  "E[X(1)] = a/(a+b) d/(g+d)");
    /* x = 1, t_x = 1, n = 1: L = E[p (1-theta)] = a/(a+b) d/(g+d) */
    tap_is_double(sg_btyd_loglik1(SG_BGBB, p, 1, 1, 1), log(a / (a + b) * d / (g + d)), 1e-13,
                  "L(1, 1, 1) by hand");
    /* x = 0, n = 1: alive and no purchase, or dead before opportunity 1 */
    double l01 = d / (g + d) * b / (a + b) + g / (g + d);
    tap_is_double(sg_btyd_loglik1(SG_BGBB, p, 0, 0, 1), log(l01), 1e-13, "L(0, 0, 1) by hand");
    /* P(alive at opportunity 2 | x = 0, n = 1) = P(alive through 2, no purchase at 1) / L */
    double alive2 = exp(lbeta(g, d + 2) - lbeta(g, d)) * b / (a + b);
    tap_is_double(sg_btyd_p_alive(&f, 0, 0, 1), alive2 / l01, 1e-13, "P(alive | 0, 0, 1) by hand");
    tap_is_double(sg_btyd_p_alive_at(&f, 2, 1, 1, 3), sg_btyd_p_alive(&f, 1, 1, 5), 1e-15,
                  "p_alive_at(t) = p_alive(n + t)");
    tap_ok(isnan(sg_btyd_expected_purchases(&f, 1.5, 1, 1, 3)), "fractional opportunities: NaN");
    tap_ok(isnan(sg_btyd_p_purchases(&f, 0, 1, 1, 1, 3)), "p_purchases is not defined for bgbb");
    /* gamma = 1: the limit, continuous on both sides */
    double q[4] = {1.2, 0.75, 1.0, 2.8}, qlo[4] = {1.2, 0.75, 1.0 - 1e-7, 2.8},
           qhi[4] = {1.2, 0.75, 1.0 + 1e-7, 2.8};
    sg_btyd_fit f1, flo, fhi;
    sg_btyd_fit_from_params(SG_BGBB, q, &f1, &err);
    sg_btyd_fit_from_params(SG_BGBB, qlo, &flo, &err);
    sg_btyd_fit_from_params(SG_BGBB, qhi, &fhi, &err);
    double e1 = sg_btyd_expected_purchases(&f1, 5, 3, 4, 6);
    tap_ok(fabs(sg_btyd_expected_purchases(&flo, 5, 3, 4, 6) - e1) < 1e-6 &&
               fabs(sg_btyd_expected_purchases(&fhi, 5, 3, 4, 6) - e1) < 1e-6 && e1 > 0,
           "gamma = 1: expected transactions continuous (%.6f)", e1);
    /* E[X(n)] by summing P(alive at i) E[p] over i = 1..n */
    double sum = 0;
    for (int i = 1; i <= 6; i++)
        sum += exp(lbeta(g, d + i) - lbeta(g, d)) * a / (a + b);
    tap_is_double(sg_btyd_expected_purchases_new(&f, 6), sum, 1e-12,
                  "E[X(6)] = sum of P(alive at i) E[p]");
}

static int read_donations(double *x, double *tx, double *n, double *w, int max)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/btyd/donations.csv", tap_fixtures());
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    char line[256];
    int k = 0;
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return -1;
    }
    while (k < max && fscanf(fp, "%lf,%lf,%lf,%lf", &x[k], &tx[k], &n[k], &w[k]) == 4)
        k++;
    fclose(fp);
    return k;
}

static void test_donations(void)
{
    double x[32], tx[32], n[32], w[32];
    int k = read_donations(x, tx, n, w, 32);
    tap_is_int(k, 22, "donations: 22 (x, t_x, n) rows");
    if (k != 22)
        return;
    sg_error err;
    sg_btyd_data *d = sg_btyd_collapse_model(SG_BGBB, x, tx, n, w, (size_t)k, &err);
    tap_ok(d != NULL, "collapse with weights");
    if (!d)
        return;
    sg_btyd_fit f;
    int rc = sg_btyd_fit_transactions(SG_BGBB, d, NULL, &f, &err);
    tap_is_int(rc, 0, "BG/BB fits the donations");
    if (rc != 0) {
        tap_diag("%s", err.msg);
        sg_btyd_data_free(d);
        return;
    }
    /* Fader, Hardie and Shang (2010), and lifetimes: alpha 1.204, beta 0.750,
     * gamma 0.657, delta 2.783, log-likelihood -33,225.6 */
    static const double want[4] = {1.204, 0.750, 0.657, 2.783};
    static const char *names[4] = {"alpha", "beta", "gamma", "delta"};
    for (int i = 0; i < 4; i++)
        tap_is_double(f.params[i], want[i], 0.0006, names[i]);
    tap_is_double(f.loglik, -33225.6, 0.06, "log-likelihood -33,225.6");
    tap_is_int((long long)f.customers, 11104, "11,104 donors");
    tap_ok(f.se[0] > 0 && f.se[0] < 0.1, "standard error of alpha %.4f", f.se[0]);
    sg_btyd_data_free(d);

    /* a single history cannot identify four parameters */
    double one_x = 2, one_tx = 3, one_n = 6;
    d = sg_btyd_collapse_model(SG_BGBB, &one_x, &one_tx, &one_n, NULL, 1, &err);
    rc = d ? sg_btyd_fit_transactions(SG_BGBB, d, NULL, &f, &err) : -1;
    tap_ok(rc == SG_EDATA && strstr(err.msg, "bgbb"), "one customer: refused (%s)", err.msg);
    sg_btyd_data_free(d);
    /* bad BG/BB histories name the row */
    double bx[2] = {1, 3}, btx[2] = {1, 2}, bn[2] = {6, 6};
    d = sg_btyd_collapse_model(SG_BGBB, bx, btx, bn, NULL, 2, &err);
    tap_ok(!d && strstr(err.msg, "row 2") && strstr(err.msg, "t_x >= x"),
           "x > t_x refused: %s", err.msg);
    sg_btyd_data_free(d);
}

/* Simulated opportunities: recovery within 4 standard errors, and mean
 * predictions against the simulated future per frequency group. */
static void test_simulation(void)
{
    const double truth[4] = {1.2, 0.75, 0.66, 2.8};
    const int n0 = 6, future = 5;
    const size_t N = 20000;
    double *x = sg_malloc(N * sizeof *x), *tx = sg_malloc(N * sizeof *tx),
           *n = sg_malloc(N * sizeof *n), *fut = sg_malloc(N * sizeof *fut);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!x || !tx || !n || !fut || !rng) {
        tap_ok(0, "allocation");
        goto done;
    }
    gsl_rng_set(rng, 7);
    for (size_t i = 0; i < N; i++) {
        double p = gsl_ran_beta(rng, truth[0], truth[1]);
        double th = gsl_ran_beta(rng, truth[2], truth[3]);
        int alive = 1, xi = 0, last = 0, fi = 0;
        for (int t = 1; t <= n0 + future; t++) {
            if (alive && gsl_rng_uniform(rng) < th)
                alive = 0;
            if (alive && gsl_rng_uniform(rng) < p) {
                if (t <= n0) {
                    xi++;
                    last = t;
                } else {
                    fi++;
                }
            }
        }
        x[i] = xi;
        tx[i] = last;
        n[i] = n0;
        fut[i] = fi;
    }
    sg_error err;
    sg_btyd_data *d = sg_btyd_collapse_model(SG_BGBB, x, tx, n, NULL, N, &err);
    sg_btyd_fit f;
    int rc = d ? sg_btyd_fit_transactions(SG_BGBB, d, NULL, &f, &err) : -1;
    tap_is_int(rc, 0, "BG/BB fits simulated data");
    sg_btyd_data_free(d);
    if (rc != 0) {
        tap_diag("%s", err.msg);
        goto done;
    }
    static const char *names[4] = {"alpha", "beta", "gamma", "delta"};
    for (int i = 0; i < 4; i++) {
        tap_ok(f.se[i] < 0.3 * truth[i], "%s: se %.4f small enough to test", names[i], f.se[i]);
        tap_is_double(f.params[i], truth[i], 4 * f.se[i], names[i]);
    }
    /* predictions at the true parameters against the simulated future */
    sg_btyd_fit t;
    sg_btyd_fit_from_params(SG_BGBB, truth, &t, &err);
    double sp[3] = {0}, sa[3] = {0}, sd[3] = {0};
    for (size_t i = 0; i < N; i++) {
        int g = x[i] == 0 ? 0 : x[i] <= 3 ? 1 : 2;
        double e = sg_btyd_expected_purchases(&t, future, x[i], tx[i], n[i]);
        sp[g] += e;
        sa[g] += fut[i];
        sd[g] += (fut[i] - e) * (fut[i] - e);
    }
    for (int g = 0; g < 3; g++)
        tap_ok(fabs(sp[g] - sa[g]) <= 4 * sqrt(sd[g]),
               "group %d: predicted %.1f vs simulated %.0f future transactions (4 se %.1f)", g,
               sp[g], sa[g], 4 * sqrt(sd[g]));
done:
    sg_free(x);
    sg_free(tx);
    sg_free(n);
    sg_free(fut);
    gsl_rng_free(rng);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_closed_forms();
    test_donations();
    test_simulation();
    return tap_done();
}
