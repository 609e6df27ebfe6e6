/* test_simulate.c - ancestral simulation (runtime/model/simulate.c) against the analytic prior
 * of a hierarchical model: a Kolmogorov-Smirnov test per scalar, exact draws (independent),
 * asymptotic p-value.  Seven checks each at p < 1e-4: a false alarm about 7e-4 (Bonferroni).
 * Also what cannot be drawn exactly is refused, at the node. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>

#include "gbt_model.h"
#include "near.h"
#include "rng.h"
#include "simulate.h"

#define NDRAWS 4000
#define P_MIN 1e-4

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

/* The Kolmogorov distribution's upper tail, P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2),
 * with Stephens' (1970) finite-n correction of the statistic. */
static double ks_pvalue(double d, size_t n)
{
    double sn = sqrt((double)n), x = (sn + 0.12 + 0.11 / sn) * d, p = 0;
    if (x < 0.2)
        return 1;
    for (int k = 1; k <= 100; k++)
        p += (k % 2 ? 2 : -2) * exp(-2.0 * k * k * x * x);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

static double ks_test(double *x, size_t n, double (*cdf)(double))
{
    gsl_sort(x, 1, n);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(x[i]);
        d = fmax(d, fmax(fabs(f - (double)i / (double)n), fabs((double)(i + 1) / (double)n - f)));
    }
    return ks_pvalue(d, n);
}

static double cdf_mu(double x)
{
    return gsl_cdf_gaussian_P(x, 2.0);
}
static double cdf_tau(double x)
{
    return gsl_cdf_gamma_P(x, 2.0, 1.0);
}
static double cdf_std(double x)
{
    return gsl_cdf_ugaussian_P(x);
}
static double cdf_half(double x)
{
    return x <= 0 ? 0 : 2 * gsl_cdf_ugaussian_P(x) - 1;
}

static size_t col(const gb_model *m, const char *name)
{
    for (size_t c = 0; c < gb_model_output_size(m); c++)
        if (strcmp(gb_model_output_name(m, c), name) == 0)
            return c;
    fail_msg("no column %s", name);
    return 0;
}

static void check(const char *what, double *x, double (*cdf)(double))
{
    double p = ks_test(x, NDRAWS, cdf);
    if (!(p >= P_MIN))
        fail_msg("%s: KS p-value %.3g below %.0e (%d draws)", what, p, P_MIN, NDRAWS);
}

/* mu, tau, theta = mu + tau z (centred: theta's prior reads mu and tau), sigma half-normal by
 * its declared bound, beta scaled by the data (deterministic given them). */
static void test_simulate_prior_of_hierarchical_model(void **state)
{
    gbt_model *f = *state;
    const char *model = "data y: real[N]\ndata g: int[N]\nmu ~ normal(0, 2)\n"
                        "tau ~ gamma(2, 1)\ntheta: real[3] ~ normal(mu, tau)\n"
                        "sigma: real<lower=0> ~ normal(0, 1)\ns = sd(y)\n"
                        "beta ~ normal(0, 2.5 * s)\ny ~ normal(theta[g] + beta, sigma)\n";
    const char *json = "{\"N\": 4, \"y\": [1.0, 3.0, -2.0, 0.5], \"g\": [1, 2, 3, 1]}";
    assert_int_equal(gbt_model_build(f, model, json), GB_OK);
    const gb_model *m = f->m;
    size_t nn = gb_graph_node_count(f->g);
    unsigned char *target = calloc(nn, 1);
    for (size_t i = 0; i < nn; i++)
        target[i] = (unsigned char)gb_node_is_parameter(gb_graph_node(f->g, i));
    gb_simulate *sim = NULL;
    assert_int_equal(gb_simulate_new(m, target, &sim, f->errs), GB_OK);
    f->ws = gb_model_ws_new(m);
    gsl_rng *r = gb_rng_new(20261204, 0);
    size_t nc = gb_model_output_size(m);
    double *row = malloc(nc * sizeof *row), *x[7];
    for (int k = 0; k < 7; k++)
        x[k] = malloc(NDRAWS * sizeof(double));
    size_t cm = col(m, "mu"), ct = col(m, "tau"), cs = col(m, "sigma"), cb = col(m, "beta");
    size_t cth[3] = {col(m, "theta.1"), col(m, "theta.2"), col(m, "theta.3")};
    double sd_y = 2.056493779875511; /* R: sprintf("%.17g", sd(c(1, 3, -2, 0.5))) */
    for (int s = 0; s < NDRAWS; s++) {
        size_t bad;
        assert_int_equal(gb_simulate_draw(sim, f->ws, r, &bad), GB_OK);
        gb_simulate_values(m, f->ws, row);
        x[0][s] = row[cm];
        x[1][s] = row[ct];
        for (int j = 0; j < 3; j++)
            x[2 + j][s] = (row[cth[j]] - row[cm]) / row[ct];
        x[5][s] = row[cs];
        x[6][s] = row[cb] / (2.5 * sd_y);
    }
    check("mu ~ normal(0, 2)", x[0], cdf_mu);
    check("tau ~ gamma(2, 1)", x[1], cdf_tau);
    check("(theta.1 - mu) / tau", x[2], cdf_std);
    check("(theta.2 - mu) / tau", x[3], cdf_std);
    check("(theta.3 - mu) / tau", x[4], cdf_std);
    check("sigma ~ half-normal", x[5], cdf_half);
    check("beta / (2.5 sd(y))", x[6], cdf_std);
    for (int k = 0; k < 7; k++)
        free(x[k]);
    free(row);
    gb_rng_free(r);
    gb_simulate_free(sim);
    free(target);
}

static void test_simulate_refuses_constrained_type(void **state)
{
    gbt_model *f = *state;
    assert_int_equal(gbt_model_build(f, "c: ordered[3] ~ normal(0, 1)\n", NULL), GB_OK);
    unsigned char target[1] = {1};
    gb_simulate *sim = NULL;
    assert_int_equal(gb_simulate_new(f->m, target, &sim, f->errs), GB_ESEMANTIC);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_string_equal(e->msg, "'c' cannot be drawn exactly: its declared type constrains "
                                "normal to a set it does not live on");
    assert_int_equal(e->loc.line, 1);
    assert_null(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_simulate_prior_of_hierarchical_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simulate_refuses_constrained_type, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
