/* Model features per customer on the owning rank (see mpi_features.h,
 * docs/mpi.md).
 *
 * An owner's records: a header { customers, rows_history, rows_future,
 * rows_after, rows_missing, last_date, customer type, feature columns },
 * then per customer its value (a string as length + bytes, a number as its
 * 8 bytes), each feature column's 8 bytes (int64 or double, in the
 * table's column order) and a mask of the missing ones. */
#include "mpi_features.h"

#include <math.h>
#include <string.h>

#include "join.h"
#include "mem.h"
#include "mpi_rfm.h"
#include "mpi_shuffle.h"
#include "rfm_internal.h"

enum { HEAD_WORDS = 8 };

/* ---- the command ---- */

static void put_f64(sg_mpi_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    sg_mpi_put_u64(b, u);
}

static double rd_f64(sg_mpi_rd *r)
{
    uint64_t u = sg_mpi_rd_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int sg_mpi_features_encode(const sg_mpi_features_cmd *c, sg_mpi_buf *b)
{
    const sg_features_options *o = &c->o;
    sg_mpi_put_u64(b, c->gen);
    sg_mpi_put_str(b, o->customer);
    sg_mpi_put_str(b, o->date);
    sg_mpi_put_str(b, o->invoice);
    sg_mpi_put_str(b, o->amount);
    sg_mpi_put_str(b, o->item);
    sg_mpi_put_str(b, o->category);
    sg_mpi_put_u64(b, (uint64_t)o->cutoff);
    put_f64(b, o->window_days);
    put_f64(b, o->horizon_days);
    sg_mpi_put_u64(b, (uint64_t)c->products_len);
    (void)sg_mpi_buf_put(b, c->products, c->products_len);
    return b->oom ? SG_ENOMEM : 0;
}

int sg_mpi_features_decode(const unsigned char *b, size_t len, sg_mpi_features_cmd *c)
{
    sg_mpi_rd r = { b, b + len, 0 };
    memset(c, 0, sizeof *c);
    sg_features_options *o = &c->o;
    sg_features_options_init(o);
    c->gen = sg_mpi_rd_u64(&r);
    o->customer = sg_mpi_rd_str(&r);
    o->date = sg_mpi_rd_str(&r);
    o->invoice = sg_mpi_rd_str(&r);
    o->amount = sg_mpi_rd_str(&r);
    o->item = sg_mpi_rd_str(&r);
    o->category = sg_mpi_rd_str(&r);
    o->cutoff = (int64_t)sg_mpi_rd_u64(&r);
    o->window_days = rd_f64(&r);
    o->horizon_days = rd_f64(&r);
    uint64_t plen = sg_mpi_rd_u64(&r);
    if (r.bad || plen != (uint64_t)(r.end - r.p))
        return -1;
    c->products = plen ? r.p : NULL;
    c->products_len = (size_t)plen;
    if (!o->item[0])
        o->item = NULL;
    if (!o->category[0])
        o->category = NULL;
    return 0;
}

int sg_mpi_features_pack_products(const sg_table *p, sg_mpi_buf *out, sg_error *err)
{
    size_t n = p->nrows;
    uint64_t *gid = sg_malloc((n ? n : 1) * sizeof *gid);
    size_t *rows = sg_malloc((n ? n : 1) * sizeof *rows);
    int rc;
    if (!gid || !rows) {
        rc = sg_error_set(err, SG_ENOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++)
            gid[i] = rows[i] = i;
        rc = sg_mpi_rows_pack(p, gid, rows, n, out, err);
    }
    sg_free(gid);
    sg_free(rows);
    return rc;
}

/* ---- the input of the features ---- */

sg_table *sg_mpi_features_input(const sg_table *t, const sg_features_options *o, const sg_table *products,
                                sg_error *err)
{
    /* with products, a category column t has already stays t's: the
     * join then names the products' one with the suffix */
    const char *want[6] = { o->customer, o->date, o->invoice, o->amount, o->item,
                            !products || (o->category && sg_table_col(t, o->category)) ? o->category : NULL };
    const char *names[6];
    size_t n = 0;
    for (int k = 0; k < 6; k++) {
        int seen = !want[k];
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(names[j], want[k]) == 0;
        if (!seen)
            names[n++] = want[k];
    }
    sg_table *s = sg_table_select(t, names, n, err);
    if (!s || !products)
        return s;
    if (!o->item) {
        sg_table_free(s);
        return sg_error_set(err, SG_EINVAL, "features: a products table needs the item column"), NULL;
    }
    const char *key[1] = { o->item };
    sg_table *j = sg_table_join(s, products, key, key, 1, SG_JOIN_LEFT, "_right", err);
    sg_table_free(s);
    return j;
}

sg_table *sg_mpi_features_template(const sg_table *tx, const sg_features_options *o, const sg_table *products,
                                   sg_error *err)
{
    sg_table *h = sg_table_head(tx, 0, err);
    sg_table *in = h ? sg_mpi_features_input(h, o, products, err) : NULL;
    sg_table *out = in ? sg_features_build(in, o, NULL, err) : NULL;
    sg_table_free(h);
    sg_table_free(in);
    if (out && out->ncols - 1 > SG_MPI_FEATURES_MAXCOLS) {
        sg_table_free(out);
        return sg_error_set(err, SG_EINVAL, "features: more columns than a record holds"), NULL;
    }
    return out;
}

/* ---- on the owner ---- */

/* The records of the feature table f (header, then a record per row). */
static void put_records(const sg_table *f, const sg_features_info *info, sg_mpi_buf *out)
{
    const sg_column *cust = f->cols[0];
    uint64_t head[HEAD_WORDS] = { f->nrows, info->rows_history, info->rows_future, info->rows_after,
                                  info->rows_missing, (uint64_t)info->last_date, (uint64_t)cust->type,
                                  f->ncols - 1 };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    for (size_t i = 0; i < f->nrows && !out->oom; i++) {
        sg_mpi_put_id(out, cust, i);
        uint64_t mask = 0;
        for (size_t j = 1; j < f->ncols; j++) {
            const sg_column *c = f->cols[j];
            if (sg_column_is_na(c, i)) {
                mask |= 1ull << (j - 1);
                sg_mpi_put_u64(out, 0);
            } else {
                (void)sg_mpi_buf_put(out, (const char *)c->data + i * 8, 8);
            }
        }
        sg_mpi_put_u64(out, mask);
    }
}

int sg_mpi_features_owner(const sg_table *t, const sg_mpi_features_cmd *c, sg_mpi_buf *out, sg_error *err)
{
    sg_error_clear(err);
    if (!t || t->nrows == 0) {
        /* no rows (or, with no rows received, no columns either) */
        uint64_t head[HEAD_WORDS] = { 0 };
        (void)sg_mpi_buf_put(out, head, sizeof head);
        return out->oom ? sg_error_set(err, SG_ENOMEM, "out of memory") : 0;
    }
    sg_table *products = NULL, *in = NULL, *f = NULL;
    uint64_t *gid = NULL;
    if (c->products_len) {
        const unsigned char *parts[1] = { c->products };
        size_t lens[1] = { c->products_len };
        if (!(products = sg_mpi_rows_unpack(parts, lens, 1, &gid, err)))
            return err->code ? err->code : SG_ENOMEM;
        sg_free(gid);
    }
    sg_features_info info;
    in = sg_mpi_features_input(t, &c->o, products, err);
    f = in ? sg_features_build(in, &c->o, &info, err) : NULL;
    sg_table_free(products);
    sg_table_free(in);
    if (!f)
        return err->code ? err->code : SG_ENOMEM;
    int rc = 0;
    if (f->ncols < 1 || f->ncols - 1 > SG_MPI_FEATURES_MAXCOLS)
        rc = sg_error_set(err, SG_EINVAL, "features: more columns than a record holds");
    else
        put_records(f, &info, out);
    sg_table_free(f);
    if (!rc && out->oom)
        rc = sg_error_set(err, SG_ENOMEM, "out of memory");
    return rc;
}

/* ---- rank 0 ---- */

/* Checks owner k's records against the template's layout (ncol feature
 * columns, the customer type); adds its counts to info.  0, or -1. */
static int check_part(const unsigned char *b, size_t len, sg_type cust_type, size_t ncol, sg_features_info *info,
                      int64_t *last, int *any, uint64_t *nc_out)
{
    sg_mpi_rd r = { b, b + len, 0 };
    uint64_t h[HEAD_WORDS];
    for (int q = 0; q < HEAD_WORDS; q++)
        h[q] = sg_mpi_rd_u64(&r);
    if (r.bad || (h[0] && (h[6] != (uint64_t)cust_type || h[7] != ncol)))
        return -1;
    int numeric = cust_type != SG_STRING;
    for (uint64_t c = 0; c < h[0] && !r.bad; c++) {
        size_t skip = numeric ? 8 : (size_t)sg_mpi_rd_u64(&r);
        if (r.bad || (size_t)(r.end - r.p) < skip || (size_t)(r.end - r.p) - skip < (ncol + 1) * 8)
            r.bad = 1;
        else
            r.p += skip + (ncol + 1) * 8;
    }
    if (r.bad || r.p != r.end)
        return -1;
    info->rows_history += (size_t)h[1];
    info->rows_future += (size_t)h[2];
    info->rows_after += (size_t)h[3];
    info->rows_missing += (size_t)h[4];
    if (h[1] + h[2] + h[3] > 0) {
        if (!*any || (int64_t)h[5] > *last)
            *last = (int64_t)h[5];
        *any = 1;
    }
    *nc_out = h[0];
    return 0;
}

/* Not split: check every owner's records, sort the customers, build the
 * columns in that order; one pass each, as the other assemblers. */
sg_table *sg_mpi_features_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                                   const sg_table *tmpl, const sg_features_options *o, sg_features_info *info,
                                   uint64_t *ncust, sg_error *err)
{
    sg_error_clear(err);
    memset(info, 0, sizeof *info);
    if (!tmpl || tmpl->ncols < 1 || tmpl->ncols - 1 > SG_MPI_FEATURES_MAXCOLS)
        return sg_error_set(err, SG_EINVAL, "features: no table layout to assemble"), NULL;
    const sg_type cust_type = tmpl->cols[0]->type;
    const int numeric = cust_type != SG_STRING;
    const size_t ncol = tmpl->ncols - 1;
    size_t total = 0;
    int64_t last = 0;
    int any = 0;
    /* 1. check the records and count the customers */
    for (int k = 0; k < n; k++) {
        uint64_t nc = 0;
        if (check_part(parts[k], lens[k], cust_type, ncol, info, &last, &any, &nc) != 0)
            return sg_error_set(err, SG_EDATA, "the feature records of rank %d are malformed", k), NULL;
        if (ncust)
            ncust[k] = nc;
        total += (size_t)nc;
    }
    if (total >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "features: more than 4 billion customers"), NULL;
    size_t t1 = total ? total : 1;
    sg_rfm_text_key *keys = sg_malloc(t1 * sizeof *keys);
    const unsigned char **rec = sg_malloc(t1 * sizeof *rec);   /* each customer's words */
    uint64_t *bits = sg_malloc(t1 * sizeof *bits);
    sg_column *col[SG_MPI_FEATURES_MAXCOLS + 1] = { NULL };
    sg_table *t = NULL;
    if (!keys || !rec || !bits)
        goto nomem;
    /* 2. the sort keys */
    size_t at = 0;
    for (int k = 0; k < n; k++) {
        const unsigned char *p = parts[k] + HEAD_WORDS * 8;
        uint64_t nc;
        memcpy(&nc, parts[k], 8);
        for (uint64_t q = 0; q < nc; q++, at++) {
            p = sg_mpi_read_id(p, numeric, cust_type, (uint32_t)at, &keys[at], &bits[at]);
            rec[at] = p;
            p += (ncol + 1) * 8;
        }
    }
    if (sg_rfm_sort_text(keys, total))
        goto nomem;
    /* 3. the columns in that order; a customer of two ranks is refused */
    const char *cname = tmpl->cols[0]->name;
    col[0] = numeric ? sg_column_new(cname, cust_type, t1) : sg_rfm_text_column(cname, total);
    for (size_t j = 1; j <= ncol; j++)
        col[j] = sg_column_new(tmpl->cols[j]->name, tmpl->cols[j]->type, t1);
    for (size_t j = 0; j <= ncol; j++)
        if (!col[j])
            goto nomem;
    for (size_t r = 0; r < total; r++) {
        const sg_rfm_text_key *kr = &keys[r];
        if (r > 0 && kr->prefix == keys[r - 1].prefix && kr->len == keys[r - 1].len &&
            (numeric || memcmp(kr->s, keys[r - 1].s, kr->len) == 0)) {
            sg_error_set(err, SG_EDATA, "features: a customer was sent by two ranks");
            goto out;
        }
        int rc;
        if (!numeric) {
            rc = sg_column_push_str(col[0], kr->s, kr->len);
        } else if (cust_type == SG_DOUBLE) {
            double d;
            memcpy(&d, &bits[kr->idx], sizeof d);
            rc = sg_column_push_f64(col[0], d);
        } else {
            rc = sg_column_push_i64(col[0], (int64_t)bits[kr->idx]);
        }
        const unsigned char *w = rec[kr->idx];
        uint64_t mask;
        memcpy(&mask, w + ncol * 8, 8);
        for (size_t j = 1; j <= ncol && !rc; j++) {
            uint64_t v;
            memcpy(&v, w + (j - 1) * 8, 8);
            if ((mask >> (j - 1)) & 1) {
                rc = sg_column_push_na(col[j]);
            } else if (col[j]->type == SG_DOUBLE) {
                double d;
                memcpy(&d, &v, sizeof d);
                rc = sg_column_push_f64(col[j], d);
            } else {
                rc = sg_column_push_i64(col[j], (int64_t)v);
            }
        }
        if (rc)
            goto nomem;
    }
    if (!(t = sg_table_new()))
        goto nomem;
    for (size_t j = 0; j <= ncol; j++) {
        sg_column *cj = col[j];
        col[j] = NULL;
        if (sg_table_add(t, cj, err) != 0) {
            sg_table_free(t);
            t = NULL;
            goto out;
        }
    }
    info->customers = total;
    info->last_date = any ? last : 0;
    info->horizon_complete = o->horizon_days > 0 && any &&
                             sg_rfm_default_as_of(last) >=
                                 o->cutoff + (int64_t)llround(o->horizon_days * SG_RFM_DAY);
    goto out;
nomem:
    sg_error_set(err, SG_ENOMEM, "out of memory");
out:
    for (size_t j = 0; j <= SG_MPI_FEATURES_MAXCOLS; j++)
        sg_column_release(col[j]);
    sg_free(keys);
    sg_free(rec);
    sg_free(bits);
    return t;
}
