/* k-means model files: JSON text
 *   {"format":"segmint.kmeans","version":1,"k":K,"cols":D,
 *    "centroids":[[..D numbers..], ..K rows..],"inertia":X,"sizes":[..K..],
 *    "scaling": <sg_scaling_to_json> or null}
 * written to a temporary file in the same directory and renamed over the
 * target, so a failed save never leaves a half-written model.  Doubles
 * are printed with the fewest digits (15..17) that read back exactly.
 * Loading validates every field and refuses files of a newer version.
 * A loaded model has iterations = 0 and converged = 0 (not stored). */
#include "kmeans_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonfile.h"
#include "mem.h"

#define KM_FORMAT "segmint.kmeans"
#define KM_VERSION 1

static cJSON *model_to_json(const sg_kmeans *m)
{
    cJSON *root = cJSON_CreateObject(), *rows = NULL, *sizes = NULL;
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", KM_FORMAT);
    ok = ok && cJSON_AddNumberToObject(root, "version", KM_VERSION);
    ok = ok && cJSON_AddNumberToObject(root, "k", m->k);
    ok = ok && cJSON_AddNumberToObject(root, "cols", (double)m->cols);
    ok = ok && (rows = cJSON_AddArrayToObject(root, "centroids")) != NULL;
    for (int j = 0; ok && j < m->k; j++) {
        cJSON *row = cJSON_CreateArray();
        ok = row && cJSON_AddItemToArray(rows, row);
        if (!ok)
            cJSON_Delete(row);
        for (size_t t = 0; ok && t < m->cols; t++) {
            cJSON *v = sg_json_exact(m->centroids[(size_t)j * m->cols + t]);
            ok = v && cJSON_AddItemToArray(row, v);
            if (!ok)
                cJSON_Delete(v);
        }
    }
    ok = ok && sg_json_add_exact(root, "inertia", m->inertia);
    ok = ok && (sizes = cJSON_AddArrayToObject(root, "sizes")) != NULL;
    for (int j = 0; ok && j < m->k; j++) {
        cJSON *v = cJSON_CreateNumber((double)m->sizes[j]);
        ok = v && cJSON_AddItemToArray(sizes, v);
        if (!ok)
            cJSON_Delete(v);
    }
    if (ok) {
        cJSON *sc = m->scaling ? sg_scaling_to_json(m->scaling) : cJSON_CreateNull();
        ok = sc && cJSON_AddItemToObject(root, "scaling", sc);
        if (!ok)
            cJSON_Delete(sc);
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int sg_kmeans_save(const sg_kmeans *m, const char *path, sg_error *err)
{
    if (!m || !path || !*path)
        return sg_error_set(err, SG_EINVAL, "k-means save: no model or no path given");
    if (m->k < 1 || m->cols < 1 || !m->centroids || !m->sizes)
        return sg_error_set(err, SG_EINVAL, "k-means save: the model is incomplete");
    for (size_t v = 0; v < (size_t)m->k * m->cols; v++)
        if (!isfinite(m->centroids[v]))
            return sg_error_set(err, SG_EINVAL, "k-means save: a centroid is not finite");
    if (!isfinite(m->inertia))
        return sg_error_set(err, SG_EINVAL, "k-means save: the inertia is not finite");
    cJSON *root = model_to_json(m);
    if (!root)
        return sg_error_nomem(err);
    int rc = sg_json_write_file(root, path, err);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- load */

/* A number that is an integer in [lo, hi], or -1 with err set. */
static int get_int(const cJSON *root, const char *key, double lo, double hi, double *out,
                   const char *path, sg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi) {
        sg_error_set(err, SG_EDATA, "model file %s: \"%s\" must be an integer from %.0f to %.0f",
                     path, key, lo, hi);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

static int parse_model(const cJSON *root, const char *path, sg_kmeans *m, sg_error *err)
{
    if (!cJSON_IsObject(root))
        return sg_error_set(err, SG_EDATA, "model file %s is not a JSON object", path);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, KM_FORMAT) != 0)
        return sg_error_set(err, SG_EDATA, "model file %s is not a segmint k-means model "
                            "(\"format\" is not \"" KM_FORMAT "\")", path);
    double ver, kd, cols;
    if (get_int(root, "version", 1, 1e9, &ver, path, err))
        return SG_EDATA;
    if (ver > KM_VERSION)
        return sg_error_set(err, SG_EDATA,
                            "model file %s was written by a newer segmint (format version %.0f); "
                            "this version reads version %d", path, ver, KM_VERSION);
    if (get_int(root, "k", 1, 2147483647.0, &kd, path, err) ||
        get_int(root, "cols", 1, 1e9, &cols, path, err))
        return SG_EDATA;
    m->k = (int)kd;
    m->cols = (size_t)cols;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "centroids");
    if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) != m->k)
        return sg_error_set(err, SG_EDATA, "model file %s: \"centroids\" must be an array of "
                            "%d rows", path, m->k);
    /* shapes first, so a corrupted "cols" or "k" is bad data, not a huge allocation */
    size_t j = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows) {
        if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != m->cols)
            return sg_error_set(err, SG_EDATA, "model file %s: centroid %zu must be an array "
                                "of %zu numbers", path, j + 1, m->cols);
        j++;
    }
    m->centroids = sg_malloc((size_t)m->k * m->cols * sizeof *m->centroids);
    m->sizes = sg_malloc((size_t)m->k * sizeof *m->sizes);
    if (!m->centroids || !m->sizes)
        return sg_error_nomem(err);
    j = 0;
    cJSON_ArrayForEach(row, rows) {
        size_t t = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, row) {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
                return sg_error_set(err, SG_EDATA, "model file %s: centroid %zu, value %zu is "
                                    "not a finite number", path, j + 1, t + 1);
            m->centroids[j * m->cols + t++] = v->valuedouble;
        }
        j++;
    }
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "inertia");
    if (!cJSON_IsNumber(in) || !isfinite(in->valuedouble) || in->valuedouble < 0)
        return sg_error_set(err, SG_EDATA, "model file %s: \"inertia\" must be a finite number "
                            ">= 0", path);
    m->inertia = in->valuedouble;
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(root, "sizes");
    if (!cJSON_IsArray(sizes) || cJSON_GetArraySize(sizes) != m->k)
        return sg_error_set(err, SG_EDATA, "model file %s: \"sizes\" must be an array of %d "
                            "integers", path, m->k);
    j = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, sizes) {
        if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 9007199254740992.0 ||
            s->valuedouble != floor(s->valuedouble))
            return sg_error_set(err, SG_EDATA, "model file %s: size %zu is not an integer >= 0",
                                path, j + 1);
        m->sizes[j++] = (size_t)s->valuedouble;
    }
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scaling");
    if (!sc)
        return sg_error_set(err, SG_EDATA, "model file %s: \"scaling\" is missing (use null "
                            "for none)", path);
    if (!cJSON_IsNull(sc)) {
        sg_error sub;
        sg_error_clear(&sub);
        m->scaling = sg_scaling_from_json(sc, &sub);
        if (!m->scaling)
            return sg_error_set(err, sub.code == SG_ENOMEM ? SG_ENOMEM : SG_EDATA,
                                "model file %s: bad \"scaling\": %s", path, sub.msg);
        if (m->scaling->cols != m->cols)
            return sg_error_set(err, SG_EDATA, "model file %s: the scaling has %zu columns but "
                                "the model has %zu", path, m->scaling->cols, m->cols);
    }
    return 0;
}

sg_kmeans *sg_kmeans_load(const char *path, sg_error *err)
{
    if (!path || !*path) {
        sg_error_set(err, SG_EINVAL, "k-means load: no path given");
        return NULL;
    }
    cJSON *root = sg_json_read_file(path, "model file", err);
    if (!root)
        return NULL;
    sg_kmeans *m = sg_calloc(1, sizeof *m);
    if (!m) {
        cJSON_Delete(root);
        sg_error_nomem(err);
        return NULL;
    }
    int rc = parse_model(root, path, m, err);
    cJSON_Delete(root);
    if (rc) {
        sg_kmeans_free(m);
        return NULL;
    }
    return m;
}
