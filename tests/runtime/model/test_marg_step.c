/* test_marg_step.c - a summed-out latent read through a threshold (model_marg_step.c): its log
 * density and gradient by prefix sums equal the value-by-value sum (the same model with the step
 * path turned off, gb_model_ws_set_marg_step) to 1e-12, over comparisons of each direction,
 * supports whose breakpoints fall past either end, a second parameter in a branch and two step
 * terms; the conditional draw follows the exact conditional; other forms keep the old path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "model.h"
#include "near.h"

static int setup(void **state)
{
    *state = gbt_model_new();
    return 0;
}

static int teardown(void **state)
{
    gbt_model_free(*state);
    return 0;
}

static const char *COUNTS = "{\"c\": [1, 0, 2, 6, 5, 7, 4, 9], "
                            "\"y\": [0.3, -1.1, 0.8, 2.4, 1.9, 3.1, 2.2, 2.8], "
                            "\"x\": [0.5, 2.5, 2.0, 7.25, 3.0, 6.5, 1.0, 4.75]}";

/* The summed latent `name`'s reason says whether the step path was chosen. */
static int uses_step(gbt_model *f, const char *name)
{
    size_t k = gbt_model_latent(f, name);
    assert_string_equal(gb_model_latent_kind(f->m, k)->name, "summed");
    return strstr(gb_model_latent_reason(f->m, k), "threshold") != NULL;
}

/* At five points uniform on (-1.5, 1.5)^d, the step path's log density and gradient equal the
 * value-by-value path's to 1e-12 relative; then the gradient matches finite differences. */
static void check_same_as_by_value(gbt_model *f, const char *model, unsigned long seed)
{
    gbt_model_build_ws(f, model, COUNTS);
    if (!uses_step(f, "tau"))
        fail_msg("the step path was not chosen for:\n%s", model);
    size_t d = gb_model_dim(f->m);
    double th[16], g1[16], g0[16];
    assert_true(d <= 16);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (int p = 0; p < 5; p++) {
        for (size_t i = 0; i < d; i++)
            th[i] = 3 * gsl_rng_uniform(r) - 1.5;
        gb_model_ws_set_marg_step(f->ws, 1);
        double lp1 = gb_model_logp(f->m, f->ws, th, g1);
        gb_model_ws_set_marg_step(f->ws, 0);
        double lp0 = gb_model_logp(f->m, f->ws, th, g0);
        assert_true(isfinite(lp0));
        assert_near(lp1, lp0, 1e-12 * fabs(lp0), 1e-12);
        for (size_t i = 0; i < d; i++)
            assert_near(g1[i], g0[i], 1e-12 * fabs(g0[i]) + 1e-13, 1e-12);
    }
    gb_model_ws_set_marg_step(f->ws, 1);
    gsl_rng_free(r);
    gbt_model_check_gradient(f, seed);
}

static void test_step_lt_poisson(void **state)
{
    check_same_as_by_value(*state,
                           "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                           "tau ~ uniform_int(1, N)\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
                           11);
}

/* The latent on the right, >=, a normal with a shared scale. */
static void test_step_ge_normal(void **state)
{
    check_same_as_by_value(*state,
                           "data y: real[N]\nm1 ~ normal(0, 2)\nm2 ~ normal(0, 2)\n"
                           "s ~ exponential(1)\ntau ~ uniform_int(1, N)\nfor i in 1..N {\n"
                           "  y[i] ~ normal(if i >= tau then m1 else m2, s)\n}\n",
                           12);
}

/* The latent on the left (tau > i), a second parameter in the true branch. */
static void test_step_latent_left_second_parameter(void **state)
{
    check_same_as_by_value(*state,
                           "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                           "e ~ normal(0, 1)\ntau ~ uniform_int(1, N)\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(if tau > i then l1 * exp(e) else l2)\n}\n",
                           13);
}

/* tau <= i + 1 over a support that runs past the data at both ends (breakpoints 0 and K), and
 * a categorical prior: the value is mapped from the support's lower end. */
static void test_step_support_past_both_ends(void **state)
{
    check_same_as_by_value(*state,
                           "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                           "tau ~ uniform_int(-3, N + 4)\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(if tau <= i + 1 then l1 else l2)\n}\n",
                           14);
    gbt_model_free(*state);
    *state = gbt_model_new();
    check_same_as_by_value(*state,
                           "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                           "tau ~ categorical([0.1, 0.2, 0.3, 0.4])\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(if i <= tau then l1 else l2)\n}\n",
                           15);
}

/* Real thresholds (x[i] < tau, breakpoints between integers) and two step terms, one of each
 * direction. */
static void test_step_two_terms_real_thresholds(void **state)
{
    check_same_as_by_value(*state,
                           "data c: int[N]\ndata y: real[N]\ndata x: real[N]\n"
                           "l1 ~ exponential(1)\nl2 ~ exponential(1)\nm ~ normal(0, 2)\n"
                           "tau ~ uniform_int(0, 9)\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(if x[i] < tau then l1 else l2)\n"
                           "  y[i] ~ normal(if tau >= x[i] then m else -m, 1)\n}\n",
                           16);
}

/* The comparison chooses an index: forced false for every repetition, the last one reads past
 * the end (a failed run), which only tau = N + 1 avoids.  The range is then summed value by
 * value, and the density is finite at that one value. */
static void test_step_failed_forced_run_sums_by_value(void **state)
{
    check_same_as_by_value(*state,
                           "data c: int[N]\ndata x: real[N]\nl ~ exponential(1)\n"
                           "tau ~ uniform_int(1, N + 1)\nfor i in 1..N {\n"
                           "  c[i] ~ poisson(l * x[if i < tau then i else i + 1])\n}\n",
                           18);
}

/* A threshold shared by the whole loop (tau > 3, one comparison for every repetition). */
static void test_step_one_breakpoint_for_all(void **state)
{
    check_same_as_by_value(*state,
                           "data y: real[N]\nm1 ~ normal(0, 2)\nm2 ~ normal(0, 2)\n"
                           "tau ~ uniform_int(1, 6)\nfor i in 1..N {\n"
                           "  y[i] ~ normal(if tau > 3 then m1 else m2, 1)\n}\n",
                           19);
}

/* The work bound counts a step range as two runs plus the support: 2 x 10^6 values times 8
 * observations is past 10^7, summed by value it is refused; as a step, it is summed. */
static void test_step_work_bound_counts_the_step_cost(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                       "tau ~ uniform_int(1, 2000000)\nfor i in 1..N {\n"
                       "  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
                       COUNTS);
    assert_true(uses_step(f, "tau"));
    gbt_model_free(f);
    *state = f = gbt_model_new();
    gbt_model_build_ws(f,
                       "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                       "tau ~ uniform_int(1, 2000000)\nfor i in 1..N {\n"
                       "  c[i] ~ poisson(if i == tau then l1 else l2)\n}\n",
                       COUNTS);
    const char *why = gb_model_latent_reason(f->m, gbt_model_latent(f, "tau"));
    if (!strstr(why, "too large"))
        fail_msg("expected the work bound's refusal, got: %s", why);
}

/* A latent compared for equality, or read as an index, is not a step: the old path stays. */
static void test_step_not_for_other_forms(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                       "tau ~ uniform_int(1, N)\nfor i in 1..N {\n"
                       "  c[i] ~ poisson(if i == tau then l1 else l2)\n}\n",
                       COUNTS);
    assert_false(uses_step(f, "tau"));
    gbt_model_free(f);
    *state = f = gbt_model_new();
    gbt_model_build_ws(f,
                       "data c: int[N]\nl: real<lower=0>[2] ~ exponential(1)\n"
                       "tau ~ uniform_int(1, 2)\nfor i in 1..N {\n"
                       "  c[i] ~ poisson(l[tau] + (if i < tau then 1 else 0))\n}\n",
                       COUNTS);
    assert_false(uses_step(f, "tau"));
}

/* The draw after a step evaluation follows the exact conditional of tau given l1, l2 (the
 * latent on the right of >=, so the comparison holds for the early values): chi-square over the
 * N values against the 1 - 1e-6 quantile for their degrees of freedom. */
static void test_step_draw_follows_exact_conditional(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\n"
                       "tau ~ uniform_int(1, N)\nfor i in 1..N {\n"
                       "  c[i] ~ poisson(if i >= tau then l2 else l1)\n}\n",
                       COUNTS);
    assert_true(uses_step(f, "tau"));
    static const int c[8] = {1, 0, 2, 6, 5, 7, 4, 9};
    double theta[2] = {log(1.5), log(5.0)}, p[9], tot = 0, out[8];
    for (int t = 1; t <= 8; t++) {
        double lp = 0;
        for (int i = 1; i <= 8; i++) {
            double lam = i >= t ? 5.0 : 1.5;
            lp += c[i - 1] * log(lam) - lam;
        }
        tot += p[t] = exp(lp);
    }
    size_t k = gbt_model_latent(f, "tau");
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    int counts[9] = {0};
    const int n = 20000;
    for (int s = 0; s < n; s++) {
        gb_model_ws_sync(f->m, f->ws, theta);
        assert_int_equal(gb_model_marginal_draw(f->m, f->ws, k, r), GB_OK);
        gb_model_values(f->m, f->ws, theta, out);
        int v = (int)out[k];
        assert_true(v >= 1 && v <= 8);
        counts[v]++;
    }
    double chi = 0;
    int df = -1;
    for (int t = 1; t <= 8; t++) {
        double e = n * p[t] / tot;
        if (e > 5) { /* cells expected nearly empty are left out of the statistic */
            chi += (counts[t] - e) * (counts[t] - e) / e;
            df++;
        }
    }
    double crit = gsl_cdf_chisq_Qinv(1e-6, df);
    if (chi > crit)
        fail_msg("chi-square %.2f > %.2f (%d degrees of freedom)", chi, crit, df);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_step_lt_poisson, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_ge_normal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_latent_left_second_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_support_past_both_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_two_terms_real_thresholds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_failed_forced_run_sums_by_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_one_breakpoint_for_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_work_bound_counts_the_step_cost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_not_for_other_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_draw_follows_exact_conditional, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
