/* BG/NBD (Fader, Hardie and Lee 2005) and MBG/NBD (Batislam, Denizel and
 * Filiztekin 2007) formulas: per-customer log-likelihood and predictions.
 *
 * Both models share one structure, parameterised here by `m`:
 *   m = 0  BG/NBD: a customer may drop out after each repeat purchase;
 *   m = 1  MBG/NBD: also right after the first purchase (time 0).
 * Individual likelihood given (lambda, p):
 *   (1-p)^(x+m) lambda^x e^(-lambda T) + [x > 0 or m] p (1-p)^(x+m-1) lambda^x e^(-lambda t_x)
 * integrated over lambda ~ Gamma(r, alpha) and p ~ Beta(a, b).
 *
 * Everything is computed in log space (lgamma, log-sum-exp) so customers with
 * thousands of purchases or very long histories stay finite. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>

#include "btyd_internal.h"

static int params_ok(const double *p)
{
    for (int i = 0; i < 4; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return 0;
    return 1;
}

static double log_beta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* log(exp(u) + exp(v)) */
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

/* ---- Gauss hypergeometric series ----
 * sum_k (A)_k (B)_k / ((C)_k k!) z^k for 0 <= z < 1.  Terms are built by
 * their ratio and may change sign (A, B or C negative); the running sum is
 * rescaled when it grows past 1e250 so that huge intermediate values do not
 * overflow.  Returns 0 and sets *logabs, *sign on success; -1 when the series
 * did not converge within the iteration cap or lost more than 8 digits to
 * cancellation (the largest term dwarfs the sum). */
static int hyp_series(double A, double B, double C, double z, double *logabs, int *sign)
{
    double term = 1.0, sum = 1.0, maxterm = 1.0, scale = 0.0;
    const long kmax = 2000000;
    long k;

    for (k = 0; k < kmax; k++) {
        double ratio = (A + k) * (B + k) / ((C + k) * (k + 1.0)) * z;
        if (!isfinite(ratio))
            return -1;  /* C + k hit zero: C is a non-positive integer */
        term *= ratio;
        sum += term;
        if (fabs(term) > maxterm)
            maxterm = fabs(term);
        if (fabs(sum) > 1e250 || maxterm > 1e250) {
            term *= 1e-250;
            sum *= 1e-250;
            maxterm *= 1e-250;
            scale += 250.0 * 2.302585092994045684;  /* ln(1e250) */
        }
        if (term == 0.0)
            break;
        /* Once the ratios are below 1 the tail is bounded by a geometric
         * series whose ratio tends to z from either side. */
        if (fabs(ratio) < 1.0 && fabs(term) <= 1e-17 * fabs(sum) * (1.0 - z))
            break;
    }
    if (k == kmax || sum == 0.0 || !isfinite(sum) || maxterm > 1e8 * fabs(sum))
        return -1;
    *sign = sum > 0 ? 1 : -1;
    *logabs = log(fabs(sum)) + scale;
    return 0;
}

/* P = (1-z)^A * 2F1(A, B; C; z), the quantity in every BG/NBD expectation,
 * for A, B > 0.  By Euler's transformation
 *   (1-z)^A 2F1(A, B; C; z) = (1-z)^(C-B) 2F1(C-A, C-B; C; z),
 * whose series converges in a handful of terms when C is large (a customer
 * with many purchases); the direct series (all terms positive when C > 0)
 * is the fallback, then GSL. NaN when all fail. */
static double pow_hyp(double A, double B, double C, double z)
{
    double la, lz = log1p(-z);
    int sg;
    gsl_sf_result r;

    if (z == 0.0)
        return 1.0;
    if (hyp_series(C - A, C - B, C, z, &la, &sg) == 0 && sg > 0)
        return exp(la + (C - B) * lz);
    if (hyp_series(A, B, C, z, &la, &sg) == 0 && sg > 0)
        return exp(la + A * lz);
    if (gsl_sf_hyperg_2F1_e(A, B, C, z, &r) == GSL_SUCCESS && isfinite(r.val) && r.val > 0)
        return exp(log(r.val) + A * lz);
    return NAN;
}

/* ---- shared implementation (m = 0 BG/NBD, m = 1 MBG/NBD) ---- */

static double loglik1(const double *p, int m, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double a1, a2, a3, a4, ll;

    if (!params_ok(p))
        return NAN;
    a1 = lgamma(r + x) - lgamma(r) + r * log(al);
    a2 = lgamma(a + b) + lgamma(b + x + m) - lgamma(b) - lgamma(a + b + x + m);
    a3 = -(r + x) * log(al + T);
    if (x > 0 || m) {
        a4 = log(a) - log(b + x - 1 + m) - (r + x) * log(al + tx);
        ll = a1 + a2 + log_add(a3, a4);
    } else {
        ll = a1 + a2 + a3;
    }
    return isfinite(ll) ? ll : NAN;
}

/* log of the odds "dropped out at t_x" : "alive at T" given the history. */
static double log_dead_odds(const double *p, int m, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    return log(a) - log(b + x - 1 + m) + (r + x) * (log(al + T) - log(al + tx));
}

static double p_alive(const double *p, int m, double x, double tx, double T)
{
    double L;
    if (!params_ok(p))
        return NAN;
    if (x == 0 && !m)
        return 1.0;
    L = log_dead_odds(p, m, x, tx, T);
    /* 1 / (1 + e^L), written to avoid overflow for large L */
    return L > 0 ? exp(-L) / (1.0 + exp(-L)) : 1.0 / (1.0 + exp(L));
}

/* E[Y(t) | x, t_x, T]: BG/NBD eq. (10) of Fader, Hardie and Lee (2005);
 * MBG/NBD per Wagner and Hoppe (2008) as in lifetimes. */
static double expected_cond(const double *p, int m, double t, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double z, P, first;

    if (!params_ok(p))
        return NAN;
    if (t == 0)
        return 0.0;
    z = t / (al + T + t);
    P = pow_hyp(r + x, b + x + m, a + b + x - 1 + m, z);
    first = (a + b + x - 1 + m) / (a - 1);
    /* numerator / (1 + dead odds) = numerator * P(alive) */
    return first * (1.0 - P) * p_alive(p, m, x, tx, T);
}

static double expected_new(const double *p, int m, double t)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double P;

    if (!params_ok(p))
        return NAN;
    if (t == 0)
        return 0.0;
    P = pow_hyp(r, b + m, a + b - 1 + m, t / (al + t));
    return (m ? b : a + b - 1) / (a - 1) * (1.0 - P);
}

/* P(Y(t) = n | x, t_x, T).  With the posterior over (lambda, p) of a
 * customer alive at T, proportional to (1-p)^(x+m) lambda^x e^(-lambda T),
 * and the individual-level BG/NBD count distribution over (T, T+t]:
 *   P(n) = [n = 0] (1 - P(alive)) + (term1 + [n > 0] term2) / L
 *   term1 = B(a, b+x+m+n)/B(a,b) * Gamma(r+x+n)/(Gamma(r) n!) alpha^r t^n / (alpha+T+t)^(r+x+n)
 *   term2 = B(a+1, b+x+m+n-1)/B(a,b) * Gamma(r+x)/Gamma(r) alpha^r / (alpha+T)^(r+x)
 *           * P(K >= n),  K ~ NegBin(r+x, q = (alpha+T)/(alpha+T+t))
 * where L is the likelihood of the history and P(K >= n) = I_{1-q}(n, r+x)
 * (regularised incomplete beta).  At x = 0, T = 0 this is eq. (8) of the
 * paper.  Summed over n it gives 1. */
static double p_purchases(const double *p, int m, int n, double t, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double ll, lb, lt1, lt2 = -INFINITY, res;
    gsl_sf_result ib;

    if (!params_ok(p) || n < 0)
        return NAN;
    if (t == 0)
        return n == 0 ? 1.0 : 0.0;
    ll = loglik1(p, m, x, tx, T);
    if (!isfinite(ll))
        return NAN;
    lb = log_beta(a, b);
    lt1 = log_beta(a, b + x + m + n) - lb + lgamma(r + x + n) - lgamma(r) - lgamma(n + 1.0)
          + r * log(al) + n * log(t) - (r + x + n) * log(al + T + t);
    if (n > 0) {
        double q1 = t / (al + T + t);  /* 1 - q */
        if (gsl_sf_beta_inc_e((double)n, r + x, q1, &ib) != GSL_SUCCESS || !(ib.val >= 0))
            return NAN;
        if (ib.val > 0)
            lt2 = log_beta(a + 1, b + x + m + n - 1) - lb + lgamma(r + x) - lgamma(r)
                  + r * log(al) - (r + x) * log(al + T) + log(ib.val);
    }
    res = exp(log_add(lt1, lt2) - ll);
    if (n == 0)
        res += 1.0 - p_alive(p, m, x, tx, T);
    return isfinite(res) ? res : NAN;
}

/* ---- public per-model entry points (declared in btyd_internal.h) ---- */

double sg_bgnbd_loglik1(const double *params, double x, double tx, double T)
{
    return loglik1(params, 0, x, tx, T);
}

double sg_bgnbd_expected_purchases(const double *params, double t, double x, double tx, double T)
{
    return expected_cond(params, 0, t, x, tx, T);
}

double sg_bgnbd_p_alive(const double *params, double x, double tx, double T)
{
    return p_alive(params, 0, x, tx, T);
}

/* Dropout happens only at purchases, so a customer who makes no purchase in
 * (T, T+t] has exactly the history (x, t_x, T+t). */
double sg_bgnbd_p_alive_at(const double *params, double t, double x, double tx, double T)
{
    return p_alive(params, 0, x, tx, T + t);
}

double sg_bgnbd_p_purchases(const double *params, int n, double t, double x, double tx, double T)
{
    return p_purchases(params, 0, n, t, x, tx, T);
}

double sg_bgnbd_expected_purchases_new(const double *params, double t)
{
    return expected_new(params, 0, t);
}

double sg_mbgnbd_loglik1(const double *params, double x, double tx, double T)
{
    return loglik1(params, 1, x, tx, T);
}

double sg_mbgnbd_expected_purchases(const double *params, double t, double x, double tx, double T)
{
    return expected_cond(params, 1, t, x, tx, T);
}

double sg_mbgnbd_p_alive(const double *params, double x, double tx, double T)
{
    return p_alive(params, 1, x, tx, T);
}

double sg_mbgnbd_p_alive_at(const double *params, double t, double x, double tx, double T)
{
    return p_alive(params, 1, x, tx, T + t);
}

double sg_mbgnbd_p_purchases(const double *params, int n, double t, double x, double tx, double T)
{
    return p_purchases(params, 1, n, t, x, tx, T);
}

double sg_mbgnbd_expected_purchases_new(const double *params, double t)
{
    return expected_new(params, 1, t);
}
