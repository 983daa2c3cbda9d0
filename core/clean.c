/* Retail cleaning helpers: exact duplicate rows, and netting cancellations
 * against the purchases they cancel.
 *
 * Values are compared through 64-bit keys: int64 and datetime values,
 * bools, double bits (0.0 equals -0.0) and string codes.  Two rows of one
 * column share that column's dictionary, which holds each text once, so
 * equal codes mean equal texts.  A NaN double counts as missing, like in
 * the other operations.
 *
 * sg_clean_net_cancellations, precisely:
 * - quantity is int64, or double holding whole numbers (SG_EDATA naming the
 *   row otherwise); a missing quantity counts as 0.
 * - A purchase is a row with is_cancel[i] == 0 and quantity > 0.  Other
 *   non-cancellation rows (quantity <= 0) keep their quantity untouched.
 * - A cancellation cancels |quantity| units (the sign is not checked).
 * - Rows are grouped by (customer, item[, price when match_price]), values
 *   compared exactly (prices by double value).  Rows with a missing key or
 *   a missing date take no part: such purchases keep their quantity, such
 *   cancellations are wholly unmatched.
 * - Within a group, rows are ordered by (date, row number); a purchase can
 *   only be netted by a later cancellation in that order, so a purchase at
 *   the same date but on a later row is not earlier.  date may be NULL:
 *   then row order alone.
 * - Each cancellation takes from the latest remaining purchase backwards
 *   until its quantity is used up.
 * - *unmatched = sum over cancellation rows of the units not taken from
 *   any purchase (>= 0, in quantity units); cancellation rows get
 *   new_qty 0.  On error new_qty is unspecified and *unmatched is 0 (or
 *   untouched when arguments are refused). */
#include "clean.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "ops.h"
#include "opsutil.h"
#include "xsum.h"

#define MISSING_HASH UINT64_C(0x6a09e667f3bcc909)

/* Rows a and b equal on the n columns (missing equals missing). */
static int rows_equal(const sg_column *const *cols, size_t n, size_t a, size_t b)
{
    for (size_t k = 0; k < n; k++) {
        int ma = sg_ops_missing(cols[k], a), mb = sg_ops_missing(cols[k], b);
        if (ma != mb)
            return 0;
        if (!ma && sg_ops_value_key(cols[k], a) != sg_ops_value_key(cols[k], b))
            return 0;
    }
    return 1;
}

/* h[i] = hash of row i over the n columns. */
static void hash_rows(const sg_column *const *cols, size_t n, size_t nrows, uint64_t *h)
{
    for (size_t i = 0; i < nrows; i++)
        h[i] = UINT64_C(0x243f6a8885a308d3);
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < nrows; i++) {
            uint64_t v = sg_ops_missing(cols[k], i) ? MISSING_HASH : sg_ops_value_key(cols[k], i);
            h[i] = sg_mix64(h[i] ^ v) + k;
        }
}

/* Maps rows to the id of the first earlier row with equal values on the
 * columns (open addressing over row hashes, equality confirmed).  Fills
 * first[i] with that row, or i itself when row i is new.  0 or SG_ENOMEM. */
static int first_equal_rows(const sg_column *const *cols, size_t n, size_t nrows,
                            const uint8_t *skip, size_t *first)
{
    size_t cap = 16;
    while (cap < nrows * 2)
        cap <<= 1;
    uint64_t *h = sg_malloc((nrows ? nrows : 1) * sizeof *h);
    size_t *slot = sg_calloc(cap, sizeof *slot);   /* row + 1; 0 = free */
    if (!h || !slot) {
        sg_free(h);
        sg_free(slot);
        return SG_ENOMEM;
    }
    hash_rows(cols, n, nrows, h);
    for (size_t i = 0; i < nrows; i++) {
        first[i] = i;
        if (skip && skip[i])
            continue;
        size_t at = (size_t)h[i] & (cap - 1);
        for (;;) {
            if (!slot[at]) {
                slot[at] = i + 1;
                break;
            }
            size_t r = slot[at] - 1;
            if (h[r] == h[i] && rows_equal(cols, n, r, i)) {
                first[i] = r;
                break;
            }
            at = (at + 1) & (cap - 1);
        }
    }
    sg_free(h);
    sg_free(slot);
    return 0;
}

int sg_clean_duplicated(const sg_table *t, uint8_t *mask, sg_error *err)
{
    if (!t || !mask)
        return sg_error_set(err, SG_EINVAL, "duplicated: table and mask are required");
    size_t n = t->nrows;
    size_t *first = sg_malloc((n ? n : 1) * sizeof *first);
    if (!first)
        return sg_error_nomem(err);
    if (first_equal_rows((const sg_column *const *)t->cols, t->ncols, n, NULL, first) != 0) {
        sg_free(first);
        return sg_error_nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        mask[i] = first[i] != i;
    sg_free(first);
    return 0;
}

/* ---- cancellations ---- */

typedef struct event {
    size_t group;      /* first row of the (customer, item[, price]) group */
    int64_t date;
    size_t row;
} event;

static int cmp_event(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->date != b->date)
        return a->date < b->date ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* Quantity of row i as an int64 into *q (0 when missing).  SG_EDATA when
 * a double is not a whole number that fits. */
static int read_qty(const sg_column *c, size_t i, int64_t *q, sg_error *err)
{
    *q = 0;
    if (sg_ops_missing(c, i))
        return 0;
    if (c->type == SG_INT64) {
        *q = sg_column_i64(c)[i];
    } else {
        double v = sg_column_f64(c)[i];
        if (v != floor(v) || !(fabs(v) < 9.2e18))
            return sg_error_set(err, SG_EDATA,
                                "net cancellations: quantity column '%s', row %zu: %.17g is not a whole number",
                                c->name, i + 1, v);
        *q = (int64_t)v;
    }
    if (*q == INT64_MIN)
        return sg_error_set(err, SG_EDATA, "net cancellations: quantity column '%s', row %zu: out of range",
                            c->name, i + 1);
    return 0;
}

static int check_col(const sg_table *t, const char *name, const char *role, const sg_column **out,
                     sg_error *err)
{
    if (!name)
        return sg_error_set(err, SG_EINVAL, "net cancellations: the %s column is required", role);
    *out = sg_table_col(t, name);
    if (!*out)
        return sg_error_set(err, SG_EINVAL, "net cancellations: no column '%s' (%s)", name, role);
    return 0;
}

/* Nets the events (grouped, in (date, row) order within a group): each
 * cancellation takes its quantity (qty[i], held as |q|) from the latest
 * purchases of its group first; what it cannot take is added to
 * *unmatched.  stack: room for ne row numbers. */
static void net_events(const event *ev, size_t ne, const uint8_t *is_cancel, int64_t *qty,
                       size_t *stack, double *unmatched)
{
    size_t sp = 0;
    for (size_t k = 0; k < ne; k++) {
        size_t i = ev[k].row;
        if (k == 0 || ev[k].group != ev[k - 1].group)
            sp = 0;
        if (!is_cancel[i]) {
            stack[sp++] = i;
            continue;
        }
        int64_t need = qty[i];
        while (need > 0 && sp > 0) {
            size_t p = stack[sp - 1];
            int64_t take = qty[p] < need ? qty[p] : need;
            qty[p] -= take;
            need -= take;
            if (qty[p] == 0)
                sp--;
        }
        *unmatched += (double)need;
    }
}

int sg_clean_net_cancellations(const sg_table *t, const char *customer, const char *item,
                         const char *quantity, const char *price, const char *date,
                         const uint8_t *is_cancel, int match_price, int64_t *new_qty,
                         double *unmatched, sg_error *err)
{
    const sg_column *cols[3] = { NULL }, *qc = NULL, *dc = NULL;
    if (!t || !is_cancel || !new_qty || !unmatched)
        return sg_error_set(err, SG_EINVAL,
                            "net cancellations: table, is_cancel, new_qty and unmatched are required");
    int rc;
    if ((rc = check_col(t, customer, "customer", &cols[0], err)) != 0 ||
        (rc = check_col(t, item, "item", &cols[1], err)) != 0 ||
        (rc = check_col(t, quantity, "quantity", &qc, err)) != 0 ||
        (match_price && (rc = check_col(t, price, "price", &cols[2], err)) != 0) ||
        (date && (rc = check_col(t, date, "date", &dc, err)) != 0))
        return rc;
    if (qc->type != SG_INT64 && qc->type != SG_DOUBLE)
        return sg_error_set(err, SG_EINVAL, "net cancellations: quantity column '%s' is %s, expected int64 or double",
                            quantity, sg_type_name(qc->type));
    if (dc && dc->type != SG_DATETIME && dc->type != SG_INT64)
        return sg_error_set(err, SG_EINVAL, "net cancellations: date column '%s' is %s, expected datetime",
                            date, sg_type_name(dc->type));
    size_t nk = match_price ? 3 : 2, n = t->nrows;
    *unmatched = 0;

    /* quantities; eligible rows have every key (and the date) present */
    uint8_t *skip = sg_malloc(n ? n : 1);
    size_t *group = sg_malloc((n ? n : 1) * sizeof *group);
    event *ev = sg_malloc((n ? n : 1) * sizeof *ev);
    size_t *stack = sg_malloc((n ? n : 1) * sizeof *stack);
    if (!skip || !group || !ev || !stack)
        goto nomem;
    int64_t *cancelled = (int64_t *)new_qty;   /* cancellation rows hold |q| until netted */
    for (size_t i = 0; i < n; i++) {
        int64_t q;
        if ((rc = read_qty(qc, i, &q, err)) != 0) {
            *unmatched = 0;
            sg_free(skip);
            sg_free(group);
            sg_free(ev);
            sg_free(stack);
            return rc;
        }
        int keys_ok = !(dc && sg_ops_missing(dc, i));
        for (size_t k = 0; k < nk; k++)
            keys_ok = keys_ok && !sg_ops_missing(cols[k], i);
        if (is_cancel[i]) {
            cancelled[i] = q < 0 ? -q : q;
            skip[i] = !keys_ok || q == 0;
            if (!keys_ok)
                *unmatched += (double)cancelled[i];
        } else {
            new_qty[i] = q;
            skip[i] = !keys_ok || q <= 0;
        }
    }
    if (first_equal_rows(cols, nk, n, skip, group) != 0)
        goto nomem;
    size_t ne = 0;
    for (size_t i = 0; i < n; i++)
        if (!skip[i]) {
            ev[ne].group = group[i];
            ev[ne].date = dc ? sg_column_i64(dc)[i] : 0;
            ev[ne].row = i;
            ne++;
        }
    /* (date, row) order within each group: a purchase is earlier than a
     * cancellation when its date is earlier, or equal and its row earlier */
    qsort(ev, ne, sizeof *ev, cmp_event);
    net_events(ev, ne, is_cancel, new_qty, stack, unmatched);
    for (size_t i = 0; i < n; i++)
        if (is_cancel[i])
            new_qty[i] = 0;
    sg_free(skip);
    sg_free(group);
    sg_free(ev);
    sg_free(stack);
    return 0;
nomem:
    sg_free(skip);
    sg_free(group);
    sg_free(ev);
    sg_free(stack);
    *unmatched = 0;
    return sg_error_nomem(err);
}

/* ---- filter steps ---- */

/* tag[i] = first step (1-based) whose condition is not true on row i,
 * for rows still untagged; conditions are evaluated one at a time, so
 * only one bool column is alive at once. */
static int tag_rows(const sg_table *t, const char *const *keep, size_t nsteps, uint8_t *tag, sg_error *err)
{
    for (size_t k = 0; k < nsteps; k++) {
        if (!keep[k])
            return sg_error_set(err, SG_EINVAL, "clean: filter step %zu has no condition", k + 1);
        sg_expr *e = sg_expr_parse(keep[k], t, err);
        if (!e)
            return err->code;
        if (sg_expr_type(e) != SG_BOOL) {
            sg_error_set(err, SG_EINVAL, "clean: step \"%.200s\" must be a condition (true/false), but it gives %s values",
                         keep[k], sg_type_name(sg_expr_type(e)));
            sg_expr_free(e);
            return SG_EINVAL;
        }
        sg_column *c = sg_expr_eval(e, t, "keep", err);
        sg_expr_free(e);
        if (!c)
            return err->code;
        const uint8_t *b = sg_column_bools(c);
        uint8_t step = (uint8_t)(k + 1);
        for (size_t i = 0; i < t->nrows; i++)
            if (!tag[i] && (!b[i] || sg_column_is_na(c, i)))
                tag[i] = step;
        sg_column_release(c);
    }
    return 0;
}

/* Tags every row with the first step that removes it (0: kept) and
 * tallies rows and revenue per step; *tag_out is the tags (the caller
 * frees it), *removed the rows removed.  0, or an error code with err set. */
static int tag_and_tally(const sg_table *t, const char *const *keep, size_t nsteps, const char *amount,
                         size_t *rows, double *revenue, int64_t *irevenue, uint8_t **tag_out,
                         size_t *removed_out, sg_error *err)
{
    sg_error_clear(err);
    *tag_out = NULL;
    if (!t || (nsteps && (!keep || !rows || !revenue || !irevenue)))
        return sg_error_set(err, SG_EINVAL, "clean: table, steps and their tallies are required");
    if (nsteps > 250)
        return sg_error_set(err, SG_EINVAL, "clean: at most 250 filter steps (got %zu)", nsteps);
    const sg_column *a = NULL;
    if (amount) {
        a = sg_table_col(t, amount);
        if (!a)
            return sg_error_set(err, SG_EINVAL, "clean: no column '%s' (amount)", amount);
        if (!sg_type_is_numeric(a->type) || a->type == SG_DATETIME)
            return sg_error_set(err, SG_EINVAL, "clean: amount column '%s' is %s, expected a number", amount,
                                sg_type_name(a->type));
    }
    for (size_t k = 0; k < nsteps; k++) {
        rows[k] = 0;
        revenue[k] = 0;
        irevenue[k] = 0;
    }
    size_t n = t->nrows;
    uint8_t *tag = sg_calloc(n ? n : 1, 1);
    int as_int = a && a->type != SG_DOUBLE;
    /* the revenue of doubles summed exactly, so that the owners' partial
     * sums under mpirun add up to the same bits (core/mpi_clean.c) */
    sg_xsum *xs = a && !as_int ? sg_malloc((nsteps ? nsteps : 1) * sizeof *xs) : NULL;
    /* an int64 revenue's high words: the sums are exact to 128 bits */
    int64_t *hi = as_int ? sg_calloc(nsteps ? nsteps : 1, sizeof *hi) : NULL;
    if (!tag || (a && !as_int && !xs) || (as_int && !hi)) {
        sg_free(tag);
        sg_free(xs);
        sg_free(hi);
        return sg_error_nomem(err);
    }
    for (size_t k = 0; xs && k < nsteps; k++)
        sg_xsum_init(&xs[k]);
    if (tag_rows(t, keep, nsteps, tag, err) != 0) {
        sg_free(tag);
        sg_free(xs);
        sg_free(hi);
        return err->code;
    }
    size_t removed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tag[i])
            continue;
        size_t k = tag[i] - 1u;
        rows[k]++;
        removed++;
        if (!a || sg_ops_missing(a, i))
            continue;
        if (!as_int) {
            sg_xsum_add(&xs[k], sg_column_f64(a)[i]);
            continue;
        }
        int64_t x = a->type == SG_BOOL ? sg_column_bools(a)[i] : sg_column_i64(a)[i];
        uint64_t lo = (uint64_t)irevenue[k] + (uint64_t)x;
        hi[k] += (x < 0 ? -1 : 0) + (lo < (uint64_t)irevenue[k]);   /* 128-bit two's complement add */
        irevenue[k] = (int64_t)lo;
    }
    /* only the step's whole sum must fit, whatever the rows' order: the
     * owners under mpirun check their exact sum the same way (sg_mpi_asum_fits) */
    for (size_t k = 0; as_int && k < nsteps; k++)
        if (hi[k] != (irevenue[k] < 0 ? -1 : 0)) {
            sg_free(tag);
            sg_free(hi);
            return sg_error_set(err, SG_EDATA, "clean: the revenue a cleaning step removes (sum of '%s') overflows int64",
                                amount);
        }
    sg_free(hi);
    for (size_t k = 0; k < nsteps; k++)
        revenue[k] = as_int ? (double)irevenue[k] : xs ? sg_xsum_round(&xs[k]) : 0;
    sg_free(xs);
    for (size_t i = 0; i < n; i++)
        tag[i] = !tag[i];    /* the mask of kept rows */
    *tag_out = tag;
    *removed_out = removed;
    return 0;
}

sg_table *sg_clean_filter(const sg_table *t, const char *const *keep, size_t nsteps, const char *amount,
                          size_t *rows, double *revenue, int64_t *irevenue, sg_error *err)
{
    uint8_t *mask;
    size_t removed;
    if (tag_and_tally(t, keep, nsteps, amount, rows, revenue, irevenue, &mask, &removed, err) != 0)
        return NULL;
    sg_table *o;
    if (!removed) {
        o = sg_table_share(t);
        if (!o)
            sg_error_nomem(err);
    } else
        o = sg_table_filter_mask(t, mask, err);
    sg_free(mask);
    return o;
}

int sg_clean_filter_in_place(sg_table *t, const char *const *keep, size_t nsteps, const char *amount,
                             size_t *rows, double *revenue, int64_t *irevenue, sg_error *err)
{
    uint8_t *mask;
    size_t removed;
    int rc = tag_and_tally(t, keep, nsteps, amount, rows, revenue, irevenue, &mask, &removed, err);
    if (rc != 0)
        return rc;
    if (removed)
        rc = sg_table_compact(t, mask, err);
    sg_free(mask);
    return rc;
}

double sg_clean_sum_exact(const sg_column *c)
{
    sg_xsum s;
    sg_xsum_init(&s);
    const double *v = sg_column_f64(c);
    for (size_t i = 0; i < c->n; i++)
        if (!sg_ops_missing(c, i))
            sg_xsum_add(&s, v[i]);
    return sg_xsum_round(&s);
}
