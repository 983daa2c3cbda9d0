/* "Buy till you die" models: BG/NBD (Fader, Hardie and Lee 2005), MBG/NBD
 * (Batislam, Denizel and Filiztekin 2007), Pareto/NBD (Schmittlein,
 * Morrison and Colombo 1987) and Gamma-Gamma spend (Fader, Hardie and Lee
 * 2005), fitted by maximum likelihood in C.
 *
 * Data per customer, in a declared time unit: x = repeat purchase periods,
 * t_x = first to last purchase, T = first purchase to the end of
 * calibration; rows identical in (x, t_x, T) are collapsed with weights.
 * Parameters are optimised in log space (all are positive) with BFGS and a
 * Nelder-Mead fallback (core/optim.h), optionally with an L2 penalty
 * (penalizer * sum(params^2), as the Python lifetimes library does). */
#ifndef SG_BTYD_H
#define SG_BTYD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum sg_btyd_model {
    SG_BGNBD = 0,      /* params r, alpha, a, b */
    SG_MBGNBD,         /* params r, alpha, a, b */
    SG_PARETO_NBD,     /* params r, alpha, s, beta */
    SG_GAMMA_GAMMA     /* params p, q, v */
} sg_btyd_model;

const char *sg_btyd_model_name(sg_btyd_model m);    /* "bgnbd", "mbgnbd", "pareto_nbd", "gamma_gamma" */
int sg_btyd_model_parse(const char *name, sg_btyd_model *out);

/* Collapsed data (weights = customers per row). */
typedef struct sg_btyd_data {
    size_t n;
    double *x, *tx, *T, *w;
} sg_btyd_data;

/* Collapses per-customer arrays into distinct (x, t_x, T) rows with weights,
 * sorted by (x, t_x, T).  Checks 0 <= t_x <= T, x >= 0 integral, x = 0
 * implies t_x = 0 (SG_EDATA naming the first bad customer index). */
sg_btyd_data *sg_btyd_collapse(const double *x, const double *tx, const double *T, size_t n,
                               sg_error *err);
void sg_btyd_data_free(sg_btyd_data *d);

typedef struct sg_btyd_fit_options {
    double penalizer;      /* default 0 */
    const double *start;   /* optional starting parameters (natural scale) */
    int max_iter;          /* default 1000 */
} sg_btyd_fit_options;

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

/* Log-likelihood of one (x, t_x, T) row under a transaction model with the
 * given natural parameters (NaN when not finite). */
double sg_btyd_loglik1(sg_btyd_model m, const double *params, double x, double tx, double T);
/* Total weighted log-likelihood. */
double sg_btyd_loglik(sg_btyd_model m, const double *params, const sg_btyd_data *d);

/* Fits a transaction model (BG/NBD, MBG/NBD, Pareto/NBD).  A failed fit
 * never returns NaN silently: SG_EDATA with a message naming the model,
 * what went wrong (no repeat buyers, likelihood not finite at the start,
 * optimiser did not converge...) and what to try (a penalizer, another
 * time unit, a longer calibration period). */
int sg_btyd_fit_transactions(sg_btyd_model m, const sg_btyd_data *d, const sg_btyd_fit_options *o,
                             sg_btyd_fit *fit, sg_error *err);

/* Gamma-Gamma on repeat buyers: x (repeat purchases, > 0) and m (mean
 * repeat transaction value, > 0); rows with x = 0 or m <= 0 are skipped and
 * counted in *skipped (the caller states how returns are handled). */
int sg_gamma_gamma_fit(const double *x, const double *m, size_t n, const sg_btyd_fit_options *o,
                       sg_btyd_fit *fit, size_t *skipped, sg_error *err);

/* ---- predictions (time in the model's unit) ---- */

/* Expected purchases in the next t, for a customer with (x, t_x, T). */
double sg_btyd_expected_purchases(const sg_btyd_fit *f, double t, double x, double tx, double T);
/* P(alive) at T (now), and at T + t for a customer who makes no purchase in between. */
double sg_btyd_p_alive(const sg_btyd_fit *f, double x, double tx, double T);
double sg_btyd_p_alive_at(const sg_btyd_fit *f, double t, double x, double tx, double T);
/* P(exactly n purchases in the next t) (BG/NBD and MBG/NBD: conditional on
 * the history; Pareto/NBD: conditional as well). */
double sg_btyd_p_purchases(const sg_btyd_fit *f, int n, double t, double x, double tx, double T);
/* Expected purchases in (0, t] for a new customer (unconditional). */
double sg_btyd_expected_purchases_new(const sg_btyd_fit *f, double t);
/* Gamma-Gamma: expected average transaction value given x and m. */
double sg_gamma_gamma_expected_spend(const sg_btyd_fit *gg, double x, double m);
/* CLV over horizon periods of `period` units each, discounting each
 * period's expected purchases (transaction model) times expected spend
 * (Gamma-Gamma) times margin by (1 + discount_rate)^k, k = 1..horizon
 * (lifetimes' customer_lifetime_value). */
double sg_btyd_clv(const sg_btyd_fit *tm, const sg_btyd_fit *gg, double x, double tx, double T,
                   double m, int horizon, double period, double discount_rate, double margin);

#endif
