/* The run history for Lua: a segmint.history userdata over core/history.c.
 * lua/segmint/history.lua completes it (defaults, moves, reports):
 *   segmint._history_open(path, writable) -> history | nil, message
 *   h:_append(run)          -> run id (one transaction; raises on failure)
 *   h:runs()                -> dataset
 *   h:inputs(id), h:segments(id), h:figures(id), h:customers(id) -> dataset
 *   h:kpis([name])          -> dataset
 *   h:migration(from, to)   -> dataset from_segment, to_segment, customers, change
 *   h:previous([id])        -> the run before id (or the latest run), or nil
 *   h:has_run(id), h:path(), h:close() */
#include <math.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "history.h"
#include "lsegmint.h"
#include "mem.h"

#define SG_HISTORY_MT "segmint.history"
#define MAX_ITEMS 100000

typedef struct sgl_history {
    sg_history *h;   /* NULL once closed */
} sgl_history;

static int history_gc(lua_State *L)
{
    sgl_history *b = luaL_checkudata(L, 1, SG_HISTORY_MT);
    sg_history_close(b->h);
    b->h = NULL;
    return 0;
}

static sg_history *check_history(lua_State *L, int idx)
{
    sgl_history *b = luaL_checkudata(L, idx, SG_HISTORY_MT);
    if (!b->h)
        luaL_argerror(L, idx, "history has been closed");
    return b->h;
}

static int history_tostring(lua_State *L)
{
    sgl_history *b = luaL_checkudata(L, 1, SG_HISTORY_MT);
    if (!b->h)
        lua_pushliteral(L, "history (closed)");
    else
        lua_pushfstring(L, "history (%s)", sg_history_path(b->h));
    return 1;
}

/* segmint._history_open(path, writable) */
static int l_history_open(lua_State *L)
{
    int writable = lua_toboolean(L, 2);
    /* a run updates a copy of the database in its staging folder, published
     * with its other outputs (a failed run leaves the history unchanged) */
    const char *path = writable ? sgl_check_update_path(L, 1) : sgl_check_read_path(L, 1);
    sgl_history *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->h = NULL;
    luaL_setmetatable(L, SG_HISTORY_MT);
    sg_error err;
    sg_error_clear(&err);
    b->h = sg_history_open(path, writable, &err);
    if (!b->h) {
        if (err.code == SG_EINVAL || err.code == SG_ENOMEM)
            return sgl_raise(L, &err);
        if (writable && err.code == SG_EIO) {
            /* cannot create or lock an output: not bad input data */
            lua_pushnil(L);
            lua_pushstring(L, err.msg);
            return 2;
        }
        return sgl_fail(L, &err);
    }
    return 1;
}

/* ---- reading the run table ---- */

static const char *opt_str(lua_State *L, int t, const char *key, const char *what)
{
    int ty = sgl_rawfield(L, t, key);
    const char *s = NULL;
    if (ty == LUA_TSTRING)
        s = lua_tostring(L, -1);   /* alive in the table */
    else if (ty != LUA_TNIL)
        luaL_error(L, "history append: %s field '%s' must be a string, got %s", what, key, lua_typename(L, ty));
    lua_pop(L, 1);
    return s;
}

static double opt_num(lua_State *L, int t, const char *key, const char *what)
{
    int ty = sgl_rawfield(L, t, key);
    double v = NAN;
    if (ty == LUA_TNUMBER)
        v = (double)lua_tonumber(L, -1);
    else if (ty != LUA_TNIL)
        luaL_error(L, "history append: %s field '%s' must be a number, got %s", what, key, lua_typename(L, ty));
    lua_pop(L, 1);
    return v;
}

static int opt_time(lua_State *L, int t, const char *key, const char *what, int64_t *out)
{
    int ty = sgl_rawfield(L, t, key);
    int have = 0;
    if (ty == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (sg_datetime_parse(s, len, SG_DATE_ISO, out, NULL) != 0)
            luaL_error(L, "history append: %s field '%s' must be a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", what, key,
                       s);
        have = 1;
    } else if (ty == LUA_TNUMBER && lua_isinteger(L, -1)) {
        *out = (int64_t)lua_tointeger(L, -1);
        have = 1;
    } else if (ty != LUA_TNIL) {
        luaL_error(L, "history append: %s field '%s' must be a date, got %s", what, key, lua_typename(L, ty));
    }
    lua_pop(L, 1);
    return have;
}

/* Pushes the list at run[key] (or an empty table) and returns its length. */
static size_t list_field(lua_State *L, int t, const char *key)
{
    int ty = sgl_rawfield(L, t, key);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        return 0;
    }
    if (ty != LUA_TTABLE)
        luaL_error(L, "history append: field '%s' must be a list", key);
    size_t n = (size_t)lua_rawlen(L, -1);
    if (n > MAX_ITEMS)
        luaL_error(L, "history append: field '%s' has more than %d entries", key, MAX_ITEMS);
    return n;
}

static void item(lua_State *L, int list, size_t k, const char *key)
{
    if (lua_rawgeti(L, list, (lua_Integer)k + 1) != LUA_TTABLE)
        luaL_error(L, "history append: %s[%d] must be a table", key, (int)k + 1);
}

/* h:_append(run) -> id */
static int l_append(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    sg_history_run r;
    memset(&r, 0, sizeof r);
    if (!opt_time(L, 2, "time", "run", &r.time))
        r.time = (int64_t)time(NULL);
    r.has_as_of = opt_time(L, 2, "as_of", "run", &r.as_of);
    r.label = opt_str(L, 2, "label", "run");
    r.parameters = opt_str(L, 2, "parameters", "run");

    r.ninputs = list_field(L, 2, "inputs");                      /* index 3 */
    sg_history_input *in = lua_newuserdatauv(L, (r.ninputs ? r.ninputs : 1) * sizeof *in, 0);   /* 4 */
    for (size_t k = 0; k < r.ninputs; k++) {
        item(L, 3, k, "inputs");
        in[k].path = opt_str(L, -1, "path", "input");
        in[k].sha256 = opt_str(L, -1, "sha256", "input");
        lua_pop(L, 1);
    }
    r.inputs = in;

    r.nkpis = list_field(L, 2, "kpis");                          /* 5 */
    sg_history_kpi *kp = lua_newuserdatauv(L, (r.nkpis ? r.nkpis : 1) * sizeof *kp, 0);   /* 6 */
    for (size_t k = 0; k < r.nkpis; k++) {
        item(L, 5, k, "kpis");
        sg_history_kpi *q = &kp[k];
        memset(q, 0, sizeof *q);
        q->name = opt_str(L, -1, "name", "KPI");
        q->measure = opt_str(L, -1, "measure", "KPI");
        q->unit = opt_str(L, -1, "unit", "KPI");
        q->direction = opt_str(L, -1, "direction", "KPI");
        q->status = opt_str(L, -1, "status", "KPI");
        q->value = opt_num(L, -1, "value", "KPI");
        q->previous = opt_num(L, -1, "previous", "KPI");
        q->target = opt_num(L, -1, "target", "KPI");
        int a = opt_time(L, -1, "period_start", "KPI", &q->period_start);
        int b = opt_time(L, -1, "period_end", "KPI", &q->period_end);
        q->has_period = a && b;
        lua_pop(L, 1);
    }
    r.kpis = kp;

    r.nsegments = list_field(L, 2, "segments");                  /* 7 */
    sg_history_count *sc = lua_newuserdatauv(L, (r.nsegments ? r.nsegments : 1) * sizeof *sc, 0);   /* 8 */
    for (size_t k = 0; k < r.nsegments; k++) {
        item(L, 7, k, "segments");
        sc[k].name = opt_str(L, -1, "segment", "segment");
        sc[k].label = opt_str(L, -1, "name", "segment");
        double c = opt_num(L, -1, "customers", "segment");
        if (isnan(c) || c < 0 || c != floor(c))
            luaL_error(L, "history append: segments[%d] needs a whole number of 'customers'", (int)k + 1);
        sc[k].count = (int64_t)c;
        lua_pop(L, 1);
    }
    r.segments = sc;

    r.nfigures = list_field(L, 2, "figures");                    /* 9 */
    sg_history_figure *fg = lua_newuserdatauv(L, (r.nfigures ? r.nfigures : 1) * sizeof *fg, 0);   /* 10 */
    for (size_t k = 0; k < r.nfigures; k++) {
        item(L, 9, k, "figures");
        fg[k].name = opt_str(L, -1, "name", "figure");
        fg[k].value = opt_num(L, -1, "value", "figure");
        lua_pop(L, 1);
    }
    r.figures = fg;

    if (sgl_rawfield(L, 2, "customers") != LUA_TNIL) {
        r.customers = sgl_pin_dataset(L, -1);
        if (sgl_rawfield(L, 2, "columns") != LUA_TTABLE)
            luaL_error(L, "history append: 'customers' needs 'columns' (customer, segment, cluster, clv, "
                          "churn_probability, campaign)");
        int cols = lua_gettop(L);
        r.customer = opt_str(L, cols, "customer", "columns");
        r.segment = opt_str(L, cols, "segment", "columns");
        r.cluster = opt_str(L, cols, "cluster", "columns");
        r.clv = opt_str(L, cols, "clv", "columns");
        r.churn_probability = opt_str(L, cols, "churn_probability", "columns");
        r.campaign = opt_str(L, cols, "campaign", "columns");
    }
    sg_error err;
    sg_error_clear(&err);
    int64_t id = 0;
    if (sg_history_append(h, &r, &id, &err))
        return sgl_raise(L, &err);
    lua_pushinteger(L, (lua_Integer)id);
    return 1;
}

/* ---- reading back ---- */

static int push_result(lua_State *L, sg_table *t, sg_error *err)
{
    sgl_push_table(L, t, err);
    return 1;
}

static int l_runs(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_runs(h, &err), &err);
}

static int l_inputs(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_inputs(h, (int64_t)luaL_checkinteger(L, 2), &err), &err);
}

static int l_kpis(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    const char *name = luaL_optstring(L, 2, NULL);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_kpis(h, name, &err), &err);
}

static int l_segments(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_segments(h, (int64_t)luaL_checkinteger(L, 2), &err), &err);
}

static int l_figures(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_figures(h, (int64_t)luaL_checkinteger(L, 2), &err), &err);
}

static int l_customers(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    return push_result(L, sg_history_customers(h, (int64_t)luaL_checkinteger(L, 2), &err), &err);
}

static int l_migration(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    int64_t from = (int64_t)luaL_checkinteger(L, 2), to = (int64_t)luaL_checkinteger(L, 3);
    sg_error err;
    sg_error_clear(&err);
    for (int k = 0; k < 2; k++) {
        int64_t id = k ? to : from;
        int has = sg_history_has_run(h, id, &err);
        if (has < 0)
            return sgl_raise(L, &err);
        if (!has)
            return luaL_error(L, "history: no run %I in %s", (lua_Integer)id, sg_history_path(h));
    }
    return push_result(L, sg_history_migration(h, from, to, &err), &err);
}

static int l_previous(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    int64_t before = (int64_t)luaL_optinteger(L, 2, 0), run = 0;
    sg_error err;
    sg_error_clear(&err);
    if (sg_history_previous(h, before, &run, &err))
        return sgl_raise(L, &err);
    if (run == 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)run);
    return 1;
}

static int l_has_run(lua_State *L)
{
    sg_history *h = check_history(L, 1);
    sg_error err;
    sg_error_clear(&err);
    int has = sg_history_has_run(h, (int64_t)luaL_checkinteger(L, 2), &err);
    if (has < 0)
        return sgl_raise(L, &err);
    lua_pushboolean(L, has);
    return 1;
}

static int l_path(lua_State *L)
{
    lua_pushstring(L, sg_history_path(check_history(L, 1)));
    return 1;
}

static const luaL_Reg history_methods[] = {
    { "_append", l_append }, { "runs", l_runs }, { "inputs", l_inputs }, { "kpis", l_kpis },
    { "segments", l_segments }, { "figures", l_figures }, { "customers", l_customers }, { "migration", l_migration },
    { "previous", l_previous }, { "has_run", l_has_run }, { "path", l_path }, { "close", history_gc },
    { NULL, NULL }
};

static const luaL_Reg history_meta[] = {
    { "__gc", history_gc }, { "__close", history_gc }, { "__tostring", history_tostring }, { NULL, NULL }
};

static const luaL_Reg history_functions[] = {
    { "_history_open", l_history_open }, { NULL, NULL }
};

void sgl_open_history(lua_State *L)
{
    /* not locked: history.lua completes the methods (_history_methods) */
    sgl_new_type(L, SG_HISTORY_MT, history_meta, history_methods, 0);
    luaL_getmetatable(L, SG_HISTORY_MT);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "_history_methods");
    lua_pop(L, 1);
    luaL_setfuncs(L, history_functions, 0);
}
