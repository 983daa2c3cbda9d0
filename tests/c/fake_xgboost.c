/* A stand-in libxgboost.so.0 for test_xgb_lib: every symbol segmint looks
 * up, but reporting the next major version, which segmint must refuse
 * with a message naming both versions.  None of the stubs is ever called
 * but XGBoostVersion. */
#include <xgboost/version_config.h>

void XGBoostVersion(int *major, int *minor, int *patch);

void XGBoostVersion(int *major, int *minor, int *patch)
{
    *major = XGBOOST_VER_MAJOR + 1;
    *minor = 0;
    *patch = 3;
}

#define STUB(name) int name(void); int name(void) { return -1; }
STUB(XGBGetLastError)
STUB(XGBoosterBoostedRounds)
STUB(XGBoosterCreate)
STUB(XGBoosterFeatureScore)
STUB(XGBoosterFree)
STUB(XGBoosterGetNumFeature)
STUB(XGBoosterLoadModelFromBuffer)
STUB(XGBoosterPredictFromDMatrix)
STUB(XGBoosterSaveJsonConfig)
STUB(XGBoosterSaveModelToBuffer)
STUB(XGBoosterSetParam)
STUB(XGBoosterSlice)
STUB(XGBoosterUpdateOneIter)
STUB(XGDMatrixCreateFromMat)
STUB(XGDMatrixFree)
STUB(XGDMatrixSetFloatInfo)
