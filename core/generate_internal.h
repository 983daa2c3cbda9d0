/* Private pieces of the synthetic data generator (core/generate*.c):
 * a buffered CSV writer with fast number and date formatting, the product
 * catalogue, the customer population and the date-ordered simulation.
 * Not part of the public API: include generate.h instead. */
#ifndef SG_GENERATE_INTERNAL_H
#define SG_GENERATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "datetime.h"
#include "generate.h"

#define SG_GEN_NCAT 8               /* product categories */
#define SG_GEN_OUTBUF (1u << 20)    /* write buffer per output file */
#define SG_GEN_MAX_CUSTOMERS 100000000u
#define SG_GEN_MAX_PRODUCTS 1000000
#define SG_GEN_MAX_DAYS 36500
#define SG_GEN_MAX_LINES 6          /* lines per invoice */

/* ---- buffered output file, written as <name>.tmp then renamed ---- */
typedef struct sg_gen_out {
    FILE *f;
    char *tmp_path, *final_path;
    char *buf;              /* SG_GEN_OUTBUF bytes */
    size_t len;
    int io_failed;          /* a write failed: reported at close */
    int64_t cached_day;     /* day whose "YYYY-MM-DD" text is in day_text */
    char day_text[16];
} sg_gen_out;

/* Opens dir/name.tmp for writing.  On failure w is left closed and free. */
int sg_gen_out_open(sg_gen_out *w, const char *dir, const char *name, sg_error *err);
void sg_gen_out_flush(sg_gen_out *w);
/* Flushes and closes; reports any write error.  Paths are kept. */
int sg_gen_out_close(sg_gen_out *w, sg_error *err);
/* Renames the closed temporary to its final name. */
int sg_gen_out_commit(sg_gen_out *w, sg_error *err);
/* Closes if open, removes the temporary if present, frees the paths. */
void sg_gen_out_discard(sg_gen_out *w);
/* Frees the paths and buffer only (after a commit). */
void sg_gen_out_free(sg_gen_out *w);
int sg_gen_mkdir_p(const char *dir, sg_error *err);

/* Makes room for n more bytes (n well below SG_GEN_OUTBUF). */
static inline void sg_gen_reserve(sg_gen_out *w, size_t n)
{
    if (w->len + n > SG_GEN_OUTBUF)
        sg_gen_out_flush(w);
}

static inline void sg_gen_put_char(sg_gen_out *w, char c)
{
    sg_gen_reserve(w, 1);
    w->buf[w->len++] = c;
}

static inline void sg_gen_put_mem(sg_gen_out *w, const char *s, size_t n)
{
    sg_gen_reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void sg_gen_put_str(sg_gen_out *w, const char *s)
{
    sg_gen_put_mem(w, s, strlen(s));
}

/* Unsigned decimal, left-padded with zeros to at least `width` digits. */
static inline void sg_gen_put_u64w(sg_gen_out *w, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width && n < 20)
        tmp[n++] = '0';
    sg_gen_reserve(w, (size_t)n);
    while (n)
        w->buf[w->len++] = tmp[--n];
}

static inline void sg_gen_put_u64(sg_gen_out *w, uint64_t v)
{
    sg_gen_put_u64w(w, v, 1);
}

static inline void sg_gen_put_i64(sg_gen_out *w, int64_t v)
{
    if (v < 0) {
        sg_gen_put_char(w, '-');
        sg_gen_put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        sg_gen_put_u64(w, (uint64_t)v);
    }
}

/* Money held as integer cents, written "12.34" / "-0.50". */
static inline void sg_gen_put_cents(sg_gen_out *w, int64_t cents)
{
    uint64_t a;
    if (cents < 0) {
        sg_gen_put_char(w, '-');
        a = (uint64_t)0 - (uint64_t)cents;
    } else {
        a = (uint64_t)cents;
    }
    sg_gen_put_u64(w, a / 100);
    sg_gen_put_char(w, '.');
    sg_gen_put_u64w(w, a % 100, 2);
}

void sg_gen_put_field(sg_gen_out *w, const char *s);      /* CSV-quoted when needed */
void sg_gen_put_double(sg_gen_out *w, double x);          /* "%.9g", '.' decimal point */
void sg_gen_put_date(sg_gen_out *w, int64_t day);         /* YYYY-MM-DD of a day count */
void sg_gen_put_datetime(sg_gen_out *w, int64_t t);       /* YYYY-MM-DD HH:MM:SS */

/* ---- product catalogue ---- */
extern const char *const sg_gen_category_names[SG_GEN_NCAT];

typedef struct sg_gen_catalog {
    int n;
    int64_t *price_cents;           /* per product */
    uint8_t *category;              /* per product */
    int *by_cat;                    /* product indices grouped by category */
    int cat_start[SG_GEN_NCAT + 1]; /* by_cat[cat_start[c] .. cat_start[c+1]) */
    unsigned name_offset[SG_GEN_NCAT], name_stride[SG_GEN_NCAT];
} sg_gen_catalog;

int sg_gen_catalog_build(sg_gen_catalog *cat, int products, gsl_rng *rng, sg_error *err);
void sg_gen_catalog_write(const sg_gen_catalog *cat, sg_gen_out *w);
void sg_gen_catalog_free(sg_gen_catalog *cat);

/* ---- customers ---- */
typedef struct sg_gen_customer {
    double lambda, p, nu;           /* the hidden BG/NBD and Gamma-Gamma parameters */
    double t_first;                 /* first purchase, days since the start */
    double t_last;                  /* last purchase so far (campaign purchases included) */
    double t_next;                  /* next purchase of the BG/NBD process (INFINITY: none) */
    float pref[SG_GEN_NCAT];        /* cumulative category preference */
    uint32_t purchases;
    int32_t signup_day;             /* days since the start */
    uint8_t country, age, channel, alive;
} sg_gen_customer;

/* Draws every customer (in id order) and sorts nothing. */
int sg_gen_customers_build(sg_gen_customer **out, const sg_gen_options *o, gsl_rng *rng,
                           sg_error *err);
void sg_gen_put_customer_id(sg_gen_out *w, uint64_t index);
void sg_gen_customers_write(const sg_gen_customer *cu, uint64_t n, int64_t start_day,
                            sg_gen_out *w);
void sg_gen_customers_truth_write(const sg_gen_customer *cu, uint64_t n, sg_gen_out *w);

/* ---- campaign history (campaign_history.csv) ---- */
uint64_t sg_gen_campaigns_write(const sg_gen_options *o, int64_t start_day, double mean_basket,
                                gsl_rng *rng, sg_gen_out *w);

/* ---- campaign tests: treatment and control groups with a known uplift ----
 * At each test's start day, every customer whose first purchase is before
 * it joins with probability campaign_reach, in the control group with
 * probability campaign_control.  Segment by days since the last purchase;
 * a treated customer whose BG/NBD process brings no purchase in the window
 * makes one extra purchase in it with probability sg_gen_test_uplift[seg]. */
#define SG_GEN_MAX_TESTS 12
#define SG_GEN_NSEG 3
extern const char *const sg_gen_test_segments[SG_GEN_NSEG];
extern const char *const sg_gen_test_segment_rules[SG_GEN_NSEG];
extern const double sg_gen_test_uplift[SG_GEN_NSEG];

typedef struct sg_gen_test {
    int32_t day;                          /* start, days since the period start */
    uint64_t n[SG_GEN_NSEG][2];           /* customers by segment and group (0 treatment, 1 control) */
    uint64_t natural[SG_GEN_NSEG][2];     /* of whom buy in the window without the campaign */
    uint64_t effect[SG_GEN_NSEG][2];      /* of whom the campaign makes buy: not natural and the
                                           * uplift draw came up (drawn for both groups, acted on
                                           * for the treatment group only) */
} sg_gen_test;

typedef struct sg_gen_tests {
    int count;
    int window;                           /* days */
    sg_gen_test t[SG_GEN_MAX_TESTS];
} sg_gen_tests;

/* The test schedule for the options: start days and window; SG_EINVAL
 * when they do not fit in the period. */
int sg_gen_tests_plan(const sg_gen_options *o, sg_gen_tests *tests, sg_error *err);

/* ---- the simulation: transactions.csv in date order ---- */
typedef struct sg_gen_stats {
    uint64_t invoices;          /* sales invoices */
    uint64_t rows;              /* transaction lines, all kinds */
    uint64_t cancellations;     /* cancellation invoices ("C...") */
    uint64_t returns;           /* returned lines ("R..." invoices) */
    uint64_t alive_at_end;
    int64_t sales_cents;        /* total of the sales invoices */
    uint64_t campaign_purchases;   /* extra purchases made because of a campaign test */
    uint64_t assignments;          /* rows of campaign_assignments.csv */
} sg_gen_stats;

/* Writes transactions.csv to w and the test assignments to assign (crng
 * draws the test groups and the extra purchases, so the BG/NBD process
 * draws from rng exactly as without tests). */
int sg_gen_simulate(const sg_gen_options *o, int64_t start_day, const sg_gen_catalog *cat,
                    sg_gen_customer *cu, gsl_rng *rng, gsl_rng *crng, sg_gen_tests *tests,
                    sg_gen_out *w, sg_gen_out *assign, sg_gen_stats *st, sg_error *err);

#endif
