/* Group-bys whose results are reduced, on the owning ranks: the steps
 * without MPI calls (see mpi_attrs.h, docs/mpi.md). */
#include "mpi_attrs.h"

#include <string.h>

#include "groupby.h"
#include "mem.h"
#include "mpi_shuffle.h"

/* ---- the command ---- */

int sg_mpi_gb_encode(const sg_mpi_gb_cmd *c, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_u64(b, (uint64_t)c->kind);
    sg_mpi_put_u64(b, (uint64_t)c->ncols);
    for (size_t j = 0; j < c->ncols && j < SG_MPI_GB_MAXCOLS; j++)
        sg_mpi_put_str(b, c->cols[j]);
    sg_mpi_put_str(b, c->kind == SG_MPI_GB_COUNT ? c->count : "");
    return b->oom ? -1 : 0;
}

int sg_mpi_gb_decode(const unsigned char *b, size_t len, sg_mpi_gb_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    c->gen = sg_mpi_rd_u64(&r);
    uint64_t kind = sg_mpi_rd_u64(&r), n = sg_mpi_rd_u64(&r);
    if (r.bad || (kind == SG_MPI_GB_FIRST ? (n < 2 || n > SG_MPI_GB_MAXCOLS) : kind != SG_MPI_GB_COUNT || n != 2))
        return -1;
    c->kind = (int)kind;
    c->ncols = (size_t)n;
    for (size_t j = 0; j < c->ncols; j++) {
        c->cols[j] = sg_mpi_rd_str(&r);
        if (!c->cols[j][0])
            r.bad = 1;
    }
    c->count = sg_mpi_rd_str(&r);
    if (r.bad || r.p != r.end || (c->kind == SG_MPI_GB_COUNT) != (c->count[0] != 0))
        return -1;
    if (c->kind == SG_MPI_GB_FIRST)
        c->count = NULL;
    return 0;
}

/* ---- the group-bys ---- */

/* The keys and aggregates of c: the owners' (reduce 0, as one process) or
 * rank 0's reducing ones; the number of keys. */
static size_t plan(const sg_mpi_gb_cmd *c, int reduce, sg_agg *aggs, size_t *naggs)
{
    if (c->kind == SG_MPI_GB_COUNT) {
        aggs[0] = (sg_agg){ c->count, reduce ? SG_AGG_SUM : SG_AGG_COUNT, reduce ? c->count : NULL, 0 };
        *naggs = 1;
        return 2;
    }
    for (size_t j = 1; j < c->ncols; j++)
        aggs[j - 1] = (sg_agg){ c->cols[j], SG_AGG_FIRST, c->cols[j], 0 };
    *naggs = c->ncols - 1;
    return 1;
}

sg_table *sg_mpi_gb_local(const sg_table *t, const sg_mpi_gb_cmd *c, sg_error *err)
{
    sg_agg aggs[SG_MPI_GB_MAXCOLS];
    size_t naggs;
    size_t nkeys = plan(c, 0, aggs, &naggs);
    return sg_table_group_by(t, c->cols, nkeys, aggs, naggs, err);
}

int sg_mpi_gb_owner(const sg_table *t, const sg_mpi_gb_cmd *c, int rank, int n, sg_mpi_buf *out,
                    uint64_t *ngroups, sg_error *err)
{
    sg_error_clear(err);
    *ngroups = 0;
    if (!t)
        return 0;
    sg_table *g = sg_mpi_gb_local(t, c, err);
    if (!g)
        return err->code;
    size_t m = g->nrows;
    uint64_t *gid = sg_malloc((m ? m : 1) * sizeof *gid);
    size_t *rows = sg_malloc((m ? m : 1) * sizeof *rows);
    int rc = 0;
    if (!gid || !rows)
        rc = sg_error_nomem(err);
    for (size_t k = 0; !rc && k < m; k++) {
        gid[k] = (uint64_t)k * (uint64_t)n + (uint64_t)rank;
        rows[k] = k;
    }
    if (!rc)
        rc = sg_mpi_rows_pack(g, gid, rows, m, out, err);
    if (!rc)
        *ngroups = m;
    sg_free(gid);
    sg_free(rows);
    sg_table_free(g);
    return rc;
}

sg_table *sg_mpi_gb_reduce(const unsigned char *const *parts, const size_t *lens, int n, const sg_mpi_gb_cmd *c,
                           uint64_t *ngroups, sg_error *err)
{
    sg_error_clear(err);
    for (int k = 0; ngroups && k < n; k++)
        ngroups[k] = 0;
    uint64_t *gid = NULL;
    sg_table *u = sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid, err);
    if (!u)
        return NULL;
    int bad = 0;
    for (size_t i = 0; i < u->nrows; i++) {
        /* every owner sends k * n + rank for its row k: the rank is the remainder */
        uint64_t k = gid[i] % (uint64_t)n;
        if (ngroups)
            ngroups[k]++;
    }
    sg_free(gid);
    if (u->ncols == 0) {
        sg_table_free(u);
        sg_error_set(err, SG_EINVAL, "no rank holds rows");
        return NULL;
    }
    sg_agg aggs[SG_MPI_GB_MAXCOLS];
    size_t naggs;
    size_t nkeys = plan(c, 1, aggs, &naggs);
    sg_table *out = NULL;
    if (u->ncols != nkeys + naggs)
        bad = 1;
    for (size_t j = 0; !bad && j < nkeys; j++)
        bad = !sg_table_col(u, c->cols[j]);
    if (!bad && c->kind == SG_MPI_GB_COUNT) {
        const sg_column *cnt = sg_table_col(u, c->count);
        bad = !cnt || cnt->type != SG_INT64;
    }
    if (!bad) {
        out = sg_table_group_by(u, c->cols, nkeys, aggs, naggs, err);
        if (!out && err->code != SG_ENOMEM)
            bad = 1;
    }
    /* a customer's row comes from its one owner: as many customers as rows */
    if (out && c->kind == SG_MPI_GB_FIRST && out->nrows != u->nrows) {
        sg_table_free(out);
        out = NULL;
        sg_table_free(u);
        sg_error_set(err, SG_EDATA, "attributes: a customer was sent by two ranks");
        return NULL;
    }
    sg_table_free(u);
    if (bad) {
        sg_table_free(out);
        sg_error_set(err, SG_EDATA, "group-by on the owners: the rows received are not the group-by's");
        return NULL;
    }
    return out;
}
