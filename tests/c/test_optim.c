/* Optimisation helpers (core/optim.c): BFGS with Nelder-Mead fallback,
 * finite-difference Hessian and standard errors.  Expected values are
 * closed forms: a quadratic's minimum and Hessian, Rosenbrock's (1, 1),
 * the Gaussian MLE and its asymptotic standard errors. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "optim.h"
#include "tap.h"

/* ---- test functions ---- */

/* 0.5 (p-c)' A (p-c) + 3, A = [[4,1],[1,2]], c = (1,-2); analytic gradient
 * only when ud points to a non-zero int. */
static double quad(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    double d0 = p[0] - 1.0, d1 = p[1] + 2.0;
    if (grad && ud && *(int *)ud) {
        grad[0] = 4.0 * d0 + 1.0 * d1;
        grad[1] = 1.0 * d0 + 2.0 * d1;
        *has_grad = 1;
    }
    return 0.5 * (4.0 * d0 * d0 + 2.0 * d0 * d1 + 2.0 * d1 * d1) + 3.0;
}

static double rosen(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    double x = p[0], y = p[1];
    if (grad && ud && *(int *)ud) {
        grad[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
        grad[1] = 200.0 * (y - x * x);
        *has_grad = 1;
    }
    return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
}

/* -log(1-x) - 3 log(1+x) + (y-1)^2, NaN for x >= 1 (the barrier's far
 * side); minimum at (0.5, 1).  ud counts infeasible evaluations. */
static double walled(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    (void)grad;
    (void)has_grad;
    if (!(p[0] < 1.0)) {
        ++*(long *)ud;
        return NAN;
    }
    return -log(1.0 - p[0]) - log(p[0] + 1.0) * 3.0 + (p[1] - 1.0) * (p[1] - 1.0);
}

/* |x-1| + |y+2|: a kink at the minimum, no usable gradient there. */
static double kink(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    (void)ud;
    (void)grad;
    (void)has_grad;
    return fabs(p[0] - 1.0) + fabs(p[1] + 2.0);
}

/* 10 |x - y| + (x + y - 2)^2: a kinked valley along x = y, minimum (1, 1).
 * BFGS lands on the kink away from the minimum, where every direction
 * it can see goes uphill: it stops with no progress and a large gradient. */
static double valley(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    (void)ud;
    (void)grad;
    (void)has_grad;
    return 10.0 * fabs(p[0] - p[1]) + (p[0] + p[1] - 2.0) * (p[0] + p[1] - 2.0);
}

static double nan_at_origin(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    (void)ud;
    (void)grad;
    (void)has_grad;
    return p[0] == 0.0 ? NAN : p[0] * p[0];
}

static double flat_sum(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    (void)ud;
    (void)grad;
    (void)has_grad;
    return (p[0] + p[1]) * (p[0] + p[1]);
}

/* Gaussian negative log-likelihood in (mu, log sigma), constants dropped. */
typedef struct gauss_data {
    const double *x;
    size_t n;
    int analytic;
} gauss_data;

static double gauss_nll(const double *p, size_t n, void *ud, double *grad, int *has_grad)
{
    (void)n;
    const gauss_data *g = ud;
    double mu = p[0], th = p[1], s = 0.0, s1 = 0.0;
    for (size_t i = 0; i < g->n; i++) {
        double d = g->x[i] - mu;
        s += d * d;
        s1 += d;
    }
    double iv = exp(-2.0 * th);
    if (grad && g->analytic) {
        grad[0] = -s1 * iv;
        grad[1] = (double)g->n - s * iv;
        *has_grad = 1;
    }
    return (double)g->n * th + 0.5 * s * iv;
}

/* deterministic N(5, 2^2) samples: 64-bit LCG + Box-Muller */
static void gauss_samples(double *x, size_t n)
{
    unsigned long long st = 12345;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            u[k] = ((double)(st >> 11) + 0.5) / 9007199254740992.0;
        }
        double r = sqrt(-2.0 * log(u[0]));
        x[i] = 5.0 + 2.0 * r * cos(6.283185307179586 * u[1]);
        if (i + 1 < n)
            x[i + 1] = 5.0 + 2.0 * r * sin(6.283185307179586 * u[1]);
    }
}

/* ---- tests ---- */

static void test_quadratic(void)
{
    for (int analytic = 0; analytic <= 1; analytic++) {
        sg_optim_result r;
        sg_error e = { 0, "" };
        double start[2] = { 5.0, 7.0 };
        int rc = sg_optim_minimize(quad, &analytic, start, 2, NULL, &r, &e);
        tap_is_int(rc, 0, analytic ? "quad (grad): rc 0" : "quad (numeric): rc 0");
        tap_ok(r.converged, "quad %s: converged", analytic ? "grad" : "numeric");
        tap_is_str(r.method, "BFGS", "quad: BFGS won");
        tap_is_double(r.p[0], 1.0, 1e-7, "quad: x* = 1");
        tap_is_double(r.p[1], -2.0, 1e-7, "quad: y* = -2");
        tap_is_double(r.f, 3.0, 1e-12, "quad: f* = 3");
        tap_is_str(r.why, "", "quad: why empty when converged");
    }
    double h[4], p[2] = { 1.0, -2.0 }, q[2] = { 3.5, 0.25 };
    sg_error e = { 0, "" };
    tap_is_int(sg_optim_hessian(quad, NULL, p, 2, h, &e), 0, "quad hessian: rc 0");
    tap_is_double(h[0], 4.0, 1e-6, "quad hessian [0][0] = 4");
    tap_is_double(h[1], 1.0, 1e-6, "quad hessian [0][1] = 1");
    tap_is_double(h[2], 1.0, 1e-6, "quad hessian [1][0] = 1");
    tap_is_double(h[3], 2.0, 1e-6, "quad hessian [1][1] = 2");
    tap_is_int(sg_optim_hessian(quad, NULL, q, 2, h, &e), 0, "quad hessian away from min");
    tap_is_double(h[0], 4.0, 1e-6, "quad hessian (3.5,0.25) [0][0] = 4");
    tap_is_double(h[1], 1.0, 1e-6, "quad hessian (3.5,0.25) [0][1] = 1");
    tap_is_double(h[3], 2.0, 1e-6, "quad hessian (3.5,0.25) [1][1] = 2");
    /* inverse of [[4,1],[1,2]] = [[2,-1],[-1,4]]/7 */
    double se[2];
    double hx[4] = { 4.0, 1.0, 1.0, 2.0 };
    tap_is_int(sg_optim_std_errors(hx, 2, se, &e), 0, "quad se: rc 0");
    tap_is_double(se[0], sqrt(2.0 / 7.0), 1e-12, "quad se[0] = sqrt(2/7)");
    tap_is_double(se[1], sqrt(4.0 / 7.0), 1e-12, "quad se[1] = sqrt(4/7)");
}

static void test_rosenbrock(void)
{
    for (int analytic = 0; analytic <= 1; analytic++) {
        sg_optim_result r;
        sg_error e = { 0, "" };
        double start[2] = { -1.2, 1.0 };
        int rc = sg_optim_minimize(rosen, &analytic, start, 2, NULL, &r, &e);
        const char *k = analytic ? "grad" : "numeric";
        tap_ok(rc == 0, "rosenbrock %s: rc 0", k);
        tap_ok(r.converged, "rosenbrock %s: converged (%s, %d iterations)", k, r.method,
               r.iterations);
        tap_is_double(r.p[0], 1.0, 1e-5, "rosenbrock: x* = 1");
        tap_is_double(r.p[1], 1.0, 1e-5, "rosenbrock: y* = 1");
        tap_ok(r.f < 1e-10, "rosenbrock %s: f* ~ 0 (%g)", k, r.f);
        if (r.why[0])
            tap_diag("rosenbrock %s: %s", k, r.why);
    }
    /* too few iterations: not converged, why says so */
    int analytic = 1;
    sg_optim_options o;
    sg_optim_options_init(&o);
    tap_is_int(o.max_iter, 1000, "default max_iter");
    tap_is_double(o.tol, 1e-8, 0, "default tol");
    tap_is_int(o.allow_fallback, 1, "default allow_fallback");
    o.max_iter = 3;
    o.allow_fallback = 0;
    sg_optim_result r;
    sg_error e = { 0, "" };
    double start[2] = { -1.2, 1.0 };
    tap_is_int(sg_optim_minimize(rosen, &analytic, start, 2, &o, &r, &e), 0,
               "rosenbrock max_iter 3: rc 0");
    tap_is_int(r.converged, 0, "max_iter 3: not converged");
    tap_is_int(r.iterations, 3, "max_iter 3: 3 iterations");
    tap_ok(strstr(r.why, "BFGS reached max_iter 3 with gradient norm") != NULL, "why: %s", r.why);
    tap_ok(r.f < rosen(start, 2, NULL, NULL, NULL), "max_iter 3: still improved f");
    o.allow_fallback = 1;
    tap_is_int(sg_optim_minimize(rosen, &analytic, start, 2, &o, &r, &e), 0,
               "rosenbrock max_iter 3 + fallback: rc 0");
    tap_is_int(r.converged, 0, "max_iter 3 + fallback: not converged");
    tap_ok(strstr(r.why, "Nelder-Mead reached max_iter 3 with simplex size") != NULL, "why: %s",
           r.why);
}

static void test_nan_region(void)
{
    /* d/dx: 1/(1-x) - 3/(1+x) = 0  ->  1 + x = 3 - 3x  ->  x = 0.5 */
    long bad = 0;
    sg_optim_result r;
    sg_error e = { 0, "" };
    double start[2] = { -0.5, 4.0 };
    int rc = sg_optim_minimize(walled, &bad, start, 2, NULL, &r, &e);
    tap_is_int(rc, 0, "NaN region: rc 0");
    tap_ok(r.converged, "NaN region: converged (%s)", r.method);
    tap_is_double(r.p[0], 0.5, 1e-6, "NaN region: x* = 0.5");
    tap_is_double(r.p[1], 1.0, 1e-6, "NaN region: y* = 1");
    tap_ok(isfinite(r.f), "NaN region: f finite");
    tap_ok(bad > 0, "NaN region: the search did hit infeasible points (%ld)", bad);
    if (r.why[0])
        tap_diag("NaN region: %s", r.why);
}

static void test_fallback(void)
{
    sg_optim_result r;
    sg_error e = { 0, "" };
    /* |x-1| + |y+2|: BFGS's central differences vanish at the kink, which
     * here is the minimum, so any method may win; the answer must be right. */
    double k0[2] = { 0.3, 0.7 };
    int rc = sg_optim_minimize(kink, NULL, k0, 2, NULL, &r, &e);
    tap_is_int(rc, 0, "kink: rc 0");
    tap_diag("kink: method %s, converged %d, f %g, why: %s", r.method, r.converged, r.f, r.why);
    tap_ok(r.converged, "kink: converged");
    tap_is_double(r.p[0], 1.0, 1e-6, "kink: x* = 1");
    tap_is_double(r.p[1], -2.0, 1e-6, "kink: y* = -2");

    double start[2] = { 0.3, -0.5 };
    rc = sg_optim_minimize(valley, NULL, start, 2, NULL, &r, &e);
    tap_is_int(rc, 0, "valley: rc 0");
    tap_diag("valley: method %s, converged %d, f %g, %d iterations, why: %s", r.method,
             r.converged, r.f, r.iterations, r.why);
    tap_is_str(r.method, "Nelder-Mead", "valley: Nelder-Mead won");
    tap_ok(strncmp(r.why, "BFGS stopped after ", 19) == 0, "valley: why explains BFGS's failure");
    tap_ok(strstr(r.why, "Nelder-Mead converged") != NULL, "valley: why says NM converged");
    tap_ok(r.converged, "valley: converged");
    tap_is_double(r.p[0], 1.0, 1e-6, "valley: x* = 1");
    tap_is_double(r.p[1], 1.0, 1e-6, "valley: y* = 1");
    tap_ok(r.f < 1e-6, "valley: f* ~ 0");

    sg_optim_options o;
    sg_optim_options_init(&o);
    o.allow_fallback = 0;
    sg_optim_result rb;
    rc = sg_optim_minimize(valley, NULL, start, 2, &o, &rb, &e);
    tap_is_int(rc, 0, "valley without fallback: rc 0");
    tap_is_str(rb.method, "BFGS", "valley without fallback: BFGS");
    tap_is_int(rb.converged, 0, "valley without fallback: not converged");
    tap_ok(strncmp(rb.why, "BFGS stopped after ", 19) == 0, "valley without fallback: why (%s)",
           rb.why);
    tap_ok(rb.f > r.f, "valley: BFGS alone is worse (%g > %g)", rb.f, r.f);

    double s0[1] = { 0.0 };
    e.code = 0;
    rc = sg_optim_minimize(nan_at_origin, NULL, s0, 1, NULL, &r, &e);
    tap_is_int(rc, SG_EDATA, "NaN at start: SG_EDATA");
    tap_is_int(e.code, SG_EDATA, "NaN at start: err code");
    tap_ok(strstr(e.msg, "start") != NULL, "NaN at start message: %s", e.msg);
}

static void test_gauss_mle(void)
{
    enum { N = 1000 };
    static double x[N];
    gauss_samples(x, N);
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < N; i++)
        mean += x[i];
    mean /= N;
    for (size_t i = 0; i < N; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sigma = sqrt(ss / N);   /* MLE */
    tap_diag("gauss: mean %.6f sigma %.6f", mean, sigma);

    /* f is ~1136 here, so its resolution (~2.5e-13) makes a gradient norm of
     * 1e-8 (the default tol) unreachable in general: with the default the
     * answer must still be right, converged or not; with tol 1e-6 (a
     * realistic one for a likelihood of 1000 points) it must converge. */
    for (int run = 0; run < 4; run++) {
        int analytic = run & 1, deftol = run < 2;
        gauss_data g = { x, N, analytic };
        sg_optim_result r;
        sg_error e = { 0, "" };
        sg_optim_options o;
        sg_optim_options_init(&o);
        if (!deftol)
            o.tol = 1e-6;
        double start[2] = { 0.0, 0.0 };
        const char *k = analytic ? "grad" : "numeric";
        tap_is_int(sg_optim_minimize(gauss_nll, &g, start, 2, &o, &r, &e), 0, "gauss: rc 0");
        if (!deftol)
            tap_ok(r.converged, "gauss %s tol 1e-6: converged (%s)", k, r.method);
        tap_diag("gauss %s tol %g: %s, converged %d, %d iterations%s%s", k, o.tol, r.method,
                 r.converged, r.iterations, r.why[0] ? ": " : "", r.why);
        tap_is_double(r.p[0], mean, 1e-6, "gauss: mu* = sample mean");
        tap_is_double(r.p[1], log(sigma), 1e-6, "gauss: log sigma* = log of MLE sigma");

        double h[4], se[2];
        tap_is_int(sg_optim_hessian(gauss_nll, &g, r.p, 2, h, &e), 0, "gauss hessian: rc 0");
        /* closed form: [[n/s^2, 0], [0, 2n]] */
        tap_ok(fabs(h[0] / (N / (sigma * sigma)) - 1.0) < 1e-4, "gauss H[0][0] = n/sigma^2");
        tap_ok(fabs(h[3] / (2.0 * N) - 1.0) < 1e-4, "gauss H[1][1] = 2n");
        tap_ok(fabs(h[1]) < 1e-2 && h[1] == h[2], "gauss H off-diagonal ~ 0, symmetric");
        tap_is_int(sg_optim_std_errors(h, 2, se, &e), 0, "gauss se: rc 0");
        double want0 = sigma / sqrt((double)N), want1 = 1.0 / sqrt(2.0 * N);
        tap_ok(fabs(se[0] / want0 - 1.0) < 0.01, "gauss se(mu) = sigma/sqrt(n): %g vs %g",
               se[0], want0);
        tap_ok(fabs(se[1] / want1 - 1.0) < 0.01, "gauss se(log sigma) = 1/sqrt(2n): %g vs %g",
               se[1], want1);
    }
}

static void test_std_errors_edge(void)
{
    sg_error e = { 0, "" };
    double se[2] = { 0, 0 };
    double sing[4] = { 1.0, 2.0, 2.0, 4.0 };
    tap_is_int(sg_optim_std_errors(sing, 2, se, &e), 0, "singular: rc 0");
    tap_ok(isnan(se[0]) && isnan(se[1]), "singular: both NaN");

    double zero[4] = { 0, 0, 0, 0 };
    se[0] = se[1] = 0;
    tap_is_int(sg_optim_std_errors(zero, 2, se, &e), 0, "zero hessian: rc 0");
    tap_ok(isnan(se[0]) && isnan(se[1]), "zero hessian: both NaN");

    /* numerically singular Hessian of (p0 + p1)^2 */
    double h[4], p[2] = { 0.3, -0.1 };
    tap_is_int(sg_optim_hessian(flat_sum, NULL, p, 2, h, &e), 0, "flat hessian: rc 0");
    tap_is_double(h[0], 2.0, 1e-6, "flat H[0][0] = 2");
    tap_is_double(h[1], 2.0, 1e-6, "flat H[0][1] = 2");
    se[0] = se[1] = 0;
    tap_is_int(sg_optim_std_errors(h, 2, se, &e), 0, "flat se: rc 0");
    tap_ok(isnan(se[0]) && isnan(se[1]), "flat (singular) hessian: NaN se (%g, %g)", se[0],
           se[1]);

    double indef[4] = { -1.0, 0.0, 0.0, 4.0 };
    tap_is_int(sg_optim_std_errors(indef, 2, se, &e), 0, "indefinite: rc 0");
    tap_ok(isnan(se[0]), "indefinite: negative diagonal -> NaN");
    tap_is_double(se[1], 0.5, 1e-15, "indefinite: positive one still 0.5");

    double one[1] = { 4.0 };
    tap_is_int(sg_optim_std_errors(one, 1, se, &e), 0, "1x1: rc 0");
    tap_is_double(se[0], 0.5, 1e-15, "1x1: se = 1/sqrt(4)");

    double bad[4] = { 1.0, NAN, NAN, 1.0 };
    tap_is_int(sg_optim_std_errors(bad, 2, se, &e), SG_EDATA, "NaN in hessian: SG_EDATA");
}

static void test_invalid(void)
{
    sg_optim_result r;
    sg_error e = { 0, "" };
    double start[SG_OPTIM_MAX_PARAMS + 1] = { 0 }, h[4];
    tap_is_int(sg_optim_minimize(NULL, NULL, start, 2, NULL, &r, &e), SG_EINVAL, "NULL f");
    tap_is_int(sg_optim_minimize(kink, NULL, start, 0, NULL, &r, &e), SG_EINVAL, "n = 0");
    tap_is_int(sg_optim_minimize(kink, NULL, start, SG_OPTIM_MAX_PARAMS + 1, NULL, &r, &e),
               SG_EINVAL, "n > max");
    sg_optim_options o;
    sg_optim_options_init(&o);
    o.tol = 0;
    tap_is_int(sg_optim_minimize(kink, NULL, start, 2, &o, &r, &e), SG_EINVAL, "tol 0");
    sg_optim_options_init(&o);
    o.max_iter = 0;
    tap_is_int(sg_optim_minimize(kink, NULL, start, 2, &o, &r, &e), SG_EINVAL, "max_iter 0");
    double nanstart[2] = { NAN, 0 };
    tap_is_int(sg_optim_minimize(kink, NULL, nanstart, 2, NULL, &r, &e), SG_EINVAL, "NaN start");
    /* hessian next to the infeasible region */
    long bad = 0;
    double edge[2] = { 1.0 - 1e-5, 0.0 };
    tap_is_int(sg_optim_hessian(walled, &bad, edge, 2, h, &e), SG_EDATA,
               "hessian near infeasible: SG_EDATA");
    tap_ok(strstr(e.msg, "not finite") != NULL, "hessian message: %s", e.msg);
    tap_is_int(sg_optim_hessian(kink, NULL, start, 0, h, &e), SG_EINVAL, "hessian n = 0");
    tap_is_int(sg_optim_std_errors(NULL, 2, h, &e), SG_EINVAL, "std_errors NULL h");
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_quadratic();
    test_rosenbrock();
    test_nan_region();
    test_fallback();
    test_gauss_mle();
    test_std_errors_edge();
    test_invalid();
    return tap_done();
}
