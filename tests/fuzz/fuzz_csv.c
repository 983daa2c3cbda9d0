/* Fuzz target: the CSV reader with type inference.  The first two bytes
 * choose the options (encoding, skip mode, lenient quotes, date order,
 * delimiter, the speculation sample); the rest is the file.  A table that
 * comes back is walked (every cell formatted) and read again with a type
 * override and an expected kind on its columns, chosen by the same bytes;
 * every accounted byte must be freed afterwards.  The first read is also
 * made through libcsv alone (no quote-free records outside it): the same
 * table, report counts or message. */
#include "csv.h"
#include "csv_internal.h"
#include "fuzz_util.h"

static void options_from(uint8_t f, uint8_t g, sg_csv_options *o)
{
    static const char delims[4] = { 0, ',', ';', '\t' };
    sg_csv_options_init(o);
    o->latin1 = f & 1;
    o->skip_bad_rows = (f >> 1) & 1;
    o->lenient_quotes = (f >> 2) & 1;
    o->date_order_mdy = (f >> 3) & 1;
    o->delim = delims[(f >> 4) & 3];
    o->max_rows = (f >> 6) == 3 ? (size_t)(g & 7) + 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20))
        return 0;
    size_t base = sg_mem_used();
    sg_csv_options o;
    options_from(data[0], data[1], &o);
    /* speculation decided after 1 to 16 rows, so small inputs reach it;
     * 64 KB blocks (the shipped 256 KB ones cost more than the parse under
     * the sanitizers; fuzz_csv_threads runs them) */
    sg_csv_tune((size_t)64 << 10, (uint64_t)4 << 20, (size_t)(data[1] >> 4) + 1);
    const char *path = fuzz_file(data + 2, size - 2, ".csv");
    sg_error err;
    sg_csv_report rep;
    sg_table *t = sg_csv_read(path, &o, &rep, &err);
    {
        /* the same read through libcsv alone (no quote-free records outside it) */
        sg_error err2;
        sg_csv_report rep2;
        char why[200] = "";
        sg_csv_plain_records = 0;
        sg_table *t2 = sg_csv_read(path, &o, &rep2, &err2);
        sg_csv_plain_records = 1;
        FUZZ_CHECK(!t == !t2, "libcsv alone: one read failed (%s%s)", t ? "" : err.msg,
                   t2 ? "" : err2.msg);
        if (!t)
            FUZZ_CHECK(!strcmp(err.msg, err2.msg), "libcsv alone: messages differ:\n  %s\n  %s",
                       err.msg, err2.msg);
        else
            FUZZ_CHECK(fuzz_same_tables(t, t2, why, sizeof why) &&
                           rep.rows_read == rep2.rows_read && rep.rows_skipped == rep2.rows_skipped &&
                           rep.bad_quotes == rep2.bad_quotes && rep.lines_merged == rep2.lines_merged &&
                           rep.nwarnings == rep2.nwarnings,
                       "libcsv alone: tables or reports differ (%s)", why);
        sg_table_free(t2);
        sg_csv_report_free(&rep2);
    }
    if (!t) {
        FUZZ_CHECK(err.code == SG_EDATA || err.code == SG_EINVAL, "unexpected error %d: %s",
                   err.code, err.msg);
        FUZZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0, "message without the file: %s",
                   err.msg);
    } else {
        fuzz_walk_table(t);
        FUZZ_CHECK(rep.nnotes == t->ncols, "%zu notes for %zu columns", rep.nnotes, t->ncols);
        FUZZ_CHECK(rep.rows_read >= t->nrows, "rows_read %llu < %zu rows",
                   (unsigned long long)rep.rows_read, t->nrows);
        for (size_t k = 0; k < rep.nsuspects; k++)
            FUZZ_CHECK(rep.suspects[k].column < t->ncols && rep.suspects[k].nfirst > 0 &&
                           rep.suspects[k].bad_rows <= rep.suspects[k].rows,
                       "suspect %zu", k);
        /* again with one override and one expectation on the first columns */
        static const sg_type types[4] = { SG_INT64, SG_DOUBLE, SG_DATETIME, SG_BOOL };
        sg_csv_override ov = { t->cols[0]->name, types[data[1] & 3], SG_DATE_UNKNOWN, 0 };
        sg_csv_expect ex = { t->cols[t->ncols - 1]->name,
                             (data[1] >> 2) & 1 ? SG_CSV_DATES : SG_CSV_NUMBERS };
        char *c0 = sg_strdup(ov.column), *c1 = sg_strdup(ex.column);
        FUZZ_CHECK(c0 && c1, "out of memory");
        ov.column = c0;
        ex.column = c1;
        sg_csv_report_free(&rep);
        sg_table_free(t);
        o.overrides = &ov;
        o.noverrides = 1;
        o.expect = &ex;
        o.nexpect = (data[1] >> 3) & 1;
        t = sg_csv_read(path, &o, &rep, &err);
        if (t)
            fuzz_walk_table(t);
        else
            FUZZ_CHECK(err.code == SG_EDATA || err.code == SG_EINVAL, "unexpected error %d: %s",
                       err.code, err.msg);
        sg_free(c0);
        sg_free(c1);
    }
    sg_table_free(t);
    sg_csv_report_free(&rep);
    sg_csv_tune(0, 0, 0);
    FUZZ_CHECK(sg_mem_used() == base, "%zu accounted bytes not freed", sg_mem_used() - base);
    return 0;
}
