/* Private interface between core/btyd.c (shared code, fitting and the
 * prediction dispatchers) and the per-model files: btyd_bgnbd.c (BG/NBD and
 * MBG/NBD) and btyd_pareto.c (Pareto/NBD).  Every per-model function takes
 * the natural-scale parameters `params` (r, alpha, a, b for BG/NBD and
 * MBG/NBD; r, alpha, s, beta for Pareto/NBD) and otherwise the same
 * arguments, in the same order, as the public function in btyd.h it backs.
 * They return NaN when the result cannot be computed (non-finite,
 * parameters out of range); the dispatchers check arguments first. */
#ifndef SG_BTYD_INTERNAL_H
#define SG_BTYD_INTERNAL_H

#include "btyd.h"
#include "xsum.h"

/* ---- BG/NBD (btyd_bgnbd.c) ---- */
double sg_bgnbd_loglik1(const double *params, double x, double tx, double T);
double sg_bgnbd_expected_purchases(const double *params, double t, double x, double tx, double T);
double sg_bgnbd_p_alive(const double *params, double x, double tx, double T);
double sg_bgnbd_p_alive_at(const double *params, double t, double x, double tx, double T);
double sg_bgnbd_p_purchases(const double *params, int n, double t, double x, double tx, double T);
double sg_bgnbd_expected_purchases_new(const double *params, double t);

/* ---- MBG/NBD (btyd_bgnbd.c) ---- */
double sg_mbgnbd_loglik1(const double *params, double x, double tx, double T);
double sg_mbgnbd_expected_purchases(const double *params, double t, double x, double tx, double T);
double sg_mbgnbd_p_alive(const double *params, double x, double tx, double T);
double sg_mbgnbd_p_alive_at(const double *params, double t, double x, double tx, double T);
double sg_mbgnbd_p_purchases(const double *params, int n, double t, double x, double tx, double T);
double sg_mbgnbd_expected_purchases_new(const double *params, double t);

/* ---- Pareto/NBD (btyd_pareto.c, other engineer) ---- */
double sg_pareto_loglik1(const double *params, double x, double tx, double T);
double sg_pareto_expected_purchases(const double *params, double t, double x, double tx, double T);
double sg_pareto_p_alive(const double *params, double x, double tx, double T);
double sg_pareto_p_alive_at(const double *params, double t, double x, double tx, double T);
double sg_pareto_p_purchases(const double *params, int n, double t, double x, double tx, double T);
double sg_pareto_expected_purchases_new(const double *params, double t);

/* Pareto/NBD log-likelihood of one row for the fit, by quadrature of the
 * "died in (t_x, T]" integral (btyd_pareto.c): e holds the parameters and
 * a Gauss-Legendre rule on [-1, 1]; lg = lgamma(r+x) - lgamma(r) and
 * dg = psi(r+x) - psi(r) come from the caller (they depend on x only).
 * When grad is not NULL it receives d ll / d(r, alpha, s, beta). */
#define SG_PARETO_NODES 8   /* Gauss-Legendre nodes per panel */
typedef struct sg_pareto_eval {
    double r, alpha, s, beta;
    const double *gl_x, *gl_w;   /* nodes and weights on [-1, 1] */
    int gl_n;
} sg_pareto_eval;
double sg_pareto_row(const sg_pareto_eval *e, double x, double tx, double T, double lg, double dg,
                     double *grad);

/* ---- BG/BB (btyd_bgbb.c): x, t_x and n whole numbers ---- */
double sg_bgbb_loglik1(const double *params, double x, double tx, double n);
double sg_bgbb_expected_purchases(const double *params, double t, double x, double tx, double n);
double sg_bgbb_p_alive(const double *params, double x, double tx, double n);
double sg_bgbb_p_alive_at(const double *params, double t, double x, double tx, double n);
double sg_bgbb_expected_purchases_new(const double *params, double t);

/* The Hessian h (n x n) of a mean objective in log parameters over N
 * customers at the optimum: SG_EDATA unless positive definite (the message
 * names the model and the parameter along the flattest direction); else
 * se_log[i] = standard error of log(param i) (btyd.c). */
int sg_btyd_hessian_check(sg_btyd_model m, const double *h, int n, double N, double *se_log,
                          sg_error *err);

/* ---- sums of a fit shared by several processes (btyd.c) ---- */
#define SG_BTYD_MAX_SUMS 5
/* Adds k (<= SG_BTYD_MAX_SUMS) accumulators of every process into each
 * one's (nothing when r is NULL: one process). */
void sg_btyd_xsum_reduce(const sg_btyd_reduce *r, sg_xsum *acc, int k);
/* 1 when the process or any other of a shared fit failed. */
int sg_btyd_any_failed(const sg_btyd_reduce *r, int failed);
/* The largest v of the processes. */
double sg_btyd_max(const sg_btyd_reduce *r, double v);

/* Numerically stable log of the Gauss hypergeometric function 2F1(a, b; c; z)
 * (implemented in btyd_pareto.c); NaN when it cannot be evaluated. */
double sg_btyd_log_hyp2f1(double a, double b, double c, double z);

#endif
