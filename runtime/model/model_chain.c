/* model_chain.c - recognises the discrete latents that are first-order chains, and computes a
 * chain's potentials for forward filtering, backward sampling (runtime/core/hmm.h).
 *
 * It works on the Gibbs element plan (model_gibbs.c), which already says, for every batch item
 * of every term that reads latent z, which elements of z it reads, when those are fixed.
 * Inverted, that is the factor graph of z given everything else: one factor per (term, item),
 * reading a set of elements.  z is a chain in its element order when every factor reads one
 * element (an emission, or z[1]'s own distribution) or two neighbours z[t - 1] and z[t] (a
 * transition, or an emission that reads both), and at least one reads two.  Then the whole
 * vector can be drawn from its exact conditional at O(T K^2) factor evaluations: each factor is
 * evaluated at every value of the elements it reads, with the other elements irrelevant to it.
 * Not chains: second-order dependence (z[t] ~ categorical(P[z[t - 2], z[t - 1]]) reads three
 * elements), a factor reading z[t] and z[t + 2], z read whole (z[t] ~ categorical(f(z)) or a
 * deterministic node of z: no element plan), a support that moves with a parameter.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model_int.h"

/* Above this many states, a transition factor's K^2 evaluations cost more than single-site
 * Gibbs's K per element by more than the better mixing is usually worth; such latents stay with
 * Gibbs. */
#define MAX_CHAIN_STATES 64

typedef struct fpiece {
    size_t range, item, elem;
} fpiece;

static int cmp_fpiece(const void *x, const void *y)
{
    const fpiece *a = x, *b = y;
    if (a->range != b->range)
        return a->range < b->range ? -1 : 1;
    if (a->item != b->item)
        return a->item < b->item ? -1 : 1;
    return a->elem < b->elem ? -1 : a->elem > b->elem;
}

void gb_model_chain_free(chain_plan *c)
{
    if (!c)
        return;
    free(c->range);
    free(c->item);
    free(c->t);
    free(c->pair);
    free(c);
}

/* The support [lo, lo + K) of L when it is finite, small and fixed (its bounds are constants,
 * data or a parameter's length); 0 otherwise. */
static size_t fixed_support(const gb_model *m, gb_model_ws *ws, const latent *L, double *lo)
{
    const gb_node *n = gb_graph_node(m->g, L->node);
    const gb_support *sp = &n->defs[0].dist->support;
    for (size_t q = m->nterm_start; q < m->ops.len; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind != OP_TERM || o->node != L->node || o->def != 0)
            continue;
        if (sp->lower_param != GB_NO_PARAM && !m->t.items[o->in[1 + sp->lower_param]].ext)
            return 0;
        if (sp->upper_param != GB_NO_PARAM && !sp->upper_param_len &&
            !m->t.items[o->in[1 + sp->upper_param]].ext)
            return 0;
        break;
    }
    double hi;
    if (!L->finite || gb_model_discrete_support(m, ws, L, lo, &hi) != 0 || !isfinite(*lo) ||
        !isfinite(hi) || hi - *lo + 1 > MAX_CHAIN_STATES)
        return 0;
    return (size_t)(hi - *lo) + 1;
}

/* Builds L's chain plan from its element plan, or leaves it NULL.  -1 when out of memory. */
static int plan_chain(const gb_model *m, gb_model_ws *ws, latent *L)
{
    const gb_node *n = gb_graph_node(m->g, L->node);
    size_t T = n->len, npc = L->eoff ? L->eoff[T] : 0;
    double lo;
    size_t K = L->eoff && T >= 2 && n->shape.rank == 1 ? fixed_support(m, ws, L, &lo) : 0;
    if (K == 0 || npc == 0)
        return 0;
    fpiece *pc = malloc(npc * sizeof *pc);
    chain_plan *c = calloc(1, sizeof *c);
    if (c) {
        c->range = malloc(npc * sizeof *c->range);
        c->item = malloc(npc * sizeof *c->item);
        c->t = malloc(npc * sizeof *c->t);
        c->pair = malloc(npc);
    }
    if (!pc || !c || !c->range || !c->item || !c->t || !c->pair) {
        free(pc);
        gb_model_chain_free(c);
        return -1;
    }
    for (size_t e = 0; e < T; e++)
        for (size_t i = L->eoff[e]; i < L->eoff[e + 1]; i++)
            pc[i] = (fpiece){L->erange[i], L->eitem[i], e};
    qsort(pc, npc, sizeof *pc, cmp_fpiece);
    int ok = 1, pairs = 0;
    for (size_t i = 0; i < npc && ok;) {
        size_t j = i + 1; /* the pieces of one factor: [i, j), elements ascending */
        while (j < npc && pc[j].range == pc[i].range && pc[j].item == pc[i].item)
            j++;
        ok = j - i == 1 || (j - i == 2 && pc[i + 1].elem == pc[i].elem + 1);
        c->range[c->nfac] = pc[i].range;
        c->item[c->nfac] = pc[i].item;
        c->t[c->nfac] = pc[j - 1].elem;
        c->pair[c->nfac++] = (unsigned char)(j - i == 2);
        pairs += j - i == 2;
        i = j;
    }
    free(pc);
    if (!ok || !pairs) {
        gb_model_chain_free(c);
        return 0;
    }
    for (size_t f = 0; f < c->nfac; f++) {
        const mop *t = &m->ops.items[L->blanket.items[2 * c->range[f] + 1] - 1];
        if (t->n > c->maxn)
            c->maxn = t->n;
    }
    c->K = K;
    c->lo = lo;
    snprintf(c->reason, sizeof c->reason,
             "chain of %zu discrete latents: forward filtering, backward sampling", T);
    L->chain = c;
    return 0;
}

gb_status gb_model_plan_chains(gb_model *m)
{
    gb_model_ws *ws = gb_model_ws_new(m);
    int oom = !ws;
    for (size_t k = 0; !oom && k < m->lat.len; k++)
        if (m->lat.items[k].discrete)
            oom = plan_chain(m, ws, &m->lat.items[k]) != 0;
    gb_model_ws_free(ws);
    return oom ? GB_ENOMEM : GB_OK;
}

/* Sets every element of z for configuration (i, j): i at even positions, j at odd ones. */
static void set_config(double *z, size_t T, double lo, size_t i, size_t j)
{
    for (size_t e = 0; e < T; e++)
        z[e] = lo + (double)(e % 2 ? j : i);
}

/* Adds the potentials of factors [f0, f1), all of blanket range k, by running the range whole
 * once per configuration instead of once per factor and value: K runs (z constant) when every
 * factor reads one element, else K^2 runs of the alternating configuration (i, j), which gives
 * a pair factor at odd t the values (i, j) and at even t (j, i), so each cell of each pair is
 * met exactly once; a one-element factor takes the runs with i == j.  This is exact because the
 * element plan says factor f reads z[t] (and z[t - 1]) alone.  Each cell receives the same
 * values in the same order as factor-by-factor evaluation, so the potentials are bit-identical.
 * The pieces come from one lpdf_each call over the range when the distribution has one (its
 * per-repetition values are the lpdf's of one repetition), else item by item.  A run that meets
 * a bad index (ws->bad: which item is unknown) falls back to piece by piece. */
static void range_potentials(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                             size_t f0, size_t f1, double *each, double *logE, double *logA)
{
    const chain_plan *c = L->chain;
    size_t T = gb_graph_node(m->g, L->node)->len, K = c->K, pairs = 0;
    double *z = tval(m, ws, m->ni[L->node].tensor);
    for (size_t f = f0; f < f1; f++)
        pairs += c->pair[f];
    size_t nc = pairs ? K * K : K;
    for (size_t q = 0; q < nc; q++) {
        size_t i = pairs ? q / K : q, j = pairs ? q % K : q;
        set_config(z, T, c->lo, i, j);
        gb_model_gibbs_run_range(m, ws, L, k);
        int bad = ws->bad, all = !bad && gb_model_gibbs_range_each(m, ws, L, k, each);
        for (size_t f = f0; f < f1; f++) {
            size_t t = c->t[f];
            double *cell;
            if (!c->pair[f]) {
                if (i != j)
                    continue;
                cell = logE + t * K + i;
            } else {
                cell = logA + (t - 1) * K * K + (t % 2 ? i * K + j : j * K + i);
            }
            *cell += all   ? each[c->item[f]]
                     : bad ? gb_model_gibbs_piece_logp(m, ws, L, k, c->item[f])
                           : gb_model_gibbs_item_logp(m, ws, L, k, c->item[f]);
        }
    }
}

void gb_model_chain_potentials(const gb_model *m, gb_model_ws *ws, const latent *L, double *zsave,
                               double *each, double *logE, double *logA)
{
    const chain_plan *c = L->chain;
    size_t T = gb_graph_node(m->g, L->node)->len, K = c->K;
    double *z = tval(m, ws, m->ni[L->node].tensor);
    for (size_t e = 0; e < T; e++)
        zsave[e] = z[e];
    for (size_t q = 0; q < T * K; q++)
        logE[q] = 0;
    for (size_t q = 0; q < (T - 1) * K * K; q++)
        logA[q] = 0;
    for (size_t f = 0; f < c->nfac;) { /* factors are sorted by range */
        size_t g = f + 1;
        while (g < c->nfac && c->range[g] == c->range[f])
            g++;
        range_potentials(m, ws, L, c->range[f], f, g, each, logE, logA);
        f = g;
    }
    /* the ranges' intermediate values are left as the last configuration made them, as the
       piece-by-piece evaluation left its last piece: every evaluation reruns its ranges first */
    for (size_t e = 0; e < T; e++)
        z[e] = zsave[e];
}
