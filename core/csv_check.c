/* CSV reader, after inference (see csv_build.c): the columns read as text
 * that were almost all numbers or dates, and the columns the caller
 * expects as numbers or dates.
 *
 * One bad value (2024-02-30, a text month, inf) turns a whole column into
 * text, and the error used to come later, far from the data ("the date
 * column must be a datetime (it is string)").  Here every column inferred
 * as text is classified from its distinct values: when at least 90% of
 * them are numbers, or dates (mixed layouts included), it is a suspect and
 * the report names the values that made it text with their lines
 * (report.suspects, report.warnings).  A column the caller expects as
 * numbers or dates that did not come out so fails the read at the first
 * such value.
 *
 * Cost: a text column stops being classified once more than 10% of its
 * distinct values are neither numbers nor dates (it cannot be a suspect);
 * only suspects and failing expected columns scan their rows, once, for
 * the lines.
 *
 * A distributed read deciding the report without the rows (dict_only)
 * cannot scan them: each part tallies every dictionary column of its own
 * rows for every criterion a suspect could have (numbers, each date
 * layout; sg_csv_tally_column), rank 0 reduces the tallies in file order
 * (core/mpi_part.c) and a suspect's entry comes from them (from_tally),
 * the same as scan_rows gives over the whole file. */
#include <stdio.h>
#include <string.h>

#include "csv_internal.h"
#include "mem.h"

#define DATE_BITS ((1u << SG_DATE_ISO) | (1u << SG_DATE_DMY) | (1u << SG_DATE_MDY) | \
                   (1u << SG_DATE_DMY_DASH))
#define NUMBER_BIT 1u

typedef struct col_class {
    size_t used;             /* distinct values kept rows refer to */
    size_t seen;             /* ... classified */
    size_t num, any_date;    /* numbers; dates in some layout */
    size_t date[6];          /* per layout */
    int stopped;             /* too many values of neither kind: classified in part */
    uint8_t *bits;           /* per code: NUMBER_BIT | 1 << layout */
} col_class;

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* NUMBER_BIT when code c of d is a number, 1 << layout per date layout it fits. */
static unsigned value_bits(const sg_dict *d, int32_t c)
{
    size_t len;
    const char *s = sg_dict_str(d, c, &len);
    int64_t iv;
    double dv;
    unsigned b = 0;
    if (sg_csv_parse_i64(s, len, &iv) == 0 || sg_csv_parse_f64(s, len, &dv) == 0)
        b |= NUMBER_BIT;
    trim(&s, &len);
    return b | (sg_datetime_fits(s, len) & DATE_BITS);
}

/* Classifies the used codes of d; stops early (cc->stopped: not a
 * suspect) once more than `limit` values are neither numbers nor dates.
 * Returns 0 or SG_ENOMEM. */
static int classify(const sg_dict *d, const uint8_t *used, size_t limit, col_class *cc)
{
    size_t n = sg_dict_size(d);
    memset(cc, 0, sizeof *cc);
    for (size_t c = 0; c < n; c++)
        cc->used += !used || used[c];
    if (!(cc->bits = sg_calloc(n ? n : 1, 1)))
        return SG_ENOMEM;
    for (size_t c = 0; c < n; c++) {
        if (used && !used[c])
            continue;
        unsigned b = value_bits(d, (int32_t)c);
        cc->bits[c] = (uint8_t)b;
        cc->seen++;
        cc->num += b & NUMBER_BIT;
        cc->any_date += (b & DATE_BITS) != 0;
        for (int f = 1; f < 6; f++)
            cc->date[f] += (b >> f) & 1;
        if (cc->seen - cc->num > limit && cc->seen - cc->any_date > limit) {
            cc->stopped = 1;
            return 0;
        }
    }
    return 0;
}

/* The layout most values fit: ISO, then DD-MM-YYYY, then the slash order
 * the data or the date_order option gives, on ties. */
static sg_date_format best_layout(const col_class *cc, int mdy)
{
    static const sg_date_format order[] = { SG_DATE_ISO, SG_DATE_DMY_DASH, SG_DATE_DMY,
                                            SG_DATE_MDY };
    sg_date_format best = SG_DATE_ISO;
    for (size_t k = 0; k < 4; k++) {
        sg_date_format f = order[k];
        if (cc->date[f] > cc->date[best] ||
            (f == SG_DATE_MDY && mdy && cc->date[f] == cc->date[SG_DATE_DMY] &&
             cc->date[SG_DATE_DMY] == cc->date[best]))
            best = f;
    }
    return best;
}

static int is_bad(const col_class *cc, sg_csv_kind kind, sg_date_format f, int32_t code)
{
    unsigned b = cc->bits[code];
    return kind == SG_CSV_NUMBERS ? !(b & NUMBER_BIT) : !((b >> f) & 1);
}

/* Fills sp from the rows of column j: how many have a value, how many a
 * bad one, and the first distinct bad values in file order (*first_row:
 * the row of the first). */
static void scan_rows(const sg_csv_reader *r, size_t j, const col_class *cc,
                      const uint8_t *bad_rows, sg_csv_suspect *sp, size_t *first_row)
{
    const int32_t *codes = r->cols[j].data;
    const sg_dict *d = r->cols[j].dict;
    int32_t shown[3];
    for (size_t i = 0; i < r->nrows; i++) {
        int32_t c = codes[i];
        if (c < 0 || (bad_rows && ((bad_rows[i >> 3] >> (i & 7)) & 1)))
            continue;
        sp->rows++;
        if (!is_bad(cc, sp->kind, sp->format, c))
            continue;
        sp->bad_rows++;
        size_t k = 0;
        while (k < sp->nfirst && shown[k] != c)
            k++;
        if (k < sp->nfirst || sp->nfirst == 3)
            continue;
        size_t len;
        const char *s = sg_dict_str(d, c, &len);
        shown[sp->nfirst] = c;
        if (sp->nfirst == 0)
            *first_row = i;
        sp->first[sp->nfirst].line = sg_csv_line_of_row(r, i);
        sg_csv_show(s, len, sp->first[sp->nfirst].text, sizeof sp->first[0].text);
        sp->nfirst++;
    }
}

int sg_csv_tally_column(const sg_csv_reader *r, size_t j, sg_csv_tally *t)
{
    const sg_csv_col *col = &r->cols[j];
    memset(t, 0, sizeof *t);
    if (col->mode != SG_CSV_DICT || !col->dict)
        return 0;
    size_t n = sg_dict_size(col->dict);
    uint8_t *fails = sg_malloc(n ? n : 1);     /* per code: the criteria its value fails */
    if (!fails)
        return SG_ENOMEM;
    for (size_t c = 0; c < n; c++)
        fails[c] = (uint8_t)(~value_bits(col->dict, (int32_t)c) & (NUMBER_BIT | DATE_BITS));
    /* rows counted per set of failed criteria (6 bits); the first values
     * looked for only while some criterion has fewer than listed */
    uint64_t per_set[1u << SG_CSV_TALLY_KINDS] = { 0 };
    unsigned open = NUMBER_BIT | DATE_BITS;
    const int32_t *codes = col->data;
    for (size_t i = 0; i < r->nrows; i++) {
        int32_t c = codes[i];
        if (c < 0)
            continue;
        per_set[fails[c]]++;
        for (unsigned m = fails[c] & open, k = 0; m; m >>= 1, k++) {
            if (!(m & 1))
                continue;
            size_t q = 0;
            while (q < t->nfirst[k] && t->code[k][q] != c)
                q++;
            if (q < t->nfirst[k])
                continue;
            t->code[k][q] = c;
            t->line[k][q] = sg_csv_line_of_row(r, i);
            if (++t->nfirst[k] == SG_CSV_TALLY_FIRST)
                open &= ~(1u << k);
        }
    }
    for (unsigned set = 0; set < (1u << SG_CSV_TALLY_KINDS); set++) {
        t->rows += per_set[set];
        for (unsigned k = 0; k < SG_CSV_TALLY_KINDS; k++)
            t->bad[k] += ((set >> k) & 1) ? per_set[set] : 0;
    }
    sg_free(fails);
    return 0;
}

/* sp from the reduced tally of a distributed read's parts (r->tallies)
 * instead of the rows: what scan_rows gives over the whole file. */
static void from_tally(const sg_csv_reader *r, size_t j, sg_csv_suspect *sp)
{
    const sg_csv_tally *t = &r->tallies[j];
    size_t k = sp->kind == SG_CSV_NUMBERS ? 0 : (size_t)sp->format;
    sp->rows = t->rows;
    sp->bad_rows = t->bad[k];
    sp->nfirst = (size_t)t->nfirst[k];
    for (size_t q = 0; q < sp->nfirst; q++) {
        size_t len;
        const char *s = sg_dict_str(r->cols[j].dict, t->code[k][q], &len);
        sp->first[q].line = t->line[k][q];
        sg_csv_show(s, len, sp->first[q].text, sizeof sp->first[0].text);
    }
}

/* "column 'InvoiceDate' read as text because line 1,203 has '2024-02-30':
 * 1 of 5,000 values is not a date (YYYY-MM-DD)" */
static void describe(const sg_csv_reader *r, const sg_csv_suspect *sp, char *out, size_t size)
{
    char nb[80], a[32], b[32];
    size_t k = (size_t)snprintf(out, size, "column '%s' read as text because",
                                sg_csv_show(r->names[sp->column], strlen(r->names[sp->column]),
                                            nb, sizeof nb));
    for (size_t i = 0; i < sp->nfirst && k < size; i++)
        k += (size_t)snprintf(out + k, size - k, "%s line %s has '%s'",
                              i == 0 ? "" : i + 1 == sp->nfirst ? " and" : ",",
                              sg_csv_count(sp->first[i].line, a), sp->first[i].text);
    if (k >= size)
        return;
    int one = sp->bad_rows == 1;
    if (sp->kind == SG_CSV_NUMBERS)
        snprintf(out + k, size - k, ": %s of %s values %s not %s%s", sg_csv_count(sp->bad_rows, a),
                 sg_csv_count(sp->rows, b), one ? "is" : "are", one ? "a number" : "numbers",
                 sp->nfirst && sg_csv_not_finite(sp->first[0].text, strlen(sp->first[0].text))
                     ? " (inf, nan and values beyond the double range do not count as numbers)"
                     : "");
    else
        snprintf(out + k, size - k, ": %s of %s values %s not %s (%s)",
                 sg_csv_count(sp->bad_rows, a), sg_csv_count(sp->rows, b), one ? "is" : "are",
                 one ? "a date" : "dates", sg_date_format_name(sp->format));
}

static int add_suspect(sg_csv_report *rep, sg_csv_suspect *sp)
{
    sg_csv_suspect *v = sg_realloc(rep->suspects, (rep->nsuspects + 1) * sizeof *v);
    if (!v)
        return SG_ENOMEM;
    rep->suspects = v;
    v[rep->nsuspects++] = *sp;
    sp->message = NULL;     /* the report owns it */
    return sg_csv_warn(rep, "%s", v[rep->nsuspects - 1].message);
}

static const char *kind_name(sg_csv_kind k)
{
    return k == SG_CSV_NUMBERS ? "numbers" : "dates";
}

/* An expected column of another type than its kind. */
static int expect_fail(sg_csv_reader *r, size_t j, const sg_csv_plan *p, sg_csv_kind want)
{
    char nb[80];
    const char *name = sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb);
    r->failed = 1;
    if (p->type == SG_STRING && strstr(p->note, "all values missing"))
        return sg_error_set(r->err, SG_EDATA, "%s: column '%s' must hold %s but every value is "
                            "missing", r->path, name, kind_name(want));
    return sg_error_set(r->err, SG_EDATA, "%s: column '%s' must hold %s but was read as %s (%s)",
                        r->path, name, kind_name(want), sg_type_name(p->type), p->note);
}

int sg_csv_check_columns(sg_csv_reader *r, const sg_csv_plan *plans, const uint8_t *bad_rows,
                         sg_csv_report *rep)
{
    for (size_t j = 0; j < r->ncols; j++) {
        const sg_csv_plan *p = &plans[j];
        sg_csv_kind want = r->expect ? (sg_csv_kind)r->expect[j] : 0;
        int ok = !want || (want == SG_CSV_NUMBERS && (p->type == SG_INT64 || p->type == SG_DOUBLE)) ||
                 (want == SG_CSV_DATES && p->type == SG_DATETIME);
        if (ok && (!rep || p->type != SG_STRING || r->ov[j]))
            continue;
        size_t nrows = r->dict_only ? r->dict_rows : r->nrows;
        if (p->type != SG_STRING || r->cols[j].mode != SG_CSV_DICT || !r->cols[j].dict || nrows == 0) {
            if (!ok && nrows > 0 && r->dict_only)
                r->needs_rows = 1;     /* the message comes from the rows' own read */
            else if (!ok && nrows > 0)
                return expect_fail(r, j, p, want);
            if (r->needs_rows)
                return 0;
            continue;
        }
        /* a text column: classify its values (all of them when expected) */
        uint8_t *used = NULL;
        if (r->dropped || bad_rows) {
            size_t n = sg_dict_size(r->cols[j].dict);
            const int32_t *codes = r->cols[j].data;
            if (!(used = sg_calloc(n ? n : 1, 1)))
                return sg_csv_fail_nomem(r);
            for (size_t i = 0; i < r->nrows; i++)
                if (codes[i] >= 0 && !(bad_rows && ((bad_rows[i >> 3] >> (i & 7)) & 1)))
                    used[codes[i]] = 1;
        }
        col_class cc;
        size_t total = 0, n = sg_dict_size(r->cols[j].dict);
        for (size_t c = 0; c < n; c++)
            total += !used || used[c];
        int rc = classify(r->cols[j].dict, used, ok ? total / 10 : SIZE_MAX, &cc);
        sg_free(used);
        if (rc) {
            sg_free(cc.bits);
            return sg_csv_fail_nomem(r);
        }
        sg_csv_suspect sp;
        memset(&sp, 0, sizeof sp);
        size_t first_row = 0;
        sp.column = j;
        if (!ok)
            sp.kind = want;
        else if (!cc.stopped && cc.num > 0 && cc.num * 10 >= cc.used * 9)
            sp.kind = SG_CSV_NUMBERS;
        else if (!cc.stopped && cc.any_date > 0 && cc.any_date * 10 >= cc.used * 9)
            sp.kind = SG_CSV_DATES;
        if (!sp.kind) {
            sg_free(cc.bits);
            continue;
        }
        if (r->dict_only && (!ok || !r->tallies)) {
            sg_free(cc.bits);
            r->needs_rows = 1;         /* the error's file and line, or the suspect's, are in the rows */
            return 0;
        }
        sp.format = sp.kind == SG_CSV_DATES ? best_layout(&cc, r->opt->date_order_mdy)
                                            : SG_DATE_UNKNOWN;
        if (r->dict_only)
            from_tally(r, j, &sp);     /* the parts counted their rows */
        else
            scan_rows(r, j, &cc, bad_rows, &sp, &first_row);
        sg_free(cc.bits);
        char text[600];
        describe(r, &sp, text, sizeof text);
        if (!ok) {
            r->failed = 1;
            if (!sp.nfirst)
                return expect_fail(r, j, p, want);
            return sg_error_set(r->err, SG_EDATA, "%s:%llu:%zu: %s", sg_csv_path_of_row(r, first_row),
                                (unsigned long long)sp.first[0].line, j + 1, text);
        }
        if (!(sp.message = sg_strdup(text)) || add_suspect(rep, &sp)) {
            sg_free(sp.message);
            return sg_csv_fail_nomem(r);
        }
    }
    return 0;
}
