/* test_lower_tdata.c - a `~` on transformed data (lang/lower_tdata.c): a deterministic node of
 * data alone observed by `~` is data with a likelihood, and samples exactly as the same model
 * given the transformed values as data; the same in either statement order and element by
 * element; a transform of a parameter, or a value that is not a number, is refused with its
 * location. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gbt_model.h"

#define N 12

static const double earn[N] = {12000, 9500, 31000, 4800,  22000, 15500,
                               41000, 7300, 18800, 26500, 11100, 33900};
static const double height[N] = {66, 64, 71, 62, 69, 67, 73, 63, 68, 70, 65, 72};

/* {"earn": [...], "height": [...]}, or with log_earn = log(earn) (%.17g: the same doubles). */
static void data_json(char *buf, size_t len, int logged)
{
    size_t used = (size_t)snprintf(buf, len, "{\"%s\": [", logged ? "log_earn" : "earn");
    for (int i = 0; i < N; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%.17g", i ? ", " : "",
                                 logged ? log(earn[i]) : earn[i]);
    used += (size_t)snprintf(buf + used, len - used, "], \"height\": [");
    for (int i = 0; i < N; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%.17g", i ? ", " : "", height[i]);
    snprintf(buf + used, len - used, "]}");
}

#define PRIORS                                                                                     \
    "a ~ normal(0, 10)\n"                                                                          \
    "b ~ normal(0, 1)\n"                                                                           \
    "sigma ~ half_normal(2)\n"

static const char *const transformed =
    "data earn: real<lower=0>[N]\n"
    "data height: real[N]\n"
    "log_earn = log(earn)\n" PRIORS "log_earn ~ normal(a + b * (height - 67), sigma)\n";

static const char *const given =
    "data log_earn: real[N]\n"
    "data height: real[N]\n" PRIORS "log_earn ~ normal(a + b * (height - 67), sigma)\n";

/* `~` before `=`, both element by element. */
static const char *const elementwise = "data earn: real<lower=0>[N]\n"
                                       "data height: real[N]\n" PRIORS "for i in 1..N {\n"
                                       "  log_earn[i] ~ normal(a + b * (height[i] - 67), sigma)\n"
                                       "}\n"
                                       "for i in 1..N {\n"
                                       "  log_earn[i] = log(earn[i])\n"
                                       "}\n";

/* The same likelihood loop over log_earn given as data, declared where the transformed model
 * first names it: terms add up in node order, so the order decides the last bits of lp__. */
static const char *const given_elementwise =
    "data height: real[N]\n" PRIORS "data log_earn: real[N]\n"
    "for i in 1..N {\n"
    "  log_earn[i] ~ normal(a + b * (height[i] - 67), "
    "sigma)\n"
    "}\n";

static gbt_model *sampled(const char *model, int logged)
{
    char json[2048];
    data_json(json, sizeof json, logged);
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, json) != GB_OK || gbt_model_run(f, 2, 150, 150, 23) != GB_OK)
        fail_msg("the model did not build or run");
    return f;
}

static void assert_same_draws(const gbt_model *a, const gbt_model *b)
{
    assert_int_equal(a->d->ncols, b->d->ncols);
    size_t n = (size_t)a->d->nchains * a->d->ndraws * a->d->ncols;
    for (size_t k = 0; k < n; k++)
        if (memcmp(&a->d->rows[k], &b->d->rows[k], sizeof(double)) != 0)
            fail_msg("draw value %zu differs: %.17g against %.17g", k, a->d->rows[k],
                     b->d->rows[k]);
}

static void test_tilde_on_transformed_data_samples_as_the_data_would(void **state)
{
    (void)state;
    gbt_model *t = sampled(transformed, 0), *g = sampled(given, 1);
    size_t i = gb_graph_find(t->g, "log_earn");
    const gb_node *n = gb_graph_node(t->g, i);
    assert_true(gb_node_is_observed(n));
    assert_non_null(n->value);
    for (int k = 0; k < N; k++)
        assert_true(n->value[k] == log(earn[k]));
    assert_same_draws(t, g);
    gbt_model_free(t);
    gbt_model_free(g);
}

static void test_tilde_first_and_elementwise_give_the_same_draws(void **state)
{
    (void)state;
    gbt_model *e = sampled(elementwise, 0), *g = sampled(given_elementwise, 1);
    assert_same_draws(e, g);
    gbt_model_free(e);
    gbt_model_free(g);
}

static void test_tilde_on_transformed_data_checks_without_data(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_lower(f, transformed, NULL), GB_OK);
    const gb_node *n = gb_graph_node(f->g, gb_graph_find(f->g, "log_earn"));
    assert_true(gb_node_is_observed(n));
    assert_null(n->value); /* as data without a data file */
    gbt_model_free(f);
}

static void expect_error(const char *model, const char *json, gb_status want, int line, int col,
                         const char *msg, const char *hint)
{
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_lower(f, model, json), want);
    assert_true(gb_errlist_count(f->errs) >= 1);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_string_equal(e->msg, msg);
    assert_int_equal(e->loc.line, line);
    assert_int_equal(e->loc.col, col);
    assert_non_null(e->hint);
    assert_string_equal(e->hint, hint);
    gbt_model_free(f);
}

static void test_tilde_on_transform_of_parameter_is_refused(void **state)
{
    (void)state;
    expect_error("data y: real[N]\n"
                 "z ~ normal(0, 1)\n"
                 "s = exp(z)\n"
                 "w = y * s\n"
                 "for i in 1..N {\n"
                 "  w[i] ~ normal(0, 1)\n"
                 "}\n",
                 "{\"y\": [1, 2]}", GB_ESEMANTIC, 6, 3,
                 "'w' is computed from the parameter 'z', so '~' cannot observe it",
                 "'~' observes data, or a transform of data alone (Stan's transformed data); "
                 "'w' is defined with '=' at line 4");
}

static void test_transformed_data_that_is_not_a_number_is_refused(void **state)
{
    (void)state;
    expect_error("data x: real[N]\n"
                 "lx = log(x)\n"
                 "mu ~ normal(0, 1)\n"
                 "lx ~ normal(mu, 1)\n",
                 "{\"x\": [1, -1, 2]}", GB_EDATA, 2, 1, "'lx' cannot be computed from the data",
                 "'~' observes it, so it must be a number for every element (the log of a "
                 "negative number is not)");
}

static void test_second_tilde_on_transformed_data_is_a_duplicate(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_lower(f,
                                     "data x: real[N]\n"
                                     "lx = log(x)\n"
                                     "lx ~ normal(0, 1)\n"
                                     "lx ~ normal(1, 1)\n",
                                     "{\"x\": [1, 2]}"),
                     GB_ESEMANTIC);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_string_equal(e->msg, "'lx' is already defined");
    assert_int_equal(e->loc.line, 4);
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tilde_on_transformed_data_samples_as_the_data_would),
        cmocka_unit_test(test_tilde_first_and_elementwise_give_the_same_draws),
        cmocka_unit_test(test_tilde_on_transformed_data_checks_without_data),
        cmocka_unit_test(test_tilde_on_transform_of_parameter_is_refused),
        cmocka_unit_test(test_transformed_data_that_is_not_a_number_is_refused),
        cmocka_unit_test(test_second_tilde_on_transformed_data_is_a_duplicate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
