/* test_nuts.c - the NUTS transition and its adaptation on targets with known moments: standard
 * normals in 1 and 10 dimensions, correlated 2-d and 3-d Gaussians with a dense metric, 100 iid
 * normals of scales 0.1 .. 10 with diagonal adaptation, a truncated normal whose density is
 * -INFINITY (or NaN) on half the line; plus the sampler's contract (errors, tree depth limit,
 * cache and invalidation, reproducibility).
 *
 * Statistical checks (STYLE section 6): fixed seeds; each moment is compared with its exact
 * value at z x MCSE, MCSE = sd / sqrt(ESS) with Stan's ESS (tests/support/gbt_ess.c); z = 4 for
 * one check (two-sided false alarm 6.3e-5), Bonferroni-corrected z (gbt_z_bonferroni) when a
 * test makes several, so each test's family-wise false-alarm rate is about 6.3e-5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>

#include "gbt_ess.h"
#include "near.h"
#include "nuts.h"
#include "rng.h"

#define SEED 20240611UL

/* ---- targets ---- */

/* Independent normals with scales s (NULL: all 1), means 0; counts evaluations. */
typedef struct iid {
    const double *scale;
    size_t evals;
    double shift; /* added to every mean; lets a test change the target behind q's back */
} iid;

static double iid_logp(void *ctx, const double *q, double *g, size_t dim)
{
    iid *t = ctx;
    double lp = 0;
    t->evals++;
    for (size_t i = 0; i < dim; i++) {
        double s = t->scale ? t->scale[i] : 1.0, z = (q[i] - t->shift) / s;
        lp -= 0.5 * z * z;
        g[i] = -z / s;
    }
    return lp;
}

static double iid1(void *ctx, const double *q, double *g)
{
    return iid_logp(ctx, q, g, 1);
}

static double iid10(void *ctx, const double *q, double *g)
{
    return iid_logp(ctx, q, g, 10);
}

static double iid100(void *ctx, const double *q, double *g)
{
    return iid_logp(ctx, q, g, 100);
}

/* N(0, [[1, r], [r, 1]]), r = 0.9: log p = -(x^2 - 2 r x y + y^2) / (2 (1 - r^2)). */
#define CORR 0.9
static double corr2(void *ctx, const double *q, double *g)
{
    (void)ctx;
    double k = 1.0 / (1.0 - CORR * CORR);
    g[0] = -k * (q[0] - CORR * q[1]);
    g[1] = -k * (q[1] - CORR * q[0]);
    return -0.5 * k * (q[0] * q[0] - 2 * CORR * q[0] * q[1] + q[1] * q[1]);
}

/* Standard normal truncated to x > 0; outside: -INFINITY, or NaN when ctx is non-NULL. */
static double trunc_normal(void *ctx, const double *q, double *g)
{
    if (!(q[0] > 0)) {
        g[0] = NAN; /* unspecified: must never be read */
        return ctx ? NAN : -INFINITY;
    }
    g[0] = -q[0];
    return -0.5 * q[0] * q[0];
}

/* A flat density: trajectories are straight lines and never U-turn. */
static double flat(void *ctx, const double *q, double *g)
{
    (void)ctx;
    (void)q;
    g[0] = 0;
    return 0;
}

/* ---- a chain runner keeping draws ---- */

typedef struct store {
    size_t dim, n;
    double *draws; /* draw i, coordinate k at i * dim + k */
    double sum_accept;
    size_t divergent, sum_leapfrog;
    int max_treedepth;
} store;

static int keep(void *ctx, size_t iter, const double *q, const gb_nuts_info *info)
{
    store *s = ctx;
    memcpy(s->draws + iter * s->dim, q, s->dim * sizeof *q);
    s->n = iter + 1;
    s->sum_accept += info->accept_stat;
    s->divergent += (size_t)info->divergent;
    s->sum_leapfrog += info->n_leapfrog;
    if (info->treedepth > s->max_treedepth)
        s->max_treedepth = info->treedepth;
    assert_true(isfinite(info->lp) && isfinite(info->energy));
    return 0;
}

/* Runs one chain (seed SEED, chain 0) from q0; returns the sampler, which the caller frees. */
static gb_nuts *run_chain(const gb_target *t, gb_metric_kind metric, size_t warmup, size_t draws,
                          const double *q0, store *s)
{
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    cfg.metric = metric;
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, t->dim, &n), GB_OK);
    gb_adapt_config acfg;
    gb_adapt_config_default(&acfg, warmup);
    double *q = malloc(t->dim * sizeof *q);
    memcpy(q, q0, t->dim * sizeof *q);
    memset(s, 0, sizeof *s);
    s->dim = t->dim;
    s->draws = calloc(draws * t->dim, sizeof *s->draws);
    gsl_rng *r = gb_rng_new(SEED, 0);
    assert_int_equal(gb_nuts_run(n, &acfg, t, r, q, draws, keep, s), GB_OK);
    assert_int_equal(s->n, draws);
    gb_rng_free(r);
    free(q);
    return n;
}

/* Column k of the draws, transformed by f (x -> f(x, a)) into out. */
static void column(const store *s, size_t k, double (*f)(double, double, double), double a,
                   double *out)
{
    for (size_t i = 0; i < s->n; i++)
        out[i] = f(s->draws[i * s->dim + k], a, 0);
}

static double scaled(double x, double s, double unused)
{
    (void)unused;
    return x / s;
}

static double scaled_sq(double x, double s, double unused)
{
    (void)unused;
    return (x / s) * (x / s);
}

/* Checks E[q_k / s_k] = 0 and E[(q_k / s_k)^2] = 1 for every coordinate at z. */
static void check_std_normal(const store *s, const double *scale, double z)
{
    double *col = malloc(s->n * sizeof *col);
    char what[64];
    for (size_t k = 0; k < s->dim; k++) {
        double sk = scale ? scale[k] : 1.0;
        column(s, k, scaled, sk, col);
        snprintf(what, sizeof what, "E[q%zu/s]", k);
        gbt_check_mean(what, col, s->n, 0.0, z);
        column(s, k, scaled_sq, sk, col);
        snprintf(what, sizeof what, "E[(q%zu/s)^2]", k);
        gbt_check_mean(what, col, s->n, 1.0, z);
    }
    free(col);
}

/* ---- moments ---- */

static void test_nuts_standard_normal_1d_moments(void **state)
{
    (void)state;
    iid ctx = {0};
    gb_target t = {1, iid1, &ctx};
    double q0[1] = {1.5};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DIAG, 500, 4000, q0, &s);
    check_std_normal(&s, NULL, gbt_z_bonferroni(2));
    assert_int_equal(s.divergent, 0);
    gb_nuts_free(n);
    free(s.draws);
}

static void test_nuts_standard_normal_10d_moments(void **state)
{
    (void)state;
    iid ctx = {0};
    gb_target t = {10, iid10, &ctx};
    double q0[10] = {1, -1, 0.5, 2, 0, -2, 1, 0.1, -0.3, 0.7};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DIAG, 500, 2000, q0, &s);
    check_std_normal(&s, NULL, gbt_z_bonferroni(20));
    assert_int_equal(s.divergent, 0);
    gb_nuts_free(n);
    free(s.draws);
}

static double product(double x, double y, double unused)
{
    (void)unused;
    return x * y;
}

static void test_nuts_dense_metric_correlated_gaussian(void **state)
{
    (void)state;
    gb_target t = {2, corr2, NULL};
    double q0[2] = {1, -1};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DENSE, 1000, 2000, q0, &s);
    double z = gbt_z_bonferroni(5);
    check_std_normal(&s, NULL, z);
    double *xy = malloc(s.n * sizeof *xy);
    for (size_t i = 0; i < s.n; i++)
        xy[i] = product(s.draws[2 * i], s.draws[2 * i + 1], 0);
    gbt_check_mean("E[xy]", xy, s.n, CORR, z);
    /* The adapted dense inverse metric estimates the covariance; 500 draws in the last window
     * give each entry a relative error of a few percent, so 25% is a loose bound. */
    const double *minv = gb_nuts_inv_metric(n);
    assert_near(minv[0], 1.0, 0, 0.25);
    assert_near(minv[1], CORR, 0, 0.25);
    assert_near(minv[2], CORR, 0, 0.25);
    assert_near(minv[3], 1.0, 0, 0.25);
    print_message("dense 2-d: stepsize %.3f, mean n_leapfrog %.1f, accept %.3f\n",
                  gb_nuts_stepsize(n), (double)s.sum_leapfrog / (double)s.n,
                  s.sum_accept / (double)s.n);
    free(xy);
    gb_nuts_free(n);
    free(s.draws);
}

/* A 3-d Gaussian with scales 2, 1, 0.3 and correlations 0.9, 0.81, 0.9: the dense metric has
 * to get both the scales and the rotation right (a momentum drawn with the wrong Cholesky
 * scaling, which the 2-d unit-scale target barely notices, is off here by a factor > 1000). */
static const double cov3[9] = {4, 1.8, 0.486, 1.8, 1, 0.27, 0.486, 0.27, 0.09};
static double prec3[9];

static double gauss3(void *ctx, const double *q, double *g)
{
    (void)ctx;
    double lp = 0;
    for (size_t i = 0; i < 3; i++) {
        double s = 0;
        for (size_t j = 0; j < 3; j++)
            s += prec3[i * 3 + j] * q[j];
        g[i] = -s;
        lp -= 0.5 * q[i] * s;
    }
    return lp;
}

static void test_nuts_dense_metric_scaled_correlated_3d(void **state)
{
    (void)state;
    memcpy(prec3, cov3, sizeof prec3);
    gsl_matrix_view m = gsl_matrix_view_array(prec3, 3, 3);
    assert_int_equal(gsl_linalg_cholesky_decomp1(&m.matrix), GSL_SUCCESS);
    assert_int_equal(gsl_linalg_cholesky_invert(&m.matrix), GSL_SUCCESS);
    gb_target t = {3, gauss3, NULL};
    double q0[3] = {0.1, 0.1, 0.1}, scale[3];
    for (size_t i = 0; i < 3; i++)
        scale[i] = sqrt(cov3[i * 3 + i]);
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DENSE, 1000, 2000, q0, &s);
    check_std_normal(&s, scale, gbt_z_bonferroni(6));
    gb_nuts_free(n);
    free(s.draws);
}

#define D100 100
static void test_nuts_diag_adaptation_100d_varying_scales(void **state)
{
    (void)state;
    double scale[D100], q0[D100];
    for (size_t i = 0; i < D100; i++) {
        scale[i] = pow(10.0, -1.0 + 2.0 * (double)i / (D100 - 1)); /* 0.1 .. 10 */
        q0[i] = 0.5 * scale[i];
    }
    iid ctx = {scale, 0, 0};
    gb_target t = {D100, iid100, &ctx};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DIAG, 1000, 1000, q0, &s);
    check_std_normal(&s, scale, gbt_z_bonferroni(2 * D100));
    /* The metric matches the scales: each variance comes from the last window's 500 draws
     * (relative sd about sqrt(2/500) = 6%), so a factor 1.5 either way is far outside noise. */
    const double *minv = gb_nuts_inv_metric(n);
    for (size_t i = 0; i < D100; i++) {
        double ratio = minv[i] / (scale[i] * scale[i]);
        if (!(ratio > 1 / 1.5 && ratio < 1.5))
            fail_msg("inv metric[%zu] / scale^2 = %.3f", i, ratio);
    }
    /* Efficient: with the metric adapted the problem is a standard normal, where NUTS needs
     * trees of depth 3-5; without adaptation a 100:1 scale ratio needs depth 8-10. */
    double mean_leapfrog = (double)s.sum_leapfrog / (double)s.n;
    print_message("100-d: stepsize %.3f, mean n_leapfrog %.1f, max depth %d, accept %.3f\n",
                  gb_nuts_stepsize(n), mean_leapfrog, s.max_treedepth, s.sum_accept / (double)s.n);
    assert_true(mean_leapfrog < 32);
    assert_true(s.max_treedepth <= 6);
    gb_nuts_free(n);
    free(s.draws);
}

/* ---- adaptation of the step size ---- */

/* Dual averaging drives the warmup's mean accept_stat to delta = 0.8; the step size fixed at
 * exp(x_bar) afterwards is a little smaller than the last iterates' geometric mean, and Stan
 * runs typically show post-warmup means of 0.80-0.92 on Gaussians (the accept_stat of a
 * step size is a nonlinear function, so averaging log eps biases it upward).  The tolerance
 * [0.7, 0.95] accepts that bias and the MCSE of the mean (about 0.01 for 2000 draws) while
 * catching a broken adaptation (which gives means near 0 or 1). */
static void test_nuts_stepsize_adaptation_reaches_delta(void **state)
{
    (void)state;
    iid ctx = {0};
    gb_target t = {10, iid10, &ctx};
    double q0[10] = {0};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DIAG, 1000, 2000, q0, &s);
    double mean_accept = s.sum_accept / (double)s.n;
    print_message("10-d normal: mean accept_stat %.4f (delta 0.8), stepsize %.4f\n", mean_accept,
                  gb_nuts_stepsize(n));
    assert_near(mean_accept, 0.8, 0.15, 0);
    assert_true(mean_accept > 0.7 && mean_accept < 0.95);
    gb_nuts_free(n);
    free(s.draws);
}

/* ---- -INFINITY and NaN regions ---- */

static void test_nuts_truncated_normal_rejects_outside_support(void **state)
{
    (void)state;
    gb_target t = {1, trunc_normal, NULL};
    double q0[1] = {0.5};
    store s;
    gb_nuts *n = run_chain(&t, GB_METRIC_DIAG, 1000, 4000, q0, &s);
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.draws[i] > 0 && isfinite(s.draws[i]));
    double z = gbt_z_bonferroni(2);
    double *col = malloc(s.n * sizeof *col);
    memcpy(col, s.draws, s.n * sizeof *col);
    gbt_check_mean("E[x | x > 0]", col, s.n, M_SQRT2 / M_SQRTPI, z); /* sqrt(2 / pi) */
    for (size_t i = 0; i < s.n; i++)
        col[i] = s.draws[i] * s.draws[i];
    gbt_check_mean("E[x^2 | x > 0]", col, s.n, 1.0, z);
    /* Trajectories that leave the support are flagged divergent (as in Stan). */
    print_message("truncated normal: %zu divergent of %zu, accept %.3f\n", s.divergent, s.n,
                  s.sum_accept / (double)s.n);
    assert_true(s.divergent > 0);
    free(col);
    gb_nuts_free(n);
    free(s.draws);
}

/* NaN must act exactly like -INFINITY: the same seed gives the same draws. */
static void test_nuts_nan_density_is_treated_as_minus_infinity(void **state)
{
    (void)state;
    int nan_flag = 1;
    gb_target t_inf = {1, trunc_normal, NULL}, t_nan = {1, trunc_normal, &nan_flag};
    double q0[1] = {0.5};
    store a, b;
    gb_nuts *na = run_chain(&t_inf, GB_METRIC_DIAG, 200, 500, q0, &a);
    gb_nuts *nb = run_chain(&t_nan, GB_METRIC_DIAG, 200, 500, q0, &b);
    assert_memory_equal(a.draws, b.draws, a.n * sizeof *a.draws);
    gb_nuts_free(na);
    gb_nuts_free(nb);
    free(a.draws);
    free(b.draws);
}

/* ---- contract ---- */

static void test_nuts_same_seed_gives_identical_draws(void **state)
{
    (void)state;
    gb_target t = {2, corr2, NULL};
    double q0[2] = {0.3, 0.2};
    store a, b;
    gb_nuts *na = run_chain(&t, GB_METRIC_DENSE, 300, 300, q0, &a);
    gb_nuts *nb = run_chain(&t, GB_METRIC_DENSE, 300, 300, q0, &b);
    assert_memory_equal(a.draws, b.draws, a.n * a.dim * sizeof *a.draws);
    assert_true(gb_nuts_stepsize(na) == gb_nuts_stepsize(nb));
    gb_nuts_free(na);
    gb_nuts_free(nb);
    free(a.draws);
    free(b.draws);
}

static void test_nuts_new_rejects_bad_config(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts *n = NULL;
    gb_nuts_config_default(&cfg);
    assert_int_equal(gb_nuts_new(&cfg, 0, &n), GB_EUSAGE);
    cfg.max_depth = 0;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_EUSAGE);
    cfg.max_depth = GB_NUTS_DEPTH_LIMIT + 1;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_EUSAGE);
    gb_nuts_config_default(&cfg);
    cfg.stepsize = -1;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_EUSAGE);
    assert_null(n);
    gb_nuts_free(NULL);
}

static void test_nuts_start_outside_support_is_an_error(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_OK);
    gb_target t = {1, trunc_normal, NULL};
    gsl_rng *r = gb_rng_new(SEED, 0);
    double q[1] = {-1};
    gb_nuts_info info = {0};
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_ENUMERIC);
    assert_true(q[0] == -1);
    assert_int_equal(info.n_leapfrog, 0);
    assert_int_equal(gb_nuts_init_stepsize(n, &t, r, q), GB_ENUMERIC);
    gb_rng_free(r);
    gb_nuts_free(n);
}

static void test_nuts_tree_depth_is_capped(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    cfg.max_depth = 3;
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_OK);
    gb_target t = {1, flat, NULL};
    gsl_rng *r = gb_rng_new(SEED, 0);
    double q[1] = {0};
    gb_nuts_info info;
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_OK);
    assert_int_equal(info.treedepth, 3);
    assert_int_equal(info.n_leapfrog, 7); /* 2^3 - 1 */
    assert_near(info.accept_stat, 1.0, 0, 0);
    assert_int_equal(info.divergent, 0);
    gb_rng_free(r);
    gb_nuts_free(n);
}

/* The cached log p is reused only for the same q; gb_nuts_invalidate forces a new evaluation,
 * which is what a Gibbs update of other variables needs. */
static void test_nuts_cache_and_invalidate(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, 1, &n), GB_OK);
    iid ctx = {0};
    gb_target t = {1, iid1, &ctx};
    gsl_rng *r = gb_rng_new(SEED, 0);
    double q[1] = {0.2};
    gb_nuts_info info;
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_OK);
    assert_int_equal(ctx.evals, 1 + info.n_leapfrog);
    ctx.evals = 0;
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_OK);
    assert_int_equal(ctx.evals, info.n_leapfrog);
    ctx.evals = 0;
    q[0] += 0.5; /* a different q is never served from the cache */
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_OK);
    assert_int_equal(ctx.evals, 1 + info.n_leapfrog);
    ctx.evals = 0;
    ctx.shift = 3; /* the target changed behind q */
    gb_nuts_invalidate(n);
    assert_int_equal(gb_nuts_transition(n, &t, r, q, &info), GB_OK);
    assert_int_equal(ctx.evals, 1 + info.n_leapfrog);
    gb_rng_free(r);
    gb_nuts_free(n);
}

static void test_nuts_rejects_non_positive_definite_metric(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    cfg.metric = GB_METRIC_DENSE;
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, 2, &n), GB_OK);
    const double bad[4] = {1, 2, 2, 1}, good[4] = {2, 0.5, 0.5, 1};
    assert_int_equal(gb_nuts_set_inv_metric(n, bad), GB_ENUMERIC);
    const double *m = gb_nuts_inv_metric(n);
    assert_true(m[0] == 1 && m[1] == 0 && m[2] == 0 && m[3] == 1); /* unchanged: identity */
    assert_int_equal(gb_nuts_set_inv_metric(n, good), GB_OK);
    assert_true(m[0] == 2 && m[1] == 0.5 && m[2] == 0.5 && m[3] == 1);
    gb_nuts_free(n);

    cfg.metric = GB_METRIC_DIAG;
    assert_int_equal(gb_nuts_new(&cfg, 2, &n), GB_OK);
    const double neg[2] = {1, -1};
    assert_int_equal(gb_nuts_set_inv_metric(n, neg), GB_ENUMERIC);
    assert_int_equal(gb_nuts_set_stepsize(n, 0), GB_EUSAGE);
    gb_nuts_free(n);
}

/* Stan's heuristic on a standard normal: one leapfrog step of size e from (q, p) changes H by
 * O(e^3 ...), and the step it settles on must give acceptance around 0.8 (roughly e in
 * [0.25, 4] for this target); from a tiny start it must double up. */
static void test_nuts_init_stepsize_moves_toward_reasonable_step(void **state)
{
    (void)state;
    gb_nuts_config cfg;
    gb_nuts_config_default(&cfg);
    cfg.stepsize = 1e-4;
    gb_nuts *n = NULL;
    assert_int_equal(gb_nuts_new(&cfg, 10, &n), GB_OK);
    iid ctx = {0};
    gb_target t = {10, iid10, &ctx};
    gsl_rng *r = gb_rng_new(SEED, 0);
    double q[10] = {0.5, -0.5, 1, 0, 0, 0.2, 0.1, -1, 0.3, 0.4};
    assert_int_equal(gb_nuts_init_stepsize(n, &t, r, q), GB_OK);
    double e = gb_nuts_stepsize(n);
    print_message("init stepsize from 1e-4: %.4g\n", e);
    assert_true(e > 0.25 && e < 4);
    gb_rng_free(r);
    gb_nuts_free(n);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nuts_standard_normal_1d_moments),
        cmocka_unit_test(test_nuts_standard_normal_10d_moments),
        cmocka_unit_test(test_nuts_dense_metric_correlated_gaussian),
        cmocka_unit_test(test_nuts_dense_metric_scaled_correlated_3d),
        cmocka_unit_test(test_nuts_diag_adaptation_100d_varying_scales),
        cmocka_unit_test(test_nuts_stepsize_adaptation_reaches_delta),
        cmocka_unit_test(test_nuts_truncated_normal_rejects_outside_support),
        cmocka_unit_test(test_nuts_nan_density_is_treated_as_minus_infinity),
        cmocka_unit_test(test_nuts_same_seed_gives_identical_draws),
        cmocka_unit_test(test_nuts_new_rejects_bad_config),
        cmocka_unit_test(test_nuts_start_outside_support_is_an_error),
        cmocka_unit_test(test_nuts_tree_depth_is_capped),
        cmocka_unit_test(test_nuts_cache_and_invalidate),
        cmocka_unit_test(test_nuts_rejects_non_positive_definite_metric),
        cmocka_unit_test(test_nuts_init_stepsize_moves_toward_reasonable_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
