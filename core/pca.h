/* Principal component analysis (core/pca.c). */
#ifndef SG_PCA_H
#define SG_PCA_H

#include <stddef.h>

#include "error.h"
#include "matrix.h"

/* PCA through GSL's SVD of the centred matrix. */
typedef struct sg_pca {
    size_t cols, ncomp;
    double *mean;             /* cols */
    double *components;       /* ncomp * cols, row c = component c (unit length, sign: largest |coefficient| positive) */
    double *explained_variance;        /* ncomp */
    double *explained_variance_ratio;  /* ncomp */
} sg_pca;

sg_pca *sg_pca_fit(const sg_matrix *x, size_t ncomp, sg_error *err);
sg_matrix *sg_pca_transform(const sg_pca *p, const sg_matrix *x, sg_error *err);
void sg_pca_free(sg_pca *p);

#endif
