/* RFM straight from a CSV file (sg_rfm_csv): one libcsv pass, no dataset.
 *
 * Only the needed fields of each record are kept (copied into per-field
 * buffers until the record ends); customers are interned into one
 * dictionary whose codes index the per-customer accumulators, so memory is
 * proportional to customers.  Per record: the numbers and the date are
 * parsed first (a bad value is an error even on a row the cleaning would
 * drop, as the whole-file reader would reject it), then the filters apply
 * in this order: missing customer (dropped, or an error), cancellation
 * prefix (dropped), missing date or amount (rows_missing), non-positive
 * quantity/price/amount (dropped), after as_of (rows_after_as_of).
 *
 * Dates: the layout comes from the first non-missing value.  A slash date
 * that fits both DD/MM/YYYY and MM/DD/YYYY keeps both readings alive -- a
 * full set of accumulators per reading -- until a value with a part > 12
 * rules one out; if none ever does, day first wins (as in the reader).
 *
 * Being one pass with per-customer state only, a few figures count
 * changes instead of distinct values, which is exact when each customer's
 * rows come in time order and the lines of an invoice are contiguous (order
 * exports): frequency (an invoice counts when it differs from the
 * customer's previous one, compared by a 64-bit hash of its text; with
 * SG_RFM_DAYS, a day when it differs from the previous day) and
 * btyd_frequency (a period when it differs from the previous one).
 *
 * Line numbers in messages are physical lines, tracked as in csv.c
 * (CSV_REPALL_NL row ends, CRLF counted once, newlines inside quoted
 * fields counted from the field text).  Not done here (unlike the whole-
 * file reader): UTF-8 validation and Latin-1 conversion of customer text,
 * custom missing markers (the default ones are used). */
#include "rfm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>   /* libcsv: core/ is not on the include path, "csv.h" is ours */

#include "csv_internal.h"
#include "datetime.h"
#include "mem.h"
#include "rfm_internal.h"

#define BLOCK_SIZE ((size_t)4 << 20)
#define LIBCSV_FIELD_BEGUN 2
#define NROLES 6

enum { R_CUST, R_DATE, R_INV, R_QTY, R_PRICE, R_AMT };

static const char *const na_markers[] = { "NA", "null", "NULL", "N/A", "NaN" };

void sg_rfm_csv_options_init(sg_rfm_csv_options *co)
{
    memset(co, 0, sizeof *co);
}

typedef struct cand {
    sg_date_format fmt;
    sg_rfm_cust *cs;          /* per customer code */
    int64_t max_t;
    size_t used, after;
} cand;

typedef struct field_buf {
    char *s;
    size_t len, cap;
} field_buf;

typedef struct rstate {
    const char *path;
    const sg_rfm_options *o;
    const sg_rfm_csv_options *co;
    sg_error *err;
    int failed;
    /* position */
    uint64_t line, rec_line;
    int last_cr, first_blank;
    size_t nf;
    /* header */
    int in_header;
    char *header;             /* the names, ", "-joined (for messages) */
    size_t header_len, header_cap;
    size_t ncols;
    const char *role_name[NROLES];
    long role_col[NROLES];    /* field index of each role, -1 when unused */
    field_buf *fields;        /* per field index, only for the needed ones */
    uint8_t *need;
    /* data */
    sg_dict *dict;            /* customers */
    size_t ncust, cs_cap;
    cand cand[2];
    int ncand;                /* 0 until the first date */
    int date_only;
    sg_rfm_unit unit;         /* btyd unit */
    size_t prefix_len;
    sg_rfm_csv_info *info;
} rstate;

static int fail_nomem(rstate *r)
{
    r->failed = 1;
    return sg_error_nomem(r->err);
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int is_missing(const char *s, size_t len)
{
    if (is_blank(s, len))
        return 1;
    if (len > 4)
        return 0;
    for (size_t k = 0; k < sizeof na_markers / sizeof na_markers[0]; k++)
        if (strlen(na_markers[k]) == len && memcmp(na_markers[k], s, len) == 0)
            return 1;
    return 0;
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* Decimal text to double: exact fast path (an integer mantissa below 2^53
 * divided by an exact power of ten is correctly rounded, like strtod),
 * else the reader's own parser.  0 on success. */
static int parse_num(const char *s, size_t len, double *out)
{
    static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
                                  1e22 };
    const char *t = s;
    size_t n = len, i = 0, nd = 0, fd = 0;
    uint64_t m = 0;
    trim(&t, &n);
    int neg = n && t[0] == '-';
    if (n && (t[0] == '-' || t[0] == '+'))
        i++;
    for (; i < n && t[i] >= '0' && t[i] <= '9'; i++, nd++)
        m = m * 10 + (uint64_t)(t[i] - '0');
    if (i < n && t[i] == '.')
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++, nd++, fd++)
            m = m * 10 + (uint64_t)(t[i] - '0');
    if (i == n && nd > 0 && nd <= 19 && m <= ((uint64_t)1 << 53) && fd <= 22) {
        double v = fd ? (double)m / p10[fd] : (double)m;
        *out = neg ? -v : v;
        return 0;
    }
    return sg_csv_parse_f64(s, len, out);
}

static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len, x;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&x, s + i, 8);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (x = 0; i < len; i++)
        x = (x << 8) | (unsigned char)s[i];
    h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* ---- header ---- */

static int add_header_name(rstate *r, const char *s, size_t len)
{
    size_t need = r->header_len + len + 3;
    if (need > r->header_cap) {
        size_t nc = need * 2;
        char *h = sg_realloc(r->header, nc);
        if (!h)
            return fail_nomem(r);
        r->header = h;
        r->header_cap = nc;
    }
    if (r->ncols)
        memcpy(r->header + r->header_len, ", ", 2), r->header_len += 2;
    memcpy(r->header + r->header_len, s, len);
    r->header_len += len;
    r->header[r->header_len] = '\0';
    for (int k = 0; k < NROLES; k++)
        if (r->role_name[k] && r->role_col[k] < 0 && strlen(r->role_name[k]) == len &&
            memcmp(r->role_name[k], s, len) == 0)
            r->role_col[k] = (long)r->ncols;
    r->ncols++;
    return 0;
}

static void finish_header(rstate *r)
{
    static const char *const what[NROLES] = { "customer", "date", "invoice", "quantity", "price",
                                              "amount" };
    r->in_header = 0;
    for (int k = 0; k < NROLES; k++) {
        if (r->role_name[k] && r->role_col[k] < 0) {
            char b[80];
            r->failed = 1;
            sg_error_set(r->err, SG_EINVAL,
                         "%s: the %s column '%s' is not in the header; the columns are: %.700s",
                         r->path, what[k],
                         sg_csv_show(r->role_name[k], strlen(r->role_name[k]), b, sizeof b),
                         r->header ? r->header : "(none)");
            return;
        }
    }
    r->fields = sg_calloc(r->ncols, sizeof *r->fields);
    r->need = sg_calloc(r->ncols, 1);
    if (!r->fields || !r->need) {
        fail_nomem(r);
        return;
    }
    for (int k = 0; k < NROLES; k++)
        if (r->role_col[k] >= 0)
            r->need[r->role_col[k]] = 1;
}

/* ---- per record ---- */

static const char *field(const rstate *r, int role, size_t *len)
{
    const field_buf *f = &r->fields[r->role_col[role]];
    *len = f->len;
    return f->s ? f->s : "";
}

static int data_error(rstate *r, int role, const char *s, size_t len, const char *what)
{
    char b[80], nb[80];
    const char *name = r->role_name[role];
    r->failed = 1;
    return sg_error_set(r->err, SG_EDATA, "%s:%llu:%ld: column '%s': '%s' %s", r->path,
                        (unsigned long long)r->rec_line, r->role_col[role] + 1,
                        sg_csv_show(name, strlen(name), nb, sizeof nb),
                        sg_csv_show(s, len, b, sizeof b), what);
}

/* Parses a number field: 0 ok, 1 missing, -1 error (set). */
static int number(rstate *r, int role, double *out)
{
    size_t len;
    const char *s = field(r, role, &len);
    if (is_missing(s, len))
        return 1;
    if (parse_num(s, len, out))
        return data_error(r, role, s, len, "is not a number"), -1;
    return 0;
}

static void drop_cand(rstate *r, int k)
{
    sg_free(r->cand[k].cs);
    if (k == 0)
        r->cand[0] = r->cand[1];
    r->ncand = 1;
}

/* Parses the date under every live reading: t[k] for cand[k].
 * 0 ok, 1 missing, -1 error (set). */
static int parse_date(rstate *r, int64_t t[2])
{
    size_t len;
    const char *s = field(r, R_DATE, &len);
    const char *ts = s;
    size_t tl = len;
    if (is_missing(s, len))
        return 1;
    trim(&ts, &tl);
    if (r->ncand == 0) {
        unsigned bits = sg_datetime_fits(ts, tl);
        if (!bits)
            return data_error(r, R_DATE, s, len, "is not a date"), -1;
        if ((bits & (1u << SG_DATE_DMY)) && (bits & (1u << SG_DATE_MDY))) {
            r->cand[0].fmt = SG_DATE_DMY;
            r->cand[1].fmt = SG_DATE_MDY;
            r->ncand = 2;
        } else {
            int f = 1;
            while (!(bits & (1u << f)))
                f++;
            r->cand[0].fmt = (sg_date_format)f;
            r->ncand = 1;
        }
        for (int k = 0; k < r->ncand; k++) {
            r->cand[k].max_t = INT64_MIN;
            if (r->cs_cap && !(r->cand[k].cs = sg_calloc(r->cs_cap, sizeof(sg_rfm_cust))))
                return fail_nomem(r), -1;
        }
    }
    int ok[2] = { 0, 0 };
    for (int k = 0; k < r->ncand; k++)
        ok[k] = sg_datetime_parse(ts, tl, r->cand[k].fmt, &t[k], NULL) == 0;
    if (r->ncand == 2 && ok[0] != ok[1]) {
        drop_cand(r, ok[0] ? 1 : 0);
        if (ok[1])
            t[0] = t[1];
        ok[0] = 1;
    }
    if (!ok[0]) {
        char what[96];
        snprintf(what, sizeof what, "is not a date in the layout of the first date (%s%s)",
                 sg_date_format_name(r->cand[0].fmt), r->ncand == 2 ? " or MM/DD/YYYY" : "");
        return data_error(r, R_DATE, s, len, what), -1;
    }
    if (t[0] % SG_RFM_DAY != 0)
        r->date_only = 0;
    return 0;
}

/* The customer's code, growing the accumulators when new. */
static int32_t customer(rstate *r, const char *s, size_t len)
{
    int32_t code = sg_dict_intern(r->dict, s, len);
    if (code < 0)
        return fail_nomem(r), -1;
    if ((size_t)code < r->ncust)
        return code;
    if (r->ncust == r->cs_cap) {
        size_t nc = r->cs_cap ? r->cs_cap * 2 : 4096;
        for (int k = 0; k < r->ncand; k++) {
            sg_rfm_cust *n = sg_realloc(r->cand[k].cs, nc * sizeof *n);
            if (!n)
                return fail_nomem(r), -1;
            r->cand[k].cs = n;
        }
        r->cs_cap = nc;
    }
    for (int k = 0; k < r->ncand; k++)
        memset(&r->cand[k].cs[r->ncust], 0, sizeof(sg_rfm_cust));
    r->ncust++;
    return code;
}

static void update(rstate *r, sg_rfm_cust *s, int64_t t, double amount, int inv_missing,
                   uint64_t inv_key)
{
    if (s->rows == 0) {
        s->first = s->last = t;
        s->periods = 1;
        s->prev_period = 0;
    } else if (t < s->first) {
        /* out of time order: the period anchor moves (approximate) */
        s->first = t;
        s->periods++;
        s->prev_period = 0;
    } else {
        int64_t p = sg_rfm_period(t - s->first, &r->unit);
        if (p != s->prev_period) {
            s->prev_period = p;
            s->periods++;
        }
        if (t > s->last)
            s->last = t;
    }
    if (s->rows < UINT32_MAX)
        s->rows++;
    s->monetary += amount;
    uint64_t key = inv_key;
    if (r->o->freq == SG_RFM_DAYS) {
        key = (uint64_t)sg_rfm_floor_day(t);
    } else if (inv_missing) {
        if (!(s->flags & SG_RFM_MISSING_INVOICE)) {
            s->flags |= SG_RFM_MISSING_INVOICE;
            s->freq++;
        }
        return;
    }
    if (!(s->flags & SG_RFM_HAS_PREV) || s->prev != key) {
        s->prev = key;
        s->flags |= SG_RFM_HAS_PREV;
        s->freq++;
    }
}

static void process_record(rstate *r)
{
    const sg_rfm_csv_options *co = r->co;
    sg_rfm_csv_info *info = r->info;
    double amount = 0, qty = 0, price = 0;
    int64_t t[2] = { 0, 0 };
    size_t clen, ilen = 0;
    const char *cs = field(r, R_CUST, &clen), *inv = NULL;
    info->rows_read++;
    int miss_amt;
    if (r->o->amount) {
        if ((miss_amt = number(r, R_AMT, &amount)) < 0)
            return;
    } else {
        int mq = number(r, R_QTY, &qty);
        if (mq < 0)
            return;
        int mp = number(r, R_PRICE, &price);
        if (mp < 0)
            return;
        miss_amt = mq || mp;
        amount = qty * price;
    }
    int miss_date = parse_date(r, t);
    if (miss_date < 0)
        return;
    if (is_missing(cs, clen)) {
        if (co->drop_missing_customer) {
            info->rows_dropped++;
            return;
        }
        r->failed = 1;
        sg_error_set(r->err, SG_EDATA,
                     "%s:%llu:%ld: column '%s' is missing; drop such rows with "
                     "drop_missing_customer", r->path, (unsigned long long)r->rec_line,
                     r->role_col[R_CUST] + 1, r->o->customer);
        return;
    }
    int inv_missing = 1;
    if (r->role_col[R_INV] >= 0) {
        inv = field(r, R_INV, &ilen);
        inv_missing = is_missing(inv, ilen);
    }
    if (r->prefix_len && !inv_missing && ilen >= r->prefix_len &&
        memcmp(inv, co->cancel_prefix, r->prefix_len) == 0) {
        info->rows_dropped++;
        return;
    }
    if (miss_amt || miss_date) {
        info->rfm.rows_missing++;
        return;
    }
    if (co->drop_nonpositive &&
        (r->o->amount ? amount <= 0 : (qty <= 0 || price <= 0))) {
        info->rows_dropped++;
        return;
    }
    int32_t code = customer(r, cs, clen);
    if (code < 0)
        return;
    uint64_t key = !inv_missing && r->o->freq == SG_RFM_INVOICES ? text_hash(inv, ilen) : 0;
    for (int k = 0; k < r->ncand; k++) {
        cand *c = &r->cand[k];
        if (r->o->has_as_of && t[k] > r->o->as_of) {
            c->after++;
            continue;
        }
        c->used++;
        if (t[k] > c->max_t)
            c->max_t = t[k];
        update(r, &c->cs[code], t[k], amount, inv_missing, key);
    }
}

/* ---- libcsv callbacks ---- */

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Newlines inside a (quoted) field, a CRLF counted once. */
static uint64_t count_newlines(const char *s, size_t len)
{
    uint64_t n = 0;
    if (!memchr(s, '\n', len) && !memchr(s, '\r', len))
        return 0;
    for (size_t k = 0; k < len; k++)
        if (s[k] == '\n' || (s[k] == '\r' && (k + 1 == len || s[k + 1] != '\n')))
            n++;
    return n;
}

static void on_field(void *data, size_t len, void *ud)
{
    rstate *r = ud;
    if (r->failed)
        return;
    const char *s = data ? data : "";
    size_t j = r->nf++;
    if (j == 0) {
        r->rec_line = r->line;
        r->first_blank = is_blank(s, len);
    }
    r->line += count_newlines(s, len);
    if (r->in_header) {
        add_header_name(r, s, len);
        return;
    }
    if (j >= r->ncols || !r->need[j])
        return;
    field_buf *f = &r->fields[j];
    if (len + 1 > f->cap) {
        size_t nc = len + 64;
        char *n = sg_realloc(f->s, nc);
        if (!n) {
            fail_nomem(r);
            return;
        }
        f->s = n;
        f->cap = nc;
    }
    memcpy(f->s, s, len);
    f->s[len] = '\0';
    f->len = len;
}

static void on_row(int ch, void *ud)
{
    rstate *r = ud;
    if (r->failed)
        return;
    size_t nf = r->nf;
    if (!sg_csv_row_end(&r->line, &r->last_cr, nf, ch))
        return;                       /* a blank line, or the LF of a CRLF */
    r->nf = 0;
    if (r->in_header) {
        finish_header(r);
        return;
    }
    if (nf == 1 && r->ncols > 1 && r->first_blank)
        return;                       /* a line of blanks */
    if (nf != r->ncols) {
        r->failed = 1;
        sg_error_set(r->err, SG_EDATA, "%s:%llu: expected %zu fields, found %zu", r->path,
                     (unsigned long long)r->rec_line, r->ncols, nf);
        return;
    }
    process_record(r);
}

/* ---- the pass ---- */

static int parse_file(rstate *r, FILE *f, char *buf, uint64_t size)
{
    struct csv_parser p;
    uint64_t done = 0, last = 0;
    int first = 1;
    if (csv_init(&p, CSV_REPALL_NL) != 0)
        return fail_nomem(r);
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
            char d = r->co->delim ? r->co->delim
                                  : sg_csv_detect_delim(data, len, n < BLOCK_SIZE, &lines, &bytes);
            csv_set_delim(&p, (unsigned char)d);
        }
        size_t bs = csv_get_buffer_size(&p);
        csv_set_blk_size(&p, bs < 65536 ? 65536 : bs);
        if (csv_parse(&p, data, len, on_field, on_row, r) != len && !r->failed)
            fail_nomem(r);
        if (r->co->progress && done - last >= ((uint64_t)16 << 20)) {
            r->co->progress(r->co->progress_ud, done, size);
            last = done;
        }
        if (r->failed)
            break;
    }
    if (!r->failed) {
        if (p.pstate == LIBCSV_FIELD_BEGUN && p.quoted) {
            r->failed = 1;
            sg_error_set(r->err, SG_EDATA,
                         "%s:%llu: unterminated quoted field: the quote opened on this line is "
                         "never closed", r->path, (unsigned long long)r->line);
        } else {
            csv_fini(&p, on_field, on_row, r);
        }
    }
    csv_free(&p);
    if (r->co->progress && !r->failed)
        r->co->progress(r->co->progress_ud, done, size ? size : done);
    return r->failed ? r->err->code : 0;
}

static int check_csv_options(const char *path, const sg_rfm_options *o,
                             const sg_rfm_csv_options *co, sg_error *err)
{
    if (!path)
        return sg_error_set(err, SG_EINVAL, "rfm_csv: no file name given");
    if (sg_rfm_check_options(o, "rfm_csv", err))
        return err->code;
    if (!o->amount && (!co->quantity || !co->price))
        return sg_error_set(err, SG_EINVAL,
                            "rfm_csv: name an amount column, or both quantity and price");
    if (co->cancel_prefix && co->cancel_prefix[0] && !o->invoice)
        return sg_error_set(err, SG_EINVAL,
                            "rfm_csv: cancellations are recognised by their invoice, but no "
                            "invoice column is named");
    if (co->delim == '"' || co->delim == '\n' || co->delim == '\r')
        return sg_error_set(err, SG_EINVAL,
                            "rfm_csv: the delimiter cannot be a quote or a newline");
    return 0;
}

static sg_table *result(rstate *r)
{
    cand *c = &r->cand[0];
    const sg_rfm_options *o = r->o;
    size_t n = 0;
    for (size_t k = 0; k < r->ncust; k++)
        n += c->cs[k].rows > 0;
    r->info->rfm.rows_used = c->used;
    r->info->rfm.rows_after_as_of = c->after;
    r->info->rfm.as_of = o->has_as_of ? o->as_of : c->used ? sg_rfm_default_as_of(c->max_t) : 0;
    sg_rfm_text_key *keys = sg_malloc((n ? n : 1) * sizeof *keys);
    uint32_t *order = sg_malloc((n ? n : 1) * sizeof *order);
    sg_column *col = sg_rfm_text_column(o->customer, n);
    sg_table *t = NULL;
    if (!keys || !order || !col)
        goto nomem;
    n = 0;
    for (size_t k = 0; k < r->ncust; k++) {
        if (c->cs[k].rows > 0) {
            size_t len;
            const char *s = sg_dict_str(r->dict, (int32_t)k, &len);
            sg_rfm_text_key_set(&keys[n++], s, len, (uint32_t)k);
        }
    }
    if (sg_rfm_sort_text(keys, n))
        goto nomem;
    for (size_t k = 0; k < n; k++) {
        order[k] = keys[k].idx;
        if (sg_column_push_str(col, keys[k].s, keys[k].len))
            goto nomem;
    }
    /* the output holds its own copy of the names: free the input's
     * before the figures are built (this is the peak of memory) */
    sg_free(keys);
    keys = NULL;
    sg_dict_release(r->dict);
    r->dict = NULL;
    t = sg_rfm_build(col, c->cs, order, n, r->info->rfm.as_of, o->unit_days, r->date_only,
                     r->err);
    col = NULL;
    goto out;
nomem:
    sg_error_nomem(r->err);
out:
    sg_column_release(col);
    sg_free(keys);
    sg_free(order);
    return t;
}

sg_table *sg_rfm_csv(const char *path, const sg_rfm_options *o, const sg_rfm_csv_options *co,
                     sg_rfm_csv_info *info, sg_error *err)
{
    sg_rfm_csv_options dco;
    sg_rfm_csv_info local_info;
    sg_error local_err;
    rstate r;
    struct stat st;
    sg_table *t = NULL;
    if (!err)
        err = &local_err;
    if (!info)
        info = &local_info;
    if (!co) {
        sg_rfm_csv_options_init(&dco);
        co = &dco;
    }
    memset(info, 0, sizeof *info);
    sg_error_clear(err);
    if (check_csv_options(path, o, co, err))
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
    memset(&r, 0, sizeof r);
    r.path = path;
    r.o = o;
    r.co = co;
    r.err = err;
    r.info = info;
    r.line = 1;
    r.in_header = 1;
    r.date_only = 1;
    r.unit = sg_rfm_unit_of(o->unit_days);
    r.prefix_len = co->cancel_prefix ? strlen(co->cancel_prefix) : 0;
    r.role_name[R_CUST] = o->customer;
    r.role_name[R_DATE] = o->date;
    r.role_name[R_INV] = o->freq == SG_RFM_INVOICES || r.prefix_len ? o->invoice : NULL;
    r.role_name[R_QTY] = o->amount ? NULL : co->quantity;
    r.role_name[R_PRICE] = o->amount ? NULL : co->price;
    r.role_name[R_AMT] = o->amount;
    for (int k = 0; k < NROLES; k++)
        r.role_col[k] = -1;
    char *buf = sg_malloc(BLOCK_SIZE);
    r.dict = sg_dict_new(1024);
    if (!buf || !r.dict) {
        sg_error_nomem(err);
        goto out;
    }
    if (parse_file(&r, f, buf, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0))
        goto out;
    if (r.in_header) {
        sg_error_set(err, SG_EDATA, "%s: the file is empty (no header row)", path);
        goto out;
    }
    if (r.ncand == 0)
        r.cand[0].max_t = INT64_MIN;   /* no date at all: an empty result */
    sg_free(buf);
    buf = NULL;
    t = result(&r);
out:
    fclose(f);
    sg_free(buf);
    for (size_t j = 0; r.fields && j < r.ncols; j++)
        sg_free(r.fields[j].s);
    sg_free(r.fields);
    sg_free(r.need);
    sg_free(r.header);
    for (int k = 0; k < r.ncand; k++)
        sg_free(r.cand[k].cs);
    sg_dict_release(r.dict);
    return t;
}
