/* Quantile scoring of one column (sg_score_column). */
#include "rfm.h"

#include <math.h>
#include <string.h>

#include "stats.h"

/* ---- scoring ----
 *
 * Edges are the type-7 quantiles at k/bins; a value scores 1 + the number
 * of edges strictly below it, so equal values always share a score and a
 * run of ties that spans several quantiles leaves some scores unused.
 *
 * The R `rfm` package (rsquaredacademy/rfm, rfm_table_order/customer,
 * checked in its R/utils.R bins() and R/rfm-table-*.R) also takes type-7
 * quantiles at k/bins, but adds 1 to each edge and scores with
 * lower <= x < upper: for integer data (frequency, whole days) that is our
 * rule, for fractional data (monetary) values within 1 above an edge land
 * one score lower than here.  Tools that bin by rank (dplyr::ntile, pandas
 * qcut on rank(method="first")) split ties across scores to fill the bins
 * evenly, so two customers with the same figures can get different scores;
 * we deliberately never split ties. */
void sg_score_probs(int bins, double *probs)
{
    for (int k = 0; k < bins - 1; k++)
        probs[k] = (double)(k + 1) / bins;
}

sg_column *sg_score_column(const sg_column *c, const char *name, int bins, int reverse,
                           double *edges, int given, sg_error *err)
{
    double e[9], probs[9];
    sg_error_clear(err);
    if (!c)
        return sg_error_set(err, SG_EINVAL, "score: no column given"), NULL;
    if (!name)
        name = c->name;
    if (!sg_type_is_numeric(c->type))
        return sg_error_set(err, SG_EINVAL, "score '%s': the column must be numeric (it is %s)",
                            c->name, sg_type_name(c->type)), NULL;
    if (bins < 2 || bins > 10)
        return sg_error_set(err, SG_EINVAL, "score '%s': bins must be between 2 and 10 (got %d)",
                            c->name, bins), NULL;
    int nedges = bins - 1;
    if (given == 2) {
        if (!edges)
            return sg_error_set(err, SG_EINVAL, "score '%s': thresholds missing", c->name), NULL;
        memcpy(e, edges, (size_t)nedges * sizeof *e);
    } else if (given) {
        if (!edges)
            return sg_error_set(err, SG_EINVAL, "score '%s': thresholds missing", c->name), NULL;
        for (int k = 0; k < nedges; k++) {
            if (isnan(edges[k]))
                return sg_error_set(err, SG_EINVAL, "score '%s': threshold %d is not a number",
                                    c->name, k + 1), NULL;
            if (k > 0 && edges[k] < edges[k - 1])
                return sg_error_set(err, SG_EINVAL,
                                    "score '%s': the %d thresholds must be ascending, but "
                                    "threshold %d (%g) is below threshold %d (%g)",
                                    c->name, nedges, k + 1, edges[k], k, edges[k - 1]), NULL;
            e[k] = edges[k];
        }
    } else {
        sg_score_probs(bins, probs);
        if (sg_column_quantiles(c, probs, (size_t)nedges, e, err))
            return NULL;
        if (edges)
            memcpy(edges, e, (size_t)nedges * sizeof *e);
    }
    sg_column *out = sg_column_new(name, SG_INT64, c->n ? c->n : 1);
    if (!out)
        return sg_error_nomem(err), NULL;
    for (size_t i = 0; i < c->n; i++) {
        double v = sg_column_num(c, i);
        int rc;
        if (isnan(v) || isnan(e[0])) {
            rc = sg_column_push_na(out);
        } else {
            int s = 1;
            for (int k = 0; k < nedges; k++)
                s += v > e[k];
            rc = sg_column_push_i64(out, reverse ? bins + 1 - s : s);
        }
        if (rc) {
            sg_column_release(out);
            return sg_error_nomem(err), NULL;
        }
    }
    return out;
}
