/* Fuzz target: dates.  The input is read three ways:
 *   - as text in every layout: what parses lies in years 1-9999, fits
 *     agrees with parse, the CSV reader's fast path gives the same value
 *     as the general parser, and the value formats back to ISO text that
 *     parses to the same value (the round trip);
 *   - its first 8 bytes as an int64 time: formatting never overflows and
 *     round-trips inside the accepted range;
 *   - that time through the expression date functions (year, month, day,
 *     hour, weekday, days, date, month_start), whose results must agree
 *     with the formatted text and with each other. */
#include "csv_internal.h"
#include "datetime.h"
#include "fuzz_util.h"
#include "expr.h"

#define T_MIN (-62135596800LL)   /* 0001-01-01 00:00:00 */
#define T_MAX 253402300799LL     /* 9999-12-31 23:59:59 */

static void round_trip(int64_t t, const char *from)
{
    char buf[64];
    int64_t back = 0;
    size_t n = sg_datetime_format(t, 0, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && n < sizeof buf, "format length %zu", n);
    FUZZ_CHECK(sg_datetime_parse(buf, n, SG_DATE_ISO, &back, NULL) == 0 && back == t,
               "%s: %lld -> '%s' -> %lld", from, (long long)t, buf, (long long)back);
    if (t % 86400 == 0) {
        n = sg_datetime_format(t, 1, buf, sizeof buf);
        FUZZ_CHECK(sg_datetime_parse(buf, n, SG_DATE_ISO, &back, NULL) == 0 && back == t,
                   "%s: date only %lld -> '%s'", from, (long long)t, buf);
    }
}

static void text_layouts(const char *s, size_t len)
{
    static const sg_date_format all[] = { SG_DATE_ISO, SG_DATE_DMY, SG_DATE_MDY,
                                          SG_DATE_COMPACT, SG_DATE_DMY_DASH };
    unsigned fits = sg_datetime_fits(s, len);
    for (size_t k = 0; k < 5; k++) {
        int64_t t = 0, fast = 0;
        int ht = 0;
        int ok = sg_datetime_parse(s, len, all[k], &t, &ht) == 0;
        FUZZ_CHECK(ok == (int)((fits >> all[k]) & 1), "fits and parse disagree on layout %d",
                   (int)all[k]);
        int fok = sg_csv_parse_dt(s, len, all[k], &fast) == 0;
        /* the reader trims blanks first; on trimmed text both must agree */
        if (len == 0 || (s[0] != ' ' && s[0] != '\t' && s[len - 1] != ' ' && s[len - 1] != '\t'))
            FUZZ_CHECK(fok == ok && (!ok || fast == t), "fast path: %d/%lld vs %d/%lld", fok,
                       (long long)fast, ok, (long long)t);
        if (!ok)
            continue;
        FUZZ_CHECK(t >= T_MIN && t <= T_MAX, "parsed outside years 1-9999: %lld", (long long)t);
        FUZZ_CHECK(ht || t % 86400 == 0, "a date without a time is not at midnight");
        round_trip(t, "text");
    }
}

static sg_table *one_time(int64_t t)
{
    sg_table *tb = sg_table_new();
    sg_column *c = sg_column_new("d", SG_DATETIME, 1);
    FUZZ_CHECK(tb && c && sg_column_push_i64(c, t) == 0 && sg_table_add(tb, c, NULL) == 0,
               "out of memory");
    return tb;
}

/* The value of expr on the one-row table; 0 with *na set when missing. */
static int64_t eval_i64(const sg_table *tb, const char *expr, int *na)
{
    sg_error err;
    sg_expr *e = sg_expr_parse(expr, tb, &err);
    FUZZ_CHECK(e != NULL, "%s: %s", expr, err.msg);
    sg_column *c = sg_expr_eval(e, tb, "r", &err);
    FUZZ_CHECK(c != NULL && (c->type == SG_INT64 || c->type == SG_DATETIME), "%s: %s", expr,
               err.msg);
    *na = sg_column_is_na(c, 0);
    int64_t v = sg_column_i64(c)[0];
    sg_column_release(c);
    sg_expr_free(e);
    return v;
}

static void date_functions(int64_t t)
{
    sg_table *tb = one_time(t);
    int na[8];
    int64_t y = eval_i64(tb, "year(d)", &na[0]), mo = eval_i64(tb, "month(d)", &na[1]);
    int64_t dd = eval_i64(tb, "day(d)", &na[2]), h = eval_i64(tb, "hour(d)", &na[3]);
    int64_t wd = eval_i64(tb, "weekday(d)", &na[4]), days = eval_i64(tb, "days(d)", &na[5]);
    int64_t date = eval_i64(tb, "date(d)", &na[6]), ms = eval_i64(tb, "month_start(d)", &na[7]);
    for (int k = 0; k < 6; k++)
        FUZZ_CHECK(!na[k], "function %d missing for %lld", k, (long long)t);
    char buf[64], want[64];
    sg_datetime_format(t, 0, buf, sizeof buf);
    snprintf(want, sizeof want, "%s%04lld-%02lld-%02lld %02lld:", y < 0 ? "-" : "",
             (long long)(y < 0 ? -y : y), (long long)mo, (long long)dd, (long long)h);
    FUZZ_CHECK(strncmp(buf, want, strlen(want)) == 0, "'%s' against year/month/day/hour %s", buf,
               want);
    FUZZ_CHECK(wd >= 1 && wd <= 7 && h >= 0 && h <= 23, "weekday %lld hour %lld", (long long)wd,
               (long long)h);
    if (!na[6])
        FUZZ_CHECK(date <= t && t - date < 86400 && date % 86400 == 0 && date / 86400 == days,
                   "date(%lld) = %lld", (long long)t, (long long)date);
    else
        FUZZ_CHECK(days < INT64_MIN / 86400, "date(%lld) missing", (long long)t);
    if (!na[7])
        FUZZ_CHECK(ms <= t && (na[6] || ms <= date), "month_start(%lld) = %lld", (long long)t,
                   (long long)ms);
    sg_table_free(tb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    size_t base = sg_mem_used();
    text_layouts((const char *)data, size);
    if (size >= 8) {
        uint64_t u = 0;
        for (int k = 0; k < 8; k++)
            u = u << 8 | data[k];
        int64_t t;
        memcpy(&t, &u, 8);
        char buf[64];
        for (size_t n = 0; n <= 40; n += 8)
            sg_datetime_format(t, (int)(n & 8), buf, n);   /* short buffers are cut */
        if (t >= T_MIN && t <= T_MAX)
            round_trip(t, "int64");
        date_functions(t);
    }
    FUZZ_CHECK(sg_mem_used() == base, "%zu accounted bytes not freed", sg_mem_used() - base);
    return 0;
}
