/* The model features of segmint.features (sg_features_build) per customer
 * on the rank that owns the customer, without MPI calls
 * (core/mpi_features.c; core/mpi_comm.c runs it across ranks as
 * OP_FEATURES, the tests in one process).  See docs/mpi.md.
 *
 * After the exchange by customer (OP_CLEAN) every rank keeps its
 * customers' cleaned rows in global row order.  An owner runs
 * sg_features_build over them, the same code one process runs over the
 * whole table: every feature of a customer depends on that customer's
 * rows alone (sums in row order, distinct counts, times), so its row has
 * the bits one process computes.  It sends rank 0 one record per customer
 * (the id, each feature column's 8 bytes and a mask of the missing ones);
 * rank 0 sorts the customers as sg_features_build sorts them and builds
 * the same table, with the same info (row counts summed, the latest date
 * the latest of the owners').
 *
 * The category column of distinct_categories may come from a products
 * table rank 0 joins to the transactions (segmint.predict joins `_category`
 * on the item): the command then carries that table's rows, (item,
 * category), packed as the exchange packs rows, and each owner joins them
 * to its rows with the same left join. */
#ifndef SG_MPI_FEATURES_H
#define SG_MPI_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "custfeatures.h"
#include "mpi_part.h"
#include "table.h"

#define SG_MPI_FEATURES_MAXCOLS 63   /* feature columns a record's mask covers */

typedef struct sg_mpi_features_cmd {
    uint64_t gen;                    /* the exchange whose cleaned rows are used */
    sg_features_options o;           /* o.category: a column of the products table when given */
    /* the products table's rows (sg_mpi_features_pack_products), joined to
     * the rows on o.item before the features; len 0: none */
    const unsigned char *products;
    size_t products_len;
} sg_mpi_features_cmd;

/* The command as bytes, and back (strings and products then point into
 * b).  0, or SG_ENOMEM / -1 (malformed). */
int sg_mpi_features_encode(const sg_mpi_features_cmd *c, sg_mpi_buf *b);
int sg_mpi_features_decode(const unsigned char *b, size_t len, sg_mpi_features_cmd *c);

/* The rows of the products table p (its item and category columns, as
 * segmint.predict selects them) appended to out.  0, or an error code
 * with err set. */
int sg_mpi_features_pack_products(const sg_table *p, sg_mpi_buf *out, sg_error *err);

/* The table the features are computed over: t's columns the options name
 * (shared), and with products (a table, or NULL) its category column
 * joined on the item (a left join, as segmint.predict joins).  NULL with
 * err set (a column missing, the join's errors, SG_ENOMEM). */
sg_table *sg_mpi_features_input(const sg_table *t, const sg_features_options *o, const sg_table *products,
                                sg_error *err);

/* Rank 0: the empty feature table (the columns' names and types) of
 * sg_features_build over tx joined with products as above; NULL with err
 * set when sg_features_build refuses the options or columns (its
 * message). */
sg_table *sg_mpi_features_template(const sg_table *tx, const sg_features_options *o, const sg_table *products,
                                   sg_error *err);

/* On an owner: appends to out the records of the customers of t (its
 * cleaned rows in global row order; NULL or empty: none).  0, or an
 * error code with err set (the messages of sg_features_build). */
int sg_mpi_features_owner(const sg_table *t, const sg_mpi_features_cmd *c, sg_mpi_buf *out, sg_error *err);

/* Rank 0: the table sg_features_build gives over the whole table, from
 * the n owners' records (parts[k], lens[k]); tmpl the empty table
 * sg_mpi_features_template gives.  info as sg_features_build fills it;
 * ncust[k] the customers of rank k (may be NULL).  NULL with err set:
 * SG_EDATA for malformed records or a customer sent by two ranks,
 * SG_ENOMEM. */
sg_table *sg_mpi_features_assemble(const unsigned char *const *parts, const size_t *lens, int n,
                                   const sg_table *tmpl, const sg_features_options *o, sg_features_info *info,
                                   uint64_t *ncust, sg_error *err);

/* Rank 0 (core/mpi_comm.c, OP_FEATURES): sg_features_build with c->o of
 * the table the exchange number c->gen cleaned (joined with the products
 * c carries), computed by the ranks that own the customers over the
 * cleaned rows they kept; tmpl the empty table sg_mpi_features_template
 * gives.  1 with *out and info (what sg_features_build gives), ncust[k]
 * the customers of rank k (world size entries), *gathered the bytes the
 * other ranks sent, secs[0..1] rank 0's time computing its own customers'
 * features, then gathering and assembling; 0 when the ranks cannot (one
 * rank, the owners do not hold that cleaning, an error of an owner's
 * features the caller's own path reports), why says which; -1 with err set
 * when a rank ran out of memory (the message names it).  Built without
 * MPI: 0, "one rank". */
int sg_mpi_features(const sg_mpi_features_cmd *c, const sg_table *tmpl, sg_table **out, sg_features_info *info,
                    uint64_t *ncust, uint64_t *gathered, double *secs, char *why, size_t whylen, sg_error *err);

#endif
