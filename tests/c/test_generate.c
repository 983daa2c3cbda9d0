/* sg_generate: files, headers, counts, determinism, date order, referential
 * integrity, cancellations/returns, truth.json, option checks, and the
 * hidden parameters following their stated distributions. */
#include <gsl/gsl_errno.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "generate.h"
#include "mem.h"
#include "tap.h"

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int file_exists(const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int header_is(const char *text, const char *want)
{
    size_t n = strlen(want);
    return text && strncmp(text, want, n) == 0 && text[n] == '\n';
}

static const char *const files[] = { "customers.csv", "products.csv", "transactions.csv",
                                     "campaign_history.csv", "truth.json", "customers_truth.csv",
                                     "campaign_assignments.csv" };
#define NFILES (sizeof files / sizeof files[0])

static int same_files(const char *d1, const char *d2, const char *name)
{
    size_t n1, n2;
    char *a = slurp(d1, name, &n1), *b = slurp(d2, name, &n2);
    int same = a && b && n1 == n2 && memcmp(a, b, n1) == 0;
    free(a);
    free(b);
    return same;
}

static void rm_dir(const char *dir)
{
    char path[1024];
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

static uint64_t progress_calls, progress_last_done, progress_last_total;
static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    (void)ud;
    progress_calls++;
    progress_last_done = done;
    progress_last_total = total;
}

/* Walks transactions.csv checking order, ids, signs and numbering. */
static void check_transactions(const char *tx, const sg_gen_result *res, const char *products,
                               uint64_t *n_cancel, uint64_t *n_return)
{
    /* unit prices by product index, from products.csv */
    double price[600] = { 0 };
    int prod_ok = 1;
    const char *p = strchr(products, '\n') + 1;
    for (int i = 0; *p; i++) {
        int id;
        char name[200];
        if (sscanf(p, "P%d,%199[^,],", &id, name) != 2 || id != i + 1 || i >= 600) {
            prod_ok = 0;
            break;
        }
        const char *eol = strchr(p, '\n');
        const char *last = eol;
        while (last > p && last[-1] != ',')
            last--;
        price[i] = atof(last);
        p = eol + 1;
    }
    tap_ok(prod_ok, "products.csv: ids run P0001, P0002, ... in order");

    char prev_date[32] = "";
    long long prev_no = 500000;
    uint64_t rows = 0, sales = 0, bad_order = 0, bad_cust = 0, bad_prod = 0, bad_sign = 0;
    uint64_t bad_no = 0, bad_price = 0, bad_date = 0, cancels = 0, returns = 0;
    char prev_inv[32] = "";
    p = strchr(tx, '\n') + 1;
    while (*p) {
        char inv[32], date[32], cust[32], prod[32];
        long long qty;
        double pr;
        const char *eol = strchr(p, '\n');
        if (!eol || sscanf(p, "%31[^,],%31[^,],%31[^,],%31[^,],%lld,%lf", inv, date, cust, prod,
                           &qty, &pr) != 6)
            break;
        rows++;
        if (strlen(date) != 19 || strcmp(date, "2023-01-01 00:00:00") < 0 ||
            strcmp(date, "2024-12-30 23:59:59") > 0)
            bad_date++;
        if (strcmp(date, prev_date) < 0)
            bad_order++;
        strcpy(prev_date, date);
        long c = strtol(cust + 1, NULL, 10);
        if (cust[0] != 'C' || strlen(cust) != 7 || c < 1 || c > (long)res->customers)
            bad_cust++;
        long q = strtol(prod + 1, NULL, 10);
        if (prod[0] != 'P' || strlen(prod) != 5 || q < 1 || q > (long)res->products)
            bad_prod++;
        else if (fabs(price[q - 1] - pr) > 1e-9)
            bad_price++;
        int kind = inv[0] == 'C' || inv[0] == 'R' ? inv[0] : 0;
        if ((kind && qty >= 0) || (!kind && qty <= 0))
            bad_sign++;
        if (strcmp(inv, prev_inv) != 0) {
            /* a new invoice: numbers are sequential in file (= date) order */
            long long no = strtoll(inv + (kind ? 1 : 0), NULL, 10);
            if (no != prev_no + 1)
                bad_no++;
            prev_no = no;
            strcpy(prev_inv, inv);
            if (kind == 'C')
                cancels++;
            else if (!kind)
                sales++;
        }
        if (kind == 'R')
            returns++;
        p = eol + 1;
    }
    tap_is_int((long long)rows, (long long)res->transaction_rows, "every transaction row parses");
    tap_is_int((long long)bad_order, 0, "transactions are in non-decreasing date order");
    tap_is_int((long long)bad_date, 0, "dates are YYYY-MM-DD HH:MM:SS inside the period");
    tap_is_int((long long)bad_cust, 0, "every customer_id exists in customers.csv");
    tap_is_int((long long)bad_prod, 0, "every product_id exists in products.csv");
    tap_is_int((long long)bad_price, 0, "price is the product's unit price");
    tap_is_int((long long)bad_sign, 0, "sales have positive, C and R invoices negative quantities");
    tap_is_int((long long)bad_no, 0, "invoice numbers run 500001, 500002, ... in date order");
    tap_is_int((long long)sales, (long long)res->invoices, "distinct sales invoices = res.invoices");
    tap_ok(cancels > 0 && returns > 0, "there are cancellations (%llu) and returns (%llu)",
           (unsigned long long)cancels, (unsigned long long)returns);
    *n_cancel = cancels;
    *n_return = returns;
}

static double json_num(const cJSON *root, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (c)
        x = cJSON_GetObjectItemCaseSensitive(x, c);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void check_truth(const char *dir, const sg_gen_result *res, uint64_t cancels,
                        uint64_t returns)
{
    char *text = slurp(dir, "truth.json", NULL);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    tap_ok(root != NULL, "truth.json parses");
    tap_is_double(json_num(root, "seed", NULL, NULL), 7, 0, "truth.json: seed");
    tap_is_double(json_num(root, "customers", NULL, NULL), 2000, 0, "truth.json: customers");
    tap_is_double(json_num(root, "parameters", "bgnbd", "r"), 1.1, 0, "truth.json: r as given");
    tap_is_double(json_num(root, "parameters", "bgnbd", "alpha"), 40, 0, "truth.json: alpha");
    tap_is_double(json_num(root, "parameters", "bgnbd", "a"), 0.8, 0, "truth.json: a");
    tap_is_double(json_num(root, "parameters", "bgnbd", "b"), 4, 0, "truth.json: b");
    tap_is_double(json_num(root, "parameters", "gamma_gamma", "p"), 6, 0, "truth.json: p");
    tap_is_double(json_num(root, "parameters", "gamma_gamma", "q"), 3.5, 0, "truth.json: q");
    tap_is_double(json_num(root, "parameters", "gamma_gamma", "gamma"), 15, 0,
                  "truth.json: gamma");
    tap_is_double(json_num(root, "period", "days", NULL), 730, 0, "truth.json: period.days");
    const cJSON *period = cJSON_GetObjectItemCaseSensitive(root, "period");
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "start")),
               "2023-01-01", "truth.json: period.start");
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "end")),
               "2024-12-30", "truth.json: period.end is the last day (start + 729)");
    tap_is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "time_unit")), "days",
               "truth.json: time unit");
    tap_is_double(json_num(root, "empirical", "invoices", NULL), (double)res->invoices, 0,
                  "truth.json: invoices");
    tap_is_double(json_num(root, "empirical", "transaction_rows", NULL),
                  (double)res->transaction_rows, 0, "truth.json: transaction_rows");
    tap_is_double(json_num(root, "empirical", "cancellations", NULL), (double)cancels, 0,
                  "truth.json: cancellations = C invoices in the file");
    tap_is_double(json_num(root, "empirical", "returns", NULL), (double)returns, 0,
                  "truth.json: returns = R lines in the file");
    double mean = json_num(root, "empirical", "mean_invoice_value", NULL);
    /* Gamma-Gamma target mean p*gamma/(q-1) = 6*15/2.5 = 36; the recorded
     * totals differ from z because items are indivisible (at least one unit
     * per line): allow 25% */
    tap_is_double(mean, 36, 9, "truth.json: mean invoice value near the target 36");
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "model"));
    tap_ok(model && strstr(model, "recorded invoice totals"),
           "truth.json: the model text says the recorded totals are what the data holds");

    /* customers_truth.csv agrees with truth.json and the transactions */
    char *ct = slurp(dir, "customers_truth.csv", NULL);
    double alive = 0, purchases = 0;
    const char *p = ct ? strchr(ct, '\n') + 1 : "";
    while (*p) {
        int a;
        long n;
        const char *eol = strchr(p, '\n');
        const char *f = eol;
        for (int k = 0; k < 2; k++)
            do
                f--;
            while (f > p && *f != ',');
        if (sscanf(f, ",%d,%ld", &a, &n) == 2) {
            alive += a;
            purchases += (double)n;
        }
        p = eol + 1;
    }
    tap_is_double(alive, json_num(root, "empirical", "customers_alive_at_end", NULL), 0,
                  "customers_truth.csv: alive_at_end sums to truth.json's count");
    tap_is_double(purchases, (double)res->invoices, 0,
                  "customers_truth.csv: purchases sum to the number of invoices");
    free(ct);
    cJSON_Delete(root);
    free(text);
}

/* campaign_assignments.csv against truth.json: counts per test, segment
 * and group; extra purchases = the treated customers the campaign won */
static void check_tests(const char *dir, const sg_gen_result *res)
{
    char *text = slurp(dir, "truth.json", NULL), *as = slurp(dir, "campaign_assignments.csv", NULL);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(root, "campaign_tests");
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(ct, "tests");
    tap_ok(header_is(as, "campaign,customer_id,segment,group,start,window_days"),
           "campaign_assignments.csv header");
    tap_is_int((long long)res->campaign_tests, 4, "res.campaign_tests: 4 by default");
    tap_is_int(cJSON_GetArraySize(tests), 4, "truth.json: 4 campaign tests");
    tap_is_double(json_num(root, "campaign_tests", "window_days", NULL), 30, 0, "truth.json: 30-day windows");
    /* counts per (test, segment, group) from the file */
    long long n[4][3][2];
    memset(n, 0, sizeof n);
    const char *segs[3] = { "Recent", "Lapsing", "Lapsed" };
    char names[4][64] = { "", "", "", "" };
    uint64_t rows = 0, bad = 0;
    const char *p = as ? strchr(as, '\n') + 1 : "";
    while (*p) {
        char camp[64], cust[16], seg[16], grp[16], start[16];
        int w;
        const char *eol = strchr(p, '\n');
        if (!eol || sscanf(p, "%63[^,],%15[^,],%15[^,],%15[^,],%15[^,],%d", camp, cust, seg, grp, start, &w) != 6)
            break;
        rows++;
        int k = -1, g = -1, sg = -1;
        for (int i = 0; i < 4 && k < 0; i++) {
            if (!names[i][0])
                snprintf(names[i], sizeof names[i], "%s", camp);
            if (!strcmp(names[i], camp))
                k = i;
        }
        for (int i = 0; i < 3; i++)
            if (!strcmp(seg, segs[i]))
                sg = i;
        g = !strcmp(grp, "treatment") ? 0 : !strcmp(grp, "control") ? 1 : -1;
        long c = strtol(cust + 1, NULL, 10);
        if (k < 0 || sg < 0 || g < 0 || w != 30 || cust[0] != 'C' || c < 1 || c > (long)res->customers ||
            strncmp(camp + 11, start, 10) != 0)
            bad++;
        else
            n[k][sg][g]++;
        p = eol + 1;
    }
    tap_is_int((long long)rows, (long long)res->test_assignments, "every assignment row parses");
    tap_is_int((long long)bad, 0, "tests, segments, groups, customers and windows are valid");
    int agree = 1;
    double effects = 0, controls = 0, all = 0;
    for (int k = 0; k < 4; k++) {
        const cJSON *t = cJSON_GetArrayItem(tests, k);
        const cJSON *by = cJSON_GetObjectItemCaseSensitive(t, "segments");
        agree &= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "campaign")), names[k]);
        for (int s = 0; s < 3; s++) {
            const cJSON *e = cJSON_GetArrayItem(by, s);
            double nt = json_num(e, "treatment", NULL, NULL), nc = json_num(e, "control", NULL, NULL);
            agree &= nt == (double)n[k][s][0] && nc == (double)n[k][s][1];
            double et = json_num(e, "effect_treatment", NULL, NULL), ec = json_num(e, "effect_control", NULL, NULL);
            double nat = json_num(e, "natural_treatment", NULL, NULL) + json_num(e, "natural_control", NULL, NULL);
            if (nt + nc > 0) {
                agree &= fabs(json_num(e, "true_uplift", NULL, NULL) - (et + ec) / (nt + nc)) < 1e-12;
                agree &= fabs(json_num(e, "natural_rate", NULL, NULL) - nat / (nt + nc)) < 1e-12;
            }
            effects += et;
            controls += nc;
            all += nt + nc;
        }
    }
    tap_ok(agree, "truth.json: group sizes match the file, true uplift = effects / customers");
    tap_is_double(json_num(root, "empirical", "campaign_purchases", NULL), effects, 0,
                  "one extra purchase per treated customer the campaign won");
    /* control share 0.2 of %.0f customers: binomial sd ~ sqrt(0.16 / n) */
    tap_is_double(controls / all, 0.2, 4 * sqrt(0.16 / all), "about 20% of the tests' customers in control");
    tap_ok(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "model")), "true_uplift") != NULL,
           "truth.json's model text explains the true uplift");
    cJSON_Delete(root);
    free(text);
    free(as);
}

static void check_invalid(const char *base)
{
    struct { const char *name; int code; } cases[] = {
        { "customers", SG_EINVAL }, { "alpha", SG_EINVAL },      { "gg_q", SG_EINVAL },
        { "days", SG_EINVAL },      { "cancel_rate", SG_EINVAL }, { "start_date", SG_EINVAL },
        { "out_dir", SG_EINVAL },   { "return_rate", SG_EINVAL }, { "b", SG_EINVAL },
        { "campaign_tests", SG_EINVAL }, { "campaign_reach", SG_EINVAL }, { "campaign_control", SG_EINVAL },
        { "campaign_tests: at most", SG_EINVAL },
    };
    char dir[256];
    snprintf(dir, sizeof dir, "%s/never", base);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_gen_options o;
        sg_gen_options_init(&o);
        o.out_dir = dir;
        const char *n = cases[i].name;
        if (!strcmp(n, "customers"))
            o.customers = 0;
        else if (!strcmp(n, "alpha"))
            o.alpha = -1;
        else if (!strcmp(n, "gg_q"))
            o.gg_q = 1.0;
        else if (!strcmp(n, "days"))
            o.days = 29;
        else if (!strcmp(n, "cancel_rate"))
            o.cancel_rate = 1.0;
        else if (!strcmp(n, "start_date"))
            o.start_date = "2023-02-30";
        else if (!strcmp(n, "out_dir"))
            o.out_dir = NULL;
        else if (!strcmp(n, "return_rate"))
            o.return_rate = -0.1;
        else if (!strcmp(n, "b"))
            o.b = NAN;
        else if (!strcmp(n, "campaign_tests"))
            o.campaign_tests = 13;
        else if (!strcmp(n, "campaign_reach"))
            o.campaign_reach = 0;
        else if (!strcmp(n, "campaign_control"))
            o.campaign_control = 1;
        else if (!strcmp(n, "campaign_tests: at most")) {
            o.days = 30;
            o.campaign_tests = 12;
        }
        sg_error err;
        sg_error_clear(&err);
        int rc = sg_generate(&o, NULL, &err);
        tap_ok(rc == cases[i].code && err.code == rc && strstr(err.msg, n) != NULL,
               "bad %s refused with a message naming it: %s", n, err.msg);
    }
    tap_ok(!file_exists(base, "never"), "refused options create nothing");
}

static int generate(const char *dir, uint64_t seed, sg_gen_result *res)
{
    sg_gen_options o;
    sg_gen_options_init(&o);
    o.customers = 2000;
    o.seed = seed;
    o.r = 1.1;
    o.out_dir = dir;
    sg_error err;
    sg_error_clear(&err);
    int rc = sg_generate(&o, res, &err);
    if (rc)
        tap_diag("sg_generate: %s", err.msg);
    return rc;
}

static void check_statistics(const char *base)
{
    /* lambda ~ Gamma(r, rate alpha) has mean r/alpha and relative sd
     * 1/sqrt(r) ~ 1.05, so the mean of n = 20000 draws has a relative
     * standard error of ~0.75%; p ~ Beta(a, b) has mean a/(a+b) and relative
     * sd ~0.93 (se ~0.66%); nu ~ Gamma(q, rate gamma) has relative sd
     * 1/sqrt(q) ~ 0.53 (se ~0.4%).  A 5% tolerance is 6-7 standard errors
     * (and the seed is fixed, so the test is deterministic). */
    char dir[256];
    snprintf(dir, sizeof dir, "%s/stats", base);
    sg_gen_options o;
    sg_gen_options_init(&o);
    o.customers = 20000;
    o.days = 1825;
    o.seed = 2024;
    o.out_dir = dir;
    sg_gen_result res;
    sg_error err;
    int rc = sg_generate(&o, &res, &err);
    tap_is_int(rc, SG_OK, "20000 customers over 5 years");
    char *ct = slurp(dir, "customers_truth.csv", NULL);
    double sl = 0, sp = 0, sn = 0;
    long n = 0;
    const char *p = ct ? strchr(ct, '\n') + 1 : "";
    while (*p) {
        double l, pp, nu;
        if (sscanf(p, "C%*d,%lf,%lf,%lf,", &l, &pp, &nu) == 3) {
            sl += l;
            sp += pp;
            sn += nu;
            n++;
        }
        p = strchr(p, '\n') + 1;
    }
    tap_is_int(n, 20000, "customers_truth.csv has one row per customer");
    double want_l = o.r / o.alpha, want_p = o.a / (o.a + o.b), want_nu = o.gg_q / o.gg_gamma;
    tap_is_double(sl / n, want_l, 0.05 * want_l, "mean lambda within 5% of r/alpha");
    tap_is_double(sp / n, want_p, 0.05 * want_p, "mean p within 5% of a/(a+b)");
    tap_is_double(sn / n, want_nu, 0.05 * want_nu, "mean nu within 5% of q/gamma");
    tap_diag("mean lambda %.5f (want %.5f), mean p %.4f (want %.4f), rows %llu", sl / n, want_l,
             sp / n, want_p, (unsigned long long)res.transaction_rows);
    free(ct);
    rm_dir(dir);
}

int main(void)
{
    gsl_set_error_handler_off();   /* as the host does once: GSL errors come back as status codes */
    char base[] = "/tmp/sg_gen_test_XXXXXX";
    if (!mkdtemp(base)) {
        tap_ok(0, "mkdtemp: %s", strerror(errno));
        return tap_done();
    }
    size_t mem0 = sg_mem_used();
    char d1[256], d1p[256], d2[256], d3[256];
    snprintf(d1p, sizeof d1p, "%s/nested", base);
    snprintf(d1, sizeof d1, "%s/nested/a", base);
    snprintf(d2, sizeof d2, "%s/b", base);
    snprintf(d3, sizeof d3, "%s/c", base);

    sg_gen_result r1, r2, r3;
    tap_is_int(generate(d1, 7, &r1), SG_OK, "generate into a missing nested directory");
    tap_is_int((long long)sg_mem_used(), (long long)mem0, "no accounted memory left behind");
    for (size_t i = 0; i < NFILES; i++)
        tap_ok(file_exists(d1, files[i]), "%s exists", files[i]);
    char tmpname[64];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", files[2]);
    tap_ok(!file_exists(d1, tmpname), "no temporary file left");

    char *cust = slurp(d1, "customers.csv", NULL), *prod = slurp(d1, "products.csv", NULL);
    char *tx = slurp(d1, "transactions.csv", NULL), *camp = slurp(d1, "campaign_history.csv", NULL);
    char *ct = slurp(d1, "customers_truth.csv", NULL);
    tap_ok(header_is(cust, "customer_id,signup_date,country,age_band,channel"),
           "customers.csv header");
    tap_ok(header_is(prod, "product_id,name,category,price"), "products.csv header");
    tap_ok(header_is(tx, "invoice,date,customer_id,product_id,quantity,price"),
           "transactions.csv header");
    tap_ok(header_is(camp, "campaign,channel,target_segment,date,impressions,clicks,conversions,"
                           "spend,revenue"),
           "campaign_history.csv header");
    tap_ok(header_is(ct, "customer_id,lambda,p,nu,alive_at_end,purchases"),
           "customers_truth.csv header");
    tap_is_int((long long)r1.customers, 2000, "res.customers");
    tap_is_int((long long)r1.products, 500, "res.products (default)");
    /* 2023-01 .. 2024-12: 24 months, two campaigns each */
    tap_is_int((long long)r1.campaigns, 48, "res.campaigns: two per month over 24 months");
    tap_is_int(cust ? (long long)count_lines(cust) - 1 : -1, 2000, "customers.csv rows");
    tap_is_int(prod ? (long long)count_lines(prod) - 1 : -1, 500, "products.csv rows");
    tap_is_int(ct ? (long long)count_lines(ct) - 1 : -1, 2000, "customers_truth.csv rows");
    tap_is_int(camp ? (long long)count_lines(camp) - 1 : -1, 48, "campaign_history.csv rows");
    tap_ok(!file_exists(d1, "campaigns.csv"), "no campaigns.csv any more (renamed campaign_history.csv)");
    tap_is_int(tx ? (long long)count_lines(tx) - 1 : -1, (long long)r1.transaction_rows,
               "transactions.csv rows = res.transaction_rows");
    tap_ok(r1.invoices > 2000 && r1.transaction_rows > r1.invoices,
           "at least one invoice per customer (%llu), more lines than invoices (%llu)",
           (unsigned long long)r1.invoices, (unsigned long long)r1.transaction_rows);
    tap_ok(cust && strncmp(strchr(cust, '\n') + 1, "C000001,", 8) == 0, "first customer C000001");
    tap_ok(cust && strstr(cust, "\nC002000,") != NULL, "last customer C002000");
    tap_ok(cust && strstr(cust, ",United Kingdom,") != NULL, "countries are written");

    uint64_t cancels = 0, returns = 0;
    if (tx && prod)
        check_transactions(tx, &r1, prod, &cancels, &returns);
    else
        tap_ok(0, "transactions.csv and products.csv readable");
    check_truth(d1, &r1, cancels, returns);
    check_tests(d1, &r1);

    progress_calls = 0;
    sg_gen_options o;
    sg_gen_options_init(&o);
    o.customers = 2000;
    o.seed = 7;
    o.r = 1.1;
    o.out_dir = d2;
    o.progress = on_progress;
    sg_error err;
    tap_is_int(sg_generate(&o, &r2, &err), SG_OK, "same options again (with a progress callback)");
    tap_ok(progress_calls > 100 && progress_last_done == 730 && progress_last_total == 730,
           "progress reported by day (%llu calls, last %llu/%llu)",
           (unsigned long long)progress_calls, (unsigned long long)progress_last_done,
           (unsigned long long)progress_last_total);
    for (size_t i = 0; i < NFILES; i++)
        tap_ok(same_files(d1, d2, files[i]), "same seed: %s byte-identical", files[i]);
    tap_ok(memcmp(&r1, &r2, sizeof r1) == 0, "same seed: same counts");

    tap_is_int(generate(d3, 8, &r3), SG_OK, "another seed");
    tap_ok(!same_files(d1, d3, "transactions.csv"), "another seed: transactions differ");
    tap_ok(!same_files(d1, d3, "customers.csv"), "another seed: customers differ");
    tap_ok(!same_files(d1, d3, "products.csv"), "another seed: products differ");

    /* an out_dir below a regular file cannot be created: SG_EIO */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/customers.csv/sub", d1);
    o.out_dir = bad;
    o.progress = NULL;
    tap_is_int(sg_generate(&o, &r2, &err), SG_EIO, "out_dir under a file: SG_EIO");
    tap_ok(strstr(err.msg, "out_dir") != NULL, "the I/O error names out_dir: %s", err.msg);

    /* a memory cap that fails midway (the third 1 MiB write buffer):
     * SG_ENOMEM, and the temporaries already created are removed */
    char capped[512];
    snprintf(capped, sizeof capped, "%s/capped", base);
    o.out_dir = capped;
    sg_mem_set_limit(sg_mem_used() + (size_t)5 * (1 << 19));
    int crc = sg_generate(&o, &r2, &err);
    sg_mem_set_limit(0);
    tap_is_int(crc, SG_ENOMEM, "memory limit reached: SG_ENOMEM");
    int leftovers = 0;
    for (size_t i = 0; i < NFILES; i++) {
        char t[80];
        snprintf(t, sizeof t, "%s.tmp", files[i]);
        leftovers += file_exists(capped, files[i]) + file_exists(capped, t);
    }
    tap_is_int(leftovers, 0, "memory limit reached: no file or temporary left");
    tap_is_int((long long)r2.transaction_rows, 0, "memory limit reached: res zeroed");
    rmdir(capped);

    check_invalid(base);
    check_statistics(base);
    tap_is_int((long long)sg_mem_used(), (long long)mem0, "no accounted memory left at the end");

    free(cust);
    free(prod);
    free(tx);
    free(camp);
    free(ct);
    rm_dir(d1);
    rmdir(d1p);
    rm_dir(d2);
    rm_dir(d3);
    tap_ok(rmdir(base) == 0, "temporary directory removed");
    return tap_done();
}
