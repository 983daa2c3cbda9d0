/* Output side of the generator: buffered files written under a temporary
 * name and renamed when everything succeeded, mkdir -p, and the
 * formatting helpers that are not hot enough to be inline.  Number
 * formatting never goes through the C locale's decimal point. */
#include "generate_internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mem.h"

static char *join_path(const char *dir, const char *name, const char *suffix)
{
    size_t a = strlen(dir), b = strlen(name), c = strlen(suffix);
    char *p = sg_malloc(a + 1 + b + c + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b);
    memcpy(p + a + 1 + b, suffix, c + 1);
    return p;
}

int sg_gen_out_open(sg_gen_out *w, const char *dir, const char *name, sg_error *err)
{
    memset(w, 0, sizeof *w);
    w->cached_day = INT64_MIN;
    w->tmp_path = join_path(dir, name, ".tmp");
    w->final_path = join_path(dir, name, "");
    w->buf = sg_malloc(SG_GEN_OUTBUF);
    if (!w->tmp_path || !w->final_path || !w->buf) {
        sg_gen_out_free(w);
        return sg_error_nomem(err);
    }
    w->f = fopen(w->tmp_path, "wb");
    if (!w->f) {
        int e = errno;
        sg_error_set(err, SG_EIO, "generate: cannot create %s: %s", w->tmp_path, strerror(e));
        sg_gen_out_free(w);
        return SG_EIO;
    }
    return SG_OK;
}

void sg_gen_out_flush(sg_gen_out *w)
{
    if (w->len && w->f && !w->io_failed && fwrite(w->buf, 1, w->len, w->f) != w->len)
        w->io_failed = errno ? errno : EIO;
    w->len = 0;
}

int sg_gen_out_close(sg_gen_out *w, sg_error *err)
{
    if (!w->f)
        return SG_OK;
    errno = 0;
    sg_gen_out_flush(w);
    if (fflush(w->f) != 0 && !w->io_failed)
        w->io_failed = errno ? errno : EIO;
    if (fclose(w->f) != 0 && !w->io_failed)
        w->io_failed = errno ? errno : EIO;
    w->f = NULL;
    if (w->io_failed)
        return sg_error_set(err, SG_EIO, "generate: cannot write %s: %s", w->tmp_path,
                            strerror(w->io_failed));
    return SG_OK;
}

int sg_gen_out_commit(sg_gen_out *w, sg_error *err)
{
    if (rename(w->tmp_path, w->final_path) != 0) {
        int e = errno;
        return sg_error_set(err, SG_EIO, "generate: cannot rename %s to %s: %s", w->tmp_path,
                            w->final_path, strerror(e));
    }
    return SG_OK;
}

void sg_gen_out_discard(sg_gen_out *w)
{
    if (w->f) {
        fclose(w->f);
        w->f = NULL;
    }
    if (w->tmp_path)
        remove(w->tmp_path);
    sg_gen_out_free(w);
}

void sg_gen_out_free(sg_gen_out *w)
{
    sg_free(w->tmp_path);
    sg_free(w->final_path);
    sg_free(w->buf);
    w->tmp_path = w->final_path = w->buf = NULL;
}

static int make_one_dir(const char *path, sg_error *err)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return SG_OK;
    int e = errno;
    if (e == EEXIST && stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return SG_OK;
        return sg_error_set(err, SG_EIO, "generate: out_dir: %s exists and is not a directory",
                            path);
    }
    return sg_error_set(err, SG_EIO, "generate: out_dir: cannot create %s: %s", path,
                        strerror(e));
}

int sg_gen_mkdir_p(const char *dir, sg_error *err)
{
    char *p = sg_strdup(dir);
    if (!p)
        return sg_error_nomem(err);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    int rc = SG_OK;
    /* create each ancestor in turn: "a", "a/b", "a/b/c" */
    for (size_t i = 1; i <= n && rc == SG_OK; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            if (p[i - 1] == '/')
                continue;   /* repeated slash */
            char c = p[i];
            p[i] = '\0';
            rc = make_one_dir(p, err);
            p[i] = c;
        }
    }
    sg_free(p);
    return rc;
}

void sg_gen_put_field(sg_gen_out *w, const char *s)
{
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        sg_gen_put_mem(w, s, n);
        return;
    }
    sg_gen_put_char(w, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sg_gen_put_char(w, '"');
        sg_gen_put_char(w, s[i]);
    }
    sg_gen_put_char(w, '"');
}

void sg_gen_put_double(sg_gen_out *w, double x)
{
    char tmp[48];
    int k = snprintf(tmp, sizeof tmp, "%.9g", x);
    if (k < 0)
        k = 0;
    if ((size_t)k >= sizeof tmp)
        k = (int)sizeof tmp - 1;
    /* whatever the locale's decimal point is, write '.' (only digits,
     * sign, exponent and the decimal point can appear in %g output) */
    for (int i = 0; i < k; i++) {
        char c = tmp[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'n' ||
              c == 'a' || c == 'i' || c == 'f'))
            tmp[i] = '.';
    }
    sg_gen_put_mem(w, tmp, (size_t)k);
}

void sg_gen_put_date(sg_gen_out *w, int64_t day)
{
    if (day != w->cached_day) {
        int64_t y;
        unsigned m, d;
        sg_civil_from_days(day, &y, &m, &d);
        char *t = w->day_text;
        t[0] = (char)('0' + y / 1000 % 10);
        t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10);
        t[3] = (char)('0' + y % 10);
        t[4] = '-';
        t[5] = (char)('0' + m / 10);
        t[6] = (char)('0' + m % 10);
        t[7] = '-';
        t[8] = (char)('0' + d / 10);
        t[9] = (char)('0' + d % 10);
        w->cached_day = day;
    }
    sg_gen_put_mem(w, w->day_text, 10);
}

void sg_gen_put_datetime(sg_gen_out *w, int64_t t)
{
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    unsigned s = (unsigned)(t - day * 86400);
    unsigned hh = s / 3600, mm = s / 60 % 60, ss = s % 60;
    char tm[9] = { (char)('0' + hh / 10), (char)('0' + hh % 10), ':',
                   (char)('0' + mm / 10), (char)('0' + mm % 10), ':',
                   (char)('0' + ss / 10), (char)('0' + ss % 10), 0 };
    sg_gen_put_date(w, day);
    sg_gen_put_char(w, ' ');
    sg_gen_put_mem(w, tm, 8);
}
