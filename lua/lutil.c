/* Small utilities: version, memory figures, date conversion. */
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

static const luaL_Reg util_functions[] = {
    { "libraries", l_libraries }, { "memory", l_memory }, { "elapsed", l_elapsed }, { "time", l_time }, { "format_time", l_format_time },
    { NULL, NULL }
};

void sgl_open_util(lua_State *L)
{
    luaL_setfuncs(L, util_functions, 0);
    lua_pushstring(L, SG_VERSION);
    lua_setfield(L, -2, "version");
}
