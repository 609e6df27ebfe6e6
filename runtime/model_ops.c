/* model_ops.c - the kernels of the compiled model: each op's forward value and its
 * vector-Jacobian product side by side, over a range of batch items [b0, b1).
 *
 * Broadcasting follows numpy's rules on item shapes; a tensor that is not batched is shared by
 * every item (its adjoint then sums over items).  Fast paths cover the common layouts (same
 * shape, or a scalar); the general path maps output positions to input offsets by strides. */
#include <math.h>
#include <string.h>

#include "model_int.h"

double *tval(const gb_model *m, gb_model_ws *ws, size_t t)
{
    const tensor *x = &m->t.items[t];
    return x->ext ? (double *)x->ext : ws->buf + x->val;
}

double *tadj(const gb_model *m, gb_model_ws *ws, size_t t)
{
    const tensor *x = &m->t.items[t];
    return x->has_adj ? ws->buf + x->adj : NULL;
}

/* Offset of output element j (item-local) in input x when x is broadcast to shape os. */
static size_t bmap(const tensor *x, const gb_shape *os, size_t j)
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
static size_t item(const tensor *x, size_t b)
{
    return x->batched ? b * x->elen : 0;
}

static int same_layout(const tensor *x, const tensor *out)
{
    return x->elen == out->elen;
}

/* How input x of an elementwise op is read for output element j: 0 one value, 1 element j,
 * 3 element j % x->elen (x's shape is the output's trailing dimensions: a row vector added to
 * every row of a matrix), 2 through bmap (any other broadcast). */
static int bcast_mode(const tensor *x, const tensor *out)
{
    if (x->elen == 1)
        return 0;
    if (same_layout(x, out))
        return 1;
    const gb_shape *xs = &x->eshape, *os = &out->eshape;
    if (xs->rank > os->rank)
        return 2;
    for (int d = 1; d <= xs->rank; d++)
        if (xs->dim[xs->rank - d] != os->dim[os->rank - d])
            return 2;
    return 3;
}

static size_t bidx(const tensor *x, int mode, const gb_shape *os, size_t j)
{
    return mode == 0 ? 0 : mode == 1 ? j : mode == 3 ? j % x->elen : bmap(x, os, j);
}

/* An elementwise op's inputs, read once per call: tensor, values, adjoint (NULL when none or
 * not wanted: adj NULL) and broadcast mode of each. */
typedef struct operands {
    const tensor *X[8];
    const double *val[8];
    double *adj[8];
    int mode[8];
} operands;

static void get_operands(const gb_model *m, gb_model_ws *ws, const mop *o, int with_adj,
                         operands *p)
{
    const tensor *O = &m->t.items[o->out];
    for (int i = 0; i < o->nin; i++) {
        p->X[i] = &m->t.items[o->in[i]];
        p->val[i] = tval(m, ws, o->in[i]);
        p->adj[i] = with_adj ? tadj(m, ws, o->in[i]) : NULL;
        p->mode[i] = bcast_mode(p->X[i], O);
    }
}

/* Offset of input i's element for output element j of item b. */
static size_t operand_at(const operands *p, int i, const tensor *O, size_t b, size_t j)
{
    return item(p->X[i], b) + bidx(p->X[i], p->mode[i], &O->eshape, j);
}

/* ---- binary and unary operators ---- */

static double binop_val(int op, double a, double b)
{
    switch (op) {
    case GB_OP_ADD:
        return a + b;
    case GB_OP_SUB:
        return a - b;
    case GB_OP_MUL:
        return a * b;
    case GB_OP_DIV:
        return a / b;
    case GB_OP_MOD:
        return fmod(a, b);
    case GB_OP_POW:
        return pow(a, b);
    case GB_OP_EQ:
        return a == b;
    case GB_OP_NE:
        return a != b;
    case GB_OP_LT:
        return a < b;
    case GB_OP_LE:
        return a <= b;
    case GB_OP_GT:
        return a > b;
    case GB_OP_GE:
        return a >= b;
    case GB_OP_AND:
        return a != 0 && b != 0;
    case GB_OP_OR:
        return a != 0 || b != 0;
    }
    return NAN;
}

/* d(a op b)/da and /db given the value r. */
static void binop_d(int op, double a, double b, double r, double *da, double *db)
{
    switch (op) {
    case GB_OP_ADD:
        *da = 1;
        *db = 1;
        return;
    case GB_OP_SUB:
        *da = 1;
        *db = -1;
        return;
    case GB_OP_MUL:
        *da = b;
        *db = a;
        return;
    case GB_OP_DIV:
        *da = 1 / b;
        *db = -r / b;
        return;
    case GB_OP_POW:
        *da = b == 0 ? 0 : b * pow(a, b - 1);
        *db = a > 0 ? r * log(a) : 0;
        return;
    case GB_OP_MOD:
        *da = 1;
        *db = 0;
        return;
    default:
        *da = *db = 0;
    }
}

static void fwd_binop(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *B = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    const double *a = tval(m, ws, o->in[0]), *bv = tval(m, ws, o->in[1]);
    double *r = tval(m, ws, o->out);
    int sa = bcast_mode(A, O), sb = bcast_mode(B, O);
    for (size_t b = b0; b < b1; b++) {
        const double *pa = a + item(A, b), *pb = bv + item(B, b);
        double *pr = r + b * O->elen;
        if (sa == 1 && sb == 1 && o->sub == GB_OP_ADD) {
            for (size_t j = 0; j < O->elen; j++)
                pr[j] = pa[j] + pb[j];
        } else if (sa == 1 && sb == 0 && o->sub == GB_OP_MUL) {
            for (size_t j = 0; j < O->elen; j++)
                pr[j] = pa[j] * pb[0];
        } else if (sa == 1 && sb == 3 && o->sub == GB_OP_ADD) { /* X @ W + b */
            for (size_t j0 = 0; j0 < O->elen; j0 += B->elen)
                for (size_t c = 0; c < B->elen; c++)
                    pr[j0 + c] = pa[j0 + c] + pb[c];
        } else {
            for (size_t j = 0; j < O->elen; j++)
                pr[j] = binop_val(o->sub, pa[bidx(A, sa, &O->eshape, j)],
                                  pb[bidx(B, sb, &O->eshape, j)]);
        }
    }
}

static void bwd_binop(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *B = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    double *aa = tadj(m, ws, o->in[0]), *ba = tadj(m, ws, o->in[1]);
    if (!aa && !ba)
        return;
    const double *a = tval(m, ws, o->in[0]), *bv = tval(m, ws, o->in[1]);
    const double *r = tval(m, ws, o->out), *ra = tadj(m, ws, o->out);
    int sa = bcast_mode(A, O), sb = bcast_mode(B, O);
    for (size_t b = b0; b < b1; b++) {
        size_t ia = item(A, b), ib = item(B, b);
        if (sa == 1 && sb == 3 && o->sub == GB_OP_ADD) { /* X @ W + b */
            const double *g = ra + b * O->elen;
            for (size_t j0 = 0; j0 < O->elen; j0 += B->elen)
                for (size_t c = 0; c < B->elen; c++)
                    if (g[j0 + c] != 0) {
                        if (aa)
                            aa[ia + j0 + c] += g[j0 + c];
                        if (ba)
                            ba[ib + c] += g[j0 + c];
                    }
            continue;
        }
        if (sa <= 1 && sb <= 1 &&
            (o->sub == GB_OP_ADD || o->sub == GB_OP_SUB || o->sub == GB_OP_MUL)) {
            /* a + x, a - x, a * x with a scalar or same-shaped inputs: a scalar's gradient is
               summed in a local, not through its one memory slot per element */
            double suma = 0, sumb = 0;
            for (size_t j = 0; j < O->elen; j++) {
                double g = ra[b * O->elen + j];
                if (g == 0)
                    continue;
                double av = a[ia + (sa ? j : 0)], bw = bv[ib + (sb ? j : 0)];
                double da = o->sub == GB_OP_MUL ? bw : 1;
                double db = o->sub == GB_OP_MUL ? av : o->sub == GB_OP_SUB ? -1 : 1;
                if (aa && sa)
                    aa[ia + j] += g * da;
                else
                    suma += g * da;
                if (ba && sb)
                    ba[ib + j] += g * db;
                else
                    sumb += g * db;
            }
            if (aa && !sa)
                aa[ia] += suma;
            if (ba && !sb)
                ba[ib] += sumb;
            continue;
        }
        for (size_t j = 0; j < O->elen; j++) {
            double g = ra[b * O->elen + j];
            if (g == 0)
                continue;
            size_t ja = bidx(A, sa, &O->eshape, j), jb = bidx(B, sb, &O->eshape, j);
            double da, db;
            binop_d(o->sub, a[ia + ja], bv[ib + jb], r[b * O->elen + j], &da, &db);
            if (aa)
                aa[ia + ja] += g * da;
            if (ba)
                ba[ib + jb] += g * db;
        }
    }
}

static void fwd_unop(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    const double *a = tval(m, ws, o->in[0]);
    double *r = tval(m, ws, o->out);
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            double x = a[item(A, b) + (A->elen == 1 ? 0 : j)];
            r[b * O->elen + j] = o->sub == GB_OP_NEG ? -x : o->sub == GB_OP_NOT ? (x == 0) : x;
        }
}

static void bwd_unop(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    double *aa = tadj(m, ws, o->in[0]);
    const double *ra = tadj(m, ws, o->out);
    if (!aa || o->sub == GB_OP_NOT)
        return;
    double s = o->sub == GB_OP_NEG ? -1 : 1;
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++)
            aa[item(A, b) + (A->elen == 1 ? 0 : j)] += s * ra[b * O->elen + j];
}

static void fwd_if(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    double *r = tval(m, ws, o->out);
    operands p;
    get_operands(m, ws, o, 0, &p);
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            int k = p.val[0][operand_at(&p, 0, O, b, j)] != 0 ? 1 : 2;
            r[b * O->elen + j] = p.val[k][operand_at(&p, k, O, b, j)];
        }
}

static void bwd_if(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    const double *ra = tadj(m, ws, o->out);
    operands p;
    get_operands(m, ws, o, 1, &p);
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            int k = p.val[0][operand_at(&p, 0, O, b, j)] != 0 ? 1 : 2;
            if (p.adj[k])
                p.adj[k][operand_at(&p, k, O, b, j)] += ra[b * O->elen + j];
        }
}

/* ---- functions ---- */

static void fwd_call_elem(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    double *r = tval(m, ws, o->out);
    double x[8];
    operands p;
    get_operands(m, ws, o, 0, &p);
    for (size_t b = b0; b < b1; b++) {
        double *rb = r + b * O->elen;
        if (o->nin == 1 && p.mode[0] == 1) { /* tanh(z) and the like */
            const double *xb = p.val[0] + item(p.X[0], b);
            for (size_t j = 0; j < O->elen; j++) {
                double v = o->func->f(&xb[j]);
                if (isnan(v))
                    ws->bad = 1;
                rb[j] = v;
            }
            continue;
        }
        for (size_t j = 0; j < O->elen; j++) {
            for (int i = 0; i < o->nin; i++)
                x[i] = p.val[i][operand_at(&p, i, O, b, j)];
            double v = o->func->f(x);
            if (isnan(v))
                ws->bad = 1;
            rb[j] = v;
        }
    }
}

static void bwd_call_elem(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (!o->func->df)
        return;
    const tensor *O = &m->t.items[o->out];
    const double *r = tval(m, ws, o->out), *ra = tadj(m, ws, o->out);
    double x[8], d[8];
    operands p;
    get_operands(m, ws, o, 1, &p);
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            double g = ra[b * O->elen + j];
            if (g == 0)
                continue;
            size_t off[8];
            for (int i = 0; i < o->nin; i++) {
                off[i] = operand_at(&p, i, O, b, j);
                x[i] = p.val[i][off[i]];
            }
            o->func->df(x, r[b * O->elen + j], d);
            for (int i = 0; i < o->nin; i++)
                if (p.adj[i])
                    p.adj[i][off[i]] += g * d[i];
        }
}

static void views(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b, gb_tensor *in,
                  gb_tensor *out)
{
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        in[i].shape = X->eshape;
        in[i].len = X->elen;
        in[i].val = tval(m, ws, o->in[i]) + item(X, b);
    }
    const tensor *O = &m->t.items[o->out];
    out->shape = O->eshape;
    out->len = O->elen;
    out->val = tval(m, ws, o->out) + b * O->elen;
}

static void fwd_call_gen(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    gb_tensor in[8], out;
    for (size_t b = b0; b < b1; b++) {
        views(m, ws, o, b, in, &out);
        if (o->func->eval(o->nin, in, &out) != 0)
            ws->bad = 1;
    }
}

static void bwd_call_gen(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (!o->func->vjp)
        return;
    gb_tensor in[8], out;
    double *adj[8];
    const tensor *O = &m->t.items[o->out];
    for (size_t b = b0; b < b1; b++) {
        views(m, ws, o, b, in, &out);
        int any = 0;
        for (int i = 0; i < o->nin; i++) {
            double *a = tadj(m, ws, o->in[i]);
            adj[i] = a ? a + item(&m->t.items[o->in[i]], b) : NULL;
            any |= a != NULL;
        }
        if (any)
            o->func->vjp(o->nin, in, &out, tadj(m, ws, o->out) + b * O->elen, adj);
    }
}

/* matrix product of one item: [n,k]@[k], [n,k]@[k,p], [k]@[k], [k]@[k,p] */
static void mm_dims(const tensor *A, const tensor *B, size_t *n, size_t *k, size_t *p)
{
    *n = A->eshape.rank == 2 ? A->eshape.dim[0] : 1;
    *k = A->eshape.dim[A->eshape.rank - 1];
    *p = B->eshape.rank == 2 ? B->eshape.dim[1] : 1;
}

/* The loops run over i, then q, then c so that the innermost loop walks rows of x, r and xb
 * contiguously (it vectorises); each output element still sums its terms in the order of q (of
 * c for ab, of i for xb), so the results are those of the textbook i, c, q loops bit for bit. */
static void fwd_matmul(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *B = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    size_t n, k, p;
    mm_dims(A, B, &n, &k, &p);
    for (size_t b = b0; b < b1; b++) {
        const double *a = tval(m, ws, o->in[0]) + item(A, b);
        const double *x = tval(m, ws, o->in[1]) + item(B, b);
        double *r = tval(m, ws, o->out) + b * O->elen;
        for (size_t i = 0; i < n; i++) {
            double *ri = r + i * p;
            const double *ai = a + i * k;
            if (p < 8) { /* short rows: dot products along q are faster */
                for (size_t c = 0; c < p; c++) {
                    double t = 0;
                    for (size_t q = 0; q < k; q++)
                        t += ai[q] * x[q * p + c];
                    ri[c] = t;
                }
                continue;
            }
            for (size_t c = 0; c < p; c++)
                ri[c] = 0;
            for (size_t q = 0; q < k; q++) {
                double aiq = ai[q];
                const double *xq = x + q * p;
                for (size_t c = 0; c < p; c++)
                    ri[c] += aiq * xq[c];
            }
        }
    }
}

static void bwd_matmul(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *B = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    double *aa = tadj(m, ws, o->in[0]), *xa = tadj(m, ws, o->in[1]);
    if (!aa && !xa)
        return;
    size_t n, k, p;
    mm_dims(A, B, &n, &k, &p);
    for (size_t b = b0; b < b1; b++) {
        const double *a = tval(m, ws, o->in[0]) + item(A, b);
        const double *x = tval(m, ws, o->in[1]) + item(B, b);
        const double *g = tadj(m, ws, o->out) + b * O->elen;
        double *ab = aa ? aa + item(A, b) : NULL, *xb = xa ? xa + item(B, b) : NULL;
        for (size_t i = 0; i < n; i++) {
            const double *gi = g + i * p, *ai = a + i * k;
            if (ab)
                for (size_t q = 0; q < k; q++) {
                    const double *xq = x + q * p;
                    double s = ab[i * k + q];
                    for (size_t c = 0; c < p; c++)
                        s += gi[c] * xq[c];
                    ab[i * k + q] = s;
                }
            if (xb && p < 8) {
                for (size_t c = 0; c < p; c++)
                    if (gi[c] != 0)
                        for (size_t q = 0; q < k; q++)
                            xb[q * p + c] += gi[c] * ai[q];
            } else if (xb)
                for (size_t q = 0; q < k; q++) {
                    double aiq = ai[q];
                    double *xq = xb + q * p;
                    for (size_t c = 0; c < p; c++)
                        xq[c] += gi[c] * aiq;
                }
        }
    }
}

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
    const double *v = tval(w->m, w->ws, t) + item(X, w->b);
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
        const double *v = tval(w->m, w->ws, o->in[pos + 1]) + item(X, w->b);
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
    if (ix_walk(&w, 0, item(base, b), &out_off, 1, tval(m, ws, o->out), tval(m, ws, o->in[0]),
                backward, iadj ? iadj : NULL, backward ? tadj(m, ws, o->out) : NULL) != 0)
        ws->bad = 1;
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
    for (size_t b = b0; b < b1; b++) {
        const double *ib = iv + item(I, b);
        size_t boff = item(base, b), ooff = b * O->elen;
        for (size_t k = 0; k < n; k++) {
            double x = ib[k];
            if (!(x >= 1 && x <= dim)) {
                if (!backward) {
                    ws->bad = 1;
                    r[ooff + k] = 0;
                }
                continue;
            }
            size_t at = boff + (size_t)x - 1;
            if (backward)
                ba[at] += ra[ooff + k];
            else
                r[ooff + k] = bv[at];
        }
    }
    return 1;
}

static void fwd_index(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (gather_vector(m, ws, o, b0, b1, 0))
        return;
    for (size_t b = b0; b < b1; b++)
        index_item(m, ws, o, b, 0);
}

static void bwd_index(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    if (gather_vector(m, ws, o, b0, b1, 1))
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
            const double *x = tval(m, ws, o->in[i]) + item(X, b);
            double *r = tval(m, ws, o->out) + b * O->elen + (size_t)i * inner;
            for (size_t j = 0; j < inner; j++)
                r[j] = x[bmap(X, &is, j)];
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
                xa[item(X, b) + bmap(X, &is, j)] += g[j];
        }
}

static void fwd_range(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    for (size_t b = b0; b < b1; b++) {
        double lo = tval(m, ws, o->in[0])[item(&m->t.items[o->in[0]], b)];
        double *r = tval(m, ws, o->out) + b * O->elen;
        for (size_t j = 0; j < O->elen; j++)
            r[j] = lo + (double)j;
    }
}

/* A comprehension: the body ops run once per value of its loop variable. */
#define run_ops run_range

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
        run_ops(m, ws, o->body0, o->body1, b0, b1, 0);
        double *bv = tval(m, ws, o->in[0]);
        for (size_t b = b0; b < b1; b++) {
            double *r = tval(m, ws, o->out) + b * O->elen + k * body->elen;
            if (!backward) {
                memcpy(r, bv + item(body, b), body->elen * sizeof(double));
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
                        ba[item(body, b) + j] +=
                            tadj(m, ws, o->out)[b * O->elen + k * body->elen + j];
            run_ops(m, ws, o->body0, o->body1, b0, b1, 1);
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
        r[j] = x[bmap(X, &O->eshape, j)];
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
            xa[bmap(X, &O->eshape, j)] += g[j];
}

/* SCATTER and GATHER share the index walk of the def's left side: in[1..] are the indices. */
static size_t lhs_offset(const gb_model *m, gb_model_ws *ws, const mop *o, const tensor *node,
                         size_t b, int *bad)
{
    size_t off = 0, stride = 1, rank = (size_t)(o->nin - 1);
    size_t block = 1;
    for (int d = node->eshape.rank - 1; d >= (int)rank; d--)
        block *= node->eshape.dim[d];
    for (size_t p = rank; p-- > 0;) {
        const tensor *X = &m->t.items[o->in[p + 1]];
        double x = tval(m, ws, o->in[p + 1])[item(X, b)];
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
        size_t off = lhs_offset(m, ws, o, node, b, &bad);
        if (bad) {
            ws->bad = 1;
            continue;
        }
        size_t n = itm->elen;
        for (size_t j = 0; j < n; j++) {
            size_t ij = item(itm, b) + j;
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

void op_forward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    switch (o->kind) {
    case OP_INDEX:
        fwd_index(m, ws, o, b0, b1);
        break;
    case OP_BINOP:
        fwd_binop(m, ws, o, b0, b1);
        break;
    case OP_UNOP:
        fwd_unop(m, ws, o, b0, b1);
        break;
    case OP_IF:
        fwd_if(m, ws, o, b0, b1);
        break;
    case OP_CALL_ELEM:
        fwd_call_elem(m, ws, o, b0, b1);
        break;
    case OP_CALL_GEN:
        fwd_call_gen(m, ws, o, b0, b1);
        break;
    case OP_MATMUL:
        fwd_matmul(m, ws, o, b0, b1);
        break;
    case OP_ARRAY:
        fwd_array(m, ws, o, b0, b1);
        break;
    case OP_COMPREH:
        comprehension(m, ws, o, b0, b1, 0);
        break;
    case OP_RANGE:
        fwd_range(m, ws, o, b0, b1);
        break;
    case OP_ASSIGN:
        fwd_assign(m, ws, o, b0, b1);
        break;
    case OP_SCATTER:
    case OP_GATHER:
        scatter_gather(m, ws, o, b0, b1, 0);
        break;
    case OP_TRANSFORM:
    case OP_TERM:
    case OP_SKIP:
        break; /* TRANSFORM and TERM are run by model_eval.c, which owns theta and logp */
    }
}

void op_backward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    switch (o->kind) {
    case OP_INDEX:
        bwd_index(m, ws, o, b0, b1);
        break;
    case OP_BINOP:
        bwd_binop(m, ws, o, b0, b1);
        break;
    case OP_UNOP:
        bwd_unop(m, ws, o, b0, b1);
        break;
    case OP_IF:
        bwd_if(m, ws, o, b0, b1);
        break;
    case OP_CALL_ELEM:
        bwd_call_elem(m, ws, o, b0, b1);
        break;
    case OP_CALL_GEN:
        bwd_call_gen(m, ws, o, b0, b1);
        break;
    case OP_MATMUL:
        bwd_matmul(m, ws, o, b0, b1);
        break;
    case OP_ARRAY:
        bwd_array(m, ws, o, b0, b1);
        break;
    case OP_COMPREH:
        comprehension(m, ws, o, b0, b1, 1);
        break;
    case OP_ASSIGN:
        bwd_assign(m, ws, o, b0, b1);
        break;
    case OP_SCATTER:
    case OP_GATHER:
        scatter_gather(m, ws, o, b0, b1, 1);
        break;
    default:
        break;
    }
}

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
