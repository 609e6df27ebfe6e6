/* test_marg_chain.c - a first-order chain summed out by the forward algorithm
 * (runtime/model/model_marg_chain.c): its marginal log density against the sum, over every path
 * enumerated (K^T of them, T = 6), of the density of the same model with the chain kept sampled
 * (`@sample z`); its gradient against central differences; and the planner's choice. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "dist.h"
#include "gbt_model.h"
#include "model_int.h"
#include "near.h"

#define T 6

static const char *const DATA =
    "{\"N\": 6, \"y\": [-1.2, -0.3, 0.8, 1.9, 0.1, -0.7], \"w\": [0.5, -1.1, 0.2, 1.4, 0.3]}";

/* K = 2, transitions through `if`, emissions of z[t] only. */
static const char *const HMM2 =
    "data y: real[N]\np1 ~ beta(2, 2)\np2 ~ beta(2, 2)\nm: real[2] ~ normal(0, 3)\n"
    "s ~ exponential(1)\nz[1] ~ categorical([0.5, 0.5])\nfor t in 2..N {\n"
    "  z[t] ~ categorical(if z[t - 1] == 1 then [p1, 1 - p1] else [1 - p2, p2])\n}\n"
    "for t in 1..N {\n  y[t] ~ normal(m[z[t]], s)\n}\n";

/* K = 3, a transition matrix of simplexes, and a second likelihood reading z[t] and z[t + 1]
 * (a pairwise emission, which goes into the transition potentials). */
static const char *const HMM3 =
    "data y: real[N]\ndata w: real[N - 1]\nt1: simplex[3] ~ dirichlet([1, 1, 1])\n"
    "t2: simplex[3] ~ dirichlet([1, 1, 1])\nt3: simplex[3] ~ dirichlet([1, 1, 1])\n"
    "th = [t1, t2, t3]\nm: ordered[3] ~ normal(0, 3)\ns ~ exponential(1)\n"
    "z[1] ~ categorical([0.2, 0.3, 0.5])\nfor t in 2..N {\n  z[t] ~ categorical(th[z[t - 1]])\n}\n"
    "for t in 1..N {\n  y[t] ~ normal(m[z[t]], s)\n}\n"
    "for t in 1..N - 1 {\n  w[t] ~ normal(m[z[t]] - m[z[t + 1]], 2)\n}\n";

/* HMM2 with emissions of a distribution without lpdf_each: each repetition's own lpdf call. */
static const char *const HMM2T =
    "data y: real[N]\np1 ~ beta(2, 2)\np2 ~ beta(2, 2)\nm: real[2] ~ normal(0, 3)\n"
    "s ~ exponential(1)\nz[1] ~ categorical([0.5, 0.5])\nfor t in 2..N {\n"
    "  z[t] ~ categorical(if z[t - 1] == 1 then [p1, 1 - p1] else [1 - p2, p2])\n}\n"
    "for t in 1..N {\n  y[t] ~ student_t(4, m[z[t]], s)\n}\n";

static gbt_model *build_data(const char *head, const char *model, const char *json)
{
    char src[2048];
    snprintf(src, sizeof src, "%s%s", head, model);
    gbt_model *f = gbt_model_new();
    gbt_model_build_ws(f, src, json);
    return f;
}

static gbt_model *build(const char *head, const char *model)
{
    return build_data(head, model, DATA);
}

/* log sum over every path of exp(log density with z on that path), from the sampled model. */
static double enumerated(gbt_model *f, const double *theta, int K)
{
    const latent *L = &f->m->lat.items[gbt_model_latent(f, "z")];
    double *z = tval(f->m, f->ws, f->m->ni[L->node].tensor), mx = -INFINITY, lp[729];
    int n = 1;
    for (int t = 0; t < T; t++)
        n *= K;
    assert_true(n <= 729);
    for (int p = 0; p < n; p++) {
        for (int t = 0, q = p; t < T; t++, q /= K)
            z[t] = 1 + q % K;
        gb_model_ws_set_changed(f->ws);
        lp[p] = gb_model_logp(f->m, f->ws, theta, NULL);
        mx = fmax(mx, lp[p]);
    }
    double s = 0;
    for (int p = 0; p < n; p++)
        s += exp(lp[p] - mx);
    return mx + log(s);
}

/* Differences between points: both models drop the same constants (propto). */
static void check_against_enumeration(const char *model, int K, unsigned long seed)
{
    gbt_model *fs = build("@marginalise z\n", model), *fe = build("@sample z\n", model);
    assert_string_equal(gb_model_latent_kind(fs->m, gbt_model_latent(fs, "z"))->name, "summed");
    assert_string_equal(gb_model_latent_kind(fe->m, gbt_model_latent(fe, "z"))->name, "FFBS");
    size_t d = gb_model_dim(fs->m);
    assert_int_equal(d, gb_model_dim(fe->m));
    double *th = calloc(d, sizeof *th);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double lp0 = 0, want0 = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (size_t k = 0; k < d; k++)
            th[k] = 2 * gsl_rng_uniform(r) - 1;
        double lp = gb_model_logp(fs->m, fs->ws, th, NULL), want = enumerated(fe, th, K);
        assert_true(isfinite(lp));
        if (rep == 0) {
            lp0 = lp;
            want0 = want;
        } else {
            assert_near(lp - lp0, want - want0, 1e-10, 1e-10);
        }
    }
    gsl_rng_free(r);
    free(th);
    gbt_model_free(fs);
    gbt_model_free(fe);
}

static void check_gradient(const char *model, unsigned long seed)
{
    gbt_model *f = build("@marginalise z\n", model);
    assert_string_equal(gb_model_latent_kind(f->m, gbt_model_latent(f, "z"))->name, "summed");
    gbt_model_check_gradient(f, seed);
    gbt_model_free(f);
}

static void test_marg_chain_two_states_logp_is_the_sum_over_paths(void **state)
{
    (void)state;
    check_against_enumeration(HMM2, 2, 11);
}

static void test_marg_chain_three_states_logp_is_the_sum_over_paths(void **state)
{
    (void)state;
    check_against_enumeration(HMM3, 3, 12);
}

static void test_marg_chain_two_states_gradient_matches_differences(void **state)
{
    (void)state;
    check_gradient(HMM2, 13);
}

static void test_marg_chain_three_states_gradient_matches_differences(void **state)
{
    (void)state;
    check_gradient(HMM3, 14);
}

/* The terms run through one lpdf_each call each where the distribution has one; a term whose
 * distribution has none (student_t) falls back to one lpdf call a repetition, weighted alike. */
static void test_marg_chain_without_lpdf_each_sums_and_differentiates(void **state)
{
    (void)state;
    const gb_dist_ops *st = gb_dist_find("student_t");
    assert_non_null(st);
    assert_null(st->lpdf_each);
    check_against_enumeration(HMM2T, 2, 15);
    check_gradient(HMM2T, 16);
}

/* The reason inspect and --explain print: FFBS unless the model asks, at any number of states. */
static void test_marg_chain_planner_says_why(void **state)
{
    (void)state;
    gbt_model *f = build("@marginalise z\n", HMM2);
    const char *why = gb_model_latent_reason(f->m, gbt_model_latent(f, "z"));
    if (!strstr(why, "summed out (forward algorithm)"))
        fail_msg("reason: %s", why);
    gbt_model_free(f);
    f = build("", HMM2);
    why = gb_model_latent_reason(f->m, gbt_model_latent(f, "z"));
    if (strcmp(gb_model_latent_kind(f->m, gbt_model_latent(f, "z"))->name, "FFBS") != 0 ||
        !strstr(why, "not summed out: a chain is block-updated by FFBS"))
        fail_msg("reason: %s", why);
    gbt_model_free(f);
    static const char *const big =
        "data y: real[N]\ndata P: real[9, 9]\nm: real[9] ~ normal(0, 3)\nz[1] ~ uniform_int(1, 9)\n"
        "for t in 2..N {\n  z[t] ~ categorical(P[z[t - 1]])\n}\n"
        "for t in 1..N {\n  y[t] ~ normal(m[z[t]], 1)\n}\n";
    char json[2048] = "{\"N\": 6, \"y\": [-1.2, -0.3, 0.8, 1.9, 0.1, -0.7], \"P\": [";
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 9; j++) {
            size_t len = strlen(json);
            snprintf(json + len, sizeof json - len, "%s%s%s", j ? ", " : i ? "], [" : "[",
                     i == j ? "0.6" : "0.05", i == 8 && j == 8 ? "]]}" : "");
        }
    f = build_data("", big, json);
    why = gb_model_latent_reason(f->m, gbt_model_latent(f, "z"));
    if (strcmp(gb_model_latent_kind(f->m, gbt_model_latent(f, "z"))->name, "FFBS") != 0 ||
        !strstr(why, "not summed out: a chain is block-updated by FFBS"))
        fail_msg("reason: %s", why);
    gbt_model_free(f);
    f = build_data("@marginalise z\n", big, json);
    assert_string_equal(gb_model_latent_kind(f->m, gbt_model_latent(f, "z"))->name, "summed");
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marg_chain_two_states_logp_is_the_sum_over_paths),
        cmocka_unit_test(test_marg_chain_three_states_logp_is_the_sum_over_paths),
        cmocka_unit_test(test_marg_chain_two_states_gradient_matches_differences),
        cmocka_unit_test(test_marg_chain_three_states_gradient_matches_differences),
        cmocka_unit_test(test_marg_chain_without_lpdf_each_sums_and_differentiates),
        cmocka_unit_test(test_marg_chain_planner_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
