/* The functions of the expression language (abs ... month_start), each a
 * loop over one chunk of rows; see expr_eval.c for the evaluation model.
 * String functions work once per distinct dictionary code (memo) when
 * their other arguments are literals. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "datetime.h"
#include "expr_impl.h"
#include "mem.h"

static int lit_str(const xnode *n) { return n->kind == X_LIT && n->type == SG_STRING; }

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Half away from zero at `d` decimal digits.  x * 10^d may land a hair
 * below .5 because x has no exact binary form (2.675 * 100 =
 * 267.49999999999997); such ties are rounded as the decimal text reads. */
static double round_digits(double x, int64_t d)
{
    if (d > 300)
        return x;
    if (d < -300)
        return 0.0;
    double m = pow(10.0, (double)(d < 0 ? -d : d));
    double y = d >= 0 ? x * m : x / m;
    if (!isfinite(y) || fabs(y) >= 4503599627370496.0)     /* 2^52: no fraction left */
        return x;
    double r = round(y), f = fabs(y - trunc(y));
    if (f < 0.5 && 0.5 - f <= 2 * DBL_EPSILON * fabs(y))
        r = trunc(y) + (y < 0 ? -1.0 : 1.0);
    return d >= 0 ? r / m : r * m;
}

static int64_t round_int(int64_t x, int64_t d)
{
    if (d >= 0)
        return x;
    if (d < -18)
        return 0;
    int64_t m = 1;
    for (int64_t k = 0; k < -d; k++)
        m *= 10;
    int64_t q = x / m, r = x % m;
    if (r * 2 >= m || r * 2 <= -m)
        q += x < 0 ? -1 : 1;
    return (int64_t)((uint64_t)q * (uint64_t)m);
}

static int str_match(int fn, const char *s, size_t ls, const char *p, size_t lp)
{
    if (lp > ls)
        return 0;
    if (fn == F_STARTS_WITH)
        return memcmp(s, p, lp) == 0;
    if (fn == F_ENDS_WITH)
        return memcmp(s + ls - lp, p, lp) == 0;
    if (lp == 0)
        return 1;
    for (size_t i = 0; i + lp <= ls; i++)
        if (s[i] == p[0] && memcmp(s + i, p, lp) == 0)
            return 1;
    return 0;
}

static int64_t utf8_length(const char *s, size_t l)
{
    int64_t n = 0;
    for (size_t i = 0; i < l; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static int need_odict(xctx *cx, xstate *st)
{
    if (!st->odict && !(st->odict = sg_dict_new(64)))
        return sg_xe_oom(cx);
    return 0;
}

/* o[i] = py[i] ? b[i] : a[i] for values of w bytes (8, 4 or 1), without
 * branches: py is 0/1 per row (a missing flag or a negated condition). */
static void select_w(void *o, const void *a, const void *b, const uint8_t *py, size_t len, size_t w)
{
    if (w == 1) {
        uint8_t *ob = o;
        const uint8_t *ab = a, *bb = b;
        size_t i = 0;
        for (; i + 8 <= len; i += 8) {
            uint64_t m = sg_xe_nz8(sg_xe_ld8(py + i)) * 0xff;
            sg_xe_st8(ob + i, (sg_xe_ld8(bb + i) & m) | (sg_xe_ld8(ab + i) & ~m));
        }
        for (; i < len; i++)
            ob[i] = py[i] ? bb[i] : ab[i];
    } else if (w == 4) {
        for (size_t i = 0; i < len; i++) {
            uint32_t x, y, m = 0u - (uint32_t)(py[i] != 0);
            memcpy(&x, (const char *)a + i * 4, 4);
            memcpy(&y, (const char *)b + i * 4, 4);
            x = (y & m) | (x & ~m);
            memcpy((char *)o + i * 4, &x, 4);
        }
    } else {
        for (size_t i = 0; i < len; i++) {  /* bits, so doubles copy exactly */
            uint64_t x, y, m = 0u - (uint64_t)(py[i] != 0);
            memcpy(&x, (const char *)a + i * 8, 8);
            memcpy(&y, (const char *)b + i * 8, 8);
            x = (y & m) | (x & ~m);
            memcpy((char *)o + i * 8, &x, 8);
        }
    }
}

/* Row-wise choice between x and y (if, coalesce): pick_y[i] (0/1) selects
 * y; force[i] (may be NULL) makes the row missing. */
static int pick(xctx *cx, const xnode *n, xstate *st, const xvec *x, const xvec *y,
                const uint8_t *pick_y, const uint8_t *force, size_t len, void *buf, uint8_t *na,
                xvec *out)
{
    select_w(na, x->na, y->na, pick_y, len, 1);
    if (force)
        sg_xe_or(na, na, force, len);
    switch (n->type) {
    case SG_DOUBLE: {
        const double *a = sg_xe_f64(cx, st, 0, x, len), *b = sg_xe_f64(cx, st, 1, y, len);
        if (!a || !b)
            return -1;
        select_w(buf, a, b, pick_y, len, 8);
        return 0;
    }
    case SG_INT64: case SG_DATETIME: {
        const int64_t *a = sg_xe_i64(cx, st, 0, x, len), *b = sg_xe_i64(cx, st, 1, y, len);
        if (!a || !b)
            return -1;
        select_w(buf, a, b, pick_y, len, 8);
        return 0;
    }
    case SG_BOOL:
        select_w(buf, x->data, y->data, pick_y, len, 1);
        return 0;
    case SG_STRING:
        break;
    }
    const int32_t *a = x->data, *b = y->data;
    int32_t *o = buf;
    if (x->dict == y->dict) {       /* same dictionary: codes pass through */
        select_w(buf, a, b, pick_y, len, 4);
        out->dict = x->dict;
        return 0;
    }
    /* different dictionaries: re-code both into this node's dictionary */
    int32_t *ma, *mb;
    if (need_odict(cx, st) || !(ma = sg_xe_memo(cx, st, 0, x->dict)) ||
        !(mb = sg_xe_memo(cx, st, 1, y->dict)))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (na[i]) {
            o[i] = 0;
            continue;
        }
        const xvec *v = pick_y[i] ? y : x;
        int32_t *m = pick_y[i] ? mb : ma, c = pick_y[i] ? b[i] : a[i];
        if (m[c] == MEMO_UNK) {
            size_t l;
            const char *s = sg_dict_str(v->dict, c, &l);
            if ((m[c] = sg_dict_intern(st->odict, s, l)) < 0) {
                m[c] = MEMO_UNK;
                return sg_xe_oom(cx);
            }
        }
        o[i] = m[c];
    }
    out->dict = st->odict;
    return 0;
}

static int string_fn(xctx *cx, const xnode *n, xstate *st, const xvec *a, size_t len,
                     void *buf, uint8_t *na, xvec *out)
{
    const int32_t *c = a[0].data;
    int fn = n->op;
    int32_t *m = sg_xe_memo(cx, st, 0, a[0].dict);
    if (!m)
        return -1;
    if ((fn == F_LOWER || fn == F_UPPER) && need_odict(cx, st))
        return -1;
    int per_code = n->nargs == 1 || lit_str(n->a[1]);
    if (n->nargs == 2)
        for (size_t i = 0; i < len; i++)
            na[i] = a[0].na[i] | a[1].na[i];
    else
        memcpy(na, a[0].na, len);
    for (size_t i = 0; i < len; i++) {
        size_t ls, lp = 0;
        const char *s, *p = NULL;
        int32_t r;
        if (na[i]) {
            if (fn == F_LENGTH)
                ((int64_t *)buf)[i] = 0;
            else if (fn == F_LOWER || fn == F_UPPER)
                ((int32_t *)buf)[i] = 0;
            else
                ((uint8_t *)buf)[i] = 0;
            continue;
        }
        if (per_code && m[c[i]] != MEMO_UNK) {
            r = m[c[i]];
        } else {
            s = sg_dict_str(a[0].dict, c[i], &ls);
            if (n->nargs == 2)
                p = sg_dict_str(a[1].dict, ((const int32_t *)a[1].data)[i], &lp);
            if (fn == F_LENGTH) {
                int64_t k = utf8_length(s, ls);
                r = k > INT32_MAX ? INT32_MAX : (int32_t)k;
            } else if (fn == F_LOWER || fn == F_UPPER) {
                if (ls + 1 > cx->scap) {
                    char *nb = sg_realloc(cx->sbuf, ls + 1);
                    if (!nb)
                        return sg_xe_oom(cx);
                    cx->sbuf = nb;
                    cx->scap = ls + 1;
                }
                for (size_t k = 0; k < ls; k++) {
                    char ch = s[k];
                    if (fn == F_LOWER && ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch + 32);
                    else if (fn == F_UPPER && ch >= 'a' && ch <= 'z')
                        ch = (char)(ch - 32);
                    cx->sbuf[k] = ch;
                }
                if ((r = sg_dict_intern(st->odict, ls ? cx->sbuf : "", ls)) < 0)
                    return sg_xe_oom(cx);
            } else
                r = str_match(fn, s, ls, p, lp);
            if (per_code)
                m[c[i]] = r;
        }
        if (fn == F_LENGTH)
            ((int64_t *)buf)[i] = r;
        else if (fn == F_LOWER || fn == F_UPPER)
            ((int32_t *)buf)[i] = r;
        else
            ((uint8_t *)buf)[i] = (uint8_t)r;
    }
    if (fn == F_LOWER || fn == F_UPPER)
        out->dict = st->odict;
    return 0;
}

/* Midnight of day `days` in seconds; missing when it lies before
 * INT64_MIN (the first day of the int64 range starts before it). */
static int64_t day_start(int64_t days, uint8_t *na)
{
    if (days < INT64_MIN / DAY) {      /* division truncates: INT64_MIN / DAY rounds up */
        *na = 1;
        return 0;
    }
    return days * DAY;
}

/* Defined for every int64: the day and the second of the day are taken
 * without multiplying back (days * DAY overflows near INT64_MIN), and a
 * date or month start before INT64_MIN is missing. */
static int date_fn(const xnode *n, const xvec *a, size_t len, void *buf, uint8_t *na)
{
    const int64_t *x = a[0].data;
    int64_t *o = buf;
    int fn = n->op;
    memcpy(na, a[0].na, len);
    for (size_t i = 0; i < len; i++) {
        if (na[i]) {
            o[i] = 0;
            continue;
        }
        int64_t days = floordiv(x[i], DAY), secs = x[i] % DAY, y;
        unsigned m, d;
        if (secs < 0)
            secs += DAY;
        switch (fn) {
        case F_YEAR: case F_MONTH: case F_DAY: case F_MONTH_START:
            sg_civil_from_days(days, &y, &m, &d);
            o[i] = fn == F_YEAR ? y : fn == F_MONTH ? (int64_t)m : fn == F_DAY ? (int64_t)d
                 : day_start(sg_days_from_civil(y, m, 1), &na[i]);
            break;
        case F_WEEKDAY: o[i] = sg_weekday(days); break;
        case F_HOUR: o[i] = secs / 3600; break;
        case F_DAYS: o[i] = days; break;
        default: o[i] = day_start(days, &na[i]); break;     /* F_DATE */
        }
    }
    return 0;
}

/* Not split: one switch that dispatches every built-in function of the
 * rule language, each case a few lines over the argument vectors; cutting
 * it in pieces would only spread the table of functions over several
 * places. */
int sg_xe_call(xctx *cx, const xnode *n, xstate *st, const xvec *a, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    int fn = n->op;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    out->data = buf;
    out->na = na;
    switch (fn) {
    case F_ABS: case F_FLOOR: case F_CEIL:
        memcpy(na, a[0].na, len);
        if (n->type == SG_INT64) {
            const int64_t *x = sg_xe_i64(cx, st, 0, &a[0], len);
            int64_t *o = buf;
            if (!x)
                return -1;
            for (size_t i = 0; i < len; i++) {
                o[i] = fn == F_ABS && x[i] < 0 ? (x[i] == INT64_MIN ? 0 : -x[i]) : x[i];
                if (fn == F_ABS && x[i] == INT64_MIN)
                    na[i] = 1;
            }
        } else {
            const double *x = a[0].data;
            double *o = buf;
            for (size_t i = 0; i < len; i++)
                o[i] = fn == F_ABS ? fabs(x[i]) : fn == F_FLOOR ? floor(x[i]) : ceil(x[i]);
        }
        return 0;
    case F_LOG: case F_LOG1P: case F_EXP: case F_SQRT: case F_POW: case F_ROUND: {
        const double *x = sg_xe_f64(cx, st, 0, &a[0], len), *y = NULL;
        const int64_t *dg = NULL;
        if (!x)
            return -1;
        if (n->nargs == 2) {
            for (size_t i = 0; i < len; i++)
                na[i] = a[0].na[i] | a[1].na[i];
            if (fn == F_POW ? !(y = sg_xe_f64(cx, st, 1, &a[1], len)) : !(dg = sg_xe_i64(cx, st, 1, &a[1], len)))
                return -1;
        } else
            memcpy(na, a[0].na, len);
        if (fn == F_ROUND && n->type == SG_INT64) {
            const int64_t *xi = sg_xe_i64(cx, st, 2, &a[0], len);
            int64_t *o = buf;
            if (!xi)
                return -1;
            for (size_t i = 0; i < len; i++)
                o[i] = round_int(xi[i], dg ? dg[i] : 0);
            return 0;
        }
        double *o = buf;
        switch (fn) {
        case F_LOG: for (size_t i = 0; i < len; i++) o[i] = x[i] > 0 ? log(x[i]) : NAN; break;
        case F_LOG1P: for (size_t i = 0; i < len; i++) o[i] = x[i] > -1 ? log1p(x[i]) : NAN; break;
        case F_EXP: for (size_t i = 0; i < len; i++) o[i] = exp(x[i]); break;
        case F_SQRT: for (size_t i = 0; i < len; i++) o[i] = x[i] >= 0 ? sqrt(x[i]) : NAN; break;
        case F_POW: for (size_t i = 0; i < len; i++) o[i] = pow(x[i], y[i]); break;
        default: for (size_t i = 0; i < len; i++) o[i] = round_digits(x[i], dg ? dg[i] : 0); break;
        }
        for (size_t i = 0; i < len; i++)
            if (!isfinite(o[i])) {
                o[i] = 0;
                na[i] = 1;
            }
        return 0;
    }
    case F_MIN: case F_MAX: {
        int mx = fn == F_MAX;
        for (size_t i = 0; i < len; i++)
            na[i] = a[0].na[i] | a[1].na[i];
        if (n->type == SG_DOUBLE) {
            const double *x = sg_xe_f64(cx, st, 0, &a[0], len), *y = sg_xe_f64(cx, st, 1, &a[1], len);
            double *o = buf;
            if (!x || !y)
                return -1;
            for (size_t i = 0; i < len; i++)
                o[i] = (x[i] < y[i]) != mx ? x[i] : y[i];
        } else if (n->type == SG_BOOL) {
            const uint8_t *x = a[0].data, *y = a[1].data;
            for (size_t i = 0; i < len; i++)
                ((uint8_t *)buf)[i] = mx ? (x[i] | y[i]) : (x[i] & y[i]);
        } else {
            const int64_t *x = sg_xe_i64(cx, st, 0, &a[0], len), *y = sg_xe_i64(cx, st, 1, &a[1], len);
            int64_t *o = buf;
            if (!x || !y)
                return -1;
            for (size_t i = 0; i < len; i++)
                o[i] = (x[i] < y[i]) != mx ? x[i] : y[i];
        }
        return 0;
    }
    case F_IS_MISSING:
        memcpy(buf, a[0].na, len);
        out->na = cx->zeros;
        return 0;
    case F_COALESCE:
        return pick(cx, n, st, &a[0], &a[1], a[0].na, NULL, len, buf, na, out);
    case F_IF: {
        uint8_t *sel = sg_xe_scratch(cx, &st->tmp[2]);
        const uint8_t *cond = a[0].data;
        if (!sel)
            return -1;
        sg_xe_not(sel, cond, len);
        return pick(cx, n, st, &a[1], &a[2], sel, a[0].na, len, buf, na, out);
    }
    case F_STARTS_WITH: case F_ENDS_WITH: case F_CONTAINS:
    case F_LOWER: case F_UPPER: case F_LENGTH:
        return string_fn(cx, n, st, a, len, buf, na, out);
    case F_DAYS_BETWEEN: {
        const int64_t *x = a[0].data, *y = a[1].data;
        double *o = buf;
        for (size_t i = 0; i < len; i++) {
            na[i] = a[0].na[i] | a[1].na[i];
            o[i] = ((double)y[i] - (double)x[i]) / DAY;
        }
        return 0;
    }
    default:
        return date_fn(n, a, len, buf, na);
    }
}
