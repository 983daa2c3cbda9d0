/* BTYD models for Lua:
 *   segmint.btyd_summary(ds, { customer, date, amount, calibration_end, observation_end, unit })
 *   segmint.btyd_fit(model, summary, { penalizer, x, t_x, T, m }) -> segmint.btyd
 *   fit:params(), fit:info(), fit:loglik(summary)
 *   fit:expected_purchases(summary, t [, column]), fit:p_alive(summary [, column]),
 *   fit:p_alive_at(summary, t [, column]), fit:p_purchases(summary, n, t [, column]),
 *   fit:expected_spend(summary [, column])                      (Gamma-Gamma)
 *   segmint.btyd_clv(transactions_fit, spend_fit, summary, { horizon, period, discount_rate, margin, column })
 * Time arguments are in the unit the summary was built with. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "btyd.h"
#include "btyd_summary.h"
#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"

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

static double unit_of(lua_State *L, int opts)
{
    const char *unit = sgl_opt_string(L, opts, "unit", "weeks");
    if (strcmp(unit, "days") == 0)
        return 1;
    if (strcmp(unit, "weeks") == 0)
        return 7;
    if (strcmp(unit, "months") == 0)
        return 30.4375;
    luaL_error(L, "btyd: option 'unit' must be \"days\", \"weeks\" or \"months\", got '%s'", unit);
    return 0;
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

/* segmint.btyd_summary(ds, opts) -> summary dataset */
static int l_btyd_summary(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_btyd_summary_options o;
    o.customer = sgl_opt_string(L, 2, "customer", NULL);
    o.date = sgl_opt_string(L, 2, "date", NULL);
    o.amount = sgl_opt_string(L, 2, "amount", NULL);
    if (!o.customer || !o.date)
        return luaL_error(L, "btyd_summary: options 'customer' and 'date' (column names) are required");
    o.calibration_end = opt_time(L, 2, "calibration_end", 0, 1);
    o.observation_end = opt_time(L, 2, "observation_end", o.calibration_end, 0);
    o.unit_days = unit_of(L, 2);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_btyd_summary(t, &o, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* The named double/int column of t as a freshly allocated double array. */
static double *column_values(lua_State *L, sg_table *t, const char *name, const char *what)
{
    sg_column *c = sg_table_col(t, name);
    if (!c || !sg_type_is_numeric(c->type))
        luaL_error(L, "btyd: the summary has no numeric column '%s' (%s)", name, what);
    double *v = lua_newuserdatauv(L, (t->nrows ? t->nrows : 1) * sizeof *v, 0);
    for (size_t i = 0; i < t->nrows; i++) {
        v[i] = sg_column_num(c, i);
        if (isnan(v[i]))
            luaL_error(L, "btyd: column '%s' has a missing value on row %d", name, (int)i + 1);
    }
    return v;
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, 64, "%s", src);
}

/* segmint.btyd_fit("bgnbd" | "mbgnbd" | "pareto_nbd" | "gamma_gamma", summary,
 *                  { penalizer = 0, x = "x", t_x = "t_x", T = "T", m = "mean_spend" }) */
static int l_btyd_fit(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    sg_table *t = sgl_check_dataset(L, 2);
    int opts = sgl_check_options(L, 3);
    lua_settop(L, 3);
    sg_btyd_model m;
    if (sg_btyd_model_parse(name, &m) != 0)
        return luaL_error(L, "btyd_fit: unknown model '%s' (bgnbd, mbgnbd, pareto_nbd, gamma_gamma)", name);
    sg_btyd_fit_options fo;
    sg_btyd_fit_options_init(&fo);
    fo.penalizer = sgl_opt_number(L, opts, "btyd_fit", "penalizer", 0);
    if (!(fo.penalizer >= 0))
        return luaL_error(L, "btyd_fit: 'penalizer' must be >= 0");
    sgl_btyd *b = lua_newuserdatauv(L, sizeof *b, 0);   /* 4 */
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, SG_BTYD_MT);
    copy_name(b->x, sgl_opt_string(L, opts, "x", "x"));
    copy_name(b->tx, sgl_opt_string(L, opts, "t_x", "t_x"));
    copy_name(b->T, sgl_opt_string(L, opts, "T", "T"));
    copy_name(b->m, sgl_opt_string(L, opts, "m", "mean_spend"));
    size_t n = t->nrows;
    sg_error err;
    if (m == SG_GAMMA_GAMMA) {
        double *x = column_values(L, t, b->x, "repeat purchases");
        double *mv = column_values(L, t, b->m, "mean repeat spend");
        size_t skipped = 0;
        if (sg_gamma_gamma_fit(x, mv, n, &fo, &b->fit, &skipped, &err) != 0)
            return sgl_raise(L, &err);
        lua_pop(L, 2);
        b->valid = 1;
        lua_pushinteger(L, (lua_Integer)skipped);
        return 2;
    }
    double *x = column_values(L, t, b->x, "repeat purchases");
    double *tx = column_values(L, t, b->tx, "first to last purchase");
    double *T = column_values(L, t, b->T, "first purchase to the end of calibration");
    sg_btyd_data *d = sg_btyd_collapse(x, tx, T, n, &err);
    if (!d)
        return sgl_raise(L, &err);
    int rc = sg_btyd_fit_transactions(m, d, &fo, &b->fit, &err);
    size_t rows = d->n;
    sg_btyd_data_free(d);
    if (rc != 0)
        return sgl_raise(L, &err);
    lua_pop(L, 3);
    b->valid = 1;
    lua_pushinteger(L, (lua_Integer)rows);   /* distinct (x, t_x, T) rows fitted */
    return 2;
}

static const char *const param_names[4][4] = {
    { "r", "alpha", "a", "b" }, { "r", "alpha", "a", "b" },
    { "r", "alpha", "s", "beta" }, { "p", "q", "v", NULL },
};

static int btyd_params(lua_State *L)
{
    sgl_btyd *b = check_btyd(L, 1);
    lua_createtable(L, 0, 4);
    for (int k = 0; k < b->fit.nparams; k++) {
        lua_pushnumber(L, b->fit.params[k]);
        lua_setfield(L, -2, param_names[b->fit.model][k]);
    }
    return 1;
}

static int btyd_info(lua_State *L)
{
    sgl_btyd *b = check_btyd(L, 1);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, sg_btyd_model_name(b->fit.model));
    lua_setfield(L, -2, "model");
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
        lua_setfield(L, -2, param_names[b->fit.model][k]);
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
        snprintf(tmp, sizeof tmp, "%s%s=%.4g", k ? ", " : "", param_names[b->fit.model][k], b->fit.params[k]);
        luaL_addstring(&buf, tmp);
    }
    luaL_addstring(&buf, ")");
    luaL_pushresult(&buf);
    return 1;
}

/* The kinds of per-customer prediction. */
enum { P_EXPECTED, P_ALIVE, P_ALIVE_AT, P_PURCHASES, P_SPEND, P_CLV };

typedef struct pred_args {
    int kind;
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
    int need_hist = a->kind != P_SPEND;
    int need_m = a->kind == P_SPEND || a->kind == P_CLV;
    double *x = column_values(L, t, names->x, "repeat purchases");
    double *tx = need_hist ? column_values(L, t, names->tx, "first to last purchase") : NULL;
    double *T = need_hist ? column_values(L, t, names->T, "first purchase to the end of calibration") : NULL;
    double *m = need_m ? column_values(L, t, (a->gg ? a->gg : names)->m, "mean repeat spend") : NULL;
    sg_column *c = sg_column_new(name, SG_DOUBLE, t->nrows);
    if (!c)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        double v = NAN;
        const sg_btyd_fit *f = a->tm ? &a->tm->fit : NULL;
        switch (a->kind) {
        case P_EXPECTED: v = sg_btyd_expected_purchases(f, a->t, x[i], tx[i], T[i]); break;
        case P_ALIVE: v = sg_btyd_p_alive(f, x[i], tx[i], T[i]); break;
        case P_ALIVE_AT: v = sg_btyd_p_alive_at(f, a->t, x[i], tx[i], T[i]); break;
        case P_PURCHASES: v = sg_btyd_p_purchases(f, a->n, a->t, x[i], tx[i], T[i]); break;
        case P_SPEND: v = sg_gamma_gamma_expected_spend(&a->gg->fit, x[i], m[i]); break;
        case P_CLV:
            v = sg_btyd_clv(f, &a->gg->fit, x[i], tx[i], T[i], m[i], a->horizon, a->period, a->discount,
                            a->margin);
            break;
        }
        int rc = isfinite(v) ? sg_column_push_f64(c, v) : sg_column_push_na(c);
        if (rc) {
            sg_column_release(c);
            return luaL_error(L, "out of memory");
        }
    }
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_share(t);
    sg_error err;
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
        luaL_argerror(L, idx, "a transaction model (bgnbd, mbgnbd, pareto_nbd) is needed, not gamma_gamma");
    return b;
}

static double check_time(lua_State *L, int idx)
{
    double t = (double)luaL_checknumber(L, idx);
    luaL_argcheck(L, t >= 0 && isfinite(t), idx, "a time >= 0 (in the summary's unit)");
    return t;
}

static int btyd_expected(lua_State *L)
{
    pred_args a = { P_EXPECTED, check_time(L, 3), 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 4);
    return predict_column(L, 2, &a, luaL_optstring(L, 4, "expected_purchases"));
}

static int btyd_p_alive(lua_State *L)
{
    pred_args a = { P_ALIVE, 0, 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 3);
    return predict_column(L, 2, &a, luaL_optstring(L, 3, "p_alive"));
}

static int btyd_p_alive_at(lua_State *L)
{
    pred_args a = { P_ALIVE_AT, check_time(L, 3), 0, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 4);
    return predict_column(L, 2, &a, luaL_optstring(L, 4, "p_alive_at"));
}

static int btyd_p_purchases(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 3);
    luaL_argcheck(L, n >= 0 && n <= 100000, 3, "a number of purchases >= 0");
    pred_args a = { P_PURCHASES, check_time(L, 4), (int)n, check_transactions_model(L, 1), NULL, 0, 0, 0, 0 };
    lua_settop(L, 5);
    return predict_column(L, 2, &a, luaL_optstring(L, 5, "p_purchases"));
}

static int btyd_expected_spend(lua_State *L)
{
    const sgl_btyd *b = check_btyd(L, 1);
    if (b->fit.model != SG_GAMMA_GAMMA)
        return luaL_argerror(L, 1, "expected_spend needs a gamma_gamma model");
    pred_args a = { P_SPEND, 0, 0, NULL, b, 0, 0, 0, 0 };
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
    pred_args a = { P_CLV, 0, 0, tm, gg, 0, 0, 0, 0 };
    double horizon = sgl_opt_number(L, opts, "btyd_clv", "horizon", 12);
    if (!(horizon >= 1 && horizon <= 10000) || horizon != floor(horizon))
        return luaL_error(L, "btyd_clv: 'horizon' must be a whole number of periods >= 1");
    a.horizon = (int)horizon;
    a.period = sgl_opt_number(L, opts, "btyd_clv", "period", 1);
    a.discount = sgl_opt_number(L, opts, "btyd_clv", "discount_rate", 0.01);
    a.margin = sgl_opt_number(L, opts, "btyd_clv", "margin", 1);
    if (!(a.period > 0) || !(a.discount >= 0) || !(a.margin >= 0))
        return luaL_error(L, "btyd_clv: 'period' must be > 0, 'discount_rate' and 'margin' >= 0");
    const char *column = sgl_opt_string(L, opts, "column", "clv");
    lua_settop(L, 4);
    return predict_column(L, 3, &a, column);
}

static const luaL_Reg btyd_methods[] = {
    { "params", btyd_params }, { "info", btyd_info }, { "expected_purchases", btyd_expected },
    { "p_alive", btyd_p_alive }, { "p_alive_at", btyd_p_alive_at }, { "p_purchases", btyd_p_purchases },
    { "expected_spend", btyd_expected_spend }, { NULL, NULL }
};
static const luaL_Reg btyd_meta[] = {
    { "__tostring", btyd_tostring }, { "__index", NULL }, { NULL, NULL }
};
static const luaL_Reg btyd_functions[] = {
    { "btyd_summary", l_btyd_summary }, { "btyd_fit", l_btyd_fit }, { "btyd_clv", l_btyd_clv },
    { NULL, NULL }
};

void sgl_open_btyd(lua_State *L)
{
    if (luaL_newmetatable(L, SG_BTYD_MT)) {
        luaL_setfuncs(L, btyd_meta, 0);
        lua_newtable(L);
        luaL_setfuncs(L, btyd_methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushliteral(L, SG_BTYD_MT);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, btyd_functions, 0);
}
