/* segmint.dataset: userdata over a core sg_table.  Construction from Lua
 * tables, metadata, value access and column-level reshaping. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"

#define MAX_NAMES 256

/* ---- shared helpers ---- */

sg_table *sgl_check_dataset(lua_State *L, int idx)
{
    sgl_dataset *d = luaL_checkudata(L, idx, SG_DATASET_MT);
    if (!d->t && d->shape)
        sgl_mpi_gather(L, d, "as a step reads its rows");
    if (!d->t)
        luaL_argerror(L, idx, "dataset has been closed (by ds:close(), or given up to segmint.clean with consume = true)");
    return d->t;
}

const sg_table *sgl_check_shape(lua_State *L, int idx)
{
    sgl_dataset *d = luaL_checkudata(L, idx, SG_DATASET_MT);
    return d->t || !d->shape ? sgl_check_dataset(L, idx) : d->shape;
}

int sgl_rawfield(lua_State *L, int t, const char *key)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

int sgl_declined(lua_State *L, int rc, const sg_error *err, const char *why)
{
    if (rc < 0)
        return sgl_raise(L, err);
    if (rc > 0)
        return 0;
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

void sgl_push_counts(lua_State *L, const uint64_t *v, int n)
{
    lua_createtable(L, n, 0);
    for (int k = 0; k < n; k++) {
        lua_pushinteger(L, (lua_Integer)v[k]);
        lua_rawseti(L, -2, k + 1);
    }
}

void sgl_push_mpi_stats(lua_State *L, int n, const uint64_t *ncust, const char *bytes_key, uint64_t bytes,
                        const char *first, const char *second, const double *secs)
{
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "ranks");
    sgl_push_counts(L, ncust, n);
    lua_setfield(L, -2, "customers");
    lua_pushinteger(L, (lua_Integer)bytes);
    lua_setfield(L, -2, bytes_key);
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, secs[0]);
    lua_setfield(L, -2, first);
    lua_pushnumber(L, secs[1]);
    lua_setfield(L, -2, second);
    lua_setfield(L, -2, "seconds");
}

sg_table *sgl_pin_dataset(lua_State *L, int idx)
{
    sg_table *t = sgl_check_dataset(L, idx);
    sgl_dataset *pin = sgl_new_dataset(L);
    pin->t = sg_table_share(t);
    if (!pin->t)
        luaL_error(L, "out of memory");
    return pin->t;
}

const sg_table *sgl_pin_shape(lua_State *L, int idx)
{
    const sg_table *t = sgl_check_shape(L, idx);
    sgl_dataset *pin = sgl_new_dataset(L);
    pin->t = sg_table_share(t);
    if (!pin->t)
        luaL_error(L, "out of memory");
    return pin->t;
}

sgl_dataset *sgl_new_dataset(lua_State *L)
{
    sgl_dataset *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    luaL_setmetatable(L, SG_DATASET_MT);
    return d;
}

void sgl_note_data_error(lua_State *L, const char *msg)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, SG_REG_DATA_ERRORS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_DATA_ERRORS);
    }
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, msg);
    lua_pop(L, 1);
}

int sgl_raise(lua_State *L, const sg_error *err)
{
    /* bad data only: a failed write (SG_EIO here) is not an input problem */
    if (err->code == SG_EDATA)
        sgl_note_data_error(L, err->msg);
    if (err->code == SG_ENOMEM)
        return luaL_error(L, "%s", err->msg[0] ? err->msg : "out of memory");
    return luaL_error(L, "%s", err->msg);
}

int sgl_fail(lua_State *L, const sg_error *err)
{
    if (err->code == SG_EDATA || err->code == SG_EIO)
        sgl_note_data_error(L, err->msg);
    lua_pushnil(L);
    lua_pushstring(L, err->msg);
    return 2;
}

void sgl_push_table(lua_State *L, sg_table *t, const sg_error *err)
{
    if (!t) {
        sgl_raise(L, err);
        return;
    }
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = t;
}

void sgl_push_value(lua_State *L, const sg_column *c, size_t i)
{
    if (sg_column_is_na(c, i)) {
        lua_pushnil(L);
        return;
    }
    switch (c->type) {
    case SG_INT64:
        lua_pushinteger(L, (lua_Integer)sg_column_i64(c)[i]);
        break;
    case SG_DOUBLE:
        lua_pushnumber(L, sg_column_f64(c)[i]);
        break;
    case SG_BOOL:
        lua_pushboolean(L, sg_column_bools(c)[i]);
        break;
    case SG_STRING: {
        size_t len;
        const char *s = sg_column_str(c, i, &len);
        lua_pushlstring(L, s, len);
        break;
    }
    case SG_DATETIME: {
        char buf[32];
        size_t n = sg_datetime_format(sg_column_i64(c)[i], c->date_only, buf, sizeof buf);
        lua_pushlstring(L, buf, n);
        break;
    }
    }
}

static const char *apply_policy(lua_State *L, int idx, const char *key, const char *kind)
{
    luaL_checkstring(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TFUNCTION) {
        lua_pushvalue(L, idx);
        if (kind)
            lua_pushstring(L, kind);
        lua_call(L, kind ? 2 : 1, 1);   /* the write policy raises when the path is refused */
        lua_replace(L, idx);
    } else {
        lua_pop(L, 1);
    }
    return lua_tostring(L, idx);
}

const char *sgl_check_write_path(lua_State *L, int idx)
{
    return apply_policy(L, idx, SG_REG_WRITE_POLICY, NULL);
}

const char *sgl_check_update_path(lua_State *L, int idx)
{
    return apply_policy(L, idx, SG_REG_WRITE_POLICY, "a");
}

const char *sgl_check_write_dir(lua_State *L, int idx)
{
    return apply_policy(L, idx, SG_REG_WRITE_POLICY, "dir");
}

const char *sgl_check_read_path(lua_State *L, int idx)
{
    return apply_policy(L, idx, SG_REG_READ_POLICY, NULL);
}

int sgl_progress_enabled(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, SG_REG_PROGRESS);
    int on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return on;
}

const char *sgl_opt_string(lua_State *L, int t, const char *key, const char *def)
{
    if (t == 0 || lua_type(L, t) != LUA_TTABLE)   /* 0: no options table */
        return def;
    sgl_rawfield(L, t, key);
    const char *s = def;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "option '%s' must be a string, got %s", key, luaL_typename(L, -1));
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1);   /* the string stays alive in the options table */
    return s;
}

size_t sgl_names(lua_State *L, int idx, const char *what, const char **names, size_t max)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        names[0] = lua_tostring(L, idx);
        return 1;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s must be a column name or a list of column names, got %s", what,
                   luaL_typename(L, idx));
    size_t n = (size_t)lua_rawlen(L, idx);
    if (n == 0)
        luaL_error(L, "%s: the list of column names is empty", what);
    if (n > max)
        luaL_error(L, "%s: at most %d columns", what, (int)max);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: entry %d must be a column name (string), got %s", what, (int)i + 1,
                       luaL_typename(L, -1));
        names[i] = lua_tostring(L, -1);
        lua_pop(L, 1);   /* the string stays alive in the table */
    }
    return n;
}

int sgl_check_options(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    luaL_argexpected(L, lua_istable(L, idx), idx, "table of options");
    return idx;
}

double sgl_opt_number(lua_State *L, int t, const char *what, const char *key, double def)
{
    double v = def;
    if (t == 0 || lua_type(L, t) != LUA_TTABLE)   /* 0: no options table */
        return def;
    if (sgl_rawfield(L, t, key) != LUA_TNIL) {
        int isnum;
        v = (double)lua_tonumberx(L, -1, &isnum);
        if (!isnum)
            luaL_error(L, "%s: option '%s' must be a number", what, key);
    }
    lua_pop(L, 1);
    return v;
}

void sgl_progress_draw(void *ud, uint64_t done, uint64_t total)
{
    sgl_progress *p = ud;
    int pct = total ? (int)(done * 100 / total) : 0;
    if (pct == p->last_pct)
        return;
    p->last_pct = pct;
    fprintf(stderr, "\r%s %3d%%", p->label, pct);
    if (done >= total)
        fputs("\n", stderr);
    fflush(stderr);
}

sg_column *sgl_check_column(lua_State *L, sg_table *t, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    sg_column *c = sg_table_col(t, name);
    if (!c)
        luaL_error(L, "no column '%s' in the dataset", name);
    return c;
}

static size_t check_row(lua_State *L, sg_table *t, int idx)
{
    lua_Integer i = luaL_checkinteger(L, idx);
    if (i < 1 || (lua_Unsigned)i > t->nrows)
        luaL_error(L, "row %I out of range (the dataset has %I rows)", i, (lua_Integer)t->nrows);
    return (size_t)(i - 1);
}

/* ---- construction from Lua values ---- */

/* Infers a column type from the non-nil values of the array at idx. */
static sg_type infer_lua_type(lua_State *L, int idx, lua_Integer n)
{
    int seen_int = 0, seen_float = 0, seen_str = 0, seen_bool = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        switch (lua_rawgeti(L, idx, i)) {
        case LUA_TNUMBER:
            if (lua_isinteger(L, -1))
                seen_int = 1;
            else
                seen_float = 1;
            break;
        case LUA_TSTRING: seen_str = 1; break;
        case LUA_TBOOLEAN: seen_bool = 1; break;
        default: break;
        }
        lua_pop(L, 1);
    }
    if (seen_str)
        return SG_STRING;
    if (seen_float)
        return SG_DOUBLE;
    if (seen_int)
        return SG_INT64;
    if (seen_bool)
        return SG_BOOL;
    return SG_STRING;
}

/* Pushes Lua value at top onto column c (value popped).  Raises on a mismatch. */
static void push_lua_value(lua_State *L, sg_column *c, lua_Integer row)
{
    int rc = 0;
    int t = lua_type(L, -1);
    if (t == LUA_TNIL) {
        rc = sg_column_push_na(c);
    } else {
        switch (c->type) {
        case SG_INT64:
            if (!lua_isinteger(L, -1)) {
                lua_Number v = lua_tonumber(L, -1);
                if (t != LUA_TNUMBER || v != floor(v))
                    luaL_error(L, "column '%s', row %I: expected an integer, got %s", c->name, row,
                               t == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1));
                rc = sg_column_push_i64(c, (int64_t)v);
            } else {
                rc = sg_column_push_i64(c, (int64_t)lua_tointeger(L, -1));
            }
            break;
        case SG_DOUBLE:
            if (t != LUA_TNUMBER)
                luaL_error(L, "column '%s', row %I: expected a number, got %s", c->name, row,
                           luaL_typename(L, -1));
            rc = sg_column_push_f64(c, (double)lua_tonumber(L, -1));
            break;
        case SG_BOOL:
            if (t != LUA_TBOOLEAN)
                luaL_error(L, "column '%s', row %I: expected a boolean, got %s", c->name, row,
                           luaL_typename(L, -1));
            rc = sg_column_push_bool(c, lua_toboolean(L, -1));
            break;
        case SG_STRING: {
            if (t != LUA_TSTRING && t != LUA_TNUMBER)
                luaL_error(L, "column '%s', row %I: expected a string, got %s", c->name, row,
                           luaL_typename(L, -1));
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            rc = sg_column_push_str(c, s, len);
            break;
        }
        case SG_DATETIME: {
            int64_t v;
            if (t == LUA_TNUMBER) {
                v = (int64_t)lua_tointeger(L, -1);
            } else {
                size_t len;
                const char *s = luaL_tolstring(L, -1, &len);
                lua_pop(L, 1);
                int has_time = 0;
                if (t != LUA_TSTRING || sg_datetime_parse(s, len, SG_DATE_ISO, &v, &has_time) != 0)
                    luaL_error(L, "column '%s', row %I: expected a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'",
                               c->name, row, s);
                if (has_time && v % 86400 != 0)
                    c->date_only = 0;
            }
            rc = sg_column_push_i64(c, v);
            break;
        }
        }
    }
    lua_pop(L, 1);
    if (rc)
        luaL_error(L, "out of memory building column '%s'", c->name);
}

/* Builds one column from the array at idx.  The column is anchored in a
 * holder dataset pushed on the stack, so an error mid-way does not leak
 * it; the caller retains the column it keeps. */
static sg_column *column_from_array(lua_State *L, int idx, const char *name, const char *type_name)
{
    sgl_dataset *holder = sgl_new_dataset(L);
    holder->t = sg_table_new();
    if (!holder->t)
        luaL_error(L, "out of memory");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    /* honour explicit trailing nils: a field n = count */
    if (sgl_rawfield(L, idx, "n") == LUA_TNUMBER)
        n = lua_tointeger(L, -1);
    lua_pop(L, 1);
    sg_type type;
    if (type_name) {
        if (sg_type_parse(type_name, &type) != 0)
            luaL_error(L, "column '%s': unknown type '%s' (int64, double, string, datetime, bool)",
                       name, type_name);
    } else {
        type = infer_lua_type(L, idx, n);
    }
    sg_column *c = sg_column_new(name, type, (size_t)n);
    if (!c)
        luaL_error(L, "out of memory");
    if (type == SG_DATETIME)
        c->date_only = 1;
    sg_error err;
    if (sg_table_add(holder->t, c, &err) != 0)
        sgl_raise(L, &err);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        push_lua_value(L, c, i);
    }
    holder->t->nrows = c->n;
    return c;
}

/* segmint.dataset{ {"name", {values...} [, "type"]}, ... } */
static int l_dataset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    sgl_dataset *d = sgl_new_dataset(L);   /* safe empty state first */
    d->t = sg_table_new();
    if (!d->t)
        return luaL_error(L, "out of memory");
    lua_Integer ncols = (lua_Integer)lua_rawlen(L, 1);
    size_t nrows = 0;
    for (lua_Integer j = 1; j <= ncols; j++) {
        if (lua_rawgeti(L, 1, j) != LUA_TTABLE)
            return luaL_error(L, "segmint.dataset: entry %I must be {name, values[, type]}", j);
        int spec = lua_gettop(L);
        lua_rawgeti(L, spec, 1);
        lua_rawgeti(L, spec, 2);
        lua_rawgeti(L, spec, 3);
        if (lua_type(L, spec + 1) != LUA_TSTRING || lua_type(L, spec + 2) != LUA_TTABLE)
            return luaL_error(L, "segmint.dataset: entry %I must be {name, values[, type]}", j);
        const char *name = lua_tostring(L, spec + 1);
        const char *type = lua_isnil(L, spec + 3) ? NULL : luaL_checkstring(L, spec + 3);
        sg_column *c = column_from_array(L, spec + 2, name, type);
        if (j > 1 && c->n != nrows)
            return luaL_error(L, "segmint.dataset: column '%s' has %d values, expected %d", name,
                              (int)c->n, (int)nrows);
        nrows = c->n;
        sg_error err;
        if (sg_table_add(d->t, sg_column_retain(c), &err) != 0)
            return luaL_error(L, "segmint.dataset: %s", err.msg);
        lua_settop(L, spec - 1);
    }
    d->t->nrows = nrows;
    return 1;
}

/* ---- metamethods ---- */

static int l_gc(lua_State *L)
{
    sgl_dataset *d = luaL_checkudata(L, 1, SG_DATASET_MT);
    sg_table_free(d->t);
    sg_table_free(d->shape);
    d->t = d->shape = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    sgl_dataset *d = luaL_checkudata(L, 1, SG_DATASET_MT);
    if (!d->t && d->shape)
        lua_pushfstring(L, "dataset(%I rows x %I columns, on the MPI ranks)", (lua_Integer)d->nrows,
                        (lua_Integer)d->shape->ncols);
    else if (!d->t)
        lua_pushliteral(L, "dataset(closed)");
    else
        lua_pushfstring(L, "dataset(%I rows x %I columns)", (lua_Integer)d->t->nrows,
                        (lua_Integer)d->t->ncols);
    return 1;
}

static int l_len(lua_State *L)
{
    sgl_dataset *d = luaL_checkudata(L, 1, SG_DATASET_MT);
    lua_pushinteger(L, (lua_Integer)(!d->t && d->shape ? d->nrows : sgl_check_dataset(L, 1)->nrows));
    return 1;
}

/* ---- metadata ---- */

static int l_nrows(lua_State *L) { return l_len(L); }

static int l_ncols(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sgl_check_shape(L, 1)->ncols);
    return 1;
}

static int l_columns(lua_State *L)
{
    const sg_table *t = sgl_check_shape(L, 1);
    lua_createtable(L, (int)t->ncols, 0);
    for (size_t j = 0; j < t->ncols; j++) {
        lua_pushstring(L, t->cols[j]->name);
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

static int l_types(lua_State *L)
{
    const sg_table *t = sgl_check_shape(L, 1);
    lua_createtable(L, 0, (int)t->ncols);
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        lua_pushstring(L, c->type == SG_DATETIME && c->date_only ? "date" : sg_type_name(c->type));
        lua_setfield(L, -2, c->name);
    }
    return 1;
}

static int l_has(lua_State *L)
{
    const sg_table *t = sgl_check_shape(L, 1);
    lua_pushboolean(L, sg_table_col(t, luaL_checkstring(L, 2)) != NULL);
    return 1;
}

static int l_memory(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sg_table_bytes(sgl_check_dataset(L, 1)));
    return 1;
}

/* ---- values ---- */

static int l_column(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    sg_column *c = sgl_check_column(L, t, 2);
    lua_createtable(L, (int)(c->n < 1u << 26 ? c->n : 0), 1);
    for (size_t i = 0; i < c->n; i++) {
        sgl_push_value(L, c, i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushinteger(L, (lua_Integer)c->n);
    lua_setfield(L, -2, "n");
    return 1;
}

static int l_get(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    size_t i = check_row(L, t, 2);
    sgl_push_value(L, sgl_check_column(L, t, 3), i);
    return 1;
}

static void push_row(lua_State *L, sg_table *t, size_t i)
{
    lua_createtable(L, 0, (int)t->ncols);
    for (size_t j = 0; j < t->ncols; j++) {
        sgl_push_value(L, t->cols[j], i);
        lua_setfield(L, -2, t->cols[j]->name);
    }
}

static int l_row(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    push_row(L, t, check_row(L, t, 2));
    return 1;
}

static int rows_iter(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2) + 1;
    if (i < 1 || (lua_Unsigned)i > t->nrows)
        return 0;
    lua_pushinteger(L, i);
    push_row(L, t, (size_t)(i - 1));
    return 2;
}

/* for i, row in ds:rows() do ... end */
static int l_rows(lua_State *L)
{
    sgl_check_dataset(L, 1);
    lua_pushcfunction(L, rows_iter);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

/* ---- reshaping ---- */

static int l_head(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 10);
    luaL_argcheck(L, n >= 0, 2, "row count must not be negative");
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_head(t, (size_t)n, &err);
    if (!d->t)
        return sgl_raise(L, &err);
    return 1;
}

/* ds:slice(first, last): rows first..last (1-based, inclusive; negative counts from the end) */
static int l_slice(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    lua_Integer n = (lua_Integer)t->nrows;
    lua_Integer a = luaL_checkinteger(L, 2), b = luaL_optinteger(L, 3, n);
    if (a < 0)
        a = n + a + 1;
    if (b < 0)
        b = n + b + 1;
    if (a < 1)
        a = 1;
    if (b > n)
        b = n;
    size_t cnt = b >= a ? (size_t)(b - a + 1) : 0;
    sgl_dataset *d = sgl_new_dataset(L);
    size_t *rows = sg_malloc((cnt ? cnt : 1) * sizeof *rows);
    if (!rows)
        return luaL_error(L, "out of memory");
    for (size_t k = 0; k < cnt; k++)
        rows[k] = (size_t)(a - 1) + k;
    sg_error err;
    d->t = sg_table_take(t, rows, cnt, &err);
    sg_free(rows);
    if (!d->t)
        return sgl_raise(L, &err);
    return 1;
}

static int l_select(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *names[MAX_NAMES];
    size_t n = sgl_names(L, 2, "select", names, MAX_NAMES);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_table_select(t, names, n, &err);
    if (!d->t)
        return sgl_raise(L, &err);
    return 1;
}

static int l_drop(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    const char *drop[MAX_NAMES];
    size_t nd = sgl_names(L, 2, "drop", drop, MAX_NAMES);
    for (size_t k = 0; k < nd; k++)
        if (!sg_table_col(t, drop[k]))
            return luaL_error(L, "drop: no column '%s' in the dataset", drop[k]);
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_new();
    if (!d->t)
        return luaL_error(L, "out of memory");
    for (size_t j = 0; j < t->ncols; j++) {
        int dropped = 0;
        for (size_t k = 0; k < nd; k++)
            dropped |= strcmp(t->cols[j]->name, drop[k]) == 0;
        sg_error err;
        if (!dropped && sg_table_add(d->t, sg_column_retain(t->cols[j]), &err) != 0)
            return sgl_raise(L, &err);
    }
    d->t->nrows = d->t->ncols ? t->nrows : 0;
    return 1;
}

/* ds:rename{ old = "new", ... } */
static int l_rename(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "rename expects { old_name = \"new_name\", ... }");
        if (!sg_table_col(t, lua_tostring(L, -2)))
            return luaL_error(L, "rename: no column '%s' in the dataset", lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_new();
    if (!d->t)
        return luaL_error(L, "out of memory");
    for (size_t j = 0; j < t->ncols; j++) {
        sg_column *c = t->cols[j];
        sg_error err;
        if (sgl_rawfield(L, 2, c->name) == LUA_TSTRING) {
            sg_column *r = sg_column_copy(c, lua_tostring(L, -1));
            if (!r)
                return luaL_error(L, "out of memory");
            if (sg_table_add(d->t, r, &err) != 0)
                return luaL_error(L, "rename: %s", err.msg);
        } else if (sg_table_add(d->t, sg_column_retain(c), &err) != 0) {
            return luaL_error(L, "rename: %s", err.msg);
        }
        lua_pop(L, 1);
    }
    d->t->nrows = d->t->ncols ? t->nrows : 0;
    return 1;
}

/* ds:with_column(name, values [, type]): a new dataset with a column from a Lua array */
static int l_with_column(lua_State *L)
{
    lua_settop(L, 4);
    sg_table *t = sgl_pin_dataset(L, 1);   /* values may run __tostring */
    const char *name = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *type = luaL_optstring(L, 4, NULL);
    sg_column *c = column_from_array(L, 3, name, type);
    if (c->n != t->nrows)
        return luaL_error(L, "with_column: '%s' has %d values but the dataset has %d rows", name,
                          (int)c->n, (int)t->nrows);
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = sg_table_share(t);
    if (!d->t)
        return luaL_error(L, "out of memory");
    sg_error err;
    if (sg_table_set(d->t, sg_column_retain(c), &err) != 0)
        return sgl_raise(L, &err);
    return 1;
}

static const luaL_Reg dataset_methods[] = {
    { "nrows", l_nrows }, { "ncols", l_ncols }, { "columns", l_columns }, { "types", l_types },
    { "has", l_has }, { "memory", l_memory }, { "column", l_column }, { "get", l_get },
    { "row", l_row }, { "rows", l_rows }, { "head", l_head }, { "slice", l_slice },
    { "select", l_select }, { "drop", l_drop }, { "rename", l_rename },
    { "with_column", l_with_column }, { "close", l_gc },
    { NULL, NULL }
};

static const luaL_Reg dataset_meta[] = {
    { "__gc", l_gc }, { "__close", l_gc }, { "__tostring", l_tostring }, { "__len", l_len },
    { "__index", NULL }, { NULL, NULL }
};

static const luaL_Reg dataset_functions[] = {
    { "dataset", l_dataset }, { NULL, NULL }
};

void sgl_open_dataset(lua_State *L)
{
    if (luaL_newmetatable(L, SG_DATASET_MT)) {
        luaL_setfuncs(L, dataset_meta, 0);
        lua_pushliteral(L, SG_DATASET_MT);   /* recipes cannot reach or change the methods */
        lua_setfield(L, -2, "__metatable");
        luaL_newlib(L, dataset_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, dataset_functions, 0);
}
