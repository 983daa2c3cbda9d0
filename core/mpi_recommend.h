/* Cross-sell recommendations (sg_cooc_recommend) per customer on the rank
 * that owns the customer, without MPI calls (core/mpi_recommend.c;
 * core/mpi_comm.c runs it across ranks as OP_RECOMMEND, the tests in one
 * process).  See docs/mpi.md.
 *
 * A customer's recommendations depend on the set of model items the
 * customer bought and on the rules alone: the candidates are the
 * consequents of rules from a bought item that were not bought, each
 * scored by its best rule (lift, confidence, antecedent order) and ranked
 * by lift, confidence and item order.  After the exchange by customer
 * (OP_CLEAN) the owner of a customer holds all its cleaned rows, so it
 * can compute them, given the rules.
 *
 * Rank 0 broadcasts the rules of its model: the items the rules name, in
 * item order (text bytewise or int64 by value), and per rule, in the
 * model's rule order, its antecedent and consequent (positions in that
 * list), lift and confidence.  Each owner builds a model of these rules
 * alone (the positions are the items' ranks: ties break as on rank 0) and
 * runs sg_cooc_recommend, the code one process runs, over its rows.  It
 * sends rank 0 per customer its id and the numbers of the rules that gave
 * its recommendations, in rank order (a rule gives the item, the reason
 * and the score); rank 0 sorts the customers as sg_cooc_recommend does
 * and builds the same table. */
#ifndef SG_MPI_RECOMMEND_H
#define SG_MPI_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "crosssell.h"
#include "mpi_part.h"
#include "table.h"

typedef struct sg_mpi_rec_cmd {
    uint64_t gen;                   /* the exchange whose cleaned rows are used */
    const char *customer, *item;    /* the customer column, the model's item column */
    uint64_t top_n;                 /* 1..255 */
    uint64_t type;                  /* the items' type: SG_STRING or SG_INT64 */
    uint64_t nitems, nrules;
    /* the items (u32 length and text, or 8 bytes of an int64) and the
     * rules (u32 antecedent, u32 consequent, lift, confidence: 24 bytes
     * each), pointing into the command's bytes */
    const unsigned char *items, *rules;
    size_t items_len;
} sg_mpi_rec_cmd;

/* Rank 0: the command for model c (fitted, its rules built) as bytes.  0,
 * or an error code with err set (SG_EINVAL: top_n out of 1..255;
 * SG_ENOMEM). */
int sg_mpi_rec_encode(const sg_cooc *c, uint64_t gen, const char *customer, size_t top_n, sg_mpi_buf *b,
                      sg_error *err);
/* The command back (pointers into b): 0, or -1 when malformed (truncated,
 * a rule from an item to itself or naming an item out of the list, a
 * top_n out of 1..255, another item type).  An item listed twice is
 * refused by sg_mpi_rec_owner (SG_EDATA). */
int sg_mpi_rec_decode(const unsigned char *b, size_t len, sg_mpi_rec_cmd *c);

/* On an owner: appends to out the recommendations of the customers of t
 * (its cleaned rows; NULL: it owns none): a header (the customer type,
 * the customers, the recommendations), then per customer with at least
 * one its id (u32 length and text, or 8 bytes), the number of its
 * recommendations (1 byte) and the rules that gave them (u32 each), in
 * the customers' order.  0, or an error code with err set (the messages
 * of sg_cooc_recommend; SG_ENOMEM). */
int sg_mpi_rec_owner(const sg_table *t, const sg_mpi_rec_cmd *c, sg_mpi_buf *out, sg_error *err);

/* Rank 0: the table sg_cooc_recommend(c, tx, customer, NULL, top_n) gives
 * over the whole table tx, from the n owners' records (parts[k], lens[k]);
 * cc is tx's customer column.  ncust[k] receives the customers of rank k
 * (may be NULL).  NULL with err set: SG_EDATA for malformed records, a
 * customer sent twice or by two ranks, an id the column does not hold;
 * SG_ENOMEM. */
sg_table *sg_mpi_rec_assemble(const unsigned char *const *parts, const size_t *lens, int n, const sg_cooc *c,
                              const sg_column *cc, size_t top_n, uint64_t *ncust, sg_error *err);

/* What the recommendations on the owners cost (rank 0): the customers
 * with recommendations of each rank (world size entries), the rows of the
 * table, the bytes broadcast (the command) and received, rank 0's time
 * recommending for its own customers, then gathering and assembling. */
typedef struct sg_mpi_rec_stats {
    uint64_t *customers;
    uint64_t rows, cmd_bytes, gathered;
    double secs[2];
} sg_mpi_rec_stats;

/* Rank 0 (core/mpi_comm.c, OP_RECOMMEND): sg_cooc_recommend(c, t,
 * customer, NULL, top_n) over t, the table the exchange number gen
 * cleaned, computed by the ranks that own the customers over the cleaned
 * rows they kept.  1 with *out (the table one process builds) and st; 0
 * when the ranks cannot (one rank, the owners do not hold that cleaning, a
 * column sg_cooc_recommend refuses: the caller's own path gives its
 * message), why says which; -1 with err set when a rank ran out of memory
 * (the message names it).  Built without MPI: 0, "one rank". */
int sg_mpi_recommend(const sg_cooc *c, const sg_table *t, uint64_t gen, const char *customer, size_t top_n,
                     sg_table **out, sg_mpi_rec_stats *st, char *why, size_t whylen, sg_error *err);

#endif
