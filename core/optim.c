/* Maximum-likelihood helpers on GSL's multimin (see optim.h).
 *
 * Non-finite values: GSL's minimisers cannot cope with NaN/Inf, so inside
 * the GSL callbacks a non-finite f is replaced by SG_OPTIM_PENALTY (a huge
 * but finite value: line searches and simplex moves then simply back off),
 * and the true value is re-checked at the end.  Every finite evaluation is
 * compared with the best seen so far, so a fallback can restart from the
 * best feasible point even when BFGS wandered into infeasible territory.
 *
 * GSL allocates its workspaces with plain malloc (it has no allocator
 * hook); every other buffer here is on the stack (n <= SG_OPTIM_MAX_PARAMS). */
#include "optim.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#define SG_OPTIM_PENALTY (DBL_MAX / 1e3)

typedef struct optim_ctx {
    sg_optim_fn f;
    void *ud;
    size_t n;
    double best_f;                       /* +Inf until a finite value is seen */
    double best_p[SG_OPTIM_MAX_PARAMS];
    long nonfinite;                      /* evaluations that were NaN/Inf */
} optim_ctx;

void sg_optim_options_init(sg_optim_options *o)
{
    if (!o)
        return;
    o->max_iter = 1000;
    o->tol = 1e-8;
    o->allow_fallback = 1;
}

/* One raw evaluation; grad may be NULL.  Records the best finite point. */
static double ctx_eval(optim_ctx *c, const double *p, double *grad, int *has_grad)
{
    int hg = 0;
    double v = c->f(p, c->n, c->ud, grad, grad ? &hg : NULL);
    if (has_grad)
        *has_grad = hg;
    if (!isfinite(v)) {
        c->nonfinite++;
        return v;
    }
    if (v < c->best_f) {
        c->best_f = v;
        memcpy(c->best_p, p, c->n * sizeof(double));
    }
    return v;
}

static void vec_to_arr(const gsl_vector *x, double *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = gsl_vector_get(x, i);
}

/* Central-difference gradient at p (fp = f(p), finite).  Where one side
 * is infeasible a one-sided difference is used; where both are, 0. */
static void num_grad(optim_ctx *c, double *p, double fp, double *g)
{
    for (size_t i = 0; i < c->n; i++) {
        double pi = p[i];
        double h = 1e-6 * fmax(1.0, fabs(pi));
        p[i] = pi + h;
        double fu = ctx_eval(c, p, NULL, NULL);
        p[i] = pi - h;
        double fd = ctx_eval(c, p, NULL, NULL);
        p[i] = pi;
        if (isfinite(fu) && isfinite(fd))
            g[i] = (fu - fd) / (2.0 * h);
        else if (isfinite(fu))
            g[i] = (fu - fp) / h;
        else if (isfinite(fd))
            g[i] = (fp - fd) / h;
        else
            g[i] = 0.0;
    }
}

static double gsl_cb_f(const gsl_vector *x, void *params)
{
    optim_ctx *c = params;
    double p[SG_OPTIM_MAX_PARAMS];
    vec_to_arr(x, p, c->n);
    double v = ctx_eval(c, p, NULL, NULL);
    return isfinite(v) ? v : SG_OPTIM_PENALTY;
}

static void gsl_cb_fdf(const gsl_vector *x, void *params, double *fout, gsl_vector *gout)
{
    optim_ctx *c = params;
    double p[SG_OPTIM_MAX_PARAMS], g[SG_OPTIM_MAX_PARAMS];
    int hg = 0;
    vec_to_arr(x, p, c->n);
    for (size_t i = 0; i < c->n; i++)
        g[i] = 0.0;
    double v = ctx_eval(c, p, g, &hg);
    if (!isfinite(v)) {
        /* Infeasible: a huge value with a zero gradient makes the line
         * search shrink its step back towards the feasible side. */
        for (size_t i = 0; i < c->n; i++)
            g[i] = 0.0;
        v = SG_OPTIM_PENALTY;
    } else {
        int gok = hg;
        for (size_t i = 0; gok && i < c->n; i++)
            if (!isfinite(g[i]))
                gok = 0;
        if (!gok)
            num_grad(c, p, v, g);
    }
    if (fout)
        *fout = v;
    if (gout)
        for (size_t i = 0; i < c->n; i++)
            gsl_vector_set(gout, i, g[i]);
}

static void gsl_cb_df(const gsl_vector *x, void *params, gsl_vector *gout)
{
    gsl_cb_fdf(x, params, NULL, gout);
}

typedef struct phase_result {
    double p[SG_OPTIM_MAX_PARAMS];
    double f;          /* true f at p (may be non-finite) */
    int iterations;
    int converged;
    int status;        /* last GSL status that stopped the loop, 0 if none */
    char why[120];
} phase_result;

static void run_bfgs(optim_ctx *c, const double *start, const sg_optim_options *o,
                     phase_result *r)
{
    size_t n = c->n;
    gsl_multimin_function_fdf fdf = { gsl_cb_f, gsl_cb_df, gsl_cb_fdf, n, c };
    gsl_vector *x = gsl_vector_alloc(n);
    gsl_multimin_fdfminimizer *s =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, n);
    memcpy(r->p, start, n * sizeof(double));
    r->f = NAN;
    r->iterations = 0;
    r->converged = 0;
    r->status = 0;
    r->why[0] = '\0';
    if (!x || !s) {
        r->status = GSL_ENOMEM;
        snprintf(r->why, sizeof r->why, "BFGS could not start: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(x, i, start[i]);
    int st = gsl_multimin_fdfminimizer_set(s, &fdf, x, 0.1, 0.1);
    if (st != GSL_SUCCESS) {
        r->status = st;
        snprintf(r->why, sizeof r->why, "BFGS could not start: %s", gsl_strerror(st));
        goto done;
    }
    if (gsl_multimin_test_gradient(s->gradient, o->tol) == GSL_SUCCESS) {
        r->converged = 1;
    } else {
        while (r->iterations < o->max_iter) {
            r->iterations++;
            st = gsl_multimin_fdfminimizer_iterate(s);
            if (st == GSL_ENOPROG && s->f < SG_OPTIM_PENALTY &&
                gsl_blas_dnrm2(s->gradient) <= sqrt(o->tol) * fmax(1.0, fabs(s->f))) {
                /* The line search cannot lower f at f's own precision and
                 * the gradient is already small: with f ~ 1e3 an absolute
                 * gradient norm of 1e-8 is below what rounding lets us
                 * reach, so this is convergence, not failure. */
                r->converged = 1;
                break;
            }
            if (st != GSL_SUCCESS) {
                r->status = st;
                snprintf(r->why, sizeof r->why, "BFGS stopped after %d iterations: %s",
                         r->iterations, st == GSL_ENOPROG ? "no progress" : gsl_strerror(st));
                break;
            }
            if (gsl_multimin_test_gradient(s->gradient, o->tol) == GSL_SUCCESS) {
                r->converged = 1;
                break;
            }
        }
        if (!r->converged && !r->status)
            snprintf(r->why, sizeof r->why,
                     "BFGS reached max_iter %d with gradient norm %.3g", o->max_iter,
                     gsl_blas_dnrm2(s->gradient));
    }
    vec_to_arr(s->x, r->p, n);
    r->f = ctx_eval(c, r->p, NULL, NULL);   /* the true value, not the penalty */
    if (!isfinite(r->f)) {
        r->converged = 0;
        snprintf(r->why, sizeof r->why, "BFGS ended on a non-finite value after %d iterations",
                 r->iterations);
    }
done:
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
}

static void run_nm(optim_ctx *c, const double *start, const sg_optim_options *o, phase_result *r)
{
    size_t n = c->n;
    gsl_multimin_function fn = { gsl_cb_f, n, c };
    gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    double size = NAN;
    memcpy(r->p, start, n * sizeof(double));
    r->f = NAN;
    r->iterations = 0;
    r->converged = 0;
    r->status = 0;
    r->why[0] = '\0';
    if (!x || !step || !s) {
        r->status = GSL_ENOMEM;
        snprintf(r->why, sizeof r->why, "Nelder-Mead could not start: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        gsl_vector_set(x, i, start[i]);
        /* 0.1 per coordinate, scaled up for large parameters */
        gsl_vector_set(step, i, 0.1 * fmax(1.0, fabs(start[i])));
    }
    int st = gsl_multimin_fminimizer_set(s, &fn, x, step);
    if (st != GSL_SUCCESS) {
        r->status = st;
        snprintf(r->why, sizeof r->why, "Nelder-Mead could not start: %s", gsl_strerror(st));
        goto done;
    }
    while (r->iterations < o->max_iter) {
        r->iterations++;
        st = gsl_multimin_fminimizer_iterate(s);
        if (st != GSL_SUCCESS) {
            r->status = st;
            snprintf(r->why, sizeof r->why, "Nelder-Mead stopped after %d iterations: %s",
                     r->iterations, st == GSL_ENOPROG ? "no progress" : gsl_strerror(st));
            break;
        }
        size = gsl_multimin_fminimizer_size(s);
        if (gsl_multimin_test_size(size, o->tol) == GSL_SUCCESS) {
            r->converged = 1;
            break;
        }
    }
    if (!r->converged && !r->status)
        snprintf(r->why, sizeof r->why, "Nelder-Mead reached max_iter %d with simplex size %.3g",
                 o->max_iter, size);
    vec_to_arr(s->x, r->p, n);
    r->f = ctx_eval(c, r->p, NULL, NULL);
    if (!isfinite(r->f)) {
        r->converged = 0;
        snprintf(r->why, sizeof r->why,
                 "Nelder-Mead ended on a non-finite value after %d iterations", r->iterations);
    }
done:
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(step);
    gsl_vector_free(x);
}

static void fill_result(sg_optim_result *res, const phase_result *r, size_t n, const char *method)
{
    memcpy(res->p, r->p, n * sizeof(double));
    res->f = r->f;
    res->converged = r->converged;
    res->method = method;
}

int sg_optim_minimize(sg_optim_fn f, void *ud, const double *start, size_t n,
                      const sg_optim_options *o, sg_optim_result *res, sg_error *err)
{
    sg_optim_options defaults;
    if (!o) {
        sg_optim_options_init(&defaults);
        o = &defaults;
    }
    if (!f || !start || !res)
        return sg_error_set(err, SG_EINVAL, "optim: function, start and result must not be NULL");
    if (n == 0 || n > SG_OPTIM_MAX_PARAMS)
        return sg_error_set(err, SG_EINVAL, "optim: %zu parameters (must be 1..%d)", n,
                            SG_OPTIM_MAX_PARAMS);
    if (o->max_iter <= 0)
        return sg_error_set(err, SG_EINVAL, "optim: max_iter must be positive (got %d)",
                            o->max_iter);
    if (!(o->tol > 0) || !isfinite(o->tol))
        return sg_error_set(err, SG_EINVAL, "optim: tol must be a positive number (got %g)",
                            o->tol);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(start[i]))
            return sg_error_set(err, SG_EINVAL, "optim: start[%zu] is not finite", i);

    memset(res, 0, sizeof *res);
    res->f = NAN;
    res->method = "BFGS";

    optim_ctx c = { f, ud, n, INFINITY, { 0 }, 0 };
    double f0 = ctx_eval(&c, start, NULL, NULL);
    if (!isfinite(f0))
        return sg_error_set(err, SG_EDATA,
                            "optim: the function is not finite at the start point (f = %g)", f0);

    phase_result b, m;
    run_bfgs(&c, start, o, &b);
    res->iterations = b.iterations;
    int bfgs_failed = b.status != 0 || !isfinite(b.f);

    if (b.status == GSL_ENOMEM && !isfinite(b.f))
        return sg_error_nomem(err);

    if (b.converged && !bfgs_failed) {
        fill_result(res, &b, n, "BFGS");
        return 0;
    }
    if (!o->allow_fallback) {
        fill_result(res, &b, n, "BFGS");
        snprintf(res->why, sizeof res->why, "%s", b.why);
        if (!isfinite(b.f))
            return sg_error_set(err, SG_EDATA, "optim: %s (no fallback allowed)", b.why);
        return 0;
    }

    /* Fallback: Nelder-Mead from the best finite point seen so far. */
    double from[SG_OPTIM_MAX_PARAMS];
    memcpy(from, c.best_p, n * sizeof(double));
    run_nm(&c, from, o, &m);
    res->iterations += m.iterations;
    if (m.status == GSL_ENOMEM && !isfinite(b.f))
        return sg_error_nomem(err);

    /* Keep whichever is lower and finite; on a tie prefer a converged one. */
    int use_nm;
    if (!isfinite(m.f))
        use_nm = 0;
    else if (!isfinite(b.f))
        use_nm = 1;
    else if (m.f < b.f)
        use_nm = 1;
    else if (m.f == b.f)
        use_nm = m.converged || !b.converged;
    else
        use_nm = 0;

    if (use_nm)
        fill_result(res, &m, n, "Nelder-Mead");
    else
        fill_result(res, &b, n, "BFGS");
    if (res->converged)
        snprintf(res->why, sizeof res->why, "%s; Nelder-Mead converged (f = %.10g)%s", b.why,
                 m.f, use_nm ? "" : ", but BFGS's point was lower");
    else
        snprintf(res->why, sizeof res->why, "%s; %s", b.why,
                 m.why[0] ? m.why : "Nelder-Mead converged to a higher value");
    if (!isfinite(res->f))
        return sg_error_set(err, SG_EDATA, "optim: the search ended on a non-finite value: %s",
                            res->why);
    return 0;
}

/* f at p with p[i] += di, p[j] += dj (i == j allowed); p restored. */
static double eval_shift(sg_optim_fn f, void *ud, double *p, size_t n, size_t i, double di,
                         size_t j, double dj)
{
    int hg = 0;
    double pi = p[i], pj = p[j];
    p[i] += di;
    p[j] += dj;
    double v = f(p, n, ud, NULL, &hg);
    p[i] = pi;
    p[j] = pj;
    return v;
}

int sg_optim_hessian(sg_optim_fn f, void *ud, const double *p, size_t n, double *h, sg_error *err)
{
    if (!f || !p || !h)
        return sg_error_set(err, SG_EINVAL, "optim: hessian needs a function, p and h");
    if (n == 0 || n > SG_OPTIM_MAX_PARAMS)
        return sg_error_set(err, SG_EINVAL, "optim: hessian of %zu parameters (must be 1..%d)",
                            n, SG_OPTIM_MAX_PARAMS);
    double q[SG_OPTIM_MAX_PARAMS], step[SG_OPTIM_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]))
            return sg_error_set(err, SG_EINVAL, "optim: hessian at p[%zu] not finite", i);
        q[i] = p[i];
        step[i] = 1e-4 * fmax(1.0, fabs(p[i]));
    }
    int hg = 0;
    double f0 = f(q, n, ud, NULL, &hg);
    if (!isfinite(f0))
        return sg_error_set(err, SG_EDATA, "optim: hessian: f is not finite at the point");
    for (size_t i = 0; i < n; i++) {
        double hi = step[i];
        double fp = eval_shift(f, ud, q, n, i, hi, i, 0.0);
        double fm = eval_shift(f, ud, q, n, i, -hi, i, 0.0);
        if (!isfinite(fp) || !isfinite(fm))
            return sg_error_set(err, SG_EDATA,
                                "optim: hessian: f is not finite near the point along p[%zu]", i);
        h[i * n + i] = (fp - 2.0 * f0 + fm) / (hi * hi);
        for (size_t j = 0; j < i; j++) {
            double hj = step[j];
            double fpp = eval_shift(f, ud, q, n, i, hi, j, hj);
            double fpm = eval_shift(f, ud, q, n, i, hi, j, -hj);
            double fmp = eval_shift(f, ud, q, n, i, -hi, j, hj);
            double fmm = eval_shift(f, ud, q, n, i, -hi, j, -hj);
            if (!isfinite(fpp) || !isfinite(fpm) || !isfinite(fmp) || !isfinite(fmm))
                return sg_error_set(err, SG_EDATA,
                                    "optim: hessian: f is not finite near the point along "
                                    "p[%zu], p[%zu]", i, j);
            double v = (fpp - fpm - fmp + fmm) / (4.0 * hi * hj);
            h[i * n + j] = v;   /* computed once: symmetric by construction */
            h[j * n + i] = v;
        }
    }
    return 0;
}

int sg_optim_std_errors(const double *h, size_t n, double *se, sg_error *err)
{
    if (!h || !se)
        return sg_error_set(err, SG_EINVAL, "optim: std_errors needs h and se");
    if (n == 0 || n > SG_OPTIM_MAX_PARAMS)
        return sg_error_set(err, SG_EINVAL, "optim: std_errors of %zu parameters (must be 1..%d)",
                            n, SG_OPTIM_MAX_PARAMS);
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(h[i]))
            return sg_error_set(err, SG_EDATA, "optim: Hessian entry (%zu, %zu) is not finite",
                                i / n, i % n);
    for (size_t i = 0; i < n; i++)
        se[i] = NAN;

    gsl_matrix *lu = gsl_matrix_alloc(n, n), *inv = gsl_matrix_alloc(n, n);
    gsl_permutation *perm = gsl_permutation_alloc(n);
    int rc = 0;
    if (!lu || !inv || !perm) {
        rc = sg_error_nomem(err);
        goto done;
    }
    double hmax = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            gsl_matrix_set(lu, i, j, h[i * n + j]);
            hmax = fmax(hmax, fabs(h[i * n + j]));
        }
    if (hmax == 0.0)
        goto done;                         /* all-zero Hessian: singular */
    int signum = 0;
    if (gsl_linalg_LU_decomp(lu, perm, &signum) != GSL_SUCCESS)
        goto done;
    /* Singular, or numerically so: a pivot negligible against the largest
     * entry (finite-difference Hessians are never exactly singular). */
    for (size_t i = 0; i < n; i++)
        if (!(fabs(gsl_matrix_get(lu, i, i)) > 1e-10 * hmax))
            goto done;
    if (gsl_linalg_LU_invert(lu, perm, inv) != GSL_SUCCESS)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double d = gsl_matrix_get(inv, i, i);
        se[i] = (d > 0 && isfinite(d)) ? sqrt(d) : NAN;
    }
done:
    gsl_permutation_free(perm);
    gsl_matrix_free(inv);
    gsl_matrix_free(lu);
    return rc;
}
