/* test_analytic.c - posteriors with closed forms, sampled end to end (lowering, compilation,
 * Gibbs + NUTS with adaptation, 4 chains) and compared with the exact answer.
 *
 * Tolerance: |estimate - exact| < z * MCSE, with MCSE from the ESS of the draws (diag.h), and
 * z = 4.5: each model makes up to 6 checks, Bonferroni over about 20 checks in this file gives
 * a false-alarm rate of 20 * 6.8e-6 = 1.4e-4 per run.  Variances are checked through the mean of
 * (x - exact mean)^2, whose MCSE comes from its own ESS.  Fixed seeds: a failure is a finding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "diag.h"
#include "gbt_model.h"
#include "model.h"

#define Z 4.5

/* Samples `model` with optional JSON data: 4 chains, 1000 warmup iterations, `draws` draws
 * (caller frees with gbt_model_free). */
static gbt_model *run_model(const char *model, const char *json, unsigned long seed, int draws)
{
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, json) != GB_OK || gbt_model_run(f, 4, 1000, draws, seed) != GB_OK)
        fail_msg("sampling failed");
    return f;
}

/* Checks the posterior mean and variance of a column against exact values. */
static void check_moments(const gbt_model *f, const char *name, double mean, double var)
{
    gb_diag_summary s1 = gbt_model_summary(f, name), s2 = gbt_model_summary_sqdev(f, name, mean);
    if (!(fabs(s1.mean - mean) < Z * s1.mcse_mean))
        fail_msg("%s mean %.6g, exact %.6g, MCSE %.3g, z %.2f", name, s1.mean, mean, s1.mcse_mean,
                 (s1.mean - mean) / s1.mcse_mean);
    if (!(fabs(s2.mean - var) < Z * s2.mcse_mean))
        fail_msg("%s variance %.6g, exact %.6g, MCSE %.3g, z %.2f", name, s2.mean, var,
                 s2.mcse_mean, (s2.mean - var) / s2.mcse_mean);
    if (!(s1.rhat < 1.01))
        fail_msg("%s R-hat %.4f", name, s1.rhat);
}

static void test_beta_binomial_posterior(void **state)
{
    (void)state;
    /* theta ~ beta(2, 2), 7 heads in 20: posterior beta(9, 15) */
    gbt_model *f =
        run_model("data n: int\ndata k: int\ntheta ~ beta(2, 2)\nk ~ binomial(n, theta)\n",
                  "{\"n\": 20, \"k\": 7}", 11, 1000);
    double a = 9, b = 15;
    check_moments(f, "theta", a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1)));
    gbt_model_free(f);
}

static void test_normal_known_variance_posterior(void **state)
{
    (void)state;
    /* mu ~ normal(1, 2), y_i ~ normal(mu, 0.5): posterior precision 1/4 + n/0.25 */
    gbt_model *f = run_model("data y: real[N]\nmu ~ normal(1, 2)\ny ~ normal(mu, 0.5)\n",
                             "{\"y\": [0.3, 1.1, -0.4, 0.9, 0.2]}", 12, 1000);
    double prec = 0.25 + 5 / 0.25, m = (1 * 0.25 + (0.3 + 1.1 - 0.4 + 0.9 + 0.2) / 0.25) / prec;
    check_moments(f, "mu", m, 1 / prec);
    gbt_model_free(f);
}

static void test_gamma_poisson_posterior(void **state)
{
    (void)state;
    /* lambda ~ gamma(3, 0.5), counts: posterior gamma(3 + sum, 0.5 + n) */
    gbt_model *f = run_model("data y: int[N]\nlambda ~ gamma(3, 0.5)\ny ~ poisson(lambda)\n",
                             "{\"y\": [4, 7, 3, 5, 6, 2]}", 13, 1000);
    double a = 3 + 27, b = 0.5 + 6;
    check_moments(f, "lambda", a / b, a / (b * b));
    gbt_model_free(f);
}

static void test_bivariate_normal_with_correlation(void **state)
{
    (void)state;
    /* a joint normal written as x1 and x2 | x1: correlation 0.9, unit variances */
    gbt_model *f =
        run_model("x1 ~ normal(0, 1)\nx2 ~ normal(0.9 * x1, sqrt(1 - 0.81))\nprod12 = x1 * x2\n",
                  NULL, 14, 1000);
    check_moments(f, "x1", 0, 1);
    check_moments(f, "x2", 0, 1);
    gb_diag_summary s = gbt_model_summary(f, "prod12");
    if (!(fabs(s.mean - 0.9) < Z * s.mcse_mean))
        fail_msg("E[x1 x2] %.4f, exact 0.9, MCSE %.3g", s.mean, s.mcse_mean);
    gbt_model_free(f);
}

/* log of the Gamma-Poisson marginal likelihood of counts y[a..b) under lambda ~ gamma(al, be) */
static double marg(const int *y, int a, int b, double al, double be)
{
    double s = 0, lf = 0;
    for (int i = a; i < b; i++) {
        s += y[i];
        lf += gsl_sf_lnfact((unsigned)y[i]);
    }
    double n = b - a;
    return al * log(be) - gsl_sf_lngamma(al) + gsl_sf_lngamma(al + s) - (al + s) * log(be + n) -
           lf;
}

static void test_discrete_changepoint_against_enumeration(void **state)
{
    (void)state;
    int y[12] = {2, 1, 3, 2, 1, 2, 7, 6, 9, 5, 8, 7};
    gbt_model *f =
        run_model("data c: int[N]\nl1 ~ gamma(2, 1)\nl2 ~ gamma(2, 1)\ntau ~ uniform_int(1, N)\n"
                  "for i in 1..N {\n  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n"
                  "late = tau >= 7\n",
                  "{\"c\": [2, 1, 3, 2, 1, 2, 7, 6, 9, 5, 8, 7]}", 15, 1000);
    /* exact p(tau | y): lambdas integrated out (conjugate gamma priors) */
    double lp[13], mx = -INFINITY, tot = 0, p7 = 0;
    for (int t = 1; t <= 12; t++) {
        lp[t] = marg(y, 0, t - 1, 2, 1) + marg(y, t - 1, 12, 2, 1);
        mx = fmax(mx, lp[t]);
    }
    for (int t = 1; t <= 12; t++) {
        double w = exp(lp[t] - mx);
        tot += w;
        if (t >= 7)
            p7 += w;
    }
    p7 /= tot;
    gb_diag_summary s = gbt_model_summary(f, "late");
    double mcse = s.mcse_mean > 0 ? s.mcse_mean : sqrt(p7 * (1 - p7) / 4000.0);
    if (!(fabs(s.mean - p7) < Z * mcse))
        fail_msg("P(tau >= 7) %.4f, exact %.4f, MCSE %.3g", s.mean, p7, mcse);
    gbt_model_free(f);
}

/* A parameter seen through round(): no derivative, so it is slice-sampled (and a second,
 * differentiable one stays with NUTS).  u ~ normal(0, 1), y ~ normal(round(u), 1), y = 0.7: the
 * exact posterior mean and variance of u by quadrature (midpoint rule, step 1e-4 on [-12, 12],
 * error far below the MCSE). */
static void test_slice_sampled_parameter_through_round(void **state)
{
    (void)state;
    gbt_model *f =
        run_model("data y: real\nx ~ normal(0, 1)\nu ~ normal(0, 1)\ny ~ normal(round(u), 1)\n",
                  "{\"y\": 0.7}", 31, 2000);
    assert_string_equal(gb_model_latent_kind(f->m, 1)->name, "slice");
    assert_string_equal(gb_model_latent_kind(f->m, 0)->name, "NUTS");
    double s0 = 0, s1 = 0, s2 = 0, h = 1e-4;
    for (double u = -12 + h / 2; u < 12; u += h) {
        double w = exp(-0.5 * u * u - 0.5 * (0.7 - round(u)) * (0.7 - round(u)));
        s0 += w;
        s1 += w * u;
        s2 += w * u * u;
    }
    double mean = s1 / s0;
    check_moments(f, "u", mean, s2 / s0 - mean * mean);
    check_moments(f, "x", 0, 1);
    gbt_model_free(f);
}

/* A comparison of a parameter (issue 22 case 8): the density is a step function of c, so c goes
 * to slice sampling, not NUTS (whose gradient would say the density is flat in c).  c ~
 * normal(0, 1), y[i] ~ categorical(pL if x[i] < c, else pR): the exact posterior mean and
 * variance of c by quadrature (midpoint rule, step 1e-4 on [-12, 12]). */
static void test_slice_sampled_parameter_through_comparison(void **state)
{
    (void)state;
    static const double x[6] = {-1.5, -0.8, -0.2, 0.3, 0.9, 1.4};
    static const int y[6] = {1, 1, 2, 1, 2, 2};
    const double pL[2] = {0.8, 0.2}, pR[2] = {0.3, 0.7};
    gbt_model *f = run_model(
        "data x: real[N]\ndata y: int[N]\ndata pL: real[2]\ndata pR: real[2]\n"
        "c ~ normal(0, 1)\nfor i in 1..N {\n  y[i] ~ categorical(if x[i] < c then pL else pR)\n}\n",
        "{\"x\": [-1.5, -0.8, -0.2, 0.3, 0.9, 1.4], \"y\": [1, 1, 2, 1, 2, 2], "
        "\"pL\": [0.8, 0.2], \"pR\": [0.3, 0.7]}",
        37, 2000);
    assert_string_equal(gb_model_latent_kind(f->m, 0)->name, "slice");
    assert_non_null(strstr(gb_model_latent_reason(f->m, 0), "a comparison"));
    double s0 = 0, s1 = 0, s2 = 0, h = 1e-4;
    for (double c = -12 + h / 2; c < 12; c += h) {
        double lw = -0.5 * c * c;
        for (int i = 0; i < 6; i++)
            lw += log(x[i] < c ? pL[y[i] - 1] : pR[y[i] - 1]);
        double w = exp(lw);
        s0 += w;
        s1 += w * c;
        s2 += w * c * c;
    }
    double mean = s1 / s0;
    check_moments(f, "c", mean, s2 / s0 - mean * mean);
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beta_binomial_posterior),
        cmocka_unit_test(test_normal_known_variance_posterior),
        cmocka_unit_test(test_gamma_poisson_posterior),
        cmocka_unit_test(test_bivariate_normal_with_correlation),
        cmocka_unit_test(test_discrete_changepoint_against_enumeration),
        cmocka_unit_test(test_slice_sampled_parameter_through_round),
        cmocka_unit_test(test_slice_sampled_parameter_through_comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
