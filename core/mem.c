#include "mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
