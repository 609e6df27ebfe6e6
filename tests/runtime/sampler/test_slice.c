/* test_slice.c - the univariate slice sampler: moments of a normal, an exponential (density
 * -INFINITY, or NaN, below 0) and a two-component normal mixture; width adaptation; the
 * shrinkage budget reported instead of looping; errors.
 *
 * Statistical checks (STYLE section 6): fixed seed; estimates within z x MCSE, MCSE = sd /
 * sqrt(ESS) with Stan's ESS (tests/support/gbt_ess.c), z Bonferroni-corrected over the checks
 * of one test so each test's false-alarm rate is 6.3e-5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gbt_ess.h"
#include "near.h"
#include "rng.h"
#include "slice.h"

#define SEED 777UL
#define WARMUP 500
#define DRAWS 10000

static double normal(void *ctx, double x)
{
    const double *sd = ctx;
    double z = x / (sd ? *sd : 1.0);
    return -0.5 * z * z;
}

/* Exponential(1); below 0: -INFINITY, or NaN when ctx is non-NULL. */
static double exponential(void *ctx, double x)
{
    if (x < 0)
        return ctx ? NAN : -INFINITY;
    return -x;
}

/* 0.3 N(-2, 1) + 0.7 N(2, 1): mean 0.8, E[x^2] = 1 + 4 = 5.  Log-sum-exp with the max out. */
static double mixture(void *ctx, double x)
{
    (void)ctx;
    double a = log(0.3) - 0.5 * (x + 2) * (x + 2), b = log(0.7) - 0.5 * (x - 2) * (x - 2);
    double m = fmax(a, b);
    return m + log(exp(a - m) + exp(b - m));
}

/* Warmup (adapting) then DRAWS kept updates from x0; returns the draws (caller frees). */
static double *run(gb_slice_logp f, void *ctx, double x0, gb_slice *s, size_t *evals)
{
    gsl_rng *r = gb_rng_new(SEED, 0);
    double *draws = malloc(DRAWS * sizeof *draws), x = x0;
    gb_slice_info info;
    gb_slice_init(s, 1.0);
    *evals = 0;
    for (size_t i = 0; i < WARMUP + DRAWS; i++) {
        assert_int_equal(gb_slice_update(s, f, ctx, r, &x, i < WARMUP, &info), GB_OK);
        assert_int_equal(info.hit_limit, 0);
        assert_true(isfinite(x));
        if (i >= WARMUP) {
            draws[i - WARMUP] = x;
            *evals += info.n_evals;
        }
    }
    gb_rng_free(r);
    return draws;
}

static void check_moments(const double *draws, double mean, double mean_sq)
{
    double z = gbt_z_bonferroni(2);
    double *sq = malloc(DRAWS * sizeof *sq);
    for (size_t i = 0; i < DRAWS; i++)
        sq[i] = draws[i] * draws[i];
    gbt_check_mean("E[x]", draws, DRAWS, mean, z);
    gbt_check_mean("E[x^2]", sq, DRAWS, mean_sq, z);
    free(sq);
}

static void test_slice_normal_moments(void **state)
{
    (void)state;
    gb_slice s;
    size_t evals;
    double *d = run(normal, NULL, 3.0, &s, &evals);
    check_moments(d, 0.0, 1.0);
    print_message("normal: width %.3f, %.2f evaluations per update\n", s.width,
                  (double)evals / DRAWS);
    free(d);
}

static void test_slice_exponential_with_minus_infinity_region(void **state)
{
    (void)state;
    gb_slice s;
    size_t evals;
    double *d = run(exponential, NULL, 0.5, &s, &evals);
    for (size_t i = 0; i < DRAWS; i++)
        assert_true(d[i] >= 0);
    check_moments(d, 1.0, 2.0);
    free(d);
}

/* NaN must act exactly as -INFINITY: same seed, same draws. */
static void test_slice_nan_density_is_treated_as_minus_infinity(void **state)
{
    (void)state;
    int flag = 1;
    gb_slice s;
    size_t evals;
    double *a = run(exponential, NULL, 0.5, &s, &evals);
    double *b = run(exponential, &flag, 0.5, &s, &evals);
    assert_memory_equal(a, b, DRAWS * sizeof *a);
    free(a);
    free(b);
}

static void test_slice_bimodal_mixture_moments(void **state)
{
    (void)state;
    gb_slice s;
    size_t evals;
    double *d = run(mixture, NULL, -2.0, &s, &evals);
    check_moments(d, 0.8, 5.0);
    free(d);
}

/* From w = 1 on N(0, 100^2) the width grows to the scale of the slices: 2 E|x1 - x0| is of
 * the order of the sd (about 1.1 sd for a normal); [20, 500] is a loose band. */
static void test_slice_width_adapts_to_scale(void **state)
{
    (void)state;
    double sd = 100;
    gb_slice s;
    size_t evals;
    double *d = run(normal, &sd, 0.0, &s, &evals);
    print_message("N(0, 100^2): adapted width %.1f, %.2f evaluations per update\n", s.width,
                  (double)evals / DRAWS);
    assert_true(s.width > 20 && s.width < 500);
    gbt_check_mean("E[x]", d, DRAWS, 0.0, 4.0);
    free(d);
}

/* A density that is finite only at one point, sampled with an absurd width 1e300: shrinkage
 * would need some 2000 rejections before the interval collapsed onto x0 (each one shrinks it
 * by half on average), so the update must stop after GB_SLICE_MAX_SHRINK, report it and leave
 * x unchanged. */
static double spike(void *ctx, double x)
{
    (void)ctx;
    return x == 0.25 ? 0.0 : -INFINITY;
}

static void test_slice_shrink_budget_is_reported_not_a_hang(void **state)
{
    (void)state;
    gsl_rng *r = gb_rng_new(SEED, 0);
    gb_slice s;
    gb_slice_init(&s, 1e300);
    double x = 0.25;
    gb_slice_info info;
    assert_int_equal(gb_slice_update(&s, spike, NULL, r, &x, 1, &info), GB_OK);
    assert_int_equal(info.hit_limit, 1);
    assert_true(x == 0.25);
    assert_true(info.n_evals <= 1 + GB_SLICE_MAX_STEP_OUT + GB_SLICE_MAX_SHRINK);
    assert_true(s.width == 1e300); /* a failed update teaches the width nothing */
    gb_rng_free(r);
}

/* On a flat density stepping out never stops by itself: it is bounded by Neal's m. */
static double flat(void *ctx, double x)
{
    (void)ctx;
    (void)x;
    return 0;
}

static void test_slice_step_out_is_bounded(void **state)
{
    (void)state;
    gsl_rng *r = gb_rng_new(SEED, 0);
    gb_slice s;
    gb_slice_init(&s, 1.0);
    double x = 0;
    gb_slice_info info;
    assert_int_equal(gb_slice_update(&s, flat, NULL, r, &x, 0, &info), GB_OK);
    /* 1 at x0, m - 1 stepping out (J + K = m - 1) plus the two failing ends never come, and 1
     * accepted proposal. */
    assert_int_equal(info.n_evals, 1 + (GB_SLICE_MAX_STEP_OUT - 1) + 1);
    assert_true(fabs(x) <= GB_SLICE_MAX_STEP_OUT);
    gb_rng_free(r);
}

static void test_slice_start_outside_support_is_an_error(void **state)
{
    (void)state;
    gsl_rng *r = gb_rng_new(SEED, 0);
    gb_slice s;
    gb_slice_init(&s, -3); /* invalid width: default */
    assert_true(s.width == GB_SLICE_DEFAULT_WIDTH);
    double x = -1;
    assert_int_equal(gb_slice_update(&s, exponential, NULL, r, &x, 0, NULL), GB_ENUMERIC);
    assert_true(x == -1);
    gb_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_normal_moments),
        cmocka_unit_test(test_slice_exponential_with_minus_infinity_region),
        cmocka_unit_test(test_slice_nan_density_is_treated_as_minus_infinity),
        cmocka_unit_test(test_slice_bimodal_mixture_moments),
        cmocka_unit_test(test_slice_width_adapts_to_scale),
        cmocka_unit_test(test_slice_shrink_budget_is_reported_not_a_hang),
        cmocka_unit_test(test_slice_step_out_is_bounded),
        cmocka_unit_test(test_slice_start_outside_support_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
