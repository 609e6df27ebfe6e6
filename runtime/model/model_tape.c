/* model_tape.c - the executor of the compiled model, and the only one: the per-chain workspace,
 * the forward pass (values, and the log density from TRANSFORM and TERM ops) and the backward
 * pass (adjoints), over the whole tape or the op ranges of a latent's Markov blanket.
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
#include "size.h"

gb_model_ws *gb_model_ws_new(const gb_model *m)
{
    /* the run was planned (memplan.c); this only stops a work space past the budget */
    if (gb_size_fits_budget(m->ws_size, sizeof(double)) != 0)
        return NULL;
    gb_model_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->buf = calloc(m->ws_size ? m->ws_size : 1, sizeof(double));
    ws->theta = calloc(m->dim ? m->dim : 1, sizeof(double));
    ws->grad = calloc(m->dim ? m->dim : 1, sizeof(double));
    ws->slice = calloc(m->slice_dim ? m->slice_dim : 1, sizeof(double));
    size_t np = gb_model_marg_chain_longest(m); /* a summed chain's path (model_marg_chain.c) */
    ws->path = np ? calloc(np, sizeof *ws->path) : NULL;
    if (!ws->buf || !ws->theta || !ws->grad || !ws->slice || (np && !ws->path)) {
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
    free(ws->path);
    free(ws);
}


void gb_model_ws_set_jacobian(gb_model_ws *ws, int on)
{
    ws->no_jacobian = !on;
}

void gb_model_ws_set_fused(gb_model_ws *ws, int on)
{
    ws->no_fuse = !on;
}

void gb_model_ws_set_grouped(gb_model_ws *ws, int on)
{
    ws->no_group = !on;
}

void gb_model_ws_set_marg_step(gb_model_ws *ws, int on)
{
    ws->no_step = !on;
}

void gb_model_ws_set_marg_bcast(gb_model_ws *ws, int on)
{
    ws->no_bcast = !on;
}

/* Fused terms run as one kernel over their rows, a share of a split likelihood (split.h) over
 * its own rows (gb_split_term_reps). */
static int fuse_on(const gb_model_ws *ws)
{
    return !ws->no_fuse;
}

/* Grouped terms run from their statistics, except in a share of a split likelihood, whose
 * argument ops and rows the split divides (the tape keeps them). */
static int group_on(const gb_model_ws *ws)
{
    return !ws->no_group && ws->share_n <= 1;
}

int gb_model_ws_changed(const gb_model_ws *ws)
{
    return ws->changed;
}


/* ---- the log density ---- */

static int op_is_batched(const gb_model *m, const mop *o);

/* Term o in share ws->share_k of ws->share_n: an observation term's share of its repetitions
 * (rows), split as evenly as they go; a prior, a `target +=` statement or a likelihood that
 * summarised its data (dist->prepare: no rows left to split) whole in share 0, nothing in the
 * others. */
static double share_term(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad,
                         int propto)
{
    if (!gb_split_term_is_split(m, o))
        return ws->share_k == 0 ? mop_term_forward(m, ws, o, want_grad, propto) : 0.0;
    size_t r0, r1; /* a loop: whole iterations, as its argument ops ran (share_ops) */
    gb_split_term_reps(m, ws, o, &r0, &r1);
    return mop_term_forward_range(m, ws, o, r0, r1, want_grad, propto);
}

/* The rows [*r0, *r1) that a share runs of row-wise argument op q (ws->share_rows). */
static void share_rows(const gb_model *m, const gb_model_ws *ws, size_t q, size_t *r0,
                       size_t *r1)
{
    const term_range *tr = &m->terms.items[ws->share_rows[q] - 1];
    gb_split_term_reps(m, ws, &m->ops.items[tr->b - 1], r0, r1);
}

static double fused_term(const gb_model *m, gb_model_ws *ws, const mop *o)
{
    size_t r0, r1;
    gb_split_term_reps(m, ws, o, &r0, &r1);
    return mop_fused_term(m, ws, o, r0, r1);
}

/* Runs ops [a, z) forward; TRANSFORM and TERM contribute to the log density. */
/* propto: terms constant in everything that has a gradient are left out (only meaningful
 * with want_grad, where the adjoint pointers say what varies).  want_grad is gb_model_logp's
 * pass, whose backward skips the argument ops of fused terms: so a fused term (unless no_fuse)
 * runs its one-pass kernel here and its argument ops are skipped. */
double gb_model_tape_forward(const gb_model *m, gb_model_ws *ws, size_t a, size_t z,
                             const double *theta, int want_grad, int propto)
{
    double lp = 0;
    for (size_t q = a; q < z && lp > -INFINITY; q++) {
        const mop *o = &m->ops.items[q];
        ws->ops_run++;
        int fused = want_grad && fuse_on(ws), grouped = want_grad && group_on(ws);
        if ((fused && o->fused_in) || (grouped && o->group_in))
            continue;
        if (o->marg) { /* a summed-out latent's terms: all of them at its first op */
            const latent *L = &m->lat.items[o->marg - 1];
            if (q == L->blanket.items[0])
                lp += gb_model_marg_logp(m, ws, L, want_grad);
            continue;
        }
        switch (o->kind) {
        case OP_SKIP:
            q = o->body1 - 1;
            break;
        case OP_TRANSFORM:
            /* no theta: the latent values were set in ws directly (gb_model_set_values) */
            if (theta) {
                double lj = mop_transform_forward(m, ws, o, theta);
                if (ws->share_k == 0 || !(lj > -INFINITY)) /* a share: share 0 adds it */
                    lp += lj;
            }
            break;
        case OP_TERM: {
            double t = fused && o->fuse      ? fused_term(m, ws, o)
                       : grouped && o->group ? mop_grouped_term(m, ws, o)
                       : ws->share_n > 1     ? share_term(m, ws, o, want_grad, propto)
                                             : mop_term_forward(m, ws, o, want_grad, propto);
            if (!(t > -INFINITY))
                ws->bad_op = q;
            lp += t;
            break;
        }
        default:
            if (o->seq) {
                /* reads its own earlier elements, or a recursion group: the ops of one
                   sequence number run item by item */
                size_t end = q;
                while (end < z && m->ops.items[end].seq == o->seq)
                    end++;
                size_t batch = m->t.items[m->ops.items[end - 1].in[0]].batch;
                for (size_t b = 0; b < batch; b++)
                    run_range(m, ws, q, end, b, b + 1, 0);
                q = end - 1;
            } else if (ws->share_ops && ws->share_ops[q] && op_is_batched(m, o)) {
                size_t b0, b1; /* a split term's argument: the share's iterations */
                gb_split_items(m, ws, ws->share_ops[q] - 1, &b0, &b1);
                op_forward(m, ws, o, b0, b1);
            } else if (ws->share_rows && ws->share_rows[q]) {
                size_t r0, r1; /* a vectorised split term's argument: the share's rows */
                share_rows(m, ws, q, &r0, &r1);
                mop_rows_run(m, ws, o, r0, r1, 0);
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
/* Whether an op runs over batch items (its result has one value per loop iteration). */
static int op_is_batched(const gb_model *m, const mop *o)
{
    size_t t = o->kind == OP_SCATTER ? o->in[0] : o->out;
    return m->t.items[t].batched;
}

/* An op whose result is not batched (b[k] inside a comprehension over a loop body) runs once, on
 * item 0, whatever range of items the caller runs.  Backward, its adjoint is passed on once and
 * then cleared, so a caller that runs the range item by item (sequential definitions) passes each
 * item's contribution exactly once. */
void run_range(const gb_model *m, gb_model_ws *ws, size_t a, size_t z, size_t b0, size_t b1,
               int backward)
{
    if (!backward) {
        for (size_t q = a; q < z; q++) {
            const mop *o = &m->ops.items[q];
            if (o->kind == OP_SKIP)
                q = o->body1 - 1;
            else if (op_is_batched(m, o))
                op_forward(m, ws, o, b0, b1);
            else
                op_forward(m, ws, o, 0, 1);
        }
    } else {
        for (size_t q = z; q-- > a;) {
            const mop *o = &m->ops.items[q];
            if (op_is_batched(m, o) || o->kind == OP_SKIP) {
                op_backward(m, ws, o, b0, b1);
            } else {
                op_backward(m, ws, o, 0, 1);
                double *oa = tadj(m, ws, o->out);
                if (oa && o->kind != OP_SCATTER && o->kind != OP_ASSIGN)
                    memset(oa, 0, m->t.items[o->out].elen * sizeof(double));
            }
            if (o->kind == OP_COMPREH)
                q = o->body0 - 1; /* now at the OP_SKIP placeholder, which does nothing */
        }
    }
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
            mop_transform_backward(m, ws, o, theta, grad);
        } else if (o->fuse && fuse_on(ws)) {
            size_t r0, r1; /* in its argument ops' place */
            gb_split_term_reps(m, ws, o, &r0, &r1);
            mop_fused_backward(m, ws, o, r0, r1);
        } else if (o->kind == OP_TERM || o->kind == OP_SKIP || o->marg ||
                   (o->fused_in && fuse_on(ws)) || (o->group_in && group_on(ws))) {
            /* a summed-out latent's terms ran their backward pass in gb_model_marg_logp, a
               fused or grouped term's argument ops were folded into its kernel */
            continue;
        } else if (o->seq) {
            size_t start = q;
            while (start > 0 && m->ops.items[start - 1].seq == o->seq)
                start--;
            size_t batch = m->t.items[m->ops.items[q].in[0]].batch;
            for (size_t b = batch; b-- > 0;)
                run_range(m, ws, start, q + 1, b, b + 1, 1);
            q = start;
        } else if (ws->share_ops && ws->share_ops[q] && op_is_batched(m, o)) {
            size_t b0, b1;
            gb_split_items(m, ws, ws->share_ops[q] - 1, &b0, &b1);
            op_backward(m, ws, o, b0, b1);
        } else if (ws->share_rows && ws->share_rows[q]) {
            size_t r0, r1;
            share_rows(m, ws, q, &r0, &r1);
            mop_rows_run(m, ws, o, r0, r1, 1);
        } else {
            op_backward(m, ws, o, 0, op_batch(m, o));
            if (o->kind == OP_COMPREH)
                q = o->body0; /* its body was run by the comprehension */
        }
    }
}

/* A row-wise argument's adjoint in a share (ws->share_trows): only the share's rows are
 * written and read, so only they are zeroed. */
static void zero_adjoints(const gb_model *m, gb_model_ws *ws)
{
    for (size_t t = 0; t < m->t.len; t++) {
        const tensor *X = &m->t.items[t];
        if (!X->has_adj || (X->fused_tmp && fuse_on(ws)) || (X->group_tmp && group_on(ws)))
            continue;
        size_t r0 = 0, r1 = X->batch * X->elen;
        if (ws->share_trows && ws->share_trows[t]) {
            const term_range *tr = &m->terms.items[ws->share_trows[t] - 1];
            gb_split_term_reps(m, ws, &m->ops.items[tr->b - 1], &r0, &r1);
        }
        if (r0 < r1)
            memset(ws->buf + X->adj + r0, 0, (r1 - r0) * sizeof(double));
    }
}

double gb_model_logp(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad)
{
    if (ws->split)
        return gb_split_logp(ws->split, ws, theta, grad);
    return gb_model_logp_local(m, ws, theta, grad);
}

double gb_model_logp_local(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad)
{
    /* the gradient is always computed: the adjoints tell each lpdf which arguments vary, so the
       value is the same (constants dropped, as in Stan's lp__) with or without grad */
    if (!grad)
        grad = ws->grad;
    ws->bad = 0;
    zero_adjoints(m, ws);
    memset(grad, 0, m->dim * sizeof *grad);
    double lp = gb_model_tape_forward(m, ws, 0, m->ops.len, theta, 1, 1);
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
    gb_model_tape_forward(m, ws, 0, m->nterm_start, theta, 0, 0);
    size_t col = 0;
    while (col < m->ncols) {
        size_t i = m->colnode[col];
        const double *v = tval(m, ws, m->ni[i].tensor);
        size_t len = gb_graph_node(m->g, i)->len;
        memcpy(out + col, v, len * sizeof *out);
        col += len;
    }
}

double gb_model_blanket_logp(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    double lp = 0;
    ws->bad = 0;
    for (size_t k = 0; k + 1 < L->blanket.len && lp > -INFINITY; k += 2)
        lp += gb_model_tape_forward(m, ws, L->blanket.items[k], L->blanket.items[k + 1], ws->theta, 0, 0);
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
    gb_model_tape_forward(m, ws, 0, m->nterm_start, ws->theta, 0, 0);
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
        lp = gb_model_tape_forward(m, ws, 0, m->ops.len, ws->theta, 0, 0);
    } else {
        lp = gb_model_blanket_logp(m, ws, L);
    }
    return ws->bad || isnan(lp) ? -INFINITY : lp;
}

size_t gb_model_ws_ops_run(const gb_model_ws *ws)
{
    return ws->ops_run;
}

