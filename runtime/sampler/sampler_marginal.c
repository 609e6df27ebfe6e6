/* sampler_marginal.c - the marginalising kind: finite discrete latents summed out of the density
 * the joint kinds (NUTS) see, and drawn from their exact conditional after each of their steps.
 *
 * The planner (runtime/model/model_marg.c) keeps a latent here only when summing it out is exact
 * and cheap (elements independent given the continuous parameters, support fixed and small
 * enough); the others go on to Gibbs with the reason.  The kind steps last, after NUTS, so a
 * draw's labels are drawn given the same continuous values that draw reports.  No tuning: the
 * state is the model.
 */
#include <stdlib.h>

#include "model.h"

extern const gb_sampler_ops gb_sampler_marginal;

typedef struct marginal_state {
    const gb_model *m;
} marginal_state;

/* Every finite discrete latent is a candidate; the planner decides and passes on the rest. */
static int marginal_can_update(const gb_model *m, size_t k, const char **why)
{
    if (!gb_model_latent_is_discrete(m, k) || !gb_model_latent_is_finite(m, k))
        return 0;
    *why = "finite support: summed out of the density";
    return 1;
}

static gb_status marginal_state_new(const gb_model *m, const gb_sampler_config *cfg,
                                    void **state, gb_errlist *errs)
{
    (void)cfg;
    marginal_state *s = calloc(1, sizeof *s);
    if (!s)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "out of memory creating the marginalising sampler");
    s->m = m;
    *state = s;
    return GB_OK;
}

static gb_status marginal_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta,
                               int warmup, const char **fail)
{
    (void)theta;
    (void)warmup;
    const gb_model *m = ((marginal_state *)state)->m;
    for (size_t k = 0; k < gb_model_latent_count(m); k++) {
        if (gb_model_latent_kind(m, k) != &gb_sampler_marginal)
            continue;
        gb_status st = gb_model_marginal_draw(m, ws, k, r);
        if (st != GB_OK) {
            *fail = "a summed-out latent has no value with a finite density";
            return st;
        }
    }
    return GB_OK;
}

static void marginal_state_free(void *state)
{
    free(state);
}

const gb_sampler_ops gb_sampler_marginal = {
    .name = "summed",
    .marginal = 1,
    .last = 1,
    .can_update = marginal_can_update,
    .state_new = marginal_state_new,
    .step = marginal_step,
    .state_free = marginal_state_free,
};
