/* Helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c): each target
 * defines LLVMFuzzerTestOneInput and is built two ways, for libFuzzer
 * (scripts/fuzz, clang) and as a replay program over its committed corpus
 * (replay.c, every build; run by tests/cli/fuzz.t.sh). */
#ifndef SG_FUZZ_UTIL_H
#define SG_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: print it and abort, which libFuzzer and the replay report. */
#define FUZZ_CHECK(cond, ...)                                                         \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A per-process scratch file (under TMPDIR) holding data; its path.  The
 * file is removed at exit. */
static char fuzz_path_buf[256];

static inline void fuzz_remove_file(void)
{
    if (fuzz_path_buf[0])
        unlink(fuzz_path_buf);
}

static inline const char *fuzz_file(const void *data, size_t size, const char *suffix)
{
    if (!fuzz_path_buf[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_path_buf, sizeof fuzz_path_buf, "%s/sg_fuzz_%ld%s",
                 tmp && *tmp ? tmp : "/tmp", (long)getpid(), suffix);
        atexit(fuzz_remove_file);
    }
    int fd = open(fuzz_path_buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", fuzz_path_buf);
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        FUZZ_CHECK(n > 0, "cannot write %s", fuzz_path_buf);
        p += n;
        size -= (size_t)n;
    }
    close(fd);
    return fuzz_path_buf;
}

/* Every column, value, missing bit and dictionary entry (in code order)
 * equal; on a difference, *why says where. */
static inline int fuzz_same_tables(const sg_table *a, const sg_table *b, char *why, size_t size)
{
    if (a->ncols != b->ncols || a->nrows != b->nrows) {
        snprintf(why, size, "shape %zux%zu vs %zux%zu", a->nrows, a->ncols, b->nrows, b->ncols);
        return 0;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const sg_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(x->name, y->name) || x->type != y->type || x->date_only != y->date_only ||
            x->n != y->n) {
            snprintf(why, size, "column %zu: name, type or length", j);
            return 0;
        }
        size_t w = x->type == SG_BOOL ? 1 : x->type == SG_STRING ? 4 : 8;
        for (size_t i = 0; i < x->n; i++)
            if (sg_column_is_na(x, i) != sg_column_is_na(y, i) ||
                memcmp((const char *)x->data + i * w, (const char *)y->data + i * w, w)) {
                snprintf(why, size, "column %s row %zu", x->name, i);
                return 0;
            }
        if (x->type != SG_STRING)
            continue;
        if (sg_dict_size(x->dict) != sg_dict_size(y->dict)) {
            snprintf(why, size, "dictionary of %s: %zu vs %zu", x->name, sg_dict_size(x->dict),
                     sg_dict_size(y->dict));
            return 0;
        }
        for (size_t c = 0; c < sg_dict_size(x->dict); c++) {
            size_t l1, l2;
            const char *s1 = sg_dict_str(x->dict, (int32_t)c, &l1);
            const char *s2 = sg_dict_str(y->dict, (int32_t)c, &l2);
            if (l1 != l2 || memcmp(s1, s2, l1)) {
                snprintf(why, size, "dictionary of %s at code %zu", x->name, c);
                return 0;
            }
        }
    }
    return 1;
}

/* Checks the invariants of a table and formats every cell. */
static inline void fuzz_walk_table(const sg_table *t)
{
    char buf[128];
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        FUZZ_CHECK(c->n == t->nrows, "column %zu has %zu rows of %zu", j, c->n, t->nrows);
        for (size_t i = 0; i < c->n; i++) {
            if (c->type == SG_STRING && !sg_column_is_na(c, i))
                FUZZ_CHECK(sg_column_codes(c)[i] >= 0 &&
                               (size_t)sg_column_codes(c)[i] < sg_dict_size(c->dict),
                           "code out of range");
            sg_column_format(c, i, buf, sizeof buf);
        }
    }
}

#endif
