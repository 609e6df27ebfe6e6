/* lower_const.c - constants while the graph is built: lowering's view of the constant
 * evaluator in runtime/graph_const.c, and the value of a scalar expression known now (data,
 * sizes, options, loop values being unrolled).
 *
 * Owns: nothing.
 * Offers: cst_eval, cst_loop_count, cst_build.
 */
#include "lower_int.h"

int cst_eval(lowerer *L, const gb_expr *e, const double *loopvals, double *out)
{
    return gb_expr_const_eval(L->g, e, loopvals, out);
}

long cst_loop_count(lowerer *L, const gb_loop *lp, const double *lv, long *lo)
{
    return gb_loop_count(L->g, lp, lv, lo);
}

gb_status cst_build(lowerer *L, scope *sc, const gb_ast *a, double *v, int *known)
{
    gb_expr *e = ex_elab(L, sc, a);
    if (!e)
        return lw_failed(L);
    *known = e->shape.rank == 0 && cst_eval(L, e, NULL, v) == CST_OK;
    return GB_OK;
}
