/* CSV reader, after the libcsv pass (see csv.c): merges the staging of
 * the byte ranges read in parallel, plans every column's type from its
 * distinct values, finds the rows whose values do not convert (type
 * overrides), and materialises the typed columns from the codes, freeing
 * each column's staging as soon as it is converted.  Columns staged typed
 * (speculation) already hold their values and are only adopted. */
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"
#include "mem.h"

static int row_is_bad(const uint8_t *bad_rows, size_t i)
{
    return bad_rows && ((bad_rows[i >> 3] >> (i & 7)) & 1);
}

/* Marks the codes some staged row refers to: needed only when dropped
 * records interned values that no kept row uses. */
static uint8_t *used_codes(const sg_csv_reader *r, size_t j)
{
    size_t n = sg_dict_size(r->cols[j].dict);
    uint8_t *u = sg_calloc(n ? n : 1, 1);
    if (!u)
        return NULL;
    const int32_t *c = r->cols[j].data;
    for (size_t i = 0; i < r->nrows; i++)
        if (c[i] >= 0)
            u[c[i]] = 1;
    return u;
}

/* "column 'Quantity': 'abc' is not an int64" */
static void bad_text(const sg_csv_reader *r, const sg_csv_plan *p, size_t j, int32_t code,
                     char *out, size_t size)
{
    char nb[80], vb[80], what[64];
    size_t len = 0;
    const char *s = sg_dict_str(r->cols[j].dict, code, &len);
    sg_csv_plan_expected(p, what, sizeof what);
    snprintf(out, size, "column '%s': '%s' is not %s%s",
             sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb),
             sg_csv_show(s ? s : "", len, vb, sizeof vb), what,
             (p->type == SG_DOUBLE || p->type == SG_INT64) && s && sg_csv_not_finite(s, len)
                 ? " (inf, nan and values beyond the double range do not count as numbers)"
                 : "");
}

static int32_t code_at(const sg_csv_reader *r, size_t j, size_t i)
{
    return ((const int32_t *)r->cols[j].data)[i];
}

static int issue_cmp(const void *a, const void *b)
{
    const sg_csv_issue *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->column > y->column) - (x->column < y->column);
}

/* Values that do not convert (overrides only).  Error mode: the error
 * names the first such row.  Skip mode: *bad_rows gets a bitmap of the
 * rows to drop and the issues are merged by line. */
static int find_bad_rows(sg_csv_reader *r, const sg_csv_plan *plans, uint8_t **bad_rows,
                         size_t *nbad)
{
    int any = 0;
    *bad_rows = NULL;
    *nbad = 0;
    for (size_t j = 0; j < r->ncols; j++)
        any |= plans[j].nbad > 0;
    if (!any)
        return 0;
    if (!r->opt->skip_bad_rows) {
        size_t best = SIZE_MAX, bj = 0;
        for (size_t j = 0; j < r->ncols; j++) {
            if (!plans[j].nbad)
                continue;
            const int32_t *codes = r->cols[j].data;
            for (size_t i = 0; i < r->nrows && i < best; i++) {
                int32_t c = codes[i];
                if (c >= 0 && plans[j].bad[c]) {
                    best = i;
                    bj = j;
                    break;
                }
            }
        }
        if (best == SIZE_MAX)
            return 0;
        char text[300];
        bad_text(r, &plans[bj], bj, ((const int32_t *)r->cols[bj].data)[best], text, sizeof text);
        r->failed = 1;
        return sg_error_set(r->err, SG_EDATA, "%s:%llu:%zu: %s", sg_csv_path_of_row(r, best),
                            (unsigned long long)sg_csv_line_of_row(r, best), bj + 1, text);
    }
    uint8_t *rows = sg_calloc((r->nrows + 7) / 8 ? (r->nrows + 7) / 8 : 1, 1);
    if (!rows)
        return sg_csv_fail_nomem(r);
    for (size_t j = 0; j < r->ncols; j++) {
        if (!plans[j].nbad)
            continue;
        const int32_t *c = r->cols[j].data;
        for (size_t i = 0; i < r->nrows; i++)
            if (c[i] >= 0 && plans[j].bad[c[i]])
                rows[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    sg_csv_issue all[10];
    size_t nall = r->nissues;
    memcpy(all, r->issues, nall * sizeof all[0]);
    for (size_t i = 0; i < r->nrows; i++) {
        if (!row_is_bad(rows, i))
            continue;
        if (nall < 10) {
            size_t j = 0;
            while (!(plans[j].nbad && code_at(r, j, i) >= 0 && plans[j].bad[code_at(r, j, i)]))
                j++;
            all[nall].line = sg_csv_line_of_row(r, i);
            all[nall].column = (int)j + 1;
            bad_text(r, &plans[j], j, code_at(r, j, i), all[nall].text, sizeof all[nall].text);
            nall++;
        }
        (*nbad)++;
    }
    qsort(all, nall, sizeof all[0], issue_cmp);
    r->nissues = nall < 5 ? nall : 5;
    memcpy(r->issues, all, r->nissues * sizeof all[0]);
    r->skipped += *nbad;
    *bad_rows = rows;
    return 0;
}

/* Builds column j from its codes (dropping bad rows) and frees its
 * staging.  The code array itself becomes the column's data: kept for
 * strings, narrowed for bools, and widened in place for 8-byte types by
 * converting from the last row down, so that no code is overwritten before
 * it is read (value i lands on codes 2i and 2i+1, both already done). */
static sg_column *materialise(sg_csv_reader *r, size_t j, const sg_csv_plan *p,
                              const uint8_t *bad_rows)
{
    sg_csv_col *sc = &r->cols[j];
    char *d = sc->data;
    size_t k = r->nrows;
    if (bad_rows) {
        int32_t *codes = sc->data;
        k = 0;
        for (size_t i = 0; i < r->nrows; i++)
            if (!row_is_bad(bad_rows, i))
                codes[k++] = codes[i];
    }
    if (p->type == SG_STRING && !sc->dict && !(sc->dict = sg_dict_new(1)))
        return NULL;
    sg_column *col = p->type == SG_STRING ? sg_column_new_with_dict(r->names[j], sc->dict, 0)
                                          : sg_column_new(r->names[j], p->type, 0);
    uint8_t *na = NULL;
    size_t nab = (k + 7) / 8 ? (k + 7) / 8 : 1, n1 = k ? k : 1;
    if (!col)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        int32_t v;
        memcpy(&v, d + 4 * i, 4);
        if (v < 0) {
            if (!na && !(na = sg_calloc(nab, 1))) {
                sg_column_release(col);
                return NULL;
            }
            na[i >> 3] |= (uint8_t)(1u << (i & 7));
            if (p->type == SG_STRING)
                memset(d + 4 * i, 0, 4);   /* a missing string holds code 0 */
        }
    }
    if (p->type == SG_STRING) {
        char *s = sg_realloc(d, n1 * 4);   /* shrink */
        if (s)
            d = s;
    } else if (p->type == SG_BOOL) {
        const uint8_t *v1 = p->vals;
        for (size_t i = 0; i < k; i++) {
            int32_t v;
            memcpy(&v, d + 4 * i, 4);
            d[i] = (char)(v < 0 ? 0 : v1[v]);
        }
        char *s = sg_realloc(d, n1);   /* shrink */
        if (s)
            d = s;
    } else {
        const uint64_t *v8 = p->vals;
        char *s = sg_realloc(d, n1 * 8);
        if (!s) {
            sg_free(na);
            sg_column_release(col);
            return NULL;
        }
        d = s;
        for (size_t i = k; i-- > 0;) {
            int32_t v;
            memcpy(&v, d + 4 * i, 4);
            uint64_t x = v < 0 ? 0 : v8[v];
            memcpy(d + 8 * i, &x, 8);
        }
        col->date_only = p->type == SG_DATETIME && p->date_only;
    }
    sc->data = NULL;
    col->data = d;
    col->n = col->cap = k;
    col->na = na;
    sg_free(sc->cache);          /* no pointer into the dictionary is left: trim it */
    sc->cache = NULL;
    if (p->type == SG_STRING)
        sg_dict_trim(sc->dict);
    sg_dict_release(sc->dict);   /* a string column holds its own reference */
    sc->dict = NULL;
    return col;
}

static int na_bit(const uint8_t *na, size_t i)
{
    return na && ((na[i >> 3] >> (i & 7)) & 1);
}

/* Clears the bits [n, cap) of a bitmap of cap bits. */
static void na_clear_from(uint8_t *na, size_t n, size_t cap)
{
    if (!na || n >= cap)
        return;
    if (n & 7)
        na[n >> 3] &= (uint8_t)((1u << (n & 7)) - 1);
    size_t from = (n + 7) / 8, nb = (cap + 7) / 8;
    if (from < nb)
        memset(na + from, 0, nb - from);
}

/* A column staged typed: its values and bitmap become the column's,
 * dropping bad rows and shrinking the arrays to their length. */
static sg_column *materialise_typed(sg_csv_reader *r, size_t j, const sg_csv_plan *p,
                                    const uint8_t *bad_rows)
{
    sg_csv_col *sc = &r->cols[j];
    uint64_t *v = sc->data;
    uint8_t *na = sc->na;
    size_t k = r->nrows, n1;
    int date_only = 1;
    /* date_only, like the plan of a dictionary column, over every staged row */
    if (p->type == SG_DATETIME)
        for (size_t i = 0; i < r->nrows && date_only; i++)
            if (!na_bit(na, i) && (int64_t)v[i] % 86400 != 0)
                date_only = 0;
    if (bad_rows) {
        k = 0;
        for (size_t i = 0; i < r->nrows; i++) {
            if (row_is_bad(bad_rows, i))
                continue;
            v[k] = v[i];
            if (na) {
                if (na_bit(na, i))
                    na[k >> 3] |= (uint8_t)(1u << (k & 7));
                else
                    na[k >> 3] &= (uint8_t)~(1u << (k & 7));
            }
            k++;
        }
    }
    n1 = k ? k : 1;
    if (na) {
        na_clear_from(na, k, r->cap);
        int any = 0;
        for (size_t b = 0; b < (k + 7) / 8 && !any; b++)
            any = na[b] != 0;
        if (!any) {
            sg_free(na);
            na = NULL;
        } else {
            uint8_t *s = sg_realloc(na, (n1 + 7) / 8);   /* shrink */
            if (s)
                na = s;
        }
    }
    uint64_t *s = sg_realloc(v, n1 * 8);   /* shrink */
    if (s)
        v = s;
    sc->data = NULL;
    sc->na = NULL;
    sg_column *col = sg_column_new(r->names[j], p->type, 0);
    if (!col) {
        sg_free(v);
        sg_free(na);
        return NULL;
    }
    col->data = v;
    col->na = na;
    col->n = col->cap = k;
    col->date_only = p->type == SG_DATETIME && date_only;
    return col;
}

/* ---- merging the ranges read in parallel ---- */

/* Appends column j of b (nb rows) to a's (na rows), a's arrays already
 * holding cap rows.  When b stopped inside a record (its parser goes on
 * for a), the fields of that record staged so far (slot nb) come along. */
static int merge_col(sg_csv_reader *a, sg_csv_reader *b, size_t j, size_t cap)
{
    sg_csv_col *ca = &a->cols[j], *cb = &b->cols[j];
    size_t na = a->nrows, nb = b->nrows + (j < b->nf);
    if (ca->mode == SG_CSV_OFF || cb->mode == SG_CSV_OFF ||
        (ca->mode == SG_CSV_DICT) != (cb->mode == SG_CSV_DICT) ||
        (ca->mode == SG_CSV_DT) != (cb->mode == SG_CSV_DT) || ca->fmt != cb->fmt) {
        sg_csv_col_free(ca);
        ca->mode = SG_CSV_OFF;
        return 0;               /* sg_csv_merge sets a->fellback */
    }
    if (ca->mode == SG_CSV_DICT) {
        int32_t *da = ca->data;
        const int32_t *db = cb->data;
        if (!cb->dict || !ca->dict) {
            /* one side has no value at all: codes carry over as they are */
            if (!ca->dict) {
                ca->dict = cb->dict;
                cb->dict = NULL;
            }
            memcpy(da + na, db, nb * sizeof *db);
            return 0;
        }
        /* b's values in b's first-appearance order: a sequential pass
         * would have met them in that order after a's.  The caches hold
         * string pointers that absorbing may move. */
        sg_free(ca->cache);
        sg_free(cb->cache);
        ca->cache = cb->cache = NULL;
        int32_t *dbw = cb->data;
        if (sg_dict_absorb(ca->dict, cb->dict, dbw, nb) != 0)
            return SG_ENOMEM;
        sg_dict_release(cb->dict);
        cb->dict = NULL;
        memcpy(da + na, dbw, nb * sizeof *dbw);
        return 0;
    }
    uint64_t *va = ca->data;
    const uint64_t *vb = cb->data;
    if (ca->mode == SG_CSV_I64 && cb->mode == SG_CSV_F64) {
        for (size_t i = 0; i < na; i++) {
            double d = (double)(int64_t)va[i];
            memcpy(&va[i], &d, 8);
        }
        ca->mode = SG_CSV_F64;
        ca->memo_ok = 0;
    }
    if (ca->mode == SG_CSV_F64 && cb->mode == SG_CSV_I64) {
        for (size_t i = 0; i < nb; i++) {
            double d = (double)(int64_t)vb[i];
            if (i == b->nrows && cb->pend_double)
                memcpy(&d, &vb[i], 8);       /* already a double, promotion pending */
            memcpy(&va[na + i], &d, 8);
        }
    } else {
        memcpy(va + na, vb, nb * 8);
    }
    if (cb->pend_double)
        ca->pend_double = 1;    /* sg_csv_merge sets a->any_pend */
    if (cb->na || ca->na) {
        if (!ca->na && !(ca->na = sg_calloc((cap + 7) / 8, 1)))
            return SG_ENOMEM;
        na_clear_from(ca->na, na, cap);
        for (size_t i = 0; i < nb; i++)
            if (na_bit(cb->na, i))
                ca->na[(na + i) >> 3] |= (uint8_t)(1u << ((na + i) & 7));
    }
    return 0;
}

static int merge_fail(sg_csv_reader *a, sg_csv_reader *b)
{
    a->failed = 1;
    a->structural = b->structural;
    *a->err = *b->err;
    return 0;
}

/* Grows the staging of column c from cap to n rows (exactly). */
void sg_csv_trim_heap(void)
{
#ifdef __GLIBC__
    /* glibc raises its mmap threshold after big blocks are freed; the
     * blocks freed by a worker thread then stay in its arena and count in
     * the process's peak memory while the merge allocates elsewhere */
    malloc_trim(0);
#endif
}

static int grow_col(sg_csv_col *c, size_t cap, size_t n)
{
    size_t w = c->mode == SG_CSV_DICT ? 4 : c->mode == SG_CSV_OFF ? 0 : 8;
    if (!w || n <= cap)
        return 0;
    void *d = sg_realloc(c->data, n * w);
    if (!d)
        return SG_ENOMEM;
    c->data = d;
    if (c->na) {
        uint8_t *m = sg_realloc(c->na, (n + 7) / 8);
        if (!m)
            return SG_ENOMEM;
        c->na = m;
        na_clear_from(m, cap, n);
    }
    return 0;
}

int sg_csv_merge(sg_csv_reader *a, sg_csv_reader *b)
{
    size_t n = a->nrows + b->nrows + (b->nf > 0), cap = a->cap;
    if (b->failed && !b->structural) {
        /* the error alone is the result, unless a typed column of b fell
         * back before it: one thread would then run the pass again, and
         * the second pass may meet an earlier error in that column */
        a->fellback |= b->fellback;
        return merge_fail(a, b);
    }
    /* column by column, each grown to the exact size (b->nf: room for the
     * record b stopped inside) just before b's is copied and freed, so
     * that the two stagings never coexist in full.  (Merging columns on
     * two threads was measured: no faster, and a higher peak.) */
    if (n < cap)
        n = cap;
    for (size_t j = 0; j < a->ncols; j++) {
        if (grow_col(&a->cols[j], cap, n) || merge_col(a, b, j, n))
            return sg_csv_fail_nomem(a);
        sg_csv_col_free(&b->cols[j]);
        sg_csv_trim_heap();
        a->fellback |= a->cols[j].mode == SG_CSV_OFF;
        a->any_pend |= a->cols[j].pend_double;
    }
    a->cap = n;
    if (b->nadj) {
        if (a->nadj + b->nadj > a->adj_cap) {
            size_t nc = a->nadj + b->nadj;
            sg_csv_line_adj *adj = sg_realloc(a->adj, nc * sizeof *adj);
            if (!adj)
                return sg_csv_fail_nomem(a);
            a->adj = adj;
            a->adj_cap = nc;
        }
        for (size_t i = 0; i < b->nadj; i++) {
            a->adj[a->nadj].row = b->adj[i].row + a->nrows;
            a->adj[a->nadj].line = b->adj[i].line;
            a->nadj++;
        }
    }
    a->nrows += b->nrows;
    a->records += b->records;
    a->dropped += b->dropped;
    a->skipped += b->skipped;
    for (size_t i = 0; i < b->nissues && a->nissues < 5; i++)
        a->issues[a->nissues++] = b->issues[i];
    a->fellback |= b->fellback;
    if (b->bad_quotes && !a->bad_quotes) {
        a->bq_line = b->bq_line;
        a->bq_field = b->bq_field;
    }
    a->bad_quotes += b->bad_quotes;
    a->lines_merged += b->lines_merged;
    a->quote_bad = b->quote_bad;
    /* where the parse stands: a may go on with b's parser */
    a->line = b->line;
    a->rec_line = b->rec_line;
    a->last_cr = b->last_cr;
    a->nf = b->nf;
    a->first_blank = b->first_blank;
    if (b->failed)
        return merge_fail(a, b);
    return 0;
}

static int fill_notes(const sg_csv_reader *r, const sg_csv_plan *plans, sg_csv_report *rep)
{
    if (!(rep->notes = sg_calloc(r->ncols ? r->ncols : 1, sizeof *rep->notes)))
        return SG_ENOMEM;
    for (size_t j = 0; j < r->ncols; j++) {
        char note[400], b1[80], b2[80];
        if (r->raw && r->raw[j] && r->raw[j][0])
            snprintf(note, sizeof note, "%s; duplicate header '%s' renamed '%s'", plans[j].note,
                     sg_csv_show(r->raw[j], strlen(r->raw[j]), b1, sizeof b1),
                     sg_csv_show(r->names[j], strlen(r->names[j]), b2, sizeof b2));
        else if (r->raw && r->raw[j])
            snprintf(note, sizeof note, "%s; empty header named '%s'", plans[j].note,
                     sg_csv_show(r->names[j], strlen(r->names[j]), b2, sizeof b2));
        else
            snprintf(note, sizeof note, "%s", plans[j].note);
        if (!(rep->notes[j] = sg_strdup(note)))
            return SG_ENOMEM;
        rep->nnotes = j + 1;
    }
    return 0;
}

/* Turns the staging into the table. */
sg_table *sg_csv_build(sg_csv_reader *r, sg_csv_report *rep)
{
    sg_csv_plan *plans = sg_calloc(r->ncols, sizeof *plans);
    uint8_t *bad_rows = NULL;
    size_t nbad = 0;
    sg_table *t = NULL;
    if (!plans) {
        sg_csv_fail_nomem(r);
        return NULL;
    }
    for (size_t j = 0; j < r->ncols; j++) {
        uint8_t *used = NULL;
        if (r->cols[j].mode != SG_CSV_DICT) {
            sg_csv_plan_typed(r->cols[j].mode, r->cols[j].fmt, &plans[j]);
            continue;
        }
        if (r->dropped && r->cols[j].dict && !(used = used_codes(r, j)))
            goto nomem;
        int rc = sg_csv_plan_column(r->cols[j].dict, used, r->ov[j], r->opt->date_order_mdy,
                                    &plans[j]);
        sg_free(used);
        if (rc)
            goto nomem;
    }
    for (size_t j = 0; r->dict_only && j < r->ncols; j++)
        if (plans[j].nbad)
            r->needs_rows = 1;         /* the message names the first such row */
    if (r->needs_rows || find_bad_rows(r, plans, &bad_rows, &nbad) || r->failed)
        goto out;                      /* a type error, or the pending row-shape error */
    if (sg_csv_check_columns(r, plans, bad_rows, rep) || r->failed || r->needs_rows)
        goto out;                      /* an expected column of another kind */
    if (rep && fill_notes(r, plans, rep))
        goto nomem;
    for (size_t j = 0; r->plan_fmts && j < r->ncols; j++)
        r->plan_fmts[j] = plans[j].type == SG_DATETIME ? plans[j].fmt : SG_DATE_UNKNOWN;
    /* the names are unique (csv.c): the columns are appended directly,
     * not through sg_table_add's name check, which is linear per column */
    t = sg_table_new();
    if (!t || !(t->cols = sg_malloc((r->ncols ? r->ncols : 1) * sizeof *t->cols))) {
        sg_table_free(t);
        t = NULL;
        goto nomem;
    }
    t->cap = r->ncols ? r->ncols : 1;
    for (size_t j = 0; j < r->ncols; j++) {
        sg_column *c = r->cols[j].mode == SG_CSV_DICT ? materialise(r, j, &plans[j], bad_rows)
                                                      : materialise_typed(r, j, &plans[j], bad_rows);
        sg_csv_plan_free(&plans[j]);
        if (!c) {
            sg_csv_fail_nomem(r);
            sg_table_free(t);
            t = NULL;
            goto out;
        }
        t->cols[t->ncols++] = c;
    }
    t->nrows = r->nrows - nbad;
    goto out;
nomem:
    sg_csv_fail_nomem(r);
out:
    for (size_t j = 0; j < r->ncols; j++)
        sg_csv_plan_free(&plans[j]);
    sg_free(plans);
    sg_free(bad_rows);
    return t;
}
