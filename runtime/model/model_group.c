/* model_group.c - likelihood terms whose rows reach the parameters only through an integer index
 * that stays fixed during a NUTS trajectory, evaluated from per-group sufficient statistics
 * (issue 25: hmm_gauss, whose gradient ran all T emission and T - 1 transition rows although
 * the states z do not move while NUTS does).
 *
 * The pattern (gb_model_plan_grouped): a term, not summed out, fused or truncated, of
 *   - `normal(v[i], s)` or `normal(v[i], s[i])`, with v and s vectors and a fixed variate: per
 *     group k, n_k, the mean ybar_k and the centred sum of squares SS_k of its rows, and
 *       lpdf = sum_k -(SS_k + n_k (ybar_k - v_k)^2) / (2 s_k^2) - n_k (log s_k + log sqrt(2 pi));
 *   - `categorical(P[i])` (rows of a matrix) or `categorical(p)` (one p for every row) with a
 *     fixed variate: counts n[k][c], and lpdf = sum n[k][c] log P[k][c].
 * "Fixed" is a tensor that depends on nothing but data and discrete latents that some other
 * sampler updates (z in an HMM, labels updated by Gibbs): the ops of the term's argument range
 * that compute the index and the variate from them, which the pattern must account for whole
 * (every argument op is such an op, a folded no-op, or the one gather of v, s or P), and whose
 * results nothing outside the range reads.
 *
 * When the statistics are rebuilt: they are a function of the discrete latents' values the
 * range reads (data never changes).  Rather than trust every writer of those values (FFBS, Gibbs,
 * initialisation, tests) to bump a counter, each workspace keeps a copy of them taken when the
 * statistics were built; the gradient pass compares it (a memcmp of T doubles, against the T
 * rows' work it saves) and rebuilds only when they differ: once after each FFBS or Gibbs sweep,
 * never within a trajectory.  The rebuild runs the argument ops forward (so an index out of
 * range marks the evaluation bad exactly as the tape would) and reads the index and variate.
 *
 * The result equals the tape's up to summation order: a centred sum of squares keeps the
 * normal's relative error near the row-by-row sum's.  The gradient pass runs this instead of the
 * tape when gb_model_ws_set_grouped leaves it on and the evaluation is not a share of a split
 * likelihood (split.h), which keeps the tape.  The adjoints go straight to v, s and P, whose
 * producers precede the term ops (checked at planning), so the backward pass skips the range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

enum { GS_NORMAL, GS_CATEGORICAL };
enum { GS_SOURCES = 4 };
enum { GS_UNBUILT = 0, GS_OK = 1, GS_BAD = 2 }; /* the flag in the workspace */

struct gb_group_plan {
    int kind;
    size_t a, q;     /* the term's argument ops [a, q) and the term op */
    size_t n;        /* rows (the term's repetitions) */
    size_t y, idx;   /* variate and index tensors; idx GB_NO_TENSOR: one group (shared p) */
    size_t v, s;     /* location vector or probability matrix / vector; normal's scale */
    int s_grouped;   /* s is a vector read at the index, not one scale */
    size_t G, K;     /* groups; categories (categorical) */
    double log_norm; /* normal: log sqrt(2 pi) as the distribution adds it */
    size_t nsrc, src[GS_SOURCES], src_len[GS_SOURCES]; /* discrete latents' tensors read */
    size_t flag, save, stat; /* workspace offsets: state, copy of the sources, statistics */
    size_t gather[2];        /* the gathers of v and s (GB_NO_TENSOR: none): not rerun */
};

/* ---- recognising the pattern ---- */

typedef struct gctx {
    gb_model *m;
    size_t a, q;
    unsigned char *fixed; /* per tensor: depends on data and non-NUTS discrete latents only */
    unsigned char *used;  /* per op of [a, q): accounted for */
    gb_group_plan *p;
} gctx;

static size_t producer(const gb_model *m, size_t a, size_t q, size_t t)
{
    for (size_t k = a; k < q; k++) {
        const mop *o = &m->ops.items[k];
        if (o->kind != OP_SKIP && o->out == t)
            return k;
    }
    return GB_NO_TENSOR;
}

/* A parameter read whole: computed before the term ops (a node's value), never by them, so its
 * adjoint may be added to at the term's place. */
static int early_tensor(const gb_model *m, size_t t)
{
    return producer(m, m->nterm_start, m->ops.len, t) == GB_NO_TENSOR;
}

static size_t total(const gb_model *m, size_t t)
{
    return m->t.items[t].batch * m->t.items[t].elen;
}

/* A discrete latent updated by another kind (not summed out): its tensor is a source. */
static int add_source(gctx *c, size_t t)
{
    for (size_t i = 0; i < c->p->nsrc; i++)
        if (c->p->src[i] == t)
            return 1;
    if (c->p->nsrc == GS_SOURCES)
        return 0;
    c->p->src[c->p->nsrc] = t;
    c->p->src_len[c->p->nsrc++] = total(c->m, t);
    return 1;
}

static int is_source(gctx *c, size_t t)
{
    const gb_model *m = c->m;
    for (size_t k = 0; k < m->lat.len; k++) {
        const latent *L = &m->lat.items[k];
        if (L->discrete && !L->marg && m->ni[L->node].tensor == t)
            return add_source(c, t);
    }
    return 0;
}

static int fixed_input(gctx *c, size_t t)
{
    return c->m->t.items[t].ext || c->fixed[t] || is_source(c, t);
}

/* Marks the fixed results of [a, q), in order: every input data, a source or fixed. */
static void mark_fixed(gctx *c)
{
    for (size_t k = c->a; k < c->q; k++) {
        const mop *o = &c->m->ops.items[k];
        if (o->kind == OP_SKIP || o->kind == OP_COMPREH || o->kind == OP_TRANSFORM ||
            o->kind == OP_TERM || o->seq || o->marg || o->nin == 0)
            continue;
        int ok = 1;
        for (int i = 0; i < o->nin && ok; i++)
            ok = fixed_input(c, o->in[i]);
        if (ok) {
            c->fixed[o->out] = 1;
            c->used[k - c->a] = 1;
        }
    }
}

/* A fixed tensor of the term's n rows, one value a row, read in place (stride 1). */
static int fixed_rows(gctx *c, size_t t, int i)
{
    const mop *o = &c->m->ops.items[c->q];
    return fixed_input(c, t) && total(c->m, t) == c->p->n && o->stride[i] == 1 && !o->use_scr[i];
}

/* Tensor t = base[idx] with one index a row: the gather op of [a, q) (returned, marked used)
 * whose index is fixed and whose base has rank `rank`, is read whole and precedes the terms;
 * GB_NO_TENSOR otherwise. */
static size_t row_gather(gctx *c, size_t t, int rank, size_t *idx)
{
    size_t k = producer(c->m, c->a, c->q, t);
    if (k == GB_NO_TENSOR)
        return GB_NO_TENSOR;
    const mop *o = &c->m->ops.items[k];
    if (o->kind != OP_INDEX || o->nin != 2 || o->seq || o->marg)
        return GB_NO_TENSOR;
    int ix = o->sub & 3;
    const tensor *V = &c->m->t.items[o->in[0]], *I = &c->m->t.items[o->in[1]],
                 *O = &c->m->t.items[o->out];
    if ((ix != IX_SCALAR && ix != IX_VECTOR) || V->batched || V->eshape.rank != rank ||
        !early_tensor(c->m, o->in[0]) || !fixed_input(c, o->in[1]) ||
        total(c->m, o->in[1]) != c->p->n || (I->batched && I->elen != 1) ||
        I->batched != O->batched || (ix == IX_SCALAR) != I->batched)
        return GB_NO_TENSOR;
    c->used[k - c->a] = 1;
    c->p->gather[c->p->gather[0] != GB_NO_TENSOR] = k;
    *idx = o->in[1];
    return o->in[0];
}

/* Two index tensors with the same values: one tensor, or the results of two ops of [a, q) of the
 * same kind reading the same inputs (each `z[n]` of a statement is an op of its own). */
static int same_index(const gctx *c, size_t t1, size_t t2)
{
    if (t1 == t2)
        return 1;
    size_t k1 = producer(c->m, c->a, c->q, t1), k2 = producer(c->m, c->a, c->q, t2);
    if (k1 == GB_NO_TENSOR || k2 == GB_NO_TENSOR)
        return 0;
    const mop *o1 = &c->m->ops.items[k1], *o2 = &c->m->ops.items[k2];
    if (o1->kind != o2->kind || o1->sub != o2->sub || o1->nin != o2->nin ||
        (o1->kind != OP_INDEX && o1->kind != OP_GATHER))
        return 0;
    for (int i = 0; i < o1->nin; i++)
        if (o1->in[i] != o2->in[i])
            return 0;
    return 1;
}

static int normal_fits(gctx *c)
{
    const gb_model *m = c->m;
    const mop *o = &m->ops.items[c->q];
    gb_group_plan *p = c->p;
    size_t idx = GB_NO_TENSOR, sidx = GB_NO_TENSOR;
    if (o->nin != 3 || !fixed_rows(c, o->in[0], 0) || o->stride[1] != 1 || o->use_scr[1] ||
        total(m, o->in[1]) != p->n)
        return 0;
    p->v = row_gather(c, o->in[1], 1, &idx);
    if (p->v == GB_NO_TENSOR)
        return 0;
    p->idx = idx;
    p->G = m->t.items[p->v].elen;
    const tensor *S = &m->t.items[o->in[2]];
    if (o->stride[2] == 0 && !o->use_scr[2] && !S->batched && S->elen == 1 &&
        early_tensor(m, o->in[2]) && producer(m, c->a, c->q, o->in[2]) == GB_NO_TENSOR) {
        p->s = o->in[2];
        return 1;
    }
    if (o->stride[2] != 1 || o->use_scr[2] || total(m, o->in[2]) != p->n)
        return 0;
    p->s = row_gather(c, o->in[2], 1, &sidx);
    p->s_grouped = 1;
    return p->s != GB_NO_TENSOR && same_index(c, sidx, idx) && m->t.items[p->s].elen >= p->G;
}

static int categorical_fits(gctx *c)
{
    const gb_model *m = c->m;
    const mop *o = &m->ops.items[c->q];
    gb_group_plan *p = c->p;
    if (o->nin != 2 || !fixed_rows(c, o->in[0], 0) || o->use_scr[1])
        return 0;
    size_t idx = GB_NO_TENSOR, P = o->in[1];
    if (o->stride[1] == 0) { /* one p for every row */
        const tensor *X = &m->t.items[P];
        if (X->batched || X->eshape.rank != 1 || !early_tensor(m, P) ||
            producer(m, c->a, c->q, P) != GB_NO_TENSOR)
            return 0;
        p->v = P;
        p->G = 1;
        p->K = X->elen;
    } else {
        p->v = row_gather(c, P, 2, &idx);
        if (p->v == GB_NO_TENSOR)
            return 0;
        const tensor *V = &m->t.items[p->v];
        p->G = V->eshape.dim[0];
        p->K = V->elen / p->G;
        if (o->stride[1] != p->K || total(m, P) != p->n * p->K)
            return 0;
    }
    p->idx = idx;
    return p->K > 0 && (o->dims[0] == 0 || o->dims[0] == p->K) && o->dims[1] == 0;
}

static int reads(const mop *o, size_t t)
{
    for (int i = 0; i < o->nin; i++)
        if (o->in[i] == t)
            return 1;
    return o->trunc_lo == t || o->trunc_hi == t;
}

/* Every op of [a, q) accounted for (a folded no-op, a fixed op or the gathers); none of their
 * results read outside [a, q]. */
static int range_closed(const gctx *c)
{
    const gb_model *m = c->m;
    for (size_t k = c->a; k < c->q; k++) {
        const mop *o = &m->ops.items[k];
        if (o->kind == OP_SKIP ? o->body1 != k + 1 : !c->used[k - c->a])
            return 0;
    }
    for (size_t k = 0; k < m->ops.len; k++) {
        if (k >= c->a && k <= c->q)
            continue;
        const mop *o = &m->ops.items[k];
        for (size_t j = c->a; j < c->q; j++)
            if (m->ops.items[j].kind != OP_SKIP && reads(o, m->ops.items[j].out))
                return 0;
    }
    return 1;
}

static int term_fits(const mop *o)
{
    return o->kind == OP_TERM && !o->marg && !o->seq && !o->fuse && o->n >= 1 &&
           o->trunc_lo == GB_NO_TENSOR && o->trunc_hi == GB_NO_TENSOR &&
           (strcmp(o->dist->name, "normal") == 0 || strcmp(o->dist->name, "categorical") == 0);
}

/* log sqrt(2 pi) as the distribution adds it: minus its log density of 0 at mu = 0, s = 1. */
static double normal_log_norm(const mop *o)
{
    double zero = 0, one = 1;
    gb_arg a[3] = {{&zero, NULL, 0}, {&zero, NULL, 0}, {&one, NULL, 0}};
    return -o->dist->lpdf(1, a, NULL, 0);
}

/* Lays out the plan's workspace: the flag, the copy of the sources, the statistics. */
static void layout(gb_model *m, gb_group_plan *p)
{
    p->flag = m->ws_size++;
    p->save = m->ws_size;
    for (size_t i = 0; i < p->nsrc; i++)
        m->ws_size += p->src_len[i];
    p->stat = m->ws_size;
    m->ws_size += p->kind == GS_NORMAL ? 3 * p->G : p->G * p->K;
}

static gb_status plan_term(gb_model *m, const term_range *tr)
{
    size_t q = tr->b - 1;
    mop *o = &m->ops.items[q];
    if (!term_fits(o))
        return GB_OK;
    gctx c = {m,
              tr->a,
              q,
              calloc(m->t.len, 1),
              calloc(q - tr->a + 1, 1),
              calloc(1, sizeof(gb_group_plan))};
    if (!c.fixed || !c.used || !c.p) {
        free(c.fixed);
        free(c.used);
        free(c.p);
        return GB_ENOMEM;
    }
    c.p->kind = strcmp(o->dist->name, "normal") == 0 ? GS_NORMAL : GS_CATEGORICAL;
    c.p->a = tr->a;
    c.p->q = q;
    c.p->n = o->n;
    c.p->s = GB_NO_TENSOR;
    c.p->gather[0] = c.p->gather[1] = GB_NO_TENSOR;
    mark_fixed(&c);
    int fits = c.p->kind == GS_NORMAL ? normal_fits(&c) : categorical_fits(&c);
    if (fits && range_closed(&c)) {
        if (c.p->kind == GS_NORMAL)
            c.p->log_norm = normal_log_norm(o);
        c.p->y = o->in[0];
        layout(m, c.p);
        o->group = c.p;
        c.p = NULL;
        for (size_t k = tr->a; k < q; k++) {
            mop *g = &m->ops.items[k];
            if (g->kind != OP_SKIP) {
                g->group_in = 1;
                m->t.items[g->out].group_tmp = 1;
            }
        }
    }
    free(c.fixed);
    free(c.used);
    free(c.p);
    return GB_OK;
}

gb_status gb_model_plan_grouped(gb_model *m)
{
    for (size_t k = 0; k < m->terms.len; k++) {
        gb_status st = plan_term(m, &m->terms.items[k]);
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

size_t gb_model_grouped_terms(const gb_model *m)
{
    size_t n = 0;
    for (size_t q = 0; q < m->ops.len; q++)
        n += m->ops.items[q].group != NULL;
    return n;
}

int gb_model_grouped_term_text(const gb_model *m, size_t i, char *buf, size_t len)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        const gb_group_plan *p = m->ops.items[q].group;
        if (!p || i-- > 0)
            continue;
        const gb_node *nd = gb_graph_node(m->g, m->ops.items[q].node);
        char cats[48] = "";
        if (p->kind == GS_CATEGORICAL)
            snprintf(cats, sizeof cats, " x %zu categories", p->K);
        int w =
            snprintf(buf, len, "%s ~ %s: %zu rows from per-group statistics (%zu group%s%s)",
                     nd->name, m->ops.items[q].dist->name, p->n, p->G, p->G == 1 ? "" : "s", cats);
        return w < 0 ? -1 : 1;
    }
    return 0;
}

/* ---- the statistics ---- */

static int sources_same(const gb_model *m, gb_model_ws *ws, const gb_group_plan *p)
{
    const double *save = ws->buf + p->save;
    for (size_t i = 0; i < p->nsrc; i++) {
        if (memcmp(save, tval(m, ws, p->src[i]), p->src_len[i] * sizeof *save) != 0)
            return 0;
        save += p->src_len[i];
    }
    return 1;
}

/* Group of row r: the index's value less one (checked in range by the gather that ran). */
static size_t row_group(const double *iv, size_t r)
{
    return iv ? (size_t)iv[r] - 1 : 0;
}

static int normal_stats(const gb_group_plan *p, const double *y, const double *iv, double *st)
{
    double *cnt = st, *mean = st + p->G, *ss = st + 2 * p->G;
    memset(st, 0, 3 * p->G * sizeof *st);
    for (size_t r = 0; r < p->n; r++) {
        if (!isfinite(y[r]))
            return 0;
        if (iv && !(iv[r] >= 1 && iv[r] <= (double)p->G))
            return 0;
        size_t k = row_group(iv, r);
        cnt[k] += 1;
        mean[k] += y[r];
    }
    for (size_t k = 0; k < p->G; k++)
        mean[k] = cnt[k] > 0 ? mean[k] / cnt[k] : 0;
    for (size_t r = 0; r < p->n; r++) { /* centred: no cancellation in SS + n (ybar - mu)^2 */
        double d = y[r] - mean[row_group(iv, r)];
        ss[row_group(iv, r)] += d * d;
    }
    return 1;
}

static int categorical_stats(const gb_group_plan *p, const double *y, const double *iv, double *st)
{
    memset(st, 0, p->G * p->K * sizeof *st);
    for (size_t r = 0; r < p->n; r++) {
        double c = y[r];
        if (!(c >= 1 && c <= (double)p->K && c == floor(c)) ||
            (iv && !(iv[r] >= 1 && iv[r] <= (double)p->G)))
            return 0;
        st[row_group(iv, r) * p->K + (size_t)c - 1] += 1;
    }
    return 1;
}

/* Brings the statistics up to date; the flag (GS_OK, or GS_BAD: the term's density is -inf). */
static int refresh(const gb_model *m, gb_model_ws *ws, const gb_group_plan *p)
{
    double *flag = ws->buf + p->flag;
    if (*flag != GS_UNBUILT && sources_same(m, ws, p))
        return (int)*flag;
    /* the index and variate as the tape computes them (bad: an index out of range), without
       the gathers of the parameters: an index out of their range is checked with the rows */
    for (size_t k = p->a; k < p->q && !ws->bad; k++)
        if (k != p->gather[0] && k != p->gather[1])
            gb_model_tape_forward(m, ws, k, k + 1, NULL, 0, 0);
    const double *y = tval(m, ws, p->y);
    const double *iv = p->idx == GB_NO_TENSOR ? NULL : tval(m, ws, p->idx);
    int ok = !ws->bad && (p->kind == GS_NORMAL ? normal_stats(p, y, iv, ws->buf + p->stat)
                                               : categorical_stats(p, y, iv, ws->buf + p->stat));
    double *save = ws->buf + p->save;
    for (size_t i = 0; i < p->nsrc; i++) {
        memcpy(save, tval(m, ws, p->src[i]), p->src_len[i] * sizeof *save);
        save += p->src_len[i];
    }
    *flag = ok ? GS_OK : GS_BAD;
    return (int)*flag;
}

/* ---- the kernels ---- */

static double normal_term(const gb_model *m, gb_model_ws *ws, const gb_group_plan *p)
{
    const double *st = ws->buf + p->stat, *v = tval(m, ws, p->v), *s = tval(m, ws, p->s);
    const double *cnt = st, *mean = st + p->G, *ss = st + 2 * p->G;
    double *va = tadj(m, ws, p->v), *sa = tadj(m, ws, p->s);
    double lp = 0, qsum = 0, nsum = 0;
    if (!p->s_grouped && !(s[0] > 0 && s[0] < INFINITY))
        return -INFINITY;
    for (size_t k = 0; k < p->G; k++) {
        if (cnt[k] == 0)
            continue;
        double sk = s[p->s_grouped ? k : 0], d = mean[k] - v[k];
        if (!isfinite(v[k]) || !(sk > 0 && sk < INFINITY))
            return -INFINITY;
        double q = (ss[k] + cnt[k] * d * d) / (sk * sk);
        if (va)
            va[k] += cnt[k] * d / (sk * sk);
        if (p->s_grouped) {
            lp += -0.5 * q - cnt[k] * log(sk);
            if (sa)
                sa[k] += (q - cnt[k]) / sk;
        } else {
            qsum += q;
        }
        nsum += cnt[k];
    }
    if (!p->s_grouped) {
        lp = -0.5 * qsum - nsum * log(s[0]);
        if (sa)
            sa[0] += (qsum - nsum) / s[0];
    }
    return lp - nsum * p->log_norm;
}

/* Each used (group, category) pair's log density by the distribution itself (its simplex and
 * support checks, its log), times its count; the adjoint likewise. */
static double categorical_term(const gb_model *m, gb_model_ws *ws, const mop *o,
                               const gb_group_plan *p)
{
    const double *st = ws->buf + p->stat, *v = tval(m, ws, p->v);
    double *va = tadj(m, ws, p->v), lp = 0;
    for (size_t k = 0; k < p->G; k++)
        for (size_t c = 0; c < p->K; c++) {
            double cnt = st[k * p->K + c], y = (double)(c + 1);
            if (cnt == 0)
                continue;
            gb_arg a[2] = {{&y, NULL, 0}, {v + k * p->K, NULL, p->K}};
            double l = o->dist->lpdf(1, a, NULL, 0);
            if (!(l > -INFINITY))
                return -INFINITY;
            lp += cnt * l;
            if (va) /* what the lpdf adds a row: 1 / P[k][c] */
                va[k * p->K + c] += cnt * (1 / v[k * p->K + c]);
        }
    return lp;
}

double mop_grouped_term(const gb_model *m, gb_model_ws *ws, const mop *o)
{
    const gb_group_plan *p = o->group;
    int st = refresh(m, ws, p);
    if (ws->bad || st != GS_OK)
        return -INFINITY;
    return p->kind == GS_NORMAL ? normal_term(m, ws, p) : categorical_term(m, ws, o, p);
}
