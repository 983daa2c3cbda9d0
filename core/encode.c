/* Model preprocessing: numeric imputation/scaling (through matrix.c) and
 * one-hot encoding of categorical columns.  See encode.h. */
#include "encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mem.h"

void sg_encoder_report_free(sg_encoder_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ndropped; i++)
        sg_free(r->dropped[i]);
    sg_free(r->dropped);
    r->dropped = NULL;
    r->ndropped = 0;
}

void sg_encoder_free(sg_encoder *e)
{
    if (!e)
        return;
    sg_scaling_free(e->numeric);
    for (size_t c = 0; c < e->ncat; c++) {
        sg_free(e->cat_names ? e->cat_names[c] : NULL);
        for (size_t l = 0; e->levels && e->levels[c] && l < e->nlevels[c]; l++)
            sg_free(e->levels[c][l]);
        sg_free(e->levels ? e->levels[c] : NULL);
    }
    sg_free(e->cat_names);
    sg_free(e->levels);
    sg_free(e->nlevels);
    sg_free(e->has_other);
    for (size_t j = 0; e->feature_names && j < e->nfeat; j++) {
        sg_free(e->feature_names[j]);
        sg_free(e->source ? e->source[j] : NULL);
    }
    sg_free(e->feature_names);
    sg_free(e->source);
    sg_free(e);
}

/* ---------------------------------------------------------------- level codes */

/* Per row, the code of the value's text in `d` (-1 when missing).  For
 * string columns each dictionary code is interned once. */
static int row_codes(const sg_column *c, size_t n, sg_dict *d, int32_t *codes, sg_error *err)
{
    if (c->type == SG_STRING) {
        size_t nd = sg_dict_size(c->dict);
        int32_t *map = sg_malloc((nd ? nd : 1) * sizeof *map);
        if (!map)
            return sg_error_nomem(err);
        for (size_t k = 0; k < nd; k++)
            map[k] = -2;
        const int32_t *src = sg_column_codes(c);
        for (size_t i = 0; i < n; i++) {
            if (sg_column_is_na(c, i)) {
                codes[i] = -1;
                continue;
            }
            int32_t k = src[i];
            if (map[k] == -2) {
                size_t len;
                const char *s = sg_dict_str(c->dict, k, &len);
                map[k] = sg_dict_intern(d, s, len);
                if (map[k] < 0) {
                    sg_free(map);
                    return sg_error_nomem(err);
                }
            }
            codes[i] = map[k];
        }
        sg_free(map);
        return 0;
    }
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        double v = sg_column_num(c, i);
        if (sg_column_is_na(c, i) || isnan(v)) {
            codes[i] = -1;
            continue;
        }
        size_t len = sg_column_format(c, i, buf, sizeof buf);
        if ((codes[i] = sg_dict_intern(d, buf, len)) < 0)
            return sg_error_nomem(err);
    }
    return 0;
}

static const sg_column *categorical_column(const sg_table *t, const char *name, sg_error *err)
{
    const sg_column *c = sg_table_col(t, name);
    if (!c)
        sg_error_set(err, SG_EINVAL, "encode: no column '%s'", name);
    else if (c->type != SG_STRING && c->type != SG_BOOL && c->type != SG_INT64) {
        sg_error_set(err, SG_EINVAL, "encode: categorical column '%s' is %s; it must be text, "
                     "bool or integer", name, sg_type_name(c->type));
        c = NULL;
    }
    return c;
}

/* ---------------------------------------------------------------- fit */

typedef struct level_count {
    int32_t code;
    size_t count;
    const char *s;
} level_count;

static int by_count(const void *a, const void *b)
{
    const level_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->s, y->s);
}

static int add_dropped(sg_encoder_report *r, const char *name)
{
    char **nd = sg_realloc(r->dropped, (r->ndropped + 1) * sizeof *nd);
    if (!nd)
        return -1;
    r->dropped = nd;
    if (!(nd[r->ndropped] = sg_strdup(name)))
        return -1;
    r->ndropped++;
    return 0;
}

static int numeric_constant(const sg_column *c, size_t n)
{
    double first = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = sg_column_num(c, i);
        if (sg_column_is_na(c, i) || isnan(v))
            continue;
        if (isnan(first))
            first = v;
        else if (v != first)
            return 0;
    }
    return 1;
}

/* Chooses the kept levels of one categorical column; *kept = 0 when the
 * column is constant (then nothing is stored). */
static int fit_levels(sg_encoder *e, size_t ci, const sg_column *c, size_t n, size_t min_count,
                      size_t max_levels, int *kept, sg_error *err)
{
    int rc = SG_ENOMEM;
    sg_dict *d = sg_dict_new(64);
    int32_t *codes = sg_malloc((n ? n : 1) * sizeof *codes);
    size_t *counts = NULL;
    level_count *lc = NULL;
    *kept = 0;
    if (!d || !codes)
        goto done;
    if ((rc = row_codes(c, n, d, codes, err)))
        goto done;
    rc = SG_ENOMEM;
    size_t nd = sg_dict_size(d), missing = 0;
    counts = sg_calloc(nd ? nd : 1, sizeof *counts);
    lc = sg_malloc((nd ? nd : 1) * sizeof *lc);
    if (!counts || !lc)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] < 0)
            missing++;
        else
            counts[codes[i]]++;
    }
    for (size_t k = 0; k < nd; k++)
        lc[k] = (level_count){ (int32_t)k, counts[k], sg_dict_str(d, (int32_t)k, NULL) };
    qsort(lc, nd, sizeof *lc, by_count);
    size_t nk = 0;
    while (nk < nd && nk < max_levels && lc[nk].count >= min_count)
        nk++;
    int other = missing > 0 || nk < nd;
    if (nk + (other ? 1 : 0) < 2) {     /* one column of constant value */
        rc = 0;
        goto done;
    }
    e->levels[ci] = sg_calloc(nk + 1, sizeof(char *));
    if (!e->levels[ci])
        goto done;
    for (size_t l = 0; l < nk; l++)
        if (!(e->levels[ci][l] = sg_strdup(lc[l].s)))
            goto done;
    e->nlevels[ci] = nk;
    e->has_other[ci] = other;
    *kept = 1;
    rc = 0;
done:
    if (rc == SG_ENOMEM) {
        sg_error_nomem(err);
        for (size_t l = 0; e->levels[ci] && e->levels[ci][l]; l++)   /* NULL-terminated */
            sg_free(e->levels[ci][l]);
        sg_free(e->levels[ci]);
        e->levels[ci] = NULL;
        e->nlevels[ci] = 0;
    }
    sg_dict_release(d);
    sg_free(codes);
    sg_free(counts);
    sg_free(lc);
    return rc;
}

static int set_feature(sg_encoder *e, size_t j, const char *name, const char *level, const char *src)
{
    size_t len = strlen(name) + (level ? strlen(level) + 1 : 0) + 1;
    e->feature_names[j] = sg_malloc(len);
    e->source[j] = sg_strdup(src);
    if (!e->feature_names[j] || !e->source[j])
        return -1;
    if (level)
        snprintf(e->feature_names[j], len, "%s=%s", name, level);
    else
        memcpy(e->feature_names[j], name, len);
    return 0;
}

/* Feature names from the numeric scaling and the categorical levels. */
static int name_features(sg_encoder *e)
{
    size_t nnum = e->numeric ? e->numeric->cols : 0;
    e->nfeat = nnum;
    for (size_t c = 0; c < e->ncat; c++)
        e->nfeat += e->nlevels[c] + (size_t)e->has_other[c];
    e->feature_names = sg_calloc(e->nfeat ? e->nfeat : 1, sizeof(char *));
    e->source = sg_calloc(e->nfeat ? e->nfeat : 1, sizeof(char *));
    if (!e->feature_names || !e->source)
        return -1;
    size_t j = 0;
    for (; j < nnum; j++)
        if (set_feature(e, j, e->numeric->names[j], NULL, e->numeric->names[j]))
            return -1;
    for (size_t c = 0; c < e->ncat; c++) {
        for (size_t l = 0; l < e->nlevels[c]; l++)
            if (set_feature(e, j++, e->cat_names[c], e->levels[c][l], e->cat_names[c]))
                return -1;
        if (e->has_other[c] && set_feature(e, j++, e->cat_names[c], "other", e->cat_names[c]))
            return -1;
    }
    return 0;
}

static sg_encoder *encoder_alloc(size_t ncat)
{
    sg_encoder *e = sg_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t n = ncat ? ncat : 1;
    e->cat_names = sg_calloc(n, sizeof(char *));
    e->levels = sg_calloc(n, sizeof(char **));
    e->nlevels = sg_calloc(n, sizeof(size_t));
    e->has_other = sg_calloc(n, sizeof(int));
    if (!e->cat_names || !e->levels || !e->nlevels || !e->has_other) {
        sg_encoder_free(e);
        return NULL;
    }
    return e;
}

static int check_names(const sg_encoder_spec *s, sg_error *err)
{
    size_t n = s->nnum + s->ncat;
    for (size_t a = 0; a < n; a++) {
        const char *x = a < s->nnum ? s->numeric[a] : s->categorical[a - s->nnum];
        for (size_t b = a + 1; b < n; b++) {
            const char *y = b < s->nnum ? s->numeric[b] : s->categorical[b - s->nnum];
            if (strcmp(x, y) == 0)
                return sg_error_set(err, SG_EINVAL, "encode: column '%s' is listed twice", x);
        }
    }
    return 0;
}

sg_matrix *sg_encoder_fit(const sg_table *t, const sg_encoder_spec *spec, sg_encoder **out,
                          sg_encoder_report *report, sg_error *err)
{
    sg_encoder_report rep = { 0, 0, 0, 0, NULL };
    sg_encoder *e = NULL;
    const char **keep = NULL;
    sg_matrix *m = NULL;
    *out = NULL;
    if (report)
        *report = rep;
    if (check_names(spec, err))
        return NULL;
    if (t->nrows == 0) {
        sg_error_set(err, SG_EDATA, "encode: the table has no rows");
        return NULL;
    }
    size_t n = t->nrows, nkeep = 0;
    size_t min_count = spec->min_count ? spec->min_count : 10;
    size_t max_levels = spec->max_levels ? spec->max_levels : 20;
    if (!(e = encoder_alloc(spec->ncat)) || !(keep = sg_calloc(spec->nnum + 1, sizeof *keep)))
        goto oom;
    for (size_t j = 0; j < spec->nnum; j++) {
        const sg_column *c = sg_table_col(t, spec->numeric[j]);
        if (!c) {
            sg_error_set(err, SG_EINVAL, "encode: no column '%s'", spec->numeric[j]);
            goto fail;
        }
        if (!sg_type_is_numeric(c->type)) {
            sg_error_set(err, SG_EINVAL, "encode: column '%s' is %s, not numeric; list it with the "
                         "categorical columns", spec->numeric[j], sg_type_name(c->type));
            goto fail;
        }
        if (numeric_constant(c, n)) {
            if (add_dropped(&rep, spec->numeric[j]))
                goto oom;
        } else {
            keep[nkeep++] = spec->numeric[j];
        }
    }
    for (size_t ci = 0; ci < spec->ncat; ci++) {
        const sg_column *c = categorical_column(t, spec->categorical[ci], err);
        int kept;
        if (!c || fit_levels(e, e->ncat, c, n, min_count, max_levels, &kept, err))
            goto fail;
        if (!kept) {
            if (add_dropped(&rep, spec->categorical[ci]))
                goto oom;
            continue;
        }
        if (!(e->cat_names[e->ncat++] = sg_strdup(spec->categorical[ci])))
            goto oom;
    }
    if (nkeep) {
        sg_scale_kind *kinds = sg_malloc(nkeep * sizeof *kinds);
        if (!kinds)
            goto oom;
        for (size_t j = 0; j < nkeep; j++)
            kinds[j] = spec->scale ? SG_SCALE_STANDARD : SG_SCALE_NONE;
        sg_matrix_spec ms = { keep, nkeep, NULL, kinds, SG_MISSING_MEDIAN };
        sg_matrix_report mr;
        sg_matrix *num = sg_matrix_fit(t, &ms, &e->numeric, NULL, &mr, err);
        sg_free(kinds);
        if (!num)
            goto fail;
        sg_matrix_free(num);   /* apply below rebuilds it with the categorical columns */
    }
    if (name_features(e))
        goto oom;
    if (e->nfeat == 0) {
        sg_error_set(err, SG_EDATA, "encode: every feature column is constant; nothing to learn from");
        goto fail;
    }
    sg_free(keep);
    keep = NULL;
    sg_encoder_report ar;
    if (!(m = sg_encoder_apply(t, e, &ar, err)))
        goto fail;
    rep.values_imputed = ar.values_imputed;
    rep.values_other = ar.values_other;   /* rare and missing values; nothing is unseen at fit */
    *out = e;
    if (report)
        *report = rep;
    else
        sg_encoder_report_free(&rep);
    return m;
oom:
    sg_error_nomem(err);
fail:
    sg_free(keep);
    sg_encoder_free(e);
    sg_encoder_report_free(&rep);
    return NULL;
}

/* ---------------------------------------------------------------- apply */

static int apply_categorical(const sg_table *t, const sg_encoder *e, size_t ci, sg_matrix *m,
                             size_t col0, sg_encoder_report *rep, sg_error *err)
{
    const sg_column *c = categorical_column(t, e->cat_names[ci], err);
    if (!c)
        return err ? err->code : SG_EINVAL;
    size_t n = t->nrows, nl = e->nlevels[ci];
    int rc = SG_ENOMEM;
    sg_dict *d = sg_dict_new(nl + 16);
    int32_t *codes = sg_malloc((n ? n : 1) * sizeof *codes);
    if (!d || !codes)
        goto done;
    for (size_t l = 0; l < nl; l++)   /* levels get codes 0..nl-1 */
        if (sg_dict_intern(d, e->levels[ci][l], strlen(e->levels[ci][l])) != (int32_t)l)
            goto done;
    size_t nknown = sg_dict_size(d);
    if ((rc = row_codes(c, n, d, codes, err)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        double *r = sg_matrix_row(m, i) + col0;
        if (codes[i] >= 0 && (size_t)codes[i] < nl) {
            r[codes[i]] = 1;
            continue;
        }
        if (e->has_other[ci])
            r[nl] = 1;
        rep->values_other++;
        rep->unseen += codes[i] >= (int32_t)nknown;
    }
    rc = 0;
done:
    if (rc == SG_ENOMEM)
        sg_error_nomem(err);
    sg_dict_release(d);
    sg_free(codes);
    return rc;
}

sg_matrix *sg_encoder_apply(const sg_table *t, const sg_encoder *e, sg_encoder_report *report,
                            sg_error *err)
{
    sg_encoder_report rep = { 0, 0, 0, 0, NULL };   /* *report is output only */
    sg_matrix *m = sg_matrix_new(t->nrows, e->nfeat);
    if (!m) {
        sg_error_nomem(err);
        return NULL;
    }
    size_t nnum = e->numeric ? e->numeric->cols : 0;
    if (nnum) {
        sg_matrix_report mr;
        sg_matrix *num = sg_matrix_apply(t, e->numeric, NULL, &mr, err);
        if (!num) {
            sg_matrix_free(m);
            return NULL;
        }
        for (size_t i = 0; i < t->nrows; i++)
            memcpy(sg_matrix_row(m, i), sg_matrix_row(num, i), nnum * sizeof(double));
        rep.values_imputed = mr.values_imputed;
        sg_matrix_free(num);
    }
    size_t col = nnum;
    for (size_t ci = 0; ci < e->ncat; ci++) {
        if (apply_categorical(t, e, ci, m, col, &rep, err)) {
            sg_matrix_free(m);
            return NULL;
        }
        col += e->nlevels[ci] + (size_t)e->has_other[ci];
    }
    if (report)
        *report = rep;
    return m;
}

/* ---------------------------------------------------------------- JSON */

cJSON *sg_encoder_to_json(const sg_encoder *e)
{
    cJSON *o = cJSON_CreateObject(), *cats = NULL, *names = NULL;
    if (!o)
        return NULL;
    cJSON *num = e->numeric ? sg_scaling_to_json(e->numeric) : cJSON_CreateNull();
    if (!num || !cJSON_AddItemToObject(o, "numeric", num)) {
        cJSON_Delete(num);
        goto fail;
    }
    if (!(cats = cJSON_AddArrayToObject(o, "categorical")))
        goto fail;
    for (size_t c = 0; c < e->ncat; c++) {
        cJSON *x = cJSON_CreateObject(), *lv;
        if (!x || !cJSON_AddItemToArray(cats, x)) {
            cJSON_Delete(x);
            goto fail;
        }
        if (!cJSON_AddStringToObject(x, "name", e->cat_names[c])
            || !(lv = cJSON_CreateStringArray((const char *const *)e->levels[c], (int)e->nlevels[c]))
            || !cJSON_AddItemToObject(x, "levels", lv) || !cJSON_AddBoolToObject(x, "other", e->has_other[c]))
            goto fail;
    }
    names = cJSON_CreateStringArray((const char *const *)e->feature_names, (int)e->nfeat);
    if (!names || !cJSON_AddItemToObject(o, "features", names)) {
        cJSON_Delete(names);
        goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

sg_encoder *sg_encoder_from_json(const cJSON *j, sg_error *err)
{
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(j, "numeric");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(j, "categorical");
    if (!cJSON_IsObject(j) || !num || !cJSON_IsArray(cats)) {
        sg_error_set(err, SG_EDATA, "encoder: \"numeric\" and \"categorical\" are required");
        return NULL;
    }
    size_t ncat = (size_t)cJSON_GetArraySize(cats);
    sg_encoder *e = encoder_alloc(ncat);
    if (!e) {
        sg_error_nomem(err);
        return NULL;
    }
    if (!cJSON_IsNull(num) && !(e->numeric = sg_scaling_from_json(num, err)))
        goto fail;
    const cJSON *x;
    cJSON_ArrayForEach(x, cats) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(x, "name");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(x, "levels");
        const cJSON *other = cJSON_GetObjectItemCaseSensitive(x, "other");
        size_t c = e->ncat;
        if (!cJSON_IsString(name) || !cJSON_IsArray(lv) || !cJSON_IsBool(other)) {
            sg_error_set(err, SG_EDATA, "encoder: categorical column %zu needs \"name\", \"levels\" "
                         "and \"other\"", c + 1);
            goto fail;
        }
        if (!(e->cat_names[c] = sg_strdup(name->valuestring)))
            goto oom;
        e->ncat++;
        size_t nl = (size_t)cJSON_GetArraySize(lv);
        if (!(e->levels[c] = sg_calloc(nl ? nl : 1, sizeof(char *))))
            goto oom;
        const cJSON *l;
        cJSON_ArrayForEach(l, lv) {
            if (!cJSON_IsString(l)) {
                sg_error_set(err, SG_EDATA, "encoder: the levels of '%s' must be strings", name->valuestring);
                goto fail;
            }
            for (size_t k = 0; k < e->nlevels[c]; k++)   /* apply needs distinct levels */
                if (strcmp(e->levels[c][k], l->valuestring) == 0) {
                    sg_error_set(err, SG_EDATA, "encoder: level '%s' of '%s' is listed twice",
                                 l->valuestring, name->valuestring);
                    goto fail;
                }
            if (!(e->levels[c][e->nlevels[c]] = sg_strdup(l->valuestring)))
                goto oom;
            e->nlevels[c]++;
        }
        e->has_other[c] = cJSON_IsTrue(other);
    }
    if (name_features(e))
        goto oom;
    if (e->nfeat == 0) {
        sg_error_set(err, SG_EDATA, "encoder: no feature");
        goto fail;
    }
    return e;
oom:
    sg_error_nomem(err);
fail:
    sg_encoder_free(e);
    return NULL;
}

size_t sg_encoder_groups(const sg_encoder *enc, size_t *group_of, const char **names)
{
    size_t ng = 0;
    for (size_t j = 0; j < enc->nfeat; j++) {
        size_t g = 0;
        while (g < ng && strcmp(names[g], enc->source[j]) != 0)
            g++;
        if (g == ng)
            names[ng++] = enc->source[j];
        group_of[j] = g;
    }
    return ng;
}

int sg_encoder_group_sums(const sg_encoder *enc, const sg_matrix *C, sg_matrix **out, sg_error *err)
{
    *out = NULL;
    size_t p = enc->nfeat;
    if (C->cols < p)
        return sg_error_set(err, SG_EINVAL, "encoder: %zu contributions for %zu features", C->cols, p);
    size_t *group_of = sg_malloc((p ? p : 1) * sizeof *group_of);
    const char **names = sg_malloc((p ? p : 1) * sizeof *names);
    if (!group_of || !names) {
        sg_free(group_of);
        sg_free(names);
        return sg_error_nomem(err);
    }
    size_t ng = sg_encoder_groups(enc, group_of, names);
    sg_matrix *m = sg_matrix_new(C->rows, ng ? ng : 1);
    if (!m) {
        sg_free(group_of);
        sg_free(names);
        return sg_error_nomem(err);
    }
    for (size_t i = 0; i < C->rows; i++) {
        const double *c = sg_matrix_row(C, i);
        double *o = sg_matrix_row(m, i);
        for (size_t g = 0; g < ng; g++)
            o[g] = 0.0;
        for (size_t j = 0; j < p; j++)
            o[group_of[j]] += c[j];
    }
    m->cols = ng;
    sg_free(group_of);
    sg_free(names);
    *out = m;
    return 0;
}
