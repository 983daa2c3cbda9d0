/* The date-ordered simulation behind transactions.csv.
 *
 * Three sources of events are merged by time (days since the start, a
 * double):
 *   1. first purchases: customers sorted by their first purchase time
 *      (signup day + a uniform fraction of that day), activated as the
 *      clock passes them;
 *   2. repeat purchases: a binary min-heap of (next purchase time, customer)
 *      over the customers who are alive and have signed up;
 *   3. pending cancellations, returns and campaign purchases: a small
 *      min-heap of future events created by earlier invoices and by the
 *      campaign tests;
 *   4. the campaign tests' start days (sg_gen_tests), which assign groups
 *      before any event of that day.
 * The earliest event is taken each time, so rows come out in date order
 * while memory stays proportional to customers (plus the few pending
 * events), never to rows.  Simulation time maps monotonically onto the
 * business hours 08:00-20:00 of each day, so order in time is order in the
 * written timestamps. */
#include "generate_internal.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "mem.h"

typedef struct heap_ent {
    double t;
    uint32_t idx;
} heap_ent;

typedef struct pend_ev {
    double t;
    uint64_t seq;           /* creation order: breaks ties deterministically */
    uint32_t cust;
    char kind;              /* 'C' cancellation, 'R' return, 'P' campaign purchase */
    uint8_t nlines;
    int32_t prod[SG_GEN_MAX_LINES];
    int32_t qty[SG_GEN_MAX_LINES];
} pend_ev;

typedef struct sim {
    const sg_gen_options *o;
    const sg_gen_catalog *cat;
    sg_gen_customer *cu;
    gsl_rng *rng;           /* the BG/NBD process and its baskets */
    gsl_rng *crng;          /* campaign tests: groups, uplift draws, extra purchases */
    sg_gen_out *w;
    sg_gen_out *assign;     /* campaign_assignments.csv */
    sg_gen_tests *tests;
    sg_gen_stats *st;
    int64_t start_day;
    uint64_t next_no;       /* the next invoice number, shared by all kinds */
    heap_ent *heap;         /* repeat purchases */
    size_t hn;
    pend_ev *pend;          /* cancellations and returns */
    size_t pn, pcap;
    uint64_t pseq;
    int nomem;
} sim;

static int ent_less(const heap_ent *a, const heap_ent *b)
{
    return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

static int ent_cmp(const void *pa, const void *pb)
{
    const heap_ent *a = pa, *b = pb;
    return ent_less(a, b) ? -1 : ent_less(b, a) ? 1 : 0;
}

static void heap_sift_down(heap_ent *h, size_t n, size_t i)
{
    heap_ent x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ent_less(&h[c + 1], &h[c]))
            c++;
        if (!ent_less(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void heap_push(heap_ent *h, size_t *n, heap_ent x)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ent_less(&x, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

static int pend_less(const pend_ev *a, const pend_ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void pend_push(sim *s, const pend_ev *ev)
{
    if (s->pn == s->pcap) {
        size_t cap = s->pcap ? 2 * s->pcap : 256;
        pend_ev *p = sg_realloc(s->pend, cap * sizeof *p);
        if (!p) {
            s->nomem = 1;
            return;
        }
        s->pend = p;
        s->pcap = cap;
    }
    size_t i = s->pn++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pend_less(ev, &s->pend[parent]))
            break;
        s->pend[i] = s->pend[parent];
        i = parent;
    }
    s->pend[i] = *ev;
}

static void pend_pop(sim *s)
{
    pend_ev *h = s->pend;
    size_t n = --s->pn, i = 0;
    if (n == 0)
        return;
    pend_ev x = h[n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pend_less(&h[c + 1], &h[c]))
            c++;
        if (!pend_less(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/* Seconds since 1970 of simulation time t: day floor(t), and the fraction
 * of the day spread over 08:00:00-19:59:59. */
static int64_t stamp_of(int64_t start_day, double t)
{
    double day = floor(t);
    int64_t secs = (int64_t)((t - day) * 43200.0);
    if (secs > 43199)
        secs = 43199;
    return (start_day + (int64_t)day) * 86400 + 8 * 3600 + secs;
}

/* "500123,2024-03-05 14:22:10,C000042," (kind 0 for a sale) into buf. */
static size_t row_prefix(sim *s, char kind, uint32_t cust, double t, char *buf)
{
    /* format through the writer, then lift the bytes back out: keeps one
     * implementation of the number and date formatting */
    sg_gen_out *w = s->w;
    sg_gen_reserve(w, 64);
    size_t at = w->len;
    if (kind)
        sg_gen_put_char(w, kind);
    sg_gen_put_u64(w, s->next_no++);
    sg_gen_put_char(w, ',');
    sg_gen_put_datetime(w, stamp_of(s->start_day, t));
    sg_gen_put_char(w, ',');
    sg_gen_put_customer_id(w, cust);
    sg_gen_put_char(w, ',');
    size_t n = w->len - at;
    memcpy(buf, w->buf + at, n);
    w->len = at;
    return n;
}

static void put_line(sim *s, const char *prefix, size_t plen, int32_t prod, int64_t qty)
{
    sg_gen_out *w = s->w;
    sg_gen_reserve(w, plen + 48);
    memcpy(w->buf + w->len, prefix, plen);
    w->len += plen;
    sg_gen_put_char(w, 'P');
    sg_gen_put_u64w(w, (uint64_t)prod + 1, 4);
    sg_gen_put_char(w, ',');
    sg_gen_put_i64(w, qty);
    sg_gen_put_char(w, ',');
    sg_gen_put_cents(w, s->cat->price_cents[prod]);
    sg_gen_put_char(w, '\n');
    s->st->rows++;
}

static void emit_pending(sim *s, const pend_ev *ev)
{
    char prefix[80];
    size_t plen = row_prefix(s, ev->kind, ev->cust, ev->t, prefix);
    for (int j = 0; j < ev->nlines; j++)
        put_line(s, prefix, plen, ev->prod[j], -(int64_t)ev->qty[j]);
    if (ev->kind == 'C')
        s->st->cancellations++;
    else
        s->st->returns++;
}

static int32_t draw_product(sim *s, const sg_gen_customer *c, gsl_rng *rng)
{
    double u = gsl_rng_uniform(rng) * c->pref[SG_GEN_NCAT - 1];
    int k = 0;
    while (k < SG_GEN_NCAT - 1 && !(u < c->pref[k]))
        k++;
    int lo = s->cat->cat_start[k], cnt = s->cat->cat_start[k + 1] - lo;
    return s->cat->by_cat[lo + (int)gsl_rng_uniform_int(rng, (unsigned long)cnt)];
}

/* Lines per invoice: 1..6, mean about 2.6. */
static const double line_w[SG_GEN_MAX_LINES] = { 0.30, 0.25, 0.18, 0.12, 0.09, 0.06 };

/* Not split: one invoice: target value, lines, products and quantities
 * drawn in a fixed order from one generator; the order of the draws
 * defines the generated data for a seed, and the four steps share the
 * invoice's line arrays. */
static void emit_purchase(sim *s, uint32_t ci, double t, gsl_rng *rng)
{
    sg_gen_customer *c = &s->cu[ci];
    const sg_gen_options *o = s->o;
    /* the invoice's target value, then a basket that approximates it */
    double z = gsl_ran_gamma(rng, o->gg_p, 1.0 / c->nu);
    double u = gsl_rng_uniform(rng), acc = 0;
    int want = SG_GEN_MAX_LINES;
    for (int j = 0; j < SG_GEN_MAX_LINES - 1; j++) {
        acc += line_w[j];
        if (u < acc) {
            want = j + 1;
            break;
        }
    }
    /* products: a line is added only while one more unit fits in what is
     * left of z (the first line always comes: a purchase buys something);
     * each line tries a few draws from the preferred categories */
    int32_t prod[SG_GEN_MAX_LINES], qty[SG_GEN_MAX_LINES];
    int nl = 0;
    double budget = z;
    for (int j = 0; j < want; j++) {
        int32_t best = -1;
        for (int tries = 0; tries < 4; tries++) {
            int32_t p = draw_product(s, c, rng);
            int dup = 0;
            for (int k = 0; k < nl; k++)
                dup |= prod[k] == p;
            if (dup)
                continue;
            if (best < 0 || s->cat->price_cents[p] < s->cat->price_cents[best])
                best = p;
            if ((double)s->cat->price_cents[p] / 100.0 <= budget) {
                best = p;
                break;
            }
        }
        if (best < 0 || (nl > 0 && (double)s->cat->price_cents[best] / 100.0 > budget))
            break;
        prod[nl++] = best;
        budget -= (double)s->cat->price_cents[best] / 100.0;
    }
    /* quantities: each line takes an equal share of what is left of z */
    double remaining = z;
    int64_t total = 0;
    for (int j = 0; j < nl; j++) {
        double price = (double)s->cat->price_cents[prod[j]] / 100.0;
        double q = floor(remaining / (nl - j) / price + 0.5);
        if (!(q >= 1))
            q = 1;
        if (q > 500)
            q = 500;
        qty[j] = (int32_t)q;
        remaining -= q * price;
        total += (int64_t)qty[j] * s->cat->price_cents[prod[j]];
    }
    char prefix[80];
    size_t plen = row_prefix(s, 0, ci, t, prefix);
    for (int j = 0; j < nl; j++)
        put_line(s, prefix, plen, prod[j], qty[j]);
    s->st->invoices++;
    s->st->sales_cents += total;
    c->purchases++;
    c->t_last = t;

    pend_ev ev;
    memset(&ev, 0, sizeof ev);
    ev.cust = ci;
    if (o->cancel_rate > 0 && gsl_rng_uniform(rng) < o->cancel_rate) {
        /* cancelled between ~2 business hours and 4 days later, all lines
         * (60%) or a non-empty subset */
        double delay = 0.1 + gsl_ran_exponential(rng, 0.8);
        ev.t = t + (delay > 4.0 ? 4.0 : delay);
        ev.kind = 'C';
        int all = gsl_rng_uniform(rng) < 0.6;
        for (int j = 0; j < nl; j++)
            if (all || gsl_rng_uniform(rng) < 0.5) {
                ev.prod[ev.nlines] = prod[j];
                ev.qty[ev.nlines++] = qty[j];
            }
        if (ev.nlines == 0) {
            int j = (int)gsl_rng_uniform_int(rng, (unsigned long)nl);
            ev.prod[0] = prod[j];
            ev.qty[0] = qty[j];
            ev.nlines = 1;
        }
        if (ev.t < o->days) {
            ev.seq = s->pseq++;
            pend_push(s, &ev);
        }
        return;   /* a cancelled invoice has nothing left to return */
    }
    if (o->return_rate > 0)
        for (int j = 0; j < nl; j++) {
            if (!(gsl_rng_uniform(rng) < o->return_rate))
                continue;
            ev.t = t + 5.0 + 25.0 * gsl_rng_uniform(rng);
            ev.kind = 'R';
            ev.nlines = 1;
            ev.prod[0] = prod[j];
            ev.qty[0] = 1 + (int32_t)gsl_rng_uniform_int(rng, (unsigned long)qty[j]);
            if (ev.t < o->days) {
                ev.seq = s->pseq++;
                pend_push(s, &ev);
            }
        }
}

/* ---- campaign tests ---- */

const char *const sg_gen_test_segments[SG_GEN_NSEG] = { "Recent", "Lapsing", "Lapsed" };
const char *const sg_gen_test_segment_rules[SG_GEN_NSEG] = {
    "last purchase at most 90 days before the start", "91 to 365 days", "more than 365 days"
};
/* probability that a treated customer who would not have bought in the
 * window buys once because of the campaign */
const double sg_gen_test_uplift[SG_GEN_NSEG] = { 0.06, 0.10, 0.03 };

int sg_gen_tests_plan(const sg_gen_options *o, sg_gen_tests *tests, sg_error *err)
{
    memset(tests, 0, sizeof *tests);
    if (o->campaign_tests < 0 || o->campaign_tests > SG_GEN_MAX_TESTS)
        return sg_error_set(err, SG_EINVAL, "generate: option campaign_tests must be between 0 and %d (got %d)",
                            SG_GEN_MAX_TESTS, o->campaign_tests);
    if (!(o->campaign_reach > 0 && o->campaign_reach <= 1))
        return sg_error_set(err, SG_EINVAL, "generate: option campaign_reach must be in (0, 1] (got %g)",
                            o->campaign_reach);
    if (!(o->campaign_control > 0 && o->campaign_control < 1))
        return sg_error_set(err, SG_EINVAL, "generate: option campaign_control must be in (0, 1) (got %g)",
                            o->campaign_control);
    /* windows of 30 days (a day per 8 of the period when shorter), starts
     * spread evenly from 30% of the period to 90% minus a window, never
     * overlapping: an extra purchase never falls in another test's window */
    int w = o->days / 8 < 30 ? o->days / 8 : 30;
    int lo = o->days * 3 / 10, hi = o->days * 9 / 10 - w, k = o->campaign_tests;
    if (k > 1 && (hi - lo) / (k - 1) < w)
        return sg_error_set(err, SG_EINVAL, "generate: option campaign_tests: at most %d tests of %d days fit "
                            "in a period of %d days (got %d)", 1 + (hi - lo) / w, w, o->days, k);
    tests->count = k;
    tests->window = w;
    for (int i = 0; i < k; i++)
        tests->t[i].day = lo + (k > 1 ? i * ((hi - lo) / (k - 1)) : 0);
    return SG_OK;
}

/* "Offer test 2023-08-08" */
static void test_name(const sim *s, int k, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(s->start_day + s->tests->t[k].day, &y, &m, &d);
    snprintf(buf, size, "Offer test %04d-%02u-%02u", (int)y, m, d);
}

/* Test k starts: groups for the customers so far, extra purchases for the
 * treated the campaign wins over, one assignment row each. */
static void run_test(sim *s, int k)
{
    sg_gen_test *T = &s->tests->t[k];
    const sg_gen_options *o = s->o;
    double start = T->day, end = start + s->tests->window;
    char name[64];
    test_name(s, k, name, sizeof name);
    for (size_t i = 0; i < (size_t)o->customers; i++) {
        sg_gen_customer *c = &s->cu[i];
        if (!(c->t_first < start))
            continue;   /* not a customer yet */
        if (!(gsl_rng_uniform(s->crng) < o->campaign_reach))
            continue;
        double since = start - c->t_last;
        int seg = since <= 90 ? 0 : since <= 365 ? 1 : 2;
        int g = gsl_rng_uniform(s->crng) < o->campaign_control;   /* 1: control */
        int natural = c->alive && c->t_next < end;
        int won = gsl_rng_uniform(s->crng) < sg_gen_test_uplift[seg];
        T->n[seg][g]++;
        T->natural[seg][g] += (uint64_t)natural;
        T->effect[seg][g] += (uint64_t)(!natural && won);
        if (!g && !natural && won) {
            pend_ev ev;
            memset(&ev, 0, sizeof ev);
            ev.t = start + s->tests->window * gsl_rng_uniform(s->crng);
            ev.kind = 'P';
            ev.cust = (uint32_t)i;
            ev.seq = s->pseq++;
            pend_push(s, &ev);
        }
        sg_gen_out *w = s->assign;
        sg_gen_put_field(w, name);
        sg_gen_put_char(w, ',');
        sg_gen_put_customer_id(w, i);
        sg_gen_put_char(w, ',');
        sg_gen_put_str(w, sg_gen_test_segments[seg]);
        sg_gen_put_str(w, g ? ",control," : ",treatment,");
        sg_gen_put_date(w, s->start_day + T->day);
        sg_gen_put_char(w, ',');
        sg_gen_put_u64(w, (uint64_t)s->tests->window);
        sg_gen_put_char(w, '\n');
        s->st->assignments++;
    }
}

/* Not split: the event loop of the simulation; the order of the random
 * draws defines the generated data for a seed (byte-identical outputs),
 * and the loop's state is already one struct whose steps are functions
 * (emit_purchase, the campaign tests). */
int sg_gen_simulate(const sg_gen_options *o, int64_t start_day, const sg_gen_catalog *cat,
                    sg_gen_customer *cu, gsl_rng *rng, gsl_rng *crng, sg_gen_tests *tests,
                    sg_gen_out *w, sg_gen_out *assign, sg_gen_stats *st, sg_error *err)
{
    size_t n = (size_t)o->customers;
    sim s;
    memset(&s, 0, sizeof s);
    memset(st, 0, sizeof *st);
    s.o = o;
    s.cat = cat;
    s.cu = cu;
    s.rng = rng;
    s.crng = crng;
    s.tests = tests;
    s.assign = assign;
    s.w = w;
    s.st = st;
    s.start_day = start_day;
    s.next_no = 500001;
    heap_ent *act = sg_malloc(n * sizeof *act);
    s.heap = sg_malloc(n * sizeof *s.heap);
    if (!act || !s.heap) {
        sg_free(act);
        sg_free(s.heap);
        return sg_error_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        act[i].t = cu[i].t_first;
        act[i].idx = (uint32_t)i;
    }
    qsort(act, n, sizeof *act, ent_cmp);

    sg_gen_put_str(w, "invoice,date,customer_id,product_id,quantity,price\n");
    sg_gen_put_str(assign, "campaign,customer_id,segment,group,start,window_days\n");
    const double end = o->days;
    size_t ai = 0;
    int next_test = 0;
    int64_t shown_day = -1;
    while (!s.nomem) {
        int src = 0;
        double t = INFINITY;
        if (ai < n) {
            t = act[ai].t;
            src = 1;
        }
        if (s.hn && s.heap[0].t < t) {
            t = s.heap[0].t;
            src = 2;
        }
        if (s.pn && s.pend[0].t < t) {
            t = s.pend[0].t;
            src = 3;
        }
        if (next_test < tests->count && tests->t[next_test].day <= t) {
            run_test(&s, next_test++);   /* before any event of its start day */
            continue;
        }
        if (src == 0 || !(t < end))
            break;   /* everything left is after the end of the period */
        if (o->progress && (int64_t)t > shown_day) {
            shown_day = (int64_t)t;
            o->progress(o->progress_ud, (uint64_t)shown_day, (uint64_t)o->days);
        }
        if (src == 3) {
            pend_ev ev = s.pend[0];
            pend_pop(&s);
            if (ev.kind == 'P') {   /* outside the BG/NBD process: no dropout, no new draw */
                emit_purchase(&s, ev.cust, ev.t, s.crng);
                st->campaign_purchases++;
            } else {
                emit_pending(&s, &ev);
            }
            continue;
        }
        uint32_t ci = src == 1 ? act[ai++].idx : s.heap[0].idx;
        sg_gen_customer *c = &cu[ci];
        emit_purchase(&s, ci, t, s.rng);
        /* BG/NBD: the customer drops out right after a repeat purchase
         * with probability p (the first purchase, at time 0 of the model,
         * is not a dropout opportunity: P(alive) = 1 until the first
         * repeat); otherwise the next purchase is Exp(lambda) later */
        double next = INFINITY;
        if (src != 1 && gsl_rng_uniform(rng) < c->p)
            c->alive = 0;
        else if (c->lambda > 0)
            next = t + gsl_ran_exponential(rng, 1.0) / c->lambda;
        c->t_next = c->alive ? next : INFINITY;
        if (c->alive && next < end) {
            heap_ent e = { next, ci };
            if (src == 2) {
                s.heap[0] = e;
                heap_sift_down(s.heap, s.hn, 0);
            } else {
                heap_push(s.heap, &s.hn, e);
            }
        } else if (src == 2) {
            s.heap[0] = s.heap[--s.hn];
            if (s.hn)
                heap_sift_down(s.heap, s.hn, 0);
        }
    }
    sg_free(act);
    sg_free(s.heap);
    sg_free(s.pend);
    if (s.nomem)
        return sg_error_nomem(err);
    for (size_t i = 0; i < n; i++)
        st->alive_at_end += cu[i].alive;
    if (o->progress)
        o->progress(o->progress_ud, (uint64_t)o->days, (uint64_t)o->days);
    return SG_OK;
}
