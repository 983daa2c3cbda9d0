/* Scoring customer rows with a fitted BTYD model: see btyd.h. */
#include "btyd.h"

#include <math.h>

#include "table.h"

static double score_row(const sg_btyd_score *s, double x, double tx, double T, double m)
{
    switch (s->kind) {
    case SG_BTYD_SCORE_EXPECTED: return sg_btyd_expected_purchases(s->tm, s->t, x, tx, T);
    case SG_BTYD_SCORE_P_ALIVE: return sg_btyd_p_alive(s->tm, x, tx, T);
    case SG_BTYD_SCORE_P_ALIVE_AT: return sg_btyd_p_alive_at(s->tm, s->t, x, tx, T);
    case SG_BTYD_SCORE_P_PURCHASES: return sg_btyd_p_purchases(s->tm, s->n, s->t, x, tx, T);
    case SG_BTYD_SCORE_SPEND: return sg_gamma_gamma_expected_spend(s->gg, x, m);
    default:   /* SG_BTYD_SCORE_CLV: sg_btyd_score_column refuses other kinds */
        return sg_btyd_clv(s->tm, s->gg, x, tx, T, m, s->horizon, s->period, s->discount, s->margin);
    }
}

sg_column *sg_btyd_score_column(const sg_btyd_score *s, const double *x, const double *tx,
                                const double *T, const double *m, size_t rows, const char *name,
                                sg_error *err)
{
    int need_tm = s->kind != SG_BTYD_SCORE_SPEND;
    int need_gg = s->kind == SG_BTYD_SCORE_SPEND || s->kind == SG_BTYD_SCORE_CLV;
    if ((need_tm && (!s->tm || !tx || !T)) || (need_gg && (!s->gg || !m)) ||
        (unsigned)s->kind > SG_BTYD_SCORE_CLV) {
        sg_error_set(err, SG_EINVAL, "btyd: scoring '%s' lacks a model or a column it needs", name);
        return NULL;
    }
    sg_column *c = sg_column_new(name, SG_DOUBLE, rows);
    if (!c) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < rows; i++) {
        double v = score_row(s, x[i], tx ? tx[i] : NAN, T ? T[i] : NAN, m ? m[i] : NAN);
        if (isfinite(v) ? sg_column_push_f64(c, v) : sg_column_push_na(c)) {
            sg_column_release(c);
            sg_error_nomem(err);
            return NULL;
        }
    }
    return c;
}
