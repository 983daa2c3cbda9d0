/* Cluster quality figures and the choice of k (PCA: pca.h). */
#ifndef SG_CLUSTER_METRICS_H
#define SG_CLUSTER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "matrix.h"

/* Mean silhouette.  Exact (O(n^2) time, O(n) memory: never an n x n
 * matrix) when rows <= max_exact (0: 10,000); above that, the mean over a
 * sample of max_exact rows drawn with the seed, each scored against all
 * rows, or, above 10 x max_exact rows, against a seeded reference sample of
 * 10 x max_exact rows among which the scored rows are drawn (the cost then
 * no longer grows with the rows).  Points in singleton clusters (of the
 * rows scored against) score 0 (sklearn's convention).  NaN when k < 2 or
 * k >= rows. */
double sg_silhouette(const sg_matrix *x, const int32_t *labels, int k, size_t max_exact,
                     uint64_t seed, int threads, sg_error *err);
double sg_calinski_harabasz(const sg_matrix *x, const int32_t *labels, int k);
double sg_davies_bouldin(const sg_matrix *x, const int32_t *labels, int k);
/* Adjusted Rand index between two labelings (for tests and comparisons). */
double sg_adjusted_rand(const int32_t *a, const int32_t *b, size_t n);

/* The knee of a decreasing curve y(k) (the elbow): the k farthest from the
 * straight line joining the first and last points, after normalising both
 * axes to [0, 1] (the Kneedle idea).  Returns an index into ks. */
size_t sg_elbow_knee(const int *ks, const double *inertia, size_t n);

/* k = "auto": among k in ks, the best silhouette among k within one step
 * of the elbow's knee (knee-1, knee, knee+1), so the choice follows the
 * elbow and is settled by silhouette.  Returns an index into ks. */
size_t sg_choose_k(const int *ks, const double *inertia, const double *silhouette, size_t n);

#endif
