/* segmint.cross_sell: co-purchase rules and recommendations. */
#include <string.h>

#include "crosssell.h"
#include "lsegmint.h"

#define SG_COOC_MT "segmint.cross_sell"

typedef struct sgl_cooc {
    sg_cooc *c;
    lua_Integer invoices_hint;
} sgl_cooc;

static sg_cooc *check_cooc(lua_State *L, int idx)
{
    sgl_cooc *b = luaL_checkudata(L, idx, SG_COOC_MT);
    if (!b->c)
        luaL_argerror(L, idx, "cross-sell model has been closed");
    return b->c;
}

static int l_gc(lua_State *L)
{
    sgl_cooc *b = luaL_checkudata(L, 1, SG_COOC_MT);
    sg_cooc_free(b->c);
    b->c = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    sgl_cooc *b = luaL_checkudata(L, 1, SG_COOC_MT);
    lua_pushstring(L, b->c ? "cross_sell model" : "cross_sell model (closed)");
    return 1;
}

/* segmint.cross_sell(dataset, { invoice =, item =, min_support = 0.01, min_count = 2,
 *                               min_lift = 1, max_items = 1000 }) -> model */
static int l_cross_sell(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = { "invoice", "item", "min_support", "min_count", "min_lift",
                                         "max_items", NULL };
    sgl_check_known(L, 2, "cross_sell", known);
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = sgl_opt_string(L, 2, "invoice", NULL);
    o.item = sgl_opt_string(L, 2, "item", NULL);
    if (!o.invoice || !o.item)
        return luaL_error(L, "cross_sell: options 'invoice' and 'item' (column names) are required");
    o.min_support = sgl_opt_number(L, 2, "cross_sell", "min_support", o.min_support);
    double mc = sgl_opt_number(L, 2, "cross_sell", "min_count", (double)o.min_count);
    double mi = sgl_opt_number(L, 2, "cross_sell", "max_items", (double)o.max_items_per_invoice);
    if (!(o.min_support >= 0 && o.min_support <= 1))
        return luaL_error(L, "cross_sell: 'min_support' must be between 0 and 1");
    o.min_lift = sgl_opt_number(L, 2, "cross_sell", "min_lift", o.min_lift);
    if (!(mc >= 1) || !(mi == 0 || mi >= 2))
        return luaL_error(L, "cross_sell: 'min_count' must be >= 1 and 'max_items' >= 2 (or 0: no limit)");
    if (!(o.min_lift >= 0))
        return luaL_error(L, "cross_sell: 'min_lift' must be >= 0");
    o.min_count = (size_t)mc;
    o.max_items_per_invoice = (size_t)mi;
    sgl_cooc *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->c = NULL;
    luaL_setmetatable(L, SG_COOC_MT);
    sg_error err;
    b->c = sg_cooc_fit(t, &o, &err);
    if (!b->c)
        return sgl_raise(L, &err);
    return 1;
}

static int l_rules(lua_State *L)
{
    sg_cooc *c = check_cooc(L, 1);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_cooc_rules(c, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* model:recommend(dataset, { customer = "CustomerID", top_n = 3, only = dataset_with_that_column }) */
static int l_recommend(lua_State *L)
{
    sg_cooc *c = check_cooc(L, 1);
    sg_table *tx = sgl_check_dataset(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    static const char *const known[] = { "customer", "top_n", "only", NULL };
    sgl_check_known(L, 3, "recommend", known);
    const char *customer = sgl_opt_string(L, 3, "customer", NULL);
    if (!customer)
        return luaL_error(L, "recommend: option 'customer' (a column name) is required");
    sgl_rawfield(L, 3, "top_n");
    lua_Integer top = luaL_optinteger(L, -1, 3);
    lua_pop(L, 1);
    if (top < 1 || top > 100)
        return luaL_error(L, "recommend: 'top_n' must be between 1 and 100");
    const sg_column *only = NULL;
    if (sgl_rawfield(L, 3, "only") != LUA_TNIL) {
        sg_table *ot = sgl_check_dataset(L, lua_gettop(L));
        only = sg_table_col(ot, customer);
        if (!only)
            return luaL_error(L, "recommend: the 'only' dataset has no column '%s'", customer);
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_cooc_recommend(c, tx, customer, only, (size_t)top, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

static const luaL_Reg cooc_methods[] = {
    { "rules", l_rules }, { "recommend", l_recommend }, { "close", l_gc }, { NULL, NULL }
};

static const luaL_Reg cooc_meta[] = {
    { "__gc", l_gc }, { "__close", l_gc }, { "__tostring", l_tostring }, { "__index", NULL },
    { NULL, NULL }
};

static const luaL_Reg cooc_functions[] = {
    { "cross_sell", l_cross_sell }, { NULL, NULL }
};

void sgl_open_crosssell(lua_State *L)
{
    sgl_new_type(L, SG_COOC_MT, cooc_meta, cooc_methods, 1);
    luaL_setfuncs(L, cooc_functions, 0);
}
