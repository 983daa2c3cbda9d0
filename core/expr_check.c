/* Typed constructors of the expression tree (the type checker): each node
 * gets its result type here, string literals become datetimes or numbers
 * become text where the other operand asks for it, and mismatches get a
 * message naming the operator or function and the types involved. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr_impl.h"
#include "mem.h"

static int is_intlike(sg_type t) { return t == SG_INT64 || t == SG_BOOL; }
static int is_num(sg_type t) { return t == SG_INT64 || t == SG_DOUBLE || t == SG_BOOL; }
static int lit_str(const xnode *n) { return n->kind == X_LIT && n->type == SG_STRING; }
static int lit_num(const xnode *n) { return n->kind == X_LIT && (n->type == SG_INT64 || n->type == SG_DOUBLE); }

int sg_xp_string_lit(parser *p, xnode *n, char *text, size_t len)
{
    n->kind = X_LIT;
    n->type = SG_STRING;
    sg_free(n->sval);
    n->sval = text;
    n->slen = len;
    n->sdict = sg_dict_new(1);
    if (!n->sdict || sg_dict_intern(n->sdict, text, len) < 0) {
        sg_xp_nomem(p);
        return -1;
    }
    return 0;
}

/* Text to datetime: ISO, YYYYMMDD, DD-MM-YYYY, or a slash date that only
 * one of DD/MM/YYYY and MM/DD/YYYY accepts (or both give the same day). */
static int parse_date_text(const char *s, size_t len, int64_t *out, int *has_time, int *ambiguous)
{
    static const sg_date_format order[] = { SG_DATE_ISO, SG_DATE_COMPACT, SG_DATE_DMY_DASH };
    *ambiguous = 0;
    for (size_t k = 0; k < 3; k++)
        if (sg_datetime_parse(s, len, order[k], out, has_time) == 0)
            return 0;
    int64_t a, b;
    int ha, hb;
    int okd = sg_datetime_parse(s, len, SG_DATE_DMY, &a, &ha) == 0;
    int okm = sg_datetime_parse(s, len, SG_DATE_MDY, &b, &hb) == 0;
    if (okd && okm && a != b) {
        *ambiguous = 1;
        return -1;
    }
    if (okd || okm) {
        *out = okd ? a : b;
        *has_time = okd ? ha : hb;
        return 0;
    }
    return -1;
}

/* A string literal used where a datetime is expected becomes a datetime. */
static int coerce_date(parser *p, xnode *n)
{
    int64_t v;
    int has_time, amb;
    if (parse_date_text(n->sval, n->slen, &v, &has_time, &amb) != 0) {
        if (amb)
            sg_xp_error(p, n->pos, "the date '%.*s' is ambiguous (day/month or month/day?); write it as YYYY-MM-DD",
                 (int)(n->slen > 40 ? 40 : n->slen), n->sval);
        else
            sg_xp_error(p, n->pos, "'%.*s' is not a date; write dates as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'",
                 (int)(n->slen > 40 ? 40 : n->slen), n->sval);
        return -1;
    }
    sg_dict_release(n->sdict);
    n->sdict = NULL;
    n->type = SG_DATETIME;
    n->ival = v;
    n->date_only = !has_time;
    return 0;
}

/* A number literal compared with a string becomes its source text, so
 * CustomerID == 17850 works on an ID column read as text. */
static int coerce_text(parser *p, xnode *n)
{
    char *text = sg_strdup(n->sval ? n->sval : "");
    if (!text) {
        sg_xp_nomem(p);
        return -1;
    }
    return sg_xp_string_lit(p, n, text, strlen(text));
}

static const char *type_name(sg_type t) { return sg_type_name(t); }

/* ---- typed node constructors ---- */

xnode *sg_xp_binary(parser *p, int op, xnode *a, xnode *b, size_t pos)
{
    static const char *verbs[] = { "add", "subtract", "multiply", "divide", "take the remainder of" };
    static const char *texts[] = { "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or" };
    int fail = 0;
    sg_type rt = SG_BOOL;
    int date_only = 0;
    if (op <= OP_GE) {
        if (a->type == SG_DATETIME && lit_str(b))
            fail = coerce_date(p, b);
        else if (b->type == SG_DATETIME && lit_str(a))
            fail = coerce_date(p, a);
        else if (op >= OP_EQ && op <= OP_NE && a->type == SG_STRING && lit_num(b))
            fail = coerce_text(p, b);
        else if (op >= OP_EQ && op <= OP_NE && b->type == SG_STRING && lit_num(a))
            fail = coerce_text(p, a);
    }
    sg_type ta = a->type, tb = b->type;
    if (fail) {
        /* message already set */
    } else if (op <= OP_MOD) {
        if (ta == SG_STRING || tb == SG_STRING) {
            sg_xp_error(p, pos, "cannot %s %s and %s", verbs[op], type_name(ta), type_name(tb));
            fail = 1;
        } else if (ta == SG_DATETIME && tb == SG_DATETIME) {
            if (op == OP_SUB)
                rt = SG_DOUBLE;
            else {
                sg_xp_error(p, pos, "cannot %s two datetimes (subtract them to get the days between)", verbs[op]);
                fail = 1;
            }
        } else if (ta == SG_DATETIME || tb == SG_DATETIME) {
            if (op == OP_ADD || (op == OP_SUB && ta == SG_DATETIME)) {
                rt = SG_DATETIME;
                const xnode *d = ta == SG_DATETIME ? a : b, *num = ta == SG_DATETIME ? b : a;
                date_only = d->date_only && is_intlike(num->type);
            } else {
                sg_xp_error(p, pos, "cannot %s %s and %s (add or subtract a number of days to a datetime)",
                     verbs[op], type_name(ta), type_name(tb));
                fail = 1;
            }
        } else
            rt = op == OP_DIV || ta == SG_DOUBLE || tb == SG_DOUBLE ? SG_DOUBLE : SG_INT64;
    } else if (op <= OP_GE) {
        if (!((ta == SG_STRING && tb == SG_STRING) || (ta == SG_DATETIME && tb == SG_DATETIME) ||
              (is_num(ta) && is_num(tb)))) {
            sg_xp_error(p, pos, "cannot compare %s and %s with '%s'%s", type_name(ta), type_name(tb), texts[op],
                 ta == SG_DATETIME || tb == SG_DATETIME ? " (write dates as '2011-12-09')" : "");
            fail = 1;
        }
    } else if (ta != SG_BOOL || tb != SG_BOOL) {
        sg_xp_error(p, pos, "'%s' needs conditions (true/false) on both sides, but the %s side is %s",
             texts[op], ta != SG_BOOL ? "left" : "right", type_name(ta != SG_BOOL ? ta : tb));
        fail = 1;
    }
    if (fail) {
        sg_xp_free_node(a);
        sg_xp_free_node(b);
        return NULL;
    }
    xnode *n = sg_xp_node(p, X_BIN, pos);
    if (n) {
        n->op = op;
        n->type = rt;
        n->date_only = date_only;
    }
    return sg_xp_attach(p, n, a, b, NULL);
}

static int need(parser *p, const xnode *a, const char *fname, int argi, int ok, const char *what)
{
    if (ok)
        return 0;
    sg_xp_error(p, a->pos, "%s expects %s as argument %d, but got %s", fname, what, argi, type_name(a->type));
    return -1;
}

static int need_dt(parser *p, xnode *a, const char *fname, int argi)
{
    if (lit_str(a))
        return coerce_date(p, a);
    return need(p, a, fname, argi, a->type == SG_DATETIME, "a datetime");
}

/* The common type of two branches (if, coalesce, min, max). */
static int unify(parser *p, const char *fname, xnode *a, xnode *b, sg_type *t, int *date_only)
{
    if (a->type == SG_DATETIME && lit_str(b) && coerce_date(p, b))
        return -1;
    if (b->type == SG_DATETIME && lit_str(a) && coerce_date(p, a))
        return -1;
    *date_only = 0;
    if (a->type == b->type) {
        *t = a->type;
        *date_only = a->date_only && b->date_only;
    } else if (is_num(a->type) && is_num(b->type))
        *t = a->type == SG_DOUBLE || b->type == SG_DOUBLE ? SG_DOUBLE : SG_INT64;
    else {
        sg_xp_error(p, b->pos, "%s cannot mix %s and %s", fname, type_name(a->type), type_name(b->type));
        return -1;
    }
    return 0;
}

xnode *sg_xp_call(parser *p, const struct fninfo *f, size_t pos, xnode **args, int n)
{
    const char *fname = f->name;
    sg_type rt = SG_DOUBLE;
    int date_only = 0, bad = 0;
    xnode *a = args[0], *b = n > 1 ? args[1] : NULL, *c = n > 2 ? args[2] : NULL;
    switch (f->fn) {
    case F_ABS: case F_FLOOR: case F_CEIL:
        bad = need(p, a, fname, 1, is_num(a->type), "a number");
        rt = is_intlike(a->type) ? SG_INT64 : SG_DOUBLE;
        break;
    case F_LOG: case F_LOG1P: case F_EXP: case F_SQRT:
        bad = need(p, a, fname, 1, is_num(a->type), "a number");
        break;
    case F_ROUND:
        bad = need(p, a, fname, 1, is_num(a->type), "a number") ||
              (b && need(p, b, fname, 2, is_intlike(b->type), "a whole number of digits"));
        rt = is_intlike(a->type) ? SG_INT64 : SG_DOUBLE;
        break;
    case F_POW:
        bad = need(p, a, fname, 1, is_num(a->type), "a number") ||
              need(p, b, fname, 2, is_num(b->type), "a number");
        break;
    case F_MIN: case F_MAX:
        bad = unify(p, fname, a, b, &rt, &date_only) ||
              need(p, a, fname, 1, rt != SG_STRING, "numbers or datetimes");
        break;
    case F_IS_MISSING:
        rt = SG_BOOL;
        break;
    case F_COALESCE:
        bad = unify(p, fname, a, b, &rt, &date_only);
        break;
    case F_IF:
        bad = need(p, a, fname, 1, a->type == SG_BOOL, "a condition (true/false)") ||
              unify(p, fname, b, c, &rt, &date_only);
        break;
    case F_STARTS_WITH: case F_ENDS_WITH: case F_CONTAINS:
        if (lit_num(b) && coerce_text(p, b))
            bad = 1;
        bad = bad || need(p, a, fname, 1, a->type == SG_STRING, "a string column (or text)") ||
              need(p, b, fname, 2, b->type == SG_STRING, "text");
        rt = SG_BOOL;
        break;
    case F_LOWER: case F_UPPER: case F_LENGTH:
        bad = need(p, a, fname, 1, a->type == SG_STRING, "a string column (or text)");
        rt = f->fn == F_LENGTH ? SG_INT64 : SG_STRING;
        break;
    case F_YEAR: case F_MONTH: case F_DAY: case F_WEEKDAY: case F_HOUR: case F_DAYS:
        bad = need_dt(p, a, fname, 1);
        rt = SG_INT64;
        break;
    case F_DATE: case F_MONTH_START:
        if (f->fn == F_DATE && lit_str(a)) {
            /* date('2011-12-09') is a literal (at midnight) */
            if (coerce_date(p, a)) {
                sg_xp_free_node(a);
                return NULL;
            }
            int64_t d = a->ival >= 0 ? a->ival / 86400 : -((-a->ival + 86399) / 86400);
            a->ival = d * 86400;
            a->date_only = 1;
            a->pos = pos;
            return a;
        }
        bad = need_dt(p, a, fname, 1);
        rt = SG_DATETIME;
        date_only = 1;
        break;
    case F_DAYS_BETWEEN:
        bad = need_dt(p, a, fname, 1) || need_dt(p, b, fname, 2);
        break;
    default:
        bad = 1;
        sg_xp_error(p, pos, "internal error: unhandled function %s", fname);
        break;
    }
    if (bad) {
        sg_xp_free_node(a);
        sg_xp_free_node(b);
        sg_xp_free_node(c);
        return NULL;
    }
    xnode *x = sg_xp_node(p, X_CALL, pos);
    if (x) {
        x->op = f->fn;
        x->type = rt;
        x->date_only = date_only;
    }
    return sg_xp_attach(p, x, a, b, c);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int cmp_f64(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* x in (list): the list's literals are checked against x's type and
 * stored in the node; the list nodes are freed. */
xnode *sg_xp_in(parser *p, xnode *x, xnode **list, size_t nl, int negate, size_t pos)
{
    xnode *n = sg_xp_node(p, X_IN, pos);
    int all_int = is_intlike(x->type);
    int fail = !n;
    for (size_t k = 0; k < nl && !fail; k++) {
        xnode *v = list[k];
        if (v->kind != X_LIT) {
            sg_xp_error(p, v->pos, "the list after 'in' must hold literal values (numbers, 'text', dates)");
            fail = 1;
        } else if (x->type == SG_STRING) {
            if (lit_num(v))
                fail = coerce_text(p, v);
            else if (v->type != SG_STRING) {
                sg_xp_error(p, v->pos, "cannot look for a %s in a string", type_name(v->type));
                fail = 1;
            }
        } else if (x->type == SG_DATETIME) {
            if (lit_str(v))
                fail = coerce_date(p, v);
            else if (v->type != SG_DATETIME) {
                sg_xp_error(p, v->pos, "cannot look for a %s among datetimes (write dates as '2011-12-09')",
                     type_name(v->type));
                fail = 1;
            }
        } else if (!is_num(v->type)) {
            sg_xp_error(p, v->pos, "cannot look for a %s in a %s", type_name(v->type), type_name(x->type));
            fail = 1;
        } else if (v->type == SG_DOUBLE)
            all_int = 0;
    }
    if (!fail) {
        n->nlist = nl;
        n->negate = negate;
        n->type = SG_BOOL;
        size_t cnt = nl ? nl : 1;
        if (x->type == SG_STRING) {
            n->slist = sg_calloc(cnt, sizeof *n->slist);
            n->slens = sg_calloc(cnt, sizeof *n->slens);
            fail = !n->slist || !n->slens;
            for (size_t k = 0; k < nl && !fail; k++) {
                n->slist[k] = list[k]->sval;    /* steal the text */
                n->slens[k] = list[k]->slen;
                list[k]->sval = NULL;
            }
        } else if (x->type == SG_DATETIME || all_int) {
            n->ilist = sg_malloc(cnt * sizeof *n->ilist);
            fail = !n->ilist;
            for (size_t k = 0; k < nl && !fail; k++)
                n->ilist[k] = list[k]->ival;
            if (!fail)
                qsort(n->ilist, nl, sizeof *n->ilist, cmp_i64);
        } else {
            n->dlist = sg_malloc(cnt * sizeof *n->dlist);
            fail = !n->dlist;
            for (size_t k = 0; k < nl && !fail; k++)
                n->dlist[k] = list[k]->type == SG_DOUBLE ? list[k]->dval : (double)list[k]->ival;
            if (!fail)
                qsort(n->dlist, nl, sizeof *n->dlist, cmp_f64);
        }
        if (fail)
            sg_xp_nomem(p);
    }
    for (size_t k = 0; k < nl; k++)
        sg_xp_free_node(list[k]);
    if (fail) {
        sg_xp_free_node(n);
        sg_xp_free_node(x);
        return NULL;
    }
    return sg_xp_attach(p, n, x, NULL, NULL);
}

