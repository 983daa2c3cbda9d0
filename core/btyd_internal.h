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

/* Numerically stable log of the Gauss hypergeometric function 2F1(a, b; c; z)
 * (implemented in btyd_pareto.c); NaN when it cannot be evaluated. */
double sg_btyd_log_hyp2f1(double a, double b, double c, double z);

#endif
