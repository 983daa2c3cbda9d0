/* The segmint Lua bindings: one l<module>.c per core module.  Everything
 * that touches Lua lives in lua/; the core never sees a lua_State. */
#ifndef SG_LSEGMINT_H
#define SG_LSEGMINT_H

#include "csv.h"
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "error.h"
#include "table.h"

#define SG_DATASET_MT "segmint.dataset"
/* registry keys */
#define SG_REG_WRITE_POLICY "segmint.write_policy"  /* function(path [, "w"|"a"|"dir"]) -> path to write, or error */
#define SG_REG_READ_POLICY "segmint.read_policy"    /* function(path) -> path to read */
#define SG_REG_DATA_ERRORS "segmint.data_errors"    /* set of messages of bad-data failures */
#define SG_REG_PROGRESS "segmint.progress"          /* boolean: draw progress on stderr */

/* Builds the segmint module table on the stack (luaopen_segmint and the host). */
int sg_open(lua_State *L);
/* Loads the embedded library file `module` ("segmint.sandbox") as a text
 * chunk and pushes it (or the error message); returns the load status. */
int sg_load_embedded(lua_State *L, const char *module);

/* ---- datasets (ldataset.c) ---- */
typedef struct sgl_dataset {
    sg_table *t;       /* NULL once freed, or while the rows are on the MPI ranks */
    /* Under mpirun, a cleaned table whose rows the ranks owning the
     * customers hold (ds:mpi_release): t NULL, shape its columns without
     * rows, gen the exchange that left the rows there, nrows their count.
     * sgl_check_dataset gathers the rows back into t (sgl_mpi_gather);
     * shape alone serves what needs only the columns, and stays until the
     * dataset is closed or collected, so that a pointer sgl_check_shape
     * gave remains valid when a later check gathers the rows.  NULL
     * otherwise. */
    sg_table *shape;
    uint64_t gen;
    size_t nrows;
    /* read: the rows are the parts of a distributed read still on the
     * ranks that read them (segmint.mpi_read_csv), gen the read's number
     * (sg_mpi_gather_read), not a cleaning's */
    int read;
} sgl_dataset;

/* The table of the dataset at idx (raises when closed).  A dataset whose
 * rows are on the MPI ranks has them gathered first. */
sg_table *sgl_check_dataset(lua_State *L, int idx);
/* As sgl_check_dataset, for callers that look at the columns alone (names,
 * types; never the rows): a dataset whose rows are on the MPI ranks gives
 * its columns without rows, and stays there. */
const sg_table *sgl_check_shape(lua_State *L, int idx);
/* sgl_check_shape, with the table pinned on the stack (as sgl_pin_dataset). */
const sg_table *sgl_pin_shape(lua_State *L, int idx);
/* lmpi.c: gathers the rows of d (on the MPI ranks) back into d->t, or
 * raises; the run log says so, with when (why now). */
void sgl_mpi_gather(lua_State *L, sgl_dataset *d, const char *when);
/* Pushes an empty dataset userdata (safe to collect) and returns its box. */
sgl_dataset *sgl_new_dataset(lua_State *L);
/* Pushes t as a dataset, or raises the error in err when t is NULL. */
void sgl_push_table(lua_State *L, sg_table *t, const sg_error *err);
/* Raises err as a Lua error; SG_EDATA/SG_EIO messages are recorded as bad input data. */
int sgl_raise(lua_State *L, const sg_error *err);
/* Returns nil, message (recording bad-data messages), for functions that report failure. */
int sgl_fail(lua_State *L, const sg_error *err);
/* Records msg as a bad-input-data failure (the host exits with code 3 for it). */
void sgl_note_data_error(lua_State *L, const char *msg);
/* Pushes value i of column c as a Lua value (nil when missing; datetimes as text). */
void sgl_push_value(lua_State *L, const sg_column *c, size_t i);
/* Applies the write policy to the path at idx (a file, or a folder for
 * sgl_check_write_dir); returns the path to use (in a host run, the
 * staging folder's copy: see core/outdir.h). */
const char *sgl_check_write_path(lua_State *L, int idx);
const char *sgl_check_write_dir(lua_State *L, int idx);
/* For a file updated in place (a database): the staged copy of its current
 * content (kind "a" of the write policy). */
const char *sgl_check_update_path(lua_State *L, int idx);
/* Applies the read policy to the path at idx: the run's own staged copy
 * when it wrote that path earlier.  Returns the path to open. */
const char *sgl_check_read_path(lua_State *L, int idx);
/* Whether progress should be drawn on stderr. */
int sgl_progress_enabled(lua_State *L);
/* Pushes t[key] without metamethods (option tables are read raw, so no
 * recipe code runs in the middle of a C operation); returns its type. */
int sgl_rawfield(lua_State *L, int t, const char *key);
/* After a C call that returned rc (< 0: failed, err says why; 0: declined,
 * why says why; > 0: done): raises the error, or pushes nil, why and
 * returns 2 (the Lua function returns that), or returns 0 (go on). */
int sgl_declined(lua_State *L, int rc, const sg_error *err, const char *why);
/* Pushes the list { v[0], ..., v[n-1] } (a figure per MPI rank). */
void sgl_push_counts(lua_State *L, const uint64_t *v, int n);
/* Pushes the figures of an MPI call: { ranks = n, customers = { per rank },
 * [bytes_key] = bytes, seconds = { [first] = secs[0], [second] = secs[1] } }
 * (the caller may add fields). */
void sgl_push_mpi_stats(lua_State *L, int n, const uint64_t *ncust, const char *bytes_key, uint64_t bytes,
                        const char *first, const char *second, const double *secs);
/* Like sgl_check_dataset, but also pins the table: pushes a holder that
 * shares its columns, so the data stays valid even if Lua code run during
 * the operation (a callback) closes the dataset.  Returns the shared table. */
sg_table *sgl_pin_dataset(lua_State *L, int idx);
/* The index of an optional options table argument: idx when it is a
 * table, 0 when it is absent or nil; any other value raises an error. */
int sgl_check_options(lua_State *L, int idx);
/* Number option of a table argument (t == 0: none given), or def; `what`
 * names the function in the error. */
double sgl_opt_number(lua_State *L, int t, const char *what, const char *key, double def);
/* The named column of t, or a Lua error naming it. */
sg_column *sgl_check_column(lua_State *L, sg_table *t, int idx);
/* A progress line on stderr ("reading x.csv  42%"), for the core's progress callbacks. */
typedef struct sgl_progress {
    const char *label;
    int last_pct;
} sgl_progress;
void sgl_progress_draw(void *ud, uint64_t done, uint64_t total);
/* String option of a table argument (t == 0: none given), or def. */
const char *sgl_opt_string(lua_State *L, int t, const char *key, const char *def);
/* Reads a column-name list (a string or an array of strings) at idx into
 * names[] (at most max); raises on other values.  Returns the count. */
size_t sgl_names(lua_State *L, int idx, const char *what, const char **names, size_t max);

/* JSON (ljson.c): the Lua value at idx as cJSON (object keys sorted), NULL
 * with *why set; and a cJSON value pushed as Lua (null -> nil). */
struct cJSON;
struct cJSON *sgl_to_json(lua_State *L, int idx, const char **why);
void sgl_push_json(lua_State *L, const struct cJSON *j);

/* The host's instruction budget as pattern matching sees it (lpattern.c). */
typedef struct sgl_step_budget {
    unsigned long long (*remaining)(void *ud);   /* steps still allowed; 0: no limit */
    void (*charge)(lua_State *L, void *ud, unsigned long long steps);   /* raises once spent */
    void *ud;
} sgl_step_budget;
/* Replaces string.find, match, gmatch and gsub with equivalents whose
 * matching steps count against b. */
void sgl_bound_patterns(lua_State *L, const sgl_step_budget *b);

/* ---- helpers shared by the bindings (lutil.c) ---- */
/* Creates the metatable `name` once: the functions of meta (__gc, __close,
 * __tostring, ...), __index = a table of methods, and, when locked,
 * __metatable = name so that recipes can neither read nor change it. */
void sgl_new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods,
                  int locked);
/* Option 'seed' of a table argument (t == 0: none given), or def: a whole
 * number from 0 to 2^53 (fractions, negatives and larger values raise). */
uint64_t sgl_opt_seed(lua_State *L, int t, const char *what, uint64_t def);
/* Option 'unit' ("days", "weeks", "months"; def when absent) as days
 * (sg_time_unit_days); any other value raises. */
double sgl_opt_unit_days(lua_State *L, int t, const char *what, const char *def);
/* The named numeric (or bool) column of t as a double array owned by a
 * userdata pushed on the stack.  role (or NULL) says in messages what the
 * column is for.  Missing values become NaN when missing_ok, else raise as
 * bad data naming the column and row (from 1). */
double *sgl_column_values(lua_State *L, const sg_table *t, const char *name, const char *what,
                          const char *role, int missing_ok);
/* Refuses keys of the options table at idx (0 or not a table: nothing to
 * check) that are not in known (NULL-ended), listing the known ones. */
void sgl_check_known(lua_State *L, int idx, const char *what, const char *const *known);

void sgl_open_dataset(lua_State *L);   /* metatable + functions into the table on top */
void sgl_open_dataops(lua_State *L);
void sgl_open_csv(lua_State *L);
void sgl_open_mpi(lua_State *L);
/* segmint.read_csv's body with the reader to call (lua/lcsv.c): sg_csv_read,
 * or the distributed read of lua/lmpi.c. */
typedef sg_table *(*sgl_csv_reader_fn)(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                                       sg_error *err);
/* ... and for a list of files (segmint.read_csv({ "a.csv", "b.csv" })). */
typedef sg_table *(*sgl_csv_list_fn)(const char *const *paths, size_t n, const sg_csv_options *opt,
                                     sg_csv_report *report, sg_error *err);
int sgl_read_csv_with(lua_State *L, sgl_csv_reader_fn fn, sgl_csv_list_fn list_fn);
void sgl_open_generate(lua_State *L);
void sgl_open_util(lua_State *L);
void sgl_open_rfm(lua_State *L);
void sgl_open_crosssell(lua_State *L);
void sgl_open_clean(lua_State *L);
void sgl_open_json(lua_State *L);
void sgl_open_cluster(lua_State *L);
void sgl_open_btyd(lua_State *L);
void sgl_open_model(lua_State *L);
void sgl_open_features(lua_State *L);
void sgl_open_xlsx(lua_State *L);
void sgl_open_campaign(lua_State *L);
void sgl_open_sql(lua_State *L);
void sgl_open_activity(lua_State *L);
void sgl_open_history(lua_State *L);

#endif
