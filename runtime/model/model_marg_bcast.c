/* model_marg_bcast.c - the summed table's ranges that need no per-row work for one value
 * (model_marg.c): while it is filled, every element of the latent z holds the same value v, so
 *
 * - a gather mu[z] by z reads one element, mu[v]: its result, read only by the range's term,
 *   is replaced by that element broadcast (stride 0), and the gather does not run; and
 * - a term whose every argument is then the same for each repetition (z's own prior,
 *   z ~ categorical(theta) with theta shared) has one log density: it is computed once and
 *   copied to every repetition, and its gradient, computed once with weight 1, is added to
 *   each adjoint weighted by every repetition's weight in repetition order.
 *
 * Both give the general path's results bit for bit: a broadcast argument's adjoint receives the
 * same additions, in the same order, that the gather's backward pass made (each repetition's
 * w[r] * g, the gather's own adjoint being zero before), and w[r] * (1 * g) is w[r] * g.  A
 * range is planned only when its term has a per-repetition lpdf (lpdf_each), no comprehension
 * and no other op reads a replaced gather's result; the others take the general path.  Not for
 * a chain (z holds a path, not one value) nor a step range's forced runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_marg_int.h"

/* Index kind of position pos of an OP_INDEX (model_ops_index.c packs 2 bits a position). */
static int ix_kind(const mop *o, int pos)
{
    return (o->sub >> (2 * pos)) & 3;
}

/* Does every element of tensor t hold z's one value: z itself, or an index into such a
 * tensor computed in ops [a, b) (z[n] in a loop, on either side of `~`)? */
static int holds_v(const gb_model *m, size_t zt, size_t a, size_t b, size_t t)
{
    for (int depth = 0; depth < 8; depth++) {
        if (t == zt)
            return 1;
        size_t q = a;
        while (q < b && m->ops.items[q].out != t)
            q++;
        if (q == b || (m->ops.items[q].kind != OP_INDEX && m->ops.items[q].kind != OP_GATHER))
            return 0;
        t = m->ops.items[q].in[0];
    }
    return 0;
}

/* How many op inputs of the whole model read tensor t. */
static size_t readers(const gb_model *m, size_t t)
{
    size_t c = 0;
    for (size_t q = 0; q < m->ops.len; q++)
        for (int i = 0; i < m->ops.items[q].nin; i++)
            c += m->ops.items[q].in[i] == t;
    return c;
}

/* Is op q a gather mu[z] of one element of an unbatched vector by an index that holds v,
 * whose result only argument i of term o reads, one element a repetition? */
static int is_bypass(const gb_model *m, size_t zt, size_t a, size_t b, size_t q, const mop *o,
                     int i)
{
    const mop *g = &m->ops.items[q];
    const tensor *base = &m->t.items[g->in[0]], *O = &m->t.items[g->out];
    if (g->kind != OP_INDEX || g->nin != 2 || base->eshape.rank != 1 || base->batched ||
        (ix_kind(g, 0) != IX_SCALAR && ix_kind(g, 0) != IX_VECTOR))
        return 0;
    if (!holds_v(m, zt, a, b, g->in[1]) || g->in[0] == zt)
        return 0;
    return o->stride[i] == 1 && !o->use_scr[i] && O->batch * O->elen == o->n &&
           readers(m, g->out) == 1;
}

/* Plans range k: which arguments are replaced gathers, and whether the term is constant. */
static void plan_range(const gb_model *m, const latent *L, size_t k, gb_marg_bcast *bc)
{
    size_t a = L->blanket.items[2 * k], b = L->blanket.items[2 * k + 1];
    size_t zt = m->ni[L->node].tensor;
    const mop *o = &m->ops.items[b - 1];
    memset(bc, 0, sizeof *bc);
    for (int i = 0; i < 8; i++)
        bc->byp[i] = GB_NO_TENSOR;
    if (!o->dist->lpdf_each || o->n == 0 || o->nin > 8)
        return;
    for (size_t q = a; q + 1 < b; q++) /* a folded op is a one-op skip; a loop body is not */
        if ((m->ops.items[q].kind == OP_SKIP && m->ops.items[q].body1 != q + 1) ||
            m->ops.items[q].kind == OP_COMPREH)
            return;
    int con = 1;
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        for (size_t q = a; q + 1 < b && bc->byp[i] == GB_NO_TENSOR; q++)
            if (m->ops.items[q].out == o->in[i] && is_bypass(m, zt, a, b - 1, q, o, i))
                bc->byp[i] = q;
        if (bc->byp[i] != GB_NO_TENSOR) {
            bc->on = 1;
            continue;
        }
        int discrete_variate = i == 0 && o->dist->variate_type == GB_INT;
        int shared = o->stride[i] == 0 && !o->use_scr[i] && !X->batched;
        int is_v = holds_v(m, zt, a, b - 1, o->in[i]) && !o->use_scr[i] &&
                   (discrete_variate || !X->has_adj);
        con = con && (shared || is_v);
    }
    bc->con = (unsigned char)con;
    bc->on = bc->on || con;
}

/* model_marg_int.h */
int gb_model_marg_bcast_plan(const gb_model *m, latent *L)
{
    size_t nr = L->blanket.len / 2;
    if (!(L->mbc = calloc(nr ? nr : 1, sizeof *L->mbc)))
        return -1;
    for (size_t k = 0; k < nr; k++)
        plan_range(m, L, k, &L->mbc[k]);
    return 0;
}

/* Runs ops [a, b) forward, or backward, except the replaced gathers of bc. */
static void run_except(const gb_model *m, gb_model_ws *ws, const gb_marg_bcast *bc, size_t a,
                       size_t b, size_t nb, int backward)
{
    size_t cut[9], nc = 0;
    for (size_t q = a; q < b; q++)
        if (gb_marg_bcast_replaces(bc, q))
            cut[nc++] = q;
    cut[nc] = b;
    if (!backward) {
        for (size_t s = 0, from = a; s <= nc; from = cut[s++] + 1)
            run_range(m, ws, from, cut[s], 0, nb, 0);
    } else {
        for (size_t s = nc + 1; s-- > 0;)
            run_range(m, ws, s ? cut[s - 1] + 1 : a, cut[s], 0, nb, 1);
    }
}

/* The term's arguments with the replaced gathers' broadcast element at offset at. */
static void bypass_args(const gb_model *m, gb_model_ws *ws, const gb_marg_bcast *bc, const mop *o,
                        size_t at, int want_grad, gb_arg *args)
{
    for (int i = 0; i < o->nin; i++) {
        if (bc->byp[i] == GB_NO_TENSOR)
            continue;
        size_t base = m->ops.items[bc->byp[i]].in[0];
        double *ba = want_grad ? tadj(m, ws, base) : NULL;
        args[i].val = tval(m, ws, base) + at;
        args[i].stride = 0;
        args[i].adj = ba ? ba + at : NULL;
    }
}

/* A constant term: one repetition's log density to every out[r]; with w, its gradient (weight
 * 1, through the scratch scr) added w[r] times to each adjoint, in repetition order. */
static void const_term(const gb_model *m, const mop *o, const double *w, double *out, double *scr,
                       gb_arg *args)
{
    const size_t *dims = mop_dims(o);
    double *dst[8], one = 1, lp;
    size_t blk[8];
    for (int i = 0; i < o->nin; i++) {
        dst[i] = args[i].adj;
        args[i].adj = NULL;
        if (!w || !dst[i])
            continue;
        blk[i] = args[i].stride ? args[i].stride : (o->stride[i] ? 1 : m->t.items[o->in[i]].elen);
        memset(scr, 0, blk[i] * sizeof *scr);
        args[i].adj = scr;
        scr += blk[i];
    }
    o->dist->lpdf_each(1, args, dims, w ? &one : NULL, &lp);
    for (size_t r = 0; r < o->n; r++)
        out[r] = lp;
    for (int i = 0; w && i < o->nin; i++) {
        if (!args[i].adj)
            continue;
        for (size_t j = 0; j < blk[i]; j++) {
            double g = args[i].adj[j], acc = dst[i][j];
            for (size_t r = 0; r < o->n; r++)
                if (w[r] != 0) /* as lpdf_each skips them: no 0 * inf */
                    acc += w[r] * g;
            dst[i][j] = acc;
        }
    }
}

/* model_marg_int.h */
int gb_model_marg_bcast_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                             const double *w, double *out)
{
    const gb_marg_bcast *bc = L->mbc ? &L->mbc[k] : NULL;
    if (!bc || !bc->on || ws->no_bcast)
        return -1;
    size_t a = L->blanket.items[2 * k], b = L->blanket.items[2 * k + 1];
    const mop *o = &m->ops.items[b - 1];
    size_t nb = o->batch ? o->batch : 1;
    /* as gb_model_marg_range_each, but a replaced gather's result, which nothing reads here and
     * the general path zeroes itself, keeps its stale adjoint: N doubles a value not cleared */
    if (w)
        gb_model_marg_zero_adj(m, ws, a, b - 1, bc);
    ws->bad = 0;
    run_except(m, ws, bc, a, b - 1, nb, 0);
    double v = tval(m, ws, m->ni[L->node].tensor)[0];
    for (int i = 0; i < o->nin; i++) /* the gather's range check */
        if (bc->byp[i] != GB_NO_TENSOR &&
            !(v >= 1 && v <= (double)m->t.items[m->ops.items[bc->byp[i]].in[0]].eshape.dim[0]))
            ws->bad = 1;
    if (ws->bad) {
        for (size_t r = 0; r < o->n; r++)
            out[r] = -INFINITY;
        return 0;
    }
    gb_arg args[8];
    mop_term_args(m, ws, o, w != NULL, args);
    bypass_args(m, ws, bc, o, v >= 1 ? (size_t)v - 1 : 0, w != NULL, args);
    if (bc->con) {
        const_term(m, o, w, out, ws->buf + L->mscr, args);
    } else {
        o->dist->lpdf_each(o->n, args, mop_dims(o), w, out);
        if (w)
            mop_term_add_adj(m, ws, o, args);
    }
    if (w)
        run_except(m, ws, bc, a, b - 1, nb, 1);
    return 1;
}
