/* The output directory of a run, published as a whole: see outdir.h. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"

#define LOCK_NAME ".segmint.lock"
#define JOURNAL_NAME ".segmint-publish"
#define STAGING_PREFIX ".segmint-staging-"
#define RESERVED_PREFIX ".segmint"
#define LAST_NAME "manifest.json"   /* published last: readers may rely on it */

struct sg_outdir {
    char *real;          /* realpath of DIR */
    char *staging;       /* DIR/.segmint-staging-XXXXXX */
    int dir_fd;          /* DIR */
    int staging_fd;      /* the staging folder, -1 once removed */
    int lock_fd;
    int done;            /* committed or aborted */
    int recovered, stale_removed;
};

/* ---- small path helpers ---- */

static int is_dot_name(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* path made absolute (against the working directory) with ".", ".." and
 * repeated slashes resolved lexically; sg_malloc'd, NULL on error. */
static char *lexical_abs(const char *path)
{
    char cwd[PATH_MAX] = "";
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *out = sg_malloc(n + 1);
    if (!out)
        return NULL;
    size_t len = 0;
    const char *parts[2] = { cwd, path };
    for (int k = 0; k < 2; k++) {
        const char *p = parts[k];
        while (*p) {
            while (*p == '/')
                p++;
            const char *s = p;
            while (*p && *p != '/')
                p++;
            size_t m = (size_t)(p - s);
            if (m == 0 || (m == 1 && s[0] == '.'))
                continue;
            if (m == 2 && s[0] == '.' && s[1] == '.') {
                while (len > 0 && out[len - 1] != '/')
                    len--;
                if (len > 0)
                    len--;           /* the slash before the dropped part */
                continue;
            }
            out[len++] = '/';
            memcpy(out + len, s, m);
            len += m;
        }
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

/* The path relative to DIR ("" for DIR itself), sg_malloc'd, or NULL when
 * path is not under DIR (lexically, or once its folder is resolved). */
static char *relative_under(const sg_outdir *od, const char *path)
{
    size_t rl = strlen(od->real);
    char *abs = lexical_abs(path);
    if (!abs)
        return NULL;
    char *rel = NULL;
    if (strcmp(abs, od->real) == 0)
        rel = sg_strdup("");
    else if (strncmp(abs, od->real, rl) == 0 && (abs[rl] == '/' || rl == 1))
        rel = sg_strdup(abs + (rl == 1 ? 1 : rl + 1));
    sg_free(abs);
    if (rel)
        return rel;
    /* a path through a link to DIR, or relative to a linked folder */
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || is_dot_name(base, strlen(base)))
        return NULL;
    char parent[PATH_MAX], real[PATH_MAX];
    size_t pl = slash ? (size_t)(slash - path) : 0;
    if (pl >= sizeof parent)
        return NULL;
    if (slash) {
        memcpy(parent, path, pl);
        parent[pl] = '\0';
        if (pl == 0)
            strcpy(parent, "/");
    } else {
        strcpy(parent, ".");
    }
    if (!realpath(parent, real))
        return NULL;
    size_t n = strlen(real);
    if (strcmp(real, od->real) == 0)
        return sg_strdup(base);
    if (strncmp(real, od->real, rl) != 0 || real[rl] != '/')
        return NULL;
    char *r = sg_malloc(n - rl + strlen(base) + 2);
    if (r)
        sprintf(r, "%s/%s", real + rl + 1, base);
    return r;
}

/* Removes name (a file or a whole folder) under dirfd without following
 * symbolic links.  0 on success or when it does not exist. */
static int remove_tree_at(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (is_dot_name(e->d_name, strlen(e->d_name)))
            continue;
        if (remove_tree_at(fd, e->d_name) != 0)
            rc = -1;
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

/* Opens (creating when `create`) the folder `rel` under base_fd, one
 * component at a time, never through a symbolic link.  The fd, or -1 with
 * errno (ELOOP/ENOTDIR for a link or a file in the way). */
static int open_dirs_at(int base_fd, const char *rel, size_t len, int create)
{
    int fd = dup(base_fd);
    size_t i = 0;
    while (fd >= 0 && i < len) {
        size_t j = i;
        while (j < len && rel[j] != '/')
            j++;
        char name[NAME_MAX + 1];
        size_t m = j - i;
        if (m == 0 || m > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, rel + i, m);
        name[m] = '\0';
        if (create && mkdirat(fd, name, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = next;
        i = j + 1;
    }
    return fd;
}

/* Writes `text` to dirfd/name through a fresh temporary (created with
 * O_EXCL, so a planted link is never opened) and a rename. */
static int write_small_file(int dirfd, const char *name, const char *text)
{
    char tmp[NAME_MAX + 1];
    if (snprintf(tmp, sizeof tmp, ".segmint-%s.tmp", name) >= (int)sizeof tmp)
        return -1;
    unlinkat(dirfd, tmp, 0);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    int bad = write(fd, text, len) != (ssize_t)len;
    bad = fsync(fd) != 0 || bad;
    bad = close(fd) != 0 || bad;
    if (bad || renameat(dirfd, tmp, dirfd, name) != 0) {
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    fsync(dirfd);
    return 0;
}

/* ---- publishing ---- */

typedef struct file_list {
    char **v;
    size_t n, cap;
} file_list;

static void file_list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        sg_free(l->v[i]);
    sg_free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int file_list_add(file_list *l, const char *prefix, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **v = sg_realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *s = sg_malloc(strlen(prefix) + strlen(name) + 2);
    if (!s)
        return -1;
    sprintf(s, "%s%s%s", prefix, *prefix ? "/" : "", name);
    l->v[l->n++] = s;
    return 0;
}

/* Every regular file under the folder fd (relative paths). */
static int list_files(int fd, const char *prefix, file_list *l)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (is_dot_name(e->d_name, strlen(e->d_name)))
            continue;
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            char *p = NULL;
            if (sub < 0 || !(p = sg_malloc(strlen(prefix) + strlen(e->d_name) + 2))) {
                if (sub >= 0)
                    close(sub);
                rc = -1;
                break;
            }
            sprintf(p, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name);
            rc = list_files(sub, p, l);
            sg_free(p);
            close(sub);
        } else if (S_ISREG(st.st_mode)) {
            rc = file_list_add(l, prefix, e->d_name);
        }
    }
    closedir(d);
    return rc;
}

static int publish_order(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int lx = strcmp(x, LAST_NAME) == 0, ly = strcmp(y, LAST_NAME) == 0;
    if (lx != ly)
        return lx - ly;
    return strcmp(x, y);
}

/* Renames every file of the staging folder `name` (under dir_fd) into
 * dir_fd, LAST_NAME last, then removes the folder. */
static int publish_from(int dir_fd, const char *name, sg_error *err)
{
    int st_fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (st_fd < 0)
        return errno == ENOENT ? 0 : sg_error_set(err, SG_EIO, "cannot open %s: %s", name, strerror(errno));
    file_list files = { 0 };
    int rc = 0;
    if (list_files(st_fd, "", &files) != 0)
        rc = sg_error_set(err, SG_EIO, "cannot list the staged outputs in %s: %s", name, strerror(errno));
    if (rc == 0 && files.n > 1)
        qsort(files.v, files.n, sizeof *files.v, publish_order);
    /* staged files reach the disk before they replace the old ones */
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        int fd = openat(st_fd, files.v[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        const char *rel = files.v[i];
        const char *slash = strrchr(rel, '/');
        size_t plen = slash ? (size_t)(slash - rel) : 0;
        const char *base = slash ? slash + 1 : rel;
        int src = open_dirs_at(st_fd, rel, plen, 0);
        int dst = src >= 0 ? open_dirs_at(dir_fd, rel, plen, 1) : -1;
        if (src < 0 || dst < 0) {
            rc = sg_error_set(err, SG_EIO, "cannot publish %s: a folder on its way is missing, a file or a "
                              "symbolic link (%s)", rel, strerror(errno));
        } else if (renameat(src, base, dst, base) != 0) {
            rc = sg_error_set(err, SG_EIO, "cannot publish %s: %s", rel, strerror(errno));
        } else {
            fsync(dst);
        }
        if (src >= 0)
            close(src);
        if (dst >= 0)
            close(dst);
    }
    file_list_free(&files);
    close(st_fd);
    if (rc == 0 && remove_tree_at(dir_fd, name) != 0)
        rc = sg_error_set(err, SG_EIO, "cannot remove the staging folder %s: %s", name, strerror(errno));
    return rc;
}

static int valid_staging_name(const char *s)
{
    size_t n = strlen(STAGING_PREFIX);
    if (strncmp(s, STAGING_PREFIX, n) != 0 || !s[n])
        return 0;
    for (s += n; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* Finishes the publish recorded in the journal, if any. */
static int recover(sg_outdir *od, sg_error *err)
{
    int fd = openat(od->dir_fd, JOURNAL_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : sg_error_set(err, SG_EIO, "cannot read %s/%s: %s", od->real,
                                                  JOURNAL_NAME, strerror(errno));
    char name[NAME_MAX + 1];
    ssize_t n = read(fd, name, sizeof name - 1);
    close(fd);
    if (n < 0)
        n = 0;
    name[n] = '\0';
    name[strcspn(name, "\n")] = '\0';
    if (valid_staging_name(name)) {
        int rc = publish_from(od->dir_fd, name, err);
        if (rc)
            return rc;
        unlinkat(od->dir_fd, SG_OUTDIR_FAILED_NOTE, 0);
    }
    unlinkat(od->dir_fd, JOURNAL_NAME, 0);
    fsync(od->dir_fd);
    od->recovered = 1;
    return 0;
}

/* Removes staging folders and temporaries left by killed runs. */
static void remove_stale(sg_outdir *od)
{
    int fd = dup(od->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    file_list stale = { 0 };
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (valid_staging_name(e->d_name) ||
            (strncmp(e->d_name, RESERVED_PREFIX "-", 9) == 0 && n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0))
            file_list_add(&stale, "", e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < stale.n; i++)
        if (remove_tree_at(od->dir_fd, stale.v[i]) == 0)
            od->stale_removed = 1;
    file_list_free(&stale);
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* ---- the public functions ---- */

int sg_outdir_open(const char *dir, sg_outdir **out, sg_error *err)
{
    *out = NULL;
    if (make_dirs(dir) != 0)
        return sg_error_set(err, SG_EIO, "cannot create the output directory '%s': %s", dir, strerror(errno));
    sg_outdir *od = sg_calloc(1, sizeof *od);
    if (!od)
        return sg_error_nomem(err);
    od->dir_fd = od->staging_fd = od->lock_fd = -1;
    char real[PATH_MAX];
    int rc = 0;
    if (!realpath(dir, real)) {
        rc = sg_error_set(err, SG_EIO, "cannot resolve the output directory '%s': %s", dir, strerror(errno));
        goto fail;
    }
    if (!(od->real = sg_strdup(real))) {
        rc = sg_error_nomem(err);
        goto fail;
    }
    od->dir_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (od->dir_fd < 0) {
        rc = sg_error_set(err, SG_EIO, "cannot open the output directory '%s': %s", dir, strerror(errno));
        goto fail;
    }
    od->lock_fd = openat(od->dir_fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (od->lock_fd < 0) {
        rc = sg_error_set(err, SG_EIO, "cannot write in the output directory '%s' (%s/%s: %s)", dir, real,
                          LOCK_NAME, strerror(errno));
        goto fail;
    }
    if (flock(od->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[64] = "";
        ssize_t n = pread(od->lock_fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        rc = sg_error_set(err, SG_EIO, "the output directory '%s' is in use by another segmint run%s%s%s; "
                          "wait for it to finish or choose another --out", dir, *holder ? " (" : "", holder,
                          *holder ? ")" : "");
        goto fail;
    }
    char who[64];
    int wn = snprintf(who, sizeof who, "pid %ld\n", (long)getpid());
    /* written over the previous holder's line and cut to length only when
     * that was longer: truncating a file to 0 waits for the journal on
     * ext4, about 10 ms of every run */
    struct stat lst;
    if (pwrite(od->lock_fd, who, (size_t)wn, 0) != wn || fstat(od->lock_fd, &lst) != 0 ||
        (lst.st_size > (off_t)wn && ftruncate(od->lock_fd, (off_t)wn) != 0)) {
        rc = sg_error_set(err, SG_EIO, "cannot write in the output directory '%s': %s", dir, strerror(errno));
        goto fail;
    }
    if ((rc = recover(od, err)) != 0)
        goto fail;
    remove_stale(od);
    char tmpl[PATH_MAX];
    if (snprintf(tmpl, sizeof tmpl, "%s/%sXXXXXX", real, STAGING_PREFIX) >= (int)sizeof tmpl) {
        rc = sg_error_set(err, SG_EIO, "output directory path too long: %s", real);
        goto fail;
    }
    if (!mkdtemp(tmpl)) {
        rc = sg_error_set(err, SG_EIO, "cannot write in the output directory '%s': %s", dir, strerror(errno));
        goto fail;
    }
    od->staging = sg_strdup(tmpl);
    od->staging_fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (!od->staging || od->staging_fd < 0) {
        rc = od->staging ? sg_error_set(err, SG_EIO, "cannot open %s: %s", tmpl, strerror(errno))
                         : sg_error_nomem(err);
        rmdir(tmpl);
        goto fail;
    }
    *out = od;
    return 0;
fail:
    od->done = 1;
    sg_outdir_close(od);
    return rc;
}

const char *sg_outdir_path(const sg_outdir *od) { return od->real; }
const char *sg_outdir_staging(const sg_outdir *od) { return od->staging; }
int sg_outdir_recovered(const sg_outdir *od) { return od->recovered; }
int sg_outdir_stale_removed(const sg_outdir *od) { return od->stale_removed; }

/* Copies DIR/rel (a regular file with one link, not followed through a
 * link) to staging/rel; a missing file is fine. */
static int copy_for_append(sg_outdir *od, const char *rel, const char *path, sg_error *err)
{
    struct stat st;
    if (fstatat(od->staging_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;    /* this run already has its copy */
    const char *slash = strrchr(rel, '/');
    size_t plen = slash ? (size_t)(slash - rel) : 0;
    const char *base = slash ? slash + 1 : rel;
    int parent = open_dirs_at(od->dir_fd, rel, plen, 0);
    if (parent < 0)
        return 0;    /* no such folder in DIR yet: nothing to copy */
    int in = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int e = errno;
    close(parent);
    if (in < 0) {
        if (e == ENOENT)
            return 0;
        if (e == ELOOP)
            return sg_error_set(err, SG_EINVAL, "appending to '%s' is not allowed: it is a symbolic link "
                                "(recipes write only under the output directory %s)", path, od->real);
        return sg_error_set(err, SG_EIO, "cannot open '%s': %s", path, strerror(e));
    }
    int rc = 0;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode))
        rc = sg_error_set(err, SG_EINVAL, "appending to '%s' is not allowed: it is not a regular file", path);
    else if (st.st_nlink > 1)
        rc = sg_error_set(err, SG_EINVAL, "appending to '%s' is not allowed: it has %ld hard links, so "
                          "another name outside the output directory %s may share it", path,
                          (long)st.st_nlink, od->real);
    int outfd = -1;
    if (rc == 0) {
        outfd = openat(od->staging_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
        if (outfd < 0)
            rc = sg_error_set(err, SG_EIO, "cannot copy '%s' for appending: %s", path, strerror(errno));
    }
    char buf[65536];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 || write(outfd, buf, (size_t)n) != n)
            rc = sg_error_set(err, SG_EIO, "cannot copy '%s' for appending: %s", path, strerror(errno));
    }
    if (outfd >= 0 && close(outfd) != 0 && rc == 0)
        rc = sg_error_set(err, SG_EIO, "cannot copy '%s' for appending: %s", path, strerror(errno));
    close(in);
    if (rc && outfd >= 0)
        unlinkat(od->staging_fd, rel, 0);
    return rc;
}

/* Checks that no component of rel under DIR is a symbolic link or a file
 * where a folder is needed (the last component: a folder when want_dir). */
static int check_dir_side(const sg_outdir *od, const char *rel, const char *path, int want_dir, sg_error *err)
{
    int fd = dup(od->dir_fd);
    size_t i = 0, len = strlen(rel);
    int rc = 0;
    while (fd >= 0 && i < len && rc == 0) {
        size_t j = i;
        while (j < len && rel[j] != '/')
            j++;
        int last = j == len;
        char name[NAME_MAX + 1];
        if (j - i > NAME_MAX) {
            rc = sg_error_set(err, SG_EINVAL, "output path component too long in '%s'", path);
            break;
        }
        memcpy(name, rel + i, j - i);
        name[j - i] = '\0';
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            break;    /* missing: what follows does not exist either */
        if (S_ISLNK(st.st_mode) && (!last || want_dir))
            rc = sg_error_set(err, SG_EINVAL, "writing '%s' is not allowed: '%.*s' is a symbolic link "
                              "(recipes write only under the output directory %s)", path, (int)j, rel, od->real);
        else if (!last && !S_ISDIR(st.st_mode))
            rc = sg_error_set(err, SG_EINVAL, "cannot write '%s': '%.*s' is not a folder", path, (int)j, rel);
        else if (last && want_dir && !S_ISDIR(st.st_mode))
            rc = sg_error_set(err, SG_EINVAL, "cannot write into '%s': it is not a folder", path);
        else if (last && !want_dir && S_ISDIR(st.st_mode))
            rc = sg_error_set(err, SG_EINVAL, "cannot write '%s': it is a folder", path);
        if (rc || last)
            break;
        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
        i = j + 1;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

char *sg_outdir_write_path(sg_outdir *od, const char *path, int append, int dir, sg_error *err)
{
    if (od->done || od->staging_fd < 0) {
        sg_error_set(err, SG_EINVAL, "writing '%s': the run's outputs were already published", path);
        return NULL;
    }
    char *rel = relative_under(od, path);
    if (!rel) {
        sg_error_set(err, SG_EINVAL, "writing '%s' is not allowed: recipes write only under the output "
                     "directory %s", path, od->real);
        return NULL;
    }
    int rc = 0;
    if (!*rel && !dir)
        rc = sg_error_set(err, SG_EINVAL, "cannot write '%s': it is the output directory itself", path);
    else if (strncmp(rel, RESERVED_PREFIX, strlen(RESERVED_PREFIX)) == 0)
        rc = sg_error_set(err, SG_EINVAL, "cannot write '%s': names starting with '%s' are reserved for "
                          "segmint's own files", path, RESERVED_PREFIX);
    if (rc == 0)
        rc = check_dir_side(od, rel, path, dir, err);
    if (rc == 0) {
        const char *slash = strrchr(rel, '/');
        size_t plen = dir ? strlen(rel) : slash ? (size_t)(slash - rel) : 0;
        int fd = plen ? open_dirs_at(od->staging_fd, rel, plen, 1) : 0;
        if (fd < 0)
            rc = sg_error_set(err, SG_EIO, "cannot create the folders of '%s': %s", path, strerror(errno));
        else if (plen)
            close(fd);
    }
    if (rc == 0 && append && !dir)
        rc = copy_for_append(od, rel, path, err);
    char *staged = NULL;
    if (rc == 0) {
        staged = sg_malloc(strlen(od->staging) + strlen(rel) + 2);
        if (staged)
            sprintf(staged, "%s%s%s", od->staging, *rel ? "/" : "", rel);
        else
            sg_error_nomem(err);
    }
    sg_free(rel);
    return staged;
}

char *sg_outdir_read_path(const sg_outdir *od, const char *path)
{
    char *rel = od->staging_fd >= 0 ? relative_under(od, path) : NULL;
    struct stat st;
    if (rel && *rel && fstatat(od->staging_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        char *staged = sg_malloc(strlen(od->staging) + strlen(rel) + 2);
        if (staged)
            sprintf(staged, "%s/%s", od->staging, rel);
        sg_free(rel);
        return staged;
    }
    sg_free(rel);
    return sg_strdup(path);
}

int sg_outdir_commit(sg_outdir *od, sg_error *err)
{
    if (od->done)
        return sg_error_set(err, SG_EINVAL, "the outputs were already published or discarded");
    od->done = 1;
    const char *name = strrchr(od->staging, '/') + 1;
    file_list staged = { 0 };
    if (list_files(od->staging_fd, "", &staged) == 0 && staged.n == 0) {
        /* nothing to publish (a run that wrote no file): no journal, no
         * syncs; only the note of an earlier failure goes */
        close(od->staging_fd);
        od->staging_fd = -1;
        if (remove_tree_at(od->dir_fd, name) != 0)
            return sg_error_set(err, SG_EIO, "cannot remove the staging folder %s: %s", name, strerror(errno));
        if (unlinkat(od->dir_fd, SG_OUTDIR_FAILED_NOTE, 0) == 0)
            fsync(od->dir_fd);
        return 0;
    }
    file_list_free(&staged);
    char journal[NAME_MAX + 2];
    snprintf(journal, sizeof journal, "%s\n", name);
    if (write_small_file(od->dir_fd, JOURNAL_NAME, journal) != 0)
        return sg_error_set(err, SG_EIO, "cannot publish the outputs in %s: %s", od->real, strerror(errno));
    close(od->staging_fd);
    od->staging_fd = -1;
    int rc = publish_from(od->dir_fd, name, err);
    if (rc)
        return rc;     /* the journal stays: the next run finishes the publish */
    unlinkat(od->dir_fd, SG_OUTDIR_FAILED_NOTE, 0);
    unlinkat(od->dir_fd, JOURNAL_NAME, 0);
    fsync(od->dir_fd);
    return 0;
}

void sg_outdir_abort(sg_outdir *od, const char *why)
{
    if (od->done)
        return;
    od->done = 1;
    if (od->staging_fd >= 0) {
        close(od->staging_fd);
        od->staging_fd = -1;
    }
    remove_tree_at(od->dir_fd, strrchr(od->staging, '/') + 1);
    if (why) {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
#define FAILED_TEXT "segmint run failed at %s\n%s\n\nThe other files here are the outputs of the last " \
                    "successful run (see manifest.json);\nnothing of the failed run was published.\n"
        size_t n = strlen(FAILED_TEXT) + strlen(when) + strlen(why) + 1;
        char *text = sg_malloc(n);
        if (text) {
            snprintf(text, n, FAILED_TEXT, when, why);
            write_small_file(od->dir_fd, SG_OUTDIR_FAILED_NOTE, text);
            sg_free(text);
        }
    }
}

void sg_outdir_close(sg_outdir *od)
{
    if (!od)
        return;
    if (!od->done)
        sg_outdir_abort(od, NULL);
    if (od->staging_fd >= 0)
        close(od->staging_fd);
    if (od->lock_fd >= 0)
        close(od->lock_fd);    /* releases the lock */
    if (od->dir_fd >= 0)
        close(od->dir_fd);
    sg_free(od->staging);
    sg_free(od->real);
    sg_free(od);
}
