/* CSV writing: a header, then one line per row; RFC 4180 quoting (fields
 * holding the delimiter, a quote, CR or LF, or starting or ending with a
 * space or tab, are quoted with quotes doubled), LF line endings, missing
 * values as empty fields.  Values are formatted as sg_column_format does
 * (doubles in the shortest text that reads back exactly).  Output goes
 * through one large buffer; integers and strings skip snprintf.
 * sg_table_write_csv writes a temporary file beside the target and renames
 * it over the target only when everything was written. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "mem.h"
#include "csvwrite.h"

#define OUT_BUF (1u << 20)

typedef struct out {
    FILE *f;      /* NULL: a memory buffer that grows (a worker's block) */
    char *buf;
    size_t len, cap;
    int err;      /* errno of the first failed write, 0 when none */
    char delim;
    char decimal; /* the decimal mark of numbers with a fraction ('.' or ',') */
} out;

static void out_flush(out *o)
{
    if (!o->f)
        return;
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? errno : EIO;
    o->len = 0;
}

/* Room for n more bytes: flush a file buffer, or grow a memory one.
 * Returns 0 when the bytes must bypass the buffer (a huge field to a file). */
static int out_room(out *o, size_t n)
{
    if (n <= o->cap - o->len)
        return 1;
    if (o->f) {
        out_flush(o);
        return n <= o->cap;
    }
    size_t cap = o->cap * 2 > o->len + n ? o->cap * 2 : o->len + n;
    char *b = sg_realloc(o->buf, cap);
    if (!b) {
        o->err = ENOMEM;
        return -1;
    }
    o->buf = b;
    o->cap = cap;
    return 1;
}

static void out_bytes(out *o, const char *s, size_t n)
{
    int room = out_room(o, n);
    if (room < 0)
        return;
    if (room == 0) {   /* a huge field: write it straight through */
        if (!o->err && fwrite(s, 1, n, o->f) != n)
            o->err = errno ? errno : EIO;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_char(out *o, char c)
{
    if (o->len == o->cap && out_room(o, 1) != 1)
        return;
    o->buf[o->len++] = c;
}

static int needs_quotes(const char *s, size_t n, char delim)
{
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

/* A field; an empty one is written as "" when force_empty (one-column
 * tables, where an empty line would read as no record at all). */
static void out_field(out *o, const char *s, size_t n, int force_empty)
{
    if (n == 0) {
        if (force_empty)
            out_bytes(o, "\"\"", 2);
        return;
    }
    if (!needs_quotes(s, n, o->delim)) {
        out_bytes(o, s, n);
        return;
    }
    out_char(o, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            out_bytes(o, s + from, i + 1 - from);   /* up to and including the quote */
            out_char(o, '"');
            from = i + 1;
        }
    out_bytes(o, s + from, n - from);
    out_char(o, '"');
}

static size_t format_i64(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n)
        buf[k++] = tmp[--n];
    return k;
}

/* Fast path for doubles with at most 6 decimals and 15 significant
 * digits (prices, amounts): the shortest decimal m / 10^k that reads back
 * as v, which is exactly what sg_column_format prints for such values
 * (%.15g gives the same digits, and integral values get ".0").  Returns 0
 * when v needs the general path. */
static size_t format_f64_fast(double v, char *buf)
{
    static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
    double a = v < 0 ? -v : v;
    if (!(a >= 1e-4 && a < 1e15))   /* also rejects 0, -0, NaN and Inf */
        return 0;
    for (int k = 0; k <= 6; k++) {
        double s = a * p10[k];
        if (s >= 1e15)
            return 0;
        int64_t m = (int64_t)(s + 0.5);
        if ((double)m / p10[k] != a)
            continue;
        char digits[24];
        size_t nd = 0, len = 0;
        do {
            digits[nd++] = (char)('0' + m % 10);
            m /= 10;
        } while (m);
        while (nd <= (size_t)k)   /* at least one digit before the point */
            digits[nd++] = '0';
        if (v < 0)
            buf[len++] = '-';
        while (nd > (size_t)k)
            buf[len++] = digits[--nd];
        buf[len++] = '.';
        if (k == 0)
            buf[len++] = '0';
        while (nd)
            buf[len++] = digits[--nd];
        return len;
    }
    return 0;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* YYYY-MM-DD[ HH:MM:SS] without snprintf for years 0..9999. */
static size_t format_datetime_fast(int64_t t, int date_only, char *buf, size_t size)
{
    int64_t days = t / 86400 - (t % 86400 < 0);   /* floor, without negating t */
    int64_t secs = t - days * 86400, y;
    unsigned m, d;
    sg_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return sg_datetime_format(t, date_only, buf, size);
    put2(buf, (unsigned)(y / 100));
    put2(buf + 2, (unsigned)(y % 100));
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, d);
    if (date_only)
        return 10;
    buf[10] = ' ';
    put2(buf + 11, (unsigned)(secs / 3600));
    buf[13] = ':';
    put2(buf + 14, (unsigned)(secs / 60 % 60));
    buf[16] = ':';
    put2(buf + 17, (unsigned)(secs % 60));
    return 19;
}

static void out_value(out *o, const sg_column *c, size_t i, int one_col)
{
    char buf[64];
    size_t n;
    if (sg_column_is_na(c, i)) {
        out_field(o, "", 0, one_col);
        return;
    }
    switch (c->type) {
    case SG_INT64:
        n = format_i64(sg_column_i64(c)[i], buf);
        break;
    case SG_STRING: {
        const char *s = sg_dict_str(c->dict, sg_column_codes(c)[i], &n);
        out_field(o, s ? s : "", s ? n : 0, one_col);
        return;
    }
    case SG_BOOL:
        if (sg_column_bools(c)[i])
            out_bytes(o, "true", 4);
        else
            out_bytes(o, "false", 5);
        return;
    case SG_DATETIME:
        n = format_datetime_fast(sg_column_i64(c)[i], c->date_only, buf, sizeof buf);
        break;
    default:
        n = format_f64_fast(sg_column_f64(c)[i], buf);
        if (n == 0)
            n = sg_column_format(c, i, buf, sizeof buf);
        if (o->decimal != '.')
            for (size_t k = 0; k < n; k++)
                if (buf[k] == '.')
                    buf[k] = o->decimal;
        break;
    }
    out_field(o, buf, n, one_col);
}

static void out_rows(out *o, const sg_table *t, size_t from, size_t to)
{
    int one_col = t->ncols == 1;
    for (size_t i = from; i < to && !o->err; i++) {
        for (size_t j = 0; j < t->ncols; j++) {
            if (j)
                out_char(o, o->delim);
            out_value(o, t->cols[j], i, one_col);
        }
        out_char(o, '\n');
    }
}

/* A worker formats every other block of rows into memory while the caller
 * formats and writes the others: the bytes are the same as one thread's. */
#define BLOCK_ROWS 1024

typedef struct block_job {
    const sg_table *t;
    out mem;
    size_t from, to;
} block_job;

static void *format_block(void *arg)
{
    block_job *j = arg;
    j->mem.len = 0;
    out_rows(&j->mem, j->t, j->from, j->to);
    return NULL;
}

/* Writes everything to f; 0, SG_EINVAL, SG_ENOMEM, or SG_EIO with *eno
 * set to the errno of the failure.  Messages are left to the callers. */
static int write_all(const sg_table *t, FILE *f, const sg_csv_write_options *wo, int *eno)
{
    char delim = wo->delim;
    if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0' || delim == wo->decimal ||
        (wo->decimal != '.' && wo->decimal != ','))
        return SG_EINVAL;
    out o = { f, sg_malloc(OUT_BUF), 0, OUT_BUF, 0, delim, wo->decimal };
    if (!o.buf)
        return SG_ENOMEM;
    errno = 0;
    if (wo->bom)
        out_bytes(&o, "\xEF\xBB\xBF", 3);
    int one_col = t->ncols == 1;
    for (size_t j = 0; j < t->ncols; j++) {
        if (j)
            out_char(&o, delim);
        out_field(&o, t->cols[j]->name, strlen(t->cols[j]->name), one_col);
    }
    out_char(&o, '\n');
    block_job job = { t, { NULL, NULL, 0, 0, 0, delim, wo->decimal }, 0, 0 };
    int threaded = t->nrows >= 2 * BLOCK_ROWS && (job.mem.buf = sg_malloc(OUT_BUF)) != NULL;
    job.mem.cap = threaded ? OUT_BUF : 0;
    size_t i = 0;
    while (i < t->nrows && !o.err) {
        size_t a_end = i + BLOCK_ROWS < t->nrows ? i + BLOCK_ROWS : t->nrows;
        size_t b_end = a_end + BLOCK_ROWS < t->nrows ? a_end + BLOCK_ROWS : t->nrows;
        pthread_t th;
        int spawned = 0;
        if (threaded && a_end < b_end) {
            job.from = a_end;
            job.to = b_end;
            spawned = pthread_create(&th, NULL, format_block, &job) == 0;
        }
        out_rows(&o, t, i, a_end);
        if (spawned) {
            pthread_join(th, NULL);
            if (job.mem.err)
                o.err = job.mem.err;
            else
                out_bytes(&o, job.mem.buf, job.mem.len);
            i = b_end;
        } else {
            i = a_end;
        }
    }
    out_flush(&o);
    sg_free(o.buf);
    sg_free(job.mem.buf);
    if (!o.err && fflush(f) != 0)
        o.err = errno ? errno : EIO;
    *eno = o.err;
    return o.err == ENOMEM ? SG_ENOMEM : o.err ? SG_EIO : 0;
}

static int report(int rc, const char *path, int eno, sg_error *err)
{
    switch (rc) {
    case 0: return 0;
    case SG_EINVAL:
        return sg_error_set(err, SG_EINVAL, "write_csv: the delimiter cannot be a quote, CR, LF, NUL or the "
                            "decimal mark, and the decimal mark must be '.' or ','");
    case SG_ENOMEM: return sg_error_nomem(err);
    default:
        if (path)
            return sg_error_set(err, SG_EIO, "write_csv: cannot write '%s': %s", path, strerror(eno));
        return sg_error_set(err, SG_EIO, "write_csv: cannot write: %s", strerror(eno));
    }
}

int sg_table_write_csv_stream(const sg_table *t, FILE *f, char delim, sg_error *err)
{
    int eno = 0;
    sg_csv_write_options wo = { delim, '.', 0 };
    int rc = write_all(t, f, &wo, &eno);   /* before eno is read */
    return report(rc, NULL, eno, err);
}

int sg_table_write_csv(const sg_table *t, const char *path, char delim, sg_error *err)
{
    sg_csv_write_options wo = { delim, '.', 0 };
    return sg_table_write_csv_opts(t, path, &wo, err);
}

int sg_table_write_csv_opts(const sg_table *t, const char *path, const sg_csv_write_options *wo, sg_error *err)
{
    char delim = wo->delim;
    if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0' || delim == wo->decimal ||
        (wo->decimal != '.' && wo->decimal != ','))
        return report(SG_EINVAL, path, 0, err);
    size_t plen = strlen(path);
    char *tmp = sg_malloc(plen + 48);
    if (!tmp)
        return sg_error_nomem(err);
    /* a fresh temporary in the same directory (so rename stays atomic);
     * open() with mode 0666 lets the umask decide the permissions */
    int fd = -1;
    for (unsigned k = 0; k < 1000 && fd < 0; k++) {
        snprintf(tmp, plen + 48, "%s.tmp.%ld.%u", path, (long)getpid(), k);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        sg_error_set(err, SG_EIO, "write_csv: cannot write '%s': %s (creating the temporary file '%s')",
                     path, strerror(e), tmp);
        sg_free(tmp);
        return SG_EIO;
    }
    FILE *f = fdopen(fd, "w");
    int eno = 0, rc;
    if (!f) {
        eno = errno;
        close(fd);
        rc = SG_EIO;
    } else {
        rc = write_all(t, f, wo, &eno);
        if (fclose(f) != 0 && rc == 0) {
            eno = errno;
            rc = SG_EIO;
        }
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        eno = errno;
        sg_error_set(err, SG_EIO, "write_csv: cannot replace '%s' with '%s': %s", path, tmp, strerror(eno));
        unlink(tmp);
        sg_free(tmp);
        return SG_EIO;
    }
    if (rc != 0)
        unlink(tmp);
    sg_free(tmp);
    return report(rc, path, eno, err);
}
