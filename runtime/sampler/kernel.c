/* kernel.c - one transition of a compiled model: a step of each sampler kind that took latents,
 * in the planner's order (see kernel.h).  Owns one state per kind. */
#include "kernel.h"

#include <math.h>
#include <stdlib.h>

struct gb_kernel {
    const gb_model *m;
    size_t n;                   /* kinds that took latents */
    const gb_sampler_ops **ops; /* gb_model_kind(m, i) */
    void **state;
    int others;      /* some kind steps before the joint ones */
    int last;        /* some kind steps after them (gb_sampler_ops.last) */
    int warmup_left; /* warmup steps before the kinds fix their tuning */
};

void gb_kernel_free(gb_kernel *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        if (k->state && k->state[i])
            k->ops[i]->state_free(k->state[i]);
    free(k->state);
    free(k->ops);
    free(k);
}

gb_status gb_kernel_new(const gb_model *m, const gb_run_config *cfg, gb_kernel **out,
                        gb_errlist *errs)
{
    gb_kernel *k = calloc(1, sizeof *k);
    size_t n = gb_model_kind_count(m);
    if (k) {
        k->ops = calloc(n ? n : 1, sizeof *k->ops);
        k->state = calloc(n ? n : 1, sizeof *k->state);
    }
    if (!k || !k->ops || !k->state) {
        gb_kernel_free(k);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the sampler");
    }
    k->m = m;
    k->warmup_left = cfg->warmup;
    gb_sampler_config sc = {.warmup = cfg->warmup,
                            .max_depth = cfg->max_depth,
                            .dense_metric = cfg->dense_metric,
                            .adapt_fisher = cfg->adapt_fisher,
                            .adapt_delta = cfg->adapt_delta,
                            .record = cfg->record,
                            .record_ctx = cfg->record_ctx,
                            .chain = cfg->chain};
    for (; k->n < n; k->n++) {
        const gb_sampler_ops *o = k->ops[k->n] = gb_model_kind(m, k->n);
        k->others |= !o->joint && !o->last;
        k->last |= o->last;
        gb_status st = o->state_new(m, &sc, &k->state[k->n], errs);
        if (st != GB_OK) {
            gb_kernel_free(k);
            return st;
        }
    }
    *out = k;
    return GB_OK;
}

enum { STEP_BEFORE, STEP_JOINT, STEP_LAST };

static int step_class(const gb_sampler_ops *o)
{
    return o->last ? STEP_LAST : o->joint ? STEP_JOINT : STEP_BEFORE;
}

/* Steps the kinds of one class, in order. */
static gb_status step_kinds(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                            int cls, const char **fail, const char **hint)
{
    for (size_t i = 0; i < k->n; i++) {
        if (step_class(k->ops[i]) != cls)
            continue;
        gb_status st = k->ops[i]->step(k->state[i], ws, r, theta, warmup, fail);
        if (st != GB_OK) {
            *hint = k->ops[i]->fail_hint;
            return st;
        }
    }
    return GB_OK;
}

gb_status gb_kernel_step_others(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta,
                                int warmup, const char **fail)
{
    const char *hint;
    if (!k->others)
        return GB_OK;
    gb_model_ws_sync(k->m, ws, theta);
    return step_kinds(k, ws, r, theta, warmup, STEP_BEFORE, fail, &hint);
}

gb_status gb_kernel_step(gb_kernel *k, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                         gb_kernel_info *info, const char **fail, const char **hint)
{
    *hint = NULL;
    gb_status st = gb_kernel_step_others(k, ws, r, theta, warmup, fail);
    if (st == GB_OK)
        st = step_kinds(k, ws, r, theta, warmup, STEP_JOINT, fail, hint);
    if (st == GB_OK && k->last) { /* they draw given the joint kinds' new values */
        gb_model_ws_sync(k->m, ws, theta);
        st = step_kinds(k, ws, r, theta, warmup, STEP_LAST, fail, hint);
    }
    if (st == GB_OK && warmup && k->warmup_left > 0 && --k->warmup_left == 0)
        for (size_t i = 0; i < k->n && st == GB_OK; i++)
            if (k->ops[i]->end_warmup && (st = k->ops[i]->end_warmup(k->state[i])) != GB_OK) {
                *fail = "the warmup adaptation could not be finished";
                *hint = k->ops[i]->fail_hint;
            }
    if (st != GB_OK)
        return st;
    info->has_lp = 0;
    for (size_t i = 0; i < k->n; i++)
        if (k->ops[i]->diagnostics)
            k->ops[i]->diagnostics(k->state[i], info);
    if (!info->has_lp)
        info->lp = gb_model_logp(k->m, ws, theta, NULL);
    return GB_OK;
}

double gb_kernel_stepsize(const gb_kernel *k)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->ops[i]->tuning)
            return k->ops[i]->tuning(k->state[i]);
    return 0;
}
