/* segmint: the host executable.  Parses the command line, builds a Lua
 * state with a memory cap and an instruction budget, and runs recipes in
 * the sandbox of lua/segmint/sandbox.lua under lua_pcall with a message
 * handler that names the recipe file and line.
 *
 * Exit codes: 0 success, 1 the recipe failed, 2 bad usage, 3 bad input data. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <cjson/cJSON.h>

#include "generate.h"
#include "lsegmint.h"
#include "model.h"
#include "mem.h"
#include "mpi_host.h"
#include "outdir.h"

enum { EXIT_RECIPE = 1, EXIT_USAGE = 2, EXIT_DATA = 3 };

#define HOOK_STEP 10000
#define REG_TRACEBACK "segmint.traceback"

typedef struct host_options {
    const char *command;
    const char *recipe;        /* the recipe file */
    const char *out;
    const char *sets[256];
    int nsets;
    long long seed;
    int quiet;
    int traceback;
    int log_timestamps;         /* --log-timestamps (also on when stderr is not a terminal) */
    size_t max_memory;          /* bytes, 0 = none */
    unsigned long long max_instructions;   /* 0 = none */
    unsigned long long demo_customers;     /* demo: generate this many into OUT/data first */
    const char *history;        /* --history PATH: the run history, written in place */
    sg_outdir *outdir;          /* the run's output directory (not for check) */
    int argc;                   /* the command line, for the manifest */
    char **argv;
} host_options;

static unsigned long long instructions_run;
static unsigned long long instruction_budget;
static int budget_tripped;
static volatile sig_atomic_t interrupted;   /* the signal that stops the run, or 0 */
static lua_State *running;                   /* the state a signal handler interrupts */

/* ---- usage ---- */

static const char *usage_text =
    "usage:\n"
    "  segmint run RECIPE.lua [--out DIR] [--set KEY=VALUE]... [--seed N] [--quiet]\n"
    "                         [--history FILE] [--max-memory MB] [--max-instructions N] [--traceback]\n"
    "                         [--log-timestamps]\n"
    "  segmint demo [--out DIR] [--customers N] [--seed N] [--lang en|fr] [--quiet]\n"
    "  segmint check RECIPE.lua [--set KEY=VALUE]...\n"
    "  segmint generate --customers N [--seed N] [--days N] [--start YYYY-MM-DD] --out DIR\n"
    "  segmint history [--history PATH | --out DIR] [--kpi NAME]\n"
    "  segmint version\n"
    "  segmint help\n"
    "\n"
    "run       runs a recipe in the sandbox; it sees params (from --set), out (the\n"
    "          output directory, default ./out), seed (default 42) and the segmint module\n"
    "demo      generates sample data into DIR/data and runs the default recipe on it\n"
    "          (recipes/demo.lua, in the language of --lang): customers, segments,\n"
    "          campaigns, summary.md\n"
    "check     runs a recipe up to its work: checks its settings, rule files, wording and\n"
    "          template together and lists every problem; reads no data, writes nothing\n"
    "generate  writes synthetic customers, products, transactions and campaigns with\n"
    "          known ground truth (truth.json); same seed, same bytes\n"
    "history   lists the runs of a run history (default out/history.sqlite) with their KPI\n"
    "          trends, segment changes and main moves; --kpi NAME shows one KPI run by run\n"
    "\n"
    "history: the default analysis appends each run to OUT/history.sqlite, published with the\n"
    "         other outputs; --history FILE keeps it elsewhere (several --out may share it)\n"
    "limits: --max-memory MB caps the Lua heap and the datasets together (default 8192);\n"
    "        --max-instructions N caps Lua instructions (default 1e11; 0 for no limit)\n"
    "exit codes: 0 success, 1 the recipe failed, 2 bad usage, 3 bad input data\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("segmint: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(run 'segmint help' for usage)\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

static int parse_count(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);   /* accepts 1e9 */
    if (errno || end == s || *end || v < 0 || v > 1.8e19 || v != (double)(unsigned long long)v)
        return -1;
    *out = (unsigned long long)v;
    return 0;
}

/* ---- Lua state: allocator with the shared memory cap, instruction hook ---- */

static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (!ptr)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        sg_mem_account(-(ptrdiff_t)osize);
        return NULL;
    }
    if (nsize > osize && !sg_mem_account((ptrdiff_t)(nsize - osize)))
        return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) {
        if (nsize > osize)
            sg_mem_account(-(ptrdiff_t)(nsize - osize));
        return NULL;
    }
    if (nsize < osize)
        sg_mem_account(-(ptrdiff_t)(osize - nsize));
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    instructions_run += HOOK_STEP;
    if (instruction_budget && instructions_run > instruction_budget) {
        /* keeps firing every HOOK_STEP instructions once tripped */
        budget_tripped = 1;
        luaL_error(L, "instruction budget of %I exceeded (raise it with --max-instructions)",
                   (lua_Integer)instruction_budget);
    }
}

/* Installed by the signal handler: every Lua step raises, so the run
 * unwinds at the next Lua instruction and publishes nothing. */
static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "interrupted by %s; nothing was published", interrupted == SIGINT ? "SIGINT" : "SIGTERM");
}

/* SIGINT/SIGTERM: the first stops the run cleanly (lua_sethook may be
 * called from a signal handler), a second one kills at once (SA_RESETHAND). */
static void on_signal(int sig)
{
    interrupted = sig;
    if (running)
        lua_sethook(running, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Whether the run must stop whatever catches the error: the budget is
 * spent or a signal arrived. */
/* Pattern matching (lua/lpattern.c) counts one instruction per matching step. */
static unsigned long long pattern_remaining(void *ud)
{
    (void)ud;
    if (!instruction_budget)
        return 0;
    return instructions_run < instruction_budget ? instruction_budget - instructions_run : 1;
}

static void pattern_charge(lua_State *L, void *ud, unsigned long long steps)
{
    (void)ud;
    instructions_run += steps;
    if (instruction_budget && instructions_run > instruction_budget) {
        budget_tripped = 1;
        luaL_error(L, "instruction budget of %I exceeded (raise it with --max-instructions)",
                   (lua_Integer)instruction_budget);
    }
}

static int check_stopped;
static int check_stop_marker;   /* its address is the error value of a check's stop */

static int l_tripped(lua_State *L)
{
    lua_pushboolean(L, budget_tripped || interrupted || check_stopped);
    return 1;
}

static int l_realpath(lua_State *L)
{
    char buf[PATH_MAX];
    if (!realpath(luaL_checkstring(L, 1), buf))
        return 0;
    lua_pushstring(L, buf);
    return 1;
}

/* stage(path [, "w"|"a"|"dir"]) -> the path in the run's staging folder to
 * write to, or nil, message when the path is refused (upvalue: the outdir) */
static int l_stage(lua_State *L)
{
    sg_outdir *od = lua_touserdata(L, lua_upvalueindex(1));
    const char *path = luaL_checkstring(L, 1);
    const char *kind = luaL_optstring(L, 2, "w");
    sg_error err;
    char *staged = sg_outdir_write_path(od, path, kind[0] == 'a', strcmp(kind, "dir") == 0, &err);
    if (!staged) {
        lua_pushnil(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    lua_pushstring(L, staged);
    sg_free(staged);
    return 1;
}

/* read_path(path) -> the staged copy when the run wrote path, else path */
static int l_read_path(lua_State *L)
{
    sg_outdir *od = lua_touserdata(L, lua_upvalueindex(1));
    const char *path = luaL_checkstring(L, 1);
    char *p = od ? sg_outdir_read_path(od, path) : NULL;
    lua_pushstring(L, p ? p : path);
    sg_free(p);
    return 1;
}

/* The message without the positions inside segmint's own library code
 * ("[segmint/step_btyd.lua]:37: "): a user reads the recipe's file and line
 * (put in front by the handler) and the data or rule file's; --traceback
 * shows the rest. */
static const char *strip_library_positions(lua_State *L, const char *msg)
{
    const char *tag = "[segmint/";
    if (!strstr(msg, tag))
        return msg;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *p = msg;
    const char *q;
    while ((q = strstr(p, tag)) != NULL) {
        const char *e = strstr(q, "]:");
        const char *d = e ? e + 2 : NULL;
        while (d && *d >= '0' && *d <= '9')
            d++;
        if (!e || !d || d == e + 2 || d[0] != ':' || d[1] != ' ') {
            luaL_addlstring(&b, p, (size_t)(q - p) + 1);
            p = q + 1;
            continue;
        }
        luaL_addlstring(&b, p, (size_t)(q - p));
        p = d + 2;
    }
    luaL_addstring(&b, p);
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* Message handler: puts the location in the user's recipe or rule file in
 * front of the message when the error was raised elsewhere (library code),
 * and keeps a traceback for --traceback. */
static int message_handler(lua_State *L)
{
    if (lua_touserdata(L, 1) == &check_stop_marker)
        return 1;                    /* a check's stop travels as it is */
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.source[0] == '@' && ar.currentline > 0) {
            const char *src = ar.source + 1;
            size_t n = strlen(src);
            if (!(strncmp(msg, src, n) == 0 && msg[n] == ':') &&
                !(strncmp(msg, ar.short_src, strlen(ar.short_src)) == 0))
                msg = lua_pushfstring(L, "%s:%d: %s", src, ar.currentline, msg);
            break;
        }
    }
    luaL_traceback(L, L, msg, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_TRACEBACK);
    lua_pushstring(L, strip_library_positions(L, msg));
    return 1;
}

/* Whether msg is (or contains) a recorded bad-input-data failure. */
static int is_data_error(lua_State *L, const char *msg)
{
    int found = 0;
    if (lua_getfield(L, LUA_REGISTRYINDEX, SG_REG_DATA_ERRORS) == LUA_TTABLE) {
        lua_pushnil(L);
        while (!found && lua_next(L, -2)) {
            if (lua_type(L, -2) == LUA_TSTRING && strstr(msg, lua_tostring(L, -2)))
                found = 1;
            lua_pop(L, 1);
        }
        if (found)
            lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}

static void push_param_value(lua_State *L, const char *v)
{
    char *end;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        lua_pushboolean(L, v[0] == 't');
        return;
    }
    if (*v && (strtod(v, &end), *end == '\0') && lua_stringtonumber(L, v) != 0)
        return;
    lua_pushstring(L, v);
}

/* ---- running a recipe (protected) ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* For check: lints the rules/NAME.lua files beside the recipe that it did
 * not load (sandbox check_rest), in name order.  Returns the number of
 * errors printed; *loaded gets the number of rule files the recipe loaded. */
static int check_rule_files(lua_State *L, int box, int *loaded)
{
    lua_getfield(L, box, "recipe_dir");
    const char *dir = lua_pushfstring(L, "%s/rules", lua_tostring(L, -1));
    lua_newtable(L);
    int names = lua_gettop(L), n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0) {
            lua_pushfstring(L, "rules.%s", e->d_name);
            lua_pushlstring(L, lua_tostring(L, -1), strlen(lua_tostring(L, -1)) - 4);
            lua_remove(L, -2);
            lua_rawseti(L, names, ++n);
        }
    }
    if (d)
        closedir(d);
    const char **sorted = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *sorted, 0);
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, names, k + 1);
        sorted[k] = lua_tostring(L, -1);
        lua_pop(L, 1);   /* kept alive by the names table */
    }
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_names);
    lua_getfield(L, box, "check_rest");
    lua_pushvalue(L, box);
    lua_createtable(L, n, 0);
    for (int k = 0; k < n; k++) {
        lua_pushstring(L, sorted[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_call(L, 2, 2);
    int errors = (int)lua_tointeger(L, -2);
    *loaded = (int)lua_tointeger(L, -1);
    lua_pop(L, 5);
    return errors;
}

/* The error a check raises where the run would start its work (the
 * analysis, once its settings are checked; any data read or output
 * written): everything before it was checked, nothing after it runs. */

static int l_check_stop(lua_State *L)
{
    check_stopped = 1;
    lua_pushlightuserdata(L, &check_stop_marker);
    return lua_error(L);
}

/* Index 2: the segmint module, told whether to be quiet and to stamp log lines. */
static void open_module(lua_State *L, const host_options *o)
{
    luaL_requiref(L, "segmint", sg_open, 0);
    lua_getfield(L, 2, "set_quiet");
    lua_pushboolean(L, o->quiet);
    lua_call(L, 1, 0);
    lua_getfield(L, 2, "set_log_timestamps");
    lua_pushboolean(L, o->log_timestamps || !isatty(2));
    lua_call(L, 1, 0);
}

/* Index 3: the sandbox class (lua/segmint/sandbox.lua), given the host's
 * functions: realpath, tripped, stage (runs only: od is NULL for check),
 * read_path and the module at index 2. */
static void load_sandbox_class(lua_State *L, sg_outdir *od)
{
    if (sg_load_embedded(L, "segmint.sandbox") != LUA_OK)
        lua_error(L);
    lua_createtable(L, 0, 5);
    lua_pushcfunction(L, l_realpath);
    lua_setfield(L, -2, "realpath");
    lua_pushcfunction(L, l_tripped);
    lua_setfield(L, -2, "tripped");
    if (od) {
        lua_pushlightuserdata(L, od);
        lua_pushcclosure(L, l_stage, 1);
        lua_setfield(L, -2, "stage");
    }
    lua_pushlightuserdata(L, od);
    lua_pushcclosure(L, l_read_path, 1);
    lua_setfield(L, -2, "read_path");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "segmint");
    lua_call(L, 1, 1);
}

/* Pushes the params table of the --set options (numbers and booleans converted). */
static void push_params(lua_State *L, const host_options *o)
{
    lua_createtable(L, 0, o->nsets + 1);
    for (int k = 0; k < o->nsets; k++) {
        const char *eq = strchr(o->sets[k], '=');
        lua_pushlstring(L, o->sets[k], (size_t)(eq - o->sets[k]));
        push_param_value(L, eq + 1);
        lua_settable(L, -3);
    }
}

/* Index 4: the sandbox of this run (class:new{ out, recipe, seed, checking,
 * params, argv, history }), also kept in the registry for finish_outputs. */
static void new_sandbox(lua_State *L, const host_options *o, int checking)
{
    lua_getfield(L, 3, "new");
    lua_createtable(L, 0, 7);
    lua_pushstring(L, o->outdir ? sg_outdir_path(o->outdir) : ".");
    lua_setfield(L, -2, "out");
    lua_pushstring(L, o->recipe);
    lua_setfield(L, -2, "recipe");
    lua_pushinteger(L, (lua_Integer)o->seed);
    lua_setfield(L, -2, "seed");
    lua_pushboolean(L, checking);
    lua_setfield(L, -2, "checking");
    push_params(L, o);
    lua_setfield(L, -2, "params");
    lua_createtable(L, o->argc, 0);
    for (int k = 0; k < o->argc; k++) {
        lua_pushstring(L, o->argv[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "argv");
    if (o->history) {
        char real[PATH_MAX];
        /* an absolute path, so the recipe and the write policy agree on it */
        if (o->history[0] != '/' && getcwd(real, sizeof real))
            lua_pushfstring(L, "%s/%s", real, o->history);
        else
            lua_pushstring(L, o->history);
        lua_setfield(L, -2, "history");
    }
    lua_call(L, 1, 1);
    lua_pushvalue(L, 4);
    lua_setfield(L, LUA_REGISTRYINDEX, "segmint.sandbox");
}

/* Write and read policies for the library (write_csv, generate, read_csv,
 * ...) from the sandbox at index 4; a check stops at the first data access. */
static void install_policies(lua_State *L, int checking)
{
    if (checking) {
        lua_pushcfunction(L, l_check_stop);
        lua_setfield(L, 2, "_check_stop");
        luaL_loadstring(L, "local box, stop = ... return function() stop() end, function() stop() end");
        lua_pushvalue(L, 4);
        lua_pushcfunction(L, l_check_stop);
        lua_call(L, 2, 2);
    } else {
        luaL_loadstring(L, "local box = ... return function(path, kind) return box:write_policy(path, kind) end, "
                           "function(path) return box:read_path(path) end");
        lua_pushvalue(L, 4);
        lua_call(L, 1, 2);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_READ_POLICY);
    lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_WRITE_POLICY);
}

/* Pushes the recipe chunk (text only) with the sandbox's environment. */
static void load_recipe(lua_State *L, const host_options *o)
{
    if (luaL_loadfilex(L, o->recipe, "t") != LUA_OK)
        lua_error(L);
    lua_getfield(L, 4, "recipe_env");
    lua_pushvalue(L, 4);
    lua_call(L, 1, 1);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
}

/* check: runs the recipe chunk on top of the stack up to its work (see
 * l_check_stop), then lints the rule files beside it that it did not load. */
static int check_recipe(lua_State *L, const host_options *o)
{
    lua_pushcfunction(L, message_handler);
    lua_insert(L, -2);
    if (lua_pcall(L, 0, 0, -2) != LUA_OK) {
        if (!check_stopped || lua_touserdata(L, -1) != &check_stop_marker)
            return lua_error(L);
        check_stopped = 0;
    }
    int loaded = 0;
    int errors = check_rule_files(L, 4, &loaded);
    if (errors)
        return luaL_error(L, "%d error%s in rule files beside the recipe (listed above)", errors,
                          errors == 1 ? "" : "s");
    if (!o->quiet)
        printf("ok: %s and its %d rule file%s check without errors\n", o->recipe, loaded, loaded == 1 ? "" : "s");
    return 0;
}

/* Stack in: the options light userdata.  Runs the recipe (or only loads
 * and checks it for `check`). */
static int run_protected(lua_State *L)
{
    host_options *o = lua_touserdata(L, 1);
    int checking = strcmp(o->command, "check") == 0;
    open_module(L, o);                   /* index 2 */
    load_sandbox_class(L, o->outdir);    /* index 3 */
    new_sandbox(L, o, checking);         /* index 4 */
    install_policies(L, checking);
    load_recipe(L, o);
    if (checking)
        return check_recipe(L, o);
    lua_call(L, 0, 0);
    return 0;
}

/* After a run: closes the outputs the recipe left open (sandbox.finish).
 * Returns 0, or -1 with the reason in why when an output could not be
 * completed. */
static int finish_outputs(lua_State *L, int ok, char *why, size_t size)
{
    lua_settop(L, 0);
    lua_sethook(L, NULL, 0, 0);       /* cleanup runs without budget or interrupt hooks */
    instruction_budget = 0;
    if (lua_getfield(L, LUA_REGISTRYINDEX, "segmint.sandbox") != LUA_TTABLE)
        return 0;
    lua_getfield(L, -1, "finish");
    lua_insert(L, -2);
    lua_pushboolean(L, ok);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        snprintf(why, size, "%s", lua_tostring(L, -1));
        return -1;
    }
    return 0;
}

static int generate(const char *out, unsigned long long customers, long long seed, int days,
                    const char *start, int quiet, const char *shown_as);

/* Opens the output directory for a run (lock, recovery, staging) and,
 * for the demo, generates its data into the staging folder. */
static int open_outputs(host_options *o)
{
    sg_error err;
    if (sg_outdir_open(o->out, &o->outdir, &err) != 0) {
        fprintf(stderr, "segmint: error: %s\n", err.msg);
        return EXIT_RECIPE;
    }
    if (!o->quiet && sg_outdir_recovered(o->outdir))
        fprintf(stderr, "segmint: finished publishing the outputs of an earlier run that was interrupted in %s\n",
                sg_outdir_path(o->outdir));
    if (o->demo_customers) {
        /* the data go to OUT/data with the other outputs, published together;
         * the recipe gets --set data=OUT/data */
        static char data_arg[PATH_MAX + 16];
        const char *data = data_arg + 5;
        if (snprintf(data_arg, sizeof data_arg, "data=%s/data", sg_outdir_path(o->outdir)) >= (int)sizeof data_arg) {
            fprintf(stderr, "segmint: error: output path too long: %s\n", sg_outdir_path(o->outdir));
            return EXIT_USAGE;
        }
        o->sets[o->nsets++] = data_arg;
        char *staged = sg_outdir_write_path(o->outdir, data, 0, 1, &err);
        if (!staged) {
            fprintf(stderr, "segmint: error: %s\n", err.msg);
            return EXIT_RECIPE;
        }
        int rc = generate(staged, o->demo_customers, o->seed, 0, NULL, o->quiet, data);
        sg_free(staged);
        if (rc)
            return rc;
    }
    return 0;
}

static int run_recipe(host_options *o)
{
    int checking = strcmp(o->command, "check") == 0;
    if (!checking) {
        int rc = open_outputs(o);
        if (rc) {
            sg_outdir_close(o->outdir);
            return rc;
        }
    }
    sg_mem_set_limit(o->max_memory);
    instruction_budget = o->max_instructions;
    lua_State *L = lua_newstate(host_alloc, NULL);
    if (!L) {
        fputs("segmint: cannot create the Lua state (out of memory)\n", stderr);
        sg_outdir_close(o->outdir);
        return EXIT_RECIPE;
    }
    lua_setwarnf(L, NULL, NULL);
    luaL_openlibs(L);
    static const sgl_step_budget pattern_budget = { pattern_remaining, pattern_charge, NULL };
    sgl_bound_patterns(L, &pattern_budget);
    /* no bytecode production, and the string metatable is not reachable */
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_pushboolean(L, !o->quiet && isatty(2));
    lua_setfield(L, LUA_REGISTRYINDEX, SG_REG_PROGRESS);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    running = L;
    catch_signals();

    lua_pushcfunction(L, message_handler);
    lua_pushcfunction(L, run_protected);
    lua_pushlightuserdata(L, o);
    int status = lua_pcall(L, 1, 0, 1);
    if (status == LUA_OK && (budget_tripped || interrupted)) {
        /* the recipe caught the budget error somewhere and went on */
        status = LUA_ERRRUN;
        if (interrupted)
            lua_pushfstring(L, "interrupted by %s; nothing was published", interrupted == SIGINT ? "SIGINT" : "SIGTERM");
        else
            lua_pushfstring(L, "instruction budget of %I exceeded (raise it with --max-instructions)",
                            (lua_Integer)instruction_budget);
    }
    int code = 0;
    char why[1200] = "";
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (status == LUA_ERRMEM || sg_mem_limit_hit()) {
            snprintf(why, sizeof why, "memory limit of %zu MB reached (raise it with --max-memory)%s%s",
                     o->max_memory >> 20, status == LUA_ERRMEM || !msg ? "" : ": ", status == LUA_ERRMEM || !msg ? "" : msg);
            code = EXIT_RECIPE;
        } else {
            snprintf(why, sizeof why, "%s", msg ? msg : "(no message)");
            code = msg && is_data_error(L, msg) ? EXIT_DATA : EXIT_RECIPE;
        }
        fprintf(stderr, "segmint: error: %s\n", why);
        if (o->traceback && status != LUA_ERRMEM && lua_getfield(L, LUA_REGISTRYINDEX, REG_TRACEBACK) == LUA_TSTRING)
            fprintf(stderr, "%s\n", lua_tostring(L, -1));
    }
    sg_mem_set_limit(0);              /* let cleanup allocate */
    if (finish_outputs(L, status == LUA_OK, why, sizeof why) != 0 && code == 0) {
        fprintf(stderr, "segmint: error: %s\n", why);
        code = EXIT_RECIPE;
    }
    running = NULL;
    lua_close(L);
    if (o->outdir) {
        sg_error err;
        if (code == 0 && sg_outdir_commit(o->outdir, &err) != 0) {
            fprintf(stderr, "segmint: error: %s (the next run on this directory finishes publishing)\n", err.msg);
            code = EXIT_RECIPE;
        } else if (code != 0) {
            sg_outdir_abort(o->outdir, why);
        }
        sg_outdir_close(o->outdir);
        o->outdir = NULL;
    }
    return code;
}

/* ---- commands ---- */

/* The shipped recipes/demo.lua: $SEGMINT_RECIPES, the source tree, or the installed copy. */
static int find_demo_recipe(char *buf, size_t size)
{
    const char *dirs[3] = { getenv("SEGMINT_RECIPES"), SG_RECIPES_SOURCE, SG_RECIPES_INSTALLED };
    for (int k = 0; k < 3; k++) {
        struct stat st;
        if (dirs[k] && snprintf(buf, size, "%s/demo.lua", dirs[k]) < (int)size &&
            stat(buf, &st) == 0 && S_ISREG(st.st_mode))
            return 0;
    }
    return -1;
}

static int cmd_version(void)
{
    char models[96];
    sg_model_libraries(models, sizeof models);
    printf("segmint %s (%s, GSL %s, cJSON %d.%d.%d, %s)\n", SG_VERSION, LUA_RELEASE, GSL_VERSION,
           CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR, CJSON_VERSION_PATCH, models);
    return 0;
}

/* shown_as: the directory named in the message (the demo generates into
 * its staging folder, shown as OUT/data). */
static int generate(const char *out, unsigned long long customers, long long seed, int days,
                    const char *start, int quiet, const char *shown_as)
{
    sg_gen_options g;
    sg_gen_options_init(&g);
    g.customers = customers;
    g.seed = (uint64_t)seed;
    g.out_dir = out;
    if (days)
        g.days = days;
    if (start)
        g.start_date = start;
    g.quiet = quiet;
    sgl_progress ps = { "generating", -1 };
    if (!quiet && isatty(2)) {
        g.progress = sgl_progress_draw;
        g.progress_ud = &ps;
    }
    sg_gen_result res;
    sg_error err;
    if (sg_generate(&g, &res, &err) != 0) {
        fprintf(stderr, "segmint: generate: %s\n", err.msg);
        return err.code == SG_EINVAL ? EXIT_USAGE : EXIT_RECIPE;
    }
    if (!quiet)
        fprintf(stderr, "generated %llu customers, %llu products, %llu invoices, %llu transaction rows, "
                        "%llu campaigns in %s\n",
                (unsigned long long)res.customers, (unsigned long long)res.products,
                (unsigned long long)res.invoices, (unsigned long long)res.transaction_rows,
                (unsigned long long)res.campaigns, shown_as ? shown_as : out);
    return 0;
}

/* ---- segmint history: the report is lua/segmint/history.lua's ---- */

static int history_protected(lua_State *L)
{
    luaL_requiref(L, "segmint", sg_open, 0);     /* index 3 */
    lua_getglobal(L, "require");
    lua_pushliteral(L, "segmint.history");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "command");
    lua_pushvalue(L, 3);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "history");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "kpi");
    lua_call(L, 2, 3);                           /* text | nil, message, exit code */
    return 3;
}

static int cmd_history(int argc, char **argv)
{
    char path[PATH_MAX] = "out/history.sqlite";
    const char *kpi = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(a, "--history") && strcmp(a, "--out") && strcmp(a, "--kpi"))
            return usage_error("history: unknown option or argument '%s'", a);
        if (!v || !*v)
            return usage_error("option %s needs a value", a);
        if (!strcmp(a, "--kpi"))
            kpi = v;
        else if (snprintf(path, sizeof path, !strcmp(a, "--out") ? "%s/history.sqlite" : "%s", v) >= (int)sizeof path)
            return usage_error("path too long: %s", v);
        i++;
    }
    lua_State *L = luaL_newstate();
    if (!L) {
        fputs("segmint: cannot create the Lua state (out of memory)\n", stderr);
        return EXIT_RECIPE;
    }
    luaL_openlibs(L);
    lua_pushcfunction(L, history_protected);
    lua_pushstring(L, path);
    if (kpi)
        lua_pushstring(L, kpi);
    else
        lua_pushnil(L);
    int code = 0;
    if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
        fprintf(stderr, "segmint: error: %s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
        code = EXIT_RECIPE;
    } else if (lua_isstring(L, -3)) {
        fputs(lua_tostring(L, -3), stdout);
    } else {
        fprintf(stderr, "segmint: %s\n", lua_tostring(L, -2) ? lua_tostring(L, -2) : "(no message)");
        code = (int)luaL_optinteger(L, -1, EXIT_RECIPE);
    }
    lua_close(L);
    return code;
}

/* The command line of run, check, demo and generate: the host options and
 * what only demo and generate take. */
typedef struct command_line {
    host_options o;
    int is_run, is_check, is_demo, is_gen;
    unsigned long long customers;   /* --customers, 0 when not given */
    int have_out;
    int days;                       /* --days, 0 when not given */
    const char *lang;
    const char *start;
} command_line;

/* What an option parser returns, besides an exit code (0 or more). */
enum { OPT_TAKEN = -2, OPT_OTHER = -1 };

/* The options without a value; whether a is one. */
static int flag_option(command_line *c, const char *a)
{
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
        c->o.quiet = 1;
    else if (!strcmp(a, "--traceback"))
        c->o.traceback = 1;
    else if (!strcmp(a, "--log-timestamps"))
        c->o.log_timestamps = 1;
    else
        return 0;
    return 1;
}

/* --out, --history, --set, --seed and the limits, with their value v. */
static int host_value_option(command_line *c, const char *a, const char *v)
{
    host_options *o = &c->o;
    unsigned long long n;
    if (!strcmp(a, "--out")) {
        if (!*v)
            return usage_error("%s", "--out needs a directory name");
        o->out = v;
        c->have_out = 1;
    } else if ((c->is_run || c->is_demo) && !strcmp(a, "--history")) {
        if (!*v)
            return usage_error("%s", "--history needs a file name");
        o->history = v;
    } else if (!strcmp(a, "--set")) {
        if (!strchr(v, '=') || v[0] == '=')
            return usage_error("--set expects KEY=VALUE, got '%s'", v);
        if (o->nsets == (int)(sizeof o->sets / sizeof o->sets[0]))
            return usage_error("%s", "too many --set options");
        o->sets[o->nsets++] = v;
    } else if (!strcmp(a, "--seed")) {
        if (parse_count(v, &n) || n > (1ULL << 53))
            return usage_error("--seed expects a non-negative integer, got '%s'", v);
        o->seed = (long long)n;
    } else if (!strcmp(a, "--max-memory")) {
        if (parse_count(v, &n) || n > (1ULL << 40))
            return usage_error("--max-memory expects megabytes, got '%s'", v);
        o->max_memory = (size_t)n << 20;
    } else if (!strcmp(a, "--max-instructions")) {
        if (parse_count(v, &n))
            return usage_error("--max-instructions expects a count, got '%s'", v);
        o->max_instructions = n;
    } else {
        return OPT_OTHER;
    }
    return OPT_TAKEN;
}

/* demo's and generate's own options with their value v. */
static int data_value_option(command_line *c, const char *a, const char *v)
{
    unsigned long long n;
    if ((c->is_gen || c->is_demo) && !strcmp(a, "--customers")) {
        if (parse_count(v, &n) || n < 1)
            return usage_error("--customers expects a positive integer, got '%s'", v);
        c->customers = n;
    } else if (c->is_gen && !strcmp(a, "--days")) {
        if (parse_count(v, &n) || n < 1 || n > 36500)
            return usage_error("--days expects a number of days, got '%s'", v);
        c->days = (int)n;
    } else if (c->is_demo && !strcmp(a, "--lang")) {
        if (strcmp(v, "en") && strcmp(v, "fr"))
            return usage_error("--lang expects en or fr, got '%s'", v);
        c->lang = v;
    } else if (c->is_gen && !strcmp(a, "--start")) {
        c->start = v;
    } else {
        return OPT_OTHER;
    }
    return OPT_TAKEN;
}

/* Reads argv[2..] into c (c's command flags set).  Returns OPT_TAKEN when
 * every argument was taken, or the exit code: 0 after --help, EXIT_USAGE
 * after a usage error. */
static int parse_options(command_line *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (flag_option(c, a))
            continue;
        if (a[0] == '-' && a[1] == '-' && !v)
            return usage_error("option %s needs a value", a);
        int rc = host_value_option(c, a, v);
        if (rc == OPT_OTHER)
            rc = data_value_option(c, a, v);
        if (rc == OPT_TAKEN) {
            i++;
            continue;
        }
        if (rc != OPT_OTHER)
            return rc;
        if (a[0] == '-')
            return usage_error("unknown option '%s'", a);
        if (!(c->is_run || c->is_check) || c->o.recipe)
            return usage_error("unexpected argument '%s'", a);
        c->o.recipe = a;
    }
    return OPT_TAKEN;
}

static int cmd_generate(const command_line *c)
{
    if (!c->customers)
        return usage_error("%s", "generate needs --customers N");
    if (!c->have_out)
        return usage_error("%s", "generate needs --out DIR");
    return generate(c->o.out, c->customers, c->o.seed, c->days, c->start, c->o.quiet, NULL);
}

/* demo: the shipped recipe on generated data (--set data= and lang=). */
static int cmd_demo(command_line *c)
{
    host_options *o = &c->o;
    static char recipe[PATH_MAX];
    if (find_demo_recipe(recipe, sizeof recipe) != 0) {
        fprintf(stderr, "segmint: cannot find the shipped recipe demo.lua (set SEGMINT_RECIPES to the recipes directory)\n");
        return EXIT_USAGE;
    }
    if (o->nsets + 2 > (int)(sizeof o->sets / sizeof o->sets[0]))
        return usage_error("%s", "too many --set options");
    static char lang_arg[16];
    snprintf(lang_arg, sizeof lang_arg, "lang=%s", c->lang);
    o->sets[o->nsets++] = lang_arg;
    o->demo_customers = c->customers ? c->customers : 2000;
    o->recipe = recipe;
    o->command = "run";
    if (!o->quiet)
        fprintf(stderr, "running %s\n", recipe);
    return run_recipe(o);
}

/* run and check: the recipe named on the command line. */
static int cmd_run(command_line *c)
{
    host_options *o = &c->o;
    if (!o->recipe)
        return usage_error("%s needs a recipe file", o->command);
    struct stat st;
    if (stat(o->recipe, &st) != 0 || !S_ISREG(st.st_mode))
        return usage_error("cannot read recipe '%s'", o->recipe);
    return run_recipe(o);
}

/* The commands that run recipes or generate data: their options, then the command. */
static int cmd_with_options(int argc, char **argv)
{
    command_line c;
    memset(&c, 0, sizeof c);
    host_options *o = &c.o;
    o->argc = argc;
    o->argv = argv;
    o->command = argv[1];
    o->out = "out";
    o->seed = 42;
    o->max_memory = (size_t)8192 << 20;
    o->max_instructions = 100000000000ULL;
    c.lang = "en";
    c.is_run = !strcmp(o->command, "run");
    c.is_check = !strcmp(o->command, "check");
    c.is_demo = !strcmp(o->command, "demo");
    c.is_gen = !strcmp(o->command, "generate");
    if (!c.is_run && !c.is_check && !c.is_demo && !c.is_gen)
        return usage_error("unknown command '%s'", o->command);
    int rc = parse_options(&c, argc, argv);
    if (rc != OPT_TAKEN)
        return rc;
    if (c.is_gen)
        return cmd_generate(&c);
    if (c.is_demo)
        return cmd_demo(&c);
    return cmd_run(&c);
}

/* The command named by argv[1]; its exit code. */
static int run_command(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    const char *command = argv[1];
    if (!strcmp(command, "help") || !strcmp(command, "--help") || !strcmp(command, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(command, "version") || !strcmp(command, "--version"))
        return cmd_version();
    if (!strcmp(command, "history"))
        return cmd_history(argc, argv);
    return cmd_with_options(argc, argv);
}

/* One exit point: process-wide start-up and shut-down go around run_command. */
int main(int argc, char **argv)
{
    int code;
    sg_mem_setup_heap();   /* before anything is allocated */
    if (sg_mpi_host_enter(argc, argv, &code))    /* under mpirun: ranks 1.. serve rank 0 */
        return code;
    return run_command(argc, argv);
}
