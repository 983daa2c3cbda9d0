/* The outcomes of past campaign tests on the owning ranks
 * (core/mpi_campaign.c), in one process: the command travels as bytes, 1
 * to 3 simulated owners each hold the rows of their customers
 * (sg_mpi_owner) in global row order, as cleaning leaves them (NULL when
 * they own none), each computes its records and "rank 0" assembles them.
 * The table must be the one sg_campaign_outcomes gives over the whole
 * table, as text (types, missing values, the revenue sums to the bit):
 * text and int64 customers, a window column and a fixed window, target
 * rows with a missing customer, start or window, a customer with two
 * target rows, a customer without transactions, amounts not exact in
 * binary, returns whose window sums to zero, an owner without rows.
 * Malformed commands and records are refused. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "mem.h"
#include "mpi_campaign.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

/* the transactions: A buys in several windows (amounts 0.1 + 0.2 + 0.3),
 * B returns what it bought (a window summing to 0), C never buys, a row
 * without customer, E buys once */
static const char *TX_TEXT =
    "cust,date,amount\n"
    "A,2021-01-05,0.1\nB,2021-01-06,5\nA,2021-01-07,0.2\n,2021-01-08,9\nB,2021-01-09,-5\nA,2021-01-10,0.3\n"
    "E,2021-02-01,7.7\nA,2021-03-01,1e-17\nB,2021-03-02,0.7\nE,2021-03-05,-0.1\nA,2021-03-06,3.3\n"
    "F,2021-01-20,1.1\nG,2021-01-21,2.2\nH,2021-01-22,3.3\nF,2021-01-25,0.4\n";
static const char *TARGETS_TEXT =
    "campaign,cust,group,start,window_days\n"
    "x,A,treatment,2021-01-01,30\nx,B,treatment,2021-01-01,30\nx,C,control,2021-01-01,30\n"
    "x,,control,2021-01-01,30\nx,E,control,,30\nx,A,control,2021-03-01,7\ny,B,treatment,2021-03-01,\n"
    "y,E,treatment,2021-03-01,1.5\ny,F,control,2021-01-01,30\ny,G,treatment,2021-01-01,30\n"
    "y,H,control,2021-01-22,0.5\ny,Z,control,2021-01-01,30\n";

/* text with the customer letters as numbers (A -> 101, ...): a capital
 * letter alone in its field */
static char *as_ints(const char *text)
{
    char *o = malloc(strlen(text) * 4 + 1), *w = o;
    for (const char *p = text; o && *p; p++) {
        if (*p >= 'A' && *p <= 'Z' && (p == text || p[-1] == ',' || p[-1] == '\n') && p[1] == ',')
            w += sprintf(w, "%d", 101 + (*p - 'A'));
        else
            *w++ = *p;
    }
    if (o)
        *w = 0;
    return o;
}

/* The rows of t whose customer rank k of n owns, in row order; NULL when
 * it owns none (as an owner holds no table then). */
static sg_table *owned(const sg_table *t, const char *cust, int k, int n)
{
    const sg_column *c = sg_table_col(t, cust);
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), m = 0;
    for (size_t i = 0; rows && i < t->nrows; i++)
        if (!sg_column_is_na(c, i) && sg_mpi_owner(c, i, n) == k)
            rows[m++] = i;
    sg_error err;
    sg_table *o = rows && m ? sg_table_take(t, rows, m, &err) : NULL;
    free(rows);
    return o;
}

static int same_id(const sg_column *c, size_t i, size_t j)
{
    if (c->type != SG_STRING)
        return sg_column_i64(c)[i] == sg_column_i64(c)[j];
    size_t li, lj;
    const char *a = sg_column_str(c, i, &li), *b = sg_column_str(c, j, &lj);
    return li == lj && !memcmp(a, b, li);
}

/* The rows of t whose customer is row 0's (A's). */
static sg_table *customer_a(const sg_table *t)
{
    const sg_column *c = sg_table_col(t, "cust");
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), m = 0;
    for (size_t i = 0; rows && i < t->nrows; i++)
        if (!sg_column_is_na(c, i) && same_id(c, i, 0))
            rows[m++] = i;
    sg_error err;
    sg_table *o = rows ? sg_table_take(t, rows, m, &err) : NULL;
    free(rows);
    return o;
}

/* Rank k's block of the plan (its bytes in p->rows after the blocks of
 * the ranks before it) taken into c: 0 or -1. */
static int take_block(sg_mpi_camp_cmd *c, const sg_mpi_camp_plan *p, int k)
{
    size_t at = 0;
    for (int q = 0; q < k; q++)
        at += sg_mpi_camp_block_size(c, q);
    return sg_mpi_camp_block(c, p->rows.b + at, sg_mpi_camp_block_size(c, k));
}

/* The owners' table assembled (NULL: err), with the records per rank. */
static sg_table *on_owners(const sg_table *targets, const char *twindow, double window, const sg_table *tx, int n,
                           uint64_t *nrec, int *empty, sg_error *err)
{
    sg_mpi_camp_plan p;
    sg_table *out = NULL;
    sg_mpi_buf parts[3];
    memset(parts, 0, sizeof parts);
    if (sg_mpi_camp_encode(targets, "cust", "start", twindow, window, tx, 7, "cust", "date", "amount", n, 0, &p,
                           err) != 0)
        return NULL;
    sg_mpi_camp_cmd c;
    if (sg_mpi_camp_decode(p.cmd.b, p.cmd.len, &c) != 0 || c.gen != 7 || c.nrows != p.nsent ||
        c.nranks != (uint64_t)n) {
        sg_error_set(err, SG_EINVAL, "the command does not decode");
        goto done;
    }
    const unsigned char *pp[3];
    size_t lens[3];
    for (int k = 0; k < n; k++) {
        if (take_block(&c, &p, k) != 0) {
            sg_error_set(err, SG_EINVAL, "rank %d's block does not decode", k);
            goto done;
        }
        sg_table *mine = owned(tx, "cust", k, n);
        *empty += !mine;
        int rc = sg_mpi_camp_owner(mine, &c, &parts[k], err);
        sg_table_free(mine);
        if (rc)
            goto done;
        pp[k] = parts[k].b;
        lens[k] = parts[k].len;
    }
    out = sg_mpi_camp_assemble(pp, lens, n, targets, &p, nrec, err);
done:
    for (int k = 0; k < 3; k++)
        sg_mpi_buf_free(&parts[k]);
    sg_mpi_camp_plan_free(&p);
    return out;
}

static void check(const sg_table *targets, const char *twindow, double window, const sg_table *tx, int n,
                  const char *what, int *empty)
{
    sg_error err;
    sg_table *one = sg_campaign_outcomes(targets, "cust", "start", twindow, window, tx, "cust", "date", "amount", &err);
    if (!one) {
        tap_ok(0, "%s: one process: %s", what, err.msg);
        return;
    }
    uint64_t nrec[3] = { 0, 0, 0 };
    sg_table *many = on_owners(targets, twindow, window, tx, n, nrec, empty, &err);
    char *a = dump(one), *b = many ? dump(many) : NULL;
    int same = a && b && !strcmp(a, b);
    tap_ok(same, "%s, %d owner%s: the table of one process (records %llu + %llu + %llu)%s%s", what, n,
           n > 1 ? "s" : "", (unsigned long long)nrec[0], (unsigned long long)nrec[1], (unsigned long long)nrec[2],
           many ? "" : ": ", many ? "" : err.msg);
    if (!same && a && b)
        tap_diag("one process:\n%s\nowners:\n%s", a, b);
    free(a);
    free(b);
    sg_table_free(one);
    sg_table_free(many);
}

static void test_fixture(void)
{
    for (int ty = 0; ty < 2; ty++) {
        char *txt = ty ? as_ints(TX_TEXT) : NULL, *tgt = ty ? as_ints(TARGETS_TEXT) : NULL;
        sg_table *tx = read_text("tx.csv", ty ? txt : TX_TEXT), *targets = read_text("t.csv", ty ? tgt : TARGETS_TEXT);
        free(txt);
        free(tgt);
        const char *what = ty ? "int64 customers" : "text customers";
        int ok = tx && targets && sg_table_col(tx, "cust")->type == (ty ? SG_INT64 : SG_STRING) &&
                 sg_table_col(targets, "cust")->type == (ty ? SG_INT64 : SG_STRING);
        tap_ok(ok, "%s: the fixture read with that type", what);
        if (!ok) {
            sg_table_free(tx);
            sg_table_free(targets);
            continue;
        }
        char label[160];
        int empty = 0;
        for (int n = 1; n <= 3; n++) {
            snprintf(label, sizeof label, "%s, the window column", what);
            check(targets, "window_days", NAN, tx, n, label, &empty);
            snprintf(label, sizeof label, "%s, a fixed window of 20 days", what);
            check(targets, NULL, 20, tx, n, label, &empty);
        }
        /* a value checked by hand: A's first window is 0.1 + 0.2 + 0.3 in row order */
        sg_error err;
        uint64_t nrec[3];
        sg_table *m = on_owners(targets, "window_days", NAN, tx, 2, nrec, &empty, &err);
        const sg_column *rv = m ? sg_table_col(m, "window_revenue") : NULL;
        tap_ok(rv && sg_column_f64(rv)[0] == 0.1 + 0.2 + 0.3 && sg_column_f64(rv)[0] != 0.6 &&
               sg_column_f64(rv)[1] == 0 && sg_column_is_na(rv, 3) && sg_column_is_na(rv, 4) &&
               sg_column_is_na(rv, 6) && sg_column_bools(sg_table_col(m, "responded"))[1] == 1,
               "%s: A's window 0.1 + 0.2 + 0.3 (not 0.6), B's 5 - 5 = 0 but responded, missing customer, start "
               "and window missing", what);
        sg_table_free(m);
        /* one customer's transactions alone: the other owners hold no rows */
        sg_table *one = customer_a(tx);
        for (int n = 2; one && n <= 3; n++) {
            snprintf(label, sizeof label, "%s, A's transactions alone", what);
            check(targets, "window_days", NAN, one, n, label, &empty);
        }
        sg_table_free(one);
        tap_ok(empty >= 3, "%s: %d owner%s without rows among the runs", what, empty, empty == 1 ? "" : "s");
        sg_table_free(tx);
        sg_table_free(targets);
    }
}

/* Each row goes to its customer's owner alone: the blocks' rows add up to
 * the list, and every row's rank is the owner hash of its id (under
 * whole_ids the hash of the whole part: "17850.0" with "17850"). */
static void test_split(void)
{
    sg_table *tx = read_text("tx.csv", "cust,date,amount\n17850,2021-01-02,3\n12,2021-01-03,4\nx9,2021-01-04,5\n");
    sg_table *targets = read_text("t.csv", "cust,start,window_days\n17850.0,2021-01-01,30\n17850,2021-01-01,30\n"
                                           "12,2021-01-01,30\n13,2021-01-01,30\nx9,2021-01-01,30\n");
    const sg_column *tc = targets ? sg_table_col(targets, "cust") : NULL;
    for (int whole = 0; tc && tx && whole < 2; whole++) {
        sg_mpi_camp_plan p;
        sg_error err;
        int rc = sg_mpi_camp_encode(targets, "cust", "start", "window_days", NAN, tx, 7, "cust", "date", "amount", 3,
                                    whole, &p, &err);
        sg_mpi_camp_cmd c;
        int ok = rc == 0 && p.nsent == 5 && sg_mpi_camp_decode(p.cmd.b, p.cmd.len, &c) == 0;
        uint64_t in_blocks = 0;
        for (int k = 0; ok && k < 3; k++) {
            ok = take_block(&c, &p, k) == 0;
            in_blocks += c.nmine;
        }
        for (size_t i = 0; ok && i < p.nsent; i++)
            ok = p.dest[i] == (whole ? sg_mpi_owner_whole(tc, p.sent[i], 3) : sg_mpi_owner(tc, p.sent[i], 3));
        tap_ok(ok && in_blocks == 5 && (!whole || p.dest[0] == p.dest[1]),
               "%s: each of the 5 target rows in its owner's block alone (%llu in the blocks)%s",
               whole ? "whole ids" : "ids as they are", (unsigned long long)in_blocks,
               whole ? "; 17850.0 with 17850" : "");
        if (rc == 0)
            sg_mpi_camp_plan_free(&p);
    }
    if (!tc || !tx)
        tap_ok(0, "the fixture could not be read");
    sg_table_free(tx);
    sg_table_free(targets);
}

/* A copy of block k of p with f applied to its bytes, taken into c. */
static int block_with(sg_mpi_camp_cmd *c, const sg_mpi_camp_plan *p, size_t len, void (*f)(unsigned char *, size_t))
{
    unsigned char *b = malloc(len + 8);
    if (!b)
        return -2;
    memcpy(b, p->rows.b, p->rows.len < len ? p->rows.len : len);
    if (len > p->rows.len)
        memset(b + p->rows.len, 0, len - p->rows.len);
    if (f)
        f(b, len);
    sg_mpi_camp_cmd copy = *c;
    int rc = sg_mpi_camp_block(&copy, b, len);
    free(b);
    return rc;
}

static void zero_last_window(unsigned char *b, size_t len)
{
    double zero = 0;
    memcpy(b + len - 8, &zero, 8);
}

static void inf_last_window(unsigned char *b, size_t len)
{
    double inf = INFINITY;
    memcpy(b + len - 8, &inf, 8);
}

static void first_beyond(unsigned char *b, size_t len)
{
    (void)len;
    uint32_t beyond = 9;
    memcpy(b, &beyond, 4);
}

static void first_twice(unsigned char *b, size_t len)
{
    (void)len;
    uint32_t one = 1;
    memcpy(b, &one, 4);   /* then the second row, also 1 */
}

/* Not split: one fixture through the plan, the command, the block and the
 * records, each refused when malformed, in the order rank 0 and an owner
 * meet them; the cases share its buffers. */
static void test_refused(void)
{
    sg_table *tx = read_text("tx.csv", TX_TEXT), *targets = read_text("t.csv", TARGETS_TEXT);
    if (!tx || !targets) {
        tap_ok(0, "the fixture could not be read");
        sg_table_free(tx);
        sg_table_free(targets);
        return;
    }
    sg_mpi_camp_plan p;
    sg_error err;
    int rc = sg_mpi_camp_encode(targets, "cust", "start", "window_days", NAN, tx, 7, "cust", "date", "amount", 1, 0,
                                &p, &err);
    tap_ok(rc == 0 && p.nsent == 9 && p.rows.len > 0,
           "the plan sends the 9 target rows with customer, start and window (%zu)", p.nsent);
    if (rc != 0) {
        sg_table_free(tx);
        sg_table_free(targets);
        return;
    }
    sg_mpi_camp_cmd c;
    tap_ok(sg_mpi_camp_decode(p.cmd.b, p.cmd.len - 1, &c) != 0, "a truncated command is refused");
    unsigned char *b = malloc(p.cmd.len + 1);
    if (b) {
        memcpy(b, p.cmd.b, p.cmd.len);
        b[p.cmd.len] = 0;
        tap_ok(sg_mpi_camp_decode(b, p.cmd.len + 1, &c) != 0, "a command with a trailing byte is refused");
        uint64_t big = (uint64_t)INT_MAX + 1;
        memcpy(b + p.cmd.len - 8, &big, 8);   /* the block size of rank 0 */
        tap_ok(sg_mpi_camp_decode(b, p.cmd.len, &c) != 0, "a block of more than 2 GiB is refused");
    } else {
        tap_ok(0, "(no memory for the malformed commands)");
    }
    free(b);
    sg_mpi_camp_plan p2;
    if (sg_mpi_camp_encode(targets, "cust", "start", "window_days", NAN, tx, 7, "cust", "date", "amount", 2, 0, &p2,
                           &err) == 0) {
        uint64_t half = (uint64_t)INT_MAX / 2 + 1;   /* each under 2 GiB, together over */
        memcpy(p2.cmd.b + p2.cmd.len - 16, &half, 8);
        memcpy(p2.cmd.b + p2.cmd.len - 8, &half, 8);
        tap_ok(sg_mpi_camp_decode(p2.cmd.b, p2.cmd.len, &c) != 0, "blocks of more than 2 GiB together are refused");
        sg_mpi_camp_plan_free(&p2);
    } else {
        tap_ok(0, "(the 2-rank plan could not be made: %s)", err.msg);
    }
    tap_ok(sg_mpi_camp_decode(p.cmd.b, p.cmd.len, &c) == 0 && c.nranks == 1 &&
           sg_mpi_camp_block_size(&c, 0) == p.rows.len, "the command decodes, with the block's size");
    size_t len = p.rows.len;
    tap_ok(block_with(&c, &p, len - 1, NULL) == -1, "a truncated block is refused");
    tap_ok(block_with(&c, &p, len + 1, NULL) == -1, "a block with a trailing byte is refused");
    tap_ok(block_with(&c, &p, len, zero_last_window) == -1, "a window of 0 days is refused");
    tap_ok(block_with(&c, &p, len, inf_last_window) == -1, "an infinite window is refused");
    tap_ok(block_with(&c, &p, len, first_beyond) == -1, "a row numbered beyond the list is refused");
    tap_ok(block_with(&c, &p, len, first_twice) == -1, "rows not in increasing order are refused");
    tap_ok(sg_mpi_camp_block(&c, p.rows.b, len) == 0 && c.nmine == 9, "the block decodes: 9 rows");
    /* the records: one owner's, then malformed copies */
    sg_mpi_buf rec = { 0 };
    rc = sg_mpi_camp_owner(tx, &c, &rec, &err);
    tap_ok(rc == 0 && rec.len == 8 + 6 * 13, "one owner's records: 6 of 13 bytes after the count (%zu bytes)", rec.len);
    const unsigned char *pp[2] = { rec.b, rec.b };
    size_t lens[2] = { rec.len, rec.len - 1 };
    sg_table *o = sg_mpi_camp_assemble(pp, lens, 1, targets, &p, NULL, &err);
    tap_ok(o != NULL, "the records assemble");
    sg_table_free(o);
    o = sg_mpi_camp_assemble(pp + 1, lens + 1, 1, targets, &p, NULL, &err);
    tap_ok(!o && err.code == SG_EDATA, "truncated records are refused (%s)", o ? "accepted" : err.msg);
    sg_table_free(o);
    lens[1] = rec.len;
    o = sg_mpi_camp_assemble(pp, lens, 2, targets, &p, NULL, &err);
    tap_ok(!o && err.code == SG_EDATA && strstr(err.msg, "already received"),
           "rows sent twice are refused (%s)", o ? "accepted" : err.msg);
    sg_table_free(o);
    /* records of rank 1 for rows sent to rank 0 */
    const unsigned char *pq[2] = { (const unsigned char *)"\0\0\0\0\0\0\0\0", rec.b };
    size_t lq[2] = { 8, rec.len };
    o = sg_mpi_camp_assemble(pq, lq, 2, targets, &p, NULL, &err);
    tap_ok(!o && err.code == SG_EDATA && strstr(err.msg, "another rank"),
           "records of rows sent to another rank are refused (%s)", o ? "accepted" : err.msg);
    sg_table_free(o);
    unsigned char *bad = malloc(rec.len);
    if (bad) {
        memcpy(bad, rec.b, rec.len);
        uint32_t beyond = (uint32_t)p.nsent;
        memcpy(bad + 8, &beyond, 4);
        pp[0] = bad;
        o = sg_mpi_camp_assemble(pp, lens, 1, targets, &p, NULL, &err);
        tap_ok(!o && err.code == SG_EDATA && strstr(err.msg, "beyond"), "a row beyond the list is refused (%s)",
               o ? "accepted" : err.msg);
        sg_table_free(o);
        memcpy(bad, rec.b, rec.len);
        bad[8 + 4] = 2;
        o = sg_mpi_camp_assemble(pp, lens, 1, targets, &p, NULL, &err);
        tap_ok(!o && err.code == SG_EDATA && strstr(err.msg, "responded"), "a responded flag of 2 is refused (%s)",
               o ? "accepted" : err.msg);
        sg_table_free(o);
        memcpy(bad, rec.b, rec.len);
        uint64_t more = 1000;
        memcpy(bad, &more, 8);
        o = sg_mpi_camp_assemble(pp, lens, 1, targets, &p, NULL, &err);
        tap_ok(!o && err.code == SG_EDATA, "a count beyond the bytes is refused (%s)", o ? "accepted" : err.msg);
        sg_table_free(o);
    } else {
        tap_ok(0, "(no memory for the malformed records)");
    }
    free(bad);
    sg_mpi_camp_plan_free(&p);
    /* ids the encoder refuses (doubles) and a check of sg_campaign_outcomes */
    sg_table *dt = read_text("d.csv", "cust,start,window_days\n1.5,2021-01-01,30\n");
    rc = dt ? sg_mpi_camp_encode(dt, "cust", "start", "window_days", NAN, tx, 7, "cust", "date", "amount", 2, 0, &p,
                                 &err)
            : -1;
    tap_ok(rc == SG_EINVAL, "decimal ids against text ids: the check of one process refuses (%s)",
           rc == SG_EINVAL ? err.msg : "accepted");
    if (rc == 0)
        sg_mpi_camp_plan_free(&p);
    sg_table *dx = read_text("dx.csv", "cust,date,amount\n1.5,2021-01-02,3\n");
    rc = dt && dx ? sg_mpi_camp_encode(dt, "cust", "start", "window_days", NAN, dx, 7, "cust", "date", "amount", 2, 0,
                                       &p, &err)
                  : -1;
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "not text or whole numbers"),
           "decimal ids on both sides (one process takes them): the owners decline (%s)", rc ? err.msg : "accepted");
    if (rc == 0)
        sg_mpi_camp_plan_free(&p);
    sg_table_free(dx);
    rc = sg_mpi_camp_encode(targets, "cust", "start", NULL, -1, tx, 7, "cust", "date", "amount", 2, 0, &p, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "positive"), "a window of -1 days is refused (%s)",
           rc ? err.msg : "accepted");
    if (rc == 0)
        sg_mpi_camp_plan_free(&p);
    sg_table_free(dt);
    sg_mpi_buf_free(&rec);
    sg_table_free(tx);
    sg_table_free(targets);
}

int main(void)
{
    if (!mpi_test_begin("mpi_campaign")) {
        tap_skip_all("cannot make a scratch folder");
        return 0;
    }
    test_fixture();
    test_split();
    test_refused();
    mpi_test_end();
    return tap_done();
}
