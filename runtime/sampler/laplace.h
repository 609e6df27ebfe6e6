/* laplace.h - the Laplace approximation at a mode: a normal on the unconstrained scale whose
 * covariance is the inverse of the negative Hessian of the log density (log-Jacobians included,
 * as Stan's `laplace` method), and draws from it mapped to the constrained scale.
 */
#ifndef GB_RUNTIME_SAMPLER_LAPLACE_H
#define GB_RUNTIME_SAMPLER_LAPLACE_H

#include <stddef.h>

#include "model.h"
#include "status.h"

/* The columns each draw row starts with, Stan's laplace names: the model's log density at the
 * draw (log-Jacobians included, up to a constant) and the normal approximation's log density
 * (up to a constant). */
enum { GB_LAPLACE_COL_LOG_P, GB_LAPLACE_COL_LOG_G, GB_LAPLACE_NCOLS };
extern const char *const gb_laplace_col_names[GB_LAPLACE_NCOLS];

/* Writes the Hessian of the log density (log-Jacobians included) at theta into H (dim x dim,
 * row-major), by central differences of the model's gradient, symmetrised.  Fails
 * (GB_ENUMERIC) when the density is not finite near theta. */
gb_status gb_laplace_hessian(const gb_model *m, const double *theta, double *H, gb_errlist *errs);

/* ndraws rows of GB_LAPLACE_NCOLS + gb_model_output_size(m) doubles into rows (row-major): draws
 * theta ~ normal(mode, (-H)^-1) with H the Hessian above, then the model's output values at each.
 * The draws come from gb_rng_new(seed, 0).  Fails (GB_ENUMERIC, saying so) when -H is not
 * positive definite: the point is not a strict mode. */
gb_status gb_laplace_draws(const gb_model *m, const double *mode, size_t ndraws, unsigned long seed,
                           double *rows, gb_errlist *errs);

#endif
