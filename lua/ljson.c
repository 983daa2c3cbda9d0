/* What reports and manifests need: segmint.json_encode (cJSON, object keys
 * sorted so output is deterministic), segmint.sha256_file (nettle) and
 * segmint.write_text (atomic, under the write policy). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <nettle/sha2.h>

#include "lsegmint.h"

#define MAX_DEPTH 64

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Converts the Lua value at idx; NULL with a message pushed on failure. */
static cJSON *to_json(lua_State *L, int idx, int depth, const char **why)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "json_encode: nesting");
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return cJSON_CreateNull();
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: {
        double v = (double)lua_tonumber(L, idx);
        if (!isfinite(v)) {
            *why = "numbers must be finite";
            return NULL;
        }
        return cJSON_CreateNumber(v);
    }
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
    case LUA_TTABLE: break;
    default:
        *why = "only nil, booleans, numbers, strings and tables can be written as JSON";
        return NULL;
    }
    if (depth > MAX_DEPTH) {
        *why = "tables nested too deeply (or a cycle)";
        return NULL;
    }
    size_t n = (size_t)lua_rawlen(L, idx);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        lua_pop(L, 1);
    }
    if (n > 0 && count == n) {    /* a sequence */
        cJSON *arr = cJSON_CreateArray();
        for (size_t k = 1; arr && k <= n; k++) {
            lua_rawgeti(L, idx, (lua_Integer)k);
            cJSON *item = to_json(L, -1, depth + 1, why);
            lua_pop(L, 1);
            if (!item) {
                cJSON_Delete(arr);
                return NULL;
            }
            cJSON_AddItemToArray(arr, item);
        }
        return arr;
    }
    const char **keys = lua_newuserdatauv(L, (count ? count : 1) * sizeof *keys, 0);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            *why = "object keys must be strings (or the table a sequence)";
            return NULL;
        }
        keys[k++] = lua_tostring(L, -1);   /* alive: the key is in the table */
    }
    qsort(keys, k, sizeof *keys, cmp_keys);
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < k; i++) {
        lua_getfield(L, idx, keys[i]);
        cJSON *item = to_json(L, -1, depth + 1, why);
        lua_pop(L, 1);
        if (!item) {
            cJSON_Delete(obj);
            lua_pop(L, 1);
            return NULL;
        }
        cJSON_AddItemToObject(obj, keys[i], item);
    }
    lua_pop(L, 1);   /* keys */
    return obj;
}

cJSON *sgl_to_json(lua_State *L, int idx, const char **why)
{
    *why = "out of memory";
    return to_json(L, idx, 0, why);
}

void sgl_push_json(lua_State *L, const cJSON *j)
{
    luaL_checkstack(L, 4, "JSON nesting");
    if (cJSON_IsBool(j)) {
        lua_pushboolean(L, cJSON_IsTrue(j));
    } else if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
            lua_pushinteger(L, (lua_Integer)v);
        else
            lua_pushnumber(L, v);
    } else if (cJSON_IsString(j)) {
        lua_pushstring(L, j->valuestring);
    } else if (cJSON_IsArray(j)) {
        lua_createtable(L, cJSON_GetArraySize(j), 0);
        lua_Integer k = 1;
        const cJSON *x;
        cJSON_ArrayForEach(x, j) {
            sgl_push_json(L, x);
            lua_rawseti(L, -2, k++);
        }
    } else if (cJSON_IsObject(j)) {
        lua_newtable(L);
        const cJSON *x;
        cJSON_ArrayForEach(x, j) {
            sgl_push_json(L, x);
            lua_setfield(L, -2, x->string);
        }
    } else {
        lua_pushnil(L);
    }
}

/* segmint.json_encode(value [, compact]) -> text (indented, or on one line
 * without spaces when compact; keys sorted) */
static int l_json_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    int compact = lua_toboolean(L, 2);
    const char *why = "out of memory";
    cJSON *j = to_json(L, 1, 0, &why);
    if (!j)
        return luaL_error(L, "json_encode: %s", why);
    char *text = compact ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
    cJSON_Delete(j);
    if (!text)
        return luaL_error(L, "json_encode: out of memory");
    lua_pushstring(L, text);
    cJSON_free(text);
    return 1;
}

/* segmint.sha256_file(path) -> hex digest | nil, message */
static int l_sha256_file(lua_State *L)
{
    const char *path = sgl_check_read_path(L, 1);
    FILE *f = fopen(path, "rb");
    if (!f) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char *buf = lua_newuserdatauv(L, 1 << 16, 0);
    size_t n;
    while ((n = fread(buf, 1, 1 << 16, f)) > 0)
        sha256_update(&ctx, n, buf);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: read error", path);
        return 2;
    }
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    char hex[2 * SHA256_DIGEST_SIZE + 1];
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    lua_pushstring(L, hex);
    return 1;
}

/* segmint.write_text(path, text): writes a whole file under the write
 * policy, through a temporary file renamed into place. */
static int l_write_text(lua_State *L)
{
    const char *path = sgl_check_write_path(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, path);
    luaL_addstring(&b, ".XXXXXX");
    luaL_pushresult(&b);
    char *tmp = lua_newuserdatauv(L, lua_rawlen(L, -1) + 1, 0);
    memcpy(tmp, lua_tostring(L, -2), lua_rawlen(L, -2) + 1);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return luaL_error(L, "write_text: cannot create a file beside %s: %s", path, strerror(errno));
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f)
        ok = (fclose(f) == 0) && ok;
    else
        close(fd);
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return luaL_error(L, "write_text: cannot write %s: %s", path, strerror(e));
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg json_functions[] = {
    { "json_encode", l_json_encode }, { "sha256_file", l_sha256_file },
    { "write_text", l_write_text }, { NULL, NULL }
};

void sgl_open_json(lua_State *L)
{
    luaL_setfuncs(L, json_functions, 0);
}
