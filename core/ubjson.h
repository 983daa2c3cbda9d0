/* A bounds check of UBJSON bytes before XGBoost parses them.  XGBoost's
 * own reader (XGBoosterLoadModelFromBuffer with UBJSON) trusts every
 * length and count it reads, so a corrupted model file makes it read past
 * its buffer.  sg_ubjson_check walks the bytes as that reader would and
 * refuses anything it could not read within them. */
#ifndef SG_UBJSON_H
#define SG_UBJSON_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Deepest nesting of arrays and objects accepted (XGBoost's models nest
 * about eight levels; its reader recurses once per level). */
#define SG_UBJSON_MAX_DEPTH 64

/* 0 when buf[0..len) is exactly one UBJSON value in the subset XGBoost
 * writes and reads: objects ({ then keys as 'L' int64 length + bytes, each
 * followed by a value, then }), arrays (items until ], or '#' 'L' count
 * then that many items, or '$' type in d U l L, '#' 'L' count then the
 * packed items), strings ('S' 'L' length + bytes), Z T F, integers i U I l
 * L, float32 d and char C, big-endian.  Otherwise SG_EDATA with a message
 * naming the byte offset ("what" prefixes it). */
int sg_ubjson_check(const uint8_t *buf, size_t len, const char *what, sg_error *err);

#endif
