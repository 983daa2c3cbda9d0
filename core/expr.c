/* The expression language of ops.h: lexer, recursive-descent parser and
 * type checker.  Parsing resolves column names against a schema and
 * settles every node's type, so evaluation (expr_eval.c) never has to
 * interpret anything per row.  Errors name the expression and a 1-based
 * position, and suggest the nearest column or function name.
 *
 * Precedence, lowest first:  or  <  and  <  not  <  comparison / in  <
 * + -  <  * / %  <  unary -  <  call, literal, column, ( ). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr_impl.h"
#include "mem.h"

#define MAX_NEST 200      /* parentheses, calls, unary operators */
#define MAX_HEIGHT 500    /* nodes on the longest root-to-leaf path */

static const struct fninfo fns[] = {
    { "abs", F_ABS, 1, 1 }, { "log", F_LOG, 1, 1 }, { "log1p", F_LOG1P, 1, 1 },
    { "exp", F_EXP, 1, 1 }, { "sqrt", F_SQRT, 1, 1 }, { "floor", F_FLOOR, 1, 1 },
    { "ceil", F_CEIL, 1, 1 }, { "round", F_ROUND, 1, 2 }, { "pow", F_POW, 2, 2 },
    { "min", F_MIN, 2, 2 }, { "max", F_MAX, 2, 2 }, { "is_missing", F_IS_MISSING, 1, 1 },
    { "coalesce", F_COALESCE, 2, 2 }, { "if", F_IF, 3, 3 },
    { "starts_with", F_STARTS_WITH, 2, 2 }, { "ends_with", F_ENDS_WITH, 2, 2 },
    { "contains", F_CONTAINS, 2, 2 }, { "lower", F_LOWER, 1, 1 }, { "upper", F_UPPER, 1, 1 },
    { "length", F_LENGTH, 1, 1 }, { "year", F_YEAR, 1, 1 }, { "month", F_MONTH, 1, 1 },
    { "day", F_DAY, 1, 1 }, { "weekday", F_WEEKDAY, 1, 1 }, { "hour", F_HOUR, 1, 1 },
    { "date", F_DATE, 1, 1 }, { "days", F_DAYS, 1, 1 },
    { "days_between", F_DAYS_BETWEEN, 2, 2 }, { "month_start", F_MONTH_START, 1, 1 },
};
#define NFNS (sizeof fns / sizeof fns[0])

/* ---- errors ---- */

void sg_xp_error(parser *p, size_t pos, const char *fmt, ...)
{
    char msg[760];
    va_list ap;
    if (p->failed)
        return;
    p->failed = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int cut = p->len > 160;
    sg_error_set(p->err, SG_EINVAL, "in expression \"%.*s%s\" at position %zu: %s",
                 cut ? 160 : (int)p->len, p->src, cut ? "..." : "", pos + 1, msg);
}

void sg_xp_nomem(parser *p)
{
    if (!p->failed) {
        p->failed = 1;
        sg_error_nomem(p->err);
    }
}

static int lower_c(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int ieq(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b);
    if (la != lb)
        return 0;
    for (size_t k = 0; k < la; k++)
        if (lower_c((unsigned char)a[k]) != lower_c((unsigned char)b[k]))
            return 0;
    return 1;
}

/* Case-insensitive Levenshtein distance (names longer than 63 bytes are
 * never suggested). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[64], prev;
    if (la > 63 || lb > 63)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = lower_c((unsigned char)a[i - 1]) != lower_c((unsigned char)b[j - 1]);
            size_t best = prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            prev = row[j];
            row[j] = best;
        }
    }
    return row[lb];
}

/* Appends " (did you mean 'x'?)" for the closest candidate, if close. */
static void suggest(char *buf, size_t size, const char *name, size_t len,
                    const char *const *cands, size_t n)
{
    size_t best = (size_t)-1, bi = 0;
    for (size_t k = 0; k < n; k++) {
        size_t d = edit_distance(name, len, cands[k], strlen(cands[k]));
        if (d < best) {
            best = d;
            bi = k;
        }
    }
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    if (n && best <= limit) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, " (did you mean '%s'?)", cands[bi]);
    }
}

static void unknown_column(parser *p, size_t pos, const char *name, size_t len)
{
    char msg[700];
    size_t nc = p->schema ? p->schema->ncols : 0;
    snprintf(msg, sizeof msg, "unknown column '%.*s'", (int)(len > 80 ? 80 : len), name);
    const char **names = nc ? sg_malloc(nc * sizeof *names) : NULL;
    if (names) {
        for (size_t k = 0; k < nc; k++)
            names[k] = p->schema->cols[k]->name;
        suggest(msg, sizeof msg, name, len, names, nc);
        sg_free(names);
    }
    size_t used = strlen(msg);
    snprintf(msg + used, sizeof msg - used, "; columns are: ");
    for (size_t k = 0; k < nc; k++) {
        used = strlen(msg);
        if (used + strlen(p->schema->cols[k]->name) + 8 >= sizeof msg) {
            snprintf(msg + used, sizeof msg - used, "...");
            break;
        }
        snprintf(msg + used, sizeof msg - used, "%s%s", k ? ", " : "", p->schema->cols[k]->name);
    }
    if (nc == 0) {
        used = strlen(msg);
        snprintf(msg + used, sizeof msg - used, "(none)");
    }
    sg_xp_error(p, pos, "%s", msg);
}

/* ---- lexer ---- */

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_id_start(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
static int is_id_char(int c) { return is_id_start(c) || is_digit(c); }

static int set_text(parser *p, const char *s, size_t len)
{
    p->tok.s = sg_strndup(s, len);
    if (!p->tok.s) {
        sg_xp_nomem(p);
        return -1;
    }
    p->tok.slen = len;
    return 0;
}

static int lex_number(parser *p)
{
    token *t = &p->tok;
    const char *s = p->src;
    size_t i = p->i;
    int isint = 1;
    while (i < p->len && is_digit((unsigned char)s[i]))
        i++;
    if (i < p->len && s[i] == '.') {
        isint = 0;
        i++;
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < p->len && is_digit((unsigned char)s[j])) {
            isint = 0;
            i = j;
            while (i < p->len && is_digit((unsigned char)s[i]))
                i++;
        }
    }
    if ((i < p->len && (is_id_char((unsigned char)s[i]) || s[i] == '.')) || i - p->i > 60) {
        while (i < p->len && (is_id_char((unsigned char)s[i]) || s[i] == '.'))
            i++;
        sg_xp_error(p, t->pos, "'%.*s' is not a valid number", (int)(i - p->i > 40 ? 40 : i - p->i),
             s + p->i);
        return -1;
    }
    if (set_text(p, s + p->i, i - p->i))
        return -1;
    t->t = T_NUM;
    t->isint = isint;
    if (isint) {
        errno = 0;
        long long v = strtoll(t->s, NULL, 10);
        if (errno == ERANGE)
            t->isint = 0;   /* too big for int64: a double */
        t->i = v;
    }
    t->d = strtod(t->s, NULL);
    p->i = i;
    t->end = i;
    return 0;
}

/* 'text' or "text" with backslash escapes, or `column name`. */
static int lex_quoted(parser *p, char q)
{
    token *t = &p->tok;
    size_t i = p->i + 1, n = 0;
    char *buf = sg_malloc(p->len - p->i + 1);
    if (!buf) {
        sg_xp_nomem(p);
        return -1;
    }
    for (;;) {
        if (i >= p->len) {
            sg_free(buf);
            if (q == '`')
                sg_xp_error(p, t->pos, "unterminated column name (missing closing `)");
            else
                sg_xp_error(p, t->pos, "unterminated string (missing closing %c)", q);
            return -1;
        }
        char c = p->src[i++];
        if (c == q)
            break;
        if (c == '\\' && q != '`' && i < p->len) {
            c = p->src[i++];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    if (q == '`' && n == 0) {
        sg_free(buf);
        sg_xp_error(p, t->pos, "empty column name ``");
        return -1;
    }
    t->t = q == '`' ? T_QIDENT : T_STR;
    t->s = buf;
    t->slen = n;
    p->i = i;
    t->end = i;
    return 0;
}

static int lex(parser *p)
{
    token *t = &p->tok;
    const char *s = p->src;
    sg_free(t->s);
    t->s = NULL;
    t->slen = 0;
    while (p->i < p->len && is_space((unsigned char)s[p->i]))
        p->i++;
    t->pos = p->i;
    if (p->i >= p->len) {
        t->t = T_END;
        t->end = p->i;
        return 0;
    }
    int c = (unsigned char)s[p->i];
    int c2 = p->i + 1 < p->len ? (unsigned char)s[p->i + 1] : 0;
    if (is_digit(c) || (c == '.' && is_digit(c2)))
        return lex_number(p);
    if (c == '\'' || c == '"' || c == '`')
        return lex_quoted(p, (char)c);
    if (is_id_start(c)) {
        size_t i = p->i;
        while (i < p->len && is_id_char((unsigned char)s[i]))
            i++;
        if (set_text(p, s + p->i, i - p->i))
            return -1;
        t->t = T_IDENT;
        p->i = t->end = i;
        return 0;
    }
    static const struct { const char *text; int t, op; } ops[] = {
        { "==", T_OP, OP_EQ }, { "!=", T_OP, OP_NE }, { "~=", T_OP, OP_NE },
        { "<>", T_OP, OP_NE }, { "<=", T_OP, OP_LE }, { ">=", T_OP, OP_GE },
        { "&&", T_OP, OP_AND }, { "||", T_OP, OP_OR }, { "<", T_OP, OP_LT },
        { ">", T_OP, OP_GT }, { "=", T_OP, OP_EQ }, { "+", T_OP, OP_ADD },
        { "-", T_OP, OP_SUB }, { "*", T_OP, OP_MUL }, { "/", T_OP, OP_DIV },
        { "%", T_OP, OP_MOD }, { "!", T_OP, TOP_NOT }, { "(", T_LP, 0 },
        { ")", T_RP, 0 }, { ",", T_COMMA, 0 },
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].text);
        if (p->i + n <= p->len && memcmp(s + p->i, ops[k].text, n) == 0) {
            t->t = ops[k].t;
            t->op = ops[k].op;
            p->i = t->end = p->i + n;
            return 0;
        }
    }
    if (c >= 0x20 && c < 0x7f)
        sg_xp_error(p, t->pos, "unexpected character '%c'", c);
    else
        sg_xp_error(p, t->pos, "unexpected byte 0x%02x", (unsigned)c);
    return -1;
}

static int is_kw(const parser *p, const char *kw)
{
    return p->tok.t == T_IDENT && ieq(p->tok.s, p->tok.slen, kw);
}

static int is_op(const parser *p, int op) { return p->tok.t == T_OP && p->tok.op == op; }

static const char *describe(const parser *p, char *buf, size_t size)
{
    const token *t = &p->tok;
    if (t->t == T_END)
        return "the end of the expression";
    size_t n = t->end - t->pos;
    snprintf(buf, size, "'%.*s'", (int)(n > 40 ? 40 : n), p->src + t->pos);
    return buf;
}

/* ---- nodes ---- */

void sg_xp_free_node(xnode *n)
{
    if (!n)
        return;
    for (int k = 0; k < n->nargs; k++)
        sg_xp_free_node(n->a[k]);
    sg_free(n->sval);
    sg_dict_release(n->sdict);
    sg_free(n->ilist);
    sg_free(n->dlist);
    for (size_t k = 0; n->slist && k < n->nlist; k++)
        sg_free(n->slist[k]);
    sg_free(n->slist);
    sg_free(n->slens);
    sg_free(n);
}

xnode *sg_xp_node(parser *p, int kind, size_t pos)
{
    xnode *n = sg_calloc(1, sizeof *n);
    if (!n) {
        sg_xp_nomem(p);
        return NULL;
    }
    n->kind = kind;
    n->pos = pos;
    n->height = 1;
    return n;
}

/* Attaches children and checks the height limit; frees everything on error. */
xnode *sg_xp_attach(parser *p, xnode *n, xnode *a, xnode *b, xnode *c)
{
    xnode *ch[3] = { a, b, c };
    if (!n) {
        sg_xp_free_node(a);
        sg_xp_free_node(b);
        sg_xp_free_node(c);
        return NULL;
    }
    for (int k = 0; k < 3 && ch[k]; k++) {
        n->a[n->nargs++] = ch[k];
        if (ch[k]->height + 1 > n->height)
            n->height = ch[k]->height + 1;
    }
    if (n->height > MAX_HEIGHT) {
        sg_xp_error(p, n->pos, "the expression is too long or nested too deeply (more than %d levels)",
             MAX_HEIGHT);
        sg_xp_free_node(n);
        return NULL;
    }
    return n;
}

static int is_num(sg_type t) { return t == SG_INT64 || t == SG_DOUBLE || t == SG_BOOL; }
static int lit_num(const xnode *n) { return n->kind == X_LIT && (n->type == SG_INT64 || n->type == SG_DOUBLE); }

/* ---- parser ---- */

static xnode *parse_or(parser *p);
static xnode *parse_add(parser *p);

static int enter(parser *p)
{
    if (++p->depth > MAX_NEST) {
        sg_xp_error(p, p->tok.pos, "the expression is nested too deeply (more than %d levels)", MAX_NEST);
        return -1;
    }
    return 0;
}

static int expect(parser *p, int t, const char *what)
{
    char buf[64];
    if (p->tok.t != t) {
        sg_xp_error(p, p->tok.pos, "expected %s but found %s", what, describe(p, buf, sizeof buf));
        return -1;
    }
    return lex(p);
}

static int add_column(parser *p, const char *name)
{
    sg_expr *e = p->e;
    for (size_t k = 0; k < e->ncols; k++)
        if (strcmp(e->colnames[k], name) == 0)
            return (int)k;
    char **names = sg_realloc(e->colnames, (e->ncols + 1) * sizeof *names);
    if (!names)
        goto oom;
    e->colnames = names;
    sg_type *types = sg_realloc(e->coltypes, (e->ncols + 1) * sizeof *types);
    if (!types)
        goto oom;
    e->coltypes = types;
    if (!(names[e->ncols] = sg_strdup(name)))
        goto oom;
    types[e->ncols] = sg_table_col(p->schema, name)->type;
    return (int)e->ncols++;
oom:
    sg_xp_nomem(p);
    return -1;
}

static xnode *parse_column(parser *p)
{
    token *t = &p->tok;
    const sg_column *c = p->schema && memchr(t->s, 0, t->slen) == NULL ? sg_table_col(p->schema, t->s) : NULL;
    if (!c) {
        unknown_column(p, t->pos, t->s, t->slen);
        return NULL;
    }
    xnode *n = sg_xp_node(p, X_COL, t->pos);
    if (!n)
        return NULL;
    n->type = c->type;
    n->date_only = c->date_only;
    n->col = add_column(p, t->s);
    if (n->col < 0 || lex(p)) {
        sg_xp_free_node(n);
        return NULL;
    }
    return n;
}

static xnode *parse_call(parser *p)
{
    size_t pos = p->tok.pos;
    const struct fninfo *f = NULL;
    xnode *args[8] = { 0 };
    int n = 0, ok = 0;
    for (size_t k = 0; k < NFNS; k++)
        if (ieq(p->tok.s, p->tok.slen, fns[k].name))
            f = &fns[k];
    if (!f) {
        char msg[600];
        const char *names[NFNS];
        for (size_t k = 0; k < NFNS; k++)
            names[k] = fns[k].name;
        snprintf(msg, sizeof msg, "unknown function '%.*s'", (int)(p->tok.slen > 60 ? 60 : p->tok.slen), p->tok.s);
        suggest(msg, sizeof msg, p->tok.s, p->tok.slen, names, NFNS);
        if (p->schema && sg_table_col(p->schema, p->tok.s))
            snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " ('%s' is a column, not a function)", p->tok.s);
        sg_xp_error(p, pos, "%s", msg);
        return NULL;
    }
    if (enter(p) || lex(p) || lex(p))   /* the name, then '(' */
        return NULL;
    if (p->tok.t != T_RP) {
        for (;;) {
            xnode *x = parse_or(p);
            if (!x)
                goto out;
            if (n == 8) {
                sg_xp_free_node(x);
                sg_xp_error(p, pos, "too many arguments for %s", f->name);
                goto out;
            }
            args[n++] = x;
            if (p->tok.t != T_COMMA)
                break;
            if (lex(p))
                goto out;
        }
    }
    if (expect(p, T_RP, "',' or ')' after a function argument"))
        goto out;
    if (n < f->min || n > f->max) {
        if (f->min == f->max)
            sg_xp_error(p, pos, "%s takes %d argument%s, but got %d", f->name, f->min, f->min > 1 ? "s" : "", n);
        else
            sg_xp_error(p, pos, "%s takes %d or %d arguments, but got %d", f->name, f->min, f->max, n);
        goto out;
    }
    ok = 1;
out:
    if (!ok) {
        for (int k = 0; k < n; k++)
            sg_xp_free_node(args[k]);
        return NULL;
    }
    p->depth--;
    return sg_xp_call(p, f, pos, args, n);
}

static xnode *parse_primary(parser *p)
{
    token *t = &p->tok;
    char buf[64];
    xnode *n;
    switch (t->t) {
    case T_NUM:
        if (!(n = sg_xp_node(p, X_LIT, t->pos)))
            return NULL;
        n->type = t->isint ? SG_INT64 : SG_DOUBLE;
        n->ival = t->i;
        n->dval = t->d;
        n->sval = t->s;     /* keep the text (for CustomerID == 17850) */
        t->s = NULL;
        if (lex(p)) {
            sg_xp_free_node(n);
            return NULL;
        }
        return n;
    case T_STR:
        if (!(n = sg_xp_node(p, X_LIT, t->pos)))
            return NULL;
        if (sg_xp_string_lit(p, n, t->s, t->slen)) {
            t->s = NULL;
            sg_xp_free_node(n);
            return NULL;
        }
        t->s = NULL;
        if (lex(p)) {
            sg_xp_free_node(n);
            return NULL;
        }
        return n;
    case T_QIDENT:
        return parse_column(p);
    case T_IDENT: {
        if (is_kw(p, "true") || is_kw(p, "false")) {
            if (!(n = sg_xp_node(p, X_LIT, t->pos)))
                return NULL;
            n->type = SG_BOOL;
            n->ival = is_kw(p, "true");
            if (lex(p)) {
                sg_xp_free_node(n);
                return NULL;
            }
            return n;
        }
        size_t j = p->i;
        while (j < p->len && is_space((unsigned char)p->src[j]))
            j++;
        if (j < p->len && p->src[j] == '(')
            return parse_call(p);
        if (is_kw(p, "and") || is_kw(p, "or") || is_kw(p, "not") || is_kw(p, "in"))
            break;
        return parse_column(p);
    }
    case T_LP:
        if (enter(p) || lex(p))
            return NULL;
        n = parse_or(p);
        if (!n)
            return NULL;
        if (expect(p, T_RP, "')'")) {
            sg_xp_free_node(n);
            return NULL;
        }
        p->depth--;
        return n;
    default:
        break;
    }
    sg_xp_error(p, t->pos, "expected a value (number, 'text', column or function) but found %s",
         describe(p, buf, sizeof buf));
    return NULL;
}

static xnode *parse_unary(parser *p)
{
    if (!is_op(p, OP_SUB))
        return parse_primary(p);
    size_t pos = p->tok.pos;
    if (enter(p) || lex(p))
        return NULL;
    xnode *x = parse_unary(p);
    if (!x)
        return NULL;
    p->depth--;
    if (lit_num(x)) {       /* fold -literal */
        x->ival = (int64_t)(0 - (uint64_t)x->ival);
        x->dval = -x->dval;
        size_t l = x->sval ? strlen(x->sval) : 0;
        char *s = sg_malloc(l + 2);
        if (!s) {
            sg_xp_nomem(p);
            sg_xp_free_node(x);
            return NULL;
        }
        s[0] = '-';
        memcpy(s + 1, x->sval ? x->sval : "", l + 1);
        sg_free(x->sval);
        x->sval = s;
        x->pos = pos;
        return x;
    }
    if (!is_num(x->type)) {
        sg_xp_error(p, pos, "cannot negate a %s", sg_type_name(x->type));
        sg_xp_free_node(x);
        return NULL;
    }
    xnode *n = sg_xp_node(p, X_NEG, pos);
    if (n)
        n->type = x->type == SG_DOUBLE ? SG_DOUBLE : SG_INT64;
    return sg_xp_attach(p, n, x, NULL, NULL);
}

static xnode *parse_mul(parser *p)
{
    xnode *a = parse_unary(p);
    while (a && (is_op(p, OP_MUL) || is_op(p, OP_DIV) || is_op(p, OP_MOD))) {
        int op = p->tok.op;
        size_t pos = p->tok.pos;
        xnode *b = lex(p) ? NULL : parse_unary(p);
        if (!b) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = sg_xp_binary(p, op, a, b, pos);
    }
    return a;
}

static xnode *parse_add(parser *p)
{
    xnode *a = parse_mul(p);
    while (a && (is_op(p, OP_ADD) || is_op(p, OP_SUB))) {
        int op = p->tok.op;
        size_t pos = p->tok.pos;
        xnode *b = lex(p) ? NULL : parse_mul(p);
        if (!b) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = sg_xp_binary(p, op, a, b, pos);
    }
    return a;
}

static int is_cmp(const parser *p)
{
    return p->tok.t == T_OP && p->tok.op >= OP_EQ && p->tok.op <= OP_GE;
}

static xnode *parse_in_list(parser *p, xnode *x, int negate, size_t pos)
{
    xnode **list = NULL;
    size_t n = 0, cap = 0;
    if (expect(p, T_LP, "'(' after 'in'"))
        goto fail;
    while (p->tok.t != T_RP) {
        xnode *v = parse_add(p);
        if (!v)
            goto fail;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            xnode **l = sg_realloc(list, nc * sizeof *l);
            if (!l) {
                sg_xp_free_node(v);
                sg_xp_nomem(p);
                goto fail;
            }
            list = l;
            cap = nc;
        }
        list[n++] = v;
        if (p->tok.t != T_COMMA)
            break;
        if (lex(p))
            goto fail;
    }
    if (expect(p, T_RP, "',' or ')' in the list after 'in'"))
        goto fail;
    xnode *r = sg_xp_in(p, x, list, n, negate, pos);
    sg_free(list);
    return r;
fail:
    for (size_t k = 0; k < n; k++)
        sg_xp_free_node(list[k]);
    sg_free(list);
    sg_xp_free_node(x);
    return NULL;
}

static xnode *parse_cmp(parser *p)
{
    xnode *a = parse_add(p);
    if (!a)
        return NULL;
    if (is_cmp(p)) {
        int op = p->tok.op;
        size_t pos = p->tok.pos;
        xnode *b = lex(p) ? NULL : parse_add(p);
        if (!b) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = sg_xp_binary(p, op, a, b, pos);
    } else if (is_kw(p, "in") || is_kw(p, "not")) {
        size_t pos = p->tok.pos;
        int negate = is_kw(p, "not");
        if (lex(p) || (negate && !is_kw(p, "in") &&
                       (sg_xp_error(p, p->tok.pos, "expected 'in' after 'not'"), 1)) ||
            (negate && lex(p))) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = parse_in_list(p, a, negate, pos);
    } else
        return a;
    if (a && (is_cmp(p) || is_kw(p, "in"))) {
        sg_xp_error(p, p->tok.pos, "comparisons cannot be chained (as in a < b < c); join them with 'and'");
        sg_xp_free_node(a);
        return NULL;
    }
    return a;
}

static xnode *parse_not(parser *p)
{
    if (!is_kw(p, "not") && !is_op(p, TOP_NOT))
        return parse_cmp(p);
    size_t pos = p->tok.pos;
    if (enter(p) || lex(p))
        return NULL;
    xnode *x = parse_not(p);
    if (!x)
        return NULL;
    p->depth--;
    if (x->type != SG_BOOL) {
        sg_xp_error(p, pos, "'not' needs a condition (true/false), but got %s", sg_type_name(x->type));
        sg_xp_free_node(x);
        return NULL;
    }
    xnode *n = sg_xp_node(p, X_NOT, pos);
    if (n)
        n->type = SG_BOOL;
    return sg_xp_attach(p, n, x, NULL, NULL);
}

static xnode *parse_and(parser *p)
{
    xnode *a = parse_not(p);
    while (a && (is_kw(p, "and") || is_op(p, OP_AND))) {
        size_t pos = p->tok.pos;
        xnode *b = lex(p) ? NULL : parse_not(p);
        if (!b) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = sg_xp_binary(p, OP_AND, a, b, pos);
    }
    return a;
}

static xnode *parse_or(parser *p)
{
    xnode *a = parse_and(p);
    while (a && (is_kw(p, "or") || is_op(p, OP_OR))) {
        size_t pos = p->tok.pos;
        xnode *b = lex(p) ? NULL : parse_and(p);
        if (!b) {
            sg_xp_free_node(a);
            return NULL;
        }
        a = sg_xp_binary(p, OP_OR, a, b, pos);
    }
    return a;
}

/* Numbers the nodes for the evaluator's per-node state (iteratively
 * bounded: the height limit keeps this recursion shallow). */
static int number_nodes(xnode *n, int next)
{
    for (int k = 0; k < n->nargs; k++)
        next = number_nodes(n->a[k], next);
    n->id = next;
    return next + 1;
}

sg_expr *sg_expr_parse(const char *src, const sg_table *schema, sg_error *err)
{
    char buf[64];
    if (!src) {
        sg_error_set(err, SG_EINVAL, "the expression is missing (NULL)");
        return NULL;
    }
    sg_expr *e = sg_calloc(1, sizeof *e);
    if (!e || !(e->src = sg_strdup(src))) {
        sg_free(e);
        sg_error_nomem(err);
        return NULL;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.src = e->src;
    p.len = strlen(src);
    p.schema = schema;
    p.e = e;
    p.err = err;
    xnode *root = NULL;
    if (lex(&p) == 0) {
        if (p.tok.t == T_END)
            sg_xp_error(&p, 0, "the expression is empty");
        else if ((root = parse_or(&p)) != NULL && p.tok.t != T_END) {
            sg_xp_error(&p, p.tok.pos, "unexpected %s; expected an operator or the end of the expression",
                 describe(&p, buf, sizeof buf));
            sg_xp_free_node(root);
            root = NULL;
        }
    }
    sg_free(p.tok.s);
    if (!root) {
        if (!p.failed)
            sg_error_set(err, SG_EINVAL, "invalid expression \"%s\"", src);
        sg_expr_free(e);
        return NULL;
    }
    e->root = root;
    e->nnodes = number_nodes(root, 0);
    return e;
}

void sg_expr_free(sg_expr *e)
{
    if (!e)
        return;
    sg_xp_free_node(e->root);
    for (size_t k = 0; k < e->ncols; k++)
        sg_free(e->colnames[k]);
    sg_free(e->colnames);
    sg_free(e->coltypes);
    sg_free(e->src);
    sg_free(e);
}

sg_type sg_expr_type(const sg_expr *e)
{
    return e && e->root ? e->root->type : SG_BOOL;
}
