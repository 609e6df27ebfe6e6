/* test_lower_recur.c - element-wise recursions across nodes (lang/lower_recur.c): an ARMA
 * model written as Stan writes it (nu[t] reads err[t - 1], err[t] reads nu[t]) is accepted and
 * samples exactly as the same model with err substituted into nu's recursion; a circle at the
 * same element is refused naming both definitions; posteriordb's arma11 data (from
 * $GB_TEST_SHARED, skipped with a message when absent) give the same draws in both forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gbt_model.h"

#define PRIORS                                                                                     \
    "data y: real[T]\n"                                                                            \
    "mu ~ normal(0, 10)\n"                                                                         \
    "phi: real<lower=-1, upper=1> ~ normal(0, 2)\n"                                                \
    "theta: real<lower=-1, upper=1> ~ normal(0, 2)\n"                                              \
    "sigma: real<lower=0> ~ cauchy(0, 2.5)\n"

/* As Stan's arma11 program writes it. */
static const char *const interleaved = PRIORS "nu[1] = mu + phi * mu\n"
                                              "err[1] = y[1] - nu[1]\n"
                                              "for t in 2..T {\n"
                                              "  nu[t] = mu + phi * y[t - 1] + theta * err[t - 1]\n"
                                              "  err[t] = y[t] - nu[t]\n"
                                              "}\n"
                                              "y ~ normal(nu, sigma)\n";

/* err[t - 1] substituted into nu's own recursion, err defined whole afterwards. */
static const char *const substituted =
    PRIORS "nu[1] = mu + phi * mu\n"
           "for t in 2..T {\n"
           "  nu[t] = mu + phi * y[t - 1] + theta * (y[t - 1] - nu[t - 1])\n"
           "}\n"
           "err = y - nu\n"
           "y ~ normal(nu, sigma)\n";

static const char *const small_data = "{\"y\": [0.31, 0.42, 0.28, 0.35, 0.51, 0.47, 0.39, 0.44, "
                                      "0.58, 0.52, 0.49, 0.61]}";

static void assert_same_draws(const gbt_model *a, const gbt_model *b)
{
    assert_int_equal(a->d->ncols, b->d->ncols);
    size_t n = (size_t)a->d->nchains * a->d->ndraws * a->d->ncols;
    for (size_t k = 0; k < n; k++)
        if (memcmp(&a->d->rows[k], &b->d->rows[k], sizeof(double)) != 0)
            fail_msg("draw value %zu differs: %.17g against %.17g", k, a->d->rows[k],
                     b->d->rows[k]);
}

static gbt_model *sampled(const char *model, const char *json)
{
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, json) != GB_OK || gbt_model_run(f, 2, 150, 150, 31) != GB_OK)
        fail_msg("the model did not build or run");
    return f;
}

static void test_interleaved_recursion_samples_as_the_substituted_form(void **state)
{
    (void)state;
    gbt_model *a = sampled(interleaved, small_data), *b = sampled(substituted, small_data);
    const gb_node *nu = gb_graph_node(a->g, gb_graph_find(a->g, "nu"));
    const gb_node *err = gb_graph_node(a->g, gb_graph_find(a->g, "err"));
    assert_true(nu->defs[0].recur_group > 0);
    assert_int_equal(err->defs[0].recur_group, nu->defs[0].recur_group);
    assert_same_draws(a, b);
    gbt_model_free(a);
    gbt_model_free(b);
}

static void test_interleaved_recursion_checks_without_data(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_lower(f, interleaved, NULL), GB_OK);
    gbt_model_free(f);
}

static void expect_cycle(const char *model, int line, int col, const char *msg, const char *hint)
{
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_lower(f, model, small_data), GB_ESEMANTIC);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_string_equal(e->msg, msg);
    assert_int_equal(e->loc.line, line);
    assert_int_equal(e->loc.col, col);
    if (hint) {
        assert_non_null(e->hint);
        assert_string_equal(e->hint, hint);
    }
    gbt_model_free(f);
}

static void test_cycle_at_the_same_element_is_refused(void **state)
{
    (void)state;
    expect_cycle("data y: real[T]\n"
                 "mu ~ normal(0, 1)\n"
                 "a[1] = mu\n"
                 "b[1] = mu\n"
                 "for t in 2..T {\n"
                 "  a[t] = b[t] + y[t]\n"
                 "  b[t] = a[t] * mu\n"
                 "}\n"
                 "y ~ normal(a, 1)\n",
                 6, 8, "cycle: 'a' and 'b' depend on each other at the same element",
                 "'a' reads 'b' at the same position here, and 'b' reads 'a' at line 7: one of "
                 "them must read an earlier element");
}

static void test_recursion_reading_a_whole_node_is_still_a_cycle(void **state)
{
    (void)state;
    /* nu[t] reads err[t - 1], but err is defined whole from nu: not step by step */
    expect_cycle(PRIORS "nu[1] = mu\n"
                        "for t in 2..T {\n"
                        "  nu[t] = mu + theta * err[t - 1]\n"
                        "}\n"
                        "err = y - nu\n"
                        "y ~ normal(nu, sigma)\n",
                 10, 1, "cycle: 'err' and 'nu' depend on each other", NULL);
}

/* posteriordb's arma11 data: the Stan form against the substituted one, draw for draw (no
 * reference posterior of arma11 is in ../shared/validation). */
static void test_posteriordb_arma11_both_forms(void **state)
{
    (void)state;
    const char *shared = getenv("GB_TEST_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/validation/data/arma-arma11.json",
             shared ? shared : "../shared");
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("skipped: %s not found (set GB_TEST_SHARED)\n", path);
        skip();
    }
    static char json[1 << 16];
    size_t n = fread(json, 1, sizeof json - 1, fp);
    fclose(fp);
    json[n] = 0;
    gbt_model *a = sampled(interleaved, json), *b = sampled(substituted, json);
    assert_same_draws(a, b);
    gbt_model_free(a);
    gbt_model_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_recursion_samples_as_the_substituted_form),
        cmocka_unit_test(test_interleaved_recursion_checks_without_data),
        cmocka_unit_test(test_cycle_at_the_same_element_is_refused),
        cmocka_unit_test(test_recursion_reading_a_whole_node_is_still_a_cycle),
        cmocka_unit_test(test_posteriordb_arma11_both_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
