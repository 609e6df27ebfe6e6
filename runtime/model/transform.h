/* transform.h - maps between a parameter's unconstrained coordinates and its support.
 *
 * A sampler moves y in R^m; the model sees x = f(y) in the support the distribution (or the
 * declared type) gives, and the log density gains log |det J_f(y)|.  The transforms are Stan's
 * (Stan Reference Manual, "Constraint transforms"): exp for one bound, scaled inverse logit for
 * two, stick-breaking for a simplex, cumulative exp for ordered vectors, and tanh-based
 * canonical partial correlations for a Cholesky factor of a correlation matrix.
 */
#ifndef GB_RUNTIME_MODEL_TRANSFORM_H
#define GB_RUNTIME_MODEL_TRANSFORM_H

#include <stddef.h>

typedef enum gb_tf_kind {
    GB_TF_NONE,             /* x = y */
    GB_TF_LOWER,            /* x = lo + exp(y) */
    GB_TF_UPPER,            /* x = hi - exp(y) */
    GB_TF_BOUNDED,          /* x = lo + (hi - lo) inv_logit(y); an infinite bound falls back */
    GB_TF_SIMPLEX,          /* n - 1 free coordinates, stick-breaking */
    GB_TF_ORDERED,          /* x_1 = y_1, x_k = x_{k-1} + exp(y_k) */
    GB_TF_POSITIVE_ORDERED, /* x_1 = exp(y_1), then as ordered */
    GB_TF_CHOLESKY_CORR     /* K(K-1)/2 free coordinates -> lower-triangular K x K, row-major */
} gb_tf_kind;

/* Number of unconstrained coordinates of a constrained value of n elements (K: the matrix
 * side for GB_TF_CHOLESKY_CORR, ignored otherwise). */
size_t gb_tf_free_len(gb_tf_kind kind, size_t n, size_t K);

/* Writes x[0 .. n-1] = f(y) and returns log |det J|.  Bounds are read as lo[i * ls] and
 * hi[i * us] (stride 0: one value for every element); they are used only by the bound kinds.
 * A bound kind whose bound is infinite for an element uses the one-sided (or identity)
 * transform for it.  Returns -INFINITY when a bound pair is empty (hi <= lo). */
double gb_tf_constrain(gb_tf_kind kind, size_t n, size_t K, const double *y, const double *lo,
                       size_t ls, const double *hi, size_t us, double *x);

/* Reverse mode: given x = f(y) (as written by gb_tf_constrain), the adjoint x_adj of x and the
 * weight jac_adj of the log-Jacobian, adds d/dy (x_adj . x + jac_adj log|J|) into y_adj, and the
 * same derivative with respect to the bounds into lo_adj / hi_adj (each NULL when not wanted;
 * strided like the bounds, a stride-0 slot receiving the sum). */
void gb_tf_constrain_vjp(gb_tf_kind kind, size_t n, size_t K, const double *y, const double *lo,
                         size_t ls, const double *hi, size_t us, const double *x,
                         const double *x_adj, double jac_adj, double *y_adj, double *lo_adj,
                         double *hi_adj);

/* The inverse, y = f^-1(x), for initial values given on the constrained scale.  Returns 0, or
 * -1 when x is outside the support. */
int gb_tf_unconstrain(gb_tf_kind kind, size_t n, size_t K, const double *x, const double *lo,
                      size_t ls, const double *hi, size_t us, double *y);

#endif
