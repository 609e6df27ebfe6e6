/* model_marg_step.c - a summed-out scalar latent read through a threshold: the change point's
 * likelihood summed over the latent's K values in O(N + K) rather than O(N x K).
 *
 * When the argument ops of a term read the latent tau only through one comparison with a value
 * that does not depend on it (`poisson(if i < tau then l1 else l2)`), repetition r's log density
 * takes one of two values: lpT_r with the comparison true, lpF_r with it false.  The comparison
 * is monotone in tau, so it holds on one side of a breakpoint s_r among the values 0 .. K - 1
 * (the latent at lo + v): the early side v < s_r or the late side v >= s_r.  Then
 *   L(v) = sum_{r: s_r <= v} late_r + sum_{r: s_r > v} early_r,
 * two bucket arrays indexed by s and a prefix and a suffix sum: two runs of the range (with the
 * comparison set true, then false) instead of K.  By Fisher's identity the gradient weights
 * repetition r's late run by P(v >= s_r) and its early run by P(v < s_r), sums of the softmax
 * weights over v, again prefix sums.  (Stan's user guide sums its change point the same way,
 * by dynamic programming over the prefix.)
 *
 * The planner proves the structure from the op tape (step_op): in the range, exactly one op
 * reads the latent, a comparison < <= > >= whose other operand is one fixed value an item (data,
 * a loop variable: every change point's i < tau), not inside a comprehension body, and the term
 * itself does not read it; the breakpoints are then found once, at planning (L->mbrk).  The
 * latent's own prior, and any range that is not of this form, is summed value by value as
 * before (model_marg.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_marg_int.h"

/* Does op o, reading the latent's tensor zt once, compare it with one fixed value (data, a
 * constant, a loop variable: read-only) an item of the range's nb items?  A threshold that
 * moved with a parameter would make the density jump in it, and the planner would not give
 * that parameter to NUTS; fixed, the breakpoints are found once, at planning. */
static int is_step_cmp(const gb_model *m, const mop *o, size_t zt, size_t nb)
{
    if (o->kind != OP_BINOP || o->nin != 2 || o->seq || (o->in[0] == zt) == (o->in[1] == zt))
        return 0;
    if (o->sub != GB_OP_LT && o->sub != GB_OP_LE && o->sub != GB_OP_GT && o->sub != GB_OP_GE)
        return 0;
    const tensor *X = &m->t.items[o->in[o->in[0] == zt]], *C = &m->t.items[o->out];
    return X->ext && X->elen == 1 && C->elen == 1 && (!X->batched || X->batch == nb) &&
           (!C->batched || C->batch == nb);
}

/* The comparison op through which blanket range k reads the latent (tensor zt), or
 * GB_NO_TENSOR when it reads it otherwise. */
static size_t step_op(const gb_model *m, const latent *L, size_t k, size_t zt)
{
    size_t a = L->blanket.items[2 * k], b = L->blanket.items[2 * k + 1];
    const mop *t = &m->ops.items[b - 1];
    size_t nb = t->batch ? t->batch : 1, found = GB_NO_TENSOR, body_end = 0;
    if (t->n % nb != 0)
        return GB_NO_TENSOR;
    for (int i = 0; i < t->nin; i++)
        if (t->in[i] == zt)
            return GB_NO_TENSOR; /* the latent's own prior, or an observation of it */
    for (size_t q = a; q + 1 < b; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP && o->body1 > body_end)
            body_end = o->body1;
        int reads = 0;
        for (int i = 0; i < o->nin; i++)
            reads += o->in[i] == zt;
        if (!reads)
            continue;
        if (found != GB_NO_TENSOR || q < body_end || !is_step_cmp(m, o, zt, nb))
            return GB_NO_TENSOR;
        found = q;
    }
    return found;
}

/* The most repetitions of one of L's terms. */
static size_t max_reps(const gb_model *m, const latent *L)
{
    size_t reps = 1;
    for (size_t i = 0; i + 1 < L->blanket.len; i += 2) {
        size_t n = m->ops.items[L->blanket.items[i + 1] - 1].n;
        reps = n > reps ? n : reps;
    }
    return reps;
}

/* model_marg_int.h: per range a fallback flag, two bucket arrays of K + 1, and per repetition
 * the two runs' log densities and a weight. */
size_t gb_model_marg_step_size(const gb_model *m, const latent *L, size_t reps)
{
    (void)m;
    return L->mcmp ? L->blanket.len / 2 + 2 * (L->mK + 1) + 3 * reps : 0;
}

/* The step workspace's pieces (gb_model_marg_step_size). */
typedef struct step_ws {
    double *fell, *early, *late, *outT, *outF, *w;
} step_ws;

static step_ws step_layout(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    step_ws s;
    size_t reps = max_reps(m, L);
    s.fell = ws->buf + L->mstep;
    s.early = s.fell + L->blanket.len / 2;
    s.late = s.early + L->mK + 1;
    s.outT = s.late + L->mK + 1;
    s.outF = s.outT + reps;
    s.w = s.outF + reps;
    return s;
}

static int cmp_holds(int sub, double a, double b)
{
    return sub == GB_OP_LT ? a < b : sub == GB_OP_LE ? a <= b : sub == GB_OP_GT ? a > b : a >= b;
}

/* The comparison as `z sub x`, the latent on the left. */
static int z_sub(const mop *c, size_t zt)
{
    if (c->in[0] == zt)
        return c->sub;
    return c->sub == GB_OP_LT   ? GB_OP_GT
           : c->sub == GB_OP_LE ? GB_OP_GE
           : c->sub == GB_OP_GT ? GB_OP_LT
                                : GB_OP_LE;
}

/* The first value index v in [0, K] from which on the comparison `lo + v sub x` is what it is
 * for the largest values (true for > and >=, false for < and <=).  The formula's guess is
 * checked against the comparison itself, so rounding in x - lo cannot move it. */
static size_t breakpoint(int sub, double lo, size_t K, double x)
{
    int late = sub == GB_OP_GT || sub == GB_OP_GE;
    double d = x - lo, g = sub == GB_OP_GT || sub == GB_OP_LE ? floor(d) + 1 : ceil(d);
    size_t s = isnan(d) ? (late ? K : 0) : g <= 0 ? 0 : g >= (double)K ? K : (size_t)g;
    while (s > 0 && cmp_holds(sub, lo + (double)(s - 1), x) == late)
        s--;
    while (s < K && cmp_holds(sub, lo + (double)s, x) != late)
        s++;
    return s;
}

/* L->mbrk: each step range's repetition breakpoints, from the comparison's fixed operand
 * (GB_NO_TENSOR in the other ranges).  -1 when out of memory. */
static int cache_breakpoints(const gb_model *m, latent *L, double lo, size_t K)
{
    size_t nr = L->blanket.len / 2, zt = m->ni[L->node].tensor;
    if (!(L->mbrk = malloc((L->moff[nr] ? L->moff[nr] : 1) * sizeof *L->mbrk)))
        return -1;
    for (size_t k = 0; k < nr; k++) {
        const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
        size_t le = t->n / (t->batch ? t->batch : 1), *brk = L->mbrk + L->moff[k];
        const mop *c = L->mcmp[k] != GB_NO_TENSOR ? &m->ops.items[L->mcmp[k]] : NULL;
        const tensor *X = c ? &m->t.items[c->in[c->in[0] == zt]] : NULL;
        for (size_t r = 0; r < t->n; r++)
            brk[r] =
                X ? breakpoint(z_sub(c, zt), lo, K, X->ext[mop_item(X, r / le)]) : GB_NO_TENSOR;
    }
    return 0;
}

/* model_marg_int.h */
int gb_model_marg_step_plan(const gb_model *m, latent *L, double lo, size_t K, double *work)
{
    size_t nr = L->blanket.len / 2, zt = m->ni[L->node].tensor, steps = 0;
    const tensor *Z = &m->t.items[zt];
    *work = 0;
    L->mcmp = L->mbrk = NULL;
    if (Z->elen == 1 && !Z->batched && nr) { /* a scalar: every repetition reads it */
        if (!(L->mcmp = malloc(nr * sizeof *L->mcmp)))
            return -1;
        for (size_t k = 0; k < nr; k++)
            steps += (L->mcmp[k] = step_op(m, L, k, zt)) != GB_NO_TENSOR;
        if (!steps) {
            free(L->mcmp);
            L->mcmp = NULL;
        } else if (cache_breakpoints(m, L, lo, K) != 0) {
            free(L->mcmp);
            L->mcmp = NULL;
            return -1;
        }
    }
    for (size_t k = 0; k < nr; k++) {
        double n = (double)m->ops.items[L->blanket.items[2 * k + 1] - 1].n;
        *work += L->mcmp && L->mcmp[k] != GB_NO_TENSOR ? 2 * n + (double)K : n * (double)K;
    }
    return 0;
}

/* Step range k's comparison as `z sub x` and its breakpoints (L->mbrk). */
typedef struct step_range {
    const size_t *brk;
    size_t n;
    int late; /* the comparison holds on the late side, v >= breakpoint (> and >=) */
} step_range;

static step_range step_range_of(const gb_model *m, const latent *L, size_t k)
{
    step_range R;
    const mop *c = &m->ops.items[L->mcmp[k]];
    int sub = z_sub(c, m->ni[L->node].tensor);
    R.brk = L->mbrk + L->moff[k];
    R.n = m->ops.items[L->blanket.items[2 * k + 1] - 1].n;
    R.late = sub == GB_OP_GT || sub == GB_OP_GE;
    return R;
}

static double finite_or_minf(double lp)
{
    return lp > -INFINITY ? lp : -INFINITY; /* NaN too */
}

/* Range k summed value by value (its forced run failed), as model_marg.c does: its log
 * density added to acc[v], or, with w (the posterior weights of the values), its gradient. */
static void by_value(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                     const step_ws *s, const double *w, double *acc)
{
    double *z = tval(m, ws, m->ni[L->node].tensor);
    size_t n = m->ops.items[L->blanket.items[2 * k + 1] - 1].n;
    for (size_t v = 0; v < L->mK; v++) {
        z[0] = L->mlo + (double)v;
        for (size_t r = 0; w && r < n; r++)
            s->w[r] = w[v];
        gb_model_marg_range_each(m, ws, L, k, -1, w ? s->w : NULL, s->outT);
        for (size_t r = 0; !w && r < n; r++)
            acc[v] += finite_or_minf(s->outT[r]);
    }
}

/* model_marg_int.h */
void gb_model_marg_step_fill(const gb_model *m, gb_model_ws *ws, const latent *L, double *tab)
{
    step_ws s = step_layout(m, ws, L);
    size_t K = L->mK;
    for (size_t k = 0; 2 * k < L->blanket.len; k++) {
        if (L->mcmp[k] == GB_NO_TENSOR)
            continue;
        int ok = gb_model_marg_range_each(m, ws, L, k, 1, NULL, s.outT);
        ok = ok && gb_model_marg_range_each(m, ws, L, k, 0, NULL, s.outF);
        s.fell[k] = !ok;
        if (!ok) {
            by_value(m, ws, L, k, &s, NULL, tab);
            continue;
        }
        step_range R = step_range_of(m, L, k);
        memset(s.early, 0, 2 * (K + 1) * sizeof *s.early); /* early and late */
        for (size_t r = 0; r < R.n; r++) {
            size_t b = R.brk[r];
            double lt = finite_or_minf(s.outT[r]), lf = finite_or_minf(s.outF[r]);
            s.early[b] += R.late ? lf : lt;
            s.late[b] += R.late ? lt : lf;
        }
        for (size_t b = K; b-- > 0;) /* early[b]: the repetitions with breakpoint >= b */
            s.early[b] += s.early[b + 1];
        for (size_t b = 1; b <= K; b++) /* late[b]: those with breakpoint <= b */
            s.late[b] += s.late[b - 1];
        for (size_t v = 0; v < K; v++)
            tab[v] += s.late[v] + s.early[v + 1];
    }
    ws->bad = 0;
}

/* model_marg_int.h */
void gb_model_marg_step_grad(const gb_model *m, gb_model_ws *ws, const latent *L, const double *tab)
{
    step_ws s = step_layout(m, ws, L);
    size_t K = L->mK;
    s.early[0] = 0; /* early[b] = P(v < b), late[b] = P(v >= b) */
    for (size_t b = 1; b <= K; b++)
        s.early[b] = s.early[b - 1] + tab[b - 1];
    s.late[K] = 0;
    for (size_t b = K; b-- > 0;)
        s.late[b] = s.late[b + 1] + tab[b];
    for (size_t k = 0; 2 * k < L->blanket.len; k++) {
        if (L->mcmp[k] == GB_NO_TENSOR)
            continue;
        if (s.fell[k] != 0) {
            by_value(m, ws, L, k, &s, tab, NULL);
            continue;
        }
        step_range R = step_range_of(m, L, k);
        for (int force = 1; force >= 0; force--) {
            for (size_t r = 0; r < R.n; r++) {
                size_t b = R.brk[r];
                s.w[r] = force == R.late ? s.late[b] : s.early[b];
            }
            gb_model_marg_range_each(m, ws, L, k, force, s.w, s.outT);
        }
    }
    ws->bad = 0;
}
