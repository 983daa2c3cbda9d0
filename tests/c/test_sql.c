/* SQL inputs: SQLite results typed from declared types and from values,
 * datetimes in their several storages, parameters, errors naming the
 * source, row and column, read-only queries, and password masking.  (The
 * PostgreSQL reader is tested against a real server by tests/cli/sql.t.sh.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ops_testutil.h"
#include "sql.h"
#include "tap.h"

static char dir[] = "/tmp/sg_test_sql_XXXXXX";
static char dbpath[256], db[300];

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tap_diag("fixture: %s", msg ? msg : "?");
        abort();
    }
}

static void make_db(void)
{
    sqlite3 *h;
    if (!mkdtemp(dir))
        abort();
    snprintf(dbpath, sizeof dbpath, "%s/shop.db", dir);
    snprintf(db, sizeof db, "sqlite:%s", dbpath);
    if (sqlite3_open(dbpath, &h) != SQLITE_OK)
        abort();
    exec(h, "CREATE TABLE tx (inv TEXT, day DATE, ts TIMESTAMP, cust VARCHAR(10), qty INTEGER, price REAL, "
            "paid BOOLEAN, amount NUMERIC, note);"
            "INSERT INTO tx VALUES ('536365', '2011-12-01', '2011-12-01 08:26:00', 'c1', 6, 2.55, 1, 15.3, 'x');"
            "INSERT INTO tx VALUES ('536366', '2011-12-02', '2011-12-02T09:01:30.75Z', 'c2', 2, 1.85, 0, 3.7, 7);"
            "INSERT INTO tx VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
            "CREATE TABLE times (j DATE, u DATETIME, z TIMESTAMP);"
            "INSERT INTO times VALUES (2455896.5, 1322727960, '2011-12-01 10:26:00+02:00');"
            "CREATE TABLE bad (qty INTEGER, flag BOOLEAN, b BLOB);"
            "INSERT INTO bad VALUES (1, 1, NULL);"
            "INSERT INTO bad VALUES ('abc', 2, x'00ff');");
    sqlite3_close(h);
}

static sg_table *q(const char *sql, const sg_sql_options *o, sg_error *err)
{
    sg_error_clear(err);
    return sg_sql_read(db, sql, o, err);
}

static void typed_columns(void)
{
    sg_error err;
    sg_table *t = q("SELECT * FROM tx", NULL, &err);
    tap_ok(t != NULL, "reads a table: %s", t ? "" : err.msg);
    if (!t)
        return;
    tap_is_int((long long)t->nrows, 3, "three rows");
    const char *want[][2] = { { "inv", "string" }, { "day", "datetime" }, { "ts", "datetime" },
                              { "cust", "string" }, { "qty", "int64" }, { "price", "double" },
                              { "paid", "bool" }, { "amount", "double" }, { "note", "string" } };
    for (size_t k = 0; k < 9; k++) {
        sg_column *c = sg_table_col(t, want[k][0]);
        tap_is_str(c ? sg_type_name(c->type) : "(none)", want[k][1], want[k][0]);
    }
    tap_is_str(join_col(t, "day"), "2011-12-01|2011-12-02|NA", "DATE values, printed as dates");
    tap_is_str(join_col(t, "ts"), "2011-12-01 08:26:00|2011-12-02 09:01:30|NA",
               "TIMESTAMP: 'T', fractions dropped, Z");
    tap_is_str(join_col(t, "qty"), "6|2|NA", "INTEGER values");
    tap_is_str(join_col(t, "price"), "2.55|1.85|NA", "REAL values exact");
    tap_is_str(join_col(t, "paid"), "true|false|NA", "BOOLEAN from 0/1");
    tap_is_str(join_col(t, "note"), "x|7|NA", "no declared type, text then a number: text");
    sg_table_free(t);

    t = q("SELECT j, u, z FROM times", NULL, &err);
    tap_ok(t != NULL, "datetimes stored three ways");
    if (t) {
        tap_is_str(join_col(t, "j"), "2011-12-01", "a Julian day number (REAL)");
        tap_is_str(join_col(t, "u"), "2011-12-01 08:26:00", "seconds since 1970 (INTEGER)");
        tap_is_str(join_col(t, "z"), "2011-12-01 08:26:00", "an offset converted to UTC");
        sg_table_free(t);
    }

    /* expressions: types from the values */
    t = q("SELECT qty * price AS amount, count(*) OVER () AS n, CASE WHEN qty > 5 THEN 1 ELSE 0.5 END AS w, "
          "NULL AS blank FROM tx WHERE inv IS NOT NULL",
          NULL, &err);
    tap_ok(t != NULL, "expressions");
    if (t) {
        tap_is_str(sg_type_name(sg_table_col(t, "amount")->type), "double", "a product of reals: double");
        tap_is_str(sg_type_name(sg_table_col(t, "n")->type), "int64", "a count: int64");
        tap_is_str(sg_type_name(sg_table_col(t, "w")->type), "double", "an integer then a real: widened to double");
        tap_is_str(join_col(t, "w"), "1.0|0.5", "the integer kept its value");
        tap_is_str(sg_type_name(sg_table_col(t, "blank")->type), "string", "only NULLs: string");
        tap_is_str(join_col(t, "blank"), "NA|NA", "all missing");
        sg_table_free(t);
    }

    /* overrides, parameters, max_rows */
    sg_sql_type ty[] = { { "day", SG_STRING }, { "qty", SG_DOUBLE } };
    sg_sql_value pv[2];
    memset(pv, 0, sizeof pv);
    pv[0].kind = SG_SQL_TEXT;
    pv[0].s = "c2";
    pv[0].len = 2;
    pv[1].kind = SG_SQL_INT;
    pv[1].i = 1;
    sg_sql_options o;
    sg_sql_options_init(&o);
    o.types = ty;
    o.ntypes = 2;
    o.params = pv;
    o.nparams = 2;
    t = q("SELECT day, qty FROM tx WHERE cust = ?1 AND qty > ?2", &o, &err);
    tap_ok(t && t->nrows == 1, "parameters bound");
    if (t) {
        tap_is_str(sg_type_name(sg_table_col(t, "day")->type), "string", "type override: string");
        tap_is_str(join_col(t, "day"), "2011-12-02", "the text as stored");
        tap_is_str(sg_type_name(sg_table_col(t, "qty")->type), "double", "type override: double");
        sg_table_free(t);
    }
    sg_sql_options_init(&o);
    o.max_rows = 2;
    t = q("SELECT * FROM tx", &o, &err);
    tap_ok(t && t->nrows == 2, "max_rows");
    sg_table_free(t);
    t = q("SELECT * FROM tx WHERE 0", NULL, &err);
    tap_ok(t && t->nrows == 0 && t->ncols == 9, "an empty result keeps its columns");
    if (t) {
        tap_is_str(sg_type_name(sg_table_col(t, "qty")->type), "int64", "and their declared types");
        tap_ok(sg_table_col(t, "day")->date_only && !sg_table_col(t, "ts")->date_only,
               "an empty DATE column prints dates, an empty TIMESTAMP column does not");
    }
    sg_table_free(t);
}

static void expect_error(const char *sql, const sg_sql_options *o, int code, const char *text, const char *name)
{
    sg_error err;
    sg_table *t = q(sql, o, &err);
    tap_ok(!t && err.code == code && strstr(err.msg, text), "%s", name);
    if (t || err.code != code || !strstr(err.msg, text))
        tap_diag("code %d: %s", err.code, err.msg);
    sg_table_free(t);
}

static void errors(void)
{
    char want[400];
    snprintf(want, sizeof want, "%s: row 2, column 'qty' (INTEGER): 'abc' is not an int64", db);
    expect_error("SELECT qty FROM bad", NULL, SG_EDATA, want, "a value that does not convert names row and column");
    expect_error("SELECT flag FROM bad", NULL, SG_EDATA, "column 'flag' (BOOLEAN): '2' is not a bool",
                 "a bool must be 0 or 1");
    expect_error("SELECT b FROM bad", NULL, SG_EDATA, "row 2, column 'b': binary data (BLOB) cannot be read",
                 "BLOBs are refused");
    snprintf(want, sizeof want, "%s: no such table: nope", db);
    expect_error("SELECT * FROM nope", NULL, SG_EDATA, want, "SQLite's message for bad SQL");
    expect_error("SELEC 1", NULL, SG_EDATA, "syntax error", "a syntax error");
    expect_error("DELETE FROM tx", NULL, SG_EDATA, "only reading is allowed", "writes are refused");
    expect_error("SELECT 1; DELETE FROM tx", NULL, SG_EDATA, "more than one statement", "one statement only");
    expect_error("SELECT qty AS a, price AS a FROM tx", NULL, SG_EDATA, "two columns named 'a'", "duplicate names");
    expect_error("SELECT * FROM tx WHERE cust = ?", NULL, SG_EINVAL, "the query has 1 parameter, 'params' gives 0",
                 "parameter count");
    sg_error err;
    sg_error_clear(&err);
    tap_ok(!sg_sql_read("sqlite:/nonexistent/x.db", "SELECT 1", NULL, &err) && err.code == SG_EIO &&
               strstr(err.msg, "sqlite:/nonexistent/x.db: cannot open: No such file or directory"),
           "a missing file is not created: %s", err.msg);
    char notdb[300], src[320];
    snprintf(notdb, sizeof notdb, "%s/notes.txt", dir);
    FILE *f = fopen(notdb, "w");
    fputs("this is not a database, just some text that is long enough to hold a header\n", f);
    fclose(f);
    snprintf(src, sizeof src, "sqlite:%s", notdb);
    sg_error_clear(&err);
    tap_ok(!sg_sql_read(src, "SELECT 1 FROM x", NULL, &err) && err.code == SG_EDATA &&
               strstr(err.msg, "file is not a database"),
           "a text file: %s", err.msg);
    sg_error_clear(&err);
    tap_ok(!sg_sql_read("shop.db", "SELECT 1", NULL, &err) && err.code == SG_EINVAL &&
               strstr(err.msg, "neither \"sqlite:PATH\" nor a PostgreSQL connection string"),
           "db text of no known kind");
    sg_error_clear(&err);
    tap_ok(!sg_sql_read("sqlite:", "SELECT 1", NULL, &err) && err.code == SG_EINVAL, "sqlite: without a file");
}

static void masking(void)
{
    char buf[256];
    const char *cases[][2] = {
        { "host=db.example.com dbname=shop user=bob password=s3cret", "host=db.example.com dbname=shop user=bob password=****" },
        { "password = 'with space and \\' quote' user=bob", "password = **** user=bob" },
        { "postgresql://bob:s3cret@db:5432/shop?sslmode=require", "postgresql://bob:****@db:5432/shop?sslmode=require" },
        { "postgres://bob@db/shop?password=s3cret&sslpassword=k3y", "postgres://bob@db/shop?password=****&sslpassword=****" },
        { "postgresql://db/shop", "postgresql://db/shop" },
        { "host=db passwrd", "host=db ****" },
        { "host=db password='unterminated", "host=db password=****" },
        { "sqlite:/data/shop.db", "sqlite:/data/shop.db" },
        { "mysql://root:hunter2@db/x", "mysql://root:****@db/x" },
        { "data/transactions.csv", "data/transactions.csv" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sg_sql_mask(cases[k][0], buf, sizeof buf);
        tap_is_str(buf, cases[k][1], "mask");
    }
    size_t n = sg_sql_mask("host=a password=b", buf, 8);
    tap_ok(n == strlen("host=a password=****") && strlen(buf) == 7, "truncated into a small buffer, full length returned");

    char msg[200] = "FATAL: password authentication failed; got s3cr3t-pw and s3cr3t-pw";
    sg_sql_scrub(msg, sizeof msg, "host=db password=s3cr3t-pw");
    tap_is_str(msg, "FATAL: password authentication failed; got **** and ****", "scrub removes every occurrence");
    char msg2[200] = "bad: p@ss word";
    sg_sql_scrub(msg2, sizeof msg2, "postgresql://bob:p%40ss%20word@h/db");
    tap_is_str(msg2, "bad: ****", "scrub also removes the percent-decoded form");
    char msg3[200] = "missing \"=\" after \"it's\" in connection info string";
    sg_sql_scrub(msg3, sizeof msg3, "password='it\\'s'");
    tap_is_str(msg3, "missing \"=\" after \"****\" in connection info string", "and the unescaped form");
}

int main(void)
{
    make_db();
    typed_columns();
    errors();
    masking();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
