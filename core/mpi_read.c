/* The distributed read without merging the rows, in one process (for
 * tests): core/mpi_comm.c runs the same steps across ranks.  Every part
 * sends its dictionaries alone (sg_mpi_part_encode_dicts); the schema and
 * the report come from them (sg_mpi_meta_*); every part is built into a
 * table of that schema (sg_mpi_part_table) and the table is those parts
 * gathered back in order (sg_mpi_table_encode, sg_mpi_table_append).  See
 * docs/mpi.md, "The distributed read". */
#include "mpi_read.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "mpi_clean.h"

#define TABLE_MAGIC 0x31544753u   /* "SGT1" */

static size_t width(sg_type t)
{
    return t == SG_BOOL ? 1 : t == SG_STRING ? 4 : 8;
}

int sg_mpi_table_encode(const sg_table *t, sg_mpi_buf *b)
{
    sg_mpi_put_u64(b, TABLE_MAGIC);
    sg_mpi_put_u64(b, t->ncols);
    sg_mpi_put_u64(b, t->nrows);
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        size_t n = t->nrows;
        sg_mpi_put_str(b, c->name);
        sg_mpi_put_u64(b, (uint64_t)c->type);
        sg_mpi_put_u64(b, (uint64_t)(c->date_only != 0));
        int any = c->na && n && sg_column_na_count(c) > 0;
        sg_mpi_put_u64(b, (uint64_t)any);
        if (any)
            (void)sg_mpi_buf_put(b, c->na, (n + 7) / 8);
        if (c->type == SG_STRING) {
            size_t nd = sg_dict_size(c->dict);
            sg_mpi_put_u64(b, nd);
            for (size_t i = 0; i < nd; i++) {
                size_t len;
                const char *str = sg_dict_str(c->dict, (int32_t)i, &len);
                sg_mpi_put_u64(b, len);
                (void)sg_mpi_buf_put(b, str, len);
            }
        }
        (void)sg_mpi_buf_put(b, c->data, n * width(c->type));
    }
    return b->oom ? SG_ENOMEM : 0;
}

static const unsigned char *rd_take(sg_mpi_rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *q = r->p;
    r->p += n;
    return q;
}

/* Appends column j's n values of the message to c (which holds base). */
static int append_column(sg_column *c, sg_mpi_rd *rd, size_t base, size_t n, sg_error *err)
{
    const char *name = sg_mpi_rd_str(rd);
    uint64_t type = sg_mpi_rd_u64(rd), date_only = sg_mpi_rd_u64(rd), any = sg_mpi_rd_u64(rd);
    const unsigned char *na = any ? rd_take(rd, (n + 7) / 8) : NULL;
    if (rd->bad || strcmp(name, c->name) != 0 || type != (uint64_t)c->type ||
        (c->type == SG_DATETIME && date_only != (uint64_t)(c->date_only != 0)) || c->n != base)
        return sg_error_set(err, SG_EDATA, "a part of the read does not have the table's columns ('%s')", c->name);
    if (sg_column_reserve(c, base + n) != 0)
        return sg_error_nomem(err);
    if (c->type == SG_STRING) {
        uint64_t nd = sg_mpi_rd_u64(rd);
        if (rd->bad || nd > (uint64_t)(rd->end - rd->p))
            return sg_error_set(err, SG_EDATA, "a part of the read arrived damaged");
        int32_t *map = sg_malloc((nd ? (size_t)nd : 1) * sizeof *map);
        if (!map)
            return sg_error_nomem(err);
        for (uint64_t i = 0; i < nd && !rd->bad; i++) {
            uint64_t len = sg_mpi_rd_u64(rd);
            const unsigned char *str = rd_take(rd, len <= (uint64_t)(rd->end - rd->p) ? (size_t)len : SIZE_MAX);
            /* a part's strings in its code order after those before it: first-appearance order */
            if (str && (map[i] = sg_dict_intern(c->dict, (const char *)str, (size_t)len)) < 0) {
                sg_free(map);
                return sg_error_nomem(err);
            }
        }
        const unsigned char *codes = rd_take(rd, n * 4);
        int32_t *out = (int32_t *)c->data + base;
        for (size_t i = 0; codes && i < n; i++) {
            int32_t v;
            memcpy(&v, codes + 4 * i, 4);
            int miss = na && ((na[i >> 3] >> (i & 7)) & 1);
            if (!miss && (v < 0 || (uint64_t)v >= nd))
                rd->bad = 1;
            out[i] = miss || rd->bad ? 0 : map[v];
        }
        sg_free(map);
    } else {
        const unsigned char *vals = rd_take(rd, n * width(c->type));
        if (vals)
            memcpy((char *)c->data + base * width(c->type), vals, n * width(c->type));
    }
    if (rd->bad)
        return sg_error_set(err, SG_EDATA, "a part of the read arrived damaged");
    c->n = base + n;
    for (size_t i = 0; na && i < n; i++)
        if (((na[i >> 3] >> (i & 7)) & 1) && sg_column_set_na(c, base + i) != 0)
            return sg_error_nomem(err);
    return 0;
}

int sg_mpi_table_append(sg_table *t, const unsigned char *b, size_t len, sg_error *err)
{
    sg_mpi_rd rd = { b, b + len, 0 };
    uint64_t magic = sg_mpi_rd_u64(&rd), ncols = sg_mpi_rd_u64(&rd), n = sg_mpi_rd_u64(&rd);
    if (rd.bad || magic != TABLE_MAGIC || ncols != t->ncols || n > len)
        return sg_error_set(err, SG_EDATA, "a part of the read arrived damaged or with other columns");
    for (size_t j = 0; j < t->ncols; j++) {
        int rc = append_column(t->cols[j], &rd, t->nrows, (size_t)n, err);
        if (rc)
            return rc;
    }
    if (rd.p != rd.end)
        return sg_error_set(err, SG_EDATA, "a part of the read arrived damaged");
    t->nrows += (size_t)n;
    return 0;
}

int sg_mpi_table_growable(sg_table *t, sg_error *err)
{
    for (size_t j = 0; j < t->ncols; j++) {
        sg_column *c = t->cols[j];
        if (c->type != SG_STRING)
            continue;
        size_t nd = sg_dict_size(c->dict);
        sg_dict *d = sg_dict_new(nd ? nd : 16);
        for (size_t i = 0; d && i < nd; i++) {
            size_t len;
            const char *str = sg_dict_str(c->dict, (int32_t)i, &len);
            if (sg_dict_intern(d, str, len) != (int32_t)i) {
                sg_dict_release(d);
                d = NULL;
            }
        }
        if (!d)
            return sg_error_nomem(err);
        sg_dict_release(c->dict);
        c->dict = d;
    }
    return 0;
}

void sg_mpi_table_trim(sg_table *t)
{
    for (size_t j = 0; t && j < t->ncols; j++)
        if (t->cols[j]->type == SG_STRING)
            sg_dict_trim(t->cols[j]->dict);
}

sg_table *sg_mpi_table_empty(const sg_table *shape, sg_error *err)
{
    sg_table *t = sg_table_new();
    for (size_t j = 0; t && j < shape->ncols; j++) {
        sg_column *c = sg_column_new(shape->cols[j]->name, shape->cols[j]->type, 0);
        if (c)
            c->date_only = shape->cols[j]->date_only;
        if (!c || sg_table_add(t, c, err) != 0) {
            sg_column_release(c);
            sg_table_free(t);
            t = NULL;
        }
    }
    if (!t)
        sg_error_nomem(err);
    return t;
}

sg_table *sg_mpi_gather_parts_local(sg_table **parts, const sg_table *shape, int n, sg_error *err)
{
    sg_table *t = parts[0];
    parts[0] = NULL;
    if (!t && !(t = sg_mpi_table_empty(shape, err)))
        return NULL;
    if (sg_mpi_table_growable(t, err) != 0) {
        sg_table_free(t);
        return NULL;
    }
    for (int k = 1; k < n; k++) {
        if (!parts[k])
            continue;
        sg_mpi_buf b = { 0 };
        int rc = sg_mpi_table_encode(parts[k], &b) ? sg_error_nomem(err) : sg_mpi_table_append(t, b.b, b.len, err);
        sg_mpi_buf_free(&b);
        if (rc) {
            sg_table_free(t);
            return NULL;
        }
    }
    sg_mpi_table_trim(t);
    return t;
}

static void local_decided(void *ud, const sg_csv_reader *r)
{
    sg_mpi_modes_take(ud, r);
}

sg_table *sg_mpi_dicts_local(sg_csv_part *pk, int n, const char *path, char delim, uint64_t bytes,
                             sg_csv_report *report, sg_error *err, int *fast, sg_table **shape_out)
{
    sg_mpi_meta mt;
    sg_table *shape = NULL, *t = NULL, *parts[64] = { NULL };
    *fast = 0;
    if (shape_out)
        *shape_out = NULL;
    if (report)
        memset(report, 0, sizeof *report);
    if (n < 1 || n > 64)
        return NULL;
    /* the dictionaries to "rank 0", which decides */
    if (sg_mpi_meta_init(&mt, &pk[0]) == 0 && mt.fast) {
        for (int k = 0; k < n; k++) {
            unsigned char *b = NULL;
            size_t len = 0;
            if (sg_mpi_part_encode_dicts(&pk[k], &b, &len) != 0)
                mt.fast = 0;
            else
                sg_mpi_meta_add(&mt, b, len);
            sg_free(b);
        }
        shape = sg_mpi_meta_finish(&mt, path, delim, bytes, report);
    }
    /* every part typed with the schema, then gathered back */
    sg_mpi_schema s;
    memset(&s, 0, sizeof s);
    int built = shape && sg_mpi_schema_of(shape, mt.fmts, &s) == 0;
    for (int k = 0; built && k < n; k++) {
        sg_error pe;
        uint64_t rows = pk[k].r.cols ? pk[k].r.nrows : 0;
        parts[k] = rows ? sg_mpi_part_table(&pk[k], &s, &pe) : NULL;
        if (rows && !parts[k])
            built = 0;      /* the ranks' path: rank 0 reads the file whole */
    }
    sg_mpi_schema_free(&s);
    if (built && mt.rows == 0) {
        t = sg_table_share(shape);     /* no rows: the columns are the table */
    } else if (built) {
        t = sg_mpi_gather_parts_local(parts, shape, n, err);
        if (t && t->nrows != mt.rows) {
            sg_table_free(t);
            t = NULL;
        }
    }
    for (int k = 0; k < n; k++)
        sg_table_free(parts[k]);
    sg_mpi_meta_free(&mt);
    *fast = t != NULL;
    if (!t) {
        sg_table_free(shape);
        if (report) {
            sg_csv_report_free(report);
            memset(report, 0, sizeof *report);
        }
        return NULL;
    }
    if (shape_out)
        *shape_out = shape;
    else
        sg_table_free(shape);
    return t;
}

sg_table *sg_mpi_read_local_dicts(const char *path, const sg_csv_options *opt, int n, sg_csv_report *report,
                                  sg_error *err, int *fast, sg_table **shape_out)
{
    struct stat st;
    *fast = 0;
    if (shape_out)
        *shape_out = NULL;
    int fd = path ? open(path, O_RDONLY) : -1;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || opt->max_rows || n < 1 || n > 64) {
        if (fd >= 0)
            close(fd);
        return sg_csv_read(path, opt, report, err);
    }
    uint64_t size = (uint64_t)st.st_size, hdr_end, cuts[64], line0[64];
    int e = sg_mpi_plan(fd, size, n, &hdr_end, cuts, line0);
    close(fd);
    if (e)
        return sg_csv_read(path, opt, report, err);
    sg_csv_part pk[64];
    sg_mpi_modes m;
    memset(&m, 0, sizeof m);
    sg_csv_part_modes first = { NULL, NULL, 0, local_decided, &m };
    sg_mpi_read_part(path, opt, 0, n, size, hdr_end, cuts, line0, &first, &pk[0]);
    sg_csv_part_modes rest = { m.modes, m.fmts, m.ncols, NULL, NULL };
    for (int k = 1; k < n; k++)
        sg_mpi_read_part(path, opt, k, n, size, hdr_end, cuts, line0, &rest, &pk[k]);
    sg_table *t = sg_mpi_dicts_local(pk, n, path, pk[0].delim, size, report, err, fast, shape_out);
    for (int k = 0; k < n; k++)
        sg_csv_part_free(&pk[k]);
    sg_mpi_modes_free(&m);
    if (!*fast) {
        int fellback;
        return sg_mpi_read_local(path, opt, n, report, err, &fellback);
    }
    return t;
}
