/* graph_const.c - values of scalar expressions that depend only on data, constants and loop
 * variables: loop bounds, declared sizes and bounds, and indices, which lowering checks against
 * the data and the compiler enumerates.  Anything else (a parameter, an unknown size) is "not
 * constant".
 */
#include <math.h>

#include "graph.h"

static int binop(int op, double x, double y, double *out)
{
    switch (op) {
    case GB_OP_ADD:
        *out = x + y;
        break;
    case GB_OP_SUB:
        *out = x - y;
        break;
    case GB_OP_MUL:
        *out = x * y;
        break;
    case GB_OP_DIV:
        *out = x / y;
        break;
    case GB_OP_MOD:
        if (y == 0)
            return GB_CONST_NOT;
        *out = fmod(x, y);
        break;
    case GB_OP_POW:
        *out = pow(x, y);
        break;
    case GB_OP_EQ:
        *out = x == y;
        break;
    case GB_OP_NE:
        *out = x != y;
        break;
    case GB_OP_LT:
        *out = x < y;
        break;
    case GB_OP_LE:
        *out = x <= y;
        break;
    case GB_OP_GT:
        *out = x > y;
        break;
    case GB_OP_GE:
        *out = x >= y;
        break;
    case GB_OP_AND:
        *out = x != 0 && y != 0;
        break;
    case GB_OP_OR:
        *out = x != 0 || y != 0;
        break;
    default:
        return GB_CONST_NOT;
    }
    return GB_CONST_OK;
}

/* Element offset of a scalar index into a data node; GB_CONST_NOT when out of range (the range
 * check in bind.c reports it with its location). */
static int index_value(const gb_graph *g, const gb_expr *e, const double *lv, double *out)
{
    const gb_expr *base = e->args[0];
    if (base->kind != GB_EX_NODE || e->shape.rank != 0)
        return GB_CONST_NOT;
    const gb_node *n = gb_graph_node(g, base->node);
    if (!n->value)
        return GB_CONST_NOT;
    size_t off = 0;
    for (int k = 1; k < e->nargs; k++) {
        double v;
        int rc = gb_expr_const_eval(g, e->args[k], lv, &v);
        if (rc != GB_CONST_OK)
            return rc;
        size_t dim = n->shape.dim[k - 1];
        if (v < 1 || v > (double)dim)
            return GB_CONST_NOT;
        off = off * dim + (size_t)v - 1;
    }
    for (int k = e->nargs - 1; k < n->shape.rank; k++)
        off *= n->shape.dim[k];
    *out = n->value[off];
    return GB_CONST_OK;
}

static int const_eval(const gb_graph *g, const gb_expr *e, const double *lv, double *out,
                      int depth);

int gb_expr_const_eval(const gb_graph *g, const gb_expr *e, const double *lv, double *out)
{
    return const_eval(g, e, lv, out, 0);
}

/* depth counts the deterministic nodes followed (Kc = K - 1, then Kc2 = Kc - 1, ...). */
static int const_eval(const gb_graph *g, const gb_expr *e, const double *lv, double *out,
                      int depth)
{
    if (!e || e->shape.rank != 0)
        return GB_CONST_NOT;
    double x, y;
    int rc;
    switch (e->kind) {
    case GB_EX_CONST:
        *out = e->num;
        return GB_CONST_OK;
    case GB_EX_LOOPVAR:
        if (!lv)
            return GB_CONST_NOT;
        *out = lv[e->loopvar];
        return GB_CONST_OK;
    case GB_EX_NODE: {
        const gb_node *n = gb_graph_node(g, e->node);
        if (n->value && n->len == 1) {
            *out = n->value[0];
            return GB_CONST_OK;
        }
        /* a scalar deterministic node of constants (Kc = K - 1): its definition's value */
        if (n->kind == GB_NODE_DETERMINISTIC && n->ndefs == 1 && n->defs[0].nindex == 0 &&
            n->defs[0].nloops == 0 && n->defs[0].expr && n->shape.rank == 0 && depth < 32)
            return const_eval(g, n->defs[0].expr, NULL, out, depth + 1);
        return GB_CONST_NOT;
    }
    case GB_EX_INDEX:
        return index_value(g, e, lv, out);
    case GB_EX_BINOP:
        if ((rc = const_eval(g, e->args[0], lv, &x, depth)) != GB_CONST_OK ||
            (rc = const_eval(g, e->args[1], lv, &y, depth)) != GB_CONST_OK)
            return rc;
        rc = binop(e->op, x, y, out);
        if (rc == GB_CONST_OK && e->op == GB_OP_DIV && e->type == GB_INT)
            *out = trunc(*out);
        return rc;
    case GB_EX_UNOP:
        if ((rc = const_eval(g, e->args[0], lv, &x, depth)) != GB_CONST_OK)
            return rc;
        *out = e->op == GB_OP_NEG ? -x : e->op == GB_OP_NOT ? (x == 0) : x;
        return GB_CONST_OK;
    case GB_EX_IF:
        if ((rc = const_eval(g, e->args[0], lv, &x, depth)) != GB_CONST_OK)
            return rc;
        return const_eval(g, e->args[x != 0 ? 1 : 2], lv, out, depth);
    case GB_EX_CALL: {
        if (e->func->kind != GB_FUNC_ELEMENTWISE || !e->func->f || e->nargs > 8)
            return GB_CONST_NOT;
        double args[8];
        for (int i = 0; i < e->nargs; i++)
            if ((rc = const_eval(g, e->args[i], lv, &args[i], depth)) != GB_CONST_OK)
                return rc;
        *out = e->func->f(args);
        return isnan(*out) ? GB_CONST_NOT : GB_CONST_OK;
    }
    default:
        return GB_CONST_NOT;
    }
}


long gb_loop_count(const gb_graph *g, const gb_loop *lp, const double *lv, long *lo)
{
    double a, b;
    if (gb_expr_const_eval(g, lp->lo, lv, &a) != GB_CONST_OK ||
        gb_expr_const_eval(g, lp->hi, lv, &b) != GB_CONST_OK)
        return -1;
    *lo = (long)a;
    return b >= a ? (long)(b - a) + 1 : 0;
}
