/* model_marg_chain.c - a first-order chain of discrete latents (an HMM's states) summed out of the
 * density by the forward algorithm, its path drawn by FFBS after each step.
 *
 * model_chain.c recognises the chain z[0 .. T-1] (states lo .. lo + K - 1): every factor (one
 * batch item of a term that reads z) reads one element z[t] (an emission, z[0]'s prior) or two
 * neighbours z[t - 1], z[t] (a transition).  With those factors' log densities as the potentials
 * logE[t, j] and logA[t, i, j] of runtime/core/hmm.h, log Z from the forward filter is the
 * marginal log density of the terms given the continuous parameters: p(y | theta) when the
 * terms are z's prior and likelihoods of data (model_marg.c checks that before calling here).
 * Its gradient is exact: d log Z / d logE[t, j] = P(z_t = j | y, theta) and d log Z /
 * d logA[t, i, j] = P(z_{t-1} = i, z_t = j | y, theta) (gb_hmm_marginals), chained into the
 * parameters through each factor's own gradient; Fisher's identity says the same.
 *
 * Evaluation by patterns rather than factor by factor: with z[t] = lo + i at even t and lo + j at
 * odd t, one forward run of a term range over its whole batch evaluates every transition at
 * (i, j) (odd t) or (j, i) (even t); the K^2 patterns cover every transition at every pair of
 * values once, and the K patterns with i = j every emission at every value (a range without
 * transitions runs only those).  So a log density costs K^2 batched runs of the chain's terms
 * plus the O(T K^2) filter, and the gradient as much again (the same patterns, each repetition's
 * lpdf gradient weighted by its marginal, then the range's ops run backward), where factor by
 * factor would cost T K^2 small runs.  z's values are restored afterwards.
 *
 * Only on request (`@marginalise z`, up to the chain planner's own bound of 64 states, under the
 * same work bound as model_marg.c).  By default a chain stays with FFBS: summing costs about
 * 2 (K + K^2) batched runs of the chain's terms a gradient, and NUTS takes tens of gradients an
 * iteration, where FFBS costs K^2 runs once an iteration.  Measured on tests/bench/hmm_gauss.gb
 * (K = 2, T = 400, 4 chains x (1000 + 1000), seed 20261125, the peers' data): summed 10.5 s of
 * CPU for min bulk ESS 3244 over the continuous parameters, FFBS 3.4 s for 2386, so summing
 * gives under half of FFBS's ESS per CPU-second (a quarter before the terms' lpdf_each calls),
 * and it left as many chains stuck on posteriordb's bball_drive HMM (1 of 28,
 * tests/bench/run_hmm_stuck.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm.h"
#include "model_marg_int.h"
#include "size.h"

/* K^2 times the chain terms' repetitions above which summing is refused (model_marg.c's bound:
 * at about 20 ns a repetition's lpdf, 0.2 s a gradient). */
#define MARG_CHAIN_MAX_WORK 10000000.0

/* ---- planning ---- */

/* Maps every repetition of every blanket range's term to its chain factor (L->moff, L->melem);
 * a reason when some repetition belongs to none. */
static const char *map_factors(const gb_model *m, latent *L, int *oom)
{
    const chain_plan *c = L->chain;
    size_t total;
    if (gb_model_marg_alloc_reps(m, L, &total) != 0)
        return *oom = 1, "out of memory";
    for (size_t i = 0; i < total; i++)
        L->melem[i] = GB_NO_TENSOR;
    for (size_t f = 0; f < c->nfac; f++) {
        size_t k = c->range[f], b = c->item[f];
        const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
        size_t le = L->per_rep[k] ? 1 : t->n / (t->batch ? t->batch : 1);
        for (size_t r = b * le; r < (b + 1) * le && r < t->n; r++)
            L->melem[L->moff[k] + r] = f;
    }
    for (size_t i = 0; i < total; i++)
        if (L->melem[i] == GB_NO_TENSOR)
            return "a term reads the whole chain";
    return NULL;
}

const char *gb_model_marg_chain_check(const gb_model *m, latent *L, int asked, int *oom)
{
    size_t K = L->chain->K;
    if (!asked)
        return "a chain is block-updated by FFBS, which costs less per step than summing it at "
               "every gradient (`@marginalise` asks for it)";
    const char *why = map_factors(m, L, oom);
    if (why)
        return why;
    if ((double)K * (double)K * (double)L->moff[L->blanket.len / 2] > MARG_CHAIN_MAX_WORK)
        return "states squared times terms is too large to sum at every step";
    return NULL;
}

/* The workspace a chain of T elements with K states needs at mtab: logE, alpha, beta, pE
 * (T K each), logA, pA ((T - 1) K^2 each); -1 on overflow. */
static int chain_words(size_t T, size_t K, size_t *out)
{
    size_t tk, kk, tkk, a, b;
    if (gb_size_mul(T, K, &tk) || gb_size_mul(K, K, &kk) || gb_size_mul(T - 1, kk, &tkk) ||
        gb_size_mul(tk, 4, &a) || gb_size_mul(tkk, 2, &b) || gb_size_add(a, b, out))
        return -1;
    return 0;
}

gb_status gb_model_marg_chain_adopt(gb_model *m, latent *L, size_t k)
{
    size_t T = gb_graph_node(m->g, L->node)->len, K = L->chain->K, scr, reps, words, end;
    gb_model_marg_tag(m, L, k, &scr, &reps);
    if (chain_words(T, K, &words) || gb_size_add(m->ws_size, words, &end) ||
        gb_size_add(end, T + scr, &end) || gb_size_add(end, reps, &end) ||
        gb_size_add(end, reps, &end))
        return GB_ENOMEM;
    int len = snprintf(NULL, 0,
                       "first-order chain of %zu latents, %zu states: summed out (forward "
                       "algorithm) of the density NUTS sees, path drawn by FFBS after each step",
                       T, K);
    if (len < 0 || !(L->reason_buf = malloc((size_t)len + 1)))
        return GB_ENOMEM;
    snprintf(L->reason_buf, (size_t)len + 1,
             "first-order chain of %zu latents, %zu states: summed out (forward algorithm) of "
             "the density NUTS sees, path drawn by FFBS after each step",
             T, K);
    L->reason = L->reason_buf;
    L->marg = 1;
    L->mlo = L->chain->lo;
    L->mK = K;
    L->mtab = m->ws_size;
    L->msave = L->mtab + words;
    L->mscr = L->msave + T;
    L->mout = L->mscr + scr; /* a term's log densities and weights, 2 x reps */
    m->ws_size = end;
    return GB_OK;
}

size_t gb_model_marg_chain_longest(const gb_model *m)
{
    size_t T = 0;
    for (size_t k = 0; k < m->lat.len; k++) {
        const latent *L = &m->lat.items[k];
        size_t len = gb_graph_node(m->g, L->node)->len;
        if (L->marg && L->chain && len > T)
            T = len;
    }
    return T;
}

/* ---- evaluation ---- */

/* The chain's buffers in the workspace (layout of chain_words), and a term's log densities and
 * weights (out, w; L->mout). */
typedef struct bufs {
    size_t T, K;
    double *logE, *alpha, *beta, *pE, *logA, *pA, *out, *w;
} bufs;

static bufs bufs_of(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    bufs b = {.T = gb_graph_node(m->g, L->node)->len, .K = L->mK};
    size_t reps = 1;
    for (size_t i = 0; i + 1 < L->blanket.len; i += 2)
        if (m->ops.items[L->blanket.items[i + 1] - 1].n > reps)
            reps = m->ops.items[L->blanket.items[i + 1] - 1].n;
    b.out = ws->buf + L->mout;
    b.w = b.out + reps;
    size_t tk = b.T * b.K, tkk = (b.T - 1) * b.K * b.K;
    b.logE = ws->buf + L->mtab;
    b.alpha = b.logE + tk;
    b.beta = b.alpha + tk;
    b.pE = b.beta + tk;
    b.logA = b.pE + tk;
    b.pA = b.logA + tkk;
    return b;
}

/* z[t] = lo + i at even t, lo + j at odd t. */
static void set_pattern(double *z, size_t T, double lo, size_t i, size_t j)
{
    for (size_t t = 0; t < T; t++)
        z[t] = lo + (double)(t % 2 ? j : i);
}

/* Where factor f's value under pattern (i, j) belongs: *at in logA (a transition, *pair set) or
 * in logE; 0 when this pattern does not count it (an emission off the diagonal i = j). */
static int slot(const chain_plan *c, size_t f, size_t i, size_t j, size_t *at, int *pair)
{
    size_t t = c->t[f], K = c->K;
    *pair = c->pair[f];
    if (*pair) {
        size_t a = t % 2 ? i : j, b = t % 2 ? j : i;
        *at = (t - 1) * K * K + a * K + b;
        return 1;
    }
    *at = t * K + i;
    return i == j;
}

/* Whether blanket range k holds a transition (else it runs on the diagonal patterns only). */
static int has_pair(const gb_model *m, const latent *L, size_t k)
{
    const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
    for (size_t r = 0; r < o->n; r++)
        if (L->chain->pair[L->melem[L->moff[k] + r]])
            return 1;
    return 0;
}

/* Fills the potentials logE and logA at the current continuous values (z moved). */
static void fill(const gb_model *m, gb_model_ws *ws, const latent *L, double *z, const bufs *B)
{
    const chain_plan *c = L->chain;
    size_t K = B->K;
    memset(B->logE, 0, B->T * K * sizeof *B->logE);
    memset(B->logA, 0, (B->T - 1) * K * K * sizeof *B->logA);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            set_pattern(z, B->T, c->lo, i, j);
            for (size_t k = 0; 2 * k < L->blanket.len; k++) {
                if (i != j && !has_pair(m, L, k))
                    continue;
                const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
                const size_t *fac = L->melem + L->moff[k];
                gb_model_marg_range_each(m, ws, L, k, -1, NULL, B->out);
                for (size_t r = 0; r < o->n; r++) {
                    size_t at;
                    int pair;
                    if (slot(c, fac[r], i, j, &at, &pair))
                        (pair ? B->logA : B->logE)[at] += B->out[r];
                }
            }
        }
    ws->bad = 0;
}

/* Adds each repetition's gradient, weighted by its factor's marginal at the pattern's values
 * (0 for a repetition the pattern does not count), to the adjoints, and runs the ranges' ops
 * backward. */
static void grad(const gb_model *m, gb_model_ws *ws, const latent *L, double *z, const bufs *B)
{
    const chain_plan *c = L->chain;
    size_t K = B->K;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            set_pattern(z, B->T, c->lo, i, j);
            for (size_t k = 0; 2 * k < L->blanket.len; k++) {
                if (i != j && !has_pair(m, L, k))
                    continue;
                const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
                const size_t *fac = L->melem + L->moff[k];
                for (size_t r = 0; r < o->n; r++) {
                    size_t at;
                    int pair;
                    B->w[r] = slot(c, fac[r], i, j, &at, &pair) ? (pair ? B->pA : B->pE)[at] : 0;
                }
                gb_model_marg_range_each(m, ws, L, k, -1, B->w, B->out);
            }
        }
    ws->bad = 0;
}

double gb_model_marg_chain_logp(const gb_model *m, gb_model_ws *ws, const latent *L,
                                int want_grad)
{
    bufs B = bufs_of(m, ws, L);
    double *z = tval(m, ws, m->ni[L->node].tensor), *save = ws->buf + L->msave;
    size_t KK = B.K * B.K;
    memcpy(save, z, B.T * sizeof *z);
    fill(m, ws, L, z, &B);
    double lz = gb_hmm_forward(B.T, B.K, B.logE, B.logA, KK, B.alpha);
    if (want_grad && lz > -INFINITY && lz < INFINITY) {
        gb_hmm_marginals(B.T, B.K, B.logE, B.logA, KK, B.alpha, lz, B.beta, B.pE, B.pA);
        grad(m, ws, L, z, &B);
    }
    memcpy(z, save, B.T * sizeof *z);
    if (!(lz > -INFINITY)) /* the start error names the first term that reads the chain */
        ws->bad_op = L->blanket.len >= 2 ? L->blanket.items[1] - 1 : (size_t)-1;
    return lz > -INFINITY ? lz : -INFINITY;
}

gb_status gb_model_marg_chain_draw(const gb_model *m, gb_model_ws *ws, const latent *L,
                                   gsl_rng *r)
{
    bufs B = bufs_of(m, ws, L);
    double *z = tval(m, ws, m->ni[L->node].tensor), *save = ws->buf + L->msave;
    size_t KK = B.K * B.K;
    if (!ws->path)
        return GB_EINTERNAL;
    memcpy(save, z, B.T * sizeof *z);
    fill(m, ws, L, z, &B);
    gb_hmm_forward(B.T, B.K, B.logE, B.logA, KK, B.alpha);
    if (gb_hmm_sample(B.T, B.K, B.logA, KK, B.alpha, r, B.beta, ws->path) != 0) {
        memcpy(z, save, B.T * sizeof *z);
        return GB_ENUMERIC;
    }
    for (size_t t = 0; t < B.T; t++)
        z[t] = L->chain->lo + (double)ws->path[t];
    return GB_OK;
}
