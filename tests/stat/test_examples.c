/* test_examples.c - the examples' stories hold: each example in examples/ is sampled (a short
 * run) and its key figure checked.
 *
 * Two kinds of tolerance.  Where the answer is a number the posterior should reproduce up to
 * Monte Carlo error (an exact posterior mean, a least-squares estimate with a flat-ish prior),
 * |estimate - target| < z sqrt(MCSE^2 + c^2), z Bonferroni-corrected over the file's checks and
 * c the known gap between the two (0 for exact results).  Where the target is the truth that
 * generated the data, the posterior itself is uncertain about it: the check is that the truth
 * lies within z posterior sds (plus MCSE) of the posterior mean.  Fixed seeds throughout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "data.h"
#include "diag.h"
#include "gbt_ess.h"
#include "gbt_model.h"

#define NCHECKS 20 /* checks in this file, for the Bonferroni z */

static double zlim(void)
{
    return gbt_z_bonferroni(NCHECKS);
}

/* Samples examples/<name>.gb with examples/<name>.json (caller frees with gbt_model_free). */
static gbt_model *run_example(const char *name, int chains, int warmup, int draws,
                              unsigned long seed)
{
    char model[256], json[256];
    snprintf(model, sizeof model, "examples/%s.gb", name);
    snprintf(json, sizeof json, "examples/%s.json", name);
    gbt_model *f = gbt_model_new();
    if (gbt_model_build_files(f, model, json) != GB_OK ||
        gbt_model_run(f, chains, warmup, draws, seed) != GB_OK)
        fail_msg("%s: sampling failed", name);
    return f;
}

static const double *data_of(const gbt_model *f, const char *name, size_t *len)
{
    const gb_data_var *v = gb_data_find(f->data, name);
    assert_non_null(v);
    *len = v->len;
    return v->val;
}

/* The truth lies within z posterior sds (and MCSE) of the posterior mean. */
static void check_covers(const char *what, const gb_diag_summary *s, double truth)
{
    double tol = zlim() * sqrt(s->sd * s->sd + s->mcse_mean * s->mcse_mean);
    if (!(fabs(s->mean - truth) < tol))
        fail_msg("%s: posterior mean %.6g (sd %.3g), truth %.6g", what, s->mean, s->sd, truth);
}

/* Coin: beta(2, 2) prior, k heads in n flips: the posterior is beta(2 + k, 2 + n - k), whose
 * mean is exactly (k + 2) / (n + 4). */
static void test_example_coin_matches_exact_posterior(void **state)
{
    (void)state;
    gbt_model *f = run_example("coin", 4, 500, 1000, 11);
    size_t n;
    const double *flips = data_of(f, "flips", &n);
    double k = 0;
    for (size_t i = 0; i < n; i++)
        k += flips[i];
    gb_diag_summary s = gbt_model_summary(f, "theta");
    double exact = (k + 2) / ((double)n + 4);
    if (!(fabs(s.mean - exact) < zlim() * s.mcse_mean))
        fail_msg("theta mean %.6g, exact %.6g, MCSE %.3g", s.mean, exact, s.mcse_mean);
    gbt_model_free(f);
}

/* Change point: the rate switched after day 45 (examples/gen_data.py). */
static void test_example_changepoint_finds_the_day(void **state)
{
    (void)state;
    gbt_model *f = run_example("changepoint", 4, 500, 1000, 12);
    gb_diag_summary s = gbt_model_summary(f, "tau");
    check_covers("tau", &s, 45);
    gb_diag_summary l1 = gbt_model_summary(f, "lambda1"), l2 = gbt_model_summary(f, "lambda2");
    check_covers("lambda1", &l1, 18);
    check_covers("lambda2", &l2, 23);
    gbt_model_free(f);
}

/* The seed's regression: every coefficient's posterior mean within 2 posterior sds of the
 * least-squares estimate (GSL), and the generating coefficients covered. */
static void test_example_regression_coefficients_agree_with_least_squares(void **state)
{
    (void)state;
    gbt_model *f = run_example("regression_coefficients", 4, 500, 1000, 13);
    size_t nx, ny, nb;
    const double *X = data_of(f, "X", &nx), *y = data_of(f, "y", &ny);
    const double *truth = data_of(f, "true_beta", &nb);
    size_t K = nb, N = ny;
    gsl_matrix *A = gsl_matrix_alloc(N, K + 1);
    gsl_vector *yv = gsl_vector_alloc(N), *c = gsl_vector_alloc(K + 1);
    gsl_matrix *cov = gsl_matrix_alloc(K + 1, K + 1);
    for (size_t i = 0; i < N; i++) {
        gsl_matrix_set(A, i, 0, 1);
        for (size_t k = 0; k < K; k++)
            gsl_matrix_set(A, i, k + 1, X[i * K + k]);
        gsl_vector_set(yv, i, y[i]);
    }
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(N, K + 1);
    double chisq;
    assert_int_equal(gsl_multifit_linear(A, yv, c, cov, &chisq, w), GSL_SUCCESS);
    for (size_t k = 0; k < K; k++) {
        char name[32];
        snprintf(name, sizeof name, "fit.beta.%zu", k + 1);
        gb_diag_summary s = gbt_model_summary(f, name);
        double ols = gsl_vector_get(c, k + 1);
        if (!(fabs(s.mean - ols) < 2 * s.sd))
            fail_msg("%s: posterior mean %.6g (sd %.3g), least squares %.6g", name, s.mean, s.sd,
                     ols);
        check_covers(name, &s, truth[k]);
    }
    gsl_multifit_linear_free(w);
    gsl_matrix_free(A);
    gsl_matrix_free(cov);
    gsl_vector_free(yv);
    gsl_vector_free(c);
    gbt_model_free(f);
}

/* Challenger: colder launches were riskier, and at 31 deg F damage was very likely. */
static void test_example_challenger_cold_is_risky(void **state)
{
    (void)state;
    gbt_model *f = run_example("challenger", 4, 500, 1000, 14);
    gb_diag_summary b = gbt_model_summary(f, "beta"), p = gbt_model_summary(f, "p31");
    /* the posterior puts the slope below zero: its 95% quantile is negative */
    if (!(b.q95 < 0))
        fail_msg("beta: 95%% quantile %.3g is not below 0", b.q95);
    if (!(p.q5 > 0.5))
        fail_msg("p31: 5%% quantile %.3g", p.q5);
    gbt_model_free(f);
}

/* Radon: the first-floor effect that generated the data (-0.7) is recovered. */
static void test_example_radon_recovers_floor_effect(void **state)
{
    (void)state;
    gbt_model *f = run_example("radon", 4, 500, 1000, 15);
    gb_diag_summary s = gbt_model_summary(f, "fit.beta.1");
    check_covers("floor effect", &s, -0.7);
    gbt_model_free(f);
}

/* MLP probe (short run): the noise sd of the generating network (0.1) is recovered. */
static void test_example_mlp_probe_recovers_noise(void **state)
{
    (void)state;
    gbt_model *f = run_example("mlp_probe", 2, 150, 100, 16);
    gb_diag_summary s = gbt_model_summary(f, "net.sigma");
    check_covers("net.sigma", &s, 0.1);
    gbt_model_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_coin_matches_exact_posterior),
        cmocka_unit_test(test_example_changepoint_finds_the_day),
        cmocka_unit_test(test_example_regression_coefficients_agree_with_least_squares),
        cmocka_unit_test(test_example_challenger_cold_is_risky),
        cmocka_unit_test(test_example_radon_recovers_floor_effect),
        cmocka_unit_test(test_example_mlp_probe_recovers_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
