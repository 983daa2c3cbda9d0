/* The reasons behind each prediction: see model.h. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "mem.h"

typedef struct ranked {
    double key, effect;
    size_t j;
} ranked;

static int by_key_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

sg_table *sg_model_reasons(const sg_model *m, const sg_encoder *enc, const sg_matrix *X, size_t top,
                           sg_reason_sign sign, sg_error *err)
{
    if (top < 1 || top > 20) {
        sg_error_set(err, SG_EINVAL, "reasons: top must be from 1 to 20");
        return NULL;
    }
    if (sign != SG_REASON_UP && sign != SG_REASON_DOWN && sign != SG_REASON_ANY) {
        sg_error_set(err, SG_EINVAL, "reasons: sign must be up, down or any");
        return NULL;
    }
    sg_matrix *F = sg_model_contributions(m, X, err);
    sg_matrix *C = NULL;
    if (!F || sg_encoder_group_sums(enc, F, &C, err)) {
        sg_matrix_free(F);
        return NULL;
    }
    sg_matrix_free(F);
    size_t n = X->rows, k = top;
    size_t *group_of = sg_malloc(enc->nfeat * sizeof *group_of);
    const char **gnames = sg_malloc(enc->nfeat * sizeof *gnames);
    size_t p = group_of && gnames ? sg_encoder_groups(enc, group_of, gnames) : 0;
    sg_free(group_of);
    sg_table *out = sg_table_new();
    ranked *r = sg_malloc(p * sizeof *r);
    sg_column **cols = sg_calloc(2 * k, sizeof *cols);
    int rc = (!out || !r || !cols || !gnames) ? sg_error_nomem(err) : 0;
    sg_dict *names = rc ? NULL : sg_dict_new(p);
    if (!rc && !names)
        rc = sg_error_nomem(err);
    for (size_t s = 0; rc == 0 && s < k; s++) {
        char nm[32];
        snprintf(nm, sizeof nm, "reason_%zu", s + 1);
        cols[2 * s] = sg_column_new_with_dict(nm, names, n);
        snprintf(nm, sizeof nm, "effect_%zu", s + 1);
        cols[2 * s + 1] = sg_column_new(nm, SG_DOUBLE, n);
        if (!cols[2 * s] || !cols[2 * s + 1])
            rc = sg_error_nomem(err);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const double *c = sg_matrix_row(C, i);
        for (size_t j = 0; j < p; j++)
            r[j] = (ranked){ sign == SG_REASON_ANY ? fabs(c[j]) : (double)sign * c[j], c[j], j };
        qsort(r, p, sizeof *r, by_key_desc);
        for (size_t s = 0; rc == 0 && s < k; s++) {
            int ok;
            if (s < p && r[s].key > 0) {
                const char *f = gnames[r[s].j];
                ok = !sg_column_push_str(cols[2 * s], f, strlen(f))
                     && !sg_column_push_f64(cols[2 * s + 1], r[s].effect);
            } else {
                ok = !sg_column_push_na(cols[2 * s]) && !sg_column_push_na(cols[2 * s + 1]);
            }
            if (!ok)
                rc = sg_error_nomem(err);
        }
    }
    for (size_t s = 0; s < 2 * k && cols; s++) {
        if (rc == 0 && sg_table_add(out, cols[s], err))
            rc = err->code;
        else if (rc)
            sg_column_release(cols[s]);
    }
    sg_dict_release(names);
    sg_free(cols);
    sg_free(r);
    sg_free(gnames);
    sg_matrix_free(C);
    if (rc) {
        sg_table_free(out);
        return NULL;
    }
    return out;
}
