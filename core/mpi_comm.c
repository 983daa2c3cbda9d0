/* Runs under mpirun: the commands rank 0 broadcasts, the service loop of
 * the other ranks, and the distributed CSV read (docs/mpi.md).
 *
 * A command is a header { op, payload bytes } then the payload, both
 * broadcast from rank 0.  The ranks that wait for one poll a non-blocking
 * broadcast and sleep between polls (a blocking one spins: on a machine
 * with fewer cores than ranks it would take rank 0's CPU).  Rank 0 ends
 * with OP_END carrying its exit status, which every rank exits with.
 *
 * The distributed read (OP_CSV_READ): each rank counts the quotes and line
 * ends of its nominal range [size*k/n, size*(k+1)/n), MPI_Exscan sums the
 * counts of the ranges before it, and the rank finds the first record
 * start after its nominal start (core/mpi_part.c); MPI_Allgather gives
 * everyone the cuts.  Each rank parses its part and sends rank 0 its
 * dictionaries and counts without the rows; rank 0 decides the schema and
 * the report from them (sg_mpi_meta_*), every rank keeps its part typed,
 * and rank 0 gets the rows back only when a step reads them
 * (OP_GATHER_READ).  When that needs the rows, the parts' staging goes to
 * rank 0, which merges them in file order (sg_mpi_assemble). */
#include "mpi.h"
#include "mpi_features.h"
#include "mpi_recommend.h"
#include "mpi_activity.h"
#include "mpi_attrs.h"
#include "mpi_campaign.h"
#include "csv_list.h"

#include <stdio.h>
#include <string.h>

#ifdef SG_MPI

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crosssell_internal.h"
#include "mem.h"
#include "mpi_btyd.h"
#include "mpi_clean.h"
#include "mpi_cooc.h"
#include "mpi_kmeans.h"
#include "mpi_part.h"
#include "mpi_quantile.h"
#include "mpi_read.h"
#include "mpi_rfm.h"
#include "mpi_shuffle.h"

enum { OP_END = 1, OP_CSV_READ = 2, OP_CLEAN = 3, OP_RFM = 4, OP_BTYD = 5, OP_BTYD_SUMMARY = 6,
       OP_CROSS_SELL = 7,
       OP_KMEANS = 8,       /* k-means on every rank (core/mpi_kmeans.c) */
       OP_FEATURES = 9,     /* the model features on the owners (core/mpi_features.c) */
       OP_RECOMMEND = 10,   /* cross-sell recommendations on the owners (core/mpi_recommend.c) */
       OP_ACTIVITY = 11,    /* the activity series on the owners (core/mpi_activity.c) */
       OP_CAMPAIGN_RESULTS = 12, /* campaign test outcomes on the owners (core/mpi_campaign.c) */
       OP_ATTRIBUTES = 13,  /* the customer attributes of step models on the owners (core/mpi_attrs.c) */
       OP_ITEM_NAMES = 14,  /* the cross-sell item names' counts on the owners (core/mpi_attrs.c) */
       OP_CSV_READ_LIST = 15, /* a list of CSV files, whole files per rank (core/csv_list.c) */
       OP_GATHER_CLEAN = 16, /* the owners' cleaned rows back to rank 0 (ds:mpi_release) */
       OP_GATHER_READ = 17 }; /* a read's parts back to rank 0 (its rows stayed on the ranks) */
enum { TAG_LEN = 17, TAG_BYTES = 18 };
#define MAX_MSG ((size_t)1 << 30)     /* MPI counts are ints: send in pieces */
#define MAX_RANKS 4096

static int started, world_rank, world_size;

/* What the last distributed read left on every rank: the schema rank 0
 * built the table with and each part's row count (every rank), and this
 * rank's part as a typed table (ranks 1..n-1; rank 0's rows are the
 * first ones of its table).  valid 0: no part kept. */
static struct {
    int valid;
    sg_mpi_schema schema;
    uint64_t *rows;
    sg_table *t;
    /* the last exchange by customer (OP_CLEAN): its number, and this
     * rank's customers' cleaned rows (NULL when it owned none); clean_ok
     * when the exchange ended well on every rank */
    uint64_t gen;
    int clean_ok, whole;   /* whole: its owners were sg_mpi_owner_whole's */
    sg_table *clean;
    uint64_t *clean_gid;   /* the global row numbers of clean's rows */
    /* the BTYD summary of those rows last computed (OP_BTYD,
     * OP_BTYD_SUMMARY: a step asks for the same one several times), its
     * options with the column names copied */
    sg_table *bsum;
    sg_btyd_summary_options bso;
    char *bnames[3];
    /* the read whose parts are kept (its number: reads) */
    uint64_t read;
} held;

/* Reads so far (every rank counts them), and on rank 0 whether the last
 * one left its rows on the ranks (sg_mpi_read_remote). */
static uint64_t reads;
static struct {
    int remote;
    size_t nrows;
    /* rank 0: per column of the read left on the ranks, the range of a
     * datetime column (min, max; count and missing), reduced from the
     * parts (sg_mpi_read_range) */
    size_t ncols;
    int64_t *mm;
    uint64_t *cm;
} last_read;

static void held_bsum_reset(void)
{
    sg_table_free(held.bsum);
    held.bsum = NULL;
    for (int q = 0; q < 3; q++) {
        sg_free(held.bnames[q]);
        held.bnames[q] = NULL;
    }
    memset(&held.bso, 0, sizeof held.bso);
}

static void held_clean_reset(void)
{
    sg_table_free(held.clean);
    held.clean = NULL;
    sg_free(held.clean_gid);
    held.clean_gid = NULL;
    held.clean_ok = 0;
    held_bsum_reset();
}

static void held_reset(void)
{
    uint64_t gen = held.gen;
    sg_mpi_schema_free(&held.schema);
    sg_free(held.rows);
    sg_table_free(held.t);
    sg_table_free(held.clean);
    sg_free(held.clean_gid);
    held_bsum_reset();
    memset(&held, 0, sizeof held);
    held.gen = gen;
}

/* A new read replaces the last read's parts; the owners' cleaned rows of
 * an earlier exchange stay (a recipe may read another file after step
 * clean, and the steps on the owners still use them). */
static void held_read_reset(void)
{
    sg_mpi_schema_free(&held.schema);
    sg_free(held.rows);
    sg_table_free(held.t);
    held.rows = NULL;
    held.t = NULL;
    held.valid = 0;
    held.read = 0;
}

int sg_mpi_built(void)
{
    return 1;
}

int sg_mpi_start(int *argc, char ***argv, sg_error *err)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return sg_error_set(err, SG_EIO, "MPI_Init failed"), -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    started = 1;
    if (world_size > MAX_RANKS) {
        MPI_Finalize();
        started = 0;
        return sg_error_set(err, SG_EINVAL, "at most %d ranks", MAX_RANKS), -1;
    }
    return 0;
}

int sg_mpi_rank(void)
{
    return started ? world_rank : 0;
}

int sg_mpi_size(void)
{
    return started ? world_size : 1;
}

/* ---- commands ---- */

/* Rank 0 sends, the others receive, op and the payload length. */
/* Ends the whole job when a rank cannot go on with a collective (the
 * others would wait forever), saying why first: nothing is published. */
static void abort_job(const char *why)
{
    fprintf(stderr, "segmint: rank %d of %d: %s: the job ends\n", world_rank, world_size, why);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static void command_header(int64_t head[2])
{
    MPI_Request req;
    MPI_Ibcast(head, 2, MPI_INT64_T, 0, MPI_COMM_WORLD, &req);
    if (world_rank == 0) {
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        return;
    }
    int done = 0;
    struct timespec nap = { 0, 1000000 };   /* 1 ms: idle ranks cost nothing */
    for (;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nanosleep(&nap, NULL);
    }
}

static void bcast_bytes(unsigned char *b, size_t len)
{
    for (size_t at = 0; at < len; at += MAX_MSG) {
        size_t n = len - at < MAX_MSG ? len - at : MAX_MSG;
        MPI_Bcast(b + at, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
}

/* Whether this process is rank 0 of several, the one that sends the
 * commands; otherwise why says "one rank". */
static int leads(char *why, size_t whylen)
{
    if (started && world_size >= 2 && world_rank == 0)
        return 1;
    snprintf(why, whylen, "one rank");
    return 0;
}

/* Rank 0: sends command op with its payload b, which the encoder filled
 * (encoded: the encoder's result).  An encoder that failed ran out of
 * memory: b is freed, err says so, -1 and nothing is sent. */
static int send_command(int64_t op, sg_mpi_buf *b, int encoded, sg_error *err)
{
    if (encoded != 0) {
        sg_mpi_buf_free(b);
        sg_error_nomem(err);
        return -1;
    }
    int64_t head[2] = { op, (int64_t)b->len };
    command_header(head);
    bcast_bytes(b->b, b->len);
    sg_error_clear(err);
    return 0;
}

static void send_bytes(const unsigned char *b, size_t len)
{
    uint64_t n64 = len;
    MPI_Send(&n64, 1, MPI_UINT64_T, 0, TAG_LEN, MPI_COMM_WORLD);
    for (size_t at = 0; at < len; at += MAX_MSG) {
        size_t n = len - at < MAX_MSG ? len - at : MAX_MSG;
        MPI_Send(b + at, (int)n, MPI_BYTE, 0, TAG_BYTES, MPI_COMM_WORLD);
    }
}

/* Rank 0: part k's bytes (sg_mpi_get_fn). */
static int recv_part(void *ud, int k, unsigned char **bytes, size_t *len, sg_error *err)
{
    const char *what = ud ? ud : "another rank's part of the file";
    uint64_t n64;
    MPI_Recv(&n64, 1, MPI_UINT64_T, k, TAG_LEN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    unsigned char *b = sg_malloc(n64 ? (size_t)n64 : 1);
    if (!b) {
        /* the message cannot be left on the wire: end the job (nothing is published) */
        sg_error_nomem(err);
        char why[200];
        snprintf(why, sizeof why, "out of memory while receiving %s (see --max-memory)", what);
        abort_job(why);
        return -1;
    }
    for (uint64_t at = 0; at < n64; at += MAX_MSG) {
        size_t n = n64 - at < MAX_MSG ? (size_t)(n64 - at) : MAX_MSG;
        MPI_Recv(b + at, (int)n, MPI_BYTE, k, TAG_BYTES, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    *bytes = b;
    *len = (size_t)n64;
    return 0;
}

/* Rank 0: every rank's message, rank 0's own being mine (which stays its
 * owner's); *gathered the bytes received. */
static void gather_parts(sg_mpi_buf *mine, unsigned char ***parts, size_t **lens, uint64_t *gathered,
                         char *what)
{
    int n = world_size;
    *parts = sg_calloc((size_t)n, sizeof **parts);
    *lens = sg_calloc((size_t)n, sizeof **lens);
    if (!*parts || !*lens)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    (*parts)[0] = mine->b;
    (*lens)[0] = mine->len;
    *gathered = 0;
    for (int q = 1; q < n; q++) {
        sg_error ge;
        recv_part(what, q, &(*parts)[q], &(*lens)[q], &ge);
        *gathered += (*lens)[q];
    }
}

static void free_parts(unsigned char **parts, size_t *lens)
{
    for (int q = 1; parts && q < world_size; q++)
        sg_free(parts[q]);
    sg_free(parts);
    sg_free(lens);
}

/* ---- the read options as bytes ---- */

/* Puts whose failure the writer checks once, at the end (w->oom). */
static void oput(sg_mpi_buf *w, const void *src, size_t len)
{
    (void)sg_mpi_buf_put(w, src, len);
}


/* path, file size and options (progress is rank 0's only). */
static int encode_read(const char *path, uint64_t size, const sg_csv_options *o, unsigned char **out,
                       size_t *len)
{
    sg_mpi_buf w = { 0 };
    sg_mpi_put_u64(&w, size);
    sg_mpi_put_str(&w, path);
    uint64_t flags[7] = { (uint64_t)(unsigned char)o->delim, (uint64_t)o->latin1, (uint64_t)o->skip_bad_rows,
                          (uint64_t)o->date_order_mdy, (uint64_t)o->lenient_quotes, o->noverrides, o->nexpect };
    oput(&w, flags, sizeof flags);
    for (size_t k = 0; k < o->noverrides; k++) {
        sg_mpi_put_str(&w, o->overrides[k].column);
        sg_mpi_put_u64(&w, (uint64_t)o->overrides[k].type);
        sg_mpi_put_u64(&w, (uint64_t)o->overrides[k].format);
        sg_mpi_put_u64(&w, (uint64_t)o->overrides[k].ranks_only);
    }
    for (size_t k = 0; k < o->nexpect; k++) {
        sg_mpi_put_str(&w, o->expect[k].column);
        sg_mpi_put_u64(&w, (uint64_t)o->expect[k].kind);
    }
    sg_mpi_put_u64(&w, o->na ? o->nna + 1 : 0);
    for (size_t k = 0; o->na && k < o->nna; k++)
        sg_mpi_put_str(&w, o->na[k]);
    if (w.oom) {
        sg_mpi_buf_free(&w);
        return -1;
    }
    *out = w.b;
    *len = w.len;
    return 0;
}

typedef struct read_cmd {
    const char *path;
    uint64_t size;
    sg_csv_options opt;
    sg_csv_override *ov;
    sg_csv_expect *ex;
    const char **na;
} read_cmd;

static uint64_t oget_u64(const unsigned char *b, size_t len, size_t *at, int *bad)
{
    uint64_t v = 0;
    if (*bad || len - *at < sizeof v) {
        *bad = 1;
        return 0;
    }
    memcpy(&v, b + *at, sizeof v);
    *at += sizeof v;
    return v;
}

static const char *oget_str(const unsigned char *b, size_t len, size_t *at, int *bad)
{
    const unsigned char *z = *bad ? NULL : memchr(b + *at, 0, len - *at);
    if (!z) {
        *bad = 1;
        return "";
    }
    const char *s = (const char *)(b + *at);
    *at = (size_t)(z - b) + 1;
    return s;
}

/* The strings point into b, which must outlive c. */
static int decode_read(const unsigned char *b, size_t len, read_cmd *c)
{
    size_t at = 0;
    int bad = 0;
    memset(c, 0, sizeof *c);
    sg_csv_options_init(&c->opt);
    c->size = oget_u64(b, len, &at, &bad);
    c->path = oget_str(b, len, &at, &bad);
    uint64_t f[7];
    for (int k = 0; k < 7; k++)
        f[k] = oget_u64(b, len, &at, &bad);
    if (bad || f[5] > 1u << 20 || f[6] > 1u << 20)
        return -1;
    c->opt.delim = (char)f[0];
    c->opt.latin1 = (int)f[1];
    c->opt.skip_bad_rows = (int)f[2];
    c->opt.date_order_mdy = (int)f[3];
    c->opt.lenient_quotes = (int)f[4];
    c->ov = sg_calloc(f[5] + 1, sizeof *c->ov);
    c->ex = sg_calloc(f[6] + 1, sizeof *c->ex);
    if (!c->ov || !c->ex)
        return -1;
    for (size_t k = 0; k < f[5]; k++) {
        c->ov[k].column = oget_str(b, len, &at, &bad);
        c->ov[k].type = (sg_type)oget_u64(b, len, &at, &bad);
        c->ov[k].format = (sg_date_format)oget_u64(b, len, &at, &bad);
        c->ov[k].ranks_only = oget_u64(b, len, &at, &bad) != 0;
    }
    for (size_t k = 0; k < f[6]; k++) {
        c->ex[k].column = oget_str(b, len, &at, &bad);
        c->ex[k].kind = (sg_csv_kind)oget_u64(b, len, &at, &bad);
    }
    c->opt.overrides = c->ov;
    c->opt.noverrides = (size_t)f[5];
    c->opt.expect = c->ex;
    c->opt.nexpect = (size_t)f[6];
    uint64_t nna = oget_u64(b, len, &at, &bad);
    if (nna > 65 || bad)
        return -1;
    if (nna) {
        if (!(c->na = sg_calloc(nna, sizeof *c->na)))
            return -1;
        for (size_t k = 0; k + 1 < nna; k++)
            c->na[k] = oget_str(b, len, &at, &bad);
        c->opt.na = c->na;
        c->opt.nna = (size_t)nna - 1;
    }
    return bad ? -1 : 0;
}

static void free_read(read_cmd *c)
{
    sg_free(c->ov);
    sg_free(c->ex);
    sg_free(c->na);
}

/* ---- the distributed read, on every rank ---- */

/* This rank's cut (rank 0: the header's end), or a failure in lerr. */
static void find_cut(int fd, uint64_t size, uint64_t out[3], sg_error *lerr, const char *path)
{
    sg_csv_scan_state st, zero;
    memset(&zero, 0, sizeof zero);
    int n = world_size, k = world_rank;
    uint64_t from = sg_mpi_nominal(size, k, n);
    int e = lerr->code ? 0 : sg_mpi_count(fd, from, sg_mpi_nominal(size, k + 1, n), &st);
    uint64_t mine[2] = { e || lerr->code ? 0 : (uint64_t)st.odd, e || lerr->code ? 0 : st.lines };
    uint64_t before[2] = { 0, 0 };
    MPI_Exscan(mine, before, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (k == 0)
        before[0] = before[1] = 0;
    sg_csv_scan_state at = zero;
    at.odd = (int)(before[0] & 1);
    at.lines = before[1];
    out[0] = k == 0 ? 0 : from;
    out[1] = 1;
    out[2] = 0;
    if (!e && !lerr->code) {
        if (k == 0)
            e = sg_mpi_find_cut(fd, size, 0, zero, &out[2], &out[1]), out[1] = 1;
        else
            e = sg_mpi_find_cut(fd, size, from, at, &out[0], &out[1]);
    }
    if (e && !lerr->code)
        sg_error_set(lerr, SG_EIO, "cannot read '%s': %s", path, strerror(e));
}

/* ---- the first part's speculation decision, broadcast ---- */

typedef struct modes_bcast {
    sg_mpi_modes m;
    int sent;
} modes_bcast;

/* Collective: rank 0 sends m (ncols 0: no decision), the others fill it. */
static void bcast_modes(sg_mpi_modes *m)
{
    int64_t nc = (int64_t)m->ncols;
    MPI_Bcast(&nc, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (nc <= 0)
        return;
    int *f = sg_malloc((size_t)nc * sizeof *f);
    if (world_rank != 0) {
        m->modes = sg_malloc((size_t)nc * sizeof *m->modes);
        m->fmts = sg_malloc((size_t)nc * sizeof *m->fmts);
    }
    if (!f || !m->modes || !m->fmts)
        abort_job("out of memory");    /* a few bytes per column: not expected */
    for (int64_t j = 0; world_rank == 0 && j < nc; j++)
        f[j] = (int)m->fmts[j];
    MPI_Bcast(m->modes, (int)nc, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(f, (int)nc, MPI_INT, 0, MPI_COMM_WORLD);
    for (int64_t j = 0; j < nc; j++)
        m->fmts[j] = (sg_date_format)f[j];
    m->ncols = (size_t)nc;
    sg_free(f);
}

/* Rank 0, from inside its parse once the sample is decided. */
static void decided(void *ud, const sg_csv_reader *r)
{
    modes_bcast *mb = ud;
    sg_mpi_modes_take(&mb->m, r);
    mb->sent = 1;
    bcast_modes(&mb->m);
}

/* Reads this rank's part: rank 0 speculates and broadcasts its decision
 * during its parse; the others take it before theirs. */
static void read_my_part(const read_cmd *c, const uint64_t *all, const uint64_t *cuts, const uint64_t *line0,
                         int failed, sg_csv_part *part)
{
    modes_bcast mb;
    memset(&mb, 0, sizeof mb);
    if (world_rank == 0) {
        sg_csv_part_modes first = { NULL, NULL, 0, decided, &mb };
        if (!failed)
            sg_mpi_read_part(c->path, &c->opt, 0, world_size, c->size, all[2], cuts, line0, &first, part);
        if (!mb.sent)
            bcast_modes(&mb.m);          /* no decision: the others use dictionary mode */
    } else {
        bcast_modes(&mb.m);
        sg_csv_part_modes rest = { mb.m.modes, mb.m.fmts, mb.m.ncols, NULL, NULL };
        if (!failed)
            sg_mpi_read_part(c->path, &c->opt, world_rank, world_size, c->size, all[2], cuts, line0, &rest, part);
    }
    sg_mpi_modes_free(&mb.m);
}

/* Collective, after the parts were merged on rank 0: every rank keeps
 * its part as a table typed as rank 0's table is (its schema broadcast),
 * for the commands that work where the rows are (OP_CLEAN).  Nothing is
 * kept when the read fell back to one process, skipped rows or failed;
 * a rank whose part cannot be typed keeps none (OP_CLEAN then sees it). */
static void keep_parts(const read_cmd *c, sg_csv_part *part, uint64_t my_rows, int my_ok, const sg_table *t,
                       int fellback, const sg_date_format *fmts)
{
    int n = world_size;
    held_read_reset();
    uint64_t *rows = sg_malloc((size_t)n * sizeof *rows);
    if (!rows)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    MPI_Allgather(&my_rows, 1, MPI_UINT64_T, rows, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    sg_mpi_buf b = { 0 };
    if (world_rank == 0) {
        uint64_t sum = 0;
        for (int q = 0; q < n; q++)
            sum += rows[q];
        sg_mpi_schema s;
        if (n > 1 && t && !fellback && fmts && my_ok && !c->opt.skip_bad_rows && sum == t->nrows &&
            sg_mpi_schema_of(t, fmts, &s) == 0) {
            if (sg_mpi_schema_encode(&s, &b) == 0) {
                held.schema = s;
                held.valid = 1;
            } else {
                sg_mpi_schema_free(&s);
                sg_mpi_buf_free(&b);
            }
        }
    }
    uint64_t len = b.len;
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (world_rank != 0 && len && !(b.b = sg_malloc((size_t)len)))
        abort_job("out of memory receiving the table's schema");
    if (len)
        bcast_bytes(b.b, (size_t)len);
    if (world_rank != 0 && len && my_ok && sg_mpi_schema_decode(b.b, (size_t)len, &held.schema) == 0) {
        sg_error e;
        held.t = sg_mpi_part_table(part, &held.schema, &e);
        held.valid = 1;
    }
    sg_mpi_buf_free(&b);
    if (len)
        held.rows = rows;
    else
        sg_free(rows);
}

/* After a rank's part is read: its rows and whether it read well, and
 * on rank 0 room for the date layouts the build chooses (the parts are
 * kept typed after the read with them: keep_parts), returned (NULL
 * elsewhere, or without room). */
static sg_date_format *part_layouts(sg_csv_part *part, int k, uint64_t *my_rows, int *my_ok)
{
    *my_rows = part->r.failed ? 0 : part->r.nrows;
    *my_ok = !part->r.failed && !part->r.stop;
    sg_date_format *fmts = NULL;
    if (k == 0 && *my_ok && part->r.ncols && (fmts = sg_calloc(part->r.ncols, sizeof *fmts)) != NULL)
        part->r.plan_fmts = fmts;
    return fmts;
}

/* Ranks 1..n-1: sends rank 0 the staging of its part (sg_mpi_part_encode);
 * out of memory, a small part that says so. */
static void send_part(sg_csv_part *part)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (sg_mpi_part_encode(part, &bytes, &len) != 0) {
        sg_csv_part_free(part);
        memset(part, 0, sizeof *part);
        part->r.failed = 1;
        sg_error_nomem(&part->r.own_err);
        if (sg_mpi_part_encode(part, &bytes, &len) != 0)
            len = 0;
    }
    send_bytes(bytes, len);
    sg_free(bytes);
}

static void last_read_reset(void)
{
    sg_free(last_read.mm);
    sg_free(last_read.cm);
    memset(&last_read, 0, sizeof last_read);
}

/* Collective, after the parts are read: ranks 1..n-1 send rank 0 their
 * part's dictionaries and counts without the rows (sg_mpi_part_encode_dicts);
 * rank 0 decides the schema and the report from them (sg_mpi_meta_*) and
 * broadcasts the schema, or nothing when that needs the rows (the full
 * merge then follows).  path: the file (a list's first), rbytes: the
 * report's bytes (rank 0).  1 with *schema (every rank) and, on rank 0, *shape
 * (the columns-only table) and report filled; 0 otherwise. */
static int dicts_collective(const char *path, uint64_t rbytes, sg_csv_part *part, sg_csv_report *report,
                            sg_table **shape, sg_mpi_schema *schema)
{
    int n = world_size;
    sg_mpi_buf b = { 0 };
    memset(schema, 0, sizeof *schema);
    *shape = NULL;
    if (n < 2)
        return 0;                /* one rank: its part is the table */
    if (world_rank > 0) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (sg_mpi_part_encode_dicts(part, &bytes, &len) != 0)
            len = 0;             /* rank 0 sees a damaged part: the full merge */
        send_bytes(bytes, len);
        sg_free(bytes);
    } else {
        sg_mpi_meta mt;
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (sg_mpi_meta_init(&mt, part) == 0 && mt.fast && sg_mpi_part_encode_dicts(part, &bytes, &len) == 0)
            sg_mpi_meta_add(&mt, bytes, len);
        else
            mt.fast = 0;
        sg_free(bytes);
        for (int q = 1; q < n; q++) {
            sg_error ge;
            static char what[] = "another rank's dictionaries";
            bytes = NULL;
            recv_part(what, q, &bytes, &len, &ge);
            sg_mpi_meta_add(&mt, bytes, len);
            sg_free(bytes);
        }
        *shape = sg_mpi_meta_finish(&mt, path, part->delim, rbytes, report);
        if (*shape && (sg_mpi_schema_of(*shape, mt.fmts, schema) != 0 || sg_mpi_schema_encode(schema, &b) != 0)) {
            sg_table_free(*shape);
            *shape = NULL;
            sg_mpi_buf_free(&b);
            if (report) {
                sg_csv_report_free(report);
                memset(report, 0, sizeof *report);
            }
        }
        sg_mpi_meta_free(&mt);
    }
    uint64_t len = *shape ? b.len : 0;
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (world_rank != 0 && len && !(b.b = sg_malloc((size_t)len)))
        abort_job("out of memory receiving the table's schema");
    if (len)
        bcast_bytes(b.b, (size_t)len);
    if (world_rank != 0 && len && sg_mpi_schema_decode(b.b, (size_t)len, schema) != 0)
        abort_job("a malformed schema");
    sg_mpi_buf_free(&b);
    if (!len)
        sg_mpi_schema_free(schema);
    return len != 0;
}

/* Collective, after keep_built: the range of each datetime column over
 * the kept parts (min, max, values, missing), reduced on rank 0 into
 * last_read, what ds:stats gives of those columns without the rows. */
static void reduce_ranges(size_t nc)
{
    int64_t *mm = sg_malloc((nc ? nc : 1) * 4 * sizeof *mm);
    uint64_t *cm = sg_calloc((nc ? nc : 1) * 4, sizeof *cm);
    if (!mm || !cm)
        abort_job("out of memory");   /* a few bytes per column: not expected */
    for (size_t j = 0; j < nc; j++) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        const sg_column *c = held.t && j < held.t->ncols ? held.t->cols[j] : NULL;
        for (size_t i = 0; c && c->type == SG_DATETIME && i < c->n; i++) {
            if (sg_column_is_na(c, i)) {
                cm[nc + j]++;
                continue;
            }
            int64_t v = sg_column_i64(c)[i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            cm[j]++;
        }
        mm[j] = lo;
        mm[nc + j] = hi;
    }
    int64_t *rm = mm + 2 * nc;
    uint64_t *rc = cm + 2 * nc;
    MPI_Reduce(mm, rm, (int)nc, MPI_INT64_T, MPI_MIN, 0, MPI_COMM_WORLD);
    MPI_Reduce(mm + nc, rm + nc, (int)nc, MPI_INT64_T, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(cm, rc, (int)(2 * nc), MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (world_rank != 0) {
        sg_free(mm);
        sg_free(cm);
        return;
    }
    memmove(mm, rm, 2 * nc * sizeof *mm);
    memmove(cm, rc, 2 * nc * sizeof *cm);
    last_read.ncols = nc;
    last_read.mm = mm;
    last_read.cm = cm;
}

/* Collective, when the schema came from the dictionaries: every rank
 * (rank 0 too) builds its part into a table of that schema and keeps it.
 * 1 when every rank with rows could; else nothing is kept and 0 (rank 0
 * then reads the file whole, as after a cut that was not a record start). */
static int keep_built(sg_csv_part *part, uint64_t my_rows, sg_mpi_schema *schema)
{
    int n = world_size;
    held_read_reset();
    uint64_t *rows = sg_malloc((size_t)n * sizeof *rows);
    if (!rows)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    MPI_Allgather(&my_rows, 1, MPI_UINT64_T, rows, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    sg_error e;
    /* (rank 0 always: its part, even without rows, starts the gathered table) */
    held.t = my_rows || world_rank == 0 ? sg_mpi_part_table(part, schema, &e) : NULL;
    int ok = held.t ? held.t->nrows == my_rows : !my_rows && world_rank > 0, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        held_read_reset();
        sg_mpi_schema_free(schema);
        sg_free(rows);
        return 0;
    }
    held.schema = *schema;
    held.rows = rows;
    held.valid = 1;
    held.read = reads;
    reduce_ranges(schema->ncols);
    uint64_t sum = 0;
    for (int q = 0; q < n; q++)
        sum += rows[q];
    last_read.remote = world_rank == 0 && sum > 0;   /* without rows, the columns are the table */
    last_read.nrows = (size_t)sum;
    return 1;
}

/* Not split: the steps of one collective read in the order every rank
 * runs them (open, cut, exchange the cuts, parse, send or assemble);
 * each step is a call, and a rank that fails on the way still takes
 * part in every collective so that the others do not wait forever. */
static sg_table *read_collective(const read_cmd *c, sg_csv_report *report, sg_error *err)
{
    int n = world_size, k = world_rank;
    reads++;
    last_read_reset();
    sg_error lerr;
    sg_error_clear(&lerr);
    struct stat st;
    int fd = open(c->path, O_RDONLY);
    if (fd < 0)
        sg_error_set(&lerr, SG_EIO, "cannot open '%s': %s", c->path, strerror(errno));
    else if (fstat(fd, &st) != 0)
        sg_error_set(&lerr, SG_EIO, "cannot read '%s': %s", c->path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        sg_error_set(&lerr, SG_EIO, "cannot read '%s': %s", c->path,
                     S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
    else if ((uint64_t)st.st_size != c->size)
        sg_error_set(&lerr, SG_EIO, "'%s' has %llu bytes on this rank but %llu on rank 0 (every rank must see the same file)",
                     c->path, (unsigned long long)st.st_size, (unsigned long long)c->size);
    uint64_t mine[3], *all = sg_malloc((size_t)n * 3 * sizeof *all);
    uint64_t *cuts = sg_malloc((size_t)n * sizeof *cuts), *line0 = sg_malloc((size_t)n * sizeof *line0);
    if (!all || !cuts || !line0)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    find_cut(fd, c->size, mine, &lerr, c->path);
    if (fd >= 0)
        close(fd);
    MPI_Allgather(mine, 3, MPI_UINT64_T, all, 3, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int q = 0; q < n; q++) {
        cuts[q] = all[3 * q];
        line0[q] = all[3 * q + 1];
    }
    sg_csv_part part;
    memset(&part, 0, sizeof part);
    part.r.err = &part.r.own_err;
    read_my_part(c, all, cuts, line0, lerr.code != 0, &part);
    if (lerr.code) {
        part.r.failed = 1;
        part.r.own_err = lerr;
    }
    uint64_t my_rows;
    int my_ok;
    sg_date_format *fmts = part_layouts(&part, k, &my_rows, &my_ok);
    sg_table *t = NULL;
    int fellback = 0;
    sg_mpi_schema schema;
    if (dicts_collective(c->path, c->size, &part, report, &t, &schema)) {
        /* the rows stay where they were read; rank 0 keeps the columns */
        if (!keep_built(&part, my_rows, &schema) && k == 0) {
            sg_table_free(t);
            if (report)
                sg_csv_report_free(report);
            t = sg_csv_read(c->path, &c->opt, report, err);
        }
        goto out;
    }
    if (k > 0) {
        send_part(&part);
    } else {
        t = sg_mpi_assemble(&part, n, cuts, recv_part, NULL, c->path, report, err, &fellback);
        part.r.plan_fmts = NULL;
        if (fellback)
            t = sg_csv_read(c->path, &c->opt, report, err);
    }
    keep_parts(c, &part, my_rows, my_ok, t, fellback, fmts);
out:
    sg_free(fmts);
    sg_csv_part_free(&part);
    sg_free(all);
    sg_free(cuts);
    sg_free(line0);
    return t;
}

sg_table *sg_mpi_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                          sg_error *err)
{
    struct stat st;
    sg_error local;
    if (!err)
        err = &local;
    if (!started || world_rank != 0 || !path || opt->max_rows || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return sg_csv_read(path, opt, report, err);   /* its message, or one process suffices */
    unsigned char *b = NULL;
    size_t len = 0;
    if (encode_read(path, (uint64_t)st.st_size, opt, &b, &len) != 0) {
        sg_error_nomem(err);
        return NULL;
    }
    int64_t head[2] = { OP_CSV_READ, (int64_t)len };
    command_header(head);
    bcast_bytes(b, len);
    if (report)
        memset(report, 0, sizeof *report);
    sg_error_clear(err);
    read_cmd c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.size = (uint64_t)st.st_size;
    c.opt = *opt;
    sg_table *t = read_collective(&c, report, err);
    sg_free(b);
    return t;
}

/* ---- a list of files (OP_CSV_READ_LIST) ----
 * The payload: the files (count, then size and path each), then the read
 * options as OP_CSV_READ's.  Each rank reads a run of whole files
 * (sg_csv_list_assign) merged into one part, rank 0 speculating on the
 * list's first file and broadcasting its decision as for one file.  As
 * for one file, rank 0 decides the schema and report from the parts'
 * dictionaries in list order and the ranks keep their parts
 * (dicts_collective, keep_built); when that needs the rows, rank 0
 * merges the parts in list order (sg_csv_list_assemble) and the parts are
 * kept as after a merge (keep_parts). */

/* Not split: the steps every rank runs in order (plan, parse, headers'
 * bytes, send or assemble, keep), each a call, as read_collective. */
static sg_table *read_list_collective(const read_cmd *c, const char *const *paths, const uint64_t *sizes,
                                      size_t nfiles, sg_csv_report *report, sg_error *err)
{
    int n = world_size, k = world_rank;
    reads++;
    last_read_reset();
    size_t *first = sg_malloc(((size_t)n + 1) * sizeof *first);
    if (!first)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    sg_csv_list_assign(sizes, nfiles, n, first);
    modes_bcast mb;
    memset(&mb, 0, sizeof mb);
    sg_csv_part part;
    memset(&part, 0, sizeof part);
    part.r.err = &part.r.own_err;
    uint64_t hb = 0, hsum = 0;
    if (k == 0) {
        sg_csv_part_modes spec = { NULL, NULL, 0, decided, &mb };
        sg_csv_list_part(paths, first[0], first[1], sizes, &c->opt, &spec, 0, &part, &hb, NULL);
        if (!mb.sent)
            bcast_modes(&mb.m);
    } else {
        bcast_modes(&mb.m);
        sg_csv_part_modes spec = { mb.m.modes, mb.m.fmts, mb.m.ncols, NULL, NULL };
        sg_csv_list_part(paths, first[k], first[k + 1], sizes, &c->opt, &spec, 0, &part, &hb, NULL);
    }
    sg_mpi_modes_free(&mb.m);
    MPI_Reduce(&hb, &hsum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    uint64_t my_rows, total = 0;
    int my_ok;
    sg_date_format *fmts = part_layouts(&part, k, &my_rows, &my_ok);
    sg_table *t = NULL;
    int fellback = 0;
    for (size_t i = 0; i < nfiles; i++)
        total += sizes[i];
    sg_mpi_schema schema;
    if (dicts_collective(paths[0], total - hsum, &part, report, &t, &schema)) {
        /* the rows stay where they were read, as for one file */
        if (!keep_built(&part, my_rows, &schema) && k == 0) {
            sg_table_free(t);
            if (report)
                sg_csv_report_free(report);
            t = sg_csv_read_list(paths, nfiles, &c->opt, report, err);
        }
    } else if (k > 0) {
        send_part(&part);
        keep_parts(c, &part, my_rows, my_ok, t, fellback, fmts);
    } else {
        t = sg_csv_list_assemble(&part, n, first, paths, recv_part, NULL, total - hsum, report, err, &fellback);
        part.r.plan_fmts = NULL;
        if (fellback)
            t = sg_csv_read_list(paths, nfiles, &c->opt, report, err);
        keep_parts(c, &part, my_rows, my_ok, t, fellback, fmts);
    }
    sg_free(fmts);
    sg_csv_part_free(&part);
    sg_free(first);
    return t;
}

/* Ranks 1..n-1: the files of the payload, then the read. */
static void serve_read_list(const unsigned char *b, size_t len)
{
    size_t at = 0;
    int bad = 0;
    uint64_t nf = oget_u64(b, len, &at, &bad);
    if (bad || nf == 0 || nf > len)
        abort_job("a malformed command");
    const char **paths = sg_calloc((size_t)nf, sizeof *paths);
    uint64_t *sizes = sg_calloc((size_t)nf, sizeof *sizes);
    if (!paths || !sizes)
        abort_job("out of memory");
    for (uint64_t i = 0; i < nf; i++) {
        sizes[i] = oget_u64(b, len, &at, &bad);
        paths[i] = oget_str(b, len, &at, &bad);
    }
    read_cmd c;
    if (bad || decode_read(b + at, len - at, &c) != 0)
        abort_job("a malformed command");
    sg_error err;
    read_list_collective(&c, paths, sizes, (size_t)nf, NULL, &err);
    free_read(&c);
    sg_free(paths);
    sg_free(sizes);
}

/* Ranks 1..n-1: a read of one file or of a list (c: the options, freed by the caller). */
static void serve_read(int64_t op, const unsigned char *b, size_t len, read_cmd *c)
{
    sg_error err;
    if (op == OP_CSV_READ_LIST)
        serve_read_list(b, len);
    else if (decode_read(b, len, c) == 0)
        read_collective(c, NULL, &err);
    else
        abort_job("a malformed command");
}

sg_table *sg_mpi_csv_read_list(const char *const *paths, size_t nfiles, const sg_csv_options *opt,
                               sg_csv_report *report, sg_error *err)
{
    sg_error local;
    if (!err)
        err = &local;
    if (!started || world_rank != 0 || world_size < 2 || nfiles < 2 || opt->max_rows)
        return sg_csv_read_list(paths, nfiles, opt, report, err);   /* one process suffices */
    uint64_t *sizes = sg_calloc(nfiles, sizeof *sizes);
    if (!sizes) {
        sg_error_nomem(err);
        return NULL;
    }
    if (sg_csv_list_stat(paths, nfiles, sizes, err) != 0) {
        sg_free(sizes);
        return NULL;         /* rank 0 cannot read a file: its message, nothing sent */
    }
    sg_mpi_buf w = { 0 };
    unsigned char *ob = NULL;
    size_t olen = 0;
    sg_mpi_put_u64(&w, nfiles);
    for (size_t i = 0; i < nfiles; i++) {
        sg_mpi_put_u64(&w, sizes[i]);
        sg_mpi_put_str(&w, paths[i]);
    }
    if (encode_read(paths[0], sizes[0], opt, &ob, &olen) != 0 || sg_mpi_buf_put(&w, ob, olen) != 0) {
        sg_free(ob);
        sg_free(sizes);
        sg_mpi_buf_free(&w);
        sg_error_nomem(err);
        return NULL;
    }
    sg_free(ob);
    int64_t head[2] = { OP_CSV_READ_LIST, (int64_t)w.len };
    command_header(head);
    bcast_bytes(w.b, w.len);
    if (report)
        memset(report, 0, sizeof *report);
    sg_error_clear(err);
    read_cmd c;
    memset(&c, 0, sizeof c);
    c.path = paths[0];
    c.size = sizes[0];
    c.opt = *opt;
    sg_table *t = read_list_collective(&c, paths, sizes, nfiles, report, err);
    sg_mpi_buf_free(&w);
    sg_free(sizes);
    return t;
}

/* ---- per-customer cleaning on the owners (OP_CLEAN) ---- */

/* Collective: every rank's status (0 or an error code, and its message);
 * returns the lowest rank that failed, or -1.  Rank 0 gets its code and
 * message. */
static int status_all(int code, const char *msg, int *fcode, char *fmsg, size_t fsize)
{
    enum { MSG = 256 };
    int n = world_size;
    char m[MSG];
    snprintf(m, sizeof m, "%s", code ? msg : "");
    int *codes = sg_malloc((size_t)n * sizeof *codes);
    char *msgs = world_rank == 0 ? sg_malloc((size_t)n * MSG) : NULL;
    if (!codes || (world_rank == 0 && !msgs))
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    MPI_Allgather(&code, 1, MPI_INT, codes, 1, MPI_INT, MPI_COMM_WORLD);
    MPI_Gather(m, MSG, MPI_CHAR, msgs, MSG, MPI_CHAR, 0, MPI_COMM_WORLD);
    int first = -1;
    for (int q = 0; q < n && first < 0; q++)
        if (codes[q])
            first = q;
    if (first >= 0 && world_rank == 0) {
        *fcode = codes[first];
        msgs[(size_t)first * MSG + MSG - 1] = 0;
        snprintf(fmsg, fsize, "%s", msgs + (size_t)first * MSG);
    }
    sg_free(codes);
    sg_free(msgs);
    return first;
}

/* Rank 0: is every other rank's part the rows of t it should be?  With
 * o->read, t is the columns of that read, whose parts are the rows by
 * construction (no hash: the ranks say whether they hold them).  *nrows:
 * the table's rows. */
static int parts_match(const sg_table *t, const sg_mpi_clean_opts *o, const uint64_t *st, size_t *nrows, char *why,
                       size_t whylen)
{
    int n = world_size;
    if (!held.valid || !held.rows || (o->read && (held.read != o->read || held.read != reads))) {
        snprintf(why, whylen, "the transactions were not read by the ranks together (a pipe, a second read, "
                 "skipped rows or a read by one process)");
        return 0;
    }
    if (!sg_mpi_schema_matches(&held.schema, t)) {
        snprintf(why, whylen, "the table's columns changed after the distributed read");
        return 0;
    }
    uint64_t off = 0;
    for (int q = 0; q < n; q++)
        off += held.rows[q];
    if (o->read && !held.t && held.rows[0]) {
        snprintf(why, whylen, "rank 0 no longer holds its part of the read");
        return 0;
    }
    if (!o->read && off != t->nrows) {
        snprintf(why, whylen, "the table's rows changed after the distributed read");
        return 0;
    }
    *nrows = (size_t)off;
    off = held.rows[0];
    for (int q = 1; q < n; q++) {
        if (!st[2 * q]) {
            snprintf(why, whylen, "rank %d of %d could not type its part of the file as the table", q, n);
            return 0;
        }
        if (!o->read && st[2 * q + 1] != sg_mpi_rows_hash(t, (size_t)off, (size_t)(off + held.rows[q]))) {
            snprintf(why, whylen, "the rows of rank %d of %d differ from the table's", q, n);
            return 0;
        }
        off += held.rows[q];
    }
    return 1;
}

/* The rows this rank sends to the owners: its part of the table read;
 * on rank 0 the first held.rows[0] rows of t, or its own part when the
 * read's rows stayed on the ranks (the one place that says where rank
 * 0's own rows are). */
static const sg_table *own_rows(const sg_table *t, const sg_mpi_clean_opts *o, size_t *n)
{
    *n = (size_t)held.rows[world_rank];
    return world_rank == 0 && !o->read ? t : held.t;
}

/* This rank's rows packed for their owners, one after the other in rank
 * order: counts[d] bytes for rank d.  0 or an error code with err set. */
static int pack_for_owners(const sg_table *mt, size_t nmine, uint64_t off, const sg_mpi_clean_opts *o,
                           sg_mpi_buf *sb, uint64_t *counts, sg_error *err)
{
    int n = world_size, rc = 0;
    if (nmine == 0)
        return 0;   /* (a rank of a list without a file holds no part) */
    const sg_column *cust = sg_table_col(mt, o->customer);
    if (!cust)
        return sg_error_set(err, SG_EINVAL, "no column '%s'", o->customer);
    int *own = sg_malloc((nmine ? nmine : 1) * sizeof *own);
    size_t *at = sg_calloc((size_t)n + 1, sizeof *at);
    size_t *list = sg_malloc((nmine ? nmine : 1) * sizeof *list);
    uint64_t *gid = sg_malloc((nmine ? nmine : 1) * sizeof *gid);
    if (!own || !at || !list || !gid) {
        rc = sg_error_set(err, SG_ENOMEM, "out of memory packing %zu rows for the exchange", nmine);
        goto out;
    }
    for (size_t i = 0; i < nmine; i++) {
        own[i] = o->whole_ids ? sg_mpi_owner_whole(cust, i, n) : sg_mpi_owner(cust, i, n);
        at[own[i] + 1]++;
        gid[i] = off + i;
    }
    for (int d = 0; d < n; d++)
        at[d + 1] += at[d];
    for (size_t i = 0; i < nmine; i++)
        list[at[own[i]]++] = i;          /* rows by owner, in row order */
    for (int d = n; d > 0; d--)
        at[d] = at[d - 1];
    at[0] = 0;
    for (int d = 0; d < n && !rc; d++) {
        size_t start = sb->len;
        if (at[d + 1] > at[d])
            rc = sg_mpi_rows_pack(mt, gid, list + at[d], at[d + 1] - at[d], sb, err);
        counts[d] = sb->len - start;
    }
out:
    sg_free(own);
    sg_free(at);
    sg_free(list);
    sg_free(gid);
    return rc;
}

/* Every rank: the sizes of an MPI_Alltoallv in which this rank sends
 * sc[q] bytes to rank q: rc[q] the bytes it receives from rank q, *tr
 * their total, and the int counts and displacements (c: 4 world-size
 * arrays one after the other: sent counts and displacements, received
 * counts and displacements).  0 when some rank would send or receive more
 * than INT_MAX bytes (MPI's int counts), else 1. */
static int alltoallv_sizes(const uint64_t *sc, uint64_t *rc, int *c, uint64_t *tr)
{
    int n = world_size;
    MPI_Alltoall(sc, 1, MPI_UINT64_T, rc, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    uint64_t ts = 0;
    *tr = 0;
    for (int q = 0; q < n; q++) {
        ts += sc[q];
        *tr += rc[q];
    }
    int big = ts > INT_MAX || *tr > INT_MAX, anybig = 0;
    MPI_Allreduce(&big, &anybig, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (anybig)
        return 0;
    for (int q = 0, a = 0, b = 0; q < n; q++) {
        c[q] = (int)sc[q];
        c[n + q] = a;
        c[2 * n + q] = (int)rc[q];
        c[3 * n + q] = b;
        a += c[q];
        b += c[2 * n + q];
    }
    return 1;
}

/* Not split: the exchange in the order every rank runs it (check the
 * parts, pack, sizes, MPI_Alltoallv, clean on the owner, records to rank
 * 0); a rank that fails on the way still takes part in every collective
 * that decides to stop.  Rank 0: t is the table, res the result, packed
 * (may be NULL) called once its rows are packed and the exchange goes
 * ahead (t is not read after it). */
static int clean_collective(const sg_mpi_clean_opts *o, const sg_table *t, sg_mpi_clean_result *res, char *why,
                            size_t whylen, void (*packed)(void *ud), void *ud, sg_error *err)
{
    double secs[5], t0 = MPI_Wtime();
    int n = world_size, k = world_rank, ret = -1, fcode = 0, bad;
    char fmsg[256] = "";
    sg_error e;
    sg_error_clear(&e);
    held_clean_reset();
    held.gen++;
    held.whole = o->whole_ids;
    /* 1. every part is the table's rows (checked by rank 0 with a hash) */
    uint64_t mine[2] = { 1, 0 };
    if (k > 0) {
        mine[0] = held.valid && (held.t || (o->read && !held.rows[k])) && (!o->read || held.read == o->read);
        mine[1] = held.t && !o->read ? sg_mpi_rows_hash(held.t, 0, held.t->nrows) : 0;
    }
    uint64_t *st = k == 0 ? sg_malloc((size_t)n * 2 * sizeof *st) : NULL;
    if (k == 0 && !st)
        abort_job("out of memory");
    MPI_Gather(mine, 2, MPI_UINT64_T, st, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    size_t nrows = 0;
    int go = k == 0 ? parts_match(t, o, st, &nrows, why, whylen) : 0;
    sg_free(st);
    MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!go)
        return 0;
    secs[0] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    /* 2. this rank's rows packed for their owners */
    size_t nmine;
    const sg_table *mt = own_rows(t, o, &nmine);
    uint64_t off = 0;
    for (int q = 0; q < k; q++)
        off += held.rows[q];
    sg_mpi_buf sb = { 0 };
    uint64_t *sc = sg_calloc((size_t)n * 2, sizeof *sc), *rcount = sc ? sc + n : NULL;
    int *isc = sg_malloc((size_t)n * 4 * sizeof *isc);
    if (!sc || !isc)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    int *isd = isc + n, *irc = isc + 2 * n, *ird = isc + 3 * n;
    int code = pack_for_owners(mt, nmine, off, o, &sb, sc, &e);
    if ((bad = status_all(code, e.msg, &fcode, fmsg, sizeof fmsg)) >= 0) {
        if (k == 0)
            sg_error_set(err, fcode, "rank %d of %d, exchanging rows by customer: %s", bad, n, fmsg);
        goto out;
    }
    secs[1] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    /* 3. sizes, then the exchange */
    uint64_t tr, cross = 0;
    for (int q = 0; q < n; q++)
        cross += q != k ? sc[q] : 0;
    if (!alltoallv_sizes(sc, rcount, isc, &tr)) {
        snprintf(why, whylen, "the exchange needs more than 2 GiB on a rank");
        ret = 0;
        goto out;
    }
    /* no fallback to rank 0's table after this (but for a quantity netting
     * refuses): the caller may free its values */
    if (k == 0 && packed)
        packed(ud);
    t = mt = NULL;
    if (o->drop_parts) {   /* the table is given up: no rank reads its part again */
        sg_table_free(held.t);
        held.t = NULL;
    }
    unsigned char *rb = sg_malloc(tr ? (size_t)tr : 1);
    code = rb ? 0 : sg_error_set(&e, SG_ENOMEM, "out of memory receiving %llu bytes of rows",
                                 (unsigned long long)tr);
    if ((bad = status_all(code, e.msg, &fcode, fmsg, sizeof fmsg)) >= 0) {
        if (k == 0)
            sg_error_set(err, fcode, "rank %d of %d, exchanging rows by customer: %s", bad, n, fmsg);
        sg_free(rb);
        goto out;
    }
    MPI_Alltoallv(sb.b, isc, isd, MPI_BYTE, rb, irc, ird, MPI_BYTE, MPI_COMM_WORLD);
    sg_mpi_buf_free(&sb);
    secs[2] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    /* 4. the owner's cleaning */
    const unsigned char **parts = sg_malloc((size_t)n * sizeof *parts);
    size_t *lens = sg_malloc((size_t)n * sizeof *lens);
    sg_mpi_buf out = { 0 };
    uint64_t *gid = NULL;
    sg_table *u = NULL, *kept = NULL;
    if (!parts || !lens) {
        code = sg_error_set(&e, SG_ENOMEM, "out of memory");
    } else {
        for (int q = 0; q < n; q++) {
            parts[q] = rb + ird[q];
            lens[q] = (size_t)irc[q];
        }
        u = sg_mpi_rows_unpack(parts, lens, (size_t)n, &gid, &e);
        sg_free(rb);   /* the rows are in u: the packets go before the cleaning's tables come */
        rb = NULL;
        code = u ? sg_mpi_clean_owner(u, gid, o, cross, &out, &kept, &held.clean_gid, &e) : e.code;
    }
    held.clean = kept;
    sg_free(rb);
    sg_free(parts);
    sg_free(lens);
    sg_free(gid);
    sg_table_free(u);
    if (!code && k == 0 &&
        (o->tallies_only ? sg_mpi_clean_result_init_tallies(res, nrows, n) : sg_mpi_clean_result_init(res, nrows, n)) != 0)
        code = sg_error_set(&e, SG_ENOMEM, "out of memory");
    if ((bad = status_all(code, e.msg, &fcode, fmsg, sizeof fmsg)) >= 0) {
        if (k == 0) {
            sg_mpi_clean_result_free(res);
            if (fcode == SG_EDATA) {
                /* the data (a quantity netting refuses): the caller's own
                 * path gives the message one process gives */
                snprintf(why, whylen, "rank %d of %d: %s", bad, n, fmsg);
                ret = 0;
            } else {
                sg_error_set(err, fcode, "rank %d of %d, cleaning its customers' rows: %s", bad, n, fmsg);
            }
        } else {
            ret = fcode == SG_EDATA ? 0 : -1;
        }
        sg_mpi_buf_free(&out);
        goto out;
    }
    secs[3] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    /* 5. the records to rank 0 */
    if (k > 0) {
        send_bytes(out.b, out.len);
        held.clean_ok = 1;
        ret = 1;
    } else {
        int rc = sg_mpi_clean_absorb(res, 0, out.b, out.len, &e);
        for (int q = 1; q < n; q++) {
            unsigned char *b = NULL;
            size_t len = 0;
            sg_error ge;
            static char what[] = "another rank's cleaning records";
            recv_part(what, q, &b, &len, &ge);
            if (!rc)
                rc = sg_mpi_clean_absorb(res, q, b, len, &e);
            sg_free(b);
        }
        if (rc) {
            sg_mpi_clean_result_free(res);
            *err = e;
        } else {
            secs[4] = MPI_Wtime() - t0;
            memcpy(res->secs, secs, sizeof secs);
            res->gen = held.gen;
            held.clean_ok = 1;
            ret = 1;
        }
    }
    sg_mpi_buf_free(&out);
out:
    sg_mpi_buf_free(&sb);
    sg_free(sc);
    sg_free(isc);
    return ret;
}

int sg_mpi_clean_marks(const sg_table *t, const sg_mpi_clean_opts *o, sg_mpi_clean_result *res, char *why,
                       size_t whylen, void (*packed)(void *ud), void *ud, sg_error *err)
{
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(OP_CLEAN, &b, sg_mpi_clean_opts_encode(o, &b), err) != 0)
        return -1;
    int r = clean_collective(o, t, res, why, whylen, packed, ud, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- the commands on the owners: shared steps ---- */

/* Every rank, first of a command on the owners: 1 when every rank holds the
 * cleaned rows of exchange gen; else 0, rank 0's why naming a rank that
 * does not (the command declines). */
static int all_hold(uint64_t gen, char *why, size_t whylen)
{
    int fcode = 0;
    char fmsg[256] = "";
    sg_error e;
    sg_error_clear(&e);
    int code = held.clean_ok && held.gen == gen ? 0
               : sg_error_set(&e, SG_EINVAL, "it does not hold the cleaned rows of this table (exchange %llu, "
                              "it holds %llu%s)", (unsigned long long)gen, (unsigned long long)held.gen,
                              held.clean_ok ? "" : ", which did not end well");
    int bad = status_all(code, e.msg, &fcode, fmsg, sizeof fmsg);
    if (bad < 0)
        return 1;
    if (world_rank == 0)
        snprintf(why, whylen, "rank %d of %d: %s", bad, world_size, fmsg);
    return 0;
}

/* After every rank's owner step (its status code, and message in e; what
 * names the step): 1 when every rank succeeded, else the command's return:
 * -1 when a rank ran out of memory (err on rank 0), 0 otherwise (rank 0's
 * why names the rank). */
static int owners_ok(int code, const sg_error *e, const char *what, char *why, size_t whylen, sg_error *err)
{
    int fcode = 0;
    char fmsg[256] = "";
    int bad = status_all(code, e->msg, &fcode, fmsg, sizeof fmsg);
    if (bad < 0)
        return 1;
    if (world_rank == 0 && fcode == SG_ENOMEM)
        sg_error_set(err, fcode, "rank %d of %d, %s: %s", bad, world_size, what, fmsg);
    else if (world_rank == 0)
        snprintf(why, whylen, "rank %d of %d: %s", bad, world_size, fmsg);
    return fcode == SG_ENOMEM ? -1 : 0;
}

/* An owner's records to rank 0: ranks > 0 send b (then freed) and return
 * 0; rank 0 gathers every rank's into *parts and *lens (b's bytes as its
 * own, still b's), *gathered the bytes received, and returns 1. */
static int records_to_rank0(sg_mpi_buf *b, char *what, unsigned char ***parts, size_t **lens, uint64_t *gathered)
{
    if (world_rank > 0) {
        send_bytes(b->b, b->len);
        sg_mpi_buf_free(b);
        return 0;
    }
    gather_parts(b, parts, lens, gathered, what);
    return 1;
}

/* ---- RFM per customer on the owners (OP_RFM) ---- */

static void edges_reduce(uint64_t *v, size_t n, int max, void *ud)
{
    (void)ud;
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD);
}

/* Not split: the steps every rank runs in order (check that it holds the
 * cleaning gen, aggregate, the score edges by collectives, records to
 * rank 0, assemble on rank 0); a rank that fails still takes part in
 * every collective. */
static int rfm_collective(const sg_rfm_options *o, uint64_t gen, sg_mpi_edges *q, sg_type cust_type, int date_only,
                          sg_table **out, sg_rfm_info *info, uint64_t *ncust, uint64_t *gathered, double *secs,
                          char *why, size_t whylen, sg_error *err)
{
    int n = world_size, bad;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    /* 1. every rank holds the cleaned rows of exchange gen */
    if (!all_hold(gen, why, whylen))
        return 0;
    /* 2. the owner's aggregates */
    sg_mpi_buf b = { 0 };
    int code = sg_mpi_rfm_owner(held.clean, o, &b, &e);
    /* the rows stay for the BTYD fits (OP_BTYD), until the next exchange,
     * read or the end */
    if ((bad = owners_ok(code, &e, "RFM of its customers", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    double t1 = MPI_Wtime(), agg = t1 - t0;
    /* 2b. the score edges rank 0 is not given, from every rank's customers
     * (core/mpi_quantile.c) */
    if (q->mask) {
        sg_mpi_edges_local l, *lp = &l;
        code = sg_mpi_edges_prepare(&l, b.b, b.len, q->mask, &e);
        if ((bad = owners_ok(code, &e, "score edges of its customers", why, whylen, err)) != 1) {
            sg_mpi_edges_local_free(&l);
            sg_mpi_buf_free(&b);
            return bad;
        }
        sg_mpi_edges_run(&lp, 1, o, q, edges_reduce, NULL);
        sg_mpi_edges_local_free(&l);
        q->seconds = MPI_Wtime() - t1;
        t1 = MPI_Wtime();
    }
    /* 3. the records to rank 0, which builds the table */
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's RFM records";
    if (!records_to_rank0(&b, what, &parts, &lens, gathered))
        return 1;
    *out = sg_mpi_rfm_assemble((const unsigned char *const *)parts, lens, n, o, cust_type, date_only, info, ncust,
                               err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    secs[0] = agg;
    secs[1] = MPI_Wtime() - t1;
    return *out ? 1 : -1;
}

int sg_mpi_rfm(const sg_rfm_options *o, uint64_t gen, sg_mpi_edges *q, sg_type cust_type, int date_only,
               sg_table **out, sg_rfm_info *info, uint64_t *ncust, uint64_t *gathered, double *secs, char *why,
               size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    unsigned char qb[16];
    sg_mpi_edges_encode(q, qb);
    (void)sg_mpi_buf_put(&b, &gen, sizeof gen);
    (void)sg_mpi_buf_put(&b, qb, sizeof qb);
    if (send_command(OP_RFM, &b, sg_mpi_rfm_opts_encode(o, &b), err) != 0)
        return -1;
    int r = rfm_collective(o, gen, q, cust_type, date_only, out, info, ncust, gathered, secs, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- BTYD fits on the owners (OP_BTYD) ---- */

static int same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static char *copy_name(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = sg_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* This rank's BTYD summary of its cleaned rows with so (the rank holds
 * them): kept for the next command that asks for the same one.  0 with
 * *s (NULL when the rank owns no rows), or an error code with e set. */
static int owner_bsummary(const sg_btyd_summary_options *so, const sg_table **s, sg_error *e)
{
    *s = NULL;
    if (!held.clean)
        return 0;
    const sg_btyd_summary_options *k = &held.bso;
    if (held.bsum && same_name(k->customer, so->customer) && same_name(k->date, so->date) &&
        same_name(k->amount, so->amount) && k->calibration_end == so->calibration_end &&
        k->observation_end == so->observation_end && k->unit_days == so->unit_days &&
        k->whole_periods == so->whole_periods) {
        *s = held.bsum;
        return 0;
    }
    held_bsum_reset();
    sg_table *t = sg_btyd_summary(held.clean, so, e);
    if (!t)
        return e->code ? e->code : SG_ENOMEM;
    const char *src[3] = { so->customer, so->date, so->amount };
    for (int q = 0; q < 3; q++) {
        held.bnames[q] = copy_name(src[q]);
        if (src[q] && !held.bnames[q]) {
            sg_table_free(t);
            held_bsum_reset();
            return sg_error_set(e, SG_ENOMEM, "out of memory");
        }
    }
    held.bsum = t;
    held.bso = *so;
    held.bso.customer = held.bnames[0];
    held.bso.date = held.bnames[1];
    held.bso.amount = held.bnames[2];
    *s = t;
    return 0;
}

typedef struct btyd_reduce_ud {
    uint64_t calls, bytes;
} btyd_reduce_ud;

static void btyd_sum(int64_t *w, size_t n, void *ud)
{
    btyd_reduce_ud *u = ud;
    MPI_Allreduce(MPI_IN_PLACE, w, (int)n, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    u->calls++;
    u->bytes += n * sizeof *w;
}

static void btyd_max(double *v, size_t n, void *ud)
{
    btyd_reduce_ud *u = ud;
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    u->calls++;
    u->bytes += n * sizeof *v;
}

/* Every rank: check that it holds the cleaning c->gen, summarise its
 * customers, then the fit in lockstep (core/mpi_btyd.c).  Rank 0: 1 with
 * the fit, 0 (why) when the ranks cannot, -1 with err when the fit
 * failed (the message one process gives) or a rank ran out of memory. */
static int btyd_collective(const sg_mpi_btyd_cmd *c, sg_btyd_fit *fit, size_t *skipped, sg_mpi_btyd_stats *st,
                           char *why, size_t whylen, sg_error *err)
{
    int n = world_size, k = world_rank, fcode = 0, bad;
    char fmsg[256] = "";
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    sg_mpi_btyd_rows rows;
    const sg_table *sum = NULL;
    memset(&rows, 0, sizeof rows);
    int code = owner_bsummary(&c->so, &sum, &e);
    if (!code)
        code = sg_mpi_btyd_rows_of(sum, &rows, &e);
    if ((bad = status_all(code, e.msg, &fcode, fmsg, sizeof fmsg)) >= 0) {
        sg_mpi_btyd_rows_free(&rows);
        if (k == 0 && fcode == SG_ENOMEM)
            sg_error_set(err, fcode, "rank %d of %d, BTYD summary of its customers: %s", bad, n, fmsg);
        else if (k == 0)
            snprintf(why, whylen, "rank %d of %d: %s", bad, n, fmsg);
        return fcode == SG_ENOMEM ? -1 : 0;
    }
    uint64_t mine = rows.n;
    MPI_Gather(&mine, 1, MPI_UINT64_T, k == 0 ? st->customers : NULL, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    double t1 = MPI_Wtime();
    btyd_reduce_ud ud = { 0, 0 };
    sg_btyd_reduce red = { btyd_sum, btyd_max, &ud };
    sg_btyd_fit f;
    size_t sk = 0;
    code = sg_mpi_btyd_owner_fit(c, &rows, &red, &f, &sk, &e);
    sg_mpi_btyd_rows_free(&rows);
    if (k > 0)
        return 1;
    st->reductions = ud.calls;
    st->bytes = ud.bytes;
    st->secs[0] = t1 - t0;
    st->secs[1] = MPI_Wtime() - t1;
    if (code != 0) {
        *err = e;
        return -1;
    }
    *fit = f;
    if (skipped)
        *skipped = sk;
    return 1;
}

int sg_mpi_btyd_fit(const sg_mpi_btyd_cmd *c, sg_btyd_fit *fit, size_t *skipped, sg_mpi_btyd_stats *st, char *why,
                    size_t whylen, sg_error *err)
{
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(OP_BTYD, &b, sg_mpi_btyd_encode(c, &b), err) != 0)
        return -1;
    int r = btyd_collective(c, fit, skipped, st, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- the BTYD summary and predictions on the owners (OP_BTYD_SUMMARY) ---- */

/* Every rank: check that it holds the cleaning c->gen, summarise and
 * predict its customers, send the records to rank 0, which assembles the
 * table.  Rank 0's return as sg_mpi_btyd_summary's. */
static int bsummary_collective(const sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base, sg_table **out,
                               uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen,
                               sg_error *err)
{
    int n = world_size, bad;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    const sg_table *sum = NULL;
    int code = owner_bsummary(&c->so, &sum, &e);
    if (!code)
        code = sg_mpi_btyd_summary_owner(sum, c, &b, &e);
    if ((bad = owners_ok(code, &e, "BTYD summary of its customers", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    double t1 = MPI_Wtime();
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's BTYD summary records";
    if (!records_to_rank0(&b, what, &parts, &lens, gathered))
        return 1;
    *out = sg_mpi_btyd_summary_assemble((const unsigned char *const *)parts, lens, n, c, cust_type, base, ncust,
                                        err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    secs[0] = t1 - t0;
    secs[1] = MPI_Wtime() - t1;
    return *out ? 1 : -1;
}

int sg_mpi_btyd_summary(const sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base, sg_table **out,
                        uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(OP_BTYD_SUMMARY, &b, sg_mpi_btyd_scmd_encode(c, &b), err) != 0)
        return -1;
    int r = bsummary_collective(c, cust_type, base, out, ncust, gathered, secs, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- co-purchase counts on the owners (OP_CROSS_SELL) ---- */


/* A failed step of the owners' counting, seen by every rank (status_all
 * returned bad >= 0): rank 0 sets err (out of memory: -1) or why (0). */
/* Every rank, in OP_CROSS_SELL: the invoices held by more than one rank
 * (sg_mpi_cooc_invoice_keys, _split_invoices): each rank's distinct
 * invoice hashes go to the rank their hash names (MPI_Alltoallv), which
 * counts those that came from two ranks; the counts are summed on every
 * rank.  1 with *split (and *bytes: the bytes this rank sent to others),
 * else the command's return (0 with why, -1 with err). */
static int invoices_split(const sg_mpi_cooc_cmd *c, uint64_t *split, uint64_t *bytes, char *why, size_t whylen,
                          sg_error *err)
{
    int n = world_size, k = world_rank, ret;
    sg_error e;
    sg_error_clear(&e);
    sg_mpi_buf *to = sg_calloc((size_t)n, sizeof *to), all = { 0 };
    uint64_t *sc = sg_malloc((size_t)n * 2 * sizeof *sc);
    int *ic = sg_malloc((size_t)n * 4 * sizeof *ic);
    unsigned char *rb = NULL;
    if (!to || !sc || !ic)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    uint64_t *rc = sc + n;
    int *id = ic + n, *irc = ic + 2 * n, *ird = ic + 3 * n;
    int code = sg_mpi_cooc_invoice_keys(held.clean, c->invoice, c->item, n, to, &e);
    for (int q = 0; q < n; q++) {
        sc[q] = to[q].len;
        if (!code && sg_mpi_buf_put(&all, to[q].b, to[q].len) != 0)
            code = sg_error_nomem(&e);
        sg_mpi_buf_free(&to[q]);
    }
    sg_free(to);
    if ((ret = owners_ok(code, &e, "the invoices of its customers", why, whylen, err)) != 1)
        goto out;
    uint64_t tr;
    if (!alltoallv_sizes(sc, rc, ic, &tr)) {
        snprintf(why, whylen, "checking that no invoice is split between ranks needs more than 2 GiB on a rank");
        ret = 0;
        goto out;
    }
    rb = sg_malloc(tr ? (size_t)tr : 1);
    code = rb ? 0 : sg_error_nomem(&e);
    if ((ret = owners_ok(code, &e, "the invoices of its customers", why, whylen, err)) != 1)
        goto out;
    MPI_Alltoallv(all.b, ic, id, MPI_BYTE, rb, irc, ird, MPI_BYTE, MPI_COMM_WORLD);
    *bytes = 0;
    for (int q = 0; q < n; q++)
        *bytes += q != k ? sc[q] : 0;
    const unsigned char **parts = sg_malloc((size_t)n * sizeof *parts);
    size_t *lens = sg_malloc((size_t)n * sizeof *lens);
    uint64_t mine = 0;
    if (!parts || !lens) {
        code = sg_error_nomem(&e);
    } else {
        for (int q = 0; q < n; q++) {
            parts[q] = rb + ird[q];
            lens[q] = (size_t)irc[q];
        }
        code = sg_mpi_cooc_split_invoices(parts, lens, n, &mine, &e);
    }
    sg_free(parts);
    sg_free(lens);
    if ((ret = owners_ok(code, &e, "the invoices of its customers", why, whylen, err)) != 1)
        goto out;
    MPI_Allreduce(&mine, split, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    ret = 1;
out:
    sg_mpi_buf_free(&all);
    sg_free(sc);
    sg_free(ic);
    sg_free(rb);
    return ret;
}

/* Not split: the steps every rank runs in order (check, item counts to
 * rank 0, the kept items back, pair counts to rank 0), each ending in a
 * collective decision to go on.  Rank 0: t its cleaned table, o the
 * options; its return as sg_mpi_cross_sell's. */
static int cooc_collective(const sg_mpi_cooc_cmd *c, const sg_table *t, const sg_cooc_options *o, sg_cooc **out,
                           sg_mpi_cooc_stats *st, char *why, size_t whylen, sg_error *err)
{
    int k = world_rank, ret = 0;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime(), t1 = t0, t2 = t0;
    if (!all_hold(c->gen, why, whylen))
        return 0;
    int code;
    /* 1. each owner's invoices and item counts */
    sg_mpi_cooc_owner w;
    sg_mpi_buf b = { 0 }, kept = { 0 };
    unsigned char **parts = NULL;
    size_t *lens = NULL;
    sg_cooc *m = NULL;
    code = sg_mpi_cooc_owner_items(held.clean, c, &w, &b, &e);
    if ((ret = owners_ok(code, &e, "co-purchase counts of its customers", why, whylen, err)) != 1) {
        goto out;
    }
    uint64_t split = 0, split_bytes = 0;
    if ((ret = invoices_split(c, &split, &split_bytes, why, whylen, err)) != 1)
        goto out;
    t1 = MPI_Wtime();
    /* 2. summed on rank 0, which decides the items kept (or stops:
     * go 0, a reason; -1, out of memory) and sends them to every rank */
    int go = 1;
    if (k > 0) {
        send_bytes(b.b, b.len);
    } else {
        static char what[] = "another rank's co-purchase item counts";
        gather_parts(&b, &parts, &lens, &st->item_bytes, what);
        m = sg_mpi_cooc_merge_items((const unsigned char *const *)parts, lens, world_size,
                                    sg_table_col(t, c->item), o, st->invoices, &kept, err);
        free_parts(parts, lens);
        parts = NULL;
        lens = NULL;
        st->split_bytes = split_bytes;
        if (!m) {
            go = err->code == SG_ENOMEM ? -1 : 0;
            if (!go)
                snprintf(why, whylen, "%s", err->msg);
        } else if (split > 0) {
            go = 0;
            snprintf(why, whylen, "an invoice has rows of customers of different ranks (%llu of the %zu invoices "
                     "the ranks counted are on more than one rank)", (unsigned long long)split, m->ninvoices);
        }
        st->nitems = m ? m->nitems : 0;
    }
    sg_mpi_buf_free(&b);
    MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (go != 1) {
        ret = go;
        goto out;
    }
    uint64_t klen = kept.len;
    MPI_Bcast(&klen, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (k > 0) {
        kept.b = sg_malloc(klen ? (size_t)klen : 1);
        kept.len = kept.cap = (size_t)klen;
        if (!kept.b)
            abort_job("out of memory receiving the co-purchase items kept");
    }
    bcast_bytes(kept.b, (size_t)klen);
    if (k == 0) {
        memcpy(&st->nkept, kept.b, 8);
        st->kept_bytes = klen;
    }
    /* 3. each owner's pairs of kept items, summed on rank 0 */
    double tp = MPI_Wtime();
    code = sg_mpi_cooc_owner_pairs(&w, kept.b, kept.len, c->max_items, &b, &e);
    if ((ret = owners_ok(code, &e, "co-purchase counts of its customers", why, whylen, err)) != 1) {
        goto out;
    }
    t2 = MPI_Wtime();
    /* aligned arrays added by MPI_Reduce when they are no larger than the
     * largest rank's list of pairs; otherwise the lists, gathered */
    uint64_t np, maxnp = 0, nk;
    memcpy(&np, b.b, 8);
    memcpy(&nk, kept.b, 8);
    uint64_t *allnp = sg_malloc((size_t)world_size * sizeof *allnp);
    if (!allnp)
        abort_job("out of memory");   /* a few bytes per rank: not expected */
    MPI_Allgather(&np, 1, MPI_UINT64_T, allnp, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int q = 0; q < world_size; q++) {
        maxnp = allnp[q] > maxnp ? allnp[q] : maxnp;
        if (k == 0)
            st->pairs[q] = allnp[q];
    }
    sg_free(allnp);
    uint64_t P = sg_mpi_cooc_dense_len(nk);
    if (P > 0 && P <= maxnp * 3) {   /* 4 bytes an entry against 12 a listed pair */
        uint32_t *dense = sg_calloc((size_t)P, sizeof *dense);
        code = dense ? 0 : sg_error_set(&e, SG_ENOMEM, "out of memory (%llu pairs)", (unsigned long long)P);
        if ((ret = owners_ok(code, &e, "co-purchase counts of its customers", why, whylen, err)) != 1) {
            sg_free(dense);
            goto out;
        }
        (void)sg_mpi_cooc_dense_add(b.b, b.len, nk, dense);   /* its own record */
        for (uint64_t at = 0; at < P; at += MAX_MSG / 4) {
            int cnt = (int)(P - at < MAX_MSG / 4 ? P - at : MAX_MSG / 4);
            MPI_Reduce(k == 0 ? MPI_IN_PLACE : dense + at, dense + at, cnt, MPI_UINT32_T, MPI_SUM, 0, MPI_COMM_WORLD);
        }
        if (k > 0) {
            sg_free(dense);
            ret = 1;
            goto out;
        }
        st->dense = 1;
        st->pair_bytes = P * 4;
        sg_mpi_buf_free(&b);
        sg_mpi_cooc_dense_record(dense, nk, &b);
        sg_free(dense);
        code = b.oom ? sg_error_nomem(err)
                     : sg_mpi_cooc_finish(m, (const unsigned char *const *)&b.b, &b.len, 1, o, NULL, err);
    } else {
        if (k > 0) {
            send_bytes(b.b, b.len);
            ret = 1;
            goto out;
        }
        static char what[] = "another rank's co-purchase pair counts";
        gather_parts(&b, &parts, &lens, &st->pair_bytes, what);
        code = sg_mpi_cooc_finish(m, (const unsigned char *const *)parts, lens, world_size, o, NULL, err);
        free_parts(parts, lens);
    }
    if (code == SG_ENOMEM) {
        ret = -1;
    } else if (code) {
        snprintf(why, whylen, "%s", err->msg);
        ret = 0;
    } else {
        *out = m;
        m = NULL;
        ret = 1;
    }
    st->secs[0] = t1 - t0;
    st->secs[1] = t2 - tp;
    st->secs[2] = (MPI_Wtime() - t0) - st->secs[0] - st->secs[1];
out:
    sg_cooc_free(m);
    sg_mpi_cooc_owner_free(&w);
    sg_mpi_buf_free(&b);
    sg_mpi_buf_free(&kept);
    return ret;
}

int sg_mpi_cross_sell(const sg_table *t, uint64_t gen, const sg_cooc_options *o, sg_cooc **out,
                      sg_mpi_cooc_stats *st, char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    const sg_column *itm = sg_table_col(t, o->item);
    if (!sg_table_col(t, o->invoice) || !itm || (itm->type != SG_STRING && itm->type != SG_INT64)) {
        snprintf(why, whylen, "the invoice or item column is missing or of a type the counts refuse");
        return 0;
    }
    sg_mpi_cooc_cmd c = { gen, o->invoice, o->item, o->max_items_per_invoice };
    sg_mpi_buf b = { 0 };
    if (send_command(OP_CROSS_SELL, &b, sg_mpi_cooc_encode(&c, &b), err) != 0)
        return -1;
    int r = cooc_collective(&c, t, o, out, st, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- model features on the owners (OP_FEATURES, core/mpi_features.c) ---- */

/* Every rank: check that it holds the cleaning c->gen, compute its
 * customers' features, send the records to rank 0, which assembles the
 * table after tmpl.  Rank 0's return as sg_mpi_features's. */
static int features_collective(const sg_mpi_features_cmd *c, const sg_table *tmpl, sg_table **out,
                               sg_features_info *info, uint64_t *ncust, uint64_t *gathered, double *secs, char *why,
                               size_t whylen, sg_error *err)
{
    int bad;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    int code = sg_mpi_features_owner(held.clean, c, &b, &e);
    if ((bad = owners_ok(code, &e, "model features of its customers", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    double t1 = MPI_Wtime();
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's feature records";
    if (!records_to_rank0(&b, what, &parts, &lens, gathered))
        return 1;
    *out = sg_mpi_features_assemble((const unsigned char *const *)parts, lens, world_size, tmpl, &c->o, info, ncust,
                                    err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    secs[0] = t1 - t0;
    secs[1] = MPI_Wtime() - t1;
    return *out ? 1 : -1;
}

int sg_mpi_features(const sg_mpi_features_cmd *c, const sg_table *tmpl, sg_table **out, sg_features_info *info,
                    uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(OP_FEATURES, &b, sg_mpi_features_encode(c, &b), err) != 0)
        return -1;
    int r = features_collective(c, tmpl, out, info, ncust, gathered, secs, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- k-means on every rank (OP_KMEANS, core/mpi_kmeans.c) ---- */

void sg_mpi_kmeans_command(const unsigned char *b, size_t len)
{
    int64_t head[2] = { OP_KMEANS, (int64_t)len };
    command_header(head);
    bcast_bytes((unsigned char *)b, len);
}

/* ---- cross-sell recommendations on the owners (OP_RECOMMEND, core/mpi_recommend.c) ---- */

/* Every rank: check that it holds the cleaning c->gen, recommend for its
 * customers, send the records to rank 0, which assembles the table with
 * model m and cc, its cleaned table's customer column.  Rank 0's return
 * as sg_mpi_recommend's. */
static int rec_collective(const sg_mpi_rec_cmd *c, const sg_cooc *m, const sg_column *cc, sg_table **out,
                          sg_mpi_rec_stats *st, char *why, size_t whylen, sg_error *err)
{
    int bad;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    int code = sg_mpi_rec_owner(held.clean, c, &b, &e);
    if ((bad = owners_ok(code, &e, "recommendations for its customers", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    double t1 = MPI_Wtime();
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's recommendations";
    if (!records_to_rank0(&b, what, &parts, &lens, st ? &st->gathered : NULL))
        return 1;
    *out = sg_mpi_rec_assemble((const unsigned char *const *)parts, lens, world_size, m, cc, (size_t)c->top_n,
                               st->customers, err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    st->rows = *out ? (*out)->nrows : 0;
    st->secs[0] = t1 - t0;
    st->secs[1] = MPI_Wtime() - t1;
    return *out ? 1 : -1;
}

int sg_mpi_recommend(const sg_cooc *c, const sg_table *t, uint64_t gen, const char *customer, size_t top_n,
                     sg_table **out, sg_mpi_rec_stats *st, char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    const sg_column *cc = sg_table_col(t, customer), *ic = sg_table_col(t, c->item);
    if (!cc || (cc->type != SG_STRING && cc->type != SG_INT64) || !ic || ic->type != c->type) {
        snprintf(why, whylen, "the customer or item column is missing or of a type the recommendations refuse");
        return 0;
    }
    sg_mpi_buf b = { 0 };
    sg_mpi_rec_cmd rc;
    if (sg_mpi_rec_encode(c, gen, customer, top_n, &b, err) != 0) {
        sg_mpi_buf_free(&b);
        if (err->code == SG_ENOMEM)
            return -1;
        snprintf(why, whylen, "%s", err->msg);
        return 0;
    }
    if (sg_mpi_rec_decode(b.b, b.len, &rc) != 0) {   /* not expected: the encoder's own bytes */
        sg_mpi_buf_free(&b);
        snprintf(why, whylen, "the recommendation command does not decode");
        return 0;
    }
    st->cmd_bytes = b.len;
    if (send_command(OP_RECOMMEND, &b, 0, err) != 0)
        return -1;
    int r = rec_collective(&rc, c, cc, out, st, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- the activity series on the owners (OP_ACTIVITY) ---- */

/* The bounds of every window of c from the combined dates d (2 + nwin
 * values), into bounds[w], nbounds[w] and (res: rank 0) as_of; 0 or
 * SG_ENOMEM (err set; the bounds made so far stay for the caller to free). */
static int activity_windows(const sg_mpi_activity_cmd *c, const int64_t *d, int64_t **bounds, size_t *nbounds,
                            sg_mpi_activity_res *res, sg_error *err)
{
    for (size_t q = 0; q < c->nwin; q++) {
        int64_t dq[3] = { d[0], d[1], d[2 + q] }, when = 0;
        int have = 0;
        if (sg_mpi_activity_bounds(&c->win[q], dq, &when, &have, &bounds[q], &nbounds[q], err))
            return err->code;
        if (res) {
            res[q].as_of = when;
            res[q].have_as_of = have;
        }
    }
    return 0;
}

/* Every rank: check that it holds the cleaning c->gen, combine the dates
 * (one MPI_Allreduce: the earliest date and what the windows without
 * bounds or as_of need), walk its customers once over every window's
 * bounds and send rank 0 its partial series, which rank 0 adds up window
 * by window (core/mpi_activity.c).  Rank 0's return as sg_mpi_activity's. */
static int activity_collective(const sg_mpi_activity_cmd *c, sg_mpi_activity_res *res, sg_mpi_activity_stats *st,
                               char *why, size_t whylen, sg_error *err)
{
    int n = world_size, k = world_rank, bad;
    size_t nw = c->nwin;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    int64_t *d = sg_malloc((2 + nw) * sizeof *d), **bounds = sg_calloc(nw, sizeof *bounds);
    size_t *nb = sg_calloc(nw, sizeof *nb);
    int code = d && bounds && nb ? sg_mpi_activity_dates(held.clean, c, d, &e) : sg_error_nomem(&e);
    sg_mpi_buf b = { 0 };
    if ((bad = owners_ok(code, &e, "dates of its customers' rows", why, whylen, err)) == 1) {
        MPI_Allreduce(MPI_IN_PLACE, d, (int)(2 + nw), MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
        code = activity_windows(c, d, bounds, nb, k == 0 ? res : NULL, &e);
        if (!code)
            code = sg_mpi_activity_owner(held.clean, c, bounds, nb, &b, &e);
        bad = owners_ok(code, &e, "activity of its customers", why, whylen, err);
    }
    double t1 = MPI_Wtime();
    if (bad == 1 && k > 0) {
        send_bytes(b.b, b.len);
    } else if (bad == 1) {
        unsigned char **parts;
        size_t *lens;
        uint64_t got = 0;
        static char what[] = "another rank's partial activity series";
        gather_parts(&b, &parts, &lens, &got, what);
        sg_activity *a = sg_calloc(nw, sizeof *a);
        code = a ? sg_mpi_activity_merge_many((const unsigned char *const *)parts, lens, n, nw, bounds, nb, a,
                                              st->customers, err)
                 : sg_error_nomem(err);
        for (size_t q = 0; !code && q < nw; q++)
            res[q].a = a[q];
        sg_free(a);
        free_parts(parts, lens);
        st->first = d[1];
        st->reduced += (2 + nw) * sizeof *d;
        st->gathered += got;
        st->secs[0] += t1 - t0;
        st->secs[1] += MPI_Wtime() - t1;
        bad = code ? -1 : 1;
    }
    sg_mpi_buf_free(&b);
    for (size_t q = 0; bounds && q < nw; q++)
        sg_free(bounds[q]);
    sg_free(bounds);
    sg_free(nb);
    sg_free(d);
    return bad;
}

int sg_mpi_activity(const sg_mpi_activity_cmd *c, sg_mpi_activity_res *res, sg_mpi_activity_stats *st, char *why,
                    size_t whylen, sg_error *err)
{
    memset(res, 0, c->nwin * sizeof *res);
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(OP_ACTIVITY, &b, sg_mpi_activity_encode(c, &b), err) != 0)
        return -1;
    int r = activity_collective(c, res, st, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* ---- campaign test outcomes on the owners (OP_CAMPAIGN_RESULTS, core/mpi_campaign.c) ---- */

/* Every rank: check that it holds the cleaning c->gen, receive its block
 * of target rows (p->rows on rank 0, MPI_Scatterv), compute their
 * outcomes, send them to rank 0, which assembles the table with targets
 * and p.  Rank 0's return as sg_mpi_campaign_outcomes's. */
static int camp_collective(sg_mpi_camp_cmd *c, const sg_table *targets, const sg_mpi_camp_plan *p, sg_table **out,
                           sg_mpi_camp_stats *st, char *why, size_t whylen, sg_error *err)
{
    int bad, n = world_size, k = world_rank;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    int *cnt = sg_malloc((size_t)n * sizeof *cnt), *disp = sg_malloc((size_t)n * sizeof *disp);
    size_t mine = sg_mpi_camp_block_size(c, k);
    unsigned char *blk = k > 0 ? sg_malloc(mine ? mine : 1) : NULL;
    if (!cnt || !disp || (k > 0 && !blk))
        abort_job("out of memory receiving its target rows");
    for (int q = 0, at = 0; q < n; q++) {   /* (all blocks together are at most INT_MAX: sg_mpi_camp_encode) */
        cnt[q] = (int)sg_mpi_camp_block_size(c, q);
        disp[q] = at;
        at += cnt[q];
    }
    if (k == 0)   /* (rank 0's block stays where it is, first in p->rows) */
        MPI_Scatterv(p->rows.b, cnt, disp, MPI_BYTE, MPI_IN_PLACE, 0, MPI_BYTE, 0, MPI_COMM_WORLD);
    else
        MPI_Scatterv(NULL, NULL, NULL, MPI_BYTE, blk, cnt[k], MPI_BYTE, 0, MPI_COMM_WORLD);
    sg_free(cnt);
    sg_free(disp);
    sg_mpi_buf b = { 0 };
    int code = sg_mpi_camp_block(c, k == 0 ? p->rows.b : blk, mine) != 0
                   ? sg_error_set(&e, SG_EDATA, "its target rows are malformed")
                   : sg_mpi_camp_owner(held.clean, c, &b, &e);
    if ((bad = owners_ok(code, &e, "campaign outcomes of its customers", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        sg_free(blk);
        return bad;
    }
    sg_free(blk);
    double t1 = MPI_Wtime();
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's campaign outcomes";
    if (!records_to_rank0(&b, what, &parts, &lens, st ? &st->gathered : NULL))
        return 1;
    *out = sg_mpi_camp_assemble((const unsigned char *const *)parts, lens, world_size, targets, p, st->records, err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    st->secs[0] = t1 - t0;
    st->secs[1] = MPI_Wtime() - t1;
    return *out ? 1 : -1;
}

/* Ranks 1..n-1: their part of OP_CAMPAIGN_RESULTS (b, len: the command). */
static void camp_serve(const unsigned char *b, size_t len)
{
    sg_mpi_camp_cmd mc;
    if (sg_mpi_camp_decode(b, len, &mc) != 0 || mc.nranks != (uint64_t)world_size)
        abort_job("a malformed command");
    char why[300];
    sg_error err;
    camp_collective(&mc, NULL, NULL, NULL, NULL, why, sizeof why, &err);
}

int sg_mpi_campaign_outcomes(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                             double window_days, const sg_table *tx, uint64_t gen, const char *cust,
                             const char *date, const char *amount, sg_table **out, sg_mpi_camp_stats *st,
                             char *why, size_t whylen, sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_camp_plan p;
    sg_mpi_camp_cmd cc;
    if (sg_mpi_camp_encode(targets, tcust, tstart, twindow, window_days, tx, gen, cust, date, amount, world_size,
                           held.whole, &p, err) != 0) {
        if (err->code == SG_ENOMEM)
            return -1;
        snprintf(why, whylen, "%s", err->msg);
        return 0;
    }
    if (sg_mpi_camp_decode(p.cmd.b, p.cmd.len, &cc) != 0) {   /* not expected: the encoder's own bytes */
        sg_mpi_camp_plan_free(&p);
        snprintf(why, whylen, "the campaign outcomes command does not decode");
        return 0;
    }
    st->sent = p.nsent;
    st->cmd_bytes = p.cmd.len;
    st->rows_bytes = p.rows.len - sg_mpi_camp_block_size(&cc, 0);
    for (size_t i = 0; i < p.nsent; i++)
        st->targets[p.dest[i]]++;
    /* (the command's bytes stay in p.cmd while cc points into them) */
    int r = send_command(OP_CAMPAIGN_RESULTS, &p.cmd, 0, err) != 0 ? -1
            : camp_collective(&cc, targets, &p, out, st, why, whylen, err);
    sg_mpi_camp_plan_free(&p);
    return r;
}

/* ---- the cleaned rows back to rank 0 (OP_GATHER_CLEAN) ---- */

/* Every rank: check that it holds the cleaning gen and send its kept rows
 * with their global numbers (the packets of the exchange) to rank 0, which
 * merges them by row number.  Rank 0's return as sg_mpi_gather_clean's. */
static int gather_clean_collective(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why,
                                   size_t whylen, sg_error *err)
{
    int bad, code = 0;
    sg_error e;
    sg_error_clear(&e);
    if (!all_hold(gen, why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    size_t n = held.clean ? held.clean->nrows : 0;
    if (n) {
        size_t *rows = sg_malloc(n * sizeof *rows);
        if (!rows) {
            code = sg_error_nomem(&e);
        } else {
            for (size_t i = 0; i < n; i++)
                rows[i] = i;
            code = sg_mpi_rows_pack(held.clean, held.clean_gid, rows, n, &b, &e);
            sg_free(rows);
        }
    }
    if ((bad = owners_ok(code, &e, "its cleaned rows", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's cleaned rows";
    if (!records_to_rank0(&b, what, &parts, &lens, bytes))
        return 1;
    uint64_t *gid = NULL;
    *out = sg_mpi_rows_unpack((const unsigned char *const *)parts, lens, (size_t)world_size, &gid, err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    sg_free(gid);
    if (*out && (*out)->nrows != nrows) {
        sg_error_set(err, SG_EDATA, "the ranks hold %zu cleaned rows, not the %zu of the table", (*out)->nrows,
                     nrows);
        sg_table_free(*out);
        *out = NULL;
    }
    return *out ? 1 : -1;
}

static int gather_read_collective(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why,
                                  size_t whylen, sg_error *err);

/* Ranks 1..n-1: their part of OP_GATHER_CLEAN or OP_GATHER_READ (op; b,
 * len: the command). */
static void gather_serve(int64_t op, const unsigned char *b, size_t len)
{
    sg_mpi_rd r = { b, b + len, 0 };
    uint64_t gen = sg_mpi_rd_u64(&r), nrows = sg_mpi_rd_u64(&r);
    if (r.bad || r.p != r.end)
        abort_job("a malformed command");
    char why[300];
    sg_error err;
    uint64_t bytes;
    if (op == OP_GATHER_READ)
        gather_read_collective(gen, (size_t)nrows, NULL, &bytes, why, sizeof why, &err);
    else
        gather_clean_collective(gen, (size_t)nrows, NULL, &bytes, why, sizeof why, &err);
}

/* ---- a read's parts back to rank 0 (OP_GATHER_READ) ---- */

int sg_mpi_read_remote(uint64_t *gen, size_t *nrows)
{
    int r = last_read.remote;
    *gen = reads;
    *nrows = last_read.nrows;
    last_read.remote = 0;
    return r;
}

size_t sg_mpi_read_part_bytes(void)
{
    return held.t ? sg_table_bytes(held.t) : 0;
}

int sg_mpi_read_range(uint64_t gen, size_t col, int64_t *min, int64_t *max, uint64_t *count, uint64_t *missing)
{
    size_t nc = last_read.ncols;
    if (gen != reads || !last_read.mm || col >= nc)
        return 0;
    *min = last_read.mm[col];
    *max = last_read.mm[nc + col];
    *count = last_read.cm[col];
    *missing = last_read.cm[nc + col];
    return 1;
}

/* Every rank: check that it holds its part of read gen; ranks 1..n-1
 * send it column by column (sg_mpi_table_encode) and rank 0 appends the
 * parts in rank order to its own, which becomes the table (its part is
 * not kept after that: cleaning uses the table's first rows).  Rank 0's
 * return as sg_mpi_gather_read's. */
static int gather_read_collective(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why,
                                  size_t whylen, sg_error *err)
{
    int k = world_rank, n = world_size, code, bad;
    sg_error e;
    sg_error_clear(&e);
    int holds = held.valid && held.rows && held.read == gen && held.read == reads;
    uint64_t mine = holds ? held.rows[k] : 0;
    code = holds && (held.t || (!mine && k > 0)) ? 0
           : sg_error_set(&e, SG_EINVAL, "it does not hold its part of that read (read %llu; %llu reads so far)",
                          (unsigned long long)gen, (unsigned long long)reads);
    int failed = status_all(code, e.msg, &code, why, whylen);
    if (failed >= 0) {
        if (k == 0) {
            char w[300];
            snprintf(w, sizeof w, "%s", why);
            snprintf(why, whylen, "rank %d of %d: %s", failed, n, w);
        }
        return 0;
    }
    sg_mpi_buf b = { 0 };
    code = k > 0 && mine && sg_mpi_table_encode(held.t, &b) != 0 ? sg_error_nomem(&e) : 0;
    if ((bad = owners_ok(code, &e, "its part of the read", why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    if (k > 0) {
        send_bytes(b.b, b.len);
        sg_mpi_buf_free(&b);
        return 0;
    }
    sg_table *t = held.t;
    held.t = NULL;
    int rc = t ? sg_mpi_table_growable(t, err) : sg_error_set(err, SG_EINVAL, "no columns");
    for (size_t j = 0; t && j < t->ncols && !rc; j++)
        if (sg_column_reserve(t->cols[j], nrows) != 0)
            rc = sg_error_nomem(err);
    for (int q = 1; q < n; q++) {
        unsigned char *pb = NULL;
        size_t len = 0;
        sg_error ge;
        static char what[] = "another rank's part of the read";
        recv_part(what, q, &pb, &len, &ge);      /* every part is received, even after a failure */
        *bytes += len;
        if (!rc && len)
            rc = sg_mpi_table_append(t, pb, len, err);
        sg_free(pb);
    }
    if (!rc && t->nrows != nrows)
        rc = sg_error_set(err, SG_EDATA, "the ranks hold %zu rows of the read, not the %zu of the table", t->nrows,
                          nrows);
    if (rc) {
        sg_table_free(t);
        return -1;
    }
    sg_mpi_table_trim(t);
    *out = t;
    return 1;
}

/* Rank 0: the rows of cleaning gen (OP_GATHER_CLEAN) or of read gen
 * (OP_GATHER_READ) back from the ranks that hold them; as
 * sg_mpi_gather_clean's return. */
static int gather_back(int64_t op, uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why,
                       size_t whylen, sg_error *err)
{
    *out = NULL;
    *bytes = 0;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    sg_mpi_put_u64(&b, gen);
    sg_mpi_put_u64(&b, (uint64_t)nrows);
    if (send_command(op, &b, b.oom ? SG_ENOMEM : 0, err) != 0)
        return -1;
    sg_mpi_buf_free(&b);
    return op == OP_GATHER_READ ? gather_read_collective(gen, nrows, out, bytes, why, whylen, err)
                                : gather_clean_collective(gen, nrows, out, bytes, why, whylen, err);
}

int sg_mpi_gather_clean(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                        sg_error *err)
{
    return gather_back(OP_GATHER_CLEAN, gen, nrows, out, bytes, why, whylen, err);
}

int sg_mpi_gather_read(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                       sg_error *err)
{
    return gather_back(OP_GATHER_READ, gen, nrows, out, bytes, why, whylen, err);
}

/* ---- group-bys reduced on rank 0 (OP_ATTRIBUTES, OP_ITEM_NAMES, core/mpi_attrs.c) ---- */

/* Every rank: check that it holds the cleaning c->gen, run the group-by
 * over its rows and send them to rank 0, which reduces them.  Rank 0's
 * return as sg_mpi_group_by's. */
static int gb_collective(const sg_mpi_gb_cmd *c, sg_table **out, sg_mpi_gb_stats *st, char *why, size_t whylen,
                         sg_error *err)
{
    int bad;
    sg_error e;
    sg_error_clear(&e);
    double t0 = MPI_Wtime();
    if (!all_hold(c->gen, why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    uint64_t ng = 0;
    int code = sg_mpi_gb_owner(held.clean, c, world_rank, world_size, &b, &ng, &e);
    const char *what0 = c->kind == SG_MPI_GB_FIRST ? "attributes of its customers" : "item names of its rows";
    if ((bad = owners_ok(code, &e, what0, why, whylen, err)) != 1) {
        sg_mpi_buf_free(&b);
        return bad;
    }
    double t1 = MPI_Wtime();
    unsigned char **parts;
    size_t *lens;
    static char what[] = "another rank's group-by rows";
    if (!records_to_rank0(&b, what, &parts, &lens, &st->gathered))
        return 1;
    *out = sg_mpi_gb_reduce((const unsigned char *const *)parts, lens, world_size, c, st->groups, err);
    free_parts(parts, lens);
    sg_mpi_buf_free(&b);
    st->secs[0] = t1 - t0;
    st->secs[1] = MPI_Wtime() - t1;
    if (!*out && err->code == SG_EINVAL) {
        snprintf(why, whylen, "%s", err->msg);
        return 0;
    }
    return *out ? 1 : -1;
}

/* A rank other than 0: its part of command op (OP_ATTRIBUTES or
 * OP_ITEM_NAMES) with payload b. */
static void gb_serve(int64_t op, const unsigned char *b, size_t len)
{
    sg_mpi_gb_cmd gc;
    if (sg_mpi_gb_decode(b, len, &gc) != 0 || (gc.kind == SG_MPI_GB_FIRST) != (op == OP_ATTRIBUTES))
        abort_job("a malformed command");
    char why[300];
    sg_error err;
    sg_mpi_gb_stats gs = { 0 };
    gb_collective(&gc, NULL, &gs, why, sizeof why, &err);
}

int sg_mpi_group_by(const sg_mpi_gb_cmd *c, sg_table **out, sg_mpi_gb_stats *st, char *why, size_t whylen,
                    sg_error *err)
{
    *out = NULL;
    if (!leads(why, whylen))
        return 0;
    sg_mpi_buf b = { 0 };
    if (send_command(c->kind == SG_MPI_GB_FIRST ? OP_ATTRIBUTES : OP_ITEM_NAMES, &b, sg_mpi_gb_encode(c, &b), err))
        return -1;
    int r = gb_collective(c, out, st, why, whylen, err);
    sg_mpi_buf_free(&b);
    return r;
}

/* Ranks 1..n-1: their part of OP_CLEAN (b, len: the command). */
static void clean_serve(const unsigned char *b, size_t len)
{
    sg_mpi_clean_opts co;
    if (sg_mpi_clean_opts_decode(b, len, &co) != 0)
        abort_job("out of memory receiving a command");
    char why[300];
    sg_error err;
    clean_collective(&co, NULL, NULL, why, sizeof why, NULL, NULL, &err);
    sg_free(co.pre);
    sg_free(co.after);
}

int sg_mpi_serve(void)
{
    for (;;) {
        int64_t head[2] = { 0, 0 };
        command_header(head);
        size_t len = head[1] > 0 ? (size_t)head[1] : 0;
        unsigned char *b = sg_malloc(len ? len : 1);
        if (!b)
            abort_job("out of memory receiving a command");   /* cannot take part in it */
        bcast_bytes(b, len);
        if (head[0] == OP_END) {
            int32_t status = 1;
            if (len >= sizeof status)
                memcpy(&status, b, sizeof status);
            sg_free(b);
            held_reset();
            MPI_Finalize();
            started = 0;
            return status;
        }
        read_cmd c;
        memset(&c, 0, sizeof c);
        if (head[0] == OP_CLEAN) {
            clean_serve(b, len);
        } else if (head[0] == OP_RFM) {
            sg_rfm_options ro;
            sg_mpi_edges q;
            uint64_t gen;
            if (len < 24 || sg_mpi_edges_decode(b + 8, &q) != 0 || sg_mpi_rfm_opts_decode(b + 24, len - 24, &ro) != 0)
                abort_job("a malformed command");
            memcpy(&gen, b, 8);
            char why[300];
            sg_error err;
            rfm_collective(&ro, gen, &q, 0, 0, NULL, NULL, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_BTYD) {
            sg_mpi_btyd_cmd bc;
            if (sg_mpi_btyd_decode(b, len, &bc) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            btyd_collective(&bc, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_BTYD_SUMMARY) {
            sg_mpi_btyd_scmd sc;
            if (sg_mpi_btyd_scmd_decode(b, len, &sc) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            bsummary_collective(&sc, SG_STRING, NULL, NULL, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_CROSS_SELL) {
            sg_mpi_cooc_cmd cc;
            if (sg_mpi_cooc_decode(b, len, &cc) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            cooc_collective(&cc, NULL, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_FEATURES) {
            sg_mpi_features_cmd fc;
            if (sg_mpi_features_decode(b, len, &fc) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            features_collective(&fc, NULL, NULL, NULL, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_KMEANS) {
            sg_mpi_kmeans_serve(b, len);
        } else if (head[0] == OP_RECOMMEND) {
            sg_mpi_rec_cmd rc;
            if (sg_mpi_rec_decode(b, len, &rc) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            rec_collective(&rc, NULL, NULL, NULL, NULL, why, sizeof why, &err);
        } else if (head[0] == OP_ACTIVITY) {
            sg_mpi_activity_cmd ac;
            if (sg_mpi_activity_decode(b, len, &ac) != 0)
                abort_job("a malformed command");
            char why[300];
            sg_error err;
            activity_collective(&ac, NULL, NULL, why, sizeof why, &err);
            sg_mpi_activity_cmd_free(&ac);
        } else if (head[0] == OP_CAMPAIGN_RESULTS) {
            camp_serve(b, len);
        } else if (head[0] == OP_ATTRIBUTES || head[0] == OP_ITEM_NAMES) {
            gb_serve(head[0], b, len);
        } else if (head[0] == OP_GATHER_CLEAN || head[0] == OP_GATHER_READ) {
            gather_serve(head[0], b, len);
        } else if (head[0] == OP_CSV_READ || head[0] == OP_CSV_READ_LIST) {
            serve_read(head[0], b, len, &c);
        } else {
            abort_job("a command this segmint does not know (are all ranks the same build?)");
        }
        free_read(&c);
        sg_free(b);
    }
}

void sg_mpi_stop(int status)
{
    if (!started)
        return;
    if (world_rank == 0) {
        int32_t s = status;
        int64_t head[2] = { OP_END, (int64_t)sizeof s };
        command_header(head);
        bcast_bytes((unsigned char *)&s, sizeof s);
    }
    held_reset();
    last_read_reset();
    MPI_Finalize();
    started = 0;
}

#else /* built without MPI: one process */

int sg_mpi_built(void)
{
    return 0;
}

int sg_mpi_start(int *argc, char ***argv, sg_error *err)
{
    (void)argc;
    (void)argv;
    return sg_error_set(err, SG_EINVAL, "segmint was built without MPI"), -1;
}

int sg_mpi_rank(void)
{
    return 0;
}

int sg_mpi_size(void)
{
    return 1;
}

int sg_mpi_serve(void)
{
    return 1;
}

void sg_mpi_stop(int status)
{
    (void)status;
}

sg_table *sg_mpi_csv_read(const char *path, const sg_csv_options *opt, sg_csv_report *report,
                          sg_error *err)
{
    return sg_csv_read(path, opt, report, err);
}

sg_table *sg_mpi_csv_read_list(const char *const *paths, size_t nfiles, const sg_csv_options *opt,
                               sg_csv_report *report, sg_error *err)
{
    return sg_csv_read_list(paths, nfiles, opt, report, err);
}

int sg_mpi_clean_marks(const sg_table *t, const struct sg_mpi_clean_opts *o, struct sg_mpi_clean_result *res,
                       char *why, size_t whylen, void (*packed)(void *ud), void *ud, sg_error *err)
{
    (void)t;
    (void)o;
    (void)res;
    (void)packed;
    (void)ud;
    (void)err;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_rfm(const sg_rfm_options *o, uint64_t gen, struct sg_mpi_edges *q, sg_type cust_type, int date_only,
               sg_table **out, sg_rfm_info *info, uint64_t *ncust, uint64_t *gathered, double *secs, char *why,
               size_t whylen, sg_error *err)
{
    (void)o;
    (void)gen;
    (void)q;
    (void)cust_type;
    (void)date_only;
    (void)info;
    (void)ncust;
    (void)gathered;
    (void)secs;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_btyd_fit(const struct sg_mpi_btyd_cmd *c, struct sg_btyd_fit *fit, size_t *skipped,
                    sg_mpi_btyd_stats *st, char *why, size_t whylen, sg_error *err)
{
    (void)c;
    (void)fit;
    (void)skipped;
    (void)st;
    (void)err;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_gather_clean(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                        sg_error *err)
{
    (void)gen;
    (void)nrows;
    (void)err;
    *out = NULL;
    *bytes = 0;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_read_remote(uint64_t *gen, size_t *nrows)
{
    *gen = 0;
    *nrows = 0;
    return 0;
}

size_t sg_mpi_read_part_bytes(void)
{
    return 0;
}

int sg_mpi_read_range(uint64_t gen, size_t col, int64_t *min, int64_t *max, uint64_t *count, uint64_t *missing)
{
    (void)gen;
    (void)col;
    *min = *max = 0;
    *count = *missing = 0;
    return 0;
}

int sg_mpi_gather_read(uint64_t gen, size_t nrows, sg_table **out, uint64_t *bytes, char *why, size_t whylen,
                       sg_error *err)
{
    (void)gen;
    (void)nrows;
    (void)err;
    *out = NULL;
    *bytes = 0;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_btyd_summary(const struct sg_mpi_btyd_scmd *c, sg_type cust_type, const sg_table *base, sg_table **out,
                        uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen, sg_error *err)
{
    (void)c;
    (void)cust_type;
    (void)base;
    (void)ncust;
    (void)gathered;
    (void)secs;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_cross_sell(const sg_table *t, uint64_t gen, const struct sg_cooc_options *o, struct sg_cooc **out,
                      sg_mpi_cooc_stats *st, char *why, size_t whylen, sg_error *err)
{
    (void)t;
    (void)gen;
    (void)o;
    (void)st;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_features(const sg_mpi_features_cmd *c, const sg_table *tmpl, sg_table **out,
                    sg_features_info *info, uint64_t *ncust, uint64_t *gathered, double *secs, char *why,
                    size_t whylen, sg_error *err)
{
    (void)c;
    (void)tmpl;
    (void)info;
    (void)ncust;
    (void)gathered;
    (void)secs;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_recommend(const sg_cooc *c, const sg_table *t, uint64_t gen, const char *customer, size_t top_n,
                     sg_table **out, sg_mpi_rec_stats *st, char *why, size_t whylen, sg_error *err)
{
    (void)c;
    (void)t;
    (void)gen;
    (void)customer;
    (void)top_n;
    (void)st;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_activity(const sg_mpi_activity_cmd *c, sg_mpi_activity_res *res, sg_mpi_activity_stats *st, char *why,
                    size_t whylen, sg_error *err)
{
    (void)st;
    (void)err;
    memset(res, 0, c->nwin * sizeof *res);
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_campaign_outcomes(const sg_table *targets, const char *tcust, const char *tstart, const char *twindow,
                             double window_days, const sg_table *tx, uint64_t gen, const char *cust,
                             const char *date, const char *amount, sg_table **out, sg_mpi_camp_stats *st,
                             char *why, size_t whylen, sg_error *err)
{
    (void)targets;
    (void)tcust;
    (void)tstart;
    (void)twindow;
    (void)window_days;
    (void)tx;
    (void)gen;
    (void)cust;
    (void)date;
    (void)amount;
    (void)st;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

int sg_mpi_group_by(const sg_mpi_gb_cmd *c, sg_table **out, sg_mpi_gb_stats *st, char *why, size_t whylen,
                    sg_error *err)
{
    (void)c;
    (void)st;
    (void)err;
    *out = NULL;
    snprintf(why, whylen, "one rank");
    return 0;
}

#endif
