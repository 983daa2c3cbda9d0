/* Shared internals of the k-means files (kmeans.c, kmeans_minibatch.c,
 * kmeans_io.c): a tiny chunked thread pool, squared distances, k-means++
 * seeding and the exact assignment pass.
 *
 * Determinism: work is split into fixed KM_CHUNK-point chunks whose
 * boundaries never depend on the thread count; each chunk writes its own
 * partial results (sums, counts, inertia) into its own slot, and the slots
 * are reduced by the calling thread in chunk order.  Which thread runs
 * which chunk therefore cannot change a single bit of the result. */
#ifndef SG_KMEANS_INTERNAL_H
#define SG_KMEANS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "kmeans.h"

#define KM_CHUNK ((size_t)8192)

typedef struct km_pool km_pool;
typedef void (*km_chunk_fn)(void *arg, size_t chunk);

/* threads: as in the options (0: min(2, online CPUs)); never more than
 * nchunks threads are started.  NULL on OOM (err set). */
km_pool *km_pool_new(int threads, size_t nchunks, sg_error *err);
/* Runs fn(arg, c) for every c in 0..nchunks-1 (in any order, on any thread)
 * and returns once all are done. */
void km_pool_run(km_pool *p, km_chunk_fn fn, void *arg, size_t nchunks);
void km_pool_free(km_pool *p);

/* Hot loops are written once as KM_INLINE functions taking d and called
 * through KM_DISPATCH_D with a constant d for 1..4, so the compiler
 * unrolls the distance loops for the common small dimensions. */
#if defined(__GNUC__)
#define KM_INLINE static inline __attribute__((always_inline))
#else
#define KM_INLINE static inline
#endif
#define KM_DISPATCH_D(d, CALL)                                                                    \
    switch (d) {                                                                                 \
    case 1: CALL(1); break;                                                                      \
    case 2: CALL(2); break;                                                                      \
    case 3: CALL(3); break;                                                                      \
    case 4: CALL(4); break;                                                                      \
    default: CALL(d); break;                                                                     \
    }

static inline size_t km_nchunks(size_t n) { return (n + KM_CHUNK - 1) / KM_CHUNK; }

/* Index of the closest of k centres (ties: the lowest index); *best gets
 * the squared distance. */
KM_INLINE int km_nearest(const double *xi, const double *c, int k, size_t d, double *best)
{
    int a = 0;
    double b = sg_dist2(xi, c, d);
    for (int j = 1; j < k; j++) {
        double v = sg_dist2(xi, c + (size_t)j * d, d);
        if (v < b) {
            b = v;
            a = j;
        }
    }
    *best = b;
    return a;
}

/* A GSL mt19937 generator seeded deterministically from (seed, stream). */
gsl_rng *km_rng_new(uint64_t seed, uint64_t stream);

/* Greedy k-means++ (scikit-learn's: 2 + floor(log k) candidates per step,
 * keeping the one that lowers the potential most) on the n x d points x;
 * writes k*d centres.  0 or an error code. */
int km_plusplus(const double *x, size_t n, size_t d, int k, gsl_rng *rng, km_pool *pool,
                double *centers, sg_error *err);
/* The same seeding shared by ranks (kmeans_share.h): x holds this rank's
 * n rows (rows sh->first[sh->rank].. of the whole matrix, whole chunks);
 * every rank calls it with the same generator stream and gets the same
 * k*d centres, the bits km_plusplus gives over the whole matrix (D^2 summed
 * per chunk, then over chunks in chunk order, on one process as on the
 * ranks).  sh NULL: km_plusplus.  Every rank returns the same code. */
struct sg_kmeans_share;
int km_plusplus_shared(const double *x, size_t n, size_t d, int k, gsl_rng *rng, km_pool *pool,
                       const struct sg_kmeans_share *sh, double *centers, sg_error *err);

/* Exact assignment to the closest centre (ties: lowest index): labels,
 * optional squared distances, and the inertia summed per chunk and then
 * in chunk order. */
int km_assign(km_pool *pool, const double *x, size_t n, size_t d, const double *c, int k,
              int32_t *labels, double *dist2, double *inertia, sg_error *err);
/* Its chunks alone: parts[ch] gets chunk ch's inertia (km_nchunks(n) of
 * them), summed by the caller in chunk order. */
void km_assign_parts(km_pool *pool, const double *x, size_t n, size_t d, const double *c, int k,
                     int32_t *labels, double *dist2, double *parts);

/* One mini-batch run (kmeans_minibatch.c) from the k*d centres given,
 * updating them in place.  Labels and inertia come from a km_assign after. */
int km_minibatch_run(const double *x, size_t n, size_t d, int k, const sg_kmeans_options *o,
                     double tol_abs, gsl_rng *rng, double *centers, int *iterations,
                     int *converged, sg_error *err);
/* Its seeding: k-means++ on a random subsample of min(n, max(3 * batch, k))
 * rows drawn without replacement. */
int km_minibatch_init(const double *x, size_t n, size_t d, int k, size_t batch, gsl_rng *rng,
                      km_pool *pool, double *centers, sg_error *err);

#endif
