/* func_def.h - the shorthand the general-function files (func_array.c, func_shape.c,
 * func_linalg.c, func_matrix.c, func_gp.c) share to define a function's three parts and its
 * table entry, so that each file holds only what its functions do. */
#ifndef GB_STDLIB_FUNC_DEF_H
#define GB_STDLIB_FUNC_DEF_H

#include "func.h"

/* The signatures of func.h's gb_func_shape_fn, gb_func_eval_fn and gb_func_vjp_fn. */
#define SHAPE_FN(fn)                                                                               \
    static int fn(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,        \
                  gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
#define EVAL_FN(fn) static int fn(int nargs, const gb_tensor *in, gb_tensor *out)
#define VJP_FN(fn)                                                                                 \
    static void fn(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,    \
                   double *const *in_adj)

/* The initialiser of a GB_FUNC_GENERAL entry taking lo .. hi arguments. */
#define GB_GENERAL_FUNC(nm, lo, hi, sh, ev, vj, text)                                              \
    {                                                                                              \
        .name = nm, .min_args = lo, .max_args = hi, .kind = GB_FUNC_GENERAL, .shape = sh,          \
        .eval = ev, .vjp = vj, .doc = text                                                         \
    }

/* Two dimensions agree when equal or when either is not known until the data are read. */
static inline int gb_dim_eq(size_t a, size_t b)
{
    return a == b || a == GB_DIM_UNKNOWN || b == GB_DIM_UNKNOWN;
}

#endif
