/* Co-purchase counts on the ranks that own the customers, without MPI
 * calls (core/mpi_cooc.c; core/mpi_comm.c runs them across ranks, the
 * tests in one process).  See docs/mpi.md.
 *
 * An invoice belongs to one customer, so after cleaning the owner of a
 * customer holds its invoices whole.  Each owner counts, over its own
 * invoices, what sg_cooc_fit counts over the whole table: the invoices,
 * and per item the invoices holding it (sg_mpi_cooc_owner_items).  Rank 0
 * adds them up by item text or value (sg_mpi_cooc_merge_items), which
 * decides the items kept (min_count, min_support) exactly as one process;
 * the owners count the pairs of kept items of their invoices
 * (sg_mpi_cooc_owner_pairs) and rank 0 adds those up and builds the rules
 * (sg_mpi_cooc_finish).  Every count is an integer: the sums are exact and
 * do not depend on the number of ranks or the order they are added in. */
#ifndef SG_MPI_COOC_H
#define SG_MPI_COOC_H

#include <stddef.h>
#include <stdint.h>

#include "crosssell.h"
#include "mpi_part.h"
#include "table.h"

typedef struct sg_mpi_cooc_cmd {
    uint64_t gen;          /* the exchange whose cleaned rows the owners hold */
    const char *invoice, *item;
    uint64_t max_items;    /* sg_cooc_options.max_items_per_invoice */
} sg_mpi_cooc_cmd;

/* The command as bytes, and back (the strings then point into b): 0, or
 * -1 (out of memory; malformed). */
int sg_mpi_cooc_encode(const sg_mpi_cooc_cmd *c, sg_mpi_buf *b);
int sg_mpi_cooc_decode(const unsigned char *b, size_t len, sg_mpi_cooc_cmd *c);

/* An owner's invoices between the two steps. */
typedef struct sg_mpi_cooc_owner {
    sg_cooc *c;            /* its items (keys in its own table), their counts, its invoices */
    size_t *off, *len;     /* invoice v's distinct items: items[off[v] .. off[v] + len[v]) */
    uint32_t *items;
    size_t ninv;
} sg_mpi_cooc_owner;
void sg_mpi_cooc_owner_free(sg_mpi_cooc_owner *w);

/* On an owner: gathers the invoices of its cleaned rows (NULL: it owns
 * none) into w and appends to out its counts: the invoices, then per item
 * its text (length and bytes) or int64 value and the invoices holding it.
 * 0, or an error code with err set (SG_EINVAL: a column missing or of a
 * type sg_cooc_fit refuses; SG_ENOMEM). */
int sg_mpi_cooc_owner_items(const sg_table *clean, const sg_mpi_cooc_cmd *c, sg_mpi_cooc_owner *w, sg_mpi_buf *out,
                            sg_error *err);

/* Rank 0: from the n owners' item counts (parts[k], lens[k]) a model
 * holding the items, their summed counts and the invoices, keyed as in
 * sg_cooc_fit over a table whose item column is itm (its type, and its
 * dictionary for text: every item must be in it); ninv[k] receives the
 * invoices of rank k (may be NULL).  Appends to kept the items kept
 * (min_count, min_support of o), as the owners' pair step reads them.
 * NULL with err set: SG_EDATA for malformed counts or an item not in itm,
 * SG_ENOMEM. */
sg_cooc *sg_mpi_cooc_merge_items(const unsigned char *const *parts, const size_t *lens, int n, const sg_column *itm,
                                 const sg_cooc_options *o, uint64_t *ninv, sg_mpi_buf *kept, sg_error *err);

/* On an owner, after sg_mpi_cooc_owner_items: the pairs of kept items
 * (kept: rank 0's list) in each of its invoices of at most max_items
 * distinct items, appended to out: the number of pairs, then per pair the
 * two positions in the kept list (a < b) as a << 32 | b and its count, 12
 * bytes.  0, or an error code with err set (SG_EDATA: a malformed list;
 * SG_ENOMEM). */
int sg_mpi_cooc_owner_pairs(const sg_mpi_cooc_owner *w, const unsigned char *kept, size_t klen, uint64_t max_items,
                            sg_mpi_buf *out, sg_error *err);

/* The pairs of kept items as an aligned array: pair (a, b), a < b < nkept,
 * at a * (2 nkept - a - 1) / 2 + b - a - 1, of sg_mpi_cooc_dense_len(nkept)
 * entries, which the ranks may add element by element (MPI_Reduce) when
 * it is smaller than their lists of pairs.  _add adds an owner's record
 * (of sg_mpi_cooc_owner_pairs) into dense: 0, or -1 when malformed;
 * _record appends the record of the nonzero entries (one part for
 * sg_mpi_cooc_finish). */
uint64_t sg_mpi_cooc_dense_len(uint64_t nkept);
int sg_mpi_cooc_dense_add(const unsigned char *rec, size_t len, uint64_t nkept, uint32_t *dense);
void sg_mpi_cooc_dense_record(const uint32_t *dense, uint64_t nkept, sg_mpi_buf *out);

/* Rank 0: adds the n owners' pair counts into c (from
 * sg_mpi_cooc_merge_items with the same o) and builds its rules: then c is
 * the model sg_cooc_fit gives over the whole table.  npairs[k] receives
 * the pairs rank k sent (may be NULL).  0, or an error code with err set
 * (SG_EDATA: malformed counts; SG_ENOMEM). */
int sg_mpi_cooc_finish(sg_cooc *c, const unsigned char *const *parts, const size_t *lens, int n,
                       const sg_cooc_options *o, uint64_t *npairs, sg_error *err);

/* The check that no invoice was split between owners (an invoice belongs
 * to one customer, so after the exchange one rank holds all its rows),
 * without rank 0's table.  _invoice_keys: an owner's distinct invoices
 * (rows whose invoice and item are present, as sg_cooc_fit counts them)
 * as 64-bit hashes of their values (sg_mpi_id_hash), appended to out[h %
 * n], the buffer for the rank that checks them (n buffers; clean NULL:
 * none).  0, or an error code with err set.  _split_invoices: from the
 * hashes rank k received (parts[k], lens[k], n ranks), *split the hashes
 * that came from more than one rank.  A hash shared by two different
 * invoices of two ranks counts too: the check then declines a split that
 * is not there (the caller's fallback is correct, only slower); a split
 * invoice is always counted.  0, or an error code with err set (SG_EDATA:
 * a length not a multiple of 8; SG_ENOMEM). */
int sg_mpi_cooc_invoice_keys(const sg_table *clean, const char *invoice, const char *item, int n, sg_mpi_buf *out,
                             sg_error *err);
int sg_mpi_cooc_split_invoices(const unsigned char *const *parts, const size_t *lens, int n, uint64_t *split,
                               sg_error *err);

#endif
