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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "data.h"
#include "diag.h"
#include "lower.h"
#include "model.h"
#include "run.h"

#define Z 4.5

typedef struct fit {
    gb_sources *srcs;
    gb_errlist *errs;
    gb_data *data;
    gb_graph *g;
    gb_model *m;
    gb_draws *d;
} fit;

static void fit_free(fit *f)
{
    gb_draws_free(f->d);
    gb_model_free(f->m);
    gb_graph_free(f->g);
    gb_data_free(f->data);
    gb_errlist_free(f->errs);
    gb_sources_free(f->srcs);
}

static void run_model(fit *f, const char *model, const char *json, unsigned long seed, int draws)
{
    memset(f, 0, sizeof *f);
    f->srcs = gb_sources_new();
    f->errs = gb_errlist_new();
    f->data = gb_data_new();
    const gb_source *src;
    if (json) {
        assert_int_equal(gb_sources_add(f->srcs, "d.json", json, strlen(json), &src), GB_OK);
        assert_int_equal(gb_data_load_json(f->data, src, f->errs), GB_OK);
    }
    assert_int_equal(gb_sources_add(f->srcs, "m.gb", model, strlen(model), &src), GB_OK);
    gb_lower_opts o = {json ? f->data : NULL, NULL, NULL};
    gb_status st = gb_lower_source(f->srcs, src, &o, &f->g, f->errs);
    if (st == GB_OK)
        st = gb_model_compile(f->g, &f->m, f->errs);
    gb_run_config cfg = {4, 1000, draws, 2, 10, seed, 0.8, 0, 2.0, 0, NULL};
    if (st == GB_OK)
        st = gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs);
    if (st != GB_OK) {
        gb_errlist_print(f->errs, f->srcs, stderr);
        fail_msg("sampling failed");
    }
}

/* Column of output name `name` (sampler columns first). */
static size_t col(const fit *f, const char *name)
{
    for (size_t c = 0; c < gb_model_output_size(f->m); c++)
        if (strcmp(gb_model_output_name(f->m, c), name) == 0)
            return GB_NSAMPLER_COLS + c;
    fail_msg("no column %s", name);
    return 0;
}

/* Draws of one column as per-chain arrays, transformed by fn (identity when NULL). */
static double **chains_of(const fit *f, size_t c, double (*fn)(double, double), double arg)
{
    double **ch = calloc((size_t)f->d->nchains, sizeof *ch);
    for (int k = 0; k < f->d->nchains; k++) {
        ch[k] = malloc(f->d->ndraws * sizeof **ch);
        for (size_t i = 0; i < f->d->ndraws; i++) {
            double x = f->d->rows[((size_t)k * f->d->ndraws + i) * f->d->ncols + c];
            ch[k][i] = fn ? fn(x, arg) : x;
        }
    }
    return ch;
}

static void free_chains(double **ch, int n)
{
    for (int k = 0; k < n; k++)
        free(ch[k]);
    free(ch);
}

static double sqdev(double x, double mean)
{
    return (x - mean) * (x - mean);
}

/* Checks the posterior mean and variance of a column against exact values. */
static void check_moments(const fit *f, const char *name, double mean, double var)
{
    size_t c = col(f, name);
    gb_diag_summary s1, s2;
    double **ch = chains_of(f, c, NULL, 0);
    assert_int_equal(gb_diag_summarise((const double *const *)ch, (size_t)f->d->nchains,
                                       f->d->ndraws, &s1),
                     GB_OK);
    free_chains(ch, f->d->nchains);
    ch = chains_of(f, c, sqdev, mean);
    assert_int_equal(gb_diag_summarise((const double *const *)ch, (size_t)f->d->nchains,
                                       f->d->ndraws, &s2),
                     GB_OK);
    free_chains(ch, f->d->nchains);
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
    fit f;
    /* theta ~ beta(2, 2), 7 heads in 20: posterior beta(9, 15) */
    run_model(&f, "data n: int\ndata k: int\ntheta ~ beta(2, 2)\nk ~ binomial(n, theta)\n",
              "{\"n\": 20, \"k\": 7}", 11, 1000);
    double a = 9, b = 15;
    check_moments(&f, "theta", a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1)));
    fit_free(&f);
}

static void test_normal_known_variance_posterior(void **state)
{
    (void)state;
    fit f;
    /* mu ~ normal(1, 2), y_i ~ normal(mu, 0.5): posterior precision 1/4 + n/0.25 */
    run_model(&f, "data y: real[N]\nmu ~ normal(1, 2)\ny ~ normal(mu, 0.5)\n",
              "{\"y\": [0.3, 1.1, -0.4, 0.9, 0.2]}", 12, 1000);
    double prec = 0.25 + 5 / 0.25, m = (1 * 0.25 + (0.3 + 1.1 - 0.4 + 0.9 + 0.2) / 0.25) / prec;
    check_moments(&f, "mu", m, 1 / prec);
    fit_free(&f);
}

static void test_gamma_poisson_posterior(void **state)
{
    (void)state;
    fit f;
    /* lambda ~ gamma(3, 0.5), counts: posterior gamma(3 + sum, 0.5 + n) */
    run_model(&f, "data y: int[N]\nlambda ~ gamma(3, 0.5)\ny ~ poisson(lambda)\n",
              "{\"y\": [4, 7, 3, 5, 6, 2]}", 13, 1000);
    double a = 3 + 27, b = 0.5 + 6;
    check_moments(&f, "lambda", a / b, a / (b * b));
    fit_free(&f);
}

static void test_bivariate_normal_with_correlation(void **state)
{
    (void)state;
    fit f;
    /* a joint normal written as x1 and x2 | x1: correlation 0.9, unit variances */
    run_model(&f, "x1 ~ normal(0, 1)\nx2 ~ normal(0.9 * x1, sqrt(1 - 0.81))\nprod12 = x1 * x2\n",
              NULL, 14, 1000);
    check_moments(&f, "x1", 0, 1);
    check_moments(&f, "x2", 0, 1);
    size_t c = col(&f, "prod12");
    double **ch = chains_of(&f, c, NULL, 0);
    gb_diag_summary s;
    gb_diag_summarise((const double *const *)ch, 4, f.d->ndraws, &s);
    free_chains(ch, 4);
    if (!(fabs(s.mean - 0.9) < Z * s.mcse_mean))
        fail_msg("E[x1 x2] %.4f, exact 0.9, MCSE %.3g", s.mean, s.mcse_mean);
    fit_free(&f);
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
    fit f;
    run_model(&f, "data c: int[N]\nl1 ~ gamma(2, 1)\nl2 ~ gamma(2, 1)\ntau ~ uniform_int(1, N)\n"
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
    size_t c = col(&f, "late");
    double **ch = chains_of(&f, c, NULL, 0);
    gb_diag_summary s;
    gb_diag_summarise((const double *const *)ch, 4, f.d->ndraws, &s);
    free_chains(ch, 4);
    double mcse = s.mcse_mean > 0 ? s.mcse_mean : sqrt(p7 * (1 - p7) / 4000.0);
    if (!(fabs(s.mean - p7) < Z * mcse))
        fail_msg("P(tau >= 7) %.4f, exact %.4f, MCSE %.3g", s.mean, p7, mcse);
    fit_free(&f);
}

/* A parameter seen through round(): no derivative, so it is slice-sampled (and a second,
 * differentiable one stays with NUTS).  u ~ normal(0, 1), y ~ normal(round(u), 1), y = 0.7: the
 * exact posterior mean and variance of u by quadrature (midpoint rule, step 1e-4 on [-12, 12],
 * error far below the MCSE). */
static void test_slice_sampled_parameter_through_round(void **state)
{
    (void)state;
    fit f;
    run_model(&f, "data y: real\nx ~ normal(0, 1)\nu ~ normal(0, 1)\ny ~ normal(round(u), 1)\n",
              "{\"y\": 0.7}", 31, 2000);
    assert_int_equal(gb_model_latent_sampler(f.m, 1), GB_SAMPLER_SLICE);
    assert_int_equal(gb_model_latent_sampler(f.m, 0), GB_SAMPLER_NUTS);
    double s0 = 0, s1 = 0, s2 = 0, h = 1e-4;
    for (double u = -12 + h / 2; u < 12; u += h) {
        double w = exp(-0.5 * u * u - 0.5 * (0.7 - round(u)) * (0.7 - round(u)));
        s0 += w;
        s1 += w * u;
        s2 += w * u * u;
    }
    double mean = s1 / s0;
    check_moments(&f, "u", mean, s2 / s0 - mean * mean);
    check_moments(&f, "x", 0, 1);
    fit_free(&f);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
