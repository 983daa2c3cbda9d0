/* JSON files of fitted models (k-means, supervised models): exact
 * numbers, atomic writes, whole-file reads.  Built on cJSON. */
#ifndef SG_JSONFILE_H
#define SG_JSONFILE_H

#include <stddef.h>

#include "error.h"

struct cJSON;

/* A number printed with the fewest digits (15, 16 or 17) that read back
 * exactly (cJSON's own printing may lose the last bit).  v finite. */
struct cJSON *sg_json_exact(double v);
int sg_json_add_exact(struct cJSON *obj, const char *key, double v);   /* 1 ok, 0 OOM */
/* An array of n exact numbers; NULL on OOM. */
struct cJSON *sg_json_exact_array(const double *v, size_t n);
/* A finite number item (also the raw items sg_json_exact makes, before
 * the JSON is printed and parsed again): 1 with *out set, else 0. */
int sg_json_number(const struct cJSON *item, double *out);
/* Reads obj[key] as an array of exactly n finite numbers into out; on
 * error (SG_EDATA) the message names the file and key. */
int sg_json_get_numbers(const struct cJSON *obj, const char *key, double *out, size_t n,
                        const char *path, sg_error *err);

/* Makes cJSON allocate through core/mem.c, so JSON trees and texts count
 * against the memory cap.  Called once before any cJSON use (sg_open). */
void sg_json_use_accounted_memory(void);

/* Writes the JSON text (indented, with a final newline) to a temporary
 * file beside path and renames it over path: a failure never leaves a
 * half-written file. */
int sg_json_write_file(const struct cJSON *root, const char *path, sg_error *err);
/* Parses a whole file; "what" names it in messages ("model file").  NULL
 * with err set (SG_EIO cannot read, SG_EDATA not JSON, with the offset). */
struct cJSON *sg_json_read_file(const char *path, const char *what, sg_error *err);

#endif
