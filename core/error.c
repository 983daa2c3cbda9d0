#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int sg_error_set(sg_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int sg_error_nomem(sg_error *err)
{
    return sg_error_set(err, SG_ENOMEM, "out of memory (or the memory limit was reached)");
}

void sg_error_clear(sg_error *err)
{
    if (err) {
        err->code = SG_OK;
        err->msg[0] = '\0';
    }
}
