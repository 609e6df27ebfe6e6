/* test_psis.c - PSIS-LOO and WAIC (runtime/diag/psis.c) against R's loo 2.5.1, and what must
 * hold whatever the implementation: constant log-likelihoods give elpd = ll and p = 0.
 *
 * The reference numbers were printed by (Debian 12, r-cran-loo 2.5.1):
 *   S <- 400; y <- c(-0.5, 0.1, 0.9, 2.0, 4.5, -6.0)
 *   mu <- qnorm(((1:S) - 0.5) / S) * 0.3
 *   ll <- outer(mu, y, function(m, yy) dnorm(yy, m, 1, log = TRUE))
 *   l <- loo(ll, r_eff = rep(1, length(y))); w <- waic(ll)
 *   print(l$estimates, digits = 17); print(l$diagnostics$pareto_k, digits = 17)
 *   print(l$pointwise[, "elpd_loo"], digits = 17); print(w$estimates, digits = 17)
 *   x <- sort(exp(seq(0.05, 3, length.out = 40)) - 1)
 *   print(unlist(loo:::gpdfit(x)), digits = 17); print(unlist(loo:::gpdfit(x, wip = FALSE)), ...)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "near.h"
#include "psis.h"

#define S 400
#define N 6
#define LOG_SQRT_2PI 0.91893853320467274178

/* R's qnorm and GSL's inverse agree to about 1e-15; the sums below amplify that little. */
#define TOL 1e-9

static void fill(double *ll)
{
    static const double y[N] = {-0.5, 0.1, 0.9, 2.0, 4.5, -6.0};
    for (int s = 0; s < S; s++) {
        double mu = gsl_cdf_ugaussian_Pinv((s + 0.5) / S) * 0.3;
        for (int i = 0; i < N; i++)
            ll[s * N + i] = -LOG_SQRT_2PI - 0.5 * (y[i] - mu) * (y[i] - mu);
    }
}

static void test_psis_loo_matches_r_loo(void **state)
{
    (void)state;
    static double ll[S * N];
    double k[N], elpd[N];
    gb_psis_result r;
    fill(ll);
    assert_int_equal(gb_psis_loo(ll, S, N, &r, k, elpd, NULL), GB_OK);
    assert_near(r.elpd_loo, -39.3528584617544368, TOL, TOL);
    assert_near(r.se_elpd_loo, 19.825997095494870, TOL, TOL);
    assert_near(r.p_loo, 5.4203524477273612, TOL, TOL);
    assert_near(r.se_p_loo, 3.166218676131995, TOL, TOL);
    assert_near(r.looic, 78.7057169235088736, TOL, TOL);
    static const double rk[N] = {0.16714248624247957, 0.19013816476427092, 0.18056596503663236,
                                 0.26831112736659091, 0.52777075962659570, 0.69525500419400710};
    static const double re[N] = {-1.10364542284764244,  -0.97147714788447459,
                                 -1.41170385547171140,  -3.16456109208501424,
                                 -12.06097311265040517, -20.64049783081519251};
    for (int i = 0; i < N; i++) {
        assert_near(k[i], rk[i], TOL, TOL);
        assert_near(elpd[i], re[i], TOL, TOL);
    }
    assert_int_equal(r.n_ok, 2);
    assert_int_equal(r.n_bad + r.n_very_bad, 0);
    assert_int_equal(r.tail_len, 60); /* ceil(min(400 / 5, 3 sqrt(400))) */
}

static void test_psis_waic_matches_r_loo(void **state)
{
    (void)state;
    static double ll[S * N];
    gb_psis_result r;
    fill(ll);
    assert_int_equal(gb_psis_loo(ll, S, N, &r, NULL, NULL, NULL), GB_OK);
    assert_near(r.elpd_waic, -39.4707931003548111, TOL, TOL);
    assert_near(r.se_elpd_waic, 19.921609948292108, TOL, TOL);
    assert_near(r.p_waic, 5.5382870863277374, TOL, TOL);
    assert_near(r.se_p_waic, 3.261671471141002, TOL, TOL);
    assert_near(r.waic, 78.9415862007096223, TOL, TOL);
}

static void test_psis_gpdfit_matches_r_loo(void **state)
{
    (void)state;
    double x[40], k, sigma;
    for (int j = 0; j < 40; j++)
        x[j] = exp(0.05 + j * (3 - 0.05) / 39) - 1;
    gb_psis_gpdfit(x, 40, 1, &k, &sigma);
    assert_near(k, 0.15049552066851846, 1e-12, 1e-12);
    assert_near(sigma, 5.23335216443767415, 1e-12, 1e-12);
    gb_psis_gpdfit(x, 40, 0, &k, &sigma);
    assert_near(k, 0.063119400835648057, 1e-12, 1e-12);
    assert_near(sigma, 5.233352164437674148, 1e-12, 1e-12);
}

/* Every draw gives the same likelihood: leaving one out changes nothing. */
static void test_psis_constant_loglik_has_no_effective_parameters(void **state)
{
    (void)state;
    static double ll[100 * 3];
    for (int s = 0; s < 100; s++)
        for (int i = 0; i < 3; i++)
            ll[s * 3 + i] = -1.0 - i;
    gb_psis_result r;
    double e[3];
    assert_int_equal(gb_psis_loo(ll, 100, 3, &r, NULL, e, NULL), GB_OK);
    for (int i = 0; i < 3; i++)
        assert_near(e[i], -1.0 - i, 1e-12, 0);
    assert_near(r.p_loo, 0, 1e-12, 0);
    assert_near(r.p_waic, 0, 1e-12, 0);
    assert_near(r.elpd_waic, -6, 1e-12, 0);
}

static void test_psis_rejects_too_few_draws(void **state)
{
    (void)state;
    double ll[3] = {0, 0, 0};
    gb_psis_result r;
    assert_int_equal(gb_psis_loo(ll, 1, 3, &r, NULL, NULL, NULL), GB_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psis_loo_matches_r_loo),
        cmocka_unit_test(test_psis_waic_matches_r_loo),
        cmocka_unit_test(test_psis_gpdfit_matches_r_loo),
        cmocka_unit_test(test_psis_constant_loglik_has_no_effective_parameters),
        cmocka_unit_test(test_psis_rejects_too_few_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
