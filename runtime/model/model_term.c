/* model_term.c - the op kernels that touch the log density: TRANSFORM (a continuous latent's
 * value from its unconstrained coordinates, with the log-Jacobian, transform.h) and TERM (a
 * definition's lpdf over its repetitions, with truncation T[lo, hi]), each with its
 * vector-Jacobian product.  The tape (model_tape.c) runs them.
 */
#include <math.h>
#include <string.h>

#include "model_int.h"
#include "transform.h"

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

double mop_transform_forward(const gb_model *m, gb_model_ws *ws, const mop *o,
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
    double lj = gb_tf_constrain(tf_kind(L->tf), X->elen, L->K, theta + L->theta0, lo, ls, hi,
                                us, tval(m, ws, o->out));
    return ws->no_jacobian && lj > -INFINITY ? 0.0 : lj; /* -inf: an empty bound pair */
}

void mop_transform_backward(const gb_model *m, gb_model_ws *ws, const mop *o,
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
                        tval(m, ws, o->out), tadj(m, ws, o->out),
                        ws->no_jacobian || ws->share_k > 0 ? 0.0 : 1.0,
                        grad + L->theta0, lo_adj, hi_adj);
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
                         size_t r0, size_t r1, int want_grad)
{
    const gb_dist_ops *d = o->dist;
    const double *lo = o->trunc_lo != GB_NO_TENSOR ? tval(m, ws, o->trunc_lo) : NULL;
    const double *hi = o->trunc_hi != GB_NO_TENSOR ? tval(m, ws, o->trunc_hi) : NULL;
    size_t los = lo && m->t.items[o->trunc_lo].elen > 1, his = hi && m->t.items[o->trunc_hi].elen > 1;
    double total = 0;
    double p[GB_DIST_MAX_PARAMS], dl[GB_DIST_MAX_PARAMS], dh[GB_DIST_MAX_PARAMS];
    /* args point at repetition r0: repetition r is (r - r0) strides on */
    for (size_t r = r0; r < r1; r++) {
        double y = args[0].val[(r - r0) * args[0].stride];
        double a = lo ? lo[los ? r : 0] : -INFINITY, b = hi ? hi[his ? r : 0] : INFINITY;
        if (y < a || y > b)
            return -INFINITY;
        /* integers: P(a <= Y <= b) = F(b) - F(a - 1), as Stan defines T[a, b] */
        if (d->variate_type == GB_INT)
            a -= 1;
        for (int k = 0; k < d->nparams; k++)
            p[k] = args[k + 1].val[(r - r0) * args[k + 1].stride];
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
                    args[k + 1].adj[(r - r0) * args[k + 1].stride] -= dl[k];
    }
    return total;
}

void mop_term_args(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad, gb_arg *args)
{
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
}

void mop_term_add_adj(const gb_model *m, gb_model_ws *ws, const mop *o, const gb_arg *args)
{
    size_t le = o->n / (o->batch ? o->batch : 1);
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
}

double mop_term_forward(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad, int propto)
{
    gb_arg args[8];
    mop_term_args(m, ws, o, want_grad, args);
    const size_t *dims = mop_dims(o);
    double lp = o->prep ? o->dist->lpdf_prepared(o->prep, o->n, args, dims, propto)
                        : o->dist->lpdf(o->n, args, dims, propto);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    if (o->trunc_lo != GB_NO_TENSOR || o->trunc_hi != GB_NO_TENSOR)
        lp += truncation(m, ws, o, args, 0, o->n, want_grad);
    if (want_grad && lp > -INFINITY)
        mop_term_add_adj(m, ws, o, args);
    return lp;
}


/* ---- a share of the repetitions (data-parallel likelihood, split.h) ---- */

static int is_glm(const mop *o);

double mop_term_forward_range(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0,
                              size_t r1, int want_grad, int propto)
{
    if (r0 >= r1)
        return 0.0;
    gb_arg args[8];
    size_t dims1[2] = {o->dims[0], o->dims[1]}, n = r1 - r0;
    size_t le = o->n / (o->batch ? o->batch : 1);
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        int discrete_variate = i == 0 && o->dist->variate_type == GB_INT;
        double *adj = want_grad && !discrete_variate ? tadj(m, ws, o->in[i]) : NULL;
        const double *x = tval(m, ws, o->in[i]);
        size_t bl = o->stride[i], off = r0 * bl;
        if (is_glm(o)) /* rows r0 .. r1 - 1 of y and x, the other arguments whole */
            off = i == 0 ? r0 : i == 1 ? r0 * o->dims[1] : 0;
        args[i].stride = bl;
        if (is_glm(o) || !o->use_scr[i]) {
            args[i].val = x + off;
            args[i].adj = adj ? adj + off : NULL;
            continue;
        }
        /* copied to the op's scratch at the repetitions' own places: shares never overlap */
        double *s = ws->buf + o->scr[i];
        for (size_t r = r0; r < r1; r++)
            memcpy(s + r * bl, x + rep_offset(X, r, bl, le), bl * sizeof *s);
        args[i].val = s + off;
        args[i].adj = adj ? ws->buf + o->scr_adj[i] + off : NULL;
        if (args[i].adj)
            memset(args[i].adj, 0, n * bl * sizeof(double));
    }
    if (is_glm(o)) {
        dims1[0] = n;
        n = 1;
    }
    const size_t *dims = (dims1[0] || dims1[1]) ? dims1 : NULL;
    double lp = o->dist->lpdf(n, args, dims, propto);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    if (o->trunc_lo != GB_NO_TENSOR || o->trunc_hi != GB_NO_TENSOR)
        lp += truncation(m, ws, o, args, r0, r1, want_grad);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    for (int i = 0; want_grad && !is_glm(o) && i < o->nin; i++) {
        if (!o->use_scr[i] || !args[i].adj)
            continue;
        const tensor *X = &m->t.items[o->in[i]];
        size_t bl = o->stride[i];
        double *xa = tadj(m, ws, o->in[i]);
        for (size_t r = r0; r < r1; r++) {
            size_t off = rep_offset(X, r, bl, le);
            for (size_t q = 0; q < bl; q++)
                xa[off + q] += args[i].adj[(r - r0) * bl + q];
        }
    }
    return lp;
}

/* ---- one observation at a time (pointwise log-likelihood) ---- */

/* The GLM shortcuts are one repetition over N rows (term_layout in model_compile.c). */
static int is_glm(const mop *o)
{
    return strstr(o->dist->name, "_glm") != NULL;
}

size_t mop_term_obs_count(const mop *o)
{
    return is_glm(o) ? o->dims[0] : o->n;
}

double mop_term_obs_logp(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r)
{
    gb_arg args[8];
    size_t dims1[2] = {o->dims[0], o->dims[1]};
    size_t le = o->n / (o->batch ? o->batch : 1);
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        const double *x = tval(m, ws, o->in[i]);
        args[i].adj = NULL;
        args[i].stride = o->stride[i];
        if (is_glm(o)) /* row r: y[r] and x[r, ], the other arguments whole */
            args[i].val = i == 0 ? x + r : i == 1 ? x + r * o->dims[1] : x;
        else if (o->use_scr[i]) /* one repetition needs no copy: read its block in place */
            args[i].val = x + rep_offset(X, r, o->stride[i], le);
        else
            args[i].val = x + r * o->stride[i];
    }
    if (is_glm(o))
        dims1[0] = 1;
    const size_t *dims = (dims1[0] || dims1[1]) ? dims1 : NULL;
    double lp = o->dist->lpdf(1, args, dims, 0);
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    if (o->trunc_lo != GB_NO_TENSOR || o->trunc_hi != GB_NO_TENSOR)
        lp += truncation(m, ws, o, args, r, r + 1, 0);
    return lp > -INFINITY && !isnan(lp) ? lp : -INFINITY;
}

size_t mop_term_obs_offset(const gb_model *m, const mop *o, size_t r)
{
    if (is_glm(o))
        return r;
    const tensor *X = &m->t.items[o->in[0]];
    size_t le = o->n / (o->batch ? o->batch : 1);
    size_t off = rep_offset(X, r, o->stride[0], le);
    return X->batched ? off - (r / le) * X->elen : off;
}
