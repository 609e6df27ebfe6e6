/* model_init.c - initial values of a chain, the support of a discrete latent, and the model's
 * graph and dimension.
 *
 * A start is drawn in three steps, retried until the log density is finite: the continuous
 * coordinates uniform in (-radius, radius) on the unconstrained scale; each discrete latent
 * uniform in its support; then one Gibbs sweep over the discrete latents, in graph order and
 * element by element, each drawn from its full conditional given the continuous values and the
 * other latents' current values.  Uniform draws alone cannot start a zero-inflated model: every
 * nonzero count needs its indicator at 0, probability 2^-n for n such counts; the sweep puts
 * each indicator where its own terms are finite.  When no try gives a finite density, the
 * error points at the statement whose term was not finite and lists the values it read.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "categorical.h"
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

/* Values enumerated for one element in the starting sweep: the support, clipped to at most
 * START_SPAN values centred on the element's uniform draw (a bounded support of up to that many
 * values is enumerated whole).  The window only limits the cost of the start; sampling proper
 * enumerates the whole support (sampler_gibbs.c). */
#define START_SPAN 1001

/* Where an unbounded support's uniform start is drawn: within START_REACH of its finite end
 * (of 0 when both ends are open). */
#define START_REACH 10.0

static void uniform_start(const gb_model *m, gb_model_ws *ws, const latent *L, gsl_rng *r)
{
    double lo, hi;
    double *z = tval(m, ws, m->ni[L->node].tensor);
    size_t len = gb_graph_node(m->g, L->node)->len;
    if (gb_model_discrete_support(m, ws, L, &lo, &hi) != 0)
        lo = hi = 0;
    if (!isfinite(lo) && !isfinite(hi))
        lo = -START_REACH / 2, hi = START_REACH / 2;
    else if (!isfinite(hi))
        hi = lo + START_REACH;
    else if (!isfinite(lo))
        lo = hi - START_REACH;
    for (size_t e = 0; e < len; e++)
        z[e] = lo + floor(gsl_rng_uniform(r) * (hi - lo + 1));
}

/* One element of L from its full conditional over the window around its current value.  When
 * no value has a finite density the current one stays: the density check after the sweep then
 * names the statement.  Without an element plan the whole blanket is evaluated, so a term of
 * another element that is not yet finite makes every value fail here. */
static void sweep_element(const gb_model *m, gb_model_ws *ws, const latent *L, gsl_rng *r,
                          double *z, size_t e, double lo, double hi)
{
    double w[START_SPAN];
    double a = fmax(lo, z[e] - (START_SPAN - 1) / 2), b = fmin(hi, a + (START_SPAN - 1));
    size_t n = (size_t)(b - a) + 1;
    double mx = -INFINITY, cur = z[e];
    for (size_t k = 0; k < n; k++) {
        z[e] = a + (double)k;
        w[k] = L->eoff ? gb_model_gibbs_element_logp(m, ws, L, e) : gb_model_blanket_logp(m, ws, L);
        if (w[k] > mx)
            mx = w[k];
    }
    z[e] = mx > -INFINITY ? a + (double)gb_categorical_draw_log(r, w, n, mx) : cur;
}

/* Computes the arguments of L's own terms at the current values: its support may read them. */
static void own_arguments(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    for (size_t k = 0; k + 1 < L->blanket.len; k += 2) {
        size_t a = L->blanket.items[k], z = L->blanket.items[k + 1];
        const mop *t = &m->ops.items[z - 1];
        if (t->kind == OP_TERM && t->node == L->node)
            run_range(m, ws, a, z - 1, 0, t->batch ? t->batch : 1, 0);
    }
}

/* The starting sweep over the discrete latents that have a blanket (latents another kind
 * handles without one keep their uniform draw). */
static void sweep_start(const gb_model *m, gb_model_ws *ws, gsl_rng *r)
{
    for (size_t k = 0; k < m->lat.len; k++) {
        const latent *L = &m->lat.items[k];
        if (!L->discrete || L->blanket.len == 0)
            continue;
        double lo, hi;
        own_arguments(m, ws, L);
        if (gb_model_discrete_support(m, ws, L, &lo, &hi) != 0)
            continue;
        double *z = tval(m, ws, m->ni[L->node].tensor);
        size_t len = gb_graph_node(m->g, L->node)->len;
        if (L->eoff)
            gb_model_gibbs_prepare(m, ws, L);
        for (size_t e = 0; e < len; e++)
            sweep_element(m, ws, L, r, z, e, lo, hi);
        gb_model_blanket_logp(m, ws, L); /* deterministic nodes at the chosen values */
    }
}

/* Appends "name = v" or "name = [v1, v2, ...] (n values)" to buf at *at. */
static void put_values(char *buf, size_t cap, size_t *at, const char *name, const double *v,
                       size_t len)
{
    enum { SHOWN = 5 };
    int w = len == 1 ? snprintf(buf + *at, cap - *at, "%s%s = %.4g", *at ? ", " : "", name, v[0])
                     : snprintf(buf + *at, cap - *at, "%s%s = [", *at ? ", " : "", name);
    for (size_t i = 0; len != 1 && w >= 0 && (size_t)w < cap - *at && i <= len && i <= SHOWN; i++) {
        *at += (size_t)w;
        w = i == len || i == SHOWN
                ? snprintf(buf + *at, cap - *at, "%s] (%zu values)", i < len ? ", ..." : "", len)
                : snprintf(buf + *at, cap - *at, "%s%.4g", i ? ", " : "", v[i]);
    }
    if (w >= 0 && (size_t)w < cap - *at)
        *at += (size_t)w;
}

/* The error for a start that was never finite: the statement whose term was not (op bad_op),
 * with the values its node's parameters had in the last try. */
static gb_status start_error(const gb_model *m, gb_model_ws *ws, size_t bad_op, int tries,
                             gb_errlist *errs)
{
    if (bad_op == (size_t)-1)
        return gb_error(errs, GB_ENUMERIC, (gb_loc){0},
                        "could not find initial values with a finite log density and gradient "
                        "in %d tries",
                        tries);
    const mop *o = &m->ops.items[bad_op];
    const gb_node *n = gb_graph_node(m->g, o->node);
    gb_status st = gb_error(errs, GB_ENUMERIC, o->loc,
                            "could not find initial values: the log density of this statement "
                            "('%s') was not finite in %d tries",
                            n->name, tries);
    char buf[512];
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n->nparents; i++) {
        size_t p = n->parents[i];
        if (m->fixed[p] || m->ni[p].tensor == GB_NO_TENSOR)
            continue;
        const gb_node *pn = gb_graph_node(m->g, p);
        put_values(buf, sizeof buf, &at, pn->name, tval(m, ws, m->ni[p].tensor), pn->len);
        size_t li = m->ni[p].latent;
        double lo, hi;
        if (li == GB_NO_TENSOR || !m->lat.items[li].discrete ||
            gb_model_discrete_support(m, ws, &m->lat.items[li], &lo, &hi) != 0)
            continue;
        int w = hi - lo < START_SPAN
                    ? snprintf(buf + at, sizeof buf - at, " (each of %.0f..%.0f tried)", lo, hi)
                    : snprintf(buf + at, sizeof buf - at,
                               " (%d values of %g..%g around a uniform draw tried)", START_SPAN, lo,
                               hi);
        if (w >= 0 && (size_t)w < sizeof buf - at)
            at += (size_t)w;
    }
    if (at > 0)
        gb_error_hint(errs, "the last try had %s", buf);
    return st;
}

gb_status gb_model_init(const gb_model *m, gb_model_ws *ws, gsl_rng *r, double radius,
                        int max_tries, double *theta, gb_errlist *errs)
{
    size_t bad_op = (size_t)-1;
    for (int t = 0; t < max_tries; t++) {
        for (size_t k = 0; k < m->dim; k++)
            theta[k] = radius * (2 * gsl_rng_uniform(r) - 1);
        for (size_t k = 0; k < m->slice_dim; k++)
            ws->slice[k] = radius * (2 * gsl_rng_uniform(r) - 1);
        if (m->dim > 0)
            memcpy(ws->theta, theta, m->dim * sizeof *theta);
        ws->bad = 0;
        gb_model_tape_forward(m, ws, 0, m->nterm_start, theta, 0, 0);
        int any_discrete = 0;
        for (size_t k = 0; k < m->lat.len; k++) {
            const latent *L = &m->lat.items[k];
            if (!L->discrete)
                continue;
            any_discrete = 1;
            own_arguments(m, ws, L);
            uniform_start(m, ws, L, r);
        }
        if (any_discrete)
            sweep_start(m, ws, r);
        ws->bad_op = (size_t)-1;
        double lp = gb_model_logp(m, ws, theta, NULL);
        if (lp > -INFINITY)
            return GB_OK;
        bad_op = ws->bad_op;
    }
    return start_error(m, ws, bad_op, max_tries, errs);
}
