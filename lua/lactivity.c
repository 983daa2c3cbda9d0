/* segmint.activity_series: active, churned, reactivated and new customers
 * per period (core/activity.c), as a dataset with the rates. */
#include <math.h>
#include <string.h>

#include "activity.h"
#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "mpi.h"
#include "mpi_activity.h"

#define WHAT "activity_series"

static int64_t check_date(lua_State *L, const char *key, const char *s)
{
    int64_t v;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &v, NULL) != 0)
        luaL_error(L, WHAT ": option '%s' must hold dates 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", key, s);
    return v;
}

static int add_i64(sg_table *t, const char *name, const int64_t *v, size_t n, int dt, sg_error *err)
{
    sg_column *c = sg_column_new(name, dt ? SG_DATETIME : SG_INT64, n);
    if (!c)
        return sg_error_nomem(err);
    int date_only = 1;
    for (size_t i = 0; i < n; i++) {
        sg_column_push_i64(c, v[i]);   /* reserved: cannot fail */
        if (v[i] % 86400)
            date_only = 0;
    }
    c->date_only = dt && date_only;
    return sg_table_add(t, c, err);
}

static int add_rate(sg_table *t, const char *name, const int64_t *num, const int64_t *den, int complement,
                    size_t n, sg_error *err)
{
    sg_column *c = sg_column_new(name, SG_DOUBLE, n);
    if (!c)
        return sg_error_nomem(err);
    for (size_t i = 0; i < n; i++) {
        if (den[i] > 0) {
            double r = (double)num[i] / (double)den[i];
            sg_column_push_f64(c, complement ? 1 - r : r);
        } else if (sg_column_push_na(c)) {
            sg_column_release(c);
            return sg_error_nomem(err);
        }
    }
    return sg_table_add(t, c, err);
}

static int add_f64(sg_table *t, const char *name, const double *num, const int64_t *den, size_t n,
                   sg_error *err)
{
    sg_column *c = sg_column_new(name, SG_DOUBLE, n);
    if (!c)
        return sg_error_nomem(err);
    for (size_t i = 0; i < n; i++) {
        if (!den) {
            sg_column_push_f64(c, num[i]);
        } else if (den[i] > 0) {
            sg_column_push_f64(c, num[i] / (double)den[i]);
        } else if (sg_column_push_na(c)) {
            sg_column_release(c);
            return sg_error_nomem(err);
        }
    }
    return sg_table_add(t, c, err);
}

static sg_table *series_table(const sg_activity *a, const sg_activity_options *o, sg_error *err)
{
    size_t P = a->nperiods;
    sg_table *t = sg_table_new();
    if (!t) {
        sg_error_nomem(err);
        return NULL;
    }
    if (add_i64(t, "period_start", a->bounds, P, 1, err) || add_i64(t, "period_end", a->bounds + 1, P, 1, err) ||
        add_i64(t, "active_start", a->active_start, P, 0, err) || add_i64(t, "churned", a->churned, P, 0, err) ||
        add_i64(t, "inactive_start", a->inactive_start, P, 0, err) ||
        add_i64(t, "reactivated", a->reactivated, P, 0, err) ||
        add_i64(t, "new_customers", a->new_customers, P, 0, err) || add_i64(t, "buyers", a->buyers, P, 0, err) ||
        add_i64(t, "active_end", a->active_end, P, 0, err) ||
        add_rate(t, "churn_rate", a->churned, a->active_start, 0, P, err) ||
        add_rate(t, "retention_rate", a->churned, a->active_start, 1, P, err) ||
        add_rate(t, "reactivation_rate", a->reactivated, a->inactive_start, 0, P, err) ||
        (o->amount && add_f64(t, "revenue", a->revenue, NULL, P, err)) ||
        (o->invoice && add_i64(t, "invoices", a->invoices, P, 0, err)) ||
        (o->invoice && add_i64(t, "repeat_buyers", a->repeat_buyers, P, 0, err)) ||
        (o->amount && o->invoice && add_f64(t, "average_basket", a->revenue, a->invoices, P, err)) ||
        (o->satisfaction && add_f64(t, "satisfaction", a->satisfaction_sum, a->satisfaction_n, P, err)) ||
        (o->satisfaction && add_i64(t, "satisfaction_n", a->satisfaction_n, P, 0, err))) {
        sg_table_free(t);
        return NULL;
    }
    return t;
}

/* The column names and inactive_days of the options table t, checked
 * against tx; raises on a bad option. */
static void read_options(lua_State *L, int t, const sg_table *tx, sg_activity_options *o)
{
    sg_activity_options_init(o);
    o->customer = sgl_opt_string(L, t, "customer", NULL);
    o->date = sgl_opt_string(L, t, "date", NULL);
    o->invoice = sgl_opt_string(L, t, "invoice", NULL);
    o->amount = sgl_opt_string(L, t, "amount", NULL);
    o->satisfaction = sgl_opt_string(L, t, "satisfaction", NULL);
    const char *roles[3] = { "invoice", "amount", "satisfaction" };
    const char *names[3] = { o->invoice, o->amount, o->satisfaction };
    for (int k = 0; k < 3; k++)
        if (names[k] && !sg_table_col(tx, names[k]))
            luaL_error(L, WHAT ": no column '%s' (option '%s')", names[k], roles[k]);
    if (!o->customer || !o->date)
        luaL_error(L, WHAT ": options 'customer' and 'date' (column names) are required");
    if (!sg_table_col(tx, o->customer))
        luaL_error(L, WHAT ": no column '%s' (option 'customer')", o->customer);
    const sg_column *dc = sg_table_col(tx, o->date);
    if (!dc || dc->type != SG_DATETIME)
        luaL_error(L, WHAT ": option 'date' must name a datetime column, got '%s'", o->date);
    double days = sgl_opt_number(L, t, WHAT, "inactive_days", 90);
    if (days != floor(days) || days < 0 || days > 36500)
        luaL_error(L, WHAT ": option 'inactive_days' must be a whole number of days from 0 to 36500");
    o->inactive_days = (int)days;
}

/* The options of a series besides the columns: as_of given (or not) and
 * the bounds given (a userdata on the stack, or NULL). */
typedef struct series_args {
    sg_activity_options o;
    int have_as_of;
    int64_t as_of;
    int64_t *bounds;
    size_t nb;
} series_args;

static void read_args(lua_State *L, int t, const sg_table *tx, series_args *a)
{
    read_options(L, t, tx, &a->o);
    const char *as_of_text = sgl_opt_string(L, t, "as_of", NULL);
    a->have_as_of = as_of_text != NULL;
    a->as_of = as_of_text ? check_date(L, "as_of", as_of_text) : 0;
    a->bounds = NULL;
    a->nb = 0;
    if (sgl_rawfield(L, t, "bounds") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            luaL_error(L, WHAT ": option 'bounds' must be a list of dates");
        size_t nb = (size_t)lua_rawlen(L, -1);
        if (nb < 2)
            luaL_error(L, WHAT ": option 'bounds' needs at least two dates");
        int64_t *b = lua_newuserdatauv(L, nb * sizeof *b, 0);
        for (size_t k = 0; k < nb; k++) {
            lua_rawgeti(L, -2, (lua_Integer)k + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, WHAT ": option 'bounds' must be a list of dates");
            b[k] = check_date(L, "bounds", lua_tostring(L, -1));
            if (k > 0 && b[k] <= b[k - 1])
                luaL_error(L, WHAT ": option 'bounds' must be ascending");
            lua_pop(L, 1);
        }
        a->bounds = b;   /* kept alive on the stack */
        a->nb = nb;
    }
}

/* n results of sg_activity_compute(_many), zeroed, in a userdata pushed
 * on the stack whose __gc frees what they still hold: a Lua error (out of
 * memory in a table, a failed dataset) leaks none of them. */
typedef struct results_box {
    size_t n;
    sg_activity a[];
} results_box;

static int results_gc(lua_State *L)
{
    results_box *b = lua_touserdata(L, 1);
    for (size_t q = 0; b && q < b->n; q++)
        sg_activity_free(&b->a[q]);
    return 0;
}

static sg_activity *push_results(lua_State *L, size_t n)
{
    results_box *b = lua_newuserdatauv(L, sizeof *b + n * sizeof b->a[0], 0);
    memset(b->a, 0, n * sizeof b->a[0]);
    b->n = n;
    if (luaL_newmetatable(L, "segmint.activity_results")) {
        lua_pushcfunction(L, results_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b->a;
}

static int owned_gc(lua_State *L)
{
    void **slot = lua_touserdata(L, 1);
    if (slot) {
        sg_free(*slot);
        *slot = NULL;
    }
    return 0;
}

/* sg_activity_months' bounds (*nb of them), owned by a userdata pushed on
 * the stack whose __gc frees them; raises on failure. */
static int64_t *push_months(lua_State *L, int have_first, int64_t first, int64_t as_of, size_t *nb)
{
    int64_t **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    if (luaL_newmetatable(L, "segmint.owned_block")) {
        lua_pushcfunction(L, owned_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    sg_error err;
    sg_error_clear(&err);
    if (sg_activity_months(have_first, first, as_of, slot, nb, &err))
        sgl_raise(L, &err);
    return *slot;
}

/* Pushes the dataset of a (its arrays freed) and the info table; a with no
 * periods (nperiods 0, no arrays): an empty series, bounds then unused.
 * first: the earliest date of the rows (info.first), INT64_MAX when the
 * dates were not looked at or there are none.  a is one of push_results'
 * (freed by its __gc if this raises). */
static void push_series(lua_State *L, sg_activity *a, const sg_activity_options *o, int have_as_of, int64_t as_of,
                        int64_t first)
{
    sg_error err;
    sg_error_clear(&err);
    sgl_dataset *out = sgl_new_dataset(L);
    if (a->nperiods) {
        out->t = series_table(a, o, &err);
    } else {
        /* less than one whole period of data: an empty series */
        double zero_d[1] = { 0 };
        int64_t zero_i[2] = { 0, 0 };
        sg_activity e;
        memset(&e, 0, sizeof e);
        e.bounds = e.active_start = e.active_end = e.churned = e.inactive_start = e.reactivated =
            e.new_customers = e.buyers = e.invoices = e.repeat_buyers = e.satisfaction_n = zero_i;
        e.revenue = e.satisfaction_sum = zero_d;
        out->t = series_table(&e, o, &err);
    }
    if (!out->t)
        sgl_raise(L, &err);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)a->customers);
    lua_setfield(L, -2, "customers");
    lua_pushinteger(L, (lua_Integer)a->rows_used);
    lua_setfield(L, -2, "rows_used");
    lua_pushinteger(L, (lua_Integer)a->rows_missing);
    lua_setfield(L, -2, "rows_missing");
    lua_pushinteger(L, (lua_Integer)a->rows_after);
    lua_setfield(L, -2, "rows_after");
    lua_pushinteger(L, o->inactive_days);
    lua_setfield(L, -2, "inactive_days");
    if (have_as_of) {
        char buf[32];
        sg_datetime_format(as_of, as_of % 86400 == 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "as_of");
    }
    if (first != INT64_MAX) {
        char buf[32];
        sg_datetime_format(first, first % 86400 == 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "first");
    }
    sg_activity_free(a);
}

/* segmint.activity_series(tx, { customer =, date =, inactive_days = 90, as_of =, bounds = {...} })
 *   -> dataset (one row per period), info */
static int l_activity_series(lua_State *L)
{
    sg_table *tx = sgl_pin_dataset(L, 1);   /* index 3 */
    int t = sgl_check_options(L, 2);
    if (!t)
        return luaL_error(L, WHAT ": options 'customer' and 'date' (column names) are required");
    series_args x;
    read_args(L, t, tx, &x);
    sg_error err;
    sg_error_clear(&err);
    int64_t d[3] = { INT64_MAX, INT64_MAX, INT64_MAX };
    /* (a pass over the dates when as_of or the bounds come from them) */
    if ((!x.have_as_of || !x.bounds) && sg_activity_dates(tx, x.o.date, x.have_as_of, x.as_of, d, &err))
        return sgl_raise(L, &err);
    int64_t as_of = x.as_of;
    int have_as_of = x.have_as_of || sg_activity_default_as_of(d, &as_of) == 0;
    int64_t *bounds = x.bounds;
    size_t nb = x.nb;
    if (!bounds && have_as_of) {
        int64_t first = x.have_as_of ? d[2] : d[1];
        bounds = push_months(L, first != INT64_MAX, first == INT64_MAX ? 0 : first, as_of, &nb);
    }
    sg_activity *a = push_results(L, 1);
    if (nb >= 2 && sg_activity_compute(tx, &x.o, bounds, nb, a, &err))
        return sgl_raise(L, &err);
    push_series(L, a, &x.o, have_as_of, as_of, d[1]);
    return 2;
}

/* The windows of the list of option tables at index list, each checked
 * against tx as segmint.activity_series checks its options (its bounds
 * kept on the stack): *n of them, in a userdata on the stack. */
static series_args *read_list(lua_State *L, int list, const sg_table *tx, size_t *n)
{
    luaL_checktype(L, list, LUA_TTABLE);
    size_t nw = (size_t)lua_rawlen(L, list);
    if (nw == 0)
        luaL_error(L, WHAT ": the list of series' options is empty");
    series_args *x = lua_newuserdatauv(L, nw * sizeof *x, 0);
    for (size_t q = 0; q < nw; q++) {
        luaL_checkstack(L, 8, WHAT);
        if (lua_rawgeti(L, list, (lua_Integer)q + 1) != LUA_TTABLE)
            luaL_error(L, WHAT ": entry %d of the list is not an options table", (int)q + 1);
        read_args(L, lua_gettop(L), tx, &x[q]);
    }
    *n = nw;
    return x;
}

/* Whether window x needs the dates (as segmint.activity_series: its as_of
 * or its bounds come from them), and so reports the earliest (info.first). */
static int needs_dates(const series_args *x)
{
    return !x->have_as_of || !x->bounds;
}

/* Pushes the list of { dataset, info } of the nw series a[] (push_results';
 * freed) and the batch's info { first, windows }. */
static void push_list(lua_State *L, sg_activity *a, const series_args *x, const int64_t *as_of, const int *have,
                      size_t nw, int64_t first)
{
    lua_createtable(L, (int)nw, 0);
    for (size_t q = 0; q < nw; q++) {
        lua_createtable(L, 2, 0);
        push_series(L, &a[q], &x[q].o, have[q], as_of[q], needs_dates(&x[q]) ? first : INT64_MAX);
        lua_rawseti(L, -3, 2);
        lua_rawseti(L, -2, 1);
        lua_rawseti(L, -2, (lua_Integer)q + 1);
    }
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)nw);
    lua_setfield(L, -2, "windows");
    if (first != INT64_MAX) {
        char buf[32];
        sg_datetime_format(first, first % 86400 == 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "first");
    }
}

/* segmint.activity_series_list(tx, { options, ... }) -> { { dataset, info }, ... }, batch:
 * segmint.activity_series of every options table, in one pass over the
 * dates and one walk of the customers' rows (sg_activity_compute_many;
 * the windows share the customer and date columns); batch = { windows,
 * first = the earliest date of tx }. */
static int l_activity_series_list(lua_State *L)
{
    lua_settop(L, 2);
    sg_table *tx = sgl_pin_dataset(L, 1);   /* index 3 */
    size_t nw;
    series_args *x = read_list(L, 2, tx, &nw);
    int *have = lua_newuserdatauv(L, nw * sizeof *have, 0);
    int64_t *as_of = lua_newuserdatauv(L, nw * sizeof *as_of, 0);
    int64_t *d = lua_newuserdatauv(L, (2 + nw) * sizeof *d, 0);
    sg_activity_window *w = lua_newuserdatauv(L, nw * sizeof *w, 0);
    sg_activity *a = push_results(L, nw);
    for (size_t q = 0; q < nw; q++) {
        have[q] = x[q].have_as_of;
        as_of[q] = x[q].as_of;
    }
    sg_error err;
    sg_error_clear(&err);
    if (sg_activity_dates_many(tx, x[0].o.date, have, as_of, nw, d, &err))
        return sgl_raise(L, &err);
    for (size_t q = 0; q < nw; q++) {
        int64_t dq[3] = { d[0], d[1], d[2 + q] };
        have[q] = x[q].have_as_of || sg_activity_default_as_of(dq, &as_of[q]) == 0;
        w[q].o = x[q].o;
        w[q].bounds = x[q].bounds;
        w[q].nbounds = x[q].nb;
        if (!x[q].bounds && have[q]) {
            int64_t first = x[q].have_as_of ? dq[2] : dq[1];
            size_t nb;
            luaL_checkstack(L, 4, WHAT);
            w[q].bounds = push_months(L, first != INT64_MAX, first == INT64_MAX ? 0 : first, as_of[q], &nb);
            w[q].nbounds = nb;
        }
        if (w[q].nbounds < 2)
            w[q].nbounds = 0;
    }
    if (sg_activity_compute_many(tx, w, nw, a, &err))
        return sgl_raise(L, &err);
    push_list(L, a, x, as_of, have, nw, d[1]);
    return 2;
}

/* segmint.mpi_activity_series_list(tx, gen, { options, ... }) -> list, batch, ranks:
 * segmint.activity_series_list of tx, rank 0's cleaned table, computed by
 * the ranks that own the customers over the cleaned rows the exchange
 * number gen left them, in one command (docs/mpi.md); the options are
 * checked against tx as segmint.activity_series checks them.  ranks = {
 * ranks, customers = {per rank, in the window with the most}, gathered,
 * reduced (bytes), seconds = { walk, gather } }.  nil and why when the
 * ranks cannot (one rank, the owners do not hold that cleaning, a column
 * error: the caller's own path reports it). */
static int l_mpi_activity_series_list(lua_State *L)
{
    lua_settop(L, 3);
    const sg_table *tx = sgl_pin_shape(L, 1);   /* index 4 */
    lua_Integer gen = luaL_checkinteger(L, 2);
    size_t nw;
    series_args *x = read_list(L, 3, tx, &nw);
    for (size_t q = 1; q < nw; q++)
        if (strcmp(x[q].o.customer, x[0].o.customer) != 0 || strcmp(x[q].o.date, x[0].o.date) != 0) {
            lua_pushnil(L);
            lua_pushstring(L, "series over other customer or date columns in one list");
            return 2;
        }
    int n = sg_mpi_size();
    uint64_t *ncust = lua_newuserdatauv(L, (size_t)n * sizeof *ncust, 0);
    memset(ncust, 0, (size_t)n * sizeof *ncust);
    sg_mpi_activity_win *win = lua_newuserdatauv(L, nw * sizeof *win, 0);
    sg_mpi_activity_res *res = lua_newuserdatauv(L, nw * sizeof *res, 0);
    sg_activity *a = push_results(L, nw);
    int64_t *as_of = lua_newuserdatauv(L, nw * sizeof *as_of, 0);
    int *have = lua_newuserdatauv(L, nw * sizeof *have, 0);
    for (size_t q = 0; q < nw; q++) {
        win[q].o = x[q].o;
        win[q].have_as_of = x[q].have_as_of;
        win[q].as_of = x[q].as_of;
        win[q].nbounds = x[q].nb;
        win[q].bounds = x[q].bounds;
    }
    sg_mpi_activity_stats st;
    memset(&st, 0, sizeof st);
    st.customers = ncust;
    st.first = INT64_MAX;
    sg_mpi_activity_cmd c = { (uint64_t)gen, nw, win };
    char why[400];
    sg_error err;
    sg_error_clear(&err);
    int r = sg_mpi_activity(&c, res, &st, why, sizeof why, &err);
    if (r < 0)
        return sgl_raise(L, &err);
    if (r == 0) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    for (size_t q = 0; q < nw; q++) {
        a[q] = res[q].a;
        as_of[q] = res[q].as_of;
        have[q] = res[q].have_as_of;
    }
    push_list(L, a, x, as_of, have, nw, st.first);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "ranks");
    lua_createtable(L, n, 0);
    for (int k = 0; k < n; k++) {
        lua_pushinteger(L, (lua_Integer)ncust[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "customers");
    lua_pushinteger(L, (lua_Integer)st.gathered);
    lua_setfield(L, -2, "gathered");
    lua_pushinteger(L, (lua_Integer)st.reduced);
    lua_setfield(L, -2, "reduced");
    lua_createtable(L, 2, 0);
    for (int k = 0; k < 2; k++) {
        lua_pushnumber(L, st.secs[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "seconds");
    return 3;
}

static const luaL_Reg activity_functions[] = {
    { "activity_series", l_activity_series },
    { "activity_series_list", l_activity_series_list },
    { "mpi_activity_series_list", l_mpi_activity_series_list },
    { NULL, NULL }
};

void sgl_open_activity(lua_State *L)
{
    luaL_setfuncs(L, activity_functions, 0);
}
