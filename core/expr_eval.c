/* Vectorised evaluation of parsed expressions (see expr.c and ops.h).
 *
 * Rows are processed in chunks of SG_XE_CHUNK: for each chunk the tree is walked
 * once, and every node turns its children's vectors into its own vector
 * with a tight loop over the chunk, so nothing is interpreted per row.
 * Each node owns its buffers (allocated once per evaluation and reused for
 * every chunk); a column reference points into the column's data and
 * copies nothing but, when the column has missing values, its bitmap
 * expanded to one byte per row.
 *
 * Strings travel as dictionary codes.  Work that depends only on a string
 * (lower, starts_with 'x', ordering against a literal, `in` lists...) is
 * done once per distinct code through a per-node memo, so its cost
 * follows the number of distinct values, not rows.
 *
 * Numeric rules: int64 + - * % wrap around on overflow (two's complement)
 * and % takes the sign of the divisor (as in Lua); x / 0 and x % 0 are
 * missing; a double result that is not finite (log(0), sqrt(-1), overflow)
 * is missing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr_impl.h"
#include "mem.h"

static int lit_str(const xnode *n) { return n->kind == X_LIT && n->type == SG_STRING; }
static int intlike(sg_type t) { return t == SG_INT64 || t == SG_BOOL; }

int sg_xe_oom(xctx *cx)
{
    sg_error_nomem(cx->err);
    return -1;
}

void *sg_xe_scratch(xctx *cx, void **slot)
{
    if (!*slot && !(*slot = sg_malloc(cx->chunk * 8)))
        sg_xe_oom(cx);
    return *slot;
}

/* The node's output buffers. */
int sg_xe_outbufs(xctx *cx, xstate *st, void **buf, uint8_t **na)
{
    if (!sg_xe_scratch(cx, &st->buf))
        return -1;
    if (!st->na && !(st->na = sg_malloc(cx->chunk)))
        return sg_xe_oom(cx);
    *buf = st->buf;
    *na = st->na;
    return 0;
}

const double *sg_xe_f64(xctx *cx, xstate *st, int slot, const xvec *v, size_t len)
{
    if (v->type == SG_DOUBLE)
        return v->data;
    double *t = sg_xe_scratch(cx, &st->tmp[slot]);
    if (!t)
        return NULL;
    if (v->type == SG_BOOL) {
        const uint8_t *x = v->data;
        for (size_t i = 0; i < len; i++)
            t[i] = x[i];
    } else {
        const int64_t *x = v->data;
        for (size_t i = 0; i < len; i++)
            t[i] = (double)x[i];
    }
    return t;
}

const int64_t *sg_xe_i64(xctx *cx, xstate *st, int slot, const xvec *v, size_t len)
{
    if (v->type == SG_INT64 || v->type == SG_DATETIME)
        return v->data;
    int64_t *t = sg_xe_scratch(cx, &st->tmp[slot]);
    if (!t)
        return NULL;
    if (v->type == SG_BOOL) {
        const uint8_t *x = v->data;
        for (size_t i = 0; i < len; i++)
            t[i] = x[i];
    } else {  /* not produced by the type checker; kept total */
        const double *x = v->data;
        for (size_t i = 0; i < len; i++)
            t[i] = isfinite(x[i]) && fabs(x[i]) < 9e18 ? (int64_t)x[i] : 0;
    }
    return t;
}

/* Memo over the codes of dictionary d (entries start as MEMO_UNK). */
int32_t *sg_xe_memo(xctx *cx, xstate *st, int slot, const sg_dict *d)
{
    size_t need = sg_dict_size(d);
    if (need == 0)
        need = 1;
    if (need > st->memo_n[slot]) {
        size_t nn = need > st->memo_n[slot] * 2 ? need : st->memo_n[slot] * 2;
        int32_t *m = sg_realloc(st->memo[slot], nn * sizeof *m);
        if (!m) {
            sg_xe_oom(cx);
            return NULL;
        }
        for (size_t k = st->memo_n[slot]; k < nn; k++)
            m[k] = MEMO_UNK;
        st->memo[slot] = m;
        st->memo_n[slot] = nn;
    }
    return st->memo[slot];
}

static int bytecmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

static int cmp_holds(int op, int c)
{
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    default: return c >= 0;
    }
}

/* ---- leaves ---- */

static int eval_lit(xctx *cx, const xnode *n, xstate *st, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    if (st->filled < len) {
        for (size_t i = 0; i < len; i++)
            switch (n->type) {
            case SG_DOUBLE: ((double *)buf)[i] = n->dval; break;
            case SG_BOOL: ((uint8_t *)buf)[i] = (uint8_t)n->ival; break;
            case SG_STRING: ((int32_t *)buf)[i] = 0; break;
            default: ((int64_t *)buf)[i] = n->ival; break;
            }
        st->filled = len;
    }
    out->data = buf;
    out->na = cx->zeros;
    out->dict = n->sdict;
    return 0;
}

static int eval_col(xctx *cx, const xnode *n, xstate *st, size_t off, size_t len, xvec *out)
{
    const sg_column *c = cx->cols[n->col];
    out->data = (const char *)c->data + off * sg_xe_width(c->type);
    out->dict = c->dict;
    out->na = cx->zeros;
    if (c->na) {
        if (!st->na && !(st->na = sg_malloc(cx->chunk)))
            return sg_xe_oom(cx);
        size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (!(off & 7)) {   /* bitmap byte -> 8 flag bytes: byte k gets bit k */
            const uint8_t *bits = c->na + (off >> 3);
            for (; i + 8 <= len; i += 8)
                sg_xe_st8(st->na + i, sg_xe_nz8(((uint64_t)bits[i >> 3] * SG_XE_ONES) &
                                                UINT64_C(0x8040201008040201)));
        }
#endif
        for (; i < len; i++) {
            size_t r = off + i;
            st->na[i] = (uint8_t)((c->na[r >> 3] >> (r & 7)) & 1);
        }
        out->na = st->na;
    }
    return 0;
}

/* ---- operators ---- */

static int eval_arith(xctx *cx, const xnode *n, xstate *st, const xvec *a, const xvec *b, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    int op = n->op;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    sg_xe_or(na, a->na, b->na, len);
    out->data = buf;
    out->na = na;
    if (n->type == SG_INT64) {
        const int64_t *x = sg_xe_i64(cx, st, 0, a, len), *y = sg_xe_i64(cx, st, 1, b, len);
        int64_t *o = buf;
        if (!x || !y)
            return -1;
        switch (op) {
        case OP_ADD: for (size_t i = 0; i < len; i++) o[i] = (int64_t)((uint64_t)x[i] + (uint64_t)y[i]); break;
        case OP_SUB: for (size_t i = 0; i < len; i++) o[i] = (int64_t)((uint64_t)x[i] - (uint64_t)y[i]); break;
        case OP_MUL: for (size_t i = 0; i < len; i++) o[i] = (int64_t)((uint64_t)x[i] * (uint64_t)y[i]); break;
        default:
            for (size_t i = 0; i < len; i++) {
                if (y[i] == 0) {
                    o[i] = 0;
                    na[i] = 1;
                } else if (y[i] == -1) {
                    o[i] = 0;
                } else {
                    int64_t r = x[i] % y[i];
                    o[i] = r != 0 && ((r < 0) != (y[i] < 0)) ? r + y[i] : r;
                }
            }
        }
        return 0;
    }
    if (n->type == SG_DATETIME) {
        const xvec *d = a->type == SG_DATETIME ? a : b, *num = a->type == SG_DATETIME ? b : a;
        const int64_t *t = d->data;
        int64_t *o = buf;
        int neg = op == OP_SUB;
        const int64_t *yi = intlike(num->type) ? sg_xe_i64(cx, st, 0, num, len) : NULL;
        const double *yf = yi ? NULL : sg_xe_f64(cx, st, 0, num, len);
        if (!yi && !yf)
            return -1;
        for (size_t i = 0; i < len; i++) {
            int64_t s = 0;
            int bad = 0;
            if (yi) {
                bad = yi[i] > INT64_MAX / DAY || yi[i] < -(INT64_MAX / DAY);
                s = bad ? 0 : yi[i] * DAY;
            } else {
                double f = yf[i] * DAY;
                bad = !(fabs(f) < 9e18);
                s = bad ? 0 : (int64_t)llround(f);
            }
            if (neg)
                s = -s;
            if (bad || (s > 0 && t[i] > INT64_MAX - s) || (s < 0 && t[i] < INT64_MIN - s)) {
                na[i] = 1;
                o[i] = 0;
            } else
                o[i] = t[i] + s;
        }
        return 0;
    }
    double *o = buf;
    if (a->type == SG_DATETIME) {     /* datetime - datetime: days */
        const int64_t *x = a->data, *y = b->data;
        for (size_t i = 0; i < len; i++)
            o[i] = ((double)x[i] - (double)y[i]) / DAY;
        return 0;
    }
    const double *x = sg_xe_f64(cx, st, 0, a, len), *y = sg_xe_f64(cx, st, 1, b, len);
    if (!x || !y)
        return -1;
    switch (op) {
    case OP_ADD: for (size_t i = 0; i < len; i++) o[i] = x[i] + y[i]; break;
    case OP_SUB: for (size_t i = 0; i < len; i++) o[i] = x[i] - y[i]; break;
    case OP_MUL: for (size_t i = 0; i < len; i++) o[i] = x[i] * y[i]; break;
    case OP_DIV: for (size_t i = 0; i < len; i++) o[i] = y[i] != 0 ? x[i] / y[i] : NAN; break;
    default:
        for (size_t i = 0; i < len; i++) {
            if (y[i] == 0) {
                o[i] = NAN;
                continue;
            }
            double r = fmod(x[i], y[i]);
            o[i] = r != 0 && ((r < 0) != (y[i] < 0)) ? r + y[i] : r;
        }
    }
    for (size_t i = 0; i < len; i++)
        if (!isfinite(o[i])) {
            o[i] = 0;
            na[i] = 1;
        }
    return 0;
}

#define CMP_LOOP(X, Y)                                                                   \
    switch (op) {                                                                        \
    case OP_EQ: for (size_t i = 0; i < len; i++) o[i] = X[i] == Y[i]; break;             \
    case OP_NE: for (size_t i = 0; i < len; i++) o[i] = X[i] != Y[i]; break;             \
    case OP_LT: for (size_t i = 0; i < len; i++) o[i] = X[i] < Y[i]; break;              \
    case OP_LE: for (size_t i = 0; i < len; i++) o[i] = X[i] <= Y[i]; break;             \
    case OP_GT: for (size_t i = 0; i < len; i++) o[i] = X[i] > Y[i]; break;              \
    default: for (size_t i = 0; i < len; i++) o[i] = X[i] >= Y[i]; break;                \
    }

static int eval_strcmp(xctx *cx, const xnode *n, xstate *st, const xvec *a, const xvec *b,
                       size_t len, uint8_t *o, const uint8_t *na)
{
    int op = n->op, eqne = op == OP_EQ || op == OP_NE;
    const int32_t *x = a->data, *y = b->data;
    int lit_b = lit_str(n->a[1]), lit_a = !lit_b && lit_str(n->a[0]);
    if (eqne && (lit_a || lit_b)) {
        /* one dictionary lookup, then code comparisons */
        const xnode *l = lit_b ? n->a[1] : n->a[0];
        const xvec *v = lit_b ? a : b;
        const int32_t *c = v->data;
        int32_t code = sg_dict_find(v->dict, l->sval, l->slen);
        uint8_t ne = op == OP_NE;
        for (size_t i = 0; i < len; i++)
            o[i] = (uint8_t)((c[i] == code) ^ ne);
    } else if (eqne && a->dict == b->dict) {
        CMP_LOOP(x, y)
    } else if (lit_a || lit_b) {
        /* ordering against a literal: once per distinct code */
        const xnode *l = lit_b ? n->a[1] : n->a[0];
        const xvec *v = lit_b ? a : b;
        const int32_t *c = v->data;
        int32_t *m = sg_xe_memo(cx, st, 0, v->dict);
        if (!m)
            return -1;
        for (size_t i = 0; i < len; i++) {
            if (na[i]) {
                o[i] = 0;
                continue;
            }
            if (m[c[i]] == MEMO_UNK) {
                size_t ls;
                const char *s = sg_dict_str(v->dict, c[i], &ls);
                m[c[i]] = bytecmp(s, ls, l->sval, l->slen);
            }
            o[i] = (uint8_t)cmp_holds(op, lit_b ? m[c[i]] : -m[c[i]]);
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            size_t la, lb;
            if (na[i]) {
                o[i] = 0;
                continue;
            }
            const char *sa = sg_dict_str(a->dict, x[i], &la), *sb = sg_dict_str(b->dict, y[i], &lb);
            o[i] = (uint8_t)cmp_holds(op, bytecmp(sa, la, sb, lb));
        }
    }
    return 0;
}

static int eval_cmp(xctx *cx, const xnode *n, xstate *st, const xvec *a, const xvec *b, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    int op = n->op;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    uint8_t *o = buf;
    sg_xe_or(na, a->na, b->na, len);
    out->data = buf;
    out->na = na;
    if (a->type == SG_STRING)
        return eval_strcmp(cx, n, st, a, b, len, o, na);
    if ((intlike(a->type) && intlike(b->type)) || a->type == SG_DATETIME) {
        const int64_t *x = sg_xe_i64(cx, st, 0, a, len), *y = sg_xe_i64(cx, st, 1, b, len);
        if (!x || !y)
            return -1;
        CMP_LOOP(x, y)
    } else {
        const double *x = sg_xe_f64(cx, st, 0, a, len), *y = sg_xe_f64(cx, st, 1, b, len);
        if (!x || !y)
            return -1;
        CMP_LOOP(x, y)
    }
    return 0;
}

/* Three-valued logic: false and missing = false, true or missing = true. */
static int eval_logic(xctx *cx, const xnode *n, xstate *st, const xvec *a, const xvec *b, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    uint8_t *o = buf;
    const uint8_t *x = a->data, *y = b->data;
    if (n->op == OP_AND) {
        for (size_t i = 0; i < len; i++) {
            int fa = !a->na[i] && !x[i], fb = !b->na[i] && !y[i];
            na[i] = (uint8_t)(!fa && !fb && (a->na[i] | b->na[i]));
            o[i] = (uint8_t)(!fa && !fb && !na[i]);
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            int ta = !a->na[i] && x[i], tb = !b->na[i] && y[i];
            na[i] = (uint8_t)(!ta && !tb && (a->na[i] | b->na[i]));
            o[i] = (uint8_t)(ta || tb);
        }
    }
    out->data = o;
    out->na = na;
    return 0;
}

static int eval_in(xctx *cx, const xnode *n, xstate *st, const xvec *a, size_t len, xvec *out)
{
    void *buf;
    uint8_t *na;
    if (sg_xe_outbufs(cx, st, &buf, &na))
        return -1;
    uint8_t *o = buf;
    uint8_t neg = (uint8_t)n->negate;
    if (a->type == SG_STRING) {
        const int32_t *c = a->data;
        int32_t *m = sg_xe_memo(cx, st, 0, a->dict);
        if (!m)
            return -1;
        for (size_t i = 0; i < len; i++) {
            if (a->na[i]) {
                o[i] = 0;
                continue;
            }
            if (m[c[i]] == MEMO_UNK) {
                size_t ls;
                const char *s = sg_dict_str(a->dict, c[i], &ls);
                m[c[i]] = 0;
                for (size_t k = 0; k < n->nlist; k++)
                    if (n->slens[k] == ls && memcmp(n->slist[k], s, ls) == 0)
                        m[c[i]] = 1;
            }
            o[i] = (uint8_t)(m[c[i]] ^ neg);
        }
    } else if (n->ilist) {
        const int64_t *x = sg_xe_i64(cx, st, 0, a, len);
        if (!x)
            return -1;
        for (size_t i = 0; i < len; i++) {
            size_t lo = 0, hi = n->nlist;   /* binary search in the sorted list */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (n->ilist[mid] < x[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            o[i] = (uint8_t)((lo < n->nlist && n->ilist[lo] == x[i]) ^ neg);
        }
    } else {
        const double *x = sg_xe_f64(cx, st, 0, a, len);
        if (!x)
            return -1;
        for (size_t i = 0; i < len; i++) {
            size_t lo = 0, hi = n->nlist;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (n->dlist[mid] < x[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            o[i] = (uint8_t)((lo < n->nlist && n->dlist[lo] == x[i]) ^ neg);
        }
    }
    out->data = o;
    out->na = a->na;
    return 0;
}

int sg_xe_eval_node(xctx *cx, const xnode *n, size_t off, size_t len, xvec *out)
{
    xvec a[SG_EXPR_MAX_ARGS];
    xstate *st = &cx->st[n->id];
    for (int k = 0; k < n->nargs; k++)
        if (sg_xe_eval_node(cx, n->a[k], off, len, &a[k]))
            return -1;
    out->type = n->type;
    out->dict = NULL;
    switch (n->kind) {
    case X_LIT:
        return eval_lit(cx, n, st, len, out);
    case X_COL:
        return eval_col(cx, n, st, off, len, out);
    case X_NEG: {
        void *buf;
        uint8_t *na;
        if (sg_xe_outbufs(cx, st, &buf, &na))
            return -1;
        if (n->type == SG_DOUBLE) {
            const double *x = a[0].data;
            for (size_t i = 0; i < len; i++)
                ((double *)buf)[i] = -x[i];
        } else {
            const int64_t *x = sg_xe_i64(cx, st, 0, &a[0], len);
            if (!x)
                return -1;
            for (size_t i = 0; i < len; i++)
                ((int64_t *)buf)[i] = (int64_t)(0 - (uint64_t)x[i]);
        }
        out->data = buf;
        out->na = a[0].na;
        return 0;
    }
    case X_NOT: {
        void *buf;
        uint8_t *na;
        if (sg_xe_outbufs(cx, st, &buf, &na))
            return -1;
        sg_xe_not(buf, a[0].data, len);
        out->data = buf;
        out->na = a[0].na;
        return 0;
    }
    case X_BIN:
        if (n->op <= OP_MOD)
            return eval_arith(cx, n, st, &a[0], &a[1], len, out);
        if (n->op <= OP_GE)
            return eval_cmp(cx, n, st, &a[0], &a[1], len, out);
        return eval_logic(cx, n, st, &a[0], &a[1], len, out);
    case X_IN:
        return eval_in(cx, n, st, &a[0], len, out);
    case X_CALL:
        return sg_xe_call(cx, n, st, a, len, out);
    }
    sg_error_set(cx->err, SG_EINVAL, "internal error: bad expression node");
    return -1;
}
