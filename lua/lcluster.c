/* Feature matrices, k-means, cluster quality and PCA for Lua:
 *   segmint.matrix(ds, columns, options) -> segmint.matrix
 *   segmint.kmeans(matrix, options)      -> segmint.kmeans (k = "auto" chooses k)
 *   segmint.load_kmeans(path)            -> segmint.kmeans
 *   segmint.pca(matrix [, ncomp])        -> { components, explained_variance_ratio, ... }
 * Clusters are numbered 1..k in Lua (0..k-1 in the core). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cluster_metrics.h"
#include "kmeans.h"
#include "mpi_kmeans.h"
#include "lsegmint.h"
#include "matrix.h"
#include "mem.h"
#include "pca.h"

#define SG_MATRIX_MT "segmint.matrix"
#define SG_KMEANS_MT "segmint.kmeans"
#define MAX_FEATURES 256
#define MAX_K 100

typedef struct sgl_matrix {
    sg_matrix *m;
    sg_scaling *scaling;
    size_t *rows_kept;       /* matrix row -> dataset row (0-based) */
    size_t source_rows;      /* rows of the dataset it came from */
    sg_matrix_report report;
} sgl_matrix;

typedef struct sgl_kmeans {
    sg_kmeans *km;
} sgl_kmeans;

static sgl_matrix *check_matrix(lua_State *L, int idx)
{
    sgl_matrix *b = luaL_checkudata(L, idx, SG_MATRIX_MT);
    if (!b->m)
        luaL_argerror(L, idx, "matrix has been closed");
    return b;
}

static sg_kmeans *check_kmeans(lua_State *L, int idx)
{
    sgl_kmeans *b = luaL_checkudata(L, idx, SG_KMEANS_MT);
    if (!b->km)
        luaL_argerror(L, idx, "k-means model has been closed");
    return b->km;
}

static sgl_matrix *new_matrix_box(lua_State *L)
{
    sgl_matrix *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_MATRIX_MT);
    return b;
}

static sgl_kmeans *new_kmeans_box(lua_State *L)
{
    sgl_kmeans *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->km = NULL;
    luaL_setmetatable(L, SG_KMEANS_MT);
    return b;
}

static int matrix_gc(lua_State *L)
{
    sgl_matrix *b = luaL_checkudata(L, 1, SG_MATRIX_MT);
    sg_matrix_free(b->m);
    sg_scaling_free(b->scaling);
    sg_free(b->rows_kept);
    b->m = NULL;
    b->scaling = NULL;
    b->rows_kept = NULL;
    return 0;
}

static int kmeans_gc(lua_State *L)
{
    sgl_kmeans *b = luaL_checkudata(L, 1, SG_KMEANS_MT);
    sg_kmeans_free(b->km);
    b->km = NULL;
    return 0;
}

/* A copy of a scaling through its JSON form (NULL stays NULL). */
static sg_scaling *copy_scaling(lua_State *L, const sg_scaling *s)
{
    if (!s)
        return NULL;
    cJSON *j = sg_scaling_to_json(s);
    if (!j)
        luaL_error(L, "out of memory");
    sg_error err;
    sg_scaling *c = sg_scaling_from_json(j, &err);
    cJSON_Delete(j);
    if (!c)
        sgl_raise(L, &err);
    return c;
}

/* ---- segmint.matrix ---- */

/* Per-column option: a string for every column, or a table { col = value }. */
static const char *per_column(lua_State *L, int opts, const char *key, const char *col)
{
    const char *v = NULL;
    int t = sgl_rawfield(L, opts, key);
    if (t == LUA_TSTRING) {
        v = lua_tostring(L, -1);
    } else if (t == LUA_TTABLE) {
        if (sgl_rawfield(L, -1, col) == LUA_TSTRING)
            v = lua_tostring(L, -1);
        lua_pop(L, 1);
    } else if (t != LUA_TNIL) {
        luaL_error(L, "matrix: option '%s' must be a string or a table { column = value }", key);
    }
    lua_pop(L, 1);   /* values stay alive in the options table */
    return v;
}

/* segmint.matrix(ds, {"recency_days", "frequency", "monetary"},
 *                { transform = "log1p", scale = "standard", missing = "drop" | "median" })
 * transform and scale may also be tables { column = "log1p" / "robust" }. */
static int l_matrix(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *names[MAX_FEATURES];
    size_t n = sgl_names(L, 2, "matrix columns", names, MAX_FEATURES);
    int opts = sgl_check_options(L, 3);
    int log1p[MAX_FEATURES];
    sg_scale_kind kind[MAX_FEATURES];
    for (size_t j = 0; j < n; j++) {
        const char *tr = opts ? per_column(L, opts, "transform", names[j]) : NULL;
        const char *sc = opts ? per_column(L, opts, "scale", names[j]) : NULL;
        if (tr && strcmp(tr, "log1p") != 0 && strcmp(tr, "none") != 0)
            return luaL_error(L, "matrix: column '%s': unknown transform '%s' (log1p or none)", names[j], tr);
        log1p[j] = tr && strcmp(tr, "log1p") == 0;
        kind[j] = SG_SCALE_NONE;
        if (sc && sg_scale_kind_parse(sc, &kind[j]) != 0)
            return luaL_error(L, "matrix: column '%s': unknown scale '%s' (standard, robust, minmax or none)",
                              names[j], sc);
    }
    const char *missing = sgl_opt_string(L, opts ? opts : 0, "missing", "drop");
    sg_matrix_spec spec = { names, n, log1p, kind, SG_MISSING_DROP };
    if (strcmp(missing, "median") == 0)
        spec.missing = SG_MISSING_MEDIAN;
    else if (strcmp(missing, "drop") != 0)
        return luaL_error(L, "matrix: option 'missing' must be \"drop\" or \"median\", got '%s'", missing);
    sgl_matrix *b = new_matrix_box(L);
    sg_error err;
    b->source_rows = t->nrows;
    b->m = sg_matrix_fit(t, &spec, &b->scaling, &b->rows_kept, &b->report, &err);
    if (!b->m)
        return sgl_raise(L, &err);
    return 1;
}

static int matrix_tostring(lua_State *L)
{
    sgl_matrix *b = luaL_checkudata(L, 1, SG_MATRIX_MT);
    if (!b->m)
        lua_pushliteral(L, "matrix(closed)");
    else
        lua_pushfstring(L, "matrix(%I x %I)", (lua_Integer)b->m->rows, (lua_Integer)b->m->cols);
    return 1;
}

static int matrix_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_matrix(L, 1)->m->rows);
    return 1;
}

static int matrix_cols(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    lua_createtable(L, (int)b->m->cols, 0);
    for (size_t j = 0; j < b->m->cols; j++) {
        lua_pushstring(L, b->scaling ? b->scaling->names[j] : "");
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

static int matrix_get(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2), j = luaL_checkinteger(L, 3);
    luaL_argcheck(L, i >= 1 && (lua_Unsigned)i <= b->m->rows, 2, "row out of range");
    luaL_argcheck(L, j >= 1 && (lua_Unsigned)j <= b->m->cols, 3, "column out of range");
    lua_pushnumber(L, sg_matrix_row(b->m, (size_t)i - 1)[j - 1]);
    return 1;
}

/* m:report() -> { rows_in, rows_out, rows_dropped, values_imputed } */
static int matrix_report(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)b->report.rows_in);
    lua_setfield(L, -2, "rows_in");
    lua_pushinteger(L, (lua_Integer)b->report.rows_out);
    lua_setfield(L, -2, "rows_out");
    lua_pushinteger(L, (lua_Integer)b->report.rows_dropped);
    lua_setfield(L, -2, "rows_dropped");
    lua_pushinteger(L, (lua_Integer)b->report.values_imputed);
    lua_setfield(L, -2, "values_imputed");
    return 1;
}

/* m:scaling() -> { { name, log1p, scale, center, scale_by, impute }, ... } */
static int matrix_scaling(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    const sg_scaling *s = b->scaling;
    lua_createtable(L, s ? (int)s->cols : 0, 0);
    for (size_t j = 0; s && j < s->cols; j++) {
        lua_createtable(L, 0, 6);
        lua_pushstring(L, s->names[j]);
        lua_setfield(L, -2, "name");
        lua_pushboolean(L, s->log1p[j]);
        lua_setfield(L, -2, "log1p");
        lua_pushstring(L, sg_scale_kind_name(s->kind[j]));
        lua_setfield(L, -2, "scale");
        lua_pushnumber(L, s->center[j]);
        lua_setfield(L, -2, "center");
        lua_pushnumber(L, s->scale[j]);
        lua_setfield(L, -2, "scale_by");
        lua_pushnumber(L, s->impute[j]);
        lua_setfield(L, -2, "impute");
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

/* Pushes the matrix of the dataset at idx transformed with a copy of
 * scaling (what m:apply and model:matrix both do). */
static int push_applied(lua_State *L, int idx, const sg_scaling *scaling, const char *what)
{
    sg_table *t = sgl_check_dataset(L, idx);
    if (!scaling)
        return luaL_error(L, "%s", what);
    sgl_matrix *b = new_matrix_box(L);
    b->scaling = copy_scaling(L, scaling);
    b->source_rows = t->nrows;
    sg_error err;
    b->m = sg_matrix_apply(t, b->scaling, &b->rows_kept, &b->report, &err);
    if (!b->m)
        return sgl_raise(L, &err);
    return 1;
}

/* m:apply(ds) -> a matrix of ds transformed with this matrix's fitted scaling */
static int matrix_apply(lua_State *L)
{
    return push_applied(L, 2, check_matrix(L, 1)->scaling, "apply: this matrix has no fitted scaling");
}

/* Pushes labels (0-based) as a dataset column aligned with the source rows:
 * cluster numbers 1..k, missing for rows the matrix dropped. */
static void push_assignment(lua_State *L, int ds_idx, const sgl_matrix *b, const int32_t *labels,
                            const char *column)
{
    sg_table *t = sgl_check_dataset(L, ds_idx);
    if (t->nrows != b->source_rows)
        luaL_error(L, "assign: the dataset has %d rows but the matrix came from %d", (int)t->nrows,
                   (int)b->source_rows);
    sg_error err;
    sg_column *c = sg_kmeans_label_column(column, labels, b->m->rows, b->rows_kept, t->nrows, &err);
    if (!c)
        sgl_raise(L, &err);
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_share(t);
    if (!d->t) {
        sg_column_release(c);
        luaL_error(L, "out of memory");
    }
    if (sg_table_set(d->t, c, &err) != 0)
        sgl_raise(L, &err);
}

/* ---- k-means ---- */

static int opt_int(lua_State *L, int t, const char *key, int def, int lo, int hi)
{
    double v = sgl_opt_number(L, t, "kmeans", key, def);
    if (v != floor(v) || v < lo || v > hi)
        luaL_error(L, "kmeans: option '%s' must be a whole number from %d to %d", key, lo, hi);
    return (int)v;
}

static void read_kmeans_options(lua_State *L, int t, sg_kmeans_options *o)
{
    sg_kmeans_options_init(o);
    o->n_init = opt_int(L, t, "n_init", o->n_init, 1, 1000);
    o->max_iter = opt_int(L, t, "max_iter", o->max_iter, 1, 1000000);
    o->tol = sgl_opt_number(L, t, "kmeans", "tol", o->tol);
    if (!(o->tol >= 0))
        luaL_error(L, "kmeans: option 'tol' must be >= 0");
    o->seed = sgl_opt_seed(L, t, "kmeans", o->seed);
    o->threads = opt_int(L, t, "threads", 0, 0, 64);
    o->batch_size = (size_t)opt_int(L, t, "batch_size", (int)o->batch_size, 16, 100000000);
    const char *algo = sgl_opt_string(L, t, "algorithm", "hamerly");
    if (strcmp(algo, "hamerly") == 0)
        o->algo = SG_KMEANS_HAMERLY;
    else if (strcmp(algo, "lloyd") == 0)
        o->algo = SG_KMEANS_LLOYD;
    else if (strcmp(algo, "minibatch") == 0)
        o->algo = SG_KMEANS_MINIBATCH;
    else
        luaL_error(L, "kmeans: option 'algorithm' must be \"hamerly\", \"lloyd\" or \"minibatch\", got '%s'", algo);
}

/* Quality figures of one labelling. */
/* Fits k on b; labels receives the assignment; returns the model. */
static sg_kmeans *fit_one(lua_State *L, const sgl_matrix *b, sg_kmeans_options *o, int k,
                          int32_t *labels)
{
    o->k = k;
    sg_error err;
    sg_kmeans *km = sg_kmeans_fit(b->m, o, labels, &err);
    if (!km)
        sgl_raise(L, &err);
    return km;
}

static void push_selection(lua_State *L, const sg_kmeans_score *s, size_t n, size_t chosen)
{
    lua_createtable(L, 6, 0);
    static const char *cols[] = { "k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "chosen" };
    for (int c = 0; c < 6; c++) {
        lua_createtable(L, 3, 0);
        lua_pushstring(L, cols[c]);
        lua_rawseti(L, -2, 1);
        lua_createtable(L, (int)n, 1);
        for (size_t i = 0; i < n; i++) {
            switch (c) {
            case 0: lua_pushinteger(L, s[i].k); break;
            case 1: lua_pushnumber(L, s[i].inertia); break;
            case 2: isnan(s[i].silhouette) ? lua_pushnil(L) : lua_pushnumber(L, s[i].silhouette); break;
            case 3: isnan(s[i].calinski_harabasz) ? lua_pushnil(L) : lua_pushnumber(L, s[i].calinski_harabasz); break;
            case 4: isnan(s[i].davies_bouldin) ? lua_pushnil(L) : lua_pushnumber(L, s[i].davies_bouldin); break;
            default: lua_pushboolean(L, i == chosen); break;
            }
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushinteger(L, (lua_Integer)n);
        lua_setfield(L, -2, "n");
        lua_rawseti(L, -2, 2);
        lua_pushstring(L, c == 0 ? "int64" : c == 5 ? "bool" : "double");
        lua_rawseti(L, -2, 3);
        lua_rawseti(L, -2, c + 1);
    }
}

/* segmint.mpi_kmeans's fourth value: what the ranks did (a table), or
 * why they were not used (a string). */
static void push_mpi_stats(lua_State *L, int used, const sg_mpi_kmeans_stats *st, const char *why)
{
    if (!used) {
        lua_pushstring(L, why);
        return;
    }
    lua_createtable(L, 0, 10);
    lua_createtable(L, st->ranks, 0);
    for (int r = 0; r < st->ranks; r++) {
        lua_pushinteger(L, (lua_Integer)st->rows[r]);
        lua_rawseti(L, -2, r + 1);
    }
    lua_setfield(L, -2, "rows");
    static const char *keys[] = { "scattered", "fits", "reductions", "reduced", "labels" };
    uint64_t v[] = { st->scattered, st->fits, st->reductions, st->reduced, st->labels };
    for (int i = 0; i < 5; i++) {
        lua_pushinteger(L, (lua_Integer)v[i]);
        lua_setfield(L, -2, keys[i]);
    }
    static const char *secs[] = { "secs", "secs_scatter", "secs_fits", "secs_seed" };
    for (int i = 0; i < 4; i++) {
        lua_pushnumber(L, st->secs[i]);
        lua_setfield(L, -2, secs[i]);
    }
}

/* segmint.kmeans(matrix, { k = 4 | "auto", k_range = {2, 10}, n_init = 4, max_iter = 300,
 *   tol = 1e-4, seed = 42, algorithm = "hamerly" | "lloyd" | "minibatch", threads = 0,
 *   silhouette_sample = 10000 })
 * -> model, labels (Lua array 1..k per matrix row), selection (a list of
 *    {name, values, type} columns for segmint.dataset, when k = "auto")
 * segmint.mpi_kmeans(matrix, options): the same results, fitted on every
 * MPI rank when the run has several (core/mpi_kmeans.h), and a fourth
 * value: what the ranks did { rows = {per rank}, scattered, fits,
 * reductions, reduced, labels, secs, secs_scatter, secs_fits, secs_seed },
 * or why they were not used (a string; the fit then ran here). */
static int kmeans_impl(lua_State *L, int mpi)
{
    sgl_matrix *b = check_matrix(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    sg_kmeans_options o;
    read_kmeans_options(L, 2, &o);
    size_t rows = b->m->rows;
    int32_t *best_labels = lua_newuserdatauv(L, (rows ? rows : 1) * sizeof *best_labels, 0);   /* 3 */
    sgl_kmeans *box = new_kmeans_box(L);   /* 4 */
    size_t sample = (size_t)opt_int(L, 2, "silhouette_sample", 10000, 2, 100000000);
    int ktype = sgl_rawfield(L, 2, "k");
    int auto_k = ktype == LUA_TSTRING;
    if (auto_k && strcmp(lua_tostring(L, -1), "auto") != 0)
        return luaL_error(L, "kmeans: option 'k' must be a number or \"auto\"");
    lua_pop(L, 1);
    if (ktype == LUA_TNIL)
        return luaL_error(L, "kmeans: option 'k' is required (a number, or \"auto\")");
    int lo = 0, hi = 0;
    if (!auto_k) {
        o.k = opt_int(L, 2, "k", 0, 1, MAX_K);
    } else {
        lo = 2;
        hi = 10;
        int rt = sgl_rawfield(L, 2, "k_range");
        if (rt == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (!lua_isinteger(L, -2) || !lua_isinteger(L, -1) || lua_tointeger(L, -2) < 2 ||
                lua_tointeger(L, -1) > MAX_K)
                return luaL_error(L, "kmeans: 'k_range' must be {lo, hi} with 2 <= lo <= hi <= %d", MAX_K);
            lo = (int)lua_tointeger(L, -2);
            hi = (int)lua_tointeger(L, -1);
            lua_pop(L, 2);
        } else if (rt != LUA_TNIL) {
            return luaL_error(L, "kmeans: 'k_range' must be {lo, hi} with 2 <= lo <= hi <= %d", MAX_K);
        }
        lua_pop(L, 1);
        if (lo < 2 || hi < lo || hi > MAX_K)
            return luaL_error(L, "kmeans: 'k_range' must be {lo, hi} with 2 <= lo <= hi <= %d", MAX_K);
    }
    sg_kmeans_score sc[MAX_K];
    size_t chosen = 0;
    sg_error err;
    sg_mpi_kmeans_stats st;
    memset(&st, 0, sizeof st);
    char why[300] = "";
    int used = 0;
    if (mpi) {
        sg_kmeans *km = NULL;
        used = sg_mpi_kmeans(b->m, &o, lo, hi, sample, &km, best_labels, sc, &chosen, &st, why,
                             sizeof why, &err);
        if (used < 0)
            return sgl_raise(L, &err);
        box->km = km;
        push_mpi_stats(L, used, &st, why);   /* 5 */
        sg_free(st.rows);
    }
    if (!used && !auto_k) {
        box->km = fit_one(L, b, &o, o.k, best_labels);
    } else if (!used && !(box->km = sg_kmeans_auto(b->m, &o, lo, hi, sample, best_labels, sc,
                                                    &chosen, &err))) {
        return sgl_raise(L, &err);
    }
    lua_pushvalue(L, 4);
    if (auto_k)
        push_selection(L, sc, (size_t)(hi - lo + 1), chosen);
    else
        lua_pushnil(L);
    box->km->scaling = copy_scaling(L, b->scaling);
    /* labels as a Lua array, 1..k */
    lua_createtable(L, (int)(rows < (1u << 26) ? rows : 0), 1);
    for (size_t i = 0; i < rows; i++) {
        lua_pushinteger(L, (lua_Integer)best_labels[i] + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_insert(L, -2);   /* model, labels, selection */
    if (!mpi)
        return 3;
    lua_pushvalue(L, 5);
    return 4;
}

static int l_kmeans(lua_State *L)
{
    return kmeans_impl(L, 0);
}

static int l_mpi_kmeans(lua_State *L)
{
    return kmeans_impl(L, 1);
}

static int kmeans_tostring(lua_State *L)
{
    sgl_kmeans *b = luaL_checkudata(L, 1, SG_KMEANS_MT);
    if (!b->km)
        lua_pushliteral(L, "kmeans(closed)");
    else
        lua_pushfstring(L, "kmeans(k=%d, %d features, inertia %f)", b->km->k, (int)b->km->cols,
                        b->km->inertia);
    return 1;
}

/* model:info() -> { k, features, inertia, iterations, converged, sizes = {...} } */
static int kmeans_info(lua_State *L)
{
    sg_kmeans *km = check_kmeans(L, 1);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, km->k);
    lua_setfield(L, -2, "k");
    lua_pushinteger(L, (lua_Integer)km->cols);
    lua_setfield(L, -2, "features");
    lua_pushnumber(L, km->inertia);
    lua_setfield(L, -2, "inertia");
    lua_pushinteger(L, km->iterations);
    lua_setfield(L, -2, "iterations");
    lua_pushboolean(L, km->converged);
    lua_setfield(L, -2, "converged");
    lua_createtable(L, km->k, 0);
    for (int c = 0; c < km->k; c++) {
        lua_pushinteger(L, km->sizes ? (lua_Integer)km->sizes[c] : 0);
        lua_rawseti(L, -2, c + 1);
    }
    lua_setfield(L, -2, "sizes");
    return 1;
}

/* model:centroids() -> list of { x1, x2, ... } in the matrix's (scaled) units */
static int kmeans_centroids(lua_State *L)
{
    sg_kmeans *km = check_kmeans(L, 1);
    lua_createtable(L, km->k, 0);
    for (int c = 0; c < km->k; c++) {
        lua_createtable(L, (int)km->cols, 0);
        for (size_t j = 0; j < km->cols; j++) {
            lua_pushnumber(L, km->centroids[(size_t)c * km->cols + j]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_rawseti(L, -2, c + 1);
    }
    return 1;
}

/* model:predict(matrix) -> labels (1..k per matrix row) */
static int kmeans_predict(lua_State *L)
{
    sg_kmeans *km = check_kmeans(L, 1);
    sgl_matrix *b = check_matrix(L, 2);
    int32_t *labels = lua_newuserdatauv(L, (b->m->rows ? b->m->rows : 1) * sizeof *labels, 0);
    sg_error err;
    if (sg_kmeans_predict(km, b->m, labels, NULL, &err) != 0)
        return sgl_raise(L, &err);
    lua_createtable(L, (int)(b->m->rows < (1u << 26) ? b->m->rows : 0), 0);
    for (size_t i = 0; i < b->m->rows; i++) {
        lua_pushinteger(L, (lua_Integer)labels[i] + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* model:assign(ds, matrix [, column = "cluster"]) -> ds with the cluster of
 * each row (missing where the matrix dropped the row) */
static int kmeans_assign(lua_State *L)
{
    sg_kmeans *km = check_kmeans(L, 1);
    sgl_check_dataset(L, 2);
    sgl_matrix *b = check_matrix(L, 3);
    const char *column = luaL_optstring(L, 4, "cluster");
    lua_settop(L, 4);
    int32_t *labels = lua_newuserdatauv(L, (b->m->rows ? b->m->rows : 1) * sizeof *labels, 0);
    sg_error err;
    if (sg_kmeans_predict(km, b->m, labels, NULL, &err) != 0)
        return sgl_raise(L, &err);
    push_assignment(L, 2, b, labels, column);
    return 1;
}

static int kmeans_save(lua_State *L)
{
    sg_kmeans *km = check_kmeans(L, 1);
    const char *path = sgl_check_write_path(L, 2);
    sg_error err;
    if (sg_kmeans_save(km, path, &err) != 0)
        return sgl_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* segmint.load_kmeans(path) -> model, or nil, message */
static int l_load_kmeans(lua_State *L)
{
    const char *path = sgl_check_read_path(L, 1);
    sgl_kmeans *box = new_kmeans_box(L);
    sg_error err;
    box->km = sg_kmeans_load(path, &err);
    if (!box->km)
        return sgl_fail(L, &err);
    return 1;
}

/* model:matrix(ds) -> the matrix of ds with the scaling saved in the model */
static int kmeans_matrix(lua_State *L)
{
    return push_applied(L, 2, check_kmeans(L, 1)->scaling,
                        "matrix: this model was saved without its scaling");
}

/* ---- quality of a given labelling, and PCA ---- */

/* segmint.cluster_scores(matrix, labels (1..k), k [, { silhouette_sample = 10000, seed = 42 }])
 * -> { silhouette, calinski_harabasz, davies_bouldin } */
static int l_cluster_scores(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer kk = luaL_checkinteger(L, 3);
    size_t rows = b->m->rows;
    luaL_argcheck(L, kk >= 1 && kk <= MAX_K && (size_t)kk <= rows, 3, "k must be between 1 and the rows (at most 100)");
    int k = (int)kk;
    if ((size_t)lua_rawlen(L, 2) != rows)
        return luaL_error(L, "cluster_scores: %d labels for %d rows", (int)lua_rawlen(L, 2), (int)rows);
    int opts = sgl_check_options(L, 4);   /* before anything is pushed above the arguments */
    lua_settop(L, 4);
    static const char *const known[] = { "silhouette_sample", "seed", NULL };
    sgl_check_known(L, opts, "cluster_scores", known);
    int32_t *labels = lua_newuserdatauv(L, (rows ? rows : 1) * sizeof *labels, 0);
    for (size_t i = 0; i < rows; i++) {
        lua_rawgeti(L, 2, (lua_Integer)i + 1);
        lua_Integer v = lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (v < 1 || v > k)
            return luaL_error(L, "cluster_scores: label %d of row %d is not in 1..%d", (int)v, (int)i + 1, k);
        labels[i] = (int32_t)(v - 1);
    }
    double sample_d = sgl_opt_number(L, opts, "cluster_scores", "silhouette_sample", 10000);
    uint64_t seed = sgl_opt_seed(L, opts, "cluster_scores", 42);
    if (!(sample_d >= 2 && sample_d <= 1e8) || sample_d != floor(sample_d))
        return luaL_error(L, "cluster_scores: 'silhouette_sample' must be a whole number from 2 to 1e8");
    size_t sample = (size_t)sample_d;
    sg_error err;
    double s = sg_silhouette(b->m, labels, k, sample, seed, 0, &err);
    lua_createtable(L, 0, 3);
    isnan(s) ? lua_pushnil(L) : lua_pushnumber(L, s);
    lua_setfield(L, -2, "silhouette");
    double ch = sg_calinski_harabasz(b->m, labels, k), db = sg_davies_bouldin(b->m, labels, k);
    isnan(ch) ? lua_pushnil(L) : lua_pushnumber(L, ch);
    lua_setfield(L, -2, "calinski_harabasz");
    isnan(db) ? lua_pushnil(L) : lua_pushnumber(L, db);
    lua_setfield(L, -2, "davies_bouldin");
    return 1;
}

/* segmint.pca(matrix [, ncomp = 2]) -> { components = {{...}, ...}, explained_variance,
 *   explained_variance_ratio, projection = { {pc1...}, {pc2...} } (one array per component) } */
static int l_pca(lua_State *L)
{
    sgl_matrix *b = check_matrix(L, 1);
    lua_Integer nc = luaL_optinteger(L, 2, 2);
    if (nc < 1 || (size_t)nc > b->m->cols)
        return luaL_error(L, "pca: the number of components must be between 1 and %d", (int)b->m->cols);
    sg_error err;
    sg_pca *p = sg_pca_fit(b->m, (size_t)nc, &err);
    if (!p)
        return sgl_raise(L, &err);
    sg_matrix *proj = sg_pca_transform(p, b->m, &err);
    if (!proj) {
        sg_pca_free(p);
        return sgl_raise(L, &err);
    }
    lua_createtable(L, 0, 4);
    lua_createtable(L, (int)p->ncomp, 0);
    for (size_t c = 0; c < p->ncomp; c++) {
        lua_createtable(L, (int)p->cols, 0);
        for (size_t j = 0; j < p->cols; j++) {
            lua_pushnumber(L, p->components[c * p->cols + j]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    lua_setfield(L, -2, "components");
    lua_createtable(L, (int)p->ncomp, 0);
    lua_createtable(L, (int)p->ncomp, 0);
    for (size_t c = 0; c < p->ncomp; c++) {
        lua_pushnumber(L, p->explained_variance[c]);
        lua_rawseti(L, -3, (lua_Integer)c + 1);
        lua_pushnumber(L, p->explained_variance_ratio[c]);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    lua_setfield(L, -3, "explained_variance_ratio");
    lua_setfield(L, -2, "explained_variance");
    lua_createtable(L, (int)p->ncomp, 0);
    for (size_t c = 0; c < p->ncomp; c++) {
        lua_createtable(L, (int)(proj->rows < (1u << 26) ? proj->rows : 0), 0);
        for (size_t i = 0; i < proj->rows; i++) {
            lua_pushnumber(L, sg_matrix_row(proj, i)[c]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    lua_setfield(L, -2, "projection");
    sg_matrix_free(proj);
    sg_pca_free(p);
    return 1;
}

static const luaL_Reg matrix_methods[] = {
    { "cols", matrix_cols }, { "get", matrix_get }, { "report", matrix_report },
    { "scaling", matrix_scaling }, { "apply", matrix_apply }, { "close", matrix_gc },
    { NULL, NULL }
};
static const luaL_Reg matrix_meta[] = {
    { "__gc", matrix_gc }, { "__close", matrix_gc }, { "__tostring", matrix_tostring },
    { "__len", matrix_len }, { "__index", NULL }, { NULL, NULL }
};
static const luaL_Reg kmeans_methods[] = {
    { "info", kmeans_info }, { "centroids", kmeans_centroids }, { "predict", kmeans_predict },
    { "assign", kmeans_assign }, { "save", kmeans_save }, { "matrix", kmeans_matrix },
    { "close", kmeans_gc }, { NULL, NULL }
};
static const luaL_Reg kmeans_meta[] = {
    { "__gc", kmeans_gc }, { "__close", kmeans_gc }, { "__tostring", kmeans_tostring },
    { "__index", NULL }, { NULL, NULL }
};
static const luaL_Reg cluster_functions[] = {
    { "matrix", l_matrix }, { "kmeans", l_kmeans }, { "mpi_kmeans", l_mpi_kmeans }, { "load_kmeans", l_load_kmeans },
    { "cluster_scores", l_cluster_scores }, { "pca", l_pca }, { NULL, NULL }
};

void sgl_open_cluster(lua_State *L)
{
    sgl_new_type(L, SG_MATRIX_MT, matrix_meta, matrix_methods, 1);
    sgl_new_type(L, SG_KMEANS_MT, kmeans_meta, kmeans_methods, 1);
    luaL_setfuncs(L, cluster_functions, 0);
}
