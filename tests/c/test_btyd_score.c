/* Scoring customer rows with BTYD models (sg_btyd_score_column): published
 * CDNOW figures, agreement with the per-customer functions for every kind,
 * missing values, and refusals. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "btyd.h"
#include "mem.h"
#include "nomem_testutil.h"
#include "table.h"
#include "tap.h"

typedef struct score_call {
    const sg_btyd_score *s;
    const double *x, *tx, *T, *m;
} score_call;

static void *call_score(void *ud, sg_error *err)
{
    const score_call *c = ud;
    return sg_btyd_score_column(c->s, c->x, c->tx, c->T, c->m, 3, "expected", err);
}

static void release_column(void *c)
{
    sg_column_release(c);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    /* BG/NBD on CDNOW (Fader, Hardie & Lee 2005): r 0.243, alpha 4.414, a 0.793, b 2.426;
     * a customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
     * Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005, "RFM and CLV"): p 6.25, q 3.74, v 15.44;
     * E[M | x, m] = (v + m x) p / (p x + q - 1). */
    const double bg[] = { 0.243, 4.414, 0.793, 2.426 }, gp[] = { 6.25, 3.74, 15.44 };
    sg_btyd_fit tm, gg;
    sg_error err;
    if (sg_btyd_fit_from_params(SG_BGNBD, bg, &tm, &err) || sg_btyd_fit_from_params(SG_GAMMA_GAMMA, gp, &gg, &err)) {
        tap_ok(0, "models at given parameters: %s", err.msg);
        return tap_done();
    }
    const double x[] = { 2, 0, 5 }, tx[] = { 30.43, 0, 20 }, T[] = { 38.86, 38.86, INFINITY },
                 m[] = { 30, 0, 12.5 };
    size_t before = sg_mem_used();
    sg_btyd_score s = { SG_BTYD_SCORE_EXPECTED, &tm, NULL, 39, 0, 0, 0, 0, 0 };
    sg_column *c = sg_btyd_score_column(&s, x, tx, T, NULL, 3, "expected", &err);
    tap_ok(c && c->type == SG_DOUBLE && c->n == 3 && strcmp(c->name, "expected") == 0,
           "expected purchases: one double column per row");
    if (c) {
        tap_is_double(sg_column_f64(c)[0], 1.226, 5e-4, "CDNOW: 1.226 purchases in 39 weeks (published)");
        tap_is_double(sg_column_f64(c)[1], sg_btyd_expected_purchases(&tm, 39, 0, 0, 38.86), 0,
                      "row 2 equals sg_btyd_expected_purchases");
        tap_ok(sg_column_is_na(c, 2), "an infinite T gives a missing value, not inf or NaN");
    }
    sg_column_release(c);

    /* every kind equals its per-customer function on row 1 */
    struct { sg_btyd_score_kind k; double want; const char *name; } kinds[] = {
        { SG_BTYD_SCORE_P_ALIVE, sg_btyd_p_alive(&tm, 2, 30.43, 38.86), "p_alive" },
        { SG_BTYD_SCORE_P_ALIVE_AT, sg_btyd_p_alive_at(&tm, 10, 2, 30.43, 38.86), "p_alive_at" },
        { SG_BTYD_SCORE_P_PURCHASES, sg_btyd_p_purchases(&tm, 1, 10, 2, 30.43, 38.86), "p_purchases" },
        { SG_BTYD_SCORE_SPEND, (15.44 + 30 * 2) * 6.25 / (6.25 * 2 + 3.74 - 1), "expected_spend" },
        { SG_BTYD_SCORE_CLV, sg_btyd_clv(&tm, &gg, 2, 30.43, 38.86, 30, 12, 4.348, 0.01, 0.3), "clv" },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        sg_btyd_score k = { kinds[i].k, &tm, &gg, 10, 1, 12, 4.348, 0.01, 0.3 };
        sg_column *kc = sg_btyd_score_column(&k, x, tx, T, m, 3, kinds[i].name, &err);
        tap_ok(kc && fabs(sg_column_f64(kc)[0] - kinds[i].want) <= 1e-12 * fabs(kinds[i].want) &&
                   kinds[i].want > 0,
               "%s: row 1 is %.6g", kinds[i].name, kinds[i].want);
        sg_column_release(kc);
    }
    /* Gamma-Gamma needs no history: tx and T may be NULL */
    sg_btyd_score sp = { SG_BTYD_SCORE_SPEND, NULL, &gg, 0, 0, 0, 0, 0, 0 };
    c = sg_btyd_score_column(&sp, x, NULL, NULL, m, 3, "spend", &err);
    tap_ok(c && sg_column_f64(c)[2] == sg_gamma_gamma_expected_spend(&gg, 5, 12.5),
           "expected spend without the history columns");
    sg_column_release(c);

    /* refusals */
    sg_btyd_score no_gg = { SG_BTYD_SCORE_CLV, &tm, NULL, 0, 0, 12, 1, 0.01, 1 };
    tap_ok(!sg_btyd_score_column(&no_gg, x, tx, T, m, 3, "clv", &err) && err.code == SG_EINVAL &&
               strstr(err.msg, "'clv'"),
           "CLV without a Gamma-Gamma model refused (%s)", err.msg);
    sg_btyd_score no_hist = { SG_BTYD_SCORE_P_ALIVE, &tm, NULL, 0, 0, 0, 0, 0, 0 };
    tap_ok(!sg_btyd_score_column(&no_hist, x, NULL, T, NULL, 3, "p", &err) && err.code == SG_EINVAL,
           "P(alive) without t_x refused");
    sg_btyd_score bad_kind = { (sg_btyd_score_kind)99, &tm, &gg, 0, 0, 0, 0, 0, 0 };
    tap_ok(!sg_btyd_score_column(&bad_kind, x, tx, T, m, 3, "what", &err), "an unknown kind refused");
    tap_is_str(err.msg, "btyd: scoring 'what' lacks a model or a column it needs", "its message");
    /* out of memory: the column, then the missing-value bitmap of row 3 */
    score_call sc = { &s, x, tx, T, NULL };
    nomem_sweep(call_score, release_column, &sc, 1, 4096, "expected purchases column");
    tap_ok(sg_mem_used() == before, "no accounted memory left");
    return tap_done();
}
