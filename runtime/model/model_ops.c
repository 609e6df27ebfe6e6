/* model_ops.c - the kernels of the compiled model: each op's forward value and its
 * vector-Jacobian product side by side, over a range of batch items [b0, b1).
 *
 * Broadcasting follows numpy's rules on item shapes; a tensor that is not batched is shared by
 * every mop_item (its adjoint then sums over items).  Fast paths cover the common layouts (same
 * shape, or a scalar); the general path maps output positions to input offsets by strides. */
#include <math.h>
#include <string.h>

#include "model_int.h"

/* Offset of output element j (item-local) in input x when x is broadcast to shape os. */
size_t mop_bmap(const tensor *x, const gb_shape *os, size_t j)
{
    if (x->elen == 1)
        return 0;
    size_t off = 0, xs = 1;
    const gb_shape *is = &x->eshape;
    for (int d = os->rank - 1, k = is->rank - 1; d >= 0; d--, k--) {
        size_t idx = j % os->dim[d];
        j /= os->dim[d];
        if (k >= 0) {
            if (is->dim[k] != 1)
                off += idx * xs;
            xs *= is->dim[k];
        }
    }
    return off;
}

/* Offsets of item b's data in tensor x. */
int mop_same_layout(const tensor *x, const tensor *out)
{
    return x->elen == out->elen;
}

/* How input x of an elementwise op is read for output element j: 0 one value, 1 element j,
 * 3 element j % x->elen (x's shape is the output's trailing dimensions: a row vector added to
 * every row of a matrix), 2 through mop_bmap (any other broadcast). */
int mop_bcast_mode(const tensor *x, const tensor *out)
{
    if (x->elen == 1)
        return 0;
    if (mop_same_layout(x, out))
        return 1;
    const gb_shape *xs = &x->eshape, *os = &out->eshape;
    if (xs->rank > os->rank)
        return 2;
    for (int d = 1; d <= xs->rank; d++)
        if (xs->dim[xs->rank - d] != os->dim[os->rank - d])
            return 2;
    return 3;
}


void mop_get_operands(const gb_model *m, gb_model_ws *ws, const mop *o, int with_adj,
                         mop_operands *p)
{
    const tensor *O = &m->t.items[o->out];
    for (int i = 0; i < o->nin; i++) {
        p->X[i] = &m->t.items[o->in[i]];
        p->val[i] = tval(m, ws, o->in[i]);
        p->adj[i] = with_adj ? tadj(m, ws, o->in[i]) : NULL;
        p->mode[i] = mop_bcast_mode(p->X[i], O);
    }
}

void op_forward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    /* TRANSFORM and TERM are run by the tape (model_tape.c), which owns theta and logp */
    if (!mop_arith_run(m, ws, o, b0, b1, 0))
        mop_index_run(m, ws, o, b0, b1, 0);
}

void op_backward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (!mop_arith_run(m, ws, o, b0, b1, 1))
        mop_index_run(m, ws, o, b0, b1, 1);
}
