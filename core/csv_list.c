/* A list of CSV files read as one table: the rows of the files in list
 * order, as if they were concatenated without their repeated header.
 * Each file is read as a part of a distributed read (sg_csv_part_read:
 * its header, then the rows after it, their lines counted in the file
 * itself) and the parts are merged in list order (sg_csv_merge), so the
 * dictionaries' codes are those of one pass over the concatenation.  The
 * first file decides the typed speculation for all; when a later value
 * does not fit, the list is read again with every column in dictionary
 * mode (as sg_csv_read runs its pass again).  Under mpirun each rank
 * reads a run of whole files and rank 0 merges the ranks' parts
 * (core/mpi_comm.c, sg_csv_list_assemble).  See docs/mpi.md. */
#include "csv_list.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

int sg_csv_list_stat(const char *const *paths, size_t n, uint64_t *sizes, sg_error *err)
{
    if (n == 0)
        return sg_error_set(err, SG_EINVAL, "read_csv: the list of files is empty");
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (!paths[i])
            return sg_error_set(err, SG_EINVAL, "read_csv: file %zu of the list has no path", i + 1);
        if (stat(paths[i], &st) != 0)
            return sg_error_set(err, SG_EIO, "cannot open '%s' (file %zu of the list): %s", paths[i], i + 1,
                                strerror(errno));
        if (!S_ISREG(st.st_mode))
            return sg_error_set(err, SG_EIO, "cannot read '%s' (file %zu of the list): %s", paths[i], i + 1,
                                S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
        if (access(paths[i], R_OK) != 0)
            return sg_error_set(err, SG_EIO, "cannot open '%s' (file %zu of the list): %s", paths[i], i + 1,
                                strerror(errno));
        sizes[i] = (uint64_t)st.st_size;
    }
    return 0;
}

void sg_csv_list_assign(const uint64_t *sizes, size_t n, int ranks, size_t *first)
{
    uint64_t total = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        total += sizes[i];
    int k = 0;
    first[0] = 0;
    for (size_t i = 0; i < n; i++) {
        /* the rank whose nominal range holds the file's middle byte (file 0: rank 0) */
        uint64_t mid = at + sizes[i] / 2;
        int r = k;
        while (i > 0 && r + 1 < ranks && sg_mpi_nominal(total, r + 1, ranks) <= mid)
            r++;
        while (k < r)
            first[++k] = i;
        at += sizes[i];
    }
    while (k < ranks)
        first[++k] = n;
}

/* Where a file's header ends (its first record start) and the line after it. */
static int header_end(const char *path, uint64_t *hdr_end, uint64_t *line0, sg_error *err)
{
    struct stat st;
    sg_csv_scan_state zero;
    memset(&zero, 0, sizeof zero);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sg_error_set(err, SG_EIO, "cannot open '%s': %s", path, strerror(errno));
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (!e && !S_ISREG(st.st_mode))
        e = -1;
    if (!e)
        e = sg_mpi_find_cut(fd, (uint64_t)st.st_size, 0, zero, hdr_end, line0);
    close(fd);
    if (e)
        return sg_error_set(err, SG_EIO, "cannot read '%s': %s", path, e < 0 ? "not a regular file" : strerror(e));
    return 0;
}

/* The progress of one file, as bytes of the whole list. */
typedef struct list_progress {
    sg_csv_progress_fn fn;
    void *ud;
    uint64_t before, total;
} list_progress;

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    list_progress *lp = ud;
    (void)total;
    lp->fn(lp->ud, lp->before + done, lp->total);
}

/* The first part's decision, kept for the later files and passed on. */
typedef struct decision {
    const sg_csv_part_modes *outer;
    sg_mpi_modes m;
} decision;

static void on_decided(void *ud, const sg_csv_reader *r)
{
    decision *d = ud;
    sg_mpi_modes_take(&d->m, r);
    if (d->outer && d->outer->decided)
        d->outer->decided(d->outer->ud, r);
}

/* A header other than the list's first: SG_EDATA naming the file and the
 * first column that differs. */
static int same_header(const sg_csv_reader *ref, const char *ref_path, sg_csv_reader *r, const char *path)
{
    size_t n = ref->nnames < r->nnames ? ref->nnames : r->nnames;
    char a[80], b[80];
    for (size_t j = 0; j < n; j++)
        if (strcmp(ref->names[j], r->names[j]) != 0) {
            r->failed = 1;
            return sg_error_set(r->err, SG_EDATA,
                                "'%s' has another header than '%s' (every file of the list must have the same): "
                                "column %zu is '%s' where '%s' has '%s'",
                                path, ref_path, j + 1, sg_csv_show(r->names[j], strlen(r->names[j]), a, sizeof a),
                                ref_path, sg_csv_show(ref->names[j], strlen(ref->names[j]), b, sizeof b));
        }
    if (ref->nnames == r->nnames)
        return 0;
    r->failed = 1;
    const sg_csv_reader *more = ref->nnames > r->nnames ? ref : r;
    return sg_error_set(r->err, SG_EDATA,
                        "'%s' has another header than '%s' (every file of the list must have the same): "
                        "%zu columns where '%s' has %zu (column %zu '%s' is only in '%s')",
                        path, ref_path, r->nnames, ref_path, ref->nnames, n + 1,
                        sg_csv_show(more->names[n], strlen(more->names[n]), a, sizeof a),
                        more == ref ? ref_path : path);
}

/* After another header: the failure alone travels (no staging, whose
 * columns are not the list's). */
static void drop_staging(sg_csv_reader *r)
{
    for (size_t j = 0; r->cols && j < r->ncols; j++)
        sg_csv_col_free(&r->cols[j]);
    sg_free(r->cols);
    r->cols = NULL;
}

/* Reads file i of the list into p: the header, then (first: the rows
 * with the speculation of a first part) the rows after the header. */
static void read_file(const char *path, int first, const sg_csv_options *opt, const sg_csv_part_modes *spec,
                      sg_csv_part *p, uint64_t *hdr_end)
{
    uint64_t line0 = 2;
    sg_error e;
    sg_error_clear(&e);
    if (header_end(path, hdr_end, &line0, &e) != 0) {
        memset(p, 0, sizeof *p);
        p->r.err = &p->r.own_err;
        p->r.failed = 1;
        p->r.own_err = e;
        return;
    }
    if (first)
        sg_csv_part_read(path, opt, *hdr_end, 0, SG_MPI_NO_END, 1, 0, spec, p);
    else
        sg_csv_part_read(path, opt, *hdr_end, *hdr_end, SG_MPI_NO_END, line0, 0, spec, p);
    if (!p->r.failed && (p->r.in_header || !p->r.nnames)) {
        p->r.failed = 1;
        sg_error_set(p->r.err, SG_EDATA, "%s: the file is empty (no header row)", path);
    }
}

/* Adds a line adjustment at b's first row, so that a's rows after the
 * merge keep the lines of b's own file. */
static int mark_lines(sg_csv_reader *a, const sg_csv_reader *b)
{
    if (!b->nrows)
        return 0;
    if (a->nadj == a->adj_cap) {
        size_t nc = a->adj_cap ? a->adj_cap * 2 : 16;
        sg_csv_line_adj *adj = sg_realloc(a->adj, nc * sizeof *adj);
        if (!adj)
            return sg_csv_fail_nomem(a);
        a->adj = adj;
        a->adj_cap = nc;
    }
    a->adj[a->nadj].row = a->nrows;
    a->adj[a->nadj].line = sg_csv_line_of_row(b, 0);
    a->nadj++;
    return 0;
}

/* A part starting inside the list: an adjustment at its first row, so
 * that its rows keep their file's lines once merged after others. */
static void first_line(sg_csv_reader *r)
{
    if (!r->nrows || (r->nadj && r->adj[0].row == 0))
        return;
    uint64_t line = sg_csv_line_of_row(r, 0);
    if (r->nadj == r->adj_cap) {
        size_t nc = r->adj_cap ? r->adj_cap * 2 : 16;
        sg_csv_line_adj *adj = sg_realloc(r->adj, nc * sizeof *adj);
        if (!adj) {
            sg_csv_fail_nomem(r);
            return;
        }
        r->adj = adj;
        r->adj_cap = nc;
    }
    memmove(r->adj + 1, r->adj, r->nadj * sizeof *r->adj);
    r->adj[0].row = 0;
    r->adj[0].line = line;
    r->nadj++;
}

/* Not split: one loop over the files in list order (read, check the
 * header, merge), each step a call; what remains is the bookkeeping of
 * the first file's decision, the reference header and the row limit,
 * which the loop shares. */
void sg_csv_list_part(const char *const *paths, size_t from, size_t to, const uint64_t *sizes,
                      const sg_csv_options *opt, const sg_csv_part_modes *spec, int dict, sg_csv_part *out,
                      uint64_t *hdr_bytes, size_t *rows)
{
    decision d;
    memset(&d, 0, sizeof d);
    d.outer = spec;
    sg_csv_part_modes first_spec = { NULL, NULL, 0, on_decided, &d };
    sg_csv_options o = *opt;
    list_progress lp = { opt->progress, opt->progress_ud, 0, 0 };
    for (size_t i = from; sizes && i < to; i++)
        lp.total += sizes[i];
    if (opt->progress && sizes) {
        o.progress = on_progress;
        o.progress_ud = &lp;
    }
    sg_csv_part ref;
    memset(&ref, 0, sizeof ref);
    *hdr_bytes = 0;
    memset(out, 0, sizeof *out);
    out->r.err = &out->r.own_err;
    if (from > 0) {
        /* the reference header: the list's first file's header alone (its rows are another rank's) */
        uint64_t h, l;
        ref.r.err = &ref.r.own_err;
        if (header_end(paths[0], &h, &l, &ref.r.own_err) != 0) {
            ref.r.failed = 1;
        } else {
            sg_csv_part_read(paths[0], &o, h, UINT64_MAX - 1, SG_MPI_NO_END, l, 0, NULL, &ref);
            if (!ref.r.failed && (ref.r.in_header || !ref.r.nnames)) {
                ref.r.failed = 1;
                sg_error_set(ref.r.err, SG_EDATA, "%s: the file is empty (no header row)", paths[0]);
            }
        }
        if (ref.r.failed) {
            out->r.failed = 1;
            out->r.own_err = ref.r.own_err;
            sg_csv_part_free(&ref);
            return;
        }
    }
    if (from >= to) {
        /* a rank without a file: the list's header and no rows, so that its
         * part is typed and kept as the others are */
        uint64_t h, l;
        if (header_end(paths[0], &h, &l, &out->r.own_err) != 0)
            out->r.failed = 1;
        else
            sg_csv_part_read(paths[0], &o, h, UINT64_MAX - 1, SG_MPI_NO_END, l, 0, spec && spec->modes ? spec : NULL,
                             out);
        from = to = 0;
    }
    size_t i;
    for (i = from; i < to; i++) {
        struct stat st;
        if (sizes && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size != sizes[i]) {
            out->r.failed = 1;
            sg_error_set(&out->r.own_err, SG_EIO,
                         "'%s' has %llu bytes on this rank but %llu on rank 0 (every rank must see the same file)",
                         paths[i], (unsigned long long)st.st_size, (unsigned long long)sizes[i]);
            break;
        }
        const sg_csv_part_modes *ps = dict ? NULL : i == 0 ? &first_spec : spec && spec->modes ? spec : NULL;
        sg_csv_part_modes later = { d.m.modes, d.m.fmts, d.m.ncols, NULL, NULL };
        if (!dict && i > 0 && !ps && d.m.ncols)
            ps = &later;
        uint64_t hdr_end = 0;
        if (o.max_rows && i > from) {
            if (out->r.nrows >= opt->max_rows) {
                out->r.stop = 1;
                i--;
                break;
            }
            o.max_rows = opt->max_rows - out->r.nrows;
        }
        if (i == from) {
            read_file(paths[i], i == 0 && !dict, &o, ps, out, &hdr_end);
            if (i > 0 && !out->r.failed && same_header(&ref.r, paths[0], &out->r, paths[i]))
                drop_staging(&out->r);
            if (i > 0 && !out->r.failed)
                first_line(&out->r);
            if (rows)
                rows[0] = out->r.failed ? 0 : out->r.nrows;
        } else {
            sg_csv_part p;
            read_file(paths[i], 0, &o, ps, &p, &hdr_end);
            if (!p.r.failed && same_header(from == 0 ? &out->r : &ref.r, paths[0], &p.r, paths[i]))
                drop_staging(&p.r);
            if (rows)
                rows[i - from] = p.r.failed ? 0 : p.r.nrows;
            if (p.r.failed && !p.r.cols) {
                out->r.failed = 1;           /* no staging: its failure alone */
                out->r.structural = 0;
                out->r.own_err = p.r.own_err;
            } else if (mark_lines(&out->r, &p.r) == 0) {
                sg_csv_merge(&out->r, &p.r);
                out->r.stop |= p.r.stop;
            }
            sg_csv_part_free(&p);
        }
        if (i > 0)
            *hdr_bytes += hdr_end;
        lp.before += sizes ? sizes[i] : 0;
        if (out->r.failed || out->r.stop)
            break;
    }
    /* stopped at max_rows: the headers of the files left, for the size of the concatenation */
    for (size_t j = i + 1; out->r.stop && !out->r.failed && j < to; j++) {
        uint64_t h, l;
        sg_error e;
        if (header_end(paths[j], &h, &l, &e) == 0)
            *hdr_bytes += h;
    }
    out->at_boundary = 1;
    out->r.opt = opt;      /* not o, which ends here: the build reads the options */
    sg_csv_part_free(&ref);
    sg_mpi_modes_free(&d.m);
}

sg_table *sg_csv_read_list(const char *const *paths, size_t n, const sg_csv_options *opt, sg_csv_report *report,
                           sg_error *err)
{
    sg_csv_options defaults;
    sg_error local;
    if (!err)
        err = &local;
    sg_error_clear(err);
    if (report)
        memset(report, 0, sizeof *report);
    if (!opt) {
        sg_csv_options_init(&defaults);
        opt = &defaults;
    }
    if (n == 1)
        return sg_csv_read(paths[0], opt, report, err);
    uint64_t *sizes = sg_calloc(n ? n : 1, sizeof *sizes);
    size_t *rows = sg_calloc(n ? n : 1, sizeof *rows);
    if (!sizes || !rows) {
        sg_free(sizes);
        sg_free(rows);
        sg_error_nomem(err);
        return NULL;
    }
    sg_table *t = NULL;
    if (sg_csv_list_stat(paths, n, sizes, err) == 0) {
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += sizes[i];
        for (int dict = 0; dict < 2; dict++) {
            sg_csv_part p;
            uint64_t hb;
            sg_csv_list_part(paths, 0, n, sizes, opt, NULL, dict, &p, &hb, rows);
            if (!dict && p.r.fellback) {
                sg_csv_part_free(&p);      /* a typed column met a value it cannot hold */
                continue;
            }
            /* the rows' files, for the messages of the build that name a line */
            for (size_t i = 1; i < n; i++)
                rows[i] += rows[i - 1];
            p.r.file_rows = rows;
            p.r.file_paths = paths;
            p.r.nfiles = n;
            t = sg_csv_finish(&p.r, paths[0], p.delim, total - hb, report, p.r.err);
            if (!t)
                *err = p.r.own_err;
            sg_csv_part_free(&p);
            break;
        }
    }
    sg_free(sizes);
    sg_free(rows);
    return t;
}

/* "rank 2 of 3 could not read its files of the list ('c.csv' to 'd.csv'): why" */
/* The name of a rank's run of files of the list. */
typedef struct files_name {
    const size_t *first;
    const char *const *paths;
} files_name;

static void name_files(void *ud, sg_error *err, int k, int n, int code, const char *why)
{
    const files_name *fn = ud;
    size_t a = fn->first[k], b = fn->first[k + 1];
    char files[600];
    if (b <= a)
        snprintf(files, sizeof files, "no file");
    else if (b == a + 1)
        snprintf(files, sizeof files, "'%s'", fn->paths[a]);
    else
        snprintf(files, sizeof files, "'%s' to '%s'", fn->paths[a], fn->paths[b - 1]);
    sg_error_set(err, code == SG_EDATA ? SG_EIO : code, "rank %d of %d could not read its files of the list (%s): %s",
                 k, n, files, why);
}

sg_table *sg_csv_list_assemble(sg_csv_part *p0, int n, const size_t *first, const char *const *paths,
                               sg_mpi_get_fn get, void *ud, uint64_t bytes, sg_csv_report *report, sg_error *err,
                               int *fellback)
{
    if (report)
        memset(report, 0, sizeof *report);
    files_name fn = { first, paths };
    if (sg_mpi_merge_parts(p0, n, get, ud, 0, name_files, &fn, err, fellback) != 0 || *fellback)
        return NULL;
    sg_csv_reader *r = &p0->r;
    int failed = r->failed;
    sg_table *t = sg_csv_finish(r, paths[0], p0->delim, bytes, report, r->err);
    if (!t) {
        *err = r->own_err;
        /* a message of the build names a line: the one-process read names its file too */
        if (!failed && r->own_err.code == SG_EDATA)
            *fellback = 1;
    }
    return t;
}
