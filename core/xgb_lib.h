/* XGBoost's C API, loaded when a model first needs it (dlopen), so that
 * runs without boosting or forests do not pay for the library (about 6 MB
 * of resident memory with its C++ and OpenMP runtimes), and so that
 * OpenMP's waiting policy can be chosen before libgomp reads it.
 *
 * After sg_xgb_lib_load() succeeds, the XGBoost function names below call
 * through the loaded table. */
#ifndef SG_XGB_LIB_H
#define SG_XGB_LIB_H

#include <xgboost/c_api.h>
#include <xgboost/version_config.h>

#include "error.h"

typedef struct sg_xgb_lib {
    __typeof__(&XGBGetLastError) get_last_error;
    __typeof__(&XGBoostVersion) version;
    __typeof__(&XGBoosterBoostedRounds) boosted_rounds;
    __typeof__(&XGBoosterCreate) create;
    __typeof__(&XGBoosterFeatureScore) feature_score;
    __typeof__(&XGBoosterFree) free;
    __typeof__(&XGBoosterGetNumFeature) get_num_feature;
    __typeof__(&XGBoosterLoadModelFromBuffer) load_model_from_buffer;
    __typeof__(&XGBoosterPredictFromDMatrix) predict_from_dmatrix;
    __typeof__(&XGBoosterSaveJsonConfig) save_json_config;
    __typeof__(&XGBoosterSaveModelToBuffer) save_model_to_buffer;
    __typeof__(&XGBoosterSetParam) set_param;
    __typeof__(&XGBoosterSlice) slice;
    __typeof__(&XGBoosterUpdateOneIter) update_one_iter;
    __typeof__(&XGDMatrixCreateFromMat) dmatrix_create_from_mat;
    __typeof__(&XGDMatrixFree) dmatrix_free;
    __typeof__(&XGDMatrixSetFloatInfo) dmatrix_set_float_info;
} sg_xgb_lib;

extern sg_xgb_lib sg_xgb;

/* Loads the library once (thread-safe); 0, or SG_EINVAL with a message
 * saying XGBoost could not be loaded and why. */
int sg_xgb_lib_load(sg_error *err);

#define XGBGetLastError sg_xgb.get_last_error
#define XGBoostVersion sg_xgb.version
#define XGBoosterBoostedRounds sg_xgb.boosted_rounds
#define XGBoosterCreate sg_xgb.create
#define XGBoosterFeatureScore sg_xgb.feature_score
#define XGBoosterFree sg_xgb.free
#define XGBoosterGetNumFeature sg_xgb.get_num_feature
#define XGBoosterLoadModelFromBuffer sg_xgb.load_model_from_buffer
#define XGBoosterPredictFromDMatrix sg_xgb.predict_from_dmatrix
#define XGBoosterSaveJsonConfig sg_xgb.save_json_config
#define XGBoosterSaveModelToBuffer sg_xgb.save_model_to_buffer
#define XGBoosterSetParam sg_xgb.set_param
#define XGBoosterSlice sg_xgb.slice
#define XGBoosterUpdateOneIter sg_xgb.update_one_iter
#define XGDMatrixCreateFromMat sg_xgb.dmatrix_create_from_mat
#define XGDMatrixFree sg_xgb.dmatrix_free
#define XGDMatrixSetFloatInfo sg_xgb.dmatrix_set_float_info

#endif
