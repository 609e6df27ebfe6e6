/* model_eval.c - the log density of a compiled model and its gradient, the transforms of
 * continuous latents, the per-chain workspace, initial values and the Gibbs updates.
 *
 * Gradient: every adjoint is zeroed, the ops run forward (each TERM calls its lpdf with adjoint
 * pointers, so it adds to the adjoints of its inputs as it goes), then the ops run backward,
 * carrying adjoints from terms to arguments, to deterministic nodes, to the TRANSFORM ops which
 * write d logp / d theta, log-Jacobians included.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "transform.h"

gb_model_ws *gb_model_ws_new(const gb_model *m)
{
    gb_model_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->buf = calloc(m->ws_size ? m->ws_size : 1, sizeof(double));
    ws->theta = calloc(m->dim ? m->dim : 1, sizeof(double));
    ws->grad = calloc(m->dim ? m->dim : 1, sizeof(double));
    ws->slice = calloc(m->slice_dim ? m->slice_dim : 1, sizeof(double));
    if (!ws->buf || !ws->theta || !ws->grad || !ws->slice) {
        gb_model_ws_free(ws);
        return NULL;
    }
    return ws;
}

void gb_model_ws_free(gb_model_ws *ws)
{
    if (!ws)
        return;
    free(ws->buf);
    free(ws->theta);
    free(ws->grad);
    free(ws->slice);
    free(ws);
}

const gb_graph *gb_model_graph(const gb_model *m)
{
    return m->g;
}

size_t gb_model_dim(const gb_model *m)
{
    return m->dim;
}

int gb_model_ws_changed(const gb_model_ws *ws)
{
    return ws->changed;
}

size_t gb_model_output_size(const gb_model *m)
{
    return m->ncols;
}

const char *gb_model_output_name(const gb_model *m, size_t col)
{
    return m->colname[col];
}

size_t gb_model_output_node(const gb_model *m, size_t col)
{
    return m->colnode[col];
}

/* ---- transforms ---- */

static gb_tf_kind tf_kind(int lt)
{
    switch (lt) {
    case LT_LOWER:
        return GB_TF_LOWER;
    case LT_UPPER:
        return GB_TF_UPPER;
    case LT_BOUNDED:
        return GB_TF_BOUNDED;
    case LT_SIMPLEX:
        return GB_TF_SIMPLEX;
    case LT_ORDERED:
        return GB_TF_ORDERED;
    case LT_POS_ORDERED:
        return GB_TF_POSITIVE_ORDERED;
    case LT_CHOL_CORR:
        return GB_TF_CHOLESKY_CORR;
    default:
        return GB_TF_NONE;
    }
}

/* Bound arrays of a latent: a tensor's values (per element or broadcast) or a constant. */
static const double *bound(const gb_model *m, gb_model_ws *ws, size_t t, const double *c,
                           size_t *stride)
{
    if (t == GB_NO_TENSOR) {
        *stride = 0;
        return c;
    }
    *stride = m->t.items[t].elen > 1 ? 1 : 0;
    return tval(m, ws, t);
}

static double transform_forward(const gb_model *m, gb_model_ws *ws, const mop *o,
                                const double *theta)
{
    const latent *L = &m->lat.items[o->def];
    if (!L->kind->joint)
        theta = ws->slice; /* its coordinates live outside the NUTS block */
    const tensor *X = &m->t.items[o->out];
    size_t ls, us;
    const double *lo = bound(m, ws, L->lo_t, &L->lo_c, &ls);
    const double *hi = bound(m, ws, L->hi_t, &L->hi_c, &us);
    if (ls != us && L->lo_t != GB_NO_TENSOR && L->hi_t != GB_NO_TENSOR)
        ls = us = 1; /* mixed: the tensors say */
    return gb_tf_constrain(tf_kind(L->tf), X->elen, L->K, theta + L->theta0, lo, ls, hi, us,
                           tval(m, ws, o->out));
}

static void transform_backward(const gb_model *m, gb_model_ws *ws, const mop *o,
                               const double *theta, double *grad)
{
    const latent *L = &m->lat.items[o->def];
    if (!L->kind->joint)
        return; /* not in the NUTS block: no gradient wanted */
    const tensor *X = &m->t.items[o->out];
    size_t ls, us;
    const double *lo = bound(m, ws, L->lo_t, &L->lo_c, &ls);
    const double *hi = bound(m, ws, L->hi_t, &L->hi_c, &us);
    double *lo_adj = L->lo_t != GB_NO_TENSOR ? tadj(m, ws, L->lo_t) : NULL;
    double *hi_adj = L->hi_t != GB_NO_TENSOR ? tadj(m, ws, L->hi_t) : NULL;
    gb_tf_constrain_vjp(tf_kind(L->tf), X->elen, L->K, theta + L->theta0, lo, ls, hi, us,
                        tval(m, ws, o->out), tadj(m, ws, o->out), 1.0, grad + L->theta0, lo_adj,
                        hi_adj);
}

/* ---- terms ---- */

/* Offset in X of repetition r's block, repetitions being batch item b = r / le and leading
 * position r % le (X's leading positions are 1 or le). */
static size_t rep_offset(const tensor *X, size_t r, size_t block, size_t le)
{
    size_t nlead = X->elen / (block ? block : 1);
    size_t lead = nlead == 1 ? 0 : r % le;
    return (X->batched ? (r / le) * X->elen : 0) + lead * block;
}

static double log_diff_exp(double a, double b)
{
    return a == b ? -INFINITY : a + log1p(-exp(b - a));
}

/* T[lo, hi]: each repetition's density is divided by F(hi) - F(lo); a variate outside is
 * impossible.  Parameters are read through the same args the lpdf saw; their gradients are
 * added when wanted (scalar parameters only: truncation is for univariate distributions). */
static double truncation(const gb_model *m, gb_model_ws *ws, const mop *o, const gb_arg *args,
                         int want_grad)
{
    const gb_dist_ops *d = o->dist;
    const double *lo = o->trunc_lo != GB_NO_TENSOR ? tval(m, ws, o->trunc_lo) : NULL;
    const double *hi = o->trunc_hi != GB_NO_TENSOR ? tval(m, ws, o->trunc_hi) : NULL;
    size_t los = lo && m->t.items[o->trunc_lo].elen > 1, his = hi && m->t.items[o->trunc_hi].elen > 1;
    double total = 0;
    double p[GB_DIST_MAX_PARAMS], dl[GB_DIST_MAX_PARAMS], dh[GB_DIST_MAX_PARAMS];
    for (size_t r = 0; r < o->n; r++) {
        double y = args[0].val[r * args[0].stride];
        double a = lo ? lo[los ? r : 0] : -INFINITY, b = hi ? hi[his ? r : 0] : INFINITY;
        if (y < a || y > b)
            return -INFINITY;
        /* integers: P(a <= Y <= b) = F(b) - F(a - 1), as Stan defines T[a, b] */
        if (d->variate_type == GB_INT)
            a -= 1;
        for (int k = 0; k < d->nparams; k++)
            p[k] = args[k + 1].val[r * args[k + 1].stride];
        double la, lb, norm;
        memset(dl, 0, sizeof dl);
        memset(dh, 0, sizeof dh);
        if (lo && hi) {
            lb = d->lcdf(b, p, NULL, want_grad ? dh : NULL);
            la = d->lcdf(a, p, NULL, want_grad ? dl : NULL);
            norm = log_diff_exp(lb, la);
            if (want_grad) { /* d log(e^lb - e^la) = (e^lb dlb - e^la dla) / (e^lb - e^la) */
                double wb = exp(lb - norm), wa = exp(la - norm);
                for (int k = 0; k < d->nparams; k++)
                    dl[k] = wb * dh[k] - wa * dl[k];
            }
        } else if (lo) {
            norm = d->lccdf(a, p, NULL, want_grad ? dl : NULL);
        } else {
            norm = d->lcdf(b, p, NULL, want_grad ? dl : NULL);
        }
        if (!(norm > -INFINITY))
            return -INFINITY;
        total -= norm;
        if (want_grad)
            for (int k = 0; k < d->nparams; k++)
                if (args[k + 1].adj)
                    args[k + 1].adj[r * args[k + 1].stride] -= dl[k];
    }
    return total;
}

double term_forward(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad, int propto)
{
    gb_arg args[8];
    size_t le = o->n / (o->batch ? o->batch : 1);
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        int discrete_variate = i == 0 && o->dist->variate_type == GB_INT;
        double *adj = want_grad && !discrete_variate ? tadj(m, ws, o->in[i]) : NULL;
        if (!o->use_scr[i]) {
            args[i].val = tval(m, ws, o->in[i]);
            args[i].adj = adj;
            args[i].stride = o->stride[i];
            continue;
        }
        size_t bl = o->stride[i];
        double *s = ws->buf + o->scr[i];
        const double *x = tval(m, ws, o->in[i]);
        for (size_t r = 0; r < o->n; r++)
            memcpy(s + r * bl, x + rep_offset(X, r, bl, le), bl * sizeof *s);
        args[i].val = s;
        args[i].stride = bl;
        args[i].adj = adj ? ws->buf + o->scr_adj[i] : NULL;
        if (args[i].adj)
            memset(args[i].adj, 0, o->n * bl * sizeof(double));
    }
    const size_t *dims = (o->dims[0] || o->dims[1]) ? o->dims : NULL;
    double lp = o->prep ? o->dist->lpdf_prepared(o->prep, o->n, args, dims, propto)
                        : o->dist->lpdf(o->n, args, dims, propto);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    if (o->trunc_lo != GB_NO_TENSOR || o->trunc_hi != GB_NO_TENSOR)
        lp += truncation(m, ws, o, args, want_grad);
    if (want_grad && lp > -INFINITY)
        for (int i = 0; i < o->nin; i++) {
            if (!o->use_scr[i] || !args[i].adj)
                continue;
            const tensor *X = &m->t.items[o->in[i]];
            size_t bl = o->stride[i];
            double *xa = tadj(m, ws, o->in[i]);
            for (size_t r = 0; r < o->n; r++) {
                size_t off = rep_offset(X, r, bl, le);
                for (size_t q = 0; q < bl; q++)
                    xa[off + q] += args[i].adj[r * bl + q];
            }
        }
    return lp;
}

/* ---- the log density ---- */

/* Runs ops [a, z) forward; TRANSFORM and TERM contribute to the log density. */
/* propto: terms constant in everything that has a gradient are left out (only meaningful
 * with want_grad, where the adjoint pointers say what varies). */
static double forward(const gb_model *m, gb_model_ws *ws, size_t a, size_t z,
                      const double *theta, int want_grad, int propto)
{
    double lp = 0;
    for (size_t q = a; q < z && lp > -INFINITY; q++) {
        const mop *o = &m->ops.items[q];
        ws->ops_run++;
        switch (o->kind) {
        case OP_SKIP:
            q = o->body1 - 1;
            break;
        case OP_TRANSFORM:
            lp += transform_forward(m, ws, o, theta);
            break;
        case OP_TERM: {
            double t = term_forward(m, ws, o, want_grad, propto);
            if (!(t > -INFINITY))
                ws->bad_node = o->node;
            lp += t;
            break;
        }
        default:
            if (o->seq) {
                /* reads its own earlier elements: the def's ops run item by item */
                size_t end = q;
                while (end < z && m->ops.items[end].seq && m->ops.items[end].node == o->node &&
                       m->ops.items[end].def == o->def)
                    end++;
                size_t batch = m->t.items[m->ops.items[end - 1].in[0]].batch;
                for (size_t b = 0; b < batch; b++)
                    run_range(m, ws, q, end, b, b + 1, 0);
                q = end - 1;
            } else {
                size_t batch = m->t.items[o->out].batch;
                if (o->kind == OP_SCATTER || o->kind == OP_GATHER)
                    batch = m->t.items[o->kind == OP_SCATTER ? o->in[0] : o->out].batch;
                op_forward(m, ws, o, 0, batch);
            }
        }
        if (ws->bad)
            return -INFINITY;
    }
    return lp;
}

/* Ops inside definitions and likelihood terms whose inputs are all read-only values (data, loop
 * variables, folded nodes, earlier folded ops): counts[i] gathered from the data, (x - mean(x))
 * / sd(x) inside a term.  Each is computed once here and becomes read-only itself.  Ops in
 * comprehension bodies and sequential definitions are left alone. */
static int fold_ops(gb_model *m, gb_model_ws *ws)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP) {
            q = o->body1 - 1; /* a comprehension's body, or a no-op */
            continue;
        }
        int foldable = !o->seq;
        switch (o->kind) {
        case OP_INDEX: case OP_BINOP: case OP_UNOP: case OP_IF: case OP_CALL_ELEM:
        case OP_CALL_GEN: case OP_MATMUL: case OP_ARRAY: case OP_RANGE: case OP_GATHER:
            break;
        default:
            foldable = 0;
        }
        for (int i = 0; foldable && i < o->nin; i++)
            foldable = m->t.items[o->in[i]].ext != NULL;
        tensor *X = &m->t.items[o->out];
        if (!foldable || X->ext)
            continue;
        ws->bad = 0;
        op_forward(m, ws, o, 0, X->batch);
        if (ws->bad)
            continue; /* reported when the model runs */
        size_t len = X->batch * X->elen;
        double *v = malloc((len ? len : 1) * sizeof *v);
        if (!v || GB_VEC_PUSH(&m->owned, v) != 0) {
            free(v);
            return -1;
        }
        memcpy(v, tval(m, ws, o->out), len * sizeof *v);
        X->ext = v;
        o->kind = OP_SKIP;
        o->body1 = q + 1;
    }
    return 0;
}

int gb_model_fold_fixed(gb_model *m)
{
    gb_model_ws *ws = gb_model_ws_new(m);
    if (!ws)
        return -1;
    int rc = 0;
    for (size_t t = 0; t < gb_graph_node_count(m->g) && rc == 0; t++) {
        size_t i = m->topo[t];
        const gb_node *n = gb_graph_node(m->g, i);
        if (n->kind != GB_NODE_DETERMINISTIC || !m->fixed[i])
            continue;
        node_info *ni = &m->ni[i];
        ws->bad = 0;
        forward(m, ws, ni->ops0, ni->ops1, NULL, 0, 0);
        if (ws->bad)
            continue; /* left to fail at run time, where the error is reported */
        tensor *X = &m->t.items[ni->tensor];
        size_t len = X->batch * X->elen;
        double *v = malloc((len ? len : 1) * sizeof *v);
        if (!v || GB_VEC_PUSH(&m->owned, v) != 0) {
            free(v);
            rc = -1;
            break;
        }
        memcpy(v, tval(m, ws, ni->tensor), len * sizeof *v);
        X->ext = v;
        for (size_t q = ni->ops0; q < ni->ops1; q++) {
            mop *o = &m->ops.items[q];
            o->kind = OP_SKIP;
            o->body1 = q + 1;
            o->seq = 0;
        }
    }
    if (rc == 0)
        rc = fold_ops(m, ws);
    gb_model_ws_free(ws);
    return rc;
}

static size_t op_batch(const gb_model *m, const mop *o)
{
    if (o->kind == OP_SCATTER)
        return m->t.items[o->in[0]].batch;
    return m->t.items[o->out].batch;
}

static void backward(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad)
{
    for (size_t q = m->ops.len; q-- > 0;) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_TRANSFORM) {
            transform_backward(m, ws, o, theta, grad);
        } else if (o->kind == OP_TERM || o->kind == OP_SKIP) {
            continue;
        } else if (o->seq) {
            size_t start = q;
            while (start > 0 && m->ops.items[start - 1].seq &&
                   m->ops.items[start - 1].node == o->node && m->ops.items[start - 1].def == o->def)
                start--;
            size_t batch = m->t.items[m->ops.items[q].in[0]].batch;
            for (size_t b = batch; b-- > 0;)
                run_range(m, ws, start, q + 1, b, b + 1, 1);
            q = start;
        } else {
            op_backward(m, ws, o, 0, op_batch(m, o));
            if (o->kind == OP_COMPREH)
                q = o->body0; /* its body was run by the comprehension */
        }
    }
}

static void zero_adjoints(const gb_model *m, gb_model_ws *ws)
{
    for (size_t t = 0; t < m->t.len; t++) {
        const tensor *X = &m->t.items[t];
        if (X->has_adj)
            memset(ws->buf + X->adj, 0, X->batch * X->elen * sizeof(double));
    }
}

double gb_model_logp(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad)
{
    /* the gradient is always computed: the adjoints tell each lpdf which arguments vary, so the
       value is the same (constants dropped, as in Stan's lp__) with or without grad */
    if (!grad)
        grad = ws->grad;
    ws->bad = 0;
    zero_adjoints(m, ws);
    memset(grad, 0, m->dim * sizeof *grad);
    double lp = forward(m, ws, 0, m->ops.len, theta, 1, 1);
    if (m->dim > 0 && theta != ws->theta)
        memcpy(ws->theta, theta, m->dim * sizeof *theta);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    backward(m, ws, theta, grad);
    for (size_t k = 0; k < m->dim; k++)
        if (!isfinite(grad[k]))
            return -INFINITY;
    ws->logp = lp;
    return lp;
}

void gb_model_values(const gb_model *m, gb_model_ws *ws, const double *theta, double *out)
{
    ws->bad = 0;
    forward(m, ws, 0, m->nterm_start, theta, 0, 0);
    size_t col = 0;
    while (col < m->ncols) {
        size_t i = m->colnode[col];
        const double *v = tval(m, ws, m->ni[i].tensor);
        size_t len = gb_graph_node(m->g, i)->len;
        memcpy(out + col, v, len * sizeof *out);
        col += len;
    }
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

double gb_model_blanket_logp(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    double lp = 0;
    ws->bad = 0;
    for (size_t k = 0; k + 1 < L->blanket.len && lp > -INFINITY; k += 2)
        lp += forward(m, ws, L->blanket.items[k], L->blanket.items[k + 1], ws->theta, 0, 0);
    return ws->bad ? -INFINITY : lp;
}

void gb_model_ws_sync(const gb_model *m, gb_model_ws *ws, const double *theta)
{
    if (theta && m->dim > 0 && theta != ws->theta)
        memcpy(ws->theta, theta, m->dim * sizeof *theta);
    ws->changed = 0;
    gb_model_ws_refresh(m, ws);
}

void gb_model_ws_refresh(const gb_model *m, gb_model_ws *ws)
{
    ws->bad = 0;
    forward(m, ws, 0, m->nterm_start, ws->theta, 0, 0);
}

void gb_model_ws_set_changed(gb_model_ws *ws)
{
    ws->changed = 1;
}

double *gb_model_ws_coords(const gb_model *m, gb_model_ws *ws, size_t k)
{
    const latent *L = &m->lat.items[k];
    return L->discrete || L->kind->joint ? NULL : ws->slice + L->theta0;
}

double gb_model_latent_logp(const gb_model *m, gb_model_ws *ws, size_t k)
{
    const latent *L = &m->lat.items[k];
    double lp;
    if (L->kind->joint) { /* no blanket was made: the whole tape */
        ws->bad = 0;
        lp = forward(m, ws, 0, m->ops.len, ws->theta, 0, 0);
    } else {
        lp = gb_model_blanket_logp(m, ws, L);
    }
    return ws->bad || isnan(lp) ? -INFINITY : lp;
}

size_t gb_model_ws_ops_run(const gb_model_ws *ws)
{
    return ws->ops_run;
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
        forward(m, ws, 0, m->nterm_start, theta, 0, 0);
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
