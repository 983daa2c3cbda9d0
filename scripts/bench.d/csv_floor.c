/* The parse floor for `scripts/bench floor`: one thread, libcsv with the
 * options segmint's reader uses (CSV_REPALL_NL | CSV_STRICT, no space
 * characters trimmed, the same delimiter), 1 MiB read() blocks, callbacks
 * that only count rows, fields and field bytes.  Nothing is stored, typed
 * or interned: what is left of the loader's time above this is the cost of
 * building columns.
 *   csv_floor FILE [DELIM]  ->  "rows fields bytes" on stdout */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct tally {
    unsigned long long rows, fields, bytes;
};

static void on_field(void *s, size_t len, void *ud)
{
    struct tally *t = ud;
    (void)s;
    t->fields++;
    t->bytes += len;
}

static void on_row(int c, void *ud)
{
    (void)c;
    ((struct tally *)ud)->rows++;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: csv_floor FILE [DELIM]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_REPALL_NL | CSV_STRICT) != 0)
        return 1;
    csv_set_space_func(&p, never_space);
    csv_set_delim(&p, (unsigned char)(argc > 2 ? argv[2][0] : ','));
    csv_set_blk_size(&p, 65536);
    static char buf[1 << 20];
    struct tally t = { 0, 0, 0 };
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (csv_parse(&p, buf, (size_t)n, on_field, on_row, &t) != (size_t)n) {
            fprintf(stderr, "%s: %s\n", argv[1], csv_strerror(csv_error(&p)));
            return 1;
        }
    if (n < 0) {
        perror(argv[1]);
        return 1;
    }
    csv_fini(&p, on_field, on_row, &t);
    csv_free(&p);
    close(fd);
    printf("%llu %llu %llu\n", t.rows, t.fields, t.bytes);
    return 0;
}
