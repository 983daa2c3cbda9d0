/* Model features per customer on the owning ranks (core/mpi_features.c),
 * in one process: n simulated ranks each read a contiguous share of the
 * table and send every row to its customer's owner (packed and unpacked
 * as the exchange does, so each owner has its own dictionaries); each
 * owner computes its customers' features from the encoded command
 * (sg_mpi_features_owner) and "rank 0" assembles the records
 * (sg_mpi_features_assemble) after the template sg_mpi_features_template
 * gives.  The table must be the one sg_features_build gives over the whole
 * table, every value to the bit, with the same info: string and int64
 * customers, labels or none, categories joined from a products table
 * carried by the command (an item without a product, a category column
 * the transactions already have), an owner without rows, Online Retail
 * (double ids) on 2 and 3 owners.  Malformed records, a customer sent by
 * two ranks, records of another layout and a truncated command are
 * refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custfeatures.h"
#include "expr.h"
#include "join.h"
#include "mem.h"
#include "mpi_features.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

#define MAXN 4

/* 1 when a and b have the same columns (names, types) and the same
 * values, numbers compared bit for bit, missing values in the same rows. */
static int same_table(const sg_table *a, const sg_table *b, char *why, size_t whylen)
{
    if (a->ncols != b->ncols || a->nrows != b->nrows) {
        snprintf(why, whylen, "%zu x %zu against %zu x %zu", a->nrows, a->ncols, b->nrows, b->ncols);
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(x->name, y->name) || x->type != y->type || x->n != a->nrows || y->n != b->nrows) {
            snprintf(why, whylen, "column %zu: %s against %s", j, x->name, y->name);
            return 0;
        }
        for (size_t i = 0; i < a->nrows; i++) {
            int na = sg_column_is_na(x, i);
            int same = na == sg_column_is_na(y, i);
            if (same && !na && x->type == SG_STRING) {
                size_t lx, ly;
                const char *sx = sg_column_str(x, i, &lx), *sy = sg_column_str(y, i, &ly);
                same = lx == ly && memcmp(sx, sy, lx) == 0;
            } else if (same && !na) {
                same = memcmp((const char *)x->data + i * 8, (const char *)y->data + i * 8, 8) == 0;
            }
            if (!same) {
                snprintf(why, whylen, "column %s, row %zu", x->name, i);
                return 0;
            }
        }
    }
    return 1;
}

static int same_info(const sg_features_info *a, const sg_features_info *b)
{
    return a->rows_history == b->rows_history && a->rows_future == b->rows_future &&
           a->rows_after == b->rows_after && a->rows_missing == b->rows_missing && a->customers == b->customers &&
           a->last_date == b->last_date && a->horizon_complete == b->horizon_complete;
}

/* 2 tests: over n owners (plus an owner without rows when extra), the
 * assembled table equals sg_features_build over t (joined with products
 * as segmint.predict joins them), and so does the info. */
static void check(const char *label, const sg_table *t, const sg_features_options *o, const sg_table *products,
                  int n, int extra)
{
    sg_error err;
    sg_features_info wi, di;
    memset(&wi, 0, sizeof wi);
    memset(&di, 0, sizeof di);
    const char *key[1] = { o->item };
    sg_table *joined = products ? sg_table_join(t, products, key, key, 1, SG_JOIN_LEFT, "_right", &err) : NULL;
    sg_table *want = sg_features_build(products ? joined : t, o, &wi, &err);
    if (!want)
        tap_diag("%s: features over the whole table: %s", label, err.msg);
    sg_table *tabs[MAXN] = { NULL };
    sg_mpi_buf cmd = { 0 }, rb[MAXN], pb = { 0 };
    memset(rb, 0, sizeof rb);
    sg_mpi_features_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = 7;
    c.o = *o;
    int ok = mpi_test_spread(t, o->customer, n, tabs) == 0;
    ok = ok && (!products || sg_mpi_features_pack_products(products, &pb, &err) == 0);
    c.products = pb.b;
    c.products_len = pb.len;
    /* the owners decode the command as the service loop does */
    sg_mpi_features_cmd dc;
    ok = ok && sg_mpi_features_encode(&c, &cmd) == 0 && sg_mpi_features_decode(cmd.b, cmd.len, &dc) == 0 &&
         dc.gen == 7;
    int nn = n + extra;
    for (int d = 0; ok && d < nn; d++) {
        if (sg_mpi_features_owner(d < n ? tabs[d] : NULL, &dc, &rb[d], &err) != 0) {
            tap_diag("owner %d: %s", d, err.msg);
            ok = 0;
        }
    }
    sg_table *tmpl = ok ? sg_mpi_features_template(t, o, products, &err) : NULL;
    sg_table *got = NULL;
    uint64_t ncust[MAXN] = { 0 }, sum = 0;
    if (tmpl) {
        const unsigned char *parts[MAXN];
        size_t lens[MAXN];
        for (int d = 0; d < nn; d++) {
            parts[d] = rb[d].b;
            lens[d] = rb[d].len;
        }
        got = sg_mpi_features_assemble(parts, lens, nn, tmpl, o, &di, ncust, &err);
        if (!got)
            tap_diag("assemble: %s", err.msg);
    }
    int with = 0;   /* owners with customers: two at least when there are two, or nothing is merged */
    for (int d = 0; d < nn; d++) {
        sum += ncust[d];
        with += ncust[d] > 0;
    }
    char why[200] = "";
    tap_ok(want && got && same_table(want, got, why, sizeof why) && sum == want->nrows &&
               with >= (n > 1 ? 2 : 1),
           "%s, %d owners%s: %zu customers x %zu columns (%llu from %d owners), every value as over the "
           "whole table %s", label, n, extra ? " and one without rows" : "", want ? want->nrows : 0,
           want ? want->ncols : 0, (unsigned long long)sum, with, why);
    tap_ok(want && got && same_info(&wi, &di),
           "... info as over the whole table: history %zu, future %zu, after %zu, missing %zu rows, complete %d",
           di.rows_history, di.rows_future, di.rows_after, di.rows_missing, di.horizon_complete);
    for (int d = 0; d < MAXN; d++) {
        sg_table_free(tabs[d]);
        sg_mpi_buf_free(&rb[d]);
    }
    sg_mpi_buf_free(&cmd);
    sg_mpi_buf_free(&pb);
    sg_table_free(tmpl);
    sg_table_free(got);
    sg_table_free(want);
    sg_table_free(joined);
}

/* customers A..F; missing customer, invoice and amount; returns; a sale
 * of 0; rows after the horizon; F only returns (no features) */
static const char SMALL[] = "inv,item,amount,date,cust,cat\n"
                            "1,P1,25,2020-01-01 10:00:00,A,x\n"
                            "2,P2,1.5,2020-01-01 11:00:00,B,y\n"
                            "3,P1,10,2020-01-02 10:00:00,A,x\n"
                            "4,P3,6,2020-01-02 12:00:00,,z\n"
                            "5,P2,5,2020-01-03 09:00:00,C,y\n"
                            ",P4,4,2020-01-03 09:30:00,C,w\n"
                            ",P2,2,2020-01-03 08:00:00,C,y\n"
                            "7,P1,-12,2020-01-05 10:00:00,A,x\n"
                            "8,P2,-3,2020-01-06 10:00:00,B,y\n"
                            "13,P2,0.2,2020-01-20 10:00:00,B,y\n"
                            "13,P4,2.1,2020-01-20 10:00:00,B,w\n"
                            "14,P2,0.1,2020-01-04 10:00:00,B,y\n"
                            "15,P5,0,2020-01-08 10:00:00,A,v\n"
                            "12,P1,7.5,2020-01-09 10:00:00,A,x\n"
                            "12,P6,7.5,2020-01-09 10:00:00,A,\n"
                            "16,P1,0.9,2020-02-09 10:00:00,D,x\n"
                            "17,P6,0.3,2020-01-09 23:00:00,D,\n"
                            "18,P7,,2020-01-10 10:00:00,D,u\n"
                            "19,P1,3,2020-01-25 10:00:00,E,x\n"
                            "20,P1,2,2020-03-25 10:00:00,E,x\n"
                            "21,P2,-1,2020-01-11 10:00:00,F,y\n"
                            "22,P3,4,2020-01-26 10:00:00,A,z\n"
                            "23,P3,4,2020-04-26 10:00:00,C,z\n";

static const char PRODUCTS[] = "item,kind\n"
                               "P1,fruit\n"
                               "P2,bread\n"
                               "P3,fruit\n"
                               "P4,cheese\n"
                               "P6,bread\n"
                               "P7,wine\n";

static void small_options(sg_features_options *o)
{
    sg_features_options_init(o);
    o->customer = "cust";
    o->date = "date";
    o->invoice = "inv";
    o->amount = "amount";
    o->item = "item";
    o->cutoff = 1579046400;   /* 2020-01-15 */
    o->window_days = 7;
}

static void test_small(void)
{
    sg_table *t = read_text("small.csv", SMALL);
    sg_table *p = read_text("products.csv", PRODUCTS);
    sg_error err;
    const char *keep[2] = { "item", "kind" };
    sg_table *ps = p ? sg_table_select(p, keep, 2, &err) : NULL;
    sg_column *k = ps ? sg_column_copy(ps->cols[1], "_category") : NULL;
    if (!t || !ps || !k || sg_table_set(ps, k, &err) != 0) {
        tap_skip(18, "cannot read the test tables");
        sg_table_free(t);
        sg_table_free(p);
        sg_table_free(ps);
        return;
    }
    sg_features_options o;
    small_options(&o);
    o.horizon_days = 30;
    o.category = "cat";
    for (int n = 1; n <= 3; n++)
        check("small, labels, the transactions' categories", t, &o, NULL, n, 0);
    o.horizon_days = 0;
    o.cutoff = 1580515200;   /* 2020-02-01 */
    check("small, no labels", t, &o, NULL, 3, 1);
    /* the categories of a products table carried by the command */
    const char *drop[5] = { "inv", "item", "amount", "date", "cust" };
    sg_table *t2 = sg_table_select(t, drop, 5, &err);
    small_options(&o);
    o.horizon_days = 30;
    o.category = "_category";
    sg_table *pp = sg_table_select(ps, (const char *[]){ "item", "_category" }, 2, &err);
    for (int n = 1; n <= 3; n++)
        check("small, categories from products", t2, &o, pp, n, 0);
    /* the transactions have a _category already: the join names the products' _category_right */
    sg_column *own = sg_column_copy(sg_table_col(t, "cat"), "_category");
    sg_table *t3 = sg_table_share(t);
    int ok3 = own && t3 && sg_table_set(t3, own, &err) == 0;
    if (ok3)
        check("small, a _category of the transactions kept", t3, &o, pp, 2, 0);
    else
        tap_skip(2, "cannot add the column");
    sg_table_free(t3);
    sg_table_free(pp);
    sg_table_free(t2);
    sg_table_free(t);
    sg_table_free(p);
    sg_table_free(ps);
    /* int64 customers */
    t = read_text("int.csv", "inv,item,amount,date,cust\n"
                             "1,P1,2.5,2020-01-01 10:00:00,7\n"
                             "2,P1,2,2020-01-02 10:00:00,-8\n"
                             "3,P2,1.5,2020-01-03 10:00:00,7\n"
                             "4,P2,1.5,2020-01-04 10:00:00,123456789012\n"
                             "5,P2,1,2020-01-20 10:00:00,7\n"
                             "6,P2,-1.5,2020-01-06 10:00:00,-8\n"
                             "7,P2,3,2020-01-07 10:00:00,0\n"
                             "8,P1,2.5,2020-01-08 10:00:00,-8\n");
    if (!t) {
        tap_skip(2, "cannot read the int64 table");
        return;
    }
    small_options(&o);
    o.horizon_days = 10;
    check("int64 customers", t, &o, NULL, 3, 0);
    sg_table_free(t);
}

/* 5 tests: records and commands that are refused */
static void test_refused(void)
{
    sg_table *t = read_text("small.csv", SMALL);
    if (!t) {
        tap_skip(5, "cannot read the test table");
        return;
    }
    sg_features_options o;
    small_options(&o);
    o.horizon_days = 30;
    sg_mpi_features_cmd c;
    memset(&c, 0, sizeof c);
    c.o = o;
    sg_mpi_buf b = { 0 }, cb = { 0 };
    sg_error err;
    sg_features_info info;
    int ok = sg_mpi_features_owner(t, &c, &b, &err) == 0;
    sg_table *tmpl = sg_mpi_features_template(t, &o, NULL, &err);
    ok = ok && tmpl;
    const unsigned char *parts[2] = { b.b, b.b };
    size_t lens[2] = { b.len, b.len - 1 };
    sg_table *a = ok ? sg_mpi_features_assemble(parts, lens, 2, tmpl, &o, &info, NULL, &err) : NULL;
    tap_ok(ok && !a && err.code == SG_EDATA && strstr(err.msg, "rank 1") && strstr(err.msg, "malformed"),
           "truncated feature records refused: %s", err.msg);
    lens[1] = b.len;
    a = ok ? sg_mpi_features_assemble(parts, lens, 2, tmpl, &o, &info, NULL, &err) : NULL;
    tap_ok(ok && !a && err.code == SG_EDATA && strstr(err.msg, "two ranks"), "a customer from two ranks refused: %s",
           err.msg);
    /* the template without labels has 3 columns fewer than these records */
    sg_features_options nl = o;
    nl.horizon_days = 0;
    sg_table *tmpl2 = sg_mpi_features_template(t, &nl, NULL, &err);
    a = tmpl2 ? sg_mpi_features_assemble(parts, lens, 1, tmpl2, &nl, &info, NULL, &err) : NULL;
    tap_ok(tmpl2 && !a && err.code == SG_EDATA && strstr(err.msg, "rank 0"),
           "records of another layout refused: %s", err.msg);
    c.gen = 3;
    ok = sg_mpi_features_encode(&c, &cb) == 0;
    sg_mpi_features_cmd back;
    tap_ok(ok && sg_mpi_features_decode(cb.b, cb.len, &back) == 0 && back.gen == 3 &&
               !strcmp(back.o.customer, "cust") && !strcmp(back.o.item, "item") && !back.o.category &&
               back.o.cutoff == o.cutoff && back.o.window_days == 7 && back.o.horizon_days == 30 &&
               back.products_len == 0,
           "the command as bytes and back");
    tap_ok(ok && sg_mpi_features_decode(cb.b, cb.len - 3, &back) == -1, "... a truncated command refused");
    sg_table_free(tmpl);
    sg_table_free(tmpl2);
    sg_mpi_buf_free(&b);
    sg_mpi_buf_free(&cb);
    sg_table_free(t);
}

static void test_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 4))
        return;
    sg_table *r = read_retail(path, 4);
    if (!r)
        return;
    sg_error err;
    sg_table *t = sg_table_derive(r, "amount", "Quantity * UnitPrice", &err);
    sg_table_free(r);
    if (!t) {
        tap_skip(4, "cannot derive the amount");
        return;
    }
    sg_features_options o;
    sg_features_options_init(&o);
    o.customer = "CustomerID";
    o.date = "InvoiceDate";
    o.invoice = "InvoiceNo";
    o.amount = "amount";
    o.item = "StockCode";
    o.cutoff = 1315699200;   /* 2011-09-11 */
    o.horizon_days = 90;
    check("Online Retail, labels", t, &o, NULL, 2, 0);
    o.cutoff = 1323475200;   /* 2011-12-10 */
    o.horizon_days = 0;
    check("Online Retail, no labels", t, &o, NULL, 3, 0);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_features")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_small();
    test_refused();
    test_retail();
    mpi_test_end();
    return tap_done();
}
