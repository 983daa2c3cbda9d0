/* A tiny TAP producer for the C unit tests (one program per unit, run by prove). */
#ifndef SG_TAP_H
#define SG_TAP_H

#include <stddef.h>

void tap_plan(int n);
void tap_skip_all(const char *why);
int tap_ok(int cond, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int tap_is_int(long long got, long long want, const char *name);
int tap_is_double(double got, double want, double tol, const char *name);
int tap_is_str(const char *got, const char *want, const char *name);
void tap_skip(int n, const char *why);
void tap_diag(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints the plan if none was given; returns the exit status (0 when all passed). */
int tap_done(void);
/* Directory of test fixtures (SG_FIXTURES env or the compiled-in default). */
const char *tap_fixtures(void);
/* Path of the shared data folder beside the project, or NULL if absent. */
const char *tap_shared_data(void);

#endif
