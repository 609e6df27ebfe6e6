/* test_adapt.c - Stan's windowed warmup: where the slow windows end (default, extended last
 * window, the 15/75/10 fallback, no metric below 20 iterations), the regularised Welford
 * variance and covariance against a two-pass computation, and dual averaging against its
 * formulas (Hoffman & Gelman 2014, sec. 3.2) and on a synthetic acceptance curve.  Every check
 * here is deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "adapt.h"
#include "near.h"

/* A deterministic, non-degenerate point for iteration i. */
static void point_at(size_t i, size_t dim, double *q)
{
    for (size_t k = 0; k < dim; k++)
        q[k] = sin(0.7 * (double)i + 1.3 * (double)k) * (double)(k + 1) + 0.1 * (double)k;
}

/* Feeds `warmup` points and records the iterations at which a metric came out. */
static size_t window_ends(const gb_adapt_config *cfg, size_t *ends, size_t max_ends)
{
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(cfg, 2, 1.0, &a), GB_OK);
    double q[2], m[4];
    size_t count = 0;
    for (size_t i = 0; i < cfg->warmup; i++) {
        point_at(i, 2, q);
        assert_int_equal(gb_adapt_metric_iteration(a), i);
        if (gb_adapt_metric_learn(a, q, m)) {
            assert_true(count < max_ends);
            ends[count++] = i;
        }
    }
    gb_adapt_free(a);
    return count;
}

static void test_adapt_default_windows_double_and_stretch_to_terminal_buffer(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 1000);
    size_t ends[16];
    /* 75 fast, then windows of 25, 50, 100, 200 and 500 (400 stretched to the terminal
     * buffer at 950), then 50 fast: the windows end at iterations 99, 149, 249, 449, 949. */
    const size_t want[] = {99, 149, 249, 449, 949};
    assert_int_equal(window_ends(&cfg, ends, 16), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(ends[i], want[i]);
    cfg.dense = 1;
    assert_int_equal(window_ends(&cfg, ends, 16), 5);
    assert_int_equal(ends[4], 949);
}

static void test_adapt_exactly_150_warmup_has_one_window(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 150);
    size_t ends[4], init, term, base;
    assert_int_equal(window_ends(&cfg, ends, 4), 1);
    assert_int_equal(ends[0], 99);
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_OK);
    gb_adapt_windows(a, &init, &term, &base);
    assert_int_equal(init, 75);
    assert_int_equal(term, 50);
    assert_int_equal(base, 25);
    gb_adapt_free(a);
}

static void test_adapt_short_warmup_uses_15_75_10_split(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 100);
    size_t ends[4], init, term, base;
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_OK);
    gb_adapt_windows(a, &init, &term, &base);
    assert_int_equal(init, 15);
    assert_int_equal(term, 10);
    assert_int_equal(base, 75);
    gb_adapt_free(a);
    assert_int_equal(window_ends(&cfg, ends, 4), 1);
    assert_int_equal(ends[0], 89); /* one window, [15, 90) */
}

static void test_adapt_no_metric_below_20_warmup(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    size_t ends[4];
    gb_adapt_config_default(&cfg, 19);
    assert_int_equal(window_ends(&cfg, ends, 4), 0);
    gb_adapt_config_default(&cfg, 20); /* 3 / 15 / 2: window [3, 18) */
    assert_int_equal(window_ends(&cfg, ends, 4), 1);
    assert_int_equal(ends[0], 17);
}

/* The first window of default warmup collects iterations 75 .. 99 (n = 25). */
static void test_adapt_diag_variance_is_regularised_welford(void **state)
{
    (void)state;
    enum { D = 3 };
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 1000);
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, D, 1.0, &a), GB_OK);
    double q[D], m[D] = {-1, -1, -1}, sum[D] = {0}, sumsq[D] = {0};
    for (size_t i = 0; i < 100; i++) {
        point_at(i, D, q);
        int done = gb_adapt_metric_learn(a, q, m);
        assert_int_equal(done, i == 99);
        if (i < 99)
            assert_true(m[0] == -1);
        for (size_t k = 0; i >= 75 && k < D; k++)
            sum[k] += q[k];
    }
    for (size_t i = 75; i < 100; i++) {
        point_at(i, D, q);
        for (size_t k = 0; k < D; k++)
            sumsq[k] += (q[k] - sum[k] / 25) * (q[k] - sum[k] / 25);
    }
    for (size_t k = 0; k < D; k++) {
        double var = sumsq[k] / 24;
        assert_near(m[k], (25.0 / 30.0) * var + 1e-3 * (5.0 / 30.0), 0, 1e-12);
    }
    gb_adapt_free(a);
}

static void test_adapt_dense_covariance_is_regularised_welford(void **state)
{
    (void)state;
    enum { D = 3 };
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 1000);
    cfg.dense = 1;
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, D, 1.0, &a), GB_OK);
    assert_true(gb_adapt_is_dense(a));
    double q[D], m[D * D], mean[D] = {0}, cov[D * D] = {0};
    for (size_t i = 0; i < 100; i++) {
        point_at(i, D, q);
        assert_int_equal(gb_adapt_metric_learn(a, q, m), i == 99);
    }
    for (size_t i = 75; i < 100; i++) {
        point_at(i, D, q);
        for (size_t k = 0; k < D; k++)
            mean[k] += q[k] / 25;
    }
    for (size_t i = 75; i < 100; i++) {
        point_at(i, D, q);
        for (size_t k = 0; k < D; k++)
            for (size_t l = 0; l < D; l++)
                cov[k * D + l] += (q[k] - mean[k]) * (q[l] - mean[l]) / 24;
    }
    for (size_t k = 0; k < D; k++)
        for (size_t l = 0; l < D; l++) {
            double want = (25.0 / 30.0) * cov[k * D + l] + (k == l ? 1e-3 * 5.0 / 30.0 : 0);
            assert_near(m[k * D + l], want, 1e-14, 1e-12);
            assert_true(m[k * D + l] == m[l * D + k]);
        }
    gb_adapt_free(a);
}

/* The first two dual-averaging updates by hand: mu = log(10 eps0), t0 = 10, gamma = 0.05,
 * kappa = 0.75, delta = 0.8. */
static void test_adapt_dual_averaging_matches_formulas(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 1000);
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, 1, 0.5, &a), GB_OK);
    double mu = log(5.0);
    double s1 = (0.8 - 0.3) / 11.0;
    double x1 = mu - s1 * 1.0 / 0.05;
    assert_near(gb_adapt_stepsize_learn(a, 0.3), exp(x1), 0, 1e-14);
    assert_near(gb_adapt_stepsize_final(a), exp(x1), 0, 1e-14); /* x_bar = x after one */
    double s2 = (1 - 1 / 12.0) * s1 + (0.8 - 1.0) / 12.0;       /* accept 1.7 counts as 1 */
    double x2 = mu - s2 * sqrt(2.0) / 0.05;
    double w = pow(2.0, -0.75);
    assert_near(gb_adapt_stepsize_learn(a, 1.7), exp(x2), 0, 1e-14);
    assert_near(gb_adapt_stepsize_final(a), exp((1 - w) * x1 + w * x2), 0, 1e-14);
    /* NaN counts as 0 acceptance: the step must shrink. */
    double before = exp(x2);
    assert_true(gb_adapt_stepsize_learn(a, NAN) < before);
    gb_adapt_stepsize_restart(a, 2.0);
    assert_near(gb_adapt_stepsize_learn(a, 0.8), 20.0, 0, 1e-14); /* s_bar 0: x = mu */
    gb_adapt_free(a);
}

/* On a synthetic acceptance curve accept(eps) = exp(-eps), the fixed point of dual averaging is
 * eps* = -log(0.8) = 0.22314; the deterministic iteration settles there. */
static void test_adapt_dual_averaging_finds_target_acceptance(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 2000);
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_OK);
    double eps = 1.0;
    for (int i = 0; i < 2000; i++)
        eps = gb_adapt_stepsize_learn(a, exp(-eps));
    assert_near(gb_adapt_stepsize_final(a), -log(0.8), 0, 0.02);
    assert_near(eps, -log(0.8), 0, 0.02);
    gb_adapt_free(a);
}

static void test_adapt_new_rejects_bad_config(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt *a = NULL;
    gb_adapt_config_default(&cfg, 100);
    assert_int_equal(gb_adapt_new(&cfg, 0, 1.0, &a), GB_EUSAGE);
    assert_int_equal(gb_adapt_new(&cfg, 1, 0.0, &a), GB_EUSAGE);
    cfg.delta = 1.0;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_EUSAGE);
    gb_adapt_config_default(&cfg, 100);
    cfg.kappa = 0.5;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_EUSAGE);
    gb_adapt_config_default(&cfg, 100);
    cfg.base_window = 0;
    assert_int_equal(gb_adapt_new(&cfg, 1, 1.0, &a), GB_EUSAGE);
    assert_null(a);
    gb_adapt_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adapt_default_windows_double_and_stretch_to_terminal_buffer),
        cmocka_unit_test(test_adapt_exactly_150_warmup_has_one_window),
        cmocka_unit_test(test_adapt_short_warmup_uses_15_75_10_split),
        cmocka_unit_test(test_adapt_no_metric_below_20_warmup),
        cmocka_unit_test(test_adapt_diag_variance_is_regularised_welford),
        cmocka_unit_test(test_adapt_dense_covariance_is_regularised_welford),
        cmocka_unit_test(test_adapt_dual_averaging_matches_formulas),
        cmocka_unit_test(test_adapt_dual_averaging_finds_target_acceptance),
        cmocka_unit_test(test_adapt_new_rejects_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
