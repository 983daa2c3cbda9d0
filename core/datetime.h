/* Calendar arithmetic and parsing of date/time text.  Times are int64
 * seconds since 1970-01-01 00:00:00 in civil time (no time zone), on the
 * proleptic Gregorian calendar, without leap seconds (as POSIX time).
 *
 * Parsing accepts years 1 to 9999 and times 00:00:00 to 23:59:59: a leap
 * second (23:59:60) is refused, as it has no value of its own; folding it
 * into 23:59:59 or the next day would silently change the data.  Every
 * value the parser accepts formats back (sg_datetime_format) to text that
 * parses to the same value.  Formatting and the calendar functions are
 * defined for the whole int64 range (years about -2.9e11 to 2.9e11). */
#ifndef SG_DATETIME_H
#define SG_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* Recognised layouts. */
typedef enum sg_date_format {
    SG_DATE_UNKNOWN = 0,
    SG_DATE_ISO,        /* YYYY-MM-DD[ HH:MM[:SS]] and YYYY-MM-DDTHH:MM:SS */
    SG_DATE_DMY,        /* DD/MM/YYYY[ HH:MM[:SS]] */
    SG_DATE_MDY,        /* MM/DD/YYYY[ HH:MM[:SS]] */
    SG_DATE_COMPACT,    /* YYYYMMDD */
    SG_DATE_DMY_DASH    /* DD-MM-YYYY[ HH:MM[:SS]] */
} sg_date_format;

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t sg_days_from_civil(int64_t y, unsigned m, unsigned d);
void sg_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int sg_valid_date(int64_t y, unsigned m, unsigned d);
/* Day of week of a day count, 1 = Monday .. 7 = Sunday. */
int sg_weekday(int64_t days);

/* Parses s[0..len) in the given layout; 0 on success with *out set and
 * *has_time set when a time of day was present. */
int sg_datetime_parse(const char *s, size_t len, sg_date_format fmt, int64_t *out, int *has_time);
/* Tries the layouts in turn.  For slash dates both DMY and MDY may fit:
 * *fits receives a bit set (1 << fmt) of every layout that parses. */
unsigned sg_datetime_fits(const char *s, size_t len);
/* Parses a format name: "YYYY-MM-DD", "ISO", "DD/MM/YYYY", "MM/DD/YYYY",
 * "YYYYMMDD", "DD-MM-YYYY" (a trailing " HH:MM[:SS]" is accepted). */
sg_date_format sg_date_format_parse(const char *name);
const char *sg_date_format_name(sg_date_format f);
/* Formats as "YYYY-MM-DD" (date_only) or "YYYY-MM-DD HH:MM:SS"; years
 * before 1 as "-YYYY", years after 9999 with more digits (such values
 * come from arithmetic only and do not parse back).  Any int64.  Returns
 * the length written. */
size_t sg_datetime_format(int64_t t, int date_only, char *buf, size_t size);

/* The length in days of a time unit of the BTYD summaries and RFM's btyd_*
 * fields: "days" 1, "weeks" 7, "months" 30.4375 (a 365.25-day year / 12).
 * 0 for any other name (and NULL). */
double sg_time_unit_days(const char *unit);

#endif
