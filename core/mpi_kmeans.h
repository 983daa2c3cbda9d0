/* k-means on every rank (OP_KMEANS, core/mpi_kmeans.c; the fit itself:
 * core/kmeans_share.h).  See docs/mpi.md, "k-means on every rank". */
#ifndef SG_MPI_KMEANS_H
#define SG_MPI_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "kmeans.h"

/* What a k-means on the ranks cost, seen from rank 0. */
typedef struct sg_mpi_kmeans_stats {
    int ranks;
    uint64_t *rows;          /* rows of each rank (ranks entries; sg_free it) */
    uint64_t scattered;      /* bytes of rows rank 0 sent the other ranks */
    uint64_t fits;           /* fits made (one per k tried) */
    uint64_t reductions;     /* collectives of the fits (MPI_Allgatherv, MPI_Allgather) */
    uint64_t reduced;        /* bytes rank 0 received in them (every rank receives as many) */
    uint64_t labels;         /* bytes of labels gathered to rank 0 */
    double secs[4];          /* rank 0: all, scattering the rows, the fits, their seeding
                              * (k-means++ on every rank, part of the fits) */
} sg_mpi_kmeans_stats;

/* Rank 0: sg_kmeans_fit (lo == 0: k = o->k) or sg_kmeans_auto (k = lo..hi,
 * silhouette over `sample` rows) of the whole matrix x with its row
 * blocks scattered over the ranks.  1 with *out, labels (x->rows entries),
 * scores and *chosen (auto) and st set, the results one process gives;
 * 0 when the ranks are not used (one rank, the mini-batch algorithm,
 * options or data sg_kmeans_fit refuses: the caller's own fit gives the
 * message, counts beyond MPI's int), why says which; -1 with err set when
 * a fit failed (a rank out of memory: the message names it). */
int sg_mpi_kmeans(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi, size_t sample,
                  sg_kmeans **out, int32_t *labels, sg_kmeans_score *scores, size_t *chosen,
                  sg_mpi_kmeans_stats *st, char *why, size_t whylen, sg_error *err);

/* Ranks 1..n-1: the command's share (called by the service loop). */
void sg_mpi_kmeans_serve(const unsigned char *b, size_t len);

/* core/mpi_comm.c: broadcasts OP_KMEANS with its payload (rank 0). */
void sg_mpi_kmeans_command(const unsigned char *b, size_t len);

#endif
