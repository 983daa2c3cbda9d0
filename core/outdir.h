/* The output directory of a run, published as a whole.
 *
 * A run never writes into its output directory DIR directly.  Opening DIR
 * for a run (sg_outdir_open):
 *   - creates DIR when missing and takes an exclusive lock on DIR/.segmint.lock
 *     (a second run on the same DIR is refused while the first holds it);
 *   - finishes a publish that an earlier run started and could not end
 *     (DIR/.segmint-publish names its staging folder);
 *   - removes the staging folders of runs that were killed;
 *   - creates a fresh staging folder DIR/.segmint-staging-XXXXXX (mode 0700,
 *     random name), which also proves DIR writable before any work.
 * Every output path under DIR is mapped to the same relative path in the
 * staging folder (sg_outdir_write_path); reads of a path the run already
 * wrote are mapped there too (sg_outdir_read_path).  On success
 * sg_outdir_commit publishes: it records the staging folder in
 * DIR/.segmint-publish, renames every staged file into DIR (manifest.json
 * last), removes a FAILED note and the journal.  On failure
 * sg_outdir_abort deletes the staging folder and leaves DIR as it was,
 * apart from a FAILED note saying why.
 *
 * Links planted in DIR are never followed: directories are walked with
 * O_NOFOLLOW, a path through a symbolic link is refused, an existing
 * output is replaced by rename (the link itself, never its target), and a
 * file opened for appending must be a regular file with one link. */
#ifndef SG_OUTDIR_H
#define SG_OUTDIR_H

#include "error.h"

typedef struct sg_outdir sg_outdir;

/* The name of the note a failed run leaves in DIR. */
#define SG_OUTDIR_FAILED_NOTE "FAILED"

int sg_outdir_open(const char *dir, sg_outdir **out, sg_error *err);
/* The resolved (real) path of DIR, and of the staging folder. */
const char *sg_outdir_path(const sg_outdir *od);
const char *sg_outdir_staging(const sg_outdir *od);
/* Whether opening DIR finished an interrupted publish or removed the
 * staging folders of killed runs (for a log line). */
int sg_outdir_recovered(const sg_outdir *od);
int sg_outdir_stale_removed(const sg_outdir *od);

/* The staged path to write `path` to (sg_malloc'd), creating the staging
 * subfolders.  `path` may be absolute or relative to the working
 * directory; it must lie under DIR.  append: the current DIR file (if any)
 * is copied into the staging folder first, so appending and updating
 * work on a copy; it must be a regular file with a single link.  A path
 * naming a folder (dir = 1) is staged as a folder.  NULL with err set
 * (SG_EINVAL) when the path is refused. */
char *sg_outdir_write_path(sg_outdir *od, const char *path, int append, int dir, sg_error *err);
/* The staged copy of `path` when this run wrote it, else a copy of path
 * itself (sg_malloc'd; NULL only when out of memory). */
char *sg_outdir_read_path(const sg_outdir *od, const char *path);

/* Publishes every staged file into DIR (see above).  On error the journal
 * stays, so the next run on DIR finishes the publish. */
int sg_outdir_commit(sg_outdir *od, sg_error *err);
/* Deletes the staging folder; writes the FAILED note with `why` when
 * not NULL. */
void sg_outdir_abort(sg_outdir *od, const char *why);
/* Releases the lock and frees od (NULL accepted).  A run that neither
 * committed nor aborted is aborted without a note. */
void sg_outdir_close(sg_outdir *od);

#endif
