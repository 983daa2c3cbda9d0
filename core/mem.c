#define _DEFAULT_SOURCE 1     /* madvise's MADV_HUGEPAGE (Linux) */
#include "mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Each block carries its size in a header aligned for any type. */
typedef union sg_mem_header {
    size_t size;
    max_align_t align;
} sg_mem_header;

static atomic_size_t used_bytes;
static atomic_size_t peak_bytes;
static atomic_size_t limit_bytes;
static atomic_int limit_hit;

static void note_peak(size_t now)
{
    size_t peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now)) {
    }
}

int sg_mem_account(ptrdiff_t delta)
{
    if (delta <= 0) {
        atomic_fetch_sub(&used_bytes, (size_t)(-delta));
        return 1;
    }
    size_t add = (size_t)delta;
    size_t limit = atomic_load(&limit_bytes);
    size_t cur = atomic_load(&used_bytes);
    for (;;) {
        if (limit && (cur > limit || add > limit - cur)) {
            atomic_store(&limit_hit, 1);
            return 0;
        }
        if (atomic_compare_exchange_weak(&used_bytes, &cur, cur + add))
            break;
    }
    note_peak(cur + add);
    return 1;
}

/* Fresh memory costs a page fault per 4 KiB page on first touch; on a
 * 10M-row load that was a quarter of the time, most of it in the kernel.
 * The advice covers the buffer's whole pages, not only the 2 MiB pages
 * inside it: advising part of a mapping splits it in several, and glibc's
 * realloc of a big block (its own mapping) can then no longer move it with
 * mremap (EFAULT) but copies it into fresh memory and faults every page
 * again.  The kernel still backs only the whole 2 MiB pages inside the
 * mapping with huge pages. */
void sg_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (!p || bytes < SG_MEM_HUGE_MIN)
        return;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t pg = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t a = (uintptr_t)p & ~(pg - 1);
    uintptr_t e = ((uintptr_t)p + bytes + pg - 1) & ~(pg - 1);
    (void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void *sg_malloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(sg_mem_header))
        return NULL;
    if (!sg_mem_account((ptrdiff_t)n))
        return NULL;
    sg_mem_header *h = malloc(sizeof *h + n);
    if (!h) {
        sg_mem_account(-(ptrdiff_t)n);
        return NULL;
    }
    h->size = n;
    sg_advise_huge(h, sizeof *h + n);
    return h + 1;
}

void *sg_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = sg_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *sg_realloc(void *p, size_t n)
{
    if (!p)
        return sg_malloc(n);
    if (n > SIZE_MAX - sizeof(sg_mem_header))
        return NULL;
    sg_mem_header *h = (sg_mem_header *)p - 1;
    size_t old = h->size;
    if (n > old && !sg_mem_account((ptrdiff_t)(n - old)))
        return NULL;
    sg_mem_header *nh = realloc(h, sizeof *nh + n);
    if (!nh) {
        if (n > old)
            sg_mem_account(-(ptrdiff_t)(n - old));
        return NULL;
    }
    if (n < old)
        sg_mem_account(-(ptrdiff_t)(old - n));
    else
        sg_advise_huge(nh, sizeof *nh + n);    /* a moved or newly big block */
    nh->size = n;
    return nh + 1;
}

void sg_free(void *p)
{
    if (!p)
        return;
    sg_mem_header *h = (sg_mem_header *)p - 1;
    sg_mem_account(-(ptrdiff_t)h->size);
    free(h);
}

char *sg_strndup(const char *s, size_t n)
{
    char *d = sg_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sg_strdup(const char *s)
{
    return sg_strndup(s, strlen(s));
}

size_t sg_mem_used(void) { return atomic_load(&used_bytes); }
size_t sg_mem_peak(void) { return atomic_load(&peak_bytes); }
void sg_mem_set_limit(size_t bytes)
{
    atomic_store(&limit_bytes, bytes);
    atomic_store(&limit_hit, 0);
}
int sg_mem_limit_hit(void) { return atomic_load(&limit_hit); }
size_t sg_mem_limit(void) { return atomic_load(&limit_bytes); }

void sg_mem_setup_heap(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, (int)SG_MEM_MMAP_THRESHOLD);
#endif
}
