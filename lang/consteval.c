/* consteval.c - lowering's view of the constant evaluator in runtime/graph_const.c. */
#include "lower_int.h"

int ceval(lowerer *L, const gb_expr *e, const double *loopvals, double *out)
{
    return gb_expr_const_eval(L->g, e, loopvals, out);
}

long loop_count(lowerer *L, const gb_loop *lp, const double *lv, long *lo)
{
    return gb_loop_count(L->g, lp, lv, lo);
}
