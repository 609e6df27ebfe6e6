/* simulate.c - ancestral simulation (simulate.h).  A target's definitions are its compiled
 * likelihood terms: the ops before each term compute the distribution's arguments, and the
 * term's layout (repetitions, strides, scratch copies) says where repetition r's parameters are,
 * as the log density reads them (model_term.c).  Drawn values go where the term's variate would
 * be read from: the node itself, or the elements the definition's left side names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "simulate.h"

struct gb_simulate {
    const gb_model *m;
    const unsigned char *target;
    double *out; /* one repetition's variate */
    size_t out_len;
};

static int is_glm(const mop *o)
{
    return strstr(o->dist->name, "_glm") != NULL;
}

static gb_status check_node(const gb_model *m, size_t i, size_t *need, gb_errlist *errs)
{
    const gb_node *n = gb_graph_node(m->g, i);
    for (size_t k = 0; k < m->terms.len; k++) {
        const term_range *tr = &m->terms.items[k];
        if (tr->node != i)
            continue;
        const mop *o = &m->ops.items[tr->b - 1];
        const gb_dist_ops *d = o->dist;
        if (!d->rng)
            return gb_error(errs, GB_ESEMANTIC, o->loc,
                            "'%s' cannot be drawn: %s has no random number generator (an "
                            "improper distribution)",
                            n->name, d->name);
        gb_support_kind sk = d->support.kind;
        if (n->constraint != GB_CON_NONE && (sk == GB_SUPPORT_INTERVAL || sk == GB_SUPPORT_VECTOR))
            return gb_error(errs, GB_ESEMANTIC, n->loc,
                            "'%s' cannot be drawn exactly: its declared type constrains %s to a "
                            "set it does not live on",
                            n->name, d->name);
        size_t len = is_glm(o) ? o->dims[0] : o->stride[0] ? o->stride[0] : 1;
        if (len > *need)
            *need = len;
    }
    return GB_OK;
}

gb_status gb_simulate_new(const gb_model *m, const unsigned char *target, gb_simulate **out,
                          gb_errlist *errs)
{
    size_t need = 1;
    gb_status st = GB_OK;
    for (size_t i = 0; i < gb_graph_node_count(m->g); i++)
        if (target[i] && gb_graph_node(m->g, i)->kind == GB_NODE_STOCHASTIC && st == GB_OK)
            st = check_node(m, i, &need, errs);
    if (st != GB_OK)
        return st;
    gb_simulate *s = calloc(1, sizeof *s);
    double *buf = malloc(need * sizeof *buf);
    if (!s || !buf) {
        free(s), free(buf);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    *s = (gb_simulate){m, target, buf, need};
    *out = s;
    return GB_OK;
}

void gb_simulate_free(gb_simulate *s)
{
    if (!s)
        return;
    free(s->out);
    free(s);
}

/* Offset of repetition r's block in input i of term o (as model_term.c's rep_offset). */
static const double *param_at(const gb_model *m, gb_model_ws *ws, const mop *o, int i, size_t r)
{
    const tensor *X = &m->t.items[o->in[i]];
    const double *x = tval(m, ws, o->in[i]);
    size_t bl = o->stride[i], le = o->n / (o->batch ? o->batch : 1);
    if (!o->use_scr[i])
        return x + r * bl;
    size_t nlead = X->elen / (bl ? bl : 1), lead = nlead == 1 ? 0 : r % le;
    return x + (X->batched ? (r / le) * X->elen : 0) + lead * bl;
}

/* Is v[e] within the node's declared bounds (bound tensors computed by the latent's ops)? */
static int within(const gb_model *m, gb_model_ws *ws, const latent *L, size_t e, double v)
{
    if (!L || L->discrete) /* observed: no declared bounds beyond the data's */
        return 1;
    if (L->lo_t != GB_NO_TENSOR) {
        const tensor *T = &m->t.items[L->lo_t];
        if (!(v >= tval(m, ws, L->lo_t)[T->elen > 1 ? e : 0]))
            return 0;
    }
    if (L->hi_t != GB_NO_TENSOR) {
        const tensor *T = &m->t.items[L->hi_t];
        if (!(v <= tval(m, ws, L->hi_t)[T->elen > 1 ? e : 0]))
            return 0;
    }
    return 1;
}

static int within_trunc(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r, double v)
{
    if (o->trunc_lo != GB_NO_TENSOR) {
        const tensor *T = &m->t.items[o->trunc_lo];
        if (!(v >= tval(m, ws, o->trunc_lo)[T->elen > 1 ? r : 0]))
            return 0;
    }
    if (o->trunc_hi != GB_NO_TENSOR) {
        const tensor *T = &m->t.items[o->trunc_hi];
        if (!(v <= tval(m, ws, o->trunc_hi)[T->elen > 1 ? r : 0]))
            return 0;
    }
    return 1;
}

/* Draws repetition r of term o into the node's values nv at offset off (len doubles). */
static int draw_rep(const gb_simulate *s, gb_model_ws *ws, const mop *o, const latent *L, size_t r,
                    double *nv, size_t off, size_t len, gsl_rng *rng)
{
    const gb_model *m = s->m;
    gb_arg p[GB_DIST_MAX_PARAMS];
    size_t dims1[2] = {o->dims[0], o->dims[1]};
    for (int i = 1; i < o->nin; i++)
        p[i - 1] = (gb_arg){param_at(m, ws, o, i, r), NULL, o->stride[i]};
    const size_t *dims = (dims1[0] || dims1[1]) ? dims1 : NULL;
    for (int t = 0; t < GB_SIMULATE_MAX_TRIES; t++) {
        o->dist->rng(rng, 1, p, dims, s->out);
        int ok = 1;
        for (size_t j = 0; j < len && ok; j++)
            ok = isfinite(s->out[j]) && within(m, ws, L, off + j, s->out[j]) &&
                 within_trunc(m, ws, o, r, s->out[j]);
        if (ok) {
            memcpy(nv + off, s->out, len * sizeof *nv);
            return 0;
        }
    }
    return -1;
}

static gb_status draw_term(const gb_simulate *s, gb_model_ws *ws, const term_range *tr,
                           gsl_rng *rng)
{
    const gb_model *m = s->m;
    const mop *o = &m->ops.items[tr->b - 1];
    const gb_node *n = gb_graph_node(m->g, tr->node);
    size_t lat = m->ni[tr->node].latent;
    const latent *L = lat == GB_NO_TENSOR ? NULL : &m->lat.items[lat];
    double *nv = tval(m, ws, m->ni[tr->node].tensor);
    const mop *g = NULL;
    for (size_t q = tr->a; n->defs[o->def].nindex > 0 && q + 1 < tr->b; q++)
        if (m->ops.items[q].out == o->in[0] && m->ops.items[q].in[0] == m->ni[tr->node].tensor)
            g = &m->ops.items[q];
    ws->bad = 0;
    gb_model_tape_forward(m, ws, tr->a, tr->b - 1, NULL, 0, 0);
    if (ws->bad)
        return GB_ENUMERIC;
    size_t le = o->n / (o->batch ? o->batch : 1);
    size_t len = is_glm(o) ? o->dims[0] : o->stride[0] ? o->stride[0] : 1;
    for (size_t r = 0; r < o->n; r++) {
        size_t off = is_glm(o) ? 0 : mop_term_obs_offset(m, o, r);
        if (g) {
            int bad = 0;
            off += mop_lhs_offset(m, ws, g, &m->t.items[m->ni[tr->node].tensor], r / le, &bad);
            if (bad)
                return GB_ENUMERIC;
        }
        if (draw_rep(s, ws, o, L, r, nv, off, len, rng) != 0)
            return GB_ENUMERIC;
    }
    return GB_OK;
}

gb_status gb_simulate_draw(const gb_simulate *s, gb_model_ws *ws, gsl_rng *r, size_t *bad_node)
{
    const gb_model *m = s->m;
    for (size_t t = 0; t < gb_graph_node_count(m->g); t++) {
        size_t i = m->topo[t];
        const gb_node *n = gb_graph_node(m->g, i);
        const node_info *ni = &m->ni[i];
        if (n->kind == GB_NODE_DETERMINISTIC || (s->target[i] && ni->latent != GB_NO_TENSOR)) {
            ws->bad = 0; /* the deterministic node, or the target's bounds */
            gb_model_tape_forward(m, ws, ni->ops0, ni->ops1, NULL, 0, 0);
        }
        if (!s->target[i] || n->kind != GB_NODE_STOCHASTIC)
            continue;
        for (size_t k = 0; k < m->terms.len; k++)
            if (m->terms.items[k].node == i && draw_term(s, ws, &m->terms.items[k], r) != GB_OK) {
                *bad_node = i;
                return GB_ENUMERIC;
            }
    }
    return GB_OK;
}

void gb_simulate_values(const gb_model *m, gb_model_ws *ws, double *out)
{
    for (size_t col = 0; col < m->ncols;) {
        size_t i = m->colnode[col], len = gb_graph_node(m->g, i)->len;
        memcpy(out + col, tval(m, ws, m->ni[i].tensor), len * sizeof *out);
        col += len;
    }
}
