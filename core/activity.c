/* Customer activity over periods (see activity.h for the definitions).
 *
 * Rows are grouped by customer into one array of purchase times (counting
 * sort: a string customer's index is its dictionary code, other types go
 * through a key map), each customer's times are sorted, and one walk over
 * them finds the runs of activity: a run starts with a purchase after a
 * lapse and lasts while each purchase comes less than K after the one
 * before; it covers the open interval (run start, last purchase + K).
 * Per run, the bounds it covers are added to a difference array (active
 * counts); its lapse is a churn in the period holding it when the run
 * started before that period.  Per purchase, the first one in a period
 * marks a buyer, a new customer, or a reactivation (the previous purchase
 * K or more before the period's start).  Revenue and satisfaction go into
 * exact accumulators (core/xsum.c), rounded once at the end. */
#include "activity.h"

#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "keymap.h"
#include "mem.h"

void sg_activity_free(sg_activity *a)
{
    if (!a)
        return;
    sg_free(a->bounds);
    sg_free(a->active_start);
    sg_free(a->revenue);
    sg_free(a->sums);
    memset(a, 0, sizeof *a);
}

/* smallest i with b[i] >= t (n when none) */
static size_t lower(const int64_t *b, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* smallest i with b[i] > t (n when none) */
static size_t upper(const int64_t *b, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct tpair {
    int64_t t;
    uint32_t row;
} tpair;

static int cmp_pair(const void *a, const void *b)
{
    const tpair *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->row > y->row) - (x->row < y->row);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef struct walk {
    const int64_t *b;     /* bounds */
    size_t nb;            /* P + 1 */
    int64_t K;
    int64_t *diff_active; /* P + 2 */
    int64_t *diff_known;  /* P + 2 */
    sg_activity *out;
    const sg_column *invoice, *amount, *satisfaction;   /* optional */
    uint64_t *keys;       /* scratch for invoice keys */
    size_t nkeys_cap;
    tpair *pairs;         /* scratch for sorting a customer's rows */
    size_t npairs_cap;
} walk;

/* One run (start, lapse): active at the bounds strictly inside it; a churn
 * in the period holding the lapse if the run began before that period. */
static void run_done(walk *w, int64_t start, int64_t lapse)
{
    size_t P = w->nb - 1;
    size_t from = upper(w->b, w->nb, start), to = lower(w->b, w->nb, lapse);
    if (from < to) {
        w->diff_active[from]++;
        w->diff_active[to]--;
    }
    /* the lapse falls in (b_j, b_{j+1}] with j = to - 1 */
    if (to >= 1 && to <= P) {
        size_t j = to - 1;
        if (start < w->b[j])
            w->out->churned[j]++;
    }
}

static int grow_scratch(void **p, size_t *cap, size_t need, size_t width)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = sg_realloc(*p, nc * width);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Revenue, invoices and satisfaction of one customer's rows in period j. */
static int period_rows(walk *w, size_t j, const uint32_t *rows, size_t n)
{
    sg_activity *o = w->out;
    double v;
    for (size_t i = 0; i < n; i++) {
        if (w->amount && sg_num_value(w->amount, rows[i], &v) == 0)
            sg_xsum_add(&o->sums[j], v);
        if (w->satisfaction && sg_num_value(w->satisfaction, rows[i], &v) == 0) {
            sg_xsum_add(&o->sums[o->nperiods + j], v);
            o->satisfaction_n[j]++;
        }
    }
    if (!w->invoice)
        return 0;
    if (grow_scratch((void **)&w->keys, &w->nkeys_cap, n, sizeof *w->keys))
        return -1;
    size_t nk = 0;
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        if (sg_any_key(w->invoice, rows[i], &w->keys[nk]))
            missing = 1;
        else
            nk++;
    }
    if (nk > 16) {
        qsort(w->keys, nk, sizeof *w->keys, cmp_u64);
    } else {
        for (size_t i = 1; i < nk; i++) {   /* a few keys: insertion sort */
            uint64_t k = w->keys[i];
            size_t m = i;
            for (; m > 0 && w->keys[m - 1] > k; m--)
                w->keys[m] = w->keys[m - 1];
            w->keys[m] = k;
        }
    }
    int64_t distinct = missing;
    for (size_t i = 0; i < nk; i++)
        if (i == 0 || w->keys[i] != w->keys[i - 1])
            distinct++;
    o->invoices[j] += distinct;
    if (distinct >= 2)
        o->repeat_buyers[j]++;
    return 0;
}

static int walk_customer(walk *w, const int64_t *t, const uint32_t *rows, size_t n)
{
    size_t P = w->nb - 1;
    w->diff_known[upper(w->b, w->nb, t[0])]++;
    int64_t run_start = t[0];
    size_t last_period = SIZE_MAX, up = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && t[i] - t[i - 1] >= w->K) {
            run_done(w, run_start, t[i - 1] + w->K);
            run_start = t[i];
        }
        while (up < w->nb && w->b[up] <= t[i])   /* times ascend: up = upper(b, t[i]) */
            up++;
        if (up == 0 || up > P)
            continue;           /* before the first bound (or at the last) */
        size_t j = up - 1;      /* b_j <= t < b_{j+1} */
        if (j == last_period)
            continue;
        last_period = j;
        w->out->buyers[j]++;
        if (i == 0)
            w->out->new_customers[j]++;
        else if (w->b[j] - t[i - 1] >= w->K)
            w->out->reactivated[j]++;   /* t[i-1] is the last purchase before b_j */
        size_t m = i + 1;
        while (m < n && t[m] < w->b[j + 1])
            m++;
        if (period_rows(w, j, rows + i, m - i))
            return -1;
    }
    run_done(w, run_start, t[n - 1] + w->K);
    return 0;
}

static int alloc_out(sg_activity *out, const int64_t *bounds, size_t nb)
{
    size_t P = nb - 1, m = P ? P : 1;
    memset(out, 0, sizeof *out);
    out->nperiods = P;
    out->bounds = sg_malloc(nb * sizeof *out->bounds);
    int64_t *block = sg_calloc(10 * m, sizeof *block);
    double *dblock = sg_calloc(2 * m, sizeof *dblock);
    sg_xsum *sums = sg_calloc(2 * m, sizeof *sums);   /* all zeros: empty sums */
    if (!out->bounds || !block || !dblock || !sums) {
        sg_free(out->bounds);
        sg_free(block);
        sg_free(dblock);
        sg_free(sums);
        out->bounds = NULL;
        return -1;
    }
    memcpy(out->bounds, bounds, nb * sizeof *bounds);
    out->active_start = block;
    out->active_end = block + P;
    out->churned = block + 2 * P;
    out->inactive_start = block + 3 * P;
    out->reactivated = block + 4 * P;
    out->new_customers = block + 5 * P;
    out->buyers = block + 6 * P;
    out->invoices = block + 7 * P;
    out->repeat_buyers = block + 8 * P;
    out->satisfaction_n = block + 9 * P;
    out->revenue = dblock;
    out->satisfaction_sum = dblock + P;
    out->sums = sums;
    return 0;
}

int sg_activity_alloc(sg_activity *out, const int64_t *bounds, size_t nbounds, sg_error *err)
{
    if (nbounds < 2) {
        memset(out, 0, sizeof *out);
        return sg_error_set(err, SG_EINVAL, "activity: at least two bounds (one period) are needed");
    }
    return alloc_out(out, bounds, nbounds) ? sg_error_nomem(err) : 0;
}

void sg_activity_round(sg_activity *a)
{
    for (size_t j = 0; j < 2 * a->nperiods; j++) {
        sg_xsum_normalize(&a->sums[j]);
        (j < a->nperiods ? a->revenue : a->satisfaction_sum)[j % a->nperiods] = sg_xsum_round(&a->sums[j]);
    }
}

void sg_activity_options_init(sg_activity_options *o)
{
    memset(o, 0, sizeof *o);
    o->inactive_days = 90;
}

static int optional_column(const sg_table *tx, const char *name, const char *role, int numeric,
                           const sg_column **out, sg_error *err)
{
    *out = NULL;
    if (!name)
        return 0;
    const sg_column *c = sg_table_col(tx, name);
    if (!c)
        return sg_error_set(err, SG_EINVAL, "activity: no %s column '%s'", role, name);
    if (numeric && !(c->type == SG_INT64 || c->type == SG_DOUBLE || c->type == SG_BOOL))
        return sg_error_set(err, SG_EINVAL, "activity: the %s column '%s' is %s, not a number", role, name,
                            sg_type_name(c->type));
    *out = c;
    return 0;
}

/* The checks of sg_activity_compute on one window: its optional columns
 * into *inv, *amt, *sat; 0 or SG_EINVAL (err set). */
static int check_window(const sg_table *tx, const sg_activity_window *w, const sg_activity_window *w0,
                        const sg_column **inv, const sg_column **amt, const sg_column **sat, sg_error *err)
{
    const sg_activity_options *o = &w->o;
    const sg_column *cust = sg_table_col(tx, o->customer ? o->customer : "");
    const sg_column *date = sg_table_col(tx, o->date ? o->date : "");
    if (!cust)
        return sg_error_set(err, SG_EINVAL, "activity: no customer column '%s'", o->customer ? o->customer : "");
    if (!date || date->type != SG_DATETIME)
        return sg_error_set(err, SG_EINVAL, "activity: '%s' is not a datetime column", o->date ? o->date : "");
    if (w != w0 && (strcmp(o->customer, w0->o.customer) != 0 || strcmp(o->date, w0->o.date) != 0))
        return sg_error_set(err, SG_EINVAL, "activity: the windows of one walk must share the customer and date "
                                            "columns");
    if (optional_column(tx, o->invoice, "invoice", 0, inv, err) ||
        optional_column(tx, o->amount, "amount", 1, amt, err) ||
        optional_column(tx, o->satisfaction, "satisfaction", 1, sat, err))
        return err->code;
    if (o->inactive_days < 0 || o->inactive_days > 36500)
        return sg_error_set(err, SG_EINVAL, "activity: inactive_days must be from 0 to 36500, got %d",
                            o->inactive_days);
    for (size_t i = 1; i < w->nbounds; i++)
        if (w->bounds[i] <= w->bounds[i - 1])
            return sg_error_set(err, SG_EINVAL, "activity: period bounds must be ascending");
    return 0;
}

/* Step 4 of sg_activity_compute_many for one window: the active and known
 * customers at each bound, the sums rounded. */
static void finish_window(walk *w)
{
    size_t P = w->nb - 1;
    sg_activity *out = w->out;
    int64_t active = 0, known = 0;
    for (size_t i = 0; i <= P; i++) {
        active += w->diff_active[i];
        known += w->diff_known[i];
        if (i < P) {
            out->active_start[i] = active;
            out->inactive_start[i] = known - active;
        }
        if (i > 0)
            out->active_end[i - 1] = active;
    }
    sg_activity_round(out);
}

int sg_activity_compute(const sg_table *tx, const sg_activity_options *o, const int64_t *bounds,
                        size_t nbounds, sg_activity *out, sg_error *err)
{
    memset(out, 0, sizeof *out);
    if (nbounds < 2) {
        sg_activity_window w0 = { *o, bounds, 0 };
        const sg_column *inv, *amt, *sat;
        if (check_window(tx, &w0, &w0, &inv, &amt, &sat, err))
            return err->code;
        return sg_error_set(err, SG_EINVAL, "activity: at least two bounds (one period) are needed");
    }
    sg_activity_window w = { *o, bounds, nbounds };
    return sg_activity_compute_many(tx, &w, 1, out, err);
}

/* The rows grouped by customer (steps 1 and 2 of sg_activity_compute_many). */
typedef struct groups {
    uint32_t *row_cust;   /* per row: its customer's index, UINT32_MAX when not stored */
    int64_t *before;      /* per customer: its latest date before the first bound (INT64_MIN: none) */
    size_t cap;           /* entries of before */
    size_t ncust, valid, stored, missing;
    sg_keymap map;        /* customer key -> index (customers that are not text) */
} groups;

/* Step 1: each row's customer index.  Of the rows before `first` only
 * each customer's latest matters (it decides the status at b_0 and that
 * the customer is not new): it is kept in before, the rows themselves are
 * not stored; rows after `last` are not stored either, and after_w[q]
 * counts those after window q's last bound.  0, or -1 (out of memory). */
static int index_rows(const sg_table *tx, const sg_column *cust, const sg_column *date,
                      const sg_activity_window *win, size_t nw, int64_t first, int64_t last, groups *g,
                      size_t *after_w)
{
    size_t n = tx->nrows;
    const int64_t *dv = sg_column_i64(date);
    int is_str = cust->type == SG_STRING;
    g->ncust = is_str ? sg_dict_size(cust->dict) : 0;
    g->row_cust = sg_malloc((n ? n : 1) * sizeof *g->row_cust);
    if (!g->row_cust || (!is_str && sg_keymap_alloc(&g->map, 12)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        g->row_cust[i] = UINT32_MAX;
        if (sg_column_is_na(date, i) || sg_any_key(cust, i, &key)) {
            g->missing++;
            continue;
        }
        g->valid++;
        for (size_t q = 0; q < nw; q++)
            if (win[q].nbounds >= 2 && dv[i] > win[q].bounds[win[q].nbounds - 1])
                after_w[q]++;
        if (dv[i] > last)
            continue;
        uint32_t k;
        if (is_str) {
            k = (uint32_t)key;
        } else {
            k = sg_keymap_add(&g->map, key, (uint32_t)g->ncust);
            if (k == SG_KEYMAP_NONE)
                return -1;
            if (k == g->ncust)
                g->ncust++;
        }
        if (k >= g->cap) {
            size_t nc = g->cap ? g->cap : 1024;
            while (nc <= k)
                nc *= 2;
            if (is_str && nc < sg_dict_size(cust->dict))
                nc = sg_dict_size(cust->dict);
            int64_t *nbf = sg_realloc(g->before, nc * sizeof *g->before);
            if (!nbf)
                return -1;
            for (size_t c = g->cap; c < nc; c++)
                nbf[c] = INT64_MIN;
            g->before = nbf;
            g->cap = nc;
        }
        if (dv[i] < first) {
            if (dv[i] > g->before[k] || g->before[k] == INT64_MIN)
                g->before[k] = dv[i];
            continue;
        }
        g->row_cust[i] = k;
        g->stored++;
    }
    return 0;
}

/* Each window's walk and series (windows of no periods: none).  0, or -1
 * (out of memory). */
static int open_walks(const sg_activity_window *win, size_t nw, walk *ws, sg_activity *out)
{
    for (size_t q = 0; q < nw; q++) {
        size_t nb = win[q].nbounds;
        if (nb < 2)
            continue;
        int64_t *diff = sg_calloc(2 * (nb + 1), sizeof *diff);
        if (!diff || alloc_out(&out[q], win[q].bounds, nb)) {
            sg_free(diff);
            return -1;
        }
        ws[q].b = win[q].bounds;
        ws[q].nb = nb;
        ws[q].K = ((int64_t)win[q].o.inactive_days + 1) * 86400;
        ws[q].diff_active = diff;
        ws[q].diff_known = diff + nb + 1;
        ws[q].out = &out[q];
    }
    return 0;
}

/* Step 3: each customer's rows (times[start[c]..start[c + 1]), with their
 * row numbers) sorted by time, then walked for every window: its rows
 * from the latest before its first bound up to its last bound.  0, or -1
 * (out of memory). */
static int walk_customers(walk *ws, size_t nw, int64_t *times, uint32_t *rows, const size_t *start, size_t ncust)
{
    walk *w0 = &ws[0];   /* (its pairs: the sorting scratch) */
    for (size_t c = 0; c < ncust; c++) {
        int64_t *t = times + start[c];
        uint32_t *r = rows + start[c];
        size_t k = start[c + 1] - start[c];
        if (k == 0)
            continue;
        size_t i = 1;
        while (i < k && t[i] >= t[i - 1])
            i++;
        if (i < k) {
            if (grow_scratch((void **)&w0->pairs, &w0->npairs_cap, k, sizeof *w0->pairs))
                return -1;
            for (size_t m = 0; m < k; m++) {
                w0->pairs[m].t = t[m];
                w0->pairs[m].row = r[m];
            }
            qsort(w0->pairs, k, sizeof *w0->pairs, cmp_pair);
            for (size_t m = 0; m < k; m++) {
                t[m] = w0->pairs[m].t;
                r[m] = w0->pairs[m].row;
            }
        }
        for (size_t q = 0; q < nw; q++) {
            if (!ws[q].out)
                continue;
            size_t kq = upper(t, k, ws[q].b[ws[q].nb - 1]);
            if (kq == 0)
                continue;
            ws[q].out->customers++;
            /* of the rows before its first bound, the latest alone (as step 1) */
            size_t s = lower(t, kq, ws[q].b[0]);
            s = s ? s - 1 : 0;
            if (walk_customer(&ws[q], t + s, r + s, kq - s))
                return -1;
        }
    }
    return 0;
}

/* Not split: its numbered steps (the windows' span, the customer index per
 * row, the counting sort by customer, the walk, the counts at each bound)
 * share the row- and customer-sized arrays and the windows' walks,
 * allocated and freed together under one error exit; steps 1 and 3 are
 * functions of their own. */
int sg_activity_compute_many(const sg_table *tx, const sg_activity_window *win, size_t nw, sg_activity *out,
                             sg_error *err)
{
    for (size_t q = 0; q < nw; q++)
        memset(&out[q], 0, sizeof out[q]);
    if (nw == 0)
        return 0;
    walk *ws = sg_calloc(nw, sizeof *ws);
    size_t *after_w = sg_calloc(nw, sizeof *after_w);
    groups g;
    memset(&g, 0, sizeof g);
    uint32_t *count = NULL, *rows = NULL;
    size_t *start = NULL;
    int64_t *times = NULL;
    int rc = SG_ENOMEM;
    if (!ws || !after_w)
        goto done;
    /* 0. the span of the windows: rows after the last bound of every
     * window and, before the first bound of every window, all but each
     * customer's latest row change none of them */
    int64_t first = INT64_MAX, last = INT64_MIN;
    int any = 0;
    for (size_t q = 0; q < nw; q++) {
        if ((rc = check_window(tx, &win[q], &win[0], &ws[q].invoice, &ws[q].amount, &ws[q].satisfaction, err)))
            goto done;
        if (win[q].nbounds < 2)
            continue;
        any = 1;
        first = win[q].bounds[0] < first ? win[q].bounds[0] : first;
        last = win[q].bounds[win[q].nbounds - 1] > last ? win[q].bounds[win[q].nbounds - 1] : last;
    }
    if (!any || tx->nrows >= UINT32_MAX) {
        rc = any ? sg_error_set(err, SG_EINVAL, "activity: at most %u rows", (unsigned)UINT32_MAX - 1) : 0;
        goto done;
    }
    rc = SG_ENOMEM;
    /* 1. each row's customer index */
    if (index_rows(tx, sg_table_col(tx, win[0].o.customer), sg_table_col(tx, win[0].o.date), win, nw, first, last,
                   &g, after_w))
        goto done;
    /* 2. counting sort of the rows by customer (the latest earlier
     * purchase first, with no row), and each window's walk */
    size_t n = tx->nrows, ncust = g.ncust;
    const int64_t *dv = sg_column_i64(sg_table_col(tx, win[0].o.date));
    count = sg_calloc(ncust + 1, sizeof *count);
    start = sg_malloc((ncust + 1) * sizeof *start);
    times = sg_malloc((g.stored + ncust + 1) * sizeof *times);
    rows = sg_malloc((g.stored + ncust + 1) * sizeof *rows);
    if (!count || !start || !times || !rows || open_walks(win, nw, ws, out))
        goto done;
    for (size_t i = 0; i < n; i++)
        if (g.row_cust[i] != UINT32_MAX)
            count[g.row_cust[i]]++;
    size_t acc = 0;
    for (size_t c = 0; c < ncust; c++) {
        start[c] = acc;
        if (c < g.cap && g.before[c] != INT64_MIN) {
            times[acc] = g.before[c];
            rows[acc] = UINT32_MAX;
            acc++;
        }
        acc += count[c];
        count[c] = (uint32_t)(acc - start[c] - count[c]);   /* slots filled so far */
    }
    start[ncust] = acc;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = g.row_cust[i];
        if (c != UINT32_MAX) {
            size_t at = start[c] + count[c]++;
            times[at] = dv[i];
            rows[at] = (uint32_t)i;
        }
    }
    sg_free(g.row_cust);
    g.row_cust = NULL;
    /* 3. walk each customer's rows in time order, for every window */
    if (walk_customers(ws, nw, times, rows, start, ncust))
        goto done;
    /* 4. active and known customers at each bound */
    for (size_t q = 0; q < nw; q++) {
        if (!ws[q].out)
            continue;
        finish_window(&ws[q]);
        out[q].rows_used = g.valid - after_w[q];
        out[q].rows_missing = g.missing;
        out[q].rows_after = after_w[q];
    }
    rc = 0;
done:
    sg_free(g.row_cust);
    sg_free(g.before);
    sg_keymap_free(&g.map);
    sg_free(count);
    sg_free(start);
    sg_free(times);
    sg_free(rows);
    for (size_t q = 0; ws && q < nw; q++) {
        sg_free(ws[q].diff_active);
        sg_free(ws[q].keys);
        sg_free(ws[q].pairs);
    }
    if (rc)
        for (size_t q = 0; q < nw; q++)
            sg_activity_free(&out[q]);
    sg_free(ws);
    sg_free(after_w);
    return rc == SG_ENOMEM ? sg_error_nomem(err) : rc;
}

int sg_activity_dates_many(const sg_table *tx, const char *date, const int *have_as_of, const int64_t *as_of,
                           size_t nw, int64_t *d, sg_error *err)
{
    for (size_t q = 0; q < 2 + nw; q++)
        d[q] = INT64_MAX;
    const sg_column *c = sg_table_col(tx, date ? date : "");
    if (!c || c->type != SG_DATETIME)
        return sg_error_set(err, SG_EINVAL, "activity: '%s' is not a datetime column", date ? date : "");
    const int64_t *v = sg_column_i64(c);
    for (size_t i = 0; i < c->n; i++) {
        if (sg_column_is_na(c, i))
            continue;
        if (v[i] > INT64_MIN + 1 && -v[i] < d[0])
            d[0] = -v[i];
        if (v[i] < d[1])
            d[1] = v[i];
        for (size_t q = 0; q < nw; q++)
            if (have_as_of[q] && v[i] <= as_of[q] && v[i] < d[2 + q])
                d[2 + q] = v[i];
    }
    for (size_t q = 0; q < nw; q++)
        if (!have_as_of[q])
            d[2 + q] = d[1];
    return 0;
}

int sg_activity_dates(const sg_table *tx, const char *date, int have_as_of, int64_t as_of, int64_t d[3],
                      sg_error *err)
{
    return sg_activity_dates_many(tx, date, &have_as_of, &as_of, 1, d, err);
}

int sg_activity_default_as_of(const int64_t d[3], int64_t *as_of)
{
    if (d[0] == INT64_MAX)
        return -1;
    int64_t mx = -d[0];
    int64_t day = mx >= 0 ? mx / 86400 : -((-mx + 86399) / 86400);
    *as_of = (day + 1) * 86400;
    return 0;
}

int sg_activity_months(int have, int64_t first, int64_t as_of, int64_t **bounds, size_t *nbounds, sg_error *err)
{
    *bounds = NULL;
    *nbounds = 0;
    int64_t y, ly;
    unsigned m, day, lm, lday;
    int64_t fd = first >= 0 ? first / 86400 : -((-first + 86399) / 86400);
    int64_t ld = as_of >= 0 ? as_of / 86400 : -((-as_of + 86399) / 86400);
    sg_civil_from_days(fd, &y, &m, &day);
    sg_civil_from_days(ld, &ly, &lm, &lday);
    (void)day;
    (void)lday;
    /* months from (y, m) to the last month start <= as_of */
    int64_t months = have ? (ly - y) * 12 + (int64_t)lm - (int64_t)m : -1;
    if (months < 0)
        months = -1;
    size_t nb = (size_t)(months + 1);
    int64_t *b = sg_malloc((nb ? nb : 1) * sizeof *b);
    if (!b)
        return sg_error_nomem(err);
    for (size_t k = 0; k < nb; k++) {
        b[k] = sg_days_from_civil(y, m, 1) * 86400;
        if (++m == 13) {
            m = 1;
            y++;
        }
    }
    *bounds = b;
    *nbounds = nb;
    return 0;
}

int sg_activity_month_bounds(const sg_table *tx, const char *date, int64_t as_of, int64_t **bounds,
                             size_t *nbounds, sg_error *err)
{
    *bounds = NULL;
    *nbounds = 0;
    int64_t d[3];
    if (sg_activity_dates(tx, date, 1, as_of, d, err))
        return err->code;
    return sg_activity_months(d[2] != INT64_MAX, d[2] == INT64_MAX ? 0 : d[2], as_of, bounds, nbounds, err);
}
