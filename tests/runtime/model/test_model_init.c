/* test_model_init.c - starting values (model_init.c): a zero-inflated Poisson with one latent
 * indicator per observation starts (uniform indicators would need every nonzero count's
 * indicator at 0, probability 2^-n) and its posterior is the exact one; a start that cannot be
 * finite is reported at the statement whose density is not, with the values it read.
 *
 * The ZIP's exact posterior means come from quadrature over (theta, lambda) of the density with
 * the indicators summed out: zeros contribute theta + (1 - theta) e^-lambda each, a count y > 0
 * (1 - theta) lambda^y e^-lambda / y!.  Tolerance: z x MCSE with z = 4.5 over the four checks
 * (false alarm about 2.7e-5 per run), MCSE from the ESS of the draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "model.h"
#include "rng.h"

#define Z 4.5
#define N 200
/* quadrature nodes per axis: midpoints on theta in (0, 1) and lambda in (0, LAMBDA_MAX); the
 * posterior of lambda sits near 3 with sd about 0.2, so the cut-off tail is below e^-300 */
#define GRID 2000
#define LAMBDA_MAX 10.0

static const char *const ZIP = "data y: int<lower=0>[N]\n"
                               "theta ~ beta(1, 1)\n"
                               "lambda ~ exponential(0.2)\n"
                               "for i in 1..N {\n"
                               "  z[i] ~ bernoulli(theta)\n"
                               "  y[i] ~ poisson(lambda * (1 - z[i]))\n"
                               "}\n";

/* The same model with the indicators as one array and the likelihood as one vector statement:
 * its element plan evaluates indicator i's repetition alone (model_gibbs.c), without which no
 * start is finite. */
static const char *const ZIP_VECTOR = "data y: int<lower=0>[N]\n"
                                      "theta ~ beta(1, 1)\n"
                                      "lambda ~ exponential(0.2)\n"
                                      "z: int[N] ~ bernoulli(theta)\n"
                                      "y ~ poisson(lambda * (1 - z))\n";

/* Simulates N counts, about half zeros (inflation 0.45, rate 3), as JSON text; returns the
 * number of zeros, the number of positive counts and their sum. */
static void simulate(char *json, size_t cap, int *n0, int *npos, double *sum)
{
    gsl_rng *r = gb_rng_new(8088, 0);
    size_t at = (size_t)snprintf(json, cap, "{\"y\": [");
    *n0 = *npos = 0;
    *sum = 0;
    for (int i = 0; i < N; i++) {
        unsigned y = gsl_rng_uniform(r) < 0.45 ? 0 : gsl_ran_poisson(r, 3.0);
        *n0 += y == 0;
        *npos += y > 0;
        *sum += y;
        at += (size_t)snprintf(json + at, cap - at, "%s%u", i ? ", " : "", y);
    }
    snprintf(json + at, cap - at, "]}");
    gsl_rng_free(r);
}

/* Posterior means of theta and lambda by midpoint quadrature (priors: beta(1, 1) flat,
 * exponential(0.2)). */
static void exact_means(int n0, int npos, double sum, double *m_theta, double *m_lambda)
{
    double *lp = malloc((size_t)GRID * GRID * sizeof *lp), mx = -INFINITY;
    assert_non_null(lp);
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            double th = (i + 0.5) / GRID, la = (j + 0.5) * LAMBDA_MAX / GRID;
            double v = n0 * log(th + (1 - th) * exp(-la)) + npos * log1p(-th) + sum * log(la) -
                       npos * la - 0.2 * la;
            lp[i * GRID + j] = v;
            mx = fmax(mx, v);
        }
    double w = 0, wt = 0, wl = 0;
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            double p = exp(lp[i * GRID + j] - mx);
            w += p;
            wt += p * (i + 0.5) / GRID;
            wl += p * (j + 0.5) * LAMBDA_MAX / GRID;
        }
    free(lp);
    *m_theta = wt / w;
    *m_lambda = wl / w;
}

static void check_mean(const gbt_model *f, const char *name, double exact)
{
    gb_diag_summary s = gbt_model_summary(f, name);
    if (!(fabs(s.mean - exact) < Z * s.mcse_mean))
        fail_msg("%s mean %.6g, exact %.6g, MCSE %.3g, z %.2f", name, s.mean, exact, s.mcse_mean,
                 (s.mean - exact) / s.mcse_mean);
}

static void zip_starts_and_matches_quadrature(const char *model)
{
    char json[8 * N + 64];
    int n0, npos;
    double sum, m_theta, m_lambda;
    simulate(json, sizeof json, &n0, &npos, &sum);
    assert_true(n0 > N / 3 && npos > N / 3); /* both kinds of rows are there */
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, model, json), GB_OK);
    /* the start alone: every try must be finite, not only one in 100 */
    gb_model_ws *ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(31, 0);
    double theta[2];
    assert_non_null(ws);
    assert_int_equal(gb_model_dim(f->m), 2);
    for (int t = 0; t < 20; t++)
        assert_int_equal(gb_model_init(f->m, ws, r, 2, 1, theta, f->errs), GB_OK);
    gsl_rng_free(r);
    gb_model_ws_free(ws);
    assert_int_equal(gbt_model_run(f, 4, 500, 1000, 77), GB_OK);
    exact_means(n0, npos, sum, &m_theta, &m_lambda);
    check_mean(f, "theta", m_theta);
    check_mean(f, "lambda", m_lambda);
    gbt_model_free(f);
}

static void test_init_zero_inflated_poisson_starts_and_matches_quadrature(void **state)
{
    (void)state;
    zip_starts_and_matches_quadrature(ZIP);
}

static void test_init_vector_zero_inflated_poisson_starts_and_matches_quadrature(void **state)
{
    (void)state;
    zip_starts_and_matches_quadrature(ZIP_VECTOR);
}

/* No value of k makes y[2] = 5 possible under binomial(k, 0.5), k in 1..3: the error is at the
 * likelihood statement (line 4, its `~`), not at `data y`, and says which values were tried. */
static void test_init_error_names_statement_and_values(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f,
                                     "data y: int[N]\nk ~ uniform_int(1, 3)\nfor i in 1..N {\n"
                                     "  y[i] ~ binomial(k, 0.5)\n}\n",
                                     "{\"y\": [1, 5, 2]}"),
                     GB_OK);
    gb_model_ws *ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(5, 0);
    assert_non_null(ws);
    assert_int_equal(gb_model_init(f->m, ws, r, 2, 10, NULL, f->errs), GB_ENUMERIC);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_int_equal(e->loc.line, 4);
    assert_int_equal(e->loc.col, 8);
    assert_non_null(strstr(e->msg, "not finite in 10 tries"));
    assert_non_null(e->hint);
    assert_non_null(strstr(e->hint, "(each of 1..3 tried)"));
    gsl_rng_free(r);
    gb_model_ws_free(ws);
    gbt_model_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_zero_inflated_poisson_starts_and_matches_quadrature),
        cmocka_unit_test(test_init_vector_zero_inflated_poisson_starts_and_matches_quadrature),
        cmocka_unit_test(test_init_error_names_statement_and_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
