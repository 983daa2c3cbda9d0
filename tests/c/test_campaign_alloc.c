/* Campaign allocation: fixtures with a known optimum (and the greedy
 * method's gap on the one built to defeat it), budgets counted on the
 * treated customers only, no negative-profit targets unless forced,
 * exclusivity and allow_multiple, the priority method, the exact method
 * against brute force on random instances, and the stratified control draw. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "tap.h"

#define NONE INFINITY

typedef struct fixture {
    sg_alloc_campaign camps[4];
    size_t ncamps;
    uint32_t cust[32], camp[32];
    double profit[32];
    size_t np;
    double total;
} fixture;

static void pair(fixture *f, uint32_t cust, uint32_t camp, double profit)
{
    f->cust[f->np] = cust;
    f->camp[f->np] = camp;
    f->profit[f->np] = profit;
    f->np++;
}

static double run(const fixture *f, sg_alloc_method m, uint8_t *sel, sg_alloc_result *res)
{
    sg_alloc_problem p = { f->camps, f->ncamps, f->cust, f->camp, f->profit, f->np, f->total };
    sg_error err;
    if (sg_campaign_allocate(&p, m, sel, res, &err) != SG_OK) {
        tap_diag("allocation failed: %s", err.msg);
        return NAN;
    }
    return res->objective;
}

static const char *picked(const fixture *f, const uint8_t *sel)
{
    static char buf[256];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < f->np && at < sizeof buf - 16; k++)
        if (sel[k])
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%sc%u:%u", at ? " " : "", f->cust[k],
                                   f->camp[k]);
    return buf;
}

/* The classic density trap: one customer worth 11 in a campaign costing 9
 * per contact, two worth 6 each in a campaign costing 5, a total budget of
 * 10.  Enumerating by hand: {c1} = 11 (cost 9), {c2, c3} = 12 (cost 10),
 * c1 with either other costs 14.  The optimum is 12; profit per cost ranks
 * c1 first (11/9 = 1.22 > 6/5 = 1.2), so the greedy method stops at 11: a
 * gap of 1/12 = 8.3%. */
static void test_known_optimum(void)
{
    fixture f = { .camps = { { 9, NONE, 0, 0, 0 }, { 5, NONE, 0, 0, 0 } }, .ncamps = 2, .total = 10 };
    pair(&f, 1, 0, 11);
    pair(&f, 2, 1, 6);
    pair(&f, 3, 1, 6);
    uint8_t sel[32];
    sg_alloc_result r;
    double exact = run(&f, SG_ALLOC_EXACT, sel, &r);
    tap_is_double(exact, 12, 1e-12, "exact: the known optimum, 12");
    tap_is_str(picked(&f, sel), "c2:1 c3:1", "exact: the two cheaper customers");
    tap_is_double(r.cost, 10, 1e-12, "exact: spends the whole total budget");
    double greedy = run(&f, SG_ALLOC_GREEDY, sel, &r);
    tap_is_double(greedy, 11, 1e-12, "greedy: 11 on this fixture");
    tap_is_double((exact - greedy) / exact, 1.0 / 12, 1e-12, "greedy's optimality gap here: 8.3%");
    tap_is_str(picked(&f, sel), "c1:0", "greedy: the best profit per cost first");
}

/* Slack budgets: a customer worth 10 in a cheap campaign (cost 1) and 50 in
 * an expensive one (cost 10).  Density alone would keep the cheap one; the
 * improving moves reach the optimum 50 + 5 = 55. */
static void test_moves(void)
{
    fixture f = { .camps = { { 1, NONE, 0, 0, 0 }, { 10, NONE, 0, 0, 0 } }, .ncamps = 2, .total = NONE };
    pair(&f, 1, 0, 10);
    pair(&f, 1, 1, 50);
    pair(&f, 2, 0, 5);
    uint8_t sel[32];
    sg_alloc_result r;
    tap_is_double(run(&f, SG_ALLOC_GREEDY, sel, &r), 55, 1e-12, "greedy with moves: the optimum 55");
    tap_is_str(picked(&f, sel), "c1:1 c2:0", "customer 1 moved to the campaign where they bring more");
    tap_is_double(run(&f, SG_ALLOC_EXACT, sel, &r), 55, 1e-12, "exact agrees");
    tap_is_double(run(&f, SG_ALLOC_PRIORITY, sel, &r), 10 + 5, 1e-12,
                  "priority: the first campaign takes customer 1 (10 + 5)");
    /* a move that would break the expensive campaign's budget is not made */
    f.camps[1].budget = 5;
    tap_is_double(run(&f, SG_ALLOC_GREEDY, sel, &r), 15, 1e-12, "no move past a budget");
    tap_is_double(run(&f, SG_ALLOC_EXACT, sel, &r), 15, 1e-12, "exact: 15 when the budget forbids it");
}

static void test_negative_and_forced(void)
{
    fixture f = { .camps = { { 2, 4, 0, 0, 0 } }, .ncamps = 1, .total = NONE };
    pair(&f, 1, 0, -1);
    pair(&f, 2, 0, -3);
    pair(&f, 3, 0, 2);
    pair(&f, 4, 0, 0);
    uint8_t sel[32];
    sg_alloc_result r;
    for (int m = SG_ALLOC_GREEDY; m <= SG_ALLOC_EXACT; m++) {
        run(&f, (sg_alloc_method)m, sel, &r);
        tap_is_str(picked(&f, sel), "c3:0", "only the positive-profit customer (zero and negative left out)");
    }
    f.camps[0].force = 1;
    tap_is_double(run(&f, SG_ALLOC_GREEDY, sel, &r), 2 + 0, 1e-12, "forced: best first within the budget");
    tap_is_str(picked(&f, sel), "c3:0 c4:0", "forced: 2 and 0 taken, the budget stops -1 and -3");
    tap_is_double(r.cost, 4, 1e-12, "forced: cost 4");
}

/* Budgets count treated customers: 10% control, cost 1, budget 9.  With n
 * selected, treated = n - round(0.1 n): 10 selected -> 9 treated; 11 -> 10. */
static void test_control_budget(void)
{
    fixture f = { .camps = { { 1, 9, 0.1, 0, 0 } }, .ncamps = 1, .total = NONE };
    for (uint32_t c = 0; c < 20; c++)
        pair(&f, c, 0, 1 + c * 0.01);
    uint8_t sel[32];
    sg_alloc_result r;
    run(&f, SG_ALLOC_GREEDY, sel, &r);
    tap_is_int((long long)r.selected, 10, "10 selected: 9 treated fit a budget of 9");
    tap_is_double(r.cost, 9, 1e-12, "cost of the treated only");
    tap_ok(sel[19] && sel[10] && !sel[9], "the ten most profitable");
    tap_is_int((long long)sg_campaign_treated(10, 0.1), 9, "treated(10, 10%) = 9");
    tap_is_int((long long)sg_campaign_treated(5, 0.1), 4, "treated(5, 10%) = 4 (0.5 rounds up)");
    tap_is_int((long long)sg_campaign_treated(4, 0.1), 4, "treated(4, 10%) = 4");
    tap_is_int((long long)sg_campaign_treated(0, 0.1), 0, "treated(0) = 0");
}

/* One exclusive campaign per customer; allow_multiple adds on top; the
 * total budget binds across campaigns. */
static void test_exclusive_and_total(void)
{
    fixture f = { .camps = { { 1, NONE, 0, 0, 0 }, { 1, NONE, 0, 0, 0 }, { 1, NONE, 0, 1, 0 } }, .ncamps = 3,
                  .total = NONE };
    pair(&f, 1, 0, 5);
    pair(&f, 1, 1, 4);
    pair(&f, 1, 2, 3);
    pair(&f, 2, 1, 2);
    uint8_t sel[32];
    sg_alloc_result r;
    tap_is_double(run(&f, SG_ALLOC_GREEDY, sel, &r), 5 + 3 + 2, 1e-12, "exclusive once, multiple on top");
    tap_is_str(picked(&f, sel), "c1:0 c1:2 c2:1", "customer 1 in campaigns 0 and 2");
    f.total = 2;
    tap_is_double(run(&f, SG_ALLOC_GREEDY, sel, &r), 5 + 3, 1e-12, "total budget of 2: the two best");
    tap_is_double(r.cost, 2, 1e-12, "total cost within the total budget");
    tap_is_double(run(&f, SG_ALLOC_EXACT, sel, &r), 8, 1e-12, "exact agrees");
}

/* brute force over every subset, checking every constraint directly */
static double brute(const fixture *f)
{
    double best = 0;
    for (unsigned long mask = 0; mask < (1ul << f->np); mask++) {
        size_t n[4] = { 0 };
        int ok = 1;
        double v = 0;
        for (size_t k = 0; k < f->np && ok; k++) {
            if (!(mask >> k & 1))
                continue;
            if (f->profit[k] <= 0)
                ok = 0;
            n[f->camp[k]]++;
            v += (1 - f->camps[f->camp[k]].control_share) * f->profit[k];
            for (size_t q = 0; q < k; q++)
                if ((mask >> q & 1) && f->cust[q] == f->cust[k] && !f->camps[f->camp[k]].multiple &&
                    !f->camps[f->camp[q]].multiple)
                    ok = 0;
        }
        double total = 0;
        for (size_t j = 0; j < f->ncamps && ok; j++) {
            double c = (double)sg_campaign_treated(n[j], f->camps[j].control_share) * f->camps[j].cost;
            total += c;
            if (c > f->camps[j].budget + 1e-9)
                ok = 0;
        }
        if (ok && total <= f->total + 1e-9 && v > best)
            best = v;
    }
    return best;
}

static unsigned long lcg_state = 12345;
static double rnd(void)
{
    lcg_state = lcg_state * 6364136223846793005ul + 1442695040888963407ul;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static void test_random_instances(void)
{
    int exact_ok = 0, greedy_feasible = 0, greedy_optimal = 0, trials = 300;
    double worst = 0, gap_sum = 0;
    for (int t = 0; t < trials; t++) {
        fixture f;
        memset(&f, 0, sizeof f);
        f.ncamps = 3;
        for (size_t j = 0; j < 3; j++) {
            f.camps[j].cost = 1 + floor(rnd() * 6);
            f.camps[j].budget = rnd() < 0.7 ? floor(rnd() * 12) : NONE;
            f.camps[j].control_share = rnd() < 0.5 ? 0 : 0.25;
            f.camps[j].multiple = j == 2 && rnd() < 0.5;
        }
        f.total = rnd() < 0.5 ? 5 + floor(rnd() * 15) : NONE;
        for (uint32_t c = 0; c < 6; c++)
            for (uint32_t j = 0; j < 3; j++)
                if (rnd() < 0.6 && f.np < 14)
                    pair(&f, c, j, floor(rnd() * 20) - 4);
        uint8_t sel[32];
        sg_alloc_result r;
        double opt = brute(&f);
        double ex = run(&f, SG_ALLOC_EXACT, sel, &r);
        exact_ok += fabs(ex - opt) < 1e-9;
        double g = run(&f, SG_ALLOC_GREEDY, sel, &r);
        /* the greedy selection itself must be feasible */
        size_t n[4] = { 0 };
        int feasible = 1;
        double cost = 0;
        for (size_t k = 0; k < f.np; k++)
            if (sel[k]) {
                n[f.camp[k]]++;
                feasible &= f.profit[k] > 0;
                for (size_t q = 0; q < k; q++)
                    if (sel[q] && f.cust[q] == f.cust[k] && !f.camps[f.camp[k]].multiple &&
                        !f.camps[f.camp[q]].multiple)
                        feasible = 0;
            }
        for (size_t j = 0; j < 3; j++) {
            double c = (double)sg_campaign_treated(n[j], f.camps[j].control_share) * f.camps[j].cost;
            feasible &= c <= f.camps[j].budget + 1e-9;
            cost += c;
        }
        feasible &= cost <= f.total + 1e-9 && g <= opt + 1e-9;
        greedy_feasible += feasible;
        greedy_optimal += fabs(g - opt) < 1e-9;
        double gap = opt > 0 ? (opt - g) / opt : 0;
        gap_sum += gap;
        worst = gap > worst ? gap : worst;
    }
    tap_is_int(exact_ok, trials, "exact equals brute force on 300 random instances");
    tap_is_int(greedy_feasible, trials, "greedy: always feasible, never above the optimum");
    tap_diag("greedy on 300 random instances (6 customers, 3 campaigns): optimal in %d, mean gap %.2f%%, "
             "worst %.1f%%", greedy_optimal, 100 * gap_sum / trials, 100 * worst);
    tap_ok(greedy_optimal >= trials * 9 / 10 && gap_sum / trials < 0.01,
           "greedy: optimal in 90%% of random instances or more, mean gap under 1%%");
}

static void test_errors(void)
{
    fixture f = { .camps = { { 1, NONE, 0, 0, 0 } }, .ncamps = 1, .total = NONE };
    pair(&f, 1, 0, 1);
    pair(&f, 1, 0, 2);
    uint8_t sel[32];
    sg_alloc_problem p = { f.camps, 1, f.cust, f.camp, f.profit, f.np, f.total };
    sg_error err;
    tap_is_int(sg_campaign_allocate(&p, SG_ALLOC_GREEDY, sel, NULL, &err), SG_EINVAL, "a pair listed twice");
    tap_ok(strstr(err.msg, "listed twice") != NULL, "named: %s", err.msg);
    f.camp[1] = 3;
    tap_is_int(sg_campaign_allocate(&p, SG_ALLOC_GREEDY, sel, NULL, &err), SG_EINVAL, "campaign out of range");
    f.camp[1] = 0;
    f.cust[1] = 2;
    f.profit[1] = NAN;
    tap_is_int(sg_campaign_allocate(&p, SG_ALLOC_GREEDY, sel, NULL, &err), SG_EINVAL, "NaN profit");
    f.profit[1] = 1;
    f.camps[0].control_share = 1;
    tap_is_int(sg_campaign_allocate(&p, SG_ALLOC_GREEDY, sel, NULL, &err), SG_EINVAL, "control share of 1");
    f.camps[0].control_share = 0;
    fixture big = { .camps = { { 1, NONE, 0, 1, 0 } }, .ncamps = 1, .total = NONE };
    for (uint32_t c = 0; c < 30; c++)
        pair(&big, c, 0, 1);
    sg_alloc_problem pb = { big.camps, 1, big.cust, big.camp, big.profit, big.np, big.total };
    tap_is_int(sg_campaign_allocate(&pb, SG_ALLOC_EXACT, sel, NULL, &err), SG_EINVAL,
               "exact refuses large problems");
    tap_ok(strstr(err.msg, "at most 26") != NULL, "and says why: %s", err.msg);
}

static void test_control(void)
{
    uint32_t st[60];
    uint8_t ctl[60], ctl2[60];
    for (int k = 0; k < 60; k++)
        st[k] = k < 10 ? 0 : k < 30 ? 1 : 2;
    sg_error err;
    tap_is_int(sg_campaign_control(st, 60, 3, 0.1, 7, ctl, &err), SG_OK, "control draw");
    int per[3] = { 0 }, total = 0;
    for (int k = 0; k < 60; k++) {
        per[st[k]] += ctl[k];
        total += ctl[k];
    }
    tap_is_int(total, 6, "10% of 60");
    tap_ok(per[0] == 1 && per[1] == 2 && per[2] == 3, "in proportion to the strata: 1, 2, 3 (got %d, %d, %d)",
           per[0], per[1], per[2]);
    sg_campaign_control(st, 60, 3, 0.1, 7, ctl2, &err);
    tap_ok(memcmp(ctl, ctl2, 60) == 0, "same seed, same control group");
    int differ = 0;
    for (uint64_t seed = 8; seed < 12; seed++) {
        sg_campaign_control(st, 60, 3, 0.1, seed, ctl2, &err);
        differ += memcmp(ctl, ctl2, 60) != 0;
    }
    tap_ok(differ >= 3, "other seeds draw other customers");
    /* largest remainders: 20 customers in strata of 7, 7, 6 at 15% -> 3:
     * floors 1, 1, 0, the remaining one to the largest remainder (0.9) */
    for (int k = 0; k < 20; k++)
        st[k] = k < 7 ? 0 : k < 14 ? 1 : 2;
    sg_campaign_control(st, 20, 3, 0.15, 1, ctl, &err);
    memset(per, 0, sizeof per);
    for (int k = 0; k < 20; k++)
        per[st[k]] += ctl[k];
    tap_ok(per[0] == 1 && per[1] == 1 && per[2] == 1, "largest remainders: 1, 1, 1 (got %d, %d, %d)", per[0],
           per[1], per[2]);
    /* each customer of a stratum equally likely: over many seeds every one is drawn */
    int seen[10] = { 0 };
    for (int k = 0; k < 10; k++)
        st[k] = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        sg_campaign_control(st, 10, 1, 0.2, seed, ctl, &err);
        for (int k = 0; k < 10; k++)
            seen[k] += ctl[k];
    }
    int lo = 400, hi = 0;
    for (int k = 0; k < 10; k++) {
        lo = seen[k] < lo ? seen[k] : lo;
        hi = seen[k] > hi ? seen[k] : hi;
    }
    /* 200 draws of 2 in 10: each customer ~ Binomial(200, 0.2), mean 40, sd 5.7 */
    tap_ok(lo >= 20 && hi <= 60, "uniform within a stratum over 200 seeds (counts %d to %d, expected 40)", lo, hi);
    tap_is_int(sg_campaign_control(st, 10, 1, 1.0, 1, ctl, &err), SG_EINVAL, "share of 1 refused");
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    test_known_optimum();
    test_moves();
    test_negative_and_forced();
    test_control_budget();
    test_exclusive_and_total();
    test_random_instances();
    test_errors();
    test_control();
    return tap_done();
}
