/* The generator's static world: the product catalogue (names composed from
 * per-category word lists, lognormal prices), the customer population
 * (signup date, country, age band, channel and the hidden BG/NBD,
 * Gamma-Gamma and category-preference draws) and the marketing campaigns. */
#include "generate_internal.h"

#include <math.h>

#include <gsl/gsl_randist.h>

#include "mem.h"

const char *const sg_gen_category_names[SG_GEN_NCAT] = {
    "Home", "Kitchen", "Garden", "Toys", "Stationery", "Fashion", "Beauty", "Electronics",
};

/* Per category: 8 materials/adjectives x 8 nouns x 8 variants = 512 names. */
static const char *const words_a[SG_GEN_NCAT][8] = {
    { "Linen", "Velvet", "Rattan", "Woven", "Scented", "Vintage", "Oak", "Marble" },
    { "Ceramic", "Enamel", "Bamboo", "Cast Iron", "Glass", "Copper", "Stoneware", "Steel" },
    { "Terracotta", "Galvanised", "Solar", "Cedar", "Wicker", "Hanging", "Rustic", "Folding" },
    { "Wooden", "Plush", "Magnetic", "Musical", "Wind-Up", "Giant", "Pocket", "Retro" },
    { "Kraft", "Leather", "Recycled", "Spiral", "Pastel", "Dotted", "Pocket", "Vintage" },
    { "Cotton", "Wool", "Knitted", "Denim", "Silk", "Striped", "Quilted", "Classic" },
    { "Organic", "Herbal", "Rose", "Lavender", "Charcoal", "Citrus", "Vanilla", "Aloe" },
    { "Wireless", "Portable", "Smart", "Compact", "Rechargeable", "Bluetooth", "USB-C", "LED" },
};
static const char *const words_b[SG_GEN_NCAT][8] = {
    { "Cushion", "Throw", "Candle", "Vase", "Photo Frame", "Lantern", "Basket", "Clock" },
    { "Mug", "Teapot", "Bowl", "Skillet", "Cake Tin", "Jar", "Chopping Board", "Tumbler" },
    { "Planter", "Watering Can", "Bird Feeder", "Trowel", "Lantern", "Bench Cushion",
      "Wind Chime", "Seed Tray" },
    { "Train Set", "Puzzle", "Teddy Bear", "Kite", "Building Blocks", "Doll", "Race Car",
      "Spinning Top" },
    { "Notebook", "Pen Set", "Planner", "Sticky Notes", "Pencil Case", "Sketchbook",
      "Envelope Pack", "Washi Tape" },
    { "Scarf", "Tote Bag", "Beanie", "Socks", "Gloves", "Cardigan", "Umbrella", "Belt" },
    { "Hand Cream", "Soap Bar", "Lip Balm", "Face Mask", "Body Lotion", "Bath Salts",
      "Shampoo", "Perfume" },
    { "Speaker", "Headphones", "Power Bank", "Charger", "Desk Lamp", "Keyboard", "Mouse",
      "Alarm Clock" },
};
static const char *const words_c[8] = {
    "Blue", "Red", "Green", "Ivory", "Black", "Pink", "Grey", "Set of 2",
};
/* Lognormal prices: median and log-sd per category. */
static const double price_median[SG_GEN_NCAT] = { 12, 9, 15, 10, 4, 25, 11, 45 };
static const double price_sigma[SG_GEN_NCAT] = { 0.6, 0.6, 0.7, 0.6, 0.5, 0.6, 0.5, 0.8 };

int sg_gen_catalog_build(sg_gen_catalog *cat, int products, gsl_rng *rng, sg_error *err)
{
    memset(cat, 0, sizeof *cat);
    size_t n = (size_t)products;
    cat->n = products;
    cat->price_cents = sg_malloc(n * sizeof *cat->price_cents);
    cat->category = sg_malloc(n);
    cat->by_cat = sg_malloc(n * sizeof *cat->by_cat);
    if (!cat->price_cents || !cat->category || !cat->by_cat) {
        sg_gen_catalog_free(cat);
        return sg_error_nomem(err);
    }
    /* each category walks its 512 name combinations with an odd stride
     * from a random offset, so names within a category do not repeat */
    for (int c = 0; c < SG_GEN_NCAT; c++) {
        cat->name_offset[c] = (unsigned)gsl_rng_uniform_int(rng, 512);
        cat->name_stride[c] = 2 * (unsigned)gsl_rng_uniform_int(rng, 128) + 129;
    }
    int count[SG_GEN_NCAT] = { 0 };
    for (int i = 0; i < products; i++) {
        int c = i % SG_GEN_NCAT;   /* round robin: every category gets products */
        double price = gsl_ran_lognormal(rng, log(price_median[c]), price_sigma[c]);
        int64_t cents = (int64_t)llround(price * 100.0);
        if (cents < 49)
            cents = 49;
        if (cents > 500000)
            cents = 500000;
        cat->price_cents[i] = cents;
        cat->category[i] = (uint8_t)c;
        count[c]++;
    }
    cat->cat_start[0] = 0;
    for (int c = 0; c < SG_GEN_NCAT; c++)
        cat->cat_start[c + 1] = cat->cat_start[c] + count[c];
    int fill[SG_GEN_NCAT];
    memcpy(fill, cat->cat_start, sizeof fill);
    for (int i = 0; i < products; i++)
        cat->by_cat[fill[cat->category[i]]++] = i;
    return SG_OK;
}

void sg_gen_catalog_write(const sg_gen_catalog *cat, sg_gen_out *w)
{
    sg_gen_put_str(w, "product_id,name,category,price\n");
    for (int i = 0; i < cat->n; i++) {
        int c = cat->category[i];
        unsigned k = (unsigned)(i / SG_GEN_NCAT);   /* rank within its category */
        unsigned combo = (cat->name_offset[c] + k * cat->name_stride[c]) % 512;
        char name[160];
        int len = snprintf(name, sizeof name, "%s %s %s", words_a[c][combo / 64],
                           words_b[c][combo / 8 % 8], words_c[combo % 8]);
        if (k >= 512 && len > 0 && (size_t)len < sizeof name)
            snprintf(name + len, sizeof name - (size_t)len, " Mk%u", k / 512 + 1);
        sg_gen_put_char(w, 'P');
        sg_gen_put_u64w(w, (uint64_t)i + 1, 4);
        sg_gen_put_char(w, ',');
        sg_gen_put_field(w, name);
        sg_gen_put_char(w, ',');
        sg_gen_put_field(w, sg_gen_category_names[c]);
        sg_gen_put_char(w, ',');
        sg_gen_put_cents(w, cat->price_cents[i]);
        sg_gen_put_char(w, '\n');
    }
}

void sg_gen_catalog_free(sg_gen_catalog *cat)
{
    if (!cat)
        return;
    sg_free(cat->price_cents);
    sg_free(cat->category);
    sg_free(cat->by_cat);
    cat->price_cents = NULL;
    cat->category = NULL;
    cat->by_cat = NULL;
}

/* ---- customers ---- */

static const char *const countries[] = {
    "United Kingdom", "Germany", "France", "Ireland", "Spain", "Netherlands",
    "Belgium", "Italy", "United States", "Australia", "Sweden", "Portugal",
};
static const double country_w[] = { 0.55, 0.08, 0.08, 0.05, 0.04, 0.04,
                                     0.03, 0.03, 0.03, 0.02, 0.02, 0.03 };
static const char *const age_bands[] = { "18-24", "25-34", "35-44", "45-54", "55-64", "65+" };
static const double age_w[] = { 0.12, 0.22, 0.22, 0.18, 0.14, 0.12 };
static const char *const channels[] = { "web", "store", "app", "marketplace", "referral" };
static const double channel_w[] = { 0.45, 0.20, 0.18, 0.10, 0.07 };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t pick(gsl_rng *rng, const double *w, size_t n)
{
    double u = gsl_rng_uniform(rng), acc = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        acc += w[i];
        if (u < acc)
            return (uint8_t)i;
    }
    return (uint8_t)(n - 1);
}

int sg_gen_customers_build(sg_gen_customer **out, const sg_gen_options *o, gsl_rng *rng,
                           sg_error *err)
{
    *out = NULL;
    sg_gen_customer *cu = sg_calloc((size_t)o->customers, sizeof *cu);
    if (!cu)
        return sg_error_nomem(err);
    const double dir_alpha[SG_GEN_NCAT] = { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 };
    double theta[SG_GEN_NCAT];
    double signup_span = 0.8 * o->days;
    for (uint64_t i = 0; i < o->customers; i++) {
        sg_gen_customer *c = &cu[i];
        c->signup_day = (int32_t)floor(gsl_rng_uniform(rng) * signup_span);
        c->t_first = c->signup_day + gsl_rng_uniform(rng);
        c->country = pick(rng, country_w, COUNT(country_w));
        c->age = pick(rng, age_w, COUNT(age_w));
        c->channel = pick(rng, channel_w, COUNT(channel_w));
        /* GSL's gamma takes a scale: rate alpha means scale 1/alpha */
        c->lambda = gsl_ran_gamma(rng, o->r, 1.0 / o->alpha);
        c->p = gsl_ran_beta(rng, o->a, o->b);
        c->nu = gsl_ran_gamma(rng, o->gg_q, 1.0 / o->gg_gamma);
        gsl_ran_dirichlet(rng, SG_GEN_NCAT, dir_alpha, theta);
        double acc = 0;
        for (int k = 0; k < SG_GEN_NCAT; k++) {
            acc += theta[k];
            c->pref[k] = (float)acc;
        }
        if (!(acc > 0))   /* every weight underflowed: fall back to uniform */
            for (int k = 0; k < SG_GEN_NCAT; k++)
                c->pref[k] = (float)(k + 1);
        c->alive = 1;
        c->t_last = c->t_first;
        c->t_next = INFINITY;
    }
    *out = cu;
    return SG_OK;
}

void sg_gen_put_customer_id(sg_gen_out *w, uint64_t index)
{
    sg_gen_put_char(w, 'C');
    sg_gen_put_u64w(w, index + 1, 6);
}

void sg_gen_customers_write(const sg_gen_customer *cu, uint64_t n, int64_t start_day,
                            sg_gen_out *w)
{
    sg_gen_put_str(w, "customer_id,signup_date,country,age_band,channel\n");
    for (uint64_t i = 0; i < n; i++) {
        sg_gen_put_customer_id(w, i);
        sg_gen_put_char(w, ',');
        sg_gen_put_date(w, start_day + cu[i].signup_day);
        sg_gen_put_char(w, ',');
        sg_gen_put_field(w, countries[cu[i].country]);
        sg_gen_put_char(w, ',');
        sg_gen_put_str(w, age_bands[cu[i].age]);
        sg_gen_put_char(w, ',');
        sg_gen_put_str(w, channels[cu[i].channel]);
        sg_gen_put_char(w, '\n');
    }
}

void sg_gen_customers_truth_write(const sg_gen_customer *cu, uint64_t n, sg_gen_out *w)
{
    sg_gen_put_str(w, "customer_id,lambda,p,nu,alive_at_end,purchases\n");
    for (uint64_t i = 0; i < n; i++) {
        sg_gen_put_customer_id(w, i);
        sg_gen_put_char(w, ',');
        sg_gen_put_double(w, cu[i].lambda);
        sg_gen_put_char(w, ',');
        sg_gen_put_double(w, cu[i].p);
        sg_gen_put_char(w, ',');
        sg_gen_put_double(w, cu[i].nu);
        sg_gen_put_char(w, ',');
        sg_gen_put_char(w, cu[i].alive ? '1' : '0');
        sg_gen_put_char(w, ',');
        sg_gen_put_u64(w, cu[i].purchases);
        sg_gen_put_char(w, '\n');
    }
}

/* ---- campaigns: two per calendar month touching the period ---- */

static const char *const themes[12][2] = {
    { "New Year Sale", "Winter Warmers" },   { "Valentine Picks", "Cosy Nights" },
    { "Spring Refresh", "Mother's Day" },    { "Easter Treats", "Garden Ready" },
    { "May Days", "Outdoor Living" },        { "Summer Launch", "Father's Day" },
    { "Summer Sale", "Holiday Essentials" }, { "Back to School", "Late Summer" },
    { "Autumn Edit", "Home Comforts" },      { "Halloween", "Cosy Autumn" },
    { "Black Friday", "Gift Guide" },        { "Christmas Countdown", "Last Minute Gifts" },
};
static const char *const camp_channels[] = { "email", "sms", "social", "display", "search" };
static const char *const segments[] = { "Champions",  "Loyal Customers", "At Risk",
                                        "New Customers", "Hibernating", "All" };
/* per channel: median impressions, click-through Beta(a,b), cost per impression */
static const double imp_median[] = { 20000, 8000, 60000, 150000, 30000 };
static const double ctr_a[] = { 3, 5, 2, 1.5, 3 }, ctr_b[] = { 97, 95, 198, 498, 97 };
static const double cpi[] = { 0.002, 0.012, 0.006, 0.003, 0.025 };

uint64_t sg_gen_campaigns_write(const sg_gen_options *o, int64_t start_day, double mean_basket,
                                gsl_rng *rng, sg_gen_out *w)
{
    sg_gen_put_str(w, "campaign,channel,target_segment,date,impressions,clicks,conversions,"
                      "spend,revenue\n");
    int64_t end_day = start_day + o->days - 1, count = 0;
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(start_day, &y, &m, &d);
    for (;;) {
        int64_t first = sg_days_from_civil(y, m, 1);
        int64_t next = m == 12 ? sg_days_from_civil(y + 1, 1, 1) : sg_days_from_civil(y, m + 1, 1);
        if (first > end_day)
            break;
        int64_t lo = first < start_day ? start_day : first;
        int64_t hi = next - 1 > end_day ? end_day : next - 1;
        int64_t day[2];
        for (int k = 0; k < 2; k++)
            day[k] = lo + (int64_t)gsl_rng_uniform_int(rng, (unsigned long)(hi - lo + 1));
        int order0 = day[1] < day[0];   /* write the month's two campaigns in date order */
        for (int j = 0; j < 2; j++) {
            int k = j ^ order0;
            size_t ch = gsl_rng_uniform_int(rng, COUNT(camp_channels));
            size_t seg = gsl_rng_uniform_int(rng, COUNT(segments));
            double imp_d = gsl_ran_lognormal(rng, log(imp_median[ch]), 0.7);
            if (imp_d < 100)
                imp_d = 100;
            if (imp_d > 5e7)
                imp_d = 5e7;
            unsigned imp = (unsigned)llround(imp_d);
            double ctr = gsl_ran_beta(rng, ctr_a[ch], ctr_b[ch]);
            unsigned clicks = gsl_ran_binomial(rng, ctr, imp);
            double cvr = gsl_ran_beta(rng, 2, 60);
            unsigned conv = gsl_ran_binomial(rng, cvr, clicks);
            double cost = cpi[ch] * gsl_ran_lognormal(rng, 0, 0.2);
            int64_t spend = llround(cost * imp * 100.0);
            int64_t revenue = llround(conv * mean_basket * gsl_ran_lognormal(rng, 0, 0.25) * 100.0);
            char name[96];
            int64_t cy;
            unsigned cm, cd;
            sg_civil_from_days(day[k], &cy, &cm, &cd);
            snprintf(name, sizeof name, "%s %04d-%02u", themes[m - 1][k], (int)cy, cm);
            sg_gen_put_field(w, name);
            sg_gen_put_char(w, ',');
            sg_gen_put_str(w, camp_channels[ch]);
            sg_gen_put_char(w, ',');
            sg_gen_put_field(w, segments[seg]);
            sg_gen_put_char(w, ',');
            sg_gen_put_date(w, day[k]);
            sg_gen_put_char(w, ',');
            sg_gen_put_u64(w, imp);
            sg_gen_put_char(w, ',');
            sg_gen_put_u64(w, clicks);
            sg_gen_put_char(w, ',');
            sg_gen_put_u64(w, conv);
            sg_gen_put_char(w, ',');
            sg_gen_put_cents(w, spend);
            sg_gen_put_char(w, ',');
            sg_gen_put_cents(w, revenue);
            sg_gen_put_char(w, '\n');
            count++;
        }
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    return (uint64_t)count;
}
