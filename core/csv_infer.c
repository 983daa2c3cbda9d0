/* Type inference for the CSV reader.  Works on a column's dictionary of
 * DISTINCT strings, so every number or date is parsed once per distinct
 * text, not once per row.
 *
 * Inference rules (whole column, missing values ignored):
 *   bool      every value is true/false in any case;
 *   int64     optional sign and digits, fitting int64;
 *             ... unless every value is exactly 8 digits forming a valid
 *             YYYYMMDD date with the year in 1900-2100: then datetime
 *             YYYYMMDD (a column of 8-digit ids almost never passes all
 *             three tests; one value that fails keeps the column int64);
 *   double    decimal or exponent notation ("1,5" is not a number); also
 *             integers too large for int64;
 *   datetime  every value fits one layout: YYYY-MM-DD[ HH:MM[:SS]] (or T),
 *             DD-MM-YYYY, or slash dates: a first part > 12 somewhere means
 *             DD/MM/YYYY, a second part > 12 means MM/DD/YYYY, both means
 *             not a date (string), neither means ambiguous and the
 *             date_order_mdy option decides (day first by default);
 *   string    anything else, and a column whose values are all missing. */
#include "csv_internal.h"

#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define BIT(f) (1u << (f))

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

int sg_csv_parse_i64(const char *s, size_t len, int64_t *out)
{
    trim(&s, &len);
    size_t i = 0;
    int neg = 0;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return -1;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9 || v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}

/* [sign] digits [. digits] [e [sign] digits], at least one mantissa digit. */
static int is_decimal(const char *s, size_t len)
{
    size_t i = 0, nd = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, nd++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, nd++;
    }
    if (nd == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ne = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ne++;
        if (ne == 0)
            return 0;
    }
    return i == len;
}

/* Plain decimals with at most 2^53 as digits and at most 22 decimals:
 * the digits and the power of ten are exact doubles, so one IEEE division
 * rounds the exact value correctly, as strtod does (Clinger's fast path).
 * -1 sends the text to the general path. */
static int fast_f64(const char *s, size_t len, double *out)
{
    static const double pow10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    size_t i = 0, nd = 0, frac = 0;
    int neg = 0, dot = 0;
    uint64_t m = 0;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d <= 9) {
            if (m >= ((uint64_t)1 << 53) / 10)
                return -1;
            m = m * 10 + d;
            nd++;
            frac += dot;
        } else if (s[i] == '.' && !dot) {
            dot = 1;
        } else {
            return -1;
        }
    }
    if (nd == 0 || frac > 22)
        return -1;
    double v = (double)m;
    if (frac)
        v /= pow10[frac];
    *out = neg ? -v : v;
    return 0;
}

/* Numbers are finite: strtod's inf, infinity and nan spellings are not
 * decimals (is_decimal), and a decimal beyond the double range (1e999)
 * is refused, so a column holding them is read as text and reported
 * (csv_check.c).  A decimal below the smallest double reads as 0 or a
 * subnormal, as strtod rounds it. */
int sg_csv_parse_f64(const char *s, size_t len, double *out)
{
    char buf[512];
    trim(&s, &len);
    if (fast_f64(s, len, out) == 0)
        return 0;
    if (len == 0 || len >= sizeof buf || !is_decimal(s, len))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    /* strtod follows LC_NUMERIC; the file always uses '.'.  nl_langinfo,
     * unlike localeconv, writes no shared buffer: parsing threads call it */
    const char *dp = nl_langinfo(RADIXCHAR);
    if (dp && dp[0] && dp[0] != '.' && dp[1] == '\0') {
        char *p = strchr(buf, '.');
        if (p)
            *p = dp[0];
    }
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int sg_csv_not_finite(const char *s, size_t len)
{
    double v;
    trim(&s, &len);
    if (len && (s[0] == '+' || s[0] == '-')) {
        s++;
        len--;
    }
    static const char *const words[] = { "inf", "infinity", "nan" };
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(words[k]), i = 0;
        while (i < n && i < len && (s[i] | 0x20) == words[k][i])
            i++;
        if (i == n && n == len)
            return 1;
    }
    return len && is_decimal(s, len) && sg_csv_parse_f64(s, len, &v) != 0;
}

/* Override to int64 also accepts integral decimals such as "17850.0". */
static int parse_i64_loose(const char *s, size_t len, int64_t *out)
{
    if (sg_csv_parse_i64(s, len, out) == 0)
        return 0;
    trim(&s, &len);
    const char *dot = memchr(s, '.', len);
    if (!dot || dot == s || !is_decimal(s, len))
        return -1;
    for (const char *p = dot + 1; p < s + len; p++)
        if (*p != '0')
            return -1;
    return sg_csv_parse_i64(s, (size_t)(dot - s), out);
}

static int eq_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Inference: true/false only.  Overrides (loose): also yes/no, y/n, 1/0, t/f. */
static int parse_bool(const char *s, size_t len, int loose, uint8_t *out)
{
    static const char *const yes[] = { "true", "yes", "y", "1", "t" };
    static const char *const no[] = { "false", "no", "n", "0", "f" };
    size_t n = loose ? 5 : 1;
    trim(&s, &len);
    for (size_t k = 0; k < n; k++) {
        if (eq_nocase(s, len, yes[k])) {
            *out = 1;
            return 0;
        }
        if (eq_nocase(s, len, no[k])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* YYYYMMDD with a plausible year (1900-2100). */
static int compact_date_ok(const char *s, size_t len)
{
    int64_t t;
    trim(&s, &len);
    if (len != 8 || s[0] < '0' || s[0] > '9')
        return 0;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    return year >= 1900 && year <= 2100 &&
           sg_datetime_parse(s, len, SG_DATE_COMPACT, &t, NULL) == 0;
}

static const char *dict_text(const sg_dict *d, int32_t code, size_t *len)
{
    const char *s = sg_dict_str(d, code, len);
    if (!s) {
        *len = 0;
        return "";
    }
    return s;
}

/* Date layout shared by every value; for overrides without a format,
 * the layout most values fit when none fits all (so the error message
 * points at a value that breaks the majority layout). */
typedef struct date_scan {
    unsigned all;            /* layouts every value fits */
    int all_slash;           /* every value fits DD/MM/YYYY or MM/DD/YYYY */
    size_t count[6];         /* values fitting each layout */
    int first_gt12;          /* a slash date fits DD/MM only */
    int second_gt12;         /* a slash date fits MM/DD only */
} date_scan;

static void scan_dates(const sg_dict *d, const uint8_t *used, date_scan *ds)
{
    size_t n = d ? sg_dict_size(d) : 0;
    memset(ds, 0, sizeof *ds);
    ds->all = ~0u;
    ds->all_slash = 1;
    for (size_t c = 0; c < n; c++) {
        size_t len;
        if (used && !used[c])
            continue;
        const char *s = dict_text(d, (int32_t)c, &len);
        trim(&s, &len);
        unsigned bits = sg_datetime_fits(s, len);
        ds->all &= bits;
        if (!(bits & (BIT(SG_DATE_DMY) | BIT(SG_DATE_MDY))))
            ds->all_slash = 0;
        for (int f = 1; f < 6; f++)
            if (bits & BIT(f))
                ds->count[f]++;
        if ((bits & BIT(SG_DATE_DMY)) && !(bits & BIT(SG_DATE_MDY)))
            ds->first_gt12 = 1;
        if ((bits & BIT(SG_DATE_MDY)) && !(bits & BIT(SG_DATE_DMY)))
            ds->second_gt12 = 1;
        if (!ds->all && !ds->all_slash)
            break;
    }
}

/* Resolves the slash-date order; writes the reason into why. */
static sg_date_format slash_order(const date_scan *ds, int mdy, char *why, size_t size)
{
    if (ds->first_gt12 && ds->second_gt12) {
        snprintf(why, size,
                 " (slash dates with a first part > 12 and others with a second part > 12)");
        return SG_DATE_UNKNOWN;
    }
    if (ds->first_gt12) {
        snprintf(why, size, " (a first part > 12 seen)");
        return SG_DATE_DMY;
    }
    if (ds->second_gt12) {
        snprintf(why, size, " (a second part > 12 seen)");
        return SG_DATE_MDY;
    }
    snprintf(why, size, "%s",
             mdy ? ": ambiguous, month first assumed" : ": ambiguous, day first assumed");
    return mdy ? SG_DATE_MDY : SG_DATE_DMY;
}

static sg_date_format detect_for_override(const sg_dict *d, const uint8_t *used, int mdy,
                                          char *why, size_t size)
{
    date_scan ds;
    scan_dates(d, used, &ds);
    why[0] = '\0';
    if (ds.all & BIT(SG_DATE_ISO))
        return SG_DATE_ISO;
    if (ds.all & BIT(SG_DATE_DMY_DASH))
        return SG_DATE_DMY_DASH;
    if (ds.all_slash) {
        sg_date_format f = slash_order(&ds, mdy, why, size);
        if (f != SG_DATE_UNKNOWN)
            return f;
    }
    if (ds.all & BIT(SG_DATE_COMPACT))
        return SG_DATE_COMPACT;
    /* no layout fits every value: the most common one */
    sg_date_format best = SG_DATE_ISO;
    for (int f = 1; f < 6; f++)
        if (ds.count[f] > ds.count[best] ||
            (f == SG_DATE_MDY && ds.count[f] == ds.count[SG_DATE_DMY] && mdy && ds.count[f]))
            best = (sg_date_format)f;
    why[0] = '\0';
    return best;
}

/* Chooses the inferred type; fills p->type, p->fmt and p->note. */
static void infer(const sg_dict *d, const uint8_t *used, int mdy, sg_csv_plan *p)
{
    size_t n = d ? sg_dict_size(d) : 0;
    p->type = SG_STRING;
    if (n == 0) {
        snprintf(p->note, sizeof p->note, "inferred string (all values missing)");
        return;
    }
    int all_int = 1, all_num = 1, all_bool = 1, compact = 1, dates = 1;
    size_t nused = 0;
    for (size_t c = 0; c < n; c++) {
        size_t len;
        if (used && !used[c])
            continue;
        nused++;
        const char *s = dict_text(d, (int32_t)c, &len);
        int64_t iv;
        double dv;
        uint8_t bv;
        int is_int = (all_int || all_num) && sg_csv_parse_i64(s, len, &iv) == 0;
        if (!is_int)
            all_int = 0;
        if (compact && !(is_int && compact_date_ok(s, len)))
            compact = 0;
        if (all_num && !is_int && sg_csv_parse_f64(s, len, &dv) != 0)
            all_num = 0;
        if (all_bool && parse_bool(s, len, 0, &bv) != 0)
            all_bool = 0;
        if (dates) {
            const char *t = s;
            size_t tl = len;
            trim(&t, &tl);
            dates = sg_datetime_fits(t, tl) & (BIT(SG_DATE_ISO) | BIT(SG_DATE_DMY) |
                                               BIT(SG_DATE_MDY) | BIT(SG_DATE_DMY_DASH));
        }
        if (!all_int && !all_num && !all_bool && !dates)
            break;
    }
    if (nused == 0) {
        snprintf(p->note, sizeof p->note, "inferred string (all values missing)");
    } else if (all_bool) {
        p->type = SG_BOOL;
        snprintf(p->note, sizeof p->note, "inferred bool");
    } else if (all_int && compact) {
        p->type = SG_DATETIME;
        p->fmt = SG_DATE_COMPACT;
        snprintf(p->note, sizeof p->note,
                 "inferred datetime YYYYMMDD (every value an 8-digit date, years 1900-2100)");
    } else if (all_int) {
        p->type = SG_INT64;
        snprintf(p->note, sizeof p->note, "inferred int64");
    } else if (all_num) {
        p->type = SG_DOUBLE;
        snprintf(p->note, sizeof p->note, "inferred double");
    } else if (dates) {
        date_scan ds;
        char why[128] = "";
        scan_dates(d, used, &ds);
        sg_date_format f = SG_DATE_UNKNOWN;
        if (ds.all & BIT(SG_DATE_ISO))
            f = SG_DATE_ISO;
        else if (ds.all & BIT(SG_DATE_DMY_DASH))
            f = SG_DATE_DMY_DASH;
        else if (ds.all_slash)
            f = slash_order(&ds, mdy, why, sizeof why);
        if (f == SG_DATE_UNKNOWN) {
            snprintf(p->note, sizeof p->note, "inferred string%s", why);
        } else {
            p->type = SG_DATETIME;
            p->fmt = f;
            snprintf(p->note, sizeof p->note, "inferred datetime %s%s", sg_date_format_name(f),
                     why);
        }
    } else {
        snprintf(p->note, sizeof p->note, "inferred string");
    }
}

static int two_digits(const char *s, unsigned *v)
{
    unsigned a = (unsigned)((unsigned char)s[0] - '0'), b = (unsigned)((unsigned char)s[1] - '0');
    *v = a * 10 + b;
    return a <= 9 && b <= 9;
}

/* "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS" (or T): the commonest shapes,
 * read without the general parser's search; the same checks and value as
 * sg_datetime_parse.  -1: not this shape (the general parser decides). */
static int fast_iso(const char *s, size_t len, int64_t *out)
{
    unsigned y1, y2, m, d, hh = 0, mm = 0, ss = 0;
    if ((len != 10 && len != 19) || s[4] != '-' || s[7] != '-' || !two_digits(s, &y1) ||
        !two_digits(s + 2, &y2) || !two_digits(s + 5, &m) || !two_digits(s + 8, &d))
        return -1;
    if (len == 19 && ((s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' ||
                      !two_digits(s + 11, &hh) || !two_digits(s + 14, &mm) ||
                      !two_digits(s + 17, &ss)))
        return -1;
    int64_t y = y1 * 100 + y2;
    if (!sg_valid_date(y, m, d) || hh > 23 || mm > 59 || ss > 59)
        return -1;
    *out = sg_days_from_civil(y, m, d) * 86400 + (int64_t)hh * 3600 + mm * 60 + ss;
    return 0;
}

int sg_csv_parse_dt(const char *s, size_t len, sg_date_format fmt, int64_t *out)
{
    trim(&s, &len);
    if (fmt == SG_DATE_ISO && fast_iso(s, len, out) == 0)
        return 0;
    return sg_datetime_parse(s, len, fmt, out, NULL);
}

/* Speculation must never change the result: a column is typed only when
 * infer() would give that very type for the sample AND every later value
 * the typed parser accepts keeps it so.  Hence: int64 only when some value
 * is not an 8-digit YYYYMMDD date (else the column could still become a
 * compact datetime); a datetime layout only when it is unambiguous: ISO or
 * DD-MM-YYYY fitting every value, or slash dates where one order is
 * already proven (a first part > 12 seen and every value fitting DD/MM, or
 * the reverse).  Ambiguous slash dates and bools keep their dictionary. */
int sg_csv_speculate(const sg_dict *d, const uint8_t *used, int *mode, sg_date_format *fmt,
                     uint64_t **vals)
{
    size_t n = d ? sg_dict_size(d) : 0, nused = 0;
    int all_int = 1, all_num = 1, compact = 1, dmy_only = 0, mdy_only = 0;
    unsigned all_bits = ~0u;
    *mode = SG_CSV_DICT;
    *vals = NULL;
    for (size_t c = 0; c < n; c++) {
        size_t len;
        int64_t iv;
        double dv;
        if (used && !used[c])
            continue;
        nused++;
        const char *s = dict_text(d, (int32_t)c, &len);
        if (len > SG_CSV_TYPED_MAX)
            return 0;
        int is_int = sg_csv_parse_i64(s, len, &iv) == 0;
        all_int &= is_int;
        compact &= is_int && compact_date_ok(s, len);
        if (!is_int && all_num && sg_csv_parse_f64(s, len, &dv) != 0)
            all_num = 0;
        if (all_bits) {      /* every value must fit the layout, numbers too */
            const char *t = s;
            size_t tl = len;
            trim(&t, &tl);
            unsigned bits = sg_datetime_fits(t, tl);
            all_bits &= bits & (BIT(SG_DATE_ISO) | BIT(SG_DATE_DMY) | BIT(SG_DATE_MDY) |
                                BIT(SG_DATE_DMY_DASH));
            dmy_only |= (bits & BIT(SG_DATE_DMY)) && !(bits & BIT(SG_DATE_MDY));
            mdy_only |= (bits & BIT(SG_DATE_MDY)) && !(bits & BIT(SG_DATE_DMY));
        }
        if (!all_num && !all_bits)
            return 0;
    }
    int m = SG_CSV_DICT;
    sg_date_format f = SG_DATE_UNKNOWN;
    if (nused == 0)
        return 0;
    if (all_int)
        m = compact ? SG_CSV_DICT : SG_CSV_I64;
    else if (all_num)
        m = SG_CSV_F64;
    else if (all_bits & BIT(SG_DATE_ISO))
        f = SG_DATE_ISO;
    else if (all_bits & BIT(SG_DATE_DMY_DASH))
        f = SG_DATE_DMY_DASH;
    else if ((all_bits & BIT(SG_DATE_DMY)) && dmy_only && !mdy_only)
        f = SG_DATE_DMY;
    else if ((all_bits & BIT(SG_DATE_MDY)) && mdy_only && !dmy_only)
        f = SG_DATE_MDY;
    if (f != SG_DATE_UNKNOWN)
        m = SG_CSV_DT;
    if (m == SG_CSV_DICT)
        return 0;
    uint64_t *v = sg_calloc(n, sizeof *v);
    if (!v)
        return SG_ENOMEM;
    for (size_t c = 0; c < n; c++) {
        size_t len;
        int rc = 0;
        if (used && !used[c])
            continue;
        const char *s = dict_text(d, (int32_t)c, &len);
        if (m == SG_CSV_I64) {
            int64_t x;
            rc = sg_csv_parse_i64(s, len, &x);
            v[c] = (uint64_t)x;
        } else if (m == SG_CSV_F64) {
            double x;
            rc = sg_csv_parse_f64(s, len, &x);
            memcpy(&v[c], &x, 8);
        } else {
            int64_t x;
            rc = sg_csv_parse_dt(s, len, f, &x);
            v[c] = (uint64_t)x;
        }
        if (rc != 0) {       /* cannot happen: the checks above parsed it */
            sg_free(v);
            return 0;
        }
    }
    *mode = m;
    *fmt = f;
    *vals = v;
    return 0;
}

void sg_csv_plan_typed(int mode, sg_date_format fmt, sg_csv_plan *p)
{
    memset(p, 0, sizeof *p);
    switch (mode) {
    case SG_CSV_I64:
        p->type = SG_INT64;
        snprintf(p->note, sizeof p->note, "inferred int64");
        break;
    case SG_CSV_F64:
        p->type = SG_DOUBLE;
        snprintf(p->note, sizeof p->note, "inferred double");
        break;
    case SG_CSV_DT:
        /* the same words as infer(): speculation proved the order */
        p->type = SG_DATETIME;
        p->fmt = fmt;
        snprintf(p->note, sizeof p->note, "inferred datetime %s%s", sg_date_format_name(fmt),
                 fmt == SG_DATE_DMY   ? " (a first part > 12 seen)"
                 : fmt == SG_DATE_MDY ? " (a second part > 12 seen)"
                                      : "");
        break;
    default:
        p->type = SG_STRING;
        break;
    }
}

static size_t type_size(sg_type t)
{
    return t == SG_BOOL ? 1 : 8;
}

int sg_csv_plan_column(const sg_dict *d, const uint8_t *used, const sg_csv_override *ov, int mdy,
                       sg_csv_plan *p)
{
    size_t n = d ? sg_dict_size(d) : 0;
    memset(p, 0, sizeof *p);
    if (ov) {
        p->type = ov->type;
        p->fmt = ov->format;
        if (p->type == SG_DATETIME && p->fmt == SG_DATE_UNKNOWN) {
            char why[128];
            p->fmt = detect_for_override(d, used, mdy, why, sizeof why);
            snprintf(p->note, sizeof p->note, "override datetime (detected %s%s)",
                     sg_date_format_name(p->fmt), why);
        } else if (p->type == SG_DATETIME) {
            snprintf(p->note, sizeof p->note, "override datetime (%s)",
                     sg_date_format_name(p->fmt));
        } else {
            snprintf(p->note, sizeof p->note, "override %s", sg_type_name(p->type));
        }
    } else {
        infer(d, used, mdy, p);
    }
    if (p->type == SG_STRING)
        return 0;
    p->vals = sg_malloc((n ? n : 1) * type_size(p->type));
    if (!p->vals)
        return SG_ENOMEM;
    p->date_only = 1;
    for (size_t c = 0; c < n; c++) {
        size_t len;
        if (used && !used[c]) {
            memset((char *)p->vals + c * type_size(p->type), 0, type_size(p->type));
            continue;
        }
        const char *s = dict_text(d, (int32_t)c, &len);
        int rc = -1;
        switch (p->type) {
        case SG_INT64:
            rc = ov ? parse_i64_loose(s, len, (int64_t *)p->vals + c)
                    : sg_csv_parse_i64(s, len, (int64_t *)p->vals + c);
            break;
        case SG_DOUBLE:
            rc = sg_csv_parse_f64(s, len, (double *)p->vals + c);
            break;
        case SG_BOOL:
            rc = parse_bool(s, len, ov != NULL, (uint8_t *)p->vals + c);
            break;
        case SG_DATETIME: {
            int64_t *t = (int64_t *)p->vals + c;
            trim(&s, &len);
            rc = sg_datetime_parse(s, len, p->fmt, t, NULL);
            if (rc == 0 && p->fmt == SG_DATE_COMPACT && !ov && !compact_date_ok(s, len))
                rc = -1;
            if (rc == 0 && *t % 86400 != 0)
                p->date_only = 0;
            break;
        }
        case SG_STRING:
            break;
        }
        if (rc != 0) {
            if (!p->bad && !(p->bad = sg_calloc(n, 1))) {
                sg_csv_plan_free(p);
                return SG_ENOMEM;
            }
            p->bad[c] = 1;
            p->nbad++;
            memset((char *)p->vals + c * type_size(p->type), 0, type_size(p->type));
        }
    }
    return 0;
}

void sg_csv_plan_free(sg_csv_plan *p)
{
    if (!p)
        return;
    sg_free(p->vals);
    sg_free(p->bad);
    p->vals = NULL;
    p->bad = NULL;
}

void sg_csv_plan_expected(const sg_csv_plan *p, char *buf, size_t size)
{
    switch (p->type) {
    case SG_INT64: snprintf(buf, size, "an int64"); break;
    case SG_DOUBLE: snprintf(buf, size, "a double"); break;
    case SG_BOOL: snprintf(buf, size, "a bool (true/false, yes/no, y/n, 1/0, t/f)"); break;
    case SG_DATETIME:
        snprintf(buf, size, "a datetime (%s)", sg_date_format_name(p->fmt));
        break;
    case SG_STRING: snprintf(buf, size, "a string"); break;
    }
}

int sg_csv_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned min;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

size_t sg_csv_latin1_to_utf8(const unsigned char *s, size_t len, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else {
            out[k++] = (char)(0xc0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    return k;
}

const char *sg_csv_count(uint64_t n, char *buf)
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n), k = 0;
    for (int i = 0; i < nd; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

/* Copies text for a message: at most 60 bytes, control bytes shown as '?',
 * never cutting a UTF-8 sequence. */
const char *sg_csv_show(const char *s, size_t len, char *buf, size_t size)
{
    size_t max = size - 4 < 60 ? size - 4 : 60, k = 0;
    int cut = len > max;
    if (cut) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* keep a valid UTF-8 sequence, show a stray byte as '?' */
            size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (i + n <= len && sg_csv_utf8_valid((const unsigned char *)s + i, n)) {
                memcpy(buf + k, s + i, n);
                k += n;
                i += n - 1;
                continue;
            }
        }
        buf[k++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    if (cut)
        buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
    buf[k] = '\0';
    return buf;
}

/* ---- delimiter detection ---- */

/* Counts each candidate outside quotes on the first lines (blank lines
 * ignored) and picks the one with the same count > 0 on every line, the
 * highest such count winning; else the most frequent on the first line;
 * else ','.  Also measures the bytes per line to size the staging. */
char sg_csv_detect_delim(const char *buf, size_t len, int whole, size_t *lines, size_t *bytes)
{
    static const char cand[4] = { ',', ';', '\t', '|' };
    size_t first[4] = { 0 }, cur[4] = { 0 }, nlines = 0, end = 0, i;
    int same[4] = { 1, 1, 1, 1 }, inq = 0, nonblank = 0;
    for (i = 0; i <= len && nlines < 50; i++) {
        int eol = i == len ? whole && nonblank : !inq && (buf[i] == '\n' || buf[i] == '\r');
        if (i == len && !eol)
            break;
        if (eol) {
            if (nonblank) {
                for (int k = 0; k < 4; k++) {
                    if (nlines == 0)
                        first[k] = cur[k];
                    else if (cur[k] != first[k])
                        same[k] = 0;
                    cur[k] = 0;
                }
                nlines++;
            }
            nonblank = 0;
            end = i + 1;
            continue;
        }
        char c = buf[i];
        nonblank = 1;
        if (c == '"')
            inq = !inq;
        else if (!inq)
            for (int k = 0; k < 4; k++)
                cur[k] += c == cand[k];
    }
    *lines = nlines;
    *bytes = end > len ? len : end;
    int best = -1;
    for (int k = 0; k < 4; k++)
        if (nlines && same[k] && first[k] > 0 && (best < 0 || first[k] > first[best]))
            best = k;
    if (best < 0)
        for (int k = 0; k < 4; k++)
            if (first[k] > 0 && (best < 0 || first[k] > first[best]))
                best = k;
    return best < 0 ? ',' : cand[best];
}
