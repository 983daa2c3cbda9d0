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

#define PLAIN_MAX_FIELDS 64
#define LIBCSV_ROW_NOT_BEGUN 0

int sg_csv_plain_records = 1;

/* Whole quote-free records from the start of s; returns their bytes. */
static size_t plain_records(const sg_csv_feeder *f, const unsigned char *s, size_t len,
                            const unsigned char *special, unsigned char delim)
{
    size_t pos = 0, ends[PLAIN_MAX_FIELDS];
    while (pos < len && !f->halted(f->ud)) {
        unsigned char c = s[pos];
        if (c == '\n' || c == '\r') {
            f->on_row(c, f->ud);
            pos++;
            continue;
        }
        size_t i = pos, nf = 0;
        for (;;) {
            while (i < len && !special[s[i]])
                i++;
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
    size_t done = 0;
    while (done < len && !f->halted(f->ud)) {
        if (plain && p->pstate == LIBCSV_ROW_NOT_BEGUN && p->entry_pos == 0) {
            done += plain_records(f, s + done, len - done, special, delim);
            if (done == len || f->halted(f->ud))
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
