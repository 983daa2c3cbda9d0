/* Helpers for the ops unit tests (test_stats, test_sort, test_groupby,
 * test_join, test_csvwrite): build small columns from text. */
#ifndef SG_OPS_TESTUTIL_H
#define SG_OPS_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "mem.h"
#include "table.h"

/* A column of type `type` from n texts; NULL is a missing value.  Datetimes
 * are ISO text; the column is date_only when no text has a time. */
static inline sg_column *mkcol(const char *name, sg_type type, const char *const *v, size_t n)
{
    sg_column *c = sg_column_new(name, type, n);
    if (!c)
        abort();
    int any_time = 0;
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (!v[i]) {
            rc = sg_column_push_na(c);
        } else {
            switch (type) {
            case SG_INT64: rc = sg_column_push_i64(c, strtoll(v[i], NULL, 10)); break;
            case SG_DOUBLE: rc = sg_column_push_f64(c, strtod(v[i], NULL)); break;
            case SG_STRING: rc = sg_column_push_str(c, v[i], strlen(v[i])); break;
            case SG_BOOL: rc = sg_column_push_bool(c, strcmp(v[i], "true") == 0); break;
            case SG_DATETIME: {
                int64_t t;
                int ht = 0;
                if (sg_datetime_parse(v[i], strlen(v[i]), SG_DATE_ISO, &t, &ht) != 0)
                    abort();
                any_time |= ht;
                rc = sg_column_push_i64(c, t);
                break;
            }
            default: rc = 1; break;
            }
        }
        if (rc)
            abort();
    }
    if (type == SG_DATETIME)
        c->date_only = !any_time;
    return c;
}

#define MKCOL(name, type, ...) \
    mkcol(name, type, (const char *const[]){ __VA_ARGS__ }, \
          sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static inline void add_col(sg_table *t, sg_column *c)
{
    if (sg_table_add(t, c, NULL) != 0)
        abort();
}

/* Value i of c as text ("NA" when missing), in a rotating static buffer. */
static inline const char *cell(const sg_column *c, size_t i)
{
    static char bufs[8][128];
    static int k;
    char *b = bufs[k++ & 7];
    if (!c || i >= c->n)
        return "(none)";
    if (sg_column_is_na(c, i))
        return "NA";
    sg_column_format(c, i, b, 128);
    return b;
}

/* Column col of t joined as "v1|v2|...". */
static inline const char *join_col(const sg_table *t, const char *col)
{
    static char buf[4096];
    sg_column *c = sg_table_col(t, col);
    buf[0] = '\0';
    if (!c)
        return "(no column)";
    size_t len = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *s = cell(c, i);
        size_t sl = strlen(s);
        if (len + sl + 2 >= sizeof buf)
            break;
        if (i)
            buf[len++] = '|';
        memcpy(buf + len, s, sl);
        len += sl;
        buf[len] = '\0';
    }
    return buf;
}

/* Runs op under a growing memory limit until it succeeds: every failed
 * attempt must report SG_ENOMEM and give back all it allocated.  Returns
 * the number of failed attempts, or -1 on a leak or a wrong error. */
typedef sg_table *(*oom_op)(void *ud, sg_error *err);

static inline int oom_sweep(oom_op op, void *ud, size_t step)
{
    size_t base = sg_mem_used();
    int fails = 0;
    for (size_t extra = 0;; extra += step) {
        sg_error err;
        err.code = 0;
        sg_mem_set_limit(base + extra);
        sg_table *r = op(ud, &err);
        sg_mem_set_limit(0);
        if (r) {
            sg_table_free(r);
            return sg_mem_used() == base ? fails : -1;
        }
        if (err.code != SG_ENOMEM || sg_mem_used() != base)
            return -1;
        fails++;
    }
}

#endif
