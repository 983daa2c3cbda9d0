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
    if (sg_table_duplicated(t, mask, &err) != 0)
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
    if (sg_net_cancellations(t, customer, item, quantity, price, date, mask, match_price, q,
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

static const luaL_Reg clean_methods[] = {
    { "mark_duplicates", l_mark_duplicates }, { "net_cancellations", l_net_cancellations },
    { NULL, NULL }
};

void sgl_open_clean(lua_State *L)
{
    luaL_getmetatable(L, SG_DATASET_MT);
    sgl_rawfield(L, -1, "__index");
    luaL_setfuncs(L, clean_methods, 0);
    lua_pop(L, 2);
}
