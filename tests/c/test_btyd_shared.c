/* BTYD fits shared by several processes (core/btyd.c, core/btyd_gg.c,
 * core/xsum.c; docs/mpi.md), in one process: the exactly rounded sums
 * first, then 1 to 3 simulated owners, threads that each hold the CDNOW
 * customers a hash gives them and fit in lockstep, their accumulators added
 * through a reducer as MPI_Allreduce adds them.  Every owner's fitted
 * parameters, standard errors and log-likelihood must have the bits of the
 * fit of one process holding every customer: BG/NBD, MBG/NBD, Pareto/NBD,
 * BG/BB (whole weeks), Gamma-Gamma, with and without a penalizer, and an
 * owner holding no customer.  Then the owners as core/mpi_comm.c runs
 * them (core/mpi_btyd.c): each holds the CDNOW purchases of its customers,
 * summarises them and fits from the command rank 0 broadcasts; and the
 * summaries with the predictions made on the owners (p_alive, expected
 * purchases, CLV) and assembled by rank 0: the table one process computes,
 * to the bit, with text and int64 customers. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btyd.h"
#include "btyd_summary.h"
#include "csv.h"
#include "datetime.h"
#include "mem.h"
#include "mpi_btyd.h"
#include "mpi_shuffle.h"
#include "xsum.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_u64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- the accumulator ---- */

static double xs(const double *v, size_t n)
{
    sg_xsum s;
    sg_xsum_init(&s);
    for (size_t i = 0; i < n; i++)
        sg_xsum_add(&s, v[i]);
    return sg_xsum_round(&s);
}

static void test_xsum(void)
{
    double tenth[10];
    for (int i = 0; i < 10; i++)
        tenth[i] = 0.1;
    double plain = 0.0;
    for (int i = 0; i < 10; i++)
        plain += tenth[i];
    tap_ok(plain != 1.0 && xs(tenth, 10) == 1.0,
           "ten times 0.1: 1 exactly rounded (the plain sum gives %.17g)", plain);
    double cancel[] = { 1e100, 1.0, -1e100 };
    tap_ok(xs(cancel, 3) == 1.0, "1e100 + 1 - 1e100 = 1");
    double tie[] = { 1.0, 0x1p-53 }, tie2[] = { 1.0, 0x1p-53, 0x1p-105 }, tie3[] = { 1.0 + 0x1p-52, 0x1p-53 };
    tap_ok(xs(tie, 2) == 1.0 && xs(tie2, 3) == 1.0 + 0x1p-52 && xs(tie3, 2) == 1.0 + 0x1p-51,
           "ties to even; a bit below the tie breaks it");
    double neg[] = { -1.0, -0x1p-53, -0x1p-105 };
    tap_ok(xs(neg, 3) == -(1.0 + 0x1p-52), "negative sums round the same way");
    double sub[] = { 0x1p-1074, 0x1p-1074, 0x1p-1070, -0x1p-1073 };
    tap_ok(xs(sub, 4) == 0x1p-1070, "subnormals exact");
    double big[] = { 0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023 };
    tap_ok(xs(big, 3) == 0x1.fffffffffffffp1023, "the largest double: no overflow in between");
    tap_ok(isinf(xs(big, 2)) && xs(big, 2) > 0, "beyond the largest double: +Inf");
    double nan[] = { 1.0, NAN, 2.0 }, inf[] = { INFINITY, -INFINITY };
    tap_ok(isnan(xs(nan, 3)) && isnan(xs(inf, 2)), "a term not finite makes the sum NaN");
    double none[1] = { 0.0 };
    tap_ok(xs(none, 0) == 0.0 && xs(none, 1) == 0.0, "empty sum 0");

    /* 20,000 terms of every magnitude: any order and any split, the same bits */
    enum { N = 20000 };
    static double v[N], w[N];
    for (int i = 0; i < N; i++) {
        double m = (double)(next_u64() >> 11) / 9007199254740992.0;
        int e = (int)(next_u64() % 120) - 60;
        v[i] = ldexp(next_u64() & 1 ? m : -m, e);
        w[i] = (double)(1 + next_u64() % 50);
    }
    double ref = xs(v, N);
    int same = 1;
    for (int rep = 0; rep < 5; rep++) {
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(next_u64() % (uint64_t)(i + 1));
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        same &= same_bits(xs(v, N), ref);
        sg_xsum part[3], all;
        for (int k = 0; k < 3; k++)
            sg_xsum_init(&part[k]);
        for (int i = 0; i < N; i++)
            sg_xsum_add(&part[next_u64() % 3], v[i]);
        sg_xsum_init(&all);
        for (int k = 2; k >= 0; k--)
            sg_xsum_merge(&all, &part[k]);
        same &= same_bits(sg_xsum_round(&all), ref);
        /* normalized words summed as integers, as MPI_SUM adds them */
        int64_t words[SG_XSUM_WORDS] = { 0 };
        for (int k = 0; k < 3; k++) {
            sg_xsum_normalize(&part[k]);
            for (int q = 0; q < SG_XSUM_WORDS; q++)
                words[q] += part[k].c[q];
        }
        sg_xsum_init(&all);
        memcpy(all.c, words, sizeof words);
        same &= same_bits(sg_xsum_round(&all), ref);
    }
    tap_ok(same, "20,000 terms: shuffled, split in 3 and merged, or words summed: the same bits");
    long double ld = 0.0L;
    for (int i = 0; i < N; i++)
        ld += (long double)v[i];
    tap_ok(fabs(ref - (double)ld) <= 1e-12 * fabs(ref) + 1e-300, "and the sum itself (%.17g, long double %.17g)",
           ref, (double)ld);

    /* products: w * v exactly, its rounding error included */
    int exact = 1;
    for (int i = 0; i < 1000; i++) {
        sg_xsum s;
        sg_xsum_init(&s);
        sg_xsum_add_product(&s, w[i], v[i]);
        double p = w[i] * v[i];
        sg_xsum_add(&s, -p);
        exact &= same_bits(sg_xsum_round(&s), fma(w[i], v[i], -p)) || (sg_xsum_round(&s) == 0.0 && fma(w[i], v[i], -p) == 0.0);
    }
    tap_ok(exact, "w * v added exactly: what is left after the rounded product is fma's error term");
    /* 3 x (term) as one weighted row or three rows: the same sum */
    sg_xsum a, b;
    sg_xsum_init(&a);
    sg_xsum_init(&b);
    for (int i = 0; i < 200; i++) {
        sg_xsum_add_product(&a, 3.0, v[i]);
        for (int k = 0; k < 3; k++)
            sg_xsum_add(&b, v[i]);
    }
    tap_ok(same_bits(sg_xsum_round(&a), sg_xsum_round(&b)), "a row of weight 3 sums as three rows of weight 1");
}

/* ---- owners in lockstep ---- */

#define MAXO 3

typedef struct board {
    int n;
    pthread_barrier_t bar;
    int64_t *words[MAXO];
    double *dbl[MAXO];
    uint64_t calls;
} board;

typedef struct owner {
    board *b;
    int k;
    const sg_btyd_reduce *red;
} owner;

static void sum_words(int64_t *v, size_t n, void *ud)
{
    owner *o = ud;
    board *b = o->b;
    b->words[o->k] = v;
    pthread_barrier_wait(&b->bar);
    int64_t *acc = malloc(n * sizeof *acc);
    for (size_t i = 0; i < n; i++) {
        acc[i] = 0;
        for (int q = 0; q < b->n; q++)
            acc[i] += b->words[q][i];
    }
    pthread_barrier_wait(&b->bar);   /* everybody read every vector */
    memcpy(v, acc, n * sizeof *acc);
    free(acc);
    if (o->k == 0)
        b->calls++;
}

static void max_dbl(double *v, size_t n, void *ud)
{
    owner *o = ud;
    board *b = o->b;
    b->dbl[o->k] = v;
    pthread_barrier_wait(&b->bar);
    double *acc = malloc(n * sizeof *acc);
    for (size_t i = 0; i < n; i++) {
        acc[i] = -INFINITY;
        for (int q = 0; q < b->n; q++)
            acc[i] = fmax(acc[i], b->dbl[q][i]);
    }
    pthread_barrier_wait(&b->bar);
    memcpy(v, acc, n * sizeof *acc);
    free(acc);
}

typedef struct job {
    owner own;
    sg_btyd_model model;
    double penalizer;
    const double *x, *tx, *T, *m;
    const int *who;
    size_t n;
    const sg_table *rows;          /* set: the owner's purchases, fitted as core/mpi_comm.c does */
    const sg_mpi_btyd_cmd *cmd;
    sg_btyd_fit fit;
    int rc;
    char msg[1100];
} job;

static void *run_owner(void *arg)
{
    job *j = arg;
    if (j->cmd) {
        sg_btyd_reduce red = { sum_words, max_dbl, &j->own };
        sg_mpi_btyd_rows r;
        sg_error err;
        sg_error_clear(&err);
        size_t skipped;
        j->rc = sg_mpi_btyd_owner_rows(j->rows, &j->cmd->so, &r, &err);
        if (j->rc == 0)
            j->rc = sg_mpi_btyd_owner_fit(j->cmd, &r, &red, &j->fit, &skipped, &err);
        sg_mpi_btyd_rows_free(&r);
        snprintf(j->msg, sizeof j->msg, "%s", err.msg);
        return NULL;
    }
    size_t mine = 0;
    for (size_t i = 0; i < j->n; i++)
        mine += j->who[i] == j->own.k;
    double *x = malloc((mine + 1) * sizeof *x), *tx = malloc((mine + 1) * sizeof *tx),
           *T = malloc((mine + 1) * sizeof *T), *m = malloc((mine + 1) * sizeof *m);
    size_t q = 0;
    for (size_t i = 0; i < j->n; i++)
        if (j->who[i] == j->own.k) {
            x[q] = j->x[i];
            tx[q] = j->tx[i];
            T[q] = j->T[i];
            m[q] = j->m[i];
            q++;
        }
    sg_btyd_reduce red = { sum_words, max_dbl, &j->own };
    sg_btyd_fit_options fo;
    sg_btyd_fit_options_init(&fo);
    fo.penalizer = j->penalizer;
    fo.reduce = &red;
    sg_error err;
    sg_error_clear(&err);
    if (j->model == SG_GAMMA_GAMMA) {
        size_t skipped;
        j->rc = sg_gamma_gamma_fit(x, m, mine, &fo, &j->fit, &skipped, &err);
    } else {
        sg_btyd_data *d = mine ? sg_btyd_collapse_model(j->model, x, tx, T, NULL, mine, &err) : sg_btyd_data_empty();
        j->rc = d ? sg_btyd_fit_transactions(j->model, d, &fo, &j->fit, &err) : -1;
        sg_btyd_data_free(d);
    }
    snprintf(j->msg, sizeof j->msg, "%s", err.msg);
    free(x);
    free(tx);
    free(T);
    free(m);
    return NULL;
}

static int fit_equal(const sg_btyd_fit *a, const sg_btyd_fit *b)
{
    int ok = a->nparams == b->nparams && a->iterations == b->iterations && strcmp(a->method, b->method) == 0 &&
             same_bits(a->loglik, b->loglik) && a->customers == b->customers;
    for (int i = 0; i < a->nparams; i++)
        ok &= same_bits(a->params[i], b->params[i]) && same_bits(a->se[i], b->se[i]);
    return ok;
}

/* The fit of every owner against the one-process fit; who[i] the owner
 * of customer i. */
static void check_shared(sg_btyd_model model, double pen, const double *x, const double *tx, const double *T,
                         const double *m, size_t n, const int *who, int nown, const char *what)
{
    sg_btyd_fit ref;
    sg_btyd_fit_options fo;
    sg_btyd_fit_options_init(&fo);
    fo.penalizer = pen;
    sg_error err;
    int rc;
    if (model == SG_GAMMA_GAMMA) {
        size_t skipped;
        rc = sg_gamma_gamma_fit(x, m, n, &fo, &ref, &skipped, &err);
    } else {
        sg_btyd_data *d = sg_btyd_collapse_model(model, x, tx, T, NULL, n, &err);
        rc = d ? sg_btyd_fit_transactions(model, d, &fo, &ref, &err) : -1;
        sg_btyd_data_free(d);
    }
    if (rc != 0) {
        tap_ok(0, "%s: one process: %s", what, err.msg);
        return;
    }
    board b;
    memset(&b, 0, sizeof b);
    b.n = nown;
    pthread_barrier_init(&b.bar, NULL, (unsigned)nown);
    job jobs[MAXO];
    pthread_t tid[MAXO];
    for (int k = 0; k < nown; k++) {
        memset(&jobs[k], 0, sizeof jobs[k]);
        jobs[k].own.b = &b;
        jobs[k].own.k = k;
        jobs[k].model = model;
        jobs[k].penalizer = pen;
        jobs[k].x = x;
        jobs[k].tx = tx;
        jobs[k].T = T;
        jobs[k].m = m;
        jobs[k].who = who;
        jobs[k].n = n;
        pthread_create(&tid[k], NULL, run_owner, &jobs[k]);
    }
    for (int k = 0; k < nown; k++)
        pthread_join(tid[k], NULL);
    pthread_barrier_destroy(&b.bar);
    int ok = 1;
    size_t held[MAXO] = { 0 };
    for (size_t i = 0; i < n; i++)
        held[who[i]]++;
    for (int k = 0; k < nown; k++) {
        if (jobs[k].rc != 0)
            tap_diag("owner %d: %s", k, jobs[k].msg);
        ok &= jobs[k].rc == 0 && fit_equal(&jobs[k].fit, &ref);
    }
    tap_ok(ok, "%s on %d owner(s) (customers %zu/%zu/%zu; %llu reductions): %s = %.17g ... the bits of one "
           "process, log-likelihood %.10g", what, nown, held[0], nown > 1 ? held[1] : 0, nown > 2 ? held[2] : 0,
           (unsigned long long)b.calls, sg_btyd_param_name(model, 0), ref.params[0], ref.loglik);
}

static double *column(const sg_table *s, const char *name)
{
    const sg_column *c = sg_table_col(s, name);
    double *v = malloc((s->nrows + 1) * sizeof *v);
    for (size_t i = 0; c && v && i < s->nrows; i++)
        v[i] = sg_column_num(c, i);
    return v;
}

/* The CDNOW sample's purchases (customer ids as text), or NULL with err set. */
static sg_table *read_cdnow(sg_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/btyd/cdnow_sample.csv", tap_fixtures());
    sg_csv_override ov[] = { { "customer", SG_STRING, SG_DATE_UNKNOWN, 0 }, { "date", SG_DATETIME, SG_DATE_UNKNOWN, 0 } };
    sg_csv_options opt;
    sg_csv_options_init(&opt);
    opt.overrides = ov;
    opt.noverrides = 2;
    return sg_csv_read(path, &opt, NULL, err);
}

static void test_cdnow(void)
{
    sg_error err;
    sg_table *t = read_cdnow(&err);
    if (!tap_ok(t != NULL, "CDNOW sample read")) {
        tap_diag("%s", err.msg);
        return;
    }
    int64_t cal = sg_days_from_civil(1997, 9, 30) * 86400;
    sg_btyd_summary_options so = { "customer", "date", "amount", cal, cal, 7.0, 0 };
    sg_table *s = sg_btyd_summary(t, &so, &err);
    so.whole_periods = 1;
    sg_table *sw = sg_btyd_summary(t, &so, &err);
    if (!tap_ok(s && sw && s->nrows == 2357, "2,357 customers")) {
        sg_table_free(t);
        sg_table_free(s);
        sg_table_free(sw);
        return;
    }
    size_t n = s->nrows;
    double *x = column(s, "x"), *tx = column(s, "t_x"), *T = column(s, "T"), *m = column(s, "mean_spend");
    double *wx = column(sw, "x"), *wtx = column(sw, "t_x"), *wT = column(sw, "T");
    int *who[MAXO + 1];
    const sg_column *cust = sg_table_col(s, "customer");
    for (int nown = 1; nown <= MAXO; nown++) {
        who[nown] = malloc(n * sizeof(int));
        for (size_t i = 0; i < n; i++)
            who[nown][i] = sg_mpi_owner(cust, i, nown);
    }
    /* three owners, the second holding nobody */
    int *gap = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++)
        gap[i] = who[2][i] == 0 ? 0 : 2;

    static const struct { sg_btyd_model m; double pen; const char *name; } cases[] = {
        { SG_BGNBD, 0, "BG/NBD" }, { SG_BGNBD, 0.01, "BG/NBD, penalizer 0.01" }, { SG_MBGNBD, 0, "MBG/NBD" },
        { SG_PARETO_NBD, 0, "Pareto/NBD" }, { SG_GAMMA_GAMMA, 0, "Gamma-Gamma" },
        { SG_GAMMA_GAMMA, 0.001, "Gamma-Gamma, penalizer 0.001" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int nown = 1; nown <= MAXO; nown++)
            check_shared(cases[c].m, cases[c].pen, x, tx, T, m, n, who[nown], nown, cases[c].name);
    check_shared(SG_BGNBD, 0, x, tx, T, m, n, gap, 3, "BG/NBD, an owner without customers");
    check_shared(SG_PARETO_NBD, 0, x, tx, T, m, n, gap, 3, "Pareto/NBD, an owner without customers");
    for (int nown = 1; nown <= MAXO; nown += 2)
        check_shared(SG_BGBB, 0, wx, wtx, wT, m, n, who[nown], nown, "BG/BB on whole weeks");

    /* the published BG/NBD parameters still come out (Fader, Hardie and Lee 2005) */
    sg_btyd_data *d = sg_btyd_collapse(x, tx, T, n, &err);
    sg_btyd_fit f;
    if (tap_ok(d && sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &f, &err) == 0, "BG/NBD on one process"))
        tap_ok(fabs(f.params[0] - 0.243) < 5e-4 && fabs(f.params[1] - 4.414) < 5e-4 && fabs(f.params[2] - 0.793) < 5e-4 &&
               fabs(f.params[3] - 2.426) < 5e-4 && fabs(f.loglik + 9582.4) < 0.05,
               "r %.4f alpha %.4f a %.4f b %.4f, log-likelihood %.2f as published", f.params[0], f.params[1],
               f.params[2], f.params[3], f.loglik);
    sg_btyd_data_free(d);

    for (int nown = 1; nown <= MAXO; nown++)
        free(who[nown]);
    free(gap);
    free(x);
    free(tx);
    free(T);
    free(m);
    free(wx);
    free(wtx);
    free(wT);
    sg_table_free(t);
    sg_table_free(s);
    sg_table_free(sw);
}

/* The owners of core/mpi_comm.c: n owners each holding its customers'
 * purchases of t (NULL: none), the command encoded and decoded. */
static void check_owner_tables(const sg_table *t, const sg_mpi_btyd_cmd *cmd, int nown, const sg_btyd_fit *ref,
                               const char *what)
{
    const sg_column *cust = sg_table_col(t, "customer");
    sg_table *mine[MAXO] = { NULL };
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), held[MAXO] = { 0 };
    for (int k = 0; k < nown; k++) {
        size_t m = 0;
        for (size_t i = 0; i < t->nrows; i++)
            if (sg_mpi_owner(cust, i, nown) == k)
                rows[m++] = i;
        sg_error err;
        mine[k] = m ? sg_table_take(t, rows, m, &err) : NULL;
        held[k] = m;
    }
    free(rows);
    sg_mpi_buf b = { 0 };
    sg_mpi_btyd_cmd dc;
    int codec = sg_mpi_btyd_encode(cmd, &b) == 0 && sg_mpi_btyd_decode(b.b, b.len, &dc) == 0 &&
                sg_mpi_btyd_decode(b.b, b.len - 1, &(sg_mpi_btyd_cmd){ 0 }) != 0;
    board bd;
    memset(&bd, 0, sizeof bd);
    bd.n = nown;
    pthread_barrier_init(&bd.bar, NULL, (unsigned)nown);
    job jobs[MAXO];
    pthread_t tid[MAXO];
    for (int k = 0; k < nown; k++) {
        memset(&jobs[k], 0, sizeof jobs[k]);
        jobs[k].own.b = &bd;
        jobs[k].own.k = k;
        jobs[k].rows = mine[k];
        jobs[k].cmd = &dc;
        pthread_create(&tid[k], NULL, run_owner, &jobs[k]);
    }
    for (int k = 0; k < nown; k++)
        pthread_join(tid[k], NULL);
    pthread_barrier_destroy(&bd.bar);
    int ok = codec;
    for (int k = 0; k < nown; k++) {
        if (jobs[k].rc != 0)
            tap_diag("owner %d: %s", k, jobs[k].msg);
        ok &= jobs[k].rc == 0 && fit_equal(&jobs[k].fit, ref);
        sg_table_free(mine[k]);
    }
    sg_mpi_buf_free(&b);
    tap_ok(ok, "%s: %d owner(s) holding %zu/%zu/%zu purchases summarise and fit them from the command: the bits "
           "of one process", what, nown, held[0], nown > 1 ? held[1] : 0, nown > 2 ? held[2] : 0);
}

static void test_owner_tables(void)
{
    sg_error err;
    sg_table *t = read_cdnow(&err);
    if (!t) {
        tap_ok(0, "CDNOW read: %s", err.msg);
        return;
    }
    int64_t cal = sg_days_from_civil(1997, 9, 30) * 86400, end = sg_days_from_civil(1998, 6, 30) * 86400;
    static const struct { sg_btyd_model m; double pen; int holdout; const char *name; } cases[] = {
        { SG_BGNBD, 0, 0, "BG/NBD" }, { SG_PARETO_NBD, 0, 1, "Pareto/NBD with a holdout" },
        { SG_GAMMA_GAMMA, 0, 0, "Gamma-Gamma" }, { SG_MBGNBD, 0.001, 0, "MBG/NBD, penalizer 0.001" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sg_mpi_btyd_cmd cmd = { 7, cases[c].m, { "customer", "date", "amount", cal, cases[c].holdout ? end : cal, 7.0, 0 },
                                cases[c].pen, 1e-8, 1000 };
        sg_table *s = sg_btyd_summary(t, &cmd.so, &err);
        sg_btyd_fit ref;
        sg_btyd_fit_options fo;
        sg_btyd_fit_options_init(&fo);
        fo.penalizer = cases[c].pen;
        double *x = column(s, "x"), *tx = column(s, "t_x"), *T = column(s, "T"), *m = column(s, "mean_spend");
        int rc;
        if (cases[c].m == SG_GAMMA_GAMMA) {
            size_t sk;
            rc = sg_gamma_gamma_fit(x, m, s->nrows, &fo, &ref, &sk, &err);
        } else {
            sg_btyd_data *d = sg_btyd_collapse(x, tx, T, s->nrows, &err);
            rc = d ? sg_btyd_fit_transactions(cases[c].m, d, &fo, &ref, &err) : -1;
            sg_btyd_data_free(d);
        }
        if (tap_ok(rc == 0, "%s on one process", cases[c].name))
            for (int nown = 1; nown <= MAXO; nown++)
                check_owner_tables(t, &cmd, nown, &ref, cases[c].name);
        free(x);
        free(tx);
        free(T);
        free(m);
        sg_table_free(s);
    }
    sg_table_free(t);
}

/* Every column of a and b: same names, types, missing values and bits. */
static int tables_same(const sg_table *a, const sg_table *b, char *why, size_t whylen)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols)
        return snprintf(why, whylen, "%zu x %zu against %zu x %zu", a->nrows, a->ncols, b->nrows, b->ncols), 0;
    for (size_t q = 0; q < a->ncols; q++) {
        const sg_column *ca = a->cols[q], *cb = b->cols[q];
        if (strcmp(ca->name, cb->name) != 0 || ca->type != cb->type)
            return snprintf(why, whylen, "column %zu: %s against %s", q, ca->name, cb->name), 0;
        for (size_t i = 0; i < a->nrows; i++) {
            int na = sg_column_is_na(ca, i), same = na == sg_column_is_na(cb, i);
            if (same && !na && ca->type == SG_STRING) {
                size_t la, lb;
                const char *sa = sg_column_str(ca, i, &la), *sb = sg_column_str(cb, i, &lb);
                same = la == lb && memcmp(sa, sb, la) == 0;
            } else if (same && !na) {
                same = memcmp((const char *)ca->data + i * 8, (const char *)cb->data + i * 8, 8) == 0;
            }
            if (!same)
                return snprintf(why, whylen, "column %s, row %zu", ca->name, i), 0;
        }
    }
    return 1;
}

/* The summary and predictions of cmd made by nown owners of t's customers
 * (`gap`: the second of three owns none) and assembled, against ref. */
static void check_owner_summary(const sg_table *t, const sg_mpi_btyd_scmd *cmd, int nown, int gap, const sg_table *ref,
                                const sg_table *base, const char *what)
{
    const sg_column *cust = sg_table_col(t, "customer");
    size_t *rows = malloc((t->nrows + 1) * sizeof *rows), held[MAXO] = { 0 };
    sg_mpi_buf enc = { 0 }, recs[MAXO];
    memset(recs, 0, sizeof recs);
    sg_mpi_btyd_scmd dc;
    int ok = sg_mpi_btyd_scmd_encode(cmd, &enc) == 0 && sg_mpi_btyd_scmd_decode(enc.b, enc.len, &dc) == 0 &&
             sg_mpi_btyd_scmd_decode(enc.b, enc.len - 1, &(sg_mpi_btyd_scmd){ 0 }) != 0;
    sg_error err;
    for (int k = 0; k < nown && ok; k++) {
        size_t m = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            int o = sg_mpi_owner(cust, i, gap ? 2 : nown);
            if ((gap && o == 1 ? 2 : o) == k)
                rows[m++] = i;
        }
        sg_table *mine = m ? sg_table_take(t, rows, m, &err) : NULL;
        sg_table *s = mine ? sg_btyd_summary(mine, &dc.so, &err) : NULL;
        held[k] = s ? s->nrows : 0;
        ok &= (!mine || s) && sg_mpi_btyd_summary_owner(s, &dc, &recs[k], &err) == 0;
        sg_table_free(s);
        sg_table_free(mine);
    }
    free(rows);
    const unsigned char *parts[MAXO];
    size_t lens[MAXO];
    uint64_t nc[MAXO];
    for (int k = 0; k < nown; k++) {
        parts[k] = recs[k].b;
        lens[k] = recs[k].len;
    }
    char why[sizeof err.msg + 1] = "";
    sg_table *got = ok ? sg_mpi_btyd_summary_assemble(parts, lens, nown, &dc, cust->type, base, nc, &err) : NULL;
    if (ok && !got)
        snprintf(why, sizeof why, "%s", err.msg);
    ok = got && tables_same(got, ref, why, sizeof why);
    for (int k = 0; k < nown; k++)
        ok &= nc[k] == held[k];
    if (why[0])
        tap_diag("%s", why);
    tap_ok(ok, "%s: %d owner(s) with %zu/%zu/%zu customers summarise and predict, rank 0 assembles%s: the table "
           "of one process, to the bit", what, nown, held[0], nown > 1 ? held[1] : 0, nown > 2 ? held[2] : 0,
           base ? " (ids and predictions only, added to the summary it holds)" : "");
    if (nown == 2 && base) {
        /* a summary with other customers, or in another order, is refused */
        size_t *rev = malloc(base->nrows * sizeof *rev);
        for (size_t i = 0; i < base->nrows; i++)
            rev[i] = base->nrows - 1 - i;
        sg_table *other = sg_table_take(base, rev, base->nrows, &err);
        sg_table *bad = sg_mpi_btyd_summary_assemble(parts, lens, 2, &dc, cust->type, other, NULL, &err);
        tap_ok(!bad && err.code == SG_EDATA, "%s: the summary's customers in another order refused (%s)", what, err.msg);
        sg_table_free(bad);
        sg_table_free(other);
        other = sg_table_take(base, rev, base->nrows - 1, &err);
        bad = sg_mpi_btyd_summary_assemble(parts, lens, 2, &dc, cust->type, other, NULL, &err);
        tap_ok(!bad && err.code == SG_EDATA, "%s: a summary without one of the customers refused (%s)", what, err.msg);
        sg_table_free(bad);
        sg_table_free(other);
        free(rev);
    } else if (nown == 2) {
        /* records cut short, and a customer sent by two ranks, are refused */
        sg_table *bad = sg_mpi_btyd_summary_assemble(parts, (size_t[]){ lens[0], lens[1] - 1 }, 2, &dc, cust->type,
                                                     NULL, NULL, &err);
        tap_ok(!bad && err.code == SG_EDATA, "%s: truncated records refused (%s)", what, err.msg);
        sg_table_free(bad);
        bad = sg_mpi_btyd_summary_assemble((const unsigned char *[]){ parts[0], parts[0] },
                                           (size_t[]){ lens[0], lens[0] }, 2, &dc, cust->type, NULL, NULL, &err);
        tap_ok(!bad && err.code == SG_EDATA, "%s: a customer sent twice refused (%s)", what, err.msg);
        sg_table_free(bad);
    }
    sg_table_free(got);
    for (int k = 0; k < nown; k++)
        sg_mpi_buf_free(&recs[k]);
    sg_mpi_buf_free(&enc);
}

/* The reference: sg_btyd_summary over the whole table with the columns
 * sg_btyd_score_column adds, as step btyd makes them on one process. */
static sg_table *predicted(const sg_table *t, const sg_mpi_btyd_scmd *cmd, sg_error *err)
{
    sg_table *s = sg_btyd_summary(t, &cmd->so, err);
    double *x = column(s, "x"), *tx = column(s, "t_x"), *T = column(s, "T"), *m = column(s, "mean_spend");
    for (int k = 0; k < cmd->npred && s; k++) {
        const sg_mpi_btyd_pred *p = &cmd->pred[k];
        sg_btyd_fit tm, gg;
        sg_btyd_fit_from_params(p->model, p->params, &tm, err);
        sg_btyd_fit_from_params(SG_GAMMA_GAMMA, p->gg, &gg, err);
        sg_btyd_score sc = { p->kind, &tm, &gg, p->t, 0, p->horizon, p->period, p->discount, p->margin };
        sg_column *c = sg_btyd_score_column(&sc, x, tx, T, m, s->nrows, p->column, err);
        if (!c || sg_table_add(s, c, err) != 0) {
            sg_table_free(s);
            s = NULL;
        }
    }
    free(x);
    free(tx);
    free(T);
    free(m);
    return s;
}

static void test_owner_summary(void)
{
    sg_error err;
    sg_table *t = read_cdnow(&err);
    if (!t) {
        tap_ok(0, "CDNOW read: %s", err.msg);
        return;
    }
    int64_t cal = sg_days_from_civil(1997, 9, 30) * 86400, end = sg_days_from_civil(1998, 6, 30) * 86400;
    /* the one-process fits whose parameters the predictions use */
    sg_btyd_summary_options so = { "customer", "date", "amount", cal, end, 7.0, 0 };
    sg_table *s = sg_btyd_summary(t, &so, &err);
    double *x = column(s, "x"), *tx = column(s, "t_x"), *T = column(s, "T"), *m = column(s, "mean_spend");
    sg_btyd_data *d = sg_btyd_collapse(x, tx, T, s->nrows, &err);
    sg_btyd_fit bg, pn, gg;
    size_t sk;
    int fitted = d && sg_btyd_fit_transactions(SG_BGNBD, d, NULL, &bg, &err) == 0 &&
                 sg_btyd_fit_transactions(SG_PARETO_NBD, d, NULL, &pn, &err) == 0 &&
                 sg_gamma_gamma_fit(x, m, s->nrows, NULL, &gg, &sk, &err) == 0;
    sg_btyd_data_free(d);
    free(x);
    free(tx);
    free(T);
    free(m);
    sg_table_free(s);
    if (!tap_ok(fitted, "BG/NBD, Pareto/NBD and Gamma-Gamma on one process")) {
        sg_table_free(t);
        return;
    }
    sg_mpi_btyd_scmd cmds[3];
    memset(cmds, 0, sizeof cmds);
    /* the holdout summary without predictions; with Pareto/NBD's expected
     * purchases over it; the final one with BG/NBD's P(alive), expected
     * purchases and CLV */
    cmds[0].gen = cmds[1].gen = cmds[2].gen = 3;
    cmds[0].so = cmds[1].so = so;
    cmds[1].npred = 1;
    cmds[1].pred[0] = (sg_mpi_btyd_pred){ SG_BTYD_SCORE_EXPECTED, SG_PARETO_NBD, { 0 }, { 0 }, 39, 0, 0, 0, 0,
                                          "predicted" };
    memcpy(cmds[1].pred[0].params, pn.params, sizeof pn.params);
    cmds[2].so = (sg_btyd_summary_options){ "customer", "date", "amount", end, end, 7.0, 0 };
    cmds[2].npred = 3;
    cmds[2].pred[0] = (sg_mpi_btyd_pred){ SG_BTYD_SCORE_P_ALIVE, SG_BGNBD, { 0 }, { 0 }, 0, 0, 0, 0, 0, "p_alive" };
    cmds[2].pred[1] = (sg_mpi_btyd_pred){ SG_BTYD_SCORE_EXPECTED, SG_BGNBD, { 0 }, { 0 }, 90 / 7.0, 0, 0, 0, 0,
                                          "expected_purchases_90d" };
    cmds[2].pred[2] = (sg_mpi_btyd_pred){ SG_BTYD_SCORE_CLV, SG_BGNBD, { 0 }, { 0 }, 0, 12, 30.4375 / 7, 0.01, 1,
                                          "clv_12m" };
    for (int k = 0; k < 3; k++) {
        memcpy(cmds[2].pred[k].params, bg.params, sizeof bg.params);
        memcpy(cmds[2].pred[k].gg, gg.params, sizeof gg.params);
    }
    static const char *const names[3] = { "holdout summary", "Pareto/NBD holdout predictions",
                                          "P(alive), expected purchases and CLV" };
    for (int c = 0; c < 3; c++) {
        sg_table *ref = predicted(t, &cmds[c], &err);
        for (int nown = 1; ref && nown <= MAXO; nown++)
            check_owner_summary(t, &cmds[c], nown, 0, ref, NULL, names[c]);
        if (ref && c == 2)
            check_owner_summary(t, &cmds[c], 3, 1, ref, NULL, "an owner without customers");
        sg_table_free(ref);
    }
    /* the holdout predictions added to the holdout summary rank 0 holds */
    sg_table *hs = predicted(t, &cmds[0], &err), *ref = predicted(t, &cmds[1], &err);
    cmds[1].bare = 1;
    for (int nown = 1; hs && ref && nown <= MAXO; nown++)
        check_owner_summary(t, &cmds[1], nown, 0, ref, hs, "Pareto/NBD holdout predictions");
    sg_table_free(hs);
    sg_table_free(ref);
    /* int64 customers */
    const sg_column *cc = sg_table_col(t, "customer");
    sg_column *ic = sg_column_new("customer", SG_INT64, t->nrows);
    for (size_t i = 0; ic && i < t->nrows; i++) {
        size_t len;
        const char *id = sg_column_str(cc, i, &len);
        sg_column_push_i64(ic, strtoll(id, NULL, 10));
    }
    sg_table *ti = sg_table_new();
    for (size_t q = 0; ti && q < t->ncols; q++)
        sg_table_add(ti, strcmp(t->cols[q]->name, "customer") == 0 ? ic : sg_column_retain(t->cols[q]), &err);
    ref = ti ? predicted(ti, &cmds[2], &err) : NULL;
    if (tap_ok(ref && sg_table_col(ref, "customer")->type == SG_INT64 && ref->nrows == 2357,
               "int64 customers: 2,357 in the summary"))
        check_owner_summary(ti, &cmds[2], 3, 0, ref, NULL, "int64 customers");
    sg_table_free(ref);
    sg_table_free(ti);
    sg_table_free(t);
}

int main(void)
{
    test_xsum();
    test_cdnow();
    test_owner_tables();
    test_owner_summary();
    return tap_done();
}
