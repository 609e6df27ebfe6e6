/* model_init.c - initial values of a chain (uniform on the unconstrained scale, discrete
 * latents uniform in their support, retried until the density is finite), the support of a
 * discrete latent, and the model's graph and dimension.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

const gb_graph *gb_model_graph(const gb_model *m)
{
    return m->g;
}

size_t gb_model_dim(const gb_model *m)
{
    return m->dim;
}



/* ---- discrete latents ---- */

/* The support of discrete latent L's element e: [lo, hi] from its distribution (constant
 * bounds, parameter values, or a parameter's length). */
int gb_model_discrete_support(const gb_model *m, gb_model_ws *ws, const latent *L, double *lo,
                              double *hi)
{
    const gb_node *n = gb_graph_node(m->g, L->node);
    const gb_def *d = &n->defs[0];
    const gb_support *sp = &d->dist->support;
    *lo = sp->lower;
    *hi = sp->upper;
    /* parameter-given bounds: read the first def's argument values (scalars, or the length) */
    for (size_t q = m->nterm_start; q < m->ops.len; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind != OP_TERM || o->node != L->node || o->def != 0)
            continue;
        if (sp->lower_param != GB_NO_PARAM)
            *lo = tval(m, ws, o->in[1 + sp->lower_param])[0];
        if (sp->upper_param != GB_NO_PARAM) {
            const tensor *X = &m->t.items[o->in[1 + sp->upper_param]];
            *hi = sp->upper_param_len ? (double)X->eshape.dim[X->eshape.rank - 1]
                                      : tval(m, ws, o->in[1 + sp->upper_param])[0];
        }
        break;
    }
    return !isnan(*lo) && !isnan(*hi) && *hi >= *lo ? 0 : -1;
}


gb_status gb_model_init(const gb_model *m, gb_model_ws *ws, gsl_rng *r, double radius,
                        int max_tries, double *theta, gb_errlist *errs)
{
    for (int t = 0; t < max_tries; t++) {
        for (size_t k = 0; k < m->dim; k++)
            theta[k] = radius * (2 * gsl_rng_uniform(r) - 1);
        for (size_t k = 0; k < m->slice_dim; k++)
            ws->slice[k] = radius * (2 * gsl_rng_uniform(r) - 1);
        if (m->dim > 0)
            memcpy(ws->theta, theta, m->dim * sizeof *theta);
        ws->bad = 0;
        gb_model_tape_forward(m, ws, 0, m->nterm_start, theta, 0, 0);
        for (size_t k = 0; k < m->lat.len; k++) {
            const latent *L = &m->lat.items[k];
            if (!L->discrete)
                continue;
            double lo, hi;
            double *z = tval(m, ws, m->ni[L->node].tensor);
            size_t len = gb_graph_node(m->g, L->node)->len;
            if (gb_model_discrete_support(m, ws, L, &lo, &hi) != 0)
                lo = hi = 0;
            /* an unbounded side: start within 10 of the finite one (or of 0) */
            if (!isfinite(lo) && !isfinite(hi))
                lo = -5, hi = 5;
            else if (!isfinite(hi))
                hi = lo + 10;
            else if (!isfinite(lo))
                lo = hi - 10;
            for (size_t e = 0; e < len; e++)
                z[e] = lo + floor(gsl_rng_uniform(r) * (hi - lo + 1));
        }
        ws->bad_node = (size_t)-1;
        double lp = gb_model_logp(m, ws, theta, NULL);
        if (lp > -INFINITY)
            return GB_OK;
    }
    const gb_node *bad = ws->bad_node != (size_t)-1 ? gb_graph_node(m->g, ws->bad_node) : NULL;
    if (bad)
        return gb_error(errs, GB_ENUMERIC, bad->loc,
                        "could not find initial values: the log density of '%s' was not finite "
                        "in %d tries", bad->name, max_tries);
    return gb_error(errs, GB_ENUMERIC, (gb_loc){0},
                    "could not find initial values with a finite log density and gradient in "
                    "%d tries", max_tries);
}

