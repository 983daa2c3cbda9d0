/* Allocation failures for the C unit tests: runs a call under a memory
 * limit a little above what is in use, raising the limit step by step
 * until the call succeeds.  Every failure on the way must be the
 * out-of-memory error and leave no accounted memory behind. */
#ifndef SG_NOMEM_TESTUTIL_H
#define SG_NOMEM_TESTUTIL_H

#include <string.h>

#include "error.h"
#include "mem.h"
#include "tap.h"

#define NOMEM_MESSAGE "out of memory (or the memory limit was reached)"

/* fn(ud, err) returns a result or NULL with err set; release frees a
 * result.  The limit goes from in-use + 1 byte up by `step` bytes, at most
 * `max` bytes above.  One TAP line; returns the number of failures seen. */
static inline size_t nomem_sweep(void *(*fn)(void *ud, sg_error *err), void (*release)(void *),
                                 void *ud, size_t step, size_t max, const char *name)
{
    size_t base = sg_mem_used(), fails = 0, bad = 0;
    void *r = NULL;
    char first_bad[1200] = "";
    for (size_t extra = 1; extra <= max; extra += step) {
        sg_error err;
        sg_error_clear(&err);
        sg_mem_set_limit(base + extra);
        r = fn(ud, &err);
        sg_mem_set_limit(0);
        if (r)
            break;
        fails++;
        if ((err.code != SG_ENOMEM || strcmp(err.msg, NOMEM_MESSAGE) != 0 || sg_mem_used() != base) && !bad++)
            snprintf(first_bad, sizeof first_bad, "%zu bytes: code %d, '%s', %zu bytes left", extra,
                     err.code, err.msg, sg_mem_used() - base);
    }
    tap_ok(r && fails > 0 && bad == 0,
           "%s: %zu allocation failures, each '" NOMEM_MESSAGE "' with nothing left allocated, then success",
           name, fails);
    if (bad)
        tap_diag("first wrong failure at %s", first_bad);
    if (r)
        release(r);
    return fails;
}

#endif
