/* Fuzz target: the threaded CSV reader against the one-thread one.  The
 * file is cut into byte ranges parsed on threads and merged; whatever the
 * cut, the table (values, missing bits, dictionaries in code order), the
 * report and any error message must be those of one thread.
 *
 * Byte 0 picks the mode: small blocks (4 to 67 bytes) and files cut from
 * 1 byte on, with 2 to 4 threads; or, for one input in 64, the shipped
 * sizes (256 KB blocks, files of 4 MB or more cut in two), the input's
 * data rows repeated to pass 4 MB; with small blocks, also one thread
 * reading every record through libcsv (no plain records).  Byte 1 sets
 * the speculation sample (1 to 16 rows) and the options; the rest is the
 * file.  With an explicit
 * delimiter, small blocks must also give what the shipped ones give. */
#include "csv.h"
#include "csv_internal.h"
#include "fuzz_util.h"


typedef struct outcome {
    sg_table *t;
    sg_csv_report rep;
    char msg[1024];
} outcome;

static void read_with(const char *path, const sg_csv_options *o, const char *threads, outcome *r)
{
    sg_error err;
    setenv("SG_THREADS", threads, 1);
    r->t = sg_csv_read(path, o, &r->rep, &err);
    unsetenv("SG_THREADS");
    snprintf(r->msg, sizeof r->msg, "%s", r->t ? "" : err.msg);
}

static void same(const outcome *a, const outcome *b, const char *what)
{
    char why[200];
    FUZZ_CHECK(!a->t == !b->t, "%s: one read failed (%s%s)", what, a->msg, b->msg);
    if (!a->t) {
        FUZZ_CHECK(!strcmp(a->msg, b->msg), "%s: messages differ:\n  %s\n  %s", what, a->msg,
                   b->msg);
        return;
    }
    FUZZ_CHECK(fuzz_same_tables(a->t, b->t, why, sizeof why), "%s: tables differ: %s", what, why);
    const sg_csv_report *x = &a->rep, *y = &b->rep;
    FUZZ_CHECK(x->rows_read == y->rows_read && x->rows_skipped == y->rows_skipped &&
                   x->nfirst == y->nfirst && x->bad_quotes == y->bad_quotes &&
                   x->lines_merged == y->lines_merged && x->nnotes == y->nnotes &&
                   x->nwarnings == y->nwarnings && x->delim == y->delim,
               "%s: reports differ", what);
    for (size_t k = 0; k < x->nfirst; k++)
        FUZZ_CHECK(x->first[k].line == y->first[k].line && !strcmp(x->first[k].text, y->first[k].text),
                   "%s: skipped row %zu differs", what, k);
    for (size_t k = 0; k < x->nnotes; k++)
        FUZZ_CHECK(!strcmp(x->notes[k], y->notes[k]), "%s: note %zu differs", what, k);
    for (size_t k = 0; k < x->nwarnings; k++)
        FUZZ_CHECK(!strcmp(x->warnings[k], y->warnings[k]), "%s: warning %zu differs:\n  %s\n  %s",
                   what, k, x->warnings[k], y->warnings[k]);
}

static void drop(outcome *r)
{
    sg_table_free(r->t);
    sg_csv_report_free(&r->rep);
    r->t = NULL;
}

/* header line + the data rows repeated until the file passes 4 MB */
static char *blow_up(const uint8_t *d, size_t n, size_t *out_len)
{
    size_t h = 0;
    while (h < n && d[h] != '\n')
        h++;
    if (h < n)
        h++;
    size_t body = n - h, want = ((size_t)4 << 20) + 4096;
    if (body == 0)
        return NULL;
    size_t reps = want / body + 1, len = h + reps * body;
    char *buf = malloc(len);
    FUZZ_CHECK(buf != NULL, "out of memory");
    memcpy(buf, d, h);
    for (size_t k = 0; k < reps; k++)
        memcpy(buf + h + k * body, d + h, body);
    *out_len = len;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > (1u << 16))
        return 0;
    size_t base = sg_mem_used();
    uint8_t m = data[0], f = data[1];
    sg_csv_options o;
    sg_csv_options_init(&o);
    o.skip_bad_rows = f & 1;
    o.lenient_quotes = (f >> 1) & 1;
    o.delim = (f >> 2) & 1 ? ',' : 0;
    size_t sample = (size_t)(f >> 4) + 1;
    outcome one, many;
    memset(&one, 0, sizeof one);
    memset(&many, 0, sizeof many);
    if ((m & 63) == 63) {
        /* the shipped sizes on a file of 4 MB or more, two threads */
        size_t len;
        char *big = blow_up(data + 2, size - 2, &len);
        if (!big)
            return 0;
        const char *path = fuzz_file(big, len, ".csv");
        free(big);
        sg_csv_tune((size_t)256 << 10, (uint64_t)4 << 20, sample);
        read_with(path, &o, "1", &one);
        read_with(path, &o, "2", &many);
        same(&one, &many, "shipped sizes, 2 threads");
        drop(&many);
    } else {
        size_t block = (size_t)(m >> 2) + 4;
        char threads[4] = { (char)('2' + (m & 3) % 3), 0 };
        const char *path = fuzz_file(data + 2, size - 2, ".csv");
        sg_csv_tune(block, 1, sample);
        read_with(path, &o, "1", &one);
        read_with(path, &o, threads, &many);
        same(&one, &many, threads[0] == '2' ? "small blocks, 2 threads" : "small blocks, 3+ threads");
        drop(&many);
        /* the records without quotes that skip libcsv change nothing */
        sg_csv_plain_records = 0;
        read_with(path, &o, "1", &many);
        sg_csv_plain_records = 1;
        same(&one, &many, "small blocks, libcsv alone");
        drop(&many);
        if (o.delim) {
            /* the block size changes nothing once the delimiter is given */
            sg_csv_tune((size_t)256 << 10, (uint64_t)4 << 20, sample);
            read_with(path, &o, "1", &many);
            same(&one, &many, "small blocks against shipped blocks");
            drop(&many);
        }
    }
    drop(&one);
    sg_csv_tune(0, 0, 0);
    FUZZ_CHECK(sg_mem_used() == base, "%zu accounted bytes not freed", sg_mem_used() - base);
    return 0;
}
