/* model_deps.c - the one dependency analysis of a compiled model: what depends on what.
 *
 * Two walks, both in the compiled order (parents before children):
 *  - over nodes: which nodes' values a set of nodes reaches through deterministic nodes.  Seeded
 *    with every parameter it gives the fixed nodes (computed once, never again); seeded with one
 *    latent it gives that latent's Markov blanket as op ranges: its own ops (transform), the
 *    deterministic nodes computed from it, and the terms of every stochastic node that reads it
 *    or one of them.  A sampler that moves only that latent reruns only those ops.
 *  - over ops: whether a latent reaches a term through an op with no derivative (a function
 *    without one such as round or step, a comparison, the condition of an `if`), which makes
 *    the density not smooth in it, so that gradient-based kinds decline it (issue 22 case 8).
 * The Gibbs element planner (model_gibbs.c) refines a discrete latent's blanket to single batch
 * items; it starts from the ranges made here.
 */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* Does an op of [a, z) read the value of an affected node?  (Op outputs inside the range are
 * computed from node values and constants, so reading one of them is reading a node.) */
static int range_reads(const gb_model *m, size_t a, size_t z, const unsigned char *aff,
                       const size_t *tnode)
{
    for (size_t q = a; q < z; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP)
            continue;
        for (int i = 0; i < o->nin; i++) {
            size_t t = o->in[i];
            if (t < m->t.len && tnode[t] != GB_NO_TENSOR && aff[tnode[t]])
                return 1;
        }
    }
    return 0;
}

/* Is one of latent L's bound tensors (read by its TRANSFORM op, not through its inputs) the value
 * of an affected node? */
static int bound_reads(const gb_model *m, const latent *L, const unsigned char *aff,
                       const size_t *tnode)
{
    size_t b[2] = {L->lo_t, L->hi_t};
    for (int k = 0; k < 2; k++)
        if (b[k] < m->t.len && tnode[b[k]] != GB_NO_TENSOR && aff[tnode[b[k]]])
            return 1;
    return 0;
}

/* aff[i] (seeded by the caller) for every deterministic node i: one of its parents is affected.
 * A node reading itself (s[t] = s[t - 1] + x[t]) is skipped as its own parent.  A continuous
 * latent whose transform reads an affected node (x: real<lower=c>, x ~ uniform(0, c)) is
 * affected too: its value is computed from its own coordinates and those bounds, so it moves
 * with c.  tnode maps a tensor to the node whose value it is (GB_NO_TENSOR otherwise); NULL when
 * every latent is seeded anyway. */
static void reach(const gb_model *m, unsigned char *aff, const size_t *tnode)
{
    size_t nn = gb_graph_node_count(m->g);
    for (size_t t = 0; t < nn; t++) {
        size_t i = m->topo[t];
        const gb_node *n = gb_graph_node(m->g, i);
        const node_info *ni = &m->ni[i];
        if (tnode && !aff[i] && ni->latent != GB_NO_TENSOR && ni->ops1 > ni->ops0)
            aff[i] = (unsigned char)(range_reads(m, ni->ops0, ni->ops1, aff, tnode) ||
                                     bound_reads(m, &m->lat.items[ni->latent], aff, tnode));
        if (n->kind != GB_NODE_DETERMINISTIC)
            continue;
        int g = n->ndefs ? n->defs[0].recur_group : 0;
        if (g) {
            /* a recursion group (together in topo, model_recur.c) reads itself round: all of
               it moves when any parent outside moves */
            size_t u = t;
            int any = 0;
            for (; u < nn; u++) {
                const gb_node *mu = gb_graph_node(m->g, m->topo[u]);
                if (!mu->ndefs || mu->defs[0].recur_group != g)
                    break;
                for (size_t k = 0; k < mu->nparents; k++)
                    any |= aff[mu->parents[k]];
            }
            for (size_t v = t; v < u; v++)
                aff[m->topo[v]] |= (unsigned char)any;
            t = u - 1;
            continue;
        }
        for (size_t k = 0; k < n->nparents && !aff[i]; k++)
            aff[i] = aff[n->parents[k]];
    }
}

gb_status gb_model_deps_fixed(gb_model *m)
{
    size_t nn = gb_graph_node_count(m->g);
    if (!(m->fixed = calloc(nn ? nn : 1, 1)))
        return GB_ENOMEM;
    unsigned char *aff = calloc(nn ? nn : 1, 1);
    if (!aff)
        return GB_ENOMEM;
    for (size_t i = 0; i < nn; i++)
        aff[i] = (unsigned char)gb_node_is_parameter(gb_graph_node(m->g, i));
    reach(m, aff, NULL);
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(m->g, i);
        int known = n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST || n->observed;
        m->fixed[i] = (unsigned char)(known || (n->kind == GB_NODE_DETERMINISTIC && !aff[i]));
    }
    free(aff);
    return GB_OK;
}

static gb_status push_range(latent *L, size_t a, size_t b)
{
    return GB_VEC_PUSH(&L->blanket, a) != 0 || GB_VEC_PUSH(&L->blanket, b) != 0 ? GB_ENOMEM : GB_OK;
}

gb_status gb_model_deps_blanket(gb_model *m, latent *L)
{
    size_t nn = gb_graph_node_count(m->g);
    unsigned char *aff = calloc(nn ? nn : 1, 1);
    size_t *tnode = malloc((m->t.len ? m->t.len : 1) * sizeof *tnode);
    if (!aff || !tnode) {
        free(aff);
        free(tnode);
        return GB_ENOMEM;
    }
    for (size_t t = 0; t < m->t.len; t++)
        tnode[t] = GB_NO_TENSOR;
    for (size_t i = 0; i < nn; i++)
        tnode[m->ni[i].tensor] = i;
    aff[L->node] = 1;
    reach(m, aff, tnode);
    gb_status rc = GB_OK;
    /* in value order: the latent's own ops (bounds, transform), then those of every node that
       moves with it (deterministic nodes, latents whose bounds read it) */
    for (size_t t = 0; t < nn && rc == GB_OK; t++) {
        size_t i = m->topo[t];
        if (aff[i] && m->ni[i].ops1 > m->ni[i].ops0)
            rc = push_range(L, m->ni[i].ops0, m->ni[i].ops1);
    }
    for (size_t t = 0; t < m->terms.len && rc == GB_OK; t++) {
        const term_range *tr = &m->terms.items[t];
        const gb_node *n = gb_graph_node(m->g, tr->node);
        int hit = aff[tr->node];
        for (size_t k = 0; k < n->nparents && !hit; k++)
            hit = aff[n->parents[k]];
        if (hit)
            rc = push_range(L, tr->a, tr->b);
    }
    free(aff);
    free(tnode);
    return rc;
}

/* Does op o lose the derivative of an input that depends on the latent (dep bit 1)?  A function
 * without a derivative (floor, round, step: integer casts and steps), a comparison or a logical
 * operator (a step function of its operands: x < c jumps at c, and its gradient 0 would tell
 * NUTS the density is flat in c), and an `if` whose condition depends on the latent (the branch
 * taken jumps with it; its branches keep their derivatives). */
static int loses_derivative(const mop *o, const unsigned char *dep, unsigned char d)
{
    if (!(d & 1))
        return 0;
    switch (o->kind) {
    case OP_CALL_ELEM:
        return !o->func->df;
    case OP_CALL_GEN:
        return !o->func->vjp;
    case OP_BINOP:
        return o->sub >= GB_OP_EQ && o->sub <= GB_OP_OR;
    case OP_UNOP:
        return o->sub == GB_OP_NOT;
    case OP_IF:
        return dep[o->in[0]] & 1;
    default:
        return 0;
    }
}

gb_status gb_model_deps_smooth(gb_model *m)
{
    unsigned char *dep = malloc(m->t.len ? m->t.len : 1);
    if (!dep)
        return GB_ENOMEM;
    for (size_t k = 0; k < m->lat.len; k++) {
        latent *L = &m->lat.items[k];
        L->smooth = 0;
        if (L->discrete)
            continue;
        /* bit 1: depends on L; bit 2: through an op without a derivative */
        memset(dep, 0, m->t.len);
        dep[m->ni[L->node].tensor] = 1;
        int nondiff = 0;
        for (size_t q = 0; q < m->ops.len && !nondiff; q++) {
            const mop *o = &m->ops.items[q];
            if (o->kind == OP_TRANSFORM || o->kind == OP_SKIP)
                continue;
            unsigned char d = 0;
            for (int i = 0; i < o->nin; i++)
                d |= dep[o->in[i]];
            if (loses_derivative(o, dep, d))
                d |= 2;
            if (o->kind == OP_TERM)
                nondiff = (d & 2) != 0;
            else
                dep[o->out] |= d;
        }
        L->smooth = !nondiff;
    }
    free(dep);
    return GB_OK;
}
