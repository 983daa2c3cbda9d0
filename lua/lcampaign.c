/* The campaign core for the library code in lua/segmint/campaigns.lua and
 * campaign_results.lua (not public: the names start with an underscore):
 *   _campaign_allocate(campaigns, pairs [, { method =, total_budget = }]) -> selected, info
 *   _campaign_control(strata, nstrata, share, seed) -> control indexes
 *   _campaign_outcomes(targets, transactions, { ... }) -> targets with responded, window_revenue
 *   _uplift_test(n_t, x_t, n_c, x_c [, level, power]) -> { rate_t, ..., mde }
 *   _campaign_mde(p, n_t, n_c [, level, power]) -> number or nil
 *   _campaign_performance(ds, by, { impressions =, ..., margin = }) -> dataset */
#include <math.h>
#include <string.h>

#include "campaign.h"
#include "lsegmint.h"
#include "mpi.h"
#include "mpi_campaign.h"

/* a Lua array field of t as doubles (length n, checked) */
static double array_number(lua_State *L, int t, lua_Integer i, const char *what)
{
    int isnum;
    lua_rawgeti(L, t, i);
    double v = (double)lua_tonumberx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum)
        luaL_error(L, "%s: entry %d must be a number", what, (int)i);
    return v;
}

static double field_number(lua_State *L, int t, const char *key, double def, const char *what)
{
    double v = def;
    if (sgl_rawfield(L, t, key) != LUA_TNIL) {
        int isnum;
        v = (double)lua_tonumberx(L, -1, &isnum);
        if (!isnum)
            luaL_error(L, "%s: '%s' must be a number", what, key);
    }
    lua_pop(L, 1);
    return v;
}

static int field_bool(lua_State *L, int t, const char *key)
{
    sgl_rawfield(L, t, key);
    int b = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return b;
}

/* per-pair arrays of the pairs table: customer, campaign (1-based), profit */
static int l_allocate(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    int opts = sgl_check_options(L, 3);
    size_t nc = (size_t)lua_rawlen(L, 1);
    double total = sgl_opt_number(L, opts, "campaign allocation", "total_budget", INFINITY);
    const char *m = sgl_opt_string(L, opts, "method", "greedy");
    sg_alloc_method method;
    if (!strcmp(m, "greedy"))
        method = SG_ALLOC_GREEDY;
    else if (!strcmp(m, "priority"))
        method = SG_ALLOC_PRIORITY;
    else if (!strcmp(m, "exact"))
        method = SG_ALLOC_EXACT;
    else
        return luaL_error(L, "campaign allocation: method must be \"greedy\", \"priority\" or \"exact\", got '%s'", m);
    lua_getfield(L, 2, "customer");
    lua_getfield(L, 2, "campaign");
    lua_getfield(L, 2, "profit");
    int tc = lua_gettop(L) - 2, tj = tc + 1, tp = tc + 2;
    for (int k = tc; k <= tp; k++)
        luaL_argexpected(L, lua_istable(L, k), 2, "pairs { customer = {...}, campaign = {...}, profit = {...} }");
    size_t np = (size_t)lua_rawlen(L, tp);
    if ((size_t)lua_rawlen(L, tc) != np || (size_t)lua_rawlen(L, tj) != np)
        return luaL_error(L, "campaign allocation: customer, campaign and profit must have the same length");
    size_t n1 = np ? np : 1;
    sg_alloc_campaign *camps = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *camps, 0);
    uint32_t *cust = lua_newuserdatauv(L, n1 * sizeof *cust, 0);
    uint32_t *camp = lua_newuserdatauv(L, n1 * sizeof *camp, 0);
    double *profit = lua_newuserdatauv(L, n1 * sizeof *profit, 0);
    uint8_t *sel = lua_newuserdatauv(L, n1, 0);
    for (size_t j = 0; j < nc; j++) {
        lua_rawgeti(L, 1, (lua_Integer)j + 1);
        int t = lua_gettop(L);
        luaL_argexpected(L, lua_istable(L, t), 1, "list of campaign tables");
        camps[j].cost = field_number(L, t, "cost", 0, "campaign allocation");
        camps[j].budget = field_number(L, t, "budget", INFINITY, "campaign allocation");
        camps[j].control_share = field_number(L, t, "control_share", 0, "campaign allocation");
        camps[j].multiple = field_bool(L, t, "multiple");
        camps[j].force = field_bool(L, t, "force");
        lua_pop(L, 1);
    }
    for (size_t k = 0; k < np; k++) {
        double c = array_number(L, tc, (lua_Integer)k + 1, "campaign allocation: customer");
        double j = array_number(L, tj, (lua_Integer)k + 1, "campaign allocation: campaign");
        if (!(c >= 0 && c < 4294967295.0) || !(j >= 1 && j <= (double)nc) || j != floor(j))
            return luaL_error(L, "campaign allocation: pair %d: bad customer or campaign index", (int)k + 1);
        cust[k] = (uint32_t)c;
        camp[k] = (uint32_t)j - 1;
        profit[k] = array_number(L, tp, (lua_Integer)k + 1, "campaign allocation: profit");
    }
    sg_alloc_problem p = { camps, nc, cust, camp, profit, np, total };
    sg_alloc_result res;
    sg_error err;
    if (sg_campaign_allocate(&p, method, sel, &res, &err) != SG_OK)
        return sgl_raise(L, &err);
    lua_createtable(L, (int)res.selected, 0);
    lua_Integer at = 0;
    for (size_t k = 0; k < np; k++)
        if (sel[k]) {
            lua_pushinteger(L, (lua_Integer)k + 1);
            lua_rawseti(L, -2, ++at);
        }
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, res.objective);
    lua_setfield(L, -2, "objective");
    lua_pushnumber(L, res.cost);
    lua_setfield(L, -2, "cost");
    lua_pushinteger(L, (lua_Integer)res.selected);
    lua_setfield(L, -2, "selected");
    lua_pushinteger(L, (lua_Integer)res.nodes);
    lua_setfield(L, -2, "nodes");
    return 2;
}

/* _campaign_control(strata (1-based ids), nstrata, share, seed) -> { indexes of the control } */
static int l_control(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer ns = luaL_checkinteger(L, 2);
    double share = luaL_checknumber(L, 3);
    lua_Integer seed = luaL_checkinteger(L, 4);
    if (ns < 0 || ns > 0x7fffffff)
        return luaL_argerror(L, 2, "bad number of strata");
    size_t n = (size_t)lua_rawlen(L, 1), n1 = n ? n : 1;
    uint32_t *st = lua_newuserdatauv(L, n1 * sizeof *st, 0);
    uint8_t *ctl = lua_newuserdatauv(L, n1, 0);
    for (size_t k = 0; k < n; k++) {
        double s = array_number(L, 1, (lua_Integer)k + 1, "control group: stratum");
        if (!(s >= 1 && s <= (double)ns))
            return luaL_error(L, "control group: stratum of entry %d is not between 1 and %d", (int)k + 1, (int)ns);
        st[k] = (uint32_t)s - 1;
    }
    sg_error err;
    if (sg_campaign_control(st, n, (size_t)ns, share, (uint64_t)seed, ctl, &err) != SG_OK)
        return sgl_raise(L, &err);
    lua_newtable(L);
    lua_Integer at = 0;
    for (size_t k = 0; k < n; k++)
        if (ctl[k]) {
            lua_pushinteger(L, (lua_Integer)k + 1);
            lua_rawseti(L, -2, ++at);
        }
    return 1;
}

/* _campaign_outcomes(targets, tx, { target_customer, start, window_days | window_column, customer,
 * date, amount }) */
static int l_outcomes(lua_State *L)
{
    sg_table *targets = sgl_check_dataset(L, 1);
    sg_table *tx = sgl_check_dataset(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *tcust = sgl_opt_string(L, 3, "target_customer", "customer");
    const char *tstart = sgl_opt_string(L, 3, "start", "start");
    const char *twindow = sgl_opt_string(L, 3, "window_column", NULL);
    const char *cust = sgl_opt_string(L, 3, "customer", NULL);
    const char *date = sgl_opt_string(L, 3, "date", NULL);
    const char *amount = sgl_opt_string(L, 3, "amount", NULL);
    double window = sgl_opt_number(L, 3, "campaign outcomes", "window_days", NAN);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_campaign_outcomes(targets, tcust, tstart, twindow, window, tx, cust, date, amount, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* segmint.mpi_campaign_outcomes(targets, cleaned, gen, { the options of
 * _campaign_outcomes }) -> dataset, ranks: _campaign_outcomes(targets,
 * cleaned, options), computed by the MPI ranks that own the customers over
 * the cleaned rows the exchange number gen left them (docs/mpi.md).
 * ranks = { ranks =, records = { per rank }, targets = { target rows sent
 * to each rank }, sent =, bytes = { command =, rows = (sent to ranks
 * 1..n-1), gathered = }, seconds = { own =, gather = } }.  nil and why when the
 * ranks cannot. */
static int l_mpi_outcomes(lua_State *L)
{
    sg_table *targets = sgl_check_dataset(L, 1);
    const sg_table *tx = sgl_check_shape(L, 2);
    lua_Integer gen = luaL_checkinteger(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    const char *tcust = sgl_opt_string(L, 4, "target_customer", "customer");
    const char *tstart = sgl_opt_string(L, 4, "start", "start");
    const char *twindow = sgl_opt_string(L, 4, "window_column", NULL);
    const char *cust = sgl_opt_string(L, 4, "customer", NULL);
    const char *date = sgl_opt_string(L, 4, "date", NULL);
    const char *amount = sgl_opt_string(L, 4, "amount", NULL);
    double window = sgl_opt_number(L, 4, "campaign outcomes", "window_days", NAN);
    int n = sg_mpi_size();
    uint64_t *records = lua_newuserdatauv(L, 2 * (size_t)n * sizeof *records, 0);
    memset(records, 0, 2 * (size_t)n * sizeof *records);
    sg_mpi_camp_stats st;
    memset(&st, 0, sizeof st);
    st.records = records;
    st.targets = records + n;
    sgl_dataset *d = sgl_new_dataset(L);
    char why[400] = "";
    sg_error err;
    int rc = sg_mpi_campaign_outcomes(targets, tcust, tstart, twindow, window, tx, (uint64_t)gen, cust, date, amount,
                                      &d->t, &st, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "ranks");
    sgl_push_counts(L, st.records, n);
    lua_setfield(L, -2, "records");
    sgl_push_counts(L, st.targets, n);
    lua_setfield(L, -2, "targets");
    lua_pushinteger(L, (lua_Integer)st.sent);
    lua_setfield(L, -2, "sent");
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)st.cmd_bytes);
    lua_setfield(L, -2, "command");
    lua_pushinteger(L, (lua_Integer)st.rows_bytes);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)st.gathered);
    lua_setfield(L, -2, "gathered");
    lua_setfield(L, -2, "bytes");
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, st.secs[0]);
    lua_setfield(L, -2, "own");
    lua_pushnumber(L, st.secs[1]);
    lua_setfield(L, -2, "gather");
    lua_setfield(L, -2, "seconds");
    return 2;
}

static void set_number(lua_State *L, const char *key, double v)
{
    if (isnan(v))
        return;
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

static int l_uplift_test(lua_State *L)
{
    double nt = luaL_checknumber(L, 1), xt = luaL_checknumber(L, 2);
    double nc = luaL_checknumber(L, 3), xc = luaL_checknumber(L, 4);
    double level = luaL_optnumber(L, 5, 0.95), power = luaL_optnumber(L, 6, 0.8);
    sg_uplift u;
    sg_error err;
    if (sg_campaign_uplift(nt, xt, nc, xc, level, power, &u, &err) != SG_OK)
        return luaL_error(L, "%s", err.msg);
    lua_createtable(L, 0, 9);
    set_number(L, "rate_t", u.rate_t);
    set_number(L, "rate_c", u.rate_c);
    set_number(L, "uplift", u.uplift);
    set_number(L, "lower", u.lower);
    set_number(L, "upper", u.upper);
    set_number(L, "se", u.se);
    set_number(L, "z", u.z);
    set_number(L, "p_value", u.p_value);
    set_number(L, "mde", u.mde);
    return 1;
}

static int l_mde(lua_State *L)
{
    double v = sg_campaign_mde(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                               luaL_optnumber(L, 4, 0.95), luaL_optnumber(L, 5, 0.8));
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    return 1;
}

/* _campaign_performance(ds, by (nil, a name or a list), { impressions =, clicks =, conversions =,
 * spend =, revenue =, margin = 1 }) */
static int l_performance(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *by[32];
    size_t nby = lua_isnoneornil(L, 2) ? 0 : sgl_names(L, 2, "campaign_performance: by", by, 32);
    sg_perf_columns cols = {
        sgl_opt_string(L, 3, "impressions", NULL), sgl_opt_string(L, 3, "clicks", NULL),
        sgl_opt_string(L, 3, "conversions", NULL), sgl_opt_string(L, 3, "spend", NULL),
        sgl_opt_string(L, 3, "revenue", NULL),
    };
    double margin = sgl_opt_number(L, 3, "campaign_performance", "margin", 1);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_campaign_performance(t, by, nby, &cols, margin, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

static const luaL_Reg campaign_functions[] = {
    { "_campaign_allocate", l_allocate }, { "_campaign_control", l_control },
    { "_campaign_outcomes", l_outcomes }, { "_uplift_test", l_uplift_test }, { "_campaign_mde", l_mde },
    { "_campaign_performance", l_performance }, { "mpi_campaign_outcomes", l_mpi_outcomes }, { NULL, NULL }
};

void sgl_open_campaign(lua_State *L)
{
    luaL_setfuncs(L, campaign_functions, 0);
}
