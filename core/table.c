#include "table.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "datetime.h"
#include "mem.h"
#include "numfmt.h"

/* ---- types ---- */

const char *sg_type_name(sg_type t)
{
    switch (t) {
    case SG_INT64: return "int64";
    case SG_DOUBLE: return "double";
    case SG_STRING: return "string";
    case SG_DATETIME: return "datetime";
    case SG_BOOL: return "bool";
    }
    return "?";
}

int sg_type_parse(const char *name, sg_type *out)
{
    static const struct { const char *name; sg_type type; } names[] = {
        { "int64", SG_INT64 }, { "int", SG_INT64 }, { "integer", SG_INT64 },
        { "double", SG_DOUBLE }, { "float", SG_DOUBLE }, { "number", SG_DOUBLE },
        { "string", SG_STRING }, { "str", SG_STRING },
        { "datetime", SG_DATETIME }, { "date", SG_DATETIME },
        { "bool", SG_BOOL }, { "boolean", SG_BOOL },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].type;
            return 0;
        }
    return -1;
}

int sg_type_is_numeric(sg_type t)
{
    return t != SG_STRING;
}

static size_t type_width(sg_type t)
{
    switch (t) {
    case SG_INT64: case SG_DATETIME: return sizeof(int64_t);
    case SG_DOUBLE: return sizeof(double);
    case SG_STRING: return sizeof(int32_t);
    case SG_BOOL: return 1;
    }
    return 8;
}

/* ---- dictionary ----
 *
 * Open addressing (linear probing, load <= 3/4) over slots holding the
 * 32-bit hash and a 32-bit reference to the entry's record, so a probe
 * compares hashes inside the slot array and a hit costs two cache misses
 * (slot, record).  Records live in chunks as [int32 code][uint32 length]
 * [bytes][NUL], 8-byte aligned; a reference is (chunk << 20 | offset / 8)
 * with chunks of at most 8 MiB (a longer string gets a chunk of its own
 * at offset 0), so up to 4096 chunks.  Chunks double in size from 4 KiB;
 * from 4 MiB on they get huge pages (sg_malloc), so the records of a big
 * dictionary take one page fault per 2 MiB.  refs[code] gives the record
 * of a code.  Records never move within their chunk and the chunks a string
 * pointer points into are only reallocated by sg_dict_trim and
 * sg_dict_absorb (the CSV reader caches string pointers while it reads).
 * The slot table has any size (index = hash * nslots >> 32), so that a
 * table whose final size is known is not rounded up to a power of two;
 * slots are rehashed from their own stored hashes when it grows.
 *
 * Numbered ids: the first string interned decides whether the dictionary
 * keeps a direct index.  When it is a prefix of at most 8 non-digits and
 * then W = 1 to 9 digits ("536365", "C128882", "C000012"), every string
 * made of that same prefix and then either exactly W digits (leading
 * zeros allowed: zero-padded ids) or more than W without a leading zero
 * (ids that outgrew the width) is a "key", and no two keys have the same
 * number ("C000012" is a key of width 6, "C12" is not).  A key is found by
 * its number in `direct` (code by key, -1 empty) instead of the slots:
 * ids that are numbered in order of appearance are then interned with
 * near-sequential memory accesses, and random ones within an array of 4
 * bytes per number instead of a slot table and records far bigger than
 * the caches.  Other strings (another prefix, fewer digits than W, a
 * leading zero on more than W, a suffix) use the slots as before.  The
 * index covers the keys from the lowest seen; a key that would make it
 * span more than max(2^20, 8 x strings) is indexed in the slots instead,
 * and once there is such a key, a key absent from the index is looked for
 * in the slots too (the index may have grown over it since).  A key needs
 * no hash unless the slots are looked at.  The strings and codes are the
 * same either way. */

#define DICT_CHUNK_BITS 20                 /* offsets in 8-byte units: 8 MiB chunks */
#define DICT_CHUNK_MAX ((size_t)8 << DICT_CHUNK_BITS)
#define DICT_MAX_CHUNKS ((size_t)1 << (32 - DICT_CHUNK_BITS))

typedef struct dict_slot {
    uint32_t hash;
    uint32_t ref;           /* UINT32_MAX: empty */
} dict_slot;

#define SLOT_EMPTY UINT32_MAX

struct sg_dict {
    atomic_int refs;    /* atomic: threaded gathers share dictionaries */
    size_t n, cap;          /* strings, room in recs */
    uint32_t *recs;         /* per code: reference of its record */
    dict_slot *slots;
    size_t nslots;
    char **chunks;          /* record storage (NULL: dropped by sg_dict_absorb) */
    size_t *sizes;          /* bytes of each chunk */
    size_t nchunks, chunk_cap;
    size_t chunk_used, chunk_size;   /* of the last chunk */
    size_t bytes;
    size_t nslotted;        /* strings indexed in the slots (the others are in direct) */
    int32_t *direct;        /* code by key - base, -1 empty (direct_state 1) */
    size_t base, ndirect;   /* keys [base, base + ndirect) have room */
    size_t nkeyslots;       /* keys indexed in the slots (too far out when first seen) */
    int direct_state;       /* 0 no string yet, 1 on, -1 off */
    size_t prefix_len;
    size_t width;           /* digits of the first string (keys have >= width) */
    char prefix[8];
};

#define HASH_M1 0x9e3779b97f4a7c15ull
#define HASH_M2 0xd6e8feb86659fd93ull

static uint64_t load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Word-at-a-time: strings of up to 8 bytes are one word built from two
 * overlapping loads (no byte loop, no read past the end); longer ones are
 * mixed 8 bytes at a time, the last word overlapping the one before.  The
 * length is mixed in, so overlaps cannot make two strings collide. */
uint32_t sg_hash_bytes(const char *s, size_t len)
{
    uint64_t h = (uint64_t)len * HASH_M1;
    if (len <= 8) {
        uint64_t x = 0;
        if (len >= 4)
            x = load32(s) << 32 | load32(s + len - 4);
        else if (len > 0)
            x = (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[len >> 1] << 8 |
                (unsigned char)s[len - 1];
        h = (h ^ x) * HASH_M2;
    } else {
        size_t i = 0;
        for (; i + 8 < len; i += 8) {
            h = (h ^ load64(s + i)) * HASH_M2;
            h ^= h >> 29;
        }
        h = (h ^ load64(s + len - 8)) * HASH_M2;
    }
    h ^= h >> 32;
    h *= HASH_M1;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* The record of a reference: code at +0, length at +4, bytes at +8. */
static const char *dict_rec(const sg_dict *d, uint32_t ref)
{
    return d->chunks[ref >> DICT_CHUNK_BITS] + (size_t)(ref & ((1u << DICT_CHUNK_BITS) - 1)) * 8;
}

static size_t slot_of(uint32_t hash, size_t nslots)
{
    return (size_t)(((uint64_t)hash * nslots) >> 32);
}

static uint32_t rec_u32(const char *rec, size_t at)
{
    uint32_t v;
    memcpy(&v, rec + at, 4);
    return v;
}

sg_dict *sg_dict_new(size_t cap_hint)
{
    sg_dict *d = sg_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    atomic_init(&d->refs, 1);
    d->nslots = 64;
    while (d->nslots / 4 * 3 < cap_hint)
        d->nslots <<= 1;
    d->slots = sg_malloc(d->nslots * sizeof *d->slots);
    if (!d->slots) {
        sg_free(d);
        return NULL;
    }
    memset(d->slots, 0xff, d->nslots * sizeof *d->slots);
    return d;
}

sg_dict *sg_dict_retain(sg_dict *d)
{
    if (d)
        atomic_fetch_add(&d->refs, 1);
    return d;
}

void sg_dict_release(sg_dict *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) > 1)
        return;
    for (size_t i = 0; i < d->nchunks; i++)
        sg_free(d->chunks[i]);
    sg_free(d->chunks);
    sg_free(d->sizes);
    sg_free(d->recs);
    sg_free(d->slots);
    sg_free(d->direct);
    sg_free(d);
}

/* Room for n chunk pointers. */
static int dict_chunk_room(sg_dict *d, size_t n)
{
    if (n <= d->chunk_cap)
        return 0;
    size_t nc = d->chunk_cap ? d->chunk_cap * 2 : 8;
    if (nc < n)
        nc = n;
    char **chunks = sg_realloc(d->chunks, nc * sizeof *chunks);
    if (!chunks)
        return -1;
    d->chunks = chunks;
    size_t *sizes = sg_realloc(d->sizes, nc * sizeof *sizes);
    if (!sizes)
        return -1;
    d->sizes = sizes;
    d->chunk_cap = nc;
    return 0;
}

static int dict_rehash(sg_dict *d, size_t ns)
{
    enum { AHEAD = 16 };
    dict_slot *slots = sg_malloc(ns * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0xff, ns * sizeof *slots);
    /* the old slots are read in order, the new ones written at random:
     * their lines are prefetched AHEAD old slots in advance */
    for (size_t i = 0; i < d->nslots; i++) {
        if (i + AHEAD < d->nslots && d->slots[i + AHEAD].ref != SLOT_EMPTY)
            __builtin_prefetch(&slots[slot_of(d->slots[i + AHEAD].hash, ns)], 1);
        dict_slot sl = d->slots[i];
        if (sl.ref == SLOT_EMPTY)
            continue;
        size_t j = slot_of(sl.hash, ns);
        while (slots[j].ref != SLOT_EMPTY)
            j = j + 1 == ns ? 0 : j + 1;
        slots[j] = sl;
    }
    sg_free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

/* Room for ns entries in the slots (load <= 3/4) and n in the code
 * array, both exactly sized. */
static int dict_reserve(sg_dict *d, size_t ns, size_t n)
{
    if (ns > d->nslots / 4 * 3 && dict_rehash(d, ns / 3 * 4 + 4) != 0)
        return -1;
    if (n > d->cap) {
        uint32_t *recs = sg_realloc(d->recs, n * sizeof *recs);
        if (!recs)
            return -1;
        d->recs = recs;
        d->cap = n;
    }
    return 0;
}

/* Stores the record of a new code; returns its reference or SLOT_EMPTY. */
static uint32_t dict_store(sg_dict *d, int32_t code, const char *s, size_t len)
{
    size_t need = (8 + len + 1 + 7) & ~(size_t)7;
    if (!d->nchunks || !d->chunks[d->nchunks - 1] || d->chunk_used + need > d->chunk_size) {
        size_t size = d->chunk_size ? d->chunk_size * 2 : 4096;
        if (size > DICT_CHUNK_MAX)
            size = DICT_CHUNK_MAX;
        if (size < need)
            size = need;            /* a long string: a chunk of its own, at offset 0 */
        if (d->nchunks == DICT_MAX_CHUNKS || dict_chunk_room(d, d->nchunks + 1) != 0)
            return SLOT_EMPTY;
        char *chunk = sg_malloc(size);
        if (!chunk)
            return SLOT_EMPTY;
        d->sizes[d->nchunks] = size;
        d->chunks[d->nchunks++] = chunk;
        d->chunk_size = size;
        d->chunk_used = 0;
        d->bytes += size;
    }
    char *p = d->chunks[d->nchunks - 1] + d->chunk_used;
    uint32_t l32 = (uint32_t)len;
    memcpy(p, &code, 4);
    memcpy(p + 4, &l32, 4);
    memcpy(p + 8, s, len);
    memset(p + 8 + len, 0, need - 8 - len);
    uint32_t ref = (uint32_t)((d->nchunks - 1) << DICT_CHUNK_BITS | d->chunk_used / 8);
    d->chunk_used += need;
    return ref;
}

/* memcmp(a, b, len) == 0, inline for the usual short strings. */
static int same_text(const char *a, const char *b, size_t len)
{
    if (len > 32)
        return memcmp(a, b, len) == 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        if (load64(a + i) != load64(b + i))
            return 0;
    for (; i < len; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The number of s after its first `pre` bytes when they are followed by
 * exactly `width` digits (leading zeros allowed) or by more than `width`
 * and at most 9 digits without a leading zero, and nothing after them.
 * Each number has one such string, so the number identifies it. */
static int digits_key(const char *s, size_t len, size_t pre, size_t width, uint32_t *key)
{
    size_t nd = len - pre;
    if (len <= pre || nd > 9 || nd < width || (nd > width && s[pre] == '0'))
        return 0;
    uint32_t k = 0;
    for (size_t i = pre; i < len; i++) {
        unsigned dg = (unsigned char)s[i] - (unsigned)'0';
        if (dg > 9)
            return 0;
        k = k * 10 + dg;
    }
    *key = k;
    return 1;
}

/* Whether s is a key of d's direct index (and which). */
static int dict_key(const sg_dict *d, const char *s, size_t len, uint32_t *key)
{
    if (d->direct_state != 1 || len < d->prefix_len + d->width || len > d->prefix_len + 9)
        return 0;
    if (!same_text(s, d->prefix, d->prefix_len))
        return 0;
    return digits_key(s, len, d->prefix_len, d->width, key);
}

/* The first string decides whether d keeps a direct index, its prefix
 * and its width. */
static void dict_decide(sg_dict *d, const char *s, size_t len)
{
    size_t pre = 0;
    uint32_t key;
    while (pre < len && pre <= 8 && !((unsigned char)s[pre] - (unsigned)'0' <= 9))
        pre++;
    d->direct_state = -1;
    if (pre <= 8 && len > pre && digits_key(s, len, pre, len - pre, &key)) {
        memcpy(d->prefix, s, pre);
        d->prefix_len = pre;
        d->width = len - pre;
        d->direct_state = 1;
    }
}

/* Room in the direct index for key: 0, 1 when the key is too far out
 * (it goes to the slots), -1 when out of memory.  Grows at the top by
 * doubling, at the bottom by at least a quarter of the span. */
static int direct_room(sg_dict *d, uint32_t key)
{
    size_t limit = (size_t)1 << 20;
    if (limit < 8 * (d->n + 1))
        limit = 8 * (d->n + 1);
    if (!d->ndirect) {
        d->base = key > 1024 ? key - 1024 : 0;    /* room for a few lower keys */
        d->base -= d->base % 1024;
    }
    if (key >= d->base && key - d->base < d->ndirect)
        return 0;
    size_t lo = d->base, hi = d->base + d->ndirect;   /* [lo, hi) wanted */
    int up = key >= hi;
    if ((up ? (size_t)key + 1 - lo : hi - key) > limit)
        return 1;                   /* even the least growth spans too much */
    if (up) {
        hi = d->ndirect ? lo + d->ndirect * 2 : (size_t)key + 4096;
        if (hi <= key)
            hi = (size_t)key + 1;
        if (hi - lo > limit)
            hi = lo + limit;
    } else {
        size_t grow = d->ndirect / 4 > 4096 ? d->ndirect / 4 : 4096;
        lo = key > grow ? key - grow : 0;
        if (hi - lo > limit)
            lo = hi - limit;
    }
    size_t nn = hi - lo, shift = d->base - lo;
    int32_t *dir = sg_realloc(d->direct, nn * sizeof *dir);
    if (!dir)
        return -1;
    if (shift) {
        memmove(dir + shift, dir, d->ndirect * sizeof *dir);
        memset(dir, 0xff, shift * sizeof *dir);
    }
    memset(dir + shift + d->ndirect, 0xff, (nn - shift - d->ndirect) * sizeof *dir);
    d->direct = dir;
    d->base = lo;
    d->ndirect = nn;
    return 0;
}

/* The slot of s: its entry, or the empty slot where it would go. */
static size_t dict_probe(const sg_dict *d, const char *s, size_t len, uint32_t h)
{
    size_t j = slot_of(h, d->nslots);
    for (;;) {
        dict_slot sl = d->slots[j];
        if (sl.ref == SLOT_EMPTY)
            return j;
        if (sl.hash == h) {
            const char *rec = dict_rec(d, sl.ref);
            if (rec_u32(rec, 4) == len && same_text(rec + 8, s, len))
                return j;
        }
        j = j + 1 == d->nslots ? 0 : j + 1;
    }
}

int32_t sg_dict_find(const sg_dict *d, const char *s, size_t len)
{
    if (len > UINT32_MAX)
        return -1;
    uint32_t key;
    if (dict_key(d, s, len, &key)) {
        if (key >= d->base && key - d->base < d->ndirect && d->direct[key - d->base] >= 0)
            return d->direct[key - d->base];
        if (!d->nkeyslots)
            return -1;
    }
    size_t j = dict_probe(d, s, len, sg_hash_bytes(s, len));
    if (d->slots[j].ref == SLOT_EMPTY)
        return -1;
    return (int32_t)rec_u32(dict_rec(d, d->slots[j].ref), 0);
}

/* Where s goes in d: its code when d has it; else -1 with the place to
 * index it made ready (*is_key 1: the key *at of the direct index; else
 * the slot *at, *is_key 2 for a key too far out); -2 when out of memory.
 * *hash is s's hash when `hashed`; else it is computed here only when the
 * slots are looked at (a key found in or added to the direct index needs
 * none), and *hashed says whether it was. */
static int32_t dict_place(sg_dict *d, const char *s, size_t len, uint32_t *hash, int *hashed,
                          int *is_key, size_t *at)
{
    uint32_t key;
    size_t j;
    if (d->direct_state == 0)
        dict_decide(d, s, len);
    *is_key = 0;
    if (dict_key(d, s, len, &key)) {
        if (key >= d->base && key - d->base < d->ndirect && d->direct[key - d->base] >= 0)
            return d->direct[key - d->base];
        int rc = direct_room(d, key);
        if (rc < 0)
            return -2;
        if (rc == 0) {
            /* keys too far out when first seen are in the slots */
            if (d->nkeyslots) {
                if (!*hashed) {
                    *hash = sg_hash_bytes(s, len);
                    *hashed = 1;
                }
                j = dict_probe(d, s, len, *hash);
                if (d->slots[j].ref != SLOT_EMPTY)
                    return (int32_t)rec_u32(dict_rec(d, d->slots[j].ref), 0);
            }
            *is_key = 1;
            *at = key - d->base;
            return -1;
        }
        *is_key = 2;
    }
    if (!*hashed) {
        *hash = sg_hash_bytes(s, len);
        *hashed = 1;
    }
    j = dict_probe(d, s, len, *hash);
    if (d->slots[j].ref != SLOT_EMPTY)
        return (int32_t)rec_u32(dict_rec(d, d->slots[j].ref), 0);
    /* grow first, so that the new entry always finds a free slot */
    if ((d->nslotted + 1) * 4 > d->nslots * 3) {
        if (dict_rehash(d, d->nslots * 2) != 0)
            return -2;
        j = dict_probe(d, s, len, *hash);
    }
    *at = j;
    return -1;
}

/* Indexes a new code where dict_place said. */
static void dict_index(sg_dict *d, int is_key, size_t at, uint32_t hash, uint32_t ref, int32_t code)
{
    if (is_key == 1) {
        d->direct[at] = code;
        return;
    }
    d->slots[at].hash = hash;
    d->slots[at].ref = ref;
    d->nslotted++;
    d->nkeyslots += is_key == 2;
}

/* sg_dict_intern with the hash of s given (hashed 1) or not yet computed. */
static int32_t dict_intern(sg_dict *d, const char *s, size_t len, uint32_t hash, int hashed)
{
    if (len > UINT32_MAX - 16)
        return -1;
    int is_key;
    size_t at;
    int32_t code = dict_place(d, s, len, &hash, &hashed, &is_key, &at);
    if (code != -1)
        return code < 0 ? -1 : code;
    if (d->n >= INT32_MAX)
        return -1;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap + d->cap / 2 : 64;
        uint32_t *recs = sg_realloc(d->recs, nc * sizeof *recs);
        if (!recs)
            return -1;
        d->recs = recs;
        d->cap = nc;
    }
    code = (int32_t)d->n;
    uint32_t ref = dict_store(d, code, s, len);
    if (ref == SLOT_EMPTY)
        return -1;
    d->recs[code] = ref;
    dict_index(d, is_key, at, hash, ref, code);
    d->n++;
    return code;
}

int32_t sg_dict_intern(sg_dict *d, const char *s, size_t len)
{
    return dict_intern(d, s, len, 0, 0);
}

int32_t sg_dict_intern_hashed(sg_dict *d, const char *s, size_t len, uint32_t hash)
{
    return dict_intern(d, s, len, hash, 1);
}

/* sg_dict_absorb for code k of from (h its hash when hashed). */
static int absorb_one(sg_dict *d, sg_dict *from, size_t k, uint32_t h, int hashed, size_t base,
                      int adopt, size_t *kept, int32_t *map)
{
    uint32_t ref = from->recs[k];
    const char *rec = dict_rec(from, ref);
    size_t len = rec_u32(rec, 4);
    int32_t code;
    if (!adopt) {
        if ((code = dict_intern(d, rec + 8, len, h, hashed)) < 0)
            return -1;
    } else {
        int is_key;
        size_t at;
        code = dict_place(d, rec + 8, len, &h, &hashed, &is_key, &at);
        if (code == -2)
            return -1;
        if (code == -1) {
            /* the record itself joins d under its new code */
            uint32_t nref = ref + (uint32_t)(base << DICT_CHUNK_BITS);
            code = (int32_t)d->n;
            memcpy(d->chunks[nref >> DICT_CHUNK_BITS] +
                       (size_t)(nref & ((1u << DICT_CHUNK_BITS) - 1)) * 8,
                   &code, 4);
            d->recs[d->n++] = nref;
            dict_index(d, is_key, at, h, nref, code);
            kept[ref >> DICT_CHUNK_BITS]++;
        }
    }
    map[k] = code;     /* from->recs[k] was read above */
    return 0;
}

int sg_dict_absorb(sg_dict *d, sg_dict *from, int32_t *codes, size_t ncodes)
{
    enum { AHEAD = 16 };
    size_t n = from->n, base = d->nchunks, fchunks = 0;
    int adopt = base + from->nchunks <= DICT_MAX_CHUNKS;
    uint32_t hashes[AHEAD];
    uint8_t hashed[AHEAD];
    size_t *kept = NULL;
    /* the other dictionary's index is not needed: its strings are read in
     * code order */
    sg_free(from->slots);
    from->slots = NULL;
    from->nslots = 0;
    sg_free(from->direct);
    from->direct = NULL;
    from->ndirect = from->base = from->nkeyslots = 0;
    from->direct_state = -1;
    if (dict_reserve(d, d->nslotted + from->nslotted, d->n + n) != 0)
        return -1;
    if (adopt) {
        /* its chunks become d's (references keep their offsets), after d's
         * last chunk, shrunk to what it holds */
        if (dict_chunk_room(d, base + from->nchunks) != 0)
            return -1;
        if (!(kept = sg_calloc(from->nchunks ? from->nchunks : 1, sizeof *kept)))
            return -1;
        if (base && d->chunks[base - 1] && d->chunk_used < d->chunk_size && d->chunk_used) {
            char *c = sg_realloc(d->chunks[base - 1], d->chunk_used);
            if (c) {
                d->chunks[base - 1] = c;
                d->bytes -= d->chunk_size - d->chunk_used;
                d->sizes[base - 1] = d->chunk_used;
            }
        }
        for (size_t k = 0; k < from->nchunks; k++) {
            d->chunks[base + k] = from->chunks[k];
            d->sizes[base + k] = from->sizes[k];
        }
        d->nchunks = base + from->nchunks;
        d->chunk_used = from->chunk_used;
        d->chunk_size = from->chunk_size;
        d->bytes += from->bytes;
        fchunks = from->nchunks;
        from->nchunks = 0;        /* d owns them now (from->chunks still reads them) */
        from->bytes = 0;
    }
    /* from->recs[c] turns into the map: read before it is overwritten */
    int32_t *map = (int32_t *)from->recs;
    for (size_t c = 0; c < n + AHEAD; c++) {
        if (c >= AHEAD && absorb_one(d, from, c - AHEAD, hashes[c % AHEAD], hashed[c % AHEAD],
                                     base, adopt, kept, map) != 0) {
            sg_free(kept);
            return -1;
        }
        if (c < n) {
            /* looked at AHEAD strings before it is interned: a key of d's
             * direct index has its entry prefetched (no hash needed while
             * no key is in the slots), another string is hashed and its
             * slot prefetched */
            const char *rec = dict_rec(from, from->recs[c]);
            size_t len = rec_u32(rec, 4);
            uint32_t key;
            hashes[c % AHEAD] = 0;
            hashed[c % AHEAD] = 0;
            if (dict_key(d, rec + 8, len, &key) && !d->nkeyslots) {
                if (key >= d->base && key - d->base < d->ndirect)
                    __builtin_prefetch(&d->direct[key - d->base]);
                continue;
            }
            uint32_t h = sg_hash_bytes(rec + 8, len);
            hashes[c % AHEAD] = h;
            hashed[c % AHEAD] = 1;
            __builtin_prefetch(&d->slots[slot_of(h, d->nslots)]);
        }
    }
    if (adopt) {
        /* chunks holding only strings d already had are dropped */
        for (size_t k = 0; k < fchunks; k++)
            if (!kept[k]) {
                d->bytes -= d->sizes[base + k];
                d->sizes[base + k] = 0;
                sg_free(d->chunks[base + k]);
                d->chunks[base + k] = NULL;
            }
        sg_free(kept);
    }
    for (size_t i = 0; i < ncodes; i++)
        if (codes[i] >= 0)
            codes[i] = map[codes[i]];
    return 0;
}

void sg_dict_prefetch(const sg_dict *d, uint32_t hash)
{
    if (d->nslots >= ((size_t)1 << 16))    /* smaller tables stay in the caches */
        __builtin_prefetch(&d->slots[slot_of(hash, d->nslots)]);
}

void sg_dict_prefetch_text(const sg_dict *d, const char *s, size_t len, uint32_t hash)
{
    uint32_t key;
    if (dict_key(d, s, len, &key)) {
        if (key >= d->base && key - d->base < d->ndirect && d->ndirect >= ((size_t)1 << 16))
            __builtin_prefetch(&d->direct[key - d->base]);
        if (!d->nkeyslots)
            return;
    }
    sg_dict_prefetch(d, hash);
}

const char *sg_dict_str(const sg_dict *d, int32_t code, size_t *len)
{
    if (code < 0 || (size_t)code >= d->n)
        return NULL;
    const char *rec = dict_rec(d, d->recs[code]);
    if (len)
        *len = rec_u32(rec, 4);
    return rec + 8;
}

size_t sg_dict_size(const sg_dict *d) { return d->n; }

size_t sg_dict_slotted(const sg_dict *d)
{
    return d->nslotted;
}

size_t sg_dict_bytes(const sg_dict *d)
{
    return d->bytes + d->cap * sizeof(uint32_t) + d->nslots * sizeof(dict_slot) + d->ndirect * sizeof(int32_t) +
           d->chunk_cap * (sizeof(char *) + sizeof(size_t));
}

void sg_dict_trim(sg_dict *d)
{
    if (!d)
        return;
    /* the direct index: up to its highest key */
    size_t top = d->ndirect;
    while (top > 0 && d->direct[top - 1] < 0)
        top--;
    if (top && top < d->ndirect) {
        int32_t *dir = sg_realloc(d->direct, top * sizeof *dir);
        if (dir) {
            d->direct = dir;
            d->ndirect = top;
        }
    }
    if (d->cap > d->n && d->n > 0) {
        uint32_t *recs = sg_realloc(d->recs, d->n * sizeof *recs);
        if (recs) {
            d->recs = recs;
            d->cap = d->n;
        }
    }
    /* references are relative to their chunk: the last one may move */
    if (d->nchunks && d->chunks[d->nchunks - 1] && d->chunk_used < d->chunk_size &&
        d->chunk_used > 0) {
        char *c = sg_realloc(d->chunks[d->nchunks - 1], d->chunk_used);
        if (c) {
            d->chunks[d->nchunks - 1] = c;
            d->bytes -= d->chunk_size - d->chunk_used;
            d->sizes[d->nchunks - 1] = d->chunk_used;
            d->chunk_size = d->chunk_used;
        }
    }
}

/* ---- columns ---- */

static sg_column *column_alloc(const char *name, sg_type type)
{
    sg_column *c = sg_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    c->type = type;
    c->name = sg_strdup(name);
    if (!c->name) {
        sg_free(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_new(const char *name, sg_type type, size_t cap_hint)
{
    sg_column *c = column_alloc(name, type);
    if (!c)
        return NULL;
    if (type == SG_STRING && !(c->dict = sg_dict_new(16))) {
        sg_column_release(c);
        return NULL;
    }
    if (cap_hint && sg_column_reserve(c, cap_hint) != 0) {
        sg_column_release(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_new_with_dict(const char *name, sg_dict *dict, size_t cap_hint)
{
    sg_column *c = column_alloc(name, SG_STRING);
    if (!c)
        return NULL;
    c->dict = sg_dict_retain(dict);
    if (cap_hint && sg_column_reserve(c, cap_hint) != 0) {
        sg_column_release(c);
        return NULL;
    }
    return c;
}

sg_column *sg_column_retain(sg_column *c)
{
    if (c)
        c->refs++;
    return c;
}

void sg_column_release(sg_column *c)
{
    if (!c || --c->refs > 0)
        return;
    sg_free(c->name);
    sg_free(c->data);
    sg_free(c->na);
    sg_dict_release(c->dict);
    sg_free(c);
}

int sg_column_reserve(sg_column *c, size_t n)
{
    if (n <= c->cap)
        return 0;
    size_t w = type_width(c->type);
    if (n > SIZE_MAX / w)
        return SG_ENOMEM;
    void *data = sg_realloc(c->data, n * w);
    if (!data)
        return SG_ENOMEM;
    c->data = data;
    if (c->na) {
        size_t oldb = (c->cap + 7) / 8, newb = (n + 7) / 8;
        uint8_t *na = sg_realloc(c->na, newb);
        if (!na)
            return SG_ENOMEM;
        memset(na + oldb, 0, newb - oldb);
        c->na = na;
    }
    c->cap = n;
    return 0;
}

static int grow(sg_column *c)
{
    if (c->n < c->cap)
        return 0;
    size_t nc = c->cap < 16 ? 16 : c->cap + c->cap / 2;
    return sg_column_reserve(c, nc);
}

int sg_column_push_i64(sg_column *c, int64_t v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((int64_t *)c->data)[c->n++] = v;
    return 0;
}

int sg_column_push_f64(sg_column *c, double v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((double *)c->data)[c->n++] = v;
    return 0;
}

int sg_column_push_bool(sg_column *c, int v)
{
    if (grow(c))
        return SG_ENOMEM;
    ((uint8_t *)c->data)[c->n++] = v ? 1 : 0;
    return 0;
}

int sg_column_push_code(sg_column *c, int32_t code)
{
    if (grow(c))
        return SG_ENOMEM;
    ((int32_t *)c->data)[c->n++] = code;
    return 0;
}

int sg_column_push_str(sg_column *c, const char *s, size_t len)
{
    int32_t code = sg_dict_intern(c->dict, s, len);
    if (code < 0)
        return SG_ENOMEM;
    return sg_column_push_code(c, code);
}

int sg_column_set_na(sg_column *c, size_t i)
{
    if (!c->na) {
        c->na = sg_calloc((c->cap + 7) / 8 ? (c->cap + 7) / 8 : 1, 1);
        if (!c->na)
            return SG_ENOMEM;
    }
    c->na[i >> 3] |= (uint8_t)(1u << (i & 7));
    return 0;
}

int sg_column_push_na(sg_column *c)
{
    if (grow(c))
        return SG_ENOMEM;
    size_t w = type_width(c->type);
    memset((char *)c->data + c->n * w, 0, w);
    if (sg_column_set_na(c, c->n))
        return SG_ENOMEM;
    c->n++;
    return 0;
}

size_t sg_column_na_count(const sg_column *c)
{
    if (!c->na)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        k += sg_column_is_na(c, i);
    return k;
}

size_t sg_column_bytes(const sg_column *c)
{
    size_t b = sizeof *c + c->cap * type_width(c->type);
    if (c->na)
        b += (c->cap + 7) / 8;
    if (c->dict)
        b += sg_dict_bytes(c->dict);
    return b;
}

double sg_column_num(const sg_column *c, size_t i)
{
    if (sg_column_is_na(c, i))
        return NAN;
    switch (c->type) {
    case SG_INT64: case SG_DATETIME: return (double)((int64_t *)c->data)[i];
    case SG_DOUBLE: return ((double *)c->data)[i];
    case SG_BOOL: return ((uint8_t *)c->data)[i];
    case SG_STRING: break;
    }
    return NAN;
}

const char *sg_column_str(const sg_column *c, size_t i, size_t *len)
{
    if (c->type != SG_STRING || sg_column_is_na(c, i))
        return NULL;
    return sg_dict_str(c->dict, ((int32_t *)c->data)[i], len);
}

size_t sg_column_format(const sg_column *c, size_t i, char *buf, size_t size)
{
    size_t k = 0;
    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (sg_column_is_na(c, i))
        return 0;
    switch (c->type) {
    case SG_INT64: {
        int r = snprintf(buf, size, "%lld", (long long)((int64_t *)c->data)[i]);
        k = r < 0 ? 0 : (size_t)r;
        break;
    }
    case SG_DOUBLE:
        k = sg_format_double(((double *)c->data)[i], buf, size);
        break;
    case SG_DATETIME:
        k = sg_datetime_format(((int64_t *)c->data)[i], c->date_only, buf, size);
        break;
    case SG_BOOL: {
        int r = snprintf(buf, size, "%s", ((uint8_t *)c->data)[i] ? "true" : "false");
        k = r < 0 ? 0 : (size_t)r;
        break;
    }
    case SG_STRING: {
        size_t len;
        const char *s = sg_column_str(c, i, &len);
        if (!s)
            return 0;
        k = len < size - 1 ? len : size - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
        return k;
    }
    }
    return k < size ? k : size - 1;
}

sg_column *sg_column_take(const sg_column *c, const size_t *rows, size_t n)
{
    sg_column *o = c->type == SG_STRING ? sg_column_new_with_dict(c->name, c->dict, n)
                                        : sg_column_new(c->name, c->type, n);
    if (!o)
        return NULL;
    o->date_only = c->date_only;
    size_t w = type_width(c->type);
    const char *src = c->data;
    char *dst = o->data;
    const uint8_t *na = c->na;
    size_t k = 0;
    for (;;) {
        /* a run of present values, one loop per width; stops at a
         * missing one (SIZE_MAX row or missing in c) */
#define TAKE_RUN(W)                                                            \
        if (!na) {                                                            \
            for (; k < n; k++) {                                              \
                size_t r = rows[k];                                           \
                if (r == SIZE_MAX)                                            \
                    break;                                                    \
                memcpy(dst + k * (W), src + r * (W), (W));                    \
            }                                                                 \
        } else {                                                              \
            for (; k < n; k++) {                                              \
                size_t r = rows[k];                                           \
                if (r == SIZE_MAX || ((na[r >> 3] >> (r & 7)) & 1))           \
                    break;                                                    \
                memcpy(dst + k * (W), src + r * (W), (W));                    \
            }                                                                 \
        }
        if (w == 8) {
            TAKE_RUN(8)
        } else if (w == 4) {
            TAKE_RUN(4)
        } else {
            TAKE_RUN(1)
        }
#undef TAKE_RUN
        if (k == n)
            break;
        memset(dst + k * w, 0, w);
        if (sg_column_set_na(o, k)) {
            sg_column_release(o);
            return NULL;
        }
        k++;
    }
    o->n = n;
    return o;
}

sg_column *sg_column_copy(const sg_column *c, const char *name)
{
    sg_column *o = c->type == SG_STRING ? sg_column_new_with_dict(name, c->dict, c->n)
                                        : sg_column_new(name, c->type, c->n);
    if (!o)
        return NULL;
    o->date_only = c->date_only;
    if (c->n)
        memcpy(o->data, c->data, c->n * type_width(c->type));
    if (c->na) {
        o->na = sg_calloc((o->cap + 7) / 8 ? (o->cap + 7) / 8 : 1, 1);
        if (!o->na) {
            sg_column_release(o);
            return NULL;
        }
        memcpy(o->na, c->na, (c->n + 7) / 8);
    }
    o->n = c->n;
    return o;
}

/* ---- tables ---- */

sg_table *sg_table_new(void)
{
    return sg_calloc(1, sizeof(sg_table));
}

void sg_table_free(sg_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        sg_column_release(t->cols[i]);
    sg_free(t->cols);
    sg_free(t);
}

int sg_table_index(const sg_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i]->name, name) == 0)
            return (int)i;
    return -1;
}

sg_column *sg_table_col(const sg_table *t, const char *name)
{
    int i = sg_table_index(t, name);
    return i < 0 ? NULL : t->cols[i];
}

static int table_put(sg_table *t, sg_column *c, int replace, sg_error *err)
{
    if (t->ncols > 0 && c->n != t->nrows) {
        sg_error_set(err, SG_EINVAL, "column '%s' has %zu values but the dataset has %zu rows",
                     c->name, c->n, t->nrows);
        sg_column_release(c);
        return SG_EINVAL;
    }
    int at = sg_table_index(t, c->name);
    if (at >= 0) {
        if (!replace) {
            sg_error_set(err, SG_EINVAL, "the dataset already has a column '%s'", c->name);
            sg_column_release(c);
            return SG_EINVAL;
        }
        sg_column_release(t->cols[at]);
        t->cols[at] = c;
        return 0;
    }
    if (t->ncols == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        sg_column **cols = sg_realloc(t->cols, nc * sizeof *cols);
        if (!cols) {
            sg_column_release(c);
            return sg_error_nomem(err);
        }
        t->cols = cols;
        t->cap = nc;
    }
    if (t->ncols == 0)
        t->nrows = c->n;
    t->cols[t->ncols++] = c;
    return 0;
}

int sg_table_add(sg_table *t, sg_column *c, sg_error *err) { return table_put(t, c, 0, err); }
int sg_table_set(sg_table *t, sg_column *c, sg_error *err) { return table_put(t, c, 1, err); }

sg_table *sg_table_share(const sg_table *t)
{
    sg_table *o = sg_table_new();
    if (!o)
        return NULL;
    for (size_t i = 0; i < t->ncols; i++)
        if (sg_table_add(o, sg_column_retain(t->cols[i]), NULL) != 0) {
            sg_table_free(o);
            return NULL;
        }
    o->nrows = t->nrows;
    return o;
}

sg_table *sg_table_select(const sg_table *t, const char *const *names, size_t n, sg_error *err)
{
    sg_table *o = sg_table_new();
    if (!o) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        sg_column *c = sg_table_col(t, names[i]);
        if (!c) {
            sg_error_set(err, SG_EINVAL, "no column '%s' in the dataset", names[i]);
            sg_table_free(o);
            return NULL;
        }
        if (sg_table_add(o, sg_column_retain(c), err) != 0) {
            sg_table_free(o);
            return NULL;
        }
    }
    o->nrows = n ? t->nrows : 0;
    return o;
}

/* Gathers columns [from, to) of a take; a worker thread does the odd ones. */
typedef struct take_job {
    const sg_table *t;
    const size_t *rows;
    size_t n;
    sg_column **out;
    size_t first, step;
} take_job;

static void *take_columns(void *arg)
{
    take_job *j = arg;
    for (size_t i = j->first; i < j->t->ncols; i += j->step)
        j->out[i] = sg_column_take(j->t->cols[i], j->rows, j->n);
    return NULL;
}

sg_table *sg_table_take(const sg_table *t, const size_t *rows, size_t n, sg_error *err)
{
    sg_table *o = sg_table_new();
    sg_column **cols = sg_calloc(t->ncols ? t->ncols : 1, sizeof *cols);
    if (!o || !cols) {
        sg_free(cols);
        sg_table_free(o);
        sg_error_nomem(err);
        return NULL;
    }
    /* big gathers use a second thread for every other column; each column
     * is gathered whole by one thread, so the result does not depend on it */
    take_job even = { t, rows, n, cols, 0, 1 }, odd = { t, rows, n, cols, 1, 2 };
    pthread_t th;
    int threaded = t->ncols > 1 && n >= 100000 &&
                   pthread_create(&th, NULL, take_columns, &odd) == 0;
    if (threaded)
        even.step = 2;
    take_columns(&even);
    if (threaded)
        pthread_join(th, NULL);
    int failed = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        if (failed || !cols[i] || sg_table_add(o, cols[i], err) != 0) {
            if (!failed && !cols[i])
                sg_error_nomem(err);
            if (!cols[i] || failed)
                sg_column_release(cols[i]);   /* sg_table_add released it on its own failure */
            failed = 1;
        }
    }
    sg_free(cols);
    if (failed) {
        sg_table_free(o);
        return NULL;
    }
    o->nrows = n;
    return o;
}

sg_table *sg_table_head(const sg_table *t, size_t n, sg_error *err)
{
    if (n > t->nrows)
        n = t->nrows;
    size_t *rows = sg_malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
        sg_error_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    sg_table *o = sg_table_take(t, rows, n, err);
    sg_free(rows);
    return o;
}

size_t sg_table_bytes(const sg_table *t)
{
    size_t b = sizeof *t + t->cap * sizeof(sg_column *);
    for (size_t i = 0; i < t->ncols; i++)
        b += sg_column_bytes(t->cols[i]);
    return b;
}

/* ---- keeping rows in place ---- */

/* Moves the kept values of c to the front of its own buffers; k <= i, so
 * no value is overwritten before it is read.  Cannot fail: shrinking the
 * buffers is only tried. */
#define COMPACT_LOOP(T)                                                        \
    do {                                                                      \
        T *v = c->data;                                                       \
        for (size_t i = 0; i < nrows; i++) {                                  \
            v[k] = v[i];        /* overwritten later unless kept */           \
            k += keep[i] != 0;                                                \
        }                                                                     \
    } while (0)

static void compact_column(sg_column *c, const uint8_t *keep, size_t nrows, size_t n)
{
    size_t k = 0;
    switch (c->type) {
    case SG_BOOL: COMPACT_LOOP(uint8_t); break;
    case SG_STRING: COMPACT_LOOP(int32_t); break;
    case SG_DOUBLE: COMPACT_LOOP(uint64_t); break;   /* bits: moved exactly */
    default: COMPACT_LOOP(int64_t); break;
    }
    if (c->na) {
        uint8_t *na = c->na;
        int any = 0;
        k = 0;
        for (size_t i = 0; i < nrows; i++) {
            if (!keep[i])
                continue;
            uint8_t bit = (uint8_t)(1u << (k & 7));
            if ((na[i >> 3] >> (i & 7)) & 1) {
                na[k >> 3] |= bit;
                any = 1;
            } else
                na[k >> 3] &= (uint8_t)~bit;
            k++;
        }
        if (!any) {
            sg_free(c->na);
            c->na = NULL;
        } else {
            if (n & 7)
                na[n >> 3] &= (uint8_t)((1u << (n & 7)) - 1);   /* bits past the end clear */
            size_t used = (n + 7) / 8, had = (c->cap + 7) / 8;
            if (had > used)
                memset(na + used, 0, had - used);
        }
    }
    c->n = n;
    if (n && n < c->cap) {
        void *data = sg_realloc(c->data, n * type_width(c->type));
        if (!data)
            return;         /* keeps the bigger buffers; cap and bitmap still agree */
        c->data = data;
        c->cap = n;
        if (c->na) {
            uint8_t *na = sg_realloc(c->na, (n + 7) / 8);
            if (na)
                c->na = na;
        }
    }
}

typedef struct compact_job {
    sg_table *t;
    const uint8_t *keep;
    size_t nrows, n;
    size_t first, step;
} compact_job;

static void *compact_columns(void *arg)
{
    compact_job *j = arg;
    for (size_t i = j->first; i < j->t->ncols; i += j->step)
        if (j->t->cols[i]->refs == 1)
            compact_column(j->t->cols[i], j->keep, j->nrows, j->n);
    return NULL;
}

int sg_table_compact(sg_table *t, const uint8_t *keep, sg_error *err)
{
    if (!t || (!keep && t->nrows))
        return sg_error_set(err, SG_EINVAL, "sg_table_compact: missing dataset or mask");
    size_t nrows = t->nrows, n = 0;
    for (size_t i = 0; i < nrows; i++)
        n += keep[i] != 0;
    if (n == nrows)
        return 0;
    /* shared columns first: copies that can fail while t is still whole */
    sg_column **copies = sg_calloc(t->ncols ? t->ncols : 1, sizeof *copies);
    if (!copies)
        return sg_error_nomem(err);
    for (size_t i = 0; i < t->ncols; i++) {
        sg_column *c = t->cols[i];
        if (c->refs == 1)
            continue;
        copies[i] = sg_column_copy(c, c->name);
        if (!copies[i]) {
            for (size_t k = 0; k < i; k++)
                sg_column_release(copies[k]);
            sg_free(copies);
            return sg_error_nomem(err);
        }
        compact_column(copies[i], keep, nrows, n);
    }
    compact_job even = { t, keep, nrows, n, 0, 1 }, odd = { t, keep, nrows, n, 1, 2 };
    pthread_t th;
    int threaded = t->ncols > 1 && nrows >= 100000 && pthread_create(&th, NULL, compact_columns, &odd) == 0;
    if (threaded)
        even.step = 2;
    compact_columns(&even);
    if (threaded)
        pthread_join(th, NULL);
    for (size_t i = 0; i < t->ncols; i++)
        if (copies[i]) {
            sg_column_release(t->cols[i]);
            t->cols[i] = copies[i];
        }
    sg_free(copies);
    t->nrows = n;
    return 0;
}
