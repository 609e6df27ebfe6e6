/* sampler_gibbs.c - the Gibbs sampler kind: discrete latents updated by enumeration, element
 * by element.  p(z_e = v | rest) is proportional to the terms that read z (its own included),
 * evaluated at each v of the support: the element plan of model_gibbs.c when there is one (O(1)
 * terms per element for mixtures and hidden Markov chains), the latent's whole Markov blanket
 * otherwise.  An unbounded support is enumerated over a window around the current value.  No
 * tuning: the state is the list of latents this kind took.
 */
#include <math.h>
#include <stdlib.h>

#include "categorical.h"
#include "model_int.h"

extern const gb_sampler_ops gb_sampler_gibbs;

static double element_logp(const gb_model *m, gb_model_ws *ws, const latent *L, size_t e)
{
    return L->eoff ? gb_model_gibbs_element_logp(m, ws, L, e) : gb_model_blanket_logp(m, ws, L);
}

/* An unbounded support is enumerated over a window around the current value, grown on each side
 * until the log density has fallen WINDOW_DROP below the largest value seen (the mass left out is
 * below e^-30 of the total for a unimodal conditional), at most MAX_WINDOW values. */
#define WINDOW_DROP 30.0
#define MAX_WINDOW 100000

static gb_status window_update(const gb_model *m, gb_model_ws *ws, const latent *L, gsl_rng *r,
                               double *z, size_t e, double lo, double hi, double *w, size_t cap)
{
    double cur = z[e], mx = -INFINITY;
    size_t n = 0, half = cap / 2, left = half, right = half; /* w[left .. right) filled */
    for (int side = 0; side < 2; side++) {
        int stalled = 0;
        for (double v = side ? cur + 1 : cur; side ? v <= hi : v >= lo; v += side ? 1 : -1) {
            if ((side ? right >= cap : left == 0) || n >= MAX_WINDOW)
                break;
            z[e] = v;
            double lp = element_logp(m, ws, L, e);
            if (side)
                w[right++] = lp;
            else
                w[--left] = lp;
            n++;
            if (lp > mx)
                mx = lp;
            stalled = lp < mx - WINDOW_DROP || lp == -INFINITY ? stalled + 1 : 0;
            if (stalled >= 2 && mx > -INFINITY)
                break;
        }
    }
    if (!(mx > -INFINITY))
        return GB_ENUMERIC;
    size_t pick = gb_categorical_draw_log(r, w + left, right - left, mx);
    z[e] = cur - (double)(half - left) + 1 + (double)pick; /* w[i] holds cur + i - half + 1 */
    return GB_OK;
}

/* Gibbs by enumeration, element by element: p(z_e = v | rest) is proportional to the terms that
 * read z (its own included), evaluated at each v of the support. */
static gb_status gibbs(const gb_model *m, gb_model_ws *ws, const latent *L, gsl_rng *r)
{
    const gb_node *n = gb_graph_node(m->g, L->node);
    double *z = tval(m, ws, m->ni[L->node].tensor);
    enum { MAX_SUPPORT = 100000 };
    double lo, hi;
    if (gb_model_discrete_support(m, ws, L, &lo, &hi) != 0)
        return GB_ENUMERIC;
    int bounded = isfinite(lo) && isfinite(hi);
    if (bounded && hi - lo + 1 > MAX_SUPPORT)
        return GB_ENUMERIC;
    size_t K = bounded ? (size_t)(hi - lo) + 1 : 2 * (size_t)MAX_WINDOW + 2;
    double stack[256];
    double *w = K <= 256 ? stack : malloc(K * sizeof *w);
    if (!w)
        return GB_ENOMEM;
    gb_status st = GB_OK;
    if (L->eoff)
        gb_model_gibbs_prepare(m, ws, L);
    for (size_t e = 0; e < n->len && st == GB_OK; e++) {
        double old = z[e];
        if (!bounded) {
            st = window_update(m, ws, L, r, z, e, lo, hi, w, K);
            if (z[e] != old)
                gb_model_ws_set_changed(ws);
            continue;
        }
        double mx = -INFINITY;
        for (size_t k = 0; k < K; k++) {
            z[e] = lo + (double)k;
            w[k] = element_logp(m, ws, L, e);
            if (w[k] > mx)
                mx = w[k];
        }
        if (!(mx > -INFINITY))
            st = GB_ENUMERIC;
        else
            z[e] = lo + (double)gb_categorical_draw_log(r, w, K, mx);
        if (z[e] != old)
            gb_model_ws_set_changed(ws);
    }
    /* leave deterministic nodes consistent with the chosen values */
    if (!L->eoff)
        gb_model_blanket_logp(m, ws, L);
    if (w != stack)
        free(w);
    return st;
}

typedef struct gibbs_state {
    const gb_model *m;
} gibbs_state;

static int gibbs_can_update(const gb_model *m, size_t k, const char **why)
{
    if (!gb_model_latent_is_discrete(m, k))
        return 0;
    *why = gb_model_latent_is_finite(m, k)
               ? "discrete, finite support: every value enumerated"
               : "discrete, unbounded support: enumerated over the window holding all but e^-30 "
                 "of the conditional";
    return 1;
}

static gb_status gibbs_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                                 gb_errlist *errs)
{
    (void)cfg;
    gibbs_state *s = calloc(1, sizeof *s);
    if (!s)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the Gibbs sampler");
    s->m = m;
    *state = s;
    return GB_OK;
}

static gb_status gibbs_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                            const char **fail)
{
    (void)theta;
    (void)warmup;
    gibbs_state *s = state;
    const gb_model *m = s->m;
    for (size_t k = 0; k < m->lat.len; k++) {
        if (m->lat.items[k].kind != &gb_sampler_gibbs)
            continue;
        gb_status st = gibbs(m, ws, &m->lat.items[k], r);
        if (st != GB_OK) {
            *fail = "a Gibbs update found no value with a finite density";
            return st;
        }
    }
    return GB_OK;
}

static void gibbs_state_free(void *state)
{
    free(state);
}

const gb_sampler_ops gb_sampler_gibbs = {
    .name = "Gibbs",
    .can_update = gibbs_can_update,
    .state_new = gibbs_state_new,
    .step = gibbs_step,
    .state_free = gibbs_state_free,
};
