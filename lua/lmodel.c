/* Supervised models, metrics and splits for Lua.  lua/segmint/models.lua
 * builds the user interface (segmint.model, cross-validation) on these:
 *   segmint._model_fit(train, spec [, validation]) -> segmint.model
 *   segmint._model_load(path)                      -> segmint.model, meta
 *   model:predict(ds, column)      -> ds with the prediction column
 *   model:reasons(ds, top, sign)   -> dataset reason_k, effect_k
 *   model:importance()             -> { {feature, importance}, ... } in feature order
 *   model:info()                   -> { kind, task, label, features, dropped, ... }
 *   model:save(path, meta)
 *   segmint.metrics(ds, { label, prediction, task, threshold, bins })
 *   segmint.split(ds, { test, stratify, seed })    -> train, test
 *   segmint.kfold(ds, { k, stratify, seed })       -> ds with a fold column (1..k)
 * The model file (JSON: the encoder, the fitted model, the training data's
 * SHA-256 and the caller's metadata) is read and written by core/model_io.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "jsonfile.h"
#include "lsegmint.h"
#include "mem.h"
#include "metrics.h"
#include "model.h"
#include "split.h"

#define SG_MODEL_MT "segmint.model"
#define MAX_COLUMNS 512

typedef struct sgl_model {
    sg_model_file f;        /* f.model NULL once freed */
} sgl_model;

static int model_gc(lua_State *L)
{
    sgl_model *b = luaL_checkudata(L, 1, SG_MODEL_MT);
    sg_model_file_clear(&b->f);
    return 0;
}

static sgl_model *new_model_box(lua_State *L)
{
    sgl_model *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_MODEL_MT);
    return b;
}

static sgl_model *check_model(lua_State *L, int idx)
{
    sgl_model *b = luaL_checkudata(L, idx, SG_MODEL_MT);
    if (!b->f.model)
        luaL_argerror(L, idx, "model has been closed");
    return b;
}

/* ---------------------------------------------------------------- fit */

static const char *spec_string(lua_State *L, int spec, const char *key, int required)
{
    int t = sgl_rawfield(L, spec, key);
    const char *s = NULL;
    if (t == LUA_TSTRING)
        s = lua_tostring(L, -1);
    else if (t != LUA_TNIL || required)
        luaL_error(L, "model: '%s' must be a string", key);
    lua_pop(L, 1);   /* the string stays alive in the spec table */
    return s;
}

static int spec_bool(lua_State *L, int spec, const char *key, int def)
{
    int t = sgl_rawfield(L, spec, key);
    int v = t == LUA_TNIL ? def : lua_toboolean(L, -1);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "model: '%s' must be true or false", key);
    lua_pop(L, 1);
    return v;
}

static size_t spec_names(lua_State *L, int spec, const char *key, const char **names)
{
    size_t n = 0;
    if (sgl_rawfield(L, spec, key) != LUA_TNIL)
        n = sgl_names(L, lua_gettop(L), key, names, MAX_COLUMNS);
    lua_pop(L, 1);
    return n;
}

static int spec_int(lua_State *L, int spec, const char *key, int def)
{
    double v = sgl_opt_number(L, spec, "model", key, def);
    if (v != floor(v) || fabs(v) > 1e9)
        luaL_error(L, "model: '%s' must be a whole number", key);
    return (int)v;
}

static void read_params(lua_State *L, int spec, sg_model_params *p)
{
    const char *kind = spec_string(L, spec, "kind", 1);
    const char *task = spec_string(L, spec, "task", 1);
    sg_model_kind k;
    if (sg_model_kind_parse(kind, &k))
        luaL_error(L, "model: unknown kind '%s' (logistic, linear, ridge, boosting or forest)", kind);
    if (strcmp(task, "classify") && strcmp(task, "regress"))
        luaL_error(L, "model: task must be \"classify\" or \"regress\", got '%s'", task);
    sg_model_params_init(p, k, strcmp(task, "classify") == 0 ? SG_TASK_CLASSIFY : SG_TASK_REGRESS);
    p->seed = sgl_opt_seed(L, spec, "model", 42);
    p->threads = spec_int(L, spec, "threads", 0);
    p->l1 = spec_bool(L, spec, "l1", 0);
    p->C = sgl_opt_number(L, spec, "model", "C", p->C);
    p->class_weight[0] = sgl_opt_number(L, spec, "model", "class_weight_0", 1);
    p->class_weight[1] = sgl_opt_number(L, spec, "model", "class_weight_1", 1);
    p->tol = sgl_opt_number(L, spec, "model", "tol", p->tol);
    p->lambda = sgl_opt_number(L, spec, "model", "lambda", p->lambda);
    p->n_estimators = spec_int(L, spec, "n_estimators", p->n_estimators);
    p->max_depth = spec_int(L, spec, "max_depth", p->max_depth);
    p->eta = sgl_opt_number(L, spec, "model", "eta", p->eta);
    p->subsample = sgl_opt_number(L, spec, "model", "subsample", p->subsample);
    p->colsample = sgl_opt_number(L, spec, "model", "colsample", p->colsample);
    p->min_child_weight = sgl_opt_number(L, spec, "model", "min_child_weight", p->min_child_weight);
    p->reg_lambda = sgl_opt_number(L, spec, "model", "reg_lambda", p->reg_lambda);
    p->early_stopping_rounds = spec_int(L, spec, "early_stopping_rounds", 0);
}

/* Frees the matrices and raises err. */
static int fit_fail(lua_State *L, sg_matrix *X, sg_matrix *Xv, const sg_error *err)
{
    sg_matrix_free(X);
    sg_matrix_free(Xv);
    return sgl_raise(L, err);
}

/* segmint._model_fit(train, spec [, validation]) */
static int l_model_fit(lua_State *L)
{
    lua_settop(L, 3);   /* the pins go above the arguments */
    sg_table *t = sgl_pin_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_table *vt = lua_isnil(L, 3) ? NULL : sgl_pin_dataset(L, 3);
    sg_model_params p;
    read_params(L, 2, &p);
    const char *label = spec_string(L, 2, "label", 1);
    const char *shown = spec_string(L, 2, "label_name", 0);   /* the user's name for the label */
    const char *wcol = spec_string(L, 2, "weights", 0);
    const char *num[MAX_COLUMNS], *cat[MAX_COLUMNS];
    sg_encoder_spec es = { num, spec_names(L, 2, "features", num), cat, spec_names(L, 2, "categorical", cat),
                           spec_bool(L, 2, "scale", 0), 0, 0 };
    double mc = sgl_opt_number(L, 2, "model", "min_count", 10), ml = sgl_opt_number(L, 2, "model", "max_levels", 20);
    if (mc < 1 || mc != floor(mc) || ml < 1 || ml != floor(ml) || ml > 10000)
        return luaL_error(L, "model: min_count and max_levels must be whole numbers >= 1");
    es.min_count = (size_t)mc;
    es.max_levels = (size_t)ml;
    if (es.nnum + es.ncat == 0)
        return luaL_error(L, "model: no feature columns given ('features' and/or 'categorical')");
    double *y = sgl_column_values(L, t, label, "model label", NULL, 1);
    double *w = wcol ? sgl_column_values(L, t, wcol, "model weights", NULL, 1) : NULL;
    double *yv = vt ? sgl_column_values(L, vt, label, "model label (validation)", NULL, 1) : NULL;

    sgl_model *b = new_model_box(L);
    sg_error err;
    sg_encoder_report rep;
    sg_matrix *X = sg_encoder_fit(t, &es, &b->f.enc, &rep, &err), *Xv = NULL;
    if (!X)
        return sgl_raise(L, &err);
    b->f.dropped = rep.dropped;
    b->f.ndropped = rep.ndropped;
    if (vt && !(Xv = sg_encoder_apply(vt, b->f.enc, NULL, &err)))
        return fit_fail(L, X, NULL, &err);
    b->f.model = sg_model_fit_hashed(&p, X, y, w, Xv, yv, b->f.data_sha256, &err);
    if (!b->f.model)
        return fit_fail(L, X, Xv, &err);
    if (!(b->f.label = sg_strdup(shown ? shown : label))) {
        sg_error_nomem(&err);
        return fit_fail(L, X, Xv, &err);
    }
    b->f.rows = X->rows;
    sg_matrix_free(X);
    sg_matrix_free(Xv);
    lua_createtable(L, 0, 2);   /* what the encoding did */
    lua_pushinteger(L, (lua_Integer)rep.values_imputed);
    lua_setfield(L, -2, "values_imputed");
    lua_pushinteger(L, (lua_Integer)rep.values_other);
    lua_setfield(L, -2, "values_other");
    return 2;
}

/* ---------------------------------------------------------------- use */

/* The design matrix of ds under the model's encoder; pushes nothing. */
static sg_matrix *encode(lua_State *L, const sgl_model *b, const sg_table *t, sg_encoder_report *rep)
{
    sg_error err;
    sg_matrix *X = sg_encoder_apply(t, b->f.enc, rep, &err);
    if (!X)
        sgl_raise(L, &err);
    return X;
}

/* Fills the dataset box d (created before c, so that nothing leaks if
 * Lua runs out of memory) with t plus column c, which it takes. */
static void fill_with(lua_State *L, sgl_dataset *d, const sg_table *t, sg_column *c)
{
    sg_error err;
    if (!(d->t = sg_table_share(t))) {
        sg_column_release(c);
        luaL_error(L, "out of memory");
    }
    if (sg_table_set(d->t, c, &err))
        sgl_raise(L, &err);
}

/* model:predict(ds, column) -> ds with the column, { unseen, values_other, values_imputed } */
static int model_predict(lua_State *L)
{
    lua_settop(L, 3);   /* the pin goes above the arguments */
    sgl_model *b = check_model(L, 1);
    sg_table *t = sgl_pin_dataset(L, 2);
    const char *name = luaL_optstring(L, 3, "prediction");
    sgl_dataset *d = sgl_new_dataset(L);
    sg_encoder_report rep;
    sg_matrix *X = encode(L, b, t, &rep);
    double *out = sg_malloc((X->rows ? X->rows : 1) * sizeof *out);
    sg_column *c = sg_column_new(name, SG_DOUBLE, X->rows);
    sg_error err;
    int rc = (!out || !c) ? sg_error_nomem(&err) : sg_model_predict(b->f.model, X, out, &err);
    for (size_t i = 0; rc == 0 && i < X->rows; i++)
        if (sg_column_push_f64(c, out[i]))
            rc = sg_error_nomem(&err);
    sg_matrix_free(X);
    sg_free(out);
    if (rc) {
        sg_column_release(c);
        return sgl_raise(L, &err);
    }
    fill_with(L, d, t, c);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)rep.unseen);
    lua_setfield(L, -2, "unseen");
    lua_pushinteger(L, (lua_Integer)rep.values_other);
    lua_setfield(L, -2, "values_other");
    lua_pushinteger(L, (lua_Integer)rep.values_imputed);
    lua_setfield(L, -2, "values_imputed");
    return 2;
}

/* model:reasons(ds, top, sign) -> dataset with reason_k and effect_k for
 * k = 1..top (sg_model_reasons). */
static int model_reasons(lua_State *L)
{
    lua_settop(L, 4);   /* the pin goes above the arguments */
    sgl_model *b = check_model(L, 1);
    sg_table *t = sgl_pin_dataset(L, 2);
    lua_Integer top = luaL_optinteger(L, 3, 3);
    const char *sign = luaL_optstring(L, 4, "up");
    luaL_argcheck(L, top >= 1 && top <= 20, 3, "top must be from 1 to 20");
    int dir = strcmp(sign, "up") == 0 ? 1 : strcmp(sign, "down") == 0 ? -1 : strcmp(sign, "any") == 0 ? 0 : 2;
    luaL_argcheck(L, dir != 2, 4, "sign must be \"up\", \"down\" or \"any\"");
    sg_matrix *X = encode(L, b, t, NULL);
    sg_error err;
    sg_table *out = sg_model_reasons(b->f.model, b->f.enc, X, (size_t)top, (sg_reason_sign)dir, &err);
    sg_matrix_free(X);
    sgl_push_table(L, out, &err);
    return 1;
}

/* model:importance() -> { { feature = name, importance = x }, ... } in feature order */
static int model_importance(lua_State *L)
{
    sgl_model *b = check_model(L, 1);
    size_t p = b->f.model->nfeat;
    double *v = lua_newuserdatauv(L, p * sizeof *v, 0);
    sg_error err;
    if (sg_model_importance(b->f.model, v, &err))
        return sgl_raise(L, &err);
    lua_createtable(L, (int)p, 0);
    for (size_t j = 0; j < p; j++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, b->f.enc->feature_names[j]);
        lua_setfield(L, -2, "feature");
        lua_pushnumber(L, v[j]);
        lua_setfield(L, -2, "importance");
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

static void push_names(lua_State *L, char **names, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* model:info() -> { kind, task, label, features, dropped, rows, data_sha256,
 *                   coefficients, intercept (linear kinds), rounds, best_round, best_score } */
static int model_info(lua_State *L)
{
    sgl_model *b = check_model(L, 1);
    const sg_model *m = b->f.model;
    lua_newtable(L);
    lua_pushstring(L, sg_model_kind_name(m->params.kind));
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, m->params.task == SG_TASK_CLASSIFY ? "classify" : "regress");
    lua_setfield(L, -2, "task");
    lua_pushstring(L, b->f.label);
    lua_setfield(L, -2, "label");
    push_names(L, b->f.enc->feature_names, b->f.enc->nfeat);
    lua_setfield(L, -2, "features");
    push_names(L, b->f.enc->source, b->f.enc->nfeat);
    lua_setfield(L, -2, "sources");
    push_names(L, b->f.dropped, b->f.ndropped);
    lua_setfield(L, -2, "dropped");
    lua_pushinteger(L, (lua_Integer)b->f.rows);
    lua_setfield(L, -2, "rows");
    lua_pushstring(L, b->f.data_sha256);
    lua_setfield(L, -2, "data_sha256");
    if (m->coef) {
        lua_createtable(L, 0, (int)m->nfeat);
        for (size_t j = 0; j < m->nfeat; j++) {
            lua_pushnumber(L, m->coef[j]);
            lua_setfield(L, -2, b->f.enc->feature_names[j]);
        }
        lua_setfield(L, -2, "coefficients");
        lua_pushnumber(L, m->intercept);
        lua_setfield(L, -2, "intercept");
    } else {
        lua_pushinteger(L, m->rounds);
        lua_setfield(L, -2, "rounds");
        if (m->best_round >= 0) {
            lua_pushinteger(L, m->best_round + 1);
            lua_setfield(L, -2, "best_round");
            lua_pushnumber(L, m->best_score);
            lua_setfield(L, -2, "best_score");
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- files */

/* model:save(path, meta) */
static int model_save(lua_State *L)
{
    sgl_model *b = check_model(L, 1);
    const char *path = sgl_check_write_path(L, 2);
    const char *why;
    cJSON *meta = lua_isnoneornil(L, 3) ? cJSON_CreateObject() : sgl_to_json(L, 3, &why);
    if (!meta)
        return luaL_error(L, "save: metadata: %s", lua_isnoneornil(L, 3) ? "out of memory" : why);
    sg_error err;
    int rc = sg_model_save(&b->f, meta, path, &err);
    cJSON_Delete(meta);
    if (rc)
        return sgl_raise(L, &err);
    return 0;
}

/* segmint._model_load(path) -> model, meta | nil, message */
static int l_model_load(lua_State *L)
{
    const char *path = sgl_check_read_path(L, 1);
    sgl_model *b = new_model_box(L);
    sg_error err;
    cJSON *meta;
    if (sg_model_load(path, &b->f, &meta, &err))
        return err.code == SG_ENOMEM ? sgl_raise(L, &err) : sgl_fail(L, &err);
    if (meta)
        sgl_push_json(L, meta);
    else
        lua_newtable(L);
    cJSON_Delete(meta);
    return 2;
}

/* ---------------------------------------------------------------- metrics */

static void set_num(lua_State *L, const char *key, double v)
{
    if (isnan(v))
        return;   /* undefined figures are absent */
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

/* segmint.metrics(ds, { label = col, prediction = col, task = "classify"|"regress",
 *                       threshold = 0.5, bins = 10 }) -> table */
static int l_metrics(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *label = sgl_opt_string(L, 2, "label", NULL);
    const char *pred = sgl_opt_string(L, 2, "prediction", "prediction");
    const char *task = sgl_opt_string(L, 2, "task", "classify");
    double threshold = sgl_opt_number(L, 2, "metrics", "threshold", 0.5);
    double bins = sgl_opt_number(L, 2, "metrics", "bins", 10);
    if (!label)
        return luaL_error(L, "metrics: 'label' (the column of true values) is required");
    if (bins < 1 || bins > 1000 || bins != floor(bins))
        return luaL_error(L, "metrics: 'bins' must be a whole number from 1 to 1000");
    double *y = sgl_column_values(L, t, label, "metrics", NULL, 1);
    double *p = sgl_column_values(L, t, pred, "metrics", NULL, 1);
    for (size_t i = 0; i < t->nrows; i++)
        if (isnan(y[i]) || isnan(p[i]))
            return luaL_error(L, "metrics: row %d: the %s is missing", (int)i + 1, isnan(y[i]) ? label : pred);
    sg_error err;
    sg_calib_bin *cal = lua_newuserdatauv(L, (size_t)bins * sizeof *cal, 0);   /* below the result */
    lua_newtable(L);
    lua_pushinteger(L, (lua_Integer)t->nrows);
    lua_setfield(L, -2, "n");
    if (strcmp(task, "regress") == 0) {
        sg_reg_metrics r;
        if (sg_metrics_regress(y, p, NULL, t->nrows, &r, &err))
            return sgl_raise(L, &err);
        set_num(L, "rmse", r.rmse);
        set_num(L, "mae", r.mae);
        set_num(L, "r2", r.r2);
        set_num(L, "mean", r.mean_y);
        return 1;
    }
    if (strcmp(task, "classify") != 0)
        return luaL_error(L, "metrics: task must be \"classify\" or \"regress\", got '%s'", task);
    sg_class_metrics c;
    if (sg_metrics_classify(y, p, NULL, t->nrows, threshold, &c, &err)
        || sg_metrics_calibration(y, p, t->nrows, (size_t)bins, cal, &err))
        return sgl_raise(L, &err);
    set_num(L, "threshold", c.threshold);
    set_num(L, "accuracy", c.accuracy);
    set_num(L, "precision", c.precision);
    set_num(L, "recall", c.recall);
    set_num(L, "f1", c.f1);
    set_num(L, "auc", c.auc);
    set_num(L, "pr_auc", c.pr_auc);
    set_num(L, "logloss", c.logloss);
    set_num(L, "positive_rate", c.positive_rate);
    lua_createtable(L, 0, 4);
    set_num(L, "tp", c.tp);
    set_num(L, "fp", c.fp);
    set_num(L, "tn", c.tn);
    set_num(L, "fn", c.fn);
    lua_setfield(L, -2, "confusion");
    lua_createtable(L, (int)bins, 0);
    for (size_t k = 0; k < (size_t)bins; k++) {
        lua_createtable(L, 0, 5);
        set_num(L, "lo", cal[k].lo);
        set_num(L, "hi", cal[k].hi);
        lua_pushinteger(L, (lua_Integer)cal[k].count);
        lua_setfield(L, -2, "count");
        set_num(L, "mean_predicted", cal[k].mean_pred);
        set_num(L, "observed", cal[k].observed);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "calibration");
    return 1;
}

/* ---------------------------------------------------------------- splits */

/* The stratify column's values (string codes for text), or NULL. */
static double *strata_values(lua_State *L, const sg_table *t, int opts, const char *what)
{
    const char *name = sgl_opt_string(L, opts, "stratify", NULL);
    if (!name)
        return NULL;
    const sg_column *c = sg_table_col(t, name);
    if (!c)
        luaL_error(L, "%s: no column '%s' to stratify by", what, name);
    double *v = lua_newuserdatauv(L, (t->nrows ? t->nrows : 1) * sizeof *v, 0);
    for (size_t i = 0; i < t->nrows; i++) {
        if (sg_column_is_na(c, i))
            luaL_error(L, "%s: row %d: the stratify column '%s' is missing", what, (int)i + 1, name);
        v[i] = c->type == SG_STRING ? (double)sg_column_codes(c)[i] : sg_column_num(c, i);
    }
    return v;
}

/* segmint.split(ds, { test = 0.25, stratify = col, seed = 42 }) -> train, test */
static int l_split(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);
    int opts = sgl_check_options(L, 2);
    static const char *const known[] = { "test", "stratify", "seed", NULL };
    sgl_check_known(L, opts, "split", known);
    double share = sgl_opt_number(L, opts, "split", "test", 0.25);
    uint64_t seed = sgl_opt_seed(L, opts, "split", 42);
    double *strata = opts ? strata_values(L, t, opts, "split") : NULL;
    size_t n = t->nrows;
    uint8_t *is_test = lua_newuserdatauv(L, n ? n : 1, 0);
    size_t *rows = lua_newuserdatauv(L, (n ? n : 1) * sizeof *rows, 0);
    sg_error err;
    if (sg_split_train_test(strata, n, share, seed, is_test, &err))
        return sgl_raise(L, &err);
    for (int side = 0; side < 2; side++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (is_test[i] == side)
                rows[k++] = i;
        sgl_push_table(L, sg_table_take(t, rows, k, &err), &err);
    }
    return 2;
}

/* segmint.kfold(ds, { k = 5, stratify = col, seed = 42, column = "fold" }) -> ds with folds 1..k */
static int l_kfold(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);
    int opts = sgl_check_options(L, 2);
    static const char *const known[] = { "k", "stratify", "seed", "column", NULL };
    sgl_check_known(L, opts, "kfold", known);
    double k = sgl_opt_number(L, opts, "kfold", "k", 5);
    const char *name = sgl_opt_string(L, opts, "column", "fold");
    if (k < 2 || k > 1000 || k != floor(k))
        return luaL_error(L, "kfold: 'k' must be a whole number from 2 to 1000");
    uint64_t seed = sgl_opt_seed(L, opts, "kfold", 42);
    double *strata = opts ? strata_values(L, t, opts, "kfold") : NULL;
    size_t n = t->nrows;
    int *fold = lua_newuserdatauv(L, (n ? n : 1) * sizeof *fold, 0);
    sg_error err;
    if (sg_split_kfold(strata, n, (int)k, seed, fold, &err))
        return sgl_raise(L, &err);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_column *c = sg_column_new(name, SG_INT64, n);
    if (!c)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (sg_column_push_i64(c, fold[i] + 1)) {
            sg_column_release(c);
            return luaL_error(L, "out of memory");
        }
    fill_with(L, d, t, c);
    return 1;
}

static const luaL_Reg model_methods[] = {
    { "predict", model_predict }, { "reasons", model_reasons }, { "importance", model_importance },
    { "info", model_info }, { "save", model_save }, { "close", model_gc }, { NULL, NULL }
};

static int model_tostring(lua_State *L)
{
    sgl_model *b = luaL_checkudata(L, 1, SG_MODEL_MT);
    if (!b->f.model)
        lua_pushliteral(L, "model(closed)");
    else
        lua_pushfstring(L, "model(%s, %s '%s', %d features)", sg_model_kind_name(b->f.model->params.kind),
                        b->f.model->params.task == SG_TASK_CLASSIFY ? "classifying" : "predicting", b->f.label,
                        (int)b->f.model->nfeat);
    return 1;
}

static const luaL_Reg model_meta[] = {
    { "__gc", model_gc }, { "__close", model_gc }, { "__tostring", model_tostring },
    { "__index", NULL }, { NULL, NULL }
};

static const luaL_Reg model_functions[] = {
    { "_model_fit", l_model_fit }, { "_model_load", l_model_load }, { "metrics", l_metrics },
    { "split", l_split }, { "kfold", l_kfold }, { NULL, NULL }
};

void sgl_open_model(lua_State *L)
{
    sgl_new_type(L, SG_MODEL_MT, model_meta, model_methods, 1);
    luaL_setfuncs(L, model_functions, 0);
}
