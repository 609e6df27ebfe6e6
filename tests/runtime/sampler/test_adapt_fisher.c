/* test_adapt_fisher.c - nutpie's Fisher-divergence warmup (adapt_fisher.c and its use by
 * adapt.c and nuts.c).  On a Gaussian with diagonal covariance the gradient is linear in the
 * point, g_i = -q_i / s_i^2, so var(q_i) / var(g_i) = s_i^4 for any sample: the estimate
 * sqrt(var q / var g) must equal s_i^2 up to rounding, whatever the draws.  That makes the
 * metric checks exact rather than statistical; the step-size check is statistical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "adapt.h"
#include "adapt_fisher.h"
#include "near.h"
#include "nuts.h"
#include "rng.h"

#define SEED 20261204UL
#define DIM 5

static const double scale_a[DIM] = {0.1, 0.5, 1.0, 3.0, 10.0};
static const double scale_b[DIM] = {2.0, 0.2, 7.0, 1.0, 0.05};

/* A draw of N(0, diag(s^2)) and the gradient of log p there. */
static void gauss_draw(gsl_rng *r, const double *s, double *q, double *g)
{
    for (size_t i = 0; i < DIM; i++) {
        q[i] = gsl_ran_gaussian(r, s[i]);
        g[i] = -q[i] / (s[i] * s[i]);
    }
}

static void test_fisher_schedule_and_exact_gaussian_metric(void **state)
{
    (void)state;
    gb_fisher *f = NULL;
    assert_int_equal(gb_fisher_new(100, DIM, &f), GB_OK);
    assert_int_equal(gb_fisher_early_end(f), 30);
    assert_int_equal(gb_fisher_final_start(f), 85);
    gsl_rng *r = gb_rng_new(SEED, 0);
    double q[DIM], g[DIM], m[DIM];
    /* The start: 1 / |g|. */
    gauss_draw(r, scale_a, q, g);
    gb_fisher_start(f, q, g, m);
    for (size_t i = 0; i < DIM; i++)
        assert_near(m[i], 1.0 / fabs(g[i]), 0, 1e-15);
    for (size_t draw = 0; draw < 110; draw++) {
        gauss_draw(r, scale_a, q, g);
        memset(m, 0, sizeof m);
        int what = gb_fisher_learn(f, q, g, 1, m);
        /* The start plus two draws make the 3 a first estimate needs. */
        int want = draw < 1     ? 0
                   : draw == 1  ? GB_FISHER_NEW_METRIC | GB_FISHER_RESTART_STEP
                   : draw < 85  ? GB_FISHER_NEW_METRIC
                   : draw == 85 ? GB_FISHER_RESTART_STEP
                                : 0;
        if (what != want)
            fail_msg("draw %zu: got %d, want %d", draw, what, want);
        if (what & GB_FISHER_NEW_METRIC)
            for (size_t i = 0; i < DIM; i++)
                assert_near(m[i], scale_a[i] * scale_a[i], 0, 1e-9);
    }
    gb_rng_free(r);
    gb_fisher_free(f);
}

/* The target changes scale after the early phase; the background switch forgets the old draws,
 * so the metric at the end of the metric phase is exactly the new variances.  A divergent
 * transition's point (absurd values) is not used. */
static void test_fisher_forgets_early_draws_and_skips_divergent(void **state)
{
    (void)state;
    gb_fisher *f = NULL;
    assert_int_equal(gb_fisher_new(1000, DIM, &f), GB_OK);
    gsl_rng *r = gb_rng_new(SEED, 1);
    double q[DIM], g[DIM], m[DIM], last[DIM];
    gauss_draw(r, scale_a, q, g);
    gb_fisher_start(f, q, g, m);
    size_t final_start = gb_fisher_final_start(f);
    for (size_t draw = 0; draw < final_start; draw++) {
        gauss_draw(r, draw < gb_fisher_early_end(f) ? scale_a : scale_b, q, g);
        int good = draw % 97 != 50;
        if (!good)
            for (size_t i = 0; i < DIM; i++)
                q[i] = 1e6 * (double)(i + 1), g[i] = -3e3;
        if (gb_fisher_learn(f, q, g, good, m) & GB_FISHER_NEW_METRIC)
            memcpy(last, m, sizeof m);
    }
    for (size_t i = 0; i < DIM; i++)
        assert_near(last[i], scale_b[i] * scale_b[i], 0, 1e-9);
    gb_rng_free(r);
    gb_fisher_free(f);
}

/* A coordinate whose draws do not move keeps its old value instead of collapsing to 0. */
static void test_fisher_constant_coordinate_keeps_its_value(void **state)
{
    (void)state;
    gb_fisher *f = NULL;
    assert_int_equal(gb_fisher_new(50, 2, &f), GB_OK);
    double q[2] = {2.0, 3.0}, g[2] = {-2.0, 0.5}, m[2];
    gb_fisher_start(f, q, g, m);
    assert_near(m[0], 0.5, 0, 1e-15);
    assert_near(m[1], 2.0, 0, 1e-15);
    for (int k = 0; k < 10; k++) {
        q[0] = 1.0 + 0.1 * k;
        g[0] = -q[0];
        gb_fisher_learn(f, q, g, 1, m); /* q[1], g[1] never change */
    }
    assert_near(m[0], 1.0, 0, 1e-12);
    assert_near(m[1], 2.0, 0, 1e-15);
    gb_fisher_free(f);
}

/* A dense metric cannot use the diagonal estimator: adapt.c keeps Stan's windows. */
static void test_adapt_fisher_is_diagonal_only(void **state)
{
    (void)state;
    gb_adapt_config cfg;
    gb_adapt_config_default(&cfg, 300);
    cfg.fisher = 1;
    gb_adapt *a = NULL;
    assert_int_equal(gb_adapt_new(&cfg, 3, 1.0, &a), GB_OK);
    assert_true(gb_adapt_is_fisher(a));
    gb_adapt_free(a);
    cfg.dense = 1;
    assert_int_equal(gb_adapt_new(&cfg, 3, 1.0, &a), GB_OK);
    assert_false(gb_adapt_is_fisher(a));
    gb_adapt_free(a);
}

/* ---- with NUTS ---- */

#define D40 40
static double scales40[D40];

static double iid40(void *ctx, const double *q, double *g)
{
    (void)ctx;
    double lp = 0;
    for (size_t i = 0; i < D40; i++) {
        double z = q[i] / scales40[i];
        lp -= 0.5 * z * z;
        g[i] = -z / scales40[i];
    }
    return lp;
}

typedef struct tally {
    size_t n, leapfrog;
    double accept;
} tally;

static int count(void *ctx, size_t iter, const double *q, const gb_nuts_info *info)
{
    (void)iter;
    (void)q;
    tally *t = ctx;
    t->n++;
    t->leapfrog += info->n_leapfrog;
    t->accept += info->accept_stat;
    return 0;
}

/* Scales 0.01 .. 100 (a 10^8 range of variances): 300 warmup iterations of fisher give the
 * exact metric, and the step size fixed after warmup gives a mean accept_stat near delta 0.8.
 * As in test_nuts.c, averaging log eps biases the post-warmup mean upward, and its MCSE over
 * 2000 draws is about 0.01: [0.7, 0.95] catches a broken adaptation (means near 0 or 1). */
static void test_nuts_fisher_warmup_metric_and_stepsize(void **state)
{
    (void)state;
    for (size_t i = 0; i < D40; i++)
        scales40[i] = pow(10.0, -2.0 + 4.0 * (double)i / (D40 - 1));
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, D40, &n), GB_OK);
    gb_adapt_config acfg;
    gb_adapt_config_default(&acfg, 300);
    acfg.fisher = 1;
    double q[D40];
    for (size_t i = 0; i < D40; i++)
        q[i] = 0.5 * scales40[i];
    gb_target t = {D40, iid40, NULL};
    gsl_rng *r = gb_rng_new(SEED, 2);
    tally tl = {0};
    assert_int_equal(gb_nuts_run(n, &acfg, &t, r, q, 2000, count, &tl), GB_OK);
    const double *minv = gb_nuts_inv_metric(n);
    for (size_t i = 0; i < D40; i++)
        assert_near(minv[i], scales40[i] * scales40[i], 0, 1e-6);
    double accept = tl.accept / (double)tl.n, leapfrog = (double)tl.leapfrog / (double)tl.n;
    print_message("fisher 40-d: stepsize %.3f, accept %.3f, mean n_leapfrog %.1f\n",
                  gb_nuts_stepsize(n), accept, leapfrog);
    assert_true(accept > 0.7 && accept < 0.95);
    /* A standard normal after preconditioning: trees of depth 2-4; unpreconditioned, the
     * 10^4 scale ratio would hit the depth limit (1023 steps). */
    assert_true(leapfrog < 16);
    gb_rng_free(r);
    gb_nuts_free(n);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fisher_schedule_and_exact_gaussian_metric),
        cmocka_unit_test(test_fisher_forgets_early_draws_and_skips_divergent),
        cmocka_unit_test(test_fisher_constant_coordinate_keeps_its_value),
        cmocka_unit_test(test_adapt_fisher_is_diagonal_only),
        cmocka_unit_test(test_nuts_fisher_warmup_metric_and_stepsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
