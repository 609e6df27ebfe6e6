/* nuts.h - the multinomial No-U-Turn sampler on a plain log-density callback.
 *
 * The sampler knows nothing of the model graph: it sees a gb_target, a function of a point q in
 * R^dim (the unconstrained scale) returning log p(q) and writing its gradient.  It follows Stan's
 * base_nuts (Stan >= 2.26), which is Betancourt (2017), "A Conceptual Introduction to Hamiltonian
 * Monte Carlo", arXiv:1701.02434, appendix A.3 (multinomial sampling of trajectory states) and
 * A.4 (the generalised No-U-Turn criterion with p_sharp = M^{-1} p), on the tree doubling of
 * Hoffman & Gelman (2014), "The No-U-Turn Sampler", JMLR 15, sec. 3.1:
 *   - the trajectory doubles, forward or backward with probability 1/2, up to max_depth times;
 *   - a new subtree replaces the current sample with probability min(1, w_new / w_old) (biased
 *     progressive sampling, Betancourt A.3.2); inside a subtree the two halves are merged by
 *     uniform progressive sampling, w_right / (w_left + w_right), where w = exp(-H);
 *   - the U-turn criterion is checked over every subtree, and, as Stan does since 2.26, also
 *     over each merged pair extended by one point of the neighbour (catches U-turns between the
 *     two halves that neither half nor the whole shows);
 *   - a leapfrog step whose energy H exceeds H0 by more than max_energy_error (1000) is
 *     divergent: the subtree is discarded and the trajectory stops;
 *   - accept_stat is the mean over all leapfrog steps of min(1, exp(H0 - H)) (Stan's adaptation
 *     statistic; Hoffman & Gelman eq. 14 with the multinomial tree).
 *
 * Metric: Euclidean, with the inverse metric M^{-1} given either as a diagonal (dim values) or as
 * a dense symmetric positive-definite matrix (dim x dim, row-major).  Kinetic energy
 * K(p) = p' M^{-1} p / 2; p_sharp = M^{-1} p.  Momentum p ~ N(0, M) is drawn as in Stan's
 * dense_e_metric: with M^{-1} = L L' (Cholesky, gsl_linalg_cholesky_decomp1), p = L'^{-1} z,
 * z ~ N(0, I), so Cov(p) = (L L')^{-1} = M without ever forming M.
 *
 * Non-finite densities: a target returning -INFINITY or NaN (NaN is treated as -INFINITY and
 * never propagates) gives H = +inf, which counts as divergent; its gradient is not read.
 *
 * Memory: gb_nuts_new allocates every buffer (per tree level, recursion depth <= max_depth <=
 * GB_NUTS_DEPTH_LIMIT); transitions allocate nothing.  One gb_nuts per chain; not thread-safe.
 *
 * Staleness: the transition caches log p and its gradient at the point it returned.  The cache
 * is used only when the next call starts at exactly the same q (bitwise); a caller that changes
 * what the target reads besides q (a Gibbs update of other variables) calls gb_nuts_invalidate.
 */
#ifndef GB_RUNTIME_SAMPLER_NUTS_H
#define GB_RUNTIME_SAMPLER_NUTS_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "adapt.h"
#include "status.h"

/* A log density on R^dim.  logp_grad returns log p(q) up to a constant and writes d log p / dq
 * into grad[0 .. dim-1]; outside the support (or when not finite) it returns -INFINITY and grad
 * is unspecified.  ctx is borrowed and passed through untouched. */
typedef struct gb_target {
    size_t dim;
    double (*logp_grad)(void *ctx, const double *q, double *grad);
    void *ctx;
} gb_target;

typedef enum gb_metric_kind { GB_METRIC_DIAG, GB_METRIC_DENSE } gb_metric_kind;

/* The largest max_depth accepted: 2^30 leapfrog steps per transition is already far beyond any
 * useful run; the bound also caps the tree builder's recursion. */
#define GB_NUTS_DEPTH_LIMIT 30
/* Stan's defaults: max_depth 10 (CmdStan's max_depth), max_deltaH 1000 (base_nuts.hpp). */
#define GB_NUTS_DEFAULT_MAX_DEPTH 10
#define GB_NUTS_DEFAULT_MAX_ENERGY_ERROR 1000.0

typedef struct gb_nuts_config {
    int max_depth;           /* 1 .. GB_NUTS_DEPTH_LIMIT */
    double max_energy_error; /* H - H0 above this is a divergence */
    gb_metric_kind metric;
    double stepsize; /* initial step size, Stan's default 1 */
} gb_nuts_config;

/* What one transition did, Stan's sampler columns. */
typedef struct gb_nuts_info {
    double lp;          /* log p at the returned point */
    double accept_stat; /* mean Metropolis acceptance over the trajectory */
    double stepsize;
    int treedepth;
    size_t n_leapfrog;
    int divergent;
    double energy; /* Hamiltonian at the returned point */
} gb_nuts_info;

typedef struct gb_nuts gb_nuts;

/* Fills *cfg with Stan's defaults: depth 10, energy error 1000, diagonal metric, step 1. */
void gb_nuts_config_default(gb_nuts_config *cfg);

/* A sampler for dimension dim >= 1 with the identity metric.  *out receives a new object the
 * caller frees with gb_nuts_free.  GB_EUSAGE for a bad config, GB_ENOMEM when the workspace
 * does not fit the memory budget or allocation fails. */
gb_status gb_nuts_new(const gb_nuts_config *cfg, size_t dim, gb_nuts **out);
/* The doubles gb_nuts_new allocates for dim coordinates (the metric is dim x dim when dense):
 * 0 and *out, or -1 when the count overflows.  The memory plan (memplan.c) uses it. */
int gb_nuts_work_size(size_t dim, int max_depth, int dense, size_t *out);
void gb_nuts_free(gb_nuts *n);

size_t gb_nuts_dim(const gb_nuts *n);
gb_metric_kind gb_nuts_metric(const gb_nuts *n);
double gb_nuts_stepsize(const gb_nuts *n);
/* eps must be finite and > 0 (otherwise GB_EUSAGE, nothing changes). */
gb_status gb_nuts_set_stepsize(gb_nuts *n, double eps);

/* Installs a new inverse metric (copied): dim values for a diagonal one (all finite, > 0),
 * dim*dim row-major for a dense one (symmetric positive definite).  GB_ENUMERIC when it is not
 * positive definite; the old metric stays.  Invalidates the cache (the momenta change). */
gb_status gb_nuts_set_inv_metric(gb_nuts *n, const double *inv_metric);
/* The current inverse metric, borrowed, valid until the next set. */
const double *gb_nuts_inv_metric(const gb_nuts *n);

/* Forgets the cached log p / gradient, so the next transition evaluates the target first. */
void gb_nuts_invalidate(gb_nuts *n);

/* One NUTS transition from q (dim values, updated in place) with the current step size and
 * metric.  GB_ENUMERIC when log p at the starting q is not finite (q and *info untouched);
 * otherwise GB_OK and *info (may be NULL) describes the transition.  Allocates nothing. */
gb_status gb_nuts_transition(gb_nuts *n, const gb_target *t, gsl_rng *r, double *q,
                             gb_nuts_info *info);

/* Stan's step-size heuristic (base_hmc::init_stepsize): from q, draw a momentum, take one
 * leapfrog step, and double the step size while the acceptance exp(H0 - H) stays above
 * GB_NUTS_INIT_ACCEPT (halve it while it stays below), redrawing the momentum each try.
 * Hoffman & Gelman (2014) Algorithm 4 uses 0.5; Stan's code uses 0.8, and we follow Stan.
 * GB_ENUMERIC when log p(q) is not finite, when the step size exceeds 1e7 (the posterior looks
 * improper) or underflows to 0 (no acceptable step: the density is probably discontinuous);
 * the step size is then unchanged.  q is not changed. */
#define GB_NUTS_INIT_ACCEPT 0.8
gb_status gb_nuts_init_stepsize(gb_nuts *n, const gb_target *t, gsl_rng *r, const double *q);

/* Before the first warmup transition at q: with the windowed scheme gb_nuts_init_stepsize
 * alone (as Stan); with fisher, the initial metric from the gradient at q, the step-size
 * heuristic under it, and dual averaging restarted around the result. */
gb_status gb_nuts_adapt_start(gb_nuts *n, gb_adapt *a, const gb_target *t, gsl_rng *r,
                              const double *q);
/* One warmup transition with adaptation (Stan's adapt_diag_e_nuts / adapt_dense_e_nuts, or
 * nutpie's schedule): gb_nuts_transition, then the accept_stat feeds dual averaging (the next
 * step size) and q with the gradient there the metric estimator; a new inverse metric is
 * installed when the adapter hands one out, and when it asks for a restart the step size is
 * re-initialised by gb_nuts_init_stepsize and dual averaging restarts with mu = log(10 eps).
 * `a` must have been made with this sampler's dim and metric kind. */
gb_status gb_nuts_adapt_transition(gb_nuts *n, gb_adapt *a, const gb_target *t, gsl_rng *r,
                                   double *q, gb_nuts_info *info);
/* Ends warmup: the step size becomes dual averaging's exp(x_bar). */
gb_status gb_nuts_finish_adaptation(gb_nuts *n, const gb_adapt *a);

/* Receives each post-warmup draw (q is borrowed for the call); return 0 to go on, nonzero to
 * stop the run (gb_nuts_run then returns GB_EINTERRUPT). */
typedef int (*gb_nuts_draw_fn)(void *ctx, size_t iter, const double *q, const gb_nuts_info *info);

/* A whole chain: with warmup (acfg non-NULL, acfg->warmup > 0), gb_nuts_init_stepsize then
 * acfg->warmup adapting transitions (dual averaging starts from mu = log(10 eps) for the
 * configured step size, as Stan's services do; acfg->dense is taken from the sampler's metric)
 * and gb_nuts_finish_adaptation; then `draws` transitions handed to fn.  Without warmup the
 * configured step size and metric are used as they are.  q holds the initial point and receives the
 * last draw.  n keeps the adapted step size and metric for the caller to read. */
gb_status gb_nuts_run(gb_nuts *n, const gb_adapt_config *acfg, const gb_target *t, gsl_rng *r,
                      double *q, size_t draws, gb_nuts_draw_fn fn, void *ctx);

#endif
