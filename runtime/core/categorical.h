/* categorical.h - a draw from a categorical distribution given by log weights: what the Gibbs
 * sweeps (sampler_gibbs.c), the discrete inits (model_init.c) and backward sampling (hmm.c)
 * each need for one discrete value. */
#ifndef GB_RUNTIME_CORE_CATEGORICAL_H
#define GB_RUNTIME_CORE_CATEGORICAL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

/* An index k in 0 .. n-1 drawn with probability exp(w[k] - mx) / sum_j exp(w[j] - mx), by one
 * gsl_rng_uniform; mx is the largest w (finite: the caller checks), n >= 1.  w is overwritten by
 * the weights exp(w[k] - mx).  Where rounding (or a NaN weight) leaves the uniform beyond the
 * running sum, the last index of positive weight, else n - 1. */
size_t gb_categorical_draw_log(gsl_rng *r, double *w, size_t n, double mx);

#endif
