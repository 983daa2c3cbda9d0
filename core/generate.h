/* Synthetic retail data with known ground truth: customers follow BG/NBD
 * purchasing (gamma-distributed purchase rates, beta-distributed dropout),
 * Gamma-Gamma basket values and Dirichlet category preferences.  Output is
 * streamed in date order; memory grows with customers, not rows. */
#ifndef SG_GENERATE_H
#define SG_GENERATE_H

#include <stdint.h>

#include "error.h"

typedef struct sg_gen_options {
    uint64_t customers;        /* number of customers */
    uint64_t seed;
    const char *out_dir;       /* created if missing */
    const char *start_date;    /* "YYYY-MM-DD", default "2023-01-01" */
    int days;                  /* length of the period, default 730 */
    /* BG/NBD: purchase rate lambda ~ Gamma(shape r, rate alpha) per day,
     * dropout p ~ Beta(a, b) after each purchase. */
    double r, alpha, a, b;
    /* Gamma-Gamma: basket value z ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate gamma) */
    double gg_p, gg_q, gg_gamma;
    int products;              /* catalogue size, default 500 */
    double cancel_rate;        /* share of invoices later cancelled, default 0.02 */
    double return_rate;        /* share of lines returned, default 0.01 */
    /* Campaign tests: past campaigns with random treatment and control
     * groups and a known uplift per segment (docs/generator.md). */
    int campaign_tests;        /* how many, default 4 (0 to 12) */
    double campaign_reach;     /* share of the customers so far in each test, default 0.3 */
    double campaign_control;   /* share of a test's customers kept as control, default 0.2 */
    int quiet;
    void (*progress)(void *ud, uint64_t done, uint64_t total);
    void *progress_ud;
} sg_gen_options;

void sg_gen_options_init(sg_gen_options *o);

typedef struct sg_gen_result {
    uint64_t customers, products, invoices, transaction_rows;
    uint64_t campaigns;              /* rows of campaign_history.csv */
    uint64_t campaign_tests;         /* campaigns with treatment and control groups */
    uint64_t test_assignments;       /* rows of campaign_assignments.csv */
} sg_gen_result;

/* Writes customers.csv, products.csv, transactions.csv,
 * campaign_history.csv, campaign_assignments.csv, customers_truth.csv and
 * truth.json into out_dir (each through a temporary file and a rename). */
int sg_generate(const sg_gen_options *o, sg_gen_result *res, sg_error *err);

#endif
