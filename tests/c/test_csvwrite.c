/* CSV writing: exact bytes (quoting, doubles, datetimes, missing values),
 * other delimiters, atomic replacement, and failures that leave no file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "mem.h"
#include "csvwrite.h"
#include "ops_testutil.h"
#include "tap.h"

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Names in dir, sorted and joined with '|'. */
static const char *listing(const char *dir)
{
    static char buf[2048];
    char names[32][256];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return "(no dir)";
    struct dirent *e;
    while ((e = readdir(d)) && n < 32)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_name);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(buf, "|");
        strncat(buf, names[i], sizeof buf - strlen(buf) - 1);
    }
    return buf;
}

static sg_table *sample(void)
{
    sg_table *t = sg_table_new();
    add_col(t, MKCOL("i", SG_INT64, "1", "-42", NULL, "-9223372036854775808"));
    add_col(t, MKCOL("d", SG_DOUBLE, "0.1", "1e-300", "123456789.125", NULL));
    add_col(t, MKCOL("s", SG_STRING, "plain", "a,b", "say \"hi\"", "line\nbreak"));
    add_col(t, MKCOL("t", SG_DATETIME, "2011-12-09 08:26:00", NULL, "1969-12-31 23:59:59",
                     "2000-02-29 00:00:00"));
    add_col(t, MKCOL("day", SG_DATETIME, "2011-12-09", "2010-01-01", NULL, "2000-02-29"));
    add_col(t, MKCOL("b", SG_BOOL, "true", "false", NULL, "true"));
    add_col(t, MKCOL("odd, name", SG_STRING, " lead", "", "trail ", "x;y"));
    return t;
}

static const char expected[] =
    "i,d,s,t,day,b,\"odd, name\"\n"
    "1,0.1,plain,2011-12-09 08:26:00,2011-12-09,true,\" lead\"\n"
    "-42,1e-300,\"a,b\",,2010-01-01,false,\n"
    ",123456789.125,\"say \"\"hi\"\"\",1969-12-31 23:59:59,,,\"trail \"\n"
    "-9223372036854775808,,\"line\nbreak\",2000-02-29 00:00:00,2000-02-29,true,x;y\n";

/* The writer's own number and date formatting must print exactly what
 * sg_column_format prints: compare line by line on many values. */
static void test_formatting_matches(void)
{
    size_t n = 60000;
    sg_table *t = sg_table_new();
    sg_column *d = sg_column_new("d", SG_DOUBLE, n), *w = sg_column_new("w", SG_DATETIME, n);
    uint64_t x = 0x2545F4914F6CDD1Du;
    static const double scale[] = { 1, 0.01, 0.001, 1e-6, 1e-5, 1e5, 1e9, 1e14, 1e15, 1e20, 1e-300 };
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (i % 4) {
        case 0: v = (double)(int64_t)(x % 2000001 - 1000000) / 100; break;    /* prices */
        case 1: v = (double)(x >> 11) / 9007199254740992.0 * scale[(x >> 3) % 11]; break;
        case 2: v = (double)(int64_t)(x % 100000) * scale[(x >> 5) % 11]; break;
        default: v = (double)(int64_t)(x % 1000) / 8 - 60; break;
        }
        if (i % 7 == 3)
            v = -v;
        sg_column_push_f64(d, v);
        sg_column_push_i64(w, (int64_t)(x % 8000000000u) - 3000000000);
    }
    sg_column_push_f64(d, -0.0);
    sg_column_push_i64(w, -62135596800 - 86400);   /* before year 0: general path */
    add_col(t, d);
    add_col(t, w);
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    sg_error err;
    int rc = sg_table_write_csv_stream(t, f, ',', &err);
    fclose(f);
    int same = rc == 0;
    char *line = mem ? strchr(mem, '\n') : NULL;
    for (size_t i = 0; same && line && i < t->nrows; i++) {
        char want[160], a[64], b[64];
        sg_column_format(d, i, a, sizeof a);
        sg_column_format(w, i, b, sizeof b);
        snprintf(want, sizeof want, "%s,%s\n", a, b);
        if (strncmp(line + 1, want, strlen(want)) != 0) {
            tap_diag("row %zu: expected %s", i, want);
            same = 0;
        }
        line = strchr(line + 1, '\n');
    }
    tap_ok(same, "60000 doubles and datetimes print as sg_column_format prints them");
    free(mem);
    sg_table_free(t);
}

/* What the writer writes, the project's reader reads back: same types,
 * same values (an empty string comes back missing: "" is a missing marker). */
static void test_read_back(const char *path)
{
    sg_table *t = sample();
    sg_error err;
    sg_csv_options opt;
    sg_csv_options_init(&opt);
    sg_table *r = NULL;
    if (sg_table_write_csv(t, path, ',', &err) == 0)
        r = sg_csv_read(path, &opt, NULL, &err);
    tap_ok(r != NULL, "read back what was written%s%s", r ? "" : ": ", r ? "" : err.msg);
    int same = r && r->ncols == t->ncols && r->nrows == t->nrows;
    for (size_t j = 0; same && j < t->ncols; j++) {
        sg_column *a = t->cols[j], *b = r->cols[j];
        if (strcmp(a->name, b->name) || a->type != b->type || a->date_only != b->date_only) {
            tap_diag("column %zu: '%s' %s read back as '%s' %s", j, a->name, sg_type_name(a->type),
                     b->name, sg_type_name(b->type));
            same = 0;
        }
        for (size_t i = 0; same && i < t->nrows; i++) {
            char x[128], y[128];
            snprintf(x, sizeof x, "%s", cell(a, i));
            snprintf(y, sizeof y, "%s", cell(b, i));
            if (strcmp(x, y) && !(x[0] == '\0' && strcmp(y, "NA") == 0)) {
                tap_diag("'%s' row %zu: wrote [%s], read [%s]", a->name, i, x, y);
                same = 0;
            }
        }
    }
    tap_ok(same, "round trip keeps names, types and values (quotes, newlines, doubles, dates)");
    sg_table_free(r);
    sg_table_free(t);
}

int main(void)
{
    test_formatting_matches();
    char dir[] = "/tmp/sg_csvwrite_XXXXXX";
    if (!mkdtemp(dir))
        tap_skip_all("cannot create a temporary directory");
    char path[512], bad[512], isdir[512];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.csv", dir);
    snprintf(isdir, sizeof isdir, "%s/adir", dir);
    sg_error err;
    sg_table *t = sample();

    tap_is_int(sg_table_write_csv(t, path, ',', &err), 0, "write_csv");
    const char *got = slurp(path);
    tap_is_str(got, expected, "exact bytes: quoting, doubles, datetimes, missing as empty");
    tap_is_str(listing(dir), "out.csv", "no temporary left behind");

    mode_t um = umask(022);
    umask(um);
    struct stat st;
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~um), "permissions follow the umask");

    /* replaced as a whole */
    sg_table *one = sg_table_new();
    add_col(one, MKCOL("x", SG_INT64, "1", NULL, "3"));
    tap_is_int(sg_table_write_csv(one, path, ',', &err), 0, "overwrite");
    tap_is_str(slurp(path), "x\n1\n\"\"\n3\n", "one column: a missing value is \"\" so the line is not blank");

    /* another delimiter, to a stream */
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    tap_is_int(sg_table_write_csv_stream(t, f, ';', &err), 0, "write to a stream with ';'");
    fclose(f);
    tap_ok(mem && strstr(mem, "i;d;s;t;day;b;odd, name\n") == mem, "header with ';' needs no quotes");
    tap_ok(mem && strstr(mem, "-42;1e-300;a,b;;2010-01-01;false;\n") != NULL, "commas not quoted");
    tap_ok(mem && strstr(mem, ";\"x;y\"\n") != NULL, "the delimiter is quoted");
    free(mem);

    f = open_memstream(&mem, &memlen);
    tap_is_int(sg_table_write_csv_stream(t, f, '"', &err), SG_EINVAL, "a quote cannot be the delimiter");
    fclose(f);
    free(mem);

    f = fopen("/dev/full", "w");
    if (f) {
        tap_is_int(sg_table_write_csv_stream(t, f, ',', &err), SG_EIO, "a full device is reported");
        tap_ok(strstr(err.msg, "No space") != NULL, "with the reason: %s", err.msg);
        fclose(f);
    } else {
        tap_skip(2, "no /dev/full");
    }
    tap_is_int(sg_table_write_csv(t, path, '\n', &err), SG_EINVAL, "LF as delimiter refused");

    /* failures leave nothing */
    tap_is_int(sg_table_write_csv(t, bad, ',', &err), SG_EIO, "missing directory fails with SG_EIO");
    tap_ok(strstr(err.msg, bad) != NULL && strstr(err.msg, "No such file") != NULL,
           "message names the path and the reason: %s", err.msg);
    tap_ok(mkdir(isdir, 0755) == 0, "make a directory in the way");
    tap_is_int(sg_table_write_csv(t, isdir, ',', &err), SG_EIO, "cannot replace a directory");
    tap_ok(strstr(err.msg, isdir) != NULL, "message names the target: %s", err.msg);
    tap_is_str(listing(dir), "adir|out.csv", "the temporary file was removed");
    tap_is_str(listing(isdir), "", "nothing written inside the directory");

    test_read_back(path);

    /* an empty table: header only */
    sg_table *empty = sg_table_new();
    add_col(empty, sg_column_new("a", SG_DOUBLE, 0));
    add_col(empty, sg_column_new("b", SG_STRING, 0));
    tap_is_int(sg_table_write_csv(empty, path, ',', &err), 0, "write an empty table");
    tap_is_str(slurp(path), "a,b\n", "header only");

    sg_table_free(empty);
    sg_table_free(one);
    sg_table_free(t);
    unlink(path);
    rmdir(isdir);
    rmdir(dir);
    tap_is_int((long long)sg_mem_used(), 0, "all accounted memory released");
    return tap_done();
}
