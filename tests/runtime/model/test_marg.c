/* test_marg.c - discrete latents summed out of the density (runtime/model/model_marg.c): the
 * marginal log density against the mixture, change-point and zero-inflated sums written out by
 * hand, its gradient against central differences, and the planner's reasons for not summing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The latent named `name`, its sampler kind's name and the reason. */
static const char *kind_of(gbt_model *f, const char *name, const char **why)
{
    size_t k = gbt_model_latent(f, name);
    *why = gb_model_latent_reason(f->m, k);
    return gb_model_latent_kind(f->m, k)->name;
}

static double log_normal(double y, double mu, double s)
{
    double z = (y - mu) / s;
    return -0.5 * z * z - log(s) - 0.91893853320467274178;
}

static const double Y[5] = {-1.2, 0.4, 2.5, 1.9, -0.3};

/* sum_n log(w N(y_n | m1, s) + (1 - w) N(y_n | m2, s)) */
static double mix_loglik(double w, double m1, double m2, double s)
{
    double t = 0;
    for (int n = 0; n < 5; n++) {
        double a = log(w) + log_normal(Y[n], m1, s), b = log1p(-w) + log_normal(Y[n], m2, s);
        double mx = fmax(a, b);
        t += mx + log(exp(a - mx) + exp(b - mx));
    }
    return t;
}

static const char *MIX = "data y: real[N]\nm1 ~ normal(0, 3)\nm2 ~ normal(0, 3)\n"
                         "s ~ exponential(1)\nw ~ beta(2, 2)\nfor n in 1..N {\n"
                         "  z[n] ~ categorical([w, 1 - w])\n"
                         "  y[n] ~ normal(if z[n] == 1 then m1 else m2, s)\n}\n";
static const char *MIX_DATA = "{\"y\": [-1.2, 0.4, 2.5, 1.9, -0.3]}";

/* Differences between two points: the priors' constants may be dropped (propto). */
static void test_marg_mixture_logp_is_log_sum_exp_over_labels(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f, MIX, MIX_DATA);
    const char *why;
    assert_string_equal(kind_of(f, "z", &why), "summed");
    assert_int_equal(gb_model_dim(f->m), 4);
    double th[2][4] = {{0.3, 1.2, -0.2, 0.4}, {-0.5, 2.0, 0.3, -0.7}}, want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        double m1 = th[p][0], m2 = th[p][1], s = exp(th[p][2]);
        double w = 1 / (1 + exp(-th[p][3]));
        /* priors (up to constants) and the log-Jacobians of exp and the logistic */
        want[p] = -(m1 * m1 + m2 * m2) / 18 - s + th[p][2] + log(w) + log1p(-w) + log(w) +
                  log1p(-w) + mix_loglik(w, m1, m2, s);
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-10, 1e-10);
    gbt_model_check_gradient(f, 7);
}

/* Labels used as an index (mu[z[n]]) and the weights as a simplex. */
static void test_marg_mixture_through_index_has_exact_gradient(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data y: real[N]\nmu: real[2] ~ normal(0, 3)\nsg: real<lower=0>[2] ~ normal(0, 2)\n"
        "th: simplex[2] ~ dirichlet([2, 2])\nfor n in 1..N {\n  z[n] ~ categorical(th)\n"
        "  y[n] ~ normal(mu[z[n]], sg[z[n]])\n}\n",
        MIX_DATA);
    const char *why;
    assert_string_equal(kind_of(f, "z", &why), "summed");
    gbt_model_check_gradient(f, 8);
}

/* A change point is one element read by every observation: the sum is over its N values. */
static void test_marg_changepoint_logp_sums_over_the_switch(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\ntau ~ uniform_int(1, N)\n"
        "for i in 1..N {\n  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
        "{\"c\": [1, 0, 2, 6, 5, 7]}");
    const char *why;
    assert_string_equal(kind_of(f, "tau", &why), "summed");
    static const int c[6] = {1, 0, 2, 6, 5, 7};
    double th[2][2] = {{0.1, 1.5}, {0.6, 0.9}}, want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        double l1 = exp(th[p][0]), l2 = exp(th[p][1]), terms[6], mx = -INFINITY, s = 0;
        for (int t = 1; t <= 6; t++) {
            terms[t - 1] = -log(6.0);
            for (int i = 1; i <= 6; i++) {
                double lam = i < t ? l1 : l2;
                terms[t - 1] += c[i - 1] * log(lam) - lam - lgamma(c[i - 1] + 1);
            }
            mx = fmax(mx, terms[t - 1]);
        }
        for (int t = 0; t < 6; t++)
            s += exp(terms[t] - mx);
        want[p] = -l1 - l2 + th[p][0] + th[p][1] + mx + log(s);
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-10, 1e-10);
    gbt_model_check_gradient(f, 9);
}

/* Zero inflation: an indicator per count; a nonzero count forces its indicator to 0. */
static void test_marg_zero_inflated_poisson_logp(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data y: int[N]\nlam ~ exponential(0.2)\npz ~ beta(1, 1)\nfor n in 1..N {\n"
        "  u[n] ~ bernoulli(pz)\n  y[n] ~ poisson(if u[n] == 1 then 0.000001 else lam)\n}\n",
        "{\"y\": [0, 3, 0, 0, 5, 1]}");
    const char *why;
    assert_string_equal(kind_of(f, "u", &why), "summed");
    static const int y[6] = {0, 3, 0, 0, 5, 1};
    double th[2][2] = {{1.1, -0.4}, {0.7, 0.8}}, want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        double lam = exp(th[p][0]), pz = 1 / (1 + exp(-th[p][1])), eps = 0.000001;
        want[p] = -0.2 * lam + th[p][0] + log(pz) + log1p(-pz);
        for (int n = 0; n < 6; n++) {
            double a = log(pz) + y[n] * log(eps) - eps - lgamma(y[n] + 1);
            double b = log1p(-pz) + y[n] * log(lam) - lam - lgamma(y[n] + 1), mx = fmax(a, b);
            want[p] += mx + log(exp(a - mx) + exp(b - mx));
        }
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-9, 1e-9);
    gbt_model_check_gradient(f, 10);
}

/* 1500 rows: with equal means every row's sum of exps is exactly 2, so the running product of
 * the rows' sums (model_marg.c) passes 2^990 and is taken into the total mid-way; the total
 * still equals the rows' log-sum-exps summed one by one, to 1e-12 relative (about 1500
 * roundings of 1.1e-16 each, far below). */
static void test_marg_many_rows_product_of_sums(void **state)
{
    gbt_model *f = *state;
    enum { NR = 1500 };
    static char json[NR * 24 + 16];
    double y[NR];
    size_t at = (size_t)snprintf(json, sizeof json, "{\"y\": [");
    for (int n = 0; n < NR; n++) {
        y[n] = 0.002 * n - 1.5;
        at += (size_t)snprintf(json + at, sizeof json - at, "%s%.3f", n ? ", " : "", y[n]);
    }
    snprintf(json + at, sizeof json - at, "]}");
    gbt_model_build_ws(f,
                       "data y: real[N]\nmu: real[2] ~ normal(0, 1)\n"
                       "z: int[N] ~ categorical([0.5, 0.5])\ny ~ normal(mu[z], 1)\n",
                       json);
    double th[2][2] = {{0.3, 0.3}, {-0.5, 1.2}}, want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        want[p] = -0.5 * (th[p][0] * th[p][0] + th[p][1] * th[p][1]);
        for (int n = 0; n < NR; n++) {
            double a = log(0.5) + log_normal(y[n], th[p][0], 1);
            double b = log(0.5) + log_normal(y[n], th[p][1], 1), mx = fmax(a, b);
            want[p] += mx + log(exp(a - mx) + exp(b - mx));
        }
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-12 * fabs(want[0]), 1e-12);
}

/* Cases the planner must not sum, each with its reason, left to Gibbs (or to FFBS, a chain). */
static void check_refused_to(gbt_model *f, const char *model, const char *json, const char *name,
                             const char *reason, const char *kind)
{
    gbt_model_build_ws(f, model, json);
    const char *why;
    assert_string_equal(kind_of(f, name, &why), kind);
    if (!strstr(why, reason))
        fail_msg("reason '%s' does not say '%s'", why, reason);
}

static void check_refused(gbt_model *f, const char *model, const char *json, const char *name,
                          const char *reason)
{
    check_refused_to(f, model, json, name, reason, "Gibbs");
}

static void test_marg_refuses_deterministic_use(void **state)
{
    check_refused(*state,
                  "data y: real[N]\nm ~ normal(0, 1)\nfor n in 1..N {\n  z[n] ~ bernoulli(0.5)\n"
                  "}\nzz = z * 2\nfor n in 1..N {\n  y[n] ~ normal(m * zz[n], 1)\n}\n",
                  MIX_DATA, "z", "a deterministic node is computed from it");
}

/* A chain is summed by the forward algorithm (model_marg_chain.c); `@sample` keeps it FFBS. */
static void test_marg_chain_sample_keeps_ffbs(void **state)
{
    check_refused_to(*state,
                     "@sample z\ndata y: real[N]\nm: real[2] ~ normal(0, 3)\n"
                     "z[1] ~ categorical([0.5, 0.5])\n"
                     "for t in 2..N {\n  z[t] ~ categorical(if z[t - 1] == 1 then [0.9, 0.1] else "
                     "[0.1, 0.9])\n}\nfor t in 1..N {\n  y[t] ~ normal(m[z[t]], 1)\n}\n",
                     MIX_DATA, "z", "not summed out: the model says `@sample` for it", "FFBS");
}

static void test_marg_refuses_latent_in_another_prior(void **state)
{
    check_refused(*state,
                  "data y: real[N]\nk ~ bernoulli(0.5)\nm ~ normal(k, 1)\ny ~ normal(m, 1)\n",
                  MIX_DATA, "k", "the prior of another parameter reads it");
}

/* `@sample z` keeps a summable latent sampled by Gibbs, saying so; `@marginalise` is honoured. */
static void test_marg_user_choice_sample_keeps_gibbs(void **state)
{
    char model[512];
    snprintf(model, sizeof model, "%s@sample z\n", MIX);
    check_refused(*state, model, MIX_DATA, "z", "the model says `@sample` for it");
}

static void test_marg_user_choice_marginalise_is_honoured(void **state)
{
    gbt_model *f = *state;
    char model[512];
    snprintf(model, sizeof model, "@marginalise z\n%s", MIX);
    gbt_model_build_ws(f, model, MIX_DATA);
    const char *why;
    assert_string_equal(kind_of(f, "z", &why), "summed");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_marg_mixture_logp_is_log_sum_exp_over_labels),
        T(test_marg_mixture_through_index_has_exact_gradient),
        T(test_marg_changepoint_logp_sums_over_the_switch),
        T(test_marg_zero_inflated_poisson_logp),
        T(test_marg_many_rows_product_of_sums),
        T(test_marg_refuses_deterministic_use),
        T(test_marg_chain_sample_keeps_ffbs),
        T(test_marg_refuses_latent_in_another_prior),
        T(test_marg_user_choice_sample_keeps_gibbs),
        T(test_marg_user_choice_marginalise_is_honoured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
