/* segmint.generate{ customers = N, seed = S, out = DIR, ... }: synthetic data. */
#include <stdio.h>
#include <string.h>

#include "generate.h"
#include "lsegmint.h"

static int l_generate(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    sg_gen_options o;
    sg_gen_options_init(&o);
    double customers = sgl_opt_number(L, 1, "generate", "customers", (double)o.customers);
    if (!(customers >= 1 && customers <= 1e9))
        return luaL_error(L, "generate option 'customers' must be between 1 and 1e9");
    o.customers = (uint64_t)customers;
    o.seed = sgl_opt_seed(L, 1, "generate", o.seed);
    o.days = (int)sgl_opt_number(L, 1, "generate", "days", o.days);
    o.products = (int)sgl_opt_number(L, 1, "generate", "products", o.products);
    o.r = sgl_opt_number(L, 1, "generate", "r", o.r);
    o.alpha = sgl_opt_number(L, 1, "generate", "alpha", o.alpha);
    o.a = sgl_opt_number(L, 1, "generate", "a", o.a);
    o.b = sgl_opt_number(L, 1, "generate", "b", o.b);
    o.gg_p = sgl_opt_number(L, 1, "generate", "gg_p", o.gg_p);
    o.gg_q = sgl_opt_number(L, 1, "generate", "gg_q", o.gg_q);
    o.gg_gamma = sgl_opt_number(L, 1, "generate", "gg_gamma", o.gg_gamma);
    o.cancel_rate = sgl_opt_number(L, 1, "generate", "cancel_rate", o.cancel_rate);
    o.return_rate = sgl_opt_number(L, 1, "generate", "return_rate", o.return_rate);
    double tests = sgl_opt_number(L, 1, "generate", "campaign_tests", o.campaign_tests);
    if (!(tests >= 0 && tests <= 1000) || tests != (int)tests)
        return luaL_error(L, "generate option 'campaign_tests' must be a whole number from 0 to 12");
    o.campaign_tests = (int)tests;
    o.campaign_reach = sgl_opt_number(L, 1, "generate", "campaign_reach", o.campaign_reach);
    o.campaign_control = sgl_opt_number(L, 1, "generate", "campaign_control", o.campaign_control);
    o.start_date = sgl_opt_string(L, 1, "start", o.start_date);
    sgl_rawfield(L, 1, "out");
    int out = lua_gettop(L);
    if (lua_type(L, out) != LUA_TSTRING)
        return luaL_error(L, "generate needs option 'out' (the output directory)");
    o.out_dir = sgl_check_write_dir(L, out);
    sgl_progress ps = { "generating", -1 };
    if (sgl_progress_enabled(L)) {
        o.progress = sgl_progress_draw;
        o.progress_ud = &ps;
    }
    sg_gen_result res;
    sg_error err;
    if (sg_generate(&o, &res, &err) != 0)
        return sgl_raise(L, &err);
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, (lua_Integer)res.customers);
    lua_setfield(L, -2, "customers");
    lua_pushinteger(L, (lua_Integer)res.products);
    lua_setfield(L, -2, "products");
    lua_pushinteger(L, (lua_Integer)res.invoices);
    lua_setfield(L, -2, "invoices");
    lua_pushinteger(L, (lua_Integer)res.transaction_rows);
    lua_setfield(L, -2, "transaction_rows");
    lua_pushinteger(L, (lua_Integer)res.campaigns);
    lua_setfield(L, -2, "campaigns");
    lua_pushinteger(L, (lua_Integer)res.campaign_tests);
    lua_setfield(L, -2, "campaign_tests");
    lua_pushinteger(L, (lua_Integer)res.test_assignments);
    lua_setfield(L, -2, "test_assignments");
    return 1;
}

static const luaL_Reg generate_functions[] = {
    { "generate", l_generate }, { NULL, NULL }
};

void sgl_open_generate(lua_State *L)
{
    luaL_setfuncs(L, generate_functions, 0);
}
