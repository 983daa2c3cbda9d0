/* Column statistics: summary figures, type 7 quantiles, distinct counts
 * and the describe table.  NaN values of double columns count as missing
 * here, like the missing bit, so figures never turn NaN by accident. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "mem.h"
#include "stats.h"
#include "opsutil.h"

/* The non-missing values of c as doubles (caller frees); *count gets how
 * many.  NULL only when out of memory. */
static double *gather_values(const sg_column *c, size_t *count)
{
    double *v = sg_malloc((c->n ? c->n : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (sg_column_is_na(c, i))
            continue;
        double x;
        switch (c->type) {
        case SG_INT64: case SG_DATETIME: x = (double)sg_column_i64(c)[i]; break;
        case SG_DOUBLE:
            x = sg_column_f64(c)[i];
            if (isnan(x))
                continue;
            break;
        case SG_BOOL: x = sg_column_bools(c)[i]; break;
        default: x = NAN; break;
        }
        v[m++] = x;
    }
    *count = m;
    return v;
}

static int need_numeric(const sg_column *c, const char *what, sg_error *err)
{
    if (sg_type_is_numeric(c->type))
        return 0;
    return sg_error_set(err, SG_EINVAL, "%s: column '%s' is a %s; it needs a number, a datetime or a bool",
                        what, c->name, sg_type_name(c->type));
}

/* One step of Neumaier's compensated summation: the sum is *s + *comp. */
static inline void neumaier_add(double *s, double *comp, double x)
{
    double t = *s + x;
    *comp += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

double sg_column_sum_f64(const sg_column *c)
{
    double s = 0, comp = 0;
    const double *v = sg_column_f64(c);
    for (size_t i = 0; i < c->n; i++)
        if (!sg_column_is_na(c, i) && !isnan(v[i]))
            neumaier_add(&s, &comp, v[i]);
    return s + comp;
}

int sg_column_stats(const sg_column *c, sg_stats *out, sg_error *err)
{
    if (need_numeric(c, "stats", err))
        return SG_EINVAL;
    size_t m;
    double *v = gather_values(c, &m);
    if (!v)
        return sg_error_nomem(err);
    out->count = m;
    out->missing = c->n - m;
    out->sum = out->mean = out->sd = out->min = out->max = NAN;
    out->q25 = out->median = out->q75 = NAN;
    if (m > 0) {
        /* Neumaier summation, then a second pass for the deviations */
        double s = 0, comp = 0, lo = v[0], hi = v[0];
        for (size_t i = 0; i < m; i++) {
            double x = v[i];
            neumaier_add(&s, &comp, x);
            if (x < lo)
                lo = x;
            if (x > hi)
                hi = x;
        }
        out->sum = s + comp;
        out->mean = out->sum / (double)m;
        out->min = lo;
        out->max = hi;
        if (m > 1) {
            double ss = 0;
            for (size_t i = 0; i < m; i++)
                ss += (v[i] - out->mean) * (v[i] - out->mean);
            out->sd = sqrt(ss / (double)(m - 1));
        }
        static const double probs[3] = { 0.25, 0.5, 0.75 };
        double q[3];
        sg_ops_quantiles(v, m, probs, 3, q);
        out->q25 = q[0];
        out->median = q[1];
        out->q75 = q[2];
    }
    sg_free(v);
    return 0;
}

int sg_column_quantiles(const sg_column *c, const double *probs, size_t np,
                        double *out, sg_error *err)
{
    if (need_numeric(c, "quantiles", err))
        return SG_EINVAL;
    for (size_t k = 0; k < np; k++)
        if (!(probs[k] >= 0 && probs[k] <= 1))
            return sg_error_set(err, SG_EINVAL, "quantiles of '%s': probability %g is not between 0 and 1",
                                c->name, probs[k]);
    size_t m;
    double *v = gather_values(c, &m);
    if (!v)
        return sg_error_nomem(err);
    sg_ops_quantiles(v, m, probs, np, out);
    sg_free(v);
    return 0;
}

/* Returns SIZE_MAX when out of memory (the signature has no error slot). */
size_t sg_column_count_distinct(const sg_column *c)
{
    size_t k = 0;
    if (c->type == SG_STRING) {
        /* the dictionary may hold codes no row uses any more */
        size_t nd = sg_dict_size(c->dict);
        uint8_t *seen = sg_calloc(nd ? nd : 1, 1);
        if (!seen)
            return SIZE_MAX;
        const int32_t *codes = sg_column_codes(c);
        for (size_t i = 0; i < c->n; i++)
            if (!sg_column_is_na(c, i) && !seen[codes[i]]) {
                seen[codes[i]] = 1;
                k++;
            }
        sg_free(seen);
        return k;
    }
    if (c->type == SG_BOOL) {
        int seen[2] = { 0, 0 };
        for (size_t i = 0; i < c->n; i++)
            if (!sg_column_is_na(c, i))
                seen[sg_column_bools(c)[i] & 1] = 1;
        return (size_t)(seen[0] + seen[1]);
    }
    sg_u64set set = { 0 };
    for (size_t i = 0; i < c->n; i++) {
        if (sg_ops_missing(c, i))
            continue;
        uint64_t bits = c->type == SG_DOUBLE ? sg_f64_bits(sg_column_f64(c)[i])
                                             : (uint64_t)sg_column_i64(c)[i];
        if (sg_u64set_add(&set, bits) != 0) {
            sg_u64set_free(&set);
            return SIZE_MAX;
        }
    }
    k = set.n;
    sg_u64set_free(&set);
    return k;
}

/* ---- describe ---- */

/* Shortest %g form that reads back exactly (as the table formatter does). */
static void format_double(double v, char *buf, size_t size)
{
    for (int prec = 15; prec <= 17; prec++) {
        int k = snprintf(buf, size, "%.*g", prec, v);
        if (k > 0 && (size_t)k < size && strtod(buf, NULL) == v)
            return;
    }
}

/* A quantile as text, as the column would print it: datetimes stay
 * datetimes (to the nearest second), integral doubles of a double column
 * keep a ".0" like sg_column_format. */
static void format_figure(const sg_column *c, double v, char *buf, size_t size)
{
    if (c->type == SG_DATETIME) {
        int64_t t = (int64_t)llround(v);
        sg_datetime_format(t, c->date_only && t % 86400 == 0, buf, size);
        return;
    }
    format_double(v, buf, size);
    if (c->type == SG_DOUBLE && !strpbrk(buf, ".eEnN") && strlen(buf) + 3 <= size)
        strcat(buf, ".0");
}

enum { D_COLUMN, D_TYPE, D_COUNT, D_MISSING, D_DISTINCT, D_MEAN, D_SD, D_MIN, D_Q25,
       D_MEDIAN, D_Q75, D_MAX, D_MIN_TEXT, D_Q25_TEXT, D_MEDIAN_TEXT, D_Q75_TEXT,
       D_MAX_TEXT, D_NCOLS };

static const struct { const char *name; sg_type type; } describe_cols[D_NCOLS] = {
    { "column", SG_STRING }, { "type", SG_STRING }, { "count", SG_INT64 },
    { "missing", SG_INT64 }, { "distinct", SG_INT64 }, { "mean", SG_DOUBLE },
    { "sd", SG_DOUBLE }, { "min", SG_DOUBLE }, { "q25", SG_DOUBLE },
    { "median", SG_DOUBLE }, { "q75", SG_DOUBLE }, { "max", SG_DOUBLE },
    { "min_text", SG_STRING }, { "q25_text", SG_STRING }, { "median_text", SG_STRING },
    { "q75_text", SG_STRING }, { "max_text", SG_STRING },
};

static int push_f64_or_na(sg_column *o, double v)
{
    return isnan(v) ? sg_column_push_na(o) : sg_column_push_f64(o, v);
}

static int push_text(sg_column *o, const char *s)
{
    return s ? sg_column_push_str(o, s, strlen(s)) : sg_column_push_na(o);
}

/* Rows holding the smallest and largest value (first of ties); SIZE_MAX
 * when no value.  -1 when out of memory. */
static int extreme_rows(const sg_column *c, size_t *lo_row, size_t *hi_row)
{
    uint32_t *rank = NULL;
    if (c->type == SG_STRING && !(rank = sg_ops_dict_ranks(c->dict)))
        return -1;
    uint64_t lo = 0, hi = 0;
    *lo_row = *hi_row = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        if (sg_ops_missing(c, i))
            continue;
        uint64_t k = sg_ops_order_key(c, i, rank);
        if (*lo_row == SIZE_MAX || k < lo) {
            lo = k;
            *lo_row = i;
        }
        if (*hi_row == SIZE_MAX || k > hi) {
            hi = k;
            *hi_row = i;
        }
    }
    sg_free(rank);
    return 0;
}

/* Appends the row describing c to the output columns. */
static int describe_one(sg_column **o, const sg_column *c, sg_error *err)
{
    sg_stats st = { 0 };
    st.mean = st.sd = st.min = st.q25 = st.median = st.q75 = st.max = NAN;
    size_t count = 0, missing;
    if (sg_type_is_numeric(c->type)) {
        int rc = sg_column_stats(c, &st, err);
        if (rc)
            return rc;
        count = st.count;
    } else {
        for (size_t i = 0; i < c->n; i++)
            count += !sg_column_is_na(c, i);
    }
    missing = c->n - count;
    size_t distinct = sg_column_count_distinct(c);
    size_t lo_row, hi_row;
    if (distinct == SIZE_MAX || extreme_rows(c, &lo_row, &hi_row) != 0)
        return sg_error_nomem(err);

    char lo_text[64], hi_text[64], q_text[3][64];
    if (lo_row != SIZE_MAX) {
        sg_column_format(c, lo_row, lo_text, sizeof lo_text);
        sg_column_format(c, hi_row, hi_text, sizeof hi_text);
    }
    const double qs[3] = { st.q25, st.median, st.q75 };
    for (int k = 0; k < 3; k++)
        if (!isnan(qs[k]))
            format_figure(c, qs[k], q_text[k], sizeof q_text[k]);

    int rc = 0;
    rc |= sg_column_push_str(o[D_COLUMN], c->name, strlen(c->name));
    rc |= push_text(o[D_TYPE], sg_type_name(c->type));
    rc |= sg_column_push_i64(o[D_COUNT], (int64_t)count);
    rc |= sg_column_push_i64(o[D_MISSING], (int64_t)missing);
    rc |= sg_column_push_i64(o[D_DISTINCT], (int64_t)distinct);
    rc |= push_f64_or_na(o[D_MEAN], st.mean);
    rc |= push_f64_or_na(o[D_SD], st.sd);
    rc |= push_f64_or_na(o[D_MIN], st.min);
    rc |= push_f64_or_na(o[D_Q25], st.q25);
    rc |= push_f64_or_na(o[D_MEDIAN], st.median);
    rc |= push_f64_or_na(o[D_Q75], st.q75);
    rc |= push_f64_or_na(o[D_MAX], st.max);
    rc |= push_text(o[D_MIN_TEXT], lo_row != SIZE_MAX ? lo_text : NULL);
    for (int k = 0; k < 3; k++)
        rc |= push_text(o[D_Q25_TEXT + k], !isnan(qs[k]) ? q_text[k] : NULL);
    rc |= push_text(o[D_MAX_TEXT], hi_row != SIZE_MAX ? hi_text : NULL);
    return rc ? sg_error_nomem(err) : 0;
}

sg_table *sg_table_describe(const sg_table *t, sg_error *err)
{
    sg_column *o[D_NCOLS] = { 0 };
    sg_table *out = NULL;
    for (int k = 0; k < D_NCOLS; k++)
        if (!(o[k] = sg_column_new(describe_cols[k].name, describe_cols[k].type, t->ncols))) {
            sg_error_nomem(err);
            goto fail;
        }
    for (size_t j = 0; j < t->ncols; j++)
        if (describe_one(o, t->cols[j], err) != 0)
            goto fail;
    if (!(out = sg_table_new())) {
        sg_error_nomem(err);
        goto fail;
    }
    for (int k = 0; k < D_NCOLS; k++) {
        sg_column *c = o[k];
        o[k] = NULL;
        if (sg_table_add(out, c, err) != 0)
            goto fail;
    }
    return out;
fail:
    for (int k = 0; k < D_NCOLS; k++)
        sg_column_release(o[k]);
    sg_table_free(out);
    return NULL;
}
