/* CSV reader on libcsv: the staging of one pass (this file) and the
 * reading of the file (csv_read.c).
 *
 * This file holds what libcsv calls back for every field and record
 * (sg_csv_on_field, sg_csv_on_row) and everything they stage into an
 * sg_csv_reader: missing markers, line tracking, the header and its
 * unique names, dictionary columns with their code cache and lookup
 * queue, typed columns and the sample decision.  It never touches the
 * file, libcsv's parser or threads: csv_read.c opens and reads the file,
 * cuts it into byte ranges parsed by worker threads, merges them, runs
 * the passes and holds the public sg_csv_read.
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
 * see exactly what they did the first time; sg_csv_read, in csv_read.c,
 * runs the passes).
 *
 * Each byte range of a parallel read gets its own reader; the callbacks
 * below never know which range they stage (see csv_read.c).
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
 * missing marker; blank lines are ignored; a NUL byte fails the read (no
 * text file holds one); quotes are checked strictly (see feed_libcsv() in
 * csv_read.c), and fields read leniently are counted here (quote_bad). */
#include "csv.h"

#include <stdio.h>
#include <string.h>

#include "csv_internal.h"
#include "mem.h"

#ifndef SG_CSV_CACHE_BITS
#define SG_CSV_CACHE_BITS 12   /* entries per column of the code cache: 4096 measured best */
#endif

size_t sg_csv_sample_rows = SG_CSV_SAMPLE_ROWS;

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

static int is_missing_slow(const sg_csv_reader *r, const unsigned char *s, size_t len)
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

/* The common answer (a field that starts like no marker) inline. */
static inline int is_missing(const sg_csv_reader *r, const unsigned char *s, size_t len)
{
    if (len && s[0] != ' ' && s[0] != '\t' && (len > r->na_maxlen || !r->na_first[s[0]]))
        return 0;
    return is_missing_slow(r, s, len);
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

const char *sg_csv_path_of_row(const sg_csv_reader *r, size_t row)
{
    for (size_t i = 0; r->file_rows && i < r->nfiles; i++)
        if (row < r->file_rows[i])
            return r->file_paths[i];
    return r->path;
}

/* ---- header ---- */

static int name_taken(const sg_dict *a, const sg_dict *b, const char *s)
{
    return sg_dict_find(a, s, strlen(s)) >= 0 || sg_dict_find(b, s, strlen(s)) >= 0;
}

/* The base of a generated name: the header text cut to 80 bytes (never
 * inside a UTF-8 sequence), or col_<n> for an empty one. */
static void name_base(const char *name, size_t j, char *base, size_t size)
{
    size_t len = strlen(name);
    if (!len) {
        snprintf(base, size, "col_%zu", j + 1);
        return;
    }
    if (len > 80) {
        len = 80;
        while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
            len--;
    }
    snprintf(base, size, "%.*s", (int)len, name);
}

/* Empty names become col_<n>, repeated names Name_2, Name_3, ...,
 * avoiding every name of the header.  Linear in the number of columns:
 * each base remembers the next suffix to try; a candidate refused once
 * (a header name or an earlier column's final name) stays refused, since
 * both sets only grow, so no candidate is tried twice for one base.  On
 * success *final holds the final names, each name's code being its column
 * number.  Returns 0 or an error code. */
static int unique_names(sg_csv_reader *r, sg_dict **final)
{
    sg_dict *all = sg_dict_new(r->nnames), *done = sg_dict_new(r->nnames), *bases = NULL;
    size_t *next = NULL, nnext = 0;
    int rc = 0;
    *final = NULL;
    r->raw = sg_calloc(r->nnames ? r->nnames : 1, sizeof *r->raw);
    if (!all || !done || !r->raw)
        goto nomem;
    for (size_t j = 0; j < r->nnames; j++)
        if (sg_dict_intern(all, r->names[j], strlen(r->names[j])) < 0)
            goto nomem;
    for (size_t j = 0; j < r->nnames; j++) {
        char *name = r->names[j];
        if (!name[0] || sg_dict_find(done, name, strlen(name)) >= 0) {
            char base[96], cand[128];
            name_base(name, j, base, sizeof base);
            if (!bases && !(bases = sg_dict_new(16)))
                goto nomem;
            int32_t b = sg_dict_intern(bases, base, strlen(base));
            if (b < 0)
                goto nomem;
            if ((size_t)b >= nnext) {
                size_t nc = nnext ? nnext * 2 : 16;
                size_t *nx = sg_realloc(next, nc * sizeof *nx);
                if (!nx)
                    goto nomem;
                memset(nx + nnext, 0, (nc - nnext) * sizeof *nx);
                next = nx;
                nnext = nc;
            }
            size_t k = next[b];           /* 0: the base itself not tried yet */
            for (;; k = k ? k + 1 : 2) {
                if (k)
                    snprintf(cand, sizeof cand, "%s_%zu", base, k);
                else
                    snprintf(cand, sizeof cand, "%s", base);
                if (!name_taken(all, done, cand))
                    break;
            }
            next[b] = k ? k + 1 : 2;
            char *dup = sg_strdup(cand);
            if (!dup)
                goto nomem;
            r->raw[j] = name;
            r->names[j] = dup;
        }
        if (sg_dict_intern(done, r->names[j], strlen(r->names[j])) < 0)
            goto nomem;
    }
    *final = done;
    done = NULL;
    goto out;
nomem:
    rc = sg_csv_fail_nomem(r);
out:
    sg_dict_release(all);
    sg_dict_release(done);
    sg_dict_release(bases);
    sg_free(next);
    return rc;
}

/* ---- staging columns ---- */

static size_t col_width(int mode)
{
    return mode == SG_CSV_DICT ? sizeof(int32_t) : mode == SG_CSV_OFF ? 0 : 8;
}

/* Allocates the staging of every column for r->cap rows; modes/fmts NULL:
 * all dictionary mode. */
int sg_csv_alloc_cols(sg_csv_reader *r, const int *modes, const sg_date_format *fmts)
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
    sg_dict *names;
    if (unique_names(r, &names))
        return -1;
    r->ov = sg_calloc(r->ncols ? r->ncols : 1, sizeof *r->ov);
    if (!r->ov) {
        sg_dict_release(names);
        return sg_csv_fail_nomem(r);
    }
    for (size_t k = 0; k < r->opt->noverrides; k++) {
        const sg_csv_override *o = &r->opt->overrides[k];
        int32_t j = sg_dict_find(names, o->column, strlen(o->column));
        if (j < 0) {
            char b[80];
            sg_dict_release(names);
            r->failed = 1;
            return sg_error_set(r->err, SG_EINVAL,
                                "%s: a type is given for column '%s' but the header has no "
                                "such column",
                                r->path, sg_csv_show(o->column, strlen(o->column), b, sizeof b));
        }
        if (!r->ov[j])
            r->ov[j] = o;
    }
    if (r->opt->nexpect && !(r->expect = sg_calloc(r->ncols ? r->ncols : 1, 1))) {
        sg_dict_release(names);
        return sg_csv_fail_nomem(r);
    }
    for (size_t k = 0; k < r->opt->nexpect; k++) {
        const sg_csv_expect *e = &r->opt->expect[k];
        int32_t j = sg_dict_find(names, e->column, strlen(e->column));
        if (j < 0) {
            char b[80];
            sg_dict_release(names);
            r->failed = 1;
            return sg_error_set(r->err, SG_EDATA, "%s: the header has no column '%s' (it must "
                                "hold %s)", r->path,
                                sg_csv_show(e->column, strlen(e->column), b, sizeof b),
                                e->kind == SG_CSV_NUMBERS ? "numbers" : "dates");
        }
        r->expect[j] = (uint8_t)e->kind;
    }
    sg_dict_release(names);
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
    /* and a small file needs no more cache entries than rows */
    while (r->cache_bits > 4 && ((size_t)1 << r->cache_bits) > 2 * r->cap)
        r->cache_bits--;
    return sg_csv_alloc_cols(r, NULL, NULL);
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

/* Short texts are compared and copied a word at a time, the last word
 * overlapping the one before (4 to 7 bytes: two overlapping 4-byte
 * words), so no byte loop runs for the tail. */
static int same_bytes(const char *a, const unsigned char *b, size_t len)
{
    if (len > 64)
        return memcmp(a, b, len) == 0;
    if (len >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + len - 8, 8);
        memcpy(&y, b + len - 8, 8);
        return x == y;
    }
    if (len >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + len - 4, 4);
        memcpy(&y1, b + len - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    for (size_t i = 0; i < len; i++)
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
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8)
            memcpy(dst + i, src + i, 8);
        memcpy(dst + len - 8, src + len - 8, 8);
        return;
    }
    if (len >= 4) {
        uint32_t x0, x1;
        memcpy(&x0, src, 4);
        memcpy(&x1, src + len - 4, 4);
        memcpy(dst, &x0, 4);
        memcpy(dst + len - 4, &x1, 4);
        return;
    }
    for (size_t i = 0; i < len; i++)
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
    if (!d && !(d = c->dict = sg_dict_new(16))) {
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
int sg_csv_pipe_flush(sg_csv_reader *r)
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
    if (!c->dict && !(c->dict = sg_dict_new(16))) {
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
    sg_dict_prefetch_text(c->dict, (const char *)s, len, h);
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
    /* the column's previous value (a repeat in the next record is the
     * commonest case), even while it is still queued; compared before
     * hashing, which a repeat does not need */
    if (c->memo_ok && c->memo_len == len && same_bytes(c->memo, s, len)) {
        if (c->memo_code >= 0)
            codes[r->nrows] = c->memo_code;
        else
            pipe_push(r, j, s, len, hi, c->memo_hash, 1);
        return;
    }
    uint32_t h = sg_hash_bytes((const char *)s, len);
    if (c->cache_skip) {
        c->cache_skip--;
    } else if (len > 0 && r->cache_bits >= 4) {
        if (!c->cache) {
            size_t n = (size_t)1 << r->cache_bits;
            /* zeroed: a lookup reads hash and len before code */
            if (!(c->cache = sg_calloc(n, sizeof *c->cache))) {
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
        if (sg_csv_pipe_flush(r))
            return;
        stage_intern(r, j, s, len, hi, h, r->nrows, r->rec_line);
        return;
    }
    if (!c->big && !c->npend) {
        /* a small dictionary: no queue (a non-ASCII value first lets the
         * queued ones, earlier in the file, report their errors) */
        if (hi && sg_csv_pipe_flush(r))
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
    /* the previous value first: its text parsed, so it is no missing marker */
    if (c->memo_ok && len == c->memo_len && same_bytes(c->memo, s, len)) {
        if (c->na)
            c->na[i >> 3] &= (uint8_t)~bit;
        v[i] = c->memo_val;
        return;
    }
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
                /* promoted when the record is kept (sg_csv_on_row) */
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
    unsigned nul = 0;
    if (ctl)
        for (size_t k = 0; k < len; k++) {
            if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
                r->line++;
            nul |= s[k] == 0;
        }
    return ((hi & HIGHS) ? 0x80u : 0u) | (nul ? 0x100u : 0u);
}

/* A NUL byte in field j (it began on line0): no text file holds one (a
 * UTF-16 or binary file does), and C strings would cut the value there. */
static void nul_error(sg_csv_reader *r, size_t j, uint64_t line0, const unsigned char *s,
                      size_t len)
{
    char nb[80], lb[100] = "";
    size_t k = 0;
    uint64_t line = line0;
    if (sg_csv_pipe_flush(r))          /* an earlier error wins */
        return;
    for (; k < len && s[k]; k++)
        if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
            line++;
    if (!r->in_header && j < r->ncols)
        snprintf(lb, sizeof lb, "column '%s': ",
                 sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb));
    r->failed = r->structural = 1;
    sg_error_set(r->err, SG_EDATA,
                 "%s:%llu:%zu: %sa NUL byte (byte %zu of the field%s): a text CSV file has none; "
                 "is the file UTF-16 or binary?", r->path, (unsigned long long)line, j + 1, lb,
                 k + 1, r->in_header ? ", in the header" : "");
}

void sg_csv_on_field(void *data, size_t len, void *ud)
{
    sg_csv_reader *r = ud;
    if (r->failed || r->stop)
        return;
    const unsigned char *s = data ? data : (const unsigned char *)"";
    size_t j = r->nf++;
    if (j == 0)
        r->rec_line = r->line;
    uint64_t line0 = r->line;
    unsigned hi = scan_field(r, s, len);
    if (hi & 0x100) {
        nul_error(r, j, line0, s, len);
        r->nf = j;           /* not staged: a merge must not copy its slot */
        return;
    }
    if (r->quote_bad) {
        /* a quote not closed properly, read leniently (csv_read.c); 2: the
         * field ran to the end of the file, whose last line end merges
         * nothing */
        uint64_t merged = r->line - line0;
        if (r->quote_bad == 2 && merged && (s[len - 1] == '\n' || s[len - 1] == '\r'))
            merged--;
        r->quote_bad = 0;
        if (!r->bad_quotes++) {
            r->bq_line = line0;
            r->bq_field = j + 1;
        }
        r->lines_merged += merged;
    }
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

void sg_csv_on_row(int ch, void *ud)
{
    sg_csv_reader *r = ud;
    if (r->failed || r->stop)
        return;
    size_t nf = r->nf;
    if (!sg_csv_row_end(&r->line, &r->last_cr, nf, ch))
        return;                       /* a blank line, or the LF of a CRLF */
    r->nf = 0;
    if (r->in_header) {
        finish_header(r);
        return;
    }
    if (nf == 1 && r->ncols > 1 && r->first_blank) {
        if (sg_csv_pipe_flush(r))            /* its values are interned, in order */
            return;
        r->dropped++;                 /* a line of blanks */
        if (r->any_pend)
            commit_pending(r, 0);
        return;
    }
    r->records++;
    if (nf != r->ncols) {
        char text[160];
        if (sg_csv_pipe_flush(r))            /* an earlier UTF-8 error wins */
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
    if (!r->spec_done && r->nrows == sg_csv_sample_rows && (sg_csv_pipe_flush(r) || speculate(r)))
        return;
    if (r->opt->max_rows && r->nrows >= r->opt->max_rows)
        r->stop = 1;
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
