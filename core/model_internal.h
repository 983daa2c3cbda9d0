/* Back ends of model.h.  model.c checks the inputs (shapes, finite values,
 * 0/1 labels with both classes for classifiers, the kind/task pair) before
 * calling a fit, allocates the sg_model (zeroed, params copied, nfeat set)
 * and frees it; the back ends fill and release their own fields. */
#ifndef SG_MODEL_INTERNAL_H
#define SG_MODEL_INTERNAL_H

#include "model.h"

/* model_linear.c: logistic (liblinear), linear and ridge (GSL).  Fills
 * coef, intercept, xmean and xsd (allocated with sg_malloc; model.c frees
 * them).  Predictions, contributions and importance of linear kinds are
 * computed in model.c from these fields. */
int sg_linear_fit(sg_model *m, const sg_matrix *X, const double *y, const double *w, sg_error *err);

/* model_xgb.c: boosting and forest (XGBoost C API).  Fills booster,
 * rounds, best_round, best_score. */
int sg_xgb_fit(sg_model *m, const sg_matrix *X, const double *y, const double *w,
               const sg_matrix *Xval, const double *yval, sg_error *err);
int sg_xgb_predict(const sg_model *m, const sg_matrix *X, double *out, sg_error *err);
sg_matrix *sg_xgb_contributions(const sg_model *m, const sg_matrix *X, sg_error *err);
int sg_xgb_importance(const sg_model *m, double *out, sg_error *err);
/* The booster's bytes (UBJSON); *buf allocated with sg_malloc. */
int sg_xgb_save(const sg_model *m, char **buf, size_t *len, sg_error *err);
/* Loads the bytes into m->booster (m->params and m->nfeat already set). */
int sg_xgb_load(sg_model *m, const char *buf, size_t len, sg_error *err);
void sg_xgb_release(sg_model *m);   /* frees m->booster; accepts an empty model */
int sg_xgb_version(int *major, int *minor, int *patch);   /* -1: XGBoost cannot be loaded */

#endif
