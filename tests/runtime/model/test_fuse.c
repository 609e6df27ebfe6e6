/* test_fuse.c - the fused normal likelihood (model_fuse.c): which terms get the one-pass kernel,
 * and that its log density and gradient are bit for bit those of the op-by-op evaluation
 * (gb_model_ws_set_fused(ws, 0)), and agree with finite differences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "model.h"
#include "near.h"

enum { N = 300, J = 7 }; /* more rows than one block (256), a part block at the end */

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

/* {"N", "J", "g" (1..J), "x" (0 or 1), "x2", "y"}, from a fixed seed. */
static char *radon_json(void)
{
    size_t cap = (size_t)N * 80 + 256, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    len += (size_t)snprintf(s + len, cap - len, "{\"N\": %d, \"J\": %d, \"g\": [", N, J);
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%d", i ? "," : "",
                                1 + i % J);
    const char *names[3] = {"x", "x2", "y"};
    for (int v = 0; v < 3; v++) {
        len += (size_t)snprintf(s + len, cap - len, "], \"%s\": [", names[v]);
        for (int i = 0; i < N; i++)
            len += (size_t)snprintf(s + len, cap - len, "%s%.6f", i ? "," : "",
                                    v == 0 ? (double)(gsl_rng_uniform(r) < 0.3)
                                           : 3 * gsl_rng_uniform(r) - 1);
    }
    snprintf(s + len, cap - len, "]}");
    gsl_rng_free(r);
    return s;
}

static void build(gbt_model *f, const char *model)
{
    char *json = radon_json();
    gb_status st = gbt_model_build(f, model, json);
    free(json);
    if (st != GB_OK)
        fail_msg("model did not compile");
    f->ws = gb_model_ws_new(f->m);
    assert_non_null(f->ws);
}

/* At three random points: fused and op-by-op log density and gradient identical bit for bit,
 * the gradient near finite differences. */
static void check_same(gbt_model *f, unsigned long seed)
{
    size_t d = gb_model_dim(f->m);
    double *theta = calloc(d, sizeof *theta), *g1 = calloc(d, sizeof *g1),
           *g0 = calloc(d, sizeof *g0);
    assert_true(theta && g1 && g0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (int rep = 0; rep < 3; rep++) {
        for (size_t k = 0; k < d; k++)
            theta[k] = 2 * gsl_rng_uniform(r) - 1;
        gb_model_ws_set_fused(f->ws, 0);
        double lp0 = gb_model_logp(f->m, f->ws, theta, g0);
        gb_model_ws_set_fused(f->ws, 1);
        double lp1 = gb_model_logp(f->m, f->ws, theta, g1);
        assert_true(isfinite(lp1));
        assert_memory_equal(&lp0, &lp1, sizeof lp0);
        assert_memory_equal(g0, g1, d * sizeof *g0);
        for (size_t k = 0; k < d; k++)
            assert_near(g1[k], gbt_model_fd(f, theta, k), 1e-6, 1e-6);
    }
    gsl_rng_free(r);
    free(theta);
    free(g0);
    free(g1);
}

#define HEAD                                                                                       \
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata x2: real[N]\n"          \
    "data y: real[N]\nmu_a ~ normal(0, 10)\nsigma_a ~ half_normal(5)\n"                          \
    "a: real[J] ~ normal(mu_a, sigma_a)\nb ~ normal(0, 10)\nc ~ normal(0, 1)\n"                   \
    "sigma_y ~ half_normal(5)\n"

static void test_fuse_radon_location_is_one_pass_and_exact(void **state)
{
    gbt_model *f = *state;
    build(f, HEAD "y ~ normal(a[g] + b * x, sigma_y)\n");
    assert_int_equal(gb_model_fused_terms(f->m), 1);
    check_same(f, 11);
}

/* Longer chains: a scalar first, data times a scalar either way round, a data vector, a
 * vector parameter; and the gather alone. */
static void test_fuse_general_sums_are_exact(void **state)
{
    gbt_model *f = *state;
    build(f, HEAD "e: real[N] ~ normal(0, 0.1)\n"
                  "y ~ normal(c + a[g] + x * b + x2 + e + sigma_a * x2, sigma_y)\n");
    assert_int_equal(gb_model_fused_terms(f->m), 1);
    check_same(f, 12);
}

static void test_fuse_gather_alone(void **state)
{
    gbt_model *f = *state;
    build(f, HEAD "y ~ normal(a[g], sigma_y)\n");
    assert_int_equal(gb_model_fused_terms(f->m), 1);
    check_same(f, 13);
}

/* Shapes it leaves to the tape: a scale per row, a product of two parameters, a subtraction,
 * one parameter in two pieces (the tape adds their shares op by op). */
static void test_fuse_declines_what_it_cannot_do_exactly(void **state)
{
    static const char *tails[] = {
        "y ~ normal(a[g] + b * x, sigma_y * x2 * x2 + 1)\n",
        "y ~ normal(a[g] + b * c, sigma_y)\n",
        "y ~ normal(a[g] - b * x, sigma_y)\n",
        "y ~ normal(a[g] + b * x + b * x2, sigma_y)\n",
    };
    char model[1024];
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        gbt_model *f = gbt_model_new();
        snprintf(model, sizeof model, "%s%s", HEAD, tails[k]);
        build(f, model);
        assert_int_equal(gb_model_fused_terms(f->m), 0);
        check_same(f, 20 + k);
        gbt_model_free(f);
    }
    (void)state;
}

/* Terms after the fused one read its pieces and its scale (their shares come first in the
 * forward pass, the pieces' in the backward pass, as in the tape), and a later fused term
 * shares a gathered vector with it. */
static void test_fuse_shares_keep_the_tape_order(void **state)
{
    gbt_model *f = *state;
    build(f, HEAD "y ~ normal(a[g] + b * x + sigma_y * x2, sigma_y)\n"
                  "x2 ~ normal(b + a[g], sigma_a)\nd ~ normal(b, sigma_y)\n");
    assert_int_equal(gb_model_fused_terms(f->m), 2);
    check_same(f, 14);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fuse_radon_location_is_one_pass_and_exact),
        T(test_fuse_general_sums_are_exact),
        T(test_fuse_gather_alone),
        T(test_fuse_declines_what_it_cannot_do_exactly),
        T(test_fuse_shares_keep_the_tape_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
