/* Internal to the run history (history.c: opening and appending,
 * history_read.c: queries that read it back). */
#ifndef SG_HISTORY_INTERNAL_H
#define SG_HISTORY_INTERNAL_H

#include "history.h"
#include "sql_internal.h"

struct sg_history {
    sqlite3 *db;
    char *path;
    int64_t version;     /* the file's schema version */
};

/* err from the connection's last error ("history PATH: what: message");
 * returns the code set. */
int sg_history_db_error(sg_history *h, sg_error *err, const char *what);

#endif
