/* Exactly rounded sums of doubles: a fixed-point accumulator wide enough
 * for every finite double (2^-1074 to 2^1024), so a sum is exact whatever
 * the order of its terms and is rounded once, to nearest (ties to even),
 * when read.  Two accumulators holding disjoint parts of a sum add up
 * chunk by chunk (sg_xsum_merge), and so do their chunks summed as 64-bit
 * integers by another process (MPI_Allreduce with MPI_SUM on MPI_INT64_T):
 * integer addition is associative, so the rounded sum has the same bits
 * for any split of the terms and any order of combination.  Used by the
 * BTYD fits (core/btyd.c, core/btyd_gg.c; docs/mpi.md).
 *
 * A term that is NaN or infinite makes the sum NaN (the count of such
 * terms travels in the accumulator). */
#ifndef SG_XSUM_H
#define SG_XSUM_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit digits: chunk i weighs 2^(32 i - 1074); 66 chunks reach 2^1038,
 * past the largest double's 2^1024, and the top one takes the carries. */
#define SG_XSUM_CHUNKS 68
/* The int64 words of an accumulator: the chunks, then the count of
 * non-finite terms. */
#define SG_XSUM_WORDS (SG_XSUM_CHUNKS + 1)

typedef struct sg_xsum {
    int64_t c[SG_XSUM_WORDS];
    uint32_t adds;           /* terms since the carries were last propagated */
} sg_xsum;

void sg_xsum_init(sg_xsum *s);
/* Adds v exactly. */
void sg_xsum_add(sg_xsum *s, double v);
/* Adds w * v exactly (the product's rounding error too, by fma). */
void sg_xsum_add_product(sg_xsum *s, double w, double v);
/* Propagates the carries: every chunk but the top one in [0, 2^32).  After
 * it the words of n accumulators can be summed as int64 for n < 2^30. */
void sg_xsum_normalize(sg_xsum *s);
/* s += t, exactly (both normalized first). */
void sg_xsum_merge(sg_xsum *s, const sg_xsum *t);
/* The sum rounded to the nearest double (ties to even); NaN when a term was
 * not finite, +-Inf when the sum is beyond the largest double. */
double sg_xsum_round(const sg_xsum *s);

#endif
