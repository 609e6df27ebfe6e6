/* test_link.c - how a latent reaches its likelihood (model_link.c): the three accepted forms are
 * found with the right kind, the offset at the current values is the rest of the mean (checked
 * against X2 @ beta and an intercept computed here from the model's own output), and every
 * other form is declined with a reason.  The priors here are normal: the analysis looks only at
 * what reads the latent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbt_model.h"
#include "near.h"
#include "rng.h"

#define N 4

static const char *const DATA =
    "{\"X\": [[1, 2], [3, 4], [5, 6], [7, 8]], \"X2\": [[1, 0], [0, 1], [1, 1], [2, -1]], "
    "\"y\": [0.5, 1.5, -0.2, 2.0], \"b\": [0, 1, 1, 0], \"c\": [1, 3, 2, 1], \"g\": [1, 2, 1, 2]}";

static const char *const HEAD = "data X: real[N, P]\ndata X2: real[N, Q]\ndata y: real[N]\n"
                                "data b: int[N]\ndata c: int[N]\ndata g: int[N]\n"
                                "beta: real[Q] ~ normal(0, 1)\na ~ normal(0, 1)\n"
                                "sigma ~ exponential(1)\n";

/* Builds HEAD + body; the latent named `name`'s link into *l, its reason into *why. */
static int link_of(const char *body, const char *name, gbt_model **out, gb_model_link *l,
                   const char **why)
{
    char src[2048];
    snprintf(src, sizeof src, "%s%s", HEAD, body);
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, src, DATA) != GB_OK)
        fail_msg("model did not compile:\n%s", src);
    size_t k = gb_model_latent_count(f->m);
    for (size_t i = 0; i < gb_model_latent_count(f->m); i++)
        if (strcmp(gb_graph_node(f->g, gb_model_latent_node(f->m, i))->name, name) == 0)
            k = i;
    assert_true(k < gb_model_latent_count(f->m));
    *why = NULL;
    int ok = gb_model_latent_link(f->m, k, l, why);
    *out = f;
    return ok;
}

static void test_link_normal_offset_is_rest_of_mean(void **state)
{
    (void)state;
    gbt_model *f;
    gb_model_link l;
    const char *why;
    assert_int_equal(link_of("t: real[N] ~ normal(0, 1)\nmu = a + t + X2 @ beta\n"
                             "y ~ normal(mu, sigma)\n",
                             "t", &f, &l, &why),
                     1);
    assert_int_equal(l.kind, GB_LINK_NORMAL);
    assert_int_equal(l.n, N);
    f->ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(7, 0);
    double theta[64];
    assert_true(gb_model_dim(f->m) <= 64);
    assert_int_equal(gb_model_init(f->m, f->ws, r, 2, 100, theta, f->errs), GB_OK);
    gb_model_ws_sync(f->m, f->ws, theta);
    double off[N], *out = calloc(gb_model_output_size(f->m), sizeof *out);
    gb_model_link_data ld;
    assert_int_equal(gb_model_link_eval(f->m, f->ws, &l, off, &ld), GB_OK);
    gb_model_values(f->m, f->ws, theta, out);
    double beta[2] = {NAN, NAN}, a = NAN, sigma = NAN;
    for (size_t c = 0; c < gb_model_output_size(f->m); c++) {
        const char *nm = gb_model_output_name(f->m, c);
        if (strcmp(nm, "beta.1") == 0)
            beta[0] = out[c];
        else if (strcmp(nm, "beta.2") == 0)
            beta[1] = out[c];
        else if (strcmp(nm, "a") == 0)
            a = out[c];
        else if (strcmp(nm, "sigma") == 0)
            sigma = out[c];
    }
    static const double X2[N][2] = {{1, 0}, {0, 1}, {1, 1}, {2, -1}};
    static const double y[N] = {0.5, 1.5, -0.2, 2.0};
    for (int i = 0; i < N; i++) {
        assert_near(off[i], a + X2[i][0] * beta[0] + X2[i][1] * beta[1], 1e-12, 1e-12);
        assert_near(ld.y[i], y[i], 0, 0);
    }
    assert_int_equal(ld.sigma_stride, 0);
    assert_near(ld.sigma[0], sigma, 0, 0);
    size_t len, cols;
    const double *yv = gb_model_link_fixed(f->m, &l, 0, &len, &cols);
    assert_non_null(yv);
    assert_int_equal(len, N);
    assert_near(yv[3], 2.0, 0, 0);
    const double *mean0 = gb_model_link_fixed(f->m, &l, 1, &len, &cols); /* a constant is fixed */
    assert_non_null(mean0);
    assert_int_equal(len, 1);
    assert_near(mean0[0], 0, 0, 0);
    assert_null(gb_model_link_fixed(f->m, &l, 3, &len, &cols)); /* normal has 2 parameters */
    free(out);
    gsl_rng_free(r);
    gbt_model_free(f);
}

static void test_link_probit_and_categorical_logit(void **state)
{
    (void)state;
    gbt_model *f;
    gb_model_link l;
    const char *why;
    assert_int_equal(
        link_of("t: real[N] ~ normal(0, 1)\nb ~ bernoulli(Phi(t - a))\n", "t", &f, &l, &why), 1);
    assert_int_equal(l.kind, GB_LINK_PROBIT);
    gbt_model_free(f);
    assert_int_equal(link_of("F: real[N, 3] ~ normal(0, 1)\n"
                             "c ~ categorical_logit(F)\n",
                             "F", &f, &l, &why),
                     1);
    assert_int_equal(l.kind, GB_LINK_CATEGORICAL);
    assert_int_equal(l.classes, 3);
    assert_int_equal(l.n, 3 * N);
    gbt_model_free(f);
}

/* Each body reads t in a way no exact residual exists for; the reason names what was found. */
static void test_link_declines_other_forms(void **state)
{
    (void)state;
    static const struct {
        const char *body, *why;
    } cases[] = {
        {"t: real[N] ~ normal(0, 1)\nb ~ bernoulli_logit(t)\n", "other than"},
        {"t: real[N] ~ normal(0, 1)\ny ~ normal(2 * t, sigma)\n", "other than"},
        {"t: real[N] ~ normal(0, 1)\ny ~ normal(t[g], sigma)\n", "other than"},
        {"t: real[N] ~ normal(0, 1)\ny ~ normal(a, exp(t))\n", "other than the first"},
        {"t: real[N] ~ normal(0, 1)\ny ~ normal(t, sigma)\nb ~ bernoulli(Phi(t))\n",
         "more than one"},
        {"t: real[N] ~ normal(0, 1)\n", "no likelihood"},
        {"F: real[N, 3] ~ normal(0, 1)\nc ~ categorical_logit(F + 1)\n", "other than"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gbt_model *f;
        gb_model_link l;
        const char *why;
        const char *name = cases[i].body[0] == 'F' ? "F" : "t";
        if (link_of(cases[i].body, name, &f, &l, &why) != 0)
            fail_msg("case %zu accepted:\n%s", i, cases[i].body);
        if (!why || !strstr(why, cases[i].why))
            fail_msg("case %zu: reason '%s', expected it to say '%s'", i, why ? why : "(none)",
                     cases[i].why);
        gbt_model_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_normal_offset_is_rest_of_mean),
        cmocka_unit_test(test_link_probit_and_categorical_logit),
        cmocka_unit_test(test_link_declines_other_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
