/* shape.h - the one broadcasting rule of the language, used by the checker (lang/lower_expr.c,
 * lang/lower_node.c) and by the compiled model (runtime/model_compile.c), so that what check
 * accepts is what run computes.
 *
 * numpy's rule: shapes are aligned at their last dimension; two sizes match when they are equal
 * or one of them is 1 (it is repeated).  A size not known yet (GB_DIM_UNKNOWN: no data bound it
 * when checking without data) matches any size; the known one wins, so the checker reports what
 * it can and the compiler, which sees every size, decides the rest.
 */
#ifndef GB_RUNTIME_CORE_SHAPE_H
#define GB_RUNTIME_CORE_SHAPE_H

#include "func.h"

/* Broadcasts a and b into *out (may alias either).  Returns 0, or -1 (out untouched) when two
 * known sizes differ and neither is 1. */
int gb_shape_broadcast(const gb_shape *a, const gb_shape *b, gb_shape *out);

#endif
