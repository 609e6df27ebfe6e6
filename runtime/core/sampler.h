/* sampler.h - the interface every sampler kind implements: a const table of operations, in the
 * spirit of GSL's method tables (gsl_multimin_fminimizer_type) and JAGS's sampler factories.
 *
 * The planner (runtime/model_plan.c) asks the kinds of a registry in order, for each latent
 * node, whether they can update it; the first that says yes takes it, and its reason is what
 * `inspect` and `run --explain` show.  Each chain then creates one state per kind that took
 * latents, and every iteration steps the kinds in registry order (runtime/kernel.c).  A kind
 * reads and moves its latents through the compiled model's public functions (runtime/model.h):
 * the model owns the values, the kind owns its tuning (step sizes, widths, metrics).
 *
 * Adding a sampler: one file defining a `const gb_sampler_ops`, and one line in
 * runtime/sampler_registry.c.  A program may also compile a model with its own list of kinds
 * (gb_model_compile_with), which is how the tests add a kernel without touching these files.
 */
#ifndef GB_RUNTIME_CORE_SAMPLER_H
#define GB_RUNTIME_CORE_SAMPLER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "status.h"

struct gb_model;
struct gb_model_ws;

/* Receives, from the chain's thread, one line of text per kept draw from a kind whose state is
 * more than its latents' values (the tree kind: the forest of latent `node` as JSON, ending in
 * a newline).  Returns 0, or -1 to stop the run (an output error). */
typedef int (*gb_sampler_record)(void *ctx, int chain, const char *node, const char *line);

/* What a chain's samplers are told when they start (from the run's settings). */
typedef struct gb_sampler_config {
    int warmup;               /* warmup iterations */
    int max_depth;            /* NUTS tree depth limit */
    int dense_metric;         /* adapt a dense metric rather than a diagonal one */
    int adapt_fisher;         /* nutpie's Fisher-divergence warmup rather than Stan's windows */
    double adapt_delta;       /* target acceptance of step-size adaptation */
    gb_sampler_record record; /* NULL: nobody listens */
    void *record_ctx;
    int chain; /* the chain's index (0-based), for record */
} gb_sampler_config;

/* The sampler columns of a draw, in CmdStan's names (lp__, accept_stat__, ...).  A kind that
 * has them fills them in; has_lp says lp was set. */
typedef struct gb_sampler_info {
    double lp, accept_stat, stepsize, treedepth, n_leapfrog, divergent, energy;
    int has_lp;
} gb_sampler_info;

typedef struct gb_sampler_ops {
    const char *name; /* shown by inspect: "NUTS", "Gibbs", "slice" */
    /* Nonzero when the kind updates its latents jointly on the NUTS block theta (gradient
       based): their coordinates are laid out there; other continuous latents get their own
       coordinates in the workspace (gb_model_ws_coords). */
    int joint;
    const char *fail_hint; /* shown after a failed step's message, or NULL */
    /* Nonzero when the kind sums its latents out of the density the joint kinds see: the planner
       (model_marg.c) keeps only the latents it can prove exact and cheap to sum out and passes
       the others on to the next kinds. */
    int marginal;
    /* Nonzero when the kind steps after the joint kinds, at their new values (a draw from a
       conditional given them); others step before. */
    int last;
    /* Can this kind update latent k of m?  Returns 1 and sets *why to one line on why ("continuous,
       differentiable density"); returns 0 when it cannot (why untouched). */
    int (*can_update)(const struct gb_model *m, size_t k, const char **why);
    /* Creates a chain's state for the latents this kind took (gb_model_latent_kind).  Reports
       failures into errs. */
    gb_status (*state_new)(const struct gb_model *m, const gb_sampler_config *cfg, void **state,
                           gb_errlist *errs);
    /* One update of every latent the kind took.  theta is the NUTS block (moved in place by joint
       kinds only); warmup nonzero: adapt.  Returns GB_OK or a status; *fail (set only on error)
       says what went wrong, for the message. */
    gb_status (*step)(void *state, struct gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                      const char **fail);
    /* Called once after the last warmup iteration: fix the adapted tuning.  May be NULL. */
    gb_status (*end_warmup)(void *state);
    /* Writes the kind's sampler columns after a step.  May be NULL. */
    void (*diagnostics)(const void *state, gb_sampler_info *info);
    /* A tuning value worth keeping per chain (NUTS: its step size), NaN when none.  May be NULL. */
    double (*tuning)(const void *state);
    void (*state_free)(void *state);
    /* Called once after compilation (the data folded in) for each latent k the kind took:
       reports, located, what the kind cannot work with (a tree's inputs with a NaN, labels
       outside 1..K).  May be NULL. */
    gb_status (*check)(const struct gb_model *m, size_t k, gb_errlist *errs);
    /* What this model's arguments set for latent k, in one line for `inspect` and `run
       --explain` under the kind's reason (a tree's tempering and its replicas): writes it into
       buf (len bytes, truncated) and returns 1; returns 0 when there is nothing to add, -1 when
       out of memory.  Called after a successful compile.  May be NULL. */
    int (*detail)(const struct gb_model *m, size_t k, char *buf, size_t len);
} gb_sampler_ops;

#endif
