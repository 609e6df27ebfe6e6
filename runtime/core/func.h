/* func.h - the interface every math function in stdlib implements.
 *
 * Functions work on dense tensors of doubles (row-major, rank 0..GB_MAX_RANK).  Each function
 * states a shape/type rule, which the checker and lowering call with the argument shapes, and
 * gives its value and its vector-Jacobian product side by side.
 */
#ifndef GB_RUNTIME_CORE_FUNC_H
#define GB_RUNTIME_CORE_FUNC_H

#include <stddef.h>

#include "dist.h"

#define GB_MAX_RANK 4
/* A dimension not known yet (no data bound); shape rules pass it through. */
#define GB_DIM_UNKNOWN ((size_t)-1)

typedef struct gb_shape {
    int rank;
    size_t dim[GB_MAX_RANK];
} gb_shape;

typedef struct gb_tensor {
    gb_shape shape;
    double *val;
    size_t len; /* product of dims */
} gb_tensor;

typedef enum gb_func_kind {
    GB_FUNC_ELEMENTWISE, /* f applied to each element, arguments broadcast (exp, pow, fmin) */
    GB_FUNC_GENERAL      /* anything else: reductions, linear algebra, constructors */
} gb_func_kind;

/* Shape and type rule: given argument shapes and types (in[i], types[i]), write the result's.
 * cval[i] is the value of argument i when it is a scalar known when the graph is built (a
 * literal, a size bound from data), NaN otherwise; rules whose result size depends on a value
 * (rep_vector(x, n), head(v, n)) require it and say so in why when it is NaN.
 * Returns 0, or -1 with a short reason in why ("expects a square matrix"). */
typedef int (*gb_func_shape_fn)(int nargs, const gb_shape *in, const gb_vtype *types,
                                const double *cval, gb_shape *out, gb_vtype *out_type, char *why,
                                size_t whylen);

/* Value: out has the shape the rule gave and is preallocated.  Returns 0, or -1 when the value
 * is undefined for these inputs (a singular matrix), which the evaluator turns into an error. */
typedef int (*gb_func_eval_fn)(int nargs, const gb_tensor *in, gb_tensor *out);

/* Vector-Jacobian product: given out_adj (dL/dout), accumulate (+=) dL/din[i] into in_adj[i]
 * (NULL when that argument needs no gradient).  `out` holds the value computed by eval. */
typedef void (*gb_func_vjp_fn)(int nargs, const gb_tensor *in, const gb_tensor *out,
                               const double *out_adj, double *const *in_adj);

/* Elementwise functions give scalar kernels instead; the evaluator loops and broadcasts.
 * d[i] receives d f / d arg_i at x (fx = f(x) is passed to save recomputation). */
typedef double (*gb_func_scalar_fn)(const double *x);
typedef void (*gb_func_dscalar_fn)(const double *x, double fx, double *d);

typedef struct gb_func_ops {
    const char *name;
    int min_args, max_args;
    gb_func_kind kind;
    /* GB_FUNC_ELEMENTWISE: */
    gb_func_scalar_fn f;
    gb_func_dscalar_fn df;   /* NULL: not differentiable (floor, step) - gradient zero */
    int int_result;          /* 1: result is int when all args are int (abs); 2: always int (floor) */
    /* GB_FUNC_GENERAL: */
    gb_func_shape_fn shape;
    gb_func_eval_fn eval;
    gb_func_vjp_fn vjp;      /* NULL: not differentiable */
    const char *doc;         /* one line for the reference page */
} gb_func_ops;

/* The registry, implemented in stdlib/funcs.c over the group tables of stdlib/funcs.h. */
size_t gb_func_count(void);
const gb_func_ops *gb_func_at(size_t i);
const gb_func_ops *gb_func_find(const char *name);

#endif
