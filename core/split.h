/* Seeded train/test splits and k-fold assignment, optionally stratified.
 *
 * Reproducibility: the only randomness is GSL's gsl_rng_mt19937, seeded
 * with a 32-bit value folded from the 64-bit seed (low word XOR high word;
 * MT19937's seeding takes 32 bits, and the fold keeps every bit of the seed
 * in play), and consumed only through gsl_rng_uniform_int in our own
 * Fisher-Yates shuffle of uint32_t row indices (the same loop as
 * gsl_ran_shuffle: for i = m-1 down to 1, swap i with uniform_int(i+1)).
 * Classes are processed in increasing class value, each with its rows in
 * increasing row order before shuffling, so a seed gives the same split on
 * every machine.  Rows are limited to 2^32 - 1.
 *
 * strata, when not NULL, holds one class value per row (any double but
 * NaN; -0.0 and 0.0 are the same class). */
#ifndef SG_SPLIT_H
#define SG_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Marks is_test[i] = 1 for test rows, 0 for training rows.
 * Unstratified (strata NULL): round(test_share * n) test rows.
 * Stratified: in each class of m rows, round(test_share * m) test rows,
 * clamped to [1, m - 1] when m >= 2; a class with a single row always goes
 * to training (it cannot be on both sides).  Rounding is half away from
 * zero.  Errors: n == 0, NULL is_test, test_share not in (0, 1), NaN in
 * strata, and either side ending up empty (SG_EINVAL). */
int sg_split_train_test(const double *strata, size_t n, double test_share, uint64_t seed,
                        uint8_t *is_test, sg_error *err);

/* Assigns fold[i] in 0..k-1.  The rows (of each class in turn, when
 * stratified) are shuffled and dealt round-robin into the folds, the
 * dealing position carrying over from one class to the next, so fold sizes
 * differ by at most 1 overall and each class's count per fold differs by at
 * most 1.  Errors: k < 2, k > n, NULL fold, NaN in strata, and (stratified)
 * a class with fewer rows than k, since some fold would then lack that
 * class; the message names the class value and its count. */
int sg_split_kfold(const double *strata, size_t n, int k, uint64_t seed, int *fold,
                   sg_error *err);

#endif
