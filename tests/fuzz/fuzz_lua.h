/* A Lua state for the fuzz targets that go through the library code: the
 * segmint module, the sandbox of lua/segmint/sandbox.lua given a host
 * table of the fuzzer's own (the host program is not involved), a memory
 * cap and an instruction budget that keeps failing once tripped. */
#ifndef SG_FUZZ_LUA_H
#define SG_FUZZ_LUA_H

#include "fuzz_util.h"
#include "lsegmint.h"

#define FUZZ_LUA_HEAP ((size_t)256 << 20)
#define FUZZ_LUA_BUDGET 20000000L     /* VM instructions per input */

static size_t fuzz_heap_used;
static long fuzz_count;
static int fuzz_tripped_flag;

static void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (!ptr)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        fuzz_heap_used -= osize;
        return NULL;
    }
    if (nsize > osize && fuzz_heap_used + (nsize - osize) > FUZZ_LUA_HEAP)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        fuzz_heap_used = fuzz_heap_used - osize + nsize;
    return p;
}

static void fuzz_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    fuzz_count += 1000;
    if (fuzz_count > FUZZ_LUA_BUDGET || fuzz_tripped_flag) {
        fuzz_tripped_flag = 1;
        luaL_error(L, "instruction budget exceeded");
    }
}

static int fuzz_tripped(lua_State *L)
{
    lua_pushboolean(L, fuzz_tripped_flag);
    return 1;
}

static int fuzz_realpath(lua_State *L)
{
    lua_pushnil(L);
    return 1;
}

/* A new state with, on its stack: 1 the module, 2 the sandbox class. */
static inline lua_State *fuzz_lua_new(void)
{
    lua_State *L = lua_newstate(fuzz_alloc, NULL);
    FUZZ_CHECK(L != NULL, "no Lua state");
    fuzz_count = 0;
    fuzz_tripped_flag = 0;
    luaL_openlibs(L);
    lua_pushboolean(L, 0);
    lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_PROGRESS);
    luaL_requiref(L, "segmint", sg_open, 0);
    FUZZ_CHECK(sg_load_embedded(L, "segmint.sandbox") == LUA_OK, "sandbox: %s", lua_tostring(L, -1));
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, fuzz_realpath);
    lua_setfield(L, -2, "realpath");
    lua_pushcfunction(L, fuzz_tripped);
    lua_setfield(L, -2, "tripped");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "segmint");
    lua_call(L, 1, 1);
    lua_sethook(L, fuzz_hook, LUA_MASKCOUNT, 1000);
    return L;
}

/* Runs the Lua driver `code` with the module, the sandbox class and the
 * given string arguments; returns its error message or NULL (a copy of at
 * most size bytes goes to err). */
static inline int fuzz_lua_run(lua_State *L, const char *code, const char *a, size_t alen,
                               const char *b, char *err, size_t size)
{
    FUZZ_CHECK(luaL_loadbuffer(L, code, strlen(code), "=driver") == LUA_OK, "driver: %s",
               lua_tostring(L, -1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushlstring(L, a, alen);
    lua_pushstring(L, b);
    int rc = lua_pcall(L, 4, 0, 0);
    if (rc != LUA_OK)
        snprintf(err, size, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
    lua_settop(L, 2);
    return rc;
}

#endif
