/* test_dist_target.c - `target += e` (lang/parser.y desugars it; stdlib/dist_target.c is its
 * term): the term's log density is the sum of its argument with gradient 1 and no density for
 * NaN or +inf; a model written with `target +=` has the log density and gradient of the same
 * model written with `~` (to 1e-12, at several points), a vector expression is summed, a
 * statement in a loop adds once per iteration, both forms give the same posterior, and the
 * term is no observation for LOO.
 *
 * Posterior tolerance: |mean_a - mean_b| < Z * sqrt(mcse_a^2 + mcse_b^2), Z = 4.5 (false alarm
 * 6.8e-6 a check, two checks).  Fixed seeds: a failure is a finding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dists.h"
#include "gbt_model.h"
#include "loglik.h"
#include "model.h"
#include "near.h"

#define Z 4.5

static const char *DATA = "{\"N\": 5, \"y\": [1.2, 0.3, 2.5, 1.9, 0.7]}";

static const char *TILDE = "data y: real[N]\nmu ~ normal(0, 5)\ns ~ half_normal(2)\n"
                           "y ~ normal(mu, s)\n";
/* the normal log density written out, vectorised over y */
static const char *TARGET = "data y: real[N]\nmu ~ normal(0, 5)\ns ~ half_normal(2)\n"
                            "target += -0.5 * ((y - mu) / s)^2 - log(s) - "
                            "0.91893853320467274178\n";
/* one statement a repetition, in a loop, split in two statements */
static const char *LOOP = "data y: real[N]\nmu ~ normal(0, 5)\ns ~ half_normal(2)\n"
                          "for n in 1..N {\n  target += -0.5 * ((y[n] - mu) / s)^2\n"
                          "  target += -log(s) - 0.91893853320467274178\n}\n";

static void test_target_term_is_its_argument(void **state)
{
    (void)state;
    double zero[3] = {0, 0, 0}, lp[3] = {-1.5, 0.25, 2}, adj[3] = {0, 0, 0};
    gb_arg a[2] = {{zero, NULL, 1}, {lp, adj, 1}};
    assert_near(gb_dist_target.lpdf(3, a, NULL, 0), 0.75, 0, 1e-15);
    for (int i = 0; i < 3; i++)
        assert_near(adj[i], 1, 0, 0);
    lp[1] = NAN;
    assert_true(gb_dist_target.lpdf(3, a, NULL, 0) == -INFINITY);
    lp[1] = INFINITY;
    assert_true(gb_dist_target.lpdf(3, a, NULL, 0) == -INFINITY);
    lp[1] = -INFINITY;
    assert_true(gb_dist_target.lpdf(3, a, NULL, 0) == -INFINITY);
}

static gbt_model *build(const char *src)
{
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, src, DATA) != GB_OK)
        fail_msg("building the model failed");
    f->ws = gb_model_ws_new(f->m);
    assert_non_null(f->ws);
    return f;
}

/* lp and gradient of a and b agree at a few unconstrained points (mu, log s). */
static void check_same_density(const char *src_a, const char *src_b)
{
    gbt_model *a = build(src_a), *b = build(src_b);
    assert_int_equal(gb_model_dim(a->m), 2);
    assert_int_equal(gb_model_dim(b->m), 2);
    static const double pts[4][2] = {{0, 0}, {1.3, -0.4}, {-2, 1.1}, {4.5, 0.7}};
    for (int i = 0; i < 4; i++) {
        double ga[2], gb[2];
        double la = gb_model_logp(a->m, a->ws, pts[i], ga);
        double lb = gb_model_logp(b->m, b->ws, pts[i], gb);
        assert_near(lb, la, 1e-12, 1e-12);
        assert_near(gb[0], ga[0], 1e-12, 1e-12);
        assert_near(gb[1], ga[1], 1e-12, 1e-12);
    }
    gbt_model_free(a);
    gbt_model_free(b);
}

static void test_target_vector_matches_tilde_density(void **state)
{
    (void)state;
    check_same_density(TILDE, TARGET);
}

static void test_target_in_loop_matches_tilde_density(void **state)
{
    (void)state;
    check_same_density(TILDE, LOOP);
}

static void test_target_matches_tilde_posterior(void **state)
{
    (void)state;
    gbt_model *a = gbt_model_new(), *b = gbt_model_new();
    if (gbt_model_build(a, TILDE, DATA) != GB_OK || gbt_model_run(a, 4, 500, 1000, 51) != GB_OK ||
        gbt_model_build(b, TARGET, DATA) != GB_OK || gbt_model_run(b, 4, 500, 1000, 52) != GB_OK)
        fail_msg("sampling failed");
    const char *names[2] = {"mu", "s"};
    for (int k = 0; k < 2; k++) {
        gb_diag_summary sa = gbt_model_summary(a, names[k]), sb = gbt_model_summary(b, names[k]);
        double se = sqrt(sa.mcse_mean * sa.mcse_mean + sb.mcse_mean * sb.mcse_mean);
        if (!(fabs(sa.mean - sb.mean) < Z * se))
            fail_msg("%s: '~' %.5g, 'target +=' %.5g, MCSE %.3g, z %.2f", names[k], sa.mean,
                     sb.mean, se, (sa.mean - sb.mean) / se);
    }
    gbt_model_free(a);
    gbt_model_free(b);
}

/* A `target +=` term is no observation: LOO and WAIC see only the data's '~' terms. */
static size_t observations(const char *src)
{
    gbt_model *f = build(src);
    gb_loglik *l = NULL;
    if (gb_loglik_new(f->m, f->ws, &l, f->errs) != GB_OK)
        fail_msg("gb_loglik_new failed");
    size_t n = gb_loglik_count(l);
    gb_loglik_free(l);
    gbt_model_free(f);
    return n;
}

static void test_target_term_is_no_observation(void **state)
{
    (void)state;
    assert_int_equal(observations(TILDE), 5);
    assert_int_equal(observations(TARGET), 0);
    assert_int_equal(observations("data y: real[N]\nmu ~ normal(0, 5)\ntarget += -mu^2\n"
                                  "y ~ normal(mu, 1)\n"),
                     5);
}

/* The runtime tells a `target +=` term by the ops flag, not by a name: only dist_target.c sets
 * it, and no registry distribution (whatever its name) does. */
static void test_target_is_the_only_flagged_distribution(void **state)
{
    (void)state;
    assert_true(gb_dist_target.is_target);
    assert_null(gb_dist_find("target"));
    for (size_t i = 0; i < gb_dist_count(); i++)
        if (gb_dist_at(i)->is_target)
            fail_msg("registry distribution '%s' says is_target", gb_dist_at(i)->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_term_is_its_argument),
        cmocka_unit_test(test_target_vector_matches_tilde_density),
        cmocka_unit_test(test_target_in_loop_matches_tilde_density),
        cmocka_unit_test(test_target_matches_tilde_posterior),
        cmocka_unit_test(test_target_term_is_no_observation),
        cmocka_unit_test(test_target_is_the_only_flagged_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
