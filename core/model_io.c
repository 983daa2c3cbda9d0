/* Supervised model files: JSON text
 *   {"meta": <the caller's metadata>, "format":"segmint.model","version":1,
 *    "label":L,"rows":N,"data_sha256":"<64 hex>","dropped":[..names..],
 *    "encoder": <sg_encoder_to_json>, "model": <sg_model_to_json>}
 * written to a temporary file in the same directory and renamed over the
 * target (sg_json_write_file), as the k-means files of kmeans_io.c are.
 * Loading validates every field and refuses files of a newer version;
 * the booster bytes inside "model" are bounds-checked by model_xgb.c
 * (ubjson.c).  data_sha256 is the SHA-256 of the training matrix and
 * labels, computed in a thread of its own while the model trains
 * (sg_model_fit_hashed): on large data hashing costs as much as a fast
 * fit. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <nettle/sha2.h>

#include "encode.h"
#include "jsonfile.h"
#include "mem.h"
#include "model.h"

#define MODEL_FORMAT "segmint.model"
#define MODEL_VERSION 1

_Static_assert(SG_MODEL_SHA256_HEX == 2 * SHA256_DIGEST_SIZE + 1, "hex digest size");

void sg_model_file_clear(sg_model_file *f)
{
    if (!f)
        return;
    sg_model_free(f->model);
    sg_encoder_free(f->enc);
    sg_free(f->label);
    for (size_t i = 0; i < f->ndropped; i++)
        sg_free(f->dropped[i]);
    sg_free(f->dropped);
    memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- hash */

void sg_model_data_sha256(const sg_matrix *X, const double *y, char hex[SG_MODEL_SHA256_HEX])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, X->rows * X->cols * sizeof(double), (const uint8_t *)X->data);
    sha256_update(&ctx, X->rows * sizeof(double), (const uint8_t *)y);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

typedef struct hash_job {
    const sg_matrix *X;
    const double *y;
    char *hex;
} hash_job;

static void *hash_training(void *arg)
{
    hash_job *j = arg;
    sg_model_data_sha256(j->X, j->y, j->hex);
    return NULL;
}

sg_model *sg_model_fit_hashed(const sg_model_params *p, const sg_matrix *X, const double *y,
                              const double *w, const sg_matrix *Xval, const double *yval,
                              char hex[SG_MODEL_SHA256_HEX], sg_error *err)
{
    hash_job job = { X, y, hex };
    pthread_t th;
    int threaded = pthread_create(&th, NULL, hash_training, &job) == 0;
    if (!threaded)
        hash_training(&job);
    sg_model *m = sg_model_fit(p, X, y, w, Xval, yval, err);
    if (threaded)
        pthread_join(th, NULL);
    return m;
}

/* ---------------------------------------------------------------- save */

int sg_model_save(const sg_model_file *f, const cJSON *meta, const char *path, sg_error *err)
{
    if (!f || !f->model || !f->enc || !f->label || !path || !*path)
        return sg_error_set(err, SG_EINVAL, "model save: no model or no path given");
    if (strlen(f->data_sha256) != 2 * SHA256_DIGEST_SIZE)
        return sg_error_set(err, SG_EINVAL, "model save: the training data's SHA-256 is missing");
    cJSON *root = cJSON_CreateObject(), *x = NULL;
    cJSON *m = meta ? cJSON_Duplicate(meta, 1) : cJSON_CreateObject();
    if (!root || !m || !cJSON_AddItemToObject(root, "meta", m)) {
        cJSON_Delete(root);
        cJSON_Delete(m);
        return sg_error_nomem(err);
    }
    int ok = cJSON_AddStringToObject(root, "format", MODEL_FORMAT)
             && cJSON_AddNumberToObject(root, "version", MODEL_VERSION)
             && cJSON_AddStringToObject(root, "label", f->label)
             && cJSON_AddNumberToObject(root, "rows", (double)f->rows)
             && cJSON_AddStringToObject(root, "data_sha256", f->data_sha256);
    ok = ok && (x = f->ndropped ? cJSON_CreateStringArray((const char *const *)f->dropped, (int)f->ndropped)
                                : cJSON_CreateArray())
         && cJSON_AddItemToObject(root, "dropped", x);
    ok = ok && (x = sg_encoder_to_json(f->enc)) && cJSON_AddItemToObject(root, "encoder", x);
    if (ok && !(x = sg_model_to_json(f->model, err))) {
        cJSON_Delete(root);
        return err ? err->code : SG_EINVAL;
    }
    ok = ok && cJSON_AddItemToObject(root, "model", x);
    if (!ok) {
        cJSON_Delete(root);
        return sg_error_nomem(err);
    }
    int rc = sg_json_write_file(root, path, err);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- load */

/* The format and version fields: 0, or SG_EDATA with err set. */
static int check_envelope(const cJSON *root, const char *path, sg_error *err)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, MODEL_FORMAT) != 0)
        return sg_error_set(err, SG_EDATA, "model file %s: not a segmint model (\"format\" is not \""
                            MODEL_FORMAT "\")", path);
    if (!cJSON_IsNumber(ver) || ver->valuedouble != floor(ver->valuedouble) || ver->valuedouble < 1)
        return sg_error_set(err, SG_EDATA, "model file %s: \"version\" must be a whole number >= 1", path);
    if (ver->valuedouble > MODEL_VERSION)
        return sg_error_set(err, SG_EDATA, "model file %s: format version %.0f is newer than this "
                            "segmint reads (%d): load it with a newer segmint or train the model again",
                            path, ver->valuedouble, MODEL_VERSION);
    return 0;
}

/* The "dropped" names into f: 0, or an error code with err set. */
static int read_dropped(const cJSON *dropped, sg_model_file *f, const char *path, sg_error *err)
{
    if (!(f->dropped = sg_calloc((size_t)cJSON_GetArraySize(dropped) + 1, sizeof(char *))))
        return sg_error_nomem(err);
    const cJSON *d;
    cJSON_ArrayForEach(d, dropped) {
        if (!cJSON_IsString(d))
            return sg_error_set(err, SG_EDATA, "model file %s: \"dropped\" must list column names", path);
        if (!(f->dropped[f->ndropped] = sg_strdup(d->valuestring)))
            return sg_error_nomem(err);
        f->ndropped++;
    }
    return 0;
}

static int parse_file(const cJSON *root, const char *path, sg_model_file *f, sg_error *err)
{
    if (check_envelope(root, path, err))
        return SG_EDATA;
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(root, "label");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(root, "data_sha256");
    const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(root, "dropped");
    if (!cJSON_IsString(label) || !cJSON_IsNumber(rows) || !(rows->valuedouble >= 1 && rows->valuedouble <= 1e15)
        || rows->valuedouble != floor(rows->valuedouble) || !cJSON_IsString(sha)
        || strlen(sha->valuestring) != 2 * SHA256_DIGEST_SIZE || !cJSON_IsArray(dropped))
        return sg_error_set(err, SG_EDATA, "model file %s: \"label\", \"rows\" (a whole number), "
                            "\"data_sha256\" and \"dropped\" are required", path);
    sg_error sub;
    if (!(f->enc = sg_encoder_from_json(cJSON_GetObjectItemCaseSensitive(root, "encoder"), &sub))
        || !(f->model = sg_model_from_json(cJSON_GetObjectItemCaseSensitive(root, "model"), &sub)))
        return sub.code == SG_ENOMEM ? sg_error_nomem(err)
                                     : sg_error_set(err, SG_EDATA, "model file %s: %s", path, sub.msg);
    if (f->model->nfeat != f->enc->nfeat)
        return sg_error_set(err, SG_EDATA, "model file %s: the encoder and the model disagree on the "
                            "number of features", path);
    if (!(f->label = sg_strdup(label->valuestring)))
        return sg_error_nomem(err);
    if (read_dropped(dropped, f, path, err))
        return err ? err->code : SG_EDATA;
    memcpy(f->data_sha256, sha->valuestring, sizeof f->data_sha256 - 1);
    f->data_sha256[sizeof f->data_sha256 - 1] = '\0';
    f->rows = (size_t)rows->valuedouble;
    return 0;
}

int sg_model_load(const char *path, sg_model_file *f, cJSON **meta, sg_error *err)
{
    if (meta)
        *meta = NULL;
    if (!f || !path || !*path)
        return sg_error_set(err, SG_EINVAL, "model load: no path given");
    memset(f, 0, sizeof *f);
    cJSON *root = sg_json_read_file(path, "model file", err);
    if (!root)
        return err ? err->code : SG_EIO;
    int rc = parse_file(root, path, f, err);
    if (rc) {
        sg_model_file_clear(f);
        cJSON_Delete(root);
        return rc;
    }
    if (meta)
        *meta = cJSON_DetachItemFromObjectCaseSensitive(root, "meta");
    cJSON_Delete(root);
    return 0;
}
