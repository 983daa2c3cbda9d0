/* segmint.rfm and segmint.rfm_csv: per-customer RFM fields and scores. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "expr.h"
#include "mpi.h"
#include "mpi_quantile.h"
#include "rfm.h"

#define MAX_BINS 10

static const char *opt_column(lua_State *L, int t, const char *key, int required)
{
    const char *s = sgl_opt_string(L, t, key, NULL);
    if (!s && required)
        luaL_error(L, "rfm: option '%s' (a column name) is required", key);
    return s;
}

/* Reads the options shared by rfm and rfm_csv. */
static void read_rfm_options(lua_State *L, int t, sg_rfm_options *o, int *bins)
{
    sg_rfm_options_init(o);
    o->customer = opt_column(L, t, "customer", 1);
    o->date = opt_column(L, t, "date", 1);
    o->invoice = opt_column(L, t, "invoice", 0);
    o->amount = opt_column(L, t, "amount", 0);
    const char *as_of = sgl_opt_string(L, t, "as_of", NULL);
    if (as_of) {
        int64_t v;
        if (sg_datetime_parse(as_of, strlen(as_of), SG_DATE_ISO, &v, NULL) != 0)
            luaL_error(L, "rfm: option 'as_of' must be a date 'YYYY-MM-DD[ HH:MM:SS]', got '%s'", as_of);
        o->as_of = v;
        o->has_as_of = 1;
    }
    const char *freq = sgl_opt_string(L, t, "frequency", "invoices");
    if (strcmp(freq, "invoices") == 0)
        o->freq = SG_RFM_INVOICES;
    else if (strcmp(freq, "days") == 0)
        o->freq = SG_RFM_DAYS;
    else
        luaL_error(L, "rfm: option 'frequency' must be \"invoices\" or \"days\", got '%s'", freq);
    if (o->freq == SG_RFM_INVOICES && !o->invoice)
        luaL_error(L, "rfm: option 'invoice' is required with frequency = \"invoices\"");
    o->unit_days = sgl_opt_unit_days(L, t, "rfm", "days");   /* for the btyd_* fields */
    sgl_rawfield(L, t, "bins");
    *bins = (int)luaL_optinteger(L, -1, 5);
    lua_pop(L, 1);
    if (*bins < 2 || *bins > MAX_BINS)
        luaL_error(L, "rfm: option 'bins' must be between 2 and %d", MAX_BINS);
}

static void push_edges(lua_State *L, const double *e, int n)
{
    lua_createtable(L, n, 0);
    for (int k = 0; k < n; k++) {
        lua_pushnumber(L, e[k]);
        lua_rawseti(L, -2, k + 1);
    }
}

/* The customer column of the result is always called "customer", whatever
 * the input called it, so rules and reports can rely on the name. */
static void name_customer_column(lua_State *L, sg_table *t, const char *input_name)
{
    sg_column *c = sg_table_col(t, input_name);
    if (!c || strcmp(input_name, "customer") == 0)
        return;
    if (sg_table_col(t, "customer"))
        luaL_error(L, "rfm: the input customer column '%s' clashes with the output column 'customer'", input_name);
    char *name = sg_strdup("customer");
    if (!name)
        luaL_error(L, "out of memory");
    sg_free(c->name);   /* a fresh column, owned by this table alone */
    c->name = name;
}

static const struct { const char *col, *out, *key; int reverse; } SCORES[3] = {
    { "recency_days", "r_score", "recency", 1 },
    { "frequency", "f_score", "frequency", 0 },
    { "monetary", "m_score", "monetary", 0 },
};

/* The thresholds option of the options table opts: given[k] = 1 and
 * edges[k] for each column it gives, else 0.  0, or -1 with msg set (the
 * message segmint.rfm raises). */
static int read_thresholds(lua_State *L, int opts, int bins, double edges[3][MAX_BINS], int given[3], char *msg,
                           size_t msglen)
{
    int rc = 0;
    for (int k = 0; k < 3; k++)
        given[k] = 0;
    if (sgl_rawfield(L, opts, "thresholds") == LUA_TTABLE) {
        for (int k = 0; k < 3 && !rc; k++) {
            if (sgl_rawfield(L, -1, SCORES[k].key) == LUA_TTABLE) {
                if ((int)lua_rawlen(L, -1) != bins - 1) {
                    snprintf(msg, msglen, "rfm: thresholds.%s must hold %d ascending values (bins - 1)",
                             SCORES[k].key, bins - 1);
                    rc = -1;
                }
                for (int j = 0; j < bins - 1 && !rc; j++) {
                    lua_rawgeti(L, -1, j + 1);
                    int isnum;
                    edges[k][j] = (double)lua_tonumberx(L, -1, &isnum);
                    if (!isnum) {
                        snprintf(msg, msglen, "rfm: thresholds.%s[%d] must be a number", SCORES[k].key, j + 1);
                        rc = -1;
                    }
                    lua_pop(L, 1);
                }
                given[k] = 1;
            } else if (!lua_isnil(L, -1)) {
                snprintf(msg, msglen, "rfm: thresholds.%s must be a list of numbers", SCORES[k].key);
                rc = -1;
            }
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        snprintf(msg, msglen, "rfm: option 'thresholds' must be a table { recency = {...}, frequency = {...}, "
                 "monetary = {...} }");
        rc = -1;
    }
    lua_pop(L, 1);
    return rc;
}

/* Adds r_score, f_score, m_score and rfm_score to the dataset box d; pushes
 * the edges table.  given[k]: 0 the edges of column k are computed here, 1
 * given in the options, 2 computed by the MPI ranks (edges[k], as here). */
static void score_with(lua_State *L, sgl_dataset *d, int bins, double edges[3][MAX_BINS], const int given[3])
{
    sg_error err;
    for (int k = 0; k < 3; k++) {
        sg_column *src = sg_table_col(d->t, SCORES[k].col);
        sg_column *c = sg_score_column(src, SCORES[k].out, bins, SCORES[k].reverse, edges[k], given[k], &err);
        if (!c || sg_table_add(d->t, c, &err) != 0)
            sgl_raise(L, &err);
    }
    sg_table *with = sg_table_derive(d->t, "rfm_score", "r_score * 100 + f_score * 10 + m_score", &err);
    if (!with)
        sgl_raise(L, &err);
    sg_table_free(d->t);
    d->t = with;
    lua_createtable(L, 0, 3);
    for (int k = 0; k < 3; k++) {
        push_edges(L, edges[k], bins - 1);
        lua_setfield(L, -2, SCORES[k].key);
    }
}

/* The scores with the thresholds of the options table opts, computed here
 * where not given. */
static void add_scores(lua_State *L, int opts, sgl_dataset *d, int bins)
{
    double edges[3][MAX_BINS];
    int given[3];
    char msg[200];
    if (read_thresholds(L, opts, bins, edges, given, msg, sizeof msg))
        luaL_error(L, "%s", msg);
    score_with(L, d, bins, edges, given);
}

static void push_info(lua_State *L, const sg_rfm_info *info, int edges_idx)
{
    lua_createtable(L, 0, 5);
    char buf[32];
    sg_datetime_format(info->as_of, info->as_of % 86400 == 0, buf, sizeof buf);
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "as_of");
    lua_pushinteger(L, (lua_Integer)info->rows_used);
    lua_setfield(L, -2, "rows_used");
    lua_pushinteger(L, (lua_Integer)info->rows_after_as_of);
    lua_setfield(L, -2, "rows_after_as_of");
    lua_pushinteger(L, (lua_Integer)info->rows_missing);
    lua_setfield(L, -2, "rows_missing");
    lua_pushvalue(L, edges_idx);
    lua_setfield(L, -2, "edges");
}

/* segmint.rfm(dataset, options) -> customers, info */
static int l_rfm(lua_State *L)
{
    sg_table *tx = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_rfm_options o;
    int bins;
    read_rfm_options(L, 2, &o, &bins);
    if (!o.amount)
        return luaL_error(L, "rfm: option 'amount' (a column name) is required");
    sgl_dataset *d = sgl_new_dataset(L);
    sg_rfm_info info;
    sg_error err;
    d->t = sg_rfm_aggregate(tx, &o, &info, &err);
    if (!d->t)
        return sgl_raise(L, &err);
    name_customer_column(L, d->t, o.customer);
    add_scores(L, 2, d, bins);
    push_info(L, &info, lua_gettop(L));
    lua_remove(L, -2);
    return 2;
}

/* ranks.edges = { computed = { names } (by the ranks), given = { names }
 * (in the options), reductions =, bytes = (per rank), seconds =, note =
 * (a column computed on rank 0 instead, and why) } */
static void push_edge_stats(lua_State *L, const sg_mpi_edges *q, const int given[3], const char *note)
{
    lua_createtable(L, 0, 6);
    int nc = 0, ng = 0;
    lua_newtable(L);
    lua_newtable(L);
    for (int k = 0; k < 3; k++) {
        if (given[k] == 0)
            continue;   /* computed on rank 0 (note says why) */
        lua_pushstring(L, SCORES[k].key);
        if (given[k] == 2)
            lua_rawseti(L, -3, ++nc);
        else
            lua_rawseti(L, -2, ++ng);
    }
    lua_setfield(L, -3, "given");
    lua_setfield(L, -2, "computed");
    lua_pushinteger(L, (lua_Integer)q->reductions);
    lua_setfield(L, -2, "reductions");
    lua_pushinteger(L, (lua_Integer)q->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushnumber(L, q->seconds);
    lua_setfield(L, -2, "seconds");
    if (note) {
        lua_pushstring(L, note);
        lua_setfield(L, -2, "note");
    }
    lua_setfield(L, -2, "edges");
}

/* segmint.mpi_rfm(dataset, options, gen) -> customers, info, ranks: what
 * segmint.rfm gives, the per-customer aggregation computed by the MPI
 * ranks owning the customers over the cleaned rows the exchange number gen
 * left them (the rows of dataset); ranks = { ranks =, customers = { per
 * rank }, gathered = bytes, seconds = { aggregate =, gather = } }.  nil and
 * why when the ranks cannot (segmint.rfm then gives the result, or the
 * message).  The score edges not given in the options are computed by
 * the ranks too, from their customers (ranks.edges). */
static int l_mpi_rfm(lua_State *L)
{
    const sg_table *tx = sgl_check_shape(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    uint64_t gen = (uint64_t)luaL_checkinteger(L, 3);
    sg_rfm_options o;
    int bins;
    read_rfm_options(L, 2, &o, &bins);
    const sg_column *cc = sg_table_col(tx, o.customer), *dc = sg_table_col(tx, o.date);
    if (!o.amount || !cc || !dc || dc->type != SG_DATETIME ||
        (cc->type != SG_STRING && cc->type != SG_INT64 && cc->type != SG_DOUBLE)) {
        lua_pushnil(L);
        lua_pushliteral(L, "the options or columns are not those RFM takes (its own message follows)");
        return 2;
    }
    double edges[3][MAX_BINS];
    int given[3];
    char msg[200];
    if (read_thresholds(L, 2, bins, edges, given, msg, sizeof msg)) {
        lua_pushnil(L);
        lua_pushliteral(L, "the thresholds are not those RFM takes (its own message follows)");
        return 2;
    }
    sg_mpi_edges q;
    memset(&q, 0, sizeof q);
    q.bins = bins;
    for (int k = 0; k < 3; k++)
        q.mask |= given[k] ? 0u : 1u << k;
    int n = sg_mpi_size();
    uint64_t *ncust = lua_newuserdatauv(L, (size_t)n * sizeof *ncust, 0);
    uint64_t gathered = 0;
    double secs[2] = { 0, 0 };
    sg_rfm_info info;
    sg_error err;
    char why[400] = "";
    sg_table *out = NULL;
    int rc = sg_mpi_rfm(&o, gen, &q, cc->type, dc->date_only, &out, &info, ncust, &gathered, secs, why, sizeof why,
                        &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    sgl_dataset *d = sgl_new_dataset(L);
    d->t = out;
    name_customer_column(L, d->t, o.customer);
    /* the edges the ranks computed; recency's only when their as_of is
     * rank 0's (always: the same rule over the same purchases) */
    const char *note = NULL;
    if ((q.mask & 1u) && q.as_of != info.as_of) {
        q.mask &= ~1u;
        note = "recency on rank 0: the ranks' as_of differed";
    }
    for (int k = 0; k < 3; k++)
        if (q.mask & (1u << k)) {
            memcpy(edges[k], q.edges[k], sizeof edges[k]);
            given[k] = 2;
        }
    score_with(L, d, bins, edges, given);
    push_info(L, &info, lua_gettop(L));
    lua_remove(L, -2);
    sgl_push_mpi_stats(L, n, ncust, "gathered", gathered, "aggregate", "gather", secs);
    push_edge_stats(L, &q, given, note);
    return 3;
}

/* options.clean_steps = { cancel_prefix =, returns = bool, nonpositive_price = bool, item =,
 * non_product = { codes }, whole_ids = bool }: segmint.clean's steps in the same pass
 * (sg_rfm_csv_options.clean_steps); the policy itself is checked by segmint.clean's
 * stream_plan.  The codes are kept in a userdata left on the stack. */
static void read_clean_steps(lua_State *L, int t, sg_rfm_csv_options *co)
{
    if (sgl_rawfield(L, t, "clean_steps") != LUA_TTABLE) {
        if (!lua_isnil(L, -1))
            luaL_error(L, "rfm_csv: option 'clean_steps' must be a table");
        lua_pop(L, 1);
        return;
    }
    int cs = lua_gettop(L);
    co->clean_steps = 1;
    co->drop_missing_customer = 1;
    co->cancel_prefix = sgl_opt_string(L, cs, "cancel_prefix", NULL);
    co->item = sgl_opt_string(L, cs, "item", NULL);
    sgl_rawfield(L, cs, "returns");
    co->drop_returns = lua_toboolean(L, -1);
    sgl_rawfield(L, cs, "nonpositive_price");
    co->drop_nonpositive_price = lua_toboolean(L, -1);
    sgl_rawfield(L, cs, "whole_ids");
    co->whole_ids = lua_toboolean(L, -1);
    lua_pop(L, 3);
    if (sgl_rawfield(L, cs, "non_product") == LUA_TTABLE) {
        size_t n = (size_t)lua_rawlen(L, -1);
        const char **codes = lua_newuserdatauv(L, (n ? n : 1) * sizeof *codes, 0);
        for (size_t k = 0; k < n; k++) {
            lua_rawgeti(L, -2, (lua_Integer)k + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "rfm_csv: clean_steps.non_product[%d] must be a string", (int)k + 1);
            codes[k] = lua_tostring(L, -1);   /* held by the options table */
            lua_pop(L, 1);
        }
        co->non_product = codes;
        co->n_non_product = n;
        lua_replace(L, cs);                   /* the userdata stays where the table was */
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
        lua_pushnil(L);                       /* keeps the stack the same in both cases */
    }
}

static void push_tally(lua_State *L, const sg_rfm_csv_info *info, int step, const char *name)
{
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)info->step_rows[step]);
    lua_setfield(L, -2, "rows");
    lua_pushnumber(L, info->step_revenue[step]);
    lua_setfield(L, -2, "revenue");
    lua_setfield(L, -2, name);
}

/* info.cleaning = { rows_in, rows_out, revenue_in, revenue_out, customers_out,
 * removed = { missing_customer = { rows, revenue }, cancellations, returns, price, non_product } } */
static void push_clean_tallies(lua_State *L, const sg_rfm_csv_info *info)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)info->rows_read);
    lua_setfield(L, -2, "rows_in");
    lua_pushinteger(L, (lua_Integer)info->rows_out);
    lua_setfield(L, -2, "rows_out");
    lua_pushnumber(L, info->revenue_in);
    lua_setfield(L, -2, "revenue_in");
    lua_pushnumber(L, info->revenue_out);
    lua_setfield(L, -2, "revenue_out");
    lua_pushinteger(L, (lua_Integer)info->customers_out);
    lua_setfield(L, -2, "customers_out");
    lua_createtable(L, 0, 5);
    push_tally(L, info, SG_RFM_CLEAN_MISSING_CUSTOMER, "missing_customer");
    push_tally(L, info, SG_RFM_CLEAN_CANCELLATIONS, "cancellations");
    push_tally(L, info, SG_RFM_CLEAN_RETURNS, "returns");
    push_tally(L, info, SG_RFM_CLEAN_PRICE, "price");
    push_tally(L, info, SG_RFM_CLEAN_NON_PRODUCT, "non_product");
    lua_setfield(L, -2, "removed");
    lua_setfield(L, -2, "cleaning");
}

/* segmint.rfm_csv(path, options) -> customers, info (streaming, memory grows with customers) */
static int l_rfm_csv(lua_State *L)
{
    const char *path = sgl_check_read_path(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_rfm_options o;
    int bins;
    read_rfm_options(L, 2, &o, &bins);
    sg_rfm_csv_options co;
    sg_rfm_csv_options_init(&co);
    co.quantity = sgl_opt_string(L, 2, "quantity", NULL);
    co.price = sgl_opt_string(L, 2, "price", NULL);
    if (!o.amount && !(co.quantity && co.price))
        return luaL_error(L, "rfm_csv: give 'amount', or 'quantity' and 'price'");
    co.cancel_prefix = sgl_opt_string(L, 2, "cancel_prefix", NULL);
    sgl_rawfield(L, 2, "positive_only");
    co.drop_nonpositive = lua_toboolean(L, -1);
    sgl_rawfield(L, 2, "drop_missing_customer");
    co.drop_missing_customer = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
    lua_pop(L, 2);
    read_clean_steps(L, 2, &co);
    const char *delim = sgl_opt_string(L, 2, "delim", NULL);
    if (delim) {
        if (strlen(delim) != 1)
            return luaL_error(L, "rfm_csv: option 'delim' must be one character");
        co.delim = delim[0];
    }
    lua_pushfstring(L, "RFM over %s", path);
    sgl_progress ps = { lua_tostring(L, -1), -1 };
    if (sgl_progress_enabled(L)) {
        co.progress = sgl_progress_draw;
        co.progress_ud = &ps;
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_rfm_csv_info info;
    sg_error err;
    d->t = sg_rfm_csv(path, &o, &co, &info, &err);
    if (!d->t && info.unsupported) {
        /* the data needs the whole-table path: not a failure of the data */
        lua_pushnil(L);
        lua_pushstring(L, err.msg);
        lua_pushliteral(L, "unsupported");
        return 3;
    }
    if (!d->t)
        return sgl_fail(L, &err);
    name_customer_column(L, d->t, o.customer);
    add_scores(L, 2, d, bins);
    push_info(L, &info.rfm, lua_gettop(L));
    lua_remove(L, -2);
    lua_pushinteger(L, (lua_Integer)info.rows_read);
    lua_setfield(L, -2, "rows_read");
    lua_pushinteger(L, (lua_Integer)info.rows_dropped);
    lua_setfield(L, -2, "rows_dropped");
    lua_pushinteger(L, info.passes);
    lua_setfield(L, -2, "passes");
    if (info.has_dates) {
        char buf[32];
        lua_createtable(L, 0, 2);
        sg_datetime_format(info.date_min, info.date_only, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "min");
        sg_datetime_format(info.date_max, info.date_only, buf, sizeof buf);
        lua_pushstring(L, buf);
        lua_setfield(L, -2, "max");
        lua_setfield(L, -2, "period");
    }
    if (co.clean_steps)
        push_clean_tallies(L, &info);
    return 2;
}

static const luaL_Reg rfm_functions[] = {
    { "rfm", l_rfm }, { "rfm_csv", l_rfm_csv }, { "mpi_rfm", l_mpi_rfm }, { NULL, NULL }
};

void sgl_open_rfm(lua_State *L)
{
    luaL_setfuncs(L, rfm_functions, 0);
}
