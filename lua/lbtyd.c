/* BTYD models for Lua:
 *   segmint.btyd_summary(ds, { customer, date, amount, calibration_end, observation_end, unit,
 *                              whole_periods })
 *   segmint.btyd_fit(model, summary, { penalizer, x, t_x, T, m, weights, start, max_iter,
 *                                      tolerance, threads }) -> segmint.btyd, rows
 *   segmint.btyd_model(model, params [, { x, t_x, T, m }]) -> segmint.btyd at given parameters
 *   fit:params(), fit:info(), fit:loglik(summary), fit:expected_purchases_new(t)
 *   fit:expected_purchases(summary, t [, column]), fit:p_alive(summary [, column]),
 *   fit:p_alive_at(summary, t [, column]), fit:p_purchases(summary, n, t [, column]),
 *   fit:expected_spend(summary [, column])                      (Gamma-Gamma)
 *   segmint.btyd_clv(transactions_fit, spend_fit, summary, { horizon, period, discount_rate, margin, column })
 * Time arguments are in the unit the summary was built with (BG/BB: whole
 * opportunities).  Unknown options are refused with the list of known ones;
 * bad data (a missing value, an impossible history, a fit that runs off)
 * is reported as bad input data (exit 3 from the host), rows counted from 1. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btyd.h"
#include "btyd_summary.h"
#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "mpi.h"
#include "mpi_btyd.h"

#define SG_BTYD_MT "segmint.btyd"

typedef struct sgl_btyd {
    sg_btyd_fit fit;
    int valid;
    char x[64], tx[64], T[64], m[64];   /* column names the fit was made on */
} sgl_btyd;

static sgl_btyd *check_btyd(lua_State *L, int idx)
{
    sgl_btyd *b = luaL_checkudata(L, idx, SG_BTYD_MT);
    if (!b->valid)
        luaL_argerror(L, idx, "BTYD model is not fitted");
    return b;
}

/* Raises msg as bad input data (exit 3 from the host). */
static int data_error(lua_State *L, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sgl_note_data_error(L, buf);
    return luaL_error(L, "%s", buf);
}

static int64_t opt_time(lua_State *L, int opts, const char *key, int64_t def, int required)
{
    const char *s = sgl_opt_string(L, opts, key, NULL);
    if (!s) {
        if (required)
            luaL_error(L, "btyd_summary: option '%s' (a date) is required", key);
        return def;
    }
    int64_t v;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &v, NULL) != 0)
        luaL_error(L, "btyd_summary: option '%s' must be a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", key, s);
    return v;
}

static const char *const summary_keys[] = {"customer", "date", "amount", "calibration_end",
                                           "observation_end", "unit", "whole_periods", NULL};

/* segmint.btyd_summary(ds, opts) -> summary dataset */
static int l_btyd_summary(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sgl_check_known(L, 2, "btyd_summary", summary_keys);
    sg_btyd_summary_options o;
    o.customer = sgl_opt_string(L, 2, "customer", NULL);
    o.date = sgl_opt_string(L, 2, "date", NULL);
    o.amount = sgl_opt_string(L, 2, "amount", NULL);
    if (!o.customer || !o.date)
        return luaL_error(L, "btyd_summary: options 'customer' and 'date' (column names) are required");
    o.calibration_end = opt_time(L, 2, "calibration_end", 0, 1);
    o.observation_end = opt_time(L, 2, "observation_end", o.calibration_end, 0);
    o.unit_days = sgl_opt_unit_days(L, 2, "btyd", "weeks");
    sgl_rawfield(L, 2, "whole_periods");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
        return luaL_error(L, "btyd_summary: option 'whole_periods' must be true or false");
    o.whole_periods = lua_toboolean(L, -1);
    lua_pop(L, 1);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_btyd_summary(t, &o, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, 64, "%s", src);
}

static const char *const fit_keys[] = {"penalizer", "x", "t_x", "T", "m", "weights", "start",
                                       "max_iter", "tolerance", "threads", NULL};

/* Reads the parameters of model m from the table at idx (named: { r = ..,
 * alpha = .., ... }) into p; what names the caller and the option. */
static void read_params(lua_State *L, int idx, sg_btyd_model m, const char *what, double *p)
{
    int np = sg_btyd_nparams(m);
    idx = lua_absindex(L, idx);
    luaL_argexpected(L, lua_istable(L, idx), idx, "a table of parameters");
    for (int k = 0; k < np; k++) {
        const char *nm = sg_btyd_param_name(m, k);
        int isnum;
        sgl_rawfield(L, idx, nm);
        p[k] = (double)lua_tonumberx(L, -1, &isnum);
        if (!isnum || !(p[k] > 0) || !isfinite(p[k]))
            luaL_error(L, "%s: parameter '%s' of %s must be a number > 0", what, nm,
                       sg_btyd_model_name(m));
        lua_pop(L, 1);
    }
    /* and nothing else */
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        int ok = 0;
        for (int k = 0; k < np && lua_type(L, -2) == LUA_TSTRING; k++)
            ok |= strcmp(lua_tostring(L, -2), sg_btyd_param_name(m, k)) == 0;
        if (!ok)
            luaL_error(L, "%s: '%s' is not a parameter of %s", what,
                       lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?",
                       sg_btyd_model_name(m));
        lua_pop(L, 1);
    }
}

static void set_names(lua_State *L, sgl_btyd *b, int opts)
{
    copy_name(b->x, sgl_opt_string(L, opts, "x", "x"));
    copy_name(b->tx, sgl_opt_string(L, opts, "t_x", "t_x"));
    copy_name(b->T, sgl_opt_string(L, opts, "T", "T"));
    copy_name(b->m, sgl_opt_string(L, opts, "m", "mean_spend"));
}

/* segmint.btyd_fit("bgnbd" | "mbgnbd" | "pareto_nbd" | "bgbb" | "gamma_gamma", summary,
 *                  { penalizer = 0, x = "x", t_x = "t_x", T = "T", m = "mean_spend",
 *                    weights = nil, start = nil, max_iter = 1000, tolerance = 1e-8,
 *                    threads = 0 }) */
static int l_btyd_fit(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    sg_table *t = sgl_check_dataset(L, 2);
    int opts = sgl_check_options(L, 3);
    lua_settop(L, 3);
    sg_btyd_model m;
    if (sg_btyd_model_parse(name, &m) != 0)
        return luaL_error(L, "btyd_fit: unknown model '%s' (bgnbd, mbgnbd, pareto_nbd, bgbb, "
                             "gamma_gamma)", name);
    sgl_check_known(L, opts, "btyd_fit", fit_keys);
    sg_btyd_fit_options fo;
    sg_btyd_fit_options_init(&fo);
    fo.penalizer = sgl_opt_number(L, opts, "btyd_fit", "penalizer", 0);
    if (!(fo.penalizer >= 0) || !isfinite(fo.penalizer))
        return luaL_error(L, "btyd_fit: 'penalizer' must be a number >= 0");
    double mi = sgl_opt_number(L, opts, "btyd_fit", "max_iter", 1000);
    if (!(mi >= 1 && mi <= 1e7) || mi != floor(mi))
        return luaL_error(L, "btyd_fit: 'max_iter' must be a whole number >= 1");
    fo.max_iter = (int)mi;
    fo.tolerance = sgl_opt_number(L, opts, "btyd_fit", "tolerance", 1e-8);
    if (!(fo.tolerance > 0) || !isfinite(fo.tolerance))
        return luaL_error(L, "btyd_fit: 'tolerance' must be a number > 0");
    double th = sgl_opt_number(L, opts, "btyd_fit", "threads", 0);
    if (!(th >= 0 && th <= 64) || th != floor(th))
        return luaL_error(L, "btyd_fit: 'threads' must be a whole number from 0 to 64");
    fo.threads = (int)th;
    double start[4];
    if (opts && sgl_rawfield(L, opts, "start") != LUA_TNIL) {
        read_params(L, -1, m, "btyd_fit: option 'start'", start);
        fo.start = start;
    }
    lua_settop(L, 3);
    const char *wname = sgl_opt_string(L, opts, "weights", NULL);
    sgl_btyd *b = lua_newuserdatauv(L, sizeof *b, 0);   /* 4 */
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_BTYD_MT);
    set_names(L, b, opts);
    size_t n = t->nrows;
    sg_error err;
    if (m == SG_GAMMA_GAMMA) {
        if (wname)
            return luaL_error(L, "btyd_fit: gamma_gamma takes one row per customer (no 'weights')");
        double *x = sgl_column_values(L, t, b->x, "btyd", "repeat purchases", 0);
        double *mv = sgl_column_values(L, t, b->m, "btyd", "mean repeat spend", 0);
        size_t skipped = 0;
        if (sg_gamma_gamma_fit(x, mv, n, &fo, &b->fit, &skipped, &err) != 0)
            return sgl_raise(L, &err);
        lua_pop(L, 2);
        b->valid = 1;
        lua_pushinteger(L, (lua_Integer)skipped);
        return 2;
    }
    double *x = sgl_column_values(L, t, b->x, "btyd", "repeat purchases", 0);
    double *tx = sgl_column_values(L, t, b->tx, "btyd", "first to last purchase", 0);
    double *T = sgl_column_values(L, t, b->T, "btyd", "first purchase to the end of calibration", 0);
    double *w = wname ? sgl_column_values(L, t, wname, "btyd", "weights", 0) : NULL;
    sg_btyd_data *d = sg_btyd_collapse_model(m, x, tx, T, w, n, &err);
    if (!d)
        return sgl_raise(L, &err);
    int rc = sg_btyd_fit_transactions(m, d, &fo, &b->fit, &err);
    size_t rows = d->n;
    sg_btyd_data_free(d);
    if (rc != 0)
        return sgl_raise(L, &err);
    lua_settop(L, 4);
    b->valid = 1;
    lua_pushinteger(L, (lua_Integer)rows);   /* distinct (x, t_x, T) rows fitted */
    return 2;
}

/* The BTYD summary's options of an MPI call from the table at index opts
 * (customer and date required; who names the call in messages). */
static void mpi_summary_options(lua_State *L, int opts, const char *who, sg_btyd_summary_options *so)
{
    so->customer = sgl_opt_string(L, opts, "customer", NULL);
    so->date = sgl_opt_string(L, opts, "date", NULL);
    so->amount = sgl_opt_string(L, opts, "amount", NULL);
    if (!so->customer || !so->date)
        luaL_error(L, "%s: options 'customer' and 'date' (column names) are required", who);
    so->calibration_end = opt_time(L, opts, "calibration_end", 0, 1);
    so->observation_end = opt_time(L, opts, "observation_end", so->calibration_end, 0);
    so->unit_days = sgl_opt_unit_days(L, opts, "btyd", "weeks");
}

static const char *const mpi_fit_keys[] = {"customer", "date", "amount", "calibration_end", "observation_end",
                                           "unit", "penalizer", NULL};

/* segmint.mpi_btyd_fit(model, gen, { customer, date, amount, calibration_end,
 *                      observation_end, unit, penalizer }) -> fit, skipped,
 * ranks: the fit segmint.btyd_fit gives on segmint.btyd_summary of the
 * cleaned transactions with those options, computed by the MPI ranks that
 * own the customers over the cleaned rows the exchange number gen left
 * them, their log-likelihood and gradient sums added by MPI_Allreduce at
 * every evaluation (the same bits); skipped: Gamma-Gamma's customers
 * without a repeat purchase (0 for the others); ranks = { ranks =,
 * customers = { per rank }, reductions =, bytes = (per rank),
 * seconds = { summary =, fit = } }.  nil and why when the ranks cannot;
 * the error of segmint.btyd_fit when the fit fails. */
static int l_mpi_btyd_fit(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    uint64_t gen = (uint64_t)luaL_checkinteger(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    sgl_check_known(L, 3, "mpi_btyd_fit", mpi_fit_keys);
    sg_mpi_btyd_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = gen;
    if (sg_btyd_model_parse(name, &c.model) != 0)
        return luaL_error(L, "mpi_btyd_fit: unknown model '%s' (bgnbd, mbgnbd, pareto_nbd, bgbb, gamma_gamma)",
                          name);
    mpi_summary_options(L, 3, "mpi_btyd_fit", &c.so);
    c.penalizer = sgl_opt_number(L, 3, "mpi_btyd_fit", "penalizer", 0);
    if (!(c.penalizer >= 0) || !isfinite(c.penalizer))
        return luaL_error(L, "mpi_btyd_fit: 'penalizer' must be a number >= 0");
    sg_btyd_fit_options dflt;
    sg_btyd_fit_options_init(&dflt);
    c.tolerance = dflt.tolerance;
    c.max_iter = dflt.max_iter;
    int n = sg_mpi_size();
    uint64_t *ncust = lua_newuserdatauv(L, (size_t)n * sizeof *ncust, 0);   /* 4 */
    memset(ncust, 0, (size_t)n * sizeof *ncust);
    sgl_btyd *b = lua_newuserdatauv(L, sizeof *b, 0);   /* 5 */
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_BTYD_MT);
    set_names(L, b, 0);
    sg_mpi_btyd_stats st = { ncust, 0, 0, { 0, 0 } };
    size_t skipped = 0;
    char why[400] = "";
    sg_error err;
    int rc = sg_mpi_btyd_fit(&c, &b->fit, &skipped, &st, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    b->valid = 1;
    lua_pushinteger(L, (lua_Integer)skipped);
    sgl_push_mpi_stats(L, n, ncust, "bytes", st.bytes, "summary", "fit", st.secs);
    lua_pushinteger(L, (lua_Integer)st.reductions);
    lua_setfield(L, -2, "reductions");
    return 3;
}

static const char *const mpi_summary_keys[] = {"customer", "date", "amount", "calibration_end", "observation_end",
                                               "unit", NULL};
static const char *const mpi_pred_keys[] = {"kind", "model", "spend", "t", "horizon", "period", "discount_rate",
                                            "margin", "column", NULL};

/* The prediction described by the table at idx (the n-th) into p, with
 * the checks of fit:p_alive, fit:expected_purchases and segmint.btyd_clv. */
static void read_prediction(lua_State *L, int idx, int n, sg_mpi_btyd_pred *p)
{
    luaL_argexpected(L, lua_istable(L, idx), 4, "a list of prediction tables");
    sgl_check_known(L, idx, "mpi_btyd_summary", mpi_pred_keys);
    const char *kind = sgl_opt_string(L, idx, "kind", "");
    p->kind = strcmp(kind, "p_alive") == 0 ? SG_BTYD_SCORE_P_ALIVE
              : strcmp(kind, "expected_purchases") == 0 ? SG_BTYD_SCORE_EXPECTED
              : strcmp(kind, "clv") == 0 ? SG_BTYD_SCORE_CLV : (sg_btyd_score_kind)-1;
    if ((int)p->kind < 0)
        luaL_error(L, "mpi_btyd_summary: prediction %d: 'kind' must be p_alive, expected_purchases or clv", n);
    sgl_rawfield(L, idx, "model");
    const sgl_btyd *tm = check_btyd(L, lua_gettop(L));
    if (tm->fit.model == SG_GAMMA_GAMMA)
        luaL_error(L, "mpi_btyd_summary: prediction %d: a transaction model (bgnbd, mbgnbd, pareto_nbd, bgbb) is "
                      "needed, not gamma_gamma", n);
    p->model = tm->fit.model;
    memcpy(p->params, tm->fit.params, sizeof p->params);
    lua_pop(L, 1);
    p->column = sgl_opt_string(L, idx, "column", NULL);
    if (!p->column)
        luaL_error(L, "mpi_btyd_summary: prediction %d: 'column' is required", n);
    if (p->kind == SG_BTYD_SCORE_EXPECTED) {
        p->t = sgl_opt_number(L, idx, "mpi_btyd_summary", "t", -1);
        if (!(p->t >= 0 && isfinite(p->t)) || (p->model == SG_BGBB && p->t != floor(p->t)))
            luaL_error(L, "mpi_btyd_summary: prediction %d: 't' must be a time >= 0 (in the summary's unit; "
                          "a whole number of opportunities for bgbb)", n);
    } else if (p->kind == SG_BTYD_SCORE_CLV) {
        sgl_rawfield(L, idx, "spend");
        const sgl_btyd *gg = check_btyd(L, lua_gettop(L));
        if (gg->fit.model != SG_GAMMA_GAMMA)
            luaL_error(L, "mpi_btyd_summary: prediction %d: 'spend' must be a gamma_gamma model", n);
        memcpy(p->gg, gg->fit.params, sizeof p->gg);
        lua_pop(L, 1);
        double horizon = sgl_opt_number(L, idx, "mpi_btyd_summary", "horizon", 12);
        if (!(horizon >= 1 && horizon <= 10000) || horizon != floor(horizon))
            luaL_error(L, "btyd_clv: 'horizon' must be a whole number of periods >= 1");
        p->horizon = (int)horizon;
        p->period = sgl_opt_number(L, idx, "mpi_btyd_summary", "period", 1);
        p->discount = sgl_opt_number(L, idx, "mpi_btyd_summary", "discount_rate", 0.01);
        p->margin = sgl_opt_number(L, idx, "mpi_btyd_summary", "margin", 1);
        if (!(p->period > 0) || !(p->discount >= 0) || !(p->margin >= 0))
            luaL_error(L, "btyd_clv: 'period' must be > 0, 'discount_rate' and 'margin' >= 0");
        if (p->model == SG_BGBB && p->period != floor(p->period))
            luaL_error(L, "btyd_clv: 'period' must be a whole number of opportunities for bgbb");
    }
}

/* segmint.mpi_btyd_summary(cleaned, gen, { customer, date, amount,
 *                          calibration_end, observation_end, unit },
 *                          { { kind, model, spend, t, horizon, period,
 *                              discount_rate, margin, column }, ... } [, summary])
 *   -> summary, ranks
 * The table segmint.btyd_summary gives over the cleaned table (its
 * customer column's type is read from `cleaned`), with one column per
 * prediction: kind "p_alive" (fit:p_alive), "expected_purchases" over t
 * (fit:expected_purchases), "clv" with the Gamma-Gamma `spend`
 * (segmint.btyd_clv's options), in that order; computed by the MPI ranks
 * that own the customers over the cleaned rows the exchange number gen
 * left them, each sending rank 0 its customers' rows of the result.
 * Given `summary` (an earlier result of the same options), the owners send
 * only each customer's id and predictions, which are added to it (after a
 * check that it has the same customers in the same order).
 * ranks = { ranks =, customers = { per rank }, bytes = (gathered),
 * seconds = { summary =, gather = } }.  nil and why when the ranks cannot. */
static int l_mpi_btyd_summary(lua_State *L)
{
    const sg_table *t = sgl_check_shape(L, 1);
    uint64_t gen = (uint64_t)luaL_checkinteger(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    int np = lua_isnoneornil(L, 4) ? 0 : (luaL_checktype(L, 4, LUA_TTABLE), (int)luaL_len(L, 4));
    const sg_table *base = lua_isnoneornil(L, 5) ? NULL : sgl_check_dataset(L, 5);
    lua_settop(L, 5);
    sgl_check_known(L, 3, "mpi_btyd_summary", mpi_summary_keys);
    sg_mpi_btyd_scmd c;
    memset(&c, 0, sizeof c);
    c.gen = gen;
    mpi_summary_options(L, 3, "mpi_btyd_summary", &c.so);
    if (np > SG_MPI_BTYD_MAXPRED)
        return luaL_error(L, "mpi_btyd_summary: at most %d predictions", SG_MPI_BTYD_MAXPRED);
    c.npred = np;
    c.bare = base != NULL;
    for (int k = 0; k < np; k++) {
        lua_rawgeti(L, 4, k + 1);   /* 6..: kept while c is used (its strings) */
        read_prediction(L, lua_gettop(L), k + 1, &c.pred[k]);
    }
    const sg_column *cc = sg_table_col(t, c.so.customer);
    if (!cc) {
        lua_pushnil(L);
        lua_pushfstring(L, "no column '%s'", c.so.customer);
        return 2;
    }
    int n = sg_mpi_size();
    uint64_t *ncust = lua_newuserdatauv(L, (size_t)n * sizeof *ncust, 0);
    memset(ncust, 0, (size_t)n * sizeof *ncust);
    sgl_dataset *d = sgl_new_dataset(L);   /* holds the table as soon as there is one */
    uint64_t gathered = 0;
    double secs[2] = { 0, 0 };
    char why[400] = "";
    sg_error err;
    int rc = sg_mpi_btyd_summary(&c, cc->type, base, &d->t, ncust, &gathered, secs, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    sgl_push_mpi_stats(L, n, ncust, "bytes", gathered, "summary", "gather", secs);
    return 2;
}

static const char *const model_keys[] = {"x", "t_x", "T", "m", NULL};

/* segmint.btyd_model(model, { params }, [{ x, t_x, T, m }]): a model at
 * given parameters, for predictions without a fit. */
static int l_btyd_model(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    sg_btyd_model m;
    if (sg_btyd_model_parse(name, &m) != 0)
        return luaL_error(L, "btyd_model: unknown model '%s' (bgnbd, mbgnbd, pareto_nbd, bgbb, "
                             "gamma_gamma)", name);
    luaL_checktype(L, 2, LUA_TTABLE);
    int opts = sgl_check_options(L, 3);
    sgl_check_known(L, opts, "btyd_model", model_keys);
    double p[4];
    read_params(L, 2, m, "btyd_model", p);
    sgl_btyd *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_BTYD_MT);
    set_names(L, b, opts);
    sg_error err;
    if (sg_btyd_fit_from_params(m, p, &b->fit, &err) != 0)
        return sgl_raise(L, &err);
    b->valid = 1;
    return 1;
}

static int btyd_params(lua_State *L)
{
    sgl_btyd *b = check_btyd(L, 1);
    lua_createtable(L, 0, 4);
    for (int k = 0; k < b->fit.nparams; k++) {
        lua_pushnumber(L, b->fit.params[k]);
        lua_setfield(L, -2, sg_btyd_param_name(b->fit.model, k));
    }
    return 1;
}

static int btyd_info(lua_State *L)
{
    sgl_btyd *b = check_btyd(L, 1);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, sg_btyd_model_name(b->fit.model));
    lua_setfield(L, -2, "model");
    if (isnan(b->fit.loglik))
        lua_pushnil(L);   /* a model at given parameters was not fitted */
    else
        lua_pushnumber(L, b->fit.loglik);
    lua_setfield(L, -2, "loglik");
    lua_pushinteger(L, b->fit.iterations);
    lua_setfield(L, -2, "iterations");
    lua_pushboolean(L, b->fit.converged);
    lua_setfield(L, -2, "converged");
    lua_pushstring(L, b->fit.method);
    lua_setfield(L, -2, "method");
    lua_pushinteger(L, (lua_Integer)b->fit.customers);
    lua_setfield(L, -2, "customers");
    lua_createtable(L, 0, 4);
    for (int k = 0; k < b->fit.nparams; k++) {
        if (isnan(b->fit.se[k]))
            lua_pushnil(L);
        else
            lua_pushnumber(L, b->fit.se[k]);
        lua_setfield(L, -2, sg_btyd_param_name(b->fit.model, k));
    }
    lua_setfield(L, -2, "se");
    return 1;
}

static int btyd_tostring(lua_State *L)
{
    sgl_btyd *b = luaL_checkudata(L, 1, SG_BTYD_MT);
    if (!b->valid) {
        lua_pushliteral(L, "btyd(not fitted)");
        return 1;
    }
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    lua_pushfstring(L, "%s(", sg_btyd_model_name(b->fit.model));
    luaL_addvalue(&buf);
    for (int k = 0; k < b->fit.nparams; k++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s%s=%.4g", k ? ", " : "", sg_btyd_param_name(b->fit.model, k),
                 b->fit.params[k]);
        luaL_addstring(&buf, tmp);
    }
    luaL_addstring(&buf, ")");
    luaL_pushresult(&buf);
    return 1;
}

typedef struct pred_args {
    sg_btyd_score_kind kind;
    double t;
    int n;
    const sgl_btyd *tm, *gg;
    int horizon;
    double period, discount, margin;
} pred_args;

/* Adds column `name` to the summary at idx with one prediction per row. */
static int predict_column(lua_State *L, int idx, const pred_args *a, const char *name)
{
    sg_table *t = sgl_check_dataset(L, idx);
    const sgl_btyd *names = a->tm ? a->tm : a->gg;
    int need_hist = a->kind != SG_BTYD_SCORE_SPEND;
    int need_m = a->kind == SG_BTYD_SCORE_SPEND || a->kind == SG_BTYD_SCORE_CLV;
    double *x = sgl_column_values(L, t, names->x, "btyd", "repeat purchases", 0);
    double *tx = need_hist ? sgl_column_values(L, t, names->tx, "btyd", "first to last purchase", 0) : NULL;
    double *T = need_hist ? sgl_column_values(L, t, names->T, "btyd", "first purchase to the end of calibration", 0) : NULL;
    double *m = need_m ? sgl_column_values(L, t, (a->gg ? a->gg : names)->m, "btyd", "mean repeat spend", 0) : NULL;
    sg_btyd_score s = { a->kind, a->tm ? &a->tm->fit : NULL, a->gg ? &a->gg->fit : NULL, a->t, a->n,
                        a->horizon, a->period, a->discount, a->margin };
    sg_error err;
    sg_column *c = sg_btyd_score_column(&s, x, tx, T, m, t->nrows, name, &err);
    if (!c)
        return sgl_raise(L, &err);
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_share(t);
    if (!d->t) {
        sg_column_release(c);
        return luaL_error(L, "out of memory");
    }
    if (sg_table_set(d->t, c, &err) != 0)
        return sgl_raise(L, &err);
    return 1;
}

static const sgl_btyd *check_transactions_model(lua_State *L, int idx)
{
    const sgl_btyd *b = check_btyd(L, idx);
    if (b->fit.model == SG_GAMMA_GAMMA)
        luaL_argerror(L, idx, "a transaction model (bgnbd, mbgnbd, pareto_nbd, bgbb) is needed, not gamma_gamma");
    return b;
}

/* A time >= 0; for BG/BB (model at 1) a whole number of opportunities. */
static double check_time_for(lua_State *L, int idx, int model_idx)
{
    double t = (double)luaL_checknumber(L, idx);
    luaL_argcheck(L, t >= 0 && isfinite(t), idx, "a time >= 0 (in the summary's unit)");
    const sgl_btyd *b = check_btyd(L, model_idx);
    if (b->fit.model == SG_BGBB && t != floor(t))
        luaL_argerror(L, idx, "a whole number of opportunities for bgbb");
    return t;
}

#define check_time(L, idx) check_time_for(L, idx, 1)

static int btyd_expected(lua_State *L)
{
    pred_args a = { SG_BTYD_SCORE_EXPECTED, check_time(L, 3), 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 4);
    return predict_column(L, 2, &a, luaL_optstring(L, 4, "expected_purchases"));
}

static int btyd_p_alive(lua_State *L)
{
    pred_args a = { SG_BTYD_SCORE_P_ALIVE, 0, 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 3);
    return predict_column(L, 2, &a, luaL_optstring(L, 3, "p_alive"));
}

static int btyd_p_alive_at(lua_State *L)
{
    pred_args a = { SG_BTYD_SCORE_P_ALIVE_AT, check_time(L, 3), 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 4);
    return predict_column(L, 2, &a, luaL_optstring(L, 4, "p_alive_at"));
}

static int btyd_p_purchases(lua_State *L)
{
    if (check_transactions_model(L, 1)->fit.model == SG_BGBB)
        return luaL_argerror(L, 1, "p_purchases is not available for bgbb");
    lua_Integer n = luaL_checkinteger(L, 3);
    luaL_argcheck(L, n >= 0 && n <= 100000, 3, "a number of purchases >= 0");
    pred_args a = { SG_BTYD_SCORE_P_PURCHASES, check_time(L, 4), (int)n, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 5);
    return predict_column(L, 2, &a, luaL_optstring(L, 5, "p_purchases"));
}

static int btyd_expected_spend(lua_State *L)
{
    const sgl_btyd *b = check_btyd(L, 1);
    if (b->fit.model != SG_GAMMA_GAMMA)
        return luaL_argerror(L, 1, "expected_spend needs a gamma_gamma model");
    pred_args a = { SG_BTYD_SCORE_SPEND, 0, 0, NULL, b, 0, 0, 0, 0 };
    lua_settop(L, 3);
    return predict_column(L, 2, &a, luaL_optstring(L, 3, "expected_spend"));
}

/* segmint.btyd_clv(tm, gg, summary, { horizon = 12, period = 1, discount_rate = 0.01,
 *                                    margin = 1, column = "clv" })
 * horizon periods of `period` units each (months over a summary in weeks:
 * period = 30.4375 / 7) */
static int l_btyd_clv(lua_State *L)
{
    const sgl_btyd *tm = check_transactions_model(L, 1);
    const sgl_btyd *gg = check_btyd(L, 2);
    if (gg->fit.model != SG_GAMMA_GAMMA)
        return luaL_argerror(L, 2, "a gamma_gamma model is needed");
    int opts = sgl_check_options(L, 4);
    static const char *const clv_keys[] = {"horizon", "period", "discount_rate", "margin", "column",
                                           NULL};
    sgl_check_known(L, opts, "btyd_clv", clv_keys);
    pred_args a = { SG_BTYD_SCORE_CLV, 0, 0, tm, gg, 0, 0, 0, 0 };
    double horizon = sgl_opt_number(L, opts, "btyd_clv", "horizon", 12);
    if (!(horizon >= 1 && horizon <= 10000) || horizon != floor(horizon))
        return luaL_error(L, "btyd_clv: 'horizon' must be a whole number of periods >= 1");
    a.horizon = (int)horizon;
    a.period = sgl_opt_number(L, opts, "btyd_clv", "period", 1);
    a.discount = sgl_opt_number(L, opts, "btyd_clv", "discount_rate", 0.01);
    a.margin = sgl_opt_number(L, opts, "btyd_clv", "margin", 1);
    if (!(a.period > 0) || !(a.discount >= 0) || !(a.margin >= 0))
        return luaL_error(L, "btyd_clv: 'period' must be > 0, 'discount_rate' and 'margin' >= 0");
    if (tm->fit.model == SG_BGBB && a.period != floor(a.period))
        return luaL_error(L, "btyd_clv: 'period' must be a whole number of opportunities for bgbb");
    const char *column = sgl_opt_string(L, opts, "column", "clv");
    lua_settop(L, 4);
    return predict_column(L, 3, &a, column);
}

/* fit:loglik(summary): the total log-likelihood of the summary's rows
 * (weighted by the fit's weights column when one is given as argument 3). */
static int btyd_loglik(lua_State *L)
{
    const sgl_btyd *b = check_transactions_model(L, 1);
    sg_table *t = sgl_check_dataset(L, 2);
    const char *wname = luaL_optstring(L, 3, NULL);
    double *x = sgl_column_values(L, t, b->x, "btyd", "repeat purchases", 0);
    double *tx = sgl_column_values(L, t, b->tx, "btyd", "first to last purchase", 0);
    double *T = sgl_column_values(L, t, b->T, "btyd", "first purchase to the end of calibration", 0);
    double *w = wname ? sgl_column_values(L, t, wname, "btyd", "weights", 0) : NULL;
    sg_error err;
    sg_btyd_data *d = sg_btyd_collapse_model(b->fit.model, x, tx, T, w, t->nrows, &err);
    if (!d)
        return sgl_raise(L, &err);
    double ll = sg_btyd_loglik(b->fit.model, b->fit.params, d);
    sg_btyd_data_free(d);
    if (!isfinite(ll))
        return data_error(L, "%s: the log-likelihood of these rows is not finite",
                          sg_btyd_model_name(b->fit.model));
    lua_pushnumber(L, ll);
    return 1;
}

/* fit:expected_purchases_new(t): E[X(t)] for a new customer. */
static int btyd_expected_new(lua_State *L)
{
    const sgl_btyd *b = check_transactions_model(L, 1);
    double t = check_time(L, 2);
    lua_pushnumber(L, sg_btyd_expected_purchases_new(&b->fit, t));
    return 1;
}

static const luaL_Reg btyd_methods[] = {
    { "loglik", btyd_loglik }, { "expected_purchases_new", btyd_expected_new },
    { "params", btyd_params }, { "info", btyd_info }, { "expected_purchases", btyd_expected },
    { "p_alive", btyd_p_alive }, { "p_alive_at", btyd_p_alive_at }, { "p_purchases", btyd_p_purchases },
    { "expected_spend", btyd_expected_spend }, { NULL, NULL }
};
static const luaL_Reg btyd_meta[] = {
    { "__tostring", btyd_tostring }, { "__index", NULL }, { NULL, NULL }
};
static const luaL_Reg btyd_functions[] = {
    { "btyd_summary", l_btyd_summary }, { "btyd_fit", l_btyd_fit }, { "btyd_clv", l_btyd_clv },
    { "btyd_model", l_btyd_model }, { "mpi_btyd_fit", l_mpi_btyd_fit },
    { "mpi_btyd_summary", l_mpi_btyd_summary },
    { NULL, NULL }
};

void sgl_open_btyd(lua_State *L)
{
    sgl_new_type(L, SG_BTYD_MT, btyd_meta, btyd_methods, 1);
    luaL_setfuncs(L, btyd_functions, 0);
}
