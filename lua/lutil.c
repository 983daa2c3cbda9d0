/* Small utilities: version, memory figures, date conversion; and the helpers
 * every binding shares (types, seeds, time units, numeric columns, option
 * keys). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>

#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "model.h"

/* segmint.memory() -> { used = bytes, peak = bytes, limit = bytes or nil } */
static int l_memory(lua_State *L)
{
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)sg_mem_used());
    lua_setfield(L, -2, "used");
    lua_pushinteger(L, (lua_Integer)sg_mem_peak());
    lua_setfield(L, -2, "peak");
    if (sg_mem_limit()) {
        lua_pushinteger(L, (lua_Integer)sg_mem_limit());
        lua_setfield(L, -2, "limit");
    }
    return 1;
}

/* segmint.time("2011-12-09[ 12:30:00]" [, layout]) -> seconds since 1970-01-01, or nil, message */
static int l_time(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *layout = luaL_optstring(L, 2, NULL);
    sg_date_format f = SG_DATE_ISO;
    if (layout && (f = sg_date_format_parse(layout)) == SG_DATE_UNKNOWN)
        return luaL_argerror(L, 2, "unknown date layout");
    int64_t t;
    if (sg_datetime_parse(s, len, f, &t, NULL) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "'%s' is not a date in the layout %s", s, sg_date_format_name(f));
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)t);
    return 1;
}

/* segmint.format_time(seconds [, date_only]) -> "YYYY-MM-DD[ HH:MM:SS]" */
static int l_format_time(lua_State *L)
{
    lua_Integer t = luaL_checkinteger(L, 1);
    char buf[32];
    size_t n = sg_datetime_format((int64_t)t, lua_toboolean(L, 2), buf, sizeof buf);
    lua_pushlstring(L, buf, n);
    return 1;
}

/* segmint.elapsed() -> seconds on a monotonic clock (for timing stages;
 * only differences mean something) */
static int l_elapsed(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
    return 1;
}

/* segmint.libraries() -> { lua =, gsl =, cjson =, models = } (for manifests) */
static int l_libraries(lua_State *L)
{
    char models[96];
    sg_model_libraries(models, sizeof models);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    lua_pushstring(L, GSL_VERSION);
    lua_setfield(L, -2, "gsl");
    lua_pushfstring(L, "%d.%d.%d", CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR, CJSON_VERSION_PATCH);
    lua_setfield(L, -2, "cjson");
    lua_pushstring(L, models);
    lua_setfield(L, -2, "models");
    return 1;
}

/* segmint.unit_days(name) -> days in the unit ("days" 1, "weeks" 7,
 * "months" 30.4375), nil for anything else */
static int l_unit_days(lua_State *L)
{
    double d = lua_type(L, 1) == LUA_TSTRING ? sg_time_unit_days(lua_tostring(L, 1)) : 0;
    if (d > 0)
        lua_pushnumber(L, d);
    else
        lua_pushnil(L);
    return 1;
}

static const luaL_Reg util_functions[] = {
    { "libraries", l_libraries }, { "memory", l_memory }, { "elapsed", l_elapsed }, { "time", l_time }, { "format_time", l_format_time },
    { "unit_days", l_unit_days },
    { NULL, NULL }
};

/* ---- helpers shared by the bindings (declared in lsegmint.h) ---- */

void sgl_new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods,
                  int locked)
{
    if (luaL_newmetatable(L, name)) {
        luaL_setfuncs(L, meta, 0);
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        if (locked) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "__metatable");
        }
    }
    lua_pop(L, 1);
}

uint64_t sgl_opt_seed(lua_State *L, int t, const char *what, uint64_t def)
{
    double seed = sgl_opt_number(L, t, what, "seed", (double)def);
    if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != floor(seed))
        luaL_error(L, "%s: option 'seed' must be a whole number from 0 to 2^53, got %s", what,
                   lua_pushfstring(L, "%f", seed));
    return (uint64_t)seed;
}

double sgl_opt_unit_days(lua_State *L, int t, const char *what, const char *def)
{
    const char *unit = sgl_opt_string(L, t, "unit", def);
    double days = sg_time_unit_days(unit);
    if (days == 0)
        luaL_error(L, "%s: option 'unit' must be \"days\", \"weeks\" or \"months\", got '%s'", what,
                   unit);
    return days;
}

double *sgl_column_values(lua_State *L, const sg_table *t, const char *name, const char *what,
                          const char *role, int missing_ok)
{
    char paren[96] = "";
    if (role)
        snprintf(paren, sizeof paren, " (%s)", role);
    const sg_column *c = sg_table_col(t, name);
    if (!c)
        luaL_error(L, "%s: no column '%s'%s", what, name, paren);
    if (!sg_type_is_numeric(c->type))
        luaL_error(L, "%s: column '%s'%s is %s; it must be numeric or bool", what, name, paren,
                   sg_type_name(c->type));
    double *v = lua_newuserdatauv(L, (t->nrows ? t->nrows : 1) * sizeof *v, 0);   /* freed by Lua */
    for (size_t i = 0; i < t->nrows; i++) {
        v[i] = sg_column_is_na(c, i) ? NAN : sg_column_num(c, i);
        if (isnan(v[i]) && !missing_ok) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s: column '%s'%s has a missing value on row %zu", what, name,
                     paren, i + 1);
            sgl_note_data_error(L, msg);
            luaL_error(L, "%s", msg);
        }
    }
    return v;
}

void sgl_check_known(lua_State *L, int idx, const char *what, const char *const *known)
{
    if (idx == 0 || lua_type(L, idx) != LUA_TTABLE)
        return;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        int ok = 0;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (int i = 0; known[i] && !ok; i++)
                ok = strcmp(lua_tostring(L, -2), known[i]) == 0;
        if (!ok) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; known[i]; i++) {
                if (i)
                    luaL_addstring(&b, ", ");
                luaL_addstring(&b, known[i]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown option '%s' (known: %s)", what,
                       lua_type(L, -3) == LUA_TSTRING ? lua_tostring(L, -3) : luaL_typename(L, -3),
                       lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
}

void sgl_open_util(lua_State *L)
{
    luaL_setfuncs(L, util_functions, 0);
    lua_pushstring(L, SG_VERSION);
    lua_setfield(L, -2, "version");
}
