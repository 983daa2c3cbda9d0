/* RFM straight from a CSV file (sg_rfm_csv): one libcsv pass, no dataset.
 *
 * Only the needed fields of each record are kept (copied into per-field
 * buffers until the record ends); customers are interned into one
 * dictionary whose codes index the per-customer accumulators.  Per record:
 * the numbers and the date are parsed first (a bad value is an error even
 * on a row the cleaning would drop, as the whole-file reader would reject
 * it), then the filters apply: the options' own order (missing customer,
 * cancellation prefix, missing date or amount, non-positive, after as_of),
 * or with clean_steps the order of segmint.clean, each step tallied.
 *
 * Dates: the layout comes from the first non-missing value.  A slash date
 * that fits both DD/MM/YYYY and MM/DD/YYYY keeps both readings alive -- a
 * full set of accumulators per reading -- until a value with a part > 12
 * rules one out; if none ever does, day first wins (as in the reader).
 *
 * Counting is exact whatever the order of the rows, the way rfm.c counts:
 * invoices are keyed by their value when they are canonical decimal
 * numbers (an owner array over the values while they are dense, else a
 * hash map) and interned into a second dictionary otherwise, each with its "owner"
 * (the first customer seen with it); a (customer, invoice) pair is hashed
 * into a set only for a customer that is not the owner, and the owner is
 * only consulted when the invoice differs from the customer's previous one.
 * btyd periods and purchase days are counted by change while a customer's
 * rows come in time order; when some customer's do not, a second pass over
 * the file recounts that customer's periods (and days) with (customer,
 * value) sets, its first purchase being known by then.
 *
 * Records without quotes skip libcsv (sg_csv_feed, csv_plain.c).
 *
 * Line numbers in messages are physical lines, tracked as in csv.c
 * (CSV_REPALL_NL row ends, CRLF counted once, newlines inside quoted
 * fields counted from the field text).  Not done here (unlike the whole-
 * file reader): UTF-8 validation and Latin-1 conversion of customer text
 * (with clean_steps a customer that is not UTF-8 makes the result
 * "unsupported": the reader's rules for it are left to the reader), custom missing markers (the default ones are used). */
#include "rfm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>   /* libcsv: core/ is not on the include path, "csv.h" is ours */

#include "csv_internal.h"
#include "datetime.h"
#include "keymap.h"
#include "mem.h"
#include "rfm_internal.h"

#define BLOCK_SIZE ((size_t)4 << 20)
#define NROLES 7
#define NONE UINT32_MAX
#define UNORDERED 4u          /* flag: a row older than the customer's last one was seen */

enum { R_CUST, R_DATE, R_INV, R_QTY, R_PRICE, R_AMT, R_ITEM };

static const char *const na_markers[] = { "NA", "null", "NULL", "N/A", "NaN" };

void sg_rfm_csv_options_init(sg_rfm_csv_options *co)
{
    memset(co, 0, sizeof *co);
}

/* A set of (customer, 64-bit value) pairs (as in rfm.c). */
typedef struct pair_entry {
    uint64_t v;
    uint32_t c;               /* NONE: empty slot */
    uint32_t pad;
} pair_entry;

typedef struct pair_set {
    pair_entry *e;
    size_t cap, n;            /* cap: power of two */
    unsigned bits;
} pair_set;

static int ps_alloc(pair_set *s, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    pair_entry *e = sg_malloc(cap * sizeof *e);
    if (!e)
        return -1;
    for (size_t k = 0; k < cap; k++)
        e[k].c = NONE;
    s->e = e;
    s->cap = cap;
    s->bits = bits;
    s->n = 0;
    return 0;
}

static inline size_t ps_slot(const pair_set *s, uint32_t c, uint64_t v)
{
    return (size_t)(sg_mix64(v ^ ((uint64_t)c * 0x9e3779b97f4a7c15ull)) >> (64 - s->bits));
}

static int ps_grow(pair_set *s)
{
    pair_set big;
    if (ps_alloc(&big, s->bits + 1))
        return -1;
    for (size_t k = 0; k < s->cap; k++) {
        if (s->e[k].c == NONE)
            continue;
        size_t j = ps_slot(&big, s->e[k].c, s->e[k].v);
        while (big.e[j].c != NONE)
            j = (j + 1) & (big.cap - 1);
        big.e[j] = s->e[k];
    }
    big.n = s->n;
    sg_free(s->e);
    *s = big;
    return 0;
}

/* 1: added, 0: present, -1: out of memory. */
static int ps_insert(pair_set *s, uint32_t c, uint64_t v)
{
    if (!s->e && ps_alloc(s, 12))
        return -1;
    size_t j = ps_slot(s, c, v);
    for (;;) {
        pair_entry *e = &s->e[j];
        if (e->c == NONE)
            break;
        if (e->c == c && e->v == v)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->e[j].c = c;
    s->e[j].v = v;
    if (++s->n * 2 > s->cap && ps_grow(s))
        return -1;
    return 1;
}

static void ps_free(pair_set *s)
{
    sg_free(s->e);
    memset(s, 0, sizeof *s);
}

/* One reading of the dates and everything counted under it. */
typedef struct cand {
    sg_date_format fmt;
    sg_rfm_cust *cs;          /* per customer code */
    int64_t max_t;            /* of the used rows */
    int64_t min_all, max_all; /* of every row read */
    size_t used, after;
    size_t nunordered;        /* customers seen out of time order */
    uint32_t *owner;          /* invoice code -> first customer (NONE: none yet) */
    size_t owner_cap;
    /* numeric invoices (canonical decimal text): value -> first customer,
     * a direct array over [num_base, num_base + num_cap) while the values
     * are dense, else a hash map */
    uint32_t *num_owner;
    uint64_t num_base;
    size_t num_cap, num_n;
    sg_keymap num_map;
    int num_hashed;
    pair_set shared;          /* (customer, invoice key) pairs of non-owners */
    pair_set per_set, day_set;   /* second pass */
} cand;

static void cand_free(cand *c)
{
    sg_free(c->cs);
    sg_free(c->owner);
    sg_free(c->num_owner);
    sg_keymap_free(&c->num_map);
    ps_free(&c->shared);
    ps_free(&c->per_set);
    ps_free(&c->day_set);
    memset(c, 0, sizeof *c);
}

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
    sg_dict *inv_dict;        /* invoices (counting invoices) */
    size_t ncust, cs_cap;
    uint8_t *kept;            /* clean_steps: the customer has a kept row */
    cand cand[2];
    int ncand;                /* 0 until the first date */
    int any_date;
    int date_only;
    int pass;                 /* 1, or 2: recounting out-of-order customers */
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
                                              "amount", "item" };
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
    cand_free(&r->cand[k]);
    if (k == 0) {
        r->cand[0] = r->cand[1];
        memset(&r->cand[1], 0, sizeof r->cand[1]);
    }
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
            r->cand[k].min_all = INT64_MAX;
            r->cand[k].max_all = INT64_MIN;
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

/* "17850.0" -> "17850" (the length of the whole part), as segmint.clean's
 * whole_ids does (Lua pattern ^(%-?%d+)%.0+$); else len. */
static size_t whole_id_len(const char *s, size_t len)
{
    size_t i = 0, d0, dot;
    if (i < len && s[i] == '-')
        i++;
    d0 = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d0 || i + 1 >= len || s[i] != '.')
        return len;
    dot = i++;
    while (i < len && s[i] == '0')
        i++;
    return i == len ? dot : len;
}

/* The customer's code, growing the accumulators when new (in the second
 * pass every customer is known already). */
static int32_t customer(rstate *r, const char *s, size_t len)
{
    int32_t code = sg_dict_intern(r->dict, s, len);
    if (code < 0)
        return fail_nomem(r), -1;
    if ((size_t)code < r->ncust)
        return code;
    if (r->co->clean_steps && !sg_csv_utf8_valid((const unsigned char *)s, len)) {
        char b[80];
        r->failed = 1;
        r->info->unsupported = 1;
        sg_error_set(r->err, SG_EINVAL,
                     "%s:%llu: customer '%s' is not UTF-8 text (which the whole-file reader rejects, "
                     "or converts from Latin-1)", r->path, (unsigned long long)r->rec_line,
                     sg_csv_show(s, len, b, sizeof b));
        return -1;
    }
    if (r->ncust == r->cs_cap) {
        size_t nc = r->cs_cap ? r->cs_cap * 2 : 4096;
        for (int k = 0; k < r->ncand; k++) {
            sg_rfm_cust *n = sg_realloc(r->cand[k].cs, nc * sizeof *n);
            if (!n)
                return fail_nomem(r), -1;
            r->cand[k].cs = n;
        }
        if (r->co->clean_steps) {
            uint8_t *kn = sg_realloc(r->kept, nc);
            if (!kn)
                return fail_nomem(r), -1;
            r->kept = kn;
        }
        r->cs_cap = nc;
    }
    for (int k = 0; k < r->ncand; k++)
        memset(&r->cand[k].cs[r->ncust], 0, sizeof(sg_rfm_cust));
    if (r->kept)
        r->kept[r->ncust] = 0;
    r->ncust++;
    return code;
}

/* Invoice keys: a canonical decimal number (no sign, no leading zero, at
 * most 18 digits) is its value, any other text its dictionary code with
 * the top bit set, so that equal keys are equal texts. */
#define INV_TEXT ((uint64_t)1 << 63)

static int numeric_invoice(const char *s, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 1;
}

/* The numeric owners from the direct array into the hash map.  0 or -1. */
static int num_to_hash(cand *c)
{
    if (sg_keymap_alloc(&c->num_map, 16))
        return -1;
    for (size_t j = 0; j < c->num_cap; j++)
        if (c->num_owner[j] != NONE &&
            sg_keymap_add(&c->num_map, c->num_base + j, c->num_owner[j]) == SG_KEYMAP_NONE)
            return -1;
    sg_free(c->num_owner);
    c->num_owner = NULL;
    c->num_hashed = 1;
    return 0;
}

/* The owner slot of numeric invoice v in the direct array, growing it;
 * NULL when the values are too sparse for it (then c->num_hashed) or out
 * of memory (-1 in *fail). */
static uint32_t *num_slot(cand *c, uint64_t v, int *fail)
{
    if (!c->num_owner) {
        c->num_cap = 16384;
        c->num_base = v > 4096 ? v - 4096 : 0;
        if (!(c->num_owner = sg_malloc(c->num_cap * sizeof *c->num_owner))) {
            *fail = 1;
            return NULL;
        }
        memset(c->num_owner, 0xff, c->num_cap * sizeof *c->num_owner);
    }
    if (v < c->num_base || v - c->num_base >= c->num_cap) {
        uint64_t lo = c->num_base, end = c->num_base + c->num_cap;
        if (v < lo) {
            lo = v > c->num_cap ? v - c->num_cap : 0;
        } else {
            /* up by a quarter: the array grows in place (a block of its
             * own is remapped, not copied), so a small step costs little
             * and leaves little unused room at the end */
            uint64_t step = c->num_cap / 4 > 16384 ? c->num_cap / 4 : 16384;
            end = v + 1 > end + step ? v + 1 : end + step;
        }
        uint64_t span = end - lo;
        if (span > 4 * (uint64_t)c->num_n + ((uint64_t)1 << 20)) {
            if (num_to_hash(c))
                *fail = 1;
            return NULL;
        }
        if (lo == c->num_base) {
            uint32_t *n = sg_realloc(c->num_owner, (size_t)span * sizeof *n);
            if (!n) {
                *fail = 1;
                return NULL;
            }
            memset(n + c->num_cap, 0xff, ((size_t)span - c->num_cap) * sizeof *n);
            c->num_owner = n;
            c->num_cap = (size_t)span;
            return &c->num_owner[v - c->num_base];
        }
        uint32_t *n = sg_malloc((size_t)span * sizeof *n);
        if (!n) {
            *fail = 1;
            return NULL;
        }
        memset(n, 0xff, (size_t)span * sizeof *n);
        memcpy(n + (c->num_base - lo), c->num_owner, c->num_cap * sizeof *n);
        sg_free(c->num_owner);
        c->num_owner = n;
        c->num_base = lo;
        c->num_cap = (size_t)span;
    }
    return &c->num_owner[v - c->num_base];
}

/* 1: the pair (customer k, numeric invoice v) is new, 0: seen, -1: out of memory. */
static int num_invoice_seen(cand *c, uint32_t k, uint64_t v)
{
    uint32_t o;
    if (!c->num_hashed) {
        int fail = 0;
        uint32_t *slot = num_slot(c, v, &fail);
        if (fail)
            return -1;
        if (slot) {
            o = *slot;
            if (o == NONE) {
                *slot = k;
                c->num_n++;
                return 1;
            }
            return o == k ? 0 : ps_insert(&c->shared, k, v);
        }
    }
    size_t before = c->num_map.n;
    if ((o = sg_keymap_add(&c->num_map, v, k)) == SG_KEYMAP_NONE)
        return -1;
    if (c->num_map.n != before)
        return 1;
    return o == k ? 0 : ps_insert(&c->shared, k, v);
}

/* 1: the pair (customer k, invoice key) is new, 0: seen, -1: out of memory. */
static int invoice_seen(cand *c, uint32_t k, uint64_t key)
{
    if (!(key & INV_TEXT))
        return num_invoice_seen(c, k, key);
    uint32_t code = (uint32_t)(key & ~INV_TEXT);
    if (code >= c->owner_cap) {
        size_t nc = c->owner_cap ? c->owner_cap * 2 : 4096;
        while (nc <= code)
            nc *= 2;
        uint32_t *n = sg_realloc(c->owner, nc * sizeof *n);
        if (!n)
            return -1;
        memset(n + c->owner_cap, 0xff, (nc - c->owner_cap) * sizeof *n);
        c->owner = n;
        c->owner_cap = nc;
    }
    uint32_t o = c->owner[code];
    if (o == NONE) {
        c->owner[code] = k;
        return 1;
    }
    return o == k ? 0 : ps_insert(&c->shared, k, key);
}

/* A used row of customer k under reading c (rfm.c's first pass).
 * 0 or -1 (out of memory). */
static int update(rstate *r, cand *c, uint32_t k, int64_t t, double amount, int inv_missing,
                  uint64_t inv_code)
{
    const int days = r->o->freq == SG_RFM_DAYS;
    sg_rfm_cust *s = &c->cs[k];
    if (s->rows == 0) {
        s->first = s->last = t;
        s->periods = 1;
        s->prev_period = 0;
        if (days) {
            s->freq = 1;
            s->prev = (uint64_t)sg_rfm_floor_day(t);
            s->flags |= SG_RFM_HAS_PREV;
        }
    } else {
        if (t < s->last && !(s->flags & UNORDERED)) {
            s->flags |= UNORDERED;
            c->nunordered++;
        }
        if (!(s->flags & UNORDERED)) {
            int64_t p = sg_rfm_period(t - s->first, &r->unit);
            if (p != s->prev_period) {
                s->prev_period = p;
                s->periods++;
            }
            if (days && (uint64_t)sg_rfm_floor_day(t) != s->prev) {
                s->prev = (uint64_t)sg_rfm_floor_day(t);
                s->freq++;
            }
        }
        if (t < s->first)
            s->first = t;
        if (t > s->last)
            s->last = t;
    }
    if (s->rows < UINT32_MAX)
        s->rows++;
    s->monetary += amount;
    if (days)
        return 0;
    if (inv_missing) {
        if (!(s->flags & SG_RFM_MISSING_INVOICE)) {
            s->flags |= SG_RFM_MISSING_INVOICE;
            s->freq++;
        }
    } else if (!(s->flags & SG_RFM_HAS_PREV) || s->prev != inv_code) {
        s->prev = inv_code;
        s->flags |= SG_RFM_HAS_PREV;
        int n = invoice_seen(c, k, inv_code);
        if (n < 0)
            return -1;
        s->freq += n;
    }
    return 0;
}

/* The second pass for a customer seen out of time order: its periods (and
 * days) counted with sets, its first purchase known.  0 or -1. */
static int recount(rstate *r, cand *c, uint32_t k, int64_t t)
{
    sg_rfm_cust *s = &c->cs[k];
    if (!(s->flags & UNORDERED))
        return 0;
    int64_t p = sg_rfm_period(t - s->first, &r->unit);
    if (p != s->prev_period) {
        s->prev_period = p;
        int n = ps_insert(&c->per_set, k, (uint64_t)p);
        if (n < 0)
            return -1;
        s->periods += n;
    }
    uint64_t d = (uint64_t)sg_rfm_floor_day(t);
    if (r->o->freq == SG_RFM_DAYS && (!(s->flags & SG_RFM_HAS_PREV) || s->prev != d)) {
        s->prev = d;
        s->flags |= SG_RFM_HAS_PREV;
        int n = ps_insert(&c->day_set, k, d);
        if (n < 0)
            return -1;
        s->freq += n;
    }
    return 0;
}

/* A row that passed the cleaning, with its date and amount: to every
 * reading (as_of applies per reading). */
static void use(rstate *r, int32_t code, const int64_t t[2], double amount, const char *inv,
                size_t ilen, int inv_missing)
{
    uint64_t inv_code = 0;
    if (r->pass == 1 && !inv_missing && r->o->freq == SG_RFM_INVOICES &&
        !numeric_invoice(inv, ilen, &inv_code)) {
        int32_t ic = sg_dict_intern(r->inv_dict, inv, ilen);
        if (ic < 0) {
            fail_nomem(r);
            return;
        }
        inv_code = INV_TEXT | (uint32_t)ic;
    }
    for (int k = 0; k < r->ncand; k++) {
        cand *c = &r->cand[k];
        if (r->o->has_as_of && t[k] > r->o->as_of) {
            if (r->pass == 1)
                c->after++;
            continue;
        }
        if (r->pass == 2) {
            if (recount(r, c, (uint32_t)code, t[k]))
                fail_nomem(r);
            continue;
        }
        c->used++;
        if (t[k] > c->max_t)
            c->max_t = t[k];
        if (update(r, c, (uint32_t)code, t[k], amount, inv_missing, inv_code)) {
            fail_nomem(r);
            return;
        }
    }
}

/* The date range of every row read, per reading. */
static void date_stats(rstate *r, const int64_t t[2])
{
    r->any_date = 1;
    for (int k = 0; k < r->ncand; k++) {
        if (t[k] < r->cand[k].min_all)
            r->cand[k].min_all = t[k];
        if (t[k] > r->cand[k].max_all)
            r->cand[k].max_all = t[k];
    }
}

static int is_non_product(const rstate *r)
{
    size_t len;
    const char *s = field(r, R_ITEM, &len);
    if (is_missing(s, len))
        return 0;
    for (size_t k = 0; k < r->co->n_non_product; k++) {
        const char *c = r->co->non_product[k];
        if (strlen(c) == len && memcmp(c, s, len) == 0)
            return 1;
    }
    return 0;
}

/* clean_steps: segmint.clean's steps in its order, then the RFM figures. */
static void process_clean(rstate *r)
{
    const sg_rfm_csv_options *co = r->co;
    sg_rfm_csv_info *info = r->info;
    const int first = r->pass == 1;
    double qty = 0, price = 0, amount = 0;
    int64_t t[2] = { 0, 0 };
    size_t clen, ilen = 0;
    const char *cs = field(r, R_CUST, &clen), *inv = NULL;
    int mq = number(r, R_QTY, &qty);
    if (mq < 0)
        return;
    int mp = number(r, R_PRICE, &price);
    if (mp < 0)
        return;
    int miss_amt = mq || mp;
    if (!miss_amt)
        amount = qty * price;
    int miss_date = parse_date(r, t);
    if (miss_date < 0)
        return;
    if (first) {
        info->rows_read++;
        if (!miss_amt)
            info->revenue_in += amount;
        if (!miss_date)
            date_stats(r, t);
    }
    int inv_missing = 1;
    if (r->role_col[R_INV] >= 0) {
        inv = field(r, R_INV, &ilen);
        inv_missing = is_missing(inv, ilen);
    }
    int step = -1;
    if (is_missing(cs, clen))
        step = SG_RFM_CLEAN_MISSING_CUSTOMER;
    else if (r->prefix_len && !inv_missing && ilen >= r->prefix_len &&
             memcmp(inv, co->cancel_prefix, r->prefix_len) == 0)
        step = SG_RFM_CLEAN_CANCELLATIONS;
    else if (co->drop_returns && (mq || !(qty > 0)))
        step = SG_RFM_CLEAN_RETURNS;
    else if (co->drop_nonpositive_price && (mp || !(price > 0)))
        step = SG_RFM_CLEAN_PRICE;
    else if (co->n_non_product && is_non_product(r))
        step = SG_RFM_CLEAN_NON_PRODUCT;
    if (step >= 0) {
        if (first) {
            info->step_rows[step]++;
            if (!miss_amt)
                info->step_revenue[step] += amount;
        }
        return;
    }
    if (first) {
        info->rows_out++;
        if (!miss_amt)
            info->revenue_out += amount;
    }
    if (co->whole_ids)
        clen = whole_id_len(cs, clen);
    int32_t code = customer(r, cs, clen);
    if (code < 0)
        return;
    if (first && !r->kept[code]) {
        r->kept[code] = 1;
        info->customers_out++;
    }
    if (miss_amt || miss_date) {
        if (first)
            info->rfm.rows_missing++;
        return;
    }
    use(r, code, t, amount, inv, ilen, inv_missing);
}

static void process_record(rstate *r)
{
    const sg_rfm_csv_options *co = r->co;
    sg_rfm_csv_info *info = r->info;
    const int first = r->pass == 1;
    double amount = 0, qty = 0, price = 0;
    int64_t t[2] = { 0, 0 };
    size_t clen, ilen = 0;
    const char *cs = field(r, R_CUST, &clen), *inv = NULL;
    if (co->clean_steps) {
        process_clean(r);
        return;
    }
    if (first)
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
    if (first && !miss_date)
        date_stats(r, t);
    if (is_missing(cs, clen)) {
        if (co->drop_missing_customer) {
            info->rows_dropped += first;
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
        info->rows_dropped += first;
        return;
    }
    if (miss_amt || miss_date) {
        info->rfm.rows_missing += first;
        return;
    }
    if (co->drop_nonpositive &&
        (r->o->amount ? amount <= 0 : (qty <= 0 || price <= 0))) {
        info->rows_dropped += first;
        return;
    }
    int32_t code = customer(r, cs, clen);
    if (code < 0)
        return;
    use(r, code, t, amount, inv, ilen, inv_missing);
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
        if (r->pass == 1)
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
        if (r->pass == 1)
            finish_header(r);
        r->in_header = 0;
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

static size_t parse_libcsv(void *ud, struct csv_parser *p, const char *data, size_t len)
{
    return csv_parse(p, data, len, on_field, on_row, ud);
}

static int halted(void *ud)
{
    return ((const rstate *)ud)->failed;
}

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
        const sg_csv_feeder feeder = { &p, on_field, on_row, parse_libcsv, halted, r };
        if (sg_csv_feed(&feeder, data, len) != len && !r->failed)
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
    if (co->clean_steps && (o->amount || !co->drop_missing_customer))
        return sg_error_set(err, SG_EINVAL,
                            "rfm_csv: the cleaning steps need quantity and price (no amount "
                            "column) and drop rows without a customer");
    if (co->clean_steps && co->n_non_product && !co->item)
        return sg_error_set(err, SG_EINVAL, "rfm_csv: non_product needs the item column");
    if (co->delim == '"' || co->delim == '\n' || co->delim == '\r')
        return sg_error_set(err, SG_EINVAL,
                            "rfm_csv: the delimiter cannot be a quote or a newline");
    return 0;
}

/* Frees the invoice owners, pairs and texts of reading c once the invoice
 * counts are final. */
static void free_invoice_state(rstate *r, cand *c)
{
    sg_free(c->owner);
    c->owner = NULL;
    c->owner_cap = 0;
    sg_free(c->num_owner);
    c->num_owner = NULL;
    c->num_cap = 0;
    sg_keymap_free(&c->num_map);
    ps_free(&c->shared);
    sg_dict_release(r->inv_dict);
    r->inv_dict = NULL;
}

/* The customers seen out of time order get their periods (and days)
 * recounted over the file again.  0 or an error code. */
static int second_pass(rstate *r, FILE *f, char *buf, const struct stat *st)
{
    cand *c = &r->cand[0];
    if (!S_ISREG(st->st_mode)) {
        r->info->unsupported = 1;
        return sg_error_set(r->err, SG_EINVAL,
                            "%s: some customer's rows are out of time order and the file cannot be "
                            "read a second time to count their periods", r->path);
    }
    /* the invoice counts are final: their state goes before the pass */
    free_invoice_state(r, c);
    for (size_t k = 0; k < r->ncust; k++) {
        sg_rfm_cust *s = &c->cs[k];
        if (s->flags & UNORDERED) {
            s->periods = 0;
            s->prev_period = -1;
            if (r->o->freq == SG_RFM_DAYS) {
                s->freq = 0;
                s->flags &= ~SG_RFM_HAS_PREV;
            }
        }
    }
    rewind(f);
    r->pass = 2;
    r->line = 1;
    r->last_cr = 0;
    r->nf = 0;
    r->in_header = 1;
    r->info->passes = 2;
    return parse_file(r, f, buf, (uint64_t)st->st_size);
}

/* The accumulators of the n used customers of c narrowed in place to their
 * figures, taken over from c->cs (and shrunk); code_of[j] is the customer
 * code of figure j.  NULL when out of memory. */
static sg_rfm_fig *narrow(cand *c, size_t ncust, size_t n, uint32_t *code_of)
{
    char *base = (char *)c->cs;
    size_t j = 0;
    c->cs = NULL;
    /* figure j (40 bytes at 40j) never reaches the unread accumulators
     * (64 bytes at 64k, k >= j) */
    for (size_t k = 0; k < ncust; k++) {
        sg_rfm_cust s;
        memcpy(&s, base + k * sizeof s, sizeof s);
        if (s.rows == 0)
            continue;
        const sg_rfm_fig f = { s.first, s.last, s.monetary, s.freq, s.periods };
        memcpy(base + j * sizeof f, &f, sizeof f);
        code_of[j++] = (uint32_t)k;
    }
    sg_rfm_fig *fig = sg_realloc(base, (n ? n : 1) * sizeof *fig);
    return fig ? fig : (sg_rfm_fig *)(void *)base;
}

/* The output table.  The state goes as soon as it is used up, so that the
 * peak of memory is low: the invoice state first, the accumulators
 * narrowed to the figures, the sort keys before the names are copied, the
 * customer dictionary before the figures are copied, those before the
 * derived columns are built (sg_rfm_build_figs). */
static sg_table *result(rstate *r)
{
    cand *c = &r->cand[0];
    const sg_rfm_options *o = r->o;
    size_t n = 0;
    for (size_t k = 0; k < r->ncust; k++)
        n += c->cs[k].rows > 0;
    r->info->rfm.rows_used = c->used;
    r->info->has_dates = r->any_date;
    r->info->date_min = r->any_date ? c->min_all : 0;
    r->info->date_max = r->any_date ? c->max_all : 0;
    r->info->date_only = r->date_only;
    r->info->rfm.rows_after_as_of = c->after;
    r->info->rfm.as_of = o->has_as_of ? o->as_of : c->used ? sg_rfm_default_as_of(c->max_t) : 0;
    free_invoice_state(r, c);
    ps_free(&c->per_set);
    ps_free(&c->day_set);
    sg_rfm_text_key *keys = NULL;
    uint32_t *order = NULL;
    sg_column *col = NULL;
    sg_table *t = NULL;
    sg_rfm_fig *fig = NULL;
    uint32_t *code_of = sg_malloc((n ? n : 1) * sizeof *code_of);
    if (!code_of || !(fig = narrow(c, r->ncust, n, code_of)))
        goto nomem;
    keys = sg_malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        goto nomem;
    for (size_t j = 0; j < n; j++) {
        size_t len;
        const char *s = sg_dict_str(r->dict, (int32_t)code_of[j], &len);
        sg_rfm_text_key_set(&keys[j], s, len, (uint32_t)j);
    }
    if (sg_rfm_sort_text(keys, n) || !(order = sg_malloc((n ? n : 1) * sizeof *order)))
        goto nomem;
    for (size_t k = 0; k < n; k++)
        order[k] = keys[k].idx;
    sg_free(keys);
    keys = NULL;
    /* the output's dictionary: slots for the names the input's needed
     * them for (numbered ids need none), a hint only */
    sg_dict *d = sg_dict_new(sg_dict_slotted(r->dict));
    col = d ? sg_column_new_with_dict(o->customer, d, n ? n : 1) : NULL;
    sg_dict_release(d);
    if (!col)
        goto nomem;
    for (size_t k = 0; k < n; k++) {
        size_t len;
        const char *s = sg_dict_str(r->dict, (int32_t)code_of[order[k]], &len);
        if (sg_column_push_str(col, s, len))
            goto nomem;
    }
    sg_dict_trim(col->dict);
    sg_free(code_of);
    code_of = NULL;
    sg_dict_release(r->dict);
    r->dict = NULL;
    t = sg_rfm_build_figs(col, fig, order, n, r->info->rfm.as_of, o->unit_days, r->date_only,
                          r->err);
    col = NULL;
    fig = NULL;
    goto out;
nomem:
    sg_error_nomem(r->err);
out:
    sg_column_release(col);
    sg_free(fig);
    sg_free(keys);
    sg_free(code_of);
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
    memset(&st, 0, sizeof st);
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        sg_error_set(err, SG_EIO, "cannot read '%s': %s", path, strerror(EISDIR));
        return NULL;
    }
    memset(&r, 0, sizeof r);
    r.pass = 1;
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
    r.role_name[R_ITEM] = co->clean_steps && co->n_non_product ? co->item : NULL;
    for (int k = 0; k < NROLES; k++)
        r.role_col[k] = -1;
    char *buf = sg_malloc(BLOCK_SIZE);
    r.dict = sg_dict_new(1024);
    if (o->freq == SG_RFM_INVOICES)
        r.inv_dict = sg_dict_new(1024);
    if (!buf || !r.dict || (o->freq == SG_RFM_INVOICES && !r.inv_dict)) {
        sg_error_nomem(err);
        goto out;
    }
    if (parse_file(&r, f, buf, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0))
        goto out;
    if (r.in_header) {
        sg_error_set(err, SG_EDATA, "%s: the file is empty (no header row)", path);
        goto out;
    }
    if (r.ncand == 0) {
        /* no date at all: an empty result (customers without a used row) */
        r.cand[0].max_t = INT64_MIN;
        if (!(r.cand[0].cs = sg_calloc(r.ncust ? r.ncust : 1, sizeof(sg_rfm_cust)))) {
            sg_error_nomem(err);
            goto out;
        }
        r.ncand = 1;
    }
    if (r.ncand == 2)
        drop_cand(&r, 1);             /* nothing decided: day first */
    info->passes = 1;
    if (r.cand[0].nunordered && second_pass(&r, f, buf, &st))
        goto out;
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
    for (int k = 0; k < 2; k++)
        cand_free(&r.cand[k]);
    sg_free(r.kept);
    sg_dict_release(r.dict);
    sg_dict_release(r.inv_dict);
    return t;
}
