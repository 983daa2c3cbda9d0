/* k-means: k-means++ seeding, n_init restarts keeping the best inertia,
 * Hamerly's exact accelerated algorithm (and plain Lloyd as the reference
 * the tests compare with), both cores, and results that depend only on the
 * seed, never on the thread count.  A mini-batch variant for very large
 * data.  Models save to and load from JSON with their scaling. */
#ifndef SG_KMEANS_H
#define SG_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "matrix.h"

typedef enum sg_kmeans_algo { SG_KMEANS_HAMERLY = 0, SG_KMEANS_LLOYD, SG_KMEANS_MINIBATCH } sg_kmeans_algo;

typedef struct sg_kmeans_options {
    int k;                  /* clusters, >= 1, <= rows */
    int n_init;             /* restarts, default 4 */
    int max_iter;           /* default 300 */
    double tol;             /* stop when the centroids move less than tol * mean variance (sklearn's rule), default 1e-4 */
    uint64_t seed;          /* default 42 */
    sg_kmeans_algo algo;
    int threads;            /* 0: min(2, online CPUs); results never depend on it */
    size_t batch_size;      /* mini-batch, default 1024 */
    const double *init;     /* optional k*cols starting centroids (skips k-means++ and n_init) */
} sg_kmeans_options;

void sg_kmeans_options_init(sg_kmeans_options *o);

typedef struct sg_kmeans {
    int k;
    size_t cols;
    double *centroids;      /* k * cols */
    double inertia;         /* sum of squared distances to the closest centroid */
    int iterations;         /* of the best run */
    int converged;
    size_t *sizes;          /* points per cluster */
    sg_scaling *scaling;    /* optional, owned (set by the caller to save it with the model) */
} sg_kmeans;

/* Fits; labels (may be NULL) receives, per row, its cluster in 0..k-1.
 * Cluster numbers are canonical: by decreasing size, ties broken by the
 * centroids' coordinates, so equivalent runs number clusters alike. */
sg_kmeans *sg_kmeans_fit(const sg_matrix *x, const sg_kmeans_options *o, int32_t *labels,
                         sg_error *err);
void sg_kmeans_free(sg_kmeans *m);

/* Closest centroid for each row (dist2 may be NULL: squared distances). */
int sg_kmeans_predict(const sg_kmeans *m, const sg_matrix *x, int32_t *labels, double *dist2,
                      sg_error *err);

/* Saves as JSON text (format "segmint.kmeans", version 1) through a
 * temporary file and a rename; loads it back (a newer format version is
 * refused with a clear message). */
int sg_kmeans_save(const sg_kmeans *m, const char *path, sg_error *err);
sg_kmeans *sg_kmeans_load(const char *path, sg_error *err);

/* ---- the choice of k and labels as a column (kmeans_select.c) ---- */
typedef struct sg_kmeans_score {
    int k;
    double inertia;
    int iterations;
    double silhouette, calinski_harabasz, davies_bouldin;   /* NaN where undefined */
} sg_kmeans_score;

/* k = "auto": fits k = lo..hi (o->k ignored; 2 <= lo <= hi < rows), scores
 * each fit's labelling (silhouette over at most `sample` rows drawn with
 * o->seed, Calinski-Harabasz, Davies-Bouldin) into scores[0..hi-lo], and
 * keeps the k of sg_choose_k (cluster_metrics.h): *chosen is its index.
 * Returns that model (the others are freed) with labels (rows) set by
 * predicting every row with it; NULL on error. */
sg_kmeans *sg_kmeans_auto(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                          size_t sample, int32_t *labels, sg_kmeans_score *scores,
                          size_t *chosen, sg_error *err);

/* Labels of the nlabels matrix rows as an int64 column `name` of nrows
 * rows: labels[r] + 1 (clusters 1..k) at row rows_kept[r] (row r when
 * rows_kept is NULL), missing at the rows no matrix row came from (those a
 * matrix dropped for missing values).  NULL (err set) when a row is out of
 * range or memory runs out. */
sg_column *sg_kmeans_label_column(const char *name, const int32_t *labels, size_t nlabels,
                                  const size_t *rows_kept, size_t nrows, sg_error *err);

#endif
