/* model_link.c - how one continuous latent reaches the likelihood, for samplers that update it
 * from the data directly rather than through the log density (the tree sampler: Bayesian
 * backfitting needs the partial residual y - (mean - f), not log p).
 *
 * The analysis is structural and exact: it follows the latent's value through the compiled ops
 * and accepts only paths on which the likelihood's argument is, element for element,
 *   normal(f + o, sigma)        f plus terms o and sigma that do not read f,
 *   bernoulli(Phi(f + o))       the probit link (Albert & Chib's augmentation applies),
 *   categorical_logit(f)        f itself, one row of class log-probabilities per observation,
 * where "+ o" is any chain of additions (and subtractions of terms that do not read f) with the
 * same layout as f: no broadcast, index, product or other function of f.  Anything else is
 * declined with one line saying what was found, so the sampler kind can say why it cannot take
 * the latent.  At run time gb_model_link_eval computes o (the mean minus f at the current values)
 * and hands out the data and sigma: what the sampler conditions on.
 */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* Dependence of a tensor on the latent: none; the latent itself (copied); latent + terms not
 * reading it, same layout; Phi of that; anything else. */
enum { DEP_NONE, DEP_IDENT, DEP_AFFINE, DEP_PROBIT, DEP_OTHER };

/* Same number of elements as the latent, one item: element e of x is element e of f. */
static int same_layout(const gb_model *m, size_t t, size_t n)
{
    const tensor *x = &m->t.items[t];
    return !x->batched && x->batch == 1 && x->elen == n;
}

/* The dependence of op o's output, from its inputs' (dep, by tensor). */
static int op_dep(const gb_model *m, const mop *o, const unsigned char *dep, size_t n)
{
    int any = 0;
    for (int i = 0; i < o->nin; i++)
        any |= dep[o->in[i]] != DEP_NONE;
    if (!any)
        return DEP_NONE;
    int d0 = dep[o->in[0]], d1 = o->nin > 1 ? dep[o->in[1]] : DEP_NONE;
    int aff0 = d0 == DEP_IDENT || d0 == DEP_AFFINE, aff1 = d1 == DEP_IDENT || d1 == DEP_AFFINE;
    if (!same_layout(m, o->out, n))
        return DEP_OTHER;
    switch (o->kind) {
    case OP_ASSIGN:
        return o->nin == 1 && same_layout(m, o->in[0], n) ? d0 : DEP_OTHER;
    case OP_BINOP:
        if (o->sub == GB_OP_ADD && aff0 && d1 == DEP_NONE && same_layout(m, o->in[0], n))
            return DEP_AFFINE;
        if (o->sub == GB_OP_ADD && aff1 && d0 == DEP_NONE && same_layout(m, o->in[1], n))
            return DEP_AFFINE;
        if (o->sub == GB_OP_SUB && aff0 && d1 == DEP_NONE && same_layout(m, o->in[0], n))
            return DEP_AFFINE;
        return DEP_OTHER;
    case OP_CALL_ELEM:
        return o->nin == 1 && aff0 && strcmp(o->func->name, "Phi") == 0 &&
                       same_layout(m, o->in[0], n)
                   ? DEP_PROBIT
                   : DEP_OTHER;
    default:
        return DEP_OTHER;
    }
}

/* Does the term op o (one of another node) fit one of the three forms?  Fills l's kind and
 * tensors; 0 with *why otherwise. */
static int term_fits(const mop *o, const unsigned char *dep, size_t n, gb_model_link *l,
                     const char **why)
{
    if (dep[o->in[0]] != DEP_NONE) {
        *why = "its value is the variate of another distribution";
        return 0;
    }
    for (int i = 2; i < o->nin; i++)
        if (dep[o->in[i]] != DEP_NONE) {
            *why = "it reaches a parameter of its likelihood other than the first";
            return 0;
        }
    if (o->trunc_lo != GB_NO_TENSOR || o->trunc_hi != GB_NO_TENSOR) {
        *why = "its likelihood is truncated";
        return 0;
    }
    int d = dep[o->in[1]];
    const char *dn = o->dist->name;
    if (strcmp(dn, "normal") == 0 && (d == DEP_IDENT || d == DEP_AFFINE) && o->n == n &&
        !o->use_scr[0] && !o->use_scr[1] && !o->use_scr[2] && o->stride[0] == 1 &&
        o->stride[1] == 1) {
        l->kind = GB_LINK_NORMAL;
        return 1;
    }
    if (strcmp(dn, "bernoulli") == 0 && d == DEP_PROBIT && o->n == n && !o->use_scr[0] &&
        !o->use_scr[1] && o->stride[0] == 1 && o->stride[1] == 1) {
        l->kind = GB_LINK_PROBIT;
        return 1;
    }
    if (strcmp(dn, "categorical_logit") == 0 && d == DEP_IDENT && o->n * o->dims[0] == n &&
        !o->use_scr[0] && !o->use_scr[1] && o->stride[1] == o->dims[0] && o->stride[0] == 1) {
        l->kind = GB_LINK_CATEGORICAL;
        l->classes = o->dims[0];
        return 1;
    }
    *why = "it reaches its likelihood other than as normal(f + terms without f, sigma), "
           "bernoulli(Phi(f + terms without f)) or categorical_logit(f), element for element";
    return 0;
}

/* Is the term's distribution a tree statistic (tree_leaves, tree_depth: stdlib/dist_tree.c)?
 * Those read f only to name the tree they describe, and have no density: not a likelihood. */
static int is_tree_stat(const mop *o)
{
    return o->dist &&
           (!strcmp(o->dist->name, "tree_leaves") || !strcmp(o->dist->name, "tree_depth"));
}

/* The argument tensor of a probit term that holds f + o (the input of its Phi). */
static size_t probit_inner(const gb_model *m, size_t phi_out)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_CALL_ELEM && o->out == phi_out)
            return o->in[0];
    }
    return GB_NO_TENSOR;
}

/* Walks the ops in order marking what depends on the latent; checks the terms. */
static int analyse(const gb_model *m, const latent *L, unsigned char *dep, gb_model_link *l,
                   const char **why)
{
    size_t n = l->n, found = 0;
    dep[m->ni[L->node].tensor] = DEP_IDENT;
    for (size_t q = 0; q < m->ops.len; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP || o->kind == OP_TERM || o->kind == OP_TRANSFORM)
            continue;
        int d = op_dep(m, o, dep, n);
        if (d != DEP_NONE)
            dep[o->out] = (unsigned char)d;
    }
    for (size_t t = 0; t < m->terms.len; t++) {
        const term_range *tr = &m->terms.items[t];
        const mop *o = &m->ops.items[tr->b - 1];
        if (tr->node == L->node) {
            l->own_term = t;
            continue;
        }
        int reads = 0;
        for (int i = 0; i < o->nin; i++)
            reads |= dep[o->in[i]] != DEP_NONE;
        if (!reads || is_tree_stat(o))
            continue;
        if (++found > 1) {
            *why = "more than one likelihood reads it";
            return 0;
        }
        if (!term_fits(o, dep, n, l, why))
            return 0;
        l->term = t;
        l->mean_t = o->in[1];
        if (l->kind == GB_LINK_PROBIT)
            l->mean_t = probit_inner(m, o->in[1]);
    }
    if (!found)
        *why = "no likelihood reads it";
    return found == 1 && l->mean_t != GB_NO_TENSOR;
}

int gb_model_latent_link(const gb_model *m, size_t k, gb_model_link *out, const char **why)
{
    const latent *L = &m->lat.items[k];
    const tensor *F = &m->t.items[m->ni[L->node].tensor];
    gb_model_link l;
    memset(&l, 0, sizeof l);
    l.latent = k;
    l.n = F->elen;
    l.term = l.own_term = l.mean_t = GB_NO_TENSOR;
    if (L->discrete || F->batched || L->tf != LT_NONE) {
        *why = "it is not an unconstrained real array defined whole";
        return 0;
    }
    unsigned char *dep = calloc(m->t.len ? m->t.len : 1, 1);
    if (!dep) {
        *why = "out of memory analysing it";
        return 0;
    }
    int ok = analyse(m, L, dep, &l, why);
    free(dep);
    if (ok && l.own_term == GB_NO_TENSOR) {
        *why = "it has no distribution of its own";
        ok = 0;
    }
    if (ok)
        *out = l;
    return ok;
}

const double *gb_model_link_prior_arg(const gb_model *m, gb_model_ws *ws, const gb_model_link *l,
                                      int i, size_t *len)
{
    const term_range *tr = &m->terms.items[l->own_term];
    const mop *o = &m->ops.items[tr->b - 1];
    if (i < 1 || i >= o->nin)
        return NULL;
    ws->bad = 0;
    gb_model_tape_forward(m, ws, tr->a, tr->b - 1, ws->theta, 0, 0);
    const tensor *x = &m->t.items[o->in[i]];
    *len = x->batch * x->elen;
    return tval(m, ws, o->in[i]);
}

const double *gb_model_link_fixed(const gb_model *m, const gb_model_link *l, int i, size_t *len,
                                  size_t *cols)
{
    const term_range *tr = &m->terms.items[i == 0 ? l->term : l->own_term];
    const mop *o = &m->ops.items[tr->b - 1];
    if (i >= o->nin)
        return NULL;
    const tensor *x = &m->t.items[o->in[i]];
    if (!x->ext)
        return NULL;
    *len = x->batch * x->elen;
    *cols = x->eshape.rank > 0 ? x->eshape.dim[x->eshape.rank - 1] : 1;
    return x->ext;
}

size_t gb_model_link_variate(const gb_model *m, const gb_model_link *l)
{
    return m->terms.items[l->term].node;
}

const gb_dist_ops *gb_model_link_prior_dist(const gb_model *m, const gb_model_link *l)
{
    const term_range *tr = &m->terms.items[l->own_term];
    return m->ops.items[tr->b - 1].dist;
}

gb_loc gb_model_link_prior_loc(const gb_model *m, const gb_model_link *l)
{
    const term_range *tr = &m->terms.items[l->own_term];
    return m->ops.items[tr->b - 1].loc;
}

gb_status gb_model_link_eval(const gb_model *m, gb_model_ws *ws, const gb_model_link *l,
                             double *offset, gb_model_link_data *out)
{
    const term_range *tr = &m->terms.items[l->term];
    const mop *o = &m->ops.items[tr->b - 1];
    ws->bad = 0;
    gb_model_tape_forward(m, ws, 0, m->nterm_start, ws->theta, 0, 0);
    gb_model_tape_forward(m, ws, tr->a, tr->b - 1, ws->theta, 0, 0);
    if (ws->bad)
        return GB_ENUMERIC;
    const double *f = tval(m, ws, m->ni[m->lat.items[l->latent].node].tensor);
    if (offset && l->kind != GB_LINK_CATEGORICAL) {
        const double *mu = tval(m, ws, l->mean_t);
        for (size_t e = 0; e < l->n; e++)
            offset[e] = mu[e] - f[e];
    }
    out->y = tval(m, ws, o->in[0]);
    out->sigma = NULL;
    out->sigma_stride = 0;
    if (l->kind == GB_LINK_NORMAL) {
        out->sigma = tval(m, ws, o->in[2]);
        out->sigma_stride = o->stride[2] ? 1 : 0;
    }
    return GB_OK;
}
