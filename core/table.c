#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "mem.h"

/* ---- types ---- */

const char *sg_type_name(sg_type t)
{
    switch (t) {
    case SG_INT64: return "int64";
    case SG_DOUBLE: return "double";
    case SG_STRING: return "string";
    case SG_DATETIME: return "datetime";
    case SG_BOOL: return "bool";
    }
    return "?";
}

int sg_type_parse(const char *name, sg_type *out)
{
    static const struct { const char *name; sg_type type; } names[] = {
        { "int64", SG_INT64 }, { "int", SG_INT64 }, { "integer", SG_INT64 },
        { "double", SG_DOUBLE }, { "float", SG_DOUBLE }, { "number", SG_DOUBLE },
        { "string", SG_STRING }, { "str", SG_STRING },
        { "datetime", SG_DATETIME }, { "date", SG_DATETIME },
        { "bool", SG_BOOL }, { "boolean", SG_BOOL },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].type;
            return 0;
        }
    return -1;
}

int sg_type_is_numeric(sg_type t)
{
    return t != SG_STRING;
}

static size_t type_width(sg_type t)
{
    switch (t) {
    case SG_INT64: case SG_DATETIME: return sizeof(int64_t);
    case SG_DOUBLE: return sizeof(double);
    case SG_STRING: return sizeof(int32_t);
    case SG_BOOL: return 1;
    }
    return 8;
}

/* ---- dictionary: open addressing over codes, strings in chunks ---- */

struct sg_dict {
    int refs;
    size_t n, cap;          /* strings */
    const char **strs;
    uint32_t *lens;
    uint32_t *hashes;
    int32_t *slots;         /* -1 empty */
    size_t nslots;          /* power of two */
    char **chunks;          /* string storage */
    size_t nchunks, chunk_cap;
    size_t chunk_used, chunk_size;
    size_t bytes;
};

static uint32_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a, 32 bit */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

sg_dict *sg_dict_new(size_t cap_hint)
{
    sg_dict *d = sg_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->refs = 1;
    d->nslots = 64;
    while (d->nslots < cap_hint * 2)
        d->nslots <<= 1;
    d->slots = sg_malloc(d->nslots * sizeof *d->slots);
    if (!d->slots) {
        sg_free(d);
        return NULL;
    }
    memset(d->slots, 0xff, d->nslots * sizeof *d->slots);
    return d;
}

sg_dict *sg_dict_retain(sg_dict *d)
{
    if (d)
        d->refs++;
    return d;
}

void sg_dict_release(sg_dict *d)
{
    if (!d || --d->refs > 0)
        return;
    for (size_t i = 0; i < d->nchunks; i++)
        sg_free(d->chunks[i]);
    sg_free(d->chunks);
    sg_free(d->strs);
    sg_free(d->lens);
    sg_free(d->hashes);
    sg_free(d->slots);
    sg_free(d);
}

static int dict_grow_slots(sg_dict *d)
{
    size_t ns = d->nslots * 2;
    int32_t *slots = sg_malloc(ns * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0xff, ns * sizeof *slots);
    for (size_t i = 0; i < d->n; i++) {
        size_t j = d->hashes[i] & (ns - 1);
        while (slots[j] >= 0)
            j = (j + 1) & (ns - 1);
        slots[j] = (int32_t)i;
    }
    sg_free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

static char *dict_store(sg_dict *d, const char *s, size_t len)
{
    if (!d->chunks || d->chunk_used + len + 1 > d->chunk_size) {
        size_t size = d->chunk_size ? d->chunk_size * 2 : 4096;
        if (size > (1u << 24))
            size = 1u << 24;
        if (size < len + 1)
            size = len + 1;
        if (d->nchunks == d->chunk_cap) {
            size_t nc = d->chunk_cap ? d->chunk_cap * 2 : 8;
            char **chunks = sg_realloc(d->chunks, nc * sizeof *chunks);
            if (!chunks)
                return NULL;
            d->chunks = chunks;
            d->chunk_cap = nc;
        }
        char *chunk = sg_malloc(size);
        if (!chunk)
            return NULL;
        d->chunks[d->nchunks++] = chunk;
        d->chunk_size = size;
        d->chunk_used = 0;
        d->bytes += size;
    }
    char *p = d->chunks[d->nchunks - 1] + d->chunk_used;
    memcpy(p, s, len);
    p[len] = '\0';
    d->chunk_used += len + 1;
    return p;
}

int32_t sg_dict_find(const sg_dict *d, const char *s, size_t len)
{
    uint32_t h = hash_bytes(s, len);
    size_t j = h & (d->nslots - 1);
    for (;;) {
        int32_t code = d->slots[j];
        if (code < 0)
            return -1;
        if (d->hashes[code] == h && d->lens[code] == len && memcmp(d->strs[code], s, len) == 0)
            return code;
        j = (j + 1) & (d->nslots - 1);
    }
}

int32_t sg_dict_intern(sg_dict *d, const char *s, size_t len)
{
    if (len > UINT32_MAX)
        return -1;
    uint32_t h = hash_bytes(s, len);
    size_t j = h & (d->nslots - 1);
    for (;;) {
        int32_t code = d->slots[j];
        if (code < 0)
            break;
        if (d->hashes[code] == h && d->lens[code] == len && memcmp(d->strs[code], s, len) == 0)
            return code;
        j = (j + 1) & (d->nslots - 1);
    }
    if (d->n >= INT32_MAX)
        return -1;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 64;
        const char **strs = sg_realloc(d->strs, nc * sizeof *strs);
        if (!strs)
            return -1;
        d->strs = strs;
        uint32_t *lens = sg_realloc(d->lens, nc * sizeof *lens);
        if (!lens)
            return -1;
        d->lens = lens;
        uint32_t *hashes = sg_realloc(d->hashes, nc * sizeof *hashes);
        if (!hashes)
            return -1;
        d->hashes = hashes;
        d->cap = nc;
    }
    char *p = dict_store(d, s, len);
    if (!p)
        return -1;
    int32_t code = (int32_t)d->n;
    d->strs[code] = p;
    d->lens[code] = (uint32_t)len;
    d->hashes[code] = h;
    d->slots[j] = code;
    d->n++;
    if (d->n * 2 > d->nslots && dict_grow_slots(d) != 0) {
        /* The string is stored and findable; growth failed, so the table is
         * fuller than we like but still correct as long as a slot is free. */
        if (d->n + 1 >= d->nslots)
            return -1;
    }
    return code;
}

const char *sg_dict_str(const sg_dict *d, int32_t code, size_t *len)
{
    if (code < 0 || (size_t)code >= d->n)
        return NULL;
    if (len)
        *len = d->lens[code];
    return d->strs[code];
}

size_t sg_dict_size(const sg_dict *d) { return d->n; }

size_t sg_dict_bytes(const sg_dict *d)
{
    return d->bytes + d->cap * (sizeof(char *) + 8) + d->nslots * sizeof(int32_t);
}

/* ---- columns ---- */

static sg_column *column_alloc(const char *name, sg_type type)
{
    sg_column *c = sg_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    c->type = type;
    c->name = sg_strdup(name);
    if (!c->name) {
        sg_free(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_new(const char *name, sg_type type, size_t cap_hint)
{
    sg_column *c = column_alloc(name, type);
    if (!c)
        return NULL;
    if (type == SG_STRING && !(c->dict = sg_dict_new(16))) {
        sg_column_release(c);
        return NULL;
    }
    if (cap_hint && sg_column_reserve(c, cap_hint) != 0) {
        sg_column_release(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_new_with_dict(const char *name, sg_dict *dict, size_t cap_hint)
{
    sg_column *c = column_alloc(name, SG_STRING);
    if (!c)
        return NULL;
    c->dict = sg_dict_retain(dict);
    if (cap_hint && sg_column_reserve(c, cap_hint) != 0) {
        sg_column_release(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_retain(sg_column *c)
{
    if (c)
        c->refs++;
    return c;
}

void sg_column_release(sg_column *c)
{
    if (!c || --c->refs > 0)
        return;
    sg_free(c->name);
    sg_free(c->data);
    sg_free(c->na);
    sg_dict_release(c->dict);
    sg_free(c);
}

int sg_column_reserve(sg_column *c, size_t n)
{
    if (n <= c->cap)
        return 0;
    size_t w = type_width(c->type);
    if (n > SIZE_MAX / w)
        return SG_ENOMEM;
    void *data = sg_realloc(c->data, n * w);
    if (!data)
        return SG_ENOMEM;
    c->data = data;
    if (c->na) {
        size_t oldb = (c->cap + 7) / 8, newb = (n + 7) / 8;
        uint8_t *na = sg_realloc(c->na, newb);
        if (!na)
            return SG_ENOMEM;
        memset(na + oldb, 0, newb - oldb);
        c->na = na;
    }
    c->cap = n;
    return 0;
}

static int grow(sg_column *c)
{
    if (c->n < c->cap)
        return 0;
    size_t nc = c->cap < 16 ? 16 : c->cap + c->cap / 2;
    return sg_column_reserve(c, nc);
}

int sg_column_push_i64(sg_column *c, int64_t v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((int64_t *)c->data)[c->n++] = v;
    return 0;
}

int sg_column_push_f64(sg_column *c, double v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((double *)c->data)[c->n++] = v;
    return 0;
}

int sg_column_push_bool(sg_column *c, int v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((uint8_t *)c->data)[c->n++] = v ? 1 : 0;
    return 0;
}

int sg_column_push_code(sg_column *c, int32_t code)
{
    if (grow(c))
        return SG_ENOMEM;
    ((int32_t *)c->data)[c->n++] = code;
    return 0;
}

int sg_column_push_str(sg_column *c, const char *s, size_t len)
{
    int32_t code = sg_dict_intern(c->dict, s, len);
    if (code < 0)
        return SG_ENOMEM;
    return sg_column_push_code(c, code);
}

int sg_column_set_na(sg_column *c, size_t i)
{
    if (!c->na) {
        c->na = sg_calloc((c->cap + 7) / 8 ? (c->cap + 7) / 8 : 1, 1);
        if (!c->na)
            return SG_ENOMEM;
    }
    c->na[i >> 3] |= (uint8_t)(1u << (i & 7));
    return 0;
}

int sg_column_push_na(sg_column *c)
{
    if (grow(c))
        return SG_ENOMEM;
    size_t w = type_width(c->type);
    memset((char *)c->data + c->n * w, 0, w);
    if (sg_column_set_na(c, c->n))
        return SG_ENOMEM;
    c->n++;
    return 0;
}

size_t sg_column_na_count(const sg_column *c)
{
    if (!c->na)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        k += sg_column_is_na(c, i);
    return k;
}

size_t sg_column_bytes(const sg_column *c)
{
    size_t b = sizeof *c + c->cap * type_width(c->type);
    if (c->na)
        b += (c->cap + 7) / 8;
    if (c->dict)
        b += sg_dict_bytes(c->dict);
    return b;
}

double sg_column_num(const sg_column *c, size_t i)
{
    if (sg_column_is_na(c, i))
        return NAN;
    switch (c->type) {
    case SG_INT64: case SG_DATETIME: return (double)((int64_t *)c->data)[i];
    case SG_DOUBLE: return ((double *)c->data)[i];
    case SG_BOOL: return ((uint8_t *)c->data)[i];
    case SG_STRING: break;
    }
    return NAN;
}

const char *sg_column_str(const sg_column *c, size_t i, size_t *len)
{
    if (c->type != SG_STRING || sg_column_is_na(c, i))
        return NULL;
    return sg_dict_str(c->dict, ((int32_t *)c->data)[i], len);
}

static size_t format_double(double v, char *buf, size_t size)
{
    if (isnan(v))
        return (size_t)snprintf(buf, size, "NaN");
    if (isinf(v))
        return (size_t)snprintf(buf, size, v > 0 ? "Inf" : "-Inf");
    /* shortest of %.15g / %.16g / %.17g that reads back exactly; integral
     * values keep a ".0" so the column reads back as double */
    int k = 0;
    for (int prec = 15; prec <= 17; prec++) {
        k = snprintf(buf, size, "%.*g", prec, v);
        if (k > 0 && (size_t)k < size && strtod(buf, NULL) == v)
            break;
    }
    if (k < 0)
        return 0;
    if ((size_t)k + 2 < size && !strpbrk(buf, ".eE")) {
        memcpy(buf + k, ".0", 3);
        k += 2;
    }
    return (size_t)k;
}

size_t sg_column_format(const sg_column *c, size_t i, char *buf, size_t size)
{
    size_t k = 0;
    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (sg_column_is_na(c, i))
        return 0;
    switch (c->type) {
    case SG_INT64: {
        int r = snprintf(buf, size, "%lld", (long long)((int64_t *)c->data)[i]);
        k = r < 0 ? 0 : (size_t)r;
        break;
    }
    case SG_DOUBLE:
        k = format_double(((double *)c->data)[i], buf, size);
        break;
    case SG_DATETIME:
        k = sg_datetime_format(((int64_t *)c->data)[i], c->date_only, buf, size);
        break;
    case SG_BOOL: {
        int r = snprintf(buf, size, "%s", ((uint8_t *)c->data)[i] ? "true" : "false");
        k = r < 0 ? 0 : (size_t)r;
        break;
    }
    case SG_STRING: {
        size_t len;
        const char *s = sg_column_str(c, i, &len);
        if (!s)
            return 0;
        k = len < size - 1 ? len : size - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
        return k;
    }
    }
    return k < size ? k : size - 1;
}

sg_column *sg_column_take(const sg_column *c, const size_t *rows, size_t n)
{
    sg_column *o = c->type == SG_STRING ? sg_column_new_with_dict(c->name, c->dict, n)
                                        : sg_column_new(c->name, c->type, n);
    if (!o)
        return NULL;
    o->date_only = c->date_only;
    size_t w = type_width(c->type);
    const char *src = c->data;
    char *dst = o->data;
    for (size_t k = 0; k < n; k++) {
        size_t r = rows[k];
        if (r == SIZE_MAX || sg_column_is_na(c, r)) {
            memset(dst + k * w, 0, w);
            if (sg_column_set_na(o, k)) {
                sg_column_release(o);
                return NULL;
            }
            continue;
        }
        switch (w) {
        case 8: memcpy(dst + k * 8, src + r * 8, 8); break;
        case 4: memcpy(dst + k * 4, src + r * 4, 4); break;
        default: dst[k] = src[r]; break;
        }
    }
    o->n = n;
    return o;
}

sg_column *sg_column_copy(const sg_column *c, const char *name)
{
    sg_column *o = c->type == SG_STRING ? sg_column_new_with_dict(name, c->dict, c->n)
                                        : sg_column_new(name, c->type, c->n);
    if (!o)
        return NULL;
    o->date_only = c->date_only;
    if (c->n)
        memcpy(o->data, c->data, c->n * type_width(c->type));
    if (c->na) {
        o->na = sg_calloc((o->cap + 7) / 8 ? (o->cap + 7) / 8 : 1, 1);
        if (!o->na) {
            sg_column_release(o);
            return NULL;
        }
        memcpy(o->na, c->na, (c->n + 7) / 8);
    }
    o->n = c->n;
    return o;
}

/* ---- tables ---- */

sg_table *sg_table_new(void)
{
    return sg_calloc(1, sizeof(sg_table));
}

void sg_table_free(sg_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        sg_column_release(t->cols[i]);
    sg_free(t->cols);
    sg_free(t);
}

int sg_table_index(const sg_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i]->name, name) == 0)
            return (int)i;
    return -1;
}

sg_column *sg_table_col(const sg_table *t, const char *name)
{
    int i = sg_table_index(t, name);
    return i < 0 ? NULL : t->cols[i];
}

static int table_put(sg_table *t, sg_column *c, int replace, sg_error *err)
{
    if (t->ncols > 0 && c->n != t->nrows) {
        sg_error_set(err, SG_EINVAL, "column '%s' has %zu values but the dataset has %zu rows",
                     c->name, c->n, t->nrows);
        sg_column_release(c);
        return SG_EINVAL;
    }
    int at = sg_table_index(t, c->name);
    if (at >= 0) {
        if (!replace) {
            sg_error_set(err, SG_EINVAL, "the dataset already has a column '%s'", c->name);
            sg_column_release(c);
            return SG_EINVAL;
        }
        sg_column_release(t->cols[at]);
        t->cols[at] = c;
        return 0;
    }
    if (t->ncols == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        sg_column **cols = sg_realloc(t->cols, nc * sizeof *cols);
        if (!cols) {
            sg_column_release(c);
            return sg_error_nomem(err);
        }
        t->cols = cols;
        t->cap = nc;
    }
    if (t->ncols == 0)
        t->nrows = c->n;
    t->cols[t->ncols++] = c;
    return 0;
}

int sg_table_add(sg_table *t, sg_column *c, sg_error *err) { return table_put(t, c, 0, err); }
int sg_table_set(sg_table *t, sg_column *c, sg_error *err) { return table_put(t, c, 1, err); }

sg_table *sg_table_share(const sg_table *t)
{
    sg_table *o = sg_table_new();
    if (!o)
        return NULL;
    for (size_t i = 0; i < t->ncols; i++)
        if (sg_table_add(o, sg_column_retain(t->cols[i]), NULL) != 0) {
            sg_table_free(o);
            return NULL;
        }
    o->nrows = t->nrows;
    return o;
}

sg_table *sg_table_select(const sg_table *t, const char *const *names, size_t n, sg_error *err)
{
    sg_table *o = sg_table_new();
    if (!o) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        sg_column *c = sg_table_col(t, names[i]);
        if (!c) {
            sg_error_set(err, SG_EINVAL, "no column '%s' in the dataset", names[i]);
            sg_table_free(o);
            return NULL;
        }
        if (sg_table_add(o, sg_column_retain(c), err) != 0) {
            sg_table_free(o);
            return NULL;
        }
    }
    o->nrows = n ? t->nrows : 0;
    return o;
}

sg_table *sg_table_take(const sg_table *t, const size_t *rows, size_t n, sg_error *err)
{
    sg_table *o = sg_table_new();
    if (!o) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        sg_column *c = sg_column_take(t->cols[i], rows, n);
        if (!c || sg_table_add(o, c, err) != 0) {
            if (!c)
                sg_error_nomem(err);
            sg_table_free(o);
            return NULL;
        }
    }
    o->nrows = n;
    return o;
}

sg_table *sg_table_head(const sg_table *t, size_t n, sg_error *err)
{
    if (n > t->nrows)
        n = t->nrows;
    size_t *rows = sg_malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    sg_table *o = sg_table_take(t, rows, n, err);
    sg_free(rows);
    return o;
}

size_t sg_table_bytes(const sg_table *t)
{
    size_t b = sizeof *t + t->cap * sizeof(sg_column *);
    for (size_t i = 0; i < t->ncols; i++)
        b += sg_column_bytes(t->cols[i]);
    return b;
}
