/* JSON files of fitted models (jsonfile.c): numbers written so they read
 * back exactly, number checks, atomic writes beside the target, reads with
 * the line of a syntax error, and the failures of each with their messages. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jsonfile.h"
#include "mem.h"
#include "nomem_testutil.h"
#include "tap.h"

static char dir[] = "/tmp/sg_jsonfile_XXXXXX";

static void test_numbers(void)
{
    cJSON *o = cJSON_CreateObject();
    const double v[] = { 0.1, 1.0 / 3, 1e300, -2 };
    tap_ok(sg_json_add_exact(o, "third", 1.0 / 3), "add_exact: added");
    cJSON_AddItemToObject(o, "v", sg_json_exact_array(v, 4));
    cJSON_AddItemToObject(o, "text", cJSON_CreateString("1"));
    cJSON_AddItemToObject(o, "raw_bad", cJSON_CreateRaw("12abc"));
    cJSON_AddItemToObject(o, "raw_inf", cJSON_CreateRaw("1e999"));
    char *s = cJSON_PrintUnformatted(o);
    tap_is_str(s, "{\"third\":0.3333333333333333,\"v\":[0.1,0.3333333333333333,1e+300,-2],"
                  "\"text\":\"1\",\"raw_bad\":12abc,\"raw_inf\":1e999}",
               "numbers written with the fewest digits that read back exactly");
    cJSON_free(s);
    double got[4], x = 0;
    tap_is_int(sg_json_get_numbers(o, "v", got, 4, "m.json", NULL), 0, "get_numbers: 4 numbers");
    tap_ok(memcmp(got, v, sizeof v) == 0, "get_numbers: read back bit for bit");
    sg_error err;
    tap_is_int(sg_json_get_numbers(o, "v", got, 3, "m.json", &err), SG_EDATA, "get_numbers: a wrong count refused");
    tap_is_str(err.msg, "m.json: \"v\" must be an array of 3 numbers", "get_numbers: count message");
    cJSON *bad = cJSON_Parse("{\"w\": [1, \"2\", 3]}");
    sg_json_get_numbers(bad, "w", got, 3, "m.json", &err);
    tap_is_str(err.msg, "m.json: \"w\"[2] is not a finite number", "get_numbers: a string in the array");
    cJSON_Delete(bad);
    tap_ok(!sg_json_number(cJSON_GetObjectItem(o, "text"), &x), "number: a string is not a number");
    tap_ok(!sg_json_number(cJSON_GetObjectItem(o, "raw_bad"), &x), "number: raw text with trailing letters");
    tap_ok(!sg_json_number(cJSON_GetObjectItem(o, "raw_inf"), &x), "number: raw text beyond double is not finite");
    tap_ok(sg_json_number(cJSON_GetObjectItem(o, "third"), &x) && x == 1.0 / 3, "number: raw exact text");
    cJSON_Delete(o);
}

static void test_files(void)
{
    char path[256], sub[256];
    sg_error err;
    cJSON *o = cJSON_CreateObject();
    sg_json_add_exact(o, "k", 3);
    snprintf(path, sizeof path, "%s/no/such/dir/m.json", dir);
    tap_is_int(sg_json_write_file(o, path, &err), SG_EIO, "write: a missing directory");
    char want[600];
    snprintf(want, sizeof want, "cannot create a temporary file for %s: No such file or directory", path);
    tap_is_str(err.msg, want, "write: its message");
    /* the target is a directory: the temporary file is written, the rename fails and it is removed */
    snprintf(sub, sizeof sub, "%s/adir", dir);
    mkdir(sub, 0777);
    snprintf(path, sizeof path, "%s/adir/x", dir);
    mkdir(path, 0777);
    tap_is_int(sg_json_write_file(o, sub, &err), SG_EIO, "write: onto a directory refused");
    tap_ok(strncmp(err.msg, "cannot rename ", 14) == 0 && strstr(err.msg, ".tmp.") &&
               strstr(err.msg, ": Is a directory"),
           "write: rename message (%s)", err.msg);
    snprintf(path, sizeof path, "%s/m.json", dir);
    tap_is_int(sg_json_write_file(o, path, &err), 0, "write: a new file");
    cJSON *back = sg_json_read_file(path, "model", &err);
    double k = 0;
    tap_ok(back && sg_json_number(cJSON_GetObjectItem(back, "k"), &k) && k == 3, "read: the value written");
    cJSON_Delete(back);
    cJSON_Delete(o);
    /* a file larger than the first read buffer, with an error on line 3 */
    FILE *f = fopen(path, "w");
    fprintf(f, "{\n\"a\": [");
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%d, ", i);
    fprintf(f, "0],\n\"b\": tru }\n");
    fclose(f);
    tap_ok(!sg_json_read_file(path, "model", &err) && err.code == SG_EDATA, "read: bad JSON refused");
    snprintf(want, sizeof want, "model %s is not valid JSON (line 3)", path);
    tap_is_str(err.msg, want, "read: the line of the error after 16 kB");
    snprintf(path, sizeof path, "%s/none.json", dir);
    tap_ok(!sg_json_read_file(path, "k-means model", &err) && err.code == SG_EIO, "read: a missing file");
    snprintf(want, sizeof want, "cannot open k-means model %s: No such file or directory", path);
    tap_is_str(err.msg, want, "read: its message");
    tap_ok(!sg_json_read_file(sub, "model", &err) && err.code == SG_EIO, "read: a directory");
    snprintf(want, sizeof want, "cannot read model %s", sub);
    tap_is_str(err.msg, want, "read: a directory's message");
}

static char bigpath[256];

static void *call_read(void *ud, sg_error *err)
{
    (void)ud;
    return sg_json_read_file(bigpath, "model", err);
}

static void *call_write(void *ud, sg_error *err)
{
    static int token;
    char path[300];
    snprintf(path, sizeof path, "%s/w.json", dir);
    return sg_json_write_file(ud, path, err) ? NULL : &token;
}

static void *call_array(void *ud, sg_error *err)
{
    static const double v[] = { 1, 2.5, 3 };
    (void)ud;
    cJSON *o = cJSON_CreateObject(), *a = o ? sg_json_exact_array(v, 3) : NULL;
    int added = a && cJSON_AddItemToObject(o, "v", a);   /* copies the key: may fail */
    if (!added || !sg_json_add_exact(o, "w", 0.5)) {
        if (!added)
            cJSON_Delete(a);
        cJSON_Delete(o);
        sg_error_nomem(err);
        return NULL;
    }
    return o;
}

static void delete_json(void *o)
{
    cJSON_Delete(o);
}

static void nothing(void *p)
{
    (void)p;
}

static void test_nomem(void)
{
    sg_json_use_accounted_memory();   /* cJSON's allocations count, as in the host */
    snprintf(bigpath, sizeof bigpath, "%s/big.json", dir);
    FILE *f = fopen(bigpath, "w");
    fprintf(f, "[");
    for (int i = 0; i < 5000; i++)
        fprintf(f, "%d,", i);
    fprintf(f, "0]\n");
    fclose(f);
    nomem_sweep(call_read, delete_json, NULL, 512, 1 << 20, "read a 24 kB file");
    nomem_sweep(call_array, delete_json, NULL, 4, 4096, "exact numbers");
    cJSON *o = call_array(NULL, NULL);
    nomem_sweep(call_write, nothing, o, 4, 4096, "write");
    cJSON_Delete(o);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        tap_skip_all("no temporary directory");
        return 0;
    }
    test_numbers();
    test_files();
    test_nomem();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
