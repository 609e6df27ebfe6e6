/* sampler_chain.c - the chain sampler kind: a first-order chain of finite discrete latents
 * (model_chain.c recognises them: z[t] ~ categorical(P[z[t - 1]]) with emissions reading z[t])
 * drawn as one block from its exact conditional given everything else, by forward filtering,
 * backward sampling (runtime/core/hmm.h) at O(T K^2) factor evaluations a sweep.  Single-site
 * Gibbs moves one element given its neighbours, so a state that empties cannot refill (issue
 * 18: 9 of 28 chains stuck on a two-state HMM); the block update redraws every path at once.
 * The state owns the per-latent buffers, allocated once: a step allocates nothing.
 */
#include <math.h>
#include <stdlib.h>

#include "hmm.h"
#include "model_int.h"
#include "size.h"

extern const gb_sampler_ops gb_sampler_chain;

typedef struct chain_buf {
    const latent *L;
    size_t T, K;
    double *logE, *logA, *alpha, *w, *zsave, *each;
    size_t *path;
} chain_buf;

typedef struct chain_state {
    const gb_model *m;
    size_t n;
    chain_buf *b;
} chain_state;

static int chain_can_update(const gb_model *m, size_t k, const char **why)
{
    const latent *L = &m->lat.items[k];
    if (!L->discrete || !L->chain)
        return 0;
    *why = L->chain->reason;
    return 1;
}

static void chain_state_free(void *state)
{
    chain_state *s = state;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        chain_buf *b = &s->b[i];
        free(b->logE);
        free(b->logA);
        free(b->alpha);
        free(b->w);
        free(b->zsave);
        free(b->each);
        free(b->path);
    }
    free(s->b);
    free(s);
}

/* Allocates b's buffers for a chain of T latents with K states each; -1 when out of memory.
 * T K^2 was bounded when the chain was recognised (K <= 64, T the node's checked length), but
 * the products are checked all the same. */
static int buf_new(chain_buf *b, const latent *L, size_t T, size_t K)
{
    size_t tk, kk, tkk;
    b->L = L;
    b->T = T;
    b->K = K;
    if (gb_size_mul(T, K, &tk) != 0 || gb_size_mul(K, K, &kk) != 0 ||
        gb_size_mul(T - 1, kk, &tkk) != 0)
        return -1;
    b->logE = malloc(tk * sizeof *b->logE);
    b->alpha = malloc(tk * sizeof *b->alpha);
    b->logA = malloc((tkk ? tkk : 1) * sizeof *b->logA);
    b->w = malloc(K * sizeof *b->w);
    b->zsave = malloc(T * sizeof *b->zsave);
    b->path = malloc(T * sizeof *b->path);
    b->each = malloc((L->chain->maxn ? L->chain->maxn : 1) * sizeof *b->each);
    return b->logE && b->alpha && b->logA && b->w && b->zsave && b->path && b->each ? 0 : -1;
}

static gb_status chain_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                                 gb_errlist *errs)
{
    (void)cfg;
    chain_state *s = calloc(1, sizeof *s);
    if (s)
        s->b = calloc(m->lat.len ? m->lat.len : 1, sizeof *s->b);
    int oom = !s || !s->b;
    for (size_t k = 0; k < m->lat.len && !oom; k++) {
        const latent *L = &m->lat.items[k];
        if (L->kind != &gb_sampler_chain)
            continue;
        size_t T = gb_graph_node(m->g, L->node)->len;
        oom = buf_new(&s->b[s->n++], L, T, L->chain->K) != 0;
    }
    if (oom) {
        chain_state_free(s);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating the chain sampler");
    }
    s->m = m;
    *state = s;
    return GB_OK;
}

static gb_status chain_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                            const char **fail)
{
    (void)theta;
    (void)warmup;
    chain_state *s = state;
    const gb_model *m = s->m;
    for (size_t i = 0; i < s->n; i++) {
        chain_buf *b = &s->b[i];
        gb_model_chain_potentials(m, ws, b->L, b->zsave, b->each, b->logE, b->logA);
        gb_hmm_forward(b->T, b->K, b->logE, b->logA, b->K * b->K, b->alpha);
        if (gb_hmm_sample(b->T, b->K, b->logA, b->K * b->K, b->alpha, r, b->w, b->path) != 0) {
            *fail = "a chain's forward filter found no path with a finite density";
            return GB_ENUMERIC;
        }
        double *z = tval(m, ws, m->ni[b->L->node].tensor);
        int moved = 0;
        for (size_t t = 0; t < b->T; t++) {
            double v = b->L->chain->lo + (double)b->path[t];
            moved |= v != z[t];
            z[t] = v;
        }
        if (moved)
            gb_model_ws_set_changed(ws);
    }
    return GB_OK;
}

const gb_sampler_ops gb_sampler_chain = {
    .name = "FFBS",
    .can_update = chain_can_update,
    .state_new = chain_state_new,
    .step = chain_step,
    .state_free = chain_state_free,
};
