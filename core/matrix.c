/* Dense matrices from dataset columns, with fitted per-column transforms
 * (log1p, missing-value policy, scaling) that can be re-applied to new
 * data, and their JSON form.
 *
 * Both sg_matrix_fit and sg_matrix_apply go through the same pipeline:
 *   1. resolve the columns by name (numeric only),
 *   2. read them column-major as doubles (datetime -> days since the
 *      epoch, bool -> 0/1, missing or NaN -> NaN), applying log1p,
 *   3. keep or impute rows according to the missing policy,
 *   4. write (x - center) / scale row-major.
 * Fit computes the medians and the center/scale between steps 2 and 4;
 * apply takes them from the scaling.  Sharing steps 2-4 is what makes
 * applying a scaling to its own training table reproduce the fitted
 * matrix bit for bit. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "matrix.h"
#include "jsonfile.h"
#include "mem.h"
#include "opsutil.h"

/* ---- matrices ---- */

sg_matrix *sg_matrix_new(size_t rows, size_t cols)
{
    if (cols && rows > SIZE_MAX / sizeof(double) / cols)
        return NULL;
    sg_matrix *m = sg_malloc(sizeof *m);
    if (!m)
        return NULL;
    size_t n = rows * cols;
    m->rows = rows;
    m->cols = cols;
    m->data = sg_calloc(n ? n : 1, sizeof *m->data);
    if (!m->data) {
        sg_free(m);
        return NULL;
    }
    return m;
}

void sg_matrix_free(sg_matrix *m)
{
    if (!m)
        return;
    sg_free(m->data);
    sg_free(m);
}

sg_matrix *sg_matrix_copy(const sg_matrix *m)
{
    if (!m)
        return NULL;
    sg_matrix *c = sg_matrix_new(m->rows, m->cols);
    if (c && m->rows && m->cols)
        memcpy(c->data, m->data, m->rows * m->cols * sizeof *m->data);
    return c;
}

/* ---- names ---- */

static const char *const scale_names[] = { "none", "standard", "robust", "minmax" };
#define NSCALE (sizeof scale_names / sizeof scale_names[0])

int sg_scale_kind_parse(const char *name, sg_scale_kind *out)
{
    if (!name)
        return -1;
    for (size_t k = 0; k < NSCALE; k++)
        if (strcmp(name, scale_names[k]) == 0) {
            *out = (sg_scale_kind)k;
            return 0;
        }
    return -1;
}

const char *sg_scale_kind_name(sg_scale_kind k)
{
    return (unsigned)k < NSCALE ? scale_names[k] : "?";
}

static const char *missing_name(sg_missing_policy p)
{
    return p == SG_MISSING_MEDIAN ? "median" : "drop";
}

/* ---- scalings ---- */

void sg_scaling_free(sg_scaling *s)
{
    if (!s)
        return;
    if (s->names)
        for (size_t j = 0; j < s->cols; j++)
            sg_free(s->names[j]);
    sg_free(s->names);
    sg_free(s->log1p);
    sg_free(s->kind);
    sg_free(s->center);
    sg_free(s->scale);
    sg_free(s->impute);
    sg_free(s);
}

/* A scaling of `cols` columns, every field zeroed (names NULL). */
static sg_scaling *scaling_alloc(size_t cols)
{
    sg_scaling *s = sg_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cols = cols;
    s->names = sg_calloc(cols, sizeof *s->names);
    s->log1p = sg_calloc(cols, sizeof *s->log1p);
    s->kind = sg_calloc(cols, sizeof *s->kind);
    s->center = sg_calloc(cols, sizeof *s->center);
    s->scale = sg_calloc(cols, sizeof *s->scale);
    s->impute = sg_calloc(cols, sizeof *s->impute);
    if (!s->names || !s->log1p || !s->kind || !s->center || !s->scale || !s->impute) {
        sg_scaling_free(s);
        return NULL;
    }
    return s;
}

/* ---- the shared pipeline ---- */

/* Finds every column; numeric types only. */
static int resolve(const sg_table *t, const char *const *names, size_t ncols,
                   const sg_column **cols, sg_error *err)
{
    for (size_t j = 0; j < ncols; j++) {
        if (!names[j])
            return sg_error_set(err, SG_EINVAL, "matrix: column %zu has no name", j + 1);
        const sg_column *c = sg_table_col(t, names[j]);
        if (!c)
            return sg_error_set(err, SG_EINVAL, "matrix: no column '%s' in the table", names[j]);
        if (!sg_type_is_numeric(c->type))
            return sg_error_set(err, SG_EINVAL,
                                "matrix: column '%s' is a %s; a matrix needs numbers, datetimes or bools",
                                names[j], sg_type_name(c->type));
        cols[j] = c;
    }
    return 0;
}

/* Reads column c into v[0..n): NaN when missing; datetimes as days since
 * the epoch, bools as 0/1; log1p when asked.  Refuses values log1p cannot
 * take and infinite values, naming the column and the (1-based) row. */
static int read_column(const sg_column *c, size_t n, int use_log1p, double *v, sg_error *err)
{
    for (size_t i = 0; i < n; i++) {
        double x;
        if (sg_column_is_na(c, i)) {
            v[i] = NAN;
            continue;
        }
        switch (c->type) {
        case SG_INT64: x = (double)sg_column_i64(c)[i]; break;
        case SG_DATETIME: x = (double)sg_column_i64(c)[i] / 86400.0; break;
        case SG_DOUBLE: x = sg_column_f64(c)[i]; break;
        case SG_BOOL: x = sg_column_bools(c)[i] ? 1.0 : 0.0; break;
        default: x = NAN; break;
        }
        if (isnan(x)) {          /* a NaN double counts as missing, as in ops */
            v[i] = NAN;
            continue;
        }
        if (isinf(x))
            return sg_error_set(err, SG_EDATA, "matrix: column '%s', row %zu: value %g is not finite",
                                c->name, i + 1, x);
        if (use_log1p) {
            if (x <= -1)
                return sg_error_set(err, SG_EDATA,
                                    "matrix: column '%s', row %zu: log1p needs values > -1, got %.17g",
                                    c->name, i + 1, x);
            x = log1p(x);
        }
        v[i] = x;
    }
    return 0;
}

/* Median of the non-NaN values of v[0..n) (NaN when none); tmp has room
 * for n values. */
static double median_of(const double *v, size_t n, double *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            tmp[m++] = v[i];
    double p = 0.5, q;
    sg_ops_quantiles(tmp, m, &p, 1, &q);
    return q;
}

/* Step 3: decides the rows (kept[0..*nkept)) and fills missing values in
 * v (column-major, n rows) with impute[j] under SG_MISSING_MEDIAN. */
static int select_rows(double *v, size_t n, size_t ncols, const char *const *names,
                       sg_missing_policy policy, const double *impute, size_t *kept,
                       size_t *nkept, sg_matrix_report *rep, sg_error *err)
{
    size_t k = 0;
    if (policy == SG_MISSING_MEDIAN) {
        for (size_t j = 0; j < ncols; j++) {
            double *col = v + j * n;
            for (size_t i = 0; i < n; i++) {
                if (!isnan(col[i]))
                    continue;
                if (isnan(impute[j]))
                    return sg_error_set(err, SG_EDATA,
                                        "matrix: column '%s' has no value at all, so no median to impute",
                                        names[j]);
                col[i] = impute[j];
                rep->values_imputed++;
            }
        }
        for (size_t i = 0; i < n; i++)
            kept[k++] = i;
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < ncols && !isnan(v[j * n + i]))
                j++;
            if (j == ncols)
                kept[k++] = i;
            else
                rep->rows_dropped++;
        }
    }
    *nkept = k;
    return 0;
}

/* Step 4. */
static sg_matrix *build(const double *v, size_t n, size_t ncols, const size_t *kept, size_t nkept,
                        const double *center, const double *scale)
{
    sg_matrix *m = sg_matrix_new(nkept, ncols);
    if (!m)
        return NULL;
    for (size_t i = 0; i < nkept; i++) {
        double *row = m->data + i * ncols;
        for (size_t j = 0; j < ncols; j++)
            row[j] = (v[j * n + kept[i]] - center[j]) / scale[j];
    }
    return m;
}

/* Center and scale of x[0..n) (n >= 1; x is reordered for robust). */
static void fit_column(sg_scale_kind kind, double *x, size_t n, double *center, double *scale)
{
    double c = 0, s = 1;
    switch (kind) {
    case SG_SCALE_NONE:
        break;
    case SG_SCALE_STANDARD: {
        double sum = 0, ss = 0, corr = 0;
        int constant = 1;
        for (size_t i = 0; i < n; i++) {
            sum += x[i];
            constant &= x[i] == x[0];
        }
        if (constant) {   /* exactly: the rounded mean of equal values may differ from them */
            c = x[0];
            break;
        }
        c = sum / (double)n;
        for (size_t i = 0; i < n; i++) {   /* two-pass, with the rounding correction */
            double d = x[i] - c;
            ss += d * d;
            corr += d;
        }
        s = sqrt((ss - corr * corr / (double)n) / (double)n);
        break;
    }
    case SG_SCALE_ROBUST: {
        double p[3] = { 0.25, 0.5, 0.75 }, q[3];
        sg_ops_quantiles(x, n, p, 3, q);
        c = q[1];
        s = q[2] - q[0];
        break;
    }
    case SG_SCALE_MINMAX: {
        double lo = x[0], hi = x[0];
        for (size_t i = 1; i < n; i++) {
            if (x[i] < lo)
                lo = x[i];
            if (x[i] > hi)
                hi = x[i];
        }
        c = lo;
        s = hi - lo;
        break;
    }
    }
    if (!(s > 0) || !isfinite(s))   /* zero spread (or a degenerate one): divide by 1 */
        s = 1;
    *center = c;
    *scale = s;
}

/* Everything both entry points allocate. */
typedef struct work {
    const sg_column **cols;
    double *v;          /* column-major, nrows per column */
    size_t *kept;
    double *tmp;
} work;

static void work_free(work *w)
{
    sg_free(w->cols);
    sg_free(w->v);
    sg_free(w->kept);
    sg_free(w->tmp);
}

/* Steps 1-2 (and the buffers for 3). */
static int work_load(work *w, const sg_table *t, const char *const *names, size_t ncols,
                     const int *log1p, sg_error *err)
{
    size_t n = t->nrows;
    memset(w, 0, sizeof *w);
    if (ncols == 0)
        return sg_error_set(err, SG_EINVAL, "matrix: no column given");
    if (n && ncols > SIZE_MAX / sizeof(double) / n)
        return sg_error_nomem(err);
    w->cols = sg_calloc(ncols, sizeof *w->cols);
    w->v = sg_malloc((n && ncols ? n * ncols : 1) * sizeof *w->v);
    w->kept = sg_malloc((n ? n : 1) * sizeof *w->kept);
    w->tmp = sg_malloc((n ? n : 1) * sizeof *w->tmp);
    if (!w->cols || !w->v || !w->kept || !w->tmp)
        return sg_error_nomem(err);
    int rc = resolve(t, names, ncols, w->cols, err);
    for (size_t j = 0; rc == 0 && j < ncols; j++)
        rc = read_column(w->cols[j], n, log1p && log1p[j], w->v + j * n, err);
    return rc;
}

/* Hands kept rows to the caller (when asked) as an exact-size array. */
static int give_rows(work *w, size_t nkept, size_t **rows_kept, sg_error *err)
{
    if (!rows_kept)
        return 0;
    size_t *r = sg_realloc(w->kept, (nkept ? nkept : 1) * sizeof *r);
    if (!r)
        return sg_error_nomem(err);
    w->kept = NULL;
    *rows_kept = r;
    return 0;
}

sg_matrix *sg_matrix_fit(const sg_table *t, const sg_matrix_spec *spec, sg_scaling **scaling,
                         size_t **rows_kept, sg_matrix_report *report, sg_error *err)
{
    sg_matrix_report rep = { 0, 0, 0, 0 };
    work w;
    sg_scaling *s = NULL;
    sg_matrix *m = NULL;
    if (scaling)
        *scaling = NULL;
    if (rows_kept)
        *rows_kept = NULL;
    if (report)
        *report = rep;
    if (!t || !spec || !scaling) {
        sg_error_set(err, SG_EINVAL, "matrix: table, spec and scaling are required");
        return NULL;
    }
    if (spec->missing != SG_MISSING_DROP && spec->missing != SG_MISSING_MEDIAN) {
        sg_error_set(err, SG_EINVAL, "matrix: unknown missing-value policy %d", (int)spec->missing);
        return NULL;
    }
    for (size_t j = 0; spec->kind && j < spec->ncols; j++)
        if ((unsigned)spec->kind[j] >= NSCALE) {
            sg_error_set(err, SG_EINVAL, "matrix: column '%s': unknown scale kind %d",
                         spec->columns[j] ? spec->columns[j] : "?", (int)spec->kind[j]);
            return NULL;
        }
    size_t n = t->nrows, nc = spec->ncols, nkept = 0;
    if (work_load(&w, t, spec->columns, nc, spec->log1p, err))
        goto fail;
    if (!(s = scaling_alloc(nc))) {
        sg_error_nomem(err);
        goto fail;
    }
    s->missing = spec->missing;
    for (size_t j = 0; j < nc; j++) {
        if (!(s->names[j] = sg_strdup(spec->columns[j]))) {
            sg_error_nomem(err);
            goto fail;
        }
        s->log1p[j] = spec->log1p && spec->log1p[j] ? 1 : 0;
        s->kind[j] = spec->kind ? spec->kind[j] : SG_SCALE_NONE;
        /* the median of all the column's present (log1p'd) values */
        s->impute[j] = median_of(w.v + j * n, n, w.tmp);
    }
    rep.rows_in = n;
    if (select_rows(w.v, n, nc, spec->columns, s->missing, s->impute, w.kept, &nkept, &rep, err))
        goto fail;
    if (nkept == 0) {
        if (n == 0)
            sg_error_set(err, SG_EDATA, "matrix: the table has no row");
        else
            sg_error_set(err, SG_EDATA,
                         "matrix: no row left: each of the %zu rows has a missing value "
                         "(use the median policy to impute them)", n);
        goto fail;
    }
    for (size_t j = 0; j < nc; j++) {
        for (size_t i = 0; i < nkept; i++)
            w.tmp[i] = w.v[j * n + w.kept[i]];
        fit_column(s->kind[j], w.tmp, nkept, &s->center[j], &s->scale[j]);
    }
    rep.rows_out = nkept;
    if (!(m = build(w.v, n, nc, w.kept, nkept, s->center, s->scale))) {
        sg_error_nomem(err);
        goto fail;
    }
    if (give_rows(&w, nkept, rows_kept, err))
        goto fail;
    work_free(&w);
    *scaling = s;
    if (report)
        *report = rep;
    return m;
fail:
    work_free(&w);
    sg_scaling_free(s);
    sg_matrix_free(m);
    return NULL;
}

sg_matrix *sg_matrix_apply(const sg_table *t, const sg_scaling *s, size_t **rows_kept,
                           sg_matrix_report *report, sg_error *err)
{
    sg_matrix_report rep = { 0, 0, 0, 0 };
    work w;
    sg_matrix *m = NULL;
    if (rows_kept)
        *rows_kept = NULL;
    if (report)
        *report = rep;
    if (!t || !s) {
        sg_error_set(err, SG_EINVAL, "matrix: table and scaling are required");
        return NULL;
    }
    size_t n = t->nrows, nc = s->cols, nkept = 0;
    if (work_load(&w, t, (const char *const *)s->names, nc, s->log1p, err))
        goto fail;
    rep.rows_in = n;
    if (select_rows(w.v, n, nc, (const char *const *)s->names, s->missing, s->impute, w.kept,
                    &nkept, &rep, err))
        goto fail;
    /* no "no row left" error here: scoring an empty batch gives an empty matrix */
    rep.rows_out = nkept;
    if (!(m = build(w.v, n, nc, w.kept, nkept, s->center, s->scale))) {
        sg_error_nomem(err);
        goto fail;
    }
    if (give_rows(&w, nkept, rows_kept, err))
        goto fail;
    work_free(&w);
    if (report)
        *report = rep;
    return m;
fail:
    work_free(&w);
    sg_matrix_free(m);
    return NULL;
}

/* ---- JSON ---- */

cJSON *sg_scaling_to_json(const sg_scaling *s)
{
    if (!s)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *cols = root ? cJSON_AddArrayToObject(root, "columns") : NULL;
    if (!cols)
        goto fail;
    for (size_t j = 0; j < s->cols; j++) {
        cJSON *c = cJSON_CreateObject();
        if (!c)
            goto fail;
        cJSON_AddItemToArray(cols, c);
        if (!cJSON_AddStringToObject(c, "name", s->names[j])
            || !cJSON_AddBoolToObject(c, "log1p", s->log1p[j] != 0)
            || !cJSON_AddStringToObject(c, "scale", sg_scale_kind_name(s->kind[j]))
            || !sg_json_add_exact(c, "center", s->center[j])
            || !sg_json_add_exact(c, "scale_by", s->scale[j])
            || !sg_json_add_exact(c, "impute", s->impute[j]))
            goto fail;
    }
    if (!cJSON_AddStringToObject(root, "missing", missing_name(s->missing)))
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

/* Field `key` of columns[j] as a finite number. */
static int json_number(const cJSON *c, size_t j, const char *key, double *out, sg_error *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, key);
    if (!f)
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu]: field '%s' is missing", j + 1, key);
    if (!sg_json_number(f, out))
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu]: field '%s' must be a finite number",
                            j + 1, key);
    return 0;
}

/* Field `key` of columns[j] as a string. */
static int json_string(const cJSON *c, size_t j, const char *key, const char **out, sg_error *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, key);
    if (!f)
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu]: field '%s' is missing", j + 1, key);
    if (!cJSON_IsString(f) || !f->valuestring)
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu]: field '%s' must be a string", j + 1, key);
    *out = f->valuestring;
    return 0;
}

static int json_column(const cJSON *c, size_t j, sg_scaling *s, sg_error *err)
{
    const char *name = NULL, *kind = NULL;
    if (!cJSON_IsObject(c))
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu] must be an object", j + 1);
    if (json_string(c, j, "name", &name, err))
        return SG_EINVAL;
    if (!*name)
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu]: field 'name' is empty", j + 1);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(c, "log1p");
    if (!l)
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu] ('%s'): field 'log1p' is missing",
                            j + 1, name);
    if (!cJSON_IsBool(l))
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu] ('%s'): field 'log1p' must be true or false",
                            j + 1, name);
    s->log1p[j] = cJSON_IsTrue(l) ? 1 : 0;
    if (json_string(c, j, "scale", &kind, err))
        return SG_EINVAL;
    if (sg_scale_kind_parse(kind, &s->kind[j]))
        return sg_error_set(err, SG_EINVAL,
                            "scaling JSON: columns[%zu] ('%s'): unknown scale kind '%s' "
                            "(expected none, standard, robust or minmax)", j + 1, name, kind);
    if (json_number(c, j, "center", &s->center[j], err) || json_number(c, j, "scale_by", &s->scale[j], err)
        || json_number(c, j, "impute", &s->impute[j], err))
        return SG_EINVAL;
    if (!(s->scale[j] > 0))
        return sg_error_set(err, SG_EINVAL, "scaling JSON: columns[%zu] ('%s'): 'scale_by' must be > 0, got %g",
                            j + 1, name, s->scale[j]);
    if (!(s->names[j] = sg_strdup(name)))
        return sg_error_nomem(err);
    return 0;
}

sg_scaling *sg_scaling_from_json(const cJSON *j, sg_error *err)
{
    if (!cJSON_IsObject(j)) {
        sg_error_set(err, SG_EINVAL, "scaling JSON: expected an object");
        return NULL;
    }
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(j, "columns");
    const cJSON *miss = cJSON_GetObjectItemCaseSensitive(j, "missing");
    if (!cols) {
        sg_error_set(err, SG_EINVAL, "scaling JSON: field 'columns' is missing");
        return NULL;
    }
    if (!cJSON_IsArray(cols) || cJSON_GetArraySize(cols) < 1) {
        sg_error_set(err, SG_EINVAL, "scaling JSON: field 'columns' must be a non-empty array");
        return NULL;
    }
    if (!miss) {
        sg_error_set(err, SG_EINVAL, "scaling JSON: field 'missing' is missing");
        return NULL;
    }
    sg_missing_policy policy;
    if (cJSON_IsString(miss) && miss->valuestring && strcmp(miss->valuestring, "drop") == 0)
        policy = SG_MISSING_DROP;
    else if (cJSON_IsString(miss) && miss->valuestring && strcmp(miss->valuestring, "median") == 0)
        policy = SG_MISSING_MEDIAN;
    else {
        sg_error_set(err, SG_EINVAL, "scaling JSON: field 'missing' must be \"drop\" or \"median\"");
        return NULL;
    }
    sg_scaling *s = scaling_alloc((size_t)cJSON_GetArraySize(cols));
    if (!s) {
        sg_error_nomem(err);
        return NULL;
    }
    s->missing = policy;
    size_t k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cols) {
        if (json_column(c, k, s, err)) {
            sg_scaling_free(s);
            return NULL;
        }
        k++;
    }
    return s;
}
