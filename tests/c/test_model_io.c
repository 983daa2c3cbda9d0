/* Model files (core/model_io.c): the SHA-256 of the training data against
 * an independent computation, the threaded fit giving the same model and
 * digest, a save/load round trip with identical predictions, label, rows,
 * dropped columns and metadata, a file written by an earlier segmint
 * (the fuzz corpus seed), and refusals with messages: a newer format
 * version, another format, corrupted and incomplete files, a missing file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "mem.h"
#include "model.h"
#include "ops_testutil.h"
#include "tap.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

/* Hashes X = [[1,2],[3,4]], y = [5,6]: the 48 little-endian bytes of the
 * doubles 1..6, whose SHA-256 Python's hashlib gives as below. */
static void test_sha(void)
{
    sg_matrix *X = sg_matrix_new(2, 2);
    if (!X)
        abort();
    for (int i = 0; i < 4; i++)
        X->data[i] = i + 1;
    double y[2] = { 5, 6 };
    char hex[SG_MODEL_SHA256_HEX];
    sg_model_data_sha256(X, y, hex);
    tap_is_str(hex, "d73f023a3f852bf2e5c6d836cd36cd930d0091dcba7f778161c707e1c58222b0",
               "data_sha256 of the matrix then the labels");
    sg_matrix_free(X);
}

/* y = 3 + 2 x0 - x1 on six rows through the encoder (no scaling). */
static int fit_file(sg_model_file *f, sg_error *err)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("x0", SG_DOUBLE, "0", "1", "0", "2", "-1", "4"));
    add_col(t, MKCOL("x1", SG_DOUBLE, "0", "0", "1", "3", "5", "-2"));
    static const char *const num[] = { "x0", "x1" };
    sg_encoder_spec spec = { num, 2, NULL, 0, 0, 1, 0 };
    memset(f, 0, sizeof *f);
    sg_matrix *X = sg_encoder_fit(t, &spec, &f->enc, NULL, err);
    sg_table_free(t);
    if (!X)
        return -1;
    double y[6];
    for (size_t i = 0; i < 6; i++)
        y[i] = 3 + 2 * sg_matrix_row(X, i)[0] - sg_matrix_row(X, i)[1];
    sg_model_params p;
    sg_model_params_init(&p, SG_MODEL_LINEAR, SG_TASK_REGRESS);
    f->model = sg_model_fit_hashed(&p, X, y, NULL, NULL, NULL, f->data_sha256, err);
    char direct[SG_MODEL_SHA256_HEX];
    sg_model_data_sha256(X, y, direct);
    tap_is_str(f->data_sha256, direct, "the threaded digest equals the direct one");
    f->rows = X->rows;
    sg_matrix_free(X);
    f->label = sg_strdup("spend");
    f->dropped = sg_calloc(2, sizeof(char *));
    if (!f->model || !f->label || !f->dropped || !(f->dropped[0] = sg_strdup("constant")))
        return -1;
    f->ndropped = 1;
    return 0;
}

static void test_round_trip(const char *path)
{
    sg_error err = { 0, "" };
    sg_model_file f, g;
    tap_ok(fit_file(&f, &err) == 0, "fitted (%s)", err.msg);
    tap_is_double(f.model->coef[0], 2, 1e-9, "coefficient of x0");
    cJSON *meta = cJSON_Parse("{\"trained\":\"2026-12-06\",\"k\":[1,2]}");
    tap_is_int(sg_model_save(&f, meta, path, &err), 0, "save");
    cJSON *back = NULL;
    tap_is_int(sg_model_load(path, &g, &back, &err), 0, "load");
    tap_is_str(g.label, "spend", "label kept");
    tap_is_int((long long)g.rows, 6, "rows kept");
    tap_is_str(g.data_sha256, f.data_sha256, "data_sha256 kept");
    tap_ok(g.ndropped == 1 && strcmp(g.dropped[0], "constant") == 0, "dropped columns kept");
    tap_ok(back && cJSON_Compare(meta, back, 1), "metadata kept");
    tap_ok(g.model && g.enc && g.model->nfeat == 2 && g.enc->nfeat == 2, "model and encoder");
    if (g.model) {
        sg_matrix *X = sg_matrix_new(2, 2);
        if (!X)
            abort();
        double v[4] = { 2, 3, -1, 0.5 }, a[2], b[2];
        memcpy(X->data, v, sizeof v);
        int rc = sg_model_predict(f.model, X, a, &err) | sg_model_predict(g.model, X, b, &err);
        tap_ok(rc == 0 && memcmp(a, b, sizeof a) == 0, "predictions bit-identical after the round trip");
        tap_is_double(b[0], 3 + 4 - 3, 1e-9, "prediction 4 at (2, 3)");
        sg_matrix_free(X);
    }
    cJSON_Delete(back);
    cJSON_Delete(meta);
    sg_model_file_clear(&g);
    sg_model_file_clear(&g);   /* idempotent */
    tap_is_int(sg_model_save(&f, NULL, "/nonexistent-dir/model.json", &err), SG_EIO,
               "save into a missing directory: SG_EIO");
    sg_model_file_clear(&f);
    tap_is_int(sg_model_save(&f, NULL, path, &err), SG_EINVAL, "save of an empty file struct refused");
}

/* A model written by an earlier segmint still loads. */
static void test_old_file(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../fuzz/corpus/models/seed-model-linear", tap_fixtures());
    sg_error err = { 0, "" };
    sg_model_file f;
    cJSON *meta = NULL;
    int rc = sg_model_load(path, &f, &meta, &err);
    tap_is_int(rc, 0, "the corpus seed model loads");
    tap_ok(rc == 0 && strcmp(f.label, "v") == 0 && f.rows == 40 &&
               strcmp(f.data_sha256, "cfb7a58c6c3fd30f1823044d4f036181f3b15c88910e10157e5a8342165b5e06") == 0,
           "its label, rows and data_sha256");
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(meta, "trained");
    tap_ok(cJSON_IsString(tr) && strcmp(tr->valuestring, "2026-12-06") == 0, "its metadata");
    cJSON_Delete(meta);
    sg_model_file_clear(&f);
}

static void test_refused(const char *path)
{
    sg_error err = { 0, "" };
    sg_model_file f;
    char want[1200];
    write_text(path, "{\"format\":\"segmint.model\",\"version\":2}");
    tap_is_int(sg_model_load(path, &f, NULL, &err), SG_EDATA, "a newer version refused");
    snprintf(want, sizeof want, "model file %s: format version 2 is newer than this segmint reads (1): "
             "load it with a newer segmint or train the model again", path);
    tap_is_str(err.msg, want, "newer version message");
    tap_ok(f.model == NULL && f.enc == NULL && f.label == NULL, "nothing left in the struct");

    write_text(path, "{\"format\":\"segmint.kmeans\",\"version\":1}");
    tap_is_int(sg_model_load(path, &f, NULL, &err), SG_EDATA, "a k-means file refused");
    snprintf(want, sizeof want, "model file %s: not a segmint model (\"format\" is not \"segmint.model\")", path);
    tap_is_str(err.msg, want, "other format message");

    static const char *const bad[] = {
        "{\"format\":\"segmint.model\",\"version\":1,\"label\":\"v\",\"rows\":4",
        "{\"format\":\"segmint.model\",\"version\":1.5}",
        "{\"format\":\"segmint.model\",\"version\":1,\"label\":\"v\",\"rows\":4,\"dropped\":[]}",
        "{\"format\":\"segmint.model\",\"version\":1,\"label\":\"v\",\"rows\":2.5,\"dropped\":[],"
        "\"data_sha256\":\"cfb7a58c6c3fd30f1823044d4f036181f3b15c88910e10157e5a8342165b5e06\"}",
        "{\"format\":\"segmint.model\",\"version\":1,\"label\":\"v\",\"rows\":4,\"dropped\":[],"
        "\"data_sha256\":\"cfb7a58c6c3fd30f1823044d4f036181f3b15c88910e10157e5a8342165b5e06\"}",
    };
    static const char *const why[] = {
        "", "\"version\" must be a whole number >= 1", "\"data_sha256\" and \"dropped\" are required",
        "\"rows\" (a whole number)", "model file",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i]);
        int rc = sg_model_load(path, &f, NULL, &err);
        tap_ok(rc == SG_EDATA && strstr(err.msg, path) && strstr(err.msg, why[i]),
               "corrupt file %zu refused: %s", i, err.msg);
    }
    remove(path);
    tap_is_int(sg_model_load(path, &f, NULL, &err), SG_EIO, "missing file: SG_EIO");
}

int main(void)
{
    char path[] = "/tmp/sg_model_io_testXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    test_sha();
    test_round_trip(path);
    test_old_file();
    test_refused(path);
    remove(path);
    return tap_done();
}
