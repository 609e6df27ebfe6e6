/* kernel.c - NUTS over a compiled model's continuous block, one transition per call, with
 * Stan's windowed warmup (see kernel.h, nuts.h, adapt.h). */
#include "kernel.h"

#include <stdlib.h>

#include "adapt.h"
#include "nuts.h"

struct gb_kernel {
    const gb_model *m;
    gb_model_ws *ws;  /* the chain's workspace during a step */
    gb_nuts *nuts;
    gb_adapt *adapt;  /* NULL once warmup is over (or with no warmup) */
    gb_adapt_config acfg;
    gb_target target;
    int warmup_left;  /* warmup transitions still to make */
    int started;      /* the initial step size has been chosen */
};

static double logp_grad(void *ctx, const double *q, double *grad)
{
    gb_kernel *k = ctx;
    return gb_model_logp(k->m, k->ws, q, grad);
}

gb_status gb_kernel_new(const gb_model *m, const gb_run_config *cfg, gb_kernel **out,
                        gb_errlist *errs)
{
    gb_kernel *k = calloc(1, sizeof *k);
    if (!k)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the sampler");
    k->m = m;
    gb_nuts_config nc;
    gb_nuts_config_default(&nc);
    nc.max_depth = cfg->max_depth;
    nc.metric = cfg->dense_metric ? GB_METRIC_DENSE : GB_METRIC_DIAG;
    size_t dim = gb_model_dim(m);
    gb_status st = gb_nuts_new(&nc, dim, &k->nuts);
    if (st == GB_OK && cfg->warmup > 0) {
        gb_adapt_config_default(&k->acfg, (size_t)cfg->warmup);
        k->acfg.delta = cfg->adapt_delta;
        k->acfg.dense = cfg->dense_metric;
        st = gb_adapt_new(&k->acfg, dim, nc.stepsize, &k->adapt);
    }
    if (st != GB_OK) {
        gb_kernel_free(k);
        return gb_error(errs, st, (gb_loc){0}, "cannot create the NUTS sampler for %zu "
                        "parameters (%s)", dim, st == GB_ENOMEM ? "out of memory" : "bad settings");
    }
    k->warmup_left = cfg->warmup;
    k->target = (gb_target){.dim = dim, .logp_grad = logp_grad, .ctx = k};
    *out = k;
    return GB_OK;
}

void gb_kernel_free(gb_kernel *k)
{
    if (!k)
        return;
    gb_adapt_free(k->adapt);
    gb_nuts_free(k->nuts);
    free(k);
}

gb_status gb_kernel_step(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                         gb_kernel_info *info)
{
    k->ws = ws;
    /* a Gibbs or slice update that moved a value changes what the cached density read */
    if (gb_model_ws_changed(ws))
        gb_nuts_invalidate(k->nuts);
    gb_status st = GB_OK;
    if (!k->started) {
        k->started = 1;
        st = gb_nuts_init_stepsize(k->nuts, &k->target, r, theta);
        if (st != GB_OK)
            return st;
    }
    gb_nuts_info ni;
    if (warmup && k->adapt && k->warmup_left > 0) {
        st = gb_nuts_adapt_transition(k->nuts, k->adapt, &k->target, r, theta, &ni);
        if (st == GB_OK && --k->warmup_left == 0) {
            st = gb_nuts_finish_adaptation(k->nuts, k->adapt);
            gb_adapt_free(k->adapt);
            k->adapt = NULL;
        }
    } else {
        st = gb_nuts_transition(k->nuts, &k->target, r, theta, &ni);
    }
    if (st != GB_OK)
        return st;
    info->lp = ni.lp;
    info->accept_stat = ni.accept_stat;
    info->stepsize = ni.stepsize;
    info->treedepth = ni.treedepth;
    info->n_leapfrog = (double)ni.n_leapfrog;
    info->divergent = ni.divergent;
    info->energy = ni.energy;
    return GB_OK;
}

double gb_kernel_stepsize(const gb_kernel *k)
{
    return gb_nuts_stepsize(k->nuts);
}
