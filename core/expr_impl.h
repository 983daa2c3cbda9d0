/* Private to the expression language: the typed syntax tree shared by the
 * parser (expr.c, expr_check.c) and the vectorised evaluator (expr_eval.c,
 * expr_fn.c).  Not part of
 * the public API (see ops.h for the language). */
#ifndef SG_EXPR_IMPL_H
#define SG_EXPR_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "expr.h"

/* node kinds */
enum { X_LIT, X_COL, X_NEG, X_NOT, X_BIN, X_IN, X_CALL };

/* binary operators (X_BIN) */
enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR
};

/* functions (X_CALL) */
enum {
    F_ABS, F_LOG, F_LOG1P, F_EXP, F_SQRT, F_FLOOR, F_CEIL, F_ROUND, F_POW,
    F_MIN, F_MAX, F_IS_MISSING, F_COALESCE, F_IF,
    F_STARTS_WITH, F_ENDS_WITH, F_CONTAINS, F_LOWER, F_UPPER, F_LENGTH,
    F_YEAR, F_MONTH, F_DAY, F_WEEKDAY, F_HOUR, F_DATE, F_DAYS, F_DAYS_BETWEEN,
    F_MONTH_START
};

#define SG_EXPR_MAX_ARGS 3

typedef struct xnode {
    int kind;
    int op;                 /* OP_* for X_BIN, F_* for X_CALL */
    sg_type type;           /* result type */
    int date_only;          /* SG_DATETIME results: always midnight */
    size_t pos;             /* 0-based offset in the source, for messages */
    int id;                 /* 0..nnodes-1: slot of the evaluator's per-node state */
    int height;             /* 1 for leaves */

    /* X_LIT: ival (INT64, BOOL, DATETIME), dval (DOUBLE), text in sval
     * (STRING; also the source text of number literals); a STRING literal
     * owns a one-entry dictionary (code 0) so it evaluates like a column. */
    int64_t ival;
    double dval;
    char *sval;
    size_t slen;
    sg_dict *sdict;

    int col;                /* X_COL: index into sg_expr.cols */

    struct xnode *a[SG_EXPR_MAX_ARGS];
    int nargs;

    /* X_IN: the literal list, sorted for numbers (ilist for INT64/BOOL/
     * DATETIME left sides compared exactly, dlist otherwise), as text for
     * strings.  negate for `not in`. */
    size_t nlist;
    int64_t *ilist;
    double *dlist;
    char **slist;
    size_t *slens;
    int negate;
} xnode;

struct sg_expr {
    char *src;
    xnode *root;
    int nnodes;
    size_t ncols;           /* the columns the expression reads */
    char **colnames;
    sg_type *coltypes;
};

/* ---- parser internals (expr.c, expr_check.c) ---- */

enum { T_END, T_NUM, T_STR, T_IDENT, T_QIDENT, T_OP, T_LP, T_RP, T_COMMA };
enum { TOP_NOT = 100 };   /* '!' (operator tokens otherwise use OP_*) */

typedef struct token {
    int t, op;
    size_t pos, end;        /* span in the source */
    int isint;
    int64_t i;
    double d;
    char *s;                /* decoded text: strings, identifiers, number text */
    size_t slen;
} token;

typedef struct parser {
    const char *src;
    size_t len, i;
    token tok;
    const sg_table *schema;
    sg_expr *e;
    sg_error *err;
    int depth, failed;      /* nesting depth; an error was reported */
} parser;

struct fninfo {
    const char *name;
    int fn, min, max;
};

/* expr.c */
void sg_xp_error(parser *p, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void sg_xp_nomem(parser *p);
xnode *sg_xp_node(parser *p, int kind, size_t pos);
xnode *sg_xp_attach(parser *p, xnode *n, xnode *a, xnode *b, xnode *c);
void sg_xp_free_node(xnode *n);
/* expr_check.c: typed constructors; each frees its operands on error */
int sg_xp_string_lit(parser *p, xnode *n, char *text, size_t len);
xnode *sg_xp_binary(parser *p, int op, xnode *a, xnode *b, size_t pos);
xnode *sg_xp_call(parser *p, const struct fninfo *f, size_t pos, xnode **args, int n);
xnode *sg_xp_in(parser *p, xnode *x, xnode **list, size_t nl, int negate, size_t pos);

/* ---- evaluation internals (expr_eval.c, expr_fn.c) ---- */

#define SG_XE_CHUNK 4096
#define MEMO_UNK INT32_MIN   /* memo entry not computed yet */
#define DAY 86400

typedef struct xvec {
    sg_type type;
    const void *data;       /* int64_t, double, uint8_t or int32_t codes */
    const uint8_t *na;      /* one byte per row, 1 = missing */
    sg_dict *dict;          /* strings: the dictionary of the codes */
} xvec;

typedef struct xstate {
    void *buf;              /* the node's values for one chunk */
    uint8_t *na;
    void *tmp[3];           /* conversion scratch */
    int32_t *memo[2];       /* per dictionary code of an input */
    size_t memo_n[2];
    sg_dict *odict;         /* string results built by this node */
    size_t filled;          /* literals: rows already filled */
} xstate;

typedef struct xctx {
    const sg_expr *e;
    sg_column **cols;
    xstate *st;
    size_t chunk;
    uint8_t *zeros;
    char *sbuf;             /* scratch for lower/upper */
    size_t scap;
    sg_error *err;
} xctx;

/* Byte vectors (values 0/1: bools, missing flags) eight at a time; the
 * operations work lane by lane, so byte order does not matter. */
#define SG_XE_ONES UINT64_C(0x0101010101010101)
#define SG_XE_LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)

static inline uint64_t sg_xe_ld8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline void sg_xe_st8(uint8_t *p, uint64_t w) { memcpy(p, &w, 8); }

/* 1 in each byte of w that is nonzero, else 0 (no carry between bytes:
 * (b & 0x7f) + 0x7f <= 0xfe). */
static inline uint64_t sg_xe_nz8(uint64_t w)
{
    return ((((w & SG_XE_LOW7) + SG_XE_LOW7) | w) >> 7) & SG_XE_ONES;
}

/* o[i] = !x[i] */
static inline void sg_xe_not(uint8_t *o, const uint8_t *x, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        sg_xe_st8(o + i, sg_xe_nz8(sg_xe_ld8(x + i)) ^ SG_XE_ONES);
    for (; i < len; i++)
        o[i] = !x[i];
}

/* o[i] = a[i] | b[i] */
static inline void sg_xe_or(uint8_t *o, const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        sg_xe_st8(o + i, sg_xe_ld8(a + i) | sg_xe_ld8(b + i));
    for (; i < len; i++)
        o[i] = a[i] | b[i];
}

int sg_xe_oom(xctx *cx);
void *sg_xe_scratch(xctx *cx, void **slot);
int sg_xe_outbufs(xctx *cx, xstate *st, void **buf, uint8_t **na);
const double *sg_xe_f64(xctx *cx, xstate *st, int slot, const xvec *v, size_t len);
const int64_t *sg_xe_i64(xctx *cx, xstate *st, int slot, const xvec *v, size_t len);
int32_t *sg_xe_memo(xctx *cx, xstate *st, int slot, const sg_dict *d);
/* Function calls (X_CALL). */
int sg_xe_call(xctx *cx, const xnode *n, xstate *st, const xvec *a, size_t len, xvec *out);
/* Bytes per value of a column type in memory. */
static inline size_t sg_xe_width(sg_type t)
{
    return t == SG_BOOL ? 1 : t == SG_STRING ? 4 : 8;
}

/* expr_eval.c: evaluates node n over rows [off, off + len) of one chunk
 * into out (expr_run.c runs it chunk after chunk). */
int sg_xe_eval_node(xctx *cx, const xnode *n, size_t off, size_t len, xvec *out);
/* For tests only (NULL otherwise): called after each chunk of rows
 * [off, off + len) is evaluated, before it is stored; a nonzero return
 * (with err set) fails the evaluation as an error in that chunk would.
 * Set it only while no evaluation runs. */
extern int (*sg_xe_test_hook)(size_t off, size_t len, sg_error *err);

#endif
