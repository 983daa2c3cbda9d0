/* Passwords out of connection strings: sg_sql_mask (for showing a
 * connection) and sg_sql_scrub (for messages that libpq or the server
 * built from it).  Both forms libpq reads are parsed: keyword = value
 * pairs (values quoted with '...' and backslash escapes) and URIs
 * (scheme://user:password@host/db?password=...). */
#include "sql_internal.h"

#include <string.h>
#include <strings.h>

/* ---- masking passwords in connection strings ---- */

typedef struct mask_out {
    char *buf;
    size_t size, len;
} mask_out;

static void put(mask_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++)
        if (o->size && o->len < o->size - 1)
            o->buf[o->len] = s[i];
}

static void puts_(mask_out *o, const char *s)
{
    put(o, s, strlen(s));
}

static int is_secret_key(const char *k, size_t n)
{
    return (n == 8 && strncasecmp(k, "password", 8) == 0) || (n == 11 && strncasecmp(k, "sslpassword", 11) == 0);
}

/* Called with each secret as it appears (raw), and whether it is quoted
 * (backslash escapes) or percent-encoded (URI). */
typedef void (*secret_fn)(void *ud, const char *s, size_t len, int encoding);
enum { ENC_PLAIN = 0, ENC_QUOTED, ENC_PERCENT };

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* libpq's keyword = value form. */
static void mask_keywords(const char *s, mask_out *o, secret_fn fn, void *ud)
{
    const char *p = s;
    for (;;) {
        const char *ws = p;
        while (is_space(*p))
            p++;
        put(o, ws, (size_t)(p - ws));
        if (!*p)
            return;
        const char *k = p;
        while (*p && *p != '=' && !is_space(*p))
            p++;
        size_t klen = (size_t)(p - k);
        while (is_space(*p))
            p++;
        if (*p != '=' || klen == 0) {
            puts_(o, "****");   /* not a connection string from here on */
            return;
        }
        p++;
        put(o, k, (size_t)(p - k));
        const char *vs = p;
        while (is_space(*p))
            p++;
        put(o, vs, (size_t)(p - vs));
        const char *v = p;
        int quoted = *p == '\'';
        if (quoted) {
            p++;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (*p != '\'') {
                puts_(o, "****");   /* unterminated quote */
                return;
            }
            p++;
        } else {
            while (*p && !is_space(*p)) {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
        }
        if (is_secret_key(k, klen)) {
            puts_(o, "****");
            if (fn) {
                if (quoted)
                    fn(ud, v + 1, (size_t)(p - v) - 2, ENC_QUOTED);
                else
                    fn(ud, v, (size_t)(p - v), ENC_QUOTED);
            }
        } else {
            put(o, v, (size_t)(p - v));
        }
    }
}

/* postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...] */
static void mask_uri(const char *s, mask_out *o, secret_fn fn, void *ud)
{
    const char *p = strstr(s, "://") + 3;
    put(o, s, (size_t)(p - s));
    const char *end = p;
    while (*end && *end != '/' && *end != '?')
        end++;
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            put(o, p, (size_t)(colon - p));
            puts_(o, ":****");
            if (fn)
                fn(ud, colon + 1, (size_t)(at - colon - 1), ENC_PERCENT);
            p = at;
        }
    }
    const char *qm = strchr(p, '?');
    if (!qm) {
        puts_(o, p);
        return;
    }
    put(o, p, (size_t)(qm + 1 - p));
    p = qm + 1;
    while (*p) {
        const char *amp = strchr(p, '&');
        const char *stop = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && is_secret_key(p, (size_t)(eq - p))) {
            put(o, p, (size_t)(eq + 1 - p));
            puts_(o, "****");
            if (fn)
                fn(ud, eq + 1, (size_t)(stop - eq - 1), ENC_PERCENT);
        } else {
            put(o, p, (size_t)(stop - p));
        }
        if (!amp)
            break;
        put(o, "&", 1);
        p = amp + 1;
    }
}

int sg_sql_is_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

static void mask_any(const char *s, mask_out *o, secret_fn fn, void *ud)
{
    /* without '=' nor "://" there is no keyword = value nor user:password@ */
    if (strncmp(s, "sqlite:", 7) == 0 || (!strchr(s, '=') && !strstr(s, "://")))
        puts_(o, s);
    else if (strstr(s, "://"))   /* any scheme://user:password@host */
        mask_uri(s, o, fn, ud);
    else
        mask_keywords(s, o, fn, ud);
}

size_t sg_sql_mask(const char *conninfo, char *buf, size_t size)
{
    mask_out o = { buf, size, 0 };
    if (conninfo)
        mask_any(conninfo, &o, NULL, NULL);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

typedef struct scrub_ctx {
    char *msg;
    size_t size;
} scrub_ctx;

static void scrub_one(char *msg, const char *secret, size_t n)
{
    if (n == 0)
        return;
    char *p = msg;
    while ((p = strstr(p, secret)) != NULL) {
        size_t rest = strlen(p + n);
        if (n >= 4) {
            memcpy(p, "****", 4);
            memmove(p + 4, p + n, rest + 1);
            p += 4;
        } else {
            /* a short secret: "****" would grow the message; shrink instead */
            memset(p, '*', n);
            p += n;
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void scrub_secret(void *ud, const char *s, size_t len, int encoding)
{
    scrub_ctx *c = ud;
    char raw[512], dec[512];
    if (len >= sizeof raw)
        len = sizeof raw - 1;
    memcpy(raw, s, len);
    raw[len] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (encoding == ENC_QUOTED && raw[i] == '\\' && i + 1 < len) {
            dec[k++] = raw[++i];
        } else if (encoding == ENC_PERCENT && raw[i] == '%' && i + 2 < len &&
                   hexval(raw[i + 1]) >= 0 && hexval(raw[i + 2]) >= 0) {
            dec[k++] = (char)(hexval(raw[i + 1]) * 16 + hexval(raw[i + 2]));
            i += 2;
        } else {
            dec[k++] = raw[i];
        }
    }
    dec[k] = '\0';
    scrub_one(c->msg, raw, len);
    scrub_one(c->msg, dec, k);
}

void sg_sql_scrub(char *msg, size_t size, const char *conninfo)
{
    if (!msg || !size || !conninfo)
        return;
    msg[size - 1] = '\0';
    scrub_ctx c = { msg, size };
    mask_out o = { NULL, 0, 0 };
    mask_any(conninfo, &o, scrub_secret, &c);
}
