/* CSV reader, after the libcsv pass (see csv.c): plans every column's type
 * from its distinct values, finds the rows whose values do not convert
 * (type overrides), and materialises the typed columns from the codes,
 * freeing each column's staging as soon as it is converted. */
#include <stdio.h>
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
    size_t n = sg_dict_size(r->dicts[j]);
    uint8_t *u = sg_calloc(n ? n : 1, 1);
    if (!u)
        return NULL;
    const int32_t *c = r->codes[j];
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
    const char *s = sg_dict_str(r->dicts[j], code, &len);
    sg_csv_plan_expected(p, what, sizeof what);
    snprintf(out, size, "column '%s': '%s' is not %s",
             sg_csv_show(r->names[j], strlen(r->names[j]), nb, sizeof nb),
             sg_csv_show(s ? s : "", len, vb, sizeof vb), what);
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
            for (size_t i = 0; i < r->nrows && i < best; i++) {
                int32_t c = r->codes[j][i];
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
        bad_text(r, &plans[bj], bj, r->codes[bj][best], text, sizeof text);
        r->failed = 1;
        return sg_error_set(r->err, SG_EDATA, "%s:%llu:%zu: %s", r->path,
                            (unsigned long long)sg_csv_line_of_row(r, best), bj + 1, text);
    }
    uint8_t *rows = sg_calloc((r->nrows + 7) / 8 ? (r->nrows + 7) / 8 : 1, 1);
    if (!rows)
        return sg_csv_fail_nomem(r);
    for (size_t j = 0; j < r->ncols; j++) {
        if (!plans[j].nbad)
            continue;
        const int32_t *c = r->codes[j];
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
            while (!(plans[j].nbad && r->codes[j][i] >= 0 && plans[j].bad[r->codes[j][i]]))
                j++;
            all[nall].line = sg_csv_line_of_row(r, i);
            all[nall].column = (int)j + 1;
            bad_text(r, &plans[j], j, r->codes[j][i], all[nall].text, sizeof all[nall].text);
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
    char *d = (char *)r->codes[j];
    size_t k = r->nrows;
    if (bad_rows) {
        int32_t *codes = r->codes[j];
        k = 0;
        for (size_t i = 0; i < r->nrows; i++)
            if (!row_is_bad(bad_rows, i))
                codes[k++] = codes[i];
    }
    if (p->type == SG_STRING && !r->dicts[j] && !(r->dicts[j] = sg_dict_new(1)))
        return NULL;
    sg_column *col = p->type == SG_STRING ? sg_column_new_with_dict(r->names[j], r->dicts[j], 0)
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
        }
    }
    if (p->type == SG_STRING || p->type == SG_BOOL) {
        const uint8_t *v1 = p->vals;
        for (size_t i = 0; i < k; i++) {
            int32_t v;
            memcpy(&v, d + 4 * i, 4);
            if (p->type == SG_STRING) {
                if (v < 0)
                    memset(d + 4 * i, 0, 4);
            } else {
                d[i] = (char)(v < 0 ? 0 : v1[v]);
            }
        }
        char *s = sg_realloc(d, n1 * (p->type == SG_STRING ? 4 : 1));   /* shrink */
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
    r->codes[j] = NULL;
    col->data = d;
    col->n = col->cap = k;
    col->na = na;
    if (p->type != SG_STRING) {
        sg_dict_release(r->dicts[j]);
        r->dicts[j] = NULL;
    }
    return col;
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
        if (r->dropped && r->dicts[j] && !(used = used_codes(r, j)))
            goto nomem;
        int rc = sg_csv_plan_column(r->dicts[j], used, r->ov[j], r->opt->date_order_mdy,
                                    &plans[j]);
        sg_free(used);
        if (rc)
            goto nomem;
    }
    if (find_bad_rows(r, plans, &bad_rows, &nbad) || r->failed)
        goto out;                      /* a type error, or the pending row-shape error */
    if (rep && fill_notes(r, plans, rep))
        goto nomem;
    if (!(t = sg_table_new()))
        goto nomem;
    for (size_t j = 0; j < r->ncols; j++) {
        sg_column *c = materialise(r, j, &plans[j], bad_rows);
        sg_csv_plan_free(&plans[j]);
        if (!c || sg_table_add(t, c, r->err)) {
            if (!c)
                sg_csv_fail_nomem(r);
            r->failed = 1;
            sg_table_free(t);
            t = NULL;
            goto out;
        }
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
