/* The activity series on the owning ranks (core/mpi_activity.c), in one
 * process: 1 to 3 simulated owners each hold the rows of their customers
 * (sg_mpi_owner) in global row order, as cleaning leaves them; the command
 * travels as bytes, the owners' dates are combined by their minimum, each
 * owner walks its customers and "rank 0" adds up their partial series.
 * Every count, the revenue and satisfaction sums (to the bit), as_of, the
 * month bounds and the row counts must be those of sg_activity_compute
 * over the whole table: a fixture whose amounts are not exact in binary,
 * with a satisfaction column, missing customers and dates, int64 and text
 * customers, given bounds and as_of, the default as_of, an owner without
 * rows; Online Retail on 2 and 3 owners.  Malformed commands and partial
 * series are refused. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "mem.h"
#include "mpi_activity.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

static int64_t day(const char *s)
{
    int64_t t;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &t, NULL) != 0)
        abort();
    return t;
}

/* The rows of t whose customer rank k of n owns, in row order. */
static sg_table *owned(const sg_table *t, const char *cust, int k, int n)
{
    const sg_column *c = sg_table_col(t, cust);
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), m = 0;
    for (size_t i = 0; rows && i < t->nrows; i++)
        if (sg_mpi_owner(c, i, n) == k)
            rows[m++] = i;
    sg_error err;
    sg_table *o = rows ? sg_table_take(t, rows, m, &err) : NULL;
    free(rows);
    return o;
}

/* Whether a and b hold the same series: every count and row count, the
 * bounds, and the two sums bit for bit (with what differs in *why). */
static int same_series(const sg_activity *a, const sg_activity *b, char *why, size_t whylen)
{
    size_t P = a->nperiods;
    if (P == 0 && b->nperiods == 0)   /* (no series: no arrays) */
        return 1;
    if (P != b->nperiods || memcmp(a->bounds, b->bounds, (P + 1) * sizeof *a->bounds) != 0)
        return snprintf(why, whylen, "periods or bounds"), 0;
    if (memcmp(a->active_start, b->active_start, 10 * P * sizeof *a->active_start) != 0)
        return snprintf(why, whylen, "a count"), 0;
    if (memcmp(a->revenue, b->revenue, P * sizeof *a->revenue) != 0 ||
        memcmp(a->satisfaction_sum, b->satisfaction_sum, P * sizeof *a->satisfaction_sum) != 0)
        return snprintf(why, whylen, "a sum"), 0;
    if (a->customers != b->customers || a->rows_used != b->rows_used || a->rows_missing != b->rows_missing ||
        a->rows_after != b->rows_after)
        return snprintf(why, whylen, "customers or rows"), 0;
    return 1;
}

/* The series of every window of c over the n owners of t, as the ranks
 * compute them: the command decoded from its bytes, the owners' dates
 * combined, each window's bounds, each owner's message (one walk for
 * every window), merged window by window.  0 with out[0..nwin), *first
 * (the earliest date); -1. */
static int on_owners(const sg_table *t, const sg_mpi_activity_cmd *c0, int n, sg_mpi_activity_res *out,
                     int64_t *first, uint64_t *ncust)
{
    sg_mpi_buf cb = { 0 };
    sg_mpi_activity_cmd c;
    sg_error err;
    if (sg_mpi_activity_encode(c0, &cb) != 0 || sg_mpi_activity_decode(cb.b, cb.len, &c) != 0) {
        sg_mpi_buf_free(&cb);
        return -1;
    }
    size_t nw = c.nwin;
    sg_table *own[3] = { NULL, NULL, NULL };
    int64_t d[2 + 8], *bounds[8] = { NULL };
    size_t nb[8] = { 0 };
    int rc = nw > 8;
    for (size_t q = 0; q < 2 + nw && !rc; q++)
        d[q] = INT64_MAX;
    for (int k = 0; k < n && !rc; k++) {
        own[k] = owned(t, c.win[0].o.customer, k, n);
        int64_t dk[2 + 8];
        rc = !own[k] || sg_mpi_activity_dates(own[k]->nrows ? own[k] : NULL, &c, dk, &err) != 0;
        for (size_t q = 0; q < 2 + nw && !rc; q++)
            d[q] = dk[q] < d[q] ? dk[q] : d[q];
    }
    for (size_t q = 0; q < nw && !rc; q++) {
        int64_t dq[3] = { d[0], d[1], d[2 + q] };
        rc = sg_mpi_activity_bounds(&c.win[q], dq, &out[q].as_of, &out[q].have_as_of, &bounds[q], &nb[q], &err) != 0;
    }
    *first = rc ? INT64_MAX : d[1];
    sg_mpi_buf parts[3];
    memset(parts, 0, sizeof parts);
    const unsigned char *pp[3];
    size_t lens[3];
    for (int k = 0; k < n && !rc; k++) {
        rc = sg_mpi_activity_owner(own[k]->nrows ? own[k] : NULL, &c, bounds, nb, &parts[k], &err) != 0;
        pp[k] = parts[k].b;
        lens[k] = parts[k].len;
    }
    sg_activity a[8];
    rc = rc || sg_mpi_activity_merge_many(pp, lens, n, nw, bounds, nb, a, ncust, &err) != 0;
    for (size_t q = 0; q < nw && !rc; q++)
        out[q].a = a[q];
    for (int k = 0; k < n; k++) {
        sg_table_free(own[k]);
        sg_mpi_buf_free(&parts[k]);
    }
    for (size_t q = 0; q < nw && q < 8; q++)
        sg_free(bounds[q]);
    sg_mpi_activity_cmd_free(&c);
    sg_mpi_buf_free(&cb);
    return rc ? -1 : 0;
}

/* The series one process computes for window c: as_of given or the day
 * after the last date, the bounds given or the months up to as_of (out
 * empty when there is not one whole period). */
static int whole(const sg_table *t, const sg_mpi_activity_win *c, sg_activity *out, int64_t *as_of)
{
    sg_error err;
    int64_t d[3], *b = c->bounds;
    size_t nb = c->nbounds;
    *as_of = c->as_of;
    memset(out, 0, sizeof *out);
    if (sg_activity_dates(t, c->o.date, 0, 0, d, &err) ||
        (!c->have_as_of && sg_activity_default_as_of(d, as_of) != 0))
        return -1;
    if (!nb && sg_activity_month_bounds(t, c->o.date, *as_of, &b, &nb, &err))
        return -1;
    int rc = nb >= 2 ? sg_activity_compute(t, &c->o, b, nb, out, &err) : 0;
    if (b != c->bounds)
        sg_free(b);
    return rc ? -1 : 0;
}

/* Every window of c on 1 to 3 owners against one process's series. */
static void check_owners(const sg_table *t, const sg_mpi_activity_cmd *c, int n, const char *what)
{
    sg_activity w[8];
    sg_mpi_activity_res m[8];
    int64_t as_of_w[8], first = INT64_MAX, d[3] = { 0, 0, 0 };
    uint64_t ncust[3] = { 0, 0, 0 };
    char why[96] = "";
    size_t nw = c->nwin, okw = 0;
    for (; okw < nw && okw < 8; okw++)
        if (whole(t, &c->win[okw], &w[okw], &as_of_w[okw]) != 0)
            break;
    sg_error err;
    int okm = okw == nw && on_owners(t, c, n, m, &first, ncust) == 0;
    int ok = okm && sg_activity_dates(t, c->win[0].o.date, 0, 0, d, &err) == 0 && first == d[1];
    if (okm && !ok)
        snprintf(why, sizeof why, "the first date");
    size_t periods = 0, customers = 0;
    for (size_t q = 0; ok && q < nw; q++) {
        ok = m[q].have_as_of && m[q].as_of == as_of_w[q] && same_series(&w[q], &m[q].a, why, sizeof why);
        if (!ok)
            snprintf(why + strlen(why), sizeof why - strlen(why), " (window %zu)", q + 1);
        periods += m[q].a.nperiods;
        customers = m[q].a.customers > customers ? m[q].a.customers : customers;
    }
    tap_ok(ok, "%s, %zu window%s, %d owner%s: the series of one process, sums to the bit (%zu periods in all, "
               "%zu customers in the widest: %llu + %llu + %llu)%s%s",
           what, nw, nw > 1 ? "s" : "", n, n > 1 ? "s" : "", periods, customers, (unsigned long long)ncust[0],
           (unsigned long long)ncust[1], (unsigned long long)ncust[2], why[0] ? ": differs in " : "", why);
    for (size_t q = 0; q < okw; q++)
        sg_activity_free(&w[q]);
    for (size_t q = 0; okm && q < nw; q++)
        sg_activity_free(&m[q].a);
}

/* Amounts of many magnitudes, not exact in binary: a plain sum in another
 * order of the rows has other last bits. */
static sg_table *fixture(sg_type cust_type)
{
    enum { N = 600 };
    sg_table *t = sg_table_new();
    sg_column *cu = sg_column_new("cust", cust_type, N), *dt = sg_column_new("date", SG_DATETIME, N);
    sg_column *inv = sg_column_new("inv", SG_INT64, N), *am = sg_column_new("amount", SG_DOUBLE, N);
    sg_column *sat = sg_column_new("sat", SG_DOUBLE, N);
    sg_error err;
    uint64_t x = 88172645463325252u;
    int64_t t0 = day("2021-01-03");
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned id = (unsigned)(x % 97);
        char s[16];
        snprintf(s, sizeof s, "c%u", id);
        int bad = 0;
        if (i % 53 == 7)
            bad |= sg_column_push_na(cu);   /* no customer */
        else if (cust_type == SG_STRING)
            bad |= sg_column_push_str(cu, s, strlen(s));
        else
            bad |= sg_column_push_i64(cu, (int64_t)id * 1000 + 17);
        if (i % 71 == 5)
            bad |= sg_column_push_na(dt);
        else
            bad |= sg_column_push_i64(dt, t0 + (int64_t)((x >> 20) % (400 * 86400)));
        bad |= sg_column_push_i64(inv, (int64_t)(i / 3));
        double a = (double)((x >> 8) % 100000) / 100.0 * (i % 5 == 0 ? 1e6 : 1.0) - (i % 11 == 0 ? 3.3 : 0.0);
        bad |= sg_column_push_f64(am, a);
        if (i % 4 == 0)
            bad |= sg_column_push_f64(sat, 1.0 + (double)((x >> 30) % 40) / 10.0 + 0.01);
        else
            bad |= sg_column_push_na(sat);
        if (bad)
            abort();
    }
    if (sg_table_add(t, cu, &err) || sg_table_add(t, dt, &err) || sg_table_add(t, inv, &err) ||
        sg_table_add(t, am, &err) || sg_table_add(t, sat, &err))
        abort();
    return t;
}

/* A window of the command. */
static sg_mpi_activity_win win_of(const char *cust, const char *date, const char *inv, const char *amount,
                                  const char *sat, int days)
{
    sg_mpi_activity_win c;
    memset(&c, 0, sizeof c);
    sg_activity_options_init(&c.o);
    c.o.customer = cust;
    c.o.date = date;
    c.o.invoice = inv;
    c.o.amount = amount;
    c.o.satisfaction = sat;
    c.o.inactive_days = days;
    return c;
}

/* The command of nw windows w (a single one: one window). */
static sg_mpi_activity_cmd cmd_of(sg_mpi_activity_win *w, size_t nw)
{
    sg_mpi_activity_cmd c = { 7, nw, w };
    return c;
}

static void test_fixture(void)
{
    for (int ty = 0; ty < 2; ty++) {
        sg_type type = ty ? SG_INT64 : SG_STRING;
        sg_table *t = fixture(type);
        const char *what = ty ? "int64 customers" : "text customers";
        char label[160];
        /* the monthly series up to a given as_of */
        sg_mpi_activity_win w[6];
        w[0] = win_of("cust", "date", "inv", "amount", "sat", 30);
        w[0].have_as_of = 1;
        w[0].as_of = day("2021-12-15");
        sg_mpi_activity_cmd c = cmd_of(w, 1);
        for (int n = 1; n <= 3; n++) {
            snprintf(label, sizeof label, "%s, months up to a given as_of", what);
            check_owners(t, &c, n, label);
        }
        /* the default as_of (the day after the last date), and given bounds */
        w[1] = w[0];
        w[1].have_as_of = 0;
        c = cmd_of(w + 1, 1);
        snprintf(label, sizeof label, "%s, months up to the default as_of", what);
        check_owners(t, &c, 3, label);
        int64_t b[4] = { day("2021-02-01"), day("2021-05-01"), day("2021-05-02"), day("2021-09-01") };
        w[2] = w[1];
        w[2].bounds = b;
        w[2].nbounds = 4;
        w[2].o.inactive_days = 0;
        c = cmd_of(w + 2, 1);
        snprintf(label, sizeof label, "%s, given bounds, inactive_days 0", what);
        check_owners(t, &c, 2, label);
        /* without the optional columns */
        w[3] = win_of("cust", "date", NULL, NULL, NULL, 90);
        c = cmd_of(w + 3, 1);
        snprintf(label, sizeof label, "%s, no invoice, amount or satisfaction", what);
        check_owners(t, &c, 3, label);
        /* all of them in one command, with a window before the data (no
         * whole month) and one beyond it, in one walk per owner */
        w[4] = win_of("cust", "date", "inv", NULL, "sat", 7);
        w[4].have_as_of = 1;
        w[4].as_of = day("2021-01-20");
        int64_t far[3] = { day("2021-11-01"), day("2022-01-01"), day("2023-06-01") };
        w[5] = win_of("cust", "date", NULL, "amount", NULL, 365);
        w[5].bounds = far;
        w[5].nbounds = 3;
        c = cmd_of(w, 6);
        for (int n = 1; n <= 3; n++) {
            snprintf(label, sizeof label, "%s, the four above, a window before the data and one beyond it", what);
            check_owners(t, &c, n, label);
        }
        sg_table_free(t);
    }
    /* an owner that holds no rows (7 rows, 3 owners: one of them gets none) */
    sg_table *t = read_text("few.csv", "cust,date,amount\nA,2021-01-05,0.1\nA,2021-02-07,0.2\nA,2021-03-01,0.3\n"
                                       "B,2021-01-09,0.7\nB,2021-04-09,0.1\nA,2021-04-20,0.2\nB,2021-04-21,1e-17\n");
    sg_mpi_activity_win w[2] = { win_of("cust", "date", NULL, "amount", NULL, 20),
                                 win_of("cust", "date", NULL, NULL, NULL, 3) };
    sg_mpi_activity_cmd c = cmd_of(w, 2);
    int empty = 0;
    for (int k = 0; t && k < 3; k++) {
        sg_table *o = owned(t, "cust", k, 3);
        empty += o && o->nrows == 0;
        sg_table_free(o);
    }
    tap_ok(empty >= 1, "two customers over 3 owners: %d owner%s without rows", empty, empty == 1 ? "" : "s");
    if (t)
        check_owners(t, &c, 3, "an owner without rows");
    else
        tap_ok(0, "an owner without rows (the fixture could not be read)");
    sg_table_free(t);
}

/* sg_activity_compute_many against sg_activity_compute window by window,
 * and its refusal of windows over other customer columns. */
static void test_many(void)
{
    sg_table *t = fixture(SG_STRING);
    int64_t b1[3] = { day("2021-01-01"), day("2021-06-01"), day("2022-01-01") };
    int64_t b2[5] = { day("2021-03-01"), day("2021-03-02"), day("2021-07-01"), day("2021-07-09"), day("2021-08-01") };
    int64_t b3[2] = { day("2020-01-01"), day("2020-06-01") };   /* before every row */
    sg_activity_window w[4] = { { { "cust", "date", "inv", "amount", "sat", 30 }, b1, 3 },
                                { { "cust", "date", NULL, "amount", NULL, 0 }, b2, 5 },
                                { { "cust", "date", "inv", NULL, "sat", 200 }, b3, 2 },
                                { { "cust", "date", NULL, NULL, NULL, 90 }, b1, 0 } };   /* no series */
    sg_activity many[4], one;
    sg_error err;
    int ok = sg_activity_compute_many(t, w, 4, many, &err) == 0;
    char why[64] = "";
    for (size_t q = 0; ok && q < 3; q++) {
        ok = sg_activity_compute(t, &w[q].o, w[q].bounds, w[q].nbounds, &one, &err) == 0 &&
             same_series(&one, &many[q], why, sizeof why);
        sg_activity_free(&one);
    }
    tap_ok(ok && many[3].nperiods == 0 && many[0].customers > 0 && many[2].customers == 0,
           "sg_activity_compute_many: each window's series is sg_activity_compute's (%zu, %zu and %zu customers; "
           "a window of no periods left empty)%s%s",
           ok ? many[0].customers : 0, ok ? many[1].customers : 0, ok ? many[2].customers : 0,
           why[0] ? ": differs in " : "", why);
    for (size_t q = 0; q < 4; q++)
        sg_activity_free(&many[q]);
    w[1].o.customer = "inv";
    int rc = sg_activity_compute_many(t, w, 2, many, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "share the customer and date") != NULL && many[0].nperiods == 0,
           "... windows over other customer columns are refused: %s", rc ? err.msg : "(accepted)");
    sg_table_free(t);
}

/* The partial series of two owners and a copy of one of them changed. */
static void test_malformed(void)
{
    sg_table *t = fixture(SG_STRING);
    sg_mpi_activity_win win = win_of("cust", "date", "inv", "amount", "sat", 30);
    int64_t b[3] = { day("2021-01-01"), day("2021-06-01"), day("2022-01-01") };
    win.bounds = b;
    win.nbounds = 3;
    sg_mpi_activity_cmd c = cmd_of(&win, 1);
    int64_t *bb[1] = { b };
    size_t nbb[1] = { 3 };
    sg_error err;
    sg_mpi_buf p[2];
    memset(p, 0, sizeof p);
    sg_table *o0 = owned(t, "cust", 0, 2), *o1 = owned(t, "cust", 1, 2);
    int ok = o0 && o1 && sg_mpi_activity_owner(o0, &c, bb, nbb, &p[0], &err) == 0 &&
             sg_mpi_activity_owner(o1, &c, bb, nbb, &p[1], &err) == 0 && p[0].len > 8 && p[1].len > 8;
    tap_ok(ok, "two owners' messages of one window (%zu and %zu bytes)", p[0].len, p[1].len);
    /* the partial series, after its length */
    const unsigned char *P0 = ok ? p[0].b + 8 : NULL, *P1 = ok ? p[1].b + 8 : NULL;
    size_t L0 = ok ? p[0].len - 8 : 0, L1 = ok ? p[1].len - 8 : 0;
    unsigned char *bad = malloc(L1 + 16);
    const unsigned char *pp[2] = { P0, bad };
    size_t lens[2] = { L0, 0 };
    sg_activity a;
    struct {
        const char *what;
        size_t at, len;   /* at: byte changed to 0xff (SIZE_MAX: none) */
    } cases[] = {
        { "truncated", SIZE_MAX, L1 - 3 },
        { "a byte more", SIZE_MAX, L1 + 1 },
        { "another magic", 0, L1 },
        { "another number of periods", 8, L1 },
        { "other sums asked for", 48, L1 },
        { "a word index out of range", 7 * 8 + 10 * 2 * 8 + 1, L1 },
        { "a chunk outside [0, 2^32)", 7 * 8 + 10 * 2 * 8 + 2 + 7, L1 },
    };
    for (size_t q = 0; ok && bad && q < sizeof cases / sizeof cases[0]; q++) {
        memcpy(bad, P1, L1);
        bad[L1] = 0;
        if (cases[q].at != SIZE_MAX)
            bad[cases[q].at] = 0xff;
        lens[1] = cases[q].len;
        int rc = sg_mpi_activity_merge(pp, lens, 2, b, 3, &a, NULL, &err);
        tap_ok(rc == SG_EDATA && strstr(err.msg, "rank 1") != NULL, "a partial series %s is refused: %s",
               cases[q].what, rc ? err.msg : "(accepted)");
        if (rc == 0)
            sg_activity_free(&a);
    }
    /* the same sent twice is well formed: the counts double (the check is
     * not too strict to accept) */
    pp[1] = P0;
    lens[1] = L0;
    int rc = sg_mpi_activity_merge(pp, lens, 2, b, 3, &a, NULL, &err);
    sg_activity one;
    int rc1 = sg_mpi_activity_merge(pp, lens, 1, b, 3, &one, NULL, &err);
    tap_ok(rc == 0 && rc1 == 0 && a.buyers[0] == 2 * one.buyers[0] && a.revenue[1] == 2 * one.revenue[1],
           "well-formed parts are added (buyers %lld = 2 x %lld)", rc ? -1LL : (long long)a.buyers[0],
           rc1 ? -1LL : (long long)one.buyers[0]);
    if (rc == 0)
        sg_activity_free(&a);
    if (rc1 == 0)
        sg_activity_free(&one);
    /* the owners' messages: a length beyond the message, or bytes after
     * the last window */
    pp[0] = p[0].b;
    lens[0] = p[0].len;
    pp[1] = bad;
    struct {
        const char *what;
        size_t at, len;   /* at: byte changed to 0x7f (SIZE_MAX: none) */
    } msgs[] = {
        { "with a length beyond its end", 6, p[1].len },
        { "with bytes after its last window", SIZE_MAX, p[1].len + 8 },
        { "shorter than a length", SIZE_MAX, 5 },
    };
    for (size_t q = 0; ok && bad && q < sizeof msgs / sizeof msgs[0]; q++) {
        memcpy(bad, p[1].b, p[1].len);
        memset(bad + p[1].len, 0, 8);
        if (msgs[q].at != SIZE_MAX)
            bad[msgs[q].at] = 0x7f;
        lens[1] = msgs[q].len;
        int rm = sg_mpi_activity_merge_many(pp, lens, 2, 1, bb, nbb, &a, NULL, &err);
        tap_ok(rm == SG_EDATA && strstr(err.msg, "rank 1") != NULL && a.nperiods == 0,
               "an owner's message %s is refused: %s", msgs[q].what, rm ? err.msg : "(accepted)");
        if (rm == 0)
            sg_activity_free(&a);
    }
    free(bad);
    sg_mpi_buf_free(&p[0]);
    sg_mpi_buf_free(&p[1]);
    sg_table_free(o0);
    sg_table_free(o1);
    sg_table_free(t);

    /* malformed commands */
    sg_mpi_buf cb = { 0 };
    sg_mpi_activity_cmd d;
    ok = sg_mpi_activity_encode(&c, &cb) == 0 && sg_mpi_activity_decode(cb.b, cb.len, &d) == 0;
    tap_ok(ok && d.nwin == 1 && d.win[0].nbounds == 3 && d.win[0].bounds[2] == b[2] &&
               strcmp(d.win[0].o.satisfaction, "sat") == 0 && strcmp(d.win[0].o.customer, "cust") == 0 &&
               d.win[0].o.inactive_days == 30 && d.gen == 7,
           "a command as bytes and back (%zu bytes)", cb.len);
    if (ok)
        sg_mpi_activity_cmd_free(&d);
    unsigned char *cc = malloc(cb.len + 1);
    struct {
        const char *what;
        size_t at, len;
        unsigned char v;
    } cmds[] = {
        { "truncated", SIZE_MAX, cb.len - 1, 0 },
        { "with a byte more", SIZE_MAX, cb.len + 1, 0 },
        { "without a window", 8, cb.len, 0 },
        { "with more windows than bytes", 8 + 1, cb.len, 0x01 },
        { "without a customer column", 16, cb.len, 0 },
        { "with inactive_days out of range", 26 + 1, cb.len, 0xff },
        { "with more bounds than bytes", 50 + 1, cb.len, 0x01 },
        { "with bounds not ascending", 58 + 8 + 7, cb.len, 0x7f },
    };
    for (size_t q = 0; cc && q < sizeof cmds / sizeof cmds[0]; q++) {
        memcpy(cc, cb.b, cb.len);
        cc[cb.len] = 'x';
        if (cmds[q].at != SIZE_MAX)
            cc[cmds[q].at] = cmds[q].v;
        int r = sg_mpi_activity_decode(cc, cmds[q].len, &d);
        tap_ok(r == -1, "a command %s is refused", cmds[q].what);
        if (r == 0)
            sg_mpi_activity_cmd_free(&d);
    }
    free(cc);
    sg_mpi_buf_free(&cb);
}

static void test_retail(void)
{
    char path[512];
    if (!retail_path(path, sizeof path, 3))
        return;
    sg_table *r = read_retail(path, 3);
    if (!r)
        return;
    sg_error err;
    sg_table *t = sg_table_derive(r, "amount", "Quantity * UnitPrice", &err);
    sg_table_free(r);
    if (!t) {
        tap_skip(3, "no amount column");
        return;
    }
    /* the retail recipe's series: inactive_days 90, as_of the day after the last date */
    sg_mpi_activity_win w0 = win_of("CustomerID", "InvoiceDate", "InvoiceNo", "amount", NULL, 90);
    sg_mpi_activity_cmd c = cmd_of(&w0, 1);
    check_owners(t, &c, 2, "Online Retail, months up to the default as_of");
    w0.have_as_of = 1;
    w0.as_of = day("2011-12-10");
    check_owners(t, &c, 3, "Online Retail, months up to 2011-12-10");
    /* the windows of steps kpis and alerts with the retail recipe's rules
     * (as_of 2011-12-10): two quarters, two months, two years; the
     * months, the churn month, its 12 months before, the basket's two
     * 90-day periods */
    const char *kb[4][3] = { { "2011-06-10", "2011-09-10", "2011-12-10" }, { "2011-10-10", "2011-11-10", "2011-12-10" },
                             { "2009-12-10", "2010-12-10", "2011-12-10" }, { "2011-06-13", "2011-09-11", "2011-12-10" } };
    int64_t kbs[4][3], hist[13];
    for (int q = 0; q < 4; q++)
        for (int j = 0; j < 3; j++)
            kbs[q][j] = day(kb[q][j]);
    /* the 12 month-long windows before 2011-11-10, month by month */
    for (int j = 0; j < 13; j++) {
        int mo = 11 + j, y = 2010 + (mo - 1) / 12;
        char m[16];
        snprintf(m, sizeof m, "%04d-%02d-10", y, (mo - 1) % 12 + 1);
        hist[j] = day(m);
    }
    sg_mpi_activity_win ws[7];
    for (int q = 0; q < 3; q++) {
        ws[q] = win_of("CustomerID", "InvoiceDate", "InvoiceNo", "amount", NULL, 90);
        ws[q].bounds = kbs[q];
        ws[q].nbounds = 3;
    }
    ws[3] = w0;
    ws[4] = win_of("CustomerID", "InvoiceDate", NULL, NULL, NULL, 90);
    ws[4].bounds = kbs[1] + 1;
    ws[4].nbounds = 2;
    ws[5] = ws[4];
    ws[5].bounds = hist;
    ws[5].nbounds = 13;
    ws[6] = ws[0];
    ws[6].bounds = kbs[3];
    sg_mpi_activity_cmd all = cmd_of(ws, 7);
    check_owners(t, &all, 2, "Online Retail, the windows of steps kpis and alerts");
    /* a plain sum of the owners' rounded revenues, the way a reduction
     * without exact sums would add them, has other last bits */
    sg_activity w, parts[3];
    int64_t as_of;
    int differ = 0, ok = whole(t, &w0, &w, &as_of) == 0;
    for (int k = 0; k < 3 && ok; k++) {
        sg_table *o = owned(t, "CustomerID", k, 3);
        ok = o && sg_activity_compute(o, &w0.o, w.bounds, w.nperiods + 1, &parts[k], &err) == 0;
        sg_table_free(o);
        if (!ok)
            while (k-- > 0)
                sg_activity_free(&parts[k]);
    }
    for (size_t j = 0; ok && j < w.nperiods; j++) {
        double plain = parts[0].revenue[j] + parts[1].revenue[j] + parts[2].revenue[j];
        differ += plain != w.revenue[j];
    }
    tap_ok(ok && differ > 0, "... where a plain sum of the 3 owners' revenues differs in %d of %zu months", differ,
           ok ? w.nperiods : 0);
    if (ok) {
        for (int k = 0; k < 3; k++)
            sg_activity_free(&parts[k]);
        sg_activity_free(&w);
    }
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_activity"))
        return 1;
    test_fixture();
    test_many();
    test_malformed();
    test_retail();
    mpi_test_end();
    return tap_done();
}
