/* The output directory of a run: staging, publishing as a whole, the
 * lock, recovery of an interrupted publish, refusal of planted links. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"
#include "nomem_testutil.h"
#include "outdir.h"
#include "tap.h"

static char root[256];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return "(missing)";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *at(const char *rel)
{
    static char buf[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* entries of DIR other than the lock file, space-separated and sorted by ls */
static const char *listing(const char *dir)
{
    static char buf[4096];
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -v '^.segmint.lock$' | tr '\\n' ' '", dir);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(buf, 1, sizeof buf - 1, p) : 0;
    buf[n] = '\0';
    if (p)
        pclose(p);
    return buf;
}

static void write_staged(sg_outdir *od, const char *path, const char *text, int append)
{
    sg_error err;
    char *p = sg_outdir_write_path(od, path, append, 0, &err);
    if (!p) {
        tap_diag("write_path(%s): %s", path, err.msg);
        return;
    }
    FILE *f = fopen(p, append ? "a" : "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    sg_free(p);
}

static void test_publish(void)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s", at("run"));
    sg_error err;
    sg_outdir *od;
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "open creates the output directory");
    write_staged(od, at("run/a.csv"), "new a", 0);
    write_staged(od, at("run/sub/b.csv"), "new b", 0);
    write_staged(od, at("run/manifest.json"), "{}", 0);
    tap_ok(!exists(at("run/a.csv")), "nothing is visible in the directory before the commit");
    char *r = sg_outdir_read_path(od, at("run/sub/b.csv"));
    tap_is_str(get(r), "new b", "reading an output of this run finds the staged copy");
    sg_free(r);
    r = sg_outdir_read_path(od, at("run/none.csv"));
    tap_is_str(r, at("run/none.csv"), "reading another path is unchanged");
    sg_free(r);
    tap_is_int(sg_outdir_commit(od, &err), 0, "commit");
    sg_outdir_close(od);
    tap_is_str(get(at("run/a.csv")), "new a", "a.csv published");
    tap_is_str(get(at("run/sub/b.csv")), "new b", "a file in a new subfolder published");
    tap_is_str(listing(out), "a.csv manifest.json sub ", "no staging folder, journal or temporary left");

    /* a failed run leaves the previous outputs and a note */
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "second run opens");
    write_staged(od, at("run/a.csv"), "half", 0);
    sg_outdir_abort(od, "recipe.lua:3: boom");
    sg_outdir_close(od);
    tap_is_str(get(at("run/a.csv")), "new a", "a failed run leaves the previous a.csv");
    tap_ok(strstr(get(at("run/FAILED")), "recipe.lua:3: boom") != NULL, "FAILED names the error");
    tap_is_str(listing(out), "FAILED a.csv manifest.json sub ", "only the note was added");

    /* the next successful run removes the note; files it does not write stay */
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "third run opens");
    write_staged(od, at("run/a.csv"), "third", 0);
    tap_is_int(sg_outdir_commit(od, &err), 0, "third run commits");
    sg_outdir_close(od);
    tap_ok(!exists(at("run/FAILED")), "a successful run removes the FAILED note");
    tap_is_str(get(at("run/sub/b.csv")), "new b", "outputs the run did not write are kept");

    /* appending works on a copy */
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "append run opens");
    write_staged(od, at("run/a.csv"), "+more", 1);
    tap_is_str(get(at("run/a.csv")), "third", "the published file is untouched while appending");
    tap_is_int(sg_outdir_commit(od, &err), 0, "append run commits");
    sg_outdir_close(od);
    tap_is_str(get(at("run/a.csv")), "third+more", "the appended file is published");

    /* a run that writes nothing: no journal, the note of a failure removed,
     * an empty folder it made not published */
    put(at("run/FAILED"), "old failure\n");
    put(at("run/.segmint.lock"), "pid 123456789012345\n");
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "a run writing nothing opens");
    char who[64];
    snprintf(who, sizeof who, "pid %ld\n", (long)getpid());
    tap_is_str(get(at("run/.segmint.lock")), who, "the lock file holds this run's pid line alone");
    char *d = sg_outdir_write_path(od, at("run/empty"), 0, 1, &err);
    tap_ok(d && exists(d), "it stages an empty folder");
    sg_free(d);
    tap_is_int(sg_outdir_commit(od, &err), 0, "it commits");
    sg_outdir_close(od);
    tap_is_str(listing(out), "a.csv manifest.json sub ",
               "nothing published, FAILED removed, no staging folder or journal left");
    tap_is_str(get(at("run/a.csv")), "third+more", "the outputs of the run before are kept");
}

static void test_refusals(void)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s", at("links"));
    mkdir(at("outside"), 0777);
    mkdir(out, 0777);
    put(at("outside/victim.txt"), "keep");
    symlink(at("outside/victim.txt"), at("links/link.txt"));
    symlink(at("outside/nothing.txt"), at("links/dangling.txt"));
    symlink(at("outside"), at("links/dir"));
    link(at("outside/victim.txt"), at("links/hard.txt"));
    sg_error err;
    sg_outdir *od;
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "open a directory with planted links");
    char *p = sg_outdir_write_path(od, at("links/link.txt"), 1, 0, &err);
    tap_ok(!p && strstr(err.msg, "symbolic link"), "appending through a symbolic link is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/dangling.txt"), 1, 0, &err);
    tap_ok(!p && strstr(err.msg, "symbolic link"), "appending through a dangling link is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/hard.txt"), 1, 0, &err);
    tap_ok(!p && strstr(err.msg, "hard links"), "appending to a hard-linked file is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/dir/x.txt"), 0, 0, &err);
    tap_ok(!p && strstr(err.msg, "symbolic link"), "writing through a linked folder is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/dir"), 0, 1, &err);
    tap_ok(!p && strstr(err.msg, "symbolic link"), "a linked folder as an output folder is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("outside/y.txt"), 0, 0, &err);
    tap_ok(!p && strstr(err.msg, "not allowed"), "a path outside is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/../outside/y.txt"), 0, 0, &err);
    tap_ok(!p && strstr(err.msg, "not allowed"), "escaping with .. is refused");
    sg_free(p);
    p = sg_outdir_write_path(od, at("links/.segmint.lock"), 0, 0, &err);
    tap_ok(!p && strstr(err.msg, "reserved"), "segmint's own names are reserved");
    sg_free(p);
    /* replacing (not appending) a link or a hard link replaces the name only */
    write_staged(od, at("links/link.txt"), "new", 0);
    write_staged(od, at("links/hard.txt"), "new", 0);
    tap_is_int(sg_outdir_commit(od, &err), 0, "commit over planted links");
    sg_outdir_close(od);
    tap_is_str(get(at("outside/victim.txt")), "keep", "the link's target is untouched");
    struct stat st;
    tap_ok(lstat(at("links/link.txt"), &st) == 0 && S_ISREG(st.st_mode), "the link was replaced by the output");
    tap_is_str(get(at("links/hard.txt")), "new", "the hard-linked name now holds the output");
    tap_is_str(listing(at("outside")), "victim.txt ", "nothing was created outside");
}

static void test_lock_and_recovery(void)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s", at("lock"));
    sg_error err;
    sg_outdir *od, *od2;
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "first run holds the directory");
    /* flock locks belong to the open file description: a second process is refused */
    pid_t pid = fork();
    if (pid == 0) {
        int rc = sg_outdir_open(out, &od2, &err);
        _exit(rc != 0 && strstr(err.msg, "in use by another segmint run") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second run on the same directory is refused");
    write_staged(od, at("lock/x.csv"), "x", 0);
    sg_outdir_close(od);           /* neither committed nor aborted: discarded */
    tap_is_str(listing(out), "", "closing without commit publishes nothing and leaves no staging");

    /* a killed run's staging folder is removed by the next run */
    mkdir(at("lock/.segmint-staging-abc123"), 0700);
    put(at("lock/.segmint-staging-abc123/half.csv"), "half");
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "open after a killed run");
    tap_ok(sg_outdir_stale_removed(od) && !exists(at("lock/.segmint-staging-abc123")),
           "the killed run's staging folder was removed");
    sg_outdir_abort(od, NULL);
    sg_outdir_close(od);

    /* an interrupted publish (journal written, some files renamed) is finished */
    put(at("lock/a.csv"), "old a");
    put(at("lock/b.csv"), "old b");
    mkdir(at("lock/.segmint-staging-def456"), 0700);
    put(at("lock/.segmint-staging-def456/b.csv"), "new b");
    put(at("lock/.segmint-staging-def456/manifest.json"), "new manifest");
    put(at("lock/a.csv"), "new a");    /* a.csv was already renamed when the run died */
    put(at("lock/.segmint-publish"), ".segmint-staging-def456\n");
    tap_is_int(sg_outdir_open(out, &od, &err), 0, "open after an interrupted publish");
    tap_ok(sg_outdir_recovered(od), "the interrupted publish was finished");
    tap_is_str(get(at("lock/b.csv")), "new b", "the remaining file was published");
    tap_is_str(get(at("lock/manifest.json")), "new manifest", "the manifest was published");
    sg_outdir_abort(od, NULL);
    sg_outdir_close(od);
    tap_is_str(listing(out), "a.csv b.csv manifest.json ", "journal and staging folder are gone");
}

static void test_unwritable(void)
{
    if (geteuid() == 0) {
        tap_skip(1, "running as root: permissions do not stop writes");
        return;
    }
    mkdir(at("ro"), 0555);
    sg_error err;
    sg_outdir *od;
    tap_ok(sg_outdir_open(at("ro"), &od, &err) != 0 && strstr(err.msg, "cannot write"),
           "a read-only output directory is reported at once");
}

/* paths that reach DIR through symbolic links, and a DIR that cannot be made */
static void test_paths(void)
{
    sg_error err;
    sg_outdir *od;
    put(at("plain"), "a file");
    char want[PATH_MAX + 100];
    tap_ok(sg_outdir_open(at("plain/out"), &od, &err) == SG_EIO, "an output directory under a file is refused");
    snprintf(want, sizeof want, "cannot create the output directory '%s': Not a directory", at("plain/out"));
    tap_is_str(err.msg, want, "its message");
    mkdir(at("real"), 0777);
    mkdir(at("real/sub"), 0777);
    symlink(at("real"), at("alias"));
    symlink(at("real/sub"), at("subalias"));
    tap_is_int(sg_outdir_open(at("real"), &od, &err), 0, "open a directory that links point to");
    char *p = sg_outdir_write_path(od, at("alias/x.txt"), 0, 0, &err);
    tap_ok(p && strstr(p, "/x.txt"), "a file named through a link to DIR is staged");
    sg_free(p);
    p = sg_outdir_write_path(od, at("subalias/y.txt"), 0, 0, &err);
    tap_ok(p && strstr(p, "/sub/y.txt"), "a file named through a link to a folder of DIR is staged in that folder");
    sg_free(p);
    p = sg_outdir_write_path(od, at("alias/.."), 0, 0, &err);
    tap_ok(!p, "'..' after a link is not an output");
    sg_free(p);
    sg_outdir_abort(od, "test");
    sg_outdir_close(od);
}

static void *call_open(void *ud, sg_error *err)
{
    sg_outdir *od;
    return sg_outdir_open(ud, &od, err) ? NULL : od;
}

static void close_outdir(void *od)
{
    sg_outdir_close(od);
}

static void test_nomem(void)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", at("nomem"));
    nomem_sweep(call_open, close_outdir, dir, 16, 1 << 16, "open");
}

int main(void)
{
    char tmpl[] = "/tmp/sg-outdir-XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(root, sizeof root, "%s", tmpl);
    test_publish();
    test_refusals();
    test_lock_and_recovery();
    test_unwritable();
    test_paths();
    test_nomem();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", root);
    return tap_done();
}
