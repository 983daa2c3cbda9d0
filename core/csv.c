/* CSV reader on libcsv.
 *
 * One streaming pass: the file is read in 1 MiB blocks and fed to
 * csv_parse.  Every field of column j is interned into a per-column
 * dictionary and only its int32 code is kept (-1 for a missing marker), so
 * the staging costs 4 bytes per cell plus the distinct strings.  After the
 * pass each column's type is inferred from its distinct strings only
 * (csv_infer.c), a typed value is computed per code, and the final column
 * is materialised by mapping codes; a string column keeps its dictionary
 * and adopts the code array as its data.  Staging is freed column by
 * column as soon as each is converted.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libcsv's header: core/ is deliberately not on sgcore's include path, so
 * <csv.h> is libcsv's while "csv.h" is ours (see CMakeLists.txt). */
#include <csv.h>

#include "csv_internal.h"
#include "mem.h"

#define BLOCK_SIZE ((size_t)1 << 20)
#define PROGRESS_EVERY ((uint64_t)4 << 20)
#define LIBCSV_FIELD_BEGUN 2   /* libcsv's pstate inside a field */
#ifndef SG_CSV_CACHE_BITS
#define SG_CSV_CACHE_BITS 12   /* entries per column of the code cache: 4096 measured best */
#endif

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

static int finish_header(sg_csv_reader *r)
{
    r->in_header = 0;
    r->ncols = r->nnames;
    if (unique_names(r))
        return -1;
    r->ov = sg_calloc(r->ncols, sizeof *r->ov);
    r->dicts = sg_calloc(r->ncols, sizeof *r->dicts);
    r->codes = sg_calloc(r->ncols, sizeof *r->codes);
    r->cache = sg_calloc(r->ncols, sizeof *r->cache);
    if (!r->ov || !r->dicts || !r->codes || !r->cache)
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
    /* about 2 MB of cache in all: 4096 entries per column at most, none
     * when there are so many columns that each would get fewer than 16 */
    r->cache_bits = SG_CSV_CACHE_BITS;
    while (r->cache_bits >= 4 && ((size_t)1 << r->cache_bits) * r->ncols > ((size_t)1 << 17))
        r->cache_bits--;
    /* every record needs at least ncols bytes, so this bounds the estimate */
    r->cap = r->cap_hint;
    if (r->size / r->ncols + 64 < r->cap)
        r->cap = (size_t)(r->size / r->ncols) + 64;
    for (size_t j = 0; j < r->ncols; j++)
        if (!(r->codes[j] = sg_malloc(r->cap * sizeof(int32_t))))
            return sg_csv_fail_nomem(r);
    return 0;
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

/* ---- libcsv callbacks ---- */

static int grow_rows(sg_csv_reader *r)
{
    size_t nc = r->cap + r->cap / 2 + 64;
    if (nc > SIZE_MAX / sizeof(int32_t))
        return sg_csv_fail_nomem(r);
    for (size_t j = 0; j < r->ncols; j++) {
        int32_t *c = sg_realloc(r->codes[j], nc * sizeof *c);
        if (!c)
            return sg_csv_fail_nomem(r);
        r->codes[j] = c;
    }
    r->cap = nc;
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

/* A direct-mapped cache of (text, code) per column in front of the
 * dictionary: most fields repeat a recent value, and the hash comes for
 * free from the scan in on_field, so the dictionary's own hashing and
 * probing only runs on cache misses. */
typedef struct sg_csv_cache_entry {
    const char *s;      /* the dictionary's copy (stable: dictionary chunks never move) */
    uint32_t len;
    int32_t code;
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

/* Stores field j of the current data record as a code (-1: missing). */
static void stage_field(sg_csv_reader *r, size_t j, const unsigned char *s, size_t len, unsigned hi,
                        uint64_t h)
{
    if (j == 0 && r->nrows == r->cap && grow_rows(r))
        return;
    int32_t code = -1;
    cache_entry *ce = NULL;
    if (r->cache_bits >= 4 && len > 0) {
        if (!r->cache[j] && !(r->cache[j] = sg_calloc((size_t)1 << r->cache_bits, sizeof *ce))) {
            sg_csv_fail_nomem(r);
            return;
        }
        ce = &r->cache[j][h >> (64 - r->cache_bits)];
        if (ce->s && ce->len == len && same_bytes(ce->s, s, len)) {
            r->codes[j][r->nrows] = ce->code;
            return;
        }
    }
    if (!is_missing(r, s, len)) {
        sg_dict *d = r->dicts[j];
        if (!d && !(d = r->dicts[j] = sg_dict_new(64))) {
            sg_csv_fail_nomem(r);
            return;
        }
        size_t before = sg_dict_size(d);
        code = sg_dict_intern(d, (const char *)s, len);
        if (code < 0) {
            sg_csv_fail_nomem(r);
            return;
        }
        /* UTF-8 is checked once per distinct value, when it is first seen */
        if ((size_t)code == before && (hi & 0x80) && !sg_csv_utf8_valid(s, len)) {
            char b[80], nb[80];
            r->failed = 1;
            sg_error_set(r->err, SG_EDATA,
                         "%s:%llu:%zu: column '%s': '%s' is not valid UTF-8; if the file is "
                         "Latin-1, read it with encoding = \"latin1\"",
                         r->path, (unsigned long long)r->rec_line, j + 1,
                         sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb),
                         sg_csv_show((const char *)s, len, b, sizeof b));
            return;
        }
        if (ce && len <= UINT32_MAX) {
            ce->s = sg_dict_str(d, code, NULL);
            ce->len = (uint32_t)len;
            ce->code = code;
        }
    }
    r->codes[j][r->nrows] = code;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* non-zero when some byte of x is below n (n <= 128) */
#define HAS_LESS(x, n) (((x) - ONES * (n)) & ~(x) & HIGHS)

/* One pass over a field, 8 bytes at a time: counts the newlines inside it
 * (a CRLF once), ORs the bytes (high bit: not ASCII) and hashes them. */
static uint64_t scan_field(sg_csv_reader *r, const unsigned char *s, size_t len, unsigned *hi_out)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len, acc = 0, x;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&x, s + i, 8);
        acc |= x;
        if (HAS_LESS(x, '\r' + 1)) {
            for (size_t k = i; k < i + 8; k++)
                if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
                    r->line++;
        }
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (i < len) {
        x = 0;
        for (size_t k = i; k < len; k++) {
            unsigned b = s[k];
            if (b <= '\r' && (b == '\n' || (b == '\r' && (k + 1 == len || s[k + 1] != '\n'))))
                r->line++;
            x |= (uint64_t)b << (8 * (k - i));
        }
        acc |= x;
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    *hi_out = (acc & HIGHS) ? 0x80 : 0;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
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
    unsigned hi;
    uint64_t h = scan_field(r, s, len, &hi);
    if (j == 0)
        r->first_blank = is_blank(s, len);
    if ((hi & 0x80) && r->opt->latin1) {
        if (!(s = to_utf8(r, s, &len)))
            return;
        uint64_t line = r->line;     /* rehash only: the newlines were counted */
        h = scan_field(r, s, len, &hi);
        r->line = line;
        hi = 0;                      /* valid UTF-8 by construction */
    }
    if (!r->in_header) {
        if (j < r->ncols)
            stage_field(r, j, s, len, hi, h);
        return;
    }
    if ((hi & 0x80) && !sg_csv_utf8_valid(s, len)) {
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
        r->dropped++;                 /* a line of blanks */
        return;
    }
    r->records++;
    if (nf != r->ncols) {
        char text[160];
        snprintf(text, sizeof text, "expected %zu fields, found %zu", r->ncols, nf);
        r->dropped++;
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
    r->nrows++;
    if (r->opt->max_rows && r->nrows >= r->opt->max_rows)
        r->stop = 1;
}

static void reader_free(sg_csv_reader *r)
{
    for (size_t j = 0; j < r->nnames; j++) {
        sg_free(r->names[j]);
        if (r->raw)
            sg_free(r->raw[j]);
    }
    sg_free(r->names);
    sg_free(r->raw);
    for (size_t j = 0; j < r->ncols; j++) {
        if (r->codes)
            sg_free(r->codes[j]);
        if (r->dicts)
            sg_dict_release(r->dicts[j]);
    }
    sg_free(r->codes);
    sg_free(r->dicts);
    sg_free(r->ov);
    if (r->cache)
        for (size_t j = 0; j < r->ncols; j++)
            sg_free(r->cache[j]);
    sg_free(r->cache);
    sg_free(r->adj);
    sg_free(r->scratch);
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

/* Feeds the file to libcsv; 0, or an error code with r->err set. */
static int parse_file(sg_csv_reader *r, FILE *f, char *buf, sg_csv_report *rep)
{
    struct csv_parser p;
    uint64_t done = 0, last_progress = 0;
    int first = 1;
    if (csv_init(&p, CSV_REPALL_NL) != 0)
        return sg_csv_fail_nomem(r);
    csv_set_realloc_func(&p, sg_realloc);
    csv_set_free_func(&p, sg_free);
    csv_set_space_func(&p, never_space);
    for (;;) {
        size_t n = fread(buf, 1, BLOCK_SIZE, f);
        if (n == 0) {
            if (ferror(f)) {
                r->failed = 1;
                sg_error_set(r->err, SG_EIO, "cannot read '%s': %s", r->path, strerror(errno));
            }
            break;
        }
        const char *data = buf;
        size_t len = n;
        done += n;
        if (first) {
            size_t lines, bytes;
            first = 0;
            if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
                data += 3, len -= 3;
            char d = sg_csv_detect_delim(data, len, n < BLOCK_SIZE, &lines, &bytes);
            if (!r->opt->delim)
                csv_set_delim(&p, (unsigned char)d);
            else
                csv_set_delim(&p, (unsigned char)r->opt->delim);
            if (rep)
                rep->delim = (char)csv_get_delim(&p);
            /* rows ~ size * lines / bytes of the sample, plus 5% */
            double est = lines && bytes ? (double)r->size * (double)lines / (double)bytes : 0;
            r->cap_hint = est > 1e9 ? 1000000000u : (size_t)(est * 1.05) + 64;
        }
        size_t bs = csv_get_buffer_size(&p);
        csv_set_blk_size(&p, bs < 65536 ? 65536 : bs);   /* geometric growth for huge fields */
        if (csv_parse(&p, data, len, on_field, on_row, r) != len && !r->failed) {
            sg_csv_fail_nomem(r);
        }
        if (r->opt->progress && done - last_progress >= PROGRESS_EVERY) {
            r->opt->progress(r->opt->progress_ud, done, r->size);
            last_progress = done;
        }
        if (r->failed || r->stop)
            break;
    }
    if (!r->failed && !r->stop) {
        if (p.pstate == LIBCSV_FIELD_BEGUN && p.quoted) {
            r->failed = r->structural = 1;
            sg_error_set(r->err, SG_EDATA,
                         "%s:%llu: unterminated quoted field: the quote opened on this line is "
                         "never closed", r->path, (unsigned long long)r->line);
        } else {
            csv_fini(&p, on_field, on_row, r);
        }
    }
    csv_free(&p);
    if (r->opt->progress && !r->failed)
        r->opt->progress(r->opt->progress_ud, done, r->size ? r->size : done);
    if (rep)
        rep->bytes = r->size ? r->size : done;
    return r->failed ? r->err->code : 0;
}

sg_table *sg_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                      sg_error *err)
{
    sg_csv_options defaults;
    sg_error local;
    sg_csv_reader r;
    struct stat st;
    sg_table *t = NULL;
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
    FILE *f = fopen(path, "rb");
    if (!f) {
        sg_error_set(err, SG_EIO, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        sg_error_set(err, SG_EIO, "cannot read '%s': %s", path, strerror(EISDIR));
        return NULL;
    }
    char *buf = sg_malloc(BLOCK_SIZE);
    if (!buf) {
        fclose(f);
        sg_error_nomem(err);
        return NULL;
    }
    memset(&r, 0, sizeof r);
    r.path = path;
    r.opt = opt;
    r.err = err;
    r.line = 1;
    r.in_header = 1;
    r.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    setup_markers(&r);
    int rc = parse_file(&r, f, buf, report);
    sg_free(buf);
    fclose(f);
    if (rc && !r.structural)
        goto out;
    if (r.in_header || r.ncols == 0) {
        if (!rc)
            sg_error_set(err, SG_EDATA, "%s: the file is empty (no header row)", path);
        goto out;
    }
    t = sg_csv_build(&r, report);
out:
    if (report) {
        report->rows_read = r.records;
        report->rows_skipped = r.skipped;
        report->nfirst = r.nissues;
        memcpy(report->first, r.issues, r.nissues * sizeof r.issues[0]);
        if (!t)
            sg_csv_report_free(report);
    }
    reader_free(&r);
    return t;
}
