/* Loading XGBoost's C API: see xgb_lib.h. */
#include "xgb_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sg_xgb_lib sg_xgb;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[600];       /* empty when loaded */

/* XGBoost's OpenMP threads spin while they wait for work: libgomp's
 * default spins about 300,000 times, and when other processes keep the
 * cores busy the spinning threads take the CPU from the ones with work
 * (training took three times as long).  Waiting passively instead costs
 * 40% on an idle machine.  libgomp reads its settings when it is loaded,
 * which is now: a short spin, or none when the load average already
 * fills the cores, unless the environment chose already or libgomp was
 * loaded before (then its settings are fixed).  The choice goes into the
 * process environment, where libgomp reads it.  Results do not depend on
 * it. */
static void tune_openmp(void)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT"))
        return;
    void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (gomp) {              /* loaded already (by an OpenMP BLAS, say): too late to choose */
        dlclose(gomp);
        return;
    }
    double load = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = 0;
        fclose(f);
    }
    if (cpus > 0 && load > (double)cpus - 0.5)
        setenv("OMP_WAIT_POLICY", "passive", 0);
    else
        setenv("GOMP_SPINCOUNT", "10000", 0);
}

static void load(void)
{
    static const char *const names[] = { "libxgboost.so.0", "libxgboost.so" };
    void *h = NULL;
    const char *why = "";
    tune_openmp();
    for (size_t k = 0; !h && k < sizeof names / sizeof names[0]; k++) {
        h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
        if (!h)
            why = dlerror();
    }
    if (!h) {
        snprintf(failure, sizeof failure, "XGBoost (libxgboost.so.0, Debian package libxgboost0) cannot "
                 "be loaded: %s", why ? why : "not found");
        return;
    }
    static const struct { const char *name; size_t off; } syms[] = {
#define SYM(field, name) { #name, offsetof(sg_xgb_lib, field) }
        SYM(get_last_error, XGBGetLastError), SYM(version, XGBoostVersion),
        SYM(boosted_rounds, XGBoosterBoostedRounds), SYM(create, XGBoosterCreate),
        SYM(feature_score, XGBoosterFeatureScore), SYM(free, XGBoosterFree),
        SYM(get_num_feature, XGBoosterGetNumFeature),
        SYM(load_model_from_buffer, XGBoosterLoadModelFromBuffer),
        SYM(predict_from_dmatrix, XGBoosterPredictFromDMatrix),
        SYM(save_json_config, XGBoosterSaveJsonConfig),
        SYM(save_model_to_buffer, XGBoosterSaveModelToBuffer), SYM(set_param, XGBoosterSetParam),
        SYM(slice, XGBoosterSlice), SYM(update_one_iter, XGBoosterUpdateOneIter),
        SYM(dmatrix_create_from_mat, XGDMatrixCreateFromMat), SYM(dmatrix_free, XGDMatrixFree),
        SYM(dmatrix_set_float_info, XGDMatrixSetFloatInfo),
#undef SYM
    };
    sg_xgb_lib lib;
    for (size_t k = 0; k < sizeof syms / sizeof syms[0]; k++) {
        void *p = dlsym(h, syms[k].name);
        if (!p) {
            snprintf(failure, sizeof failure, "the XGBoost library loaded has no %s (segmint was "
                     "built for XGBoost %d.%d)", syms[k].name, XGBOOST_VER_MAJOR, XGBOOST_VER_MINOR);
            return;
        }
        memcpy((char *)&lib + syms[k].off, &p, sizeof p);   /* object to function pointer */
    }
    int major = 0, minor = 0, patch = 0;
    lib.version(&major, &minor, &patch);
    if (major != XGBOOST_VER_MAJOR || minor < XGBOOST_VER_MINOR) {
        snprintf(failure, sizeof failure, "XGBoost %d.%d.%d was loaded, but segmint was built for "
                 "%d.%d or a later %d.x", major, minor, patch, XGBOOST_VER_MAJOR, XGBOOST_VER_MINOR,
                 XGBOOST_VER_MAJOR);
        return;
    }
    sg_xgb = lib;
    failure[0] = '\0';
}

int sg_xgb_lib_load(sg_error *err)
{
    pthread_once(&once, load);   /* load() leaves failure empty only on success */
    if (failure[0])
        return sg_error_set(err, SG_EINVAL, "%s", failure);
    return 0;
}
