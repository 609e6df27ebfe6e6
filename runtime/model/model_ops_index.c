/* model_ops_index.c - op kernels of structure: indexing (scalar, range, integer-array gather,
 * all), arrays, ranges, comprehensions (their body ops run once per value of the loop variable),
 * and writing definitions into node values (assign, scatter of element definitions, gather of
 * the elements a left side names); each op's value and its vector-Jacobian product side by
 * side, over batch items [b0, b1) (see model_ops.c). */
#include <math.h>
#include <string.h>

#include "model_int.h"

/* ---- indexing ---- */

static int ix_kind(const mop *o, int pos)
{
    return (o->sub >> (2 * pos)) & 3;
}

/* Walks the elements of item b of an INDEX op, calling visit(base offset, out offset).  Returns
 * -1 when an index is out of range. */
typedef struct ixwalk {
    const gb_model *m;
    gb_model_ws *ws;
    const mop *o;
    size_t b;
    size_t stride[GB_MAX_RANK];
    size_t block;
} ixwalk;

static int ix_value(const ixwalk *w, int pos, size_t k, size_t dim, size_t *out)
{
    const mop *o = w->o;
    size_t t = o->in[pos + 1];
    const tensor *X = &w->m->t.items[t];
    const double *v = tval(w->m, w->ws, t) + mop_item(X, w->b);
    double x;
    switch (ix_kind(o, pos)) {
    case IX_SCALAR:
        x = v[0];
        break;
    case IX_VECTOR:
        x = v[k];
        break;
    case IX_RANGE:
        x = v[0] + (double)k;
        break;
    default:
        *out = k;
        return 0;
    }
    if (!(x >= 1 && x <= (double)dim))
        return -1;
    *out = (size_t)x - 1;
    return 0;
}

static size_t ix_len(const ixwalk *w, int pos, size_t dim)
{
    const mop *o = w->o;
    switch (ix_kind(o, pos)) {
    case IX_SCALAR:
        return 1;
    case IX_VECTOR:
        return w->m->t.items[o->in[pos + 1]].elen;
    case IX_RANGE: {
        const tensor *X = &w->m->t.items[o->in[pos + 1]];
        const double *v = tval(w->m, w->ws, o->in[pos + 1]) + mop_item(X, w->b);
        return v[1] >= v[0] ? (size_t)(v[1] - v[0]) + 1 : 0;
    }
    default:
        return dim;
    }
}

static int ix_walk(ixwalk *w, int pos, size_t base_off, size_t *out_off, int gather, double *ov,
                   const double *iv, int backward, double *iadj, const double *oadj)
{
    const mop *o = w->o;
    const tensor *base = &w->m->t.items[o->in[0]];
    int nidx = o->nin - 1;
    if (pos == nidx) {
        for (size_t q = 0; q < w->block; q++) {
            if (!backward)
                ov[*out_off + q] = iv[base_off + q];
            else if (iadj)
                iadj[base_off + q] += oadj[*out_off + q];
        }
        *out_off += w->block;
        return 0;
    }
    (void)gather;
    size_t dim = base->eshape.dim[pos], n = ix_len(w, pos, dim);
    for (size_t k = 0; k < n; k++) {
        size_t idx;
        if (ix_value(w, pos, k, dim, &idx) != 0)
            return -1;
        if (ix_walk(w, pos + 1, base_off + idx * w->stride[pos], out_off, gather, ov, iv,
                    backward, iadj, oadj) != 0)
            return -1;
    }
    return 0;
}

static void index_item(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b, int backward)
{
    const tensor *base = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    ixwalk w = {m, ws, o, b, {0}, 1};
    for (int d = base->eshape.rank - 1; d >= 0; d--) {
        w.stride[d] = w.block;
        w.block *= base->eshape.dim[d];
    }
    w.block = 1;
    for (int d = o->nin - 1; d < base->eshape.rank; d++)
        w.block *= base->eshape.dim[d];
    size_t out_off = b * O->elen;
    double *iadj = backward ? tadj(m, ws, o->in[0]) : NULL;
    if (backward && !iadj)
        return;
    if (ix_walk(&w, 0, mop_item(base, b), &out_off, 1, tval(m, ws, o->out), tval(m, ws, o->in[0]),
                backward, iadj ? iadj : NULL, backward ? tadj(m, ws, o->out) : NULL) != 0)
        ws->bad = 1;
}

/* gather_vector's backward pass: ba[at] += ra[...] for each gathered element, in order (an
 * index out of range adds nothing).  A run of elements that gather one base element (every
 * label at one value, when a mixture's labels are summed out) sums in a register: the same
 * additions, without a store and reload between each. */
static void gather_vector_adj(double *ba, const double *ra, const double *iv, const tensor *I,
                              const tensor *base, const tensor *O, size_t n, double dim,
                              size_t b0, size_t b1)
{
    size_t cur = 0;
    double acc = 0;
    int open = 0;
    for (size_t b = b0; b < b1; b++) {
        const double *ib = iv + mop_item(I, b);
        size_t boff = mop_item(base, b), ooff = b * O->elen;
        for (size_t k = 0; k < n; k++) {
            double x = ib[k];
            if (!(x >= 1 && x <= dim))
                continue;
            size_t at = boff + (size_t)x - 1;
            if (!open || at != cur) {
                if (open)
                    ba[cur] = acc;
                cur = at;
                acc = ba[at];
                open = 1;
            }
            acc += ra[ooff + k];
        }
    }
    if (open)
        ba[cur] = acc;
}

/* The common gathers, a[g[i]] in a loop and a[g] with g an integer array, on a vector: one
 * pass, reading (forward) or adding into (backward) base element g - 1.  0 when the op is of
 * another kind. */
static int gather_vector(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                         int backward)
{
    const tensor *base = &m->t.items[o->in[0]], *I = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    int kind = o->nin == 2 ? ix_kind(o, 0) : -1;
    if (base->eshape.rank != 1 || (kind != IX_SCALAR && kind != IX_VECTOR))
        return 0;
    size_t n = kind == IX_SCALAR ? 1 : I->elen;
    const double *iv = tval(m, ws, o->in[1]), *bv = tval(m, ws, o->in[0]);
    double *r = tval(m, ws, o->out);
    double *ba = backward ? tadj(m, ws, o->in[0]) : NULL;
    const double *ra = backward ? tadj(m, ws, o->out) : NULL;
    if (backward && !ba)
        return 1;
    double dim = (double)base->eshape.dim[0];
    if (backward) {
        gather_vector_adj(ba, ra, iv, I, base, O, n, dim, b0, b1);
        return 1;
    }
    for (size_t b = b0; b < b1; b++) {
        const double *ib = iv + mop_item(I, b);
        size_t boff = mop_item(base, b), ooff = b * O->elen;
        for (size_t k = 0; k < n; k++) {
            double x = ib[k];
            if (!(x >= 1 && x <= dim)) {
                ws->bad = 1;
                r[ooff + k] = 0;
                continue;
            }
            r[ooff + k] = bv[boff + (size_t)x - 1];
        }
    }
    return 1;
}

/* Rows of a matrix or array, theta[z[t - 1]] in a hidden Markov chain: one index (scalar or
 * integer array) into the first dimension, each picking a contiguous block.  The same copies
 * and adjoint sums, in the same order, as index_item's walk, without its recursion per element;
 * an index out of range stops the item there and marks the evaluation bad, as the walk does.
 * 0 when the op is of another kind. */
static int gather_rows(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                       int backward)
{
    const tensor *base = &m->t.items[o->in[0]], *I = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    int kind = o->nin == 2 ? ix_kind(o, 0) : -1;
    if (base->eshape.rank < 2 || (kind != IX_SCALAR && kind != IX_VECTOR))
        return 0;
    size_t blk = 1, n = kind == IX_SCALAR ? 1 : I->elen;
    for (int d = 1; d < base->eshape.rank; d++)
        blk *= base->eshape.dim[d];
    const double *iv = tval(m, ws, o->in[1]), *bv = tval(m, ws, o->in[0]);
    double *r = tval(m, ws, o->out);
    double *ba = backward ? tadj(m, ws, o->in[0]) : NULL;
    const double *ra = backward ? tadj(m, ws, o->out) : NULL;
    if (backward && !ba)
        return 1;
    double dim = (double)base->eshape.dim[0];
    for (size_t b = b0; b < b1; b++) {
        const double *ib = iv + mop_item(I, b);
        size_t boff = mop_item(base, b), ooff = b * O->elen;
        for (size_t k = 0; k < n; k++, ooff += blk) {
            double x = ib[k];
            if (!(x >= 1 && x <= dim)) {
                ws->bad = 1;
                break;
            }
            size_t at = boff + ((size_t)x - 1) * blk;
            for (size_t q = 0; q < blk; q++) {
                if (backward)
                    ba[at + q] += ra[ooff + q];
                else
                    r[ooff + q] = bv[at + q];
            }
        }
    }
    return 1;
}

static void fwd_index(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (gather_vector(m, ws, o, b0, b1, 0) || gather_rows(m, ws, o, b0, b1, 0))
        return;
    for (size_t b = b0; b < b1; b++)
        index_item(m, ws, o, b, 0);
}

static void bwd_index(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (gather_vector(m, ws, o, b0, b1, 1) || gather_rows(m, ws, o, b0, b1, 1))
        return;
    for (size_t b = b0; b < b1; b++)
        index_item(m, ws, o, b, 1);
}

/* ---- structure ---- */

static void fwd_array(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    size_t inner = O->elen / (size_t)o->nin;
    gb_shape is = O->eshape;
    is.rank--;
    memmove(is.dim, is.dim + 1, (size_t)is.rank * sizeof is.dim[0]);
    for (size_t b = b0; b < b1; b++)
        for (int i = 0; i < o->nin; i++) {
            const tensor *X = &m->t.items[o->in[i]];
            const double *x = tval(m, ws, o->in[i]) + mop_item(X, b);
            double *r = tval(m, ws, o->out) + b * O->elen + (size_t)i * inner;
            for (size_t j = 0; j < inner; j++)
                r[j] = x[mop_bmap(X, &is, j)];
        }
}

static void bwd_array(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    size_t inner = O->elen / (size_t)o->nin;
    gb_shape is = O->eshape;
    is.rank--;
    memmove(is.dim, is.dim + 1, (size_t)is.rank * sizeof is.dim[0]);
    for (size_t b = b0; b < b1; b++)
        for (int i = 0; i < o->nin; i++) {
            double *xa = tadj(m, ws, o->in[i]);
            if (!xa)
                continue;
            const tensor *X = &m->t.items[o->in[i]];
            const double *g = tadj(m, ws, o->out) + b * O->elen + (size_t)i * inner;
            for (size_t j = 0; j < inner; j++)
                xa[mop_item(X, b) + mop_bmap(X, &is, j)] += g[j];
        }
}

static void fwd_range(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    for (size_t b = b0; b < b1; b++) {
        double lo = tval(m, ws, o->in[0])[mop_item(&m->t.items[o->in[0]], b)];
        double *r = tval(m, ws, o->out) + b * O->elen;
        for (size_t j = 0; j < O->elen; j++)
            r[j] = lo + (double)j;
    }
}

/* A comprehension: the body ops run once per value of its loop variable. */
static void comprehension(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                          int backward)
{
    const tensor *O = &m->t.items[o->out], *body = &m->t.items[o->in[0]];
    double lo = tval(m, ws, o->in[1])[0];
    size_t n = O->eshape.dim[0];
    double *slot = ws->buf + o->slot;
    for (size_t kk = 0; kk < n; kk++) {
        size_t k = backward ? n - 1 - kk : kk;
        *slot = lo + (double)k;
        run_range(m, ws, o->body0, o->body1, b0, b1, 0);
        double *bv = tval(m, ws, o->in[0]);
        for (size_t b = b0; b < b1; b++) {
            double *r = tval(m, ws, o->out) + b * O->elen + k * body->elen;
            if (!backward) {
                memcpy(r, bv + mop_item(body, b), body->elen * sizeof(double));
            }
        }
        if (backward) {
            /* zero the body's adjoints, seed its output, run it backwards */
            for (size_t q = o->body0; q < o->body1; q++) {
                double *a = tadj(m, ws, m->ops.items[q].out);
                const tensor *T = &m->t.items[m->ops.items[q].out];
                if (a)
                    memset(a, 0, T->batch * T->elen * sizeof(double));
            }
            double *ba = tadj(m, ws, o->in[0]);
            if (ba)
                for (size_t b = b0; b < b1; b++)
                    for (size_t j = 0; j < body->elen; j++)
                        ba[mop_item(body, b) + j] +=
                            tadj(m, ws, o->out)[b * O->elen + k * body->elen + j];
            run_range(m, ws, o->body0, o->body1, b0, b1, 1);
        }
    }
}

/* ---- node values ---- */

static void fwd_assign(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    (void)b0;
    (void)b1;
    const tensor *X = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    const double *x = tval(m, ws, o->in[0]);
    double *r = tval(m, ws, o->out);
    for (size_t j = 0; j < O->elen; j++)
        r[j] = x[mop_bmap(X, &O->eshape, j)];
}

static void bwd_assign(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    (void)b0;
    (void)b1;
    const tensor *X = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    double *xa = tadj(m, ws, o->in[0]);
    const double *g = tadj(m, ws, o->out);
    if (xa && g)
        for (size_t j = 0; j < O->elen; j++)
            xa[mop_bmap(X, &O->eshape, j)] += g[j];
}

/* SCATTER and GATHER share the index walk of the def's left side: in[1..] are the indices. */
size_t mop_lhs_offset(const gb_model *m, gb_model_ws *ws, const mop *o, const tensor *node,
                      size_t b, int *bad)
{
    size_t off = 0, stride = 1, rank = (size_t)(o->nin - 1);
    size_t block = 1;
    for (int d = node->eshape.rank - 1; d >= (int)rank; d--)
        block *= node->eshape.dim[d];
    for (size_t p = rank; p-- > 0;) {
        const tensor *X = &m->t.items[o->in[p + 1]];
        double x = tval(m, ws, o->in[p + 1])[mop_item(X, b)];
        size_t dim = node->eshape.dim[p];
        if (!(x >= 1 && x <= (double)dim)) {
            *bad = 1;
            return 0;
        }
        off += ((size_t)x - 1) * stride;
        stride *= dim;
    }
    return off * block;
}

static void scatter_gather(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0,
                           size_t b1, int backward)
{
    int scatter = o->kind == OP_SCATTER;
    const tensor *node = &m->t.items[scatter ? o->out : o->in[0]];
    const tensor *itm = &m->t.items[scatter ? o->in[0] : o->out];
    double *nv = tval(m, ws, scatter ? o->out : o->in[0]);
    double *iv = tval(m, ws, scatter ? o->in[0] : o->out);
    double *na = tadj(m, ws, scatter ? o->out : o->in[0]);
    double *ia = tadj(m, ws, scatter ? o->in[0] : o->out);
    for (size_t b = b0; b < b1; b++) {
        int bad = 0;
        size_t off = mop_lhs_offset(m, ws, o, node, b, &bad);
        if (bad) {
            ws->bad = 1;
            continue;
        }
        size_t n = itm->elen;
        for (size_t j = 0; j < n; j++) {
            size_t ij = mop_item(itm, b) + j;
            if (!backward) {
                if (scatter)
                    nv[off + j] = iv[ij];
                else
                    iv[ij] = nv[off + j];
            } else if (scatter && ia && na) {
                ia[ij] += na[off + j];
            } else if (!scatter && na && ia) {
                na[off + j] += ia[ij];
            }
        }
    }
}

int mop_index_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                  int backward)
{
    switch (o->kind) {
    case OP_INDEX:
        (backward ? bwd_index : fwd_index)(m, ws, o, b0, b1);
        return 1;
    case OP_ARRAY:
        (backward ? bwd_array : fwd_array)(m, ws, o, b0, b1);
        return 1;
    case OP_RANGE: /* integer-valued: no adjoint */
        if (!backward)
            fwd_range(m, ws, o, b0, b1);
        return 1;
    case OP_COMPREH:
        comprehension(m, ws, o, b0, b1, backward);
        return 1;
    case OP_ASSIGN:
        (backward ? bwd_assign : fwd_assign)(m, ws, o, b0, b1);
        return 1;
    case OP_SCATTER:
    case OP_GATHER:
        scatter_gather(m, ws, o, b0, b1, backward);
        return 1;
    default:
        return 0;
    }
}
