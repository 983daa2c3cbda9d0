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
/* The same from the owner's summary s (NULL: it owns none). */
int sg_mpi_btyd_rows_of(const sg_table *s, sg_mpi_btyd_rows *out, sg_error *err);
void sg_mpi_btyd_rows_free(sg_mpi_btyd_rows *r);

/* Collective over the processes red joins: fits c->model on the owner's
 * rows, each process with its own.  The same return, fit and *skipped
 * (Gamma-Gamma: customers of every process skipped) on every process. */
int sg_mpi_btyd_owner_fit(const sg_mpi_btyd_cmd *c, const sg_mpi_btyd_rows *r, const sg_btyd_reduce *red,
                          sg_btyd_fit *fit, size_t *skipped, sg_error *err);

/* ---- the summary and predictions on the owners (OP_BTYD_SUMMARY) ---- */

#define SG_MPI_BTYD_MAXPRED 4

/* One prediction per customer, as a column of the summary: the values
 * sg_btyd_score_column gives (fit:p_alive, fit:expected_purchases,
 * segmint.btyd_clv in Lua) with a model at the fitted parameters. */
typedef struct sg_mpi_btyd_pred {
    sg_btyd_score_kind kind;   /* SG_BTYD_SCORE_EXPECTED, _P_ALIVE or _CLV */
    sg_btyd_model model;       /* the transaction model */
    double params[4];          /* its parameters */
    double gg[4];              /* Gamma-Gamma's (CLV) */
    double t;                  /* EXPECTED: the time, in the summary's unit */
    int horizon;               /* CLV */
    double period, discount, margin;
    const char *column;        /* the column's name */
} sg_mpi_btyd_pred;

typedef struct sg_mpi_btyd_scmd {
    uint64_t gen;                 /* the exchange whose cleaned rows the owners hold */
    sg_btyd_summary_options so;   /* amount may be NULL; whole_periods 0 */
    int npred;
    sg_mpi_btyd_pred pred[SG_MPI_BTYD_MAXPRED];
    int bare;                     /* 1: rank 0 holds the summary; records of ids and predictions only */
} sg_mpi_btyd_scmd;

/* The command as bytes, and back (the strings then point into b): 0, or
 * -1 (out of memory; malformed). */
int sg_mpi_btyd_scmd_encode(const sg_mpi_btyd_scmd *c, sg_mpi_buf *b);
int sg_mpi_btyd_scmd_decode(const unsigned char *b, size_t len, sg_mpi_btyd_scmd *c);

/* On an owner: appends to out its summary s (sg_btyd_summary of its
 * cleaned rows with c->so; NULL: it owns none) with the predictions, one
 * record per customer: the id (8 bytes, or its length and bytes), x, t_x,
 * T, mean_spend, x_holdout, spend_holdout, holdout_length (not with
 * c->bare), each prediction (8 bytes each) and a mask of the missing
 * predictions.  0, or
 * an error code with err set (SG_ENOMEM; SG_EINVAL for parameters a model
 * refuses). */
int sg_mpi_btyd_summary_owner(const sg_table *s, const sg_mpi_btyd_scmd *c, sg_mpi_buf *out, sg_error *err);

/* Rank 0: from the n owners' records (parts[k], lens[k]), the table
 * sg_btyd_summary gives over the whole cleaned table, sorted by customer
 * as it sorts, with one double column per prediction as
 * sg_btyd_score_column adds it; cust_type the type of the customer
 * column.  With c->bare, base is that summary (rank 0 has it from an
 * earlier command): the result shares its columns, after a check that the
 * owners sent its customers.  ncust[k] receives the customers of rank k
 * (may be NULL).  NULL with err set: SG_EDATA for malformed records, a
 * customer sent by two ranks or other customers than base's, SG_ENOMEM. */
sg_table *sg_mpi_btyd_summary_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                                       const sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base,
                                       uint64_t *ncust, sg_error *err);

#endif
