/* Campaigns that pay: who to contact (allocation under budgets), the
 * random control groups, measured uplift with its uncertainty, and
 * campaign performance ratios (CTR, CPC, CPM, conversion rate, CPA, ROAS,
 * ROI) computed from sums.
 *
 *   campaign_alloc.c    allocation of customers to campaigns, control draw
 *   campaign_measure.c  outcomes in a window, uplift tests, detectable effects
 *   campaign_perf.c     performance tables over any grouping
 *
 * The economics of one (customer, campaign) pair are computed by the
 * caller (lua/segmint/campaigns.lua); this module only sees the expected
 * incremental profit of each pair and each campaign's contact cost. */
#ifndef SG_CAMPAIGN_H
#define SG_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "table.h"

/* ---- allocation ---- */

typedef enum sg_alloc_method {
    SG_ALLOC_GREEDY = 0,   /* global greedy by profit per unit of contact cost, then improving
                            * moves and a refill (see campaign_alloc.c) */
    SG_ALLOC_PRIORITY,     /* campaigns one after the other in index order, each taking its
                            * most profitable customers that are still free */
    SG_ALLOC_EXACT         /* branch and bound over the candidate pairs: the optimum; at most
                            * SG_ALLOC_EXACT_MAX candidate pairs */
} sg_alloc_method;

#define SG_ALLOC_EXACT_MAX 26

typedef struct sg_alloc_campaign {
    double cost;           /* contact cost per treated customer, >= 0 */
    double budget;         /* cap on the treated customers' contact cost; INFINITY: none */
    double control_share;  /* [0, 1): share of the selected customers kept as a control group */
    int multiple;          /* 1: a customer may get this campaign besides another one */
    int force;             /* 1: take eligible customers whatever their expected profit */
} sg_alloc_campaign;

typedef struct sg_alloc_problem {
    const sg_alloc_campaign *camps;
    size_t ncamps;         /* lower index = higher priority (breaks ties) */
    const uint32_t *customer;   /* per pair: the customer (any numbering, compared for equality) */
    const uint32_t *campaign;   /* per pair: index into camps */
    const double *profit;       /* per pair: expected incremental profit when treated */
    size_t npairs;
    double total_budget;        /* cap on all campaigns' contact cost; INFINITY: none */
} sg_alloc_problem;

typedef struct sg_alloc_result {
    double objective;      /* sum over selected pairs of (1 - control_share) * profit */
    double cost;           /* contact cost of the treated counts, all campaigns */
    size_t selected;       /* pairs selected */
    uint64_t nodes;        /* SG_ALLOC_EXACT: search nodes visited */
} sg_alloc_result;

/* Treated customers when n are selected with a control share s:
 * n - round(s * n) (halves up).  Never decreases as n grows, by at most 1
 * per customer, so budgets are checked exactly as customers are added. */
size_t sg_campaign_treated(size_t n, double control_share);

/* Chooses pairs (selected[k] = 1) maximising the objective under: each
 * campaign's contact cost treated(n_j) * cost_j <= budget_j, the total
 * over campaigns <= total_budget, each customer in at most one campaign
 * whose `multiple` is 0.  Pairs with profit <= 0 are never chosen, except
 * in forced campaigns, which are served first (in index order, most
 * profitable customers first) whatever their profit.  Deterministic: ties
 * break by campaign index, then customer.  SG_EINVAL for bad input (a
 * campaign index out of range, a negative cost, a NaN profit, a customer
 * listed twice for a campaign, too many pairs for SG_ALLOC_EXACT). */
int sg_campaign_allocate(const sg_alloc_problem *p, sg_alloc_method method, uint8_t *selected,
                         sg_alloc_result *res, sg_error *err);

/* Control group of n selected customers: round(share * n) of them (halves
 * up, as sg_campaign_treated), spread over the strata in proportion to
 * their sizes (largest remainders; ties to the lower stratum) and drawn at
 * random within each stratum (Fisher-Yates on a Mersenne Twister seeded
 * from `seed`).  stratum[k] < nstrata; control[k] = 1 for the control. */
int sg_campaign_control(const uint32_t *stratum, size_t n, size_t nstrata, double share,
                        uint64_t seed, uint8_t *control, sg_error *err);

/* ---- measurement ---- */

/* For each target row: whether the customer bought in [start, start +
 * window) (a transaction with amount > 0) and the sum of their amounts in
 * that window (returns included).  targets needs the customer column
 * `tcust`, a datetime column `tstart` and, unless twindow is NULL (then
 * window_days applies to every row), a numeric column of window lengths in
 * days; tx the columns cust, date (datetime) and amount (numeric).
 * Customer columns must both hold text or both numbers.  Returns targets
 * with `responded` (bool) and `window_revenue` (double) added; rows with a
 * missing customer, start or window get missing outcomes. */
/* The checks of sg_campaign_outcomes alone (the columns, their types, the
 * windows): 0, or -1 with err set to the message it would give. */
int sg_campaign_outcomes_check(const sg_table *targets, const char *tcust, const char *tstart,
                               const char *twindow, double window_days, const sg_table *tx,
                               const char *cust, const char *date, const char *amount, sg_error *err);
sg_table *sg_campaign_outcomes(const sg_table *targets, const char *tcust, const char *tstart,
                               const char *twindow, double window_days, const sg_table *tx,
                               const char *cust, const char *date, const char *amount, sg_error *err);

/* targets with the outcome columns cr (`responded`) and cv
 * (`window_revenue`) added, which it takes (released on failure too);
 * NULL with err set. */
sg_table *sg_campaign_with_outcomes(const sg_table *targets, sg_column *cr, sg_column *cv, sg_error *err);

typedef struct sg_uplift {
    double rate_t, rate_c;   /* response rates of the treatment and control groups */
    double uplift;           /* rate_t - rate_c */
    double lower, upper;     /* confidence interval of the uplift (Newcombe's hybrid score) */
    double se;               /* unpooled standard error of the difference */
    double z, p_value;       /* pooled two-proportion z test, two-sided */
    double mde;              /* smallest uplift detectable with these group sizes */
} sg_uplift;

/* x_t of n_t treated and x_c of n_c control customers responded.  level:
 * the confidence level (0.95); power: for the detectable effect (0.8).
 * Figures that need an empty group are NaN.  SG_EINVAL when x > n or a
 * level or power is outside (0, 1). */
int sg_campaign_uplift(double n_t, double x_t, double n_c, double x_c, double level, double power,
                       sg_uplift *out, sg_error *err);

/* Minimum detectable uplift of a two-sided test at 1 - level with the
 * given power, for a base rate p and group sizes n_t, n_c:
 * (z_{(1+level)/2} + z_power) * sqrt(p (1 - p) (1/n_t + 1/n_c)).  NaN
 * when a group is empty or p is not in (0, 1). */
double sg_campaign_mde(double p, double n_t, double n_c, double level, double power);

/* Wilson score interval of x successes in n at the given level. */
void sg_wilson_interval(double x, double n, double level, double *lo, double *hi);

/* ---- performance ---- */

typedef struct sg_perf_columns {
    const char *impressions, *clicks, *conversions, *spend, *revenue;   /* NULL: not given */
} sg_perf_columns;

/* One row per group of `by` (none: one row for everything): the rows in
 * the group, the sum of each given measure (missing when any row of the
 * group lacks it), then the ratios the given measures allow, from the
 * sums: ctr = clicks / impressions, cpc = spend / clicks, cpm = 1000 *
 * spend / impressions, conversion_rate = conversions / clicks, cpa =
 * spend / conversions, roas = revenue / spend, roi = (margin * revenue -
 * spend) / spend.  A zero or missing denominator gives a missing ratio. */
sg_table *sg_campaign_performance(const sg_table *t, const char *const *by, size_t nby,
                                  const sg_perf_columns *cols, double margin, sg_error *err);

#endif
