/* Dense double matrices (row-major) built from dataset columns, with
 * per-column transforms whose fitted parameters are kept so new data can
 * be transformed the same way (a scheduled run assigning new customers to
 * last month's clusters). */
#ifndef SG_MATRIX_H
#define SG_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "table.h"

typedef struct sg_matrix {
    size_t rows, cols;
    double *data;          /* rows * cols, row-major: x[i*cols + j] */
} sg_matrix;

sg_matrix *sg_matrix_new(size_t rows, size_t cols);    /* zeroed; NULL on OOM */
void sg_matrix_free(sg_matrix *m);                     /* accepts NULL */
sg_matrix *sg_matrix_copy(const sg_matrix *m);
static inline double *sg_matrix_row(const sg_matrix *m, size_t i) { return m->data + i * m->cols; }

/* Squared Euclidean distance between two points of d coordinates: the one
 * definition k-means and the cluster metrics share.  Always inlined, so
 * k-means's loops called with a constant d are unrolled. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline double sg_dist2(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t t = 0; t < d; t++) {
        double v = a[t] - b[t];
        s += v * v;
    }
    return s;
}

typedef enum sg_scale_kind {
    SG_SCALE_NONE = 0,
    SG_SCALE_STANDARD,     /* (x - mean) / sd (population sd; sd 0 -> divide by 1) */
    SG_SCALE_ROBUST,       /* (x - median) / IQR (IQR 0 -> divide by 1) */
    SG_SCALE_MINMAX        /* (x - min) / (max - min) (range 0 -> divide by 1) */
} sg_scale_kind;

int sg_scale_kind_parse(const char *name, sg_scale_kind *out);   /* "none","standard","robust","minmax" */
const char *sg_scale_kind_name(sg_scale_kind k);

typedef enum sg_missing_policy { SG_MISSING_DROP = 0, SG_MISSING_MEDIAN } sg_missing_policy;

/* The fitted transform of a matrix: per column, the source column name,
 * log1p before scaling (values must be > -1), the scaling kind and its
 * center and scale, and the median used to impute missing values. */
typedef struct sg_scaling {
    size_t cols;
    char **names;
    int *log1p;
    sg_scale_kind *kind;
    double *center, *scale;
    double *impute;          /* median of the (log1p'd, unscaled) column */
    sg_missing_policy missing;
} sg_scaling;

void sg_scaling_free(sg_scaling *s);                   /* accepts NULL */

typedef struct sg_matrix_spec {
    const char *const *columns;   /* numeric columns of the table (int64, double, bool, datetime as days) */
    size_t ncols;
    const int *log1p;             /* per column, may be NULL (none) */
    const sg_scale_kind *kind;    /* per column, may be NULL (none) */
    sg_missing_policy missing;
} sg_matrix_spec;

typedef struct sg_matrix_report {
    size_t rows_in, rows_out;
    size_t rows_dropped;          /* SG_MISSING_DROP: rows with a missing value */
    size_t values_imputed;        /* SG_MISSING_MEDIAN */
} sg_matrix_report;

/* Builds the matrix and fits the scaling.  rows_kept (caller frees with
 * sg_free) receives, for each matrix row, its row in t.  Errors: unknown or
 * non-numeric column, log1p of a value <= -1 (naming column and row),
 * no row left. */
sg_matrix *sg_matrix_fit(const sg_table *t, const sg_matrix_spec *spec, sg_scaling **scaling,
                         size_t **rows_kept, sg_matrix_report *report, sg_error *err);

/* Transforms t with a fitted scaling (columns found by name; missing
 * values follow the scaling's policy, with the fitted medians). */
sg_matrix *sg_matrix_apply(const sg_table *t, const sg_scaling *s, size_t **rows_kept,
                           sg_matrix_report *report, sg_error *err);

/* JSON round trip of a scaling (cJSON objects; the caller owns them). */
struct cJSON;
struct cJSON *sg_scaling_to_json(const sg_scaling *s);
sg_scaling *sg_scaling_from_json(const struct cJSON *j, sg_error *err);

#endif
