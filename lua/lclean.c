/* Cleaning helpers for segmint.clean (written in Lua): duplicate marking
 * and netting cancellations against purchases. */
#include <string.h>

#include "clean.h"
#include "lsegmint.h"
#include "mem.h"
#include "ops.h"

/* ds:mark_duplicates(name) -> dataset with a bool column: true on rows that repeat an earlier row */
static int l_mark_duplicates(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *name = luaL_checkstring(L, 2);
    sgl_dataset *d = sgl_new_dataset(L);
    uint8_t *mask = lua_newuserdatauv(L, t->nrows ? t->nrows : 1, 0);
    sg_error err;
    if (sg_clean_duplicated(t, mask, &err) != 0)
        return sgl_raise(L, &err);
    sg_column *c = sg_column_new(name, SG_BOOL, t->nrows);
    if (!c)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < t->nrows; i++)
        if (sg_column_push_bool(c, mask[i]) != 0) {
            sg_column_release(c);
            return luaL_error(L, "out of memory");
        }
    d->t = sg_table_share(t);
    if (!d->t) {
        sg_column_release(c);
        return luaL_error(L, "out of memory");
    }
    if (sg_table_set(d->t, c, &err) != 0)
        return sgl_raise(L, &err);
    lua_pop(L, 1);
    return 1;
}

/* ds:net_cancellations{ customer =, item =, quantity =, price =, date =,
 *                       cancel = "expression", match_price = true }
 *   -> dataset with quantity netted (cancellation rows 0), unmatched quantity */
static int l_net_cancellations(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *customer = sgl_opt_string(L, 2, "customer", NULL);
    const char *item = sgl_opt_string(L, 2, "item", NULL);
    const char *quantity = sgl_opt_string(L, 2, "quantity", NULL);
    const char *price = sgl_opt_string(L, 2, "price", NULL);
    const char *date = sgl_opt_string(L, 2, "date", NULL);
    const char *cancel = sgl_opt_string(L, 2, "cancel", NULL);
    if (!customer || !item || !quantity || !date || !cancel)
        return luaL_error(L, "net_cancellations: options customer, item, quantity, date and cancel are required");
    sgl_rawfield(L, 2, "match_price");
    int match_price = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (match_price && !price)
        return luaL_error(L, "net_cancellations: option 'price' is required with match_price");
    sg_error err;
    sg_error_clear(&err);
    sg_expr *e = sg_expr_parse(cancel, t, &err);
    if (!e)
        return sgl_raise(L, &err);
    sg_column *flag = sg_expr_type(e) == SG_BOOL ? sg_expr_eval(e, t, "cancel", &err) : NULL;
    sg_expr_free(e);
    if (!flag) {
        if (err.code == SG_OK)
            return luaL_error(L, "net_cancellations: 'cancel' must be a condition, got '%s'", cancel);
        return sgl_raise(L, &err);
    }
    size_t n = t->nrows;
    uint8_t *mask = lua_newuserdatauv(L, n ? n : 1, 0);
    for (size_t i = 0; i < n; i++)
        mask[i] = !sg_column_is_na(flag, i) && sg_column_bools(flag)[i];
    sg_column_release(flag);
    int64_t *q = lua_newuserdatauv(L, (n ? n : 1) * sizeof *q, 0);
    double unmatched = 0;
    if (sg_clean_net_cancellations(t, customer, item, quantity, price, date, mask, match_price, q,
                             &unmatched, &err) != 0)
        return sgl_raise(L, &err);
    sg_column *nq = sg_column_new(quantity, SG_INT64, n);
    if (!nq)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (sg_column_push_i64(nq, q[i]) != 0) {
            sg_column_release(nq);
            return luaL_error(L, "out of memory");
        }
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_share(t);
    if (!d->t) {
        sg_column_release(nq);
        return luaL_error(L, "out of memory");
    }
    if (sg_table_set(d->t, nq, &err) != 0)
        return sgl_raise(L, &err);
    lua_pushnumber(L, unmatched);
    return 2;
}

/* ds:clean_filter({ condition, ... }, amount[, consume]) -> dataset of the rows where every
 * condition is true, { { rows =, revenue = }, ... } removed by each step (the first whose condition
 * fails).  With consume, ds gives its table up: the rows are compacted in place (no copy of the
 * kept rows beside the original) and ds is closed; on an error ds stays as it was. */
static int l_clean_filter(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *amount = luaL_optstring(L, 3, NULL);
    int consume = lua_toboolean(L, 4);
    lua_Integer ns = luaL_len(L, 2);
    if (ns < 0 || ns > 250)
        return luaL_error(L, "clean_filter: between 0 and 250 steps expected (got %d)", (int)ns);
    size_t n = (size_t)ns;
    /* scratch in userdata, so that an error raised below frees it */
    const char **keep = lua_newuserdatauv(L, (n ? n : 1) * sizeof *keep, 0);
    size_t *rows = lua_newuserdatauv(L, (n ? n : 1) * sizeof *rows, 0);
    double *rev = lua_newuserdatauv(L, (n ? n : 1) * sizeof *rev, 0);
    int64_t *irev = lua_newuserdatauv(L, (n ? n : 1) * sizeof *irev, 0);
    for (size_t k = 0; k < n; k++) {
        lua_rawgeti(L, 2, (lua_Integer)k + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "clean_filter: step %d must be a condition (a string)", (int)k + 1);
        keep[k] = lua_tostring(L, -1);   /* still referenced by the table at index 2 */
        lua_pop(L, 1);
    }
    int int_amount = 0;
    if (amount) {
        const sg_column *a = sg_table_col(t, amount);
        int_amount = a && a->type != SG_DOUBLE;
    }
    sg_error err;
    sgl_dataset *d = sgl_new_dataset(L);
    if (consume) {
        /* datasets no longer reachable (pins of earlier calls) may still hold the columns until
         * they are collected: collect them, so that the columns compact in place, not copied */
        for (size_t i = 0; i < t->ncols; i++)
            if (t->cols[i]->refs > 1) {
                lua_gc(L, LUA_GCCOLLECT);
                break;
            }
        /* the new dataset owns the table while it changes, so that an error raised leaks nothing */
        sgl_dataset *from = luaL_checkudata(L, 1, SG_DATASET_MT);
        d->t = t;
        from->t = NULL;
        sg_table_free(from->shape);   /* a read's columns (its rows gathered back): closed as well */
        from->shape = NULL;
        if (sg_clean_filter_in_place(t, keep, n, amount, rows, rev, irev, &err) != 0) {
            from->t = t;    /* unchanged on failure */
            d->t = NULL;
            return sgl_raise(L, &err);
        }
    } else {
        d->t = sg_clean_filter(t, keep, n, amount, rows, rev, irev, &err);
        if (!d->t)
            return sgl_raise(L, &err);
    }
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)rows[k]);
        lua_setfield(L, -2, "rows");
        if (int_amount || rows[k] == 0)
            lua_pushinteger(L, int_amount ? (lua_Integer)irev[k] : 0);
        else
            lua_pushnumber(L, rev[k]);
        lua_setfield(L, -2, "revenue");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 2;
}

/* ds:sum_exact(col) -> as ds:sum, but a double column's sum exactly rounded
 * (core/xsum.h): the same bits whatever the order of the rows, as the
 * owners' partial sums under mpirun add up to (segmint.clean's report) */
static int l_sum_exact(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sg_column *c = sgl_check_column(L, t, 2);
    if (c->type != SG_DOUBLE) {
        lua_getfield(L, 1, "sum");
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        lua_call(L, 2, 1);
        return 1;
    }
    lua_pushnumber(L, sg_clean_sum_exact(c));
    return 1;
}

static const luaL_Reg clean_methods[] = {
    { "sum_exact", l_sum_exact },
    { "mark_duplicates", l_mark_duplicates }, { "net_cancellations", l_net_cancellations },
    { "clean_filter", l_clean_filter },
    { NULL, NULL }
};

void sgl_open_clean(lua_State *L)
{
    luaL_getmetatable(L, SG_DATASET_MT);
    sgl_rawfield(L, -1, "__index");
    luaL_setfuncs(L, clean_methods, 0);
    lua_pop(L, 2);
}
