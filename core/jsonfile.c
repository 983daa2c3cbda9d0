/* JSON files of fitted models: see jsonfile.h. */
#include "jsonfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mem.h"

cJSON *sg_json_exact(double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cJSON_CreateRaw(buf);
}

int sg_json_add_exact(cJSON *obj, const char *key, double v)
{
    cJSON *n = sg_json_exact(v);
    if (!n || !cJSON_AddItemToObject(obj, key, n)) {
        cJSON_Delete(n);
        return 0;
    }
    return 1;
}

cJSON *sg_json_exact_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = sg_json_exact(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

int sg_json_number(const cJSON *item, double *out)
{
    double v;
    if (cJSON_IsNumber(item)) {
        v = item->valuedouble;
    } else if (cJSON_IsRaw(item) && item->valuestring) {
        char *end;
        v = strtod(item->valuestring, &end);
        if (end == item->valuestring || *end)
            return 0;
    } else {
        return 0;
    }
    if (!isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int sg_json_get_numbers(const cJSON *obj, const char *key, double *out, size_t n,
                        const char *path, sg_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return sg_error_set(err, SG_EDATA, "%s: \"%s\" must be an array of %zu numbers", path, key, n);
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        if (!sg_json_number(x, &out[i]))
            return sg_error_set(err, SG_EDATA, "%s: \"%s\"[%zu] is not a finite number", path, key, i + 1);
        i++;
    }
    return 0;
}

/* A new file beside path, created exclusively with mode 0666 less the
 * umask (mkstemp would make it 0600, and changing the umask to read it is
 * not thread-safe).  tmp receives its name. */
static int create_beside(const char *path, char *tmp, size_t size)
{
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, size, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

void sg_json_use_accounted_memory(void)
{
    cJSON_Hooks hooks = { sg_malloc, sg_free };
    cJSON_InitHooks(&hooks);
}

int sg_json_write_file(const cJSON *root, const char *path, sg_error *err)
{
    char *text = cJSON_Print(root);
    if (!text)
        return sg_error_nomem(err);
    size_t size = strlen(path) + 48;
    char *tmp = sg_malloc(size);
    if (!tmp) {
        cJSON_free(text);
        return sg_error_nomem(err);
    }
    int rc = 0;
    int fd = create_beside(path, tmp, size);
    if (fd < 0) {
        rc = sg_error_set(err, SG_EIO, "cannot create a temporary file for %s: %s", path,
                          strerror(errno));
        goto done;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        rc = sg_error_set(err, SG_EIO, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    size_t len = strlen(text);
    int werr = fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF;
    werr = fclose(f) != 0 || werr;
    if (werr) {
        rc = sg_error_set(err, SG_EIO, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = sg_error_set(err, SG_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
    }
done:
    sg_free(tmp);
    cJSON_free(text);
    return rc;
}

static char *read_all(const char *path, const char *what, sg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sg_error_set(err, SG_EIO, "cannot open %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = sg_malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *nb = sg_realloc(buf, cap * 2);
            if (!nb) {
                sg_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        fclose(f);
        sg_error_nomem(err);
        return NULL;
    }
    if (ferror(f)) {
        fclose(f);
        sg_free(buf);
        sg_error_set(err, SG_EIO, "cannot read %s %s", what, path);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

cJSON *sg_json_read_file(const char *path, const char *what, sg_error *err)
{
    char *text = read_all(path, what, err);
    if (!text)
        return NULL;
    const char *end = NULL;
    int refused_before = sg_mem_limit_hit();
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root && !refused_before && sg_mem_limit_hit()) {
        sg_error_nomem(err);   /* cJSON reports running out of memory as a syntax error */
    } else if (!root) {
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        size_t line = 1;
        for (size_t i = 0; i < off; i++)
            line += text[i] == '\n';
        sg_error_set(err, SG_EDATA, "%s %s is not valid JSON (line %zu)", what, path, line);
    }
    sg_free(text);
    return root;
}
