/* The preprocessing of a supervised model: turns a table of customer
 * features into a numeric design matrix, with every fitted choice kept so
 * that a saved model encodes new data exactly as it encoded its training
 * data.
 *
 *   numeric columns      missing values imputed with the training median;
 *                        standardised ((x - mean) / sd) when `scale` is set
 *                        (linear models), left as they are otherwise (trees)
 *   categorical columns  one 0/1 column per kept level ("country=France"):
 *                        levels seen at least min_count times, at most
 *                        max_levels of them (the most frequent; ties by
 *                        name); the other values, a missing value and
 *                        values never seen in training go to one
 *                        "country=other" column, present when training had
 *                        such values; without it they encode as all zeros
 *   constant columns     (one value, or only missing values, in training)
 *                        carry no information: they are dropped at fit and
 *                        listed in the report
 *
 * Categorical columns may be string, bool or int64 (the value's text is
 * the level). */
#ifndef SG_ENCODE_H
#define SG_ENCODE_H

#include <stddef.h>

#include "error.h"
#include "matrix.h"
#include "table.h"

typedef struct sg_encoder {
    sg_scaling *numeric;        /* NULL when no numeric column is kept */
    size_t ncat;
    char **cat_names;
    size_t *nlevels;            /* kept levels per categorical column */
    char ***levels;
    int *has_other;
    size_t nfeat;               /* columns of the design matrix */
    char **feature_names;       /* numeric names, then "col=level", "col=other" */
    char **source;              /* per feature: the table column it comes from */
} sg_encoder;

typedef struct sg_encoder_spec {
    const char *const *numeric;
    size_t nnum;
    const char *const *categorical;
    size_t ncat;
    int scale;                  /* standardise numeric columns */
    size_t min_count;           /* default 10 when 0 */
    size_t max_levels;          /* default 20 when 0 */
} sg_encoder_spec;

typedef struct sg_encoder_report {
    size_t values_imputed;      /* numeric missing values replaced by the median */
    size_t values_other;        /* categorical values sent to "other" (rare, missing, unseen) */
    size_t unseen;              /* apply only: categorical values (not missing) outside the kept
                                 * levels: never seen in training, or too rare to keep */
    size_t ndropped;            /* fit only: constant columns dropped */
    char **dropped;             /* their names (caller frees with sg_encoder_report_free) */
} sg_encoder_report;

void sg_encoder_report_free(sg_encoder_report *r);   /* frees dropped; accepts NULL */

/* Fits the encoding on t and returns the training design matrix (one row
 * per table row).  Errors: unknown column, a numeric column that is not
 * numeric, a column named twice, no informative column left. */
sg_matrix *sg_encoder_fit(const sg_table *t, const sg_encoder_spec *spec, sg_encoder **enc,
                          sg_encoder_report *report, sg_error *err);
/* Encodes t with a fitted encoder (columns found by name). */
sg_matrix *sg_encoder_apply(const sg_table *t, const sg_encoder *enc, sg_encoder_report *report,
                            sg_error *err);
void sg_encoder_free(sg_encoder *e);                 /* accepts NULL */
/* The table columns the features come from, each once in order of first
 * appearance (names point into enc), and for every feature the index of
 * its column: the one-hot features of a categorical column form one group,
 * so a contribution or an importance can be told per column.  group_of
 * holds enc->nfeat entries, names up to enc->nfeat.  Returns the number
 * of groups. */
size_t sg_encoder_groups(const sg_encoder *enc, size_t *group_of, const char **names);
/* Sums the columns of C (rows x (nfeat + 1), the last column the bias, as
 * sg_model_contributions gives) per group; out has rows x ngroups. */
int sg_encoder_group_sums(const sg_encoder *enc, const sg_matrix *C, sg_matrix **out, sg_error *err);

struct cJSON;
struct cJSON *sg_encoder_to_json(const sg_encoder *e);
sg_encoder *sg_encoder_from_json(const struct cJSON *j, sg_error *err);

#endif
