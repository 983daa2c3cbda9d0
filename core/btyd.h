/* "Buy till you die" models: BG/NBD (Fader, Hardie and Lee 2005), MBG/NBD
 * (Batislam, Denizel and Filiztekin 2007), Pareto/NBD (Schmittlein,
 * Morrison and Colombo 1987), BG/BB (Fader, Hardie and Shang 2010) and
 * Gamma-Gamma spend (Fader, Hardie and Lee 2005), fitted by maximum
 * likelihood in C.
 *
 * Data per customer, in a declared time unit: x = repeat purchases,
 * t_x = first to last purchase, T = first purchase to the end of
 * calibration (BG/BB: x = repeat transactions in T = n discrete
 * opportunities, t_x = the opportunity of the last one, all whole
 * numbers); rows identical in (x, t_x, T) are collapsed with weights.
 * Parameters are optimised in log space (all are positive) with BFGS and a
 * Nelder-Mead fallback (core/optim.h), optionally with an L2 penalty
 * applied as the Python lifetimes library applies it (see
 * sg_btyd_fit_transactions). */
#ifndef SG_BTYD_H
#define SG_BTYD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum sg_btyd_model {
    SG_BGNBD = 0,      /* params r, alpha, a, b */
    SG_MBGNBD,         /* params r, alpha, a, b */
    SG_PARETO_NBD,     /* params r, alpha, s, beta */
    SG_GAMMA_GAMMA,    /* params p, q, v */
    SG_BGBB            /* params alpha, beta (purchase), gamma, delta (dropout) */
} sg_btyd_model;

#define SG_BTYD_NMODELS 5

/* "bgnbd", "mbgnbd", "pareto_nbd", "gamma_gamma", "bgbb" */
const char *sg_btyd_model_name(sg_btyd_model m);
int sg_btyd_model_parse(const char *name, sg_btyd_model *out);

/* Collapsed data (weights = customers per row). */
typedef struct sg_btyd_data {
    size_t n;
    double *x, *tx, *T, *w;
} sg_btyd_data;

/* Collapses per-customer arrays into distinct (x, t_x, T) rows with weights,
 * sorted by (x, t_x, T).  Checks T >= 0, 0 <= t_x <= T, x >= 0 integral,
 * x = 0 implies t_x = 0 (SG_EDATA naming the first bad row, counted from
 * 1 as in a dataset). */
sg_btyd_data *sg_btyd_collapse(const double *x, const double *tx, const double *T, size_t n,
                               sg_error *err);
/* The same with a weight per row (NULL: 1 each; weights must be finite and
 * >= 0) and the model's own checks: BG/BB also needs whole t_x and T and
 * t_x >= x. */
sg_btyd_data *sg_btyd_collapse_model(sg_btyd_model m, const double *x, const double *tx,
                                     const double *T, const double *w, size_t n, sg_error *err);
void sg_btyd_data_free(sg_btyd_data *d);

/* A fit shared by several processes (docs/mpi.md): each holds some of the
 * customers, runs the same fit in lockstep with the same options, and
 * calls these at the same points with the same n.  sum adds the n int64
 * words of every process into each one's (MPI_Allreduce, MPI_SUM), max
 * takes the largest of each of n doubles.  Every sum a fit makes (the
 * log-likelihood, its gradient, the customer counts) is an exact sum
 * (core/xsum.h) whose accumulator travels through sum, so every process
 * gets the same bits, and the same bits as one process holding every
 * customer: the fitted parameters do not depend on the number of
 * processes or on how the customers are spread over them. */
typedef struct sg_btyd_reduce {
    void (*sum)(int64_t *words, size_t n, void *ud);
    void (*max)(double *v, size_t n, void *ud);
    void *ud;
} sg_btyd_reduce;

typedef struct sg_btyd_fit_options {
    double penalizer;      /* default 0 */
    const double *start;   /* optional starting parameters (natural scale) */
    int max_iter;          /* default 1000 */
    double tolerance;      /* gradient norm of the mean objective in log space, default 1e-8 */
    int threads;           /* Pareto/NBD likelihood threads, 0: up to 2 (same result) */
    const sg_btyd_reduce *reduce;   /* NULL: this process holds every customer */
} sg_btyd_fit_options;

/* A fit "runs off" when a parameter ends outside [SG_BTYD_PARAM_MIN,
 * SG_BTYD_PARAM_MAX], measured on the scale the optimiser sees: time
 * parameters (alpha; beta of the Pareto/NBD) on lifetimes' rescaled time
 * axis where the longest T is 1, Gamma-Gamma's v in units of the mean
 * spend.  Such a fit is refused (SG_EDATA), as is one whose Hessian at the
 * optimum is not positive definite. */
#define SG_BTYD_PARAM_MIN 1e-6
#define SG_BTYD_PARAM_MAX 1e6

void sg_btyd_fit_options_init(sg_btyd_fit_options *o);

typedef struct sg_btyd_fit {
    sg_btyd_model model;
    int nparams;
    double params[4];      /* natural scale */
    double se[4];          /* standard errors (delta method from log space); NaN when not available */
    double loglik;         /* at the optimum, without the penalty */
    int iterations;
    int converged;
    char method[16];       /* "BFGS" or "Nelder-Mead" */
    size_t customers;      /* sum of weights */
} sg_btyd_fit;

/* A model at given parameters (natural scale, all > 0 and finite): for
 * predictions without fitting.  loglik is NaN, method "given". */
int sg_btyd_fit_from_params(sg_btyd_model m, const double *params, sg_btyd_fit *fit,
                            sg_error *err);
/* Number of parameters of a model (4, or 3 for Gamma-Gamma) and their names. */
int sg_btyd_nparams(sg_btyd_model m);
const char *sg_btyd_param_name(sg_btyd_model m, int i);

/* Log-likelihood of one (x, t_x, T) row under a transaction model with the
 * given natural parameters (NaN when not finite). */
double sg_btyd_loglik1(sg_btyd_model m, const double *params, double x, double tx, double T);
/* Total weighted log-likelihood, an exactly rounded sum (core/xsum.h) of
 * the rows' weight times log-likelihood. */
double sg_btyd_loglik(sg_btyd_model m, const double *params, const sg_btyd_data *d);
/* Empty data (no customers: a process of a shared fit may hold none);
 * NULL on out of memory. */
sg_btyd_data *sg_btyd_data_empty(void);

/* Fits a transaction model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB).  A failed
 * fit never returns NaN silently: SG_EDATA with a message naming the model,
 * what went wrong (no repeat buyers, likelihood not finite at the start,
 * optimiser did not converge, a parameter beyond the bounds above, a
 * Hessian that is not positive definite) and what to try (more data, a
 * penalizer, another time unit, a longer calibration period).
 *
 * The objective is lifetimes': time is rescaled so that the longest T is 1
 * (not for BG/BB, whose time is discrete), the parameters p (on that axis)
 * are optimised in log space, and the penalty is penalizer * sum(p^2)
 * added to
 *   BG/NBD, MBG/NBD, BG/BB: the mean negative log-likelihood per customer;
 *   Pareto/NBD:             the total negative log-likelihood (lifetimes
 *                           divides by the mean weight, 1 per customer).
 * Time parameters are mapped back to the declared unit at the end.  The
 * Pareto/NBD likelihood and its gradient are evaluated on o->threads
 * threads; the result does not depend on the count.  With o->reduce, d
 * holds this process's customers only (it may hold none: sg_btyd_data_empty)
 * and the fit is the one of every process's customers together. */
int sg_btyd_fit_transactions(sg_btyd_model m, const sg_btyd_data *d, const sg_btyd_fit_options *o,
                             sg_btyd_fit *fit, sg_error *err);

/* Gamma-Gamma on repeat buyers: x (repeat purchases, > 0) and m (mean
 * repeat transaction value, > 0); rows with x = 0 or m <= 0 are skipped and
 * counted in *skipped (the caller states how returns are handled).
 * Objective: mean negative log-likelihood + penalizer * (p^2 + q^2 + v^2),
 * as lifetimes.  Refused (SG_EDATA): fewer than 2 repeat buyers, the same
 * mean spend for every one (no spread to estimate), parameters beyond the
 * bounds, q <= 1, a Hessian that is not positive definite.  With
 * o->reduce, the rows are this process's customers (n may be 0) and the
 * counts, the refusals and the fit are those of every process's together. */
int sg_gamma_gamma_fit(const double *x, const double *m, size_t n, const sg_btyd_fit_options *o,
                       sg_btyd_fit *fit, size_t *skipped, sg_error *err);

/* ---- predictions (time in the model's unit) ---- */

/* Expected purchases in the next t, for a customer with (x, t_x, T). */
double sg_btyd_expected_purchases(const sg_btyd_fit *f, double t, double x, double tx, double T);
/* P(alive) at T (now), and at T + t for a customer who makes no purchase in between. */
double sg_btyd_p_alive(const sg_btyd_fit *f, double x, double tx, double T);
double sg_btyd_p_alive_at(const sg_btyd_fit *f, double t, double x, double tx, double T);
/* P(exactly n purchases in the next t), conditional on the history
 * (BG/NBD, MBG/NBD, Pareto/NBD; NaN for BG/BB). */
double sg_btyd_p_purchases(const sg_btyd_fit *f, int n, double t, double x, double tx, double T);
/* Expected purchases in (0, t] for a new customer (unconditional E[X(t)]).
 * BG/BB: time arguments are whole numbers of opportunities (NaN otherwise). */
double sg_btyd_expected_purchases_new(const sg_btyd_fit *f, double t);
/* Gamma-Gamma: expected average transaction value given x and m. */
double sg_gamma_gamma_expected_spend(const sg_btyd_fit *gg, double x, double m);
/* CLV over horizon periods of `period` units each, discounting each
 * period's expected purchases (transaction model) times expected spend
 * (Gamma-Gamma) times margin by (1 + discount_rate)^k, k = 1..horizon
 * (lifetimes' customer_lifetime_value). */
double sg_btyd_clv(const sg_btyd_fit *tm, const sg_btyd_fit *gg, double x, double tx, double T,
                   double m, int horizon, double period, double discount_rate, double margin);

/* ---- scoring rows (btyd_score.c) ---- */
typedef enum sg_btyd_score_kind {
    SG_BTYD_SCORE_EXPECTED,      /* sg_btyd_expected_purchases(tm, t, ...) */
    SG_BTYD_SCORE_P_ALIVE,       /* sg_btyd_p_alive(tm, ...) */
    SG_BTYD_SCORE_P_ALIVE_AT,    /* sg_btyd_p_alive_at(tm, t, ...) */
    SG_BTYD_SCORE_P_PURCHASES,   /* sg_btyd_p_purchases(tm, n, t, ...) */
    SG_BTYD_SCORE_SPEND,         /* sg_gamma_gamma_expected_spend(gg, x, m) */
    SG_BTYD_SCORE_CLV            /* sg_btyd_clv(tm, gg, ..., horizon, period, discount, margin) */
} sg_btyd_score_kind;

typedef struct sg_btyd_score {
    sg_btyd_score_kind kind;
    const sg_btyd_fit *tm;       /* the transaction model (every kind but SPEND) */
    const sg_btyd_fit *gg;       /* Gamma-Gamma (SPEND and CLV) */
    double t;                    /* EXPECTED, P_ALIVE_AT, P_PURCHASES */
    int n;                       /* P_PURCHASES */
    int horizon;                 /* CLV */
    double period, discount, margin;
} sg_btyd_score;

/* One prediction per customer row as a double column `name` of rows
 * values (x, t_x, T and m per row: tx and T may be NULL for SPEND, m for
 * every kind but SPEND and CLV); values that are not finite are missing.
 * NULL (err set) on out of memory or a model missing for the kind. */
struct sg_column;
struct sg_column *sg_btyd_score_column(const sg_btyd_score *s, const double *x, const double *tx,
                                       const double *T, const double *m, size_t rows,
                                       const char *name, sg_error *err);

#endif
