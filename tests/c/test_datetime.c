/* Dates and times: the accepted range and its boundaries, leap seconds
 * refused, the round trip of every accepted value through formatting,
 * formatting over the whole int64 range, and the expression date
 * functions at the ends of that range (run under UBSan by scripts/test). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csv_internal.h"
#include "datetime.h"
#include "mem.h"
#include "expr.h"
#include "tap.h"

static const char *fmt(int64_t t, int date_only)
{
    static char buf[4][64];
    static int k;
    char *b = buf[k++ & 3];
    sg_datetime_format(t, date_only, b, 64);
    return b;
}

static int parse(const char *s, sg_date_format f, int64_t *t)
{
    return sg_datetime_parse(s, strlen(s), f, t, NULL);
}

static void test_range(void)
{
    int64_t t = 0;
    tap_ok(parse("0001-01-01", SG_DATE_ISO, &t) == 0 && t == -62135596800LL,
           "0001-01-01 is the first day (%lld)", (long long)t);
    tap_ok(parse("9999-12-31 23:59:59", SG_DATE_ISO, &t) == 0 && t == 253402300799LL,
           "9999-12-31 23:59:59 is the last second (%lld)", (long long)t);
    tap_ok(parse("0000-12-31", SG_DATE_ISO, &t) != 0, "year 0 refused");
    tap_ok(parse("2024-02-30", SG_DATE_ISO, &t) != 0, "2024-02-30 refused");
    tap_ok(parse("2024-02-29", SG_DATE_ISO, &t) == 0, "2024-02-29 accepted");
    tap_ok(parse("1900-02-29", SG_DATE_ISO, &t) != 0, "1900-02-29 refused (not a leap year)");
    tap_ok(parse("2000-02-29", SG_DATE_ISO, &t) == 0, "2000-02-29 accepted");
    tap_ok(parse("2024-01-01 24:00:00", SG_DATE_ISO, &t) != 0, "24:00:00 refused");
}

static void test_leap_seconds(void)
{
    int64_t t = 0;
    tap_ok(parse("2016-12-31 23:59:60", SG_DATE_ISO, &t) != 0, "ISO 23:59:60 refused");
    tap_ok(parse("2016-12-31T23:59:60", SG_DATE_ISO, &t) != 0, "ISO T23:59:60 refused");
    tap_ok(parse("31/12/2016 23:59:60", SG_DATE_DMY, &t) != 0, "DD/MM/YYYY 23:59:60 refused");
    tap_ok(parse("12/31/2016 23:59:60", SG_DATE_MDY, &t) != 0, "MM/DD/YYYY 23:59:60 refused");
    tap_ok(parse("31-12-2016 23:59:60", SG_DATE_DMY_DASH, &t) != 0, "DD-MM-YYYY 23:59:60 refused");
    tap_ok(parse("9999-12-31 23:59:60", SG_DATE_ISO, &t) != 0,
           "9999-12-31 23:59:60 refused (it would be year 10000)");
    /* the CSV reader's fast path for the commonest layout agrees */
    const char *s = "2016-12-31 23:59:60";
    tap_ok(sg_csv_parse_dt(s, strlen(s), SG_DATE_ISO, &t) != 0, "CSV fast path refuses it too");
    s = "2016-12-31 23:59:59";
    tap_ok(sg_csv_parse_dt(s, strlen(s), SG_DATE_ISO, &t) == 0 && t == 1483228799LL,
           "CSV fast path: 23:59:59 = 1483228799");
    tap_ok(sg_datetime_fits("2016-12-31 23:59:60", 19) == 0, "no layout fits a leap second");
}

static void test_round_trip(void)
{
    /* every 9,999,991 s (about 116 days, prime: all times of day) over
     * the accepted range, and the two ends */
    const int64_t lo = -62135596800LL, hi = 253402300799LL;
    size_t n = 0, bad = 0, bad_date = 0;
    for (int64_t t = lo;; t += 9999991) {
        if (t > hi)
            t = hi;
        int64_t back = 0, day = t - ((t % 86400) + 86400) % 86400, back_day = 0;
        const char *s = fmt(t, 0), *d = fmt(day, 1);
        if (sg_datetime_parse(s, strlen(s), SG_DATE_ISO, &back, NULL) != 0 || back != t) {
            if (bad++ < 3)
                tap_diag("%lld -> '%s' -> %lld", (long long)t, s, (long long)back);
        }
        if (sg_datetime_parse(d, strlen(d), SG_DATE_ISO, &back_day, NULL) != 0 || back_day != day)
            bad_date++;
        n++;
        if (t == hi)
            break;
    }
    tap_ok(n > 30000 && bad == 0, "%zu values from year 1 to 9999 round-trip (%zu do not)", n,
           bad);
    tap_is_int((long long)bad_date, 0, "date-only formatting round-trips");
    tap_is_str(fmt(lo, 0), "0001-01-01 00:00:00", "first accepted value");
    tap_is_str(fmt(hi, 0), "9999-12-31 23:59:59", "last accepted value");
}

static void test_format_range(void)
{
    tap_is_str(fmt(INT64_MIN, 0), "-292277022657-01-27 08:29:52", "INT64_MIN");
    tap_is_str(fmt(INT64_MIN + 1, 0), "-292277022657-01-27 08:29:53", "INT64_MIN + 1");
    tap_is_str(fmt(INT64_MAX, 0), "292277026596-12-04 15:30:07", "INT64_MAX");
    tap_is_str(fmt(INT64_MAX, 1), "292277026596-12-04", "INT64_MAX, date only");
    tap_is_str(fmt(-1, 0), "1969-12-31 23:59:59", "-1");
    tap_is_str(fmt(0, 0), "1970-01-01 00:00:00", "0");
    tap_is_str(fmt(-719528LL * 86400, 1), "0000-01-01", "year 0");
    tap_is_str(fmt(-719893LL * 86400, 1), "-0001-01-01", "year -1: sign and four digits");
    tap_is_str(fmt(253402300800LL, 0), "10000-01-01 00:00:00", "year 10000 (from arithmetic)");
    int64_t t;
    tap_ok(parse("10000-01-01 00:00:00", SG_DATE_ISO, &t) != 0, "which does not parse back");
    char small[8];
    size_t k = sg_datetime_format(0, 0, small, sizeof small);
    tap_ok(k == 7 && strcmp(small, "1970-01") == 0, "a short buffer is cut, not overrun");
}

/* The expression date functions on the ends of the int64 range. */
static void test_expr_extremes(void)
{
    static const int64_t v[] = { INT64_MIN, INT64_MAX, -1, 0 };
    sg_error err;
    sg_table *t = sg_table_new();
    sg_column *c = sg_column_new("d", SG_DATETIME, 4);
    for (size_t i = 0; c && i < 4; i++)
        sg_column_push_i64(c, v[i]);
    if (!t || !c || sg_table_add(t, c, &err) != 0) {
        tap_skip(9, "cannot build the table");
        sg_table_free(t);
        return;
    }
    static const struct {
        const char *expr;
        const char *want[4];
    } cases[] = {
        { "year(d)", { "-292277022657", "292277026596", "1969", "1970" } },
        { "month(d)", { "1", "12", "12", "1" } },
        { "day(d)", { "27", "4", "31", "1" } },
        { "hour(d)", { "8", "15", "23", "0" } },
        { "weekday(d)", { "7", "7", "3", "4" } },
        { "days(d)", { "-106751991167301", "106751991167300", "-1", "0" } },
        /* midnight of INT64_MIN's day, and its month start, lie before INT64_MIN */
        { "date(d)", { "NA", "292277026596-12-04", "1969-12-31", "1970-01-01" } },
        { "month_start(d)", { "NA", "292277026596-12-01", "1969-12-01", "1970-01-01" } },
        { "days_between(d, d)", { "0.0", "0.0", "0.0", "0.0" } },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sg_table *o = sg_table_derive(t, "r", cases[k].expr, &err);
        const sg_column *r = o ? sg_table_col(o, "r") : NULL;
        char got[256] = "", b[64];
        for (size_t i = 0; r && i < 4; i++) {
            if (sg_column_is_na(r, i))
                snprintf(b, sizeof b, "NA");
            else
                sg_column_format(r, i, b, sizeof b);
            strcat(got, i ? " " : "");
            strcat(got, b);
        }
        char want[256] = "";
        for (size_t i = 0; i < 4; i++) {
            strcat(want, i ? " " : "");
            strcat(want, cases[k].want[i]);
        }
        if (!o)
            tap_diag("%s: %s", cases[k].expr, err.msg);
        tap_is_str(got, want, cases[k].expr);
        sg_table_free(o);
    }
    sg_table_free(t);
}

/* the time units of the BTYD summaries and RFM's btyd_* fields */
static void test_time_units(void)
{
    tap_is_double(sg_time_unit_days("days"), 1, 0, "unit days: 1 day");
    tap_is_double(sg_time_unit_days("weeks"), 7, 0, "unit weeks: 7 days");
    tap_is_double(sg_time_unit_days("months"), 365.25 / 12, 0, "unit months: 365.25 / 12 = 30.4375 days");
    tap_ok(sg_time_unit_days("years") == 0 && sg_time_unit_days("Weeks") == 0 &&
               sg_time_unit_days("") == 0 && sg_time_unit_days(NULL) == 0,
           "other names (and NULL) are not units");
}

int main(void)
{
    test_time_units();
    test_range();
    test_leap_seconds();
    test_round_trip();
    test_format_range();
    test_expr_extremes();
    tap_ok(sg_mem_used() == 0, "no accounted memory left (%zu bytes)", sg_mem_used());
    return tap_done();
}
