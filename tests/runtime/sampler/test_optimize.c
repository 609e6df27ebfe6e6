/* test_optimize.c - the MAP by BFGS: a regression with known noise and normal priors (the
 * posterior is normal: MAP = posterior mean, analytic), a positive parameter (gamma-Poisson:
 * the MAP leaves out the log-Jacobian, the Jacobian's mode does not), several starts agreeing,
 * and the refusals (a discrete parameter, bad settings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "gbt_model.h"
#include "gbt_conjugate.h"
#include "near.h"
#include "optimize.h"

static gb_optimize_result *optimise(gbt_model *f, int starts, int jacobian)
{
    gb_optimize_config cfg = {
        .starts = starts, .seed = 11, .init_radius = 2, .max_iter = 2000, .jacobian = jacobian};
    gb_optimize_result *r = NULL;
    assert_int_equal(gb_optimize_check(f->m, f->errs), GB_OK);
    assert_int_equal(gb_optimize_run(f->m, &cfg, &r, f->errs), GB_OK);
    return r;
}

/* The MAP of a normal posterior is its mean; every start finds it (one mode). */
static void test_optimize_regression_map_is_posterior_mean(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(
        gbt_model_build(f, gbt_conjugate_regression_model, gbt_conjugate_regression_data), GB_OK);
    gb_optimize_result *r = optimise(f, 4, 0);
    double mean[2], cov[2][2];
    gbt_conjugate_regression_posterior(NULL, mean, cov);
    assert_int_equal(r->dim, 2);
    assert_near(r->theta[0], mean[0], 1e-6, 0); /* a, b: unconstrained = constrained */
    assert_near(r->theta[1], mean[1], 1e-6, 0);
    assert_int_equal(r->nagree, 4);
    assert_true(r->start[r->best].converged);
    gb_optimize_result_free(r);
    gbt_model_free(f);
}

/* lambda ~ gamma(3, 2), y ~ poisson(lambda): the posterior is gamma(3 + S, 2 + N), whose mode
 * (the MAP) is (2 + S) / (2 + N); with the log-Jacobian of lambda = exp(u) the mode in u is at
 * lambda = (3 + S) / (2 + N).  The estimate is read on the constrained scale. */
static void test_optimize_positive_parameter_leaves_out_jacobian(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, gbt_conjugate_poisson_model, gbt_conjugate_poisson_data),
                     GB_OK);
    gb_optimize_result *map = optimise(f, 3, 0), *jac = optimise(f, 3, 1);
    f->ws = gb_model_ws_new(f->m);
    double lambda;
    gb_model_logp(f->m, f->ws, map->theta, NULL);
    gb_model_values(f->m, f->ws, map->theta, &lambda);
    assert_near(lambda, 13.0 / 6.0, 1e-6, 0);
    assert_near(exp(jac->theta[0]), 14.0 / 6.0, 1e-6, 0);
    gb_optimize_result_free(map);
    gb_optimize_result_free(jac);
    gbt_model_free(f);
}

/* A bimodal posterior (a two-component mixture in mu): starts on either side end on different
 * modes, and the result counts only those at the best. */
static void test_optimize_counts_starts_that_disagree(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    /* y = 3 observed with sd 0.5 on mu^2: modes at mu = +-sqrt(3); a prior mean 0.3 makes the
     * positive one the higher */
    assert_int_equal(gbt_model_build(f,
                                     "data y: real\nmu ~ normal(0.3, 1)\n"
                                     "y ~ normal(mu * mu, 0.5)\n",
                                     "{\"y\": 3}"),
                     GB_OK);
    gb_optimize_result *r = optimise(f, 12, 0);
    assert_true(r->theta[0] > 0);
    assert_true(r->nagree >= 1 && r->nagree < 12);
    int neg = 0;
    for (int s = 0; s < 12; s++)
        neg += r->start[s].lp < r->lp - GB_OPTIMIZE_SAME_LP;
    assert_int_equal(neg, 12 - r->nagree);
    gb_optimize_result_free(r);
    gbt_model_free(f);
}

static void test_optimize_refuses_discrete_parameter(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f,
                                     "data y: real[N]\nz ~ bernoulli(0.5)\n"
                                     "y ~ normal(z, 1)\n",
                                     "{\"N\": 2, \"y\": [0.1, 0.2]}"),
                     GB_OK);
    assert_int_equal(gb_optimize_check(f->m, f->errs), GB_ESEMANTIC);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_non_null(strstr(e->msg, "'z' is discrete"));
    assert_int_equal(e->loc.line, 2);
    gbt_model_free(f);
}

static void test_optimize_refuses_no_starts(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(
        gbt_model_build(f, gbt_conjugate_regression_model, gbt_conjugate_regression_data), GB_OK);
    gb_optimize_config cfg = {.starts = 0, .max_iter = 10};
    gb_optimize_result *r = NULL;
    assert_int_equal(gb_optimize_run(f->m, &cfg, &r, f->errs), GB_EUSAGE);
    assert_null(r);
    gbt_model_free(f);
}

static void test_optimize_refuses_model_without_parameters(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(
        gbt_model_build(f, "data z: int[N]\nz ~ bernoulli(0.5)\n", "{\"N\": 2, \"z\": [0, 1]}"),
        GB_OK);
    gb_optimize_config cfg = {.starts = 1, .max_iter = 10};
    gb_optimize_result *r = NULL;
    assert_int_equal(gb_optimize_run(f->m, &cfg, &r, f->errs), GB_ESEMANTIC);
    assert_non_null(strstr(gb_errlist_get(f->errs, 0)->msg, "no continuous parameters"));
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optimize_regression_map_is_posterior_mean),
        cmocka_unit_test(test_optimize_positive_parameter_leaves_out_jacobian),
        cmocka_unit_test(test_optimize_counts_starts_that_disagree),
        cmocka_unit_test(test_optimize_refuses_discrete_parameter),
        cmocka_unit_test(test_optimize_refuses_no_starts),
        cmocka_unit_test(test_optimize_refuses_model_without_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
