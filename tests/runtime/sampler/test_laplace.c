/* test_laplace.c - the Laplace approximation: the Hessian by differences of the gradient against
 * analytic ones (a normal regression posterior; a positive parameter on the log scale, with its
 * log-Jacobian), draws whose moments match the analytic normal, and a saddle refused.
 *
 * Statistical checks (STYLE section 6): fixed seed; the draws are independent (each from its
 * own normal variates), so their ESS is their number and the MCSE of a mean is sd / sqrt(n), of
 * a variance sqrt(2 / (n - 1)) var, of a covariance sqrt((var_a var_b + cov^2) / n).  Five checks
 * at z = 4.4 (Bonferroni) keep the test's false-alarm rate near 5e-5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gbt_model.h"
#include "gbt_conjugate.h"
#include "laplace.h"
#include "near.h"
#include "optimize.h"

#define NDRAWS 20000
#define Z 4.4

static void test_laplace_hessian_of_normal_posterior_is_minus_precision(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(
        gbt_model_build(f, gbt_conjugate_regression_model, gbt_conjugate_regression_data), GB_OK);
    double P[2][2], mean[2], cov[2][2], H[4];
    gbt_conjugate_regression_posterior(P, mean, cov);
    const double at[2] = {0.7, -0.2}; /* quadratic: the same Hessian everywhere */
    assert_int_equal(gb_laplace_hessian(f->m, at, H, f->errs), GB_OK);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            assert_near(H[i * 2 + j], -P[i][j], 0, 1e-6);
    gbt_model_free(f);
}

/* lambda = exp(u) ~ gamma(3, 2), y ~ poisson(lambda), S = 11, N = 4: with the log-Jacobian u,
 * log p(u) = (3 + S) u - (2 + N) exp(u), whose second derivative is -(2 + N) exp(u). */
static void test_laplace_hessian_includes_log_jacobian(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, gbt_conjugate_poisson_model, gbt_conjugate_poisson_data),
                     GB_OK);
    const double u = 0.4;
    double H;
    assert_int_equal(gb_laplace_hessian(f->m, &u, &H, f->errs), GB_OK);
    assert_near(H, -6.0 * exp(u), 0, 1e-6);
    gbt_model_free(f);
}

static double col_mean(const double *rows, size_t ncols, size_t c)
{
    double s = 0;
    for (size_t d = 0; d < NDRAWS; d++)
        s += rows[d * ncols + c];
    return s / NDRAWS;
}

static double col_cov(const double *rows, size_t ncols, size_t c, size_t e)
{
    double mc = col_mean(rows, ncols, c), me = col_mean(rows, ncols, e), s = 0;
    for (size_t d = 0; d < NDRAWS; d++)
        s += (rows[d * ncols + c] - mc) * (rows[d * ncols + e] - me);
    return s / (NDRAWS - 1);
}

/* The regression posterior is normal, so the Laplace approximation is exact: the draws' mean
 * and covariance (off-diagonal included, which checks the Cholesky factor's orientation) are
 * the analytic ones. */
static void test_laplace_draws_match_normal_posterior(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(
        gbt_model_build(f, gbt_conjugate_regression_model, gbt_conjugate_regression_data), GB_OK);
    double P[2][2], mean[2], cov[2][2];
    gbt_conjugate_regression_posterior(P, mean, cov);
    size_t ncols = GB_LAPLACE_NCOLS + gb_model_output_size(f->m);
    double *rows = malloc(NDRAWS * ncols * sizeof *rows);
    assert_non_null(rows);
    assert_int_equal(gb_laplace_draws(f->m, mean, NDRAWS, 5, rows, f->errs), GB_OK);
    assert_string_equal(gb_model_output_name(f->m, 0), "a");
    assert_string_equal(gb_model_output_name(f->m, 1), "b");
    size_t a = GB_LAPLACE_NCOLS, b = a + 1;
    for (int i = 0; i < 2; i++) {
        double se = sqrt(cov[i][i] / NDRAWS);
        assert_near(col_mean(rows, ncols, a + (size_t)i), mean[i], Z * se, 0);
        assert_near(col_cov(rows, ncols, a + (size_t)i, a + (size_t)i), cov[i][i],
                    Z * sqrt(2.0 / (NDRAWS - 1)) * cov[i][i], 0);
    }
    double se_cov = sqrt((cov[0][0] * cov[1][1] + cov[0][1] * cov[0][1]) / NDRAWS);
    assert_near(col_cov(rows, ncols, a, b), cov[0][1], Z * se_cov, 0);
    /* log_g__ is -z'z / 2 and log_p__ the model's density: equal up to one constant */
    double k = rows[GB_LAPLACE_COL_LOG_P] - rows[GB_LAPLACE_COL_LOG_G];
    for (size_t d = 1; d < 50; d++)
        assert_near(rows[d * ncols + GB_LAPLACE_COL_LOG_P] - rows[d * ncols + GB_LAPLACE_COL_LOG_G],
                    k, 1e-6, 1e-9);
    free(rows);
    gbt_model_free(f);
}

/* At a saddle (mu = 0 of y ~ normal(mu^2, 0.5), y = 3: a minimum of the density in mu) the
 * negative Hessian is not positive definite: refused, saying why. */
static void test_laplace_refuses_saddle(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f,
                                     "data y: real\nmu ~ normal(0, 10)\n"
                                     "y ~ normal(mu * mu, 0.5)\n",
                                     "{\"y\": 3}"),
                     GB_OK);
    const double at = 0;
    double rows[10 * 3];
    assert_int_equal(gb_laplace_draws(f->m, &at, 10, 5, rows, f->errs), GB_ENUMERIC);
    assert_non_null(strstr(gb_errlist_get(f->errs, 0)->msg, "not positive definite"));
    gbt_model_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_laplace_hessian_of_normal_posterior_is_minus_precision),
        cmocka_unit_test(test_laplace_hessian_includes_log_jacobian),
        cmocka_unit_test(test_laplace_draws_match_normal_posterior),
        cmocka_unit_test(test_laplace_refuses_saddle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
