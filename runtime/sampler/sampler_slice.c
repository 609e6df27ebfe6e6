/* sampler_slice.c - the slice sampler kind: continuous latents whose density is not
 * differentiable in them (a comparison, a rounding or a step function on the way to a term),
 * updated one unconstrained coordinate at a time by univariate slice sampling (slice.h: Neal
 * 2003, stepping out and shrinkage), widths adapted during warmup.  Each evaluation runs only the
 * latent's Markov blanket (gb_model_latent_logp).  The state owns one gb_slice per coordinate.
 */
#include <stdlib.h>

#include "model.h"
#include "slice.h"

extern const gb_sampler_ops gb_sampler_slice;

typedef struct coord {
    size_t latent, j; /* latent index, coordinate within it */
} coord;

typedef struct slice_state {
    const gb_model *m;
    size_t n; /* coordinates */
    coord *at;
    gb_slice *slicers; /* one per coordinate */
} slice_state;

/* The log density as a function of one coordinate, the rest held (value only). */
typedef struct slice_ctx {
    const gb_model *m;
    gb_model_ws *ws;
    size_t latent;
    double *x;
    double last; /* the point the values in ws were last computed at */
} slice_ctx;

static double slice_logp(void *ctx, double x)
{
    slice_ctx *c = ctx;
    *c->x = c->last = x;
    return gb_model_latent_logp(c->m, c->ws, c->latent);
}

static int slice_can_update(const gb_model *m, size_t k, const char **why)
{
    if (gb_model_latent_is_discrete(m, k) || gb_model_latent_is_smooth(m, k))
        return 0;
    *why = "continuous, but its density goes through a function without a derivative (floor, "
           "round, step, a comparison, ...): univariate slice sampling";
    return 1;
}

static void slice_state_free(void *state)
{
    slice_state *s = state;
    if (!s)
        return;
    free(s->at);
    free(s->slicers);
    free(s);
}

static gb_status slice_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                                 gb_errlist *errs)
{
    (void)cfg;
    slice_state *s = calloc(1, sizeof *s);
    size_t n = 0;
    for (size_t k = 0; k < gb_model_latent_count(m); k++)
        if (gb_model_latent_kind(m, k) == &gb_sampler_slice)
            n += gb_model_latent_dim(m, k);
    if (s) {
        s->m = m;
        s->at = calloc(n ? n : 1, sizeof *s->at);
        s->slicers = calloc(n ? n : 1, sizeof *s->slicers);
    }
    if (!s || !s->at || !s->slicers) {
        slice_state_free(s);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the slice sampler");
    }
    for (size_t k = 0; k < gb_model_latent_count(m); k++) {
        if (gb_model_latent_kind(m, k) != &gb_sampler_slice)
            continue;
        for (size_t j = 0; j < gb_model_latent_dim(m, k); j++) {
            s->at[s->n] = (coord){k, j};
            gb_slice_init(&s->slicers[s->n++], GB_SLICE_DEFAULT_WIDTH);
        }
    }
    *state = s;
    return GB_OK;
}

static gb_status slice_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                            const char **fail)
{
    (void)theta;
    slice_state *s = state;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = s->at[i].latent;
        double *x = gb_model_ws_coords(s->m, ws, k) + s->at[i].j;
        slice_ctx c = {s->m, ws, k, x, *x};
        double x0 = *x;
        gb_status st = gb_slice_update(&s->slicers[i], slice_logp, &c, r, x, warmup, NULL);
        if (st != GB_OK) {
            *x = x0;
            *fail = "a slice update found no finite density at the current value";
            return st;
        }
        /* only the blanket ran: when the update ended at a point other than the last one
           evaluated (the shrinkage budget ran out), compute the blanket's values there again,
           since the next coordinate's blanket may read them */
        if (c.last != *x)
            gb_model_latent_logp(s->m, ws, k);
    }
    /* every value consistent with the new coordinates; the joint kinds' cached density is stale */
    gb_model_ws_set_changed(ws);
    gb_model_ws_refresh(s->m, ws);
    return GB_OK;
}

const gb_sampler_ops gb_sampler_slice = {
    .name = "slice",
    .can_update = slice_can_update,
    .state_new = slice_state_new,
    .step = slice_step,
    .state_free = slice_state_free,
};
