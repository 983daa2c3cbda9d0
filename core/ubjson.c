/* UBJSON bounds check: see ubjson.h. */
#include "ubjson.h"

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    const char *what;
    sg_error *err;
} ub;

static int bad(ub *u, const char *why)
{
    return sg_error_set(u->err, SG_EDATA, "%s: corrupt UBJSON at byte %zu of %zu: %s", u->what, u->pos,
                        u->len, why);
}

static int need(ub *u, size_t n, const char *why)
{
    return u->len - u->pos < n ? bad(u, why) : 0;
}

/* 'L' then a big-endian int64 that is >= 0 and, times unit, fits in what
 * is left of the buffer */
static int read_length(ub *u, size_t unit, const char *why, size_t *n)
{
    if (need(u, 9, why))
        return SG_EDATA;
    if (u->p[u->pos] != 'L')
        return bad(u, "a length must be an int64 ('L')");
    uint64_t v = 0;
    for (int k = 1; k <= 8; k++)
        v = v << 8 | u->p[u->pos + (size_t)k];
    u->pos += 9;
    if (v >> 63)
        return bad(u, "negative length");
    if (v > (u->len - u->pos) / unit)
        return bad(u, why);
    *n = (size_t)v;
    return 0;
}

static size_t scalar_size(uint8_t m)
{
    switch (m) {
    case 'Z': case 'T': case 'F': return 0;
    case 'i': case 'U': case 'C': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': return 8;
    default: return (size_t)-1;
    }
}

static int value(ub *u, int depth);

static int array(ub *u, int depth)
{
    if (need(u, 1, "array not closed"))
        return SG_EDATA;
    size_t n;
    if (u->p[u->pos] == '$') {
        if (need(u, 3, "typed array header cut short"))
            return SG_EDATA;
        uint8_t t = u->p[u->pos + 1];
        if (t != 'd' && t != 'U' && t != 'l' && t != 'L')
            return bad(u, "typed array of an unsupported type");
        if (u->p[u->pos + 2] != '#')
            return bad(u, "typed array without a count");
        u->pos += 3;
        size_t size = scalar_size(t);
        if (read_length(u, size, "typed array longer than the data", &n))
            return SG_EDATA;
        u->pos += n * size;
        return 0;
    }
    if (u->p[u->pos] == '#') {
        u->pos++;
        if (read_length(u, 1, "array count larger than the data", &n))
            return SG_EDATA;
        for (size_t k = 0; k < n; k++)
            if (value(u, depth + 1))
                return SG_EDATA;
        return 0;
    }
    for (;;) {
        if (need(u, 1, "array not closed"))
            return SG_EDATA;
        if (u->p[u->pos] == ']') {
            u->pos++;
            return 0;
        }
        if (value(u, depth + 1))
            return SG_EDATA;
    }
}

static int object(ub *u, int depth)
{
    for (;;) {
        if (need(u, 1, "object not closed"))
            return SG_EDATA;
        if (u->p[u->pos] == '}') {
            u->pos++;
            return 0;
        }
        size_t n;
        if (read_length(u, 1, "key longer than the data", &n))
            return SG_EDATA;
        u->pos += n;
        if (value(u, depth + 1))
            return SG_EDATA;
    }
}

static int value(ub *u, int depth)
{
    if (depth > SG_UBJSON_MAX_DEPTH)
        return bad(u, "nested too deeply");
    if (need(u, 1, "value missing"))
        return SG_EDATA;
    uint8_t m = u->p[u->pos++];
    if (m == '{')
        return object(u, depth);
    if (m == '[')
        return array(u, depth);
    if (m == 'S') {
        size_t n;
        if (read_length(u, 1, "string longer than the data", &n))
            return SG_EDATA;
        u->pos += n;
        return 0;
    }
    size_t size = scalar_size(m);
    if (size == (size_t)-1) {
        u->pos--;
        return bad(u, "unknown marker");
    }
    if (need(u, size, "number cut short"))
        return SG_EDATA;
    u->pos += size;
    return 0;
}

int sg_ubjson_check(const uint8_t *buf, size_t len, const char *what, sg_error *err)
{
    ub u = { buf, len, 0, what ? what : "ubjson", err };
    if (!buf || len == 0)
        return bad(&u, "no bytes");
    if (value(&u, 0))
        return SG_EDATA;
    if (u.pos != len)
        return bad(&u, "bytes after the value");
    return 0;
}
