/* sg_mem_setup_heap: with glibc, blocks of SG_MEM_MMAP_THRESHOLD or more
 * are mapped on their own even after a bigger mapped block was freed
 * (glibc's default would have raised its threshold over them and served
 * them from the heap), they keep their contents when grown, and freeing
 * them returns their pages.  Also the accounting of sg_malloc / sg_realloc
 * / sg_free around those blocks, and the huge-page advice sg_malloc and
 * sg_realloc give blocks of SG_MEM_HUGE_MIN or more (and only those). */
#include <stdint.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <stdio.h>

#include "mem.h"
#include "table.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(SG_SANITIZED)
/* 1 when one line of /proc/self/maps holds the whole of [p, p + n), 0 when
 * the range spans several mappings, -1 when the file cannot be read */
static int one_mapping(const void *p, size_t n)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    if (!f)
        return -1;
    uintptr_t a = (uintptr_t)p, e = a + n;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= a && e <= hi)
            found = 1;
    }
    fclose(f);
    return found;
}

/* 1 when the mapping holding p is advised for huge pages ("hg" among its
 * VmFlags in /proc/self/smaps), 0 when not, -1 when it cannot be told */
static int huge_advised(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0, found = -1;
    if (!f)
        return -1;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) {     /* a mapping's first line */
            in = lo <= a && a < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            found = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return found;
}
#endif

static int filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    const size_t big = (size_t)16 << 20, mid = (size_t)4 << 20;
    sg_mem_setup_heap();
    size_t used0 = sg_mem_used();

    unsigned char *p = sg_malloc(big);
    tap_ok(p != NULL, "16 MiB allocated");
    memset(p, 1, big);
    tap_is_int((long long)(sg_mem_used() - used0), (long long)big, "16 MiB accounted");
    sg_free(p);
    tap_is_int((long long)(sg_mem_used() - used0), 0, "and released");

#if defined(__GLIBC__) && !defined(SG_SANITIZED)
    struct mallinfo2 a = mallinfo2();
    unsigned char *q = sg_malloc(mid);
    struct mallinfo2 b = mallinfo2();
    tap_is_int((long long)(b.hblks - a.hblks), 1,
               "a 4 MiB block after a 16 MiB one was freed is mapped on its own");
    tap_ok(b.hblkhd - a.hblkhd >= mid, "its mapping holds the whole block");
    memset(q, 7, mid);
    unsigned char *r = sg_realloc(q, 2 * mid);
    tap_ok(r != NULL && filled(r, mid, 7), "grown to 8 MiB with its contents");
    tap_is_int((long long)(sg_mem_used() - used0), (long long)(2 * mid), "8 MiB accounted");
    struct mallinfo2 c = mallinfo2();
    tap_is_int((long long)(c.hblks - a.hblks), 1, "still one mapped block");
    sg_free(r);
    struct mallinfo2 d = mallinfo2();
    tap_is_int((long long)d.hblkhd, (long long)a.hblkhd, "freeing it returns its pages");
    unsigned char *s = sg_malloc(SG_MEM_MMAP_THRESHOLD / 2);
    struct mallinfo2 e = mallinfo2();
    tap_is_int((long long)(e.hblks - d.hblks), 0, "a block below the threshold comes from the heap");
    sg_free(s);

    /* sg_advise_huge must not cut a block's mapping in pieces: glibc's
     * realloc could then no longer move it with mremap and would copy it */
    unsigned char *h = sg_malloc(mid + 12345);
    tap_ok(h != NULL, "a block of 4 MiB and a bit");
    memset(h, 5, mid + 12345);
    tap_is_int(one_mapping(h, mid + 12345), 1, "one mapping holds it");
    sg_advise_huge(h, mid + 12345);
    tap_is_int(one_mapping(h, mid + 12345), 1, "still one mapping after the huge-page advice");
    unsigned char *h2 = sg_realloc(h, 4 * mid);
    tap_ok(h2 != NULL && filled(h2, mid + 12345, 5), "grown to 16 MiB with its contents");
    tap_is_int(one_mapping(h2, 4 * mid), 1, "the grown block is one mapping");
    sg_free(h2);

    /* sg_malloc advises blocks of SG_MEM_HUGE_MIN or more itself, and
     * sg_realloc a block grown to that size; smaller ones are left alone */
    if (huge_advised(&used0) >= 0) {
        unsigned char *m = sg_malloc(SG_MEM_HUGE_MIN);
        unsigned char *sm = sg_malloc(SG_MEM_HUGE_MIN / 2);
        tap_ok(m && sm, "blocks of 4 and 2 MiB");
        tap_is_int(huge_advised(m), 1, "the 4 MiB block is advised for huge pages");
        tap_is_int(huge_advised(sm), 0, "the 2 MiB block is not");
        memset(sm, 3, SG_MEM_HUGE_MIN / 2);
        unsigned char *sm2 = sg_realloc(sm, 2 * SG_MEM_HUGE_MIN);
        tap_ok(sm2 && filled(sm2, SG_MEM_HUGE_MIN / 2, 3), "the 2 MiB block grown to 8 MiB with its contents");
        tap_is_int(huge_advised(sm2), 1, "and advised");
        tap_is_int(one_mapping(sm2, 2 * SG_MEM_HUGE_MIN), 1, "in one mapping");
        sg_free(m);
        sg_free(sm2);
    } else {
        tap_skip(6, "no /proc/self/smaps VmFlags");
    }
#else
    unsigned char *q = sg_malloc(mid);
    tap_ok(q != NULL, "4 MiB allocated");
    memset(q, 7, mid);
    unsigned char *r = sg_realloc(q, 2 * mid);
    tap_ok(r != NULL && filled(r, mid, 7), "grown to 8 MiB with its contents");
    tap_is_int((long long)(sg_mem_used() - used0), (long long)(2 * mid), "8 MiB accounted");
    sg_free(r);
#endif
    tap_is_int((long long)(sg_mem_used() - used0), 0, "everything released");
    return tap_done();
}
