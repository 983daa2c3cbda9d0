/* Lua 5.4 patterns with a step bound: see pattern.h. */
#include "pattern.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ESC '%'
#define MAX_DEPTH 200

typedef unsigned char uchar;

static const char *bad(sg_pattern_state *ms, const char *msg)
{
    if (ms->status == SG_PATTERN_OK) {
        ms->status = SG_PATTERN_EBAD;
        snprintf(ms->msg, sizeof ms->msg, "%s", msg);
    }
    return NULL;
}

/* One step of work; 0 once the bound is passed (status set). */
static int step(sg_pattern_state *ms, unsigned long long n)
{
    ms->steps += n;
    if (ms->max_steps && ms->steps > ms->max_steps) {
        if (ms->status == SG_PATTERN_OK)
            ms->status = SG_PATTERN_EBUDGET;
        return 0;
    }
    return 1;
}

void sg_pattern_init(sg_pattern_state *ms, const char *s, size_t ls, const char *p, size_t lp,
                     unsigned long long max_steps)
{
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->steps = 0;
    ms->max_steps = max_steps;
    ms->status = SG_PATTERN_OK;
    ms->msg[0] = '\0';
    sg_pattern_restart(ms);
}

void sg_pattern_restart(sg_pattern_state *ms)
{
    ms->level = 0;
    ms->depth = MAX_DEPTH;
}

int sg_pattern_has_specials(const char *p, size_t lp)
{
    static const char specials[] = "^$*+?.([%-";
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(specials, p[i]))
            return 1;
    return 0;
}

/* The end of the single-character class at p ('.', %x, [set] or a
 * literal), or NULL for a malformed class. */
static const char *class_end(sg_pattern_state *ms, const char *p)
{
    char c = *p++;
    if (c == ESC) {
        if (p >= ms->p_end)
            return bad(ms, "malformed pattern (ends with '%')");
        return p + 1;
    }
    if (c != '[')
        return p;
    if (*p == '^')
        p++;
    /* the first character of a set is part of it, even ']' */
    do {
        if (p >= ms->p_end)
            return bad(ms, "malformed pattern (missing ']')");
        c = *p++;
        if (c == ESC && p < ms->p_end)
            p++;
    } while (*p != ']');
    return p + 1;
}

static int in_class(int c, int cl)
{
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    case 'z': r = c == 0; break;    /* deprecated in Lua 5.2, still accepted */
    default: return cl == c;
    }
    r = r != 0;
    return isupper(cl) ? !r : r;
}

/* c against the set [p .. last], p at '[' and last at the closing ']' */
static int in_set(int c, const char *p, const char *last)
{
    int want = 1;
    if (p[1] == '^') {
        want = 0;
        p++;
    }
    for (p++; p < last; p++) {
        if (*p == ESC) {
            p++;
            if (in_class(c, (uchar)*p))
                return want;
        } else if (p[1] == '-' && p + 2 < last) {
            if ((uchar)p[0] <= c && c <= (uchar)p[2])
                return want;
            p += 2;
        } else if ((uchar)*p == c) {
            return want;
        }
    }
    return !want;
}

/* Whether the subject character at s matches the class [p, ep). */
static int single(const sg_pattern_state *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end)
        return 0;
    int c = (uchar)*s;
    switch (*p) {
    case '.': return 1;
    case ESC: return in_class(c, (uchar)p[1]);
    case '[': return in_set(c, p, ep - 1);
    default: return (uchar)*p == c;
    }
}

static const char *do_match(sg_pattern_state *ms, const char *s, const char *p);

/* %bxy at s; p points at x */
static const char *balance(sg_pattern_state *ms, const char *s, const char *p)
{
    if (p + 1 >= ms->p_end)
        return bad(ms, "malformed pattern (missing arguments to '%b')");
    if (s >= ms->src_end || *s != *p)
        return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < ms->src_end) {
        if (!step(ms, 1))
            return NULL;
        if (*s == close) {
            if (--depth == 0)
                return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

/* class* and class+ (greedy): the longest run first, then shorter ones */
static const char *expand_max(sg_pattern_state *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t n = 0;
    while (single(ms, s + n, p, ep)) {
        if (!step(ms, 1))
            return NULL;
        n++;
    }
    for (; n >= 0; n--) {
        const char *r = do_match(ms, s + n, ep + 1);
        if (r || ms->status)
            return r;
    }
    return NULL;
}

/* class- (lazy): the shortest run first */
static const char *expand_min(sg_pattern_state *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *r = do_match(ms, s, ep + 1);
        if (r || ms->status)
            return r;
        if (!single(ms, s, p, ep) || !step(ms, 1))
            return NULL;
        s++;
    }
}

static const char *open_capture(sg_pattern_state *ms, const char *s, const char *p, ptrdiff_t what)
{
    if (ms->level >= SG_PATTERN_MAXCAPTURES)
        return bad(ms, "too many captures");
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = what;
    ms->level++;
    const char *r = do_match(ms, s, p);
    if (!r)
        ms->level--;
    return r;
}

static const char *close_capture(sg_pattern_state *ms, const char *s, const char *p)
{
    int l = ms->level - 1;
    while (l >= 0 && ms->capture[l].len != SG_PATTERN_CAP_UNFINISHED)
        l--;
    if (l < 0)
        return bad(ms, "invalid pattern capture");
    ms->capture[l].len = s - ms->capture[l].init;
    const char *r = do_match(ms, s, p);
    if (!r)
        ms->capture[l].len = SG_PATTERN_CAP_UNFINISHED;
    return r;
}

/* %1-%9: the text of an earlier capture again */
static const char *back_reference(sg_pattern_state *ms, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == SG_PATTERN_CAP_UNFINISHED) {
        char msg[48];
        snprintf(msg, sizeof msg, "invalid capture index %%%d", l + 1);
        return bad(ms, msg);
    }
    size_t len = (size_t)ms->capture[l].len;
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0)
        return s + len;
    return NULL;
}

/* The pattern from p on at subject position s.  The loop handles the items
 * that continue the match without backtracking; the others recurse. */
static const char *do_match(sg_pattern_state *ms, const char *s, const char *p)
{
    if (ms->depth-- == 0)
        return bad(ms, "pattern too complex");
    while (s && p < ms->p_end) {
        if (!step(ms, 1)) {
            s = NULL;
            break;
        }
        if (*p == '(') {
            s = p[1] == ')' ? open_capture(ms, s, p + 2, SG_PATTERN_CAP_POSITION)
                            : open_capture(ms, s, p + 1, SG_PATTERN_CAP_UNFINISHED);
            break;
        }
        if (*p == ')') {
            s = close_capture(ms, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == ms->p_end) {
            s = s == ms->src_end ? s : NULL;
            break;
        }
        if (*p == ESC && p[1] == 'b') {
            s = balance(ms, s, p + 2);
            p += 4;
            continue;
        }
        if (*p == ESC && p[1] == 'f') {
            p += 2;
            if (*p != '[') {
                s = bad(ms, "missing '[' after '%f' in pattern");
                break;
            }
            const char *ep = class_end(ms, p);
            if (!ep) {
                s = NULL;
                break;
            }
            int prev = s == ms->src_init ? '\0' : (uchar)s[-1];
            int next = s < ms->src_end ? (uchar)*s : '\0';
            if (in_set(prev, p, ep - 1) || !in_set(next, p, ep - 1)) {
                s = NULL;
                break;
            }
            p = ep;
            continue;
        }
        if (*p == ESC && isdigit((uchar)p[1])) {
            s = back_reference(ms, s, (uchar)p[1]);
            p += 2;
            continue;
        }
        const char *ep = class_end(ms, p);
        if (!ep) {
            s = NULL;
            break;
        }
        if (!single(ms, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') {
                p = ep + 1;    /* zero repetitions accepted */
                continue;
            }
            s = NULL;
            break;
        }
        if (*ep == '?') {
            const char *r = do_match(ms, s + 1, ep + 1);
            if (r || ms->status) {
                s = r;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (*ep == '+') {
            s = expand_max(ms, s + 1, p, ep);
            break;
        }
        if (*ep == '*') {
            s = expand_max(ms, s, p, ep);
            break;
        }
        if (*ep == '-') {
            s = expand_min(ms, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    ms->depth++;
    return ms->status ? NULL : s;
}

const char *sg_pattern_match(sg_pattern_state *ms, const char *s, const char *p)
{
    return do_match(ms, s, p);
}
