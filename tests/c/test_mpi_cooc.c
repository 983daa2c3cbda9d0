/* Co-purchase counts on the owning ranks (core/mpi_cooc.c), in one
 * process: the rows of a table are split by customer owner
 * (sg_mpi_owner) among n simulated ranks, each reading its rows as its own
 * table (its own dictionary); each owner counts its invoices and items
 * (sg_mpi_cooc_owner_items), "rank 0" sums them (sg_mpi_cooc_merge_items),
 * the owners count the pairs of the kept items (sg_mpi_cooc_owner_pairs),
 * and rank 0 adds the pair lists (sg_mpi_cooc_finish), or the aligned
 * arrays the ranks would add by MPI_Reduce (sg_mpi_cooc_dense_add,
 * _record).  The rules and the recommendations must be those of
 * sg_cooc_fit over the whole table, and the owners' invoices add up to
 * the table's unless an invoice has rows of customers of different
 * owners.  Also: int64 items, an owner with no rows, max_items and
 * min_lift, Online Retail on 2 and 3 owners, malformed records refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crosssell.h"
#include "crosssell_internal.h"
#include "opsutil.h"
#include "mem.h"
#include "mpi_cooc.h"
#include "mpi_shuffle.h"
#include "mpi_testutil.h"
#include "tap.h"

#define MAXOWN 4

/* A generated basket file: inv,item,cust; 60 invoices of 1 to 7 items
 * (a few repeated) out of 9, 14 customers; a row without item, one
 * without invoice.  numeric: items as numbers (an int64 column).  split:
 * invoice 7 has rows of four customers. */
static char *baskets(int numeric, int split)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    len += (size_t)snprintf(s + len, cap - len, "inv,item,cust\n");
    uint32_t x = 12345;
    for (int v = 1; v <= 60; v++) {
        x = x * 1103515245u + 12345u;
        int cust = (int)(x >> 16) % 14, nitems = 1 + (int)((x >> 8) % 7);
        for (int j = 0; j < nitems; j++) {
            x = x * 1103515245u + 12345u;
            int it = (int)((x >> 16) % 9);
            if (v % 5 == 0 && j == 0)
                it = 0;                   /* a popular pair: items 0 and 1 */
            if (v % 5 == 0 && j == 1)
                it = 1;
            int c = split && v == 7 ? j % 4 : cust;
            if (numeric)
                len += (size_t)snprintf(s + len, cap - len, "I%d,%d,c%d\n", v, 100 + it, c);
            else
                len += (size_t)snprintf(s + len, cap - len, "I%d,P%c,c%d\n", v, 'A' + it, c);
        }
    }
    len += (size_t)snprintf(s + len, cap - len, "I3,,c1\n,%s,c2\n", numeric ? "101" : "PB");
    return s;
}

/* The rows of text (a CSV with a header) owned by each of n owners, each
 * read as its own table; own[k] NULL when owner k has none. */
static int split_owners(const char *text, const sg_table *whole, int n, sg_table **own)
{
    const sg_column *cust = sg_table_col(whole, "cust");
    const char *body = strchr(text, '\n') + 1;
    size_t hlen = (size_t)(body - text);
    for (int k = 0; k < n; k++) {
        size_t cap = strlen(text) + 1, len = hlen;
        char *t = malloc(cap);
        if (!t)
            return 0;
        memcpy(t, text, hlen);
        const char *p = body;
        for (size_t i = 0; *p; i++) {
            const char *e = strchr(p, '\n') + 1;
            if (sg_mpi_owner(cust, i, n) == k) {
                memcpy(t + len, p, (size_t)(e - p));
                len += (size_t)(e - p);
            }
            p = e;
        }
        t[len] = 0;
        char name[32];
        snprintf(name, sizeof name, "own%d.csv", k);
        own[k] = len > hlen ? read_text(name, t) : NULL;
        free(t);
        if (len > hlen && !own[k])
            return 0;
    }
    return 1;
}

/* The model from the owners' counts (dense: the pair counts added as
 * aligned arrays); *ninv the invoices they counted. */
static sg_cooc *on_owners(const sg_table *whole, sg_table *const *own, int n, const sg_cooc_options *o, int dense,
                          uint64_t *ninv)
{
    sg_mpi_cooc_cmd cmd = { 1, o->invoice, o->item, o->max_items_per_invoice };
    sg_mpi_cooc_owner w[MAXOWN];
    sg_mpi_buf rec[MAXOWN], prs[MAXOWN], kept = { 0 }, one = { 0 };
    const unsigned char *parts[MAXOWN];
    size_t lens[MAXOWN];
    uint64_t per[MAXOWN];
    sg_cooc *m = NULL;
    sg_error err;
    int ok = 1;
    memset(w, 0, sizeof w);
    memset(rec, 0, sizeof rec);
    memset(prs, 0, sizeof prs);
    for (int k = 0; k < n; k++) {
        ok &= sg_mpi_cooc_owner_items(own[k], &cmd, &w[k], &rec[k], &err) == 0;
        parts[k] = rec[k].b;
        lens[k] = rec[k].len;
    }
    if (ok)
        m = sg_mpi_cooc_merge_items(parts, lens, n, sg_table_col(whole, o->item), o, per, &kept, &err);
    *ninv = 0;
    for (int k = 0; m && k < n; k++) {
        *ninv += per[k];
        ok &= sg_mpi_cooc_owner_pairs(&w[k], kept.b, kept.len, cmd.max_items, &prs[k], &err) == 0;
        parts[k] = prs[k].b;
        lens[k] = prs[k].len;
    }
    if (m && ok && dense) {
        uint64_t nk;
        memcpy(&nk, kept.b, 8);
        uint64_t P = sg_mpi_cooc_dense_len(nk);
        uint32_t *d = calloc(P ? P : 1, sizeof *d);
        for (int k = 0; d && k < n; k++)
            ok &= sg_mpi_cooc_dense_add(parts[k], lens[k], nk, d) == 0;
        if (d)
            sg_mpi_cooc_dense_record(d, nk, &one);
        free(d);
        const unsigned char *p1 = one.b;
        ok = ok && d && !one.oom && sg_mpi_cooc_finish(m, &p1, &one.len, 1, o, NULL, &err) == 0;
    } else if (m && ok) {
        ok = sg_mpi_cooc_finish(m, parts, lens, n, o, NULL, &err) == 0;
    }
    if (!ok || !m) {
        tap_diag("owners: %s", err.msg);
        sg_cooc_free(m);
        m = NULL;
    }
    for (int k = 0; k < n; k++) {
        sg_mpi_cooc_owner_free(&w[k]);
        sg_mpi_buf_free(&rec[k]);
        sg_mpi_buf_free(&prs[k]);
    }
    sg_mpi_buf_free(&kept);
    sg_mpi_buf_free(&one);
    return m;
}

/* The rules and the recommendations of a model, as text (free() it). */
static char *model_text(const sg_cooc *c, const sg_table *tx, const char *customer, size_t *nrules)
{
    sg_error err;
    sg_table *r = sg_cooc_rules(c, &err);
    sg_table *rec = sg_cooc_recommend(c, tx, customer, NULL, 3, &err);
    char *a = r ? dump(r) : NULL, *b = rec ? dump(rec) : NULL, *s = NULL;
    if (a && b && (s = malloc(strlen(a) + strlen(b) + 1)) != NULL) {
        strcpy(s, a);
        strcat(s, b);
    }
    *nrules = r ? r->nrows : 0;
    free(a);
    free(b);
    sg_table_free(r);
    sg_table_free(rec);
    return s;
}

/* The invoices sg_cooc_fit counts in tx: distinct values of the invoice
 * column among the rows whose invoice and item are not missing, the
 * count the owners' counts add up to when no invoice is split.  SIZE_MAX
 * when out of memory or a column is missing. */
static size_t invoices_of(const sg_table *tx, const char *invoice, const char *item)
{
    const sg_column *inv = sg_table_col(tx, invoice), *itm = sg_table_col(tx, item);
    if (!inv || !itm)
        return SIZE_MAX;
    size_t n = 0;
    if (inv->type == SG_STRING) {
        size_t nd = sg_dict_size(inv->dict);
        unsigned char *seen = sg_calloc(nd ? nd : 1, 1);
        if (!seen)
            return SIZE_MAX;
        const int32_t *codes = sg_column_codes(inv);
        for (size_t i = 0; i < inv->n; i++) {
            if (sg_ops_missing(inv, i) || sg_ops_missing(itm, i) || seen[codes[i]])
                continue;
            seen[codes[i]] = 1;
            n++;
        }
        sg_free(seen);
        return n;
    }
    sg_cooc_idmap ids;
    if (sg_cooc_idmap_init(&ids, 1024) != 0)
        return SIZE_MAX;
    for (size_t i = 0; i < inv->n; i++) {
        uint32_t id;
        int added;
        if (sg_ops_missing(inv, i) || sg_ops_missing(itm, i))
            continue;
        if (sg_cooc_idmap_get(&ids, sg_ops_value_key(inv, i), &id, &added) != 0) {
            sg_cooc_idmap_free(&ids);
            return SIZE_MAX;
        }
    }
    n = ids.n;
    sg_cooc_idmap_free(&ids);
    return n;
}

/* The owners' split check in one process: each of the n owners' invoice
 * hashes for each checking rank, every checking rank's count of hashes
 * from two owners, summed (UINT64_MAX on a failure). */
static uint64_t split_count(sg_table *const *own, int n)
{
    sg_mpi_buf keys[MAXOWN][MAXOWN];
    memset(keys, 0, sizeof keys);
    sg_error err;
    uint64_t sum = 0;
    for (int k = 0; k < n && sum != UINT64_MAX; k++)
        if (sg_mpi_cooc_invoice_keys(own[k], "inv", "item", n, keys[k], &err) != 0)
            sum = UINT64_MAX;
    for (int d = 0; d < n && sum != UINT64_MAX; d++) {
        const unsigned char *parts[MAXOWN];
        size_t lens[MAXOWN];
        for (int k = 0; k < n; k++) {
            parts[k] = keys[k][d].b;
            lens[k] = keys[k][d].len;
        }
        uint64_t split;
        sum = sg_mpi_cooc_split_invoices(parts, lens, n, &split, &err) == 0 ? sum + split : UINT64_MAX;
    }
    for (int k = 0; k < n; k++)
        for (int d = 0; d < n; d++)
            sg_mpi_buf_free(&keys[k][d]);
    return sum;
}

/* The model on 1 to nmax owners, sparse and dense, against sg_cooc_fit
 * over the whole table: 2 * nmax tests; own_none adds an owner with no
 * rows (NULL). */
static void check(const char *label, const char *text, const sg_table *whole, const sg_cooc_options *o, int nmax,
                  const char *customer)
{
    sg_error err;
    sg_cooc *single = sg_cooc_fit(whole, o, &err);
    size_t nr = 0, nr1;
    char *want = single ? model_text(single, whole, customer, &nr) : NULL;
    size_t ninv_want = invoices_of(whole, o->invoice, o->item);
    for (int n = 1; n <= nmax; n++) {
        sg_table *own[MAXOWN] = { NULL };
        int ok = split_owners(text, whole, n, own);
        uint64_t split = ok && !strcmp(o->invoice, "inv") && !strcmp(o->item, "item") ? split_count(own, n) : 0;
        tap_ok(ok && split == 0, "%s, %d owner%s: no invoice on two owners (%llu)", label, n, n > 1 ? "s" : "",
               (unsigned long long)split);
        for (int dense = 0; dense < 2; dense++) {
            uint64_t ninv = 0;
            sg_cooc *m = ok ? on_owners(whole, own, n, o, dense, &ninv) : NULL;
            char *got = m ? model_text(m, whole, customer, &nr1) : NULL;
            int same = want && got && strcmp(want, got) == 0 && ninv == ninv_want;
            if (!same && want && got)
                tap_diag("want:\n%s\ngot:\n%s", want, got);
            tap_ok(same, "%s, %d owner%s, %s: %zu rules and the recommendations of one process, %llu invoices",
                   label, n, n > 1 ? "s" : "", dense ? "pair counts as aligned arrays" : "pair lists merged", nr,
                   (unsigned long long)ninv);
            free(got);
            sg_cooc_free(m);
        }
        for (int k = 0; k < n; k++)
            sg_table_free(own[k]);
    }
    free(want);
    sg_cooc_free(single);
}

static void test_small(void)
{
    char *text = baskets(0, 0), *ntext = baskets(1, 0);
    sg_table *whole = text ? read_text("b.csv", text) : NULL;
    sg_table *nwhole = ntext ? read_text("n.csv", ntext) : NULL;
    const sg_column *nitem = nwhole ? sg_table_col(nwhole, "item") : NULL;
    tap_ok(whole && nitem && nitem->type == SG_INT64, "basket files read (%zu rows; numeric items int64)",
           whole ? whole->nrows : 0);
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "item";
    o.min_support = 0.05;
    if (whole && nwhole) {
        check("text items", text, whole, &o, 3, "cust");
        check("int64 items", ntext, nwhole, &o, 3, "cust");
        sg_cooc_options p = o;
        p.max_items_per_invoice = 5;
        p.min_count = 1;
        p.min_support = 0;
        p.min_lift = 0.7;
        check("max_items 5, min_count 1, min_lift 0.7", text, whole, &p, 3, "cust");
    } else {
        tap_skip(18, "no basket files");
    }
    /* an owner that holds no rows */
    sg_mpi_cooc_cmd cmd = { 1, "inv", "item", 1000 };
    sg_mpi_cooc_owner w;
    sg_mpi_buf b = { 0 }, pr = { 0 }, kept = { 0 };
    sg_error err;
    int ok = sg_mpi_cooc_owner_items(NULL, &cmd, &w, &b, &err) == 0 && b.len == 24 && !w.c;
    uint64_t head[2] = { 0, SG_STRING };
    (void)sg_mpi_buf_put(&kept, head, sizeof head);
    ok = ok && sg_mpi_cooc_owner_pairs(&w, kept.b, kept.len, 1000, &pr, &err) == 0 && pr.len == 8;
    tap_ok(ok, "an owner without rows sends no invoices, no items and no pairs");
    sg_mpi_buf_free(&b);
    sg_mpi_buf_free(&pr);
    sg_mpi_buf_free(&kept);
    free(text);
    free(ntext);
    sg_table_free(whole);
    sg_table_free(nwhole);
}

/* An invoice with rows of customers of different owners: the owners count
 * it more than once, which rank 0's check sees. */
static void test_split(void)
{
    char *text = baskets(0, 1);
    sg_table *whole = text ? read_text("s.csv", text) : NULL;
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "item";
    size_t want = whole ? invoices_of(whole, "inv", "item") : 0;
    for (int n = 2; n <= 3; n++) {
        sg_table *own[MAXOWN] = { NULL };
        uint64_t ninv = 0;
        sg_cooc *m = whole && split_owners(text, whole, n, own) ? on_owners(whole, own, n, &o, 0, &ninv) : NULL;
        tap_ok(m && want == 60 && ninv > want, "invoice 7 on several of %d owners: they count %llu invoices, the "
               "table has %zu", n, (unsigned long long)ninv, want);
        uint64_t split = m ? split_count(own, n) : 0;
        tap_ok(split == 1, "... the owners' check finds the one invoice on two owners or more (%llu)",
               (unsigned long long)split);
        sg_cooc_free(m);
        for (int k = 0; k < n; k++)
            sg_table_free(own[k]);
    }
    const unsigned char seven[7] = { 0 };
    const unsigned char *p = seven;
    size_t len = sizeof seven;
    uint64_t split;
    sg_error err;
    tap_ok(sg_mpi_cooc_split_invoices(&p, &len, 1, &split, &err) == SG_EDATA,
           "invoice keys of 7 bytes are refused (%s)", err.msg);
    free(text);
    sg_table_free(whole);
}

/* Malformed counts and lists are refused. */
static void test_malformed(void)
{
    char *text = baskets(0, 0);
    sg_table *whole = text ? read_text("m.csv", text) : NULL;
    sg_table *other = read_text("o.csv", "inv,item,cust\nI1,PA,c1\nI1,PB,c1\n");
    sg_mpi_cooc_cmd cmd = { 1, "inv", "item", 1000 };
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "inv";
    o.item = "item";
    sg_mpi_cooc_owner w;
    sg_mpi_buf b = { 0 }, kept = { 0 }, pr = { 0 };
    sg_error err;
    int have = whole && other && sg_mpi_cooc_owner_items(whole, &cmd, &w, &b, &err) == 0;
    const unsigned char *p = b.b;
    size_t len = have ? b.len - 1 : 0;
    sg_cooc *m = have ? sg_mpi_cooc_merge_items(&p, &len, 1, sg_table_col(whole, "item"), &o, NULL, &kept, &err)
                      : NULL;
    tap_ok(have && !m && err.code == SG_EDATA, "truncated item counts refused (%s)", have ? err.msg : "-");
    sg_mpi_buf_free(&kept);
    m = have ? sg_mpi_cooc_merge_items(&p, &b.len, 1, sg_table_col(other, "item"), &o, NULL, &kept, &err) : NULL;
    tap_ok(have && !m && err.code == SG_EDATA, "an item the table does not hold refused (%s)", have ? err.msg : "-");
    sg_mpi_buf_free(&kept);
    m = have ? sg_mpi_cooc_merge_items(&p, &b.len, 1, sg_table_col(whole, "item"), &o, NULL, &kept, &err) : NULL;
    int rc = m ? sg_mpi_cooc_owner_pairs(&w, kept.b, kept.len - 1, 1000, &pr, &err) : -1;
    tap_ok(m && rc == SG_EDATA, "a truncated list of kept items refused");
    sg_mpi_buf_free(&pr);
    rc = m ? sg_mpi_cooc_owner_pairs(&w, kept.b, kept.len, 1000, &pr, &err) : -1;
    uint64_t nk = 0, np = 0;
    if (m) {
        memcpy(&nk, kept.b, 8);
        memcpy(&np, pr.b, 8);
    }
    uint32_t *d = calloc(sg_mpi_cooc_dense_len(nk) + 1, sizeof *d);
    tap_ok(rc == 0 && np > 0 && d && sg_mpi_cooc_dense_add(pr.b, pr.len - 1, nk, d) == -1 &&
           sg_mpi_cooc_dense_add(pr.b, pr.len, 1, d) == -1, "truncated pairs, or pairs beyond the kept items, refused "
           "as an array");
    const unsigned char *pp = pr.b;
    size_t plen = pr.len - 1;
    rc = m ? sg_mpi_cooc_finish(m, &pp, &plen, 1, &o, NULL, &err) : -1;
    tap_ok(rc == SG_EDATA, "truncated pair counts refused by the merge (%s)", m ? err.msg : "-");
    cmd.item = "product";
    sg_mpi_cooc_owner w2;
    sg_mpi_buf b2 = { 0 };
    rc = whole ? sg_mpi_cooc_owner_items(whole, &cmd, &w2, &b2, &err) : -1;
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "no column 'product'"), "an item column the owner lacks: %s",
           rc == SG_EINVAL ? err.msg : "-");
    free(d);
    sg_cooc_free(m);
    if (have)
        sg_mpi_cooc_owner_free(&w);
    sg_mpi_buf_free(&b);
    sg_mpi_buf_free(&b2);
    sg_mpi_buf_free(&kept);
    sg_mpi_buf_free(&pr);
    free(text);
    sg_table_free(whole);
    sg_table_free(other);
}

/* Online Retail's rows with a customer on 2 and 3 owners, with the
 * default options (the retail recipe's min_support); the recommendations
 * per country (its customer ids are numbers, which they refuse). */
static void test_retail(void)
{
    char path[1024];
    if (!retail_path(path, sizeof path, 4))
        return;
    sg_table *raw = read_retail(path, 4);
    if (!raw)
        return;
    /* the rows with a customer, as cleaning keeps them (an invoice has
     * rows with and without one) */
    sg_error err;
    const sg_column *rc = sg_table_col(raw, "CustomerID");
    size_t *with = malloc(raw->nrows * sizeof *with), nw = 0;
    for (size_t i = 0; with && rc && i < raw->nrows; i++)
        if (!sg_column_is_na(rc, i))
            with[nw++] = i;
    sg_table *t = with ? sg_table_take(raw, with, nw, &err) : NULL;
    free(with);
    sg_table_free(raw);
    if (!t) {
        tap_skip(4, "out of memory");
        return;
    }
    sg_cooc_options o;
    sg_cooc_options_init(&o);
    o.invoice = "InvoiceNo";
    o.item = "StockCode";
    sg_cooc *single = sg_cooc_fit(t, &o, &err);
    size_t nr = 0, nr1 = 0;
    char *want = single ? model_text(single, t, "Country", &nr) : NULL;
    const sg_column *cust = sg_table_col(t, "CustomerID");
    size_t ninv_want = invoices_of(t, o.invoice, o.item);
    for (int n = 2; n <= 3; n++) {
        sg_table *own[MAXOWN] = { NULL };
        size_t *rows = malloc(t->nrows * sizeof *rows);
        for (int k = 0; rows && k < n; k++) {
            size_t m = 0;
            for (size_t i = 0; i < t->nrows; i++)
                if (sg_mpi_owner(cust, i, n) == k)
                    rows[m++] = i;
            own[k] = sg_table_take(t, rows, m, &err);
        }
        free(rows);
        for (int dense = 0; dense < 2; dense++) {
            uint64_t ninv = 0;
            sg_cooc *m = own[n - 1] ? on_owners(t, own, n, &o, dense, &ninv) : NULL;
            char *got = m ? model_text(m, t, "Country", &nr1) : NULL;
            if (!(want && got && strcmp(want, got) == 0 && ninv == ninv_want))
                tap_diag("invoices %zu, counted %llu; %s", ninv_want, (unsigned long long)ninv,
                         want && got && strcmp(want, got) == 0 ? "same model" : "models differ");
            tap_ok(want && got && strcmp(want, got) == 0 && ninv == ninv_want && nr > 100,
                   "Online Retail, %d owners, %s: the %zu rules and the recommendations of one process, %llu invoices",
                   n, dense ? "pair counts as aligned arrays" : "pair lists merged", nr, (unsigned long long)ninv);
            free(got);
            sg_cooc_free(m);
        }
        for (int k = 0; k < n; k++)
            sg_table_free(own[k]);
    }
    free(want);
    sg_cooc_free(single);
    sg_table_free(t);
}

int main(void)
{
    tap_plan(44);
    if (!mpi_test_begin("mpi_cooc"))
        return tap_skip_all("no scratch folder"), 0;
    test_small();
    test_split();
    test_malformed();
    test_retail();
    mpi_test_end();
    return tap_done();
}
