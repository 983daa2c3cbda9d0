/* Supervised models on dense matrices, behind one interface: logistic
 * regression (liblinear), ordinary least squares and ridge regression
 * (GSL), gradient boosting and random forests (XGBoost's C API, the forest
 * through its parallel-tree mode).
 *
 * The matrices are the encoded features (encode.h): no missing values
 * (the encoder imputes), one row per customer.  Labels: 0/1 for
 * classifiers, any finite value for regressors.  Predictions: the
 * probability of class 1 for classifiers, the value for regressors.
 *
 * Contributions explain one prediction as a sum: bias + sum_j c_j equals
 * the raw prediction (log-odds for classifiers, the value for regressors).
 * Linear models: c_j = coef_j * (x_j - mean_j) with the training means
 * (exact SHAP values for a linear model with independent features);
 * XGBoost: its TreeSHAP contributions (pred_contribs). */
#ifndef SG_MODEL_H
#define SG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "matrix.h"

typedef enum sg_model_kind {
    SG_MODEL_LOGISTIC = 0,   /* liblinear, classifier only */
    SG_MODEL_LINEAR,         /* GSL least squares, regressor only */
    SG_MODEL_RIDGE,          /* GSL ridge (intercept not penalised), regressor only */
    SG_MODEL_BOOSTING,       /* XGBoost gbtree: classifier or regressor */
    SG_MODEL_FOREST          /* XGBoost random forest: one round of num_parallel_tree trees */
} sg_model_kind;

typedef enum sg_model_task { SG_TASK_CLASSIFY = 0, SG_TASK_REGRESS } sg_model_task;

/* "liblinear 2.30, XGBoost 1.7.4" (the libraries linked) into buf. */
void sg_model_libraries(char *buf, size_t size);

int sg_model_kind_parse(const char *name, sg_model_kind *out);  /* "logistic", "linear", "ridge", "boosting", "forest" */
const char *sg_model_kind_name(sg_model_kind k);

typedef struct sg_model_params {
    sg_model_kind kind;
    sg_model_task task;
    uint64_t seed;              /* default 42 */
    int threads;                /* XGBoost threads; 0: the machine's (results identical) */
    /* logistic (liblinear) */
    int l1;                     /* 0: L2 (L2R_LR), 1: L1 (L1R_LR) */
    double C;                   /* inverse regularisation, default 1 */
    double class_weight[2];     /* weights of class 0 and 1, default 1, 1 */
    double tol;                 /* stopping tolerance, default 1e-4 */
    /* ridge (GSL) */
    double lambda;              /* penalty, default 1 */
    /* XGBoost */
    int n_estimators;           /* boosting rounds (boosting), trees (forest); default 200 / 100 */
    int max_depth;              /* default 6 / 8 */
    double eta;                 /* learning rate, default 0.1 (forest: 1) */
    double subsample;           /* default 1 (forest: 0.632) */
    double colsample;           /* colsample_bytree (boosting, default 1) / colsample_bynode (forest, default sqrt(p)/p when 0) */
    double min_child_weight;    /* default 1 */
    double reg_lambda;          /* XGBoost's L2 on leaf weights, default 1 (forest: 0) */
    int early_stopping_rounds;  /* boosting with a validation set: stop after this many rounds without improvement; 0: off */
} sg_model_params;

/* Defaults for kind and task (see the fields). */
void sg_model_params_init(sg_model_params *p, sg_model_kind kind, sg_model_task task);

typedef struct sg_model {
    sg_model_params params;
    size_t nfeat;
    /* linear kinds */
    double *coef;               /* nfeat */
    double intercept;
    double *xmean, *xsd;        /* training column means and population sds (for contributions, importance) */
    /* XGBoost kinds */
    void *booster;              /* BoosterHandle */
    int rounds;                 /* boosting rounds kept (after early stopping) */
    int best_round;             /* 0-based round with the best validation score, -1 without validation */
    double best_score;          /* that score (logloss or rmse on the validation set) */
} sg_model;

/* Fits a model.  X: n x p, y: n labels, w: n weights or NULL.  Xval/yval:
 * an optional validation set (boosting: early stopping; others ignore it).
 * Errors (SG_EINVAL / SG_EDATA): a task the kind does not support, no rows,
 * a non-finite value, a classifier label other than 0/1, a single class,
 * and the library's own failures (with its message). */
sg_model *sg_model_fit(const sg_model_params *p, const sg_matrix *X, const double *y,
                       const double *w, const sg_matrix *Xval, const double *yval, sg_error *err);
void sg_model_free(sg_model *m);                      /* accepts NULL */

/* out: X->rows predictions (probability of 1, or value). */
int sg_model_predict(const sg_model *m, const sg_matrix *X, double *out, sg_error *err);

/* out: X->rows x (nfeat + 1) contributions, the last column the bias. */
sg_matrix *sg_model_contributions(const sg_model *m, const sg_matrix *X, sg_error *err);

/* out: nfeat importances.  Linear kinds: |coef_j| * sd_j (standardised
 * coefficients); XGBoost: total gain per feature (0 for unused ones). */
int sg_model_importance(const sg_model *m, double *out, sg_error *err);

/* The reasons behind each prediction (model_reasons.c): a table with
 * reason_k (the name of a column of the data) and effect_k (its
 * contribution to the raw prediction: log-odds for classifiers) for k =
 * 1..top (1 to 20): the columns that push each row's prediction up the
 * most (SG_REASON_UP), down (SG_REASON_DOWN) or either way (SG_REASON_ANY,
 * by |effect|); ties by column order.  The one-hot features of a
 * categorical column count together (sg_encoder_group_sums), so a reason
 * is the row's own value of the column, never the effect of not having
 * another value.  Slots without a column pushing that way are missing.
 * X is enc's encoding of the rows. */
typedef enum sg_reason_sign { SG_REASON_DOWN = -1, SG_REASON_ANY = 0, SG_REASON_UP = 1 } sg_reason_sign;
struct sg_encoder;
sg_table *sg_model_reasons(const sg_model *m, const struct sg_encoder *enc, const sg_matrix *X,
                           size_t top, sg_reason_sign sign, sg_error *err);

/* JSON round trip of the fitted model (parameters, coefficients, the
 * XGBoost booster as base64 of its UBJSON bytes).  Predictions after a
 * round trip are identical. */
struct cJSON;
struct cJSON *sg_model_to_json(const sg_model *m, sg_error *err);
sg_model *sg_model_from_json(const struct cJSON *j, sg_error *err);

/* Model files (model_io.c), beside the k-means files of kmeans_io.c and
 * with the same conventions: JSON text, a "format" and a "version" (files
 * of a newer version refused), written through a temporary file renamed
 * over the target, every field validated on load with a message naming
 * the file.  A file holds the fitted model, its encoder, the label's
 * name, the number of training rows, the SHA-256 of the training data
 * (sg_model_data_sha256), the columns the encoder dropped and the
 * caller's metadata (any JSON value). */
#define SG_MODEL_SHA256_HEX 65   /* 64 hex digits and the terminator */

typedef struct sg_model_file {
    sg_model *model;
    struct sg_encoder *enc;
    char *label;
    char data_sha256[SG_MODEL_SHA256_HEX];
    size_t rows;
    char **dropped;             /* ndropped names */
    size_t ndropped;
} sg_model_file;

/* Frees the members (sg_free'd strings) and zeroes f; idempotent, accepts NULL. */
void sg_model_file_clear(sg_model_file *f);

/* The SHA-256 of X's values and of y (X->rows labels), as lowercase hex. */
void sg_model_data_sha256(const sg_matrix *X, const double *y, char hex[SG_MODEL_SHA256_HEX]);

/* sg_model_fit, computing sg_model_data_sha256(X, y) into hex in a thread
 * of its own meanwhile (in the caller's thread when none can start). */
sg_model *sg_model_fit_hashed(const sg_model_params *p, const sg_matrix *X, const double *y,
                              const double *w, const sg_matrix *Xval, const double *yval,
                              char hex[SG_MODEL_SHA256_HEX], sg_error *err);

/* Writes f and a copy of meta (NULL: an empty object) to path. */
int sg_model_save(const sg_model_file *f, const struct cJSON *meta, const char *path, sg_error *err);

/* Reads path into f (overwritten; cleared again on failure).  *meta (when
 * meta is not NULL): the file's metadata, to cJSON_Delete, or NULL when
 * the file has none.  SG_EDATA "model file PATH: ..." for a file that is
 * not a model, of a newer version, or with a missing or bad field. */
int sg_model_load(const char *path, sg_model_file *f, struct cJSON **meta, sg_error *err);

#endif
