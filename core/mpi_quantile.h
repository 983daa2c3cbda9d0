/* Exact quantiles across MPI ranks, without MPI calls (core/mpi_quantile.c;
 * core/mpi_comm.c gives it MPI_Allreduce, the tests a sum over simulated
 * ranks).  See docs/mpi.md, "Score edges by collectives".
 *
 * Every rank holds some of the values.  The type 7 quantile at p of all of
 * them needs two order statistics of their union, x_(lo) and x_(lo+1)
 * (sg_ops_q7_rank).  Each is found by a search over the bits of an
 * order-preserving 64-bit key of the doubles (-0.0 below 0.0), a digit of
 * SG_QSEL_DIGIT bits per round from the top: each rank counts its values
 * below each of the 2^d - 1 candidates (its values sorted, a binary
 * search), the counts are summed over the ranks (one MPI_Allreduce for
 * every order statistic of every column at once), and the digit is the
 * number of candidates with at most rank values below them.  After 64 / d
 * rounds the key is that of the order statistic, so
 * the double comes back with its bits, and the quantile is computed from
 * the two with sg_ops_q7_value: the doubles one process computes by
 * sorting (sg_score_column), whatever the number of ranks.
 *
 * For RFM the owners hold their customers' records (core/mpi_rfm.c): the
 * frequency and monetary of each customer, and its last purchase, from
 * which recency follows once as_of is known (given, or from the latest
 * purchase of all customers: one MPI_Allreduce with MPI_MAX). */
#ifndef SG_MPI_QUANTILE_H
#define SG_MPI_QUANTILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rfm.h"

#define SG_QSEL_COLS 3                            /* recency, frequency, monetary */
#define SG_QSEL_EDGES 9                           /* at most bins - 1 (bins <= 10) */
#define SG_QSEL_WANT (SG_QSEL_COLS * 2 * SG_QSEL_EDGES)
#define SG_QSEL_DIGIT 4                           /* bits decided per round: 16 rounds */

/* Sums (max == 0) or maxima (max == 1) of v[0..n) over the ranks, in place
 * (MPI_Allreduce on MPI_UINT64_T).  Simulated ranks pass NULL: the values
 * are already totals. */
typedef void (*sg_qsel_reduce_fn)(uint64_t *v, size_t n, int max, void *ud);

/* What the ranks compute (the same on every rank, rank 0 uses it).  The
 * request: bins and mask (bit c: the edges of column c, 0 recency, 1
 * frequency, 2 monetary, are computed; the others are given).  The
 * result: edges[c][0..bins-1) for the columns of mask (NaN when no value
 * is present, as sg_score_column), values[c] their count over all ranks,
 * as_of (the one RFM takes, when recency is computed), reductions and
 * bytes: the reductions made and the bytes each rank contributed to them
 * (seconds: set by the caller). */
typedef struct sg_mpi_edges {
    int bins;
    unsigned mask;
    double edges[SG_QSEL_COLS][SG_QSEL_EDGES];
    uint64_t values[SG_QSEL_COLS];
    int64_t as_of;
    uint64_t reductions, bytes;
    double seconds;
} sg_mpi_edges;

/* One rank's values: its customers' last purchases (ascending) and the
 * sorted keys of the values of each column of the mask (recency filled
 * once as_of is known). */
typedef struct sg_mpi_edges_local {
    size_t n;
    int64_t *last;
    uint64_t *key[SG_QSEL_COLS];
    size_t nkey[SG_QSEL_COLS];
} sg_mpi_edges_local;

/* The request as 16 bytes, and back: 0, or -1 (malformed: bins outside
 * 2..10, a mask beyond the three columns). */
void sg_mpi_edges_encode(const sg_mpi_edges *q, unsigned char out[16]);
int sg_mpi_edges_decode(const unsigned char in[16], sg_mpi_edges *q);

/* An owner: its values from its records b[0..len) (sg_mpi_rfm_owner's),
 * for the columns of mask.  Every allocation of the computation is made
 * here.  0, or an error code with err set (out of memory; malformed
 * records). */
int sg_mpi_edges_prepare(sg_mpi_edges_local *l, const unsigned char *b, size_t len, unsigned mask, sg_error *err);
void sg_mpi_edges_local_free(sg_mpi_edges_local *l);

/* The computation, collectively: with red (MPI), ls holds this rank's
 * values (nl = 1) and every rank must call it; with red NULL, ls holds
 * every simulated rank's (nl of them).  o gives as_of (when given).
 * Allocates nothing and cannot fail; q (bins, mask set) receives the
 * result. */
void sg_mpi_edges_run(sg_mpi_edges_local *const *ls, int nl, const sg_rfm_options *o, sg_mpi_edges *q,
                      sg_qsel_reduce_fn red, void *ud);

/* In one process, for the tests: the order statistics x_(ranks[j])
 * (0-based) of the union of the nr arrays vals[r][0..n[r]) (NaN left
 * out), found by the search the ranks run; out[j] NaN for a rank beyond
 * the values.  At most SG_QSEL_WANT ranks.  0, or an error code with err
 * set (out of memory, too many ranks). */
int sg_mpi_select_simulated(const double *const *vals, const size_t *n, int nr, const uint64_t *ranks, size_t nranks,
                            double *out, sg_error *err);
/* The same: the bins - 1 score edges of the union (sg_score_column's),
 * *rounds the reductions the ranks would make. */
int sg_mpi_quantile_simulated(const double *const *vals, const size_t *n, int nr, int bins, double *edges,
                              uint64_t *rounds, sg_error *err);

#endif
