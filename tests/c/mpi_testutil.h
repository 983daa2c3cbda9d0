/* Helpers for the one-process tests of the MPI steps (test_mpi_shuffle,
 * test_mpi_clean, test_mpi_rfm and the later steps'): a scratch folder,
 * small CSV files read into tables, a table as text, filter conditions
 * evaluated as the cleaning steps evaluate them, and the exchange by
 * customer simulated in one process. */
#ifndef SG_MPI_TESTUTIL_H
#define SG_MPI_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "csvwrite.h"
#include "expr.h"
#include "mem.h"
#include "mpi_shuffle.h"
#include "table.h"
#include "tap.h"

static char mpi_test_dir[64];

/* Makes the scratch folder /tmp/sg_<name>_XXXXXX; 0 when it cannot. */
static inline int mpi_test_begin(const char *name)
{
    snprintf(mpi_test_dir, sizeof mpi_test_dir, "/tmp/sg_%s_XXXXXX", name);
    return mkdtemp(mpi_test_dir) != NULL;
}

static inline void mpi_test_end(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", mpi_test_dir);
    if (system(cmd) != 0)
        tap_diag("cannot remove %s", mpi_test_dir);
}

/* Writes text to name in the scratch folder; its path (the last four stay
 * valid), or NULL when it cannot be written. */
static inline const char *write_file(const char *name, const char *text)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, 512, "%s/%s", mpi_test_dir, name);
    FILE *f = fopen(p, "wb");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        tap_diag("cannot write %s", p);
        return NULL;
    }
    return p;
}

/* text as a CSV file read with the default options; NULL (said) when not. */
static inline sg_table *read_text(const char *name, const char *text)
{
    const char *path = write_file(name, text);
    if (!path)
        return NULL;
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_report rep;
    sg_error err;
    sg_table *t = sg_csv_read(path, &o, &rep, &err);
    if (t)
        sg_csv_report_free(&rep);
    else
        tap_diag("%s: %s", path, err.msg);
    return t;
}

/* The Online Retail file of the shared data in path (n bytes): 1, or 0
 * after skipping nskip tests with the reason. */
static inline int retail_path(char *path, size_t n, int nskip)
{
    const char *d = tap_shared_data();
    if (!d) {
        tap_skip(nskip, "no shared data folder");
        return 0;
    }
    snprintf(path, n, "%s/online_retail/online_retail.csv", d);
    if (access(path, R_OK) != 0) {
        tap_skip(nskip, "Online Retail not present");
        return 0;
    }
    return 1;
}

/* Online Retail read with the default options; NULL after skipping nskip
 * tests when it cannot be. */
static inline sg_table *read_retail(const char *path, int nskip)
{
    sg_csv_options o;
    sg_csv_options_init(&o);
    sg_csv_report rep;
    sg_error err;
    sg_table *t = sg_csv_read(path, &o, &rep, &err);
    if (!t) {
        tap_skip(nskip, "Online Retail cannot be read");
        return NULL;
    }
    sg_csv_report_free(&rep);
    return t;
}

/* The table as text: names, types and date-only flags, then the CSV
 * (free() it). */
static inline char *dump(const sg_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t j = 0; j < t->ncols; j++)
        fprintf(f, "%s:%s:%d ", t->cols[j]->name, sg_type_name(t->cols[j]->type), t->cols[j]->date_only);
    fprintf(f, "rows=%zu\n", t->nrows);
    sg_error err;
    sg_table_write_csv_stream(t, f, ',', &err);
    fclose(f);
    return buf;
}

/* keep[i] &&= every condition is true (not missing) on row i of t. */
static inline int keep_where(const sg_table *t, const char *const *c, size_t nc, uint8_t *keep)
{
    sg_error err;
    for (size_t k = 0; k < nc; k++) {
        sg_expr *e = sg_expr_parse(c[k], t, &err);
        sg_column *v = e ? sg_expr_eval(e, t, "c", &err) : NULL;
        sg_expr_free(e);
        if (!v)
            return -1;
        for (size_t i = 0; i < t->nrows; i++)
            keep[i] = keep[i] && !sg_column_is_na(v, i) && sg_column_bools(v)[i];
        sg_column_release(v);
    }
    return 0;
}

/* The exchange by customer in one process: n simulated ranks (at most
 * MPI_TEST_MAXN) each read a contiguous share of t and pack each row for
 * its customer's owner (sg_mpi_owner); owner d unpacks what it receives:
 * tabs[d], its customers' rows in global row order (NULL when none).  0,
 * or -1 (said). */
#define MPI_TEST_MAXN 4
static inline int mpi_test_spread(const sg_table *t, const char *customer, int n, sg_table **tabs)
{
    sg_mpi_buf sent[MPI_TEST_MAXN][MPI_TEST_MAXN];
    memset(sent, 0, sizeof sent);
    sg_error err;
    const sg_column *cust = sg_table_col(t, customer);
    int ok = cust != NULL;
    uint64_t *g = malloc((t->nrows + 1) * sizeof *g);   /* global numbers by row of t */
    size_t *pick = malloc((t->nrows + 1) * sizeof *pick);
    ok = ok && g && pick;
    for (size_t i = 0; ok && i < t->nrows; i++)
        g[i] = i;
    for (int s = 0; s < n && ok; s++) {
        size_t from = t->nrows * (size_t)s / (size_t)n, to = t->nrows * (size_t)(s + 1) / (size_t)n;
        for (int d = 0; ok && d < n; d++) {
            size_t k = 0;
            for (size_t i = from; i < to; i++)
                if (sg_mpi_owner(cust, i, n) == d)
                    pick[k++] = i;
            if (k && sg_mpi_rows_pack(t, g, pick, k, &sent[s][d], &err) != 0) {
                tap_diag("pack: %s", err.msg);
                ok = 0;
            }
        }
    }
    free(pick);
    free(g);
    for (int d = 0; d < n; d++) {
        const unsigned char *parts[MPI_TEST_MAXN];
        size_t lens[MPI_TEST_MAXN], any = 0;
        for (int s = 0; s < n; s++) {
            parts[s] = sent[s][d].b;
            lens[s] = sent[s][d].len;
            any += lens[s];
        }
        uint64_t *gid = NULL;
        tabs[d] = ok && any ? sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid, &err) : NULL;
        if (ok && any && !tabs[d]) {
            tap_diag("unpack: %s", err.msg);
            ok = 0;
        }
        sg_free(gid);
    }
    for (int s = 0; s < n; s++)
        for (int d = 0; d < n; d++)
            sg_mpi_buf_free(&sent[s][d]);
    return ok ? 0 : -1;
}

#endif
