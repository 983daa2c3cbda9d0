/* CSV reader on libcsv.
 *
 * The libcsv pass: every field of column j is interned into a per-column
 * dictionary and only its int32 code is kept (-1 for a missing marker), so
 * the staging costs 4 bytes per cell plus the distinct strings.  After the
 * pass each column's type is inferred from its distinct strings only
 * (csv_infer.c), a typed value is computed per code, and the final column
 * is materialised by mapping codes; a string column keeps its dictionary
 * and adopts the code array as its data (csv_build.c).
 *
 * Typed speculation: after the first SG_CSV_SAMPLE_ROWS data rows, a
 * column whose distinct values so far all parse as int64, double or one
 * unambiguous datetime layout (sg_csv_speculate) drops its dictionary and
 * parses its fields straight into 8-byte values; int64 promotes to double
 * in place when a kept record needs it.  Speculation never changes the
 * result: a value the typed parser refuses turns the column SG_CSV_OFF,
 * and the whole pass is then run once more with those columns kept in
 * dictionary mode (at most one extra pass: the other columns decide and
 * see exactly what they did the first time).
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
 * Dictionary lookups: a value is first compared with the column's
 * previous value, then with a small direct-mapped cache; on a big
 * dictionary a miss is queued (text copied, slot prefetched) and interned
 * SG_CSV_PIPE_DEPTH queued values later, in queue order, so codes still
 * follow the file while the memory latency of big tables is hidden.  The
 * queue is flushed before anything that needs every earlier value
 * interned: a dropped record, an error, the sample decision, the end of a
 * range.
 *
 * Memory: staging is sized from the first block's rows per byte (+2%),
 * a typed column's staging becomes the column itself, merged ranges grow
 * one column at a time, and arrays and dictionaries give back their
 * growth slack at the end (csv_build.c).
 *
 * libcsv gives no line numbers: with CSV_REPALL_NL it reports every
 * unquoted CR and LF to the row callback (a CRLF arrives as a row end
 * followed by an empty "row" for the LF, which we count once), and the
 * newlines inside quoted fields are counted from the field text.  Only
 * the rows whose line is not the one predicted by the previous row are
 * stored (sg_csv_line_adj), so line_of_row() costs nothing for regular files.
 *
 * Choices worth knowing: fields are not trimmed (libcsv's space skipping
 * is switched off), but number, bool and date parsing ignores surrounding
 * blanks; a field holding only blanks counts as missing when "" is a
 * missing marker; blank lines are ignored. */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libcsv's header: core/ is deliberately not on sgcore's include path, so
 * <csv.h> is libcsv's while "csv.h" is ours (see CMakeLists.txt). */
#include <csv.h>

#include "csv_internal.h"
#include "mem.h"

#define BLOCK_SIZE ((size_t)256 << 10)
#define PROGRESS_EVERY ((uint64_t)4 << 20)
#define LIBCSV_ROW_NOT_BEGUN 0 /* libcsv's pstate between records */
#define LIBCSV_FIELD_BEGUN 2   /* libcsv's pstate inside a field */
#ifndef SG_CSV_CACHE_BITS
#define SG_CSV_CACHE_BITS 12   /* entries per column of the code cache: 4096 measured best */
#endif
#define MIN_SPLIT ((uint64_t)4 << 20)   /* smaller files are read on one thread */
#define MAX_THREADS 16
#define NO_END UINT64_MAX

static const char *const default_na[] = { "", "NA", "null", "NULL", "N/A", "NaN" };

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
}

int sg_csv_fail_nomem(sg_csv_reader *r)
{
    r->failed = 1;
    return sg_error_nomem(r->err);
}

static int is_blank(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int is_missing(const sg_csv_reader *r, const unsigned char *s, size_t len)
{
    if (len == 0 || ((s[0] == ' ' || s[0] == '\t') && is_blank(s, len)))
        return r->na_empty;
    if (len > r->na_maxlen || !r->na_first[s[0]])
        return 0;
    for (size_t k = 0; k < r->nna; k++)
        if (r->na_len[k] == len && memcmp(r->na[k], s, len) == 0)
            return 1;
    return 0;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* ---- line tracking ---- */

static int note_line(sg_csv_reader *r)
{
    uint64_t want = r->nadj ? r->adj[r->nadj - 1].line + (r->nrows - r->adj[r->nadj - 1].row)
                            : (uint64_t)r->nrows + 2;
    if (r->rec_line == want)
        return 0;
    if (r->nadj == r->adj_cap) {
        size_t nc = r->adj_cap ? r->adj_cap * 2 : 64;
        sg_csv_line_adj *a = sg_realloc(r->adj, nc * sizeof *a);
        if (!a)
            return sg_csv_fail_nomem(r);
        r->adj = a;
        r->adj_cap = nc;
    }
    r->adj[r->nadj].row = r->nrows;
    r->adj[r->nadj].line = r->rec_line;
    r->nadj++;
    return 0;
}

uint64_t sg_csv_line_of_row(const sg_csv_reader *r, size_t row)
{
    size_t lo = 0, hi = r->nadj;      /* first adjustment with .row > row */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->adj[mid].row <= row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return (uint64_t)row + 2;
    return r->adj[lo - 1].line + (row - r->adj[lo - 1].row);
}

/* ---- header ---- */

static int name_taken(const sg_dict *a, const sg_dict *b, const char *s)
{
    return sg_dict_find(a, s, strlen(s)) >= 0 || sg_dict_find(b, s, strlen(s)) >= 0;
}

/* Empty names become col_<n>, repeated names Name_2, Name_3, ...,
 * avoiding every name of the header.  Returns 0 or an error code. */
static int unique_names(sg_csv_reader *r)
{
    sg_dict *all = sg_dict_new(r->nnames), *done = sg_dict_new(r->nnames);
    int rc = 0;
    r->raw = sg_calloc(r->nnames ? r->nnames : 1, sizeof *r->raw);
    if (!all || !done || !r->raw)
        goto nomem;
    for (size_t j = 0; j < r->nnames; j++)
        if (sg_dict_intern(all, r->names[j], strlen(r->names[j])) < 0)
            goto nomem;
    for (size_t j = 0; j < r->nnames; j++) {
        char *name = r->names[j];
        if (name[0] && sg_dict_find(done, name, strlen(name)) < 0) {
        } else {
            char base[96], cand[128];
            if (name[0])
                snprintf(base, sizeof base, "%.80s", name);
            else
                snprintf(base, sizeof base, "col_%zu", j + 1);
            snprintf(cand, sizeof cand, "%s", base);
            for (size_t k = 2; name_taken(all, done, cand) || !cand[0]; k++)
                snprintf(cand, sizeof cand, "%s_%zu", base, k);
            char *dup = sg_strdup(cand);
            if (!dup)
                goto nomem;
            r->raw[j] = name;
            r->names[j] = dup;
        }
        if (sg_dict_intern(done, r->names[j], strlen(r->names[j])) < 0)
            goto nomem;
    }
    goto out;
nomem:
    rc = sg_csv_fail_nomem(r);
out:
    sg_dict_release(all);
    sg_dict_release(done);
    return rc;
}

/* ---- staging columns ---- */

static size_t col_width(int mode)
{
    return mode == SG_CSV_DICT ? sizeof(int32_t) : mode == SG_CSV_OFF ? 0 : 8;
}

/* Allocates the staging of every column for r->cap rows; modes/fmts NULL:
 * all dictionary mode. */
static int alloc_cols(sg_csv_reader *r, const int *modes, const sg_date_format *fmts)
{
    if (!(r->cols = sg_calloc(r->ncols ? r->ncols : 1, sizeof *r->cols)))
        return sg_csv_fail_nomem(r);
    for (size_t j = 0; j < r->ncols; j++) {
        sg_csv_col *c = &r->cols[j];
        c->mode = modes ? modes[j] : SG_CSV_DICT;
        c->fmt = fmts ? fmts[j] : SG_DATE_UNKNOWN;
        if (c->mode == SG_CSV_OFF) {
            r->fellback = 1;
            continue;
        }
        if (!(c->data = sg_malloc(r->cap * col_width(c->mode))))
            return sg_csv_fail_nomem(r);
    }
    return 0;
}

static int grow_rows(sg_csv_reader *r)
{
    size_t nc = r->cap + r->cap / 2 + 64;
    if (nc > SIZE_MAX / 8)
        return sg_csv_fail_nomem(r);
    for (size_t j = 0; j < r->ncols; j++) {
        sg_csv_col *c = &r->cols[j];
        size_t w = col_width(c->mode);
        if (!w)
            continue;
        void *d = sg_realloc(c->data, nc * w);
        if (!d)
            return sg_csv_fail_nomem(r);
        c->data = d;
        if (c->na) {
            size_t ob = (r->cap + 7) / 8, nb = (nc + 7) / 8;
            uint8_t *na = sg_realloc(c->na, nb);
            if (!na)
                return sg_csv_fail_nomem(r);
            memset(na + ob, 0, nb - ob);
            c->na = na;
        }
    }
    r->cap = nc;
    return 0;
}

static int finish_header(sg_csv_reader *r)
{
    r->in_header = 0;
    r->ncols = r->nnames;
    if (unique_names(r))
        return -1;
    r->ov = sg_calloc(r->ncols, sizeof *r->ov);
    if (!r->ov)
        return sg_csv_fail_nomem(r);
    for (size_t k = 0; k < r->opt->noverrides; k++) {
        const sg_csv_override *o = &r->opt->overrides[k];
        size_t j = 0;
        while (j < r->ncols && strcmp(r->names[j], o->column) != 0)
            j++;
        if (j == r->ncols) {
            char b[80];
            r->failed = 1;
            return sg_error_set(r->err, SG_EINVAL,
                                "%s: a type is given for column '%s' but the header has no "
                                "such column",
                                r->path, sg_csv_show(o->column, strlen(o->column), b, sizeof b));
        }
        if (!r->ov[j])
            r->ov[j] = o;
    }
    /* at most 2 MB of cache (32-byte entries) in all: 4096 entries per
     * column at most, none when there are so many columns that each would
     * get fewer than 16; dictionary columns only allocate theirs */
    r->cache_bits = SG_CSV_CACHE_BITS;
    while (r->cache_bits >= 4 && ((size_t)1 << r->cache_bits) * r->ncols > ((size_t)1 << 16))
        r->cache_bits--;
    /* every record needs at least ncols bytes, so this bounds the estimate */
    r->cap = r->cap_hint;
    if (r->size / r->ncols + 64 < r->cap)
        r->cap = (size_t)(r->size / r->ncols) + 64;
    return alloc_cols(r, NULL, NULL);
}

static int add_name(sg_csv_reader *r, const char *s, size_t len)
{
    if (r->nnames == r->names_cap) {
        size_t nc = r->names_cap ? r->names_cap * 2 : 16;
        char **n = sg_realloc(r->names, nc * sizeof *n);
        if (!n)
            return sg_csv_fail_nomem(r);
        r->names = n;
        r->names_cap = nc;
    }
    if (!(r->names[r->nnames] = sg_strndup(s, len)))
        return sg_csv_fail_nomem(r);
    r->nnames++;
    return 0;
}

/* Latin-1 to UTF-8 in the scratch buffer. */
static const unsigned char *to_utf8(sg_csv_reader *r, const unsigned char *s, size_t *len)
{
    if (*len > SIZE_MAX / 2 - 1) {
        sg_csv_fail_nomem(r);
        return NULL;
    }
    if (r->scratch_cap < 2 * *len) {
        char *n = sg_realloc(r->scratch, 2 * *len);
        if (!n) {
            sg_csv_fail_nomem(r);
            return NULL;
        }
        r->scratch = n;
        r->scratch_cap = 2 * *len;
    }
    *len = sg_csv_latin1_to_utf8(s, *len, r->scratch);
    return (const unsigned char *)r->scratch;
}

/* ---- dictionary columns ---- */

/* A direct-mapped cache of (text, code) per column in front of the
 * dictionary: most fields repeat a recent value, so the dictionary's
 * probing only runs on cache misses.  The hash is computed once per field
 * and serves both the cache and the dictionary.  Texts of up to 16 bytes
 * are kept in the entry itself (no pointer to follow); longer ones point
 * at the dictionary's copy (stable: dictionary chunks never move while
 * the reader runs). */
#define CACHE_INLINE 16
#define CACHE_WINDOW 16384

typedef struct sg_csv_cache_entry {
    uint32_t hash;
    uint32_t len;
    int32_t code;       /* -1: empty */
    union {
        char text[CACHE_INLINE];
        const char *s;
    } u;
} cache_entry;

static int same_bytes(const char *a, const unsigned char *b, size_t len)
{
    if (len > 64)
        return memcmp(a, b, len) == 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)a[i] != b[i])
            return 0;
    return 1;
}

/* memcpy for the short texts of fields, without a library call */
static void copy_text(char *dst, const unsigned char *src, size_t len)
{
    if (len > 64) {
        memcpy(dst, src, len);
        return;
    }
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        memcpy(dst + i, src + i, 8);
    for (; i < len; i++)
        dst[i] = (char)src[i];
}

static int cache_hit(const cache_entry *ce, uint32_t h, const unsigned char *s, size_t len)
{
    if (ce->hash != h || ce->len != len || ce->code < 0)
        return 0;
    return same_bytes(len <= CACHE_INLINE ? ce->u.text : ce->u.s, s, len);
}

/* Interns a non-missing value of column j and stores its code at row. */
static void stage_intern(sg_csv_reader *r, size_t j, const unsigned char *s, size_t len,
                         unsigned hi, uint32_t h, size_t row, uint64_t line)
{
    sg_csv_col *c = &r->cols[j];
    sg_dict *d = c->dict;
    if (!d && !(d = c->dict = sg_dict_new(64))) {
        sg_csv_fail_nomem(r);
        return;
    }
    size_t before = sg_dict_size(d);
    int32_t code = sg_dict_intern_hashed(d, (const char *)s, len, h);
    if (code < 0) {
        sg_csv_fail_nomem(r);
        return;
    }
    c->big = before >= SG_CSV_PIPE_MIN_DICT;
    /* UTF-8 is checked once per distinct value, when it is first seen */
    if ((size_t)code == before && (hi & 0x80) && !sg_csv_utf8_valid(s, len)) {
        char b[80], nb[80];
        r->failed = 1;
        sg_error_set(r->err, SG_EDATA,
                     "%s:%llu:%zu: column '%s': '%s' is not valid UTF-8; if the file is "
                     "Latin-1, read it with encoding = \"latin1\"",
                     r->path, (unsigned long long)line, j + 1,
                     sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb),
                     sg_csv_show((const char *)s, len, b, sizeof b));
        return;
    }
    c->last_code = code;
    if (c->cache && !c->cache_skip && len > 0 && len <= UINT32_MAX) {
        cache_entry *ce = &c->cache[h >> (32 - r->cache_bits)];
        if (len <= CACHE_INLINE)
            copy_text(ce->u.text, s, len);
        else
            ce->u.s = sg_dict_str(d, code, NULL);
        ce->hash = h;
        ce->len = (uint32_t)len;
        ce->code = code;
    }
    ((int32_t *)c->data)[row] = code;
}

static void pipe_pop(sg_csv_reader *r)
{
    sg_csv_pending *q = &r->pipe[r->pipe_head];
    sg_csv_col *c = &r->cols[q->j];
    r->pipe_head = (r->pipe_head + 1) & (SG_CSV_PIPE_CAP - 1);
    r->pipe_count--;
    c->npend--;
    if (r->failed)
        return;
    if (q->repeat) {
        /* the column's previous queued value, interned just before */
        ((int32_t *)c->data)[q->row] = c->last_code;
    } else {
        stage_intern(r, q->j, (const unsigned char *)r->pipe_text + q->off, q->len, q->hi,
                     q->hash, q->row, q->line);
        if (r->failed) {
            r->records = q->records;   /* the error stops the pass at that record */
            return;
        }
    }
    if (c->memo_code == -2 && c->memo_seq == q->seq)
        c->memo_code = c->last_code;
}

/* Interns every queued value.  Returns r->failed. */
static int pipe_flush(sg_csv_reader *r)
{
    while (r->pipe_count)
        pipe_pop(r);
    return r->failed;
}

/* Queues a value that missed the cache (repeat: the same as the
 * column's previous value, still queued). */
static void pipe_push(sg_csv_reader *r, size_t j, const unsigned char *s, size_t len, unsigned hi,
                      uint32_t h, int repeat)
{
    sg_csv_col *c = &r->cols[j];
    if (!r->pipe_text && !(r->pipe_text = sg_malloc(SG_CSV_PIPE_TEXT))) {
        sg_csv_fail_nomem(r);
        return;
    }
    if (!c->dict && !(c->dict = sg_dict_new(64))) {
        sg_csv_fail_nomem(r);
        return;
    }
    while (r->pipe_count >= SG_CSV_PIPE_DEPTH)
        pipe_pop(r);
    if (r->failed)
        return;
    /* the text ring: at most CAP * MAXLEN bytes are in flight, far less
     * than the ring, so wrapping never overwrites a queued text */
    if (r->pipe_pos + len > SG_CSV_PIPE_TEXT)
        r->pipe_pos = 0;
    sg_csv_pending *q = &r->pipe[(r->pipe_head + r->pipe_count) & (SG_CSV_PIPE_CAP - 1)];
    q->j = j;
    q->seq = r->pipe_seq++;
    q->repeat = repeat;
    q->row = r->nrows;
    r->pipe_count++;
    c->npend++;
    if (repeat)
        return;
    copy_text(r->pipe_text + r->pipe_pos, s, len);
    q->line = r->rec_line;
    q->records = r->records;
    q->len = (uint32_t)len;
    q->hash = h;
    q->off = (uint32_t)r->pipe_pos;
    q->hi = hi;
    r->pipe_pos += len;
    sg_dict_prefetch(c->dict, h);
}

static void set_memo(sg_csv_col *c, const unsigned char *s, size_t len, uint32_t h, int32_t code,
                     uint64_t seq)
{
    if (len > SG_CSV_MEMO) {
        c->memo_ok = 0;
        return;
    }
    copy_text(c->memo, s, len);
    c->memo_len = len;
    c->memo_hash = h;
    c->memo_code = code;
    c->memo_seq = seq;
    c->memo_ok = 1;
}

/* Stores field j of the current data record as a code (-1: missing):
 * at once on a cache hit, else through the queue. */
static void stage_dict(sg_csv_reader *r, size_t j, const unsigned char *s, size_t len, unsigned hi)
{
    sg_csv_col *c = &r->cols[j];
    int32_t *codes = c->data;
    uint32_t h = sg_hash_bytes((const char *)s, len);
    /* the column's previous value (a repeat in the next record is the
     * commonest case), even while it is still queued */
    if (c->memo_ok && c->memo_len == len && c->memo_hash == h && same_bytes(c->memo, s, len)) {
        if (c->memo_code >= 0)
            codes[r->nrows] = c->memo_code;
        else
            pipe_push(r, j, s, len, hi, h, 1);
        return;
    }
    if (c->cache_skip) {
        c->cache_skip--;
    } else if (len > 0 && r->cache_bits >= 4) {
        if (!c->cache) {
            size_t n = (size_t)1 << r->cache_bits;
            if (!(c->cache = sg_malloc(n * sizeof *c->cache))) {
                sg_csv_fail_nomem(r);
                return;
            }
            for (size_t k = 0; k < n; k++)
                c->cache[k].code = -1;
        }
        const cache_entry *ce = &c->cache[h >> (32 - r->cache_bits)];
        if (cache_hit(ce, h, s, len)) {
            c->cache_hits++;
            codes[r->nrows] = ce->code;
            return;
        }
        /* a column whose values rarely repeat within the cache's reach
         * (random ids) skips it for a while, then tries it again */
        if (++c->cache_looks == CACHE_WINDOW) {
            if (c->cache_hits < CACHE_WINDOW / 16)
                c->cache_skip = CACHE_WINDOW * 16;
            c->cache_looks = c->cache_hits = 0;
        }
    }
    if (is_missing(r, s, len)) {
        codes[r->nrows] = -1;
        return;
    }
    if (len > SG_CSV_PIPE_MAXLEN) {
        if (pipe_flush(r))
            return;
        stage_intern(r, j, s, len, hi, h, r->nrows, r->rec_line);
        return;
    }
    if (!c->big && !c->npend) {
        /* a small dictionary: no queue (a non-ASCII value first lets the
         * queued ones, earlier in the file, report their errors) */
        if (hi && pipe_flush(r))
            return;
        stage_intern(r, j, s, len, hi, h, r->nrows, r->rec_line);
        if (!r->failed)
            set_memo(c, s, len, h, c->last_code, 0);
        return;
    }
    set_memo(c, s, len, h, -2, r->pipe_seq);
    pipe_push(r, j, s, len, hi, h, 0);
}

/* ---- typed columns ---- */

/* A value the typed parser refuses: the column's result needs its
 * dictionary, built by running the pass again. */
static void col_off(sg_csv_reader *r, sg_csv_col *c)
{
    sg_free(c->data);
    sg_free(c->na);
    c->data = NULL;
    c->na = NULL;
    c->mode = SG_CSV_OFF;
    c->pend_double = 0;
    r->fellback = 1;
}

static void stage_typed(sg_csv_reader *r, sg_csv_col *c, const unsigned char *s, size_t len)
{
    size_t i = r->nrows;
    uint64_t *v = c->data, bits;
    uint8_t bit = (uint8_t)(1u << (i & 7));
    const char *t = (const char *)s;
    if (is_missing(r, s, len)) {
        if (!c->na && !(c->na = sg_calloc((r->cap + 7) / 8, 1))) {
            sg_csv_fail_nomem(r);
            return;
        }
        c->na[i >> 3] |= bit;
        v[i] = 0;
        return;
    }
    if (c->na)
        c->na[i >> 3] &= (uint8_t)~bit;
    if (c->memo_ok && len == c->memo_len && same_bytes(c->memo, s, len)) {
        v[i] = c->memo_val;
        return;
    }
    if (len > SG_CSV_TYPED_MAX) {
        col_off(r, c);
        return;
    }
    if (c->mode == SG_CSV_DT) {
        int64_t x;
        if (sg_csv_parse_dt(t, len, c->fmt, &x) != 0) {
            col_off(r, c);
            return;
        }
        bits = (uint64_t)x;
    } else {
        int64_t x;
        double d;
        if (c->mode == SG_CSV_I64 && sg_csv_parse_i64(t, len, &x) == 0) {
            bits = (uint64_t)x;
        } else if (sg_csv_parse_f64(t, len, &d) == 0) {
            memcpy(&bits, &d, 8);
            if (c->mode == SG_CSV_I64) {
                /* promoted when the record is kept (on_row) */
                v[i] = bits;
                c->pend_double = 1;
                r->any_pend = 1;
                return;
            }
        } else {
            col_off(r, c);
            return;
        }
    }
    v[i] = bits;
    if (len <= SG_CSV_MEMO) {
        copy_text(c->memo, s, len);
        c->memo_len = len;
        c->memo_val = bits;
        c->memo_ok = 1;
    }
}

/* The current record is kept (keep) or dropped: an int64 column that met
 * a double in a kept record turns double, its earlier values converted in
 * place ((double)v rounds exactly as strtod does on the same digits). */
static void commit_pending(sg_csv_reader *r, int keep)
{
    for (size_t j = 0; j < r->ncols; j++) {
        sg_csv_col *c = &r->cols[j];
        if (!c->pend_double)
            continue;
        c->pend_double = 0;
        if (!keep || c->mode != SG_CSV_I64)
            continue;
        uint64_t *v = c->data;
        for (size_t i = 0; i < r->nrows; i++) {
            double d = (double)(int64_t)v[i];
            memcpy(&v[i], &d, 8);
        }
        c->mode = SG_CSV_F64;
        c->memo_ok = 0;
    }
    r->any_pend = 0;
}

/* The sample decision (first range only): converts the columns that
 * speculate to typed staging. */
static int speculate(sg_csv_reader *r)
{
    r->spec_done = 1;
    for (size_t j = 0; j < r->ncols; j++) {
        sg_csv_col *c = &r->cols[j];
        if (c->mode != SG_CSV_DICT || r->ov[j] || !c->dict ||
            (r->force_dict && r->force_dict[j]))
            continue;
        const int32_t *codes = c->data;
        uint8_t *used = NULL;
        if (r->dropped) {     /* values of dropped records must not decide */
            if (!(used = sg_calloc(sg_dict_size(c->dict), 1)))
                return sg_csv_fail_nomem(r);
            for (size_t i = 0; i < r->nrows; i++)
                if (codes[i] >= 0)
                    used[codes[i]] = 1;
        }
        int mode;
        sg_date_format fmt = SG_DATE_UNKNOWN;
        uint64_t *vals, *v = NULL;
        int rc = sg_csv_speculate(c->dict, used, &mode, &fmt, &vals);
        sg_free(used);
        if (rc)
            return sg_csv_fail_nomem(r);
        if (mode == SG_CSV_DICT)
            continue;
        if (!(v = sg_malloc(r->cap * 8))) {
            sg_free(vals);
            return sg_csv_fail_nomem(r);
        }
        for (size_t i = 0; i < r->nrows; i++) {
            if (codes[i] >= 0) {
                v[i] = vals[codes[i]];
                continue;
            }
            v[i] = 0;
            if (!c->na && !(c->na = sg_calloc((r->cap + 7) / 8, 1))) {
                sg_free(vals);
                sg_free(v);
                return sg_csv_fail_nomem(r);
            }
            c->na[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        sg_free(vals);
        sg_free(c->data);
        sg_free(c->cache);
        sg_dict_release(c->dict);
        c->cache = NULL;
        c->dict = NULL;
        c->data = v;
        c->mode = mode;
        c->fmt = fmt;
        c->memo_ok = 0;       /* it remembered a code, not a value */
    }
    sg_csv_trim_heap();
    return 0;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* non-zero when some byte of x is below n (n <= 128) */
#define HAS_LESS(x, n) (((x) - ONES * (n)) & ~(x) & HIGHS)

/* Counts the newlines inside a field (a CRLF once); returns 0x80 when
 * some byte is not ASCII.  Words are read 8 bytes at a time (4 to 8 byte
 * fields as two overlapping loads); only a field holding a byte <= CR is
 * looked at byte by byte. */
static unsigned scan_field(sg_csv_reader *r, const unsigned char *s, size_t len)
{
    uint64_t hi = 0, ctl = 0, x;
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&x, s + i, 8);
            hi |= x;
            ctl |= HAS_LESS(x, '\r' + 1);
        }
        memcpy(&x, s + len - 8, 8);
        hi |= x;
        ctl |= HAS_LESS(x, '\r' + 1);
    } else if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + len - 4, 4);
        x = (uint64_t)a << 32 | b;
        hi = x;
        ctl = HAS_LESS(x, '\r' + 1);
    } else {
        for (size_t i = 0; i < len; i++) {
            hi |= s[i];
            ctl |= s[i] <= '\r';
        }
    }
    if (ctl)
        for (size_t k = 0; k < len; k++)
            if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
                r->line++;
    return (hi & HIGHS) ? 0x80 : 0;
}

static void on_field(void *data, size_t len, void *ud)
{
    sg_csv_reader *r = ud;
    if (r->failed || r->stop)
        return;
    const unsigned char *s = data ? data : (const unsigned char *)"";
    size_t j = r->nf++;
    if (j == 0)
        r->rec_line = r->line;
    unsigned hi = scan_field(r, s, len);
    if (j == 0)
        r->first_blank = is_blank(s, len);
    if (hi && r->opt->latin1) {
        if (!(s = to_utf8(r, s, &len)))
            return;
        hi = 0;                      /* valid UTF-8 by construction */
    }
    if (!r->in_header) {
        if (j >= r->ncols)
            return;
        if (j == 0 && r->nrows == r->cap && grow_rows(r))
            return;
        sg_csv_col *c = &r->cols[j];
        if (c->mode == SG_CSV_DICT)
            stage_dict(r, j, s, len, hi);
        else if (c->mode != SG_CSV_OFF)
            stage_typed(r, c, s, len);
        return;
    }
    if (hi && !sg_csv_utf8_valid(s, len)) {
        r->failed = 1;
        sg_error_set(r->err, SG_EDATA,
                     "%s:%llu:%zu: the header is not valid UTF-8; if the file is Latin-1, "
                     "read it with encoding = \"latin1\"",
                     r->path, (unsigned long long)r->rec_line, j + 1);
        return;
    }
    add_name(r, (const char *)s, len);
}

static void add_issue(sg_csv_reader *r, uint64_t line, int column, const char *text)
{
    if (r->nissues < 5) {
        sg_csv_issue *is = &r->issues[r->nissues++];
        is->line = line;
        is->column = column;
        snprintf(is->text, sizeof is->text, "%s", text);
    }
}

static void on_row(int ch, void *ud)
{
    sg_csv_reader *r = ud;
    if (r->failed || r->stop)
        return;
    size_t nf = r->nf;
    if (nf == 0) {                    /* a blank line, or the LF of a CRLF */
        if (ch == '\n' && r->last_cr) {
            r->last_cr = 0;
        } else if (ch >= 0) {
            r->line++;
            r->last_cr = ch == '\r';
        }
        return;
    }
    r->nf = 0;
    if (ch >= 0)
        r->line++;
    r->last_cr = ch == '\r';
    if (r->in_header) {
        finish_header(r);
        return;
    }
    if (nf == 1 && r->ncols > 1 && r->first_blank) {
        if (pipe_flush(r))            /* its values are interned, in order */
            return;
        r->dropped++;                 /* a line of blanks */
        if (r->any_pend)
            commit_pending(r, 0);
        return;
    }
    r->records++;
    if (nf != r->ncols) {
        char text[160];
        if (pipe_flush(r))            /* an earlier UTF-8 error wins */
            return;
        snprintf(text, sizeof text, "expected %zu fields, found %zu", r->ncols, nf);
        r->dropped++;
        if (r->any_pend)
            commit_pending(r, 0);
        if (r->opt->skip_bad_rows) {
            r->skipped++;
            add_issue(r, r->rec_line, 0, text);
            return;
        }
        r->failed = r->structural = 1;
        sg_error_set(r->err, SG_EDATA, "%s:%llu: %s", r->path, (unsigned long long)r->rec_line,
                     text);
        return;
    }
    if (note_line(r))
        return;
    if (r->any_pend)
        commit_pending(r, 1);
    r->nrows++;
    if (!r->spec_done && r->nrows == SG_CSV_SAMPLE_ROWS && (pipe_flush(r) || speculate(r)))
        return;
    if (r->opt->max_rows && r->nrows >= r->opt->max_rows)
        r->stop = 1;
}

static void reader_free(sg_csv_reader *r)
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

void sg_csv_col_free(sg_csv_col *c)
{
    sg_free(c->data);
    sg_free(c->na);
    sg_free(c->cache);
    sg_dict_release(c->dict);
    c->data = NULL;
    c->na = NULL;
    c->cache = NULL;
    c->dict = NULL;
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

typedef struct scan_state {
    int odd;                 /* an odd number of quotes so far */
    uint64_t lines;          /* line ends so far: LF, and CR not followed by LF */
    unsigned char prev;
} scan_state;

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

/* Counts quotes and line ends of b[i, stop), 8 bytes at a time where a
 * word holds no CR and no quote. */
static void scan_span(scan_state *st, const unsigned char *b, size_t i, size_t stop)
{
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
        ssize_t got = read_block(job, buf, pos, BLOCK_SIZE);
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
        if (len < BLOCK_SIZE || (i < len && k < n))
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
        return NO_END;
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
    if (job->nthreads == 1)
        return;
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

static void detect_first(sg_csv_job *job, sg_csv_reader *r, struct csv_parser *p,
                         const char **data, size_t *len, int whole)
{
    size_t lines, bytes;
    if (*len >= 3 && memcmp(*data, "\xEF\xBB\xBF", 3) == 0) {
        *data += 3;
        *len -= 3;
    }
    char d = sg_csv_detect_delim(*data, *len, whole, &lines, &bytes);
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
    for (;;) {
        if (how == RANGE_FIRST)
            end = first_end(job, pos);
        if (pos >= end) {
            done = 1;
            break;
        }
        size_t want = end - pos < BLOCK_SIZE ? (size_t)(end - pos) : BLOCK_SIZE;
        ssize_t n = read_block(job, buf, pos, want);
        if (n < 0) {
            int e = errno;
            if (!pipe_flush(r)) {
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
        if (first) {
            first = 0;
            detect_first(job, r, p, &data, &len, (size_t)n < BLOCK_SIZE);
        }
        size_t bs = csv_get_buffer_size(p);
        csv_set_blk_size(p, bs < 65536 ? 65536 : bs);   /* geometric growth for huge fields */
        if (csv_parse(p, data, len, on_field, on_row, r) != len && !r->failed)
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
        if (p->pstate == LIBCSV_FIELD_BEGUN && p->quoted) {
            if (!pipe_flush(r)) {
                r->failed = r->structural = 1;
                sg_error_set(r->err, SG_EDATA,
                             "%s:%llu: unterminated quoted field: the quote opened on this line "
                             "is never closed", r->path, (unsigned long long)r->line);
            }
        } else {
            csv_fini(p, on_field, on_row, r);
        }
    }
    pipe_flush(r);
    if (how == RANGE_FIRST) {
        publish_setup(job, r);
        if (r->failed)
            atomic_store(&job->abort, 1);
    }
    return done;
}

static int parser_init(struct csv_parser *p)
{
    if (csv_init(p, CSV_REPALL_NL) != 0)
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
    return alloc_cols(r, job->modes, job->fmts);
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
    if (!seekable || size < MIN_SPLIT || opt->max_rows)
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
        if (!(job->chunks[k].buf = sg_malloc(BLOCK_SIZE))) {
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
            reader_free(&c->r);
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

sg_table *sg_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                      sg_error *err)
{
    sg_csv_options defaults;
    sg_error local;
    struct stat st;
    sg_table *t = NULL;
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
        reader_free(r);
        sg_error_clear(err);
        job->force_dict = force;
        if (pass >= 2)
            job->no_spec = 1;
    }
    if (report) {
        report->delim = job->delim;
        report->bytes = job->size ? job->size : bytes_done(job);
    }
    int rc = r->failed ? err->code : 0;
    if (rc && !r->structural)
        goto out;
    if (r->in_header || r->ncols == 0) {
        if (!rc)
            sg_error_set(err, SG_EDATA, "%s: the file is empty (no header row)", path);
        goto out;
    }
    t = sg_csv_build(r, report);
out:
    if (report) {
        report->rows_read = r->records;
        report->rows_skipped = r->skipped;
        report->nfirst = r->nissues;
        memcpy(report->first, r->issues, r->nissues * sizeof r->issues[0]);
        if (!t)
            sg_csv_report_free(report);
    }
    reader_free(r);
    pthread_mutex_destroy(&job->mu);
    pthread_cond_destroy(&job->cv);
    sg_free(job);
    sg_free(force);
    close(fd);
    return t;
}
