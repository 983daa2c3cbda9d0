/* Rows partitioned by customer (core/mpi_shuffle.c), in one process: the
 * owner of a customer depends on its value alone; rows packed by the
 * ranks that read them and unpacked by their owners come out in global
 * row order, and gathered back they give the table read; the cleaning
 * policies that look across rows (exact duplicates, cancellations netted
 * against purchases) give on each owner's rows what they give on the
 * whole table, with duplicates and cancellations of one customer read by
 * different ranks. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clean.h"
#include "csv.h"
#include "csvwrite.h"
#include "mem.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

/* The exchange of n ranks in one process: rank s read rows
 * [nrows*s/n, nrows*(s+1)/n) of t (its byte-range part), packs each of
 * them for the rank owning its customer; rank d unpacks what every rank
 * sent it.  out[d], gid[d]: rank d's rows and their global row numbers. */
static int shuffle(const sg_table *t, const char *customer, int n, sg_table **out, uint64_t **gid)
{
    sg_mpi_buf *sent = calloc((size_t)n * (size_t)n, sizeof *sent);   /* [s*n+d] */
    int rc = sent ? 0 : -1;
    sg_error err;
    for (int s = 0; s < n && !rc; s++) {
        size_t from = t->nrows * (size_t)s / (size_t)n, to = t->nrows * (size_t)(s + 1) / (size_t)n;
        size_t m = to - from;
        size_t *rows = malloc((m ? m : 1) * sizeof *rows), *pick = malloc((m ? m : 1) * sizeof *pick);
        uint64_t *g = malloc((m ? m : 1) * sizeof *g);
        int *own = malloc((m ? m : 1) * sizeof *own);
        size_t *counts = malloc((size_t)n * sizeof *counts);
        sg_table *part = NULL;
        if (rows && pick && g && own && counts) {
            for (size_t i = 0; i < m; i++) {
                rows[i] = from + i;
                g[i] = from + i;
            }
            part = sg_table_take(t, rows, m, &err);   /* the rows this rank read */
        }
        if (!part || sg_mpi_partition(part, customer, n, 0, own, counts, &err) != 0)
            rc = -1;
        for (int d = 0; d < n && !rc; d++) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if (own[i] == d)
                    pick[k++] = i;
            if (sg_mpi_rows_pack(part, g, pick, k, &sent[s * n + d], &err) != 0)
                rc = -1;
        }
        sg_table_free(part);
        free(rows);
        free(pick);
        free(g);
        free(own);
        free(counts);
    }
    size_t bytes = 0, moved = 0;
    for (int k = 0; sent && k < n * n; k++) {
        bytes += sent[k].len;
        moved += k / n != k % n ? sent[k].len : 0;
    }
    if (!rc)
        tap_diag("exchange of %zu rows on %d ranks: %zu bytes packed (%.1f a row), %zu of them between ranks",
                 t->nrows, n, bytes, t->nrows ? (double)bytes / (double)t->nrows : 0.0, moved);
    for (int d = 0; d < n && !rc; d++) {
        const unsigned char *parts[16];
        size_t lens[16];
        for (int s = 0; s < n; s++) {
            parts[s] = sent[s * n + d].b;
            lens[s] = sent[s * n + d].len;
        }
        out[d] = sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid[d], &err);
        if (!out[d]) {
            tap_diag("unpack: %s", err.msg);
            rc = -1;
        }
    }
    for (int k = 0; sent && k < n * n; k++)
        sg_mpi_buf_free(&sent[k]);
    free(sent);
    return rc;
}

/* The gather: every rank packs all its rows for rank 0, which merges them. */
static sg_table *gather(sg_table **tab, uint64_t **gid, int n)
{
    sg_mpi_buf b[16] = { { 0 } };
    const unsigned char *parts[16];
    size_t lens[16];
    sg_error err;
    int ok = 1;
    for (int d = 0; d < n; d++) {
        size_t *all = malloc((tab[d]->nrows ? tab[d]->nrows : 1) * sizeof *all);
        if (!all) {
            ok = 0;
            continue;
        }
        for (size_t i = 0; i < tab[d]->nrows; i++)
            all[i] = i;
        if (sg_mpi_rows_pack(tab[d], gid[d], all, tab[d]->nrows, &b[d], &err) != 0)
            ok = 0;
        free(all);
        parts[d] = b[d].b;
        lens[d] = b[d].len;
    }
    uint64_t *g = NULL;
    sg_table *t = ok ? sg_mpi_rows_unpack(parts, lens, (size_t)n, &g, &err) : NULL;
    for (size_t i = 0; t && i < t->nrows; i++)
        if (g[i] != i)
            ok = 0;
    tap_ok(t && ok, "... gathered with row numbers 0..%zu", t ? t->nrows : 0);
    sg_free(g);
    for (int d = 0; d < n; d++)
        sg_mpi_buf_free(&b[d]);
    return t;
}

/* is_cancel[i]: the invoice of row i starts with 'C'. */
static uint8_t *cancels(const sg_table *t, const char *invoice)
{
    const sg_column *c = sg_table_col(t, invoice);
    uint8_t *m = calloc(t->nrows ? t->nrows : 1, 1);
    for (size_t i = 0; m && c && i < t->nrows; i++) {
        if (c->type == SG_STRING) {
            size_t len;
            const char *s = sg_column_str(c, i, &len);
            m[i] = s && len > 0 && s[0] == 'C';
        }
    }
    return m;
}

typedef struct cleaned {
    uint8_t *dup;
    int64_t *qty;
    double unmatched;
    size_t ndup, nnetted;
} cleaned;

static int clean_rows(const sg_table *t, const char *const *c, cleaned *out)
{
    sg_error err;
    size_t n = t->nrows ? t->nrows : 1;
    out->dup = malloc(n);
    out->qty = malloc(n * sizeof *out->qty);
    uint8_t *is_cancel = cancels(t, c[0]);
    int rc = out->dup && out->qty && is_cancel ? 0 : -1;
    if (!rc && (sg_clean_duplicated(t, out->dup, &err) != 0 ||
                sg_clean_net_cancellations(t, c[1], c[2], c[3], c[4], c[5], is_cancel, 1, out->qty,
                                           &out->unmatched, &err) != 0)) {
        tap_diag("clean: %s", err.msg);
        rc = -1;
    }
    free(is_cancel);
    return rc;
}

/* Cleaning each owner's rows gives what cleaning the whole table gives. */
static void per_customer(const char *label, const sg_table *t, const char *const *c, int n)
{
    sg_table *tab[16] = { 0 };
    uint64_t *gid[16] = { 0 };
    cleaned whole = { 0 }, merged = { 0 };
    int ok = shuffle(t, c[6], n, tab, gid) == 0 && clean_rows(t, c, &whole) == 0;
    tap_ok(ok, "%s, %d ranks: shuffled and cleaned", label, n);
    size_t nr = t->nrows ? t->nrows : 1;
    merged.dup = calloc(nr, 1);
    merged.qty = calloc(nr, sizeof *merged.qty);
    for (int d = 0; ok && d < n; d++) {
        cleaned part = { 0 };
        ok = merged.dup && merged.qty && clean_rows(tab[d], c, &part) == 0;
        for (size_t i = 0; ok && i < tab[d]->nrows; i++) {
            merged.dup[gid[d][i]] = part.dup[i];
            merged.qty[gid[d][i]] = part.qty[i];
        }
        merged.unmatched += part.unmatched;
        free(part.dup);
        free(part.qty);
    }
    size_t local = 0;   /* rows whose result differs when each rank cleans the rows it read */
    for (int s = 0; ok && s < n; s++) {
        size_t from = t->nrows * (size_t)s / (size_t)n, to = t->nrows * (size_t)(s + 1) / (size_t)n;
        size_t *rows = malloc((to - from + 1) * sizeof *rows);
        sg_error err;
        for (size_t i = from; rows && i < to; i++)
            rows[i - from] = i;
        sg_table *part = rows ? sg_table_take(t, rows, to - from, &err) : NULL;
        cleaned pc = { 0 };
        ok = part && clean_rows(part, c, &pc) == 0;
        for (size_t i = from; ok && i < to; i++)
            local += pc.dup[i - from] != whole.dup[i] || pc.qty[i - from] != whole.qty[i];
        free(pc.dup);
        free(pc.qty);
        free(rows);
        sg_table_free(part);
    }
    if (n > 1)
        tap_ok(local > 0, "... (without the exchange, %zu rows would come out otherwise)", local);
    size_t dups = 0, netted = 0, diff = 0;
    const sg_column *q = sg_table_col(t, c[3]);
    for (size_t i = 0; ok && i < t->nrows; i++) {
        dups += whole.dup[i];
        if (!sg_column_is_na(q, i) && whole.qty[i] != sg_column_i64(q)[i] && sg_column_i64(q)[i] > 0)
            netted++;
        diff += whole.dup[i] != merged.dup[i] || whole.qty[i] != merged.qty[i];
    }
    tap_is_int((long long)diff, 0, "... every row's duplicate mark and netted quantity as on the whole table");
    tap_ok(merged.unmatched == whole.unmatched, "... unmatched quantity %.17g (whole: %.17g)", merged.unmatched,
           whole.unmatched);
    tap_diag("%s: %zu duplicate rows, %zu purchases netted", label, dups, netted);
    if (ok) {
        sg_table *back = gather(tab, gid, n);
        char *a = dump(t), *b = back ? dump(back) : NULL;
        tap_ok(a && b && strcmp(a, b) == 0, "... the gathered table is the table read");
        free(a);
        free(b);
        sg_table_free(back);
    } else {
        tap_ok(0, "... gathered");
        tap_ok(0, "... the gathered table is the table read");
    }
    for (int d = 0; d < n; d++) {
        sg_table_free(tab[d]);
        sg_free(gid[d]);
    }
    free(whole.dup);
    free(whole.qty);
    free(merged.dup);
    free(merged.qty);
}

static void test_hash(void)
{
    tap_ok(sg_mpi_fnv1a("", 0) == UINT64_C(0xcbf29ce484222325), "FNV-1a of the empty string");
    tap_ok(sg_mpi_fnv1a("a", 1) == UINT64_C(0xaf63dc4c8601ec8c), "FNV-1a of \"a\"");
    /* the same ids in two tables whose dictionaries differ (other first appearances) */
    sg_table *a = read_text("a.csv", "id,x,v\nB17,1,0.0\n17850,2,\nzz,3,-0.0\n,4,1.5\n");
    sg_table *b = read_text("b.csv", "id,x,v\nzz,1,7\n,2,2\n17850,3,0\nB17,4,-0\n");
    if (!a || !b) {
        tap_skip(12, "cannot read the test tables");
        sg_table_free(a);
        sg_table_free(b);
        return;
    }
    const sg_column *ia = sg_table_col(a, "id"), *ib = sg_table_col(b, "id");
    int same = 1;
    for (int n = 1; n <= 7; n++)
        same &= sg_mpi_owner(ia, 0, n) == sg_mpi_owner(ib, 3, n) && sg_mpi_owner(ia, 1, n) == sg_mpi_owner(ib, 2, n) &&
                sg_mpi_owner(ia, 2, n) == sg_mpi_owner(ib, 0, n);
    tap_ok(same, "a customer's owner depends on its id, not on dictionary codes (1 to 7 ranks)");
    tap_ok(sg_mpi_id_hash(ia, 1) == sg_mpi_fnv1a("17850", 5), "a string id hashes by its text");
    tap_is_int(sg_mpi_owner(ia, 3, 5), 0, "a missing customer belongs to rank 0");
    const sg_column *va = sg_table_col(a, "v"), *vb = sg_table_col(b, "v");
    tap_ok(va && vb && va->type == SG_DOUBLE && sg_mpi_id_hash(va, 0) == sg_mpi_id_hash(va, 2) &&
               sg_mpi_id_hash(va, 0) == sg_mpi_id_hash(vb, 2) && sg_mpi_id_hash(va, 0) == sg_mpi_id_hash(vb, 3),
           "0.0 and -0.0 have one owner");
    sg_column *nan = sg_column_new("nan", SG_DOUBLE, 1);
    tap_ok(nan && sg_column_push_f64(nan, NAN) == 0 && sg_mpi_id_hash(nan, 0) == 0 && sg_mpi_owner(nan, 0, 3) == 0,
           "NaN counts as missing");
    sg_column_release(nan);
    /* spread: 3,000 ids over 3 ranks */
    char *text = malloc(3000 * 16 + 16);
    size_t len = 0;
    if (text) {
        len += (size_t)sprintf(text, "id\n");
        for (int k = 0; k < 3000; k++)
            len += (size_t)sprintf(text + len, "C%d\n", 10000 + k);
    }
    sg_table *ids = text ? read_text("ids.csv", text) : NULL;
    free(text);
    size_t counts[3] = { 0 };
    int *own = ids ? malloc(ids->nrows * sizeof *own) : NULL;
    sg_error err;
    int rc = own ? sg_mpi_partition(ids, "id", 3, 0, own, counts, &err) : -1;
    tap_ok(rc == 0 && counts[0] + counts[1] + counts[2] == 3000 && counts[0] > 900 && counts[1] > 900 &&
               counts[2] > 900,
           "3,000 ids spread over 3 ranks: %zu, %zu, %zu", counts[0], counts[1], counts[2]);
    tap_is_int(sg_mpi_partition(a, "nope", 2, 0, own ? own : (int[4]){ 0 }, counts, &err), SG_EINVAL,
               "partition by a column the table lacks is refused");
    tap_ok(strstr(err.msg, "'nope'") != NULL, "... naming it: %s", err.msg);
    free(own);
    sg_table_free(ids);
    /* under whole_ids, "17850.0" and "17850" are one customer */
    sg_table *w = read_text("w.csv", "id\n17850.0\n17850\n-3.00\n-3\n17850.5\n17850.\n.0\n1e3.0\n");
    const sg_column *iw = w ? sg_table_col(w, "id") : NULL;
    int whole = iw && iw->type == SG_STRING;
    for (int n = 2; whole && n <= 7; n++)
        whole = sg_mpi_owner_whole(iw, 0, n) == sg_mpi_owner_whole(iw, 1, n) &&
                sg_mpi_owner_whole(iw, 2, n) == sg_mpi_owner_whole(iw, 3, n);
    tap_ok(whole && sg_mpi_id_hash_whole(iw, 0) == sg_mpi_fnv1a("17850", 5) &&
               sg_mpi_id_hash_whole(iw, 2) == sg_mpi_fnv1a("-3", 2),
           "whole_ids: \"17850.0\" and \"17850\", \"-3.00\" and \"-3\" have one owner (2 to 7 ranks)");
    tap_ok(iw && sg_mpi_id_hash_whole(iw, 4) == sg_mpi_fnv1a("17850.5", 7) &&
               sg_mpi_id_hash_whole(iw, 5) == sg_mpi_fnv1a("17850.", 6) && sg_mpi_id_hash_whole(iw, 6) == sg_mpi_fnv1a(".0", 2) &&
               sg_mpi_id_hash_whole(iw, 7) == sg_mpi_fnv1a("1e3.0", 5) && sg_mpi_id_hash(iw, 0) == sg_mpi_fnv1a("17850.0", 7),
           "... other texts hash as they are (17850.5, 17850., .0, 1e3.0), and so does every id without whole_ids");
    sg_table_free(w);
    sg_table_free(a);
    sg_table_free(b);
}

static void test_packets(void)
{
    sg_table *t = read_text("p.csv", "s,i,d,t,day,b\n"
                                     "x,1,1.5,2020-01-01 10:00:00,2020-01-01,true\n"
                                     ",,,,,\n"
                                     "\"a,b\",-7,-0.25,2021-06-30 23:59:59,2021-06-30,false\n"
                                     "\"\",9,1e300,2019-02-03 04:05:06,,true\n");
    if (!t) {
        tap_skip(12, "cannot read the test table");
        return;
    }
    int types_ok = t->ncols == 6 && sg_table_col(t, "b")->type == SG_BOOL &&
                   sg_table_col(t, "day")->date_only == 1 && sg_table_col(t, "t")->type == SG_DATETIME;
    tap_ok(types_ok, "the packet table has every type, and a date-only column");
    uint64_t gid[4] = { 10, 20, 30, 40 };
    size_t odd[2] = { 1, 3 }, even[2] = { 0, 2 };
    sg_mpi_buf p1 = { 0 }, p2 = { 0 }, bad = { 0 };
    sg_error err;
    int rc = sg_mpi_rows_pack(t, gid, odd, 2, &p1, &err) | sg_mpi_rows_pack(t, gid, even, 2, &p2, &err);
    tap_is_int(rc, 0, "two packets of 2 rows");
    const unsigned char *parts[3] = { p1.b, p2.b, NULL };
    size_t lens[3] = { p1.len, p2.len, 0 };
    uint64_t *g = NULL;
    sg_table *u = sg_mpi_rows_unpack(parts, lens, 3, &g, &err);
    char *a = dump(t), *b = u ? dump(u) : NULL;
    tap_ok(a && b && strcmp(a, b) == 0, "unpacked and merged by row number: the same table (an empty packet too)");
    if (a && b && strcmp(a, b))
        tap_diag("want:\n%s\ngot:\n%s", a, b);
    tap_ok(g && g[0] == 10 && g[1] == 20 && g[2] == 30 && g[3] == 40, "... with the row numbers");
    free(a);
    free(b);
    sg_table_free(u);
    sg_free(g);

    /* malformed packets */
    lens[0] = p1.len - 1;
    u = sg_mpi_rows_unpack(parts, lens, 2, &g, &err);
    tap_ok(!u && g == NULL && err.code == SG_EDATA, "a truncated packet is refused: %s", u ? "" : err.msg);
    sg_table_free(u);
    parts[1] = p1.b;
    lens[0] = lens[1] = p1.len;
    u = sg_mpi_rows_unpack(parts, lens, 2, &g, &err);
    tap_ok(!u && err.code == SG_EDATA, "the same row numbers twice are refused: %s", u ? "" : err.msg);
    sg_table_free(u);
    size_t back[2] = { 2, 0 };
    tap_is_int(sg_mpi_rows_pack(t, gid, back, 2, &bad, &err), SG_EINVAL, "rows out of row-number order are not packed");
    tap_is_int((long long)bad.len, 0, "... and nothing is left in the buffer");
    sg_table *other = read_text("o.csv", "s,i\nx,1\n");
    size_t zero[1] = { 0 };
    if (other && sg_mpi_rows_pack(other, gid, zero, 1, &bad, &err) == 0) {
        parts[1] = bad.b;
        lens[1] = bad.len;
        u = sg_mpi_rows_unpack(parts, lens, 2, &g, &err);
        tap_ok(!u && err.code == SG_EDATA && strstr(err.msg, "column"), "packets of other columns are refused: %s",
               u ? "" : err.msg);
        sg_table_free(u);
    } else {
        tap_ok(0, "packets of other columns are refused");
    }
    sg_table_free(other);
    /* a packet that ends right after a string column's dictionary count,
     * which its bytes cannot hold: truncated, refused */
    sg_mpi_buf mal = { 0 };
    uint32_t one32 = 1;
    uint64_t one64 = 1, seven = 7;
    unsigned char ty = SG_STRING, zero8 = 0;
    sg_mpi_buf_put(&mal, "SGR2", 4);
    sg_mpi_buf_put(&mal, &one32, 4);
    sg_mpi_buf_put(&mal, &ty, 1);
    sg_mpi_buf_put(&mal, &zero8, 1);
    sg_mpi_buf_put(&mal, &one32, 4);
    sg_mpi_buf_put(&mal, "c", 1);
    sg_mpi_buf_put(&mal, &one64, 8);
    sg_mpi_buf_put(&mal, &seven, 8);
    sg_mpi_buf_put(&mal, &zero8, 1);
    sg_mpi_buf_put(&mal, &one32, 4);
    const unsigned char *mp = mal.b;
    size_t ml = mal.len;
    uint64_t *mg = NULL;
    u = mal.oom ? NULL : sg_mpi_rows_unpack(&mp, &ml, 1, &mg, &err);
    tap_ok(!mal.oom && !u && err.code == SG_EDATA && strstr(err.msg, "truncated"),
           "a packet ending after a dictionary count it cannot hold is refused: %s", u ? "accepted" : err.msg);
    sg_table_free(u);
    sg_free(mg);
    sg_mpi_buf_free(&mal);
    /* a packet holds each distinct text once: 1,000 rows of two 40-character texts */
    char *text = malloc(1000 * 44 + 8);
    if (text) {
        char *w = text + sprintf(text, "s\n");
        for (int i = 0; i < 1000; i++)
            w += sprintf(w, "%s\n", i % 2 ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    }
    sg_table *rep = text ? read_text("r.csv", text) : NULL;
    free(text);
    size_t *all = malloc(1000 * sizeof *all);
    uint64_t *g1000 = malloc(1000 * sizeof *g1000);
    sg_mpi_buf pr = { 0 };
    for (size_t i = 0; all && g1000 && i < 1000; i++)
        all[i] = i, g1000[i] = i;
    int packed = rep && all && g1000 && sg_mpi_rows_pack(rep, g1000, all, 1000, &pr, &err) == 0;
    /* schema and count, 8 bytes per row number, 1 byte (no missing), the 2 texts, 4 bytes per code */
    tap_ok(packed && pr.len == 4 + 4 + 1 + 1 + 4 + 1 + 8 + 1000 * 8 + 1 + 4 + 2 * (4 + 40) + 1000 * 4,
           "a packet of 1,000 rows holds its 2 distinct texts once, then a 4-byte code per row (%zu bytes)", pr.len);
    uint64_t *gb = NULL;
    const unsigned char *pp = pr.b;
    size_t pl = pr.len;
    sg_table *ru = packed ? sg_mpi_rows_unpack(&pp, &pl, 1, &gb, &err) : NULL;
    char *x = rep ? dump(rep) : NULL, *y = ru ? dump(ru) : NULL;
    tap_ok(x && y && !strcmp(x, y) && sg_dict_size(sg_table_col(ru, "s")->dict) == 2,
           "... and unpacks to the same 1,000 rows, 2 texts in the dictionary");
    free(x);
    free(y);
    sg_free(gb);
    sg_table_free(ru);
    sg_table_free(rep);
    free(all);
    free(g1000);
    sg_mpi_buf_free(&pr);
    sg_mpi_buf_free(&p1);
    sg_mpi_buf_free(&p2);
    sg_mpi_buf_free(&bad);
    sg_table_free(t);
}

/* Customer A's duplicate and cancellations sit in every third of the
 * file, so with 2 and 3 ranks they were read by different ranks. */
static void test_clean_small(void)
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
                       "C10,P1,-1,2.5,2020-01-08 10:00:00,A\n";
    sg_table *t = read_text("clean.csv", text);
    const char *roles[7] = { "inv", "cust", "item", "qty", "price", "date", "cust" };
    if (!t) {
        tap_skip(18, "cannot read the test table");
        return;
    }
    /* whole-table facts the per-rank results must reproduce */
    cleaned w = { 0 };
    int ok = clean_rows(t, roles, &w) == 0;
    tap_ok(ok && w.dup[6] && w.dup[9] && !w.dup[5] && w.qty[0] == 10 && w.qty[2] == 0 && w.qty[6] == 1 && w.qty[1] == 0 &&
               w.qty[4] == 0 && w.unmatched == 6,
           "whole table: lines 8 and 11 duplicates, A's latest purchases netted to 0 and 1, B's and C's to 0, 6 units unmatched");
    free(w.dup);
    free(w.qty);
    for (int n = 1; n <= 3; n++)
        per_customer("small", t, roles, n);
    sg_table_free(t);
}

static void test_clean_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 12))
        return;
    sg_table *t = read_retail(path, 12);
    if (!t)
        return;
    const char *roles[7] = { "InvoiceNo", "CustomerID", "StockCode", "Quantity", "UnitPrice", "InvoiceDate",
                             "CustomerID" };
    per_customer("Online Retail", t, roles, 2);
    per_customer("Online Retail", t, roles, 3);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_shuffle")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_hash();
    test_packets();
    test_clean_small();
    test_clean_retail();
    mpi_test_end();
    return tap_done();
}
