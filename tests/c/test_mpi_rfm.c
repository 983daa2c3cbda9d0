/* RFM per customer on the owning ranks (core/mpi_rfm.c, core/mpi_clean.c),
 * in one process: n simulated ranks each read a contiguous share of the
 * table and send every row to its customer's owner; each owner cleans its
 * rows and keeps them (sg_mpi_clean_owner), aggregates them
 * (sg_mpi_rfm_owner), and "rank 0" assembles the records
 * (sg_mpi_rfm_assemble).  The table must be the one sg_rfm_aggregate gives
 * over the whole table cleaned the same way, every value to the bit (the
 * monetary sums included), and the owners' kept rows the same set as the
 * whole table's (count and hash).  Also: whole ids, as_of given or taken
 * from the data, purchase days, int64 customers, Online Retail on 2 and 3
 * owners with the retail recipe's cleaning, malformed records refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clean.h"
#include "csv.h"
#include "expr.h"
#include "mem.h"
#include "mpi_clean.h"
#include "mpi_rfm.h"
#include "mpi_shuffle.h"
#include "rfm.h"
#include "stats.h"
#include "mpi_testutil.h"
#include "tap.h"

/* The rows of t where keep[i]; map[k] = from[row k]. */
static sg_table *take(const sg_table *t, const uint8_t *keep, const size_t *from, size_t *map)
{
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), m = 0;
    sg_error err;
    for (size_t i = 0; rows && i < t->nrows; i++)
        if (keep[i]) {
            map[m] = from ? from[i] : i;
            rows[m++] = i;
        }
    sg_table *k = rows ? sg_table_take(t, rows, m, &err) : NULL;
    free(rows);
    return k;
}

/* The whole table cleaned as the owners clean their rows (netting, the
 * condition after it, duplicates, the amount, the filter conditions,
 * whole ids), and the global numbers of its rows (*gids, *n). */
static sg_table *clean_whole(const sg_table *t, const sg_mpi_clean_opts *o, uint64_t **gids, size_t *n)
{
    size_t cap = t->nrows + 1;
    size_t *m1 = malloc(cap * sizeof *m1), *m2 = malloc(cap * sizeof *m2), *m3 = malloc(cap * sizeof *m3);
    uint8_t *keep = malloc(cap), *dup = calloc(cap, 1);
    int64_t *q = malloc(cap * sizeof *q);
    sg_table *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
    sg_error err;
    double unmatched;
    int ok = m1 && m2 && m3 && keep && dup && q;
    if (ok && o->net) {
        memset(keep, 1, cap);
        ok = keep_where(t, o->pre, o->npre, keep) == 0 && (t1 = take(t, keep, NULL, m1)) != NULL;
        memset(keep, 1, cap);
        ok = ok && keep_where(t1, &o->cancel, 1, keep) == 0 &&
             sg_clean_net_cancellations(t1, o->customer, o->item, o->quantity, o->price, o->date, keep,
                                        o->match_price, q, &unmatched, &err) == 0;
        sg_column *nq = ok ? sg_column_new(o->quantity, SG_INT64, t1->nrows + 1) : NULL;
        for (size_t i = 0; nq && i < t1->nrows; i++)
            sg_column_push_i64(nq, q[i]);
        ok = ok && nq && sg_table_set(t1, nq, &err) == 0;
        memset(keep, 1, cap);
        ok = ok && keep_where(t1, &o->post, 1, keep) == 0 && (t2 = take(t1, keep, m1, m2)) != NULL;
    } else if (ok) {
        memset(keep, 1, cap);
        ok = (t2 = take(t, keep, NULL, m2)) != NULL;
    }
    if (ok && o->dups)
        ok = sg_clean_duplicated(t2, dup, &err) == 0;
    ok = ok && (t3 = sg_table_derive(t2, o->amount, o->amount_expr, &err)) != NULL;
    for (size_t i = 0; ok && i < t3->nrows; i++)
        keep[i] = !dup[i];
    ok = ok && keep_where(t3, o->after, o->nafter, keep) == 0 && (t4 = take(t3, keep, m2, m3)) != NULL;
    if (ok && o->whole_ids)
        ok = sg_mpi_whole_ids(t4, o->customer, &err) == 0;
    *gids = ok ? malloc((t4->nrows + 1) * sizeof **gids) : NULL;
    for (size_t k = 0; *gids && k < t4->nrows; k++)
        (*gids)[k] = m3[k];
    *n = ok ? t4->nrows : 0;
    if (!ok || !*gids) {
        tap_diag("clean_whole failed");
        sg_table_free(t4);
        t4 = NULL;
    }
    sg_table_free(t1);
    sg_table_free(t2);
    sg_table_free(t3);
    free(m1);
    free(m2);
    free(m3);
    free(keep);
    free(dup);
    free(q);
    return t4;
}

/* 1 when a and b have the same columns (names, types, date-only flags)
 * and the same values, numbers compared bit for bit. */
static int same_table(const sg_table *a, const sg_table *b, char *why, size_t whylen)
{
    if (a->ncols != b->ncols || a->nrows != b->nrows) {
        snprintf(why, whylen, "%zu x %zu against %zu x %zu", a->nrows, a->ncols, b->nrows, b->ncols);
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(x->name, y->name) || x->type != y->type || x->date_only != y->date_only) {
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
            } else if (same && !na && x->type == SG_BOOL) {
                same = sg_column_bools(x)[i] == sg_column_bools(y)[i];
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

/* n ranks each read a contiguous share of t; the owners clean, keep and
 * aggregate; rank 0 assembles.  Returns the assembled table (NULL on a
 * failure, said), and in *back the owners' kept rows packed with their
 * global numbers and merged (the gather of a released cleaned table). */
static sg_table *on_owners(const sg_table *t, const sg_mpi_clean_opts *o, const sg_rfm_options *ro, int n,
                           sg_mpi_clean_result *res, uint64_t *ncust, sg_rfm_info *info, sg_table **back)
{
    sg_mpi_buf sent[4][4], rb[4], kb[4];
    memset(sent, 0, sizeof sent);
    memset(rb, 0, sizeof rb);
    memset(kb, 0, sizeof kb);
    *back = NULL;
    sg_error err;
    int ok = sg_mpi_clean_result_init(res, t->nrows, n) == 0;
    const sg_column *cust = sg_table_col(t, o->customer);
    for (int s = 0; s < n && ok; s++) {
        size_t from = t->nrows * (size_t)s / (size_t)n, to = t->nrows * (size_t)(s + 1) / (size_t)n;
        size_t m = to - from, *pick = malloc((m + 1) * sizeof *pick), *all = malloc((m + 1) * sizeof *all);
        uint64_t *g = malloc((m + 1) * sizeof *g);
        ok = pick && g && all;
        for (size_t i = 0; ok && i < m; i++) {
            g[i] = from + i;
            all[i] = from + i;
        }
        sg_table *part = ok ? sg_table_take(t, all, m, &err) : NULL;
        ok = ok && part;
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
        free(all);
        free(g);
    }
    for (int d = 0; ok && d < n; d++) {
        const unsigned char *parts[4];
        size_t lens[4];
        for (int s = 0; s < n; s++) {
            parts[s] = sent[s][d].b;
            lens[s] = sent[s][d].len;
        }
        uint64_t *gid = NULL;
        sg_table *u = sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid, &err), *kept = NULL;
        uint64_t *kg = NULL;
        sg_mpi_buf out = { 0 };
        if (!u || sg_mpi_clean_owner(u, gid, o, 0, &out, &kept, &kg, &err) != 0 ||
            sg_mpi_clean_absorb(res, d, out.b, out.len, &err) != 0 || sg_mpi_rfm_owner(kept, ro, &rb[d], &err) != 0) {
            tap_diag("owner %d: %s", d, err.msg);
            ok = 0;
        }
        size_t nk = kept ? kept->nrows : 0, *all = malloc((nk + 1) * sizeof *all);
        for (size_t i = 0; all && i < nk; i++)
            all[i] = i;
        if (ok && nk && (!all || sg_mpi_rows_pack(kept, kg, all, nk, &kb[d], &err) != 0))
            ok = 0;
        free(all);
        sg_table_free(u);
        sg_table_free(kept);
        sg_free(kg);
        sg_free(gid);
        sg_mpi_buf_free(&out);
    }
    for (int s = 0; s < n; s++)
        for (int d = 0; d < n; d++)
            sg_mpi_buf_free(&sent[s][d]);
    sg_table *a = NULL;
    if (ok) {
        const unsigned char *parts[4];
        size_t lens[4];
        for (int d = 0; d < n; d++) {
            parts[d] = kb[d].b;
            lens[d] = kb[d].len;
        }
        uint64_t *g = NULL;
        *back = sg_mpi_rows_unpack(parts, lens, (size_t)n, &g, &err);
        sg_free(g);
        for (int d = 0; d < n; d++) {
            parts[d] = rb[d].b;
            lens[d] = rb[d].len;
        }
        const sg_column *dc = sg_table_col(t, ro->date);
        a = sg_mpi_rfm_assemble(parts, lens, n, ro, cust->type, dc ? dc->date_only : 0, info, ncust, &err);
        if (!a)
            tap_diag("assemble: %s", err.msg);
    }
    for (int d = 0; d < n; d++) {
        sg_mpi_buf_free(&rb[d]);
        sg_mpi_buf_free(&kb[d]);
    }
    return a;
}

/* ---- the cleaning report: the owners' tallies against one process ---- */

enum { NF = 3 * SG_MPI_CLEAN_STEPS + 16 };

/* The sum of t's column col as segmint.clean's sum(d): exact, 0 without
 * rows (an int64 column's in int64). */
static double xsum_col(const sg_table *t, const char *col)
{
    const sg_column *c = sg_table_col(t, col);
    if (!t->nrows || !c)
        return 0;
    if (c->type == SG_DOUBLE)
        return sg_clean_sum_exact(c);
    int64_t s = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!sg_column_is_na(c, i))
            s += sg_column_i64(c)[i];
    return (double)s;
}

/* 1 when t's column col holds integers. */
static int is_int(const sg_table *t, const char *col)
{
    const sg_column *c = sg_table_col(t, col);
    return c && c->type != SG_DOUBLE;
}

/* The rows of t where keep[i] (t freed). */
static sg_table *keep_only(sg_table *t, const uint8_t *keep)
{
    sg_error err;
    sg_table *k = sg_table_filter_mask(t, keep, &err);
    sg_table_free(t);
    return k;
}

/* segmint.clean's report over the whole table t, computed as its
 * one-process path does (ds:derive, ds:clean_filter, ds:sum_exact,
 * ds:net_cancellations, ds:mark_duplicates, whole ids, ds:count_distinct),
 * as the figures f[0..*nf) in the order of rep_tallies; *out the cleaned
 * table.  0, or -1 (said). */
static int rep_whole(const sg_table *t, const sg_mpi_clean_opts *o, double *f, size_t *nf, sg_table **out, int *ints)
{
    sg_error err;
    size_t m = 0, rows[SG_MPI_CLEAN_STEPS], first = o->net ? o->npre : 0, n = t->nrows + 1;
    double rev[SG_MPI_CLEAN_STEPS], unmatched = 0;
    int64_t irev[SG_MPI_CLEAN_STEPS], *q = malloc(n * sizeof *q);
    uint8_t *mask = malloc(n);
    sg_table *cur = sg_table_derive(t, o->amount, o->amount_expr, &err), *nx;
    *out = NULL;
    if (!cur || !q || !mask)
        goto fail;
    f[m++] = (double)cur->nrows;
    f[m++] = xsum_col(cur, o->amount);
    ints[0] = ints[1] = is_int(cur, o->amount);
    if (o->net) {
        if (!(nx = sg_clean_filter(cur, o->pre, o->npre, o->amount, rows, rev, irev, &err)))
            goto fail;
        sg_table_free(cur);
        cur = nx;
        for (size_t k = 0; k < o->npre; k++) {
            f[m++] = (double)rows[k];
            f[m++] = rows[k] ? rev[k] : 0;
        }
        size_t before_rows = cur->nrows, ncancel = 0;
        memset(mask, 1, n);
        if (keep_where(cur, &o->cancel, 1, mask) != 0)
            goto fail;
        for (size_t i = 0; i < cur->nrows; i++)
            ncancel += mask[i];
        sg_table *c = sg_table_filter_mask(cur, mask, &err);
        double cancel = c ? xsum_col(c, o->amount) : 0, before = xsum_col(cur, o->amount);
        sg_table_free(c);
        if (!c || sg_clean_net_cancellations(cur, o->customer, o->item, o->quantity, o->price, o->date, mask,
                                             o->match_price, q, &unmatched, &err) != 0)
            goto fail;
        sg_column *nq = sg_column_new(o->quantity, SG_INT64, cur->nrows + 1);
        for (size_t i = 0; nq && i < cur->nrows; i++)
            sg_column_push_i64(nq, q[i]);
        if (!nq || sg_table_set(cur, nq, &err) != 0 || !(nx = sg_table_derive(cur, o->amount, o->amount_expr, &err)))
            goto fail;
        sg_table_free(cur);
        cur = nx;
        ints[1] = is_int(cur, o->amount);
        memset(mask, 1, n);
        if (keep_where(cur, &o->post, 1, mask) != 0 || !(cur = keep_only(cur, mask)))
            goto fail;
        double cancelled = -cancel, removed = (before - cancel) - xsum_col(cur, o->amount);
        f[m++] = (double)(before_rows - cur->nrows);
        f[m++] = removed;
        f[m++] = (double)ncancel;
        f[m++] = cancelled;
        f[m++] = cancelled - removed;
        f[m++] = unmatched;
    }
    const char *steps[SG_MPI_CLEAN_STEPS];
    size_t ns = 0;
    for (size_t k = first; k < o->nafter; k++)
        steps[ns++] = o->after[k];
    if (o->dups) {
        /* segmint.clean marks duplicates over every column (the amount
         * follows from two of them) */
        sg_column *dc = sg_column_new("_dup", SG_BOOL, cur->nrows + 1);
        memset(mask, 0, n);
        if (!dc || sg_clean_duplicated(cur, mask, &err) != 0)
            goto fail;
        for (size_t i = 0; i < cur->nrows; i++)
            sg_column_push_bool(dc, mask[i]);
        if (sg_table_add(cur, dc, &err) != 0)
            goto fail;
        steps[ns++] = "not _dup";
    }
    if (!(nx = sg_clean_filter(cur, steps, ns, o->amount, rows, rev, irev, &err)))
        goto fail;
    sg_table_free(cur);
    cur = nx;
    for (size_t k = 0; k < ns; k++) {
        f[m++] = (double)rows[k];
        f[m++] = rows[k] ? rev[k] : 0;
    }
    if (o->dups) {
        const char *names[64];
        size_t nn = 0;
        for (size_t j = 0; j < cur->ncols; j++)
            if (strcmp(cur->cols[j]->name, "_dup") != 0)
                names[nn++] = cur->cols[j]->name;
        if (!(nx = sg_table_select(cur, names, nn, &err)))
            goto fail;
        sg_table_free(cur);
        cur = nx;
    }
    if (o->whole_ids && sg_mpi_whole_ids(cur, o->customer, &err) != 0)
        goto fail;
    f[m++] = (double)cur->nrows;
    f[m++] = xsum_col(cur, o->amount);
    f[m++] = (double)sg_column_count_distinct(sg_table_col(cur, o->customer));
    *nf = m;
    *out = cur;
    free(q);
    free(mask);
    return 0;
fail:
    tap_diag("the one-process report failed: %s", err.msg);
    sg_table_free(cur);
    free(q);
    free(mask);
    return -1;
}

/* The same figures from the owners' tallies added up (r), with rank 0's
 * arithmetic of segmint.clean's MPI path. */
static size_t rep_tallies(const sg_mpi_clean_result *r, const sg_mpi_clean_opts *o, double *f, int i0, int i1)
{
    const sg_mpi_clean_tally *t = &r->tally;
    size_t m = 0, first = o->net ? o->npre : 0;
    f[m++] = (double)t->rows_in;
    f[m++] = sg_mpi_asum_value(&t->rev_in, i0);
    for (size_t k = 0; k < first; k++) {
        f[m++] = (double)t->rows[k];
        f[m++] = t->rows[k] ? sg_mpi_asum_value(&t->rev[k], i0) : 0;
    }
    if (o->net) {
        double before = t->net_in ? sg_mpi_asum_value(&t->net_before, i0) : 0;
        double cancel = t->net_cancel_rows ? sg_mpi_asum_value(&t->net_cancel, i0) : 0;
        double after = t->net_out ? sg_mpi_asum_value(&t->net_after, i1) : 0;
        double cancelled = -cancel, removed = (before - cancel) - after;
        f[m++] = (double)(t->net_in - t->net_out);
        f[m++] = removed;
        f[m++] = (double)t->net_cancel_rows;
        f[m++] = cancelled;
        f[m++] = cancelled - removed;
        f[m++] = (double)r->unmatched;
    }
    for (size_t k = first; k < t->nsteps; k++) {
        f[m++] = (double)t->rows[k];
        f[m++] = t->rows[k] ? sg_mpi_asum_value(&t->rev[k], i1) : 0;
    }
    f[m++] = (double)t->rows_out;
    f[m++] = t->rows_out ? sg_mpi_asum_value(&t->rev_out, i1) : 0;
    f[m++] = (double)t->customers_out;
    return m;
}

/* 1 when a and b have the same columns (names, types, date-only flags)
 * and string dictionaries (the same text for every code). */
static int same_shape(const sg_table *a, const sg_table *b, char *why, size_t whylen)
{
    if (a->ncols != b->ncols) {
        snprintf(why, whylen, "%zu columns against %zu", a->ncols, b->ncols);
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(x->name, y->name) || x->type != y->type || x->date_only != y->date_only) {
            snprintf(why, whylen, "column %zu: %s against %s", j, x->name, y->name);
            return 0;
        }
        if (x->type != SG_STRING)
            continue;
        size_t nd = sg_dict_size(x->dict);
        if (nd != sg_dict_size(y->dict)) {
            snprintf(why, whylen, "column %s: %zu texts against %zu", x->name, nd, sg_dict_size(y->dict));
            return 0;
        }
        for (size_t c = 0; c < nd; c++) {
            size_t lx, ly;
            const char *sx = sg_dict_str(x->dict, (int32_t)c, &lx), *sy = sg_dict_str(y->dict, (int32_t)c, &ly);
            if (lx != ly || memcmp(sx, sy, lx) != 0) {
                snprintf(why, whylen, "column %s, code %zu: %.*s against %.*s", x->name, c, (int)lx, sx, (int)ly, sy);
                return 0;
            }
        }
    }
    return 1;
}

/* 2 tests: the owners' tallies (res, from n owners) give every figure of
 * the one-process report to the bit, and rank 0's released cleaned table
 * has the columns and dictionaries of the one-process cleaned table. */
static void check_report(const char *label, const sg_table *t, const sg_mpi_clean_opts *o,
                         const sg_mpi_clean_result *res, int n)
{
    double want[NF], got[NF];
    size_t nw = 0, ng = 0, bad = NF;
    sg_table *w = NULL;
    int ints[2] = { -1, -1 }, i0 = -2, i1 = -2;
    sg_error err;
    int ok = rep_whole(t, o, want, &nw, &w, ints) == 0 && res->tallies == n;
    sg_table *s = ok ? sg_mpi_clean_shape(t, res, o->amount, o->amount_expr, o->quantity, o->customer, o->net,
                                          o->whole_ids, &i0, &i1, &err) : NULL;
    if (ok && s)
        ng = rep_tallies(res, o, got, i0, i1);
    for (size_t k = 0; ok && k < nw && bad == NF; k++)
        if (memcmp(&want[k], &got[k], sizeof want[k]) != 0)
            bad = k;
    tap_ok(ok && nw == ng && bad == NF, "%s, %d owners: the %zu figures of the cleaning report from the owners' tallies "
           "are one process's to the bit (rows in %.0f, revenue out %.17g)%s", label, n, nw, got[0],
           ng > 2 ? got[ng - 2] : 0.0, bad == NF ? "" : " -- differs");
    if (bad != NF && bad < nw)
        tap_diag("figure %zu: %.17g against %.17g", bad, got[bad], want[bad]);
    char why[200] = "";
    tap_ok(s && w && s->nrows == 0 && same_shape(w, s, why, sizeof why) && i0 == ints[0] && i1 == ints[1],
           "... rank 0's cleaned table without rows has the one-process table's columns and dictionaries, an "
           "amount of %s %s", i1 ? "integers" : "doubles", why);
    sg_table_free(s);
    sg_table_free(w);
}

/* 6 tests: the assembled table equals sg_rfm_aggregate over the whole
 * cleaned table, the owners kept its rows, the info agrees, and their
 * kept rows gathered back are the whole cleaned table. */
static void check(const char *label, const sg_table *t, const sg_mpi_clean_opts *o, const sg_rfm_options *ro, int n)
{
    uint64_t *gids = NULL, ncust[4] = { 0 };
    size_t nk = 0;
    sg_error err;
    sg_rfm_info wi, di;
    memset(&wi, 0, sizeof wi);
    memset(&di, 0, sizeof di);
    sg_table *w = clean_whole(t, o, &gids, &nk);
    sg_table *want = w ? sg_rfm_aggregate(w, ro, &wi, &err) : NULL;
    if (w && !want)
        tap_diag("%s: rfm over the whole table: %s", label, err.msg);
    sg_mpi_clean_result res;
    memset(&res, 0, sizeof res);
    sg_table *back = NULL;
    sg_table *got = on_owners(t, o, ro, n, &res, ncust, &di, &back);
    char why[200] = "";
    uint64_t kept = 0, sum = 0;
    for (int k = 0; k < n; k++) {
        kept += res.kept ? res.kept[k] : 0;
        sum += ncust[k];
    }
    tap_ok(want && got && same_table(want, got, why, sizeof why),
           "%s, %d owners: %zu customers (%llu from the owners), every value as over the whole table %s", label, n,
           want ? want->nrows : 0, (unsigned long long)sum, why);
    tap_ok(w && kept == nk && res.kept_hash == sg_mpi_row_set_hash(gids, nk),
           "... the owners kept the %zu cleaned rows of the whole table (%llu)", nk, (unsigned long long)kept);
    tap_ok(want && got && wi.as_of == di.as_of && wi.rows_used == di.rows_used &&
               wi.rows_after_as_of == di.rows_after_as_of && wi.rows_missing == di.rows_missing,
           "... as_of %lld, rows used %zu, after as_of %zu, missing %zu as over the whole table", (long long)di.as_of,
           di.rows_used, di.rows_after_as_of, di.rows_missing);
    why[0] = 0;
    tap_ok(w && back && same_table(w, back, why, sizeof why),
           "... their kept rows gathered back by row number are the whole cleaned table, value for value %s", why);
    check_report(label, t, o, &res, n);
    sg_mpi_clean_result_free(&res);
    sg_table_free(back);
    sg_table_free(got);
    sg_table_free(want);
    sg_table_free(w);
    free(gids);
}

static const char *const PRE[] = { "not is_missing(cust)" };
static const char *const AFTER[] = { "not is_missing(cust)", "qty > 0", "price > 0",
                                     "not coalesce(item in ('POST'), false)" };
static const char *const AFTER_NUM[] = { "not is_missing(cust)", "qty > 0" };
static const char *const AFTER_DROP[] = { "not is_missing(cust)", "not coalesce(starts_with(inv, 'C'), false)",
                                          "qty > 0" };

static const char SMALL[] = "inv,item,qty,price,date,cust\n"
                            "1,P1,10,2.5,2020-01-01 10:00:00,A\n"
                            "2,P2,1,1.0,2020-01-01 11:00:00,B\n"
                            "3,P1,4,2.5,2020-01-02 10:00:00,A\n"
                            "4,P3,2,3.0,2020-01-02 12:00:00,\n"
                            "5,P2,5,1.0,2020-01-03 09:00:00,C\n"
                            "5,POST,1,4.0,2020-01-03 09:00:00,C\n"
                            "6,P3,2,3.0,2020-01-02 12:00:00,\n"
                            "1,P1,10,2.5,2020-01-01 10:00:00,A\n"
                            "C7,P1,-12,2.5,2020-01-05 10:00:00,A\n"
                            "C8,P2,-3,1.0,2020-01-06 10:00:00,B\n"
                            "13,P2,2,0.1,2020-01-20 10:00:00,B\n"
                            "13,P4,3,0.7,2020-01-20 10:00:00,B\n"
                            "4,P3,2,3.0,2020-01-02 12:00:00,\n"
                            "C9,P2,-9,1.0,2020-01-07 10:00:00,C\n"
                            "14,P2,1,0.1,2020-01-04 10:00:00,B\n"
                            "C10,P1,-1,2.5,2020-01-08 10:00:00,A\n"
                            "15,P5,1,0,2020-01-08 10:00:00,A\n"
                            "C11,P4,-2,1.0,2020-01-08 10:00:00,\n"
                            "12,P1,3,2.5,2020-01-09 10:00:00,A\n"
                            "12,P1,3,2.5,2020-01-09 10:00:00,A\n"
                            "16,P1,3,0.3,2020-02-09 10:00:00,D\n"
                            "17,P6,1,0.3,2020-01-09 23:00:00,D\n";

static void test_small(void)
{
    sg_table *t = read_text("small.csv", SMALL);
    if (!t) {
        tap_skip(61, "cannot read the test table");
        return;
    }
    sg_mpi_clean_opts co = { "cust", "item", "qty", "price", "date",
                             "coalesce(starts_with(inv, 'C'), false)",
                             "not coalesce(starts_with(inv, 'C'), false) and qty != 0", "amount",
                             (const char **)PRE, 1, 1, 1, 1, 0, "qty * price", (const char **)AFTER, 4, 0, 0, 0 };
    sg_rfm_options ro;
    sg_rfm_options_init(&ro);
    ro.customer = "cust";
    ro.date = "date";
    ro.invoice = "inv";
    ro.amount = "amount";
    for (int n = 1; n <= 3; n++)
        check("small, net and duplicates", t, &co, &ro, n);
    /* as_of given: the later rows are ignored, and counted */
    ro.has_as_of = 1;
    ro.as_of = 1578873600;   /* 2020-01-13 */
    check("small, as_of given", t, &co, &ro, 3);
    /* purchase days and weeks */
    ro.has_as_of = 0;
    ro.freq = SG_RFM_DAYS;
    ro.invoice = NULL;
    ro.unit_days = 7;
    check("small, purchase days, weeks", t, &co, &ro, 2);
    /* cancellations dropped, no duplicates: only the filter conditions */
    sg_rfm_options_init(&ro);
    ro.customer = "cust";
    ro.date = "date";
    ro.invoice = "inv";
    ro.amount = "amount";
    co.net = 0;
    co.dups = 0;
    co.after = (const char **)AFTER_DROP;
    co.nafter = 3;
    check("small, cancellations dropped", t, &co, &ro, 3);
    sg_table_free(t);
    /* whole ids: "7.0" and "7" are one customer, on one owner */
    t = read_text("whole.csv", "inv,item,qty,price,date,cust\n"
                               "1,P1,1,2.5,2020-01-01 10:00:00,7.0\n"
                               "2,P1,2,2.5,2020-01-02 10:00:00,8\n"
                               "3,P2,1,1.5,2020-01-03 10:00:00,7\n"
                               "4,P2,1,1.5,2020-01-04 10:00:00,-3.00\n"
                               "5,P2,1,1.5,2020-01-05 10:00:00,8.5\n"
                               "6,P2,1,1.5,2020-01-06 10:00:00,-3\n"
                               "7,P2,3,1.5,2020-01-07 10:00:00,x.0\n"
                               "8,P1,1,2.5,2020-01-08 10:00:00,7.00\n");
    if (!t) {
        tap_skip(25, "cannot read the whole-ids table");
        return;
    }
    co.whole_ids = 1;
    co.after = (const char **)AFTER_NUM;   /* the invoices are numbers here */
    co.nafter = 2;
    for (int n = 2; n <= 3; n++)
        check("whole ids", t, &co, &ro, n);
    sg_error err;
    sg_table *w = sg_table_share(t);
    int rc = w ? sg_mpi_whole_ids(w, "cust", &err) : -1;
    const sg_column *c = w ? sg_table_col(w, "cust") : NULL;
    char got[200] = "";
    for (size_t i = 0; !rc && c && i < c->n; i++) {
        size_t len;
        const char *s = sg_column_str(c, i, &len);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", i ? " " : "", (int)len, s);
    }
    tap_is_str(got, "7 8 7 -3 8.5 -3 x.0 7", "sg_mpi_whole_ids: whole numbers written with zero decimals lose them");
    sg_table_free(w);
    sg_table_free(t);
    /* int64 customers */
    t = read_text("int.csv", "inv,item,qty,price,date,cust\n"
                             "1,P1,1,2.5,2020-01-01 10:00:00,17\n"
                             "2,P1,2,2.5,2020-01-02 10:00:00,-4\n"
                             "2,P2,2,0.5,2020-01-02 10:00:00,-4\n"
                             "3,P2,1,1.5,2020-01-03 10:00:00,17\n"
                             "4,P2,1,1.5,2020-01-04 10:00:00,900\n"
                             "5,P2,1,1.5,2020-01-05 10:00:00,3\n");
    if (!t) {
        tap_skip(12, "cannot read the int64 table");
        return;
    }
    co.whole_ids = 0;
    check("int64 customers", t, &co, &ro, 3);
    sg_table_free(t);
    /* whole prices: the amounts are integers, summed in int64 */
    t = read_text("intprice.csv", "inv,item,qty,price,date,cust\n"
                                  "1,P1,3,2,2020-01-01 10:00:00,A\n"
                                  "2,P2,1,5,2020-01-02 10:00:00,B\n"
                                  "1,P1,3,2,2020-01-01 10:00:00,A\n"
                                  "C3,P1,-2,2,2020-01-03 10:00:00,A\n"
                                  "4,P3,2,0,2020-01-04 10:00:00,C\n"
                                  "5,P2,4,5,2020-01-05 10:00:00,\n"
                                  "6,P4,1,7,2020-01-06 10:00:00,C\n");
    if (!t) {
        tap_skip(6, "cannot read the whole-prices table");
        return;
    }
    co.net = 1;
    co.dups = 1;
    co.after = (const char **)AFTER;
    co.nafter = 4;
    check("whole prices", t, &co, &ro, 2);
    sg_table_free(t);
}

static void test_records(void)
{
    sg_table *t = read_text("rec.csv", "inv,date,cust,amount\n1,2020-01-01,A,2.5\n2,2020-01-02,B,1\n");
    if (!t) {
        tap_skip(5, "cannot read the table");
        return;
    }
    sg_rfm_options ro;
    sg_rfm_options_init(&ro);
    ro.customer = "cust";
    ro.date = "date";
    ro.invoice = "inv";
    ro.amount = "amount";
    sg_mpi_buf b = { 0 }, ob = { 0 };
    sg_error err;
    sg_rfm_info info;
    int ok = sg_mpi_rfm_owner(t, &ro, &b, &err) == 0;
    const unsigned char *parts[2] = { b.b, b.b };
    size_t lens[2] = { b.len, b.len - 1 };
    sg_table *a = ok ? sg_mpi_rfm_assemble(parts, lens, 2, &ro, SG_STRING, 1, &info, NULL, &err) : NULL;
    tap_ok(ok && !a && err.code == SG_EDATA && strstr(err.msg, "rank 1") && strstr(err.msg, "malformed"),
           "truncated RFM records refused: %s", err.msg);
    lens[1] = b.len;
    a = ok ? sg_mpi_rfm_assemble(parts, lens, 2, &ro, SG_STRING, 1, &info, NULL, &err) : NULL;
    tap_ok(ok && !a && err.code == SG_EDATA && strstr(err.msg, "two ranks"), "a customer from two ranks refused: %s",
           err.msg);
    a = ok ? sg_mpi_rfm_assemble(parts, lens, 1, &ro, SG_INT64, 1, &info, NULL, &err) : NULL;
    tap_ok(ok && !a && err.code == SG_EDATA, "records of another customer type refused: %s", err.msg);
    sg_rfm_options back;
    ro.has_as_of = 1;
    ro.as_of = 1577836800;
    ro.unit_days = 30.4375;
    ok = sg_mpi_rfm_opts_encode(&ro, &ob) == 0 && sg_mpi_rfm_opts_decode(ob.b, ob.len, &back) == 0;
    tap_ok(ok && !strcmp(back.customer, "cust") && !strcmp(back.invoice, "inv") && !strcmp(back.amount, "amount") &&
               back.has_as_of && back.as_of == ro.as_of && back.unit_days == 30.4375 && back.freq == SG_RFM_INVOICES,
           "the RFM options as bytes and back");
    tap_ok(sg_mpi_rfm_opts_decode(ob.b, ob.len - 3, &back) == -1, "... truncated options refused");
    sg_mpi_buf_free(&b);
    sg_mpi_buf_free(&ob);
    sg_table_free(t);
}

static const char *const PRE_RETAIL[] = { "not is_missing(CustomerID)" };
static const char *const AFTER_RETAIL[] = {
    "not is_missing(CustomerID)", "Quantity > 0",
    "not coalesce(StockCode in ('POST', 'D', 'M', 'C2', 'DOT', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'PADS', 'S'), "
    "false)"
};

static void test_retail(void)
{
    char path[4096];
    if (!retail_path(path, sizeof path, 12))
        return;
    sg_table *t = read_retail(path, 12);
    if (!t)
        return;
    /* the retail recipe's cleaning and RFM */
    sg_mpi_clean_opts co = { "CustomerID", "StockCode", "Quantity", "UnitPrice", "InvoiceDate",
                             "coalesce(starts_with(InvoiceNo, 'C'), false)",
                             "not coalesce(starts_with(InvoiceNo, 'C'), false) and Quantity != 0", "amount",
                             (const char **)PRE_RETAIL, 1, 1, 0, 1, 1, "Quantity * UnitPrice",
                             (const char **)AFTER_RETAIL, 3, 0, 0, 0 };
    sg_rfm_options ro;
    sg_rfm_options_init(&ro);
    ro.customer = "CustomerID";
    ro.date = "InvoiceDate";
    ro.invoice = "InvoiceNo";
    ro.amount = "amount";
    ro.has_as_of = 1;
    ro.as_of = 1323475200;   /* 2011-12-10 */
    check("Online Retail", t, &co, &ro, 2);
    ro.has_as_of = 0;
    co.dups = 1;
    check("Online Retail, duplicates dropped, as_of from the data", t, &co, &ro, 3);
    sg_table_free(t);
}

int main(void)
{
    if (!mpi_test_begin("mpi_rfm")) {
        tap_skip_all("cannot make a temporary folder");
        return 0;
    }
    test_small();
    test_records();
    test_retail();
    mpi_test_end();
    return tap_done();
}
