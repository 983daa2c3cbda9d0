/* segmint.read_csv: options from Lua, the core reader, a report back. */
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "lsegmint.h"

#define MAX_OVERRIDES 1024
#define MAX_NA 64

static void push_report(lua_State *L, const sg_csv_report *r, const sg_table *t)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)r->rows_read);
    lua_setfield(L, -2, "rows_read");
    lua_pushinteger(L, (lua_Integer)r->rows_skipped);
    lua_setfield(L, -2, "rows_skipped");
    lua_pushinteger(L, (lua_Integer)r->bytes);
    lua_setfield(L, -2, "bytes");
    char d[2] = { r->delim, 0 };
    lua_pushstring(L, d);
    lua_setfield(L, -2, "delimiter");
    lua_createtable(L, (int)r->nfirst, 0);
    for (size_t k = 0; k < r->nfirst; k++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)r->first[k].line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, r->first[k].column);
        lua_setfield(L, -2, "column");
        lua_pushstring(L, r->first[k].text);
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "skipped");
    lua_createtable(L, 0, (int)r->nnotes);
    for (size_t k = 0; k < r->nnotes && t && k < t->ncols; k++) {
        lua_pushstring(L, r->notes[k] ? r->notes[k] : "");
        lua_setfield(L, -2, t->cols[k]->name);
    }
    lua_setfield(L, -2, "notes");
    lua_pushinteger(L, (lua_Integer)r->bad_quotes);
    lua_setfield(L, -2, "bad_quotes");
    lua_pushinteger(L, (lua_Integer)r->lines_merged);
    lua_setfield(L, -2, "lines_merged");
    lua_createtable(L, (int)r->nwarnings, 0);
    for (size_t k = 0; k < r->nwarnings; k++) {
        lua_pushstring(L, r->warnings[k]);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "warnings");
    lua_createtable(L, (int)r->nsuspects, 0);
    for (size_t k = 0; k < r->nsuspects; k++) {
        const sg_csv_suspect *sp = &r->suspects[k];
        lua_createtable(L, 0, 7);
        if (t && sp->column < t->ncols) {
            lua_pushstring(L, t->cols[sp->column]->name);
            lua_setfield(L, -2, "column");
        }
        lua_pushstring(L, sp->kind == SG_CSV_NUMBERS ? "number" : "datetime");
        lua_setfield(L, -2, "kind");
        if (sp->kind == SG_CSV_DATES) {
            lua_pushstring(L, sg_date_format_name(sp->format));
            lua_setfield(L, -2, "format");
        }
        lua_pushinteger(L, (lua_Integer)sp->bad_rows);
        lua_setfield(L, -2, "bad_rows");
        lua_pushinteger(L, (lua_Integer)sp->rows);
        lua_setfield(L, -2, "rows");
        lua_createtable(L, (int)sp->nfirst, 0);
        for (size_t i = 0; i < sp->nfirst; i++) {
            lua_createtable(L, 0, 3);
            lua_pushinteger(L, (lua_Integer)sp->first[i].line);
            lua_setfield(L, -2, "line");
            lua_pushinteger(L, (lua_Integer)sp->column + 1);
            lua_setfield(L, -2, "column");
            lua_pushstring(L, sp->first[i].text);
            lua_setfield(L, -2, "value");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "first");
        lua_pushstring(L, sp->message ? sp->message : "");
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "suspects");
}

/* Reads expect = { col = "number" | "datetime" }. */
static size_t read_expect(lua_State *L, int opts, sg_csv_expect *ex)
{
    size_t n = 0;
    if (sgl_rawfield(L, opts, "expect") == LUA_TTABLE) {
        int tbl = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, tbl)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "read_csv option 'expect' must map column names to \"number\" or "
                              "\"datetime\"");
            if (n == MAX_OVERRIDES)
                luaL_error(L, "read_csv: at most %d expected columns", MAX_OVERRIDES);
            const char *col = lua_tostring(L, -2), *k = lua_tostring(L, -1);
            if (!strcmp(k, "number") || !strcmp(k, "numbers"))
                ex[n].kind = SG_CSV_NUMBERS;
            else if (!strcmp(k, "datetime") || !strcmp(k, "date") || !strcmp(k, "dates"))
                ex[n].kind = SG_CSV_DATES;
            else
                luaL_error(L, "read_csv: expect: column '%s': unknown kind '%s' (number, datetime)",
                           col, k);
            ex[n].column = col;
            n++;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "read_csv option 'expect' must be a table");
    }
    lua_pop(L, 1);
    return n;
}

/* Reads types = { col = "int64" | "date" | ... } and formats = { col = "DD/MM/YYYY" }. */
static size_t read_overrides(lua_State *L, int opts, sg_csv_override *ov)
{
    size_t n = 0;
    if (sgl_rawfield(L, opts, "types") == LUA_TTABLE) {
        int types = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, types)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "read_csv option 'types' must map column names to type names");
            if (n == MAX_OVERRIDES)
                luaL_error(L, "read_csv: at most %d type overrides", MAX_OVERRIDES);
            const char *col = lua_tostring(L, -2), *tn = lua_tostring(L, -1);
            if (sg_type_parse(tn, &ov[n].type) != 0)
                luaL_error(L, "read_csv: column '%s': unknown type '%s' "
                              "(int64, double, string, datetime, date, bool)", col, tn);
            ov[n].column = col;
            ov[n].format = SG_DATE_UNKNOWN;
            ov[n].ranks_only = 0;
            n++;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "read_csv option 'types' must be a table");
    }
    lua_pop(L, 1);
    if (sgl_rawfield(L, opts, "formats") == LUA_TTABLE) {
        int formats = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, formats)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "read_csv option 'formats' must map column names to date layouts");
            const char *col = lua_tostring(L, -2), *fn = lua_tostring(L, -1);
            sg_date_format f = sg_date_format_parse(fn);
            if (f == SG_DATE_UNKNOWN)
                luaL_error(L, "read_csv: column '%s': unknown date layout '%s' (YYYY-MM-DD, "
                              "DD/MM/YYYY, MM/DD/YYYY, YYYYMMDD, DD-MM-YYYY, optionally + ' HH:MM:SS')",
                           col, fn);
            size_t k = 0;
            while (k < n && strcmp(ov[k].column, col) != 0)
                k++;
            if (k == n) {
                if (n == MAX_OVERRIDES)
                    luaL_error(L, "read_csv: at most %d type overrides", MAX_OVERRIDES);
                ov[n].column = col;
                ov[n].type = SG_DATETIME;
                ov[n].ranks_only = 0;
                n++;
            } else if (ov[k].type != SG_DATETIME) {
                luaL_error(L, "read_csv: column '%s' has a date layout but type '%s'", col,
                           sg_type_name(ov[k].type));
            }
            ov[k].format = f;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "read_csv option 'formats' must be a table");
    }
    lua_pop(L, 1);
    /* under mpirun: string columns whose strings rank 0 does not need */
    if (sgl_rawfield(L, opts, "strings_on_ranks") == LUA_TTABLE) {
        size_t m = (size_t)lua_rawlen(L, -1);
        for (size_t i = 1; i <= m; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TSTRING)
                luaL_error(L, "read_csv option 'strings_on_ranks' must be a list of column names");
            const char *col = lua_tostring(L, -1);
            size_t k = 0;
            while (k < n && strcmp(ov[k].column, col) != 0)
                k++;
            if (k == n || ov[k].type != SG_STRING)
                luaL_error(L, "read_csv option 'strings_on_ranks': column '%s' must be read as string "
                              "(option 'types')", col);
            ov[k].ranks_only = 1;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "read_csv option 'strings_on_ranks' must be a list of column names");
    }
    lua_pop(L, 1);
    return n;
}

/* A list of paths at index 1: replaced by the list of the paths the read
 * policy gives; their number. */
static size_t check_list(lua_State *L)
{
    size_t n = (size_t)lua_rawlen(L, 1);
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_rawgeti(L, 1, (lua_Integer)k + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "read_csv: the list of files must hold paths (item %d is a %s)", (int)k + 1,
                       luaL_typename(L, -1));
        sgl_check_read_path(L, lua_gettop(L));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_replace(L, 1);
    return n;
}

/* The progress label: "reading PATH", or the list's first file and how many more. */
static void push_label(lua_State *L, const char *path, size_t nfiles)
{
    if (path || nfiles == 0) {
        lua_pushfstring(L, "reading %s", path ? path : "an empty list of files");
        return;
    }
    lua_rawgeti(L, 1, 1);
    if (nfiles > 1)
        lua_pushfstring(L, "reading %s and %d more files", lua_tostring(L, -1), (int)nfiles - 1);
    else
        lua_pushfstring(L, "reading %s", lua_tostring(L, -1));
    lua_remove(L, -2);
}

/* The list of paths at index 1 read with fn (the paths stay alive in the list). */
static sg_table *read_list(lua_State *L, size_t nfiles, sgl_csv_list_fn fn, const sg_csv_options *opt,
                           sg_csv_report *report, sg_error *err)
{
    const char **paths = lua_newuserdatauv(L, (nfiles ? nfiles : 1) * sizeof *paths, 0);
    for (size_t k = 0; k < nfiles; k++) {
        lua_rawgeti(L, 1, (lua_Integer)k + 1);
        paths[k] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    sg_table *t = fn(paths, nfiles, opt, report, err);
    lua_pop(L, 1);   /* the block */
    return t;
}

/* read_csv with the reader fn (sg_csv_read, or the distributed read), or
 * list_fn for a list of files */
int sgl_read_csv_with(lua_State *L, sgl_csv_reader_fn fn, sgl_csv_list_fn list_fn)
{
    size_t nfiles = lua_istable(L, 1) ? check_list(L) : 0;
    const char *path = nfiles || lua_istable(L, 1) ? NULL : sgl_check_read_path(L, 1);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    sg_csv_options opt;
    sg_csv_options_init(&opt);
    const char *delim = sgl_opt_string(L, 2, "delim", NULL);
    if (delim) {
        if (strcmp(delim, "\\t") == 0 || strcmp(delim, "tab") == 0)
            delim = "\t";
        if (strlen(delim) != 1)
            return luaL_error(L, "read_csv option 'delim' must be one character");
        opt.delim = delim[0];
    }
    const char *enc = sgl_opt_string(L, 2, "encoding", "utf-8");
    if (strcmp(enc, "latin1") == 0 || strcmp(enc, "latin-1") == 0 || strcmp(enc, "iso-8859-1") == 0)
        opt.latin1 = 1;
    else if (strcmp(enc, "utf-8") != 0 && strcmp(enc, "utf8") != 0)
        return luaL_error(L, "read_csv option 'encoding' must be \"utf-8\" or \"latin1\", got '%s'", enc);
    const char *on_error = sgl_opt_string(L, 2, "on_error", "fail");
    if (strcmp(on_error, "skip") == 0)
        opt.skip_bad_rows = 1;
    else if (strcmp(on_error, "fail") != 0)
        return luaL_error(L, "read_csv option 'on_error' must be \"fail\" or \"skip\", got '%s'", on_error);
    const char *quotes = sgl_opt_string(L, 2, "quotes", "strict");
    if (strcmp(quotes, "lenient") == 0)
        opt.lenient_quotes = 1;
    else if (strcmp(quotes, "strict") != 0)
        return luaL_error(L, "read_csv option 'quotes' must be \"strict\" or \"lenient\", got '%s'", quotes);
    const char *order = sgl_opt_string(L, 2, "date_order", "dmy");
    if (strcmp(order, "mdy") == 0)
        opt.date_order_mdy = 1;
    else if (strcmp(order, "dmy") != 0)
        return luaL_error(L, "read_csv option 'date_order' must be \"dmy\" or \"mdy\", got '%s'", order);
    sg_csv_override *ov = lua_newuserdatauv(L, MAX_OVERRIDES * sizeof *ov, 0);   /* index 3 */
    const char **na = lua_newuserdatauv(L, MAX_NA * sizeof *na, 0);              /* index 4 */
    sg_csv_expect *ex = lua_newuserdatauv(L, MAX_OVERRIDES * sizeof *ex, 0);     /* index 5 */
    if (lua_istable(L, 2)) {
        opt.noverrides = read_overrides(L, 2, ov);
        opt.overrides = ov;
        opt.nexpect = read_expect(L, 2, ex);
        opt.expect = ex;
        if (sgl_rawfield(L, 2, "na") == LUA_TTABLE) {
            size_t n = (size_t)lua_rawlen(L, -1);
            if (n > MAX_NA)
                return luaL_error(L, "read_csv: at most %d missing markers", MAX_NA);
            for (size_t k = 0; k < n; k++) {
                lua_rawgeti(L, -1, (lua_Integer)k + 1);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, "read_csv option 'na' must be a list of strings");
                na[k] = lua_tostring(L, -1);
                lua_pop(L, 1);
            }
            opt.na = na;
            opt.nna = n;
        } else if (!lua_isnil(L, -1)) {
            return luaL_error(L, "read_csv option 'na' must be a list of strings");
        }
        lua_pop(L, 1);   /* the na table stays alive in opts */
        sgl_rawfield(L, 2, "max_rows");
        if (!lua_isnil(L, -1)) {
            lua_Integer m = luaL_checkinteger(L, -1);
            if (m < 0)
                return luaL_error(L, "read_csv option 'max_rows' must not be negative");
            opt.max_rows = (size_t)m;
        }
        lua_pop(L, 1);
    }
    push_label(L, path, nfiles);
    sgl_progress ps = { lua_tostring(L, -1), -1 };
    int want_progress = sgl_progress_enabled(L);
    if (lua_istable(L, 2)) {
        sgl_rawfield(L, 2, "progress");
        if (!lua_isnil(L, -1))
            want_progress = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (want_progress) {
        opt.progress = sgl_progress_draw;
        opt.progress_ud = &ps;
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_csv_report report;
    memset(&report, 0, sizeof report);
    sg_error err;
    sg_error_clear(&err);
    d->t = path ? fn(path, &opt, &report, &err) : read_list(L, nfiles, list_fn, &opt, &report, &err);
    if (!d->t) {
        sg_csv_report_free(&report);
        return sgl_fail(L, &err);
    }
    push_report(L, &report, d->t);
    sg_csv_report_free(&report);
    return 2;
}

/* segmint.read_csv(path or { path, ... } [, opts]) -> dataset, report | nil, message */
static int l_read_csv(lua_State *L)
{
    return sgl_read_csv_with(L, sg_csv_read, sg_csv_read_list);
}

static const luaL_Reg csv_functions[] = {
    { "read_csv", l_read_csv }, { NULL, NULL }
};

void sgl_open_csv(lua_State *L)
{
    luaL_setfuncs(L, csv_functions, 0);
}
