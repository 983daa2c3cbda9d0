/* string.find, string.match, string.gmatch and string.gsub over the
 * step-bounded matcher of core/pattern.h, for the host: its instruction
 * budget then covers pattern matching, which Lua's own matcher does in
 * one C call that no hook can stop.  Same arguments, results and errors
 * as Lua 5.4's functions. */
#include <string.h>

#include "lsegmint.h"
#include "pattern.h"

typedef struct budget_box {
    sgl_step_budget b;
} budget_box;

static const sgl_step_budget *budget(lua_State *L)
{
    return &((budget_box *)lua_touserdata(L, lua_upvalueindex(1)))->b;
}

/* Prepares ms with the steps the budget still allows. */
static void prepare(lua_State *L, sg_pattern_state *ms, const char *s, size_t ls, const char *p, size_t lp)
{
    const sgl_step_budget *b = budget(L);
    sg_pattern_init(ms, s, ls, p, lp, b->remaining(b->ud));
}

/* Charges the steps taken and raises the matcher's error, if any. */
static void settle(lua_State *L, sg_pattern_state *ms)
{
    const sgl_step_budget *b = budget(L);
    unsigned long long steps = ms->steps;
    ms->steps = 0;
    b->charge(L, b->ud, steps);          /* raises once the budget is spent */
    if (ms->status == SG_PATTERN_EBAD)
        luaL_error(L, "%s", ms->msg);
    if (ms->status == SG_PATTERN_EBUDGET)
        b->charge(L, b->ud, b->remaining(b->ud) + 1);
}

static const char *match_at(lua_State *L, sg_pattern_state *ms, const char *s, const char *p)
{
    sg_pattern_restart(ms);
    const char *e = sg_pattern_match(ms, s, p);
    if (ms->status)
        settle(L, ms);
    return e;
}

/* Lua's relative string position: negative counts from the end. */
static size_t start_position(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0)
        return 1;
    if (pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static void push_capture(lua_State *L, const sg_pattern_state *ms, int i, const char *s, const char *e)
{
    if (i >= ms->level) {
        if (i != 0)
            luaL_error(L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(L, s, (size_t)(e - s));     /* the whole match */
        return;
    }
    ptrdiff_t len = ms->capture[i].len;
    if (len == SG_PATTERN_CAP_UNFINISHED)
        luaL_error(L, "unfinished capture");
    if (len == SG_PATTERN_CAP_POSITION)
        lua_pushinteger(L, (ms->capture[i].init - ms->src_init) + 1);
    else
        lua_pushlstring(L, ms->capture[i].init, (size_t)len);
}

/* Pushes the captures (the whole match when there are none and s is given). */
static int push_captures(lua_State *L, const sg_pattern_state *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_capture(L, ms, i, s, e);
    return n;
}

static const char *plain_find(const char *s, size_t ls, const char *p, size_t lp)
{
    if (lp == 0)
        return s;
    if (lp > ls)
        return NULL;
    const char *end = s + (ls - lp) + 1;
    for (const char *q = s; q < end; q++) {
        q = memchr(q, *p, (size_t)(end - q));
        if (!q)
            return NULL;
        if (memcmp(q + 1, p + 1, lp - 1) == 0)
            return q;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !sg_pattern_has_specials(p, lp))) {
        const char *q = plain_find(s + init - 1, ls - init + 1, p, lp);
        if (q) {
            lua_pushinteger(L, (q - s) + 1);
            lua_pushinteger(L, (lua_Integer)((q - s) + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    sg_pattern_state ms;
    prepare(L, &ms, s, ls, p, lp);
    const char *s1 = s + init - 1;
    do {
        const char *e = match_at(L, &ms, s1, p);
        if (e) {
            settle(L, &ms);
            if (find) {
                lua_pushinteger(L, (s1 - s) + 1);
                lua_pushinteger(L, e - s);
                return push_captures(L, &ms, NULL, NULL) + 2;
            }
            return push_captures(L, &ms, s1, e);
        }
    } while (s1++ < ms.src_end && !anchor);
    settle(L, &ms);
    luaL_pushfail(L);
    return 1;
}

static int l_find(lua_State *L) { return find_or_match(L, 1); }
static int l_match(lua_State *L) { return find_or_match(L, 0); }

/* gmatch's iterator state, a userdata upvalue of the iterator */
typedef struct gmatch_state {
    const char *src;          /* where the next search starts */
    const char *lastmatch;    /* end of the last match, to skip an empty match there */
    sg_pattern_state ms;
} gmatch_state;

static int gmatch_next(lua_State *L)
{
    gmatch_state *gm = lua_touserdata(L, lua_upvalueindex(4));
    const sgl_step_budget *b = budget(L);
    const char *p = lua_tostring(L, lua_upvalueindex(3));
    gm->ms.max_steps = b->remaining(b->ud);
    gm->ms.steps = 0;
    for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
        const char *e = match_at(L, &gm->ms, src, p);
        if (e && e != gm->lastmatch) {
            settle(L, &gm->ms);
            gm->src = gm->lastmatch = e;
            return push_captures(L, &gm->ms, src, e);
        }
    }
    settle(L, &gm->ms);
    gm->src = gm->ms.src_end + 1;
    return 0;
}

static int l_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls)
        init = ls + 1;       /* start after the end: no match */
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));   /* the budget */
    lua_insert(L, 1);                         /* upvalues: budget, s, p, state */
    gmatch_state *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    sg_pattern_init(&gm->ms, s, ls, p, lp, 0);
    gm->src = s + init;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_next, 4);
    return 1;
}

/* The replacement string with %0-%9 and %% expanded. */
static void add_template(lua_State *L, luaL_Buffer *b, const sg_pattern_state *ms, const char *s, const char *e)
{
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *q;
    while ((q = memchr(news, '%', l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(q - news));
        q++;
        if (*q == '%') {
            luaL_addchar(b, '%');
        } else if (*q == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (*q >= '1' && *q <= '9') {
            push_capture(L, ms, *q - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        l -= (size_t)(q + 1 - news);
        news = q + 1;
    }
    luaL_addlstring(b, news, l);
}

/* Adds the replacement of the match [s, e); 0 when the original was kept. */
static int add_replacement(lua_State *L, luaL_Buffer *b, const sg_pattern_state *ms, const char *s, const char *e,
                           int kind)
{
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(L, ms, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(L, ms, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(L, b, ms, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int l_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int kind = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    int anchor = *p == '^';
    lua_Integer n = 0;
    int changed = 0;
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    sg_pattern_state ms;
    prepare(L, &ms, src, srcl, p, lp);
    while (n < max_s) {
        const char *e = match_at(L, &ms, src, p);
        if (e && e != lastmatch) {
            n++;
            settle(L, &ms);                 /* before running a replacement function */
            changed = add_replacement(L, &b, &ms, src, e, kind) | changed;
            const sgl_step_budget *bg = budget(L);
            ms.max_steps = bg->remaining(bg->ud);
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor)
            break;
    }
    settle(L, &ms);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void sgl_bound_patterns(lua_State *L, const sgl_step_budget *b)
{
    static const luaL_Reg fns[] = {
        { "find", l_find }, { "match", l_match }, { "gmatch", l_gmatch }, { "gsub", l_gsub }, { NULL, NULL },
    };
    lua_getglobal(L, "string");
    budget_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->b = *b;
    luaL_setfuncs(L, fns, 1);
    lua_pop(L, 1);
}
