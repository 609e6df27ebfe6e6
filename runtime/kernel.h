/* kernel.h - the MCMC kernel for a model's continuous block: NUTS with Stan's windowed warmup
 * (step size by dual averaging, diagonal or dense metric), wrapped so the run loop calls one
 * step per iteration.  Allocates everything at creation: a step allocates nothing. */
#ifndef GB_RUNTIME_KERNEL_H
#define GB_RUNTIME_KERNEL_H

#include <gsl/gsl_rng.h>

#include "model.h"
#include "run.h"
#include "status.h"

typedef struct gb_kernel gb_kernel;

typedef struct gb_kernel_info {
    double lp, accept_stat, stepsize, treedepth, n_leapfrog, divergent, energy;
} gb_kernel_info;

gb_status gb_kernel_new(const gb_model *m, const gb_run_config *cfg, gb_kernel **out,
                        gb_errlist *errs);
void gb_kernel_free(gb_kernel *k);
/* One transition from theta (updated in place); `warmup` nonzero: adapt.  The log density is
 * re-evaluated at the start when other samplers may have changed the values it reads.  The first
 * call chooses the initial step size.  GB_ENUMERIC when no step size works (the density at
 * theta is not finite, or the step size grows without bound: the posterior looks improper). */
gb_status gb_kernel_step(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                    gb_kernel_info *info);
double gb_kernel_stepsize(const gb_kernel *k);

#endif
