/* model_rows.c - the ops feeding a vectorised likelihood run over a range of its rows, for a
 * share of a split likelihood (split.h): `y ~ normal(a[g] + b * x, s)` over N rows computes,
 * in share k, a[g], b * x and their sum at rows [r0, r1) only, and backward adds only those
 * rows' adjoints, instead of every share computing all N.  The same for a deterministic node
 * feeding only that term (mu = a[g] + b * x; y ~ normal(mu, s)).
 *
 * An op is row-wise over n rows when element j of its result reads element j of each input
 * of n elements and the one value of each scalar input, nothing else: an operator, `if` or
 * elementwise function of such inputs, a node's value copied from such a result, or a gather
 * v[idx] of a vector not computed by rows by an index of n elements.  The plan (below) proves
 * it from the op kinds and shapes, and runs a row-wise op by rows only when everything that
 * reads its result runs by rows too or is the term reading it in place; everything else runs
 * whole, as unsplit.
 *
 * A scalar input's adjoint is summed in a local over the rows and added once, as the whole
 * kernels do (model_ops_arith.c); the shares' gradients are then summed in share order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

static int is_rows(const tensor *X, size_t n)
{
    return !X->batched && X->elen == n;
}

static int is_one(const tensor *X)
{
    return !X->batched && X->elen == 1;
}

/* In every input, one value or n in the result's layout. */
static int inputs_rowwise(const gb_model *m, const mop *o, size_t n)
{
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        if (!is_one(X) && !is_rows(X, n))
            return 0;
    }
    return o->nin > 0;
}

/* Whether op o is row-wise over n rows; a gather's vector must not be a row_out[] result (an
 * earlier op computing it by rows). */
static int row_wise(const gb_model *m, const mop *o, size_t n, const unsigned char *row_out)
{
    if (o->seq || o->marg || n < 2)
        return 0;
    const tensor *O = &m->t.items[o->out];
    if (o->kind == OP_ASSIGN) /* a node's value, copied from its expression's result */
        return o->nin == 1 && is_rows(O, n) && is_rows(&m->t.items[o->in[0]], n);
    if (o->kind == OP_INDEX) { /* v[idx], v not computed by rows */
        if (o->nin != 2 || (o->sub & 3) != IX_VECTOR || !is_rows(O, n))
            return 0;
        const tensor *V = &m->t.items[o->in[0]], *I = &m->t.items[o->in[1]];
        return !V->batched && V->eshape.rank == 1 && is_rows(I, n) && !row_out[o->in[0]];
    }
    if (o->kind != OP_BINOP && o->kind != OP_UNOP && o->kind != OP_IF &&
        o->kind != OP_CALL_ELEM)
        return 0;
    return o->nin <= 8 && is_rows(O, n) && inputs_rowwise(m, o, n);
}

/* Row j's part v of an operand's adjoint: into its row when the operand is a row vector
 * (stride 1), else into a running sum that adj_done adds to its one element. */
static inline void adj_add(double *adj, size_t stride, size_t j, double v, double *sum)
{
    if (adj && stride)
        adj[j] += v;
    else
        *sum += v;
}

static inline void adj_done(double *adj, size_t stride, double sum)
{
    if (adj && !stride)
        adj[0] += sum;
}

/* a + x, a - x, a * x: the derivatives inline (a call per row cost half the share's time);
 * zero adjoints are skipped, as the whole kernels skip them (0 * inf must not make a NaN). */
static void bwd_linear(int op, const double *a, double *aa, size_t sa, const double *b,
                       double *ba, size_t sb, const double *ra, size_t r0, size_t r1)
{
    double suma = 0, sumb = 0, sign = op == GB_OP_SUB ? -1 : 1;
    for (size_t j = r0; j < r1; j++) {
        double g = ra[j];
        if (g == 0)
            continue;
        double da = op == GB_OP_MUL ? b[j * sb] : 1, db = op == GB_OP_MUL ? a[j * sa] : sign;
        adj_add(aa, sa, j, g * da, &suma);
        adj_add(ba, sb, j, g * db, &sumb);
    }
    adj_done(aa, sa, suma);
    adj_done(ba, sb, sumb);
}

static void bwd_binop(int op, const double *a, double *aa, size_t sa, const double *b,
                      double *ba, size_t sb, const double *r, const double *ra, size_t r0,
                      size_t r1)
{
    if (op == GB_OP_ADD || op == GB_OP_SUB || op == GB_OP_MUL) {
        bwd_linear(op, a, aa, sa, b, ba, sb, ra, r0, r1);
        return;
    }
    double suma = 0, sumb = 0;
    for (size_t j = r0; j < r1; j++) {
        double g = ra[j], da, db;
        if (g == 0)
            continue;
        mop_binop_d(op, a[j * sa], b[j * sb], r[j], &da, &db);
        adj_add(aa, sa, j, g * da, &suma);
        adj_add(ba, sb, j, g * db, &sumb);
    }
    adj_done(aa, sa, suma);
    adj_done(ba, sb, sumb);
}

static void run_unop(const mop *o, const double *a, double *aa, int sa, double *r,
                     const double *ra, size_t r0, size_t r1, int backward)
{
    if (!backward) {
        for (size_t j = r0; j < r1; j++) {
            double x = a[sa ? j : 0];
            r[j] = o->sub == GB_OP_NEG ? -x : o->sub == GB_OP_NOT ? (x == 0) : x;
        }
        return;
    }
    if (!aa || o->sub == GB_OP_NOT)
        return;
    double s = o->sub == GB_OP_NEG ? -1 : 1, sum = 0;
    for (size_t j = r0; j < r1; j++)
        adj_add(aa, (size_t)sa, j, s * ra[j], &sum);
    adj_done(aa, (size_t)sa, sum);
}

static void run_if(const mop_operands *p, double *r, const double *ra, size_t r0, size_t r1,
                   int backward)
{
    double sum[3] = {0, 0, 0};
    for (size_t j = r0; j < r1; j++) {
        int k = p->val[0][p->mode[0] ? j : 0] != 0 ? 1 : 2;
        if (!backward)
            r[j] = p->val[k][p->mode[k] ? j : 0];
        else if (p->adj[k] && p->mode[k])
            p->adj[k][j] += ra[j];
        else
            sum[k] += ra[j];
    }
    for (int k = 1; backward && k < 3; k++)
        if (p->adj[k] && !p->mode[k])
            p->adj[k][0] += sum[k];
}

static void run_call(gb_model_ws *ws, const mop *o, const mop_operands *p, double *r,
                     const double *ra, size_t r0, size_t r1, int backward)
{
    double x[8], d[8], sum[8] = {0};
    if (backward && !o->func->df)
        return;
    for (size_t j = r0; j < r1; j++) {
        if (backward && ra[j] == 0)
            continue;
        for (int i = 0; i < o->nin; i++)
            x[i] = p->val[i][p->mode[i] ? j : 0];
        if (!backward) {
            r[j] = o->func->f(x);
            if (isnan(r[j]))
                ws->bad = 1;
            continue;
        }
        o->func->df(x, r[j], d);
        for (int i = 0; i < o->nin; i++) {
            if (p->adj[i] && p->mode[i])
                p->adj[i][j] += ra[j] * d[i];
            else
                sum[i] += ra[j] * d[i];
        }
    }
    for (int i = 0; backward && i < o->nin; i++)
        if (p->adj[i] && !p->mode[i])
            p->adj[i][0] += sum[i];
}

/* v[idx] at rows [r0, r1): an index out of range makes the evaluation bad, as the whole
 * gather does; backward adds each row's adjoint to the element it read. */
static void run_gather(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0, size_t r1,
                       int backward)
{
    const double *v = tval(m, ws, o->in[0]), *iv = tval(m, ws, o->in[1]);
    double dim = (double)m->t.items[o->in[0]].eshape.dim[0];
    double *r = tval(m, ws, o->out), *va = backward ? tadj(m, ws, o->in[0]) : NULL;
    const double *ra = backward ? tadj(m, ws, o->out) : NULL;
    if (backward && !va)
        return;
    for (size_t j = r0; j < r1; j++) {
        double x = iv[j];
        if (!(x >= 1 && x <= dim)) {
            if (!backward) {
                ws->bad = 1;
                r[j] = 0;
            }
            continue;
        }
        if (backward)
            va[(size_t)x - 1] += ra[j];
        else
            r[j] = v[(size_t)x - 1];
    }
}

void mop_rows_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0, size_t r1,
                  int backward)
{
    if (r0 >= r1)
        return;
    if (o->kind == OP_INDEX) {
        run_gather(m, ws, o, r0, r1, backward);
        return;
    }
    if (o->kind == OP_ASSIGN) {
        const double *x = tval(m, ws, o->in[0]);
        double *r = tval(m, ws, o->out), *xa = tadj(m, ws, o->in[0]);
        const double *ra = tadj(m, ws, o->out);
        for (size_t j = r0; j < r1; j++) {
            if (!backward)
                r[j] = x[j];
            else if (xa && ra)
                xa[j] += ra[j];
        }
        return;
    }
    double *r = tval(m, ws, o->out), *ra = backward ? tadj(m, ws, o->out) : NULL;
    if (backward && !ra)
        return;
    mop_operands p;
    mop_get_operands(m, ws, o, backward, &p);
    switch (o->kind) {
    case OP_BINOP: {
        size_t sa = (size_t)p.mode[0], sb = (size_t)p.mode[1]; /* 0 scalar, 1 by rows */
        if (!backward)
            mop_binop_range(o->sub, p.val[0], sa, p.val[1], sb, r, r0, r1);
        else if (p.adj[0] || p.adj[1])
            bwd_binop(o->sub, p.val[0], p.adj[0], sa, p.val[1], p.adj[1], sb, r, ra, r0, r1);
        break;
    }
    case OP_UNOP:
        run_unop(o, p.val[0], p.adj[0], p.mode[0], r, ra, r0, r1, backward);
        break;
    case OP_IF:
        run_if(&p, r, ra, r0, r1, backward);
        break;
    default:
        run_call(ws, o, &p, r, ra, r0, r1, backward);
    }
}

/* ---- which ops run by rows ---- */

typedef struct plan {
    const gb_model *m;
    unsigned char *cand;    /* per op: runs over the share's rows of the term in hand */
    unsigned char *row_out; /* per tensor: a candidate's result */
    unsigned char *whole;   /* per tensor: read or written by something that is not a candidate */
    unsigned char *read;    /* per tensor: read by a candidate or, in place, by the term */
} plan;

static void consider(plan *p, size_t q, size_t n, const size_t *rows)
{
    const mop *o = &p->m->ops.items[q];
    if (!rows[q] && row_wise(p->m, o, n, p->row_out))
        p->cand[q] = p->row_out[o->out] = 1;
}

/* One pass over every op (and the latents' bounds): which tensors something running whole
 * reads, which a candidate or the term reads.  Term t reads a row-wise result in place when at
 * stride 1 and not copied, repetition r reading element r. */
static void mark_readers(plan *p, size_t tq)
{
    const gb_model *m = p->m;
    memset(p->whole, 0, m->t.len);
    memset(p->read, 0, m->t.len);
    for (size_t r = 0; r < m->ops.len; r++) {
        const mop *o = &m->ops.items[r];
        if (o->kind == OP_SKIP)
            continue; /* reads nothing (a comprehension's placeholder, or folded) */
        for (int i = 0; i < o->nin; i++) {
            int in_place = r == tq && o->stride[i] == 1 && !o->use_scr[i];
            if (p->cand[r] || in_place)
                p->read[o->in[i]] = 1;
            else
                p->whole[o->in[i]] = 1;
        }
        if (o->kind == OP_TERM && o->trunc_lo != GB_NO_TENSOR)
            p->whole[o->trunc_lo] = 1;
        if (o->kind == OP_TERM && o->trunc_hi != GB_NO_TENSOR)
            p->whole[o->trunc_hi] = 1;
        if (!p->cand[r] && o->out != GB_NO_TENSOR && o->out < m->t.len)
            p->whole[o->out] = 1;
    }
    for (size_t k = 0; k < m->lat.len; k++) {
        const latent *L = &m->lat.items[k];
        if (L->lo_t != GB_NO_TENSOR)
            p->whole[L->lo_t] = 1;
        if (L->hi_t != GB_NO_TENSOR)
            p->whole[L->hi_t] = 1;
    }
}

/* Vectorised term range k: the row-wise ops of the deterministic nodes and of its own
 * arguments whose every reader runs by rows too, ending at the term (which reads them in
 * place).  Candidates first, in order; then, until nothing changes, a candidate read by
 * something running whole (or by nothing) runs whole itself, which may do the same to the
 * candidates it reads.  Ops already taken by an earlier term stay out. */
static void plan_term(plan *p, size_t k, size_t *rows, size_t *trows)
{
    const gb_model *m = p->m;
    const term_range *tr = &m->terms.items[k];
    const mop *t = &m->ops.items[tr->b - 1];
    size_t n = t->n;
    if (!gb_split_term_is_split(m, t) || t->batch > 1 || mop_term_obs_count(t) != n || n < 2)
        return;
    memset(p->cand, 0, m->ops.len);
    memset(p->row_out, 0, m->t.len);
    for (size_t q = 0; q < m->nterm_start || (q >= tr->a && q + 1 < tr->b);) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP) { /* folded, or a comprehension's body: run by its op */
            q = o->body1;
        } else {
            consider(p, q, n, rows);
            q++;
        }
        if (q == m->nterm_start && q < tr->a)
            q = tr->a; /* the other terms' ops are not candidates */
    }
    for (int changed = 1; changed;) {
        changed = 0;
        mark_readers(p, tr->b - 1);
        for (size_t q = 0; q < m->ops.len; q++) {
            size_t x = m->ops.items[q].out;
            if (p->cand[q] && (p->whole[x] || !p->read[x]))
                p->cand[q] = 0, changed = 1;
        }
    }
    for (size_t q = 0; q < m->ops.len; q++)
        if (p->cand[q])
            rows[q] = trows[m->ops.items[q].out] = k + 1;
}

gb_status mop_rows_plan(const gb_model *m, size_t *rows, size_t *trows)
{
    size_t no = m->ops.len ? m->ops.len : 1, nt = m->t.len ? m->t.len : 1;
    plan p = {m, calloc(no, 1), calloc(nt, 1), calloc(nt, 1), calloc(nt, 1)};
    gb_status st = p.cand && p.row_out && p.whole && p.read ? GB_OK : GB_ENOMEM;
    for (size_t k = 0; st == GB_OK && k < m->terms.len; k++)
        plan_term(&p, k, rows, trows);
    free(p.cand);
    free(p.row_out);
    free(p.whole);
    free(p.read);
    return st;
}
