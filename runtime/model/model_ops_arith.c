/* model_ops_arith.c - op kernels of arithmetic: binary and unary operators, `if`, elementwise
 * and general functions (stdlib's gb_func_ops), and the matrix product; each op's value and its
 * vector-Jacobian product side by side, over batch items [b0, b1) (see model_ops.c). */
#include <math.h>
#include <string.h>

#include "model_int.h"

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

void mop_binop_d(int op, double a, double b, double r, double *da, double *db)
{
    binop_d(op, a, b, r, da, db);
}

/* Scalar items (a loop over observations: y[i] ~ normal(a + b * x[i], s)): every operand has
 * one element an item, at item b (batched) or at 0 (a scalar shared by the loop).  One tight
 * pass over the batch, with the values and the order of every sum of the general path below,
 * so the loop runs as fast as the vector form and the draws stay the same. */
static int scalar_items(const tensor *A, const tensor *B, const tensor *O)
{
    return A->elen == 1 && B->elen == 1 && O->elen == 1;
}

static void fwd_binop_items(int op, const double *a, size_t as, const double *bv, size_t bs,
                            double *r, size_t b0, size_t b1)
{
    switch (op) {
    case GB_OP_ADD:
        for (size_t b = b0; b < b1; b++)
            r[b] = a[b * as] + bv[b * bs];
        break;
    case GB_OP_SUB:
        for (size_t b = b0; b < b1; b++)
            r[b] = a[b * as] - bv[b * bs];
        break;
    case GB_OP_MUL:
        for (size_t b = b0; b < b1; b++)
            r[b] = a[b * as] * bv[b * bs];
        break;
    default:
        for (size_t b = b0; b < b1; b++)
            r[b] = binop_val(op, a[b * as], bv[b * bs]);
    }
}

void mop_binop_range(int op, const double *a, size_t as, const double *b, size_t bs, double *r,
                     size_t j0, size_t j1)
{
    fwd_binop_items(op, a, as, b, bs, r, j0, j1);
}

/* a + x, a - x, a * x over scalar items.  The general path sums each item's contribution in a
 * local (starting from 0, so a zero adjoint adds +0) and adds it to the input's adjoint; a
 * scalar shared by the loop gets those additions in the same order, in a register. */
static void bwd_linear_items(int op, const double *a, double *aa, size_t as, const double *bv,
                             double *ba, size_t bs, const double *ra, size_t b0, size_t b1)
{
    double acc_a = aa && !as ? aa[0] : 0, acc_b = ba && !bs ? ba[0] : 0;
    for (size_t b = b0; b < b1; b++) {
        double g = ra[b], suma = 0, sumb = 0;
        if (g != 0) {
            double av = a[b * as], bw = bv[b * bs];
            suma += g * (op == GB_OP_MUL ? bw : 1);
            sumb += g * (op == GB_OP_MUL ? av : op == GB_OP_SUB ? -1 : 1);
        }
        if (aa && as)
            aa[b] += suma;
        else
            acc_a += suma;
        if (ba && bs)
            ba[b] += sumb;
        else
            acc_b += sumb;
    }
    if (aa && !as)
        aa[0] = acc_a;
    if (ba && !bs)
        ba[0] = acc_b;
}

static void fwd_binop(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *A = &m->t.items[o->in[0]], *B = &m->t.items[o->in[1]],
                 *O = &m->t.items[o->out];
    const double *a = tval(m, ws, o->in[0]), *bv = tval(m, ws, o->in[1]);
    double *r = tval(m, ws, o->out);
    if (scalar_items(A, B, O)) {
        fwd_binop_items(o->sub, a, (size_t)A->batched, bv, (size_t)B->batched, r, b0, b1);
        return;
    }
    int sa = mop_bcast_mode(A, O), sb = mop_bcast_mode(B, O);
    for (size_t b = b0; b < b1; b++) {
        const double *pa = a + mop_item(A, b), *pb = bv + mop_item(B, b);
        double *pr = r + b * O->elen;
        if (sa <= 1 && sb <= 1) { /* a scalar or the output's shape: element j at j or 0 */
            fwd_binop_items(o->sub, pa, (size_t)sa, pb, (size_t)sb, pr, 0, O->elen);
        } else if (sa == 1 && sb == 3 && o->sub == GB_OP_ADD) { /* X @ W + b */
            for (size_t j0 = 0; j0 < O->elen; j0 += B->elen)
                for (size_t c = 0; c < B->elen; c++)
                    pr[j0 + c] = pa[j0 + c] + pb[c];
        } else {
            for (size_t j = 0; j < O->elen; j++)
                pr[j] = binop_val(o->sub, pa[mop_bidx(A, sa, &O->eshape, j)],
                                  pb[mop_bidx(B, sb, &O->eshape, j)]);
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
    if (scalar_items(A, B, O) && o->in[0] != o->in[1] &&
        (o->sub == GB_OP_ADD || o->sub == GB_OP_SUB || o->sub == GB_OP_MUL)) {
        bwd_linear_items(o->sub, a, aa, (size_t)A->batched, bv, ba, (size_t)B->batched, ra, b0,
                         b1);
        return;
    }
    int sa = mop_bcast_mode(A, O), sb = mop_bcast_mode(B, O);
    for (size_t b = b0; b < b1; b++) {
        size_t ia = mop_item(A, b), ib = mop_item(B, b);
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
            size_t ja = mop_bidx(A, sa, &O->eshape, j), jb = mop_bidx(B, sb, &O->eshape, j);
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
            double x = a[mop_item(A, b) + (A->elen == 1 ? 0 : j)];
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
            aa[mop_item(A, b) + (A->elen == 1 ? 0 : j)] += s * ra[b * O->elen + j];
}

/* Scalar items throughout (`if i < tau then lambda1 else lambda2` in a loop): operand i of item
 * b is then at b * step[i], step 1 for a batched operand and 0 for a shared one.  0 when some
 * operand or the result has more than one element an item. */
static int if_scalar_steps(const tensor *O, const mop_operands *p, size_t step[3])
{
    if (O->elen != 1)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (p->X[i]->elen != 1)
            return 0;
        step[i] = p->X[i]->batched ? 1 : 0;
    }
    return 1;
}

static void fwd_if(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    double *r = tval(m, ws, o->out);
    mop_operands p;
    mop_get_operands(m, ws, o, 0, &p);
    size_t st[3];
    if (if_scalar_steps(O, &p, st)) { /* the general loop's choice, without its offset maths */
        for (size_t b = b0; b < b1; b++)
            r[b] = p.val[0][b * st[0]] != 0 ? p.val[1][b * st[1]] : p.val[2][b * st[2]];
        return;
    }
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            int k = p.val[0][mop_operand_at(&p, 0, O, b, j)] != 0 ? 1 : 2;
            r[b * O->elen + j] = p.val[k][mop_operand_at(&p, k, O, b, j)];
        }
}

static void bwd_if(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    const double *ra = tadj(m, ws, o->out);
    mop_operands p;
    mop_get_operands(m, ws, o, 1, &p);
    size_t st[3];
    if (if_scalar_steps(O, &p, st)) {
        for (size_t b = b0; b < b1; b++) {
            int k = p.val[0][b * st[0]] != 0 ? 1 : 2;
            if (p.adj[k])
                p.adj[k][b * st[k]] += ra[b];
        }
        return;
    }
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            int k = p.val[0][mop_operand_at(&p, 0, O, b, j)] != 0 ? 1 : 2;
            if (p.adj[k])
                p.adj[k][mop_operand_at(&p, k, O, b, j)] += ra[b * O->elen + j];
        }
}

/* ---- functions ---- */

static void fwd_call_elem(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1)
{
    const tensor *O = &m->t.items[o->out];
    double *r = tval(m, ws, o->out);
    double x[8];
    mop_operands p;
    mop_get_operands(m, ws, o, 0, &p);
    for (size_t b = b0; b < b1; b++) {
        double *rb = r + b * O->elen;
        if (o->nin == 1 && p.mode[0] == 1) { /* tanh(z) and the like */
            const double *xb = p.val[0] + mop_item(p.X[0], b);
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
                x[i] = p.val[i][mop_operand_at(&p, i, O, b, j)];
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
    mop_operands p;
    mop_get_operands(m, ws, o, 1, &p);
    for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < O->elen; j++) {
            double g = ra[b * O->elen + j];
            if (g == 0)
                continue;
            size_t off[8];
            for (int i = 0; i < o->nin; i++) {
                off[i] = mop_operand_at(&p, i, O, b, j);
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
        in[i].val = tval(m, ws, o->in[i]) + mop_item(X, b);
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
            adj[i] = a ? a + mop_item(&m->t.items[o->in[i]], b) : NULL;
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
        const double *a = tval(m, ws, o->in[0]) + mop_item(A, b);
        const double *x = tval(m, ws, o->in[1]) + mop_item(B, b);
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
        const double *a = tval(m, ws, o->in[0]) + mop_item(A, b);
        const double *x = tval(m, ws, o->in[1]) + mop_item(B, b);
        const double *g = tadj(m, ws, o->out) + b * O->elen;
        double *ab = aa ? aa + mop_item(A, b) : NULL, *xb = xa ? xa + mop_item(B, b) : NULL;
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

int mop_arith_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                  int backward)
{
    switch (o->kind) {
    case OP_BINOP:
        (backward ? bwd_binop : fwd_binop)(m, ws, o, b0, b1);
        return 1;
    case OP_UNOP:
        (backward ? bwd_unop : fwd_unop)(m, ws, o, b0, b1);
        return 1;
    case OP_IF:
        (backward ? bwd_if : fwd_if)(m, ws, o, b0, b1);
        return 1;
    case OP_CALL_ELEM:
        (backward ? bwd_call_elem : fwd_call_elem)(m, ws, o, b0, b1);
        return 1;
    case OP_CALL_GEN:
        (backward ? bwd_call_gen : fwd_call_gen)(m, ws, o, b0, b1);
        return 1;
    case OP_MATMUL:
        (backward ? bwd_matmul : fwd_matmul)(m, ws, o, b0, b1);
        return 1;
    default:
        return 0;
    }
}
