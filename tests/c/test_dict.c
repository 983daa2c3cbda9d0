/* The string dictionary: codes in first-seen order, exact matching of
 * short strings (decided inside the slot array) and long ones (against
 * their record), through growth, sg_dict_find and sg_dict_absorb.  Each
 * string is checked against a brute-force list of what was interned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "tap.h"

/* Strings that a short-string key could confuse if it ignored the length
 * or the middle bytes: NUL padding, shared first and last 4 bytes. */
static const struct { const char *s; size_t len; } TRICKY[] = {
    { "", 0 }, { "a", 1 }, { "a\0", 2 }, { "a\0\0", 3 }, { "aa", 2 }, { "aaa", 3 },
    { "abc", 3 }, { "abc\0", 4 }, { "abca", 4 }, { "abcXabca", 8 }, { "abcYabca", 8 },
    { "abcabca", 7 }, { "abcaabca", 8 }, { "abcaXabca", 9 }, { "abcaYabca", 9 },
    { "12345678", 8 }, { "123456789", 9 }, { "1234567", 7 }, { "17850.0", 7 }, { "17850", 5 },
    { "C536379", 7 }, { "536379", 6 }, { "\xff\xff\xff\xff", 4 }, { "\xff\xff\xff\xff\xff", 5 },
};
#define NTRICKY (sizeof TRICKY / sizeof TRICKY[0])

static void test_tricky(void)
{
    sg_dict *d = sg_dict_new(0);
    int ok = 1;
    for (size_t i = 0; i < NTRICKY; i++)
        ok &= sg_dict_intern(d, TRICKY[i].s, TRICKY[i].len) == (int32_t)i;
    tap_ok(ok, "%zu strings differing only in length, NUL padding or middle bytes get distinct codes", NTRICKY);
    ok = 1;
    for (size_t i = 0; i < NTRICKY; i++) {
        size_t len;
        const char *s = sg_dict_str(d, (int32_t)i, &len);
        ok &= len == TRICKY[i].len && memcmp(s, TRICKY[i].s, len) == 0 &&
              sg_dict_find(d, TRICKY[i].s, TRICKY[i].len) == (int32_t)i &&
              sg_dict_intern(d, TRICKY[i].s, TRICKY[i].len) == (int32_t)i;
    }
    tap_ok(ok, "each reads back, is found and interns again to its code");
    tap_is_int(sg_dict_find(d, "abcZabca", 8), -1, "absent 8-byte string sharing first and last 4 bytes");
    tap_is_int(sg_dict_find(d, "a\0\0\0", 4), -1, "absent NUL-padded string");
    tap_is_int((long long)sg_dict_size(d), (long long)NTRICKY, "size");
    sg_dict_release(d);
}

/* n strings of lengths 1..20 from a seeded generator with few letters,
 * so short ones repeat; codes checked against a linear search. */
static void test_random(void)
{
    enum { N = 20000 };
    static char buf[N][24];
    static size_t len[N];
    static int32_t want[N];
    unsigned long long x = 88172645463325252ull;
    size_t distinct = 0;
    sg_dict *d = sg_dict_new(0), *e = sg_dict_new(0);
    int ok = 1;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        len[i] = 1 + (size_t)(x % 20);
        for (size_t k = 0; k < len[i]; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i][k] = "ab\0c"[x % (len[i] < 5 ? 4 : 2)];
        }
        want[i] = -1;
        for (size_t j = 0; j < i; j++)
            if (len[j] == len[i] && memcmp(buf[j], buf[i], len[i]) == 0) {
                want[i] = want[j];
                break;
            }
        if (want[i] < 0)
            want[i] = (int32_t)distinct++;
        ok &= sg_dict_intern(d, buf[i], len[i]) == want[i];
    }
    tap_ok(ok, "%d random strings (%zu distinct): codes as a linear search gives", N, distinct);
    ok = 1;
    for (size_t i = 0; i < N; i++)
        ok &= sg_dict_find(d, buf[i], len[i]) == want[i];
    tap_ok(ok, "every one found after growth");
    /* absorb: e holds the odd strings first, then takes d's */
    for (size_t i = 1; i < N; i += 2)
        if (sg_dict_intern(e, buf[i], len[i]) < 0)
            ok = 0;
    int32_t *codes = malloc(N * sizeof *codes);
    if (!codes)
        abort();
    for (size_t i = 0; i < N; i++)
        codes[i] = want[i];
    ok &= sg_dict_absorb(e, d, codes, N) == 0;
    for (size_t i = 0; i < N; i++) {
        size_t l;
        const char *s = sg_dict_str(e, codes[i], &l);
        ok &= s && l == len[i] && memcmp(s, buf[i], l) == 0 && sg_dict_find(e, buf[i], len[i]) == codes[i];
    }
    tap_ok(ok, "absorbed into another dictionary: every code rewritten to the same string");
    tap_is_int((long long)sg_dict_size(e), (long long)distinct, "no string twice after absorb");
    free(codes);
    sg_dict_release(d);
    sg_dict_release(e);
}

/* Numbered ids (the direct index): strings of the first string's prefix
 * and digits, mixed with leading zeros, zero-padded ids, other prefixes,
 * suffixes and keys far out (which go to the slots), interned, found and
 * absorbed in every combination; codes checked against a linear search. */
enum { NN = 12000 };
static char nbuf[NN][24];
static size_t nlen[NN];
static int32_t nwant[NN];

static size_t numbered_strings(unsigned long long x, const char *first, int far)
{
    size_t distinct = 0;
    for (size_t i = 0; i < NN; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned k = (unsigned)(x >> 20) % 30000, form = (unsigned)(x % 16);
        if (i == 0)
            snprintf(nbuf[i], sizeof nbuf[i], "%s", first);
        else if (form < 9)
            snprintf(nbuf[i], sizeof nbuf[i], "C%u", k);              /* keys of prefix "C" */
        else if (form == 9)
            snprintf(nbuf[i], sizeof nbuf[i], "C0%u", k % 50);         /* leading zero: not a key */
        else if (form == 10)
            snprintf(nbuf[i], sizeof nbuf[i], "%u", k % 100);          /* no prefix */
        else if (form == 11)
            snprintf(nbuf[i], sizeof nbuf[i], "C%uA", k % 100);        /* a suffix */
        else if (form == 12)
            snprintf(nbuf[i], sizeof nbuf[i], "CC%u", k % 100);        /* a longer prefix */
        else if (form == 13)
            snprintf(nbuf[i], sizeof nbuf[i], far && i > NN / 2 ? "C%u00000" : "C%u", k % 9000 + 1000);
        else if (form == 14)
            snprintf(nbuf[i], sizeof nbuf[i], "%s", k % 2 ? "C0" : "C");
        else if (k % 2)
            snprintf(nbuf[i], sizeof nbuf[i], "C1234567890%u", k % 10);  /* 10+ digits */
        else
            snprintf(nbuf[i], sizeof nbuf[i], "C%06u", k % 1000);      /* zero-padded to 6 */
        nlen[i] = strlen(nbuf[i]);
        nwant[i] = -1;
        for (size_t j = 0; j < i; j++)
            if (nlen[j] == nlen[i] && memcmp(nbuf[j], nbuf[i], nlen[i]) == 0) {
                nwant[i] = nwant[j];
                break;
            }
        if (nwant[i] < 0)
            nwant[i] = (int32_t)distinct++;
    }
    return distinct;
}

static void test_numbered(const char *first, int far, const char *other_first)
{
    size_t distinct = numbered_strings(0x9e3779b97f4a7c15ull ^ (unsigned long long)far, first, far);
    sg_dict *d = sg_dict_new(0), *e = sg_dict_new(0);
    int ok = 1;
    for (size_t i = 0; i < NN; i++)
        ok &= sg_dict_intern(d, nbuf[i], nlen[i]) == nwant[i];
    tap_ok(ok, "numbered ids (first '%s'%s): %d strings, %zu distinct, codes as a linear search gives", first,
           far ? ", keys far out later" : "", NN, distinct);
    ok = 1;
    for (size_t i = 0; i < NN; i++) {
        size_t l;
        const char *s = sg_dict_str(d, nwant[i], &l);
        ok &= sg_dict_find(d, nbuf[i], nlen[i]) == nwant[i] && s && l == nlen[i] && memcmp(s, nbuf[i], l) == 0;
    }
    tap_ok(ok, "every one found and read back exactly (leading zeros kept)");
    tap_ok(sg_dict_find(d, "C30001", 6) == -1 && sg_dict_find(d, "C0099", 5) == -1 && sg_dict_find(d, "C99999999", 9) == -1,
           "absent keys and near-keys not found");
    /* absorbed into a dictionary that decided otherwise */
    if (sg_dict_intern(e, other_first, strlen(other_first)) < 0)
        ok = 0;
    for (size_t i = 1; i < NN; i += 3)
        if (sg_dict_intern(e, nbuf[i], nlen[i]) < 0)
            ok = 0;
    int32_t *codes = malloc(NN * sizeof *codes);
    if (!codes)
        abort();
    for (size_t i = 0; i < NN; i++)
        codes[i] = nwant[i];
    size_t before = sg_dict_size(e);
    ok &= sg_dict_absorb(e, d, codes, NN) == 0;
    for (size_t i = 0; i < NN; i++) {
        size_t l;
        const char *s = sg_dict_str(e, codes[i], &l);
        ok &= s && l == nlen[i] && memcmp(s, nbuf[i], l) == 0 && sg_dict_find(e, nbuf[i], nlen[i]) == codes[i];
    }
    tap_ok(ok && sg_dict_size(e) >= distinct && sg_dict_size(e) <= before + distinct,
           "absorbed into a dictionary first given '%s': every code rewritten to the same string", other_first);
    free(codes);
    sg_dict_release(d);
    sg_dict_release(e);
}

/* A key too far out for the direct index goes to the slots; once the
 * index has grown over it (more strings allow a wider index), it is still
 * found there, and interning it again gives its first code. */
static void test_key_overtaken(void)
{
    sg_dict *d = sg_dict_new(0);
    char b[24];
    int ok = sg_dict_intern(d, "C0", 2) == 0 && sg_dict_intern(d, "C3000000", 8) == 1;
    for (unsigned k = 1; k < 400000; k++) {
        snprintf(b, sizeof b, "C%u", k);
        ok &= sg_dict_intern(d, b, strlen(b)) == (int32_t)k + 1;
    }
    ok &= sg_dict_intern(d, "C2999999", 8) == 400001;
    tap_ok(ok, "400,002 numbered ids, one first seen far out");
    tap_is_int(sg_dict_find(d, "C3000000", 8), 1, "the far key is found after the index grew over it");
    tap_is_int(sg_dict_intern(d, "C3000000", 8), 1, "and interns again to its first code");
    tap_is_int(sg_dict_find(d, "C3000001", 8), -1, "its neighbour is absent");
    tap_is_int((long long)sg_dict_size(d), 400002, "no string twice");
    tap_is_int((long long)sg_dict_slotted(d), 1, "only the far key is in the hash slots");
    sg_dict_release(d);
}

/* The width of the first string's digits: zero-padded ids of that width
 * are keys beside longer ones without a leading zero, and no two strings
 * share a number ("C000012", "C12", "C0000012", "C012" are four strings).
 * Strings interned with and without their hash, found, read back and
 * absorbed both ways against a dictionary of another width. */
static const char *const WIDE[] = {
    "C000012", "C12", "C0000012", "C012", "C000000", "C0", "C999999", "C1000000", "C0100000",
    "C12345678", "C123456789", "C1234567890", "C", "", "000012", "D000012", "C00001a", "C000013",
    "C13", "C-00001", "c000012", "C4294967", "C999999999", "C0999999",
};
#define NWIDE (sizeof WIDE / sizeof WIDE[0])

static void test_width(void)
{
    sg_dict *d = sg_dict_new(0);
    int ok = 1;
    for (size_t i = 0; i < NWIDE; i++) {
        size_t len = strlen(WIDE[i]);
        int32_t c = i % 2 ? sg_dict_intern(d, WIDE[i], len)
                          : sg_dict_intern_hashed(d, WIDE[i], len, sg_hash_bytes(WIDE[i], len));
        ok &= c == (int32_t)i;
    }
    tap_ok(ok, "first 'C000012': %zu ids of widths 0 to 10, padded or not, get distinct codes in order", NWIDE);
    ok = 1;
    for (size_t i = 0; i < NWIDE; i++) {
        size_t len = strlen(WIDE[i]), l;
        const char *s = sg_dict_str(d, (int32_t)i, &l);
        ok &= s && l == len && memcmp(s, WIDE[i], len) == 0 && sg_dict_find(d, WIDE[i], len) == (int32_t)i &&
              sg_dict_intern(d, WIDE[i], len) == (int32_t)i &&
              sg_dict_intern_hashed(d, WIDE[i], len, sg_hash_bytes(WIDE[i], len)) == (int32_t)i;
    }
    tap_ok(ok, "each reads back exactly, is found and interns again to its code (with or without its hash)");
    tap_ok(sg_dict_find(d, "C000014", 7) == -1 && sg_dict_find(d, "C14", 3) == -1 &&
               sg_dict_find(d, "C0000013", 8) == -1 && sg_dict_find(d, "C00012", 6) == -1,
           "absent padded and unpadded neighbours not found");
    /* a run of zero-padded ids, then absorbed into a dictionary of width 2
     * (where they are not keys) and the reverse */
    sg_dict *e = sg_dict_new(0), *f = sg_dict_new(0);
    char b[24];
    ok = sg_dict_intern(e, "C50", 3) == 0 && sg_dict_intern(f, "C000500", 7) == 0;
    for (unsigned k = 0; k < 3000; k++) {
        snprintf(b, sizeof b, k % 3 ? "C%06u" : "C%u", k * 7 % 2000);
        ok &= sg_dict_intern(k % 2 ? e : f, b, strlen(b)) >= 0;
    }
    size_t ne = sg_dict_size(e), nf = sg_dict_size(f);
    int32_t *codes = malloc((nf > ne ? nf : ne) * sizeof *codes);
    if (!codes)
        abort();
    for (size_t i = 0; i < nf; i++)
        codes[i] = (int32_t)i;
    sg_dict *g = sg_dict_new(0);
    for (size_t i = 0; i < ne; i++) {    /* g: a copy of e to absorb into f later */
        size_t l;
        const char *s = sg_dict_str(e, (int32_t)i, &l);
        ok &= sg_dict_intern(g, s, l) == (int32_t)i;
    }
    size_t fs = nf;
    const char **fstr = malloc(nf * sizeof *fstr);
    size_t *flen = malloc(nf * sizeof *flen);
    char *fbuf = malloc(nf * 24);
    if (!fstr || !flen || !fbuf)
        abort();
    for (size_t i = 0; i < nf; i++) {
        const char *s = sg_dict_str(f, (int32_t)i, &flen[i]);
        memcpy(fbuf + i * 24, s, flen[i]);
        fstr[i] = fbuf + i * 24;
    }
    ok &= sg_dict_absorb(e, f, codes, fs) == 0;
    for (size_t i = 0; i < fs; i++) {
        size_t l;
        const char *s = sg_dict_str(e, codes[i], &l);
        ok &= s && l == flen[i] && memcmp(s, fstr[i], l) == 0 && sg_dict_find(e, fstr[i], l) == codes[i];
    }
    size_t union_n = sg_dict_size(e);
    tap_ok(ok, "width 6 absorbed into width 2: every code rewritten to the same string");
    /* the reverse: g (width 2) into a fresh width-6 dictionary holding f's strings */
    sg_dict *h = sg_dict_new(0);
    ok = 1;
    for (size_t i = 0; i < fs; i++)
        ok &= sg_dict_intern(h, fstr[i], flen[i]) == (int32_t)i;
    for (size_t i = 0; i < ne; i++)
        codes[i] = (int32_t)i;
    char *gbuf = malloc(ne * 24);
    size_t *glen = malloc(ne * sizeof *glen);
    if (!gbuf || !glen)
        abort();
    for (size_t i = 0; i < ne; i++) {
        const char *s = sg_dict_str(g, (int32_t)i, &glen[i]);
        memcpy(gbuf + i * 24, s, glen[i]);
    }
    ok &= sg_dict_absorb(h, g, codes, ne) == 0;
    for (size_t i = 0; i < ne; i++) {
        size_t l;
        const char *s = sg_dict_str(h, codes[i], &l);
        ok &= s && l == glen[i] && memcmp(s, gbuf + i * 24, l) == 0 && sg_dict_find(h, gbuf + i * 24, l) == codes[i];
    }
    tap_ok(ok, "width 2 absorbed into width 6: every code rewritten to the same string");
    tap_is_int((long long)sg_dict_size(h), (long long)union_n, "both ways hold the same strings");
    free(gbuf);
    free(glen);
    free(fstr);
    free(flen);
    free(fbuf);
    free(codes);
    sg_dict_release(d);
    sg_dict_release(e);
    sg_dict_release(f);
    sg_dict_release(g);
    sg_dict_release(h);
}

int main(void)
{
    test_tricky();
    test_random();
    test_numbered("C100", 0, "7");
    test_numbered("C100", 1, "C5");
    test_numbered("x-y", 0, "C5");
    test_numbered("0", 0, "C123456789");
    test_numbered("C25000", 0, "C999");     /* the index grows downwards */
    test_numbered("C000100", 0, "C5");      /* zero-padded: width 6 */
    test_numbered("C5", 1, "C000100");
    test_width();
    test_key_overtaken();
    return tap_done();
}
