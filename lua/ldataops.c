/* Dataset operations whose work runs in C: statistics, filter, derived
 * columns, group-by, join, sort, describe and CSV writing.  The per-row
 * Lua callback forms (filter/derive with a function) sit on top. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "csvwrite.h"
#include "expr.h"
#include "groupby.h"
#include "join.h"
#include "sort.h"
#include "stats.h"

#define MAX_KEYS 64
#define MAX_AGGS 256

static void push_number_or_nil(lua_State *L, double v)
{
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
}

/* A datetime figure goes back to Lua as text, like the values themselves. */
static void push_figure(lua_State *L, const sg_column *c, double v)
{
    if (c->type == SG_DATETIME && !isnan(v)) {
        char buf[32];
        size_t n = sg_datetime_format((int64_t)llround(v), c->date_only, buf, sizeof buf);
        lua_pushlstring(L, buf, n);
    } else {
        push_number_or_nil(L, v);
    }
}

/* ds:stats(col) -> { count, missing, sum, mean, sd, min, max, q25, median, q75 } */
static int l_stats(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sg_column *c = sgl_check_column(L, t, 2);
    sg_stats st;
    sg_error err;
    if (sg_column_stats(c, &st, &err) != 0)
        return sgl_raise(L, &err);
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, (lua_Integer)st.count);
    lua_setfield(L, -2, "count");
    lua_pushinteger(L, (lua_Integer)st.missing);
    lua_setfield(L, -2, "missing");
    if (c->type != SG_DATETIME) {
        push_number_or_nil(L, st.sum);
        lua_setfield(L, -2, "sum");
        push_number_or_nil(L, st.mean);
        lua_setfield(L, -2, "mean");
        push_number_or_nil(L, st.sd);
        lua_setfield(L, -2, "sd");
    }
    const struct { const char *k; double v; } f[] = {
        { "min", st.min }, { "max", st.max }, { "q25", st.q25 },
        { "median", st.median }, { "q75", st.q75 },
    };
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        push_figure(L, c, f[k].v);
        lua_setfield(L, -2, f[k].k);
    }
    return 1;
}

/* ds:quantile(col, p) -> number; ds:quantile(col, {p1, p2}) -> {q1, q2} */
static int l_quantile(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sg_column *c = sgl_check_column(L, t, 2);
    int many = lua_type(L, 3) == LUA_TTABLE;
    size_t np = many ? (size_t)lua_rawlen(L, 3) : 1;
    if (np == 0 || np > 1000)
        return luaL_argerror(L, 3, "between 1 and 1000 probabilities");
    double probs[1000], out[1000];
    for (size_t k = 0; k < np; k++) {
        if (many)
            lua_rawgeti(L, 3, (lua_Integer)k + 1);
        else
            lua_pushvalue(L, 3);
        int isnum;
        probs[k] = (double)lua_tonumberx(L, -1, &isnum);
        lua_pop(L, 1);
        if (!isnum || !(probs[k] >= 0 && probs[k] <= 1))
            return luaL_argerror(L, 3, "probabilities must be numbers between 0 and 1");
    }
    sg_error err;
    if (sg_column_quantiles(c, probs, np, out, &err) != 0)
        return sgl_raise(L, &err);
    if (!many) {
        push_figure(L, c, out[0]);
        return 1;
    }
    lua_createtable(L, (int)np, 0);
    for (size_t k = 0; k < np; k++) {
        push_figure(L, c, out[k]);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* ds:sum(col) -> the sum of the non-missing values (an integer for int64
 * and bool columns), without the sorting ds:stats does for quantiles */
static int l_sum(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sg_column *c = sgl_check_column(L, t, 2);
    if (c->type == SG_INT64 || c->type == SG_BOOL) {
        lua_Unsigned acc = 0;   /* wraps like Lua integers */
        for (size_t i = 0; i < c->n; i++)
            if (!sg_column_is_na(c, i))
                acc += c->type == SG_INT64 ? (lua_Unsigned)sg_column_i64(c)[i] : sg_column_bools(c)[i];
        lua_pushinteger(L, (lua_Integer)acc);
    } else if (c->type == SG_DOUBLE) {
        lua_pushnumber(L, sg_column_sum_f64(c));   /* as ds:stats, to the last bit */
    } else {
        return luaL_error(L, "sum: column '%s' is %s, not a number", c->name, sg_type_name(c->type));
    }
    return 1;
}

static int l_count_distinct(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    lua_pushinteger(L, (lua_Integer)sg_column_count_distinct(sgl_check_column(L, t, 2)));
    return 1;
}

static int l_describe(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_describe(t, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* ---- filter ---- */

/* ds:filter("Quantity > 0 and UnitPrice > 0") or ds:filter(function(row) ... end) */
static int l_filter(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);   /* the callback may close the dataset */
    sg_error err;
    if (lua_type(L, 2) == LUA_TSTRING) {
        sgl_dataset *d = sgl_new_dataset(L);
        d->t = sg_table_filter(t, lua_tostring(L, 2), &err);
        return d->t ? 1 : sgl_raise(L, &err);
    }
    luaL_argexpected(L, lua_type(L, 2) == LUA_TFUNCTION, 2, "expression string or function");
    /* per-row callback: the mask lives in a Lua-owned buffer so errors cannot leak it */
    uint8_t *mask = lua_newuserdatauv(L, t->nrows ? t->nrows : 1, 0);
    for (size_t i = 0; i < t->nrows; i++) {
        lua_pushvalue(L, 2);
        lua_createtable(L, 0, (int)t->ncols);
        for (size_t j = 0; j < t->ncols; j++) {
            sgl_push_value(L, t->cols[j], i);
            lua_setfield(L, -2, t->cols[j]->name);
        }
        lua_call(L, 1, 1);
        mask[i] = (uint8_t)lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_filter_mask(t, mask, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* ---- derive ---- */

/* ds:derive("Amount", "Quantity * UnitPrice") or
 * ds:derive("Band", function(row) ... end [, "string"]) */
static int l_derive(lua_State *L)
{
    lua_settop(L, 4);
    sg_table *t = sgl_pin_dataset(L, 1);   /* the callback may close the dataset */
    const char *name = luaL_checkstring(L, 2);
    sg_error err;
    if (lua_type(L, 3) == LUA_TSTRING) {
        sgl_dataset *d = sgl_new_dataset(L);
        d->t = sg_table_derive(t, name, lua_tostring(L, 3), &err);
        return d->t ? 1 : sgl_raise(L, &err);
    }
    luaL_argexpected(L, lua_type(L, 3) == LUA_TFUNCTION, 3, "expression string or function");
    const char *type = luaL_optstring(L, 4, NULL);
    /* collect the values in a Lua array, then reuse with_column's conversion */
    lua_createtable(L, (int)(t->nrows < 1u << 26 ? t->nrows : 0), 1);
    int values = lua_gettop(L);
    for (size_t i = 0; i < t->nrows; i++) {
        lua_pushvalue(L, 3);
        lua_createtable(L, 0, (int)t->ncols);
        for (size_t j = 0; j < t->ncols; j++) {
            sgl_push_value(L, t->cols[j], i);
            lua_setfield(L, -2, t->cols[j]->name);
        }
        lua_call(L, 1, 1);
        lua_rawseti(L, values, (lua_Integer)i + 1);
    }
    lua_pushinteger(L, (lua_Integer)t->nrows);
    lua_setfield(L, values, "n");
    lua_getfield(L, 1, "with_column");
    lua_pushvalue(L, 1);
    lua_pushstring(L, name);
    lua_pushvalue(L, values);
    if (type)
        lua_pushstring(L, type);
    else
        lua_pushnil(L);
    lua_call(L, 4, 1);
    return 1;
}

/* ---- group-by ---- */

/* One aggregate spec at the top of the stack: "count", or a table whose
 * fields base, base+1, base+2 are the function, the column and the
 * quantile probability. */
static void read_agg(lua_State *L, const char *out, sg_agg *a, int base)
{
    const char *kind;
    int has_q = 0;
    memset(a, 0, sizeof *a);
    a->out = out;
    if (lua_type(L, -1) == LUA_TSTRING) {
        kind = lua_tostring(L, -1);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
        lua_rawgeti(L, -1, base);
        lua_rawgeti(L, -2, base + 1);
        lua_rawgeti(L, -3, base + 2);
        if (lua_type(L, -3) != LUA_TSTRING)
            luaL_error(L, "aggregate '%s': expected {\"sum\", \"column\"}", out);
        kind = lua_tostring(L, -3);
        if (!lua_isnil(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_error(L, "aggregate '%s': the column must be a name", out);
            a->col = lua_tostring(L, -2);
        }
        if (!lua_isnil(L, -1)) {
            int isnum;
            a->q = (double)lua_tonumberx(L, -1, &isnum);
            if (!isnum || !(a->q >= 0 && a->q <= 1))
                luaL_error(L, "aggregate '%s': the quantile must be a number between 0 and 1", out);
            has_q = 1;
        }
        lua_pop(L, 3);   /* the strings stay alive in the spec table */
    } else {
        luaL_error(L, "aggregate '%s': expected \"count\" or {\"sum\", \"column\"}", out);
        return;
    }
    if (sg_agg_parse(kind, &a->kind) != 0)
        luaL_error(L, "aggregate '%s': unknown function '%s' (count, count_distinct, sum, mean, sd, "
                      "min, max, quantile, first, last)", out, kind);
    if (a->kind == SG_AGG_QUANTILE && !has_q)
        luaL_error(L, "aggregate '%s': quantile needs a probability, e.g. {\"quantile\", \"col\", 0.5}", out);
    if (a->kind != SG_AGG_COUNT && !a->col)
        luaL_error(L, "aggregate '%s': %s needs a column", out, kind);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ds:group_by(keys, aggs)
 *   keys: "Country" or {"Country", "Month"}
 *   aggs: { revenue = {"sum", "Amount"}, n = "count", ... } (output columns in name order)
 *      or { {"revenue", "sum", "Amount"}, {"n", "count"}, ... } (in the given order) */
static int l_group_by(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *keys[MAX_KEYS];
    size_t nkeys = sgl_names(L, 2, "group_by keys", keys, MAX_KEYS);
    luaL_checktype(L, 3, LUA_TTABLE);
    sg_agg *aggs = lua_newuserdatauv(L, MAX_AGGS * sizeof *aggs, 0);
    size_t naggs = 0;
    lua_Integer alen = (lua_Integer)lua_rawlen(L, 3);
    if (alen > 0) {
        for (lua_Integer k = 1; k <= alen; k++) {
            if (naggs == MAX_AGGS)
                return luaL_error(L, "group_by: at most %d aggregates", MAX_AGGS);
            if (lua_rawgeti(L, 3, k) != LUA_TTABLE)
                return luaL_error(L, "group_by: aggregate %I must be {\"name\", \"function\", \"column\"}", k);
            lua_rawgeti(L, -1, 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "group_by: aggregate %I must start with its output name", k);
            const char *out = lua_tostring(L, -1);
            lua_pop(L, 1);   /* out stays alive in the spec table */
            read_agg(L, out, &aggs[naggs++], 2);
            lua_pop(L, 1);
        }
    } else {
        const char *outs[MAX_AGGS];
        size_t nouts = 0;
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "group_by: aggregate names must be strings");
            if (nouts == MAX_AGGS)
                return luaL_error(L, "group_by: at most %d aggregates", MAX_AGGS);
            outs[nouts++] = lua_tostring(L, -2);
            lua_pop(L, 1);
        }
        if (nouts == 0)
            return luaL_error(L, "group_by: no aggregates given");
        qsort(outs, nouts, sizeof outs[0], cmp_str);
        for (size_t k = 0; k < nouts; k++) {
            sgl_rawfield(L, 3, outs[k]);
            read_agg(L, outs[k], &aggs[naggs++], 1);
            lua_pop(L, 1);
        }
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_group_by(t, keys, nkeys, aggs, naggs, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* ---- join ---- */

/* ds:join(other, { on = "CustomerID" | {..}, left_on = .., right_on = ..,
 *                  how = "inner" | "left", suffix = "_right" }) */
static int l_join(lua_State *L)
{
    sg_table *left = sgl_check_dataset(L, 1);
    sg_table *right = sgl_check_dataset(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *lk[MAX_KEYS], *rk[MAX_KEYS];
    size_t nl, nr;
    int on = sgl_rawfield(L, 3, "on");
    if (on != LUA_TNIL) {
        nl = sgl_names(L, lua_gettop(L), "join option 'on'", lk, MAX_KEYS);
        memcpy(rk, lk, nl * sizeof lk[0]);
        nr = nl;
    } else {
        sgl_rawfield(L, 3, "left_on");
        sgl_rawfield(L, 3, "right_on");
        if (lua_isnil(L, -1) || lua_isnil(L, -2))
            return luaL_error(L, "join needs 'on' or both 'left_on' and 'right_on'");
        nl = sgl_names(L, lua_gettop(L) - 1, "join option 'left_on'", lk, MAX_KEYS);
        nr = sgl_names(L, lua_gettop(L), "join option 'right_on'", rk, MAX_KEYS);
        if (nl != nr)
            return luaL_error(L, "join: 'left_on' has %d columns but 'right_on' has %d", (int)nl, (int)nr);
    }
    const char *how = sgl_opt_string(L, 3, "how", "inner");
    sg_join_kind kind;
    if (strcmp(how, "inner") == 0)
        kind = SG_JOIN_INNER;
    else if (strcmp(how, "left") == 0)
        kind = SG_JOIN_LEFT;
    else
        return luaL_error(L, "join option 'how' must be \"inner\" or \"left\", got '%s'", how);
    const char *suffix = sgl_opt_string(L, 3, "suffix", "_right");
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_join(left, right, lk, rk, nl, kind, suffix, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* ---- sort ---- */

/* ds:sort("Amount") ; ds:sort{"Country", "-Amount"} (a leading '-' sorts descending);
 * ds:sort("Amount", { desc = true }) */
static int l_sort(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *cols[MAX_KEYS];
    int desc[MAX_KEYS];
    size_t n = sgl_names(L, 2, "sort", cols, MAX_KEYS);
    int all_desc = 0;
    if (lua_type(L, 3) == LUA_TTABLE) {
        sgl_rawfield(L, 3, "desc");
        all_desc = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    for (size_t k = 0; k < n; k++) {
        desc[k] = all_desc;
        if (cols[k][0] == '-' && !sg_table_col(t, cols[k])) {
            desc[k] = !all_desc;
            cols[k]++;
        }
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_sort(t, cols, desc, n, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* ---- output ---- */

/* ds:write_csv(path [, { delim = ";", decimal = ",", bom = true, excel = true }]) -> true, or raises.
 * excel = true: what Excel in a French (or other comma-decimal) locale opens
 * as a table: ';', decimal commas and a UTF-8 byte order mark. */
static int l_write_csv(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    int o = sgl_check_options(L, 3);
    int excel = 0;
    if (o) {
        sgl_rawfield(L, o, "excel");
        excel = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    const char *delim = sgl_opt_string(L, o, "delim", excel ? ";" : ",");
    const char *decimal = sgl_opt_string(L, o, "decimal", excel ? "," : ".");
    int bom = excel;
    if (o) {
        if (sgl_rawfield(L, o, "bom") != LUA_TNIL)
            bom = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (strlen(delim) != 1)
        return luaL_error(L, "write_csv: 'delim' must be one character");
    if (strcmp(decimal, ".") != 0 && strcmp(decimal, ",") != 0)
        return luaL_error(L, "write_csv: 'decimal' must be \".\" or \",\"");
    const char *path = sgl_check_write_path(L, 2);
    sg_csv_write_options wo = { delim[0], decimal[0], bom };
    sg_error err;
    if (sg_table_write_csv_opts(t, path, &wo, &err) != 0)
        return sgl_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* One cell for display: like the CSV text, but doubles with 10 significant
 * digits so sums show as 4513.73 rather than 4513.7300000000005. */
static size_t display_cell(const sg_column *c, size_t i, char *buf, size_t size)
{
    if (c->type == SG_DOUBLE && !sg_column_is_na(c, i)) {
        int k = snprintf(buf, size, "%.10g", sg_column_f64(c)[i]);
        return k < 0 ? 0 : (size_t)k < size ? (size_t)k : size - 1;
    }
    return sg_column_format(c, i, buf, size);
}

/* ds:format([n]) -> the first n rows (default 10) as an aligned text table */
static int l_format(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    lua_Integer maxr = luaL_optinteger(L, 2, 10);
    size_t nr = maxr < 0 ? 0 : (size_t)maxr;
    if (nr > t->nrows)
        nr = t->nrows;
    size_t nc = t->ncols;
    size_t *w = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *w, 0);
    char buf[64];
    for (size_t j = 0; j < nc; j++) {
        w[j] = strlen(t->cols[j]->name);
        for (size_t i = 0; i < nr; i++) {
            size_t k = display_cell(t->cols[j], i, buf, sizeof buf);
            if (sg_column_is_na(t->cols[j], i))
                k = 2;
            if (k > w[j])
                w[j] = k;
        }
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t j = 0; j < nc; j++) {
        const char *name = t->cols[j]->name;
        luaL_addstring(&b, name);
        for (size_t k = strlen(name); k < w[j] + (j + 1 < nc ? 2 : 0); k++)
            luaL_addchar(&b, ' ');
    }
    luaL_addchar(&b, '\n');
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < nc; j++) {
            const sg_column *c = t->cols[j];
            size_t k = display_cell(c, i, buf, sizeof buf);
            const char *s = buf;
            if (sg_column_is_na(c, i)) {
                s = "NA";
                k = 2;
            }
            int right = c->type == SG_INT64 || c->type == SG_DOUBLE;
            if (right)
                for (size_t p = k; p < w[j]; p++)
                    luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, k);
            if (!right && j + 1 < nc)
                for (size_t p = k; p < w[j]; p++)
                    luaL_addchar(&b, ' ');
            if (j + 1 < nc)
                luaL_addstring(&b, "  ");
        }
        luaL_addchar(&b, '\n');
    }
    if (nr < t->nrows)
        lua_pushfstring(L, "... %I more rows\n", (lua_Integer)(t->nrows - nr));
    else
        lua_pushliteral(L, "");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    return 1;
}

static const luaL_Reg ops_methods[] = {
    { "stats", l_stats }, { "quantile", l_quantile }, { "sum", l_sum },
    { "count_distinct", l_count_distinct },
    { "describe", l_describe }, { "filter", l_filter }, { "derive", l_derive },
    { "group_by", l_group_by }, { "join", l_join }, { "sort", l_sort },
    { "write_csv", l_write_csv }, { "format", l_format },
    { NULL, NULL }
};

void sgl_open_dataops(lua_State *L)
{
    luaL_getmetatable(L, SG_DATASET_MT);
    lua_getfield(L, -1, "__index");
    luaL_setfuncs(L, ops_methods, 0);
    lua_pop(L, 2);
}
