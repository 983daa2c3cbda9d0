#include "tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int planned = -1, run, failed;

void tap_plan(int n)
{
    planned = n;
    printf("1..%d\n", n);
}

void tap_skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

static int report(int cond, const char *name)
{
    run++;
    if (!cond)
        failed++;
    printf("%sok %d - %s\n", cond ? "" : "not ", run, name);
    fflush(stdout);
    return cond;
}

int tap_ok(int cond, const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return report(cond, name);
}

int tap_is_int(long long got, long long want, const char *name)
{
    int ok = report(got == want, name);
    if (!ok)
        tap_diag("got %lld, expected %lld", got, want);
    return ok;
}

int tap_is_double(double got, double want, double tol, const char *name)
{
    int ok = (isnan(got) && isnan(want)) || fabs(got - want) <= tol;
    report(ok, name);
    if (!ok)
        tap_diag("got %.17g, expected %.17g (tolerance %g)", got, want, tol);
    return ok;
}

int tap_is_str(const char *got, const char *want, const char *name)
{
    int ok = got && want ? strcmp(got, want) == 0 : got == want;
    report(ok, name);
    if (!ok)
        tap_diag("got '%s', expected '%s'", got ? got : "(null)", want ? want : "(null)");
    return ok;
}

void tap_skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        run++;
        printf("ok %d # skip %s\n", run, why);
    }
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    va_end(ap);
    fflush(stdout);
}

int tap_done(void)
{
    if (planned < 0)
        printf("1..%d\n", run);
    else if (planned != run)
        tap_diag("planned %d tests but ran %d", planned, run);
    return failed || (planned >= 0 && planned != run) ? 1 : 0;
}

const char *tap_fixtures(void)
{
    const char *e = getenv("SG_FIXTURES");
#ifdef SG_FIXTURES_DIR
    return e ? e : SG_FIXTURES_DIR;
#else
    return e ? e : "tests/fixtures";
#endif
}

const char *tap_shared_data(void)
{
    static char path[4096];
    const char *e = getenv("SG_SHARED_DATA");
    struct stat st;
#ifdef SG_SOURCE_DIR
    const char *dflt = SG_SOURCE_DIR "/../shared/data";
#else
    const char *dflt = "../shared/data";
#endif
    snprintf(path, sizeof path, "%s", e ? e : dflt);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? path : NULL;
}
