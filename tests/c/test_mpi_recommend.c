/* Cross-sell recommendations on the owning ranks (core/mpi_recommend.c),
 * in one process: a model is fitted over the whole table; its command is
 * encoded and decoded as the ranks receive it; 1 to 3 simulated owners
 * each receive their customers' rows from contiguous shares, packed and
 * unpacked as the exchange by customer does (so each owner has its own
 * dictionaries), and recommend for them (sg_mpi_rec_owner); "rank 0"
 * assembles the table (sg_mpi_rec_assemble), which must be the one
 * sg_cooc_recommend builds over the whole table: same rows in the same
 * order, same values, the customer column on the whole table's
 * dictionary.  Text and int64 items and customers, ties of lift broken by
 * confidence and item order, top_n 1, 3 and 6, an owner without rows,
 * Online Retail (text ids) on 2 and 3 owners; malformed commands and
 * records refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crosssell.h"
#include "crosssell_internal.h"
#include "mem.h"
#include "mpi_recommend.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "opsutil.h"
#include "tap.h"

#define MAXN 4

/* A generated basket file: inv,item,cust; 80 invoices of 1 to 6 items out
 * of 10, 17 customers; a row without item, one without customer.
 * num_items / num_custs: items / customers as numbers (int64 columns). */
static char *baskets(int num_items, int num_custs)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    len += (size_t)snprintf(s + len, cap - len, "inv,item,cust\n");
    uint32_t x = 777;
    for (int v = 1; v <= 80; v++) {
        x = x * 1103515245u + 12345u;
        int cust = (int)(x >> 16) % 17, nitems = 1 + (int)((x >> 8) % 6);
        for (int j = 0; j < nitems; j++) {
            x = x * 1103515245u + 12345u;
            int it = (int)((x >> 16) % 10);
            if (v % 4 == 0 && j < 2)
                it = j;                   /* a popular pair: items 0 and 1 */
            char item[16], c[16];
            snprintf(item, sizeof item, num_items ? "%d" : "P%c", num_items ? 200 - 7 * it : 'A' + it);
            snprintf(c, sizeof c, num_custs ? "%d" : "c%d", num_custs ? 9000 - 13 * cust : cust);
            len += (size_t)snprintf(s + len, cap - len, "I%d,%s,%s\n", v, item, c);
        }
    }
    len += (size_t)snprintf(s + len, cap - len, "I3,,%s\nI5,%s,\n", num_custs ? "9000" : "c0",
                            num_items ? "200" : "PA");
    return s;
}

/* The recommendations of model c over the owners own[0..n) (NULL: no
 * rows), through the command's bytes, assembled against tx; rec[k] gets
 * owner k's records when given.  NULL (said) on failure. */
static sg_table *on_owners(const sg_cooc *c, const sg_table *tx, sg_table *const *own, int n, const char *customer,
                           size_t top_n, uint64_t *ncust, sg_mpi_buf *rec)
{
    sg_mpi_buf cmdb = { 0 }, mine[MAXN];
    memset(mine, 0, sizeof mine);
    sg_mpi_rec_cmd cmd;
    sg_error err;
    sg_table *t = NULL;
    const unsigned char *parts[MAXN];
    size_t lens[MAXN];
    int ok = sg_mpi_rec_encode(c, 7, customer, top_n, &cmdb, &err) == 0 &&
             sg_mpi_rec_decode(cmdb.b, cmdb.len, &cmd) == 0 && cmd.gen == 7 && cmd.top_n == top_n;
    for (int k = 0; ok && k < n; k++) {
        ok = sg_mpi_rec_owner(own[k], &cmd, rec ? &rec[k] : &mine[k], &err) == 0;
        parts[k] = rec ? rec[k].b : mine[k].b;
        lens[k] = rec ? rec[k].len : mine[k].len;
    }
    if (ok)
        t = sg_mpi_rec_assemble(parts, lens, n, c, sg_table_col(tx, customer), top_n, ncust, &err);
    if (!t)
        tap_diag("owners: %s", err.msg);
    sg_mpi_buf_free(&cmdb);
    for (int k = 0; k < n; k++)
        sg_mpi_buf_free(&mine[k]);
    return t;
}

/* Rows of the recommendations r whose score ties the row before for the
 * same customer (ties the owners must break as rank 0). */
static size_t ties(const sg_table *r)
{
    const sg_column *cu = sg_table_col(r, "customer"), *sc = sg_table_col(r, "score");
    size_t n = 0;
    for (size_t i = 1; i < r->nrows; i++)
        n += sg_ops_value_key(cu, i) == sg_ops_value_key(cu, i - 1) &&
             sg_column_f64(sc)[i] == sg_column_f64(sc)[i - 1];
    return n;
}

/* 1 test per n in 1..nmax (and one with an owner without rows): the
 * assembled table equals sg_cooc_recommend over t, with at least min_ties
 * score ties; every owner with rows sends customers unless few (the
 * small table of ties on 3 owners). */
static void check(const char *label, const sg_table *t, const sg_cooc *c, const char *customer, size_t top_n,
                  int nmax, size_t min_ties)
{
    sg_error err;
    sg_table *want = sg_cooc_recommend(c, t, customer, NULL, top_n, &err);
    char *ws = want ? dump(want) : NULL;
    size_t nt = want ? ties(want) : 0;
    const sg_column *cc = sg_table_col(t, customer);
    for (int n = 1; n <= nmax + 1; n++) {
        int ranks = n <= nmax ? n : 2, extra = n > nmax;   /* the last: 2 owners and one without rows */
        sg_table *own[MAXN] = { NULL };
        uint64_t ncust[MAXN] = { 0 }, sum = 0, some = 0;
        int ok = ws && mpi_test_spread(t, customer, ranks, own) == 0;
        if (extra) {
            own[2] = own[1];
            own[1] = NULL;
        }
        int nown = ranks + extra;
        sg_table *got = ok ? on_owners(c, t, own, nown, customer, top_n, ncust, NULL) : NULL;
        char *gs = got ? dump(got) : NULL;
        for (int k = 0; k < nown; k++) {
            sum += ncust[k];
            some += ncust[k] > 0;
        }
        const sg_column *gc = got ? sg_table_col(got, "customer") : NULL;
        int same = ws && gs && strcmp(ws, gs) == 0 && (cc->type != SG_STRING || gc->dict == cc->dict);
        if (!same && ws && gs)
            tap_diag("want:\n%s\ngot:\n%s", ws, gs);
        tap_ok(same && want->nrows > 0 && nt >= min_ties && (some == (uint64_t)ranks || want->nrows < 10) && (!extra || ncust[1] == 0),
               "%s, top_n %zu, %d owner%s%s: the %zu rows of one process (%zu score ties), %llu customers", label,
               top_n, ranks, ranks > 1 ? "s" : "", extra ? " and one without rows" : "", want ? want->nrows : 0, nt,
               (unsigned long long)sum);
        free(gs);
        sg_table_free(got);
        for (int k = 0; k < nown; k++)
            sg_table_free(own[k]);
    }
    free(ws);
    sg_table_free(want);
}

static sg_cooc *fit(const sg_table *t, double min_support)
{
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "item";
    o.min_support = min_support;
    o.min_count = 1;
    sg_error err;
    sg_cooc *c = sg_cooc_fit(t, &o, &err);
    if (!c)
        tap_diag("fit: %s", err.msg);
    return c;
}

static void test_small(void)
{
    static const struct { int ni, nc; const char *label; } cases[] = {
        { 0, 0, "text items, text customers" },
        { 1, 1, "int64 items, int64 customers" },
        { 0, 1, "text items, int64 customers" },
    };
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        char *text = baskets(cases[q].ni, cases[q].nc);
        sg_table *t = text ? read_text("b.csv", text) : NULL;
        const sg_column *it = t ? sg_table_col(t, "item") : NULL, *cu = t ? sg_table_col(t, "cust") : NULL;
        int types = it && cu && it->type == (cases[q].ni ? SG_INT64 : SG_STRING) &&
                    cu->type == (cases[q].nc ? SG_INT64 : SG_STRING);
        sg_cooc *c = types ? fit(t, 0.02) : NULL;
        tap_ok(c && c->nrules > 10, "%s: %zu rows, %zu rules", cases[q].label, t ? t->nrows : 0, c ? c->nrules : 0);
        if (c) {
            check(cases[q].label, t, c, "cust", 3, 3, 0);
            if (q == 0) {
                check(cases[q].label, t, c, "cust", 1, 3, 0);
                check(cases[q].label, t, c, "cust", 6, 3, 0);
            }
        } else {
            tap_skip(q == 0 ? 12 : 4, "no model");
        }
        sg_cooc_free(c);
        sg_table_free(t);
        free(text);
    }
    /* ties: A->Z and A->Y have the same lift and confidence (Y first, in
     * item order, though Z appeared first); M is reached from Q and P
     * with the same lift and confidence (because P, first in item order) */
    static const char *const tie_text[2] = {
        "inv,item,cust\nI1,A,c1\nI1,Z,c1\nI2,A,c2\nI2,Y,c2\nI3,D,c3\nI4,A,c4\nI5,Q,c5\nI5,M,c5\n"
        "I6,P,c6\nI6,M,c6\nI7,Q,c7\nI8,P,c7\n",
        "inv,item,cust\nI1,1,10\nI1,90,10\nI2,1,20\nI2,80,20\nI3,4,30\nI4,1,40\nI5,70,50\nI5,30,50\n"
        "I6,60,60\nI6,30,60\nI7,70,70\nI8,60,70\n",
    };
    for (int q = 0; q < 2; q++) {
        sg_table *t = read_text("t.csv", tie_text[q]);
        sg_cooc *c = t ? fit(t, 0) : NULL;
        if (c)
            check(q ? "ties, int64 items and customers" : "ties, text items and customers", t, c, "cust", 3, 3, 1);
        else
            tap_skip(4, "no model");
        /* the reasons one process gives: M because P for c7 (70) */
        sg_error err;
        sg_table *r = c ? sg_cooc_recommend(c, t, "cust", NULL, 3, &err) : NULL;
        char *d = r ? dump(r) : NULL;
        const char *want = q ? "\n70,1,30,2.0,60\n" : "\nc7,1,M,2.0,P\n";
        tap_ok(d && strstr(d, want) && (q ? strstr(d, "\n40,1,80,") : strstr(d, "\nc4,1,Y,")),
               "ties, %s: one process recommends Y before Z and gives P as the reason for M", q ? "int64" : "text");
        if (d && !strstr(d, want))
            tap_diag("%s", d);
        free(d);
        sg_table_free(r);
        sg_cooc_free(c);
        sg_table_free(t);
    }
    /* a model without rules: no recommendations, on every owner */
    char *text = baskets(0, 0);
    sg_table *t = text ? read_text("e.csv", text) : NULL;
    sg_cooc *c = t ? fit(t, 0.9) : NULL;
    sg_table *own[MAXN] = { NULL };
    sg_table *got = c && mpi_test_spread(t, "cust", 2, own) == 0 ? on_owners(c, t, own, 2, "cust", 3, NULL, NULL)
                                                                  : NULL;
    tap_ok(c && c->nrules == 0 && got && got->nrows == 0 && got->ncols == 5,
           "a model without rules: an empty table of the five columns");
    sg_table_free(got);
    for (int k = 0; k < 2; k++)
        sg_table_free(own[k]);
    sg_cooc_free(c);
    sg_table_free(t);
    free(text);
}

/* Replaces the first n bytes at b + at (within len) and returns 1. */
static int patch(unsigned char *b, size_t len, size_t at, const void *v, size_t n)
{
    if (at + n > len)
        return 0;
    memcpy(b + at, v, n);
    return 1;
}

/* Malformed commands and records are refused. */
static void test_malformed(void)
{
    char *text = baskets(0, 0);
    sg_table *t = text ? read_text("m.csv", text) : NULL;
    sg_table *other = read_text("o.csv", "inv,item,cust\nI1,PA,zz\nI1,PB,zz\n");
    sg_cooc *c = t ? fit(t, 0.02) : NULL;
    sg_mpi_buf cb = { 0 }, rec[2];
    memset(rec, 0, sizeof rec);
    sg_mpi_rec_cmd cmd;
    sg_error err;
    int have = c && other && sg_mpi_rec_encode(c, 1, "cust", 3, &cb, &err) == 0 &&
               sg_mpi_rec_decode(cb.b, cb.len, &cmd) == 0 && sg_mpi_rec_owner(t, &cmd, &rec[0], &err) == 0 &&
               sg_mpi_rec_owner(other, &cmd, &rec[1], &err) == 0;
    tap_ok(have && rec[1].len > 24, "a command and records to break");
    if (!have) {
        tap_skip(11, "nothing to break");
        goto out;
    }
    /* the command */
    int bad = sg_mpi_rec_decode(cb.b, cb.len - 1, &cmd) != 0 && sg_mpi_rec_decode(cb.b, 20, &cmd) != 0;
    tap_ok(bad, "a truncated command refused");
    unsigned char *cp = malloc(cb.len);
    memcpy(cp, cb.b, cb.len);
    uint32_t same[2] = { 0, 0 }, far[2] = { 0, 1u << 30 };
    bad = patch(cp, cb.len, cb.len - 24, same, 8) && sg_mpi_rec_decode(cp, cb.len, &cmd) != 0;
    bad = bad && patch(cp, cb.len, cb.len - 24, far, 8) && sg_mpi_rec_decode(cp, cb.len, &cmd) != 0;
    tap_ok(bad, "a rule from an item to itself, or to an item beyond the list, refused");
    memcpy(cp, cb.b, cb.len);
    uint64_t top = 0;
    size_t at_top = 8 + strlen("cust") + 1 + strlen("item") + 1;
    bad = patch(cp, cb.len, at_top, &top, 8) && sg_mpi_rec_decode(cp, cb.len, &cmd) != 0;
    top = 256;
    bad = bad && patch(cp, cb.len, at_top, &top, 8) && sg_mpi_rec_decode(cp, cb.len, &cmd) != 0;
    tap_ok(bad, "top_n 0 or 256 refused");
    /* the first two items the same text: the owner refuses the command */
    memcpy(cp, cb.b, cb.len);
    size_t at_items = at_top + 24;
    uint32_t l0, l1;
    memcpy(&l0, cp + at_items, 4);
    memcpy(&l1, cp + at_items + 4 + l0, 4);
    sg_mpi_buf x = { 0 };
    int rc = l0 == l1 && sg_mpi_rec_decode(cp, cb.len, &cmd) == 0 &&
             patch(cp, cb.len, at_items + 8 + l0, cp + at_items + 4, l0) && sg_mpi_rec_decode(cp, cb.len, &cmd) == 0
                 ? sg_mpi_rec_owner(t, &cmd, &x, &err) : -1;
    tap_ok(rc == SG_EDATA, "an item listed twice refused by the owner (%s)", rc == SG_EDATA ? err.msg : "-");
    sg_mpi_buf_free(&x);
    (void)sg_mpi_rec_decode(cb.b, cb.len, &cmd);
    cmd.customer = "client";
    rc = sg_mpi_rec_owner(t, &cmd, &x, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "no column 'client'"), "a customer column the owner lacks: %s",
           rc == SG_EINVAL ? err.msg : "-");
    sg_mpi_buf_free(&x);
    free(cp);
    /* the records */
    const sg_column *cc = sg_table_col(t, "cust");
    const unsigned char *p[2] = { rec[0].b, rec[0].b };
    size_t lens[2] = { rec[0].len - 1, rec[0].len };
    sg_table *r = sg_mpi_rec_assemble(p, lens, 1, c, cc, 3, NULL, &err);
    tap_ok(!r && err.code == SG_EDATA, "truncated records refused (%s)", r ? "-" : err.msg);
    sg_table_free(r);
    r = sg_mpi_rec_assemble(p + 1, lens + 1, 1, c, cc, 3, NULL, &err);
    tap_ok(r && r->nrows > 0, "the same records whole: %zu rows", r ? r->nrows : 0);
    sg_table_free(r);
    lens[0] = rec[0].len;
    r = sg_mpi_rec_assemble(p, lens, 2, c, cc, 3, NULL, &err);
    tap_ok(!r && err.code == SG_EDATA && strstr(err.msg, "twice"), "customers sent by two ranks refused (%s)",
           r ? "-" : err.msg);
    sg_table_free(r);
    r = sg_mpi_rec_assemble(p + 1, lens + 1, 1, c, cc, 2, NULL, &err);
    tap_ok(!r && err.code == SG_EDATA, "more recommendations than top_n refused (%s)", r ? "-" : err.msg);
    sg_table_free(r);
    /* the first customer's first rule beyond the model's */
    unsigned char *rp = malloc(rec[0].len);
    memcpy(rp, rec[0].b, rec[0].len);
    uint32_t l;
    memcpy(&l, rp + 24, 4);
    uint32_t big = (uint32_t)c->nrules;
    const unsigned char *pp = rp;
    r = patch(rp, rec[0].len, 24 + 4 + l + 1, &big, 4) ? sg_mpi_rec_assemble(&pp, &rec[0].len, 1, c, cc, 3, NULL, &err)
                                                        : NULL;
    tap_ok(!r && err.code == SG_EDATA, "a rule beyond the model's refused (%s)", r ? "-" : err.msg);
    sg_table_free(r);
    free(rp);
    p[0] = rec[1].b;
    r = sg_mpi_rec_assemble(p, &rec[1].len, 1, c, cc, 3, NULL, &err);
    tap_ok(!r && err.code == SG_EDATA && strstr(err.msg, "does not hold"),
           "a customer the table does not hold refused (%s)", r ? "-" : err.msg);
    sg_table_free(r);
out:
    sg_mpi_buf_free(&cb);
    sg_mpi_buf_free(&rec[0]);
    sg_mpi_buf_free(&rec[1]);
    sg_cooc_free(c);
    sg_table_free(t);
    sg_table_free(other);
    free(text);
}

/* Online Retail's rows with a customer (its ids read as text, "17850.0"),
 * the retail recipe's min_support, on 2 and 3 owners. */
static void test_retail(void)
{
    char path[1024];
    if (!retail_path(path, sizeof path, 2))
        return;
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_override ov = { "CustomerID", SG_STRING, SG_DATE_UNKNOWN, 0 };
    o.overrides = &ov;
    o.noverrides = 1;
    sg_csv_report rep;
    sg_error err;
    sg_table *raw = sg_csv_read(path, &o, &rep, &err);
    if (!raw) {
        tap_skip(2, "Online Retail cannot be read");
        return;
    }
    sg_csv_report_free(&rep);
    const sg_column *rc = sg_table_col(raw, "CustomerID");
    size_t *with = malloc(raw->nrows * sizeof *with), nw = 0;
    for (size_t i = 0; with && rc && i < raw->nrows; i++)
        if (!sg_column_is_na(rc, i))
            with[nw++] = i;
    sg_table *t = with ? sg_table_take(raw, with, nw, &err) : NULL;
    free(with);
    sg_table_free(raw);
    sg_cooc_options co;
    sg_cooc_options_init(&co);
    co.invoice = "InvoiceNo";
    co.item = "StockCode";
    sg_cooc *c = t ? sg_cooc_fit(t, &co, &err) : NULL;
    sg_table *want = c ? sg_cooc_recommend(c, t, "CustomerID", NULL, 3, &err) : NULL;
    char *ws = want ? dump(want) : NULL;
    for (int n = 2; n <= 3; n++) {
        sg_table *own[MAXN] = { NULL };
        uint64_t ncust[MAXN] = { 0 };
        sg_mpi_buf rec[MAXN];
        memset(rec, 0, sizeof rec);
        sg_table *got = ws && mpi_test_spread(t, "CustomerID", n, own) == 0
                            ? on_owners(c, t, own, n, "CustomerID", 3, ncust, rec) : NULL;
        char *gs = got ? dump(got) : NULL;
        size_t bytes = 0;
        uint64_t sum = 0;
        for (int k = 0; k < n; k++) {
            bytes += k ? rec[k].len : 0;
            sum += ncust[k];
        }
        tap_ok(ws && gs && strcmp(ws, gs) == 0 && want->nrows > 1000,
               "Online Retail, %d owners: the %zu rows of one process for %llu customers (%zu rules); %zu bytes of "
               "records from ranks 1..%d", n, want ? want->nrows : 0, (unsigned long long)sum, c ? c->nrules : 0,
               bytes, n - 1);
        free(gs);
        sg_table_free(got);
        for (int k = 0; k < n; k++) {
            sg_table_free(own[k]);
            sg_mpi_buf_free(&rec[k]);
        }
    }
    free(ws);
    sg_table_free(want);
    sg_cooc_free(c);
    sg_table_free(t);
}

int main(void)
{
    tap_plan(48);
    if (!mpi_test_begin("mpi_recommend"))
        return tap_skip_all("no scratch folder"), 0;
    test_small();
    test_malformed();
    test_retail();
    mpi_test_end();
    return tap_done();
}
