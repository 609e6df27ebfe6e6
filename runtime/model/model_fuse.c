/* model_fuse.c - a normal likelihood whose location is a sum of gathered and linear-in-data
 * pieces, `y ~ normal(a[g] + b * x + ..., s)`, evaluated without its argument ops (issue 25:
 * radon with 10^4 groups and 10^6 rows).
 *
 * The tape evaluates such a term in seven passes over N-long temporaries: gather a[g], b * x,
 * the sum, the lpdf (which writes d/dmu), then backward the sum's, the product's and the
 * gather's adjoints (the last a scatter into a's), after zeroing three N-long adjoints.  Here
 * the rows go by in blocks of FUSE_BLOCK, the block's locations recomputed from the pieces into
 * a few hundred doubles on the stack: forward, z and the sum of z^2 (the log density and the
 * scale's adjoint); backward, d/dmu and each piece's share of it.  Two passes over the data and
 * no temporary of length N (recomputing the locations costs less than storing them).
 *
 * The pattern (gb_model_plan_fused): a term of `normal` with a data variate (no adjoint), one
 * scale for every row, no truncation, not summed out, over n >= 2 rows of one item; its location
 * is a left-nested chain of `+` (mu = ((p0 + p1) + p2) + ...) whose pieces are
 *   - a vector gathered by a fixed integer vector, v[idx] (every index checked in range here),
 *   - a scalar times a data vector, c * x or x * c,
 *   - a data vector, a vector of the rows' shape, or a scalar.
 * Every op of the term's argument range must be one of these (or folded away), nothing outside
 * reads their results, and the pieces' tensors are distinct.  Anything else keeps the tape.
 *
 * Bit for bit the tape's result, each sum added in the tape's order and at the tape's time: the
 * sum of z^2 and the scale's adjoint in the forward pass, over the rows in order, as the lpdf
 * does; the pieces' shares in the backward pass at the term's place, where the tape runs the
 * argument ops' backward (they are contiguous, so nothing comes between).  d/dmu is z / s, which
 * the chain of `+` hands unchanged to every piece (skipping zeros, as bwd_binop does); a
 * scalar's share is summed in a local from 0 over the rows and then added to its adjoint, as
 * bwd_binop does; a gathered or vector piece adds into its adjoint row by row, as the gather's
 * backward does.
 *
 * The kernels take a range of rows [lo, hi): all of them unsplit, a share's in a split
 * likelihood (split.h), whose log density and scale adjoint then count those rows only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "simd.h"

enum { FUSE_BLOCK = 256, FUSE_PIECES = 8 };

/* Two doubles at once (gb_v2d, simd.h): the two divisions a row needs are most of the backward
 * pass's time; divpd does two rows' for one divsd's.  out[i] = (y[i] - mu[i]) / s, divided by s again when twice: z, or d/dmu = z / s. */
static void block_z(const double *y, const double *mu, double s, size_t nb, int twice,
                    double *out)
{
    gb_v2d sv = {s, s};
    size_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        gb_v2d z = (gb_v2d_load(y + i) - gb_v2d_load(mu + i)) / sv;
        gb_v2d_store(out + i, twice ? z / sv : z);
    }
    for (; i < nb; i++)
        out[i] = twice ? (y[i] - mu[i]) / s / s : (y[i] - mu[i]) / s;
}
enum { PIECE_GATHER, PIECE_SCALED, PIECE_VEC, PIECE_SCALAR };

typedef struct fuse_piece {
    int kind;
    size_t t;  /* gathered vector, scalar, or vector piece */
    size_t x;  /* gather's index vector, or the scaled data vector; GB_NO_TENSOR otherwise */
} fuse_piece;

struct gb_fuse_plan {
    size_t y, s, n;
    double log_norm;          /* log sqrt(2 pi), from the distribution itself */
    size_t npiece;
    fuse_piece piece[FUSE_PIECES];
};

/* ---- recognising the pattern ---- */

typedef struct fctx {
    const gb_model *m;
    size_t a, q;    /* the term's range [a, q]: q is the term op */
    size_t n;
    gb_fuse_plan *p;
    unsigned char *used; /* per op of [a, q): taken by the pattern */
} fctx;

/* The op of [a, q) whose output is tensor t, or GB_NO_TENSOR. */
static size_t producer(const fctx *c, size_t t)
{
    for (size_t k = c->a; k < c->q; k++) {
        const mop *o = &c->m->ops.items[k];
        if (o->kind != OP_SKIP && o->out == t)
            return k;
    }
    return GB_NO_TENSOR;
}

static int is_rows(const fctx *c, size_t t)
{
    const tensor *X = &c->m->t.items[t];
    return !X->batched && X->eshape.rank == 1 && X->elen == c->n;
}

static int is_scalar(const fctx *c, size_t t)
{
    const tensor *X = &c->m->t.items[t];
    return !X->batched && X->elen == 1;
}

static int is_data_rows(const fctx *c, size_t t)
{
    return is_rows(c, t) && c->m->t.items[t].ext && !c->m->t.items[t].has_adj;
}

static int add_piece(fctx *c, int kind, size_t t, size_t x)
{
    if (c->p->npiece == FUSE_PIECES)
        return -1;
    c->p->piece[c->p->npiece++] = (fuse_piece){kind, t, x};
    return 0;
}

/* v[idx]: a vector gathered by a fixed integer vector whose every index is in range. */
static int gather_piece(fctx *c, const mop *o)
{
    const tensor *V = &c->m->t.items[o->in[0]], *I = &c->m->t.items[o->in[1]];
    if (o->nin != 2 || (o->sub & 3) != IX_VECTOR || V->batched || V->eshape.rank != 1 ||
        !is_rows(c, o->in[1]) || !I->ext || !is_rows(c, o->out))
        return -1;
    for (size_t i = 0; i < c->n; i++)
        if (!(I->ext[i] >= 1 && I->ext[i] <= (double)V->eshape.dim[0]))
            return -1;
    return add_piece(c, PIECE_GATHER, o->in[0], o->in[1]);
}

/* One operand of the chain of `+`: a tensor computed in [a, q) (a gather or c * x) or not. */
static int operand_piece(fctx *c, size_t t)
{
    size_t k = producer(c, t);
    if (k == GB_NO_TENSOR) {
        if (is_rows(c, t))
            return add_piece(c, PIECE_VEC, t, GB_NO_TENSOR);
        if (is_scalar(c, t))
            return add_piece(c, PIECE_SCALAR, t, GB_NO_TENSOR);
        return -1;
    }
    const mop *o = &c->m->ops.items[k];
    c->used[k - c->a] = 1;
    if (o->kind == OP_INDEX)
        return gather_piece(c, o);
    if (o->kind != OP_BINOP || o->sub != GB_OP_MUL || !is_rows(c, o->out))
        return -1;
    for (int i = 0; i < 2; i++) { /* c * x or x * c */
        size_t s = o->in[i], x = o->in[1 - i];
        if (is_scalar(c, s) && producer(c, s) == GB_NO_TENSOR && is_data_rows(c, x))
            return add_piece(c, PIECE_SCALED, s, x);
    }
    return -1;
}

/* mu = ((p0 + p1) + p2) + ...: walks down the left operands, then takes the pieces in order. */
static int location_chain(fctx *c, size_t mu)
{
    size_t chain[FUSE_PIECES], len = 0, t = mu;
    for (;;) {
        size_t k = producer(c, t);
        const mop *o = k == GB_NO_TENSOR ? NULL : &c->m->ops.items[k];
        if (!o || o->kind != OP_BINOP || o->sub != GB_OP_ADD)
            break;
        if (len == FUSE_PIECES || !is_rows(c, o->out))
            return -1;
        c->used[k - c->a] = 1;
        chain[len++] = k;
        t = o->in[0];
    }
    if (operand_piece(c, t) != 0) /* the innermost left operand */
        return -1;
    for (size_t j = len; j-- > 0;)
        if (operand_piece(c, c->m->ops.items[chain[j]].in[1]) != 0)
            return -1;
    return 0;
}

/* The term's own checks: normal, data variate, one scale, n >= 2 rows of one item. */
static int term_fits(const gb_model *m, const mop *o)
{
    if (o->kind != OP_TERM || strcmp(o->dist->name, "normal") != 0 || o->dist->prepare ||
        o->nin != 3 || o->marg || o->seq || o->trunc_lo != GB_NO_TENSOR ||
        o->trunc_hi != GB_NO_TENSOR || o->n < 2 ||
        o->stride[0] != 1 || o->stride[1] != 1 || o->stride[2] != 0 || o->use_scr[0] ||
        o->use_scr[1] || o->use_scr[2])
        return 0;
    const tensor *Y = &m->t.items[o->in[0]];
    return Y->ext && !Y->has_adj && !Y->batched && Y->elen == o->n &&
           !m->t.items[o->in[2]].batched && m->t.items[o->in[2]].elen == 1;
}

static int reads(const mop *o, size_t t)
{
    for (int i = 0; i < o->nin; i++)
        if (o->in[i] == t)
            return 1;
    return o->trunc_lo == t || o->trunc_hi == t;
}

/* Every op of [a, q) taken or folded; their results read by nothing outside [a, q]; the
 * pieces' tensors distinct (the tape adds their shares op by op, in its backward order). */
static int group_closed(const fctx *c)
{
    const gb_model *m = c->m;
    const gb_fuse_plan *p = c->p;
    for (size_t k = c->a; k < c->q; k++) {
        const mop *o = &m->ops.items[k];
        if (o->kind == OP_SKIP ? o->body1 != k + 1 : !c->used[k - c->a] || o->seq || o->marg)
            return 0;
    }
    for (size_t k = 0; k < m->ops.len; k++) {
        const mop *o = &m->ops.items[k];
        for (size_t j = c->a; j < c->q && (k < c->a || k > c->q); j++) {
            const mop *g = &m->ops.items[j];
            if (g->kind != OP_SKIP && reads(o, g->out))
                return 0;
        }
    }
    for (size_t i = 0; i < p->npiece; i++)
        for (size_t j = 0; j < i; j++)
            if (p->piece[j].t == p->piece[i].t)
                return 0;
    return 1;
}

/* log sqrt(2 pi) as the distribution adds it: minus its log density of 0 at mu = 0, s = 1. */
static double normal_log_norm(const mop *o)
{
    double zero = 0, one = 1;
    gb_arg a[3] = {{&zero, NULL, 0}, {&zero, NULL, 0}, {&one, NULL, 0}};
    return -o->dist->lpdf(1, a, NULL, 0);
}

static gb_status plan_term(gb_model *m, const term_range *tr)
{
    size_t q = tr->b - 1;
    mop *o = &m->ops.items[q];
    if (!term_fits(m, o) || tr->a >= q)
        return GB_OK;
    fctx c = {m, tr->a, q, o->n, calloc(1, sizeof(gb_fuse_plan)), calloc(q - tr->a, 1)};
    if (!c.p || !c.used) {
        free(c.p);
        free(c.used);
        return GB_ENOMEM;
    }
    c.p->y = o->in[0];
    c.p->s = o->in[2];
    c.p->n = o->n;
    if (location_chain(&c, o->in[1]) == 0 && group_closed(&c)) {
        c.p->log_norm = normal_log_norm(o);
        o->fuse = c.p;
        c.p = NULL;
        for (size_t k = tr->a; k < q; k++) {
            mop *g = &m->ops.items[k];
            if (g->kind != OP_SKIP) {
                g->fused_in = 1;
                m->t.items[g->out].fused_tmp = 1;
            }
        }
    }
    free(c.p);
    free(c.used);
    return GB_OK;
}

gb_status gb_model_plan_fused(gb_model *m)
{
    for (size_t k = 0; k < m->terms.len; k++) {
        gb_status st = plan_term(m, &m->terms.items[k]);
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

size_t gb_model_fused_terms(const gb_model *m)
{
    size_t n = 0;
    for (size_t q = 0; q < m->ops.len; q++)
        n += m->ops.items[q].fuse != NULL;
    return n;
}

/* ---- the kernels ---- */

/* mu over rows [i0, i0 + nb), the pieces added in the chain's order (the first one stored). */
static void block_mu(const gb_model *m, gb_model_ws *ws, const gb_fuse_plan *p, size_t i0,
                     size_t nb, double *mu)
{
    for (size_t k = 0; k < p->npiece; k++) {
        const fuse_piece *f = &p->piece[k];
        const double *t = tval(m, ws, f->t), *x = f->x == GB_NO_TENSOR ? NULL : tval(m, ws, f->x);
        switch (f->kind * 2 + (k > 0)) {
        case PIECE_GATHER * 2:
            for (size_t i = 0; i < nb; i++)
                mu[i] = t[(size_t)x[i0 + i] - 1];
            break;
        case PIECE_GATHER * 2 + 1:
            for (size_t i = 0; i < nb; i++)
                mu[i] = mu[i] + t[(size_t)x[i0 + i] - 1];
            break;
        case PIECE_SCALED * 2:
            for (size_t i = 0; i < nb; i++)
                mu[i] = t[0] * x[i0 + i];
            break;
        case PIECE_SCALED * 2 + 1:
            for (size_t i = 0; i < nb; i++)
                mu[i] = mu[i] + t[0] * x[i0 + i];
            break;
        case PIECE_VEC * 2:
            memcpy(mu, t + i0, nb * sizeof *mu);
            break;
        case PIECE_VEC * 2 + 1:
            for (size_t i = 0; i < nb; i++)
                mu[i] = mu[i] + t[i0 + i];
            break;
        case PIECE_SCALAR * 2:
            for (size_t i = 0; i < nb; i++)
                mu[i] = t[0];
            break;
        default:
            for (size_t i = 0; i < nb; i++)
                mu[i] = mu[i] + t[0];
        }
    }
}

/* Each piece's share of d/dmu over the block: into its adjoint, or its local sum acc[k] (kept
 * in a register over the block: through memory, each row's add waits on the last one's store). */
static void block_grad(const gb_model *m, gb_model_ws *ws, const gb_fuse_plan *p, size_t i0,
                       size_t nb, const double *d, double *acc)
{
    for (size_t k = 0; k < p->npiece; k++) {
        const fuse_piece *f = &p->piece[k];
        double *ta = tadj(m, ws, f->t), sum = acc[k];
        if (!ta)
            continue;
        const double *x = f->x == GB_NO_TENSOR ? NULL : tval(m, ws, f->x);
        switch (f->kind) {
        case PIECE_GATHER: /* the gather adds its (zero-skipped) adjoint, zeros included */
            for (size_t i = 0; i < nb; i++)
                ta[(size_t)x[i0 + i] - 1] += d[i] != 0 ? d[i] : 0.0;
            break;
        case PIECE_SCALED:
            for (size_t i = 0; i < nb; i++)
                if (d[i] != 0)
                    sum += d[i] * x[i0 + i];
            break;
        case PIECE_VEC:
            for (size_t i = 0; i < nb; i++)
                if (d[i] != 0)
                    ta[i0 + i] += d[i];
            break;
        default:
            for (size_t i = 0; i < nb; i++)
                if (d[i] != 0)
                    sum += d[i];
        }
        acc[k] = sum;
    }
}

double mop_fused_term(const gb_model *m, gb_model_ws *ws, const mop *o, size_t lo, size_t hi)
{
    const gb_fuse_plan *p = o->fuse;
    if (lo >= hi) /* a share without rows of this term adds nothing, as the tape's range does */
        return 0.0;
    const double *y = tval(m, ws, p->y);
    double s = tval(m, ws, p->s)[0], szz = 0;
    if (!(s > 0 && s < INFINITY))
        return -INFINITY;
    double mu[FUSE_BLOCK], z[FUSE_BLOCK];
    for (size_t i0 = lo; i0 < hi; i0 += FUSE_BLOCK) {
        size_t nb = hi - i0 < FUSE_BLOCK ? hi - i0 : FUSE_BLOCK;
        block_mu(m, ws, p, i0, nb, mu);
        block_z(y + i0, mu, s, nb, 0, z);
        for (size_t i = 0; i < nb; i++) {
            if (!isfinite(y[i0 + i]) || !isfinite(mu[i]))
                return -INFINITY;
            szz += z[i] * z[i];
        }
    }
    double *sa = tadj(m, ws, p->s);
    if (sa)
        sa[0] += (szz - (double)(hi - lo)) / s;
    return -0.5 * szz - (double)(hi - lo) * (log(s) + p->log_norm);
}

void mop_fused_backward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t lo, size_t hi)
{
    const gb_fuse_plan *p = o->fuse;
    if (lo >= hi)
        return;
    const double *y = tval(m, ws, p->y);
    double s = tval(m, ws, p->s)[0], acc[FUSE_PIECES] = {0};
    double mu[FUSE_BLOCK], d[FUSE_BLOCK];
    for (size_t i0 = lo; i0 < hi; i0 += FUSE_BLOCK) {
        size_t nb = hi - i0 < FUSE_BLOCK ? hi - i0 : FUSE_BLOCK;
        block_mu(m, ws, p, i0, nb, mu);
        block_z(y + i0, mu, s, nb, 1, d); /* z / s, z as the forward pass has it */
        block_grad(m, ws, p, i0, nb, d, acc);
    }
    for (size_t k = 0; k < p->npiece; k++) {
        double *ta = tadj(m, ws, p->piece[k].t);
        if (ta && (p->piece[k].kind == PIECE_SCALED || p->piece[k].kind == PIECE_SCALAR))
            ta[0] += acc[k];
    }
}
