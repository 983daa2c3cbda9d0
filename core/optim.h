/* Maximum-likelihood helpers on GSL's multimin: minimise a smooth function
 * of a few parameters with BFGS (gsl_multimin_fdfminimizer_vector_bfgs2,
 * gradient by central differences unless given), falling back to
 * Nelder-Mead (gsl_multimin_fminimizer_nmsimplex2) when BFGS fails or ends
 * on a non-finite value; then the Hessian by finite differences for
 * standard errors.  GSL's abort handler is turned off by the caller
 * (segmint's module init) and every GSL return code is checked. */
#ifndef SG_OPTIM_H
#define SG_OPTIM_H

#include <stddef.h>

#include "error.h"

#define SG_OPTIM_MAX_PARAMS 8

/* The function to minimise: returns f(p) (NaN or +Inf = infeasible).  When
 * grad is not NULL and the function can, it fills grad[n] and sets *has_grad = 1. */
typedef double (*sg_optim_fn)(const double *p, size_t n, void *ud, double *grad, int *has_grad);

typedef struct sg_optim_options {
    int max_iter;          /* default 1000 */
    double tol;            /* gradient norm for BFGS / simplex size for NM, default 1e-8 */
    int allow_fallback;    /* default 1 */
} sg_optim_options;

void sg_optim_options_init(sg_optim_options *o);

typedef struct sg_optim_result {
    double p[SG_OPTIM_MAX_PARAMS];
    double f;              /* the minimum */
    int iterations;
    int converged;
    const char *method;    /* "BFGS" or "Nelder-Mead" */
    char why[256];         /* when not converged: what happened, in words */
} sg_optim_result;

/* Minimises from start[n]; 0 on success (converged or not: see res),
 * SG_EINVAL for bad arguments, SG_EDATA when f is not finite at the start
 * or the search ends on a non-finite value (message says so). */
int sg_optim_minimize(sg_optim_fn f, void *ud, const double *start, size_t n,
                      const sg_optim_options *o, sg_optim_result *res, sg_error *err);

/* Hessian of f at p by central differences (step scaled to |p|), n x n
 * row-major into h.  0 on success, SG_EDATA if f is not finite around p. */
int sg_optim_hessian(sg_optim_fn f, void *ud, const double *p, size_t n, double *h, sg_error *err);

/* Standard errors: sqrt of the diagonal of the inverse Hessian (GSL LU);
 * NaN entries when the Hessian is singular or not positive definite. */
int sg_optim_std_errors(const double *h, size_t n, double *se, sg_error *err);

#endif
