/* Pareto/NBD (Schmittlein, Morrison and Colombo 1987) following Fader and
 * Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions"
 * (2005): per-customer log-likelihood, P(alive), conditional and
 * unconditional expected purchases and the conditional purchase-count PMF,
 * plus a log-space Gauss hypergeometric function for the likelihood.
 *
 * Parameters (natural scale): p[0] = r, p[1] = alpha (purchase rate
 * lambda ~ Gamma(r, alpha)), p[2] = s, p[3] = beta (dropout rate
 * mu ~ Gamma(s, beta)).  Everything returns NaN when it cannot be computed. */
#include <float.h>
#include <math.h>

#include "btyd_internal.h"

/* ---------------------------------------------------------------------- */
/* log 2F1                                                                 */
/* ---------------------------------------------------------------------- */

#define HYP_MAX_TERMS 2000000L
#define HYP_EPS 1e-16
#define HYP_BIG 1e250

/* log|sum| of the Gauss series sum_k (a)_k (b)_k / ((c)_k k!) z^k for
 * 0 <= z < 1, its sign in *sign.  Terms follow their ratio recurrence in
 * plain doubles; whenever a term gets huge (large b makes the series peak
 * near (1-z)^-b) term and partial sum are rescaled together and the scale
 * is kept as a logarithm, so the sum never overflows: summation in log
 * space at the cost of a multiplication per term.  Stopping rule
 * (relative): once the term ratio has fallen below 1, the remaining tail is
 * at most |t_k| rho / (1 - rho) with rho = max(current ratio, z) (the ratio
 * tends to z), and we stop when that is below HYP_EPS |sum|.  NaN when it
 * does not converge within max_terms or the sum is 0. */
static double log_series_signed(double a, double b, double c, double z, long max_terms, int *sign)
{
    double term = 1.0, sum = 1.0, logscale = 0.0;
    *sign = 1;
    if (z == 0.0)
        return 0.0;
    for (long k = 0; k < max_terms; k++) {
        double kk = (double)k;
        double ratio = (a + kk) * (b + kk) / ((c + kk) * (kk + 1.0)) * z;
        int done = ratio == 0.0;   /* a or b a non-positive integer: polynomial */
        term *= ratio;
        sum += term;
        if (fabs(term) > HYP_BIG || fabs(sum) > HYP_BIG) {
            term /= HYP_BIG;
            sum /= HYP_BIG;
            logscale += log(HYP_BIG);
        }
        double ar = fabs(ratio);
        if (!done && ar < 1.0) {
            double rho = ar > z ? ar : z;
            done = fabs(term) * rho / (1.0 - rho) <= HYP_EPS * fabs(sum);
        }
        if (!isfinite(sum))
            return NAN;
        if (done) {
            if (sum == 0.0)
                return NAN;
            *sign = sum > 0.0 ? 1 : -1;
            return logscale + log(fabs(sum));
        }
    }
    return NAN;
}

static double log_series(double a, double b, double c, double z)
{
    int sign;
    double v = log_series_signed(a, b, c, z, HYP_MAX_TERMS, &sign);
    return sign > 0 ? v : NAN;
}

/* Sign of Gamma(x) (x not a pole). */
static int gamma_sign(double x)
{
    return x > 0.0 || fmod(floor(x), 2.0) == 0.0 ? 1 : -1;
}

/* z close to 1, where the series needs ~37/(1-z) terms: the connection
 * formula (Abramowitz-Stegun 15.3.6), with w = 1 - z and d = c - a - b,
 *   2F1(a,b;c;z) = G(c)G(d)/(G(c-a)G(c-b)) 2F1(a, b; 1-d; w)
 *                + w^d G(c)G(-d)/(G(a)G(b)) 2F1(c-a, c-b; 1+d; w),
 * in log space with signs.  Only when it is safe: d at least 0.05 from an
 * integer (the gamma poles), both short series converge within 10^4 terms,
 * and the two terms cancel by less than a factor 10^4; NaN otherwise
 * (the caller then sums the long series). */
static double log_hyp_near1(double a, double b, double c, double z)
{
    double w = 1.0 - z, d = c - a - b, lt[2];
    int sg[2];
    if (fabs(d - nearbyint(d)) < 0.05)
        return NAN;
    for (int i = 0; i < 2; i++) {
        double pa = i == 0 ? a : c - a, pb = i == 0 ? b : c - b, pc = i == 0 ? 1.0 - d : 1.0 + d;
        double g1 = i == 0 ? c - a : a, g2 = i == 0 ? c - b : b, gd = i == 0 ? d : -d;
        /* 1/Gamma at a pole is 0: the term vanishes. */
        if ((g1 <= 0.0 && g1 == floor(g1)) || (g2 <= 0.0 && g2 == floor(g2))) {
            lt[i] = -INFINITY;
            sg[i] = 1;
            continue;
        }
        int ss;
        double ls = log_series_signed(pa, pb, pc, w, 10000L, &ss);
        if (isnan(ls))
            return NAN;
        lt[i] = lgamma(c) + lgamma(gd) - lgamma(g1) - lgamma(g2) + ls + (i == 1 ? d * log(w) : 0.0);
        sg[i] = ss * gamma_sign(c) * gamma_sign(gd) * gamma_sign(g1) * gamma_sign(g2);
    }
    if (lt[0] == -INFINITY && lt[1] == -INFINITY)
        return NAN;
    double m = lt[0] > lt[1] ? lt[0] : lt[1];
    double v = sg[0] * exp(lt[0] - m) + sg[1] * exp(lt[1] - m);
    if (!(v > 1e-4))   /* negative, or lost more than 4 of the ~16 digits */
        return NAN;
    return m + log(v);
}

/* log 2F1(a, b; c; z) for real z < 1, c > 0 (not a pole).
 *  - z < 0: Pfaff, 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)), or the
 *    same with a and b swapped, picking the form whose parameters are
 *    non-negative when there is one; the new argument lies in [0, 1).
 *  - 0 <= z < 1: Euler, 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z),
 *    when a + b > c and c-a, c-b > 0 (then the Euler series' terms decay
 *    like k^(c-a-b-1) z^k instead of k^(a+b-c-1) z^k, which is what keeps
 *    z close to 1 and large x (a, b in the thousands) cheap); otherwise
 *    the direct series.
 *  - z > 0.99: first the connection formula to 1 - z (log_hyp_near1) when
 *    it is safe, else the series above.
 * A zero parameter makes a series exactly 1.  Accurate when a, b, c > 0
 * (all the Pareto/NBD needs: every series then has positive terms, so no
 * cancellation); with negative parameters the series may alternate and lose
 * precision.  When the connection formula is unsafe (c-a-b near an
 * integer), z very close to 1 costs about 37 / (1 - z) series terms; beyond
 * HYP_MAX_TERMS the result is NaN. */
double sg_btyd_log_hyp2f1(double a, double b, double c, double z)
{
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || z >= 1.0)
        return NAN;
    if (c <= 0.0 && c == floor(c))
        return NAN;
    if (z < 0.0) {
        double w = z / (z - 1.0);
        double l1mz = log1p(-z);
        /* Form A keeps a, uses c-b; form B keeps b, uses c-a. */
        if ((c - b >= 0.0 && a >= 0.0) || !(c - a >= 0.0 && b >= 0.0))
            return -a * l1mz + sg_btyd_log_hyp2f1(a, c - b, c, w);
        return -b * l1mz + sg_btyd_log_hyp2f1(b, c - a, c, w);
    }
    if (z > 0.99) {
        double v = log_hyp_near1(a, b, c, z);
        if (!isnan(v))
            return v;
    }
    if (a + b > c && c - a >= 0.0 && c - b >= 0.0 && z > 0.0)
        return (c - a - b) * log1p(-z) + log_series(c - a, c - b, c, z);
    return log_series(a, b, c, z);
}

/* ---------------------------------------------------------------------- */
/* Pareto/NBD                                                              */
/* ---------------------------------------------------------------------- */

static int params_ok(const double *p)
{
    for (int i = 0; i < 4; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return 0;
    return 1;
}

/* log(e^x - e^y) for x >= y. */
static double log_diff_exp(double x, double y)
{
    if (y == -INFINITY)
        return x;
    if (y >= x)
        return -INFINITY;
    return x + log1p(-exp(y - x));
}

static double log_add_exp(double x, double y)
{
    if (x == -INFINITY)
        return y;
    if (y == -INFINITY)
        return x;
    double m = x > y ? x : y;
    return m + log1p(exp(-fabs(x - y)));
}

/* log of F(u) = integral from u to infinity of
 * (alpha + tau)^-(r+x) (beta + tau)^-(s+1) dtau
 *   = (m+u)^-A 2F1(A, b; A+1; |alpha-beta| / (m+u)) / A,
 * A = r+s+x, with m = alpha, b = s+1 when alpha >= beta and m = beta,
 * b = r+x otherwise (Fader-Hardie 2005, eq. for A_0 times A). */
static double log_tail(const double *p, double x, double u)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double A = r + s + x, m, b;
    if (alpha >= beta) {
        m = alpha;
        b = s + 1.0;
    } else {
        m = beta;
        b = r + x;
    }
    double z = fabs(alpha - beta) / (m + u);
    return -A * log(m + u) + sg_btyd_log_hyp2f1(A, b, A + 1.0, z) - log(A);
}

/* Pieces shared by the likelihood and P(alive):
 *   *l1 = log[(alpha+T)^-(r+x) (beta+T)^-s]   (alive at T)
 *   *l2 = log[s * (F(t_x) - F(T))]            (died in (t_x, T])
 * Fader-Hardie's (s / (r+s+x)) A_0 equals s (F(t_x) - F(T)). */
static int pieces(const double *p, double x, double tx, double T, double *l1, double *l2)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (!params_ok(p) || !(x >= 0.0) || !(tx >= 0.0) || !(T >= tx) || !isfinite(T))
        return -1;
    *l1 = -(r + x) * log(alpha + T) - s * log(beta + T);
    if (T == tx) {
        *l2 = -INFINITY;
    } else {
        double ftx = log_tail(p, x, tx), fT = log_tail(p, x, T);
        if (isnan(ftx) || isnan(fT))
            return -1;
        *l2 = log(s) + log_diff_exp(ftx, fT);
    }
    return isnan(*l1) || isnan(*l2) ? -1 : 0;
}

double sg_pareto_loglik1(const double *params, double x, double tx, double T)
{
    double l1, l2;
    if (pieces(params, x, tx, T, &l1, &l2) != 0)
        return NAN;
    double r = params[0], alpha = params[1], s = params[2], beta = params[3];
    double ll = lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta) + log_add_exp(l1, l2);
    return isfinite(ll) ? ll : NAN;
}

double sg_pareto_p_alive(const double *params, double x, double tx, double T)
{
    double l1, l2;
    if (pieces(params, x, tx, T, &l1, &l2) != 0)
        return NAN;
    /* 1 / (1 + (s/(r+s+x)) (alpha+T)^(r+x) (beta+T)^s A_0) = 1 / (1 + e^(l2-l1)) */
    double d = l2 - l1;
    return d > 700.0 ? exp(-d) : 1.0 / (1.0 + exp(d));
}

/* Alive at T + t with no purchase in (T, T+t]: the same history observed
 * over a longer window, i.e. P(alive) with T replaced by T + t. */
double sg_pareto_p_alive_at(const double *params, double t, double x, double tx, double T)
{
    if (!(t >= 0.0))
        return NAN;
    return sg_pareto_p_alive(params, x, tx, T + t);
}

/* (1 - y^(s-1)) / (s-1) for y = e^L, L <= 0, for every s > 0: by expm1, so
 * s close to 1 loses nothing, and -L at s = 1 exactly (the limit). */
static double pow_term(double s, double L)
{
    double e = s - 1.0;
    if (e == 0.0)
        return -L;
    return -expm1(e * L) / e;
}

/* E[X(T, T+t) | x, t_x, T] =
 *   (r+x)(beta+T) / (alpha+T) [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1) P(alive)
 * (Fader and Hardie 2005, eq. 41).  The expression holds for every s > 0:
 * for s < 1 numerator and denominator are both negative, and s = 1 is the
 * limit (r+x)(beta+T)/(alpha+T) log((beta+T+t)/(beta+T)) P(alive). */
double sg_pareto_expected_purchases(const double *params, double t, double x, double tx, double T)
{
    if (!params_ok(params) || !(t >= 0.0) || !isfinite(t))
        return NAN;
    double r = params[0], alpha = params[1], s = params[2], beta = params[3];
    double pa = sg_pareto_p_alive(params, x, tx, T);
    if (isnan(pa))
        return NAN;
    double f = pow_term(s, log((beta + T) / (beta + T + t)));
    return (r + x) * (beta + T) / (alpha + T) * f * pa;
}

/* E[X(t)] = r beta / alpha [1 - (beta/(beta+t))^(s-1)] / (s-1), every s > 0
 * (s = 1: r beta / alpha log((beta+t)/beta)). */
double sg_pareto_expected_purchases_new(const double *params, double t)
{
    if (!params_ok(params) || !(t >= 0.0) || !isfinite(t))
        return NAN;
    double r = params[0], alpha = params[1], s = params[2], beta = params[3];
    return r * beta / alpha * pow_term(s, log(beta / (beta + t)));
}

/* Unconditional P(X(t) = n) (Fader-Hardie 2005, section 4):
 *   Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n (beta/(beta+t))^s
 *   + alpha^r beta^s B(r+n, s+1)/B(r, s)
 *     [ B1 - sum_{i=0..n} Gamma(r+s+i)/Gamma(r+s) t^i/i! B2_i ]
 * with, for alpha >= beta,
 *   B1   = 2F1(r+s, s+1; r+s+n+1; (alpha-beta)/alpha) / alpha^(r+s)
 *   B2_i = 2F1(r+s+i, s+1; r+s+n+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+i)
 * and for alpha < beta the same with beta for alpha and r+n for s+1.
 * The bracket is the expectation of the part of e^-(l+m)t's Poisson tail
 * and is positive; it is computed as a difference of logs. */
static double pmf_uncond(const double *p, int n, double t)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double nn = (double)n, c = r + s + nn + 1.0, m, b;
    if (alpha >= beta) {
        m = alpha;
        b = s + 1.0;
    } else {
        m = beta;
        b = r + nn;
    }
    double d = fabs(alpha - beta);
    double lt1 = lgamma(r + nn) - lgamma(r) - lgamma(nn + 1.0) + r * log(alpha / (alpha + t))
                 + (t > 0.0 ? nn * log(t / (alpha + t)) : (n == 0 ? 0.0 : -INFINITY))
                 + s * log(beta / (beta + t));
    double lb1 = sg_btyd_log_hyp2f1(r + s, b, c, d / m) - (r + s) * log(m);
    double lsum = -INFINITY;
    for (int i = 0; i <= n; i++) {
        double ii = (double)i;
        double li = lgamma(r + s + ii) - lgamma(r + s) - lgamma(ii + 1.0)
                    + (i == 0 ? 0.0 : ii * log(t))
                    + sg_btyd_log_hyp2f1(r + s + ii, b, c, d / (m + t)) - (r + s + ii) * log(m + t);
        lsum = log_add_exp(lsum, li);
    }
    if (isnan(lb1) || isnan(lsum) || isnan(lt1))
        return NAN;
    double lcoef = r * log(alpha) + s * log(beta) + lgamma(r + nn) + lgamma(s + 1.0)
                   - lgamma(r + s + nn + 1.0) - (lgamma(r) + lgamma(s) - lgamma(r + s));
    double t2 = lsum >= lb1 ? 0.0 : exp(lcoef + log_diff_exp(lb1, lsum));
    return exp(lt1) + t2;
}

/* P(X(T, T+t) = n | x, t_x, T): a customer dead at T buys nothing; one
 * alive at T has the posterior lambda ~ Gamma(r+x, alpha+T),
 * mu ~ Gamma(s, beta+T) (memoryless lifetimes), so the future is a fresh
 * Pareto/NBD with those parameters:
 *   (1 - P(alive)) [n == 0] + P(alive) P(X(t) = n | r+x, alpha+T, s, beta+T). */
double sg_pareto_p_purchases(const double *params, int n, double t, double x, double tx, double T)
{
    if (n < 0 || !(t >= 0.0))
        return NAN;
    double pa = sg_pareto_p_alive(params, x, tx, T);
    if (isnan(pa))
        return NAN;
    double post[4] = {params[0] + x, params[1] + T, params[2], params[3] + T};
    double pu = pmf_uncond(post, n, t);
    if (isnan(pu))
        return NAN;
    if (pu < 0.0)
        pu = 0.0;
    return (n == 0 ? 1.0 - pa : 0.0) + pa * pu;
}

/* ---------------------------------------------------------------------- */
/* The likelihood for fitting: quadrature with the gradient                 */
/* ---------------------------------------------------------------------- */

/* The "died in (t_x, T]" term needs
 *   I = integral from t_x to T of (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau
 * and, for the gradient, the same integral weighted by log(alpha+tau),
 * log(beta+tau), 1/(alpha+tau) and 1/(beta+tau) (differentiation under the
 * integral sign: the limits do not depend on the parameters).  With
 * c = min(alpha, beta), C = max(alpha, beta), D = C - c and
 * v = log(c + tau), the integrand in v is
 *   exp(phi(v)),  phi(v) = (1 - p_c) v - p_C log(D + e^v)
 * (p_c, p_C the exponents of c+tau and C+tau), a concave phi whose only
 * singularities are complex, at distance pi from the real axis.  Composite
 * 8-point Gauss-Legendre on panels no wider than 1 and than 3 / max|phi'|
 * is then accurate to rounding (the rule's error on e^(lambda v) over such
 * a panel is ~1e-15 relative, and the singularities' influence decays like
 * 12.6^-16), whatever x, however close alpha and beta or how long the
 * interval: the 2F1 series the closed form needs converges slowly when
 * |alpha - beta| / (max(alpha, beta) + t_x) nears 1, which is exactly the
 * case of data with rare dropout.  Panels past the peak whose contribution
 * is below 1e-17 of the sum stop the loop. */
double sg_pareto_row(const sg_pareto_eval *e, double x, double tx, double T, double lg, double dg,
                     double *grad)
{
    double r = e->r, alpha = e->alpha, s = e->s, beta = e->beta;
    double la = log(alpha + T), lb = log(beta + T);
    double l1 = -(r + x) * la - s * lb;
    double l2 = -INFINITY, dI[4] = {0, 0, 0, 0};

    if (T > tx) {
        int a_small = alpha <= beta;
        double c = a_small ? alpha : beta, C = a_small ? beta : alpha, D = C - c;
        double pc = a_small ? r + x : s + 1.0, pC = a_small ? s + 1.0 : r + x;
        double vlo = log(c + tx), vhi = log(c + T), L = vhi - vlo;
        /* panels over which the log-integrand (1-pc) v - pC log(D + e^v),
         * concave in v, changes by at most 3: its slope is bounded by
         * |1-pc| + pC e^v / (D + e^v), largest at v = vhi, where
         * e^v / (D + e^v) = (c + T) / (C + T), and its curvature by the
         * same.  (Bounding e^v / (D + e^v) by 1 instead made s and beta in
         * the thousands, the limit of a dropout rate shared by everyone,
         * cost thousands of panels per customer.) */
        double lam = fabs(1.0 - pc) + pC * (c + T) / (C + T), h = fmin(1.0, 3.0 / lam);
        long P = (long)ceil(L / h);
        if (P < 1)
            P = 1;
        double hp = L / (double)P;
        double ref = (1.0 - pc) * vlo - pC * log(C + tx);
        double S0 = 0, Sv = 0, SlC = 0, Sic = 0, SiC = 0;
        for (long k = 0; k < P; k++) {
            double a = vlo + (double)k * hp, part = 0.0;
            for (int j = 0; j < e->gl_n; j++) {
                double v = a + 0.5 * hp * (1.0 + e->gl_x[j]);
                double cv = exp(v), Cv = D + cv, lC = log(Cv);
                double f = exp((1.0 - pc) * v - pC * lC - ref) * e->gl_w[j];
                part += f;
                if (grad) {
                    Sv += f * v;
                    SlC += f * lC;
                    Sic += f / cv;
                    SiC += f / Cv;
                }
            }
            S0 += part;
            if (part <= 1e-17 * S0 && k + 1 < P) {
                double vend = a + hp, cv = exp(vend);
                if ((1.0 - pc) - pC * cv / (D + cv) < 0.0)
                    break;   /* past the peak of a concave phi: the rest is smaller */
            }
        }
        if (!(S0 > 0) || !isfinite(S0))
            return NAN;
        l2 = log(s) + ref + log(0.5 * hp) + log(S0);
        if (grad) {
            /* d log I / d(r, alpha, s, beta) */
            double Elc = Sv / S0, ElC = SlC / S0, Eic = Sic / S0, EiC = SiC / S0;
            dI[0] = -(a_small ? Elc : ElC);
            dI[1] = -(r + x) * (a_small ? Eic : EiC);
            dI[2] = -(a_small ? ElC : Elc);
            dI[3] = -(s + 1.0) * (a_small ? EiC : Eic);
        }
    }
    double m = l1 > l2 ? l1 : l2;
    double sum = exp(l1 - m) + exp(l2 - m);
    double ll = lg + r * log(alpha) + s * log(beta) + m + log(sum);
    if (!isfinite(ll))
        return NAN;
    if (grad) {
        double p1 = exp(l1 - m) / sum, p2 = 1.0 - p1;
        grad[0] = dg + log(alpha) + p1 * (-la) + p2 * dI[0];
        grad[1] = r / alpha + p1 * (-(r + x) / (alpha + T)) + p2 * dI[1];
        grad[2] = log(beta) + p1 * (-lb) + p2 * (1.0 / s + dI[2]);
        grad[3] = s / beta + p1 * (-s / (beta + T)) + p2 * dI[3];
    }
    return ll;
}
