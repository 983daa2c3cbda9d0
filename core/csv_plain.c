/* Records without quotes, outside libcsv (sg_csv_feed).
 *
 * libcsv copies every character of a field into its own buffer through a
 * state machine, one call per character; most records of a transactions
 * file hold no quote at all, and their fields are simply the bytes between
 * delimiters.  sg_csv_feed finds such records itself and gives the field
 * and row callbacks pointers into the caller's block, making exactly the
 * calls libcsv would make with CSV_REPALL_NL and no space trimming: each
 * field, then the row end with its character, and every CR or LF between
 * records as a row end of its own (a CRLF is a row end, then an empty one
 * for the LF).
 *
 * Only whole records are taken this way, and a whole record leaves libcsv
 * where it was: between records, with nothing buffered.  A record with a
 * quote anywhere, one with more fields than PLAIN_MAX_FIELDS and one cut
 * by the end of the block go to libcsv instead, up to and including the
 * next line end; while libcsv is inside a record (a quoted field across
 * lines, a record continued from the previous block) it gets the bytes a
 * line at a time, and the plain records resume once it is back between
 * records.  So every quote, and every check of a quote, is still libcsv's
 * (strict or not, as the caller set it up). */
#include <csv.h>   /* libcsv's header (core/ is not on the include path) */

#include "csv_internal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define PLAIN_MAX_FIELDS 64

int sg_csv_plain_records = 1;

/* The special bytes: the delimiter, the quote, CR and LF. */
typedef struct specials {
    const unsigned char *table;   /* 1 for a special byte */
#ifdef __SSE2__
    __m128i d, q, cr, lf;
#endif
} specials;

/* The special bytes of s[0, n) as bits, bit k for s[k] (n <= 64). */
static uint64_t special_bits(const specials *sp, const unsigned char *s, size_t n)
{
    uint64_t m = 0;
#ifdef __SSE2__
    if (n == 64) {
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
            __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp->d), _mm_cmpeq_epi8(v, sp->q)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, sp->cr), _mm_cmpeq_epi8(v, sp->lf)));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << (16 * k);
        }
        return m;
    }
#endif
    for (size_t k = 0; k < n; k++)
        m |= (uint64_t)sp->table[s[k]] << k;
    return m;
}

/* The special bytes of s[0, len) are looked for 64 at a time: bits holds
 * those of s[base, base + 64) (bits beyond len are 0). */
typedef struct window {
    size_t base;
    uint64_t bits;
} window;

/* The first special byte at or after i (len if none); i >= w->base. */
static inline size_t next_special(const specials *sp, const unsigned char *s, size_t len,
                                  size_t i, window *w)
{
    if (i - w->base >= 64) {         /* line ends have moved past the window */
        w->base = i;
        w->bits = special_bits(sp, s + i, len - i < 64 ? len - i : 64);
    }
    uint64_t m = w->bits & (~(uint64_t)0 << (i - w->base));
    while (!m) {
        w->base += 64;
        if (w->base >= len) {
            w->base = len;
            w->bits = 0;
            return len;
        }
        w->bits = m = special_bits(sp, s + w->base, len - w->base < 64 ? len - w->base : 64);
    }
    return w->base + (size_t)__builtin_ctzll(m);
}

/* Whole quote-free records from the start of s; returns their bytes. */
static size_t plain_records(const sg_csv_feeder *f, const unsigned char *s, size_t len,
                            const specials *sp, unsigned char delim)
{
    size_t pos = 0, ends[PLAIN_MAX_FIELDS];
    window w = { 0, special_bits(sp, s, len < 64 ? len : 64) };
    while (pos < len && !f->halted(f->ud)) {
        unsigned char c = s[pos];
        if (c == '\n' || c == '\r') {
            f->on_row(c, f->ud);
            pos++;
            continue;
        }
        size_t i = pos, nf = 0;
        for (;;) {
            i = next_special(sp, s, len, i, &w);
            if (i == len || (s[i] != delim && s[i] != '\n' && s[i] != '\r') ||
                nf == PLAIN_MAX_FIELDS)
                return pos;          /* cut, a quote, or too many fields: libcsv's */
            ends[nf++] = i;
            if (s[i] != delim)
                break;
            i++;
        }
        size_t from = pos;
        for (size_t k = 0; k < nf; k++) {
            f->on_field((void *)(s + from), ends[k] - from, f->ud);
            from = ends[k] + 1;
        }
        f->on_row(s[i], f->ud);
        pos = i + 1;
    }
    return pos;
}

size_t sg_csv_feed(const sg_csv_feeder *f, const char *data, size_t len)
{
    struct csv_parser *p = f->p;
    const unsigned char *s = (const unsigned char *)data;
    unsigned char special[256] = { 0 }, delim = csv_get_delim(p), quote = csv_get_quote(p);
    int plain = sg_csv_plain_records && delim != '\n' && delim != '\r' && delim != quote;
    special[delim] = special[quote] = special['\n'] = special['\r'] = 1;
    specials sp;
    sp.table = special;
#ifdef __SSE2__
    sp.d = _mm_set1_epi8((char)delim);
    sp.q = _mm_set1_epi8((char)quote);
    sp.cr = _mm_set1_epi8('\r');
    sp.lf = _mm_set1_epi8('\n');
#endif
    size_t done = 0;
    while (done < len && !f->halted(f->ud)) {
        if (plain && p->pstate == LIBCSV_ROW_NOT_BEGUN && p->entry_pos == 0) {
            done += plain_records(f, s + done, len - done, &sp, delim);
            if (done == len)
                break;
        }
        size_t n = len - done;
        for (size_t k = done; k < len; k++)
            if (s[k] == '\n' || s[k] == '\r') {
                n = k + 1 - done;
                break;
            }
        size_t got = f->libcsv(f->ud, p, data + done, n);
        if (got != n)
            return done + got;
        done += n;
    }
    return len;
}
