/* Supervised models: parameters, input checks, dispatch to the back ends
 * (model_linear.c, model_xgb.c), predictions, contributions and
 * importance of the linear kinds, and the JSON form.  See model.h. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <linear.h>
#include <nettle/base64.h>

#include "jsonfile.h"
#include "mem.h"
#include "model_internal.h"

static const char *const KIND_NAMES[] = { "logistic", "linear", "ridge", "boosting", "forest" };
#define NKINDS (sizeof KIND_NAMES / sizeof KIND_NAMES[0])

int sg_model_kind_parse(const char *name, sg_model_kind *out)
{
    for (size_t k = 0; name && k < NKINDS; k++)
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *out = (sg_model_kind)k;
            return 0;
        }
    return -1;
}

const char *sg_model_kind_name(sg_model_kind k)
{
    return (size_t)k < NKINDS ? KIND_NAMES[k] : "?";
}

void sg_model_libraries(char *buf, size_t size)
{
    int major = 0, minor = 0, patch = 0;
    if (sg_xgb_version(&major, &minor, &patch))
        snprintf(buf, size, "liblinear %d.%02d, XGBoost not found", liblinear_version / 100,
                 liblinear_version % 100);
    else
        snprintf(buf, size, "liblinear %d.%02d, XGBoost %d.%d.%d", liblinear_version / 100,
                 liblinear_version % 100, major, minor, patch);
}

static int is_xgb(sg_model_kind k) { return k == SG_MODEL_BOOSTING || k == SG_MODEL_FOREST; }

void sg_model_params_init(sg_model_params *p, sg_model_kind kind, sg_model_task task)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->task = task;
    p->seed = 42;
    p->C = 1;
    p->class_weight[0] = p->class_weight[1] = 1;
    p->tol = 1e-4;
    p->lambda = 1;
    p->min_child_weight = 1;
    if (kind == SG_MODEL_FOREST) {
        p->n_estimators = 100;
        p->max_depth = 8;
        p->eta = 1;
        p->subsample = 0.632;
        p->colsample = 0;      /* sqrt(p)/p */
        p->reg_lambda = 0;
    } else {
        p->n_estimators = 200;
        p->max_depth = 6;
        p->eta = 0.1;
        p->subsample = 1;
        p->colsample = 1;
        p->reg_lambda = 1;
    }
}

/* ---------------------------------------------------------------- checks */

static int check_params(const sg_model_params *p, sg_error *err)
{
    if ((size_t)p->kind >= NKINDS)
        return sg_error_set(err, SG_EINVAL, "model: unknown kind %d", (int)p->kind);
    if (p->kind == SG_MODEL_LOGISTIC && p->task != SG_TASK_CLASSIFY)
        return sg_error_set(err, SG_EINVAL, "model: logistic regression is a classifier; "
                            "use linear, ridge, boosting or forest for a numeric target");
    if ((p->kind == SG_MODEL_LINEAR || p->kind == SG_MODEL_RIDGE) && p->task != SG_TASK_REGRESS)
        return sg_error_set(err, SG_EINVAL, "model: %s regression predicts a number; use logistic, "
                            "boosting or forest for a class label", KIND_NAMES[p->kind]);
    if (!(p->C > 0) || !isfinite(p->C))
        return sg_error_set(err, SG_EINVAL, "model: C must be a positive number");
    if (!(p->tol > 0) || !isfinite(p->tol))
        return sg_error_set(err, SG_EINVAL, "model: tol must be a positive number");
    if (!(p->lambda >= 0) || !isfinite(p->lambda))
        return sg_error_set(err, SG_EINVAL, "model: lambda must be a number >= 0");
    for (int c = 0; c < 2; c++)
        if (!(p->class_weight[c] > 0) || !isfinite(p->class_weight[c]))
            return sg_error_set(err, SG_EINVAL, "model: class weights must be positive numbers");
    if (is_xgb(p->kind)) {
        if (p->n_estimators < 1 || p->n_estimators > 100000)
            return sg_error_set(err, SG_EINVAL, "model: n_estimators must be from 1 to 100000");
        if (p->max_depth < 1 || p->max_depth > 64)
            return sg_error_set(err, SG_EINVAL, "model: max_depth must be from 1 to 64");
        if (!(p->eta > 0 && p->eta <= 1))
            return sg_error_set(err, SG_EINVAL, "model: eta (learning rate) must be in (0, 1]");
        if (!(p->subsample > 0 && p->subsample <= 1))
            return sg_error_set(err, SG_EINVAL, "model: subsample must be in (0, 1]");
        if (!(p->colsample >= 0 && p->colsample <= 1))
            return sg_error_set(err, SG_EINVAL, "model: colsample must be in (0, 1] (0: automatic)");
        if (!(p->min_child_weight >= 0) || !isfinite(p->min_child_weight))
            return sg_error_set(err, SG_EINVAL, "model: min_child_weight must be a number >= 0");
        if (!(p->reg_lambda >= 0) || !isfinite(p->reg_lambda))
            return sg_error_set(err, SG_EINVAL, "model: reg_lambda must be a number >= 0");
        if (p->early_stopping_rounds < 0)
            return sg_error_set(err, SG_EINVAL, "model: early_stopping_rounds must be >= 0");
        if (p->threads < 0 || p->threads > 1024)
            return sg_error_set(err, SG_EINVAL, "model: threads must be from 0 to 1024");
    }
    return 0;
}

/* Finite features; labels finite and, for classifiers, 0/1 (both present
 * when `need_both`).  `what` names the set in messages. */
static int check_data(const sg_model_params *p, const sg_matrix *X, const double *y,
                      const double *w, int need_both, const char *what, sg_error *err)
{
    if (!X || !y || X->rows == 0)
        return sg_error_set(err, SG_EDATA, "model: the %s set has no rows", what);
    if (X->cols == 0)
        return sg_error_set(err, SG_EDATA, "model: no features");
    for (size_t i = 0; i < X->rows; i++) {
        const double *r = sg_matrix_row(X, i);
        for (size_t j = 0; j < X->cols; j++)
            if (!isfinite(r[j]))
                return sg_error_set(err, SG_EDATA, "model: %s row %zu, feature %zu is not a finite "
                                    "number", what, i + 1, j + 1);
    }
    size_t ones = 0;
    for (size_t i = 0; i < X->rows; i++) {
        if (!isfinite(y[i]))
            return sg_error_set(err, SG_EDATA, "model: %s row %zu: the label is missing or not "
                                "finite", what, i + 1);
        if (p->task == SG_TASK_CLASSIFY) {
            if (y[i] != 0 && y[i] != 1)
                return sg_error_set(err, SG_EDATA, "model: %s row %zu: a class label must be 0 or "
                                    "1, got %g", what, i + 1, y[i]);
            ones += y[i] == 1;
        }
        if (w && (!(w[i] >= 0) || !isfinite(w[i])))
            return sg_error_set(err, SG_EDATA, "model: %s row %zu: the weight must be a finite "
                                "number >= 0", what, i + 1);
    }
    if (need_both && p->task == SG_TASK_CLASSIFY && (ones == 0 || ones == X->rows))
        return sg_error_set(err, SG_EDATA, "model: the label has only one class (%d) in the %zu "
                            "%s rows; a classifier needs both", ones ? 1 : 0, X->rows, what);
    return 0;
}

/* ---------------------------------------------------------------- fit */

static sg_model *model_alloc(const sg_model_params *p, size_t nfeat, sg_error *err)
{
    sg_model *m = sg_calloc(1, sizeof *m);
    if (!m) {
        sg_error_nomem(err);
        return NULL;
    }
    m->params = *p;
    m->nfeat = nfeat;
    m->best_round = -1;
    return m;
}

/* What the learning libraries allocate outside core/mem.c while they
 * work on rows x cols (XGBoost: its data matrix of 8 bytes a value, the
 * quantised index, gradients and the output of `out_width` floats a row;
 * liblinear: its solver's vectors), estimated from the shape and reserved
 * against the memory cap for the duration of the call (docs/host.md). */
static size_t library_bytes(sg_model_kind kind, size_t rows, size_t cols, size_t out_width)
{
    double b = is_xgb(kind) ? (double)rows * ((double)cols * 12.0 + (double)out_width * 4.0 + 48.0) + 8e6
                            : (double)rows * 48.0 + (double)cols * 64.0;
    return b > (double)(SIZE_MAX / 2) ? SIZE_MAX / 2 : (size_t)b;
}

static int reserve_library(sg_model_kind kind, size_t rows, size_t cols, size_t out_width, size_t *held,
                           sg_error *err)
{
    *held = library_bytes(kind, rows, cols, out_width);
    if (sg_mem_account((ptrdiff_t)*held))
        return 0;
    *held = 0;
    return sg_error_set(err, SG_ENOMEM, "model: %s on %zu rows x %zu features needs about %.0f MB more "
                        "than the memory limit allows", is_xgb(kind) ? "XGBoost" : "liblinear", rows, cols,
                        (double)library_bytes(kind, rows, cols, out_width) / 1048576.0);
}

static void release_library(size_t held)
{
    sg_mem_account(-(ptrdiff_t)held);
}

sg_model *sg_model_fit(const sg_model_params *p, const sg_matrix *X, const double *y,
                       const double *w, const sg_matrix *Xval, const double *yval, sg_error *err)
{
    if (check_params(p, err) || check_data(p, X, y, w, 1, "training", err))
        return NULL;
    int use_val = Xval && yval && is_xgb(p->kind);
    if (use_val) {
        if (Xval->cols != X->cols) {
            sg_error_set(err, SG_EINVAL, "model: the validation set has %zu features, the training "
                         "set %zu", Xval->cols, X->cols);
            return NULL;
        }
        if (check_data(p, Xval, yval, NULL, 0, "validation", err))
            return NULL;
    }
    sg_model *m = model_alloc(p, X->cols, err);
    if (!m)
        return NULL;
    size_t held;
    if (reserve_library(p->kind, X->rows + (use_val ? Xval->rows : 0), X->cols, 1, &held, err)) {
        sg_model_free(m);
        return NULL;
    }
    int rc = is_xgb(p->kind) ? sg_xgb_fit(m, X, y, w, use_val ? Xval : NULL, use_val ? yval : NULL, err)
                             : sg_linear_fit(m, X, y, w, err);
    release_library(held);
    if (rc) {
        sg_model_free(m);
        return NULL;
    }
    return m;
}

void sg_model_free(sg_model *m)
{
    if (!m)
        return;
    if (is_xgb(m->params.kind))
        sg_xgb_release(m);
    sg_free(m->coef);
    sg_free(m->xmean);
    sg_free(m->xsd);
    sg_free(m);
}

/* ---------------------------------------------------------------- use */

static int check_input(const sg_model *m, const sg_matrix *X, sg_error *err)
{
    if (!m || !X)
        return sg_error_set(err, SG_EINVAL, "model: no model or no data");
    if (X->cols != m->nfeat)
        return sg_error_set(err, SG_EINVAL, "model: the data has %zu features, the model %zu",
                            X->cols, m->nfeat);
    for (size_t v = 0; v < X->rows * X->cols; v++)
        if (!isfinite(X->data[v]))
            return sg_error_set(err, SG_EDATA, "model: row %zu, feature %zu is not a finite number",
                                v / X->cols + 1, v % X->cols + 1);
    return 0;
}

static double sigmoid(double z)
{
    return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

int sg_model_predict(const sg_model *m, const sg_matrix *X, double *out, sg_error *err)
{
    if (check_input(m, X, err))
        return err ? err->code : SG_EINVAL;
    if (X->rows == 0)   /* nothing to score (XGBoost refuses empty matrices) */
        return 0;
    if (is_xgb(m->params.kind)) {
        size_t held;
        if (reserve_library(m->params.kind, X->rows, X->cols, 1, &held, err))
            return err ? err->code : SG_ENOMEM;
        int rc = sg_xgb_predict(m, X, out, err);
        release_library(held);
        return rc;
    }
    for (size_t i = 0; i < X->rows; i++) {
        const double *r = sg_matrix_row(X, i);
        double z = m->intercept;
        for (size_t j = 0; j < m->nfeat; j++)
            z += m->coef[j] * r[j];
        out[i] = m->params.task == SG_TASK_CLASSIFY ? sigmoid(z) : z;
    }
    return 0;
}

sg_matrix *sg_model_contributions(const sg_model *m, const sg_matrix *X, sg_error *err)
{
    if (check_input(m, X, err))
        return NULL;
    if (is_xgb(m->params.kind) && X->rows > 0) {
        size_t held;
        if (reserve_library(m->params.kind, X->rows, X->cols, X->cols + 1, &held, err))
            return NULL;
        sg_matrix *c = sg_xgb_contributions(m, X, err);
        release_library(held);
        return c;
    }
    sg_matrix *c = sg_matrix_new(X->rows, m->nfeat + 1);
    if (!c) {
        sg_error_nomem(err);
        return NULL;
    }
    if (X->rows == 0)
        return c;
    double bias = m->intercept;
    for (size_t j = 0; j < m->nfeat; j++)
        bias += m->coef[j] * m->xmean[j];
    for (size_t i = 0; i < X->rows; i++) {
        const double *r = sg_matrix_row(X, i);
        double *o = sg_matrix_row(c, i);
        for (size_t j = 0; j < m->nfeat; j++)
            o[j] = m->coef[j] * (r[j] - m->xmean[j]);
        o[m->nfeat] = bias;
    }
    return c;
}

int sg_model_importance(const sg_model *m, double *out, sg_error *err)
{
    if (!m)
        return sg_error_set(err, SG_EINVAL, "model: no model");
    if (is_xgb(m->params.kind))
        return sg_xgb_importance(m, out, err);
    for (size_t j = 0; j < m->nfeat; j++)
        out[j] = fabs(m->coef[j]) * m->xsd[j];
    return 0;
}

/* ---------------------------------------------------------------- JSON */

static int add_params(cJSON *o, const sg_model_params *p)
{
    int ok = cJSON_AddStringToObject(o, "kind", KIND_NAMES[p->kind]) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "task", p->task == SG_TASK_CLASSIFY ? "classify" : "regress");
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
    ok = ok && cJSON_AddStringToObject(o, "seed", seed);   /* a string: 64 bits exactly */
    ok = ok && cJSON_AddNumberToObject(o, "threads", p->threads);
    ok = ok && cJSON_AddBoolToObject(o, "l1", p->l1 != 0);
    ok = ok && sg_json_add_exact(o, "C", p->C);
    ok = ok && sg_json_add_exact(o, "class_weight_0", p->class_weight[0]);
    ok = ok && sg_json_add_exact(o, "class_weight_1", p->class_weight[1]);
    ok = ok && sg_json_add_exact(o, "tol", p->tol);
    ok = ok && sg_json_add_exact(o, "lambda", p->lambda);
    ok = ok && cJSON_AddNumberToObject(o, "n_estimators", p->n_estimators);
    ok = ok && cJSON_AddNumberToObject(o, "max_depth", p->max_depth);
    ok = ok && sg_json_add_exact(o, "eta", p->eta);
    ok = ok && sg_json_add_exact(o, "subsample", p->subsample);
    ok = ok && sg_json_add_exact(o, "colsample", p->colsample);
    ok = ok && sg_json_add_exact(o, "min_child_weight", p->min_child_weight);
    ok = ok && sg_json_add_exact(o, "reg_lambda", p->reg_lambda);
    ok = ok && cJSON_AddNumberToObject(o, "early_stopping_rounds", p->early_stopping_rounds);
    return ok;
}

static int add_array(cJSON *o, const char *key, const double *v, size_t n)
{
    cJSON *a = sg_json_exact_array(v, n);
    if (!a || !cJSON_AddItemToObject(o, key, a)) {
        cJSON_Delete(a);
        return 0;
    }
    return 1;
}

cJSON *sg_model_to_json(const sg_model *m, sg_error *err)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && add_params(o, &m->params);
    ok = ok && cJSON_AddNumberToObject(o, "features", (double)m->nfeat);
    if (ok && !is_xgb(m->params.kind)) {
        ok = add_array(o, "coef", m->coef, m->nfeat) && sg_json_add_exact(o, "intercept", m->intercept)
             && add_array(o, "xmean", m->xmean, m->nfeat) && add_array(o, "xsd", m->xsd, m->nfeat);
    } else if (ok) {
        char *bytes = NULL;
        size_t len = 0;
        if (sg_xgb_save(m, &bytes, &len, err)) {
            cJSON_Delete(o);
            return NULL;
        }
        char *b64 = sg_malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
        if (b64) {
            base64_encode_raw(b64, len, (const uint8_t *)bytes);
            b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
        }
        sg_free(bytes);
        ok = b64 && cJSON_AddNumberToObject(o, "rounds", m->rounds)
             && cJSON_AddNumberToObject(o, "best_round", m->best_round)
             && (m->best_round < 0 || sg_json_add_exact(o, "best_score", m->best_score))
             && cJSON_AddStringToObject(o, "booster_ubj_base64", b64);
        sg_free(b64);
    }
    if (!ok) {
        cJSON_Delete(o);
        sg_error_nomem(err);
        return NULL;
    }
    return o;
}

static int get_num(const cJSON *o, const char *key, double lo, double hi, int integer, double *out,
                   sg_error *err)
{
    double v;
    if (!sg_json_number(cJSON_GetObjectItemCaseSensitive(o, key), &v) || !(v >= lo && v <= hi)
        || (integer && v != floor(v)))
        return sg_error_set(err, SG_EDATA, "model: \"%s\" must be a%s number from %g to %g", key,
                            integer ? "n integer" : "", lo, hi);
    *out = v;
    return 0;
}

static int read_params(const cJSON *o, sg_model_params *p, sg_error *err)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(o, "task");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(o, "seed");
    sg_model_kind k;
    if (!cJSON_IsString(kind) || sg_model_kind_parse(kind->valuestring, &k))
        return sg_error_set(err, SG_EDATA, "model: unknown \"kind\"");
    if (!cJSON_IsString(task) || (strcmp(task->valuestring, "classify") && strcmp(task->valuestring, "regress")))
        return sg_error_set(err, SG_EDATA, "model: \"task\" must be \"classify\" or \"regress\"");
    sg_model_params_init(p, k, strcmp(task->valuestring, "classify") == 0 ? SG_TASK_CLASSIFY : SG_TASK_REGRESS);
    char *end = NULL;
    if (!cJSON_IsString(seed) || !*seed->valuestring)
        return sg_error_set(err, SG_EDATA, "model: \"seed\" is missing");
    /* strtoull alone would take "-1" (as 2^64 - 1), leading blanks and,
     * saturating, a number beyond 64 bits */
    errno = 0;
    p->seed = strtoull(seed->valuestring, &end, 10);
    if (*end || !(*seed->valuestring >= '0' && *seed->valuestring <= '9') || errno == ERANGE)
        return sg_error_set(err, SG_EDATA, "model: \"seed\" is not a whole number from 0 to "
                            "18446744073709551615");
    p->l1 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "l1"));
    double v[12];
    if (get_num(o, "threads", 0, 1024, 1, &v[0], err) || get_num(o, "C", 0, HUGE_VAL, 0, &p->C, err)
        || get_num(o, "class_weight_0", 0, HUGE_VAL, 0, &p->class_weight[0], err)
        || get_num(o, "class_weight_1", 0, HUGE_VAL, 0, &p->class_weight[1], err)
        || get_num(o, "tol", 0, HUGE_VAL, 0, &p->tol, err) || get_num(o, "lambda", 0, HUGE_VAL, 0, &p->lambda, err)
        || get_num(o, "n_estimators", 1, 100000, 1, &v[1], err) || get_num(o, "max_depth", 1, 64, 1, &v[2], err)
        || get_num(o, "eta", 0, 1, 0, &p->eta, err) || get_num(o, "subsample", 0, 1, 0, &p->subsample, err)
        || get_num(o, "colsample", 0, 1, 0, &p->colsample, err)
        || get_num(o, "min_child_weight", 0, HUGE_VAL, 0, &p->min_child_weight, err)
        || get_num(o, "reg_lambda", 0, HUGE_VAL, 0, &p->reg_lambda, err)
        || get_num(o, "early_stopping_rounds", 0, 1e9, 1, &v[3], err))
        return err ? err->code : SG_EDATA;
    p->threads = (int)v[0];
    p->n_estimators = (int)v[1];
    p->max_depth = (int)v[2];
    p->early_stopping_rounds = (int)v[3];
    if (check_params(p, err)) {   /* a bad value in the file: bad data, not a bad call */
        if (err)
            err->code = SG_EDATA;
        return SG_EDATA;
    }
    return 0;
}

static int read_linear(const cJSON *o, sg_model *m, sg_error *err)
{
    size_t n = m->nfeat;
    const cJSON *coef = cJSON_GetObjectItemCaseSensitive(o, "coef");
    if (!cJSON_IsArray(coef) || (size_t)cJSON_GetArraySize(coef) != n)   /* before allocating */
        return sg_error_set(err, SG_EDATA, "model: \"coef\" must be an array of %zu numbers", n);
    m->coef = sg_malloc(n * sizeof *m->coef);
    m->xmean = sg_malloc(n * sizeof *m->xmean);
    m->xsd = sg_malloc(n * sizeof *m->xsd);
    if (!m->coef || !m->xmean || !m->xsd)
        return sg_error_nomem(err);
    if (!sg_json_number(cJSON_GetObjectItemCaseSensitive(o, "intercept"), &m->intercept))
        return sg_error_set(err, SG_EDATA, "model: \"intercept\" must be a finite number");
    if (sg_json_get_numbers(o, "coef", m->coef, n, "model", err)
        || sg_json_get_numbers(o, "xmean", m->xmean, n, "model", err)
        || sg_json_get_numbers(o, "xsd", m->xsd, n, "model", err))
        return err ? err->code : SG_EDATA;
    return 0;
}

static int read_booster(const cJSON *o, sg_model *m, sg_error *err)
{
    double rounds = 0, best = 0;
    if (get_num(o, "rounds", 1, 1e9, 1, &rounds, err) || get_num(o, "best_round", -1, 1e9, 1, &best, err))
        return err ? err->code : SG_EDATA;
    m->rounds = (int)rounds;
    m->best_round = (int)best;
    if (m->best_round >= 0 && get_num(o, "best_score", -HUGE_VAL, HUGE_VAL, 0, &m->best_score, err))
        return err ? err->code : SG_EDATA;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "booster_ubj_base64");
    if (!cJSON_IsString(s) || !s->valuestring)
        return sg_error_set(err, SG_EDATA, "model: \"booster_ubj_base64\" is missing");
    size_t slen = strlen(s->valuestring);
    uint8_t *bytes = sg_malloc(BASE64_DECODE_LENGTH(slen) + 1);
    if (!bytes)
        return sg_error_nomem(err);
    struct base64_decode_ctx ctx;
    size_t len = 0;
    base64_decode_init(&ctx);
    int rc;
    if (!base64_decode_update(&ctx, &len, bytes, slen, s->valuestring) || !base64_decode_final(&ctx))
        rc = sg_error_set(err, SG_EDATA, "model: \"booster_ubj_base64\" is not valid base64");
    else
        rc = sg_xgb_load(m, (const char *)bytes, len, err);
    sg_free(bytes);
    return rc;
}

sg_model *sg_model_from_json(const cJSON *o, sg_error *err)
{
    sg_model_params p;
    double nfeat = 0;
    if (!cJSON_IsObject(o)) {
        sg_error_set(err, SG_EDATA, "model: not a JSON object");
        return NULL;
    }
    if (read_params(o, &p, err) || get_num(o, "features", 1, 1e8, 1, &nfeat, err))
        return NULL;
    sg_model *m = model_alloc(&p, (size_t)nfeat, err);
    if (!m)
        return NULL;
    if (is_xgb(p.kind) ? read_booster(o, m, err) : read_linear(o, m, err)) {
        sg_model_free(m);
        return NULL;
    }
    return m;
}
