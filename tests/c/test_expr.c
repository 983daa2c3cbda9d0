/* The expression language: parsing, type errors, every operator and
 * function on a hand-built table, missing values, three-valued logic,
 * filter / derive, chunk boundaries, nesting limits, threaded evaluation
 * against one thread, and a parser fuzz. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "expr_impl.h"
#include "mem.h"
#include "expr.h"
#include "tap.h"

#define NA_I INT64_MIN

static int64_t dt(const char *s)
{
    int64_t t = 0;
    int ht;
    if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &t, &ht) != 0)
        tap_diag("bad test date %s", s);
    return t;
}

/* The fixture (5 rows):
 *   Quantity  UnitPrice  Description      InvoiceDate          Country         Flag   Customer ID
 *   6         2.5        WHITE HANGING    2010-12-01 08:26:00  United Kingdom  true   17850
 *   -2        3.25       Cream cupid      2011-12-09 12:50:00  France          false  12583
 *   10        NA         NA               2011-06-15 00:00:00  France          NA     NA
 *   NA        1.5        white metal      NA                   Germany         true   17850
 *   3         0          WHITE HANGING    2011-12-09 00:00:00  NA              false  13047 */
static sg_table *fixture(void)
{
    static const int64_t q[] = { 6, -2, 10, NA_I, 3 };
    static const double up[] = { 2.5, 3.25, NAN, 1.5, 0 };
    static const char *desc[] = { "WHITE HANGING", "Cream cupid", NULL, "white metal", "WHITE HANGING" };
    static const char *dates[] = { "2010-12-01 08:26:00", "2011-12-09 12:50:00", "2011-06-15 00:00:00",
                                   NULL, "2011-12-09 00:00:00" };
    static const char *country[] = { "United Kingdom", "France", "France", "Germany", NULL };
    static const int flag[] = { 1, 0, -1, 1, 0 };
    static const char *cid[] = { "17850", "12583", NULL, "17850", "13047" };
    sg_column *c[7] = {
        sg_column_new("Quantity", SG_INT64, 0), sg_column_new("UnitPrice", SG_DOUBLE, 0),
        sg_column_new("Description", SG_STRING, 0), sg_column_new("InvoiceDate", SG_DATETIME, 0),
        sg_column_new("Country", SG_STRING, 0), sg_column_new("Flag", SG_BOOL, 0),
        sg_column_new("Customer ID", SG_STRING, 0),
    };
    for (int i = 0; i < 5; i++) {
        q[i] == NA_I ? sg_column_push_na(c[0]) : sg_column_push_i64(c[0], q[i]);
        isnan(up[i]) ? sg_column_push_na(c[1]) : sg_column_push_f64(c[1], up[i]);
        desc[i] ? sg_column_push_str(c[2], desc[i], strlen(desc[i])) : sg_column_push_na(c[2]);
        dates[i] ? sg_column_push_i64(c[3], dt(dates[i])) : sg_column_push_na(c[3]);
        country[i] ? sg_column_push_str(c[4], country[i], strlen(country[i])) : sg_column_push_na(c[4]);
        flag[i] < 0 ? sg_column_push_na(c[5]) : sg_column_push_bool(c[5], flag[i]);
        cid[i] ? sg_column_push_str(c[6], cid[i], strlen(cid[i])) : sg_column_push_na(c[6]);
    }
    sg_table *t = sg_table_new();
    for (int k = 0; k < 7; k++)
        sg_table_add(t, c[k], NULL);
    return t;
}

/* "v1,v2,..." with NA for missing values. */
static const char *fmt(const sg_column *c)
{
    static char out[4096];
    char buf[256];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        if (sg_column_is_na(c, i))
            snprintf(buf, sizeof buf, "NA");
        else if (c->type == SG_DOUBLE) {   /* shortest text that reads back */
            double v = sg_column_f64(c)[i];
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(buf, sizeof buf, "%.*g", prec, v);
                if (strtod(buf, NULL) == v)
                    break;
            }
        } else
            sg_column_format(c, i, buf, sizeof buf);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? "," : "", buf);
    }
    return out;
}

static sg_column *ev(const sg_table *t, const char *src)
{
    sg_error err;
    sg_error_clear(&err);
    sg_expr *e = sg_expr_parse(src, t, &err);
    if (!e) {
        tap_diag("parse of \"%s\" failed: %s", src, err.msg);
        return NULL;
    }
    sg_column *c = sg_expr_eval(e, t, "out", &err);
    if (!c)
        tap_diag("eval of \"%s\" failed: %s", src, err.msg);
    sg_expr_free(e);
    return c;
}

/* Evaluates src and checks the result type and every value. */
static void is(const sg_table *t, const char *src, const char *type, const char *want)
{
    sg_column *c = ev(t, src);
    if (!c) {
        tap_ok(0, "%s", src);
        return;
    }
    char name[300];
    snprintf(name, sizeof name, "%s -> %s", src, type);
    tap_is_str(sg_type_name(c->type), type, name);
    tap_is_str(fmt(c), want, src);
    sg_column_release(c);
}

/* Checks one double result (with tolerance) or that it is missing (want NaN). */
static void is_num(const sg_table *t, const char *src, size_t row, double want)
{
    char name[300];
    sg_column *c = ev(t, src);
    snprintf(name, sizeof name, "%s [row %zu]", src, row);
    if (!c) {
        tap_ok(0, "%s", name);
        return;
    }
    if (isnan(want))
        tap_ok(sg_column_is_na(c, row), "%s is missing", name);
    else
        tap_is_double(sg_column_num(c, row), want, 1e-9, name);
    sg_column_release(c);
}

/* Parsing must fail with SG_EINVAL and a message holding each needle. */
static void is_err(const sg_table *t, const char *src, const char *n1, const char *n2)
{
    sg_error err;
    sg_error_clear(&err);
    sg_expr *e = sg_expr_parse(src, t, &err);
    int ok = !e && err.code == SG_EINVAL && strstr(err.msg, n1) && (!n2 || strstr(err.msg, n2));
    tap_ok(ok, "error for \"%.60s\" mentions '%s'%s%s", src, n1, n2 ? " and " : "", n2 ? n2 : "");
    if (!ok)
        tap_diag("got: %s", e ? "(parsed)" : err.msg);
    sg_expr_free(e);
}

static void test_arithmetic(const sg_table *t)
{
    is(t, "Quantity * 2", "int64", "12,-4,20,NA,6");
    is(t, "Quantity + 1", "int64", "7,-1,11,NA,4");
    is(t, "Quantity - 10", "int64", "-4,-12,0,NA,-7");
    is(t, "Quantity % 4", "int64", "2,2,2,NA,3");
    is(t, "Quantity % -4", "int64", "-2,-2,-2,NA,-1");
    is(t, "Quantity % 0", "int64", "NA,NA,NA,NA,NA");
    is(t, "Quantity / 4", "double", "1.5,-0.5,2.5,NA,0.75");
    is(t, "Quantity / 0", "double", "NA,NA,NA,NA,NA");
    is(t, "Quantity * UnitPrice", "double", "15,-6.5,NA,NA,0");
    is(t, "UnitPrice / UnitPrice", "double", "1,1,NA,1,NA");
    is(t, "UnitPrice % 1", "double", "0.5,0.25,NA,0.5,0");
    is(t, "-Quantity", "int64", "-6,2,-10,NA,-3");
    is(t, "- -Quantity", "int64", "6,-2,10,NA,3");
    is(t, "-UnitPrice", "double", "-2.5,-3.25,NA,-1.5,0");
    is(t, "UnitPrice * -2", "double", "-5,-6.5,NA,-3,0");
    is(t, "Flag + 1", "int64", "2,1,NA,2,1");
    is(t, "Quantity * 2 + 1 - 3 * 2", "int64", "7,-9,15,NA,1");
    is(t, "(Quantity + 1) * 2", "int64", "14,-2,22,NA,8");
    is(t, "10 - 4 - 3", "int64", "3,3,3,3,3");
    is(t, "7 % 3 * 2", "int64", "2,2,2,2,2");
    is(t, "2 - -3", "int64", "5,5,5,5,5");
    is(t, "1 / 4 + .5", "double", "0.75,0.75,0.75,0.75,0.75");
    is(t, "2e3 + 1", "double", "2001,2001,2001,2001,2001");
    is(t, "9223372036854775807 + 1", "int64",
       "-9223372036854775808,-9223372036854775808,-9223372036854775808,-9223372036854775808,-9223372036854775808");
    is(t, "99999999999999999999 > 1", "bool", "true,true,true,true,true");
}

static void test_comparisons(const sg_table *t)
{
    is(t, "Quantity > 3", "bool", "true,false,true,NA,false");
    is(t, "Quantity == 10", "bool", "false,false,true,NA,false");
    is(t, "Quantity = 10", "bool", "false,false,true,NA,false");
    is(t, "Quantity != 10", "bool", "true,true,false,NA,true");
    is(t, "Quantity ~= 10", "bool", "true,true,false,NA,true");
    is(t, "Quantity <= 3", "bool", "false,true,false,NA,true");
    is(t, "UnitPrice >= 1.5", "bool", "true,true,NA,true,false");
    is(t, "Quantity < UnitPrice", "bool", "false,true,NA,NA,false");
    is(t, "Flag == true", "bool", "true,false,NA,true,false");
    is(t, "Description == 'WHITE HANGING'", "bool", "true,false,NA,false,true");
    is(t, "\"WHITE HANGING\" == Description", "bool", "true,false,NA,false,true");
    is(t, "Description == 'not in the dictionary'", "bool", "false,false,NA,false,false");
    is(t, "Description != 'not in the dictionary'", "bool", "true,true,NA,true,true");
    is(t, "Description < 'D'", "bool", "false,true,NA,false,false");
    is(t, "'D' > Description", "bool", "false,true,NA,false,false");
    is(t, "Description >= 'WHITE'", "bool", "true,false,NA,true,true");
    is(t, "Description == Country", "bool", "false,false,NA,false,NA");
    is(t, "Description == Description", "bool", "true,true,NA,true,true");
    is(t, "Description > Country", "bool", "true,false,NA,true,NA");
    is(t, "`Customer ID` == 17850", "bool", "true,false,NA,true,false");
    is(t, "InvoiceDate >= '2011-12-09'", "bool", "false,true,false,NA,true");
    is(t, "InvoiceDate < date('2011-12-09')", "bool", "true,false,true,NA,false");
    is(t, "InvoiceDate == '2011-12-09 00:00:00'", "bool", "false,false,false,NA,true");
    is(t, "InvoiceDate > '15/06/2011'", "bool", "false,true,false,NA,true");
}

static void test_logic(const sg_table *t)
{
    is(t, "Flag and Quantity > 5", "bool", "true,false,NA,NA,false");
    is(t, "Flag or Quantity > 5", "bool", "true,false,true,true,false");
    is(t, "Flag and Quantity > 100", "bool", "false,false,false,NA,false");
    is(t, "Flag or Quantity > 100", "bool", "true,false,NA,true,false");
    is(t, "not Flag", "bool", "false,true,NA,false,true");
    is(t, "!Flag && Quantity > 0 || Quantity == 10", "bool", "false,false,true,NA,true");
    is(t, "not Quantity > 5", "bool", "false,true,false,NA,true");
    is(t, "NOT (Quantity > 5 OR Flag)", "bool", "false,true,false,false,true");
    is(t, "true and false or true", "bool", "true,true,true,true,true");
    is(t, "false or true and false", "bool", "false,false,false,false,false");
}

static void test_in(const sg_table *t)
{
    is(t, "Country in ('France', 'Germany')", "bool", "false,true,true,true,NA");
    is(t, "Country not in ('France', 'Germany')", "bool", "true,false,false,false,NA");
    is(t, "Country in ('Nowhere')", "bool", "false,false,false,false,NA");
    is(t, "Country in ()", "bool", "false,false,false,false,NA");
    is(t, "Quantity in (3, 6, -2)", "bool", "true,true,false,NA,true");
    is(t, "Quantity in (2.5, 10)", "bool", "false,false,true,NA,false");
    is(t, "UnitPrice in (2.5, 0)", "bool", "true,false,NA,false,true");
    is(t, "`Customer ID` in (17850, 99999)", "bool", "true,false,NA,true,false");
    is(t, "InvoiceDate in ('2011-12-09', date('2010-12-01'))", "bool", "false,false,false,NA,true");
    is(t, "Quantity in (6) and Country in ('United Kingdom')", "bool", "true,false,false,false,false");
    is(t, "Quantity in (6) or Country in ('United Kingdom')", "bool", "true,false,false,NA,NA");
}

static void test_functions(const sg_table *t)
{
    is(t, "is_missing(UnitPrice)", "bool", "false,false,true,false,false");
    is(t, "is_missing(Description) or is_missing(Country)", "bool", "false,false,true,false,true");
    is(t, "coalesce(UnitPrice, 0)", "double", "2.5,3.25,0,1.5,0");
    is(t, "coalesce(Quantity, 0)", "int64", "6,-2,10,0,3");
    is(t, "coalesce(Quantity, UnitPrice)", "double", "6,-2,10,1.5,3");
    is(t, "coalesce(Country, 'Unknown')", "string", "United Kingdom,France,France,Germany,Unknown");
    is(t, "coalesce(Country, Description)", "string", "United Kingdom,France,France,Germany,WHITE HANGING");
    is(t, "coalesce(Description, Description)", "string", "WHITE HANGING,Cream cupid,NA,white metal,WHITE HANGING");
    is(t, "if(Quantity > 5, 'big', 'small')", "string", "big,small,big,NA,small");
    is(t, "if(Flag, Quantity, 0)", "int64", "6,0,NA,NA,0");
    is(t, "if(Flag, Description, Country)", "string", "WHITE HANGING,France,NA,white metal,NA");
    is(t, "if(Flag, InvoiceDate, '2000-01-01')", "datetime",
       "2010-12-01 08:26:00,2000-01-01 00:00:00,NA,NA,2000-01-01 00:00:00");
    is(t, "abs(Quantity)", "int64", "6,2,10,NA,3");
    is(t, "abs(-2.5) + abs(Flag)", "double", "3.5,2.5,NA,3.5,2.5");
    is(t, "floor(UnitPrice)", "double", "2,3,NA,1,0");
    is(t, "ceil(UnitPrice)", "double", "3,4,NA,2,0");
    is(t, "floor(Quantity)", "int64", "6,-2,10,NA,3");
    is_num(t, "sqrt(Quantity)", 0, sqrt(6.0));
    is_num(t, "sqrt(Quantity)", 1, NAN);
    is_num(t, "log(Quantity)", 2, log(10.0));
    is_num(t, "log(Quantity)", 1, NAN);
    is_num(t, "log(UnitPrice)", 4, NAN);
    is_num(t, "log1p(UnitPrice)", 4, 0.0);
    is_num(t, "log1p(-1)", 0, NAN);
    is_num(t, "exp(Quantity - Quantity)", 0, 1.0);
    is_num(t, "exp(1000)", 0, NAN);
    is(t, "pow(2, 10)", "double", "1024,1024,1024,1024,1024");
    is_num(t, "pow(-8, 0.5)", 0, NAN);
    is(t, "round(2.675, 2)", "double", "2.68,2.68,2.68,2.68,2.68");
    is(t, "round(1.005, 2)", "double", "1.01,1.01,1.01,1.01,1.01");
    is(t, "round(-2.5)", "double", "-3,-3,-3,-3,-3");
    is(t, "round(2.5) + round(2.4)", "double", "5,5,5,5,5");
    is(t, "round(UnitPrice * 1.1, 1)", "double", "2.8,3.6,NA,1.7,0");
    is(t, "round(1234, -2)", "int64", "1200,1200,1200,1200,1200");
    is(t, "round(1250, -2) + round(-1250, -2)", "int64", "0,0,0,0,0");
    is(t, "round(1250, -2)", "int64", "1300,1300,1300,1300,1300");
    is(t, "round(Quantity)", "int64", "6,-2,10,NA,3");
    is(t, "round(1234.5, -2)", "double", "1200,1200,1200,1200,1200");
    is(t, "min(Quantity, 5)", "int64", "5,-2,5,NA,3");
    is(t, "max(Quantity, UnitPrice)", "double", "6,3.25,NA,NA,3");
    is(t, "max(InvoiceDate, '2011-01-01')", "datetime",
       "2011-01-01 00:00:00,2011-12-09 12:50:00,2011-06-15 00:00:00,NA,2011-12-09 00:00:00");
    is(t, "starts_with(Description, 'WHITE')", "bool", "true,false,NA,false,true");
    is(t, "ends_with(Description, 'cupid')", "bool", "false,true,NA,false,false");
    is(t, "contains(Description, 'HANG')", "bool", "true,false,NA,false,true");
    is(t, "contains(Description, '')", "bool", "true,true,NA,true,true");
    is(t, "contains(Description, Country)", "bool", "false,false,NA,false,NA");
    is(t, "starts_with(`Customer ID`, 178)", "bool", "true,false,NA,true,false");
    is(t, "lower(Description)", "string", "white hanging,cream cupid,NA,white metal,white hanging");
    is(t, "upper(Description) == 'WHITE METAL'", "bool", "false,false,NA,true,false");
    is(t, "upper(lower(Country))", "string", "UNITED KINGDOM,FRANCE,FRANCE,GERMANY,NA");
    is(t, "length(Country)", "int64", "14,6,6,7,NA");
    is(t, "length('h\xc3\xa9llo')", "int64", "5,5,5,5,5");
    is(t, "year(InvoiceDate)", "int64", "2010,2011,2011,NA,2011");
    is(t, "month(InvoiceDate)", "int64", "12,12,6,NA,12");
    is(t, "day(InvoiceDate)", "int64", "1,9,15,NA,9");
    is(t, "weekday(InvoiceDate)", "int64", "3,5,3,NA,5");
    is(t, "hour(InvoiceDate)", "int64", "8,12,0,NA,0");
    is(t, "days(InvoiceDate)", "int64", "14944,15317,15140,NA,15317");
    is(t, "date(InvoiceDate)", "datetime", "2010-12-01,2011-12-09,2011-06-15,NA,2011-12-09");
    is(t, "month_start(InvoiceDate)", "datetime", "2010-12-01,2011-12-01,2011-06-01,NA,2011-12-01");
    is(t, "year('2011-12-09')", "int64", "2011,2011,2011,2011,2011");
    is(t, "days(date('1969-12-31 23:00'))", "int64", "-1,-1,-1,-1,-1");
    is(t, "hour(date('1970-01-01') - 0.5)", "int64", "12,12,12,12,12");
}

static void test_datetime(const sg_table *t)
{
    static const double want[] = { 373.6486111111111, 0.4652777777777778, 178.0, NAN, 1.0 };
    for (size_t i = 0; i < 5; i++) {
        is_num(t, "date('2011-12-10') - InvoiceDate", i, want[i]);
        is_num(t, "days_between(InvoiceDate, '2011-12-10')", i, want[i]);
        is_num(t, "'2011-12-10' - InvoiceDate", i, want[i]);
    }
    is(t, "date('2011-12-10') - InvoiceDate > 100", "bool", "true,false,true,NA,false");
    is(t, "InvoiceDate + 1", "datetime",
       "2010-12-02 08:26:00,2011-12-10 12:50:00,2011-06-16 00:00:00,NA,2011-12-10 00:00:00");
    is(t, "date(InvoiceDate) + 7", "datetime", "2010-12-08,2011-12-16,2011-06-22,NA,2011-12-16");
    is(t, "InvoiceDate - 0.5", "datetime",
       "2010-11-30 20:26:00,2011-12-09 00:50:00,2011-06-14 12:00:00,NA,2011-12-08 12:00:00");
    is(t, "1 + date('2011-12-31')", "datetime", "2012-01-01,2012-01-01,2012-01-01,2012-01-01,2012-01-01");
    is(t, "InvoiceDate + Quantity", "datetime",
       "2010-12-07 08:26:00,2011-12-07 12:50:00,2011-06-25 00:00:00,NA,2011-12-12 00:00:00");
    is(t, "InvoiceDate - InvoiceDate", "double", "0,0,0,NA,0");
}

static void test_errors(const sg_table *t)
{
    is_err(t, "Description + 1", "cannot add string and int64", "position 13");
    is_err(t, "Quantity * Description", "cannot multiply int64 and string", NULL);
    is_err(t, "starts_with(Quantity, 'a')", "starts_with expects a string column", "got int64");
    is_err(t, "round(1, 2, 3)", "round takes 1 or 2 arguments, but got 3", NULL);
    is_err(t, "abs()", "abs takes 1 argument, but got 0", NULL);
    is_err(t, "pow(2)", "pow takes 2 arguments, but got 1", NULL);
    is_err(t, "Quantty > 5", "unknown column 'Quantty'", "did you mean 'Quantity'?");
    is_err(t, "Quantty > 5", "position 1", "columns are: Quantity, UnitPrice, Description");
    is_err(t, "2 * Quantty", "at position 5", "\"2 * Quantty\"");
    is_err(t, "quantity > 5", "did you mean 'Quantity'?", NULL);
    is_err(t, "`Unit Price` > 1", "unknown column 'Unit Price'", "did you mean 'UnitPrice'?");
    is_err(t, "sqrtt(4)", "unknown function 'sqrtt'", "did you mean 'sqrt'?");
    is_err(t, "Quantity(3)", "unknown function 'Quantity'", "is a column, not a function");
    is_err(t, "Quantity > ", "expected a value", "the end of the expression");
    is_err(t, "Quantity > 5 6", "unexpected '6'", NULL);
    is_err(t, "(Quantity > 5", "expected ')'", NULL);
    is_err(t, "'abc", "unterminated string", NULL);
    is_err(t, "`abc", "unterminated column name", NULL);
    is_err(t, "Quantity and Flag", "'and' needs conditions", "left side is int64");
    is_err(t, "not Quantity", "'not' needs a condition", NULL);
    is_err(t, "1 < 2 < 3", "cannot be chained", NULL);
    is_err(t, "InvoiceDate > 5", "cannot compare datetime and int64", NULL);
    is_err(t, "Description > 5", "cannot compare string and int64", NULL);
    is_err(t, "InvoiceDate > 'yesterday'", "'yesterday' is not a date", NULL);
    is_err(t, "InvoiceDate > '01/02/2011'", "ambiguous", NULL);
    is_err(t, "InvoiceDate * 2", "cannot multiply datetime and int64", NULL);
    is_err(t, "InvoiceDate + InvoiceDate", "cannot add two datetimes", NULL);
    is_err(t, "5 - InvoiceDate", "cannot subtract int64 and datetime", NULL);
    is_err(t, "-Description", "cannot negate a string", NULL);
    is_err(t, "if(Quantity, 1, 2)", "if expects a condition", NULL);
    is_err(t, "if(Flag, 'a', 2)", "if cannot mix string and int64", NULL);
    is_err(t, "min(Description, Country)", "min expects numbers or datetimes", NULL);
    is_err(t, "round(UnitPrice, 1.5)", "whole number of digits", NULL);
    is_err(t, "year(Quantity)", "year expects a datetime", NULL);
    is_err(t, "Quantity in (Description)", "literal values", NULL);
    is_err(t, "Quantity in ('a')", "cannot look for a string in a int64", NULL);
    is_err(t, "Quantity in 3", "expected '(' after 'in'", NULL);
    is_err(t, "Quantity not 3", "expected 'in' after 'not'", NULL);
    is_err(t, "Quantity @ 2", "unexpected character '@'", NULL);
    is_err(t, "", "the expression is empty", NULL);
    is_err(t, "   ", "the expression is empty", NULL);
    is_err(t, "12abc > 1", "'12abc' is not a valid number", NULL);
    is_err(t, "date(Quantity)", "date expects a datetime", NULL);
    is_err(t, "date('2011-13-45')", "is not a date", NULL);
    is_err(t, "1 + \x01", "unexpected byte 0x01", "position 5");
    is_err(t, "Quantity > 1,", "unexpected ','", NULL);

    sg_error err;
    tap_ok(sg_expr_parse(NULL, t, &err) == NULL && err.code == SG_EINVAL, "NULL expression is an error");
    sg_expr *e = sg_expr_parse("Quantity * 2", t, &err);
    tap_is_int(sg_expr_type(e), SG_INT64, "sg_expr_type of Quantity * 2");
    /* evaluated against a dataset that lacks the column, or types it differently */
    sg_table *other = sg_table_new();
    sg_column *c = sg_column_new("Quantity", SG_DOUBLE, 0);
    sg_column_push_f64(c, 1.0);
    sg_table_add(other, c, NULL);
    tap_ok(sg_expr_eval(e, other, "x", &err) == NULL && strstr(err.msg, "is double in this dataset but was int64"),
           "eval on a dataset with another column type: %s", err.msg);
    sg_expr_free(e);
    e = sg_expr_parse("UnitPrice + 1", t, &err);
    tap_ok(sg_expr_eval(e, other, "x", &err) == NULL && strstr(err.msg, "uses column 'UnitPrice', which this dataset does not have"),
           "eval on a dataset without the column: %s", err.msg);
    sg_expr_free(e);
    sg_table_free(other);
}

static void test_nesting(const sg_table *t)
{
    static char s[300000];
    size_t n = 0;
    for (int k = 0; k < 300; k++)
        s[n++] = '(';
    s[n++] = '1';
    for (int k = 0; k < 300; k++)
        s[n++] = ')';
    s[n] = '\0';
    is_err(t, s, "nested too deeply", NULL);
    n = 0;
    for (int k = 0; k < 150; k++)
        s[n++] = '(';
    s[n++] = '1';
    for (int k = 0; k < 150; k++)
        s[n++] = ')';
    s[n] = '\0';
    is(t, s, "int64", "1,1,1,1,1");
    n = 0;
    for (int k = 0; k < 50000; k++) {
        memcpy(s + n, "1+", 2);
        n += 2;
    }
    s[n++] = '1';
    s[n] = '\0';
    is_err(t, s, "too long or nested too deeply", NULL);
    n = 0;
    for (int k = 0; k < 50000; k++)
        s[n++] = '-';
    s[n++] = '1';
    s[n] = '\0';
    is_err(t, s, "nested too deeply", NULL);
    n = 0;
    for (int k = 0; k < 50000; k++) {
        memcpy(s + n, "abs(", 4);
        n += 4;
    }
    s[n++] = '1';
    s[n] = '\0';
    is_err(t, s, "nested too deeply", NULL);
    n = 0;
    for (int k = 0; k < 400; k++) {
        memcpy(s + n, "1+", 2);
        n += 2;
    }
    s[n++] = '1';
    s[n] = '\0';
    is(t, s, "int64", "401,401,401,401,401");

}

static void test_filter_derive(const sg_table *t)
{
    sg_error err;
    sg_table *f = sg_table_filter(t, "Quantity > 2 and Country != 'Germany'", &err);
    tap_ok(f != NULL, "filter runs");
    if (f) {
        tap_is_int((long long)f->nrows, 2, "filter keeps true rows only (missing drops the row)");
        tap_is_int((long long)f->ncols, 7, "filter keeps every column");
        tap_is_str(fmt(sg_table_col(f, "Quantity")), "6,10", "filtered Quantity");
        tap_is_str(fmt(sg_table_col(f, "Description")), "WHITE HANGING,NA", "filtered Description");
    }
    sg_table_free(f);
    f = sg_table_filter(t, "Quantity > 100", &err);
    tap_ok(f && f->nrows == 0 && f->ncols == 7, "filter with no match gives 0 rows, 7 columns");
    /* a numeric expression over no rows: one empty pass, an empty column */
    sg_table *none = f ? sg_table_derive(f, "Amount", "round(Quantity * UnitPrice, 2)", &err) : NULL;
    tap_ok(none && none->nrows == 0 && sg_table_col(none, "Amount") && sg_table_col(none, "Amount")->n == 0,
           "derive over 0 rows gives an empty column");
    sg_table_free(none);
    sg_table_free(f);
    f = sg_table_filter(t, "Quantity", &err);
    tap_ok(!f && strstr(err.msg, "must be a condition") && strstr(err.msg, "int64"),
           "filter needs a condition: %s", err.msg);
    f = sg_table_filter(t, "Quantty > 1", &err);
    tap_ok(!f && strstr(err.msg, "unknown column 'Quantty'"), "filter reports parse errors");

    static const uint8_t mask[] = { 1, 0, 0, 1, 1 };
    f = sg_table_filter_mask(t, mask, &err);
    tap_ok(f && f->nrows == 3, "filter_mask keeps 3 rows");
    if (f)
        tap_is_str(fmt(sg_table_col(f, "Quantity")), "6,NA,3", "filter_mask rows");
    sg_table_free(f);

    sg_table *d = sg_table_derive(t, "Q2", "Quantity * 2", &err);
    tap_ok(d && d->ncols == 8 && t->ncols == 7, "derive adds a column to a new table");
    if (d) {
        sg_column *q2 = sg_table_col(d, "Q2");
        tap_is_str(sg_type_name(q2->type), "int64", "derive keeps int64 for Quantity * 2");
        tap_is_str(fmt(q2), "12,-4,20,NA,6", "derived values");
        tap_ok(d->cols[0] == t->cols[0] && d->cols[6] == t->cols[6], "derive shares the other columns");
        tap_is_int((long long)d->nrows, 5, "derived table rows");
    }
    sg_table_free(d);
    d = sg_table_derive(t, "Amount", "Quantity * UnitPrice", &err);
    tap_ok(d && sg_table_col(d, "Amount")->type == SG_DOUBLE, "derive gives double for Quantity * UnitPrice");
    sg_table_free(d);
    d = sg_table_derive(t, "Quantity", "Quantity + 1", &err);
    tap_ok(d && d->ncols == 7, "derive replaces a column of the same name");
    if (d) {
        tap_is_str(fmt(sg_table_col(d, "Quantity")), "7,-1,11,NA,4", "replaced values");
        tap_is_str(fmt(sg_table_col(t, "Quantity")), "6,-2,10,NA,3", "the source table is unchanged");
    }
    sg_table_free(d);
    d = sg_table_derive(t, "Day", "date(InvoiceDate)", &err);
    tap_ok(d && sg_table_col(d, "Day")->date_only, "derive of date() is date_only");
    sg_table_free(d);
    d = sg_table_derive(t, "D2", "Description", &err);
    tap_ok(d && sg_table_col(d, "D2")->dict == sg_table_col(t, "Description")->dict,
           "a plain column reference shares the dictionary");
    sg_table_free(d);
    d = sg_table_derive(t, "", "1", &err);
    tap_ok(!d && err.code == SG_EINVAL, "derive needs a name");
    d = sg_table_derive(t, "x", "Description + 1", &err);
    tap_ok(!d && strstr(err.msg, "cannot add string and int64"), "derive reports type errors");
}

/* 10000 rows: chunk boundaries, memo growth and dictionary building. */
static void test_big(void)
{
    const size_t N = 10000;
    sg_column *q = sg_column_new("q", SG_INT64, N), *s = sg_column_new("s", SG_STRING, N);
    char buf[32];
    for (size_t i = 0; i < N; i++) {
        if (i % 7 == 0)
            sg_column_push_na(q);
        else
            sg_column_push_i64(q, (int64_t)i);
        int k = snprintf(buf, sizeof buf, "Item%zu", i % 100);
        sg_column_push_str(s, buf, (size_t)k);
    }
    sg_table *t = sg_table_new();
    sg_table_add(t, q, NULL);
    sg_table_add(t, s, NULL);
    sg_error err;
    sg_table *f = sg_table_filter(t, "q % 3 == 0", &err);
    size_t want = 0;
    for (size_t i = 0; i < N; i++)
        want += i % 7 != 0 && i % 3 == 0;
    tap_is_int((long long)want, 2857, "reference count");
    tap_is_int(f ? (long long)f->nrows : -1, 2857, "filter across chunks");
    tap_ok(f && sg_column_i64(sg_table_col(f, "q"))[2856] == 9999, "last kept row is 9999");
    sg_table_free(f);
    sg_table *d = sg_table_derive(t, "u", "if(q > 5000, upper(s), lower(s) + '')", &err);
    tap_ok(!d && strstr(err.msg, "cannot add string and string"), "string + string is an error");
    d = sg_table_derive(t, "u", "if(q > 5000, upper(s), lower(s))", &err);
    tap_ok(d != NULL, "derive of string if across chunks");
    if (d) {
        sg_column *u = sg_table_col(d, "u");
        size_t l;
        const char *v = sg_column_str(u, 9999, &l);
        tap_is_str(v, "ITEM99", "row 9999 upper");
        tap_is_str(sg_column_str(u, 4001, NULL), "item1", "row 4001 lower");
        tap_ok(sg_column_is_na(u, 7000), "row 7000 (q missing) is missing");
        tap_is_int((long long)sg_dict_size(u->dict), 200, "200 distinct results in the new dictionary");
    }
    sg_table_free(d);
    sg_column *c = ev(t, "s in ('Item5', 'Item7') and not is_missing(q)");
    size_t n = 0;
    for (size_t i = 0; c && i < N; i++)
        n += sg_column_bools(c)[i];
    want = 0;
    for (size_t i = 0; i < N; i++)
        want += (i % 100 == 5 || i % 100 == 7) && i % 7 != 0;
    tap_is_int((long long)n, (long long)want, "in list over 10000 rows");
    sg_column_release(c);
    sg_table_free(t);
}

/* ---- threaded evaluation (tables of SG_XE_PAR_MIN rows or more) ---- */

#define TN 100000
#define TCHUNKS ((TN + SG_XE_CHUNK - 1) / SG_XE_CHUNK)

static pthread_t main_thread;
static int chunk_elsewhere[TCHUNKS];   /* chunk evaluated off the main thread */
static size_t fail_at[2] = { SIZE_MAX, SIZE_MAX };
static int slow_first_half;

/* Records which thread ran each chunk (disjoint slots: no race); fails the
 * chunks holding a fail_at row; can slow the first half down so that a
 * later range fails first in time. */
static int probe(size_t off, size_t len, sg_error *err)
{
    chunk_elsewhere[off / SG_XE_CHUNK] = !pthread_equal(pthread_self(), main_thread);
    if (slow_first_half && off < TN / 2) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < 2; k++)
        if (fail_at[k] >= off && fail_at[k] < off + len)
            return sg_error_set(err, SG_EDATA, "injected failure at row %zu", fail_at[k]);
    return 0;
}

static int chunks_elsewhere(void)
{
    int n = 0;
    for (int k = 0; k < TCHUNKS; k++) {
        n += chunk_elsewhere[k];
        chunk_elsewhere[k] = 0;
    }
    return n;
}

static sg_table *thread_table(void)
{
    sg_column *c[5] = {
        sg_column_new("q", SG_INT64, TN), sg_column_new("p", SG_DOUBLE, TN),
        sg_column_new("b", SG_BOOL, TN), sg_column_new("s", SG_STRING, TN),
        sg_column_new("d", SG_DATETIME, TN),
    };
    char buf[32];
    for (size_t i = 0; i < TN; i++) {
        i % 7 == 3 ? sg_column_push_na(c[0]) : sg_column_push_i64(c[0], (int64_t)(i * 7919 % 100003) - 50000);
        i % 11 == 5 ? sg_column_push_na(c[1]) : sg_column_push_f64(c[1], ((double)(i % 2001) - 1000) / 8);
        i % 13 == 1 ? sg_column_push_na(c[2]) : sg_column_push_bool(c[2], (i * 31) % 5 < 2);
        int k = snprintf(buf, sizeof buf, "v%zu", (i * 104729) % 301);
        i % 17 == 2 ? sg_column_push_na(c[3]) : sg_column_push_str(c[3], buf, (size_t)k);
        i % 19 == 4 ? sg_column_push_na(c[4]) : sg_column_push_i64(c[4], 1291161600 + (int64_t)i * 3607);
    }
    sg_table *t = sg_table_new();
    for (int k = 0; k < 5; k++)
        sg_table_add(t, c[k], NULL);
    return t;
}

/* Same type, values (bit for bit; string codes and their texts) and
 * missing flags. */
static int same_column(const sg_column *a, const sg_column *b)
{
    if (!a || !b || a->type != b->type || a->n != b->n || a->date_only != b->date_only)
        return 0;
    size_t w = a->type == SG_BOOL ? 1 : a->type == SG_STRING ? 4 : 8;
    for (size_t i = 0; i < a->n; i++) {
        int na = sg_column_is_na(a, i);
        if (na != sg_column_is_na(b, i) ||
            memcmp((const char *)a->data + i * w, (const char *)b->data + i * w, w) != 0)
            return 0;
    }
    if (a->type == SG_STRING) {
        if (sg_dict_size(a->dict) != sg_dict_size(b->dict))
            return 0;
        for (size_t k = 0; k < sg_dict_size(a->dict); k++) {
            size_t la, lb;
            const char *sa = sg_dict_str(a->dict, (int32_t)k, &la), *sb = sg_dict_str(b->dict, (int32_t)k, &lb);
            if (la != lb || memcmp(sa, sb, la) != 0)
                return 0;
        }
    }
    return 1;
}

static void test_threads(void)
{
    static const char *exprs[] = {
        /* numbers */
        "q * 3 - 7", "q / 4", "p * q", "p / (q % 5)", "-p", "round(p, 1)", "log(p)",
        "abs(q - 50000) % 1000", "pow(p, 2) + sqrt(p)", "min(q, p)", "1 + 2",
        /* datetimes */
        "d + 3", "d - q / 1000", "year(d) * 100 + month(d)", "days_between(d, d + 1.5)",
        /* bools and the clean tag */
        "q > 0 and b", "not b or p < 0", "is_missing(s)", "coalesce(b, q > 10)",
        "if(b, q, -q)", "if(b, p, 0.5)", "s in ('v1', 'v2')", "starts_with(s, 'v1')",
        "s < 'v5'", "length(s)", "lower(s) == 'v3'", "q in (1, 2, 3) or p in (0.5, -1)",
        "if(coalesce(not is_missing(s), false), if(coalesce(q > 0, false), if(coalesce(p > 0, false), 0, 3), 2), 1)",
        /* strings: evaluated on one thread, same dictionary codes */
        "lower(s)", "upper(s)", "if(b, s, 'none')", "coalesce(s, 'missing')", "s",
    };
    const size_t nx = sizeof exprs / sizeof *exprs;
    sg_table *t = thread_table();
    sg_error err;
    main_thread = pthread_self();
    sg_xe_test_hook = probe;
    for (size_t k = 0; k < nx; k++) {
        setenv("SG_THREADS", "1", 1);
        sg_column *one = ev(t, exprs[k]);
        int off1 = chunks_elsewhere();
        setenv("SG_THREADS", "2", 1);
        sg_column *two = ev(t, exprs[k]);
        int off2 = chunks_elsewhere();
        setenv("SG_THREADS", "7", 1);
        sg_column *seven = ev(t, exprs[k]);
        int off7 = chunks_elsewhere();
        int str = one && one->type == SG_STRING;
        tap_ok(one && same_column(one, two) && same_column(one, seven),
               "threads give the one-thread result: %s", exprs[k]);
        tap_ok(off1 == 0 && (str ? off2 == 0 && off7 == 0 : off2 == TCHUNKS - TCHUNKS / 2 && off7 == TCHUNKS - TCHUNKS / 7),
               "  ... on %s (chunks off the main thread: %d, %d, %d)",
               str ? "one thread (string result)" : "2 and 7 threads", off1, off2, off7);
        sg_column_release(one);
        sg_column_release(two);
        sg_column_release(seven);
    }
    sg_column *cq = ev(t, "q / 4");
    tap_ok(cq && sg_column_is_na(cq, 3) && !sg_column_is_na(cq, 4) &&
           sg_column_num(cq, 99999) == (double)((int64_t)(99999ull * 7919 % 100003) - 50000) / 4,
           "threaded values are the right ones");
    sg_column_release(cq);

    /* filters */
    static const char *filters[] = { "q > 0 and b", "not coalesce(starts_with(s, 'v2'), false)", "is_missing(p)",
                                     "q > 1e9", "not is_missing(q)", "true" };
    for (size_t k = 0; k < sizeof filters / sizeof *filters; k++) {
        /* reference: sg_table_take of the rows where the condition holds */
        sg_column *cond = ev(t, filters[k]);
        size_t *rows = sg_malloc(TN * sizeof *rows), nr = 0;
        for (size_t i = 0; cond && rows && i < TN; i++)
            if (!sg_column_is_na(cond, i) && sg_column_bools(cond)[i])
                rows[nr++] = i;
        sg_table *ref = rows ? sg_table_take(t, rows, nr, &err) : NULL;
        setenv("SG_THREADS", "1", 1);
        sg_table *one = sg_table_filter(t, filters[k], &err);
        setenv("SG_THREADS", "2", 1);
        sg_table *two = sg_table_filter(t, filters[k], &err);
        int same = ref && one && two && one->nrows == nr && two->nrows == nr &&
                   one->ncols == ref->ncols && two->ncols == ref->ncols;
        for (size_t c = 0; same && c < ref->ncols; c++)
            same = same_column(ref->cols[c], one->cols[c]) && same_column(ref->cols[c], two->cols[c]) &&
                   strcmp(ref->cols[c]->name, two->cols[c]->name) == 0 &&
                   (ref->cols[c]->na != NULL) == (two->cols[c]->na != NULL) &&
                   ref->cols[c]->dict == two->cols[c]->dict;
        tap_ok(same, "filter on 1 and 2 threads = take of the kept rows: %s (%zu rows)", filters[k], nr);
        sg_table_free(ref);
        sg_table_free(one);
        sg_table_free(two);
        sg_free(rows);
        sg_column_release(cond);
    }
    sg_table *f = sg_table_filter(t, "is_missing(p)", &err);
    tap_is_int(f ? (long long)f->nrows : -1, (TN + 5) / 11, "is_missing(p) keeps every 11th row");
    sg_table_free(f);
    chunks_elsewhere();

    /* errors: the first failing chunk in row order is reported */
    const char *modes[] = { "1", "2" };
    for (int m = 0; m < 2; m++) {
        setenv("SG_THREADS", modes[m], 1);
        fail_at[0] = 90000;
        sg_error_clear(&err);
        sg_table *d = sg_table_derive(t, "x", "q * 2", &err);
        tap_ok(!d && err.code == SG_EDATA && strcmp(err.msg, "injected failure at row 90000") == 0,
               "SG_THREADS=%s: an error in the second half is reported (%s)", modes[m], err.msg);
        sg_table_free(d);
        sg_error_clear(&err);
        f = sg_table_filter(t, "q > 0", &err);
        tap_ok(!f && strcmp(err.msg, "injected failure at row 90000") == 0,
               "SG_THREADS=%s: ... by filter too (%s)", modes[m], err.msg);
        sg_table_free(f);
        fail_at[0] = 30000;
        fail_at[1] = 90000;
        slow_first_half = 1;     /* the later range fails first in time */
        sg_error_clear(&err);
        d = sg_table_derive(t, "x", "p * 2", &err);
        tap_ok(!d && strcmp(err.msg, "injected failure at row 30000") == 0,
               "SG_THREADS=%s: of two failing chunks the earlier row's error is reported (%s)", modes[m], err.msg);
        sg_table_free(d);
        slow_first_half = 0;
        fail_at[0] = fail_at[1] = SIZE_MAX;
    }
    chunks_elsewhere();
    setenv("SG_THREADS", "0", 1);
    sg_column *z = ev(t, "q + 1");
    tap_ok(z && chunks_elsewhere() == 0, "SG_THREADS=0 means one thread");
    sg_column_release(z);
    sg_xe_test_hook = NULL;
    unsetenv("SG_THREADS");
    sg_table_free(t);
}

/* Random strings from the language's alphabet: never crash, always a
 * message on failure. */
static void test_fuzz(const sg_table *t)
{
    static const char *atoms[] = {
        "Quantity", "UnitPrice", "Description", "InvoiceDate", "Country", "Flag", "`Customer ID`",
        "1", "0", "-", "2.5", "'x'", "'2011-12-09'", "\"WHITE HANGING\"", "(", ")", ",", "+", "*", "/",
        "%", "==", "<", ">=", "!=", " and ", " or ", " not ", " in ", "true", "if(", "coalesce(",
        "round(", "lower(", "date(", "year(", "min(", "contains(", "is_missing(", "'", "`", "\\",
        "@", "1e", ".", " ", "\xff", "abs(", "days_between(", "month_start(", "length(",
    };
    const size_t na = sizeof atoms / sizeof atoms[0];
    uint64_t seed = 42;
    int crashes = 0, parsed = 0, silent = 0;
    char src[512];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int len = (int)((seed >> 33) % 12) + 1;
        for (int k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *a = atoms[(seed >> 33) % na];
            size_t l = strlen(a);
            if (n + l + 1 >= sizeof src)
                break;
            memcpy(src + n, a, l);
            n += l;
        }
        src[n] = '\0';
        sg_error err;
        sg_error_clear(&err);
        sg_expr *e = sg_expr_parse(src, t, &err);
        if (e) {
            parsed++;
            sg_column *c = sg_expr_eval(e, t, "f", &err);
            crashes += c == NULL;
            sg_column_release(c);
            sg_expr_free(e);
        } else
            silent += err.msg[0] == '\0';
    }
    for (int iter = 0; iter < 20000; iter++) {   /* raw bytes */
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t n = (size_t)((seed >> 33) % 40);
        for (size_t k = 0; k < n; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            src[k] = (char)(((seed >> 33) % 255) + 1);
        }
        src[n] = '\0';
        sg_error err;
        sg_error_clear(&err);
        sg_expr *e = sg_expr_parse(src, t, &err);
        if (e) {
            sg_column *c = sg_expr_eval(e, t, "f", &err);
            crashes += c == NULL;
            sg_column_release(c);
            sg_expr_free(e);
        } else
            silent += err.msg[0] == '\0';
    }
    tap_ok(crashes == 0, "every fuzzed expression that parses evaluates (%d parsed)", parsed);
    tap_ok(parsed > 100, "the fuzz parses a fair share of inputs (%d)", parsed);
    tap_ok(silent == 0, "every failed parse has a message");
}

int main(void)
{
    size_t base = sg_mem_used();
    sg_table *t = fixture();
    test_arithmetic(t);
    test_comparisons(t);
    test_logic(t);
    test_in(t);
    test_functions(t);
    test_datetime(t);
    test_errors(t);
    test_nesting(t);
    test_filter_derive(t);
    test_big();
    test_threads();
    test_fuzz(t);
    sg_table_free(t);
    tap_is_int((long long)sg_mem_used(), (long long)base, "no accounted memory left behind");
    return tap_done();
}
