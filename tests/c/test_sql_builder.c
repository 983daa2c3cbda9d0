/* The SQL column builder (sql.c) on its own, as SQLite and PostgreSQL
 * results drive it: each value kind into each column type, the widening of
 * columns without a declared type, datetime text with time zones and
 * fractions, the messages naming row and column, the dispatch's
 * refusals, and allocation failures. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nomem_testutil.h"
#include "sql_internal.h"
#include "table.h"
#include "tap.h"

static char text[64];

/* value i of column j as text ("NA" when missing) */
static const char *val(const sg_table *t, size_t j, size_t i)
{
    const sg_column *c = t->cols[j];
    if (sg_column_is_na(c, i))
        return "NA";
    sg_column_format(c, i, text, sizeof text);
    return text;
}

static void test_conversions(void)
{
    sg_sql_builder b;
    sg_error err;
    /* declared: int64, double, bool, datetime, text; then undeclared a, b, c, d */
    sg_sql_builder_init(&b, "sqlite:t.db", 9, &err);
    sg_sql_builder_column(&b, 0, "i", "INTEGER", 1, SG_INT64, NULL, &err);
    sg_sql_builder_column(&b, 1, "d", "REAL", 1, SG_DOUBLE, NULL, &err);
    sg_sql_builder_column(&b, 2, "flag", "BOOLEAN", 1, SG_BOOL, NULL, &err);
    sg_sql_builder_column(&b, 3, "at", "DATE", 1, SG_DATETIME, NULL, &err);
    sg_sql_builder_column(&b, 4, "s", "TEXT", 1, SG_STRING, NULL, &err);
    sg_sql_builder_column(&b, 5, "a", NULL, 0, SG_STRING, NULL, &err);
    sg_sql_builder_column(&b, 6, "b", NULL, 0, SG_STRING, NULL, &err);
    sg_sql_builder_column(&b, 7, "c", "", 0, SG_STRING, NULL, &err);
    sg_sql_builder_column(&b, 8, "e", NULL, 0, SG_STRING, NULL, &err);
    tap_is_int(sg_sql_builder_column(&b, 8, "i", NULL, 0, SG_STRING, NULL, &err), SG_EDATA, "a repeated name refused");
    tap_is_str(err.msg, "sqlite:t.db: the query's result has two columns named 'i' (rename one with AS)",
               "a repeated name: message");
    sg_error_clear(&err);
    /* row 1 */
    int rc = sg_sql_push_double(&b, 0, 3.0, 0, &err) | sg_sql_push_int(&b, 1, 2, &err) |
             sg_sql_push_double(&b, 2, 1, 0, &err) | sg_sql_push_double(&b, 3, 2440588.5, 1, &err) |
             sg_sql_push_double(&b, 4, 0.25, 0, &err) | sg_sql_push_int(&b, 5, 7, &err) |
             sg_sql_push_int(&b, 6, 7, &err) | sg_sql_push_null(&b, 7, &err) | sg_sql_push_null(&b, 8, &err);
    sg_sql_row_done(&b);
    /* row 2 */
    rc |= sg_sql_push_text(&b, 0, "-12", 3, &err) | sg_sql_push_text(&b, 1, "NaN", 3, &err) |
          sg_sql_push_text(&b, 2, " No ", 4, &err) | sg_sql_push_text(&b, 3, "2024-01-02 03:04:05+01", 22, &err) |
          sg_sql_push_int(&b, 4, -5, &err) | sg_sql_push_double(&b, 5, 2.5, 0, &err) |
          sg_sql_push_text(&b, 6, "x7", 2, &err) | sg_sql_push_double(&b, 7, 1.5, 0, &err) |
          sg_sql_push_text(&b, 8, "f", 1, &err);
    sg_sql_row_done(&b);
    /* row 3 */
    rc |= sg_sql_push_null(&b, 0, &err) | sg_sql_push_double(&b, 1, NAN, 0, &err) |
          sg_sql_push_text(&b, 2, "TRUE", 4, &err) | sg_sql_push_text(&b, 3, "2024-01-02T03:04:05.25-0130", 27, &err) |
          sg_sql_push_null(&b, 4, &err) | sg_sql_push_null(&b, 5, &err) | sg_sql_push_null(&b, 6, &err) |
          sg_sql_push_text(&b, 7, "2", 1, &err) | sg_sql_push_text(&b, 8, "yes", 3, &err);
    sg_sql_row_done(&b);
    tap_is_int(rc, 0, "three rows pushed");
    sg_table *t = sg_sql_builder_finish(&b, &err);
    sg_sql_builder_free(&b);
    tap_ok(t && t->nrows == 3 && t->ncols == 9, "a 3-row, 9-column table");
    if (!t)
        return;
    char got[9][100];
    for (size_t j = 0; j < 9; j++) {
        snprintf(got[j], sizeof got[j], "%s", sg_type_name(t->cols[j]->type));
        for (size_t i = 0; i < 3; i++) {
            size_t used = strlen(got[j]);
            snprintf(got[j] + used, sizeof got[j] - used, "%s%s", i ? "|" : " ", val(t, j, i));
        }
    }
    tap_is_str(got[0], "int64 3|-12|NA", "int64: a whole double, integer text, null");
    tap_is_str(got[1], "double 2.0|NA|NA", "double: an integer, 'NaN' text and NaN are missing");
    tap_is_str(got[2], "bool true|false|true", "bool: 1.0, ' No ', 'TRUE'");
    tap_is_str(got[3], "datetime 1970-01-02 00:00:00|2024-01-02 02:04:05|2024-01-02 04:34:05",
               "datetime: a Julian day, +01 and -0130 zones, a fraction dropped");
    tap_is_str(got[4], "string 0.25|-5|NA", "text: numbers written as text");
    tap_is_str(got[5], "double 7.0|2.5|NA", "undeclared: int then double widens to double");
    tap_is_str(got[6], "string 7|x7|NA", "undeclared: int then text widens to text");
    tap_is_str(got[7], "double NA|1.5|2.0", "undeclared: nulls first, then a double, then number text");
    tap_is_str(got[8], "string NA|f|yes", "undeclared: text stays text");
    sg_table_free(t);
}

/* one value into a fresh declared column: the error message, or "" */
static const char *refused(sg_type type, const char *decl, int kind, double d, const char *s)
{
    static char msg[sizeof ((sg_error *)0)->msg];
    sg_sql_builder b;
    sg_error err;
    sg_error_clear(&err);
    sg_sql_builder_init(&b, "postgresql 'host=db'", 2, &err);
    sg_sql_builder_column(&b, 0, "ok", "text", 1, SG_STRING, NULL, &err);
    sg_sql_builder_column(&b, 1, "v", decl, 1, type, NULL, &err);
    sg_sql_push_text(&b, 0, "x", 1, &err);
    sg_sql_row_done(&b);
    sg_sql_push_text(&b, 0, "y", 1, &err);
    if (kind == 'i')
        sg_sql_push_int(&b, 1, (int64_t)d, &err);
    else if (kind == 'd')
        sg_sql_push_double(&b, 1, d, 0, &err);
    else
        sg_sql_push_text(&b, 1, s, strlen(s), &err);
    snprintf(msg, sizeof msg, "%s", err.msg);
    sg_sql_builder_free(&b);
    return msg;
}

static void test_refusals(void)
{
    const char *pre = "postgresql 'host=db': row 2, column 'v' ";
    char want[300];
    struct { sg_type type; const char *decl; int kind; double d; const char *s; const char *tail; } cases[] = {
        { SG_BOOL, "boolean", 'i', 2, NULL, "(boolean): '2' is not a bool" },
        { SG_BOOL, "boolean", 'd', 0.5, NULL, "(boolean): '0.5' is not a bool" },
        { SG_BOOL, "boolean", 's', 0, "maybe", "(boolean): 'maybe' is not a bool" },
        { SG_INT64, "bigint", 'd', 1.5, NULL, "(bigint): '1.5' is not an int64" },
        { SG_INT64, "bigint", 'd', 1e19, NULL, "(bigint): '1e+19' is not an int64" },
        { SG_INT64, "bigint", 's', 0, "12a", "(bigint): '12a' is not an int64" },
        { SG_DOUBLE, "double precision", 'd', INFINITY, NULL, "(double precision): 'Inf' is not a double" },
        { SG_DOUBLE, "double precision", 's', 0, "1,5", "(double precision): '1,5' is not a double" },
        { SG_DATETIME, "timestamp", 'd', 1e20, NULL, "(timestamp): '1e+20' is not a datetime" },
        { SG_DATETIME, "timestamp", 's', 0, "2024-01-02 03:04:05+1", "(timestamp): '2024-01-02 03:04:05+1' is not a datetime" },
        { SG_DATETIME, "timestamp", 's', 0, "2024-01-02 03:04:05.2x", "(timestamp): '2024-01-02 03:04:05.2x' is not a datetime" },
        { SG_DATETIME, "timestamp", 's', 0, "2024-1-2", "(timestamp): '2024-1-2' is not a datetime" },
        { SG_DATETIME, "timestamp", 's', 0, "2024-13-02", "(timestamp): '2024-13-02' is not a datetime" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(want, sizeof want, "%s%s", pre, cases[k].tail);
        char name[120];
        snprintf(name, sizeof name, "refused: %s", cases[k].tail);
        tap_is_str(refused(cases[k].type, cases[k].decl, cases[k].kind, cases[k].d, cases[k].s), want, name);
    }
    int64_t t;
    tap_ok(sg_sql_parse_datetime("  2024-01-02 03:04:05Z \t", 24, &t) == 0 && t == 1704164645,
           "datetime text: blanks around and a Z");
    tap_ok(sg_sql_parse_datetime("2024-01-02 03:04:05 +05:30", 26, &t) == 0 && t == 1704164645 - 19800,
           "datetime text: a +05:30 zone after a blank");
}

static void test_dispatch(void)
{
    sg_error err;
    tap_ok(!sg_sql_read(NULL, "SELECT 1", NULL, &err), "no db refused");
    tap_is_str(err.msg, "read_sql: 'db' is required (\"sqlite:PATH\" or a PostgreSQL connection string)", "no db: message");
    tap_ok(!sg_sql_read("sqlite:x.db", "", NULL, &err), "an empty query refused");
    tap_is_str(err.msg, "read_sql: 'query' is required", "an empty query: message");
    sg_sql_value p[2] = { { SG_SQL_INT, 1, 0, NULL, 0 }, { SG_SQL_TEXT, 0, 0, NULL, 0 } };
    sg_sql_options o;
    sg_sql_options_init(&o);
    o.params = p;
    o.nparams = 2;
    tap_ok(!sg_sql_read("sqlite:x.db", "SELECT ?, ?", &o, &err), "a text parameter without text refused");
    tap_is_str(err.msg, "read_sql: parameter 2 has no text", "a text parameter without text: message");
    tap_ok(!sg_sql_read("mysql://root:hunter2@db/x", "SELECT 1", NULL, NULL), "no error record needed");
    tap_ok(!sg_sql_read("mysql://root:hunter2@db/x", "SELECT 1", NULL, &err) &&
               strstr(err.msg, "read_sql: db 'mysql://root:****@db/x' is neither"),
           "an unknown URL is refused with its password masked");
}

static void *call_builder(void *ud, sg_error *err)
{
    (void)ud;
    sg_sql_builder b;
    if (sg_sql_builder_init(&b, "sqlite:t.db", 3, err))
        return NULL;
    sg_sql_type over = { "n", SG_DOUBLE };
    sg_sql_options o;
    sg_sql_options_init(&o);
    o.types = &over;
    o.ntypes = 1;
    sg_table *t = NULL;
    if (sg_sql_builder_column(&b, 0, "n", "INTEGER", 1, SG_INT64, &o, err) ||
        sg_sql_builder_column(&b, 1, "s", NULL, 0, SG_STRING, &o, err) ||
        sg_sql_builder_column(&b, 2, "late", NULL, 0, SG_STRING, &o, err))
        goto done;
    for (int r = 0; r < 40; r++) {
        char s[16];
        int n = snprintf(s, sizeof s, "name %d", r % 7);
        if (sg_sql_push_int(&b, 0, r, err) ||
            (r == 3 ? sg_sql_push_null(&b, 1, err) : sg_sql_push_text(&b, 1, s, (size_t)n, err)) ||
            (r < 30 ? sg_sql_push_null(&b, 2, err) : r < 35 ? sg_sql_push_int(&b, 2, r, err)
                                                            : sg_sql_push_text(&b, 2, s, (size_t)n, err)))
            goto done;
        sg_sql_row_done(&b);
    }
    t = sg_sql_builder_finish(&b, err);
done:
    sg_sql_builder_free(&b);
    return t;
}

static void free_table(void *t)
{
    sg_table_free(t);
}

int main(void)
{
    size_t before = sg_mem_used();
    test_conversions();
    test_refusals();
    test_dispatch();
    sg_error err;
    sg_table *t = call_builder(NULL, &err);
    tap_ok(t && t->cols[0]->type == SG_DOUBLE && t->cols[2]->type == SG_STRING &&
               strcmp(val(t, 2, 29), "NA") == 0 && strcmp(val(t, 2, 30), "30") == 0 &&
               strcmp(val(t, 2, 39), "name 4") == 0,
           "40 rows: the type override, a late column widened to text");
    sg_table_free(t);
    nomem_sweep(call_builder, free_table, NULL, 8, 1 << 16, "a 40-row result");
    tap_ok(sg_mem_used() == before, "nothing left allocated");
    return tap_done();
}
