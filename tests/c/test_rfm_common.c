/* What the in-memory and streaming RFM share (rfm_common.c): the text sort
 * of customer ids (radix on 8 bytes, then merge sort of longer ids with a
 * common prefix), the option checks, and the output table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "nomem_testutil.h"
#include "rfm_internal.h"
#include "table.h"
#include "tap.h"

static int cmp_text(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y), m = lx < ly ? lx : ly;
    int c = memcmp(x, y, m);
    return c ? c : (lx > ly) - (lx < ly);
}

/* ids with long common prefixes, bytes above 0x7f and a NUL-free alphabet */
static void test_sort(void)
{
    enum { N = 600 };
    static char text[N][24];
    const char *ref[N];
    sg_rfm_text_key keys[N];
    unsigned s = 12345;
    const char *stems[] = { "customer", "customer-", "cust", "", "\xc3\xa9t\xc3\xa9-2024-" };
    for (int i = 0; i < N; i++) {
        s = s * 1103515245u + 12345u;
        const char *stem = stems[(s >> 16) % 5];
        int extra = (int)((s >> 8) % 9);
        snprintf(text[i], sizeof text[i], "%s", stem);
        size_t len = strlen(text[i]);
        for (int k = 0; k < extra && len < sizeof text[i] - 1; k++) {
            s = s * 1103515245u + 12345u;
            text[i][len++] = "ab9Z~\x80"[(s >> 16) % 6];
        }
        text[i][len] = '\0';
        ref[i] = text[i];
        sg_rfm_text_key_set(&keys[i], text[i], len, (uint32_t)i);
    }
    qsort(ref, N, sizeof *ref, cmp_text);
    tap_is_int(sg_rfm_sort_text(keys, N), 0, "sort: 600 ids");
    int ordered = 1, same = 1;
    for (int i = 0; i < N; i++) {
        same &= strcmp(keys[i].s, ref[i]) == 0 && keys[i].s == text[keys[i].idx];
        if (i)
            ordered &= cmp_text(&keys[i - 1].s, &keys[i].s) <= 0;
    }
    tap_ok(ordered && same, "sort: bytewise order (shorter first on a common prefix), as qsort with memcmp");
    tap_ok(strcmp(keys[0].s, "") == 0 || cmp_text(&ref[0], &keys[0].s) == 0, "sort: the smallest id first");
    /* a run longer than a merge pass: 9 ids after "customer" differing late */
    const char *late[] = { "customer-0009", "customer-0001", "customer-0005", "customer-00010",
                           "customer-0003", "customer", "customer-0002", "customer-0008", "customer-0004" };
    sg_rfm_text_key lk[9];
    for (uint32_t i = 0; i < 9; i++)
        sg_rfm_text_key_set(&lk[i], late[i], strlen(late[i]), i);
    sg_rfm_sort_text(lk, 9);
    char got[200] = "";
    for (int i = 0; i < 9; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", lk[i].s + 8);
    tap_is_str(got, " -0001 -00010 -0002 -0003 -0004 -0005 -0008 -0009", "sort: ids equal in their first 8 bytes");
    sg_mem_set_limit(sg_mem_used() + 1);
    tap_is_int(sg_rfm_sort_text(lk, 9), SG_ENOMEM, "sort: out of memory reported");
    sg_mem_set_limit(0);
}

static void test_options(void)
{
    sg_rfm_options o;
    sg_error err;
    tap_is_int(sg_rfm_check_options(NULL, "rfm", &err), SG_EINVAL, "no options: refused");
    tap_is_str(err.msg, "rfm: no options given", "no options: message");
    sg_rfm_options_init(&o);
    o.date = "date";
    sg_rfm_check_options(&o, "rfm", &err);
    tap_is_str(err.msg, "rfm: the customer and date columns must be named", "no customer column: message");
    o.customer = "id";
    o.freq = (sg_rfm_freq)7;
    sg_rfm_check_options(&o, "rfm_csv", &err);
    tap_is_str(err.msg, "rfm_csv: frequency must count invoices or days", "unknown frequency: message");
    o.freq = SG_RFM_DAYS;
    o.unit_days = 0;
    sg_rfm_check_options(&o, "rfm", &err);
    tap_is_str(err.msg, "rfm: the btyd time unit must be a positive number of days (got 0)", "zero unit: message");
    o.unit_days = 7;
    tap_is_int(sg_rfm_check_options(&o, "rfm", &err), 0, "days with a 7-day unit: accepted");
}

/* two customers: b bought on days 0..10 (4 invoices, 3 weeks with a
 * purchase, 100 in all), a once on day 15 for 30; as of day 20 */
static const sg_rfm_cust custs[2] = {
    { 0, 10 * 86400, 100, 4, 3, 0, 0, 0, 4 },
    { 15 * 86400, 15 * 86400, 30, 1, 1, 0, 0, 0, 1 },
};

static void *call_build(void *ud, sg_error *err)
{
    (void)ud;
    static const uint32_t order[2] = { 1, 0 };
    sg_column *cust = sg_rfm_text_column("customer", 2);
    if (!cust || sg_column_push_str(cust, "a", 1) || sg_column_push_str(cust, "b", 1)) {
        sg_column_release(cust);
        sg_error_nomem(err);
        return NULL;
    }
    return sg_rfm_build(cust, custs, order, 2, 20 * 86400, 7, 1, err);
}

static void free_table(void *t)
{
    sg_table_free(t);
}

static void test_build(void)
{
    sg_error err;
    size_t before = sg_mem_used();
    sg_table *t = call_build(NULL, &err);
    tap_ok(t && t->nrows == 2 && t->ncols == 11, "build: 2 rows, customer and 10 columns");
    if (t) {
        const int64_t *rec = sg_column_i64(sg_table_col(t, "recency_days"));
        const double *bas = sg_column_f64(sg_table_col(t, "avg_basket"));
        const int64_t *bf = sg_column_i64(sg_table_col(t, "btyd_frequency"));
        const double *brec = sg_column_f64(sg_table_col(t, "btyd_recency"));
        const double *bT = sg_column_f64(sg_table_col(t, "btyd_T"));
        const int64_t *ten = sg_column_i64(sg_table_col(t, "tenure_days"));
        tap_ok(rec[0] == 5 && rec[1] == 10, "build: recency 5 (a) and 10 (b) days");
        tap_ok(bas[0] == 30 && bas[1] == 25, "build: average basket 30 and 100 / 4");
        tap_ok(bf[0] == 0 && bf[1] == 2 && ten[1] == 20, "build: repeat periods 0 and 2, b's tenure 20 days");
        tap_ok(brec[1] == 10.0 / 7 && bT[1] == 20.0 / 7 && bT[0] == 5.0 / 7, "build: btyd recency and T in weeks");
        tap_ok(sg_table_col(t, "first_purchase")->date_only, "build: dates without times of day");
    }
    sg_table_free(t);
    nomem_sweep(call_build, free_table, NULL, 8, 1 << 16, "build");
    tap_ok(sg_mem_used() == before, "build: nothing left allocated");
}

int main(void)
{
    test_sort();
    test_options();
    test_build();
    return tap_done();
}
