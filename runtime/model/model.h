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
#ifndef GB_RUNTIME_MODEL_MODEL_H
#define GB_RUNTIME_MODEL_MODEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "graph.h"
#include "sampler.h"
#include "status.h"

typedef struct gb_model gb_model;
typedef struct gb_model_ws gb_model_ws;

/* Compiles g (borrowed; must outlive the model) and plans its samplers with the kinds of the
 * registry (sampler_registry.h).  Errors (unknown sizes, unsupported constructs, a latent no
 * kind can update) are reported with their locations. */
gb_status gb_model_compile(const gb_graph *g, gb_model **out, gb_errlist *errs);
/* The same with the sampler kinds kinds[0 .. nkinds-1], asked in that order (borrowed: the
 * array and the tables must outlive the model). */
gb_status gb_model_compile_with(const gb_graph *g, const gb_sampler_ops *const *kinds,
                                size_t nkinds, gb_model **out, gb_errlist *errs);
void gb_model_free(gb_model *m);
const gb_graph *gb_model_graph(const gb_model *m);

/* Length of the unconstrained vector of the NUTS block. */
size_t gb_model_dim(const gb_model *m);
/* The latent nodes, in graph order, with their sampler kind. */
size_t gb_model_latent_count(const gb_model *m);
size_t gb_model_latent_node(const gb_model *m, size_t k);
const gb_sampler_ops *gb_model_latent_kind(const gb_model *m, size_t k);
/* One line on why that kind was chosen ("continuous, differentiable density"). */
const char *gb_model_latent_reason(const gb_model *m, size_t k);
/* The kinds that took at least one latent, in the order they were asked. */
size_t gb_model_kind_count(const gb_model *m);
const gb_sampler_ops *gb_model_kind(const gb_model *m, size_t i);

/* What the kinds ask when planning.  Discrete: integer-valued (its values are the node's own);
 * finite: a discrete latent whose support is bounded on both sides; smooth: the log density is
 * differentiable in it (no comparison, rounding or step function of it on the way to a term);
 * dim: its unconstrained coordinates (continuous) or elements (discrete). */
int gb_model_latent_is_discrete(const gb_model *m, size_t k);
int gb_model_latent_is_finite(const gb_model *m, size_t k);
int gb_model_latent_is_smooth(const gb_model *m, size_t k);
size_t gb_model_latent_dim(const gb_model *m, size_t k);

gb_model_ws *gb_model_ws_new(const gb_model *m);
void gb_model_ws_free(gb_model_ws *ws);

/* Log density at the unconstrained point theta (the NUTS block; other latent values are those
 * held in ws), with the log-Jacobians of the transforms, leaving out terms constant in theta
 * (as Stan's lp__ does).  grad (dim doubles) receives the gradient when non-NULL.  Returns
 * -INFINITY outside the support; never NaN. */
double gb_model_logp(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad);

/* With on = 0, gb_model_logp and its gradient leave out the transforms' log-Jacobians: the
 * density of the constrained values, whose mode is the MAP estimate (Stan's optimize with
 * jacobian = false).  Sampling needs them (the default, on = 1). */
void gb_model_ws_set_jacobian(gb_model_ws *ws, int on);

/* With on = 0, gb_model_logp evaluates every likelihood op by op, as the other paths do, instead
 * of the fused one-pass kernels (model_fuse.c) of the terms that have one; the results are the
 * same bit for bit.  For tests and benchmarks; on by default.  gb_model_fused_terms counts the
 * terms that have a fused kernel. */
void gb_model_ws_set_fused(gb_model_ws *ws, int on);
/* With on = 0, a summed-out change point's threshold terms (model_marg_step.c) are summed value
 * by value, O(N x K), instead of by prefix sums, O(N + K): the same density up to rounding.  For
 * tests and benchmarks; on by default. */
void gb_model_ws_set_marg_step(gb_model_ws *ws, int on);
/* With on = 0, a summed-out latent's table (model_marg_bcast.c) gathers mu[z] and runs every
 * repetition of a term that is the same for all of them, as the general path does: the same
 * density and gradient bit for bit.  For tests and benchmarks; on by default. */
void gb_model_ws_set_marg_bcast(gb_model_ws *ws, int on);
size_t gb_model_fused_terms(const gb_model *m);
/* With on = 0, gb_model_logp evaluates every likelihood op by op instead of from per-group
 * sufficient statistics (model_group.c) for the terms that have them: the same density up to
 * summation order.  For tests and benchmarks; on by default.  gb_model_grouped_terms counts those
 * terms; gb_model_grouped_term_text writes the i-th one's one-line description into buf (1; 0
 * when there is no i-th, -1 on a formatting error). */
void gb_model_ws_set_grouped(gb_model_ws *ws, int on);
size_t gb_model_grouped_terms(const gb_model *m);
int gb_model_grouped_term_text(const gb_model *m, size_t i, char *buf, size_t len);

/* Initial values: draws theta uniformly in (-radius, radius), discrete latents uniformly in
 * their support, then one Gibbs sweep over the discrete latents (each element from its full
 * conditional), retrying up to max_tries until the log density is finite.  On failure reports
 * the statement whose density was not finite and the values it read in the last try. */
gb_status gb_model_init(const gb_model *m, gb_model_ws *ws, gsl_rng *r, double radius,
                        int max_tries, double *theta, gb_errlist *errs);

/* The value of node i when no parameter can change it (data, a constant, or a deterministic
 * node of those, which compilation computed once): *val borrows the model's n->len values,
 * valid while m lives.  Returns 0, or -1 when a parameter changes it or computing it failed
 * (a NaN: the run reports that node). */
int gb_model_fixed_value(const gb_model *m, size_t i, const double **val);

/* Forgets every likelihood's summary of its data (sufficient statistics, see gb_dist_ops'
 * prepare), so that the log density streams over the data again: for benchmarks that time the
 * evaluator itself. */
void gb_model_drop_prepared(gb_model *m);

/* ---- what sampler kinds use to move their latents ---- */

/* Brings every value in ws up to date at the NUTS block theta (copied into ws) and clears the
 * changed flag: the kernel calls it before the kinds that are not joint take their steps. */
void gb_model_ws_sync(const gb_model *m, gb_model_ws *ws, const double *theta);
/* Recomputes the deterministic values from the current latent values (after a kind moved one). */
void gb_model_ws_refresh(const gb_model *m, gb_model_ws *ws);
/* Says a value changed since the last sync (so a joint kind's cached density is stale), and
 * asks whether one did.  When none did, the density at theta is what it was, bit for bit. */
void gb_model_ws_set_changed(gb_model_ws *ws);
int gb_model_ws_changed(const gb_model_ws *ws);
/* The unconstrained coordinates of continuous latent k outside the NUTS block
 * (gb_model_latent_dim(m, k) doubles in ws; NULL for joint or discrete latents). */
double *gb_model_ws_coords(const gb_model *m, gb_model_ws *ws, size_t k);
/* The log density at the current values, value only, up to terms that do not depend on latent
 * k: only the ops of k's Markov blanket run (its transform, the deterministic nodes computed from
 * it, the terms that read it or them).  -INFINITY outside the support; never NaN. */
double gb_model_latent_logp(const gb_model *m, gb_model_ws *ws, size_t k);
/* Marginalised discrete latent k (its kind has `marginal` set and the planner kept it): draws
 * every element from its exact conditional given the continuous values in ws (gb_model_ws_sync
 * first).  The density the joint kinds see does not read these values, so nothing is marked
 * changed.  GB_ENUMERIC when an element has no value with a finite density. */
gb_status gb_model_marginal_draw(const gb_model *m, gb_model_ws *ws, size_t k, gsl_rng *r);
/* Ops run by the evaluator in ws so far (a cost counter for tests and benchmarks). */
size_t gb_model_ws_ops_run(const gb_model_ws *ws);

/* The values of every node, constrained, at theta (after a logp call or on its own): writes the
 * output row (see gb_model_output_size / _names) into out. */
size_t gb_model_output_size(const gb_model *m);
/* Column names in CmdStan's style: "beta.1", "X.2.3"; returned strings are owned by the model. */
const char *gb_model_output_name(const gb_model *m, size_t col);
/* Node of an output column, and the column range of a node. */
size_t gb_model_output_node(const gb_model *m, size_t col);
void gb_model_values(const gb_model *m, gb_model_ws *ws, const double *theta, double *out);

/* ---- how a latent reaches its likelihood (model_link.c), for kinds that update it from the
 * data (the tree sampler's partial residuals) ---- */
typedef enum gb_link_kind {
    GB_LINK_NORMAL,     /* y ~ normal(f + o, sigma): o and sigma do not read f */
    GB_LINK_PROBIT,     /* y ~ bernoulli(Phi(f + o)) */
    GB_LINK_CATEGORICAL /* y ~ categorical_logit(f): f holds a row of class log-probabilities
                           per y */
} gb_link_kind;
typedef struct gb_model_link {
    gb_link_kind kind;
    size_t latent;  /* the latent's index */
    size_t n;       /* elements of the latent */
    size_t classes; /* GB_LINK_CATEGORICAL: columns of f */
    size_t term, own_term, mean_t; /* the model's: likelihood, prior, tensor holding f + o */
} gb_model_link;
/* What gb_model_link_eval hands out (pointers into ws or the data, valid until the next
 * evaluation): the likelihood's variate (n values, or n / classes labels), and sigma (normal
 * only: sigma[e * sigma_stride]). */
typedef struct gb_model_link_data {
    const double *y, *sigma;
    size_t sigma_stride;
} gb_model_link_data;
/* Is latent k an unconstrained real array read by exactly one likelihood in one of the forms
 * above (element e of f with observation e)?  1 and *out filled; 0 and *why set to one line on
 * what was found instead. */
int gb_model_latent_link(const gb_model *m, size_t k, gb_model_link *out, const char **why);
/* The latent's own distribution, its location, and the value of argument i (1-based, as in the
 * source: bart_prior(X, ...) has X at 1) at the current values in ws; *len its element count. */
const gb_dist_ops *gb_model_link_prior_dist(const gb_model *m, const gb_model_link *l);
gb_loc gb_model_link_prior_loc(const gb_model *m, const gb_model_link *l);
const double *gb_model_link_prior_arg(const gb_model *m, gb_model_ws *ws, const gb_model_link *l,
                                      int i, size_t *len);
/* The graph node of the likelihood's variate (y). */
size_t gb_model_link_variate(const gb_model *m, const gb_model_link *l);
/* Argument i of the prior (i >= 1) or the likelihood's variate (i = 0) when it is fixed (data,
 * or computed from data only), after compilation: its values, element count and last dimension
 * (the columns of a matrix); NULL when it depends on a parameter. */
const double *gb_model_link_fixed(const gb_model *m, const gb_model_link *l, int i, size_t *len,
                                  size_t *cols);
/* At the current values: offset[e] = (the likelihood's f + o)[e] - f[e] (n doubles; not written
 * for categorical), and the data and sigma.  GB_ENUMERIC when an index or function failed. */
gb_status gb_model_link_eval(const gb_model *m, gb_model_ws *ws, const gb_model_link *l,
                             double *offset, gb_model_link_data *out);

#endif
