/* Per-customer cleaning on the owning ranks (core/mpi_clean.c), in one
 * process: after a distributed read every part typed with rank 0's
 * schema holds exactly the table's rows of that part (and their hash is
 * the table's); every owner's netting and duplicate marks, gathered by
 * row number, are what segmint.clean computes over the whole table
 * (conditions before netting, netting, the condition after it, then
 * duplicates over the rows left); malformed records are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clean.h"
#include "csv.h"
#include "csv_internal.h"
#include "csvwrite.h"
#include "expr.h"
#include "mem.h"
#include "mpi_clean.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

static sg_table *rows_of(const sg_table *t, size_t from, size_t to)
{
    size_t *r = malloc((to - from + 1) * sizeof *r);
    sg_error err;
    for (size_t i = from; r && i < to; i++)
        r[i - from] = i;
    sg_table *x = r ? sg_table_take(t, r, to - from, &err) : NULL;
    free(r);
    return x;
}

/* The parts a distributed read of n parts keeps are the table's rows. */
static void parts_are_rows(const char *label, const char *path, const sg_csv_options *o, int n)
{
    sg_table *parts[64];
    uint64_t rows[64];
    sg_csv_report rep;
    sg_error err;
    sg_table *t = sg_mpi_read_local_parts(path, o, n, &rep, &err, parts, rows);
    if (!t) {
        tap_ok(0, "%s, %d parts: read (%s)", label, n, err.msg);
        return;
    }
    sg_csv_report_free(&rep);
    int kept = 1, same = 1, hashes = 1;
    uint64_t off = rows[0];
    for (int k = 1; k < n; k++) {
        if (!parts[k]) {
            kept = 0;
            continue;
        }
        sg_table *want = rows_of(t, (size_t)off, (size_t)(off + rows[k]));
        char *a = want ? dump(want) : NULL, *b = dump(parts[k]);
        if (!a || !b || strcmp(a, b) != 0) {
            same = 0;
            tap_diag("part %d differs:\n%.300s\n---\n%.300s", k, a ? a : "(null)", b ? b : "(null)");
        }
        if (sg_mpi_rows_hash(parts[k], 0, parts[k]->nrows) != sg_mpi_rows_hash(t, (size_t)off, (size_t)(off + rows[k])))
            hashes = 0;
        free(a);
        free(b);
        sg_table_free(want);
        off += rows[k];
    }
    tap_ok(kept && off == t->nrows, "%s, %d parts: every part kept typed, %zu rows in all", label, n, t->nrows);
    tap_ok(same, "... each part holds the table's rows of its range (types, date-only flags, values)");
    tap_ok(hashes, "... and their hash is the table's over that range");
    for (int k = 1; k < n; k++)
        sg_table_free(parts[k]);
    sg_table_free(t);
}

static void test_parts(void)
{
    /* int64 in the sample, a double in a later part; day-first dates
     * decided by a value in the last part; bools; text; missing values */
    const char *text = "id,qty,price,day,flag,name\n"
                       "1,3,1,01/02/2020,true,a\n"
                       "2,4,2,02/02/2020,false,b\n"
                       "3,,3,03/02/2020,,\"c, quoted\"\n"
                       "4,6,4.5,04/02/2020,true,d\n"
                       "5,7,5,05/02/2020,false,\n"
                       "6,8.5,6,06/02/2020,true,f\n"
                       "7,9,7,07/02/2020,false,g\n"
                       "8,10,8,25/02/2020,true,h\n";
    const char *p = write_file("parts.csv", text);
    sg_csv_options o;
    sg_csv_options_init(&o);
    for (int n = 2; n <= 4; n++)
        parts_are_rows("small, dictionary parts", p, &o, n);
    sg_csv_tune(0, 0, 2);   /* typed speculation after 2 rows */
    for (int n = 2; n <= 4; n++)
        parts_are_rows("small, typed parts", p, &o, n);
    sg_csv_tune(0, 0, 0);
    const char *dt = "d,v\n2020-01-01,1\n2020-01-02,2\n2020-01-03 10:00:00,3\n2020-01-04,4\n";
    parts_are_rows("dates, one with a time", write_file("dt.csv", dt), &o, 3);
    /* nothing kept when rows are skipped */
    sg_csv_options so;
    sg_csv_options_init(&so);
    so.skip_bad_rows = 1;
    sg_table *parts[64];
    uint64_t rows[64];
    sg_csv_report rep;
    sg_error err;
    sg_table *t = sg_mpi_read_local_parts(p, &so, 2, &rep, &err, parts, rows);
    tap_ok(t && !parts[1], "skip mode: no part kept");
    if (t)
        sg_csv_report_free(&rep);
    sg_table_free(t);
    /* the hash sees a changed value */
    sg_csv_report r2;
    sg_table *a = sg_csv_read(p, &o, &r2, &err);
    if (a) {
        sg_csv_report_free(&r2);
        uint64_t h = sg_mpi_rows_hash(a, 0, a->nrows);
        sg_column_f64(sg_table_col(a, "price"))[3] = 4.25;
        tap_ok(h != sg_mpi_rows_hash(a, 0, a->nrows), "the rows' hash changes with one value");
    } else {
        tap_ok(0, "the rows' hash changes with one value");
    }
    sg_table_free(a);
}

/* ---- cleaning on the owners ---- */

/* keep[i] = every condition is true on row i. */
static int conditions(const sg_table *t, const char *const *c, size_t nc, uint8_t *keep)
{
    memset(keep, 1, t->nrows ? t->nrows : 1);
    return keep_where(t, c, nc, keep);
}

/* What segmint.clean computes over the whole table: qty[i] and dup[i]
 * per original row (in1/in2: the row took part in netting / in duplicate
 * marking). */
typedef struct ref {
    int64_t *qty;
    uint8_t *dup, *in1, *in2;
    double unmatched;
} ref;

static int reference(const sg_table *t, const sg_mpi_clean_opts *o, ref *r)
{
    size_t n = t->nrows ? t->nrows : 1;
    sg_error err;
    r->qty = calloc(n, sizeof *r->qty);
    r->dup = calloc(n, 1);
    r->in1 = calloc(n, 1);
    r->in2 = calloc(n, 1);
    size_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2), n1 = 0, n2 = 0;
    uint8_t *keep = malloc(n), *cancel = malloc(n), *dup = calloc(n, 1);
    int64_t *q = malloc(n * sizeof *q);
    int rc = r->qty && r->dup && r->in1 && r->in2 && l1 && l2 && keep && cancel && dup && q ? 0 : -1;
    sg_table *t1 = NULL, *t1q = NULL, *t2 = NULL;
    if (!rc && !o->net) {
        /* duplicates over every row */
        if (sg_clean_duplicated(t, r->dup, &err) != 0)
            rc = -1;
        memset(r->in2, 1, n);
        goto out;
    }
    if (!rc && conditions(t, o->pre, o->npre, keep) != 0)
        rc = -1;
    for (size_t i = 0; !rc && i < t->nrows; i++)
        if (keep[i])
            l1[n1++] = i;
    if (!rc && !(t1 = sg_table_take(t, l1, n1, &err)))
        rc = -1;
    if (!rc && conditions(t1, &o->cancel, 1, cancel) != 0)
        rc = -1;
    if (!rc && sg_clean_net_cancellations(t1, o->customer, o->item, o->quantity, o->price, o->date, cancel,
                                          o->match_price, q, &r->unmatched, &err) != 0)
        rc = -1;
    sg_column *nq = rc ? NULL : sg_column_new(o->quantity, SG_INT64, n1);
    for (size_t i = 0; nq && i < n1; i++)
        sg_column_push_i64(nq, q[i]);
    if (!rc && (!nq || !(t1q = sg_table_share(t1)) || sg_table_set(t1q, nq, &err) != 0))
        rc = -1;
    if (!rc && conditions(t1q, &o->post, 1, keep) != 0)
        rc = -1;
    for (size_t i = 0; !rc && i < n1; i++)
        if (keep[i])
            l2[n2++] = i;
    if (!rc && (!(t2 = sg_table_take(t1q, l2, n2, &err)) || sg_clean_duplicated(t2, dup, &err) != 0))
        rc = -1;
    for (size_t k = 0; !rc && k < n1; k++) {
        r->in1[l1[k]] = 1;
        r->qty[l1[k]] = q[k];
    }
    for (size_t k = 0; !rc && k < n2; k++) {
        r->in2[l1[l2[k]]] = 1;
        r->dup[l1[l2[k]]] = dup[k];
    }
out:
    if (rc)
        tap_diag("reference: %s", err.msg);
    sg_table_free(t1);
    sg_table_free(t1q);
    sg_table_free(t2);
    free(l1);
    free(l2);
    free(keep);
    free(cancel);
    free(dup);
    free(q);
    return rc;
}

static void ref_free(ref *r)
{
    free(r->qty);
    free(r->dup);
    free(r->in1);
    free(r->in2);
}

/* n ranks each read a contiguous share of t, send every row to its
 * customer's owner; each owner cleans, rank 0 gathers the records. */
static void owners(const char *label, const sg_table *t, const sg_mpi_clean_opts *o, int n)
{
    sg_mpi_buf sent[8][8];
    memset(sent, 0, sizeof sent);
    sg_error err;
    int ok = 1;
    const sg_column *cust = sg_table_col(t, o->customer);
    for (int s = 0; s < n && ok; s++) {
        size_t from = t->nrows * (size_t)s / (size_t)n, to = t->nrows * (size_t)(s + 1) / (size_t)n;
        sg_table *part = rows_of(t, from, to);
        size_t m = to - from, *pick = malloc((m + 1) * sizeof *pick);
        uint64_t *g = malloc((m + 1) * sizeof *g);
        ok = part && pick && g;
        for (size_t i = 0; ok && i < m; i++)
            g[i] = from + i;
        for (int d = 0; ok && d < n; d++) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if ((o->whole_ids ? sg_mpi_owner_whole(cust, from + i, n) : sg_mpi_owner(cust, from + i, n)) == d)
                    pick[k++] = i;
            if (k && sg_mpi_rows_pack(part, g, pick, k, &sent[s][d], &err) != 0)
                ok = 0;
        }
        sg_table_free(part);
        free(pick);
        free(g);
    }
    sg_mpi_clean_result res;
    ok = ok && sg_mpi_clean_result_init(&res, t->nrows, n) == 0;
    size_t owned = 0;
    for (int d = 0; ok && d < n; d++) {
        const unsigned char *parts[8];
        size_t lens[8];
        for (int s = 0; s < n; s++) {
            parts[s] = sent[s][d].b;
            lens[s] = sent[s][d].len;
        }
        uint64_t *gid = NULL;
        sg_table *u = sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid, &err);
        sg_mpi_buf out = { 0 };
        if (!u || sg_mpi_clean_owner(u, gid, o, 0, &out, NULL, NULL, &err) != 0 ||
            sg_mpi_clean_absorb(&res, d, out.b, out.len, &err) != 0) {
            tap_diag("owner %d: %s", d, err.msg);
            ok = 0;
        }
        owned += u ? u->nrows : 0;
        sg_table_free(u);
        sg_free(gid);
        sg_mpi_buf_free(&out);
    }
    for (int s = 0; s < n; s++)
        for (int d = 0; d < n; d++)
            sg_mpi_buf_free(&sent[s][d]);
    ref w = { 0 };
    ok = ok && reference(t, o, &w) == 0;
    size_t diff = 0, dups = 0, netted = 0;
    for (size_t i = 0; ok && i < t->nrows; i++) {
        int f = res.flags[i];
        if (((f & 1) != 0) != (w.in1[i] != 0) || (w.in1[i] && res.qty[i] != w.qty[i]) ||
            (w.in2[i] && ((f & 2) != 0) != (w.dup[i] != 0)) || (!w.in2[i] && (f & 2)))
            diff++;
        dups += w.in2[i] && w.dup[i];
        netted += w.in1[i] != 0;
    }
    tap_ok(ok && owned == t->nrows, "%s, %d owners: every row owned once (%zu)", label, n, owned);
    tap_diag("%s: %zu rows netting saw, %zu duplicates", label, netted, dups);
    tap_is_int((long long)diff, 0, "... every row's netted quantity and duplicate mark as over the whole table");
    tap_ok(ok && (double)res.unmatched == w.unmatched, "... unmatched quantity %lld (whole table: %.17g)",
           (long long)res.unmatched, w.unmatched);
    ref_free(&w);
    if (ok)
        sg_mpi_clean_result_free(&res);
}

static const char *const PRE[] = { "not is_missing(cust)" };
static const char *const PRE_RETAIL[] = { "not is_missing(CustomerID)" };

static void test_owners_small(void)
{
    const char *text = "inv,item,qty,price,date,cust\n"
                       "1,P1,10,2.5,2020-01-01 10:00:00,A\n"
                       "2,P2,1,1.0,2020-01-01 11:00:00,B\n"
                       "3,P1,4,2.5,2020-01-02 10:00:00,A\n"
                       "4,P3,2,3.0,2020-01-02 12:00:00,\n"
                       "5,P2,5,1.0,2020-01-03 09:00:00,C\n"
                       "6,P3,2,3.0,2020-01-02 12:00:00,\n"
                       "1,P1,10,2.5,2020-01-01 10:00:00,A\n"
                       "C7,P1,-12,2.5,2020-01-05 10:00:00,A\n"
                       "C8,P2,-3,1.0,2020-01-06 10:00:00,B\n"
                       "4,P3,2,3.0,2020-01-02 12:00:00,\n"
                       "C9,P2,-9,1.0,2020-01-07 10:00:00,C\n"
                       "C10,P1,-1,2.5,2020-01-08 10:00:00,A\n"
                       "C11,P4,-2,1.0,2020-01-08 10:00:00,\n"
                       "12,P1,3,2.5,2020-01-09 10:00:00,A\n"
                       "12,P1,3,2.5,2020-01-09 10:00:00,A\n";
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_report rep;
    sg_error err;
    sg_table *t = sg_csv_read(write_file("clean.csv", text), &o, &rep, &err);
    if (!t) {
        tap_skip(22, "cannot read the test table");
        return;
    }
    sg_csv_report_free(&rep);
    sg_mpi_clean_opts co = { "cust", "item", "qty", "price", "date",
                             "coalesce(starts_with(inv, 'C'), false)",
                             "not coalesce(starts_with(inv, 'C'), false) and qty != 0", "amount",
                             (const char **)PRE, 1, 1, 1, 1, 0, "", NULL, 0, 0, 0, 0 };
    for (int n = 1; n <= 3; n++)
        owners("small, net and duplicates", t, &co, n);
    co.npre = 0;   /* missing customers kept: their cancellation is unmatched */
    owners("small, missing customers kept", t, &co, 3);
    co.net = 0;
    owners("small, duplicates only", t, &co, 2);
    /* the records: a row reported twice, or beyond the table, is refused */
    sg_mpi_clean_result res;
    sg_mpi_buf b = { 0 };
    uint64_t head[5] = { 2, 0, 0, 0, 0 }, g = 1, zero = 0, nrec = 2;
    int64_t q = 5;
    unsigned char f = 1;
    sg_mpi_buf_put(&b, head, sizeof head);
    /* empty tallies (sums of SG_XSUM_WORDS + 2 words: the exact sum, then the integer sum as 128 bits; no steps), no ids */
    size_t words = 1 + (SG_XSUM_WORDS + 2) + 1 + 3 + 3 * (SG_XSUM_WORDS + 2) + 1 + (SG_XSUM_WORDS + 2) + 1 + 2;
    for (size_t k = 0; k < words; k++)
        sg_mpi_buf_put(&b, &zero, 8);
    sg_mpi_buf_put(&b, &nrec, 8);
    for (int k = 0; k < 2; k++) {
        sg_mpi_buf_put(&b, &g, 8);
        sg_mpi_buf_put(&b, &q, 8);
        sg_mpi_buf_put(&b, &f, 1);
    }
    if (sg_mpi_clean_result_init(&res, t->nrows, 2) == 0) {
        int rc = sg_mpi_clean_absorb(&res, 1, b.b, b.len, &err);
        tap_ok(rc == SG_EDATA && strstr(err.msg, "rank 1") && strstr(err.msg, "twice"), "a row reported twice: %s",
               err.msg);
        rc = sg_mpi_clean_absorb(&res, 1, b.b, b.len - 1, &err);
        tap_ok(rc == SG_EDATA && strstr(err.msg, "malformed"), "truncated records: %s", err.msg);
        sg_mpi_clean_result_free(&res);
    }
    sg_mpi_buf_free(&b);
    /* two owners whose report tallies have different steps: refused */
    sg_mpi_buf m1 = { 0 }, m2 = { 0 };
    uint64_t *gids = malloc((t->nrows + 1) * sizeof *gids);
    for (size_t i = 0; gids && i < t->nrows; i++)
        gids[i] = i;
    co.dups = 1;
    int built = gids && sg_mpi_clean_owner(t, gids, &co, 0, &m1, NULL, NULL, &err) == 0;
    co.dups = 0;
    built = built && sg_mpi_clean_owner(t, gids, &co, 0, &m2, NULL, NULL, &err) == 0;
    co.dups = 1;
    if (built && sg_mpi_clean_result_init(&res, t->nrows, 2) == 0) {
        int rc1 = sg_mpi_clean_absorb(&res, 0, m1.b, m1.len, &err);
        int rc2 = sg_mpi_clean_absorb(&res, 1, m2.b, m2.len, &err);
        tap_ok(rc1 == 0 && rc2 == SG_EDATA && strstr(err.msg, "rank 1") && strstr(err.msg, "malformed"),
               "owners' tallies with different steps refused: %s", err.msg);
        sg_mpi_clean_result_free(&res);
    } else {
        tap_ok(0, "owners' tallies with different steps refused (the owners failed: %s)", err.msg);
    }
    sg_mpi_buf_free(&m1);
    sg_mpi_buf_free(&m2);
    free(gids);
    /* options and schema as bytes and back */
    sg_mpi_buf ob = { 0 };
    sg_mpi_clean_opts back;
    co.net = 1;
    co.npre = 1;
    int rt = sg_mpi_clean_opts_encode(&co, &ob) == 0 && sg_mpi_clean_opts_decode(ob.b, ob.len, &back) == 0;
    tap_ok(rt && !strcmp(back.customer, "cust") && !strcmp(back.post, co.post) && back.npre == 1 &&
               !strcmp(back.pre[0], PRE[0]) && back.net && back.dups && back.match_price && !back.whole_ids,
           "the options as bytes and back");
    if (rt) {
        sg_free(back.pre);
        sg_free(back.after);
    }
    tap_ok(sg_mpi_clean_opts_decode(ob.b, ob.len / 2, &back) == -1, "... truncated options refused");
    sg_mpi_buf_free(&ob);
    sg_mpi_schema s, s2;
    sg_mpi_buf sb = { 0 };
    rt = sg_mpi_schema_of(t, NULL, &s) == 0;
    rt = rt && sg_mpi_schema_encode(&s, &sb) == 0 && sg_mpi_schema_decode(sb.b, sb.len, &s2) == 0;
    tap_ok(rt && sg_mpi_schema_matches(&s2, t) && s2.ncols == 6 && !strcmp(s2.names[4], "date"),
           "the schema as bytes and back matches the table");
    if (rt) {
        s2.types[2] = SG_DOUBLE;
        tap_ok(!sg_mpi_schema_matches(&s2, t), "... and not with a column of another type");
        sg_mpi_schema_free(&s2);
    }
    sg_mpi_schema_free(&s);
    sg_mpi_buf_free(&sb);
    sg_table_free(t);
}

static void test_owners_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 9))
        return;
    sg_csv_options o;
    sg_csv_options_init(&o);
    parts_are_rows("Online Retail", path, &o, 3);
    sg_table *t = read_retail(path, 6);
    if (!t)
        return;
    sg_mpi_clean_opts co = { "CustomerID", "StockCode", "Quantity", "UnitPrice", "InvoiceDate",
                             "coalesce(starts_with(InvoiceNo, 'C'), false)",
                             "not coalesce(starts_with(InvoiceNo, 'C'), false) and Quantity != 0", "amount",
                             (const char **)PRE_RETAIL, 1, 1, 1, 1, 1, "", NULL, 0, 0, 0, 0 };
    owners("Online Retail", t, &co, 2);
    owners("Online Retail", t, &co, 3);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_clean")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_parts();
    test_owners_small();
    test_owners_retail();
    mpi_test_end();
    return tap_done();
}
