/* test_marg_bcast.c - the summed table's broadcasts (runtime/model/model_marg_bcast.c): a gather
 * mu[z] read as one element and a label's prior computed once give the general path's log
 * density and gradient bit for bit, on mixtures of several shapes; the planner's choices; and
 * the gradient against central differences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "model_int.h"
#include "near.h"

static int setup(void **state)
{
    *state = gbt_model_new();
    return 0;
}

static int teardown(void **state)
{
    gbt_model_free(*state);
    return 0;
}

static const char *DATA = "{\"y\": [-1.2, 0.4, 2.5, 1.9, -0.3, 3.1, -2.2, 0.9],"
                          " \"x\": [0.5, -1.0, 2.0, 0.25, -0.75, 1.5, -2.0, 0.0],"
                          " \"c\": [0, 3, 0, 1, 5, 0, 2, 0]}";

/* The plan of summed latent `name`: its ranges with a replaced gather, and with a constant term. */
static void plan_counts(gbt_model *f, const char *name, size_t *byp, size_t *con)
{
    const latent *L = &f->m->lat.items[gbt_model_latent(f, name)];
    assert_string_equal(gb_model_latent_kind(f->m, gbt_model_latent(f, name))->name, "summed");
    assert_non_null(L->mbc);
    *byp = *con = 0;
    for (size_t k = 0; 2 * k < L->blanket.len; k++) {
        for (int i = 0; i < 8; i++)
            *byp += L->mbc[k].byp[i] != GB_NO_TENSOR;
        *con += L->mbc[k].con;
    }
}

/* At five points uniform on (-1.5, 1.5)^d the broadcast path's log density and gradient are
 * the general path's exactly (the same operations in the same order); then the gradient
 * matches central differences. */
static void check_same_as_general(gbt_model *f, unsigned long seed)
{
    size_t d = gb_model_dim(f->m);
    double th[16], g1[16], g0[16];
    assert_true(d <= 16);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (int p = 0; p < 5; p++) {
        for (size_t i = 0; i < d; i++)
            th[i] = 3 * gsl_rng_uniform(r) - 1.5;
        gb_model_ws_set_marg_bcast(f->ws, 1);
        double lp1 = gb_model_logp(f->m, f->ws, th, g1);
        gb_model_ws_set_marg_bcast(f->ws, 0);
        double lp0 = gb_model_logp(f->m, f->ws, th, g0);
        assert_true(isfinite(lp0));
        if (lp1 != lp0)
            fail_msg("log density %.17g, general path %.17g", lp1, lp0);
        for (size_t i = 0; i < d; i++)
            if (g1[i] != g0[i])
                fail_msg("gradient[%zu] %.17g, general path %.17g", i, g1[i], g0[i]);
    }
    gb_model_ws_set_marg_bcast(f->ws, 1);
    gsl_rng_free(r);
    gbt_model_check_gradient(f, seed);
}

/* The bench model's shape: ordered means gathered by the labels, weights [lambda, 1 - lambda]. */
static void test_bcast_two_component_mixture(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data y: real[N]\nlambda ~ beta(2, 2)\nmu: ordered[2] ~ normal(0, 5)\n"
                       "sigma ~ half_normal(2)\nz: int[N] ~ categorical([lambda, 1 - lambda])\n"
                       "y ~ normal(mu[z], sigma)\n",
                       DATA);
    size_t byp, con;
    plan_counts(f, "z", &byp, &con);
    assert_int_equal(byp, 1);
    assert_int_equal(con, 1);
    check_same_as_general(f, 3);
}

/* Three components, a scale per component (two gathers in one term), simplex weights; the loop
 * form reads z[n] through an index op. */
static void test_bcast_three_components_own_sigma_loop(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data y: real[N]\nmu: real[3] ~ normal(0, 3)\n"
        "sg: real<lower=0>[3] ~ normal(0, 2)\nth: simplex[3] ~ dirichlet([2, 2, 2])\n"
        "for n in 1..N {\n  z[n] ~ categorical(th)\n"
        "  y[n] ~ normal(mu[z[n]], sg[z[n]])\n}\n",
        DATA);
    size_t byp, con;
    plan_counts(f, "z", &byp, &con);
    assert_int_equal(byp, 2);
    assert_int_equal(con, 1);
    check_same_as_general(f, 4);
}

/* Weights per row (a logistic of x[n]): the prior is not constant and takes the general path;
 * the likelihood's gather is still replaced. */
static void test_bcast_per_row_weights(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data y: real[N]\ndata x: real[N]\nmu: real[2] ~ normal(0, 3)\n"
                       "s ~ exponential(1)\na ~ normal(0, 1)\nb ~ normal(0, 1)\n"
                       "for n in 1..N {\n  p[n] = inv_logit(a + b * x[n])\n"
                       "  z[n] ~ categorical([p[n], 1 - p[n]])\n  y[n] ~ normal(mu[z[n]], s)\n}\n",
                       DATA);
    size_t byp, con;
    plan_counts(f, "z", &byp, &con);
    assert_int_equal(byp, 1);
    assert_int_equal(con, 0);
    check_same_as_general(f, 5);
}

/* A gather read by arithmetic, not by the term (mu[z] + b * x): nothing is replaced in the
 * likelihood, which takes the general path; the prior is still constant. */
static void test_bcast_gather_into_arithmetic_is_general(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data y: real[N]\ndata x: real[N]\nmu: real[2] ~ normal(0, 3)\n"
                       "b ~ normal(0, 1)\ns ~ exponential(1)\nw ~ beta(2, 2)\n"
                       "z: int[N] ~ categorical([w, 1 - w])\ny ~ normal(mu[z] + b * x, s)\n",
                       DATA);
    size_t byp, con;
    plan_counts(f, "z", &byp, &con);
    assert_int_equal(byp, 0);
    assert_int_equal(con, 1);
    check_same_as_general(f, 6);
}

/* Two summed latents, a normal mixture and zero-inflation indicators over counts (a bernoulli
 * prior, general: bernoulli has no per-repetition lpdf; a poisson whose rate is an if). */
static void test_bcast_two_summed_latents(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data y: real[N]\ndata c: int[N]\nmu: real[2] ~ normal(0, 3)\n"
                       "s ~ exponential(1)\nw ~ beta(2, 2)\nlam ~ exponential(0.2)\n"
                       "pz ~ beta(1, 1)\nz: int[N] ~ categorical([w, 1 - w])\n"
                       "y ~ normal(mu[z], s)\nfor n in 1..N {\n  u[n] ~ bernoulli(pz)\n"
                       "  c[n] ~ poisson(if u[n] == 1 then 0.000001 else lam)\n}\n",
                       DATA);
    size_t byp, con;
    plan_counts(f, "z", &byp, &con);
    assert_int_equal(byp, 1);
    assert_int_equal(con, 1);
    plan_counts(f, "u", &byp, &con);
    assert_int_equal(byp, 0);
    assert_int_equal(con, 0);
    check_same_as_general(f, 7);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_bcast_two_component_mixture),
        T(test_bcast_three_components_own_sigma_loop),
        T(test_bcast_per_row_weights),
        T(test_bcast_gather_into_arithmetic_is_general),
        T(test_bcast_two_summed_latents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
