/* segmint.read_sql and segmint.mask_secret: query results from SQLite and
 * PostgreSQL as datasets (core/sql*.c), and connection strings made safe
 * to show. */
#include <string.h>

#include "lsegmint.h"
#include "mem.h"
#include "sql.h"

#define MAX_PARAMS 256
#define MAX_TYPES 1024

/* Reads params = { v1, v2, ... } (n = count when there are nil holes). */
static size_t read_params(lua_State *L, int opts, sg_sql_value *pv)
{
    if (sgl_rawfield(L, opts, "params") == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "read_sql option 'params' must be a list of values");
    int p = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, p);
    if (sgl_rawfield(L, p, "n") != LUA_TNIL) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
            luaL_error(L, "read_sql option 'params': 'n' must be a count");
        n = lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    if (n > MAX_PARAMS)
        luaL_error(L, "read_sql: at most %d parameters", MAX_PARAMS);
    for (lua_Integer k = 1; k <= n; k++) {
        sg_sql_value *v = &pv[k - 1];
        memset(v, 0, sizeof *v);
        switch (lua_rawgeti(L, p, k)) {
        case LUA_TNIL: v->kind = SG_SQL_NULL; break;
        case LUA_TBOOLEAN: v->kind = SG_SQL_BOOL; v->i = lua_toboolean(L, -1); break;
        case LUA_TNUMBER:
            if (lua_isinteger(L, -1)) {
                v->kind = SG_SQL_INT;
                v->i = (int64_t)lua_tointeger(L, -1);
            } else {
                v->kind = SG_SQL_DOUBLE;
                v->d = (double)lua_tonumber(L, -1);
            }
            break;
        case LUA_TSTRING:
            v->kind = SG_SQL_TEXT;
            v->s = lua_tolstring(L, -1, &v->len);   /* kept alive by the params table */
            break;
        default:
            luaL_error(L, "read_sql option 'params': value %d is a %s (strings, numbers, booleans or nil)", (int)k,
                       luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return (size_t)n;
}

static size_t read_types(lua_State *L, int opts, sg_sql_type *ty)
{
    size_t n = 0;
    if (sgl_rawfield(L, opts, "types") == LUA_TTABLE) {
        int t = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "read_sql option 'types' must map column names to type names");
            if (n == MAX_TYPES)
                luaL_error(L, "read_sql: at most %d type overrides", MAX_TYPES);
            const char *col = lua_tostring(L, -2), *tn = lua_tostring(L, -1);
            if (sg_type_parse(tn, &ty[n].type) != 0)
                luaL_error(L, "read_sql: column '%s': unknown type '%s' (int64, double, string, datetime, bool)", col,
                           tn);
            ty[n++].column = col;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "read_sql option 'types' must be a table");
    }
    lua_pop(L, 1);
    return n;
}

/* segmint.read_sql{ db =, query =, params =, types =, max_rows = } -> dataset, info | nil, message */
static int l_read_sql(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    const char *db = sgl_opt_string(L, 1, "db", NULL);
    const char *query = sgl_opt_string(L, 1, "query", NULL);
    if (!db)
        return luaL_error(L, "read_sql: option 'db' is required (\"sqlite:PATH\" or a PostgreSQL connection string)");
    if (!query)
        return luaL_error(L, "read_sql: option 'query' is required");
    static const char *known[] = { "db", "query", "params", "types", "max_rows", NULL };
    sgl_check_known(L, 1, "read_sql", known);
    sg_sql_options o;
    sg_sql_options_init(&o);
    sg_sql_value *pv = lua_newuserdatauv(L, MAX_PARAMS * sizeof *pv, 0);   /* index 2 */
    sg_sql_type *ty = lua_newuserdatauv(L, MAX_TYPES * sizeof *ty, 0);     /* index 3 */
    o.nparams = read_params(L, 1, pv);
    o.params = pv;
    o.ntypes = read_types(L, 1, ty);
    o.types = ty;
    double max_rows = sgl_opt_number(L, 1, "read_sql", "max_rows", 0);
    if (max_rows < 0 || max_rows != (double)(size_t)max_rows)
        return luaL_error(L, "read_sql option 'max_rows' must be a whole number, not negative");
    o.max_rows = (size_t)max_rows;
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    sg_error_clear(&err);
    d->t = sg_sql_read(db, query, &o, &err);
    if (!d->t) {
        if (err.code == SG_EINVAL || err.code == SG_ENOMEM)
            return sgl_raise(L, &err);
        return sgl_fail(L, &err);
    }
    char masked[1024];
    sg_sql_mask(db, masked, sizeof masked);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, masked);
    lua_setfield(L, -2, "source");
    lua_pushinteger(L, (lua_Integer)d->t->nrows);
    lua_setfield(L, -2, "rows_read");
    lua_createtable(L, 0, (int)d->t->ncols);
    for (size_t j = 0; j < d->t->ncols; j++) {
        lua_pushstring(L, sg_type_name(d->t->cols[j]->type));
        lua_setfield(L, -2, d->t->cols[j]->name);
    }
    lua_setfield(L, -2, "types");
    return 2;
}

/* segmint.mask_secret(text) -> the text with passwords replaced by **** */
static int l_mask_secret(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    size_t need = sg_sql_mask(s, NULL, 0) + 1;
    char *buf = lua_newuserdatauv(L, need, 0);
    sg_sql_mask(s, buf, need);
    lua_pushstring(L, buf);
    return 1;
}

static const luaL_Reg sql_functions[] = {
    { "read_sql", l_read_sql }, { "mask_secret", l_mask_secret }, { NULL, NULL }
};

void sgl_open_sql(lua_State *L)
{
    luaL_setfuncs(L, sql_functions, 0);
}
