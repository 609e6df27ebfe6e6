/* funcs.h - the group tables that stdlib/funcs.c joins into one registry. */
#ifndef GB_STDLIB_FUNCS_H
#define GB_STDLIB_FUNCS_H

#include "func.h"

extern const gb_func_ops *const gb_funcs_scalar[];  /* stdlib/func_scalar.c: elementwise */
extern const gb_func_ops *const gb_funcs_array[];   /* stdlib/func_array.c: reductions, shapes */
extern const gb_func_ops *const gb_funcs_linalg[];  /* stdlib/func_linalg.c: matrices */
extern const gb_func_ops *const gb_funcs_matrix[];  /* stdlib/func_matrix.c: products, slices */
extern const gb_func_ops *const gb_funcs_gp[];      /* stdlib/func_gp.c: GP covariances */

#endif
