/* Columnar datasets: typed, immutable-once-built columns with a missing
 * value bitmap, shared between tables by reference counting.
 *
 * Types and storage (column->data):
 *   SG_INT64     int64_t[]
 *   SG_DOUBLE    double[]
 *   SG_STRING    int32_t[] codes into column->dict (dictionary encoding)
 *   SG_DATETIME  int64_t[] seconds since 1970-01-01 00:00:00 (no time zone)
 *   SG_BOOL      uint8_t[] 0 or 1
 * A missing value has its bit set in column->na (NULL when none is
 * missing); the slot in data then holds 0.
 *
 * Columns are built by pushing values, then treated as read-only: every
 * operation that changes a dataset returns a new table that shares the
 * unchanged columns. */
#ifndef SG_TABLE_H
#define SG_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum sg_type {
    SG_INT64 = 0,
    SG_DOUBLE,
    SG_STRING,
    SG_DATETIME,
    SG_BOOL
} sg_type;

const char *sg_type_name(sg_type t);
/* Accepts "int64"/"int"/"integer", "double"/"float"/"number",
 * "string"/"str", "datetime"/"date", "bool"/"boolean".  0 on success. */
int sg_type_parse(const char *name, sg_type *out);

/* ---- string dictionary (append-only, reference counted) ---- */
typedef struct sg_dict sg_dict;

sg_dict *sg_dict_new(size_t cap_hint);
sg_dict *sg_dict_retain(sg_dict *d);
void sg_dict_release(sg_dict *d);
/* Returns the code of s (adding it when new), or -1 when out of memory. */
int32_t sg_dict_intern(sg_dict *d, const char *s, size_t len);
/* The same with hash == sg_hash_bytes(s, len) already computed (the CSV
 * reader gets it from its scan of the field). */
int32_t sg_dict_intern_hashed(sg_dict *d, const char *s, size_t len, uint32_t hash);
/* Interns every string of `from` into d in from's code order and
 * rewrites codes[0..ncodes) (codes of `from`, -1 kept) into d's codes.
 * `from` is consumed: its storage is moved into d or freed, and it can
 * only be released afterwards.  0, or -1 when out of memory. */
int sg_dict_absorb(sg_dict *d, sg_dict *from, int32_t *codes, size_t ncodes);
/* A hint that a lookup of this hash follows soon (fetches its slot). */
void sg_dict_prefetch(const sg_dict *d, uint32_t hash);
/* The same for the string s of that hash: fetches its entry of the direct
 * index of numbered ids when it has one, else its slot. */
void sg_dict_prefetch_text(const sg_dict *d, const char *s, size_t len, uint32_t hash);
/* Returns the code of s, or -1 when absent. */
int32_t sg_dict_find(const sg_dict *d, const char *s, size_t len);
/* The string of a code; the pointer stays valid as long as the dictionary
 * (strings are never moved, except by sg_dict_trim). */
const char *sg_dict_str(const sg_dict *d, int32_t code, size_t *len);
size_t sg_dict_size(const sg_dict *d);
size_t sg_dict_bytes(const sg_dict *d);   /* memory held, for reports */
/* Strings indexed in the hash slots (not the numbered ids of the direct
 * index): a size hint for a dictionary of the same strings. */
size_t sg_dict_slotted(const sg_dict *d);
/* Gives back growth slack (string storage, per-code array) once a
 * dictionary is fully built.  May move the strings of the last chunk: call
 * it only while no pointer from sg_dict_str is held. */
void sg_dict_trim(sg_dict *d);
/* The dictionary's hash of a byte string (word at a time). */
uint32_t sg_hash_bytes(const char *s, size_t len);

/* ---- columns ---- */
typedef struct sg_column {
    char *name;
    sg_type type;
    int date_only;      /* SG_DATETIME: every value is at midnight; print YYYY-MM-DD */
    size_t n;           /* number of values */
    size_t cap;         /* capacity of data, in values */
    void *data;
    uint8_t *na;        /* NULL, or a bitmap of cap bits: set = missing */
    sg_dict *dict;      /* SG_STRING only */
    int refs;
} sg_column;

sg_column *sg_column_new(const char *name, sg_type type, size_t cap_hint);
/* A string column that shares (retains) an existing dictionary. */
sg_column *sg_column_new_with_dict(const char *name, sg_dict *dict, size_t cap_hint);
sg_column *sg_column_retain(sg_column *c);
void sg_column_release(sg_column *c);         /* accepts NULL */
/* A new column with the same values under another name (shares nothing
 * mutable: data is copied, the dictionary is shared). */
sg_column *sg_column_copy(const sg_column *c, const char *name);
int sg_column_reserve(sg_column *c, size_t n);   /* 0 or SG_ENOMEM */
size_t sg_column_bytes(const sg_column *c);

/* Push one value; each returns 0 or SG_ENOMEM. */
int sg_column_push_i64(sg_column *c, int64_t v);      /* INT64, DATETIME */
int sg_column_push_f64(sg_column *c, double v);       /* DOUBLE */
int sg_column_push_bool(sg_column *c, int v);         /* BOOL */
int sg_column_push_str(sg_column *c, const char *s, size_t len);   /* STRING */
int sg_column_push_code(sg_column *c, int32_t code);  /* STRING, code of c->dict */
int sg_column_push_na(sg_column *c);                  /* any type */
/* Marks value i missing (allocating the bitmap if needed). */
int sg_column_set_na(sg_column *c, size_t i);

static inline int sg_column_is_na(const sg_column *c, size_t i)
{
    return c->na && ((c->na[i >> 3] >> (i & 7)) & 1);
}
static inline int64_t *sg_column_i64(const sg_column *c) { return (int64_t *)c->data; }
static inline double *sg_column_f64(const sg_column *c) { return (double *)c->data; }
static inline int32_t *sg_column_codes(const sg_column *c) { return (int32_t *)c->data; }
static inline uint8_t *sg_column_bools(const sg_column *c) { return (uint8_t *)c->data; }

int sg_type_is_numeric(sg_type t);     /* INT64, DOUBLE, DATETIME, BOOL */
size_t sg_column_na_count(const sg_column *c);
/* Value i as a double (NaN when missing or for strings).  DATETIME gives
 * seconds since the epoch. */
double sg_column_num(const sg_column *c, size_t i);
/* The string of value i of a STRING column (NULL when missing). */
const char *sg_column_str(const sg_column *c, size_t i, size_t *len);
/* Formats value i as text (empty string when missing): integers in
 * decimal, doubles in the shortest form that reads back exactly,
 * datetimes as YYYY-MM-DD[ HH:MM:SS], bools as true/false.  Returns the
 * length written (truncated to size-1). */
size_t sg_column_format(const sg_column *c, size_t i, char *buf, size_t size);

/* ---- tables ---- */
typedef struct sg_table {
    size_t nrows;
    size_t ncols;
    size_t cap;
    sg_column **cols;
} sg_table;

sg_table *sg_table_new(void);
void sg_table_free(sg_table *t);           /* accepts NULL; releases columns */
/* Adds c (taking over the caller's reference).  Fails with SG_EINVAL when
 * the name is taken or the length differs from the table's rows; then c
 * is released.  The first column sets nrows. */
int sg_table_add(sg_table *t, sg_column *c, sg_error *err);
/* Like sg_table_add, but replaces an existing column of the same name. */
int sg_table_set(sg_table *t, sg_column *c, sg_error *err);
int sg_table_index(const sg_table *t, const char *name);    /* -1 if absent */
sg_column *sg_table_col(const sg_table *t, const char *name);  /* NULL if absent */
/* A new table sharing all columns (retained). */
sg_table *sg_table_share(const sg_table *t);
/* A new table with the named columns only, in that order (shared). */
sg_table *sg_table_select(const sg_table *t, const char *const *names, size_t n, sg_error *err);
/* A new table whose row k is row rows[k] of t; rows[k] == SIZE_MAX gives
 * a row of missing values (used by left joins). */
sg_table *sg_table_take(const sg_table *t, const size_t *rows, size_t n, sg_error *err);
/* Gather for one column (same convention as sg_table_take). */
sg_column *sg_column_take(const sg_column *c, const size_t *rows, size_t n);
sg_table *sg_table_head(const sg_table *t, size_t n, sg_error *err);
/* Keeps the rows i of t where keep[i] != 0, in order, changing t itself
 * (keep has t->nrows entries).  A column that only t holds (refs == 1) is
 * compacted in its own buffers, which are then shrunk to fit: no second
 * copy of the kept rows exists at any time.  A column shared with another
 * table is replaced by a compacted copy, so that the other table does not
 * change.  Values, missing values, names and dictionaries are those
 * sg_table_take would give for the list of kept rows (a missing bitmap
 * with no missing value left is freed).  0, or SG_ENOMEM with err set and
 * t unchanged. */
int sg_table_compact(sg_table *t, const uint8_t *keep, sg_error *err);
size_t sg_table_bytes(const sg_table *t);

#endif
