/* test_gibbs.c - Gibbs by enumeration over a hidden Markov chain, whose element-wise blankets
 * (model_gibbs.c) must give the exact conditionals: state marginals after many sweeps against
 * forward-backward, within z x MCSE (MCSE from the ESS of each indicator chain, z Bonferroni-
 * corrected over the T states).  The same for a mixture written as one vector statement
 * (`y ~ normal(mu[z], 1)`), whose plan recomputes the gather element by element.  Also: the
 * element plan exists for these models and not for one whose latent is read whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "gbt_ess.h"
#include "gbt_model.h"
#include "kernel.h"
#include "model_int.h"
#include "rng.h"

#define T 6
#define SWEEPS 20000

static const double y[T] = {-1.2, -0.3, 0.8, 1.9, 0.1, -0.7};
static const double p0[2] = {0.6, 0.4};
static const double G[2][2] = {{0.8, 0.2}, {0.3, 0.7}};
static const double mu[2] = {-1, 1};

/* Builds `model` with the HMM's data (caller frees with gbt_model_free). */
static gbt_model *build(const char *model)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"y\": [%g, %g, %g, %g, %g, %g], \"p0\": [%g, %g], \"G\": [[%g, %g], [%g, %g]], "
             "\"mu\": [%g, %g]}",
             y[0], y[1], y[2], y[3], y[4], y[5], p0[0], p0[1], G[0][0], G[0][1], G[1][0], G[1][1],
             mu[0], mu[1]);
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, json) != GB_OK)
        fail_msg("model did not compile");
    return f;
}

static const char *const HMM =
    "data y: real[N]\ndata p0: real[2]\ndata G: real[2, 2]\ndata mu: real[2]\n"
    "z[1] ~ categorical(p0)\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"
    "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 1)\n}\n";

/* P(z_t = 1 | y) by forward-backward. */
static void exact_marginals(double *p1)
{
    double a[T][2], b[T][2];
    for (int k = 0; k < 2; k++)
        a[0][k] = p0[k] * exp(-0.5 * (y[0] - mu[k]) * (y[0] - mu[k]));
    for (int t = 1; t < T; t++)
        for (int k = 0; k < 2; k++)
            a[t][k] = (a[t - 1][0] * G[0][k] + a[t - 1][1] * G[1][k]) *
                      exp(-0.5 * (y[t] - mu[k]) * (y[t] - mu[k]));
    b[T - 1][0] = b[T - 1][1] = 1;
    for (int t = T - 1; t-- > 0;)
        for (int k = 0; k < 2; k++) {
            b[t][k] = 0;
            for (int j = 0; j < 2; j++)
                b[t][k] +=
                    G[k][j] * exp(-0.5 * (y[t + 1] - mu[j]) * (y[t + 1] - mu[j])) * b[t + 1][j];
        }
    for (int t = 0; t < T; t++)
        p1[t] = a[t][0] * b[t][0] / (a[t][0] * b[t][0] + a[t][1] * b[t][1]);
}

static void test_gibbs_hmm_marginals_match_forward_backward(void **state)
{
    (void)state;
    gbt_model *f = build(HMM);
    /* the registry gives this chain to the FFBS kind (test_sampler_chain.c): compile it again
       with Gibbs as the only discrete kind */
    extern const gb_sampler_ops gb_sampler_gibbs, gb_sampler_nuts;
    static const gb_sampler_ops *const kinds[] = {&gb_sampler_gibbs, &gb_sampler_nuts};
    gb_model_free(f->m);
    f->m = NULL;
    assert_int_equal(gb_model_compile_with(f->g, kinds, 2, &f->m, f->errs), GB_OK);
    assert_ptr_equal(gb_model_latent_kind(f->m, 0), &gb_sampler_gibbs);
    assert_int_equal(gb_model_latent_count(f->m), 1);
    assert_non_null(f->m->lat.items[0].eoff); /* the element-wise plan is in use */
    gb_model_ws *ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(4242, 0);
    assert_int_equal(gb_model_init(f->m, ws, r, 2, 100, NULL, f->errs), GB_OK);
    double *ind = malloc((size_t)T * SWEEPS * sizeof *ind);
    double *row = malloc(gb_model_output_size(f->m) * sizeof *row);
    gb_run_config cfg = {.max_depth = 10, .adapt_delta = 0.8};
    gb_kernel *k = NULL;
    const char *what = NULL;
    assert_int_equal(gb_kernel_new(f->m, &cfg, &k, f->errs), GB_OK);
    for (int s = 0; s < SWEEPS; s++) {
        assert_int_equal(gb_kernel_step_others(k, ws, r, NULL, 0, &what), GB_OK);
        gb_model_values(f->m, ws, NULL, row);
        for (int t = 0; t < T; t++)
            ind[(size_t)t * SWEEPS + (size_t)s] = row[t] == 1;
    }
    double p1[T];
    exact_marginals(p1);
    double z = gbt_z_bonferroni(T);
    for (int t = 0; t < T; t++)
        gbt_check_mean("P(z_t = 1 | y)", ind + (size_t)t * SWEEPS, SWEEPS, p1[t], z);
    free(ind);
    free(row);
    gb_kernel_free(k);
    gsl_rng_free(r);
    gb_model_ws_free(ws);
    gbt_model_free(f);
}

static const char *const MIX = "data y: real[N]\ndata p0: real[2]\ndata G: real[2, 2]\n"
                               "data mu: real[2]\nz: int[N] ~ categorical(p0)\n"
                               "y ~ normal(mu[z], 1)\n";

/* A vector statement gathering by the whole label array: each label's update evaluates only
 * its own prior repetition and its own likelihood repetition (two pieces per element, the
 * gather recomputed for that element alone), and the labels' marginals are the exact
 * p0[k] N(y_t | mu[k], 1) / sum_j p0[j] N(y_t | mu[j], 1). */
static void test_gibbs_vector_gather_is_per_element_and_exact(void **state)
{
    (void)state;
    gbt_model *f = build(MIX);
    const latent *L = &f->m->lat.items[0];
    assert_non_null(L->eoff);
    assert_non_null(L->gop);
    for (size_t e = 0; e < T; e++)
        assert_int_equal(L->eoff[e + 1] - L->eoff[e], 2);
    gb_model_ws *ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(977, 0);
    assert_int_equal(gb_model_init(f->m, ws, r, 2, 100, NULL, f->errs), GB_OK);
    double *ind = malloc((size_t)T * SWEEPS * sizeof *ind);
    double *row = malloc(gb_model_output_size(f->m) * sizeof *row);
    gb_run_config cfg = {.max_depth = 10, .adapt_delta = 0.8};
    gb_kernel *k = NULL;
    const char *what = NULL;
    assert_int_equal(gb_kernel_new(f->m, &cfg, &k, f->errs), GB_OK);
    for (int s = 0; s < SWEEPS; s++) {
        assert_int_equal(gb_kernel_step_others(k, ws, r, NULL, 0, &what), GB_OK);
        gb_model_values(f->m, ws, NULL, row);
        for (int t = 0; t < T; t++)
            ind[(size_t)t * SWEEPS + (size_t)s] = row[t] == 1;
    }
    double z = gbt_z_bonferroni(T);
    for (int t = 0; t < T; t++) {
        double a = p0[0] * exp(-0.5 * (y[t] - mu[0]) * (y[t] - mu[0]));
        double b = p0[1] * exp(-0.5 * (y[t] - mu[1]) * (y[t] - mu[1]));
        gbt_check_mean("P(z_t = 1 | y)", ind + (size_t)t * SWEEPS, SWEEPS, a / (a + b), z);
    }
    free(ind);
    free(row);
    gb_kernel_free(k);
    gsl_rng_free(r);
    gb_model_ws_free(ws);
    gbt_model_free(f);
}

static void test_gibbs_plan_falls_back_when_latent_read_whole(void **state)
{
    (void)state;
    gbt_model *f = build("data y: real[N]\ndata p0: real[2]\ndata G: real[2, 2]\ndata mu: real[2]\n"
                         "z: int[N] ~ categorical(p0)\ns = sum(z)\nfor t in 1..N {\n"
                         "  y[t] ~ normal(mu[z[t]] + 0.01 * s, 1)\n}\n");
    assert_null(f->m->lat.items[0].eoff);
    gbt_model_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gibbs_hmm_marginals_match_forward_backward),
        cmocka_unit_test(test_gibbs_vector_gather_is_per_element_and_exact),
        cmocka_unit_test(test_gibbs_plan_falls_back_when_latent_read_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
