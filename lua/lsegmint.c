/* The segmint module: the C functions of every binding, then the embedded
 * Lua library (lua/segmint/init.lua) that completes the public surface. */
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "embedded.h"
#include "jsonfile.h"
#include "lsegmint.h"

int sg_load_embedded(lua_State *L, const char *module)
{
    for (const sg_embedded_file *f = sg_embedded_files; f->module; f++) {
        if (strcmp(f->module, module) == 0) {
            /* the bytecode carries the same chunk name; a Lua that refuses
             * it (another number format or version) gets the source */
            lua_pushfstring(L, "=[segmint/%s]", f->file);
            int rc = luaL_loadbufferx(L, f->bytecode, f->bclen, lua_tostring(L, -1), "b");
            if (rc != LUA_OK && rc != LUA_ERRMEM) {
                lua_pop(L, 1);
                rc = luaL_loadbufferx(L, f->source, f->len, lua_tostring(L, -1), "t");
            }
            lua_remove(L, -2);
            return rc;
        }
    }
    lua_pushfstring(L, "no embedded library file '%s'", module);
    return LUA_ERRFILE;
}

/* package.preload loader for an embedded library module (upvalue: its name) */
static int preload_embedded(lua_State *L)
{
    const char *module = lua_tostring(L, lua_upvalueindex(1));
    if (sg_load_embedded(L, module) != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, module);
    lua_call(L, 1, 1);
    return 1;
}

/* Makes require "segmint.<name>" find the embedded library files. */
static void register_preloads(lua_State *L)
{
    int top = lua_gettop(L);
    if (lua_getglobal(L, "package") != LUA_TTABLE || lua_getfield(L, -1, "preload") != LUA_TTABLE) {
        lua_settop(L, top);
        return;
    }
    for (const sg_embedded_file *f = sg_embedded_files; f->module; f++) {
        if (strncmp(f->module, "segmint.", 8) != 0 || strcmp(f->module, "segmint.init") == 0)
            continue;
        lua_pushstring(L, f->module);
        lua_pushcclosure(L, preload_embedded, 1);
        lua_setfield(L, -2, f->module);
    }
    lua_settop(L, top);
}

/* core._load(name) -> the embedded chunk for "segmint.<name>" */
static int l_load(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_pushfstring(L, "segmint.%s", name);
    if (sg_load_embedded(L, lua_tostring(L, -1)) != LUA_OK)
        return lua_error(L);
    return 1;
}

int sg_open(lua_State *L)
{
    /* GSL's default handler aborts the process; the core checks return codes. */
    gsl_set_error_handler_off();
    /* JSON trees and texts count against the memory cap */
    sg_json_use_accounted_memory();
    lua_getfield(L, LUA_REGISTRYINDEX, SG_REG_PROGRESS);
    int set = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!set) {
        lua_pushboolean(L, isatty(2));
        lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_PROGRESS);
    }
    register_preloads(L);
    lua_newtable(L);   /* core */
    sgl_open_dataset(L);
    sgl_open_dataops(L);
    sgl_open_csv(L);
    sgl_open_mpi(L);
    sgl_open_generate(L);
    sgl_open_util(L);
    sgl_open_rfm(L);
    sgl_open_crosssell(L);
    sgl_open_clean(L);
    sgl_open_json(L);
    sgl_open_cluster(L);
    sgl_open_btyd(L);
    sgl_open_model(L);
    sgl_open_features(L);
    sgl_open_xlsx(L);
    sgl_open_campaign(L);
    sgl_open_sql(L);
    sgl_open_activity(L);
    sgl_open_history(L);
    lua_pushcfunction(L, l_load);
    lua_setfield(L, -2, "_load");
    luaL_getmetatable(L, SG_DATASET_MT);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "_dataset_methods");
    lua_pop(L, 1);
    if (sg_load_embedded(L, "segmint.init") != LUA_OK)
        return lua_error(L);
    lua_insert(L, -2);
    lua_call(L, 1, 1);   /* init.lua receives the core table, returns the module */
    return 1;
}
