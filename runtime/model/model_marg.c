/* model_marg.c - discrete latents summed out of the density: mixture labels, zero-inflation
 * indicators, change points.
 *
 * A discrete latent z with a finite support whose elements are independent given the continuous
 * parameters contributes to the density sum_e log sum_v exp(lp_e(v)), where lp_e(v) is the sum
 * of the terms that read z[e] (its prior included) at z[e] = v.  The sampler that moves the
 * continuous parameters (NUTS) then sees this marginal density, and its gradient, by Fisher's
 * identity, is sum_e sum_v w_ev grad lp_e(v) with w_ev = p(z[e] = v | rest) (the softmax of
 * lp_e).  Each element is then drawn from exactly those weights after every step, so z keeps a
 * full posterior (Rao-Blackwellisation in the other direction, as Pyro's and NumPyro's
 * enumeration do).
 *
 * The planner proves the sum exact before using it: every term reading z is a likelihood term
 * (of data) or z's own prior, no deterministic node is computed from z, no other latent updated
 * outside the NUTS block reads the same terms, every repetition of every such term reads exactly
 * one element of z (the element plan of model_gibbs.c, inverted), and the support is fixed.
 * The cost, support size times repetitions, is bounded (MARG_MAX_WORK).
 *
 * Evaluation: for each value v, z is set to v everywhere and the terms' argument ops run over
 * the whole batch; then one call of the distribution's per-repetition lpdf (lpdf_each) gives
 * every repetition's log density, which lands in its element's row of the table.  The gradient
 * pass repeats this with the weights: lpdf_each adds each repetition's gradient times its weight
 * to the arguments' adjoints, and the argument ops are run backward.  A distribution without
 * lpdf_each has its lpdf called once per repetition instead (its gradient through a scratch
 * block, scaled and added).  A gather mu[z] and a term the same for every repetition (z's
 * shared prior) are not run repetition by repetition at one value: model_marg_bcast.c reads
 * mu[v] broadcast and computes the term once, bit for bit the same.  The current values of z
 * are restored afterwards.  A scalar latent's
 * terms that read it only through a threshold (a change point's i < tau) are summed by
 * model_marg_step.c instead: two runs each and prefix sums, O(N + K).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_marg_int.h"

/* Support size times repetitions above which summing is refused: at about 20 ns a repetition's
 * lpdf, 10^7 is 0.2 s for each gradient, where element-wise Gibbs costs one evaluation.  A step
 * range (model_marg_step.c) costs two runs plus the support size, not support size runs. */
#define MARG_MAX_WORK 10000000.0

static const char *const MARG_REASON =
    "finite support, elements independent given the continuous parameters: summed out of the "
    "density NUTS sees, drawn from its exact conditional after each step";
static const char *const MARG_REASON_STEP =
    "finite support, read through a threshold (i < tau): summed out of the density NUTS sees "
    "by prefix sums over its breakpoints, O(N + K), drawn from its exact conditional after "
    "each step";

/* ---- planning ---- */

static int ranges_overlap(const latent *A, const latent *B)
{
    for (size_t i = 0; i + 1 < A->blanket.len; i += 2)
        for (size_t j = 0; j + 1 < B->blanket.len; j += 2)
            if (A->blanket.items[i] < B->blanket.items[j + 1] &&
                B->blanket.items[j] < A->blanket.items[i + 1])
                return 1;
    return 0;
}

/* Why L's support is not fixed (bounds that are not read-only values: data, constants, folded
 * nodes), or NULL when it is. */
static const char *support_not_fixed(const gb_model *m, const latent *L)
{
    const gb_support *sp = &gb_graph_node(m->g, L->node)->defs[0].dist->support;
    for (size_t q = m->nterm_start; q < m->ops.len; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind != OP_TERM || o->node != L->node)
            continue;
        if (o->def != 0) /* the support is read from the first statement only */
            return "it is defined by several statements (a chain?)";
        if (sp->lower_param != GB_NO_PARAM && !m->t.items[o->in[1 + sp->lower_param]].ext)
            return "its support depends on parameters";
        if (sp->upper_param != GB_NO_PARAM && !sp->upper_param_len &&
            !m->t.items[o->in[1 + sp->upper_param]].ext)
            return "its support depends on parameters";
    }
    return NULL;
}

/* Sets melem[base + r] = e, or returns a reason when another element was there. */
static const char *assign(size_t *melem, size_t at, size_t e)
{
    if (melem[at] != GB_NO_TENSOR && melem[at] != e)
        return "one term reads several of its elements together (a chain?)";
    melem[at] = e;
    return NULL;
}

/* model_marg_int.h: L->moff (each blanket range's first repetition) and L->melem (unset). */
int gb_model_marg_alloc_reps(const gb_model *m, latent *L, size_t *total)
{
    size_t nr = L->blanket.len / 2;
    *total = 0;
    if (!(L->moff = malloc((nr + 1) * sizeof *L->moff)))
        return -1;
    for (size_t k = 0; k < nr; k++) {
        L->moff[k] = *total;
        *total += m->ops.items[L->blanket.items[2 * k + 1] - 1].n;
    }
    L->moff[nr] = *total;
    L->melem = malloc((*total ? *total : 1) * sizeof *L->melem);
    return L->melem ? 0 : -1;
}

/* The element each repetition of each blanket range reads (L->moff, L->melem). */
static const char *map_elements(const gb_model *m, latent *L, size_t len, int *oom)
{
    size_t total;
    if (gb_model_marg_alloc_reps(m, L, &total) != 0)
        return *oom = 1, "out of memory";
    for (size_t i = 0; i < total; i++)
        L->melem[i] = len == 1 ? 0 : GB_NO_TENSOR;
    if (len == 1)
        return NULL;
    if (!L->eoff)
        return "a term reads it other than element by element with fixed indices";
    for (size_t e = 0; e < len; e++)
        for (size_t i = L->eoff[e]; i < L->eoff[e + 1]; i++) {
            size_t k = L->erange[i], b = L->eitem[i];
            const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
            size_t le = L->per_rep[k] ? 1 : t->n / (t->batch ? t->batch : 1);
            for (size_t r = b * le; r < (b + 1) * le; r++) {
                const char *why = assign(L->melem, L->moff[k] + r, e);
                if (why)
                    return why;
            }
        }
    for (size_t i = 0; i < total; i++)
        if (L->melem[i] == GB_NO_TENSOR)
            return "a term reads it whole";
    return NULL;
}

/* Why latent k cannot be summed out, or NULL when it can (L's fields then set). */
static const char *check(gb_model *m, gb_model_ws *ws, size_t k, size_t *other, int *oom)
{
    latent *L = &m->lat.items[k];
    const gb_node *n = gb_graph_node(m->g, L->node);
    if (n->marginal < 0)
        return "the model says `@sample` for it";
    if (!L->finite)
        return "its support is not bounded";
    for (size_t i = 0; i + 1 < L->blanket.len; i += 2) {
        const mop *t = &m->ops.items[L->blanket.items[i + 1] - 1];
        if (L->blanket.items[i] < m->nterm_start || t->kind != OP_TERM)
            return "a deterministic node is computed from it";
        if (t->trunc_lo != GB_NO_TENSOR || t->trunc_hi != GB_NO_TENSOR)
            return "a truncated term reads it";
        if (t->node != L->node && !gb_node_is_observed(gb_graph_node(m->g, t->node)))
            return "the prior of another parameter reads it";
    }
    const char *why = L->chain ? NULL : support_not_fixed(m, L); /* a chain's is (model_chain.c) */
    if (why)
        return why;
    for (size_t j = 0; j < m->lat.len; j++) {
        const latent *B = &m->lat.items[j];
        if (j != k && B->kind && !B->kind->joint && ranges_overlap(L, B)) {
            *other = j;
            return "another latent updated outside the NUTS block reads the same terms";
        }
    }
    if (L->chain) /* a first-order chain: the forward algorithm sums it (model_marg_chain.c) */
        return gb_model_marg_chain_check(m, L, n->marginal > 0, oom);
    double lo, hi;
    if (gb_model_discrete_support(m, ws, L, &lo, &hi) != 0 || !isfinite(lo) || !isfinite(hi))
        return "its support is not bounded";
    why = map_elements(m, L, n->len, oom);
    if (why)
        return why;
    double work;
    if (hi - lo + 1 > MARG_MAX_WORK) /* every value is visited at least once */
        return "support size times terms is too large to sum at every step";
    if (gb_model_marg_step_plan(m, L, lo, (size_t)(hi - lo) + 1, &work) != 0)
        return *oom = 1, "out of memory";
    if (work > MARG_MAX_WORK) {
        free(L->mcmp);
        free(L->mbrk);
        L->mcmp = L->mbrk = NULL;
        return "support size times terms is too large to sum at every step";
    }
    L->mlo = lo;
    L->mK = (size_t)(hi - lo) + 1;
    return NULL;
}

/* model_marg_int.h */
void gb_model_marg_tag(gb_model *m, const latent *L, size_t k, size_t *scr, size_t *reps)
{
    *scr = *reps = 1;
    for (size_t i = 0; i + 1 < L->blanket.len; i += 2) {
        const mop *t = &m->ops.items[L->blanket.items[i + 1] - 1];
        size_t s = 0;
        if (t->n > *reps)
            *reps = t->n;
        for (int a = 0; a < t->nin; a++)
            s += t->stride[a] ? t->stride[a] : m->t.items[t->in[a]].elen;
        if (s > *scr)
            *scr = s;
        for (size_t q = L->blanket.items[i]; q < L->blanket.items[i + 1]; q++)
            m->ops.items[q].marg = k + 1;
    }
}

/* Lays out L's workspace, tags its ranges' ops and plans their broadcasts; -1 when out of
 * memory. */
static int adopt(gb_model *m, latent *L, size_t k)
{
    size_t len = gb_graph_node(m->g, L->node)->len, scr, reps;
    gb_model_marg_tag(m, L, k, &scr, &reps);
    L->marg = 1;
    L->mtab = m->ws_size;
    L->msave = L->mtab + len * L->mK;
    L->mscr = L->msave + len;
    L->mout = L->mscr + scr;
    L->mstep = L->mout + 2 * reps;
    m->ws_size = L->mstep + gb_model_marg_step_size(m, L, reps);
    L->reason = L->mcmp ? MARG_REASON_STEP : MARG_REASON;
    return gb_model_marg_bcast_plan(m, L);
}

/* Passes L on to the first kind after its own that can update it; the reason says why it was
 * not summed out. */
static gb_status pass_on(gb_model *m, size_t k, const char *why, size_t other, gb_errlist *errs)
{
    latent *L = &m->lat.items[k];
    const gb_node *n = gb_graph_node(m->g, L->node);
    size_t i = 0;
    while (i < m->nkinds && m->kinds[i] != L->kind)
        i++;
    for (i++; i < m->nkinds; i++) {
        const char *kwhy = NULL;
        if (m->kinds[i]->marginal || !m->kinds[i]->can_update(m, k, &kwhy))
            continue;
        const char *oname = other != GB_NO_TENSOR
                                ? gb_graph_node(m->g, m->lat.items[other].node)->name
                                : NULL;
        int len = snprintf(NULL, 0, "%s; not summed out: %s%s%s%s", kwhy ? kwhy : "", why,
                           oname ? " ('" : "", oname ? oname : "", oname ? "')" : "");
        if (len < 0 || !(L->reason_buf = malloc((size_t)len + 1)))
            return GB_ENOMEM;
        snprintf(L->reason_buf, (size_t)len + 1, "%s; not summed out: %s%s%s%s",
                 kwhy ? kwhy : "", why, oname ? " ('" : "", oname ? oname : "",
                 oname ? "')" : "");
        L->kind = m->kinds[i];
        L->reason = L->reason_buf;
        return GB_OK;
    }
    return gb_error(errs, GB_ESEMANTIC, n->loc, "no sampler can update '%s' (%s)", n->name, why);
}

/* `marginalise z` that cannot be honoured is an error at that line, not a silent Gibbs. */
static gb_status refuse(const gb_model *m, const latent *L, const char *why, gb_errlist *errs)
{
    const gb_node *n = gb_graph_node(m->g, L->node);
    gb_error(errs, GB_ESEMANTIC, n->marginal_loc, "cannot marginalise '%s': %s", n->name, why);
    gb_error_hint(errs, "summing out needs a finite support, elements independent given the "
                        "continuous parameters and terms only of its prior and of data; "
                        "'@sample %s' keeps it sampled", n->name);
    return GB_ESEMANTIC;
}

gb_status gb_model_plan_marginal(gb_model *m, gb_errlist *errs)
{
    gb_model_ws *ws = NULL;
    gb_status rc = GB_OK;
    int oom = 0;
    for (size_t k = 0; k < m->lat.len && rc == GB_OK; k++) {
        latent *L = &m->lat.items[k];
        if (!L->kind->marginal) {
            if (gb_graph_node(m->g, L->node)->marginal > 0) /* an unbounded support */
                rc = refuse(m, L, "its support is not bounded", errs);
            continue;
        }
        if (!ws && !(ws = gb_model_ws_new(m))) {
            rc = GB_ENOMEM;
            break;
        }
        size_t other = GB_NO_TENSOR;
        const char *why = check(m, ws, k, &other, &oom);
        if (oom)
            rc = GB_ENOMEM;
        else if (why && gb_graph_node(m->g, L->node)->marginal > 0)
            rc = refuse(m, L, why, errs);
        else if (why)
            rc = pass_on(m, k, why, other, errs);
        else if (L->chain)
            rc = gb_model_marg_chain_adopt(m, L, k);
        else if (adopt(m, L, k) != 0)
            rc = GB_ENOMEM;
    }
    gb_model_ws_free(ws);
    m->nused = 0; /* the kinds that still have latents, in the order they were asked */
    for (size_t i = 0; i < m->nkinds && rc == GB_OK; i++)
        for (size_t k = 0; k < m->lat.len; k++)
            if (m->lat.items[k].kind == m->kinds[i]) {
                m->used[m->nused++] = m->kinds[i];
                break;
            }
    return rc;
}

/* ---- evaluation ---- */

/* Repetition r's arguments of term o, for one lpdf call (n = 1).  With scr, the adjoint of every
 * argument that has one points into scr, zeroed; loff[i] is where argument i's block starts in
 * its tensor. */
static void rep_args(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r, gb_arg *args,
                     double *scr, size_t *loff)
{
    size_t le = o->n / (o->batch ? o->batch : 1);
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        size_t bl = o->stride[i], off = r * bl;
        if (o->use_scr[i]) {
            size_t nlead = X->elen / (bl ? bl : 1), lead = nlead == 1 ? 0 : r % le;
            off = (X->batched ? (r / le) * X->elen : 0) + lead * bl;
        }
        size_t blk = bl ? bl : X->elen;
        loff[i] = off;
        args[i].val = tval(m, ws, o->in[i]) + off;
        args[i].stride = bl;
        args[i].adj = NULL;
        int discrete_variate = i == 0 && o->dist->variate_type == GB_INT;
        if (scr && !discrete_variate && X->has_adj) {
            memset(scr, 0, blk * sizeof *scr);
            args[i].adj = scr;
        }
        if (scr)
            scr += blk;
    }
}

static void set_all(double *z, size_t len, double v)
{
    for (size_t e = 0; e < len; e++)
        z[e] = v;
}

/* out[r] = repetition r's log density of term o (-INFINITY for NaN); with w, w[r] times its
 * gradient added to the arguments' adjoints.  One lpdf_each call when the distribution has one,
 * else one lpdf call a repetition with its gradient through scr. */
static void term_each(const gb_model *m, gb_model_ws *ws, const mop *o, const double *w,
                      double *out, double *scr)
{
    const size_t *dims = mop_dims(o);
    gb_arg args[8];
    size_t loff[8];
    if (o->dist->lpdf_each) {
        mop_term_args(m, ws, o, w != NULL, args);
        o->dist->lpdf_each(o->n, args, dims, w, out);
        if (w)
            mop_term_add_adj(m, ws, o, args);
        return;
    }
    for (size_t r = 0; r < o->n; r++) {
        if (w && w[r] == 0)
            continue;
        rep_args(m, ws, o, r, args, w ? scr : NULL, loff);
        double lp = o->dist->lpdf(1, args, dims, 0);
        out[r] = lp > -INFINITY ? lp : -INFINITY; /* NaN too */
        for (int i = 0; w && i < o->nin; i++) {
            if (!args[i].adj)
                continue;
            const tensor *X = &m->t.items[o->in[i]];
            size_t blk = o->stride[i] ? o->stride[i] : X->elen;
            double *xa = tadj(m, ws, o->in[i]) + loff[i];
            for (size_t j = 0; j < blk; j++)
                xa[j] += w[r] * args[i].adj[j];
        }
    }
}

/* model_marg_int.h */
void gb_model_marg_zero_adj(const gb_model *m, gb_model_ws *ws, size_t a, size_t b,
                            const gb_marg_bcast *bc)
{
    for (size_t q = a; q < b; q++) {
        const mop *p = &m->ops.items[q];
        const tensor *X = &m->t.items[p->out];
        if (p->kind != OP_SKIP && p->kind != OP_SCATTER && X->has_adj &&
            !(bc && gb_marg_bcast_replaces(bc, q)))
            memset(ws->buf + X->adj, 0, X->batch * X->elen * sizeof(double));
    }
}

/* model_marg_int.h */
int gb_model_marg_range_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                             int force, const double *w, double *out)
{
    size_t a = L->blanket.items[2 * k], b = L->blanket.items[2 * k + 1];
    const mop *o = &m->ops.items[b - 1];
    size_t nb = o->batch ? o->batch : 1;
    if (w) /* this pattern's adjoints start from zero */
        gb_model_marg_zero_adj(m, ws, a, b - 1, NULL);
    ws->bad = 0;
    if (force < 0) {
        run_range(m, ws, a, b - 1, 0, nb, 0);
    } else { /* the comparison's result set, not computed: the range's other ops run */
        const mop *c = &m->ops.items[L->mcmp[k]];
        const tensor *C = &m->t.items[c->out];
        double *cv = tval(m, ws, c->out);
        run_range(m, ws, a, L->mcmp[k], 0, nb, 0);
        for (size_t i = 0; i < C->batch * C->elen; i++)
            cv[i] = force;
        run_range(m, ws, L->mcmp[k] + 1, b - 1, 0, nb, 0);
    }
    if (ws->bad) {
        for (size_t r = 0; r < o->n; r++)
            out[r] = -INFINITY;
        return 0;
    }
    term_each(m, ws, o, w, out, ws->buf + L->mscr);
    if (w)
        run_range(m, ws, a, b - 1, 0, nb, 1);
    return 1;
}

/* tab[el[r] * K] += out[r] for r < n (NaN as -INFINITY), in that order.  A run of repetitions
 * of one element (all of them, for a change point) sums in a register, not through memory:
 * the same additions, without a store and reload between each. */
static void add_rows(double *tab, size_t K, const size_t *el, const double *out, size_t n)
{
    for (size_t r = 0; r < n;) {
        size_t e = el[r];
        double acc = tab[e * K];
        for (; r < n && el[r] == e; r++)
            acc += out[r] > -INFINITY ? out[r] : -INFINITY; /* NaN too */
        tab[e * K] = acc;
    }
}

/* tab[e * K + v] = log density of the terms reading element e at z[e] = lo + v. */
static void fill_table(const gb_model *m, gb_model_ws *ws, const latent *L, double *z,
                       size_t len, double *tab)
{
    size_t K = L->mK;
    double *out = ws->buf + L->mout;
    int step = L->mcmp && !ws->no_step;
    memset(tab, 0, len * K * sizeof *tab);
    for (size_t v = 0; v < K; v++) {
        set_all(z, len, L->mlo + (double)v);
        for (size_t k = 0; 2 * k < L->blanket.len; k++) {
            const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
            const size_t *el = L->melem + L->moff[k];
            if (step && L->mcmp[k] != GB_NO_TENSOR)
                continue; /* model_marg_step.c sums it below */
            if (gb_model_marg_bcast_each(m, ws, L, k, NULL, out) < 0)
                gb_model_marg_range_each(m, ws, L, k, -1, NULL, out);
            add_rows(tab + v, K, el, out, o->n);
        }
    }
    if (step)
        gb_model_marg_step_fill(m, ws, L, tab);
    ws->bad = 0;
}

/* Does term o pass a gradient to anything: has one of its arguments an adjoint?  (A discrete
 * variate's does not count: it is the summed latent or data.)  The latent's own prior with
 * fixed bounds has none, and its K runs in the gradient pass would add nothing. */
static int term_has_grad(const gb_model *m, const mop *o)
{
    for (int i = o->dist->variate_type == GB_INT; i < o->nin; i++)
        if (m->t.items[o->in[i]].has_adj)
            return 1;
    return 0;
}

/* Adds the weighted gradient of every repetition (weights in tab) to the adjoints. */
static void grad_pass(const gb_model *m, gb_model_ws *ws, const latent *L, double *z, size_t len,
                      const double *tab)
{
    size_t K = L->mK;
    double *out = ws->buf + L->mout;
    int step = L->mcmp && !ws->no_step;
    for (size_t v = 0; v < K; v++) {
        set_all(z, len, L->mlo + (double)v);
        for (size_t k = 0; 2 * k < L->blanket.len; k++) {
            const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
            const size_t *el = L->melem + L->moff[k];
            if ((step && L->mcmp[k] != GB_NO_TENSOR) || !term_has_grad(m, o))
                continue;
            double *w = out + o->n;
            for (size_t r = 0; r < o->n; r++)
                w[r] = tab[el[r] * K + v];
            if (gb_model_marg_bcast_each(m, ws, L, k, w, out) < 0)
                gb_model_marg_range_each(m, ws, L, k, -1, w, out);
        }
    }
    if (step)
        gb_model_marg_step_grad(m, ws, L, tab);
    ws->bad = 0;
}

/* A row's sum of exps is at most K <= MARG_MAX_WORK < 2^24: a running product of rows' sums
 * below 2^990 times one more stays far from DBL_MAX (about 2^1024). */
#define MARG_PROD_MAX 0x1p990

/* log sum_v exp(row[v]) = m + log(*s), m returned (-INFINITY when every value is, *s unset);
 * with weights, row becomes the softmax.  The largest term m is factored out and its exp,
 * exactly 1, not taken: with t the sum of the others' e_v = exp(row[v] - m), *s = 1 + t and the
 * weights are e_v / *s (1 / *s for m's own), one exp a value besides the largest. */
static double row_max_sum(double *row, size_t K, int weights, double *s)
{
    double mx = -INFINITY, t = 0;
    size_t top = 0;
    for (size_t v = 0; v < K; v++)
        if (row[v] > mx) {
            mx = row[v];
            top = v;
        }
    if (!(mx > -INFINITY))
        return -INFINITY;
    for (size_t v = 0; v < K; v++)
        if (v != top)
            t += (row[v] = exp(row[v] - mx));
    *s = 1 + t;
    if (weights)
        for (size_t v = 0; v < K; v++)
            row[v] = v == top ? 1 / *s : row[v] / *s;
    return mx;
}

double gb_model_marg_logp(const gb_model *m, gb_model_ws *ws, const latent *L, int want_grad)
{
    if (L->chain)
        return gb_model_marg_chain_logp(m, ws, L, want_grad);
    size_t len = gb_graph_node(m->g, L->node)->len, K = L->mK;
    double *z = tval(m, ws, m->ni[L->node].tensor), *tab = ws->buf + L->mtab;
    double *save = ws->buf + L->msave;
    memcpy(save, z, len * sizeof *z);
    fill_table(m, ws, L, z, len, tab);
    /* sum_e (m_e + log s_e) as sum_e m_e + log prod_e s_e: one log every few hundred rows, not
     * one a row (glibc's log was 11% of mix_gauss's run, perf).  The product's roundings, one
     * half-ulp (relative) a row, move the total by at most len * 1.1e-16, where summing len
     * logs into it rounds by up to len half-ulps of the total: exact to rounding as before. */
    double total = 0, prod = 1;
    for (size_t e = 0; e < len; e++) {
        double s, mx = row_max_sum(tab + e * K, K, want_grad, &s);
        if (!(mx > -INFINITY)) {
            total = -INFINITY;
            break;
        }
        total += mx;
        prod *= s;
        if (prod > MARG_PROD_MAX) {
            total += log(prod);
            prod = 1;
        }
    }
    if (total > -INFINITY)
        total += log(prod);
    if (want_grad && total > -INFINITY)
        grad_pass(m, ws, L, z, len, tab);
    memcpy(z, save, len * sizeof *z);
    if (!(total > -INFINITY)) /* the start error names the first term that reads the latent */
        ws->bad_op = L->blanket.len >= 2 ? L->blanket.items[1] - 1 : (size_t)-1;
    return total > -INFINITY ? total : -INFINITY;
}

gb_status gb_model_marginal_draw(const gb_model *m, gb_model_ws *ws, size_t k, gsl_rng *r)
{
    const latent *L = &m->lat.items[k];
    if (!L->marg)
        return GB_EINTERNAL;
    if (L->chain)
        return gb_model_marg_chain_draw(m, ws, L, r);
    size_t len = gb_graph_node(m->g, L->node)->len, K = L->mK;
    double *z = tval(m, ws, m->ni[L->node].tensor), *tab = ws->buf + L->mtab;
    double *save = ws->buf + L->msave;
    memcpy(save, z, len * sizeof *z);
    fill_table(m, ws, L, z, len, tab);
    for (size_t e = 0; e < len; e++) {
        double *row = tab + e * K, mx = -INFINITY, tot = 0, acc = 0;
        for (size_t v = 0; v < K; v++)
            mx = row[v] > mx ? row[v] : mx;
        if (!(mx > -INFINITY)) {
            memcpy(z, save, len * sizeof *z);
            return GB_ENUMERIC;
        }
        for (size_t v = 0; v < K; v++) /* exp(0) is 1: not taken for the largest */
            tot += (row[v] = row[v] == mx ? 1 : exp(row[v] - mx));
        double u = gsl_rng_uniform(r) * tot;
        size_t pick = K - 1;
        for (size_t v = 0; v < K; v++) {
            acc += row[v];
            if (u < acc) {
                pick = v;
                break;
            }
        }
        z[e] = L->mlo + (double)pick;
    }
    return GB_OK;
}
