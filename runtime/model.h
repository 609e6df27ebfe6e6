/* model.h - a graph compiled for inference: the log density on the unconstrained scale and its
 * gradient, deterministic values per draw, and the parameter layout the samplers work with.
 *
 * Compilation turns every definition into a short list of ops over contiguous arrays.  A loop
 * becomes a batch: its iterations are enumerated once (loop variables become integer arrays) and
 * every op runs over the whole batch, so a 100k-row likelihood is one lpdf call.  The only
 * definitions run iteration by iteration are deterministic ones that read their own earlier
 * elements (s[t] = s[t - 1] + x[t]); they use the same ops over one batch element at a time.
 *
 * A gb_model is immutable after compilation and shared by all chains; each chain owns a
 * gb_model_ws (all value and adjoint buffers, allocated once: nothing is allocated while
 * evaluating).
 */
#ifndef GB_RUNTIME_MODEL_H
#define GB_RUNTIME_MODEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "graph.h"
#include "status.h"

typedef struct gb_model gb_model;
typedef struct gb_model_ws gb_model_ws;

/* How a latent node is updated. */
typedef enum gb_sampler_kind {
    GB_SAMPLER_NUTS,  /* continuous, differentiable: in the joint NUTS block */
    GB_SAMPLER_GIBBS, /* discrete with finite support: Gibbs by enumeration */
    GB_SAMPLER_SLICE  /* continuous, not differentiable: univariate slice sampling */
} gb_sampler_kind;

/* Compiles g (borrowed; must outlive the model).  Errors (unknown sizes, unsupported
 * constructs) are reported with their locations. */
gb_status gb_model_compile(const gb_graph *g, gb_model **out, gb_errlist *errs);
void gb_model_free(gb_model *m);
const gb_graph *gb_model_graph(const gb_model *m);

/* Length of the unconstrained vector of the NUTS block. */
size_t gb_model_dim(const gb_model *m);
/* The latent nodes, in graph order, with their sampler. */
size_t gb_model_latent_count(const gb_model *m);
size_t gb_model_latent_node(const gb_model *m, size_t k);
gb_sampler_kind gb_model_latent_sampler(const gb_model *m, size_t k);
/* One line on why that sampler was chosen ("continuous, differentiable"). */
const char *gb_model_latent_reason(const gb_model *m, size_t k);

gb_model_ws *gb_model_ws_new(const gb_model *m);
void gb_model_ws_free(gb_model_ws *ws);

/* Log density at the unconstrained point theta (the NUTS block; other latent values are those
 * held in ws), with the log-Jacobians of the transforms, leaving out terms constant in theta
 * (as Stan's lp__ does).  grad (dim doubles) receives the gradient when non-NULL.  Returns
 * -INFINITY outside the support; never NaN. */
double gb_model_logp(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad);

/* Initial values: draws theta uniformly in (-radius, radius) and discrete latents uniformly in
 * their support, retrying up to max_tries until the log density is finite.  On failure reports
 * the node whose density was not finite. */
gb_status gb_model_init(const gb_model *m, gb_model_ws *ws, gsl_rng *r, double radius,
                        int max_tries, double *theta, gb_errlist *errs);

/* Tells the samplers run by gb_model_update_others whether this is warmup (slice widths adapt). */
void gb_model_ws_warmup(gb_model_ws *ws, int warmup);

/* Forgets every likelihood's summary of its data (sufficient statistics, see gb_dist_ops'
 * prepare), so that the log density streams over the data again: for benchmarks that time the
 * evaluator itself. */
void gb_model_drop_prepared(gb_model *m);

/* Did the last gb_model_update_others change any value (a discrete latent that moved, a slice
 * coordinate)?  When not, the density at theta is what it was, bit for bit. */
int gb_model_ws_changed(const gb_model_ws *ws);

/* One Gibbs sweep over every discrete latent (enumerating its support, evaluating only the
 * terms that depend on it) and one slice update of every slice-sampled coordinate, at the
 * current theta. */
gb_status gb_model_update_others(const gb_model *m, gb_model_ws *ws, gsl_rng *r,
                                 const double *theta);

/* The values of every node, constrained, at theta (after a logp call or on its own): writes the
 * output row (see gb_model_output_size / _names) into out. */
size_t gb_model_output_size(const gb_model *m);
/* Column names in CmdStan's style: "beta.1", "X.2.3"; returned strings are owned by the model. */
const char *gb_model_output_name(const gb_model *m, size_t col);
/* Node of an output column, and the column range of a node. */
size_t gb_model_output_node(const gb_model *m, size_t col);
void gb_model_values(const gb_model *m, gb_model_ws *ws, const double *theta, double *out);

#endif
