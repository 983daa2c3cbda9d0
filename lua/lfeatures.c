/* segmint.features(tx, options) -> dataset, info: per-customer model
 * features at a cutoff date, with holdout labels (core/features.h). */
#include <math.h>
#include <string.h>

#include "datetime.h"
#include "custfeatures.h"
#include "lsegmint.h"

static const char *column_option(lua_State *L, int t, const char *key, int required)
{
    const char *s = sgl_opt_string(L, t, key, NULL);
    if (!s && required)
        luaL_error(L, "features: option '%s' (a column name) is required", key);
    return s;
}

static void set_int(lua_State *L, const char *key, size_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, key);
}

/* segmint.features(tx, { customer, date, invoice, amount, item, category,
 *                        cutoff = "YYYY-MM-DD", window_days = 90, horizon_days = 0 }) */
static int l_features(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_features_options o;
    sg_features_options_init(&o);
    o.customer = column_option(L, 2, "customer", 1);
    o.date = column_option(L, 2, "date", 1);
    o.invoice = column_option(L, 2, "invoice", 1);
    o.amount = column_option(L, 2, "amount", 1);
    o.item = column_option(L, 2, "item", 0);
    o.category = column_option(L, 2, "category", 0);
    const char *cutoff = sgl_opt_string(L, 2, "cutoff", NULL);
    if (!cutoff)
        return luaL_error(L, "features: option 'cutoff' (a date 'YYYY-MM-DD') is required");
    if (sg_datetime_parse(cutoff, strlen(cutoff), SG_DATE_ISO, &o.cutoff, NULL) != 0)
        return luaL_error(L, "features: option 'cutoff' must be a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", cutoff);
    o.window_days = sgl_opt_number(L, 2, "features", "window_days", o.window_days);
    o.horizon_days = sgl_opt_number(L, 2, "features", "horizon_days", o.horizon_days);
    sg_features_info info;
    sg_error err;
    sg_table *out = sg_features_build(t, &o, &info, &err);
    if (!out)
        return sgl_raise(L, &err);
    sgl_push_table(L, out, &err);
    lua_createtable(L, 0, 8);
    set_int(L, "rows_history", info.rows_history);
    set_int(L, "rows_future", info.rows_future);
    set_int(L, "rows_after", info.rows_after);
    set_int(L, "rows_missing", info.rows_missing);
    set_int(L, "customers", info.customers);
    lua_pushboolean(L, info.horizon_complete);
    lua_setfield(L, -2, "horizon_complete");
    char buf[32];
    sg_datetime_format(o.cutoff, 0, buf, sizeof buf);
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "cutoff");
    if (info.last_date) {
        sg_datetime_format(info.last_date, 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "last_date");
    }
    return 2;
}

static const luaL_Reg features_functions[] = { { "features", l_features }, { NULL, NULL } };

void sgl_open_features(lua_State *L)
{
    luaL_setfuncs(L, features_functions, 0);
}
