/* BTYD fits on the ranks that own the customers, without MPI calls
 * (core/mpi_btyd.c; core/mpi_comm.c runs them across ranks, the tests in
 * one process).  See docs/mpi.md.
 *
 * After RFM the owners still hold their customers' cleaned rows.  For a fit
 * every owner computes the BTYD summary of its rows (sg_btyd_summary: each
 * customer's x, t_x, T and mean spend, the values one process computes for
 * that customer over the whole table, as the owner holds every row of the
 * customer in global row order) and all ranks run the same fit in lockstep,
 * their exact sums added by the reducer (sg_btyd_reduce, core/btyd.h):
 * every rank ends with the parameters one process fits, to the bit. */
#ifndef SG_MPI_BTYD_H
#define SG_MPI_BTYD_H

#include <stddef.h>
#include <stdint.h>

#include "btyd.h"
#include "btyd_summary.h"
#include "mpi_part.h"
#include "table.h"

typedef struct sg_mpi_btyd_cmd {
    uint64_t gen;                 /* the exchange whose cleaned rows the owners hold */
    sg_btyd_model model;
    sg_btyd_summary_options so;   /* amount may be NULL */
    double penalizer, tolerance;
    int max_iter;
} sg_mpi_btyd_cmd;

/* The command as bytes, and back (the strings then point into b): 0, or
 * -1 (out of memory; malformed). */
int sg_mpi_btyd_encode(const sg_mpi_btyd_cmd *c, sg_mpi_buf *b);
int sg_mpi_btyd_decode(const unsigned char *b, size_t len, sg_mpi_btyd_cmd *c);

/* An owner's customers: the summary columns the fit reads. */
typedef struct sg_mpi_btyd_rows {
    size_t n;
    double *x, *tx, *T, *m;
} sg_mpi_btyd_rows;

/* The summary of an owner's cleaned rows (NULL: it owns none).  0, or an
 * error code with err set (sg_btyd_summary's messages). */
int sg_mpi_btyd_owner_rows(const sg_table *clean, const sg_btyd_summary_options *so, sg_mpi_btyd_rows *out,
                           sg_error *err);
void sg_mpi_btyd_rows_free(sg_mpi_btyd_rows *r);

/* Collective over the processes red joins: fits c->model on the owner's
 * rows, each process with its own.  The same return, fit and *skipped
 * (Gamma-Gamma: customers of every process skipped) on every process. */
int sg_mpi_btyd_owner_fit(const sg_mpi_btyd_cmd *c, const sg_mpi_btyd_rows *r, const sg_btyd_reduce *red,
                          sg_btyd_fit *fit, size_t *skipped, sg_error *err);

#endif
