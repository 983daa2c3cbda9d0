/* Error reporting for the core: a status code plus a human message that
 * names the file, line, column or argument where they apply. */
#ifndef SG_ERROR_H
#define SG_ERROR_H

enum {
    SG_OK = 0,
    SG_ENOMEM = 1,  /* allocation failed or memory limit reached */
    SG_EINVAL = 2,  /* bad argument (programming or recipe error) */
    SG_EDATA = 3,   /* bad input data: message names file:line:column */
    SG_EIO = 4      /* cannot open, read, write or rename a file */
};

typedef struct sg_error {
    int code;
    char msg[1024];
} sg_error;

/* Sets err (when not NULL) and returns code, so callers can write
 * `return sg_error_set(err, SG_EINVAL, "...")`.  */
int sg_error_set(sg_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int sg_error_nomem(sg_error *err);
void sg_error_clear(sg_error *err);

#endif
