/* BG/BB (Fader, Hardie and Shang 2010, "Customer-Base Analysis in a
 * Discrete-Time Noncontractual Setting"): a customer has n transaction
 * opportunities after the first; while alive she transacts at each with
 * probability p ~ Beta(alpha, beta) and dies before each with probability
 * theta ~ Beta(gamma, delta).  Data: x transactions in n opportunities, the
 * last at opportunity t_x (x = 0: t_x = 0).  params = alpha, beta, gamma,
 * delta.  Everything in log space (lgamma, log-sum-exp); NaN when a result
 * cannot be computed. */
#include <math.h>

#include <gsl/gsl_sf_psi.h>

#include "btyd_internal.h"

static int params_ok(const double *p)
{
    for (int i = 0; i < 4; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return 0;
    return 1;
}

static int whole(double v)
{
    return isfinite(v) && v >= 0.0 && v == floor(v);
}

static int history_ok(double x, double tx, double n)
{
    return whole(x) && whole(tx) && whole(n) && tx <= n && (x == 0 ? tx == 0 : tx >= x);
}

static double lbeta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static double log_add(double u, double v)
{
    if (u < v) {
        double t = u;
        u = v;
        v = t;
    }
    if (u == -INFINITY)
        return u;
    return u + log1p(exp(v - u));
}

/* log P(history and alive through opportunity n + extra):
 *   B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+extra)/B(gamma,delta) */
static double log_alive_term(const double *p, double x, double n, double extra)
{
    double a = p[0], b = p[1], g = p[2], d = p[3];
    return lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, d + n + extra) - lbeta(g, d);
}

/* L = alive-through-n term + sum over i = 0..n-t_x-1 of dying right after
 * opportunity t_x + i:
 *   B(alpha+x, beta+t_x-x+i)/B(alpha,beta) B(gamma+1, delta+t_x+i)/B(gamma,delta)
 * (eq. 5 of the paper). */
double sg_bgbb_loglik1(const double *params, double x, double tx, double n)
{
    if (!params_ok(params) || !history_ok(x, tx, n))
        return NAN;
    double a = params[0], b = params[1], g = params[2], d = params[3];
    double ll = log_alive_term(params, x, n, 0.0);
    double base = -lbeta(a, b) - lbeta(g, d);
    for (double i = 0; i < n - tx; i += 1.0)
        ll = log_add(ll, base + lbeta(a + x, b + tx - x + i) + lbeta(g + 1.0, d + tx + i));
    return isfinite(ll) ? ll : NAN;
}

/* P(alive at opportunity n + 1 | history): the customer survived the n
 * opportunities observed and is there for the next one (eq. 11). */
double sg_bgbb_p_alive(const double *params, double x, double tx, double n)
{
    double ll = sg_bgbb_loglik1(params, x, tx, n);
    if (isnan(ll))
        return NAN;
    double v = exp(log_alive_term(params, x, n, 1.0) - ll);
    return v > 1.0 ? 1.0 : v;
}

/* Alive after t more opportunities without a transaction: the history
 * (x, t_x, n + t), as for the continuous-time models. */
double sg_bgbb_p_alive_at(const double *params, double t, double x, double tx, double n)
{
    if (!whole(t))
        return NAN;
    return sg_bgbb_p_alive(params, x, tx, n + t);
}

/* delta/(gamma-1) [1 - G(gamma+delta) G(1+delta+k) / (G(1+delta) G(gamma+delta+k))]
 * minus the same with k = k0: the expected number of the first k
 * opportunities a customer alive at the start survives, as a difference
 * from k0 to k.  Written as delta/(gamma-1) (e^{u0} - e^{u}) with
 * u(k) = lgamma(gamma+delta) - lgamma(1+delta) + lgamma(1+delta+k)
 *        - lgamma(gamma+delta+k);
 * at gamma = 1 (and within 1e-8 of it) the limit
 * delta (psi(1+delta+k) - psi(1+delta+k0)). */
static double survival_sum(double g, double d, double k0, double k)
{
    double e = g - 1.0;
    if (fabs(e) < 1e-8)
        return d * (gsl_sf_psi(1.0 + d + k) - gsl_sf_psi(1.0 + d + k0));
    double c = lgamma(g + d) - lgamma(1.0 + d);
    double u0 = c + lgamma(1.0 + d + k0) - lgamma(g + d + k0);
    double u = c + lgamma(1.0 + d + k) - lgamma(g + d + k);
    return d / e * exp(u) * expm1(u0 - u);
}

/* E[X(n, n+t) | x, t_x, n] (eq. 13):
 *   B(alpha+x+1, beta+n-x)/B(alpha,beta) / L
 *   * delta/(gamma-1) G(gamma+delta)/G(1+delta)
 *   * [G(1+delta+n)/G(gamma+delta+n) - G(1+delta+n+t)/G(gamma+delta+n+t)] */
double sg_bgbb_expected_purchases(const double *params, double t, double x, double tx, double n)
{
    if (!whole(t))
        return NAN;
    double ll = sg_bgbb_loglik1(params, x, tx, n);
    if (isnan(ll))
        return NAN;
    double a = params[0], b = params[1], g = params[2], d = params[3];
    if (t == 0)
        return 0.0;
    double lead = lbeta(a + x + 1.0, b + n - x) - lbeta(a, b) - ll;
    double v = exp(lead) * survival_sum(g, d, n, n + t);
    return isfinite(v) ? v : NAN;
}

/* E[X(t)] for a new customer (eq. 9):
 *   alpha/(alpha+beta) delta/(gamma-1) [1 - G(gamma+delta) G(1+delta+t) / (G(gamma+delta+t) G(1+delta))] */
double sg_bgbb_expected_purchases_new(const double *params, double t)
{
    if (!params_ok(params) || !whole(t))
        return NAN;
    double a = params[0], b = params[1], g = params[2], d = params[3];
    if (t == 0)
        return 0.0;
    double v = a / (a + b) * survival_sum(g, d, 0.0, t);
    return isfinite(v) ? v : NAN;
}
