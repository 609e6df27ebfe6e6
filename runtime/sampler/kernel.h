/* kernel.h - one MCMC transition of a compiled model: a step of every sampler kind that took
 * latents (core/sampler.h), in the planner's order, so the run loop calls one function per
 * iteration.  The kinds that are not joint (Gibbs, slice, ...) go first, after the values are
 * brought up to date at theta; then the joint kinds (NUTS) move theta.  Allocates everything at
 * creation: a step allocates nothing. */
#ifndef GB_RUNTIME_SAMPLER_KERNEL_H
#define GB_RUNTIME_SAMPLER_KERNEL_H

#include <gsl/gsl_rng.h>

#include "model.h"
#include "run.h"
#include "status.h"

typedef struct gb_kernel gb_kernel;

/* The sampler columns of a draw (lp__ ... energy__). */
typedef gb_sampler_info gb_kernel_info;

gb_status gb_kernel_new(const gb_model *m, const gb_run_config *cfg, gb_kernel **out,
                        gb_errlist *errs);
void gb_kernel_free(gb_kernel *k);
/* One transition from theta (updated in place); `warmup` nonzero: adapt (after cfg->warmup such
 * steps the kinds fix their tuning).  info receives the sampler columns; lp__ is evaluated here
 * when no kind reports it.  On failure returns the status and points *fail at what went wrong
 * and *hint at advice (or NULL), both static strings. */
gb_status gb_kernel_step(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                         gb_kernel_info *info, const char **fail, const char **hint);
/* The same for the kinds that are not joint only (theta is read, not moved): for tests that
 * check those kinds' conditional draws. */
gb_status gb_kernel_step_others(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta,
                                int warmup, const char **fail);
/* The tuning a chain ends with (NUTS: its step size); 0 when no kind has one. */
double gb_kernel_stepsize(const gb_kernel *k);

#endif
