/* Accounted allocation for the core: every byte the engine allocates goes
 * through these wrappers so the host can enforce one memory cap over the
 * Lua heap and the datasets together, and report peak use. */
#ifndef SG_MEM_H
#define SG_MEM_H

#include <stddef.h>

/* Blocks of SG_MEM_HUGE_MIN bytes or more (each mapped on its own, see
 * sg_mem_setup_heap) are advised for transparent huge pages when
 * allocated or grown (sg_advise_huge). */
void *sg_malloc(size_t n);
void *sg_calloc(size_t count, size_t size);
void *sg_realloc(void *p, size_t n);
void sg_free(void *p);
char *sg_strdup(const char *s);
char *sg_strndup(const char *s, size_t n);

/* Bytes currently allocated through sg_* (and through sg_mem_account). */
size_t sg_mem_used(void);
size_t sg_mem_peak(void);
/* 0 means no limit.  Allocations that would pass the limit return NULL. */
void sg_mem_set_limit(size_t bytes);
size_t sg_mem_limit(void);
/* Whether an allocation was refused because of the limit since it was
 * last set (so an "out of memory" failure can be reported as the cap). */
int sg_mem_limit_hit(void);
/* For allocators outside the core (the Lua heap in the host): try to
 * account `delta` bytes (negative to release).  Returns 0 when the limit
 * would be passed, in which case nothing is accounted. */
int sg_mem_account(ptrdiff_t delta);
/* For the program's main(), before anything is allocated: with glibc,
 * fixes malloc's mmap threshold (SG_MEM_MMAP_THRESHOLD) so that every
 * block of that size or more is mapped on its own and returned to the
 * system when freed.  glibc's default threshold rises to the size of the
 * biggest mapped block freed (up to 32 MiB), after which blocks below it
 * come from the heap, whose freed ranges stay resident: a load + clean +
 * RFM of 10M rows peaked 40 MB higher in RSS that way.  Growing a mapped
 * block (realloc) also remaps its pages instead of copying them.  A no-op
 * elsewhere. */
#define SG_MEM_MMAP_THRESHOLD ((size_t)1 << 20)
void sg_mem_setup_heap(void);
/* Asks for transparent huge pages (madvise MADV_HUGEPAGE, where THP is in
 * its common "madvise" mode) on the whole pages of a buffer of
 * SG_MEM_HUGE_MIN bytes or more: one fault per 2 MiB page touched instead
 * of one per 4 KiB.  A no-op for smaller buffers and off Linux. */
#define SG_MEM_HUGE_MIN ((size_t)4 << 20)
void sg_advise_huge(void *p, size_t bytes);

#endif
