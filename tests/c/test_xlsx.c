/* Excel workbooks: sheet names made valid and unique, byte-identical
 * reruns, atomic replacement, and failures that leave no file behind.
 * (The cells themselves are read back from the zip by tests/cli/xlsx.t.sh.) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_testutil.h"
#include "tap.h"
#include "xlsx.h"

static const char *name_of(const char *wish, const char *const *used, size_t n)
{
    static char out[SG_XLSX_NAME_SIZE];
    sg_xlsx_sheet_name(wish, used, n, out);
    return out;
}

static void test_names(void)
{
    tap_is_str(name_of("customers", NULL, 0), "customers", "a valid name is kept");
    tap_is_str(name_of("a[b]:c*d?e/f\\g", NULL, 0), "a_b__c_d_e_f_g", "[ ] : * ? / \\ become _");
    tap_is_str(name_of("'quoted'", NULL, 0), "quoted", "apostrophes at either end are dropped");
    tap_is_str(name_of("tab\there", NULL, 0), "tabhere", "control characters are dropped");
    tap_is_str(name_of("", NULL, 0), "Sheet", "an empty name becomes Sheet");
    tap_is_str(name_of(NULL, NULL, 0), "Sheet", "no name becomes Sheet");
    tap_is_str(name_of("abcdefghijklmnopqrstuvwxyz0123456789", NULL, 0), "abcdefghijklmnopqrstuvwxyz01234",
               "cut to 31 characters");
    /* 31 characters of two bytes each: 62 bytes kept, the 32nd dropped */
    char accents[80] = "";
    for (int i = 0; i < 32; i++)
        strcat(accents, "\xc3\xa9");
    const char *cut = name_of(accents, NULL, 0);
    tap_is_int((long long)strlen(cut), 62, "cut counts characters, not bytes (UTF-8)");
    tap_is_str(name_of("caf\xe9", NULL, 0), "caf_", "an invalid UTF-8 byte becomes _");
    const char *used[] = { "segments", "Segments (2)" };
    tap_is_str(name_of("SEGMENTS", used, 1), "SEGMENTS (2)", "a taken name (any case) gets a suffix");
    tap_is_str(name_of("segments", used, 2), "segments (3)", "the next free suffix");
    tap_is_str(name_of("history", NULL, 0), "history (2)", "Excel's reserved History gets a suffix");
    const char *long_used[] = { "abcdefghijklmnopqrstuvwxyz01234" };
    tap_is_str(name_of("abcdefghijklmnopqrstuvwxyz0123456789", long_used, 1), "abcdefghijklmnopqrstuvwxyz0 (2)",
               "a suffix still fits in 31 characters");
}

static sg_table *sample(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("customer", SG_STRING, "C1", "C2", NULL));
    add_col(t, MKCOL("revenue", SG_DOUBLE, "5597821.749999998", "0.5", NULL));
    add_col(t, MKCOL("orders", SG_INT64, "3", NULL, "7"));
    add_col(t, MKCOL("last", SG_DATETIME, "2024-03-12", "2023-12-31", NULL));
    add_col(t, MKCOL("vip", SG_BOOL, "true", "false", NULL));
    add_col(t, MKCOL("as_of", SG_STRING, "2024-01-01", NULL, "2024-02-29 10:30:00"));
    return t;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static int entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_write(void)
{
    char dir[] = "/tmp/sg_xlsx_XXXXXX";
    if (!mkdtemp(dir)) {
        tap_skip(12, "no temporary directory");
        return;
    }
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    sg_table *t = sample();
    unsigned char money[6] = { 0, 1, 0, 0, 0, 0 }, dates[6] = { 0, 0, 0, 0, 0, 1 };
    sg_xlsx_sheet sheets[2] = { { "customers", t, money, dates }, { "customers", t, NULL, NULL } };
    sg_xlsx_options o = { 1710201600, "test" };
    sg_error err;
    int rc = sg_xlsx_write(a, sheets, 2, &o, &err);
    tap_is_int(rc, 0, "a workbook of two sheets is written");
    if (rc)
        tap_diag("%s", err.msg);
    FILE *f = fopen(a, "rb");
    unsigned char magic[4] = { 0 };
    if (f) {
        if (fread(magic, 1, 4, f) != 4)
            magic[0] = 0;
        fclose(f);
    }
    tap_ok(memcmp(magic, "PK\3\4", 4) == 0, "the file is a zip archive");
    struct stat st;
    tap_ok(stat(a, &st) == 0 && (st.st_mode & 0044) != 0, "the file is readable as the umask allows, not 0600");
    rc = sg_xlsx_write(b, sheets, 2, &o, &err);
    tap_ok(rc == 0 && same_bytes(a, b), "the same tables and time give the same bytes");
    sg_xlsx_options later = { 1710201600 + 86400, "test" };
    rc = sg_xlsx_write(b, sheets, 2, &later, &err);
    tap_ok(rc == 0 && !same_bytes(a, b), "another creation time changes the file");
    tap_is_int(entries(dir), 2, "no temporary file is left");

    /* a bad date leaves the old file as it was */
    long before = file_size(a);
    unsigned char bad_dates[6] = { 1, 0, 0, 0, 0, 0 };
    sg_xlsx_sheet bad = { "x", t, NULL, bad_dates };
    rc = sg_xlsx_write(a, &bad, 1, &o, &err);
    tap_is_int(rc, SG_EDATA, "text that is not a date in a dates column is bad data");
    tap_ok(strstr(err.msg, "sheet 'x', column 'customer', row 1: 'C1' is not a date") != NULL,
           "the message names sheet, column, row and value: %s", err.msg);
    tap_ok(file_size(a) == before && entries(dir) == 2, "the target is untouched, no temporary file left");

    unsigned char bad_money[6] = { 1, 0, 0, 0, 0, 0 };
    sg_xlsx_sheet bm = { "x", t, bad_money, NULL };
    rc = sg_xlsx_write(a, &bm, 1, &o, &err);
    tap_ok(rc == SG_EINVAL && strstr(err.msg, "money column 'customer' is not numeric"),
           "money on a text column is refused: %s", err.msg);
    rc = sg_xlsx_write(a, sheets, 0, &o, &err);
    tap_is_int(rc, SG_EINVAL, "no sheet at all is refused");
    char nodir[300];
    snprintf(nodir, sizeof nodir, "%s/missing/c.xlsx", dir);
    rc = sg_xlsx_write(nodir, sheets, 1, &o, &err);
    tap_ok(rc == SG_EIO && strstr(err.msg, "cannot create a file beside"), "a missing directory is an I/O error: %s",
           err.msg);
    sg_table_free(t);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

int main(void)
{
    tap_plan(25);
    test_names();
    test_write();
    return tap_done();
}
