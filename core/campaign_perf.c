/* Campaign performance over any grouping: sums by the group-by (one pass
 * per measure), then the ratios of those sums per group.  Ratios are never
 * averaged over rows: a group's CTR is its clicks over its impressions, so
 * totals (no grouping) are consistent with the rows they sum.  A measure
 * missing on any row of a group makes that group's sum missing (a partial
 * sum would pass for a complete one), and a ratio is missing when a term is
 * missing or its denominator is zero: never infinite, never NaN. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "keymap.h"
#include "mem.h"
#include "groupby.h"

enum { M_IMP, M_CLICKS, M_CONV, M_SPEND, M_REV, M_COUNT };
static const char *const measure_names[M_COUNT] = { "impressions", "clicks", "conversions", "spend",
                                                    "revenue" };

/* value i of a sum column, 0 when missing (callers check with has()) */
static int has(const sg_column *c, size_t i, double *v)
{
    return c && sg_num_value(c, i, v) == 0;
}

/* A ratio column: (a * num + b * den) / den per row, missing when a term
 * is missing or den is 0; `scale` multiplies the result. */
static sg_column *ratio(const char *name, const sg_column *num, const sg_column *den, double a,
                        double b, double scale, size_t n)
{
    sg_column *o = sg_column_new(name, SG_DOUBLE, n ? n : 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        double x, y;
        int rc;
        if (has(num, i, &x) && has(den, i, &y) && y != 0)
            rc = sg_column_push_f64(o, scale * (a * x + b * y) / y);
        else
            rc = sg_column_push_na(o);
        if (rc) {
            sg_column_release(o);
            return NULL;
        }
    }
    return o;
}

/* The group-by aggregations of the given measures (a sum and a count of
 * each, the count named count_names[m]) after checking their columns and
 * the grouping names; the number of aggregations, or 0 with err set. */
static size_t measure_aggs(const sg_table *t, const char *const *by, size_t nby, const char *const *src,
                           sg_agg *aggs, char count_names[][32], sg_error *err)
{
    size_t na = 0, given = 0;
    for (int m = 0; m < M_COUNT; m++) {
        if (!src[m])
            continue;
        const sg_column *c = sg_table_col(t, src[m]);
        if (!c) {
            sg_error_set(err, SG_EINVAL, "campaign performance: %s: no column '%s' in the dataset",
                         measure_names[m], src[m]);
            return 0;
        }
        if (c->type != SG_INT64 && c->type != SG_DOUBLE) {
            sg_error_set(err, SG_EINVAL, "campaign performance: %s: column '%s' holds %s, not numbers",
                         measure_names[m], src[m], sg_type_name(c->type));
            return 0;
        }
        for (size_t j = 0; j < nby; j++)
            if (strcmp(by[j], measure_names[m]) == 0) {
                sg_error_set(err, SG_EINVAL, "campaign performance: cannot group by '%s', the name of a "
                             "measure (rename the column)", by[j]);
                return 0;
            }
        snprintf(count_names[m], 32, "\x01n_%s", measure_names[m]);
        aggs[na++] = (sg_agg){ measure_names[m], SG_AGG_SUM, src[m], 0 };
        aggs[na++] = (sg_agg){ count_names[m], SG_AGG_COUNT, src[m], 0 };
        given++;
    }
    if (!given) {
        sg_error_set(err, SG_EINVAL, "campaign performance: give at least one of impressions, clicks, "
                     "conversions, spend, revenue");
        return 0;
    }
    for (size_t j = 0; j < nby; j++)
        if (strcmp(by[j], "rows") == 0) {
            sg_error_set(err, SG_EINVAL, "campaign performance: cannot group by 'rows' (rename the column)");
            return 0;
        }
    return na;
}

sg_table *sg_campaign_performance(const sg_table *t, const char *const *by, size_t nby,
                                  const sg_perf_columns *cols, double margin, sg_error *err)
{
    const char *src[M_COUNT] = { cols->impressions, cols->clicks, cols->conversions, cols->spend,
                                 cols->revenue };
    if (!isfinite(margin)) {
        sg_error_set(err, SG_EINVAL, "campaign performance: the margin must be a number");
        return NULL;
    }
    sg_agg aggs[2 * M_COUNT + 1];
    char count_names[M_COUNT][32];
    size_t na = measure_aggs(t, by, nby, src, aggs, count_names, err);
    if (!na)
        return NULL;
    aggs[na++] = (sg_agg){ "rows", SG_AGG_COUNT, NULL, 0 };
    sg_table *g = sg_table_group_by(t, by, nby, aggs, na, err);
    if (!g)
        return NULL;
    size_t n = g->nrows;
    sg_table *out = sg_table_new();
    const sg_column *sum[M_COUNT] = { NULL };
    if (!out)
        goto nomem;
    for (size_t j = 0; j < nby; j++)
        if (sg_table_add(out, sg_column_retain(g->cols[j]), err) != 0)
            goto fail;
    const sg_column *rows = sg_table_col(g, "rows");
    if (sg_table_add(out, sg_column_retain((sg_column *)rows), err) != 0)
        goto fail;
    for (int m = 0; m < M_COUNT; m++) {
        if (!src[m])
            continue;
        sg_column *s = sg_table_col(g, measure_names[m]);
        const sg_column *cnt = sg_table_col(g, count_names[m]);
        /* the group-by's own column, not shared yet: mark incomplete sums */
        for (size_t i = 0; i < n; i++)
            if (sg_column_i64(cnt)[i] < sg_column_i64(rows)[i] && sg_column_set_na(s, i) != 0)
                goto nomem;
        if (sg_table_add(out, sg_column_retain(s), err) != 0)
            goto fail;
        sum[m] = s;
    }
    struct { const char *name; int num, den; double a, b, scale; } ratios[] = {
        { "ctr", M_CLICKS, M_IMP, 1, 0, 1 },
        { "cpc", M_SPEND, M_CLICKS, 1, 0, 1 },
        { "cpm", M_SPEND, M_IMP, 1, 0, 1000 },
        { "conversion_rate", M_CONV, M_CLICKS, 1, 0, 1 },
        { "cpa", M_SPEND, M_CONV, 1, 0, 1 },
        { "roas", M_REV, M_SPEND, 1, 0, 1 },
        { "roi", M_REV, M_SPEND, margin, -1, 1 },
    };
    for (size_t k = 0; k < sizeof ratios / sizeof ratios[0]; k++) {
        if (!sum[ratios[k].num] || !sum[ratios[k].den])
            continue;
        sg_column *c = ratio(ratios[k].name, sum[ratios[k].num], sum[ratios[k].den], ratios[k].a,
                             ratios[k].b, ratios[k].scale, n);
        if (!c)
            goto nomem;
        if (sg_table_add(out, c, err) != 0)
            goto fail;
    }
    sg_table_free(g);
    return out;
nomem:
    sg_error_nomem(err);
fail:
    sg_table_free(out);
    sg_table_free(g);
    return NULL;
}
