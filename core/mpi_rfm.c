/* RFM per customer on the owning rank (see mpi_rfm.h, docs/mpi.md).
 *
 * An owner's records: a header { customers, rows used, rows after as_of,
 * rows missing, customer type }, then per customer its value (a string as
 * length + bytes, a number as its 8 bytes) and { first, last, monetary,
 * frequency, periods }, 40 bytes. */
#include "mpi_rfm.h"

#include <string.h>

#include "mem.h"
#include "rfm_internal.h"

/* ---- options ---- */

int sg_mpi_rfm_opts_encode(const sg_rfm_options *o, sg_mpi_buf *b)
{
    sg_mpi_put_str(b, o->customer);
    sg_mpi_put_str(b, o->date);
    sg_mpi_put_str(b, o->invoice);
    sg_mpi_put_str(b, o->amount);
    sg_mpi_put_u64(b, (uint64_t)o->as_of);
    sg_mpi_put_u64(b, (uint64_t)o->has_as_of);
    sg_mpi_put_u64(b, (uint64_t)o->freq);
    (void)sg_mpi_buf_put(b, &o->unit_days, sizeof o->unit_days);
    return b->oom ? SG_ENOMEM : 0;
}

int sg_mpi_rfm_opts_decode(const unsigned char *b, size_t len, sg_rfm_options *o)
{
    sg_mpi_rd r = { b, b + len, 0 };
    sg_rfm_options_init(o);
    o->customer = sg_mpi_rd_str(&r);
    o->date = sg_mpi_rd_str(&r);
    o->invoice = sg_mpi_rd_str(&r);
    o->amount = sg_mpi_rd_str(&r);
    o->as_of = (int64_t)sg_mpi_rd_u64(&r);
    o->has_as_of = (int)sg_mpi_rd_u64(&r);
    o->freq = (sg_rfm_freq)sg_mpi_rd_u64(&r);
    uint64_t u = sg_mpi_rd_u64(&r);
    memcpy(&o->unit_days, &u, sizeof u);
    if (r.bad || r.p != r.end)
        return -1;
    if (!o->invoice[0])
        o->invoice = NULL;
    if (!o->amount[0])
        o->amount = NULL;
    return 0;
}

/* ---- on the owner ---- */

int sg_mpi_rfm_owner(const sg_table *t, const sg_rfm_options *o, sg_mpi_buf *out, sg_error *err)
{
    sg_rfm_info info;
    memset(&info, 0, sizeof info);
    sg_error_clear(err);
    if (!t || t->nrows == 0) {
        /* no rows (or, with no rows received, no columns either) */
        uint64_t head[5] = { 0, 0, 0, 0, 0 };
        (void)sg_mpi_buf_put(out, head, sizeof head);
        return out->oom ? sg_error_set(err, SG_ENOMEM, "out of memory") : 0;
    }
    sg_table *a = sg_rfm_aggregate(t, o, &info, err);
    if (!a)
        return err->code ? err->code : SG_ENOMEM;
    const sg_column *cust = sg_table_col(a, o->customer);
    const sg_column *freq = sg_table_col(a, "frequency"), *mon = sg_table_col(a, "monetary");
    const sg_column *first = sg_table_col(a, "first_purchase"), *last = sg_table_col(a, "last_purchase");
    const sg_column *bf = sg_table_col(a, "btyd_frequency");
    if (!cust || !freq || !mon || !first || !last || !bf) {
        sg_table_free(a);
        return sg_error_set(err, SG_EINVAL, "rfm: the aggregation lacks a column");
    }
    uint64_t head[5] = { a->nrows, info.rows_used, info.rows_after_as_of, info.rows_missing, (uint64_t)cust->type };
    (void)sg_mpi_buf_put(out, head, sizeof head);
    for (size_t i = 0; i < a->nrows && !out->oom; i++) {
        sg_mpi_put_id(out, cust, i);
        int64_t rec[5] = { sg_column_i64(first)[i], sg_column_i64(last)[i], 0, sg_column_i64(freq)[i],
                           sg_column_i64(bf)[i] + 1 };
        memcpy(&rec[2], &sg_column_f64(mon)[i], 8);
        (void)sg_mpi_buf_put(out, rec, sizeof rec);
    }
    sg_table_free(a);
    return out->oom ? sg_error_set(err, SG_ENOMEM, "out of memory") : 0;
}

void sg_mpi_put_id(sg_mpi_buf *out, const sg_column *cust, size_t i)
{
    if (cust->type == SG_STRING) {
        size_t len;
        const char *s = sg_column_str(cust, i, &len);
        sg_mpi_put_u64(out, len);
        (void)sg_mpi_buf_put(out, s, len);
    } else {
        (void)sg_mpi_buf_put(out, (const char *)cust->data + i * 8, 8);
    }
}

size_t sg_mpi_rfm_fields(const unsigned char *b, size_t len, int64_t *last, int64_t *freq, double *monetary)
{
    sg_mpi_rd r = { b, b + len, 0 };
    uint64_t nc = sg_mpi_rd_u64(&r);
    for (int q = 0; q < 3; q++)
        (void)sg_mpi_rd_u64(&r);
    int numeric = sg_mpi_rd_u64(&r) != (uint64_t)SG_STRING;
    for (uint64_t c = 0; c < nc && !r.bad; c++) {
        size_t skip = numeric ? 8 : (size_t)sg_mpi_rd_u64(&r);
        int64_t rec[5];
        if (r.bad || (size_t)(r.end - r.p) < skip || (size_t)(r.end - r.p) - skip < sizeof rec) {
            r.bad = 1;
            break;
        }
        memcpy(rec, r.p + skip, sizeof rec);
        r.p += skip + sizeof rec;
        if (last) {
            last[c] = rec[1];
            freq[c] = rec[3];
            memcpy(&monetary[c], &rec[2], 8);
        }
    }
    return r.bad || r.p != r.end ? SIZE_MAX : (size_t)nc;
}

/* ---- rank 0 ---- */

const unsigned char *sg_mpi_read_id(const unsigned char *p, int numeric, sg_type cust_type, uint32_t at,
                                    sg_rfm_text_key *key, uint64_t *bits)
{
    uint64_t v;
    memcpy(&v, p, 8);
    p += 8;
    if (numeric) {
        *bits = v;
        key->prefix = sg_mpi_num_key(cust_type, v);
        key->s = NULL;
        key->len = 0;
        key->idx = at;
        return p;
    }
    sg_rfm_text_key_set(key, (const char *)p, (size_t)v, at);
    return p + v;
}

uint64_t sg_mpi_num_key(sg_type type, uint64_t bits)
{
    if (type == SG_DOUBLE) {
        double d;
        memcpy(&d, &bits, sizeof d);
        if (d == 0)
            d = 0;
        memcpy(&bits, &d, sizeof d);
        return (bits >> 63) ? ~bits : bits | (1ull << 63);
    }
    return bits ^ (1ull << 63);
}

/* Not split: decode every owner's records (checked), sort the customers,
 * build the table; one pass each. */
sg_table *sg_mpi_rfm_assemble(const unsigned char *const *parts, const size_t *lens, int n, const sg_rfm_options *o,
                              sg_type cust_type, int date_only, sg_rfm_info *info, uint64_t *ncust, sg_error *err)
{
    size_t total = 0;
    int numeric = cust_type != SG_STRING;
    sg_error_clear(err);
    memset(info, 0, sizeof *info);
    if (cust_type != SG_STRING && cust_type != SG_INT64 && cust_type != SG_DOUBLE)
        return sg_error_set(err, SG_EINVAL, "rfm: the customer column must be a string or a number"), NULL;
    /* 1. check the records and count the customers */
    for (int k = 0; k < n; k++) {
        sg_mpi_rd r = { parts[k], parts[k] + lens[k], 0 };
        uint64_t nc = sg_mpi_rd_u64(&r);
        info->rows_used += (size_t)sg_mpi_rd_u64(&r);
        info->rows_after_as_of += (size_t)sg_mpi_rd_u64(&r);
        info->rows_missing += (size_t)sg_mpi_rd_u64(&r);
        uint64_t type = sg_mpi_rd_u64(&r);
        if (!r.bad && nc && type != (uint64_t)cust_type)
            r.bad = 1;
        for (uint64_t c = 0; c < nc && !r.bad; c++) {
            size_t skip = numeric ? 8 : (size_t)sg_mpi_rd_u64(&r);
            if (r.bad || (size_t)(r.end - r.p) < skip || (size_t)(r.end - r.p) - skip < 40)
                r.bad = 1;
            else
                r.p += skip + 40;
        }
        if (r.bad || r.p != r.end)
            return sg_error_set(err, SG_EDATA, "the RFM records of rank %d are malformed", k), NULL;
        if (ncust)
            ncust[k] = nc;
        total += (size_t)nc;
    }
    if (total >= UINT32_MAX)
        return sg_error_set(err, SG_EINVAL, "rfm: more than 4 billion customers"), NULL;
    sg_rfm_cust *cs = sg_calloc(total ? total : 1, sizeof *cs);
    sg_rfm_text_key *keys = sg_malloc((total ? total : 1) * sizeof *keys);
    uint64_t *bits = sg_malloc((total ? total : 1) * sizeof *bits);
    uint32_t *order = sg_malloc((total ? total : 1) * sizeof *order);
    sg_column *cust = NULL;
    sg_table *t = NULL;
    int64_t max_t = INT64_MIN;
    if (!cs || !keys || !bits || !order)
        goto nomem;
    /* 2. the accumulators and sort keys */
    size_t at = 0;
    for (int k = 0; k < n; k++) {
        const unsigned char *p = parts[k] + 40;
        uint64_t nc;
        memcpy(&nc, parts[k], 8);
        for (uint64_t c = 0; c < nc; c++, at++) {
            p = sg_mpi_read_id(p, numeric, cust_type, (uint32_t)at, &keys[at], &bits[at]);
            int64_t rec[5];
            memcpy(rec, p, sizeof rec);
            p += sizeof rec;
            sg_rfm_cust *s = &cs[at];
            s->first = rec[0];
            s->last = rec[1];
            memcpy(&s->monetary, &rec[2], 8);
            s->freq = rec[3];
            s->periods = rec[4];
            if (s->last > max_t)
                max_t = s->last;
        }
    }
    if (sg_rfm_sort_text(keys, total))
        goto nomem;
    /* 3. the customer column in that order; a customer of two ranks is refused */
    cust = numeric ? sg_column_new(o->customer, cust_type, total ? total : 1) : sg_rfm_text_column(o->customer, total);
    if (!cust)
        goto nomem;
    for (size_t r = 0; r < total; r++) {
        const sg_rfm_text_key *kr = &keys[r];
        if (r > 0 && kr->prefix == keys[r - 1].prefix && kr->len == keys[r - 1].len &&
            (numeric || memcmp(kr->s, keys[r - 1].s, kr->len) == 0)) {
            sg_column_release(cust);
            sg_error_set(err, SG_EDATA, "rfm: a customer was sent by two ranks");
            goto out;
        }
        order[r] = kr->idx;
        int rc;
        if (!numeric) {
            rc = sg_column_push_str(cust, kr->s, kr->len);
        } else if (cust_type == SG_DOUBLE) {
            double d;
            memcpy(&d, &bits[kr->idx], sizeof d);
            rc = sg_column_push_f64(cust, d);
        } else {
            rc = sg_column_push_i64(cust, (int64_t)bits[kr->idx]);
        }
        if (rc) {
            sg_column_release(cust);
            goto nomem;
        }
    }
    info->as_of = o->has_as_of ? o->as_of : total ? sg_rfm_default_as_of(max_t) : 0;
    t = sg_rfm_build(cust, cs, order, total, info->as_of, o->unit_days, date_only, err);
    goto out;
nomem:
    sg_error_set(err, SG_ENOMEM, "out of memory");
out:
    sg_free(cs);
    sg_free(keys);
    sg_free(bits);
    sg_free(order);
    return t;
}
