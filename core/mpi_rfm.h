/* RFM per customer on the rank that owns the customer, without MPI calls
 * (core/mpi_rfm.c; core/mpi_comm.c runs it across ranks, the tests in one
 * process).  See docs/mpi.md.
 *
 * After the exchange by customer (OP_CLEAN) every rank keeps its
 * customers' cleaned rows in global row order.  An owner runs
 * sg_rfm_aggregate over them and sends rank 0 one record per customer:
 * the customer, first and last purchase, distinct invoices (or days),
 * distinct btyd periods and the amount summed in row order, which are the
 * accumulators one process computes for that customer over the whole
 * table (the owner holds every row of the customer, in the same order, so
 * the double sum has the same bits).  Rank 0 takes as_of from them (the
 * day after the latest purchase of all customers, unless given), sorts the
 * customers as sg_rfm_aggregate sorts them and builds the same table. */
#ifndef SG_MPI_RFM_H
#define SG_MPI_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "mpi_part.h"
#include "rfm.h"
#include "rfm_internal.h"
#include "table.h"

/* The RFM options as bytes, and back (the strings then point into b). */
int sg_mpi_rfm_opts_encode(const sg_rfm_options *o, sg_mpi_buf *b);
/* 0, or -1 (malformed). */
int sg_mpi_rfm_opts_decode(const unsigned char *b, size_t len, sg_rfm_options *o);

/* On an owner: appends to out the records of the customers of t (its
 * cleaned rows, in global row order).  0, or an error code with err set
 * (the messages of sg_rfm_aggregate). */
int sg_mpi_rfm_owner(const sg_table *t, const sg_rfm_options *o, sg_mpi_buf *out, sg_error *err);

/* An owner's records b[0..len) (sg_mpi_rfm_owner's): their customers'
 * count, and when the arrays are given each customer's last purchase,
 * frequency and monetary, in record order.  SIZE_MAX when malformed. */
size_t sg_mpi_rfm_fields(const unsigned char *b, size_t len, int64_t *last, int64_t *freq, double *monetary);

/* The order-preserving key numeric customers sort by (sg_rfm_aggregate,
 * sg_btyd_summary): type SG_INT64 or SG_DOUBLE (-0.0 as 0.0), bits the
 * value's 8 bytes. */
uint64_t sg_mpi_num_key(sg_type type, uint64_t bits);

/* An owner's record of customer row i of cust: the id as sg_mpi_read_id
 * reads it (the 8 bytes of a number, or the text's length then the text). */
void sg_mpi_put_id(sg_mpi_buf *out, const sg_column *cust, size_t i);

/* Rank 0, decoding an owner's record at p (already checked): its customer
 * id (8 bytes: the value's bits when numeric, else the text's length, the
 * text following) into the sort key of customer `at` (*bits: the value,
 * numeric only).  The byte after the id. */
const unsigned char *sg_mpi_read_id(const unsigned char *p, int numeric, sg_type cust_type, uint32_t at,
                                    sg_rfm_text_key *key, uint64_t *bits);

/* Rank 0: the table sg_rfm_aggregate gives over the whole cleaned table,
 * from the n owners' records (parts[k], lens[k]); cust_type the type of
 * the customer column, date_only the date column's flag.  ncust[k]
 * receives the customers of rank k (may be NULL).  NULL with err set:
 * SG_EDATA for malformed records or a customer sent by two ranks,
 * SG_ENOMEM. */
sg_table *sg_mpi_rfm_assemble(const unsigned char *const *parts, const size_t *lens, int n, const sg_rfm_options *o,
                              sg_type cust_type, int date_only, sg_rfm_info *info, uint64_t *ncust, sg_error *err);

#endif
