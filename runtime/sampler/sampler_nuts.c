/* sampler_nuts.c - the NUTS sampler kind: every continuous latent whose density is
 * differentiable in it, jointly, on the NUTS block theta (nuts.h: multinomial NUTS with the
 * generalised U-turn criterion), with the warmup of adapt.h (step size by dual averaging;
 * nutpie's Fisher-divergence diagonal metric or Stan's windowed diagonal or dense one).  The
 * state owns the NUTS work space and, during warmup, the adaptation; a step allocates nothing.
 */
#include <stdlib.h>

#include "adapt.h"
#include "model.h"
#include "nuts.h"

typedef struct nuts_state {
    const gb_model *m;
    gb_model_ws *ws; /* the chain's workspace during a step */
    gb_nuts *nuts;
    gb_adapt *adapt; /* NULL once warmup is over (or with no warmup) */
    gb_adapt_config acfg;
    gb_target target;
    int started;       /* the initial step size has been chosen */
    gb_nuts_info last; /* the last transition, for the sampler columns */
} nuts_state;

static double logp_grad(void *ctx, const double *q, double *grad)
{
    nuts_state *s = ctx;
    return gb_model_logp(s->m, s->ws, q, grad);
}

static int nuts_can_update(const gb_model *m, size_t k, const char **why)
{
    if (gb_model_latent_is_discrete(m, k) || !gb_model_latent_is_smooth(m, k))
        return 0;
    *why = "continuous, differentiable density";
    return 1;
}

static void nuts_state_free(void *state)
{
    nuts_state *s = state;
    if (!s)
        return;
    gb_adapt_free(s->adapt);
    gb_nuts_free(s->nuts);
    free(s);
}

static gb_status nuts_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                                gb_errlist *errs)
{
    nuts_state *s = calloc(1, sizeof *s);
    if (!s)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the sampler");
    s->m = m;
    gb_nuts_config nc;
    gb_nuts_config_default(&nc);
    nc.max_depth = cfg->max_depth;
    nc.metric = cfg->dense_metric ? GB_METRIC_DENSE : GB_METRIC_DIAG;
    size_t dim = gb_model_dim(m);
    gb_status st = gb_nuts_new(&nc, dim, &s->nuts);
    if (st == GB_OK && cfg->warmup > 0) {
        gb_adapt_config_default(&s->acfg, (size_t)cfg->warmup);
        s->acfg.delta = cfg->adapt_delta;
        s->acfg.dense = cfg->dense_metric;
        s->acfg.fisher = cfg->adapt_fisher;
        st = gb_adapt_new(&s->acfg, dim, nc.stepsize, &s->adapt);
    }
    if (st != GB_OK) {
        nuts_state_free(s);
        return gb_error(errs, st, (gb_loc){0},
                        "cannot create the NUTS sampler for %zu "
                        "parameters (%s)",
                        dim, st == GB_ENOMEM ? "out of memory" : "bad settings");
    }
    s->target = (gb_target){.dim = dim, .logp_grad = logp_grad, .ctx = s};
    *state = s;
    return GB_OK;
}

/* The log density is re-evaluated at the start when other kinds changed the values it reads.
 * The first call chooses the initial step size. */
static gb_status nuts_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                           const char **fail)
{
    nuts_state *s = state;
    s->ws = ws;
    if (gb_model_ws_changed(ws))
        gb_nuts_invalidate(s->nuts);
    gb_status st = GB_OK;
    if (!s->started) {
        s->started = 1;
        st = warmup && s->adapt ? gb_nuts_adapt_start(s->nuts, s->adapt, &s->target, r, theta)
                                : gb_nuts_init_stepsize(s->nuts, &s->target, r, theta);
    }
    if (st == GB_OK && warmup && s->adapt)
        st = gb_nuts_adapt_transition(s->nuts, s->adapt, &s->target, r, theta, &s->last);
    else if (st == GB_OK)
        st = gb_nuts_transition(s->nuts, &s->target, r, theta, &s->last);
    if (st != GB_OK)
        *fail = "NUTS could not find a usable step size";
    return st;
}

static gb_status nuts_end_warmup(void *state)
{
    nuts_state *s = state;
    if (!s->adapt)
        return GB_OK;
    gb_status st = gb_nuts_finish_adaptation(s->nuts, s->adapt);
    gb_adapt_free(s->adapt);
    s->adapt = NULL;
    return st;
}

static void nuts_diagnostics(const void *state, gb_sampler_info *info)
{
    const nuts_state *s = state;
    info->lp = s->last.lp;
    info->has_lp = 1;
    info->accept_stat = s->last.accept_stat;
    info->stepsize = s->last.stepsize;
    info->treedepth = s->last.treedepth;
    info->n_leapfrog = (double)s->last.n_leapfrog;
    info->divergent = s->last.divergent;
    info->energy = s->last.energy;
}

static double nuts_tuning(const void *state)
{
    return gb_nuts_stepsize(((const nuts_state *)state)->nuts);
}

const gb_sampler_ops gb_sampler_nuts = {
    .name = "NUTS",
    .joint = 1,
    .fail_hint = "the density may be improper (a flat prior no data inform) or not finite near "
                 "the current values",
    .can_update = nuts_can_update,
    .state_new = nuts_state_new,
    .step = nuts_step,
    .end_warmup = nuts_end_warmup,
    .diagnostics = nuts_diagnostics,
    .tuning = nuts_tuning,
    .state_free = nuts_state_free,
};
