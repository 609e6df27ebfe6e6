/* graph_format.c - shapes, expressions and defs written back in the language's own syntax, for
 * `inspect`, `graph` and messages.  Output is cut (with "...") at the buffer's size. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"

const char *gb_op_text(int op)
{
    switch (op) {
    case GB_OP_ADD:
    case GB_OP_PLUS:
        return "+";
    case GB_OP_SUB:
    case GB_OP_NEG:
        return "-";
    case GB_OP_MUL:
        return "*";
    case GB_OP_DIV:
        return "/";
    case GB_OP_MOD:
        return "%";
    case GB_OP_MATMUL:
        return "@";
    case GB_OP_POW:
        return "^";
    case GB_OP_EQ:
        return "==";
    case GB_OP_NE:
        return "!=";
    case GB_OP_LT:
        return "<";
    case GB_OP_LE:
        return "<=";
    case GB_OP_GT:
        return ">";
    case GB_OP_GE:
        return ">=";
    case GB_OP_AND:
        return "&&";
    case GB_OP_OR:
        return "||";
    case GB_OP_NOT:
        return "!";
    }
    return "?";
}

typedef struct sbuf {
    char *p;
    size_t len, used;
    /* the names of the comprehensions being written, by loop depth (a comprehension's variable
       has the depth after its def's loops) */
    const char *comp[GB_MAX_LOOPS + 16];
} sbuf;

__attribute__((format(printf, 2, 3))) static void put(sbuf *b, const char *fmt, ...)
{
    if (b->used + 1 >= b->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    if ((size_t)w >= b->len - b->used) {
        b->used = b->len - 1;
        if (b->len >= 4)
            memcpy(b->p + b->len - 4, "...", 4);
    } else {
        b->used += (size_t)w;
    }
}

void gb_shape_format(const gb_node *n, char *buf, size_t len)
{
    sbuf b = {.p = buf, .len = len};
    buf[0] = '\0';
    if (n->shape.rank == 0)
        return;
    put(&b, "[");
    for (int i = 0; i < n->shape.rank; i++) {
        if (i)
            put(&b, ", ");
        if (n->shape.dim[i] != GB_DIM_UNKNOWN)
            put(&b, "%zu", n->shape.dim[i]);
        else if (n->dim_name[i])
            put(&b, "%s", n->dim_name[i]);
        else
            put(&b, "?");
    }
    put(&b, "]");
}

/* Binding strength, to parenthesise only where needed. */
static int prec(const gb_expr *e)
{
    if (e->kind == GB_EX_IF)
        return 0;
    if (e->kind == GB_EX_UNOP)
        return 7;
    if (e->kind != GB_EX_BINOP)
        return 9;
    switch (e->op) {
    case GB_OP_OR:
        return 1;
    case GB_OP_AND:
        return 2;
    case GB_OP_ADD:
    case GB_OP_SUB:
        return 4;
    case GB_OP_MUL:
    case GB_OP_DIV:
    case GB_OP_MOD:
    case GB_OP_MATMUL:
        return 5;
    case GB_OP_POW:
        return 8;
    default:
        return 3;
    }
}

static void fmt(sbuf *b, const gb_graph *g, const gb_def *d, const gb_expr *e, int parent_prec);

static void fmt_args(sbuf *b, const gb_graph *g, const gb_def *d, gb_expr *const *args, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            put(b, ", ");
        fmt(b, g, d, args[i], 0);
    }
}

static void fmt(sbuf *b, const gb_graph *g, const gb_def *d, const gb_expr *e, int parent_prec)
{
    if (!e) {
        put(b, "?");
        return;
    }
    int p = prec(e);
    int paren = p < parent_prec;
    if (paren)
        put(b, "(");
    switch (e->kind) {
    case GB_EX_CONST:
        put(b, "%.15g", e->num);
        break;
    case GB_EX_NODE:
        put(b, "%s", gb_graph_node(g, e->node)->name);
        break;
    case GB_EX_LOOPVAR:
        if (d && (size_t)e->loopvar < d->nloops)
            put(b, "%s", d->loops[e->loopvar].var);
        else if (e->loopvar >= 0 && e->loopvar < GB_MAX_LOOPS + 16 && b->comp[e->loopvar])
            put(b, "%s", b->comp[e->loopvar]);
        else
            put(b, "_i%d", e->loopvar);
        break;
    case GB_EX_INDEX:
        fmt(b, g, d, e->args[0], 9);
        put(b, "[");
        fmt_args(b, g, d, e->args + 1, e->nargs - 1);
        put(b, "]");
        break;
    case GB_EX_RANGE:
        fmt(b, g, d, e->args[0], 4);
        put(b, "..");
        fmt(b, g, d, e->args[1], 4);
        break;
    case GB_EX_ALL:
        break;
    case GB_EX_BINOP:
        fmt(b, g, d, e->args[0], e->op == GB_OP_POW ? p + 1 : p);
        put(b, e->op == GB_OP_POW ? "%s" : " %s ", gb_op_text(e->op));
        fmt(b, g, d, e->args[1], e->op == GB_OP_POW ? p : p + 1);
        break;
    case GB_EX_UNOP:
        put(b, "%s", gb_op_text(e->op));
        fmt(b, g, d, e->args[0], p);
        break;
    case GB_EX_IF:
        put(b, "if ");
        fmt(b, g, d, e->args[0], 0);
        put(b, " then ");
        fmt(b, g, d, e->args[1], 0);
        put(b, " else ");
        fmt(b, g, d, e->args[2], 0);
        break;
    case GB_EX_CALL:
        put(b, "%s(", e->func ? e->func->name : "?");
        fmt_args(b, g, d, e->args, e->nargs);
        put(b, ")");
        break;
    case GB_EX_ARRAY:
        put(b, "[");
        fmt_args(b, g, d, e->args, e->nargs);
        put(b, "]");
        break;
    case GB_EX_COMPREH: {
        int named = e->var && e->loopvar >= 0 && e->loopvar < GB_MAX_LOOPS + 16;
        const char *outer = named ? b->comp[e->loopvar] : NULL;
        if (named)
            b->comp[e->loopvar] = e->var;
        put(b, "[");
        fmt(b, g, d, e->args[0], 0);
        if (named)
            put(b, " for %s in ", e->var);
        else
            put(b, " for _i%d in ", e->loopvar);
        fmt(b, g, d, e->args[1], 0);
        put(b, "]");
        if (named)
            b->comp[e->loopvar] = outer;
        break;
    }
    }
    if (paren)
        put(b, ")");
}

void gb_expr_format(const gb_graph *g, const gb_def *def, const gb_expr *e, char *buf, size_t len)
{
    sbuf b = {.p = buf, .len = len};
    buf[0] = '\0';
    fmt(&b, g, def, e, 0);
}

/* Stan's name of a declared constraint; NULL for a plain int or real. */
static const char *constraint_name(gb_constraint_kind c)
{
    switch (c) {
    case GB_CON_ORDERED:
        return "ordered";
    case GB_CON_POSITIVE_ORDERED:
        return "positive_ordered";
    case GB_CON_SIMPLEX:
        return "simplex";
    case GB_CON_CHOLESKY_CORR:
        return "cholesky_factor_corr";
    case GB_CON_CHOLESKY_COV:
        return "cholesky_factor_cov";
    case GB_CON_CORR:
        return "corr_matrix";
    case GB_CON_COV:
        return "cov_matrix";
    case GB_CON_NONE:
        break;
    }
    return NULL;
}

void gb_type_format(const gb_graph *g, const gb_node *n, char *buf, size_t len)
{
    sbuf b = {.p = buf, .len = len};
    buf[0] = '\0';
    const char *con = constraint_name(n->constraint);
    if (con) {
        /* the square ones are declared with one size: cholesky_factor_corr[K] is K x K */
        gb_node one = *n;
        if (n->shape.rank == 2 && n->constraint != GB_CON_ORDERED &&
            n->constraint != GB_CON_POSITIVE_ORDERED && n->constraint != GB_CON_SIMPLEX)
            one.shape.rank = 1;
        char shape[96];
        gb_shape_format(&one, shape, sizeof shape);
        put(&b, "%s%s", con, shape);
        return;
    }
    put(&b, "%s", n->type == GB_INT ? "int" : "real");
    if (n->lower || n->upper) {
        put(&b, "<");
        if (n->lower) {
            put(&b, "lower=");
            fmt(&b, g, NULL, n->lower, 0);
        }
        if (n->upper) {
            put(&b, "%supper=", n->lower ? ", " : "");
            fmt(&b, g, NULL, n->upper, 0);
        }
        put(&b, ">");
    }
    char shape[96];
    gb_shape_format(n, shape, sizeof shape);
    put(&b, "%s", shape);
}

void gb_def_format(const gb_graph *g, const gb_def *d, char *buf, size_t len)
{
    sbuf b = {.p = buf, .len = len};
    buf[0] = '\0';
    if (d->dist) {
        put(&b, "%s(", d->dist->name);
        fmt_args(&b, g, d, d->args, (int)d->nargs);
        put(&b, ")");
        if (d->trunc_lo || d->trunc_hi) {
            put(&b, " T[");
            if (d->trunc_lo)
                fmt(&b, g, d, d->trunc_lo, 0);
            put(&b, ", ");
            if (d->trunc_hi)
                fmt(&b, g, d, d->trunc_hi, 0);
            put(&b, "]");
        }
    } else {
        fmt(&b, g, d, d->expr, 0);
    }
    if (d->nindex > 0) {
        put(&b, "  for [");
        fmt_args(&b, g, d, d->index, (int)d->nindex);
        put(&b, "]");
    }
    for (size_t i = 0; i < d->nloops; i++) {
        put(&b, "%s %s in ", i == 0 ? (d->nindex ? " with" : "  for") : ",", d->loops[i].var);
        fmt(&b, g, d, d->loops[i].lo, 4);
        put(&b, "..");
        fmt(&b, g, d, d->loops[i].hi, 4);
    }
}
