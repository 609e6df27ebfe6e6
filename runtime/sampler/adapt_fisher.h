/* adapt_fisher.h - the metric half of nutpie's warmup: a diagonal inverse metric that minimises
 * the Fisher divergence between the target and a Gaussian, estimated from the warmup draws and
 * the gradients of log p at them, updated at every draw.  adapt.c owns one of these when its
 * config asks for fisher and keeps the step size (dual averaging) itself.
 *
 * Source: Seyboldt, Carlson and Carpenter (2024), "Preconditioning Hamiltonian Monte Carlo by
 * minimizing Fisher divergence" (the nutpie sampler), diagonal case: for a Gaussian
 * approximation the divergence is minimised by
 *     inv_metric_i = sqrt(var(q_i) / var(d log p / d q_i)),
 * exact for any Gaussian target with diagonal covariance, with no regularisation.  The schedule
 * is nutpie's (nuts-rs, adapt_strategy.rs defaults), as fractions of warmup w:
 *   - before the first draw the metric is 1 / |gradient at the initial point| (clamped);
 *   - every draw of the first w - floor(0.15 w) (the "metric phase") that did not diverge is
 *     added to two running estimators, a foreground and a background; when the background holds
 *     `switch` draws it becomes the foreground and a fresh background starts, so the estimate
 *     forgets the start.  switch is 10 in the first floor(0.3 w) draws, 80 after; no switch
 *     happens when fewer than `switch` draws of the metric phase remain;
 *   - after each draw of the metric phase the metric is recomputed from the foreground once it
 *     holds 3 draws (a coordinate whose variances are not both positive keeps its value);
 *   - the last floor(0.15 w) draws keep the metric fixed so the step size can settle.
 * The step size restarts (heuristic, then fresh dual averaging) at the first estimated metric
 * and when the final window begins; between those, dual averaging follows the slowly moving
 * metric without restarts, as nutpie does (a restart every draw would never settle).
 *
 * Memory: gb_fisher_new allocates 9 * dim doubles; learning allocates nothing.
 */
#ifndef GB_RUNTIME_SAMPLER_ADAPT_FISHER_H
#define GB_RUNTIME_SAMPLER_ADAPT_FISHER_H

#include <stddef.h>

#include "status.h"

/* gb_fisher_learn's result, a bit set: a new inverse metric was written; the step size should
 * restart (initial-step heuristic, then dual averaging around it). */
#define GB_FISHER_NEW_METRIC 1
#define GB_FISHER_RESTART_STEP 2

typedef struct gb_fisher gb_fisher;

/* A new estimator for warmup iterations and dimension dim >= 1; *out receives an object the
 * caller frees with gb_fisher_free.  GB_EUSAGE for dim 0, GB_ENOMEM when out of memory. */
gb_status gb_fisher_new(size_t warmup, size_t dim, gb_fisher **out);
void gb_fisher_free(gb_fisher *f);

/* The initial point q and its gradient g (borrowed): seeds both estimators and writes the
 * initial inverse metric 1 / |g_i| (1 where that is not finite and positive) clamped to
 * [1e-20, 1e20], as nutpie does. */
void gb_fisher_start(gb_fisher *f, const double *q, const double *g, double *inv_metric);

/* One warmup draw q with gradient g of log p at it (borrowed); good is 0 for a divergent
 * transition, whose draw is not used.  Returns GB_FISHER_* bits; inv_metric (dim values) is
 * written only when GB_FISHER_NEW_METRIC is set. */
int gb_fisher_learn(gb_fisher *f, const double *q, const double *g, int good, double *inv_metric);

/* The first draw of the final (fixed-metric) window, and the draw numbers that end the early
 * phase; for tests and --explain. */
size_t gb_fisher_final_start(const gb_fisher *f);
size_t gb_fisher_early_end(const gb_fisher *f);

#endif
