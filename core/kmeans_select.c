/* The automatic choice of k and cluster labels as a column: see kmeans.h. */
#include "kmeans.h"

#include <string.h>

#include "cluster_metrics.h"
#include "kmeans_share.h"
#include "mem.h"

#define SELECT_MAX_K 100

static sg_kmeans *fit_here(void *ud, const sg_matrix *x, const sg_kmeans_options *o,
                           int32_t *labels, sg_error *err)
{
    (void)ud;
    return sg_kmeans_fit(x, o, labels, err);
}

sg_kmeans *sg_kmeans_auto(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                          size_t sample, int32_t *labels, sg_kmeans_score *scores,
                          size_t *chosen, sg_error *err)
{
    return sg_kmeans_auto_with(x, o, lo, hi, sample, fit_here, NULL, labels, scores, chosen, err);
}

sg_kmeans *sg_kmeans_auto_with(const sg_matrix *x, const sg_kmeans_options *o, int lo, int hi,
                               size_t sample, sg_kmeans_fit_fn fit, void *ud, int32_t *labels,
                               sg_kmeans_score *scores, size_t *chosen, sg_error *err)
{
    if (lo < 2 || hi < lo || hi > SELECT_MAX_K) {
        sg_error_set(err, SG_EINVAL, "kmeans: k range %d..%d must be within 2..%d", lo, hi, SELECT_MAX_K);
        return NULL;
    }
    if ((size_t)hi >= x->rows) {
        sg_error_set(err, SG_EINVAL, "kmeans: k_range up to %d needs more than %d rows", hi, (int)x->rows);
        return NULL;
    }
    size_t n = (size_t)(hi - lo + 1);
    int32_t *fit_labels = sg_malloc(x->rows * sizeof *fit_labels);
    if (!fit_labels) {
        sg_error_nomem(err);
        return NULL;
    }
    int ks[SELECT_MAX_K];
    double inertia[SELECT_MAX_K], sil[SELECT_MAX_K];
    sg_kmeans *models[SELECT_MAX_K];
    memset(models, 0, sizeof models);
    sg_kmeans_options oi = *o;
    size_t i;
    for (i = 0; i < n; i++) {
        oi.k = lo + (int)i;
        if (!(models[i] = fit(ud, x, &oi, fit_labels, err)))
            goto fail;
        sg_kmeans_score *s = &scores[i];
        s->k = ks[i] = oi.k;
        s->inertia = inertia[i] = models[i]->inertia;
        s->iterations = models[i]->iterations;
        s->silhouette = sil[i] = sg_silhouette(x, fit_labels, oi.k, sample, oi.seed, oi.threads, err);
        s->calinski_harabasz = sg_calinski_harabasz(x, fit_labels, oi.k);
        s->davies_bouldin = sg_davies_bouldin(x, fit_labels, oi.k);
    }
    sg_free(fit_labels);
    fit_labels = NULL;
    *chosen = sg_choose_k(ks, inertia, sil, n);
    for (i = 0; i < n; i++)
        if (i != *chosen)
            sg_kmeans_free(models[i]);
    sg_kmeans *km = models[*chosen];
    if (sg_kmeans_predict(km, x, labels, NULL, err) != 0) {
        sg_kmeans_free(km);
        return NULL;
    }
    return km;
fail:
    for (size_t j = 0; j < i; j++)
        sg_kmeans_free(models[j]);
    sg_free(fit_labels);
    return NULL;
}

sg_column *sg_kmeans_label_column(const char *name, const int32_t *labels, size_t nlabels,
                                  const size_t *rows_kept, size_t nrows, sg_error *err)
{
    if (!rows_kept && nlabels != nrows) {
        sg_error_set(err, SG_EINVAL, "assign: the dataset has %d rows but the matrix came from %d",
                     (int)nrows, (int)nlabels);
        return NULL;
    }
    sg_column *c = sg_column_new(name, SG_INT64, nrows);
    uint8_t *seen = sg_calloc(nrows ? nrows : 1, 1);
    if (!c || !seen)
        goto nomem;
    for (size_t i = 0; i < nrows; i++)
        if (sg_column_push_i64(c, 0))
            goto nomem;
    for (size_t r = 0; r < nlabels; r++) {
        size_t row = rows_kept ? rows_kept[r] : r;
        if (row >= nrows) {
            sg_error_set(err, SG_EINVAL, "assign: matrix row %zu comes from row %zu of a %zu-row dataset",
                         r + 1, row + 1, nrows);
            sg_free(seen);
            sg_column_release(c);
            return NULL;
        }
        sg_column_i64(c)[row] = (int64_t)labels[r] + 1;
        seen[row] = 1;
    }
    for (size_t i = 0; i < nrows; i++)
        if (!seen[i] && sg_column_set_na(c, i) != 0)
            goto nomem;
    sg_free(seen);
    return c;
nomem:
    sg_free(seen);
    sg_column_release(c);
    sg_error_nomem(err);
    return NULL;
}
