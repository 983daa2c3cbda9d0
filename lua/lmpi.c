/* segmint.mpi_size, mpi_rank, mpi_read_csv: the Lua side of runs under
 * mpirun (lua/segmint/mpi.lua, core/mpi_comm.c, docs/mpi.md). */
#include <stdio.h>
#include <string.h>

#include "datetime.h"
#include "lsegmint.h"
#include "mem.h"
#include "mpi.h"
#include "mpi_attrs.h"
#include "mpi_clean.h"

#define MARKS_MT "segmint.mpi_marks"

/* segmint.mpi_size() -> the number of ranks (1 without mpirun) */
static int l_mpi_size(lua_State *L)
{
    lua_pushinteger(L, sg_mpi_size());
    return 1;
}

/* segmint.mpi_rank() -> this process's rank (0 without mpirun) */
static int l_mpi_rank(lua_State *L)
{
    lua_pushinteger(L, sg_mpi_rank());
    return 1;
}

static const char LIVE_READ[] = "segmint.mpi_live_read";   /* registry: { [1] = ds } with weak values */

/* Pushes the registry's table of the last read whose rows stayed on the
 * ranks ([1]: its dataset, held weakly), made on first use. */
static void push_live_reads(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIVE_READ) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, LIVE_READ);
}

static void log_info(lua_State *L, const char *msg);

/* lua_pcall'd by gather_live: gathers the dataset at index 1. */
static int gather_before_read(lua_State *L)
{
    sgl_mpi_gather(L, lua_touserdata(L, 1), "before the next read replaces the ranks' parts");
    return 0;
}

/* A read replaces the ranks' parts of the one before: the rows of that one
 * still on the ranks, when its dataset is still reachable, come back to
 * rank 0 first.  It is then forgotten whatever happens: when the rows
 * cannot come back (out of memory), the run log says so, that dataset
 * answers with the gather's message if read later, and the new read goes
 * on. */
static void gather_live(lua_State *L)
{
    push_live_reads(L);
    lua_rawgeti(L, -1, 1);
    if (!luaL_testudata(L, -1, SG_DATASET_MT)) {
        lua_pop(L, 2);
        return;
    }
    lua_pop(L, 1);
    lua_gc(L, LUA_GCCOLLECT);    /* (a dataset no longer reachable leaves the weak table) */
    lua_rawgeti(L, -1, 1);
    sgl_dataset *live = luaL_testudata(L, -1, SG_DATASET_MT);
    lua_pushnil(L);
    lua_rawseti(L, -3, 1);
    if (live && !live->t && live->shape && live->read) {
        lua_pushcfunction(L, gather_before_read);
        lua_pushlightuserdata(L, live);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
            char msg[400];
            snprintf(msg, sizeof msg, "the previous read's rows could not come back to rank 0 before this read "
                     "replaces the ranks' parts, and that table can no longer be read: %s",
                     lua_isstring(L, -1) ? lua_tostring(L, -1) : "(no message)");
            lua_pop(L, 1);
            log_info(L, msg);
        }
    }
    lua_pop(L, 2);
}

/* segmint.mpi_read_csv(path [, opts]) -> dataset, report, remote: read_csv
 * with every rank reading a part of the file; the same dataset and report.
 * remote true: rank 0 did not merge the rows, which stay on the ranks that
 * read them until something reads them (sgl_mpi_gather); the dataset
 * holds the columns (with their dictionaries) and the row count. */
static int l_mpi_read_csv(lua_State *L)
{
    gather_live(L);
    int nret = sgl_read_csv_with(L, sg_mpi_csv_read, sg_mpi_csv_read_list);
    uint64_t gen;
    size_t nrows;
    int remote = sg_mpi_read_remote(&gen, &nrows);
    if (nret == 2 && remote) {
        sgl_dataset *d = luaL_checkudata(L, -2, SG_DATASET_MT);
        d->shape = d->t;
        d->t = NULL;
        d->gen = gen;
        d->nrows = nrows;
        d->read = 1;
        push_live_reads(L);
        lua_pushvalue(L, -3);
        lua_rawseti(L, -2, 1);
        lua_pop(L, 1);
    }
    if (nret != 2)
        return nret;
    lua_pushboolean(L, remote);
    return 3;
}

/* ds:mpi_read_range(col) -> { count =, missing =, min =, max = } for a
 * datetime column of a read whose rows are still on the ranks (reduced
 * from their parts when they kept them: the figures ds:stats gives), or
 * nil (the rows are here, or another column): the load step's date range
 * without gathering the rows. */
static int l_mpi_read_range(lua_State *L)
{
    sgl_dataset *d = luaL_checkudata(L, 1, SG_DATASET_MT);
    const char *name = luaL_checkstring(L, 2);
    const sg_column *c = !d->t && d->shape && d->read ? sg_table_col(d->shape, name) : NULL;
    int64_t lo, hi;
    uint64_t count, missing;
    size_t j = 0;
    while (c && d->shape->cols[j] != c)
        j++;
    if (!c || c->type != SG_DATETIME || !sg_mpi_read_range(d->gen, j, &lo, &hi, &count, &missing)) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)count);
    lua_setfield(L, -2, "count");
    lua_pushinteger(L, (lua_Integer)missing);
    lua_setfield(L, -2, "missing");
    for (int k = 0; k < 2 && count > 0; k++) {
        char buf[32];
        size_t n = sg_datetime_format(k ? hi : lo, c->date_only, buf, sizeof buf);
        lua_pushlstring(L, buf, n);
        lua_setfield(L, -2, k ? "max" : "min");
    }
    return 1;
}

/* ---- per-customer cleaning on the owning ranks (segmint.clean) ---- */

static sg_mpi_clean_result *check_marks(lua_State *L, int idx)
{
    sg_mpi_clean_result *r = luaL_checkudata(L, idx, MARKS_MT);
    if (!r->owned)
        luaL_argerror(L, idx, "cleaning marks already freed");
    return r;
}

static int marks_gc(lua_State *L)
{
    sg_mpi_clean_result_free(luaL_checkudata(L, 1, MARKS_MT));
    return 0;
}

/* marks:info() -> { ranks =, owned = { rows per rank }, kept = { rows per rank }, gen =, exchanged = bytes,
 *                   gathered = bytes, freed = bytes of the table given freed on rank 0 (tallies_only with
 *                   consume), seconds = { check =, pack =, exchange =, clean =, gather = } (rank 0's wall
 *                   time) } */
static int marks_info(lua_State *L)
{
    sg_mpi_clean_result *r = check_marks(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, r->nranks);
    lua_setfield(L, -2, "ranks");
    sgl_push_counts(L, r->owned, r->nranks);
    lua_setfield(L, -2, "owned");
    sgl_push_counts(L, r->kept, r->nranks);
    lua_setfield(L, -2, "kept");
    lua_pushinteger(L, (lua_Integer)r->gen);
    lua_setfield(L, -2, "gen");
    lua_pushinteger(L, (lua_Integer)r->exchanged);
    lua_setfield(L, -2, "exchanged");
    lua_pushinteger(L, (lua_Integer)r->gathered);
    lua_setfield(L, -2, "gathered");
    lua_pushinteger(L, (lua_Integer)r->freed);
    lua_setfield(L, -2, "freed");
    static const char *const phases[5] = { "check", "pack", "exchange", "clean", "gather" };
    lua_createtable(L, 0, 5);
    for (int k = 0; k < 5; k++) {
        lua_pushnumber(L, r->secs[k]);
        lua_setfield(L, -2, phases[k]);
    }
    lua_setfield(L, -2, "seconds");
    return 1;
}

/* The list of conditions (strings) under key of the options at index 2,
 * at most 64, into out; the list stays on the stack, which keeps the
 * strings alive.  Returns their number. */
static size_t conditions(lua_State *L, const char *key, const char **out)
{
    sgl_rawfield(L, 2, key);
    size_t n = lua_istable(L, -1) ? (size_t)lua_rawlen(L, -1) : 0;
    if (n > 64)
        luaL_error(L, "mpi_clean_marks: at most 64 conditions in '%s'", key);
    for (size_t k = 0; k < n; k++) {
        lua_rawgeti(L, -1, (lua_Integer)k + 1);
        out[k] = lua_tostring(L, -1);   /* held by the table, which stays on the stack */
        lua_pop(L, 1);
        if (!out[k])
            luaL_error(L, "mpi_clean_marks: '%s' must hold conditions (strings)", key);
    }
    return n;
}

/* The loaded dataset whose values rank 0 frees once its rows are packed. */
typedef struct loaded_ref {
    sgl_dataset *d;
    uint64_t freed;
    int done;
} loaded_ref;

/* sg_mpi_clean_marks' packed: ds keeps its columns without rows (and is
 * closed by segmint.clean, which consumes it); its values go. */
static void free_loaded(void *ud)
{
    loaded_ref *x = ud;
    if (!x->d->t && x->d->read) {
        /* its rows are the ranks' parts, which they free (drop_parts) */
        x->freed = sg_mpi_read_part_bytes();
        x->d->read = 0;
        x->d->gen = 0;
        x->done = 1;
        return;
    }
    sg_table *t = x->d->t;
    sg_error err;
    /* (a read gathered back keeps the shape it had on the ranks) */
    sg_table *shape = !t ? NULL : x->d->shape ? x->d->shape : sg_table_take(t, NULL, 0, &err);
    if (!shape)
        return;   /* no memory for a table without rows: the values stay */
    /* the dictionaries stay, shared, when the shape was taken from t; a
     * read gathered back has its own, which go with it */
    size_t all = sg_table_bytes(t), cols = x->d->shape ? 0 : sg_table_bytes(shape);
    x->freed = all > cols ? all - cols : 0;
    x->d->shape = shape;
    x->d->nrows = t->nrows;
    x->d->read = 0;
    x->d->gen = 0;
    x->d->t = NULL;
    x->done = 1;
    sg_table_free(t);
}

/* ds:mpi_clean_marks{ customer =, item =, quantity =, price =, date =,
 *   cancel =, post =, amount =, pre = { condition, ... }, net =, dups =,
 *   match_price =, whole_ids =, amount_expr =, after = { condition, ... },
 *   tallies_only =, consume = }
 *   -> marks, or nil and why the ranks cannot do it (one rank, ...): the
 * cleaning of segmint.clean run by the ranks that own the customers over
 * the rows of ds (the table the distributed read gave): per row of ds the
 * netting and duplicate marks, or with tallies_only the report's tallies
 * alone (ds:mpi_cleaned).  consume (with tallies_only): ds's values are
 * freed once rank 0's rows are packed for the exchange (not when netting
 * could refuse a double quantity: the one-process path then gives its
 * message); ds then has its columns alone and is to be closed. */
static int l_mpi_clean_marks(lua_State *L)
{
    sgl_dataset *ld = luaL_checkudata(L, 1, SG_DATASET_MT);
    /* a read whose rows stayed on the ranks: its columns, not gathered */
    int remote = !ld->t && ld->shape && ld->read;
    sg_table *t = remote ? ld->shape : sgl_check_dataset(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (sg_mpi_size() < 2) {
        lua_pushnil(L);
        lua_pushliteral(L, "one rank");
        return 2;
    }
    sg_mpi_clean_opts o;
    memset(&o, 0, sizeof o);
    o.customer = sgl_opt_string(L, 2, "customer", "");
    o.item = sgl_opt_string(L, 2, "item", "");
    o.quantity = sgl_opt_string(L, 2, "quantity", "");
    o.price = sgl_opt_string(L, 2, "price", "");
    o.date = sgl_opt_string(L, 2, "date", "");
    o.cancel = sgl_opt_string(L, 2, "cancel", "false");
    o.post = sgl_opt_string(L, 2, "post", "true");
    o.amount = sgl_opt_string(L, 2, "amount", "");
    int consume = 0;
    static const char *const flags[] = { "net", "dups", "match_price", "whole_ids", "tallies_only", "consume" };
    int *fv[] = { &o.net, &o.dups, &o.match_price, &o.whole_ids, &o.tallies_only, &consume };
    for (int k = 0; k < 6; k++) {
        sgl_rawfield(L, 2, flags[k]);
        *fv[k] = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (!o.customer[0])
        return luaL_error(L, "mpi_clean_marks: option 'customer' is required");
    if (o.net && (!o.item[0] || !o.quantity[0] || !o.date[0] || (o.match_price && !o.price[0])))
        return luaL_error(L, "mpi_clean_marks: net needs options item, quantity, date (and price with match_price)");
    const char *pre[64];
    size_t npre = conditions(L, "pre", pre);
    o.pre = pre;
    o.npre = npre;
    o.amount_expr = sgl_opt_string(L, 2, "amount_expr", "");
    const char *after[64];
    size_t nafter = conditions(L, "after", after);
    o.after = after;
    o.nafter = nafter;
    sg_mpi_clean_result *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, MARKS_MT);
    char why[400] = "";
    sg_error err;
    sg_error_clear(&err);
    /* a double quantity that is not a whole number makes netting refuse, and
     * cleaning then runs here, on the table: its values stay until the end */
    const sg_column *qc = o.quantity[0] ? sg_table_col(t, o.quantity) : NULL;
    int can_free = consume && o.tallies_only && !(o.net && (!qc || qc->type != SG_INT64));
    o.read = remote ? ld->gen : 0;
    o.drop_parts = can_free;
    loaded_ref x = { ld, 0, 0 };
    if (can_free)
        for (size_t i = 0; i < t->ncols; i++)
            if (t->cols[i]->refs > 1) {
                lua_gc(L, LUA_GCCOLLECT);   /* unreachable pins may still hold the columns */
                break;
            }
    int rc = sg_mpi_clean_marks(t, &o, r, why, sizeof why, can_free ? free_loaded : NULL, &x, &err);
    t = NULL;
    if (rc == 0 && x.done) {
        /* (an int64 quantity netting refuses: INT64_MIN) */
        sg_error_set(&err, SG_EDATA, "cleaning on the MPI ranks: %s", why);
        return sgl_raise(L, &err);
    }
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    r->freed = x.freed;
    return 1;
}

static void push_amount(lua_State *L, const sg_mpi_asum *s, int is_int)
{
    if (is_int)
        lua_pushinteger(L, (lua_Integer)s->i);
    else
        lua_pushnumber(L, sg_mpi_asum_value(s, 0));
}

/* ds:mpi_cleaned(marks, { amount =, amount_expr =, quantity =, customer =,
 *   net =, npre =, whole_ids = }) -> dataset, tallies: after
 * ds:mpi_clean_marks with tallies_only, the cleaned dataset segmint.clean
 * returns, released from the start (its columns, from ds's alone, and
 * dictionaries as segmint.clean's own steps leave them; its rows on the
 * owners, gathered back if read), and the owners' tallies added up:
 * { rows_in, revenue_in, steps = { { rows =, revenue = }, ... } (the
 * `after` conditions then the duplicates), net = { rows_in, cancel_rows,
 * rows_out, before, cancel, after }, rows_out, revenue_out, customers_out,
 * unmatched }, each revenue an integer for an integer amount, and the
 * steps' revenue 0 and revenue_out 0 without rows, as segmint.clean's. */
static int l_mpi_cleaned(lua_State *L)
{
    const sg_table *shape = sgl_check_shape(L, 1);
    sg_mpi_clean_result *r = check_marks(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *amount = sgl_opt_string(L, 3, "amount", "amount");
    const char *expr = sgl_opt_string(L, 3, "amount_expr", "");
    const char *quantity = sgl_opt_string(L, 3, "quantity", "");
    const char *customer = sgl_opt_string(L, 3, "customer", "");
    sgl_rawfield(L, 3, "net");
    int net = lua_toboolean(L, -1);
    sgl_rawfield(L, 3, "whole_ids");
    int whole = lua_toboolean(L, -1);
    sgl_rawfield(L, 3, "npre");
    lua_Integer npre = lua_tointeger(L, -1);
    lua_pop(L, 3);
    if (r->tallies != r->nranks)
        return luaL_error(L, "mpi_cleaned: the marks do not hold every rank's tallies");
    int int0, int1;
    sg_error err;
    sg_table *s = sg_mpi_clean_shape(shape, r, amount, expr, quantity, customer, net, whole, &int0, &int1, &err);
    if (!s)
        return sgl_raise(L, &err);
    uint64_t kept = 0;
    for (int k = 0; k < r->nranks; k++)
        kept += r->kept[k];
    sgl_dataset *d = sgl_new_dataset(L);
    if (kept == 0) {
        d->t = s;     /* no rows: a table without rows, nothing to gather */
    } else {
        d->shape = s;
        d->nrows = (size_t)kept;
        d->gen = r->gen;
    }
    const sg_mpi_clean_tally *ty = &r->tally;
    lua_createtable(L, 0, 9);
    lua_pushinteger(L, (lua_Integer)ty->rows_in);
    lua_setfield(L, -2, "rows_in");
    push_amount(L, &ty->rev_in, int0);
    lua_setfield(L, -2, "revenue_in");
    lua_createtable(L, (int)ty->nsteps, 0);
    for (uint64_t k = 0; k < ty->nsteps; k++) {
        int is_int = net && (lua_Integer)k < npre ? int0 : int1;
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)ty->rows[k]);
        lua_setfield(L, -2, "rows");
        if (is_int && !sg_mpi_asum_fits(&ty->rev[k])) {   /* as sg_clean_filter refuses it */
            sg_error_set(&err, SG_EDATA, "clean: the revenue a cleaning step removes (sum of '%s') overflows int64",
                         amount);
            return sgl_raise(L, &err);
        }
        if (ty->rows[k] == 0)
            lua_pushinteger(L, 0);
        else
            push_amount(L, &ty->rev[k], is_int);
        lua_setfield(L, -2, "revenue");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "steps");
    lua_createtable(L, 0, 6);
    static const char *const nk[3] = { "rows_in", "cancel_rows", "rows_out" };
    const uint64_t nv[3] = { ty->net_in, ty->net_cancel_rows, ty->net_out };
    for (int k = 0; k < 3; k++) {
        lua_pushinteger(L, (lua_Integer)nv[k]);
        lua_setfield(L, -2, nk[k]);
    }
    push_amount(L, &ty->net_before, int0);
    lua_setfield(L, -2, "before");
    push_amount(L, &ty->net_cancel, int0);
    lua_setfield(L, -2, "cancel");
    push_amount(L, &ty->net_after, int1);
    lua_setfield(L, -2, "after");
    lua_setfield(L, -2, "net");
    lua_pushinteger(L, (lua_Integer)ty->rows_out);
    lua_setfield(L, -2, "rows_out");
    if (ty->rows_out == 0)
        lua_pushinteger(L, 0);
    else
        push_amount(L, &ty->rev_out, int1);
    lua_setfield(L, -2, "revenue_out");
    lua_pushinteger(L, (lua_Integer)ty->customers_out);
    lua_setfield(L, -2, "customers_out");
    lua_pushnumber(L, (double)r->unmatched);
    lua_setfield(L, -2, "unmatched");
    return 2;
}

/* segmint.mpi_group_by(tx, gen, kind, columns[, count]) -> dataset, ranks:
 * a group-by of tx, rank 0's cleaned table, run by the ranks owning the
 * customers over the cleaned rows the exchange number gen left them and
 * reduced on rank 0 (core/mpi_attrs.c, docs/mpi.md).  kind "first":
 * tx:group_by(columns[1], { {c, "first", c} for the other columns });
 * kind "count": tx:group_by({ columns[1], columns[2] }, { {count, "count"} }).
 * ranks = { ranks =, customers = { rows each rank sent }, gathered = bytes,
 * seconds = { group =, gather = } }.  nil and why when the ranks cannot
 * (one rank, the owners do not hold that cleaning, a column tx lacks: the
 * caller's own path gives the result or the message). */
static int l_mpi_group_by(lua_State *L)
{
    lua_settop(L, 5);
    const sg_table *tx = sgl_check_shape(L, 1);
    lua_Integer gen = luaL_checkinteger(L, 2);
    const char *kind = luaL_checkstring(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    sg_mpi_gb_cmd c;
    memset(&c, 0, sizeof c);
    c.gen = (uint64_t)gen;
    if (strcmp(kind, "first") == 0)
        c.kind = SG_MPI_GB_FIRST;
    else if (strcmp(kind, "count") == 0)
        c.kind = SG_MPI_GB_COUNT;
    else
        return luaL_error(L, "mpi_group_by: kind must be \"first\" or \"count\"");
    lua_Integer nc = luaL_len(L, 4);
    if (c.kind == SG_MPI_GB_FIRST ? (nc < 2 || nc > SG_MPI_GB_MAXCOLS) : nc != 2)
        return luaL_error(L, "mpi_group_by: %s takes %s columns", kind, c.kind == SG_MPI_GB_FIRST ? "2 to 64" : "2");
    c.ncols = (size_t)nc;
    const char *missing = NULL;
    for (lua_Integer j = 1; j <= nc; j++) {
        lua_rawgeti(L, 4, j);
        c.cols[j - 1] = luaL_checkstring(L, -1);   /* (the list on the stack keeps it) */
        lua_pop(L, 1);
        if (!c.cols[j - 1][0] || !sg_table_col(tx, c.cols[j - 1]))
            missing = c.cols[j - 1];
    }
    if (c.kind == SG_MPI_GB_COUNT)
        c.count = luaL_checkstring(L, 5);
    if (missing || (c.count && !c.count[0])) {
        lua_pushnil(L);
        lua_pushfstring(L, "the transactions have no column '%s'", missing ? missing : "");
        return 2;
    }
    int n = sg_mpi_size();
    uint64_t *ngroups = lua_newuserdatauv(L, (size_t)n * sizeof *ngroups, 0);
    memset(ngroups, 0, (size_t)n * sizeof *ngroups);
    sg_mpi_gb_stats st = { ngroups, 0, { 0, 0 } };
    sg_table *out = NULL;
    char why[400] = "";
    sg_error err;
    sg_error_clear(&err);
    int rc = sg_mpi_group_by(&c, &out, &st, why, sizeof why, &err);
    int nret = sgl_declined(L, rc, &err, why);
    if (nret)
        return nret;
    sgl_push_table(L, out, &err);
    sgl_push_mpi_stats(L, n, ngroups, "gathered", st.gathered, "group", "gather", st.secs);
    return 2;
}

/* Logs through segmint.info (the run log). */
static void log_info(lua_State *L, const char *msg)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "segmint") == LUA_TTABLE && lua_getfield(L, -1, "info") == LUA_TFUNCTION) {
        lua_pushliteral(L, "%s");
        lua_pushstring(L, msg);
        lua_call(L, 2, 0);
        lua_pop(L, 2);
    } else {
        lua_pop(L, 3);
    }
}

void sgl_mpi_gather(lua_State *L, sgl_dataset *d, const char *when)
{
    char why[300] = "";
    sg_error err;
    sg_table *t = NULL;
    uint64_t bytes = 0;
    int rc = d->read ? sg_mpi_gather_read(d->gen, d->nrows, &t, &bytes, why, sizeof why, &err)
                     : sg_mpi_gather_clean(d->gen, d->nrows, &t, &bytes, why, sizeof why, &err);
    if (rc < 0)
        sgl_raise(L, &err);
    if (rc == 0)
        luaL_error(L, "the %s rows cannot come back from the MPI ranks that hold them: %s", d->read ? "read" : "cleaned",
                   why);
    d->t = t;   /* (shape stays until the dataset goes: callers may hold it) */
    char msg[300];
    snprintf(msg, sizeof msg, "%s gathered back on rank 0 from %d MPI ranks, %s: "
             "%zu rows, %llu bytes received from the other ranks", d->read ? "read table" : "cleaned table",
             sg_mpi_size(), when, t->nrows, (unsigned long long)bytes);
    log_info(L, msg);
}

static const luaL_Reg mpi_methods[] = {
    { "mpi_clean_marks", l_mpi_clean_marks }, { "mpi_cleaned", l_mpi_cleaned }, { "mpi_read_range", l_mpi_read_range },
    { NULL, NULL }
};

static const luaL_Reg mpi_functions[] = {
    { "mpi_size", l_mpi_size }, { "mpi_rank", l_mpi_rank }, { "mpi_read_csv", l_mpi_read_csv },
    { "mpi_group_by", l_mpi_group_by }, { NULL, NULL }
};

void sgl_open_mpi(lua_State *L)
{
    luaL_setfuncs(L, mpi_functions, 0);
    if (luaL_newmetatable(L, MARKS_MT)) {
        lua_pushcfunction(L, marks_gc);
        lua_setfield(L, -2, "__gc");
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, marks_info);
        lua_setfield(L, -2, "info");
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_getmetatable(L, SG_DATASET_MT);
    sgl_rawfield(L, -1, "__index");
    luaL_setfuncs(L, mpi_methods, 0);
    lua_pop(L, 2);
}
