/* The run history: an SQLite database (one file, Debian's libsqlite3) that
 * each finished run appends to in one transaction, and that later runs and
 * `segmint history` read back for trends and segment migrations.
 *
 * Schema (version 2, PRAGMA user_version; application_id 'SGMT'):
 *   runs          (id INTEGER PRIMARY KEY AUTOINCREMENT, run_time DATETIME,
 *                  as_of DATETIME, label TEXT, segmint TEXT, parameters TEXT
 *                  (JSON), customers INTEGER)
 *   run_inputs    (run_id, position, path TEXT, sha256 TEXT)
 *   run_kpis      (run_id, position, name, measure, value DOUBLE, previous
 *                  DOUBLE, target DOUBLE, unit, direction, period_start,
 *                  period_end DATETIME, status TEXT)
 *   run_segments  (run_id, position, segment TEXT, customers INTEGER, name
 *                  TEXT: the name the run showed, NULL when not given)
 *   run_figures   (run_id, name TEXT, value DOUBLE): the run's key figures
 *   run_customers (run_id, customer TEXT, segment TEXT, cluster TEXT, clv
 *                  DOUBLE, churn_probability DOUBLE, campaign TEXT),
 *                  primary key (run_id, customer)
 * Writers take the database's write lock at the start of the transaction
 * (BEGIN IMMEDIATE) and wait up to the busy timeout for another writer, so
 * two runs appending at once are serialised, and a failed append is rolled
 * back entirely.  Connection strings among the inputs are masked.
 * A version 1 file (without run_segments.name and run_figures) is read as
 * it is, and upgraded to version 2 when opened for writing. */
#ifndef SG_HISTORY_H
#define SG_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

#define SG_HISTORY_SCHEMA 2
#define SG_HISTORY_BUSY_MS 60000

typedef struct sg_history sg_history;

typedef struct sg_history_input {
    const char *path;       /* file, or a SQL source (masked when stored) */
    const char *sha256;     /* may be NULL */
} sg_history_input;

typedef struct sg_history_kpi {
    const char *name;
    const char *measure, *unit, *direction, *status;   /* may be NULL */
    double value, previous, target;                     /* NaN: none */
    int64_t period_start, period_end;
    int has_period;
} sg_history_kpi;

typedef struct sg_history_count {
    const char *name;
    int64_t count;
    const char *label;      /* the name shown for it, may be NULL */
} sg_history_count;

typedef struct sg_history_figure {
    const char *name;
    double value;           /* NaN: none */
} sg_history_figure;

typedef struct sg_history_run {
    int64_t time;                       /* seconds since 1970 (UTC) */
    int64_t as_of;
    int has_as_of;
    const char *label;                  /* may be NULL */
    const char *parameters;             /* JSON text, may be NULL */
    const sg_history_input *inputs;
    size_t ninputs;
    const sg_history_kpi *kpis;
    size_t nkpis;
    const sg_history_count *segments;
    size_t nsegments;
    const sg_history_figure *figures;
    size_t nfigures;
    /* per customer: columns of `customers` (NULL names: not stored) */
    const sg_table *customers;
    const char *customer, *segment, *cluster, *clv, *churn_probability, *campaign;
} sg_history_run;

/* Opens (writable: creating when absent) a history file.  Refuses files
 * that are not SQLite databases, SQLite databases of other programs, and
 * histories of a newer schema.  NULL with err (SG_EIO, SG_EDATA) on failure. */
sg_history *sg_history_open(const char *path, int writable, sg_error *err);
void sg_history_close(sg_history *h);              /* accepts NULL */
const char *sg_history_path(const sg_history *h);

/* Appends one run in a single transaction; *id receives its id.  On any
 * failure nothing is written. */
int sg_history_append(sg_history *h, const sg_history_run *run, int64_t *id, sg_error *err);

/* ---- reading back (new tables; NULL with err on failure) ---- */
/* id, run_time, as_of, label, segmint, customers, parameters, inputs (count) */
sg_table *sg_history_runs(sg_history *h, sg_error *err);
/* position, path, sha256 of one run */
sg_table *sg_history_inputs(sg_history *h, int64_t run, sg_error *err);
/* run_id, run_time, name, measure, value, previous, target, unit,
 * direction, period_start, period_end, status: every run's KPIs in run and
 * position order, or one KPI's (name != NULL) */
sg_table *sg_history_kpis(sg_history *h, const char *name, sg_error *err);
/* segment, customers, name of one run, in the order stored (name: the
 * name the run showed; missing in version 1 files or when not given) */
sg_table *sg_history_segments(sg_history *h, int64_t run, sg_error *err);
/* name, value: the key figures of one run, by name (empty in version 1 files) */
sg_table *sg_history_figures(sg_history *h, int64_t run, sg_error *err);
/* customer, segment, cluster, clv, churn_probability, campaign of one run */
sg_table *sg_history_customers(sg_history *h, int64_t run, sg_error *err);
/* from_segment, to_segment, customers, change ("stayed", "moved", "new",
 * "departed") between two runs: every customer of either run counted
 * once; a new customer has no from_segment, a departed one no to_segment. */
sg_table *sg_history_migration(sg_history *h, int64_t from, int64_t to, sg_error *err);
/* The latest run before `before` (before <= 0: the latest run); 0 with
 * *run = 0 when there is none. */
int sg_history_previous(sg_history *h, int64_t before, int64_t *run, sg_error *err);
/* Whether run `id` exists (1), or not (0); -1 on error. */
int sg_history_has_run(sg_history *h, int64_t id, sg_error *err);

#endif
