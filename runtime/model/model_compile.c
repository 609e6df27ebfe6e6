/* model_compile.c - the graph compiled into tensors and a flat list of ops.
 *
 * Nodes are visited in value order (parents first).  A latent continuous node gets a TRANSFORM
 * op that fills it from theta; a deterministic node gets the ops of each definition and an
 * ASSIGN or SCATTER into its value; finally every stochastic definition gets the ops of its
 * arguments and a TERM.  A definition inside loops is compiled once as a batch: its iterations
 * are enumerated here (loop variables become integer arrays the model owns).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "sampler_registry.h"
#include "shape.h"
#include "size.h"

typedef struct cctx {
    gb_model *m;
    gb_errlist *errs;
    size_t batch;                /* iterations of the def being compiled */
    size_t loopvar[GB_MAX_LOOPS];
    size_t nloops;
    size_t comp_slot[GB_MAX_LOOPS]; /* comprehension variables: tensors */
    int ncomp_base;              /* loop depth where comprehensions start */
    gb_status st;                /* the first failure (its message is in errs); GB_OK so far */
    int nseq;                    /* sequences run item by item so far (mop.seq numbers) */
} cctx;

/* Records a failure: compiling stops at the next check and returns the first one's status, so
 * running out of memory is told apart from an error in the model and from a bug. */
static void fail(cctx *c, gb_status st)
{
    if (c->st == GB_OK)
        c->st = st;
}

static size_t ws_alloc(gb_model *m, size_t n)
{
    size_t off = m->ws_size;
    m->ws_size += n ? n : 1;
    return off;
}

static size_t new_tensor(cctx *c, size_t batch, int batched, const gb_shape *es, int is_int,
                         const double *ext, int want_adj)
{
    tensor t;
    memset(&t, 0, sizeof t);
    t.batch = batched ? batch : 1;
    t.batched = batched;
    t.eshape = *es;
    t.elen = 1;
    for (int d = 0; d < es->rank; d++)
        t.elen *= es->dim[d];
    t.is_int = is_int;
    t.ext = ext;
    size_t n = t.batch * t.elen;
    if (!ext)
        t.val = ws_alloc(c->m, n);
    if (want_adj) {
        t.adj = ws_alloc(c->m, n);
        t.has_adj = 1;
    }
    if (GB_VEC_PUSH(&c->m->t, t) != 0) {
        fail(c, GB_ENOMEM);
        return 0;
    }
    return c->m->t.len - 1;
}

static size_t push_op(cctx *c, mop o)
{
    if (GB_VEC_PUSH(&c->m->ops, o) != 0) {
        fail(c, GB_ENOMEM);
        return 0;
    }
    return c->m->ops.len - 1;
}

static int shape_known(const gb_shape *s)
{
    for (int d = 0; d < s->rank; d++)
        if (s->dim[d] == GB_DIM_UNKNOWN)
            return 0;
    return 1;
}

static size_t compile_expr(cctx *c, const gb_expr *e);

static size_t out_tensor(cctx *c, const gb_expr *e, int batched)
{
    if (!shape_known(&e->shape)) {
        gb_error(c->errs, GB_ESEMANTIC, e->loc,
                 "the size of this value is not known before sampling");
        gb_error_hint(c->errs, "sizes must come from the data or constants");
        fail(c, GB_ESEMANTIC);
        return 0;
    }
    return new_tensor(c, c->batch, batched, &e->shape, e->type == GB_INT, NULL, 1);
}

static size_t compile_args(cctx *c, const gb_expr *e, mop *o, int *batched)
{
    *batched = 0;
    for (int i = 0; i < e->nargs; i++) {
        o->in[i] = compile_expr(c, e->args[i]);
        if (c->st != GB_OK)
            return 0;
        *batched |= c->m->t.items[o->in[i]].batched;
    }
    o->nin = e->nargs;
    return 0;
}

/* [body for k in lo..hi]: the range ends (not batched), a slot for the loop variable, then a
 * placeholder, the body's ops and the comprehension op itself, which runs the body per value. */
static size_t compile_comprehension(cctx *c, const gb_expr *e)
{
    gb_model *m = c->m;
    mop o;
    memset(&o, 0, sizeof o);
    o.loc = e->loc;
    o.kind = OP_COMPREH;
    const gb_expr *r = e->args[1];
    o.in[1] = compile_expr(c, r->args[0]);
    o.in[2] = compile_expr(c, r->args[1]);
    if (c->st != GB_OK)
        return 0;
    if (m->t.items[o.in[1]].batched || m->t.items[o.in[2]].batched) {
        gb_error(c->errs, GB_ESEMANTIC, e->loc,
                 "a comprehension's range may not depend on a loop variable");
        fail(c, GB_ESEMANTIC);
        return 0;
    }
    gb_shape s = {0, {0}};
    size_t slot = new_tensor(c, 1, 0, &s, 1, NULL, 0);
    int depth = e->loopvar - (int)c->nloops;
    if (depth < 0 || depth >= GB_MAX_LOOPS) {
        fail(c, GB_INTERNAL(c->errs));
        return 0;
    }
    c->comp_slot[depth] = slot;
    o.slot = m->t.items[slot].val;
    /* the body's ops come right after a placeholder for this op */
    size_t self = push_op(c, o);
    size_t body0 = m->ops.len;
    size_t body = compile_expr(c, e->args[0]);
    if (c->st != GB_OK)
        return 0;
    mop *me = &m->ops.items[self];
    me->in[0] = body;
    me->nin = 3;
    me->body0 = body0;
    me->body1 = m->ops.len;
    me->out = out_tensor(c, e, m->t.items[body].batched);
    /* the op itself goes after its body; a placeholder before the body makes plain runs
       jump over it */
    mop copy = *me;
    memset(me, 0, sizeof *me);
    me->kind = OP_SKIP;
    me->body1 = m->ops.len;
    push_op(c, copy);
    return copy.out;
}

static size_t compile_expr(cctx *c, const gb_expr *e)
{
    gb_model *m = c->m;
    mop o;
    memset(&o, 0, sizeof o);
    o.loc = e->loc;
    int batched = 0;
    if (c->st != GB_OK)
        return 0;
    if (e->nargs > 8) {
        gb_error(c->errs, GB_ESEMANTIC, e->loc, "too many arguments (the limit is 8)");
        fail(c, GB_ESEMANTIC);
        return 0;
    }
    switch (e->kind) {
    case GB_EX_CONST: {
        double *v = malloc(sizeof(double));
        if (!v || GB_VEC_PUSH(&m->owned, v) != 0) {
            free(v);
            fail(c, GB_ENOMEM);
            return 0;
        }
        *v = e->num;
        gb_shape s = {0, {0}};
        return new_tensor(c, 1, 0, &s, e->type == GB_INT, v, 0);
    }
    case GB_EX_NODE:
        return m->ni[e->node].tensor;
    case GB_EX_LOOPVAR:
        if ((size_t)e->loopvar < c->nloops)
            return c->loopvar[e->loopvar];
        return c->comp_slot[e->loopvar - (int)c->nloops];
    case GB_EX_ALL:
        return GB_NO_TENSOR;
    case GB_EX_RANGE: {
        /* as an index: a 2-vector [lo, hi] per item */
        o.kind = OP_ARRAY;
        compile_args(c, e, &o, &batched);
        gb_shape s = {1, {2}};
        o.out = new_tensor(c, c->batch, batched, &s, 1, NULL, 0);
        push_op(c, o);
        return o.out;
    }
    case GB_EX_INDEX: {
        o.kind = OP_INDEX;
        o.in[0] = compile_expr(c, e->args[0]);
        batched = m->t.items[o.in[0]].batched;
        for (int i = 1; i < e->nargs; i++) {
            const gb_expr *ix = e->args[i];
            int kind = ix->kind == GB_EX_ALL     ? IX_ALL
                       : ix->kind == GB_EX_RANGE ? IX_RANGE
                       : ix->shape.rank == 1     ? IX_VECTOR
                                                 : IX_SCALAR;
            o.sub |= kind << (2 * (i - 1));
            o.in[i] = kind == IX_ALL ? o.in[0] : compile_expr(c, ix);
            if (c->st != GB_OK)
                return 0;
            if (kind != IX_ALL)
                batched |= m->t.items[o.in[i]].batched;
        }
        o.nin = e->nargs;
        o.out = out_tensor(c, e, batched);
        push_op(c, o);
        return o.out;
    }
    case GB_EX_BINOP:
        o.kind = e->op == GB_OP_MATMUL ? OP_MATMUL : OP_BINOP;
        o.sub = e->op;
        break;
    case GB_EX_UNOP:
        o.kind = OP_UNOP;
        o.sub = e->op;
        break;
    case GB_EX_IF:
        o.kind = OP_IF;
        break;
    case GB_EX_CALL:
        o.kind = e->func->kind == GB_FUNC_ELEMENTWISE ? OP_CALL_ELEM : OP_CALL_GEN;
        o.func = e->func;
        break;
    case GB_EX_ARRAY:
        o.kind = OP_ARRAY;
        break;
    case GB_EX_COMPREH:
        return compile_comprehension(c, e);
    }
    compile_args(c, e, &o, &batched);
    if (c->st != GB_OK)
        return 0;
    o.out = out_tensor(c, e, batched);
    push_op(c, o);
    return o.out;
}

/* ---- loops ---- */

static void count_iter(const gb_graph *g, const gb_def *d, size_t depth, double *lv, size_t *n,
                       double **out, int *bad)
{
    if (*bad)
        return;
    if (depth == d->nloops) {
        if (out)
            for (size_t k = 0; k < d->nloops; k++)
                out[k][*n] = lv[k];
        (*n)++;
        return;
    }
    long lo, cnt = gb_loop_count(g, &d->loops[depth], lv, &lo);
    if (cnt < 0) {
        *bad = 1;
        return;
    }
    for (long k = 0; k < cnt && !*bad; k++) {
        lv[depth] = (double)(lo + k);
        count_iter(g, d, depth + 1, lv, n, out, bad);
    }
}

/* Enumerates a def's iterations; sets c->batch and the loop variable tensors. */
static int setup_loops(cctx *c, const gb_def *d)
{
    c->nloops = d->nloops;
    c->batch = 1;
    if (d->nloops == 0)
        return 0;
    if (d->nloops > GB_MAX_LOOPS) {
        fail(c, GB_INTERNAL(c->errs));
        return -1;
    }
    double lv[GB_MAX_LOOPS] = {0};
    size_t n = 0;
    int bad = 0;
    count_iter(c->m->g, d, 0, lv, &n, NULL, &bad);
    if (bad || gb_size_fits_budget(n, d->nloops * sizeof(double)) != 0) {
        gb_error(c->errs, GB_ESEMANTIC, d->loc,
                 bad ? "loop bounds must be data or constants"
                     : "this loop has too many iterations for the memory budget");
        fail(c, GB_ESEMANTIC);
        return -1;
    }
    double *arr[GB_MAX_LOOPS];
    for (size_t k = 0; k < d->nloops; k++) {
        arr[k] = malloc((n ? n : 1) * sizeof(double));
        if (!arr[k] || GB_VEC_PUSH(&c->m->owned, arr[k]) != 0) {
            free(arr[k]);
            fail(c, GB_ENOMEM);
            return -1;
        }
    }
    size_t n2 = 0;
    count_iter(c->m->g, d, 0, lv, &n2, arr, &bad);
    c->batch = n;
    gb_shape s = {0, {0}};
    for (size_t k = 0; k < d->nloops; k++)
        c->loopvar[k] = new_tensor(c, n, 1, &s, 1, arr[k], 0);
    return 0;
}

static int refers_to(const gb_expr *e, size_t node)
{
    if (!e)
        return 0;
    if (e->kind == GB_EX_NODE && e->node == node)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (refers_to(e->args[i], node))
            return 1;
    return 0;
}

/* The left side's element block: node shape without the indexed leading dimensions. */
static gb_shape elem_shape(const gb_node *n, size_t nindex)
{
    gb_shape s = {0, {0}};
    for (int d = (int)nindex; d < n->shape.rank; d++)
        s.dim[s.rank++] = n->shape.dim[d];
    return s;
}

static int compile_lhs(cctx *c, mop *o, const gb_def *d)
{
    o->nin = 1 + (int)d->nindex;
    for (size_t k = 0; k < d->nindex; k++) {
        if (d->index[k]->shape.rank != 0) {
            gb_error(c->errs, GB_ESEMANTIC, d->index[k]->loc,
                     "a range on the left side is not supported yet; use a loop");
            fail(c, GB_ESEMANTIC);
            return -1;
        }
        o->in[k + 1] = compile_expr(c, d->index[k]);
    }
    return c->st != GB_OK ? -1 : 0;
}

/* Def k of deterministic node i; its ops run item by item, numbered seq, when it reads its own
 * earlier elements (seq 0: a new number) or belongs to a recursion group (seq given). */
static void compile_def(cctx *c, size_t i, size_t k, int seq)
{
    gb_model *m = c->m;
    const gb_def *d = &gb_graph_node(m->g, i)->defs[k];
    if (setup_loops(c, d) != 0)
        return;
    size_t first = m->ops.len;
    size_t v = compile_expr(c, d->expr);
    if (c->st != GB_OK)
        return;
    mop o;
    memset(&o, 0, sizeof o);
    o.loc = d->loc;
    o.node = i;
    o.def = k;
    o.out = m->ni[i].tensor;
    o.in[0] = v;
    if (d->nindex == 0) {
        o.kind = OP_ASSIGN;
        o.nin = 1;
    } else {
        o.kind = OP_SCATTER;
        if (compile_lhs(c, &o, d) != 0)
            return;
    }
    push_op(c, o);
    if (!seq && refers_to(d->expr, i)) /* reads its own earlier elements: item by item */
        seq = ++c->nseq;
    for (size_t q = first; seq && q < m->ops.len; q++) {
        m->ops.items[q].seq = seq;
        m->ops.items[q].node = i;
        m->ops.items[q].def = k;
    }
}

/* The defs of recursion group g (model_recur.c): the single elements, then the loops as one
 * sequence run item by item; every member's op range is the group's. */
static void compile_group(cctx *c, int g)
{
    gb_model *m = c->m;
    gb_recur_def *r;
    size_t n, ops0 = m->ops.len;
    if (gb_model_recur_defs(m->g, g, &r, &n) != GB_OK) {
        fail(c, GB_ENOMEM);
        return;
    }
    int seq = ++c->nseq;
    for (size_t k = 0; k < n && c->st == GB_OK; k++) {
        const gb_def *d = &gb_graph_node(m->g, r[k].node)->defs[r[k].def];
        compile_def(c, r[k].node, r[k].def, d->nloops ? seq : 0);
    }
    for (size_t k = 0; k < n; k++) {
        m->ni[r[k].node].ops0 = ops0;
        m->ni[r[k].node].ops1 = m->ops.len;
    }
    free(r);
}

/* Works out how the lpdf reads each input: repetitions are the batch times the broadcast
 * leading shape; each input block is its trailing param-rank (variate-rank) dimensions. */
static void term_layout(cctx *c, mop *o)
{
    const gb_dist_ops *d = o->dist;
    gb_model *m = c->m;
    if (strstr(d->name, "_glm")) {
        /* GLM shortcuts: one repetition over x's N rows and K columns */
        const tensor *x = &m->t.items[o->in[1]];
        o->n = 1;
        o->dims[0] = x->eshape.dim[0];
        o->dims[1] = x->eshape.dim[1];
        for (int i = 0; i < o->nin; i++)
            o->stride[i] = 0;
        if (c->batch != 1) {
            gb_error(c->errs, GB_ESEMANTIC, o->loc, "%s is used on whole vectors, not in a loop",
                     d->name);
            fail(c, GB_ESEMANTIC);
        }
        return;
    }
    gb_shape lead = {0, {0}};
    size_t block[8];
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        int r = i == 0 ? d->variate_rank : d->params[i - 1].rank;
        if (X->eshape.rank < r) { /* e.g. a vector declared where a matrix is drawn */
            gb_error(c->errs, GB_ESEMANTIC, o->loc, "%s of %s has %d dimension%s; it needs %d",
                     i == 0 ? "the variate" : d->params[i - 1].name, d->name, X->eshape.rank,
                     X->eshape.rank == 1 ? "" : "s", r);
            fail(c, GB_ESEMANTIC);
            return;
        }
        gb_shape l = X->eshape;
        l.rank -= r;
        block[i] = 1;
        for (int q = l.rank; q < X->eshape.rank; q++)
            block[i] *= X->eshape.dim[q];
        gb_shape nl;
        if (gb_shape_broadcast(&lead, &l, &nl) != 0) {
            gb_error(c->errs, GB_ESEMANTIC, o->loc, "the arguments' shapes do not match");
            fail(c, GB_ESEMANTIC);
            return;
        }
        lead = nl;
        if (i == 0 && d->variate_rank > 0) {
            o->dims[0] = X->eshape.dim[l.rank];
            if (d->variate_rank > 1)
                o->dims[1] = X->eshape.dim[l.rank + 1];
        } else if (i > 0 && d->variate_rank == 0 && r == 1 && o->dims[0] == 0) {
            /* a scalar variate with a vector parameter (categorical's theta, ordered_logistic's
               cutpoints): dims[0] is that vector's length */
            o->dims[0] = X->eshape.dim[X->eshape.rank - 1];
        }
    }
    size_t le = 1;
    for (int q = 0; q < lead.rank; q++)
        le *= lead.dim[q];
    o->n = c->batch * le;
    o->batch = c->batch;
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        size_t li = X->elen / (block[i] ? block[i] : 1);
        if ((X->batched || c->batch == 1) && li == le) {
            o->stride[i] = block[i];
        } else if (!X->batched && li == 1) {
            o->stride[i] = 0;
        } else {
            o->use_scr[i] = 1;
            o->stride[i] = block[i];
            o->scr[i] = ws_alloc(m, o->n * block[i]);
            o->scr_adj[i] = ws_alloc(m, o->n * block[i]);
        }
    }
}

static void compile_term(cctx *c, size_t i, size_t k)
{
    gb_model *m = c->m;
    const gb_node *n = gb_graph_node(m->g, i);
    const gb_def *d = &n->defs[k];
    if (setup_loops(c, d) != 0)
        return;
    mop o;
    memset(&o, 0, sizeof o);
    o.kind = OP_TERM;
    o.loc = d->loc;
    o.node = i;
    o.def = k;
    o.dist = d->dist;
    o.trunc_lo = o.trunc_hi = GB_NO_TENSOR;
    size_t variate = m->ni[i].tensor;
    if (d->nindex > 0) {
        mop g;
        memset(&g, 0, sizeof g);
        g.kind = OP_GATHER;
        g.loc = d->loc;
        g.in[0] = m->ni[i].tensor;
        if (compile_lhs(c, &g, d) != 0)
            return;
        gb_shape es = elem_shape(n, d->nindex);
        g.out = new_tensor(c, c->batch, 1, &es, n->type == GB_INT, NULL, 1);
        push_op(c, g);
        variate = g.out;
    }
    o.in[0] = variate;
    for (size_t a = 0; a < d->nargs && c->st == GB_OK; a++)
        o.in[a + 1] = compile_expr(c, d->args[a]);
    o.nin = 1 + (int)d->nargs;
    if (c->st == GB_OK)
        term_layout(c, &o);
    if (d->trunc_lo)
        o.trunc_lo = compile_expr(c, d->trunc_lo);
    if (d->trunc_hi)
        o.trunc_hi = compile_expr(c, d->trunc_hi);
    if (c->st == GB_OK)
        push_op(c, o);
}

/* ---- latent variables ---- */

/* Unconstrained length of a transform over n constrained values (K for square matrices). */
static size_t free_len(int tf, size_t n, size_t K)
{
    switch (tf) {
    case LT_SIMPLEX:
        return n ? n - 1 : 0;
    case LT_CHOL_CORR:
        return K * (K - 1) / 2;
    default:
        return n;
    }
}

/* Chooses the transform of a continuous latent from its declared type, else its
 * distribution's support; compiles parameter-dependent bounds.  Returns -1 on error. */
static int choose_transform(cctx *c, size_t i, latent *L)
{
    const gb_node *n = gb_graph_node(c->m->g, i);
    const gb_def *d = &n->defs[0];
    const gb_support *sp = &d->dist->support;
    L->lo_t = L->hi_t = GB_NO_TENSOR;
    L->lo_c = -INFINITY;
    L->hi_c = INFINITY;
    L->K = n->shape.rank > 0 ? n->shape.dim[0] : 1;
    switch (n->constraint) {
    case GB_CON_ORDERED:
        L->tf = LT_ORDERED;
        return 0;
    case GB_CON_POSITIVE_ORDERED:
        L->tf = LT_POS_ORDERED;
        return 0;
    case GB_CON_SIMPLEX:
        L->tf = LT_SIMPLEX;
        return 0;
    case GB_CON_CHOLESKY_CORR:
        L->tf = LT_CHOL_CORR;
        return 0;
    case GB_CON_NONE:
        break;
    default:
        gb_error(c->errs, GB_ESEMANTIC, n->loc, "this constrained type is not supported yet");
        return -1;
    }
    if (n->lower || n->upper) {
        c->batch = 1;
        c->nloops = 0;
        if (n->lower)
            L->lo_t = compile_expr(c, n->lower);
        if (n->upper)
            L->hi_t = compile_expr(c, n->upper);
    } else if (sp->kind == GB_SUPPORT_SIMPLEX) {
        L->tf = LT_SIMPLEX;
        return 0;
    } else if (sp->kind == GB_SUPPORT_CHOL_CORR) {
        L->tf = LT_CHOL_CORR;
        return 0;
    } else if (sp->kind == GB_SUPPORT_INTERVAL) {
        L->lo_c = sp->lower;
        L->hi_c = sp->upper;
        if (sp->lower_param != GB_NO_PARAM || sp->upper_param != GB_NO_PARAM) {
            if (n->ndefs != 1 || d->nindex > 0 || d->nloops > 0) {
                gb_error(c->errs, GB_ESEMANTIC, d->loc, "a %s variable whose bounds come from "
                         "its parameters must be defined in one statement", d->dist->name);
                return -1;
            }
            c->batch = 1;
            c->nloops = 0;
            if (sp->lower_param != GB_NO_PARAM)
                L->lo_t = compile_expr(c, d->args[sp->lower_param]);
            if (sp->upper_param != GB_NO_PARAM)
                L->hi_t = compile_expr(c, d->args[sp->upper_param]);
        }
    } else if (sp->kind != GB_SUPPORT_VECTOR) {
        gb_error(c->errs, GB_ESEMANTIC, d->loc, "%s variables are not supported yet",
                 d->dist->name);
        return -1;
    }
    int lo = L->lo_t != GB_NO_TENSOR || isfinite(L->lo_c);
    int hi = L->hi_t != GB_NO_TENSOR || isfinite(L->hi_c);
    L->tf = lo && hi ? LT_BOUNDED : lo ? LT_LOWER : hi ? LT_UPPER : LT_NONE;
    return c->st != GB_OK ? -1 : 0;
}

static void add_latent(cctx *c, size_t i)
{
    gb_model *m = c->m;
    const gb_node *n = gb_graph_node(m->g, i);
    latent L;
    memset(&L, 0, sizeof L);
    L.node = i;
    L.tf = -1;
    size_t first = m->ops.len;
    if (n->type == GB_INT) {
        const gb_support *sp = &n->defs[0].dist->support;
        int finite = sp->kind == GB_SUPPORT_INTERVAL &&
                     (isfinite(sp->upper) || sp->upper_param != GB_NO_PARAM);
        L.discrete = 1;
        L.finite = finite;
    } else {
        if (choose_transform(c, i, &L) != 0) {
            fail(c, GB_ESEMANTIC);
            return;
        }
        L.ntheta = free_len(L.tf, n->len, L.K);
        mop o;
        memset(&o, 0, sizeof o);
        o.kind = OP_TRANSFORM;
        o.node = i;
        o.def = m->lat.len;
        o.out = m->ni[i].tensor;
        o.loc = n->loc;
        push_op(c, o);
    }
    m->ni[i].ops0 = first;
    m->ni[i].ops1 = m->ops.len;
    m->ni[i].latent = m->lat.len;
    if (GB_VEC_PUSH(&m->lat, L) != 0)
        fail(c, GB_ENOMEM);
}

/* ---- value order ---- */

static int node_tensors(cctx *c)
{
    gb_model *m = c->m;
    for (size_t i = 0; i < gb_graph_node_count(m->g); i++) {
        const gb_node *n = gb_graph_node(m->g, i);
        m->ni[i].latent = GB_NO_TENSOR;
        if (!shape_known(&n->shape)) {
            gb_error(c->errs, GB_EDATA, n->loc, "the size of '%s' is not known: give the data",
                     n->name);
            fail(c, GB_EDATA);
            return -1;
        }
        int external = n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST || n->observed;
        if (external && !n->value) {
            gb_error(c->errs, GB_EDATA, n->loc, "'%s' has no value: give the data", n->name);
            fail(c, GB_EDATA);
            return -1;
        }
        m->ni[i].tensor = new_tensor(c, 1, 0, &n->shape, n->type == GB_INT,
                                     external ? n->value : NULL, !external);
        if (c->st != GB_OK)
            return -1;
    }
    return 0;
}

/* Compiles the nodes in value order: latents, deterministic definitions, then every
 * stochastic definition's term (its argument ops and the TERM), each term's op range recorded. */
static void compile_nodes(cctx *c)
{
    gb_model *m = c->m;
    size_t nn = gb_graph_node_count(m->g);
    for (size_t t = 0; c->st == GB_OK && t < nn; t++) {
        size_t i = m->topo[t];
        const gb_node *n = gb_graph_node(m->g, i);
        if (gb_node_is_parameter(n)) {
            add_latent(c, i);
        } else if (n->kind == GB_NODE_DETERMINISTIC && n->ndefs && n->defs[0].recur_group) {
            /* a recursion group's members are together (model_recur.c): compiled at the first */
            const gb_node *prev = t ? gb_graph_node(m->g, m->topo[t - 1]) : NULL;
            int g = n->defs[0].recur_group;
            if (!prev || !prev->ndefs || prev->defs[0].recur_group != g)
                compile_group(c, g);
        } else if (n->kind == GB_NODE_DETERMINISTIC) {
            m->ni[i].ops0 = m->ops.len;
            for (size_t k = 0; k < n->ndefs && c->st == GB_OK; k++)
                compile_def(c, i, k, 0);
            m->ni[i].ops1 = m->ops.len;
        }
    }
    m->nterm_start = m->ops.len;
    for (size_t i = 0; c->st == GB_OK && i < nn; i++) {
        const gb_node *n = gb_graph_node(m->g, i);
        if (n->kind != GB_NODE_STOCHASTIC)
            continue;
        for (size_t k = 0; k < n->ndefs && c->st == GB_OK; k++) {
            term_range tr = {i, m->ops.len, 0};
            compile_term(c, i, k);
            tr.b = m->ops.len;
            if (GB_VEC_PUSH(&m->terms, tr) != 0)
                fail(c, GB_ENOMEM);
        }
    }
}

gb_status gb_model_compile(const gb_graph *g, gb_model **out, gb_errlist *errs)
{
    size_t nkinds;
    const gb_sampler_ops *const *kinds = gb_sampler_registry_kinds(&nkinds);
    return gb_model_compile_with(g, kinds, nkinds, out, errs);
}

gb_status gb_model_compile_with(const gb_graph *g, const gb_sampler_ops *const *kinds,
                                size_t nkinds, gb_model **out, gb_errlist *errs)
{
    gb_model *m = calloc(1, sizeof *m);
    size_t nn = gb_graph_node_count(g);
    cctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.errs = errs;
    if (!m)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    m->g = g;
    m->kinds = kinds;
    m->nkinds = nkinds;
    m->ni = calloc(nn ? nn : 1, sizeof *m->ni);
    m->topo = calloc(nn ? nn : 1, sizeof *m->topo);
    if (!m->ni || !m->topo || gb_model_value_order(g, m->topo) != GB_OK)
        fail(&c, GB_ENOMEM);
    if (c.st == GB_OK)
        node_tensors(&c);
    compile_nodes(&c);
    /* the stages after the ops: each returns its status, the first failure stops the rest */
    if (c.st == GB_OK)
        c.st = gb_model_plan(m, errs);
    if (c.st == GB_OK)
        c.st = gb_model_deps_fixed(m);
    if (c.st == GB_OK)
        c.st = gb_model_fold_fixed(m);
    if (c.st == GB_OK)
        c.st = gb_model_plan_gibbs(m);
    if (c.st == GB_OK)
        c.st = gb_model_plan_discrete(m, errs);
    if (c.st == GB_OK) /* after the chains are known: a chain it cannot sum goes to FFBS */
        c.st = gb_model_plan_marginal(m, errs);
    if (c.st == GB_OK) /* every latent's kind is final: each checks what it needs */
        c.st = gb_model_plan_check(m, errs);
    if (c.st == GB_OK)
        c.st = gb_model_make_columns(m);
    if (c.st == GB_OK) /* after folding and the plans: which ops are fixed and summed is known */
        c.st = gb_model_plan_fused(m);
    if (c.st == GB_OK) /* the terms left unfused whose rows reach parameters by a fixed index */
        c.st = gb_model_plan_grouped(m);
    if (c.st != GB_OK) {
        gb_model_free(m);
        return c.st;
    }
    gb_model_prepare_terms(m);
    *out = m;
    return GB_OK;
}
