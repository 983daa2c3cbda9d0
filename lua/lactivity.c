/* segmint.activity_series: active, churned, reactivated and new customers
 * per period (core/activity.c), as a dataset with the rates. */
#include <math.h>
#include <string.h>

#include "activity.h"
#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"

#define WHAT "activity_series"

static int64_t check_date(lua_State *L, const char *key, const char *s)
{
    int64_t v;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &v, NULL) != 0)
        luaL_error(L, WHAT ": option '%s' must hold dates 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", key, s);
    return v;
}

/* The day after the last date (midnight), as for segmint.rfm. */
static int default_as_of(const sg_table *t, const char *date, int64_t *out)
{
    const sg_column *d = sg_table_col(t, date);
    if (!d || d->type != SG_DATETIME)
        return -1;
    const int64_t *v = sg_column_i64(d);
    int have = 0;
    int64_t mx = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!sg_column_is_na(d, i) && (!have || v[i] > mx)) {
            mx = v[i];
            have = 1;
        }
    if (!have)
        return -1;
    int64_t day = mx >= 0 ? mx / 86400 : -((-mx + 86399) / 86400);
    *out = (day + 1) * 86400;
    return 0;
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

/* segmint.activity_series(tx, { customer =, date =, inactive_days = 90, as_of =, bounds = {...} })
 *   -> dataset (one row per period), info */
static int l_activity_series(lua_State *L)
{
    sg_table *tx = sgl_pin_dataset(L, 1);   /* index 3 */
    int t = sgl_check_options(L, 2);
    if (!t)
        return luaL_error(L, WHAT ": options 'customer' and 'date' (column names) are required");
    sg_activity_options o;
    read_options(L, t, tx, &o);
    const char *as_of_text = sgl_opt_string(L, t, "as_of", NULL);
    int64_t as_of = 0;
    int have_as_of = 0;
    if (as_of_text) {
        as_of = check_date(L, "as_of", as_of_text);
        have_as_of = 1;
    } else {
        have_as_of = default_as_of(tx, o.date, &as_of) == 0;
    }
    sg_error err;
    sg_error_clear(&err);
    int64_t *bounds = NULL;
    size_t nb = 0;
    if (sgl_rawfield(L, t, "bounds") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            return luaL_error(L, WHAT ": option 'bounds' must be a list of dates");
        nb = (size_t)lua_rawlen(L, -1);
        if (nb < 2)
            return luaL_error(L, WHAT ": option 'bounds' needs at least two dates");
        int64_t *b = lua_newuserdatauv(L, nb * sizeof *b, 0);
        for (size_t k = 0; k < nb; k++) {
            lua_rawgeti(L, -2, (lua_Integer)k + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, WHAT ": option 'bounds' must be a list of dates");
            b[k] = check_date(L, "bounds", lua_tostring(L, -1));
            if (k > 0 && b[k] <= b[k - 1])
                return luaL_error(L, WHAT ": option 'bounds' must be ascending");
            lua_pop(L, 1);
        }
        bounds = b;   /* kept alive on the stack */
    } else if (have_as_of) {
        if (sg_activity_month_bounds(tx, o.date, as_of, &bounds, &nb, &err))
            return sgl_raise(L, &err);
        int64_t *b = lua_newuserdatauv(L, (nb ? nb : 1) * sizeof *b, 0);
        if (nb)
            memcpy(b, bounds, nb * sizeof *b);
        sg_free(bounds);
        bounds = b;
    }
    sg_activity a;
    memset(&a, 0, sizeof a);
    sgl_dataset *out = sgl_new_dataset(L);
    double zero_d[1] = { 0 };
    int64_t zero_i[1] = { 0 };
    if (nb >= 2) {
        if (sg_activity_compute(tx, &o, bounds, nb, &a, &err))
            return sgl_raise(L, &err);
        out->t = series_table(&a, &o, &err);
    } else {
        /* less than one whole period of data: an empty series */
        a.nperiods = 0;
        a.bounds = bounds;
        a.active_start = a.active_end = a.churned = a.inactive_start = a.reactivated = a.new_customers =
            a.buyers = a.invoices = a.repeat_buyers = a.satisfaction_n = zero_i;
        a.revenue = a.satisfaction_sum = zero_d;
        out->t = series_table(&a, &o, &err);
        memset(&a, 0, sizeof a);
    }
    if (!out->t) {
        sg_activity_free(&a);
        return sgl_raise(L, &err);
    }
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)a.customers);
    lua_setfield(L, -2, "customers");
    lua_pushinteger(L, (lua_Integer)a.rows_used);
    lua_setfield(L, -2, "rows_used");
    lua_pushinteger(L, (lua_Integer)a.rows_missing);
    lua_setfield(L, -2, "rows_missing");
    lua_pushinteger(L, (lua_Integer)a.rows_after);
    lua_setfield(L, -2, "rows_after");
    lua_pushinteger(L, o.inactive_days);
    lua_setfield(L, -2, "inactive_days");
    if (have_as_of) {
        char buf[32];
        sg_datetime_format(as_of, as_of % 86400 == 0, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "as_of");
    }
    sg_activity_free(&a);
    return 2;
}

static const luaL_Reg activity_functions[] = {
    { "activity_series", l_activity_series }, { NULL, NULL }
};

void sgl_open_activity(lua_State *L)
{
    luaL_setfuncs(L, activity_functions, 0);
}
