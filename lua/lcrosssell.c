/* segmint.cross_sell: co-purchase rules and recommendations. */
#include <string.h>

#include "crosssell.h"
#include "lsegmint.h"
#include "mpi.h"
#include "mpi_recommend.h"

#define SG_COOC_MT "segmint.cross_sell"

typedef struct sgl_cooc {
    sg_cooc *c;
    lua_Integer invoices_hint;
} sgl_cooc;

static sg_cooc *check_cooc(lua_State *L, int idx)
{
    sgl_cooc *b = luaL_checkudata(L, idx, SG_COOC_MT);
    if (!b->c)
        luaL_argerror(L, idx, "cross-sell model has been closed");
    return b->c;
}

static int l_gc(lua_State *L)
{
    sgl_cooc *b = luaL_checkudata(L, 1, SG_COOC_MT);
    sg_cooc_free(b->c);
    b->c = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    sgl_cooc *b = luaL_checkudata(L, 1, SG_COOC_MT);
    lua_pushstring(L, b->c ? "cross_sell model" : "cross_sell model (closed)");
    return 1;
}

/* The options of segmint.cross_sell at idx (what names the function in
 * messages). */
static void read_options(lua_State *L, int idx, const char *what, sg_cooc_options *o)
{
    static const char *const known[] = { "invoice", "item", "min_support", "min_count", "min_lift",
                                         "max_items", NULL };
    sgl_check_known(L, idx, what, known);
    sg_cooc_options_init(o);
    o->invoice = sgl_opt_string(L, idx, "invoice", NULL);
    o->item = sgl_opt_string(L, idx, "item", NULL);
    if (!o->invoice || !o->item)
        luaL_error(L, "%s: options 'invoice' and 'item' (column names) are required", what);
    o->min_support = sgl_opt_number(L, idx, what, "min_support", o->min_support);
    double mc = sgl_opt_number(L, idx, what, "min_count", (double)o->min_count);
    double mi = sgl_opt_number(L, idx, what, "max_items", (double)o->max_items_per_invoice);
    if (!(o->min_support >= 0 && o->min_support <= 1))
        luaL_error(L, "%s: 'min_support' must be between 0 and 1", what);
    o->min_lift = sgl_opt_number(L, idx, what, "min_lift", o->min_lift);
    if (!(mc >= 1) || !(mi == 0 || mi >= 2))
        luaL_error(L, "%s: 'min_count' must be >= 1 and 'max_items' >= 2 (or 0: no limit)", what);
    if (!(o->min_lift >= 0))
        luaL_error(L, "%s: 'min_lift' must be >= 0", what);
    o->min_count = (size_t)mc;
    o->max_items_per_invoice = (size_t)mi;
}

/* segmint.cross_sell(dataset, { invoice =, item =, min_support = 0.01, min_count = 2,
 *                               min_lift = 1, max_items = 1000 }) -> model */
static int l_cross_sell(lua_State *L)
{
    sg_table *t = sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    sg_cooc_options o;
    read_options(L, 2, "cross_sell", &o);
    sgl_cooc *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->c = NULL;
    luaL_setmetatable(L, SG_COOC_MT);
    sg_error err;
    b->c = sg_cooc_fit(t, &o, &err);
    if (!b->c)
        return sgl_raise(L, &err);
    return 1;
}

/* segmint.mpi_cross_sell(cleaned, gen, options) -> model, ranks: the model
 * segmint.cross_sell(cleaned, options) gives, its invoice, item and pair
 * counts made by the MPI ranks that own the customers over the cleaned
 * rows the exchange number gen left them (docs/mpi.md); cleaned is rank
 * 0's cleaned table (the rules' item dictionary, the check that no
 * invoice was split).  ranks = { ranks =, invoices = { per rank },
 * pairs = { per rank }, items =, kept =, dense = (the pair counts added
 * as aligned arrays by MPI_Reduce rather than gathered as lists),
 * bytes = { items =, kept =, pairs = (gathered, or each rank's array) },
 * seconds = { items =, pairs =, merge = } }.  nil and why when
 * the ranks cannot. */
static int l_mpi_cross_sell(lua_State *L)
{
    const sg_table *t = sgl_check_shape(L, 1);
    lua_Integer gen = luaL_checkinteger(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    sg_cooc_options o;
    read_options(L, 3, "cross_sell", &o);   /* the messages of segmint.cross_sell */
    int n = sg_mpi_size();
    uint64_t *counts = lua_newuserdatauv(L, (size_t)n * 2 * sizeof *counts, 0);
    memset(counts, 0, (size_t)n * 2 * sizeof *counts);
    sg_mpi_cooc_stats st;
    memset(&st, 0, sizeof st);
    st.invoices = counts;
    st.pairs = counts + n;
    sgl_cooc *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->c = NULL;
    luaL_setmetatable(L, SG_COOC_MT);
    char why[400] = "";
    sg_error err;
    int rc = sg_mpi_cross_sell(t, (uint64_t)gen, &o, &b->c, &st, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "ranks");
    sgl_push_counts(L, st.invoices, n);
    lua_setfield(L, -2, "invoices");
    sgl_push_counts(L, st.pairs, n);
    lua_setfield(L, -2, "pairs");
    lua_pushinteger(L, (lua_Integer)st.nitems);
    lua_setfield(L, -2, "items");
    lua_pushinteger(L, (lua_Integer)st.nkept);
    lua_setfield(L, -2, "kept");
    lua_pushboolean(L, st.dense);
    lua_setfield(L, -2, "dense");
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)st.item_bytes);
    lua_setfield(L, -2, "items");
    lua_pushinteger(L, (lua_Integer)st.split_bytes);
    lua_setfield(L, -2, "split_check");
    lua_pushinteger(L, (lua_Integer)st.kept_bytes);
    lua_setfield(L, -2, "kept");
    lua_pushinteger(L, (lua_Integer)st.pair_bytes);
    lua_setfield(L, -2, "pairs");
    lua_setfield(L, -2, "bytes");
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, st.secs[0]);
    lua_setfield(L, -2, "items");
    lua_pushnumber(L, st.secs[1]);
    lua_setfield(L, -2, "pairs");
    lua_pushnumber(L, st.secs[2]);
    lua_setfield(L, -2, "merge");
    lua_setfield(L, -2, "seconds");
    return 2;
}

static int l_rules(lua_State *L)
{
    sg_cooc *c = check_cooc(L, 1);
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_cooc_rules(c, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* The options customer and top_n of recommend (table at idx), with its
 * messages. */
static const char *rec_options(lua_State *L, int idx, lua_Integer *top)
{
    const char *customer = sgl_opt_string(L, idx, "customer", NULL);
    if (!customer)
        luaL_error(L, "recommend: option 'customer' (a column name) is required");
    sgl_rawfield(L, idx, "top_n");
    *top = luaL_optinteger(L, -1, 3);
    lua_pop(L, 1);
    if (*top < 1 || *top > 100)
        luaL_error(L, "recommend: 'top_n' must be between 1 and 100");
    return customer;
}

/* model:recommend(dataset, { customer = "CustomerID", top_n = 3, only = dataset_with_that_column }) */
static int l_recommend(lua_State *L)
{
    sg_cooc *c = check_cooc(L, 1);
    sg_table *tx = sgl_check_dataset(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    static const char *const known[] = { "customer", "top_n", "only", NULL };
    sgl_check_known(L, 3, "recommend", known);
    lua_Integer top;
    const char *customer = rec_options(L, 3, &top);
    const sg_column *only = NULL;
    if (sgl_rawfield(L, 3, "only") != LUA_TNIL) {
        sg_table *ot = sgl_check_dataset(L, lua_gettop(L));
        only = sg_table_col(ot, customer);
        if (!only)
            return luaL_error(L, "recommend: the 'only' dataset has no column '%s'", customer);
    }
    sgl_dataset *d = sgl_new_dataset(L);
    sg_error err;
    d->t = sg_cooc_recommend(c, tx, customer, only, (size_t)top, &err);
    return d->t ? 1 : sgl_raise(L, &err);
}

/* segmint.mpi_recommend(model, cleaned, gen, { customer =, top_n = 3 })
 * -> dataset, ranks: model:recommend(cleaned, options), computed by the MPI
 * ranks that own the customers over the cleaned rows the exchange number
 * gen left them (docs/mpi.md); cleaned is rank 0's cleaned table (its
 * customer column's dictionary).  ranks = { ranks =, customers = { per
 * rank }, gathered = (bytes), seconds = { recommend =, gather = }, rows =,
 * rules_bytes = (broadcast) }.  nil and why when the ranks
 * cannot. */
static int l_mpi_recommend(lua_State *L)
{
    sg_cooc *c = check_cooc(L, 1);
    const sg_table *tx = sgl_check_shape(L, 2);
    lua_Integer gen = luaL_checkinteger(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    static const char *const known[] = { "customer", "top_n", NULL };
    sgl_check_known(L, 4, "recommend", known);
    lua_Integer top;
    const char *customer = rec_options(L, 4, &top);
    int n = sg_mpi_size();
    uint64_t *counts = lua_newuserdatauv(L, (size_t)n * sizeof *counts, 0);
    memset(counts, 0, (size_t)n * sizeof *counts);
    sg_mpi_rec_stats st;
    memset(&st, 0, sizeof st);
    st.customers = counts;
    sgl_dataset *d = sgl_new_dataset(L);
    char why[400] = "";
    sg_error err;
    int rc = sg_mpi_recommend(c, tx, (uint64_t)gen, customer, (size_t)top, &d->t, &st, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    sgl_push_mpi_stats(L, n, st.customers, "gathered", st.gathered, "recommend", "gather", st.secs);
    lua_pushinteger(L, (lua_Integer)st.rows);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)st.cmd_bytes);
    lua_setfield(L, -2, "rules_bytes");
    return 2;
}

static const luaL_Reg cooc_methods[] = {
    { "rules", l_rules }, { "recommend", l_recommend }, { "close", l_gc }, { NULL, NULL }
};

static const luaL_Reg cooc_meta[] = {
    { "__gc", l_gc }, { "__close", l_gc }, { "__tostring", l_tostring }, { "__index", NULL },
    { NULL, NULL }
};

static const luaL_Reg cooc_functions[] = {
    { "cross_sell", l_cross_sell }, { "mpi_cross_sell", l_mpi_cross_sell },
    { "mpi_recommend", l_mpi_recommend }, { NULL, NULL }
};

void sgl_open_crosssell(lua_State *L)
{
    sgl_new_type(L, SG_COOC_MT, cooc_meta, cooc_methods, 1);
    luaL_setfuncs(L, cooc_functions, 0);
}
