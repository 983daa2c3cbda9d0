/* A k-means fit shared by several processes (ranks), each holding a
 * contiguous block of the matrix's rows (core/mpi_kmeans.c runs it under
 * MPI; tests/c/test_mpi_kmeans.c with threads in one process).
 *
 * Exactness: kmeans.c sums the points of each cluster per chunk of
 * SG_KMEANS_CHUNK rows and adds the chunks in chunk order.  The blocks are
 * whole chunks (every first row is a multiple of SG_KMEANS_CHUNK), so each
 * rank computes the partial sums of its own chunks bit for bit as one
 * process does; the chunk partials are gathered on every rank and added
 * there in chunk order, exactly as one process adds them.  Every rank
 * then holds the same centres, shifts and iteration counts, and the
 * labels and inertia are the ones of one process for any number of ranks.
 *
 * Seeding (k-means++; km_plusplus_shared in kmeans_pp.c) runs on every
 * rank over its block: every rank holds the run's generator and makes the
 * same draws; with the D^2 sums of every chunk (gathered after the first
 * centre, then the chosen candidate's potentials) every rank finds the
 * same chunk for each draw, the rank holding it picks the row as one
 * process scans that chunk and the candidates' coordinates are gathered;
 * the candidates' potentials per chunk are gathered and added in chunk
 * order.  The centres are those of one process.  The reseed of
 * an empty cluster is distributed: each rank proposes its farthest eligible
 * point (distance, global row, cluster, coordinates), every rank gathers
 * the proposals and takes the largest distance, ties to the lowest row, as
 * the one-process scan does.  The choice of k (silhouette and the other
 * scores) stays on rank 0 over the whole matrix with the labels gathered. */
#ifndef SG_KMEANS_SHARE_H
#define SG_KMEANS_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "kmeans.h"

#define SG_KMEANS_CHUNK ((size_t)8192)   /* = KM_CHUNK of kmeans_internal.h */

typedef struct sg_kmeans_share {
    int nranks, rank;
    size_t total;             /* rows of the whole matrix */
    const size_t *first;      /* nranks + 1 first global rows (multiples of the chunk; first[nranks] = total) */
    double mean_var;          /* the whole matrix's mean column variance (the tol scale) */
    int32_t *status;          /* nranks entries of scratch, owned by the caller */
    double *seed_secs;        /* optional: the seconds this rank spends seeding are added here */
    void *ud;
    /* buf holds every chunk of the whole matrix, unit bytes each; this
     * rank's chunks are filled; afterwards all of them are, on every rank */
    void (*allgather_chunks)(void *ud, void *buf, size_t unit);
    /* every rank gives unit bytes, all gets nranks * unit in rank order */
    void (*allgather)(void *ud, const void *mine, void *all, size_t unit);
    /* rank 0's len bytes to every rank */
    void (*bcast)(void *ud, void *buf, size_t len);
    /* every rank gives its rows' labels; rank 0 gets all total of them in all */
    void (*gather_labels)(void *ud, const int32_t *mine, int32_t *all);
} sg_kmeans_share;

/* The rows [first, first + x->rows) of rank sh->rank; o as for
 * sg_kmeans_fit (k-means++ or o->init; Hamerly or Lloyd: the mini-batch
 * algorithm is refused), checked by the caller on the whole matrix.  Every
 * rank calls it with the same options; each returns the same model (NULL
 * on every rank when one failed: err says which rank).  labels: on rank 0
 * sh->total entries (required: the labels are gathered into it), ignored
 * elsewhere. */
sg_kmeans *sg_kmeans_fit_shared(const sg_matrix *x, const sg_kmeans_options *o,
                                const sg_kmeans_share *sh, int32_t *labels, sg_error *err);

/* The k-means++ seeding of run `run` (its generator: seed and run, as in
 * sg_kmeans_fit) of k centres into centers (k * x->cols).  sh NULL: one
 * process over the whole matrix x; under sh every rank calls it with its
 * rows x and gets the same centres, those of one process.  0, or -1 with
 * err set (every rank alike under sh). */
int sg_kmeans_seed(const sg_matrix *x, int k, uint64_t seed, int run, int threads,
                   const sg_kmeans_share *sh, double *centers, sg_error *err);

/* The blocks: first[r] for rank r of n over total rows, whole chunks each
 * (chunks c*r/n .. c*(r+1)/n of the c chunks); first[n] = total. */
void sg_kmeans_share_blocks(size_t total, int n, size_t *first);

/* sg_kmeans_auto with the fits made by fit (sg_kmeans_fit's contract:
 * the whole matrix x, labels of every row). */
typedef sg_kmeans *(*sg_kmeans_fit_fn)(void *ud, const sg_matrix *x, const sg_kmeans_options *o,
                                       int32_t *labels, sg_error *err);
sg_kmeans *sg_kmeans_auto_with(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                               size_t sample, sg_kmeans_fit_fn fit, void *ud, int32_t *labels,
                               sg_kmeans_score *scores, size_t *chosen, sg_error *err);

/* Options check of sg_kmeans_fit (the whole matrix on rank 0). */
int sg_kmeans_check(const sg_matrix *x, const sg_kmeans_options *o, sg_error *err);
/* The mean of the per-column variances (the tol scale of sg_kmeans_fit). */
double sg_kmeans_mean_variance(const sg_matrix *x);

#endif
