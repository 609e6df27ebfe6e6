/* simulate.h - ancestral simulation on a compiled model: `predict` draws the observed nodes
 * (made latent by leaving their data out) given saved draws of the parameters, and `run --prior`
 * draws every parameter from its prior.
 *
 * The target nodes are visited in value order (parents first): each deterministic node is
 * recomputed, and each target's definitions are drawn with its distribution's rng
 * (gb_dist_ops.rng), one repetition at a time, from the parameters the definition computes at
 * that point.  A target with declared bounds (`real<lower=0>`) is drawn from its distribution
 * truncated to them, by rejection; a definition with T[lo, hi] the same.  A target whose
 * declared type constrains a distribution that does not live there (`ordered[K] c ~ normal(0,
 * 1)`), or whose distribution has no rng (improper: flat), cannot be drawn exactly and is
 * refused by gb_simulate_new.
 */
#ifndef GB_RUNTIME_MODEL_SIMULATE_H
#define GB_RUNTIME_MODEL_SIMULATE_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "model.h"
#include "status.h"

/* Rejection tries per repetition for bounds and truncation before giving up. */
#define GB_SIMULATE_MAX_TRIES 10000

typedef struct gb_simulate gb_simulate;

/* Plans drawing the stochastic nodes of m with target[i] nonzero (per graph node; borrowed,
 * must outlive the result).  A target may be a parameter, or an observed node: drawing one of
 * those overwrites its values in m's graph (the data), which the caller must own for that
 * purpose (predict lowers a graph of its own); what was computed from the data once, at
 * compilation (folded nodes, prepared likelihoods), keeps the original values.  GB_ESEMANTIC at the
 * node when one cannot be drawn exactly (see above), GB_ENOMEM; reported in errs. */
gb_status gb_simulate_new(const gb_model *m, const unsigned char *target, gb_simulate **out,
                          gb_errlist *errs);
void gb_simulate_free(gb_simulate *s);

/* Draws the targets into ws given the values of the other latents there (set with
 * gb_loglik_set_values, loglik.h), recomputing the deterministic nodes.  Returns GB_OK, or
 * GB_ENUMERIC with *bad_node set when a definition's parameters were invalid (the rng cannot
 * draw) or rejection found no value within the bounds. */
gb_status gb_simulate_draw(const gb_simulate *s, gb_model_ws *ws, gsl_rng *r, size_t *bad_node);

/* The current values in ws as an output row of m (gb_model_output_size doubles). */
void gb_simulate_values(const gb_model *m, gb_model_ws *ws, double *out);

#endif
