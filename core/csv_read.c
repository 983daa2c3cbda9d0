/* CSV reader: reading the file.  The libcsv callbacks and the staging of
 * one pass are in csv.c; this file opens and reads the file, sets up one
 * libcsv parser and sg_csv_reader per byte range, runs the ranges on
 * threads, merges them (sg_csv_merge, csv_build.c), runs the pass again
 * when typed speculation fell back, and holds the public sg_csv_read.
 *
 * Parallel parsing (regular files of 4 MB or more): the file is cut into
 * up to SG_THREADS byte ranges (default min(2, online CPUs)) at record
 * boundaries found by quote parity: the quotes and line ends before the
 * cut are counted by the second thread (scan_splits), which also gives the
 * line number where each range starts.  Each range gets its own libcsv
 * parser and staging; the first range (main thread) parses the header and
 * makes the speculation decision, which the others wait for.  The ranges
 * are then merged in file order (sg_csv_merge): dictionaries remapped in
 * first-appearance order, so codes equal those of one sequential pass;
 * the first error in file order wins.  A cut is trusted only if the parser
 * of the range before it ends there between records on the predicted
 * line (libcsv treats a stray quote inside an unquoted field as text,
 * which quote parity cannot know); otherwise that parser simply goes on
 * over the rest of the file and the later ranges are dropped.
 *
 * Blocks are read with pread (read for a pipe, which is parsed on one
 * thread, once).  The first range detects the delimiter and the BOM from
 * the file's first block (detect_first; read on its own for a file, so
 * that the cut changes nothing; a pipe's first read) and reports progress
 * for all ranges. */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* libcsv's header: core/ is deliberately not on sgcore's include path, so
 * <csv.h> is libcsv's while "csv.h" is ours (see CMakeLists.txt). */
#include <csv.h>

#include "csv_internal.h"
#include "mem.h"

#define BLOCK_SIZE ((size_t)256 << 10)
#define PROGRESS_EVERY ((uint64_t)4 << 20)
#define MIN_SPLIT ((uint64_t)4 << 20)   /* smaller files are read on one thread */
#define MAX_THREADS 16
#define NO_END UINT64_MAX
#define ONES 0x0101010101010101ull

static const char *const default_na[] = { "", "NA", "null", "NULL", "N/A", "NaN" };

/* Block size and the size from which files are cut: fixed, except for the
 * tests and fuzzers that shrink them (sg_csv_tune). */
static size_t block_size = BLOCK_SIZE;
static uint64_t min_split = MIN_SPLIT;

void sg_csv_tune(size_t block, uint64_t split, size_t sample)
{
    block_size = block ? block : BLOCK_SIZE;
    min_split = block ? split : MIN_SPLIT;
    sg_csv_sample_rows = block && sample ? sample : SG_CSV_SAMPLE_ROWS;
}

void sg_csv_options_init(sg_csv_options *o)
{
    memset(o, 0, sizeof *o);
}

void sg_csv_report_free(sg_csv_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nnotes; i++)
        sg_free(r->notes[i]);
    sg_free(r->notes);
    r->notes = NULL;
    r->nnotes = 0;
    for (size_t i = 0; i < r->nwarnings; i++)
        sg_free(r->warnings[i]);
    sg_free(r->warnings);
    r->warnings = NULL;
    r->nwarnings = 0;
    for (size_t i = 0; i < r->nsuspects; i++)
        sg_free(r->suspects[i].message);
    sg_free(r->suspects);
    r->suspects = NULL;
    r->nsuspects = 0;
}

int sg_csv_warn(sg_csv_report *rep, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char **w = sg_realloc(rep->warnings, (rep->nwarnings + 1) * sizeof *w);
    if (!w)
        return SG_ENOMEM;
    rep->warnings = w;
    if (!(w[rep->nwarnings] = sg_strdup(text)))
        return SG_ENOMEM;
    rep->nwarnings++;
    return 0;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

void sg_csv_reader_free(sg_csv_reader *r)
{
    if (!r->shared) {
        for (size_t j = 0; j < r->nnames; j++) {
            sg_free(r->names[j]);
            if (r->raw)
                sg_free(r->raw[j]);
        }
        sg_free(r->names);
        sg_free(r->raw);
        sg_free(r->ov);
        sg_free(r->expect);
    }
    if (r->cols)
        for (size_t j = 0; j < r->ncols; j++)
            sg_csv_col_free(&r->cols[j]);
    sg_free(r->cols);
    sg_free(r->adj);
    sg_free(r->scratch);
    sg_free(r->pipe_text);
    memset(r, 0, sizeof *r);
}

static int check_options(const char *path, const sg_csv_options *o, sg_error *err)
{
    if (!path)
        return sg_error_set(err, SG_EINVAL, "read_csv: no file name given");
    if (o->delim == '"' || o->delim == '\n' || o->delim == '\r')
        return sg_error_set(err, SG_EINVAL,
                            "read_csv: the delimiter cannot be a quote or a newline");
    if (o->noverrides && !o->overrides)
        return sg_error_set(err, SG_EINVAL, "read_csv: overrides missing");
    for (size_t k = 0; k < o->noverrides; k++) {
        const sg_csv_override *v = &o->overrides[k];
        if (!v->column)
            return sg_error_set(err, SG_EINVAL, "read_csv: a type override has no column name");
        if ((int)v->type < SG_INT64 || (int)v->type > SG_BOOL)
            return sg_error_set(err, SG_EINVAL, "read_csv: bad type for column '%s'", v->column);
        if ((int)v->format < SG_DATE_UNKNOWN || (int)v->format > SG_DATE_DMY_DASH)
            return sg_error_set(err, SG_EINVAL, "read_csv: bad date format for column '%s'",
                                v->column);
    }
    if (o->nexpect && !o->expect)
        return sg_error_set(err, SG_EINVAL, "read_csv: expect missing");
    for (size_t k = 0; k < o->nexpect; k++)
        if (!o->expect[k].column ||
            (o->expect[k].kind != SG_CSV_NUMBERS && o->expect[k].kind != SG_CSV_DATES))
            return sg_error_set(err, SG_EINVAL, "read_csv: bad expectation %zu", k + 1);
    if (o->nna > 64 || (o->nna && !o->na))
        return sg_error_set(err, SG_EINVAL, "read_csv: at most 64 missing markers");
    for (size_t k = 0; k < o->nna; k++)
        if (!o->na[k])
            return sg_error_set(err, SG_EINVAL, "read_csv: missing marker %zu is NULL", k + 1);
    return 0;
}

static void setup_markers(sg_csv_reader *r)
{
    r->na = r->opt->na ? r->opt->na : default_na;
    r->nna = r->opt->na ? r->opt->nna : sizeof default_na / sizeof default_na[0];
    for (size_t k = 0; k < r->nna; k++) {
        r->na_len[k] = strlen(r->na[k]);
        if (r->na_len[k] == 0)
            r->na_empty = 1;
        else
            r->na_first[(unsigned char)r->na[k][0]] = 1;
        if (r->na_len[k] > r->na_maxlen)
            r->na_maxlen = r->na_len[k];
    }
}

/* ---- reading the file: byte ranges, threads, merge ---- */

typedef struct sg_csv_job sg_csv_job;

typedef struct sg_csv_chunk {
    sg_csv_job *job;
    int k;
    sg_csv_reader r;
    struct csv_parser p;
    int p_ok;            /* p is initialised */
    int ran;             /* the range was parsed (perhaps stopped by an error) */
    int done;            /* ... up to its end */
    char *buf;
    pthread_t tid;
    int started;
} sg_csv_chunk;

struct sg_csv_job {
    const char *path;
    const sg_csv_options *opt;
    sg_error *err;
    int fd, seekable;
    uint64_t size;
    int nthreads;                  /* ranges planned */
    uint64_t first_to;             /* one range: where it ends (NO_END, or a part's end) */
    const sg_csv_part_modes *part; /* a distributed read's first part: told its decision */
    int part_told;
    const uint8_t *force_dict;
    int no_spec;
    sg_csv_chunk chunks[MAX_THREADS];
    atomic_int abort;              /* the first range failed: stop the others */
    atomic_uint_least64_t done[MAX_THREADS];   /* bytes parsed, for progress */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    int splits_ready;
    int nchunks;                   /* ranges actually cut */
    uint64_t split[MAX_THREADS + 1];
    uint64_t line0[MAX_THREADS];   /* line where each range starts */
    int setup;                     /* 0 pending, 1 ready, -1 the other ranges are not parsed */
    int *modes;                    /* the first range's column modes, for the others */
    sg_date_format *fmts;
    char delim;
    double rows_per_byte;
};

/* Reads up to want bytes at pos (the next bytes for a pipe); -1 on error. */
static ssize_t read_block(const sg_csv_job *job, char *buf, uint64_t pos, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = job->seekable ? pread(job->fd, buf + got, want - got, (off_t)(pos + got))
                                  : read(job->fd, buf + got, want - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* 0x80 in every byte of v that is zero (exact, no carries between bytes). */
static uint64_t zero_bytes(uint64_t v)
{
    uint64_t t = (v & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full;
    return ~(t | v | 0x7f7f7f7f7f7f7f7full);
}

typedef sg_csv_scan_state scan_state;

static void scan_byte(scan_state *st, unsigned char ch)
{
    if (st->prev == '\r' && ch != '\n')
        st->lines++;
    if (ch == '\n')
        st->lines++;
    else if (ch == '"')
        st->odd ^= 1;
    st->prev = ch;
}

/* Counts quotes and line ends of b[i, stop): 16 bytes at a time with
 * SSE2 where a block holds no CR (the order of quotes and LFs does not
 * matter to a count and a parity), else 8 bytes at a time where a word
 * holds no CR and no quote, else byte by byte. */
static void scan_span(scan_state *st, const unsigned char *b, size_t i, size_t stop)
{
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), qu = _mm_set1_epi8('"');
    while (i + 16 <= stop) {
        /* per-byte counters (cmpeq gives -1 per match) for up to 255 blocks */
        __m128i nl = _mm_setzero_si128(), nq = _mm_setzero_si128();
        size_t end = stop - i > 255 * 16 ? i + 255 * 16 : stop, i0 = i;
        while (i + 16 <= end && st->prev != '\r') {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
            if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, cr)))
                break;
            nl = _mm_sub_epi8(nl, _mm_cmpeq_epi8(x, lf));
            nq = _mm_sub_epi8(nq, _mm_cmpeq_epi8(x, qu));
            i += 16;
        }
        if (i > i0) {
            __m128i z = _mm_setzero_si128();
            __m128i sl = _mm_sad_epu8(nl, z), sq = _mm_sad_epu8(nq, z);
            st->lines += (uint64_t)_mm_cvtsi128_si32(sl) +
                         (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sl, 8));
            st->odd ^= (_mm_cvtsi128_si32(sq) + _mm_cvtsi128_si32(_mm_srli_si128(sq, 8))) & 1;
            st->prev = b[i - 1];
        }
        if (i + 16 <= end && i == i0) {
            /* a CR in this block, or one just before it */
            for (size_t e = i + 16; i < e; i++)
                scan_byte(st, b[i]);
        }
    }
#endif
    while (i + 8 <= stop) {
        uint64_t x;
        memcpy(&x, b + i, 8);
        if (!(zero_bytes(x ^ (ONES * '\r')) | zero_bytes(x ^ (ONES * '"'))) && st->prev != '\r') {
            /* one 0x80 per LF: the multiply sums them in the top byte */
            st->lines += ((zero_bytes(x ^ (ONES * '\n')) >> 7) * ONES) >> 56;
            st->prev = b[i + 7];
            i += 8;
            continue;
        }
        for (size_t e = i + 8; i < e; i++)
            scan_byte(st, b[i]);
    }
    for (; i < stop; i++)
        scan_byte(st, b[i]);
}

void sg_csv_scan(sg_csv_scan_state *st, const unsigned char *b, size_t len)
{
    scan_span(st, b, 0, len);
}

void sg_csv_scan_byte(sg_csv_scan_state *st, unsigned char ch)
{
    scan_byte(st, ch);
}

/* Second thread, before its own range: cuts the file near k * size / n
 * after a newline preceded by an even number of quotes, and counts the
 * line ends before each cut.  Always publishes (nchunks 1: no cut). */
static void scan_splits(sg_csv_job *job, char *buf)
{
    int n = job->nthreads, k = 1;
    uint64_t pos = 0, split[MAX_THREADS + 1], line0[MAX_THREADS];
    uint64_t target = job->size / (uint64_t)n;
    scan_state st = { 0, 0, 0 };
    while (k < n && !atomic_load(&job->abort)) {
        ssize_t got = read_block(job, buf, pos, block_size);
        if (got <= 0)
            break;
        const unsigned char *b = (const unsigned char *)buf;
        size_t i = 0, len = (size_t)got;
        while (i < len && k < n) {
            if (pos + i < target) {
                size_t stop = target - pos < len ? (size_t)(target - pos) : len;
                scan_span(&st, b, i, stop);
                i = stop;
                continue;
            }
            unsigned char ch = b[i++];
            scan_byte(&st, ch);
            if (ch == '\n' && !st.odd) {
                if (pos + i >= job->size)
                    break;                /* the last range would be empty */
                split[k] = pos + i;
                line0[k] = st.lines + 1;
                k++;
                target = job->size / (uint64_t)n * (uint64_t)k;
            }
        }
        pos += len;
        if (len < block_size || (i < len && k < n))
            break;
    }
    pthread_mutex_lock(&job->mu);
    job->nchunks = k;
    job->split[0] = 0;
    job->line0[0] = 1;
    for (int q = 1; q < k; q++) {
        job->split[q] = split[q];
        job->line0[q] = line0[q];
    }
    job->splits_ready = 1;
    pthread_cond_broadcast(&job->cv);
    pthread_mutex_unlock(&job->mu);
}

/* Where the first range ends: it may read up to size / n before the cut
 * is known, then waits for scan_splits. */
static uint64_t first_end(sg_csv_job *job, uint64_t pos)
{
    if (job->nthreads == 1)
        return job->first_to;
    uint64_t guess = job->size / (uint64_t)job->nthreads, end;
    pthread_mutex_lock(&job->mu);
    while (!job->splits_ready && pos >= guess)
        pthread_cond_wait(&job->cv, &job->mu);
    end = !job->splits_ready ? guess : job->nchunks > 1 ? job->split[1] : NO_END;
    pthread_mutex_unlock(&job->mu);
    return end;
}

/* The first range tells the others the header and its speculation
 * decision (or that they must not run). */
static void publish_setup(sg_csv_job *job, const sg_csv_reader *r)
{
    if (job->nthreads == 1) {
        if (job->part && job->part->decided && !job->part_told) {
            job->part_told = 1;
            job->part->decided(job->part->ud, r);
        }
        return;
    }
    pthread_mutex_lock(&job->mu);
    if (job->setup == 0) {
        job->setup = -1;
        if (!r->failed && !r->stop && !r->in_header && r->ncols) {
            job->modes = sg_malloc(r->ncols * sizeof *job->modes);
            job->fmts = sg_malloc(r->ncols * sizeof *job->fmts);
            if (job->modes && job->fmts) {
                for (size_t j = 0; j < r->ncols; j++) {
                    job->modes[j] = r->cols[j].mode;
                    job->fmts[j] = r->cols[j].fmt;
                }
                job->setup = 1;
            }
        }
        pthread_cond_broadcast(&job->cv);
    }
    pthread_mutex_unlock(&job->mu);
}

/* The BOM and the delimiter, from the first block of the file (whole: the
 * block is the whole file), and the staging size.  *skip: the BOM's bytes. */
static void detect_first(sg_csv_job *job, sg_csv_reader *r, struct csv_parser *p, const char *data,
                         size_t len, int whole, size_t *skip)
{
    size_t lines, bytes;
    *skip = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
        *skip = 3;
    }
    char d = sg_csv_detect_delim(data, len, whole, &lines, &bytes);
    csv_set_delim(p, (unsigned char)(r->opt->delim ? r->opt->delim : d));
    job->delim = (char)csv_get_delim(p);
    job->rows_per_byte = lines && bytes ? (double)lines / (double)bytes : 0;
    /* rows ~ size * lines / bytes of the sample, plus 2% */
    double est = (double)r->size * job->rows_per_byte;
    r->cap_hint = est > 1e9 ? 1000000000u : (size_t)(est * 1.02) + 64;
}

static uint64_t bytes_done(sg_csv_job *job)
{
    uint64_t t = 0;
    for (int k = 0; k < job->nthreads; k++)
        t += atomic_load(&job->done[k]);
    return t;
}

/* ---- quotes ----
 * libcsv runs in strict mode (parser_init), where it stops at a quote
 * inside an unquoted field (12" screen) and at a closing quote followed by
 * something other than a delimiter or a line end ("abc"x).  The first is
 * text, as in libcsv's lenient mode: feed_libcsv() puts it in the field
 * and goes on.  The second is what lets an unterminated quote swallow the
 * rows after it without a word: an error naming the opening quote, unless
 * lenient_quotes asks for libcsv's lenient reading, which feed_libcsv()
 * then does itself (the character is text, the field stays quoted) and csv.c
 * counts the field and the line ends it runs over.  Both resume libcsv
 * through the fields of struct csv_parser that its public header
 * declares: the state is saved before the strict return, and the field
 * buffer has room for the character (libcsv grows it before reading
 * each one). */

/* Line ends in a field's text (a CRLF once), as csv.c counts them. */
static uint64_t text_lines(const unsigned char *s, size_t len)
{
    uint64_t n = 0;
    for (size_t k = 0; k < len; k++)
        if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
            n++;
    return n;
}

/* "column 'desc': " for field j (0-based) of a data record, else "". */
static const char *field_label(const sg_csv_reader *r, size_t j, char *buf, size_t size)
{
    char nb[80];
    if (r->in_header || j >= r->ncols || !r->names)
        return "";
    snprintf(buf, size, "column '%s': ", sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb));
    return buf;
}

/* The field being parsed opened with a quote on r->line (nothing of it
 * has been counted yet); what stops it is described by `what`. */
static void quote_error(sg_csv_reader *r, const char *what)
{
    char lb[100];
    if (sg_csv_pipe_flush(r))          /* an earlier error wins */
        return;
    r->failed = r->structural = 1;
    sg_error_set(r->err, SG_EDATA, "%s:%llu:%zu: %s%s", r->path, (unsigned long long)r->line,
                 r->nf + 1, field_label(r, r->nf, lb, sizeof lb), what);
}

/* Feeds len bytes to libcsv's parser p; returns the bytes consumed (len
 * unless out of memory). */
static size_t feed_libcsv(void *ud, struct csv_parser *p, const char *data, size_t len)
{
    sg_csv_reader *r = ud;
    size_t done = 0;
    while (done < len) {
        done += csv_parse(p, data + done, len - done, sg_csv_on_field, sg_csv_on_row, r);
        if (done == len || csv_error(p) != CSV_EPARSE)
            break;
        unsigned char c = (unsigned char)data[done];
        p->status = CSV_SUCCESS;
        if (r->failed || r->stop)
            return len;
        if (p->pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED && !r->opt->lenient_quotes) {
            char what[400], cb[16];
            uint64_t at = r->line + text_lines(p->entry_buf, p->entry_pos);
            snprintf(what, sizeof what,
                     "quote not closed properly: in the field quoted here, a quote on line %llu "
                     "is followed by '%s' where a closing quote must be followed by a delimiter "
                     "or a line end (a quote inside quotes is written twice; quotes = "
                     "\"lenient\" reads such fields as text)",
                     (unsigned long long)at, sg_csv_show((const char *)&c, 1, cb, sizeof cb));
            quote_error(r, what);
            return len;
        }
        if (p->pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED) {
            p->pstate = LIBCSV_FIELD_BEGUN;      /* still quoted: counted when the field ends */
            r->quote_bad = 1;
        } else if (p->pstate != LIBCSV_FIELD_BEGUN || p->quoted ||
                   p->entry_pos >= p->entry_size) {
            quote_error(r, "the CSV parser stopped on a quote it cannot place");   /* not expected */
            return len;
        }
        p->entry_buf[p->entry_pos++] = c;
        p->spaces = 0;
        done++;
    }
    return done;
}

static int reader_halted(void *ud)
{
    const sg_csv_reader *r = ud;
    return r->failed || r->stop;
}

/* Feeds len bytes of the range to reader r (quote-free records directly,
 * the rest through p: csv_plain.c); returns the bytes consumed (len unless
 * out of memory). */
static size_t feed(sg_csv_reader *r, struct csv_parser *p, const char *data, size_t len)
{
    const sg_csv_feeder f = { p, sg_csv_on_field, sg_csv_on_row, feed_libcsv, reader_halted, r };
    return sg_csv_feed(&f, data, len);
}

enum { RANGE_FIRST, RANGE_WORKER, RANGE_REST };

/* Feeds the bytes from `from` to parser p of reader r, up to `to`
 * (RANGE_FIRST: the cut, once known; NO_END: end of file, where the parse
 * is finished).  RANGE_FIRST and RANGE_REST run on the calling thread and
 * report progress.  Returns 1 when the range was parsed to its end. */
static int parse_range(sg_csv_job *job, int k, sg_csv_reader *r, struct csv_parser *p, char *buf,
                       uint64_t from, uint64_t to, int how)
{
    uint64_t pos = from, end = to, last_progress = 0;
    int first = how == RANGE_FIRST && from == 0, done = 0;
    if (first && job->seekable) {
        /* a file's first block is read on its own for the detection: the
         * first range's own first read may stop short (at size / threads)
         * while the cut is not known, and must not change the result */
        size_t want = job->size < block_size ? (size_t)job->size : block_size, skip;
        ssize_t n = read_block(job, buf, 0, want);
        if (n < 0) {
            r->failed = 1;
            sg_error_set(r->err, SG_EIO, "cannot read '%s': %s", r->path, strerror(errno));
            publish_setup(job, r);
            atomic_store(&job->abort, 1);
            return 0;
        }
        detect_first(job, r, p, buf, (size_t)n, (uint64_t)n >= job->size, &skip);
        pos += skip;
        atomic_fetch_add(&job->done[k], (uint64_t)skip);
        first = 0;
    }
    for (;;) {
        if (how == RANGE_FIRST)
            end = first_end(job, pos);
        if (pos >= end) {
            done = 1;
            break;
        }
        size_t want = end - pos < block_size ? (size_t)(end - pos) : block_size;
        ssize_t n = read_block(job, buf, pos, want);
        if (n < 0) {
            int e = errno;
            if (!sg_csv_pipe_flush(r)) {
                r->failed = 1;
                sg_error_set(r->err, SG_EIO, "cannot read '%s': %s", r->path, strerror(e));
            }
            break;
        }
        if (n == 0) {
            done = 1;
            break;
        }
        const char *data = buf;
        size_t len = (size_t)n;
        pos += (uint64_t)n;
        if (first) {                   /* a pipe: its first block is this read */
            size_t skip;
            first = 0;
            detect_first(job, r, p, data, len, (size_t)n < want, &skip);
            data += skip;
            len -= skip;
        }
        size_t bs = csv_get_buffer_size(p);
        csv_set_blk_size(p, bs < 65536 ? 65536 : bs);   /* geometric growth for huge fields */
        if (feed(r, p, data, len) != len && !r->failed)
            sg_csv_fail_nomem(r);
        atomic_fetch_add(&job->done[k], (uint64_t)n);
        if (how != RANGE_WORKER && r->opt->progress) {
            uint64_t d = bytes_done(job);
            if (d - last_progress >= PROGRESS_EVERY) {
                r->opt->progress(r->opt->progress_ud, d, job->size);
                last_progress = d;
            }
        }
        if (how == RANGE_FIRST && (r->spec_done || r->failed || r->stop))
            publish_setup(job, r);
        if (r->failed || r->stop)
            break;
        if (how == RANGE_WORKER && atomic_load(&job->abort))
            break;
    }
    if (done && end == NO_END && !r->failed && !r->stop) {
        if (p->pstate == LIBCSV_FIELD_BEGUN && p->quoted && !r->opt->lenient_quotes) {
            quote_error(r, "unterminated quoted field: the quote opened here is never closed "
                           "(quotes = \"lenient\" reads the rest of the file into the field)");
        } else {
            if (p->pstate == LIBCSV_FIELD_BEGUN && p->quoted)
                r->quote_bad = 2;          /* to the end of the file */
            csv_fini(p, sg_csv_on_field, sg_csv_on_row, r);
        }
    }
    sg_csv_pipe_flush(r);
    if (how == RANGE_FIRST) {
        publish_setup(job, r);
        if (r->failed)
            atomic_store(&job->abort, 1);
    }
    return done;
}

static int parser_init(struct csv_parser *p)
{
    if (csv_init(p, CSV_REPALL_NL | CSV_STRICT) != 0)   /* strict: see feed_libcsv() */
        return -1;
    csv_set_realloc_func(p, sg_realloc);
    csv_set_free_func(p, sg_free);
    csv_set_space_func(p, never_space);
    return 0;
}

/* A range after the first: shares the first range's header. */
static int init_worker_reader(sg_csv_job *job, sg_csv_chunk *c, uint64_t from, uint64_t to)
{
    sg_csv_reader *r = &c->r;
    const sg_csv_reader *r0 = &job->chunks[0].r;
    r->path = job->path;
    r->opt = job->opt;
    r->err = &r->own_err;
    sg_error_clear(r->err);
    r->shared = 1;
    r->names = r0->names;
    r->nnames = r0->nnames;
    r->ov = r0->ov;
    r->ncols = r0->ncols;
    r->cache_bits = r0->cache_bits;
    r->line = job->line0[c->k];
    r->spec_done = 1;
    r->force_dict = job->force_dict;
    setup_markers(r);
    r->size = (to == NO_END ? job->size : to) - from;
    double est = (double)r->size * job->rows_per_byte * 1.02 + 64;
    r->cap = est > 1e9 ? 1000000000u : (size_t)est;
    if (r->size / r->ncols + 64 < r->cap)
        r->cap = (size_t)(r->size / r->ncols) + 64;
    if (parser_init(&c->p) != 0)
        return sg_csv_fail_nomem(r);
    c->p_ok = 1;
    csv_set_delim(&c->p, (unsigned char)job->delim);
    return sg_csv_alloc_cols(r, job->modes, job->fmts);
}

static void *worker_main(void *arg)
{
    sg_csv_chunk *c = arg;
    sg_csv_job *job = c->job;
    if (c->k == 1)
        scan_splits(job, c->buf);
    pthread_mutex_lock(&job->mu);
    while (!job->splits_ready || (c->k < job->nchunks && job->setup == 0))
        pthread_cond_wait(&job->cv, &job->mu);
    int go = c->k < job->nchunks && job->setup == 1;
    uint64_t from = job->split[c->k];
    uint64_t to = c->k + 1 < job->nchunks ? job->split[c->k + 1] : NO_END;
    pthread_mutex_unlock(&job->mu);
    if (!go || atomic_load(&job->abort))
        return NULL;
    if (init_worker_reader(job, c, from, to) == 0)
        c->done = parse_range(job, c->k, &c->r, &c->p, c->buf, from, to, RANGE_WORKER);
    c->ran = 1;
    return NULL;
}

static int thread_count(uint64_t size, int seekable, const sg_csv_options *opt)
{
    if (!seekable || size < min_split || opt->max_rows)
        return 1;
    const char *e = getenv("SG_THREADS");
    long n;
    if (e && *e) {
        n = strtol(e, NULL, 10);
    } else {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n > 2)
            n = 2;
    }
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* One pass over the file; the result is in chunks[0].r. */
static void run_pass(sg_csv_job *job)
{
    sg_csv_chunk *c0 = &job->chunks[0];
    sg_csv_reader *r = &c0->r;
    job->splits_ready = job->setup = 0;
    job->nchunks = 1;
    job->delim = 0;
    atomic_store(&job->abort, 0);
    for (int k = 0; k < MAX_THREADS; k++) {
        atomic_store(&job->done[k], 0);
        job->chunks[k].job = job;
        job->chunks[k].k = k;
    }
    r->path = job->path;
    r->opt = job->opt;
    r->err = job->err;
    r->line = 1;
    r->in_header = 1;
    r->size = job->size / (uint64_t)job->nthreads;
    r->force_dict = job->force_dict;
    r->spec_done = job->no_spec;
    setup_markers(r);
    for (int k = 0; k < job->nthreads; k++)
        if (!(job->chunks[k].buf = sg_malloc(block_size))) {
            sg_csv_fail_nomem(r);
            goto cleanup;
        }
    if (parser_init(&c0->p) != 0) {
        sg_csv_fail_nomem(r);
        goto cleanup;
    }
    c0->p_ok = 1;
    for (int k = 1; k < job->nthreads; k++) {
        sg_csv_chunk *c = &job->chunks[k];
        c->started = pthread_create(&c->tid, NULL, worker_main, c) == 0;
        if (!c->started && k == 1) {     /* nobody cuts the file: one range */
            pthread_mutex_lock(&job->mu);
            job->nchunks = 1;
            job->splits_ready = 1;
            pthread_cond_broadcast(&job->cv);
            pthread_mutex_unlock(&job->mu);
        }
    }
    c0->done = parse_range(job, 0, r, &c0->p, c0->buf, 0, NO_END, RANGE_FIRST);
    for (int k = 1; k < job->nthreads; k++)
        if (job->chunks[k].started)
            pthread_join(job->chunks[k].tid, NULL);
    /* merge the ranges in file order; the first error wins */
    sg_csv_chunk *prev = c0;
    for (int k = 1; k < job->nchunks; k++) {
        sg_csv_chunk *c = &job->chunks[k];
        if (r->failed || r->stop || !prev->done)
            break;
        if (!c->ran || prev->p.pstate != LIBCSV_ROW_NOT_BEGUN || r->nf || r->last_cr ||
            r->line != job->line0[k]) {
            /* not a record boundary after all: the previous parser goes on */
            for (int q = k; q < job->nthreads; q++)
                atomic_store(&job->done[q], 0);
            parse_range(job, 0, r, &prev->p, c0->buf, job->split[k], NO_END, RANGE_REST);
            break;
        }
        if (sg_csv_merge(r, &c->r))
            break;
        prev = c;
    }
    if (r->opt->progress && !r->failed) {
        uint64_t d = bytes_done(job);
        r->opt->progress(r->opt->progress_ud, d, job->size ? job->size : d);
    }
cleanup:
    for (int k = 0; k < job->nthreads; k++) {
        sg_csv_chunk *c = &job->chunks[k];
        if (k > 0)
            sg_csv_reader_free(&c->r);
        if (c->p_ok)
            csv_free(&c->p);
        sg_free(c->buf);
        c->buf = NULL;
        c->p_ok = c->ran = c->done = c->started = 0;
    }
    sg_free(job->modes);
    sg_free(job->fmts);
    job->modes = NULL;
    job->fmts = NULL;
}

/* After the pass (or the merge of a distributed read's parts): the report,
 * the warnings, and the table built from r's staging (NULL with err set). */
sg_table *sg_csv_finish(sg_csv_reader *r, const char *path, char delim, uint64_t bytes,
                        sg_csv_report *report, sg_error *err)
{
    sg_table *t = NULL;
    if (report) {
        report->delim = delim;
        report->bytes = bytes;
    }
    int rc = r->failed ? err->code : 0;
    if (rc && !r->structural)
        goto out;
    if (r->in_header || r->ncols == 0) {
        if (!rc)
            sg_error_set(err, SG_EDATA, "%s: the file is empty (no header row)", path);
        goto out;
    }
    if (report && r->bad_quotes) {
        char a[32], b[32];
        if (sg_csv_warn(report,
                        "quotes: %s line%s merged into %s quoted field%s not closed properly "
                        "(the first opened on line %llu, field %zu)",
                        sg_csv_count(r->lines_merged, a), r->lines_merged == 1 ? "" : "s",
                        sg_csv_count(r->bad_quotes, b), r->bad_quotes == 1 ? "" : "s",
                        (unsigned long long)r->bq_line, r->bq_field)) {
            sg_csv_fail_nomem(r);
            goto out;
        }
    }
    t = sg_csv_build(r, report);
out:
    if (report) {
        report->rows_read = r->records;
        report->rows_skipped = r->skipped;
        report->bad_quotes = r->bad_quotes;
        report->lines_merged = r->lines_merged;
        report->bad_quote_line = r->bq_line;
        report->bad_quote_field = r->bq_field;
        report->nfirst = r->nissues;
        memcpy(report->first, r->issues, r->nissues * sizeof r->issues[0]);
        if (!t)
            sg_csv_report_free(report);
    }
    return t;
}

/* ---- one part of a distributed read (core/mpi_*.c) ----
 * The first part (from 0) is parsed as the first range of a threaded read:
 * the header, the typed speculation after the sample (its decision is
 * given to spec->decided, which tells the other parts).  A part after it
 * is parsed as a range after the first: the header [0, hdr_end) first (it
 * gives the names, the overrides and the delimiter exactly as the first
 * range does), its columns staged in the first part's modes, then
 * [from, to) with the line count set to line0. */

/* A part after the first: its columns staged in the first part's modes. */
static int part_modes(sg_csv_reader *r, const sg_csv_part_modes *spec)
{
    if (!spec || !spec->modes || spec->ncols != r->ncols || !r->cols)
        return 0;
    for (size_t j = 0; j < r->ncols; j++)
        sg_csv_col_free(&r->cols[j]);
    sg_free(r->cols);
    r->cols = NULL;
    return sg_csv_alloc_cols(r, spec->modes, spec->fmts);
}

int sg_csv_part_read(const char *path, const sg_csv_options *opt, uint64_t hdr_end, uint64_t from,
                     uint64_t to, uint64_t line0, uint64_t next_line0, const sg_csv_part_modes *spec,
                     sg_csv_part *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    sg_csv_reader *r = &out->r;
    r->err = &r->own_err;
    sg_error_clear(r->err);
    r->failed = 1;
    if (check_options(path, opt, r->err))
        return -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sg_error_set(r->err, SG_EIO, "cannot open '%s': %s", path, strerror(errno)), -1;
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad || !S_ISREG(st.st_mode)) {
        close(fd);
        return sg_error_set(r->err, SG_EIO, "cannot read '%s': %s", path,
                            bad ? strerror(bad) : "not a regular file"), -1;
    }
    sg_csv_job *job = sg_calloc(1, sizeof *job);
    sg_csv_chunk *c = job ? &job->chunks[0] : NULL;
    if (!job || !(c->buf = sg_malloc(block_size)) || parser_init(&c->p) != 0) {
        if (job)
            sg_free(c->buf);
        sg_free(job);
        close(fd);
        return sg_error_nomem(r->err), -1;
    }
    r->failed = 0;
    out->size = (uint64_t)st.st_size;
    job->path = path;
    job->opt = opt;
    job->err = r->err;
    job->fd = fd;
    job->seekable = 1;
    job->size = out->size;
    job->nthreads = 1;
    job->no_spec = 1;
    c->job = job;
    c->p_ok = 1;
    r->path = path;
    r->opt = opt;
    r->line = 1;
    r->in_header = 1;
    r->spec_done = from != 0;     /* the first part speculates as a first range does */
    r->size = (to == NO_END ? out->size : to) - (from < out->size ? from : out->size);
    setup_markers(r);
    if (from == 0) {
        job->first_to = to;
        job->part = spec;
        parse_range(job, 0, r, &c->p, c->buf, 0, to, RANGE_FIRST);
    } else {
        job->first_to = hdr_end;
        parse_range(job, 0, r, &c->p, c->buf, 0, hdr_end, RANGE_FIRST);
        if (!r->failed && !r->in_header && part_modes(r, spec) == 0 && !r->failed && !r->stop &&
            from < out->size) {
            r->line = line0;
            parse_range(job, 0, r, &c->p, c->buf, from, to, RANGE_REST);
        }
    }
    out->delim = job->delim;
    out->at_boundary = to == NO_END ||
                       (!r->failed && !r->stop && c->p.pstate == LIBCSV_ROW_NOT_BEGUN && r->nf == 0 &&
                        !r->last_cr && r->line == next_line0);
    csv_free(&c->p);
    sg_free(c->buf);
    sg_free(job);
    close(fd);
    return 0;
}

void sg_csv_part_free(sg_csv_part *p)
{
    sg_csv_reader_free(&p->r);
}

/* Not split: the reader's driver: open and map the file, then the
 * parallel pass, run again (at most twice more) with the columns that met
 * a value their type cannot hold read as text; the passes themselves are
 * functions (run_pass and csv_infer.c).  What remains is that retry loop
 * and one cleanup for the file, the job and the table (the report and the
 * build are sg_csv_finish). */
sg_table *sg_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                      sg_error *err)
{
    sg_csv_options defaults;
    sg_error local;
    struct stat st;
    uint8_t *force = NULL;
    if (!err)
        err = &local;
    sg_error_clear(err);
    if (report)
        memset(report, 0, sizeof *report);
    if (!opt) {
        sg_csv_options_init(&defaults);
        opt = &defaults;
    }
    if (check_options(path, opt, err))
        return NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        sg_error_set(err, SG_EIO, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        int e = bad;
        close(fd);
        sg_error_set(err, SG_EIO, "cannot read '%s': %s", path, strerror(e));
        return NULL;
    }
    sg_csv_job *job = sg_calloc(1, sizeof *job);
    if (!job) {
        close(fd);
        sg_error_nomem(err);
        return NULL;
    }
    job->path = path;
    job->opt = opt;
    job->err = err;
    job->fd = fd;
    job->seekable = S_ISREG(st.st_mode);
    job->size = job->seekable ? (uint64_t)st.st_size : 0;
    job->nthreads = thread_count(job->size, job->seekable, opt);
    job->first_to = NO_END;
    job->no_spec = !job->seekable;     /* a pipe cannot be read twice */
    pthread_mutex_init(&job->mu, NULL);
    pthread_cond_init(&job->cv, NULL);
    sg_csv_reader *r = &job->chunks[0].r;
    for (int pass = 0;; pass++) {
        run_pass(job);
        if (!r->fellback)
            break;
        /* a typed column met a value it cannot hold: run the pass again
         * with such columns in dictionary mode (the others decide and
         * parse as before, so this happens once; the bound is a guard) */
        size_t n = r->ncols;
        if (!force && !(force = sg_calloc(n ? n : 1, 1))) {
            sg_csv_fail_nomem(r);
            break;
        }
        for (size_t j = 0; j < n && r->cols; j++)
            if (r->cols[j].mode == SG_CSV_OFF)
                force[j] = 1;
        sg_csv_reader_free(r);
        sg_error_clear(err);
        job->force_dict = force;
        if (pass >= 2)
            job->no_spec = 1;
    }
    sg_table *t = sg_csv_finish(r, path, job->delim, job->size ? job->size : bytes_done(job), report, err);
    sg_csv_reader_free(r);
    pthread_mutex_destroy(&job->mu);
    pthread_cond_destroy(&job->cv);
    sg_free(job);
    sg_free(force);
    close(fd);
    return t;
}
