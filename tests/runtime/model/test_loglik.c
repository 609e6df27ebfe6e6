/* test_loglik.c - the pointwise log-likelihood (runtime/model/loglik.c): each observation's log
 * density against the formula written out here (GSL only for the normal CDF and lgamma), its
 * name and order, for vectorised, looped (indices reordered), truncated, GLM and component
 * likelihoods; and a saved draw's values set into a work space. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "gbt_model.h"
#include "loglik.h"
#include "near.h"

#define LOG_SQRT_2PI 0.91893853320467274178

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

/* Builds the model, sets the named latent values (name, value pairs, output column names) and
 * returns the log-likelihood object with every observation evaluated into ll (caller frees). */
static gb_loglik *eval(gbt_model *f, const char *model, const char *json, double *ll, size_t nset,
                       const char *const *names, const double *vals)
{
    if (gbt_model_build(f, model, json) != GB_OK)
        fail_msg("model did not compile");
    f->ws = gb_model_ws_new(f->m);
    assert_non_null(f->ws);
    size_t nc = gb_model_output_size(f->m);
    double *row = calloc(nc ? nc : 1, sizeof *row);
    assert_non_null(row);
    for (size_t k = 0; k < nset; k++) {
        size_t c = 0;
        while (c < nc && strcmp(gb_model_output_name(f->m, c), names[k]) != 0)
            c++;
        if (c == nc)
            fail_msg("no output column %s", names[k]);
        row[c] = vals[k];
    }
    gb_loglik *l = NULL;
    assert_int_equal(gb_loglik_new(f->m, f->ws, &l, f->errs), GB_OK);
    gb_loglik_set_values(f->m, f->ws, row);
    gb_loglik_eval(l, f->ws, ll);
    free(row);
    return l;
}

static double normal_lpdf(double y, double mu, double s)
{
    double z = (y - mu) / s;
    return -LOG_SQRT_2PI - log(s) - 0.5 * z * z;
}

static void test_loglik_vectorised_normal_per_element(void **state)
{
    double ll[4];
    const char *names[] = {"mu", "sigma"};
    const double vals[] = {0.3, 1.7};
    gb_loglik *l = eval(*state,
                        "data y: real[N]\nmu ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
                        "y ~ normal(mu, sigma)\n",
                        "{\"N\": 4, \"y\": [1.5, -0.2, 3.1, 0.0]}", ll, 2, names, vals);
    const double y[] = {1.5, -0.2, 3.1, 0.0};
    assert_int_equal(gb_loglik_count(l), 4);
    for (int i = 0; i < 4; i++) {
        char want[16];
        snprintf(want, sizeof want, "y.%d", i + 1);
        assert_string_equal(gb_loglik_name(l, (size_t)i), want);
        assert_near(ll[i], normal_lpdf(y[i], 0.3, 1.7), 1e-12, 1e-12);
    }
    gb_loglik_free(l);
}

/* A loop that names its elements backwards: observation r is element N - r, and reads
 * lambda[r + 1]; the deterministic rate is recomputed from the set value. */
static void test_loglik_loop_names_elements_it_defines(void **state)
{
    double ll[3];
    const char *names[] = {"a"};
    const double vals[] = {0.8};
    gb_loglik *l = eval(*state,
                        "data y: int[N]\na ~ exponential(1)\nlambda = a * [1.0, 2.0, 3.0]\n"
                        "for i in 1..N {\n  y[N + 1 - i] ~ poisson(lambda[i])\n}\n",
                        "{\"N\": 3, \"y\": [4, 0, 2]}", ll, 1, names, vals);
    const double y[] = {4, 0, 2};
    assert_int_equal(gb_loglik_count(l), 3);
    for (int r = 0; r < 3; r++) {
        char want[16];
        snprintf(want, sizeof want, "y.%d", 3 - r);
        assert_string_equal(gb_loglik_name(l, (size_t)r), want);
        double lam = 0.8 * (r + 1), x = y[2 - r];
        assert_near(ll[r], x * log(lam) - lam - gsl_sf_lngamma(x + 1), 1e-12, 1e-12);
    }
    gb_loglik_free(l);
}

static void test_loglik_truncation_normalises_each_element(void **state)
{
    double ll[2];
    const char *names[] = {"mu"};
    const double vals[] = {-0.4};
    gb_loglik *l = eval(*state,
                        "data y: real[N]\nmu ~ normal(0, 1)\n"
                        "for i in 1..N {\n  y[i] ~ normal(mu, 2) T[0, ]\n}\n",
                        "{\"N\": 2, \"y\": [0.5, 2.5]}", ll, 1, names, vals);
    const double y[] = {0.5, 2.5};
    for (int i = 0; i < 2; i++)
        assert_near(ll[i], normal_lpdf(y[i], -0.4, 2) - log(gsl_cdf_ugaussian_Q(0.4 / 2)), 1e-12,
                    1e-12);
    gb_loglik_free(l);
}

static void test_loglik_glm_rows(void **state)
{
    double ll[3];
    const char *names[] = {"alpha", "beta.1", "beta.2", "sigma"};
    const double vals[] = {0.5, 1.0, -2.0, 0.7};
    gb_loglik *l = eval(*state,
                        "data X: real[N, K]\ndata y: real[N]\nalpha ~ normal(0, 1)\n"
                        "beta: real[K] ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
                        "y ~ normal_id_glm(X, alpha, beta, sigma)\n",
                        "{\"N\": 3, \"K\": 2, \"X\": [[1, 0], [0.5, 0.5], [-1, 2]],"
                        " \"y\": [1.2, 0.1, -3.0]}",
                        ll, 4, names, vals);
    const double X[3][2] = {{1, 0}, {0.5, 0.5}, {-1, 2}}, y[] = {1.2, 0.1, -3.0};
    assert_int_equal(gb_loglik_count(l), 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(gb_loglik_name(l, (size_t)i), i == 0 ? "y.1" : i == 1 ? "y.2" : "y.3");
        double mu = 0.5 + X[i][0] * 1.0 - X[i][1] * 2.0;
        assert_near(ll[i], normal_lpdf(y[i], mu, 0.7), 1e-12, 1e-12);
    }
    gb_loglik_free(l);
}

/* Only observed nodes count: the priors of latents are no observations.  The component's y is
 * the data node passed in, so the observations keep its name. */
static void test_loglik_component_names_and_categorical(void **state)
{
    double ll[2];
    const char *names[] = {"fit.p.1", "fit.p.2", "fit.p.3"};
    const double vals[] = {0.2, 0.3, 0.5};
    gb_loglik *l = eval(*state,
                        "model cat(y: int[N]) {\n  p: simplex[3] ~ dirichlet([1.0, 1.0, 1.0])\n"
                        "  y ~ categorical(p)\n}\ndata y: int[N]\nfit = cat(y)\n",
                        "{\"N\": 2, \"y\": [3, 1]}", ll, 3, names, vals);
    assert_int_equal(gb_loglik_count(l), 2);
    assert_string_equal(gb_loglik_name(l, 0), "y.1");
    assert_string_equal(gb_loglik_name(l, 1), "y.2");
    assert_near(ll[0], log(0.5), 1e-12, 1e-12);
    assert_near(ll[1], log(0.2), 1e-12, 1e-12);
    gb_loglik_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loglik_vectorised_normal_per_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loglik_loop_names_elements_it_defines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_loglik_truncation_normalises_each_element, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_loglik_glm_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loglik_component_names_and_categorical, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
