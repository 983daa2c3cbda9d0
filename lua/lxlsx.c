/* segmint.write_xlsx: Excel workbooks (core/xlsx.c) from datasets. */
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "lsegmint.h"
#include "xlsx.h"

/* The creation time written in the workbook when neither the created
 * option nor SOURCE_DATE_EPOCH gives one: 2000-01-01 00:00:00 UTC, so that
 * reruns give the same bytes. */
#define SG_XLSX_DEFAULT_CREATED 946684800

/* Marks in flags[] the columns of t named by the list at t[key] (a name or
 * a list of names). */
static void column_flags(lua_State *L, int spec, const char *key, const sg_table *t, const char *sheet,
                         unsigned char *flags)
{
    int ty = sgl_rawfield(L, spec, key);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (ty == LUA_TSTRING) {
        lua_createtable(L, 1, 0);
        lua_insert(L, -2);
        lua_rawseti(L, -2, 1);
    } else if (ty != LUA_TTABLE) {
        luaL_error(L, "write_xlsx: sheet '%s': '%s' must be a column name or a list of them", sheet, key);
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer k = 1; k <= n; k++) {
        lua_rawgeti(L, -1, k);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "write_xlsx: sheet '%s': '%s' must list column names", sheet, key);
        int j = sg_table_index(t, lua_tostring(L, -1));
        if (j < 0)
            luaL_error(L, "write_xlsx: sheet '%s': no column '%s' (in %s)", sheet, lua_tostring(L, -1), key);
        flags[j] = 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The creation time: the option (seconds, or "YYYY-MM-DD[ HH:MM:SS]"),
 * else SOURCE_DATE_EPOCH, else the fixed default. */
static int64_t created_time(lua_State *L, int opts)
{
    int ty = opts ? sgl_rawfield(L, opts, "created") : LUA_TNIL;
    int64_t t = SG_XLSX_DEFAULT_CREATED;
    if (ty == LUA_TNUMBER) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) <= 0)
            luaL_error(L, "write_xlsx: 'created' must be whole seconds since 1970 (above 0) or a date text");
        t = (int64_t)lua_tointeger(L, -1);
    } else if (ty == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (sg_datetime_parse(s, len, SG_DATE_ISO, &t, NULL) != 0 || t <= 0)
            luaL_error(L, "write_xlsx: 'created' ('%s') is not a date after 1970 (YYYY-MM-DD[ HH:MM:SS])", s);
    } else if (ty != LUA_TNIL) {
        luaL_error(L, "write_xlsx: 'created' must be seconds or a date text, got %s", luaL_typename(L, -1));
    } else {
        const char *env = getenv("SOURCE_DATE_EPOCH");
        char *end;
        if (env && *env) {
            long long v = strtoll(env, &end, 10);
            if (*end == '\0' && v > 0)
                t = (int64_t)v;
        }
    }
    if (opts)
        lua_pop(L, 1);
    return t;
}

/* segmint.write_xlsx(path, { { name =, data = ds, money = {cols}, dates = {cols} }, ... }
 *                    [, { created =, title = }]) -> true, or raises */
static int l_write_xlsx(lua_State *L)
{
    const char *path = sgl_check_write_path(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int opts = sgl_check_options(L, 3);
    size_t n = (size_t)lua_rawlen(L, 2);
    if (n == 0)
        return luaL_error(L, "write_xlsx: the list of sheets is empty");
    sg_xlsx_sheet *sheets = lua_newuserdatauv(L, n * sizeof *sheets, 0);
    memset(sheets, 0, n * sizeof *sheets);
    size_t total = 0;
    for (size_t s = 0; s < n; s++) {   /* names and datasets (held by the list at 2) */
        lua_rawgeti(L, 2, (lua_Integer)s + 1);
        int spec = lua_gettop(L);
        if (!lua_istable(L, spec))
            return luaL_error(L, "write_xlsx: sheet %d must be a table { name =, data = dataset }", (int)s + 1);
        if (sgl_rawfield(L, spec, "name") != LUA_TSTRING)
            return luaL_error(L, "write_xlsx: sheet %d needs a name (text)", (int)s + 1);
        sheets[s].name = lua_tostring(L, -1);
        lua_pop(L, 1);
        sgl_rawfield(L, spec, "data");
        if (!luaL_testudata(L, -1, SG_DATASET_MT))
            return luaL_error(L, "write_xlsx: sheet '%s': 'data' must be a dataset", sheets[s].name);
        sheets[s].table = sgl_check_dataset(L, -1);
        total += sheets[s].table->ncols;
        lua_pop(L, 2);
    }
    /* money and date flags of every column of every sheet, in one block */
    unsigned char *flags = lua_newuserdatauv(L, 2 * total + 1, 0);
    memset(flags, 0, 2 * total + 1);
    for (size_t s = 0, at = 0; s < n; s++) {
        size_t ncols = sheets[s].table->ncols;
        lua_rawgeti(L, 2, (lua_Integer)s + 1);
        int spec = lua_gettop(L);
        column_flags(L, spec, "money", sheets[s].table, sheets[s].name, flags + at);
        column_flags(L, spec, "dates", sheets[s].table, sheets[s].name, flags + total + at);
        sheets[s].money = flags + at;
        sheets[s].dates = flags + total + at;
        at += ncols;
        lua_pop(L, 1);
    }
    sg_xlsx_options o = { created_time(L, opts), sgl_opt_string(L, opts, "title", NULL) };
    sg_error err;
    int rc = sg_xlsx_write(path, sheets, n, &o, &err);
    if (rc)
        return sgl_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg xlsx_functions[] = {
    { "write_xlsx", l_write_xlsx }, { NULL, NULL }
};

void sgl_open_xlsx(lua_State *L)
{
    luaL_setfuncs(L, xlsx_functions, 0);
}
