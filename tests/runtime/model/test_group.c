/* test_group.c - likelihood terms evaluated from per-group sufficient statistics (model_group.c):
 * which terms take the path, and that their log density and gradient equal the row-by-row
 * evaluation (gb_model_ws_set_grouped(ws, 0)) to summation order, also after the discrete values
 * the index reads have changed (the statistics rebuilt), and where the path must not apply. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "model.h"

enum { N = 300, J = 5 };

/* Summation order only: the log density sums N terms of size ~1 and the centred statistics lose
 * nothing to cancellation, so 1e-12 relative (with a floor of 1 for values near 0) is ~100 ulps. */
#define REL 1e-12

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

/* {"N", "J", "g" (1..J), "c" (1..3), "x", "y"}, y two clusters at -2 and 3, from a fixed seed. */
static char *data_json(void)
{
    size_t cap = (size_t)N * 60 + 256, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    len += (size_t)snprintf(s + len, cap - len, "{\"N\": %d, \"J\": %d, \"g\": [", N, J);
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%d", i ? "," : "", 1 + (i * 7) % J);
    len += (size_t)snprintf(s + len, cap - len, "], \"c\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%d", i ? "," : "",
                                1 + (int)gsl_rng_uniform_int(r, 3));
    len += (size_t)snprintf(s + len, cap - len, "], \"x\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%.6f", i ? "," : "", gsl_ran_gaussian(r, 1));
    len += (size_t)snprintf(s + len, cap - len, "], \"y\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%.6f", i ? "," : "",
                                (i % 3 ? 3.0 : -2.0) + gsl_ran_gaussian(r, 0.7));
    snprintf(s + len, cap - len, "]}");
    gsl_rng_free(r);
    return s;
}

static void build(gbt_model *f, const char *model)
{
    char *json = data_json();
    gbt_model_build_ws(f, model, json);
    free(json);
}

static void assert_rel(double a, double b)
{
    double tol = REL * fmax(1.0, fabs(a));
    if (!(fabs(a - b) <= tol))
        fail_msg("%.17g and %.17g differ by more than %g", a, b, tol);
}

/* At `reps` points (discrete latents drawn afresh by gb_model_init each time, so the statistics
 * must be rebuilt; the grouped evaluation runs first, so stale statistics would show): grouped
 * and row-by-row log density and gradient equal to REL, the gradient near finite differences. */
static void check_same(gbt_model *f, unsigned long seed, int reps)
{
    size_t d = gb_model_dim(f->m);
    double *theta = calloc(d + 1, sizeof *theta), *g1 = calloc(d + 1, sizeof *g1),
           *g0 = calloc(d + 1, sizeof *g0);
    assert_true(theta && g1 && g0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (int rep = 0; rep < reps; rep++) {
        assert_int_equal(gb_model_init(f->m, f->ws, r, 1.0, 100, theta, f->errs), GB_OK);
        gb_model_ws_set_grouped(f->ws, 1);
        double lp1 = gb_model_logp(f->m, f->ws, theta, g1);
        gb_model_ws_set_grouped(f->ws, 0);
        double lp0 = gb_model_logp(f->m, f->ws, theta, g0);
        gb_model_ws_set_grouped(f->ws, 1);
        assert_true(isfinite(lp1));
        assert_rel(lp0, lp1);
        for (size_t k = 0; k < d; k++)
            assert_rel(g0[k], g1[k]);
        for (size_t k = 0; k < d; k++)
            assert_true(fabs(g1[k] - gbt_model_fd(f, theta, k)) <= 1e-5 * fmax(1, fabs(g1[k])));
    }
    gsl_rng_free(r);
    free(theta);
    free(g0);
    free(g1);
}

/* The bench model itself, on the draws-hash test's small data set: emissions and transitions
 * both grouped by the FFBS states. */
static void test_group_hmm_gauss(void **state)
{
    gbt_model *f = *state;
    assert_int_equal(
        gbt_model_build_files(f, "tests/bench/hmm_gauss.gb", "tests/e2e/draws_data/hmm.json"),
        GB_OK);
    f->ws = gb_model_ws_new(f->m);
    assert_non_null(f->ws);
    assert_int_equal(gb_model_grouped_terms(f->m), 2);
    check_same(f, 31, 4);
}

/* The same shape on the test's own data, with its transition matrix a parameter built from two
 * simplexes and the chain on y's clusters. */
static void test_group_hmm_small(void **state)
{
    gbt_model *f = *state;
    build(f, "data y: real[N]\ntheta1: simplex[2] ~ dirichlet([1.0, 1.0])\n"
             "theta2: simplex[2] ~ dirichlet([1.0, 1.0])\ntheta = [theta1, theta2]\n"
             "mu: ordered[2] ~ normal(0, 5)\nsigma ~ half_normal(2)\n"
             "z[1] ~ categorical([0.5, 0.5])\nfor t in 2..N {\n"
             "  z[t] ~ categorical(theta[z[t - 1]])\n}\n"
             "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], sigma)\n}\n");
    assert_int_equal(gb_model_grouped_terms(f->m), 2);
    check_same(f, 32, 4);
}

/* A mixture whose labels Gibbs updates, a scale per component (indexed like the location). */
static void test_group_mixture_gibbs_labels(void **state)
{
    gbt_model *f = *state;
    build(f, "@sample z\ndata y: real[N]\nmu: ordered[2] ~ normal(0, 5)\n"
             "s: real<lower=0>[2] ~ gamma(4, 4)\nw ~ beta(2, 2)\n"
             "for n in 1..N {\n  z[n] ~ categorical([w, 1 - w])\n"
             "  y[n] ~ normal(mu[z[n]], s[z[n]])\n}\n");
    assert_int_equal(gb_model_grouped_terms(f->m), 1); /* the labels' prior reads w by row */
    check_same(f, 33, 4);
}

/* Groups given by data: a loop with one scale, a vectorised term with a scale per group (which
 * the fused kernel declines), a categorical variate of data with probabilities by group. */
static void test_group_data_indexed(void **state)
{
    gbt_model *f = *state;
    build(f, "data g: int[N]\ndata c: int[N]\ndata y: real[N]\ndata x: real[N]\n"
             "a: real[J] ~ normal(0, 3)\nsigma ~ half_normal(2)\n"
             "s: real<lower=0>[J] ~ gamma(4, 4)\n"
             "p1: simplex[3] ~ dirichlet([1.0, 1.0, 1.0])\n"
             "p2: simplex[3] ~ dirichlet([1.0, 1.0, 1.0])\nP = [p1, p2, p1, p2, p1]\n"
             "for i in 1..N {\n  y[i] ~ normal(a[g[i]], sigma)\n}\n"
             "x ~ normal(a[g], s[g])\n"
             "for i in 1..N {\n  c[i] ~ categorical(P[g[i]])\n}\n");
    assert_int_equal(gb_model_grouped_terms(f->m), 3);
    check_same(f, 34, 3);
}

/* Rows that reach the parameters through row data (a[g] + b * x), a variate that is a parameter,
 * an index that is a parameter's function: the tape keeps them, with the same results. */
static void test_group_declines(void **state)
{
    static const char *models[] = {
        "data g: int[N]\ndata y: real[N]\ndata x: real[N]\na: real[J] ~ normal(0, 3)\n"
        "b ~ normal(0, 1)\nsigma ~ half_normal(2)\n"
        "for i in 1..N {\n  y[i] ~ normal(a[g[i]] + b * x[i], sigma)\n}\n",
        "data g: int[N]\na: real[J] ~ normal(0, 3)\nsigma ~ half_normal(2)\n"
        "e: real[N] ~ normal(a[g], sigma)\n",
        "data g: int[N]\ndata y: real[N]\na: real[J] ~ normal(0, 3)\nsigma ~ half_normal(2)\n"
        "for i in 1..N {\n  y[i] ~ normal(a[g[i]] * sigma, sigma)\n}\n",
    };
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        gbt_model *f = gbt_model_new();
        build(f, models[k]);
        assert_int_equal(gb_model_grouped_terms(f->m), 0);
        check_same(f, 40 + k, 2);
        gbt_model_free(f);
    }
    (void)state;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_group_hmm_gauss),    T(test_group_hmm_small), T(test_group_mixture_gibbs_labels),
        T(test_group_data_indexed), T(test_group_declines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
