/* Synthetic retail data with known ground truth (sg_generate).
 *
 * Model (time unit: days; docs/generator.md has the long version):
 * - Period: start_date (default 2023-01-01) for `days` days (default 730).
 *   Nothing depends on the current date.
 * - Catalogue: `products` products, dealt round-robin into 8 categories
 *   (Home, Kitchen, Garden, Toys, Stationery, Fashion, Beauty, Electronics),
 *   named from per-category word lists ("Ceramic Mug Blue"), priced from a
 *   category-specific lognormal rounded to cents.
 * - Customers: signup day uniform over the first 80% of the period; country
 *   (12, UK-heavy), age band and acquisition channel from fixed weights.
 *   Hidden draws: lambda ~ Gamma(shape r, rate alpha) purchases per day,
 *   p ~ Beta(a, b) dropout per purchase, nu ~ Gamma(shape q, rate gamma),
 *   category preference ~ Dirichlet(0.5, ..., 0.5).
 * - Purchasing (BG/NBD as in Fader, Hardie & Lee 2005): first purchase on
 *   the signup day; right after every repeat purchase (not the first) the
 *   customer drops out for good with probability p; otherwise the next
 *   purchase comes Exp(lambda) days later.  Each invoice has a target value
 *   z ~ Gamma(shape gg_p, rate nu) (Gamma-Gamma: mean basket across
 *   customers p*gamma/(q-1) = 6*15/2.5 = 36 with the defaults) and gets 1..6
 *   lines of products drawn by category preference, quantities chosen so
 *   the invoice total is near z.  The recorded totals, not z, are what the
 *   data holds (items are indivisible; truth.json reports the empirical
 *   mean invoice value).
 * - Cancellations: with probability cancel_rate an invoice is cancelled
 *   ~2 business hours to 4 days later by a "C<number>" invoice with the
 *   negated quantities of all (60%) or some of its lines.  Returns: each
 *   line of a non-cancelled invoice is returned with probability
 *   return_rate 5-30 days later on an "R<number>" invoice (1..quantity
 *   units).  Events after the end of the period are not written.
 * - Invoice numbers are sequential in date order from 500001, shared by
 *   sales, cancellations, returns and campaign purchases.  Times of day
 *   fall in 08:00-20:00.
 * - Campaign tests (campaign_tests, default 4): at each test's start day
 *   every customer so far joins with probability campaign_reach, in the
 *   control group with probability campaign_control; segment by days since
 *   the last purchase (Recent, Lapsing, Lapsed); a treated customer whose
 *   BG/NBD process brings no purchase in the window buys once in it with a
 *   known per-segment probability (an extra purchase outside the process:
 *   no dropout, no change to the next purchase).  truth.json records each
 *   test's true uplift per segment (the mean individual effect over its
 *   customers, which treatment minus control estimates without bias).
 * - Streaming: transactions.csv is written in date order by merging the
 *   first purchases (customers sorted by signup), a min-heap of the alive
 *   customers' next purchases and a small heap of pending cancellations
 *   and returns (core/generate_sim.c), so memory grows with customers, not
 *   rows.
 * - Determinism: one gsl_rng_mt19937 per part (catalogue, customers,
 *   simulation, campaign history, campaign tests), each seeded from the
 *   seed, so the same options give byte-identical files, and the catalogue
 *   does not change with the number of customers.
 * - Files (in out_dir, created like mkdir -p): products.csv, customers.csv,
 *   transactions.csv, campaign_history.csv, campaign_assignments.csv,
 *   customers_truth.csv and truth.json,
 *   each written as <name>.tmp and renamed once all were written; on error
 *   the temporaries are removed.
 * Split: generate_out.c (buffered writer, formatting), generate_catalog.c
 * (products, customers, campaign history), generate_sim.c (the simulation
 * and the campaign tests). */
#include "generate_internal.h"

#include <math.h>

#include <cjson/cJSON.h>

#include "mem.h"

void sg_gen_options_init(sg_gen_options *o)
{
    memset(o, 0, sizeof *o);
    o->customers = 1000;
    o->seed = 42;
    o->out_dir = NULL;
    o->start_date = "2023-01-01";
    o->days = 730;
    o->r = 0.9;
    o->alpha = 40.0;
    o->a = 0.8;
    o->b = 4.0;
    o->gg_p = 6.0;
    o->gg_q = 3.5;
    o->gg_gamma = 15.0;
    o->products = 500;
    o->cancel_rate = 0.02;
    o->return_rate = 0.01;
    o->campaign_tests = 4;
    o->campaign_reach = 0.3;
    o->campaign_control = 0.2;
}

static int check_positive(double v, const char *name, sg_error *err)
{
    if (!(v > 0) || !isfinite(v))
        return sg_error_set(err, SG_EINVAL, "generate: option %s must be a positive number (got %g)",
                            name, v);
    return SG_OK;
}

static int check_rate(double v, const char *name, sg_error *err)
{
    if (!(v >= 0 && v < 1))
        return sg_error_set(err, SG_EINVAL, "generate: option %s must be in [0, 1) (got %g)", name,
                            v);
    return SG_OK;
}

static int validate(const sg_gen_options *o, int64_t *start_day, sg_gen_tests *tests, sg_error *err)
{
    int rc;
    if (!o)
        return sg_error_set(err, SG_EINVAL, "generate: options are missing");
    if (o->customers < 1 || o->customers > SG_GEN_MAX_CUSTOMERS)
        return sg_error_set(err, SG_EINVAL, "generate: option customers must be between 1 and %u",
                            SG_GEN_MAX_CUSTOMERS);
    if (!o->out_dir || !o->out_dir[0])
        return sg_error_set(err, SG_EINVAL, "generate: option out_dir is missing");
    const char *sd = o->start_date ? o->start_date : "2023-01-01";
    int64_t t;
    int has_time = 0;
    if (sg_datetime_parse(sd, strlen(sd), SG_DATE_ISO, &t, &has_time) != 0 || has_time)
        return sg_error_set(err, SG_EINVAL,
                            "generate: option start_date must be a date YYYY-MM-DD (got \"%s\")",
                            sd);
    if (o->days < 30 || o->days > SG_GEN_MAX_DAYS)
        return sg_error_set(err, SG_EINVAL, "generate: option days must be between 30 and %d (got %d)",
                            SG_GEN_MAX_DAYS, o->days);
    *start_day = t / 86400;
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(*start_day + o->days, &y, &m, &d);
    if (y > 9999)
        return sg_error_set(err, SG_EINVAL, "generate: option days: the period ends after year 9999");
    if ((rc = check_positive(o->r, "r", err)) || (rc = check_positive(o->alpha, "alpha", err)) ||
        (rc = check_positive(o->a, "a", err)) || (rc = check_positive(o->b, "b", err)) ||
        (rc = check_positive(o->gg_p, "gg_p", err)) ||
        (rc = check_positive(o->gg_q, "gg_q", err)) ||
        (rc = check_positive(o->gg_gamma, "gg_gamma", err)))
        return rc;
    if (!(o->gg_q > 1))
        return sg_error_set(err, SG_EINVAL,
                            "generate: option gg_q must be greater than 1 (the mean basket "
                            "p*gamma/(q-1) is infinite otherwise; got %g)",
                            o->gg_q);
    if (o->products < SG_GEN_NCAT || o->products > SG_GEN_MAX_PRODUCTS)
        return sg_error_set(err, SG_EINVAL,
                            "generate: option products must be between %d (one per category) "
                            "and %d (got %d)",
                            SG_GEN_NCAT, SG_GEN_MAX_PRODUCTS, o->products);
    if ((rc = check_rate(o->cancel_rate, "cancel_rate", err)) ||
        (rc = check_rate(o->return_rate, "return_rate", err)))
        return rc;
    return sg_gen_tests_plan(o, tests, err);
}

/* splitmix64: turns (seed, stream) into well-spread RNG seeds */
static unsigned long stream_seed(uint64_t seed, uint64_t stream)
{
    uint64_t z = seed + stream * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z & 0xffffffffu);
}

static void u64_text(uint64_t v, char *buf)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *buf++ = tmp[--n];
    *buf = '\0';
}

static void cents_text(int64_t c, char *buf)
{
    if (c < 0) {
        *buf++ = '-';
        c = -c;
    }
    u64_text((uint64_t)(c / 100), buf);
    size_t n = strlen(buf);
    buf[n] = '.';
    buf[n + 1] = (char)('0' + c % 100 / 10);
    buf[n + 2] = (char)('0' + c % 10);
    buf[n + 3] = '\0';
}

static void date_text(int64_t day, char *buf)
{
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02u-%02u", (int)y, m, d);
}

static const char *const model_text =
    "BG/NBD purchasing with Gamma-Gamma basket values. Each customer has a purchase rate "
    "lambda ~ Gamma(shape r, rate alpha) per day and a dropout probability p ~ Beta(a, b). The "
    "first purchase is on the signup day; right after every repeat purchase (not the first) the "
    "customer drops out for good with probability p, otherwise the next purchase comes "
    "Exp(lambda) days later. Each invoice has a target value z ~ Gamma(shape p, rate nu) with "
    "nu ~ Gamma(shape q, rate gamma) per customer; the basket holds 1 to 6 lines with "
    "quantities chosen so the total is near z, and the recorded invoice totals (not z) are what "
    "the data holds. Cancellation invoices (C...) and returned lines (R...) carry negative "
    "quantities. customers_truth.csv holds each customer's lambda, p, nu and whether they were "
    "still alive at the end of the period. Campaign tests: at each test's start every customer so "
    "far joins with probability reach, in the control group with probability control_share; "
    "segments by days since the last purchase; a treated customer whose BG/NBD process brings no "
    "purchase in the window buys once in it with the segment's incremental_probability (an extra "
    "purchase outside the process). A test's true_uplift per segment is the mean individual effect "
    "over all its customers in that segment (the incremental_probability draw is made for the "
    "control group too), which the treatment minus control response rate estimates without bias. "
    "Per segment: natural_* counts the customers of each group who buy in the window without the "
    "campaign, effect_* those the campaign makes buy (acted on for the treatment group only), so a "
    "group's buyers in the window are natural_treatment + effect_treatment and natural_control; "
    "campaign_assignments.csv lists every customer's test, segment and group.";

static double ratio_of(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0;
}

/* truth.json's campaign_tests object; 0 or -1 when out of memory */
static int tests_json(cJSON *root, const sg_gen_options *o, int64_t start_day, const sg_gen_tests *tests)
{
    char day[16];
    cJSON *ct = cJSON_AddObjectToObject(root, "campaign_tests"), *segs = NULL, *list = NULL;
    int ok = ct != NULL;
    ok = ok && cJSON_AddNumberToObject(ct, "window_days", tests->window);
    ok = ok && cJSON_AddNumberToObject(ct, "reach", o->campaign_reach);
    ok = ok && cJSON_AddNumberToObject(ct, "control_share", o->campaign_control);
    ok = ok && (segs = cJSON_AddArrayToObject(ct, "segments")) != NULL;
    for (int g = 0; ok && g < SG_GEN_NSEG; g++) {
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(segs, e);
        ok = ok && cJSON_AddStringToObject(e, "segment", sg_gen_test_segments[g]);
        ok = ok && cJSON_AddStringToObject(e, "rule", sg_gen_test_segment_rules[g]);
        ok = ok && cJSON_AddNumberToObject(e, "incremental_probability", sg_gen_test_uplift[g]);
    }
    ok = ok && (list = cJSON_AddArrayToObject(ct, "tests")) != NULL;
    for (int k = 0; ok && k < tests->count; k++) {
        const sg_gen_test *T = &tests->t[k];
        cJSON *e = cJSON_CreateObject(), *by = NULL;
        char name[64];
        date_text(start_day + T->day, day);
        snprintf(name, sizeof name, "Offer test %s", day);
        ok = e && cJSON_AddItemToArray(list, e);
        ok = ok && cJSON_AddStringToObject(e, "campaign", name);
        ok = ok && cJSON_AddStringToObject(e, "start", day);
        uint64_t n[2] = { 0, 0 }, eff = 0;
        ok = ok && (by = cJSON_AddArrayToObject(e, "segments")) != NULL;
        for (int g = 0; ok && g < SG_GEN_NSEG; g++) {
            cJSON *s = cJSON_CreateObject();
            uint64_t all = T->n[g][0] + T->n[g][1];
            ok = s && cJSON_AddItemToArray(by, s);
            ok = ok && cJSON_AddStringToObject(s, "segment", sg_gen_test_segments[g]);
            ok = ok && cJSON_AddNumberToObject(s, "treatment", (double)T->n[g][0]);
            ok = ok && cJSON_AddNumberToObject(s, "control", (double)T->n[g][1]);
            ok = ok && cJSON_AddNumberToObject(s, "natural_treatment", (double)T->natural[g][0]);
            ok = ok && cJSON_AddNumberToObject(s, "natural_control", (double)T->natural[g][1]);
            ok = ok && cJSON_AddNumberToObject(s, "effect_treatment", (double)T->effect[g][0]);
            ok = ok && cJSON_AddNumberToObject(s, "effect_control", (double)T->effect[g][1]);
            ok = ok && cJSON_AddNumberToObject(s, "natural_rate",
                                               ratio_of(T->natural[g][0] + T->natural[g][1], all));
            ok = ok && cJSON_AddNumberToObject(s, "true_uplift",
                                               ratio_of(T->effect[g][0] + T->effect[g][1], all));
            n[0] += T->n[g][0];
            n[1] += T->n[g][1];
            eff += T->effect[g][0] + T->effect[g][1];
        }
        ok = ok && cJSON_AddNumberToObject(e, "treatment", (double)n[0]);
        ok = ok && cJSON_AddNumberToObject(e, "control", (double)n[1]);
        ok = ok && cJSON_AddNumberToObject(e, "true_uplift", ratio_of(eff, n[0] + n[1]));
    }
    return ok ? 0 : -1;
}

/* truth.json as text (cJSON's own allocation; release with cJSON_free). */
static char *truth_json(const sg_gen_options *o, int64_t start_day, const sg_gen_stats *st,
                        const sg_gen_result *res, const sg_gen_tests *tests)
{
    char num[48], day[16];
    cJSON *root = cJSON_CreateObject();
    cJSON *period = NULL, *params = NULL, *bg = NULL, *gg = NULL, *emp = NULL;
    int ok = root != NULL;
    u64_text(o->seed, num);
    ok = ok && cJSON_AddRawToObject(root, "seed", num);
    ok = ok && (period = cJSON_AddObjectToObject(root, "period")) != NULL;
    date_text(start_day, day);
    ok = ok && cJSON_AddStringToObject(period, "start", day);
    date_text(start_day + o->days - 1, day);
    ok = ok && cJSON_AddStringToObject(period, "end", day);
    ok = ok && cJSON_AddNumberToObject(period, "days", o->days);
    ok = ok && cJSON_AddStringToObject(root, "time_unit", "days");
    u64_text(o->customers, num);
    ok = ok && cJSON_AddRawToObject(root, "customers", num);
    ok = ok && cJSON_AddNumberToObject(root, "products", o->products);
    ok = ok && (params = cJSON_AddObjectToObject(root, "parameters")) != NULL;
    ok = ok && (bg = cJSON_AddObjectToObject(params, "bgnbd")) != NULL;
    ok = ok && cJSON_AddNumberToObject(bg, "r", o->r);
    ok = ok && cJSON_AddNumberToObject(bg, "alpha", o->alpha);
    ok = ok && cJSON_AddNumberToObject(bg, "a", o->a);
    ok = ok && cJSON_AddNumberToObject(bg, "b", o->b);
    ok = ok && (gg = cJSON_AddObjectToObject(params, "gamma_gamma")) != NULL;
    ok = ok && cJSON_AddNumberToObject(gg, "p", o->gg_p);
    ok = ok && cJSON_AddNumberToObject(gg, "q", o->gg_q);
    ok = ok && cJSON_AddNumberToObject(gg, "gamma", o->gg_gamma);
    ok = ok && cJSON_AddNumberToObject(params, "cancel_rate", o->cancel_rate);
    ok = ok && cJSON_AddNumberToObject(params, "return_rate", o->return_rate);
    ok = ok && cJSON_AddNumberToObject(params, "mean_target_basket",
                                       o->gg_p * o->gg_gamma / (o->gg_q - 1));
    ok = ok && (emp = cJSON_AddObjectToObject(root, "empirical")) != NULL;
    const struct { const char *k; uint64_t v; } counts[] = {
        { "invoices", st->invoices },           { "transaction_rows", st->rows },
        { "cancellations", st->cancellations }, { "returns", st->returns },
        { "customers_alive_at_end", st->alive_at_end }, { "campaigns", res->campaigns },
        { "campaign_tests", res->campaign_tests }, { "campaign_assignments", st->assignments },
        { "campaign_purchases", st->campaign_purchases },
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        u64_text(counts[i].v, num);
        ok = ok && cJSON_AddRawToObject(emp, counts[i].k, num);
    }
    /* rounded to cents and written as text so the bytes never vary */
    int64_t mean = st->invoices ? (int64_t)llround((double)st->sales_cents / (double)st->invoices)
                                : 0;
    cents_text(mean, num);
    ok = ok && cJSON_AddRawToObject(emp, "mean_invoice_value", num);
    ok = ok && tests_json(root, o, start_day, tests) == 0;
    ok = ok && cJSON_AddStringToObject(root, "model", model_text);
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

enum { F_PRODUCTS, F_CUSTOMERS, F_TX, F_TRUTH_CSV, F_CAMPAIGNS, F_ASSIGN, F_TRUTH_JSON, F_COUNT };
static const char *const file_names[F_COUNT] = {
    "products.csv", "customers.csv", "transactions.csv", "customers_truth.csv",
    "campaign_history.csv", "campaign_assignments.csv", "truth.json",
};
#define NRNG 5   /* catalogue, customers, simulation, campaign history, campaign tests */

int sg_generate(const sg_gen_options *o, sg_gen_result *res, sg_error *err)
{
    int64_t start_day = 0;
    int rc;
    sg_gen_result local;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    sg_gen_tests tests;
    if ((rc = validate(o, &start_day, &tests, err)) != SG_OK)
        return rc;
    if ((rc = sg_gen_mkdir_p(o->out_dir, err)) != SG_OK)
        return rc;

    gsl_rng *rng[NRNG] = { NULL };
    sg_gen_out out[F_COUNT];
    memset(out, 0, sizeof out);
    sg_gen_catalog cat;
    memset(&cat, 0, sizeof cat);
    sg_gen_customer *cu = NULL;
    sg_gen_stats st;
    memset(&st, 0, sizeof st);

    for (int i = 0; i < NRNG; i++) {
        rng[i] = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng[i]) {
            rc = sg_error_nomem(err);
            goto fail;
        }
        gsl_rng_set(rng[i], stream_seed(o->seed, (uint64_t)i + 1));
    }
    if ((rc = sg_gen_catalog_build(&cat, o->products, rng[0], err)) ||
        (rc = sg_gen_customers_build(&cu, o, rng[1], err)))
        goto fail;
    for (int i = 0; i < F_COUNT; i++)
        if ((rc = sg_gen_out_open(&out[i], o->out_dir, file_names[i], err)) != SG_OK)
            goto fail;

    sg_gen_catalog_write(&cat, &out[F_PRODUCTS]);
    sg_gen_customers_write(cu, o->customers, start_day, &out[F_CUSTOMERS]);
    if ((rc = sg_gen_simulate(o, start_day, &cat, cu, rng[2], rng[4], &tests, &out[F_TX],
                              &out[F_ASSIGN], &st, err)) != SG_OK)
        goto fail;
    sg_gen_customers_truth_write(cu, o->customers, &out[F_TRUTH_CSV]);
    res->campaigns = sg_gen_campaigns_write(o, start_day, o->gg_p * o->gg_gamma / (o->gg_q - 1),
                                            rng[3], &out[F_CAMPAIGNS]);
    res->customers = o->customers;
    res->products = (uint64_t)o->products;
    res->invoices = st.invoices;
    res->transaction_rows = st.rows;
    res->campaign_tests = (uint64_t)tests.count;
    res->test_assignments = st.assignments;

    char *json = truth_json(o, start_day, &st, res, &tests);
    if (!json) {
        rc = sg_error_nomem(err);
        goto fail;
    }
    sg_gen_put_str(&out[F_TRUTH_JSON], json);
    sg_gen_put_char(&out[F_TRUTH_JSON], '\n');
    cJSON_free(json);

    for (int i = 0; i < F_COUNT; i++)
        if ((rc = sg_gen_out_close(&out[i], err)) != SG_OK)
            goto fail;
    for (int i = 0; i < F_COUNT; i++) {
        if ((rc = sg_gen_out_commit(&out[i], err)) != SG_OK)
            goto fail;
        sg_gen_out_free(&out[i]);
    }
    rc = SG_OK;
    goto done;
fail:
    for (int i = 0; i < F_COUNT; i++)
        sg_gen_out_discard(&out[i]);
    memset(res, 0, sizeof *res);
done:
    for (int i = 0; i < NRNG; i++)
        if (rng[i])
            gsl_rng_free(rng[i]);
    sg_gen_catalog_free(&cat);
    sg_free(cu);
    return rc;
}
