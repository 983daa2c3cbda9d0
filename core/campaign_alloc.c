/* Allocation of customers to campaigns under budgets, and the control draw.
 *
 * The problem: pairs (customer, campaign) with an expected incremental
 * profit; choose pairs to maximise the sum over chosen pairs of
 * (1 - control_share) * profit (the control share of a campaign's audience
 * is not contacted and earns nothing) subject to
 *   - per campaign: treated(n_j) * cost_j <= budget_j, where n_j customers
 *     are selected and treated(n) = n - round(control_share * n);
 *   - all campaigns: sum of those costs <= total_budget;
 *   - a customer in at most one campaign that does not allow multiple.
 * With one budget this is a knapsack problem, with several a
 * multiple-choice, multi-dimensional one (NP-hard), hence:
 *
 * SG_ALLOC_GREEDY (the default)
 *   1. Forced campaigns first (as in every method): in index order, each
 *      takes its eligible customers, most profitable first, while its
 *      budget and the total allow, whatever the profit.
 *   2. Greedy: the other pairs with a positive profit, sorted by profit per
 *      unit of contact cost (pairs without cost first, by profit; ties by
 *      profit, campaign index, customer), are taken in turn when the
 *      customer is free and the budgets allow.
 *   3. Improving moves: a customer in one exclusive campaign moves to
 *      another exclusive campaign where they bring more, when its budget
 *      allows (the best such move per customer, in customer order), which
 *      repairs step 2's preference for cheap contacts when budgets are
 *      slack.
 *   4. Refill: step 2 again over the pairs not taken, as moves free budget.
 *   Steps 3 and 4 repeat until nothing changes (at most 10 rounds).
 *   5. Steps 2 to 4 run a second time with the pairs sorted by profit alone
 *      (better when budgets are slack and contact costs differ); the pass
 *      with the higher total is kept (the first on a tie).
 *   Like every greedy method it can miss the optimum when a budget is
 *   nearly full (a pair that fits can block two others that together bring
 *   more); tests/c/test_campaign_alloc.c states the gap on such a fixture
 *   and over random instances checked against brute force.
 * SG_ALLOC_PRIORITY: campaigns one after the other in index order, each
 *   taking its most profitable free customers while its budget allows.
 * SG_ALLOC_EXACT: depth-first branch and bound over the candidate pairs
 *   (include before exclude, bounded by the sum of the remaining pairs'
 *   values): the optimum, for small instances and for checking the others. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "campaign.h"
#include "mem.h"

size_t sg_campaign_treated(size_t n, double control_share)
{
    double c = floor(control_share * (double)n + 0.5);
    size_t control = c > 0 ? (size_t)c : 0;
    return control < n ? n - control : 0;
}

typedef struct alloc {
    const sg_alloc_problem *p;
    uint32_t *dense;        /* per pair: the customer's dense id (in customer order) */
    size_t ncust;
    size_t *nsel;           /* per campaign: customers selected */
    uint32_t *excl;         /* per dense customer: exclusive campaign + 1, 0 = none */
    uint8_t *sel;           /* per pair */
    double total;           /* contact cost of the treated, all campaigns */
} alloc;

static double value_of(const alloc *a, size_t k)
{
    const sg_alloc_campaign *c = &a->p->camps[a->p->campaign[k]];
    return (1 - c->control_share) * a->p->profit[k];
}

static int within(double x, double cap)
{
    return isinf(cap) || x <= cap + 1e-9 * (fabs(cap) > 1 ? fabs(cap) : 1);
}

/* Whether campaign j can take one more customer. */
static int fits(const alloc *a, uint32_t j)
{
    const sg_alloc_campaign *c = &a->p->camps[j];
    size_t n = a->nsel[j];
    size_t t1 = sg_campaign_treated(n + 1, c->control_share);
    double dc = (double)(t1 - sg_campaign_treated(n, c->control_share)) * c->cost;
    if (dc == 0)
        return 1;
    return within((double)t1 * c->cost, c->budget) && within(a->total + dc, a->p->total_budget);
}

static int is_free(const alloc *a, size_t k)
{
    return a->p->camps[a->p->campaign[k]].multiple || !a->excl[a->dense[k]];
}

static void add(alloc *a, size_t k)
{
    uint32_t j = a->p->campaign[k];
    const sg_alloc_campaign *c = &a->p->camps[j];
    size_t n = a->nsel[j]++;
    a->total += (double)(sg_campaign_treated(n + 1, c->control_share) -
                         sg_campaign_treated(n, c->control_share)) * c->cost;
    a->sel[k] = 1;
    if (!c->multiple)
        a->excl[a->dense[k]] = j + 1;
}

static void drop(alloc *a, size_t k)
{
    uint32_t j = a->p->campaign[k];
    const sg_alloc_campaign *c = &a->p->camps[j];
    size_t n = a->nsel[j]--;
    a->total -= (double)(sg_campaign_treated(n, c->control_share) -
                         sg_campaign_treated(n - 1, c->control_share)) * c->cost;
    a->sel[k] = 0;
    if (!c->multiple)
        a->excl[a->dense[k]] = 0;
}

/* ---- orders: pairs are sorted through keys copied out of the problem ---- */

typedef struct pkey {
    double k1, k2;          /* descending */
    uint32_t camp, cust;    /* ascending */
    size_t idx;
} pkey;

static int cmp_desc(const void *pa, const void *pb)
{
    const pkey *a = pa, *b = pb;
    if (a->k1 != b->k1)
        return a->k1 > b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 > b->k2 ? -1 : 1;
    if (a->camp != b->camp)
        return a->camp < b->camp ? -1 : 1;
    if (a->cust != b->cust)
        return a->cust < b->cust ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_customer(const void *pa, const void *pb)
{
    const pkey *a = pa, *b = pb;
    if (a->cust != b->cust)
        return a->cust < b->cust ? -1 : 1;
    if (a->camp != b->camp)
        return a->camp < b->camp ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

enum { BY_CUSTOMER, BY_PROFIT, BY_DENSITY };

/* Sorts idx[0..n): by customer then campaign (raw customer ids), by profit
 * (descending), or by profit per unit of contact cost (descending, pairs
 * without cost first), ties by campaign then customer.  0 or -1 (memory). */
static int sort_pairs(const alloc *a, size_t *idx, size_t n, int order)
{
    const sg_alloc_problem *p = a->p;
    pkey *key = sg_malloc((n ? n : 1) * sizeof *key);
    if (!key)
        return -1;
    for (size_t r = 0; r < n; r++) {
        size_t k = idx[r];
        double cost = p->camps[p->campaign[k]].cost;
        key[r].idx = k;
        key[r].camp = p->campaign[k];
        key[r].cust = order == BY_CUSTOMER ? p->customer[k] : a->dense[k];
        key[r].k2 = p->profit[k];
        key[r].k1 = order == BY_DENSITY ? (cost > 0 ? p->profit[k] / cost : INFINITY) : p->profit[k];
    }
    qsort(key, n, sizeof *key, order == BY_CUSTOMER ? cmp_customer : cmp_desc);
    for (size_t r = 0; r < n; r++)
        idx[r] = key[r].idx;
    sg_free(key);
    return 0;
}

/* ---- the methods ---- */

static void take_in_order(alloc *a, const size_t *idx, size_t n, int *changed)
{
    for (size_t r = 0; r < n; r++) {
        size_t k = idx[r];
        if (!a->sel[k] && is_free(a, k) && fits(a, a->p->campaign[k])) {
            add(a, k);
            if (changed)
                *changed = 1;
        }
    }
}

/* Step 3: moves between exclusive campaigns.  first[c]..first[c+1] are
 * customer c's pairs in `bycust`. */
static int improve(alloc *a, const size_t *bycust, const size_t *first)
{
    int moved = 0;
    const sg_alloc_problem *p = a->p;
    for (size_t c = 0; c < a->ncust; c++) {
        uint32_t cur_j = a->excl[c];
        if (!cur_j || p->camps[cur_j - 1].force)
            continue;
        size_t cur = SIZE_MAX;
        for (size_t r = first[c]; r < first[c + 1]; r++)
            if (p->campaign[bycust[r]] == cur_j - 1)
                cur = bycust[r];
        double v0 = value_of(a, cur), best_gain = 1e-12;
        size_t best = SIZE_MAX;
        drop(a, cur);
        for (size_t r = first[c]; r < first[c + 1]; r++) {
            size_t k = bycust[r];
            const sg_alloc_campaign *cb = &p->camps[p->campaign[k]];
            if (k == cur || cb->multiple || cb->force || !(p->profit[k] > 0))
                continue;
            double gain = value_of(a, k) - v0;
            if (gain > best_gain && fits(a, p->campaign[k])) {
                best_gain = gain;
                best = k;
            }
        }
        if (best != SIZE_MAX) {
            add(a, best);
            moved = 1;
        } else {
            add(a, cur);
        }
    }
    return moved;
}

typedef struct bnb {
    alloc *a;
    const size_t *cand;     /* candidate pairs in customer order */
    size_t nc;
    double *suffix;         /* suffix[r] = sum of the values of cand[r..] */
    double best;
    uint8_t *best_sel;      /* per pair */
    uint64_t nodes;
} bnb;

static void branch(bnb *b, size_t r, double cur)
{
    b->nodes++;
    if (!(cur + b->suffix[r] > b->best + 1e-12))
        return;
    if (r == b->nc) {
        b->best = cur;
        memcpy(b->best_sel, b->a->sel, b->a->p->npairs);
        return;
    }
    size_t k = b->cand[r];
    if (is_free(b->a, k) && fits(b->a, b->a->p->campaign[k])) {
        add(b->a, k);
        branch(b, r + 1, cur + value_of(b->a, k));
        drop(b->a, k);
    }
    branch(b, r + 1, cur);
}

static int check_problem(const sg_alloc_problem *p, sg_error *err)
{
    if (!p || (p->npairs && (!p->customer || !p->campaign || !p->profit)) || (p->ncamps && !p->camps))
        return sg_error_set(err, SG_EINVAL, "campaign allocation: the problem is incomplete");
    if (isnan(p->total_budget) || p->total_budget < 0)
        return sg_error_set(err, SG_EINVAL, "campaign allocation: the total budget must be >= 0 (got %g)",
                            p->total_budget);
    for (size_t j = 0; j < p->ncamps; j++) {
        const sg_alloc_campaign *c = &p->camps[j];
        if (!(c->cost >= 0) || isinf(c->cost))
            return sg_error_set(err, SG_EINVAL, "campaign allocation: campaign %zu: the contact cost must "
                                "be a number >= 0 (got %g)", j + 1, c->cost);
        if (isnan(c->budget) || c->budget < 0)
            return sg_error_set(err, SG_EINVAL, "campaign allocation: campaign %zu: the budget must be >= 0 "
                                "(got %g)", j + 1, c->budget);
        if (!(c->control_share >= 0 && c->control_share < 1))
            return sg_error_set(err, SG_EINVAL, "campaign allocation: campaign %zu: the control share must "
                                "be in [0, 1) (got %g)", j + 1, c->control_share);
    }
    for (size_t k = 0; k < p->npairs; k++) {
        if (p->campaign[k] >= p->ncamps)
            return sg_error_set(err, SG_EINVAL, "campaign allocation: pair %zu names campaign %u of %zu",
                                k + 1, p->campaign[k] + 1, p->ncamps);
        if (!isfinite(p->profit[k]))
            return sg_error_set(err, SG_EINVAL, "campaign allocation: pair %zu: the profit is not a finite "
                                "number", k + 1);
    }
    return SG_OK;
}

/* Not split: the driver of the allocation (dense customer ids, forced
 * campaigns, candidates, then the method's own function); its phases
 * share the `alloc` state and the sorted index arrays freed at one exit,
 * and the per-method work already lives in its own functions. */
int sg_campaign_allocate(const sg_alloc_problem *p, sg_alloc_method method, uint8_t *selected,
                         sg_alloc_result *res, sg_error *err)
{
    int rc = check_problem(p, err);
    if (rc != SG_OK)
        return rc;
    if (method != SG_ALLOC_GREEDY && method != SG_ALLOC_PRIORITY && method != SG_ALLOC_EXACT)
        return sg_error_set(err, SG_EINVAL, "campaign allocation: unknown method %d", (int)method);
    size_t np = p->npairs, n1 = np ? np : 1;
    alloc a;
    memset(&a, 0, sizeof a);
    a.p = p;
    a.sel = selected;
    memset(selected, 0, np);
    size_t *bycust = sg_malloc(n1 * sizeof *bycust), *order = sg_malloc(n1 * sizeof *order);
    size_t *first = sg_malloc((n1 + 1) * sizeof *first);
    a.dense = sg_malloc(n1 * sizeof *a.dense);
    a.nsel = sg_calloc(p->ncamps ? p->ncamps : 1, sizeof *a.nsel);
    a.excl = sg_calloc(n1, sizeof *a.excl);
    double *suffix = NULL;
    uint8_t *best_sel = NULL, *sel0 = NULL;
    size_t *nsel0 = NULL;
    uint32_t *excl0 = NULL;
    uint64_t nodes = 0;
    rc = SG_ENOMEM;
    if (!bycust || !order || !first || !a.dense || !a.nsel || !a.excl)
        goto done;

    /* dense customer ids in customer order; a pair listed twice is an error */
    for (size_t k = 0; k < np; k++)
        bycust[k] = k;
    if (sort_pairs(&a, bycust, np, BY_CUSTOMER) != 0)
        goto done;
    for (size_t r = 0; r < np; r++) {
        size_t k = bycust[r];
        int same = r > 0 && p->customer[k] == p->customer[bycust[r - 1]];
        if (same && p->campaign[k] == p->campaign[bycust[r - 1]]) {
            rc = sg_error_set(err, SG_EINVAL, "campaign allocation: customer %u is listed twice for "
                              "campaign %u", p->customer[k], p->campaign[k] + 1);
            goto done;
        }
        if (!same)
            first[a.ncust++] = r;
        a.dense[k] = (uint32_t)(a.ncust - 1);
    }
    first[a.ncust] = np;

    /* 1. forced campaigns, in index order, most profitable customers first */
    size_t no = 0;
    for (size_t k = 0; k < np; k++)
        if (p->camps[p->campaign[k]].force)
            order[no++] = k;
    if (sort_pairs(&a, order, no, BY_PROFIT) != 0)
        goto done;
    for (size_t j = 0; j < p->ncamps; j++)
        for (size_t r = 0; r < no; r++)
            if (p->campaign[order[r]] == j && is_free(&a, order[r]) && fits(&a, (uint32_t)j))
                add(&a, order[r]);

    /* the candidates: other pairs with a positive profit */
    no = 0;
    for (size_t k = 0; k < np; k++)
        if (!p->camps[p->campaign[k]].force && p->profit[k] > 0)
            order[no++] = k;

    if (method == SG_ALLOC_PRIORITY) {
        if (sort_pairs(&a, order, no, BY_PROFIT) != 0)
            goto done;
        for (size_t j = 0; j < p->ncamps; j++)
            for (size_t r = 0; r < no; r++)
                if (p->campaign[order[r]] == j && is_free(&a, order[r]) && fits(&a, (uint32_t)j))
                    add(&a, order[r]);
    } else if (method == SG_ALLOC_GREEDY) {
        /* two passes from the state after the forced campaigns: by profit
         * per cost, then by profit; the better one is kept */
        size_t nb = p->ncamps ? p->ncamps : 1;
        nsel0 = sg_malloc(nb * sizeof *nsel0);
        excl0 = sg_malloc(n1 * sizeof *excl0);
        sel0 = sg_malloc(n1);
        best_sel = sg_malloc(n1);
        if (!nsel0 || !excl0 || !sel0 || !best_sel)
            goto done;
        memcpy(nsel0, a.nsel, nb * sizeof *nsel0);
        memcpy(excl0, a.excl, n1 * sizeof *excl0);
        memcpy(sel0, selected, n1);
        double total0 = a.total, best = -INFINITY;
        for (int pass = 0; pass < 2; pass++) {
            memcpy(a.nsel, nsel0, nb * sizeof *nsel0);
            memcpy(a.excl, excl0, n1 * sizeof *excl0);
            memcpy(selected, sel0, n1);
            a.total = total0;
            if (sort_pairs(&a, order, no, pass == 0 ? BY_DENSITY : BY_PROFIT) != 0)
                goto done;
            take_in_order(&a, order, no, NULL);
            for (int round = 0; round < 10; round++) {
                int changed = improve(&a, bycust, first);
                take_in_order(&a, order, no, &changed);
                if (!changed)
                    break;
            }
            double v = 0;
            for (size_t k = 0; k < np; k++)
                if (selected[k])
                    v += value_of(&a, k);
            if (v > best + 1e-12) {
                best = v;
                memcpy(best_sel, selected, n1);
            }
        }
        memcpy(selected, best_sel, n1);
    } else {
        if (no > SG_ALLOC_EXACT_MAX) {
            rc = sg_error_set(err, SG_EINVAL, "campaign allocation: the exact method takes at most %d "
                              "candidate pairs (customer and campaign with a positive profit), got %zu; "
                              "use the greedy method", SG_ALLOC_EXACT_MAX, no);
            goto done;
        }
        if (sort_pairs(&a, order, no, BY_CUSTOMER) != 0)
            goto done;
        suffix = sg_malloc((no + 1) * sizeof *suffix);
        best_sel = sg_malloc(n1);
        if (!suffix || !best_sel)
            goto done;
        suffix[no] = 0;
        for (size_t r = no; r-- > 0;)
            suffix[r] = suffix[r + 1] + value_of(&a, order[r]);
        bnb b = { &a, order, no, suffix, -INFINITY, best_sel, 0 };
        memcpy(best_sel, selected, np);
        branch(&b, 0, 0);
        memcpy(selected, best_sel, np);
        nodes = b.nodes;
    }
    if (res) {
        memset(res, 0, sizeof *res);
        res->nodes = nodes;
        size_t *cnt = a.nsel;
        memset(cnt, 0, (p->ncamps ? p->ncamps : 1) * sizeof *cnt);
        for (size_t k = 0; k < np; k++)
            if (selected[k]) {
                res->objective += value_of(&a, k);
                res->selected++;
                cnt[p->campaign[k]]++;
            }
        for (size_t j = 0; j < p->ncamps; j++)
            res->cost += (double)sg_campaign_treated(cnt[j], p->camps[j].control_share) * p->camps[j].cost;
    }
    rc = SG_OK;
done:
    if (rc == SG_ENOMEM)
        sg_error_nomem(err);
    if (rc != SG_OK)
        memset(selected, 0, np);
    sg_free(bycust);
    sg_free(order);
    sg_free(first);
    sg_free(a.dense);
    sg_free(a.nsel);
    sg_free(a.excl);
    sg_free(suffix);
    sg_free(best_sel);
    sg_free(sel0);
    sg_free(nsel0);
    sg_free(excl0);
    return rc;
}

/* ---- control groups ---- */

/* splitmix64 of the seed: well-spread 32-bit seeds for nearby integers */
static unsigned long spread_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z & 0xffffffffu);
}

int sg_campaign_control(const uint32_t *stratum, size_t n, size_t nstrata, double share,
                        uint64_t seed, uint8_t *control, sg_error *err)
{
    if (!(share >= 0 && share < 1))
        return sg_error_set(err, SG_EINVAL, "control group: the share must be in [0, 1) (got %g)", share);
    for (size_t k = 0; k < n; k++)
        if (stratum[k] >= nstrata)
            return sg_error_set(err, SG_EINVAL, "control group: customer %zu has stratum %u of %zu", k + 1,
                                stratum[k] + 1, nstrata);
    memset(control, 0, n);
    size_t ns1 = nstrata ? nstrata : 1;
    size_t *size = sg_calloc(ns1 + 1, sizeof *size), *quota = sg_calloc(ns1, sizeof *quota);
    size_t *rank = sg_malloc(ns1 * sizeof *rank), *members = sg_malloc((n ? n : 1) * sizeof *members);
    double *rem = sg_malloc(ns1 * sizeof *rem);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int rc = SG_OK;
    if (!size || !quota || !rank || !members || !rem || !rng) {
        rc = sg_error_nomem(err);
        goto done;
    }
    gsl_rng_set(rng, spread_seed(seed));
    for (size_t k = 0; k < n; k++)
        size[stratum[k] + 1]++;
    /* quotas: floor of each stratum's share, then the largest remainders */
    size_t given = 0, want = n - sg_campaign_treated(n, share);
    for (size_t s = 0; s < nstrata; s++) {
        double q = share * (double)size[s + 1];
        quota[s] = (size_t)floor(q);
        rem[s] = q - (double)quota[s];
        given += quota[s];
        rank[s] = s;
    }
    for (size_t s = 1; s < nstrata; s++) {   /* insertion sort: remainder desc, stratum asc */
        size_t x = rank[s], t = s;
        while (t > 0 && rem[rank[t - 1]] < rem[x]) {
            rank[t] = rank[t - 1];
            t--;
        }
        rank[t] = x;
    }
    for (size_t r = 0; r < nstrata && given < want; r++)
        if (quota[rank[r]] < size[rank[r] + 1]) {
            quota[rank[r]]++;
            given++;
        }
    /* members grouped by stratum, in input order (counting sort) */
    for (size_t s = 0; s < nstrata; s++)
        size[s + 1] += size[s];
    for (size_t k = 0; k < n; k++)
        members[size[stratum[k]]++] = k;
    for (size_t s = 0, from = 0; s < nstrata; s++) {   /* size[s] now ends stratum s */
        size_t m = size[s] - from;
        size_t *mem = members + from;
        for (size_t t = 0; t < quota[s]; t++) {
            size_t r = t + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(m - t));
            size_t x = mem[t];
            mem[t] = mem[r];
            mem[r] = x;
            control[mem[t]] = 1;
        }
        from = size[s];
    }
done:
    sg_free(size);
    sg_free(quota);
    sg_free(rank);
    sg_free(members);
    sg_free(rem);
    if (rng)
        gsl_rng_free(rng);
    return rc;
}
