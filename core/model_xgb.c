/* XGBoost back end of model.h: gradient boosting (gbtree, hist) and a
 * random forest (one round of num_parallel_tree trees), through the C API
 * of libxgboost 1.7.
 *
 * Notes on the library that shape this file:
 * - Parameters are only validated when the learner is configured (lazily,
 *   at the first update).  A failed configuration leaves the learner half
 *   built and a later XGBoosterUpdateOneIter crashes, so fit configures it
 *   explicitly first (XGBoosterSaveJsonConfig calls Configure) and reports
 *   a failure there as a bad parameter (SG_EINVAL) with XGBoost's text.
 * - XGBoost works in float: features, labels and weights are converted
 *   from double; predictions come back as float and are widened.
 * - Early stopping scores the validation set in double from XGBoost's own
 *   predictions (the validation DMatrix is in the booster's prediction
 *   cache, so each round only adds the new tree), then the booster is
 *   sliced to rounds 0..best_round.
 * - XGBoost's allocations are outside the accounted allocator. */
#include "model_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "mem.h"
#include "ubjson.h"
#include "xgb_lib.h"

/* XGBoost's message, cleaned for a user: without the "[hh:mm:ss] " stamp,
 * the "src/file.cc:123: " location and the "Stack trace:" section, lines
 * joined with "; ". */
static int xgb_error(sg_error *err, int code, const char *what)
{
    const char *s = XGBGetLastError();
    char buf[700];
    size_t n = 0;
    if (!s)
        s = "";
    if (s[0] == '[') {                                  /* [16:48:58] */
        const char *e = strchr(s, ']');
        if (e && e - s <= 12)
            s = e + 1 + (e[1] == ' ');
    }
    const char *sp = strchr(s, ' '), *colon = strstr(s, ": ");
    if (sp && colon && colon < sp && colon > s && colon[-1] >= '0' && colon[-1] <= '9')
        s = colon + 2;                                  /* ./src/x.cc:26: */
    const char *stop = strstr(s, "Stack trace:");
    size_t len = stop ? (size_t)(stop - s) : strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    for (size_t i = 0; i < len && n + 3 < sizeof buf; i++) {
        if (s[i] == '\n') {
            while (i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '\n'))
                i++;                                    /* indented follow-up lines */
            if (n > 0 && buf[n - 1] != ' ') {
                buf[n++] = ';';
                buf[n++] = ' ';
            }
        } else {
            buf[n++] = s[i];
        }
    }
    buf[n] = '\0';
    return sg_error_set(err, code, "xgboost: %s: %s", what, n ? buf : "unknown error");
}

/* Float copy of n doubles (n > 0); NULL on OOM. */
static float *to_float(const double *v, size_t n)
{
    if (n > SIZE_MAX / sizeof(float))
        return NULL;
    float *f = sg_malloc(n * sizeof *f);
    if (f)
        for (size_t i = 0; i < n; i++)
            f[i] = (float)v[i];
    return f;
}

/* DMatrix of X, with labels y and weights w when not NULL. */
static int make_dmatrix(const sg_matrix *X, const double *y, const double *w, DMatrixHandle *out,
                        sg_error *err)
{
    *out = NULL;
    if (X->rows == 0 || X->cols == 0 || X->rows > SIZE_MAX / X->cols)
        return sg_error_set(err, SG_EINVAL, "xgboost: a %zu x %zu matrix cannot be used", X->rows,
                            X->cols);
    float *f = to_float(X->data, X->rows * X->cols);
    if (!f)
        return sg_error_nomem(err);
    DMatrixHandle d = NULL;
    int rc = XGDMatrixCreateFromMat(f, (bst_ulong)X->rows, (bst_ulong)X->cols, NAN, &d);
    sg_free(f);
    if (rc != 0)
        return xgb_error(err, SG_EDATA, "cannot build the data matrix");
    const double *info[2] = {y, w};
    const char *field[2] = {"label", "weight"};
    for (int k = 0; k < 2; k++) {
        if (!info[k])
            continue;
        f = to_float(info[k], X->rows);
        if (!f) {
            XGDMatrixFree(d);
            return sg_error_nomem(err);
        }
        rc = XGDMatrixSetFloatInfo(d, field[k], f, (bst_ulong)X->rows);
        sg_free(f);
        if (rc != 0) {
            rc = xgb_error(err, SG_EDATA, k ? "cannot set the weights" : "cannot set the labels");
            XGDMatrixFree(d);
            return rc;
        }
    }
    *out = d;
    return 0;
}

/* Runs a prediction of `type` (0 normal, 1 margin, 2 contributions) over
 * dm with all the booster's trees; checks the result has rows * width
 * values.  *res belongs to XGBoost until its next call on this booster. */
static int predict_dm(BoosterHandle b, DMatrixHandle dm, int type, size_t rows, size_t width,
                      const float **res, sg_error *err)
{
    char cfg[160];
    snprintf(cfg, sizeof cfg, "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": 0, \"strict_shape\": false}", type);
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    if (XGBoosterPredictFromDMatrix(b, dm, cfg, &shape, &dim, res) != 0)
        return xgb_error(err, SG_EDATA, "prediction failed");
    bst_ulong total = 1;
    for (bst_ulong k = 0; k < dim; k++)
        total *= shape[k];
    if (dim < 1 || shape[0] != rows || total != (bst_ulong)rows * width)
        return sg_error_set(err, SG_EDATA, "xgboost: unexpected prediction shape (%" PRIu64
                            " values for %zu rows x %zu)", (uint64_t)total, rows, width);
    return 0;
}

/* Same, building the DMatrix from X and copying the values to out
 * (rows * width doubles). */
static int predict_x(const sg_model *m, const sg_matrix *X, int type, size_t width, double *out,
                     sg_error *err)
{
    if (!m->booster)
        return sg_error_set(err, SG_EINVAL, "xgboost: the model has no booster");
    if (X->cols != m->nfeat)
        return sg_error_set(err, SG_EINVAL, "xgboost: the matrix has %zu features, the model %zu",
                            X->cols, m->nfeat);
    DMatrixHandle dm;
    int rc = make_dmatrix(X, NULL, NULL, &dm, err);
    if (rc)
        return rc;
    const float *res = NULL;
    rc = predict_dm(m->booster, dm, type, X->rows, width, &res, err);
    if (rc == 0)
        for (size_t i = 0; i < X->rows * width; i++)
            out[i] = res[i];
    XGDMatrixFree(dm);
    return rc;
}

/* -------------------------------------------------------------- fit */

static int set_param(BoosterHandle b, const char *name, const char *value, sg_error *err)
{
    if (XGBoosterSetParam(b, name, value) == 0)
        return 0;
    char what[96];
    snprintf(what, sizeof what, "parameter %s = %s", name, value);
    return xgb_error(err, SG_EINVAL, what);
}

static int set_num(BoosterHandle b, const char *name, double v, sg_error *err)
{
    char s[40];
    snprintf(s, sizeof s, "%.17g", v);
    return set_param(b, name, s, err);
}

/* Below this many training rows, threads = 0 means one thread: XGBoost's
 * OpenMP threads spin while they wait, and on small data (or a busy
 * machine) they cost far more than they give.  Results are identical
 * whatever the number of threads. */
#define SMALL_ROWS 20000

/* All parameters, then an explicit configuration (validates them). */
static int configure(BoosterHandle b, const sg_model *m, size_t rows, sg_error *err)
{
    const sg_model_params *p = &m->params;
    int forest = p->kind == SG_MODEL_FOREST, cls = p->task == SG_TASK_CLASSIFY;
    /* XGBoost's seed is an int64; larger seeds keep their low 63 bits */
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, p->seed & (uint64_t)INT64_MAX);
    double colsample = p->colsample;
    if (forest && colsample == 0)
        colsample = sqrt((double)m->nfeat) / (double)m->nfeat;
    if (set_param(b, "verbosity", "0", err) || set_param(b, "booster", "gbtree", err)
        || set_param(b, "tree_method", "hist", err)
        || set_param(b, "objective", cls ? "binary:logistic" : "reg:squarederror", err)
        || set_param(b, "eval_metric", cls ? "logloss" : "rmse", err)
        || set_param(b, "seed", seed, err)
        || (p->threads != 0 && set_num(b, "nthread", p->threads, err))
        || (p->threads == 0 && rows < SMALL_ROWS && set_num(b, "nthread", 1, err))
        || set_num(b, "max_depth", p->max_depth, err) || set_num(b, "eta", p->eta, err)
        || set_num(b, "subsample", p->subsample, err)
        || set_num(b, "min_child_weight", p->min_child_weight, err)
        || set_num(b, "reg_lambda", p->reg_lambda, err))
        return SG_EINVAL;   /* set_param filled err */
    if (forest) {
        if (set_num(b, "num_parallel_tree", p->n_estimators, err)
            || set_num(b, "colsample_bynode", colsample, err))
            return SG_EINVAL;   /* set_param filled err */
    } else if (set_num(b, "colsample_bytree", colsample, err)) {
        return SG_EINVAL;   /* set_param filled err */
    }
    bst_ulong len;
    const char *cfg;
    if (XGBoosterSaveJsonConfig(b, &len, &cfg) != 0)
        return xgb_error(err, SG_EINVAL, "bad parameter");
    return 0;
}

/* Validation loss in double: logloss (probabilities clipped to
 * [1e-16, 1 - 1e-16] as XGBoost does) or rmse. */
static double val_loss(const float *pred, const double *y, size_t n, int cls)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double q = pred[i];
        if (cls) {
            q = q < 1e-16 ? 1e-16 : q > 1 - 1e-16 ? 1 - 1e-16 : q;
            s -= y[i] == 1 ? log(q) : log(1 - q);
        } else {
            s += (q - y[i]) * (q - y[i]);
        }
    }
    return cls ? s / (double)n : sqrt(s / (double)n);
}

/* Boosting rounds; with dval, early stopping (m->best_round, best_score)
 * and *done = rounds run. */
static int train(BoosterHandle b, sg_model *m, DMatrixHandle dtrain, DMatrixHandle dval,
                 const sg_matrix *Xval, const double *yval, int *done, sg_error *err)
{
    const sg_model_params *p = &m->params;
    int nrounds = p->kind == SG_MODEL_FOREST ? 1 : p->n_estimators;
    m->best_round = -1;
    m->best_score = 0;
    double best = INFINITY;
    *done = 0;
    for (int i = 0; i < nrounds; i++) {
        if (XGBoosterUpdateOneIter(b, i, dtrain) != 0) {
            char what[48];
            snprintf(what, sizeof what, "training round %d failed", i + 1);
            return xgb_error(err, SG_EDATA, what);
        }
        *done = i + 1;
        if (!dval)
            continue;
        const float *pv;
        int rc = predict_dm(b, dval, 0, Xval->rows, 1, &pv, err);
        if (rc)
            return rc;
        double s = val_loss(pv, yval, Xval->rows, p->task == SG_TASK_CLASSIFY);
        if (s < best) {                 /* strict: ties keep the earlier, smaller model */
            best = s;
            m->best_round = i;
            m->best_score = s;
        } else if (i - m->best_round >= p->early_stopping_rounds) {
            break;
        }
    }
    return 0;
}

int sg_xgb_version(int *major, int *minor, int *patch)
{
    if (sg_xgb_lib_load(NULL))
        return -1;
    XGBoostVersion(major, minor, patch);
    return 0;
}

int sg_xgb_fit(sg_model *m, const sg_matrix *X, const double *y, const double *w,
               const sg_matrix *Xval, const double *yval, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return SG_EINVAL;
    const sg_model_params *p = &m->params;
    if (p->kind != SG_MODEL_BOOSTING && p->kind != SG_MODEL_FOREST)
        return sg_error_set(err, SG_EINVAL, "xgboost: the model kind is not boosting or forest");
    if (p->n_estimators < 1)
        return sg_error_set(err, SG_EINVAL, "xgboost: n_estimators must be >= 1, got %d",
                            p->n_estimators);
    if (p->threads < 0)
        return sg_error_set(err, SG_EINVAL, "xgboost: threads must be >= 0, got %d", p->threads);
    if (X->cols != m->nfeat)
        return sg_error_set(err, SG_EINVAL, "xgboost: the matrix has %zu features, the model %zu",
                            X->cols, m->nfeat);
    int early = p->kind == SG_MODEL_BOOSTING && p->early_stopping_rounds > 0 && Xval && yval
                && Xval->rows > 0;
    if (early && Xval->cols != X->cols)
        return sg_error_set(err, SG_EINVAL, "xgboost: the validation set has %zu features, the "
                            "training set %zu", Xval->cols, X->cols);
    DMatrixHandle dm[2] = {NULL, NULL};
    BoosterHandle b = NULL;
    int rc = make_dmatrix(X, y, w, &dm[0], err);
    if (rc == 0 && early)
        rc = make_dmatrix(Xval, yval, NULL, &dm[1], err);
    if (rc == 0 && XGBoosterCreate(dm, early ? 2 : 1, &b) != 0)
        rc = xgb_error(err, SG_ENOMEM, "cannot create the booster");
    if (rc == 0)
        rc = configure(b, m, X->rows, err);
    int done = 0;
    if (rc == 0)
        rc = train(b, m, dm[0], dm[1], Xval, yval, &done, err);
    if (rc == 0 && early && m->best_round >= 0 && m->best_round + 1 < done) {
        /* keep rounds 0..best_round only */
        BoosterHandle s = NULL;
        if (XGBoosterSlice(b, 0, m->best_round + 1, 1, &s) != 0) {
            rc = xgb_error(err, SG_EDATA, "cannot keep the best rounds");
        } else {
            XGBoosterFree(b);
            b = s;
            done = m->best_round + 1;
        }
    }
    XGDMatrixFree(dm[0]);
    XGDMatrixFree(dm[1]);
    if (rc != 0) {
        if (b)
            XGBoosterFree(b);
        m->best_round = -1;
        return rc;
    }
    m->booster = b;
    m->rounds = done;
    return 0;
}

/* -------------------------------------------------------------- use */

int sg_xgb_predict(const sg_model *m, const sg_matrix *X, double *out, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return SG_EINVAL;
    return predict_x(m, X, 0, 1, out, err);
}

/* TreeSHAP (pred_contribs): rows x (nfeat + 1), the last column the bias;
 * each row sums to the margin (log-odds / value). */
sg_matrix *sg_xgb_contributions(const sg_model *m, const sg_matrix *X, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return NULL;
    sg_matrix *c = sg_matrix_new(X->rows, m->nfeat + 1);
    if (!c) {
        sg_error_nomem(err);
        return NULL;
    }
    if (predict_x(m, X, 2, m->nfeat + 1, c->data, err)) {
        sg_matrix_free(c);
        return NULL;
    }
    return c;
}

int sg_xgb_importance(const sg_model *m, double *out, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return SG_EINVAL;
    if (!m->booster)
        return sg_error_set(err, SG_EINVAL, "xgboost: the model has no booster");
    bst_ulong nf = 0, dim = 0;
    const char **names = NULL;
    const bst_ulong *shape = NULL;
    const float *score = NULL;
    if (XGBoosterFeatureScore(m->booster, "{\"importance_type\": \"total_gain\"}", &nf, &names,
                              &dim, &shape, &score) != 0)
        return xgb_error(err, SG_EDATA, "cannot compute the importances");
    for (size_t j = 0; j < m->nfeat; j++)
        out[j] = 0;
    for (bst_ulong k = 0; k < nf; k++) {
        /* without feature names XGBoost calls the features f0, f1, ... */
        char *end = NULL;
        unsigned long j = names[k][0] == 'f' ? strtoul(names[k] + 1, &end, 10) : 0;
        if (!end || end == names[k] + 1 || *end != '\0' || j >= m->nfeat)
            return sg_error_set(err, SG_EDATA, "xgboost: unexpected feature name \"%s\" in the "
                                "importances", names[k]);
        out[j] = score[k];
    }
    return 0;
}

int sg_xgb_save(const sg_model *m, char **buf, size_t *len, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return SG_EINVAL;
    *buf = NULL;
    *len = 0;
    if (!m->booster)
        return sg_error_set(err, SG_EINVAL, "xgboost: the model has no booster");
    bst_ulong n = 0;
    const char *bytes = NULL;
    if (XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"ubj\"}", &n, &bytes) != 0)
        return xgb_error(err, SG_EDATA, "cannot save the booster");
    if (n == 0 || n > SIZE_MAX)
        return sg_error_set(err, SG_EDATA, "xgboost: the saved booster is empty");
    char *b = sg_malloc((size_t)n);
    if (!b)
        return sg_error_nomem(err);
    memcpy(b, bytes, (size_t)n);
    *buf = b;
    *len = (size_t)n;
    return 0;
}

int sg_xgb_load(sg_model *m, const char *buf, size_t len, sg_error *err)
{
    if (sg_xgb_lib_load(err))
        return SG_EINVAL;
    if (!buf || len == 0)
        return sg_error_set(err, SG_EDATA, "xgboost: no booster bytes to load");
    /* XGBoost's UBJSON reader trusts the lengths it reads */
    if (sg_ubjson_check((const uint8_t *)buf, len, "xgboost: the booster", err))
        return SG_EDATA;
    BoosterHandle b = NULL;
    if (XGBoosterCreate(NULL, 0, &b) != 0)
        return xgb_error(err, SG_ENOMEM, "cannot create the booster");
    int rc = 0, rounds = 0;
    bst_ulong nf = 0;
    if (XGBoosterSetParam(b, "verbosity", "0") != 0
        || XGBoosterLoadModelFromBuffer(b, buf, (bst_ulong)len) != 0)
        rc = xgb_error(err, SG_EDATA, "cannot load the booster");
    else if (m->params.threads > 0 && set_num(b, "nthread", m->params.threads, err))
        rc = SG_EINVAL;
    else if (XGBoosterGetNumFeature(b, &nf) != 0 || XGBoosterBoostedRounds(b, &rounds) != 0)
        rc = xgb_error(err, SG_EDATA, "cannot read the loaded booster");
    else if (nf != m->nfeat)
        rc = sg_error_set(err, SG_EDATA, "xgboost: the booster has %" PRIu64 " features, the "
                          "model %zu", (uint64_t)nf, m->nfeat);
    if (rc != 0) {
        XGBoosterFree(b);
        return rc;
    }
    sg_xgb_release(m);
    m->booster = b;
    m->rounds = rounds;
    return 0;
}

void sg_xgb_release(sg_model *m)
{
    if (m && m->booster) {
        XGBoosterFree(m->booster);
        m->booster = NULL;
    }
}
