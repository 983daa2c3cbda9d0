#include "datetime.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t sg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int sg_valid_date(int64_t y, unsigned m, unsigned d)
{
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    unsigned lim = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        lim = 29;
    return d <= lim;
}

int sg_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

/* Reads exactly n digits at s[*i]. */
static int digits(const char *s, size_t len, size_t *i, int n, unsigned *out)
{
    unsigned v = 0;
    if (*i + (size_t)n > len)
        return -1;
    for (int k = 0; k < n; k++) {
        char c = s[*i + (size_t)k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += (size_t)n;
    *out = v;
    return 0;
}

/* One or two digits (day and month in slash dates may be unpadded). */
static int digits12(const char *s, size_t len, size_t *i, unsigned *out)
{
    if (digits(s, len, i, 2, out) == 0)
        return 0;
    return digits(s, len, i, 1, out);
}

/* Optional " HH:MM[:SS]" (or "THH:MM:SS" when t_ok) at s[i]. */
static int parse_time(const char *s, size_t len, size_t i, int t_ok, int64_t *secs, int *has_time)
{
    unsigned hh, mm, ss = 0;
    *secs = 0;
    *has_time = 0;
    if (i == len)
        return 0;
    if (!(s[i] == ' ' || (t_ok && s[i] == 'T')))
        return -1;
    i++;
    if (digits12(s, len, &i, &hh) || i >= len || s[i] != ':')
        return -1;
    i++;
    if (digits(s, len, &i, 2, &mm))
        return -1;
    if (i < len && s[i] == ':') {
        i++;
        if (digits(s, len, &i, 2, &ss))
            return -1;
        /* fractional seconds are accepted and dropped */
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
        }
    }
    /* no leap second: times are civil seconds as in POSIX time, where
     * 23:59:60 has no value of its own (see datetime.h) */
    if (i != len || hh > 23 || mm > 59 || ss > 59)
        return -1;
    *secs = (int64_t)hh * 3600 + mm * 60 + ss;
    *has_time = 1;
    return 0;
}

int sg_datetime_parse(const char *s, size_t len, sg_date_format fmt, int64_t *out, int *has_time)
{
    unsigned y, m, d, a, b;
    size_t i = 0;
    int t_ok = 0;
    int ht = 0;
    int64_t secs;
    switch (fmt) {
    case SG_DATE_ISO:
        if (digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' || digits12(s, len, &i, &m) ||
            i >= len || s[i++] != '-' || digits12(s, len, &i, &d))
            return -1;
        t_ok = 1;
        break;
    case SG_DATE_COMPACT:
        if (len != 8 || digits(s, len, &i, 4, &y) || digits(s, len, &i, 2, &m) ||
            digits(s, len, &i, 2, &d))
            return -1;
        break;
    case SG_DATE_DMY:
    case SG_DATE_MDY:
    case SG_DATE_DMY_DASH: {
        char sep = fmt == SG_DATE_DMY_DASH ? '-' : '/';
        if (digits12(s, len, &i, &a) || i >= len || s[i++] != sep || digits12(s, len, &i, &b) ||
            i >= len || s[i++] != sep || digits(s, len, &i, 4, &y))
            return -1;
        if (fmt == SG_DATE_MDY) {
            m = a;
            d = b;
        } else {
            d = a;
            m = b;
        }
        break;
    }
    default:
        return -1;
    }
    if (!sg_valid_date(y, m, d))
        return -1;
    if (parse_time(s, len, i, t_ok, &secs, &ht))
        return -1;
    *out = sg_days_from_civil(y, m, d) * 86400 + secs;
    if (has_time)
        *has_time = ht;
    return 0;
}

unsigned sg_datetime_fits(const char *s, size_t len)
{
    static const sg_date_format all[] = { SG_DATE_ISO, SG_DATE_DMY, SG_DATE_MDY,
                                          SG_DATE_COMPACT, SG_DATE_DMY_DASH };
    unsigned bits = 0;
    int64_t t;
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (sg_datetime_parse(s, len, all[k], &t, NULL) == 0)
            bits |= 1u << all[k];
    return bits;
}

sg_date_format sg_date_format_parse(const char *name)
{
    static const struct { const char *name; sg_date_format f; } names[] = {
        { "ISO", SG_DATE_ISO }, { "YYYY-MM-DD", SG_DATE_ISO },
        { "DD/MM/YYYY", SG_DATE_DMY }, { "MM/DD/YYYY", SG_DATE_MDY },
        { "YYYYMMDD", SG_DATE_COMPACT }, { "DD-MM-YYYY", SG_DATE_DMY_DASH },
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k].name);
        if (strncmp(name, names[k].name, n) == 0 &&
            (name[n] == '\0' || strcmp(name + n, " HH:MM") == 0 ||
             strcmp(name + n, " HH:MM:SS") == 0 || strcmp(name + n, "THH:MM:SS") == 0))
            return names[k].f;
    }
    return SG_DATE_UNKNOWN;
}

const char *sg_date_format_name(sg_date_format f)
{
    switch (f) {
    case SG_DATE_ISO: return "YYYY-MM-DD";
    case SG_DATE_DMY: return "DD/MM/YYYY";
    case SG_DATE_MDY: return "MM/DD/YYYY";
    case SG_DATE_COMPACT: return "YYYYMMDD";
    case SG_DATE_DMY_DASH: return "DD-MM-YYYY";
    case SG_DATE_UNKNOWN: break;
    }
    return "unknown";
}

size_t sg_datetime_format(int64_t t, int date_only, char *buf, size_t size)
{
    /* floor division without multiplying back: days * 86400 overflows
     * near INT64_MIN */
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(days, &y, &m, &d);
    /* years before 1 keep four digits after the sign: -0001 (|y| < 3e11) */
    const char *sign = y < 0 ? "-" : "";
    long long ay = y < 0 ? -(long long)y : (long long)y;
    int k;
    if (date_only)
        k = snprintf(buf, size, "%s%04lld-%02u-%02u", sign, ay, m, d);
    else
        k = snprintf(buf, size, "%s%04lld-%02u-%02u %02u:%02u:%02u", sign, ay, m, d,
                     (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    if (k < 0 || size == 0)
        return 0;
    return (size_t)k < size ? (size_t)k : size - 1;
}

double sg_time_unit_days(const char *unit)
{
    static const struct { const char *name; double days; } units[] = {
        { "days", 1 }, { "weeks", 7 }, { "months", 30.4375 },
    };
    for (size_t i = 0; unit && i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].name) == 0)
            return units[i].days;
    return 0;
}
