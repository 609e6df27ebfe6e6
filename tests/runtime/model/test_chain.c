/* test_chain.c - what model_chain.c recognises as a first-order chain of discrete latents (and
 * so what the planner gives to the FFBS kind), and what it does not: second-order dependence,
 * a factor reading z[t] and z[t + 2], z read whole, a support moving with a parameter, no
 * transition at all.  Also the chain's potentials against the log density differences, and
 * against factor-by-factor evaluation (the batched runs must give the same bits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gbt_model.h"
#include "model_int.h"
#include "near.h"

static const char *const DATA =
    "{\"N\": 5, \"y\": [-1.2, -0.3, 0.8, 1.9, 0.1], \"p0\": [0.6, 0.4], "
    "\"G\": [[0.8, 0.2], [0.3, 0.7]], "
    "\"mu\": [-1, 1], \"mu3\": [-1, 0, 1]}";

static const char *const HEAD = "data y: real[N]\ndata p0: real[2]\ndata G: real[2, 2]\n"
                                "data mu3: real[3]\ndata mu: real[2]\n";

/* Builds HEAD + body with DATA; the model's first latent's kind name and reason. */
static gbt_model *build(const char *body)
{
    char src[2048];
    snprintf(src, sizeof src, "%s%s", HEAD, body);
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, src, DATA) != GB_OK)
        fail_msg("model did not compile:\n%s", src);
    return f;
}

static void expect_chain(const char *body, int is_chain)
{
    gbt_model *f = build(body);
    size_t k = gbt_model_latent(f, "z");
    const char *kind = gb_model_latent_kind(f->m, k)->name;
    /* a chain is block-updated by FFBS unless the model asks to sum it out; not a chain: Gibbs,
       or summed out (model_marg.c) when its elements are independent */
    if (is_chain != (f->m->lat.items[k].chain != NULL) ||
        (is_chain ? strcmp(kind, "FFBS") != 0
                  : strcmp(kind, "Gibbs") != 0 && strcmp(kind, "summed") != 0))
        fail_msg("expected %s, got kind %s (%s) for:\n%s", is_chain ? "a chain" : "no chain", kind,
                 gb_model_latent_reason(f->m, k), body);
    gbt_model_free(f);
}

#define CHAIN_HEAD "z[1] ~ categorical(p0)\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"

static void test_chain_hmm_with_loop_emissions_is_a_chain(void **state)
{
    (void)state;
    expect_chain(CHAIN_HEAD "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 1)\n}\n", 1);
    gbt_model *f = build("@sample z\n" CHAIN_HEAD "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 1)\n}\n");
    /* kept sampled: the chain kind's reason, then why it was not summed out instead */
    const char *why = gb_model_latent_reason(f->m, gbt_model_latent(f, "z"));
    if (strcmp(gb_model_latent_kind(f->m, gbt_model_latent(f, "z"))->name, "FFBS") != 0 ||
        strncmp(why, "chain of 5 discrete latents: forward filtering, backward sampling", 65) !=
            0 ||
        !strstr(why, "not summed out: the model says `@sample`"))
        fail_msg("reason: %s", why);
    gbt_model_free(f);
}

static void test_chain_bernoulli_chain_is_a_chain(void **state)
{
    (void)state;
    expect_chain("z[1] ~ bernoulli(0.5)\nfor t in 2..N {\n  z[t] ~ bernoulli(G[z[t - 1] + 1, 2])\n"
                 "}\nfor t in 1..N {\n  y[t] ~ normal(mu[z[t] + 1], 1)\n}\n",
                 1);
}

static void test_chain_emission_reading_both_neighbours_is_a_chain(void **state)
{
    (void)state;
    /* a pairwise factor of z[t] and z[t + 1] is a transition potential like any other */
    expect_chain(CHAIN_HEAD "for t in 1..N - 1 {\n  y[t] ~ normal(mu[z[t]] + mu[z[t + 1]], 1)\n}\n",
                 1);
}

static void test_chain_second_order_is_not_a_chain(void **state)
{
    (void)state;
    /* a factor of z[t - 2], z[t - 1] and z[t]: second-order dependence.  (A second-order
       transition written with z[1] and z[2] as single statements has no element plan today, so
       it is not even considered.) */
    expect_chain(CHAIN_HEAD "for t in 3..N {\n  y[t] ~ normal(mu[z[t - 2]] + mu[z[t - 1]] + "
                            "mu[z[t]], 1)\n}\n",
                 0);
}

static void test_chain_emission_skipping_an_element_is_not_a_chain(void **state)
{
    (void)state;
    expect_chain(CHAIN_HEAD "for t in 1..N - 2 {\n  y[t] ~ normal(mu[z[t]] + mu[z[t + 2]], 1)\n}\n",
                 0);
}

static void test_chain_independent_labels_are_not_a_chain(void **state)
{
    (void)state;
    expect_chain("for t in 1..N {\n  z[t] ~ categorical(p0)\n  y[t] ~ normal(mu[z[t]], 1)\n}\n", 0);
}

static void test_chain_latent_read_whole_is_not_a_chain(void **state)
{
    (void)state;
    expect_chain(
        CHAIN_HEAD "s = sum(z)\nfor t in 1..N {\n  y[t] ~ normal(mu[z[t]] + 0.01 * s, 1)\n}\n", 0);
}

static void test_chain_support_moving_with_a_parameter_is_not_a_chain(void **state)
{
    (void)state;
    /* a pairwise factor, but the support 1 - round(a) .. 2 moves with a */
    expect_chain("a ~ uniform(0, 1)\nfor t in 1..N {\n  z[t] ~ uniform_int(1 - round(a), 2)\n}\n"
                 "for t in 1..N - 1 {\n  y[t] ~ normal(mu3[z[t] + 1] + mu3[z[t + 1] + 1], 1)\n}\n",
                 0);
    /* the same with a fixed support is a chain */
    expect_chain("for t in 1..N {\n  z[t] ~ uniform_int(1, 3)\n}\n"
                 "for t in 1..N - 1 {\n  y[t] ~ normal(mu3[z[t]] + mu3[z[t + 1]], 1)\n}\n",
                 1);
}

/* The potentials of a path sum to its log density up to a constant: the difference between two
 * paths' sums equals the difference of the model's log density at them. */
static void test_chain_potentials_sum_to_the_log_density(void **state)
{
    (void)state;
    /* kept sampled, so the model's log density reads the path */
    gbt_model *f =
        build("@sample z\n" CHAIN_HEAD "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 0.7)\n}\n");
    const latent *L = &f->m->lat.items[gbt_model_latent(f, "z")];
    enum { T = 5, K = 2 };
    double logE[T * K], logA[(T - 1) * K * K], zsave[T], each[T];
    assert_true(L->chain->maxn <= T);
    gb_model_ws *ws = gb_model_ws_new(f->m);
    double *z = tval(f->m, ws, f->m->ni[L->node].tensor);
    const double paths[2][T] = {{1, 1, 2, 2, 1}, {2, 2, 2, 1, 1}};
    double lp[2], pot[2];
    for (int p = 0; p < 2; p++) {
        memcpy(z, paths[p], sizeof paths[p]);
        lp[p] = gb_model_logp(f->m, ws, NULL, NULL);
        gb_model_chain_potentials(f->m, ws, L, zsave, each, logE, logA);
        for (int t = 0; t < T; t++)
            assert_near(z[t], paths[p][t], 0, 0); /* values restored */
        pot[p] = 0;
        for (int t = 0; t < T; t++) {
            size_t j = (size_t)paths[p][t] - 1;
            pot[p] += logE[t * K + j];
            if (t > 0)
                pot[p] += logA[(t - 1) * K * K + ((size_t)paths[p][t - 1] - 1) * K + j];
        }
    }
    assert_near(pot[0] - pot[1], lp[0] - lp[1], 1e-12, 1e-12);
    gb_model_ws_free(ws);
    gbt_model_free(f);
}

/* The potentials as model_chain.c first computed them: each factor alone, at each value of the
 * elements it reads (one piece evaluation per factor and value). */
static void potentials_one_by_one(const gb_model *m, gb_model_ws *ws, const latent *L, size_t T,
                                  double *logE, double *logA)
{
    const chain_plan *c = L->chain;
    size_t K = c->K;
    double *z = tval(m, ws, m->ni[L->node].tensor);
    memset(logE, 0, T * K * sizeof *logE);
    memset(logA, 0, (T - 1) * K * K * sizeof *logA);
    gb_model_gibbs_prepare(m, ws, L);
    for (size_t f = 0; f < c->nfac; f++) {
        size_t t = c->t[f];
        double z1 = z[t], z0 = t > 0 ? z[t - 1] : 0;
        for (size_t i = 0; i < (c->pair[f] ? K : 1); i++)
            for (size_t j = 0; j < K; j++) {
                if (c->pair[f])
                    z[t - 1] = c->lo + (double)i;
                z[t] = c->lo + (double)j;
                double lp = gb_model_gibbs_piece_logp(m, ws, L, c->range[f], c->item[f]);
                if (c->pair[f])
                    logA[(t - 1) * K * K + i * K + j] += lp;
                else
                    logE[t * K + j] += lp;
            }
        z[t] = z1;
        if (t > 0)
            z[t - 1] = z0;
    }
}

#define G3 "G3 = [[0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]]\n"

/* The batched potentials equal the one-by-one ones exactly (same values added in the same
 * order), for emissions in a loop and as one vector statement (a repetition per element), a
 * pairwise emission, three states with one never visited, and an index out of range for some
 * states (the run is bad; those pieces are -inf); for two current paths. */
static void test_chain_potentials_equal_factor_by_factor(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        CHAIN_HEAD "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 0.7)\n}\n",
        "z[1] ~ categorical(p0)\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"
        "y ~ normal(mu[z], 0.5)\n",
        CHAIN_HEAD "for t in 1..N - 1 {\n  y[t] ~ normal(mu[z[t]] + mu[z[t + 1]], 1)\n}\n",
        G3 "z[1] ~ categorical([0.2, 0.3, 0.5])\nfor t in 2..N {\n"
        "  z[t] ~ categorical(G3[z[t - 1]])\n}\nfor t in 1..N {\n"
        "  y[t] ~ normal(mu3[z[t]], 0.8)\n}\n",
        CHAIN_HEAD "for t in 1..N {\n  y[t] ~ normal(mu[z[t] + (t > 3)], 0.8)\n}\n",
    };
    enum { T = 5, KMAX = 3 };
    const double paths[2][T] = {{1, 1, 2, 2, 1}, {2, 1, 2, 1, 2}};
    for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
        char src[1024];
        snprintf(src, sizeof src, "@sample z\n%s", bodies[b]);
        gbt_model *f = build(src);
        const latent *L = &f->m->lat.items[gbt_model_latent(f, "z")];
        if (!L->chain)
            fail_msg("not a chain:\n%s", src);
        size_t K = L->chain->K;
        assert_true(L->chain->maxn <= 5); /* each[T] holds it */
        double logE[T * KMAX], logA[(T - 1) * KMAX * KMAX], zsave[T], each[T];
        double refE[T * KMAX], refA[(T - 1) * KMAX * KMAX];
        gb_model_ws *ws = gb_model_ws_new(f->m);
        assert_non_null(ws);
        double *z = tval(f->m, ws, f->m->ni[L->node].tensor);
        for (int p = 0; p < 2; p++) {
            memcpy(z, paths[p], sizeof paths[p]);
            double lp = gb_model_logp(f->m, ws, NULL, NULL);
            potentials_one_by_one(f->m, ws, L, T, refE, refA);
            gb_model_chain_potentials(f->m, ws, L, zsave, each, logE, logA);
            for (size_t q = 0; q < T * K; q++)
                if (memcmp(&logE[q], &refE[q], sizeof *logE) != 0)
                    fail_msg("model %zu path %d: logE[%zu] = %.17g, one by one %.17g", b, p, q,
                             logE[q], refE[q]);
            for (size_t q = 0; q < (T - 1) * K * K; q++)
                if (memcmp(&logA[q], &refA[q], sizeof *logA) != 0)
                    fail_msg("model %zu path %d: logA[%zu] = %.17g, one by one %.17g", b, p, q,
                             logA[q], refA[q]);
            /* the path restored, and the log density at it unchanged */
            assert_memory_equal(z, paths[p], sizeof paths[p]);
            assert_near(gb_model_logp(f->m, ws, NULL, NULL), lp, 0, 0);
        }
        gb_model_ws_free(ws);
        gbt_model_free(f);
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_hmm_with_loop_emissions_is_a_chain),
        cmocka_unit_test(test_chain_bernoulli_chain_is_a_chain),
        cmocka_unit_test(test_chain_emission_reading_both_neighbours_is_a_chain),
        cmocka_unit_test(test_chain_second_order_is_not_a_chain),
        cmocka_unit_test(test_chain_emission_skipping_an_element_is_not_a_chain),
        cmocka_unit_test(test_chain_independent_labels_are_not_a_chain),
        cmocka_unit_test(test_chain_latent_read_whole_is_not_a_chain),
        cmocka_unit_test(test_chain_support_moving_with_a_parameter_is_not_a_chain),
        cmocka_unit_test(test_chain_potentials_sum_to_the_log_density),
        cmocka_unit_test(test_chain_potentials_equal_factor_by_factor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
