/* segmint.generate{ customers = N, seed = S, out = DIR, ... }: synthetic data. */
#include <stdio.h>
#include <string.h>

#include "generate.h"
#include "lsegmint.h"

static void gen_progress(void *ud, uint64_t done, uint64_t total)
{
    int *last = ud;
    int pct = total ? (int)(done * 100 / total) : 0;
    if (pct == *last)
        return;
    *last = pct;
    fprintf(stderr, "\rgenerating %3d%%", pct);
    if (done >= total)
        fputs("\n", stderr);
    fflush(stderr);
}

static double opt_number(lua_State *L, const char *key, double def)
{
    sgl_rawfield(L, 1, key);
    double v = def;
    if (!lua_isnil(L, -1)) {
        int isnum;
        v = (double)lua_tonumberx(L, -1, &isnum);
        if (!isnum)
            luaL_error(L, "generate option '%s' must be a number", key);
    }
    lua_pop(L, 1);
    return v;
}

static int l_generate(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    sg_gen_options o;
    sg_gen_options_init(&o);
    double customers = opt_number(L, "customers", (double)o.customers);
    double seed = opt_number(L, "seed", (double)o.seed);
    if (!(customers >= 1 && customers <= 1e9))
        return luaL_error(L, "generate option 'customers' must be between 1 and 1e9");
    if (!(seed >= 0 && seed <= 9007199254740992.0))
        return luaL_error(L, "generate option 'seed' must be a non-negative integer");
    o.customers = (uint64_t)customers;
    o.seed = (uint64_t)seed;
    o.days = (int)opt_number(L, "days", o.days);
    o.products = (int)opt_number(L, "products", o.products);
    o.r = opt_number(L, "r", o.r);
    o.alpha = opt_number(L, "alpha", o.alpha);
    o.a = opt_number(L, "a", o.a);
    o.b = opt_number(L, "b", o.b);
    o.gg_p = opt_number(L, "gg_p", o.gg_p);
    o.gg_q = opt_number(L, "gg_q", o.gg_q);
    o.gg_gamma = opt_number(L, "gg_gamma", o.gg_gamma);
    o.cancel_rate = opt_number(L, "cancel_rate", o.cancel_rate);
    o.return_rate = opt_number(L, "return_rate", o.return_rate);
    o.start_date = sgl_opt_string(L, 1, "start", o.start_date);
    sgl_rawfield(L, 1, "out");
    int out = lua_gettop(L);
    if (lua_type(L, out) != LUA_TSTRING)
        return luaL_error(L, "generate needs option 'out' (the output directory)");
    o.out_dir = sgl_check_write_path(L, out);
    int last = -1;
    if (sgl_progress_enabled(L)) {
        o.progress = gen_progress;
        o.progress_ud = &last;
    }
    sg_gen_result res;
    sg_error err;
    if (sg_generate(&o, &res, &err) != 0)
        return sgl_raise(L, &err);
    lua_createtable(L, 0, 5);
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
    return 1;
}

static const luaL_Reg generate_functions[] = {
    { "generate", l_generate }, { NULL, NULL }
};

void sgl_open_generate(lua_State *L)
{
    luaL_setfuncs(L, generate_functions, 0);
}
