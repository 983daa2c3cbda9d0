/* segmint.features(tx, options) -> dataset, info: per-customer model
 * features at a cutoff date, with holdout labels (core/features.h). */
#include <math.h>
#include <string.h>

#include "datetime.h"
#include "custfeatures.h"
#include "mpi.h"
#include "mpi_features.h"
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

/* The options { customer, date, invoice, amount, item, category,
 * cutoff = "YYYY-MM-DD", window_days = 90, horizon_days = 0 } at index t. */
static void read_options(lua_State *L, int t, sg_features_options *o)
{
    sg_features_options_init(o);
    o->customer = column_option(L, t, "customer", 1);
    o->date = column_option(L, t, "date", 1);
    o->invoice = column_option(L, t, "invoice", 1);
    o->amount = column_option(L, t, "amount", 1);
    o->item = column_option(L, t, "item", 0);
    o->category = column_option(L, t, "category", 0);
    const char *cutoff = sgl_opt_string(L, t, "cutoff", NULL);
    if (!cutoff)
        luaL_error(L, "features: option 'cutoff' (a date 'YYYY-MM-DD') is required");
    if (sg_datetime_parse(cutoff, strlen(cutoff), SG_DATE_ISO, &o->cutoff, NULL) != 0)
        luaL_error(L, "features: option 'cutoff' must be a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", cutoff);
    o->window_days = sgl_opt_number(L, t, "features", "window_days", o->window_days);
    o->horizon_days = sgl_opt_number(L, t, "features", "horizon_days", o->horizon_days);
}

/* Pushes the info table of segmint.features. */
static void push_info(lua_State *L, const sg_features_options *o, const sg_features_info *info)
{
    lua_createtable(L, 0, 8);
    set_int(L, "rows_history", info->rows_history);
    set_int(L, "rows_future", info->rows_future);
    set_int(L, "rows_after", info->rows_after);
    set_int(L, "rows_missing", info->rows_missing);
    set_int(L, "customers", info->customers);
    lua_pushboolean(L, info->horizon_complete);
    lua_setfield(L, -2, "horizon_complete");
    char buf[32];
    sg_datetime_format(o->cutoff, 0, buf, sizeof buf);
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "cutoff");
    if (info->last_date) {
        sg_datetime_format(info->last_date, 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "last_date");
    }
}

/* segmint.features(tx, { customer, date, invoice, amount, item, category,
 *                        cutoff = "YYYY-MM-DD", window_days = 90, horizon_days = 0 }) */
static int l_features(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *t = sgl_pin_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_features_options o;
    read_options(L, 2, &o);
    sg_features_info info;
    sg_error err;
    sg_table *out = sg_features_build(t, &o, &info, &err);
    if (!out)
        return sgl_raise(L, &err);
    sgl_push_table(L, out, &err);
    push_info(L, &o, &info);
    return 2;
}

/* segmint.mpi_features(tx, options, gen[, products]) -> features, info, ranks:
 * what segmint.features gives over tx joined on the item with products
 * (the item column and the category column the options name), computed
 * by the MPI ranks owning the customers over the cleaned rows the exchange
 * number gen left them (the rows of tx); ranks = { ranks =, customers =
 * { per rank }, gathered = bytes, table_bytes = (the assembled table's),
 * products_bytes = (the products rows broadcast), seconds = { features =,
 * gather = } }.  nil and why when the ranks cannot (segmint.features then
 * gives the result, or the message). */
static int l_mpi_features(lua_State *L)
{
    lua_settop(L, 4);
    const sg_table *tx = sgl_pin_shape(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    uint64_t gen = (uint64_t)luaL_checkinteger(L, 3);
    sg_table *products = lua_isnil(L, 4) ? NULL : sgl_check_dataset(L, 4);
    sg_mpi_features_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = gen;
    read_options(L, 2, &c.o);
    int n = sg_mpi_size();
    uint64_t *ncust = lua_newuserdatauv(L, (size_t)n * sizeof *ncust, 0);
    sg_error err;
    char why[400] = "";
    sg_table *tmpl = sg_mpi_features_template(tx, &c.o, products, &err);
    if (!tmpl) {
        if (err.code == SG_ENOMEM)
            return sgl_raise(L, &err);
        lua_pushnil(L);
        lua_pushliteral(L, "the options or columns are not those features takes (its own message follows)");
        return 2;
    }
    sg_mpi_buf pb = { 0 };
    if (products && sg_mpi_features_pack_products(products, &pb, &err) != 0) {
        sg_table_free(tmpl);
        sg_mpi_buf_free(&pb);
        return sgl_raise(L, &err);
    }
    c.products = pb.b;
    c.products_len = pb.len;
    uint64_t gathered = 0;
    double secs[2] = { 0, 0 };
    sg_features_info info;
    sg_table *out = NULL;
    int rc = sg_mpi_features(&c, tmpl, &out, &info, ncust, &gathered, secs, why, sizeof why, &err);
    sg_table_free(tmpl);
    sg_mpi_buf_free(&pb);
    c.products = NULL;
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    size_t bytes = sg_table_bytes(out);
    sgl_push_table(L, out, &err);
    push_info(L, &c.o, &info);
    sgl_push_mpi_stats(L, n, ncust, "gathered", gathered, "features", "gather", secs);
    lua_pushinteger(L, (lua_Integer)bytes);
    lua_setfield(L, -2, "table_bytes");
    lua_pushinteger(L, (lua_Integer)c.products_len);
    lua_setfield(L, -2, "products_bytes");
    return 3;
}

static const luaL_Reg features_functions[] = { { "features", l_features }, { "mpi_features", l_mpi_features }, { NULL, NULL } };

void sgl_open_features(lua_State *L)
{
    luaL_setfuncs(L, features_functions, 0);
}
