/* Loading XGBoost (xgb_lib.c): a libxgboost.so.0 of another major version
 * is refused with a message naming both versions, and the refusal is
 * remembered.  The stand-in library (tests/c/fake_xgboost.c) is loaded
 * first, so the loader's dlopen("libxgboost.so.0") finds it by its soname. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "xgb_lib.h"

int main(void)
{
    void *fake = dlopen(SG_FAKE_XGBOOST, RTLD_NOW | RTLD_GLOBAL);
    if (!fake) {
        tap_skip_all("the stand-in XGBoost library cannot be loaded");
        return 0;
    }
    sg_error err;
    char want[200];
    snprintf(want, sizeof want, "XGBoost %d.0.3 was loaded, but segmint was built for %d.%d or a later %d.x",
             XGBOOST_VER_MAJOR + 1, XGBOOST_VER_MAJOR, XGBOOST_VER_MINOR, XGBOOST_VER_MAJOR);
    tap_is_int(sg_xgb_lib_load(&err), SG_EINVAL, "another major version refused");
    tap_is_str(err.msg, want, "the message names both versions");
    sg_error_clear(&err);
    tap_is_int(sg_xgb_lib_load(&err), SG_EINVAL, "the refusal is remembered");
    tap_is_str(err.msg, want, "with the same message");
    dlclose(fake);
    return tap_done();
}
